/*
 * store_sqlite_sql.h - the SQLite driver's SQL (store_sqlite_sql.c), for
 * store_sqlite.c alone: the schema steps and the statements by id.
 */
#ifndef GC_STORE_SQLITE_SQL_H
#define GC_STORE_SQLITE_SQL_H

#include "store_sql.h"

#define SQLS_VERSION 3   /* the schema version this galaxy-chat writes */

/* sqls_schema[v] upgrades a store from PRAGMA user_version v to v + 1. */
extern const char *const sqls_schema[SQLS_VERSION];

enum stmt_id {
	S_BEGIN, S_COMMIT, S_ROLLBACK,
	S_USER_WRITE, S_USER_CURRENT, S_USER_KNOWN,
	S_ROOM_FIND, S_ROOM_ADD, S_ROOM_PERSIST, S_ROOMS_PERSISTENT, S_ROOMS_UNPERSIST, S_ROOMS_UNKEYED,
	S_MEMBER_ADD, S_MEMBER_DEL, S_MEMBER_IS, S_ROOMS_ADHOC,
	S_EVENT_BY_CLIENT, S_EVENT_ADD,
	S_EVENTS_ALL, S_EVENTS_VISIBLE, S_HISTORY, S_THREAD, S_EVENT_GET, S_DIRECT_HISTORY, S_OPEN,
	S_MAX_ID,
	S_MEMBERSHIPS, S_ROOMS, S_WHO,
	S_TARGET, S_THREAD_FIND, S_DELETE_MARK, S_TEXT_IS, S_VERSION_ADD, S_TEXT_SET, S_VERSIONS,
	S_REACTION_ADD, S_REACTION_DEL, S_SOLVED_SET, S_SOLVED_DEL,
	S_MUTED, S_MUTE_SET, S_MUTE_DEL,
	S_SEARCH, S_PRUNE_BOUND, S_PRUNE_COUNT, S_PRUNE_BATCH, S_LOG, S_STATS,
	S_COUNT
};

/* The SQL of each statement; prepared once per connection. */
extern const char *const sqls_sql[S_COUNT];

#endif
