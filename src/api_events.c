/*
 * api_events.c - GET /v1/events, the long poll (API.md "The long poll"),
 * and GET /v1/stream, the same as a text/event-stream: one handler, whose
 * answers the server strings together into a stream (dispatch.c).
 *
 * Events the user may see after `since` are answered at once. When there
 * are none yet, the handler asks to wait (struct call's wait): for the
 * events after the cursor that this user may see, until the poll's
 * deadline; where and how it waits is the server's business. A poll
 * following its cursor, whose user's rooms the hub knows, needs nothing
 * but the hub's memory for that; any other asks the store first.
 */
#include <stdio.h>
#include <stdlib.h>

#include "api.h"
#include "cfg.h"
#include "hub.h"
#include "httpparse.h"
#include "store.h"

/* Asks to wait for the events after checked (every event up to it has
 * been looked at) that the user may see, the cursor since answering none;
 * the user's rooms from the hub's memory, else from the store. */
static void api_events_wait(struct call *c, long long since, long long checked, long long timeout)
{
	long long as_of;
	char err[256] = "", **rooms = hub_rooms(c->hub, c->user.id, &as_of);
	int rc;

	if (!rooms) {
		if (api_store_unusable(c))
			return;
		as_of = hub_newest(c->hub);   /* before the store is asked */
		if ((rc = store_memberships(c->store, c->user.id, &rooms, err, sizeof err)) != STORE_OK) {
			api_store_failed(c, rc, err);
			return;
		}
		hub_rooms_learn(c->hub, c->user.id, rooms, as_of);
	}
	struct hub_waiter *w = hub_waiter_new(c->user.id, rooms, as_of);
	if (!w) {
		reply_error(c->rep, 500, "out of memory");
		return;
	}
	w->addr_key = hub_addr_key(c->req->remote_addr);
	w->since = since;
	w->checked = checked;
	/* from the request's arrival: a wait for the store's write lock (the
	 * users row of a new user) must not add to the poll's timeout */
	w->deadline = c->req->arrived_ms + timeout * 1000;
	w->auth_until = c->auth_until;
	c->wait = w;
}

/* The cursor of c: a stream's own under way, else Last-Event-ID (a
 * stream's reconnection; an empty one is none), else since. Sets
 * *has_since; -1 having answered 400 when one is not an event id. */
static int api_events_cursor(struct call *c, long long *since, int *has_since)
{
	const char *last = c->stream ? c->req->last_event_id : NULL;
	char v[32];

	if (c->resume) {
		*since = *c->resume;
		*has_since = 1;
		return 0;
	}
	if (last && *last) {
		if (http_parse_int(last, 0, 1LL << 53, since) < 0) {
			reply_error(c->rep, 400, "Last-Event-ID must be an event id (a whole number)");
			return -1;
		}
		*has_since = 1;
		return 0;
	}
	*has_since = http_query_get(c->req->query, "since", v, sizeof v);
	if (*has_since < 0 || (*has_since == 1 && http_parse_int(v, 0, 1LL << 53, since) < 0)) {
		reply_error(c->rep, 400, "since must be an event id (a whole number)");
		return -1;
	}
	return 0;
}

void api_events(struct call *c)
{
	char err[256] = "", v[32];
	long long since = 0, timeout = c->cfg->poll_timeout, newest = 0;
	struct store_events evs = { 0 };
	int has_since, rc;

	if (api_events_cursor(c, &since, &has_since) < 0)
		return;
	rc = c->stream ? 0 : http_query_get(c->req->query, "timeout", v, sizeof v);
	if (rc < 0 || (rc == 1 && http_parse_int(v, 0, 1LL << 31, &timeout) < 0)) {
		reply_error(c->rep, 400, "timeout must be a whole number of seconds");
		return;
	}
	if (timeout > c->cfg->poll_timeout)
		timeout = c->cfg->poll_timeout;
	/* a call from memory alone has no store, and asks it nothing unless
	 * the hub's memory falls short (below) */
	if (!c->memory_only && api_store_unusable(c))
		return;

	/* A client following its cursor asks for what the hub has just fanned
	 * out: answered or parked from the hub's ring, with no query
	 * (bench/README.md). A cursor the hub has not read up to yet, or one
	 * older than its ring, is answered by the store. */
	if (has_since && timeout > 0 && hub_covers(c->hub, since)) {
		api_events_wait(c, since, since, timeout);
		return;
	}
	if (api_store_unusable(c))
		return;
	/* newest first: every event up to it is covered by the query below */
	if ((rc = store_max_id(c->store, &newest, err, sizeof err)) != STORE_OK) {
		api_store_failed(c, rc, err);
		return;
	}
	if (!has_since) {
		api_reply_poll(c, &evs, newest);
		return;
	}
	if (since > newest) {
		reply_error(c->rep, 400, "since=%lld is beyond the newest event id %lld", since, newest);
		return;
	}
	rc = store_events_visible(c->store, c->user.id, since, STORE_MAX_LIMIT, &evs, err, sizeof err);
	if (rc != STORE_OK)
		api_store_failed(c, rc, err);
	else if (evs.n || timeout == 0)
		api_reply_poll(c, &evs, since);
	else
		api_events_wait(c, since, newest > since ? newest : since, timeout);
	store_events_clear(&evs);
}
