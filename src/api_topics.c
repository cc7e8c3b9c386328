/*
 * api_topics.c - what admins show at the top of a room: PUT
 * /v1/rooms/{room}/topic {"topic": "..."} sets its topic, PUT and DELETE
 * /v1/rooms/{room}/pins/{id} pin and unpin one of its messages (at most
 * STORE_MAX_PINS). Each change is an event to the room; GET /v1/rooms and
 * /v1/me list topics and pins (store_rooms).
 */
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "httpparse.h"
#include "room.h"
#include "store.h"

/* The {room} of the path, for an admin: 0, or -1 having answered. */
static int api_topics_room(struct call *c, const char *what)
{
	char err[128];

	if (!c->user.admin) {
		reply_error(c->rep, 403, "only admins may %s", what);
		return -1;
	}
	if (room_validate(c->arg, strlen(c->arg), err, sizeof err) < 0) {
		reply_error(c->rep, 400, "%s", err);
		return -1;
	}
	return 0;
}

void api_room_topic(struct call *c)
{
	char err[256] = "";
	const char *topic;
	long long event_id = 0;
	json_object *body;
	int rc;

	if (api_topics_room(c, "set a room's topic") < 0 || !(body = api_body_object(c)))
		return;
	if (api_string_member(body, "topic", &topic, err, sizeof err) < 0 || !topic) {
		reply_error(c->rep, 400, "the body must be {\"topic\": \"...\"}, a string (\"\" for none)");
		goto out;
	}
	if ((rc = room_topic_check(topic, strlen(topic), err, sizeof err)) != 0) {
		reply_error(c->rep, rc, "%s", err);
		goto out;
	}
	if (api_store_unusable(c))
		goto out;
	if ((rc = store_topic(c->store, &c->user, c->arg, topic, &event_id, err, sizeof err)) != STORE_OK) {
		api_store_failed(c, rc, err);
		goto out;
	}
	json_object *o = json_object_new_object();
	json_object_object_add(o, "room", json_object_new_string(c->arg));
	json_object_object_add(o, "topic", json_object_new_string(topic));
	json_object_object_add(o, "event", event_id ? json_object_new_int64(event_id) : NULL);
	reply_json(c->rep, 200, o);
out:
	json_object_put(body);
}

/* Pins (pin 1) or unpins message c->arg2 of room c->arg, and answers. */
static void api_pin_set(struct call *c, int pin)
{
	char err[256] = "";
	long long id, event_id = 0;
	int rc;

	if (api_topics_room(c, pin ? "pin messages" : "unpin messages") < 0)
		return;
	if (http_parse_int(c->arg2, 1, 1LL << 53, &id) < 0) {
		reply_error(c->rep, 404, "no message %s", c->arg2);
		return;
	}
	if (api_store_unusable(c))
		return;
	if ((rc = store_pin(c->store, &c->user, c->arg, id, pin, &event_id, err, sizeof err)) != STORE_OK) {
		api_store_failed(c, rc, err);
		return;
	}
	json_object *o = json_object_new_object();
	json_object_object_add(o, "room", json_object_new_string(c->arg));
	json_object_object_add(o, "id", json_object_new_int64(id));
	json_object_object_add(o, "pinned", json_object_new_boolean(pin));
	json_object_object_add(o, "event", event_id ? json_object_new_int64(event_id) : NULL);
	reply_json(c->rep, 200, o);
}

void api_pin(struct call *c)
{
	api_pin_set(c, 1);
}

void api_unpin(struct call *c)
{
	api_pin_set(c, 0);
}
