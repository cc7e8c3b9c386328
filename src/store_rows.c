/*
 * store_rows.c - the values every store driver hands back, made once (see
 * store_rows.h): the time format, events and their JSON, search matches,
 * rooms and users as the API shows them, name lists.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "search.h"
#include "store_rows.h"

const char *const store_event_type_names[] = {
	[EV_MESSAGE] = "message", [EV_JOIN] = "join", [EV_LEAVE] = "leave",
	[EV_DIRECT] = "direct", [EV_DELETE] = "delete", [EV_TOPIC] = "topic", [EV_PIN] = "pin",
};

void store_time_at(char out[32], const struct timespec *ts)
{
	struct tm tm;

	gmtime_r(&ts->tv_sec, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + 19, 32 - 19, ".%03dZ", (int)(ts->tv_nsec / 1000000) % 1000);
}

void store_time(char out[32], long long offset_s)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += (time_t)offset_s;
	store_time_at(out, &ts);
}

json_object *store_rows_user_json(long long id, const char *username, const char *gravatar)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "id", json_object_new_int64(id));
	json_object_object_add(o, "username", json_object_new_string(username));
	json_object_object_add(o, "gravatar", json_object_new_string(gravatar));
	return o;
}

static enum event_type event_type_parse(const char *name)
{
	int t;

	for (t = EV_MESSAGE; t < EV_PIN; t++)
		if (strcmp(name, store_event_type_names[t]) == 0)
			break;
	return t;
}

static const char *str(const char *s)
{
	return s ? s : "";
}

/* The event r as API.md shows it (a new object). A removed message keeps
 * its place with "deleted": true and no text. A topic event's text is the
 * new topic; a pin event's is "pin" or "unpin" (doc/store-schema.md). */
static json_object *store_row_json(const struct store_row *r, enum event_type type)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "id", json_object_new_int64(r->id));
	json_object_object_add(o, "type", json_object_new_string(store_event_type_names[type]));
	json_object_object_add(o, "ts", json_object_new_string(str(r->ts)));
	if (r->room)
		json_object_object_add(o, "room", json_object_new_string(r->room));
	json_object_object_add(o, "user", store_rows_user_json(r->user_id, str(r->username),
	                                                  str(r->gravatar)));
	if (type == EV_DIRECT)
		json_object_object_add(o, "to", json_object_new_string(str(r->to_username)));
	if (r->deleted)
		json_object_object_add(o, "deleted", json_object_new_boolean(1));
	else if (type == EV_MESSAGE || type == EV_DIRECT)
		json_object_object_add(o, "text", json_object_new_string(str(r->text)));
	if (type == EV_TOPIC)
		json_object_object_add(o, "topic", json_object_new_string(str(r->text)));
	if (type == EV_DELETE || type == EV_PIN)
		json_object_object_add(o, "target", json_object_new_int64(r->target));
	if (type == EV_PIN)
		json_object_object_add(o, "pinned", json_object_new_boolean(strcmp(str(r->text), "pin") == 0));
	return o;
}

int store_rows_event_push(struct store_events *out, const struct store_row *r)
{
	struct store_event *ev;
	json_object *o;

	if (out->n == out->cap) {
		size_t cap = out->cap ? out->cap * 2 : 16;
		struct store_event *v = realloc(out->v, cap * sizeof *v);

		if (!v)
			return -1;
		out->v = v;
		out->cap = cap;
	}
	ev = &out->v[out->n];
	ev->id = r->id;
	ev->type = event_type_parse(str(r->type));
	ev->user_id = r->user_id;
	ev->to_user_id = r->to_user_id;
	ev->target = r->target;
	if (ev->type == EV_DELETE && !r->room) {   /* only these two see it (store.h) */
		ev->user_id = r->target_user_id;
		ev->to_user_id = r->target_to_user_id;
	}
	ev->room = NULL;
	if (r->room && !(ev->room = strdup(r->room)))
		return -1;
	o = store_row_json(r, ev->type);
	ev->json = strdup(json_object_to_json_string_ext(o,
		JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	if (!ev->json) {
		free(ev->room);
		return -1;
	}
	out->n++;
	return 0;
}

int store_rows_search_add(json_object *out, const struct store_row *r, const char *marked)
{
	json_object *o = store_row_json(r, event_type_parse(str(r->type)));
	json_object *frags = search_fragments(str(marked), str(r->text));

	if (!o || !frags) {
		json_object_put(o);
		json_object_put(frags);
		return -1;
	}
	json_object_object_add(o, "fragments", frags);
	return json_object_array_add(out, o) == 0 ? 0 : -1;
}

int store_rows_name_add(char ***names, size_t *n, const char *name)
{
	char **v = realloc(*names, (*n + 2) * sizeof *v);

	if (!v)
		return -1;
	*names = v;
	v[*n + 1] = NULL;
	if (!(v[*n] = strdup(name)))
		return -1;
	(*n)++;
	return 0;
}

int store_rows_room_add(json_object *out, const struct store_room_row *r, int brief)
{
	json_object *o = json_object_new_object();

	if (!o)
		return -1;
	json_object_object_add(o, "name", json_object_new_string(r->name));
	json_object_object_add(o, "persistent", json_object_new_boolean(r->persistent));
	json_object_object_add(o, "joined", json_object_new_boolean(r->joined));
	json_object_object_add(o, "topic", json_object_new_string(str(r->topic)));
	if (r->joined)   /* filled by store_rows_pin_add */
		json_object_object_add(o, "pins", json_object_new_array());
	if (!brief) {
		json_object_object_add(o, "members", json_object_new_int64(r->members));
		json_object_object_add(o, "online", json_object_new_int64(r->online));
		json_object_object_add(o, "last_id", json_object_new_int64(r->last_id));
	}
	if (json_object_array_add(out, o) != 0) {
		json_object_put(o);
		return -1;
	}
	return 0;
}

int store_rows_pin_add(json_object *rooms, const struct store_row *r, const char *pinned_at,
                       const char *pinned_by)
{
	json_object *pins = NULL, *o;

	for (size_t i = 0; !pins && r->room && i < json_object_array_length(rooms); i++) {
		json_object *room = json_object_array_get_idx(rooms, i), *name;

		if (json_object_object_get_ex(room, "name", &name) &&
		    strcmp(json_object_get_string(name), r->room) == 0)
			json_object_object_get_ex(room, "pins", &pins);
	}
	if (!pins)
		return 0;   /* a room not listed, or not looked into */
	if (!(o = store_row_json(r, event_type_parse(str(r->type)))))
		return -1;
	json_object_object_add(o, "pinned_at", json_object_new_string(str(pinned_at)));
	json_object_object_add(o, "pinned_by", json_object_new_string(str(pinned_by)));
	if (json_object_array_add(pins, o) != 0) {
		json_object_put(o);
		return -1;
	}
	return 0;
}
