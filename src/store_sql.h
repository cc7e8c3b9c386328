/*
 * store_sql.h - SQL text every driver reads an event with, in struct
 * store_row's order (each driver's row reader takes the columns by these
 * positions); g is the message a delete event removed. Search adds the
 * highlighted text as column EVENT_NCOLS, with search.h's markers. Only
 * the drivers include this file.
 */
#ifndef GC_STORE_SQL_H
#define GC_STORE_SQL_H

#define EVENT_SELECT \
	"SELECT e.id, e.type, e.ts, r.name, e.user_id, e.username, u.gravatar," \
	" e.to_user_id, t.username, e.text, e.target, e.deleted_at IS NOT NULL," \
	" g.user_id, g.to_user_id"
#define EVENT_COLS EVENT_SELECT " FROM "
#define EVENT_JOINS \
	" LEFT JOIN rooms r ON r.id = e.room_id" \
	" LEFT JOIN users u ON u.id = e.user_id" \
	" LEFT JOIN users t ON t.id = e.to_user_id" \
	" LEFT JOIN events g ON g.id = e.target"
#define EVENT_NCOLS 14

/* Statements every dialect runs as they are, with PostgreSQL's $n
 * parameters (the SQLite driver reads them as its ?n). */
#define SQL_USER_WRITE \
	"INSERT INTO users (id, username, email, gravatar, first_seen, last_seen)" \
	" VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (id) DO UPDATE SET" \
	" username = excluded.username, email = excluded.email," \
	" gravatar = excluded.gravatar, last_seen = excluded.last_seen"
#define SQL_USER_CURRENT \
	"SELECT 1 FROM users WHERE id = $1 AND username = $2 AND email = $3 AND gravatar = $4"
#define SQL_USER_KNOWN "SELECT id FROM users WHERE id = $1"
/* user $1 said goodbye at $2: written unless the user is away already
 * after a goodbye since $3 (a second earlier), so that a burst of them
 * writes once */
#define SQL_USER_LEFT \
	"UPDATE users SET left_at = $2 WHERE id = $1" \
	" AND (left_at IS NULL OR left_at < $3 OR left_at < last_seen)"
/* "online" (store.c, STORE_ONLINE_S), the one definition: the users row
 * (prefix u: "u." or "") seen at or after the parameter since, and seen
 * after its last goodbye (left_at, schema version 3) */
#define SQL_ONLINE(u, since) \
	" " u "last_seen >= " since " AND " u "last_seen > coalesce(" u "left_at, '')"
#define SQL_ROOM_FIND "SELECT id, persistent FROM rooms WHERE name = $1"
#define SQL_ROOM_ENSURE \
	"INSERT INTO rooms (name, persistent, created) VALUES ($1, $2, $3)" \
	" ON CONFLICT (name) DO UPDATE SET persistent = 1 WHERE $2 = 1"
#define SQL_ROOMS_PERSISTENT "SELECT name FROM rooms WHERE persistent <> 0"
#define SQL_ROOMS_UNPERSIST \
	"UPDATE rooms SET persistent = 0 WHERE name <> 'all' AND persistent <> 0"
#define SQL_MEMBER_ADD \
	"INSERT INTO members (room_id, user_id, joined_at) VALUES ($1, $2, $3)" \
	" ON CONFLICT DO NOTHING"
#define SQL_MEMBER_DEL "DELETE FROM members WHERE room_id = $1 AND user_id = $2"
#define SQL_MEMBER_IS "SELECT 1 FROM members WHERE room_id = $1 AND user_id = $2"
/* the ad-hoc rooms user $1 is in besides room $2 */
#define SQL_ROOMS_ADHOC \
	"SELECT count(*) FROM members m JOIN rooms r ON r.id = m.room_id" \
	" WHERE m.user_id = $1 AND r.persistent = 0 AND r.id <> $2"
#define SQL_EVENT_BY_CLIENT "SELECT id, ts FROM events WHERE user_id = $1 AND client_id = $2"
#define SQL_EVENT_ADD \
	"INSERT INTO events (ts, type, room_id, user_id, username, to_user_id, text, client_id," \
	" target) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id"
#define SQL_EVENTS_ALL EVENT_COLS "events e" EVENT_JOINS " WHERE e.id > $1 ORDER BY e.id LIMIT $2"
#define SQL_HISTORY EVENT_COLS "events e" EVENT_JOINS \
	" WHERE e.room_id = $1 AND e.id < $2 ORDER BY e.id DESC LIMIT $3"
#define SQL_MAX_ID "SELECT coalesce(max(id), 0) FROM events"
#define SQL_DELETE_MARK "UPDATE events SET deleted_by = $2, deleted_at = $3 WHERE id = $1"
#define SQL_MUTED "SELECT until FROM mutes WHERE user_id = $1 AND until > $2"
#define SQL_MUTE_SET \
	"INSERT INTO mutes (user_id, until, muted_by, muted_at) VALUES ($1, $2, $3, $4)" \
	" ON CONFLICT (user_id) DO UPDATE SET until = excluded.until," \
	" muted_by = excluded.muted_by, muted_at = excluded.muted_at"
#define SQL_MUTE_DEL "DELETE FROM mutes WHERE user_id = $1 AND until > $2"
/* prune: the newest event before the cut-off (read only), then the
 * oldest ones up to it */
#define SQL_PRUNE_BOUND "SELECT coalesce(max(id), 0) FROM events WHERE ts < $1"
#define SQL_PRUNE_COUNT \
	"SELECT count(*), count(*) FILTER (WHERE type IN ('message', 'direct'))" \
	" FROM events WHERE id <= $1 AND ts < $2"

/* The view chat_log's query (doc/store-schema.md), as schema version 1
 * and then 2 made it; each dialect names the columns. */
#define SQL_CHAT_LOG_TEXT \
	"         e.username," \
	"         CASE WHEN e.deleted_at IS NOT NULL THEN '(deleted)'" \
	"              WHEN e.type = 'join' THEN '* joined'" \
	"              WHEN e.type = 'leave' THEN '* left'" \
	"              WHEN e.type = 'delete' THEN '* deleted message ' || e.target" \
	"              ELSE e.text END" \
	"  FROM events e LEFT JOIN rooms r ON r.id = e.room_id"
#define SQL_CHAT_LOG_V1 \
	"  SELECT e.ts," \
	"         CASE e.type WHEN 'direct' THEN '@' || coalesce(t.username, '?') ELSE r.name END," \
	SQL_CHAT_LOG_TEXT \
	"  LEFT JOIN users t ON t.id = e.to_user_id ORDER BY e.id;"
#define SQL_CHAT_LOG_V2 \
	"  SELECT e.ts," \
	"         CASE WHEN e.room_id IS NULL" \
	"              THEN '@' || coalesce(t.username, gt.username, '?') ELSE r.name END," \
	SQL_CHAT_LOG_TEXT \
	"  LEFT JOIN users t ON t.id = e.to_user_id" \
	"  LEFT JOIN events g ON g.id = e.target LEFT JOIN users gt ON gt.id = g.to_user_id" \
	"  ORDER BY e.id;"

/* The admin views of doc/store-schema.md with the dialect's text for a
 * week ago and for now, in the store's time format, and its spelling of
 * the column user. */
#define SQL_ROOM_ACTIVITY(week_ago) \
	"CREATE VIEW room_activity (room, persistent, members, messages, deleted, authors," \
	"  last_7_days, first_message, last_message) AS" \
	"  SELECT r.name, r.persistent," \
	"         CASE r.name WHEN 'all' THEN (SELECT count(*) FROM users)" \
	"              ELSE (SELECT count(*) FROM members m WHERE m.room_id = r.id) END," \
	"         count(e.id), count(e.deleted_at), count(DISTINCT e.user_id)," \
	"         count(e.id) FILTER (WHERE e.ts >= " week_ago ")," \
	"         min(e.ts), max(e.ts)" \
	"  FROM rooms r LEFT JOIN events e ON e.room_id = r.id AND e.type = 'message'" \
	"  GROUP BY r.id ORDER BY count(e.id) DESC, r.name;"
#define SQL_USER_ACTIVITY(user, now) \
	"CREATE VIEW user_activity (" user ", email, messages, direct, deleted, rooms," \
	"  last_message, last_seen, muted_until) AS" \
	"  SELECT u.username, u.email," \
	"         count(e.id) FILTER (WHERE e.type = 'message')," \
	"         count(e.id) FILTER (WHERE e.type = 'direct')," \
	"         count(e.deleted_at)," \
	"         (SELECT count(*) FROM members m WHERE m.user_id = u.id)," \
	"         max(e.ts), u.last_seen," \
	"         (SELECT until FROM mutes WHERE user_id = u.id" \
	"           AND until > " now ")" \
	"  FROM users u LEFT JOIN events e ON e.user_id = u.id" \
	"   AND e.type IN ('message', 'direct')" \
	"  GROUP BY u.id ORDER BY count(e.id) DESC, u.username;"

#endif
