"""Issue 18 through the HTTP API, against the real binary: two responder
processes sharing one store, Galaxy's schema in SQLite, genuine cookies.
Mentions (members and not, oneself, code, punctuation, Galaxy's renames,
users who never used the chat), read markers (forward only, the read
event on every tab and device of its user and nobody else's), unread
counts (own messages, removals, leaving and joining again), settings.

The store is an SQLite file; tests/attention_pg.py runs this same main()
against a PostgreSQL store."""

import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from chatenv import ChatEnv  # noqa: E402
from tap import ok, eq, run  # noqa: E402


def code(resp):
    st, _, body = resp
    return st, (body or {}).get("error", {}).get("code") if isinstance(body, dict) else None


def main(store_url=None):
    with ChatEnv(users=["alice", "bob", "carol", "dave", "erin"], processes=2,
                 options={"rate": "off", "join_rate": "off"}, store_url=store_url) as env:
        api = env.api

        def post(user, body, **kw):
            st, _, b = api(user, "POST", "/v1/messages", body=body, **kw)
            assert st in (200, 201), (st, b)
            return b["id"]

        def events(user, since, timeout=0, proc=0):
            st, _, b = api(user, "GET", "/v1/events", query="since=%d&timeout=%d" % (since, timeout),
                           proc=proc, timeout=timeout + 30)
            assert st == 200, (st, b)
            return b

        def event(user, since, eid):
            return next((e for e in events(user, since)["events"] if e["id"] == eid), None)

        def cursor(user):
            return api(user, "GET", "/v1/events")[2]["cursor"]

        def unread(user):
            st, _, b = api(user, "GET", "/v1/unread")
            assert st == 200, (st, b)
            return b

        def room_count(user, room, key="unread"):
            return next((r[key] for r in unread(user)["rooms"] if r["name"] == room), None)

        def direct_count(user, peer):
            return next((d["unread"] for d in unread(user)["direct"] if d["with"] == peer), 0)

        def read(user, body, proc=0, **kw):
            return api(user, "POST", "/v1/read", body=body, proc=proc, **kw)

        for u in ("alice", "bob", "carol"):   # they have used the chat
            api(u, "GET", "/v1/me")
        for u in ("alice", "bob"):
            api(u, "POST", "/v1/rooms/NGS/join")

        # --- mentions -------------------------------------------------------
        since = cursor("bob")
        m1 = post("alice", {"room": "NGS", "text": "thanks @bob. and @Carol, @alice, @nobody!"})
        e = event("bob", since, m1)
        eq(e and e.get("mentions"), ["bob"],
           "mentions: a member, not a non-member (carol), not oneself, not a name nobody has")
        eq(room_count("bob", "NGS", "mentions"), 1, "bob has an unread mention in NGS")
        eq(room_count("alice", "NGS"), 0, "the author's own message is not unread for her")
        m2 = post("alice", {"room": "NGS", "text": "see `@bob` and\n```\n@bob in a block\n```"})
        ok("mentions" not in event("bob", since, m2), "a name inside code mentions no one")
        m3 = post("alice", {"room": "NGS", "text": "mail bob@example.org or (@BOB)"})
        eq(event("bob", since, m3).get("mentions"), ["bob"],
           "an address is no mention; brackets and capitals are fine")
        m4 = post("alice", {"room": "all", "text": "@carol @dave welcome"})
        eq(event("carol", since, m4).get("mentions"), ["carol"],
           "in all, anyone who used the chat; dave never did, so he cannot be")
        eq(room_count("carol", "all", "mentions"), 1, "carol's mention in all counts")
        dm = post("alice", {"to": "bob", "text": "@bob @carol psst"})
        eq(event("bob", since, dm).get("mentions"), ["bob"], "a direct message mentions its recipient only")
        eq(direct_count("bob", "alice"), 1, "and is unread for him")
        st, _, h = api("bob", "GET", "/v1/rooms/NGS/messages")
        eq(next(x for x in h["events"] if x["id"] == m1).get("mentions"), ["bob"],
           "history carries mentions too")

        # a Galaxy rename: the name is Galaxy's as it is now, and the user's
        # as the chat last saw it
        env.galaxy_db.set_user(env.user_ids["bob"], username="robert")
        m5 = post("alice", {"room": "NGS", "text": "@bob, still there?"})
        ok("mentions" not in event("alice", since, m5), "after a rename the old name mentions no one")
        m6 = post("alice", {"room": "NGS", "text": "@robert?"})
        ok("mentions" not in event("alice", since, m6),
           "nor does the new one before the chat has seen him under it")
        time.sleep(2.5)   # auth_cache_seconds = 2: his next request carries the new name
        api("bob", "GET", "/v1/me")
        m7 = post("alice", {"room": "NGS", "text": "@robert!"})
        eq(event("alice", since, m7).get("mentions"), ["robert"], "once it has, it does")
        env.galaxy_db.set_user(env.user_ids["bob"], username="bob")
        time.sleep(2.5)
        api("bob", "GET", "/v1/me")

        # --- read markers ---------------------------------------------------
        newest = cursor("bob")
        for bad, why in [({}, "nothing"), ({"room": "NGS"}, "no id"), ({"id": m1}, "no room or with"),
                         ({"room": "NGS", "with": "alice", "id": m1}, "both"),
                         ({"room": "NGS", "id": "1"}, "an id as a string"),
                         ({"room": "NGS", "id": 1.5}, "a fraction"), ({"room": "NGS", "id": 0}, "id 0"),
                         ({"room": 7, "id": m1}, "a numeric room"), ({"room": "", "id": m1}, "empty room"),
                         ({"with": "", "id": dm}, "empty with"),
                         ({"room": "NGS", "id": newest + 1}, "beyond the newest event"),
                         ({"room": "NGS", "id": m4}, "an event of another room"),
                         ({"room": "NGS", "id": dm}, "a direct message as a room's"),
                         ({"with": "alice", "id": m1}, "a room message as a direct one"),
                         ({"with": "carol", "id": dm}, "another conversation's direct message")]:
            eq(code(read("bob", bad)), (400, "bad_request"), "POST /v1/read, %s: 400" % why)
        eq(code(read("carol", {"room": "NGS", "id": m1})), (403, "forbidden"), "not a member: 403")
        eq(code(read("bob", {"room": "nowhere", "id": m1})), (404, "not_found"), "an unknown room: 404")
        eq(code(read("bob", {"with": "nobody", "id": dm})), (404, "not_found"), "no such user: 404")
        eq(code(read("bob", {"with": "dave", "id": dm})), (404, "not_found"),
           "a user who never used the chat: 404, as for direct messages")
        eq(code(read("bob", {"room": "NGS", "id": m1}, content_type="text/plain")), (403, "forbidden"),
           "a state-changing request: JSON only")

        # two tabs of bob's (one per process) and one of alice's wait
        since = cursor("bob")
        box = {}
        tabs = [threading.Thread(target=lambda k=k, p=p, u=u: box.update({k: events(u, since, 8, p)}))
                for k, p, u in (("tab0", 0, "bob"), ("tab1", 1, "bob"), ("alice", 1, "alice"))]
        for t in tabs:
            t.start()
        time.sleep(0.5)
        st, _, r = read("bob", {"room": "NGS", "id": m3})
        eq((st, r.get("room"), r.get("read")), (200, "NGS", m3), "bob has read NGS up to m3")
        eq((r.get("unread"), r.get("mentions")), (3, 1),
           "alice's three messages after it are unread (m5, m6, m7), one mentions him (m7)")
        ok(r["event"] and r["event"] > since, "a read event", r)
        tabs[0].join(10)
        tabs[1].join(10)
        for k in ("tab0", "tab1"):
            evs = box.get(k, {}).get("events", [])
            eq([(x["type"], x.get("room"), x.get("read"), x["user"]["username"]) for x in evs],
               [("read", "NGS", m3, "bob")], "bob's %s gets the read event" % k)
        read("alice", {"room": "NGS", "id": m7})   # alice's own, which her poll may see
        tabs[2].join(10)
        ok(all(x["type"] != "read" or x["user"]["username"] == "alice"
               for x in box.get("alice", {}).get("events", [])),
           "alice's poll never gets bob's read event", box.get("alice"))
        ok(all(x["type"] != "read" for x in events("carol", since)["events"]), "nor does carol's")

        st, _, r = read("bob", {"room": "NGS", "id": m1}, proc=1)
        eq((st, r["read"], r["event"]), (200, m3, None), "an older id: the marker stays, no event")
        st, _, r = read("bob", {"room": "NGS", "id": m7})
        eq((r["read"], r["unread"], r["mentions"]), (m7, 0, 0), "read to the end")
        st, _, r = read("bob", {"with": "alice", "id": dm})
        eq((st, r["with"], r["read"], r["unread"]), (200, "alice", dm, 0),
           "bob reads alice's direct messages")
        ok("mentions" not in r and r["event"], "no mentions in a direct conversation; a read event", r)
        rd = event("bob", r["event"] - 1, r["event"])
        eq((rd["type"], rd.get("with"), rd.get("read"), "room" in rd, "to" in rd),
           ("read", "alice", dm, False, False), "{\"type\": \"read\", \"with\": \"alice\", \"read\": N}")
        ok(event("alice", r["event"] - 1, r["event"]) is None, "alice does not see it")
        st, _, h = api("bob", "GET", "/v1/rooms/NGS/messages")
        ok(all(x["type"] != "read" for x in h["events"]), "read events are in no room's history")

        # --- unread counts --------------------------------------------------
        u = unread("bob")
        eq(set(u), {"rooms", "direct", "total", "mentions"}, "GET /v1/unread's fields")
        eq(u["rooms"][0]["name"], "all", "all first")
        eq(set(u["rooms"][0]), {"name", "unread", "mentions", "read"}, "a room's fields")
        eq({r["name"] for r in u["rooms"]}, {"all", "NGS"}, "all and the rooms bob is in")
        eq(u["direct"], [], "no direct conversation with something unread")
        eq(u["total"], sum(r["unread"] for r in u["rooms"]), "total")
        b1 = post("bob", {"room": "NGS", "text": "mine"})
        a1 = post("alice", {"room": "NGS", "text": "@bob hers"})
        b2 = post("bob", {"room": "NGS", "text": "mine again"})
        eq((room_count("bob", "NGS"), room_count("bob", "NGS", "mentions")), (1, 1),
           "bob's own messages never count, alice's does, with its mention")
        read("bob", {"room": "NGS", "id": b1})
        eq(room_count("bob", "NGS"), 1, "read up to his own: hers is left")
        st, _, x = api("alice", "DELETE", "/v1/messages/%d" % a1)
        eq(st, 200, "alice removes hers")
        eq((room_count("bob", "NGS"), room_count("bob", "NGS", "mentions")), (0, 0),
           "a removed message and its mention stop counting")
        ok("mentions" not in event("bob", b1, a1) and event("bob", b1, a1).get("deleted"),
           "and the removed message shows no mentions")
        d2 = post("alice", {"to": "bob", "text": "one"})
        post("alice", {"to": "bob", "text": "two"})
        u = unread("bob")
        eq([(d["with"], d["unread"]) for d in u["direct"]], [("alice", 2)], "two direct messages unread")
        eq(u["total"], sum(r["unread"] for r in u["rooms"]) + 2, "total counts them")
        api("alice", "DELETE", "/v1/messages/%d" % d2)
        eq(direct_count("bob", "alice"), 1, "one removed: one left")
        eq(direct_count("alice", "bob"), 0, "nothing for the sender")

        api("bob", "POST", "/v1/rooms/NGS/leave")
        eq(room_count("bob", "NGS"), None, "a room left is not listed")
        post("alice", {"room": "NGS", "text": "while bob is away"})
        api("bob", "POST", "/v1/rooms/NGS/join", proc=1)
        eq(room_count("bob", "NGS"), 0, "joined again: what was said meanwhile is history, not unread")
        post("alice", {"room": "NGS", "text": "welcome back"})
        eq(room_count("bob", "NGS"), 1, "what is said now is")
        eq(code(api("bob", "DELETE", "/v1/unread")), (405, "method_not_allowed"), "GET only")
        eq(code(api(None, "GET", "/v1/unread")), (401, "unauthorized"), "no cookie: 401")

        # --- settings -------------------------------------------------------
        eq(api("bob", "GET", "/v1/me/settings")[2], {"email": "mentions"}, "email: mentions by default")
        st, _, s = api("bob", "PUT", "/v1/me/settings", body={"email": "off", "other": 1})
        eq((st, s), (200, {"email": "off"}), "PUT turns emails off (unknown fields ignored)")
        eq(api("bob", "GET", "/v1/me/settings", proc=1)[2], {"email": "off"}, "kept in the store")
        for bad in ({"email": "always"}, {"email": 1}, {}, {"email": None}):
            eq(code(api("bob", "PUT", "/v1/me/settings", body=bad)), (400, "bad_request"),
               "PUT %r: 400" % (bad,))
        eq(code(api("bob", "PUT", "/v1/me/settings", body={"email": "mentions"},
                    origin="https://evil.example")), (403, "forbidden"), "PUT from another site: 403")
        eq(api("bob", "GET", "/v1/me/settings")[2], {"email": "off"}, "unchanged by the refusals")
        st, h, _ = api("bob", "POST", "/v1/me/settings", body={"email": "off"})
        eq((st, h.get("allow")), (405, "GET, PUT"), "POST: 405 with Allow: GET, PUT")
        eq(api("carol", "GET", "/v1/me/settings")[2], {"email": "mentions"}, "each user has their own")


if __name__ == "__main__":
    run(main)
