"""pgserver.py - a throwaway PostgreSQL 15 server for tests.

Starts initdb + postgres in a temporary directory, listening on 127.0.0.1
at a free port *and* on a Unix socket in that directory. When the tests
run as root (CI does), the server runs as the unprivileged user ``nobody``
(PostgreSQL refuses to run as root) and the directory is chowned to it.
Every wait is bounded. Use it as a context manager so the server is
stopped and the directory removed even when a test raises::

    from pgserver import PgServer
    with PgServer() as pg:
        pg.create_role_and_db("galaxy", password="s3cr3t")
        pg.psql("SELECT 1", db="galaxy")
        url = pg.url("galaxy", user="galaxy", password="s3cr3t")   # TCP
        url = pg.url("galaxy", user="galaxy", unix=True)            # socket
        pg.stop(); pg.start()                                       # outage

Local (socket) connections are trusted; TCP connections need the role's
password (scram-sha-256), so URLs with passwords are really exercised.
Stdlib only; runs with Debian's /usr/bin/python3.
"""
import os
import pwd
import shutil
import subprocess
import tempfile
import urllib.parse

from webservers import free_port

PG_BIN = os.environ.get("GC_PG_BIN", "/usr/lib/postgresql/15/bin")
TIMEOUT = 60        # seconds for initdb, start and stop each
SUPERUSER = "postgres"


def available():
    """None when a server can be started here, else the reason why not."""
    for tool in ("initdb", "pg_ctl", "postgres", "psql"):
        if not os.access(os.path.join(PG_BIN, tool), os.X_OK):
            return "%s/%s not found (Debian package postgresql-15)" % (PG_BIN, tool)
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("nobody")
        except KeyError:
            return "running as root and there is no user 'nobody' to run PostgreSQL as"
    return None


class PgServer:
    """One PostgreSQL server in its own temporary directory."""

    def __init__(self, parent=None, conf=""):
        """parent: the directory to make the server's in (default: the
        system's temporary one); conf: more postgresql.conf lines."""
        self.dir = tempfile.mkdtemp(prefix="gc-pg-", dir=parent)
        self.datadir = os.path.join(self.dir, "data")
        self.socket_dir = self.dir
        self.host = "127.0.0.1"
        self.port = free_port()
        self.log = os.path.join(self.dir, "server.log")
        self.running = False
        self._as = {}
        if os.geteuid() == 0:
            pw = pwd.getpwnam("nobody")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
            self._as = {"user": pw.pw_uid, "group": pw.pw_gid, "extra_groups": []}
        try:
            self._run([os.path.join(PG_BIN, "initdb"), "-D", self.datadir, "-U", SUPERUSER,
                       "--auth-local=trust", "--auth-host=scram-sha-256",
                       "-E", "UTF8", "--locale=C", "--no-sync"])
            with open(os.path.join(self.datadir, "postgresql.conf"), "a") as f:
                f.write("fsync = off\nfull_page_writes = off\nsynchronous_commit = off\n" + conf)
            self.start()
        except BaseException:
            self.close()
            raise

    def _run(self, argv, **kw):
        """Runs argv as the server's user, bounded; raises with its output on failure."""
        p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           timeout=kw.pop("timeout", TIMEOUT), cwd=self.dir, **self._as, **kw)
        if p.returncode != 0:
            raise RuntimeError("%s failed (%d): %s%s" % (os.path.basename(argv[0]), p.returncode,
                                                         p.stdout, self._log_tail()))
        return p.stdout

    def _log_tail(self):
        try:
            with open(self.log) as f:
                return "\nserver log:\n" + f.read()[-2000:]
        except OSError:
            return ""

    def start(self):
        """Starts the server (again) on the same port and socket; waits until it accepts."""
        if self.running:
            return
        opts = "-h %s -p %d -k %s" % (self.host, self.port, self.socket_dir)
        self._run([os.path.join(PG_BIN, "pg_ctl"), "-D", self.datadir, "-l", self.log,
                   "-w", "-t", str(TIMEOUT), "-o", opts, "start"], timeout=TIMEOUT + 10)
        self.running = True

    def alive(self):
        """Whether the server is running now (it may have stopped by itself,
        as PostgreSQL does when it cannot write its WAL)."""
        p = subprocess.run([os.path.join(PG_BIN, "pg_ctl"), "-D", self.datadir, "status"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=TIMEOUT,
                           cwd=self.dir, **self._as)
        self.running = p.returncode == 0
        return self.running

    def stop(self):
        """Stops the server (fast shutdown: clients are disconnected)."""
        if not self.running:
            return
        self._run([os.path.join(PG_BIN, "pg_ctl"), "-D", self.datadir, "-m", "fast",
                   "-w", "-t", str(TIMEOUT), "stop"], timeout=TIMEOUT + 10)
        self.running = False

    def close(self):
        """Stops the server if needed and removes its directory."""
        try:
            if self.running:
                try:
                    self.stop()
                except Exception:
                    self._run([os.path.join(PG_BIN, "pg_ctl"), "-D", self.datadir,
                               "-m", "immediate", "-w", "-t", "20", "stop"], timeout=30)
                    self.running = False
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def psql(self, sql, db="postgres", user=SUPERUSER):
        """Runs sql (one or more statements) over the socket; returns the
        unaligned, tuples-only output. Raises on any SQL error."""
        p = subprocess.run([os.path.join(PG_BIN, "psql"), "-X", "-q", "-A", "-t",
                            "-v", "ON_ERROR_STOP=1", "-h", self.socket_dir, "-p", str(self.port),
                            "-U", user, "-d", db], input=sql, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=TIMEOUT)
        if p.returncode != 0:
            raise RuntimeError("psql failed: %s" % p.stderr.strip())
        return p.stdout

    def create_role_and_db(self, name, password=None):
        """Creates a login role and a database of the same name owned by it."""
        pw = "" if password is None else " PASSWORD %s" % quote_literal(password)
        self.psql('CREATE ROLE "%s" LOGIN%s;' % (name, pw))
        self.psql('CREATE DATABASE "%s" OWNER "%s";' % (name, name))

    def url(self, db, user=SUPERUSER, password=None, unix=False, scheme="postgresql"):
        """An SQLAlchemy URL as Galaxy's database_connection would hold it."""
        q = urllib.parse.quote
        auth = q(user, safe="")
        if password is not None:
            auth += ":" + q(password, safe="")
        if unix:   # the socket's name carries the port, so pass it too
            return "%s://%s@/%s?host=%s&port=%d" % (scheme, auth, q(db, safe=""),
                                                    self.socket_dir, self.port)
        return "%s://%s@%s:%d/%s" % (scheme, auth, self.host, self.port, q(db, safe=""))


def quote_literal(v):
    """v as a PostgreSQL string literal (standard_conforming_strings on)."""
    return "'" + str(v).replace("'", "''") + "'"
