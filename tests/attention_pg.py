"""tests/attention.py, mentions, read markers, unread counts and settings,
with the message store on a real PostgreSQL server."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import attention  # noqa: E402
import pgserver  # noqa: E402
from tap import run, skip, done  # noqa: E402


def main():
    with pgserver.PgServer() as pg:
        pg.create_role_and_db("chat", password="chat pw")
        attention.main(store_url=pg.url("chat", user="chat", password="chat pw"))


if __name__ == "__main__":
    why = pgserver.available()
    if why:
        skip("the attention suite on a PostgreSQL store", why)
        done()
    run(main)
