/*
 * test_evring.c - the host's shared ring of new events (evring.c) and the
 * SQLite driver's use of it (store_sqlite_ring.c), on real files in a
 * temporary directory: events put and got back field for field, the ends
 * a reader must stop at (not put yet, too big, overwritten, a gap behind
 * a newer event, a copy of the store put back), a writer process
 * rewriting slots while this one reads (no torn event ever comes out),
 * and through the store: a commit's events in the ring exactly as the
 * store reads them, a writer that does not publish (an older galaxy-chat,
 * the sqlite3 shell) sending readers to the store, and a store whose ring
 * cannot be made working as before.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "evring.h"
#include "store.h"
#include "store_fixture.h"
#include "tap.h"
#include "wake.h"

static char dir[] = "/tmp/gc-test-evring-XXXXXX";
static char err[512];

/* The event id as a writer would put it: its fields and JSON follow from
 * id, so a reader can tell a torn copy (pad makes the length vary). */
static struct store_event event_of(long long id, size_t pad)
{
	struct store_event ev = {
		.id = id, .type = EV_MESSAGE, .user_id = id * 3, .to_user_id = 0, .target = id - 1,
		.reply_to = id / 2, .ts_ms = 1700000000000LL + id,
	};
	char room[32];
	char *json = malloc(64 + pad);

	snprintf(room, sizeof room, "room-%lld", id % 7);
	ev.room = strdup(room);
	snprintf(json, 64 + pad, "{\"id\":%lld,\"pad\":\"%*s\"}", id, (int)pad, "");
	ev.json = json;
	return ev;
}

static void event_free(struct store_event *ev)
{
	free(ev->room);
	free(ev->json);
}

/* Whether got is exactly event_of(got->id, pad) for some pad. */
static int event_whole(const struct store_event *got)
{
	char room[32], head[64];
	size_t n;

	snprintf(room, sizeof room, "room-%lld", got->id % 7);
	n = (size_t)snprintf(head, sizeof head, "{\"id\":%lld,\"pad\":\"", got->id);
	return got->type == EV_MESSAGE && got->user_id == got->id * 3 && got->target == got->id - 1 &&
	       got->reply_to == got->id / 2 && got->ts_ms == 1700000000000LL + got->id &&
	       got->room && strcmp(got->room, room) == 0 && got->json &&
	       strncmp(got->json, head, n) == 0 && strlen(got->json) >= n + 2 &&
	       strcmp(got->json + strlen(got->json) - 2, "\"}") == 0 &&
	       strspn(got->json + n, " ") == strlen(got->json) - n - 2;
}

/* Puts events first..last (pad bytes each) one commit at a time. */
static void put_range(struct evring *r, long long first, long long last, size_t pad)
{
	for (long long id = first; id <= last; id++) {
		struct store_event ev = event_of(id, pad);

		evring_put(r, &ev, 1);
		evring_published(r);
		event_free(&ev);
	}
}

static void test_ring(void)
{
	char ring_path[600];
	struct store_events got = { 0 };
	struct evring *r = NULL;
	struct store_event big;
	struct stat sb;
	int whole = 1;

	snprintf(ring_path, sizeof ring_path, "%s/ring", dir);
	ok(evring_open(ring_path, 0640, 0, &r, err, sizeof err) == 0, "a new ring opens");
	if (!r) {
		printf("# %s\n", err);
		return;
	}
	ok(stat(ring_path, &sb) == 0 && (sb.st_mode & 07777) == 0640, "with the store's mode");
	is_int(evring_get(r, 0, 100, &got), STORE_RECENT_ALL, "an empty ring: every event (none)");
	is_int((long long)got.n, 0, "none");

	put_range(r, 1, 3, 0);
	is_int(evring_publications(r), 3, "each commit counted");
	is_int(evring_get(r, 0, 100, &got), STORE_RECENT_ALL, "three put: all of them");
	is_int((long long)got.n, 3, "three");
	for (size_t i = 0; i < got.n; i++)
		whole &= got.v[i].id == (long long)i + 1 && event_whole(&got.v[i]);
	ok(whole, "each with every field and its JSON as put");
	store_events_clear(&got);
	is_int(evring_get(r, 0, 2, &got), STORE_RECENT_MORE, "a limit of two: more follow");
	is_int((long long)got.n, 2, "two given");
	store_events_clear(&got);
	is_int(evring_get(r, 3, 100, &got), STORE_RECENT_ALL, "after the newest: nothing more");
	is_int((long long)got.n, 0, "none");

	/* too big for a slot: the events before it, then the store's turn */
	big = event_of(4, EVRING_SLOT_BYTES);
	evring_put(r, &big, 1);
	event_free(&big);
	put_range(r, 5, 5, 0);
	is_int(evring_get(r, 2, 100, &got), STORE_RECENT_ASK, "an event too big for its slot: ask the store");
	ok(got.n == 1 && got.v[0].id == 3, "after the events before it");
	store_events_clear(&got);
	is_int(evring_get(r, 4, 100, &got), STORE_RECENT_ALL, "past it, the ring again");
	ok(got.n == 1 && got.v[0].id == 5 && event_whole(&got.v[0]), "with the event after it");
	store_events_clear(&got);

	/* a gap: 7 put before 6 (a writer between its commit and its put) */
	put_range(r, 7, 7, 0);
	is_int(evring_get(r, 5, 100, &got), STORE_RECENT_ASK, "a newer event put, the next not: ask the store");
	is_int((long long)got.n, 0, "nothing given");
	put_range(r, 6, 6, 0);
	is_int(evring_get(r, 5, 100, &got), STORE_RECENT_ALL, "the gap filled: all");
	ok(got.n == 2 && got.v[0].id == 6 && got.v[1].id == 7, "both, in id order");
	store_events_clear(&got);

	/* overwritten: a reader more than a ring behind */
	put_range(r, 8, EVRING_SLOTS + 10, 3);
	is_int(evring_get(r, 7, 100, &got), STORE_RECENT_ASK, "a slot overwritten by a newer event: ask the store");
	is_int((long long)got.n, 0, "nothing given");
	is_int(evring_get(r, 20, 100, &got), STORE_RECENT_MORE, "a reader within the ring is served");
	ok(got.n == 100 && got.v[0].id == 21 && event_whole(&got.v[99]), "from where it was");
	store_events_clear(&got);
	evring_close(r);

	/* the store put back from an older copy: newest 40, the ring is ahead */
	r = NULL;
	ok(evring_open(ring_path, 0640, 40, &r, err, sizeof err) == 0, "reopened beside an older store");
	if (!r)
		return;
	is_int(evring_get(r, 40, 100, &got), STORE_RECENT_ALL, "the events past the store's newest are void");
	is_int((long long)got.n, 0, "none of them given");
	put_range(r, 41, 41, 20);
	is_int(evring_get(r, 40, 100, &got), STORE_RECENT_ALL, "a new event 41 put");
	ok(got.n == 1 && got.v[0].id == 41 && strlen(got.v[0].json) == 20 + strlen("{\"id\":41,\"pad\":\"\"}"),
	   "the new one, not the old copy's");
	store_events_clear(&got);
	evring_close(r);

	/* another layout */
	int fd = open(ring_path, O_WRONLY);
	ok(fd >= 0 && pwrite(fd, "GCRING9", 8, 0) == 8, "the ring's magic changed");
	if (fd >= 0)
		close(fd);
	r = NULL;
	ok(evring_open(ring_path, 0640, 0, &r, err, sizeof err) < 0 && strstr(err, ring_path) &&
	   strstr(err, "another version"), "a ring of another layout is refused by name");
	printf("# %s\n", err);
	evring_close(r);
}

/* A writer process rewrites the ring round and round while this one
 * reads: every event read is whole, the ids strictly increase, and the
 * reader keeps up or is told to ask the store; never a torn copy. */
static void test_torn(void)
{
	char ring_path[600];
	struct evring *r = NULL;
	long long since = 0, t0, got_n = 0, asks = 0;
	long long *latest = mmap(NULL, sizeof *latest, PROT_READ | PROT_WRITE,
	                         MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int whole = 1, ordered = 1;
	pid_t pid;

	if (latest == MAP_FAILED) {
		ok(0, "a shared page for the writer's position");
		return;
	}
	snprintf(ring_path, sizeof ring_path, "%s/torn", dir);
	if (evring_open(ring_path, 0600, 0, &r, err, sizeof err) < 0) {
		ok(0, "the ring opens");
		printf("# %s\n", err);
		return;
	}
	if ((pid = fork()) == 0) {
		for (long long id = 1;; id++) {
			struct store_event ev = event_of(id, (size_t)(id * 37 % 700));
			evring_put(r, &ev, 1);
			evring_published(r);
			event_free(&ev);
			__atomic_store_n(latest, id, __ATOMIC_RELEASE);
		}
	}
	t0 = now_ms();
	while (now_ms() - t0 < 1500) {
		struct store_events got = { 0 };
		enum store_recent g = evring_get(r, since, 500, &got);

		for (size_t i = 0; i < got.n; i++) {
			whole &= event_whole(&got.v[i]);
			ordered &= got.v[i].id == since + 1;
			since = got.v[i].id;
		}
		got_n += (long long)got.n;
		if (g == STORE_RECENT_ASK) {   /* overwritten or being written: where the
			                          * store would take the reader, near the writer */
			asks++;
			since = __atomic_load_n(latest, __ATOMIC_ACQUIRE) - 10;
			if (since < 0)
				since = 0;
		}
		store_events_clear(&got);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	printf("# %lld events read, %lld times sent to the store\n", got_n, asks);
	ok(got_n > 1000, "a reader takes events while a writer rewrites the ring");
	ok(whole, "every event read is whole: none torn by the writer");
	ok(ordered, "in id order, none skipped");
	evring_close(r);
	munmap(latest, sizeof *latest);
}

static struct store *open_at(const char *where)
{
	struct store *st = NULL;

	if (store_open(where, NULL, 0, NULL, 0, &st, err, sizeof err) < 0)
		printf("# %s\n", err);
	return st;
}

static long long post_as(struct store *st, const struct user *u, const char *text, long long reply_to)
{
	long long id = 0;
	char ts[32];
	int created;

	if (store_post(st, u, "all", 0, text, NULL, reply_to, &id, ts, &created, err, sizeof err) !=
	    STORE_OK)
		printf("# %s\n", err);
	return id;
}

/* The events of a and b are the same, field for field. */
static int events_same(const struct store_events *a, const struct store_events *b)
{
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++) {
		const struct store_event *x = &a->v[i], *y = &b->v[i];
		if (x->id != y->id || x->type != y->type || x->user_id != y->user_id ||
		    x->to_user_id != y->to_user_id || x->target != y->target ||
		    x->reply_to != y->reply_to || x->ts_ms != y->ts_ms ||
		    (x->room == NULL) != (y->room == NULL) || (x->room && strcmp(x->room, y->room)) ||
		    strcmp(x->json, y->json) != 0)
			return 0;
	}
	return 1;
}

/* Through the store: a hub's connection and writers in other processes. */
static void test_store_ring(void)
{
	char store_path[600], ring_path[700], wake_path[700], sql[512];
	struct user alice = user_make(1, "alice"), bob = user_make(2, "bob");
	struct store_events ring = { 0 }, db = { 0 };
	struct store *hub;
	struct wake *w = NULL;
	struct stat sb;
	long long before, root, cursor;
	sqlite3 *raw = NULL;
	char *big;

	snprintf(store_path, sizeof store_path, "%s/chat.sqlite", dir);
	snprintf(ring_path, sizeof ring_path, "%s-events", store_path);
	if (!(hub = open_at(store_path))) {
		ok(0, "the store opens");
		return;
	}
	ok(stat(ring_path, &sb) == 0 && sb.st_size > 0, "the ring is made beside the store");
	store_max_id(hub, &before, err, sizeof err);
	root = post_as(hub, &alice, "a question", 0);
	if (fork() == 0) {   /* another process's writer */
		struct store *st = open_at(store_path);
		int good = st && post_as(st, &bob, "an answer", root) > 0 &&
		           post_as(st, &bob, "and a second line\nwith `code`", 0) > 0;
		store_close(st);
		_exit(good ? 0 : 1);
	}
	int status = -1;
	wait(&status);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "another process posts a reply and a message");
	is_int(store_events_recent(hub, before, 100, &ring), STORE_RECENT_ALL,
	       "the hub's read of the new events: all from the ring");
	store_events_all(hub, before, 100, &db, err, sizeof err);
	is_int((long long)ring.n, 3, "the three events");
	ok(events_same(&ring, &db), "exactly as the store reads them (fields, room, JSON)");
	if (ring.n)
		printf("# %s\n", ring.v[ring.n - 1].json);
	cursor = ring.n ? ring.v[ring.n - 1].id : before;
	store_events_clear(&ring);
	store_events_clear(&db);

	/* a message too big for a slot: the store gives it */
	big = malloc(3000);
	memset(big, 'x', 2999);
	big[2999] = '\0';
	ok(post_as(hub, &alice, big, 0) > 0, "a message of 3,000 bytes is posted");
	free(big);
	is_int(store_events_recent(hub, cursor, 100, &ring), STORE_RECENT_ASK,
	       "too big for the ring: the store must be asked");
	store_events_all(hub, cursor, 100, &db, err, sizeof err);
	ok(db.n == 1 && strlen(db.v[0].json) > 3000, "and gives it");
	cursor = db.n ? db.v[0].id : cursor;
	store_events_clear(&ring);
	store_events_clear(&db);

	/* a writer that does not publish: the sqlite3 shell and a wake bump,
	 * as an older galaxy-chat would commit */
	snprintf(wake_path, sizeof wake_path, "%s-wake", store_path);
	snprintf(sql, sizeof sql,
	         "INSERT INTO events (ts, type, room_id, user_id, username, text)"
	         " SELECT '2026-12-02T10:00:00.000Z', 'message', id, 1, 'alice', 'from the shell'"
	         " FROM rooms WHERE name = 'all'");
	ok(sqlite3_open(store_path, &raw) == SQLITE_OK &&
	   sqlite3_exec(raw, sql, NULL, NULL, NULL) == SQLITE_OK, "an event stored from the shell");
	if (raw && sqlite3_errcode(raw) != SQLITE_OK)
		printf("# %s\n", sqlite3_errmsg(raw));
	sqlite3_close(raw);
	ok(wake_open(wake_path, 0600, &w, err, sizeof err) == 0, "the wake file opens");
	if (w)
		wake_bump(w);
	wake_close(w);
	is_int(store_events_recent(hub, cursor, 100, &ring), STORE_RECENT_ASK,
	       "a commit without publication sends the hub to the store");
	is_int((long long)ring.n, 0, "with nothing from the ring");
	store_events_all(hub, cursor, 100, &db, err, sizeof err);
	ok(db.n == 1 && strstr(db.v[0].json, "from the shell"), "which has the event");
	cursor = db.n ? db.v[0].id : cursor;
	store_events_clear(&db);
	is_int(store_events_recent(hub, cursor, 100, &ring), STORE_RECENT_ALL,
	       "and then the ring again: nothing new");
	ok(post_as(hub, &alice, "after the shell", 0) > 0 &&
	   store_events_recent(hub, cursor, 100, &ring) == STORE_RECENT_ALL && ring.n == 1,
	   "the next post comes from the ring");
	store_events_clear(&ring);
	store_close(hub);
}

/* A ring that cannot be made (here a directory in its place) leaves the
 * store working, every read from the store. */
static void test_no_ring(void)
{
	char store_path[600], ring_path[700];
	struct user alice = user_make(1, "alice");
	struct store_events got = { 0 };
	struct store *st;
	long long before;

	snprintf(store_path, sizeof store_path, "%s/other.sqlite", dir);
	snprintf(ring_path, sizeof ring_path, "%s-events", store_path);
	ok(mkdir(ring_path, 0700) == 0, "a directory where the ring would go");
	if (!(st = open_at(store_path))) {
		ok(0, "the store opens without its ring");
		return;
	}
	ok(1, "the store opens without its ring");
	store_max_id(st, &before, err, sizeof err);
	ok(post_as(st, &alice, "no ring", 0) > 0, "posts work");
	is_int(store_events_recent(st, before, 100, &got), STORE_RECENT_ASK, "every read asks the store");
	store_events_all(st, before, 100, &got, err, sizeof err);
	is_int((long long)got.n, 1, "which has the post");
	store_events_clear(&got);
	store_close(st);
	rmdir(ring_path);
}

int main(void)
{
	char cmd[600];

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!mkdtemp(dir)) {
		printf("Bail out! %s\n", strerror(errno));
		return 1;
	}
	test_ring();
	test_torn();
	test_store_ring();
	test_no_ring();
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	return done_testing();
}
