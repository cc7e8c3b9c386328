#!/usr/bin/python3
"""GET /v1/metrics (issue 21.3) on real deployments, scraped by a real
Prometheus (etc/prometheus/galaxy-chat.yml) and read back through its
HTTP API:

* nginx + two `galaxy-chat --listen` processes on one store: what one
  process counted (messages sent straight to it, a rate-limited one) is in
  what the other answers through nginx; requests by route and status, the
  duration histogram, a waiting poll, its delivery delay, Galaxy queries
  and auth cache hits, events stored, two processes; `promtool check
  metrics` accepts the text;
* Apache + mod_fcgid, which runs one request per process: four waiting
  polls, each in its own process, summed by whichever process answers the
  scrape; then one message wakes them all;
* bad input: an address outside metrics_allow gets 403 (an admin's cookie
  gets the metrics from anywhere, a user's does not), other methods 405;
  the text never holds a user name, a room name or message text.
"""
import http.client
import os
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import promserver  # noqa: E402
import tap  # noqa: E402
from chatenv import ChatEnv  # noqa: E402
from deploy_apache import Poll, cursor  # noqa: E402

TEXT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
SECRET_WORDS = ("alice", "bob", "carol", "dave", "NGS", "zebra-room", "confidential-words")


def get_from(env, source, user=None, method="GET"):
    """GET /chat/api/v1/metrics through the web server from the local
    address source (127.0.0.2 is loopback too, but not 127.0.0.1)."""
    conn = http.client.HTTPConnection("127.0.0.1", env.port, timeout=30, source_address=(source, 0))
    try:
        hdrs = {"Host": "127.0.0.1:%d" % env.port}
        if user:
            hdrs["Cookie"] = env.cookie_header(user)
        if method != "GET":
            hdrs["Content-Type"] = "application/json"
        conn.request(method, "/chat/api/v1/metrics", body=b"{}" if method != "GET" else None, headers=hdrs)
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def check_text(body, what):
    good, out = promserver.promtool_check(body)
    tap.ok(good, "promtool check metrics accepts the text (%s)" % what, out)
    text = body.decode(errors="replace")
    leaked = [w for w in SECRET_WORDS if w in text]
    tap.eq(leaked, [], "no user name, room name or message text in it (%s)" % what)


def bad_input(env):
    st, hdrs, body = get_from(env, "127.0.0.1")
    tap.ok(st == 200 and hdrs.get("content-type") == TEXT_TYPE and body.startswith(b"# HELP"),
           "127.0.0.1 (in metrics_allow) gets Prometheus text 0.0.4", (st, hdrs, body[:200]))
    st, hdrs, body = get_from(env, "127.0.0.2")
    tap.ok(st == 403 and b'"forbidden"' in body and b"galaxy_chat" not in body,
           "127.0.0.2, outside metrics_allow: 403, JSON, no metrics", (st, body))
    st, _, body = get_from(env, "127.0.0.2", user="bob")
    tap.ok(st == 403 and b"galaxy_chat" not in body, "... also with a user's cookie", (st, body))
    st, hdrs, body = get_from(env, "127.0.0.2", user="carol")
    tap.ok(st == 200 and hdrs.get("content-type") == TEXT_TYPE and b"galaxy_chat_requests_total" in body,
           "an admin's cookie gets them from anywhere", (st, body[:200]))
    for method in ("POST", "DELETE", "PUT"):
        st, hdrs, body = get_from(env, "127.0.0.1", user="carol", method=method)
        tap.ok(st == 405 and hdrs.get("allow") == "GET" and b"galaxy_chat" not in body,
               "%s /v1/metrics: 405 with Allow: GET" % method, (st, hdrs, body))


def main_nginx():
    with ChatEnv(users=["alice", "bob", "carol", "dave"], admins=["carol"], processes=2, nginx=True,
                 rooms=("NGS",), options={"metrics_allow": "127.0.0.1", "rate": "2/60s"}) as env:
        prom = promserver.Prometheus(env.dir, "127.0.0.1:%d" % env.port)
        try:
            for u in ("alice", "bob"):
                tap.eq(env.http(u, "POST", "/v1/rooms/NGS/join")[0], 200, "%s joins NGS through nginx" % u)
            env.http("dave", "POST", "/v1/rooms/zebra-room/join")
            env.http("dave", "GET", "/v1/no-such-route-alice")
            poll = Poll(env, "bob", cursor(env, "bob"))
            poll.start()
            v = prom.wait_value("galaxy_chat_polls_waiting", lambda v: v == 1, 30)
            tap.eq(v, 1.0, "Prometheus sees bob's poll waiting")
            # straight to the other process, which nginx does not know
            sent = [env.api("alice", "POST", "/v1/messages", proc=1,
                            body={"room": "NGS", "text": "confidential-words %d" % i})[0] for i in range(3)]
            tap.eq(sent, [201, 201, 429], "alice sends three messages to process 1; the third is rate-limited")
            poll.join(15)
            tap.ok(poll.result and poll.result[0] == 200 and poll.result[2]["events"],
                   "bob's poll is woken by the first", poll.result)
            q = 'galaxy_chat_requests_total{method="POST",route="/v1/messages",code="201"}'
            tap.eq(prom.wait_value(q, lambda v: v == 2), 2.0,
                   "process 1's two sends, in process 0's answer to Prometheus")
            tap.eq(prom.wait_value('galaxy_chat_requests_total{route="/v1/messages",code="429"}', lambda v: v == 1),
                   1.0, "... and the refused one, by its status")
            tap.eq(prom.wait_value('galaxy_chat_rate_limited_total{limit="message"}', lambda v: v == 1), 1.0,
                   "rate-limited requests, by limit")
            tap.eq(prom.value('galaxy_chat_requests_total{route="/v1/rooms/{*}/join",code="200"}'), 3.0,
                   "joins under their route pattern, not a room's name")
            tap.ok((prom.value('galaxy_chat_requests_total{route="none",code="404"}') or 0) >= 1,
                   "a request no route took: route \"none\"")
            tap.eq(prom.wait_value("galaxy_chat_processes", lambda v: v == 2), 2.0, "two responder processes")
            tap.eq(prom.wait_value("galaxy_chat_polls_waiting", lambda v: v == 0), 0.0, "no poll waiting now")
            tap.ok((prom.wait_value("galaxy_chat_delivery_delay_seconds_count", lambda v: v >= 1) or 0) >= 1,
                   "the event's delivery is in the delay histogram")
            d = prom.value('histogram_quantile(0.5, sum by (le) (galaxy_chat_delivery_delay_seconds_bucket))')
            tap.ok(d is not None and 0 <= d <= 2.5, "... and took under 2.5 s (median %r)" % d)
            n = prom.value('galaxy_chat_request_duration_seconds_count{route="/v1/messages"}')
            tap.eq(n, 3.0, "request durations: one per send")
            tap.ok(prom.value('galaxy_chat_events_stored_total') >= 4, "events stored: the joins and messages")
            tap.ok(prom.value('galaxy_chat_galaxy_db_queries_total{query="session"}') >= 4,
                   "Galaxy's database asked about each user's session")
            tap.ok(prom.value("galaxy_chat_auth_cache_hits_total") >= 1, "auth cache hits")
            tap.eq(prom.value("galaxy_chat_store_errors_total"), 0.0, "no store error")
            tap.eq([t["health"] for t in prom.targets()], ["up"], "the scrape target is up")
            bad_input(env)
            st, _, body = get_from(env, "127.0.0.1")
            check_text(body, "nginx")
            tap.eq(env.api(None, "GET", "/v1/metrics", extra={"REMOTE_ADDR": "::ffff:127.0.0.1"})[0], 200,
                   "an IPv4-mapped 127.0.0.1 is 127.0.0.1")
            tap.eq(env.api(None, "GET", "/v1/metrics", extra={"REMOTE_ADDR": ""})[0], 403,
                   "no REMOTE_ADDR: 403")
        finally:
            prom.stop()


def main_apache():
    users = ["alice", "bob", "carol", "dave", "erin"]
    with ChatEnv(users=users, admins=["carol"], processes=0, apache="fcgid",
                 options={"poll_timeout": "35", "metrics_allow": "127.0.0.1, ::1"}) as env:
        prom = promserver.Prometheus(env.dir, "127.0.0.1:%d" % env.port)
        try:
            sinces = {u: cursor(env, u) for u in users[1:]}
            polls = [Poll(env, u, sinces[u]) for u in users[1:]]
            for p in polls:
                p.start()
            v = prom.wait_value("galaxy_chat_polls_waiting", lambda v: v == 4, 30)
            tap.eq(v, 4.0, "four polls waiting, each in a mod_fcgid process of its own, summed")
            procs = prom.value("galaxy_chat_processes")
            tap.ok(procs is not None and procs >= 5,
                   "at least five processes: the four polls' and the one answering (%r)" % procs)
            st = env.http("alice", "POST", "/v1/messages", body={"room": "all", "text": "confidential-words"})[0]
            tap.eq(st, 201, "alice posts to all through Apache")
            for p in polls:
                p.join(15)
            tap.ok(all(p.result and p.result[0] == 200 and p.result[2]["events"] for p in polls),
                   "the message wakes all four", [p.result for p in polls])
            tap.eq(prom.wait_value("galaxy_chat_polls_waiting", lambda v: v == 0), 0.0, "then none waits")
            tap.eq(prom.wait_value("galaxy_chat_delivery_delay_seconds_count", lambda v: v == 4), 4.0,
                   "four deliveries, counted in four processes, summed")
            q = 'galaxy_chat_requests_total{route="/v1/events",code="200"}'
            tap.eq(prom.wait_value(q, lambda v: v == 8), 8.0,
                   "eight polls answered (four cursors, four long polls), whichever process ran them")
            tap.eq(prom.value('galaxy_chat_requests_total{route="/v1/messages",code="201"}'), 1.0, "one send")
            bad_input(env)
            st, _, body = get_from(env, "127.0.0.1")
            check_text(body, "Apache")
        finally:
            prom.stop()


def main():
    main_nginx()
    main_apache()


tap.run(main)
