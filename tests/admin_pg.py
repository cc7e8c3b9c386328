"""tests/admin.py, moderation, search, prune, export and check, with the
message store on a real PostgreSQL server instead of an SQLite file."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import admin  # noqa: E402
import pgserver  # noqa: E402
from tap import run, skip, done  # noqa: E402


def main():
    with pgserver.PgServer() as pg:
        for db in ("chat", "chat2"):
            pg.create_role_and_db(db, password="pw")
        admin.main(store_url=pg.url("chat", user="chat", password="pw"), pg=pg, db="chat",
                   prune_url=pg.url("chat2", user="chat2", password="pw"), prune_db="chat2")


if __name__ == "__main__":
    why = pgserver.available()
    if why:
        skip("the admin suite on a PostgreSQL store", why)
        done()
    run(main)
