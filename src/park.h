/*
 * park.h - a long poll that waits in the hub, from its handler's wait
 * request (struct call's wait) until its answer is written.
 *
 * The hub answers the wait at once from its ring when events are there
 * already, or parks it: a parked poll holds no thread. When the hub completes it (events it may
 * see, or its deadline), its answer goes out from the hub's thread if the
 * auth cache still vouches for its session and the socket can take the
 * answer whole; else a worker checks the session again (Galaxy's
 * database) or writes it. So a poll outlives a logout by no more than
 * auth_cache_seconds, however long it waited.
 *
 * A stream (GET /v1/stream) waits in turns: each turn is a wait like a
 * poll's, whose end, checked the same way, goes to its owner (dispatch.c)
 * to be written as a piece of the stream before the next turn.
 */
#ifndef GC_PARK_H
#define GC_PARK_H

#include <stddef.h>

struct auth;
struct cfg;
struct fcgiio_req;
struct hub;
struct hub_waiter;
struct reply;
struct workers;

struct worker;

/* A stream's wait is over: rep is its next piece (200, events or a
 * heartbeat, of the answer's cursor) or why it ends (an error: the
 * session gone, the wait made way for a newer one). Called once per wait,
 * on a worker wk, or with wk NULL on a thread that must not wait. rep
 * stays the caller's. */
typedef void park_stream_fn(void *stream, struct reply *rep, long long cursor, struct worker *wk);

/* What answering a parked poll takes: set by server_run, then only read. */
struct park {
	const struct cfg *cfg;
	struct auth *auth;
	struct hub *hub;
	struct workers *workers;   /* for what the hub's thread must not wait on */
	park_stream_fn *stream;    /* a stream's wait's end goes there (dispatch.c) */
};

/* Takes w, the wait a handler asked for on r's behalf, to the hub
 * (hub_take), and w with it. Returns 1 when events were there already:
 * their answer is in rep, for the caller to send, and its cursor in
 * *cursor; 0 when w waits in the hub, which answers r (r is no longer the
 * caller's), or, stream not NULL, gives its end to p->stream; -1 when the
 * hub cannot take it (its ring no longer holds every event after
 * w->checked, it is stopping, or out of memory): only the store can
 * answer. */
int park_take(struct park *p, struct fcgiio_req *r, struct hub_waiter *w, void *stream,
              struct reply *rep, long long *cursor);

#endif
