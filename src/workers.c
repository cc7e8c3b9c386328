/*
 * workers.c - the worker threads and their queue (see workers.h): one
 * mutex and one condition variable for the queue, a thread per worker for
 * the life of the server; in a lean process, from the first job that
 * finds every other worker busy, still busy WORKERS_GRACE_MS later.
 *
 * Lean processes start them when needed because a process given one
 * request at a time (mod_fcgid) woke one worker after another, and each
 * worker's thread held its own malloc arena, stack and store connection
 * (SQLite's schema, statements and page cache): most of such a process's
 * memory (bench/README.md, "mod_fcgid memory"). For the same reason their
 * workers hand their store connection back after each job, and the next
 * job, on whichever worker, takes it again: a second connection is made
 * only while two jobs run at once, and is closed after (a worker still
 * finishing the last request when mod_fcgid sends the next made a
 * second worker, and with it a second connection, in many processes).
 */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "cfg.h"
#include "monotime.h"
#include "store.h"
#include "workers.h"

#define WORKERS_GRACE_MS 5   /* lean: how long a job waits for a busy worker
                              * before another worker is started for it */

struct workers {
	const struct cfg *cfg;
	pthread_mutex_t lock;
	pthread_cond_t more;        /* the queue got a job, or stopping */
	pthread_cond_t taken;       /* a worker took a job (CLOCK_MONOTONIC) */
	struct job *head, *tail;
	int queued;                 /* jobs in the queue */
	int waiting;                /* workers waiting for a job */
	int coming;                 /* workers about to ask for a job: just
	                             * started, or (lean) tidying up after one */
	int stopping;
	int lean;                   /* started when needed; the heap's free pages given back */
	int n, max;                 /* workers started; at most */
	struct store *spare;        /* lean: the connection no job holds, or NULL */
	pthread_t threads[WORKERS_MAX];
};

static void *workers_main(void *arg);

static __thread int workers_on_worker;   /* this thread is a worker */

/* Starts one more worker unless max run already or stopping (under
 * lock): 0, or -1 when the thread cannot be started (the workers there
 * take the job in turn). */
static int workers_start(struct workers *ws)
{
	if (ws->n >= ws->max || ws->stopping)
		return 0;
	if (pthread_create(&ws->threads[ws->n], NULL, workers_main, ws) != 0)
		return -1;
	ws->n++;
	ws->coming++;
	return 0;
}

/* 1 when more jobs are queued than workers are waiting or coming (under
 * lock). In a lean pool, a job queued by another thread (the listener's
 * requests, the hub's) first gives the busy workers WORKERS_GRACE_MS to
 * take it: mod_fcgid sends the next request as soon as it has the answer,
 * while the worker that wrote it is still closing the request, and a new
 * worker for it would be a second of everything. A worker's own job (a
 * stream's next turn) never waits for itself. */
static int workers_short(struct workers *ws)
{
	struct timespec until;

	if (!ws->lean || workers_on_worker || ws->queued <= ws->waiting + ws->coming ||
	    ws->n >= ws->max)
		return ws->queued > ws->waiting + ws->coming;
	until = monotime_after_us(WORKERS_GRACE_MS * 1000L);
	while (ws->queued > ws->waiting + ws->coming && !ws->stopping &&
	       pthread_cond_timedwait(&ws->taken, &ws->lock, &until) != ETIMEDOUT)
		;
	return ws->queued > ws->waiting + ws->coming;
}

void workers_push(struct workers *ws, struct job *j)
{
	pthread_mutex_lock(&ws->lock);
	j->next = NULL;
	if (ws->tail)
		ws->tail->next = j;
	else
		ws->head = j;
	ws->tail = j;
	ws->queued++;
	pthread_cond_signal(&ws->more);
	/* a worker just started, or tidying up after its job, takes the job
	 * in a moment (mod_fcgid sends a new process its first request at
	 * once): only a job that finds none of them starts another */
	if (workers_short(ws))
		workers_start(ws);
	pthread_mutex_unlock(&ws->lock);
}

/* The next job, waiting for one; NULL once stopping with none queued.
 * coming: the worker was counted in coming. */
static struct job *workers_next(struct workers *ws, int coming)
{
	pthread_mutex_lock(&ws->lock);
	ws->coming -= coming;
	while (!ws->head && !ws->stopping) {
		ws->waiting++;
		pthread_cond_wait(&ws->more, &ws->lock);
		ws->waiting--;
	}
	struct job *j = ws->head;
	if (j) {
		ws->queued--;
		ws->head = j->next;
		if (!ws->head)
			ws->tail = NULL;
		pthread_cond_broadcast(&ws->taken);
	}
	pthread_mutex_unlock(&ws->lock);
	return j;
}

/* Lean: takes the spare connection, if any, for the next job of wk. */
static void workers_take(struct workers *ws, struct worker *wk)
{
	pthread_mutex_lock(&ws->lock);
	if (!wk->store) {
		wk->store = ws->spare;
		ws->spare = NULL;
	}
	pthread_mutex_unlock(&ws->lock);
}

/* Lean: gives wk's connection back, trimmed, as the spare (closed when
 * there is one already), and the heap's free pages to the system; counted
 * in coming until the next workers_next(). */
static void workers_give(struct workers *ws, struct worker *wk)
{
	struct store *extra = NULL;

	pthread_mutex_lock(&ws->lock);
	ws->coming++;
	pthread_mutex_unlock(&ws->lock);
	store_trim(wk->store);
	pthread_mutex_lock(&ws->lock);
	if (ws->spare)
		extra = wk->store;
	else
		ws->spare = wk->store;
	wk->store = NULL;
	pthread_mutex_unlock(&ws->lock);
	store_close(extra);
	malloc_trim(0);
}

static void *workers_main(void *arg)
{
	struct workers *ws = arg;
	struct worker wk = { .cfg = ws->cfg };
	int coming = 1;   /* counted by workers_start */

	workers_on_worker = 1;
	for (struct job *j; (j = workers_next(ws, coming));) {
		coming = 0;
		if (ws->lean)
			workers_take(ws, &wk);
		j->run(j, &wk);
		if (ws->lean) {
			workers_give(ws, &wk);
			coming = 1;
		}
	}
	store_close(wk.store);
	return NULL;
}

int workers_new(const struct cfg *cfg, int n, int lean, struct workers **out, char *err,
                size_t errlen)
{
	struct workers *ws;

	if (n < 1 || n > WORKERS_MAX) {
		snprintf(err, errlen, "%d workers: from 1 to %d", n, WORKERS_MAX);
		return -1;
	}
	if (!(ws = calloc(1, sizeof *ws))) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	ws->cfg = cfg;
	ws->max = n;
	ws->lean = lean;
	pthread_condattr_t mono;
	pthread_condattr_init(&mono);
	pthread_condattr_setclock(&mono, CLOCK_MONOTONIC);
	pthread_mutex_init(&ws->lock, NULL);
	pthread_cond_init(&ws->more, NULL);
	pthread_cond_init(&ws->taken, &mono);
	pthread_condattr_destroy(&mono);
	pthread_mutex_lock(&ws->lock);
	while (ws->n < (lean ? 1 : n) && workers_start(ws) == 0)   /* lean: the first; */
		;                                                       /* the others when needed */
	int started = ws->n;
	pthread_mutex_unlock(&ws->lock);
	if (started < (lean ? 1 : n)) {
		snprintf(err, errlen, "cannot start worker thread %d of %d", started + 1, n);
		workers_free(ws);
		return -1;
	}
	*out = ws;
	return 0;
}

void workers_free(struct workers *ws)
{
	if (!ws)
		return;
	pthread_mutex_lock(&ws->lock);
	ws->stopping = 1;
	pthread_cond_broadcast(&ws->more);
	pthread_mutex_unlock(&ws->lock);
	for (int i = 0; i < ws->n; i++)   /* none is started once stopping */
		pthread_join(ws->threads[i], NULL);
	store_close(ws->spare);
	pthread_cond_destroy(&ws->more);
	pthread_cond_destroy(&ws->taken);
	pthread_mutex_destroy(&ws->lock);
	free(ws);
}

struct store *workers_store(struct worker *wk)
{
	if (!wk->store && wk->cfg &&
	    store_open(wk->cfg->store, (const char *const *)wk->cfg->persistent_rooms,
	               wk->cfg->n_persistent_rooms, (const char *const *)wk->cfg->room_topics,
	               wk->cfg->n_room_topics, &wk->store, wk->store_error,
	               sizeof wk->store_error) < 0)
		wk->store = NULL;
	return wk->store;
}

void workers_store_failed(struct worker *wk)
{
	store_close(wk->store);
	wk->store = NULL;
}
