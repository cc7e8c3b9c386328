/*
 * migrate.c - `galaxy-chat migrate`: an SQLite store copied into PostgreSQL
 * (see migrate.h), for a site that outgrows one host.
 *
 * The target is opened once with store_open(), which creates its schema
 * and nothing but the room `all`. Then, in one PostgreSQL transaction
 * holding its tables locked: the target must be empty (else nothing is
 * changed), its `all` (and notify's scan) goes, and users, mutes, rooms,
 * members, events, message versions and reactions, pins, the read markers
 * and counters, mentions, settings and notify's records are copied row by
 * row with their ids, every column the source has, through
 * prepared INSERTs (so columns later schema versions add are copied too);
 * last, the id sequences are set past the largest ids. The source is read
 * in one read transaction, so a store still in use is copied as of one
 * moment; both stores must be at the same schema version.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "dburl.h"
#include "migrate.h"
#include "pqlib.h"
#include "store.h"

/* In the order foreign keys need, each read in its key's order. */
static const struct {
	const char *name, *order;
} migrate_tables[] = {
	{ "users", "id" }, { "mutes", "user_id" }, { "rooms", "id" },
	{ "members", "room_id, user_id" }, { "events", "id" }, { "pins", "event_id" },
	{ "message_versions", "message_id, version" }, { "reactions", "message_id, emoji, user_id" },
	{ "reads", "user_id, room_id" }, { "direct", "user_id, peer_id" },
	{ "mentions", "user_id, room_id, event_id" }, { "settings", "user_id" },
	{ "notify_users", "user_id" }, { "notify_state", "id" },
};

/* "PostgreSQL: what: libpq's message" on one line into err. */
static void pg_error(PGconn *pg, const char *what, char *err, size_t errlen)
{
	size_t n;

	snprintf(err, errlen, "PostgreSQL: %s%s%s", what, *what ? ": " : "", PQerrorMessage(pg));
	n = strlen(err);
	while (n && (err[n - 1] == '\n' || err[n - 1] == ' '))
		err[--n] = '\0';
}

/* Runs sql on the target with v[0..n) as parameters; 0, or -1 with the
 * error in err. *res, when given, receives the result (caller clears). */
static int pg_run(PGconn *pg, const char *sql, int n, const char *const *v,
                  PGresult **res, char *err, size_t errlen)
{
	PGresult *r = PQexecParams(pg, sql, n, NULL, v, NULL, NULL, 0);
	ExecStatusType s = PQresultStatus(r);

	if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
		pg_error(pg, "", err, errlen);
		PQclear(r);
		return -1;
	}
	if (res)
		*res = r;
	else
		PQclear(r);
	return 0;
}

/* The first column of the first row of sql as a number, or -1 on error. */
static long long pg_number(PGconn *pg, const char *sql, char *err, size_t errlen)
{
	PGresult *r;
	long long v;

	if (pg_run(pg, sql, 0, NULL, &r, err, errlen) < 0)
		return -1;
	v = PQntuples(r) && !PQgetisnull(r, 0, 0) ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : 0;
	PQclear(r);
	return v;
}

/* Refuses a target holding anything but a fresh store's room `all`. */
static int migrate_check_empty(PGconn *pg, char *err, size_t errlen)
{
	long long events, users, rooms;

	if ((events = pg_number(pg, "SELECT count(*) FROM events", err, errlen)) < 0 ||
	    (users = pg_number(pg, "SELECT count(*) FROM users", err, errlen)) < 0 ||
	    (rooms = pg_number(pg, "SELECT count(*) FROM rooms WHERE name <> 'all'", err, errlen)) < 0)
		return -1;
	if (events || users || rooms) {
		snprintf(err, errlen, "the target already holds chat data (%lld events, %lld users, "
		         "%lld rooms besides all); migrate only fills an empty store, nothing was "
		         "changed", events, users, rooms);
		return -1;
	}
	return 0;
}

/* Copies every row of table (read in order) from src to pg; *rows gets
 * their number. */
static int migrate_table(sqlite3 *src, PGconn *pg, const char *table, const char *order,
                         long long *rows, char *err, size_t errlen)
{
	char sql[4096], ins[4096];
	sqlite3_stmt *s = NULL;
	const char **v = NULL;
	size_t at;
	int n, i, rc, ret = -1;
	PGresult *r;

	*rows = 0;
	snprintf(sql, sizeof sql, "SELECT * FROM \"%s\" ORDER BY %s", table, order);
	if (sqlite3_prepare_v2(src, sql, -1, &s, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "SQLite: reading %s: %s", table, sqlite3_errmsg(src));
		return -1;
	}
	n = sqlite3_column_count(s);
	at = (size_t)snprintf(ins, sizeof ins, "INSERT INTO \"%s\" (", table);
	for (i = 0; i < n && at < sizeof ins; i++)
		at += (size_t)snprintf(ins + at, sizeof ins - at, "%s\"%s\"", i ? ", " : "",
		                       sqlite3_column_name(s, i));
	for (i = 0; i < n && at < sizeof ins; i++)
		at += (size_t)snprintf(ins + at, sizeof ins - at, "%s$%d", i ? ", " : ") VALUES (",
		                       i + 1);
	if (at + 2 >= sizeof ins || !(v = calloc((size_t)n, sizeof *v))) {
		snprintf(err, errlen, "copying %s: too many columns", table);
		goto out;
	}
	strcat(ins, ")");
	r = PQprepare(pg, table, ins, n, NULL);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		pg_error(pg, table, err, errlen);
		PQclear(r);
		goto out;
	}
	PQclear(r);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		for (i = 0; i < n; i++)
			v[i] = (const char *)sqlite3_column_text(s, i);   /* NULL stays NULL */
		r = PQexecPrepared(pg, table, n, v, NULL, NULL, 0);
		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			pg_error(pg, table, err, errlen);
			PQclear(r);
			goto out;
		}
		PQclear(r);
		(*rows)++;
	}
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "SQLite: reading %s: %s", table, sqlite3_errmsg(src));
		goto out;
	}
	ret = 0;
out:
	free(v);
	sqlite3_finalize(s);
	return ret;
}

/* The source's schema version, which must be the target's. */
static int migrate_versions(sqlite3 *src, PGconn *pg, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	long long from = -1, to;

	if (sqlite3_prepare_v2(src, "PRAGMA user_version", -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		from = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	if ((to = pg_number(pg, "SELECT max(version) FROM chat_schema", err, errlen)) < 0)
		return -1;
	if (from != to) {
		snprintf(err, errlen, "the SQLite store is at schema version %lld, this galaxy-chat's "
		         "is %lld: run `galaxy-chat check` with store = the SQLite file first to "
		         "upgrade it", from, to);
		return -1;
	}
	return 0;
}

static int migrate_copy(sqlite3 *src, PGconn *pg, FILE *out, char *err, size_t errlen)
{
	static const char *const setval =
		"SELECT setval(pg_get_serial_sequence($1, 'id'),"
		" (SELECT coalesce(max(id), 0) + 1 FROM %s), false)";
	char sql[256];
	long long rows;
	size_t i;

	if (sqlite3_exec(src, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "SQLite: %s", sqlite3_errmsg(src));
		return -1;
	}
	if (pg_run(pg, "BEGIN", 0, NULL, NULL, err, errlen) < 0 ||
	    pg_run(pg, "LOCK TABLE users, mutes, rooms, members, events, pins, message_versions,"
	           " reactions, reads, direct, mentions, settings, notify_users, notify_state"
	           " IN EXCLUSIVE MODE",
	           0, NULL, NULL, err, errlen) < 0 ||
	    migrate_versions(src, pg, err, errlen) < 0 ||
	    migrate_check_empty(pg, err, errlen) < 0 ||
	    pg_run(pg, "DELETE FROM rooms", 0, NULL, NULL, err, errlen) < 0 ||
	    pg_run(pg, "DELETE FROM notify_state", 0, NULL, NULL, err, errlen) < 0)
		return -1;
	for (i = 0; i < sizeof migrate_tables / sizeof *migrate_tables; i++) {
		if (migrate_table(src, pg, migrate_tables[i].name, migrate_tables[i].order,
		                  &rows, err, errlen) < 0)
			return -1;
		fprintf(out, "%-12s %lld rows\n", migrate_tables[i].name, rows);
	}
	for (i = 0; i < 2; i++) {
		const char *table = i ? "events" : "rooms";
		const char *v[] = { table };

		snprintf(sql, sizeof sql, setval, table);
		if (pg_run(pg, sql, 1, v, NULL, err, errlen) < 0)
			return -1;
	}
	return pg_run(pg, "COMMIT", 0, NULL, NULL, err, errlen);
}

int migrate_run(const char *from, const char *to, FILE *out, FILE *errf)
{
	struct dburl src_url = { 0 }, dst_url = { 0 };
	char err[1024] = "";
	struct store *st = NULL;
	sqlite3 *src = NULL;
	PGconn *pg = NULL;
	const char *path = from;
	int rc = 1;

	if (store_is_postgresql(from) || !store_is_postgresql(to)) {
		snprintf(err, sizeof err, "migrate copies an SQLite store (--from PATH or "
		         "sqlite:////PATH) into PostgreSQL (--to postgresql://...)");
		goto out;
	}
	if (strncmp(from, "sqlite:", 7) == 0) {
		if (dburl_parse(from, NULL, &src_url, err, sizeof err) < 0)
			goto out;
		path = src_url.sqlite_path;
	}
	if (sqlite3_open_v2(path, &src, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		snprintf(err, sizeof err, "%s: %s", path, sqlite3_errmsg(src));
		goto out;
	}
	sqlite3_busy_timeout(src, 5000);
	if (store_open(to, NULL, 0, NULL, 0, &st, err, sizeof err) < 0 ||
	    dburl_parse(to, NULL, &dst_url, err, sizeof err) < 0 ||
	    pqlib_load(err, sizeof err) < 0)
		goto out;
	pg = PQconnectdb(dst_url.pg_conninfo);
	if (PQstatus(pg) != CONNECTION_OK) {
		pg_error(pg, "", err, sizeof err);
		goto out;
	}
	fprintf(out, "copying %s into the PostgreSQL store\n", path);
	if (migrate_copy(src, pg, out, err, sizeof err) < 0)
		goto out;
	fprintf(out, "done\n");
	rc = 0;
out:
	if (rc)
		fprintf(errf, "galaxy-chat migrate: %s\n", err);
	if (pg)   /* else libpq may not have been loaded */
		PQfinish(pg);
	store_close(st);
	sqlite3_close(src);
	dburl_free(&src_url);
	dburl_free(&dst_url);
	return rc;
}
