/*
 * store_sqlite_conn.c - the SQLite driver's connection
 * (store_sqlite_conn.h): opening the file, statements prepared and
 * stepped, transactions and the waits for the write lock, schema
 * upgrades, and waking. The statements themselves are store_sqlite.c's.
 *
 * One struct store is one connection, used by one thread at a time; any
 * number of processes and threads share the file. The file is in WAL mode
 * with synchronous=FULL, so a committed event is in the fsynced WAL before
 * store_post returns: it survives a SIGKILL of the worker and a power cut.
 * Every write runs in BEGIN IMMEDIATE, so checks and inserts in one call
 * see no other writer between them, and SQLite's single writer hands out
 * event ids that become visible in id order. After each commit that stored
 * an event the writer puts its events in the host's ring ("<store>-events",
 * store_sqlite_ring.c) and bumps the shared counter in "<store>-wake"
 * (wake.c).
 *
 * The schema is for people as much as for us: readable UTC text times,
 * usernames copied into events, a chat_log view and the admin views, and
 * a full-text index kept in step by triggers. doc/store-schema.md
 * describes it; PRAGMA user_version numbers it and sqls_schema[]
 * (store_sqlite_sql.c, with every statement's SQL) holds one upgrade step
 * per version.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "evring.h"
#include "monotime.h"
#include "store_sqlite_conn.h"
#include "wake.h"

#define STORE_BUSY_SLICE_MS 5    /* a wait's longest sleep: a writer from
                                  * outside (the sqlite3 shell) bumps no
                                  * write counter when it lets go */

/* The driver's fail(): formats SQLite's last error into err, abandons any
 * open transaction and every statement in progress. */
enum store_result sqls_fail(struct store *base, const char *what, char *err, size_t errlen)
{
	struct sqls *st = sqls(base);
	int i;

	snprintf(err, errlen, "store %s: %s: %s", st->path, what,
	         st->oom ? "out of memory" : st->sys_errno ? strerror(st->sys_errno)
	         : st->moved ? "the file was deleted or replaced while open" : sqlite3_errmsg(st->db));
	st->oom = st->sys_errno = 0;
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
int sqls_oom(struct sqls *st)
{
	st->oom = 1;
	return -1;
}

/* The cached statement id, ready for binding; NULL (SQLite's error set, or
 * st->oom) if it cannot be prepared. The shared statements of store_sql.h
 * number their parameters $n, which SQLite reads as ?n. */
sqlite3_stmt *sqls_stmt(struct sqls *st, enum stmt_id id)
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
int sqls_row(sqlite3_stmt *s)
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

sqlite3_stmt *sqls_bind_ids(sqlite3_stmt *s, long long a, long long b)
{
	sqlite3_bind_int64(s, 1, a);
	sqlite3_bind_int64(s, 2, b);
	return s;
}

/* Runs a statement that returns no rows: 0 or -1. */
int sqls_exec(sqlite3_stmt *s)
{
	return sqls_row(s) == 0 ? 0 : -1;
}

/* Runs a statement that returns no rows: the rows it changed, or -1. */
int sqls_changes(struct sqls *st, sqlite3_stmt *s)
{
	return sqls_exec(s) < 0 ? -1 : sqlite3_changes(st->db);
}

/* Runs a one-row query for its first column: 1 (*v set), 0 (no row), -1. */
int sqls_int(sqlite3_stmt *s, long long *v)
{
	int r = sqls_row(s);

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
int sqls_begin(struct store *base)
{
	struct sqls *st = sqls(base);
	int moved = 0;

	if (sqlite3_file_control(st->db, "main", SQLITE_FCNTL_HAS_MOVED, &moved) == SQLITE_OK && moved) {
		st->moved = 1;
		return -1;
	}
	st->write_seq = wake_write_seq(st->wake);
	st->txn_first = st->txn_last = 0;
	return sqls_exec(sqls_stmt(st, S_BEGIN));
}

void sqls_rollback(struct store *base)
{
	struct sqls *st = sqls(base);

	sqls_exec(sqls_stmt(st, S_ROLLBACK));
	wake_write_done(st->wake);
}

/* Commits, lets writers waiting for the lock try again, and, if an event
 * was stored, puts the events in the host's ring and wakes the waiting
 * polls of every process. The messages this transaction stored (and any
 * a writer that does not flush left) enter the search index first, in
 * one statement (schema step 7). */
int sqls_commit(struct store *base, int stored)
{
	struct sqls *st = sqls(base);

	if (st->txn_first && (sqls_exec(sqls_stmt(st, S_FTS_FLUSH)) < 0 ||
	                      sqls_exec(sqls_stmt(st, S_FTS_FLUSHED)) < 0))
		return -1;
	if (sqls_exec(sqls_stmt(st, S_COMMIT)) < 0)
		return -1;
	wake_write_done(st->wake);
	if (stored) {
		sqls_ring_publish(st);
		wake_bump(st->wake);
	}
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

const char *sqls_text(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t ? (const char *)t : "";
}

int store_sqlite_version(void)
{
	return SQLS_VERSION;
}

unsigned sqls_seq(struct store *base)
{
	return wake_seq(sqls(base)->wake);
}

unsigned sqls_wait(struct store *base, unsigned seq, int timeout_ms)
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
	    sqls_int(s, version) >= 0;
	sqlite3_finalize(s);
	return r ? 0 : -1;
}

void sqls_room_key(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const unsigned char *name = sqlite3_value_text(argv[0]);
	char key[ROOM_NAME_BUF];

	(void)argc;
	if (!name) {
		sqlite3_result_null(ctx);
		return;
	}
	room_key((const char *)name, key);
	sqlite3_result_text(ctx, key, -1, SQLITE_TRANSIENT);
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

int sqls_open(const struct store_driver *drv, const char *path, struct store **out,
              char *err, size_t errlen)
{
	struct sqls *st;
	char wake_path[4096];
	sqlite3_stmt *s = NULL;
	struct stat sb;
	const char *mode = NULL;
	long long max_id = 0;

	*out = NULL;
	if (store_check_dir(path, err, errlen) < 0)
		return -1;
	st = calloc(1, sizeof *st);
	if (st) {
		st->base.drv = drv;
		st->busy_ms = STORE_BUSY_MS;
		st->notify_fd = -1;
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
	if (sqlite3_create_function(st->db, "room_key", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
	                            sqls_room_key, NULL, NULL) != SQLITE_OK)
		goto fail;
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
	if (drv->max_id(&st->base, &max_id) < 0)
		goto fail;
	sqls_ring_open(st, sb.st_mode & 0666, max_id);
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

/* SQLite gives each connection's page cache room for
 * SQLITE_DEFAULT_PCACHE_INITSZ pages (20, 87 KiB) at its first read and
 * keeps it, however few pages it then holds: none up front, so that
 * sqls_trim() leaves nothing. */
void sqls_lean(void)
{
	sqlite3_config(SQLITE_CONFIG_PAGECACHE, NULL, 0, 0);
}

/* Frees the page cache's pages no statement holds: all of them between
 * calls, every statement being reset after its call. */
void sqls_trim(struct store *base)
{
	sqlite3_db_release_memory(sqls(base)->db);
}

void sqls_close(struct store *base)
{
	struct sqls *st = sqls(base);
	int i;

	if (!st)
		return;
	for (i = 0; i < S_COUNT; i++)
		sqlite3_finalize(st->stmt[i]);
	sqlite3_close(st->db);
	wake_close(st->wake);
	evring_close(st->ring);
	if (st->notify_fd >= 0)
		close(st->notify_fd);   /* and with it the lock */
	free(st->path);
	free(st);
}
