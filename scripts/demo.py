"""Runs the demo (see scripts/demo): a Galaxy-schema SQLite database with
demo users, a fresh id_secret, galaxy-chat --listen, and nginx from
etc/nginx/galaxy-chat.conf on 127.0.0.1:8080 with a demo-only login page.

The login page exists only in the nginx configuration this script writes:
galaxy-chat itself has no way to log anybody in."""

import os
import secrets
import signal
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "lib"))
os.environ.setdefault("GC_SRCDIR", os.path.join(HERE, ".."))

from chatenv import ChatEnv  # noqa: E402

USERS = ["alice", "bob", "carol"]


def main():
    port = int(os.environ.get("DEMO_PORT", "8080"))
    workdir = os.path.abspath(os.path.join(HERE, "..", "demo-run"))
    env = ChatEnv(users=USERS, admins=["alice"], nginx=True, port=port, workdir=workdir,
                  secret=secrets.token_hex(16), demo_logins=True,
                  options={"poll_timeout": "25", "auth_cache_seconds": "5"})
    stop = []
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
    with env:
        print("""
galaxy-chat demo is running.

  Open   http://127.0.0.1:%(port)d/
  Log in as one of the demo users there: %(users)s (alice is an admin).
  Use a second browser (or a private window) to chat as another user.

  Files: %(dir)s (Galaxy database, galaxy.ini, galaxy-chat.ini, store, logs)
  Read the log:  sqlite3 %(store)s 'SELECT * FROM chat_log'
  Stop with Ctrl-C.
""" % {"port": port, "users": ", ".join(USERS), "dir": workdir, "store": env.store}, flush=True)
        try:
            while not stop:
                time.sleep(0.5)
                if any(p.poll() is not None for p in env.procs):
                    print("galaxy-chat stopped unexpectedly; see %s" % workdir, file=sys.stderr)
                    return 1
        except KeyboardInterrupt:
            pass
    print("demo stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
