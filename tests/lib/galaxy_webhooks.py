"""Galaxy's answer to GET /api/webhooks for a list of webhooks_dir
directories, built the way Galaxy builds it, for tests/webhook.py's stand-in
of Galaxy's page (tests/browser/galaxy.html).

What it reproduces, read in Galaxy's own source (no code of it is copied):
lib/galaxy/webhooks/__init__.py, WebhooksRegistry and Webhook.to_dict, as
in releases 23.0 to 26.x (config.yml beside script.js and styles.css; not
the older layout of config/ and static/ subdirectories with a `name` key):

* every sub-directory of every webhooks_dir entry is one webhook, listed
  in os.listdir order; plain files there are skipped;
* its config is config.yml, else config.yaml, read with yaml.safe_load; a
  directory with neither is skipped;
* weight defaults to 1 and must be at least 1; activate defaults to false;
  id and type are taken as they are (None when missing);
* styles.css is read with its newlines removed, script.js as UTF-8, both
  '' when missing; __init__.py, when present, is the helper Galaxy serves
  at /api/webhooks/{id}/data (not part of the answer);
* to_dict(): id, type, activate, weight, styles, script, config (the whole
  YAML).

Galaxy logs a webhook that fails to load and goes on without it; here the
failure is returned (registry() -> (webhooks, problems)) so a test can fail
on it.

Needs Debian's python3-yaml (PyYAML, which Galaxy uses too).
"""

import os

import yaml


def load_one(path):
    """The to_dict() of the webhook in directory `path`, or None (skipped, as Galaxy does)."""
    config_file = None
    for name in ("config.yml", "config.yaml"):
        if os.path.isfile(os.path.join(path, name)):
            config_file = os.path.join(path, name)
            break
    if not config_file:
        return None
    with open(config_file) as f:
        config = yaml.safe_load(f)
    weight = config.get("weight", 1)
    if weight < 1:
        raise ValueError("Webhook weight must be greater or equal 1.")
    styles = script = ""
    try:
        with open(os.path.join(path, "styles.css")) as f:
            styles = f.read().replace("\n", "")
    except OSError:
        pass
    try:
        with open(os.path.join(path, "script.js"), encoding="utf-8") as f:
            script = f.read()
    except OSError:
        pass
    return {"id": config.get("id"), "type": config.get("type"), "activate": config.get("activate", False),
            "weight": weight, "styles": styles, "script": script, "config": config}


def registry(webhooks_dirs):
    """(the list GET /api/webhooks answers, [(directory, error), ...])."""
    hooks, problems = [], []
    for d in webhooks_dirs:
        for name in os.listdir(d):
            path = os.path.join(d, name)
            if not os.path.isdir(path):
                continue
            try:
                hook = load_one(path)
            except Exception as e:  # Galaxy: log.exception(e), and on to the next
                problems.append((path, "%s: %s" % (type(e).__name__, e)))
                continue
            if hook is not None:
                hooks.append(hook)
    return hooks, problems
