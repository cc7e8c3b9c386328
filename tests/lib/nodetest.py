"""What the browser tests (tests/browser.py, tests/webhook.py) share: finding
node, playwright-core and chromium, a control server through which the node
test stops and restarts the responder of the ChatEnv living in the Python
process, and running a node test file with its TAP relayed line by line.

    node, playwright, chromium = nodetest.tools()      # or a TAP "Bail out!"
    with nodetest.control(env) as url:                 # POST url/stop_chat ...
        sys.exit(nodetest.run(node, [test_file], {..., "GC_CONTROL_URL": url}))

playwright-core is looked for in $GC_NODE_MODULES, then in
tests/browser/node_modules of the source tree (and of the trees above it,
which is where it is during `make distcheck`).  Missing, it fails loudly:
install it with `npm ci --prefix tests/browser`.  A browser is never
downloaded; $GC_CHROMIUM (default /usr/bin/chromium) is used.

Stdlib only.
"""

import contextlib
import os
import shutil
import subprocess
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SRCDIR = os.environ.get("GC_SRCDIR") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILDDIR = os.environ.get("GC_BUILDDIR") or SRCDIR
BROWSER_DIR = os.path.join(SRCDIR, "tests", "browser")
# a bound against a hung browser, not a speed test: the suite takes a few
# minutes on an idle machine and several times that on a loaded one
TIMEOUT = int(os.environ.get("GC_BROWSER_TIMEOUT", "1500"))


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


def tools():
    """(node, playwright-core's entry, chromium), or a TAP bail-out saying what is missing."""
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
    return node, playwright, chromium


def cookie(env, user):
    """The galaxysession value ChatEnv made for `user` the way Galaxy does."""
    cookies = getattr(env, "cookies", None)
    return cookies[user] if isinstance(cookies, dict) else env.cookie(user)


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


@contextlib.contextmanager
def control(env):
    """The control server for `env` on 127.0.0.1; yields its URL."""
    ctl = ThreadingHTTPServer(("127.0.0.1", 0), Control)
    ctl.env = env
    ctl.lock = threading.Lock()
    ctl.up = True
    with open(env.config) as f:
        ctl.config = f.read()
    threading.Thread(target=ctl.serve_forever, daemon=True).start()
    try:
        yield "http://127.0.0.1:%d" % ctl.server_address[1]
    finally:
        ctl.shutdown()


def run(node, test_files, child_env):
    """Runs the node test files (in tests/browser), relaying their TAP line
    by line; 0 if they passed, 1 if not (or killed after $GC_BROWSER_TIMEOUT)."""
    args = [node, "--test", "--test-reporter=tap"]
    if os.environ.get("GC_TEST_PATTERN"):   # to run some of the cases while working on them
        args.append("--test-name-pattern=" + os.environ["GC_TEST_PATTERN"])
    env = dict(os.environ)
    env.update(child_env)
    proc = subprocess.Popen(args + test_files, stdout=subprocess.PIPE, env=env, text=True, cwd=BROWSER_DIR)
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
