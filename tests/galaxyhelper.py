#!/usr/bin/python3
"""The host's galaxy helper (src/galaxyhelper.c): Apache + mod_fcgid from
the samples, Galaxy's database on a real PostgreSQL, an SQLite store.

* the mod_fcgid processes ask Galaxy through one helper process, started
  by the first of them that needs it: one helper however many responders,
  its socket "<store>-galaxy.sock" of mode 0600; the responders map no
  libpq and hold no connection to Galaxy's PostgreSQL, the helper does;
* its answers are Galaxy's: a logged-in user, a session Galaxy ended
  (401), an API key, a name looked up for a mention, an object card seen
  by its owner and refused to another user;
* a helper killed with SIGKILL is started again by the next question,
  nothing refused meanwhile;
* a configuration changed under it (a graceful restart with other Galaxy
  settings): the old helper leaves at the first question of the new
  processes, a new one answers;
* it leaves after galaxy_helper_idle seconds without a question, and
  when its executable is replaced (an upgrade);
* with galaxy_helper = no, no helper runs and the processes ask Galaxy
  themselves.
"""
import os
import shutil
import signal
import stat
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import galaxy_fixture  # noqa: E402
import pgserver  # noqa: E402
import tap  # noqa: E402
import webservers  # noqa: E402
from chatenv import ChatEnv  # noqa: E402

IDLE = 4   # galaxy_helper_idle in these tests


def helpers(binary):
    return [p for p in webservers.processes_of(binary) if webservers.is_galaxy_helper(p)]


def maps_libpq(pid):
    try:
        with open("/proc/%d/maps" % pid) as f:
            return any("/libpq.so" in line for line in f)
    except OSError:
        return False


def sockets_to(pid, port):
    """TCP connections of process pid to 127.0.0.1:port (from /proc/net/tcp
    and the process's descriptors)."""
    inodes = set()
    try:
        for fd in os.listdir("/proc/%d/fd" % pid):
            target = os.readlink("/proc/%d/fd/%s" % (pid, fd))
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    except OSError:
        return 0
    n = 0
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            cols = line.split()
            if int(cols[2].split(":")[1], 16) == port and cols[9] in inodes:
                n += 1
    return n


def me(env, user):
    st, _, body = env.http(user, "GET", "/v1/me")
    return st, body.get("user", {}).get("username") if isinstance(body, dict) else body


def cursor(env, user):
    return env.http(user, "GET", "/v1/events")[2]["cursor"]


def wait_until(pred, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.1)
    return pred()


def main_helper(pg):
    site = "https://galaxy.example.org"
    with ChatEnv(users=["alice", "bob", "carol"], processes=0, apache="fcgid", pg=pg,
                 options={"galaxy_helper_idle": str(IDLE), "galaxy_url": site,
                          "object_rate": "off"}) as env:
        binary = env.binary
        tap.eq(me(env, "alice"), (200, "alice"), "alice is herself through mod_fcgid and the helper")
        tap.eq(me(env, "bob"), (200, "bob"), "... and so is bob")
        hs = helpers(binary)
        tap.ok(len(hs) == 1, "one galaxy helper runs", hs)
        sock = env.store + "-galaxy.sock"
        try:
            sb = os.stat(sock)
        except OSError as e:
            sb = e
        tap.ok(not isinstance(sb, OSError) and stat.S_ISSOCK(sb.st_mode)
               and stat.S_IMODE(sb.st_mode) == 0o600 and hs
               and os.stat("/proc/%d" % hs[0]).st_uid == sb.st_uid,
               "its socket is %s, mode 0600, of the helper's user" % sock, sb)

        # several processes at once: polls held while others ask
        polls = [threading.Thread(target=env.http, args=(u, "GET", "/v1/events"),
                                  kwargs={"query": "since=%d&timeout=3" % cursor(env, u)}, daemon=True)
                 for u in ("alice", "bob", "carol")]
        for t in polls:
            t.start()
        time.sleep(1.0)
        tap.eq(me(env, "carol"), (200, "carol"), "carol is herself while three polls wait")
        rs = webservers.responders_of(binary)
        tap.ok(len(helpers(binary)) == 1, "still one helper with %d responder processes" % len(rs),
               (helpers(binary), rs))
        pq = [p for p in rs if maps_libpq(p)]
        tap.ok(rs and not pq, "no responder process maps libpq", pq)
        tap.ok(hs and maps_libpq(hs[0]), "the helper does (Galaxy's database is PostgreSQL)", hs)
        held = {p: sockets_to(p, pg.port) for p in rs + hs}
        tap.ok(not any(held[p] for p in rs) and hs and held.get(hs[0], 0) >= 1,
               "only the helper holds connections to Galaxy's PostgreSQL", held)

        # Galaxy's answers, through the helper
        key = env.galaxy_db.add_session(env.user_ids["carol"])
        carol2 = galaxy_fixture.make_cookie(env.secret, key)
        st, _, _ = env.http(None, "GET", "/v1/me", headers={"Cookie": "galaxysession=" + carol2})
        tap.eq(st, 200, "a new session of carol's is hers")
        env.galaxy_db.invalidate(key)
        time.sleep(2.5)   # auth_cache_seconds = 2
        st, _, body = env.http(None, "GET", "/v1/me", headers={"Cookie": "galaxysession=" + carol2})
        tap.ok(st == 401, "... and once Galaxy ended it, refused", body)
        api_key = env.galaxy_db.add_api_key(env.user_ids["bob"])
        st, _, body = env.http(None, "GET", "/v1/me", headers={"X-API-Key": api_key})
        tap.ok(st == 200 and body.get("user", {}).get("username") == "bob", "bob's API key is bob's",
               (st, body))
        st, _, body = env.http("alice", "POST", "/v1/messages",
                               body={"to": "bob", "text": "psst", "client_id": "h-1"})
        tap.ok(st == 201, "a direct message to bob: his name is found in Galaxy's database", body)
        st, _, body = env.http("alice", "POST", "/v1/messages",
                               body={"to": "nobody", "text": "psst", "client_id": "h-2"})
        tap.ok(st == 404, "... and one to a name no Galaxy user has is refused", body)
        h = env.galaxy_db.add_history(env.user_ids["alice"], "Alice's private work")
        url = "%s/histories/view?id=%s" % (site, galaxy_fixture.encode_id(env.secret, h))
        st, _, body = env.http("alice", "GET", "/v1/objects", query="url=" + urllib.parse.quote(url, safe=""))
        tap.ok(st == 200 and body.get("name") == "Alice's private work",
               "alice gets the card of her private history", (st, body))
        st, _, body = env.http("bob", "GET", "/v1/objects", query="url=" + urllib.parse.quote(url, safe=""))
        tap.ok(st == 404, "bob gets none", body)

        # a helper killed is started again by the next question
        old = helpers(binary)
        for p in old:
            os.kill(p, signal.SIGKILL)
        wait_until(lambda: not [p for p in old if p in helpers(binary)], 5)
        time.sleep(2.5)   # the cached answers expire
        tap.eq(me(env, "alice"), (200, "alice"), "after the helper was killed, alice still gets in")
        new = helpers(binary)
        tap.ok(len(new) == 1 and new[0] not in old, "... through a new helper", (old, new))

        # it leaves when idle
        for t in polls:
            t.join(30)
        gone = wait_until(lambda: not helpers(binary), IDLE + 25)
        tap.ok(gone and not os.path.exists(sock),
               "it leaves after galaxy_helper_idle = %d s without a question, its socket too" % IDLE,
               (helpers(binary), os.path.exists(sock)))

        # another configuration: the old helper leaves, a new one answers
        tap.eq(me(env, "bob"), (200, "bob"), "the next question starts it again")
        before = helpers(binary)
        with open(env.config, "a") as f:
            f.write("avatars = gravatar\ngalaxy_helper_idle = 30\n")
        env.apache.proc.send_signal(signal.SIGUSR1)   # apachectl graceful
        after = wait_until(lambda: me(env, "alice")[0] == 200 and helpers(binary) != before
                           and helpers(binary), 30)
        tap.ok(after and not set(after) & set(before),
               "after a graceful restart with other settings a new helper answers", (before, after))
        st, _, body = env.http("alice", "GET", "/v1/me")
        tap.ok(st == 200 and len(body.get("user", {}).get("gravatar") or "") == 32,
               "... with the new settings (gravatar hashes)", (st, body))
        with open("/proc/%d/comm" % after[0]) as f:
            comm = f.read().strip()
        tap.eq(comm, "galaxy-chat", "ps names it galaxy-chat")

        # an upgrade: the executable replaced under it (a new file renamed
        # over it, as dpkg and make install do)
        tmp = binary + ".new"
        shutil.copy2(binary, tmp)
        os.replace(tmp, binary)
        gone = wait_until(lambda: not [p for p in after if p in helpers(binary)], 10)
        tap.ok(gone, "it leaves once its executable was replaced", (after, helpers(binary)))

        log = env.apache.error_log()
        tap.ok("asks Galaxy's database itself" not in log,
               "no process had to ask Galaxy itself", log[-2000:])


def main_off(pg):
    with ChatEnv(users=["alice"], processes=0, apache="fcgid", pg=pg,
                 options={"galaxy_helper": "no"}) as env:
        tap.eq(me(env, "alice"), (200, "alice"), "galaxy_helper = no: alice gets in")
        tap.eq(helpers(env.binary), [], "... and no helper runs")
        rs = webservers.responders_of(env.binary)
        tap.ok(rs and all(maps_libpq(p) for p in rs), "... the processes ask Galaxy themselves", rs)


def main():
    for test in (main_helper, main_off):
        with pgserver.PgServer() as pg:
            test(pg)


if __name__ == "__main__":
    why = pgserver.available()
    if why:
        tap.skip("the galaxy helper with Galaxy on PostgreSQL", why)
        tap.done()
    tap.run(main)
