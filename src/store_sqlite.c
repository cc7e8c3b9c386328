/*
 * store_sqlite.c - the store driver (store_driver.h) for one SQLite file:
 * the connection, its schema upgrades, each statement, and waking.
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
 * describes it; PRAGMA user_version numbers it and sqls_schema[]
 * (store_sqlite_sql.c, with every statement's SQL) holds one upgrade step
 * per version.
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
#include "store_driver.h"
#include "store_sqlite_sql.h"
#include "wake.h"

#define STORE_BUSY_MS 5000       /* how long a write waits for the lock */
#define STORE_BUSY_SLICE_MS 5    /* a wait's longest sleep: a writer from
                                  * outside (the sqlite3 shell) bumps no
                                  * write counter when it lets go */
#define STORE_SEARCH_STEPS 1000  /* a search looks at the clock this many
                                  * SQLite instructions apart */


extern const struct store_driver store_sqlite_driver;
static void sqls_close(struct store *base);

struct sqls {
	struct store base;             /* first: drv = &store_sqlite_driver */
	sqlite3 *db;
	char *path;
	struct wake *wake;
	unsigned write_seq;            /* wake's write counter before this
	                                * connection last tried to lock */
	long long busy_since_ms;       /* when the present lock wait began */
	int busy_ms;                   /* and how long it may last */
	int moved;                     /* the file at path is no longer ours */
	int oom;                       /* the last failure was out of memory */
	sqlite3_stmt *stmt[S_COUNT];   /* prepared on first use */
};

static struct sqls *sqls(struct store *base)
{
	return (struct sqls *)base;
}

/* The driver's fail(): formats SQLite's last error into err, abandons any
 * open transaction and every statement in progress. */
static enum store_result sqls_fail(struct store *base, const char *what, char *err, size_t errlen)
{
	struct sqls *st = sqls(base);
	int i;

	snprintf(err, errlen, "store %s: %s: %s", st->path, what,
	         st->oom ? "out of memory"
	         : st->moved ? "the file was deleted or replaced while open" : sqlite3_errmsg(st->db));
	st->oom = 0;
	for (i = 0; i < S_COUNT; i++)
		if (st->stmt[i])
			sqlite3_reset(st->stmt[i]);
	if (!sqlite3_get_autocommit(st->db)) {
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		wake_write_done(st->wake);
	}
	return STORE_ERROR;
}

/* Records running out of memory as the failure; -1. */
static int sqls_oom(struct sqls *st)
{
	st->oom = 1;
	return -1;
}

/* The cached statement id, ready for binding; NULL (SQLite's error set, or
 * st->oom) if it cannot be prepared. The shared statements of store_sql.h
 * number their parameters $n, which SQLite reads as ?n. */
static sqlite3_stmt *stmt(struct sqls *st, enum stmt_id id)
{
	char *sql;

	if (!st->stmt[id]) {
		if (!(sql = strdup(sqls_sql[id]))) {
			sqls_oom(st);
			return NULL;
		}
		for (char *p = sql; (p = strchr(p, '$')); p++)
			if (p[1] >= '0' && p[1] <= '9')
				*p = '?';
		sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st->stmt[id], NULL);
		free(sql);
	}
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

/* Runs a statement that returns no rows: the rows it changed, or -1. */
static int sql_changes(struct sqls *st, sqlite3_stmt *s)
{
	return sql_exec(s) < 0 ? -1 : sqlite3_changes(st->db);
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
static int sqls_begin(struct store *base)
{
	struct sqls *st = sqls(base);
	int moved = 0;

	if (sqlite3_file_control(st->db, "main", SQLITE_FCNTL_HAS_MOVED, &moved) == SQLITE_OK && moved) {
		st->moved = 1;
		return -1;
	}
	st->write_seq = wake_write_seq(st->wake);
	return sql_exec(stmt(st, S_BEGIN));
}

static void sqls_rollback(struct store *base)
{
	struct sqls *st = sqls(base);

	sql_exec(stmt(st, S_ROLLBACK));
	wake_write_done(st->wake);
}

/* Commits, lets writers waiting for the lock try again, and wakes the
 * waiting polls of every process if an event was stored. */
static int sqls_commit(struct store *base, int stored)
{
	struct sqls *st = sqls(base);

	if (sql_exec(stmt(st, S_COMMIT)) < 0)
		return -1;
	wake_write_done(st->wake);
	if (stored)
		wake_bump(st->wake);
	return 0;
}

/* SQLite's busy handler (tries counts the calls in this wait): sleeps until
 * a write transaction ends somewhere, at most STORE_BUSY_SLICE_MS, then
 * asks SQLite to try again, for st->busy_ms in all (STORE_BUSY_MS). The write counter is
 * read before each try (sqls_begin, and here), so an end between a failed
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

/* Binds u's id, username, email and gravatar to s's ?1..?4. */
static sqlite3_stmt *bind_user(sqlite3_stmt *s, const struct user *u)
{
	sqlite3_bind_int64(s, 1, u->id);
	sqlite3_bind_text(s, 2, u->username, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, u->email, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, u->gravatar, -1, SQLITE_STATIC);
	return s;
}

/* Binds a and b to s's ?1 and ?2. */
static sqlite3_stmt *bind_ids(sqlite3_stmt *s, long long a, long long b)
{
	sqlite3_bind_int64(s, 1, a);
	sqlite3_bind_int64(s, 2, b);
	return s;
}

/* Binds v to s's ?i, or NULL when v is 0. */
static void bind_id_or_null(sqlite3_stmt *s, int i, long long v)
{
	if (v)
		sqlite3_bind_int64(s, i, v);
	else
		sqlite3_bind_null(s, i);
}

static int sqls_user_write(struct store *base, const struct user *u, const char *ts)
{
	sqlite3_stmt *s = bind_user(stmt(sqls(base), S_USER_WRITE), u);

	sqlite3_bind_text(s, 5, ts, -1, SQLITE_STATIC);
	return sql_exec(s);
}

static int sqls_user_current(struct store *base, const struct user *u)
{
	long long one;

	return sql_int(bind_user(stmt(sqls(base), S_USER_CURRENT), u), &one);
}

static int sqls_user_known(struct store *base, long long user_id)
{
	sqlite3_stmt *s = stmt(sqls(base), S_USER_KNOWN);
	long long id;

	sqlite3_bind_int64(s, 1, user_id);
	return sql_int(s, &id);
}

static int sqls_user_left(struct store *base, long long user_id, const char *ts,
                          const char *recent)
{
	sqlite3_stmt *s = stmt(sqls(base), S_USER_LEFT);

	sqlite3_bind_int64(s, 1, user_id);
	sqlite3_bind_text(s, 2, ts, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, recent, -1, SQLITE_STATIC);
	return sql_exec(s);
}

static int sqls_users_seen(struct store *base, const struct store_seen_row *rows, size_t n,
                           int wait)
{
	struct sqls *st = sqls(base);
	int r;

	/* a transaction even for one row: its end lets waiting writers go */
	st->busy_ms = wait ? STORE_BUSY_MS : 0;
	r = sqls_begin(base);
	st->busy_ms = STORE_BUSY_MS;
	/* another writer holds the lock: last_seen is soft state, and each of
	 * these users is noted again at their next request, so this round is
	 * skipped rather than reported */
	if (r < 0 && !wait && sqlite3_errcode(st->db) == SQLITE_BUSY) {
		sqlite3_reset(stmt(st, S_BEGIN));
		return 0;
	}
	for (size_t i = 0; i < n && r == 0; i++)
		r = sqls_user_write(base, &rows[i].user, rows[i].ts);
	return r < 0 ? -1 : sqls_commit(base, 0);
}

static int sqls_room_find(struct store *base, const char *name, long long *id, int *persistent)
{
	sqlite3_stmt *s = stmt(sqls(base), S_ROOM_FIND);
	int r;

	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	if ((r = sql_row(s)) == 1) {
		*id = sqlite3_column_int64(s, 0);
		if (persistent)
			*persistent = sqlite3_column_int(s, 1) != 0;
		sqlite3_reset(s);
	}
	return r;
}

static int sqls_room_ensure(struct store *base, const char *name, int persistent, const char *ts)
{
	sqlite3_stmt *s = stmt(sqls(base), S_ROOM_ENSURE);

	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, persistent);
	sqlite3_bind_text(s, 3, ts, -1, SQLITE_STATIC);
	return sql_exec(s);
}

static const char *col_text(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t ? (const char *)t : "";
}

/* Appends the first column of every row of the bound query s to *names. */
static int names_query(struct sqls *st, sqlite3_stmt *s, char ***names, size_t *n)
{
	int r;

	while ((r = sql_row(s)) == 1)
		if (store_rows_name_add(names, n, col_text(s, 0)) < 0) {
			sqlite3_reset(s);
			return sqls_oom(st);
		}
	return r;
}

static int sqls_rooms_persistent(struct store *base, char ***names, size_t *n)
{
	return names_query(sqls(base), stmt(sqls(base), S_ROOMS_PERSISTENT), names, n);
}

static int sqls_rooms_unpersist(struct store *base)
{
	return sql_exec(stmt(sqls(base), S_ROOMS_UNPERSIST));
}

static int sqls_member_add(struct store *base, long long room_id, long long user_id,
                           const char *ts)
{
	sqlite3_stmt *s = bind_ids(stmt(sqls(base), S_MEMBER_ADD), room_id, user_id);

	sqlite3_bind_text(s, 3, ts, -1, SQLITE_STATIC);
	return sql_changes(sqls(base), s);
}

static int sqls_member_del(struct store *base, long long room_id, long long user_id)
{
	return sql_changes(sqls(base), bind_ids(stmt(sqls(base), S_MEMBER_DEL), room_id, user_id));
}

static int sqls_member_is(struct store *base, long long room_id, long long user_id)
{
	long long one;

	return sql_int(bind_ids(stmt(sqls(base), S_MEMBER_IS), room_id, user_id), &one);
}

static int sqls_rooms_adhoc(struct store *base, long long user_id, long long room_id,
                            long long *n)
{
	return sql_int(bind_ids(stmt(sqls(base), S_ROOMS_ADHOC), user_id, room_id), n) < 0 ? -1 : 0;
}

static int sqls_memberships(struct store *base, long long user_id, char ***names, size_t *n)
{
	sqlite3_stmt *s = stmt(sqls(base), S_MEMBERSHIPS);

	sqlite3_bind_int64(s, 1, user_id);
	return names_query(sqls(base), s, names, n);
}

static int sqls_rooms(struct store *base, long long user_id, int brief, const char *since,
                      json_object *out)
{
	struct sqls *st = sqls(base);
	sqlite3_stmt *s = bind_ids(stmt(st, S_ROOMS), user_id, base->all_id);
	int r;

	sqlite3_bind_text(s, 3, since, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 4, brief != 0);
	while ((r = sql_row(s)) == 1) {
		struct store_room_row row = {
			.name = col_text(s, 0), .persistent = sqlite3_column_int(s, 1) != 0,
			.joined = sqlite3_column_int(s, 2) != 0, .members = sqlite3_column_int64(s, 3),
			.online = sqlite3_column_int64(s, 4), .last_id = sqlite3_column_int64(s, 5),
		};
		if (store_rows_room_add(out, &row, brief) < 0) {
			sqlite3_reset(s);
			return sqls_oom(st);
		}
	}
	return r;
}

static int sqls_who(struct store *base, long long room_id, const char *since, json_object *out)
{
	struct sqls *st = sqls(base);
	sqlite3_stmt *s = stmt(st, S_WHO);
	int r;

	sqlite3_bind_int64(s, 1, room_id);
	sqlite3_bind_text(s, 2, since, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, base->all_id);
	while ((r = sql_row(s)) == 1)
		if (json_object_array_add(out, store_rows_user_json(sqlite3_column_int64(s, 0),
		                                                    col_text(s, 1), col_text(s, 2))) != 0) {
			sqlite3_reset(s);
			return sqls_oom(st);
		}
	return r;
}

static int sqls_event_add(struct store *base, const struct store_new_event *ev, long long *id)
{
	struct sqls *st = sqls(base);
	sqlite3_stmt *s = stmt(st, S_EVENT_ADD);

	sqlite3_bind_text(s, 1, ev->ts, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, store_event_type_names[ev->type], -1, SQLITE_STATIC);
	bind_id_or_null(s, 3, ev->room_id);
	sqlite3_bind_int64(s, 4, ev->user->id);
	sqlite3_bind_text(s, 5, ev->user->username, -1, SQLITE_STATIC);
	bind_id_or_null(s, 6, ev->to_user_id);
	sqlite3_bind_text(s, 7, ev->text, -1, SQLITE_STATIC);      /* NULL binds NULL */
	sqlite3_bind_text(s, 8, ev->client_id, -1, SQLITE_STATIC);
	bind_id_or_null(s, 9, ev->target);
	return sql_int(s, id) == 1 ? 0 : -1;
}

static int sqls_event_by_client(struct store *base, long long user_id, const char *client_id,
                                long long *id, char ts[32])
{
	sqlite3_stmt *s = stmt(sqls(base), S_EVENT_BY_CLIENT);
	int r;

	sqlite3_bind_int64(s, 1, user_id);
	sqlite3_bind_text(s, 2, client_id, -1, SQLITE_STATIC);
	if ((r = sql_row(s)) == 1) {
		*id = sqlite3_column_int64(s, 0);
		snprintf(ts, 32, "%s", col_text(s, 1));
		sqlite3_reset(s);
	}
	return r;
}

static int sqls_event_target(struct store *base, long long id, struct store_target *t)
{
	sqlite3_stmt *s = stmt(sqls(base), S_TARGET);
	int r;

	sqlite3_bind_int64(s, 1, id);
	if ((r = sql_row(s)) == 1) {
		t->room_id = sqlite3_column_int64(s, 0);
		t->user_id = sqlite3_column_int64(s, 1);
		t->to_user_id = sqlite3_column_int64(s, 2);
		t->deleted = sqlite3_column_int(s, 3);
		sqlite3_reset(s);
	}
	return r;
}

static int sqls_event_mark_deleted(struct store *base, long long id, long long by, const char *ts)
{
	sqlite3_stmt *s = bind_ids(stmt(sqls(base), S_DELETE_MARK), id, by);

	sqlite3_bind_text(s, 3, ts, -1, SQLITE_STATIC);
	return sql_exec(s);
}

static int sqls_max_id(struct store *base, long long *id)
{
	return sql_int(stmt(sqls(base), S_MAX_ID), id) < 0 ? -1 : 0;
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

/* Runs the bound event query s and appends every row to out: 0 or -1. */
static int events_query(struct sqls *st, sqlite3_stmt *s, struct store_events *out)
{
	int r;

	while ((r = sql_row(s)) == 1) {
		struct store_row row = row_read(s);

		if (store_rows_event_push(out, &row) < 0) {
			sqlite3_reset(s);
			return sqls_oom(st);
		}
	}
	return r;
}

static int sqls_events_after(struct store *base, long long since, int limit,
                             struct store_events *out)
{
	sqlite3_stmt *s = stmt(sqls(base), S_EVENTS_ALL);

	sqlite3_bind_int64(s, 1, since);
	sqlite3_bind_int(s, 2, limit);
	return events_query(sqls(base), s, out);
}

static int sqls_events_visible(struct store *base, long long user_id, long long since, int limit,
                               struct store_events *out)
{
	sqlite3_stmt *s = bind_ids(stmt(sqls(base), S_EVENTS_VISIBLE), user_id, since);

	sqlite3_bind_int(s, 3, limit);
	sqlite3_bind_int64(s, 4, base->all_id);
	return events_query(sqls(base), s, out);
}

static int sqls_history(struct store *base, long long room_id, long long before, int limit,
                        struct store_events *out)
{
	sqlite3_stmt *s = bind_ids(stmt(sqls(base), S_HISTORY), room_id, before);

	sqlite3_bind_int(s, 3, limit);
	return events_query(sqls(base), s, out);
}

static int sqls_mute_get(struct store *base, long long user_id, const char *now, char until[32])
{
	sqlite3_stmt *s = stmt(sqls(base), S_MUTED);
	int r;

	until[0] = '\0';
	sqlite3_bind_int64(s, 1, user_id);
	sqlite3_bind_text(s, 2, now, -1, SQLITE_STATIC);
	if ((r = sql_row(s)) == 1) {
		snprintf(until, 32, "%s", col_text(s, 0));
		sqlite3_reset(s);
	}
	return r;
}

static int sqls_mute_set(struct store *base, long long user_id, const char *until, long long by,
                         const char *now)
{
	sqlite3_stmt *s = stmt(sqls(base), S_MUTE_SET);

	sqlite3_bind_int64(s, 1, user_id);
	sqlite3_bind_text(s, 2, until, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, by);
	sqlite3_bind_text(s, 4, now, -1, SQLITE_STATIC);
	return sql_changes(sqls(base), s);
}

static int sqls_mute_del(struct store *base, long long user_id, const char *now)
{
	sqlite3_stmt *s = stmt(sqls(base), S_MUTE_DEL);

	sqlite3_bind_int64(s, 1, user_id);
	sqlite3_bind_text(s, 2, now, -1, SQLITE_STATIC);
	return sql_changes(sqls(base), s);
}

/* SQLite's progress handler during a search: 1 (interrupt) once past
 * the deadline (a monotime_ms() time). */
static int search_past(void *deadline)
{
	return monotime_ms() >= *(const long long *)deadline;
}

static int sqls_search(struct store *base, long long user_id, const char *q, long long room_id,
                       long long before, int limit, int timeout_ms, json_object *out, int *more,
                       int *partial)
{
	struct sqls *st = sqls(base);
	long long deadline;
	sqlite3_stmt *s;
	char *match;
	int r = 0, n = 0, oom = 0;

	if (!(match = search_fts5_query(q)))
		return sqls_oom(st);
	s = stmt(st, S_SEARCH);
	sqlite3_bind_text(s, 1, match, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, user_id);
	sqlite3_bind_int64(s, 3, before);
	sqlite3_bind_int(s, 4, limit + 1);
	sqlite3_bind_int64(s, 5, base->all_id);
	bind_id_or_null(s, 6, room_id);
	deadline = monotime_ms() + timeout_ms;
	sqlite3_progress_handler(st->db, STORE_SEARCH_STEPS, search_past, &deadline);
	while (!*more && !oom && (r = sql_row(s)) == 1) {
		struct store_row row = row_read(s);

		if (++n > limit)
			*more = 1;
		else
			oom = store_rows_search_add(out, &row, col_text(s, EVENT_NCOLS)) < 0;
	}
	sqlite3_progress_handler(st->db, 0, NULL, NULL);
	free(match);
	*partial = r < 0 && sqlite3_errcode(st->db) == SQLITE_INTERRUPT;
	if (r < 0 && !*partial)
		return -1;
	sqlite3_reset(s);
	return oom ? sqls_oom(st) : 0;
}

static int sqls_prune_bound(struct store *base, const char *cutoff, long long *bound)
{
	sqlite3_stmt *s = stmt(sqls(base), S_PRUNE_BOUND);

	sqlite3_bind_text(s, 1, cutoff, -1, SQLITE_STATIC);
	return sql_int(s, bound) < 0 ? -1 : 0;
}

static int sqls_prune_count(struct store *base, long long bound, const char *cutoff,
                            long long *events, long long *messages)
{
	sqlite3_stmt *s = stmt(sqls(base), S_PRUNE_COUNT);

	sqlite3_bind_int64(s, 1, bound);
	sqlite3_bind_text(s, 2, cutoff, -1, SQLITE_STATIC);
	if (sql_row(s) != 1)
		return -1;
	*events = sqlite3_column_int64(s, 0);
	*messages = sqlite3_column_int64(s, 1);
	sqlite3_reset(s);
	return 0;
}

static int sqls_prune_batch(struct store *base, long long bound, const char *cutoff, int batch,
                            long long *messages)
{
	sqlite3_stmt *s;
	int r, n;

	if (sqls_begin(base) < 0)
		return -1;
	s = stmt(sqls(base), S_PRUNE_BATCH);
	sqlite3_bind_int64(s, 1, bound);
	sqlite3_bind_text(s, 2, cutoff, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 3, batch);
	for (n = 0; (r = sql_row(s)) == 1; n++)
		*messages += sqlite3_column_int(s, 0);
	return r < 0 || sqls_commit(base, 0) < 0 ? -1 : n;
}

static int sqls_log(struct store *base, long long room_id, const char *since, const char *until,
                    store_log_fn fn, void *ctx)
{
	sqlite3_stmt *s = stmt(sqls(base), S_LOG);
	struct store_log_row row;
	int r;

	sqlite3_bind_int64(s, 1, room_id);
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
			return 1;
		}
	}
	return r;
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

static int sqls_stats(struct store *base, struct store_stats *out)
{
	return stats_read(stmt(sqls(base), S_STATS), out);
}

enum store_result store_sqlite_stats(struct sqlite3 *db, struct store_stats *out,
                                     char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	int r = sqlite3_prepare_v2(db, sqls_sql[S_STATS], -1, &s, NULL) == SQLITE_OK &&
	        stats_read(s, out) == 0;

	if (!r)
		snprintf(err, errlen, "counting: %s", sqlite3_errmsg(db));
	sqlite3_finalize(s);
	return r ? STORE_OK : STORE_ERROR;
}

int store_sqlite_version(void)
{
	return SQLS_VERSION;
}

static unsigned sqls_seq(struct store *base)
{
	return wake_seq(sqls(base)->wake);
}

static unsigned sqls_wait(struct store *base, unsigned seq, int timeout_ms)
{
	return wake_wait(sqls(base)->wake, seq, timeout_ms);
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

/* Brings the schema to SQLS_VERSION, one step per version, in one write
 * transaction so concurrent openers migrate once. A store already current
 * is only read: opening it needs no write lock. */
static int store_migrate(struct sqls *st, char *err, size_t errlen)
{
	long long version = 0;
	char sql[64];

	if (store_version(st, &version) < 0)
		return sqls_fail(&st->base, "reading the schema version", err, errlen);
	if (version == SQLS_VERSION)
		return 0;
	if (sqls_begin(&st->base) < 0 || store_version(st, &version) < 0)
		return sqls_fail(&st->base, "reading the schema version", err, errlen);
	if (version > SQLS_VERSION) {
		sqls_rollback(&st->base);
		snprintf(err, errlen, "store %s: schema version %lld is newer than this "
		         "galaxy-chat knows (%d)", st->path, version, SQLS_VERSION);
		return -1;
	}
	for (; version < SQLS_VERSION; version++) {
		snprintf(sql, sizeof sql, "PRAGMA user_version = %lld", version + 1);
		if (sqlite3_exec(st->db, sqls_schema[version], NULL, NULL, NULL) != SQLITE_OK ||
		    sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK)
			return sqls_fail(&st->base, "upgrading the schema", err, errlen);
	}
	if (sqls_commit(&st->base, 0) < 0)
		return sqls_fail(&st->base, "upgrading the schema", err, errlen);
	return 0;
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

static int sqls_open(const char *path, struct store **out, char *err, size_t errlen)
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
		st->base.drv = &store_sqlite_driver;
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
	if (store_migrate(st, err, errlen) < 0)
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
	struct sqls *st = sqls(base);
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

const struct store_driver store_sqlite_driver = {
	.open = sqls_open, .close = sqls_close, .fail = sqls_fail,
	.begin = sqls_begin, .commit = sqls_commit, .rollback = sqls_rollback,
	.user_write = sqls_user_write, .user_current = sqls_user_current,
	.user_known = sqls_user_known, .user_left = sqls_user_left,
	.users_seen = sqls_users_seen,
	.room_find = sqls_room_find, .room_ensure = sqls_room_ensure,
	.rooms_persistent = sqls_rooms_persistent, .rooms_unpersist = sqls_rooms_unpersist,
	.member_add = sqls_member_add, .member_del = sqls_member_del, .member_is = sqls_member_is,
	.rooms_adhoc = sqls_rooms_adhoc, .memberships = sqls_memberships,
	.rooms = sqls_rooms, .who = sqls_who,
	.event_add = sqls_event_add, .event_by_client = sqls_event_by_client,
	.event_target = sqls_event_target, .event_mark_deleted = sqls_event_mark_deleted,
	.max_id = sqls_max_id, .events_after = sqls_events_after,
	.events_visible = sqls_events_visible, .history = sqls_history,
	.mute_get = sqls_mute_get, .mute_set = sqls_mute_set, .mute_del = sqls_mute_del,
	.search = sqls_search, .prune_bound = sqls_prune_bound, .prune_count = sqls_prune_count,
	.prune_batch = sqls_prune_batch, .log = sqls_log, .stats = sqls_stats,
	.seq = sqls_seq, .wait = sqls_wait,
};
