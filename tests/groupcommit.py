"""Group commit of posts (postbatch.c, store_post_batch): 16 concurrent
senders through one process, each message stored exactly once (also when
two threads send the same client_id at once, so that both may be in one
batch), in each sender's order, a refusal refusing only its own post, and
fewer write transactions than messages (the batches); then SIGKILLs of the
process during the batches, senders retrying with their client_ids, and no
acknowledged message lost. main(store_url) runs the same on PostgreSQL
(tests/groupcommit_pg.py)."""

import os
import random
import signal
import struct
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from chatenv import ChatEnv, BINARY, connectable, wait_for  # noqa: E402
from tap import ok, eq, run  # noqa: E402

SENDERS = 16
KILLS = 8
USERS = ["u%02d" % i for i in range(SENDERS)] + ["outsider", "reader"]


def write_transactions(env):
    """The wake file's write counter (wake.c): SQLite write transactions
    ended, by every process of the store."""
    with open(env.store + "-wake", "rb") as f:
        return struct.unpack("=II", f.read(8))[1]


def read_all(env, user):
    """Every message event user sees, following cursors from 0."""
    cursor, seen = 0, []
    for _ in range(400):
        b = env.api(user, "GET", "/v1/events", query="since=%d&timeout=0" % cursor)[2]
        seen += [e for e in b["events"] if e["type"] == "message"]
        if b["cursor"] == cursor:
            break
        cursor = b["cursor"]
    return seen


def check_store(env, acked, label):
    seen = read_all(env, "reader")
    ids = [e["id"] for e in seen]
    eq(ids, sorted(set(ids)), label + ": a poller sees strictly increasing ids")
    texts = [e["text"] for e in seen]
    eq(sorted(texts), sorted(set(texts)), label + ": no message stored twice")
    eq({e["text"]: e["id"] for e in seen if e["text"] in acked}, acked,
       label + ": every acknowledged message is stored, with the id its sender was given")
    order = {}
    for e in seen:
        order.setdefault(e["text"].split("-")[0], []).append(int(e["text"].split("-")[1]))
    ok(all(v == sorted(v) for v in order.values()), label + ": each sender's messages in its order")
    return seen


def concurrent(store_url):
    per = 30
    with ChatEnv(users=USERS, processes=1, store_url=store_url,
                 options={"rate": "off", "workers": str(SENDERS + 2)}) as env:
        acked, bad = {}, []
        lock = threading.Lock()
        start = threading.Barrier(2 * SENDERS + 1)

        def sender(t, twin):
            user = USERS[t]
            start.wait(30)
            for i in range(per):
                cid = "%s-%03d" % (user, i)
                st, _, body = env.api(user, "POST", "/v1/messages", timeout=30,
                                      body={"room": "all", "text": cid, "client_id": cid})
                with lock:
                    if st not in (200, 201):
                        bad.append((cid, st))
                    elif acked.setdefault(cid, body["id"]) != body["id"]:
                        bad.append((cid, "two ids", acked[cid], body["id"]))

        refused = []

        def outsider():
            start.wait(30)
            for i in range(per):
                refused.append(env.api("outsider", "POST", "/v1/messages", timeout=30,
                                       body={"room": "NGS", "text": "not a member %d" % i})[0])
        before = None if store_url else write_transactions(env)
        threads = [threading.Thread(target=sender, args=(t, w)) for t in range(SENDERS) for w in (0, 1)]
        threads.append(threading.Thread(target=outsider))
        for th in threads:
            th.start()
        for th in threads:
            th.join(180)
        eq(bad, [], "every post acknowledged, a client_id sent twice at once with one id")
        eq(len(acked), SENDERS * per, "one acknowledgement per message")
        eq(refused, [403] * per, "a post refused inside a batch refuses only itself")
        if before is not None:
            writes = write_transactions(env) - before
            ok(writes < len(acked) * 3 // 4,
               "posts committed together: %d write transactions for %d messages (and %d twins)"
               % (writes, len(acked), len(acked)))
        check_store(env, acked, "16 concurrent senders")


def restart(env):
    p = env.procs[0]
    if p.poll() is None:
        p.send_signal(signal.SIGKILL)
    p.wait(15)
    if os.path.exists(env.sockets[0]):
        os.unlink(env.sockets[0])   # left behind by SIGKILL
    with open(os.path.join(env.dir, "chat-0.log"), "ab") as log:
        env.procs[0] = subprocess.Popen([BINARY, "-c", env.config, "--listen", "unix:" + env.sockets[0]],
                                        stdout=log, stderr=log, stdin=subprocess.DEVNULL)
    wait_for(lambda: connectable(env.sockets[0]) or env.procs[0].poll() is not None, 10, "restart")


def killed(store_url):
    per = 20
    with ChatEnv(users=USERS, processes=1, store_url=store_url,
                 options={"rate": "off", "workers": str(SENDERS)}) as env:
        acked, bad = {}, []
        lock = threading.Lock()
        done = threading.Event()

        def sender(t):
            user = USERS[t]
            i = 0
            while i < per or not done.is_set():
                i += 1
                cid = "%s-%03d" % (user, i)
                for attempt in range(400):
                    try:
                        st, _, body = env.api(user, "POST", "/v1/messages", timeout=10,
                                              body={"room": "all", "text": cid, "client_id": cid})
                    except (OSError, ConnectionError):
                        st = None
                    if st in (200, 201):
                        with lock:
                            if acked.setdefault(cid, body["id"]) != body["id"]:
                                bad.append((cid, acked[cid], body["id"]))
                        break
                    time.sleep(0.05)

        kills = [0]

        def killer():   # kills while the senders send, then lets them finish
            rng = random.Random(23)
            while kills[0] < KILLS:
                time.sleep(rng.uniform(0.1, 0.3))
                restart(env)
                kills[0] += 1
            done.set()
        threads = [threading.Thread(target=sender, args=(t,)) for t in range(SENDERS)]
        k = threading.Thread(target=killer)
        k.start()
        for th in threads:
            th.start()
        k.join(120)
        for th in threads:
            th.join(240)
        done.set()
        if env.procs[0].poll() is not None:
            restart(env)
        eq(kills[0], KILLS, "the process was killed %d times during the batches" % KILLS)
        eq(bad, [], "a retried client_id always got the same id")
        ok(len(acked) >= SENDERS * per, "every message acknowledged in the end (%d)" % len(acked))
        check_store(env, acked, "SIGKILLs during batches")


def main(store_url=None):
    concurrent(store_url)
    killed(store_url)


if __name__ == "__main__":
    run(main)
