"""`galaxy-chat migrate --from SQLITE --to POSTGRESQL`: a store with some
history is copied, the chat then runs on PostgreSQL with the same events,
ids, times, rooms and memberships (and replies, edits with their
versions, reactions, solved marks), unread counts, mentions and settings,
topics and pins, and new ids continue past the old; a second run refuses
the non-empty target and changes nothing."""

import os
import sqlite3
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import pgserver  # noqa: E402
from chatenv import ChatEnv, BINARY, without_libpq  # noqa: E402
from tap import ok, eq, run, skip, done  # noqa: E402


def migrate(*args, env=None):
    p = subprocess.run([BINARY, "migrate"] + list(args), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=60, env=env)
    return p.returncode, p.stdout, p.stderr


# long enough that no temporary path or id in the output holds it by chance
PASSWORD = "migrate-secret-7Qx"


def main():
    with pgserver.PgServer() as pg, ChatEnv(users=["alice", "bob", "carol"], admins=["alice"],
                                            options={"room_topic.rna-seq": "configured"}) as env:
        pg.create_role_and_db("chat", password=PASSWORD)
        url = pg.url("chat", user="chat", password=PASSWORD)
        api = env.api

        def post(user, body):
            st, _, m = api(user, "POST", "/v1/messages", body=body)
            assert st == 201, (st, m)
            return m

        def all_events(user):
            """Every event user sees, by following the cursor: one poll may
            stop short of the newest (answered from the hub's memory)."""
            evs, cursor = [], 0
            for _ in range(50):
                b = api(user, "GET", "/v1/events", query="since=%d&timeout=0" % cursor)[2]
                if not b["events"]:
                    return evs
                evs += b["events"]
                cursor = b["cursor"]
            raise AssertionError("events of %s never ended" % user)

        def state():
            s = {}
            for u in ("alice", "bob", "carol"):
                s[u, "events"] = all_events(u)
                s[u, "rooms"] = [(r["name"], r["persistent"], r["joined"], r["members"], r["last_id"],
                                  r["topic"], [(p["id"], p["pinned_by"], p["pinned_at"]) for p in r.get("pins", [])])
                                 for r in api(u, "GET", "/v1/rooms")[2]["rooms"]]
                s[u, "unread"] = api(u, "GET", "/v1/unread")[2]
                s[u, "settings"] = api(u, "GET", "/v1/me/settings")[2]
            s["history"] = api("alice", "GET", "/v1/rooms/NGS/messages")[2]
            return s

        api("alice", "POST", "/v1/rooms/NGS/join")
        api("bob", "POST", "/v1/rooms/NGS/join")
        api("carol", "POST", "/v1/rooms/ad hoc/join")
        hello = [post("alice", {"room": "NGS", "text": "hello %d" % i, "client_id": "c%d" % i})
                 for i in range(5)]
        post("bob", {"to": "carol", "text": "psst \u00e9"})
        post("alice", {"room": "NGS", "text": "@bob, a mention to carry over"})
        eq(api("bob", "POST", "/v1/read", body={"room": "NGS", "id": hello[1]["id"]})[0], 200,
           "bob has read a little")
        eq(api("carol", "PUT", "/v1/me/settings", body={"email": "off"})[0], 200, "carol: no emails")
        post("carol", {"room": "all", "text": "everyone"})
        oops = post("alice", {"room": "NGS", "text": "removed before the move"})
        eq(api("alice", "DELETE", "/v1/messages/%d" % oops["id"])[0], 200, "a removed message")
        api("carol", "POST", "/v1/rooms/ad hoc/leave")
        # a conversation: a reply, an edit, a reaction, a solved mark
        q = post("alice", {"room": "NGS", "text": "a question, first words"})["id"]
        post("bob", {"room": "NGS", "text": "an answer", "reply_to": q})
        eq(api("alice", "PATCH", "/v1/messages/%d" % q, body={"text": "a question"})[0], 200, "an edit")
        eq(api("bob", "PUT", "/v1/messages/%d/reactions/\U0001f44d" % q)[0], 200, "a reaction")
        eq(api("alice", "PUT", "/v1/messages/%d/solved" % q)[0], 200, "a solved mark")
        eq(api("alice", "PUT", "/v1/rooms/NGS/topic", body={"topic": "sequencing"})[0], 200, "a topic")
        eq(api("alice", "PUT", "/v1/rooms/NGS/pins/%d" % hello[-1]["id"], body={})[0], 200, "a pin")
        before = state()
        env.stop_chat()
        with sqlite3.connect(env.store) as db:
            db.execute("INSERT INTO mutes VALUES (%d, '2099-01-01T00:00:00.000Z', %d,"
                       " '2026-01-01T00:00:00.000Z')" % (env.user_ids["bob"], env.user_ids["alice"]))
            log_before = db.execute("SELECT * FROM chat_log").fetchall()
            newest = db.execute("SELECT max(id) FROM events").fetchone()[0]
            n_events = db.execute("SELECT count(*) FROM events").fetchone()[0]

        eq(migrate("--from", env.store)[0], 2, "migrate without --to: usage error")
        rc, _, err = migrate("--from", url, "--to", url)
        ok(rc == 1 and "SQLite store" in err, "PostgreSQL to PostgreSQL is refused", err)
        rc, _, err = migrate("--from", env.store, "--to", url, env=without_libpq(env.dir))
        ok(rc == 1 and err.startswith("galaxy-chat migrate: store: cannot load libpq.so.5: ")
           and err.count("\n") == 1, "without libpq (loaded when first needed), a one-line error", err)
        rc, out, err = migrate("--from", env.store, "--to", url)
        eq(rc, 0, "migrate succeeds")
        ok("events" in out and "%d rows" % n_events in out, "it reports what it copied", out + err)
        ok(PASSWORD not in out + err, "the password is never printed", out + err)

        log_after = [tuple(line.split("|", 3)) for line in
                     pg.psql("SELECT * FROM chat_log", db="chat").splitlines()]
        eq(log_after, [tuple(str(c) for c in r) for r in log_before], "chat_log reads the same")
        eq(pg.psql("SELECT user_id, until FROM mutes", db="chat").strip(),
           "%d|2099-01-01T00:00:00.000Z" % env.user_ids["bob"], "mutes are copied")
        eq(pg.psql("SELECT message, version, text FROM message_history", db="chat").splitlines(),
           ["%d|1|a question, first words" % q, "%d|2|a question" % q], "earlier versions are copied")
        eq(pg.psql("SELECT message_id, emoji FROM reactions", db="chat").strip(),
           "%d|\U0001f44d" % q, "reactions are copied")

        rc, _, err = migrate("--from", "sqlite:///" + env.store, "--to", url)
        ok(rc == 1 and "already holds chat data" in err, "a second run refuses the non-empty target", err)
        eq(pg.psql("SELECT count(*) FROM events", db="chat").strip(), str(n_events),
           "and changes nothing")

        with open(env.config) as f:
            conf = f.read().replace("store = " + env.store, "store = " + url)
        with open(env.config, "w") as f:
            f.write(conf)
        env.start_chat()
        after = state()
        for key in before:
            eq(after[key], before[key], "on PostgreSQL: the same %s" % (key,))
        m = post("alice", {"room": "NGS", "text": "first on PostgreSQL"})
        eq(m["id"], newest + 1, "new ids continue after the old ones")
        st, _, again = api("alice", "POST", "/v1/messages", body={"room": "NGS", "text": "hello 0",
                                                                  "client_id": "c0"})
        first = [e["id"] for e in before["history"]["events"] if e.get("text") == "hello 0"]
        eq((st, [again["id"]]), (200, first),
           "client_ids carried over: a retry of an old post is recognised")
        eq(api("bob", "POST", "/v1/messages", body={"room": "all", "text": "x"})[0], 403,
           "and still in force")
        api("bob", "POST", "/v1/rooms/brand new/join")
        ok(any(r["name"] == "brand new" for r in api("bob", "GET", "/v1/rooms")[2]["rooms"]),
           "new rooms get fresh ids")


if __name__ == "__main__":
    why = pgserver.available()
    if why:
        skip("migrate to PostgreSQL", why)
        done()
    run(main)
