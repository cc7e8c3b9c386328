#!/usr/bin/python3
"""tests/objects.py, every card rule, with Galaxy's database on a real
PostgreSQL server instead of SQLite; also that cards use the pool's
connections (none new per request) and survive a restart of the server."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import objects  # noqa: E402
import pgserver  # noqa: E402
from tap import run, skip, done  # noqa: E402


def main():
    with pgserver.PgServer() as pg:
        objects.main(pg=pg)


if __name__ == "__main__":
    why = pgserver.available()
    if why:
        skip("object cards on a PostgreSQL Galaxy database", why)
        done()
    run(main)
