#!/usr/bin/python3
"""nginx, configured from etc/nginx/galaxy-chat.conf (templated for paths
and ports only), in front of a standalone `galaxy-chat --listen`:

* the API under /chat/api (PATH_INFO routing), the client under /chat/;
* a poll waiting in the standalone responder wakes at once for a message
  sent through another galaxy-chat process on the same store: one serving
  FastCGI on its standard input under spawn-fcgi (as mod_fcgid runs it);
* a poll with nothing to say is an empty 200 at poll_timeout (the default,
  25 s), before nginx's fastcgi_read_timeout;
* a body over max_body_bytes gets galaxy-chat's JSON 413, not nginx's page;
* an admin's PUT of a topic, a PUT and DELETE of a pin pass through;
* SIGTERM (systemd's stop) answers the waiting polls, and the process exits;
* a store directory galaxy-chat cannot write: `--listen` refuses to start
  and says why, nginx answers a JSON 503 meanwhile; a responder on standard
  input answers JSON 503s and stays up.
"""
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import fcgi  # noqa: E402
import tap  # noqa: E402
import webservers  # noqa: E402
from chatenv import ChatEnv, connectable, wait_for  # noqa: E402
from deploy_apache import POLL_TIMEOUT, Poll, cursor, framing, is_json_error, topic_and_pin  # noqa: E402

SPAWN_FCGI = os.environ.get("GC_SPAWN_FCGI", "/usr/bin/spawn-fcgi")


def spawn_fcgi(env, sock, log):
    """galaxy-chat with FastCGI on its standard input, as mod_fcgid runs it,
    under spawn-fcgi (-n: spawn-fcgi becomes galaxy-chat, same pid)."""
    cmd = [SPAWN_FCGI, "-n", "-s", sock, "-M", "0666"]
    ids = webservers.drop_user() if env.as_worker else None
    if ids:
        cmd += ["-u", str(ids[0]), "-g", str(ids[1])]
    p = subprocess.Popen(cmd + ["--", env.binary, "-c", env.config], stdin=subprocess.DEVNULL,
                         stdout=log, stderr=log)
    wait_for(lambda: connectable(sock) or p.poll() is not None, 10, "spawn-fcgi socket")
    return p


def stop(p):
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            return p.wait(15)
        except subprocess.TimeoutExpired:
            p.kill()
    return p.wait()


def main_nginx():
    with ChatEnv(users=["alice", "bob", "carol"], processes=1, nginx=True, admins=["alice"],
                 options={"poll_timeout": str(POLL_TIMEOUT)}) as env:
        st, hdrs, body = env.http(None, "GET", "/v1/health")
        tap.ok(st == 200 and isinstance(body, dict) and body.get("ok") is True,
               "GET /chat/api/v1/health through nginx", (st, hdrs, body))
        tap.ok(is_json_error(env.http("alice", "GET", "/v1/no-such-route"), 404, "not_found"),
               "routes come from PATH_INFO: an unknown one is galaxy-chat's JSON 404")
        st, hdrs, body = env.http(None, "GET", "", api=False)
        tap.ok(st == 200 and hdrs.get("content-type", "").startswith("text/html") and b"<" in body,
               "GET /chat/ serves the browser client", (st, hdrs, body[:200]))
        framing(env)

        idle = Poll(env, "carol", cursor(env, "carol"))
        idle.start()

        sock = os.path.join(os.path.dirname(env.sockets[0]), "spawned.sock")
        log = open(os.path.join(env.dir, "spawned.log"), "ab")
        other = spawn_fcgi(env, sock, log)
        try:
            tap.ok(other.poll() is None, "a second galaxy-chat on the same store, under spawn-fcgi")
            for u in ("alice", "bob"):
                st, _, body = env.http(u, "POST", "/v1/rooms/NGS/join")
                tap.ok(st == 200, "%s joins NGS through nginx" % u, (st, body))
            poll = Poll(env, "bob", cursor(env, "bob"))
            poll.start()
            time.sleep(1.0)
            tap.ok(poll.is_alive(), "bob's poll waits in the standalone responder", poll.result)
            st, _, body = fcgi.request(sock, "POST", "/v1/messages", cookie=env.cookie_header("alice"),
                                       body={"room": "NGS", "text": "via spawn-fcgi", "client_id": "s-1"})
            t_sent = time.monotonic()
            tap.ok(st == 201, "alice's message, sent through the spawn-fcgi process, is stored", (st, body))
            message_id = body["id"] if st == 201 else 0
            poll.join(15)
            evs = poll.result[2].get("events", []) if poll.result and isinstance(poll.result[2], dict) else []
            tap.ok(poll.result and poll.result[0] == 200 and any(
                e.get("text") == "via spawn-fcgi" and e.get("user", {}).get("username") == "alice" for e in evs),
                "bob's poll carries it", (poll.result, poll.error))
            after = poll.ended - t_sent if poll.ended else None
            tap.ok(after is not None and after < 2.0,
                   "... at once (%s s after the send), not at its timeout" % (after and round(after, 3)), after)
        finally:
            code = stop(other)
            log.close()
        tap.eq(code, 0, "the spawn-fcgi process stops cleanly on SIGTERM")
        topic_and_pin(env, message_id, "nginx")

        big = b'{"room": "NGS", "text": "' + b"x" * 100000 + b'", "client_id": "big"}'
        resp = env.http("alice", "POST", "/v1/messages", body=big,
                        headers={"Content-Type": "application/json"})
        tap.ok(is_json_error(resp, 413, "too_large"),
               "a 100 kB body gets galaxy-chat's JSON 413, not nginx's page", resp)

        idle.join(POLL_TIMEOUT + 20)
        tap.ok(not idle.is_alive() and idle.error is None and idle.result and idle.result[0] == 200
               and isinstance(idle.result[2], dict) and idle.result[2].get("events") == [],
               "a poll with nothing to say is an empty 200", (idle.result, idle.error))
        tap.ok(idle.elapsed is not None and POLL_TIMEOUT - 1 <= idle.elapsed < 40,
               "... after poll_timeout (%s s for timeout=60), before nginx's fastcgi_read_timeout"
               % (idle.elapsed and round(idle.elapsed, 1)), idle.elapsed)

        # systemd stops the service with SIGTERM: waiting polls get their answer
        poll = Poll(env, "bob", cursor(env, "bob"))
        poll.start()
        time.sleep(1.0)
        t_term = time.monotonic()
        env.procs[0].send_signal(signal.SIGTERM)
        poll.join(15)
        tap.ok(poll.result and poll.result[0] == 200 and isinstance(poll.result[2], dict)
               and poll.result[2].get("events") == [] and poll.ended - t_term < 5,
               "SIGTERM answers a waiting poll with an empty 200 at once", (poll.result, poll.error))
        try:
            code = env.procs[0].wait(15)
        except subprocess.TimeoutExpired:
            code = None
        tap.eq(code, 0, "... and the responder exits 0, well within TimeoutStopSec")
        resp = env.http(None, "GET", "/v1/health")
        tap.ok(is_json_error(resp, 503, "unavailable") and "retry-after" in resp[1],
               "responder down: nginx answers the sample's JSON 503, not its HTML 502", resp)


def main_unwritable():
    with ChatEnv(users=["alice"], processes=0, store_writable=False) as env:
        run = os.path.join(env.dir, "run") if env.as_worker else env.dir
        sock = os.path.join(run, "chat.sock")
        log = open(os.path.join(env.dir, "listen.log"), "wb")
        p = subprocess.Popen([env.binary, "-c", env.config, "--listen", "unix:" + sock],
                             stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                             preexec_fn=env._drop if env.as_worker else None)
        log.close()
        try:
            code = p.wait(15)
        except subprocess.TimeoutExpired:
            code = None
            p.kill()
            p.wait()
        with open(os.path.join(env.dir, "listen.log"), errors="replace") as f:
            text = f.read()
        tap.ok(code == 1 and "not writable" in text and os.path.dirname(env.store) in text,
               "store directory not writable: --listen refuses to start, naming the directory",
               (code, text))
        tap.ok(not os.path.exists(sock), "... and leaves no socket behind")

        nginx = webservers.Nginx(env.dir, sock, env.www)
        try:
            port = nginx.port
            resp = webservers.http_request(port, "GET", "/chat/api/v1/health")
            tap.ok(resp[0] == 503 and resp[1].get("content-type", "").startswith("application/json")
                   and b'"unavailable"' in resp[2],
                   "... meanwhile nginx answers a JSON 503", resp)

            log = open(os.path.join(env.dir, "spawned.log"), "ab")
            other = spawn_fcgi(env, sock, log)
            try:
                st, hdrs, body = webservers.http_request(port, "GET", "/chat/api/v1/health")
                tap.ok(st == 503 and b'"store": "down"' in body.replace(b'":"', b'": "') and "retry-after" in hdrs,
                       "on standard input galaxy-chat stays up: health is its JSON 503 naming the store",
                       (st, hdrs, body))
                st, hdrs, body = webservers.http_request(
                    port, "POST", "/chat/api/v1/messages", body=b'{"room": "all", "text": "x"}',
                    headers={"Cookie": env.cookie_header("alice"), "Content-Type": "application/json"})
                tap.ok(st == 503 and b'"unavailable"' in body,
                       "... sending is a JSON 503", (st, hdrs, body))
                tap.ok(other.poll() is None, "... and the process is still running")
            finally:
                stop(other)
                log.close()
            with open(os.path.join(env.dir, "spawned.log"), errors="replace") as f:
                text = f.read()
            tap.ok("not writable" in text, "... having logged why", text)
        finally:
            nginx.stop()


def main():
    main_nginx()
    main_unwritable()


if __name__ == "__main__":
    tap.run(main)
