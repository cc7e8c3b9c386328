/*
 * park.h - a long poll parked in the hub, until its answer is written.
 *
 * A parked poll holds no thread. When the hub completes it (events it may
 * see, or its deadline), its answer goes out from the hub's thread if the
 * auth cache still vouches for its session and the socket can take the
 * answer whole; else a worker checks the session again (Galaxy's
 * database) or writes it. So a poll outlives a logout by no more than
 * auth_cache_seconds, however long it waited.
 */
#ifndef GC_PARK_H
#define GC_PARK_H

#include <stddef.h>

struct auth;
struct cfg;
struct hub_waiter;
struct workers;

/* What answering a parked poll takes: set by server_run, then only read. */
struct park {
	const struct cfg *cfg;
	struct auth *auth;
	struct workers *workers;   /* for what the hub's thread must not wait on */
};

/* The hub's done callback (hub_done_fn) for a waiter whose ctx is the
 * poll's struct fcgiio_req, and that request's fcgiio ctx its struct park:
 * answers the poll with body (n events, taken) and frees w. */
void park_done(struct hub_waiter *w, char *body, size_t len, size_t n);

#endif
