"""The standalone FastCGI server (--listen): a thousand waiting polls on a
few threads, one message waking them all, clients that hang up while they
wait, connections kept between requests (nginx's fastcgi_keep_conn), idle
kept connections timed out, bounded and never in the way of new ones, the
socket's mode, and SIGTERM answering every waiting poll before a clean
exit."""

import json
import os
import resource
import selectors
import signal
import stat
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import fcgi  # noqa: E402
from chatenv import ChatEnv  # noqa: E402
from tap import ok, eq, run  # noqa: E402

POLLS = 1000


def open_polls(env, n, since, timeout=30):
    """n raw FastCGI connections, each with a waiting poll sent."""
    socks = []
    for i in range(n):
        user = env.users[i % len(env.users)]
        s = fcgi.connect(env.sockets[0], 30)
        fcgi.send_request(s, {"REQUEST_METHOD": "GET", "PATH_INFO": "/v1/events",
                              "QUERY_STRING": "since=%d&timeout=%d" % (since, timeout),
                              "HTTP_COOKIE": env.cookie_header(user), "HTTP_HOST": "127.0.0.1"})
        socks.append(s)
    return socks


def collect(socks, deadline_s):
    """Reads every response (bounded in time); returns {index: body or None}."""
    sel = selectors.DefaultSelector()
    bufs = {}
    for i, s in enumerate(socks):
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, i)
        bufs[i] = b""
    done = {}
    end = time.monotonic() + deadline_s
    while len(done) < len(socks) and time.monotonic() < end:
        for key, _ in sel.select(0.2):
            i = key.data
            try:
                chunk = key.fileobj.recv(65536)
            except BlockingIOError:
                continue
            if chunk:
                bufs[i] += chunk
                continue
            sel.unregister(key.fileobj)
            key.fileobj.close()
            out = b""
            b = bufs[i]
            while len(b) >= 8:   # FastCGI records: keep STDOUT
                rtype, clen, pad = b[1], int.from_bytes(b[4:6], "big"), b[6]
                if rtype == fcgi.STDOUT:
                    out += b[8:8 + clen]
                b = b[8 + clen + pad:]
            head, _, body = out.partition(b"\r\n\r\n")
            done[i] = (head.split(b"\r\n")[0], json.loads(body) if body else None)
    sel.close()
    for s in socks:
        if s.fileno() >= 0:
            s.close()
    return done


def threads(pid):
    with open("/proc/%d/status" % pid) as f:
        return int([line.split()[1] for line in f if line.startswith("Threads:")][0])


def closed_by_peer(s):
    """Whether the responder closes s (within 10 s) with nothing more sent."""
    s.settimeout(10)
    try:
        return s.recv(1) == b""
    except OSError:
        return False


def kept_connections(env):
    """FCGI_KEEP_CONN: requests one after another on one connection,
    including a poll that waits there; other connections are closed."""
    cookie = env.cookie_header("u03")
    s = fcgi.connect(env.sockets[0], 30)

    def ask(method, path, query="", body=None):
        params, raw = fcgi.request_params(method, path, query=query, cookie=cookie, body=body)
        fcgi.send_request(s, params, raw, keep=True)
        status, _, out, _ = fcgi.read_response(s)
        return status, fcgi.decode(out)

    eq([ask("GET", "/v1/health")[0] for _ in range(3)], [200, 200, 200],
       "kept connection: three requests answered on it")
    cursor = ask("GET", "/v1/events")[1]["cursor"]
    params, raw = fcgi.request_params("GET", "/v1/events", query="since=%d&timeout=20" % cursor,
                                      cookie=cookie)
    fcgi.send_request(s, params, raw, keep=True)
    time.sleep(0.3)   # let it park
    st, _, m = env.api("u04", "POST", "/v1/messages", body={"room": "all", "text": "to a kept poll"})
    status, _, out, _ = fcgi.read_response(s)
    eq((status, [e["id"] for e in fcgi.decode(out)["events"]]), (200, [m["id"]]),
       "kept connection: a poll waits on it and gets the new message")
    st, body = ask("POST", "/v1/messages", body={"room": "all", "text": "sent on a kept connection"})
    eq(st, 201, "kept connection: then a message is sent on it")
    time.sleep(1.5)
    eq(ask("GET", "/v1/health")[0], 200, "kept connection: still served after being idle")
    s.close()

    s = fcgi.connect(env.sockets[0], 30)
    params, raw = fcgi.request_params("GET", "/v1/health")
    fcgi.send_request(s, params, raw)
    fcgi.read_response(s)
    ok(closed_by_peer(s), "without FCGI_KEEP_CONN the connection is closed after the answer")
    s.close()

    s = fcgi.connect(env.sockets[0], 30)
    params, raw = fcgi.request_params("POST", "/v1/messages", cookie=cookie,
                                      body={"room": "all", "text": "x" * 100000})
    fcgi.send_request(s, params, raw, keep=True)
    eq(fcgi.read_response(s)[0], 413, "kept connection: a body too large is refused")
    ok(closed_by_peer(s), "and the connection is closed, its unread body with it")
    s.close()


def still_open(s):
    """Whether the server has not closed s (nothing to read, no EOF)."""
    s.setblocking(False)
    try:
        return s.recv(1) != b""
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        s.setblocking(True)


def kept(env, n=1):
    """n connections, each with one request answered and kept (FCGI_KEEP_CONN)."""
    socks = []
    for _ in range(n):
        s = fcgi.connect(env.sockets[0], 10)
        params, raw = fcgi.request_params("GET", "/v1/health")
        fcgi.send_request(s, params, raw, keep=True)
        fcgi.read_response(s)
        socks.append(s)
    return socks


def idle_connections():
    """Issue 15.7: idle kept connections time out (keepalive_timeout), at
    most half the open files left after 256 spare wait idle, and when
    descriptors run out the oldest idle one makes room for a new client."""
    with ChatEnv(users=["alice"], options={"keepalive_timeout": "2"}) as env:
        idle, busy = kept(env, 2)
        for _ in range(4):   # busy is used every 0.8 s: never idle for 2 s
            time.sleep(0.8)
            params, raw = fcgi.request_params("GET", "/v1/health")
            fcgi.send_request(busy, params, raw, keep=True)
            fcgi.read_response(busy)
        ok(not still_open(idle), "a kept connection idle for keepalive_timeout (2 s) is closed")
        ok(still_open(busy), "one used more often stays open")
        idle.close()
        busy.close()

    nofile = 600   # idle at most (600 - 256) / 2 = 172
    with ChatEnv(users=["alice"], nofile=nofile) as env:
        conns = kept(env, 300)
        time.sleep(0.3)
        alive = [still_open(s) for s in conns]
        ok(sum(alive) <= 172 and all(alive[-150:]),
           "300 kept connections, %d open files: %d stay idle, the newest (at most 172)"
           % (nofile, sum(alive)))
        silent = [fcgi.connect(env.sockets[0], 10) for _ in range(nofile - 100)]
        time.sleep(0.5)
        t = time.monotonic()
        try:
            st = env.api(None, "GET", "/v1/health", timeout=5)[0]
        except (OSError, ConnectionError) as e:
            st = repr(e)
        took = time.monotonic() - t
        ok(st == 200 and took < 2, "%d silent connections on top: a new client is served in %.2f s "
           "(idle ones closed to make room)" % (len(silent), took), st)
        ok("pausing" not in env.log(0), "accepting never paused", env.log(0)[-2000:])
        for s in conns + silent:
            s.close()
        eq(env.api(None, "GET", "/v1/health")[0], 200, "served as before afterwards")


def socket_mode(env):
    """--listen's socket: mode 0660, for its owner and group only."""
    st = os.stat(env.sockets[0])
    eq((stat.S_ISSOCK(st.st_mode), stat.S_IMODE(st.st_mode)), (True, 0o660),
       "the socket's mode is 0660: only its owner and group may connect")


def main():
    global POLLS
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))
    if hard < 2 * POLLS + 200:   # each poll is a socket here and one in the responder
        POLLS = (hard - 200) // 2
        print("# RLIMIT_NOFILE hard limit %d: testing %d polls" % (hard, POLLS))
    users = ["u%02d" % i for i in range(20)]
    # 50 polls a user: no max_polls_per_user here (tests/limits.py has it)
    with ChatEnv(users=users, options={"workers": "4", "poll_timeout": "30", "max_polls_per_user": "0"}) as env:
        pid = env.procs[0].pid
        cursor = env.api("u00", "GET", "/v1/events")[2]["cursor"]
        socks = open_polls(env, POLLS, cursor)
        time.sleep(3)   # let every poll park
        t = threads(pid)
        ok(t <= 16, "%d waiting polls held by %d threads (4 workers)" % (POLLS, t))
        ok(all(s.fileno() >= 0 for s in socks), "all connections still open")
        ok(env.api(None, "GET", "/v1/health")[0] == 200, "the server still answers others")
        sent = time.monotonic()
        st, _, m = env.api("u01", "POST", "/v1/messages", body={"room": "all", "text": "to everyone"})
        eq(st, 201, "one message to all")
        got = collect(socks, 20)
        took = time.monotonic() - sent
        eq(len(got), POLLS, "every waiting poll answered")
        good = sum(1 for head, body in got.values()
                   if head == b"Status: 200 OK" and [e["id"] for e in body["events"]] == [m["id"]])
        eq(good, POLLS, "each with exactly the new message")
        ok(took < 10, "all %d delivered in %.0f ms" % (POLLS, took * 1000))

        # hang-ups while waiting leave nothing behind (LeakSanitizer checks at exit)
        cursor = m["id"]
        for s in open_polls(env, 100, cursor):
            s.close()
        time.sleep(0.5)
        st, _, m2 = env.api("u02", "POST", "/v1/messages", body={"room": "all", "text": "after hang-ups"})
        eq(st, 201, "server fine after 100 clients hung up mid-poll")

        kept_connections(env)
        socket_mode(env)
        cursor = env.api("u00", "GET", "/v1/events")[2]["cursor"]

        # SIGTERM answers every waiting poll, then exits 0
        idle = fcgi.connect(env.sockets[0], 30)   # a kept connection, idle at the stop
        params, raw = fcgi.request_params("GET", "/v1/health")
        fcgi.send_request(idle, params, raw, keep=True)
        fcgi.read_response(idle)
        socks = open_polls(env, POLLS, cursor)
        time.sleep(3)
        t0 = time.monotonic()
        env.procs[0].send_signal(signal.SIGTERM)
        got = collect(socks, 20)
        code = env.procs[0].wait(20)
        took = time.monotonic() - t0
        empty = sum(1 for head, body in got.values()
                    if head == b"Status: 200 OK" and body == {"events": [], "cursor": cursor})
        eq(empty, POLLS, "SIGTERM: every waiting poll answered 200, empty, cursor kept")
        eq(code, 0, "exit status 0 after SIGTERM")
        ok(took < 10, "stopped in %.1f s" % took)
        ok("answering waiting polls and stopping" in env.log(0), "the stop is logged")
        ok(closed_by_peer(idle), "SIGTERM: an idle kept connection is closed")
        idle.close()
    idle_connections()


run(main)
