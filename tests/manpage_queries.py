"""The sqlite3 one-liners in galaxy-chat(8) "Reading the logs" work on a
real store: each is run with the sqlite3 shell, as an admin would."""

import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from chatenv import SRCDIR, ChatEnv  # noqa: E402
from tap import ok, run  # noqa: E402


def queries():
    with open(os.path.join(SRCDIR, "man", "galaxy-chat.8")) as f:
        page = f.read()
    section = page[page.index(".Ss Reading the logs"):page.index(".Sh FILES")]
    for block in re.findall(r"\.Bd -literal[^\n]*\n(.*?)\n\.Ed", section, re.S):
        text = block.replace("\\e", "\\")
        for stmt in [s.strip() for s in text.split(";") if s.strip()]:
            yield stmt + ";"


def main():
    with ChatEnv(users=["alice", "bob"], admins=["alice"]) as env:
        env.api("alice", "POST", "/v1/rooms/NGS/join")
        env.api("bob", "POST", "/v1/rooms/NGS/join")
        env.api("alice", "POST", "/v1/messages", body={"room": "NGS", "text": "has anyone run HISAT2?"})
        st, _, m = env.api("bob", "POST", "/v1/messages", body={"room": "NGS", "text": "oops"})
        env.api("bob", "DELETE", "/v1/messages/%d" % m["id"])
        env.api("bob", "POST", "/v1/messages", body={"to": "alice", "text": "hi"})
        n = 0
        for sql in queries():
            n += 1
            p = subprocess.run(["sqlite3", "-readonly", env.store, sql], capture_output=True, text=True,
                               timeout=30)
            ok(p.returncode == 0 and not p.stderr, "runs: " + " ".join(sql.split())[:70], p.stderr)
            if "HISAT2" in sql or "deleted_at" in sql or "room_activity" in sql:
                ok(p.stdout.strip() != "", "  and finds rows", sql)
        ok(n >= 6, "the man page has %d queries" % n)


run(main)
