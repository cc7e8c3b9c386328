/*
 * postbatch.c - group commit of a process's concurrent posts (see
 * postbatch.h): a queue under one mutex, and a leader at a time that
 * takes the whole queue (up to POSTBATCH_MAX posts), runs it through
 * store_post_batch() on its own connection, and wakes the posters.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "monotime.h"
#include "postbatch.h"

#define POSTBATCH_MAX 64   /* posts per transaction, at most */
#define POSTBATCH_WAIT_US 500   /* how long a leader waits for one more post than
                                 * the last batch had, when that one had company */

struct postbatch_item {
	struct store_post post;
	int done;                     /* its batch has run (under mu) */
	struct postbatch_item *next;
};

struct postbatch {
	pthread_mutex_t mu;
	pthread_cond_t done;          /* a batch has run */
	pthread_cond_t more;          /* a post was queued (CLOCK_MONOTONIC) */
	struct postbatch_item *head, **tail;   /* queued, oldest first */
	size_t queued;                /* how many */
	size_t last_n;                /* the last batch's posts */
	int leading;                  /* a leader runs a batch now */
};

struct postbatch *postbatch_new(void)
{
	struct postbatch *b = calloc(1, sizeof *b);

	if (!b)
		return NULL;
	pthread_mutex_init(&b->mu, NULL);
	pthread_cond_init(&b->done, NULL);
	pthread_condattr_t mono;   /* a leader's wait is not moved by the clock being set */
	pthread_condattr_init(&mono);
	pthread_condattr_setclock(&mono, CLOCK_MONOTONIC);
	pthread_cond_init(&b->more, &mono);
	pthread_condattr_destroy(&mono);
	b->tail = &b->head;
	return b;
}

void postbatch_free(struct postbatch *b)
{
	if (!b)
		return;
	pthread_cond_destroy(&b->done);
	pthread_cond_destroy(&b->more);
	pthread_mutex_destroy(&b->mu);
	free(b);
}

/* As the leader (b->leading set, mu held): runs the oldest queued posts
 * on st, letting go of mu meanwhile. When the last batch had company and
 * no more posts than it had are queued, first waits up to
 * POSTBATCH_WAIT_US for one more: the posters a batch acknowledged come
 * back while the next batch runs, and without the wait they split into
 * cohorts that each pay a commit (bench/README.md, "Tenth round"). */
static void postbatch_lead(struct postbatch *b, struct store *st)
{
	struct postbatch_item *batch[POSTBATCH_MAX];
	struct store_post *posts[POSTBATCH_MAX];
	size_t n = 0;

	if (b->last_n > 1 && b->queued <= b->last_n) {
		struct timespec until = monotime_after_us(POSTBATCH_WAIT_US);

		while (b->queued <= b->last_n &&
		       pthread_cond_timedwait(&b->more, &b->mu, &until) == 0)
			;
	}
	while (b->head && n < POSTBATCH_MAX) {
		batch[n] = b->head;
		posts[n] = &b->head->post;
		n++;
		if (!(b->head = b->head->next))
			b->tail = &b->head;
	}
	b->queued -= n;
	b->last_n = n;
	pthread_mutex_unlock(&b->mu);
	store_post_batch(st, posts, n);
	pthread_mutex_lock(&b->mu);
	for (size_t i = 0; i < n; i++)
		batch[i]->done = 1;
	b->leading = 0;
	pthread_cond_broadcast(&b->done);
}

enum store_result postbatch_post(struct postbatch *b, struct store *st, const struct user *u,
                                 const char *room, long long to_user_id,
                                 const char *text, const char *client_id, long long reply_to,
                                 const struct store_mention *mentions, size_t n,
                                 long long *id, char ts[32], int *created,
                                 char *err, size_t errlen)
{
	struct postbatch_item it = {
		.post = { .user = u, .room = room, .to_user_id = to_user_id, .text = text,
		          .client_id = client_id, .reply_to = reply_to, .mentions = mentions,
		          .n_mentions = n },
	};

	if (!b)
		return store_post_mentioning(st, u, room, to_user_id, text, client_id, reply_to,
		                             mentions, n, id, ts, created, err, errlen);
	pthread_mutex_lock(&b->mu);
	*b->tail = &it;
	b->tail = &it.next;
	b->queued++;
	pthread_cond_signal(&b->more);
	while (!it.done) {
		if (!b->leading) {
			b->leading = 1;
			postbatch_lead(b, st);
		} else {
			pthread_cond_wait(&b->done, &b->mu);
		}
	}
	pthread_mutex_unlock(&b->mu);
	if (it.post.alone)
		return store_post_mentioning(st, u, room, to_user_id, text, client_id, reply_to,
		                             mentions, n, id, ts, created, err, errlen);
	*id = it.post.id;
	*created = it.post.created;
	snprintf(ts, 32, "%s", it.post.ts);
	snprintf(err, errlen, "%s", it.post.err);
	return it.post.res;
}
