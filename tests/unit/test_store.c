/*
 * test_store.c - the SQLite message store and its cross-process wakeup,
 * against real store files in a temporary directory: schema and migration,
 * rooms, posting rules, idempotent retries, visibility, history paging,
 * rooms/who, several writer processes at once, failures, and the sample
 * queries of doc/store-schema.md.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store.h"
#include "tap.h"

#define NGS "NGS"

static char dir[] = "/tmp/gc-test-store-XXXXXX";
static char path[512];
static char err[1024];

static struct user user_make(long long id, const char *name)
{
	struct user u;

	memset(&u, 0, sizeof u);
	u.id = id;
	snprintf(u.username, sizeof u.username, "%s", name);
	snprintf(u.email, sizeof u.email, "%s@example.org", name);
	snprintf(u.gravatar, sizeof u.gravatar, "%032lld", id);
	return u;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
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

/* The first column of the first row of sql, as an integer (-1 on error). */
static long long raw_int(const char *sql)
{
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

static int raw_exec(const char *sql)
{
	sqlite3 *db = raw_open();
	int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);

	if (rc != SQLITE_OK)
		printf("# %s: %s\n", sql, sqlite3_errmsg(db));
	sqlite3_close(db);
	return rc;
}

static struct store *open_store(const char *const *rooms, size_t n)
{
	struct store *st = NULL;

	if (store_open(path, rooms, n, &st, err, sizeof err) < 0)
		printf("# store_open: %s\n", err);
	return st;
}

/* Posts text to room (or to a user) and returns the new id, 0 on failure. */
static long long post(struct store *st, const struct user *u, const char *room,
                      const char *to, const char *text)
{
	long long id;
	char ts[32];
	int created;

	if (store_post(st, u, room, to, text, NULL, &id, ts, &created, err, sizeof err) != STORE_OK)
		return 0;
	return id;
}

static long long join(struct store *st, const struct user *u, const char *room)
{
	long long id = -1;

	if (store_join(st, u, room, &id, err, sizeof err) != STORE_OK)
		printf("# join: %s\n", err);
	return id;
}

/* Does evs hold the event id? */
static int has_id(const struct store_events *evs, long long id)
{
	size_t i;

	for (i = 0; i < evs->n; i++)
		if (evs->v[i].id == id)
			return 1;
	return 0;
}

static int ids_increasing(const struct store_events *evs)
{
	size_t i;

	for (i = 1; i < evs->n; i++)
		if (evs->v[i].id <= evs->v[i - 1].id)
			return 0;
	return 1;
}

static struct store_events visible(struct store *st, long long user_id, long long since)
{
	struct store_events evs = { 0 };

	if (store_events_visible(st, user_id, since, 500, &evs, err, sizeof err) != STORE_OK)
		printf("# events_visible: %s\n", err);
	return evs;
}

/* A string member of a JSON object, or NULL. */
static const char *jstr(json_object *o, const char *key)
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

static void test_schema(void)
{
	const char *rooms2[] = { NGS, "RNA-Seq" }, *rooms1[] = { NGS };
	struct store *st;
	char missing[600];

	snprintf(missing, sizeof missing, "%s/nope/chat.sqlite", dir);
	ok(store_open(missing, NULL, 0, &st, err, sizeof err) < 0 && !st, "missing directory refused");
	ok(strstr(err, missing) != NULL, "the message names the path");

	st = open_store(rooms2, 2);
	ok(st, "store created");
	store_close(st);
	is_int(raw_int("PRAGMA user_version"), 1, "schema version 1");
	is_int(raw_int("SELECT count(*) FROM sqlite_master WHERE name IN "
	               "('users', 'rooms', 'members', 'events', 'chat_log')"), 5,
	       "tables and the chat_log view exist");
	is_int(raw_int("SELECT count(*) FROM rooms WHERE persistent = 1"), 3,
	       "all, NGS, RNA-Seq are persistent");
	is_int(raw_int("SELECT count(*) FROM pragma_journal_mode WHERE journal_mode = 'wal'"), 1,
	       "WAL mode");
	ok(access(strcat(strcpy(missing, path), "-wake"), F_OK) == 0, "wake file beside the store");

	st = open_store(rooms1, 1);
	ok(st, "reopened");
	store_close(st);
	is_int(raw_int("PRAGMA user_version"), 1, "reopening keeps version 1");
	is_int(raw_int("SELECT persistent FROM rooms WHERE name = 'RNA-Seq'"), 0,
	       "a room dropped from the config is no longer persistent");
	is_int(raw_int("SELECT count(*) FROM rooms"), 3, "but it still exists");

	raw_exec("PRAGMA user_version = 99");
	ok(store_open(path, NULL, 0, &st, err, sizeof err) < 0 && strstr(err, "newer"),
	   "a newer schema is refused");
	raw_exec("PRAGMA user_version = 1");
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

static void test_post(struct store *st, const struct user *alice, const struct user *bob)
{
	long long id, id2;
	char ts[32], ts2[32];
	int created;

	is_int(store_post(st, bob, NGS, NULL, "hi", NULL, &id, ts, &created, err, sizeof err),
	       STORE_FORBIDDEN, "not a member: forbidden");
	is_int(store_post(st, bob, "nowhere", NULL, "hi", NULL, &id, ts, &created, err, sizeof err),
	       STORE_NOT_FOUND, "unknown room");
	is_int(store_post(st, bob, NULL, "nobody", "hi", NULL, &id, ts, &created, err, sizeof err),
	       STORE_NOT_FOUND, "unknown recipient");
	is_int(store_post(st, bob, "all", NULL, "hello all", NULL, &id, ts, &created,
	                  err, sizeof err), STORE_OK, "anyone may post to all");
	ok(id > 0 && created == 1, "stored");
	ok(strlen(ts) == 24 && ts[10] == 'T' && ts[19] == '.' && ts[23] == 'Z', "ts format");

	is_int(store_post(st, alice, NGS, NULL, "HISAT2?", "c-1", &id, ts, &created,
	                  err, sizeof err), STORE_OK, "a member posts");
	is_int(store_post(st, alice, NGS, NULL, "HISAT2?", "c-1", &id2, ts2, &created,
	                  err, sizeof err), STORE_OK, "the retry is accepted");
	ok(id2 == id && strcmp(ts, ts2) == 0 && created == 0, "with the first id and ts");
	is_int(raw_int("SELECT count(*) FROM events WHERE client_id = 'c-1'"), 1, "stored once");
	is_int(store_post(st, bob, "all", NULL, "mine", "c-1", &id2, ts2, &created,
	                  err, sizeof err), STORE_OK, "another user's same client_id");
	ok(id2 > id && created == 1, "is a new event");

	is_int(store_post(st, alice, NULL, "bob", "psst", NULL, &id, ts, &created,
	                  err, sizeof err), STORE_OK, "a direct message");
	is_int(raw_int("SELECT count(*) FROM events WHERE type = 'direct' AND to_user_id = 2"), 1,
	       "stored for bob");
}

static void test_visibility(struct store *st, const struct user *alice, const struct user *bob,
                            const struct user *carol)
{
	struct store_events evs;
	long long in_ngs, in_all, dm, cj, cl, lid;
	json_object *o, *u;
	size_t i;

	in_ngs = post(st, alice, NGS, NULL, "only NGS sees this");
	in_all = post(st, carol, "all", NULL, "everyone sees this");
	dm = post(st, bob, NULL, "alice", "just for alice");
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
}

static void test_history(struct store *st, const struct user *alice, const struct user *bob)
{
	struct store_events evs = { 0 };
	long long ids[8];
	int more, i;
	json_object *o;

	ids[0] = join(st, alice, "paging");
	for (i = 1; i < 8; i++)
		ids[i] = post(st, alice, "paging", NULL, "page me");
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

static void test_rooms_who(struct store *st, const struct user *alice, const struct user *bob)
{
	json_object *arr, *o;
	char **names;
	long long max;

	store_user_seen(st, alice, err, sizeof err);
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

	is_int(store_who(st, NGS, &arr, err, sizeof err), STORE_OK, "who");
	ok(json_object_array_length(arr) == 1 &&
	   strcmp(jstr(json_object_array_get_idx(arr, 0), "username"), "alice") == 0,
	   "alice is online in NGS");
	json_object_put(arr);
	is_int(store_who(st, "nowhere", &arr, err, sizeof err), STORE_NOT_FOUND, "who: unknown room");
	raw_exec("UPDATE users SET last_seen = '2000-01-01T00:00:00.000Z' WHERE id = 1");
	store_who(st, NGS, &arr, err, sizeof err);
	is_int(json_object_array_length(arr), 0, "nobody seen for a minute: nobody online");
	json_object_put(arr);

	store_user_seen(st, alice, err, sizeof err);
	is_int(raw_int("SELECT last_seen < '2001' FROM users WHERE id = 1"), 1,
	       "seen again soon: no write");
	{
		struct user renamed = *alice;

		snprintf(renamed.username, sizeof renamed.username, "alice2");
		store_user_seen(st, &renamed, err, sizeof err);
		is_int(raw_int("SELECT username = 'alice2' AND last_seen > '2001' FROM users WHERE id = 1"),
		       1, "a changed name is written at once");
		store_user_seen(st, alice, err, sizeof err);
	}

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
		if (store_post(st, &u, "all", NULL, "load", client_id ? client_id : cid, &id, ts,
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

static int reap(int kids)
{
	int status, good = 0;

	while (kids-- > 0)
		if (wait(&status) > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0)
			good++;
	return good;
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
	r = store_post(st, alice, "all", NULL, "blocked", NULL, &id, ts, &created, err, sizeof err);
	is_int(r, STORE_ERROR, "a store locked too long is an error");
	ok(strstr(err, "locked") && now_ms() - t0 < 10000, "saying so, after the busy timeout");
	printf("# %s\n", err);
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(db);
	ok(post(st, alice, "all", NULL, "unblocked") > 0, "works again once the lock is gone");
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
	if (store_open(ro_path, NULL, 0, &st, err, sizeof err) == 0)
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
		bad |= store_open(ro_path, NULL, 0, &st, err, sizeof err) == 0 ||
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
		bad |= store_open(ro_path, NULL, 0, &st, err, sizeof err) == 0 || !strstr(err, ro_path);
		printf("# %s\n", err);
		fflush(stdout);
		store_close(st);
		_exit(bad);
	}
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "read-only store file: an error, no crash");
	chmod(dir, 0700);
}

static void rm_rf(const char *d)
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

int main(void)
{
	const char *rooms[] = { NGS };
	struct user alice = user_make(1, "alice"), bob = user_make(2, "bob"),
	            carol = user_make(3, "carol");
	struct store *st;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!mkdtemp(dir)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	snprintf(path, sizeof path, "%s/chat.sqlite", dir);
	test_schema();
	st = open_store(rooms, 1);
	if (!st) {
		printf("Bail out! %s\n", err);
		rm_rf(dir);
		return 1;
	}
	store_user_seen(st, &carol, err, sizeof err);
	test_join_leave(st, &alice);
	test_post(st, &alice, &bob);
	test_visibility(st, &alice, &bob, &carol);
	test_history(st, &alice, &bob);
	test_rooms_who(st, &alice, &bob);
	test_ids(st);
	test_processes(st);
	test_locked(st, &alice);
	test_chat_log();
	test_doc_queries();
	store_close(st);
	test_read_only();
	rm_rf(dir);
	return done_testing();
}
