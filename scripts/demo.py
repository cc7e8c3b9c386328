"""Runs the demo (see scripts/demo): a Galaxy-schema SQLite database with
demo users, a fresh id_secret, galaxy-chat --listen, and nginx from
etc/nginx/galaxy-chat.conf on 127.0.0.1:8080 with a demo-only login page.

The login page exists only in the nginx configuration this script writes:
galaxy-chat itself has no way to log anybody in.

DEMO_PORT picks another port, DEMO_DIR another directory than demo-run/
(wiped at each start, so it must be a demo's directory or absent). A port
already in use is refused before anything starts; a stop that was asked for
(Ctrl-C, or SIGTERM/SIGHUP, to this process or its whole process group)
says "demo stopped" and exits 0; anything else that stops galaxy-chat or
nginx is reported, with the log to read, and exits 1."""

import os
import secrets
import signal
import socket
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "lib"))
os.environ.setdefault("GC_SRCDIR", os.path.join(HERE, ".."))

from chatenv import DEMO_TITLE, ChatEnv  # noqa: E402
import webservers  # noqa: E402

USERS = ["alice", "bob", "carol"]


def fail(msg):
    print("galaxy-chat demo: " + msg, file=sys.stderr, flush=True)
    return 1


def port_taken(port):
    """Why 127.0.0.1:port cannot be listened on (as nginx will, with
    SO_REUSEADDR), or None when it can."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind(("127.0.0.1", port))
        return None
    except OSError as e:
        return e.strerror
    finally:
        s.close()


def other_port(port):
    """A port to suggest instead of port: the next free one above it."""
    for p in range(port + 1, min(port + 50, 65536)):
        if not port_taken(p):
            return p
    return webservers.free_port()


def is_demo_dir(path):
    """Whether path may be wiped: absent, empty, or made by an earlier demo."""
    return (not os.path.exists(path) or not os.listdir(path) or
            (os.path.isfile(os.path.join(path, "galaxy-chat.ini")) and
             os.path.isdir(os.path.join(path, "galaxy", "config"))))


def serves_demo(port):
    """Whether what answers on port is this demo's nginx (its login page)."""
    try:
        status, _, body = webservers.http_request(port, "GET", "/", timeout=5)
    except OSError:
        return False
    return status == 200 and ("<title>%s</title>" % DEMO_TITLE).encode() in body


def main():
    try:
        port = int(os.environ.get("DEMO_PORT", "8080"))
    except ValueError:
        return fail("DEMO_PORT must be a port number, not %r" % os.environ["DEMO_PORT"])
    workdir = os.path.abspath(os.environ.get("DEMO_DIR") or os.path.join(HERE, "..", "demo-run"))
    why = port_taken(port)
    if why:
        return fail("cannot listen on 127.0.0.1:%d: %s (another program, or a demo still "
                    "running, has it).\nStop that, or pick another port: DEMO_PORT=%d scripts/demo"
                    % (port, why, other_port(port)))
    if not is_demo_dir(workdir):
        return fail("%s exists and is not a demo's directory: not wiping it (set DEMO_DIR "
                    "to a new directory)" % workdir)

    # A stop asked for: Ctrl-C, or a signal to the whole process group,
    # reaches galaxy-chat and nginx too, which then exit: not a failure.
    stop = []
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda *a: stop.append(1))
    env = ChatEnv(users=USERS, admins=["alice"], nginx=True, port=port, workdir=workdir,
                  secret=secrets.token_hex(16), demo_logins=True,
                  options={"poll_timeout": "25", "auth_cache_seconds": "5"})
    try:
        env.__enter__()
    except Exception as e:
        if stop:
            print("demo stopped")
            return 0
        return fail("did not start: %s\nFiles and logs: %s" % (e, workdir))
    try:
        if not serves_demo(port):
            return fail("something else answers on 127.0.0.1:%d, not the demo's nginx (see %s); "
                        "pick another port: DEMO_PORT=%d scripts/demo"
                        % (port, os.path.join(workdir, "nginx", "error.log"), other_port(port)))
        url = "http://127.0.0.1:%d/" % port
        print("""
galaxy-chat demo is running.

  Open   %(url)s  and pick a demo user: %(users)s (alice is an admin).
  Switch user: %(url)sdemo/switch (or a second browser, or a private window,
  to chat as two users at once).
  Only this machine can connect (127.0.0.1). From another one, tunnel:
      ssh -L %(port)d:127.0.0.1:%(port)d THIS-HOST    and open %(url)s there.

  Files: %(dir)s (made afresh at each start)
  Logs:  %(dir)s/chat-0.log (galaxy-chat), %(dir)s/nginx/error.log
  Read the chat log:  sqlite3 %(store)s 'SELECT * FROM chat_log'
  Stop with Ctrl-C.
""" % {"url": url, "port": port, "users": ", ".join(USERS), "dir": workdir, "store": env.store},
              flush=True)
        watched = [(p, "galaxy-chat", os.path.join(workdir, "chat-0.log")) for p in env.procs]
        watched.append((env.nginx.proc, "nginx", os.path.join(workdir, "nginx", "error.log")))
        while not stop:
            time.sleep(0.5)
            dead = [(name, log) for p, name, log in watched if p.poll() is not None]
            if dead and not stop:
                time.sleep(0.5)   # a group signal may reach us a moment after them
            if dead and not stop:
                return fail("%s stopped unexpectedly; see %s" % dead[0])
    finally:
        env.close()
    print("demo stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
