#!/usr/bin/python3
"""Browser test of what the web client does with unread state (issue 18,
doc/api.md "Mentions, read markers and unread counts"), printing TAP for
`make check`: the counts of every tab and of the title, the "new messages"
divider, read markers and their clearing in another tab, mentions marked,
@-completion, browser notifications and the settings menu.

A ChatEnv of its own (nginx serving www/ at /chat/ and the API at
/chat/api/), so that the counts start from nothing whatever the other
browser tests said; then tests/browser/attention.test.mjs runs with node's
test runner, driving Debian's chromium through playwright-core
(tests/lib/nodetest.py, as tests/browser.py does).
"""

import atexit
import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.environ.get("GC_SRCDIR") or os.path.dirname(HERE)
sys.path.insert(0, os.path.join(SRCDIR, "tests", "lib"))
import nodetest  # noqa: E402
from nodetest import cookie  # noqa: E402

TEST_FILE = os.path.join(SRCDIR, "tests", "browser", "attention.test.mjs")
USERS = ["alice", "bob", "carol", "carla", "user.dot"]


def main():
    node, playwright, chromium = nodetest.tools()

    import chatenv

    workdir = tempfile.mkdtemp(prefix="gc-attention-")
    atexit.register(shutil.rmtree, workdir, True)
    with chatenv.ChatEnv(users=USERS, nginx=True, workdir=workdir) as env:
        child_env = {
            "GC_BASE_URL": env.base_url,
            "GC_COOKIES": ",".join("%s=%s" % (u, cookie(env, u)) for u in USERS),
            "GC_PLAYWRIGHT_CORE": playwright,
            "GC_CHROMIUM": chromium,
        }
        if getattr(env, "api_url", None):
            child_env["GC_API_URL"] = env.api_url
        return nodetest.run(node, [TEST_FILE], child_env)


if __name__ == "__main__":
    sys.exit(main())
