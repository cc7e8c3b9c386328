"""clients.py - the chaos run's simulated users, and the ledger that checks
them.

Every user follows their events through a Receiver (one interface, two
transports: the long poll, GET /v1/events, and the stream, GET
/v1/stream, Server-Sent Events); eight of them also send, through a
Sender, one message at a time, each with a unique marker and client_id,
retried with the same client_id after a 5xx or a dropped connection.
Clients retry as the web client does (www/js/retry.js): 1 s, 2 s, 4 s ...
at most 15 s, each up to a quarter shorter, and never sooner than a
Retry-After. A poll always resumes from the last cursor it got.

The Ledger writes down what was acknowledged and what each user got, and
at the end says what was lost, duplicated, out of order or shown to a
non-member.
"""

import bisect
import json
import urllib.parse

from loop import HttpConn, now

API = "/chat/api"          # where the deployments mount the API
POLL_TIMEOUT = 25          # what a client asks for (the server's default poll_timeout)
MAX_BACKOFF = 15.0
STREAM_SILENCE = 45        # three heartbeats missed: the stream is dead


def backoff(attempt, rng, retry_after=None):
    """The web client's retry delay (www/js/retry.js), in seconds."""
    d = min(MAX_BACKOFF, 2.0 ** min(attempt, 10)) * (0.75 + rng.random() * 0.25)
    try:
        d = max(d, float(retry_after)) if retry_after else d
    except ValueError:
        pass
    return d


class User:
    """A Galaxy user of the run: name, Galaxy id, session, rooms."""

    def __init__(self, name, uid, session_key, cookie, rooms):
        self.name, self.id = name, uid
        self.session_key, self.cookie = session_key, cookie
        self.rooms = rooms             # the rooms this user joins at setup and stays in
        self.session = 0               # how many times they logged in again
        self.logout = None             # the logout in progress (faults.py), or None

    def headers(self, json_body=False):
        h = {"Cookie": "galaxysession=" + self.cookie}
        if json_body:
            h["Content-Type"] = "application/json"
        return h


class Ctx:
    """What every client shares: the loop, the web server's port, the
    ledger, a random generator, and the switches of the run."""

    def __init__(self, loop, port, ledger, rng):
        self.loop, self.port, self.ledger, self.rng = loop, port, ledger, rng
        self.stopping_sends = False
        self.stopping = False


class Ledger:
    """Every answer, acknowledgement and delivery of the run."""

    def __init__(self, run_id, members):
        self.run_id = run_id
        self.marker = "chaos %s:" % run_id
        self.members = members          # room -> set of user names (fixed after setup)
        self.t0 = now()
        self.ok_per_s = {}              # (second, what) -> answers 2xx/3xx
        self.bad = []                   # (t, what, status or None, why): every other answer
        self.acks = {}                  # event id -> (t_ack, room, marker, sender, kind)
        self.ack_times = []             # sorted ack times
        self.ack_by_t = []              # event ids in the order of ack_times
        self.marker_ids = {}            # marker -> set of event ids (acknowledged or delivered)
        self.first_delivery = {}        # event id -> earliest delivery to anyone
        self.got = {}                   # user -> {event id: t} of every event delivered
        self.last_id = {}               # user -> newest event id delivered
        self.cursor = {}                # user -> the cursor they follow
        self.duplicates = []            # (user, id)
        self.out_of_order = []          # (user, id, after)
        self.leaks = []                 # (user, id, room)
        self.bad_cursors = []           # (user, since, ids, cursor)
        self.unexpected_401 = []        # (t, user, what)
        self.after_logout = []          # (user, id): delivered to a logged-out session too late
        self.sent = 0                   # messages composed (reactions are not counted)
        self.rejected = []              # (t, status, kind, body): 4xx other than 401/429
        self.reactions = False          # whether the senders react (the server has the routes)
        self.reactions_unchanged = 0    # reaction retries answered "nothing changed"
        self.send_retries = 0
        self.mentions_seen = 0          # messages whose event carried "mentions"
        self.mentions_wrong = []        # (id, expected, got)

    # --- answers -----------------------------------------------------------
    def answer(self, what, resp, why=None):
        t = now()
        st = resp.status if resp else None
        if st is not None and st < 400:
            k = (int(t - self.t0), what)
            self.ok_per_s[k] = self.ok_per_s.get(k, 0) + 1
        else:
            self.bad.append((t, what, st, why if resp is None else resp.body[:200].decode("utf-8", "replace")))
        return t

    # --- sends -------------------------------------------------------------
    def acked(self, eid, t, room, marker, sender, kind="message"):
        if eid in self.acks:
            # a retry answered with the first event's id: fine; another
            # marker on the same id would be a store bug
            if self.acks[eid][2] != marker:
                self.marker_ids.setdefault(marker, set()).add(eid)
            return
        self.acks[eid] = (t, room, marker, sender, kind)
        i = bisect.bisect(self.ack_times, t)
        self.ack_times.insert(i, t)
        self.ack_by_t.insert(i, eid)
        self.marker_ids.setdefault(marker, set()).add(eid)

    # --- deliveries ----------------------------------------------------------
    def delivered(self, user, events, t):
        got = self.got.setdefault(user.name, {})
        last = self.last_id.get(user.name, 0)
        for e in events:
            eid = e.get("id")
            if not isinstance(eid, int):
                continue
            if eid in got:
                self.duplicates.append((user.name, eid))
                continue
            if eid <= last:
                self.out_of_order.append((user.name, eid, last))
            got[eid] = t
            last = max(last, eid)
            if eid not in self.first_delivery:
                self.first_delivery[eid] = t
            ack = self.acks.get(eid)
            if ack and user.name not in self.members.get(ack[1], ()):
                self.leaks.append((user.name, eid, ack[1]))
            text = e.get("text") or ""
            if self.marker in text:
                m = (text[text.index(self.marker) + len(self.marker):].split() or [""])[0]
                self.marker_ids.setdefault(m, set()).add(eid)
                room = e.get("room")
                if not ack and room is not None and user.name not in self.members.get(room, ()):
                    self.leaks.append((user.name, eid, room))
                self._check_mentions(e, text)
            lo = user.logout
            if lo and lo.get("committed_at") and user.session == lo["session"]:
                ack = self.acks.get(eid)
                if ack and ack[0] > lo["committed_at"] + lo["bound_s"]:
                    self.after_logout.append((user.name, eid))
        self.last_id[user.name] = last

    def _check_mentions(self, e, text):
        """When the server reports mentions (issue 18), they are the @names
        of our text that are members of the room."""
        if "mentions" not in e:
            return
        self.mentions_seen += 1
        want = sorted({w[1:].rstrip(".,:") for w in text.split() if w.startswith("@")} &
                      self.members.get(e.get("room"), set()))
        if sorted(e["mentions"]) != want:
            self.mentions_wrong.append((e["id"], want, e["mentions"]))

    # --- the end -------------------------------------------------------------
    def acked_count(self, kind):
        return sum(1 for a in self.acks.values() if a[4] == kind)

    def expected_for(self, name):
        """Event ids acknowledged in rooms name is a member of."""
        return [eid for eid, a in self.acks.items() if name in self.members.get(a[1], ())]

    def max_expected(self):
        """user -> the newest acknowledged event id they must get."""
        out = {}
        for eid, a in self.acks.items():
            for name in self.members.get(a[1], ()):
                if eid > out.get(name, 0):
                    out[name] = eid
        return out

    def lost(self):
        """(user, id) of every acknowledged event a member never got."""
        out = []
        for eid, a in self.acks.items():
            for name in self.members.get(a[1], ()):
                if eid not in self.got.get(name, {}):
                    out.append((name, eid))
        return out

    def stored_twice(self):
        """Markers stored under more than one event id."""
        return {m: sorted(ids) for m, ids in self.marker_ids.items() if len(ids) > 1}

    def delivered_unacknowledged(self):
        acked = {a[2] for a in self.acks.values()}
        return sorted(m for m in self.marker_ids if m not in acked)

    def first_ack_after(self, t):
        i = bisect.bisect_left(self.ack_times, t)
        return self.ack_times[i] if i < len(self.ack_times) else None

    def first_delivery_of_ack_after(self, t):
        """The earliest delivery, to anyone, of an event acknowledged at or after t."""
        i = bisect.bisect_left(self.ack_times, t)
        best = None
        for eid in self.ack_by_t[i:]:
            d = self.first_delivery.get(eid)
            if d is not None and (best is None or d < best):
                best = d
            if best is not None and self.acks[eid][0] > best:
                break   # later acks cannot be delivered earlier
        return best

    def answers_between(self, a, b):
        """(5xx answers, requests with no answer, other 4xx/5xx) in [a, b)."""
        five = none = 0
        for t, _what, st, _why in self.bad:
            if a <= t < b:
                if st is None:
                    none += 1
                elif st >= 500:
                    five += 1
        return five, none

    def ok_between(self, a, b):
        lo, hi = int(a - self.t0), int(b - self.t0)
        return sum(n for (s, _w), n in self.ok_per_s.items() if lo <= s < hi)


class Receiver:
    """How a user follows their events. start(cursor) once; events go to
    the ledger; relogin() after the user logged in again (new cookie);
    stop() at the end. Transports: LongPoll, Stream."""

    transport = None

    def __init__(self, ctx, user):
        self.ctx, self.user = ctx, user
        self.conn = HttpConn(ctx.loop, ctx.port)
        self.cursor = None
        self.attempt = 0
        self.waiting_login = False
        self.timer = None

    def start(self, cursor):
        self.cursor = cursor
        self.ctx.ledger.cursor[self.user.name] = cursor
        self._follow()

    def relogin(self):
        """The user has a new session (user.cookie): follow again from the cursor."""
        if self.waiting_login:
            self.waiting_login = False
            self.attempt = 0
            self._follow()

    def stop(self):
        self.ctx.loop.cancel(self.timer)
        self.conn.close()

    def _retry(self, resp):
        self.attempt += 1
        ra = resp.headers.get("retry-after") if resp else None
        self.timer = self.ctx.loop.call_later(backoff(self.attempt - 1, self.ctx.rng, ra), self._follow)

    def _unauthorized(self, t):
        """A 401: expected once the user's session was ended in Galaxy
        (faults.py's logout), a failure otherwise."""
        lo = self.user.logout
        if lo and lo.get("invalidated_at") and self.user.session == lo["session"]:
            lo.setdefault("first_401_at", t)
            self.waiting_login = True
            return
        self.ctx.ledger.unexpected_401.append((t, self.user.name, self.transport))
        self._retry(None)

    def _follow(self):
        raise NotImplementedError


class LongPoll(Receiver):
    """GET /v1/events?since=CURSOR&timeout=25, again as soon as it answers."""

    transport = "long_poll"

    def _follow(self):
        if self.ctx.stopping:
            return
        self.conn.request("GET", "%s/v1/events?since=%d&timeout=%d" % (API, self.cursor, POLL_TIMEOUT),
                          self.user.headers(), None, self._done, timeout=POLL_TIMEOUT + 45)

    def _done(self, resp, why):
        if self.ctx.stopping:
            return
        t = self.ctx.ledger.answer("poll", resp, why)
        if resp is not None and resp.status == 200:
            try:
                body = json.loads(resp.body)
                events, cursor = body["events"], body["cursor"]
            except (ValueError, KeyError, TypeError):
                self.ctx.ledger.bad.append((t, "poll", 200, "not the poll's JSON: %r" % resp.body[:100]))
                self._retry(resp)
                return
            ids = [e.get("id") for e in events]
            if cursor != (ids[-1] if ids else self.cursor):
                self.ctx.ledger.bad_cursors.append((self.user.name, self.cursor, ids[:3], cursor))
            self.ctx.ledger.delivered(self.user, events, t)
            if isinstance(cursor, int) and cursor >= self.cursor:
                self.cursor = cursor
                self.ctx.ledger.cursor[self.user.name] = cursor
            self.attempt = 0
            self._follow()
        elif resp is not None and resp.status == 401:
            self._unauthorized(t)
        else:
            self._retry(resp)


class Stream(Receiver):
    """GET /v1/stream?since=CURSOR (Server-Sent Events, doc/api.md "The
    event stream"), held as the browser's EventSource holds it: the URL
    it was made with; the last event ID set by every block's `id:` field
    when the block ends (also the heartbeat's, which fires no event; a
    block cut short sets nothing) and sent as Last-Event-ID on
    every reconnection; after the stream ends or drops, back after the
    server's `retry:` (ms). An answer other than 200 is retried as the web
    client retries (backoff). A stream that sends nothing, not even its
    heartbeat (every 15 s), for STREAM_SILENCE s is dropped."""

    transport = "stream"

    def start(self, cursor):
        self.since = cursor             # the URL's, fixed, as EventSource's
        self.last_id = None             # the last event ID (Last-Event-ID)
        self.retry_ms = 3000            # EventSource's default until the server says
        super().start(cursor)

    def _follow(self):
        if self.ctx.stopping:
            return
        h = self.user.headers()
        h["Accept"] = "text/event-stream"
        h["Cache-Control"] = "no-cache"
        if self.last_id is not None:
            h["Last-Event-ID"] = str(self.last_id)
        self.buf = b""
        self.field = {}
        self.events = 0
        self.opened = None
        self.conn.request("GET", "%s/v1/stream?since=%d" % (API, self.since), h, None, self._done,
                          timeout=STREAM_SILENCE, on_data=self._data, on_head=self._head)

    def _head(self, resp):
        if resp.status == 200:
            self.opened = self.ctx.ledger.answer("stream", resp)
            self.attempt = 0

    def _data(self, piece):
        self.conn.extend(STREAM_SILENCE)
        if self.opened is None:          # an error's body
            self.buf += piece
            return
        self.buf += piece.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        while b"\n" in self.buf:
            line, _, self.buf = self.buf.partition(b"\n")
            self._line(line.decode("utf-8", "replace"))

    def _line(self, line):
        if not line:                     # the end of a block: dispatched
            f, self.field = self.field, {}
            # the last event ID takes the block's id only now (HTML's
            # "dispatch the event"): a block cut short by a dropped
            # connection sets nothing, as in a browser
            if "id" in f:
                self._cursor(f["id"])
            if "data" in f:
                self._event(f)
            return
        if line.startswith(":"):         # a comment (the heartbeat)
            return
        k, _, v = line.partition(":")
        v = v[1:] if v.startswith(" ") else v
        if k == "data":
            f = self.field
            f["data"] = f["data"] + "\n" + v if "data" in f else v
        elif k == "id":
            self.field["id"] = v
        elif k == "retry" and v.isdigit():
            self.retry_ms = int(v)
        elif k == "event":
            self.field["event"] = v

    def _cursor(self, v):
        try:
            n = int(v)
        except ValueError:
            self.ctx.ledger.bad_cursors.append((self.user.name, self.last_id, [], v))
            return
        if self.last_id is not None and n < self.last_id:
            self.ctx.ledger.bad_cursors.append((self.user.name, self.last_id, [], v))
        self.last_id = self.cursor = n
        self.ctx.ledger.cursor[self.user.name] = max(n, self.ctx.ledger.cursor.get(self.user.name, 0))

    def _event(self, f):
        led = self.ctx.ledger
        t = now()
        if f.get("event") not in (None, "", "message"):
            return                       # "ready", or another named event: no chat event
        try:
            e = json.loads(f["data"])
        except ValueError:
            led.bad.append((t, "stream", 200, "not an event's JSON: %r" % f["data"][:100]))
            return
        if not isinstance(e, dict) or "id" not in e:
            led.bad.append((t, "stream", 200, "not an event: %r" % f["data"][:100]))
            return
        if f.get("id") != str(e["id"]):
            led.bad_cursors.append((self.user.name, self.last_id, [e["id"]], f.get("id")))
        self.events += 1
        led.delivered(self.user, [e], t)

    def _done(self, resp, why):
        if self.ctx.stopping:
            return
        t = now()
        if resp is not None and resp.status == 200:
            # the stream ended (stream_max_seconds, a stopping responder):
            # EventSource comes back after retry with Last-Event-ID; one
            # that ended at once, empty, counts as an error
            if not self.events and now() - self.opened < 1:
                self.ctx.ledger.bad.append((t, "stream", 200, "ended at once, empty"))
            self.timer = self.ctx.loop.call_later(self.retry_ms / 1000, self._follow)
            return
        if resp is not None:
            resp.body = self.buf
        if self.opened is None:          # no head: counted here
            t = self.ctx.ledger.answer("stream", resp, why)
        else:                            # dropped after its head
            self.ctx.ledger.bad.append((t, "stream", None, "dropped: %s" % why))
            self.timer = self.ctx.loop.call_later(self.retry_ms / 1000, self._follow)
            return
        if resp is not None and resp.status == 401:
            self._unauthorized(t)
        else:
            self._retry(resp)


class Sender:
    """A user who sends: one request at a time, every interval (0.5 to
    1.5 times, at random). Mostly a message to their rooms in turn, each
    text with a unique marker, every other one mentioning a member of the
    room, and a client_id; after every third message a reaction to it
    (PUT), half of them taken back later (DELETE). A 5xx or a dropped
    connection is retried: a message with the same client_id, a reaction
    as it is (both idempotent), so at most one event is stored for each."""

    EMOJI = ("\U0001F44D", "\U0001F389", "\u2764\ufe0f", "\U0001F440", "\U0001F1EB\U0001F1F7")

    def __init__(self, ctx, user, index, interval):
        self.ctx, self.user, self.index, self.interval = ctx, user, index, interval
        self.conn = HttpConn(ctx.loop, ctx.port)
        self.seq = 0
        self.msg = None
        self.react_todo = []             # (target id, room, emoji, on)
        self.attempt = 0
        self.done = False
        self.timer = None

    def start(self):
        self.timer = self.ctx.loop.call_later(self.ctx.rng.uniform(0, self.interval), self._next)

    def _next(self):
        if self.ctx.stopping_sends:
            self.done = True
            return
        self.seq += 1
        self.msg = self._reaction() if self.react_todo and self.seq % 2 else self._message()
        self.ctx.ledger.sent += self.msg["kind"] == "message"
        self.attempt = 0
        self._send()

    def _message(self):
        room = self.user.rooms[self.seq % len(self.user.rooms)]
        others = sorted(self.ctx.ledger.members[room] - {self.user.name})
        mention = " @%s" % self.ctx.rng.choice(others) if others and self.seq % 2 else ""
        marker = "%d-%d" % (self.index, self.seq)
        text = "%s%s \u00e9 \u2713 s=%d%s" % (self.ctx.ledger.marker, marker, self.seq, mention)
        return {"kind": "message", "room": room, "marker": marker, "method": "POST", "path": "/v1/messages",
                "body": json.dumps({"room": room, "text": text,
                                    "client_id": "chaos-%s-%s" % (self.ctx.ledger.run_id, marker)}).encode()}

    def _reaction(self):
        target, room, emoji, on = self.react_todo.pop(0)
        return {"kind": "reaction", "room": room, "marker": "r%d-%d" % (self.index, self.seq),
                "target": target, "emoji": emoji, "on": on, "method": "PUT" if on else "DELETE",
                "path": "/v1/messages/%d/reactions/%s" % (target, urllib.parse.quote(emoji, safe="")),
                "body": b"{}"}   # as the web client: a JSON body (CSRF: state changes need the type)

    def _send(self):
        m = self.msg
        self.conn.request(m["method"], API + m["path"], self.user.headers(json_body=m["body"] is not None),
                          m["body"], self._done, timeout=60)

    def _done(self, resp, why):
        m = self.msg
        t = self.ctx.ledger.answer("send" if m["kind"] == "message" else "react", resp, why)
        st = resp.status if resp else None
        if st in (200, 201):
            self._acked(m, resp, t)
            self.msg = None
            self.timer = self.ctx.loop.call_later(self.interval * self.ctx.rng.uniform(0.5, 1.5), self._next)
            return
        if st is None or st >= 500 or st in (401, 429):
            if st == 401:
                self.ctx.ledger.unexpected_401.append((t, self.user.name, m["kind"]))
            if self.ctx.stopping and self.attempt >= 3:
                self.done = True   # given up at the end: counted as not acknowledged
                return
            self.attempt += 1
            self.ctx.ledger.send_retries += 1
            ra = resp.headers.get("retry-after") if resp else None
            self.timer = self.ctx.loop.call_later(backoff(self.attempt - 1, self.ctx.rng, ra), self._send)
            return
        self.ctx.ledger.rejected.append((t, st, m["kind"], resp.body[:200].decode("utf-8", "replace")))
        self.msg = None
        self.timer = self.ctx.loop.call_later(self.interval, self._next)

    def _acked(self, m, resp, t):
        led = self.ctx.ledger
        try:
            body = json.loads(resp.body)
        except ValueError:
            body = {}
        if m["kind"] == "message":
            eid = body.get("id")
            if isinstance(eid, int):
                led.acked(eid, t, m["room"], m["marker"], self.user.name)
                if self.seq % 3 == 0 and led.reactions:
                    self.react_todo.append((eid, m["room"], self.ctx.rng.choice(self.EMOJI), True))
            return
        eid = body.get("event")
        if isinstance(eid, int):
            led.acked(eid, t, m["room"], m["marker"], self.user.name, kind="reaction")
        else:
            # nothing changed: only a retry whose first try was stored
            # (its event is then delivered but not acknowledged)
            led.reactions_unchanged += 1
        if m["on"] and self.ctx.rng.random() < 0.5:
            self.react_todo.append((m["target"], m["room"], m["emoji"], False))

    def idle(self):
        return self.done or (self.msg is None and self.ctx.stopping_sends)

    def stop(self):
        self.ctx.loop.cancel(self.timer)
        self.conn.close()


def quote_room(room):
    return urllib.parse.quote(room, safe="")
