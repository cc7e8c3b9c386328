"""SmtpServer: a real SMTP server for one test (aiosmtpd, Debian's
python3-aiosmtpd) on 127.0.0.1, in plain SMTP, with STARTTLS, or SMTPS,
optionally asking for a login, refusing chosen recipients (refuse, a set
that may change), slow to take each email (delay); it keeps every email it
takes. make_cert(): a self-signed test certificate (openssl CLI).

    cert, key = make_cert(tmpdir, "good", "IP:127.0.0.1,DNS:localhost")
    with SmtpServer(starttls=(cert, key), logins={"chat": "pw"}) as smtp:
        ...                       # point smtp_server at 127.0.0.1:smtp.port
        smtp.wait_for(1)          # the emails taken: smtp.received
        smtp.received[0].message  # an email.message.EmailMessage
"""

import asyncio
import email
import email.policy
import os
import ssl
import subprocess
import threading
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from webservers import free_port


def make_cert(directory, name, san):
    """A self-signed certificate for san ("IP:127.0.0.1,DNS:localhost"):
    returns (certificate path, key path)."""
    cert = os.path.join(directory, name + ".crt")
    key = os.path.join(directory, name + ".key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "2", "-subj", "/CN=" + name, "-addext", "subjectAltName=" + san],
                   check=True, capture_output=True, timeout=60)
    return cert, key


class Received:
    """One email the server took."""

    def __init__(self, mail_from, rcpt_tos, data, tls, login):
        self.mail_from = mail_from
        self.rcpt_tos = list(rcpt_tos)
        self.data = data            # the bytes after DATA, as sent
        self.tls = tls              # it came over TLS (STARTTLS or SMTPS)
        self.login = login          # the user name it logged in with, or None
        self.message = email.message_from_bytes(data, policy=email.policy.default)


class _Handler:
    def __init__(self, server):
        self.server = server

    async def handle_RCPT(self, smtp, session, envelope, address, rcpt_options):
        if address in self.server.refuse:
            return "550 5.1.1 <%s>: no such user here" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, smtp, session, envelope):
        with self.server.lock:
            self.server.data_started += 1
        if self.server.delay:
            await asyncio.sleep(self.server.delay)
        tls = smtp.transport.get_extra_info("ssl_object") is not None
        login = session.auth_data if session.authenticated else None
        with self.server.lock:
            self.server.received.append(Received(envelope.mail_from, envelope.rcpt_tos,
                                                 envelope.content, tls, login))
        return "250 OK: queued"


class SmtpServer:
    def __init__(self, port=None, starttls=None, smtps=None, require_starttls=False,
                 logins=None, refuse=(), auth_require_tls=True):
        self.port = port or free_port()
        self.refuse = set(refuse)
        self.logins = logins            # {user: password}: AUTH required
        self.auth_attempts = []         # (mechanism, user) of every AUTH
        self.received = []
        self.delay = 0                  # seconds each DATA takes: a slow server
        self.data_started = 0           # DATA commands begun (a client is sending)
        self.lock = threading.Lock()
        kwargs = {}
        if starttls:
            kwargs["tls_context"] = self._context(*starttls)
            kwargs["require_starttls"] = require_starttls
        if smtps:
            kwargs["ssl_context"] = self._context(*smtps)
        if logins is not None:
            kwargs["authenticator"] = self._authenticate
            kwargs["auth_required"] = True
            kwargs["auth_require_tls"] = auth_require_tls
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port, **kwargs)

    @staticmethod
    def _context(cert, key):
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(cert, key)
        return ctx

    def _authenticate(self, smtp, session, envelope, mechanism, auth_data):
        user = auth_data.login.decode(errors="replace")
        self.auth_attempts.append((mechanism, user))
        good = self.logins.get(user) == auth_data.password.decode(errors="replace")
        return AuthResult(success=good, handled=False, auth_data=user if good else None)

    def start(self):
        self.controller.start()
        self.running = True
        return self

    def stop(self):
        """Stops the server (again: nothing)."""
        if getattr(self, "running", False):
            self.controller.stop()
            self.running = False

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def wait_for(self, n, timeout=10):
        """Waits until n emails were taken; returns them all."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(self.received) < n:
            time.sleep(0.02)
        return list(self.received)

    @property
    def server(self):
        return "127.0.0.1:%d" % self.port
