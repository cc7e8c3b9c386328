#!/usr/bin/python3
"""Browser test of the web client (www/), printing TAP for `make check`.

Starts the real stack with ChatEnv (Galaxy database fixture, galaxy-chat,
nginx serving www/ at /chat/ and the API at /chat/api/), then runs
tests/browser/chat.test.mjs with node's test runner, which drives Debian's
chromium through playwright-core.  Node's TAP is relayed as it comes; the
exit status is node's.

The node test stops and restarts the responder through a small control
server on 127.0.0.1 (POST /stop_chat, POST /start_chat, and POST
/restart_chat?key=value...: the responder again with those [chat] keys
added to the test's config), since ChatEnv lives in this process.

Finding node, playwright-core and chromium, the control server and the
relaying of node's TAP are tests/lib/nodetest.py's (shared with
tests/webhook.py).
"""

import atexit
import contextlib
import json
import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.environ.get("GC_SRCDIR") or os.path.dirname(HERE)
sys.path.insert(0, os.path.join(SRCDIR, "tests", "lib"))
import nodetest  # noqa: E402
from nodetest import cookie  # noqa: E402

TEST_FILE = os.path.join(SRCDIR, "tests", "browser", "chat.test.mjs")
# Usernames come from Galaxy's database; the client must show any of them
# as text, and "__proto__" must be just another name. MALLORY's is one
# Galaxy's rule refuses: the chat calls her by the handle user#<id>, which
# the client must take as a name like any other ('#' and all).
MALLORY = 'mallory<img src=x onerror="window.__pwned=\'name\'">'
# The Galaxy whose links get cards (galaxy_url): never asked, links only.
GALAXY = "https://usegalaxy.example"
# Card readers (issue 20): bob owns the Galaxy objects, carol has one shared
# with her, dave is a stranger, erin is for the rate limit alone.
CARD_USERS = ["carol", "dave", "erin"]


# The client behind a proxy that holds answers back until they are whole
# (nginx buffering, deaf to X-Accel-Buffering): a stream cannot be held
# there, and the client must fall back to the long poll by itself.
BUFFERING = """        location /buffered/chat/api/ {
            fastcgi_pass galaxy_chat;
            include fastcgi_params;
            fastcgi_split_path_info ^(/buffered/chat/api)(/.*)$;
            fastcgi_param SCRIPT_NAME $fastcgi_script_name;
            fastcgi_param PATH_INFO $fastcgi_path_info;
            fastcgi_buffering on;
            fastcgi_ignore_headers X-Accel-Buffering;
            fastcgi_read_timeout 300s;
        }
        location /buffered/chat/ {
            alias %(www)s/;
            index index.html;
        }
        location = / { return 302 /chat/; }
"""


def screenshot_path():
    """$GC_SCREENSHOT when set (to refresh the README's picture:
    GC_SCREENSHOT=$PWD/doc/screenshot.png make check TESTS=tests/browser.py),
    else a file in a temporary directory, so a test run changes nothing in
    the source tree."""
    if os.environ.get("GC_SCREENSHOT"):
        return os.environ["GC_SCREENSHOT"]
    d = tempfile.mkdtemp(prefix="gc-browser-")
    atexit.register(shutil.rmtree, d, True)
    return os.path.join(d, "screenshot.png")


def galaxy_objects(env):
    """Galaxy objects of bob's in the fixture, as the links to them
    (GC_GALAXY_OBJECTS for the node test)."""
    from galaxy_fixture import encode_id
    db, u = env.galaxy_db, env.user_ids
    enc = lambda i: encode_id(env.secret, i)   # noqa: E731
    bob = u["bob"]
    private = db.add_history(bob, "Private analysis")
    shared = db.add_history(bob, "Shared with carol", shared_with=[u["carol"]])
    published = db.add_history(bob, "RNA-seq tutorial", importable=True, published=True, slug="rna-seq")
    nasty = db.add_history(bob, '<img src=x onerror="window.__pwned=\'card\'">', importable=True)
    deleted = db.add_history(bob, "Old work", deleted=True)
    ok, _ = db.add_dataset(published, "reads.fastq", "fastqsanger", file_size=1536)
    failed, _ = db.add_dataset(published, "counts.tsv", "tabular", state="error", file_size=20)
    wf, _ = db.add_workflow(bob, "QC pipeline", steps=4, importable=True, published=True)
    return {
        "site": GALAXY,
        "private": GALAXY + "/histories/view?id=" + enc(private),
        "private_sharing": GALAXY + "/histories/sharing?id=" + enc(private),
        "shared": GALAXY + "/histories/view?id=" + enc(shared),
        "published": GALAXY + "/u/bob/h/rna-seq",
        "nasty": GALAXY + "/histories/view?id=" + enc(nasty),
        "deleted": GALAXY + "/histories/view?id=" + enc(deleted),
        "dataset_ok": GALAXY + "/datasets/%s/details" % enc(ok),
        "dataset_error": GALAXY + "/datasets/%s/details" % enc(failed),
        "workflow": GALAXY + "/published/workflow?id=" + enc(wf),
        "foreign": "https://usegalaxy.example.evil.example/histories/view?id=" + enc(published),
    }


# A search too broad to finish (issue 15.2's "partial" answer, shown by
# the client): HAYSTACK_N messages of 16 one-letter words in a room alice is
# not in, written straight into the store as an admin's shell would (as
# tests/search.py does); with search_timeout_ms low, a search for those
# words stops before it has read them.  Only "hay" is in the room: no page
# ever polls for its 150,000 events.
HAYSTACK_N = 150000
HAYSTACK_Q = "a b c d e f g h i j k l m n o p"


def haystack(env):
    """The haystack room; what GC_HAYSTACK tells the node test."""
    import sqlite3
    room = "haystack"
    st, _, _ = env.api("hay", "POST", "/v1/rooms/%s/join" % room, {})
    assert st == 200, st
    with sqlite3.connect(env.store, timeout=30) as con:
        con.execute("INSERT INTO events (ts, type, room_id, user_id, username, text)"
                    " SELECT '2026-01-01T00:00:00.000Z', 'message', (SELECT id FROM rooms WHERE name = ?),"
                    " ?, 'hay', ? FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT ?)"
                    " SELECT x FROM c)", (room, env.user_ids["hay"], HAYSTACK_Q, HAYSTACK_N))
    return {"room": room, "q": HAYSTACK_Q}


def main():
    node, playwright, chromium = nodetest.tools()

    import chatenv

    # No allowed_origins: the page's own origin (http://127.0.0.1:PORT, with
    # Debian's nginx passing HTTP_HOST without the port) must be enough.
    # A work directory of our own (ChatEnv keeps a given one; we remove it).
    workdir = tempfile.mkdtemp(prefix="gc-browser-")
    atexit.register(shutil.rmtree, workdir, True)
    # alice is a Galaxy admin (admin_users): the mute controls and admin deletes are hers.
    with chatenv.ChatEnv(users=["alice", "bob", MALLORY, "__proto__", "hay"] + CARD_USERS, admins=["alice"],
                         nginx=True, workdir=workdir, options={"galaxy_url": GALAXY},
                         nginx_locations=BUFFERING % {"www": os.path.join(SRCDIR, "www")}) as env:
        with nodetest.control(env) as control_url:
            child_env = {
                "GC_BASE_URL": env.base_url,
                "GC_BUFFERED_URL": env.base_url.replace("/chat/", "/buffered/chat/"),
                "GC_COOKIE_ALICE": cookie(env, "alice"),
                "GC_COOKIE_BOB": cookie(env, "bob"),
                "GC_MALLORY": MALLORY,
                "GC_MALLORY_NAME": "user#%d" % env.user_ids[MALLORY],
                "GC_COOKIE_MALLORY": cookie(env, MALLORY),
                "GC_COOKIE_PROTO": cookie(env, "__proto__"),
                "GC_GALAXY_OBJECTS": json.dumps(galaxy_objects(env)),
                "GC_HAYSTACK": json.dumps(haystack(env)),
                **{"GC_COOKIE_" + u.upper(): cookie(env, u) for u in CARD_USERS},
                "GC_CONTROL_URL": control_url,
                "GC_PLAYWRIGHT_CORE": playwright,
                "GC_CHROMIUM": chromium,
                "GC_SCREENSHOT": screenshot_path(),
            }
            if getattr(env, "api_url", None):
                child_env["GC_API_URL"] = env.api_url
            with compat_env(chatenv) as compat:
                if compat:
                    child_env["GC_COMPAT_URL"] = getattr(compat.apache, "url_7070", None) \
                        or "http://127.0.0.1:%d/" % compat.apache.port_7070
                    child_env["GC_COMPAT_COOKIE_ALICE"] = cookie(compat, "alice")
                return nodetest.run(node, [TEST_FILE], child_env)


@contextlib.contextmanager
def compat_env(chatenv):
    """Galaxy 16.07-20.09's layout: Apache's :7070 vhost from
    etc/apache/galaxy-chat-7070.conf, the page at / and the API at /api/.
    Yields None, and says why, where Apache or mod_fcgid is not installed."""
    apache = os.environ.get("GC_APACHE", "/usr/sbin/apache2")
    modules = os.environ.get("GC_APACHE_MODULES", "/usr/lib/apache2/modules")
    if not os.access(apache, os.X_OK) or not os.path.exists(os.path.join(modules, "mod_fcgid.so")):
        print("# the old-Galaxy vhost is not tested here: no apache2 with mod_fcgid", flush=True)
        yield None
        return
    workdir = tempfile.mkdtemp(prefix="gc-browser-7070-")
    atexit.register(shutil.rmtree, workdir, True)
    with chatenv.ChatEnv(users=["alice"], processes=0, apache="fcgid", workdir=workdir) as env:
        yield env


if __name__ == "__main__":
    sys.exit(main())
