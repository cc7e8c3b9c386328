#!/usr/bin/python3
"""Browser test of the web client (www/), printing TAP for `make check`.

Starts the real stack with ChatEnv (Galaxy database fixture, galaxy-chat,
nginx serving www/ at /chat/ and the API at /chat/api/), then runs
tests/browser/chat.test.mjs with node's test runner, which drives Debian's
chromium through playwright-core.  Node's TAP is relayed as it comes; the
exit status is node's.

The node test stops and restarts the responder through a small control
server on 127.0.0.1 (POST /stop_chat, POST /start_chat), since ChatEnv lives
in this process.

playwright-core is looked for in $GC_NODE_MODULES, then in
tests/browser/node_modules of the source tree (and of the trees above it,
which is where it is during `make distcheck`).  Missing, it fails loudly:
install it with `npm ci --prefix tests/browser`.  A browser is never
downloaded; $GC_CHROMIUM (default /usr/bin/chromium) is used.
"""

import os
import shutil
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.environ.get("GC_SRCDIR") or os.path.dirname(HERE)
BUILDDIR = os.environ.get("GC_BUILDDIR") or SRCDIR
sys.path.insert(0, os.path.join(SRCDIR, "tests", "lib"))

TEST_FILE = os.path.join(SRCDIR, "tests", "browser", "chat.test.mjs")
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
    """POST /stop_chat, POST /start_chat: the responder goes away and comes back."""

    def do_POST(self):
        action = {"/stop_chat": self.server.env.stop_chat,
                  "/start_chat": self.server.env.start_chat}.get(self.path)
        if action is None:
            self.send_error(404)
            return
        try:
            with self.server.lock:
                action()
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

    from chatenv import ChatEnv

    with ChatEnv(users=["alice", "bob"]) as env:
        ctl = ThreadingHTTPServer(("127.0.0.1", 0), Control)
        ctl.env = env
        ctl.lock = threading.Lock()
        threading.Thread(target=ctl.serve_forever, daemon=True).start()
        try:
            child_env = dict(os.environ)
            child_env.update({
                "GC_BASE_URL": env.base_url,
                "GC_COOKIE_ALICE": env.cookie("alice"),
                "GC_COOKIE_BOB": env.cookie("bob"),
                "GC_CONTROL_URL": "http://127.0.0.1:%d" % ctl.server_address[1],
                "GC_PLAYWRIGHT_CORE": playwright,
                "GC_CHROMIUM": chromium,
                "GC_SCREENSHOT": os.environ.get("GC_SCREENSHOT")
                or os.path.join(BUILDDIR, "doc", "screenshot.png"),
            })
            if getattr(env, "api_url", None):
                child_env["GC_API_URL"] = env.api_url
            proc = subprocess.Popen(
                [node, "--test", "--test-reporter=tap", TEST_FILE],
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
        finally:
            ctl.shutdown()


if __name__ == "__main__":
    sys.exit(main())
