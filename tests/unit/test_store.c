/*
 * test_store.c - the one store test suite every driver must pass: the
 * chat's rules (store.c) and the driver under them, against a real store.
 * Without GC_TEST_PG_STORE it runs on SQLite files in a temporary
 * directory; with it (tests/store_pg_unit.py starts a PostgreSQL server and
 * sets it to the store URL) the same cases run on PostgreSQL. Common:
 * rooms, posting rules, idempotent retries, visibility (the drivers' scans
 * against store_event_visible(), the hub's check, on the same events),
 * history paging, rooms/who, users seen, the join limit, ids, several
 * writer processes at once with a cursor walk, store_wait, removing
 * messages, mutes, search, the log, pruning. Then each driver's own: SQLite
 * schema and migration, locks and lock waits, read-only and moved files,
 * the sample queries of doc/store-schema.md; PostgreSQL schema creation by
 * several processes, refusals, reconnects after the server drops every
 * connection.
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "dburl.h"
#include "pqlib.h"
#include "presence.h"
#include "store.h"
#include "store_fixture.h"
#include "store_sqlite_conn.h"
#include "store_test.h"
#define TAP_SHARED
#define TAP_COUNTERS
#include "tap.h"
#include "wake.h"

char dir[] = "/tmp/gc-test-store-XXXXXX";
char path[512];             /* the SQLite store, or */
const char *pg_url;         /* the PostgreSQL store's URL */
char conninfo[1024];        /* and its libpq conninfo */
char err[1024];
struct presence *presence;  /* this process's, as the server's */

/* The store as store_open() takes it. */
const char *where(void)
{
	return pg_url ? pg_url : path;
}

/* A second, plain connection to the store, as an admin's sqlite3 shell. */
static sqlite3 *raw_open(void)
{
	sqlite3 *db = NULL;

	if (sqlite3_open(path, &db) != SQLITE_OK)
		printf("# raw open: %s\n", sqlite3_errmsg(db));
	sqlite3_busy_timeout(db, 5000);
	return db;
}

/* Runs sql on a PostgreSQL connection of its own: the first column of the
 * first row as a number (0 without rows or columns, -1 on error). */
static long long pg_raw(const char *sql)
{
	PGconn *c = PQconnectdb(conninfo);
	PGresult *r = PQexec(c, sql);
	long long v = -1;

	if (PQresultStatus(r) == PGRES_TUPLES_OK)
		v = PQntuples(r) ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : 0;
	else if (PQresultStatus(r) == PGRES_COMMAND_OK)
		v = 0;
	else
		printf("# %s: %s", sql, PQerrorMessage(c));
	PQclear(r);
	PQfinish(c);
	return v;
}

/* The first column of the first row of sql, as an integer (-1 on error),
 * on a connection of its own, as an admin's shell. */
long long raw_int(const char *sql)
{
	if (pg_url)
		return pg_raw(sql);
	sqlite3 *db = raw_open();
	sqlite3_stmt *s;
	long long v = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	else
		printf("# %s: %s\n", sql, sqlite3_errmsg(db));
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

/* Runs sql as raw_int() does: 0, or an error. */
int raw_exec(const char *sql)
{
	if (pg_url)
		return pg_raw(sql) < 0;
	sqlite3 *db = raw_open();
	int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);

	if (rc != SQLITE_OK)
		printf("# %s: %s\n", sql, sqlite3_errmsg(db));
	sqlite3_close(db);
	return rc;
}

/* The text column col of event id, on a connection of its own (NULL when
 * NULL or on error); valid until the next call. */
static const char *raw_text(long long id, const char *col)
{
	static char buf[512];
	char sql[160];
	const char *v = NULL;

	snprintf(sql, sizeof sql, "SELECT %s FROM events WHERE id = %lld", col, id);
	if (pg_url) {
		PGconn *c = PQconnectdb(conninfo);
		PGresult *r = PQexec(c, sql);
		if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) && !PQgetisnull(r, 0, 0))
			v = strncpy(buf, PQgetvalue(r, 0, 0), sizeof buf - 1);
		PQclear(r);
		PQfinish(c);
		return v;
	}
	sqlite3 *db = raw_open();
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW &&
	    sqlite3_column_type(s, 0) != SQLITE_NULL)
		v = strncpy(buf, (const char *)sqlite3_column_text(s, 0), sizeof buf - 1);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

struct store *open_store(const char *const *rooms, size_t n)
{
	struct store *st = NULL;

	if (store_open(where(), rooms, n, NULL, 0, &st, err, sizeof err) < 0)
		printf("# store_open: %s\n", err);
	return st;
}

/* Posts text to room (or to a user) and returns the new id, 0 on failure. */
long long post(struct store *st, const struct user *u, const char *room,
                      long long to, const char *text)
{
	long long id;
	char ts[32];
	int created;

	if (store_post(st, u, room, to, text, NULL, 0, &id, ts, &created, err, sizeof err) != STORE_OK)
		return 0;
	return id;
}

long long join(struct store *st, const struct user *u, const char *room)
{
	long long id = -1;

	if (store_join(st, u, room, 0, &id, err, sizeof err) != STORE_OK)
		printf("# join: %s\n", err);
	return id;
}

/* Does evs hold the event id? */
int has_id(const struct store_events *evs, long long id)
{
	size_t i;

	for (i = 0; i < evs->n; i++)
		if (evs->v[i].id == id)
			return 1;
	return 0;
}

int ids_increasing(const struct store_events *evs)
{
	size_t i;

	for (i = 1; i < evs->n; i++)
		if (evs->v[i].id <= evs->v[i - 1].id)
			return 0;
	return 1;
}

struct store_events visible(struct store *st, long long user_id, long long since)
{
	struct store_events evs = { 0 };

	if (store_events_visible(st, user_id, since, 500, &evs, err, sizeof err) != STORE_OK)
		printf("# events_visible: %s\n", err);
	return evs;
}

/* A string member of a JSON object, or NULL. */
const char *jstr(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : NULL;
}

/* The entry named name in a JSON array of rooms, or NULL. */
static json_object *room_entry(json_object *arr, const char *name)
{
	size_t i;

	for (i = 0; i < json_object_array_length(arr); i++) {
		json_object *o = json_object_array_get_idx(arr, i);
		const char *n = jstr(o, "name");

		if (n && strcmp(n, name) == 0)
			return o;
	}
	return NULL;
}

static long long post_mentioning(struct store *st, const struct user *u, const char *room,
                                 long long to, const char *text, const struct store_mention *m,
                                 size_t n)
{
	long long id;
	char ts[32];
	int created;

	if (store_post_mentioning(st, u, room, to, text, NULL, 0, m, n, &id, ts, &created, err,
	                          sizeof err) != STORE_OK)
		return 0;
	return id;
}

/* The number field of the entry of GET /v1/unread's list ("rooms" or
 * "direct") named name, or -1 when there is none. */
static long long unread_of(json_object *un, const char *list, const char *name, const char *field)
{
	json_object *arr, *v;
	size_t i;

	if (!json_object_object_get_ex(un, list, &arr))
		return -1;
	for (i = 0; i < json_object_array_length(arr); i++) {
		json_object *e = json_object_array_get_idx(arr, i);
		const char *n = jstr(e, strcmp(list, "rooms") == 0 ? "name" : "with");
		if (n && strcmp(n, name) == 0)
			return json_object_object_get_ex(e, field, &v) ? json_object_get_int64(v) : -1;
	}
	return -1;
}

/* user_id's count field of the room (or with = 1: direct messages from)
 * name, -1 when not listed. */
static long long count_of(struct store *st, long long user_id, int with, const char *name,
                          const char *field)
{
	json_object *un;
	long long n;

	if (store_unread(st, user_id, &un, err, sizeof err) != STORE_OK) {
		printf("# store_unread: %s\n", err);
		return -2;
	}
	n = unread_of(un, with ? "direct" : "rooms", name, field);
	json_object_put(un);
	return n;
}

static long long unread(struct store *st, long long user_id, const char *room)
{
	return count_of(st, user_id, 0, room, "unread");
}

static void test_schema(void)
{
	const char *rooms2[] = { NGS, "RNA-Seq" }, *rooms1[] = { NGS };
	struct store *st;
	char missing[600];

	snprintf(missing, sizeof missing, "%s/nope/chat.sqlite", dir);
	ok(store_open(missing, NULL, 0, NULL, 0, &st, err, sizeof err) < 0 && !st, "missing directory refused");
	ok(strstr(err, missing) != NULL, "the message names the path");

	st = open_store(rooms2, 2);
	ok(st, "store created");
	store_close(st);
	is_int(raw_int("PRAGMA user_version"), store_sqlite_version(), "schema version: the newest");
	is_int(raw_int("SELECT count(*) FROM sqlite_master WHERE name IN "
	               "('users', 'rooms', 'members', 'events', 'chat_log', 'mutes',"
	               " 'messages_fts', 'room_activity', 'user_activity', 'reactions',"
	               " 'message_versions', 'messages', 'message_history', 'message_reactions',"
	               " 'threads', 'pins')"), 16,
	       "tables, the search index and the views exist");
	is_int(raw_int("SELECT count(*) FROM rooms WHERE persistent = 1"), 3,
	       "all, NGS, RNA-Seq are persistent");
	is_int(raw_int("SELECT count(*) FROM pragma_journal_mode WHERE journal_mode = 'wal'"), 1,
	       "WAL mode");
	ok(access(strcat(strcpy(missing, path), "-wake"), F_OK) == 0, "wake file beside the store");

	st = open_store(rooms1, 1);
	ok(st, "reopened");
	store_close(st);
	is_int(raw_int("PRAGMA user_version"), store_sqlite_version(), "reopening keeps the version");
	is_int(raw_int("SELECT persistent FROM rooms WHERE name = 'RNA-Seq'"), 0,
	       "a room dropped from the config is no longer persistent");
	is_int(raw_int("SELECT count(*) FROM rooms"), 3, "but it still exists");

	/* a current store is only read when opened: a sqlite3 shell's BEGIN
	 * EXCLUSIVE does not stop it (a changed config must wait for it) */
	sqlite3 *shell = raw_open();
	sqlite3_exec(shell, "BEGIN EXCLUSIVE", NULL, NULL, NULL);
	long long t0 = now_ms();
	st = open_store(rooms1, 1);
	ok(st && now_ms() - t0 < 1000, "opened at once while another writer holds the store");
	store_close(st);
	t0 = now_ms();
	ok(store_open(path, rooms2, 2, NULL, 0, &st, err, sizeof err) < 0 && strstr(err, "locked") &&
	   now_ms() - t0 >= 4500, "a changed config waits the busy budget for the lock");
	sqlite3_exec(shell, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(shell);
	const char *dup[] = { NGS, "all", NGS };
	st = open_store(dup, 3);
	ok(st, "reopened with `all` and a room named twice");
	store_close(st);
	is_int(raw_int("SELECT count(*) FROM rooms WHERE persistent = 1"), 2, "all and NGS persistent");

	raw_exec("PRAGMA user_version = 99");
	ok(store_open(path, NULL, 0, NULL, 0, &st, err, sizeof err) < 0 && strstr(err, "newer"),
	   "a newer schema is refused");
	snprintf(missing, sizeof missing, "PRAGMA user_version = %d", store_sqlite_version());
	raw_exec(missing);
}

static void test_join_leave(struct store *st, const struct user *alice)
{
	long long id;

	ok(join(st, alice, NGS) > 0, "join makes an event");
	is_int(join(st, alice, NGS), 0, "joining again makes none");
	is_int(join(st, alice, "all"), 0, "everyone is in all already");
	is_int(store_leave(st, alice, "all", &id, err, sizeof err), STORE_FORBIDDEN,
	       "all cannot be left");
	is_int(store_leave(st, alice, "nowhere", &id, err, sizeof err), STORE_NOT_FOUND,
	       "leaving an unknown room");
	ok(join(st, alice, "tea") > 0, "joining a new room creates it");
	is_int(store_leave(st, alice, "tea", &id, err, sizeof err), STORE_OK, "leave");
	ok(id > 0, "leave makes an event");
	is_int(store_leave(st, alice, "tea", &id, err, sizeof err), STORE_OK, "leave again");
	is_int(id, 0, "leaving again makes none");
	is_int(raw_int("SELECT count(*) FROM events WHERE user_id = 1 AND type IN ('join', 'leave')"),
	       3, "exactly three membership events");
}

/* max_rooms_per_user: ad-hoc rooms only, checked in the joining transaction. */
static void test_join_limit(struct store *st, const struct user *erin)
{
	long long id, before = raw_int("SELECT count(*) FROM rooms");

	ok(store_join(st, erin, "lim-1", 2, &id, err, sizeof err) == STORE_OK && id > 0, "1st ad-hoc room");
	ok(store_join(st, erin, "lim-2", 2, &id, err, sizeof err) == STORE_OK && id > 0, "2nd ad-hoc room");
	is_int(store_join(st, erin, "lim-3", 2, &id, err, sizeof err), STORE_FORBIDDEN,
	       "a 3rd ad-hoc room with max_rooms 2: forbidden");
	ok(strstr(err, "max_rooms_per_user") != NULL, "the message names the key");
	is_int(raw_int("SELECT count(*) FROM rooms WHERE name = 'lim-3'"), 0,
	       "the refused room was not created");
	ok(store_join(st, erin, "lim-2", 2, &id, err, sizeof err) == STORE_OK && id == 0,
	   "rejoining a room one is in is still fine");
	ok(store_join(st, erin, NGS, 2, &id, err, sizeof err) == STORE_OK && id > 0,
	   "persistent rooms do not count");
	ok(store_join(st, erin, "all", 2, &id, err, sizeof err) == STORE_OK, "all does not count");
	store_leave(st, erin, "lim-1", &id, err, sizeof err);
	ok(store_join(st, erin, "lim-3", 2, &id, err, sizeof err) == STORE_OK && id > 0,
	   "after leaving one, another may be joined");
	is_int(raw_int("SELECT count(*) FROM rooms") - before, 3, "three rooms made in all");
}

static void test_post(struct store *st, const struct user *alice, const struct user *bob)
{
	long long id, id2;
	char ts[32], ts2[32];
	int created;

	is_int(store_post(st, bob, NGS, 0, "hi", NULL, 0, &id, ts, &created, err, sizeof err),
	       STORE_FORBIDDEN, "not a member: forbidden");
	is_int(store_post(st, bob, "nowhere", 0, "hi", NULL, 0, &id, ts, &created, err, sizeof err),
	       STORE_NOT_FOUND, "unknown room");
	is_int(store_post(st, bob, NULL, 999, "hi", NULL, 0, &id, ts, &created, err, sizeof err),
	       STORE_NOT_FOUND, "unknown recipient");
	is_int(store_post(st, bob, "all", 0, "hello all", NULL, 0, &id, ts, &created,
	                  err, sizeof err), STORE_OK, "anyone may post to all");
	ok(id > 0 && created == 1, "stored");
	ok(strlen(ts) == 24 && ts[10] == 'T' && ts[19] == '.' && ts[23] == 'Z', "ts format");

	is_int(store_post(st, alice, NGS, 0, "HISAT2?", "c-1", 0, &id, ts, &created,
	                  err, sizeof err), STORE_OK, "a member posts");
	is_int(store_post(st, alice, NGS, 0, "HISAT2?", "c-1", 0, &id2, ts2, &created,
	                  err, sizeof err), STORE_OK, "the retry is accepted");
	ok(id2 == id && strcmp(ts, ts2) == 0 && created == 0, "with the first id and ts");
	is_int(raw_int("SELECT count(*) FROM events WHERE client_id = 'c-1'"), 1, "stored once");
	is_int(store_post(st, bob, "all", 0, "mine", "c-1", 0, &id2, ts2, &created,
	                  err, sizeof err), STORE_OK, "another user's same client_id");
	ok(id2 > id && created == 1, "is a new event");

	is_int(store_post(st, alice, NULL, bob->id, "psst", NULL, 0, &id, ts, &created,
	                  err, sizeof err), STORE_OK, "a direct message");
	is_int(raw_int("SELECT count(*) FROM events WHERE type = 'direct' AND to_user_id = 2"), 1,
	       "stored for bob");
}

/* A group commit (store_post_batch): each post as store_post would have
 * it, in order, in one transaction; a refusal and a bad call refuse only
 * their own post, a client_id twice in one batch is stored once. */
static void test_post_batch(struct store *st, const struct user *alice, const struct user *bob)
{
	struct store_post p[6] = {
		{ .user = alice, .room = NGS, .text = "batch 0", .client_id = "cb-1" },
		{ .user = bob, .room = NGS, .text = "batch 1: not a member" },
		{ .user = alice, .room = NGS, .text = "batch 0 again", .client_id = "cb-1" },
		{ .user = bob, .room = "all", .text = "batch 3" },
		{ .user = bob, .room = "all", .to_user_id = alice->id, .text = "batch 4: both" },
		{ .user = alice, .to_user_id = bob->id, .text = "batch 5: direct" },
	};
	struct store_post *ps[6] = { &p[0], &p[1], &p[2], &p[3], &p[4], &p[5] };
	struct store_events evs = { 0 };
	long long before = 0;

	store_max_id(st, &before, err, sizeof err);
	store_post_batch(st, ps, 6);
	ok(p[0].res == STORE_OK && p[0].created && p[0].id > before, "batch: the first post stored");
	is_int(p[1].res, STORE_FORBIDDEN, "batch: a non-member's post refused alone");
	ok(p[2].res == STORE_OK && !p[2].created && p[2].id == p[0].id && strcmp(p[2].ts, p[0].ts) == 0,
	   "batch: the same client_id again in the batch gets the first's id and ts");
	ok(p[3].res == STORE_OK && p[3].created && p[3].id > p[0].id, "batch: a later post, a later id");
	is_int(p[4].res, STORE_ERROR, "batch: a room and a recipient refused");
	ok(p[5].res == STORE_OK && p[5].created && p[5].id > p[3].id, "batch: a direct message");
	ok(!p[0].alone && !p[1].alone && !p[3].alone && !p[5].alone, "batch: nothing left to run alone");
	ok(store_events_all(st, before, STORE_MAX_LIMIT, &evs, err, sizeof err) == STORE_OK &&
	   evs.n == 3 && evs.v[0].id == p[0].id && evs.v[1].id == p[3].id && evs.v[2].id == p[5].id,
	   "batch: three events stored, in the batch's order");
	store_events_clear(&evs);
}

/* SQLite: a batch whose third post fails in the store (a trigger refuses
 * its text) stores nothing and leaves the others to run alone. */
static void test_post_batch_fails(struct store *st, const struct user *alice)
{
	struct store_post p[4] = {
		{ .user = alice, .room = "all", .text = "fails 0" },
		{ .user = alice, .room = "all", .text = "fails 1" },
		{ .user = alice, .room = "all", .text = "boom" },
		{ .user = alice, .room = "all", .text = "fails 3" },
	};
	struct store_post *ps[4] = { &p[0], &p[1], &p[2], &p[3] };
	long long before = 0, after = -1;

	raw_exec("CREATE TRIGGER boom BEFORE INSERT ON events WHEN new.text = 'boom'"
	         " BEGIN SELECT RAISE(ABORT, 'boom refused'); END");
	store_max_id(st, &before, err, sizeof err);
	store_post_batch(st, ps, 4);
	store_max_id(st, &after, err, sizeof err);
	ok(p[2].res == STORE_ERROR && strstr(p[2].err, "boom refused") && !p[2].alone,
	   "failed batch: the failing post fails");
	ok(p[0].alone && p[1].alone && p[3].alone && !p[0].created && !p[1].created && !p[3].created,
	   "failed batch: the others are left to run alone");
	ok(after == before, "failed batch: nothing stored");
	raw_exec("DROP TRIGGER boom");
	is_int(store_post(st, alice, "all", 0, "fails 0", NULL, 0, &p[0].id, p[0].ts, &p[0].created,
	                  err, sizeof err), STORE_OK, "failed batch: a post alone afterwards works");
}

/* Every event after since, page after page of the scans: those user_id
 * may see (SQL), or all of them when user_id is 0. 0, or -1. */
static int every_event(struct store *st, long long user_id, long long since,
                       struct store_events *out)
{
	for (;;) {
		size_t before = out->n;
		enum store_result r = user_id
			? store_events_visible(st, user_id, since, STORE_MAX_LIMIT, out, err, sizeof err)
			: store_events_all(st, since, STORE_MAX_LIMIT, out, err, sizeof err);
		if (r != STORE_OK)
			return -1;
		if (out->n - before < STORE_MAX_LIMIT)
			return 0;
		since = out->v[out->n - 1].id;
	}
}

/* The one definition of who sees what, two ways on the same events: the
 * driver's visible-events scan (SQL) against every event filtered by
 * store_event_visible() with the user's rooms now, as the hub does; the
 * events after since, however many the tests before made. */
void check_visible_from(struct store *st, const struct user *u, long long since, const char *when)
{
	struct store_events all = { 0 }, vis = { 0 };
	char **rooms = NULL, name[512];
	size_t i, j = 0;
	int same;

	same = every_event(st, 0, since, &all) == 0 && every_event(st, u->id, since, &vis) == 0 &&
	       store_memberships(st, u->id, &rooms, err, sizeof err) == STORE_OK;
	for (i = 0; same && i < all.n; i++)
		if (store_event_visible(&all.v[i], u->id, rooms)) {
			same = j < vis.n && vis.v[j].id == all.v[i].id &&
			       strcmp(vis.v[j].json, all.v[i].json) == 0;
			j++;
		}
	snprintf(name, sizeof name, "%s: %s sees the same %zu of %zu events by SQL and in memory",
	         when, u->username, j, all.n);
	ok(same && j == vis.n && j > 0, name);
	store_free_names(rooms);
	store_events_clear(&all);
	store_events_clear(&vis);
}

void check_visible_same(struct store *st, const struct user *u, const char *when)
{
	check_visible_from(st, u, 0, when);
}

static void test_visibility(struct store *st, const struct user *alice, const struct user *bob,
                            const struct user *carol)
{
	struct store_events evs;
	long long in_ngs, in_all, dm, cj, cl, lid;
	json_object *o, *u;
	size_t i;

	in_ngs = post(st, alice, NGS, 0, "only NGS sees this");
	in_all = post(st, carol, "all", 0, "everyone sees this");
	dm = post(st, bob, NULL, alice->id, "just for alice");
	cj = join(st, carol, "quiet");
	store_leave(st, carol, "quiet", &cl, err, sizeof err);
	ok(in_ngs && in_all && dm && cj > 0 && cl > 0, "events stored");

	evs = visible(st, carol->id, 0);
	ok(!has_id(&evs, in_ngs), "carol does not see NGS");
	ok(has_id(&evs, in_all), "carol sees all");
	ok(!has_id(&evs, dm), "carol does not see a DM between others");
	ok(has_id(&evs, cj) && has_id(&evs, cl), "carol sees her own join and leave");
	ok(ids_increasing(&evs), "oldest first, ids increasing");
	for (i = 0; i < evs.n; i++)
		if (evs.v[i].room && strcmp(evs.v[i].room, NGS) == 0)
			break;
	is_int(i, evs.n, "no NGS event at all for carol");
	store_events_clear(&evs);

	evs = visible(st, alice->id, 0);
	ok(has_id(&evs, in_ngs) && has_id(&evs, in_all) && has_id(&evs, dm), "alice sees all three");
	ok(!has_id(&evs, cj), "alice does not see carol's join elsewhere");
	for (i = 0; i < evs.n && evs.v[i].id != dm; i++)
		;
	o = i < evs.n ? json_tokener_parse(evs.v[i].json) : NULL;
	ok(o && evs.v[i].type == EV_DIRECT && !evs.v[i].room && evs.v[i].to_user_id == alice->id,
	   "the DM as a struct");
	is_str(o ? jstr(o, "to") : NULL, "alice", "DM JSON: to");
	is_str(o ? jstr(o, "type") : NULL, "direct", "DM JSON: type");
	ok(o && !json_object_object_get_ex(o, "room", NULL), "DM JSON: no room");
	ok(o && json_object_object_get_ex(o, "user", &u) && strcmp(jstr(u, "username"), "bob") == 0 &&
	   strlen(jstr(u, "gravatar")) == 32, "DM JSON: the author");
	json_object_put(o);
	store_events_clear(&evs);

	evs = visible(st, bob->id, dm - 1);
	is_int(evs.n > 0 ? evs.v[0].id : 0, dm, "bob sees his DM after since");
	store_events_clear(&evs);

	store_leave(st, alice, NGS, &lid, err, sizeof err);
	evs = visible(st, alice->id, 0);
	ok(!has_id(&evs, in_ngs) && has_id(&evs, lid), "after leaving, NGS is gone but not the leave");
	store_events_clear(&evs);
	join(st, alice, NGS);

	evs = visible(st, carol->id, in_all);
	ok(!has_id(&evs, in_all) && has_id(&evs, cj), "since is exclusive");
	store_events_clear(&evs);
	is_int(store_events_visible(st, carol->id, 0, 2, &evs, err, sizeof err), STORE_OK, "limit");
	is_int(evs.n, 2, "limit respected");
	store_events_clear(&evs);
	check_visible_same(st, alice, "joins, leaves, messages, DMs");
	check_visible_same(st, bob, "joins, leaves, messages, DMs");
	check_visible_same(st, carol, "joins, leaves, messages, DMs");
}

/* Marks u's room (or, room NULL, the direct messages with peer) read up
 * to id: the result, with the answer in *o (caller puts it). */
static enum store_result read_to(struct store *st, const struct user *u, const char *room,
                                 long long peer, long long id, json_object **o)
{
	enum store_result r = store_read(st, u, room, peer, id, o, err, sizeof err);

	if (r != STORE_OK)
		*o = NULL;
	return r;
}

/* The number key of o, -1 when absent, -2 when null. */
static long long jnum(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		return -1;
	return v ? json_object_get_int64(v) : -2;
}

/* The JSON of event id as st hands it to the hub (NULL: none). */
static json_object *stored_json(struct store *st, long long id)
{
	struct store_events evs = { 0 };
	json_object *o = NULL;

	if (store_events_all(st, id - 1, 1, &evs, err, sizeof err) == STORE_OK && evs.n &&
	    evs.v[0].id == id)
		o = json_tokener_parse(evs.v[0].json);
	store_events_clear(&evs);
	return o;
}

/* Mentions: who is named, may see the message and is known by that name;
 * never oneself. */
static void test_mentions(struct store *st, const struct user *alice, const struct user *bob,
                          const struct user *carol)
{
	const struct store_mention named[] = {
		{ bob->id, "ben" }, { carol->id, "cat" }, { alice->id, "ann" }, { bob->id, "ben" },
		{ 4242, "nobody" },
	}, renamed[] = { { bob->id, "benjamin" } }, in_all[] = { { carol->id, "cat" } };
	long long m, dm;
	json_object *o, *a;

	m = post_mentioning(st, alice, "att", 0, "@ben @cat @ann @ben @nobody", named, 5);
	is_str(raw_text(m, "mentions"), "ben",
	       "a room message mentions its members only: not carol (not in it), not its author");
	o = stored_json(st, m);
	ok(o && json_object_object_get_ex(o, "mentions", &a) && json_object_array_length(a) == 1 &&
	   strcmp(json_object_get_string(json_object_array_get_idx(a, 0)), "ben") == 0,
	   "the event carries \"mentions\": [\"ben\"]");
	json_object_put(o);
	is_int(count_of(st, bob->id, 0, "att", "mentions"), 1, "bob has one unread mention in att");
	is_int(count_of(st, alice->id, 0, "att", "unread"), 0, "the author's own message is not unread");
	is_int(count_of(st, alice->id, 0, "att", "mentions"), 0, "nor a mention of herself");

	m = post_mentioning(st, alice, "att", 0, "@benjamin", renamed, 1);
	ok(m && !raw_text(m, "mentions"), "a name the chat did not see the user under mentions no one");
	o = stored_json(st, m);
	ok(o && !json_object_object_get_ex(o, "mentions", NULL), "and the event has no mentions");
	json_object_put(o);

	m = post_mentioning(st, alice, "all", 0, "@cat", in_all, 1);
	is_str(raw_text(m, "mentions"), "cat", "in all, anyone is mentioned");
	is_int(count_of(st, carol->id, 0, "all", "mentions"), 1, "carol's mention in all");

	dm = post_mentioning(st, alice, NULL, bob->id, "@ben @cat", named, 2);
	is_str(raw_text(dm, "mentions"), "ben", "a direct message mentions its recipient only");
	is_int(count_of(st, bob->id, 1, "ann", "unread"), 1, "and is unread for bob");
	is_int(count_of(st, alice->id, 1, "ben", "unread"), -1, "not for alice, who sent it");
	is_int(raw_int("SELECT count(*) FROM mentions WHERE user_id = 12"), 1,
	       "a mentions row for the room message, none for the direct message");
}

/* Read markers: forward only, of the conversation's own events, each move
 * a read event for its user alone. */
static void test_read_markers(struct store *st, const struct user *alice, const struct user *bob,
                              const struct user *carol)
{
	long long older, m, dm, newest = 0, ev;
	json_object *o = NULL;
	struct store_events evs;
	size_t i;

	older = post(st, alice, "att", 0, "read this");
	m = post(st, alice, "att", 0, "and this");
	dm = post(st, alice, NULL, bob->id, "and me");
	store_max_id(st, &newest, err, sizeof err);
	is_int(read_to(st, bob, "att", 0, m, &o), STORE_OK, "bob reads att up to a message");
	ok(o && jnum(o, "read") == m && jnum(o, "unread") == 0 && jnum(o, "mentions") == 0 &&
	   jnum(o, "event") > newest && strcmp(jstr(o, "room"), "att") == 0,
	   "answered with the marker, the counts and the read event");
	ev = o ? jnum(o, "event") : 0;
	json_object_put(o);
	is_int(unread(st, bob->id, "att"), 0, "nothing unread in att for bob");
	is_int(count_of(st, bob->id, 0, "att", "read"), m, "his marker");

	is_int(read_to(st, bob, "att", 0, m, &o), STORE_OK, "the same id again");
	ok(o && jnum(o, "event") == -2 && jnum(o, "read") == m, "no event, the marker stays");
	json_object_put(o);
	is_int(read_to(st, bob, "att", 0, older, &o), STORE_OK, "an older event of the room");
	ok(o && jnum(o, "event") == -2 && jnum(o, "read") == m, "never moves the marker back");
	json_object_put(o);
	is_int(read_to(st, bob, "att", 0, ev + 1, &o), STORE_BAD_REQUEST, "beyond the newest event: invalid");
	ok(strstr(err, "beyond the newest") != NULL, "saying so");
	is_int(read_to(st, bob, "att", 0, dm, &o), STORE_BAD_REQUEST, "a direct message is not att's");
	is_int(read_to(st, bob, "att", 0, ev, &o), STORE_BAD_REQUEST, "nor is a read event");
	is_int(read_to(st, carol, "att", 0, m, &o), STORE_FORBIDDEN, "not a member: forbidden");
	is_int(read_to(st, bob, "nowhere", 0, m, &o), STORE_NOT_FOUND, "an unknown room");
	is_int(read_to(st, bob, "all", 0, m, &o), STORE_BAD_REQUEST, "att's message is not all's");

	is_int(read_to(st, bob, NULL, alice->id, dm, &o), STORE_OK, "bob reads alice's direct messages");
	ok(o && jnum(o, "read") == dm && jnum(o, "unread") == 0 && jnum(o, "event") > ev &&
	   strcmp(jstr(o, "with"), "ann") == 0 && jnum(o, "mentions") == -1,
	   "answered with the marker and a read event, no mentions");
	json_object_put(o);
	is_int(count_of(st, bob->id, 1, "ann", "unread"), -1,
	       "a conversation with nothing unread is not listed");
	is_int(read_to(st, bob, NULL, alice->id, m, &o), STORE_BAD_REQUEST, "a room message is no DM");
	is_int(read_to(st, carol, NULL, alice->id, dm, &o), STORE_BAD_REQUEST,
	       "a DM between others is not carol's");
	is_int(read_to(st, bob, NULL, 999, dm, &o), STORE_NOT_FOUND, "a user who never used the chat");

	evs = visible(st, bob->id, newest);
	is_int(evs.n, 2, "bob's polls get both read events");
	o = evs.n == 2 ? json_tokener_parse(evs.v[0].json) : NULL;
	ok(o && evs.v[0].type == EV_READ && strcmp(jstr(o, "type"), "read") == 0 &&
	   strcmp(jstr(o, "room"), "att") == 0 && jnum(o, "read") == m &&
	   !json_object_object_get_ex(o, "with", NULL), "{\"type\": \"read\", \"room\": \"att\", \"read\": N}");
	json_object_put(o);
	o = evs.n == 2 ? json_tokener_parse(evs.v[1].json) : NULL;
	ok(o && strcmp(jstr(o, "with"), "ann") == 0 && jnum(o, "read") == dm &&
	   !json_object_object_get_ex(o, "room", NULL) && !json_object_object_get_ex(o, "to", NULL),
	   "{\"type\": \"read\", \"with\": \"ann\", \"read\": N}");
	json_object_put(o);
	for (i = 0; i < evs.n; i++)
		ok(!store_event_visible(&evs.v[i], alice->id, (char *[]){ "att", NULL }),
		   "a member of the room, the other of the DM: not for them");
	store_events_clear(&evs);
	evs = visible(st, alice->id, newest);
	is_int(evs.n, 0, "alice's scan has neither");
	store_events_clear(&evs);
	check_visible_same(st, alice, "read markers");
	check_visible_same(st, bob, "read markers");
	check_visible_same(st, carol, "read markers");
}

/* Counts: others' messages after the marker, not removed; own messages
 * never; a room left is gone, joined again starts afresh. */
static void test_unread(struct store *st, const struct user *alice, const struct user *bob,
                        const struct user *carol)
{
	const struct store_mention at_bob[] = { { bob->id, "ben" } };
	long long b1, a1, b2, m, dm, id;
	json_object *o = NULL, *un;

	is_int(read_to(st, alice, "att", 0, post(st, bob, "att", 0, "x"), &o), STORE_OK,
	       "alice has read att");
	json_object_put(o);
	is_int(read_to(st, bob, "att", 0, post(st, alice, "att", 0, "y"), &o), STORE_OK,
	       "bob has read att");
	json_object_put(o);
	b1 = post(st, bob, "att", 0, "b1");
	a1 = post(st, alice, "att", 0, "a1");
	b2 = post(st, bob, "att", 0, "b2");
	is_int(unread(st, alice->id, "att"), 2, "alice: bob's two, not her own between");
	is_int(unread(st, bob->id, "att"), 1, "bob: alice's one, not his own two");
	read_to(st, alice, "att", 0, b1, &o);
	ok(o && jnum(o, "unread") == 1, "read up to b1: b2 is left");
	json_object_put(o);
	read_to(st, bob, "att", 0, b1, &o);
	ok(o && jnum(o, "unread") == 1, "bob read up to his own b1: alice's a1 is left");
	json_object_put(o);
	read_to(st, alice, "att", 0, b2, &o);
	ok(o && jnum(o, "unread") == 0, "alice read to the end");
	json_object_put(o);

	store_delete(st, alice, a1, &id, err, sizeof err);
	is_int(unread(st, bob->id, "att"), 0, "a removed message stops counting");
	is_int(unread(st, alice->id, "att"), 0, "and the author's stays 0");
	m = post_mentioning(st, alice, "att", 0, "@ben look", at_bob, 1);
	is_int(count_of(st, bob->id, 0, "att", "mentions"), 1, "a mention");
	is_int(unread(st, bob->id, "att"), 1, "unread");
	store_delete(st, alice, m, &id, err, sizeof err);
	is_int(count_of(st, bob->id, 0, "att", "mentions"), 0, "removed: the mention is gone");
	is_int(unread(st, bob->id, "att"), 0, "and the message");
	o = stored_json(st, m);
	ok(o && !json_object_object_get_ex(o, "mentions", NULL) &&
	   json_object_object_get_ex(o, "deleted", NULL), "a removed message shows no mentions");
	json_object_put(o);

	dm = post(st, alice, NULL, bob->id, "psst");
	is_int(count_of(st, bob->id, 1, "ann", "unread"), 1, "a direct message is unread");
	store_delete(st, alice, dm, &id, err, sizeof err);
	is_int(count_of(st, bob->id, 1, "ann", "unread"), -1, "removed: not any more");
	post(st, bob, NULL, bob->id, "a note to myself");
	is_int(count_of(st, bob->id, 1, "ben", "unread"), -1, "one's own direct message never counts");

	store_leave(st, bob, "att", &id, err, sizeof err);
	is_int(unread(st, bob->id, "att"), -1, "a room left is not listed");
	post(st, alice, "att", 0, "while bob is away");
	join(st, bob, "att");
	is_int(unread(st, bob->id, "att"), 0, "joined again: what was said meanwhile is history");
	post(st, alice, "att", 0, "welcome back");
	is_int(unread(st, bob->id, "att"), 1, "and what is said now is unread");

	if (store_unread(st, bob->id, &un, err, sizeof err) == STORE_OK) {
		json_object *rooms;
		json_object_object_get_ex(un, "rooms", &rooms);
		ok(rooms && json_object_array_length(rooms) >= 2 &&
		   strcmp(jstr(json_object_array_get_idx(rooms, 0), "name"), "all") == 0,
		   "all comes first");
		long long sum = 0;
		json_object *direct;
		json_object_object_get_ex(un, "direct", &direct);
		for (size_t i = 0; rooms && i < json_object_array_length(rooms); i++)
			sum += jnum(json_object_array_get_idx(rooms, i), "unread");
		for (size_t i = 0; direct && i < json_object_array_length(direct); i++)
			sum += jnum(json_object_array_get_idx(direct, i), "unread");
		ok(sum > 0 && jnum(un, "total") == sum, "total sums every count");
		json_object_put(un);
	}
	is_int(unread(st, carol->id, "att"), -1, "carol is not in att");
	is_int(unread(st, carol->id, "all"), 1, "carol's all counts alice's message with her mention");
}

static void test_settings(struct store *st, const struct user *bob)
{
	char email[16];

	is_int(store_email_get(st, bob->id, email, err, sizeof err), STORE_OK, "settings");
	is_str(email, "mentions", "email: mentions by default");
	is_int(store_email_set(st, bob->id, "off", err, sizeof err), STORE_OK, "turned off");
	store_email_get(st, bob->id, email, err, sizeof err);
	is_str(email, "off", "kept");
	is_int(store_email_set(st, bob->id, "always", err, sizeof err), STORE_BAD_REQUEST,
	       "another value is refused");
	store_email_get(st, bob->id, email, err, sizeof err);
	is_str(email, "off", "and changes nothing");
	store_email_set(st, bob->id, "mentions", err, sizeof err);
}

/* Issue 18: mentions, read markers, counts, settings, among three users
 * of their own (seen by the store as a request would: `all` read up to
 * then), ann and ben in the room att. */
static void test_attention(struct store *st)
{
	struct user u[] = { user_make(11, "ann"), user_make(12, "ben"), user_make(13, "cat") };

	for (size_t i = 0; i < 3; i++)
		store_user_seen(st, presence, &u[i], err, sizeof err);
	join(st, &u[0], "att");
	join(st, &u[1], "att");
	test_mentions(st, &u[0], &u[1], &u[2]);
	test_read_markers(st, &u[0], &u[1], &u[2]);
	test_unread(st, &u[0], &u[1], &u[2]);
	test_settings(st, &u[1]);
}

static void test_history(struct store *st, const struct user *alice, const struct user *bob)
{
	struct store_events evs = { 0 };
	long long ids[8];
	int more, i;
	json_object *o;

	ids[0] = join(st, alice, "paging");
	for (i = 1; i < 8; i++)
		ids[i] = post(st, alice, "paging", 0, "page me");
	is_int(store_history(st, alice->id, "paging", 0, 3, &evs, &more, err, sizeof err),
	       STORE_OK, "newest page");
	ok(evs.n == 3 && evs.v[0].id == ids[5] && evs.v[2].id == ids[7] && more, "3 newest, more");
	store_events_clear(&evs);
	store_history(st, alice->id, "paging", ids[5], 3, &evs, &more, err, sizeof err);
	ok(evs.n == 3 && evs.v[0].id == ids[2] && evs.v[2].id == ids[4] && more, "next page");
	store_events_clear(&evs);
	store_history(st, alice->id, "paging", ids[2], 3, &evs, &more, err, sizeof err);
	ok(evs.n == 2 && evs.v[0].id == ids[0] && evs.v[1].id == ids[1] && !more, "last page");
	o = evs.n ? json_tokener_parse(evs.v[0].json) : NULL;
	is_str(o ? jstr(o, "type") : NULL, "join", "history holds the join");
	is_str(o ? jstr(o, "room") : NULL, "paging", "with its room");
	ok(o && !json_object_object_get_ex(o, "text", NULL), "and no text");
	json_object_put(o);
	store_events_clear(&evs);

	is_int(store_history(st, bob->id, "paging", 0, 3, &evs, &more, err, sizeof err),
	       STORE_FORBIDDEN, "history of a room one is not in");
	is_int(store_history(st, bob->id, "nowhere", 0, 3, &evs, &more, err, sizeof err),
	       STORE_NOT_FOUND, "history of an unknown room");
	is_int(store_history(st, bob->id, "all", 0, 500, &evs, &more, err, sizeof err),
	       STORE_OK, "history of all for anyone");
	ok(evs.n > 0 && !more && ids_increasing(&evs), "all of it, in order");
	store_events_clear(&evs);
}

/* alice's last_seen is a made-up old time, or a real one */
#define SEEN_OLD "SELECT count(*) FROM users WHERE id = 1 AND last_seen < '2001'"
#define SEEN_NEW "SELECT count(*) FROM users WHERE id = 1 AND last_seen > '2001'"

/* 1 when alice (id 1) is listed online in NGS, 0 when not; the rooms' count agrees */
static int online_in_ngs(struct store *st, const struct user *alice)
{
	json_object *arr = NULL, *o;
	int listed, counted;

	store_who(st, alice->id, NGS, &arr, err, sizeof err);
	listed = (int)json_object_array_length(arr);
	json_object_put(arr);
	store_rooms(st, alice->id, 0, &arr, err, sizeof err);
	o = room_entry(arr, NGS);
	counted = o ? json_object_get_int(json_object_object_get(o, "online")) : -1;
	json_object_put(arr);
	return listed == counted ? listed : -1;
}

/* A goodbye takes alice out of the who lists at once, for good: neither
 * this process's flush nor another's of a request before it brings her
 * back; a request after it does, and a burst of goodbyes writes once. */
static void test_goodbye(struct store *st, const struct user *alice)
{
	struct presence *other = presence_new();

	store_user_seen(st, presence, alice, err, sizeof err);
	store_seen_flush(st, presence, err, sizeof err);
	is_int(online_in_ngs(st, alice), 1, "goodbye: online before it");
	/* another process saw her just before she left */
	store_user_seen(st, other, alice, err, sizeof err);
	usleep(2000);
	store_user_seen(st, presence, alice, err, sizeof err);   /* the goodbye's own request */
	is_int(store_user_left(st, presence, alice, err, sizeof err), STORE_OK, "goodbye");
	is_int(online_in_ngs(st, alice), 0, "goodbye: not online at once");
	is_int(raw_int(SEEN_NEW), 1, "goodbye: last_seen stays the truth");
	store_seen_flush(st, presence, err, sizeof err);
	store_seen_flush(st, other, err, sizeof err);
	is_int(online_in_ngs(st, alice), 0, "goodbye: flushes of requests before it keep her away");

	raw_exec("CREATE TABLE saved AS SELECT left_at FROM users WHERE id = 1");
	is_int(store_user_left(st, presence, alice, err, sizeof err), STORE_OK, "goodbye again");
	is_int(raw_int("SELECT count(*) FROM users u JOIN saved s ON s.left_at = u.left_at"), 1,
	       "goodbye again within a second, nothing seen between: nothing written");
	raw_exec("DROP TABLE saved");

	usleep(2000);
	store_user_seen(st, presence, alice, err, sizeof err);
	is_int(online_in_ngs(st, alice), 0, "back: not before the flush");
	store_seen_flush(st, presence, err, sizeof err);
	is_int(online_in_ngs(st, alice), 1, "back: a request after the goodbye, flushed");
	is_int(store_user_left(st, presence, alice, err, sizeof err), STORE_OK, "and gone again");
	is_int(online_in_ngs(st, alice), 0, "a goodbye after a request written is written, even within a second");

	usleep(2000);
	store_user_seen(st, presence, alice, err, sizeof err);
	store_seen_flush(st, presence, err, sizeof err);
	presence_free(other);
}

static void test_rooms_who(struct store *st, const struct user *alice, const struct user *bob)
{
	json_object *arr, *o;
	char **names;
	long long max;

	store_user_seen(st, presence, alice, err, sizeof err);
	is_int(store_rooms(st, alice->id, 0, &arr, err, sizeof err), STORE_OK, "rooms");
	is_str(jstr(json_object_array_get_idx(arr, 0), "name"), "all", "all comes first");
	o = room_entry(arr, NGS);
	ok(o && json_object_get_boolean(json_object_object_get(o, "persistent")) &&
	   json_object_get_boolean(json_object_object_get(o, "joined")), "NGS: persistent, joined");
	ok(o && json_object_get_int(json_object_object_get(o, "members")) == 1 &&
	   json_object_get_int(json_object_object_get(o, "online")) == 1, "NGS: 1 member online");
	store_max_id(st, &max, err, sizeof err);
	o = room_entry(arr, "paging");
	ok(o && json_object_get_int64(json_object_object_get(o, "last_id")) == max, "last_id");
	o = room_entry(arr, "all");
	ok(o && json_object_get_int(json_object_object_get(o, "members")) == 3, "all: 3 users");
	json_object_put(arr);

	store_rooms(st, bob->id, 1, &arr, err, sizeof err);
	ok(room_entry(arr, NGS) && room_entry(arr, "all") && !room_entry(arr, "paging"),
	   "brief: persistent and joined rooms only");
	o = room_entry(arr, NGS);
	ok(o && !json_object_object_get_ex(o, "members", NULL) &&
	   !json_object_get_boolean(json_object_object_get(o, "joined")), "brief: no counts");
	json_object_put(arr);

	is_int(store_who(st, alice->id, NGS, &arr, err, sizeof err), STORE_OK, "who");
	ok(json_object_array_length(arr) == 1 &&
	   strcmp(jstr(json_object_array_get_idx(arr, 0), "username"), "alice") == 0,
	   "alice is online in NGS");
	json_object_put(arr);
	is_int(store_who(st, alice->id, "nowhere", &arr, err, sizeof err), STORE_NOT_FOUND,
	       "who: unknown room");
	is_int(store_who(st, bob->id, NGS, &arr, err, sizeof err), STORE_FORBIDDEN,
	       "who: not to a non-member");
	ok(!arr && strstr(err, "not a member"), "who: nothing listed, and why");
	is_int(store_who(st, bob->id, "all", &arr, err, sizeof err), STORE_OK, "who: all to anyone");
	json_object_put(arr);
	raw_exec("UPDATE users SET last_seen = '2000-01-01T00:00:00.000Z' WHERE id = 1");
	store_who(st, alice->id, NGS, &arr, err, sizeof err);
	is_int(json_object_array_length(arr), 0, "nobody seen for a minute: nobody online");
	json_object_put(arr);

	store_user_seen(st, presence, alice, err, sizeof err);
	is_int(raw_int(SEEN_OLD), 1,
	       "seen again: no write at once");
	is_int(store_seen_flush(st, presence, err, sizeof err), STORE_OK, "seen_flush");
	is_int(raw_int(SEEN_NEW), 1,
	       "seen_flush writes the time it was seen");
	raw_exec("UPDATE users SET last_seen = '2000-01-01T00:00:00.000Z' WHERE id = 1");
	store_seen_flush(st, presence, err, sizeof err);
	is_int(raw_int(SEEN_OLD), 1,
	       "seen_flush: nothing again until seen again");
	if (!pg_url) {
		/* a writer holds SQLite's lock (the sqlite3 shell, another process):
		 * the flush skips its round without an error, and the user's next
		 * request makes the row due again */
		sqlite3 *shell = raw_open();
		long long t0;

		sqlite3_exec(shell, "BEGIN IMMEDIATE", NULL, NULL, NULL);
		store_user_seen(st, presence, alice, err, sizeof err);
		t0 = now_ms();
		is_int(store_seen_flush(st, presence, err, sizeof err), STORE_OK,
		       "seen_flush while another writer holds the lock: not an error");
		ok(now_ms() - t0 < 1000, "seen_flush does not wait for that writer");
		sqlite3_exec(shell, "ROLLBACK", NULL, NULL, NULL);
		sqlite3_close(shell);
		is_int(raw_int(SEEN_OLD), 1,
		       "seen_flush under the lock wrote nothing");
		store_user_seen(st, presence, alice, err, sizeof err);
		store_seen_flush(st, presence, err, sizeof err);
		is_int(raw_int(SEEN_NEW), 1,
		       "seen again after the lock: written at the next flush");
		raw_exec("UPDATE users SET last_seen = '2000-01-01T00:00:00.000Z' WHERE id = 1");
	}
	{
		/* another process, new to alice, whose row is current: it reads
		 * the row and writes nothing until its flush. */
		pid_t pid = fork();
		if (pid == 0) {
			const char *rooms[] = { NGS };
			struct presence *mine = presence_new();
			struct store *other = NULL;
			store_open(where(), rooms, 1, NULL, 0, &other, err, sizeof err);
			if (!other || !mine || store_user_seen(other, mine, alice, err, sizeof err) != STORE_OK ||
			    raw_int(SEEN_OLD) != 1 ||
			    store_seen_flush(other, mine, err, sizeof err) != STORE_OK ||
			    raw_int(SEEN_NEW) != 1)
				_exit(1);
			store_close(other);
			_exit(0);
		}
		is_int(reap(1), 1, "a process new to a user with a current row: no write until its flush");
	}
	{
		struct user renamed = *alice;

		snprintf(renamed.username, sizeof renamed.username, "alice2");
		store_user_seen(st, presence, &renamed, err, sizeof err);
		is_int(raw_int("SELECT count(*) FROM users WHERE id = 1 AND username = 'alice2'"
		               " AND last_seen > '2001'"),
		       1, "a changed name is written at once");
		store_user_seen(st, presence, alice, err, sizeof err);
	}

	test_goodbye(st, alice);

	is_int(store_memberships(st, alice->id, &names, err, sizeof err), STORE_OK, "memberships");
	ok(names && strcmp(names[0], "all") == 0 && names[1] && strcmp(names[1], NGS) == 0 &&
	   names[2] && strcmp(names[2], "paging") == 0 && !names[3], "all, NGS, paging");
	store_free_names(names);
}

static void test_ids(struct store *st)
{
	struct store_events evs = { 0 };
	long long max;

	is_int(store_events_all(st, 0, 500, &evs, err, sizeof err), STORE_OK, "events_all");
	store_max_id(st, &max, err, sizeof err);
	ok(evs.n > 20 && ids_increasing(&evs) && evs.v[evs.n - 1].id == max,
	   "ids strictly increasing up to max_id");
	store_events_clear(&evs);
	store_events_all(st, max - 2, 1, &evs, err, sizeof err);
	ok(evs.n == 1 && evs.v[0].id == max - 1, "events_all: since and limit");
	store_events_clear(&evs);
}

/* In a child: opens its own connection, posts n messages, exits 0 on success. */
static void child_post(int k, int n, const char *client_id, int delay_ms, int fd)
{
	struct user u = user_make(100 + k, "worker");
	struct store *st;
	long long id = 0;
	char ts[32], cid[64];
	int i, created;

	usleep(delay_ms * 1000);
	if (!(st = open_store(NULL, 0)))
		_exit(1);
	for (i = 0; i < n; i++) {
		snprintf(cid, sizeof cid, "w%d-%d", k, i);
		if (store_post(st, &u, "all", 0, "load", client_id ? client_id : cid, 0, &id, ts,
		               &created, err, sizeof err) != STORE_OK) {
			fprintf(stderr, "child %d: %s\n", k, err);
			_exit(1);
		}
	}
	if (fd >= 0 && write(fd, &id, sizeof id) != sizeof id)
		_exit(1);
	store_close(st);
	_exit(0);
}


/* The write counter in the wake file: a writer waiting for the lock
 * sleeps until another process's transaction ends, not until a timer. */
static void test_write_wait(void)
{
	char wake_path[600];
	struct wake *w = NULL;
	unsigned seq, got, events;
	long long t0, waited;

	snprintf(wake_path, sizeof wake_path, "%s-wake", path);
	if (wake_open(wake_path, 0600, &w, err, sizeof err) < 0) {
		printf("# %s\n", err);
		ok(0, "the wake file opens");
		return;
	}
	seq = wake_write_seq(w);
	events = wake_seq(w);
	if (fork() == 0) {
		usleep(300000);
		wake_write_done(w);
		_exit(0);
	}
	t0 = now_ms();
	got = wake_write_wait(w, seq, 10000);
	waited = now_ms() - t0;
	ok(got != seq, "another process's transaction end wakes a waiting writer");
	ok(waited >= 250 && waited < 1000, "promptly, long before the timeout");
	is_int(wake_write_wait(w, got, 0), got, "no sleep with a zero timeout");
	is_int(wake_seq(w), events, "the event counter is its own");
	is_int(reap(1), 1, "the bumping process exited");
	wake_close(w);
}

static void test_processes(struct store *st)
{
	enum { K = 4, N = 25 };
	unsigned seq, got;
	long long t0, waited, before, ids[K];
	struct store_events evs = { 0 };
	int k, fds[2];
	size_t i, mine = 0;

	seq = store_seq(st);
	t0 = now_ms();
	got = store_wait(st, seq, 200);
	waited = now_ms() - t0;
	ok(got == seq && waited >= 190 && waited < 1000, "no event: store_wait times out");

	store_max_id(st, &before, err, sizeof err);
	seq = store_seq(st);
	if (fork() == 0)
		child_post(0, 1, "wake", 300, -1);
	t0 = now_ms();
	got = store_wait(st, seq, 10000);
	waited = now_ms() - t0;
	ok(got != seq, "another process's post wakes store_wait");
	ok(waited >= 250 && waited < 1000, "promptly, long before the timeout");
	printf("# woken after %lld ms (the writer started after 300 ms)\n", waited);
	is_int(reap(1), 1, "the writer process succeeded");

	if (!pg_url)
		test_write_wait();

	for (k = 0; k < K; k++)
		if (fork() == 0)
			child_post(k, N, NULL, 0, -1);
	is_int(reap(K), K, "every writer process succeeded");
	store_events_all(st, before + 1, 500, &evs, err, sizeof err);
	for (i = 0; i < evs.n; i++)
		mine += evs.v[i].user_id >= 100;
	is_int(mine, K * N, "all N*k events, once each");
	ok(ids_increasing(&evs), "with distinct increasing ids");
	is_int(raw_int("SELECT count(DISTINCT client_id) FROM events WHERE user_id >= 100"),
	       K * N + 1, "every client_id stored once");
	store_events_clear(&evs);

	/* The same retry from K processes at once: one event, one id for all. */
	if (pipe(fds) < 0)
		return;
	for (k = 0; k < K; k++)
		if (fork() == 0) {
			close(fds[0]);
			child_post(0, 1, "race", 0, fds[1]);
		}
	close(fds[1]);
	for (k = 0; k < K && read(fds[0], &ids[k], sizeof ids[k]) == sizeof ids[k]; k++)
		;
	close(fds[0]);
	is_int(reap(K), K, "racing retries succeed");
	ok(k == K && ids[0] > 0 && ids[1] == ids[0] && ids[2] == ids[0] && ids[3] == ids[0],
	   "and all get the same id");
	is_int(raw_int("SELECT count(*) FROM events WHERE client_id = 'race'"), 1, "stored once");
}

/* Returns the number of rows sql gives on a plain connection, -1 on error. */
static int raw_rows(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s;
	int rows = 0, rc;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
		printf("# %s\n", sqlite3_errmsg(db));
		return -1;
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		rows++;
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? rows : -1;
}

static void test_chat_log(void)
{
	sqlite3 *db = raw_open();
	sqlite3_stmt *s;
	int dm = 0, joined = 0, said = 0;

	sqlite3_prepare_v2(db, "SELECT time, room, user, text FROM chat_log", -1, &s, NULL);
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *room = (const char *)sqlite3_column_text(s, 1);
		const char *user = (const char *)sqlite3_column_text(s, 2);
		const char *text = (const char *)sqlite3_column_text(s, 3);

		dm += strcmp(room, "@alice") == 0 && strcmp(user, "bob") == 0 &&
		      strcmp(text, "just for alice") == 0;
		joined += strcmp(room, "tea") == 0 && strcmp(text, "* joined") == 0;
		said += strcmp(room, NGS) == 0 && strcmp(text, "HISAT2?") == 0;
	}
	sqlite3_finalize(s);
	sqlite3_close(db);
	ok(dm == 1 && joined == 1 && said == 1, "chat_log reads like a chat log");
}

/* Runs every ```sql block of doc/store-schema.md on the store. */
static void test_doc_queries(void)
{
	const char *srcdir = getenv("GC_SRCDIR");
	char doc[1024], *text = NULL, *p, *end;
	size_t len = 0;
	sqlite3 *db;
	FILE *f;
	int n = 0;

	snprintf(doc, sizeof doc, "%s/doc/store-schema.md", srcdir ? srcdir : ".");
	f = fopen(doc, "r");
	ok(f != NULL, "doc/store-schema.md is readable");
	if (!f)
		return;
	if (getdelim(&text, &len, '\0', f) < 0) {
		free(text);
		text = strdup("");
	}
	fclose(f);
	/* Some of the log happened yesterday, so "yesterday" queries find it. */
	raw_exec("UPDATE events SET ts = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-1 day')"
	         " WHERE id % 2 = 0");
	db = raw_open();
	for (p = text; (p = strstr(p, "```sql\n")) && (end = strstr(p + 7, "```")); p = end + 3) {
		char name[128];
		int rows;

		*end = '\0';
		rows = raw_rows(db, p + 7);
		snprintf(name, sizeof name, "doc query %d runs and finds rows (%d)", ++n, rows);
		ok(rows > 0, name);
	}
	sqlite3_close(db);
	ok(n >= 4, "the doc has at least four sample queries");
	free(text);
}

/* A writer holding the lock past the busy timeout: STORE_ERROR, no hang. */
static void test_locked(struct store *st, const struct user *alice)
{
	sqlite3 *db = raw_open();
	long long id, t0;
	char ts[32];
	int created;
	enum store_result r;

	sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	t0 = now_ms();
	r = store_post(st, alice, "all", 0, "blocked", NULL, 0, &id, ts, &created, err, sizeof err);
	t0 = now_ms() - t0;
	is_int(r, STORE_ERROR, "a store locked too long is an error");
	ok(strstr(err, "locked") && t0 >= 4500 && t0 < 10000, "saying so, after the busy timeout");
	printf("# %s after %lld ms\n", err, t0);
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(db);
	ok(post(st, alice, "all", 0, "unblocked") > 0, "works again once the lock is gone");
}

/* The outside writer of test_lock_wait, on a thread of its own (a fork
 * would carry this process's open store into a child). */
static void *shell_writer(void *arg)
{
	int *locked = arg;
	sqlite3 *db = raw_open();

	sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	__atomic_store_n(locked, 1, __ATOMIC_RELEASE);
	usleep(300000);
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(db);
	return NULL;
}

/* A writer from outside (bumping no write counter) holds the lock for
 * 300 ms: a post waits for it, in short sleeps, and then goes through. */
static void test_lock_wait(struct store *st, const struct user *alice)
{
	pthread_t t;
	int locked = 0;
	long long t0, waited;

	if (pthread_create(&t, NULL, shell_writer, &locked) != 0) {
		ok(0, "the outside writer starts");
		return;
	}
	for (int i = 0; i < 500 && !__atomic_load_n(&locked, __ATOMIC_ACQUIRE); i++)
		usleep(1000);
	ok(__atomic_load_n(&locked, __ATOMIC_ACQUIRE), "an outside writer holds the lock");
	t0 = now_ms();
	ok(post(st, alice, "all", 0, "after the shell") > 0, "a post waits for it and goes through");
	waited = now_ms() - t0;
	ok(waited >= 200 && waited < 4500, "once it lets go, long before the busy timeout");
	printf("# posted after %lld ms (the lock was held 300 ms)\n", waited);
	pthread_join(t, NULL);
}

/* Read-only files and directories, as a user who cannot override them. */
static void test_read_only(void)
{
	char ro_dir[600], ro_path[700];
	struct store *st;
	int status;
	pid_t pid;

	snprintf(ro_dir, sizeof ro_dir, "%s/ro", dir);
	snprintf(ro_path, sizeof ro_path, "%s/chat.sqlite", ro_dir);
	mkdir(ro_dir, 0755);
	if (store_open(ro_path, NULL, 0, NULL, 0, &st, err, sizeof err) == 0)
		store_close(st);
	chmod(ro_path, 0444);
	chmod(dir, 0755);
	pid = fork();
	if (pid == 0) {
		int bad = 0;

		if (geteuid() == 0 && (setgid(65534) < 0 || setuid(65534) < 0))
			_exit(9);
		/* The directory is not writable for this user now. */
		st = NULL;
		bad |= store_open(ro_path, NULL, 0, NULL, 0, &st, err, sizeof err) == 0 ||
		       !strstr(err, "not writable") || !strstr(err, ro_path);
		printf("# %s\n", err);
		fflush(stdout);
		_exit(bad);
	}
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "unwritable directory: refused by name");

	chmod(ro_dir, 0777);
	pid = fork();
	if (pid == 0) {
		int bad = 0;

		if (geteuid() == 0 && (setgid(65534) < 0 || setuid(65534) < 0))
			_exit(9);
		st = NULL;
		bad |= store_open(ro_path, NULL, 0, NULL, 0, &st, err, sizeof err) == 0 || !strstr(err, ro_path);
		printf("# %s\n", err);
		fflush(stdout);
		store_close(st);
		_exit(bad);
	}
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "read-only store file: an error, no crash");
	chmod(dir, 0700);
}

/* A store file deleted (or replaced) under an open connection: writes are
 * refused by name instead of going into a file nobody else will see. */
static void test_moved(const struct user *alice)
{
	char mdir[600], mpath[700], side[720];
	struct store *st;
	long long id;

	snprintf(mdir, sizeof mdir, "%s/moved", dir);
	snprintf(mpath, sizeof mpath, "%s/chat.sqlite", mdir);
	mkdir(mdir, 0755);
	if (store_open(mpath, NULL, 0, NULL, 0, &st, err, sizeof err) < 0) {
		ok(0, "open a store to delete");
		return;
	}
	ok(store_join(st, alice, "before", 0, &id, err, sizeof err) == STORE_OK, "writes before");
	unlink(mpath);
	snprintf(side, sizeof side, "%s-wal", mpath);
	unlink(side);
	snprintf(side, sizeof side, "%s-shm", mpath);
	unlink(side);
	is_int(store_join(st, alice, "after", 0, &id, err, sizeof err), STORE_ERROR,
	       "a write after the file was deleted: refused");
	ok(strstr(err, "deleted or replaced") && strstr(err, mpath), "naming the file and why");
	store_close(st);
	ok(store_open(mpath, NULL, 0, NULL, 0, &st, err, sizeof err) == 0, "opening again makes a new store");
	store_close(st);
}

/* The event id in evs parsed as JSON, or NULL (caller puts it). */
json_object *event_json(const struct store_events *evs, long long id)
{
	size_t i;

	for (i = 0; i < evs->n; i++)
		if (evs->v[i].id == id)
			return json_tokener_parse(evs->v[i].json);
	return NULL;
}

/* The delete event naming target in evs, or NULL. */
static const struct store_event *delete_of(const struct store_events *evs, long long target)
{
	size_t i;

	for (i = 0; i < evs->n; i++)
		if (evs->v[i].type == EV_DELETE && evs->v[i].target == target)
			return &evs->v[i];
	return NULL;
}

static enum store_result del(struct store *st, const struct user *u, long long id, long long *ev)
{
	return store_delete(st, u, id, ev, err, sizeof err);
}

static void test_delete(struct store *st, const struct user *alice, const struct user *bob,
                        const struct user *carol, const struct user *admin)
{
	struct store_events evs;
	const struct store_event *d;
	long long m, other, dm, ev = -1, ev2 = -1, j;
	json_object *o;
	int more;

	j = join(st, alice, "mod");
	join(st, bob, "mod");
	m = post(st, alice, "mod", 0, "remove me please");
	other = post(st, bob, "mod", 0, "bob's own words");
	dm = post(st, bob, NULL, alice->id, "a secret for alice");
	ok(j > 0 && m && other && dm, "messages to remove");

	is_int(del(st, carol, m, &ev), STORE_NOT_FOUND, "outside the room: not found");
	is_int(del(st, bob, m, &ev), STORE_FORBIDDEN, "a member who is not the author: forbidden");
	ok(strstr(err, "author"), "saying who may");
	is_int(del(st, alice, j, &ev), STORE_NOT_FOUND, "a join is not a message");
	is_int(del(st, alice, 999999, &ev), STORE_NOT_FOUND, "an unknown id");
	is_int(del(st, carol, dm, &ev), STORE_NOT_FOUND, "someone else's DM: not found");
	is_int(del(st, alice, dm, &ev), STORE_FORBIDDEN, "the recipient may not remove a DM");

	is_int(del(st, alice, m, &ev), STORE_OK, "the author removes her message");
	ok(ev > m, "with a delete event");
	is_int(del(st, alice, m, &ev2), STORE_OK, "removing again is fine");
	is_int(ev2, 0, "and stores nothing");
	is_int(raw_int("SELECT count(*) FROM events WHERE type = 'delete' AND target IN "
	               "(SELECT id FROM events WHERE text = 'remove me please')"), 1,
	       "one delete event");
	is_int(raw_int("SELECT deleted_by FROM events WHERE text = 'remove me please'"), alice->id,
	       "the store keeps the text and who removed it");
	is_int(raw_int("SELECT count(*) FROM events WHERE text = 'remove me please'"
	               " AND deleted_at LIKE '2%Z'"), 1, "and when");

	evs = visible(st, bob->id, m - 1);
	o = event_json(&evs, m);
	ok(o && json_object_object_get_ex(o, "deleted", NULL) &&
	   !json_object_object_get_ex(o, "text", NULL), "events: the message is deleted, no text");
	json_object_put(o);
	d = delete_of(&evs, m);
	ok(d && d->id == ev && d->room && strcmp(d->room, "mod") == 0, "bob sees the delete event");
	o = d ? json_tokener_parse(d->json) : NULL;
	is_str(o ? jstr(o, "type") : NULL, "delete", "delete JSON: type");
	is_int(o && json_object_object_get_ex(o, "target", NULL) ?
	       json_object_get_int64(json_object_object_get(o, "target")) : 0, m, "delete JSON: target");
	json_object_put(o);
	store_events_clear(&evs);
	evs = visible(st, carol->id, m - 1);
	ok(!delete_of(&evs, m), "carol, outside the room, does not");
	store_events_clear(&evs);

	memset(&evs, 0, sizeof evs);
	store_history(st, bob->id, "mod", 0, 50, &evs, &more, err, sizeof err);
	o = event_json(&evs, m);
	ok(o && !json_object_object_get_ex(o, "text", NULL), "history: no text either");
	json_object_put(o);
	store_events_clear(&evs);

	is_int(del(st, admin, other, &ev), STORE_OK, "an admin removes anyone's message");
	is_int(raw_int("SELECT deleted_by FROM events WHERE text = 'bob''s own words'"), admin->id,
	       "deleted_by is the admin");
	is_int(del(st, admin, dm, &ev), STORE_OK, "and a direct message");
	evs = visible(st, alice->id, dm);
	d = delete_of(&evs, dm);
	ok(d && !d->room && d->user_id == bob->id && d->to_user_id == alice->id,
	   "the recipient sees the DM's delete, carrying both users");
	store_events_clear(&evs);
	evs = visible(st, bob->id, dm);
	ok(delete_of(&evs, dm), "so does the author");
	store_events_clear(&evs);
	evs = visible(st, carol->id, dm);
	ok(!delete_of(&evs, dm), "nobody else");
	store_events_clear(&evs);
	is_int(raw_int("SELECT count(*) FROM chat_log WHERE text = '(deleted)'"), 3,
	       "chat_log shows (deleted)");
	check_visible_same(st, alice, "after removals");
	check_visible_same(st, bob, "after removals");
	check_visible_same(st, carol, "after removals");
	check_visible_same(st, admin, "after removals");
}

static void test_mute(struct store *st, const struct user *admin, const struct user *bob)
{
	char until[32], now_until[32], ts[32];
	struct store_events evs;
	long long ev, id, since;
	int created;
	json_object *o;

	store_max_id(st, &since, err, sizeof err);
	is_int(store_mute(st, admin, 999, 5, until, &ev, err, sizeof err), STORE_NOT_FOUND,
	       "muting an unknown user");
	is_int(store_mute(st, admin, bob->id, 5, until, &ev, err, sizeof err), STORE_OK, "mute bob");
	ok(ev > 0 && strlen(until) == 24, "a notice and an end time");
	is_int(store_post(st, bob, "all", 0, "hey", NULL, 0, &id, ts, &created, err, sizeof err),
	       STORE_FORBIDDEN, "a muted user cannot post");
	ok(strstr(err, "muted until") && strstr(err, until), "told until when");
	is_int(store_post(st, bob, NULL, admin->id, "hey", NULL, 0, &id, ts, &created, err, sizeof err),
	       STORE_FORBIDDEN, "nor send a direct message");
	store_muted_until(st, bob->id, now_until, err, sizeof err);
	is_str(now_until, until, "store_muted_until");
	evs = visible(st, bob->id, since);
	o = event_json(&evs, ev);
	ok(o && strcmp(jstr(o, "type"), "direct") == 0 && strstr(jstr(o, "text"), "muted until"),
	   "bob gets the notice as a direct message");
	json_object_put(o);
	store_events_clear(&evs);

	is_int(store_mute(st, admin, bob->id, 0, until, &ev, err, sizeof err), STORE_OK, "unmute");
	ok(ev > 0 && until[0] == '\0', "with a notice");
	is_int(store_mute(st, admin, bob->id, 0, until, &ev, err, sizeof err), STORE_OK, "unmute again");
	is_int(ev, 0, "nothing to say");
	ok(post(st, bob, "all", 0, "I am back"), "bob posts again");

	store_mute(st, admin, bob->id, 1, until, &ev, err, sizeof err);
	raw_exec("UPDATE mutes SET until = '2000-01-01T00:00:00.000Z'");
	ok(post(st, bob, "all", 0, "my mute ran out"), "an expired mute is no mute");
	store_muted_until(st, bob->id, now_until, err, sizeof err);
	is_str(now_until, "", "not muted now");
}

/* The "pins" array of room name in rooms (store_rooms' answer), or NULL. */
static json_object *pins_of(json_object *rooms, const char *name)
{
	json_object *room = room_entry(rooms, name), *pins;

	return room && json_object_object_get_ex(room, "pins", &pins) ? pins : NULL;
}

/* user_id's store_rooms(): the number of pins of room, -1 when the room
 * shows none (not looked into), -2 when not listed; *topic its topic. */
static int pins_seen(struct store *st, long long user_id, const char *room, char topic[64])
{
	json_object *rooms = NULL, *pins;
	int n;

	if (store_rooms(st, user_id, 0, &rooms, err, sizeof err) != STORE_OK)
		return -3;
	pins = pins_of(rooms, room);
	n = !room_entry(rooms, room) ? -2 : pins ? (int)json_object_array_length(pins) : -1;
	if (topic)
		snprintf(topic, 64, "%s", room_entry(rooms, room) ? jstr(room_entry(rooms, room), "topic") : "");
	json_object_put(rooms);
	return n;
}

static enum store_result pin(struct store *st, const struct user *u, const char *room,
                             long long id, int on, long long *ev)
{
	return store_pin(st, u, room, id, on, ev, err, sizeof err);
}

/* Topics and pins: set by admins, an event each to the room (seen as
 * store_event_visible() says), listed by store_rooms() to whoever may look
 * into the room; at most STORE_MAX_PINS; gone with a removed message. */
static void test_topics(struct store *st, const struct user *alice, const struct user *bob,
                        const struct user *carol, const struct user *admin)
{
	struct store_events evs;
	long long since, t1, t2, ev = -1, m[STORE_MAX_PINS + 2], dm, gone, old;
	json_object *rooms, *o, *p;
	char topic[64];
	int i;

	store_max_id(st, &since, err, sizeof err);
	is_int(store_topic(st, admin, NGS, "RNA-Seq and NGS help", &t1, err, sizeof err), STORE_OK,
	       "an admin sets NGS's topic");
	ok(t1 > since, "with a topic event");
	is_int(store_topic(st, admin, NGS, "RNA-Seq and NGS help", &ev, err, sizeof err), STORE_OK,
	       "the same topic again");
	is_int(ev, 0, "changes nothing: no event");
	is_int(store_topic(st, admin, "nowhere", "x", &ev, err, sizeof err), STORE_NOT_FOUND,
	       "a topic for an unknown room");
	is_int(store_topic(st, bob, "all", "Welcome to this Galaxy's chat", &t2, err, sizeof err),
	       STORE_OK, "all's topic (the rules leave admin rights to the caller)");
	evs = visible(st, alice->id, since);
	o = event_json(&evs, t1);
	is_str(o ? jstr(o, "type") : NULL, "topic", "topic JSON: type");
	is_str(o ? jstr(o, "room") : NULL, NGS, "topic JSON: its room");
	is_str(o ? jstr(o, "topic") : NULL, "RNA-Seq and NGS help", "topic JSON: the topic");
	ok(o && !json_object_object_get_ex(o, "text", NULL), "topic JSON: no text");
	ok(o && strcmp(jstr(json_object_object_get(o, "user"), "username"), "dave") == 0,
	   "topic JSON: who set it");
	json_object_put(o);
	ok(has_id(&evs, t2), "a member sees all's topic event");
	store_events_clear(&evs);
	evs = visible(st, carol->id, since);
	ok(!has_id(&evs, t1) && has_id(&evs, t2), "a non-member sees all's, not NGS's");
	store_events_clear(&evs);
	is_int(pins_seen(st, carol->id, NGS, topic), -1, "a non-member sees no pins of NGS");
	is_str(topic, "RNA-Seq and NGS help", "but its topic");
	pins_seen(st, alice->id, "all", topic);
	is_str(topic, "Welcome to this Galaxy's chat", "all's topic");

	/* pins */
	for (i = 0; i < STORE_MAX_PINS + 1; i++)
		m[i] = post(st, alice, NGS, 0, "worth pinning");
	dm = post(st, alice, NULL, bob->id, "a direct message");
	old = raw_int("SELECT id FROM events WHERE text = 'HISAT2?'");
	store_max_id(st, &since, err, sizeof err);
	is_int(pin(st, admin, NGS, m[0], 1, &ev), STORE_OK, "an admin pins a message");
	ok(ev > since, "with a pin event");
	evs = visible(st, alice->id, since);
	o = event_json(&evs, ev);
	is_str(o ? jstr(o, "type") : NULL, "pin", "pin JSON: type");
	ok(o && json_object_get_int64(json_object_object_get(o, "target")) == m[0] &&
	   json_object_get_boolean(json_object_object_get(o, "pinned")), "pin JSON: target, pinned");
	json_object_put(o);
	store_events_clear(&evs);
	evs = visible(st, carol->id, since);
	ok(!has_id(&evs, ev), "a non-member does not see it");
	store_events_clear(&evs);
	is_int(pin(st, admin, NGS, m[0], 1, &ev), STORE_OK, "pinning again");
	is_int(ev, 0, "changes nothing");
	is_int(pin(st, admin, "all", m[1], 1, &ev), STORE_NOT_FOUND, "a message of another room");
	ok(strstr(err, "no message") != NULL, "is no message there");
	is_int(pin(st, admin, NGS, dm, 1, &ev), STORE_NOT_FOUND, "a direct message cannot be pinned");
	is_int(pin(st, admin, NGS, t1, 1, &ev), STORE_NOT_FOUND, "nor an event that is no message");
	is_int(pin(st, admin, NGS, 999999, 1, &ev), STORE_NOT_FOUND, "nor an unknown id");
	is_int(pin(st, admin, "nowhere", m[1], 1, &ev), STORE_NOT_FOUND, "nor in an unknown room");
	is_int(pin(st, admin, NGS, old, 1, &ev), STORE_OK, "an old message is pinned");
	for (i = 1; i < STORE_MAX_PINS - 1; i++)
		pin(st, admin, NGS, m[i], 1, &ev);
	is_int(pins_seen(st, alice->id, NGS, NULL), STORE_MAX_PINS, "ten pins");
	store_max_id(st, &since, err, sizeof err);
	is_int(pin(st, admin, NGS, m[STORE_MAX_PINS], 1, &ev), STORE_CONFLICT, "the eleventh: conflict");
	ok(strstr(err, "unpin one first") != NULL, "saying what to do");
	store_max_id(st, &t2, err, sizeof err);
	ok(t2 == since && pins_seen(st, alice->id, NGS, NULL) == STORE_MAX_PINS, "and storing nothing");
	is_int(pin(st, admin, NGS, m[0], 1, &ev), STORE_OK, "a pinned one, at the limit");
	is_int(ev, 0, "is still pinned, nothing else");

	store_rooms(st, alice->id, 0, &rooms, err, sizeof err);
	p = pins_of(rooms, NGS);
	o = p ? json_object_array_get_idx(p, 0) : NULL;
	ok(o && json_object_get_int64(json_object_object_get(o, "id")) == m[STORE_MAX_PINS - 2],
	   "rooms: the newest pin first");
	ok(o && strcmp(jstr(o, "type"), "message") == 0 && strcmp(jstr(o, "text"), "worth pinning") == 0 &&
	   strcmp(jstr(json_object_object_get(o, "user"), "username"), "alice") == 0,
	   "as the message event");
	ok(o && strcmp(jstr(o, "pinned_by"), "dave") == 0 && strlen(jstr(o, "pinned_at")) == 24,
	   "with who pinned it and when");
	ok(!pins_of(rooms, "tea") && pins_of(rooms, "all"), "no pins where alice cannot look");
	json_object_put(rooms);

	is_int(pin(st, admin, NGS, m[1], 0, &ev), STORE_OK, "unpin");
	evs = visible(st, alice->id, ev - 1);
	o = event_json(&evs, ev);
	ok(o && !json_object_get_boolean(json_object_object_get(o, "pinned")) &&
	   json_object_get_int64(json_object_object_get(o, "target")) == m[1],
	   "a pin event with pinned false");
	json_object_put(o);
	store_events_clear(&evs);
	is_int(pin(st, admin, NGS, m[1], 0, &ev), STORE_OK, "unpinning again");
	is_int(ev, 0, "changes nothing");
	is_int(pin(st, admin, "all", m[2], 0, &ev), STORE_OK, "unpinning in another room");
	ok(ev == 0 && pins_seen(st, alice->id, NGS, NULL) == STORE_MAX_PINS - 1, "leaves the pin");

	gone = m[2];
	is_int(del(st, alice, gone, &ev), STORE_OK, "a pinned message is removed");
	is_int(pins_seen(st, alice->id, NGS, NULL), STORE_MAX_PINS - 2, "and no longer pinned");
	is_int(pin(st, admin, NGS, gone, 1, &ev), STORE_NOT_FOUND, "a removed message cannot be pinned");
	ok(strstr(err, "removed") != NULL, "saying so");
	is_int(raw_int("SELECT count(*) FROM chat_log WHERE text = '* set the topic: RNA-Seq and NGS help'"),
	       1, "chat_log: the topic");
	is_int(raw_int("SELECT count(*) FROM chat_log WHERE text LIKE '* unpinned message %'"), 1,
	       "chat_log: an unpin");
	store_topic(st, admin, "tea", "", &ev, err, sizeof err);
	is_int(ev, 0, "an empty topic where there was none: nothing");
	check_visible_same(st, alice, "topics and pins");
	check_visible_same(st, bob, "topics and pins");
	check_visible_same(st, carol, "topics and pins");
	check_visible_same(st, admin, "topics and pins");
}

/* The configuration's topics (room_topic.NAME), set at store_open() when
 * they change; an admin's topic stays until then; a store that agrees is
 * only read. */
static void test_topics_config(struct store *st, const struct user *admin)
{
	const char *rooms[] = { NGS }, *want[] = { NGS, "From the config", "all", "" },
	           *changed[] = { NGS, "From the config, again" };
	struct store *other;
	char topic[64];
	long long ev, max, max2;

	store_max_id(st, &max, err, sizeof err);
	ok(store_open(where(), rooms, 1, want, 2, &other, err, sizeof err) == 0, "opened with topics");
	store_close(other);
	pins_seen(st, admin->id, NGS, topic);
	is_str(topic, "From the config", "the configured topic is set");
	pins_seen(st, admin->id, "all", topic);
	is_str(topic, "", "and all's, empty");
	store_max_id(st, &max2, err, sizeof err);
	is_int(max2, max, "without an event");
	store_topic(st, admin, NGS, "An admin's", &ev, err, sizeof err);
	ok(store_open(where(), rooms, 1, want, 2, &other, err, sizeof err) == 0, "opened again");
	store_close(other);
	pins_seen(st, admin->id, NGS, topic);
	is_str(topic, "An admin's", "an admin's topic stays while the configured one is the same");
	if (!pg_url) {
		sqlite3 *shell = raw_open();
		long long t0 = now_ms();

		sqlite3_exec(shell, "BEGIN EXCLUSIVE", NULL, NULL, NULL);
		ok(store_open(where(), rooms, 1, want, 2, &other, err, sizeof err) == 0 &&
		   now_ms() - t0 < 1000, "a store that agrees is only read: opened while another writes");
		store_close(other);
		sqlite3_exec(shell, "ROLLBACK", NULL, NULL, NULL);
		sqlite3_close(shell);
	}
	ok(store_open(where(), rooms, 1, changed, 1, &other, err, sizeof err) == 0,
	   "opened with a changed topic");
	store_close(other);
	pins_seen(st, admin->id, NGS, topic);
	is_str(topic, "From the config, again", "a changed configured topic is set");
	ok(store_open(where(), rooms, 1, NULL, 0, &other, err, sizeof err) == 0, "opened without");
	store_close(other);
	pins_seen(st, admin->id, NGS, topic);
	is_str(topic, "From the config, again", "a topic no longer configured stays");
}

/* Searches as user_id; the number of results, -1 on error. ids gets the first. */
int search(struct store *st, long long user_id, const char *q, const char *room,
                  long long before, int limit, long long *first, json_object **keep, int *more)
{
	json_object *arr = NULL;
	int m = 0, partial, n;

	if (store_search(st, user_id, q, room, before, limit, SEARCH_TIME_MS, &arr, more ? more : &m,
	                 &partial, err, sizeof err) != STORE_OK || partial)
		return -1;
	n = (int)json_object_array_length(arr);
	if (first)
		*first = n ? json_object_get_int64(json_object_object_get(
			json_object_array_get_idx(arr, 0), "id")) : 0;
	if (keep)
		*keep = arr;
	else
		json_object_put(arr);
	return n;
}

static void test_search(struct store *st, const struct user *alice, const struct user *bob,
                        const struct user *carol)
{
	static const char *hostile[] = { "\"", "AND", "NEAR(", "*", "a:b", "-x", "^", "\"\"\"",
	                                 "OR OR", "text:x", "{a b}", "(", ")", "+", "\xc3\xa9*" };
	long long in_room, in_all, dm, secret, first, gone;
	json_object *arr = NULL, *frags;
	int more, partial, bad = 0;
	size_t i;

	join(st, alice, "sx");
	join(st, bob, "hidden");
	in_room = post(st, alice, "sx", 0, "has anyone run BOWTIE on paired data?");
	in_all = post(st, carol, "all", 0, "bowtie for everyone");
	dm = post(st, bob, NULL, alice->id, "bowtie via DM");
	secret = post(st, bob, "hidden", 0, "bowtie in a hidden room");
	gone = post(st, alice, "sx", 0, "bowtie removed later");
	store_delete(st, alice, gone, &first, err, sizeof err);
	ok(in_room && in_all && dm && secret && gone, "messages to search");

	is_int(search(st, alice->id, "bowtie", NULL, 0, 50, &first, NULL, NULL), 3,
	       "alice finds her room, all and her DM");
	is_int(first, dm, "newest first");
	is_int(search(st, carol->id, "bowtie", NULL, 0, 50, &first, NULL, NULL), 1,
	       "carol finds only all");
	is_int(first, in_all, "the message in all");
	is_int(search(st, bob->id, "bowtie hidden", NULL, 0, 50, &first, NULL, NULL), 1,
	       "bob finds his hidden room; all words required");
	is_int(search(st, carol->id, "paired", NULL, 0, 50, NULL, NULL, NULL), 0,
	       "carol cannot search a room she is not in");
	is_int(store_search(st, alice->id, "bowtie", "hidden", 0, 50, SEARCH_TIME_MS, &arr, &more,
	                    &partial, err, sizeof err), STORE_FORBIDDEN, "nor name it");
	is_int(store_search(st, alice->id, "bowtie", "nowhere", 0, 50, SEARCH_TIME_MS, &arr, &more,
	                    &partial, err, sizeof err), STORE_NOT_FOUND, "an unknown room");
	is_int(search(st, alice->id, "bowtie", "sx", 0, 50, &first, NULL, NULL), 1,
	       "one room only, the removed message gone from the index");
	is_int(search(st, alice->id, "BOWTIE PAIRED", "sx", 0, 50, NULL, &arr, NULL), 1,
	       "case does not matter");
	frags = json_object_object_get(json_object_array_get_idx(arr, 0), "fragments");
	is_str(json_object_to_json_string_ext(frags, JSON_C_TO_STRING_PLAIN),
	       "[{\"text\":\"has anyone run \",\"match\":false},{\"text\":\"BOWTIE\",\"match\":true},"
	       "{\"text\":\" on \",\"match\":false},{\"text\":\"paired\",\"match\":true},"
	       "{\"text\":\" data?\",\"match\":false}]", "fragments mark the matches");
	json_object_put(arr);

	is_int(search(st, alice->id, "bowtie", NULL, 0, 1, &first, NULL, &more), 1, "limit");
	ok(more == 1 && first == dm, "more, newest first");
	is_int(search(st, alice->id, "bowtie", NULL, dm, 1, &first, NULL, &more), 1, "before");
	is_int(first, in_all, "pages back");

	for (i = 0; i < sizeof hostile / sizeof *hostile; i++)
		bad += search(st, alice->id, hostile[i], NULL, 0, 10, NULL, NULL, NULL) < 0;
	is_int(bad, 0, "FTS5 syntax in the words is never an error");
	post(st, alice, "sx", 0, "marker \001 bowtie \002 inside");
	is_int(search(st, alice->id, "inside", NULL, 0, 10, NULL, &arr, NULL), 1, "text with markers");
	frags = json_object_object_get(json_object_array_get_idx(arr, 0), "fragments");
	ok(json_object_array_length(frags) == 1, "is one plain fragment");
	json_object_put(arr);

	/* out of time: carol's one match is older than 20000 in bob's room */
	post(st, carol, "all", 0, "haystack for carol");
	raw_exec(pg_url ? "INSERT INTO events (ts, type, room_id, user_id, username, text)"
	                  " SELECT '2026-01-01T00:00:00.000Z', 'message',"
	                  "  (SELECT id FROM rooms WHERE name = 'hidden'), 2, 'bob', 'haystack ' || x"
	                  " FROM generate_series(1, 20000) x"
	         : "INSERT INTO events (ts, type, room_id, user_id, username, text)"
	           " WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 20000)"
	           " SELECT '2026-01-01T00:00:00.000Z', 'message',"
	           "  (SELECT id FROM rooms WHERE name = 'hidden'), 2, 'bob', 'haystack ' || x FROM c");
	if (!pg_url) {
		/* schema 7: rows a writer other than the chat stored wait for the
		 * index until the chat next commits a message */
		is_int(raw_int("SELECT count(*) FROM messages_fts_pending"), 20000,
		       "messages written in the shell wait for the search index");
		is_int(search(st, bob->id, "haystack", NULL, 0, 50, NULL, NULL, NULL), 1,
		       "and are not found yet (carol's, stored by the chat, is)");
		raw_exec("UPDATE events SET text = 'haystack edited' WHERE text = 'haystack 1';"
		         " UPDATE events SET deleted_at = ts, deleted_by = 2 WHERE text = 'haystack 2';"
		         " DELETE FROM events WHERE text = 'haystack 3'");
		is_int(raw_int("SELECT count(*) FROM messages_fts_pending"), 19997,
		       "an edit in the shell indexes its message; a removal or a delete drops it");
		is_int(search(st, bob->id, "edited", NULL, 0, 50, NULL, NULL, NULL), 1,
		       "the edited one is found by its new text");
	}
	post(st, bob, "hidden", 0, "a message stored by the chat");
	if (!pg_url) {
		is_int(raw_int("SELECT count(*) FROM messages_fts_pending"), 0,
		       "the chat's next message takes the waiting ones into the index");
		is_int(search(st, bob->id, "haystack", NULL, 0, 50, NULL, NULL, NULL), 50,
		       "and they are found");
		is_int(raw_exec("INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')"),
		       SQLITE_OK, "the search index matches the events");
	}
	is_int(store_search(st, carol->id, "haystack", NULL, 0, 10, 1, &arr, &more, &partial,
	                    err, sizeof err), STORE_OK, "a search that runs out of time is no error");
	ok(partial == 1 && more == 1 && json_object_array_length(arr) == 0,
	   "it says partial and more, having found nothing yet");
	json_object_put(arr);
	is_int(search(st, carol->id, "haystack", NULL, 0, 10, NULL, NULL, &more), 1,
	       "given time, the same search finds the match");
	is_int(more, 0, "and all of them");
	raw_exec("DELETE FROM events WHERE text LIKE 'haystack %' AND user_id = 2");
}

static int log_count(const struct store_log_row *row, void *ctx)
{
	int *n = ctx;

	n[0]++;
	n[1] += row->deleted && !row->text;
	n[2] += strcmp(row->type, "delete") == 0 && row->target > 0;
	return 0;
}

static void test_log_stats(struct store *st)
{
	struct store_stats stats;
	int n[3] = { 0 };

	is_int(store_log(st, "mod", "2000-01-01", NULL, log_count, n, err, sizeof err), STORE_OK,
	       "store_log");
	is_int(n[0], raw_int("SELECT count(*) FROM events e JOIN rooms r ON r.id = e.room_id"
	                     " WHERE r.name = 'mod'"), "every event of the room");
	ok(n[1] == 2 && n[2] == 2, "removed messages without text, deletes with their target");
	memset(n, 0, sizeof n);
	store_log(st, "mod", "2000-01-01", "2000-01-02", log_count, n, err, sizeof err);
	is_int(n[0], 0, "until bounds it");
	is_int(store_stats(st, &stats, err, sizeof err), STORE_OK, "store_stats");
	is_int(stats.events, raw_int("SELECT count(*) FROM events"), "events counted");
	is_int(stats.newest_id, raw_int("SELECT max(id) FROM events"), "newest id");
	ok(strlen(stats.newest_ts) == 24, "newest ts");
}

/* Prunes the events with id <= 20 and also_old, made old. */
static void test_prune(struct store *st, const struct user *alice, long long also_old)
{
	long long events, messages, dry_events, dry_messages, before, old, newest, fresh;
	char cutoff[32], sql[160];

	snprintf(sql, sizeof sql, "UPDATE events SET ts = '2001-01-01T00:00:00.000Z'"
	         " WHERE id <= 20 OR id = %lld", also_old);
	raw_exec(sql);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM events WHERE id <= 20 OR id = %lld", also_old);
	old = raw_int(sql);
	ok(raw_int("SELECT count(*) FROM pins WHERE event_id <= 20") > 0, "an old message is pinned");
	before = raw_int("SELECT count(*) FROM events");
	newest = raw_int("SELECT max(id) FROM events");
	is_int(store_prune(st, 30, 3, 1, cutoff, &dry_events, &dry_messages, err, sizeof err),
	       STORE_OK, "prune, dry run");
	ok(dry_events == old && dry_messages > 0, "counts the old events");
	is_int(raw_int("SELECT count(*) FROM events"), before, "and deletes nothing");
	ok(strlen(cutoff) == 24 && strcmp(cutoff, "2001-01-01T00:00:00.000Z") > 0, "the cut-off");

	is_int(store_prune(st, 30, 3, 0, cutoff, &events, &messages, err, sizeof err), STORE_OK,
	       "prune in batches of 3");
	ok(events == dry_events && messages == dry_messages, "as many as the dry run said");
	is_int(raw_int("SELECT count(*) FROM events"), before - old, "only those went");
	is_int(raw_int("SELECT count(*) FROM events WHERE id <= 20"), 0, "every old one");
	is_int(raw_int("SELECT count(*) FROM pins WHERE event_id <= 20"), 0, "and its pin with it");
	if (!pg_url)
		is_int(raw_exec("INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')"),
		       SQLITE_OK, "the search index matches the events");
	is_int(search(st, alice->id, "bowtie", NULL, 0, 50, NULL, NULL, NULL), 4,
	       "newer messages are still found");
	is_int(store_prune(st, 30, 3, 0, cutoff, &events, &messages, err, sizeof err), STORE_OK,
	       "prune again");
	is_int(events, 0, "nothing more to do");
	fresh = post(st, alice, "all", 0, "after the prune");
	ok(fresh > newest, "ids are never reused");
}

/* A store of schema version 1, made by that version's own step, with
 * messages in it, is upgraded step by step: the search index is built
 * from them (2); they are numbered in their rooms, and every member has
 * read up to the upgrade, in `all` too (4). */
static void test_migrate(void)
{
	struct user alice = user_make(1, "alice"), bob = user_make(2, "bob");
	char saved[sizeof path];
	struct store *st;
	json_object *un;

	snprintf(saved, sizeof saved, "%s", path);
	snprintf(path, sizeof path, "%s/v1-attention.sqlite", dir);
	raw_exec(sqls_schema[0]);
	raw_exec("PRAGMA user_version = 1;"
	         " INSERT INTO rooms (id, name, persistent, created) VALUES"
	         "  (1, 'all', 1, '2026-01-01T00:00:00.000Z'), (2, 'NGS', 1, '2026-01-01T00:00:00.000Z');"
	         " INSERT INTO users VALUES (1, 'alice', 'a@x', '', '2026-01-01', '2026-01-01'),"
	         "  (2, 'bob', 'b@x', '', '2026-01-01', '2026-01-01');"
	         " INSERT INTO members VALUES (2, 1, '2026-01-01'), (2, 2, '2026-01-01');"
	         " INSERT INTO events (ts, type, room_id, user_id, username, text) VALUES"
	         "  ('2026-01-01T00:00:00.000Z', 'message', 1, 1, 'alice', 'old words'),"
	         "  ('2026-01-01T00:00:01.000Z', 'message', 2, 2, 'bob', 'written before version 2'),"
	         "  ('2026-01-01T00:00:02.000Z', 'join', 2, 1, 'alice', NULL),"
	         "  ('2026-01-01T00:00:03.000Z', 'message', 2, 1, 'alice', 'more old words');");
	is_int(raw_int("PRAGMA user_version"), 1, "a version 1 store");
	st = open_store((const char *[]){ NGS }, 1);
	if (ok(st, "opens")) {
		is_int(raw_int("PRAGMA user_version"), store_sqlite_version(), "upgraded to the newest version");
		is_int(raw_int("SELECT count(*) FROM users WHERE left_at IS NULL"), 2,
		       "its users, none of them gone (left_at)");
		is_int(search(st, alice.id, "before", NULL, 0, 10, NULL, NULL, NULL), 1,
		       "messages from before are in the search index");
		is_int(search(st, alice.id, "old words", NULL, 0, 10, NULL, NULL, NULL), 2,
		       "all of them");
		is_int(raw_int("SELECT group_concat(coalesce(seq, 0), '') FROM (SELECT seq FROM events"
		               " WHERE room_id = 2 ORDER BY id)"), 102,
		       "the old messages are numbered in their rooms (the join has no number)");
		is_int(raw_int("SELECT messages FROM rooms WHERE name = 'NGS'"), 2, "and counted");
		is_int(raw_int("SELECT count(*) FROM reads WHERE read_id = 4"), 4,
		       "every member has read up to the upgrade, in all too");
		if (store_unread(st, bob.id, &un, err, sizeof err) == STORE_OK) {
			is_int(unread_of(un, "rooms", NGS, "unread") + unread_of(un, "rooms", "all", "unread"),
			       0, "so nothing from before is unread");
			json_object_put(un);
		}
		post(st, &alice, NGS, 0, "new");
		is_int(unread(st, bob.id, NGS), 1, "a message after the upgrade is");
		store_close(st);
	}
	snprintf(path, sizeof path, "%s", saved);
}

/* Stores made by the schema of each older version (sqls_schema[0..v))
 * with a message in them are upgraded: the search index is built from
 * it, and topics and pins work, also on a connection that had the old
 * schema. */
static void test_upgrade_topics(void)
{
	struct user alice = user_make(1, "alice");
	char saved[sizeof path], name[80];
	struct store *st;
	long long ev;

	snprintf(saved, sizeof saved, "%s", path);
	for (int v = 1; v < store_sqlite_version(); v++) {
		sqlite3 *old;

		snprintf(path, sizeof path, "%s/v%d-topics.sqlite", dir, v);
		old = raw_open();
		sqlite3_create_function(old, "room_key", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
		                        sqls_room_key, NULL, NULL);
		for (int i = 0; i < v; i++)
			sqlite3_exec(old, sqls_schema[i], NULL, NULL, NULL);
		sqlite3_exec(old, "INSERT INTO rooms (name, persistent, created)"
		             " VALUES ('all', 1, '2026-01-01T00:00:00.000Z');"
		             "INSERT INTO events (ts, type, room_id, user_id, username, text)"
		             " VALUES ('2026-01-01T00:00:00.000Z', 'message', 1, 1, 'alice', 'old words')",
		             NULL, NULL, NULL);
		snprintf(name, sizeof name, "PRAGMA user_version = %d", v);
		sqlite3_exec(old, name, NULL, NULL, NULL);
		st = open_store(NULL, 0);
		snprintf(name, sizeof name, "version %d opens", v);
		if (ok(st, name)) {
			is_int(raw_int("PRAGMA user_version"), store_sqlite_version(), "  upgraded");
			is_int(search(st, alice.id, "old words", NULL, 0, 10, NULL, NULL, NULL), 1,
			       "  messages from before are in the search index");
			ok(store_topic(st, &alice, "all", "after the upgrade", &ev, err, sizeof err) ==
			   STORE_OK && ev > 0, "  a topic event is stored");
			ok(sqlite3_exec(old, "INSERT INTO events (ts, type, room_id, user_id, username,"
			                " target, text) VALUES ('2026-01-02T00:00:00.000Z', 'pin', 1, 1,"
			                " 'alice', 1, 'pin')", NULL, NULL, NULL) == SQLITE_OK,
			   "  and a pin event by a connection opened before the upgrade");
			store_close(st);
		}
		sqlite3_close(old);
	}
	snprintf(path, sizeof path, "%s", saved);
}

void rm_rf(const char *d)
{
	struct dirent *e;
	char p[1024];
	DIR *dh = opendir(d);

	while (dh && (e = readdir(dh))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof p, "%s/%s", d, e->d_name);
		if (e->d_type == DT_DIR)
			rm_rf(p);
		else
			unlink(p);
	}
	if (dh)
		closedir(dh);
	rmdir(d);
}

/* Several processes create the PostgreSQL schema at once; a newer schema
 * and an unreachable server are refused, never naming the password. */
static void test_pg_open(void)
{
	struct store *st;
	int k;

	for (k = 0; k < 4; k++)
		if (fork() == 0) {
			st = open_store((const char *[]){ NGS }, 1);
			store_close(st);
			_exit(st ? 0 : 1);
		}
	is_int(reap(4), 4, "four processes create the schema at once");
	is_int(raw_int("SELECT version FROM chat_schema"), 7, "schema version 7");
	is_int(raw_int("SELECT count(*) FROM rooms WHERE persistent = 1"), 2, "all and NGS, persistent");
	raw_exec("UPDATE chat_schema SET version = 99");
	ok(!open_store(NULL, 0) && strstr(err, "newer"), "a newer schema is refused");
	raw_exec("UPDATE chat_schema SET version = 7");
	ok(store_open("postgresql://chat:hunter2@127.0.0.1:1/chat", NULL, 0, NULL, 0, &st, err,
	              sizeof err) < 0 && !st, "an unreachable server: store_open fails");
	ok(strstr(err, "PostgreSQL chat on 127.0.0.1:1") && !strstr(err, "hunter2"),
	   "the message names the database, never the password");
}

/* Runs sql on c: 1 when it worked. */
static int pg_do(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	int good = PQresultStatus(r) == PGRES_COMMAND_OK;

	if (!good)
		printf("# %s", PQerrorMessage(c));
	PQclear(r);
	return good;
}

/* The PostgreSQL driver's upgrade steps (store_pg_sql.c), to make stores
 * of older versions. */
extern const char *const pgs_schema_sql[];

/* A PostgreSQL store made by version 2's schema (pgs_schema_sql[0..2)),
 * in a schema of its own, with messages in it is upgraded: its CHECK
 * admits topics and pins, and a pinned message still goes when pruned. */
static void test_pg_upgrade(void)
{
	struct user alice = user_make(1, "alice");
	char url[1200], info[1300];
	struct store *st = NULL;
	long long ev = 0, msg = 0, events, messages;
	char cutoff[32];
	PGconn *c;
	int good = 1;

	pg_raw("CREATE SCHEMA up2");
	snprintf(info, sizeof info, "%s options='-csearch_path=up2'", conninfo);
	c = PQconnectdb(info);
	for (int i = 0; i < 2; i++)
		good &= pg_do(c, pgs_schema_sql[i]);
	good &= pg_do(c, "CREATE TABLE chat_schema (version integer NOT NULL);"
		"INSERT INTO chat_schema VALUES (2);"
		"INSERT INTO rooms (name, persistent, created) VALUES ('all', 1, '2026-01-01T00:00:00.000Z');"
		"INSERT INTO events (ts, type, room_id, user_id, username, text)"
		" VALUES ('2001-01-01T00:00:00.000Z', 'message', 1, 1, 'alice', 'old words')");
	ok(good, "a version 2 store");
	snprintf(url, sizeof url, "%s?options=-csearch_path%%3Dup2", pg_url);
	ok(store_open(url, NULL, 0, NULL, 0, &st, err, sizeof err) == 0, "opens");
	if (st) {
		is_int(pg_raw("SELECT version FROM up2.chat_schema"), 7, "upgraded to version 7, step by step");
		msg = pg_raw("SELECT id FROM up2.events WHERE text = 'old words'");
		ok(store_topic(st, &alice, "all", "after the upgrade", &ev, err, sizeof err) == STORE_OK &&
		   ev > 0, "a topic event is stored");
		ok(store_pin(st, &alice, "all", msg, 1, &ev, err, sizeof err) == STORE_OK && ev > 0,
		   "a message from before is pinned");
		ok(store_prune(st, 30, 10, 0, cutoff, &events, &messages, err, sizeof err) == STORE_OK &&
		   messages == 1, "and pruned");
		is_int(pg_raw("SELECT count(*) FROM up2.pins"), 0, "with its pin");
		store_close(st);
	}
	PQfinish(c);
	pg_raw("DROP SCHEMA up2 CASCADE");
}

static long long cpu_ms(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000LL +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000;
}

/* K writer processes post at once while hub, as the hub does, follows
 * cursors woken by store_wait: it sees every event, in id order, once. */
static void test_cursor_walk(struct store *hub)
{
	enum { K = 4, N = 50 };
	struct store_events evs = { 0 };
	long long t0, c0, cursor, prev;
	size_t seen = 0, i;
	unsigned seq;
	int k, ordered = 1;

	seq = store_seq(hub);
	c0 = cpu_ms();
	store_wait(hub, seq, 1000);
	ok(cpu_ms() - c0 < 50, "store_wait uses no CPU while asleep");
	store_max_id(hub, &cursor, err, sizeof err);
	prev = cursor;
	for (k = 0; k < K; k++)
		if (fork() == 0)
			child_post(10 + k, N, NULL, 0, -1);
	t0 = now_ms();
	while (seen < K * N && now_ms() - t0 < 60000) {
		seq = store_seq(hub);
		evs.n = 0;
		if (store_events_all(hub, cursor, 100, &evs, err, sizeof err) != STORE_OK)
			break;
		for (i = 0; i < evs.n; i++) {
			ordered &= evs.v[i].id > prev;
			prev = cursor = evs.v[i].id;
		}
		seen += evs.n;
		store_events_clear(&evs);
		if (seen < K * N)
			store_wait(hub, seq, 1000);
	}
	is_int(reap(K), K, "every writer succeeded");
	is_int((long long)seen, K * N, "the cursor walk saw every event of the concurrent writers");
	ok(ordered, "in strictly increasing id order");
}

/* The server drops every connection: the listening handle reports a
 * change (re-read!), the worker's next post works, LISTEN is renewed. */
static void test_pg_reconnect(struct store *hub, struct store *worker, const struct user *alice)
{
	unsigned seq, got;
	long long id, t0;

	seq = store_seq(hub);
	raw_exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
	         " WHERE application_name = 'galaxy-chat'");
	t0 = now_ms();
	got = store_wait(hub, seq, 5000);
	ok(got != seq && now_ms() - t0 < 3000,
	   "the listening connection killed: store_wait reports a change (re-read!)");
	ok((id = post(worker, alice, "all", 0, "after the kill")) > 0,
	   "the worker's connection killed: the next post works");
	if (!id)
		printf("# %s\n", err);
	seq = store_seq(hub);
	post(worker, alice, "all", 0, "and wakes");
	got = store_wait(hub, seq, 5000);
	ok(got != seq, "the listening connection LISTENs again");
	is_int(raw_int("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'galaxy-chat'"),
	       2, "two handles, two connections");
}

/* The cases every driver must pass, on st (opened with NGS persistent):
 * test_common(), each driver's own cases on the events it made, then
 * test_common_end(). */
static void test_common(struct store *st, struct user *u)
{
	struct user *alice = &u[0], *bob = &u[1], *carol = &u[2], *admin = &u[3], *erin = &u[4];

	store_user_seen(st, presence, carol, err, sizeof err);
	test_join_leave(st, alice);
	test_post(st, alice, bob);
	test_post_batch(st, alice, bob);
	test_visibility(st, alice, bob, carol);
	test_history(st, alice, bob);
	test_rooms_who(st, alice, bob);
	test_join_limit(st, erin);
	test_ids(st);
	test_processes(st);
	test_cursor_walk(st);
	test_delete(st, alice, bob, carol, admin);
	test_mute(st, admin, bob);
	test_search(st, alice, bob, carol);
	test_conversations(st, u);
	test_attention(st);
	test_topics(st, alice, bob, carol, admin);
	test_topics_config(st, admin);
}

static void test_common_end(struct store *st, struct user *u)
{
	long long root, reply, ev, id;
	char ts[32], edited[32];
	int created;

	test_log_stats(st);
	/* a thread whose root prune takes, with a reaction and an earlier
	 * version; its reply stays */
	root = post(st, &u[0], "conv", 0, "an old root");
	store_post(st, &u[1], "conv", 0, "a young reply", NULL, root, &reply, ts, &created,
	           err, sizeof err);
	store_react(st, &u[1], root, "\xf0\x9f\x91\x8d", 1, &ev, err, sizeof err);
	store_edit(st, &u[0], root, "an old root, edited", 0, edited, &id, err, sizeof err);
	test_prune(st, &u[0], root);
	test_prune_threads(st, u, root, reply);
}

int main(void)
{
	const char *rooms[] = { NGS };
	struct user users[] = { user_make(1, "alice"), user_make(2, "bob"), user_make(3, "carol"),
	                        user_make(4, "dave"), user_make(5, "erin") };
	struct store *st, *worker = NULL;
	struct dburl url;

	users[3].admin = 1;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!(presence = presence_new()) || !mkdtemp(dir)) {
		printf("Bail out! %s\n", strerror(errno));
		return 1;
	}
	snprintf(path, sizeof path, "%s/chat.sqlite", dir);
	if ((pg_url = getenv("GC_TEST_PG_STORE"))) {
		if (dburl_parse(pg_url, NULL, &url, err, sizeof err) < 0 ||
		    pqlib_load(err, sizeof err) < 0) {   /* for the test's own connections */
			printf("Bail out! GC_TEST_PG_STORE: %s\n", err);
			return 1;
		}
		snprintf(conninfo, sizeof conninfo, "%s", url.pg_conninfo);
		dburl_free(&url);
		printf("# the PostgreSQL store\n");
		test_pg_open();
		test_pg_upgrade();
	} else {
		printf("# the SQLite store\n");
		test_schema();
	}
	st = open_store(rooms, 1);
	if (!st) {
		printf("Bail out! %s\n", err);
		rm_rf(dir);
		return 1;
	}
	test_common(st, users);
	if (pg_url && (worker = open_store(rooms, 1)))
		test_pg_reconnect(st, worker, &users[0]);
	store_close(worker);
	if (!pg_url) {
		test_locked(st, &users[0]);
		test_lock_wait(st, &users[0]);
		test_post_batch_fails(st, &users[0]);
		test_chat_log();
		test_doc_queries();
	}
	test_common_end(st, users);
	store_close(st);
	test_upgrades();
	if (!pg_url) {
		test_migrate();
		test_upgrade_topics();
		test_read_only();
		test_moved(&users[0]);
	}
	rm_rf(dir);
	presence_free(presence);
	return done_testing();
}
