"""galaxy_fixture.py - a Galaxy database and Galaxy config files, made the
way Galaxy makes them, for tests.

Schema: GALAXY.md section 2.5 (galaxy_user, galaxy_session, user_preference)
and section 7 (api_keys), and the tables of the objects links name
(GALAXY-OBJECTS.md section 2: roles and groups, histories and their shares,
datasets, their HDAs and access permissions, jobs and their outputs, stored
workflows, their versions, steps and shares), with Galaxy's names and
types, on SQLite or on PostgreSQL (a pgserver.PgServer). Cookies: Galaxy's
encode_guid with pycryptodome (Debian's python3-pycryptodome, imported as
Cryptodome): hex(Blowfish-ECB(id_secret, "!" * (8 - len % 8) + key));
encoded object ids (encode_id) are the same cipher over the decimal id.
Timestamps are naive like Galaxy's: create/update times in UTC,
last_action in local time (Galaxy's datetime.now()).

    from galaxy_fixture import GalaxyDB, make_cookie, write_galaxy_yml
    db = GalaxyDB.sqlite("/tmp/x/universe.sqlite")    # or GalaxyDB.postgres(pg)
    uid = db.add_user("alice@example.org", "alice")
    key = db.add_session(uid)                          # valid, logged in
    cookie = make_cookie("my id_secret", key)          # value of galaxysession
    db.invalidate(key)                                 # Galaxy's logout
    api_key = db.add_api_key(uid)                      # X-API-Key of alice
    db.delete_api_key(api_key)                         # deleted in Galaxy's user menu
    h = db.add_history(uid, "RNA-seq", importable=True) # objects; encode_id(secret, h)
    write_galaxy_yml(path, {"id_secret": "...", "database_connection": db.url})

Stdlib plus Cryptodome only.
"""
import datetime
import json
import os
import secrets
import sqlite3

from Cryptodome.Cipher import Blowfish

_SCHEMA = """
CREATE TABLE galaxy_user (
    id {serial} PRIMARY KEY,
    create_time {ts}, update_time {ts},
    email VARCHAR(255) NOT NULL,
    username VARCHAR(255) UNIQUE,
    password VARCHAR(255) NOT NULL,
    last_password_change {ts},
    external BOOLEAN DEFAULT {false},
    form_values_id INTEGER,
    deleted BOOLEAN DEFAULT {false},
    purged BOOLEAN DEFAULT {false},
    disk_usage NUMERIC(15,0),
    active BOOLEAN NOT NULL DEFAULT {true},
    activation_token VARCHAR(64)
);
CREATE INDEX ix_galaxy_user_email ON galaxy_user (email);
CREATE INDEX ix_galaxy_user_username ON galaxy_user (username);
CREATE INDEX ix_galaxy_user_deleted ON galaxy_user (deleted);
CREATE INDEX ix_galaxy_user_purged ON galaxy_user (purged);
CREATE INDEX ix_galaxy_user_active ON galaxy_user (active);
CREATE TABLE galaxy_session (
    id {serial} PRIMARY KEY,
    create_time {ts}, update_time {ts},
    user_id INTEGER NULL REFERENCES galaxy_user(id),
    remote_host VARCHAR(255),
    remote_addr VARCHAR(255),
    referer TEXT,
    current_history_id INTEGER NULL,
    session_key VARCHAR(255),
    is_valid BOOLEAN DEFAULT {false},
    prev_session_id INTEGER,
    disk_usage NUMERIC(15,0),
    last_action {ts} NULL
);
CREATE UNIQUE INDEX ix_galaxy_session_session_key ON galaxy_session (session_key);
CREATE INDEX ix_galaxy_session_user_id ON galaxy_session (user_id);
CREATE TABLE user_preference (
    id {serial} PRIMARY KEY,
    user_id INTEGER REFERENCES galaxy_user(id),
    name VARCHAR(255),
    value TEXT
);
CREATE INDEX ix_user_preference_user_id ON user_preference (user_id);
CREATE INDEX ix_user_preference_name ON user_preference (name);
CREATE TABLE api_keys (
    id {serial} PRIMARY KEY,
    create_time {ts},
    user_id INTEGER REFERENCES galaxy_user(id),
    key VARCHAR(32),
    deleted BOOLEAN NOT NULL DEFAULT {false}
);
CREATE INDEX ix_api_keys_user_id ON api_keys (user_id);
CREATE UNIQUE INDEX ix_api_keys_key ON api_keys (key);
CREATE INDEX ix_api_keys_deleted ON api_keys (deleted);
"""

# The object tables, columns as Galaxy's model declares them (nullable
# unless Galaxy says NOT NULL), only those galaxy-chat reads or a test sets.
_OBJECT_SCHEMA = """
CREATE TABLE role (
    id {serial} PRIMARY KEY,
    create_time {ts}, update_time {ts},
    name VARCHAR(255),
    description TEXT,
    type VARCHAR(40),
    deleted BOOLEAN DEFAULT {false}
);
CREATE TABLE user_role_association (
    id {serial} PRIMARY KEY,
    user_id INTEGER REFERENCES galaxy_user(id),
    role_id INTEGER REFERENCES role(id),
    create_time {ts}, update_time {ts}
);
CREATE INDEX ix_user_role_association_user_id ON user_role_association (user_id);
CREATE TABLE galaxy_group (
    id {serial} PRIMARY KEY,
    create_time {ts}, update_time {ts},
    name VARCHAR(255) UNIQUE,
    deleted BOOLEAN DEFAULT {false}
);
CREATE TABLE user_group_association (
    id {serial} PRIMARY KEY,
    user_id INTEGER REFERENCES galaxy_user(id),
    group_id INTEGER REFERENCES galaxy_group(id),
    create_time {ts}, update_time {ts}
);
CREATE TABLE group_role_association (
    id {serial} PRIMARY KEY,
    group_id INTEGER REFERENCES galaxy_group(id),
    role_id INTEGER REFERENCES role(id),
    create_time {ts}, update_time {ts}
);
CREATE TABLE history (
    id {serial} PRIMARY KEY,
    create_time {ts}, update_time {ts},
    user_id INTEGER REFERENCES galaxy_user(id),
    name VARCHAR(255),
    hid_counter INTEGER,
    deleted BOOLEAN,
    purged BOOLEAN,
    importable BOOLEAN,
    slug TEXT,
    published BOOLEAN,
    genome_build VARCHAR(40)
);
CREATE INDEX ix_history_user_id ON history (user_id);
CREATE INDEX ix_history_slug ON history (slug);
CREATE TABLE history_user_share_association (
    id {serial} PRIMARY KEY,
    history_id INTEGER REFERENCES history(id),
    user_id INTEGER REFERENCES galaxy_user(id)
);
CREATE TABLE dataset (
    id {serial} PRIMARY KEY,
    create_time {ts}, update_time {ts},
    job_id INTEGER,
    state VARCHAR(64),
    deleted BOOLEAN,
    purged BOOLEAN,
    purgable BOOLEAN,
    file_size NUMERIC(15,0),
    total_size NUMERIC(15,0),
    object_store_id VARCHAR(255),
    uuid CHAR(32)
);
CREATE TABLE dataset_permissions (
    id {serial} PRIMARY KEY,
    create_time {ts}, update_time {ts},
    action TEXT,
    dataset_id INTEGER REFERENCES dataset(id),
    role_id INTEGER REFERENCES role(id)
);
CREATE INDEX ix_dataset_permissions_dataset_id ON dataset_permissions (dataset_id);
CREATE TABLE history_dataset_association (
    id {serial} PRIMARY KEY,
    history_id INTEGER REFERENCES history(id),
    dataset_id INTEGER REFERENCES dataset(id),
    create_time {ts}, update_time {ts},
    state VARCHAR(64),
    copied_from_history_dataset_association_id INTEGER,
    hid INTEGER,
    name VARCHAR(255),
    info VARCHAR(255),
    blurb VARCHAR(255),
    peek TEXT,
    extension VARCHAR(64),
    deleted BOOLEAN,
    visible BOOLEAN,
    purged BOOLEAN,
    validated_state VARCHAR(64) NOT NULL DEFAULT 'unvalidated'
);
CREATE INDEX ix_history_dataset_association_history_id ON history_dataset_association (history_id);
CREATE INDEX ix_history_dataset_association_dataset_id ON history_dataset_association (dataset_id);
CREATE TABLE job (
    id {serial} PRIMARY KEY,
    create_time {ts}, update_time {ts},
    history_id INTEGER REFERENCES history(id),
    tool_id VARCHAR(255),
    tool_version TEXT,
    galaxy_version VARCHAR(64),
    state VARCHAR(64),
    info VARCHAR(255),
    command_line TEXT,
    exit_code INTEGER,
    user_id INTEGER REFERENCES galaxy_user(id),
    session_id INTEGER REFERENCES galaxy_session(id)
);
CREATE TABLE job_to_output_dataset (
    id {serial} PRIMARY KEY,
    job_id INTEGER REFERENCES job(id),
    dataset_id INTEGER REFERENCES history_dataset_association(id),
    name VARCHAR(255)
);
CREATE INDEX ix_job_to_output_dataset_job_id ON job_to_output_dataset (job_id);
CREATE TABLE stored_workflow (
    id {serial} PRIMARY KEY,
    create_time {ts}, update_time {ts},
    user_id INTEGER NOT NULL REFERENCES galaxy_user(id),
    latest_workflow_id INTEGER,
    name TEXT,
    deleted BOOLEAN,
    hidden BOOLEAN,
    importable BOOLEAN,
    slug TEXT,
    from_path TEXT,
    published BOOLEAN
);
CREATE TABLE workflow (
    id {serial} PRIMARY KEY,
    create_time {ts}, update_time {ts},
    stored_workflow_id INTEGER REFERENCES stored_workflow(id),
    parent_workflow_id INTEGER,
    name TEXT,
    has_cycles BOOLEAN,
    has_errors BOOLEAN,
    uuid CHAR(32),
    license TEXT
);
CREATE TABLE workflow_step (
    id {serial} PRIMARY KEY,
    create_time {ts}, update_time {ts},
    workflow_id INTEGER NOT NULL REFERENCES workflow(id),
    type VARCHAR(64),
    tool_id TEXT,
    order_index INTEGER,
    label TEXT
);
CREATE INDEX ix_workflow_step_workflow_id ON workflow_step (workflow_id);
CREATE TABLE stored_workflow_user_share_connection (
    id {serial} PRIMARY KEY,
    stored_workflow_id INTEGER REFERENCES stored_workflow(id),
    user_id INTEGER REFERENCES galaxy_user(id)
);
"""


def new_session_key():
    """A session key as Galaxy makes one: 16 random bytes, 32 lowercase hex."""
    return secrets.token_hex(16)


def new_api_key():
    """An API key as Galaxy makes one (get_new_guid): 32 lowercase hex."""
    return secrets.token_hex(16)


def make_cookie(secret, session_key):
    """The galaxysession cookie value Galaxy sets for session_key (encode_guid).
    pycryptodome, like current Galaxy, wants a secret of 4 to 56 bytes."""
    key = session_key.encode("utf-8")
    pad = 8 - len(key) % 8          # always 1..8, a whole block for 32 chars
    cipher = Blowfish.new(secret.encode("utf-8"), Blowfish.MODE_ECB)
    return cipher.encrypt(b"!" * pad + key).hex()


def encode_id(secret, object_id):
    """An object id as Galaxy's IdEncodingHelper.encode_id writes it in
    links: the decimal id padded with "!" like a session key."""
    return make_cookie(secret, str(object_id))


def _utcnow():
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


class GalaxyDB:
    """Galaxy's user and session tables in a fresh database.

    url is the SQLAlchemy URL to give galaxy-chat (database_connection);
    for PostgreSQL, url_unix is the same database over the Unix socket."""

    def __init__(self, kind, url, execute):
        self.kind = kind
        self.url = url
        self.url_unix = None
        self._execute = execute   # (sql, params) -> rows; params use ? markers

    @classmethod
    def sqlite(cls, path):
        """A new SQLite file at path (its directory must exist)."""
        def execute(sql, params=()):
            con = sqlite3.connect(path, timeout=10, isolation_level=None)
            try:
                return con.execute(sql, params).fetchall()
            finally:
                con.close()
        con = sqlite3.connect(path)
        con.executescript((_SCHEMA + _OBJECT_SCHEMA).format(serial="INTEGER", ts="DATETIME",
                                                            false="0", true="1"))
        con.close()
        return cls("sqlite", "sqlite:///" + os.path.abspath(path), execute)

    @classmethod
    def postgres(cls, pg, name="galaxy", password="p@ss w'rd/%"):
        """A new role and database called name on pgserver.PgServer pg; the
        password (deliberately full of URL-special characters) is needed
        over TCP."""
        pg.create_role_and_db(name, password=password)

        def execute(sql, params=()):
            parts = sql.split("?")
            assert len(parts) == len(params) + 1, sql
            text = parts[0] + "".join(_pg_literal(p) + rest for p, rest in zip(params, parts[1:]))
            out = pg.psql(text + ";", db=name, user=name)
            return [tuple(line.split("|")) for line in out.splitlines() if line]
        pg.psql((_SCHEMA + _OBJECT_SCHEMA).format(serial="SERIAL", ts="TIMESTAMP WITHOUT TIME ZONE",
                                                  false="FALSE", true="TRUE"), db=name, user=name)
        db = cls("postgresql", pg.url(name, user=name, password=password), execute)
        db.url_unix = pg.url(name, user=name, unix=True)
        return db

    def execute(self, sql, params=()):
        """Runs one statement with ? placeholders; returns the rows (as text
        on PostgreSQL)."""
        return self._execute(sql, tuple(self._value(p) for p in params))

    def _value(self, v):
        """v as SQLAlchemy would store it: 0/1 booleans on SQLite, naive
        ISO text timestamps."""
        if isinstance(v, bool) and self.kind == "sqlite":
            return int(v)
        if isinstance(v, datetime.datetime):
            return v.isoformat(" ")
        return v

    def add_user(self, email, username=None, deleted=False, purged=False, external=False):
        """Adds a galaxy_user row; returns its id."""
        now = _utcnow()
        rows = self.execute(
            "INSERT INTO galaxy_user (create_time, update_time, email, username, password,"
            " external, deleted, purged, active) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (now, now, email, username, "PBKDF2$sha256$x$y$z", external, deleted, purged, True))
        return int(rows[0][0])

    def add_session(self, user_id, valid=True, last_action=None, key=None):
        """Adds a galaxy_session row (user_id None: anonymous); last_action
        is a naive local datetime or None. Returns the session key."""
        key = key or new_session_key()
        now = _utcnow()
        self.execute(
            "INSERT INTO galaxy_session (create_time, update_time, user_id, remote_addr,"
            " session_key, is_valid, last_action) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (now, now, user_id, "127.0.0.1", key, valid, last_action))
        return key

    def invalidate(self, session_key):
        """Marks the session logged out, as Galaxy's logout does."""
        self.execute("UPDATE galaxy_session SET is_valid = ?, update_time = ? WHERE session_key = ?",
                     (False, _utcnow(), session_key))

    def set_last_action(self, session_key, last_action):
        self.execute("UPDATE galaxy_session SET last_action = ? WHERE session_key = ?",
                     (last_action, session_key))

    def set_user(self, user_id, **columns):
        """Updates columns of a user, e.g. set_user(3, deleted=True)."""
        cols = sorted(columns)
        self.execute("UPDATE galaxy_user SET %s WHERE id = ?" % ", ".join("%s = ?" % c for c in cols),
                     tuple(columns[c] for c in cols) + (user_id,))

    def add_api_key(self, user_id, key=None, deleted=False, create_time=None):
        """Adds an api_keys row for user_id, created now (naive UTC, as
        Galaxy's default) or at create_time; returns the key."""
        key = key or new_api_key()
        self.execute("INSERT INTO api_keys (create_time, user_id, key, deleted) VALUES (?, ?, ?, ?)",
                     (create_time or _utcnow(), user_id, key, deleted))
        return key

    def delete_api_key(self, key):
        """Marks the key deleted, as Galaxy's user menu (ApiKeyManager) does."""
        self.execute("UPDATE api_keys SET deleted = ? WHERE key = ?", (True, key))

    def set_preference(self, user_id, name, value):
        """Adds a user_preference row (e.g. communication_server = 'true')."""
        self.execute("INSERT INTO user_preference (user_id, name, value) VALUES (?, ?, ?)",
                     (user_id, name, value))

    # --- objects (GALAXY-OBJECTS.md section 2) -----------------------------
    def insert(self, table, **columns):
        """Inserts one row of table; returns its id."""
        cols = sorted(columns)
        rows = self.execute("INSERT INTO %s (%s) VALUES (%s) RETURNING id"
                            % (table, ", ".join(cols), ", ".join("?" * len(cols))),
                            tuple(columns[c] for c in cols))
        return int(rows[0][0])

    def update(self, table, row_id, **columns):
        """Sets columns of one row of table, e.g. update("history", 3, deleted=True)."""
        cols = sorted(columns)
        self.execute("UPDATE %s SET %s WHERE id = ?" % (table, ", ".join("%s = ?" % c for c in cols)),
                     tuple(columns[c] for c in cols) + (row_id,))

    def add_role(self, name, type="private", users=(), groups=()):
        """A role held by users (ids) directly and by the members of groups."""
        now = _utcnow()
        rid = self.insert("role", name=name, type=type, deleted=False, create_time=now, update_time=now)
        for uid in users:
            self.insert("user_role_association", user_id=uid, role_id=rid, create_time=now, update_time=now)
        for gid in groups:
            self.insert("group_role_association", group_id=gid, role_id=rid, create_time=now, update_time=now)
        return rid

    def add_group(self, name, users=()):
        now = _utcnow()
        gid = self.insert("galaxy_group", name=name, deleted=False, create_time=now, update_time=now)
        for uid in users:
            self.insert("user_group_association", user_id=uid, group_id=gid, create_time=now, update_time=now)
        return gid

    def add_history(self, user_id, name, importable=False, published=False, deleted=False,
                    purged=False, slug=None, shared_with=(), update_time=None):
        """A history (Galaxy's publish() makes it importable too: pass both)."""
        now = _utcnow()
        hid = self.insert("history", user_id=user_id, name=name, importable=importable,
                          published=published, deleted=deleted, purged=purged, slug=slug,
                          hid_counter=1, create_time=now, update_time=update_time or now)
        for uid in shared_with:
            self.insert("history_user_share_association", history_id=hid, user_id=uid)
        return hid

    def add_dataset(self, history_id, name, extension="txt", state="ok", file_size=100,
                    total_size=None, restricted_to=(), managed_by=None, deleted=False,
                    visible=True, purged=False, hda_state=None, dataset_id=None,
                    update_time=None):
        """An HDA in history_id: of a new dataset (access restricted to the
        roles restricted_to, each an "access" permission row; managed_by: a
        role given "manage permissions", which grants no access), or a copy
        of dataset_id. Returns (hda id, dataset id)."""
        now = _utcnow()
        if dataset_id is None:
            dataset_id = self.insert("dataset", state=state, file_size=file_size,
                                     total_size=file_size if total_size is None else total_size,
                                     deleted=False, purged=purged, purgable=True,
                                     create_time=now, update_time=now)
            for rid in restricted_to:
                self.insert("dataset_permissions", action="access", dataset_id=dataset_id, role_id=rid,
                            create_time=now, update_time=now)
            if managed_by:
                self.insert("dataset_permissions", action="manage permissions", dataset_id=dataset_id,
                            role_id=managed_by, create_time=now, update_time=now)
        counter = int(self.execute("SELECT hid_counter FROM history WHERE id = ?", (history_id,))[0][0])
        self.update("history", history_id, hid_counter=counter + 1)
        hda = self.insert("history_dataset_association", history_id=history_id, dataset_id=dataset_id,
                          hid=counter, name=name, extension=extension, state=hda_state,
                          deleted=deleted, visible=visible, purged=purged,
                          create_time=now, update_time=update_time or now)
        return hda, dataset_id

    def add_job(self, user_id, tool_id, tool_version="1.0.0", state="ok", exit_code=0,
                outputs=(), history_id=None):
        """A job of user_id whose outputs are the HDAs outputs (ids)."""
        now = _utcnow()
        jid = self.insert("job", user_id=user_id, tool_id=tool_id, tool_version=tool_version,
                          state=state, exit_code=exit_code, history_id=history_id,
                          command_line="secret command line", galaxy_version="24.1",
                          create_time=now, update_time=now)
        for i, hda in enumerate(outputs):
            self.insert("job_to_output_dataset", job_id=jid, dataset_id=hda, name="out%d" % i)
        return jid

    def add_workflow(self, user_id, name, steps=2, versions=1, importable=False, published=False,
                     deleted=False, slug=None, shared_with=(), update_time=None):
        """A stored workflow with versions workflow rows, the newest (its
        latest) having steps steps. Returns (stored workflow id, [workflow ids])."""
        now = _utcnow()
        swid = self.insert("stored_workflow", user_id=user_id, name=name, importable=importable,
                           published=published, deleted=deleted, hidden=False, slug=slug,
                           create_time=now, update_time=update_time or now)
        wids = []
        for v in range(versions):
            wid = self.insert("workflow", stored_workflow_id=swid, name=name, has_cycles=False,
                              has_errors=False, create_time=now, update_time=now)
            for i in range(steps if v == versions - 1 else 1):
                self.insert("workflow_step", workflow_id=wid, type="tool", order_index=i,
                            tool_id="cat1", create_time=now, update_time=now)
            wids.append(wid)
        self.update("stored_workflow", swid, latest_workflow_id=wids[-1])
        for uid in shared_with:
            self.insert("stored_workflow_user_share_connection", stored_workflow_id=swid, user_id=uid)
        return swid, wids


def _pg_literal(v):
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, int):
        return str(v)
    return "'" + str(v).replace("'", "''") + "'"


def write_galaxy_ini(path, keys, raw=()):
    """Writes a galaxy.ini with keys in [app:main]; '%' is escaped as '%%'
    except in the keys named in raw (for %(here)s tests)."""
    with open(path, "w") as f:
        f.write("[server:main]\nuse = egg:Paste#http\nport = 8080\n\n[app:main]\n")
        f.write("paste.app_factory = galaxy.web.buildapp:app_factory\n")
        for k, v in keys.items():
            if isinstance(v, (list, tuple)):
                v = ",".join(v)
            v = str(v)
            f.write("%s = %s\n" % (k, v if k in raw else v.replace("%", "%%")))


def write_galaxy_yml(path, keys):
    """Writes a galaxy.yml with keys under galaxy: (lists as YAML lists)."""
    with open(path, "w") as f:
        f.write("uwsgi:\n  http: 127.0.0.1:8080\n  threads: 4\n\ngalaxy:\n")
        for k, v in keys.items():
            if isinstance(v, (list, tuple)):
                f.write("  %s:\n" % k + "".join("    - %s\n" % json.dumps(i) for i in v))
            elif isinstance(v, (bool, int)):
                f.write("  %s: %s\n" % (k, str(v).lower()))
            else:
                f.write("  %s: %s\n" % (k, json.dumps(str(v))))
