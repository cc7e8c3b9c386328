/*
 * api_rooms.c - the room routes: list, join, leave, history, who (answering
 * with a room's name as first written, whichever spelling was asked).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "cfg.h"
#include "hub.h"
#include "httpparse.h"
#include "ratelimit.h"
#include "room.h"
#include "store.h"

#define HISTORY_DEFAULT 50

/* Validates the {room} of the path; answers 400 and returns -1 when bad. */
static int api_room_arg(struct call *c)
{
	char err[128];
	if (room_validate(c->arg, strlen(c->arg), err, sizeof err) < 0) {
		reply_error(c->rep, 400, "%s", err);
		return -1;
	}
	return 0;
}

void api_rooms(struct call *c)
{
	char err[256] = "";
	json_object *rooms = NULL;
	int rc;

	if (api_store_unusable(c))
		return;
	if ((rc = store_rooms(c->store, c->user.id, 0, &rooms, err, sizeof err)) != STORE_OK) {
		api_store_failed(c, rc, err);
		return;
	}
	json_object *o = json_object_new_object();
	json_object_object_add(o, "rooms", rooms);
	reply_json(c->rep, 200, o);
}

/* Before a join: when c->arg names no room yet, the join creates it, so
 * the name must pass room_validate_new() (400) and the user be under
 * max_new_rooms_per_day (429). Returns 0 when the join may go on, else -1
 * having answered. */
static int api_room_creatable(struct call *c)
{
	char err[256] = "";
	int rc = store_room_access(c->store, c->user.id, c->arg, err, sizeof err);

	if (rc == STORE_ERROR) {
		api_store_failed(c, rc, err);
		return -1;
	}
	if (rc != STORE_NOT_FOUND)
		return 0;
	if (room_validate_new(c->arg, strlen(c->arg), err, sizeof err) < 0) {
		reply_error(c->rep, 400, "%s", err);
		return -1;
	}
	return api_rate_limited(c, RATE_NEW_ROOM) ? -1 : 0;
}

/* Join and leave answer alike: {"room": name, "joined": bool, "event": id|null},
 * the room's name as first written. */
static void api_room_change(struct call *c, int join)
{
	char err[256] = "", name[ROOM_NAME_BUF];
	long long id = 0;
	int rc;

	if (api_room_arg(c) < 0 || api_store_unusable(c) ||
	    (join && (api_rate_limited(c, RATE_JOIN) || api_room_creatable(c) < 0)))
		return;
	rc = join ? store_join(c->store, &c->user, c->arg, c->cfg->max_rooms_per_user, &id,
	                       err, sizeof err)
	          : store_leave(c->store, &c->user, c->arg, &id, err, sizeof err);
	if (rc == STORE_OK)
		rc = store_room_name(c->store, c->arg, name, err, sizeof err);
	if (rc != STORE_OK) {
		api_store_failed(c, rc, err);
		return;
	}
	json_object *o = json_object_new_object();
	json_object_object_add(o, "room", json_object_new_string(name));
	json_object_object_add(o, "joined", json_object_new_boolean(join));
	json_object_object_add(o, "event", id ? json_object_new_int64(id) : NULL);
	reply_json(c->rep, 200, o);
}

void api_room_join(struct call *c)
{
	api_room_change(c, 1);
}

void api_room_leave(struct call *c)
{
	api_room_change(c, 0);
}

void api_room_history(struct call *c)
{
	char err[256] = "";
	long long before = 0, limit = HISTORY_DEFAULT;
	struct store_events evs = { 0 };
	int more = 0, rc;

	if (api_room_arg(c) < 0)
		return;
	if (api_page_args(c, STORE_MAX_LIMIT, &before, &limit) < 0 || api_store_unusable(c))
		return;
	rc = store_history(c->store, c->user.id, c->arg, before, (int)limit, &evs, &more,
	                   err, sizeof err);
	if (rc != STORE_OK) {
		store_events_clear(&evs);
		api_store_failed(c, rc, err);
		return;
	}
	api_reply_events(c, &evs, more ? "\"more\":true" : "\"more\":false");
	store_events_clear(&evs);
}

void api_room_who(struct call *c)
{
	char err[256] = "", name[ROOM_NAME_BUF];
	json_object *users = NULL;
	int rc;

	if (api_room_arg(c) < 0 || api_store_unusable(c))
		return;
	if ((rc = store_who(c->store, c->user.id, c->arg, &users, err, sizeof err)) == STORE_OK &&
	    (rc = store_room_name(c->store, c->arg, name, err, sizeof err)) != STORE_OK)
		json_object_put(users);
	if (rc != STORE_OK) {
		api_store_failed(c, rc, err);
		return;
	}
	json_object *o = json_object_new_object();
	json_object_object_add(o, "room", json_object_new_string(name));
	json_object_object_add(o, "users", users);
	reply_json(c->rep, 200, o);
}
