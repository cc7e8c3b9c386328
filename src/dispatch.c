/*
 * dispatch.c - where a request runs (see dispatch.h): the listener's
 * thread for what memory can answer, a worker for the rest.
 */
#include <stdlib.h>

#include "api.h"
#include "cfg.h"
#include "dispatch.h"
#include "fcgiio.h"
#include "hub.h"
#include "log.h"
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

/* Runs req, read from r, once: on worker wk, or with wk NULL from memory
 * alone. Returns 1 when rep is the answer to send, 0 when the request
 * waits in the hub, -1 when only the store can answer: a worker is to run
 * it (again). A wait the hub does not take on the last try is answered
 * with no events instead, as at its deadline. */
static int dispatch_call(struct dispatch *d, struct worker *wk, struct fcgiio_req *r,
                         struct request *req, struct reply *rep, int last_try)
{
	struct call c = {
		.cfg = d->cfg, .auth = d->auth, .hub = d->hub, .rate = d->rate, .presence = d->presence,
		.store = wk ? workers_store(wk) : NULL, .store_error = wk ? wk->store_error : NULL,
		.req = req, .rep = rep, .heavy = &d->heavy, .memory_only = !wk,
	};

	router_dispatch(&c);
	if (c.store_failed && wk && wk->store)
		workers_store_failed(wk);   /* a failing connection is remade on the next request */
	if (c.not_in_memory)
		return -1;
	if (!c.wait)
		return 1;
	long long since = c.wait->since;
	int rc = park_take(d->park, r, c.wait, rep);
	if (rc >= 0)
		return rc;
	if (!last_try)
		return -1;
	log_warning("events: poll of user %lld could not be parked; answering empty", c.user.id);
	api_reply_poll(&c, &(struct store_events){ 0 }, since);
	return 1;
}

/* Runs req, read from r: on worker wk, or with wk NULL on a thread that
 * must not wait (from memory alone). Returns 1 when it is dealt with
 * (answered, or waiting in the hub), 0 when only a worker can run it. */
static int dispatch_run(struct dispatch *d, struct worker *wk, struct fcgiio_req *r,
                        struct request *req)
{
	struct reply rep = { 0 };
	int rc;

	for (int tries = 1;; tries++) {
		rc = dispatch_call(d, wk, r, req, &rep, wk && tries == DISPATCH_WAIT_TRIES);
		if (rc >= 0 || !wk)
			break;
		reply_clear(&rep);   /* the hub would not take its wait: the store looks again */
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
