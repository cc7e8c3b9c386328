"""A minimal FastCGI client, so tests can talk to one particular galaxy-chat
process directly (the web-server tests go through real nginx and Apache)."""

import json
import socket
import struct

BEGIN_REQUEST, END_REQUEST, PARAMS, STDIN, STDOUT, STDERR = 1, 3, 4, 5, 6, 7
RESPONDER = 1


def _record(rtype, content, req_id=1):
    out = b""
    chunks = [content[i:i + 65535] for i in range(0, len(content), 65535)] or [b""]
    for chunk in chunks:
        pad = (8 - len(chunk) % 8) % 8
        out += struct.pack("!BBHHBx", 1, rtype, req_id, len(chunk), pad) + chunk + b"\0" * pad
    return out


def _nv_len(n):
    return bytes([n]) if n < 128 else struct.pack("!I", n | 0x80000000)


def _params(params):
    """params as FastCGI name-value pairs; a list value sends the name once
    per element, as nginx passes a header line that came several times."""
    data = b""
    for k, vs in params.items():
        for v in vs if isinstance(vs, list) else [vs]:
            if v is None:   # a parameter the web server would not send
                continue
            kb, vb = k.encode(), v.encode("utf-8", "surrogateescape")
            data += _nv_len(len(kb)) + _nv_len(len(vb)) + kb + vb
    return data


def connect(addr, timeout):
    """addr: '/path/to.sock' or ('127.0.0.1', port)."""
    if isinstance(addr, str):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(addr)
    return s


def send_request(sock, params, body=b"", keep=False):
    """Sends one whole request on an open socket; keep asks the responder to
    keep the connection open afterwards (FCGI_KEEP_CONN, as nginx's
    fastcgi_keep_conn does)."""
    msg = _record(BEGIN_REQUEST, struct.pack("!HB5x", RESPONDER, 1 if keep else 0))
    msg += _record(PARAMS, _params(params)) + _record(PARAMS, b"")
    if body:
        msg += _record(STDIN, body)
    msg += _record(STDIN, b"")
    sock.sendall(msg)


def read_response(sock):
    """Reads records until END_REQUEST; returns (status, headers, body, stderr)."""
    buf, out, err = b"", b"", b""
    while True:
        while len(buf) < 8:
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionError("connection closed before END_REQUEST")
            buf += chunk
        _, rtype, _, clen, pad = struct.unpack("!BBHHBx", buf[:8])
        while len(buf) < 8 + clen + pad:
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionError("connection closed inside a record")
            buf += chunk
        content, buf = buf[8:8 + clen], buf[8 + clen + pad:]
        if rtype == STDOUT:
            out += content
        elif rtype == STDERR:
            err += content
        elif rtype == END_REQUEST:
            break
    head, _, body = out.partition(b"\r\n\r\n")
    headers = {}
    status = 200
    for line in head.decode("latin-1").split("\r\n"):
        if ":" in line:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
    if "status" in headers:
        status = int(headers["status"].split()[0])
    return status, headers, body, err


def request_params(method, path, query="", cookie=None, body=None, content_type=None,
                   origin=None, host="127.0.0.1", extra=None):
    """The FastCGI parameters and body bytes of an HTTP-like request. body may
    be bytes, str or a JSON value (then sent as application/json); host=None
    sends no HTTP_HOST."""
    if body is not None and not isinstance(body, (bytes, str)):
        body = json.dumps(body)
        content_type = content_type or "application/json"
    if isinstance(body, str):
        body = body.encode()
    body = body or b""
    params = {
        "REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query,
        "SCRIPT_NAME": "/chat/api", "SERVER_PROTOCOL": "HTTP/1.1",
        "GATEWAY_INTERFACE": "CGI/1.1", "REMOTE_ADDR": "127.0.0.1", "HTTP_HOST": host,
        "CONTENT_LENGTH": str(len(body)) if body else "",
    }
    if cookie is not None:
        params["HTTP_COOKIE"] = cookie
    if content_type:
        params["CONTENT_TYPE"] = content_type
    if origin:
        params["HTTP_ORIGIN"] = origin
    params.update(extra or {})
    return params, body


def decode(raw):
    """A response body as JSON, or the bytes when it is not JSON."""
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return raw


def request(addr, method, path, timeout=60, **kw):
    """One HTTP-like request over FastCGI on a new connection (keywords as
    request_params). Returns (status, headers, json or bytes)."""
    params, body = request_params(method, path, **kw)
    with connect(addr, timeout) as s:
        send_request(s, params, body)
        status, headers, raw, _ = read_response(s)
    return status, headers, decode(raw)


class Stream:
    """A GET /v1/stream read record by record as it comes (a
    text/event-stream over FastCGI): status and headers once they are in,
    then each event block parsed as an EventSource would ({"id", "event",
    "data", "comment"} of the fields present). ended is set at
    END_REQUEST."""

    def __init__(self, addr, path="/v1/stream", timeout=60, last_event_id=None, **kw):
        extra = dict(kw.pop("extra", None) or {})
        if last_event_id is not None:
            extra["HTTP_LAST_EVENT_ID"] = last_event_id
        params, body = request_params("GET", path, extra=extra, **kw)
        self.sock = connect(addr, timeout)
        send_request(self.sock, params, body)
        self.buf = b""
        self.out = b""
        self.head = None
        self.status = None
        self.headers = {}
        self.ended = False
        self.pending = []

    def close(self):
        self.sock.close()

    def _record(self):
        """Reads one record (blocking, within the socket's timeout); False
        when the connection is closed."""
        while len(self.buf) < 8:
            chunk = self.sock.recv(65536)
            if not chunk:
                self.ended = True
                return False
            self.buf += chunk
        _, rtype, _, clen, pad = struct.unpack("!BBHHBx", self.buf[:8])
        while len(self.buf) < 8 + clen + pad:
            chunk = self.sock.recv(65536)
            if not chunk:
                self.ended = True
                return False
            self.buf += chunk
        content, self.buf = self.buf[8:8 + clen], self.buf[8 + clen + pad:]
        if rtype == STDOUT:
            self.out += content
        elif rtype == END_REQUEST:
            self.ended = True
        return True

    def _parse(self):
        if self.head is None and b"\r\n\r\n" in self.out:
            self.head, _, self.out = self.out.partition(b"\r\n\r\n")
            self.status = 200
            for line in self.head.decode("latin-1").split("\r\n"):
                if ":" in line:
                    k, v = line.split(":", 1)
                    self.headers[k.strip().lower()] = v.strip()
            if "status" in self.headers:
                self.status = int(self.headers["status"].split()[0])
            if not self.headers.get("content-type", "").startswith("text/event-stream"):
                return
        if self.head is None or not self.headers.get("content-type", "").startswith("text/event-stream"):
            return
        while b"\n\n" in self.out:
            block, _, self.out = self.out.partition(b"\n\n")
            ev = {}
            for line in block.decode().split("\n"):
                name, _, value = line.partition(":")
                value = value[1:] if value.startswith(" ") else value
                if name == "":
                    ev["comment"] = value
                elif name == "data" and "data" in ev:
                    ev["data"] += "\n" + value
                else:
                    ev[name] = value
            self.pending.append(ev)

    def start(self):
        """Reads until the head is in: (status, headers, body so far; the
        JSON error when it is not a stream)."""
        while self.head is None and not self.ended:
            self._record()
            self._parse()
        while not self.headers.get("content-type", "").startswith("text/event-stream") and not self.ended:
            self._record()
        if not self.headers.get("content-type", "").startswith("text/event-stream"):
            return self.status, self.headers, decode(self.out)
        return self.status, self.headers, None

    def next(self):
        """The next block (a dict as above), or None at the stream's end.
        socket.timeout when none comes in time."""
        while not self.pending:
            if self.ended:
                return None
            self._record()
            self._parse()
        return self.pending.pop(0)
