/*
 * store_pg_sql.h - the PostgreSQL driver's SQL (store_pg_sql.c), for
 * store_pg.c and store_pg_conn.c alone: the schema steps and the statements by id.
 */
#ifndef GC_STORE_PG_SQL_H
#define GC_STORE_PG_SQL_H

#include "store_sql.h"

#define PGS_CHANNEL "galaxy_chat"
#define PGS_WRITE_LOCK "7305423311276556289"    /* pg_advisory_xact_lock key: writers */
#define PGS_NOTIFY_LOCK "7305423311276556291"   /* pg_try_advisory_lock key: notify's runs */
#define PGS_STATEMENT_TIMEOUT "10000"           /* milliseconds, for statements and for
                                                   a transaction left idle (by a frozen
                                                   process holding the writers' lock) */
#define PGS_SCHEMA_VERSION 7                    /* the schema version this galaxy-chat writes */

/* pgs_schema_sql[v] upgrades a database from version v to v + 1. */
extern const char *const pgs_schema_sql[PGS_SCHEMA_VERSION];

enum stmt_id {
	S_BEGIN, S_COMMIT, S_ROLLBACK, S_WRITE_LOCK, S_LISTEN, S_TIMEOUT,
	S_USER_WRITE, S_USER_CURRENT, S_USER_KNOWN, S_USER_LEFT,
	S_ROOM_FIND, S_ROOM_ADD, S_ROOM_PERSIST, S_ROOMS_UNPERSIST, S_ROOMS_PERSISTENT, S_ROOMS_UNKEYED,
	S_MEMBER_ADD, S_MEMBER_DEL, S_MEMBER_IS, S_ROOMS_ADHOC,
	S_TOPICS_CONFIGURED, S_TOPIC_CONFIGURE, S_TOPIC_SET,
	S_PIN_ADD, S_PIN_DEL, S_PINS_COUNT, S_PINS,
	S_EVENT_BY_CLIENT, S_EVENT_ADD, S_NOTIFY,
	S_EVENTS_ALL, S_EVENTS_VISIBLE, S_HISTORY, S_THREAD, S_EVENT_GET, S_DIRECT_HISTORY, S_OPEN,
	S_MAX_ID,
	S_MEMBERSHIPS, S_ROOMS, S_WHO,
	S_TARGET, S_THREAD_FIND, S_DELETE_MARK, S_TEXT_IS, S_VERSION_ADD, S_TEXT_SET, S_VERSIONS,
	S_REACTION_ADD, S_REACTION_DEL, S_SOLVED_SET, S_SOLVED_DEL,
	S_MUTED, S_MUTE_SET, S_MUTE_DEL,
	S_SEARCH, S_SEARCH_TIMEOUT, S_PRUNE_BOUND, S_PRUNE_COUNT, S_PRUNE_BATCH, S_LOG, S_STATS,
	S_ROOM_COUNT, S_USER_NAMED, S_MENTION_ADD, S_MENTIONS_DEL,
	S_READ_START, S_READ_DEL, S_READ_OWN, S_READ_MOVE,
	S_DIRECT_COUNT, S_DIRECT_UNCOUNT, S_DIRECT_MOVE, S_EVENT_WHERE,
	S_UNREAD_ROOMS, S_UNREAD_DIRECT, S_SETTING_GET, S_SETTING_SET,
	S_NOTIFY_CUTOFF, S_NOTIFY_DUE, S_NOTIFY_SCANNED, S_NOTIFY_USERS, S_NOTIFY_ITEMS,
	S_NOTIFY_DONE, S_NOTIFY_LOCK,
	S_COUNT
};

/* The SQL of each statement; prepared once per connection. */
extern const char *const pgs_sql[S_COUNT];

#endif
