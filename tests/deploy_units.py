#!/usr/bin/python3
"""The process-manager samples (etc/systemd/galaxy-chat.service,
etc/supervisord/galaxy-chat.conf, the notify timer and its cron line) and
what every sample must agree on:

* systemd-analyze verify accepts the unit (skipped where systemd-analyze is
  missing; systemd is not running here, so the unit is not started);
* the command line both run, with only paths replaced, serves FastCGI on
  its socket, of mode 0660 and the web server's group (--socket-group),
  and exits 0 on their stop signal well within their stop timeout;
* socket path, config path and store directory are the same in every
  sample; every timeout a web server or process manager applies is above
  the sample galaxy-chat.ini's poll_timeout.
"""
import configparser
import grp
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import fcgi  # noqa: E402
import tap  # noqa: E402
import webservers  # noqa: E402
from chatenv import ChatEnv, connectable, wait_for  # noqa: E402

ETC = os.path.join(webservers.SRCDIR, "etc")


def read(rel):
    with open(os.path.join(ETC, rel)) as f:
        return f.read()


def unit_settings(text):
    """[Service] and [Unit] settings of a unit file: name -> list of values."""
    out = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line[0] in "#;[":
            continue
        k, _, v = line.partition("=")
        out.setdefault(k.strip(), []).append(v.strip())
    return out


def seconds(v):
    m = re.fullmatch(r"(\d+)\s*(s|sec|min)?", v)
    if not m:
        raise ValueError(v)
    return int(m.group(1)) * (60 if m.group(2) == "min" else 1)


def main():
    ini = configparser.ConfigParser(inline_comment_prefixes=(";",))
    ini.read_string(read("galaxy-chat.ini"))
    poll_timeout = int(ini["chat"]["poll_timeout"])
    store_dir = os.path.dirname(ini["chat"]["store"])
    # the default, as the sample shows it (commented out) unless it sets one
    stream_max = int(ini["chat"].get("stream_max_seconds") or
                     re.search(r"^; stream_max_seconds = (\d+)$", read("galaxy-chat.ini"), re.M).group(1))
    tap.diag("sample poll_timeout %d s, store in %s" % (poll_timeout, store_dir))

    unit_text = read("systemd/galaxy-chat.service")
    unit = unit_settings(unit_text)
    exec_start = shlex.split(unit["ExecStart"][0])
    sup = configparser.ConfigParser(inline_comment_prefixes=(";",), interpolation=None)
    sup.read_string(read("supervisord/galaxy-chat.conf"))
    prog = sup["program:galaxy-chat"]
    sup_cmd = shlex.split(prog["command"])

    # --- what the samples must agree on --------------------------------
    sock = exec_start[exec_start.index("--listen") + 1]
    tap.ok(sock.startswith("unix:/run/galaxy-chat/") and
           unit.get("RuntimeDirectory") == ["galaxy-chat"],
           "systemd: the socket is in its RuntimeDirectory", (sock, unit.get("RuntimeDirectory")))
    tap.ok(("server %s;" % sock) in read("nginx/galaxy-chat-upstream.conf"),
           "nginx's upstream is the socket the unit listens on", sock)
    upstream = re.search(r"^upstream\s+(\w+)\s*\{", read("nginx/galaxy-chat-upstream.conf"), re.M)
    tap.ok(upstream and re.search(r"fastcgi_pass\s+%s;" % upstream.group(1), read("nginx/galaxy-chat.conf")),
           "nginx's API location passes to that upstream", upstream and upstream.group(1))
    tap.eq(sup_cmd, exec_start, "supervisord runs the same command line as systemd")
    config = exec_start[exec_start.index("-c") + 1]
    for sample in ("apache/galaxy-chat.conf", "apache/galaxy-chat-7070.conf", "apache/galaxy-chat-cgi.conf"):
        tap.ok(config in read(sample), "%s names the same config file (%s)" % (sample, config))
    tap.ok(unit.get("StateDirectory") == ["galaxy-chat"] and store_dir == "/var/lib/galaxy-chat",
           "systemd's StateDirectory holds the sample's store", (unit.get("StateDirectory"), store_dir))
    tap.eq(unit.get("KillSignal"), ["SIGTERM"], "systemd stops it with SIGTERM (it answers waiting polls)")
    tap.ok(seconds(unit["TimeoutStopSec"][0]) > poll_timeout,
           "systemd's TimeoutStopSec is above poll_timeout", unit.get("TimeoutStopSec"))
    tap.eq(prog.get("stopsignal"), "TERM", "supervisord stops it with TERM")
    tap.ok(int(prog.get("stopwaitsecs", "10")) > poll_timeout,
           "supervisord's stopwaitsecs is above poll_timeout", prog.get("stopwaitsecs"))
    group = exec_start[exec_start.index("--socket-group") + 1]
    tap.ok(group in unit.get("SupplementaryGroups", [""])[0].split(),
           "systemd: the service is in the socket's group (%s), so it may give it the socket" % group,
           unit.get("SupplementaryGroups"))
    m = re.search(r"^;?\s*keepalive_timeout\s*=\s*(\d+)", read("galaxy-chat.ini"), re.M)
    n = re.search(r"^\s*keepalive_timeout\s+(\d+)s;", read("nginx/galaxy-chat-upstream.conf"), re.M)
    tap.ok(m and n and int(n.group(1)) < int(m.group(1)),
           "nginx closes its idle connections before galaxy-chat's keepalive_timeout does",
           (m and m.group(0), n and n.group(0)))
    for flag in ("NoNewPrivileges=yes", "ProtectSystem=strict", "StateDirectory=galaxy-chat",
                 "RuntimeDirectory=galaxy-chat", "DynamicUser=yes", "PrivateTmp=yes"):
        tap.ok(re.search("^" + re.escape(flag) + "$", unit_text, re.M), "systemd unit: " + flag)

    # --- galaxy-chat notify: the timer, its service, the cron line -------
    notify_text = read("systemd/galaxy-chat-notify.service")
    notify = unit_settings(notify_text)
    timer = unit_settings(read("systemd/galaxy-chat-notify.timer"))
    notify_cmd = shlex.split(notify["ExecStart"][0])
    tap.eq(notify_cmd, [exec_start[0], "notify", "-c", config],
           "the notify service runs galaxy-chat notify with the same binary and config")
    tap.ok(notify.get("Type") == ["oneshot"] and timer.get("OnCalendar") == ["minutely"] and
           timer.get("Unit") == ["galaxy-chat-notify.service"],
           "the timer starts the one-shot notify service every minute", (notify.get("Type"), timer))
    # units naming one dynamic user share it: galaxy-chat.service's is named
    # after the unit, so notify writes the same store
    tap.ok(notify.get("DynamicUser") == ["yes"] and notify.get("User") == ["galaxy-chat"] and
           "User" not in unit and notify.get("StateDirectory") == unit.get("StateDirectory"),
           "notify runs as galaxy-chat.service's dynamic user, with its StateDirectory",
           (notify.get("User"), notify.get("StateDirectory")))
    tap.ok(set(unit.get("RestrictAddressFamilies", [""])[0].split()) >= {"AF_INET", "AF_INET6"} and
           notify.get("RestrictAddressFamilies") == unit.get("RestrictAddressFamilies"),
           "notify may reach an SMTP server over the network", notify.get("RestrictAddressFamilies"))
    with open(os.path.join(webservers.SRCDIR, "doc", "deploying.md")) as f:
        cron = re.search(r"^ +\* \* \* \* \* +www-data +(.+)$", f.read(), re.M)
    tap.eq(cron and shlex.split(cron.group(1)), notify_cmd,
           "doc/deploying.md's cron line runs the same command as www-data, every minute")

    nginx = read("nginx/galaxy-chat.conf")
    m = re.search(r"fastcgi_read_timeout\s+(\d+)s?;", nginx)
    tap.ok(m and int(m.group(1)) > poll_timeout + 5, "nginx fastcgi_read_timeout is above poll_timeout",
           m and m.group(0))
    tap.ok(re.search(r"fastcgi_buffering\s+off;", nginx), "nginx does not buffer the answers")
    tap.ok(re.search(r"fastcgi_keep_conn\s+on;", nginx) and
           re.search(r"^\s*keepalive\s+\d+;", read("nginx/galaxy-chat-upstream.conf"), re.M),
           "nginx keeps its connections to galaxy-chat between requests")
    apache = read("apache/galaxy-chat.conf")

    def directive(name, text=apache):
        m = re.search(r"^\s*%s\s+(\d+)\s*$" % name, text, re.M)
        return int(m.group(1)) if m else None
    io, busy = directive("FcgidIOTimeout"), directive("FcgidBusyTimeout")
    tap.ok(io and io > poll_timeout + 5, "mod_fcgid FcgidIOTimeout (%s) is above poll_timeout" % io)
    tap.ok(busy and busy > io, "mod_fcgid FcgidBusyTimeout (%s) is above FcgidIOTimeout" % busy)
    tap.eq(directive("FcgidOutputBufferSize"), 0, "mod_fcgid does not buffer the answers")
    tap.ok(busy and busy > stream_max, "mod_fcgid FcgidBusyTimeout (%s) is above stream_max_seconds (%s)"
           % (busy, stream_max))
    cgi = directive("CGIDScriptTimeout", read("apache/galaxy-chat-cgi.conf"))
    tap.ok(cgi and cgi > poll_timeout + 5, "CGI: CGIDScriptTimeout (%s) is above poll_timeout" % cgi)

    # --- systemd-analyze verify -----------------------------------------
    analyze = shutil.which("systemd-analyze")
    if not analyze:
        tap.skip("systemd-analyze verify accepts the unit", "systemd-analyze is not installed")
    else:
        d = tempfile.mkdtemp(prefix="gc-unit-")
        try:
            path = os.path.join(d, "galaxy-chat.service")
            with open(path, "w") as f:   # ExecStart must name an existing program
                f.write(webservers.template("systemd/galaxy-chat.service",
                                            [(webservers.SAMPLE_BINARY, os.path.abspath(webservers_binary()))]))
            r = subprocess.run([analyze, "verify", "--man=no", path], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, timeout=60)
            out = r.stdout.decode(errors="replace").strip()
            tap.ok(r.returncode == 0 and out == "", "systemd-analyze verify accepts the unit, silently",
                   (r.returncode, out))
            paths = []
            for name in ("galaxy-chat-notify.service", "galaxy-chat-notify.timer"):
                paths.append(os.path.join(d, name))
                with open(paths[-1], "w") as f:
                    f.write(webservers.template("systemd/" + name, [] if name.endswith(".timer") else
                                                [(webservers.SAMPLE_BINARY,
                                                  os.path.abspath(webservers_binary()))]))
            r = subprocess.run([analyze, "verify", "--man=no"] + paths, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, timeout=60)
            out = r.stdout.decode(errors="replace").strip()
            tap.ok(r.returncode == 0 and out == "",
                   "systemd-analyze verify accepts the notify service and timer, silently",
                   (r.returncode, out))
        finally:
            shutil.rmtree(d, ignore_errors=True)

    # --- the command line, for real ---------------------------------------
    with ChatEnv(users=["alice"], processes=0, options={"poll_timeout": str(poll_timeout)}) as env:
        rundir = os.path.join(env.dir, "run-galaxy-chat")
        os.makedirs(rundir)
        path = rundir + "/galaxy-chat.sock"
        # not root: a group we are in, not the web server's
        mine = group if os.geteuid() == 0 else grp.getgrgid(os.getgid()).gr_name
        argv = [a.replace(webservers.SAMPLE_BINARY, env.binary).replace(config, env.config)
                .replace("/run/galaxy-chat/galaxy-chat.sock", path) for a in exec_start]
        argv[argv.index("--socket-group") + 1] = mine
        tap.ok(argv != exec_start and "/run/" not in " ".join(argv) and "/etc/" not in " ".join(argv),
               "the command line templated for this test: " + " ".join(argv[1:]))
        log = open(os.path.join(env.dir, "unit.log"), "wb")
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        log.close()
        try:
            wait_for(lambda: connectable(path) or p.poll() is not None, 10, "the socket")
            st, _, body = fcgi.request(path, "GET", "/v1/health")
            tap.ok(st == 200 and body.get("ok") is True, "it serves FastCGI on the socket", (st, body))
            info = os.stat(path)
            tap.eq((oct(info.st_mode & 0o7777), info.st_gid), (oct(0o660), grp.getgrnam(mine).gr_gid),
                   "the socket has mode 0660 and group %s" % mine)
            t = time.monotonic()
            p.send_signal(signal.SIGTERM)
            code = p.wait(seconds(unit["TimeoutStopSec"][0]))
            tap.ok(code == 0 and time.monotonic() - t < 5,
                   "SIGTERM: it exits 0 in %.2f s" % (time.monotonic() - t), code)
            tap.ok(not os.path.exists(path), "... and removes its socket")
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()


def webservers_binary():
    return os.environ.get("GC_BINARY") or os.path.join(webservers.SRCDIR, "src", "galaxy-chat")


if __name__ == "__main__":
    tap.run(main)
