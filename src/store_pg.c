/*
 * store_pg.c - the store driver (store_driver.h) for a PostgreSQL database
 * shared by every galaxy-chat process on every host (doc/store-postgresql.md).
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
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include "log.h"
#include "monotime.h"
#include "store_driver.h"
#include "store_pg_sql.h"

#define PGS_SCHEMA_LOCK "7305423311276556290"   /* pg_advisory_xact_lock key: schema upgrades
                                                   (PGS_WRITE_LOCK: writers) */
#define PGS_CONNECT_TIMEOUT "5"                 /* seconds; the URL may override it */
#define PGS_RETRY_MS 250                        /* between reconnect attempts */

struct pgs {
	struct store base;             /* first: drv = &store_pg_driver */
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

extern const struct store_driver store_pg_driver;

static struct pgs *pgs(struct store *base)
{
	return (struct pgs *)base;
}

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
static void pgs_keep(struct pgs *st, PGresult *r)
{
	PQclear(st->bad);
	st->bad = r;
}

/* The driver's fail(): formats the last failure (its result's error, or
 * the connection's), abandons any open transaction, returns STORE_ERROR. */
static enum store_result pgs_fail(struct store *base, const char *what, char *err, size_t errlen)
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
static int pgs_oom(struct pgs *st)
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
static PGresult *pgs_run(struct pgs *st, enum stmt_id id, int n, const char *const *v)
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
static int pgs_do(struct pgs *st, enum stmt_id id, int n, const char *const *v)
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
static int pgs_int(struct pgs *st, enum stmt_id id, int n, const char *const *v, long long *val)
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
static const char *num(char buf[24], long long v)
{
	snprintf(buf, 24, "%lld", v);
	return buf;
}

static long long col_int(const PGresult *r, int i, int col)
{
	return strtoll(PQgetvalue(r, i, col), NULL, 10);
}

/* Opens a writing transaction: BEGIN, then the writers' lock (see the top
 * of the file). */
static int pgs_begin(struct store *base)
{
	struct pgs *st = pgs(base);

	if (pgs_do(st, S_BEGIN, 0, NULL) < 0)
		return -1;
	st->in_tx = 1;
	return pgs_do(st, S_WRITE_LOCK, 0, NULL) < 0 ? -1 : 0;
}

static void pgs_rollback(struct store *base)
{
	struct pgs *st = pgs(base);

	pgs_do(st, S_ROLLBACK, 0, NULL);
	pgs_keep(st, NULL);
	st->in_tx = 0;
}

/* Commits; the NOTIFY that event_add queued goes out with it. */
static int pgs_commit(struct store *base, int stored)
{
	struct pgs *st = pgs(base);

	(void)stored;
	if (pgs_do(st, S_COMMIT, 0, NULL) < 0)
		return -1;
	st->in_tx = 0;
	return 0;
}

static int pgs_user_write(struct store *base, const struct user *u, const char *ts)
{
	char id[24];
	const char *v[] = { num(id, u->id), u->username, u->email, u->gravatar, ts };

	return pgs_do(pgs(base), S_USER_WRITE, 5, v) < 0 ? -1 : 0;
}

static int pgs_user_current(struct store *base, const struct user *u)
{
	char id[24];
	const char *v[] = { num(id, u->id), u->username, u->email, u->gravatar };
	long long one;

	return pgs_int(pgs(base), S_USER_CURRENT, 4, v, &one);
}

static int pgs_user_known(struct store *base, long long user_id)
{
	char u[24];
	const char *v[] = { num(u, user_id) };
	long long id;

	return pgs_int(pgs(base), S_USER_KNOWN, 1, v, &id);
}

static int pgs_user_left(struct store *base, long long user_id, const char *ts,
                         const char *recent)
{
	char id[24];
	const char *v[] = { num(id, user_id), ts, recent };

	return pgs_do(pgs(base), S_USER_LEFT, 3, v) < 0 ? -1 : 0;
}

/* Without the writers' lock: users rows carry no event ids, and hold only
 * their own row locks, briefly. One row is one statement. */
static int pgs_users_seen(struct store *base, const struct store_seen_row *rows, size_t n,
                          int wait)
{
	struct pgs *st = pgs(base);

	(void)wait;
	if (n > 1 && pgs_do(st, S_BEGIN, 0, NULL) < 0)
		return -1;
	st->in_tx = n > 1;
	for (size_t i = 0; i < n; i++)
		if (pgs_user_write(base, &rows[i].user, rows[i].ts) < 0)
			return -1;
	return n > 1 ? pgs_commit(base, 0) : 0;
}

static int pgs_room_find(struct store *base, const char *name, long long *id, int *persistent)
{
	const char *v[] = { name };
	PGresult *r = pgs_run(pgs(base), S_ROOM_FIND, 1, v);
	int found;

	if (!r)
		return -1;
	if ((found = PQntuples(r) > 0)) {
		*id = col_int(r, 0, 0);
		if (persistent)
			*persistent = col_int(r, 0, 1) != 0;
	}
	PQclear(r);
	return found;
}

static int pgs_room_ensure(struct store *base, const char *name, int persistent, const char *ts)
{
	const char *v[] = { name, persistent ? "1" : "0", ts };

	return pgs_do(pgs(base), S_ROOM_ENSURE, 3, v) < 0 ? -1 : 0;
}

/* Appends the first column of every row of r (cleared) to *names. */
static int names_add(struct pgs *st, PGresult *r, char ***names, size_t *n)
{
	int i, rc = 0;

	if (!r)
		return -1;
	for (i = 0; i < PQntuples(r) && rc == 0; i++)
		if (store_rows_name_add(names, n, PQgetvalue(r, i, 0)) < 0)
			rc = pgs_oom(st);
	PQclear(r);
	return rc;
}

static int pgs_rooms_persistent(struct store *base, char ***names, size_t *n)
{
	return names_add(pgs(base), pgs_run(pgs(base), S_ROOMS_PERSISTENT, 0, NULL), names, n);
}

static int pgs_rooms_unpersist(struct store *base)
{
	return pgs_do(pgs(base), S_ROOMS_UNPERSIST, 0, NULL) < 0 ? -1 : 0;
}

/* Runs a members statement for room_id and user_id (and ts unless NULL). */
static int member_change(struct pgs *st, enum stmt_id id, long long room_id,
                         long long user_id, const char *ts)
{
	char r[24], u[24];
	const char *v[] = { num(r, room_id), num(u, user_id), ts };

	return pgs_do(st, id, ts ? 3 : 2, v);
}

static int pgs_member_add(struct store *base, long long room_id, long long user_id,
                          const char *ts)
{
	return member_change(pgs(base), S_MEMBER_ADD, room_id, user_id, ts);
}

static int pgs_member_del(struct store *base, long long room_id, long long user_id)
{
	return member_change(pgs(base), S_MEMBER_DEL, room_id, user_id, NULL);
}

static int pgs_member_is(struct store *base, long long room_id, long long user_id)
{
	char r[24], u[24];
	const char *v[] = { num(r, room_id), num(u, user_id) };
	long long one;

	return pgs_int(pgs(base), S_MEMBER_IS, 2, v, &one);
}

static int pgs_rooms_adhoc(struct store *base, long long user_id, long long room_id,
                           long long *n)
{
	char u[24], r[24];
	const char *v[] = { num(u, user_id), num(r, room_id) };

	return pgs_int(pgs(base), S_ROOMS_ADHOC, 2, v, n) < 0 ? -1 : 0;
}

static int pgs_memberships(struct store *base, long long user_id, char ***names, size_t *n)
{
	char u[24];
	const char *v[] = { num(u, user_id) };

	return names_add(pgs(base), pgs_run(pgs(base), S_MEMBERSHIPS, 1, v), names, n);
}

static int pgs_rooms(struct store *base, long long user_id, int brief, const char *since,
                     json_object *out)
{
	struct pgs *st = pgs(base);
	char u[24], a[24];
	const char *v[] = { num(u, user_id), num(a, base->all_id), since, brief ? "true" : "false" };
	PGresult *r = pgs_run(st, S_ROOMS, 4, v);
	int i, rc = 0;

	if (!r)
		return -1;
	for (i = 0; i < PQntuples(r) && rc == 0; i++) {
		struct store_room_row row = {
			.name = PQgetvalue(r, i, 0), .persistent = col_int(r, i, 1) != 0,
			.joined = PQgetvalue(r, i, 2)[0] == 't', .members = col_int(r, i, 3),
			.online = col_int(r, i, 4), .last_id = col_int(r, i, 5),
		};
		if (store_rows_room_add(out, &row, brief) < 0)
			rc = pgs_oom(st);
	}
	PQclear(r);
	return rc;
}

static int pgs_who(struct store *base, long long room_id, const char *since, json_object *out)
{
	struct pgs *st = pgs(base);
	char rid[24], a[24];
	const char *v[] = { num(rid, room_id), since, num(a, base->all_id) };
	PGresult *r = pgs_run(st, S_WHO, 3, v);
	int i, rc = 0;

	if (!r)
		return -1;
	for (i = 0; i < PQntuples(r) && rc == 0; i++)
		if (json_object_array_add(out, store_rows_user_json(col_int(r, i, 0), PQgetvalue(r, i, 1),
		                                                    PQgetvalue(r, i, 2))) != 0)
			rc = pgs_oom(st);
	PQclear(r);
	return rc;
}

/* Inserts the event and queues its notification for the commit. */
static int pgs_event_add(struct store *base, const struct store_new_event *ev, long long *id)
{
	struct pgs *st = pgs(base);
	char r[24], uid[24], to[24], tg[24], idbuf[24];
	const char *v[] = {
		ev->ts, store_event_type_names[ev->type], ev->room_id ? num(r, ev->room_id) : NULL,
		num(uid, ev->user->id), ev->user->username,
		ev->to_user_id ? num(to, ev->to_user_id) : NULL, ev->text, ev->client_id,
		ev->target ? num(tg, ev->target) : NULL,
	};
	const char *nv[1];

	if (pgs_int(st, S_EVENT_ADD, 9, v, id) != 1)
		return -1;
	nv[0] = num(idbuf, *id);
	return pgs_do(st, S_NOTIFY, 1, nv) < 0 ? -1 : 0;
}

static int pgs_event_by_client(struct store *base, long long user_id, const char *client_id,
                               long long *id, char ts[32])
{
	char uid[24];
	const char *v[] = { num(uid, user_id), client_id };
	PGresult *r = pgs_run(pgs(base), S_EVENT_BY_CLIENT, 2, v);
	int found;

	if (!r)
		return -1;
	if ((found = PQntuples(r) > 0)) {
		*id = col_int(r, 0, 0);
		snprintf(ts, 32, "%s", PQgetvalue(r, 0, 1));
	}
	PQclear(r);
	return found;
}

static int pgs_event_target(struct store *base, long long id, struct store_target *t)
{
	char idb[24];
	const char *v[] = { num(idb, id) };
	PGresult *r = pgs_run(pgs(base), S_TARGET, 1, v);
	int found;

	if (!r)
		return -1;
	if ((found = PQntuples(r) > 0)) {
		t->room_id = col_int(r, 0, 0);
		t->user_id = col_int(r, 0, 1);
		t->to_user_id = col_int(r, 0, 2);
		t->deleted = atoi(PQgetvalue(r, 0, 3));
	}
	PQclear(r);
	return found;
}

static int pgs_event_mark_deleted(struct store *base, long long id, long long by, const char *ts)
{
	char idb[24], byb[24];
	const char *v[] = { num(idb, id), num(byb, by), ts };

	return pgs_do(pgs(base), S_DELETE_MARK, 3, v) < 0 ? -1 : 0;
}

static int pgs_max_id(struct store *base, long long *id)
{
	return pgs_int(pgs(base), S_MAX_ID, 0, NULL, id) < 0 ? -1 : 0;
}

/* Row i of r (EVENT_COLS); strings valid while r is. */
static struct store_row row_read(const PGresult *r, int i)
{
	struct store_row row = {
		.id = col_int(r, i, 0),
		.type = PQgetvalue(r, i, 1), .ts = PQgetvalue(r, i, 2),
		.room = PQgetisnull(r, i, 3) ? NULL : PQgetvalue(r, i, 3),
		.user_id = col_int(r, i, 4),
		.username = PQgetvalue(r, i, 5), .gravatar = PQgetvalue(r, i, 6),
		.to_user_id = col_int(r, i, 7),
		.to_username = PQgetvalue(r, i, 8), .text = PQgetvalue(r, i, 9),
		.target = col_int(r, i, 10),
		.deleted = PQgetvalue(r, i, 11)[0] == 't',
		.target_user_id = col_int(r, i, 12),
		.target_to_user_id = col_int(r, i, 13),
	};

	return row;
}

/* Runs event query id and appends every row to out. */
static int events_query(struct pgs *st, enum stmt_id id, int n, const char *const *v,
                        struct store_events *out)
{
	PGresult *r = pgs_run(st, id, n, v);
	int i, rc = 0;

	if (!r)
		return -1;
	for (i = 0; i < PQntuples(r) && rc == 0; i++) {
		struct store_row row = row_read(r, i);

		if (store_rows_event_push(out, &row) < 0)
			rc = pgs_oom(st);
	}
	PQclear(r);
	return rc;
}

static int pgs_events_after(struct store *base, long long since, int limit,
                            struct store_events *out)
{
	char s[24], l[24];
	const char *v[] = { num(s, since), num(l, limit) };

	return events_query(pgs(base), S_EVENTS_ALL, 2, v, out);
}

static int pgs_events_visible(struct store *base, long long user_id, long long since, int limit,
                              struct store_events *out)
{
	char u[24], s[24], l[24], a[24];
	const char *v[] = { num(u, user_id), num(s, since), num(l, limit), num(a, base->all_id) };

	return events_query(pgs(base), S_EVENTS_VISIBLE, 4, v, out);
}

static int pgs_history(struct store *base, long long room_id, long long before, int limit,
                       struct store_events *out)
{
	char rid[24], b[24], l[24];
	const char *v[] = { num(rid, room_id), num(b, before), num(l, limit) };

	return events_query(pgs(base), S_HISTORY, 3, v, out);
}

static int pgs_mute_get(struct store *base, long long user_id, const char *now, char until[32])
{
	char uid[24];
	const char *v[] = { num(uid, user_id), now };
	PGresult *r = pgs_run(pgs(base), S_MUTED, 2, v);
	int found;

	until[0] = '\0';
	if (!r)
		return -1;
	if ((found = PQntuples(r) > 0))
		snprintf(until, 32, "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	return found;
}

static int pgs_mute_set(struct store *base, long long user_id, const char *until, long long by,
                        const char *now)
{
	char uid[24], byb[24];
	const char *v[] = { num(uid, user_id), until, num(byb, by), now };

	return pgs_do(pgs(base), S_MUTE_SET, 4, v);
}

static int pgs_mute_del(struct store *base, long long user_id, const char *now)
{
	char uid[24];
	const char *v[] = { num(uid, user_id), now };

	return pgs_do(pgs(base), S_MUTE_DEL, 2, v);
}

/* 1 when the last failure is a statement stopped by its statement_timeout
 * (or a cancel). */
static int pgs_cancelled(const struct pgs *st)
{
	const char *state = st->bad ? PQresultErrorField(st->bad, PG_DIAG_SQLSTATE) : NULL;

	return state && strcmp(state, "57014") == 0;   /* query_canceled */
}

/* The search runs in a transaction of its own, so that its short
 * statement_timeout (SET LOCAL) ends with it whatever happens. */
static int pgs_search(struct store *base, long long user_id, const char *q, long long room_id,
                      long long before, int limit, int timeout_ms, json_object *out, int *more,
                      int *partial)
{
	struct pgs *st = pgs(base);
	char uid[24], b[24], l[24], all[24], rid[24], ms[24];
	const char *t[] = { num(ms, timeout_ms) };
	const char *v[] = { q, num(uid, user_id), num(b, before), num(l, limit + 1),
	                    num(all, base->all_id), room_id ? num(rid, room_id) : NULL };
	PGresult *r;
	int i, rc = 0;

	if (pgs_do(st, S_BEGIN, 0, NULL) < 0)
		return -1;
	st->in_tx = 1;
	if (pgs_do(st, S_SEARCH_TIMEOUT, 1, t) < 0)
		return -1;
	if (!(r = pgs_run(st, S_SEARCH, 6, v))) {
		if (!pgs_cancelled(st))
			return -1;
		*partial = 1;
		pgs_rollback(base);
		return 0;
	}
	for (i = 0; i < PQntuples(r) && rc == 0 && !*more; i++) {
		struct store_row row = row_read(r, i);

		if (i == limit)
			*more = 1;
		else if (store_rows_search_add(out, &row, PQgetvalue(r, i, EVENT_NCOLS)) < 0)
			rc = pgs_oom(st);
	}
	PQclear(r);
	if (rc == 0)
		pgs_rollback(base);   /* it only read */
	return rc;
}

static int pgs_prune_bound(struct store *base, const char *cutoff, long long *bound)
{
	const char *v[] = { cutoff };

	return pgs_int(pgs(base), S_PRUNE_BOUND, 1, v, bound) < 0 ? -1 : 0;
}

static int pgs_prune_count(struct store *base, long long bound, const char *cutoff,
                           long long *events, long long *messages)
{
	char bb[24];
	const char *v[] = { num(bb, bound), cutoff };
	PGresult *r = pgs_run(pgs(base), S_PRUNE_COUNT, 2, v);

	if (!r)
		return -1;
	*events = col_int(r, 0, 0);
	*messages = col_int(r, 0, 1);
	PQclear(r);
	return 0;
}

/* One DELETE, its own short transaction: removing old rows never reorders
 * ids, so it needs no writers' lock. */
static int pgs_prune_batch(struct store *base, long long bound, const char *cutoff, int batch,
                           long long *messages)
{
	char bb[24], nb[24];
	const char *v[] = { num(bb, bound), cutoff, num(nb, batch) };
	PGresult *r = pgs_run(pgs(base), S_PRUNE_BATCH, 3, v);
	int n, i;

	if (!r)
		return -1;
	n = PQntuples(r);
	for (i = 0; i < n; i++)
		*messages += atoi(PQgetvalue(r, i, 0));
	PQclear(r);
	return n;
}

static int pgs_log(struct store *base, long long room_id, const char *since, const char *until,
                   store_log_fn fn, void *ctx)
{
	char rid[24];
	const char *v[] = { num(rid, room_id), since, until };
	PGresult *r = pgs_run(pgs(base), S_LOG, 3, v);
	struct store_log_row row;
	int i, rc = 0;

	if (!r)
		return -1;
	for (i = 0; i < PQntuples(r) && rc == 0; i++) {
		row.id = col_int(r, i, 0);
		row.ts = PQgetvalue(r, i, 1);
		row.room = PQgetvalue(r, i, 2);
		row.user = PQgetvalue(r, i, 3);
		row.type = PQgetvalue(r, i, 4);
		row.deleted = atoi(PQgetvalue(r, i, 6));
		row.text = PQgetisnull(r, i, 5) || row.deleted ? NULL : PQgetvalue(r, i, 5);
		row.target = col_int(r, i, 7);
		rc = fn(&row, ctx) < 0;
	}
	PQclear(r);
	return rc;
}

static int pgs_stats(struct store *base, struct store_stats *out)
{
	PGresult *r = pgs_run(pgs(base), S_STATS, 0, NULL);

	if (!r)
		return -1;
	out->events = col_int(r, 0, 0);
	out->messages = col_int(r, 0, 1);
	out->users = col_int(r, 0, 2);
	out->rooms = col_int(r, 0, 3);
	out->newest_id = col_int(r, 0, 4);
	snprintf(out->newest_ts, sizeof out->newest_ts, "%s", PQgetvalue(r, 0, 5));
	PQclear(r);
	return 0;
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
	version = col_int(r, 0, 0);
	PQclear(r);
	if (version > PGS_SCHEMA_VERSION) {
		pgs_rollback(&st->base);
		snprintf(err, errlen, "store %s: schema version %lld is newer than this "
		         "galaxy-chat knows (%d)", st->label, version, PGS_SCHEMA_VERSION);
		return -1;
	}
	for (; version < PGS_SCHEMA_VERSION; version++) {
		v[0] = num(vbuf, version + 1);
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


static void pgs_close(struct store *base)
{
	struct pgs *st = pgs(base);

	PQclear(st->bad);
	PQfinish(st->conn);
	free(st->conninfo);
	free(st);
}

static int pgs_open(const char *conninfo, struct store **out, char *err, size_t errlen)
{
	struct pgs *st = calloc(1, sizeof *st);
	size_t len = strlen(conninfo) + 96;

	*out = NULL;
	if (!st || !(st->conninfo = malloc(len))) {
		free(st);
		snprintf(err, errlen, "store: out of memory");
		return -1;
	}
	st->base.drv = &store_pg_driver;
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

static unsigned pgs_seq(struct store *base)
{
	struct pgs *st = pgs(base);

	pgs_drain(st);
	return st->seq;
}

static unsigned pgs_wait(struct store *base, unsigned seq, int timeout_ms)
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


const struct store_driver store_pg_driver = {
	.open = pgs_open, .close = pgs_close, .fail = pgs_fail,
	.begin = pgs_begin, .commit = pgs_commit, .rollback = pgs_rollback,
	.user_write = pgs_user_write, .user_current = pgs_user_current,
	.user_known = pgs_user_known, .user_left = pgs_user_left,
	.users_seen = pgs_users_seen,
	.room_find = pgs_room_find, .room_ensure = pgs_room_ensure,
	.rooms_persistent = pgs_rooms_persistent, .rooms_unpersist = pgs_rooms_unpersist,
	.member_add = pgs_member_add, .member_del = pgs_member_del, .member_is = pgs_member_is,
	.rooms_adhoc = pgs_rooms_adhoc, .memberships = pgs_memberships,
	.rooms = pgs_rooms, .who = pgs_who,
	.event_add = pgs_event_add, .event_by_client = pgs_event_by_client,
	.event_target = pgs_event_target, .event_mark_deleted = pgs_event_mark_deleted,
	.max_id = pgs_max_id, .events_after = pgs_events_after,
	.events_visible = pgs_events_visible, .history = pgs_history,
	.mute_get = pgs_mute_get, .mute_set = pgs_mute_set, .mute_del = pgs_mute_del,
	.search = pgs_search, .prune_bound = pgs_prune_bound, .prune_count = pgs_prune_count,
	.prune_batch = pgs_prune_batch, .log = pgs_log, .stats = pgs_stats,
	.seq = pgs_seq, .wait = pgs_wait,
};
