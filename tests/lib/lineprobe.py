"""LineProbe: a C helper of the tests (tests/unit/*_probe) that stays up
and answers one JSON line per line it reads, so that one process (one
cache, one SMTP connection) can be asked things over time. Its first line
is read at start (self.ready); ask() sends a line and returns the answer,
{"result": "timeout"} or {"result": "exited"} when none comes."""

import json
import queue
import subprocess
import threading


class LineProbe:
    def __init__(self, argv, env=None, timeout=30):
        self.timeout = timeout
        self.p = subprocess.Popen([str(a) for a in argv], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True, env=env)
        self.q = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.ready = self._get()

    def _read(self):
        for line in self.p.stdout:
            self.q.put(line)
        self.q.put(None)

    def _get(self):
        try:
            line = self.q.get(timeout=self.timeout)
        except queue.Empty:
            return {"result": "timeout"}
        return json.loads(line) if line else {"result": "exited"}

    def ask(self, line):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()
        return self._get()

    def close(self):
        try:
            self.p.stdin.close()
            self.p.wait(timeout=20)
        except Exception:
            self.p.kill()
            self.p.wait()
        return self.p.returncode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
