/*
 * dispatch.c - where a request runs (see dispatch.h): the listener's
 * thread for what memory can answer, a worker for the rest.
 */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "auth.h"
#include "cfg.h"
#include "dispatch.h"
#include "fcgiio.h"
#include "hub.h"
#include "log.h"
#include "monotime.h"
#include "park.h"
#include "request.h"
#include "router.h"
#include "store.h"
#include "workers.h"

/* A request for a worker: read already (read set, in req), or not. */
struct dispatch_job {
	struct job job;            /* first */
	struct dispatch *d;
	struct fcgiio_req *r;
	int read;
	struct request req;        /* when read */
};

/* How many times a worker runs a poll whose wait the hub does not take
 * (each time asking the store again) before answering it empty. */
#define DISPATCH_WAIT_TRIES 3

/* How long a stream goes without writing at most: a comment then, so that
 * neither the client nor a proxy takes it for dead (API.md). */
#define DISPATCH_HEARTBEAT_MS 15000

/* The head of every stream, before its first piece: the delay before an
 * EventSource reconnects, and an event that says the stream flows (a
 * client that does not see it soon is behind a buffering proxy, and
 * falls back to the long poll). */
static const char dispatch_stream_hello[] = "retry: 2000\nevent: ready\ndata: {}\n\n";

/* A stream under way (GET /v1/stream): its request, kept from one turn
 * (a run of the handler and its wait) to the next. Owned by whoever runs
 * its turn: the hub (through its waiter), a worker's job, or the thread
 * running it now. */
struct dispatch_stream {
	struct dispatch *d;
	struct fcgiio_req *r;
	struct request req;
	long long cursor;      /* every event up to it that the user may see is out */
	long long end_ms;      /* stream_max_seconds after the request arrived */
	long long wrote_ms;    /* when the last piece went out */
	int started;           /* its head is out */
	int route;             /* 1 + its route (struct call's resume_route) */
	struct auth_held held; /* its session's last answer (router.c) */
};

/* A stream's turn for a worker: piece to write first (status 0: none). */
struct dispatch_stream_job {
	struct job job;        /* first */
	struct dispatch_stream *s;
	struct reply piece;
	long long cursor;
};

/* What a run of the handler said besides its answer. */
struct dispatch_out {
	int stream;            /* the route is a stream's */
	int route;             /* the router's index of it (-1: none) */
	long long cursor;      /* the answer's cursor (a poll's, a stream's) */
};

/* When a stream's wait ends at the latest: at its next heartbeat, when
 * the answer about its session it holds is no longer the auth cache's, at
 * the latest auth_cache_seconds after its check (so a logout ends it
 * within about twice that), or at its end. */
static long long dispatch_stream_deadline(const struct dispatch_stream *s)
{
	long long now = monotime_ms(), window = s->d->cfg->auth_cache_seconds * 1000LL;
	long long t = s->wrote_ms + DISPATCH_HEARTBEAT_MS;

	if (window < 1000)
		window = 1000;
	if (now + window < t)
		t = now + window;
	if (s->held.until_ms > now && s->held.until_ms < t)
		t = s->held.until_ms;
	if (s->end_ms < t)
		t = s->end_ms;
	return t > now ? t : now + 1;
}

/* Runs req, read from r, once: on worker wk, or with wk NULL from memory
 * alone; s is the stream req belongs to when it is under way (else NULL).
 * Returns 1 when rep is the answer to send (a stream's next piece, or
 * why it ends), 0 when the request waits in the hub, -1 when only the
 * store can answer: a worker is to run it (again). A wait the hub does
 * not take on the last try is answered with no events instead, as at its
 * deadline (a stream's ends). A new stream's wait is not taken: its first
 * piece, its cursor, goes out first. */
static int dispatch_call(struct dispatch *d, struct worker *wk, struct fcgiio_req *r,
                         struct request *req, struct dispatch_stream *s, struct reply *rep,
                         struct dispatch_out *out, int last_try)
{
	struct call c = {
		.cfg = d->cfg, .auth = d->auth, .hub = d->hub, .rate = d->rate, .presence = d->presence,
		.batch = d->batch,
		.store = wk ? workers_store(wk) : NULL, .store_error = wk ? wk->store_error : NULL,
		.req = req, .rep = rep, .heavy = &d->heavy, .memory_only = !wk,
		.resume = s ? &s->cursor : NULL, .held = s ? &s->held : NULL,
		.resume_route = s ? s->route : 0,
	};

	router_dispatch(&c);
	fcgiio_set_route(r, c.route);
	if (c.store_failed && wk && wk->store)
		workers_store_failed(wk);   /* a failing connection is remade on the next request */
	out->stream = c.stream;
	out->route = c.route;
	out->cursor = c.cursor;
	if (c.not_in_memory)
		return -1;
	if (!c.wait)
		return 1;
	long long since = c.wait->since;
	if (c.stream && !s) {
		hub_waiter_free(c.wait);
		api_reply_poll(&c, &(struct store_events){ 0 }, since);
		out->cursor = c.cursor;
		return 1;
	}
	if (s)
		c.wait->deadline = dispatch_stream_deadline(s);
	int rc = park_take(d->park, r, c.wait, s, rep, &out->cursor);
	if (rc >= 0)
		return rc;
	if (!last_try)
		return -1;
	log_warning("events: poll of user %lld could not be parked; answering empty", c.user.id);
	if (s)
		reply_error(rep, 503, "the server cannot hold the stream now; reconnect");
	else
		api_reply_poll(&c, &(struct store_events){ 0 }, since);
	out->cursor = since;
	return 1;
}

/* dispatch_call() until it is dealt with: once from memory alone (wk
 * NULL), or on a worker as often as a wait the hub will not take asks. */
static int dispatch_try(struct dispatch *d, struct worker *wk, struct fcgiio_req *r,
                        struct request *req, struct dispatch_stream *s, struct reply *rep,
                        struct dispatch_out *out)
{
	int rc;

	for (int tries = 1;; tries++) {
		rc = dispatch_call(d, wk, r, req, s, rep, out, wk && tries == DISPATCH_WAIT_TRIES);
		if (rc >= 0 || !wk)
			return rc;
		reply_clear(rep);   /* the hub would not take its wait: the store looks again */
	}
}

static void dispatch_stream_go(struct dispatch_stream *s, struct worker *wk, struct reply *piece,
                               long long cursor);

static void dispatch_stream_job_run(struct job *job, struct worker *wk)
{
	struct dispatch_stream_job *j = (struct dispatch_stream_job *)job;

	dispatch_stream_go(j->s, wk, j->piece.status ? &j->piece : NULL, j->cursor);
	reply_clear(&j->piece);
	free(j);
}

/* Hands s's turn to a worker, with piece (taken, may be NULL) to write
 * first. 0, or -1 when out of memory. */
static int dispatch_stream_later(struct dispatch_stream *s, struct reply *piece, long long cursor)
{
	struct dispatch_stream_job *j = calloc(1, sizeof *j);

	if (!j)
		return -1;
	*j = (struct dispatch_stream_job){ .job.run = dispatch_stream_job_run, .s = s,
	                                   .cursor = cursor };
	if (piece) {
		j->piece = *piece;
		*piece = (struct reply){ 0 };
	}
	workers_push(s->d->workers, &j->job);
	return 0;
}

static void dispatch_stream_end(struct dispatch_stream *s)
{
	fcgiio_end(s->r);
	request_free(&s->req);
	free(s);
}

/* Writes piece, s's next (of cursor), unless it is only a heartbeat that
 * is not due yet. 0, or -1 when the client is gone. */
static int dispatch_stream_write(struct dispatch_stream *s, struct reply *piece, long long cursor)
{
	long long now = monotime_ms();
	int rc = 0;

	if (!s->started) {
		/* the head: the hello before the piece */
		size_t n = sizeof dispatch_stream_hello - 1;
		char *body = malloc(n + piece->body_len + 1);
		if (!body)
			return -1;
		memcpy(body, dispatch_stream_hello, n);
		memcpy(body + n, piece->body, piece->body_len);
		free(piece->body);
		piece->body = body;
		piece->body_len += n;
		piece->stream = 1;
		s->started = 1;
	} else if (cursor == s->cursor && now - s->wrote_ms < DISPATCH_HEARTBEAT_MS - 500) {
		return 0;   /* no event, and a heartbeat not due yet: the turn re-checked the session */
	}
	rc = fcgiio_send(s->r, piece);
	s->cursor = cursor;
	s->wrote_ms = now;
	return rc;
}

/* Runs s from here: writes piece (NULL: none) of cursor, then turn after
 * turn until one waits in the hub or goes to a worker, or the stream ends
 * (an answer that is not a piece, its client gone, stream_max_seconds).
 * wk: on a worker; NULL on a thread that must not wait. park.c's
 * park_stream_fn. */
static void dispatch_stream_go(struct dispatch_stream *s, struct worker *wk, struct reply *piece,
                               long long cursor)
{
	struct reply rep = { 0 };
	struct dispatch_out out;

	for (;;) {
		if (piece) {
			if (piece->status != 200)
				break;
			if (!wk && !fcgiio_fits(s->r, piece->body_len + 1024)) {
				if (dispatch_stream_later(s, piece, cursor) < 0)
					break;
				reply_clear(&rep);
				return;
			}
			if (dispatch_stream_write(s, piece, cursor) < 0)
				break;
		}
		reply_clear(&rep);
		/* a turn re-checks the session and counts as the user's request
		 * (presence): none for a client that has gone, e.g. after its
		 * goodbye */
		if (monotime_ms() >= s->end_ms || fcgiio_gone(s->r))
			break;
		int rc = dispatch_try(s->d, wk, s->r, &s->req, s, &rep, &out);
		if (rc == 0)
			return;
		if (rc < 0) {
			if (dispatch_stream_later(s, NULL, 0) < 0)
				break;
			reply_clear(&rep);
			return;
		}
		piece = &rep;
		cursor = out.cursor;
	}
	reply_clear(&rep);
	dispatch_stream_end(s);
}

void dispatch_stream_wake(void *stream, struct reply *rep, long long cursor, struct worker *wk)
{
	dispatch_stream_go(stream, wk, rep, cursor);
}

/* Starts the stream of req, read from r, whose first piece is rep (of
 * out's cursor, on out's route); req is taken. 0, or -1 when out of
 * memory. */
static int dispatch_stream_start(struct dispatch *d, struct worker *wk, struct fcgiio_req *r,
                                 struct request *req, struct reply *rep,
                                 const struct dispatch_out *out)
{
	struct dispatch_stream *s = calloc(1, sizeof *s);

	if (!s)
		return -1;
	s->d = d;
	s->r = r;
	request_move(&s->req, req);
	s->end_ms = s->req.arrived_ms + d->cfg->stream_max_seconds * 1000LL;
	s->cursor = out->cursor;
	s->route = out->route + 1;
	dispatch_stream_go(s, wk, rep, out->cursor);
	return 0;
}

/* Runs req, read from r: on worker wk, or with wk NULL on a thread that
 * must not wait (from memory alone). Returns 1 when it is dealt with
 * (answered, waiting in the hub, or a stream under way), 0 when only a
 * worker can run it. */
static int dispatch_run(struct dispatch *d, struct worker *wk, struct fcgiio_req *r,
                        struct request *req)
{
	struct reply rep = { 0 };
	struct dispatch_out out;
	int rc = dispatch_try(d, wk, r, req, NULL, &rep, &out);

	if (rc > 0 && out.stream && rep.status == 200 &&
	    dispatch_stream_start(d, wk, r, req, &rep, &out) < 0) {
		reply_clear(&rep);
		reply_error(&rep, 500, "out of memory");
	} else if (rc > 0 && out.stream && rep.status == 200) {
		rc = 0;   /* the stream's now */
	}
	if (rc > 0)
		fcgiio_respond(r, &rep, wk ? NULL : d->workers);
	reply_clear(&rep);
	return rc >= 0;
}

void dispatch_handle(struct dispatch *d, struct worker *wk, struct fcgiio_req *r)
{
	struct request req;
	struct reply rep = { 0 };

	if (fcgiio_read(r, &req, &rep) < 0)
		fcgiio_respond(r, &rep, NULL);
	else
		dispatch_run(d, wk, r, &req);
	request_free(&req);
	reply_clear(&rep);
}

static void dispatch_job_run(struct job *job, struct worker *wk)
{
	struct dispatch_job *j = (struct dispatch_job *)job;

	if (j->read) {
		dispatch_run(j->d, wk, j->r, &j->req);
		request_free(&j->req);
	} else {
		dispatch_handle(j->d, wk, j->r);
	}
	free(j);
}

void dispatch_queue(struct dispatch *d, struct fcgiio_req *r)
{
	struct dispatch_job *j = calloc(1, sizeof *j);
	struct reply rep = { 0 };

	if (j) {
		*j = (struct dispatch_job){ .job.run = dispatch_job_run, .d = d, .r = r };
		workers_push(d->workers, &j->job);
		return;
	}
	reply_error(&rep, 500, "out of memory");
	fcgiio_respond(r, &rep, NULL);
	reply_clear(&rep);
}

/* The request is read here, and a long poll that memory alone can answer
 * or park is dealt with here; everything else goes to the workers, read
 * already. */
void dispatch_ready(int fd, int in, void *ctx)
{
	struct dispatch *d = ctx;
	struct reply rep = { 0 };
	int busy = 0;
	struct fcgiio_req *r = fcgiio_accept(d->io, fd, in, &busy);
	struct dispatch_job *j = r ? calloc(1, sizeof *j) : NULL;

	if (!r)
		return;
	if (!j)
		reply_error(&rep, 500, "out of memory");
	else if (busy) {
		reply_header(&rep, "Retry-After", "5");
		reply_error(&rep, 503, "too many requests in flight (max_connections = %d)",
		            d->cfg->max_connections);
	}
	int bad = !j || busy || fcgiio_read(r, &j->req, &rep) < 0;
	if (bad)
		fcgiio_respond(r, &rep, d->workers);
	reply_clear(&rep);
	if (bad || dispatch_run(d, NULL, r, &j->req)) {
		if (j)
			request_free(&j->req);
		free(j);
		return;
	}
	j->job.run = dispatch_job_run;
	j->d = d;
	j->r = r;
	j->read = 1;
	workers_push(d->workers, &j->job);
}
