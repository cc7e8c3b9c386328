/*
 * dispatch.h - where a request runs, and what becomes of it.
 *
 * A request the listener hands on is read on the listener's thread, and a
 * long poll that memory alone can answer or park is dealt with right
 * there, without a store connection or a query to Galaxy's database
 * (struct call's memory_only); everything else goes, read already, to the
 * bounded pool of workers (workers.c), each with its store connection.
 *
 * A stream (GET /v1/stream) is its handler run in turns: each answer is
 * written as a piece of the stream (fcgiio_send), and the handler runs
 * again from the stream's cursor, waiting in the hub between turns like
 * a long poll (park.c), until stream_max_seconds, its session gone, or its
 * client gone. A turn runs where a request would: from memory alone on
 * the hub's or the listener's thread, else on a worker; a waiting stream
 * holds no thread.
 */
#ifndef GC_DISPATCH_H
#define GC_DISPATCH_H

struct auth;
struct cfg;
struct fcgiio;
struct fcgiio_req;
struct hub;
struct park;
struct postbatch;
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
	struct postbatch *batch;   /* the workers' posts, committed together; NULL: each alone */
	struct park *park;
	int heavy;                 /* heavy requests running now (struct call), atomic */
};

/* The listener's callback (listener_ready_fn, ctx a struct dispatch):
 * fd's request can be read from in without waiting. */
void dispatch_ready(int fd, int in, void *ctx);

/* Reads r's request and runs it here, on worker wk (or a stand-in for one,
 * degraded.c). */
void dispatch_handle(struct dispatch *d, struct worker *wk, struct fcgiio_req *r);

/* park.c's park_stream_fn for d's park: a stream's wait is over, its next
 * piece (or why it ends) in rep; the stream goes on from here. */
struct reply;
void dispatch_stream_wake(void *stream, struct reply *rep, long long cursor, struct worker *wk);

/* Queues r, not read yet, for a worker (out of memory: answers 500 here). */
void dispatch_queue(struct dispatch *d, struct fcgiio_req *r);

#endif
