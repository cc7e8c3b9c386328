"""ChatEnv: a whole galaxy-chat deployment for one test, in a temporary
directory on loopback: a Galaxy database (SQLite with Galaxy's schema, or a
real PostgreSQL) with users and genuine galaxysession cookies, Galaxy's own
galaxy.ini, our galaxy-chat.ini, one or more `galaxy-chat --listen`
processes sharing one store, and optionally real nginx in front, configured
from etc/nginx/galaxy-chat.conf.

    with ChatEnv(users=["alice", "bob"], processes=2, nginx=True) as env:
        env.api("alice", "POST", "/v1/rooms/NGS/join", body={})
        env.api("bob", "GET", "/v1/events", query="since=0&timeout=5", proc=1)
        env.base_url          # http://127.0.0.1:PORT/chat/ (with nginx)
"""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import fcgi
import galaxy_fixture

SRCDIR = os.environ.get("GC_SRCDIR") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILDDIR = os.environ.get("GC_BUILDDIR") or SRCDIR
BINARY = os.environ.get("GC_BINARY") or os.path.join(BUILDDIR, "src", "galaxy-chat")
SECRET = "test secret, not for production 1234"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(pred, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return
        time.sleep(0.02)
    raise TimeoutError("timed out waiting for " + what)


class ChatEnv:
    def __init__(self, users=("alice", "bob"), processes=1, nginx=False, admins=(),
                 rooms=("NGS", "RNA-Seq"), options=None, pg=None, secret=SECRET,
                 port=None, workdir=None, demo_logins=False):
        self.users = list(users)
        self.nprocs = processes
        self.want_nginx = nginx
        self.admins = list(admins)
        self.rooms = list(rooms)
        self.options = dict(options or {})
        self.pg = pg            # a running pgserver.PgServer for Galaxy's database, or None
        self.secret = secret
        self.port = port            # nginx's port (default: a free one)
        self.workdir = workdir      # kept after close (default: a temporary directory)
        self.demo_logins = demo_logins
        self.procs = []
        self.nginx = None
        self.cookies = {}
        self.user_ids = {}

    # --- setup ---------------------------------------------------------
    def __enter__(self):
        try:
            self._setup()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc):
        self.close()

    def _setup(self):
        if self.workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)
            os.makedirs(self.workdir)
            self.dir = self.workdir
        else:
            self.dir = tempfile.mkdtemp(prefix="gc-test-")
        os.chmod(self.dir, 0o755)   # nginx workers and PostgreSQL may run as nobody
        galaxy = os.path.join(self.dir, "galaxy")
        os.makedirs(os.path.join(galaxy, "config"))
        os.makedirs(os.path.join(galaxy, "database"))
        if self.pg:
            self.galaxy_db = galaxy_fixture.GalaxyDB.postgres(self.pg)
        else:
            self.galaxy_db = galaxy_fixture.GalaxyDB.sqlite(
                os.path.join(galaxy, "database", "universe.sqlite"))
        for name in self.users:
            uid = self.galaxy_db.add_user(name + "@example.org", username=name)
            self.user_ids[name] = uid
            self.cookies[name] = galaxy_fixture.make_cookie(self.secret, self.galaxy_db.add_session(uid))
        with open(os.path.join(galaxy, "config", "galaxy.ini"), "w") as f:
            f.write("[app:main]\n")
            f.write("id_secret = %s\n" % self.secret)
            f.write("database_connection = %s\n" % self.galaxy_db.url)
            f.write("admin_users = %s\n" % ",".join(a + "@example.org" for a in self.admins))
            f.write("persistent_communication_rooms = %s\n" % ",".join(self.rooms))
        self.store = os.path.join(self.dir, "store", "chat.sqlite")
        os.makedirs(os.path.dirname(self.store))
        self.config = os.path.join(self.dir, "galaxy-chat.ini")
        opts = {"galaxy_config": os.path.join(galaxy, "config", "galaxy.ini"),
                "store": self.store, "poll_timeout": "10", "auth_cache_seconds": "2"}
        opts.update(self.options)
        with open(self.config, "w") as f:
            f.write("[chat]\n")
            for k, v in opts.items():
                f.write("%s = %s\n" % (k, v))
        self.sockets = [os.path.join(self.dir, "chat-%d.sock" % i) for i in range(self.nprocs)]
        self.start_chat()
        if self.want_nginx:
            self._start_nginx()

    def start_chat(self):
        """Starts the responder processes (again, after stop_chat)."""
        self.procs = []
        for i, sock in enumerate(self.sockets):
            log = open(os.path.join(self.dir, "chat-%d.log" % i), "ab")
            p = subprocess.Popen([BINARY, "-c", self.config, "--listen", "unix:" + sock],
                                 stdout=log, stderr=log, stdin=subprocess.DEVNULL)
            log.close()
            self.procs.append(p)
        for i, sock in enumerate(self.sockets):
            p = self.procs[i]
            wait_for(lambda: os.path.exists(sock) or p.poll() is not None, 10, "socket " + sock)
            if p.poll() is not None:
                raise RuntimeError("galaxy-chat exited at start:\n" + self.log(i))

    def stop_chat(self, sig=signal.SIGTERM, timeout=15):
        """Stops every responder; returns their exit codes."""
        codes = []
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(sig)
        for p in self.procs:
            try:
                codes.append(p.wait(timeout))
            except subprocess.TimeoutExpired:
                p.kill()
                codes.append(p.wait())
        return codes

    def log(self, i=0):
        with open(os.path.join(self.dir, "chat-%d.log" % i), errors="replace") as f:
            return f.read()

    def _demo_locations(self):
        """nginx locations of the demo's login page: each sets a genuine
        galaxysession cookie for one demo user. Demo only: written into the
        demo's nginx.conf, never part of an installed galaxy-chat."""
        page = os.path.join(self.dir, "nginx", "demo")
        os.makedirs(page)
        links = "".join('<li><a href="/demo/login/%s">Log in as %s</a></li>' % (u, u) for u in self.users)
        with open(os.path.join(page, "index.html"), "w") as f:
            f.write("<!doctype html><meta charset=utf-8><title>galaxy-chat demo</title>"
                    "<h1>galaxy-chat demo</h1><p>Pick a demo user (use another browser or a "
                    "private window for a second user):</p><ul>%s</ul>"
                    "<p>Then the chat opens at <a href=\"/chat/\">/chat/</a>.</p>" % links)
        out = "        location = / { root %s; try_files /index.html =404; }\n" % page
        for u in self.users:
            out += ('        location = /demo/login/%s { add_header Set-Cookie '
                    '"galaxysession=%s; Path=/; HttpOnly; SameSite=Lax"; return 302 /chat/; }\n'
                    % (u, self.cookies[u]))
        return out

    def _start_nginx(self):
        self.port = self.port or free_port()
        with open(os.path.join(SRCDIR, "etc", "nginx", "galaxy-chat.conf")) as f:
            sample = f.read()
        sample = sample.replace("/run/galaxy-chat/galaxy-chat.sock", self.sockets[0])
        sample = sample.replace("/usr/local/share/galaxy-chat/www/", os.path.join(SRCDIR, "www") + "/")
        ndir = os.path.join(self.dir, "nginx")
        os.makedirs(ndir)
        with open(os.path.join(ndir, "galaxy-chat.conf"), "w") as f:
            f.write(sample)
        # the sample includes Debian's fastcgi_params relative to the config's directory
        shutil.copy("/etc/nginx/fastcgi_params", ndir)
        conf = os.path.join(ndir, "nginx.conf")
        user = "user nobody nogroup;\n" if os.geteuid() == 0 else ""
        with open(conf, "w") as f:
            f.write("""%(user)sworker_processes 1;
pid %(d)s/nginx.pid;
error_log %(d)s/error.log info;
daemon off;
events { worker_connections 4096; }
http {
    include /etc/nginx/mime.types;
    access_log %(d)s/access.log;
    client_body_temp_path %(d)s/body;
    fastcgi_temp_path %(d)s/fastcgi;
    proxy_temp_path %(d)s/proxy;
    uwsgi_temp_path %(d)s/uwsgi;
    scgi_temp_path %(d)s/scgi;
    server {
        listen 127.0.0.1:%(port)d;
        server_name localhost;
%(root)s        include %(d)s/galaxy-chat.conf;
    }
}
""" % {"user": user, "d": ndir, "port": self.port,
       "root": self._demo_locations() if self.demo_logins else "        location = / { return 302 /chat/; }\n"})
        self.nginx = subprocess.Popen(["nginx", "-c", conf, "-p", ndir],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        def up():
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                return True
            except OSError:
                return False
        wait_for(lambda: up() or self.nginx.poll() is not None, 10, "nginx")
        if self.nginx.poll() is not None:
            raise RuntimeError("nginx exited at start")
        self.base_url = "http://127.0.0.1:%d/chat/" % self.port

    # --- requests ------------------------------------------------------
    def cookie_header(self, user):
        return "galaxysession=" + self.cookies[user] if user else None

    def api(self, user, method, path, body=None, query="", proc=0, **kw):
        """A request straight to responder proc over FastCGI, as user (None:
        no cookie). Returns (status, headers, json)."""
        if method in ("POST", "DELETE") and body is None and "content_type" not in kw:
            body = {}
        return fcgi.request(self.sockets[proc], method, path, query=query,
                            cookie=self.cookie_header(user), body=body, **kw)

    # --- teardown ------------------------------------------------------
    def close(self):
        if self.nginx and self.nginx.poll() is None:
            self.nginx.terminate()
            try:
                self.nginx.wait(10)
            except subprocess.TimeoutExpired:
                self.nginx.kill()
                self.nginx.wait()
        if self.procs:
            self.stop_chat(timeout=10)
        problems = self.sanitizer_reports()
        if getattr(self, "dir", None) and not self.workdir and not os.environ.get("GC_KEEP_TMP"):
            shutil.rmtree(self.dir, ignore_errors=True)
        if problems:
            raise AssertionError("sanitizer reports in galaxy-chat's log:\n" + problems)

    def sanitizer_reports(self):
        """AddressSanitizer/UBSan/LeakSanitizer findings in the responders' logs."""
        found = ""
        for i in range(len(getattr(self, "sockets", []))):
            try:
                text = self.log(i)
            except OSError:
                continue
            for marker in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"):
                if marker in text:
                    at = text.index(marker)
                    found += text[max(0, at - 200):at + 3000]
        return found
