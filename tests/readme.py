"""README.md, the newcomer's first page: every repository path it names
exists (it once pointed at an API.md that was not there), its two opening
commands are there to run, and its first screen says what a newcomer trips
over in the demo: the port and DEMO_PORT, 127.0.0.1 only and how to reach
it from elsewhere, switching user, demo-run/ wiped at each start, where the
logs are, and how long the suite takes."""

import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from chatenv import BUILDDIR, SRCDIR  # noqa: E402
from tap import ok, run  # noqa: E402

MADE_BY_THE_DEMO = "demo-run/"   # tests/demo.py checks the demo makes what the README names there


def named_paths(text):
    """Repository paths named in `code` or as link targets: relative, one
    word, with a slash (scripts/demo, doc/api.md, www/), or a bare *.md."""
    found = []
    for tok in re.findall(r"`([^`]+)`", text) + re.findall(r"\]\(([^)\s]+)\)", text):
        tok = tok.strip()
        if (re.search(r"[\s$*<>=:(){}'\"]", tok) or tok.startswith(("/", "~", "-", "http")) or
                tok.startswith(MADE_BY_THE_DEMO)):
            continue
        if "/" in tok or tok.endswith(".md"):
            found.append(tok)
    return sorted(set(found))


def main():
    with open(os.path.join(SRCDIR, "README.md")) as f:
        text = f.read()
    paths = named_paths(text)
    ok(len(paths) >= 10 and "doc/api.md" in paths and "scripts/demo" in paths,
       "the README's repository paths are found", paths)
    for p in paths:
        there = any(os.path.exists(os.path.join(d, p)) for d in (SRCDIR, BUILDDIR))
        ok(there, "README names %s: it exists" % p)

    opening = re.search(r"\n\n((?:    .*\n)+)", text).group(1).split("\n")
    commands = [line.split()[0] for line in opening if line.strip()]
    ok(commands == ["scripts/demo", "scripts/test"], "the two opening commands", commands)
    for c in commands:
        ok(os.access(os.path.join(SRCDIR, c), os.X_OK), "%s is there to run" % c)

    first = "\n".join(text.split("\n")[:25])
    for fact, words in [
            ("the demo's address and DEMO_PORT", ["http://127.0.0.1:8080/", "DEMO_PORT="]),
            ("127.0.0.1 only, and a tunnel from elsewhere", ["127.0.0.1 only", "ssh -L 8080:127.0.0.1:8080"]),
            ("how to switch user", ["/demo/switch"]),
            ("demo-run/ is wiped at each start", ["demo-run/", "wiped at each start"]),
            ("where the demo's logs are", ["demo-run/chat-0.log", "demo-run/nginx/error.log"]),
            ("how long the suite takes", ["about 30 minutes"])]:
        ok(all(w in first for w in words), "the README's first screen says %s" % fact, words)


run(main)
