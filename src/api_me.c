/*
 * api_me.c - GET /v1/me: who the cookie belongs to, per Galaxy's database,
 * the rooms to show, the current cursor, until when the user is muted, and
 * where the client takes pictures of users from (avatars); and
 * POST /v1/me/presence {"online": false}: the user goes offline (switched
 * off, or closed the page) and leaves the who lists at once.
 */
#include "api.h"
#include "cfg.h"
#include "store.h"

json_object *api_user_json(const struct user *u)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_int64(u->id));
	json_object_object_add(o, "username", json_object_new_string(u->username));
	json_object_object_add(o, "gravatar", json_object_new_string(u->gravatar));
	return o;
}

void api_me(struct call *c)
{
	char err[256] = "", muted[32] = "";
	json_object *rooms = NULL;
	long long cursor = 0;
	int rc;

	if (api_store_unusable(c))
		return;
	if ((rc = store_rooms(c->store, c->user.id, 1, &rooms, err, sizeof err)) != STORE_OK ||
	    (rc = store_max_id(c->store, &cursor, err, sizeof err)) != STORE_OK ||
	    (rc = store_muted_until(c->store, c->user.id, muted, err, sizeof err)) != STORE_OK) {
		json_object_put(rooms);
		api_store_failed(c, rc, err);
		return;
	}
	json_object *o = json_object_new_object();
	json_object_object_add(o, "user", api_user_json(&c->user));
	json_object_object_add(o, "admin", json_object_new_boolean(c->user.admin));
	json_object_object_add(o, "rooms", rooms);
	json_object_object_add(o, "cursor", json_object_new_int64(cursor));
	json_object_object_add(o, "muted_until", muted[0] ? json_object_new_string(muted) : NULL);
	json_object_object_add(o, "avatars", json_object_new_string(cfg_avatars_names[c->cfg->avatars]));
	/* whose links GET /v1/objects reads: the client asks for these only */
	json_object_object_add(o, "galaxy_url", c->cfg->galaxy_url
	                       ? json_object_new_string(c->cfg->galaxy_url) : NULL);
	reply_json(c->rep, 200, o);
}

void api_me_presence(struct call *c)
{
	json_object *body = api_body_object(c), *v;
	char err[256] = "";
	int online, rc = STORE_OK;

	if (!body)
		return;
	if (!json_object_object_get_ex(body, "online", &v) || !json_object_is_type(v, json_type_boolean)) {
		json_object_put(body);
		reply_error(c->rep, 400, "\"online\" must be true or false");
		return;
	}
	online = json_object_get_boolean(v);
	json_object_put(body);
	if (api_store_unusable(c))
		return;
	/* online: this request, noted like any other, is written at the next
	 * flush (store_user_seen); offline: written now */
	if (!online && (rc = store_user_left(c->store, c->presence, &c->user, err, sizeof err)) != STORE_OK) {
		api_store_failed(c, rc, err);
		return;
	}
	json_object *o = json_object_new_object();
	json_object_object_add(o, "online", json_object_new_boolean(online));
	reply_json(c->rep, 200, o);
}
