"""Galaxy API keys (issue 21.1) against the real binary: scripts and bots
authenticate with the X-API-Key header as the key's Galaxy user, by
Galaxy's rule (the user's newest key not deleted, a user Galaxy lets in),
with the same rate limits, mutes and permissions as a browser session,
cached within auth_cache_seconds; bad keys are 401, a cookie and a key of
two users 400, ?key= in the URL is never a credential. Through real nginx
and Apache (mod_fcgid and CGI) too, with doc/api.md's curl example run as
written.

Galaxy's database and the store are SQLite here; tests/apikeys_pg.py runs
the same main() with both on PostgreSQL."""

import os
import re
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import fcgi  # noqa: E402
from chatenv import SRCDIR, ChatEnv  # noqa: E402
from galaxy_fixture import make_cookie, new_api_key  # noqa: E402
from tap import ok, eq, run  # noqa: E402

CACHE = 2   # ChatEnv's auth_cache_seconds
BOOT, MASTER = new_api_key(), new_api_key()   # Galaxy's bootstrap_admin_api_key, master_api_key
OWN = "https://galaxy.example.org"           # allowed_origins


def call(env, key, method, path, body=None, query="", user=None, proc=0, extra=None, **kw):
    """A request over FastCGI with X-API-Key key (None: no header; a list:
    one header line each) and user's galaxysession cookie (None: none)."""
    extra = dict(extra or {})
    if key is not None:
        extra["HTTP_X_API_KEY"] = key
    if method in ("POST", "DELETE") and body is None:
        body = {}
    return fcgi.request(env.sockets[proc], method, path, query=query,
                        cookie=env.cookie_header(user), body=body, extra=extra, **kw)


def error(resp):
    """(status, error code) of a response."""
    body = resp[2]
    return resp[0], body.get("error", {}).get("code") if isinstance(body, dict) else None


def message(resp):
    body = resp[2]
    return body.get("error", {}).get("message", "") if isinstance(body, dict) else ""


def cursor(env, user):
    st, _, body = env.api(user, "GET", "/v1/events", query="since=0&timeout=0")
    assert st == 200, (st, body)
    return body["cursor"]


def texts(resp):
    return [e.get("text") for e in resp[2]["events"] if e["type"] in ("message", "direct")]


def scripts(env, keys):
    """What keys are for: a cron job posting to all, a bot answering in a room."""
    st, _, body = call(env, keys["cron"], "GET", "/v1/me")
    ok(st == 200 and body["user"]["username"] == "cron" and body["user"]["id"] == env.user_ids["cron"],
       "GET /v1/me with X-API-Key: the key's Galaxy user", body)
    since = cursor(env, "alice")
    st, _, body = call(env, keys["cron"], "POST", "/v1/messages",
                       body={"room": "all", "text": "maintenance tonight"})
    eq(st, 201, "a cron job posts to all with its key, no cookie")
    st, _, body = env.api("alice", "GET", "/v1/events", query="since=%d&timeout=0" % since)
    got = [e for e in body["events"] if e.get("text") == "maintenance tonight"]
    ok(len(got) == 1 and got[0]["user"]["username"] == "cron" and got[0]["room"] == "all",
       "a browser user sees it, from the key's user", got)

    # a bot in a room: joins, waits in a long poll, answers
    eq(call(env, keys["bot"], "POST", "/v1/rooms/NGS/join")[0], 200, "the bot joins NGS by key")
    eq(env.api("alice", "POST", "/v1/rooms/NGS/join", body={})[0], 200, "alice joins NGS")
    st, _, body = call(env, keys["bot"], "GET", "/v1/events", query="since=0&timeout=0")
    eq(st, 200, "the bot polls by key")
    since = body["cursor"]
    polled = {}
    t = threading.Thread(target=lambda: polled.setdefault("r", call(
        env, keys["bot"], "GET", "/v1/events", query="since=%d&timeout=8" % since)))
    t.start()
    time.sleep(0.5)   # the poll is parked
    eq(env.api("alice", "POST", "/v1/messages", body={"room": "NGS", "text": "!help bwa"})[0], 201,
       "alice asks the bot in NGS")
    t.join(20)
    r = polled.get("r")
    ok(r and r[0] == 200 and "!help bwa" in texts(r),
       "the bot's waiting poll (X-API-Key) gets the question", r)
    eq(call(env, keys["bot"], "POST", "/v1/messages",
            body={"room": "NGS", "text": "bwa mem ref.fa reads.fq"})[0], 201, "the bot answers")
    st, _, body = env.api("alice", "GET", "/v1/rooms/NGS/messages")
    ok(st == 200 and any(m.get("text") == "bwa mem ref.fa reads.fq" and m["user"]["username"] == "bot"
                         for m in body["events"]), "alice reads the bot's answer in NGS", body)
    # a quick poll (the listener's thread, the cache's answer) by key
    since = cursor(env, "alice")
    st, _, body = call(env, keys["bot"], "GET", "/v1/events", query="since=%d&timeout=0" % since)
    ok(st == 200 and body["cursor"] >= since, "a poll from the cache, by key", body)


def rules(env, keys):
    """Galaxy's rule for which key is a user's, and everything else 401."""
    db, ids = env.galaxy_db, env.user_ids
    uid = db.add_user("rota@example.org", "rota")
    k1 = db.add_api_key(uid)
    k2 = db.add_api_key(uid)   # newer
    eq(error(call(env, k1, "GET", "/v1/me")), (401, "unauthorized"), "an older key of the user: 401")
    st, _, body = call(env, k2, "GET", "/v1/me")
    ok(st == 200 and body["user"]["username"] == "rota", "the user's newest key: 200", body)
    db.delete_api_key(k2)
    time.sleep(CACHE + 0.5)
    eq(error(call(env, k2, "GET", "/v1/me")), (401, "unauthorized"), "the newest key deleted: 401")
    eq(call(env, k1, "GET", "/v1/me")[0], 200, "and the older one is the user's key again, as in Galaxy")

    unknown = message(call(env, new_api_key(), "GET", "/v1/me"))
    ok("X-API-Key" in unknown, "an unknown key: says X-API-Key is not a valid Galaxy key", unknown)
    for label, email, cols in (("deleted", "kdel@example.org", {"deleted": True}),
                               ("purged", "kpur@example.org", {"deleted": True, "purged": True}),
                               ("external, use_remote_user off", "kext@example.org", {"external": True})):
        u = db.add_user(email, email.split("@")[0], **cols)
        resp = call(env, db.add_api_key(u), "GET", "/v1/me")
        eq((error(resp), message(resp)), ((401, "unauthorized"), unknown),
           "the key of a %s user: 401, the answer of an unknown key" % label)
    gone = db.add_api_key(ids["alice"], deleted=True)
    eq((error(call(env, gone, "GET", "/v1/me")), message(call(env, gone, "GET", "/v1/me"))),
       ((401, "unauthorized"), unknown), "a deleted key: 401, the answer of an unknown key")

    k = keys["bot"]
    for value, why in ((k + "0", "of 33 digits"), (k[:-1], "of 31 digits"), (k.upper(), "in upper case"),
                       ("z" * 32, "not hex"), ("", "empty"), (" " + k, "with a leading space"),
                       (k[:10] + " " + k[10:], "with a space inside"), ("a" * 8000, "of 8000 characters"),
                       ([k, k], "sent twice (two header lines)"), ([k, keys["cron"]], "two keys")):
        resp = call(env, value, "GET", "/v1/me")
        ok(error(resp) == (401, "unauthorized") and "32 lowercase hexadecimal" in message(resp),
           "X-API-Key %s: 401 saying what a key looks like" % why, resp)
    eq(error(call(env, [k, k], "POST", "/v1/messages", body={"room": "all", "text": "x"})),
       (401, "unauthorized"), "a post with two X-API-Key lines: 401")

    # ?key= is Galaxy's too, but it lands in web server logs: never a credential here
    resp = env.api(None, "GET", "/v1/me", query="key=" + k)
    ok(error(resp) == (401, "unauthorized") and "galaxysession" in message(resp),
       "?key=<a valid key> and nothing else: 401, as no credential", resp)
    resp = env.api(None, "POST", "/v1/messages", query="key=" + k, body={"room": "all", "text": "x"})
    eq(error(resp), (401, "unauthorized"), "a post with ?key=: 401")
    st, _, body = env.api("alice", "GET", "/v1/me", query="key=" + k)
    ok(st == 200 and body["user"]["username"] == "alice",
       "alice's cookie and ?key=<the bot's key>: alice, the query ignored (not two users)", body)


def pairing(env, keys):
    """A cookie and a key: one user's, fine; two users', 400; a bad one never
    falls back to the other."""
    ids = env.user_ids
    alice_key = env.galaxy_db.add_api_key(ids["alice"])
    st, _, body = call(env, alice_key, "GET", "/v1/me", user="alice")
    ok(st == 200 and body["user"]["username"] == "alice", "alice's cookie and alice's key: 200", body)
    resp = call(env, keys["bot"], "GET", "/v1/me", user="alice")
    ok(error(resp) == (400, "bad_request") and "different users" in message(resp),
       "alice's cookie and the bot's key: 400", resp)
    eq(error(call(env, keys["bot"], "POST", "/v1/messages", user="alice",
                  body={"room": "all", "text": "whose?"})), (400, "bad_request"),
       "a post with the cookie and key of two users: 400, nothing stored")
    eq(error(call(env, new_api_key(), "GET", "/v1/me", user="alice")), (401, "unauthorized"),
       "an unknown key beside a good cookie: 401, not the cookie's user")
    eq(error(call(env, "nonsense", "GET", "/v1/me", user="alice")), (401, "unauthorized"),
       "a malformed key beside a good cookie: 401")
    resp = call(env, keys["bot"], "GET", "/v1/me", extra={"HTTP_COOKIE": "galaxysession=" + "ab" * 8})
    eq(error(resp), (401, "unauthorized"), "a good key beside a bad cookie: 401, not the key's user")
    st, _, body = call(env, keys["bot"], "GET", "/v1/me", extra={"HTTP_COOKIE": "theme=dark"})
    ok(st == 200 and body["user"]["username"] == "bot", "a key beside other cookies: the key's user", body)


def permissions(env, keys):
    """Mutes and admin rights are the user's, whatever they authenticate with."""
    api = env.api
    st, _, body = api("root", "POST", "/v1/users/bot/mute", body={"minutes": 5})
    eq(st, 200, "an admin mutes the bot")
    resp = call(env, keys["bot"], "POST", "/v1/messages", body={"room": "all", "text": "spam"})
    eq(error(resp), (403, "forbidden"), "the muted bot's post by key: 403")
    st, _, body = call(env, keys["bot"], "GET", "/v1/me")
    ok(st == 200 and body["muted_until"], "its /v1/me by key says until when", body)
    eq(error(call(env, keys["cron"], "DELETE", "/v1/users/bot/mute")), (403, "forbidden"),
       "a non-admin's key cannot lift a mute")
    root_key = env.galaxy_db.add_api_key(env.user_ids["root"])
    st, _, body = call(env, root_key, "GET", "/v1/me")
    ok(st == 200 and body["admin"] is True, "an admin_users user's key is admin", body)
    eq(call(env, root_key, "DELETE", "/v1/users/bot/mute")[0], 200, "and lifts the mute by key")
    eq(call(env, keys["bot"], "POST", "/v1/messages", body={"room": "all", "text": "back"})[0], 201,
       "the bot posts again")
    st, _, body = call(env, keys["cron"], "GET", "/v1/rooms/NGS/messages")
    eq(st, 403, "a key gives no look into a room its user is not in")


def crosssite(env, keys):
    """The Origin check guards the browser's cookie; a key alone carries none,
    and no browser can send X-API-Key cross-site (no preflight grants it)."""
    evil = "https://evil.example"
    eq(call(env, keys["cron"], "POST", "/v1/messages", origin=evil,
            body={"room": "all", "text": "from a proxy"})[0], 201,
       "a key and no cookie, Origin of another site: 201 (no cookie to protect)")
    eq(error(env.api("alice", "POST", "/v1/messages", origin=evil, body={"room": "all", "text": "x"})),
       (403, "forbidden"), "a cookie from another site: 403, as before")
    alice_key = env.galaxy_db.add_api_key(env.user_ids["alice"])
    eq(error(call(env, alice_key, "POST", "/v1/messages", origin=evil, user="alice",
                  body={"room": "all", "text": "x"})), (403, "forbidden"),
       "a key beside a cookie, from another site: 403 (a cookie is involved)")
    eq(error(call(env, keys["cron"], "POST", "/v1/messages", content_type="text/plain",
                  body='{"room": "all", "text": "x"}')), (403, "forbidden"),
       "a key still needs Content-Type: application/json")
    st, h, _ = call(env, None, "OPTIONS", "/v1/messages", origin=OWN,
                    extra={"HTTP_ACCESS_CONTROL_REQUEST_METHOD": "POST",
                           "HTTP_ACCESS_CONTROL_REQUEST_HEADERS": "x-api-key, content-type"})
    ok(st == 204 and h.get("access-control-allow-headers") == "Content-Type",
       "a preflight from an allowed origin asking for X-API-Key: granted Content-Type only", h)


def freshness(env):
    """A key deleted in Galaxy stops working within auth_cache_seconds."""
    uid = env.galaxy_db.add_user("fresh@example.org", "fresh")
    key = env.galaxy_db.add_api_key(uid)
    eq(call(env, key, "GET", "/v1/me")[0], 200, "a fresh key")
    env.galaxy_db.delete_api_key(key)
    t0 = time.monotonic()
    st = 200
    while st == 200 and time.monotonic() - t0 < CACHE + 5:
        st = call(env, key, "GET", "/v1/events", query="since=0&timeout=0")[0]
        time.sleep(0.1)
    took = time.monotonic() - t0
    ok(st == 401 and took <= CACHE + 1,
       "a key deleted in Galaxy: 401 within auth_cache_seconds + 1 s (%.1f s)" % took)


def bootstrap(env):
    """Galaxy's bootstrap_admin_api_key (and master_api_key), from galaxy.ini,
    belongs to no user: refused even when a user's key has its text."""
    for key, name in ((BOOT, "bootstrap_admin_api_key"), (MASTER, "master_api_key")):
        u = env.galaxy_db.add_user("%s@example.org" % name.split("_")[0], name.split("_")[0])
        env.galaxy_db.add_api_key(u, key=key)
        eq(error(call(env, key, "GET", "/v1/me")), (401, "unauthorized"),
           "Galaxy's %s (from galaxy.ini): 401, even as a user's key" % name)


def rate(env):
    """The rate limit is the user's, by key or by cookie."""
    key = env.galaxy_db.add_api_key(env.user_ids["bot"])
    for i in range(2):
        eq(call(env, key, "POST", "/v1/messages", body={"room": "all", "text": "tick %d" % i})[0], 201,
           "rate 2/60s: post %d by key" % (i + 1))
    st, h, _ = call(env, key, "POST", "/v1/messages", body={"room": "all", "text": "tick 2"})
    ok(st == 429 and h.get("retry-after"), "the third by key: 429 with Retry-After", (st, h))
    eq(env.api("bot", "POST", "/v1/messages", body={"room": "all", "text": "by cookie"})[0], 429,
       "and the same user's cookie shares the bucket: 429")


def doc_example():
    """doc/api.md's curl example for a cron job, as written there."""
    with open(os.path.join(SRCDIR, "doc", "api.md")) as f:
        text = f.read()
    m = re.search(r"\n((?:    # cron.*\n)(?:    .*\n)+)", text)
    assert m, "doc/api.md has no '# cron' example"
    return "\n".join(line[4:] for line in m.group(1).splitlines())


def through(env, label):
    """A script's requests reach galaxy-chat through the web server."""
    key = env.galaxy_db.add_api_key(env.user_ids["bot"])
    st, _, body = env.http(None, "GET", "/v1/me", headers={"X-API-Key": key})
    ok(st == 200 and body["user"]["username"] == "bot", "%s: X-API-Key reaches galaxy-chat" % label, body)
    st, _, body = env.http(None, "POST", "/v1/messages", headers={"X-API-Key": key},
                           body={"room": "all", "text": "via %s" % label})
    eq(st, 201, "%s: a post by key" % label)
    resp = env.http(None, "GET", "/v1/me", headers=[("X-API-Key", key), ("X-API-Key", key)])
    eq(error(resp), (401, "unauthorized"), "%s: two X-API-Key lines: 401" % label)
    eq(error(env.http(None, "GET", "/v1/me", query="key=" + key)), (401, "unauthorized"),
       "%s: ?key= is no credential" % label)
    script = doc_example().replace("https://galaxy.example.org", "http://127.0.0.1:%d" % env.port)
    home = os.path.join(env.dir, "cron-home")
    os.makedirs(home, exist_ok=True)
    fd = os.open(os.path.join(home, ".galaxy-chat-key"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write("X-API-Key: %s\n" % key)
    out = subprocess.run(["bash", "-c", script], env=dict(os.environ, HOME=home),
                         capture_output=True, text=True, timeout=60)
    ok(out.returncode == 0 and '"id"' in out.stdout,
       "%s: doc/api.md's curl example posts" % label, (out.returncode, out.stdout, out.stderr))
    st, _, body = env.http("alice", "GET", "/v1/rooms/all/messages")
    ok(st == 200 and any(m["user"]["username"] == "bot" and "Maintenance" in (m.get("text") or "")
                         for m in body["events"]), "%s: and alice reads it" % label)


def main(pg=None, store_url=None):
    galaxy = {"bootstrap_admin_api_key": BOOT, "master_api_key": MASTER}
    with ChatEnv(users=["alice", "bob", "root", "bot", "cron"], admins=["root"], pg=pg,
                 store_url=store_url, galaxy_options=galaxy,
                 options={"rate": "off", "join_rate": "off", "allowed_origins": OWN}) as env:
        keys = {u: env.galaxy_db.add_api_key(env.user_ids[u]) for u in ("bot", "cron")}
        scripts(env, keys)
        rules(env, keys)
        pairing(env, keys)
        permissions(env, keys)
        crosssite(env, keys)
        freshness(env)
        bootstrap(env)
    if not pg:   # rate limits and web servers are the same whatever the databases
        with ChatEnv(users=["bot"], options={"rate": "2/60s"}) as env:
            rate(env)
        with ChatEnv(users=["alice", "bot"], nginx=True) as env:
            through(env, "nginx")
        for mode in ("fcgid", "cgi"):
            with ChatEnv(users=["alice", "bot"], processes=0, apache=mode) as env:
                through(env, "Apache " + mode)


if __name__ == "__main__":
    run(main)
