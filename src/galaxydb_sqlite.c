/*
 * galaxydb_sqlite.c - the Galaxy lookups (sessions, API keys, users) on
 * SQLite.
 *
 * Galaxy's database file is opened read-only (it is Galaxy's, not ours)
 * with a short busy timeout, so a Galaxy write in progress delays us briefly
 * and never the other way round: each statement runs in its own autocommit
 * read and is reset at once, so no transaction outlives a lookup. The file
 * is opened on first use and reopened after any error. The API key
 * statement is prepared on its first use, so a Galaxy older than
 * api_keys.deleted still has its sessions looked up.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

#include "dburl.h"
#include "galaxydb_impl.h"

#define SQ_BUSY_TIMEOUT_MS 1000

/* SQLAlchemy stores booleans as 0/1 on SQLite. strftime('%s') reads the
 * naive ISO timestamp as if UTC, giving the seconds galaxydb.c wants.
 * Which users may log in is galaxydb.c's to judge, from the columns. */
static const char sq_sql_lookup[] =
	"SELECT u.id, u.username, u.email, strftime('%s', s.last_action),"
	" u.deleted, u.purged, u.external"
	" FROM galaxy_session s JOIN galaxy_user u ON u.id = s.user_id"
	" WHERE s.session_key = ?1 AND s.is_valid = 1 AND s.user_id IS NOT NULL";
/* Galaxy's rule, as pg_sql_key (galaxydb_pg.c) with SQLite's booleans
 * and its order of NULLs, which is Galaxy's on SQLite too. */
static const char sq_sql_key[] =
	"SELECT u.id, u.username, u.email, NULL, u.deleted, u.purged, u.external"
	" FROM api_keys k JOIN galaxy_user u ON u.id = k.user_id"
	" WHERE k.key = ?1 AND k.deleted = 0 AND k.id ="
	" (SELECT n.id FROM api_keys n WHERE n.user_id = k.user_id AND n.deleted = 0"
	" ORDER BY n.create_time DESC, n.id DESC LIMIT 1)";
static const char sq_sql_find[] =
	"SELECT u.id, u.username, u.email, NULL, u.deleted, u.purged, u.external, u.active"
	" FROM galaxy_user u WHERE u.username = ?1 OR u.id = ?2 LIMIT 2";
static const char sq_sql_count[] =
	"SELECT count(*) FROM galaxy_user"
	" WHERE coalesce(deleted, 0) = 0 AND coalesce(purged, 0) = 0";

struct sq {
	char *path;
	sqlite3 *db;
	sqlite3_stmt *lookup, *find, *count;
	sqlite3_stmt *key;    /* prepared on first use: sq_lookup_key() */
	sqlite3_stmt *cards[GALAXYDB_CARD_STMTS];   /* prepared when first run */
	galaxydb_user_fn user_from_row;
};

static void *sq_open(const struct dburl *url, galaxydb_user_fn user_from_row)
{
	struct sq *sq = calloc(1, sizeof *sq);

	if (!sq || !(sq->path = strdup(url->sqlite_path))) {
		free(sq);
		return NULL;
	}
	sq->user_from_row = user_from_row;
	return sq;
}

static void sq_drop(struct sq *sq)
{
	sqlite3_finalize(sq->lookup);
	sqlite3_finalize(sq->find);
	sqlite3_finalize(sq->count);
	sqlite3_finalize(sq->key);
	for (int i = 0; i < GALAXYDB_CARD_STMTS; i++) {
		sqlite3_finalize(sq->cards[i]);
		sq->cards[i] = NULL;
	}
	sqlite3_close(sq->db);
	sq->lookup = sq->find = sq->count = sq->key = NULL;
	sq->db = NULL;
}

/* Writes "SQLite <path>: what: message" to err and drops the handle. */
static int sq_fail(struct sq *sq, const char *what, char *err, size_t errlen)
{
	snprintf(err, errlen, "SQLite %s: %s: %s", sq->path, what,
	         sq->db ? sqlite3_errmsg(sq->db) : "out of memory");
	sq_drop(sq);
	return -1;
}

/* Opens and prepares unless open. 0, or -1 with err. */
static int sq_connect(struct sq *sq, char *err, size_t errlen)
{
	if (sq->db)
		return 0;
	if (sqlite3_open_v2(sq->path, &sq->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX,
	                    NULL) != SQLITE_OK)
		return sq_fail(sq, "open", err, errlen);
	sqlite3_busy_timeout(sq->db, SQ_BUSY_TIMEOUT_MS);
	if (sqlite3_prepare_v2(sq->db, sq_sql_lookup, -1, &sq->lookup, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(sq->db, sq_sql_find, -1, &sq->find, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(sq->db, sq_sql_count, -1, &sq->count, NULL) != SQLITE_OK)
		return sq_fail(sq, "prepare", err, errlen);
	return 0;
}

static const char *sq_text(sqlite3_stmt *st, int col)
{
	return (const char *)sqlite3_column_text(st, col);
}

/* Runs st, bound, for one user row (its active column the 8th, when it
 * has one): judges it with judge (two rows: NOT_FOUND), then resets st.
 * what names the query in an error. */
static enum galaxydb_result sq_user(struct sq *sq, sqlite3_stmt *st, const struct galaxydb *db,
                                    galaxydb_user_fn judge, struct user *user, const char *what,
                                    char *err, size_t errlen)
{
	enum galaxydb_result res = GALAXYDB_NOT_FOUND;
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW) {
		struct galaxydb_row row = {
			.id = sqlite3_column_int64(st, 0), .username = sq_text(st, 1),
			.email = sq_text(st, 2), .last_action = sq_text(st, 3),
			.deleted = sqlite3_column_int(st, 4) != 0,
			.purged = sqlite3_column_int(st, 5) != 0,
			.external = sqlite3_column_int(st, 6) != 0,
			.active = sqlite3_column_count(st) < 8 || sqlite3_column_int(st, 7) != 0,
		};
		res = judge(db, &row, user, err, errlen);
		if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			res = GALAXYDB_NOT_FOUND;
			rc = SQLITE_DONE;
		}
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE) {
		sq_fail(sq, what, err, errlen);
		return GALAXYDB_ERROR;
	}
	return res;
}

static enum galaxydb_result sq_lookup(void *p, const struct galaxydb *db, const char *key,
                                      struct user *user, char *err, size_t errlen)
{
	struct sq *sq = p;

	if (sq_connect(sq, err, errlen) < 0)
		return GALAXYDB_ERROR;
	sqlite3_bind_text(sq->lookup, 1, key, -1, SQLITE_STATIC);
	return sq_user(sq, sq->lookup, db, sq->user_from_row, user, "lookup", err, errlen);
}

static enum galaxydb_result sq_lookup_key(void *p, const struct galaxydb *db, const char *key,
                                          struct user *user, char *err, size_t errlen)
{
	struct sq *sq = p;

	if (sq_connect(sq, err, errlen) < 0)
		return GALAXYDB_ERROR;
	if (!sq->key && sqlite3_prepare_v2(sq->db, sq_sql_key, -1, &sq->key, NULL) != SQLITE_OK) {
		sq_fail(sq, "prepare the API key lookup", err, errlen);
		return GALAXYDB_ERROR;
	}
	sqlite3_bind_text(sq->key, 1, key, -1, SQLITE_STATIC);
	return sq_user(sq, sq->key, db, sq->user_from_row, user, "API key lookup", err, errlen);
}

static enum galaxydb_result sq_find(void *p, const struct galaxydb *db, const char *username,
                                    long long id, galaxydb_user_fn judge, struct user *user,
                                    char *err, size_t errlen)
{
	struct sq *sq = p;

	if (sq_connect(sq, err, errlen) < 0)
		return GALAXYDB_ERROR;
	sqlite3_bind_text(sq->find, 1, username, -1, SQLITE_STATIC);   /* NULL: matches no row */
	sqlite3_bind_int64(sq->find, 2, username ? 0 : id);
	return sq_user(sq, sq->find, db, judge, user, "user lookup", err, errlen);
}

static int sq_count_users(void *p, long long *count, char *err, size_t errlen)
{
	struct sq *sq = p;
	int rc;

	if (sq_connect(sq, err, errlen) < 0)
		return -1;
	rc = sqlite3_step(sq->count);
	if (rc == SQLITE_ROW)
		*count = sqlite3_column_int64(sq->count, 0);
	sqlite3_reset(sq->count);
	return rc == SQLITE_ROW ? 0 : sq_fail(sq, "count", err, errlen);
}

#define SQ_MAX_COLS 32

static enum galaxydb_result sq_card(void *p, int stmt, const char *const *params,
                                    galaxydb_row_fn row, void *arg, char *err, size_t errlen)
{
	struct sq *sq = p;
	const struct galaxydb_stmt *def = &galaxydb_card_stmts[stmt];
	const char *col[SQ_MAX_COLS];
	enum galaxydb_result res = GALAXYDB_NOT_FOUND;
	sqlite3_stmt *st;
	int rc, n;

	if (sq_connect(sq, err, errlen) < 0)
		return GALAXYDB_ERROR;
	if (!sq->cards[stmt] &&
	    sqlite3_prepare_v2(sq->db, def->sqlite, -1, &sq->cards[stmt], NULL) != SQLITE_OK) {
		/* a schema without a table cards need: the connection stays */
		snprintf(err, errlen, "SQLite %s: prepare card %d: %s", sq->path, stmt,
		         sqlite3_errmsg(sq->db));
		return GALAXYDB_ERROR;
	}
	st = sq->cards[stmt];
	for (int i = 0; i < def->nparams; i++) {
		char name[16];
		snprintf(name, sizeof name, "$%d", i + 1);
		int at = sqlite3_bind_parameter_index(st, name);
		if (at > 0)
			sqlite3_bind_text(st, at, params[i], -1, SQLITE_STATIC);   /* NULL: SQL NULL */
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		n = sqlite3_column_count(st);
		n = n < SQ_MAX_COLS ? n : SQ_MAX_COLS;
		for (int i = 0; i < n; i++)
			col[i] = sq_text(st, i);
		row(arg, col, n);
		res = GALAXYDB_FOUND;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		sq_fail(sq, "card", err, errlen);
		return GALAXYDB_ERROR;
	}
	return res;
}

static void sq_close(void *p)
{
	struct sq *sq = p;

	sq_drop(sq);
	free(sq->path);
	free(sq);
}

const struct galaxydb_backend galaxydb_sqlite_backend = {
	.open = sq_open, .lookup = sq_lookup, .lookup_key = sq_lookup_key, .find = sq_find,
	.count_users = sq_count_users, .close = sq_close, .card = sq_card
};
