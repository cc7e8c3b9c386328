/*
 * test_spread.c - spread.c's rounds: every call exactly once, whichever
 * thread makes it; small rounds on the caller's thread alone; helpers
 * that do take part; many rounds in a row (a helper that wakes late must
 * not run into the next round); no helpers; spread_helpers_for().
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spread.h"
#include "tap.h"

#define N_MAX 4096

struct tally {
	int calls[N_MAX];      /* atomic: how many times each i was called */
	int off_caller;        /* atomic: calls made on another thread */
	pthread_t caller;
	int slow_us;
};

static void count(void *ctx, size_t i)
{
	struct tally *t = ctx;

	__atomic_add_fetch(&t->calls[i], 1, __ATOMIC_RELAXED);
	if (!pthread_equal(pthread_self(), t->caller))
		__atomic_add_fetch(&t->off_caller, 1, __ATOMIC_RELAXED);
	if (t->slow_us)
		usleep((useconds_t)t->slow_us);
}

/* One round of n calls on s; 1 when each was made exactly once. */
static int round_once(struct spread *s, struct tally *t, size_t n, size_t min)
{
	memset(t->calls, 0, sizeof t->calls);
	t->caller = pthread_self();
	spread_run(s, n, min, count, t);
	for (size_t i = 0; i < N_MAX; i++)
		if (t->calls[i] != (i < n ? 1 : 0))
			return 0;
	return 1;
}

int main(void)
{
	static struct tally t;
	struct spread *s;
	int all;

	is_int(spread_helpers_for(1), 0, "one processor: no helper");
	is_int(spread_helpers_for(0), 0, "an unknown count (0): no helper");
	is_int(spread_helpers_for(-1), 0, "sysconf's error (-1): no helper");
	is_int(spread_helpers_for(2), 1, "two processors: one helper");
	is_int(spread_helpers_for(64), SPREAD_MAX_HELPERS, "many processors: at most SPREAD_MAX_HELPERS");

	ok(round_once(NULL, &t, 100, 1), "no spread: every call once");
	is_int(t.off_caller, 0, "no spread: all on the caller's thread");

	ok((s = spread_new(0)) != NULL, "a spread without helpers");
	ok(round_once(s, &t, 500, 1), "without helpers: every call once");
	is_int(t.off_caller, 0, "without helpers: all on the caller's thread");
	spread_free(s);

	ok((s = spread_new(3)) != NULL, "a spread with three helpers");
	t.off_caller = 0;
	ok(round_once(s, &t, 63, 64), "a round below min: every call once");
	is_int(t.off_caller, 0, "a round below min: all on the caller's thread");
	ok(round_once(s, &t, 0, 1), "an empty round: no call");
	ok(round_once(s, &t, 1, 1), "a round of one: one call");

	/* slow calls: the helpers have time to wake and take their share */
	t.slow_us = 200;
	t.off_caller = 0;
	all = 1;
	for (int r = 0; r < 5; r++)
		all &= round_once(s, &t, 256, 2);
	ok(all, "slow rounds: every call once");
	ok(t.off_caller > 0, "slow rounds: helpers made some of the calls");

	/* fast rounds back to back: helpers wake late, into a round that
	 * ended or the next one */
	t.slow_us = 0;
	all = 1;
	for (int r = 0; r < 2000; r++)
		all &= round_once(s, &t, (size_t)(r % 7 == 0 ? N_MAX : 17 + r % 300), 2);
	ok(all, "2,000 rounds in a row: every call of each exactly once");
	spread_free(s);

	ok((s = spread_new(SPREAD_MAX_HELPERS + 5)) != NULL, "more helpers than the most: capped");
	ok(round_once(s, &t, N_MAX, 2), "with the most helpers: every call once");
	spread_free(s);
	spread_free(NULL);
	ok(1, "spread_free(NULL) does nothing");
	done_testing();
}
