/*
 * api_messages.c - POST /v1/messages: a message to a room, or a direct
 * message to one user; client_id makes retries safe.
 */
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "cfg.h"
#include "room.h"
#include "store.h"

#define CLIENT_ID_MAX 128

/* The string member key of o, or NULL when absent. Answers 400 and sets
 * *bad when it is present but not a string or holds a NUL byte. */
static const char *api_string_member(struct call *c, json_object *o, const char *key, int *bad)
{
	json_object *v;
	if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
		return NULL;
	const char *s = json_object_get_string(v);
	if (!json_object_is_type(v, json_type_string) ||
	    strlen(s) != (size_t)json_object_get_string_len(v)) {
		if (!*bad)
			reply_error(c->rep, 400, "%s must be a string", key);
		*bad = 1;
		return NULL;
	}
	return s;
}

void api_post_message(struct call *c)
{
	char err[256] = "", ts[32] = "";
	long long id = 0;
	int created = 0, bad = 0, rc;
	size_t chars;
	json_object *body = api_body_object(c);

	if (!body)
		return;
	const char *room = api_string_member(c, body, "room", &bad);
	const char *to = api_string_member(c, body, "to", &bad);
	const char *text = api_string_member(c, body, "text", &bad);
	const char *client_id = api_string_member(c, body, "client_id", &bad);
	if (bad)
		goto out;
	if (!room == !to) {
		reply_error(c->rep, 400, "give either \"room\" or \"to\"");
		goto out;
	}
	if (room && room_validate(room, strlen(room), err, sizeof err) < 0) {
		reply_error(c->rep, 400, "%s", err);
		goto out;
	}
	if (to && (!*to || strlen(to) >= USER_NAME_MAX)) {
		reply_error(c->rep, 400, "\"to\" must be a username");
		goto out;
	}
	if (!text || strspn(text, " \t\r\n") == strlen(text)) {
		reply_error(c->rep, 400, "\"text\" must be a non-empty string");
		goto out;
	}
	if (strlen(text) > c->cfg->max_message_bytes) {
		reply_error(c->rep, 413, "text is %zu bytes, over the limit of %zu",
		            strlen(text), c->cfg->max_message_bytes);
		goto out;
	}
	if (client_id && (!*client_id || strlen(client_id) > CLIENT_ID_MAX ||
	                  room_utf8_check(client_id, strlen(client_id), 1, &chars) < 0)) {
		reply_error(c->rep, 400, "client_id must be 1 to %d printable bytes", CLIENT_ID_MAX);
		goto out;
	}
	if (api_store_unusable(c))
		goto out;
	rc = store_post(c->store, &c->user, room, to, text, client_id, &id, ts, &created,
	                err, sizeof err);
	if (rc != STORE_OK) {
		api_store_failed(c, rc, err);
		goto out;
	}
	json_object *o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_int64(id));
	json_object_object_add(o, "ts", json_object_new_string(ts));
	reply_json(c->rep, created ? 201 : 200, o);
out:
	json_object_put(body);
}
