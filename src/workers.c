/*
 * workers.c - the worker threads and their queue (see workers.h): one
 * mutex and one condition variable for the queue, a thread per worker for
 * the life of the server.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "cfg.h"
#include "store.h"
#include "workers.h"

struct workers {
	const struct cfg *cfg;
	pthread_mutex_t lock;
	pthread_cond_t more;        /* the queue got a job, or stopping */
	struct job *head, *tail;
	int stopping;
	int n;
	pthread_t threads[WORKERS_MAX];
};

void workers_push(struct workers *ws, struct job *j)
{
	pthread_mutex_lock(&ws->lock);
	j->next = NULL;
	if (ws->tail)
		ws->tail->next = j;
	else
		ws->head = j;
	ws->tail = j;
	pthread_cond_signal(&ws->more);
	pthread_mutex_unlock(&ws->lock);
}

/* The next job, waiting for one; NULL once stopping with none queued. */
static struct job *workers_next(struct workers *ws)
{
	pthread_mutex_lock(&ws->lock);
	while (!ws->head && !ws->stopping)
		pthread_cond_wait(&ws->more, &ws->lock);
	struct job *j = ws->head;
	if (j) {
		ws->head = j->next;
		if (!ws->head)
			ws->tail = NULL;
	}
	pthread_mutex_unlock(&ws->lock);
	return j;
}

static void *workers_main(void *arg)
{
	struct workers *ws = arg;
	struct worker wk = { .cfg = ws->cfg };

	for (struct job *j; (j = workers_next(ws));)
		j->run(j, &wk);
	store_close(wk.store);
	return NULL;
}

int workers_new(const struct cfg *cfg, int n, struct workers **out, char *err, size_t errlen)
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
	pthread_mutex_init(&ws->lock, NULL);
	pthread_cond_init(&ws->more, NULL);
	for (; ws->n < n; ws->n++)
		if (pthread_create(&ws->threads[ws->n], NULL, workers_main, ws) != 0) {
			snprintf(err, errlen, "cannot start worker thread %d of %d", ws->n + 1, n);
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
	for (int i = 0; i < ws->n; i++)
		pthread_join(ws->threads[i], NULL);
	pthread_cond_destroy(&ws->more);
	pthread_mutex_destroy(&ws->lock);
	free(ws);
}

struct store *workers_store(struct worker *wk)
{
	if (!wk->store && wk->cfg &&
	    store_open(wk->cfg->store, (const char *const *)wk->cfg->persistent_rooms,
	               wk->cfg->n_persistent_rooms, &wk->store, wk->store_error,
	               sizeof wk->store_error) < 0)
		wk->store = NULL;
	return wk->store;
}

void workers_store_failed(struct worker *wk)
{
	store_close(wk->store);
	wk->store = NULL;
}
