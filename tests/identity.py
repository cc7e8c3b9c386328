"""Who a chat user is (review 15.4, 15.9) against the real binary: the
Galaxy user id, always. Users are made in Galaxy's schema with usernames
that are NULL, empty, renamed, equal to another user's e-mail local part,
or external; direct messages and mutes must reach the Galaxy user holding
the name now, never someone whose e-mail address looks like it, and a
user without a username gets a handle that addresses them alone.

Galaxy's database and the store are SQLite here; tests/identity_pg.py runs
the same main() with both on PostgreSQL."""

import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from chatenv import ChatEnv  # noqa: E402
from galaxy_fixture import make_cookie  # noqa: E402
from tap import ok, eq, run  # noqa: E402

CACHE = 2   # ChatEnv's auth_cache_seconds: how long Galaxy's answer about a cookie is kept


def add_galaxy_user(env, label, email, username, **kw):
    """A Galaxy user with a logged-in session; env.api(label, ...) acts as them."""
    uid = env.galaxy_db.add_user(email, username, **kw)
    env.user_ids[label] = uid
    env.cookies[label] = make_cookie(env.secret, env.galaxy_db.add_session(uid))
    return uid


def identity(env):
    api = env.api
    ids = env.user_ids
    imp = add_galaxy_user(env, "imp", "bob@evil.org", None)          # NULL, bob's local part
    empty = add_galaxy_user(env, "empty", "carol@example.org", "")   # empty username
    add_galaxy_user(env, "carol", "rc@example.org", "carol")          # = empty's local part
    look = add_galaxy_user(env, "look", "erin@other.org", None)      # erin's local part
    add_galaxy_user(env, "ext", "ext@example.org", "ext", external=True)
    gone = add_galaxy_user(env, "gone", "gone@example.org", "gone")

    def me(user):
        st, _, body = api(user, "GET", "/v1/me")
        return body["user"]["username"] if st == 200 else st

    def dm(sender, to, text):
        return api(sender, "POST", "/v1/messages", body={"to": to, "text": text})

    def got(user, text):
        """The direct message with text among user's events, or None."""
        st, _, body = api(user, "GET", "/v1/events", query="since=0&timeout=0")
        assert st == 200, (st, body)
        found = [e for e in body["events"] if e["type"] == "direct" and e.get("text") == text]
        return found[0] if found else None

    def post_all(user, text):
        return api(user, "POST", "/v1/messages", body={"room": "all", "text": text})[0]

    def mute(name, minutes):
        if minutes:
            return api("alice", "POST", "/v1/users/%s/mute" % name, body={"minutes": minutes})
        return api("alice", "DELETE", "/v1/users/%s/mute" % name)

    def seen_in_order(*users):
        """Each user makes a request, in this order (the last is seen last)."""
        for u in users:
            assert api(u, "GET", "/v1/me")[0] == 200, u

    # --- names ------------------------------------------------------------
    eq(me("bob"), "bob", "a Galaxy username is the chat name")
    eq(me("imp"), "user#%d" % imp, "NULL username, e-mail bob@evil.org: user#<id>, not bob")
    eq(me("empty"), "user#%d" % empty, "empty username: user#<id>, not carol")
    eq(me("look"), "user#%d" % look, "NULL username, e-mail erin@other.org: user#<id>, not erin")
    eq(me("ext"), 401, "an external user with use_remote_user off: 401, as Galaxy ends the session")

    # --- direct messages go to the Galaxy user of the name ----------------
    seen_in_order("bob", "imp")     # the impostor seen last
    st, _, _ = dm("alice", "bob", "for the real bob")
    eq(st, 201, "a DM to bob")
    ev = got("bob", "for the real bob")
    ok(ev is not None and ev["to"] == "bob", "reaches the Galaxy user bob", ev)
    ok(got("imp", "for the real bob") is None, "and not the user whose e-mail is bob@evil.org")

    seen_in_order("carol", "empty")
    eq(dm("alice", "carol", "for carol")[0], 201, "a DM to carol")
    ok(got("carol", "for carol") is not None and got("empty", "for carol") is None,
       "reaches the user named carol, not the one whose e-mail is carol@example.org")

    st, _, _ = dm("alice", "user#%d" % imp, "for the handle")
    eq(st, 201, "a DM to a user without a username, by their handle")
    ev = got("imp", "for the handle")
    ok(ev is not None and ev["to"] == "user#%d" % imp and ev["user"]["username"] == "alice",
       "reaches them, named by the handle", ev)
    eq(dm("imp", "alice", "from the handle")[0], 201, "they answer")
    ev = got("alice", "from the handle")
    ok(ev is not None and ev["user"]["username"] == "user#%d" % imp and ev["user"]["id"] == imp,
       "their message carries the handle and the Galaxy id", ev)

    def message(resp):
        body = resp[2]
        return body.get("error", {}).get("message", "") if isinstance(body, dict) else ""

    nobody = message(dm("alice", "nobody", "x"))
    for to, why in (("user#%d" % ids["bob"], "the handle of a user who has a username"),
                    ("user#0%d" % imp, "a handle with a leading zero"),
                    ("User#%d" % imp, "a handle in another case"),
                    ("bob@evil.org", "an e-mail address"), ("ext", "an external user"),
                    ("user#999999", "an unknown id")):
        resp = dm("alice", to, "x")
        eq((resp[0], message(resp).replace(to, "NAME")), (404, nobody.replace("nobody", "NAME")),
           "a DM to %s: 404, the same answer as for an unknown name" % why)

    # a user Galaxy no longer lets in cannot be written to, at once
    eq(me("gone"), "gone", "gone uses the chat")
    env.galaxy_db.set_user(gone, deleted=True)
    eq(dm("alice", "gone", "x")[0], 404, "a DM to a user deleted in Galaxy: 404 at once")

    # --- mutes reach the Galaxy user of the name --------------------------
    seen_in_order("bob", "imp")
    st, _, body = mute("bob", 5)
    ok(st == 200 and body["user"] == "bob" and body["muted_until"], "an admin mutes bob", body)
    eq(post_all("bob", "muted?"), 403, "bob is muted")
    eq(post_all("imp", "not muted"), 201, "the user whose e-mail is bob@evil.org is not")
    eq(mute("bob", 0)[0], 200, "bob's mute is lifted")
    eq(post_all("bob", "free again"), 201, "bob posts again")
    st, _, body = mute("user#%d" % imp, 5)
    ok(st == 200 and body["user"] == "user#%d" % imp, "a mute by handle", body)
    eq(post_all("imp", "muted now"), 403, "mutes the user without a username")
    eq(mute("user#%d" % imp, 0)[0], 200, "and is lifted by handle")
    eq(mute("user#%d" % ids["bob"], 5)[0], 404, "the handle of a user with a username mutes no one")
    eq(mute("gone", 5)[0], 404, "a user deleted in Galaxy cannot be muted")

    # --- a rename is followed ---------------------------------------------
    erin = ids["erin"]
    seen_in_order("erin", "look")
    env.galaxy_db.set_user(erin, username="erin2")
    eq(dm("alice", "erin", "old name")[0], 404,
       "after a rename in Galaxy the old name is no one's at once, not the look-alike's")
    eq(dm("alice", "erin2", "new name")[0], 201, "the new name addresses the renamed user")
    ok(got("erin", "new name") is not None, "who gets it")
    time.sleep(CACHE + 0.5)
    eq(me("erin"), "erin2", "the renamed user's next request carries the new name")
    st, _, who = api("alice", "GET", "/v1/rooms/all/who")
    names = {u["id"]: u["username"] for u in who["users"]}
    eq(names.get(erin), "erin2", "and the store's users row follows it")
    env.galaxy_db.set_user(look, username="erin")
    eq(dm("alice", "erin", "the name's new holder")[0], 201, "another Galaxy user takes the old name")
    ok(got("look", "the name's new holder") is not None and got("erin", "the name's new holder") is None,
       "the old name now reaches them, not the renamed user")
    time.sleep(CACHE + 0.5)
    eq(me("look"), "erin", "and they are called by it")


def remote_user(galaxy_options, why):
    """External users are Galaxy's own when use_remote_user is on."""
    with ChatEnv(users=["alice"], galaxy_options=galaxy_options) as env:
        add_galaxy_user(env, "ext", "ext@example.org", "ext", external=True)
        st, _, body = env.api("ext", "GET", "/v1/me")
        ok(st == 200 and body["user"]["username"] == "ext", "an external user with %s: let in" % why, body)
        st, _, _ = env.api("alice", "POST", "/v1/messages", body={"to": "ext", "text": "hi"})
        eq(st, 201, "and reachable by name (%s)" % why)


def through_nginx():
    """A handle's '#' travels percent-encoded in a URL, as the browser
    client sends it (encodeURIComponent); nginx decodes it into PATH_INFO."""
    with ChatEnv(users=["alice"], admins=["alice"], nginx=True) as env:
        imp = add_galaxy_user(env, "imp", "bob@evil.org", None)
        eq(env.http("imp", "GET", "/v1/me")[0], 200, "nginx: a user without a username")
        st, _, body = env.http("alice", "POST", "/v1/users/user%%23%d/mute" % imp, body={"minutes": 5})
        ok(st == 200 and body["user"] == "user#%d" % imp, "nginx: muted by /v1/users/user%23<id>/mute", body)


def main(pg=None, store_url=None):
    with ChatEnv(users=["alice", "bob", "erin"], admins=["alice"], pg=pg, store_url=store_url,
                 options={"rate": "off", "join_rate": "off"}) as env:
        identity(env)
    if not pg:   # Galaxy's config is read the same whatever its database
        remote_user({"use_remote_user": "True"}, "use_remote_user = True in galaxy.ini")
        remote_user({"single_user": "ext@example.org"}, "single_user set in galaxy.ini")
        through_nginx()


if __name__ == "__main__":
    run(main)
