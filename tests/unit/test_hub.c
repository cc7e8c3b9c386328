/*
 * test_hub.c - the hub's fan-out when one read of the store brings more
 * new events than its ring holds: a lean hub (HUB_RING_LEAN, a mod_fcgid
 * process) whose thread did not run while they were committed (a process
 * paused, a busy machine). A waiting poll or stream must then not be
 * answered with the ring's newest events, which would skip those the ring
 * dropped before they were offered to it (found by bench/chaos, mod_fcgid
 * on an SQLite store: a stream skipped 2 to 5 events): it is answered with
 * none at its own cursor, and the store answers its next turn.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg.h"
#include "hub.h"
#include "presence.h"
#include "store.h"
#include "store_fixture.h"
#include "tap.h"

#define POSTS (HUB_RING_LEAN + 36)   /* in one commit: more than the ring holds */

struct answer {
	pthread_mutex_t lock;
	int done;
	size_t n;
	char *body;
};

static void on_done(struct hub_waiter *w, char *body, size_t len, size_t n)
{
	struct answer *a = w->ctx;

	(void)len;
	pthread_mutex_lock(&a->lock);
	a->done = 1;
	a->n = n;
	a->body = body;
	pthread_mutex_unlock(&a->lock);
	hub_waiter_free(w);
}

/* Waits up to 10 s for a's answer: 1 when it came. */
static int wait_done(struct answer *a)
{
	for (int i = 0; i < 1000; i++) {
		pthread_mutex_lock(&a->lock);
		int done = a->done;
		pthread_mutex_unlock(&a->lock);
		if (done)
			return 1;
		usleep(10000);
	}
	return 0;
}

int main(void)
{
	char dir[] = "/tmp/gc-test-hub-XXXXXX", path[256], err[512] = "";
	struct cfg *cfg = NULL;
	struct store *st = NULL;
	struct hub *h = NULL;
	struct presence *pr = presence_new();
	struct user alice = user_make(1, "alice"), bob = user_make(2, "bob");
	struct store_post p[POSTS], *ps[POSTS];
	struct answer a = { .lock = PTHREAD_MUTEX_INITIALIZER };
	char text[POSTS][32], **rooms = calloc(2, sizeof *rooms);
	long long newest = 0, first_new;
	FILE *f;

	if (!mkdtemp(dir) || !pr || !rooms) {
		puts("Bail out! setup");
		return 1;
	}
	snprintf(path, sizeof path, "%s/chat.ini", dir);
	if (!(f = fopen(path, "w"))) {
		puts("Bail out! cannot write chat.ini");
		return 1;
	}
	fprintf(f, "[chat]\nstore = %s/chat.sqlite\n", dir);
	fclose(f);
	ok(cfg_load(path, &cfg, err, sizeof err) == 0, "the configuration loads");
	ok(cfg && store_open(cfg->store, NULL, 0, NULL, 0, &st, err, sizeof err) == 0, "the store opens");
	if (!cfg || !st) {
		printf("# %s\nBail out! no store\n", err);
		return 1;
	}
	ok(store_post(st, &bob, "all", 0, "bob was here", NULL, 0, &newest, (char[32]){ 0 },
	              (int[1]){ 0 }, err, sizeof err) == STORE_OK, "bob has posted (a users row)");
	ok(hub_new(cfg, pr, 1, &h, err, sizeof err) == 0, "a lean hub starts");
	if (!h) {
		printf("# %s\nBail out! no hub\n", err);
		return 1;
	}
	store_max_id(st, &newest, err, sizeof err);

	/* bob waits, following his cursor, as a parked poll or stream does */
	rooms[0] = strdup("all");
	struct hub_waiter *w = hub_waiter_new(bob.id, rooms, newest);
	char *body = NULL;
	size_t len = 0;
	w->since = w->checked = newest;
	w->deadline = now_ms() + 30000;
	w->done = on_done;
	w->ctx = &a;
	is_int(hub_take(h, w, &body, &len), 0, "bob's wait is parked");

	/* more than the ring holds, in one commit: the hub reads them at once */
	for (int i = 0; i < POSTS; i++) {
		snprintf(text[i], sizeof text[i], "message %d", i);
		p[i] = (struct store_post){ .user = &alice, .room = "all", .text = text[i] };
		ps[i] = &p[i];
	}
	store_post_batch(st, ps, POSTS);
	first_new = p[0].id;
	ok(p[0].res == STORE_OK && p[POSTS - 1].res == STORE_OK && p[POSTS - 1].id == first_new + POSTS - 1,
	   "alice's messages are stored in one commit");

	ok(wait_done(&a), "bob's wait is answered");
	char want[48];
	snprintf(want, sizeof want, "\"id\":%lld,", first_new);
	ok(a.n == 0 || (a.body && strstr(a.body, want)),
	   "... not with the ring's newest events past ones it dropped: with none, or from the first new one");
	if (a.n && a.body && !strstr(a.body, want))
		printf("# %zu events, the first new one (%lld) missing: %.200s\n", a.n, first_new, a.body);
	is_int((int)a.n, 0, "... with none: the store answers his next turn from his cursor");
	ok(a.body && strstr(a.body, "\"events\":[]") && strstr(a.body, "\"cursor\":") &&
	   atoll(strstr(a.body, "\"cursor\":") + 9) == newest, "... whose cursor is his own");
	free(a.body);

	hub_free(h);
	store_close(st);
	presence_free(pr);
	cfg_free(cfg);
	snprintf(path, sizeof path, "rm -rf '%s'", dir);
	if (system(path) != 0)
		puts("# could not remove the test directory");
	return done_testing();
}
