#!/usr/bin/python3
"""Browser test of galaxy-chat's masthead webhook
(etc/galaxy/webhooks/galaxy-chat/) in a stand-in of Galaxy's page, printing
TAP for `make check`.

A real Galaxy cannot run on our machines, so the test reproduces what
Galaxy does with a webhook, from Galaxy's own source (named in
tests/lib/galaxy_webhooks.py and tests/browser/galaxy.html): the answer of
GET /api/webhooks built from the webhook directory as Galaxy's
WebhooksRegistry builds it, and a page that injects script.js and
styles.css into its <head> before the masthead item exists, renders the
item later, and clicks in the three ways Galaxy versions do.  That page is
served by the same nginx as the chat (etc/nginx/galaxy-chat.conf), on the
same origin, as a real deployment has the chat under Galaxy's host; the
same nginx under the name "localhost" is another origin.

Then tests/browser/webhook.test.mjs drives Debian's chromium through
playwright-core (tests/lib/nodetest.py), as tests/browser.py does.
"""

import atexit
import json
import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.environ.get("GC_SRCDIR") or os.path.dirname(HERE)
sys.path.insert(0, os.path.join(SRCDIR, "tests", "lib"))
import nodetest  # noqa: E402
from nodetest import cookie  # noqa: E402

try:
    import galaxy_webhooks  # noqa: E402
except ImportError as e:   # PyYAML: Debian's python3-yaml
    nodetest.bail("cannot build Galaxy's webhook registry: %s (Debian: apt-get install python3-yaml)" % e)

TEST_FILE = os.path.join(SRCDIR, "tests", "browser", "webhook.test.mjs")
WEBHOOKS_DIR = os.path.join(SRCDIR, "etc", "galaxy", "webhooks")
PAGE = os.path.join(SRCDIR, "tests", "browser", "galaxy.html")

# A page of another origin that asks Galaxy's page to open the chat: ignored.
EVIL = """<!doctype html><meta charset=utf-8><title>elsewhere</title><script>
parent.postMessage({type: 'galaxy-chat:open', room: 'evil', draft: 'sent from elsewhere'}, '*');
parent.postMessage({type: 'galaxy-chat:close'}, '*');
document.title = 'posted';
</script>"""


def welcome_page():
    """Galaxy's welcome page with the "Ask in the NGS room" link of
    doc/deploying.md, taken from there, so the documented snippet is the
    one tested."""
    with open(os.path.join(SRCDIR, "doc", "deploying.md")) as f:
        lines = f.read().split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith('    <a href="/chat/#room=NGS"'))
    end = next(i for i in range(start, len(lines)) if lines[i].endswith("</a>"))
    link = "\n".join(line[4:] for line in lines[start:end + 1])
    return "<!doctype html><meta charset=utf-8><title>Welcome</title><h1>Welcome to Galaxy</h1>\n" + link + "\n"


def galaxy_site(workdir):
    """The stand-in Galaxy's files, and the nginx locations serving them
    (Galaxy's page at / and /elsewhere/, its GET /api/webhooks, its welcome
    page; a page of another origin's)."""
    hooks, problems = galaxy_webhooks.registry([WEBHOOKS_DIR])
    if problems:
        nodetest.bail("Galaxy would not load the webhook: %r" % problems)
    site = os.path.join(workdir, "galaxy-site")
    os.makedirs(site)
    os.chmod(site, 0o755)
    with open(os.path.join(site, "webhooks.json"), "w") as f:
        json.dump(hooks, f)
    shutil.copy(PAGE, os.path.join(site, "galaxy.html"))
    with open(os.path.join(site, "evil.html"), "w") as f:
        f.write(EVIL)
    with open(os.path.join(site, "welcome.html"), "w") as f:
        f.write(welcome_page())
    for name in os.listdir(site):
        os.chmod(os.path.join(site, name), 0o644)
    locations = ""
    for root in ("/", "/elsewhere/"):
        locations += "        location = %s { root %s; try_files /galaxy.html =404; }\n" % (root, site)
        locations += ("        location = %sapi/webhooks { alias %s/webhooks.json; default_type application/json; }\n"
                      % (root, site))
    locations += "        location = /evil.html { root %s; }\n" % site
    locations += "        location = /welcome.html { root %s; }\n" % site
    return locations


def main():
    node, playwright, chromium = nodetest.tools()
    import chatenv

    workdir = tempfile.mkdtemp(prefix="gc-webhook-")
    atexit.register(shutil.rmtree, workdir, True)
    os.chmod(workdir, 0o755)
    locations = galaxy_site(workdir)
    with chatenv.ChatEnv(users=["alice", "bob"], nginx=True, nginx_locations=locations,
                         workdir=os.path.join(workdir, "chat")) as env:
        with nodetest.control(env) as control_url:
            galaxy = "http://127.0.0.1:%d/" % env.port
            return nodetest.run(node, [TEST_FILE], {
                "GC_GALAXY_URL": galaxy,
                "GC_BASE_URL": env.base_url,
                "GC_OTHER_ORIGIN": "http://localhost:%d" % env.port,
                "GC_COOKIE_ALICE": cookie(env, "alice"),
                "GC_COOKIE_BOB": cookie(env, "bob"),
                "GC_CONTROL_URL": control_url,
                "GC_PLAYWRIGHT_CORE": playwright,
                "GC_CHROMIUM": chromium,
            })


if __name__ == "__main__":
    sys.exit(main())
