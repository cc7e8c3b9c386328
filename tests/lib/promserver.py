"""A real Prometheus (Debian's prometheus package) for the metrics tests,
configured from etc/prometheus/galaxy-chat.yml with only its target,
scheme and interval replaced (webservers.template: a sample that drops one
of those strings fails the test), on 127.0.0.1 only, its data under
workdir; queried through its HTTP API.

    Prometheus(workdir, target="127.0.0.1:PORT", interval="1s")
    .query(expr) -> list of (labels dict, float value)
    .wait_value(expr, pred, timeout, what) -> the value once pred(value)
    .stop()

Stdlib only.
"""

import json
import os
import subprocess
import time
import urllib.parse
import urllib.request

import webservers

PROMETHEUS = os.environ.get("GC_PROMETHEUS", "/usr/bin/prometheus")
PROMTOOL = os.environ.get("GC_PROMTOOL", "/usr/bin/promtool")
SAMPLE_TARGET = "galaxy.example.org:443"


def promtool_check(text):
    """(ok, output) of `promtool check metrics` on text (bytes)."""
    p = subprocess.run([PROMTOOL, "check", "metrics"], input=text, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=30)
    return p.returncode == 0, p.stdout.decode(errors="replace")


class Prometheus:
    def __init__(self, workdir, target, interval="1s"):
        self.dir = os.path.join(workdir, "prometheus")
        os.makedirs(os.path.join(self.dir, "data"))
        self.port = webservers.free_port()
        conf = os.path.join(self.dir, "prometheus.yml")
        with open(conf, "w") as f:
            f.write(webservers.template("prometheus/galaxy-chat.yml", [
                (SAMPLE_TARGET, target), ("scheme: https", "scheme: http"),
                ("scrape_interval: 15s", "scrape_interval: %s" % interval)]))
        check = subprocess.run([PROMTOOL, "check", "config", conf], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, timeout=30)
        if check.returncode != 0:
            raise RuntimeError("promtool refused the configuration:\n" + check.stdout.decode(errors="replace"))
        self.log = open(os.path.join(self.dir, "prometheus.log"), "wb")
        self.proc = subprocess.Popen(
            [PROMETHEUS, "--config.file=" + conf, "--storage.tsdb.path=" + os.path.join(self.dir, "data"),
             "--web.listen-address=127.0.0.1:%d" % self.port, "--log.level=warn"],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log)
        webservers.wait_for(lambda: self._ready() or self.proc.poll() is not None, 60, "prometheus")
        if self.proc.poll() is not None:
            raise RuntimeError("prometheus exited:\n" + self.output())

    def _ready(self):
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d/-/ready" % self.port, timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    def output(self):
        with open(os.path.join(self.dir, "prometheus.log"), errors="replace") as f:
            return f.read()

    def api(self, path, **params):
        url = "http://127.0.0.1:%d/api/v1/%s?%s" % (self.port, path, urllib.parse.urlencode(params))
        with urllib.request.urlopen(url, timeout=10) as r:
            body = json.loads(r.read())
        if body.get("status") != "success":
            raise RuntimeError("prometheus: %r" % body)
        return body["data"]

    def query(self, expr):
        """The instant vector of expr now: [(labels, value)]."""
        data = self.api("query", query=expr)
        if data["resultType"] == "scalar":
            return [({}, float(data["result"][1]))]
        return [(r["metric"], float(r["value"][1])) for r in data["result"]]

    def value(self, expr):
        """The one value of expr now, or None when it has none (or many)."""
        res = self.query(expr)
        return res[0][1] if len(res) == 1 else None

    def wait_value(self, expr, pred, timeout=30, what=None):
        """Waits until expr has one value pred accepts; returns the last
        value seen (None: none), whether pred took it or time ran out."""
        deadline = time.monotonic() + timeout
        v = None
        while time.monotonic() < deadline:
            v = self.value(expr)
            if v is not None and pred(v):
                return v
            time.sleep(0.25)
        return v

    def targets(self):
        return self.api("targets")["activeTargets"]

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
