"""tests/groupcommit.py with the message store on a real PostgreSQL server:
PostgreSQL's posts are batched too (one transaction, one advisory lock and
one commit for the posts that meet in postbatch.c)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import groupcommit  # noqa: E402
import pgserver  # noqa: E402
from tap import run, skip, done  # noqa: E402


def main():
    with pgserver.PgServer() as pg:
        pg.create_role_and_db("chat", password="chat pw")
        groupcommit.main(store_url=pg.url("chat", user="chat", password="chat pw"))


if __name__ == "__main__":
    why = pgserver.available()
    if why:
        skip("group commit on a PostgreSQL store", why)
        done()
    run(main)
