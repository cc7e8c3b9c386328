/*
 * test_ratelimit.c - the GCRA buckets of ratelimit.c: bursts, refill, the
 * wait it reports, separate kinds, admins, limits off, a full table, and
 * several processes counting against one bucket.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cfg.h"
#include "ratelimit.h"
#include "tap.h"

static char dir[] = "/tmp/gc-test-rate-XXXXXX";
static char store[600];

static struct user user_make(long long id, int admin)
{
	struct user u = { .id = id, .admin = admin };
	snprintf(u.username, sizeof u.username, "user%lld", id);
	return u;
}

static struct rate *open_rate(struct cfg *c)
{
	struct rate *r = NULL;
	char err[512];

	if (rate_open(c, &r, err, sizeof err) < 0)
		printf("# %s\n", err);
	return r;
}

int main(void)
{
	struct cfg c = { .store = store, .rate = { 3, 1 }, .join_rate = { 2, 60 }, .search_rate = { 4, 60 },
	                 .rate_exempt_admins = 1 };
	struct user alice = user_make(1, 0), bob = user_make(2, 0), root = user_make(3, 1);
	char path[700];
	struct stat sb;
	struct rate *r;
	long long w;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!mkdtemp(dir)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	snprintf(store, sizeof store, "%s/chat.sqlite", dir);
	rate_path(&c, path, sizeof path);
	ok(strcmp(path + strlen(path) - 5, "-rate") == 0 && strncmp(path, store, strlen(store)) == 0,
	   "a file store keeps its counters beside it");
	r = open_rate(&c);
	ok(r && stat(path, &sb) == 0 && sb.st_size > 0, "the shared file is made");

	is_int(rate_take(r, RATE_SEND, &alice) + rate_take(r, RATE_SEND, &alice) +
	       rate_take(r, RATE_SEND, &alice), 0, "a burst of count (3/1s) is allowed");
	w = rate_take(r, RATE_SEND, &alice);
	ok(w > 0 && w <= 334, "the next one waits at most one interval (1000/3 ms)");
	printf("#   wait %lld ms\n", w);
	ok(rate_take(r, RATE_SEND, &alice) > 0, "a refused action is not counted, but still refused");
	is_int(rate_take(r, RATE_SEND, &bob), 0, "another user has a bucket of their own");
	is_int(rate_take(r, RATE_JOIN, &alice), 0, "joins are a separate bucket");
	usleep((useconds_t)(w + 20) * 1000);
	is_int(rate_take(r, RATE_SEND, &alice), 0, "after the wait, one more");
	ok(rate_take(r, RATE_SEND, &alice) > 0, "and only one");
	for (int i = 0; i < 10; i++)
		w = rate_take(r, RATE_SEND, &root);
	is_int(w, 0, "admins are exempt");
	c.rate_exempt_admins = 0;
	ok(rate_take(r, RATE_SEND, &root) + rate_take(r, RATE_SEND, &root) +
	   rate_take(r, RATE_SEND, &root) + rate_take(r, RATE_SEND, &root) > 0,
	   "unless rate_exempt_admins is off");
	is_int(rate_take(r, RATE_JOIN, &bob) + rate_take(r, RATE_JOIN, &bob), 0, "two joins (2/60s)");
	w = rate_take(r, RATE_JOIN, &bob);
	ok(w > 29000 && w <= 30000, "the third waits about 30 s");
	is_int(rate_take(r, RATE_SEARCH, &bob) + rate_take(r, RATE_SEARCH, &bob) +
	       rate_take(r, RATE_SEARCH, &bob) + rate_take(r, RATE_SEARCH, &bob), 0,
	       "searches have a bucket of their own (4/60s)");
	w = rate_take(r, RATE_SEARCH, &bob);
	ok(w > 14000 && w <= 15000, "the fifth search waits about 15 s");
	ok(rate_limit(&c, RATE_SEARCH) == &c.search_rate && rate_limit(&c, RATE_JOIN) == &c.join_rate &&
	   rate_limit(&c, RATE_SEND) == &c.rate, "rate_limit names each kind's limit");

	/* more users than slots: nothing breaks, a new bucket still limits */
	c.rate = (struct cfg_rate){ 1, 60 };
	for (long long id = 1000; id < 30000; id++) {
		struct user u = user_make(id, 0);
		rate_take(r, RATE_SEND, &u);
	}
	struct user last = user_make(29999, 0);
	ok(rate_take(r, RATE_SEND, &last) > 0, "30000 users in 8192 slots: the latest still counts");
	ok(stat(path, &sb) == 0 && sb.st_size == 8192 * 24, "the file keeps its size");

	/* processes share the buckets */
	c.rate = (struct cfg_rate){ 5, 60 };
	struct user carol = user_make(4, 0);
	int fds[2];
	if (pipe(fds) < 0)
		return 1;
	for (int k = 0; k < 3; k++) {
		if (fork() == 0) {
			struct rate *mine = open_rate(&c);
			char allowed = 0;
			for (int i = 0; i < 10; i++)
				allowed += rate_take(mine, RATE_SEND, &carol) == 0;
			if (write(fds[1], &allowed, 1) != 1)
				_exit(1);
			rate_close(mine);
			_exit(0);
		}
	}
	int total = 0;
	for (int k = 0; k < 3; k++) {
		char n = 0;
		if (read(fds[0], &n, 1) == 1)
			total += n;
		wait(NULL);
	}
	is_int(total, 5, "three processes, 30 tries: exactly count allowed");
	close(fds[0]);
	close(fds[1]);
	rate_close(r);

	/* off */
	c.rate.count = 0;
	c.join_rate.count = 0;
	unlink(path);
	r = open_rate(&c);
	ok(r && stat(path, &sb) == 0, "search_rate alone on: a handle and its file");
	rate_close(r);
	c.search_rate.count = 0;
	unlink(path);
	r = (struct rate *)1;
	char err[256];
	ok(rate_open(&c, &r, err, sizeof err) == 0 && r == NULL && stat(path, &sb) < 0,
	   "every limit off: no handle, no file");
	is_int(rate_take(NULL, RATE_SEND, &alice), 0, "a NULL handle allows everything");
	c.rate = (struct cfg_rate){ 1, 60 };
	r = open_rate(&c);
	rate_take(r, RATE_JOIN, &alice);
	is_int(rate_take(r, RATE_JOIN, &alice), 0, "join_rate off: joins are not limited");
	rate_close(r);

	c.store = "postgresql://chat@db.example.org/chat";
	rate_path(&c, path, sizeof path);
	ok(strncmp(path, "/dev/shm/galaxy-chat-rate-", 26) == 0, "a PostgreSQL store's counters are in /dev/shm");

	snprintf(path, sizeof path, "%s/chat.sqlite-rate", dir);
	unlink(path);
	rmdir(dir);
	return done_testing();
}
