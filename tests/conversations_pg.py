"""tests/conversations.py, replies, threads, edits, reactions, solved marks,
open questions and direct history, with the message store on a real
PostgreSQL server instead of an SQLite file."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import conversations  # noqa: E402
import pgserver  # noqa: E402
from tap import run, skip, done  # noqa: E402


def main():
    with pgserver.PgServer() as pg:
        pg.create_role_and_db("chat", password="pw")
        conversations.main(store_url=pg.url("chat", user="chat", password="pw"), pg=pg, db="chat")


if __name__ == "__main__":
    why = pgserver.available()
    if why:
        skip("the conversations suite on a PostgreSQL store", why)
        done()
    run(main)
