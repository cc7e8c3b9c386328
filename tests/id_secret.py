"""A chat whose id_secret differs from Galaxy's (the likeliest deployment
mistake): every real cookie is refused with a 401, and `check` used to say
"all good" with nothing in the log, even with -v. Now the processes count
the cookies that do not decode, together (cookiewatch.c: a file beside the
store), warn once in a while naming the likely cause, log each at -v, and
`check` reports a problem; with the right secret, a stray bad cookie is
reported but is no problem, and the next good one clears the count."""

import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import fcgi  # noqa: E402
from chatenv import BINARY, ChatEnv, connectable, wait_for  # noqa: E402
from tap import ok, eq, run  # noqa: E402

WRONG = "not the secret Galaxy uses, 0123"
WARNING = "most likely differs from Galaxy's"


def check(env):
    p = subprocess.run([BINARY, "check", "-c", env.config], capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout + p.stderr


def warnings(env):
    return sum(env.log(i).count(WARNING) for i in range(len(env.procs)))


def wrong_secret():
    with ChatEnv(users=["alice", "bob"], processes=2, options={"id_secret": WRONG}) as env:
        watch = env.store + "-cookiewatch"
        rc, out = check(env)
        ok(rc == 0 and "cookies:       nothing recorded yet" in out,
           "no cookie seen yet: nothing to report", out)
        ok(not os.path.exists(watch), "neither check nor a start makes the watch's file")

        # three cookies refused, by two processes: neither alone saw three
        for user, proc in (("alice", 0), ("bob", 1), ("alice", 1)):
            st, _, _ = env.api(user, "GET", "/v1/me", proc=proc)
            eq(st, 401, "%s's real cookie refused by process %d" % (user, proc))
        ok(os.path.exists(watch) and oct(os.stat(watch).st_mode & 0o777) == "0o600",
           "the counts live beside the store, mode 0600")
        eq(warnings(env), 1, "one warning, from the process that saw the host's third failure")
        log = env.log(0) + env.log(1)
        line = next((ln for ln in log.splitlines() if WARNING in ln), "")
        ok("warning:" in line and "3 in a row did not decode with id_secret" in line and
           env.config in line and "Troubleshooting" in line,
           "the warning counts them, names where id_secret came from and the docs", line)
        rc, out = check(env)
        ok(rc == 1 and "3 in a row did not decode with id_secret" in out and "none ever did" in out and
           "PROBLEM: the id_secret most likely differs from Galaxy's" in out and "PROBLEMS FOUND" in out,
           "check (another process) reports the host's count as a problem, exit 1", out)

        for i in range(10):
            env.api("bob", "GET", "/v1/events", query="since=0", proc=i % 2)
        eq(warnings(env), 1, "the warning is rate-limited: still one after 10 more")
        rc, out = check(env)
        ok(rc == 1 and "13 in a row" in out, "check counts all 13", out)

        # -v logs each one
        sock = os.path.join(env.dir, "verbose.sock")
        with open(os.path.join(env.dir, "verbose.log"), "wb") as vlog:
            p = subprocess.Popen([BINARY, "-v", "-c", env.config, "--listen", "unix:" + sock],
                                 stdin=subprocess.DEVNULL, stdout=vlog, stderr=vlog)
        try:
            wait_for(lambda: connectable(sock) or p.poll() is not None, 15, sock)
            st, _, _ = fcgi.request(sock, "GET", "/v1/me", cookie=env.cookie_header("alice"), timeout=20)
        finally:
            p.terminate()
            p.wait(15)
        with open(os.path.join(env.dir, "verbose.log"), errors="replace") as f:
            vtext = f.read()
        ok(st == 401 and "debug: a galaxysession cookie does not decode with id_secret (from %s)"
           % env.config in vtext, "-v: each undecodable cookie is logged", vtext[-2000:])


def right_secret():
    with ChatEnv(users=["alice", "bob"]) as env:
        st, _, _ = env.api("alice", "GET", "/v1/me")
        eq(st, 200, "the right secret: alice's cookie works")
        rc, out = check(env)
        ok(rc == 0 and "cookies:       ok, the last one decoded with id_secret at" in out and
           "all good" in out, "check: the last cookie decoded", out)
        # a stray cookie of another secret: hex, whole Blowfish blocks, garbage inside
        st, _, _ = fcgi.request(env.sockets[0], "GET", "/v1/me",
                                cookie="galaxysession=" + "00112233445566778899aabbccddeeff")
        eq(st, 401, "a stray cookie refused")
        rc, out = check(env)
        ok(rc == 0 and "1 in a row did not decode" in out and "the last that did was at" in out and
           "PROBLEM" not in out and "all good" in out, "check: reported, not a problem", out)
        ok(WARNING not in env.log(0), "no warning for one stray cookie")
        st, _, _ = env.api("bob", "GET", "/v1/me")
        rc, out = check(env)
        ok(st == 200 and "ok, the last one decoded" in out, "the next good cookie clears the count", out)


def main():
    wrong_secret()
    right_secret()


run(main)
