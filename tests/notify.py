"""`galaxy-chat notify` against a real SMTP server (aiosmtpd,
tests/lib/smtpserver.py) on 127.0.0.1, with the chat's store and Galaxy's
database of a real deployment (ChatEnv): who gets an email (mentions and
direct messages still unread, nobody with email off, no deleted, purged or
inactive account, nothing removed or in a room left), what it holds
(recipient, subject, body, links), once only, notify_after and
notify_every, --dry-run, a server that refuses or is down and then
recovers (nothing marked meanwhile), STARTTLS with a test certificate,
and the lock that keeps two runs apart.

The store is an SQLite file; tests/notify_pg.py runs this same main()
against a PostgreSQL store."""

import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from chatenv import BINARY, ChatEnv, free_port  # noqa: E402
from smtpserver import SmtpServer, make_cert  # noqa: E402
from tap import ok, eq, run  # noqa: E402

FROM = "Galaxy Project <galaxy@example.org>"


def body_of(msg):
    return msg.get_content().replace("\r\n", "\n")


def main(store_url=None):
    d = tempfile.mkdtemp(prefix="gc-notify-")
    cert = make_cert(d, "good", "IP:127.0.0.1,DNS:localhost")
    port = free_port()
    smtp = SmtpServer(port=port, starttls=cert, require_starttls=True).start()
    users = ["alice", "bob", "carol", "dave", "erin", "frank"]
    try:
        with ChatEnv(users=users, options={"rate": "off", "join_rate": "off",
                                           "smtp_server": smtp.server, "smtp_ca_file": cert[0],
                                           "notify_after": "0", "notify_every": "0"},
                     galaxy_options={"email_from": FROM,
                                     "galaxy_infrastructure_url": "https://galaxy.example.org"},
                     store_url=store_url) as env:
            run_tests(env, smtp, port, cert)
    finally:
        smtp.stop()


def run_tests(env, smtp, port, cert):
    api = env.api

    def post(user, body):
        st, _, m = api(user, "POST", "/v1/messages", body=body)
        assert st == 201, (st, m)
        return m["id"]

    def notify(*args):
        time.sleep(0.01)   # a message of this very millisecond waits for the next run
        p = subprocess.run([BINARY, "notify", "-c", env.config] + list(args), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=120)
        return p.returncode, p.stdout + p.stderr

    def set_option(key, value):
        with open(env.config) as f:
            lines = [line for line in f if not line.startswith(key + " =")]
        with open(env.config, "w") as f:
            f.writelines(lines + ["%s = %s\n" % (key, value)])

    def received_since(n):
        return smtp.received[n:]

    for u in env.users:
        if u != "dave":   # dave never uses the chat
            api(u, "GET", "/v1/me")
    for u in ("alice", "bob", "carol", "erin", "frank"):
        api(u, "POST", "/v1/rooms/NGS/join")

    rc, out = notify()
    ok(rc == 0 and "0 emails sent" in out, "a first run with nothing to send", out)

    # --- who gets what -------------------------------------------------------
    m1 = post("alice", {"room": "NGS", "text": "@bob could you look at\nthe `index` step?"})
    dm = post("alice", {"to": "carol", "text": "psst, carol"})
    post("alice", {"room": "NGS", "text": "no one named here"})
    rc, out = notify()
    got = smtp.wait_for(2)
    ok(rc == 0 and "2 emails sent" in out, "a run sends two emails", out)
    by_to = {m.rcpt_tos[0]: m for m in got}
    eq(sorted(by_to), ["bob@example.org", "carol@example.org"],
       "to the one mentioned and the one written to, at their Galaxy addresses")
    b = by_to.get("bob@example.org")
    if ok(b is not None, "bob's email"):
        eq(b.message["To"], "bob@example.org", "To: bob alone")
        eq(b.message["From"], FROM, "From: Galaxy's email_from")
        eq(b.message["Subject"], "Galaxy chat: a message from alice in NGS", "Subject")
        ok(b.tls, "over STARTTLS, the test certificate checked (smtp_ca_file)")
        text = body_of(b.message)
        ok("Hello bob," in text and "In NGS, alice wrote on " in text and
           "> @bob could you look at\n> the `index` step?\n" in text, "who, where, the text as plain text", text)
        ok("https://galaxy.example.org/chat/#msg=%d\n" % m1 in text,
           "the link to the message (chat_url: Galaxy's URL + /chat/)", text)
        ok("no one named here" not in text, "nothing that did not mention him")
    c = by_to.get("carol@example.org")
    if ok(c is not None, "carol's email"):
        eq(c.message["Subject"], "Galaxy chat: a direct message from alice", "a direct message's subject")
        ok("In a direct message, alice wrote on" in body_of(c.message) and
           "#msg=%d" % dm in body_of(c.message), "its body", body_of(c.message))

    n = len(smtp.received)
    rc, out = notify()
    ok(rc == 0 and received_since(n) == [], "the next run sends nothing again: each message once", out)

    # read in time, removed, in a room left: no email
    m2 = post("alice", {"room": "NGS", "text": "@bob read this one soon"})
    eq(api("bob", "POST", "/v1/read", body={"room": "NGS", "id": m2})[0], 200, "bob reads it")
    m3 = post("alice", {"room": "NGS", "text": "@carol oops"})
    eq(api("alice", "DELETE", "/v1/messages/%d" % m3)[0], 200, "a mention removed before the run")
    post("alice", {"room": "NGS", "text": "@erin bye"})
    api("erin", "POST", "/v1/rooms/NGS/leave")
    rc, out = notify()
    eq((rc, received_since(n)), (0, []), "read, removed, or in a room the user left: no email")

    # email off; Galaxy accounts deleted, purged, inactive; never used the chat
    eq(api("frank", "PUT", "/v1/me/settings", body={"email": "off"})[0], 200, "frank turns emails off")
    post("alice", {"room": "NGS", "text": "@frank hello"})
    post("alice", {"to": "frank", "text": "frank, psst"})
    post("alice", {"to": "bob", "text": "are you gone?"})
    post("alice", {"to": "carol", "text": "not activated?"})
    post("alice", {"room": "all", "text": "@dave hi"})
    env.galaxy_db.set_user(env.user_ids["bob"], deleted=True)    # after they were sent
    env.galaxy_db.set_user(env.user_ids["carol"], active=False)
    rc, out = notify()
    eq((rc, [m.rcpt_tos for m in received_since(n)]), (0, []),
       "email off, a deleted account, an inactive one, one who never used the chat: no email")
    env.galaxy_db.set_user(env.user_ids["bob"], deleted=False)
    env.galaxy_db.set_user(env.user_ids["carol"], active=True)
    api("frank", "PUT", "/v1/me/settings", body={"email": "mentions"})
    rc, out = notify()
    eq(received_since(n), [], "turned on again, or restored: what was skipped is never sent later")
    post("alice", {"to": "bob", "text": "purged?"})
    env.galaxy_db.set_user(env.user_ids["bob"], purged=True)
    rc, out = notify()
    eq(received_since(n), [], "a purged account: no email")
    env.galaxy_db.set_user(env.user_ids["bob"], purged=False)

    # --- --dry-run ----------------------------------------------------------
    m4 = post("alice", {"room": "NGS", "text": "@frank now you get it"})
    rc, out = notify("--dry-run")
    ok(rc == 0 and "would send 1 message to frank" in out and "frank@example.org" in out,
       "--dry-run says what it would send", out)
    eq(received_since(n), [], "and sends nothing")
    rc, out = notify()
    got = received_since(n)
    eq([m.rcpt_tos for m in got], [["frank@example.org"]], "nor marks it: the real run sends it")
    ok(got and "#msg=%d" % m4 in body_of(got[0].message), "the message the dry run named")
    n = len(smtp.received)

    # --- notify_after, notify_every ----------------------------------------
    set_option("notify_after", "1")
    post("alice", {"room": "NGS", "text": "@bob not yet"})
    rc, out = notify()
    eq(received_since(n), [], "notify_after = 1: a message of a moment ago waits")
    set_option("notify_after", "0")
    rc, out = notify()
    eq([m.rcpt_tos for m in received_since(n)], [["bob@example.org"]], "... and goes later")
    n = len(smtp.received)
    set_option("notify_every", "60")
    m5 = post("alice", {"room": "NGS", "text": "@bob again"})
    rc, out = notify()
    ok(received_since(n) == [] and "1 user waiting for notify_every" in out,
       "notify_every = 60: no second email within the hour", out)
    set_option("notify_every", "0")
    rc, out = notify()
    got = received_since(n)
    ok(len(got) == 1 and "#msg=%d" % m5 in body_of(got[0].message),
       "the waiting message goes once the hour is over", out)
    n = len(smtp.received)

    # --- a refused recipient, a server down: nothing marked, tried again ----
    smtp.refuse.add("bob@example.org")
    m6 = post("alice", {"room": "NGS", "text": "@bob refused?"})
    post("alice", {"room": "NGS", "text": "@frank and you?"})
    rc, out = notify()
    ok(rc == 1 and "refused" in out, "a recipient refused: the run says so and fails", out)
    eq([m.rcpt_tos for m in received_since(n)], [["frank@example.org"]], "the others still go")
    n = len(smtp.received)
    smtp.refuse.clear()
    rc, out = notify()
    got = received_since(n)
    ok(rc == 0 and len(got) == 1 and got[0].rcpt_tos == ["bob@example.org"] and
       "#msg=%d" % m6 in body_of(got[0].message), "accepted again: the next run sends it", out)
    n = len(smtp.received)

    smtp.stop()
    m7 = post("alice", {"to": "bob", "text": "while the mail server is down"})
    rc, out = notify()
    ok(rc == 1 and "127.0.0.1:%d" % port in out, "the server down: the run fails, naming it", out)
    again = SmtpServer(port=port, starttls=cert, require_starttls=True).start()
    try:
        rc, out = notify()
        got = again.wait_for(1)
        ok(rc == 0 and len(got) == 1 and "#msg=%d" % m7 in body_of(got[0].message),
           "up again: the next run sends what the failed one could not", out)

        # --- the lock ---------------------------------------------------
        again.delay = 8   # the second run starts and meets the lock within it
        post("alice", {"to": "bob", "text": "a slow server"})
        began = again.data_started
        first = subprocess.Popen([BINARY, "notify", "-c", env.config], stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, text=True)
        # the first run is sending (so it holds the lock) once the server
        # has its DATA: a fixed wait was too short for a loaded machine
        deadline = time.time() + 30
        while again.data_started == began and time.time() < deadline and first.poll() is None:
            time.sleep(0.05)
        rc, out = notify()
        ok(rc == 0 and "another run of notify holds the lock" in out,
           "a run while another one sends: it leaves at once", out)
        first_out = first.communicate(timeout=60)[0]
        ok(first.returncode == 0 and "1 email sent" in first_out, "the first run sends", first_out)
        eq(len(again.wait_for(2)), 2, "once")
        again.delay = 0
        rc, out = notify()
        eq((rc, len(again.received)), (0, 2), "and the lock is let go with its run")
    finally:
        again.stop()


if __name__ == "__main__":
    run(main)
