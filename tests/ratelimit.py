"""Per-user rate limits (rate, join_rate, max_new_rooms_per_day,
rate_exempt_admins) against responder processes sharing one store: the
limit holds across processes,
the 429 carries Retry-After and says when, nothing is stored when refused,
admins are exempt, and the bucket refills."""

import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from chatenv import ChatEnv  # noqa: E402
from tap import ok, eq, run  # noqa: E402


def main():
    users = ["alice", "bob", "carol", "dave", "erin"]
    with ChatEnv(users=users, processes=3, admins=["alice"],
                 options={"rate": "5/10s", "join_rate": "3/1m"}) as env:
        def post(user, text, proc):
            return env.api(user, "POST", "/v1/messages", body={"room": "all", "text": text}, proc=proc)

        # five in a row are fine, spread over the three processes; the sixth is not
        codes = [post("bob", "m%d" % i, i % 3)[0] for i in range(5)]
        eq(codes, [201] * 5, "a burst of rate's count is allowed, across processes")
        cursor = env.api("bob", "GET", "/v1/events")[2]["cursor"]
        st, h, body = post("bob", "one too many", 2)
        eq(st, 429, "the next send, in another process: 429")
        eq(body["error"]["code"], "rate_limited", "error code rate_limited")
        retry = int(h.get("retry-after", "0"))
        ok(1 <= retry <= 2, "Retry-After in whole seconds: one interval of 10 s / 5 (%d)" % retry)
        ok("5 messages per 10 s" in body["error"]["message"] and
           ("retry in %d s" % retry) in body["error"]["message"],
           "the message says the limit and when to retry", body)
        eq(env.api("bob", "GET", "/v1/events")[2]["cursor"], cursor, "a refused message is not stored")
        eq(post("carol", "hello", 0)[0], 201, "another user is not affected")
        st, _, _ = env.api("bob", "POST", "/v1/messages", body={"to": "carol", "text": "dm"}, proc=1)
        eq(st, 429, "direct messages count against the same limit")

        # admins are exempt (rate_exempt_admins defaults to yes)
        eq([post("alice", "admin %d" % i, i % 3)[0] for i in range(8)], [201] * 8, "admins are exempt")

        # the bucket refills at count/period
        time.sleep(retry + 0.1)
        eq(post("bob", "after waiting", 0)[0], 201, "after Retry-After, one more is allowed")
        eq(post("bob", "but only one", 1)[0], 429, "and then the limit holds again")

        # concurrent senders in three processes cannot overshoot
        results = []
        lock = threading.Lock()

        def burst(proc):
            for i in range(6):
                st = post("dave", "p%d-%d" % (proc, i), proc)[0]
                with lock:
                    results.append(st)
        threads = [threading.Thread(target=burst, args=(p,)) for p in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        eq(sorted(set(results)), [201, 429], "18 concurrent sends: some stored, the rest refused")
        eq(results.count(201), 5, "exactly rate's count went through, whatever the process")

        # joins have their own bound
        codes = [env.api("erin", "POST", "/v1/rooms/r%d/join" % i, proc=i % 3)[0] for i in range(3)]
        eq(codes, [200] * 3, "three joins (join_rate 3/1m)")
        st, h, body = env.api("erin", "POST", "/v1/rooms/r9/join", proc=1)
        eq((st, body["error"]["code"]), (429, "rate_limited"), "the fourth join: 429")
        ok(15 <= int(h.get("retry-after", "0")) <= 20, "join Retry-After: 60 s / 3", h.get("retry-after"))
        ok("3 room joins per 60 s" in body["error"]["message"], "join message", body)
        eq(post("erin", "sending still works", 2)[0], 201, "joins and sends are separate buckets")
        eq(env.api("erin", "POST", "/v1/rooms/r0/leave")[0], 200, "leaving is not limited")

    # admins too, when configured so; "off" turns a limit off
    with ChatEnv(users=["alice"], processes=1, admins=["alice"],
                 options={"rate": "2/60s", "rate_exempt_admins": "no", "join_rate": "off",
                          "max_new_rooms_per_day": "0"}) as env:
        codes = [env.api("alice", "POST", "/v1/messages", body={"room": "all", "text": "x"})[0]
                 for _ in range(3)]
        eq(codes, [201, 201, 429], "rate_exempt_admins = no: admins are limited too")
        codes = [env.api("alice", "POST", "/v1/rooms/j%d/join" % i)[0] for i in range(40)]
        eq(set(codes), {200}, "join_rate = off, max_new_rooms_per_day = 0: no join limit")

    # rooms one user may create, whatever the process; joining is not creating
    with ChatEnv(users=["alice", "bob"], processes=2, admins=["alice"],
                 options={"max_new_rooms_per_day": "3", "join_rate": "off"}) as env:
        api = env.api
        codes = []
        for i in range(3):
            codes.append(api("bob", "POST", "/v1/rooms/new %d/join" % i, proc=i % 2)[0])
            api("bob", "POST", "/v1/rooms/new %d/leave" % i)
        eq(codes, [200] * 3, "three new rooms (max_new_rooms_per_day = 3), across processes")
        st, h, body = api("bob", "POST", "/v1/rooms/new 3/join", proc=1)
        eq((st, body["error"]["code"]), (429, "rate_limited"), "a fourth new room: 429")
        ok(28000 <= int(h.get("retry-after", "0")) <= 28800, "Retry-After: a day / 3", h.get("retry-after"))
        ok("3 new rooms (max_new_rooms_per_day) per 86400 s" in body["error"]["message"],
           "the message names the limit", body)
        ok("new 3" not in [r["name"] for r in api("alice", "GET", "/v1/rooms")[2]["rooms"]],
           "the refused room was not created")
        eq([api("bob", "POST", "/v1/rooms/%s/join" % r)[0] for r in ("new 0", "NGS", "all")], [200] * 3,
           "joining rooms that exist is still fine")
        eq(api("bob", "POST", "/v1/rooms/ new/join")[0], 400,
           "a refused name answers 400 first")
        eq([api("alice", "POST", "/v1/rooms/admin %d/join" % i)[0] for i in range(5)], [200] * 5,
           "admins are exempt")


run(main)
