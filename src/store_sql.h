/*
 * store_sql.h - SQL text every driver shares: the event row in struct
 * store_row's order (each driver's row reader takes the columns by these
 * positions), most statements, and the views. In the event row g is the
 * message a targeting event (delete, edit, reaction, solved) names, p the
 * message a reply answers. Search adds the highlighted text as column
 * EVENT_NCOLS, with search.h's markers; the reads of whole conversations
 * (history, threads, open questions) add EVENT_DETAIL's columns there
 * instead. Only the drivers include this file.
 */
#ifndef GC_STORE_SQL_H
#define GC_STORE_SQL_H

/* Every type an event may have, planned ones too (read: issue 18; topic,
 * pin: issue 21): schema version 3's CHECK, which SQLite cannot alter. */
#define SQL_EVENT_TYPES \
	"('message', 'join', 'leave', 'direct', 'delete', 'edit', 'reaction', 'solved'," \
	" 'read', 'topic', 'pin')"
/* The events that name a message (target) and go where it went. */
#define SQL_TARGETING "('delete', 'edit', 'reaction', 'solved')"
/* The events room history lists; edits, reactions and solved marks show
 * in the messages instead. */
#define SQL_HISTORY_TYPES "('message', 'join', 'leave', 'delete', 'topic', 'pin')"

#define EVENT_SELECT \
	"SELECT e.id, e.type, e.ts, r.name, e.user_id, e.username, u.gravatar," \
	" e.to_user_id, t.username, e.text, e.target, e.deleted_at IS NOT NULL," \
	" g.user_id, g.to_user_id," \
	" e.edited_at, e.reply_to, e.thread_id, e.on_off," \
	" p.id IS NOT NULL, p.user_id, p.username, pu.gravatar, p.text, p.deleted_at IS NOT NULL," \
	" g.text, g.edited_at, g.id IS NULL OR g.deleted_at IS NOT NULL, e.mentions"
#define EVENT_COLS EVENT_SELECT " FROM "
/* A read event has no room_id or to_user_id of its own (no scan of the
 * rooms' or the recipients' events finds it): its conversation is that
 * of the event it marks, g, the room or the other user of a direct
 * message. */
#define EVENT_JOINS \
	" LEFT JOIN events g ON g.id = e.target" \
	" LEFT JOIN rooms r ON r.id = coalesce(e.room_id, g.room_id)" \
	" LEFT JOIN users u ON u.id = e.user_id" \
	" LEFT JOIN users t ON t.id = coalesce(e.to_user_id," \
	"  CASE WHEN e.type = 'read' AND g.room_id IS NULL" \
	"   THEN CASE WHEN g.user_id = e.user_id THEN g.to_user_id ELSE g.user_id END END)" \
	" LEFT JOIN events p ON p.id = e.reply_to" \
	" LEFT JOIN users pu ON pu.id = p.user_id"
#define EVENT_NCOLS 28

/* What a read of a conversation adds to EVENT_SELECT, with the dialect's
 * string aggregate (group_concat, string_agg) and character function
 * (char, chr): a root's replies not removed and the newest of them, who
 * marked it solved and when, and its reactions as "ts US emoji US
 * username" joined by RS (emoji and chat names hold no controls), for
 * store_rows.c to group. Needs EVENT_DETAIL_JOINS. */
#define EVENT_DETAIL(agg, chr) \
	", (SELECT count(*) FROM events x WHERE x.thread_id = e.id AND x.deleted_at IS NULL)," \
	" (SELECT max(x.id) FROM events x WHERE x.thread_id = e.id AND x.deleted_at IS NULL)," \
	" sb.username, e.solved_at," \
	" (SELECT " agg "(x.ts || " chr "(31) || x.emoji || " chr "(31) || coalesce(xu.username, '')," \
	"  " chr "(30)) FROM reactions x LEFT JOIN users xu ON xu.id = x.user_id" \
	"  WHERE x.message_id = e.id)"
#define EVENT_DETAIL_JOINS " LEFT JOIN users sb ON sb.id = e.solved_by"
#define EVENT_DETAIL_NCOLS 5

/* The reads of a conversation, newest first but for a thread (oldest
 * first), with the dialect's EVENT_DETAIL as detail. */
#define SQL_DETAILED(detail) EVENT_SELECT detail " FROM events e" EVENT_JOINS EVENT_DETAIL_JOINS
/* $1 room, $2 before, $3 limit */
#define SQL_HISTORY(detail) SQL_DETAILED(detail) \
	" WHERE e.room_id = $1 AND e.id < $2 AND e.type IN " SQL_HISTORY_TYPES \
	" ORDER BY e.id DESC LIMIT $3"
/* $1 root, $2 after, $3 limit */
#define SQL_THREAD(detail) SQL_DETAILED(detail) \
	" WHERE e.thread_id = $1 AND e.id > $2 ORDER BY e.id LIMIT $3"
/* $1 the message */
#define SQL_EVENT_GET(detail) SQL_DETAILED(detail) " WHERE e.id = $1"
/* $1 and $2 the two users, $3 before, $4 limit */
#define SQL_DIRECT_HISTORY(detail) SQL_DETAILED(detail) \
	" WHERE e.type = 'direct' AND ((e.user_id = $1 AND e.to_user_id = $2)" \
	"  OR (e.user_id = $2 AND e.to_user_id = $1)) AND e.id < $3" \
	" ORDER BY e.id DESC LIMIT $4"
/* $1 room, $2 since (a time), $3 before, $4 limit: roots nobody but their
 * author answered, not solved, not removed */
#define SQL_OPEN(detail) SQL_DETAILED(detail) \
	" WHERE e.room_id = $1 AND e.type = 'message' AND e.ts >= $2 AND e.id < $3" \
	" AND e.thread_id IS NULL AND e.deleted_at IS NULL AND e.solved_at IS NULL" \
	" AND NOT EXISTS (SELECT 1 FROM events x WHERE x.thread_id = e.id" \
	"  AND x.user_id <> e.user_id AND x.deleted_at IS NULL)" \
	" ORDER BY e.id DESC LIMIT $4"

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
/* $1 name, $2 its key (room.h): that spelling first, else the room of
 * the key */
#define SQL_ROOM_FIND \
	"SELECT id, persistent, name FROM rooms WHERE name = $1 OR name_key = $2" \
	" ORDER BY name = $1 DESC LIMIT 1"
/* a new room; nothing when another has its name or key (a row made by
 * hand in the shell may hold either) */
#define SQL_ROOM_ADD \
	"INSERT INTO rooms (name, persistent, created, name_key) VALUES ($1, $2, $3, $4)" \
	" ON CONFLICT DO NOTHING"
#define SQL_ROOM_PERSIST "UPDATE rooms SET persistent = 1 WHERE id = $1"
/* rooms of an older store whose key another room had first */
#define SQL_ROOMS_UNKEYED "SELECT name FROM rooms WHERE name_key IS NULL ORDER BY id"
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
/* topics: the configuration's, read first (a store that agrees is only
 * read), then set where it changed; an admin's, changed or not */
#define SQL_TOPICS_CONFIGURED "SELECT name, config_topic FROM rooms WHERE config_topic IS NOT NULL"
#define SQL_TOPIC_CONFIGURE \
	"UPDATE rooms SET topic = $2, config_topic = $2" \
	" WHERE name = $1 AND config_topic IS DISTINCT FROM $2"
#define SQL_TOPIC_SET "UPDATE rooms SET topic = $2 WHERE id = $1 AND topic <> $2"
/* pins: a message is pinned in its own room, at most once */
#define SQL_PIN_ADD \
	"INSERT INTO pins (event_id, room_id, pinned_by, pinned_at) VALUES ($2, $1, $3, $4)" \
	" ON CONFLICT (event_id) DO NOTHING"
#define SQL_PIN_DEL "DELETE FROM pins WHERE room_id = $1 AND event_id = $2"
#define SQL_PINS_COUNT "SELECT count(*) FROM pins WHERE room_id = $1"
/* the pins of `all` ($2) and of the rooms user $1 is in, newest first;
 * the pin's time and who pinned it after the event's columns */
#define SQL_PINS EVENT_SELECT ", pn.pinned_at, coalesce(pb.username, '')" \
	" FROM pins pn JOIN events e ON e.id = pn.event_id" EVENT_JOINS \
	" LEFT JOIN users pb ON pb.id = pn.pinned_by" \
	" WHERE pn.room_id = $2 OR pn.room_id IN (SELECT room_id FROM members WHERE user_id = $1)" \
	" ORDER BY pn.pinned_at DESC, pn.event_id DESC"
#define SQL_EVENT_BY_CLIENT "SELECT id, ts FROM events WHERE user_id = $1 AND client_id = $2"
#define SQL_EVENT_ADD \
	"INSERT INTO events (ts, type, room_id, user_id, username, to_user_id, text, client_id," \
	" target, reply_to, thread_id, on_off, seq, mentions)" \
	" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id"
#define SQL_EVENT_WHERE \
	"SELECT coalesce(room_id, 0), type, user_id, coalesce(to_user_id, 0) FROM events WHERE id = $1"
#define SQL_EVENTS_ALL EVENT_COLS "events e" EVENT_JOINS " WHERE e.id > $1 ORDER BY e.id LIMIT $2"
#define SQL_MAX_ID "SELECT coalesce(max(id), 0) FROM events"
#define SQL_DELETE_MARK "UPDATE events SET deleted_by = $2, deleted_at = $3 WHERE id = $1"
/* What the rules need of message $1 (struct store_target) */
#define SQL_TARGET \
	"SELECT coalesce(e.room_id, 0), e.user_id, coalesce(e.to_user_id, 0)," \
	" CASE WHEN e.deleted_at IS NULL THEN 0 ELSE 1 END, coalesce(e.thread_id, 0), e.ts," \
	" coalesce(e.edited_at, ''), coalesce(s.username, ''), coalesce(e.solved_at, ''), e.text" \
	" FROM events e LEFT JOIN users s ON s.id = e.solved_by" \
	" WHERE e.id = $1 AND e.type IN ('message', 'direct')"
/* the conversation of thread $1 from its oldest reply left, when its root
 * is gone */
#define SQL_THREAD_FIND \
	"SELECT coalesce(room_id, 0), user_id, coalesce(to_user_id, 0) FROM events" \
	" WHERE thread_id = $1 ORDER BY id LIMIT 1"
#define SQL_TEXT_IS "SELECT 1 FROM events WHERE id = $1 AND text = $2"
/* an edit: the text it replaces kept as the next version, then the new */
#define SQL_VERSION_ADD \
	"INSERT INTO message_versions (message_id, version, text, written_at, replaced_at)" \
	" SELECT id, (SELECT count(*) FROM message_versions WHERE message_id = $1) + 1, text," \
	" coalesce(edited_at, ts), $2 FROM events WHERE id = $1"
#define SQL_TEXT_SET \
	"UPDATE events SET text = $2, edited_at = $3 WHERE id = $1 AND deleted_at IS NULL"
#define SQL_VERSIONS \
	"SELECT version, written_at, replaced_at, text FROM message_versions" \
	" WHERE message_id = $1 ORDER BY version"
#define SQL_REACTION_ADD \
	"INSERT INTO reactions (message_id, emoji, user_id, ts) VALUES ($1, $2, $3, $4)" \
	" ON CONFLICT DO NOTHING"
#define SQL_REACTION_DEL "DELETE FROM reactions WHERE message_id = $1 AND emoji = $2 AND user_id = $3"
#define SQL_SOLVED_SET \
	"UPDATE events SET solved_by = $2, solved_at = $3 WHERE id = $1 AND solved_at IS NULL"
#define SQL_SOLVED_DEL \
	"UPDATE events SET solved_by = NULL, solved_at = NULL WHERE id = $1 AND solved_at IS NOT NULL"
#define SQL_MUTED "SELECT until FROM mutes WHERE user_id = $1 AND until > $2"
#define SQL_MUTE_SET \
	"INSERT INTO mutes (user_id, until, muted_by, muted_at) VALUES ($1, $2, $3, $4)" \
	" ON CONFLICT (user_id) DO UPDATE SET until = excluded.until," \
	" muted_by = excluded.muted_by, muted_at = excluded.muted_at"
#define SQL_MUTE_DEL "DELETE FROM mutes WHERE user_id = $1 AND until > $2"

/* Attention (store_attention.c): mentions, read markers, unread counts,
 * settings. A room message takes the next of its room's numbers
 * (rooms.messages); a user's marker in a room is the id read up to and
 * the room's number then (read_seq), with own, the user's own messages
 * after it, so that unread = messages - read_seq - own - the others'
 * removed messages after it, with no scan of history. */
#define SQL_ROOM_COUNT "UPDATE rooms SET messages = messages + 1 WHERE id = $1 RETURNING messages"
/* a users row called $1, and when $2 is not 0 that of user $2 */
#define SQL_USER_NAMED "SELECT id FROM users WHERE username = $1 AND (id = $2 OR $2 = 0) LIMIT 1"
#define SQL_MENTION_ADD "INSERT INTO mentions (user_id, room_id, event_id) VALUES ($1, $2, $3)"
#define SQL_MENTIONS_DEL "DELETE FROM mentions WHERE event_id = $1"
/* user $1's marker in room $2 at the newest event, unless one is there */
#define SQL_READ_START \
	"INSERT INTO reads (user_id, room_id, read_id, read_seq, own)" \
	" SELECT CAST($1 AS bigint), id, (SELECT coalesce(max(id), 0) FROM events), messages, 0" \
	" FROM rooms WHERE id = $2 ON CONFLICT DO NOTHING"
#define SQL_READ_DEL "DELETE FROM reads WHERE user_id = $1 AND room_id = $2"
#define SQL_READ_OWN "UPDATE reads SET own = own + 1 WHERE user_id = $1 AND room_id = $2"
/* user $1's marker in room $2 moved forward to event $3: its number there
 * (that of the last message at or before it), and own less the user's
 * messages read now (none left when it is the room's last) */
#define SQL_READ_MOVE \
	"UPDATE reads SET read_seq = s.seq, read_id = $3," \
	" own = CASE WHEN s.seq = s.messages THEN 0 ELSE own - (SELECT count(*) FROM events" \
	"  WHERE room_id = $2 AND id > reads.read_id AND id <= $3 AND user_id = $1" \
	"  AND type = 'message') END" \
	" FROM (SELECT coalesce((SELECT seq FROM events WHERE room_id = $2 AND id <= $3" \
	"   AND seq IS NOT NULL ORDER BY id DESC LIMIT 1), 0) AS seq," \
	"  (SELECT messages FROM rooms WHERE id = $2) AS messages) s" \
	" WHERE user_id = $1 AND room_id = $2 AND read_id < $3"
/* a direct message $3 from $1 to $2: one more unread for $2 (whose
 * marker starts just before it), and $1's row of the conversation */
#define SQL_DIRECT_COUNT \
	"INSERT INTO direct (user_id, peer_id, read_id, unread) VALUES ($2, $1, CAST($3 AS bigint) - 1, 1)," \
	" ($1, $2, $3, 0) ON CONFLICT (user_id, peer_id) DO UPDATE" \
	" SET unread = direct.unread + excluded.unread"
/* the direct message $3 from $2 to $1 removed: one less unread if after the marker */
#define SQL_DIRECT_UNCOUNT \
	"UPDATE direct SET unread = unread - 1 WHERE user_id = $1 AND peer_id = $2" \
	" AND read_id < $3 AND unread > 0"
/* user $1's marker for the direct messages from $2 moved forward to $3,
 * and what is unread after it counted (the few direct messages to $1
 * after it, by the index events_to) */
#define SQL_DIRECT_MOVE \
	"INSERT INTO direct (user_id, peer_id, read_id, unread) VALUES ($1, $2, $3," \
	" (SELECT count(*) FROM events WHERE to_user_id = $1 AND id > $3 AND user_id = $2" \
	"  AND type = 'direct' AND deleted_at IS NULL))" \
	" ON CONFLICT (user_id, peer_id) DO UPDATE SET read_id = excluded.read_id," \
	" unread = excluded.unread WHERE direct.read_id < excluded.read_id"
#define SQL_SETTING_GET "SELECT email FROM settings WHERE user_id = $1"
#define SQL_SETTING_SET \
	"INSERT INTO settings (user_id, email) VALUES ($1, $2)" \
	" ON CONFLICT (user_id) DO UPDATE SET email = excluded.email"
/* the rooms' counts of user $1 (only room $3's when not 0), `all` ($2)
 * first, by the index of reads; each subquery is an index range over
 * rows after the marker that are few: removed messages, mentions */
#define SQL_UNREAD_ROOMS(collate) \
	"SELECT r.name, x.read_id," \
	" r.messages - x.read_seq - x.own - (SELECT count(*) FROM events d" \
	"  WHERE d.room_id = x.room_id AND d.seq > x.read_seq AND d.deleted_at IS NOT NULL" \
	"  AND d.user_id <> $1)," \
	" (SELECT count(*) FROM mentions m WHERE m.user_id = $1 AND m.room_id = x.room_id" \
	"  AND m.event_id > x.read_id)" \
	" FROM reads x JOIN rooms r ON r.id = x.room_id" \
	" WHERE x.user_id = $1 AND (x.room_id = $3 OR $3 = 0)" \
	" ORDER BY r.id <> $2, r.persistent DESC, r.name" collate
/* user $1's direct conversations with unread messages (only with $2 when not 0) */
#define SQL_UNREAD_DIRECT(collate) \
	"SELECT t.username, x.read_id, x.unread FROM direct x JOIN users t ON t.id = x.peer_id" \
	" WHERE x.user_id = $1 AND (x.peer_id = $2 OR ($2 = 0 AND x.unread > 0))" \
	" ORDER BY t.username" collate ", t.id"

/* notify (store_notify.c): the newest event older than the store time $1,
 * read back from the newest (so only the last notify_after minutes) */
#define SQL_NOTIFY_CUTOFF \
	"SELECT coalesce((SELECT id FROM events WHERE ts < $1 ORDER BY id DESC LIMIT 1), 0)"
/* the users the events after the last scan up to $1 mention or write to
 * directly are due */
#define SQL_NOTIFY_DUE \
	"INSERT INTO notify_users (user_id, due) SELECT x.u, 1 FROM (" \
	"  SELECT m.user_id AS u FROM mentions m, notify_state s" \
	"   WHERE m.event_id > s.scanned_id AND m.event_id <= $1" \
	"  UNION SELECT e.to_user_id FROM events e, notify_state s" \
	"   WHERE e.id > s.scanned_id AND e.id <= $1 AND e.type = 'direct'" \
	"   AND e.to_user_id <> e.user_id) x" \
	" WHERE true ON CONFLICT (user_id) DO UPDATE SET due = 1"
#define SQL_NOTIFY_SCANNED "UPDATE notify_state SET scanned_id = $1 WHERE scanned_id < $1"
#define SQL_NOTIFY_USERS \
	"SELECT n.user_id, u.username, coalesce(s.email, 'mentions'), coalesce(n.sent_at, '')," \
	" n.done_id FROM notify_users n JOIN users u ON u.id = n.user_id" \
	" LEFT JOIN settings s ON s.user_id = n.user_id WHERE n.due <> 0 ORDER BY n.user_id"
/* user $1's unread mentions (in rooms they are still in) and direct
 * messages after $2 up to $3, not removed, oldest first, at most $4 */
#define SQL_NOTIFY_ITEMS \
	"SELECT e.id, e.ts, e.username, r.name, e.text FROM events e" \
	" LEFT JOIN rooms r ON r.id = e.room_id WHERE e.id IN (" \
	"  SELECT m.event_id FROM reads x JOIN mentions m" \
	"   ON m.user_id = x.user_id AND m.room_id = x.room_id" \
	"   WHERE x.user_id = $1 AND m.event_id > x.read_id AND m.event_id > $2 AND m.event_id <= $3" \
	"  UNION SELECT d.id FROM direct x JOIN events d" \
	"   ON d.to_user_id = x.user_id AND d.user_id = x.peer_id" \
	"   WHERE x.user_id = $1 AND x.unread > 0 AND d.type = 'direct' AND d.id > x.read_id" \
	"   AND d.id > $2 AND d.id <= $3)" \
	" AND e.deleted_at IS NULL ORDER BY e.id LIMIT $4"
/* $2 done up to, $3 sent at (NULL: not sent now), $4 still due */
#define SQL_NOTIFY_DONE \
	"UPDATE notify_users SET done_id = CASE WHEN done_id < $2 THEN $2 ELSE done_id END," \
	" sent_at = coalesce($3, sent_at), due = $4 WHERE user_id = $1"

/* prune: the newest event before the cut-off (read only), then the
 * oldest ones up to it */
#define SQL_PRUNE_BOUND "SELECT coalesce(max(id), 0) FROM events WHERE ts < $1"
#define SQL_PRUNE_COUNT \
	"SELECT count(*), count(*) FILTER (WHERE type IN ('message', 'direct'))" \
	" FROM events WHERE id <= $1 AND ts < $2"

/* The view chat_log's query (doc/store-schema.md), as schema versions 1
 * to 5 made it; each dialect names the columns. The upgrade steps use
 * these as they are: never change them, make a new one. */
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
#define SQL_CHAT_LOG_CONVERSATIONS \
	"  SELECT e.ts," \
	"         CASE WHEN e.room_id IS NULL" \
	"              THEN '@' || coalesce(t.username, gt.username, '?') ELSE r.name END," \
	SQL_CHAT_LOG_TEXT \
	"  LEFT JOIN users t ON t.id = e.to_user_id" \
	"  LEFT JOIN events g ON g.id = e.target LEFT JOIN users gt ON gt.id = g.to_user_id"
#define SQL_CHAT_LOG_V2 SQL_CHAT_LOG_CONVERSATIONS "  ORDER BY e.id;"

/* Schema version 4's data, the same in every dialect once its tables
 * exist: messages numbered in their rooms, and every member's marker (and
 * everyone's in `all`) at the newest event, so that nothing from before
 * counts as unread; notify starts looking after it too. */
#define SQL_ATTENTION_FILL \
	"UPDATE events SET seq = n.seq FROM (SELECT id, row_number() OVER" \
	"  (PARTITION BY room_id ORDER BY id) AS seq FROM events WHERE type = 'message') n" \
	"  WHERE events.id = n.id;" \
	"UPDATE rooms SET messages = (SELECT count(*) FROM events" \
	"  WHERE room_id = rooms.id AND type = 'message');" \
	"INSERT INTO reads (user_id, room_id, read_id, read_seq, own)" \
	"  SELECT m.user_id, m.room_id, (SELECT coalesce(max(id), 0) FROM events), r.messages, 0" \
	"  FROM members m JOIN rooms r ON r.id = m.room_id;" \
	"INSERT INTO reads (user_id, room_id, read_id, read_seq, own)" \
	"  SELECT u.id, r.id, (SELECT coalesce(max(id), 0) FROM events), r.messages, 0" \
	"  FROM users u JOIN rooms r ON r.name = 'all';" \
	"INSERT INTO notify_state (id, scanned_id) SELECT 1, coalesce(max(id), 0) FROM events;"

/* The view chat_log's query as schema version 3 makes it: the new events
 * read as lines too; version 4 leaves out the users' read markers, and 5
 * reads topics and pins (more: CASE arms for the types of later versions). */
#define SQL_CHAT_LOG_LINES(more) \
	"  SELECT e.ts," \
	"         CASE WHEN e.room_id IS NULL" \
	"              THEN '@' || coalesce(t.username, gt.username, '?') ELSE r.name END," \
	"         e.username," \
	"         CASE WHEN e.deleted_at IS NOT NULL THEN '(deleted)'" \
	"              WHEN e.type = 'join' THEN '* joined'" \
	"              WHEN e.type = 'leave' THEN '* left'" \
	"              WHEN e.type = 'delete' THEN '* deleted message ' || e.target" \
	"              WHEN e.type = 'edit' THEN '* edited message ' || e.target" \
	"              WHEN e.type = 'reaction' AND e.on_off = 1" \
	"              THEN '* reacted ' || e.text || ' to message ' || e.target" \
	"              WHEN e.type = 'reaction'" \
	"              THEN '* took back ' || e.text || ' from message ' || e.target" \
	"              WHEN e.type = 'solved' AND e.on_off = 1" \
	"              THEN '* marked message ' || e.target || ' solved'" \
	"              WHEN e.type = 'solved' THEN '* unmarked message ' || e.target || ' solved'" \
	more \
	"              ELSE e.text END" \
	"  FROM events e LEFT JOIN rooms r ON r.id = e.room_id" \
	"  LEFT JOIN users t ON t.id = e.to_user_id" \
	"  LEFT JOIN events g ON g.id = e.target LEFT JOIN users gt ON gt.id = g.to_user_id"
#define SQL_CHAT_LOG_V3 SQL_CHAT_LOG_LINES("") "  ORDER BY e.id;"
#define SQL_CHAT_LOG_V4 SQL_CHAT_LOG_LINES("") "  WHERE e.type <> 'read' ORDER BY e.id;"
#define SQL_CHAT_LOG_V5 SQL_CHAT_LOG_LINES( \
	"              WHEN e.type = 'topic' AND e.text = '' THEN '* cleared the topic'" \
	"              WHEN e.type = 'topic' THEN '* set the topic: ' || e.text" \
	"              WHEN e.type = 'pin' AND e.text = 'unpin' THEN '* unpinned message ' || e.target" \
	"              WHEN e.type = 'pin' THEN '* pinned message ' || e.target") \
	"  WHERE e.type <> 'read' ORDER BY e.id;"

/* Where message e is: its room's name, or @recipient (t) */
#define SQL_CONVERSATION \
	"CASE WHEN e.room_id IS NULL THEN '@' || coalesce(t.username, '?') ELSE r.name END"
#define SQL_CONVERSATION_JOINS \
	" LEFT JOIN rooms r ON r.id = e.room_id LEFT JOIN users t ON t.id = e.to_user_id"

/* The views schema version 3 adds (doc/store-schema.md). */
#define SQL_CONVERSATION_VIEWS \
	"CREATE VIEW messages (id, time, room, author, text, edited, reply_to, thread, replies," \
	"  solved_by, solved_at, deleted_at) AS" \
	"  SELECT e.id, e.ts, " SQL_CONVERSATION ", e.username, e.text, e.edited_at, e.reply_to," \
	"         e.thread_id," \
	"         (SELECT count(*) FROM events x WHERE x.thread_id = e.id AND x.deleted_at IS NULL)," \
	"         s.username, e.solved_at, e.deleted_at" \
	"  FROM events e" SQL_CONVERSATION_JOINS " LEFT JOIN users s ON s.id = e.solved_by" \
	"  WHERE e.type IN ('message', 'direct') ORDER BY e.id;" \
	"CREATE VIEW message_history (message, version, written, replaced, author, room, text) AS" \
	"  SELECT v.message_id, v.version, v.written_at, v.replaced_at, e.username," \
	"         " SQL_CONVERSATION ", v.text" \
	"  FROM message_versions v JOIN events e ON e.id = v.message_id" SQL_CONVERSATION_JOINS \
	"  UNION ALL" \
	"  SELECT e.id, (SELECT count(*) FROM message_versions v WHERE v.message_id = e.id) + 1," \
	"         e.edited_at, NULL, e.username, " SQL_CONVERSATION ", e.text" \
	"  FROM events e" SQL_CONVERSATION_JOINS " WHERE e.edited_at IS NOT NULL" \
	"  ORDER BY 1, 2;" \
	"CREATE VIEW message_reactions (message, room, emoji, reacted_by, time) AS" \
	"  SELECT x.message_id, " SQL_CONVERSATION ", x.emoji, u.username, x.ts" \
	"  FROM reactions x JOIN events e ON e.id = x.message_id" SQL_CONVERSATION_JOINS \
	"  LEFT JOIN users u ON u.id = x.user_id ORDER BY x.message_id, x.ts;" \
	"CREATE VIEW threads (root, room, author, text, replies, repliers, last_reply," \
	"  solved_by, solved_at) AS" \
	"  SELECT e.id, " SQL_CONVERSATION ", e.username, e.text, count(x.id)," \
	"         count(DISTINCT x.user_id), max(x.ts), s.username, e.solved_at" \
	"  FROM events e JOIN events x ON x.thread_id = e.id AND x.deleted_at IS NULL" \
	SQL_CONVERSATION_JOINS " LEFT JOIN users s ON s.id = e.solved_by" \
	"  GROUP BY e.id, r.name, t.username, s.username ORDER BY max(x.ts) DESC;"

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
