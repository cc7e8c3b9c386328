"""Faults, each against the real binary on loopback, each bounded in time:
slow and malformed clients, FastCGI parameters libfcgi would abort on or
misread, slow bodies beyond the peek buffer, SIGTERM mid-poll, clients
leaving mid-poll, SIGKILL of workers mid-send with retrying senders, SIGKILL
and restart under a poller counting each event once, a hub behind the
store, a cursor older than the hub's ring, Galaxy's database down at start
and mid-run, the store deleted, the store locked by a sqlite3 shell's BEGIN
EXCLUSIVE, the disk full (reads still served), the store read-only. ChatEnv.close() fails on any sanitizer
report in the logs."""

import json
import os
import random
import signal
import sqlite3
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import fcgi  # noqa: E402
import pgserver  # noqa: E402
from chatenv import ChatEnv, BINARY, connectable, wait_for  # noqa: E402
from tap import ok, eq, skip, diag, run  # noqa: E402

HEAD_TIMEOUT = 10    # server.c: a request must arrive whole within this


def code(resp):
    st, _, body = resp
    return st, (body or {}).get("error", {}).get("code") if isinstance(body, dict) else None


def restart(env, i, sig=signal.SIGKILL):
    """Kills responder i with sig and starts a new one on its socket."""
    p = env.procs[i]
    if p.poll() is None:
        p.send_signal(sig)
    p.wait(15)
    if os.path.exists(env.sockets[i]):
        os.unlink(env.sockets[i])   # left behind by SIGKILL
    with open(os.path.join(env.dir, "chat-%d.log" % i), "ab") as log:
        env.procs[i] = subprocess.Popen([BINARY, "-c", env.config, "--listen", "unix:" + env.sockets[i]],
                                        stdout=log, stderr=log, stdin=subprocess.DEVNULL)
    wait_for(lambda: connectable(env.sockets[i]) or env.procs[i].poll() is not None, 10, "restart")


def closed_by_server(s, within):
    """True when the server closes s (EOF or reset) within `within` seconds."""
    s.settimeout(within)
    try:
        while s.recv(4096):
            pass
        return True
    except (ConnectionError, OSError) as e:
        return not isinstance(e, socket.timeout)


def slow_clients():
    with ChatEnv(users=["alice", "bob"], processes=1,
                 options={"workers": "2", "max_message_bytes": "600000", "max_body_bytes": "1000000"}) as env:
        sock = env.sockets[0]
        begin = fcgi._record(fcgi.BEGIN_REQUEST, struct.pack("!HB5x", 1, 0))
        params = fcgi._record(fcgi.PARAMS, fcgi._params({
            "REQUEST_METHOD": "POST", "PATH_INFO": "/v1/messages", "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": "100"})) + fcgi._record(fcgi.PARAMS, b"")
        slow = []
        for i in range(30):                       # connect and say nothing
            slow.append(fcgi.connect(sock, 5))
        for i in range(30):                       # half a record header
            s = fcgi.connect(sock, 5)
            s.sendall(begin[:5])
            slow.append(s)
        for i in range(10):                       # the whole head, a tenth of the body
            s = fcgi.connect(sock, 5)
            s.sendall(begin + params + fcgi._record(fcgi.STDIN, b"x" * 10)[:18])
            slow.append(s)
        trickle = []
        for i in range(4):                        # a whole request, then bytes after the reply
            s = fcgi.connect(sock, 5)
            fcgi.send_request(s, {"REQUEST_METHOD": "GET", "PATH_INFO": "/v1/health"})
            fcgi.read_response(s)
            trickle.append(s)
        stop = threading.Event()

        def dribble():
            while not stop.is_set():
                for s in trickle + slow[30:40]:
                    try:
                        s.send(b"\0")
                    except OSError:
                        pass
                time.sleep(0.5)
        th = threading.Thread(target=dribble)
        th.start()
        try:
            time.sleep(0.5)
            t = time.monotonic()
            codes = [env.api("alice", "GET", "/v1/me", timeout=10)[0] for _ in range(10)]
            took = time.monotonic() - t
            ok(codes == [200] * 10 and took < 3,
               "74 slow clients (2 workers): 10 requests from others served in %.2f s" % took, codes)
            eq(env.api("alice", "POST", "/v1/messages", body={"room": "all", "text": "still here"})[0], 201,
               "and a message is stored")
            t = time.monotonic()
            st = env.api("alice", "POST", "/v1/messages", body={"room": "all", "text": "y" * 500000})[0]
            ok(st == 201 and time.monotonic() - t < 3,
               "a 500 KB body (beyond what the listener looks at) is read and stored at once")

            # not FastCGI at all, and a head larger than the server looks at
            s = fcgi.connect(sock, 5)
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            ok(closed_by_server(s, 3), "an HTTP request on the FastCGI socket: closed at once")
            s.close()
            s = fcgi.connect(sock, 5)
            big = fcgi._record(fcgi.PARAMS, fcgi._params({"HTTP_X_BIG": "b" * 300000}))
            try:
                s.sendall(begin + big)
            except OSError:
                pass
            ok(closed_by_server(s, 3), "parameters over 64 KiB: closed at once")
            s.close()
            # heads libfcgi would wait on, in the listener's thread, if they were let through
            for bad, why in [(begin + fcgi._record(fcgi.STDIN, b""), "a body before the parameters end"),
                             (params + fcgi._record(fcgi.STDIN, b""), "no FCGI_BEGIN_REQUEST first"),
                             (begin + fcgi._record(fcgi.PARAMS, b"", req_id=2) +
                              fcgi._record(fcgi.STDIN, b"", req_id=2), "another request's records")]:
                s = fcgi.connect(sock, 5)
                s.sendall(bad)
                t = time.monotonic()
                served = env.api("alice", "GET", "/v1/me")[0] == 200 and time.monotonic() - t < 2
                ok(served, "%s: others served at once" % why)
                slow.append(s)   # closed at once or at the deadline, checked below

            # the slow ones are cut off once their time is up
            t = time.monotonic()
            closed = sum(closed_by_server(s, max(0.1, HEAD_TIMEOUT + 3 - (time.monotonic() - t)))
                         for s in slow)
            eq(closed, len(slow), "every client that sent no whole request in %d s was closed" % HEAD_TIMEOUT)
        finally:
            stop.set()
            th.join()
            for s in slow + trickle:
                s.close()
        eq(env.api("alice", "GET", "/v1/me")[0], 200, "served as before afterwards")
        with open("/proc/%d/limits" % env.procs[0].pid) as f:
            soft, hard = [line.split()[3:5] for line in f if line.startswith("Max open files")][0]
        want = 4096 + 256 if hard == "unlimited" else min(int(hard), 4096 + 256)
        ok(soft != "unlimited" and int(soft) >= want,
           "open files raised for max_connections (soft %s, hard %s)" % (soft, hard))


def answer_or_close(s, within):
    """What the server sends on s before closing it (b"" for nothing), or
    None when it neither answers nor closes within `within` seconds."""
    s.settimeout(within)
    got = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return got
            got += chunk
    except socket.timeout:
        return None
    except OSError:
        return got


def record(rtype, content, pad, req_id=1):
    """One FastCGI record with exactly pad bytes of padding."""
    return struct.pack("!BBHHBx", 1, rtype, req_id, len(content), pad) + content + b"\0" * pad


def malformed_params():
    """Name-value lengths libfcgi aborts on (issue 15.1) and paddings it
    misreads (15.10): each connection is closed at once without an answer,
    saying why in the log, while a waiting poll and everyone else carry on."""
    with ChatEnv(users=["alice", "bob"], processes=1) as env:
        sock = env.sockets[0]
        cursor = env.api("bob", "GET", "/v1/events")[2]["cursor"]
        box = {}

        def poll():
            try:
                box["r"] = env.api("bob", "GET", "/v1/events", query="since=%d&timeout=20" % cursor, timeout=30)
            except (OSError, ConnectionError) as e:
                box["r"] = e
        th = threading.Thread(target=poll)
        th.start()
        time.sleep(0.5)
        begin = fcgi._record(fcgi.BEGIN_REQUEST, struct.pack("!HB5x", 1, 0))
        get = fcgi._params({"REQUEST_METHOD": "GET", "PATH_INFO": "/v1/health"})
        end = fcgi._record(fcgi.PARAMS, b"") + fcgi._record(fcgi.STDIN, b"")
        cases = [
            (begin + fcgi._record(fcgi.PARAMS, b"\xff\xff\xff\xfe\x01Ab") + end,
             "a name length of 2^31 - 2 (libfcgi's allocator asserts)", "a name or value longer"),
            (begin + fcgi._record(fcgi.PARAMS, get + b"\x01\xff\xff\xff\xf0A") + end,
             "a value length of 2^31 - 16 after good pairs", "a name or value longer"),
            (begin + fcgi._record(fcgi.PARAMS, get + b"\x80\x00\x00\x10\x05REQUEST_METHOD") + end,
             "a pair longer than what the parameters hold", "cut short"),
            (begin + fcgi._record(fcgi.PARAMS, get[:-1]) + end,
             "the parameters ending inside a value", "cut short"),
            (record(fcgi.BEGIN_REQUEST, struct.pack("!HB5x", 1, 0), 8) + fcgi._record(fcgi.PARAMS, get) + end,
             "a padded FCGI_BEGIN_REQUEST (libfcgi lost the parameters)", "a padded FCGI_BEGIN_REQUEST"),
            (begin + fcgi._record(fcgi.PARAMS, get) + record(fcgi.PARAMS, b"", 8) + fcgi._record(fcgi.STDIN, b""),
             "a padded end of the parameters (libfcgi lost the body)", "a padded empty record"),
        ]
        for data, why, logged in cases:
            s = fcgi.connect(sock, 5)
            s.sendall(data)
            eq(answer_or_close(s, 3), b"", "%s: closed at once, without an answer" % why)
            s.close()
            ok(env.procs[0].poll() is None, "... the process is still running")
            ok(logged in env.log(0), "... and the log says why (%r)" % logged)
        # a pair may span records (libfcgi reads the parameters as one stream)
        params = fcgi._params({"REQUEST_METHOD": "GET", "PATH_INFO": "/v1/health"})
        s = fcgi.connect(sock, 5)
        s.sendall(begin + fcgi._record(fcgi.PARAMS, params[:7]) + fcgi._record(fcgi.PARAMS, params[7:]) + end)
        eq(fcgi.read_response(s)[0], 200, "a name-value pair across two FCGI_PARAMS records is read")
        s.close()
        st, _, m = env.api("alice", "POST", "/v1/messages", body={"room": "all", "text": "after the bad ones"})
        eq(st, 201, "others are served")
        th.join(15)
        r = box.get("r")
        ok(isinstance(r, tuple) and r[0] == 200 and [e["id"] for e in r[2]["events"]] == [m["id"]],
           "the poll that waited through them gets the new message", r)


def slow_bodies():
    """Requests whose parameters and body (20 KB + 50 KB) outgrow the peek
    buffer, trickled (issue 15.8): read without holding a worker, cut off at
    the deadline although bytes keep coming; others are served meanwhile."""
    with ChatEnv(users=["alice", "bob"], processes=1,
                 options={"workers": "2", "rate": "off", "max_message_bytes": "60000",
                          "max_body_bytes": "65536"}) as env:
        sock = env.sockets[0]
        begin = fcgi._record(fcgi.BEGIN_REQUEST, struct.pack("!HB5x", 1, 0))
        body = json.dumps({"room": "all", "text": "z" * 50000}).encode()
        params = fcgi._record(fcgi.PARAMS, fcgi._params({
            "REQUEST_METHOD": "POST", "PATH_INFO": "/v1/messages", "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(body)), "HTTP_COOKIE": env.cookie_header("bob"),
            "HTTP_X_PAD": "p" * 20000})) + fcgi._record(fcgi.PARAMS, b"")
        whole = begin + params + fcgi._record(fcgi.STDIN, body) + fcgi._record(fcgi.STDIN, b"")
        t0 = time.monotonic()
        slow = []
        for i in range(10):
            s = fcgi.connect(sock, 5)
            s.sendall(whole[:-100])
            slow.append(s)
        stop = threading.Event()

        def dribble():
            for i in range(100):
                for s in slow:
                    try:
                        s.send(whole[-100 + i:][:1])
                    except OSError:
                        pass
                if stop.wait(1.0):
                    return
        th = threading.Thread(target=dribble)
        th.start()
        try:
            time.sleep(1.0)

            def timed(*a, **kw):
                t = time.monotonic()
                try:
                    st = env.api(*a, timeout=8, **kw)[0]
                except (OSError, ConnectionError) as e:
                    st = repr(e)
                return st, time.monotonic() - t
            st, took = timed("alice", "POST", "/v1/messages", body={"room": "all", "text": "not held up"})
            ok(st == 201 and took < 2,
               "10 trickled 70 KB requests (2 workers): another user's POST stored in %.2f s" % took, st)
            st, took = timed(None, "GET", "/v1/health")
            ok(st == 200 and took < 2, "... and /v1/health answered in %.2f s" % took, st)
            closed = sum(answer_or_close(s, max(0.1, HEAD_TIMEOUT + 3 - (time.monotonic() - t0))) == b""
                         for s in slow)
            eq(closed, len(slow), "each was closed unanswered at the %d s deadline, bytes still coming" % HEAD_TIMEOUT)
        finally:
            stop.set()
            th.join()
            for s in slow:
                s.close()
        s = fcgi.connect(sock, 5)
        s.sendall(whole)
        eq(fcgi.read_response(s)[0], 201, "the same request sent at once is stored")
        s.close()
        # a body whose records already hold more than max_body_bytes: 413 without the rest
        params = fcgi._record(fcgi.PARAMS, fcgi._params({
            "REQUEST_METHOD": "POST", "PATH_INFO": "/v1/messages", "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": "200000", "HTTP_COOKIE": env.cookie_header("bob")})) + fcgi._record(fcgi.PARAMS, b"")
        s = fcgi.connect(sock, 10)
        s.sendall(begin + params + fcgi._record(fcgi.STDIN, b"x" * 65535) + fcgi._record(fcgi.STDIN, b"x" * 65535)[:100])
        t = time.monotonic()
        try:
            st = fcgi.read_response(s)[0]
        except (OSError, ConnectionError) as e:
            st = repr(e)
        ok(st == 413 and time.monotonic() - t < 2,
           "a body over max_body_bytes, the rest never sent: 413 in %.2f s" % (time.monotonic() - t), st)
        s.close()
        # as mod_fcgid does: the whole request written before the answer is read
        s = fcgi.connect(sock, 10)
        params, raw = fcgi.request_params("POST", "/v1/messages", cookie=env.cookie_header("bob"),
                                          body=b"{" + b" " * 1000000 + b"}", content_type="application/json")
        try:
            fcgi.send_request(s, params, raw)
            st = fcgi.read_response(s)[0]
        except (OSError, ConnectionError) as e:
            st = repr(e)
        eq(st, 413, "a 1 MB body sent whole before the answer is read: 413, the rest read and dropped")
        s.close()


def sigterm_and_disconnects():
    with ChatEnv(users=["alice", "bob"], processes=1) as env:
        cursor = env.api("alice", "GET", "/v1/events")[2]["cursor"]
        # pollers that go away while waiting: some before an event, some after
        gone = []
        for i in range(6):
            s = fcgi.connect(env.sockets[0], 5)
            fcgi.send_request(s, {"REQUEST_METHOD": "GET", "PATH_INFO": "/v1/events",
                                  "QUERY_STRING": "since=%d&timeout=8" % cursor,
                                  "HTTP_COOKIE": env.cookie_header("bob")})
            gone.append(s)
        time.sleep(0.3)
        for s in gone[:3]:
            s.close()
        st, _, m = env.api("alice", "POST", "/v1/messages", body={"room": "all", "text": "to nobody"})
        eq(st, 201, "an event for pollers that left")
        for s in gone[3:]:
            s.close()
        eq(env.api("bob", "GET", "/v1/events", query="since=%d" % cursor)[2]["events"][0]["id"], m["id"],
           "the process serves on after writing to closed connections")

        # SIGTERM while a poll waits: it gets its 200 at once, the process exits 0
        cursor = m["id"]
        box = {}

        def poll():
            t = time.monotonic()
            box["r"] = env.api("bob", "GET", "/v1/events", query="since=%d&timeout=8" % cursor)
            box["t"] = time.monotonic() - t
        th = threading.Thread(target=poll)
        th.start()
        time.sleep(0.5)
        env.procs[0].send_signal(signal.SIGTERM)
        th.join(10)
        st, _, body = box.get("r", (None, None, None))
        ok(st == 200 and body == {"events": [], "cursor": cursor} and box["t"] < 3,
           "SIGTERM mid-poll: a clean empty 200 with the cursor (%.2f s)" % box.get("t", -1), box)
        try:
            rc = env.procs[0].wait(10)
        except subprocess.TimeoutExpired:
            rc = "still running"
        eq(rc, 0, "and the process exits 0 (no stuck thread)")
        # ChatEnv.close() fails on any LeakSanitizer report: no waiter leaked


def sigkill_mid_send():
    senders, per = 3, 25
    with ChatEnv(users=["alice", "bob", "carol", "dave"], processes=2,
                 options={"rate": "off", "workers": "4"}) as env:
        acked = {}
        lock = threading.Lock()
        done = threading.Event()

        def sender(t):
            user = ["alice", "bob", "carol"][t]
            for i in range(per):
                cid = "s%d-%d" % (t, i)
                for attempt in range(200):
                    try:
                        st, _, body = env.api(user, "POST", "/v1/messages", proc=(i + attempt) % 2,
                                              body={"room": "all", "text": cid, "client_id": cid}, timeout=10)
                    except (OSError, ConnectionError):
                        st = None
                    if st in (200, 201):
                        with lock:
                            if cid in acked and acked[cid] != body["id"]:
                                acked[cid] = ("two ids", acked[cid], body["id"])
                            else:
                                acked[cid] = body["id"]
                        break
                    time.sleep(0.05)

        def killer():
            rng = random.Random(8)
            while not done.is_set():
                time.sleep(rng.uniform(0.2, 0.5))
                restart(env, rng.randrange(2))
        threads = [threading.Thread(target=sender, args=(t,)) for t in range(senders)]
        k = threading.Thread(target=killer)
        k.start()
        for th in threads:
            th.start()
        for th in threads:
            th.join(120)
        done.set()
        k.join(30)
        eq(len(acked), senders * per, "every message was eventually acknowledged despite SIGKILLs")
        ok(all(isinstance(v, int) for v in acked.values()), "a retried client_id always got the same id")
        for i in range(2):
            if env.procs[i].poll() is not None:
                restart(env, i)
        cursor, seen = 0, []
        for _ in range(20):
            b = env.api("dave", "GET", "/v1/events", query="since=%d" % cursor, proc=_ % 2)[2]
            seen += [(e["id"], e["text"]) for e in b["events"] if e["type"] == "message"]
            if b["cursor"] == cursor:
                break
            cursor = b["cursor"]
        texts = [t for _, t in seen]
        eq(sorted(texts), sorted(acked), "a poller following cursors sees each message exactly once")
        ids = [i for i, _ in seen]
        eq(ids, sorted(set(ids)), "in strictly increasing id order")
        eq({t: i for i, t in seen}, acked, "with the ids the senders were given")


def restarts_exactly_once():
    """SIGKILL and restart, again and again, under two senders, while a
    poller follows its cursor from one process to the other: each event
    exactly once, in strictly increasing id order, each acknowledged
    message among them, and each cursor the last id delivered."""
    restarts = 15
    with ChatEnv(users=["alice", "bob", "dave"], processes=2,
                 options={"rate": "off", "workers": "4"}) as env:
        sending = threading.Event()
        sending.set()
        acked, lock = set(), threading.Lock()

        def sender(user):
            for i in range(100000):
                if not sending.is_set():
                    return
                cid = "%s-%d" % (user, i)
                for attempt in range(200):   # until acknowledged
                    try:
                        st = env.api(user, "POST", "/v1/messages", proc=(i + attempt) % 2, timeout=10,
                                     body={"room": "all", "text": cid, "client_id": cid})[0]
                    except (OSError, ConnectionError):
                        st = None
                    if st in (200, 201):
                        with lock:
                            acked.add(cid)
                        break
                    time.sleep(0.02)

        ids, texts, bad_cursors = [], [], []
        box = {"cursor": env.api("dave", "GET", "/v1/events")[2]["cursor"], "quiet": 0}
        senders = [threading.Thread(target=sender, args=(u,)) for u in ("alice", "bob")]
        last = threading.Event()   # the last message is sent: it wakes both hubs

        def poller():
            end = time.monotonic() + 120
            for k in range(100000):
                if time.monotonic() > end or box["quiet"] >= 2:   # both processes have no more
                    return
                since = box["cursor"]
                try:
                    st, _, b = env.api("dave", "GET", "/v1/events", proc=k % 2, timeout=10,
                                       query="since=%d&timeout=1" % since)
                except (OSError, ConnectionError):
                    st = None
                if st != 200:
                    time.sleep(0.02)
                    continue
                got = [e["id"] for e in b["events"]]
                ids.extend(got)
                texts.extend(e["text"] for e in b["events"] if e["type"] == "message")
                if b["cursor"] != (got[-1] if got else since):
                    bad_cursors.append((since, got[:3], b["cursor"]))
                box["cursor"] = b["cursor"]
                done = last.is_set() and "last" in texts
                box["quiet"] = box["quiet"] + 1 if done and not got else 0
        pt = threading.Thread(target=poller)
        for th in senders + [pt]:
            th.start()
        rng = random.Random(15)
        for _ in range(restarts):
            time.sleep(rng.uniform(0.2, 0.5))
            restart(env, rng.randrange(2))
        sending.clear()
        for th in senders:
            th.join(150)
        # a process killed between a commit and its wakeup leaves the hubs
        # unaware of that event (a retry that finds it writes nothing) until
        # their next read: the last message makes sure they read
        eq(env.api("alice", "POST", "/v1/messages", body={"room": "all", "text": "last"})[0], 201,
           "a last message, once the senders are done")
        acked.add("last")
        last.set()
        pt.join(150)
        ok(all(p.poll() is None for p in env.procs), "%d SIGKILLs and restarts under two senders" % restarts)
        dups = sorted(i for i in set(ids) if ids.count(i) > 1)
        eq(dups, [], "a poller following its cursor across both processes got no event twice")
        eq(ids, sorted(set(ids)), "in strictly increasing id order")
        eq(bad_cursors, [], "each cursor is the last id delivered (or the since of an empty answer)")
        ok(len(acked) > 20 and sorted(texts) == sorted(acked),
           "every acknowledged message (%d) delivered exactly once" % len(acked),
           (len(texts), len(acked), sorted(set(acked) - set(texts))[:5], sorted(set(texts) - acked)[:5]))


def hub_behind_the_store():
    """A writer that dies between its commit and its wakeup (here: rows
    written straight into the store, announced to no one) leaves the hub
    behind the store until its next read. A poll whose cursor is past what
    the hub has read is answered by the store and parked with the store's
    newest id; when the hub catches up, in batches, it must not hand that
    poll the events it already has, and it reads all it is behind on at
    once, however many batches that takes."""
    with ChatEnv(users=["alice", "dave"], processes=1, options={"rate": "off"}) as env:
        eq(env.api("alice", "POST", "/v1/messages", body={"room": "all", "text": "announced"})[0], 201,
           "a message the hub reads at once")
        with sqlite3.connect(env.store) as db:
            all_id = db.execute("SELECT id FROM rooms WHERE name = 'all'").fetchone()[0]
            db.executemany("INSERT INTO events (ts, type, room_id, user_id, username, text)"
                           " VALUES ('2026-01-01T00:00:00.000Z', 'message', ?, ?, 'alice', ?)",
                           [(all_id, env.user_ids["alice"], "unannounced %d" % i) for i in range(1500)])
            newest = db.execute("SELECT max(id) FROM events").fetchone()[0]
        # the hub reads again on the next wakeup, or 5 s after its last read
        box = {}
        th = threading.Thread(target=lambda: box.update(r=env.api(
            "dave", "GET", "/v1/events", query="since=%d&timeout=8" % newest)))
        th.start()
        time.sleep(0.5)
        t = time.monotonic()
        st, _, m = env.api("alice", "POST", "/v1/messages", body={"room": "all", "text": "after"})
        th.join(15)
        took = time.monotonic() - t
        st, _, body = box.get("r", (None, None, {}))
        got = [e["id"] for e in (body or {}).get("events", [])]
        ok(st == 200 and got == [m["id"]] and body["cursor"] == m["id"],
           "a poll parked past the hub gets only the new event when the hub catches up",
           (st, got[:3], len(got), m, body if not got else None))
        ok(took < 3, "at once: the hub reads its 1500 events behind in one wakeup (%.1f s)" % took)


def cursor_before_the_ring():
    """A cursor older than the hub's ring (its last 4096 events): the hub
    cannot tell which of the events in between the user may see, so the
    store answers, and when it finds none the poll waits in the hub like
    any other, until the next event the user may see."""
    with ChatEnv(users=["alice", "dave"], processes=1, options={"rate": "off"}) as env:
        since = env.api("dave", "GET", "/v1/events")[2]["cursor"]
        eq(env.api("alice", "POST", "/v1/rooms/NGS/join")[0], 200, "alice joins NGS, dave does not")
        with sqlite3.connect(env.store) as db:
            ngs = db.execute("SELECT id FROM rooms WHERE name = 'NGS'").fetchone()[0]
            db.executemany("INSERT INTO events (ts, type, room_id, user_id, username, text)"
                           " VALUES ('2026-01-01T00:00:00.000Z', 'message', ?, ?, 'alice', ?)",
                           [(ngs, env.user_ids["alice"], "in NGS %d" % i) for i in range(5000)])
        eq(env.api("alice", "POST", "/v1/messages", body={"room": "NGS", "text": "wake"})[0], 201,
           "a post in NGS wakes the hub, which reads all 5001")
        time.sleep(1)
        box = {}
        th = threading.Thread(target=lambda: box.update(r=env.api(
            "dave", "GET", "/v1/events", query="since=%d&timeout=8" % since)))
        th.start()
        time.sleep(1)
        ok(th.is_alive(), "dave's cursor is older than the ring, none of the 5001 is his: the poll waits",
           box.get("r"))
        st, _, m = env.api("alice", "POST", "/v1/messages", body={"room": "all", "text": "for all"})
        th.join(10)
        st, _, body = box.get("r", (None, None, {}))
        got = [e["id"] for e in (body or {}).get("events", [])]
        ok(st == 200 and got == [m["id"]] and body["cursor"] == m["id"],
           "and is answered with the next event he may see", (st, got[:3], m))
        ok("could not be parked" not in env.log(0), "parked at the first try", env.log(0)[-1000:])


def galaxy_db_down():
    why = pgserver.available()
    if why:
        skip("Galaxy's database down", why)
        return
    with pgserver.PgServer() as pg, ChatEnv(users=["alice"], processes=1, pg=pg) as env:
        eq(env.api("alice", "GET", "/v1/me")[0], 200, "Galaxy on PostgreSQL: works")
        pg.stop()
        time.sleep(2.2)   # auth_cache_seconds = 2: cached sessions stay good that long
        st, h, body = env.api("alice", "GET", "/v1/me")
        ok((st, body["error"]["code"]) == (503, "unavailable") and h.get("retry-after"),
           "database stopped mid-run: 503 unavailable with Retry-After", (st, h, body))
        st, _, body = env.api(None, "GET", "/v1/health")
        eq((st, body), (503, {"ok": False, "store": "ok", "galaxy_db": "down"}), "health names what is down")
        pg.start()
        wait_for(lambda: env.api("alice", "GET", "/v1/me")[0] == 200, 15, "recovery")
        ok(True, "database back: requests work again without a restart")

        env.stop_chat()
        pg.stop()
        time.sleep(2.2)   # the host's auth cache outlives the process: let it go stale
        env.start_chat()
        eq(code(env.api("alice", "GET", "/v1/me")), (503, "unavailable"),
           "database down at start: the responder starts, and answers 503")
        pg.start()
        wait_for(lambda: env.api("alice", "GET", "/v1/me")[0] == 200, 15, "recovery")
        ok(True, "database up later: requests work")


def store_deleted():
    # one worker per process: the connection that saw the old file answers next
    with ChatEnv(users=["alice"], processes=2, options={"rate": "off", "workers": "1"}) as env:
        post = lambda proc, text: env.api("alice", "POST", "/v1/messages",  # noqa: E731
                                         body={"room": "all", "text": text}, proc=proc)
        eq([post(0, "before")[0], post(1, "before")[0]], [201, 201], "messages before, through both")
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(env.store + suffix):
                os.unlink(env.store + suffix)
        for proc in (0, 1):
            codes = []
            for i in range(20):
                codes.append(post(proc, "after %d" % i)[0])
                if codes[-1] == 201:
                    break
            ok(503 in codes and codes[-1] == 201 and set(codes) <= {201, 503},
               "store deleted: process %d answers 503, then works on a new store" % proc, codes)
        ok(os.path.exists(env.store), "a new store file exists")
        ok("deleted or replaced" in env.log(0), "the log says the file was deleted or replaced")


def exclusive_lock():
    """A sqlite3 shell holding BEGIN EXCLUSIVE: a process opening the store
    starts and reads without waiting, polls answer by their deadline (also
    a new user's, whose users row waits for the lock), a write is 503."""
    with ChatEnv(users=["alice", "bob"], processes=1, options={"rate": "off"}) as env:
        eq(env.api("alice", "GET", "/v1/me")[0], 200, "alice has used the chat")
        env.stop_chat()
        db = sqlite3.connect(env.store, timeout=1, isolation_level=None)
        db.execute("BEGIN EXCLUSIVE")
        started = False
        try:
            try:
                env.start_chat()
                started = True
            except RuntimeError as e:
                diag(str(e)[-400:])
            ok(started, "a process opening the locked store starts")
            t = time.monotonic()
            r = subprocess.run([BINARY, "check", "-c", env.config], capture_output=True, text=True, timeout=30)
            ok(r.returncode == 0 and time.monotonic() - t < 3, "check opens it at once (%.1f s)"
               % (time.monotonic() - t), r.stdout[-400:])
            if started:
                t = time.monotonic()
                eq(env.api("alice", "GET", "/v1/rooms")[0], 200, "reads are served")
                ok(time.monotonic() - t < 2, "without waiting for the lock (%.1f s)" % (time.monotonic() - t))
                for user, timeout in (("alice", 3), ("bob", 7)):
                    t = time.monotonic()
                    st, _, body = env.api(user, "GET", "/v1/events", query="since=0&timeout=%d" % timeout)
                    took = time.monotonic() - t
                    ok(st == 200 and timeout - 0.3 <= took < timeout + 1,
                       "a %d s poll of %s answers by its deadline (%.1f s)" % (timeout, user, took), body)
                t = time.monotonic()
                st, h, body = env.api("alice", "POST", "/v1/messages", body={"room": "all", "text": "locked"})
                took = time.monotonic() - t
                ok(st == 503 and h.get("retry-after") and took < 8,
                   "a write waits the busy budget, then 503 (%.1f s)" % took, body)
        finally:
            db.execute("ROLLBACK")
            db.close()
        if started:
            eq(env.api("alice", "POST", "/v1/messages", body={"room": "all", "text": "free"})[0], 201,
               "the lock let go: writes work")


def reads_on_full_disk(env, mnt):
    """The disk under env's store is full: every read route answers, from
    the connection that failed, from a new process, for a user the store
    has never seen."""
    filler = os.path.join(mnt, "filler2")
    try:
        with open(filler, "wb") as f:   # every byte left
            while True:
                f.write(b"\0" * 4096)
                f.flush()
    except OSError:
        pass
    reads = [("/v1/me", ""), ("/v1/rooms", ""), ("/v1/events", "since=0"),
             ("/v1/events", "since=0&timeout=1"), ("/v1/rooms/all/messages", ""),
             ("/v1/rooms/all/who", ""), ("/v1/search", "q=x")]
    for when in ("after a failed write", "in a process started on the full disk"):
        if when.startswith("in"):
            env.stop_chat()
            env.start_chat()
        for user in ("alice", "bob"):
            got = [(path, env.api(user, "GET", path, query=q)[0]) for path, q in reads]
            ok([c for _, c in got] == [200] * len(reads), "full disk, %s: %s reads" % (when, user), got)
    # a store first opened on the full disk: its -wake file cannot get its
    # blocks, which must be an error naming it, not a SIGBUS when mapped
    config = os.path.join(env.dir, "new-store.ini")
    with open(env.config) as f, open(config, "w") as g:
        g.write(f.read().replace(env.options["store"], os.path.join(mnt, "new.sqlite")))
    r = subprocess.run([env.binary, "-c", config, "check"], capture_output=True, text=True, timeout=30)
    ok(r.returncode > 0 and "new.sqlite" in r.stdout + r.stderr,
       "full disk: a new store is refused by name, no crash (exit %d)" % r.returncode,
       (r.stdout + r.stderr)[-300:])
    if os.path.exists(filler):
        os.unlink(filler)


def disk_full_and_read_only():
    mnt = tempfile.mkdtemp(prefix="gc-full-")
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mnt], capture_output=True, text=True)
    if r.returncode != 0:
        skip("disk full", "cannot mount a tmpfs here: " + r.stderr.strip())
        skip("read-only store", "cannot mount a tmpfs here")
        os.rmdir(mnt)
        return
    try:
        store = os.path.join(mnt, "chat.sqlite")
        with ChatEnv(users=["alice", "bob"], processes=1, options={"store": store, "rate": "off"}) as env:
            filler = os.path.join(mnt, "filler")
            with open(filler, "wb") as f:
                f.write(b"\0" * 300 * 1024)
            acked, codes = [], []
            for i in range(400):
                st, _, body = env.api("alice", "POST", "/v1/messages",
                                      body={"room": "all", "text": "%d " % i + "x" * 3000})
                codes.append(st)
                if st == 201:
                    acked.append(body["id"])
                elif st != 503:
                    break
                if codes[-3:] == [503] * 3:
                    break
            ok(codes[-1] == 503 and set(codes) <= {201, 503},
               "disk full: 503 (after %d stored), never another error" % len(acked), codes[-5:])
            st, h, body = env.api("alice", "POST", "/v1/messages", body={"room": "all", "text": "x" * 3000})
            ok(st == 503 and body["error"]["code"] == "unavailable" and h.get("retry-after"),
               "a full disk is unavailable with Retry-After", (st, body))
            ok(env.procs[0].poll() is None, "no crash")
            reads_on_full_disk(env, mnt)
            os.unlink(filler)
            wait_for(lambda: env.api("alice", "POST", "/v1/messages",
                                     body={"room": "all", "text": "room again"})[0] == 201, 10, "space")
            ok(True, "space freed: messages are stored again")
            b = env.api("alice", "GET", "/v1/events", query="since=0")[2]
            got = [e["id"] for e in b["events"] if e["type"] == "message"]
            ok(set(acked) <= set(got), "every message acknowledged before the disk filled is there")

            # read-only: a process (re)starting on a read-only store refuses by name
            env.stop_chat()
            r = subprocess.run(["mount", "-o", "remount,ro", mnt], capture_output=True, text=True)
            if r.returncode != 0:
                skip("read-only store", "cannot remount read-only: " + r.stderr.strip())
            else:
                try:
                    env.start_chat()
                    ok(False, "a read-only store is refused at start")
                except RuntimeError as e:
                    ok(store in str(e) and ("read-only" in str(e) or "not writable" in str(e)),
                       "a read-only store is refused at start, naming it", str(e)[-300:])
                subprocess.run(["mount", "-o", "remount,rw", mnt], check=True)
                env.start_chat()
                eq(env.api("alice", "GET", "/v1/me")[0], 200, "writable again: starts and serves")
    finally:
        subprocess.run(["umount", mnt])
        os.rmdir(mnt)


def main():
    for part in (slow_clients, malformed_params, slow_bodies, sigterm_and_disconnects, sigkill_mid_send,
                 restarts_exactly_once, hub_behind_the_store, cursor_before_the_ring, galaxy_db_down,
                 store_deleted, exclusive_lock, disk_full_and_read_only):
        t = time.monotonic()
        part()
        diag("%s: %.1f s" % (part.__name__, time.monotonic() - t))


run(main)
