"""Issue 15.2 against the real binary: searches are bounded. On a store of
150,000 messages (written straight into the store with SQL), a search
that would read them all stops at search_timeout_ms and answers what it
found as "partial"; heavy searches sent all at once by one user neither
hold the workers another user's post and /v1/health need (at most
max_searches run, the next is 503 at once) nor leave a place taken; and
searches have a per-user rate limit of their own (search_rate).
tests/search_pg.py runs it again on a PostgreSQL store."""

import os
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from chatenv import BINARY, ChatEnv  # noqa: E402
from tap import ok, eq, diag, run  # noqa: E402

N = 150000
# 16 one-letter words in every message: as prefixes the index gathered
# every word starting with each letter (minutes on such a store); as
# whole words every message matches, so a user who sees none of them
# makes the store read all 150,000
HEAVY = "a b c d e f g h i j k l m n o p"
FILL = ("INSERT INTO events (ts, type, room_id, user_id, username, text)"
        " SELECT '2026-01-01T00:00:00.000Z', 'message', (SELECT id FROM rooms WHERE name = 'NGS'),"
        " {uid}, 'alice', '" + HEAVY + "' FROM {series}")
SQLITE_SERIES = "(WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT %d) SELECT x FROM c)" % N
PG_SERIES = "generate_series(1, %d) x" % N
BUDGET_MS = 100     # SQLite's: it finds the three newest matches within it
PG_BUDGET_MS = 30   # PostgreSQL's: it answered the heavy search in 90 ms once, so 100 was not short
SLACK_S = 1.5        # generous: machines are shared and noisy


def fill(env, pg, db):
    """Writes N messages in NGS by alice into the store, as an admin's shell would."""
    if pg:
        pg.psql(FILL.format(uid=env.user_ids["alice"], series=PG_SERIES) + "; ANALYZE events", db=db)
        return
    with sqlite3.connect(env.store, timeout=30) as con:
        con.execute(FILL.format(uid=env.user_ids["alice"], series=SQLITE_SERIES))


def restart(env, **options):
    """Restarts the responders with options set in the config."""
    env.stop_chat()
    with open(env.config) as f:
        lines = [ln for ln in f if ln.split("=")[0].strip() not in options]
    with open(env.config, "w") as f:
        f.writelines(lines + ["%s = %s\n" % kv for kv in options.items()])
    env.start_chat()


def search(env, user, **q):
    t = time.monotonic()
    st, h, b = env.api(user, "GET", "/v1/search", query=urllib.parse.urlencode(q))
    return st, h, b, time.monotonic() - t


def test_budget(env, pg, visible):
    st, _, b, took = search(env, "bob", q=HEAVY)
    eq(st, 200, "a search that runs out of time is answered 200")
    ok(b.get("partial") is True and b.get("more") is True, "saying partial and more", b)
    budget = PG_BUDGET_MS if pg else BUDGET_MS
    ok(took < budget / 1000 + SLACK_S,
       "within its budget of %d ms and some slack (%.2f s)" % (budget, took))
    ids = [e["id"] for e in b.get("events", [])]
    eq(ids, visible[:len(ids)], "what it found are the newest matches, none skipped")
    if not pg:   # SQLite stops between rows; PostgreSQL cancels the statement
        # the budget finds the three newest on an idle machine; a loaded one
        # may give the search no core before it ends, so it is asked again
        for _ in range(5):
            if ids == visible:
                break
            ids = [e["id"] for e in search(env, "bob", q=HEAVY)[2].get("events", [])]
        eq(ids, visible, "SQLite: the three bob may see, found before the time ran out")
    st, _, b, _ = search(env, "bob", q="needle")
    ok(st == 200 and b["partial"] is False and [e["id"] for e in b["events"]] == [visible[1]],
       "a search the index answers at once is complete: partial false", b)


def test_storm(env):
    """Eight heavy searches from bob at once, and carol posting meanwhile."""
    go = threading.Barrier(9)
    got = []

    def heavy():
        go.wait()
        got.append(search(env, "bob", q=HEAVY))
    threads = [threading.Thread(target=heavy) for _ in range(8)]
    for t in threads:
        t.start()
    go.wait()
    time.sleep(0.05)
    t = time.monotonic()
    post = env.api("carol", "POST", "/v1/messages", body={"room": "all", "text": "still here"})
    post_took = time.monotonic() - t
    t = time.monotonic()
    health = env.api(None, "GET", "/v1/health")
    health_took = time.monotonic() - t
    for t in threads:
        t.join(120)
    diag("searches: %s" % sorted((st, round(took, 2)) for st, _, _, took in got))
    diag("post %.3f s, health %.3f s" % (post_took, health_took))
    eq(post[0], 201, "another user's post during the searches is stored")
    ok(post_took < SLACK_S, "without waiting for them (%.2f s)" % post_took)
    eq(health[0], 200, "/v1/health answers during the searches")
    ok(health_took < SLACK_S, "without waiting either (%.2f s)" % health_took)
    codes = sorted(st for st, _, _, _ in got)
    ok(len(got) == 8 and set(codes) <= {200, 503} and 200 in codes and 503 in codes,
       "max_searches = 1: one search runs, one more at once is 503", codes)
    busy = [(h, b) for st, h, b, _ in got if st == 503]
    ok(busy and all(h.get("retry-after") == "1" and b["error"]["code"] == "unavailable" and
                    "max_searches" in b["error"]["message"] for h, b in busy),
       "503 unavailable with Retry-After: 1, naming max_searches", busy[:1])
    ok(max(took for st, _, _, took in got if st == 503) < SLACK_S,
       "and answered at once, not after a wait")
    st, _, b, _ = search(env, "bob", q="needle")
    eq(st, 200, "once they are done, searching works again: the place was given back")


def test_rate(env):
    codes = [search(env, "dave", q="nothing%d" % i)[0] for i in range(10)]
    eq(codes, [200] * 10, "a burst of search_rate's count (10/60s) is allowed")
    st, h, b, _ = search(env, "dave", q="one more")
    eq((st, b["error"]["code"]), (429, "rate_limited"), "the next search: 429")
    ok(h.get("retry-after") == "6" and "10 searches per 60 s" in b["error"]["message"],
       "with Retry-After (60 s / 10) and a message saying the limit", (h.get("retry-after"), b))
    eq(env.api("dave", "POST", "/v1/messages", body={"room": "all", "text": "hi"})[0], 201,
       "searches and messages are separate buckets")
    eq(search(env, "carol", q="needle")[0], 200, "another user is not affected")


def test_refused(env):
    """Search limits that cannot work are refused at start, naming the key."""
    for line, key in [("search_rate = 10", "search_rate"), ("search_rate = 5/2d", "search_rate"),
                      ("search_timeout_ms = 5", "search_timeout_ms"),
                      ("search_timeout_ms = 60001", "search_timeout_ms"),
                      ("max_searches = 0", "max_searches"),
                      ("max_searches = 8", "max_searches"),
                      ("workers = 4\nmax_searches = 4", "max_searches")]:
        ini = os.path.join(env.dir, "bad.ini")
        with open(ini, "w") as f:
            f.write("[chat]\nstore = %s/chat.sqlite\nid_secret = s\n%s\n" % (env.dir, line))
        p = subprocess.run([BINARY, "check", "-c", ini], capture_output=True, text=True, timeout=30)
        ok(p.returncode != 0 and key in p.stderr and ini in p.stderr,
           "refused at start: %s" % line.replace("\n", "; "), p.stderr)
    ini = os.path.join(env.dir, "one.ini")
    with open(ini, "w") as f:
        f.write("[chat]\nstore = %s/chat.sqlite\nid_secret = s\nworkers = 1\n" % env.dir)
    p = subprocess.run([BINARY, "check", "-c", ini], capture_output=True, text=True, timeout=30)
    ok("max_searches" not in p.stderr, "workers = 1: max_searches is 1, the only choice", p.stderr)


def main(store_url=None, pg=None, db=None):
    with ChatEnv(users=["alice", "bob", "carol", "dave"], processes=1, store_url=store_url,
                 options={"rate": "off", "workers": "3", "max_searches": "1",
                          "search_rate": "10/60s"}) as env:
        for u in env.users:   # a user exists for the chat once seen
            env.api(u, "GET", "/v1/me")
        env.stop_chat()   # the responders start after the fill: no backlog for the hub
        t = time.monotonic()
        fill(env, pg, db)
        diag("%d messages written in %.1f s" % (N, time.monotonic() - t))
        restart(env, search_timeout_ms=PG_BUDGET_MS if pg else BUDGET_MS)
        visible = [env.api("carol", "POST", "/v1/messages", body={"room": "all", "text": HEAVY + w})[2]["id"]
                   for w in (" first", " needle", " third")][::-1]
        test_budget(env, pg, visible)
        restart(env, search_timeout_ms=60000)
        test_storm(env)
        test_rate(env)
        if not pg:
            test_refused(env)


if __name__ == "__main__":
    run(main)
