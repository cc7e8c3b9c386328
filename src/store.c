/*
 * store.c - the chat's rules, once, over the narrow store driver interface
 * (store_driver.h): joining and its limit, leaving, rooms by name
 * without case, removing messages and who may act on a message at all,
 * muting, who may look into a room, who
 * sees which event, history paging, the users seen, the rooms that must
 * exist, and the limits of every read. Each function of store.h is one
 * short walk: check the rule, run the driver's statements in one
 * transaction, commit (which wakes the waiting polls). store_post.c holds
 * the rules of posting (and their group commit), store_conv.c the rest of
 * a conversation's rules (edits, reactions, solved marks, threads),
 * store_attention.c what each user has read, store_topics.c room topics
 * and pins. store_drivers.c picks the driver; this file never asks which
 * one it has.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "presence.h"
#include "room.h"
#include "store_rules.h"

#define STORE_ONLINE_S 60        /* "online": seen this recently, since any goodbye (SQL_ONLINE) */
#define STORE_SEEN_CHUNK 64      /* users rows per store_seen_flush transaction */

int store_clamp(int limit)
{
	return limit < 1 ? 1 : limit > STORE_MAX_LIMIT ? STORE_MAX_LIMIT : limit;
}

enum store_result store_oom(char *err, size_t errlen)
{
	snprintf(err, errlen, "out of memory");
	return STORE_ERROR;
}

enum store_result store_commit(struct store *st, int stored, const char *what,
                               char *err, size_t errlen)
{
	if (st->drv->commit(st, stored) < 0)
		return st->drv->fail(st, what, err, errlen);
	return STORE_OK;
}

struct store_new_event store_event_new(enum event_type type, const struct user *u, const char *ts)
{
	return (struct store_new_event){ .type = type, .user = u, .ts = ts, .on_off = -1 };
}

int store_event_add(struct store *st, const struct user *u, enum event_type type,
                    long long room_id, long long target, const char *text, const char *ts,
                    long long *id)
{
	struct store_new_event ev = store_event_new(type, u, ts);

	ev.room_id = room_id;
	ev.target = target;
	ev.text = text;
	return st->drv->event_add(st, &ev, id);
}

int store_direct_counted(struct store *st, long long user_id, long long to_user_id, long long id)
{
	return user_id == to_user_id ? 0 : st->drv->direct_count(st, user_id, to_user_id, id);
}

int store_member(struct store *st, long long room_id, long long user_id)
{
	return room_id == st->all_id ? 1 : st->drv->member_is(st, room_id, user_id);
}

int store_room_find(struct store *st, const char *name, long long *id, int *persistent,
                    char canon[ROOM_NAME_BUF])
{
	char key[ROOM_NAME_BUF];

	room_key(name, key);
	return st->drv->room_find(st, name, key, id, persistent, canon);
}

/* Makes the room name names (room.h) exist, persistent when asked: the
 * room of that spelling or its key, else a new one. */
static int store_room_ensure(struct store *st, const char *name, int persistent, const char *ts)
{
	char key[ROOM_NAME_BUF];
	long long id;
	int r, was = 0;

	if ((r = store_room_find(st, name, &id, &was, NULL)) == 0) {
		room_key(name, key);
		return st->drv->room_add(st, name, key, persistent, ts);
	}
	return r < 0 ? -1 : persistent && !was ? st->drv->room_persist(st, id) : 0;
}

/* 1 when a and b name one room (their keys are equal). */
static int store_same_room(const char *a, const char *b)
{
	char ka[ROOM_NAME_BUF], kb[ROOM_NAME_BUF];

	room_key(a, ka);
	room_key(b, kb);
	return strcmp(ka, kb) == 0;
}

/* 1 when name is `all` or one of persistent[0..n), by key. */
static int store_wanted(const char *name, const char *const *persistent, size_t n)
{
	if (store_same_room(name, ROOM_ALL))
		return 1;
	for (size_t i = 0; i < n; i++)
		if (store_same_room(name, persistent[i]))
			return 1;
	return 0;
}

/* 1 when names (NULL-terminated, unique: the rooms the store marks
 * persistent) are exactly `all` and persistent[0..n), by key, else 0. */
static int store_persistent_same(char **names, const char *const *persistent, size_t n)
{
	size_t have = 0, want = 1;

	for (char **p = names; p && *p; p++, have++)
		if (!store_wanted(*p, persistent, n))
			return 0;
	for (size_t i = 0; i < n; i++) {
		int dup = store_same_room(persistent[i], ROOM_ALL);
		for (size_t j = 0; j < i && !dup; j++)
			dup = store_same_room(persistent[i], persistent[j]);
		want += !dup;
	}
	return have == want;
}

enum store_result store_rooms_ensure(struct store *st, const char *const *persistent,
                                     size_t n, char *err, size_t errlen)
{
	const struct store_driver *d = st->drv;
	char **names = NULL, ts[32];
	size_t count = 0;
	int r;

	r = d->rooms_persistent(st, &names, &count);
	if (r == 0 && store_persistent_same(names, persistent, n))
		r = store_room_find(st, ROOM_ALL, &st->all_id, NULL, NULL) == 1 ? 1 : -1;
	store_free_names(names);
	if (r < 0)
		return d->fail(st, "reading rooms", err, errlen);
	if (r == 1)
		return STORE_OK;
	store_time(ts, 0);
	if (d->begin(st) < 0 || d->rooms_unpersist(st) < 0 || store_room_ensure(st, ROOM_ALL, 1, ts) < 0 ||
	    store_room_find(st, ROOM_ALL, &st->all_id, NULL, NULL) != 1)
		return d->fail(st, "creating rooms", err, errlen);
	for (size_t i = 0; i < n; i++)
		if (store_room_ensure(st, persistent[i], 1, ts) < 0)
			return d->fail(st, "creating rooms", err, errlen);
	return store_commit(st, 0, "creating rooms", err, errlen);
}


void store_close(struct store *st)
{
	if (st)
		st->drv->close(st);
}

enum store_result store_user_seen(struct store *st, struct presence *p, const struct user *u,
                                  char *err, size_t errlen)
{
	struct store_seen_row row = { .user = *u };
	int r;

	if (presence_note(p, u))
		return STORE_OK;
	/* new to this process: a read tells whether the row needs writing (a
	 * user's polls may reach many processes under mod_fcgid) */
	if ((r = st->drv->user_current(st, u)) < 0)
		return st->drv->fail(st, "reading a user", err, errlen);
	if (r == 0) {
		store_time(row.ts, 0);
		/* a new user has read `all` up to now (a known one keeps their marker) */
		if (st->drv->users_seen(st, &row, 1, 1) < 0 || st->drv->read_start(st, u->id, st->all_id) < 0)
			return st->drv->fail(st, "recording users", err, errlen);
	}
	presence_done(p, u, r == 1);
	return STORE_OK;
}

enum store_result store_seen_flush(struct store *st, struct presence *p, char *err, size_t errlen)
{
	size_t n;
	struct store_seen_row *rows = presence_due(p, &n);
	enum store_result rc = STORE_OK;

	/* in transactions of STORE_SEEN_CHUNK rows: messages wait for the
	 * write lock at most one of them */
	for (size_t i = 0; i < n && rc == STORE_OK; i += STORE_SEEN_CHUNK) {
		size_t k = n - i < STORE_SEEN_CHUNK ? n - i : STORE_SEEN_CHUNK;
		int r = st->drv->users_seen(st, rows + i, k, 0);

		if (r < 0)
			rc = st->drv->fail(st, "recording users", err, errlen);
		else if (r == 1)   /* another writer held the store: next time */
			presence_retry(p, rows + i, k);
	}
	free(rows);
	return rc;
}

enum store_result store_user_left(struct store *st, struct presence *p, const struct user *u,
                                  char *err, size_t errlen)
{
	struct timespec now, before;
	char ts[32], recent[32];

	clock_gettime(CLOCK_REALTIME, &now);
	before = now;
	before.tv_sec--;
	store_time_at(ts, &now);
	store_time_at(recent, &before);
	if (st->drv->user_left(st, u->id, ts, recent) < 0)
		return st->drv->fail(st, "recording a goodbye", err, errlen);
	presence_left(p, u->id, &now);
	return STORE_OK;
}

enum store_result store_join(struct store *st, const struct user *u, const char *room,
                             int max_rooms, long long *event_id, char *err, size_t errlen)
{
	const struct store_driver *d = st->drv;
	long long room_id, rooms = 0;
	int persistent = 0, added;
	char ts[32];

	*event_id = 0;
	store_time(ts, 0);
	if (d->begin(st) < 0 || d->user_write(st, u, ts) < 0 || store_room_ensure(st, room, 0, ts) < 0 ||
	    store_room_find(st, room, &room_id, &persistent, NULL) != 1)
		return d->fail(st, "joining a room", err, errlen);
	if (room_id == st->all_id)   /* everyone is in it: nothing to store */
		return store_commit(st, 0, "joining a room", err, errlen);
	/* max_rooms_per_user: ad-hoc rooms only, counted under the write lock
	 * so that concurrent joins cannot overshoot */
	if (max_rooms > 0 && !persistent) {
		if (d->rooms_adhoc(st, u->id, room_id, &rooms) < 0)
			return d->fail(st, "joining a room", err, errlen);
		if (rooms >= max_rooms) {
			d->rollback(st);
			snprintf(err, errlen, "%s is already in %d rooms besides all and the site's "
			         "persistent rooms, the most allowed (max_rooms_per_user); leave one first",
			         u->username, max_rooms);
			return STORE_FORBIDDEN;
		}
	}
	/* a new member has read up to their join: what was said before is history */
	if ((added = d->member_add(st, room_id, u->id, ts)) < 0 ||
	    (added == 1 && (store_event_add(st, u, EV_JOIN, room_id, 0, NULL, ts, event_id) < 0 ||
	                    d->read_start(st, u->id, room_id) < 0)))
		return d->fail(st, "joining a room", err, errlen);
	return store_commit(st, *event_id != 0, "joining a room", err, errlen);
}

enum store_result store_room_begin(struct store *st, const struct user *u, const char *room,
                                   const char *what, long long *room_id, char ts[32],
                                   char *err, size_t errlen)
{
	const struct store_driver *d = st->drv;
	int found;

	store_time(ts, 0);
	if (d->begin(st) < 0 || d->user_write(st, u, ts) < 0 ||
	    (found = store_room_find(st, room, room_id, NULL, NULL)) < 0)
		return d->fail(st, what, err, errlen);
	if (!found) {
		d->rollback(st);
		snprintf(err, errlen, "no room %s", room);
		return STORE_NOT_FOUND;
	}
	return STORE_OK;
}

enum store_result store_leave(struct store *st, const struct user *u, const char *room,
                              long long *event_id, char *err, size_t errlen)
{
	const struct store_driver *d = st->drv;
	enum store_result res;
	long long room_id;
	char ts[32];
	int gone;

	*event_id = 0;
	if ((res = store_room_begin(st, u, room, "leaving a room", &room_id, ts, err, errlen)) != STORE_OK)
		return res;
	if (room_id == st->all_id) {
		d->rollback(st);
		snprintf(err, errlen, "nobody can leave the room all");
		return STORE_FORBIDDEN;
	}
	if ((gone = d->member_del(st, room_id, u->id)) < 0 ||
	    (gone == 1 && (store_event_add(st, u, EV_LEAVE, room_id, 0, NULL, ts, event_id) < 0 ||
	                   d->read_del(st, u->id, room_id) < 0)))
		return d->fail(st, "leaving a room", err, errlen);
	return store_commit(st, *event_id != 0, "leaving a room", err, errlen);
}

int store_event_visible(const struct store_event *ev, long long user_id, char *const *rooms)
{
	if (ev->type == EV_READ)   /* a user's own marker: theirs alone */
		return ev->user_id == user_id;
	if (!ev->room)   /* a direct message, or an event naming one (store.h) */
		return ev->user_id == user_id || ev->to_user_id == user_id;
	if ((ev->type == EV_JOIN || ev->type == EV_LEAVE) && ev->user_id == user_id)
		return 1;
	if (strcmp(ev->room, ROOM_ALL) == 0)
		return 1;
	for (; rooms && *rooms; rooms++)
		if (strcmp(*rooms, ev->room) == 0)
			return 1;
	return 0;
}

enum store_result store_events_visible(struct store *st, long long user_id,
                                       long long since, int limit,
                                       struct store_events *out,
                                       char *err, size_t errlen)
{
	if (st->drv->events_visible(st, user_id, since, store_clamp(limit), out) < 0)
		return st->drv->fail(st, "reading events", err, errlen);
	return STORE_OK;
}

enum store_result store_events_all(struct store *st, long long since, int limit,
                                   struct store_events *out, char *err, size_t errlen)
{
	if (st->drv->events_after(st, since, store_clamp(limit), out) < 0)
		return st->drv->fail(st, "reading events", err, errlen);
	return STORE_OK;
}

enum store_recent store_events_recent(struct store *st, long long since, int limit,
                                      struct store_events *out)
{
	if (!st->drv->events_recent)
		return STORE_RECENT_ASK;
	return st->drv->events_recent(st, since, store_clamp(limit), out);
}

enum store_result store_max_id(struct store *st, long long *id, char *err, size_t errlen)
{
	if (st->drv->max_id(st, id) < 0)
		return st->drv->fail(st, "reading the newest id", err, errlen);
	return STORE_OK;
}

enum store_result store_memberships(struct store *st, long long user_id, char ***rooms,
                                   char *err, size_t errlen)
{
	char **names = NULL;
	size_t n = 0;

	*rooms = NULL;
	if (store_rows_name_add(&names, &n, ROOM_ALL) < 0) {
		store_free_names(names);
		return store_oom(err, errlen);
	}
	if (st->drv->memberships(st, user_id, &names, &n) < 0) {
		store_free_names(names);
		return st->drv->fail(st, "reading memberships", err, errlen);
	}
	*rooms = names;
	return STORE_OK;
}

void store_free_names(char **names)
{
	char **p;

	if (!names)
		return;
	for (p = names; *p; p++)
		free(*p);
	free(names);
}

enum store_result store_room_open(struct store *st, long long user_id, const char *room,
                                  long long *room_id, char *err, size_t errlen)
{
	int r;

	if ((r = store_room_find(st, room, room_id, NULL, NULL)) < 0)
		return st->drv->fail(st, "finding a room", err, errlen);
	if (r == 0) {
		snprintf(err, errlen, "no room %s", room);
		return STORE_NOT_FOUND;
	}
	if ((r = store_member(st, *room_id, user_id)) < 0)
		return st->drv->fail(st, "reading members", err, errlen);
	if (r == 0) {
		snprintf(err, errlen, "not a member of the room %s", room);
		return STORE_FORBIDDEN;
	}
	return STORE_OK;
}

enum store_result store_room_access(struct store *st, long long user_id, const char *room,
                                    char *err, size_t errlen)
{
	long long room_id;

	return store_room_open(st, user_id, room, &room_id, err, errlen);
}

enum store_result store_room_name(struct store *st, const char *room, char name[ROOM_NAME_BUF],
                                  char *err, size_t errlen)
{
	long long id;
	int r;

	name[0] = '\0';
	if ((r = store_room_find(st, room, &id, NULL, name)) < 0)
		return st->drv->fail(st, "finding a room", err, errlen);
	if (r == 0)
		snprintf(err, errlen, "no room %s", room);
	return r ? STORE_OK : STORE_NOT_FOUND;
}

enum store_result store_room_twins(struct store *st, json_object **out, char *err, size_t errlen)
{
	char **names = NULL, name[ROOM_NAME_BUF];
	size_t n = 0;
	long long id;
	int r = 0;

	if (!(*out = json_object_new_array()))
		return store_oom(err, errlen);
	if (st->drv->rooms_unkeyed(st, &names, &n) < 0) {
		store_free_names(names);
		json_object_put(*out);
		*out = NULL;
		return st->drv->fail(st, "listing rooms", err, errlen);
	}
	/* each one's key names the room that had it first */
	for (size_t i = 0; i < n && r >= 0; i++) {
		char key[ROOM_NAME_BUF];
		json_object *pair = json_object_new_array();

		room_key(names[i], key);   /* "": no room has it, so the key decides */
		if ((r = st->drv->room_find(st, "", key, &id, NULL, name)) == 1) {
			json_object_array_add(pair, json_object_new_string(names[i]));
			json_object_array_add(pair, json_object_new_string(name));
		}
		if (json_object_array_length(pair) == 2)
			json_object_array_add(*out, pair);
		else
			json_object_put(pair);
	}
	store_free_names(names);
	if (r < 0) {
		json_object_put(*out);
		*out = NULL;
		return st->drv->fail(st, "finding a room", err, errlen);
	}
	return STORE_OK;
}

/* Frees evs->v[i]'s strings. */
static void store_event_free(struct store_events *evs, size_t i)
{
	free(evs->v[i].room);
	free(evs->v[i].json);
}

void store_events_clear(struct store_events *evs)
{
	for (size_t i = 0; i < evs->n; i++)
		store_event_free(evs, i);
	free(evs->v);
	evs->v = NULL;
	evs->n = evs->cap = 0;
}

void store_page(struct store_events *out, size_t first, int limit, int oldest_first, int *more)
{
	*more = out->n - first > (size_t)limit;
	if (*more)
		store_event_free(out, --out->n);
	for (size_t i = first, j = out->n; oldest_first && i + 1 < j; i++, j--) {
		struct store_event t = out->v[i];

		out->v[i] = out->v[j - 1];
		out->v[j - 1] = t;
	}
}

enum store_result store_history(struct store *st, long long user_id, const char *room,
                                long long before, int limit, struct store_events *out,
                                int *more, char *err, size_t errlen)
{
	size_t first = out->n;
	enum store_result res;
	long long room_id;

	*more = 0;
	limit = store_clamp(limit);
	if ((res = store_room_open(st, user_id, room, &room_id, err, errlen)) != STORE_OK)
		return res;
	/* newest first with one extra row to learn whether older ones exist,
	 * then turned around */
	if (st->drv->history(st, room_id, before > 0 ? before : INT64_MAX, limit + 1, out) < 0)
		return st->drv->fail(st, "reading events", err, errlen);
	store_page(out, first, limit, 1, more);
	return STORE_OK;
}

enum store_result store_rooms(struct store *st, long long user_id, int brief,
                              json_object **out, char *err, size_t errlen)
{
	char since[32];

	if (!(*out = json_object_new_array()))
		return store_oom(err, errlen);
	store_time(since, -STORE_ONLINE_S);
	if (st->drv->rooms(st, user_id, brief, since, *out) < 0 ||
	    st->drv->pins(st, user_id, *out) < 0) {
		json_object_put(*out);
		*out = NULL;
		return st->drv->fail(st, "listing rooms", err, errlen);
	}
	return STORE_OK;
}

enum store_result store_who(struct store *st, long long user_id, const char *room,
                            json_object **out, char *err, size_t errlen)
{
	enum store_result res;
	long long room_id;
	char since[32];

	*out = NULL;
	if ((res = store_room_open(st, user_id, room, &room_id, err, errlen)) != STORE_OK)
		return res;
	if (!(*out = json_object_new_array()))
		return store_oom(err, errlen);
	store_time(since, -STORE_ONLINE_S);
	if (st->drv->who(st, room_id, since, *out) < 0) {
		json_object_put(*out);
		*out = NULL;
		return st->drv->fail(st, "listing who is online", err, errlen);
	}
	return STORE_OK;
}

int store_sees(struct store *st, const struct user *u, const struct store_target *t)
{
	return t->room_id ? store_member(st, t->room_id, u->id)
	       : t->user_id == u->id || t->to_user_id == u->id;
}

int store_message_role(struct store *st, const struct user *u, long long id,
                       struct store_target *t, unsigned *role)
{
	int r, sees;

	*role = 0;
	memset(t, 0, sizeof *t);
	if ((r = st->drv->event_target(st, id, t)) != 1)
		return r;
	if ((sees = store_sees(st, u, t)) < 0)
		return -1;
	*role = (sees ? STORE_ROLE_SEES : 0) | (sees && t->user_id == u->id ? STORE_ROLE_AUTHOR : 0) |
	        (u->admin ? STORE_ROLE_ADMIN : 0) | (t->deleted ? STORE_ROLE_REMOVED : 0);
	return 1;
}

enum store_result store_message_check(unsigned role, unsigned may, int removed_ok, long long id,
                                      const char *forbidden, char *err, size_t errlen)
{
	int allowed = (role & may) != 0;

	if (!(role & STORE_ROLE_SEES) && !allowed) {   /* or no such message: role 0 */
		snprintf(err, errlen, "no message %lld", id);
		return STORE_NOT_FOUND;
	}
	if ((role & STORE_ROLE_REMOVED) && !removed_ok) {
		snprintf(err, errlen, "no message %lld (it was removed)", id);
		return STORE_NOT_FOUND;
	}
	if (!allowed) {
		snprintf(err, errlen, "%s %lld", forbidden, id);
		return STORE_FORBIDDEN;
	}
	return STORE_OK;
}

enum store_result store_delete(struct store *st, const struct user *u, long long id,
                               long long *event_id, char *err, size_t errlen)
{
	const struct store_driver *d = st->drv;
	struct store_target t;
	enum store_result res;
	unsigned role;
	char ts[32];

	*event_id = 0;
	if (d->begin(st) < 0 || store_message_role(st, u, id, &t, &role) < 0)
		return d->fail(st, "removing a message", err, errlen);
	/* its author and an admin may, also a message removed already (that
	 * changes nothing); who else can see it is told it exists */
	res = store_message_check(role, STORE_ROLE_AUTHOR | STORE_ROLE_ADMIN, 1, id,
	                          "only its author or an admin may remove message", err, errlen);
	if (res != STORE_OK || t.deleted) {
		d->rollback(st);
		return res;
	}
	store_time(ts, 0);
	/* it no longer counts: a room's removed messages are subtracted as they
	 * are read (store_sql.h), a direct message's recipient counts one less;
	 * and it is no longer pinned: its delete event says so */
	if (d->user_write(st, u, ts) < 0 || d->event_mark_deleted(st, id, u->id, ts) < 0 ||
	    d->mentions_del(st, id) < 0 || (t.room_id && d->pin_del(st, t.room_id, id) < 0) ||
	    (!t.room_id && t.user_id != t.to_user_id &&
	     d->direct_uncount(st, t.to_user_id, t.user_id, id) < 0) ||
	    store_event_add(st, u, EV_DELETE, t.room_id, id, NULL, ts, event_id) < 0)
		return d->fail(st, "removing a message", err, errlen);
	return store_commit(st, 1, "removing a message", err, errlen);
}

enum store_result store_mute(struct store *st, const struct user *u, long long user_id,
                             int minutes, char until[32], long long *event_id,
                             char *err, size_t errlen)
{
	const struct store_driver *d = st->drv;
	char notice[USER_NAME_MAX + 96], now[32];
	struct store_new_event ev;
	int r;

	*event_id = 0;
	until[0] = '\0';
	if (minutes > 0) {
		store_time(until, (long long)minutes * 60);
		snprintf(notice, sizeof notice, "You are muted until %s (UTC) by %s.",
		         until, u->username);
	} else {
		snprintf(notice, sizeof notice, "You may post again: %s lifted your mute.",
		         u->username);
	}
	store_time(now, 0);
	if (d->begin(st) < 0 || d->user_write(st, u, now) < 0 || (r = d->user_known(st, user_id)) < 0)
		goto fail;
	if (r == 0) {
		d->rollback(st);
		until[0] = '\0';
		snprintf(err, errlen, "no chat user with id %lld", user_id);
		return STORE_NOT_FOUND;
	}
	r = until[0] ? d->mute_set(st, user_id, until, u->id, now) : d->mute_del(st, user_id, now);
	if (r < 0)
		goto fail;
	if (r == 0) {   /* lifting a mute that was not there: nothing to say */
		d->rollback(st);
		return STORE_OK;
	}
	ev = store_event_new(EV_DIRECT, u, now);
	ev.to_user_id = user_id;
	ev.text = notice;
	if (d->event_add(st, &ev, event_id) < 0 ||
	    store_direct_counted(st, u->id, user_id, *event_id) < 0 || d->commit(st, 1) < 0)
		goto fail;
	return STORE_OK;
fail:
	until[0] = '\0';
	*event_id = 0;
	return d->fail(st, "muting", err, errlen);
}

enum store_result store_muted_until(struct store *st, long long user_id, char until[32],
                                    char *err, size_t errlen)
{
	char now[32];

	until[0] = '\0';
	store_time(now, 0);
	if (st->drv->mute_get(st, user_id, now, until) < 0)
		return st->drv->fail(st, "reading mutes", err, errlen);
	return STORE_OK;
}

enum store_result store_search(struct store *st, long long user_id, const char *q,
                               const char *room, long long before, int limit, int timeout_ms,
                               json_object **out, int *more, int *partial,
                               char *err, size_t errlen)
{
	enum store_result res;
	long long room_id = 0;

	*more = *partial = 0;
	*out = NULL;
	if (room && (res = store_room_open(st, user_id, room, &room_id, err, errlen)) != STORE_OK)
		return res;
	if (!(*out = json_object_new_array()))
		return store_oom(err, errlen);
	if (st->drv->search(st, user_id, q, room_id, before > 0 ? before : INT64_MAX,
	                    store_clamp(limit), timeout_ms > 0 ? timeout_ms : 1, *out, more,
	                    partial) < 0) {
		json_object_put(*out);
		*out = NULL;
		*partial = 0;
		return st->drv->fail(st, "searching", err, errlen);
	}
	*more |= *partial;   /* older matches may exist: the search did not get to them */
	return STORE_OK;
}

enum store_result store_prune(struct store *st, int days, int batch, int dry_run,
                              char cutoff[32], long long *events, long long *messages,
                              char *err, size_t errlen)
{
	const struct store_driver *d = st->drv;
	long long bound = 0;
	int n;

	*events = *messages = 0;
	store_time(cutoff, -(long long)days * 86400);
	/* Read only: the last event to go. Nothing after it is ever touched,
	 * so events stored while pruning are safe whatever their ts. */
	if (d->prune_bound(st, cutoff, &bound) < 0)
		return d->fail(st, "pruning", err, errlen);
	if (dry_run)
		return d->prune_count(st, bound, cutoff, events, messages) < 0
		       ? d->fail(st, "pruning", err, errlen) : STORE_OK;
	do {
		if ((n = d->prune_batch(st, bound, cutoff, batch, messages)) < 0)
			return d->fail(st, "pruning", err, errlen);
		*events += n;
	} while (n == batch);
	return STORE_OK;
}

enum store_result store_log(struct store *st, const char *room, const char *since,
                            const char *until, store_log_fn fn, void *ctx,
                            char *err, size_t errlen)
{
	long long room_id;
	int r;

	if ((r = store_room_find(st, room, &room_id, NULL, NULL)) == 0) {
		snprintf(err, errlen, "no room %s", room);
		return STORE_NOT_FOUND;
	}
	if (r == 1 && (r = st->drv->log(st, room_id, since, until, fn, ctx)) == 1) {
		snprintf(err, errlen, "writing the log failed");
		return STORE_ERROR;
	}
	return r < 0 ? st->drv->fail(st, "reading the log", err, errlen) : STORE_OK;
}

enum store_result store_stats(struct store *st, struct store_stats *out,
                              char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	if (st->drv->stats(st, out) < 0)
		return st->drv->fail(st, "counting", err, errlen);
	return STORE_OK;
}

void store_trim(struct store *st)
{
	if (st && st->drv->trim)
		st->drv->trim(st);
}

unsigned store_seq(struct store *st)
{
	return st->drv->seq(st);
}

unsigned store_wait(struct store *st, unsigned seq, int timeout_ms)
{
	return st->drv->wait(st, seq, timeout_ms);
}
