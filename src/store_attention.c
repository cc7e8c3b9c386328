/*
 * store_attention.c - the chat's rules of what each user has read, over
 * the store driver (store_driver.h) like store.c: read markers moved
 * forward only, each move a read event for the user alone; the unread
 * counts of GET /v1/unread from counters, never a scan of history; the
 * email setting. (The counters themselves are kept by store.c's rules as
 * messages are posted, joined, left and removed; store_sql.h says how.)
 */
#include <stdio.h>
#include <string.h>

#include "store_rules.h"

const char *const store_email_settings[] = { "mentions", "off", NULL };

/* The number key of o (0 when absent). */
static long long store_json_int(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v) : 0;
}

/* Inside store_read's transaction: whether event id may mark u's
 * conversation, room_id (0 for the direct messages with peer_id): an
 * event of that room, or a direct message between the two. STORE_OK,
 * STORE_BAD_REQUEST with err, or STORE_ERROR. */
static enum store_result store_read_target(struct store *st, const struct user *u,
                                           long long room_id, long long peer_id, long long id,
                                           const char *room, char *err, size_t errlen)
{
	struct store_where w = { 0 };
	long long newest = 0;
	int r;

	if (st->drv->max_id(st, &newest) < 0 || (r = st->drv->event_where(st, id, &w)) < 0)
		return STORE_ERROR;
	if (id > newest) {
		snprintf(err, errlen, "id %lld is beyond the newest event %lld", id, newest);
		return STORE_BAD_REQUEST;
	}
	if (r == 1 && (room_id ? w.room_id == room_id
	                       : w.type == EV_DIRECT && ((w.user_id == u->id && w.to_user_id == peer_id) ||
	                                                 (w.user_id == peer_id && w.to_user_id == u->id))))
		return STORE_OK;
	if (room)
		snprintf(err, errlen, "event %lld is not in the room %s", id, room);
	else
		snprintf(err, errlen, "event %lld is not a direct message between you two", id);
	return STORE_BAD_REQUEST;
}

/* Inside store_read's transaction, after the marker was moved or not: the
 * answer (store.h), with the conversation's counts. */
static int store_read_answer(struct store *st, long long user_id, long long room_id,
                             long long peer_id, const char *room, long long event_id,
                             json_object **out)
{
	json_object *rows = json_object_new_array(), *row = NULL, *o = json_object_new_object();
	int r = -1;

	if (rows && o && (room_id ? st->drv->unread_rooms(st, user_id, room_id, rows)
	                          : st->drv->unread_direct(st, user_id, peer_id, rows)) == 0) {
		row = json_object_array_get_idx(rows, 0);
		if (room)
			json_object_object_add(o, "room", json_object_new_string(room));
		else if (row)
			json_object_object_add(o, "with", json_object_get(json_object_object_get(row, "with")));
		json_object_object_add(o, "read", json_object_new_int64(store_json_int(row, "read")));
		json_object_object_add(o, "unread", json_object_new_int64(store_json_int(row, "unread")));
		if (room)
			json_object_object_add(o, "mentions",
			                       json_object_new_int64(store_json_int(row, "mentions")));
		json_object_object_add(o, "event", event_id ? json_object_new_int64(event_id) : NULL);
		*out = o;
		o = NULL;
		r = 0;
	}
	json_object_put(rows);
	json_object_put(o);
	return r;
}

enum store_result store_read(struct store *st, const struct user *u, const char *room,
                             long long peer_id, long long id, json_object **out,
                             char *err, size_t errlen)
{
	const struct store_driver *d = st->drv;
	long long room_id = 0, event_id = 0;
	int found, moved;
	enum store_result res;
	char ts[32], canon[ROOM_NAME_BUF];
	struct store_new_event ev;

	*out = NULL;
	store_time(ts, 0);
	ev = store_event_new(EV_READ, u, ts);
	ev.target = id;
	if (d->begin(st) < 0 || d->user_write(st, u, ts) < 0)
		return d->fail(st, "reading", err, errlen);
	if (room) {
		int member = 1;
		if ((found = store_room_find(st, room, &room_id, NULL, canon)) == 1 &&
		    (member = store_member(st, room_id, u->id)) < 0)
			found = -1;
		room = found == 1 ? canon : room;
		res = found == 0 ? STORE_NOT_FOUND : member == 0 ? STORE_FORBIDDEN : STORE_OK;
		if (found == 0)
			snprintf(err, errlen, "no room %s", room);
		else if (member == 0)
			snprintf(err, errlen, "not a member of the room %s", room);
	} else {
		found = d->user_known(st, peer_id);
		res = found == 0 ? STORE_NOT_FOUND : STORE_OK;
		if (found == 0)
			snprintf(err, errlen, "no chat user with id %lld", peer_id);
	}
	if (found < 0 || (res == STORE_OK &&
	                  (res = store_read_target(st, u, room_id, peer_id, id, room, err, errlen)) ==
	                  STORE_ERROR))
		return d->fail(st, "reading", err, errlen);
	if (res != STORE_OK) {
		d->rollback(st);
		return res;
	}
	/* a room's marker exists from the join on (`all`'s from the user's
	 * first request); read_start only makes up for one missing */
	moved = room ? d->read_start(st, u->id, room_id) < 0 ? -1 : d->read_move(st, u->id, room_id, id)
	             : d->direct_move(st, u->id, peer_id, id);
	if (moved < 0 || (moved && d->event_add(st, &ev, &event_id) < 0) ||
	    store_read_answer(st, u->id, room_id, peer_id, room, event_id, out) < 0 ||
	    d->commit(st, moved > 0) < 0) {
		json_object_put(*out);
		*out = NULL;
		return d->fail(st, "reading", err, errlen);
	}
	return STORE_OK;
}

enum store_result store_unread(struct store *st, long long user_id, json_object **out,
                               char *err, size_t errlen)
{
	json_object *rooms = json_object_new_array(), *direct = json_object_new_array();
	long long total = 0, mentions = 0;
	size_t i;

	*out = NULL;
	if (!rooms || !direct || !(*out = json_object_new_object())) {
		json_object_put(rooms);
		json_object_put(direct);
		return store_oom(err, errlen);
	}
	json_object_object_add(*out, "rooms", rooms);
	json_object_object_add(*out, "direct", direct);
	if (st->drv->unread_rooms(st, user_id, 0, rooms) < 0 ||
	    st->drv->unread_direct(st, user_id, 0, direct) < 0) {
		json_object_put(*out);
		*out = NULL;
		return st->drv->fail(st, "counting unread messages", err, errlen);
	}
	for (i = 0; i < json_object_array_length(rooms); i++) {
		total += store_json_int(json_object_array_get_idx(rooms, i), "unread");
		mentions += store_json_int(json_object_array_get_idx(rooms, i), "mentions");
	}
	for (i = 0; i < json_object_array_length(direct); i++)
		total += store_json_int(json_object_array_get_idx(direct, i), "unread");
	json_object_object_add(*out, "total", json_object_new_int64(total));
	json_object_object_add(*out, "mentions", json_object_new_int64(mentions));
	return STORE_OK;
}

enum store_result store_email_get(struct store *st, long long user_id, char email[16],
                                  char *err, size_t errlen)
{
	int r = st->drv->setting_get(st, user_id, email);

	if (r < 0)
		return st->drv->fail(st, "reading settings", err, errlen);
	if (r == 0)
		snprintf(email, 16, "%s", store_email_settings[0]);
	return STORE_OK;
}

enum store_result store_email_set(struct store *st, long long user_id, const char *email,
                                  char *err, size_t errlen)
{
	size_t i;

	for (i = 0; store_email_settings[i] && strcmp(email, store_email_settings[i]) != 0; i++)
		;
	if (!store_email_settings[i]) {
		snprintf(err, errlen, "email must be \"mentions\" or \"off\"");
		return STORE_BAD_REQUEST;
	}
	if (st->drv->setting_set(st, user_id, email) < 0)
		return st->drv->fail(st, "keeping settings", err, errlen);
	return STORE_OK;
}
