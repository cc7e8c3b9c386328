"""Runs the one store test suite (tests/unit/test_store, which make check
runs on SQLite) on the PostgreSQL driver, against a throwaway server:
starts it, passes the store URL in GC_TEST_PG_STORE, and relays the
test's TAP."""

import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import pgserver  # noqa: E402
from tap import skip, done  # noqa: E402

BUILDDIR = os.environ.get("GC_BUILDDIR") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def main():
    why = pgserver.available()
    if why:
        skip("the store test suite on PostgreSQL", why)
        done()
    with pgserver.PgServer() as pg:
        pg.create_role_and_db("chat", password="pw")
        env = dict(os.environ, GC_TEST_PG_STORE=pg.url("chat", user="chat", password="pw"))
        p = subprocess.run([os.path.join(BUILDDIR, "tests", "unit", "test_store")], env=env,
                           stdout=subprocess.PIPE, text=True, timeout=300)
        sys.stdout.write(p.stdout)
        sys.exit(p.returncode)


main()
