/*
 * store_pg_conn.c - the PostgreSQL driver's connection (store_pg_conn.h):
 * connecting and reconnecting, running prepared statements, transactions
 * and their ordering, schema upgrades, and waking. The statements
 * themselves are store_pg.c's.
 *
 * One struct store is one libpq connection, used by one thread at a time.
 * Statements are prepared once per connection and run with PQexecPrepared.
 * A connection found dead (the server restarted) is remade on the next
 * call; a statement that fails because the connection died outside a
 * transaction is retried once on a fresh one (it never ran, or was a read
 * or an idempotent upsert), so the first request after a restart works.
 *
 * Event ids in order: ids come from the events.id identity sequence, and
 * a sequence hands ids out in call order, not commit order. Were two
 * writers to interleave, id 8 could commit before id 7, and a poller that
 * read up to 8 would never see 7. So every writing transaction first takes
 * the transaction-level advisory lock PGS_WRITE_LOCK: writers run one at a
 * time, like SQLite's single writer, and the lock is released only after
 * the commit has made the rows visible, so ids become visible in id order.
 * (Checks and inserts of one call also see no other writer between them.)
 *
 * Wakeups: the writing transaction runs pg_notify(PGS_CHANNEL, id), which
 * PostgreSQL delivers at commit to every session listening on the channel,
 * on every host. Only the handle that calls store_seq()/store_wait() (the
 * hub's, one per process) issues LISTEN; store_wait() sleeps in poll() on
 * that connection's socket. After a reconnect it LISTENs again and moves
 * the counter, so the hub re-reads from its cursor whatever was committed
 * while it was deaf.
 *
 * The schema is that of store_sqlite.c (doc/store-schema.md), times as the
 * same UTC text, plus a chat_schema table holding its version;
 * pgs_schema_sql[] (store_pg_sql.c, with every statement's SQL) holds one
 * upgrade step per version, applied under an advisory lock.
 *
 * libpq is loaded by pgs_open() (pqlib.h), before the handle exists: a
 * process whose store is SQLite never loads it.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "monotime.h"
#include "store_pg_conn.h"

#define PGS_SCHEMA_LOCK "7305423311276556290"   /* pg_advisory_xact_lock key: schema upgrades
                                                   (PGS_WRITE_LOCK: writers) */
#define PGS_CONNECT_TIMEOUT "5"                 /* seconds; the URL may override it */
#define PGS_RETRY_MS 250                        /* between reconnect attempts */

/* Formats "store <label>: what: msg" on one line into err. */
static void pgs_message(struct pgs *st, const char *what, const char *msg,
                        char *err, size_t errlen)
{
	char *p;

	snprintf(err, errlen, "store %s: %s: %s", st->label, what,
	         msg && *msg ? msg : "unknown error");
	for (p = err; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	while (p > err && p[-1] == ' ')
		*--p = '\0';
}

/* Keeps r (a failed result, or NULL) as the reason of the failure. */
void pgs_keep(struct pgs *st, PGresult *r)
{
	PQclear(st->bad);
	st->bad = r;
}

/* The driver's fail(): formats the last failure (its result's error, or
 * the connection's), abandons any open transaction, returns STORE_ERROR. */
enum store_result pgs_fail(struct store *base, const char *what, char *err, size_t errlen)
{
	struct pgs *st = pgs(base);
	const char *msg = st->bad ? PQresultErrorMessage(st->bad) : "";

	if (st->oom)
		msg = "out of memory";
	else if (!*msg && st->conn)
		msg = PQerrorMessage(st->conn);
	pgs_message(st, what, msg, err, errlen);
	pgs_keep(st, NULL);
	st->oom = 0;
	if (st->in_tx && st->conn && PQstatus(st->conn) == CONNECTION_OK)
		PQclear(PQexec(st->conn, "ROLLBACK"));
	st->in_tx = 0;
	return STORE_ERROR;
}

/* Records running out of memory as the failure; -1. */
int pgs_oom(struct pgs *st)
{
	st->oom = 1;
	return -1;
}

/* 1 when the connection is usable as far as can be told without a round
 * trip: up, and no pending input saying the server has closed it. */
static int pgs_alive(struct pgs *st)
{
	struct pollfd p;

	if (!st->conn || PQstatus(st->conn) != CONNECTION_OK)
		return 0;
	p.fd = PQsocket(st->conn);
	p.events = POLLIN;
	if (poll(&p, 1, 0) > 0 && !PQconsumeInput(st->conn))
		return 0;
	return PQstatus(st->conn) == CONNECTION_OK;
}

static int pgs_prepare(struct pgs *st, enum stmt_id id)
{
	char name[8];
	PGresult *r;
	int ok;

	if (st->prepared[id])
		return 0;
	snprintf(name, sizeof name, "s%d", (int)id);
	r = PQprepare(st->conn, name, pgs_sql[id], 0, NULL);
	ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	PQclear(r);
	st->prepared[id] = ok;
	return ok ? 0 : -1;
}

static PGresult *pgs_exec(struct pgs *st, enum stmt_id id, int n, const char *const *v)
{
	char name[8];

	if (pgs_prepare(st, id) < 0)
		return NULL;
	snprintf(name, sizeof name, "s%d", (int)id);
	return PQexecPrepared(st->conn, name, n, v, NULL, NULL, 0);
}

static int res_ok(const PGresult *r)
{
	ExecStatusType s = PQresultStatus(r);

	return r && (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK);
}

/* libpq's notices (NOTICE from the schema upgrade, a FATAL as the server
 * shuts down) go to the log at debug level, not raw onto stderr. */
static void pgs_notice(void *arg, const char *msg)
{
	struct pgs *st = arg;
	int n = (int)strlen(msg);

	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		n--;
	log_debug("store %s: %.*s", st->label, n, msg);
}

/* Makes sure the connection is up (outside transactions only): a dead one
 * is remade, its statements prepared afresh as used; a listening handle
 * LISTENs on it and counts that as a change (events may have been missed).
 * 0, or -1 with libpq's message on st->conn. */
static int pgs_connect(struct pgs *st)
{
	PGresult *r;

	if (st->in_tx)
		return 0;
	if (!pgs_alive(st)) {
		if (!st->up && st->conn && monotime_ms() < st->retry_at)
			return -1;   /* failed a moment ago: do not hammer the server */
		if (st->up)
			log_info("store %s: connection lost, reconnecting", st->label);
		st->up = 0;
		PQfinish(st->conn);
		memset(st->prepared, 0, sizeof st->prepared);
		st->listened = 0;
		st->conn = PQconnectdb(st->conninfo);
		if (!st->conn || PQstatus(st->conn) != CONNECTION_OK) {
			st->retry_at = monotime_ms() + PGS_RETRY_MS;
			return -1;
		}
		PQsetNoticeProcessor(st->conn, pgs_notice, st);
		r = pgs_exec(st, S_TIMEOUT, 0, NULL);
		if (!res_ok(r)) {
			PQclear(r);
			return -1;
		}
		PQclear(r);
		st->up = 1;
	}
	if (st->listening && !st->listened) {
		r = pgs_exec(st, S_LISTEN, 0, NULL);
		if (!res_ok(r)) {
			PQclear(r);
			return -1;
		}
		PQclear(r);
		st->listened = 1;
		st->seq++;
	}
	return 0;
}

/* Runs statement id with n text parameters (NULL: SQL NULL). Outside a
 * transaction a statement that fails because the connection died is run
 * once more on a new connection. Returns the result when it succeeded,
 * else NULL, keeping the failure for pgs_fail. */
PGresult *pgs_run(struct pgs *st, enum stmt_id id, int n, const char *const *v)
{
	PGresult *r = NULL;
	int attempt;

	for (attempt = 0; attempt < 2; attempt++) {
		PQclear(r);
		r = NULL;
		if (pgs_connect(st) == 0 && (r = pgs_exec(st, id, n, v)) && res_ok(r))
			return r;
		if (st->in_tx || (st->conn && PQstatus(st->conn) == CONNECTION_OK))
			break;
	}
	pgs_keep(st, r);
	return NULL;
}

/* Runs a statement: the rows it changed (0 for a query), or -1. */
int pgs_do(struct pgs *st, enum stmt_id id, int n, const char *const *v)
{
	PGresult *r = pgs_run(st, id, n, v);
	int changed;

	if (!r)
		return -1;
	changed = atoi(PQcmdTuples(r));
	PQclear(r);
	return changed;
}

/* Runs a one-row query for its first column: 1 (*val set), 0 (no row), -1. */
int pgs_int(struct pgs *st, enum stmt_id id, int n, const char *const *v, long long *val)
{
	PGresult *r = pgs_run(st, id, n, v);
	int found;

	if (!r)
		return -1;
	found = PQntuples(r) > 0;
	if (found)
		*val = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return found;
}

/* A decimal number as text in buf (for a parameter). */
const char *pgs_num(char buf[24], long long v)
{
	snprintf(buf, 24, "%lld", v);
	return buf;
}

long long pgs_col(const PGresult *r, int i, int col)
{
	return strtoll(PQgetvalue(r, i, col), NULL, 10);
}

/* Opens a writing transaction: BEGIN, then the writers' lock (see the top
 * of the file). */
int pgs_begin(struct store *base)
{
	struct pgs *st = pgs(base);

	if (pgs_do(st, S_BEGIN, 0, NULL) < 0)
		return -1;
	st->in_tx = 1;
	return pgs_do(st, S_WRITE_LOCK, 0, NULL) < 0 ? -1 : 0;
}

void pgs_rollback(struct store *base)
{
	struct pgs *st = pgs(base);

	pgs_do(st, S_ROLLBACK, 0, NULL);
	pgs_keep(st, NULL);
	st->in_tx = 0;
}

/* Commits; the NOTIFY that event_add queued goes out with it. */
int pgs_commit(struct store *base, int stored)
{
	struct pgs *st = pgs(base);

	(void)stored;
	if (pgs_do(st, S_COMMIT, 0, NULL) < 0)
		return -1;
	st->in_tx = 0;
	return 0;
}

/* 1 when the last failure is a statement stopped by its statement_timeout
 * (or a cancel). */
int pgs_cancelled(const struct pgs *st)
{
	const char *state = st->bad ? PQresultErrorField(st->bad, PG_DIAG_SQLSTATE) : NULL;

	return state && strcmp(state, "57014") == 0;   /* query_canceled */
}

/* Runs one statement with parameters v[0..n) outside the prepared set
 * (pgs_migrate's, run once per open): 0 when it succeeded, else -1 with
 * the failure kept. */
static int pgs_once(struct pgs *st, const char *sql, int n, const char *const *v)
{
	PGresult *r = PQexecParams(st->conn, sql, n, NULL, v, NULL, NULL, 0);

	if (res_ok(r)) {
		PQclear(r);
		return 0;
	}
	pgs_keep(st, r);
	return -1;
}

/* Brings the schema to PGS_SCHEMA_VERSION, one step per version, in one
 * transaction under PGS_SCHEMA_LOCK so concurrent openers migrate once. */
static int pgs_migrate(struct pgs *st, char *err, size_t errlen)
{
	PGresult *r;
	char vbuf[24];
	const char *v[1];
	long long version;

	st->in_tx = 1;
	if (pgs_once(st, "BEGIN", 0, NULL) < 0 ||
	    pgs_once(st, "SELECT pg_advisory_xact_lock(" PGS_SCHEMA_LOCK ")", 0, NULL) < 0 ||
	    pgs_once(st, "CREATE TABLE IF NOT EXISTS chat_schema (version integer NOT NULL)",
	             0, NULL) < 0)
		goto fail;
	r = PQexec(st->conn, "SELECT coalesce(max(version), 0) FROM chat_schema");
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		pgs_keep(st, r);
		goto fail;
	}
	version = pgs_col(r, 0, 0);
	PQclear(r);
	if (version > PGS_SCHEMA_VERSION) {
		pgs_rollback(&st->base);
		snprintf(err, errlen, "store %s: schema version %lld is newer than this "
		         "galaxy-chat knows (%d)", st->label, version, PGS_SCHEMA_VERSION);
		return -1;
	}
	for (; version < PGS_SCHEMA_VERSION; version++) {
		v[0] = pgs_num(vbuf, version + 1);
		r = PQexec(st->conn, pgs_schema_sql[version]);   /* several statements */
		if (!res_ok(r)) {
			pgs_keep(st, r);
			goto fail;
		}
		PQclear(r);
		if (pgs_once(st, "DELETE FROM chat_schema", 0, NULL) < 0 ||
		    pgs_once(st, "INSERT INTO chat_schema VALUES ($1)", 1, v) < 0)
			goto fail;
	}
	if (pgs_commit(&st->base, 0) == 0)
		return 0;
fail:
	pgs_fail(&st->base, "upgrading the schema", err, errlen);
	return -1;
}

/* "PostgreSQL db on host:port" from conninfo, never with the password. */
static void pgs_label(struct pgs *st)
{
	PQconninfoOption *opts = PQconninfoParse(st->conninfo, NULL), *o;
	const char *db = NULL, *host = NULL, *port = NULL;

	for (o = opts; o && o->keyword; o++) {
		if (!o->val)
			continue;
		if (strcmp(o->keyword, "dbname") == 0)
			db = o->val;
		else if (strcmp(o->keyword, "host") == 0)
			host = o->val;
		else if (strcmp(o->keyword, "port") == 0)
			port = o->val;
	}
	snprintf(st->label, sizeof st->label, "PostgreSQL %s on %s%s%s", db ? db : "(default)",
	         host ? host : "(default host)", port ? ":" : "", port ? port : "");
	PQconninfoFree(opts);
}

void pgs_close(struct store *base)
{
	struct pgs *st = pgs(base);

	PQclear(st->bad);
	PQfinish(st->conn);
	free(st->conninfo);
	free(st);
}

int pgs_open(const struct store_driver *drv, const char *conninfo, struct store **out,
             char *err, size_t errlen)
{
	struct pgs *st;
	size_t len = strlen(conninfo) + 96;
	char why[256];

	*out = NULL;
	/* first: every struct pgs, and so every libpq call of the driver's
	 * files, comes after it */
	if (pqlib_load(why, sizeof why) < 0) {
		snprintf(err, errlen, "store: %s", why);
		return -1;
	}
	st = calloc(1, sizeof *st);
	if (!st || !(st->conninfo = malloc(len))) {
		free(st);
		snprintf(err, errlen, "store: out of memory");
		return -1;
	}
	st->base.drv = drv;
	/* ours first: a later keyword from the URL wins in libpq */
	snprintf(st->conninfo, len, "connect_timeout=" PGS_CONNECT_TIMEOUT
	         " application_name=galaxy-chat %s", conninfo);
	pgs_label(st);
	if (pgs_connect(st) < 0) {
		pgs_message(st, "cannot connect", st->conn ? PQerrorMessage(st->conn) : "out of memory",
		            err, errlen);
		goto fail;
	}
	if (pgs_migrate(st, err, errlen) < 0)
		goto fail;
	*out = &st->base;
	return 0;
fail:
	pgs_close(&st->base);
	return -1;
}

static void pgs_drain(struct pgs *st)
{
	PGnotify *n;

	st->listening = 1;
	if (pgs_connect(st) < 0 || !PQconsumeInput(st->conn))
		return;
	while ((n = PQnotifies(st->conn))) {
		st->seq++;
		PQfreemem(n);
	}
}

unsigned pgs_seq(struct store *base)
{
	struct pgs *st = pgs(base);

	pgs_drain(st);
	return st->seq;
}

unsigned pgs_wait(struct store *base, unsigned seq, int timeout_ms)
{
	struct pgs *st = pgs(base);
	long long deadline = monotime_ms() + (timeout_ms < 0 ? 1LL << 40 : timeout_ms), left;
	struct pollfd p;

	for (;;) {
		pgs_drain(st);
		left = deadline - monotime_ms();
		if (st->seq != seq || left <= 0)
			return st->seq;
		if (st->conn && PQstatus(st->conn) == CONNECTION_OK) {
			p.fd = PQsocket(st->conn);
			p.events = POLLIN;
			if (poll(&p, 1, (int)(left < INT32_MAX ? left : INT32_MAX)) < 0)
				return st->seq;   /* a signal ends the wait, as in wake.c */
		} else {
			/* the server is away: try again a little later */
			struct timespec ts = { 0, (left < PGS_RETRY_MS ? left : PGS_RETRY_MS) * 1000000L };

			if (nanosleep(&ts, NULL) < 0)
				return st->seq;
		}
	}
}
