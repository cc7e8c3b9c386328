#!/usr/bin/python3
"""galaxy-chat backup and galaxy-chat check --store:

* a backup made while a sender keeps posting (a real deployment, the
  sender recording every acknowledged id): it ends in seconds (one
  snapshot: a copy restarted at every write went on for a minute), the
  sender is never held up for long, the copy passes `check --store`, and
  a new deployment started
  on the copy has every message acknowledged before the backup started,
  and exactly the store's events up to the newest one the backup reports
  (one snapshot, nothing half-copied);
* an existing PATH is refused without --force and replaced with it; a bad
  PATH (no such directory, a directory, the store itself or its WAL) is
  refused and nothing is left behind;
* a PostgreSQL store: backup says to use pg_dump, names no password, and
  writes nothing;
* check --store needs no configuration (and refuses -c), and fails on a
  missing file, a file that is not SQLite, a damaged copy and a schema
  newer than this galaxy-chat's.
"""
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import tap  # noqa: E402
from chatenv import ChatEnv  # noqa: E402

PRELOAD = 1500          # messages stored before the backup: a store of many copy steps
TEXT = "backup test " + "x" * 3000


def run(env, *args):
    """galaxy-chat ARGS; (exit status, stdout, stderr)."""
    r = subprocess.run([env.binary] + list(args), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=120)
    return r.returncode, r.stdout.decode(errors="replace"), r.stderr.decode(errors="replace")


class Sender(threading.Thread):
    """alice posting to `all` as fast as the responder acknowledges, until
    stopped; acked is [(id, monotonic time of the 201)], in order."""

    def __init__(self, env):
        super().__init__(daemon=True)
        self.env, self.acked, self.failed = env, [], []
        self.lock = threading.Lock()
        self.stopping = threading.Event()

    def run(self):
        n = 0
        while not self.stopping.is_set() and n < 100000:
            n += 1
            try:
                st, _, body = self.env.api("alice", "POST", "/v1/messages",
                                           body={"room": "all", "text": "load %d" % n, "client_id": "l%d" % n})
            except Exception as e:   # reported by the test
                self.failed.append(repr(e))
                continue
            if st == 201:
                with self.lock:
                    self.acked.append((body["id"], time.monotonic()))
            else:
                self.failed.append((st, body))

    def ids(self):
        with self.lock:
            return [i for i, _ in self.acked]


def store_ids(path, newest=None):
    """The event ids in the SQLite store at path (up to newest)."""
    db = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    try:
        q = "SELECT id FROM events" + (" WHERE id <= %d" % newest if newest is not None else "")
        return {r[0] for r in db.execute(q)}
    finally:
        db.close()


def sqlite_file(path, sql, copy_of=None):
    """path, made (a copy of copy_of, or new) with sql run in it."""
    if copy_of:
        shutil.copyfile(copy_of, path)
    db = sqlite3.connect(path)
    db.execute(sql)
    db.commit()
    db.close()
    return path


def history_ids(env, user, room):
    """Every event id of room, through the API, paging backwards."""
    ids, before = set(), 0
    for _ in range(1000):
        st, _, body = env.api(user, "GET", "/v1/rooms/%s/messages" % room,
                              query="limit=500" + ("&before=%d" % before if before else ""))
        if st != 200:
            raise AssertionError("history: %r %r" % (st, body))
        evs = body["events"]
        ids.update(e["id"] for e in evs)
        if not body.get("more") or not evs:
            return ids
        before = min(e["id"] for e in evs)
    raise AssertionError("history did not end")


def main_under_load(workdir):
    copy = os.path.join(workdir, "copy.sqlite")
    with ChatEnv(users=["alice", "bob"], processes=1, options={"rate": "off"}) as env:
        for i in range(PRELOAD):
            st, _, body = env.api("bob", "POST", "/v1/messages", body={"room": "all", "text": TEXT})
            if st != 201:
                raise AssertionError("preloading: %r %r" % (st, body))
        sender = Sender(env)
        sender.start()
        time.sleep(1.0)
        before = sender.ids()
        t0 = time.monotonic()
        code, out, err = run(env, "backup", "-c", env.config, "--to", copy)
        t1 = time.monotonic()
        time.sleep(0.5)
        sender.stopping.set()
        sender.join(30)
        m = re.search(r"(\d+) bytes, (\d+) events \(\d+ messages\), newest event (\d+)", out)
        tap.ok(code == 0 and m and not err, "backup while a sender posts: done, saying how big and "
               "how many events", (code, out, err))
        size, events, newest = (int(x) for x in m.groups()) if m else (0, 0, 0)
        tap.ok(t1 - t0 < 10, "... within %.2f s: one snapshot, not a copy SQLite restarts at every "
               "message stored meanwhile (which took a minute here)" % (t1 - t0), t1 - t0)
        tap.ok(os.path.getsize(copy) == size and size > 4 << 20,
               "... the copy is the size it says (%d bytes: several copy steps)" % size, size)
        tap.eq(os.stat(copy).st_mode & 0o777, 0o600, "... readable by its owner only")
        during = [t for _, t in sender.acked if t0 <= t <= t1]
        gaps = [b - a for a, b in zip([t0] + during, during + [t1])]
        tap.ok(not sender.failed and during and max(gaps) < 1.0,
               "... the sender kept being acknowledged meanwhile (%d messages in %.2f s, longest "
               "wait %.3f s)" % (len(during), t1 - t0, max(gaps) if gaps else 0),
               (sender.failed[:3], len(during), gaps[-5:]))
        after = [i for i in sender.ids() if i > newest]
        tap.ok(len(before) > 0 and newest >= max(before) and after,
               "... its snapshot falls within the load: %d acknowledged before it, %d after it"
               % (len(before), len(after)), (len(before), newest, len(after)))
        original = store_ids(env.store, newest)
        tap.ok(store_ids(copy) == original and len(original) == events,
               "... the copy holds exactly the store's events up to its newest, %d" % events,
               (len(store_ids(copy)), len(original), events))

    code, out, err = run(env, "check", "--store", copy)
    tap.ok(code == 0 and "integrity:     ok" in out and out.rstrip().endswith("all good")
           and ", this galaxy-chat's" in out and "%d (" % events in out,
           "check --store: the copy is sound, no configuration needed", (code, out, err))

    with ChatEnv(users=["alice", "bob"], processes=1, store_file=copy) as restored:
        ids = history_ids(restored, "alice", "all")
        missing = set(before) - ids
        tap.ok(not missing, "restored as a new deployment's store: all %d messages acknowledged "
               "before the backup started are there" % len(before), sorted(missing)[:20])
        tap.ok(len(ids) == events and max(ids) == newest,
               "... and nothing else: %d events, the newest %d" % (len(ids), newest), (len(ids), max(ids)))
        last = max(sender.ids())
        st, _, body = restored.api("alice", "GET", "/v1/events", query="since=%d&timeout=0" % last)
        tap.ok(st == 400 and "beyond the newest" in body["error"]["message"],
               "... a browser's cursor from after the backup (%d) is told it is beyond the newest "
               "(it starts again from there)" % last, (st, body))
        st, _, body = restored.api("alice", "POST", "/v1/messages", body={"room": "all", "text": "after"})
        tap.ok(st == 201 and body["id"] > newest, "... and the chat goes on: the next id is %s"
               % body.get("id"), (st, body))


def main_paths(workdir):
    with ChatEnv(users=["alice"], processes=1) as env:
        env.api("alice", "POST", "/v1/messages", body={"room": "all", "text": "one"})
        to = os.path.join(workdir, "b.sqlite")
        tap.eq(run(env, "backup", "-c", env.config, "--to", to)[0], 0, "a first backup")
        with open(to, "rb") as f:
            first = f.read()
        env.api("alice", "POST", "/v1/messages", body={"room": "all", "text": "two"})
        code, out, err = run(env, "backup", "-c", env.config, "--to", to)
        with open(to, "rb") as f:
            same = f.read() == first
        tap.ok(code == 1 and "exists" in err and "--force" in err and same and not out,
               "an existing PATH: refused, untouched, --force named", (code, out, err))
        code, out, err = run(env, "backup", "-c", env.config, "--to", to, "--force")
        tap.ok(code == 0 and "2 events" in out, "--force replaces it with a new copy", (code, out, err))
        tap.eq(sorted(os.listdir(workdir)), ["b.sqlite"], "... leaving no partial file behind")

        for bad, why in ((os.path.join(workdir, "no", "such", "dir.sqlite"), "does not exist"),
                         (workdir, "is a directory"), (workdir + "/", "names a directory"),
                         (env.store, "the store itself"), (env.store + "-wal", "the store itself")):
            code, out, err = run(env, "backup", "-c", env.config, "--to", bad, "--force")
            tap.ok(code == 1 and why in err and not out, "a bad PATH (%s): refused, saying it %s"
                   % (bad.replace(env.dir, "...").replace(workdir, "..."), why), (code, out, err))
        tap.eq(sorted(os.listdir(workdir)), ["b.sqlite"], "... and nothing written")
        st, _, body = env.api("alice", "POST", "/v1/messages", body={"room": "all", "text": "three"})
        tap.ok(st == 201, "... the store still works", (st, body))

        for args in ((), ("--to",), ("--to", to, "--what")):
            code, out, err = run(env, "backup", "-c", env.config, *args)
            tap.ok(code == 2 and "usage: galaxy-chat backup" in err,
                   "backup %s: usage, status 2" % " ".join(args), (code, out, err))

        # a PostgreSQL store: nothing is connected to, nothing written
        pg_conf = os.path.join(env.dir, "pg.ini")
        with open(env.config) as f, open(pg_conf, "w") as g:
            g.write(re.sub(r"(?m)^store = .*$", "store = postgresql://chat:s3cret@127.0.0.1:1/chat", f.read()))
        pg_to = os.path.join(workdir, "pg.dump")
        code, out, err = run(env, "backup", "-c", pg_conf, "--to", pg_to)
        tap.ok(code == 1 and "pg_dump --format=custom --file=%s" % pg_to in err and "s3cret" not in err
               and not os.path.exists(pg_to),
               "a PostgreSQL store: use pg_dump, says backup (no password shown, nothing written)",
               (code, out, err))

        # check --store on what is not a sound copy
        code, out, err = run(env, "check", "--store", os.path.join(workdir, "missing.sqlite"))
        tap.ok(code == 1 and "No such file" in out and "PROBLEMS FOUND" in out,
               "check --store, no such file: fails", (code, out, err))
        code, out, err = run(env, "check", "--store", env.config)
        tap.ok(code == 1 and "not a database" in out, "check --store, not SQLite: fails", (code, out, err))
        damaged = os.path.join(workdir, "damaged.sqlite")
        shutil.copyfile(to, damaged)
        with open(damaged, "r+b") as f:
            size = f.seek(0, 2)
            for page in range(1, size // 4096):
                f.seek(page * 4096 + 8)
                f.write(b"\xa5" * 64)
        code, out, err = run(env, "check", "--store", damaged)
        tap.ok(code == 1 and "integrity:     FAILED" in out and "PROBLEMS FOUND" in out,
               "check --store, a damaged copy: integrity FAILED", (code, out, err))
        newer = sqlite_file(os.path.join(workdir, "newer.sqlite"), "PRAGMA user_version = 999", to)
        code, out, err = run(env, "check", "--store", newer)
        tap.ok(code == 1 and "version 999 -- FAILED: newer" in out,
               "check --store, a schema newer than this galaxy-chat's: fails", (code, out, err))
        plain = sqlite_file(os.path.join(workdir, "plain.sqlite"), "CREATE TABLE t (x)")
        code, out, err = run(env, "check", "--store", plain)
        tap.ok(code == 1 and "not a galaxy-chat store" in out,
               "check --store, an SQLite file that is no store: fails", (code, out, err))
        code, out, err = run(env, "check", "--store", to, "-c", env.config)
        tap.ok(code == 2 and "no -c" in err, "check --store with -c: refused (it reads no configuration)",
               (code, out, err))
        code, out, err = run(env, "check", "--stor", to)
        tap.ok(code == 2, "check with another argument: status 2", (code, out, err))


def main():
    workdir = os.path.join(os.environ.get("TMPDIR", "/tmp"), "gc-backup-%d" % os.getpid())
    os.makedirs(workdir)
    try:
        main_under_load(workdir)
        shutil.rmtree(workdir)
        os.makedirs(workdir)
        main_paths(workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    tap.run(main)
