"""Issue 9 against the real binary: removing messages (author, admin, the
delete event reaching exactly who could see the message, also a waiting
poll in another process), mutes, full-text search that never leaks a room
and never fails on odd input, `prune` while a poller follows cursors and
a writer posts, `export` in its three formats, and `check`'s report.
tests/admin_pg.py runs it all again on a PostgreSQL store."""

import csv
import io
import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from chatenv import BINARY, ChatEnv  # noqa: E402
from tap import ok, eq, run  # noqa: E402


def err_code(resp):
    st, _, body = resp
    return st, (body or {}).get("error", {}).get("code") if isinstance(body, dict) else None


def cmd(env, *args, timeout=120):
    """Runs `galaxy-chat ARGS -c <env's config>`: (exit code, stdout, stderr)."""
    p = subprocess.run([BINARY] + list(args) + ["-c", env.config], capture_output=True,
                       timeout=timeout, stdin=subprocess.DEVNULL)
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


class Db:
    """SQL straight to the store, as an admin's shell: the SQLite file, or
    the PostgreSQL database through psql. Every value comes back as text
    (None for NULL)."""

    def __init__(self, env, pg=None, db=None):
        self.env, self.pg, self.db = env, pg, db

    def rows(self, sql):
        if self.pg:
            out = self.pg.psql(sql, db=self.db)
            return [tuple(v or None for v in line.split("|")) for line in out.splitlines() if line]
        with sqlite3.connect(self.env.store) as db:
            return [tuple(None if v is None else str(v) for v in r) for r in db.execute(sql)]


class Chat:
    """The API calls these tests make, as one user at a time."""

    def __init__(self, env, db):
        self.env, self.db = env, db

    def post(self, user, proc=0, **body):
        st, _, b = self.env.api(user, "POST", "/v1/messages", body=body, proc=proc)
        assert st == 201, (st, b)
        return b["id"]

    def events(self, user, since, timeout=0, proc=0):
        st, _, b = self.env.api(user, "GET", "/v1/events",
                                query="since=%d&timeout=%d" % (since, timeout), proc=proc)
        assert st == 200, (st, b)
        return b

    def cursor(self, user):
        return self.env.api(user, "GET", "/v1/events")[2]["cursor"]

    def delete(self, user, mid, proc=0):
        return self.env.api(user, "DELETE", "/v1/messages/%s" % mid, proc=proc)

    def search(self, user, **q):
        return self.env.api(user, "GET", "/v1/search", query=urllib.parse.urlencode(q))

    def poll_in_background(self, user, since, proc=1, timeout=8):
        """A long poll in a thread; returns (thread, box) where box["body"] is the answer."""
        box = {}
        th = threading.Thread(target=lambda: box.update(body=self.events(user, since, timeout, proc)))
        th.start()
        time.sleep(0.4)
        return th, box


def test_delete(env, c):
    api = env.api
    for u in ("alice", "bob"):
        api(u, "POST", "/v1/rooms/NGS/join")
    m1 = c.post("alice", room="NGS", text="a typo, remove me")
    m2 = c.post("bob", room="NGS", text="bob's words")
    dm = c.post("bob", to="carol", text="for carol only")

    eq(err_code(c.delete("carol", m1)), (404, "not_found"), "outside the room: 404")
    eq(err_code(c.delete("bob", m1)), (403, "forbidden"), "a member deleting another's message: 403")
    eq(err_code(c.delete("alice", dm)), (404, "not_found"), "someone else's DM: 404")
    eq(err_code(c.delete("carol", dm)), (403, "forbidden"), "the recipient may not remove a DM: 403")
    eq(err_code(c.delete("alice", "999999")), (404, "not_found"), "unknown id: 404")
    eq(err_code(c.delete("alice", "abc")), (404, "not_found"), "not an id: 404")
    eq(err_code(api("alice", "DELETE", "/v1/messages/%d" % m1, body=b"{}", content_type="text/plain")),
       (403, "forbidden"), "DELETE without JSON content type: 403")
    st, h, _ = api("alice", "GET", "/v1/messages/%d" % m1)
    eq((st, h.get("allow")), (405, "DELETE, PATCH"), "GET on a message: 405 Allow: DELETE, PATCH")

    before = c.cursor("bob")
    th, box = c.poll_in_background("bob", before, proc=1)
    st, _, d = c.delete("alice", m1, proc=0)
    eq((st, d["id"], d["deleted"]), (200, m1, True), "the author removes her message")
    ok(isinstance(d["event"], int) and d["event"] > m1, "with a delete event", d)
    th.join(10)
    got = box.get("body", {}).get("events", [])
    ok(len(got) == 1 and got[0]["type"] == "delete" and got[0]["target"] == m1 and
       got[0]["room"] == "NGS" and got[0]["user"]["username"] == "alice",
       "a poll waiting in the other process gets the delete event from the hub", box)
    st, _, d2 = c.delete("alice", m1)
    eq((st, d2["event"]), (200, None), "removing again: 200, nothing new")

    evs = c.events("bob", m1 - 1)["events"]
    gone = [e for e in evs if e["id"] == m1]
    ok(gone and gone[0].get("deleted") is True and "text" not in gone[0],
       "events: the removed message has no text", gone)
    ok(not any(e["type"] == "delete" and e["target"] == m1 for e in c.events("carol", m1)["events"]),
       "carol, not in NGS, does not get the delete event")
    hist = api("bob", "GET", "/v1/rooms/NGS/messages")[2]["events"]
    ok([e for e in hist if e["id"] == m1 and "text" not in e and e["deleted"]],
       "history: deleted, no text")
    ok(not any("remove me" in json.dumps(e) for e in hist + evs), "the text is nowhere in the API")

    st, _, d = c.delete("dave", m2)
    ok(st == 200 and d["event"], "an admin (not even in the room) removes anyone's message", d)

    cur_c, cur_a = c.cursor("carol"), c.cursor("alice")
    th, box = c.poll_in_background("carol", cur_c, proc=1)
    st, _, d = c.delete("dave", dm, proc=0)
    eq(st, 200, "an admin removes a direct message")
    th.join(10)
    got = box.get("body", {}).get("events", [])
    ok(len(got) == 1 and got[0]["type"] == "delete" and got[0]["target"] == dm and "room" not in got[0],
       "the recipient's waiting poll gets it", box)
    ok(any(e["type"] == "delete" and e["target"] == dm for e in c.events("bob", cur_c)["events"]),
       "so does the author")
    ok(not any(e["type"] == "delete" for e in c.events("alice", cur_a)["events"]),
       "and nobody else")

    row = c.db.rows("SELECT text, deleted_by, deleted_at FROM events WHERE id = %d" % m1)[0]
    ok(row[0] == "a typo, remove me" and row[1] == str(env.user_ids["alice"]) and row[2],
       "the store keeps the text, who removed it and when", row)


def test_mute(env, c):
    api = env.api
    eq(err_code(api("bob", "POST", "/v1/users/carol/mute", body={"minutes": 5})), (403, "forbidden"),
       "a non-admin cannot mute")
    for bad in ({}, {"minutes": 0}, {"minutes": "5"}, {"minutes": 1.5}, {"minutes": 10 ** 7}):
        eq(err_code(api("dave", "POST", "/v1/users/carol/mute", body=bad)), (400, "bad_request"),
           "mute body %s: 400" % json.dumps(bad))
    eq(err_code(api("dave", "POST", "/v1/users/nobody/mute", body={"minutes": 5})), (404, "not_found"),
       "muting an unknown user: 404")
    cur = c.cursor("carol")
    st, _, m = api("dave", "POST", "/v1/users/carol/mute", body={"minutes": 5})
    ok(st == 200 and m["user"] == "carol" and m["muted_until"] and m["event"], "an admin mutes carol", m)
    st, _, b = api("carol", "POST", "/v1/messages", body={"room": "all", "text": "let me speak"})
    ok(st == 403 and m["muted_until"] in b["error"]["message"], "a muted user's post: 403 saying until when", b)
    eq(err_code(api("carol", "POST", "/v1/messages", body={"to": "bob", "text": "psst"})),
       (403, "forbidden"), "direct messages too")
    eq(api("carol", "GET", "/v1/me")[2]["muted_until"], m["muted_until"], "/v1/me: muted_until")
    eq(api("bob", "GET", "/v1/me")[2]["muted_until"], None, "null for others")
    notice = [e for e in c.events("carol", cur)["events"] if e["id"] == m["event"]]
    ok(notice and notice[0]["type"] == "direct" and notice[0]["user"]["username"] == "dave" and
       "muted until" in notice[0]["text"], "carol is told by a direct message from the admin", notice)
    st, _, u = api("dave", "DELETE", "/v1/users/carol/mute")
    ok(st == 200 and u["muted_until"] is None and u["event"], "an admin lifts the mute", u)
    eq(api("dave", "DELETE", "/v1/users/carol/mute")[2]["event"], None, "lifting it again: no notice")
    eq(api("carol", "POST", "/v1/messages", body={"room": "all", "text": "thanks"})[0], 201,
       "carol posts again")


def test_search(env, c, pg):
    api = env.api
    api("bob", "POST", "/v1/rooms/hidden/join")
    in_ngs = c.post("alice", room="NGS", text="Bowtie2 alignment tips for paired reads, bowtie")
    in_all = c.post("carol", room="all", text="bowtie for all hands")
    secret = c.post("bob", room="hidden", text="bowtie in the hidden room")
    dm = c.post("bob", to="alice", text="bowtie by DM")
    gone = c.post("alice", room="NGS", text="bowtie soon removed")
    c.delete("alice", gone)

    st, _, r = c.search("alice", q="bowtie")
    eq(st, 200, "search")
    eq([e["id"] for e in r["events"]], [dm, in_all, in_ngs],
       "alice finds her room, all, her DM, newest first; not the hidden room, not removed ones")
    eq([e["id"] for e in c.search("carol", q="bowtie")[2]["events"]], [in_all],
       "carol finds only all: no leak from rooms she is not in")
    eq([e["id"] for e in c.search("bob", q="bowtie hidden")[2]["events"]], [secret],
       "bob finds the hidden room; every word is required")
    eq(err_code(c.search("alice", q="bowtie", room="hidden")), (403, "forbidden"),
       "naming a room one is not in: 403")
    eq(err_code(c.search("alice", q="bowtie", room="nowhere")), (404, "not_found"), "unknown room: 404")
    eq([e["id"] for e in c.search("alice", q="BOWTIE2 paired", room="NGS")[2]["events"]], [in_ngs],
       "one room, case-insensitive")
    if not pg:   # SQLite's index matches word beginnings too; PostgreSQL's whole words
        eq([e["id"] for e in c.search("alice", q="align pair")[2]["events"]], [in_ngs], "prefixes")
    hit = c.search("alice", q="alignment paired")[2]["events"][0]
    eq(hit["fragments"], [{"text": "Bowtie2 ", "match": False}, {"text": "alignment", "match": True},
                          {"text": " tips for ", "match": False}, {"text": "paired", "match": True},
                          {"text": " reads, bowtie", "match": False}], "fragments flag the matches, no markup")
    eq("".join(f["text"] for f in hit["fragments"]), hit["text"], "and join up to the text")

    st, _, p1 = c.search("alice", q="bowtie", limit="1")
    ok(st == 200 and [e["id"] for e in p1["events"]] == [dm] and p1["more"] is True, "limit=1: more")
    st, _, p2 = c.search("alice", q="bowtie", limit="2", before=str(dm))
    ok([e["id"] for e in p2["events"]] == [in_all, in_ngs] and p2["more"] is False, "before pages back", p2)

    for q in ['"', "AND", "NEAR(a b", "*", "a:b", "-x", "^", 'x" OR "y', "text:bowtie", "{a b}:c",
              "(", "NOT", "\u00e9\u00e9*", "'; DROP TABLE events; --", "\u2603"]:
        st, _, b = c.search("alice", q=q)
        ok(st == 200 and isinstance(b["events"], list), "search for %r: 200" % q, b)
    for bad, why in [({}, "no q"), ({"q": ""}, "empty q"), ({"q": "   "}, "blank q"),
                     ({"q": "x" * 300}, "a 300-byte q"), ({"q": " ".join("w%d" % i for i in range(17))},
                                                         "17 words"),
                     ({"q": "a", "limit": "0"}, "limit 0"), ({"q": "a", "limit": "101"}, "limit 101"),
                     ({"q": "a", "before": "x"}, "before x"), ({"q": "a", "room": "x" * 65}, "bad room")]:
        eq(err_code(c.search("alice", **bad)), (400, "bad_request"), "search with %s: 400" % why)
    eq(err_code(env.api("alice", "GET", "/v1/search", query="q=%ff")), (400, "bad_request"),
       "q that is not UTF-8: 400")


def test_export(env, c):
    api = env.api
    api("alice", "POST", "/v1/rooms/report/join")
    tricky = 'commas, "quotes"\nand a second line'
    m = c.post("alice", room="report", text=tricky)
    r = c.post("alice", room="report", text="to be removed")
    c.delete("alice", r)
    api("dave", "PUT", "/v1/rooms/report/topic", body={"topic": "monthly figures"})
    api("dave", "PUT", "/v1/rooms/report/pins/%d" % m, body={})

    rc, out, err = cmd(env, "export", "--room", "report", "--since", "2000-01-01", "--format", "csv")
    eq(rc, 0, "export csv")
    rows = list(csv.DictReader(io.StringIO(out, newline="")))
    eq(list(rows[0].keys()), ["id", "ts", "room", "user", "type", "text", "deleted", "target", "edited",
                              "reply_to", "on"], "csv header")
    byid = {int(x["id"]): x for x in rows}
    eq(byid[m]["text"], tricky, "commas, quotes and newlines survive CSV")
    ok(byid[r]["deleted"] == "1" and byid[r]["text"] == "", "a removed message: deleted, no text")
    ok(any(x["type"] == "delete" and x["target"] == str(r) for x in rows), "the delete, with target")
    ok(out.endswith("\r\n"), "CRLF line ends")

    rc, out, _ = cmd(env, "export", "--room", "report", "--since", "2000-01-01T00:00Z", "--format", "json")
    lines = [json.loads(x) for x in out.splitlines()]
    ok(rc == 0 and [x["type"] for x in lines] == ["join", "message", "message", "delete", "topic", "pin"],
       "export json: JSON Lines, oldest first", lines)
    ok(lines[4]["text"] == "monthly figures" and lines[5]["text"] == "pin" and lines[5]["target"] == m,
       "export json: a topic and a pin", lines[4:])
    ok(lines[1]["text"] == tricky and "text" not in lines[2] and lines[2]["deleted"], "json texts")

    rc, out, _ = cmd(env, "export", "--room", "report", "--since", "2000-01-01")
    ok(rc == 0 and "<alice> commas" in out and "\n    and a second line" in out and "(removed)" in out,
       "export text (the default)", out)
    ok("* dave set the topic: monthly figures\n" in out and "* dave pinned message %d\n" % m in out,
       "export text: a topic and a pin read as chat_log says them", out)
    rc, out, _ = cmd(env, "export", "--room", "report", "--since", "2000-01-01", "--until", "2000-01-02")
    eq((rc, out), (0, ""), "--until is exclusive")
    for args, code, why in [(["--since", "2000-01-01"], 2, "no --room"),
                            (["--room", "report"], 2, "no --since"),
                            (["--room", "report", "--since", "yesterday"], 2, "a bad date"),
                            (["--room", "report", "--since", "2000-13"], 2, "a short date"),
                            (["--room", "report", "--since", "2000-01-01", "--format", "xml"], 2, "bad format"),
                            (["--room", "nowhere", "--since", "2000-01-01"], 1, "unknown room")]:
        rc, _, err = cmd(env, "export", *args)
        ok(rc == code and err, "export with %s: exit %d and a message" % (why, code), err)


def test_check(env, pg):
    rc, out, err = cmd(env, "check")
    ok(rc == 0 and "all good" in out, "check passes", out + err)
    for what in ("config:        " + env.config, "store events:", "retention:", "newest event",
                 "galaxy_url:    (not set: links get no cards") + \
            (() if pg else ("store size:", "WAL")):
        ok(what in out, "check reports %r" % what, out)
    weak = os.path.join(env.dir, "weak.ini")
    with open(env.config) as f, open(weak, "w") as g:
        g.write(f.read() + "id_secret = tooshort\nretention_days = 90\n")
    p = subprocess.run([BINARY, "check", "-c", weak], capture_output=True, timeout=60)
    out = p.stdout.decode()
    ok(p.returncode == 0 and "shorter than 16 bytes" in out and "warning" in out,
       "a short secret is a warning", out)
    ok("90 days" in out, "the retention is shown", out)
    with open(env.config) as f, open(weak, "w") as g:
        g.write(f.read() + "galaxy_url = https://Galaxy.Example.org:443/galaxy/\n")
    p = subprocess.run([BINARY, "check", "-c", weak], capture_output=True, timeout=60)
    ok("galaxy_url:    https://galaxy.example.org/galaxy (its links get cards)" in p.stdout.decode(),
       "check shows galaxy_url in normal form", p.stdout.decode())
    with open(env.config) as f, open(weak, "w") as g:
        g.write(f.read() + "galaxy_url = https://evil.example@galaxy.example.org/\n")
    p = subprocess.run([BINARY, "check", "-c", weak], capture_output=True, timeout=60)
    ok(p.returncode != 0 and "galaxy_url must be an http(s) URL" in p.stderr.decode() + p.stdout.decode(),
       "a galaxy_url with user info is refused at start, naming the key", p.stdout.decode() + p.stderr.decode())


def test_views(c):
    rooms = {r[0]: r for r in c.db.rows("SELECT * FROM room_activity")}
    users = {r[0]: r for r in c.db.rows("SELECT * FROM user_activity")}
    ok("NGS" in rooms and int(rooms["NGS"][3]) >= 3 and int(rooms["NGS"][4]) >= 2,
       "room_activity counts messages and removed ones", rooms.get("NGS"))
    ok("alice" in users and int(users["alice"][2]) >= 3, "user_activity counts messages",
       users.get("alice"))


def test_prune(store_url=None, pg=None, db=None):
    """prune while a poller follows cursors and a writer posts: nothing newer
    than the cut-off is lost, the poller sees every new message once."""
    with ChatEnv(users=["alice", "bob"], processes=2, options={"retention_days": "0", "rate": "off"},
                 store_url=store_url) as env:
        c = Chat(env, Db(env, pg, db))
        rc, out, _ = cmd(env, "prune")
        ok(rc == 0 and "nothing pruned" in out, "retention_days 0 and no --older-than: nothing", out)
        eq(cmd(env, "prune", "--older-than", "0")[0], 2, "--older-than 0: a usage error")
        eq(cmd(env, "prune", "--bogus")[0], 2, "an unknown option: a usage error")
        old = [c.post("alice", room="all", text="old %d" % i) for i in range(300)]
        c.db.rows("UPDATE events SET ts = '2001-01-01T00:00:00.000Z' WHERE id <= %d" % old[-1])
        rc, out, _ = cmd(env, "prune", "--older-than", "30", "--dry-run")
        ok(rc == 0 and out.startswith("would prune 300 events (300 messages)"), "--dry-run counts", out)

        start = c.cursor("bob")
        sent, seen, stop = [], [], threading.Event()

        def writer():
            for i in range(300):
                sent.append(c.post("alice", room="all", text="new %d" % i, proc=i % 2))
                time.sleep(0.01)
            stop.set()

        def poller():
            cur = start
            while True:
                b = c.events("bob", cur, timeout=2, proc=1)
                seen.extend(e["id"] for e in b["events"])
                cur = b["cursor"]
                if stop.is_set() and len(seen) >= len(sent):
                    return
        threads = [threading.Thread(target=writer), threading.Thread(target=poller)]
        for t in threads:
            t.start()
        time.sleep(0.3)
        rc, out, err = cmd(env, "prune", "--older-than", "30", "--batch", "7")
        ok(not stop.is_set(), "prune finished while the writer was still posting (%d sent)" % len(sent))
        for t in threads:
            t.join(60)
        ok(rc == 0 and out.startswith("pruned 300 events (300 messages) older than"),
           "prune in batches of 7 while the chat runs", out + err)
        eq(seen, sent, "the poller saw every new message once, in order")
        left = [int(r[0]) for r in c.db.rows("SELECT id FROM events ORDER BY id")]
        eq(left, sent, "only the old events are gone")
        if not pg:   # raises unless the FTS5 index matches the events
            c.db.rows("INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')")
            ok(True, "the search index is consistent")
        eq(len(c.search("bob", q="new", limit="100")[2]["events"]), 100, "new messages are found")
        eq(c.search("bob", q="old")[2]["events"], [], "pruned ones are not")
        eq(cmd(env, "prune", "--older-than", "30")[1].split(" (")[0], "pruned 0 events",
           "a second run has nothing to do")


def main(store_url=None, pg=None, db=None, prune_url=None, prune_db=None):
    """The whole suite; on PostgreSQL with store_url (database db of the
    PgServer pg), and prune_url/prune_db a second, empty database."""
    with ChatEnv(users=["alice", "bob", "carol", "dave"], processes=2, admins=["dave"],
                 options={"rate": "off"}, store_url=store_url) as env:
        c = Chat(env, Db(env, pg, db))
        for u in env.users:   # a user exists for the chat once seen
            env.api(u, "GET", "/v1/me")
        test_delete(env, c)
        test_mute(env, c)
        test_search(env, c, pg)
        test_export(env, c)
        test_check(env, pg)
        test_views(c)
    test_prune(prune_url, pg, prune_db)


if __name__ == "__main__":
    run(main)
