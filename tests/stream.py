"""GET /v1/stream, the Server-Sent Events transport, held to the long
poll's rules: the same events as the long poll's, each once and in order
across reconnections with Last-Event-ID and across a responder killed
under it; the same visibility; bad input answered as JSON before any
stream starts; a heartbeat every 15 s; the end after stream_max_seconds;
a logout ending it within the auth window's bound; waiting streams
holding no worker; a client that stops reading holding up no other."""

import os
import signal
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import fcgi  # noqa: E402
import galaxy_fixture  # noqa: E402
from chatenv import ChatEnv  # noqa: E402
from tap import ok, eq, run  # noqa: E402

AUTH_WINDOW = 2       # auth_cache_seconds
STREAM_MAX = 17       # stream_max_seconds: past one heartbeat


def stream(env, user, proc=0, query="", last_event_id=None, timeout=10):
    s = fcgi.Stream(env.sockets[proc], cookie=env.cookie_header(user), query=query,
                    last_event_id=last_event_id, timeout=timeout)
    return s, s.start()


def events_of(s, n, timeout=10):
    """The next n chat events of stream s (blocks with data), skipping
    comments and the ready event; fewer when it ends or goes quiet."""
    got, deadline = [], time.time() + timeout
    while len(got) < n and time.time() < deadline:
        try:
            b = s.next()
        except socket.timeout:
            break
        if b is None:
            break
        if "data" in b and b.get("event") is None:
            got.append((int(b["id"]), b["data"]))
    return got


def poll_all(env, user, since=0, proc=0):
    """Every event user may see after since, by the long poll: [(id, json text)]."""
    import json
    out = []
    while True:
        st, _, body = env.api(user, "GET", "/v1/events", query="since=%d&timeout=0" % since,
                               proc=proc)
        if st != 200 or not body["events"]:
            return out
        for e in body["events"]:
            out.append((e["id"], json.dumps(e, separators=(",", ":"), ensure_ascii=False)))
        since = body["cursor"]


def post(env, user, text, room="NGS", proc=0):
    st, _, body = env.api(user, "POST", "/v1/messages", body={"room": room, "text": text}, proc=proc)
    return body["id"] if st == 201 else None


def test_basics(env):
    env.api("alice", "POST", "/v1/rooms/NGS/join")
    env.api("bob", "POST", "/v1/rooms/NGS/join")
    env.api("dave", "POST", "/v1/rooms/NGS/join")
    s, (status, headers, body) = stream(env, "alice")
    eq(status, 200, "a stream starts")
    ok(headers.get("content-type", "").startswith("text/event-stream"), "as text/event-stream",
       headers)
    eq(headers.get("x-accel-buffering"), "no", "telling nginx not to buffer it")
    ok("content-length" not in headers, "without a Content-Length")
    first = s.next()
    eq((first.get("event"), first.get("retry")), ("ready", "2000"),
       "first the ready event, with the reconnection delay")
    newest = int(s.next()["id"])
    ok(newest >= 2, "then the cursor (no since: the newest event)", newest)
    ids = [post(env, "bob", "one"), post(env, "bob", "two")]
    got = events_of(s, 2)
    eq([i for i, _ in got], ids, "each new event, once, in order, with its id")
    eq(got, poll_all(env, "alice", newest), "the same JSON as the long poll's events")
    s.close()

    # from since=0: the whole history this user may see, as the long poll gives it
    s, _ = stream(env, "alice", query="since=0")
    want = poll_all(env, "alice", 0)
    eq(events_of(s, len(want)), want, "since=0: every event the long poll gives, in order")
    s.close()

    # visibility: a direct message between alice and bob is not carol's,
    # nor a room she is not in
    s, _ = stream(env, "carol")
    s.next()
    s.next()
    env.api("alice", "POST", "/v1/messages", body={"to": "bob", "text": "just us"})
    post(env, "alice", "in NGS")
    env.api("carol", "POST", "/v1/rooms/RNA-Seq/join")
    got = events_of(s, 2, timeout=4)
    eq([json_type(d) for _, d in got], ["join"], "carol sees her own join, not others' events")
    s.close()


def json_type(text):
    import json
    return json.loads(text)["type"]


def test_last_event_id(env):
    s, _ = stream(env, "alice", query="since=0")
    want = poll_all(env, "alice", 0)
    got = events_of(s, 3)
    s.close()
    last = got[-1][0]
    new = [post(env, "bob", "while away %d" % i) for i in range(3)]
    # the browser's reconnection: the same URL (since=0), Last-Event-ID wins
    s, (status, _, _) = stream(env, "alice", query="since=0", last_event_id=str(last))
    eq(status, 200, "a reconnection with Last-Event-ID")
    rest = events_of(s, len(want) - 3 + len(new))
    s.close()
    eq(got + rest, poll_all(env, "alice", 0), "Last-Event-ID: every event once, none lost")
    ok(rest and rest[0][0] > last, "none before Last-Event-ID again")


def test_bad_input(env):
    for query, lei, what in (("since=abc", None, "since"), ("since=-1", None, "since"),
                             ("since=99999999", None, "since beyond the newest"),
                             ("", "x1", "Last-Event-ID"), ("", "12 13", "Last-Event-ID"),
                             ("", "-5", "Last-Event-ID")):
        s, (status, headers, body) = stream(env, "alice", query=query, last_event_id=lei)
        s.close()
        ok(status == 400 and headers.get("content-type", "").startswith("application/json")
           and body["error"]["code"] == "bad_request",
           "%s malformed (%r): a JSON 400 before any stream" % (what, query or lei), (status, body))
    s, (status, headers, body) = stream(env, None)
    s.close()
    ok(status == 401 and body["error"]["code"] == "unauthorized", "no cookie: a JSON 401",
       (status, body))
    st, _, body = env.api("alice", "POST", "/v1/stream")
    eq(st, 405, "POST /v1/stream: 405")


def test_heartbeat_and_end(env):
    s, _ = stream(env, "alice", timeout=STREAM_MAX + 10)
    start = time.time()
    s.next()
    s.next()
    comments, ended_at = [], None
    while True:
        b = s.next()
        if b is None:
            ended_at = time.time() - start
            break
        if "comment" in b:
            comments.append(time.time() - start)
    s.close()
    ok(comments and 14 <= comments[0] <= 16.5, "a heartbeat comment after 15 s of silence",
       comments)
    ok(ended_at is not None and STREAM_MAX - 1 <= ended_at <= STREAM_MAX + 2,
       "the stream ends after stream_max_seconds (%d s)" % STREAM_MAX, ended_at)


def test_logout(env):
    key = env.galaxy_db.add_session(env.user_ids["dave"])
    cookie = "galaxysession=" + galaxy_fixture.make_cookie(env.secret, key)
    s = fcgi.Stream(env.sockets[0], cookie=cookie, timeout=30)
    s.start()
    s.next()
    s.next()
    time.sleep(AUTH_WINDOW + 0.5)   # the stream outlives a window while logged in
    post(env, "alice", "still there?")
    ok(s.next() is not None, "a stream outlives its auth window while the session holds")
    env.galaxy_db.invalidate(key)
    t0 = time.time()
    while s.next() is not None:
        pass
    took = time.time() - t0
    s.close()
    ok(took <= 2 * AUTH_WINDOW + 1.5, "a logout ends the stream within twice auth_cache_seconds",
       took)
    s = fcgi.Stream(env.sockets[0], cookie=cookie, timeout=10)
    status, _, body = s.start()
    s.close()
    eq(status, 401, "and its reconnection gets a JSON 401")


def auth_answers(env, proc=0):
    """The auth cache's hits plus misses so far (every answer about a
    session or key), as proc's /v1/metrics counts them."""
    st, _, text = env.api(None, "GET", "/v1/metrics", proc=proc)
    names = ("galaxy_chat_auth_cache_hits_total", "galaxy_chat_auth_cache_misses_total")
    vals = [float(v) for n, _, v in (line.partition(" ") for line in text.decode().splitlines())
            if n in names] if st == 200 else []
    return sum(vals) if len(vals) == 2 else None


def test_session_checks(env):
    """A stream asks about its session once per auth window, not once per
    event: the posts cost one answer each (two users' posts: the rate
    limit), alice's stream at most a few per window the run took."""
    s, _ = stream(env, "alice")
    s.next()
    s.next()
    time.sleep(0.5)   # the stream's first turn is over
    before, t0 = auth_answers(env), time.time()
    ids = [post(env, ("bob", "dave")[i % 2], "checked once %d" % i) for i in range(20)]
    got = [i for i, _ in events_of(s, 20)]
    took, after = time.time() - t0, auth_answers(env)
    s.close()
    eq(got, ids, "20 messages on the stream, each once")
    windows = int(took / AUTH_WINDOW) + 1
    ok(before is not None and after is not None and after - before - 20 <= 3 * windows,
       "the stream's session answered at most 3 times per auth window, not per event",
       (before, after, took))


def test_no_workers_held(env):
    """More waiting streams than workers: posts and other requests are
    still served, and every stream gets every message."""
    streams = []
    for i in range(12):
        s, _ = stream(env, ("alice", "bob")[i % 2], timeout=15)
        s.next()
        streams.append((s, int(s.next()["id"])))
    t0 = time.time()
    st, _, _ = env.api("alice", "GET", "/v1/me")
    ok(st == 200 and time.time() - t0 < 2, "12 waiting streams on 2 workers: a request is served")
    ids = [post(env, "alice", "to all %d" % i) for i in range(3)]
    got = [[i for i, _ in events_of(s, 3)] for s, _ in streams]
    eq(got, [ids] * len(streams), "each stream gets each message once")
    for s, _ in streams:
        s.close()


def test_kill(env):
    """A responder killed under a stream: the reconnection to another with
    Last-Event-ID gives every event once."""
    s, _ = stream(env, "alice", proc=0, query="since=0")
    want = poll_all(env, "alice", 0)
    got = events_of(s, len(want))
    env.procs[0].send_signal(signal.SIGKILL)
    env.procs[0].wait()
    while True:
        try:
            if s.next() is None:
                break
        except (socket.timeout, OSError):
            break
    s.close()
    new = [post(env, "bob", "after the kill %d" % i, proc=1) for i in range(3)]
    s, (status, _, _) = stream(env, "alice", proc=1, query="since=0",
                               last_event_id=str(got[-1][0]))
    rest = events_of(s, len(new))
    s.close()
    eq(status, 200, "the reconnection to the other responder")
    eq([i for i, _ in rest], new, "after a kill: the missed events, each once, in order")
    eq(got + rest, poll_all(env, "alice", 0, proc=1), "the whole stream: the long poll's events")


def test_slow_reader(env):
    """A stream whose client stops reading while 100 long messages come
    (more than its connection's send buffer holds): the other streams of
    the process get each of them meanwhile (the hub never waits for the
    slow one), and the slow one, reading again, gets each once and in
    order."""
    slow, _ = stream(env, "alice", timeout=30)
    slow.next()
    fast, _ = stream(env, "bob", timeout=30)
    fast.next()
    text = "y" * 3500   # 100 x 3.5 KB: more than the 208 KiB a socket buffers by default
    ids = [post(env, ("alice", "bob", "dave")[i % 3], "slow %d %s" % (i, text), proc=1)
           for i in range(100)]
    ok(None not in ids, "100 long messages posted")
    got = [i for i, _ in events_of(fast, 100, timeout=30)]
    eq(got, ids, "a slow reader's stream stalls: another stream of the process gets all 100")
    got = [i for i, _ in events_of(slow, 100, timeout=30)]
    eq(got, ids, "the slow reader, reading again: all 100, once, in order")
    slow.close()
    fast.close()


def test_stop_under_streams(env):
    """SIGTERM while streams are taking events (some of their turns on the
    workers, their clients reading late): every stream ends, the
    responder exits 0, and without a sanitizer report (checked after)."""
    streams = []
    for i in range(8):
        s, _ = stream(env, ("alice", "bob")[i % 2], proc=1, timeout=15)
        s.next()
        s.next()
        streams.append(s)
    stop = threading.Event()

    def posting():
        for i in range(45):
            if stop.is_set():
                return
            try:
                post(env, ("alice", "bob", "dave")[i % 3], "%d %s" % (i, "x" * 3000), proc=1)
            except OSError:
                return
            time.sleep(0.01)   # events still coming when the stop comes

    t = threading.Thread(target=posting)
    t.start()
    time.sleep(0.2)
    codes = env.stop_chat()
    stop.set()
    t.join(30)
    ended = 0
    for s in streams:
        try:
            while s.next() is not None:
                pass
            ended += 1
        except (socket.timeout, OSError):
            ended += 1   # reset by the exit: ended too
        s.close()
    eq(codes[1], 0, "stopped under streams, the responder exits 0")
    eq(ended, len(streams), "and every stream ends")


def main():
    with ChatEnv(users=["alice", "bob", "carol", "dave"], processes=2,
                 options={"auth_cache_seconds": str(AUTH_WINDOW), "workers": "2",
                          "rate": "1000/10s",
                          "stream_max_seconds": str(STREAM_MAX)}) as env:
        test_basics(env)
        test_last_event_id(env)
        test_bad_input(env)
        test_no_workers_held(env)
        test_slow_reader(env)
        test_session_checks(env)
        test_logout(env)
        test_heartbeat_and_end(env)
        test_kill(env)
        test_stop_under_streams(env)
        for i in range(len(env.procs)):
            ok("ERROR: AddressSanitizer" not in env.log(i) and "runtime error" not in env.log(i),
               "responder %d: no sanitizer report" % i, env.log(i)[-3000:])


if __name__ == "__main__":
    run(main)
