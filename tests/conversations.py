"""Conversations (issue 17, doc/api.md "Conversations") through the real
binary, two responder processes sharing one store: replies and their
refusals, threads, edits (window, author, text rules, rate limit, a race
with a removal, replays from old cursors from the hub's ring and from the
store agreeing), reactions and the emoji rule, solved marks, open
questions, direct-message history, room names without case, the new
routes' methods and cross-site rules, a thread spanning a prune, and
export and check on the new rows.

The store is an SQLite file; tests/conversations_pg.py runs this same
main() on a PostgreSQL store."""

import json
import os
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from admin import Chat, Db, cmd, err_code  # noqa: E402
from chatenv import ChatEnv  # noqa: E402
from tap import ok, eq, run  # noqa: E402

THUMBS = "\U0001f44d"
HEART = "\u2764\ufe0f"
RAINBOW = "\U0001f3f3\ufe0f\u200d\U0001f308"


def q(s):
    return urllib.parse.quote(s, safe="")


def react(env, user, mid, emoji, on=True, proc=0):
    """PATH_INFO arrives decoded from the web server: the emoji as it is."""
    return env.api(user, "PUT" if on else "DELETE", "/v1/messages/%s/reactions/%s" % (mid, emoji),
                   proc=proc)


def edit(env, user, mid, text, proc=0):
    return env.api(user, "PATCH", "/v1/messages/%s" % mid, body={"text": text}, proc=proc)


def by_id(events):
    return {e["id"]: e for e in events}


def test_replies(env, c):
    api = env.api
    for u in ("alice", "bob"):
        api(u, "POST", "/v1/rooms/NGS/join")
    root = c.post("alice", room="NGS", text="how do I trim adapters from paired reads?")
    before = root - 1
    st, _, r1 = api("bob", "POST", "/v1/messages", body={"room": "NGS", "text": "cutadapt", "reply_to": root})
    eq(st, 201, "a reply: 201")
    r1 = r1["id"]
    r2 = c.post("alice", room="NGS", text="and for single-end?", reply_to=r1)
    evs = by_id(c.events("bob", before)["events"])
    ok(evs[r1]["reply_to"]["id"] == root and evs[r1]["thread"] == root and
       evs[r1]["reply_to"]["user"]["username"] == "alice" and
       evs[r1]["reply_to"]["text"] == "how do I trim adapters from paired reads?",
       "the reply's event carries reply_to (id, user, text) and thread", evs.get(r1))
    ok(evs[r2]["reply_to"]["id"] == r1 and evs[r2]["thread"] == root,
       "a reply to a reply belongs to the root's thread")
    ok("reply_to" not in evs[root] and "thread" not in evs[root], "the root has neither")

    for bad, why in [("12", "a string"), (1.5, "a fraction"), (0, "zero"), (-3, "negative"),
                     (True, "true"), ([root], "an array"), (2 ** 60, "too large")]:
        eq(err_code(api("bob", "POST", "/v1/messages", body={"room": "NGS", "text": "x", "reply_to": bad})),
           (400, "bad_request"), "reply_to %s: 400" % why)
    st, _, b = api("bob", "POST", "/v1/messages", body={"room": "NGS", "text": "x", "reply_to": None})
    eq(st, 201, "reply_to null: an ordinary message")
    eq(err_code(api("bob", "POST", "/v1/messages", body={"room": "all", "text": "x", "reply_to": root})),
       (400, "bad_request"), "a reply in another room: 400")
    eq(err_code(api("carol", "POST", "/v1/messages", body={"room": "all", "text": "x", "reply_to": root})),
       (404, "not_found"), "a reply to a message in a room one is not in: 404")
    eq(err_code(api("bob", "POST", "/v1/messages", body={"room": "NGS", "text": "x", "reply_to": 999999})),
       (404, "not_found"), "a reply to an unknown id: 404")
    dm = c.post("alice", to="bob", text="a private question")
    eq(api("bob", "POST", "/v1/messages", body={"to": "alice", "text": "a private answer", "reply_to": dm})[0],
       201, "a direct reply to a direct message")
    st, _, b = api("carol", "POST", "/v1/messages", body={"to": "alice", "text": "x", "reply_to": dm})
    eq((st, b["error"]["message"]), (404, "no message %d" % dm),
       "a reply to someone else's direct message: 404 no message (not no user)")
    eq(err_code(api("bob", "POST", "/v1/messages", body={"to": "alice", "text": "x", "reply_to": root})),
       (400, "bad_request"), "a direct message replying to a room message: 400")
    gone = c.post("alice", room="NGS", text="removed before anyone answered")
    c.delete("alice", gone)
    eq(err_code(api("bob", "POST", "/v1/messages", body={"room": "NGS", "text": "x", "reply_to": gone})),
       (404, "not_found"), "a reply to a removed message: 404")
    return root, r1, r2


def test_threads(env, c, root, r1, r2):
    api = env.api
    st, _, t = api("bob", "GET", "/v1/messages/%d/thread" % root)
    ok(st == 200 and t["root"]["id"] == root and [e["id"] for e in t["events"]] == [r1, r2] and
       t["more"] is False, "a thread: its root and replies, oldest first", t)
    eq((t["root"]["replies"], t["root"]["last_reply"]), (2, r2), "the root counts replies, names the last")
    st, _, t2 = api("alice", "GET", "/v1/messages/%d/thread" % r2, query="limit=1")
    ok(st == 200 and t2["root"]["id"] == root and [e["id"] for e in t2["events"]] == [r1] and t2["more"],
       "asked by a reply's id, with limit: the same thread, more", t2)
    st, _, t3 = api("alice", "GET", "/v1/messages/%d/thread" % root, query="after=%d" % r1)
    eq([e["id"] for e in t3["events"]], [r2], "after pages on")
    eq(err_code(api("carol", "GET", "/v1/messages/%d/thread" % root)), (404, "not_found"),
       "a thread in a room one is not in: 404")
    eq(err_code(api("alice", "GET", "/v1/messages/999999/thread")), (404, "not_found"), "unknown: 404")
    eq(err_code(api("alice", "GET", "/v1/messages/abc/thread")), (404, "not_found"), "not an id: 404")
    for qs in ("after=-1", "after=x", "limit=0", "limit=501"):
        eq(err_code(api("alice", "GET", "/v1/messages/%d/thread" % root, query=qs)), (400, "bad_request"),
           "thread with %s: 400" % qs)
    hist = by_id(api("bob", "GET", "/v1/rooms/NGS/messages")[2]["events"])
    eq((hist[root]["replies"], hist[root]["last_reply"]), (2, r2), "history: replies and last_reply on the root")
    ok("replies" not in hist[r1], "not on a reply without replies")
    live = by_id(c.events("bob", root - 1)["events"])
    ok("replies" not in live[root], "the long poll's events carry no counts: the replies follow them")


def test_edits(env, c, db, root):
    api = env.api
    m = c.post("alice", room="NGS", text="the first wording")
    cursor = m - 1
    st, _, e = edit(env, "alice", m, "the second wording")
    ok(st == 200 and e["id"] == m and len(e["edited"]) == 24 and e["event"] > m,
       "PATCH by the author: 200 {id, edited, event}", e)
    first_edit = e["event"]
    st, _, e2 = edit(env, "alice", m, "the second wording")
    eq((st, e2["event"], e2["edited"]), (200, None, e["edited"]), "the same text again: nothing new")
    eq(err_code(edit(env, "bob", m, "bob's words")), (403, "forbidden"), "another member: 403")
    eq(err_code(edit(env, "dave", m, "the admin's words")), (404, "not_found"),
       "an admin outside the room: 404, as for anyone who cannot see it")
    eq(err_code(edit(env, "carol", m, "x")), (404, "not_found"), "outside the room: 404")
    eq(err_code(edit(env, "alice", 999999, "x")), (404, "not_found"), "unknown: 404")
    eq(err_code(edit(env, "alice", m, "   ")), (400, "bad_request"), "blank text: 400")
    eq(err_code(api("alice", "PATCH", "/v1/messages/%d" % m, body={"text": 5})), (400, "bad_request"),
       "numeric text: 400")
    eq(err_code(api("alice", "PATCH", "/v1/messages/%d" % m, body={})), (400, "bad_request"), "no text: 400")
    eq(err_code(api("alice", "PATCH", "/v1/messages/%d" % m, body=b"{", content_type="application/json")),
       (400, "bad_request"), "malformed JSON: 400")
    eq(err_code(api("alice", "PATCH", "/v1/messages/%d" % m, body=b'{"text":"\xff"}',
                    content_type="application/json")), (400, "bad_request"), "invalid UTF-8: 400")
    eq(err_code(edit(env, "alice", m, "x" * 101)), (413, "too_large"), "over max_message_bytes: 413")
    eq(err_code(api("alice", "PATCH", "/v1/messages/%d" % m, body=b'{"text":"x"}', content_type="text/plain")),
       (403, "forbidden"), "PATCH without JSON content type: 403")
    eq(err_code(api("alice", "PATCH", "/v1/messages/%d" % m, body={"text": "x"}, origin="https://evil.example")),
       (403, "forbidden"), "PATCH from a foreign origin: 403")
    st, _, e3 = edit(env, "alice", m, "the third wording", proc=1)
    eq(st, 200, "an edit through the other process")

    # from the hub's ring, once this process has read the edit made through
    # the other (its wake-up is quick, not instant: a loaded machine delays it)
    for _ in range(50):
        evs = by_id(c.events("bob", cursor, timeout=5)["events"])
        if e3["event"] in evs:
            break
        time.sleep(0.1)
    ok(evs[m]["text"] == "the third wording" and evs[m]["edited"] == e3["edited"],
       "a replay from an old cursor: the message as it is now, edited", evs.get(m))
    ok(evs[first_edit]["type"] == "edit" and evs[first_edit]["target"] == m and
       evs[first_edit]["text"] == "the third wording" and evs[first_edit]["edited"] == e3["edited"],
       "the first edit event reads the text now: no earlier version is shown", evs.get(first_edit))
    ok("the first wording" not in json.dumps(list(evs.values())) and
       "the second wording" not in json.dumps(list(evs.values())), "no earlier version anywhere in the replay")
    hist = by_id(api("bob", "GET", "/v1/rooms/NGS/messages")[2]["events"])
    ok(hist[m]["text"] == "the third wording" and hist[m]["edited"] == e3["edited"],
       "history: the text now, edited")
    ok(first_edit not in hist, "history lists no edit events")
    found = api("bob", "GET", "/v1/search", query="q=third")[2]["events"]
    ok([x for x in found if x["id"] == m and x["edited"] == e3["edited"]], "search finds the text now, edited")
    eq(api("bob", "GET", "/v1/search", query="q=" + q("first wording"))[2]["events"], [],
       "and never an earlier version")
    rows = db.rows("SELECT version, text FROM message_history WHERE message = %d ORDER BY version" % m)
    eq(rows, [("1", "the first wording"), ("2", "the second wording"), ("3", "the third wording")],
       "every version stays in the store for admins (message_history)")

    # the window
    old = c.post("alice", room="NGS", text="sent long ago")
    # process 1's hub reads it before the shell's UPDATE below (a poll
    # there from just before it is answered by that hub), so its ring
    # holds the time the store gets back afterwards
    ids = [x["id"] for x in c.events("bob", old - 1, timeout=5, proc=1)["events"]]
    eq(ids, [old], "process 1's hub has the message")
    sent = db.rows("SELECT ts FROM events WHERE id = %d" % old)[0][0]
    db.rows("UPDATE events SET ts = '2020-01-01T00:00:00.000Z' WHERE id = %d" % old)
    st, _, b = edit(env, "alice", old, "too late")
    ok(st == 403 and "edit_window" in b["error"]["message"] and "60 minutes" in b["error"]["message"],
       "past edit_window: 403 saying so", b)
    db.rows("UPDATE events SET ts = '%s' WHERE id = %d" % (sent, old))   # as the hub's ring has it
    return m


def test_edit_replays(env, c, m):
    """The hub's ring and the store answer replays from old cursors alike."""
    since = m - 1
    ring = c.events("bob", since, timeout=5, proc=1)["events"]   # events there: the ring answers
    store = c.events("bob", since, proc=1)["events"]             # timeout 0: the store answers
    eq(ring, store, "a replay after edits: the hub's ring and the store give the same events")
    env.stop_chat()
    env.start_chat()   # new processes: their rings start after every event
    eq(c.events("bob", since, timeout=5, proc=1)["events"], store, "and so do the store's after a restart")


def test_edit_race(env, c):
    """Edits racing a removal: each is before it, or 404; none after it."""
    m = c.post("alice", room="NGS", text="racing")
    results = []

    def editor():
        for i in range(30):
            results.append(edit(env, "alice", m, "race %d" % i, proc=i % 2)[0])

    th = threading.Thread(target=editor)
    th.start()
    time.sleep(0.05)
    st, _, d = c.delete("alice", m)
    th.join(60)
    ok(st == 200 and set(results) <= {200, 404}, "racing edits answer 200 or 404", results)
    evs = c.events("bob", m - 1, timeout=5)["events"]
    eq(evs, c.events("bob", m - 1)["events"], "the ring and the store agree after the race")
    ok(not [e for e in evs if e["type"] == "edit" and e["target"] == m and e["id"] > d["event"]],
       "no edit event after the removal")
    ok(all("deleted" in e for e in evs if e.get("target") == m and e["type"] == "edit"),
       "and every edit event of it reads removed")
    eq(err_code(edit(env, "alice", m, "after")), (404, "not_found"), "an edit of a removed message: 404")


def test_reactions(env, c, root):
    api = env.api
    cursor = c.cursor("alice")
    st, _, r = react(env, "bob", root, THUMBS)
    ok(st == 200 and r == {"id": root, "emoji": THUMBS, "on": True, "event": r["event"]} and r["event"],
       "PUT a reaction: 200 {id, emoji, on, event}", r)
    eq(react(env, "bob", root, THUMBS)[2]["event"], None, "again: idempotent, no event")
    react(env, "alice", root, THUMBS, proc=1)
    st, _, h = react(env, "bob", root, "\u2764")
    eq((st, h["emoji"]), (200, HEART), "a bare heart is taken as the heart emoji, with U+FE0F")
    eq(react(env, "bob", root, HEART)[2]["event"], None, "so both spellings are one reaction")
    eq(react(env, "bob", root, RAINBOW)[0], 200, "a ZWJ sequence")
    st, _, u = react(env, "bob", root, RAINBOW, on=False)
    ok(st == 200 and u["on"] is False and u["event"], "DELETE takes it back", u)
    eq(react(env, "bob", root, RAINBOW, on=False)[2]["event"], None, "taking back again: no event")
    for bad, why in [("a", "a letter"), ("1", "a digit"), ("ok", "a word"), (THUMBS * 2, "two emoji"),
                     (" " + THUMBS, "a space"), (THUMBS + "\n", "a newline"), ("\x01", "a control"),
                     ("\u2764\ufe0e", "text presentation"), ("\U0001f600" * 9, "over 32 bytes")]:
        eq(err_code(react(env, "bob", root, bad)), (400, "bad_request"), "emoji %s: 400" % why)
    eq(err_code(api("bob", "PUT", "/v1/messages/%d/reactions/\udcff" % root)), (400, "bad_request"),
       "emoji of invalid UTF-8: 400")
    eq(err_code(react(env, "carol", root, THUMBS)), (404, "not_found"),
       "a reaction to a message in a room one is not in: 404")
    eq(err_code(react(env, "bob", 999999, THUMBS)), (404, "not_found"), "to an unknown id: 404")
    eq(err_code(api("bob", "PUT", "/v1/messages/%d/reactions/%s" % (root, THUMBS), body=b"{}",
                    content_type="text/plain")), (403, "forbidden"), "PUT without JSON content type: 403")
    evs = [e for e in c.events("alice", cursor)["events"] if e["type"] == "reaction"]
    ok(evs and evs[0]["target"] == root and evs[0]["emoji"] == THUMBS and evs[0]["on"] is True and
       evs[0]["room"] == "NGS" and evs[0]["user"]["username"] == "bob", "the reaction event", evs[:1])
    ok(not [e for e in c.events("carol", cursor)["events"] if e["type"] == "reaction"],
       "carol, outside NGS, gets no reaction event")
    hist = by_id(env.api("alice", "GET", "/v1/rooms/NGS/messages")[2]["events"])
    eq(hist[root]["reactions"], [{"emoji": THUMBS, "count": 2, "users": ["bob", "alice"]},
                                 {"emoji": HEART, "count": 1, "users": ["bob"]}],
       "history: reactions grouped, in the order given")
    thread = env.api("alice", "GET", "/v1/messages/%d/thread" % root)[2]
    eq(thread["root"]["reactions"], hist[root]["reactions"], "the thread's root likewise")


def test_solved(env, c, root):
    api = env.api
    cursor = c.cursor("bob")
    eq(err_code(api("bob", "PUT", "/v1/messages/%d/solved" % root)), (403, "forbidden"),
       "a member who did not ask: 403")
    eq(err_code(api("carol", "PUT", "/v1/messages/%d/solved" % root)), (404, "not_found"),
       "outside the room: 404")
    st, _, s = api("alice", "PUT", "/v1/messages/%d/solved" % root)
    ok(st == 200 and s["solved"]["by"] == "alice" and s["event"], "the author marks it solved", s)
    st, _, s2 = api("dave", "PUT", "/v1/messages/%d/solved" % root)
    eq((st, s2["solved"], s2["event"]), (200, s["solved"], None), "an admin marking again: the mark stays")
    evs = [e for e in c.events("bob", cursor)["events"] if e["type"] == "solved"]
    ok(evs and evs[0]["target"] == root and evs[0]["on"] is True, "the solved event", evs)
    hist = by_id(api("bob", "GET", "/v1/rooms/NGS/messages")[2]["events"])
    eq(hist[root]["solved"], s["solved"], "history carries solved {by, ts}")
    st, _, s3 = api("dave", "DELETE", "/v1/messages/%d/solved" % root)
    ok(st == 200 and s3["solved"] is None and s3["event"], "an admin (no member) unmarks it", s3)
    ok("solved" not in by_id(api("bob", "GET", "/v1/rooms/NGS/messages")[2]["events"])[root],
       "history: not solved")


def test_open(env, c):
    api = env.api
    for u in ("alice", "bob"):
        api(u, "POST", "/v1/rooms/help/join")
    q1 = c.post("alice", room="help", text="unanswered")
    q2 = c.post("alice", room="help", text="answered by bob")
    c.post("bob", room="help", text="here", reply_to=q2)
    q3 = c.post("alice", room="help", text="only I bumped it")
    c.post("alice", room="help", text="bump", reply_to=q3)
    st, _, o = api("bob", "GET", "/v1/rooms/help/open")
    ok(st == 200 and [e["id"] for e in o["events"]] == [q3, q1] and o["room"] == "help" and o["more"] is False,
       "open questions: not answered by anyone but their author, newest first", o)
    st, _, o = api("bob", "GET", "/v1/rooms/HELP/open", query="days=1&limit=1")
    ok(st == 200 and [e["id"] for e in o["events"]] == [q3] and o["more"] and o["room"] == "help",
       "days, limit, more; any spelling, the room's name answered", o)
    for qs in ("days=0", "days=366", "days=x", "limit=0", "before=-1"):
        eq(err_code(api("bob", "GET", "/v1/rooms/help/open", query=qs)), (400, "bad_request"), "open %s: 400" % qs)
    eq(err_code(api("carol", "GET", "/v1/rooms/help/open")), (403, "forbidden"), "not for a non-member: 403")
    eq(api("dave", "GET", "/v1/rooms/help/open")[0], 200, "an admin who is no member may look")
    eq(err_code(api("bob", "GET", "/v1/rooms/nowhere/open")), (404, "not_found"), "an unknown room: 404")


def test_direct_history(env, c):
    api = env.api
    a = c.post("alice", to="carol", text="alice to carol")
    b = c.post("carol", to="alice", text="carol to alice")
    other = c.post("bob", to="carol", text="bob to carol")
    st, _, h = api("alice", "GET", "/v1/direct/carol/messages")
    ids = [e["id"] for e in h["events"]]
    ok(st == 200 and a in ids and b in ids and other not in ids and ids == sorted(ids) and h["more"] is False,
       "direct history: both ways, only the two, oldest first", h)
    st, _, h = api("carol", "GET", "/v1/direct/alice/messages", query="limit=1")
    ok(st == 200 and [e["id"] for e in h["events"]] == [b] and h["more"], "limit and more")
    st, _, h = api("carol", "GET", "/v1/direct/alice/messages", query="before=%d" % b)
    ok(a in [e["id"] for e in h["events"]] and b not in [e["id"] for e in h["events"]], "before")
    ok(other not in [e["id"] for e in api("alice", "GET", "/v1/direct/bob/messages")[2]["events"]],
       "bob and carol's messages are not alice's to read")
    eq(err_code(api("alice", "GET", "/v1/direct/nobody/messages")), (404, "not_found"), "an unknown user: 404")
    eq(err_code(api("alice", "GET", "/v1/direct/erin/messages")), (404, "not_found"),
       "a user who never used the chat: 404")
    eq(err_code(api("alice", "GET", "/v1/direct/a\x01b/messages")), (400, "bad_request"),
       "a username with a control character: 400")


def test_rooms_case(env, c):
    api = env.api
    st, _, j = api("carol", "POST", "/v1/rooms/rna-seq/join")
    ok(st == 200 and j["room"] == "RNA-Seq" and j["event"], "joining rna-seq joins the persistent RNA-Seq", j)
    ok(not [r for r in api("carol", "GET", "/v1/rooms")[2]["rooms"] if r["name"] == "rna-seq"],
       "no second room")
    m = c.post("carol", room="RNA-SEQ", text="by another spelling")
    evs = by_id(c.events("carol", m - 1)["events"])
    eq(evs[m]["room"], "RNA-Seq", "events carry the name as first written")
    eq(api("carol", "GET", "/v1/rooms/rna-SEQ/who")[2]["room"], "RNA-Seq", "who by any spelling")
    ok(m in [e["id"] for e in api("carol", "GET", "/v1/rooms/Rna-Seq/messages")[2]["events"]],
       "history by any spelling")
    ok(api("carol", "GET", "/v1/search", query="q=spelling&room=rna-seq")[0] == 200, "search by any spelling")
    st, _, j = api("carol", "POST", "/v1/rooms/rna-seq/leave")
    ok(st == 200 and j["room"] == "RNA-Seq" and j["joined"] is False, "leave by any spelling", j)
    eq(err_code(api("carol", "POST", "/v1/rooms/ALL/leave")), (403, "forbidden"), "ALL is all: nobody leaves it")


def test_routes(env, root):
    api = env.api
    for method, path, allow in [("GET", "/v1/messages/%d" % root, "DELETE, PATCH"),
                                ("POST", "/v1/messages/%d/thread" % root, "GET"),
                                ("GET", "/v1/messages/%d/reactions/%s" % (root, THUMBS), "PUT, DELETE"),
                                ("POST", "/v1/messages/%d/solved" % root, "PUT, DELETE"),
                                ("POST", "/v1/rooms/NGS/open", "GET"),
                                ("POST", "/v1/direct/bob/messages", "GET")]:
        st, h, _ = api("alice", method, path)
        eq((st, h.get("allow")), (405, allow), "%s %s: 405 Allow: %s" % (method, path.split("/")[3], allow))
    eq(err_code(api("alice", "GET", "/v1/messages/%d/thread/x" % root)), (404, "not_found"), "a longer path: 404")
    st, h, _ = api("alice", "OPTIONS", "/v1/messages/%d" % root)
    eq((st, h.get("allow")), (204, "DELETE, PATCH"), "OPTIONS lists PATCH")


def test_prune_thread(env, c, db):
    """A thread whose root prune deletes: its replies stay a thread."""
    for u in ("alice", "bob"):
        env.api(u, "POST", "/v1/rooms/old/join")
    root = c.post("alice", room="old", text="an old question")
    reply = c.post("bob", room="old", text="a young answer", reply_to=root)
    react(env, "bob", root, THUMBS)
    edit(env, "alice", root, "an old question, edited")
    db.rows("UPDATE events SET ts = '2001-01-01T00:00:00.000Z' WHERE id = %d" % root)
    rc, out, err = cmd(env, "prune", "--older-than", "30")
    ok(rc == 0 and out.startswith("pruned 1 events (1 messages)"), "prune takes the old root", out + err)
    eq(db.rows("SELECT count(*) FROM reactions WHERE message_id = %d" % root), [("0",)],
       "its reactions go with it")
    eq(db.rows("SELECT count(*) FROM message_versions WHERE message_id = %d" % root), [("0",)],
       "and its versions")
    st, _, t = env.api("bob", "GET", "/v1/messages/%d/thread" % root)
    ok(st == 200 and t["root"] == {"id": root, "deleted": True, "pruned": True} and
       [e["id"] for e in t["events"]] == [reply], "its thread, without a root, with the reply", t)
    ok(t["events"][0]["reply_to"] == {"id": root, "deleted": True, "pruned": True},
       "the reply's reply_to reads pruned", t["events"])
    eq(env.api("bob", "GET", "/v1/messages/%d/thread" % reply)[2]["root"]["id"], root, "asked by the reply")
    eq(err_code(env.api("carol", "GET", "/v1/messages/%d/thread" % root)), (404, "not_found"),
       "still not for someone outside the room")


def test_export_check(env, c, db, m):
    rc, out, err = cmd(env, "export", "--room", "NGS", "--since", "2000-01-01", "--format", "json", "--versions")
    rows = by_id([json.loads(x) for x in out.splitlines()])
    ok(rc == 0 and rows[m]["text"] == "the third wording" and rows[m]["edited"] and
       [v["text"] for v in rows[m]["versions"]] == ["the first wording", "the second wording"],
       "export json --versions: the text now, edited, and the earlier ones", rows.get(m))
    ok([r for r in rows.values() if r["type"] == "reaction" and r["emoji"] == THUMBS and r["on"] is True],
       "reactions in the export")
    rc, out, _ = cmd(env, "export", "--room", "NGS", "--since", "2000-01-01")
    ok("<alice> the third wording (edited " in out and "* bob reacted %s to message" % THUMBS in out and
       "edited message %d" % m in out and "the first wording" not in out, "export text marks edits", out)
    rc, out, _ = cmd(env, "export", "--room", "NGS", "--since", "2000-01-01", "--versions")
    ok("    (version 1, " in out and ") the first wording" in out, "export text --versions")
    rc, out, _ = cmd(env, "export", "--room", "NGS", "--since", "2000-01-01", "--format", "csv", "--versions")
    ok(out.startswith("id,ts,room,user,type,text,deleted,target,edited,reply_to,on\r\n") and
       ',"version","the first wording",0,%d,' % m in out, "export csv --versions: version rows", out[:300])
    # an older store's two spellings, listed by check
    db.rows("INSERT INTO rooms (name, persistent, created) VALUES ('ngs', 0, '2020-01-01T00:00:00.000Z')")
    rc, out, err = cmd(env, "check")
    ok('rooms differing only in case: "ngs" beside "NGS"' in out and "WARNING" in out,
       "check lists rooms that differ only in case", out + err)
    db.rows("DELETE FROM rooms WHERE name = 'ngs'")


def test_rate(store_url):
    """Edits, reactions and solved marks count against rate as messages do."""
    with ChatEnv(users=["alice", "bob"], options={"rate": "4/60s"}, store_url=store_url) as env:
        env.api("alice", "GET", "/v1/me")
        st, _, m = env.api("alice", "POST", "/v1/messages", body={"room": "all", "text": "one"})
        codes = [edit(env, "alice", m["id"], "two")[0], react(env, "alice", m["id"], THUMBS)[0],
                 env.api("alice", "PUT", "/v1/messages/%d/solved" % m["id"])[0]]
        eq(codes, [200, 200, 200], "a message, an edit, a reaction and a mark: four of four")
        st, h, b = react(env, "alice", m["id"], HEART)
        ok(st == 429 and h.get("retry-after"), "a fifth (a reaction): 429 with Retry-After", b)
        eq(edit(env, "alice", m["id"], "three")[0], 429, "an edit too")


def main(store_url=None, pg=None, db=None):
    with ChatEnv(users=["alice", "bob", "carol", "dave", "erin"], processes=2, admins=["dave"],
                 options={"rate": "off", "max_message_bytes": "100", "max_body_bytes": "1024"},
                 store_url=store_url) as env:
        c = Chat(env, Db(env, pg, db))
        for u in ("alice", "bob", "carol", "dave"):   # erin never uses the chat
            env.api(u, "GET", "/v1/me")
        root, r1, r2 = test_replies(env, c)
        test_threads(env, c, root, r1, r2)
        m = test_edits(env, c, c.db, root)
        test_edit_replays(env, c, m)
        test_edit_race(env, c)
        test_reactions(env, c, root)
        test_solved(env, c, root)
        test_open(env, c)
        test_direct_history(env, c)
        test_rooms_case(env, c)
        test_routes(env, root)
        test_export_check(env, c, c.db, m)
        test_prune_thread(env, c, c.db)
        ok(not env.sanitizer_reports(), "no sanitizer reports", env.sanitizer_reports())
    test_rate(store_url)


if __name__ == "__main__":
    run(main)
