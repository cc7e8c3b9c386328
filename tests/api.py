"""The HTTP API of API.md against the real binary: two responder processes
sharing one store, Galaxy's schema in SQLite, genuine cookies. Every route,
every error, visibility, idempotency, ordering and cross-process wakeup,
and waiting polls of deleted accounts.

The store is an SQLite file; tests/api_pg.py runs this same main() against
a PostgreSQL store (store_url)."""

import os
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from chatenv import BINARY, ChatEnv  # noqa: E402
from tap import ok, eq, run  # noqa: E402


def err_code(resp):
    st, _, body = resp
    return st, (body or {}).get("error", {}).get("code") if isinstance(body, dict) else None


def main(store_url=None):
    with ChatEnv(users=["alice", "bob", "carol"], processes=2, admins=["alice"],
                 options={"max_message_bytes": "100", "max_body_bytes": "1024",
                          "rate": "off", "join_rate": "off"},
                 store_url=store_url) as env:
        api = env.api

        # --- health, auth, routing ------------------------------------
        st, h, body = api(None, "GET", "/v1/health")
        eq((st, body), (200, {"ok": True, "store": "ok", "galaxy_db": "ok"}), "health without a cookie")
        eq(h.get("cache-control"), "no-store", "Cache-Control: no-store")
        eq(h.get("x-content-type-options"), "nosniff", "X-Content-Type-Options: nosniff")
        eq(err_code(api(None, "GET", "/v1/me")), (401, "unauthorized"), "no cookie: 401")
        eq(err_code(env.api(None, "GET", "/v1/me", extra={"HTTP_COOKIE": "galaxysession=zz"})),
           (401, "unauthorized"), "malformed cookie: 401")
        eq(err_code(api("alice", "GET", "/v1/nope")), (404, "not_found"), "unknown route: 404")
        eq(err_code(api("alice", "GET", "")), (404, "not_found"), "no PATH_INFO: 404")
        st, h, body = api("alice", "DELETE", "/v1/events")
        eq((st, h.get("allow")), (405, "GET"), "wrong method: 405 with Allow")
        st, h, _ = api("alice", "GET", "/v1/messages")
        eq((st, h.get("allow")), (405, "POST"), "GET on a POST route: 405 Allow: POST")

        st, _, me = api("alice", "GET", "/v1/me")
        eq(st, 200, "GET /v1/me")
        eq(me["user"]["username"], "alice", "me: username from Galaxy's database")
        eq(me["user"]["id"], env.user_ids["alice"], "me: Galaxy's user id")
        eq(me["user"]["gravatar"], "", "me: no gravatar hash of the email with avatars = initials")
        eq(me["avatars"], "initials", "me: avatars = initials by default: the client asks no third party")
        ok(me["admin"] is True, "me: alice is in admin_users")
        ok(api("bob", "GET", "/v1/me")[2]["admin"] is False, "me: bob is not")
        names = [r["name"] for r in me["rooms"]]
        ok({"all", "NGS", "RNA-Seq"} <= set(names), "me: all and the persistent rooms", names)
        ok(all(r["persistent"] for r in me["rooms"]), "me: they are persistent")
        eq(me["cursor"], 0, "me: cursor of an empty store")

        # --- rooms --------------------------------------------------------
        st, _, j = api("alice", "POST", "/v1/rooms/NGS/join")
        ok(st == 200 and j["joined"] and j["event"], "join NGS makes an event", j)
        st, _, j2 = api("alice", "POST", "/v1/rooms/NGS/join", proc=1)
        eq((st, j2["event"]), (200, None), "joining again is idempotent: no event")
        api("bob", "POST", "/v1/rooms/NGS/join")
        st, _, j = api("carol", "POST", "/v1/rooms/ad hoc/join")
        ok(st == 200 and j["event"], "joining a new room creates it")
        rooms = {r["name"]: r for r in api("carol", "GET", "/v1/rooms")[2]["rooms"]}
        ok("ad hoc" in rooms and rooms["ad hoc"]["joined"] and not rooms["ad hoc"]["persistent"],
           "the ad-hoc room is listed, joined, not persistent", rooms.get("ad hoc"))
        eq(rooms["NGS"]["members"], 2, "NGS has two members")
        ok(all(k in rooms["NGS"] for k in ("online", "last_id")), "rooms carry online and last_id")
        eq(err_code(api("alice", "POST", "/v1/rooms/all/leave")), (403, "forbidden"), "leaving all: 403")
        eq(err_code(api("alice", "POST", "/v1/rooms/" + "x" * 65 + "/join")), (400, "bad_request"),
           "65-character room: 400")
        ok(api("alice", "POST", "/v1/rooms/" + "\u00e9" * 64 + "/join")[0] == 200,
           "64 two-byte characters: fine")
        eq(err_code(api("alice", "POST", "/v1/rooms/a\x01b/join")), (400, "bad_request"),
           "control character in a room name: 400")
        eq(err_code(api("alice", "POST", "/v1/rooms/a\udcffb/join")), (400, "bad_request"),
           "invalid UTF-8 in a room name: 400")
        eq(err_code(api("alice", "POST", "/v1/rooms/nowhere/leave")), (404, "not_found"),
           "leaving an unknown room: 404")
        st, _, j = api("carol", "POST", "/v1/rooms/ad hoc/leave")
        ok(st == 200 and j["event"] and j["joined"] is False, "leave makes an event")
        eq(api("carol", "POST", "/v1/rooms/ad hoc/leave")[2]["event"], None, "leaving again: no event")

        # --- cross-site rules ---------------------------------------------
        eq(err_code(api("alice", "POST", "/v1/rooms/NGS/join", body=b"{}", content_type="text/plain")),
           (403, "forbidden"), "text/plain POST (a form post): 403")
        eq(err_code(api("alice", "POST", "/v1/rooms/NGS/join", body="room=NGS",
                        content_type="application/x-www-form-urlencoded")),
           (403, "forbidden"), "form-encoded POST: 403")
        eq(err_code(api("alice", "POST", "/v1/rooms/NGS/join", origin="https://evil.example")),
           (403, "forbidden"), "foreign Origin: 403")
        eq(err_code(api("alice", "POST", "/v1/rooms/NGS/join", origin="null")),
           (403, "forbidden"), "Origin: null: 403")
        eq(api("alice", "POST", "/v1/rooms/NGS/join", origin="http://127.0.0.1")[0], 200,
           "same-host Origin: allowed")
        eq(api("alice", "POST", "/v1/rooms/NGS/join", content_type="application/json; charset=utf-8")[0],
           200, "JSON with a charset: allowed")

        # --- posting ------------------------------------------------------
        def post(user, body, **kw):
            return api(user, "POST", "/v1/messages", body=body, **kw)
        for bad, why in [(b"{", "malformed JSON"), (b"[]", "an array"), (b'"x"', "a string"),
                         (b'{"room":"NGS","text":"a"} x', "trailing garbage"),
                         (b'{"room":"NGS"}', "no text"), (b'{"room":"NGS","text":5}', "numeric text"),
                         (b'{"room":"NGS","text":"   "}', "blank text"),
                         (b'{"text":"hi"}', "neither room nor to"),
                         (b'{"room":"NGS","to":"bob","text":"hi"}', "both room and to"),
                         (b'{"room":7,"text":"hi"}', "numeric room"),
                         (b'{"room":"","text":"hi"}', "empty room"),
                         (b'{"room":"NGS","text":"a\\u0000b"}', "NUL in text"),
                         (b'{"room":"NGS","text":"hi","client_id":""}', "empty client_id"),
                         (b'{"room":"NGS","text":"\xff"}', "invalid UTF-8"), (b"", "empty body")]:
            eq(err_code(post("alice", bad, content_type="application/json")), (400, "bad_request"),
               "bad body, %s: 400" % why)
        eq(err_code(post("alice", {"room": "NGS", "text": "x" * 101})), (413, "too_large"),
           "text over max_message_bytes: 413")
        eq(post("alice", {"room": "NGS", "text": "\u00e9" * 50})[0], 201, "100 bytes of UTF-8: fine")
        eq(err_code(post("alice", {"room": "NGS", "text": "y" * 2000})), (413, "too_large"),
           "body over max_body_bytes: 413")
        eq(err_code(post("carol", {"room": "NGS", "text": "hi"})), (403, "forbidden"),
           "posting to a room one is not in: 403")
        eq(err_code(post("alice", {"room": "nowhere", "text": "hi"})), (404, "not_found"),
           "posting to an unknown room: 404")
        eq(err_code(post("alice", {"to": "nobody", "text": "hi"})), (404, "not_found"),
           "direct message to an unknown user: 404")

        st, _, m1 = post("alice", {"room": "NGS", "text": "first", "client_id": "c-1"})
        ok(st == 201 and m1["id"] > 0 and m1["ts"].endswith("Z"), "message stored: 201 with id and ts", m1)
        st, _, again = post("alice", {"room": "NGS", "text": "first", "client_id": "c-1"}, proc=1)
        eq((st, again), (200, m1), "same client_id, other process: same id, nothing new")
        st, _, other = post("bob", {"room": "NGS", "text": "first", "client_id": "c-1"})
        ok(st == 201 and other["id"] > m1["id"], "another user's same client_id is a new message")
        st, _, dm = post("bob", {"to": "carol", "text": "psst"})
        eq(st, 201, "direct message to carol")
        st, _, allmsg = post("carol", {"room": "all", "text": "hello everyone"})
        eq(st, 201, "everyone may post to all")

        # --- the long poll --------------------------------------------------
        st, _, ev = api("carol", "GET", "/v1/events")
        eq(st, 200, "events without since")
        eq((ev["events"], ev["cursor"]), ([], allmsg["id"]), "no since: no events, the current cursor")
        for q, why in [("since=abc", "not a number"), ("since=-1", "negative"), ("since=1.5", "fraction"),
                       ("since=%zz", "bad encoding"), ("since=99999999", "beyond the newest id"),
                       ("since=0&timeout=x", "bad timeout")]:
            eq(err_code(api("carol", "GET", "/v1/events", query=q)), (400, "bad_request"), "since %s: 400" % why)

        def events(user, since, timeout=0, proc=0):
            st, _, body = api(user, "GET", "/v1/events", query="since=%d&timeout=%d" % (since, timeout), proc=proc)
            assert st == 200, (st, body)
            return body

        seen_c = events("carol", 0)
        kinds = [(e["type"], e.get("room"), e.get("to")) for e in seen_c["events"]]
        ok(all(e.get("room") != "NGS" for e in seen_c["events"]), "carol (not in NGS) sees nothing of NGS", kinds)
        ok(("direct", None, "carol") in kinds, "carol sees the direct message to her")
        ok(("message", "all", None) in kinds, "carol sees all")
        ok(("join", "ad hoc", None) in kinds and ("leave", "ad hoc", None) in kinds,
           "carol sees her own join and leave")
        ids = [e["id"] for e in seen_c["events"]]
        eq(ids, sorted(set(ids)), "ids strictly increasing")
        eq(seen_c["cursor"], ids[-1], "cursor is the last id returned")
        seen_a = events("alice", 0)
        ok(all(e["type"] != "direct" for e in seen_a["events"]), "alice does not see bob's DM to carol")
        ok(any(e.get("text") == "first" for e in seen_a["events"]), "alice sees NGS")
        dmev = [e for e in events("bob", 0)["events"] if e["type"] == "direct"]
        ok(len(dmev) == 1 and dmev[0]["to"] == "carol" and "room" not in dmev[0],
           "the sender sees the DM, with to and no room", dmev)
        msg = [e for e in seen_a["events"] if e.get("text") == "first"][0]
        eq(set(msg), {"id", "type", "ts", "room", "user", "text"}, "message event fields")
        eq(set(msg["user"]), {"id", "username", "gravatar"}, "user object fields")
        eq(msg["user"]["gravatar"], "", "no hash of the sender's email in events with avatars = initials")

        # following the cursor sees everything once, across both processes
        cursor, got = 0, []
        for i in range(6):
            b = events("alice", cursor, proc=i % 2)
            got += [e["id"] for e in b["events"]]
            cursor = b["cursor"]
        eq(got, [e["id"] for e in seen_a["events"]], "cursor walk across processes: each event once")

        # a poll waiting in process 1 is woken by a message sent through process 0
        newest = api("bob", "GET", "/v1/events")[2]["cursor"]
        box = {}

        def wait_poll():
            t = time.monotonic()
            box["body"] = events("bob", newest, timeout=8, proc=1)
            box["t"] = time.monotonic()
        th = threading.Thread(target=wait_poll)
        th.start()
        time.sleep(0.5)
        sent = time.monotonic()
        st, _, m = post("alice", {"room": "NGS", "text": "wake up"}, proc=0)
        th.join(10)
        ok(not th.is_alive(), "the waiting poll returned")
        ok([e["id"] for e in box["body"]["events"]] == [m["id"]], "it carried the new message", box)
        lat = box["t"] - sent
        ok(lat < 2.0, "cross-process wakeup well before the timeout (%.1f ms)" % (lat * 1000))

        # an invisible event does not wake a poll; a timeout answers empty
        newest = api("carol", "GET", "/v1/events")[2]["cursor"]
        t = time.monotonic()
        box = {}
        th = threading.Thread(target=lambda: box.update(b=events("carol", newest, timeout=2, proc=1)))
        th.start()
        time.sleep(0.3)
        post("alice", {"room": "NGS", "text": "carol cannot see this"})
        th.join(10)
        took = time.monotonic() - t
        eq((box["b"]["events"], box["b"]["cursor"]), ([], newest), "timeout: empty, cursor unchanged")
        ok(1.8 <= took < 4, "it waited for its timeout (%.2f s)" % took)
        t = time.monotonic()
        events("carol", newest, timeout=0)
        ok(time.monotonic() - t < 1, "timeout=0 answers at once")

        # a join by the poller itself, seen by its own waiting poll
        newest = api("carol", "GET", "/v1/events")[2]["cursor"]
        box = {}
        th = threading.Thread(target=lambda: box.update(b=events("carol", newest, timeout=8, proc=1)))
        th.start()
        time.sleep(0.3)
        api("carol", "POST", "/v1/rooms/NGS/join", proc=0)
        th.join(10)
        eq([e["type"] for e in box["b"]["events"]], ["join"], "a poll sees its user's own join")
        st, _, m = post("alice", {"room": "NGS", "text": "now carol sees"})
        eq([e.get("text") for e in events("carol", box["b"]["cursor"])["events"]], ["now carol sees"],
           "after joining, the room's messages are visible")

        # --- history and who -------------------------------------------------
        api("bob", "POST", "/v1/rooms/RNA-Seq/join")
        for i in range(7):
            post("bob", {"room": "RNA-Seq", "text": "h%d" % i})
        st, _, h1 = api("bob", "GET", "/v1/rooms/RNA-Seq/messages", query="limit=3")
        eq([e.get("text") for e in h1["events"]], ["h4", "h5", "h6"], "history: newest page, oldest first")
        ok(h1["more"] is True, "more older events")
        st, _, h2 = api("bob", "GET", "/v1/rooms/RNA-Seq/messages",
                        query="limit=500&before=%d" % h1["events"][0]["id"])
        eq([e.get("text") for e in h2["events"]], [None, "h0", "h1", "h2", "h3"], "history: the page before")
        ok(h2["more"] is False, "no more")
        for q in ["limit=0", "limit=501", "limit=x", "before=0", "before=-3"]:
            eq(err_code(api("bob", "GET", "/v1/rooms/RNA-Seq/messages", query=q)), (400, "bad_request"),
               "history %s: 400" % q)
        eq(err_code(api("alice", "GET", "/v1/rooms/RNA-Seq/messages")), (403, "forbidden"),
           "history of a room one is not in: 403")
        eq(err_code(api("alice", "GET", "/v1/rooms/nowhere/messages")), (404, "not_found"),
           "history of an unknown room: 404")
        ok(api("carol", "GET", "/v1/rooms/all/messages")[0] == 200, "everyone reads all's history")
        st, _, who = api("alice", "GET", "/v1/rooms/NGS/who")
        eq(st, 200, "who")
        ok({"alice", "bob"} <= {u["username"] for u in who["users"]}, "who lists members seen lately", who)
        eq(err_code(api("alice", "GET", "/v1/rooms/nowhere/who")), (404, "not_found"), "who of unknown room: 404")
        st, _, body = api("carol", "GET", "/v1/rooms/RNA-Seq/who")
        ok(st == 403 and "users" not in body, "who of a room one is not in: 403, nobody listed", body)
        ok("carol" in {u["username"] for u in api("carol", "GET", "/v1/rooms/all/who")[2]["users"]},
           "everyone sees who is in all")

        # --- strict UTF-8 in every text field ---------------------------------
        def raw_path(b):
            return b.decode("utf-8", "surrogateescape")
        cursor = api("alice", "GET", "/v1/events")[2]["cursor"]
        for bad, why in [(b"\xc0\xaf", "overlong C0 AF"), (b"\xed\xa0\x80", "surrogate ED A0 80"),
                         (b"\xf4\x90\x80\x80", "above U+10FFFF F4 90 80 80")]:
            st, _, body = post("alice", b'{"room":"NGS","text":"x' + bad + b'y"}', content_type="application/json")
            ok(st == 400 and "UTF-8" in body["error"]["message"], "text with %s: 400 saying UTF-8" % why, body)
            for field, doc in [(b'{"to":"b' + bad + b'ob","text":"hi"}', "recipient"),
                               (b'{"room":"NGS","text":"hi","client_id":"c' + bad + b'"}', "client_id"),
                               (b'{"room":"NGS","text":"hi","extra":"' + bad + b'"}', "an unknown field")]:
                eq(err_code(post("alice", field, content_type="application/json")), (400, "bad_request"),
                   "%s with %s: 400" % (doc, why))
            q = "".join("%%%02X" % c for c in bad)
            eq(err_code(api("alice", "GET", "/v1/search", query="q=a" + q)), (400, "bad_request"),
               "search words with %s: 400" % why)
            eq(err_code(api("alice", "POST", raw_path(b"/v1/users/b" + bad + b"/mute"), body={"minutes": 5})),
               (400, "bad_request"), "mute of a username with %s: 400" % why)
            eq(err_code(api("alice", "POST", raw_path(b"/v1/rooms/r" + bad + b"/join"))), (400, "bad_request"),
               "room name with %s: 400" % why)
        body = api("alice", "GET", "/v1/events", query="since=%d" % cursor)[2]
        ok(isinstance(body, dict) and body["events"] == [], "nothing of it was stored: events decode",
           body if isinstance(body, dict) else body[:300])
        eq(post("alice", {"room": "NGS", "text": "\ud83e\uddec \u00e9 \ud800"})[0], 201,
           "escaped pairs and a lone escaped surrogate (read as U+FFFD) are fine")

        # --- look-alike names cannot make new rooms ------------------------------
        for name, why in [("all ", "a trailing space"), (" all", "a leading space"), (" ", "a lone space"),
                          ("a\u200bll", "a zero-width space"), ("\u202ella", "a right-to-left override"),
                          ("all\u2066", "a bidi isolate"), ("\ufeffall", "a BOM"), ("al\u00adl", "a soft hyphen"),
                          ("NGS\u00a0", "a trailing no-break space"), ("\u200fNGS", "a right-to-left mark")]:
            st, _, body = api("bob", "POST", "/v1/rooms/" + name + "/join")
            ok(st == 400 and body["error"]["code"] == "bad_request", "a new room with %s: 400" % why, body)
        names = [r["name"] for r in api("bob", "GET", "/v1/rooms")[2]["rooms"]]
        ok(not [n for n in names if n.strip() != n or any(c in n for c in "\u200b\u202e\u2066\ufeff\u00ad")],
           "none of them was created", names)
        st, _, j = api("bob", "POST", "/v1/rooms/ALL/join")
        eq((st, j.get("room"), j.get("event")), (200, "all", None), "ALL is all (A-Z compared without case)")
        if not store_url:   # a look-alike made before the rule keeps working
            import sqlite3
            db = sqlite3.connect(env.store, timeout=10)
            db.execute("INSERT INTO rooms (name, persistent, created) VALUES ('all ', 0, '2020-01-01T00:00:00.000Z')"
                       " ON CONFLICT DO NOTHING")
            db.commit()
            db.close()
            eq(api("bob", "POST", "/v1/rooms/all /join")[0], 200, "an old look-alike room can still be joined")
            eq(post("bob", {"room": "all ", "text": "old room"})[0], 201, "and posted to")
            eq(api("bob", "POST", "/v1/rooms/all /leave")[0], 200, "and left")

        # --- ad-hoc rooms nobody is in are not listed -------------------------------
        for i in range(5):
            api("carol", "POST", "/v1/rooms/passing %d/join" % i)
            api("carol", "POST", "/v1/rooms/passing %d/leave" % i)
        api("carol", "POST", "/v1/rooms/kept/join")
        post("carol", {"room": "kept", "text": "still here"})
        api("carol", "POST", "/v1/rooms/kept/leave")
        for user in ("alice", "carol"):
            names = [r["name"] for r in api(user, "GET", "/v1/rooms")[2]["rooms"]]
            ok(not [n for n in names if n.startswith("passing") or n in ("kept", "ad hoc")],
               "%s: empty ad-hoc rooms are not listed" % user, names)
        ok({"all", "NGS", "RNA-Seq"} <= set(names), "persistent rooms are, members or not")
        eq(err_code(api("alice", "GET", "/v1/rooms/kept/messages")), (403, "forbidden"),
           "an empty room still exists: its history is 403 to non-members, not 404")
        eq(api("carol", "POST", "/v1/rooms/kept/join")[0], 200, "rejoining an emptied room")
        eq([e.get("text") for e in api("carol", "GET", "/v1/rooms/kept/messages")[2]["events"]
            if e["type"] == "message"], ["still here"], "finds its history")
        ok("kept" in [r["name"] for r in api("alice", "GET", "/v1/rooms")[2]["rooms"]],
           "a room with a member is listed again")

        # --- at most 500 events per answer ---------------------------------
        start = api("bob", "GET", "/v1/events")[2]["cursor"]
        for i in range(520):
            post("carol", {"room": "all", "text": "bulk %d" % i})
        b1 = events("bob", start)
        eq(len(b1["events"]), 500, "a poll returns at most 500 events")
        b2 = events("bob", b1["cursor"])
        eq(len(b2["events"]), 20, "the rest follow from the cursor")

        # --- a waiting poll is no way around auth_cache_seconds (2 s here) ---
        def park(users, cursor):
            """Polls waiting in process 1; returns (threads, box of answers)."""
            box = {}
            ths = [threading.Thread(target=lambda u=u: box.update({u: api(
                u, "GET", "/v1/events", query="since=%d&timeout=8" % cursor, proc=1)})) for u in users]
            for th in ths:
                th.start()
            time.sleep(0.5)
            return ths, box

        cursor = b2["cursor"]
        ths, box = park(("bob", "carol"), cursor)
        env.galaxy_db.set_user(env.user_ids["carol"], deleted=True)
        time.sleep(2.5)   # the session checks of both polls are older than the window now
        st, _, m = post("alice", {"room": "all", "text": "after carol's account was deleted"})
        for th in ths:
            th.join(10)
        eq(err_code(box["carol"]), (401, "unauthorized"),
           "a poll parked before its account was deleted gets 401, not the message sent later")
        eq([e["id"] for e in box["bob"][2]["events"]], [m["id"]],
           "a poll parked as long, whose session is still good, gets the message")
        # the cache already knows the session is gone: answered so at once
        ths, box = park(("bob",), m["id"])
        env.galaxy_db.set_user(env.user_ids["bob"], deleted=True)
        time.sleep(2.5)
        eq(err_code(api("bob", "GET", "/v1/me")), (401, "unauthorized"), "bob's account deleted too")
        post("alice", {"room": "all", "text": "after bob's account was deleted"})
        ths[0].join(10)
        eq(err_code(box["bob"]), (401, "unauthorized"), "his waiting poll gets 401 too")


def avatars():
    """avatars = gravatar is the site's choice, told by /v1/me; anything but
    initials or gravatar is refused at start, naming the key."""
    with ChatEnv(users=["alice"], options={"avatars": "gravatar"}) as env:
        st, _, me = env.api("alice", "GET", "/v1/me")
        eq((st, me.get("avatars")), (200, "gravatar"), "me: avatars = gravatar when the site opts in")
        eq(len(me["user"]["gravatar"]), 32, "me: and the users carry their gravatar md5")
        st, _, r = env.api("alice", "POST", "/v1/messages", {"room": "all", "text": "hi"})
        st, _, ev = env.api("alice", "GET", "/v1/events", query="since=0")
        msgs = [e for e in ev.get("events", []) if e.get("type") == "message"]
        ok(msgs and msgs[-1]["user"]["gravatar"] == me["user"]["gravatar"], "so do the events", ev)
    with tempfile.TemporaryDirectory(prefix="gc-avatars-") as d:
        ini = os.path.join(d, "bad.ini")
        with open(ini, "w") as f:
            f.write("[chat]\nstore = %s/chat.sqlite\nid_secret = s\navatars = yes\n" % d)
        p = subprocess.run([BINARY, "check", "-c", ini], capture_output=True, text=True, timeout=30)
        ok(p.returncode != 0 and "avatars" in p.stderr and "initials or gravatar" in p.stderr,
           "avatars = yes is refused at start", p.stderr)


if __name__ == "__main__":
    run(lambda: (main(), avatars()))
