"""scripts/demo itself, the README's first command: it refuses a port
already in use, before it prints that the demo runs, and says DEMO_PORT;
it serves its login page, a genuine cookie and the chat, and a switch-user
route, with its directory made afresh and the logs where the README says; a stop that was asked for (a signal to its whole process group, as
Ctrl-C sends) says "demo stopped" and exits 0, while galaxy-chat dying on
its own is reported; it never wipes a directory that is not a demo's.

Runs the script with GC_BINARY (the build under test: scripts/demo then
builds nothing) and DEMO_DIR in a temporary directory, so it takes seconds
and works in a read-only source tree (make distcheck)."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from chatenv import BINARY, SRCDIR  # noqa: E402
from tap import ok, eq, run  # noqa: E402
from webservers import free_port, http_request, port_open  # noqa: E402

DEMO = os.path.join(SRCDIR, "scripts", "demo")
START_TIMEOUT = 90   # s, a loaded two-core machine with sanitizers


class Demo:
    """scripts/demo in its own session (so its process group is its own);
    its stdout and stderr together in a file."""

    def __init__(self, workdir, port, demo_dir):
        self.out_path = os.path.join(workdir, "demo-%d.out" % port)
        env = dict(os.environ, GC_BINARY=BINARY, DEMO_PORT=str(port), DEMO_DIR=demo_dir)
        with open(self.out_path, "wb") as out:
            self.proc = subprocess.Popen([DEMO], env=env, stdin=subprocess.DEVNULL, stdout=out,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        self.pgid = self.proc.pid

    def output(self):
        with open(self.out_path, errors="replace") as f:
            return f.read()

    def wait_running(self):
        """True once it says it runs; False when it exits or times out first."""
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline and self.proc.poll() is None:
            if "Stop with Ctrl-C" in self.output():
                return True
            time.sleep(0.1)
        return False

    def wait(self, timeout=60):
        """The exit status, or None after timeout (then the group is killed)."""
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None
        finally:
            self.kill()

    def group_alive(self):
        """pids still in the demo's session (galaxy-chat, nginx, the script)."""
        pids = []
        for name in os.listdir("/proc"):
            try:
                with open("/proc/%s/stat" % name) as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                if int(fields[3]) == self.pgid:   # session id
                    pids.append(int(name))
            except (OSError, ValueError, IndexError):
                pass
        return pids

    def kill(self):
        try:
            os.killpg(self.pgid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()


def port_taken(tmp):
    """The port in use: a clear refusal naming DEMO_PORT, nothing started."""
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen(4)
    port = holder.getsockname()[1]
    demo_dir = os.path.join(tmp, "taken")
    try:
        d = Demo(tmp, port, demo_dir)
        rc = d.wait(60)
        out = d.output()
        ok(rc not in (0, None), "port in use: exits non-zero, promptly", "rc %r\n%s" % (rc, out))
        ok("Address already in use" in out and "127.0.0.1:%d" % port in out and "DEMO_PORT=" in out,
           "port in use: says so and suggests DEMO_PORT", out)
        ok("is running" not in out and not os.path.exists(demo_dir),
           "port in use: never claims to run, starts nothing", out)
    finally:
        holder.close()


def serve_and_stop(tmp, sig, what):
    """Runs the demo, uses it, stops it with sig to its whole process group."""
    port = free_port()
    demo_dir = os.path.join(tmp, "demo")
    leftover = os.path.join(demo_dir, "leftover")
    again = os.path.isdir(demo_dir)   # an earlier run's
    if again:
        open(leftover, "w").close()
    d = Demo(tmp, port, demo_dir)
    try:
        running = d.wait_running()
        ok(running, "%s: the demo starts and says so" % what, d.output())
        if not running:
            return
        if again:
            ok(not os.path.exists(leftover), "%s: the demo's directory is made afresh" % what)
        ok(os.path.isfile(os.path.join(demo_dir, "chat-0.log")) and
           os.path.isfile(os.path.join(demo_dir, "nginx", "error.log")),
           "%s: the logs the README names are there" % what)
        st, _, body = http_request(port, "GET", "/", timeout=20)
        ok(st == 200 and b"/demo/login/alice" in body and b"/demo/switch" in body,
           "%s: the login page, with a switch-user link" % what, body[:400])
        st, h, _ = http_request(port, "GET", "/demo/login/bob", timeout=20)
        cookie = h.get("set-cookie", "").split(";")[0]
        ok(st == 302 and cookie.startswith("galaxysession=") and len(cookie) > 20,
           "%s: a demo login sets a galaxysession cookie" % what, h)
        st, _, body = http_request(port, "GET", "/chat/api/v1/me", headers={"Cookie": cookie}, timeout=20)
        ok(st == 200 and b'"bob"' in body, "%s: the chat knows bob by that cookie" % what, body)
        st, h, _ = http_request(port, "GET", "/demo/switch", headers={"Cookie": cookie}, timeout=20)
        ok(st == 302 and h.get("location", "").endswith("/") and
           h.get("set-cookie", "").startswith("galaxysession=;") and "Max-Age=0" in h["set-cookie"],
           "%s: /demo/switch drops the cookie and goes back to the login page" % what, h)
        out = d.output()
        ok("127.0.0.1" in out and "ssh -L" in out and
           "chat-0.log" in out and "nginx/error.log" in out and "demo/switch" in out,
           "%s: says where the logs are, how to switch user, how to reach it from elsewhere" % what, out)
        os.killpg(d.pgid, sig)
        rc = d.wait(60)
        out = d.output()
        ok(rc == 0 and out.rstrip().endswith("demo stopped") and "unexpectedly" not in out,
           "%s: the stop asked for says 'demo stopped', exit 0" % what, "rc %r\n%s" % (rc, out[-800:]))
        ok(not port_open(port) and not d.group_alive(), "%s: nothing left running" % what)
    finally:
        d.kill()


def galaxy_chat_dies(tmp):
    """galaxy-chat killed on its own: reported, non-zero, not 'demo stopped'."""
    port = free_port()
    d = Demo(tmp, port, os.path.join(tmp, "demo"))
    try:
        ok(d.wait_running(), "galaxy-chat killed: the demo starts", d.output())
        chat = [p for p in d.group_alive()
                if os.path.realpath("/proc/%d/exe" % p) == os.path.realpath(BINARY)]
        eq(len(chat), 1, "galaxy-chat killed: one galaxy-chat in the demo's group")
        for p in chat:
            os.kill(p, signal.SIGKILL)
        rc = d.wait(60)
        out = d.output()
        ok(rc == 1 and "galaxy-chat stopped unexpectedly" in out and "chat-0.log" in out.split("unexpectedly")[1]
           and "demo stopped" not in out, "galaxy-chat killed: reported with its log, exit 1",
           "rc %r\n%s" % (rc, out[-800:]))
        ok(not port_open(port) and not d.group_alive(), "galaxy-chat killed: nothing left running")
    finally:
        d.kill()


def foreign_dir(tmp):
    """DEMO_DIR naming a directory of something else: refused, kept."""
    other = os.path.join(tmp, "precious")
    os.makedirs(other)
    with open(os.path.join(other, "thesis.tex"), "w") as f:
        f.write("years of work\n")
    d = Demo(tmp, free_port(), other)
    rc = d.wait(60)
    ok(rc not in (0, None) and "not a demo's directory" in d.output() and
       os.path.exists(os.path.join(other, "thesis.tex")),
       "DEMO_DIR of something else: refused, not wiped", d.output())


def main():
    tmp = tempfile.mkdtemp(prefix="gc-demo-")
    os.chmod(tmp, 0o755)   # as root, nginx's workers (nobody) read the login page there
    try:
        port_taken(tmp)
        # the old script said "stopped unexpectedly" for most such stops
        serve_and_stop(tmp, signal.SIGTERM, "SIGTERM to the group")
        serve_and_stop(tmp, signal.SIGINT, "Ctrl-C (SIGINT to the group)")
        serve_and_stop(tmp, signal.SIGTERM, "SIGTERM to the group, again")
        galaxy_chat_dies(tmp)
        foreign_dir(tmp)
    finally:
        if not os.environ.get("GC_KEEP_TMP"):
            shutil.rmtree(tmp, ignore_errors=True)


run(main)
