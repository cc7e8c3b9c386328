"""Room topics and pinned messages (issue 21.2) against the real binary: two
responder processes sharing one store, genuine cookies. Admins set a
room's topic (PUT /v1/rooms/{room}/topic) and pin its messages (PUT and
DELETE /v1/rooms/{room}/pins/{id}, at most 10); each change is an event to
the room's members (everyone for all), and GET /v1/rooms and /v1/me list
topics, and pins where the user may look. Bad input is refused as posting
refuses it; a pinned message that is removed is unpinned. Topics from
[chat]'s room_topic.NAME are there from the start.

The store is an SQLite file; tests/topics_pg.py runs this same main()
against a PostgreSQL store (store_url)."""

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
                 options={"max_message_bytes": "100", "max_body_bytes": "4096", "rate": "off",
                          "join_rate": "off", "room_topic.all": "Ask anything here",
                          "room_topic.rna-seq": "Reads to counts"},
                 store_url=store_url) as env:
        api = env.api

        def topic(user, room, body, **kw):
            return api(user, "PUT", "/v1/rooms/%s/topic" % room, body=body, **kw)

        def pin(user, room, mid, method="PUT", **kw):
            return api(user, method, "/v1/rooms/%s/pins/%s" % (room, mid), body={}, **kw)

        def post(user, room, text):
            st, _, m = api(user, "POST", "/v1/messages", body={"room": room, "text": text})
            assert st == 201, (st, m)
            return m["id"]

        def events(user, since, timeout=0, proc=0):
            st, _, body = api(user, "GET", "/v1/events", query="since=%d&timeout=%d" % (since, timeout),
                              proc=proc)
            assert st == 200, (st, body)
            return body

        def rooms(user, path="/v1/rooms"):
            return {r["name"]: r for r in api(user, "GET", path)[2]["rooms"]}

        def cursor(user):
            return api(user, "GET", "/v1/events")[2]["cursor"]

        # --- the configuration's topics -----------------------------------
        me = rooms("carol", "/v1/me")
        eq((me["all"]["topic"], me["RNA-Seq"]["topic"], me["NGS"]["topic"]),
           ("Ask anything here", "Reads to counts", ""),
           "room_topic.NAME: the topics are there from the start (the name in any case)")
        eq(me["all"]["pins"], [], "me: all's pins, none yet")
        ok("pins" not in me["NGS"], "me: no pins of a room carol is not in", me["NGS"])

        for u in ("alice", "bob"):
            api(u, "POST", "/v1/rooms/NGS/join")

        # --- setting a topic ----------------------------------------------
        start_b, start_c = cursor("bob"), cursor("carol")
        eq(err_code(topic("bob", "NGS", {"topic": "mine"})), (403, "forbidden"), "a non-admin: 403")
        st, _, t = topic("alice", "NGS", {"topic": "Sequencing: mapping, QC"})
        ok(st == 200 and t["room"] == "NGS" and t["topic"] == "Sequencing: mapping, QC" and t["event"],
           "an admin sets NGS's topic", t)
        st, _, t2 = topic("alice", "NGS", {"topic": "Sequencing: mapping, QC"}, proc=1)
        eq((st, t2["event"]), (200, None), "the same topic again (other process): no event")
        eq(rooms("bob")["NGS"]["topic"], "Sequencing: mapping, QC", "rooms: the topic")
        eq(rooms("carol")["NGS"]["topic"], "Sequencing: mapping, QC", "rooms: to a non-member too")
        eq(rooms("bob", "/v1/me")["NGS"]["topic"], "Sequencing: mapping, QC", "me: the topic")
        evs = [e for e in events("bob", start_b)["events"] if e["type"] == "topic"]
        ok(len(evs) == 1 and evs[0]["id"] == t["event"] and evs[0]["room"] == "NGS" and
           evs[0]["topic"] == "Sequencing: mapping, QC" and evs[0]["user"]["username"] == "alice",
           "a member gets the topic event", evs)
        eq(set(evs[0]), {"id", "type", "ts", "room", "user", "topic"}, "topic event fields")
        ok(not [e for e in events("carol", start_c)["events"] if e.get("room") == "NGS"],
           "a non-member does not")

        # a poll waiting in process 1 is woken by a topic set through process 0
        newest = cursor("carol")
        box = {}
        th = threading.Thread(target=lambda: box.update(b=events("carol", newest, timeout=8, proc=1)))
        th.start()
        time.sleep(0.5)
        st, _, t = topic("alice", "all", {"topic": "Ask anything here, politely"})
        th.join(10)
        ok([(e["type"], e["topic"]) for e in box["b"]["events"]] == [("topic", "Ask anything here, politely")]
           and box["b"]["events"][0]["id"] == t["event"], "all's topic reaches a waiting poll at once", box)
        st, _, t = topic("alice", "NGS", {"topic": ""})
        ok(st == 200 and t["event"] and rooms("bob")["NGS"]["topic"] == "", "an empty topic clears it")
        topic("alice", "NGS", {"topic": "Sequencing: mapping, QC"})

        # --- bad topics: as posting refuses ---------------------------------
        before = cursor("alice")
        for body, why in [(b"{", "malformed JSON"), (b"[]", "an array"), (b"{}", "no topic"),
                          (b'{"topic": 5}', "a number"), (b'{"topic": null}', "null"),
                          (b'{"topic": "a\\u0000b"}', "a NUL"), (b'{"topic": "a\\u0001b"}', "a control"),
                          (b'{"topic": "one\\ntwo"}', "a newline"), (b'{"topic": "a\\tb"}', "a tab"),
                          (b'{"topic": "a\\u2028b"}', "a line separator"), (b'{"topic": "  "}', "blank"),
                          (b'{"topic": "\xff"}', "invalid UTF-8"),
                          (b'{"topic": "\xed\xa0\x80"}', "a surrogate"), (b"", "no body")]:
            eq(err_code(topic("alice", "NGS", body, content_type="application/json")),
               (400, "bad_request"), "topic with %s: 400" % why)
        eq(topic("alice", "NGS", {"topic": "x" * 500})[0], 200, "500 bytes: fine")
        st, _, body = topic("alice", "NGS", {"topic": "\u00e9" * 251})
        ok(st == 413 and body["error"]["code"] == "too_large" and "502 bytes" in body["error"]["message"],
           "502 bytes: 413, as an over-long message", body)
        topic("alice", "NGS", {"topic": "Sequencing: mapping, QC"})
        eq(err_code(topic("alice", "nowhere", {"topic": "x"})), (404, "not_found"), "an unknown room: 404")
        eq(err_code(topic("alice", "a\x01b", {"topic": "x"})), (400, "bad_request"), "a bad room name: 400")
        eq(err_code(topic("alice", "NGS", b'{"topic":"x"}', content_type="text/plain")),
           (403, "forbidden"), "text/plain: 403")
        eq(err_code(topic("alice", "NGS", {"topic": "x"}, origin="https://evil.example")),
           (403, "forbidden"), "a foreign Origin: 403")
        st, h, _ = api("alice", "GET", "/v1/rooms/NGS/topic")
        eq((st, h.get("allow")), (405, "PUT"), "GET on the topic: 405 Allow: PUT")
        eq([e["topic"] for e in events("alice", before)["events"] if e["type"] == "topic"],
           ["x" * 500, "Sequencing: mapping, QC"], "only the good topics were stored")

        # --- pins ---------------------------------------------------------
        ms = [post("bob", "NGS", "pin me %d" % i) for i in range(11)]
        in_all = post("carol", "all", "a message of all")
        st, _, dm = api("bob", "POST", "/v1/messages", body={"to": "alice", "text": "a DM"})
        start_b, start_c = cursor("bob"), cursor("carol")
        eq(err_code(pin("bob", "NGS", ms[0])), (403, "forbidden"), "a non-admin pins: 403")
        st, _, p = pin("alice", "NGS", ms[0])
        ok(st == 200 and p == {"room": "NGS", "id": ms[0], "pinned": True, "event": p["event"]} and p["event"],
           "an admin pins a message", p)
        eq(pin("alice", "NGS", ms[0], proc=1)[2]["event"], None, "pinning again: no event")
        evs = [e for e in events("bob", start_b)["events"] if e["type"] == "pin"]
        ok(len(evs) == 1 and evs[0]["target"] == ms[0] and evs[0]["pinned"] is True and
           evs[0]["room"] == "NGS" and evs[0]["user"]["username"] == "alice", "members get the pin event", evs)
        eq(set(evs[0]), {"id", "type", "ts", "room", "user", "target", "pinned"}, "pin event fields")
        ok(not [e for e in events("carol", start_c)["events"] if e["type"] == "pin"], "a non-member does not")
        got = rooms("bob")["NGS"]["pins"]
        ok(len(got) == 1 and got[0]["id"] == ms[0] and got[0]["text"] == "pin me 0" and
           got[0]["user"]["username"] == "bob" and got[0]["pinned_by"] == "alice" and
           got[0]["pinned_at"].endswith("Z"), "rooms: the pin, as the message with who pinned it", got)
        eq(rooms("bob", "/v1/me")["NGS"]["pins"], got, "me: the same")
        ok("pins" not in rooms("carol")["NGS"], "no pins to a non-member", rooms("carol")["NGS"])
        eq(pin("alice", "all", in_all)[0], 200, "a message of all is pinned")
        eq([x["id"] for x in rooms("carol")["all"]["pins"]], [in_all], "and everyone sees all's pins")

        for mid, why in [(in_all, "a message of another room"), (dm["id"], "a direct message"),
                         (p["event"], "an event that is no message"), (999999, "an unknown id"),
                         ("abc", "not a number"), ("0", "zero"), ("-1", "negative"),
                         ("9" * 30, "too long")]:
            eq(err_code(pin("alice", "NGS", mid)), (404, "not_found"), "pinning %s: 404" % why)
        eq(err_code(pin("alice", "nowhere", ms[1])), (404, "not_found"), "in an unknown room: 404")
        eq(err_code(pin("alice", "a\x01b", ms[1])), (400, "bad_request"), "a bad room name: 400")
        eq(err_code(api("alice", "PUT", "/v1/rooms/NGS/pins/", body={})), (404, "not_found"),
           "no id: no such route")
        st, h, _ = api("alice", "GET", "/v1/rooms/NGS/pins/%d" % ms[0])
        eq((st, h.get("allow")), (405, "PUT, DELETE"), "GET on a pin: 405 Allow: PUT, DELETE")
        eq(err_code(api("alice", "PUT", "/v1/rooms/NGS/pins/%d" % ms[1], body=b"{}",
                        content_type="text/plain")), (403, "forbidden"), "text/plain: 403")

        for m in ms[1:10]:
            eq(pin("alice", "NGS", m)[0], 200, "pin %d" % m)
        before = cursor("alice")
        st, _, body = pin("alice", "NGS", ms[10])
        ok(st == 409 and body["error"]["code"] == "conflict" and "unpin one first" in body["error"]["message"],
           "the eleventh pin: 409", body)
        ok(cursor("alice") == before and len(rooms("bob")["NGS"]["pins"]) == 10, "and nothing stored")
        eq([x["id"] for x in rooms("bob")["NGS"]["pins"]][0], ms[9], "the newest pin first")

        st, _, u = pin("alice", "NGS", ms[1], method="DELETE")
        ok(st == 200 and u["pinned"] is False and u["event"], "unpin", u)
        evs = [e for e in events("bob", u["event"] - 1)["events"] if e["type"] == "pin"]
        ok(evs and evs[0]["pinned"] is False and evs[0]["target"] == ms[1], "a pin event, pinned false", evs)
        eq(pin("alice", "NGS", ms[1], method="DELETE")[2]["event"], None, "unpinning again: no event")
        eq(err_code(pin("bob", "NGS", ms[2], method="DELETE")), (403, "forbidden"), "a non-admin unpins: 403")
        eq(pin("alice", "NGS", ms[10])[0], 200, "with room again, another pin")

        st, _, d = api("bob", "DELETE", "/v1/messages/%d" % ms[2])
        ok(st == 200 and ms[2] not in [x["id"] for x in rooms("bob")["NGS"]["pins"]],
           "a pinned message removed is unpinned", d)
        st, _, body = pin("alice", "NGS", ms[2])
        ok(st == 404 and "removed" in body["error"]["message"], "and cannot be pinned again", body)

        # a room whose name holds "/pins/": the last segment is the id
        api("alice", "POST", "/v1/rooms/a/pins/1/join")
        m = post("alice", "a/pins/1", "in a room with a slashed name")
        st, _, p = pin("alice", "a/pins/1", m)
        ok(st == 200 and p["room"] == "a/pins/1" and p["id"] == m, "a room named a/pins/1", p)


def configured():
    """room_topic.NAME that names no persistent room, two of them, or holds
    a topic the API would refuse, is refused at start, naming the key."""
    with tempfile.TemporaryDirectory(prefix="gc-topics-") as d:
        for line, want in [("room_topic.tea = x", "room_topic.tea: no such room"),
                           ("room_topic.ngs = a\tb", "room_topic.ngs: a topic is one line"),
                           ("room_topic.rna-seq = " + "x" * 501, "501 bytes")]:
            ini = os.path.join(d, "bad.ini")
            with open(ini, "w") as f:
                f.write("[chat]\nstore = %s/chat.sqlite\nid_secret = s\n"
                        "persistent_communication_rooms = NGS, RNA-Seq\n%s\n" % (d, line))
            p = subprocess.run([BINARY, "check", "-c", ini], capture_output=True, text=True, timeout=30)
            ok(p.returncode != 0 and want in p.stderr, "refused at start: %s" % line[:40], p.stderr)


if __name__ == "__main__":
    run(lambda: (main(), configured()))
