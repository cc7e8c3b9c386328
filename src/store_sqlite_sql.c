/*
 * store_sqlite_sql.c - the SQLite driver's SQL text (store_sqlite_sql.h):
 * the schema, one upgrade step per version, and every statement, those of
 * store_sql.h that all dialects share among them.
 */
#include "search.h"
#include "store_sqlite_sql.h"

/* The triggers that keep the search index in step with events, as
 * version 2 made them and version 3 remakes them with the table (7
 * replaces them): never change them, make a new one. An edit is an
 * UPDATE OF text. */
#define SQLS_FTS_TRIGGERS \
	"CREATE TRIGGER events_fts_insert AFTER INSERT ON events" \
	"  WHEN new.type IN ('message', 'direct') AND new.deleted_at IS NULL BEGIN" \
	"  INSERT INTO messages_fts (rowid, text) VALUES (new.id, new.text); END;" \
	"CREATE TRIGGER events_fts_delete AFTER DELETE ON events" \
	"  WHEN old.type IN ('message', 'direct') AND old.deleted_at IS NULL BEGIN" \
	"  INSERT INTO messages_fts (messages_fts, rowid, text)" \
	"   VALUES ('delete', old.id, old.text); END;" \
	"CREATE TRIGGER events_fts_update AFTER UPDATE OF text, deleted_at ON events" \
	"  WHEN old.type IN ('message', 'direct') BEGIN" \
	"  INSERT INTO messages_fts (messages_fts, rowid, text)" \
	"   SELECT 'delete', old.id, old.text WHERE old.deleted_at IS NULL;" \
	"  INSERT INTO messages_fts (rowid, text)" \
	"   SELECT new.id, new.text WHERE new.deleted_at IS NULL; END;"

/* Version 7's triggers: the old row of a message leaves the search index
 * (when it was there: not removed, not still queued) or the queue. */
#define SQLS_FTS_OLD_OUT \
	"  INSERT INTO messages_fts (messages_fts, rowid, text)" \
	"   SELECT 'delete', old.id, old.text WHERE old.deleted_at IS NULL" \
	"   AND NOT EXISTS (SELECT 1 FROM messages_fts_pending WHERE id = old.id);" \
	"  DELETE FROM messages_fts_pending WHERE id = old.id;"

/* The events table as version 3 makes it: every planned type admitted,
 * and the columns of replies, edits, reactions and solved marks. */
#define SQLS_EVENTS_V3(name) \
	"CREATE TABLE " name " (" \
	"  id INTEGER PRIMARY KEY AUTOINCREMENT," \
	"  ts TEXT NOT NULL," \
	"  type TEXT NOT NULL CHECK (type IN " SQL_EVENT_TYPES ")," \
	"  room_id INTEGER REFERENCES rooms (id),"   /* NULL for direct */ \
	"  user_id INTEGER NOT NULL," \
	"  username TEXT NOT NULL,"                  /* as it was then */ \
	"  to_user_id INTEGER,"                      /* direct only */ \
	"  text TEXT,"                               /* a reaction's emoji */ \
	"  client_id TEXT," \
	"  target INTEGER,"                          /* the message a delete, edit, ... names */ \
	"  deleted_by INTEGER," \
	"  deleted_at TEXT," \
	"  reply_to INTEGER,"                        /* the message a reply answers */ \
	"  thread_id INTEGER,"                       /* and its thread's root */ \
	"  edited_at TEXT,"                          /* a message's latest edit */ \
	"  solved_by INTEGER," \
	"  solved_at TEXT," \
	"  on_off INTEGER);"                         /* reaction, solved: 1 given, 0 taken back */

/* sqls_schema[v] upgrades a store from user_version v to v + 1. */
const char *const sqls_schema[SQLS_VERSION] = {
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
	SQL_CHAT_LOG_V1,
	/* 2: mutes, the search index kept in step by triggers, admin views, and
	 * chat_log naming the conversation of a removed direct message */
	"DROP VIEW chat_log;"
	"CREATE VIEW chat_log (time, room, user, text) AS"
	SQL_CHAT_LOG_V2
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
	SQLS_FTS_TRIGGERS
	"INSERT INTO messages_fts (rowid, text) SELECT id, text FROM events"
	"  WHERE type IN ('message', 'direct') AND deleted_at IS NULL;"
	SQL_ROOM_ACTIVITY("strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-7 days')")
	SQL_USER_ACTIVITY("user", "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"),
	/* 3: replies, threads, edits and their versions, reactions, solved
	 * marks, room keys, the conversation views. SQLite cannot alter a
	 * CHECK, so events is made anew (same ids, the AUTOINCREMENT counter
	 * kept) with the types of issues 17, 18 and 21 admitted; its indexes,
	 * triggers and views are made again with it. */
	"DROP VIEW chat_log; DROP VIEW room_activity; DROP VIEW user_activity;"
	"DROP TRIGGER events_fts_insert; DROP TRIGGER events_fts_delete;"
	"DROP TRIGGER events_fts_update;"
	SQLS_EVENTS_V3("events_v3")
	"INSERT INTO events_v3 (id, ts, type, room_id, user_id, username, to_user_id, text,"
	"  client_id, target, deleted_by, deleted_at)"
	"  SELECT id, ts, type, room_id, user_id, username, to_user_id, text, client_id, target,"
	"  deleted_by, deleted_at FROM events ORDER BY id;"
	"DELETE FROM sqlite_sequence WHERE name = 'events_v3';"
	"INSERT INTO sqlite_sequence (name, seq) SELECT 'events_v3', seq FROM sqlite_sequence"
	"  WHERE name = 'events';"
	"DROP TABLE events;"
	"ALTER TABLE events_v3 RENAME TO events;"
	"CREATE INDEX events_room ON events (room_id, id);"
	"CREATE INDEX events_to ON events (to_user_id, id) WHERE to_user_id IS NOT NULL;"
	"CREATE INDEX events_own ON events (user_id, id)"
	"  WHERE type IN ('direct', 'join', 'leave');"
	"CREATE UNIQUE INDEX events_client ON events (user_id, client_id)"
	"  WHERE client_id IS NOT NULL;"
	"CREATE INDEX events_target ON events (target) WHERE target IS NOT NULL;"
	"CREATE INDEX events_direct_target ON events (id)"
	"  WHERE type IN " SQL_TARGETING " AND room_id IS NULL;"
	"CREATE INDEX events_thread ON events (thread_id, id) WHERE thread_id IS NOT NULL;"
	SQLS_FTS_TRIGGERS
	"CREATE TABLE message_versions ("      /* every text an edit replaced */
	"  message_id INTEGER NOT NULL,"
	"  version INTEGER NOT NULL,"          /* 1: as first sent */
	"  text TEXT NOT NULL,"
	"  written_at TEXT NOT NULL,"
	"  replaced_at TEXT NOT NULL,"
	"  PRIMARY KEY (message_id, version)) WITHOUT ROWID;"
	"CREATE TABLE reactions ("
	"  message_id INTEGER NOT NULL,"
	"  emoji TEXT NOT NULL,"
	"  user_id INTEGER NOT NULL,"
	"  ts TEXT NOT NULL,"
	"  PRIMARY KEY (message_id, emoji, user_id)) WITHOUT ROWID;"
	"CREATE TRIGGER events_rows_delete AFTER DELETE ON events"
	"  WHEN old.type IN ('message', 'direct') BEGIN"
	"  DELETE FROM reactions WHERE message_id = old.id;"
	"  DELETE FROM message_versions WHERE message_id = old.id; END;"
	"ALTER TABLE rooms ADD COLUMN name_key TEXT;"
	/* room_key(): room.c's, which the driver gives SQLite (the oldest of
	 * two spellings gets the key) */
	"UPDATE rooms SET name_key = room_key(name)"
	"  WHERE id IN (SELECT min(id) FROM rooms GROUP BY room_key(name));"
	"CREATE UNIQUE INDEX rooms_key ON rooms (name_key);"
	"CREATE VIEW chat_log (time, room, user, text) AS"
	SQL_CHAT_LOG_V3
	SQL_ROOM_ACTIVITY("strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-7 days')")
	SQL_USER_ACTIVITY("user", "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')")
	SQL_CONVERSATION_VIEWS,
	/* 4: mentions, read markers and the counters of unread messages,
	 * settings, what notify has emailed (issue 18); read events, found by
	 * their user's index alone */
	"ALTER TABLE rooms ADD COLUMN messages INTEGER NOT NULL DEFAULT 0;"   /* messages ever posted */
	"ALTER TABLE events ADD COLUMN seq INTEGER;"        /* a room message's number in its room */
	"ALTER TABLE events ADD COLUMN mentions TEXT;"      /* the names it mentions, as then */
	"CREATE INDEX events_removed ON events (room_id, seq) WHERE deleted_at IS NOT NULL;"
	"DROP INDEX events_own;"
	"CREATE INDEX events_own ON events (user_id, id)"
	"  WHERE type IN ('direct', 'join', 'leave', 'read');"
	"CREATE TABLE reads ("                /* a user's marker in a room they are in, or `all` */
	"  user_id INTEGER NOT NULL REFERENCES users (id),"
	"  room_id INTEGER NOT NULL REFERENCES rooms (id),"
	"  read_id INTEGER NOT NULL,"         /* the events up to it are read */
	"  read_seq INTEGER NOT NULL,"        /* the room's messages up to it */
	"  own INTEGER NOT NULL,"             /* the user's own messages after it */
	"  PRIMARY KEY (user_id, room_id)) WITHOUT ROWID;"
	"CREATE TABLE direct ("               /* a user's direct messages from peer */
	"  user_id INTEGER NOT NULL REFERENCES users (id),"
	"  peer_id INTEGER NOT NULL REFERENCES users (id),"
	"  read_id INTEGER NOT NULL,"
	"  unread INTEGER NOT NULL,"          /* from peer, after read_id, not removed */
	"  PRIMARY KEY (user_id, peer_id)) WITHOUT ROWID;"
	"CREATE TABLE mentions ("             /* user mentioned by the room message event_id */
	"  user_id INTEGER NOT NULL REFERENCES users (id),"
	"  room_id INTEGER NOT NULL REFERENCES rooms (id),"
	"  event_id INTEGER NOT NULL,"
	"  PRIMARY KEY (user_id, room_id, event_id)) WITHOUT ROWID;"
	"CREATE INDEX mentions_event ON mentions (event_id);"
	"CREATE TABLE settings ("
	"  user_id INTEGER PRIMARY KEY REFERENCES users (id),"
	"  email TEXT NOT NULL CHECK (email IN ('mentions', 'off')));"
	"CREATE TABLE notify_users ("         /* what notify did for a user */
	"  user_id INTEGER PRIMARY KEY REFERENCES users (id),"
	"  done_id INTEGER NOT NULL DEFAULT 0," /* mentions and direct messages up to it: done */
	"  sent_at TEXT,"                      /* the last email */
	"  due INTEGER NOT NULL DEFAULT 0);"   /* some after done_id may be waiting */
	"CREATE INDEX notify_users_due ON notify_users (user_id) WHERE due <> 0;"
	"CREATE TABLE notify_state ("          /* one row: events up to scanned_id were looked at */
	"  id INTEGER PRIMARY KEY CHECK (id = 1),"
	"  scanned_id INTEGER NOT NULL);"
	SQL_ATTENTION_FILL
	"DROP VIEW chat_log;"
	"CREATE VIEW chat_log (time, room, user, text) AS"
	SQL_CHAT_LOG_V4,
	/* 5: room topics and pinned messages (issue 21.2; events.type admits
	 * topic and pin since 3). A pin goes with its message when the
	 * message is deleted (prune). */
	"ALTER TABLE rooms ADD COLUMN topic TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE rooms ADD COLUMN config_topic TEXT;"   /* room_topic.NAME's, last set */
	"CREATE TABLE pins ("
	"  event_id INTEGER PRIMARY KEY REFERENCES events (id),"
	"  room_id INTEGER NOT NULL REFERENCES rooms (id),"
	"  pinned_by INTEGER NOT NULL,"
	"  pinned_at TEXT NOT NULL);"
	"CREATE INDEX pins_room ON pins (room_id);"
	"CREATE TRIGGER events_pins_delete AFTER DELETE ON events BEGIN"
	"  DELETE FROM pins WHERE event_id = old.id; END;"
	"DROP VIEW chat_log;"
	"CREATE VIEW chat_log (time, room, user, text) AS"
	SQL_CHAT_LOG_V5,
	/* 6: when each user last said goodbye (POST /v1/me/presence), so that
	 * "online" (SQL_ONLINE) ends then rather than a minute later */
	"ALTER TABLE users ADD COLUMN left_at TEXT;",
	/* 7: a new message waits in messages_fts_pending and enters the search
	 * index with the others of its transaction, just before the commit
	 * (S_FTS_FLUSH): FTS5 writes its pending terms out at the end of every
	 * statement that touched it, so a trigger indexing each insert wrote
	 * one index segment per message of a batch of posts. A removal or an
	 * edit of a message still pending (written by a writer that does not
	 * flush: the sqlite3 shell, an older galaxy-chat) takes it out of the
	 * queue instead of out of the index. */
	"CREATE TABLE messages_fts_pending (id INTEGER PRIMARY KEY);"
	"DROP TRIGGER events_fts_insert; DROP TRIGGER events_fts_delete;"
	"DROP TRIGGER events_fts_update;"
	"CREATE TRIGGER events_fts_insert AFTER INSERT ON events"
	"  WHEN new.type IN ('message', 'direct') AND new.deleted_at IS NULL BEGIN"
	"  INSERT INTO messages_fts_pending (id) VALUES (new.id); END;"
	"CREATE TRIGGER events_fts_delete AFTER DELETE ON events"
	"  WHEN old.type IN ('message', 'direct') AND old.deleted_at IS NULL BEGIN"
	SQLS_FTS_OLD_OUT " END;"
	"CREATE TRIGGER events_fts_update AFTER UPDATE OF text, deleted_at ON events"
	"  WHEN old.type IN ('message', 'direct') BEGIN"
	SQLS_FTS_OLD_OUT
	"  INSERT INTO messages_fts (rowid, text)"
	"   SELECT new.id, new.text WHERE new.deleted_at IS NULL; END;",
};

#define SQLS_DETAIL EVENT_DETAIL("group_concat", "char")

const char *const sqls_sql[S_COUNT] = {
	[S_BEGIN] = "BEGIN IMMEDIATE",
	[S_COMMIT] = "COMMIT",
	[S_ROLLBACK] = "ROLLBACK",
	[S_USER_WRITE] = SQL_USER_WRITE,
	[S_USER_CURRENT] = SQL_USER_CURRENT,
	[S_USER_KNOWN] = SQL_USER_KNOWN,
	[S_USER_LEFT] = SQL_USER_LEFT,
	[S_ROOM_FIND] = SQL_ROOM_FIND,
	[S_ROOM_ADD] = SQL_ROOM_ADD,
	[S_ROOM_PERSIST] = SQL_ROOM_PERSIST,
	[S_ROOMS_PERSISTENT] = SQL_ROOMS_PERSISTENT,
	[S_ROOMS_UNPERSIST] = SQL_ROOMS_UNPERSIST,
	[S_ROOMS_UNKEYED] = SQL_ROOMS_UNKEYED,
	[S_MEMBER_ADD] = SQL_MEMBER_ADD,
	[S_MEMBER_DEL] = SQL_MEMBER_DEL,
	[S_MEMBER_IS] = SQL_MEMBER_IS,
	[S_ROOMS_ADHOC] = SQL_ROOMS_ADHOC,
	[S_TOPICS_CONFIGURED] = SQL_TOPICS_CONFIGURED,
	[S_TOPIC_CONFIGURE] = SQL_TOPIC_CONFIGURE,
	[S_TOPIC_SET] = SQL_TOPIC_SET,
	[S_PIN_ADD] = SQL_PIN_ADD,
	[S_PIN_DEL] = SQL_PIN_DEL,
	[S_PINS_COUNT] = SQL_PINS_COUNT,
	[S_PINS] = SQL_PINS,
	[S_EVENT_BY_CLIENT] = SQL_EVENT_BY_CLIENT,
	[S_EVENT_ADD] = SQL_EVENT_ADD,
	[S_FTS_FLUSH] = "INSERT INTO messages_fts (rowid, text) SELECT e.id, e.text"
		" FROM messages_fts_pending p CROSS JOIN events e ON e.id = p.id",
	[S_FTS_FLUSHED] = "DELETE FROM messages_fts_pending",
	[S_EVENTS_ALL] = SQL_EVENTS_ALL,
	/* The ids a user sees: a merge of index range scans, each already in id
	 * order, so the LIMIT stops them early: `all` (?4), direct messages to
	 * the user, the user's own direct/join/leave/read events, and the rooms the
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
		"   AND type IN ('direct', 'join', 'leave', 'read')"
		"  UNION SELECT d.id FROM events d JOIN events g ON g.id = d.target"
		"   WHERE d.type IN " SQL_TARGETING " AND d.room_id IS NULL AND d.id > ?2"
		"   AND (g.user_id = ?1 OR g.to_user_id = ?1)"
		"  UNION SELECT e.id FROM members m CROSS JOIN events e"
		"   WHERE m.user_id = ?1 AND e.room_id = m.room_id AND e.id > ?2"
		"   AND e.id <= (SELECT b FROM bound)"
		"  ORDER BY 1 LIMIT ?3)"
		EVENT_COLS "ids CROSS JOIN events e ON e.id = ids.id" EVENT_JOINS " ORDER BY e.id",
	[S_HISTORY] = SQL_HISTORY(SQLS_DETAIL),
	[S_THREAD] = SQL_THREAD(SQLS_DETAIL),
	[S_EVENT_GET] = SQL_EVENT_GET(SQLS_DETAIL),
	[S_DIRECT_HISTORY] = SQL_DIRECT_HISTORY(SQLS_DETAIL),
	[S_OPEN] = SQL_OPEN(SQLS_DETAIL),
	[S_MAX_ID] = SQL_MAX_ID,
	[S_MEMBERSHIPS] =
		"SELECT r.name FROM members m JOIN rooms r ON r.id = m.room_id"
		" WHERE m.user_id = ?1 ORDER BY r.name",
	/* ?1 user, ?2 the id of `all`, ?3 online since, ?4 brief. An ad-hoc
	 * room nobody is in is left out (store.h). */
	[S_ROOMS] =
		"SELECT r.name, r.persistent,"
		" r.id = ?2 OR EXISTS (SELECT 1 FROM members WHERE room_id = r.id AND user_id = ?1)"
		"  AS joined, r.topic,"
		" CASE WHEN ?4 THEN NULL WHEN r.id = ?2 THEN (SELECT count(*) FROM users)"
		"  ELSE (SELECT count(*) FROM members WHERE room_id = r.id) END,"
		" CASE WHEN ?4 THEN NULL"
		"  WHEN r.id = ?2 THEN (SELECT count(*) FROM users WHERE"
		SQL_ONLINE("", "?3") ")"
		"  ELSE (SELECT count(*) FROM members m JOIN users u ON u.id = m.user_id"
		"        WHERE m.room_id = r.id AND"
		SQL_ONLINE("u.", "?3") ") END,"
		" CASE WHEN ?4 THEN NULL"
		"  ELSE (SELECT coalesce(max(id), 0) FROM events WHERE room_id = r.id) END"
		" FROM rooms r WHERE r.persistent OR joined"
		"  OR (NOT ?4 AND EXISTS (SELECT 1 FROM members WHERE room_id = r.id))"
		" ORDER BY r.id <> ?2, r.persistent DESC, r.name",
	/* ?1 room, ?2 online since, ?3 the id of `all` */
	[S_WHO] =
		"SELECT u.id, u.username, u.gravatar FROM users u WHERE"
		SQL_ONLINE("u.", "?2")
		" AND (?1 = ?3 OR EXISTS (SELECT 1 FROM members m"
		"                          WHERE m.room_id = ?1 AND m.user_id = u.id))"
		" ORDER BY u.username",
	[S_TARGET] = SQL_TARGET,
	[S_THREAD_FIND] = SQL_THREAD_FIND,
	[S_DELETE_MARK] = SQL_DELETE_MARK,
	[S_TEXT_IS] = SQL_TEXT_IS,
	[S_VERSION_ADD] = SQL_VERSION_ADD,
	[S_TEXT_SET] = SQL_TEXT_SET,
	[S_VERSIONS] = SQL_VERSIONS,
	[S_REACTION_ADD] = SQL_REACTION_ADD,
	[S_REACTION_DEL] = SQL_REACTION_DEL,
	[S_SOLVED_SET] = SQL_SOLVED_SET,
	[S_SOLVED_DEL] = SQL_SOLVED_DEL,
	[S_MUTED] = SQL_MUTED,
	[S_MUTE_SET] = SQL_MUTE_SET,
	[S_MUTE_DEL] = SQL_MUTE_DEL,
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
	[S_PRUNE_BOUND] = SQL_PRUNE_BOUND,
	[S_PRUNE_COUNT] = SQL_PRUNE_COUNT,
	[S_PRUNE_BATCH] =
		"DELETE FROM events WHERE id IN (SELECT id FROM events WHERE id <= ?1 AND ts < ?2"
		" ORDER BY id LIMIT ?3) RETURNING type IN ('message', 'direct')",
	[S_LOG] =
		"SELECT e.id, e.ts, r.name, e.username, e.type, e.text, e.deleted_at IS NOT NULL,"
		" e.target, e.edited_at, e.on_off, e.reply_to FROM events e JOIN rooms r ON r.id = e.room_id"
		" WHERE e.room_id = ?1 AND e.ts >= ?2 AND (?3 IS NULL OR e.ts < ?3) ORDER BY e.id",
	[S_STATS] =
		"SELECT (SELECT count(*) FROM events),"
		" (SELECT count(*) FROM events WHERE type IN ('message', 'direct')),"
		" (SELECT count(*) FROM users), (SELECT count(*) FROM rooms),"
		" (SELECT coalesce(max(id), 0) FROM events),"
		" (SELECT ts FROM events ORDER BY id DESC LIMIT 1)",
	[S_ROOM_COUNT] = SQL_ROOM_COUNT,
	[S_USER_NAMED] = SQL_USER_NAMED,
	[S_MENTION_ADD] = SQL_MENTION_ADD,
	[S_MENTIONS_DEL] = SQL_MENTIONS_DEL,
	[S_READ_START] = SQL_READ_START,
	[S_READ_DEL] = SQL_READ_DEL,
	[S_READ_OWN] = SQL_READ_OWN,
	[S_READ_MOVE] = SQL_READ_MOVE,
	[S_DIRECT_COUNT] = SQL_DIRECT_COUNT,
	[S_DIRECT_UNCOUNT] = SQL_DIRECT_UNCOUNT,
	[S_DIRECT_MOVE] = SQL_DIRECT_MOVE,
	[S_EVENT_WHERE] = SQL_EVENT_WHERE,
	[S_SETTING_GET] = SQL_SETTING_GET,
	[S_SETTING_SET] = SQL_SETTING_SET,
	[S_UNREAD_ROOMS] = SQL_UNREAD_ROOMS(""),
	[S_UNREAD_DIRECT] = SQL_UNREAD_DIRECT(""),
	[S_NOTIFY_CUTOFF] = SQL_NOTIFY_CUTOFF,
	[S_NOTIFY_DUE] = SQL_NOTIFY_DUE,
	[S_NOTIFY_SCANNED] = SQL_NOTIFY_SCANNED,
	[S_NOTIFY_USERS] = SQL_NOTIFY_USERS,
	[S_NOTIFY_ITEMS] = SQL_NOTIFY_ITEMS,
	[S_NOTIFY_DONE] = SQL_NOTIFY_DONE,
};
