"""The command line and configuration contract of DESIGN.md: --help,
--version, `check`, configs refused with the key and the file named,
plain CGI (one request per process), FastCGI on standard input, and a bare
`galaxy-chat` typed in a terminal (told how to start, exit 2)."""

import json
import os
import pty
import select
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import fcgi  # noqa: E402
from chatenv import BINARY, ChatEnv  # noqa: E402
from tap import ok, eq, run  # noqa: E402


def sh(args, env=None, stdin=subprocess.DEVNULL, timeout=30):
    e = {k: v for k, v in os.environ.items() if not k.startswith("GALAXY_")}
    e.update(env or {})
    p = subprocess.run([BINARY] + args, env=e, stdin=stdin, capture_output=True, timeout=timeout)
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def cgi(config, method, path, query="", cookie=None, body=b"", ctype=None, timeout=30):
    env = {"GATEWAY_INTERFACE": "CGI/1.1", "REQUEST_METHOD": method, "PATH_INFO": path,
           "QUERY_STRING": query, "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_HOST": "127.0.0.1",
           "CONTENT_LENGTH": str(len(body)) if body else "", "GALAXY_CHAT_CONFIG": config}
    if cookie:
        env["HTTP_COOKIE"] = cookie
    if ctype:
        env["CONTENT_TYPE"] = ctype
    p = subprocess.run([BINARY], env=env, input=body, capture_output=True, timeout=timeout)
    head, _, payload = p.stdout.partition(b"\r\n\r\n")
    status = int(head.split(b"\r\n")[0].split()[1]) if head.startswith(b"Status:") else None
    return p.returncode, status, json.loads(payload) if payload else None


def in_terminal(args, env, cwd, timeout=20):
    """Runs galaxy-chat in a new pseudo-terminal (stdin, stdout and stderr
    the pty, as typed in a shell); returns (exit status, what it printed)."""
    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.chdir(cwd)
            os.execve(BINARY, [BINARY] + args, env)
        finally:
            os._exit(127)
    out, deadline = b"", time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not select.select([fd], [], [], 0.2)[0]:
            continue
        try:
            data = os.read(fd, 65536)
        except OSError:   # EIO: the child closed the terminal
            break
        if not data:
            break
        out += data
    else:
        os.kill(pid, signal.SIGKILL)
    os.close(fd)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), out.decode(errors="replace")


def unserved(good):
    """galaxy-chat started by hand, by no web server: it says which
    configuration it looked for and how to start, and exits 2, instead of
    answering a CGI request nobody made (it used to print a 400 and exit 0)."""
    bare = {k: v for k, v in os.environ.items()
            if not k.startswith("GALAXY_") and k not in ("GATEWAY_INTERFACE", "REQUEST_METHOD")}
    with tempfile.TemporaryDirectory() as cwd:
        rc, out = in_terminal([], bare, cwd)
        ok(rc == 2, "bare galaxy-chat in a terminal: exit 2", "%d\n%s" % (rc, out))
        ok("not given" in out and "GALAXY_CHAT_CONFIG" in out and "(not set)" in out and
           "/galaxy-chat/galaxy-chat.ini" in out and "No such file" in out,
           "names the configuration files it looked for", out)
        ok("--help" in out and "check" in out and "--listen" in out, "says how to start", out)
        ok("Status:" not in out and "NOT SECURE" not in out and "store" not in out,
           "no CGI answer, no warnings about a configuration it has not got", out)
        rc, out = in_terminal(["-c", good], bare, cwd)
        ok(rc == 2 and good + ": found" in out, "with -c in a terminal: the file found, exit 2",
           "%d\n%s" % (rc, out))
        rc, out, err = sh([], env={"GALAXY_CHAT_CONFIG": good})
        ok(rc == 2 and good in err and "found" in err and out == "",
           "stdin /dev/null, no CGI variables: $GALAXY_CHAT_CONFIG named, exit 2", "%d\n%s" % (rc, err))


def fastcgi_on_stdin(env):
    """mod_fcgid and spawn-fcgi hand galaxy-chat a listening socket as its
    standard input, with no CGI variables in the environment."""
    path = os.path.join(env.dir, "stdin.sock")
    lsock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    lsock.bind(path)
    lsock.listen(8)
    e = {k: v for k, v in os.environ.items() if not k.startswith("GALAXY_")}
    with open(os.path.join(env.dir, "stdin-fcgi.log"), "wb") as log:
        p = subprocess.Popen([BINARY, "-c", env.config], stdin=lsock, stdout=log, stderr=log, env=e)
    lsock.close()
    try:
        st, _, body = fcgi.request(path, "GET", "/v1/health", timeout=20)
        eq((st, body), (200, {"ok": True, "store": "ok", "galaxy_db": "ok"}),
           "FastCGI on standard input (no CGI variables): served")
    finally:
        p.terminate()
        p.wait(15)


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


def main():
    rc, out, _ = sh(["--help"])
    ok(rc == 0 and "--listen" in out and "check" in out, "--help")
    rc, out, _ = sh(["--version"])
    ok(rc == 0 and out.startswith("galaxy-chat "), "--version", out)
    rc, _, err = sh(["--bogus"])
    ok(rc == 2 and "--bogus" in err, "unknown option: exit 2, named", err)

    with ChatEnv(users=["alice", "bob"]) as env:
        d = env.dir
        good = env.config

        # refused configs name the key and the file
        cases = [
            ("[chat]\nstroe = /x\n", ["stroe", "bad.ini"], "unknown key"),
            ("[chat]\ngalaxy_config = /nonexistent/galaxy.yml\n", ["/nonexistent/galaxy.yml"],
             "unreadable Galaxy config"),
            ("[chat]\nid_secret = %s\n" % ("x" * 57), ["id_secret", "56"], "id_secret over 56 bytes"),
            ("[chat]\nid_secret = s3cr3t-s3cr3t\npoll_timeout = soon\n", ["poll_timeout", "bad.ini"],
             "non-numeric poll_timeout"),
            ("[chat]\nid_secret = s3cr3t-s3cr3t\nstore = relative.sqlite\n", ["store", "bad.ini"],
             "relative store path"),
            ("[chat]\nid_secret = s3cr3t-s3cr3t\ndatabase_connection = mysql://u@h/db\n", ["mysql"],
             "MySQL refused"),
            ("[chat\n", ["bad.ini:1"], "syntax error"),
        ]
        for text, words, why in cases:
            cfg = write(os.path.join(d, "bad.ini"), text)
            rc, out, err = sh(["check", "-c", cfg])
            if "mysql" in text:
                rc, out, err = sh(["-c", cfg, "--listen", "unix:" + os.path.join(d, "x.sock")], timeout=10)
            ok(rc == 1 and all(w in err for w in words), "refused: %s, naming %s" % (why, words), err)
        rc, out, err = sh(["-c", os.path.join(d, "missing.ini"), "check"])
        ok(rc == 1 and "missing.ini" in err, "missing -c file: refused by name", err)
        sock = os.path.join(d, "g.sock")
        rc, out, err = sh(["-c", good, "--listen", "unix:" + sock, "--socket-group", "no-such-group-x"],
                          timeout=10)
        ok(rc == 1 and "no-such-group-x" in err and "no such group" in err and not os.path.exists(sock),
           "--socket-group naming no group: refused at start, no socket left", err)
        rc, out, err = sh(["-c", good, "--socket-group", "0", "check"])
        ok(rc == 2 and "--socket-group goes with --listen" in err, "--socket-group without --listen: 2", err)

        # check: the health report
        rc, out, err = sh(["check", "-c", good])
        ok(rc == 0 and "all good" in out, "check passes on a working config", out + err)
        ok("galaxy db:     ok, 2 users" in out, "check counts Galaxy's users", out)
        ok("store:" in out and "newest event" in out, "check reports the store", out)
        ok("insecure default" not in out, "no default-secret warning with a real secret")
        rc, out, err = sh(["check"], env={"GALAXY_CHAT_CONFIG": good})
        eq(rc, 0, "GALAXY_CHAT_CONFIG is used without -c")

        nosecret = write(os.path.join(d, "nosecret.ini"),
                         "[chat]\ndatabase_connection = %s\nstore = %s\n" % (env.galaxy_db.url, env.store))
        rc, out, err = sh(["check", "-c", nosecret])
        ok("insecure default" in out, "check flags Galaxy's default secret", out)
        ok("NOT SECURE" in err, "and the log warns loudly", err)
        rc, out, err = sh(["check", "-c", nosecret],
                          env={"GALAXY_CONFIG_OVERRIDE_ID_SECRET": "from the environment"})
        ok("GALAXY_CONFIG_OVERRIDE_ID_SECRET" in out and "insecure" not in out,
           "GALAXY_CONFIG_OVERRIDE_ID_SECRET applies", out)
        broken = write(os.path.join(d, "broken.ini"),
                       "[chat]\nid_secret = s3cr3t-s3cr3t\ndatabase_connection = sqlite:////nonexistent/u.sqlite\n"
                       "store = %s\n" % env.store)
        rc, out, err = sh(["check", "-c", broken])
        ok(rc == 1 and "galaxy db:     FAILED" in out, "check fails when Galaxy's database is missing", out)

        unserved(good)
        fastcgi_on_stdin(env)

        # plain CGI: one request per process
        rc, st, body = cgi(good, "GET", "/v1/health")
        eq((rc, st, body), (0, 200, {"ok": True, "store": "ok", "galaxy_db": "ok"}), "CGI: health")
        rc, st, body = cgi(good, "GET", "/v1/me")
        eq((rc, st), (0, 401), "CGI: no cookie, 401")
        alice, bob = env.cookie_header("alice"), env.cookie_header("bob")
        rc, st, body = cgi(good, "POST", "/v1/messages", cookie=alice, ctype="application/json",
                           body=json.dumps({"room": "all", "text": "via CGI"}).encode())
        eq((rc, st), (0, 201), "CGI: POST a message")
        mid = body["id"]
        rc, st, body = cgi(good, "GET", "/v1/events", query="since=0", cookie=bob)
        ok(st == 200 and [e["text"] for e in body["events"]] == ["via CGI"], "CGI: events", body)
        # a CGI long poll woken by a message sent through the FastCGI responder
        p = subprocess.Popen([BINARY], env={"GATEWAY_INTERFACE": "CGI/1.1", "REQUEST_METHOD": "GET",
                                            "PATH_INFO": "/v1/events", "QUERY_STRING": "since=%d&timeout=8" % mid,
                                            "HTTP_COOKIE": bob, "GALAXY_CHAT_CONFIG": good},
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(0.7)
        t = time.monotonic()
        env.api("alice", "POST", "/v1/messages", body={"room": "all", "text": "wake CGI"})
        out, _ = p.communicate(timeout=15)
        took = time.monotonic() - t
        payload = json.loads(out.partition(b"\r\n\r\n")[2])
        ok([e["text"] for e in payload["events"]] == ["wake CGI"] and took < 3,
           "CGI long poll woken across processes (%.0f ms)" % (took * 1000), payload)
        rc, st, body = cgi(good, "POST", "/v1/messages", cookie=alice, ctype="application/json",
                           body=b"x" * 70000)
        eq(st, 413, "CGI: oversized body 413")

        # check lists old look-alike rooms (ones with members; empty ones are not listed anywhere)
        eq(env.api("bob", "POST", "/v1/rooms/NGS/join")[0], 200, "bob joins NGS")
        db = sqlite3.connect(env.store, timeout=10)
        for name in ("all ", "a\u200bll", "\u202ella"):
            db.execute("INSERT INTO rooms (name, persistent, created) VALUES (?, 0, '2020-01-01')", (name,))
            db.execute("INSERT INTO members SELECT id, ?, '2020-01-01' FROM rooms WHERE name = ?",
                       (env.user_ids["bob"], name))
        db.commit()
        db.close()
        rc, out, err = sh(["check", "-c", good])
        ok(rc == 0 and 'look-alike rooms: "all ", "a\\u200Bll", "\\u202Ella"' in out
           and "1 warning" in out, "check lists look-alike rooms, escaped, as a warning", out)


run(main)
