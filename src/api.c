/*
 * api.c - what the route handlers share: store and Galaxy database
 * failures and rate limits mapped to replies, users found by name, and
 * the JSON body reader.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "auth.h"
#include "cfg.h"
#include "events_body.h"
#include "httpparse.h"
#include "log.h"
#include "metrics.h"
#include "ratelimit.h"
#include "store.h"
#include "utf8.h"

int api_store_unusable(struct call *c)
{
	if (c->store)
		return 0;
	if (c->memory_only) {
		c->not_in_memory = 1;
		return 1;
	}
	log_error("store: %s", c->store_error ? c->store_error : "not open");
	metrics_count(METRICS_STORE_ERROR);
	reply_header(c->rep, "Retry-After", "5");
	reply_error(c->rep, 503, "the message store is unavailable; try again shortly");
	return 1;
}

void api_galaxy_unavailable(struct call *c, const char *err)
{
	log_error("Galaxy database: %s", err);
	reply_header(c->rep, "Retry-After", "5");
	reply_error(c->rep, 503, "Galaxy's database cannot be reached; try again shortly");
}

void api_no_user(struct call *c, const char *name)
{
	reply_error(c->rep, 404, "no chat user %s", name);
}

int api_find_user(struct call *c, const char *name, long long *id)
{
	char err[256] = "";

	switch (auth_find_user(c->auth, name, id, err, sizeof err)) {
	case AUTH_OK:
		return 1;
	case AUTH_UNAVAILABLE:
		api_galaxy_unavailable(c, err);
		return 0;
	default:
		api_no_user(c, name);
		return 0;
	}
}

int api_page_args(struct call *c, long long max, long long *before, long long *limit)
{
	char v[32];
	int rc = http_query_get(c->req->query, "before", v, sizeof v);

	if (rc < 0 || (rc == 1 && http_parse_int(v, 1, 1LL << 53, before) < 0)) {
		reply_error(c->rep, 400, "before must be a positive event id");
		return -1;
	}
	rc = http_query_get(c->req->query, "limit", v, sizeof v);
	if (rc < 0 || (rc == 1 && http_parse_int(v, 1, max, limit) < 0)) {
		reply_error(c->rep, 400, "limit must be a whole number from 1 to %lld", max);
		return -1;
	}
	return 0;
}

int api_query_int(struct call *c, const char *name, long long lo, long long hi, long long *v)
{
	char text[32];
	int rc = http_query_get(c->req->query, name, text, sizeof text);

	if (rc < 0 || (rc == 1 && http_parse_int(text, lo, hi, v) < 0)) {
		reply_error(c->rep, 400, "%s must be a whole number from %lld to %lld", name, lo, hi);
		return -1;
	}
	return 0;
}

int api_message_id(struct call *c, long long *id)
{
	if (http_parse_int(c->arg, 1, 1LL << 53, id) == 0)
		return 1;
	reply_error(c->rep, 404, "no message %s", c->arg);
	return 0;
}

int api_username_arg(struct call *c)
{
	if (utf8_scan(c->arg, strlen(c->arg), UTF8_CONTROL, NULL) != strlen(c->arg)) {
		reply_error(c->rep, 400, "a username is UTF-8 without control characters");
		return 0;
	}
	if (!c->arg[0] || strlen(c->arg) >= USER_NAME_MAX) {
		api_no_user(c, c->arg);
		return 0;
	}
	return 1;
}

int api_rate_limited(struct call *c, int kind)
{
	static const char *const what[] = {
		[RATE_SEND] = "messages", [RATE_JOIN] = "room joins",
		[RATE_NEW_ROOM] = "new rooms (max_new_rooms_per_day)", [RATE_SEARCH] = "searches",
		[RATE_OBJECT] = "object cards",
	};
	const struct cfg_rate *lim = rate_limit(c->cfg, (enum rate_kind)kind);
	long long wait_ms = rate_take(c->rate, (enum rate_kind)kind, &c->user);
	char secs[24];

	if (wait_ms <= 0)
		return 0;
	_Static_assert(METRICS_RATE_OBJECT - METRICS_RATE_SEND == RATE_OBJECT - RATE_SEND,
	               "metrics.h lists the rate limits in ratelimit.h's order");
	metrics_count((enum metrics_counter)(METRICS_RATE_SEND + kind));
	snprintf(secs, sizeof secs, "%lld", (wait_ms + 999) / 1000);
	reply_header(c->rep, "Retry-After", secs);
	reply_error(c->rep, 429, "%d %s per %d s; retry in %s s", lim->count, what[kind],
	            lim->seconds, secs);
	return 1;
}

void api_store_failed(struct call *c, int result, const char *err)
{
	switch (result) {
	case STORE_NOT_FOUND:
		reply_error(c->rep, 404, "%s", err);
		break;
	case STORE_FORBIDDEN:
		reply_error(c->rep, 403, "%s", err);
		break;
	case STORE_BAD_REQUEST:
		reply_error(c->rep, 400, "%s", err);
		break;
	case STORE_CONFLICT:
		reply_error(c->rep, 409, "%s", err);
		break;
	default:
		c->store_failed = 1;
		log_error("store: %s", err);
		metrics_count(METRICS_STORE_ERROR);
		reply_header(c->rep, "Retry-After", "5");
		reply_error(c->rep, 503, "the message store is unavailable; try again shortly");
	}
}

json_object *api_json_object(const char *body, size_t len, char *err, size_t errlen)
{
	json_tokener *tok;
	json_object *obj;
	size_t bad;

	if (!body || len == 0) {
		snprintf(err, errlen, "the request needs a JSON object as its body");
		return NULL;
	}
	/* every byte outside a JSON string is ASCII and json-c's escapes give
	 * valid UTF-8 (a lone surrogate becomes U+FFFD), so a strict check of
	 * the whole body is one of every string in it, present and future;
	 * json-c's own check lets overlong forms and surrogates through */
	if ((bad = utf8_scan(body, len, 0, NULL)) != len) {
		snprintf(err, errlen, "the body is not valid UTF-8 (at byte %zu)", bad);
		return NULL;
	}
	if (len > INT_MAX || !(tok = json_tokener_new_ex(16))) {
		snprintf(err, errlen, "the body is too large to parse");
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, body, (int)len);
	enum json_tokener_error jerr = json_tokener_get_error(tok);
	size_t used = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (!obj || jerr != json_tokener_success || used != len) {
		json_object_put(obj);
		snprintf(err, errlen, "the body is not valid JSON%s%s",
		         jerr != json_tokener_success ? ": " : "",
		         jerr != json_tokener_success ? json_tokener_error_desc(jerr) : "");
		return NULL;
	}
	if (!json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);
		snprintf(err, errlen, "the body must be a JSON object");
		return NULL;
	}
	return obj;
}

int api_string_member(json_object *o, const char *key, const char **out,
                      char *err, size_t errlen)
{
	json_object *v;

	*out = NULL;
	if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
		return 0;
	const char *s = json_object_get_string(v);
	if (!json_object_is_type(v, json_type_string) ||
	    strlen(s) != (size_t)json_object_get_string_len(v)) {
		snprintf(err, errlen, "%s must be a string", key);
		return -1;
	}
	*out = s;
	return 0;
}

int api_username_ok(const char *name)
{
	size_t n = strlen(name);

	return n > 0 && n < USER_NAME_MAX && utf8_scan(name, n, UTF8_CONTROL, NULL) == n;
}

json_object *api_body_object(struct call *c)
{
	char err[256];
	json_object *obj = api_json_object(c->req->body, c->req->body_len, err, sizeof err);

	if (!obj)
		reply_error(c->rep, 400, "%s", err);
	return obj;
}

/* Answers 200 with body (taken; NULL: out of memory, answered 500). */
static void api_reply_body(struct call *c, char *body, size_t len)
{
	if (body)
		reply_raw(c->rep, 200, body, len);
	else
		reply_error(c->rep, 500, "out of memory");
	free(body);
}

/* evs as the array of pointers events_body() takes: new, caller frees;
 * NULL when out of memory. */
static struct store_event **api_event_ptrs(const struct store_events *evs)
{
	struct store_event **ptrs = calloc(evs->n + 1, sizeof *ptrs);

	for (size_t i = 0; ptrs && i < evs->n; i++)
		ptrs[i] = &evs->v[i];
	return ptrs;
}

void api_reply_events(struct call *c, const struct store_events *evs, const char *tail)
{
	struct store_event **ptrs = api_event_ptrs(evs);
	size_t len = 0;
	char *body = ptrs ? events_body(ptrs, evs->n, tail, &len) : NULL;

	api_reply_body(c, body, len);
	free(ptrs);
}

void api_reply_poll(struct call *c, const struct store_events *evs, long long since)
{
	struct store_event **ptrs = api_event_ptrs(evs);
	size_t len = 0;
	char *body = ptrs ? events_body_poll(ptrs, evs->n, since, c->stream, &len) : NULL;

	c->cursor = evs->n ? evs->v[evs->n - 1].id : since;

	api_reply_body(c, body, len);
	free(ptrs);
}
