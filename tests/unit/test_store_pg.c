/*
 * test_store_pg.c - the PostgreSQL message store (store_pg.c) against a
 * real server: schema creation by several processes at once and refusal of
 * a newer one, the posting rules, idempotent retries, ids that a cursor
 * walk never skips under concurrent writer processes, store_wait (timeout
 * without CPU, wakeup by another process, a change reported after its
 * connection is killed), and reconnects after the server drops every
 * connection. Run by tests/store_pg_unit.py, which starts the server and
 * passes its URL in GC_TEST_PG_STORE.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "dburl.h"
#include "store.h"
#include "store_fixture.h"
#include "tap.h"

static const char *url;
static char conninfo[1024];
static char err[1024];

static long long cpu_ms(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000LL +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000;
}

/* Runs sql on a connection of its own; the first column of the first row
 * as a number (0 without rows, -1 on error). */
static long long raw(const char *sql)
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

static struct store *open_store(void)
{
	struct store *st = NULL;
	const char *rooms[] = { "NGS" };

	if (store_open(url, rooms, 1, &st, err, sizeof err) < 0)
		printf("# store_open: %s\n", err);
	return st;
}

static long long post(struct store *st, const struct user *u, const char *room,
                      long long to, const char *text, const char *client_id)
{
	long long id = 0;
	char ts[32];
	int created;

	if (store_post(st, u, room, to, text, client_id, &id, ts, &created,
	               err, sizeof err) != STORE_OK)
		return 0;
	return id;
}

static void test_open(void)
{
	struct store *st;
	int k;

	for (k = 0; k < 4; k++)
		if (fork() == 0) {
			st = open_store();
			store_close(st);
			_exit(st ? 0 : 1);
		}
	is_int(reap(4), 4, "four processes create the schema at once");
	is_int(raw("SELECT version FROM chat_schema"), 2, "schema version 2");
	is_int(raw("SELECT count(*) FROM rooms WHERE persistent = 1"), 2, "all and NGS, persistent");
	raw("UPDATE chat_schema SET version = 99");
	ok(!open_store() && strstr(err, "newer"), "a newer schema is refused");
	raw("UPDATE chat_schema SET version = 2");
	ok(store_open("postgresql://chat:hunter2@127.0.0.1:1/chat", NULL, 0, &st, err,
	              sizeof err) < 0 && !st, "an unreachable server: store_open fails");
	ok(strstr(err, "PostgreSQL chat on 127.0.0.1:1") && !strstr(err, "hunter2"),
	   "the message names the database, never the password");
	printf("# %s\n", err);
}

static void test_rules(struct store *st)
{
	struct user alice = user_make(1, "alice"), bob = user_make(2, "bob");
	long long ev, id, id2;
	char ts[32], ts2[32];
	int created;
	struct store_events evs = { 0 };
	json_object *rooms;
	int more;

	store_user_seen(st, &bob, err, sizeof err);
	ok(store_join(st, &alice, "NGS", 0, &ev, err, sizeof err) == STORE_OK && ev > 0, "join");
	ok(store_join(st, &alice, "NGS", 0, &ev, err, sizeof err) == STORE_OK && ev == 0,
	   "joining again: no event");
	is_int(store_post(st, &bob, "NGS", 0, "x", NULL, &id, ts, &created, err, sizeof err),
	       STORE_FORBIDDEN, "posting to a room one is not in: forbidden");
	is_int(store_post(st, &bob, "nowhere", 0, "x", NULL, &id, ts, &created, err, sizeof err),
	       STORE_NOT_FOUND, "posting to an unknown room: not found");
	is_int(store_post(st, &bob, NULL, 999, "x", NULL, &id, ts, &created, err, sizeof err),
	       STORE_NOT_FOUND, "a direct message to an unknown user: not found");
	is_int(store_leave(st, &alice, "all", &ev, err, sizeof err), STORE_FORBIDDEN,
	       "leaving all: forbidden");
	ok(store_post(st, &alice, "NGS", 0, "once", "c1", &id, ts, &created, err,
	              sizeof err) == STORE_OK && created && id > 0, "a post with a client_id");
	ok(store_post(st, &alice, "NGS", 0, "once", "c1", &id2, ts2, &created, err,
	              sizeof err) == STORE_OK && !created && id2 == id && strcmp(ts, ts2) == 0,
	   "its retry: the first id and ts, nothing stored");
	ok(post(st, &alice, NULL, bob.id, "psst", NULL) > id, "a direct message");
	ok(store_history(st, 1, "NGS", 0, 10, &evs, &more, err, sizeof err) == STORE_OK &&
	   evs.n == 2 && strstr(evs.v[1].json, "\"text\":\"once\""), "history");
	store_events_clear(&evs);
	ok(store_events_visible(st, 2, 0, 100, &evs, err, sizeof err) == STORE_OK && evs.n == 1 &&
	   evs.v[0].type == EV_DIRECT, "bob sees only the direct message");
	store_events_clear(&evs);
	ok(store_rooms(st, 1, 0, &rooms, err, sizeof err) == STORE_OK &&
	   json_object_array_length(rooms) == 2, "rooms: all and NGS");
	printf("# %s\n", json_object_to_json_string(rooms));
	json_object_put(rooms);
	ok(store_leave(st, &alice, "NGS", &ev, err, sizeof err) == STORE_OK && ev > 0, "leave");
}

/* Child: opens its own store, posts n messages, exits 0 on success. */
static void child_post(int k, int n, int delay_ms)
{
	struct user u = user_make(100 + k, "writer");
	struct store *st;
	int i;

	usleep(delay_ms * 1000);
	if (!(st = open_store()))
		_exit(1);
	for (i = 0; i < n; i++)
		if (!post(st, &u, "all", 0, "load", NULL)) {
			fprintf(stderr, "child %d: %s\n", k, err);
			_exit(1);
		}
	store_close(st);
	_exit(0);
}

static void test_wait(struct store *hub)
{
	enum { K = 4, N = 50 };
	unsigned seq, got;
	long long t0, c0, waited, cursor, prev;
	struct store_events evs = { 0 };
	size_t seen = 0, i;
	int k, ordered = 1;

	seq = store_seq(hub);
	t0 = now_ms();
	c0 = cpu_ms();
	got = store_wait(hub, seq, 1000);
	waited = now_ms() - t0;
	ok(got == seq && waited >= 990 && waited < 2000, "no event: store_wait times out");
	ok(cpu_ms() - c0 < 50, "and uses no CPU while asleep");
	printf("# 1 s asleep cost %lld ms of CPU\n", cpu_ms() - c0);

	seq = store_seq(hub);
	if (fork() == 0)
		child_post(0, 1, 300);
	t0 = now_ms();
	got = store_wait(hub, seq, 10000);
	waited = now_ms() - t0;
	ok(got != seq && waited >= 250 && waited < 3000, "another process's post wakes store_wait");
	printf("# woken after %lld ms (the writer started after 300 ms)\n", waited);
	is_int(reap(1), 1, "the writer succeeded");

	/* K writer processes; this one follows cursors as the hub does */
	store_max_id(hub, &cursor, err, sizeof err);
	prev = cursor;
	for (k = 0; k < K; k++)
		if (fork() == 0)
			child_post(k, N, 0);
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
	is_int(raw("SELECT count(*) FROM events WHERE text = 'load'"), K * N + 1, "all stored");
}

static void test_reconnect(struct store *hub, struct store *worker)
{
	struct user alice = user_make(1, "alice");
	unsigned seq, got;
	long long id, t0;

	seq = store_seq(hub);
	raw("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
	    " WHERE application_name = 'galaxy-chat'");
	t0 = now_ms();
	got = store_wait(hub, seq, 5000);
	ok(got != seq && now_ms() - t0 < 3000,
	   "the listening connection killed: store_wait reports a change (re-read!)");
	ok((id = post(worker, &alice, "all", 0, "after the kill", NULL)) > 0,
	   "the worker's connection killed: the next post works");
	if (!id)
		printf("# %s\n", err);
	seq = store_seq(hub);
	post(worker, &alice, "all", 0, "and wakes", NULL);
	got = store_wait(hub, seq, 5000);
	ok(got != seq, "the listening connection LISTENs again");
	is_int(raw("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'galaxy-chat'"),
	       2, "two handles, two connections");
}

int main(void)
{
	struct dburl u;
	struct store *hub, *worker;

	url = getenv("GC_TEST_PG_STORE");
	if (!url || dburl_parse(url, NULL, &u, err, sizeof err) < 0) {
		printf("1..0 # SKIP GC_TEST_PG_STORE not set (run tests/store_pg_unit.py)\n");
		return 0;
	}
	snprintf(conninfo, sizeof conninfo, "%s", u.pg_conninfo);
	dburl_free(&u);
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_open();
	hub = open_store();
	worker = open_store();
	if (!hub || !worker)
		return 1;
	test_rules(worker);
	test_wait(hub);
	test_reconnect(hub, worker);
	store_close(worker);
	store_close(hub);
	return done_testing();
}
