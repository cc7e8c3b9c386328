/*
 * dispatch.c - where a request runs (see dispatch.h): the listener's
 * thread for what memory can answer, a worker for the rest.
 */
#include <stdlib.h>

#include "api.h"
#include "cfg.h"
#include "dispatch.h"
#include "fcgiio.h"
#include "log.h"
#include "park.h"
#include "request.h"
#include "router.h"
#include "workers.h"

/* A request for a worker: read already (read set, in req), or not. */
struct dispatch_job {
	struct job job;            /* first */
	struct dispatch *d;
	struct fcgiio_req *r;
	int read;
	struct request req;        /* when read */
};

/* Runs req, read from r: on worker wk, or with wk NULL on a thread that
 * must not wait (from memory alone). Returns 1 when it is dealt with
 * (answered, or parked in the hub), 0 when only a worker can run it. */
static int dispatch_run(struct dispatch *d, struct worker *wk, struct fcgiio_req *r,
                        struct request *req)
{
	struct reply rep = { 0 };
	struct call c = {
		.cfg = d->cfg, .auth = d->auth, .hub = d->hub, .rate = d->rate,
		.store = wk ? workers_store(wk) : NULL,
		.store_error = wk ? wk->store_error : "not on a worker",
		.req = req, .rep = &rep,
		.park_done = park_done, .park_ctx = r, .quick = !wk, .heavy = &d->heavy,
	};

	fcgiio_set_ctx(r, d->park);
	router_dispatch(&c);
	if (c.deferred) {
		reply_clear(&rep);
		return 0;
	}
	if (c.store_failed && wk && wk->store)
		workers_store_failed(wk);   /* a failing connection is remade on the next request */
	if (!c.parked)
		fcgiio_respond(r, &rep, wk ? NULL : d->workers);
	reply_clear(&rep);
	return 1;
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
