/*
 * store_sqlite.c - the message store in one SQLite file (see store.h).
 *
 * One struct store is one connection, used by one thread at a time; any
 * number of processes and threads share the file. The file is in WAL mode
 * with synchronous=FULL, so a committed event is in the fsynced WAL before
 * store_post returns: it survives a SIGKILL of the worker and a power cut.
 * Every write runs in BEGIN IMMEDIATE, so checks and inserts in one call
 * see no other writer between them, and SQLite's single writer hands out
 * event ids that become visible in id order. After each commit that stored
 * an event the writer bumps the shared counter in "<store>-wake" (wake.c).
 *
 * The schema is for people as much as for us: readable UTC text times,
 * usernames copied into events, a chat_log view and the admin views, and
 * a full-text index kept in step by triggers. doc/store-schema.md
 * describes it; PRAGMA user_version numbers it and store_schema[] holds one
 * upgrade step per version.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "monotime.h"
#include "search.h"
#include "store_impl.h"
#include "wake.h"

#define STORE_BUSY_MS 5000       /* how long a write waits for the lock */
#define STORE_BUSY_SLICE_MS 5    /* a wait's longest sleep: a writer from
                                  * outside (the sqlite3 shell) bumps no
                                  * write counter when it lets go */
#define STORE_SEARCH_STEPS 1000  /* a search looks at the clock this many
                                  * SQLite instructions apart */

/* store_schema[v] upgrades a store from user_version v to v + 1. */
static const char *const store_schema[] = {
	/* 1: users, rooms, members, events, chat_log */
	"CREATE TABLE users ("
	"  id INTEGER PRIMARY KEY,"          /* galaxy_user.id */
	"  username TEXT NOT NULL,"
	"  email TEXT NOT NULL,"
	"  gravatar TEXT NOT NULL,"
	"  first_seen TEXT NOT NULL,"
	"  last_seen TEXT NOT NULL);"
	"CREATE INDEX users_username ON users (username);"
	"CREATE INDEX users_last_seen ON users (last_seen);"
	"CREATE TABLE rooms ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  persistent INTEGER NOT NULL DEFAULT 0,"
	"  created TEXT NOT NULL);"
	"CREATE TABLE members ("             /* no rows for `all`: everyone is in it */
	"  room_id INTEGER NOT NULL REFERENCES rooms (id),"
	"  user_id INTEGER NOT NULL REFERENCES users (id),"
	"  joined_at TEXT NOT NULL,"
	"  PRIMARY KEY (room_id, user_id)) WITHOUT ROWID;"
	"CREATE INDEX members_user ON members (user_id, room_id);"
	"CREATE TABLE events ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  ts TEXT NOT NULL,"
	"  type TEXT NOT NULL CHECK (type IN ('message', 'join', 'leave', 'direct', 'delete')),"
	"  room_id INTEGER REFERENCES rooms (id),"   /* NULL for direct */
	"  user_id INTEGER NOT NULL,"
	"  username TEXT NOT NULL,"                  /* as it was then */
	"  to_user_id INTEGER,"                      /* direct only */
	"  text TEXT,"
	"  client_id TEXT,"
	"  target INTEGER,"                          /* delete only */
	"  deleted_by INTEGER,"
	"  deleted_at TEXT);"
	"CREATE INDEX events_room ON events (room_id, id);"
	"CREATE INDEX events_to ON events (to_user_id, id) WHERE to_user_id IS NOT NULL;"
	"CREATE INDEX events_own ON events (user_id, id)"
	"  WHERE type IN ('direct', 'join', 'leave');"
	"CREATE UNIQUE INDEX events_client ON events (user_id, client_id)"
	"  WHERE client_id IS NOT NULL;"
	"CREATE VIEW chat_log (time, room, user, text) AS"
	"  SELECT e.ts,"
	"         CASE e.type WHEN 'direct' THEN '@' || coalesce(t.username, '?') ELSE r.name END,"
	"         e.username,"
	"         CASE WHEN e.deleted_at IS NOT NULL THEN '(deleted)'"
	"              WHEN e.type = 'join' THEN '* joined'"
	"              WHEN e.type = 'leave' THEN '* left'"
	"              WHEN e.type = 'delete' THEN '* deleted message ' || e.target"
	"              ELSE e.text END"
	"  FROM events e LEFT JOIN rooms r ON r.id = e.room_id"
	"  LEFT JOIN users t ON t.id = e.to_user_id ORDER BY e.id;",
	/* 2: mutes, the search index kept in step by triggers, admin views, and
	 * chat_log naming the conversation of a removed direct message */
	"DROP VIEW chat_log;"
	"CREATE VIEW chat_log (time, room, user, text) AS"
	"  SELECT e.ts,"
	"         CASE WHEN e.room_id IS NULL"
	"              THEN '@' || coalesce(t.username, gt.username, '?') ELSE r.name END,"
	"         e.username,"
	"         CASE WHEN e.deleted_at IS NOT NULL THEN '(deleted)'"
	"              WHEN e.type = 'join' THEN '* joined'"
	"              WHEN e.type = 'leave' THEN '* left'"
	"              WHEN e.type = 'delete' THEN '* deleted message ' || e.target"
	"              ELSE e.text END"
	"  FROM events e LEFT JOIN rooms r ON r.id = e.room_id"
	"  LEFT JOIN users t ON t.id = e.to_user_id"
	"  LEFT JOIN events g ON g.id = e.target LEFT JOIN users gt ON gt.id = g.to_user_id"
	"  ORDER BY e.id;"
	"CREATE TABLE mutes ("
	"  user_id INTEGER PRIMARY KEY,"
	"  until TEXT NOT NULL,"
	"  muted_by INTEGER NOT NULL,"
	"  muted_at TEXT NOT NULL);"
	"CREATE INDEX events_target ON events (target) WHERE target IS NOT NULL;"
	"CREATE INDEX events_direct_delete ON events (id)"
	"  WHERE type = 'delete' AND room_id IS NULL;"
	/* An index of the text of the messages not removed; the text itself
	 * stays in events (external content), so rowid = events.id. */
	"CREATE VIRTUAL TABLE messages_fts USING fts5 (text, content = 'events',"
	"  content_rowid = 'id');"
	"CREATE TRIGGER events_fts_insert AFTER INSERT ON events"
	"  WHEN new.type IN ('message', 'direct') AND new.deleted_at IS NULL BEGIN"
	"  INSERT INTO messages_fts (rowid, text) VALUES (new.id, new.text); END;"
	"CREATE TRIGGER events_fts_delete AFTER DELETE ON events"
	"  WHEN old.type IN ('message', 'direct') AND old.deleted_at IS NULL BEGIN"
	"  INSERT INTO messages_fts (messages_fts, rowid, text)"
	"   VALUES ('delete', old.id, old.text); END;"
	"CREATE TRIGGER events_fts_update AFTER UPDATE OF text, deleted_at ON events"
	"  WHEN old.type IN ('message', 'direct') BEGIN"
	"  INSERT INTO messages_fts (messages_fts, rowid, text)"
	"   SELECT 'delete', old.id, old.text WHERE old.deleted_at IS NULL;"
	"  INSERT INTO messages_fts (rowid, text)"
	"   SELECT new.id, new.text WHERE new.deleted_at IS NULL; END;"
	"INSERT INTO messages_fts (rowid, text) SELECT id, text FROM events"
	"  WHERE type IN ('message', 'direct') AND deleted_at IS NULL;"
	"CREATE VIEW room_activity (room, persistent, members, messages, deleted, authors,"
	"  last_7_days, first_message, last_message) AS"
	"  SELECT r.name, r.persistent,"
	"         CASE r.name WHEN 'all' THEN (SELECT count(*) FROM users)"
	"              ELSE (SELECT count(*) FROM members m WHERE m.room_id = r.id) END,"
	"         count(e.id), count(e.deleted_at), count(DISTINCT e.user_id),"
	"         count(e.id) FILTER (WHERE e.ts >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-7 days')),"
	"         min(e.ts), max(e.ts)"
	"  FROM rooms r LEFT JOIN events e ON e.room_id = r.id AND e.type = 'message'"
	"  GROUP BY r.id ORDER BY count(e.id) DESC, r.name;"
	"CREATE VIEW user_activity (user, email, messages, direct, deleted, rooms,"
	"  last_message, last_seen, muted_until) AS"
	"  SELECT u.username, u.email,"
	"         count(e.id) FILTER (WHERE e.type = 'message'),"
	"         count(e.id) FILTER (WHERE e.type = 'direct'),"
	"         count(e.deleted_at),"
	"         (SELECT count(*) FROM members m WHERE m.user_id = u.id),"
	"         max(e.ts), u.last_seen,"
	"         (SELECT until FROM mutes WHERE user_id = u.id"
	"           AND until > strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))"
	"  FROM users u LEFT JOIN events e ON e.user_id = u.id"
	"   AND e.type IN ('message', 'direct')"
	"  GROUP BY u.id ORDER BY count(e.id) DESC, u.username;",
};
#define STORE_VERSION ((int)(sizeof store_schema / sizeof *store_schema))

enum stmt_id {
	S_BEGIN, S_COMMIT, S_ROLLBACK,
	S_USER_WRITE, S_USER_CURRENT, S_USER_KNOWN,
	S_ROOM_FIND, S_ROOM_ENSURE, S_ROOMS_PERSISTENT,
	S_MEMBER_ADD, S_MEMBER_DEL, S_MEMBER_IS, S_JOIN_LIMIT,
	S_EVENT_BY_CLIENT, S_EVENT_ADD,
	S_EVENTS_ALL, S_EVENTS_VISIBLE, S_HISTORY, S_MAX_ID,
	S_MEMBERSHIPS, S_ROOMS, S_WHO,
	S_TARGET, S_DELETE_MARK, S_MUTED, S_MUTE_SET, S_MUTE_DEL,
	S_SEARCH, S_PRUNE_BOUND, S_PRUNE_COUNT, S_PRUNE_BATCH, S_LOG, S_STATS,
	S_COUNT
};

static const char *const stmt_sql[S_COUNT] = {
	[S_BEGIN] = "BEGIN IMMEDIATE",
	[S_COMMIT] = "COMMIT",
	[S_ROLLBACK] = "ROLLBACK",
	[S_USER_WRITE] =
		"INSERT INTO users (id, username, email, gravatar, first_seen, last_seen)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?5) ON CONFLICT (id) DO UPDATE SET"
		" username = excluded.username, email = excluded.email,"
		" gravatar = excluded.gravatar, last_seen = excluded.last_seen",
	[S_USER_CURRENT] =
		"SELECT 1 FROM users WHERE id = ?1 AND username = ?2 AND email = ?3 AND gravatar = ?4",
	[S_USER_KNOWN] = "SELECT id FROM users WHERE id = ?1",
	[S_ROOM_FIND] = "SELECT id FROM rooms WHERE name = ?1",
	[S_ROOM_ENSURE] =
		"INSERT INTO rooms (name, persistent, created) VALUES (?1, ?2, ?3)"
		" ON CONFLICT (name) DO UPDATE SET persistent = 1 WHERE ?2 = 1",
	[S_ROOMS_PERSISTENT] = "SELECT name FROM rooms WHERE persistent",
	[S_MEMBER_ADD] =
		"INSERT INTO members (room_id, user_id, joined_at) VALUES (?1, ?2, ?3)"
		" ON CONFLICT DO NOTHING",
	[S_MEMBER_DEL] = "DELETE FROM members WHERE room_id = ?1 AND user_id = ?2",
	[S_MEMBER_IS] = "SELECT 1 FROM members WHERE room_id = ?1 AND user_id = ?2",
	/* 1 when joining ad-hoc room ?1 would put user ?2 in more than ?3
	 * ad-hoc rooms (persistent rooms and `all` do not count) */
	[S_JOIN_LIMIT] =
		"SELECT NOT persistent AND (SELECT count(*) FROM members m JOIN rooms r"
		"  ON r.id = m.room_id WHERE m.user_id = ?2 AND NOT r.persistent AND r.id <> ?1) >= ?3"
		" FROM rooms WHERE id = ?1",
	[S_EVENT_BY_CLIENT] = "SELECT id, ts FROM events WHERE user_id = ?1 AND client_id = ?2",
	[S_EVENT_ADD] =
		"INSERT INTO events (ts, type, room_id, user_id, username, to_user_id, text, client_id,"
		" target) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	[S_EVENTS_ALL] = EVENT_COLS "events e" EVENT_JOINS
		" WHERE e.id > ?1 ORDER BY e.id LIMIT ?2",
	/* The ids a user sees: a merge of index range scans, each already in id
	 * order, so the LIMIT stops them early: `all` (?4), direct messages to
	 * the user, the user's own direct/join/leave events, and the rooms the
	 * user is in. That last arm joins several rooms and must be sorted, so
	 * it is cut at `bound`: the limit-th event after since in the quietest
	 * busy room; no answer can reach past it, and the sort stays under
	 * rooms * limit rows however old since is. */
	[S_EVENTS_VISIBLE] =
		"WITH bound (b) AS ("
		"  SELECT coalesce(min((SELECT id FROM events WHERE room_id = m.room_id AND id > ?2"
		"                       ORDER BY id LIMIT 1 OFFSET ?3 - 1)), 9223372036854775807)"
		"  FROM members m WHERE m.user_id = ?1),"
		" ids (id) AS ("
		"  SELECT id FROM events WHERE room_id = ?4 AND id > ?2"
		"  UNION SELECT id FROM events WHERE to_user_id = ?1 AND id > ?2"
		"  UNION SELECT id FROM events WHERE user_id = ?1 AND id > ?2"
		"   AND type IN ('direct', 'join', 'leave')"
		"  UNION SELECT d.id FROM events d JOIN events g ON g.id = d.target"
		"   WHERE d.type = 'delete' AND d.room_id IS NULL AND d.id > ?2"
		"   AND (g.user_id = ?1 OR g.to_user_id = ?1)"
		"  UNION SELECT e.id FROM members m CROSS JOIN events e"
		"   WHERE m.user_id = ?1 AND e.room_id = m.room_id AND e.id > ?2"
		"   AND e.id <= (SELECT b FROM bound)"
		"  ORDER BY 1 LIMIT ?3)"
		EVENT_COLS "ids CROSS JOIN events e ON e.id = ids.id" EVENT_JOINS " ORDER BY e.id",
	[S_HISTORY] = EVENT_COLS "events e" EVENT_JOINS
		" WHERE e.room_id = ?1 AND e.id < ?2 ORDER BY e.id DESC LIMIT ?3",
	[S_MAX_ID] = "SELECT coalesce(max(id), 0) FROM events",
	[S_MEMBERSHIPS] =
		"SELECT r.name FROM members m JOIN rooms r ON r.id = m.room_id"
		" WHERE m.user_id = ?1 ORDER BY r.name",
	/* ?1 user, ?2 the id of `all`, ?3 online since, ?4 brief. An ad-hoc
	 * room nobody is in is left out (store.h). */
	[S_ROOMS] =
		"SELECT r.name, r.persistent,"
		" r.id = ?2 OR EXISTS (SELECT 1 FROM members WHERE room_id = r.id AND user_id = ?1)"
		"  AS joined,"
		" CASE WHEN ?4 THEN NULL WHEN r.id = ?2 THEN (SELECT count(*) FROM users)"
		"  ELSE (SELECT count(*) FROM members WHERE room_id = r.id) END,"
		" CASE WHEN ?4 THEN NULL"
		"  WHEN r.id = ?2 THEN (SELECT count(*) FROM users WHERE last_seen >= ?3)"
		"  ELSE (SELECT count(*) FROM members m JOIN users u ON u.id = m.user_id"
		"        WHERE m.room_id = r.id AND u.last_seen >= ?3) END,"
		" CASE WHEN ?4 THEN NULL"
		"  ELSE (SELECT coalesce(max(id), 0) FROM events WHERE room_id = r.id) END"
		" FROM rooms r WHERE r.persistent OR joined"
		"  OR (NOT ?4 AND EXISTS (SELECT 1 FROM members WHERE room_id = r.id))"
		" ORDER BY r.id <> ?2, r.persistent DESC, r.name",
	/* ?1 room, ?2 online since, ?3 the id of `all` */
	[S_WHO] =
		"SELECT u.id, u.username, u.gravatar FROM users u WHERE u.last_seen >= ?2"
		" AND (?1 = ?3 OR EXISTS (SELECT 1 FROM members m"
		"                          WHERE m.room_id = ?1 AND m.user_id = u.id))"
		" ORDER BY u.username",
	[S_TARGET] =
		"SELECT room_id, user_id, to_user_id, deleted_at IS NOT NULL FROM events"
		" WHERE id = ?1 AND type IN ('message', 'direct')",
	[S_DELETE_MARK] = "UPDATE events SET deleted_by = ?2, deleted_at = ?3 WHERE id = ?1",
	[S_MUTED] = "SELECT until FROM mutes WHERE user_id = ?1 AND until > ?2",
	[S_MUTE_SET] =
		"INSERT INTO mutes (user_id, until, muted_by, muted_at) VALUES (?1, ?2, ?3, ?4)"
		" ON CONFLICT (user_id) DO UPDATE SET until = excluded.until,"
		" muted_by = excluded.muted_by, muted_at = excluded.muted_at",
	[S_MUTE_DEL] = "DELETE FROM mutes WHERE user_id = ?1 AND until > ?2",
	/* ?1 FTS query, ?2 user, ?3 before, ?4 limit, ?5 the id of `all`,
	 * ?6 one room's id or NULL for every room the user sees. FTS5 walks
	 * the matches newest first; the visibility test filters them. */
	[S_SEARCH] = EVENT_SELECT
		", highlight(messages_fts, 0, '" SEARCH_MARK_ON "', '" SEARCH_MARK_OFF "')"
		" FROM messages_fts f CROSS JOIN events e ON e.id = f.rowid" EVENT_JOINS
		" WHERE messages_fts MATCH ?1 AND f.rowid < ?3"
		" AND CASE WHEN ?6 IS NOT NULL THEN e.room_id = ?6"
		"  ELSE e.room_id = ?5 OR (e.type = 'direct' AND (e.user_id = ?2 OR e.to_user_id = ?2))"
		"   OR e.room_id IN (SELECT room_id FROM members WHERE user_id = ?2) END"
		" ORDER BY f.rowid DESC LIMIT ?4",
	/* Prune: the newest event before the cut-off (read only), then batches
	 * of the oldest ones up to it. */
	[S_PRUNE_BOUND] = "SELECT coalesce(max(id), 0) FROM events WHERE ts < ?1",
	[S_PRUNE_COUNT] =
		"SELECT count(*), count(*) FILTER (WHERE type IN ('message', 'direct'))"
		" FROM events WHERE id <= ?1 AND ts < ?2",
	[S_PRUNE_BATCH] =
		"DELETE FROM events WHERE id IN (SELECT id FROM events WHERE id <= ?1 AND ts < ?2"
		" ORDER BY id LIMIT ?3) RETURNING type IN ('message', 'direct')",
	[S_LOG] =
		"SELECT e.id, e.ts, r.name, e.username, e.type, e.text, e.deleted_at IS NOT NULL,"
		" e.target FROM events e JOIN rooms r ON r.id = e.room_id"
		" WHERE r.name = ?1 AND e.ts >= ?2 AND (?3 IS NULL OR e.ts < ?3) ORDER BY e.id",
	[S_STATS] =
		"SELECT (SELECT count(*) FROM events),"
		" (SELECT count(*) FROM events WHERE type IN ('message', 'direct')),"
		" (SELECT count(*) FROM users), (SELECT count(*) FROM rooms),"
		" (SELECT coalesce(max(id), 0) FROM events),"
		" (SELECT ts FROM events ORDER BY id DESC LIMIT 1)",
};

static const struct store_ops sqls_ops;
static void sqls_close(struct store *base);

struct sqls {
	struct store base;             /* first: ops = &sqls_ops */
	sqlite3 *db;
	char *path;
	struct wake *wake;
	unsigned write_seq;            /* wake's write counter before this
	                                * connection last tried to lock */
	long long busy_since_ms;       /* when the present lock wait began */
	int busy_ms;                   /* and how long it may last */
	long long all_id;              /* rooms.id of `all` */
	int moved;                     /* the file at path is no longer ours */
	sqlite3_stmt *stmt[S_COUNT];   /* prepared on first use */
};

/* Formats SQLite's last error into err, abandons any open transaction and
 * every statement in progress, and returns STORE_ERROR. */
static enum store_result store_fail(struct sqls *st, const char *what, char *err, size_t errlen)
{
	int i;

	snprintf(err, errlen, "store %s: %s: %s", st->path, what,
	         st->moved ? "the file was deleted or replaced while open" : sqlite3_errmsg(st->db));
	for (i = 0; i < S_COUNT; i++)
		if (st->stmt[i])
			sqlite3_reset(st->stmt[i]);
	if (!sqlite3_get_autocommit(st->db)) {
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		wake_write_done(st->wake);
	}
	return STORE_ERROR;
}

static enum store_result store_oom(struct sqls *st, char *err, size_t errlen)
{
	snprintf(err, errlen, "store %s: out of memory", st->path);
	return STORE_ERROR;
}

/* The cached statement id, ready for binding; NULL (SQLite's error set) if
 * it cannot be prepared. */
static sqlite3_stmt *stmt(struct sqls *st, enum stmt_id id)
{
	if (!st->stmt[id])
		sqlite3_prepare_v3(st->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
		                   &st->stmt[id], NULL);
	return st->stmt[id];
}

/* Steps s once: 1 with a row to read (the caller resets s after reading),
 * 0 when there is none (s is reset), -1 on error. */
static int sql_row(sqlite3_stmt *s)
{
	int rc;

	if (!s)
		return -1;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc != SQLITE_DONE)
		return -1;
	sqlite3_reset(s);
	return 0;
}

/* Runs a statement that returns no rows: 0 or -1. */
static int sql_exec(sqlite3_stmt *s)
{
	return sql_row(s) == 0 ? 0 : -1;
}

/* Runs a one-row query for its first column: 1 (*v set), 0 (no row), -1. */
static int sql_int(sqlite3_stmt *s, long long *v)
{
	int r = sql_row(s);

	if (r == 1) {
		*v = sqlite3_column_int64(s, 0);
		sqlite3_reset(s);
	}
	return r;
}

/* Starts a write, unless the file was deleted or replaced since it was
 * opened: writing on would acknowledge events into a file nobody else sees
 * (and that vanishes when closed), so refuse; the caller's 503 drops this
 * connection and the next one opens whatever file is at the path now. */
static int tx_begin(struct sqls *st)
{
	int moved = 0;

	if (sqlite3_file_control(st->db, "main", SQLITE_FCNTL_HAS_MOVED, &moved) == SQLITE_OK && moved) {
		st->moved = 1;
		return -1;
	}
	st->write_seq = wake_write_seq(st->wake);
	return sql_exec(stmt(st, S_BEGIN));
}

static void tx_rollback(struct sqls *st)
{
	sql_exec(stmt(st, S_ROLLBACK));
	wake_write_done(st->wake);
}

/* Commits, lets writers waiting for the lock try again, and wakes the
 * waiting polls of every process if an event was stored. */
static enum store_result tx_commit(struct sqls *st, int stored, const char *what,
                                   char *err, size_t errlen)
{
	if (sql_exec(stmt(st, S_COMMIT)) < 0)
		return store_fail(st, what, err, errlen);
	wake_write_done(st->wake);
	if (stored)
		wake_bump(st->wake);
	return STORE_OK;
}

/* SQLite's busy handler (tries counts the calls in this wait): sleeps until
 * a write transaction ends somewhere, at most STORE_BUSY_SLICE_MS, then
 * asks SQLite to try again, for st->busy_ms in all (STORE_BUSY_MS). The write counter is
 * read before each try (tx_begin, and here), so an end between a failed
 * try and this sleep cuts the sleep short instead of being missed. */
static int store_busy_wait(void *arg, int tries)
{
	struct sqls *st = arg;
	long long now = monotime_ms(), left;

	if (tries == 0)
		st->busy_since_ms = now;
	left = st->busy_since_ms + st->busy_ms - now;
	if (left <= 0)
		return 0;
	wake_write_wait(st->wake, st->write_seq,
	                left < STORE_BUSY_SLICE_MS ? (int)left : STORE_BUSY_SLICE_MS);
	st->write_seq = wake_write_seq(st->wake);
	return 1;
}

/* Inserts or refreshes u's users row, last seen at ts. */
static int user_write(struct sqls *st, const struct user *u, const char *ts)
{
	sqlite3_stmt *s = stmt(st, S_USER_WRITE);

	sqlite3_bind_int64(s, 1, u->id);
	sqlite3_bind_text(s, 2, u->username, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, u->email, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, u->gravatar, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, ts, -1, SQLITE_STATIC);
	return sql_exec(s);
}

/* The id of room name: 1 (*id set), 0 (no such room), -1. */
static int room_find(struct sqls *st, const char *name, long long *id)
{
	sqlite3_stmt *s = stmt(st, S_ROOM_FIND);

	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	return sql_int(s, id);
}

/* Creates room name if missing (marking it persistent when asked); its id. */
static int room_ensure(struct sqls *st, const char *name, int persistent,
                       const char *ts, long long *id)
{
	sqlite3_stmt *s = stmt(st, S_ROOM_ENSURE);

	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, persistent);
	sqlite3_bind_text(s, 3, ts, -1, SQLITE_STATIC);
	if (sql_exec(s) < 0)
		return -1;
	return room_find(st, name, id) == 1 ? 0 : -1;
}

/* 1 when user_id is in room_id (always for `all`), 0 when not, -1. */
/* 1 when user_id has a users row (has used the chat), 0 when not, -1 on error. */
static int user_known(struct sqls *st, long long user_id)
{
	sqlite3_stmt *s = stmt(st, S_USER_KNOWN);
	long long id;

	sqlite3_bind_int64(s, 1, user_id);
	return sql_int(s, &id);
}

static int member_is(struct sqls *st, long long room_id, long long user_id)
{
	sqlite3_stmt *s;
	long long one;

	if (room_id == st->all_id)
		return 1;
	s = stmt(st, S_MEMBER_IS);
	sqlite3_bind_int64(s, 1, room_id);
	sqlite3_bind_int64(s, 2, user_id);
	return sql_int(s, &one);
}

/* Inserts one event row (room_id, to_user_id or target 0 for none); *id
 * gets its id. */
static int event_add(struct sqls *st, const struct user *u, enum event_type type,
                     long long room_id, long long to_user_id, const char *text,
                     const char *client_id, long long target, const char *ts, long long *id)
{
	sqlite3_stmt *s = stmt(st, S_EVENT_ADD);

	sqlite3_bind_text(s, 1, ts, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, store_event_type_names[type], -1, SQLITE_STATIC);
	if (room_id)
		sqlite3_bind_int64(s, 3, room_id);
	else
		sqlite3_bind_null(s, 3);
	sqlite3_bind_int64(s, 4, u->id);
	sqlite3_bind_text(s, 5, u->username, -1, SQLITE_STATIC);
	if (to_user_id)
		sqlite3_bind_int64(s, 6, to_user_id);
	else
		sqlite3_bind_null(s, 6);
	sqlite3_bind_text(s, 7, text, -1, SQLITE_STATIC);      /* NULL binds NULL */
	sqlite3_bind_text(s, 8, client_id, -1, SQLITE_STATIC);
	if (target)
		sqlite3_bind_int64(s, 9, target);
	else
		sqlite3_bind_null(s, 9);
	if (sql_exec(s) < 0)
		return -1;
	*id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

static const char *col_text(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t ? (const char *)t : "";
}

/* The event in s's current row (EVENT_COLS); strings valid until s moves. */
static struct store_row row_read(sqlite3_stmt *s)
{
	struct store_row r = {
		.id = sqlite3_column_int64(s, 0), .type = col_text(s, 1), .ts = col_text(s, 2),
		.room = (const char *)sqlite3_column_text(s, 3),
		.user_id = sqlite3_column_int64(s, 4), .username = col_text(s, 5),
		.gravatar = col_text(s, 6), .to_user_id = sqlite3_column_int64(s, 7),
		.to_username = col_text(s, 8), .text = col_text(s, 9),
		.target = sqlite3_column_int64(s, 10), .deleted = sqlite3_column_int(s, 11),
		.target_user_id = sqlite3_column_int64(s, 12),
		.target_to_user_id = sqlite3_column_int64(s, 13),
	};

	return r;
}

/* Appends the event in s's current row to out: 0, or -1 when out of memory. */
static int events_append(struct store_events *out, sqlite3_stmt *s)
{
	struct store_row r = row_read(s);

	return store_events_push(out, &r);
}

/* Runs the bound event query s and appends every row to out. */
static enum store_result events_query(struct sqls *st, sqlite3_stmt *s,
                                      struct store_events *out, char *err, size_t errlen)
{
	int r;

	while ((r = sql_row(s)) == 1) {
		if (events_append(out, s) < 0) {
			sqlite3_reset(s);
			return store_oom(st, err, errlen);
		}
	}
	return r < 0 ? store_fail(st, "reading events", err, errlen) : STORE_OK;
}

/* Checks that the store's directory exists and is writable (SQLite needs
 * to create the -wal and -shm files beside it). */
static int store_check_dir(const char *path, char *err, size_t errlen)
{
	const char *slash = strrchr(path, '/');
	char dir[4096];
	struct stat sb;

	if (!slash)
		snprintf(dir, sizeof dir, ".");
	else
		snprintf(dir, sizeof dir, "%.*s", slash == path ? 1 : (int)(slash - path), path);
	if (stat(dir, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
		snprintf(err, errlen, "store %s: directory %s does not exist", path, dir);
		return -1;
	}
	if (access(dir, W_OK | X_OK) < 0) {
		snprintf(err, errlen, "store %s: directory %s is not writable: %s",
		         path, dir, strerror(errno));
		return -1;
	}
	return 0;
}

/* The schema version into *version: 0, or -1 with SQLite's error. */
static int store_version(struct sqls *st, long long *version)
{
	sqlite3_stmt *s = NULL;
	int r;

	*version = 0;
	r = sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL) == SQLITE_OK &&
	    sql_int(s, version) >= 0;
	sqlite3_finalize(s);
	return r ? 0 : -1;
}

/* Brings the schema to STORE_VERSION, one step per version, in one write
 * transaction so concurrent openers migrate once. A store already current
 * is only read: opening it needs no write lock, so it works while another
 * writer (the sqlite3 shell's BEGIN EXCLUSIVE, a long prune) holds it. */
static int store_migrate(struct sqls *st, char *err, size_t errlen)
{
	long long version = 0;
	char sql[64];

	if (store_version(st, &version) < 0)
		return store_fail(st, "reading the schema version", err, errlen);
	if (version == STORE_VERSION)
		return 0;
	if (tx_begin(st) < 0 || store_version(st, &version) < 0)
		return store_fail(st, "reading the schema version", err, errlen);
	if (version > STORE_VERSION) {
		tx_rollback(st);
		snprintf(err, errlen, "store %s: schema version %lld is newer than this "
		         "galaxy-chat knows (%d)", st->path, version, STORE_VERSION);
		return -1;
	}
	for (; version < STORE_VERSION; version++) {
		snprintf(sql, sizeof sql, "PRAGMA user_version = %lld", version + 1);
		if (sqlite3_exec(st->db, store_schema[version], NULL, NULL, NULL) != SQLITE_OK ||
		    sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK)
			return store_fail(st, "upgrading the schema", err, errlen);
	}
	return tx_commit(st, 0, "upgrading the schema", err, errlen);
}

/* 1 when `all` and the n configured rooms are the persistent ones
 * (st->all_id then set), 0 when not, -1. Read only. */
static int store_rooms_current(struct sqls *st, const char *const *persistent, size_t n)
{
	sqlite3_stmt *s = stmt(st, S_ROOMS_PERSISTENT);
	char **names = NULL;
	size_t count = 0;
	int r;

	while ((r = sql_row(s)) == 1)
		if (store_names_add(&names, &count, col_text(s, 0)) < 0) {
			sqlite3_reset(s);
			r = -1;
			break;
		}
	if (r == 0 && (r = store_persistent_same(names, persistent, n)) == 1)
		r = room_find(st, "all", &st->all_id);
	store_free_names(names);
	return r;
}

/* Makes `all` and the configured rooms exist and be the persistent ones,
 * writing only when they are not (see store_migrate). */
static int store_ensure_rooms(struct sqls *st, const char *const *persistent, size_t n,
                              char *err, size_t errlen)
{
	char ts[32];
	long long id;
	size_t i;
	int r;

	if ((r = store_rooms_current(st, persistent, n)) < 0)
		return store_fail(st, "reading rooms", err, errlen);
	if (r == 1)
		return 0;
	store_time(ts, 0);
	if (tx_begin(st) < 0 ||
	    sqlite3_exec(st->db, "UPDATE rooms SET persistent = 0 WHERE name <> 'all'",
	                 NULL, NULL, NULL) != SQLITE_OK ||
	    room_ensure(st, "all", 1, ts, &st->all_id) < 0)
		return store_fail(st, "creating rooms", err, errlen);
	for (i = 0; i < n; i++)
		if (room_ensure(st, persistent[i], 1, ts, &id) < 0)
			return store_fail(st, "creating rooms", err, errlen);
	return tx_commit(st, 0, "creating rooms", err, errlen);
}

/* Switches db to WAL mode, leaving the answer row in *s. Another process
 * creating the same store may hold the lock while SQLite, to avoid a
 * deadlock, gives up at once without its busy handler: retry for as long as
 * the busy handler would have waited. Returns 0, or -1 with db's error. */
static int store_wal_mode(sqlite3 *db, sqlite3_stmt **s)
{
	if (sqlite3_prepare_v2(db, "PRAGMA journal_mode = WAL", -1, s, NULL) != SQLITE_OK)
		return -1;
	for (int waited = 0;; waited += 10) {
		int rc = sqlite3_step(*s);
		if (rc == SQLITE_ROW)
			return 0;
		if (rc != SQLITE_BUSY || waited >= STORE_BUSY_MS)
			return -1;
		sqlite3_reset(*s);
		usleep(10000);
	}
}

int store_sqlite_open(const char *path, const char *const *persistent, size_t n,
                      struct store **out, char *err, size_t errlen)
{
	struct sqls *st;
	char wake_path[4096];
	sqlite3_stmt *s = NULL;
	struct stat sb;
	const char *mode = NULL;

	*out = NULL;
	if (store_check_dir(path, err, errlen) < 0)
		return -1;
	st = calloc(1, sizeof *st);
	if (st) {
		st->base.ops = &sqls_ops;
		st->busy_ms = STORE_BUSY_MS;
	}
	if (!st || !(st->path = strdup(path))) {
		free(st);
		snprintf(err, errlen, "store %s: out of memory", path);
		return -1;
	}
	if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	                    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		goto fail;
	if (sqlite3_db_readonly(st->db, "main") == 1) {
		snprintf(err, errlen, "store %s: the file is read-only", path);
		goto fail_msg;
	}
	/* the wake file first: the busy handler and every commit use it */
	snprintf(wake_path, sizeof wake_path, "%s-wake", path);
	if (stat(path, &sb) < 0) {
		snprintf(err, errlen, "store %s: %s", path, strerror(errno));
		goto fail_msg;
	}
	if (wake_open(wake_path, sb.st_mode & 0666, &st->wake, err, errlen) < 0)
		goto fail_msg;
	sqlite3_busy_handler(st->db, store_busy_wait, st);
	if (store_wal_mode(st->db, &s) < 0)
		goto fail;
	mode = (const char *)sqlite3_column_text(s, 0);
	if (!mode || strcmp(mode, "wal") != 0) {
		snprintf(err, errlen, "store %s: cannot use WAL mode (journal_mode is %s)",
		         path, mode ? mode : "unknown");
		goto fail_msg;
	}
	sqlite3_finalize(s);
	s = NULL;
	if (sqlite3_exec(st->db, "PRAGMA synchronous = FULL", NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	if (store_migrate(st, err, errlen) < 0 ||
	    store_ensure_rooms(st, persistent, n, err, errlen) < 0)
		goto fail_msg;
	*out = &st->base;
	return 0;

fail:
	snprintf(err, errlen, "store %s: %s", path,
	         st->db ? sqlite3_errmsg(st->db) : "out of memory");
fail_msg:
	sqlite3_finalize(s);
	sqls_close(&st->base);
	return -1;
}

static void sqls_close(struct store *base)
{
	struct sqls *st = (struct sqls *)base;
	int i;

	if (!st)
		return;
	for (i = 0; i < S_COUNT; i++)
		sqlite3_finalize(st->stmt[i]);
	sqlite3_close(st->db);
	wake_close(st->wake);
	free(st->path);
	free(st);
}

static enum store_result sqls_user_current(struct store *base, const struct user *u,
                                           int *current, char *err, size_t errlen)
{
	struct sqls *st = (struct sqls *)base;
	sqlite3_stmt *s = stmt(st, S_USER_CURRENT);
	long long one;

	sqlite3_bind_int64(s, 1, u->id);
	sqlite3_bind_text(s, 2, u->username, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, u->email, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, u->gravatar, -1, SQLITE_STATIC);
	if ((*current = sql_int(s, &one)) < 0)
		return store_fail(st, "reading a user", err, errlen);
	return STORE_OK;
}

static enum store_result sqls_user_seen(struct store *base, const struct store_seen_row *rows,
                                        size_t n, int wait, char *err, size_t errlen)
{
	struct sqls *st = (struct sqls *)base;
	int r;

	/* a transaction even for one row: its end lets waiting writers go */
	st->busy_ms = wait ? STORE_BUSY_MS : 0;
	r = tx_begin(st);
	st->busy_ms = STORE_BUSY_MS;
	if (r < 0)
		return store_fail(st, "recording users", err, errlen);
	for (size_t i = 0; i < n; i++)
		if (user_write(st, &rows[i].user, rows[i].ts) < 0)
			return store_fail(st, "recording users", err, errlen);
	return tx_commit(st, 0, "recording users", err, errlen);
}

static enum store_result sqls_join(struct store *base, const struct user *u, const char *room,
                                   int max_rooms, long long *event_id, char *err, size_t errlen)
{
	struct sqls *st = (struct sqls *)base;
	sqlite3_stmt *s;
	long long room_id, over = 0;
	char ts[32];

	*event_id = 0;
	store_time(ts, 0);
	if (tx_begin(st) < 0 || user_write(st, u, ts) < 0 ||
	    room_ensure(st, room, 0, ts, &room_id) < 0)
		return store_fail(st, "joining a room", err, errlen);
	if (room_id != st->all_id && max_rooms > 0) {
		s = stmt(st, S_JOIN_LIMIT);
		sqlite3_bind_int64(s, 1, room_id);
		sqlite3_bind_int64(s, 2, u->id);
		sqlite3_bind_int(s, 3, max_rooms);
		if (sql_int(s, &over) < 0)
			return store_fail(st, "joining a room", err, errlen);
		if (over) {
			tx_rollback(st);
			return store_join_refused(u, max_rooms, err, errlen);
		}
	}
	if (room_id != st->all_id) {
		s = stmt(st, S_MEMBER_ADD);
		sqlite3_bind_int64(s, 1, room_id);
		sqlite3_bind_int64(s, 2, u->id);
		sqlite3_bind_text(s, 3, ts, -1, SQLITE_STATIC);
		if (sql_exec(s) < 0 ||
		    (sqlite3_changes(st->db) == 1 &&
		     event_add(st, u, EV_JOIN, room_id, 0, NULL, NULL, 0, ts, event_id) < 0))
			return store_fail(st, "joining a room", err, errlen);
	}
	return tx_commit(st, *event_id != 0, "joining a room", err, errlen);
}

static enum store_result sqls_leave(struct store *base, const struct user *u, const char *room,
                              long long *event_id, char *err, size_t errlen)
{
	struct sqls *st = (struct sqls *)base;
	sqlite3_stmt *s;
	long long room_id;
	char ts[32];
	int found;

	*event_id = 0;
	store_time(ts, 0);
	if (tx_begin(st) < 0 || user_write(st, u, ts) < 0 ||
	    (found = room_find(st, room, &room_id)) < 0)
		return store_fail(st, "leaving a room", err, errlen);
	if (!found) {
		tx_rollback(st);
		snprintf(err, errlen, "no room %s", room);
		return STORE_NOT_FOUND;
	}
	s = stmt(st, S_MEMBER_DEL);
	sqlite3_bind_int64(s, 1, room_id);
	sqlite3_bind_int64(s, 2, u->id);
	if (sql_exec(s) < 0 ||
	    (sqlite3_changes(st->db) == 1 &&
	     event_add(st, u, EV_LEAVE, room_id, 0, NULL, NULL, 0, ts, event_id) < 0))
		return store_fail(st, "leaving a room", err, errlen);
	return tx_commit(st, *event_id != 0, "leaving a room", err, errlen);
}

/* Whether user_id is muted now: 1 (until set), 0 (until ""), -1. */
static int mute_find(struct sqls *st, long long user_id, char until[32])
{
	sqlite3_stmt *s = stmt(st, S_MUTED);
	char now[32];
	int r;

	until[0] = '\0';
	store_time(now, 0);
	sqlite3_bind_int64(s, 1, user_id);
	sqlite3_bind_text(s, 2, now, -1, SQLITE_STATIC);
	if ((r = sql_row(s)) == 1) {
		snprintf(until, 32, "%s", col_text(s, 0));
		sqlite3_reset(s);
	}
	return r;
}

/* Inside store_post's transaction: where the message goes. STORE_OK (with
 * *room_id set for a room), or why it cannot go there. */
static enum store_result post_target(struct sqls *st, const struct user *u,
                                     const char *room, long long to_user_id,
                                     long long *room_id, char *err, size_t errlen)
{
	char until[32];
	int r;

	if ((r = mute_find(st, u->id, until)) == 1) {
		snprintf(err, errlen, "you are muted until %s", until);
		return STORE_FORBIDDEN;
	}
	if (r < 0)
		return store_fail(st, "posting", err, errlen);
	if (room) {
		if ((r = room_find(st, room, room_id)) == 0) {
			snprintf(err, errlen, "no room %s", room);
			return STORE_NOT_FOUND;
		}
		if (r == 1 && (r = member_is(st, *room_id, u->id)) == 0) {
			snprintf(err, errlen, "%s is not in the room %s", u->username, room);
			return STORE_FORBIDDEN;
		}
	} else if ((r = user_known(st, to_user_id)) == 0) {
		snprintf(err, errlen, "no chat user with id %lld", to_user_id);
		return STORE_NOT_FOUND;
	}
	return r < 0 ? store_fail(st, "posting", err, errlen) : STORE_OK;
}

static enum store_result sqls_post(struct store *base, const struct user *u,
                             const char *room, long long to_user_id,
                             const char *text, const char *client_id,
                             long long *id, char ts[32], int *created,
                             char *err, size_t errlen)
{
	struct sqls *st = (struct sqls *)base;
	long long room_id = 0;
	enum store_result res;
	sqlite3_stmt *s;
	int r;

	if (tx_begin(st) < 0)
		return store_fail(st, "posting", err, errlen);
	/* A retry finds the first attempt here: the transaction holds the write
	 * lock, so no other attempt can commit between this check and the
	 * insert, and the UNIQUE index makes a second row impossible anyway. */
	if (client_id) {
		s = stmt(st, S_EVENT_BY_CLIENT);
		sqlite3_bind_int64(s, 1, u->id);
		sqlite3_bind_text(s, 2, client_id, -1, SQLITE_STATIC);
		if ((r = sql_row(s)) < 0)
			return store_fail(st, "posting", err, errlen);
		if (r == 1) {
			*id = sqlite3_column_int64(s, 0);
			snprintf(ts, 32, "%s", col_text(s, 1));
			sqlite3_reset(s);
			tx_rollback(st);
			return STORE_OK;
		}
	}
	res = post_target(st, u, room, to_user_id, &room_id, err, errlen);
	if (res != STORE_OK) {
		if (res != STORE_ERROR)
			tx_rollback(st);
		return res;
	}
	store_time(ts, 0);
	if (user_write(st, u, ts) < 0 ||
	    event_add(st, u, room ? EV_MESSAGE : EV_DIRECT, room_id, to_user_id,
	              text, client_id, 0, ts, id) < 0)
		return store_fail(st, "posting", err, errlen);
	res = tx_commit(st, 1, "posting", err, errlen);
	if (res == STORE_OK)
		*created = 1;
	else
		*id = 0;
	return res;
}

static enum store_result sqls_events_visible(struct store *base, long long user_id,
                                       long long since, int limit,
                                       struct store_events *out,
                                       char *err, size_t errlen)
{
	struct sqls *st = (struct sqls *)base;
	sqlite3_stmt *s = stmt(st, S_EVENTS_VISIBLE);

	sqlite3_bind_int64(s, 1, user_id);
	sqlite3_bind_int64(s, 2, since);
	sqlite3_bind_int(s, 3, limit);
	sqlite3_bind_int64(s, 4, st->all_id);
	return events_query(st, s, out, err, errlen);
}

static enum store_result sqls_events_all(struct store *base, long long since, int limit,
                                   struct store_events *out, char *err, size_t errlen)
{
	struct sqls *st = (struct sqls *)base;
	sqlite3_stmt *s = stmt(st, S_EVENTS_ALL);

	sqlite3_bind_int64(s, 1, since);
	sqlite3_bind_int(s, 2, limit);
	return events_query(st, s, out, err, errlen);
}

static enum store_result sqls_max_id(struct store *base, long long *id, char *err, size_t errlen)
{
	struct sqls *st = (struct sqls *)base;
	if (sql_int(stmt(st, S_MAX_ID), id) < 0)
		return store_fail(st, "reading the newest id", err, errlen);
	return STORE_OK;
}

static enum store_result sqls_memberships(struct store *base, long long user_id, char ***rooms,
                                   char *err, size_t errlen)
{
	struct sqls *st = (struct sqls *)base;
	sqlite3_stmt *s = stmt(st, S_MEMBERSHIPS);
	char **names = NULL;
	size_t n = 0;
	int r = 0;

	sqlite3_bind_int64(s, 1, user_id);
	if (store_names_add(&names, &n, "all") < 0)
		goto oom;
	while ((r = sql_row(s)) == 1)
		if (store_names_add(&names, &n, col_text(s, 0)) < 0)
			goto oom;
	if (r < 0) {
		store_free_names(names);
		return store_fail(st, "reading memberships", err, errlen);
	}
	*rooms = names;
	return STORE_OK;
oom:
	if (s)
		sqlite3_reset(s);
	store_free_names(names);
	return store_oom(st, err, errlen);
}

/* The room's id, or STORE_NOT_FOUND / STORE_ERROR with err set. */
static enum store_result room_lookup(struct sqls *st, const char *room, long long *room_id,
                                     char *err, size_t errlen)
{
	int r = room_find(st, room, room_id);

	if (r < 0)
		return store_fail(st, "finding a room", err, errlen);
	if (r == 0) {
		snprintf(err, errlen, "no room %s", room);
		return STORE_NOT_FOUND;
	}
	return STORE_OK;
}

static enum store_result sqls_room_member(struct store *base, long long user_id,
                                          const char *room, int *member, char *err, size_t errlen)
{
	struct sqls *st = (struct sqls *)base;
	enum store_result res;
	long long room_id;

	if ((res = room_lookup(st, room, &room_id, err, errlen)) != STORE_OK)
		return res;
	if ((*member = member_is(st, room_id, user_id)) < 0)
		return store_fail(st, "reading members", err, errlen);
	return STORE_OK;
}

static enum store_result sqls_history(struct store *base, const char *room,
                                long long before, int limit, struct store_events *out,
                                int *more, char *err, size_t errlen)
{
	struct sqls *st = (struct sqls *)base;
	size_t first = out->n;
	enum store_result res;
	long long room_id;
	sqlite3_stmt *s;

	if ((res = room_lookup(st, room, &room_id, err, errlen)) != STORE_OK)
		return res;
	/* Newest first with one extra row to learn whether older ones exist,
	 * then turned around. */
	s = stmt(st, S_HISTORY);
	sqlite3_bind_int64(s, 1, room_id);
	sqlite3_bind_int64(s, 2, before > 0 ? before : INT64_MAX);
	sqlite3_bind_int(s, 3, limit + 1);
	if ((res = events_query(st, s, out, err, errlen)) != STORE_OK)
		return res;
	store_history_finish(out, first, limit, more);
	return STORE_OK;
}

static enum store_result sqls_rooms(struct store *base, long long user_id, int brief,
                              json_object **out, char *err, size_t errlen)
{
	struct sqls *st = (struct sqls *)base;
	sqlite3_stmt *s = stmt(st, S_ROOMS);
	json_object *arr = json_object_new_array();
	char since[32];
	int r;

	store_time(since, -STORE_ONLINE_S);
	sqlite3_bind_int64(s, 1, user_id);
	sqlite3_bind_int64(s, 2, st->all_id);
	sqlite3_bind_text(s, 3, since, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 4, brief != 0);
	while ((r = sql_row(s)) == 1) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "name", json_object_new_string(col_text(s, 0)));
		json_object_object_add(o, "persistent",
		                       json_object_new_boolean(sqlite3_column_int(s, 1)));
		json_object_object_add(o, "joined", json_object_new_boolean(sqlite3_column_int(s, 2)));
		if (!brief) {
			json_object_object_add(o, "members",
			                       json_object_new_int64(sqlite3_column_int64(s, 3)));
			json_object_object_add(o, "online",
			                       json_object_new_int64(sqlite3_column_int64(s, 4)));
			json_object_object_add(o, "last_id",
			                       json_object_new_int64(sqlite3_column_int64(s, 5)));
		}
		json_object_array_add(arr, o);
	}
	if (r < 0) {
		json_object_put(arr);
		*out = NULL;
		return store_fail(st, "listing rooms", err, errlen);
	}
	*out = arr;
	return STORE_OK;
}

static enum store_result sqls_who(struct store *base, const char *room, json_object **out,
                            char *err, size_t errlen)
{
	struct sqls *st = (struct sqls *)base;
	enum store_result res;
	long long room_id;
	json_object *arr;
	sqlite3_stmt *s;
	char since[32];
	int r;

	*out = NULL;
	if ((res = room_lookup(st, room, &room_id, err, errlen)) != STORE_OK)
		return res;
	store_time(since, -STORE_ONLINE_S);
	s = stmt(st, S_WHO);
	sqlite3_bind_int64(s, 1, room_id);
	sqlite3_bind_text(s, 2, since, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, st->all_id);
	arr = json_object_new_array();
	while ((r = sql_row(s)) == 1)
		json_object_array_add(arr, store_user_json(sqlite3_column_int64(s, 0),
		                                     col_text(s, 1), col_text(s, 2)));
	if (r < 0) {
		json_object_put(arr);
		return store_fail(st, "listing who is online", err, errlen);
	}
	*out = arr;
	return STORE_OK;
}

static enum store_result sqls_delete(struct store *base, const struct user *u, long long id,
                                    long long *event_id, char *err, size_t errlen)
{
	struct sqls *st = (struct sqls *)base;
	long long room_id = 0, author = 0, to_user_id = 0;
	sqlite3_stmt *s;
	char ts[32];
	int r, gone = 0, sees = 1;

	if (tx_begin(st) < 0)
		return store_fail(st, "removing a message", err, errlen);
	s = stmt(st, S_TARGET);
	sqlite3_bind_int64(s, 1, id);
	if ((r = sql_row(s)) < 0)
		return store_fail(st, "removing a message", err, errlen);
	if (r == 1) {
		room_id = sqlite3_column_int64(s, 0);
		author = sqlite3_column_int64(s, 1);
		to_user_id = sqlite3_column_int64(s, 2);
		gone = sqlite3_column_int(s, 3);
		sqlite3_reset(s);
		if (author != u->id && !u->admin)
			sees = room_id ? member_is(st, room_id, u->id) : to_user_id == u->id;
	}
	if (sees < 0)
		return store_fail(st, "removing a message", err, errlen);
	if (r == 0 || !sees || (author != u->id && !u->admin)) {
		tx_rollback(st);
		snprintf(err, errlen, r == 0 || !sees ? "no message %lld"
		         : "only its author or an admin may remove message %lld", id);
		return r == 0 || !sees ? STORE_NOT_FOUND : STORE_FORBIDDEN;
	}
	if (gone) {
		tx_rollback(st);
		return STORE_OK;
	}
	store_time(ts, 0);
	s = stmt(st, S_DELETE_MARK);
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, u->id);
	sqlite3_bind_text(s, 3, ts, -1, SQLITE_STATIC);
	if (user_write(st, u, ts) < 0 || sql_exec(s) < 0 ||
	    event_add(st, u, EV_DELETE, room_id, 0, NULL, NULL, id, ts, event_id) < 0)
		return store_fail(st, "removing a message", err, errlen);
	return tx_commit(st, 1, "removing a message", err, errlen);
}

static enum store_result sqls_mute(struct store *base, const struct user *u,
                                  long long user_id, const char *until, const char *notice,
                                  long long *event_id, char *err, size_t errlen)
{
	struct sqls *st = (struct sqls *)base;
	sqlite3_stmt *s;
	char now[32];
	int r;

	store_time(now, 0);
	if (tx_begin(st) < 0 || user_write(st, u, now) < 0)
		return store_fail(st, "muting", err, errlen);
	if ((r = user_known(st, user_id)) < 0)
		return store_fail(st, "muting", err, errlen);
	if (r == 0) {
		tx_rollback(st);
		snprintf(err, errlen, "no chat user with id %lld", user_id);
		return STORE_NOT_FOUND;
	}
	if (until[0]) {
		s = stmt(st, S_MUTE_SET);
		sqlite3_bind_int64(s, 1, user_id);
		sqlite3_bind_text(s, 2, until, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 3, u->id);
		sqlite3_bind_text(s, 4, now, -1, SQLITE_STATIC);
	} else {
		s = stmt(st, S_MUTE_DEL);
		sqlite3_bind_int64(s, 1, user_id);
		sqlite3_bind_text(s, 2, now, -1, SQLITE_STATIC);
	}
	if (sql_exec(s) < 0)
		return store_fail(st, "muting", err, errlen);
	if (sqlite3_changes(st->db) == 0) {   /* lifting a mute that was not there */
		tx_rollback(st);
		return STORE_OK;
	}
	if (event_add(st, u, EV_DIRECT, 0, user_id, notice, NULL, 0, now, event_id) < 0)
		return store_fail(st, "muting", err, errlen);
	return tx_commit(st, 1, "muting", err, errlen);
}

static enum store_result sqls_muted_until(struct store *base, long long user_id,
                                         char until[32], char *err, size_t errlen)
{
	struct sqls *st = (struct sqls *)base;

	if (mute_find(st, user_id, until) < 0)
		return store_fail(st, "reading mutes", err, errlen);
	return STORE_OK;
}

/* SQLite's progress handler during a search: 1 (interrupt) once past
 * the deadline (a monotime_ms() time). */
static int search_past(void *deadline)
{
	return monotime_ms() >= *(const long long *)deadline;
}

static enum store_result sqls_search(struct store *base, long long user_id, const char *q,
                                    const char *room, long long before, int limit, int timeout_ms,
                                    json_object *out, int *more, int *partial,
                                    char *err, size_t errlen)
{
	struct sqls *st = (struct sqls *)base;
	enum store_result res = STORE_OK;
	long long room_id = 0, deadline;
	sqlite3_stmt *s;
	char *match;
	int r = 0, n = 0, oom = 0;

	if (room && (res = room_lookup(st, room, &room_id, err, errlen)) == STORE_OK &&
	    (r = member_is(st, room_id, user_id)) <= 0) {
		res = r < 0 ? store_fail(st, "searching", err, errlen) : STORE_FORBIDDEN;
		if (r == 0)
			snprintf(err, errlen, "not a member of the room %s", room);
	}
	if (res != STORE_OK)
		return res;
	if (!(match = search_fts5_query(q)))
		return store_oom(st, err, errlen);
	s = stmt(st, S_SEARCH);
	sqlite3_bind_text(s, 1, match, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, user_id);
	sqlite3_bind_int64(s, 3, before);
	sqlite3_bind_int(s, 4, limit + 1);
	sqlite3_bind_int64(s, 5, st->all_id);
	if (room)
		sqlite3_bind_int64(s, 6, room_id);
	else
		sqlite3_bind_null(s, 6);
	deadline = monotime_ms() + timeout_ms;
	sqlite3_progress_handler(st->db, STORE_SEARCH_STEPS, search_past, &deadline);
	while (!*more && !oom && (r = sql_row(s)) == 1) {
		struct store_row row = row_read(s);

		if (++n > limit)
			*more = 1;
		else
			oom = store_search_add(out, &row, col_text(s, EVENT_NCOLS)) < 0;
	}
	sqlite3_progress_handler(st->db, 0, NULL, NULL);
	free(match);
	*partial = r < 0 && sqlite3_errcode(st->db) == SQLITE_INTERRUPT;
	if (r < 0 && !*partial)
		return store_fail(st, "searching", err, errlen);
	sqlite3_reset(s);
	return oom ? store_oom(st, err, errlen) : STORE_OK;
}

static enum store_result sqls_prune(struct store *base, const char *cutoff, int batch,
                                   int dry_run, long long *events, long long *messages,
                                   char *err, size_t errlen)
{
	struct sqls *st = (struct sqls *)base;
	long long bound = 0;
	sqlite3_stmt *s;
	int r, n;

	/* Read only: the last event to go. Nothing after it is ever touched,
	 * so events stored while we prune are safe whatever their ts. */
	s = stmt(st, S_PRUNE_BOUND);
	sqlite3_bind_text(s, 1, cutoff, -1, SQLITE_STATIC);
	if (sql_int(s, &bound) < 0)
		return store_fail(st, "pruning", err, errlen);
	if (dry_run) {
		s = stmt(st, S_PRUNE_COUNT);
		sqlite3_bind_int64(s, 1, bound);
		sqlite3_bind_text(s, 2, cutoff, -1, SQLITE_STATIC);
		if (sql_row(s) != 1)
			return store_fail(st, "pruning", err, errlen);
		*events = sqlite3_column_int64(s, 0);
		*messages = sqlite3_column_int64(s, 1);
		sqlite3_reset(s);
		return STORE_OK;
	}
	do {
		if (tx_begin(st) < 0)
			return store_fail(st, "pruning", err, errlen);
		s = stmt(st, S_PRUNE_BATCH);
		sqlite3_bind_int64(s, 1, bound);
		sqlite3_bind_text(s, 2, cutoff, -1, SQLITE_STATIC);
		sqlite3_bind_int(s, 3, batch);
		for (n = 0; (r = sql_row(s)) == 1; n++)
			*messages += sqlite3_column_int(s, 0);
		if (r < 0)
			return store_fail(st, "pruning", err, errlen);
		if (tx_commit(st, 0, "pruning", err, errlen) != STORE_OK)
			return STORE_ERROR;
		*events += n;
	} while (n == batch);
	return STORE_OK;
}

static enum store_result sqls_log(struct store *base, const char *room, const char *since,
                                 const char *until, store_log_fn fn, void *ctx,
                                 char *err, size_t errlen)
{
	struct sqls *st = (struct sqls *)base;
	struct store_log_row row;
	enum store_result res;
	long long room_id;
	sqlite3_stmt *s;
	int r;

	if ((res = room_lookup(st, room, &room_id, err, errlen)) != STORE_OK)
		return res;
	s = stmt(st, S_LOG);
	sqlite3_bind_text(s, 1, room, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, since, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, until, -1, SQLITE_STATIC);   /* NULL binds NULL */
	while ((r = sql_row(s)) == 1) {
		row.id = sqlite3_column_int64(s, 0);
		row.ts = col_text(s, 1);
		row.room = col_text(s, 2);
		row.user = col_text(s, 3);
		row.type = col_text(s, 4);
		row.deleted = sqlite3_column_int(s, 6);
		row.text = sqlite3_column_type(s, 5) == SQLITE_NULL || row.deleted ? NULL
		           : col_text(s, 5);
		row.target = sqlite3_column_int64(s, 7);
		if (fn(&row, ctx) < 0) {
			sqlite3_reset(s);
			snprintf(err, errlen, "writing the log failed");
			return STORE_ERROR;
		}
	}
	return r < 0 ? store_fail(st, "reading the log", err, errlen) : STORE_OK;
}

/* Reads S_STATS's one row from s into out (s reset); 0, or -1. */
static int stats_read(sqlite3_stmt *s, struct store_stats *out)
{
	if (sql_row(s) != 1)
		return -1;
	out->events = sqlite3_column_int64(s, 0);
	out->messages = sqlite3_column_int64(s, 1);
	out->users = sqlite3_column_int64(s, 2);
	out->rooms = sqlite3_column_int64(s, 3);
	out->newest_id = sqlite3_column_int64(s, 4);
	snprintf(out->newest_ts, sizeof out->newest_ts, "%s", col_text(s, 5));
	sqlite3_reset(s);
	return 0;
}

static enum store_result sqls_stats(struct store *base, struct store_stats *out,
                                   char *err, size_t errlen)
{
	struct sqls *st = (struct sqls *)base;

	if (stats_read(stmt(st, S_STATS), out) < 0)
		return store_fail(st, "counting", err, errlen);
	return STORE_OK;
}

enum store_result store_sqlite_stats(struct sqlite3 *db, struct store_stats *out,
                                     char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	int r = sqlite3_prepare_v2(db, stmt_sql[S_STATS], -1, &s, NULL) == SQLITE_OK &&
	        stats_read(s, out) == 0;

	if (!r)
		snprintf(err, errlen, "counting: %s", sqlite3_errmsg(db));
	sqlite3_finalize(s);
	return r ? STORE_OK : STORE_ERROR;
}

int store_sqlite_version(void)
{
	return STORE_VERSION;
}

static unsigned sqls_seq(struct store *base)
{
	struct sqls *st = (struct sqls *)base;
	return wake_seq(st->wake);
}

static unsigned sqls_wait(struct store *base, unsigned seq, int timeout_ms)
{
	struct sqls *st = (struct sqls *)base;
	return wake_wait(st->wake, seq, timeout_ms);
}

static const struct store_ops sqls_ops = {
	.close = sqls_close, .user_seen = sqls_user_seen, .user_current = sqls_user_current, .join = sqls_join,
	.leave = sqls_leave, .post = sqls_post, .events_visible = sqls_events_visible,
	.events_all = sqls_events_all, .max_id = sqls_max_id,
	.memberships = sqls_memberships, .room_member = sqls_room_member,
	.history = sqls_history, .rooms = sqls_rooms,
	.who = sqls_who, .delete = sqls_delete, .mute = sqls_mute,
	.muted_until = sqls_muted_until, .search = sqls_search, .prune = sqls_prune,
	.log = sqls_log, .stats = sqls_stats, .seq = sqls_seq, .wait = sqls_wait,
};
