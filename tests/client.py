#!/usr/bin/python3
"""The web client's node-side tests (tests/browser/units.test.mjs: every
module of www/js loads, the pure helpers work), printing TAP for
`make check`.

Run twice: from the source tree, and from a copy of it placed under a folder
whose package.json says "type": "commonjs" (issue 22, point 8: node takes
the module type of a .js file from the nearest package.json above it, so
without www/package.json a clone under such a folder read www/js/*.js as
CommonJS and failed with "SyntaxError: Unexpected token 'export'")."""

import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.environ.get("GC_SRCDIR") or os.path.dirname(HERE)
sys.path.insert(0, os.path.join(SRCDIR, "tests", "lib"))
from tap import diag, ok, run  # noqa: E402

UNITS = os.path.join("tests", "browser", "units.test.mjs")


def node_test(node, tree):
    """Runs the unit file of `tree`; (passed, output)."""
    p = subprocess.run([node, "--test", "--test-reporter=tap", os.path.join(tree, UNITS)],
                       cwd=tree, capture_output=True, text=True, timeout=120)
    return p.returncode == 0, p.stdout + p.stderr


def loads_as_esm(node, path):
    """Whether node loads the .js file at path as an ES module."""
    p = subprocess.run([node, "--input-type=module", "-e", "await import(%s)" % json.dumps("file://" + path)],
                       capture_output=True, text=True, timeout=60)
    return p.returncode == 0, p.stderr


def main():
    node = shutil.which("node")
    if not node:
        print("Bail out! node is not installed (Debian: apt-get install nodejs)", flush=True)
        sys.exit(1)

    passed, out = node_test(node, SRCDIR)
    ok(passed, "the client's node-side tests pass in the source tree", out)

    with tempfile.TemporaryDirectory(prefix="gc-client-") as outer:
        with open(os.path.join(outer, "package.json"), "w") as f:
            json.dump({"name": "someone-elses-project", "type": "commonjs"}, f)
        # The folder above really is CommonJS: a plain ES module there fails.
        probe = os.path.join(outer, "probe.js")
        with open(probe, "w") as f:
            f.write("export const x = 1;\n")
        esm, err = loads_as_esm(node, probe)
        ok(not esm, "a .js module directly under the CommonJS package.json does not load", err)

        clone = os.path.join(outer, "galaxy-chat")
        no_modules = shutil.ignore_patterns("node_modules")
        shutil.copytree(os.path.join(SRCDIR, "www"), os.path.join(clone, "www"), ignore=no_modules)
        shutil.copytree(os.path.join(SRCDIR, "tests", "browser"), os.path.join(clone, "tests", "browser"),
                        ignore=no_modules)
        passed, out = node_test(node, clone)
        ok(passed, "and from a copy of the tree under a CommonJS package.json", out)
        if not passed:
            diag("www/package.json must declare \"type\": \"module\"")


if __name__ == "__main__":
    run(main)
