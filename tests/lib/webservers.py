"""Real web servers for the deployment tests, each configured from the
sample in etc/ with only paths and ports replaced, by exact string
replacement (a sample that drops one of those strings fails the test, so
the samples cannot rot):

    Apache(workdir, mode="fcgid"|"cgi", binary=..., config=..., www=...)
        etc/apache/galaxy-chat.conf + etc/apache/galaxy-chat-7070.conf
        (mode "fcgid": Apache starts galaxy-chat through mod_fcgid), or
        etc/apache/galaxy-chat-cgi.conf (mode "cgi": mod_cgid).
        .url (http://127.0.0.1:PORT/chat/), .url_7070 (the old-Galaxy vhost)
    Nginx(workdir, socket=..., www=...)
        etc/nginx/galaxy-chat.conf in a server block; .url
    Lighttpd(workdir, www=..., socket_path=...)
        etc/lighttpd/galaxy-chat.conf, FastCGI to a `galaxy-chat --listen`;
    Lighttpd(workdir, www=..., binary=..., config=...)
        etc/lighttpd/galaxy-chat-spawn.conf: lighttpd starts galaxy-chat; .url
    H2o(workdir, socket_path=..., www=...)
        etc/h2o/galaxy-chat.conf merged into a host's paths; .url

All run in the foreground as children of the test, on 127.0.0.1 only, with
every file (pid, logs, sockets, locks) under workdir; as root, their workers
(and so the galaxy-chat processes Apache starts) run as nobody:nogroup.
stop() ends the server and then any galaxy-chat process it left behind.

Stdlib only.
"""

import http.client as httpclient
import os
import shutil
import signal
import socket
import subprocess
import time

SRCDIR = os.environ.get("GC_SRCDIR") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
APACHE = os.environ.get("GC_APACHE", "/usr/sbin/apache2")
APACHE_MODULES = os.environ.get("GC_APACHE_MODULES", "/usr/lib/apache2/modules")
NGINX = os.environ.get("GC_NGINX", "/usr/sbin/nginx")
NGINX_CONFDIR = "/etc/nginx"
LIGHTTPD = os.environ.get("GC_LIGHTTPD", "/usr/sbin/lighttpd")
LIGHTTPD_CONFDIR = "/etc/lighttpd"
H2O = os.environ.get("GC_H2O", "/usr/bin/h2o")

# Paths as they appear in the samples (installed layout).
SAMPLE_BINARY = "/usr/local/bin/galaxy-chat"
SAMPLE_CONFIG = "/etc/galaxy-chat/galaxy-chat.ini"
SAMPLE_WWW = "/usr/local/share/galaxy-chat/www"
SAMPLE_SOCKET = "/run/galaxy-chat/galaxy-chat.sock"
SAMPLE_LIGHTTPD_SOCKET = "/run/lighttpd/galaxy-chat.sock"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port):
    try:
        socket.create_connection(("127.0.0.1", port), 0.2).close()
        return True
    except OSError:
        return False


def wait_for(pred, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return
        time.sleep(0.02)
    raise TimeoutError("timed out waiting for " + what)


def drop_user():
    """(uid, gid) the web servers' workers run as: nobody:nogroup as root,
    else ourselves (None)."""
    if os.geteuid() != 0:
        return None
    import grp
    import pwd
    try:
        gid = grp.getgrnam("nogroup").gr_gid
    except KeyError:
        gid = pwd.getpwnam("nobody").pw_gid
    return pwd.getpwnam("nobody").pw_uid, gid


def give_to_worker(path):
    """Makes path (a directory or file we made) belong to the user the web
    server's workers run as, so they can write there."""
    ids = drop_user()
    if ids:
        os.chown(path, *ids)


def template(sample, replacements):
    """The text of etc/<sample> with each (old, new) replaced; every old
    string must occur, or the sample has drifted from what tests check."""
    with open(os.path.join(SRCDIR, "etc", sample)) as f:
        text = f.read()
    for old, new in replacements:
        if old not in text:
            raise AssertionError("etc/%s no longer contains %r: update the sample or the test" % (sample, old))
        text = text.replace(old, new)
    return text


def processes_of(exe):
    """pids of the running processes whose executable is exe."""
    exe = os.path.realpath(exe)
    pids = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            if os.readlink("/proc/%s/exe" % name) == exe:
                pids.append(int(name))
        except OSError:
            pass
    return pids


def is_galaxy_helper(pid):
    """Whether process pid is galaxy-chat's galaxy helper (src/galaxyhelper.c)."""
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return b"galaxy-helper" in f.read().split(b"\0")
    except OSError:
        return False


def responders_of(exe):
    """pids of the running processes of galaxy-chat binary exe that serve
    requests: all of processes_of(exe) but the galaxy helper."""
    return [p for p in processes_of(exe) if not is_galaxy_helper(p)]


def rss_kb(pid):
    """(Rss, Pss) of pid in kB, or None."""
    try:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            vals = {}
            for line in f:
                k, _, v = line.partition(":")
                if k in ("Rss", "Pss"):
                    vals[k] = int(v.split()[0])
            return vals.get("Rss"), vals.get("Pss")
    except OSError:
        return None


def http_request(port, method, path, body=None, headers=None, timeout=90):
    """One HTTP/1.1 request to 127.0.0.1:port; returns (status, headers
    dict with lowercase names, body bytes). headers is a dict, or a list of
    (name, value) pairs, which may repeat a name (header lines sent as given)."""
    conn = httpclient.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        if isinstance(headers, list):
            conn.putrequest(method, path, skip_host=any(n.lower() == "host" for n, _ in headers),
                            skip_accept_encoding=True)
            for name, value in headers:
                conn.putheader(name, value)
            if body is not None:
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body)
        else:
            conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


class _Server:
    proc = None
    grace = 0   # seconds its galaxy-chat processes get to exit once it stopped

    def _log(self, name):
        try:
            with open(os.path.join(self.dir, name), errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def _make_dirs(self, workdir, name):
        """Makes self.dir (workdir/name) with an empty htdocs/ and a run/
        the workers may write (pid file, logs, sockets: lighttpd and h2o
        open them as their user), picks self.port; returns run/."""
        self.dir = os.path.join(workdir, name)
        run = os.path.join(self.dir, "run")
        os.makedirs(run)
        os.makedirs(os.path.join(self.dir, "htdocs"))
        give_to_worker(run)
        self.port = free_port()
        return run

    def _start(self, test, cmd, what, env=None, ports=None):
        """Runs the configuration test test (raising with its output when
        it fails), then the server, cmd, in the foreground, its standard
        error in stderr.log; waits for ports (default: self.port); sets
        self.url."""
        check = subprocess.run(test, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30)
        if check.returncode != 0:
            raise RuntimeError("%s refused the configuration:\n%s" % (what, check.stdout.decode(errors="replace")))
        self.proc = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=open(os.path.join(self.dir, "stderr.log"), "wb"))
        self._wait_up(ports or [self.port], what)
        self.url = "http://127.0.0.1:%d/chat/" % self.port

    def _wait_up(self, ports, what):
        try:
            wait_for(lambda: all(port_open(p) for p in ports) or self.proc.poll() is not None, 15, what)
        except TimeoutError:
            self.stop()
            raise RuntimeError("%s did not start:\n%s" % (what, self.error_log()))
        if self.proc.poll() is not None:
            out = self.error_log()
            self.stop()
            raise RuntimeError("%s exited at start:\n%s" % (what, out))

    def stop(self, timeout=20, keep=()):
        """Stops the server (SIGTERM, then SIGKILL), then, after its grace,
        any process of its galaxy-chat binary still running but those in
        keep (pids)."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        binary = getattr(self, "binary", None)
        if binary and self.grace:
            try:
                wait_for(lambda: not [p for p in processes_of(binary) if p not in keep], self.grace,
                         "the galaxy-chat processes the server stops")
            except TimeoutError:
                pass
        if binary:
            for pid in processes_of(binary):
                if pid in keep:
                    continue
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass


class Apache(_Server):
    """Apache 2.4 (Debian's apache2 binary and module files), event MPM,
    from the samples. mode "fcgid": galaxy-chat.conf and galaxy-chat-7070.conf;
    mode "cgi": galaxy-chat-cgi.conf. binary is a copy of galaxy-chat the
    workers may execute; extra is appended to the generated httpd.conf."""

    MODULES = ["mpm_event", "authz_core", "authz_host", "alias", "dir", "mime", "headers", "env"]

    def __init__(self, workdir, mode, binary, config, www, extra=""):
        self.dir = os.path.join(workdir, "apache-" + mode)
        self.mode = mode
        self.binary = binary
        os.makedirs(os.path.join(self.dir, "run"))
        give_to_worker(os.path.join(self.dir, "run"))
        self.port = free_port()
        self.port_7070 = free_port() if mode == "fcgid" else None
        paths = [(SAMPLE_BINARY, binary), (SAMPLE_CONFIG, config), (SAMPLE_WWW, www)]
        includes = []
        if mode == "fcgid":
            modules = self.MODULES + ["fcgid"]
            includes.append(("galaxy-chat.conf", template("apache/galaxy-chat.conf", paths)))
            includes.append(("galaxy-chat-7070.conf", template("apache/galaxy-chat-7070.conf", paths + [
                ("Listen 7070", "Listen 127.0.0.1:%d" % self.port_7070),
                ("<VirtualHost *:7070>", "<VirtualHost 127.0.0.1:%d>" % self.port_7070)])))
            server_extra = ("FcgidIPCDir %(d)s/run/fcgid\nFcgidProcessTableFile %(d)s/run/fcgid-shm\n"
                            % {"d": self.dir})
        elif mode == "cgi":
            modules = self.MODULES + ["cgid"]
            includes.append(("galaxy-chat-cgi.conf", template("apache/galaxy-chat-cgi.conf", paths)))
            server_extra = "ScriptSock %s/run/cgid.sock\n" % self.dir
        else:
            raise ValueError(mode)
        for name, text in includes:
            with open(os.path.join(self.dir, name), "w") as f:
                f.write(text)
        ids = drop_user()
        user = "User #%d\nGroup #%d\n" % ids if ids else ""
        conf = os.path.join(self.dir, "httpd.conf")
        with open(conf, "w") as f:
            f.write("ServerRoot %s\n" % self.dir)
            for m in modules:
                f.write("LoadModule %s_module %s/mod_%s.so\n" % (m, APACHE_MODULES, m))
            f.write("""%(user)sServerName 127.0.0.1
Listen 127.0.0.1:%(port)d
PidFile %(d)s/run/httpd.pid
DefaultRuntimeDir %(d)s/run
ErrorLog %(d)s/error.log
LogLevel info
LogFormat "%%h %%t \\"%%r\\" %%>s %%b %%D" timed
CustomLog %(d)s/access.log timed
TypesConfig /etc/mime.types
Timeout 300
StartServers 1
ServerLimit 2
ThreadsPerChild 25
MaxRequestWorkers 50
MinSpareThreads 5
MaxSpareThreads 50
DocumentRoot %(d)s/htdocs
<Directory />
    AllowOverride None
    Require all denied
</Directory>
# like Debian's /var/www/html: Apache looks PATH_INFO up here for CGI's
# PATH_TRANSLATED, and logs an error for every request where it is denied
<Directory %(d)s/htdocs>
    Require all granted
</Directory>
%(server_extra)s""" % {"user": user, "port": self.port, "d": self.dir, "server_extra": server_extra})
            for name, _ in includes:
                f.write("Include %s/%s\n" % (self.dir, name))
            f.write(extra)
        os.makedirs(os.path.join(self.dir, "htdocs"))
        env = dict(os.environ, APACHE_RUN_DIR=os.path.join(self.dir, "run"),
                   APACHE_LOCK_DIR=os.path.join(self.dir, "run"), APACHE_LOG_DIR=self.dir,
                   APACHE_PID_FILE=os.path.join(self.dir, "run", "httpd.pid"), LANG="C")
        self._start([APACHE, "-f", conf, "-t"], [APACHE, "-f", conf, "-DFOREGROUND"], "apache2",
                    env, [p for p in (self.port, self.port_7070) if p])

    def error_log(self):
        return self._log("stderr.log") + self._log("error.log")

    def access_log(self):
        return self._log("access.log")


class Nginx(_Server):
    """nginx with etc/nginx/galaxy-chat-upstream.conf included in http { }
    and etc/nginx/galaxy-chat.conf in a server block, as in Galaxy's; the
    responder is at socket (a `galaxy-chat --listen`), or the responders at
    each socket of a list (one upstream server line each)."""

    def __init__(self, workdir, socket_path, www, port=None, locations=None):
        """locations: more nginx text for the server block (default: / redirects to /chat/)."""
        if isinstance(socket_path, (list, tuple)):   # the sample's one server line, repeated
            # never marked failed (doc/deploying.md: several processes behind nginx)
            socket_path = ";\n    server unix:".join(p + " max_fails=0" for p in socket_path)
        self.dir = os.path.join(workdir, "nginx")
        os.makedirs(self.dir, exist_ok=True)
        self.port = port or free_port()
        sample = template("nginx/galaxy-chat.conf", [(SAMPLE_WWW + "/", www + "/")])
        with open(os.path.join(self.dir, "galaxy-chat.conf"), "w") as f:
            f.write(sample)
        with open(os.path.join(self.dir, "galaxy-chat-upstream.conf"), "w") as f:
            f.write(template("nginx/galaxy-chat-upstream.conf", [(SAMPLE_SOCKET, socket_path)]))
        # the sample includes fastcgi_params relative to nginx's conf dir
        for name in ("fastcgi_params", "mime.types"):
            shutil.copy(os.path.join(NGINX_CONFDIR, name), self.dir)
        conf = os.path.join(self.dir, "nginx.conf")
        user = "user nobody nogroup;\n" if drop_user() else ""
        with open(conf, "w") as f:
            f.write("""%(user)sworker_processes 1;
pid %(d)s/nginx.pid;
error_log %(d)s/error.log info;
daemon off;
events { worker_connections 4096; }
http {
    include mime.types;
    access_log %(d)s/access.log;
    client_body_temp_path %(d)s/body;
    fastcgi_temp_path %(d)s/fastcgi;
    proxy_temp_path %(d)s/proxy;
    uwsgi_temp_path %(d)s/uwsgi;
    scgi_temp_path %(d)s/scgi;
    include %(d)s/galaxy-chat-upstream.conf;
    server {
        listen 127.0.0.1:%(port)d;
        server_name localhost;
%(locations)s        include %(d)s/galaxy-chat.conf;
    }
}
""" % {"user": user, "d": self.dir, "port": self.port,
       "locations": locations or "        location = / { return 302 /chat/; }\n"})
        self._start([NGINX, "-t", "-c", conf, "-p", self.dir], [NGINX, "-c", conf, "-p", self.dir], "nginx")

    def error_log(self):
        return self._log("stderr.log") + self._log("error.log")


class Lighttpd(_Server):
    """lighttpd (Debian's binary, with its conf-available/10-fastcgi.conf as
    `lighty-enable-mod` enables it) with one sample included:
    etc/lighttpd/galaxy-chat.conf, FastCGI to a `galaxy-chat --listen` at
    socket_path; or, given binary and config, etc/lighttpd/galaxy-chat-spawn.conf,
    where lighttpd starts galaxy-chat itself, as its own user, with its
    socket under workdir and its standard error in lighttpd's error log."""

    def __init__(self, workdir, www, socket_path=None, binary=None, config=None):
        run = self._make_dirs(workdir, "lighttpd")
        paths = [(SAMPLE_WWW + "/", www + "/")]
        if binary:
            self.binary = binary
            self.socket = os.path.join(run, "galaxy-chat.sock")
            sample = template("lighttpd/galaxy-chat-spawn.conf", paths + [
                (SAMPLE_BINARY, binary), (SAMPLE_CONFIG, config), (SAMPLE_LIGHTTPD_SOCKET, self.socket)])
        else:
            sample = template("lighttpd/galaxy-chat.conf", paths + [(SAMPLE_SOCKET, socket_path)])
        with open(os.path.join(self.dir, "galaxy-chat.conf"), "w") as f:
            f.write(sample)
        ids = drop_user()
        user = ""
        if ids:
            import grp
            import pwd
            user = 'server.username = "%s"\nserver.groupname = "%s"\n' % (
                pwd.getpwuid(ids[0]).pw_name, grp.getgrgid(ids[1]).gr_name)
        conf = os.path.join(self.dir, "lighttpd.conf")
        with open(conf, "w") as f:
            # the parts of Debian's lighttpd.conf the chat meets, on loopback
            f.write("""server.modules = ( "mod_indexfile", "mod_access", "mod_alias", "mod_redirect" )
%(user)sserver.document-root = "%(d)s/htdocs"
server.bind = "127.0.0.1"
server.port = %(port)d
server.pid-file = "%(d)s/run/lighttpd.pid"
server.errorlog = "%(d)s/run/error.log"
server.upload-dirs = ( "%(d)s/run" )
index-file.names = ( "index.php", "index.html" )
include_shell "/usr/share/lighttpd/create-mime.conf.pl"
include "%(confdir)s/conf-available/10-fastcgi.conf"
include "%(d)s/galaxy-chat.conf"
server.modules += ( "mod_dirlisting", "mod_staticfile" )
""" % {"user": user, "d": self.dir, "port": self.port, "confdir": LIGHTTPD_CONFDIR})
        self._start([LIGHTTPD, "-tt", "-f", conf], [LIGHTTPD, "-D", "-f", conf], "lighttpd")

    def error_log(self):
        return self._log("stderr.log") + self._log("run/error.log")


class H2o(_Server):
    """h2o with etc/h2o/galaxy-chat.conf merged into its one host's paths
    (`<<: !file`, as the sample says), FastCGI to a `galaxy-chat --listen`
    at socket_path; / is a directory with nothing in it."""

    def __init__(self, workdir, socket_path, www):
        self._make_dirs(workdir, "h2o")
        sample = os.path.join(self.dir, "galaxy-chat.conf")
        with open(sample, "w") as f:
            f.write(template("h2o/galaxy-chat.conf", [(SAMPLE_SOCKET, socket_path), (SAMPLE_WWW, www)]))
        ids = drop_user()
        user = ""
        if ids:
            import pwd
            user = "user: %s\n" % pwd.getpwuid(ids[0]).pw_name
        conf = os.path.join(self.dir, "h2o.conf")
        with open(conf, "w") as f:
            f.write("""%(user)slisten:
  host: 127.0.0.1
  port: %(port)d
pid-file: %(d)s/run/h2o.pid
error-log: %(d)s/run/error.log
access-log: %(d)s/run/access.log
hosts:
  default:
    paths:
      <<: !file %(sample)s
      /:
        file.dir: %(d)s/htdocs
""" % {"user": user, "d": self.dir, "port": self.port, "sample": sample})
        self._start([H2O, "-t", "-c", conf], [H2O, "-c", conf], "h2o")

    def error_log(self):
        return self._log("stderr.log") + self._log("run/error.log")
