/*
 * park.c - the answer of a long poll that waited in the hub, or of a
 * stream's wait (see park.h).
 */
#include <stdlib.h>

#include "api.h"
#include "auth.h"
#include "fcgiio.h"
#include "hub.h"
#include "metrics.h"
#include "monotime.h"
#include "park.h"
#include "reply.h"
#include "request.h"
#include "router.h"
#include "workers.h"

/* A finished wait: what the hub answered (or the answer made of it). */
struct park_end {
	struct fcgiio_req *r;
	long long user_id;
	void *stream;              /* the waiter's: a stream's, else NULL */
	long long cursor;          /* the answer's (hub_waiter's cursor) */
	long long auth_until;      /* the hub_waiter's */
	char *body;                /* taken; NULL when out of memory */
	size_t len, n;
};

/* A parked poll's answer, waiting for a worker to check its session. */
struct park_job {
	struct job job;            /* first */
	struct park *p;
	struct park_end e;
};

static void park_recheck(struct job *job, struct worker *wk);

/* Answers e->r, a finished poll of e->user_id, with its 200 body of n
 * events, or hands a stream's piece to p->stream. Events go out only while
 * the request's session (or API key) is still user_id's, as for any
 * request: not checked again while the answer the wait began with holds
 * (e->auth_until: the cache would say the same); after, off a worker (wk
 * NULL) the auth cache's word is taken (auth_check_cached); when the
 * cache no longer knows, the answer is queued for a worker, which asks
 * Galaxy's database (auth_check): at most one query per session per
 * auth_cache_seconds, however many polls wait. */
static void park_answer(struct park *p, struct park_end *e, struct worker *wk)
{
	struct fcgiio_req *r = e->r;
	char *body = e->body;
	size_t len = e->len, n = e->n;
	int on_worker = wk != NULL;
	struct reply rep = { 0 };
	enum auth_result res = AUTH_OK;
	char err[256] = "";
	struct park_job *j;

	if (body && n && monotime_ms() >= e->auth_until) {
		struct auth_creds cr;
		struct user u;
		request_credentials(fcgiio_env(r), &cr.cookie, &cr.api_key, &cr.api_key_repeated);
		res = on_worker ? auth_check(p->auth, &cr, &u, NULL, err, sizeof err)
		                : auth_check_cached(p->auth, &cr, &u, NULL, err, sizeof err);
		if (res == AUTH_OK && u.id != e->user_id)
			res = AUTH_NO_SESSION;
	}
	if (res == AUTH_NOT_CACHED && (j = calloc(1, sizeof *j))) {
		*j = (struct park_job){ .job.run = park_recheck, .p = p, .e = *e };
		workers_push(p->workers, &j->job);
		return;
	}
	if (res == AUTH_OK && body)
		reply_raw(&rep, 200, body, len);
	else if (res == AUTH_OK || res == AUTH_NOT_CACHED)
		reply_error(&rep, 500, "out of memory");
	else
		router_auth_error(&(struct call){ .cfg = p->cfg, .rep = &rep }, res, err);
	free(body);
	if (e->stream)
		p->stream(e->stream, &rep, e->cursor, wk);
	else
		fcgiio_respond(r, &rep, on_worker ? NULL : p->workers);
	reply_clear(&rep);
}

static void park_recheck(struct job *job, struct worker *wk)
{
	struct park_job *j = (struct park_job *)job;

	park_answer(j->p, &j->e, wk);
	free(j);
}

/* The hub's callback, on its thread (or hub_take's caller's, for a poll
 * it makes way for): w's ctx is the request, whose own ctx is the park.
 * A stream's wait that ends with nothing before its deadline made way for
 * a newer one (or the server stops): the stream ends. */
static void park_done(struct hub_waiter *w, char *body, size_t len, size_t n)
{
	struct park_end e = { .r = w->ctx, .user_id = w->user_id, .stream = w->stream,
	                      .cursor = w->cursor, .auth_until = w->auth_until,
	                      .body = body, .len = len, .n = n };
	struct park *p = fcgiio_ctx(e.r);

	metrics_waiting(-1);
	if (e.stream && !n && monotime_ms() < w->deadline) {
		struct reply rep = { 0 };
		free(body);
		reply_error(&rep, 503, "too many streams and polls at once");
		p->stream(e.stream, &rep, e.cursor, NULL);
		reply_clear(&rep);
	} else {
		park_answer(p, &e, NULL);
	}
	hub_waiter_free(w);
}

int park_take(struct park *p, struct fcgiio_req *r, struct hub_waiter *w, void *stream,
              struct reply *rep, long long *cursor)
{
	char *body;
	size_t len;

	w->done = park_done;
	w->ctx = r;
	w->stream = stream;
	fcgiio_set_ctx(r, p);
	int rc = hub_take(p->hub, w, &body, &len);
	if (rc == 0) {
		metrics_waiting(1);
		return 0;
	}
	*cursor = w->cursor;
	hub_waiter_free(w);
	if (rc == 1) {
		reply_raw(rep, 200, body, len);
		free(body);
	}
	return rc;
}
