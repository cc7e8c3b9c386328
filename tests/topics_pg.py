"""tests/topics.py, room topics and pins, with the message store on a real
PostgreSQL server (store = postgresql://...) instead of an SQLite file."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pgserver  # noqa: E402
import topics  # noqa: E402
from tap import run, skip, done  # noqa: E402


def main():
    with pgserver.PgServer() as pg:
        pg.create_role_and_db("chat", password="chat pw")
        topics.main(store_url=pg.url("chat", user="chat", password="chat pw"))


if __name__ == "__main__":
    why = pgserver.available()
    if why:
        skip("topics and pins on a PostgreSQL store", why)
        done()
    run(main)
