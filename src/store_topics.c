/*
 * store_topics.c - the chat's rules of room topics and pins, over the
 * store driver (store_driver.h) like store.c: the topics the
 * configuration gives rooms (an admin's later topic stays until the
 * configured one changes), an admin's topic, and pins: an admin pins a
 * message of the room itself, at most STORE_MAX_PINS a room, each change
 * an event to the room. (Removing a message unpins it: store_delete.)
 */
#include <stdio.h>
#include <string.h>

#include "store_rules.h"

/* Inserts u's event of type, with text and naming target (0: none), in
 * room_id inside the open write transaction. */
static int store_room_event(struct store *st, const struct user *u, enum event_type type,
                            long long room_id, const char *text, long long target,
                            const char *ts, long long *id)
{
	struct store_new_event ev = store_event_new(type, u, ts);

	ev.room_id = room_id;
	ev.text = text;
	ev.target = target;
	return st->drv->event_add(st, &ev, id);
}

/* 1 when pairs (room, topic, room, topic, ..., NULL) hold room with topic. */
static int store_pair_has(char **pairs, const char *room, const char *topic)
{
	for (char **p = pairs; p && p[0] && p[1]; p += 2)
		if (strcmp(p[0], room) == 0 && strcmp(p[1], topic) == 0)
			return 1;
	return 0;
}

enum store_result store_topics_ensure(struct store *st, const char *const *topics, size_t n,
                                      char *err, size_t errlen)
{
	const struct store_driver *d = st->drv;
	char **pairs = NULL;
	size_t count = 0, i = 0;
	int r = n ? d->topics_configured(st, &pairs, &count) : 0;

	while (r == 0 && i < n && store_pair_has(pairs, topics[2 * i], topics[2 * i + 1]))
		i++;
	store_free_names(pairs);
	if (r < 0)
		return d->fail(st, "reading topics", err, errlen);
	if (i == n)
		return STORE_OK;
	if (d->begin(st) < 0)
		return d->fail(st, "setting topics", err, errlen);
	for (i = 0; i < n; i++)
		if (d->topic_configure(st, topics[2 * i], topics[2 * i + 1]) < 0)
			return d->fail(st, "setting topics", err, errlen);
	return store_commit(st, 0, "setting topics", err, errlen);
}

enum store_result store_topic(struct store *st, const struct user *u, const char *room,
                              const char *topic, long long *event_id, char *err, size_t errlen)
{
	const struct store_driver *d = st->drv;
	enum store_result res;
	long long room_id;
	char ts[32];
	int changed;

	*event_id = 0;
	if ((res = store_room_begin(st, u, room, "setting a topic", &room_id, ts, err, errlen)) != STORE_OK)
		return res;
	if ((changed = d->topic_set(st, room_id, topic)) < 0 ||
	    (changed && store_room_event(st, u, EV_TOPIC, room_id, topic, 0, ts, event_id) < 0))
		return d->fail(st, "setting a topic", err, errlen);
	return store_commit(st, *event_id != 0, "setting a topic", err, errlen);
}

/* Inside store_pin's transaction: pins message id of room_id (called
 * room) if the rules allow, *added 1 when it was not pinned yet. STORE_OK,
 * or why not (rolled back), or the failure. */
static enum store_result store_pin_add(struct store *st, const struct user *u, const char *room,
                                       long long room_id, long long id, const char *ts,
                                       int *added, char *err, size_t errlen)
{
	const struct store_driver *d = st->drv;
	struct store_target t = { 0 };
	long long pins = 0;
	int found;

	if ((found = d->event_target(st, id, &t)) < 0)
		return d->fail(st, "pinning a message", err, errlen);
	if (!found || t.room_id != room_id || t.deleted) {
		d->rollback(st);
		if (found && t.room_id == room_id)
			snprintf(err, errlen, "message %lld was removed", id);
		else
			snprintf(err, errlen, "no message %lld in %s", id, room);
		return STORE_NOT_FOUND;
	}
	/* counted under the write lock: concurrent pins cannot overshoot */
	if ((*added = d->pin_add(st, room_id, id, u->id, ts)) < 0 ||
	    (*added && d->pins_count(st, room_id, &pins) < 0))
		return d->fail(st, "pinning a message", err, errlen);
	if (pins > STORE_MAX_PINS) {
		d->rollback(st);
		snprintf(err, errlen, "%s has %d pinned messages, the most allowed; unpin one first",
		         room, STORE_MAX_PINS);
		return STORE_CONFLICT;
	}
	return STORE_OK;
}

enum store_result store_pin(struct store *st, const struct user *u, const char *room,
                            long long id, int pin, long long *event_id,
                            char *err, size_t errlen)
{
	const struct store_driver *d = st->drv;
	enum store_result res;
	long long room_id;
	char ts[32];
	int changed = 0;

	*event_id = 0;
	if ((res = store_room_begin(st, u, room, "pinning a message", &room_id, ts, err, errlen)) != STORE_OK)
		return res;
	if (pin && (res = store_pin_add(st, u, room, room_id, id, ts, &changed, err, errlen)) != STORE_OK)
		return res;
	if ((!pin && (changed = d->pin_del(st, room_id, id)) < 0) ||
	    (changed && store_room_event(st, u, EV_PIN, room_id, pin ? "pin" : "unpin", id, ts,
	                                 event_id) < 0))
		return d->fail(st, "pinning a message", err, errlen);
	return store_commit(st, *event_id != 0, "pinning a message", err, errlen);
}
