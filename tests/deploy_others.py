#!/usr/bin/python3
"""The FastCGI web servers packaged in Debian 12 beside Apache and nginx,
each configured from its sample in etc/ (templated for paths and ports
only) with its own default FastCGI settings, none of which hands
galaxy-chat a PATH_INFO split at the mount point as nginx's sample does:

* lighttpd, FastCGI to `galaxy-chat --listen` (etc/lighttpd/galaxy-chat.conf):
  SCRIPT_NAME /chat/api/v1, PATH_INFO /health;
* lighttpd starting galaxy-chat itself, bin-path, as its own user
  (etc/lighttpd/galaxy-chat-spawn.conf): the same variables;
* h2o, FastCGI to `galaxy-chat --listen` (etc/h2o/galaxy-chat.conf): the
  whole path in PATH_INFO, SCRIPT_NAME empty.

All three in front of one store at once; through each: health, the
browser client, an unknown route's and a routeless path's JSON 404, a real
Galaxy cookie's user, a send, a room called "v1", a long poll woken at once
by a send through another server, and a poll with nothing to say that
comes back empty at poll_timeout, before the server's own timeouts.
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import tap  # noqa: E402
import webservers  # noqa: E402
from chatenv import ChatEnv, wait_for  # noqa: E402
from deploy_apache import POLL_TIMEOUT, Poll, cursor, is_json_error  # noqa: E402

SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")


class Via:
    """env's requests through one web server (what Poll and cursor use)."""

    def __init__(self, env, name, server):
        self.env, self.name, self.server = env, name, server

    def http(self, *args, **kw):
        return self.env.http(*args, port=self.server.port, **kw)


def uid_of(pid):
    """The real uid of process pid, or None."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("Uid:"):
                    return int(line.split()[1])
    except OSError:
        return None


def check_basics(via):
    name = via.name
    st, hdrs, body = via.http(None, "GET", "/v1/health")
    tap.ok(st == 200 and isinstance(body, dict) and body.get("ok") is True,
           "%s: GET /chat/api/v1/health" % name, (st, hdrs, body))
    st, hdrs, body = via.http(None, "GET", "", api=False)
    tap.ok(st == 200 and hdrs.get("content-type", "").startswith("text/html") and b"<" in body,
           "%s: GET /chat/ serves the browser client" % name, (st, hdrs, body[:200]))
    tap.ok(is_json_error(via.http("alice", "GET", "/v1/no-such-route"), 404, "not_found"),
           "%s: an unknown route is galaxy-chat's JSON 404" % name)
    resp = via.http("alice", "GET", "/nothing")
    tap.ok(is_json_error(resp, 404, "not_found") and "/nothing" in resp[2]["error"]["message"],
           "%s: a path without /v1/ is galaxy-chat's JSON 404 naming it" % name, resp)
    st, _, body = via.http("alice", "GET", "/v1/me")
    tap.ok(st == 200 and isinstance(body, dict) and body.get("user", {}).get("username") == "alice",
           "%s: a real Galaxy cookie is alice (GET /v1/me)" % name, (st, body))
    tap.ok(is_json_error(via.http(None, "GET", "/v1/me"), 401, "unauthorized"),
           "%s: no cookie, GET /v1/me is a JSON 401" % name)
    st, _, body = via.http("alice", "POST", "/v1/messages",
                           body={"room": "all", "text": "hello via " + name, "client_id": "b-" + name})
    tap.ok(st == 201 and isinstance(body, dict) and body.get("id"),
           "%s: alice's message is stored (201)" % name, (st, body))
    st, _, body = via.http("alice", "POST", "/v1/rooms/v1/join")
    tap.ok(st == 200, "%s: alice joins a room called v1" % name, (st, body))
    st, _, body = via.http("alice", "POST", "/v1/messages",
                           body={"room": "v1", "text": "in v1 via " + name})
    st2, _, hist = via.http("alice", "GET", "/v1/rooms/v1/messages")
    tap.ok(st == 201 and st2 == 200 and any(m.get("text") == "in v1 via " + name
                                            for m in hist.get("events", [])),
           "%s: ... posts there and reads it back from its history" % name, (st, body, st2, hist))


def check_wakeup(via, sender):
    """bob's poll through via wakes at once for alice's message through sender."""
    name = via.name
    poll = Poll(via, "bob", cursor(via, "bob"))
    poll.start()
    time.sleep(1.0)
    tap.ok(poll.is_alive(), "%s: bob's long poll waits" % name, poll.result)
    text = "wake %s via %s" % (name, sender.name)
    st, _, body = sender.http("alice", "POST", "/v1/messages", body={"room": "NGS", "text": text})
    t_sent = time.monotonic()
    tap.ok(st == 201, "%s: alice sends to NGS through %s" % (name, sender.name), (st, body))
    poll.join(15)
    evs = poll.result[2].get("events", []) if poll.result and isinstance(poll.result[2], dict) else []
    tap.ok(poll.result and poll.result[0] == 200 and any(e.get("text") == text for e in evs),
           "%s: bob's poll carries it" % name, (poll.result, poll.error))
    after = poll.ended - t_sent if poll.ended else None
    tap.ok(after is not None and after < 2.0,
           "%s: ... at once (%s s after the send)" % (name, after and round(after, 3)), after)


def main():
    with ChatEnv(users=["alice", "bob", "carol"], processes=1, spawned=True,
                 options={"poll_timeout": str(POLL_TIMEOUT)}) as env:
        servers = []
        try:
            servers.append(Via(env, "lighttpd", webservers.Lighttpd(
                env.dir + "/listen", env.www, socket_path=env.sockets[0])))
            spawn = webservers.Lighttpd(env.dir + "/spawn", env.www, binary=env.binary, config=env.config)
            servers.append(Via(env, "lighttpd bin-path", spawn))
            servers.append(Via(env, "h2o", webservers.H2o(env.dir, env.sockets[0], env.www)))

            listener = env.procs[0].pid
            wait_for(lambda: [p for p in webservers.processes_of(env.binary) if p != listener],
                     10, "lighttpd's galaxy-chat")
            spawned = [p for p in webservers.processes_of(env.binary) if p != listener]
            tap.ok(len(spawned) == 1, "lighttpd bin-path: lighttpd started one galaxy-chat", spawned)
            ids = webservers.drop_user()
            if ids:
                tap.eq([uid_of(p) for p in spawned], [ids[0]],
                       "lighttpd bin-path: ... running as nobody, lighttpd's user")

            for via in servers:
                check_basics(via)
            # carol joins nothing, and nothing more is sent to `all`: her
            # polls run to poll_timeout, beside the rest
            idle = [Poll(via, "carol", cursor(via, "carol")) for via in servers]
            for poll in idle:
                poll.start()
            for u in ("alice", "bob"):
                st, _, body = env.api(u, "POST", "/v1/rooms/NGS/join")
                tap.ok(st == 200, "%s joins NGS" % u, (st, body))
            for i, via in enumerate(servers):
                check_wakeup(via, servers[(i + 1) % len(servers)])

            for via, poll in zip(servers, idle):
                poll.join(POLL_TIMEOUT + 20)
                tap.ok(not poll.is_alive() and poll.error is None and poll.result
                       and poll.result[0] == 200 and isinstance(poll.result[2], dict)
                       and poll.result[2].get("events") == [],
                       "%s: a poll with nothing to say is an empty 200" % via.name,
                       (poll.result, poll.error))
                tap.ok(poll.elapsed is not None and POLL_TIMEOUT - 1 <= poll.elapsed < 40,
                       "%s: ... after poll_timeout (%s s), before the server's own timeouts"
                       % (via.name, poll.elapsed and round(poll.elapsed, 1)), poll.elapsed)
        finally:
            for via in servers:
                via.server.stop(keep=[p.pid for p in env.procs])
        log = spawn.error_log() if len(servers) > 1 else ""
        found = [m for m in SANITIZER_MARKERS if m in log]
        tap.ok(not found, "lighttpd bin-path: no sanitizer report in lighttpd's error log", log[-3000:])


if __name__ == "__main__":
    tap.run(main)
