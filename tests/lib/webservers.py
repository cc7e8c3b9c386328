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

Both run in the foreground as children of the test, on 127.0.0.1 only, with
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

# Paths as they appear in the samples (installed layout).
SAMPLE_BINARY = "/usr/local/bin/galaxy-chat"
SAMPLE_CONFIG = "/etc/galaxy-chat/galaxy-chat.ini"
SAMPLE_WWW = "/usr/local/share/galaxy-chat/www"
SAMPLE_SOCKET = "/run/galaxy-chat/galaxy-chat.sock"


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

    def _log(self, name):
        try:
            with open(os.path.join(self.dir, name), errors="replace") as f:
                return f.read()
        except OSError:
            return ""

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
        """Stops the server (SIGTERM, then SIGKILL), then any process of
        its galaxy-chat binary still running but those in keep (pids)."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        binary = getattr(self, "binary", None)
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
        check = subprocess.run([APACHE, "-f", conf, "-t"], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, timeout=30)
        if check.returncode != 0:
            raise RuntimeError("apache2 -t refused the configuration:\n" + check.stdout.decode(errors="replace"))
        self.proc = subprocess.Popen([APACHE, "-f", conf, "-DFOREGROUND"], env=env,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=open(os.path.join(self.dir, "stderr.log"), "wb"))
        self._wait_up([p for p in (self.port, self.port_7070) if p], "apache2")
        self.url = "http://127.0.0.1:%d/chat/" % self.port

    def error_log(self):
        return self._log("stderr.log") + self._log("error.log")

    def access_log(self):
        return self._log("access.log")


class Nginx(_Server):
    """nginx with etc/nginx/galaxy-chat-upstream.conf included in http { }
    and etc/nginx/galaxy-chat.conf in a server block, as in Galaxy's; the
    responder is at socket (a `galaxy-chat --listen`)."""

    def __init__(self, workdir, socket_path, www, port=None, locations=None):
        """locations: more nginx text for the server block (default: / redirects to /chat/)."""
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
        check = subprocess.run([NGINX, "-t", "-c", conf, "-p", self.dir], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, timeout=30)
        if check.returncode != 0:
            raise RuntimeError("nginx -t refused the configuration:\n" + check.stdout.decode(errors="replace"))
        self.proc = subprocess.Popen([NGINX, "-c", conf, "-p", self.dir], stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL,
                                     stderr=open(os.path.join(self.dir, "stderr.log"), "wb"))
        self._wait_up([self.port], "nginx")
        self.url = "http://127.0.0.1:%d/chat/" % self.port

    def error_log(self):
        return self._log("stderr.log") + self._log("error.log")
