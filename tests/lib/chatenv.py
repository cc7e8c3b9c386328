"""ChatEnv: a whole galaxy-chat deployment for one test, in a temporary
directory on loopback: a Galaxy database (SQLite with Galaxy's schema, or a
real PostgreSQL) with users and genuine galaxysession cookies, Galaxy's own
galaxy.ini, our galaxy-chat.ini, one or more `galaxy-chat --listen`
processes sharing one store (an SQLite file, or the PostgreSQL database
given as store_url=), and optionally real nginx in front, configured from
etc/nginx/galaxy-chat.conf, or real Apache starting galaxy-chat itself
(mod_fcgid, or CGI), configured from etc/apache/ (see webservers.py).

    with ChatEnv(users=["alice", "bob"], processes=2, nginx=True) as env:
        env.api("alice", "POST", "/v1/rooms/NGS/join", body={})
        env.api("bob", "GET", "/v1/events", query="since=0&timeout=5", proc=1)
        env.base_url          # http://127.0.0.1:PORT/chat/ (with nginx)

    with ChatEnv(processes=0, apache="fcgid") as env:   # or apache="cgi"
        env.http("alice", "GET", "/v1/me")                # through Apache
        env.apache.url_7070                               # the old-Galaxy vhost

As root, apache=..., spawned=True (the test starts a web server that
starts galaxy-chat itself, such as lighttpd's bin-path) and
store_writable=False run every galaxy-chat process as nobody:nogroup (the
web server's and the --listen responders alike), from a copy of the binary
in the test directory, so permissions mean something. store_file= starts
the deployment on a copy of that SQLite store (restoring a backup).
"""

import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import tempfile

import fcgi
import galaxy_fixture
import webservers
from webservers import free_port, wait_for  # noqa: F401 (tests import them from here)

SRCDIR = os.environ.get("GC_SRCDIR") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILDDIR = os.environ.get("GC_BUILDDIR") or SRCDIR
BINARY = os.environ.get("GC_BINARY") or os.path.join(BUILDDIR, "src", "galaxy-chat")
SECRET = "test secret, not for production 1234"
DEMO_TITLE = "galaxy-chat demo"   # the title of the demo's login page (demo_logins)


def without_libpq(directory):
    """The environment for a galaxy-chat that cannot load libpq: a file that
    is no library, named libpq.so.5 (pqlib.c loads libpq by that soname), in
    a directory of directory put first in LD_LIBRARY_PATH."""
    lib = os.path.join(directory, "no-libpq")
    os.makedirs(lib, exist_ok=True)
    open(os.path.join(lib, "libpq.so.5"), "w").close()
    return dict(os.environ, LD_LIBRARY_PATH=lib)


def connectable(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(path)
        return True
    except OSError:
        return False
    finally:
        s.close()


def remove_store_shm(store_url):
    """Removes the host-wide files galaxy-chat made in /dev/shm for the
    PostgreSQL store store_url (shmap.c names them by its FNV-1a hash)."""
    h = 0xcbf29ce484222325
    for ch in store_url.encode():
        h = ((h ^ ch) * 0x100000001b3) & 0xffffffffffffffff
    for kind in ("rate", "auth", "cookiewatch", "metrics"):
        try:
            os.unlink("/dev/shm/galaxy-chat-%s-%016x" % (kind, h))
        except FileNotFoundError:
            pass


class ChatEnv:
    def __init__(self, users=("alice", "bob"), processes=1, nginx=False, admins=(),
                 rooms=("NGS", "RNA-Seq"), options=None, pg=None, secret=SECRET,
                 port=None, workdir=None, demo_logins=False, store_url=None,
                 apache=None, store_writable=True, galaxy_options=None, spawned=False,
                 store_file=None, nofile=None, nginx_locations=None):
        self.users = list(users)
        self.nprocs = processes
        self.want_nginx = nginx
        self.admins = list(admins)
        self.rooms = list(rooms)
        self.options = dict(options or {})
        self.galaxy_options = dict(galaxy_options or {})   # more keys for galaxy.ini
        self.pg = pg            # a running pgserver.PgServer for Galaxy's database, or None
        self.secret = secret
        self.port = port            # nginx's port (default: a free one)
        self.workdir = workdir      # kept after close (default: a temporary directory)
        self.demo_logins = demo_logins
        self.nginx_locations = nginx_locations   # more nginx text for its server block (nginx=True)
        self.store_url = store_url  # `store =` for a PostgreSQL store, or None: an SQLite file
        self.want_apache = "fcgid" if apache is True else apache   # None, "fcgid" or "cgi"
        self.store_writable = store_writable
        self.store_file = store_file   # an SQLite store (a backup) put in place before the start
        self.nofile = nofile        # the responders' open-file limit (soft and hard), or None
        # as root, run galaxy-chat as the web server's unprivileged user
        self.as_worker = bool(self.want_apache or spawned or not store_writable) and os.geteuid() == 0
        self.procs = []
        self.nginx = None
        self.apache = None
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
            # galaxy.ini interpolates: a URL-quoted password's '%' is written '%%'
            f.write("database_connection = %s\n" % self.galaxy_db.url.replace("%", "%%"))
            f.write("admin_users = %s\n" % ",".join(a + "@example.org" for a in self.admins))
            f.write("persistent_communication_rooms = %s\n" % ",".join(self.rooms))
            for k, v in self.galaxy_options.items():
                f.write("%s = %s\n" % (k, v))
        self.store = os.path.join(self.dir, "store", "chat.sqlite")
        os.makedirs(os.path.dirname(self.store))
        self.binary = BINARY
        self.www = os.path.join(SRCDIR, "www")
        if self.want_apache or self.as_worker:
            # copies the web server's user may execute and read wherever the
            # build tree is (CI builds under /root)
            os.makedirs(os.path.join(self.dir, "bin"))
            self.binary = os.path.join(self.dir, "bin", "galaxy-chat")
            shutil.copy2(BINARY, self.binary)
            os.chmod(self.binary, 0o755)
            self.www = os.path.join(self.dir, "www")
            if os.path.isdir(os.path.join(SRCDIR, "www")):
                shutil.copytree(os.path.join(SRCDIR, "www"), self.www)
            else:
                os.makedirs(self.www)
        if self.store_file:
            shutil.copyfile(self.store_file, self.store)
        if self.as_worker:
            webservers.give_to_worker(os.path.dirname(self.store))
            if self.store_file:
                webservers.give_to_worker(self.store)
        if not self.store_writable:
            os.chmod(os.path.dirname(self.store), 0o555)
            if self.as_worker:
                os.chown(os.path.dirname(self.store), 0, 0)
        if self.store_url:
            self.store = self.store_url
        self.config = os.path.join(self.dir, "galaxy-chat.ini")
        opts = {"galaxy_config": os.path.join(galaxy, "config", "galaxy.ini"),
                "store": self.store, "poll_timeout": "10", "auth_cache_seconds": "2"}
        opts.update(self.options)
        with open(self.config, "w") as f:
            f.write("[chat]\n")
            for k, v in opts.items():
                f.write("%s = %s\n" % (k, v))
        os.chmod(self.config, 0o644)
        rundir = self.dir
        if self.as_worker:
            rundir = os.path.join(self.dir, "run")
            os.makedirs(rundir)
            webservers.give_to_worker(rundir)
        self.sockets = [os.path.join(rundir, "chat-%d.sock" % i) for i in range(self.nprocs)]
        self.start_chat()
        if self.want_nginx:
            self._start_nginx()
        if self.want_apache:
            self.apache = webservers.Apache(self.dir, self.want_apache, self.binary, self.config, self.www)
            self.port = self.apache.port
            self.base_url = self.apache.url

    def start_chat(self):
        """Starts the responder processes (again, after stop_chat)."""
        self.procs = []
        argv = [self.binary, "-c", self.config]
        ids = webservers.drop_user()
        if self.want_nginx and ids and not self.as_worker:
            # galaxy-chat runs as root, nginx's workers as nobody: the
            # socket's group (its mode is 0660) lets them connect
            argv += ["--socket-group", str(ids[1])]
        for i, sock in enumerate(self.sockets):
            log = open(os.path.join(self.dir, "chat-%d.log" % i), "ab")
            p = subprocess.Popen(argv + ["--listen", "unix:" + sock],
                                 stdout=log, stderr=log, stdin=subprocess.DEVNULL,
                                 preexec_fn=self._preexec)
            log.close()
            self.procs.append(p)
        for i, sock in enumerate(self.sockets):
            p = self.procs[i]
            # the socket file appears at bind(), before listen(): wait until it answers
            wait_for(lambda: connectable(sock) or p.poll() is not None, 10, "socket " + sock)
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

    def _preexec(self):
        if self.nofile:
            resource.setrlimit(resource.RLIMIT_NOFILE, (self.nofile, self.nofile))
        if self.as_worker:
            self._drop()

    @staticmethod
    def _drop():
        uid, gid = webservers.drop_user()
        os.setgroups([])
        os.setgid(gid)
        os.setuid(uid)

    def log(self, i=0):
        with open(os.path.join(self.dir, "chat-%d.log" % i), errors="replace") as f:
            return f.read()

    def _demo_locations(self):
        """nginx locations of the demo's login page: each sets a genuine
        galaxysession cookie for one demo user; /demo/switch drops it and
        goes back to the page. Demo only: written into the demo's
        nginx.conf, never part of an installed galaxy-chat."""
        page = os.path.join(self.dir, "nginx", "demo")
        os.makedirs(page)
        links = "".join('<li><a href="/demo/login/%s">Log in as %s</a></li>' % (u, u) for u in self.users)
        with open(os.path.join(page, "index.html"), "w") as f:
            f.write("<!doctype html><meta charset=utf-8><title>%s</title>"
                    "<h1>galaxy-chat demo</h1><p>Pick a demo user (use another browser or a "
                    "private window for a second user):</p><ul>%s</ul>"
                    "<p>Then the chat opens at <a href=\"/chat/\">/chat/</a>. To switch user, "
                    "come back here (<a href=\"/demo/switch\">/demo/switch</a> logs out and "
                    "brings you here) and pick another.</p>" % (DEMO_TITLE, links))
        out = "        location = / { root %s; try_files /index.html =404; }\n" % page
        for u in self.users:
            out += ('        location = /demo/login/%s { add_header Set-Cookie '
                    '"galaxysession=%s; Path=/; HttpOnly; SameSite=Lax"; return 302 /chat/; }\n'
                    % (u, self.cookies[u]))
        out += ('        location = /demo/switch { add_header Set-Cookie '
                '"galaxysession=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"; return 302 /; }\n')
        return out

    def _start_nginx(self):
        locations = self._demo_locations() if self.demo_logins else self.nginx_locations
        self.nginx = webservers.Nginx(self.dir, self.sockets[0], self.www, port=self.port,
                                      locations=locations)
        self.port = self.nginx.port
        self.base_url = self.nginx.url

    # --- requests ------------------------------------------------------
    def cookie_header(self, user):
        return "galaxysession=" + self.cookies[user] if user else None

    def api(self, user, method, path, body=None, query="", proc=0, **kw):
        """A request straight to responder proc over FastCGI, as user (None:
        no cookie). Returns (status, headers, json)."""
        if method in ("POST", "PUT", "PATCH", "DELETE") and body is None and "content_type" not in kw:
            body = {}
        return fcgi.request(self.sockets[proc], method, path, query=query,
                            cookie=self.cookie_header(user), body=body, **kw)

    def http(self, user, method, path, body=None, query="", headers=None, api=True, timeout=90,
             port=None):
        """A request through the web server (nginx or Apache, or the one on
        port) as user (None: no cookie), to the API (path /v1/...) or, with
        api=False, to path under /chat/. A JSON body is sent as
        application/json. headers are added (a list of (name, value) pairs
        may repeat a name). Returns (status, headers, json or bytes)."""
        port = port or self.port
        hdrs = {"Host": "127.0.0.1:%d" % port}
        if user:
            hdrs["Cookie"] = self.cookie_header(user)
        if body is not None and not isinstance(body, (bytes, str)):
            body = json.dumps(body)
            hdrs["Content-Type"] = "application/json"
        if isinstance(body, str):
            body = body.encode()
        if method in ("POST", "PUT", "PATCH", "DELETE") and body is None:
            body, hdrs["Content-Type"] = b"{}", "application/json"
        if isinstance(headers, list):
            hdrs = list(hdrs.items()) + headers
        else:
            hdrs.update(headers or {})
        url = "/chat/" + ("api" + path if api else path.lstrip("/")) + ("?" + query if query else "")
        status, rh, raw = webservers.http_request(port, method, url, body, hdrs, timeout)
        try:
            data = json.loads(raw) if raw and rh.get("content-type", "").startswith("application/json") else raw
        except ValueError:
            data = raw
        return status, rh, data

    # --- teardown ------------------------------------------------------
    def close(self):
        for server in (self.nginx, self.apache):
            if server:
                server.stop(keep=[p.pid for p in self.procs])
        if self.procs:
            self.stop_chat(timeout=10)
        problems = self.sanitizer_reports()
        if getattr(self, "dir", None) and not self.workdir and not os.environ.get("GC_KEEP_TMP"):
            shutil.rmtree(self.dir, ignore_errors=True)
        if self.store_url:
            remove_store_shm(self.store_url)
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
        if self.apache:   # Apache's galaxy-chat processes write to its error log
            text = self.apache.error_log()
            for marker in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"):
                if marker in text:
                    at = text.index(marker)
                    found += text[max(0, at - 200):at + 3000]
        return found
