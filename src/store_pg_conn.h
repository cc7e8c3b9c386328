/*
 * store_pg_conn.h - the PostgreSQL driver's handle and its connection
 * (store_pg_conn.c), shared by the driver's files only: store_pg.c
 * (one function per statement, and the driver's table),
 * store_pg_attention.c (those of attention and notify) and
 * store_pg_conn.c (connecting, running statements, transactions, schema
 * upgrades, waking).
 */
#ifndef GC_STORE_PG_CONN_H
#define GC_STORE_PG_CONN_H

#include "pqlib.h"

#include "store_driver.h"
#include "store_pg_sql.h"

struct pgs {
	struct store base;             /* first: drv, the table pgs_open was handed */
	PGconn *conn;                  /* NULL or possibly dead: pgs_connect remakes it */
	char *conninfo;
	char label[160];               /* "PostgreSQL db on host:port", for messages */
	unsigned char prepared[S_COUNT]; /* on this connection */
	int up;                        /* conn was made and set up */
	long long retry_at;            /* if not, no new attempt before (mono_ms) */
	int in_tx;                     /* inside BEGIN .. COMMIT/ROLLBACK */
	int listening;                 /* store_seq/store_wait used: this handle LISTENs */
	int listened;                  /* ... and has on this connection */
	unsigned seq;                  /* notifications (and reconnects) seen */
	PGresult *bad;                 /* the last failed statement's result, for pgs_fail */
	int oom;                       /* the last failure was out of memory */
};

static inline struct pgs *pgs(struct store *base)
{
	return (struct pgs *)base;
}

/* Keeps r (a failed result, or NULL) as the reason of the failure. */
void pgs_keep(struct pgs *st, PGresult *r);

/* The driver's fail(): formats the last failure (its result's error, or
 * the connection's), abandons any open transaction, returns STORE_ERROR. */
enum store_result pgs_fail(struct store *base, const char *what, char *err, size_t errlen);

/* Records running out of memory as the failure; -1. */
int pgs_oom(struct pgs *st);

/* Runs statement id with n text parameters (NULL: SQL NULL). Outside a
 * transaction a statement that fails because the connection died is run
 * once more on a new connection. Returns the result when it succeeded,
 * else NULL, keeping the failure for pgs_fail. */
PGresult *pgs_run(struct pgs *st, enum stmt_id id, int n, const char *const *v);

/* Runs a statement: the rows it changed (0 for a query), or -1. */
int pgs_do(struct pgs *st, enum stmt_id id, int n, const char *const *v);

/* Runs a one-row query for its first column: 1 (*val set), 0 (no row), -1. */
int pgs_int(struct pgs *st, enum stmt_id id, int n, const char *const *v, long long *val);

/* A decimal number as text in buf (for a parameter). */
const char *pgs_num(char buf[24], long long v);

/* Row i, column col of r as a number. */
long long pgs_col(const PGresult *r, int i, int col);

/* Opens a writing transaction: BEGIN, then the writers' lock (see the top
 * of store_pg_conn.c). */
int pgs_begin(struct store *base);

/* Rolls back the open transaction. */
void pgs_rollback(struct store *base);

/* Commits; the NOTIFY that event_add queued goes out with it. */
int pgs_commit(struct store *base, int stored);

/* 1 when the last failure is a statement stopped by its statement_timeout
 * (or a cancel). */
int pgs_cancelled(const struct pgs *st);

/* The driver's close, and its open (store_driver.h) of a handle whose
 * drv is the driver's table (store_pg.c's, handed down so that this file
 * calls nothing of it). */
void pgs_close(struct store *base);
int pgs_open(const struct store_driver *drv, const char *conninfo, struct store **out,
             char *err, size_t errlen);

/* Waking (store_driver.h): LISTEN/NOTIFY on this handle's connection. */
unsigned pgs_seq(struct store *base);
unsigned pgs_wait(struct store *base, unsigned seq, int timeout_ms);

#endif
