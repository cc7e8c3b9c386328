"""The PostgreSQL store beyond the API suite (tests/api_pg.py): two
responder processes standing for two hosts, sharing nothing but the
database (no wake file: only LISTEN/NOTIFY can wake them); a cursor walk
under concurrent writers that never skips an acknowledged event; a bounded
number of connections however many polls wait; 200 waiting polls woken by
one message; and the database restarted under running traffic."""

import os
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import pgserver  # noqa: E402
from chatenv import BINARY, ChatEnv  # noqa: E402
from tap import ok, eq, run, skip, done, diag  # noqa: E402

WORKERS = 4


def main():
    with pgserver.PgServer() as pg:
        pg.create_role_and_db("chat", password="s3cret-pw")
        url = pg.url("chat", user="chat", password="s3cret-pw")
        # 200 polls of one user below: no max_polls_per_user (tests/limits.py has it)
        with ChatEnv(users=["alice", "bob"], processes=2, store_url=url,
                     options={"workers": str(WORKERS), "poll_timeout": "30", "rate": "off",
                              "max_polls_per_user": "0"}) as env:
            run_tests(env, pg)


def run_tests(env, pg):
    api = env.api

    def post(user, room, text, proc=0, **kw):
        return api(user, "POST", "/v1/messages", body={"room": room, "text": text}, proc=proc, **kw)

    def events(user, since, timeout=0, proc=0):
        st, _, body = api(user, "GET", "/v1/events", query="since=%d&timeout=%d" % (since, timeout),
                          proc=proc, timeout=timeout + 30)
        assert st == 200, (st, body)
        return body

    def connections():
        return int(pg.psql("SELECT count(*) FROM pg_stat_activity WHERE datname = 'chat'"
                           " AND application_name = 'galaxy-chat'").strip())

    for proc in (0, 1):   # a process answers once its store is open
        eq(api(None, "GET", "/v1/health", proc=proc)[0], 200, "process %d is up" % proc)
    eq(pg.psql("SELECT version FROM chat_schema", db="chat").strip(), "7", "schema version 7")
    p = subprocess.run([BINARY, "check", "-c", env.config], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=60)
    ok(p.returncode == 0 and "postgresql://chat:***@" in p.stdout and "newest event" in p.stdout,
       "check reports the PostgreSQL store", p.stdout)
    ok("s3cret-pw" not in p.stdout, "check never prints the password")
    wake_files = [f for _, _, fs in os.walk(env.dir) for f in fs if f.endswith("-wake")]
    eq(wake_files, [], "no wake file: the processes share nothing but the database")

    # --- two hosts: a message through one wakes a poll waiting on the other
    api("bob", "POST", "/v1/rooms/NGS/join")
    cursor = events("bob", 0)["cursor"]
    for i in range(3):
        box = {}
        th = threading.Thread(target=lambda: box.update(b=events("bob", cursor, 10, proc=1),
                                                        t=time.monotonic()))
        th.start()
        time.sleep(0.5)
        sent = time.monotonic()
        st, _, m = post("alice", "all", "across hosts %d" % i, proc=0)
        acked_at = time.monotonic()
        th.join(15)
        ok(st == 201 and [e["id"] for e in box["b"]["events"]] == [m["id"]],
           "round %d: the waiting poll on the other host got the message" % i, box)
        lat = box["t"] - sent
        ok(lat < 0.5, "round %d: within half a second (%.1f ms; the post took %.1f ms)"
           % (i, lat * 1000, (acked_at - sent) * 1000))
        cursor = box["b"]["cursor"]

    # --- idle hubs do not poll the database: statements logged over 3 s
    pg.psql("ALTER SYSTEM SET log_statement = 'all'; SELECT pg_reload_conf();")
    time.sleep(0.5)
    with open(pg.log, errors="replace") as f:
        f.seek(0, 2)
        time.sleep(3)
        reads = f.read().count("WHERE e.id > $1")
    pg.psql("ALTER SYSTEM RESET log_statement; SELECT pg_reload_conf();")
    ok(reads <= 2, "two idle processes read the events %d times in 3 s (at most one each)" % reads)

    # --- concurrent writers on both hosts; a cursor walk misses nothing
    acked, lock = [], threading.Lock()

    def writer(k):
        for i in range(40):
            st, _, m = post("alice" if k % 2 else "bob", "all", "w%d-%d" % (k, i), proc=k % 2)
            if st == 201:
                with lock:
                    acked.append(m["id"])
    start = cursor
    walked = []

    def walker():
        c = start
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(walked) < 160:
            b = events("bob", c, 2, proc=1)
            walked.extend(e["id"] for e in b["events"])
            c = b["cursor"]
    tw = threading.Thread(target=walker)
    tw.start()
    ws = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    t0 = time.monotonic()
    for w in ws:
        w.start()
    for w in ws:
        w.join(120)
    diag("160 posts from 4 clients through 2 processes in %.2f s" % (time.monotonic() - t0))
    tw.join(90)
    eq(len(acked), 160, "160 concurrent posts acknowledged")
    eq(sorted(acked), walked, "the cursor walk saw every acknowledged id, in order, once")

    # --- the same client_id posted at once through both hosts: one message
    same = True
    for r in range(10):
        res = [None, None]

        def send(k):
            st, _, m = api("alice", "POST", "/v1/messages", proc=k,
                           body={"room": "all", "text": "once", "client_id": "race-%d" % r})
            res[k] = (st, m.get("id"))
        ts = [threading.Thread(target=send, args=(k,)) for k in (0, 1)]
        for t in ts:
            t.start()
        for t in ts:
            t.join(30)
        same &= sorted(st for st, _ in res) == [200, 201] and res[0][1] == res[1][1]
    ok(same, "a client_id raced through two hosts: stored once, both told its id")

    # --- many waiting polls, few connections, one message wakes them all
    n = 200
    cursor = events("bob", 0)["cursor"]
    done_at = [None] * n
    got = [None] * n

    def waiter(i):
        got[i] = events("bob", cursor, 20, proc=i % 2)
        done_at[i] = time.monotonic()
    ts = [threading.Thread(target=waiter, args=(i,)) for i in range(n)]
    for t in ts:
        t.start()
    time.sleep(2)
    conns = connections()
    ok(conns <= 2 * (WORKERS + 1), "%d polls waiting, %d connections (at most 2 x (workers + 1) = %d)"
       % (n, conns, 2 * (WORKERS + 1)))
    sent = time.monotonic()
    st, _, m = post("alice", "all", "wake all")
    for t in ts:
        t.join(30)
    woke = [g for g in got if g and [e["id"] for e in g["events"]] == [m["id"]]]
    eq(len(woke), n, "all %d waiting polls carried the one message" % n)
    if len(woke) == n:
        lat = sorted(d - sent for d in done_at)
        diag("200 polls woken: first %.1f ms, median %.1f ms, last %.1f ms"
             % (lat[0] * 1000, lat[n // 2] * 1000, lat[-1] * 1000))
        ok(lat[-1] < 3, "the last one within 3 s (%.1f ms)" % (lat[-1] * 1000))

    # --- the database restarts under traffic
    cursor = events("bob", 0)["cursor"]
    box = {}
    th = threading.Thread(target=lambda: box.update(b=events("bob", cursor, 25, proc=1)))
    th.start()
    acked, stop = [], threading.Event()

    def steady():
        i = 0
        while not stop.is_set():
            try:
                st, _, m = post("alice", "all", "steady %d" % i, proc=i % 2, timeout=15)
            except Exception:
                st = None
            if st == 201:
                acked.append(m["id"])
            i += 1
            time.sleep(0.05)
    tp = threading.Thread(target=steady)
    time.sleep(0.5)
    pg.stop()
    tp.start()
    time.sleep(1.5)
    eq(api("alice", "GET", "/v1/health")[0], 503, "health while the database is down: 503")
    pg.start()
    t0 = time.monotonic()
    st, _, m = post("alice", "all", "after the restart", proc=0)
    eq(st, 201, "the first post after the restart is stored (%.0f ms)" % ((time.monotonic() - t0) * 1000))
    th.join(30)
    box2 = {}
    c2 = events("bob", 0)["cursor"]
    th2 = threading.Thread(target=lambda: box2.update(b=events("bob", c2, 10, proc=1)))
    th2.start()
    time.sleep(0.5)
    st, _, m2 = post("alice", "all", "later", proc=0)
    th2.join(15)
    stop.set()
    tp.join(30)
    mine = set(acked) | {m["id"], m2["id"]}
    ids = [e["id"] for e in (box.get("b") or {}).get("events", [])]
    ok(ids and set(ids) <= mine, "the poll waiting across the restart got the new events", box)
    ids = [e["id"] for e in (box2.get("b") or {}).get("events", [])]
    ok(st == 201 and ids and set(ids) <= mine,
       "a new poll on the other host is woken after the restart", box2)
    ok(len(acked) > 0, "posts resumed after the restart (%d acknowledged)" % len(acked))
    walked, c = [], cursor
    while True:
        b = events("bob", c)
        if not b["events"]:
            break
        walked += [e["id"] for e in b["events"]]
        c = b["cursor"]
    missing = sorted(set(acked + [m["id"], m2["id"]]) - set(walked))
    eq(missing, [], "nothing acknowledged was lost")
    eq(api("alice", "GET", "/v1/health")[0], 200, "health after the restart: 200")
    ok(connections() <= 2 * (WORKERS + 1), "still at most 2 x (workers + 1) connections")


if __name__ == "__main__":
    why = pgserver.available()
    if why:
        skip("the PostgreSQL store", why)
        done()
    run(main)
