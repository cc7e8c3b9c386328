#!/usr/bin/python3
"""Browser test of the web client (www/), printing TAP for `make check`.

Starts the real stack with ChatEnv (Galaxy database fixture, galaxy-chat,
nginx serving www/ at /chat/ and the API at /chat/api/), then runs
tests/browser/chat.test.mjs with node's test runner, which drives Debian's
chromium through playwright-core.  Node's TAP is relayed as it comes; the
exit status is node's.

The node test stops and restarts the responder through a small control
server on 127.0.0.1 (POST /stop_chat, POST /start_chat, and POST
/restart_chat?key=value...: the responder again with those [chat] keys
added to the test's config), since ChatEnv lives in this process.

playwright-core is looked for in $GC_NODE_MODULES, then in
tests/browser/node_modules of the source tree (and of the trees above it,
which is where it is during `make distcheck`).  Missing, it fails loudly:
install it with `npm ci --prefix tests/browser`.  A browser is never
downloaded; $GC_CHROMIUM (default /usr/bin/chromium) is used.
"""

import atexit
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.environ.get("GC_SRCDIR") or os.path.dirname(HERE)
BUILDDIR = os.environ.get("GC_BUILDDIR") or SRCDIR
sys.path.insert(0, os.path.join(SRCDIR, "tests", "lib"))

TEST_FILE = os.path.join(SRCDIR, "tests", "browser", "chat.test.mjs")
# Usernames come from Galaxy's database; the client must show any of them
# as text, and "__proto__" must be just another name. MALLORY's is one
# Galaxy's rule refuses: the chat calls her by the handle user#<id>, which
# the client must take as a name like any other ('#' and all).
MALLORY = 'mallory<img src=x onerror="window.__pwned=\'name\'">'
# The Galaxy whose links get cards (galaxy_url): never asked, links only.
GALAXY = "https://usegalaxy.example"
# Card readers (issue 20): bob owns the Galaxy objects, carol has one shared
# with her, dave is a stranger, erin is for the rate limit alone.
CARD_USERS = ["carol", "dave", "erin"]
TIMEOUT = int(os.environ.get("GC_BROWSER_TIMEOUT", "600"))


def bail(msg):
    """TAP's way to say the whole test could not run: the harness fails it."""
    print("Bail out! " + msg, flush=True)
    sys.exit(1)


def find_playwright():
    candidates = []
    if os.environ.get("GC_NODE_MODULES"):
        candidates.append(os.environ["GC_NODE_MODULES"])
    d = os.path.abspath(SRCDIR)
    for _ in range(4):
        candidates.append(os.path.join(d, "tests", "browser", "node_modules"))
        d = os.path.dirname(d)
    candidates.append(os.path.join(BUILDDIR, "tests", "browser", "node_modules"))
    for nm in candidates:
        entry = os.path.join(nm, "playwright-core", "index.mjs")
        if os.path.isfile(entry):
            return entry
    return None


class Control(BaseHTTPRequestHandler):
    """POST /stop_chat, POST /start_chat: the responder goes away and comes
    back; POST /restart_chat?key=value...: it comes back with those [chat]
    keys added to the test's own config (none: the config as it was)."""

    def do_POST(self):
        path, _, query = self.path.partition("?")
        if path not in ("/stop_chat", "/start_chat", "/restart_chat"):
            self.send_error(404)
            return
        want_up = path != "/stop_chat"
        env = self.server.env
        try:
            with self.server.lock:
                if path == "/restart_chat":
                    if self.server.up:
                        env.stop_chat()
                        self.server.up = False
                    with open(env.config, "w") as f:
                        f.write(self.server.config + "".join(
                            "%s = %s\n" % kv for kv in urllib.parse.parse_qsl(query)))
                # Idempotent: ChatEnv.start_chat on a running responder would
                # start a second one and orphan the first.
                if want_up != self.server.up:
                    (env.start_chat if want_up else env.stop_chat)()
                    self.server.up = want_up
            status, body = 200, b"ok\n"
        except Exception as e:  # reported to the node test, which fails on it
            status, body = 500, f"{type(e).__name__}: {e}\n".encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        sys.stderr.write("control: " + (fmt % args) + "\n")


def screenshot_path():
    """$GC_SCREENSHOT when set (to refresh the README's picture:
    GC_SCREENSHOT=$PWD/doc/screenshot.png make check TESTS=tests/browser.py),
    else a file in a temporary directory, so a test run changes nothing in
    the source tree."""
    if os.environ.get("GC_SCREENSHOT"):
        return os.environ["GC_SCREENSHOT"]
    d = tempfile.mkdtemp(prefix="gc-browser-")
    atexit.register(shutil.rmtree, d, True)
    return os.path.join(d, "screenshot.png")


def cookie(env, user):
    """The galaxysession value ChatEnv made for `user` the way Galaxy does."""
    cookies = getattr(env, "cookies", None)
    return cookies[user] if isinstance(cookies, dict) else env.cookie(user)


def galaxy_objects(env):
    """Galaxy objects of bob's in the fixture, as the links to them
    (GC_GALAXY_OBJECTS for the node test)."""
    from galaxy_fixture import encode_id
    db, u = env.galaxy_db, env.user_ids
    enc = lambda i: encode_id(env.secret, i)   # noqa: E731
    bob = u["bob"]
    private = db.add_history(bob, "Private analysis")
    shared = db.add_history(bob, "Shared with carol", shared_with=[u["carol"]])
    published = db.add_history(bob, "RNA-seq tutorial", importable=True, published=True, slug="rna-seq")
    nasty = db.add_history(bob, '<img src=x onerror="window.__pwned=\'card\'">', importable=True)
    deleted = db.add_history(bob, "Old work", deleted=True)
    ok, _ = db.add_dataset(published, "reads.fastq", "fastqsanger", file_size=1536)
    failed, _ = db.add_dataset(published, "counts.tsv", "tabular", state="error", file_size=20)
    wf, _ = db.add_workflow(bob, "QC pipeline", steps=4, importable=True, published=True)
    return {
        "site": GALAXY,
        "private": GALAXY + "/histories/view?id=" + enc(private),
        "private_sharing": GALAXY + "/histories/sharing?id=" + enc(private),
        "shared": GALAXY + "/histories/view?id=" + enc(shared),
        "published": GALAXY + "/u/bob/h/rna-seq",
        "nasty": GALAXY + "/histories/view?id=" + enc(nasty),
        "deleted": GALAXY + "/histories/view?id=" + enc(deleted),
        "dataset_ok": GALAXY + "/datasets/%s/details" % enc(ok),
        "dataset_error": GALAXY + "/datasets/%s/details" % enc(failed),
        "workflow": GALAXY + "/published/workflow?id=" + enc(wf),
        "foreign": "https://usegalaxy.example.evil.example/histories/view?id=" + enc(published),
    }


def main():
    node = shutil.which("node")
    if not node:
        bail("node is not installed (Debian: apt-get install nodejs npm)")
    playwright = find_playwright()
    if not playwright:
        bail("playwright-core is missing: run `npm ci --prefix tests/browser` "
             "(or point GC_NODE_MODULES at a node_modules that has it)")
    chromium = os.environ.get("GC_CHROMIUM", "/usr/bin/chromium")
    if not os.access(chromium, os.X_OK):
        bail(f"{chromium} is missing (Debian: apt-get install chromium)")

    import chatenv

    # No allowed_origins: the page's own origin (http://127.0.0.1:PORT, with
    # Debian's nginx passing HTTP_HOST without the port) must be enough.
    # A work directory of our own (ChatEnv keeps a given one; we remove it).
    workdir = tempfile.mkdtemp(prefix="gc-browser-")
    atexit.register(shutil.rmtree, workdir, True)
    # alice is a Galaxy admin (admin_users): the mute controls and admin deletes are hers.
    with chatenv.ChatEnv(users=["alice", "bob", MALLORY, "__proto__"] + CARD_USERS, admins=["alice"],
                         nginx=True, workdir=workdir, options={"galaxy_url": GALAXY}) as env:
        ctl = ThreadingHTTPServer(("127.0.0.1", 0), Control)
        ctl.env = env
        ctl.lock = threading.Lock()
        ctl.up = True
        with open(env.config) as f:
            ctl.config = f.read()
        threading.Thread(target=ctl.serve_forever, daemon=True).start()
        try:
            child_env = dict(os.environ)
            child_env.update({
                "GC_BASE_URL": env.base_url,
                "GC_COOKIE_ALICE": cookie(env, "alice"),
                "GC_COOKIE_BOB": cookie(env, "bob"),
                "GC_MALLORY": MALLORY,
                "GC_MALLORY_NAME": "user#%d" % env.user_ids[MALLORY],
                "GC_COOKIE_MALLORY": cookie(env, MALLORY),
                "GC_COOKIE_PROTO": cookie(env, "__proto__"),
                "GC_GALAXY_OBJECTS": json.dumps(galaxy_objects(env)),
                **{"GC_COOKIE_" + u.upper(): cookie(env, u) for u in CARD_USERS},
                "GC_CONTROL_URL": "http://127.0.0.1:%d" % ctl.server_address[1],
                "GC_PLAYWRIGHT_CORE": playwright,
                "GC_CHROMIUM": chromium,
                "GC_SCREENSHOT": screenshot_path(),
            })
            if getattr(env, "api_url", None):
                child_env["GC_API_URL"] = env.api_url
            with compat_env(chatenv) as compat:
                if compat:
                    child_env["GC_COMPAT_URL"] = getattr(compat.apache, "url_7070", None) \
                        or "http://127.0.0.1:%d/" % compat.apache.port_7070
                    child_env["GC_COMPAT_COOKIE_ALICE"] = cookie(compat, "alice")
                return run_node(node, child_env)
        finally:
            ctl.shutdown()


@contextlib.contextmanager
def compat_env(chatenv):
    """Galaxy 16.07-20.09's layout: Apache's :7070 vhost from
    etc/apache/galaxy-chat-7070.conf, the page at / and the API at /api/.
    Yields None, and says why, where Apache or mod_fcgid is not installed."""
    apache = os.environ.get("GC_APACHE", "/usr/sbin/apache2")
    modules = os.environ.get("GC_APACHE_MODULES", "/usr/lib/apache2/modules")
    if not os.access(apache, os.X_OK) or not os.path.exists(os.path.join(modules, "mod_fcgid.so")):
        print("# the old-Galaxy vhost is not tested here: no apache2 with mod_fcgid", flush=True)
        yield None
        return
    workdir = tempfile.mkdtemp(prefix="gc-browser-7070-")
    atexit.register(shutil.rmtree, workdir, True)
    with chatenv.ChatEnv(users=["alice"], processes=0, apache="fcgid", workdir=workdir) as env:
        yield env


def run_node(node, child_env):
    """Runs the node test, relaying its TAP line by line; 0 if it passed."""
    args = [node, "--test", "--test-reporter=tap"]
    if os.environ.get("GC_TEST_PATTERN"):   # to run some of the cases while working on them
        args.append("--test-name-pattern=" + os.environ["GC_TEST_PATTERN"])
    proc = subprocess.Popen(args + [TEST_FILE],
                            stdout=subprocess.PIPE, env=child_env, text=True, cwd=HERE)
    timer = threading.Timer(TIMEOUT, proc.kill)
    timer.start()
    try:
        for line in proc.stdout:
            sys.stdout.write(line)
            sys.stdout.flush()
        rc = proc.wait()
    finally:
        timer.cancel()
    if rc < 0:
        print(f"Bail out! node was killed after {TIMEOUT} s", flush=True)
        return 1
    return 0 if rc == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
