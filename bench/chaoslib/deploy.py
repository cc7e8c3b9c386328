"""deploy.py - the chaos run's deployment, on loopback in a temporary
directory, made of the real pieces a site runs:

  * Galaxy's database on a throwaway PostgreSQL 15 (tests/lib/pgserver.py)
    with the users and one valid session each (genuine galaxysession
    cookies, galaxy_fixture.make_cookie);
  * the message store on a tmpfs of its own (so it can be filled): an
    SQLite file, or (--store pg) a second PostgreSQL whose data directory
    is on that tmpfs;
  * nginx (etc/nginx samples, tests/lib/webservers.py) in front of
    --responders `galaxy-chat --listen` processes, one upstream server
    line each, restarted when they die as the shipped systemd unit does
    (Restart=on-failure, after --restart-delay s); or Apache + mod_fcgid
    (etc/apache sample) starting the processes itself.

As root (required: tmpfs, nobody), every galaxy-chat process runs as
nobody, from a copy of the binary, as Apache's would. With asan, every
process writes its sanitizer reports under san/ (ASAN_OPTIONS and
UBSAN_OPTIONS log_path), where sanitizer_reports() finds them.
"""

import glob
import os
import pwd
import resource
import shutil
import signal
import subprocess
import tempfile
import threading
import time

import chatenv
import galaxy_fixture
import pgserver
import webservers

SECRET = "chaos secret, not for production 123456"
NOFILE = 20000
STORE_WRITE_LOCK = "7305423311276556289"   # store_pg.c's writers' advisory lock (doc/store-postgresql.md)
STORE_FS_MB = {"sqlite": 128, "pg": 512}   # the tmpfs under the store: room for the run, cheap to fill


def nobody():
    pw = pwd.getpwnam("nobody")
    return pw.pw_uid, pw.pw_gid


def as_nobody():
    resource.setrlimit(resource.RLIMIT_NOFILE, (NOFILE, NOFILE))
    uid, gid = nobody()
    os.setgroups([])
    os.setgid(gid)
    os.setuid(uid)


def children(pid):
    out, todo = [], [pid]
    while todo and len(out) < 2000:
        p = todo.pop()
        out.append(p)
        try:
            with open("/proc/%d/task/%d/children" % (p, p)) as f:
                todo += [int(x) for x in f.read().split()]
        except OSError:
            pass
    return out


def pss_kib(pids):
    """The PSS of pids together (those that ended count 0)."""
    return sum((webservers.rss_kb(p) or (0, 0))[1] or 0 for p in pids)


def started_at(pid):
    """Seconds since boot at which pid started (for the processes' ages)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return int(f.read().rsplit(")", 1)[1].split()[19]) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def uptime():
    with open("/proc/uptime") as f:
        return float(f.read().split()[0])


class Responders:
    """The `galaxy-chat --listen` processes behind nginx, each on its own
    socket; a thread restarts one that died after `delay` seconds, as
    systemd's Restart=on-failure does (a SIGKILL is a failure)."""

    def __init__(self, dep, n, delay):
        self.dep, self.n, self.delay = dep, n, delay
        self.sockets = [os.path.join(dep.rundir, "chat-%d.sock" % i) for i in range(n)]
        self.procs = [None] * n
        self.restarts = []            # (slot, died_at, restarted_at, exit code)
        self.ready = [threading.Event() for _ in range(n)]
        self.stopping = False
        self.lock = threading.Lock()
        self.thread = None

    def start(self):
        for i in range(self.n):
            self._start(i)
        for i in range(self.n):
            self._wait_ready(i)
        self.thread = threading.Thread(target=self._watch, daemon=True)
        self.thread.start()

    def _start(self, i):
        if os.path.exists(self.sockets[i]):
            os.unlink(self.sockets[i])   # left behind by a SIGKILL
        log = open(os.path.join(self.dep.dir, "chat-%d.log" % i), "ab")
        self.procs[i] = subprocess.Popen([self.dep.binary, "-c", self.dep.chat_ini, "--listen",
                                          "unix:" + self.sockets[i]],
                                         stdout=log, stderr=log, stdin=subprocess.DEVNULL,
                                         env=self.dep.child_env(), preexec_fn=as_nobody)
        log.close()

    def _wait_ready(self, i, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if chatenv.connectable(self.sockets[i]):
                self.ready[i].set()
                return True
            if self.procs[i].poll() is not None:
                return False
            time.sleep(0.02)
        return False

    def _watch(self):
        due = {}
        while not self.stopping:
            for i, p in enumerate(self.procs):
                with self.lock:
                    if self.stopping:
                        return
                    if p.poll() is not None and i not in due:
                        self.ready[i].clear()
                        due[i] = (time.monotonic() + self.delay, time.monotonic(), p.returncode)
                    if i in due and time.monotonic() >= due[i][0]:
                        _, died, code = due.pop(i)
                        self._start(i)
                        up = self._wait_ready(i)
                        self.restarts.append((i, died, time.monotonic() if up else None, code))
            time.sleep(0.05)

    def pids(self):
        return [p.pid for p in self.procs if p and p.poll() is None]

    def live_slots(self):
        return [i for i, p in enumerate(self.procs) if p and p.poll() is None and self.ready[i].is_set()]

    def stop(self):
        with self.lock:
            self.stopping = True
        codes = []
        for p in self.procs:
            if p and p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in self.procs:
            if not p:
                continue
            try:
                codes.append(p.wait(40))
            except subprocess.TimeoutExpired:
                p.kill()
                codes.append(p.wait())
        return codes


class Deployment:
    def __init__(self, args, users, rooms):
        self.args = args
        self.user_names = users
        self.rooms = rooms
        self.dir = tempfile.mkdtemp(prefix="gc-chaos-")
        os.chmod(self.dir, 0o755)
        self.storefs = os.path.join(self.dir, "storefs")
        self.mounted = False
        self.gpg = self.spg = None
        self.nginx = self.apache = None
        self.responders = None
        self.sessions = {}            # name -> (uid, session key, cookie)

    # --- set up -------------------------------------------------------------
    def start(self):
        if os.geteuid() != 0:
            raise SystemExit("bench/chaos: run as root (tmpfs for the store, nobody for the processes)")
        self.rundir = os.path.join(self.dir, "run")
        self.sandir = os.path.join(self.dir, "san")
        for d in (self.rundir, self.sandir):
            os.makedirs(d)
            os.chmod(d, 0o1777)
        self._binary()
        self._store_fs()
        self._galaxy()
        self._store()
        self._chat_ini()
        if self.args.server == "nginx":
            self.responders = Responders(self, self.args.responders, self.args.restart_delay)
            self.responders.start()
            if not self.responders.live_slots():
                raise RuntimeError("galaxy-chat did not start:\n" + self.log_tail())
            self.nginx = webservers.Nginx(self.dir, self.responders.sockets, self.www)
            self.port = self.nginx.port
        else:
            self.apache = webservers.Apache(self.dir, "fcgid", self.binary, self.chat_ini, self.www,
                                            extra=self._apache_extra())
            self.port = self.apache.port

    def _binary(self):
        """A copy of the binary (and of www/) that nobody may run and read."""
        bindir = os.path.join(self.dir, "bin")
        os.makedirs(bindir)
        self.binary = os.path.join(bindir, "galaxy-chat")
        shutil.copy2(self.args.binary, self.binary)
        os.chmod(self.binary, 0o755)
        self.www = os.path.join(self.dir, "www")
        shutil.copytree(os.path.join(self.args.srcdir, "www"), self.www)

    def _store_fs(self):
        os.makedirs(self.storefs)
        size = STORE_FS_MB[self.args.store]
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%dm,mode=0755" % size, "tmpfs", self.storefs],
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError("cannot mount a tmpfs for the store: " + r.stderr.strip())
        self.mounted = True
        os.chown(self.storefs, *nobody())

    def _galaxy(self):
        # mod_fcgid runs hundreds of processes, each with its own handles
        self.gpg = pgserver.PgServer(conf="max_connections = 1200\nshared_buffers = 64MB\n")
        db = galaxy_fixture.GalaxyDB.postgres(self.gpg, name="galaxy")
        self.galaxy_db = db
        rows = []
        for i, name in enumerate(self.user_names):
            key = galaxy_fixture.new_session_key()
            self.sessions[name] = (i + 1, key, galaxy_fixture.make_cookie(SECRET, key))
            rows.append("INSERT INTO galaxy_user (id, create_time, update_time, email, username, password,"
                        " external, deleted, purged, active) VALUES (%d, now(), now(), '%s@example.org',"
                        " '%s', 'x', FALSE, FALSE, FALSE, TRUE);" % (i + 1, name, name))
            rows.append("INSERT INTO galaxy_session (create_time, update_time, user_id, remote_addr,"
                        " session_key, is_valid) VALUES (now(), now(), %d, '127.0.0.1', '%s', TRUE);"
                        % (i + 1, key))
        rows.append("SELECT setval('galaxy_user_id_seq', %d);" % len(self.user_names))
        self.gpg.psql("BEGIN;\n" + "\n".join(rows) + "\nCOMMIT;", db="galaxy", user="galaxy")
        gdir = os.path.join(self.dir, "galaxy", "config")
        os.makedirs(gdir)
        os.chmod(os.path.dirname(gdir), 0o755)
        self.galaxy_ini = os.path.join(gdir, "galaxy.ini")
        galaxy_fixture.write_galaxy_ini(self.galaxy_ini, {
            "id_secret": SECRET, "database_connection": db.url,
            "persistent_communication_rooms": ",".join(self.rooms)})
        os.chmod(self.galaxy_ini, 0o644)

    def new_session(self, name):
        """Logs name in again: a new Galaxy session; returns (key, cookie)."""
        uid = self.sessions[name][0]
        key = self.galaxy_db.add_session(uid)
        cookie = galaxy_fixture.make_cookie(SECRET, key)
        self.sessions[name] = (uid, key, cookie)
        return key, cookie

    def _store(self):
        if self.args.store == "sqlite":
            self.store = os.path.join(self.storefs, "chat.sqlite")
            return
        # doc/store-postgresql.md: processes x (workers + 1) connections;
        # mod_fcgid runs a process per waiting poll or stream
        workers = int(dict(kv.split("=", 1) for kv in self.args.chat_option).get("workers", 8))
        procs = self.fcgid_processes() if self.args.server == "fcgid" else self.args.responders
        self.spg = pgserver.PgServer(parent=self.storefs,
                                     conf="max_connections = %d\n" % (procs * (workers + 1) + 100))
        self.spg.create_role_and_db("chat")
        self.store = self.spg.url("chat", user="chat", unix=True)

    def _chat_ini(self):
        # a site's settings: the defaults, but for what the run must set
        opts = {"galaxy_config": self.galaxy_ini, "store": self.store}
        opts.update(kv.split("=", 1) for kv in self.args.chat_option)
        self.chat_options = opts
        self.chat_ini = os.path.join(self.dir, "galaxy-chat.ini")
        with open(self.chat_ini, "w") as f:
            f.write("[chat]\n" + "".join("%s = %s\n" % kv for kv in opts.items()))
        os.chmod(self.chat_ini, 0o644)

    def sanitizer_env(self):
        if not self.args.asan:
            return {}
        return {"ASAN_OPTIONS": "log_path=%s/asan:detect_leaks=1:abort_on_error=0" % self.sandir,
                "UBSAN_OPTIONS": "log_path=%s/ubsan:print_stacktrace=1" % self.sandir}

    def child_env(self):
        env = dict(os.environ)
        env.update(self.sanitizer_env())
        return env

    def fcgid_processes(self):
        """mod_fcgid's limit on galaxy-chat processes for the run's users."""
        return self.args.users + self.args.senders + 60

    def _apache_extra(self):
        """Sized for the run's users: every waiting poll holds a process and
        a thread (the sample's FcgidMaxProcessesPerClass 200 is "about 190
        tabs"; bench/README.md "mod_fcgid")."""
        procs = self.fcgid_processes()
        extra = ("ServerLimit 16\nStartServers 4\nThreadsPerChild 64\nMaxRequestWorkers 1024\n"
                 "MinSpareThreads 256\nMaxSpareThreads 1024\n"
                 "KeepAliveTimeout 60\nMaxKeepAliveRequests 0\n"
                 "FcgidMaxProcessesPerClass %d\nFcgidMaxProcesses %d\n" % (procs, procs + 20))
        for k, v in self.sanitizer_env().items():
            extra += "FcgidInitialEnv %s %s\n" % (k, v)
        return extra

    # --- the processes ----------------------------------------------------
    def responder_pids(self):
        if self.responders:
            return self.responders.pids()
        return [p for p in children(self.apache.proc.pid) if _exe(p) == self.binary]

    def web_pids(self):
        server = self.nginx or self.apache
        own = set(self.responder_pids())
        return [p for p in children(server.proc.pid) if p not in own]

    def memory(self):
        """PSS (KiB) of the responders and of the web server, their count and ages."""
        rp, wp = self.responder_pids(), self.web_pids()
        up = uptime()
        ages = sorted(round(up - s, 1) for s in (started_at(p) for p in rp) if s is not None)
        return {"responders_kib": pss_kib(rp), "web_server_kib": pss_kib(wp), "responders": len(rp),
                "web_server_processes": len(wp), "responder_ages_s": ages[:10] + (["..."] if len(ages) > 10 else [])}

    # --- faults' helpers ----------------------------------------------------
    def sqlite_shell(self):
        """A sqlite3 shell on the store, as the chat's user (root's would
        leave root's -wal and -shm files behind it)."""
        return subprocess.Popen(["sqlite3", self.store], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, bufsize=1, preexec_fn=as_nobody)

    def psql_shell(self):
        """psql on the PostgreSQL store, as its role."""
        return subprocess.Popen([os.path.join(pgserver.PG_BIN, "psql"), "-X", "-q", "-A", "-t",
                                 "-h", self.spg.socket_dir, "-p", str(self.spg.port), "-U", "chat", "-d", "chat"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True, bufsize=1)

    # --- the end ------------------------------------------------------------
    def stop_servers(self):
        """Stops the web server and the responders (SIGTERM: sanitizers
        write their leak reports at exit)."""
        server = self.nginx or self.apache
        keep = self.responders.pids() if self.responders else ()
        if server:
            server.stop(timeout=40, keep=keep)
        if self.responders:
            self.responders.stop()

    def sanitizer_reports(self):
        """AddressSanitizer, LeakSanitizer and UBSan reports: the files
        under san/ and any report in the logs."""
        found = []
        for path in sorted(glob.glob(os.path.join(self.sandir, "*"))):
            with open(path, errors="replace") as f:
                found.append((os.path.basename(path), f.read()[:4000]))
        logs = glob.glob(os.path.join(self.dir, "chat-*.log"))
        if self.apache:
            logs += [os.path.join(self.apache.dir, n) for n in ("error.log", "stderr.log")]
        for path in logs:
            try:
                with open(path, errors="replace") as f:
                    text = f.read()
            except OSError:
                continue
            for marker in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"):
                if marker in text:
                    at = text.index(marker)
                    found.append((os.path.basename(path), text[max(0, at - 200):at + 3000]))
        return found

    def log_tail(self, n=3000):
        out = ""
        for path in sorted(glob.glob(os.path.join(self.dir, "chat-*.log"))):
            with open(path, errors="replace") as f:
                out += "--- %s\n%s\n" % (os.path.basename(path), f.read()[-n:])
        return out

    def close(self):
        try:
            self.stop_servers()
        finally:
            for pg in (self.spg, self.gpg):
                if pg:
                    try:
                        pg.close()
                    except Exception as e:   # a server that died on the full disk
                        print("bench/chaos: stopping PostgreSQL: %s" % e)
            if self.args.store == "pg" and self.spg:
                chatenv.remove_store_shm(self.store)
            if self.mounted:
                subprocess.run(["umount", "-l", self.storefs])
            if not self.args.keep:
                shutil.rmtree(self.dir, ignore_errors=True)


def _exe(pid):
    try:
        return os.readlink("/proc/%d/exe" % pid)
    except OSError:
        return None
