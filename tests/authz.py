"""The authorization matrix (issue 24.3): every route of src/router.c's
route table, with each method, asked by every kind of caller, against the
status doc/api.md gives it. One server, one set of sessions, one table.

The routes are read from the source (the `routes[]` table of
src/router.c) and checked against the binary (OPTIONS answers `Allow`
with the methods of each path, and every other method is 405): a route
added to the table without a row in ROWS below fails this test, saying
what to add.

Callers: no credentials, a logged-out cookie, an anonymous Galaxy session
(no user), a cookie that is not Galaxy's encoding, a deleted, a purged and
an external user (use_remote_user off), a stale API key (alone and beside
a good cookie), a cookie with another user's key (400), and the users the
answers depend on: a plain user (never in the room), a member of it, the
author of its messages, a leaver (wrote there, then left: membership is
*now*), a muted member, an admin who is not in the room; the member also
by API key alone, by cookie and key, from another site (Origin) and with
a wrong Content-Type (403 on every state-changing route), and the admin
by API key.

Beside the status, every answer is checked for what it must not carry:
the private room's text reaches only those who may read it, a direct
message only its two users, and a message one may not see is the one
404 of a message that does not exist ("no message N").

Galaxy's database and the store are SQLite here; tests/authz_pg.py runs
the same main() with both on PostgreSQL."""

import json
import os
import re
import socket
import sys
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import fcgi  # noqa: E402
from chatenv import SRCDIR, ChatEnv  # noqa: E402
from galaxy_fixture import encode_id, make_cookie  # noqa: E402
from tap import ok, eq, diag, run  # noqa: E402

SITE = "https://galaxy.example.org"    # galaxy_url: object cards
EVIL = "https://evil.example"          # another site's Origin
ROOM = "Hidden"                        # an ad-hoc room, private to its members
SECRET_R = "xylophonic"                # in every message of ROOM
SECRET_D = "quixotical"                # in the direct message author -> member
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
ROLES = ("plain", "member", "author", "leaver", "muted", "admin")
EMOJI = "\U0001f44d"


# --- the routes, from the source ------------------------------------------

def source_routes():
    """[(method, pattern)] of src/router.c's routes[], in table order."""
    with open(os.path.join(SRCDIR, "src", "router.c")) as f:
        text = f.read()
    m = re.search(r"static const struct route routes\[\] = \{(.*?)\n\};", text, re.S)
    assert m, "src/router.c has no `static const struct route routes[] = {...};` table"
    found = re.findall(r'\{\s*"([A-Z]+)",\s*"([^"]+)",', m.group(1))
    assert found, "no rows read from src/router.c's routes[]"
    return found


def pattern_re(pattern):
    """A route pattern (router.c: "{}" one segment, "{*}" the rest up to
    the pattern's remaining text) as a regular expression."""
    out = ""
    for part in re.split(r"(\{\*?\})", pattern):
        out += {"{}": "[^/]+", "{*}": ".+"}.get(part, re.escape(part))
    return re.compile(out + r"\Z")


def served(routes, path):
    """The methods of the routes path matches, as router.c's Allow lists them."""
    out = []
    for method, pattern in routes:
        if pattern_re(pattern).match(path) and method not in out:
            out.append(method)
    return out


def first_route(routes, method, path):
    for m, pattern in routes:
        if m == method and pattern_re(pattern).match(path):
            return pattern
    return None


# --- the callers ----------------------------------------------------------

class Caller:
    """A kind of caller: its credentials and whose answers it gets.

    role: one of ROLES (answers as that user), or None with fail: the
    status of every authenticated route (401, or 400 for two users).
    cross: state-changing requests are refused (403) before anything else."""

    def __init__(self, name, role=None, fail=None, cookie=None, key=None, origin=None,
                 content_type=None, cross=False):
        self.name, self.role, self.fail = name, role, fail
        self.cookie, self.key, self.origin = cookie, key, origin
        self.content_type, self.cross = content_type, cross

    def request(self, env, method, path, query="", body=None, extra=None):
        extra = dict(extra or {})
        if self.key:
            extra["HTTP_X_API_KEY"] = self.key
        if method != "GET" and body is None:
            body = {}
        if self.content_type and body is not None:
            body = json.dumps(body)
        return fcgi.request(env.sockets[0], method, path, query=query,
                            cookie="galaxysession=" + self.cookie if self.cookie else None,
                            body=body, content_type=self.content_type, origin=self.origin,
                            extra=extra)


class World:
    """Everything the rows name: users, the room, its messages, the keys."""


def setup(env):
    w = World()
    db, api = env.galaxy_db, env.api
    w.ids = env.user_ids
    for u in env.users:
        assert api(u, "GET", "/v1/me")[0] == 200, u   # every user has used the chat
    for u in ("member", "author", "leaver", "muted"):
        assert api(u, "POST", "/v1/rooms/%s/join" % ROOM)[0] == 200, u

    def post(user, body):
        st, _, j = api(user, "POST", "/v1/messages", body=body)
        assert st == 201, (user, body, st, j)
        return j["id"]
    w.post = post
    w.m = post("author", {"room": ROOM, "text": "M, a question %s?" % SECRET_R})
    w.d = post("author", {"to": "member", "text": "D, between us: %s" % SECRET_D})
    w.l = post("leaver", {"room": ROOM, "text": "L, before leaving: %s" % SECRET_R})
    w.a = post("victim", {"room": "all", "text": "A, for everyone"})
    assert api("leaver", "POST", "/v1/rooms/%s/leave" % ROOM)[0] == 200
    st, _, j = api("admin", "POST", "/v1/users/muted/mute", body={"minutes": 600})
    assert st == 200 and j["muted_until"], (st, j)
    # pinned: /v1/rooms and /v1/me show pins only in rooms one may look into
    assert api("admin", "PUT", "/v1/rooms/%s/pins/%d" % (ROOM, w.m), body={})[0] == 200
    # gone used the chat, then Galaxy deleted them: no one any more
    db.set_user(w.ids["gone"], deleted=True)
    w.history = db.add_history(w.ids["author"], "the author's private history")
    w.public = db.add_history(w.ids["author"], "a public history", importable=True)

    def cookie_of(uid, valid=True):
        key = db.add_session(uid)
        if not valid:
            db.invalidate(key)
        return make_cookie(env.secret, key)

    def user_cookie(email, **cols):
        return cookie_of(db.add_user(email, email.split("@")[0], **cols))

    stale = db.add_api_key(w.ids["member"])
    key = db.add_api_key(w.ids["member"])           # newer: the member's key now
    other = db.add_api_key(w.ids["plain"])
    admin_key = db.add_api_key(w.ids["admin"])
    c = env.cookies
    w.callers = [
        Caller("no credentials", fail=401),
        Caller("a logged-out cookie", fail=401, cookie=cookie_of(w.ids["plain"], valid=False)),
        Caller("an anonymous Galaxy session", fail=401, cookie=cookie_of(None)),
        Caller("a cookie not of id_secret", fail=401, cookie=make_cookie("another secret", "ab" * 16)),
        Caller("a deleted user", fail=401, cookie=user_cookie("del@example.org", deleted=True)),
        Caller("a purged user", fail=401,
               cookie=user_cookie("pur@example.org", deleted=True, purged=True)),
        Caller("an external user", fail=401, cookie=user_cookie("ext@example.org", external=True)),
        Caller("a stale API key", fail=401, key=stale),
        Caller("the member's cookie and stale key", fail=401, cookie=c["member"], key=stale),
        Caller("the member's cookie and another user's key", fail=400, cookie=c["member"], key=other),
        Caller("a plain user", "plain", cookie=c["plain"]),
        Caller("a member", "member", cookie=c["member"]),
        Caller("the author", "author", cookie=c["author"]),
        Caller("a leaver", "leaver", cookie=c["leaver"]),
        Caller("a muted member", "muted", cookie=c["muted"]),
        Caller("an admin", "admin", cookie=c["admin"]),
        Caller("the member's API key", "member", key=key),
        Caller("the member's cookie and key", "member", cookie=c["member"], key=key),
        Caller("the member's key from another site", "member", key=key, origin=EVIL),
        Caller("an admin's API key", "admin", key=admin_key),
        Caller("the member from another site", "member", cookie=c["member"], origin=EVIL, cross=True),
        Caller("the member, Content-Type text/plain", "member", cookie=c["member"],
               content_type="text/plain", cross=True),
    ]
    return w


# --- the matrix -----------------------------------------------------------

class Row:
    """One route (method and pattern, as in src/router.c) on one case.

    path(w, t): the request's path; t is what fresh(w) made for this
    caller (a message to remove), else None. expect: the status for each
    of ROLES (doc/api.md); open: no authentication. msg404: a 404 here is
    "no message N", the answer of a message that does not exist (N from the
    path, or msg404(w)). query and body may be functions of w. reads:
    roles this route lets read the room's text though they may not
    otherwise (admins: open questions). extra: more FastCGI parameters
    (e.g. {"REMOTE_ADDR": "192.0.2.1"}); refused: the status of the
    callers that fail authentication, for a route that answers them by a
    rule of its own (else 401, or 400 for two users' credentials). send:
    a function (caller, env, method, path, query, body, extra) -> (status,
    headers, body) for a route whose answer does not end by itself (a
    stream: read its head and what came within a moment, then close)."""

    def __init__(self, method, pattern, case, path, expect, query="", body=None, fresh=None,
                 open=False, msg404=False, reads=(), extra=None, refused=None, send=None):
        assert open or set(expect) == set(ROLES), (method, pattern, case)
        self.method, self.pattern, self.case = method, pattern, case
        self.path, self.expect, self.query, self.body = path, expect, query, body
        self.fresh, self.open, self.msg404, self.reads = fresh, open, msg404, set(reads)
        self.extra, self.refused, self.send = extra, refused, send


def E(plain, member, author, leaver, muted, admin):
    """The statuses of a row, in the order of ROLES."""
    return dict(zip(ROLES, (plain, member, author, leaver, muted, admin)))


ALL = E(200, 200, 200, 200, 200, 200)
MEMBERS = E(403, 200, 200, 403, 200, 403)         # who may look into the room
NOT_FOUND = E(404, 404, 404, 404, 404, 404)


def stream_head(caller, env, method, path, query, body, extra):
    """A stream asked as caller: its status, headers and what it sent within
    half a second (the events' data, as text), or its JSON error."""
    extra = dict(extra or {})
    if caller.key:
        extra["HTTP_X_API_KEY"] = caller.key
    s = fcgi.Stream(env.sockets[0], path, timeout=10, query=query, origin=caller.origin,
                    cookie="galaxysession=" + caller.cookie if caller.cookie else None, extra=extra)
    try:
        st, h, err = s.start()
        if err is not None:
            return st, h, err
        got = []
        s.sock.settimeout(0.5)
        try:
            for _ in range(1000):
                ev = s.next()
                if ev is None:
                    break
                got.append(ev.get("data", ""))
        except socket.timeout:
            pass
        return st, h, "\n".join(got).encode()
    finally:
        s.close()


def fresh_room_message(w):
    return w.post("author", {"room": ROOM, "text": "to remove, %s" % SECRET_R})


def fresh_direct(w):
    return w.post("author", {"to": "member", "text": "to remove, %s" % SECRET_D})


def fresh_leavers(w):
    """A message of the leaver in the room they left since."""
    w.env.api("leaver", "POST", "/v1/rooms/%s/join" % ROOM)
    i = w.post("leaver", {"room": ROOM, "text": "the leaver's, %s" % SECRET_R})
    w.env.api("leaver", "POST", "/v1/rooms/%s/leave" % ROOM)
    return i


def card(w, history):
    return "url=" + urllib.parse.quote(SITE + "/histories/view?id=" + encode_id(w.env.secret, history),
                                       safe="")


MSG = "/v1/messages/{}"
ROWS = [
    Row("GET", "/v1/health", "no auth", lambda w, t: "/v1/health", {}, open=True),
    Row("GET", "/v1/me", "", lambda w, t: "/v1/me", ALL),
    Row("GET", "/v1/rooms", "", lambda w, t: "/v1/rooms", ALL),
    Row("POST", "/v1/rooms/{*}/join", "a persistent room", lambda w, t: "/v1/rooms/NGS/join", ALL),
    Row("POST", "/v1/rooms/{*}/leave", "a persistent room", lambda w, t: "/v1/rooms/NGS/leave", ALL),
    Row("POST", "/v1/rooms/{*}/leave", "all", lambda w, t: "/v1/rooms/all/leave",
        E(403, 403, 403, 403, 403, 403)),
    Row("POST", "/v1/rooms/{*}/leave", "no such room", lambda w, t: "/v1/rooms/nowhere/leave", NOT_FOUND),
    Row("GET", "/v1/rooms/{*}/messages", "the private room", lambda w, t: "/v1/rooms/%s/messages" % ROOM,
        MEMBERS),
    Row("GET", "/v1/rooms/{*}/messages", "all", lambda w, t: "/v1/rooms/all/messages", ALL),
    Row("GET", "/v1/rooms/{*}/messages", "no such room", lambda w, t: "/v1/rooms/nowhere/messages",
        NOT_FOUND),
    Row("GET", "/v1/rooms/{*}/who", "the private room", lambda w, t: "/v1/rooms/%s/who" % ROOM, MEMBERS),
    Row("GET", "/v1/rooms/{*}/who", "no such room", lambda w, t: "/v1/rooms/nowhere/who", NOT_FOUND),
    # open questions: the members, and admins (they may act on any message)
    Row("GET", "/v1/rooms/{*}/open", "the private room", lambda w, t: "/v1/rooms/%s/open" % ROOM,
        E(403, 200, 200, 403, 200, 200), reads={"admin"}),
    Row("GET", "/v1/rooms/{*}/open", "no such room", lambda w, t: "/v1/rooms/nowhere/open", NOT_FOUND),
    # topics and pins: admins only, before anything else is looked at
    Row("PUT", "/v1/rooms/{*}/topic", "the private room", lambda w, t: "/v1/rooms/%s/topic" % ROOM,
        E(403, 403, 403, 403, 403, 200), body={"topic": "a topic"}),
    Row("PUT", "/v1/rooms/{*}/topic", "no such room", lambda w, t: "/v1/rooms/nowhere/topic",
        E(403, 403, 403, 403, 403, 404), body={"topic": "a topic"}),
    Row("PUT", "/v1/rooms/{*}/pins/{}", "a message of the room",
        lambda w, t: "/v1/rooms/%s/pins/%d" % (ROOM, w.m), E(403, 403, 403, 403, 403, 200)),
    Row("PUT", "/v1/rooms/{*}/pins/{}", "a direct message",
        lambda w, t: "/v1/rooms/%s/pins/%d" % (ROOM, w.d), E(403, 403, 403, 403, 403, 404)),
    Row("DELETE", "/v1/rooms/{*}/pins/{}", "a message of the room",
        lambda w, t: "/v1/rooms/%s/pins/%d" % (ROOM, w.m), E(403, 403, 403, 403, 403, 200)),
    Row("DELETE", "/v1/rooms/{*}/pins/{}", "no such room",
        lambda w, t: "/v1/rooms/nowhere/pins/%d" % w.m, E(403, 403, 403, 403, 403, 404)),
    Row("POST", "/v1/messages", "to the private room", lambda w, t: "/v1/messages",
        E(403, 201, 201, 403, 403, 403), body={"room": ROOM, "text": "in the room %s" % SECRET_R}),
    Row("POST", "/v1/messages", "to all", lambda w, t: "/v1/messages",
        E(201, 201, 201, 201, 403, 201), body={"room": "all", "text": "to everyone"}),
    Row("POST", "/v1/messages", "to no such room", lambda w, t: "/v1/messages",
        E(404, 404, 404, 404, 403, 404), body={"room": "nowhere", "text": "x"}),
    Row("POST", "/v1/messages", "to all, a reply to the private room's message",
        lambda w, t: "/v1/messages", E(404, 400, 400, 404, 403, 404),
        body=lambda w: {"room": "all", "text": "re", "reply_to": w.m}, msg404=lambda w: w.m),
    Row("POST", "/v1/messages", "direct", lambda w, t: "/v1/messages",
        E(201, 201, 201, 201, 403, 201), body={"to": "victim", "text": "hello"}),
    Row("POST", "/v1/messages", "direct to a user Galaxy deleted", lambda w, t: "/v1/messages",
        NOT_FOUND, body={"to": "gone", "text": "hello"}),
    Row("GET", "/v1/events", "", lambda w, t: "/v1/events", ALL, query="since=0&timeout=0"),
    # one that may wait is answered from the hub's memory: a room left is
    # not replayed as if still joined
    Row("GET", "/v1/events", "a replay that may wait", lambda w, t: "/v1/events", ALL,
        query="since=0&timeout=1"),
    # the stream replays what each caller may see from the start: the
    # private room's and the direct message's text reach only their readers
    Row("GET", "/v1/stream", "from the start", lambda w, t: "/v1/stream", ALL, query="since=0",
        send=lambda *a: stream_head(*a)),
    # metrics: loopback is metrics_allow's default; from elsewhere, admins only
    Row("GET", "/v1/metrics", "from outside metrics_allow", lambda w, t: "/v1/metrics",
        E(403, 403, 403, 403, 403, 200), extra={"REMOTE_ADDR": "192.0.2.7"}, refused=403),
    Row("GET", "/v1/metrics", "from loopback", lambda w, t: "/v1/metrics", ALL,
        extra={"REMOTE_ADDR": "127.0.0.1"}, refused=200),
    # a message of the private room, its author's: only who sees it knows it exists
    Row("DELETE", MSG, "a room message", lambda w, t: "/v1/messages/%d" % t,
        E(404, 403, 200, 404, 403, 200), fresh=fresh_room_message, msg404=True),
    Row("DELETE", MSG, "a direct message", lambda w, t: "/v1/messages/%d" % t,
        E(404, 403, 200, 404, 404, 200), fresh=fresh_direct, msg404=True),
    Row("DELETE", MSG, "the leaver's own, in the room left", lambda w, t: "/v1/messages/%d" % t,
        E(404, 403, 403, 404, 403, 200), fresh=fresh_leavers, msg404=True),
    Row("DELETE", MSG, "no such message", lambda w, t: "/v1/messages/999999", NOT_FOUND, msg404=True),
    Row("PATCH", MSG, "a room message", lambda w, t: "/v1/messages/%d" % w.m,
        E(404, 403, 200, 404, 403, 404), body={"text": "M, edited %s?" % SECRET_R}, msg404=True),
    Row("PATCH", MSG, "a direct message", lambda w, t: "/v1/messages/%d" % w.d,
        E(404, 403, 200, 404, 404, 404), body={"text": "D, edited %s" % SECRET_D}, msg404=True),
    Row("PATCH", MSG, "the leaver's own, in the room left", lambda w, t: "/v1/messages/%d" % w.l,
        E(404, 403, 403, 404, 403, 404), body={"text": "L, edited %s" % SECRET_R}, msg404=True),
    Row("GET", "/v1/messages/{}/thread", "a room message", lambda w, t: "/v1/messages/%d/thread" % w.m,
        E(404, 200, 200, 404, 200, 404), msg404=True),
    Row("GET", "/v1/messages/{}/thread", "a direct message", lambda w, t: "/v1/messages/%d/thread" % w.d,
        E(404, 200, 200, 404, 404, 404), msg404=True),
    Row("PUT", "/v1/messages/{}/reactions/{}", "a room message",
        lambda w, t: "/v1/messages/%d/reactions/%s" % (w.m, EMOJI),
        E(404, 200, 200, 404, 403, 404), msg404=True),
    Row("PUT", "/v1/messages/{}/reactions/{}", "a direct message",
        lambda w, t: "/v1/messages/%d/reactions/%s" % (w.d, EMOJI),
        E(404, 200, 200, 404, 404, 404), msg404=True),
    # taking a reaction back is no new reaction: a muted user may
    Row("DELETE", "/v1/messages/{}/reactions/{}", "a room message",
        lambda w, t: "/v1/messages/%d/reactions/%s" % (w.m, EMOJI),
        E(404, 200, 200, 404, 200, 404), msg404=True),
    Row("PUT", "/v1/messages/{}/solved", "a room message", lambda w, t: "/v1/messages/%d/solved" % w.m,
        E(404, 403, 200, 404, 403, 200), msg404=True),
    Row("PUT", "/v1/messages/{}/solved", "the leaver's own, in the room left",
        lambda w, t: "/v1/messages/%d/solved" % w.l, E(404, 403, 403, 404, 403, 200), msg404=True),
    Row("DELETE", "/v1/messages/{}/solved", "a room message", lambda w, t: "/v1/messages/%d/solved" % w.m,
        E(404, 403, 200, 404, 403, 200), msg404=True),
    Row("DELETE", "/v1/messages/{}/solved", "the leaver's own, in the room left",
        lambda w, t: "/v1/messages/%d/solved" % w.l, E(404, 403, 403, 404, 403, 200), msg404=True),
    # anyone's own conversation with a user: empty for all but its two users
    Row("GET", "/v1/direct/{}/messages", "with the author", lambda w, t: "/v1/direct/author/messages", ALL),
    Row("GET", "/v1/direct/{}/messages", "with a user Galaxy deleted",
        lambda w, t: "/v1/direct/gone/messages", NOT_FOUND),
    Row("POST", "/v1/users/{*}/mute", "a user", lambda w, t: "/v1/users/victim/mute",
        E(403, 403, 403, 403, 403, 200), body={"minutes": 5}),
    Row("POST", "/v1/users/{*}/mute", "a user Galaxy deleted", lambda w, t: "/v1/users/gone/mute",
        E(403, 403, 403, 403, 403, 404), body={"minutes": 5}),
    Row("DELETE", "/v1/users/{*}/mute", "a user", lambda w, t: "/v1/users/victim/mute",
        E(403, 403, 403, 403, 403, 200)),
    # read markers and unread counts (issue 18): one's own conversations only
    Row("POST", "/v1/read", "the private room", lambda w, t: "/v1/read", MEMBERS,
        body=lambda w: {"room": ROOM, "id": w.m}),
    Row("POST", "/v1/read", "all", lambda w, t: "/v1/read", ALL, body=lambda w: {"room": "all", "id": w.a}),
    Row("POST", "/v1/read", "the direct messages with the author", lambda w, t: "/v1/read",
        E(400, 200, 400, 400, 400, 400), body=lambda w: {"with": "author", "id": w.d}),
    Row("GET", "/v1/unread", "", lambda w, t: "/v1/unread", ALL),
    Row("GET", "/v1/me/settings", "", lambda w, t: "/v1/me/settings", ALL),
    Row("PUT", "/v1/me/settings", "", lambda w, t: "/v1/me/settings", ALL, body={"email": "off"}),
    Row("GET", "/v1/search", "everywhere", lambda w, t: "/v1/search", ALL,
        query="q=%s" % SECRET_R),
    Row("GET", "/v1/search", "in the private room", lambda w, t: "/v1/search", MEMBERS,
        query="q=%s&room=%s" % (SECRET_R, ROOM)),
    Row("GET", "/v1/objects", "the author's private history", lambda w, t: "/v1/objects",
        E(404, 404, 200, 404, 404, 200), query=lambda w: card(w, w.history)),
    Row("GET", "/v1/objects", "an importable history", lambda w, t: "/v1/objects", ALL,
        query=lambda w: card(w, w.public)),
]

TEMPLATE = """\
src/router.c serves %(method)s %(pattern)s, and tests/authz.py's ROWS has no row for it.
Add one (or more, one per case that answers differently) to ROWS in tests/authz.py:

    Row("%(method)s", "%(pattern)s", "<the case, e.g. the private room>",
        lambda w, t: "<a concrete path, e.g. %(example)s>",
        E(plain=..., member=..., author=..., leaver=..., muted=..., admin=...)%(body)s),

each status the one doc/api.md gives that user (write the route's rules into
doc/api.md first). The callers that fail authentication (401/400), the
cross-site and Content-Type refusals (403 on state-changing routes) and the
405s of other methods are derived: no need to list them. Say msg404=True when
a 404 there is "no message N", and fresh= when the request uses up its target.
The users: plain (never in the room ROOM), member (of ROOM), author (wrote w.m
in ROOM and w.d, a direct message to member), leaver (wrote w.l in ROOM, then
left), muted (a muted member), admin (admin_users, not in ROOM); state a row
needs beforehand goes into setup(). A route with its own rule for callers
without a session says refused= (GET /v1/metrics: 403, with
extra={"REMOTE_ADDR": <an address outside metrics_allow>}); a route whose
answer does not end (GET /v1/stream) says send= (read the head with
tests/lib/fcgi.py's Stream, then close). See Row's docstring."""


def missing_rows(routes):
    have = {(r.method, r.pattern) for r in ROWS}
    out = []
    for method, pattern in routes:
        if (method, pattern) not in have:
            out.append(TEMPLATE % {"method": method, "pattern": pattern,
                                   "example": pattern.replace("{*}", ROOM).replace("{}", "1"),
                                   "body": ", body={...}" if method != "GET" else ""})
    return out


# --- running it -----------------------------------------------------------

def want(row, caller):
    """The status row gives caller."""
    if caller.cross and row.method != "GET":
        return 403
    if row.open:
        return 200
    if caller.role is None:
        return row.refused or caller.fail
    return row.expect[caller.role]


def may_read(row, caller):
    """(room text, direct message text) caller may find in this answer."""
    role = caller.role
    room = role in ("member", "author", "muted") or role in row.reads
    return room, role in ("member", "author")


def check_answer(w, row, caller, path, resp):
    """What the answer must not say: 1 when fine, else a reason."""
    st, _, body = resp
    text = json.dumps(body, ensure_ascii=False) if not isinstance(body, bytes) else body.decode(
        "utf-8", "replace")
    room, direct = may_read(row, caller)
    if not room and SECRET_R in text:
        return "carries the private room's text"
    if not direct and SECRET_D in text:
        return "carries the direct message's text"
    if st >= 400 and not (isinstance(body, dict) and "error" in body):
        return "an error without a JSON error body"
    if st == 404 and row.msg404:
        mid = row.msg404(w) if callable(row.msg404) else re.match(r"/v1/messages/(\d+)", path).group(1)
        said = body["error"]["message"]
        if said != "no message %s" % mid:
            return "a 404 that is not a missing message's: %r" % said
    return None


def matrix(env, w):
    """Each row asked by every caller: one TAP line per row."""
    for row in ROWS:
        failed = []
        for caller in w.callers:
            # a row's fresh target is made for the users; the rest are
            # refused before any message is looked at
            t = (row.fresh(w) if caller.role else w.m) if row.fresh else None
            path = row.path(w, t)
            query = row.query(w) if callable(row.query) else row.query
            body = row.body(w) if callable(row.body) else row.body
            if row.send:
                resp = row.send(caller, env, row.method, path, query, body, row.extra)
            else:
                resp = caller.request(env, row.method, path, query=query, body=body,
                                      extra=row.extra)
            expected = want(row, caller)
            why = None if resp[0] == expected else "got %d, want %d" % (resp[0], expected)
            why = why or check_answer(w, row, caller, path, resp)
            if why:
                err = resp[2].get("error", {}).get("message") if isinstance(resp[2], dict) else resp[2]
                failed.append("%s %s, %s: %s (%r)" % (row.method, path, caller.name, why, err))
        ok(not failed, "%s %s (%s): %d callers as doc/api.md says"
           % (row.method, row.pattern, row.case or "-", len(w.callers)), "\n".join(failed))


def routes_and_methods(env, routes):
    """The table read from the source is the binary's: OPTIONS lists each
    path's methods, every other method is 405 with that Allow, for anyone."""
    anyone = [None, "member"]
    bad = []
    for method, pattern in routes:
        path = pattern.replace("{*}", ROOM).replace("{}", "1")
        if first_route(routes, method, path) != pattern:
            bad.append("%s %s: its example path %s is another route's" % (method, pattern, path))
        allow = served(routes, path)
        st, h, _ = env.api(None, "OPTIONS", path)
        if st != 204 or h.get("allow") != ", ".join(allow):
            bad.append("OPTIONS %s: %d, Allow %r; the source says %r" % (path, st, h.get("allow"),
                                                                      ", ".join(allow)))
        for other in METHODS:
            if other in allow:
                continue
            for user in anyone:
                st, h, _ = env.api(user, other, path)
                if st != 405 or h.get("allow") != ", ".join(allow):
                    bad.append("%s %s as %s: %d, Allow %r" % (other, path, user, st, h.get("allow")))
    for user in anyone:
        st, _, _ = env.api(user, "GET", "/v1/no-such-route")
        if st != 404:
            bad.append("GET /v1/no-such-route as %s: %d" % (user, st))
    for line in bad:
        diag(line)
    ok(not bad, "the %d routes of src/router.c are the binary's: OPTIONS Allow, 405 for other methods"
       % len(routes))


def rows_cover(routes):
    missing = missing_rows(routes)
    for text in missing:
        diag(text)
    ok(not missing, "every route of src/router.c has a row in the matrix (%d routes)" % len(routes))
    have = {(m, p) for m, p in routes}
    stale = ["%s %s" % (r.method, r.pattern) for r in ROWS if (r.method, r.pattern) not in have]
    ok(not stale, "every row of the matrix is a route of src/router.c", stale)
    wrong = []
    for row in ROWS:   # each row's example path is its route's
        path = row.path(_Paths(), 7)
        if first_route(routes, row.method, path) != row.pattern:
            wrong.append("%s %s (%s): its path %s is %s" % (row.method, row.pattern, row.case, path,
                                                           first_route(routes, row.method, path)))
    ok(not wrong, "every row's path is its route's", "\n".join(wrong))


class _Paths:
    """A World with ids only, to check rows' paths before any server runs."""
    m = d = l = 1


def main(pg=None, store_url=None):
    routes = source_routes()
    rows_cover(routes)
    users = ["plain", "member", "author", "leaver", "muted", "admin", "victim", "gone"]
    with ChatEnv(users=users, admins=["admin"], rooms=("NGS",), pg=pg, store_url=store_url,
                 options={"rate": "off", "join_rate": "off", "search_rate": "off",
                          "object_rate": "off", "galaxy_url": SITE}) as env:
        w = setup(env)
        w.env = env
        routes_and_methods(env, routes)
        matrix(env, w)


if __name__ == "__main__":
    run(main)
