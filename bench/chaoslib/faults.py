"""faults.py - the chaos run's fault schedule, and each fault.

The schedule runs on a thread of its own while the clients run on the
loop's. After the warm-up it works through the plan, the "big" faults
spread evenly over the fault phase, and in the gaps between them SIGKILLs
a random responder every kill_every (5 to 20) s, never within a big
fault's window, so that what each fault costs can be told apart:

  kill               SIGKILL of a random responder (nginx: restarted after
                     --restart-delay, as systemd would; mod_fcgid: Apache
                     starts another on demand)
  galaxy_pg_restart  Galaxy's PostgreSQL stopped (fast), down_s, started
  store_pg_restart   the PostgreSQL store, the same (--store pg)
  sigstop            a responder SIGSTOPped for seconds, then SIGCONT
  disk_full          the store's file system filled for seconds (a
                     PostgreSQL store that stopped on it is started again
                     afterwards, as an operator would, and says so)
  store_lock         the store's write lock held for seconds: a sqlite3
                     shell's BEGIN EXCLUSIVE, or psql holding the
                     writers' advisory lock of a PostgreSQL store
  logout             one user's session ended in Galaxy's database (as
                     Galaxy's logout does); their polls must end with 401
                     (not counted as failures), then they log in again
                     with a new session and resume from their cursor

Each fault is written down with when it began and ended (monotonic
times; report.py turns them into what it cost).
"""

import os
import select
import signal
import subprocess
import threading
import time

from deploy import STORE_WRITE_LOCK
from loop import now


class Fault(dict):
    """kind, params, start, end, notes: one fault as it happened."""


def plan(args, store, rng):
    """The big faults, in a random order (seeded), with their parameters."""
    q = args.quick
    big = [("galaxy_pg_restart", {"down_s": 0}),
           ("galaxy_pg_restart", {"down_s": 3 if q else 10}),
           ("sigstop", {"seconds": 3 if q else 10}),
           ("disk_full", {"seconds": 6 if q else 30}),
           ("store_lock", {"seconds": 3 if q else 10}),
           ("logout", {})]
    if store == "pg":
        big.append(("store_pg_restart", {"down_s": 0}))
    rng.shuffle(big)
    return big


class Schedule(threading.Thread):
    def __init__(self, args, dep, ctx, receivers, senders, rng):
        super().__init__(daemon=True)
        self.args, self.dep, self.ctx, self.rng = args, dep, ctx, rng
        self.receivers = receivers          # name -> Receiver
        self.senders = {s.user.name for s in senders}
        self.faults = []
        self.big = plan(args, args.store, rng)
        self.stopped_pid = None
        self.finished = threading.Event()
        self.error = None
        self.memory_before = None
        self.auth_cache_s = int(dep.chat_options.get("auth_cache_seconds", 5))

    # --- the timeline ----------------------------------------------------------
    def run(self):
        try:
            self._run()
        except Exception as e:   # reported, and the run ends
            import traceback
            self.error = traceback.format_exc()
            print("bench/chaos: the fault schedule failed: %s" % e, flush=True)
        finally:
            self.finished.set()

    def _run(self):
        a = self.args
        t0 = self.ctx.ledger.t0
        self._sleep_until(t0 + a.warmup)
        self.memory_before = self.dep.memory()
        phase_start, phase_end = t0 + a.warmup, t0 + a.minutes * 60 - a.quiet
        slot = (phase_end - phase_start) / len(self.big)
        for i, (kind, params) in enumerate(self.big):
            at = phase_start + slot * (i + 0.5)
            self._kills_until(at)
            self._sleep_until(at)
            self._do(kind, params)
        self._kills_until(phase_end)
        self._sleep_until(t0 + a.minutes * 60)   # the quiet end: no fault

    def _kills_until(self, limit):
        """SIGKILLs every kill_every s (from one kill to the next) in the gap
        before limit, at least one, each with room to end before it; then
        waits for the last one's recovery."""
        guard = self.args.restart_delay + 8
        last = None
        while True:
            nxt = (last["start"] if last else now()) + self.rng.uniform(*self.args.kill_every)
            if last and nxt + guard > limit:
                break
            self._sleep_until(nxt)
            last = self._do("kill", {})
        self._wait_recovered(last)

    def _sleep_until(self, t):
        while now() < t:
            time.sleep(min(0.2, t - now()))

    def _do(self, kind, params):
        f = Fault(kind=kind, params=params, start=now(), notes=[])
        self.faults.append(f)
        print("[chaos %s] %s %s" % (time.strftime("%H:%M:%S"), kind, params or ""), flush=True)
        try:
            getattr(self, "f_" + kind)(f, **params)
        finally:
            f.setdefault("end", now())
        if kind != "kill":
            self._wait_recovered(f)
        return f

    def _wait_recovered(self, f, limit=60):
        """Until a send acknowledged after the fault's end has been delivered
        (bounded), then two seconds more, before the next fault."""
        led = self.ctx.ledger
        deadline = f["end"] + limit
        while now() < deadline:
            if led.first_delivery_of_ack_after(f["end"]) is not None:
                break
            time.sleep(0.2)
        time.sleep(2)

    # --- the faults ------------------------------------------------------------
    def _responder_pids(self):
        return [p for p in self.dep.responder_pids() if p != self.stopped_pid]

    def f_kill(self, f):
        r = self.dep.responders
        if r:   # nginx: a --listen process, restarted by the supervisor
            slots = [i for i in r.live_slots() if r.procs[i].pid != self.stopped_pid]
            if not slots:
                f["notes"].append("no responder running: nothing killed")
                return
            i = self.rng.choice(slots)
            f["pid"], f["slot"] = r.procs[i].pid, i
            r.ready[i].clear()
            os.kill(r.procs[i].pid, signal.SIGKILL)
            f["start"] = now()
            if not r.ready[i].wait(self.args.restart_delay + 30):
                f["notes"].append("not running again 30 s after its restart was due")
            f["end"] = now()
        else:   # mod_fcgid: any of Apache's galaxy-chat processes
            pids = self._responder_pids()
            if not pids:
                f["notes"].append("no responder running: nothing killed")
                return
            f["pid"] = self.rng.choice(pids)
            try:
                os.kill(f["pid"], signal.SIGKILL)
            except ProcessLookupError:
                f["notes"].append("the process had already ended")
            f["start"] = f["end"] = now()

    def _restart_pg(self, f, pg, down_s):
        pg.stop()
        f["stopped"] = now()
        time.sleep(down_s)
        pg.start()

    def f_galaxy_pg_restart(self, f, down_s):
        self._restart_pg(f, self.dep.gpg, down_s)

    def f_store_pg_restart(self, f, down_s):
        self._restart_pg(f, self.dep.spg, down_s)

    def f_sigstop(self, f, seconds):
        pids = self._responder_pids()
        if not pids:
            f["notes"].append("no responder running: nothing stopped")
            return
        pid = self.rng.choice(pids)
        f["pid"] = self.stopped_pid = pid
        try:
            os.kill(pid, signal.SIGSTOP)
            f["start"] = now()
            time.sleep(seconds)
        finally:
            try:
                os.kill(pid, signal.SIGCONT)
            except ProcessLookupError:
                f["notes"].append("the process ended while stopped")
            self.stopped_pid = None

    def f_disk_full(self, f, seconds):
        filler = os.path.join(self.dep.storefs, "filler")
        written = 0
        try:
            with open(filler, "wb", buffering=0) as out:
                for size in (1 << 20, 4096, 1):
                    block = b"\0" * size
                    try:
                        while True:
                            written += out.write(block)
                    except OSError:
                        pass
        except OSError:
            pass
        f["filled_bytes"] = written
        f["start"] = now()
        time.sleep(seconds)
        os.unlink(filler)
        spg = self.dep.spg
        if spg and not spg.alive():
            f["notes"].append("the PostgreSQL store had stopped on the full disk: started again")
            spg.start()

    def f_store_lock(self, f, seconds):
        if self.args.store == "sqlite":
            sh = self.dep.sqlite_shell()
            sh.stdin.write(".timeout 20000\nBEGIN EXCLUSIVE;\nSELECT 'locked';\n")
            how = "sqlite3 shell: BEGIN EXCLUSIVE"
        else:
            sh = self.dep.psql_shell()
            sh.stdin.write("BEGIN;\nSELECT pg_advisory_xact_lock(%s);\nSELECT 'locked';\n"
                           % STORE_WRITE_LOCK)
            how = "psql: the writers' advisory lock"
        sh.stdin.flush()
        f["how"] = how
        got, said = self._read_until(sh, "locked", 25)
        if not got:
            f["notes"].append("the lock was not taken within 25 s; the shell said: %r" % said[-5:])
        f["start"] = now()
        time.sleep(seconds)
        try:
            sh.stdin.write("ROLLBACK;\n" + (".quit\n" if self.args.store == "sqlite" else "\\q\n"))
            sh.stdin.flush()
        except BrokenPipeError:
            f["notes"].append("the shell had ended (exit %s)" % sh.poll())
        try:
            sh.wait(15)
        except subprocess.TimeoutExpired:
            sh.kill()
            f["notes"].append("the shell did not quit")

    @staticmethod
    def _read_until(proc, word, timeout):
        """(whether proc printed the line word within timeout, what it printed)."""
        deadline = now() + timeout
        said = []
        while now() < deadline:
            r, _, _ = select.select([proc.stdout], [], [], max(0, deadline - now()))
            if not r:
                break
            line = proc.stdout.readline()
            if not line:
                break
            if line.strip() == word:
                return True, said
            said.append(line.strip())
        return False, said

    def f_logout(self, f):
        """One user of each transport (not a sender) logged out in Galaxy
        at once; each must get a 401 (a stream must end) within the auth
        window, then logs in again."""
        picks = []
        for transport in ("long_poll", "stream"):
            names = sorted(n for n, r in self.receivers.items()
                           if n not in self.senders and r.transport == transport)
            if names:
                picks.append(self.rng.choice(names))
        # the bound after which the old session must get nothing more: a
        # poll's is auth_cache_seconds, a stream's about twice that
        # (doc/api.md "The event stream"); a second more for the clocks
        los = {n: {"session": self.receivers[n].user.session,
                   "bound_s": self.auth_cache_s * (2 if self.receivers[n].transport == "stream" else 1) + 1}
               for n in picks}
        posted = threading.Event()

        def arm():
            for n, lo in los.items():
                self.receivers[n].user.logout = lo
            posted.set()
        self.ctx.loop.post(arm)
        posted.wait(10)
        f["users"] = picks
        for n, lo in los.items():
            lo["invalidated_at"] = now()
            self.dep.galaxy_db.invalidate(self.dep.sessions[n][1])
            lo["committed_at"] = now()
        f["start"] = min(lo["committed_at"] for lo in los.values())
        deadline = now() + self.auth_cache_s + 60
        while now() < deadline and not all("first_401_at" in lo for lo in los.values()):
            time.sleep(0.1)
        f["auth_cache_seconds"] = self.auth_cache_s
        f["logouts"] = []
        for n, lo in los.items():
            after = round(lo["first_401_at"] - lo["committed_at"], 2) if "first_401_at" in lo else None
            f["logouts"].append({"user": n, "transport": self.receivers[n].transport, "first_401_after_s": after,
                                 "bound_s": lo["bound_s"]})
            if after is None:
                f["notes"].append("%s: no 401 within auth_cache_seconds + 60 s" % n)
        time.sleep(1)   # the users read "logged out" and log in again
        cookies = {n: self.dep.new_session(n)[1] for n in picks}
        back = threading.Event()

        def relogin():
            for n in picks:
                user = self.receivers[n].user
                user.cookie = cookies[n]
                user.session += 1
                self.receivers[n].relogin()
            back.set()
        self.ctx.loop.post(relogin)
        back.wait(10)
        f["end"] = now()
