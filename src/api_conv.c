/*
 * api_conv.c - the routes of conversations (doc/api.md "Conversations"):
 * PATCH /v1/messages/{id} edits; PUT and DELETE
 * /v1/messages/{id}/reactions/{emoji} and /v1/messages/{id}/solved;
 * GET /v1/messages/{id}/thread, /v1/rooms/{room}/open and
 * /v1/direct/{username}/messages. The rules are the store's (store_conv.c);
 * these read the request, count the changes against `rate`, and answer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "cfg.h"
#include "emoji.h"
#include "ratelimit.h"
#include "room.h"
#include "store.h"

#define CONV_PAGE_DEFAULT 50
#define OPEN_DAYS_DEFAULT 7
#define OPEN_DAYS_MAX 365

/* Answers 200 {"id": id, key: v (a new value, or NULL for null), "event":
 * event_id or null}. */
static void api_answer(struct call *c, long long id, const char *key, json_object *v,
                       long long event_id)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "id", json_object_new_int64(id));
	json_object_object_add(o, key, v);
	json_object_object_add(o, "event", event_id ? json_object_new_int64(event_id) : NULL);
	reply_json(c->rep, 200, o);
}

void api_edit_message(struct call *c)
{
	char err[256] = "", edited[32];
	long long id, event_id = 0;
	json_object *body = NULL;
	const char *text;
	int rc;

	if (!api_message_id(c, &id))
		return;
	if ((rc = api_edit_parse(c->req->body, c->req->body_len, c->cfg->max_message_bytes, &body,
	                         &text, err, sizeof err)) != 0) {
		reply_error(c->rep, rc, "%s", err);
		return;
	}
	if (!api_store_unusable(c) && !api_rate_limited(c, RATE_SEND)) {
		rc = store_edit(c->store, &c->user, id, text, c->cfg->edit_window * 60, edited, &event_id,
		                err, sizeof err);
		if (rc != STORE_OK)
			api_store_failed(c, rc, err);
		else
			api_answer(c, id, "edited", edited[0] ? json_object_new_string(edited) : NULL,
			           event_id);
	}
	json_object_put(body);
}

/* PUT (on) or DELETE of a reaction. */
static void api_reaction(struct call *c, int on)
{
	char err[256] = "", emoji[EMOJI_MAX_BYTES + 1];
	long long id, event_id = 0;
	json_object *o;
	int rc;

	if (!api_message_id(c, &id))
		return;
	if ((rc = emoji_normalize(c->arg2, strlen(c->arg2), emoji, err, sizeof err)) < 0) {
		reply_error(c->rep, rc == -2 ? 503 : 400, "%s", err);
		return;
	}
	if (api_store_unusable(c) || api_rate_limited(c, RATE_SEND))
		return;
	if ((rc = store_react(c->store, &c->user, id, emoji, on, &event_id, err, sizeof err)) !=
	    STORE_OK) {
		api_store_failed(c, rc, err);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_int64(id));
	json_object_object_add(o, "emoji", json_object_new_string(emoji));
	json_object_object_add(o, "on", json_object_new_boolean(on));
	json_object_object_add(o, "event", event_id ? json_object_new_int64(event_id) : NULL);
	reply_json(c->rep, 200, o);
}

void api_react(struct call *c)
{
	api_reaction(c, 1);
}

void api_unreact(struct call *c)
{
	api_reaction(c, 0);
}

/* PUT (on) or DELETE of a solved mark. */
static void api_solved(struct call *c, int on)
{
	char err[256] = "", by[USER_NAME_MAX], at[32];
	long long id, event_id = 0;
	json_object *mark = NULL;
	int rc;

	if (!api_message_id(c, &id) || api_store_unusable(c) || api_rate_limited(c, RATE_SEND))
		return;
	rc = store_solve(c->store, &c->user, id, on, by, at, &event_id, err, sizeof err);
	if (rc != STORE_OK) {
		api_store_failed(c, rc, err);
		return;
	}
	if (at[0]) {
		mark = json_object_new_object();
		json_object_object_add(mark, "by", json_object_new_string(by));
		json_object_object_add(mark, "ts", json_object_new_string(at));
	}
	api_answer(c, id, "solved", mark, event_id);
}

void api_solve(struct call *c)
{
	api_solved(c, 1);
}

void api_unsolve(struct call *c)
{
	api_solved(c, 0);
}

/* Answers 200 {"events": [...evs], "more": more, <extra>} where extra is
 * a "key":value member already JSON (may be NULL). */
static void api_reply_page(struct call *c, const struct store_events *evs, int more,
                           const char *key, const char *value)
{
	size_t len = (key ? strlen(key) + strlen(value) : 0) + 32;
	char *tail = malloc(len);

	if (!tail) {
		reply_error(c->rep, 500, "out of memory");
		return;
	}
	snprintf(tail, len, "\"more\":%s%s%s%s%s", more ? "true" : "false", key ? ",\"" : "",
	         key ? key : "", key ? "\":" : "", key ? value : "");
	api_reply_events(c, evs, tail);
	free(tail);
}

void api_thread(struct call *c)
{
	char err[256] = "", pruned[96];
	long long id, after = 0, limit = CONV_PAGE_DEFAULT, root_id = 0;
	struct store_events root = { 0 }, evs = { 0 };
	int more = 0, rc;

	if (!api_message_id(c, &id) || api_query_int(c, "after", 0, 1LL << 53, &after) < 0 ||
	    api_query_int(c, "limit", 1, STORE_MAX_LIMIT, &limit) < 0 || api_store_unusable(c))
		return;
	rc = store_thread(c->store, &c->user, id, after, (int)limit, &root_id, &root, &evs, &more,
	                  err, sizeof err);
	if (rc != STORE_OK) {
		api_store_failed(c, rc, err);
	} else {
		/* a root prune has deleted: known by its id alone, as reply_to shows it */
		snprintf(pruned, sizeof pruned, "{\"id\":%lld,\"deleted\":true,\"pruned\":true}", root_id);
		api_reply_page(c, &evs, more, "root", root.n ? root.v[0].json : pruned);
	}
	store_events_clear(&root);
	store_events_clear(&evs);
}

void api_room_open(struct call *c)
{
	char err[256] = "", name[ROOM_NAME_BUF];
	long long days = OPEN_DAYS_DEFAULT, before = 0, limit = CONV_PAGE_DEFAULT;
	struct store_events evs = { 0 };
	json_object *room;
	int more = 0, rc;

	if (room_validate(c->arg, strlen(c->arg), err, sizeof err) < 0) {
		reply_error(c->rep, 400, "%s", err);
		return;
	}
	if (api_query_int(c, "days", 1, OPEN_DAYS_MAX, &days) < 0 ||
	    api_page_args(c, STORE_MAX_LIMIT, &before, &limit) < 0 || api_store_unusable(c))
		return;
	rc = store_open_questions(c->store, &c->user, c->arg, (int)days, before, (int)limit, &evs,
	                          &more, err, sizeof err);
	if (rc == STORE_OK)
		rc = store_room_name(c->store, c->arg, name, err, sizeof err);
	if (rc != STORE_OK) {
		api_store_failed(c, rc, err);
	} else {
		room = json_object_new_string(name);
		api_reply_page(c, &evs, more, "room", json_object_to_json_string_ext(room,
		               JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(room);
	}
	store_events_clear(&evs);
}

void api_direct_history(struct call *c)
{
	char err[256] = "";
	long long before = 0, limit = CONV_PAGE_DEFAULT, other;
	struct store_events evs = { 0 };
	int more = 0, rc;

	if (!api_username_arg(c) || api_page_args(c, STORE_MAX_LIMIT, &before, &limit) < 0 ||
	    api_store_unusable(c) || !api_find_user(c, c->arg, &other))
		return;
	rc = store_direct_history(c->store, c->user.id, other, before, (int)limit, &evs, &more,
	                          err, sizeof err);
	if (rc == STORE_NOT_FOUND)
		api_no_user(c, c->arg);   /* has never used the chat */
	else if (rc != STORE_OK)
		api_store_failed(c, rc, err);
	else
		api_reply_page(c, &evs, more, NULL, NULL);
	store_events_clear(&evs);
}
