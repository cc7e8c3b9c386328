/*
 * api_events.c - GET /v1/events, the long poll (API.md "The long poll").
 *
 * Events the user may see after `since` are answered at once from the
 * store. Otherwise the request is parked in the hub, which completes it when
 * a visible event arrives (from any process) or the timeout passes. A poll
 * following its cursor, whose user's rooms the hub knows, is answered or
 * parked from memory alone: in struct call's quick mode, that is all that
 * is tried.
 */
#include <stdio.h>
#include <stdlib.h>

#include "api.h"
#include "cfg.h"
#include "hub.h"
#include "httpparse.h"
#include "log.h"
#include "store.h"

#define EVENTS_MAX 500
#define PARK_TRIES 3

/* Answers or parks the poll from the hub's memory (see hub_take): since is
 * the client's cursor, checked the id up to which every event is known to
 * have been looked at. Returns 1 when the request is dealt with (parked,
 * answered, or failed with a reply), 0 when the store must answer. */
static int api_events_from_hub(struct call *c, long long since, long long checked,
                               long long timeout)
{
	char err[256] = "", **rooms = hub_rooms(c->hub, c->user.id), *body;
	size_t len;
	int rc;

	if (!rooms) {
		if (c->quick) {
			c->deferred = 1;
			return 1;
		}
		long long as_of = hub_newest(c->hub);   /* before the store is asked */
		if ((rc = store_memberships(c->store, c->user.id, &rooms, err, sizeof err)) != STORE_OK) {
			api_store_failed(c, rc, err);
			return 1;
		}
		hub_rooms_learn(c->hub, c->user.id, rooms, as_of);
	}
	struct hub_waiter *w = hub_waiter_new(c->user.id, rooms);
	if (!w) {
		reply_error(c->rep, 500, "out of memory");
		return 1;
	}
	w->addr_key = hub_addr_key(c->req->remote_addr);
	w->since = since;
	w->checked = checked;
	/* from the request's arrival: a wait for the store's write lock (the
	 * users row of a new user) must not add to the poll's timeout */
	w->deadline = c->req->arrived_ms + timeout * 1000;
	w->done = c->park_done;
	w->ctx = c->park_ctx;
	rc = hub_take(c->hub, w, &body, &len);
	if (rc == 0) {
		c->parked = 1;
		return 1;
	}
	hub_waiter_free(w);
	if (rc == 1) {
		reply_raw(c->rep, 200, body, len);
		free(body);
	} else if (c->quick) {
		c->deferred = 1;
	}
	return rc == 1 || c->quick;
}

void api_events(struct call *c)
{
	char err[256] = "", v[32];
	long long since = 0, timeout = c->cfg->poll_timeout, newest = 0;
	int has_since, rc;

	has_since = http_query_get(c->req->query, "since", v, sizeof v);
	if (has_since < 0 || (has_since == 1 && http_parse_int(v, 0, 1LL << 53, &since) < 0)) {
		reply_error(c->rep, 400, "since must be an event id (a whole number)");
		return;
	}
	rc = http_query_get(c->req->query, "timeout", v, sizeof v);
	if (rc < 0 || (rc == 1 && http_parse_int(v, 0, 1LL << 31, &timeout) < 0)) {
		reply_error(c->rep, 400, "timeout must be a whole number of seconds");
		return;
	}
	if (timeout > c->cfg->poll_timeout)
		timeout = c->cfg->poll_timeout;
	/* (quick mode has no store connection, and runs only with a hub) */
	if (!c->quick && api_store_unusable(c))
		return;

	/* A client following its cursor asks for what the hub has just fanned
	 * out: answer or park from the hub's ring, with no query (bench/README.md).
	 * A cursor the hub has not read up to yet, or one older than its ring,
	 * is answered by the store. */
	if (has_since && timeout > 0 && since <= hub_newest(c->hub) &&
	    api_events_from_hub(c, since, since, timeout))
		return;
	if (c->quick) {
		c->deferred = 1;
		return;
	}

	long long scan_from = since;
	for (int tries = 0; tries < PARK_TRIES; tries++) {
		struct store_events evs = { 0 };
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
			reply_error(c->rep, 400, "since=%lld is beyond the newest event id %lld",
			            since, newest);
			return;
		}
		rc = store_events_visible(c->store, c->user.id, scan_from, EVENTS_MAX, &evs,
		                          err, sizeof err);
		if (rc != STORE_OK || evs.n || timeout == 0) {
			if (rc != STORE_OK)
				api_store_failed(c, rc, err);
			else
				api_reply_poll(c, &evs, since);
			store_events_clear(&evs);
			return;
		}
		if (newest > scan_from)
			scan_from = newest;
		if (api_events_from_hub(c, since, scan_from, timeout))
			return;
		/* the hub has moved past scan_from: look again */
	}
	log_warning("events: poll of user %lld could not be parked; answering empty", c->user.id);
	struct store_events none = { 0 };
	api_reply_poll(c, &none, since);
}
