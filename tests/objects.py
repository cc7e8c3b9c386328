#!/usr/bin/python3
"""objects.py - GET /v1/objects (issue 20, the server side): cards of
Galaxy links for each reader, by Galaxy's own access rules, against a
Galaxy database made the way Galaxy makes it (SQLite here; objects_pg.py
runs this same main() on PostgreSQL), through the real binary.

Every rule from both sides: the owner, a user a history is shared with, a
stranger, a published and an importable history, a deleted and a purged
one, a public and an access-restricted dataset in a public history, a
dataset whose owner lacks its roles, a job of another user, an admin;
malformed, over-long, raw and foreign ids, ids of another kind, another
site's URL, URL tricks; the per-reader cache, the rate limit, galaxy_url
from Galaxy's galaxy_infrastructure_url and under a prefix.
"""
import datetime
import os
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from chatenv import ChatEnv  # noqa: E402
from galaxy_fixture import encode_id  # noqa: E402
from tap import ok, eq, run  # noqa: E402

SITE = "https://usegalaxy.example"
READERS = ("alice", "bob", "carol", "root")
NOT_FOUND = {"error": {"code": "not_found", "message": "no such Galaxy object, or you may not see it"}}
NOT_A_LINK = {"error": {"code": "not_found", "message": "not a link to an object of this site's Galaxy"}}
T0 = datetime.datetime(2024, 5, 6, 7, 8, 9, 123456)   # naive UTC, as Galaxy stores it


def card(env, reader, url, proc=0):
    """(status, body) of GET /v1/objects?url=url as reader."""
    st, _, body = env.api(reader, "GET", "/v1/objects",
                          query="url=" + urllib.parse.quote(url, safe=""), proc=proc)
    return st, body


class Fixture:
    """Galaxy objects for users alice (owner), bob (shared with; in group
    lab), carol (a stranger) and root (admin_users)."""

    def __init__(self, env):
        db, u = env.galaxy_db, env.user_ids
        self.env = env
        self.enc = lambda i: encode_id(env.secret, i)
        a, b, c = u["alice"], u["bob"], u["carol"]
        ra = db.add_role("alice@example.org", users=[a])
        rc = db.add_role("carol@example.org", users=[c])
        rab = db.add_role("alice and bob", type="sharing", users=[a, b])
        lab = db.add_group("lab", users=[b])
        rlab = db.add_role("lab members", type="system", groups=[lab])
        none_role = None
        h = {}
        h["private"] = db.add_history(a, "Private analysis", update_time=T0)
        h["published"] = db.add_history(a, "RNA-seq tutorial", importable=True, published=True,
                                        slug="rna-seq-tutorial", update_time=T0)
        h["shared"] = db.add_history(a, "Shared with bob", slug="shared-with-bob", shared_with=[b])
        h["importable"] = db.add_history(a, "Accessible via link", importable=True)
        h["published_only"] = db.add_history(a, "Published, not importable", published=True)
        h["deleted"] = db.add_history(a, "Deleted", importable=True, deleted=True, slug="gone")
        h["purged"] = db.add_history(a, "Purged", importable=True, deleted=True, purged=True)
        h["null_flags"] = db.add_history(a, "NULL flags", importable=None, deleted=None, purged=None)
        h["dup_private"] = db.add_history(a, "Same slug, private", slug="dup")
        h["dup_public"] = db.add_history(a, "Same slug, importable", importable=True, slug="dup")
        h["bobs"] = db.add_history(b, "Bob's work")
        h["tabbed"] = db.add_history(a, "tab\there\nnewline", importable=True)
        self.nameless = db.add_user("nameless@example.org", None)
        h["nameless"] = db.add_history(self.nameless, "No username", importable=True)
        self.h = h
        d = {}
        d["public"], ds_public = db.add_dataset(h["published"], "reads.fastq", "fastqsanger",
                                                file_size=1000, managed_by=rc, update_time=T0)
        d["alice_only"], _ = db.add_dataset(h["published"], "secret.bam", "bam", file_size=20000,
                                            restricted_to=[ra])
        d["alice_bob"], _ = db.add_dataset(h["published"], "shared.vcf", "vcf", file_size=300,
                                           restricted_to=[rab])
        d["public_in_private"], _ = db.add_dataset(h["private"], "counts.tsv", "tabular",
                                                   file_size=50, state="error")
        d["bob_only"], _ = db.add_dataset(h["shared"], "lab.txt", file_size=7,
                                          restricted_to=[rab, rlab])
        d["deleted"], _ = db.add_dataset(h["published"], "reads.fastq (deleted copy)", "fastqsanger",
                                         deleted=True, visible=False, dataset_id=ds_public,
                                         hda_state="failed_metadata")
        d["hidden"], _ = db.add_dataset(h["published"], "hidden.txt", file_size=4000, visible=False)
        d["null_role"], ds_null = db.add_dataset(h["published"], "null role", file_size=1)
        db.insert("dataset_permissions", action="access", dataset_id=ds_null, role_id=none_role)
        self.d = d
        j = {}
        j["restricted_out"] = db.add_job(a, "cat1", outputs=[d["alice_only"], d["public"]])
        j["public_out"] = db.add_job(a, "toolshed.g2.bx.psu.edu/repos/devteam/fastqc/fastqc/0.74+galaxy0",
                                     "0.74+galaxy0", state="error", exit_code=-9,
                                     outputs=[d["public_in_private"]])
        j["shared_out"] = db.add_job(a, "sort1", outputs=[d["alice_bob"]])
        j["bobs_no_out"] = db.add_job(b, "upload1", state="running", exit_code=None)
        j["bobs_lab"] = db.add_job(b, "wc_gnu", outputs=[d["bob_only"]])
        self.j = j
        w = {}
        w["published"], self.w_versions = db.add_workflow(a, "QC pipeline", steps=4, versions=2,
                                                          importable=True, published=True,
                                                          slug="qc-pipeline", update_time=T0)
        w["private"], _ = db.add_workflow(a, "Private workflow")
        w["shared"], _ = db.add_workflow(a, "Shared workflow", shared_with=[b])
        w["deleted"], _ = db.add_workflow(a, "Old workflow", importable=True, deleted=True,
                                          slug="old-wf")
        w["null_importable"], _ = db.add_workflow(a, "NULL importable", importable=None)
        self.w = w

    def url(self, kind, key):
        i = self.enc({"history": self.h, "dataset": self.d, "job": self.j, "workflow": self.w}[kind][key])
        return {"history": SITE + "/histories/view?id=%s",
                "dataset": SITE + "/api/datasets/%s/display?to_ext=txt",
                "job": SITE + "/jobs/%s/view",
                "workflow": SITE + "/published/workflow?id=%s"}[kind] % i


# (kind, key): the readers who get a card, as Galaxy would let them open it
# (with the two stricter choices: deleted objects for the owner and admins
# only, and Galaxy's slug rule).
ACCESS = {
    ("history", "private"): {"alice", "root"},
    ("history", "published"): set(READERS),
    ("history", "shared"): {"alice", "bob", "root"},
    ("history", "importable"): set(READERS),
    ("history", "published_only"): {"alice", "root"},
    ("history", "deleted"): {"alice", "root"},
    ("history", "purged"): {"alice", "root"},
    ("history", "null_flags"): {"alice", "root"},
    ("history", "bobs"): {"bob", "root"},
    ("dataset", "public"): set(READERS),
    ("dataset", "alice_only"): {"alice", "root"},
    ("dataset", "alice_bob"): {"alice", "bob", "root"},
    ("dataset", "public_in_private"): set(READERS),
    ("dataset", "bob_only"): {"bob", "root"},
    ("dataset", "deleted"): {"alice", "root"},
    ("dataset", "hidden"): set(READERS),
    ("dataset", "null_role"): {"root"},
    ("job", "restricted_out"): {"alice", "root"},
    ("job", "public_out"): set(READERS),
    ("job", "shared_out"): {"alice", "bob", "root"},
    ("job", "bobs_no_out"): {"bob", "root"},
    ("job", "bobs_lab"): {"bob", "root"},
    ("workflow", "published"): set(READERS),
    ("workflow", "private"): {"alice", "root"},
    ("workflow", "shared"): {"alice", "bob", "root"},
    ("workflow", "deleted"): {"alice", "root"},
    ("workflow", "null_importable"): {"alice", "root"},
}


def test_access(env, fx):
    for (kind, key), allowed in sorted(ACCESS.items()):
        got = {}
        for reader in READERS:
            st, body = card(env, reader, fx.url(kind, key))
            got[reader] = st
            if st == 200:
                ok(body["kind"] == kind, "%s %s for %s: a %s card" % (kind, key, reader, kind), body)
            elif st == 404:
                ok(body == NOT_FOUND, "%s %s for %s: the one 404 body" % (kind, key, reader), body)
        eq({r for r, st in got.items() if st == 200}, allowed,
           "%s %s: a card for exactly %s" % (kind, key, ", ".join(sorted(allowed))))
        eq({st for st in got.values()} - {200, 404}, set(), "%s %s: only 200 and 404" % (kind, key))


def test_cards(env, fx):
    enc = fx.enc
    st, c = card(env, "alice", SITE + "/histories/view?id=" + enc(fx.h["private"]))
    eq((st, c), (200, {
        "kind": "history", "id": enc(fx.h["private"]), "name": "Private analysis", "owner": "alice",
        "url": SITE + "/histories/view?id=" + enc(fx.h["private"]), "deleted": False,
        "visible_to_others": False, "sharing_url": SITE + "/histories/sharing?id=" + enc(fx.h["private"]),
        "size": 50, "datasets": 1, "updated": "2024-05-06T07:08:09Z"}),
        "the owner's card of a private history: sharing_url to Galaxy's sharing page")
    st, c = card(env, "root", SITE + "/histories/view?id=" + enc(fx.h["private"]))
    ok(st == 200 and c["visible_to_others"] is False and c["sharing_url"] is None,
       "an admin's card of it: not visible to others, but no sharing page (not root's)", c)
    st, c = card(env, "bob", SITE + "/histories/view?id=" + enc(fx.h["shared"]))
    ok(st == 200 and c["visible_to_others"] is False and c["sharing_url"] is None,
       "shared with bob: bob is warned too, but only the owner gets the sharing page", c)

    # the published history, by each reader: only the datasets they may open count
    pub = SITE + "/u/alice/h/rna-seq-tutorial"
    for reader, n, size in (("alice", 3, 1000 + 20000 + 300 + 4000),
                            ("bob", 2, 1000 + 300 + 4000),
                            ("carol", 1, 1000 + 4000),
                            ("root", 4, 1000 + 20000 + 300 + 4000 + 1)):
        st, c = card(env, reader, pub)
        ok(st == 200 and (c["datasets"], c["size"]) == (n, size),
           "published history for %s: %d datasets, %d bytes they may open" % (reader, n, size), c)
    ok(c["visible_to_others"] is True and c["sharing_url"] is None and c["id"] == enc(fx.h["published"]),
       "published: visible to others, the id is the history's", c)

    st, c = card(env, "alice", SITE + "/histories/view?id=" + enc(fx.h["deleted"]))
    ok(st == 200 and c["deleted"] is True and c["visible_to_others"] is False and c["sharing_url"] is None,
       "a deleted history: the owner's card is marked deleted, no sharing page", c)
    st, c = card(env, "alice", SITE + "/histories/view?id=" + enc(fx.h["tabbed"]))
    eq(c["name"], "tab here newline", "control characters in a name become spaces")
    st, c = card(env, "carol", SITE + "/histories/view?id=" + enc(fx.h["nameless"]))
    eq(c["owner"], "user#%d" % fx.nameless, "an owner without a username: the chat's handle, never the email")

    # datasets
    st, c = card(env, "carol", SITE + "/datasets/%s/details" % enc(fx.d["public"]))
    eq((st, c), (200, {
        "kind": "dataset", "id": enc(fx.d["public"]), "name": "reads.fastq", "owner": "alice",
        "url": SITE + "/datasets/%s/details" % enc(fx.d["public"]), "deleted": False,
        "visible_to_others": True, "sharing_url": None, "hid": 1, "extension": "fastqsanger",
        "state": "ok", "size": 1000,
        "history": {"id": enc(fx.h["published"]), "name": "RNA-seq tutorial",
                    "url": SITE + "/histories/view?id=" + enc(fx.h["published"])}}),
        "a public dataset in a published history, for a stranger (manage permissions grant nothing)")
    st, c = card(env, "carol", SITE + "/datasets/%s" % enc(fx.d["public_in_private"]))
    ok(st == 200 and c["history"] is None and c["state"] == "error" and c["name"] == "counts.tsv",
       "a public dataset in a private history: a card, and nothing of the history", c)
    st, c = card(env, "alice", SITE + "/datasets/%s" % enc(fx.d["public_in_private"]))
    ok(st == 200 and c["history"]["name"] == "Private analysis", "its owner sees the history", c)
    st, c = card(env, "alice", SITE + "/datasets/%s/edit" % enc(fx.d["alice_only"]))
    ok(st == 200 and c["visible_to_others"] is False and
       c["sharing_url"] == SITE + "/datasets/%s/edit" % enc(fx.d["alice_only"]),
       "a restricted dataset: its owner is sent to its permissions", c)
    st, c = card(env, "alice", SITE + "/datasets/%s" % enc(fx.d["deleted"]))
    ok(st == 200 and c["deleted"] is True and c["state"] == "failed_metadata",
       "a deleted copy: marked, and the HDA's own state wins over its dataset's", c)
    st, c = card(env, "bob", SITE + "/datasets/%s" % enc(fx.d["bob_only"]))
    ok(st == 200 and c["history"]["name"] == "Shared with bob",
       "bob holds both roles: a card, and the history shared with him", c)

    # jobs
    st, c = card(env, "carol", SITE + "/jobs/%s/view" % enc(fx.j["public_out"]))
    eq((st, c), (200, {
        "kind": "job", "id": enc(fx.j["public_out"]), "name": "fastqc", "owner": "alice",
        "url": SITE + "/jobs/%s/view" % enc(fx.j["public_out"]), "deleted": False,
        "visible_to_others": True, "sharing_url": None,
        "tool_id": "toolshed.g2.bx.psu.edu/repos/devteam/fastqc/fastqc/0.74+galaxy0",
        "tool_version": "0.74+galaxy0", "state": "error", "exit_code": -9,
        "created": c.get("created") if st == 200 else None}),
        "another user's job whose outputs are public: a card, never the command line")
    ok(st == 200 and c["created"].endswith("Z") and len(c["created"]) == 20, "created is ISO UTC", c)
    st, c = card(env, "bob", SITE + "/api/jobs/%s?full=true" % enc(fx.j["bobs_no_out"]))
    ok(st == 200 and c["exit_code"] is None and c["state"] == "running" and c["visible_to_others"] is False
       and c["sharing_url"] is None, "bob's running job: no exit code yet, no sharing page for jobs", c)
    st, c = card(env, "alice", SITE + "/?job_id=%s" % enc(fx.j["bobs_lab"]))
    eq((st, c), (404, NOT_FOUND), "bob's job with an output alice may not open: not for alice")

    # workflows
    wf = {"kind": "workflow", "id": enc(fx.w["published"]), "name": "QC pipeline", "owner": "alice",
          "url": SITE + "/published/workflow?id=" + enc(fx.w["published"]), "deleted": False,
          "visible_to_others": True, "sharing_url": None, "steps": 4, "updated": "2024-05-06T07:08:09Z"}
    for form in ("/published/workflow?id=%s" % enc(fx.w["published"]),
                 "/u/alice/w/qc-pipeline", "/u/alice/w/qc-pipeline/json",
                 "/workflows/run?id=%s&version=1" % enc(fx.w["published"]),
                 "/workflows/run?id=%s&instance=true" % enc(fx.w_versions[0]),
                 "/api/workflows/%s?instance=true" % enc(fx.w_versions[1]),
                 "/?workflow_id=%s" % enc(fx.w["published"])):
        eq(card(env, "carol", SITE + form), (200, wf), "workflow card from " + form)
    st, c = card(env, "alice", SITE + "/workflows/edit?id=" + enc(fx.w["private"]))
    ok(st == 200 and c["sharing_url"] == SITE + "/workflows/sharing?id=" + enc(fx.w["private"])
       and c["steps"] == 2, "a private workflow: its owner gets its sharing page", c)

    # tools: from the link alone
    eq(card(env, "carol", SITE + "/root?tool_id=toolshed.g2.bx.psu.edu/repos/devteam/fastqc/fastqc/0.74+galaxy0"),
       (200, {"kind": "tool", "id": "toolshed.g2.bx.psu.edu/repos/devteam/fastqc/fastqc/0.74+galaxy0",
              "name": "fastqc", "owner": None, "version": "0.74+galaxy0", "deleted": False,
              "visible_to_others": True, "sharing_url": None,
              "url": SITE + "/root?tool_id=toolshed.g2.bx.psu.edu/repos/devteam/fastqc/fastqc/0.74+galaxy0"
                     "&version=0.74+galaxy0"}), "a Tool Shed tool's card")
    st, c = card(env, "carol", SITE + "/?tool_id=Cut1&version=latest")
    ok(st == 200 and (c["id"], c["name"], c["version"], c["url"]) ==
       ("Cut1", "Cut1", None, SITE + "/root?tool_id=Cut1"), "a built-in tool, latest version", c)


def test_slugs(env, fx):
    enc = fx.enc
    for reader in READERS:
        st, c = card(env, reader, SITE + "/u/alice/h/dup")
        ok(st == 200 and c["id"] == enc(fx.h["dup_public"]),
           "two histories with one slug: the importable one, for %s too" % reader, c)
    for reader in ("alice", "root"):
        eq(card(env, reader, SITE + "/u/alice/h/gone"), (404, NOT_FOUND),
           "a deleted history's slug link: not found, even for %s (Galaxy's slug route)" % reader)
        eq(card(env, reader, SITE + "/u/alice/w/old-wf"), (404, NOT_FOUND),
           "a deleted workflow's slug link: not found for %s" % reader)
    eq(card(env, "bob", SITE + "/u/alice/h/shared-with-bob")[0], 200, "a shared history by slug, for bob")
    eq(card(env, "carol", SITE + "/u/alice/h/shared-with-bob"), (404, NOT_FOUND), "not for carol")
    eq(card(env, "carol", SITE + "/u/bob/h/rna-seq-tutorial"), (404, NOT_FOUND), "the slug of another user")
    eq(card(env, "carol", SITE + "/u/nobody/h/rna-seq-tutorial"), (404, NOT_FOUND), "a user who does not exist")
    eq(card(env, "carol", SITE + "/u/Alice/h/rna-seq-tutorial"), (404, NOT_FOUND), "usernames are exact")
    eq(card(env, "carol", SITE + "/u/alice/h/RNA-seq-tutorial"), (404, NOT_FOUND), "slugs are exact")


def test_ids(env, fx):
    enc, hid = fx.enc, fx.h["private"]
    bodies = []
    for what, url in (
            ("an id that exists nowhere", SITE + "/histories/view?id=" + enc(999999)),
            ("a private history of another user", SITE + "/histories/view?id=" + enc(hid)),
            ("a raw integer id", SITE + "/histories/view?id=%d" % hid),
            ("an id encoded with another site's secret",
             SITE + "/histories/view?id=" + encode_id("another Galaxy's id_secret", hid)),
            ("a malformed id (not a whole block)", SITE + "/histories/view?id=" + enc(hid)[:-2]),
            ("an over-long id (16 digits, 48 hex)", SITE + "/histories/view?id=" + encode_id(env.secret, 10 ** 15)),
            ("an extra block of '!' (Galaxy's decode_id strips it)",
             SITE + "/histories/view?id=" + encode_id(env.secret, "!!!!!!!!%d" % hid)),
            ("a leading zero", SITE + "/histories/view?id=" + encode_id(env.secret, "0%d" % hid)),
            ("hex letters for an id", SITE + "/histories/view?id=" + encode_id(env.secret, "abab")),
            ("a history id in a job link (no such job)", SITE + "/jobs/%s/view" % enc(fx.h["tabbed"]))):
        st, body = card(env, "carol", url)
        eq((st, body), (404, NOT_FOUND), what + ": the one 404")
        bodies.append(body)
    st, c = card(env, "carol", SITE + "/histories/view?id=" + enc(hid).upper())
    eq(st, 404, "upper-case hex of a private id: still 404")
    st, c = card(env, "alice", SITE + "/histories/view?id=" + enc(hid).upper())
    ok(st == 200 and c["id"] == enc(hid), "upper-case hex decodes, and the card's id is Galaxy's form", c)
    same = fx.h["private"]
    assert fx.d["public"] == same, "the fixture's first history and first HDA share a number"
    st, c = card(env, "carol", SITE + "/datasets/%s" % enc(same))
    ok(st == 200 and c["kind"] == "dataset" and c["name"] == "reads.fastq",
       "one cipher for every kind: a private history's id in a dataset link names the public "
       "dataset with that number", c)


def test_links(env, fx):
    good = fx.enc(fx.h["published"])
    for what, url in (
            ("another site", "https://evil.example/histories/view?id=" + good),
            ("another site ending like ours", "https://evilusegalaxy.example/histories/view?id=" + good),
            ("our host as a subdomain of another", "https://usegalaxy.example.evil.example/histories/view?id=" + good),
            ("http for https", "http://usegalaxy.example/histories/view?id=" + good),
            ("another port", "https://usegalaxy.example:8443/histories/view?id=" + good),
            ("'@' in the authority (goes to evil.example)", "https://usegalaxy.example@evil.example/histories/view?id=" + good),
            ("user info before our host", "https://evil.example@usegalaxy.example/histories/view?id=" + good),
            ("a percent-encoded host", "https://usegalaxy%2Eexample/histories/view?id=" + good),
            ("a backslash", "https://usegalaxy.example\\@evil.example/histories/view?id=" + good),
            ("a path traversal", SITE + "/static/../histories/view?id=" + good),
            ("an encoded path traversal", SITE + "/static/%2e%2e/histories/view?id=" + good),
            ("an encoded slash", SITE + "/histories%2Fview?id=" + good),
            ("the id twice", SITE + "/histories/view?id=%s&id=%s" % (good, fx.enc(fx.h["private"]))),
            ("a page that is no object", SITE + "/histories/list"),
            ("a relative link", "/histories/view?id=" + good),
            ("not a URL", "hello"),
            ("an id of 65 hex digits", SITE + "/histories/view?id=" + "a" * 65)):
        eq(card(env, "alice", url), (404, NOT_A_LINK), what + ": a plain link")
    for what, url in (("percent-encoding in the path", SITE + "/%68istories/view?id=" + good),
                      ("a fragment", SITE + "/histories/view?id=%s#datasets" % good),
                      ("an upper-case host and the default port", "https://UseGalaxy.EXAMPLE:443/histories/view?id=" + good)):
        st, c = card(env, "carol", url)
        ok(st == 200 and c["id"] == good, what + ": the same history", c)
    st, _, body = env.api("alice", "GET", "/v1/objects")
    ok(st == 400 and body["error"]["code"] == "bad_request", "no url: 400", body)
    st, _, body = env.api("alice", "GET", "/v1/objects", query="url=")
    eq(st, 400, "an empty url: 400")
    st, _, body = env.api("alice", "GET", "/v1/objects", query="url=" + "a" * 3000)
    eq(st, 400, "a url over 2048 bytes: 400")
    st, _, body = env.api("alice", "GET", "/v1/objects", query="url=%zz")
    eq(st, 400, "bad percent-encoding: 400")
    st, _, body = env.api(None, "GET", "/v1/objects", query="url=" + urllib.parse.quote(SITE + "/jobs/x/view"))
    eq(st, 401, "no cookie: 401")
    st, h, _ = env.api("alice", "POST", "/v1/objects")
    eq((st, h.get("allow")), (405, "GET"), "POST: 405")
    st, _, me = env.api("alice", "GET", "/v1/me")
    eq(me.get("galaxy_url"), SITE, "GET /v1/me names galaxy_url, whose links the client asks about")


def test_cache(env, fx):
    """A card is kept per reader for auth_cache_seconds (2 here)."""
    db, url = env.galaxy_db, SITE + "/histories/view?id=" + fx.enc(fx.h["bobs"])
    eq(card(env, "bob", url)[0], 200, "bob's history: bob's card")
    eq(card(env, "carol", url), (404, NOT_FOUND), "carol's 404 (cached for carol)")
    db.update("history", fx.h["bobs"], importable=True)
    eq(card(env, "carol", url)[0], 404, "made importable: carol's cached answer stands within the window")
    st, c = card(env, "bob", url)
    ok(st == 200 and c["visible_to_others"] is False, "bob's cached card too", c)
    time.sleep(2.5)
    eq(card(env, "carol", url)[0], 200, "after auth_cache_seconds carol gets the card")
    db.update("history", fx.h["bobs"], importable=False, deleted=True)
    eq(card(env, "carol", url)[0], 200, "deleted: carol's cached card stands within the window")
    time.sleep(2.5)
    eq(card(env, "carol", url), (404, NOT_FOUND), "then it is gone")
    st, c = card(env, "bob", url)
    ok(st == 200 and c["deleted"] is True, "and bob's is marked deleted", c)


def main(pg=None):
    with ChatEnv(users=READERS, admins=["root"], pg=pg,
                 options={"galaxy_url": SITE + "/", "object_rate": "off"}) as env:
        fx = Fixture(env)
        test_access(env, fx)
        test_cards(env, fx)
        test_slugs(env, fx)
        test_ids(env, fx)
        test_links(env, fx)
        test_cache(env, fx)
        if pg:
            test_pg_connections(env, fx, pg)
    if not pg:
        test_config()


def test_config():
    """galaxy_url from Galaxy's galaxy_infrastructure_url, under a prefix;
    none at all; the rate limit (the Galaxy database's kind does not matter)."""
    prefixed = "https://galaxy.example.org/galaxy"
    with ChatEnv(users=["alice", "bob"], options={"object_rate": "3/1m"},
                 galaxy_options={"galaxy_infrastructure_url": prefixed + "/"}) as env:
        h = env.galaxy_db.add_history(env.user_ids["alice"], "Mine")
        enc = encode_id(env.secret, h)
        st, c = card(env, "alice", prefixed + "/histories/view?id=" + enc)
        ok(st == 200 and c["url"] == prefixed + "/histories/view?id=" + enc and
           c["sharing_url"] == prefixed + "/histories/sharing?id=" + enc,
           "galaxy_url defaults to galaxy_infrastructure_url; card links keep its prefix", c)
        eq(card(env, "alice", "https://galaxy.example.org/histories/view?id=" + enc), (404, NOT_A_LINK),
           "outside the prefix: a plain link")
        eq(card(env, "alice", prefixed + "/../histories/view?id=" + enc), (404, NOT_A_LINK),
           "out of the prefix by '..': a plain link")
        st, hdr, body = env.api("alice", "GET", "/v1/objects", query="url=x")
        ok(st == 429 and body["error"]["code"] == "rate_limited" and int(hdr.get("retry-after", "0")) >= 1,
           "the fourth request in a minute (object_rate 3/1m): 429 with Retry-After", body)
        eq(card(env, "bob", prefixed + "/histories/view?id=" + enc), (404, NOT_FOUND),
           "another user's limit is their own")

    with ChatEnv(users=["alice"]) as env:
        st, _, me = env.api("alice", "GET", "/v1/me")
        eq(me.get("galaxy_url"), None, "no galaxy_url nor galaxy_infrastructure_url: none")
        eq(card(env, "alice", SITE + "/histories/view?id=" + encode_id(env.secret, 1)), (404, NOT_A_LINK),
           "then no link is a Galaxy link")


def test_pg_connections(env, fx, pg):
    """One query per card on the pool's connections: no new connection per
    request, and a restarted PostgreSQL is used again by the next card."""
    def backends():
        out = pg.psql("SELECT pid, backend_start FROM pg_stat_activity"
                      " WHERE application_name = 'galaxy-chat' ORDER BY pid", db="galaxy")
        return [line for line in out.splitlines() if line.strip()]
    card(env, "carol", fx.url("history", "published"))
    before = backends()
    for i in range(30):
        card(env, "carol", SITE + "/histories/view?id=" + fx.enc(1000 + i))
    after = backends()
    ok(1 <= len(before) <= 4 and after == before,
       "30 cards later: the same %d Galaxy connection(s), none new" % len(before), (before, after))
    pg.stop()
    st, _, body = env.api("carol", "GET", "/v1/objects",
                          query="url=" + urllib.parse.quote(fx.url("history", "importable"), safe=""))
    ok(st == 503 and body["error"]["code"] == "unavailable", "PostgreSQL down: 503", body)
    pg.start()
    st, c = card(env, "carol", fx.url("workflow", "published"))
    ok(st == 200 and c["steps"] == 4, "PostgreSQL back: the next card is answered", c)


if __name__ == "__main__":
    run(main)
