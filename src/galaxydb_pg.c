/*
 * galaxydb_pg.c - the Galaxy lookups (sessions, API keys, users) on
 * PostgreSQL (libpq).
 *
 * One connection per handle, made on first use with a short connect_timeout
 * and a statement_timeout, statements prepared once per connection and run
 * with PQexecPrepared only. A query that fails on a connection that was
 * already up is retried once on a fresh one, so a restarted server is
 * picked up by the very next request; a failed connection is dropped and
 * made again on the next call.
 *
 * The API key statement is prepared beside the others but may fail alone
 * (a Galaxy older than api_keys.deleted): sessions are still looked up,
 * and each key lookup tries to prepare it again.
 *
 * libpq is loaded as the first connection is made (pqlib.h), not when a
 * handle is opened: a process that never asks Galaxy never loads it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dburl.h"
#include "galaxydb_impl.h"
#include "pqlib.h"

#define PG_CONNECT_TIMEOUT "3"        /* seconds; the URL may override it */
#define PG_STATEMENT_TIMEOUT "5000"   /* milliseconds */

/* PostgreSQL booleans are native: is_valid is tested as a boolean
 * (comparing it to 1 is an error there); deleted, purged and external are
 * read as 't'/'f', NULL as false, as Python's truth test on them does, for
 * galaxydb.c to judge. */
static const char pg_sql_lookup[] =
	"SELECT u.id, u.username, u.email, extract(epoch FROM s.last_action)::text,"
	" u.deleted IS TRUE, u.purged IS TRUE, u.external IS TRUE"
	" FROM galaxy_session s JOIN galaxy_user u ON u.id = s.user_id"
	" WHERE s.session_key = $1 AND s.is_valid AND s.user_id IS NOT NULL";
/* Galaxy's rule (galaxydb_lookup_key): the user's newest key not deleted,
 * in Galaxy's order, "ORDER BY create_time DESC" as SQLAlchemy writes
 * desc(); the id breaks ties Galaxy leaves open. deleted = false, as
 * Galaxy's filter_by(deleted=False): a NULL there (rows older than the
 * column, which Galaxy's migration b855b714e8b8 set to deleted) is no key. */
static const char pg_sql_key[] =
	"SELECT u.id, u.username, u.email, NULL, u.deleted IS TRUE, u.purged IS TRUE,"
	" u.external IS TRUE FROM api_keys k JOIN galaxy_user u ON u.id = k.user_id"
	" WHERE k.key = $1 AND k.deleted = false AND k.id ="
	" (SELECT n.id FROM api_keys n WHERE n.user_id = k.user_id AND n.deleted = false"
	" ORDER BY n.create_time DESC, n.id DESC LIMIT 1)";
static const char pg_sql_find[] =
	"SELECT u.id, u.username, u.email, NULL, u.deleted IS TRUE, u.purged IS TRUE,"
	" u.external IS TRUE, u.active IS TRUE FROM galaxy_user u"
	" WHERE u.username = $1 OR u.id = $2::bigint LIMIT 2";
static const char pg_sql_count[] =
	"SELECT count(*) FROM galaxy_user WHERE deleted IS NOT TRUE AND purged IS NOT TRUE";
static const char pg_sql_timeout[] =
	"SELECT set_config('statement_timeout', '" PG_STATEMENT_TIMEOUT "', false)";

struct pg {
	char *conninfo;
	PGconn *conn;
	int key_ready;     /* gc_key is prepared on conn */
	unsigned cards;    /* bit i: card statement i is prepared on conn */
	galaxydb_user_fn user_from_row;
};

static void *pg_open(const struct dburl *url, galaxydb_user_fn user_from_row)
{
	struct pg *pg = calloc(1, sizeof *pg);
	size_t n = strlen(url->pg_conninfo) + 64;

	if (!pg || !(pg->conninfo = malloc(n))) {
		free(pg);
		return NULL;
	}
	/* ours first: a later keyword from the URL wins in libpq */
	snprintf(pg->conninfo, n, "connect_timeout=" PG_CONNECT_TIMEOUT
	         " application_name=galaxy-chat %s", url->pg_conninfo);
	pg->user_from_row = user_from_row;
	return pg;
}

static void pg_drop(struct pg *pg)
{
	PQfinish(pg->conn);
	pg->conn = NULL;
	pg->key_ready = 0;
	pg->cards = 0;
}

/* Copies libpq's message to err on one line. */
static void pg_error(char *err, size_t errlen, const char *what, const char *msg)
{
	snprintf(err, errlen, "PostgreSQL: %s: %s", what, msg && *msg ? msg : "unknown error");
	for (char *p = err; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
}

static int pg_prepare(struct pg *pg, const char *name, const char *sql, int nparams,
                      char *err, size_t errlen)
{
	PGresult *r = PQprepare(pg->conn, name, sql, nparams, NULL);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK;

	if (!ok)
		pg_error(err, errlen, "prepare", PQerrorMessage(pg->conn));
	PQclear(r);
	return ok ? 0 : -1;
}

/* Prepares card statement i as "gc_card<i>" on the connection. */
static int pg_prepare_card(struct pg *pg, int i, char *err, size_t errlen)
{
	char name[16];

	snprintf(name, sizeof name, "gc_card%d", i);
	if (pg_prepare(pg, name, galaxydb_card_stmts[i].pg, galaxydb_card_stmts[i].nparams,
	               err, errlen) < 0)
		return -1;
	pg->cards |= 1u << i;
	return 0;
}

/* Connects and prepares unless connected. 0, or -1 with err. */
static int pg_connect(struct pg *pg, char *err, size_t errlen)
{
	PGresult *r;
	char why[256];   /* gc_key's failure: told by pg_lookup_key() when it matters */

	if (pg->conn)
		return 0;
	if (pqlib_load(err, errlen) < 0)
		return -1;
	pg->conn = PQconnectdb(pg->conninfo);
	if (!pg->conn || PQstatus(pg->conn) != CONNECTION_OK) {
		pg_error(err, errlen, "connect", pg->conn ? PQerrorMessage(pg->conn) : "out of memory");
		pg_drop(pg);
		return -1;
	}
	if (pg_prepare(pg, "gc_timeout", pg_sql_timeout, 0, err, errlen) < 0 ||
	    pg_prepare(pg, "gc_lookup", pg_sql_lookup, 1, err, errlen) < 0 ||
	    pg_prepare(pg, "gc_find", pg_sql_find, 2, err, errlen) < 0 ||
	    pg_prepare(pg, "gc_count", pg_sql_count, 0, err, errlen) < 0)
		goto fail;
	pg->key_ready = pg_prepare(pg, "gc_key", pg_sql_key, 1, why, sizeof why) == 0;
	r = PQexecPrepared(pg->conn, "gc_timeout", 0, NULL, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		pg_error(err, errlen, "statement_timeout", PQerrorMessage(pg->conn));
		PQclear(r);
		goto fail;
	}
	PQclear(r);
	/* the cards too, so that a reconnection inside pg_exec() has them; one
	 * that fails (a table missing) is tried again when it is needed */
	for (int i = 0; i < GALAXYDB_CARD_STMTS; i++) {
		char ignored[256];
		pg_prepare_card(pg, i, ignored, sizeof ignored);
	}
	return 0;
fail:
	pg_drop(pg);
	return -1;
}

/* Runs a prepared statement, reconnecting once if a connection that was
 * up has gone away. The result (caller PQclear()s) or NULL with err. */
static PGresult *pg_exec(struct pg *pg, const char *name, int nparams, const char *const *params,
                         char *err, size_t errlen)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		int was_up = pg->conn != NULL;
		if (pg_connect(pg, err, errlen) < 0)
			return NULL;
		PGresult *r = PQexecPrepared(pg->conn, name, nparams, params, NULL, NULL, 0);
		if (PQresultStatus(r) == PGRES_TUPLES_OK)
			return r;
		pg_error(err, errlen, "query", PQerrorMessage(pg->conn));
		PQclear(r);
		int lost = PQstatus(pg->conn) != CONNECTION_OK;
		pg_drop(pg);   /* a failed query may leave the session in any state */
		if (!lost || !was_up)
			return NULL;
	}
	return NULL;
}

/* Column col of r's first row, NULL for SQL NULL. */
static const char *pg_text(const PGresult *r, int col)
{
	return PQgetisnull(r, 0, col) ? NULL : PQgetvalue(r, 0, col);
}

/* Whether the boolean column col of r's first row is true. */
static int pg_true(const PGresult *r, int col)
{
	return !PQgetisnull(r, 0, col) && PQgetvalue(r, 0, col)[0] == 't';
}

/* Judges the one user row of r (its active column the 8th, when it has
 * one) with judge (two rows: NOT_FOUND) and PQclear()s r. */
static enum galaxydb_result pg_user(PGresult *r, const struct galaxydb *db, galaxydb_user_fn judge,
                                    struct user *user, char *err, size_t errlen)
{
	enum galaxydb_result res = GALAXYDB_NOT_FOUND;

	if (PQntuples(r) == 1) {
		struct galaxydb_row row = {
			.id = strtoll(PQgetvalue(r, 0, 0), NULL, 10), .username = pg_text(r, 1),
			.email = pg_text(r, 2), .last_action = pg_text(r, 3),
			.deleted = pg_true(r, 4), .purged = pg_true(r, 5), .external = pg_true(r, 6),
			.active = PQnfields(r) < 8 || pg_true(r, 7),
		};
		res = judge(db, &row, user, err, errlen);
	}
	PQclear(r);
	return res;
}

static enum galaxydb_result pg_lookup(void *st, const struct galaxydb *db, const char *key,
                                      struct user *user, char *err, size_t errlen)
{
	PGresult *r = pg_exec(st, "gc_lookup", 1, &key, err, errlen);

	return r ? pg_user(r, db, ((struct pg *)st)->user_from_row, user, err, errlen) : GALAXYDB_ERROR;
}

static enum galaxydb_result pg_lookup_key(void *st, const struct galaxydb *db, const char *key,
                                          struct user *user, char *err, size_t errlen)
{
	struct pg *pg = st;
	PGresult *r;

	if (pg_connect(pg, err, errlen) < 0)
		return GALAXYDB_ERROR;
	if (!pg->key_ready && pg_prepare(pg, "gc_key", pg_sql_key, 1, err, errlen) < 0)
		return GALAXYDB_ERROR;
	pg->key_ready = 1;
	r = pg_exec(pg, "gc_key", 1, &key, err, errlen);
	return r ? pg_user(r, db, pg->user_from_row, user, err, errlen) : GALAXYDB_ERROR;
}

static enum galaxydb_result pg_find(void *st, const struct galaxydb *db, const char *username,
                                    long long id, galaxydb_user_fn judge, struct user *user,
                                    char *err, size_t errlen)
{
	char idtext[24];
	const char *params[2] = { username, idtext };   /* a NULL username matches no row */
	PGresult *r;

	snprintf(idtext, sizeof idtext, "%lld", username ? 0 : id);
	r = pg_exec(st, "gc_find", 2, params, err, errlen);
	return r ? pg_user(r, db, judge, user, err, errlen) : GALAXYDB_ERROR;
}

static int pg_count_users(void *st, long long *count, char *err, size_t errlen)
{
	PGresult *r = pg_exec(st, "gc_count", 0, NULL, err, errlen);

	if (!r)
		return -1;
	*count = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return 0;
}

static enum galaxydb_result pg_card(void *st, int stmt, const char *const *params,
                                    galaxydb_row_fn row, void *arg, char *err, size_t errlen)
{
	struct pg *pg = st;
	enum galaxydb_result res = GALAXYDB_NOT_FOUND;
	const char *col[32];
	char name[16];
	PGresult *r;

	if (pg_connect(pg, err, errlen) < 0 ||
	    (!(pg->cards & 1u << stmt) && pg_prepare_card(pg, stmt, err, errlen) < 0))
		return GALAXYDB_ERROR;
	snprintf(name, sizeof name, "gc_card%d", stmt);
	if (!(r = pg_exec(pg, name, galaxydb_card_stmts[stmt].nparams, params, err, errlen)))
		return GALAXYDB_ERROR;
	if (PQntuples(r) > 0) {
		int n = PQnfields(r) < 32 ? PQnfields(r) : 32;
		for (int i = 0; i < n; i++)
			col[i] = PQgetisnull(r, 0, i) ? NULL : PQgetvalue(r, 0, i);
		row(arg, col, n);
		res = GALAXYDB_FOUND;
	}
	PQclear(r);
	return res;
}

static void pg_close(void *st)
{
	struct pg *pg = st;

	if (pg->conn)   /* else libpq may never have been loaded */
		pg_drop(pg);
	free(pg->conninfo);
	free(pg);
}

const struct galaxydb_backend galaxydb_pg_backend = {
	.open = pg_open, .lookup = pg_lookup, .lookup_key = pg_lookup_key, .find = pg_find,
	.count_users = pg_count_users, .close = pg_close, .card = pg_card
};
