"""loop.py - the chaos run's one event loop and its HTTP/1.1 client.

One thread drives every simulated user: non-blocking sockets in a
selectors loop, timers on a heap, and a queue other threads (the fault
schedule) post work to. The client speaks just enough HTTP/1.1 for the
chat behind nginx or Apache: keep-alive, Content-Length and chunked
bodies, and a streaming mode that hands each piece of the body on as it
arrives (Server-Sent Events). Every request has a deadline.

Nothing here knows about the chat; clients.py does.
"""

import collections
import errno
import heapq
import itertools
import os
import selectors
import socket
import time

now = time.monotonic


class Loop:
    def __init__(self):
        self.sel = selectors.DefaultSelector()
        self._timers = []
        self._seq = itertools.count()
        self._posted = collections.deque()
        self._rd, self._wr = os.pipe()
        os.set_blocking(self._rd, False)
        os.set_blocking(self._wr, False)
        self.sel.register(self._rd, selectors.EVENT_READ, self._drain_wakeups)

    def call_at(self, t, fn):
        """Runs fn() at monotonic time t; returns a handle for cancel()."""
        h = [t, next(self._seq), fn, False]
        heapq.heappush(self._timers, h)
        return h

    def call_later(self, delay, fn):
        return self.call_at(now() + delay, fn)

    @staticmethod
    def cancel(handle):
        if handle:
            handle[3] = True

    def post(self, fn):
        """From any thread: runs fn() on the loop's thread soon."""
        self._posted.append(fn)
        try:
            os.write(self._wr, b"x")
        except BlockingIOError:
            pass   # a wakeup is already pending

    def _drain_wakeups(self, _events):
        try:
            while os.read(self._rd, 4096):
                pass
        except BlockingIOError:
            pass

    def run(self, until, max_wait=0.2):
        """Runs until until() is true (checked at least every max_wait s)."""
        while not until():
            t = now()
            wait = max_wait
            if self._timers:
                wait = max(0.0, min(wait, self._timers[0][0] - t))
            for key, events in self.sel.select(wait):
                key.data(events)
            while self._posted:
                self._posted.popleft()()
            t = now()
            while self._timers and self._timers[0][0] <= t:
                h = heapq.heappop(self._timers)
                if not h[3]:
                    h[2]()

    def close(self):
        self.sel.close()
        os.close(self._rd)
        os.close(self._wr)


class Response:
    def __init__(self):
        self.status = None
        self.headers = {}
        self.body = b""


class HttpConn:
    """One keep-alive connection to 127.0.0.1:port, one request at a time.

    request(..., on_done) calls on_done(resp, err) once: resp a Response
    (status, lowercase headers, body) or None with err saying why there
    was no answer (refused, reset, closed early, timed out). With
    on_data, the body is not kept: each decoded piece goes to
    on_data(bytes) as it arrives (on_head(resp) first, once the head is
    in), and on_done follows when the body ends.

    A request on a kept connection that fails before any byte of the
    answer came (the server closed it while idle) is sent once more on a
    new connection: browsers do the same. Such resends are counted in
    stale_resends; everything else is the caller's to count."""

    stale_resends = 0

    def __init__(self, loop, port):
        self.loop = loop
        self.port = port
        self.sock = None
        self.busy = False
        self.used = 0          # requests answered on this socket

    # --- the request -----------------------------------------------------
    def request(self, method, path, headers, body, on_done, timeout, on_data=None, on_head=None):
        assert not self.busy, "one request at a time"
        head = "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n" % (method, path, self.port)
        for k, v in headers.items():
            head += "%s: %s\r\n" % (k, v)
        if body is not None:
            head += "Content-Length: %d\r\n" % len(body)
        self._out_all = head.encode() + b"\r\n" + (body or b"")
        self._on_done, self._on_data, self._on_head = on_done, on_data, on_head
        self._timeout = timeout
        self._resent = False
        self.busy = True
        self._start()

    def _start(self):
        self._out = self._out_all
        self._in = bytearray()
        self._resp = Response()
        self._head_done = False
        self._got_bytes = False
        self._chunked = False
        self._left = None       # body bytes still expected (Content-Length), None: chunked or to EOF
        self._deadline = self.loop.call_later(self._timeout, self._timed_out)
        self._reused = self.sock is not None
        if self.sock is None:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            rc = s.connect_ex(("127.0.0.1", self.port))
            if rc not in (0, errno.EINPROGRESS):
                s.close()
                self._fail("connect: %s" % os.strerror(rc), may_resend=False)
                return
            self.sock = s
            self.used = 0
            self.loop.sel.register(s, selectors.EVENT_WRITE, self._io)
        else:
            self.loop.sel.modify(self.sock, selectors.EVENT_WRITE, self._io)

    def _io(self, events):
        if events & selectors.EVENT_WRITE:
            self._write()
        elif events & selectors.EVENT_READ:
            self._read()

    def _write(self):
        try:
            err = self.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err:
                raise OSError(err, os.strerror(err))
            n = self.sock.send(self._out)
        except BlockingIOError:
            return
        except OSError as e:
            self._fail("send: %s" % (e.strerror or e), may_resend=True)
            return
        self._out = self._out[n:]
        if not self._out:
            self.loop.sel.modify(self.sock, selectors.EVENT_READ, self._io)

    def _read(self):
        try:
            data = self.sock.recv(65536)
        except BlockingIOError:
            return
        except OSError as e:
            self._fail("recv: %s" % (e.strerror or e), may_resend=True)
            return
        if not data:
            if self._head_done and self._left is None and not self._chunked:
                self._finish(keep=False)   # a body that ends with the connection
            else:
                self._fail("closed by the server", may_resend=True)
            return
        self._got_bytes = True
        self._in += data
        self._parse()

    # --- the answer ------------------------------------------------------
    def _parse(self):
        if not self._head_done:
            end = self._in.find(b"\r\n\r\n")
            if end < 0:
                if len(self._in) > 65536:
                    self._fail("answer head too long", may_resend=False)
                return
            lines = bytes(self._in[:end]).decode("latin-1").split("\r\n")
            del self._in[:end + 4]
            try:
                self._resp.status = int(lines[0].split()[1])
            except (IndexError, ValueError):
                self._fail("bad status line %r" % lines[0][:80], may_resend=False)
                return
            for line in lines[1:]:
                k, _, v = line.partition(":")
                self._resp.headers[k.strip().lower()] = v.strip()
            self._head_done = True
            h = self._resp.headers
            if "chunked" in h.get("transfer-encoding", "").lower():
                self._chunked = True
            elif "content-length" in h:
                self._left = int(h["content-length"])
            if self._on_head:
                self._on_head(self._resp)
        if self._chunked:
            self._dechunk()
        elif self._left is not None:
            take = bytes(self._in[:self._left])
            del self._in[:self._left]
            self._left -= len(take)
            self._body(take)
            if self._left == 0:
                self._finish(keep=True)
        else:
            self._body(bytes(self._in))
            self._in.clear()

    def _dechunk(self):
        while self.busy:
            eol = self._in.find(b"\r\n")
            if eol < 0:
                return
            try:
                size = int(bytes(self._in[:eol]).split(b";")[0], 16)
            except ValueError:
                self._fail("bad chunk size", may_resend=False)
                return
            if size == 0:   # the last chunk, then trailers (none expected) and an empty line
                if self._in[eol + 2:eol + 4] == b"\r\n":
                    end = eol + 4
                else:
                    end = self._in.find(b"\r\n\r\n", eol + 2)
                    if end < 0:
                        return
                    end += 4
                del self._in[:end]
                self._finish(keep=True)
                return
            if len(self._in) < eol + 2 + size + 2:
                return
            self._body(bytes(self._in[eol + 2:eol + 2 + size]))
            del self._in[:eol + 2 + size + 2]

    def _body(self, piece):
        if not piece:
            return
        if self._on_data:
            self._on_data(piece)
        else:
            self._resp.body += piece

    def _finish(self, keep):
        self.loop.cancel(self._deadline)
        self.busy = False
        self.used += 1
        if not keep or self._resp.headers.get("connection", "").lower() == "close":
            self.close()
        else:
            self.loop.sel.modify(self.sock, selectors.EVENT_READ, self._idle)
        self._on_done(self._resp, None)

    def extend(self, timeout):
        """Moves the request's deadline to timeout s from now (a stream
        that keeps sending is alive)."""
        if self.busy:
            self.loop.cancel(self._deadline)
            self._deadline = self.loop.call_later(timeout, self._timed_out)

    def _idle(self, _events):
        """The server spoke or closed while no request was out: drop the socket."""
        self.close()

    def _timed_out(self):
        self._fail("timed out", may_resend=False)

    def _fail(self, why, may_resend):
        self.loop.cancel(self._deadline)
        self.close()
        if may_resend and self._reused and not self._got_bytes and not self._resent:
            self._resent = True
            HttpConn.stale_resends += 1
            self._start()
            return
        self.busy = False
        self._on_done(None, why)

    def close(self):
        if self.sock is not None:
            try:
                self.loop.sel.unregister(self.sock)
            except (KeyError, ValueError):
                pass
            self.sock.close()
            self.sock = None
