#!/usr/bin/python3
"""auth.py - Galaxy authentication (cookie.c, galaxydb*.c, auth.c,
galaxy_config.c) against real Galaxy databases: SQLite and a throwaway
PostgreSQL 15 over TCP and over its Unix socket. Prints TAP.

Drives tests/unit/auth_probe, which keeps one authenticator (one cache)
alive and answers one JSON line per stdin line.
"""
import datetime
import hashlib
import os
import shutil
import sys
import tempfile
import time

SRCDIR = os.environ.get("GC_SRCDIR", os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
BUILDDIR = os.environ.get("GC_BUILDDIR", SRCDIR)
sys.path.insert(0, os.path.join(SRCDIR, "tests", "lib"))

import pgserver                                                     # noqa: E402
from chatenv import without_libpq                                   # noqa: E402
from lineprobe import LineProbe                                     # noqa: E402
from tap import ok, skip, run                                       # noqa: E402
from galaxy_fixture import (GalaxyDB, make_cookie, new_session_key,  # noqa: E402
                            new_api_key, write_galaxy_ini, write_galaxy_yml)

PROBE = os.path.join(BUILDDIR, "tests", "unit", "auth_probe")
SECRET = "test secret \u2603 with UTF-8"      # Galaxy keys Blowfish with its UTF-8 bytes
OTHER_SECRET = "some other Galaxy's secret"
CACHE = 2                                     # auth_cache_seconds in the freshness test
DURATION = 10                                 # session_duration (minutes) in the expiry test
# A zone far from UTC, so comparing Galaxy's local last_action with UTC would show.
os.environ["TZ"] = "XST-5:30"
time.tzset()

class Probe(LineProbe):
    """One auth_probe process; ask() sends a line and returns the answer."""

    def __init__(self, *args, env=None):
        super().__init__([PROBE] + list(args), env=env)

    def cookie(self, value):
        return self.ask("cookie galaxysession=" + value)


def gravatar(email):
    return hashlib.md5(email.strip().lower().encode()).hexdigest()


def populate(db):
    """The cast of users and sessions every backend gets; returns a dict."""
    c = {}
    c["alice"] = db.add_user("alice@example.org", "alice")
    c["bob"] = db.add_user(" Bob.Smith@Example.ORG ", None)          # NULL username
    c["carol"] = db.add_user("carol@example.org", "carol", deleted=True)
    c["dave"] = db.add_user("dave@example.org", "dave", deleted=True, purged=True)
    c["erin"] = db.add_user("erin@example.org", "erin", purged=True)
    c["frank"] = db.add_user("frank@example.org", "frank", external=True)
    # users without a username Galaxy accepts: none of them may be named
    # after their e-mail address, another user, or a handle not theirs
    c["nina"] = db.add_user("nina@example.org", "")                     # empty username
    c["imp"] = db.add_user("alice@evil.org", None)                      # alice's local part
    c["odd"] = db.add_user("odd@example.org", "Bob Smith")              # refused by Galaxy's rule
    c["fake"] = db.add_user("fake@example.org", "user#%d" % c["alice"])  # a handle, by hand
    c["k_alice"] = db.add_session(c["alice"])
    c["k_bob"] = db.add_session(c["bob"])
    c["k_carol"] = db.add_session(c["carol"])
    c["k_dave"] = db.add_session(c["dave"])
    c["k_erin"] = db.add_session(c["erin"])
    c["k_frank"] = db.add_session(c["frank"])
    for who in ("nina", "imp", "odd", "fake"):
        c["k_" + who] = db.add_session(c[who])
    c["k_anon"] = db.add_session(None)
    c["k_out"] = db.add_session(c["alice"], valid=False)
    now = datetime.datetime.now()                          # naive local, as Galaxy
    c["k_recent"] = db.add_session(c["alice"], last_action=now - datetime.timedelta(minutes=1))
    c["k_old"] = db.add_session(c["alice"], last_action=now - datetime.timedelta(minutes=DURATION + 5))
    return c


def check_lookups(label, db, url, c):
    """Every session kind through one probe with caching off."""
    def res(r):
        return r.get("result")
    with Probe("--db", url, "--secret", SECRET, "--admins", "nobody@x, alice@example.org",
               "--avatars", "gravatar") as p:
        ok(p.ready.get("result") == "ready", "%s: probe starts" % label, p.ready)
        r = p.cookie(make_cookie(SECRET, c["k_alice"]))
        ok(res(r) == "ok" and r["user"] == {"id": c["alice"], "username": "alice",
           "email": "alice@example.org", "gravatar": gravatar("alice@example.org")},
           "%s: valid session gives the user" % label, r)
        ok(r.get("admin") is True, "%s: admin_users makes alice admin" % label, r)
        r = p.cookie(make_cookie(SECRET, c["k_bob"]))
        ok(res(r) == "ok" and r["user"]["username"] == "user#%d" % c["bob"]
           and r["user"]["gravatar"] == gravatar("bob.smith@example.org") and r["admin"] is False,
           "%s: NULL username -> user#<id>, not the e-mail's local part; gravatar of trimmed "
           "lowercased email" % label, r)
        for who, why in (("nina", "empty username"), ("imp", "NULL username, e-mail alice@evil.org"),
                         ("odd", "a username Galaxy's rule refuses (\"Bob Smith\")"),
                         ("fake", "the username user#<alice's id>")):
            r = p.cookie(make_cookie(SECRET, c["k_" + who]))
            ok(res(r) == "ok" and r["user"]["username"] == "user#%d" % c[who],
               "%s: %s -> user#<own id>" % (label, why), r)
        for name, who, why in (("alice", "alice", "a username"),
                               ("user#%d" % c["bob"], "bob", "the handle of a user without one"),
                               ("user#%d" % c["odd"], "odd", "the handle of a refused username"),
                               ("user#%d" % c["fake"], "fake", "the handle of a hand-made handle")):
            r = p.ask("find " + name)
            ok(res(r) == "ok" and r["id"] == c[who], "%s: find %s (%s)" % (label, name, why), r)
        for name, why in (("user#%d" % c["alice"], "the handle of a user who has a username"),
                          ("user#0%d" % c["bob"], "a handle with a leading zero"),
                          ("bob.smith", "a NULL-username user's local part"),
                          (" Bob.Smith", "the same, as in the address"), ("Alice", "another case"),
                          ("Bob Smith", "a username Galaxy's rule refuses"), ("carol", "a deleted user"),
                          ("dave", "a deleted and purged user"), ("erin", "a purged user"),
                          ("frank", "an external user, use_remote_user off"),
                          ("user#99999999", "an unknown id"), ("user#", "no id"),
                          ("user#-%d" % c["bob"], "a negative id"), ("user#1e3", "not a number"),
                          ("user#99999999999999999999", "a huge id"), ("nobody", "an unknown name"),
                          ("x" * 300, "a long name"), ("alice\u00e9", "non-ASCII")):
            r = p.ask("find " + name)
            ok(res(r) == "no_session", "%s: find %s: no one (%s)" % (label, name[:40], why), r)
        for who, why in (("k_frank", "external (remote-user) account, use_remote_user off"),
                         ("k_out", "logged out (is_valid false)"), ("k_anon", "anonymous (user_id NULL)"),
                         ("k_carol", "deleted user"), ("k_dave", "deleted and purged user"),
                         ("k_erin", "purged user")):
            r = p.cookie(make_cookie(SECRET, c[who]))
            ok(res(r) == "no_session", "%s: %s refused" % (label, why), r)
        r = p.cookie(make_cookie(SECRET, new_session_key()))
        ok(res(r) == "no_session", "%s: unknown session key refused" % label, r)
        r = p.cookie(make_cookie(OTHER_SECRET, c["k_alice"]))
        ok(res(r) == "bad_cookie", "%s: cookie of another id_secret refused" % label, r)
        good = make_cookie(SECRET, c["k_alice"])
        r = p.cookie(good[:-16])
        ok(res(r) == "no_session", "%s: cookie cut by a block decodes to a key with no session" % label, r)
        for value, why in ((good[:-1], "truncated (odd length)"),
                           (good[:-2], "truncated (not a multiple of 8 bytes)"),
                           ("x" + good[1:], "non-hex"), ("ab" * 5000, "huge"), ("", "empty")):
            r = p.cookie(value)
            ok(res(r) == "bad_cookie", "%s: %s cookie refused" % (label, why), r)
        r = p.ask("nocookie")
        ok(res(r) == "no_cookie", "%s: no Cookie header" % label, r)
        r = p.ask("cookie galaxysessionx=%s; other=1" % good)
        ok(res(r) == "no_cookie", "%s: Cookie header without galaxysession" % label, r)
        r = p.ask('cookie a=b;  galaxysession = "%s" ;c=d' % good)
        ok(res(r) == "ok", "%s: quoted value among other cookies, spaces" % label, r)
        # Galaxy reads cookies into a dict in header order (Python's
        # SimpleCookie, WebOb): the last galaxysession is the session
        r = p.ask("cookie galaxysession=%s; galaxysession=%s" % ("00" * 8, good))
        ok(res(r) == "ok", "%s: duplicate galaxysession: the last counts, as in Galaxy" % label, r)
        r = p.ask("cookie galaxysession=%s; galaxysession=%s" % (good, "00" * 8))
        ok(res(r) == "bad_cookie", "%s: duplicate galaxysession: the earlier one is ignored" % label, r)
        r = p.ask("cookie galaxysession=%s; galaxysession=%s"
                  % (make_cookie(SECRET, c["k_bob"]), good))
        ok(res(r) == "ok" and r["user"]["id"] == c["alice"],
           "%s: two valid sessions: the user of the last one" % label, r)
        r = p.ask("parallel 16 galaxysession=" + good)
        ok(r.get("ok") == r.get("total") == 16 * 50,
           "%s: 16 threads x 50 checks share the handle pool, all ok" % label, r)
        r = p.ask("count")
        ok(res(r) == "ok" and r["count"] == 7, "%s: counts users neither deleted nor purged" % label, r)

    with Probe("--db", url, "--secret", SECRET, "--remote-user", 1) as p:
        r = p.cookie(make_cookie(SECRET, c["k_frank"]))
        ok(res(r) == "ok", "%s: external account accepted with use_remote_user on" % label, r)
        r = p.ask("find frank")
        ok(res(r) == "ok" and r["id"] == c["frank"], "%s: and found by name" % label, r)
        r = p.cookie(make_cookie(SECRET, c["k_carol"]))
        ok(res(r) == "no_session", "%s: a deleted user stays refused with it" % label, r)

    with Probe("--db", url, "--secret", SECRET, "--duration", DURATION) as p:
        r = p.cookie(make_cookie(SECRET, c["k_old"]))
        ok(res(r) == "no_session", "%s: session_duration: idle too long -> expired" % label, r)
        r = p.cookie(make_cookie(SECRET, c["k_recent"]))
        ok(res(r) == "ok", "%s: session_duration: recent last_action (local time) -> ok" % label, r)
        r = p.cookie(make_cookie(SECRET, c["k_alice"]))
        ok(res(r) == "ok", "%s: session_duration: NULL last_action -> ok" % label, r)
    with Probe("--db", url, "--secret", SECRET) as p:
        r = p.cookie(make_cookie(SECRET, c["k_old"]))
        ok(res(r) == "ok", "%s: session_duration 0: old last_action is fine" % label, r)
        r = p.cookie(make_cookie(SECRET, c["k_alice"]))
        ok(res(r) == "ok" and r["user"]["gravatar"] == "",
           "%s: avatars = initials (the default): no hash of the email is handed on" % label, r)


def check_keys(label, db, url, c):
    """X-API-Key by Galaxy's rule (UserManager.by_api_key): the user's newest
    key not deleted, of a user Galaxy lets in; malformed keys refused
    before the database; a cookie beside a key must agree with it."""
    def res(r):
        return r.get("result")
    tag = label.replace(" ", "")
    hour = datetime.timedelta(hours=1)
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    k_alice = db.add_api_key(c["alice"])
    k_bob = db.add_api_key(c["bob"])
    # older keys of a user are stale; deleting the newest makes the next one current
    u = db.add_user("keys-%s@example.org" % tag, "keys-" + tag)
    k_old = db.add_api_key(u, create_time=now - 3 * hour)
    k_mid = db.add_api_key(u, create_time=now - 2 * hour)
    k_new = db.add_api_key(u, create_time=now - 1 * hour)
    k_gone = db.add_api_key(u, deleted=True)          # newest of all, but deleted
    refused = {who: db.add_api_key(c[who]) for who in ("carol", "dave", "erin", "frank")}
    boot, master = new_api_key(), new_api_key()
    db.add_api_key(db.add_user("boot-%s@example.org" % tag, "boot-" + tag), key=boot)
    db.add_api_key(db.add_user("master-%s@example.org" % tag, "master-" + tag), key=master)
    good = make_cookie(SECRET, c["k_alice"])
    with Probe("--db", url, "--secret", SECRET, "--admins", "alice@example.org",
               "--avatars", "gravatar") as p:
        r = p.ask("key " + k_alice)
        ok(res(r) == "ok" and r["user"] == {"id": c["alice"], "username": "alice",
           "email": "alice@example.org", "gravatar": gravatar("alice@example.org")}
           and r["admin"] is True, "%s: an API key gives its user, admin from admin_users" % label, r)
        r = p.ask("key " + k_bob)
        ok(res(r) == "ok" and r["user"]["username"] == "user#%d" % c["bob"] and r["admin"] is False,
           "%s: the key of a user without a username: user#<id>" % label, r)
        r = p.ask("key " + k_new)
        ok(res(r) == "ok" and r["user"]["id"] == u, "%s: the user's newest key not deleted" % label, r)
        for key, why in ((k_mid, "an older key"), (k_old, "the oldest key"),
                         (k_gone, "a deleted key, newest of all")):
            r = p.ask("key " + key)
            ok(res(r) == "no_key", "%s: %s of the user refused, as in Galaxy" % (label, why), r)
        db.delete_api_key(k_new)
        r = p.ask("key " + k_mid)
        ok(res(r) == "ok" and r["user"]["id"] == u,
           "%s: the newest key deleted, the next older one is the user's key (Galaxy's rule)" % label, r)
        ok(res(p.ask("key " + k_new)) == "no_key", "%s: and the deleted one is refused" % label)
        for who, why in (("carol", "deleted"), ("dave", "deleted and purged"), ("erin", "purged"),
                         ("frank", "external, use_remote_user off")):
            r = p.ask("key " + refused[who])
            ok(res(r) == "no_key", "%s: the key of a user who is %s refused" % (label, why), r)
        r = p.ask("key " + new_api_key())
        ok(res(r) == "no_key", "%s: an unknown key refused" % label, r)
        for value, why in ((k_alice + "0", "of 33 digits"), (k_alice[:-1], "of 31 digits"),
                           (k_alice.upper(), "in upper-case hex (Galaxy's keys are lower-case)"),
                           ("g" + k_alice[1:], "with a non-hex digit"), ("", "empty"),
                           (" " + k_alice, "with a leading space"), (k_alice + " ", "with a trailing space"),
                           (k_alice[:16] + " " + k_alice[16:], "with a space inside"),
                           (k_alice + ", " + k_bob, "of two keys joined, as Apache joins two headers"),
                           ("ab" * 5000, "of 10000 characters")):
            r = p.ask("key " + value)
            ok(res(r) == "bad_key" and "hexadecimal" in r.get("err", ""),
               "%s: X-API-Key %s refused before the database" % (label, why), r)
        r = p.ask("keytwice " + k_alice)
        ok(res(r) == "bad_key", "%s: a valid key sent in two headers refused" % label, r)
        # a key and a cookie: both must be good, and of one user
        r = p.ask("keycookie %s galaxysession=%s" % (k_alice, good))
        ok(res(r) == "ok" and r["user"]["id"] == c["alice"], "%s: key and cookie of one user: ok" % label, r)
        r = p.ask("keycookie %s galaxysession=%s" % (k_bob, good))
        ok(res(r) == "two_users", "%s: key and cookie of two users refused" % label, r)
        r = p.ask("keycookie %s galaxysession=%s" % (new_api_key(), good))
        ok(res(r) == "no_key", "%s: an unknown key beside a good cookie: refused, no fallback" % label, r)
        r = p.ask("keycookie %s galaxysession=%s" % ("x", good))
        ok(res(r) == "bad_key", "%s: a malformed key beside a good cookie: refused" % label, r)
        r = p.ask("keycookie %s galaxysession=%s" % (k_alice, make_cookie(SECRET, c["k_out"])))
        ok(res(r) == "no_session", "%s: a good key beside a logged-out cookie: refused" % label, r)
        r = p.ask("keycookie %s galaxysession=%s" % (k_alice, "zz"))
        ok(res(r) == "bad_cookie", "%s: a good key beside a malformed cookie: refused" % label, r)
        r = p.ask("keycookie %s other=1; galaxysessionx=2" % k_alice)
        ok(res(r) == "ok", "%s: other cookies beside a key do not matter" % label, r)
        # a session key is not an API key, nor the other way round, cached or not
        r = p.ask("key " + c["k_alice"])
        ok(res(r) == "no_key", "%s: a session key sent as X-API-Key refused" % label, r)
        r = p.cookie(make_cookie(SECRET, k_alice))
        ok(res(r) == "no_session", "%s: an API key sent as a session cookie refused" % label, r)
        r = p.ask("key " + boot)
        ok(res(r) == "ok", "%s: without bootstrap_admin_api_key set, that key is its user's" % label, r)
    with Probe("--db", url, "--secret", SECRET, "--cache", 60, "--bootstrap", boot,
               "--master", master) as p:
        for key, why in ((boot, "bootstrap_admin_api_key"), (master, "master_api_key")):
            r = p.ask("key " + key)
            ok(res(r) == "no_key" and "bootstrap" in r.get("err", ""),
               "%s: Galaxy's %s is never accepted, even as a user's key" % (label, why), r)
        ok(res(p.ask("key " + k_alice)) == "ok", "%s: other keys work with it set" % label)
        # the cache keeps the two kinds apart (distinct digest prefixes)
        ok(res(p.cookie(good)) == "ok", "%s: alice's session, now cached" % label)
        ok(res(p.ask("key " + c["k_alice"])) == "no_key",
           "%s: her session key as X-API-Key, after her session's answer was cached: refused" % label)
        ok(res(p.ask("key " + k_alice)) == "ok", "%s: her API key, cached" % label)
        ok(res(p.cookie(make_cookie(SECRET, k_alice))) == "no_session",
           "%s: her API key as a session, after the key's answer was cached: refused" % label)
    with Probe("--db", url, "--secret", SECRET, "--remote-user", 1) as p:
        r = p.ask("key " + refused["frank"])
        ok(res(r) == "ok", "%s: an external user's key accepted with use_remote_user on" % label, r)


def check_key_freshness(label, db, url):
    """A key deleted in Galaxy, or of a user deleted since, keeps working at
    most CACHE s (plus a margin)."""
    tag = label.replace(" ", "")
    for what in ("key", "user"):
        uid = db.add_user("kfresh-%s-%s@example.org" % (what, tag), None)
        key = db.add_api_key(uid)
        with Probe("--db", url, "--secret", SECRET, "--cache", CACHE) as p:
            ok(p.ask("key " + key).get("result") == "ok", "%s: a fresh key works" % label)
            if what == "key":
                db.delete_api_key(key)
            else:
                db.set_user(uid, deleted=True)
            t0 = time.monotonic()
            r = p.ask("key " + key)
            ok(r.get("result") == "ok", "%s: answer cached right after the %s's deletion" % (label, what), r)
            while r.get("result") == "ok" and time.monotonic() - t0 < CACHE + 5:
                time.sleep(0.1)
                r = p.ask("key " + key)
            took = time.monotonic() - t0
            ok(r.get("result") == "no_key" and took <= CACHE + 1,
               "%s: a %s deleted in Galaxy refused within auth_cache_seconds + 1 s (%.1f s)"
               % (label, what, took), r)


def check_old_galaxy(label, db, url, c):
    """A Galaxy database without api_keys (or its deleted column, before
    Galaxy 23.0): sessions are still looked up; keys cannot be."""
    db.execute("DROP TABLE api_keys")
    with Probe("--db", url, "--secret", SECRET) as p:
        r = p.ask("key " + new_api_key())
        ok(r.get("result") == "unavailable" and "api_keys" in r.get("err", ""),
           "%s, no api_keys table: a key cannot be checked (unavailable, says why)" % label, r)
        r = p.cookie(make_cookie(SECRET, c["k_alice"]))
        ok(r.get("result") == "ok", "%s, no api_keys table: sessions still work" % label, r)
        r = p.ask("key " + new_api_key())
        ok(r.get("result") == "unavailable", "%s, no api_keys table: and keys stay refused" % label, r)


def check_freshness(label, db, url, c):
    """A logged-out cookie keeps working at most CACHE s (plus a margin)."""
    uid = db.add_user("fresh-%s@example.org" % label.replace(" ", ""), None)
    key = db.add_session(uid)
    cookie = make_cookie(SECRET, key)
    with Probe("--db", url, "--secret", SECRET, "--cache", CACHE) as p:
        r = p.cookie(cookie)
        ok(r.get("result") == "ok", "%s: fresh session ok" % label, r)
        r = p.ask("parallel 16 galaxysession=" + cookie)
        ok(r.get("ok") == r.get("total") == 16 * 50, "%s: 16 threads on the cache, all ok" % label, r)
        db.invalidate(key)
        t0 = time.monotonic()
        r = p.cookie(cookie)
        ok(r.get("result") == "ok", "%s: answer cached right after logout" % label, r)
        while r.get("result") == "ok" and time.monotonic() - t0 < CACHE + 5:
            time.sleep(0.1)
            r = p.cookie(cookie)
        took = time.monotonic() - t0
        ok(r.get("result") == "no_session" and took <= CACHE + 1,
           "%s: logout seen within auth_cache_seconds + 1 s (%.1f s)" % (label, took), r)
        # negative answers are cached as well: a new valid row for the same
        # key would not show within the window (Galaxy never revives keys,
        # this only proves the database is not asked again)
        db.execute("UPDATE galaxy_session SET is_valid = ? WHERE session_key = ?", (True, key))
        r = p.cookie(cookie)
        ok(r.get("result") == "no_session", "%s: negative answer cached too" % label, r)


def check_rename(label, db, url):
    """A name belongs to whoever holds it in Galaxy now: after a rename the
    old name is no one's until someone takes it, and then that user's."""
    tag = label.replace(" ", "")
    old, new = "ren-" + tag, "ren2-" + tag
    a = db.add_user("ren-%s@example.org" % tag, old)
    b = db.add_user("%s@example.org" % old, None)   # named like a's old name, by e-mail
    with Probe("--db", url, "--secret", SECRET, "--cache", 60) as p:
        ok(p.ask("find " + old).get("id") == a, "%s: rename: found by the first name" % label)
        db.set_user(a, username=new)
        r = p.ask("find " + old)
        ok(r.get("result") == "no_session",
           "%s: rename: the old name is no one's at once (no cache), not the look-alike's" % label, r)
        ok(p.ask("find " + new).get("id") == a, "%s: rename: found by the new name" % label)
        db.set_user(b, username=old)
        ok(p.ask("find " + old).get("id") == b, "%s: rename: the old name's new holder" % label)


def check_spellings(label, db, url):
    """One session, one cache entry: Galaxy decodes upper-case hex and strips
    every leading '!', so a session's cookie has many spellings; each is that
    session, and each finds the one answer cached for it."""
    tag = label.replace(" ", "")
    uid = db.add_user("spell-%s@example.org" % tag, "spell-" + tag)
    key = db.add_session(uid)
    good = make_cookie(SECRET, key)
    pad = good[:16]                 # a 32-char key's first block is all '!' padding
    with Probe("--db", url, "--secret", SECRET, "--cache", 60) as p:
        for value, why in ((good, "as Galaxy sets it"), (good.upper(), "in upper-case hex"),
                           (pad + good, "with an extra '!' block"),
                           (pad * 5 + good.upper(), "with five more, upper-case")):
            r = p.cookie(value)
            ok(r.get("result") == "ok" and r["user"]["id"] == uid,
               "%s: the cookie %s is the session, as in Galaxy" % (label, why), r)
        db.invalidate(key)
        r = p.cookie(pad * 2 + good)    # a spelling never asked before
        ok(r.get("result") == "ok",
           "%s: a new spelling finds the answer cached for its session (the cache is keyed "
           "by the session key, so spellings cannot multiply entries)" % label, r)


def check_configs(label, tmp, url, c):
    """galaxy.yml / galaxy.ini and GALAXY_CONFIG_* feed the same lookup."""
    yml = os.path.join(tmp, "galaxy.yml")
    write_galaxy_yml(yml, {"id_secret": SECRET, "database_connection": url,
                           "admin_users": ["x@y", "alice@example.org"], "session_duration": 0})
    good = make_cookie(SECRET, c["k_alice"])
    with Probe("--galaxy-config", yml) as p:
        r = p.cookie(good)
        ok(r.get("result") == "ok" and r.get("admin") is True,
           "%s: galaxy.yml (secret, database, admin_users list)" % label, r)

    ini = os.path.join(tmp, "galaxy.ini")
    write_galaxy_ini(ini, {"id_secret": SECRET, "database_connection": url,
                           "admin_users": "alice@example.org"})
    with Probe("--galaxy-config", ini) as p:
        r = p.cookie(good)
        ok(r.get("result") == "ok" and r.get("admin") is True, "%s: galaxy.ini" % label, r)

    env = dict(os.environ, GALAXY_CONFIG_OVERRIDE_ID_SECRET=OTHER_SECRET)
    with Probe("--galaxy-config", yml, env=env) as p:
        r1 = p.cookie(make_cookie(OTHER_SECRET, c["k_alice"]))
        r2 = p.cookie(good)
        ok(r1.get("result") == "ok" and r2.get("result") == "bad_cookie",
           "%s: GALAXY_CONFIG_OVERRIDE_ID_SECRET beats the file" % label, (r1, r2))

    bare = os.path.join(tmp, "bare.yml")
    write_galaxy_yml(bare, {"id_secret": SECRET})
    env = dict(os.environ, GALAXY_CONFIG_DATABASE_CONNECTION=url,
               GALAXY_CONFIG_ID_SECRET=OTHER_SECRET)
    with Probe("--galaxy-config", bare, env=env) as p:
        r = p.cookie(good)
        ok(r.get("result") == "ok",
           "%s: GALAXY_CONFIG_ fills database_connection, does not beat the file's id_secret" % label, r)


def run_sqlite(tmp):
    label = "sqlite"
    dbdir = os.path.join(tmp, "galaxy")
    os.makedirs(os.path.join(dbdir, "database"))
    path = os.path.join(dbdir, "database", "universe.sqlite")
    db = GalaxyDB.sqlite(path)
    c = populate(db)
    check_lookups(label, db, db.url + "?isolation_level=IMMEDIATE", c)
    check_freshness(label, db, db.url, c)
    check_spellings(label, db, db.url)
    check_rename(label, db, db.url)
    check_configs(label, tmp, db.url, c)
    check_keys(label, db, db.url, c)
    check_key_freshness(label, db, db.url)

    good = make_cookie(SECRET, c["k_alice"])
    with Probe("--db", "sqlite:///./database/universe.sqlite?isolation_level=IMMEDIATE",
               "--root", dbdir, "--secret", SECRET) as p:
        r = p.cookie(good)
        ok(r.get("result") == "ok", "sqlite: Galaxy's default relative URL under galaxy_root", r)
    with open(os.path.join(dbdir, "galaxy.ini"), "w") as f:
        f.write("[app:main]\nid_secret = %s\n"
                "database_connection = sqlite:///%%(here)s/database/universe.sqlite"
                "?isolation_level=IMMEDIATE\n" % SECRET.replace("%", "%%"))
    with Probe("--galaxy-config", os.path.join(dbdir, "galaxy.ini")) as p:
        r = p.cookie(good)
        ok(r.get("result") == "ok", "sqlite: galaxy.ini with %(here)s", r)

    # never in Galaxy's way: Galaxy writes while the chat has the file open
    with Probe("--db", db.url, "--secret", SECRET) as p:
        p.cookie(good)
        t0 = time.monotonic()
        key = db.add_session(c["alice"])
        ok(time.monotonic() - t0 < 2, "sqlite: Galaxy can write while the chat has the file open")
        r = p.cookie(make_cookie(SECRET, key))
        ok(r.get("result") == "ok", "sqlite: and the chat sees the new session", r)
    # read-only: lookups leave the file and its directory untouched
    before = (os.stat(path).st_mtime_ns, sorted(os.listdir(os.path.dirname(path))))
    os.chmod(path, 0o444)
    with Probe("--db", db.url, "--secret", SECRET) as p:
        r = p.cookie(good)
        ok(r.get("result") == "ok", "sqlite: a read-only database file is enough", r)
    os.chmod(path, 0o644)
    after = (os.stat(path).st_mtime_ns, sorted(os.listdir(os.path.dirname(path))))
    ok(before == after, "sqlite: lookups do not modify the database", (before, after))

    missing = os.path.join(tmp, "nope.sqlite")
    with Probe("--db", "sqlite:///" + missing, "--secret", SECRET) as p:
        r = p.cookie(good)
        ok(r.get("result") == "unavailable", "sqlite: missing database file -> unavailable", r)
    ok(not os.path.exists(missing), "sqlite: a missing file is not created")
    old = GalaxyDB.sqlite(os.path.join(tmp, "old-galaxy.sqlite"))
    check_old_galaxy(label, old, old.url, populate(old))


def run_postgres(tmp):
    why = pgserver.available()
    if why:
        print("# PostgreSQL tests cannot run: %s" % why)
        skip("postgresql: all", why)
        return
    with pgserver.PgServer() as pg:
        db = GalaxyDB.postgres(pg)
        c = populate(db)
        for label, url in (("pg tcp", db.url), ("pg unix", db.url_unix),
                           ("pg psycopg2 alias", db.url.replace("postgresql://", "postgresql+psycopg2://"))):
            check_lookups(label, db, url, c)
        check_freshness("pg tcp", db, db.url, c)
        check_spellings("pg tcp", db, db.url)
        check_rename("pg tcp", db, db.url)
        check_configs("pg tcp", tmp, db.url, c)
        check_keys("pg tcp", db, db.url, c)
        check_key_freshness("pg tcp", db, db.url)
        old = GalaxyDB.postgres(pg, name="oldgalaxy")
        check_old_galaxy("pg tcp", old, old.url, populate(old))

        # libpq is loaded at the first connection (pqlib.c), not linked
        with Probe("--db", db.url_unix, "--secret", SECRET, env=without_libpq(tmp)) as p:
            r = p.cookie(make_cookie(SECRET, c["k_alice"]))
            ok(r.get("result") == "unavailable" and "cannot load libpq.so.5" in r.get("err", ""),
               "pg, libpq missing: unavailable, saying that libpq cannot be loaded", r)
            ok(p.close() == 0, "... and the probe ends cleanly", p.p.returncode)

        bad_pw = db.url.replace("p%40ss", "wrong")
        with Probe("--db", bad_pw, "--secret", SECRET) as p:
            r = p.cookie(make_cookie(SECRET, c["k_alice"]))
            ok(r.get("result") == "unavailable" and "p@ss" not in r.get("err", ""),
               "pg: wrong password -> unavailable, password not in the message", r)

        # outage: stop the server under a running probe, then bring it back
        good = make_cookie(SECRET, c["k_alice"])
        with Probe("--db", db.url, "--secret", SECRET, "--cache", 0) as p:
            r = p.cookie(good)
            ok(r.get("result") == "ok", "pg outage: ok before", r)
            pg.stop()
            t0 = time.monotonic()
            r = p.cookie(good)
            ok(r.get("result") == "unavailable" and time.monotonic() - t0 < 10,
               "pg outage: server stopped -> unavailable, quickly", r)
            r = p.ask("count")
            ok(r.get("result") == "unavailable", "pg outage: count -> unavailable", r)
            pg.start()
            t0 = time.monotonic()
            r = p.cookie(good)
            while r.get("result") != "ok" and time.monotonic() - t0 < 10:
                time.sleep(0.2)
                r = p.cookie(good)
            ok(r.get("result") == "ok", "pg outage: restarted -> ok again by itself", r)
            # a restart under an idle connection costs no failed request
            pg.stop()
            pg.start()
            r = p.cookie(good)
            ok(r.get("result") == "ok", "pg restart between requests: next request ok", r)


def main():
    if not os.access(PROBE, os.X_OK):
        print("Bail out! %s not built" % PROBE)
        sys.exit(1)
    tmp = tempfile.mkdtemp(prefix="gc-auth-")
    try:
        run_sqlite(tmp)
        run_postgres(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    run(main)
