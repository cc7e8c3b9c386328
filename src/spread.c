/*
 * spread.c - a round of calls shared out between the caller and helper
 * threads (see spread.h). The calls are claimed SPREAD_CHUNK at a time
 * from one atomic counter, so a helper that wakes late takes what is
 * left rather than a fixed share; the caller then waits only for the
 * chunks the helpers are running.
 */
#include <pthread.h>
#include <stdlib.h>

#include "spread.h"

#define SPREAD_CHUNK 16   /* calls claimed at once: few atomics, fair shares */

struct spread {
	pthread_mutex_t lock;
	pthread_cond_t go;         /* a round began, or stop */
	pthread_cond_t idle;       /* busy dropped */
	pthread_t threads[SPREAD_MAX_HELPERS];
	int helpers;               /* started */
	int stop;                  /* under lock */
	unsigned round;            /* under lock: counts rounds begun */
	int open;                  /* under lock: the round may still be joined */
	int busy;                  /* under lock: helpers inside a round */
	/* the round under way, set under lock before round moves */
	size_t n;
	spread_fn fn;
	void *ctx;
	size_t next;               /* atomic: the next call to claim */
};

/* Claims chunks of s's round until none is left. */
static void spread_work(struct spread *s)
{
	for (;;) {
		size_t i = __atomic_fetch_add(&s->next, SPREAD_CHUNK, __ATOMIC_RELAXED);
		if (i >= s->n)
			return;
		size_t end = i + SPREAD_CHUNK < s->n ? i + SPREAD_CHUNK : s->n;
		for (; i < end; i++)
			s->fn(s->ctx, i);
	}
}

static void *spread_helper(void *arg)
{
	struct spread *s = arg;
	unsigned seen = 0;

	pthread_mutex_lock(&s->lock);
	for (;;) {
		while (!s->stop && (s->round == seen || !s->open))
			pthread_cond_wait(&s->go, &s->lock);
		if (s->stop)
			break;
		seen = s->round;
		s->busy++;
		pthread_mutex_unlock(&s->lock);
		spread_work(s);
		pthread_mutex_lock(&s->lock);
		if (--s->busy == 0)
			pthread_cond_signal(&s->idle);
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

int spread_helpers_for(long ncpu)
{
	if (ncpu <= 1)
		return 0;
	return ncpu - 1 < SPREAD_MAX_HELPERS ? (int)ncpu - 1 : SPREAD_MAX_HELPERS;
}

struct spread *spread_new(int helpers)
{
	struct spread *s = calloc(1, sizeof *s);

	if (!s)
		return NULL;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->go, NULL);
	pthread_cond_init(&s->idle, NULL);
	if (helpers > SPREAD_MAX_HELPERS)
		helpers = SPREAD_MAX_HELPERS;
	for (; s->helpers < helpers; s->helpers++) {
		if (pthread_create(&s->threads[s->helpers], NULL, spread_helper, s) != 0) {
			spread_free(s);
			return NULL;
		}
	}
	return s;
}

void spread_run(struct spread *s, size_t n, size_t min, spread_fn fn, void *ctx)
{
	if (!s || !s->helpers || n < min || n < 2) {
		for (size_t i = 0; i < n; i++)
			fn(ctx, i);
		return;
	}
	pthread_mutex_lock(&s->lock);
	s->n = n;
	s->fn = fn;
	s->ctx = ctx;
	__atomic_store_n(&s->next, 0, __ATOMIC_RELAXED);
	s->round++;
	s->open = 1;
	pthread_cond_broadcast(&s->go);
	pthread_mutex_unlock(&s->lock);
	spread_work(s);
	/* every call is claimed: a helper that has not woken yet must not
	 * join this round late; those inside finish their chunks */
	pthread_mutex_lock(&s->lock);
	s->open = 0;
	while (s->busy)
		pthread_cond_wait(&s->idle, &s->lock);
	pthread_mutex_unlock(&s->lock);
}

void spread_free(struct spread *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	s->stop = 1;
	pthread_cond_broadcast(&s->go);
	pthread_mutex_unlock(&s->lock);
	for (int i = 0; i < s->helpers; i++)
		pthread_join(s->threads[i], NULL);
	pthread_cond_destroy(&s->idle);
	pthread_cond_destroy(&s->go);
	pthread_mutex_destroy(&s->lock);
	free(s);
}
