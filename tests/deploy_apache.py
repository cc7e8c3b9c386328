#!/usr/bin/python3
"""Apache 2.4 + mod_fcgid, configured from etc/apache/galaxy-chat.conf and
etc/apache/galaxy-chat-7070.conf (templated for paths and ports only):
Apache itself starts the galaxy-chat processes, one request at a time each.

* the API under /chat/api (PATH_INFO routing), the client under /chat/;
* a message sent through one mod_fcgid process wakes a poll waiting in
  another, within a second;
* a poll with nothing to say comes back as an empty 200 at poll_timeout
  (the default, 25 s), before mod_fcgid's own timeouts;
* a body over max_body_bytes gets galaxy-chat's JSON 413, not Apache's page;
* an admin's PUT of a topic, a PUT and DELETE of a pin pass through;
* the vhost for Galaxy 16.07-20.09: GET / with Access-Control-Allow-Origin: *,
  and the API at /api/ there;
* a store directory galaxy-chat cannot write: JSON 503s, logged, and the
  same processes keep serving (nothing crashes or respawns);
* the processes do not load libcurl, ICU or libpq (only mail, reactions
  and PostgreSQL need them, and each process would carry its own copy of
  their relocated data): a reaction loads ICU in the process that checks
  its emoji.
"""
import os
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import tap  # noqa: E402
import webservers  # noqa: E402
from chatenv import ChatEnv  # noqa: E402

POLL_TIMEOUT = 25   # galaxy-chat's default, which the sample's timeouts must exceed


class Poll(threading.Thread):
    """A long poll through the web server, in the background."""

    def __init__(self, env, user, since, timeout=60):
        super().__init__(daemon=True)
        self.env, self.user, self.query = env, user, "since=%d&timeout=%d" % (since, timeout)
        self.result = self.error = None
        self.elapsed = self.ended = None

    def run(self):
        t = time.monotonic()
        try:
            self.result = self.env.http(self.user, "GET", "/v1/events", query=self.query)
        except Exception as e:   # reported by the test that joins
            self.error = e
        self.ended = time.monotonic()
        self.elapsed = self.ended - t


def cursor(env, user):
    st, _, body = env.http(user, "GET", "/v1/events")
    if st != 200 or not isinstance(body, dict):
        raise AssertionError("GET /v1/events without since: %r %r" % (st, body))
    return body["cursor"]


def framing(env):
    """The client may be framed by the site's own pages only (Galaxy's chat
    panel: the masthead webhook), while the API keeps its own headers,
    which forbid framing altogether, whatever its status."""
    st, hdrs, _ = env.http(None, "GET", "", api=False)
    tap.ok(st == 200 and hdrs.get("x-frame-options") == "SAMEORIGIN"
           and hdrs.get("content-security-policy") == "frame-ancestors 'self'",
           "the client may be framed by pages of its own origin only", hdrs)
    st, hdrs, _ = env.http(None, "GET", "js/text.js", api=False)
    tap.ok(st == 200 and hdrs.get("x-frame-options") == "SAMEORIGIN", "... its modules too", hdrs)
    for path, want in (("/v1/health", 200), ("/v1/me", 401)):
        st, hdrs, _ = env.http(None, "GET", path)
        tap.ok(st == want and hdrs.get("x-frame-options") == "DENY"
               and hdrs.get("content-security-policy") == "default-src 'none'; frame-ancestors 'none'",
               "the API's %d keeps its own X-Frame-Options: DENY and CSP, once each" % want, (st, hdrs))


def is_json_error(resp, status, code):
    st, hdrs, body = resp
    return (st == status and hdrs.get("content-type", "").startswith("application/json")
            and isinstance(body, dict) and body.get("error", {}).get("code") == code)


def topic_and_pin(env, message_id, via):
    """An admin's PUT of a topic, and a PUT and DELETE of a pin, through the
    web server (methods other than GET and POST, a JSON body)."""
    st, _, body = env.http("alice", "PUT", "/v1/rooms/NGS/topic",
                           body={"topic": "Sequencing \u2013 mapping, QC"})
    tap.ok(st == 200 and isinstance(body, dict) and body.get("event"),
           "an admin's PUT of NGS's topic through %s" % via, (st, body))
    st, _, body = env.http("bob", "GET", "/v1/rooms")
    rooms = {r["name"]: r for r in body.get("rooms", [])} if isinstance(body, dict) else {}
    tap.eq(rooms.get("NGS", {}).get("topic"), "Sequencing \u2013 mapping, QC", "GET /v1/rooms shows it")
    st, _, body = env.http("alice", "PUT", "/v1/rooms/NGS/pins/%d" % message_id, body={})
    tap.ok(st == 200 and isinstance(body, dict) and body.get("pinned") is True,
           "a PUT of a pin through %s" % via, (st, body))
    st, _, body = env.http("alice", "DELETE", "/v1/rooms/NGS/pins/%d" % message_id)
    tap.ok(st == 200 and isinstance(body, dict) and body.get("pinned") is False,
           "and its DELETE", (st, body))


LAZY_LIBS = ("libcurl.so", "libicuuc.so", "libpq.so")   # dynlib.h: loaded when needed


def libraries(pid):
    """The shared libraries mapped by process pid (file names)."""
    try:
        with open("/proc/%d/maps" % pid) as f:
            return {os.path.basename(line.split()[5]) for line in f
                    if len(line.split()) >= 6 and ".so" in line.split()[5]}
    except OSError:
        return set()


def lazy_libraries(env, binary, message_id):
    """No mod_fcgid process maps libcurl, ICU or libpq (the store and
    Galaxy's database are SQLite) until a reaction needs ICU."""
    pids = webservers.responders_of(binary)
    loaded = {pid: sorted(lib for lib in libraries(pid) if lib.startswith(LAZY_LIBS)) for pid in pids}
    tap.ok(pids and not any(loaded.values()),
           "the %d mod_fcgid processes map none of libcurl, ICU, libpq" % len(pids), loaded)
    st, _, body = env.http("alice", "PUT", "/v1/messages/%d/reactions/%%F0%%9F%%91%%8D" % message_id)
    tap.ok(st == 200, "a reaction through mod_fcgid (its emoji checked by ICU)", (st, body))
    icu = [pid for pid in webservers.responders_of(binary)
           if any(lib.startswith("libicuuc.so") for lib in libraries(pid))]
    tap.ok(len(icu) == 1, "... and ICU is loaded then, in the one process that checked it", icu)


def main_fcgid():
    with ChatEnv(users=["alice", "bob", "carol"], processes=0, apache="fcgid", admins=["alice"],
                 options={"poll_timeout": str(POLL_TIMEOUT)}) as env:
        binary = env.binary

        st, hdrs, body = env.http(None, "GET", "/v1/health")
        tap.ok(st == 200 and isinstance(body, dict) and body.get("ok") is True,
               "GET /chat/api/v1/health through Apache and mod_fcgid", (st, hdrs, body))
        tap.ok(hdrs.get("cache-control") == "no-store" and "content-length" in hdrs,
               "the responder's headers pass through", hdrs)
        tap.ok(is_json_error(env.http("alice", "GET", "/v1/no-such-route"), 404, "not_found"),
               "routes come from PATH_INFO: an unknown one is galaxy-chat's JSON 404")
        st, hdrs, body = env.http(None, "GET", "", api=False)
        tap.ok(st == 200 and hdrs.get("content-type", "").startswith("text/html") and b"<" in body,
               "GET /chat/ serves the browser client", (st, hdrs, body[:200]))
        framing(env)
        st, hdrs, _ = webservers.http_request(env.port, "GET", "/chat")
        tap.ok(st in (301, 302) and hdrs.get("location", "").endswith("/chat/"),
               "GET /chat redirects to /chat/", (st, hdrs))

        # carol joins nothing: nobody posts where she can see it, so her poll
        # must run to poll_timeout. Started first, it runs beside the rest.
        idle = Poll(env, "carol", cursor(env, "carol"))
        idle.start()

        for u in ("alice", "bob"):
            st, _, body = env.http(u, "POST", "/v1/rooms/NGS/join")
            tap.ok(st == 200, "%s joins NGS through Apache" % u, (st, body))
        since = cursor(env, "bob")
        poll = Poll(env, "bob", since)
        poll.start()
        # the poll reaches a process of its own and waits: mod_fcgid may
        # first have to start one, slowly on a loaded machine
        waiting = []
        for _ in range(100):
            time.sleep(0.1)
            waiting = webservers.responders_of(binary)
            if len(waiting) >= 2:
                break
        time.sleep(0.5)
        tap.ok(poll.is_alive(), "bob's poll waits for an event", poll.result)
        t_send = time.monotonic()
        sent = env.http("alice", "POST", "/v1/messages",
                        body={"room": "NGS", "text": "hello from another process", "client_id": "a-1"})
        t_sent = time.monotonic()
        poll.join(15)
        woke = time.monotonic() - t_send
        tap.diag("the send took %.3f s (mod_fcgid may first start a process), the poll "
                 "returned %.3f s after it" % (t_sent - t_send, time.monotonic() - t_sent))
        tap.ok(sent[0] == 201 and isinstance(sent[2], dict) and "id" in sent[2],
               "alice's message is stored (201)", sent)
        tap.ok(not poll.is_alive() and poll.error is None and poll.result
               and poll.result[0] == 200, "bob's poll answers 200", (poll.result, poll.error))
        evs = poll.result[2].get("events", []) if poll.result and isinstance(poll.result[2], dict) else []
        tap.ok(any(e.get("type") == "message" and e.get("text") == "hello from another process"
                   and e.get("user", {}).get("username") == "alice" for e in evs),
               "bob's poll carries alice's message", poll.result)
        after = poll.ended - t_sent if poll.ended else None
        tap.ok(woke < 5.0 and after is not None and after < 2.0,
               "the poll woke as the message was stored, not at its timeout", (woke, after))
        if sent[0] == 201:
            topic_and_pin(env, sent[2]["id"], "Apache and mod_fcgid")
            lazy_libraries(env, binary, sent[2]["id"])
        # mod_fcgid hands a process one request at a time: while bob's (and
        # carol's) polls waited, alice's message needed another process.
        serving = set(waiting) | set(webservers.responders_of(binary))
        tap.ok(len(waiting) >= 2 and len(serving) >= 3,
               "separate galaxy-chat processes held the polls and took the message",
               "while polls waited: %r, all seen: %r" % (waiting, sorted(serving)))
        for pid in sorted(serving):
            mem = webservers.rss_kb(pid)
            if mem:
                tap.diag("galaxy-chat process %d: Rss %d kB, Pss %d kB" % (pid, mem[0], mem[1]))

        big = b'{"room": "NGS", "text": "' + b"x" * 100000 + b'", "client_id": "big"}'
        resp = env.http("alice", "POST", "/v1/messages", body=big,
                        headers={"Content-Type": "application/json"})
        tap.ok(is_json_error(resp, 413, "too_large"),
               "a 100 kB body gets galaxy-chat's JSON 413, not Apache's page", resp)
        big = b'{"room": "NGS", "text": "' + b"x" * 1000000 + b'", "client_id": "big"}'
        resp = env.http("alice", "POST", "/v1/messages", body=big,
                        headers={"Content-Type": "application/json"})
        tap.ok(is_json_error(resp, 413, "too_large"),
               "so does a 1 MB body (more than a socket buffer holds)", resp)

        # Galaxy 16.07-20.09: the masthead probes the chat's / cross-origin,
        # then opens it in an iframe with ?username=...
        p7070 = env.apache.port_7070
        st, hdrs, body = webservers.http_request(
            p7070, "GET", "/?username=alice&persistent_communication_rooms=NGS,RNA-Seq",
            headers={"Origin": "http://127.0.0.1:8080", "Host": "127.0.0.1:%d" % p7070})
        tap.ok(st == 200 and hdrs.get("access-control-allow-origin") == "*"
               and hdrs.get("content-type", "").startswith("text/html"),
               "7070 vhost: Galaxy's probe of / gets 200 with Access-Control-Allow-Origin: *",
               (st, hdrs, body[:200]))
        tap.ok("x-frame-options" not in hdrs and "content-security-policy" not in hdrs,
               "7070 vhost: the page may be framed by Galaxy 16.07-20.09 (another port)", hdrs)
        st, hdrs, body = webservers.http_request(
            p7070, "GET", "/api/v1/me",
            headers={"Cookie": env.cookie_header("alice"), "Host": "127.0.0.1:%d" % p7070})
        tap.ok(st == 200 and isinstance(body, bytes) and b'"alice"' in body
               and "access-control-allow-origin" not in hdrs,
               "7070 vhost: the API at /api/ (relative to the page), not opened to other origins",
               (st, hdrs, body[:300]))
        st, hdrs, body = webservers.http_request(
            p7070, "POST", "/api/v1/messages",
            body=b'{"room": "NGS", "text": "from the iframe", "client_id": "i-1"}',
            headers={"Cookie": env.cookie_header("alice"), "Host": "127.0.0.1:%d" % p7070,
                     "Origin": "http://127.0.0.1:%d" % p7070, "Content-Type": "application/json"})
        tap.ok(st == 201, "7070 vhost: the page may send (its own origin)", (st, hdrs, body))

        idle.join(POLL_TIMEOUT + 20)
        ok = (not idle.is_alive() and idle.error is None and idle.result and idle.result[0] == 200
              and isinstance(idle.result[2], dict) and idle.result[2].get("events") == [])
        tap.ok(ok, "a poll with nothing to say is an empty 200", (idle.result, idle.error))
        tap.ok(idle.elapsed is not None and POLL_TIMEOUT - 1 <= idle.elapsed < 40,
               "... after poll_timeout (%s s for timeout=60), before mod_fcgid's FcgidIOTimeout"
               % (idle.elapsed and round(idle.elapsed, 1)), idle.elapsed)
        log = env.apache.error_log()
        tap.ok("exit(" not in log and "Segmentation" not in log and "mod_fcgid: error" not in log,
               "no galaxy-chat process died or misbehaved (Apache's error log)", log[-3000:])
        noise = [line for line in log.splitlines() if "galaxy-chat[" in line and " warning: " in line]
        tap.ok(not noise, "processes idle for %d s logged no warnings" % POLL_TIMEOUT, "\n".join(noise[:10]))

        # logrotate reloads Apache every night (apachectl graceful): mod_fcgid
        # stops its processes with SIGTERM, which answers their waiting polls
        poll = Poll(env, "bob", cursor(env, "bob"))
        poll.start()
        time.sleep(1.0)
        t = time.monotonic()
        env.apache.proc.send_signal(signal.SIGUSR1)
        poll.join(POLL_TIMEOUT + 20)
        tap.ok(poll.result and poll.result[0] == 200 and isinstance(poll.result[2], dict)
               and poll.result[2].get("events") == [] and poll.ended - t < POLL_TIMEOUT - 5,
               "apachectl graceful: a waiting poll gets an empty 200 (after %s s), not an error"
               % (poll.ended and round(poll.ended - t, 1)), (poll.result, poll.error))
        deadline = time.monotonic() + 15
        while True:
            try:
                st = env.http("bob", "GET", "/v1/me", timeout=10)[0]
            except OSError:
                st = None
            if st == 200 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        tap.eq(st, 200, "... and the chat answers after the restart")


def main_unwritable():
    with ChatEnv(users=["alice"], processes=0, apache="fcgid", store_writable=False) as env:
        resp = env.http(None, "GET", "/v1/health")
        st, hdrs, body = resp
        tap.ok(st == 503 and isinstance(body, dict) and body.get("store") == "down"
               and body.get("galaxy_db") == "ok" and "retry-after" in hdrs,
               "store directory not writable: health is a JSON 503 naming the store", resp)
        pids = set(webservers.responders_of(env.binary))
        resp = env.http("alice", "POST", "/v1/messages", body={"room": "all", "text": "x", "client_id": "u1"})
        tap.ok(is_json_error(resp, 503, "unavailable") and "retry-after" in resp[1],
               "... sending is a JSON 503 with Retry-After", resp)
        resp = env.http("alice", "GET", "/v1/events", query="since=0&timeout=1")
        tap.ok(is_json_error(resp, 503, "unavailable"), "... polling is a JSON 503", resp)
        log = env.apache.error_log()
        tap.ok("not writable" in log, "... and the reason is in Apache's error log", log[-3000:])
        st, _, _ = env.http(None, "GET", "/v1/health")
        after = set(webservers.responders_of(env.binary))
        tap.ok(st == 503 and pids and pids <= after,
               "... the same galaxy-chat processes keep answering (nothing crashed)",
               "before %r, after %r" % (sorted(pids), sorted(after)))
        store_dir = os.path.dirname(env.store)
        os.chmod(store_dir, 0o755)
        webservers.give_to_worker(store_dir)
        resp = env.http(None, "GET", "/v1/health")
        tap.ok(resp[0] == 200, "once the directory is fixed, the next request works, no restart", resp)


def main():
    main_fcgid()
    main_unwritable()


if __name__ == "__main__":
    tap.run(main)
