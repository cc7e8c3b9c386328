/*
 * dispatch.h - where a request runs, and what becomes of it.
 *
 * A request the listener hands on is read on the listener's thread, and a
 * long poll that memory alone can answer or park is dealt with right
 * there, without a store connection or a query to Galaxy's database
 * (struct call's memory_only); everything else goes, read already, to the
 * bounded pool of workers (workers.c), each with its store connection.
 */
#ifndef GC_DISPATCH_H
#define GC_DISPATCH_H

struct auth;
struct cfg;
struct fcgiio;
struct fcgiio_req;
struct hub;
struct park;
struct presence;
struct rate;
struct worker;
struct workers;

/* What a request is run with: set by server_run, then only read (but
 * heavy). */
struct dispatch {
	const struct cfg *cfg;
	struct auth *auth;
	struct hub *hub;           /* NULL while the store cannot be opened (degraded.c) */
	struct rate *rate;
	struct presence *presence; /* the users this process saw lately, for the store and the hub */
	struct fcgiio *io;
	struct workers *workers;
	struct park *park;
	int heavy;                 /* heavy requests running now (struct call), atomic */
};

/* The listener's callback (listener_ready_fn, ctx a struct dispatch):
 * fd's request can be read from in without waiting. */
void dispatch_ready(int fd, int in, void *ctx);

/* Reads r's request and runs it here, on worker wk (or a stand-in for one,
 * degraded.c). */
void dispatch_handle(struct dispatch *d, struct worker *wk, struct fcgiio_req *r);

/* Queues r, not read yet, for a worker (out of memory: answers 500 here). */
void dispatch_queue(struct dispatch *d, struct fcgiio_req *r);

#endif
