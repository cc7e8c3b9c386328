/*
 * workers.h - the bounded pool of worker threads and their queue of jobs.
 *
 * A job is whatever may wait: a request that needs the store or Galaxy's
 * database, an answer the connection could not take at once. Jobs run in
 * the order they were queued. Each worker has its own store connection,
 * opened when a job first asks for it and made again after it failed; in
 * a lean pool the workers share one, a job at a time (workers.c).
 */
#ifndef GC_WORKERS_H
#define GC_WORKERS_H

#include <stddef.h>

#define WORKERS_MAX 256    /* cfg's upper bound for workers */

struct cfg;
struct store;
struct workers;

/* One worker's own: its store connection (a lean pool's: for this job). */
struct worker {
	const struct cfg *cfg;     /* NULL: a stand-in that never opens a store (degraded.c) */
	struct store *store;       /* NULL until opened, or after it failed */
	char store_error[256];     /* why store is NULL */
};

/* A piece of work: the first member of its maker's own struct. run(j, wk)
 * is called on a worker, which then owns j (run frees it). */
struct job {
	void (*run)(struct job *j, struct worker *wk);
	struct job *next;          /* the queue's */
};

/* n (1 to WORKERS_MAX) workers for cfg->store. lean, for a process where
 * memory counts more than the microseconds (server.c): one now, one more
 * whenever a job finds all busy; each hands its store connection back
 * after each job, trimmed (store_trim), for the next job to take, and
 * gives the heap's free pages back (malloc_trim). Returns 0, or -1 with err. Caller
 * stops them with workers_free(). */
int workers_new(const struct cfg *cfg, int n, int lean, struct workers **out, char *err,
                size_t errlen);

/* Queues j for the next free worker. Safe from any thread. */
void workers_push(struct workers *ws, struct job *j);

/* Runs every job still queued, then stops and joins the workers and frees
 * ws. Jobs pushed meanwhile run too. */
void workers_free(struct workers *ws);

/* wk's store connection, opened if need be: NULL, with wk->store_error
 * saying why, when it cannot be. */
struct store *workers_store(struct worker *wk);

/* wk's store connection failed (struct call's store_failed): it is closed,
 * and made again for the next job that asks. */
void workers_store_failed(struct worker *wk);

#endif
