"""Every size and count limit through the real binary, each with API.md's
error: request body, message text, room names, rooms per user, query string,
Cookie header, Content-Length, poll timeout, waiting polls per user and per
address; and bad limit settings refused at start with a message naming the
key."""

import json
import os
import select
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import fcgi  # noqa: E402
import pgserver  # noqa: E402
from chatenv import ChatEnv, BINARY  # noqa: E402
from tap import ok, eq, run, skip  # noqa: E402


def err_code(resp):
    st, _, body = resp
    return st, (body or {}).get("error", {}).get("code") if isinstance(body, dict) else None


def rooms_per_user(env, store):
    """max_rooms_per_user = 3 on env's store: ad-hoc rooms only."""
    api = env.api
    eq([api("bob", "POST", "/v1/rooms/adhoc-%d/join" % i)[0] for i in range(3)], [200] * 3,
       "%s: three ad-hoc rooms (max_rooms_per_user = 3)" % store)
    st, _, body = api("bob", "POST", "/v1/rooms/adhoc-3/join")
    eq(err_code((st, _, body)), (403, "forbidden"), "%s: a fourth ad-hoc room: 403" % store)
    ok("max_rooms_per_user" in body["error"]["message"] and "leave one" in body["error"]["message"],
       "%s: the message names the limit and the way out" % store, body)
    ok("adhoc-3" not in [r["name"] for r in api("bob", "GET", "/v1/rooms")[2]["rooms"]],
       "%s: the refused room was not created" % store)
    eq(api("bob", "POST", "/v1/rooms/adhoc-0/join")[0], 200, "%s: rejoining a room one is in: fine" % store)
    eq([api("bob", "POST", "/v1/rooms/%s/join" % r)[0] for r in ("NGS", "RNA-Seq")], [200, 200],
       "%s: persistent rooms do not count" % store)
    api("bob", "POST", "/v1/rooms/adhoc-0/leave")
    eq(api("bob", "POST", "/v1/rooms/adhoc-3/join")[0], 200, "%s: after leaving one, another" % store)


class Poll:
    """A long poll on its own connection, sent at once, read later."""

    def __init__(self, env, user, since, addr="127.0.0.1", timeout=8):
        self.sock = fcgi.connect(env.sockets[0], 15)
        params, _ = fcgi.request_params("GET", "/v1/events", query="since=%d&timeout=%d" % (since, timeout),
                                        cookie=env.cookie_header(user), extra={"REMOTE_ADDR": addr})
        fcgi.send_request(self.sock, params)

    def answered(self, within):
        """Whether the answer has arrived (or arrives within `within` s)."""
        return bool(select.select([self.sock], [], [], within)[0])

    def answer(self):
        """(status, body); closes the connection."""
        try:
            status, _, raw, _ = fcgi.read_response(self.sock)
            return status, fcgi.decode(raw)
        except OSError as e:
            return None, str(e)
        finally:
            self.sock.close()


def polls_per_user_and_address():
    """max_polls_per_user and max_polls_per_address: a new waiting poll
    beyond either answers the oldest such poll at once, empty."""
    with ChatEnv(users=["alice", "bob", "carol"], processes=1,
                 options={"max_polls_per_user": "3", "max_polls_per_address": "4", "rate": "off"}) as env:
        cursor = env.api("alice", "GET", "/v1/events")[2]["cursor"]
        empty = (200, {"events": [], "cursor": cursor})
        polls = []
        for i in range(3):
            polls.append(Poll(env, "alice", cursor, addr="198.51.100.%d" % i))
            time.sleep(0.2)   # parked in this order
        ok(not any(p.answered(0.3) for p in polls), "three polls of one user wait (max_polls_per_user = 3)")
        polls.append(Poll(env, "alice", cursor, addr="198.51.100.9"))
        ok(polls[0].answered(3), "a fourth: the oldest is answered at once")
        eq(polls[0].answer(), empty, "empty, with its own cursor")
        ok(not any(p.answered(0.3) for p in polls[1:]), "the three newest still wait")
        bob = Poll(env, "bob", cursor, addr="198.51.100.1")
        ok(not bob.answered(0.5) and not any(p.answered(0) for p in polls[1:]),
           "another user's poll waits beside them")
        st, _, m = env.api("carol", "POST", "/v1/messages", body={"room": "all", "text": "to the waiting"})
        got = [(st, [e["id"] for e in b["events"]]) for st, b in (p.answer() for p in polls[1:] + [bob])]
        eq(got, [(200, [m["id"]])] * 4, "a message reaches each poll still waiting")

        # one address, several users: the address's oldest poll makes way
        cursor = m["id"]
        empty = (200, {"events": [], "cursor": cursor})
        polls = []
        for user in ("alice", "bob", "carol", "alice"):
            polls.append(Poll(env, user, cursor, addr="203.0.113.5"))
            time.sleep(0.2)
        other = Poll(env, "bob", cursor, addr="203.0.113.6")
        ok(not any(p.answered(0.3) for p in polls + [other]),
           "four polls from one address wait (max_polls_per_address = 4)")
        polls.append(Poll(env, "carol", cursor, addr="203.0.113.5"))
        ok(polls[0].answered(3), "a fifth from that address: its oldest is answered at once")
        eq(polls[0].answer(), empty, "empty, with its own cursor")
        ok(not any(p.answered(0.3) for p in polls[1:] + [other]), "the others still wait")
        no_addr = Poll(env, "carol", cursor, addr="")
        ok(not any(p.answered(0.3) for p in polls[1:] + [other, no_addr]),
           "a poll without REMOTE_ADDR is not counted by address")
        st, _, m = env.api("carol", "POST", "/v1/messages", body={"room": "all", "text": "again"})
        got = [(st, [e["id"] for e in b["events"]]) for st, b in (p.answer() for p in polls[1:] + [other, no_addr])]
        eq(got, [(200, [m["id"]])] * 6, "a message reaches each of them")

    # the review's case, scaled down: one user's polls no longer take every connection
    with ChatEnv(users=["alice", "bob"], processes=1, options={"max_connections": "50"}) as env:
        cursor = env.api("alice", "GET", "/v1/events")[2]["cursor"]
        # the first poll teaches the hub alice's rooms: the rest are parked
        # straight from memory, as each arrives
        eq(env.api("alice", "GET", "/v1/events", query="since=%d&timeout=1" % cursor)[0], 200, "a first poll")
        flood = []
        for _ in range(60):   # paced: a burst of new connections is the listener's limit, not this one
            flood.append(Poll(env, "alice", cursor, timeout=20))
            time.sleep(0.01)
        time.sleep(1)
        answered = [p.answer() for p in flood if p.answered(0.01)]
        ok(len(answered) == 52 and all(a == (200, {"events": [], "cursor": cursor}) for a in answered),
           "60 polls of one user (max_connections = 50): all but 8 answered empty, no 503",
           (len(answered), [a for a in answered if a[0] != 200][:3]))
        bob = Poll(env, "bob", cursor)
        ok(not bob.answered(1), "another user's poll still waits")
        st, _, m = env.api("bob", "POST", "/v1/messages", body={"room": "all", "text": "still here"})
        eq(st, 201, "and another user's message is taken")
        got = [(st, [e["id"] for e in b["events"]]) for st, b in (p.answer() for p in flood + [bob]
                                                                   if p.sock.fileno() >= 0)]
        eq(got, [(200, [m["id"]])] * 9, "and reaches the 8 waiting polls of the one and the other's")


def burst_of_connections():
    """A burst of new connections beyond max_connections waits in the listen
    backlog until the listener has read the ones before: none is closed
    unanswered (as nginx opening many connections at once would see); the
    requests beyond those it holds are 503, as max_connections says."""
    with ChatEnv(users=["alice"], processes=1, options={"max_connections": "8"}) as env:
        params, _ = fcgi.request_params("GET", "/v1/health")
        results, go = [], threading.Barrier(120, timeout=30)

        def one():
            go.wait()
            try:
                with fcgi.connect(env.sockets[0], 15) as sock:
                    fcgi.send_request(sock, params)
                    results.append(fcgi.read_response(sock)[0])
            except OSError as e:
                results.append(str(e))
        threads = [threading.Thread(target=one) for _ in range(120)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(40)
        bad = [r for r in results if r not in (200, 503)]
        ok(len(results) == 120 and not bad and 200 in results,
           "120 connections at once to max_connections = 8: every one answered (200, or "
           "503 beyond the requests it holds), none closed unanswered", (len(results), bad[:5]))


def main():
    with ChatEnv(users=["alice", "bob"], processes=1,
                 options={"max_message_bytes": "200", "max_body_bytes": "512",
                          "max_rooms_per_user": "3", "poll_timeout": "2",
                          "rate": "off", "join_rate": "off"}) as env:
        api = env.api

        def post(body, **kw):
            if isinstance(body, dict):   # UTF-8 on the wire, not \u escapes
                body = json.dumps(body, ensure_ascii=False).encode()
                kw.setdefault("content_type", "application/json")
            return api("alice", "POST", "/v1/messages", body=body, **kw)

        # request body and message text
        st, _, body = post({"room": "all", "text": "x" * 201})
        eq(err_code((st, _, body)), (413, "too_large"), "text one byte over max_message_bytes: 413")
        ok("200" in body["error"]["message"], "the message names the limit", body)
        eq(post({"room": "all", "text": "x" * 200})[0], 201, "text of exactly max_message_bytes: 201")
        eq(post({"room": "all", "text": "\u00e9" * 100})[0], 201, "200 bytes of two-byte characters: 201")
        eq(err_code(post({"room": "all", "text": "\u00e9" * 101})), (413, "too_large"),
           "limits are bytes, not characters")
        eq(err_code(post({"room": "all", "text": "x", "pad": "y" * 600})), (413, "too_large"),
           "body over max_body_bytes: 413")
        eq(err_code(api("alice", "POST", "/v1/messages", body=b"{}", content_type="application/json",
                        extra={"CONTENT_LENGTH": "99999999999"})),
           (413, "too_large"), "a huge Content-Length is refused before reading")
        for cl in ["-1", "abc", "1e3", " 5"]:
            eq(err_code(api("alice", "POST", "/v1/messages", body=b"{}", content_type="application/json",
                            extra={"CONTENT_LENGTH": cl})),
               (400, "bad_request"), "Content-Length %r: 400" % cl)

        # room names
        eq(api("alice", "POST", "/v1/rooms/" + "r" * 64 + "/join")[0], 200, "64-character room name")
        eq(err_code(api("alice", "POST", "/v1/rooms/" + "r" * 65 + "/join")), (400, "bad_request"),
           "65-character room name: 400")
        eq(err_code(post({"room": "r" * 65, "text": "hi"})), (400, "bad_request"),
           "65-character room in a message: 400")
        eq(err_code(api("alice", "GET", "/v1/rooms/" + "r" * 2000 + "/messages")), (404, "not_found"),
           "a path too long for any room: 404")
        api("alice", "POST", "/v1/rooms/" + "r" * 64 + "/leave")

        rooms_per_user(env, "SQLite")

        # query string and Cookie header
        eq(err_code(api("alice", "GET", "/v1/events", query="since=0&x=" + "a" * 4100)),
           (400, "bad_request"), "query string over 4096 bytes: 400")
        eq(api("alice", "GET", "/v1/events", query="since=0&x=" + "a" * 4000)[0], 200,
           "a 4 KB query string is fine")
        big = env.cookie_header("alice") + "; other=" + "b" * 8200
        eq(err_code(api(None, "GET", "/v1/me", extra={"HTTP_COOKIE": big})), (400, "bad_request"),
           "Cookie header over 8192 bytes: 400")
        ok(api(None, "GET", "/v1/me", extra={"HTTP_COOKIE": "a=" + "b" * 6000 + "; " +
                                             env.cookie_header("alice")})[0] == 200,
           "a 6 KB Cookie header with galaxysession last is fine")
        eq(err_code(api(None, "GET", "/v1/me", extra={"HTTP_COOKIE": "galaxysession=" + "ab" * 300})),
           (401, "unauthorized"), "an over-long galaxysession value: 401")
        eq(err_code(api("alice", "GET", "/v1/events", query="since=" + "9" * 30)), (400, "bad_request"),
           "a 30-digit since: 400")

        # the poll timeout is clamped to poll_timeout
        cursor = api("alice", "GET", "/v1/events")[2]["cursor"]
        t = time.monotonic()
        st, _, body = api("alice", "GET", "/v1/events", query="since=%d&timeout=3600" % cursor)
        took = time.monotonic() - t
        ok(st == 200 and body["events"] == [] and 1.8 <= took < 4,
           "timeout=3600 is clamped to poll_timeout = 2 (%.1f s)" % took)

    polls_per_user_and_address()
    burst_of_connections()

    # the same bound on a PostgreSQL store
    why = pgserver.available()
    if why:
        skip("max_rooms_per_user on a PostgreSQL store", why)
    else:
        with pgserver.PgServer() as pg:
            pg.create_role_and_db("chat", password="chat pw")
            with ChatEnv(users=["bob"], processes=1, store_url=pg.url("chat", user="chat", password="chat pw"),
                         options={"max_rooms_per_user": "3", "rate": "off", "join_rate": "off"}) as env:
                rooms_per_user(env, "PostgreSQL")

    # limits that cannot work are refused at start, naming the key
    d = os.path.join(os.environ.get("TMPDIR", "/tmp"), "gc-limits-%d" % os.getpid())
    os.makedirs(d, exist_ok=True)
    for line, key in [("rate = 20", "rate"), ("rate = 20/0s", "rate"), ("rate = x/10s", "rate"),
                      ("join_rate = 5/2d", "join_rate"),
                      ("rate = 5/9999999999999999h", "rate"), ("rate = 5/25h", "rate"), ("rate_exempt_admins = maybe", "rate_exempt_admins"),
                      ("max_rooms_per_user = -1", "max_rooms_per_user"),
                      ("max_polls_per_user = -1", "max_polls_per_user"),
                      ("max_polls_per_address = many", "max_polls_per_address"),
                      ("max_body_bytes = 1000\nmax_message_bytes = 900", "max_body_bytes")]:
        ini = os.path.join(d, "bad.ini")
        with open(ini, "w") as f:
            f.write("[chat]\nstore = %s/chat.sqlite\nid_secret = s\n%s\n" % (d, line))
        p = subprocess.run([BINARY, "check", "-c", ini], capture_output=True, text=True, timeout=30)
        ok(p.returncode != 0 and key in p.stderr and ini in p.stderr,
           "refused at start: %s" % line.replace("\n", "; "), p.stderr)
    os.unlink(ini)
    os.rmdir(d)


run(main)
