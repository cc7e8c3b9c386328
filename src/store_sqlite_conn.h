/*
 * store_sqlite_conn.h - the SQLite driver's handle and its connection
 * (store_sqlite_conn.c), shared by the driver's files only:
 * store_sqlite.c (one function per statement, and the driver's table),
 * store_sqlite_attention.c (those of attention and notify) and
 * store_sqlite_conn.c (opening, statements prepared and stepped,
 * transactions and the lock waits, schema upgrades, waking).
 */
#ifndef GC_STORE_SQLITE_CONN_H
#define GC_STORE_SQLITE_CONN_H

#include <sqlite3.h>

#include "store_driver.h"
#include "store_sqlite_sql.h"

#define STORE_BUSY_MS 5000       /* how long a write waits for the lock */

struct evring;
struct wake;

struct sqls {
	struct store base;             /* first: drv, the table sqls_open was handed */
	sqlite3 *db;
	char *path;
	struct wake *wake;
	struct evring *ring;           /* "<store>-events", NULL: none (store_sqlite_ring.c) */
	long long txn_first, txn_last; /* the events this write transaction stored, 0: none */
	unsigned unpublished;          /* the wake counter's lead over the ring's
	                                * publications when last looked at */
	int notify_fd;                 /* "<store>-notify", locked by notify's run; -1 */
	unsigned write_seq;            /* wake's write counter before this
	                                * connection last tried to lock */
	long long busy_since_ms;       /* when the present lock wait began */
	int busy_ms;                   /* and how long it may last */
	int moved;                     /* the file at path is no longer ours */
	int oom;                       /* the last failure was out of memory */
	int sys_errno;                 /* ... or this errno of a system call */
	sqlite3_stmt *stmt[S_COUNT];   /* prepared on first use */
};

static inline struct sqls *sqls(struct store *base)
{
	return (struct sqls *)base;
}

/* The driver's fail(): formats SQLite's last error into err, abandons any
 * open transaction and every statement in progress. */
enum store_result sqls_fail(struct store *base, const char *what, char *err, size_t errlen);

/* Records running out of memory as the failure; -1. */
int sqls_oom(struct sqls *st);

/* The cached statement id, ready for binding; NULL (SQLite's error set, or
 * st->oom) if it cannot be prepared. The shared statements of store_sql.h
 * number their parameters $n, which SQLite reads as ?n. */
sqlite3_stmt *sqls_stmt(struct sqls *st, enum stmt_id id);

/* Steps s once: 1 with a row to read (the caller resets s after reading),
 * 0 when there is none (s is reset), -1 on error. */
int sqls_row(sqlite3_stmt *s);

/* Binds a and b to s's ?1 and ?2; s. */
sqlite3_stmt *sqls_bind_ids(sqlite3_stmt *s, long long a, long long b);

/* Runs a statement that returns no rows: 0 or -1. */
int sqls_exec(sqlite3_stmt *s);

/* Runs a statement that returns no rows: the rows it changed, or -1. */
int sqls_changes(struct sqls *st, sqlite3_stmt *s);

/* Runs a one-row query for its first column: 1 (*v set), 0 (no row), -1. */
int sqls_int(sqlite3_stmt *s, long long *v);

/* Starts a write, unless the file was deleted or replaced since it was
 * opened: writing on would acknowledge events into a file nobody else sees
 * (and that vanishes when closed), so refuse; the caller's 503 drops this
 * connection and the next one opens whatever file is at the path now. */
int sqls_begin(struct store *base);

/* Rolls back the open write transaction and lets waiting writers try. */
void sqls_rollback(struct store *base);

/* Commits, lets writers waiting for the lock try again, and wakes the
 * waiting polls of every process if an event was stored. */
int sqls_commit(struct store *base, int stored);

/* The ring of new events (store_sqlite_ring.c): opened beside the store
 * (mode its mode, max_id its newest id; a ring that cannot be had leaves
 * st->ring NULL: slower, not wrong); each event stored noted; the
 * transaction's events (noted since sqls_begin) put in it after its
 * commit; and the driver's events_recent. */
void sqls_ring_open(struct sqls *st, mode_t mode, long long max_id);
void sqls_ring_note(struct sqls *st, long long id);
void sqls_ring_publish(struct sqls *st);
enum store_recent sqls_events_recent(struct store *base, long long since, int limit,
                                     struct store_events *out);

/* Column i of s as text, "" for NULL. */
const char *sqls_text(sqlite3_stmt *s, int i);

/* Waking (store_driver.h): the wake file's event counter. */
unsigned sqls_seq(struct store *base);
unsigned sqls_wait(struct store *base, unsigned seq, int timeout_ms);

/* room_key(name) in SQL, for the upgrade to version 3 (room.c's rule,
 * not SQLite's lower(), which an ICU build widens); the store tests give
 * it to the connections that make older stores by their steps. */
void sqls_room_key(sqlite3_context *ctx, int argc, sqlite3_value **argv);

/* The driver's close, and its open (store_driver.h) of a handle whose
 * drv is the driver's table (store_sqlite.c's, handed down so that this
 * file calls nothing of it). */
void sqls_close(struct store *base);

/* The driver's lean() and trim() (store.h's store_lean, store_trim). */
void sqls_lean(void);
void sqls_trim(struct store *base);
int sqls_open(const struct store_driver *drv, const char *path, struct store **out,
              char *err, size_t errlen);

#endif
