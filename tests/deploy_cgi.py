#!/usr/bin/python3
"""Apache 2.4 with plain CGI (mod_cgid), configured from
etc/apache/galaxy-chat-cgi.conf (templated for paths and ports only): the
slow fallback, one galaxy-chat process per request.

* health and the client; PATH_INFO routing;
* a message round trip: a poll waiting in one CGI process wakes at once for
  a message sent through another;
* a quiet poll is an empty 200 at poll_timeout, before CGIDScriptTimeout;
* a body over max_body_bytes gets galaxy-chat's JSON 413.
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import tap  # noqa: E402
from chatenv import ChatEnv  # noqa: E402
from deploy_apache import POLL_TIMEOUT, Poll, cursor, framing, is_json_error  # noqa: E402


def main():
    with ChatEnv(users=["alice", "bob", "carol"], processes=0, apache="cgi",
                 options={"poll_timeout": str(POLL_TIMEOUT)}) as env:
        t = time.monotonic()
        st, hdrs, body = env.http(None, "GET", "/v1/health")
        tap.ok(st == 200 and isinstance(body, dict) and body.get("ok") is True,
               "GET /chat/api/v1/health through Apache's CGI", (st, hdrs, body))
        tap.diag("first CGI request: %.3f s" % (time.monotonic() - t))
        t = time.monotonic()
        for _ in range(5):
            env.http(None, "GET", "/v1/health")
        tap.diag("later CGI requests: %.3f s each" % ((time.monotonic() - t) / 5))
        tap.ok(is_json_error(env.http("alice", "GET", "/v1/no-such-route"), 404, "not_found"),
               "routes come from PATH_INFO: an unknown one is galaxy-chat's JSON 404")
        st, hdrs, body = env.http(None, "GET", "", api=False)
        tap.ok(st == 200 and hdrs.get("content-type", "").startswith("text/html") and b"<" in body,
               "GET /chat/ serves the browser client", (st, hdrs, body[:200]))
        framing(env)

        idle = Poll(env, "carol", cursor(env, "carol"))
        idle.start()
        for u in ("alice", "bob"):
            st, _, body = env.http(u, "POST", "/v1/rooms/NGS/join")
            tap.ok(st == 200, "%s joins NGS" % u, (st, body))
        poll = Poll(env, "bob", cursor(env, "bob"))
        poll.start()
        time.sleep(1.0)
        tap.ok(poll.is_alive(), "bob's poll waits in its CGI process", poll.result)
        sent = env.http("alice", "POST", "/v1/messages",
                        body={"room": "NGS", "text": "hello over CGI", "client_id": "c-1"})
        t_sent = time.monotonic()
        tap.ok(sent[0] == 201, "alice's message, through another CGI process, is stored", sent)
        poll.join(15)
        evs = poll.result[2].get("events", []) if poll.result and isinstance(poll.result[2], dict) else []
        tap.ok(poll.result and poll.result[0] == 200 and any(
            e.get("text") == "hello over CGI" and e.get("user", {}).get("username") == "alice" for e in evs),
            "bob's poll carries it", (poll.result, poll.error))
        after = poll.ended - t_sent if poll.ended else None
        tap.ok(after is not None and after < 2.0,
               "... at once (%s s after the send), not at its timeout" % (after and round(after, 3)), after)

        big = b'{"room": "NGS", "text": "' + b"x" * 100000 + b'", "client_id": "big"}'
        resp = env.http("alice", "POST", "/v1/messages", body=big,
                        headers={"Content-Type": "application/json"})
        tap.ok(is_json_error(resp, 413, "too_large"),
               "a 100 kB body gets galaxy-chat's JSON 413, not Apache's page", resp)

        idle.join(POLL_TIMEOUT + 20)
        tap.ok(not idle.is_alive() and idle.error is None and idle.result and idle.result[0] == 200
               and isinstance(idle.result[2], dict) and idle.result[2].get("events") == [],
               "a poll with nothing to say is an empty 200", (idle.result, idle.error))
        tap.ok(idle.elapsed is not None and POLL_TIMEOUT - 1 <= idle.elapsed < 40,
               "... after poll_timeout (%s s for timeout=60), before CGIDScriptTimeout"
               % (idle.elapsed and round(idle.elapsed, 1)), idle.elapsed)
        log = env.apache.error_log()
        tap.ok("Segmentation" not in log and "AH01215" not in log.replace("error: store", ""),
               "nothing unexpected on galaxy-chat's standard error (Apache's error log)", log[-3000:])


if __name__ == "__main__":
    tap.run(main)
