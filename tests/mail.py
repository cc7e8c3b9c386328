#!/usr/bin/python3
"""mail.py - the emails of `galaxy-chat notify` (mail.c, smtp.c) through a
real SMTP server (aiosmtpd, tests/lib/smtpserver.py) on 127.0.0.1: who gets
them, From, Subject (also RFC 2047), the plain-text body and its links, no
header injection from names or text; STARTTLS with a test certificate, a
certificate of another name or of no trusted CA refused (never falling back
to clear), SMTPS (smtp_ssl), login (only over TLS), a refused recipient, a
server down then up; the SMTP keys read from Galaxy's config, overridden in
[chat], checked with the key and file named; `galaxy-chat check`'s mail
line. Prints TAP.

Drives tests/unit/mail_probe, which keeps one sender (one SMTP connection,
reused) and answers one JSON line per stdin line.
"""
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import warnings

SRCDIR = os.environ.get("GC_SRCDIR", os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
BUILDDIR = os.environ.get("GC_BUILDDIR", SRCDIR)
sys.path.insert(0, os.path.join(SRCDIR, "tests", "lib"))

from chatenv import BINARY, ChatEnv, free_port                      # noqa: E402
from lineprobe import LineProbe                                     # noqa: E402
from smtpserver import SmtpServer, make_cert                        # noqa: E402
from tap import diag, ok, eq, run                                         # noqa: E402

PROBE = os.path.join(BUILDDIR, "tests", "unit", "mail_probe")
MAY_1 = 1714564800                     # 2024-05-01 12:00:00 UTC
FROM = "Galaxy Project <galaxy@example.org>"
ITEMS = [
    {"id": 42, "from": "bob", "room": "help", "ts": MAY_1,
     "text": "Can you look at\nmy workflow?"},
    {"id": 43, "from": "carol", "room": None, "ts": MAY_1 + 300, "text": "psst, a secret"},
]


class Probe(LineProbe):
    """One mail_probe process with a config; send() and probe() ask it."""

    def __init__(self, config):
        super().__init__([PROBE, "-c", config], timeout=60,
                         env={k: v for k, v in os.environ.items() if not k.startswith("GALAXY_")})

    def send(self, to="alice@example.org", name="alice", items=ITEMS):
        return self.ask(json.dumps({"to": to, "name": name, "items": items, "now": MAY_1 + 600}))

    def probe(self):
        return self.ask(json.dumps({"probe": True}))


class Site:
    """galaxy.ini (Galaxy's SMTP keys) and galaxy-chat.ini ([chat] keys) in
    a directory; config() writes them and returns galaxy-chat.ini's path."""

    def __init__(self, d):
        self.d = d

    def config(self, galaxy=None, chat=None, name="galaxy-chat.ini"):
        g = {"id_secret": "a test secret of some length", "email_from": FROM,
             "galaxy_infrastructure_url": "https://galaxy.example.org/"}
        g.update(galaxy or {})
        with open(os.path.join(self.d, "galaxy.ini"), "w") as f:
            f.write("[app:main]\n")
            for k, v in g.items():
                if v is not None:
                    f.write("%s = %s\n" % (k, v))
        c = {"galaxy_config": os.path.join(self.d, "galaxy.ini"),
             "store": os.path.join(self.d, "chat.sqlite")}
        c.update(chat or {})
        path = os.path.join(self.d, name)
        with open(path, "w") as f:
            f.write("[chat]\n")
            for k, v in c.items():
                f.write("%s = %s\n" % (k, v))
        return path


def body_of(msg):
    """The decoded text, its CRLF line breaks as "\n"."""
    return msg.get_content().replace("\r\n", "\n")


def test_plain(site):
    with SmtpServer() as smtp, Probe(site.config({"smtp_server": smtp.server})) as p:
        eq(p.ready["result"], "ready", "the probe starts with smtp_server from galaxy.ini")
        r = p.send()
        eq(r["result"], "sent", "a digest of two is sent")
        got = smtp.wait_for(1)
        ok(len(got) == 1, "the server took one email")
        m = got[0]
        eq(m.mail_from, "galaxy@example.org", "envelope sender: email_from's address")
        eq(m.rcpt_tos, ["alice@example.org"], "envelope recipient: the user alone")
        eq(m.message["From"], FROM, "From: email_from, with its name")
        eq(m.message["To"], "alice@example.org", "To")
        eq(m.message["Subject"], "Galaxy chat: 2 unread messages, the first from bob in help",
           "Subject")
        eq(m.message.get_content_type(), "text/plain", "plain text, one part (no HTML)")
        eq(m.message.get_content_charset(), "utf-8", "in UTF-8")
        eq(m.message["Auto-Submitted"], "auto-generated", "Auto-Submitted: auto-generated")
        ok(m.message["Date"] and m.message["Message-ID"], "Date and Message-ID")
        b = body_of(m.message)
        ok("In help, bob wrote on 2024-05-01 12:00 UTC:\n> Can you look at\n> my workflow?\n"
           "https://galaxy.example.org/chat/#msg=42\n" in b,
           "the body: where, who, when, the text, the link (chat_url from "
           "galaxy_infrastructure_url)", b)
        ok("In a direct message, carol wrote on 2024-05-01 12:05 UTC:\n> psst, a secret\n"
           "https://galaxy.example.org/chat/#msg=43\n" in b, "the direct message, its link", b)
        ok('{"email": "off"}' in b and "settings menu" in b, "the footer says how to stop them")
        ok(max(len(line) for line in m.data.split(b"\r\n")) <= 78 and not m.tls,
           "short lines on the wire; no TLS where none is offered")

        r = p.send(items=[{"id": 7, "from": "bob", "room": "Café ☃", "ts": MAY_1, "text": "é"}])
        eq(r["result"], "sent", "a second email over the same sender")
        m = smtp.wait_for(2)[-1]
        eq(m.message["Subject"], "Galaxy chat: a message from bob in Café ☃",
           "a non-ASCII Subject arrives decoded as it was")
        ok(b"Subject: =?UTF-8?B?" in m.data, "... RFC 2047 encoded on the wire")

        evil = "hi\r\n\r\nBcc: eve@example.org\r\nSubject: pwned\r\n.\r\nMAIL FROM:<x@y.org>"
        r = p.send(items=[{"id": 8, "from": "mallory\r\nBcc: eve@example.org",
                           "room": "r\r\nTo: eve@example.org", "ts": MAY_1, "text": evil}])
        eq(r["result"], "sent", "names and text with CR LF and header lines")
        m = smtp.wait_for(3)[-1]
        eq(m.rcpt_tos, ["alice@example.org"], "... go to the recipient alone")
        ok(m.message.get_all("Bcc") is None and len(m.message.get_all("To")) == 1 and
           len(m.message.get_all("Subject")) == 1, "... add no header",
           m.data.decode(errors="replace"))
        b = body_of(m.message)
        ok("> Bcc: eve@example.org\n> Subject: pwned\n> .\n> MAIL FROM:<x@y.org>\n" in b,
           "... and the text's lines stay in the body", b)
        eq(len(smtp.received), 3, "the text's lone '.' line ended no email early")

        r = p.send(to="alice@example.org\r\nRCPT TO:<eve@example.org>")
        eq(r["result"], "error", "an address with CR LF is refused before SMTP")
        eq(len(smtp.received), 3, "... and nothing went out")


def test_refused_and_down(site, d):
    with SmtpServer(refuse={"gone@example.org"}) as smtp, \
            Probe(site.config({"smtp_server": smtp.server})) as p:
        r = p.send(to="gone@example.org")
        eq(r["result"], "refused", "a recipient the server refuses (550): refused")
        ok("550" in r["err"] and "no such user" in r["err"], "... with the server's answer", r)
        eq(p.send(to="bob@example.org")["result"], "sent", "the next email goes all the same")
        eq([m.rcpt_tos for m in smtp.wait_for(1)], [["bob@example.org"]], "... and only it")

    port = free_port()
    smtp = SmtpServer(port=port)
    with Probe(site.config({"smtp_server": "127.0.0.1:%d" % port})) as p:
        r = p.send()
        eq(r["result"], "unavailable", "the server is down: unavailable")
        ok("127.0.0.1:%d" % port in r["err"], "... saying which server", r)
        eq(p.probe()["result"], "unavailable", "the probe says so too")
        with smtp:
            eq(p.send()["result"], "sent", "the server is up again: the same sender sends")
            eq(len(smtp.wait_for(1)), 1, "... and it arrived")
            eq(p.probe()["result"], "sent", "the probe reaches it")
        eq(p.send()["result"], "unavailable", "down again, after a connection was made")
        with SmtpServer(port=port) as smtp2:
            eq(p.send()["result"], "sent", "and up again")
            eq(len(smtp2.wait_for(1)), 1, "... it arrived")


def test_tls(site, d):
    good = make_cert(d, "good", "IP:127.0.0.1,DNS:localhost")
    other = make_cert(d, "other", "DNS:other.example.org")
    stranger = make_cert(d, "stranger", "IP:127.0.0.1,DNS:localhost")

    def over_tls(smtp, galaxy, name, info):
        with Probe(site.config(dict(galaxy, smtp_server=smtp.server), {"smtp_ca_file": good[0]})) as p:
            eq(p.send()["result"], "sent", name)
            got = smtp.wait_for(1)
            ok(got and got[0].tls, "... the email came over TLS")
            r = p.probe()
            ok(r["result"] == "sent" and r["info"] == info, "the probe says " + info, r)

    with SmtpServer(starttls=good, require_starttls=True) as smtp:
        over_tls(smtp, {}, "STARTTLS with a certificate trusted via smtp_ca_file", "STARTTLS")

    # a server that offers STARTTLS but would take the email in clear too:
    # a failed certificate check must not fall back to clear
    for name, cert, ca, why in (
            ("another name", other, other[0], "SSL"),
            ("no trusted CA", stranger, good[0], "SSL"),
            ("the system's CAs", good, None, "SSL")):
        with SmtpServer(starttls=cert) as smtp:
            chat = {"smtp_ca_file": ca} if ca else {}
            with Probe(site.config({"smtp_server": smtp.server}, chat)) as p:
                r = p.send()
                ok(r["result"] == "unavailable" and why in r["err"],
                   "STARTTLS, a certificate of %s: refused" % name, r)
                diag(r["err"])
                ok(p.probe()["result"] == "unavailable", "... the probe says so too")
            eq(len(smtp.received), 0, "... and nothing went in clear instead")

    with SmtpServer(smtps=good) as smtp:
        over_tls(smtp, {"smtp_ssl": "True"}, "SMTPS (smtp_ssl = True)", "TLS (smtp_ssl)")
    with SmtpServer(smtps=other) as smtp:
        cfg = site.config({"smtp_server": smtp.server, "smtp_ssl": "true"},
                          {"smtp_ca_file": other[0]})
        with Probe(cfg) as p:
            r = p.send()
            ok(r["result"] == "unavailable", "SMTPS with a certificate of another name: refused", r)
    with SmtpServer(starttls=good) as smtp:
        # Galaxy's smtp_ssl, overridden in [chat]
        cfg = site.config({"smtp_server": smtp.server, "smtp_ssl": "true"},
                          {"smtp_ca_file": good[0], "smtp_ssl": "false"})
        with Probe(cfg) as p:
            eq(p.send()["result"], "sent", "[chat] smtp_ssl = false wins over galaxy.ini's true")


def test_login(site, d):
    good = make_cert(d, "login", "IP:127.0.0.1")
    logins = {"chat": "s3cret pass"}
    with SmtpServer(starttls=good, logins=logins) as smtp:
        g = {"smtp_server": smtp.server, "smtp_username": "chat", "smtp_password": "s3cret pass"}
        with Probe(site.config(g, {"smtp_ca_file": good[0]})) as p:
            eq(p.send()["result"], "sent", "login with smtp_username and smtp_password, over STARTTLS")
            got = smtp.wait_for(1)
            ok(got and got[0].login == "chat" and got[0].tls, "... logged in as chat, over TLS",
               got and (got[0].login, got[0].tls))
        g["smtp_password"] = "wrong"
        with Probe(site.config(g, {"smtp_ca_file": good[0]})) as p:
            r = p.send()
            ok(r["result"] == "unavailable" and "Login denied" in r["err"] and "535" in r["err"],
               "a wrong password: unavailable, saying the login was denied", r)
            diag(r["err"])
        del g["smtp_password"]
        with Probe(site.config(g, {"smtp_ca_file": good[0]})) as p:
            r = p.send()
            ok(r["result"] == "refused" and "530" in r["err"],
               "a username without a password: no login (the server wants one: 530)", r)
        eq(len(smtp.received), 1, "only the email that logged in arrived")

    # a server taking logins in clear: the password is never sent there
    with SmtpServer(logins=logins, auth_require_tls=False) as smtp:
        g = {"smtp_server": smtp.server, "smtp_username": "chat", "smtp_password": "s3cret pass"}
        with Probe(site.config(g)) as p:
            r = p.send()
            ok(r["result"] == "unavailable" and "over TLS only" in r["err"],
               "no STARTTLS offered, a password set: nothing sent, saying why", r)
        eq(smtp.auth_attempts, [], "... the server saw no AUTH")


def test_config(site, d):
    def refused(galaxy, chat, words, name):
        cfg = site.config(galaxy, chat, name="bad.ini")
        p = subprocess.run([BINARY, "check", "-c", cfg], capture_output=True, text=True,
                           timeout=60, env={k: v for k, v in os.environ.items()
                                            if not k.startswith("GALAXY_")})
        ok(p.returncode == 1 and all(w in p.stderr for w in words), name, (p.returncode, p.stderr))

    gini = os.path.join(d, "galaxy.ini")
    refused({"smtp_server": "mail server:25"}, {}, ["smtp_server", gini, "mail server:25"],
            "a bad smtp_server is refused, naming it and galaxy.ini")
    refused({}, {"smtp_server": "host:99999"}, ["smtp_server", "bad.ini", "host:99999"],
            "a bad port in [chat] smtp_server, naming the [chat] file")
    refused({"smtp_server": "localhost:25", "email_from": "Galaxy <nobody>"}, {},
            ["email_from", gini], "a bad email_from is refused, naming it")
    refused({"smtp_server": "localhost:25"}, {"chat_url": "ftp://x.org/chat/"},
            ["chat_url", "bad.ini"], "a chat_url that is not http(s)")
    refused({"smtp_server": "localhost:25"}, {"chat_url": "https://x.org/chat/#x"},
            ["chat_url", "bad.ini"], "a chat_url with a fragment (links append #msg=ID)")
    refused({"smtp_server": "localhost:25"}, {"smtp_ca_file": "ca.pem"},
            ["smtp_ca_file", "bad.ini", "absolute"], "a relative smtp_ca_file")
    refused({}, {"notify_every": "-1"}, ["notify_every", "bad.ini"], "notify_every below 0")
    refused({}, {"notify_after": "ten"}, ["notify_after", "bad.ini"], "notify_after not a number")
    refused({}, {"notify_every": "43201"}, ["notify_every", "43200"], "notify_every above 30 days")

    with SmtpServer() as smtp:
        # GALAXY_CONFIG_SMTP_SERVER, as Galaxy reads it, fills the unset key
        cfg = site.config({}, {"chat_url": "https://chat.example.org/c/"})
        env = {k: v for k, v in os.environ.items() if not k.startswith("GALAXY_")}
        env["GALAXY_CONFIG_SMTP_SERVER"] = smtp.server
        p = subprocess.Popen([PROBE, "-c", cfg], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             text=True, env=env)
        out, _ = p.communicate(json.dumps({"to": "a@example.org", "name": "a", "items": ITEMS[:1],
                                           "now": MAY_1}) + "\n", timeout=60)
        ok('"result":"sent"' in out.splitlines()[-1], "smtp_server from GALAXY_CONFIG_SMTP_SERVER", out)
        got = smtp.wait_for(1)
        ok(got and "https://chat.example.org/c/#msg=42" in body_of(got[0].message),
           "chat_url set in [chat] makes the links")
        # [chat] smtp_server wins over Galaxy's
        cfg = site.config({"smtp_server": "127.0.0.1:1"}, {"smtp_server": smtp.server,
                                                           "email_from": "chat@example.org"})
        with Probe(cfg) as pr:
            eq(pr.send()["result"], "sent", "[chat] smtp_server wins over galaxy.ini's")
            got = smtp.wait_for(2)
            ok(len(got) == 2 and got[1].mail_from == "chat@example.org" and
               got[1].message["From"] == "chat@example.org",
               "... and [chat] email_from over galaxy.ini's")
        cfg = site.config({"smtp_server": smtp.server, "email_from": None,
                           "galaxy_infrastructure_url": "https://usegalaxy.example.org:8443/x"})
        with Probe(cfg) as pr:
            eq(pr.send()["result"], "sent", "no email_from")
            got = smtp.wait_for(3)
            ok(len(got) == 3 and got[2].mail_from == "galaxy-no-reply@usegalaxy.example.org",
               "... Galaxy's default: galaxy-no-reply@ the host of galaxy_infrastructure_url")
            ok("https://usegalaxy.example.org:8443/x/chat/#msg=42" in body_of(got[2].message),
               "... and chat_url defaults to galaxy_infrastructure_url + /chat/")
        cfg = site.config({"smtp_server": smtp.server, "email_from": None},
                          {"galaxy_url": "HTTPS://Galaxy.Example.ORG:443/g/"})
        with Probe(cfg) as pr:
            eq(pr.send()["result"], "sent", "[chat] galaxy_url")
            got = smtp.wait_for(4)
            ok(len(got) == 4 and got[3].mail_from == "galaxy-no-reply@galaxy.example.org" and
               "https://galaxy.example.org/g/chat/#msg=42" in body_of(got[3].message),
               "... wins over galaxy_infrastructure_url, for the sender and the links")


def test_check(d):
    good = make_cert(d, "check", "IP:127.0.0.1")
    with SmtpServer(starttls=good) as smtp:
        g = {"smtp_server": smtp.server, "email_from": "galaxy@example.org"}
        with ChatEnv(users=["alice"], processes=0, galaxy_options=g,
                     options={"smtp_ca_file": good[0]}) as env:
            p = subprocess.run([BINARY, "check", "-c", env.config], capture_output=True,
                               text=True, timeout=60)
            line = [x for x in p.stdout.splitlines() if x.startswith("mail:")]
            ok(p.returncode == 0 and line and "smtp://%s: ok, STARTTLS" % smtp.server in line[0],
               "check: the SMTP server is reachable, over STARTTLS", p.stdout + p.stderr)
            ok("mail links:    http://localhost:8080/chat/#msg=ID" in p.stdout,
               "check: where the links go (Galaxy's default URL)", p.stdout)
            eq(len(smtp.received), 0, "check sends no email")
    port = free_port()
    with ChatEnv(users=["alice"], processes=0,
                 galaxy_options={"smtp_server": "127.0.0.1:%d" % port}) as env:
        p = subprocess.run([BINARY, "check", "-c", env.config], capture_output=True, text=True,
                           timeout=60)
        line = [x for x in p.stdout.splitlines() if x.startswith("mail:")]
        ok(p.returncode == 1 and line and "FAILED" in line[0] and "PROBLEMS FOUND" in p.stdout,
           "check: an unreachable SMTP server is a problem", p.stdout)
    with ChatEnv(users=["alice"], processes=0) as env:
        p = subprocess.run([BINARY, "check", "-c", env.config], capture_output=True, text=True,
                           timeout=60)
        ok(p.returncode == 0 and "mail:          not configured" in p.stdout,
           "check: no smtp_server, mail not configured (and no problem)", p.stdout)
    with ChatEnv(users=["alice"], processes=0, galaxy_options={"smtp_server": "127.0.0.1:%d" % port},
                 options={"smtp_server": ""}) as env:
        p = subprocess.run([BINARY, "check", "-c", env.config], capture_output=True, text=True,
                           timeout=60)
        ok(p.returncode == 0 and "mail:          not configured" in p.stdout,
           "check: an empty smtp_server in [chat] turns Galaxy's off for the chat", p.stdout)


def main():
    # aiosmtpd logs every refused handshake with its traceback: the tests
    # say what matters
    logging.getLogger("mail.log").setLevel(logging.CRITICAL)
    warnings.simplefilter("ignore", UserWarning)
    warnings.simplefilter("ignore", DeprecationWarning)
    d = tempfile.mkdtemp(prefix="gc-mail-")
    try:
        site = Site(d)
        test_plain(site)
        test_refused_and_down(site, d)
        test_tls(site, d)
        test_login(site, d)
        test_config(site, d)
        test_check(d)
    finally:
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    run(main)
