"""The standalone FastCGI server (--listen): a thousand waiting polls on a
few threads, one message waking them all, clients that hang up while they
wait, and SIGTERM answering every waiting poll before a clean exit."""

import json
import os
import resource
import selectors
import signal
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


def main():
    global POLLS
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))
    if hard < 2 * POLLS + 200:   # each poll is a socket here and one in the responder
        POLLS = (hard - 200) // 2
        print("# RLIMIT_NOFILE hard limit %d: testing %d polls" % (hard, POLLS))
    users = ["u%02d" % i for i in range(20)]
    with ChatEnv(users=users, options={"workers": "4", "poll_timeout": "30"}) as env:
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

        # SIGTERM answers every waiting poll, then exits 0
        socks = open_polls(env, POLLS, m2["id"])
        time.sleep(3)
        t0 = time.monotonic()
        env.procs[0].send_signal(signal.SIGTERM)
        got = collect(socks, 20)
        code = env.procs[0].wait(20)
        took = time.monotonic() - t0
        empty = sum(1 for head, body in got.values()
                    if head == b"Status: 200 OK" and body == {"events": [], "cursor": m2["id"]})
        eq(empty, POLLS, "SIGTERM: every waiting poll answered 200, empty, cursor kept")
        eq(code, 0, "exit status 0 after SIGTERM")
        ok(took < 10, "stopped in %.1f s" % took)
        ok("answering waiting polls and stopping" in env.log(0), "the stop is logged")


run(main)
