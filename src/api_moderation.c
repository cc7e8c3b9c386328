/*
 * api_moderation.c - what authors and admins do to keep a room civil:
 * DELETE /v1/messages/{id} removes a message (its author, or an admin);
 * POST /v1/users/{username}/mute {"minutes": N} and DELETE of the same path
 * (admins only) mute a user for a while and lift it again.
 */
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "store.h"

#define MUTE_MAX_MINUTES (366 * 24 * 60)

void api_delete_message(struct call *c)
{
	char err[256] = "";
	long long id, event_id = 0;
	int rc;

	if (!api_message_id(c, &id) || api_store_unusable(c))
		return;
	if ((rc = store_delete(c->store, &c->user, id, &event_id, err, sizeof err)) != STORE_OK) {
		api_store_failed(c, rc, err);
		return;
	}
	json_object *o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_int64(id));
	json_object_object_add(o, "deleted", json_object_new_boolean(1));
	json_object_object_add(o, "event", event_id ? json_object_new_int64(event_id) : NULL);
	reply_json(c->rep, 200, o);
}

/* Mutes c->arg for minutes (0: lifts the mute) and answers. */
static void api_mute_set(struct call *c, int minutes)
{
	char err[256] = "", until[32];
	long long event_id = 0, user_id;
	int rc;

	if (!c->user.admin) {
		reply_error(c->rep, 403, "only admins may mute or unmute users");
		return;
	}
	if (!api_username_arg(c) || api_store_unusable(c) || !api_find_user(c, c->arg, &user_id))
		return;
	rc = store_mute(c->store, &c->user, user_id, minutes, until, &event_id, err, sizeof err);
	if (rc == STORE_NOT_FOUND)
		api_no_user(c, c->arg);   /* has never used the chat */
	else if (rc != STORE_OK)
		api_store_failed(c, rc, err);
	if (rc != STORE_OK)
		return;
	json_object *o = json_object_new_object();
	json_object_object_add(o, "user", json_object_new_string(c->arg));
	json_object_object_add(o, "muted_until", until[0] ? json_object_new_string(until) : NULL);
	json_object_object_add(o, "event", event_id ? json_object_new_int64(event_id) : NULL);
	reply_json(c->rep, 200, o);
}

void api_mute(struct call *c)
{
	json_object *body = api_body_object(c), *v;

	if (!body)
		return;
	if (!json_object_object_get_ex(body, "minutes", &v) ||
	    !json_object_is_type(v, json_type_int) ||
	    json_object_get_int64(v) < 1 || json_object_get_int64(v) > MUTE_MAX_MINUTES)
		reply_error(c->rep, 400, "\"minutes\" must be a whole number from 1 to %d",
		            MUTE_MAX_MINUTES);
	else
		api_mute_set(c, (int)json_object_get_int64(v));
	json_object_put(body);
}

void api_unmute(struct call *c)
{
	api_mute_set(c, 0);
}
