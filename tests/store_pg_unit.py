"""Runs the one store test suite (tests/unit/test_store, which make check
runs on SQLite) on the PostgreSQL driver, against a throwaway server:
starts it, passes the store URL in GC_TEST_PG_STORE, and relays the
test's TAP. A second, empty database is where the suite makes a store of an
older schema version to upgrade (GC_TEST_PG_OLD_STORE)."""

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
        pg.psql('CREATE DATABASE "chat_old" OWNER "chat";')   # for a store of an older schema
        env = dict(os.environ, GC_TEST_PG_STORE=pg.url("chat", user="chat", password="pw"),
                   GC_TEST_PG_OLD_STORE=pg.url("chat_old", user="chat", password="pw"))
        p = subprocess.run([os.path.join(BUILDDIR, "tests", "unit", "test_store")], env=env,
                           stdout=subprocess.PIPE, text=True, timeout=300)
        sys.stdout.write(p.stdout)
        sys.exit(p.returncode)


main()
