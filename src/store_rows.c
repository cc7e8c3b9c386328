/*
 * store_rows.c - the values every store driver hands back, made once (see
 * store_rows.h): the time format, events and their JSON (a message as it
 * is now: its current text, the parent it answers, and in the reads of
 * whole conversations its replies, reactions and solved mark), search
 * matches, rooms and users as the API shows them, name lists.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "search.h"
#include "store_rows.h"

const char *const store_event_type_names[] = {
	[EV_MESSAGE] = "message", [EV_JOIN] = "join", [EV_LEAVE] = "leave",
	[EV_DIRECT] = "direct", [EV_DELETE] = "delete", [EV_EDIT] = "edit",
	[EV_REACTION] = "reaction", [EV_SOLVED] = "solved", [EV_TOPIC] = "topic", [EV_PIN] = "pin",
	[EV_READ] = "read",
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

/* The time ts in store_time()'s format as ms since the epoch; 0 when it
 * is not in that format. */
static long long store_time_ms(const char *ts)
{
	struct tm tm = { 0 };
	int ms = 0, n = 0;

	if (sscanf(ts, "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
	           &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms, &n) != 7 || n != 24)
		return 0;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (long long)timegm(&tm) * 1000 + ms;
}

json_object *store_rows_user_json(long long id, const char *username, const char *gravatar)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "id", json_object_new_int64(id));
	json_object_object_add(o, "username", json_object_new_string(username));
	json_object_object_add(o, "gravatar", json_object_new_string(gravatar));
	return o;
}

enum event_type store_event_type(const char *name)
{
	int t;

	/* an unknown type (a newer galaxy-chat's, a hand-made row) reads as
	 * a read event, which only its own user sees and which shows no text */
	for (t = EV_MESSAGE; t < EV_READ; t++)
		if (strcmp(name, store_event_type_names[t]) == 0)
			break;
	return (enum event_type)t;
}

static const char *str(const char *s)
{
	return s ? s : "";
}

size_t store_rows_snippet_len(const char *text)
{
	size_t i = 0;

	for (int chars = 0; text[i]; i++)
		if (((unsigned char)text[i] & 0xc0) != 0x80 && chars++ == STORE_SNIPPET_CHARS)
			break;
	return i;
}

/* The reply_to object of r: its parent as it is now. */
static json_object *store_row_parent(const struct store_row *r)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "id", json_object_new_int64(r->reply_to));
	if (!r->parent_found) {   /* pruned: nothing known but its id */
		json_object_object_add(o, "deleted", json_object_new_boolean(1));
		json_object_object_add(o, "pruned", json_object_new_boolean(1));
		return o;
	}
	json_object_object_add(o, "user", store_rows_user_json(r->parent_user_id,
	                       str(r->parent_username), str(r->parent_gravatar)));
	if (r->parent_deleted)
		json_object_object_add(o, "deleted", json_object_new_boolean(1));
	else
		json_object_object_add(o, "text", json_object_new_string_len(str(r->parent_text),
		                       (int)store_rows_snippet_len(str(r->parent_text))));
	return o;
}

/* One reaction of EVENT_DETAIL's list, its fields pointing into it. */
struct store_reaction {
	const char *ts, *emoji, *user;
	size_t ts_len, emoji_len, user_len, order;
};

/* By time given, then as listed. */
static int store_reaction_cmp(const void *a, const void *b)
{
	const struct store_reaction *x = a, *y = b;
	size_t n = x->ts_len < y->ts_len ? x->ts_len : y->ts_len;
	int c = memcmp(x->ts, y->ts, n);

	if (c == 0 && x->ts_len != y->ts_len)
		c = x->ts_len < y->ts_len ? -1 : 1;
	return c ? c : x->order < y->order ? -1 : 1;
}

/* The field at *p up to sep or the end of the item (end): where it starts
 * and its length; *p moves past the separator. */
static const char *store_field(const char **p, const char *end, char sep, size_t *len)
{
	const char *f = *p, *q = memchr(f, sep, (size_t)(end - f));

	*len = (size_t)((q ? q : end) - f);
	*p = q ? q + 1 : end;
	return f;
}

/* The "reactions" array of EVENT_DETAIL's list: one entry per emoji in the
 * order each was first given, its users in the order they reacted. NULL
 * when out of memory. */
static json_object *store_reactions_json(const char *list)
{
	struct group {
		const char *emoji;
		size_t len;
		json_object *users;
	} *g;
	struct store_reaction *v;
	json_object *arr;
	size_t n = 1, k = 0, groups = 0;

	for (const char *p = list; *p; p++)
		n += *p == '\x1e';
	v = calloc(n, sizeof *v);
	g = calloc(n, sizeof *g);
	if (!v || !g || !(arr = json_object_new_array())) {
		free(v);
		free(g);
		return NULL;
	}
	for (const char *p = list; *p && k < n; k++) {
		const char *end = p + strcspn(p, "\x1e"), *q = p;

		v[k].ts = store_field(&q, end, '\x1f', &v[k].ts_len);
		v[k].emoji = store_field(&q, end, '\x1f', &v[k].emoji_len);
		v[k].user = q;
		v[k].user_len = (size_t)(end - q);
		v[k].order = k;
		p = *end ? end + 1 : end;
	}
	qsort(v, k, sizeof *v, store_reaction_cmp);
	for (size_t i = 0; i < k; i++) {
		size_t j = 0;

		while (j < groups && !(g[j].len == v[i].emoji_len &&
		                       memcmp(g[j].emoji, v[i].emoji, g[j].len) == 0))
			j++;
		if (j == groups)
			g[groups++] = (struct group){ v[i].emoji, v[i].emoji_len, json_object_new_array() };
		json_object_array_add(g[j].users, json_object_new_string_len(v[i].user,
		                                                             (int)v[i].user_len));
	}
	for (size_t j = 0; j < groups; j++) {
		json_object *e = json_object_new_object();

		json_object_object_add(e, "emoji", json_object_new_string_len(g[j].emoji, (int)g[j].len));
		json_object_object_add(e, "count",
		                       json_object_new_int64((long long)json_object_array_length(g[j].users)));
		json_object_object_add(e, "users", g[j].users);
		json_object_array_add(arr, e);
	}
	free(g);
	free(v);
	return arr;
}

/* What the reads of a conversation add to the message r (not removed, but
 * for its replies): replies, last_reply, reactions, solved. */
static void store_row_detail(json_object *o, const struct store_row *r)
{
	if (r->replies > 0) {
		json_object_object_add(o, "replies", json_object_new_int64(r->replies));
		json_object_object_add(o, "last_reply", json_object_new_int64(r->last_reply));
	}
	if (r->deleted)
		return;
	if (r->reactions && *r->reactions)
		json_object_object_add(o, "reactions", store_reactions_json(r->reactions));
	if (r->solved_at && *r->solved_at) {
		json_object *sv = json_object_new_object();

		json_object_object_add(sv, "by", json_object_new_string(str(r->solved_by)));
		json_object_object_add(sv, "ts", json_object_new_string(r->solved_at));
		json_object_object_add(o, "solved", sv);
	}
}

/* The space-separated names as a JSON array (a new one). */
static json_object *store_rows_names_json(const char *names)
{
	json_object *a = json_object_new_array();

	for (const char *p = names; a && *p;) {
		size_t n = strcspn(p, " ");
		if (n)
			json_object_array_add(a, json_object_new_string_len(p, (int)n));
		p += n + (p[n] == ' ');
	}
	return a;
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
	if (type == EV_MESSAGE || type == EV_DIRECT) {
		if (r->deleted) {
			json_object_object_add(o, "deleted", json_object_new_boolean(1));
		} else {
			json_object_object_add(o, "text", json_object_new_string(str(r->text)));
			if (r->edited && *r->edited)
				json_object_object_add(o, "edited", json_object_new_string(r->edited));
			if (r->mentions && *r->mentions)
				json_object_object_add(o, "mentions", store_rows_names_json(r->mentions));
		}
		if (r->reply_to) {
			json_object_object_add(o, "reply_to", store_row_parent(r));
			json_object_object_add(o, "thread", json_object_new_int64(r->thread_id));
		}
		if (r->detail)
			store_row_detail(o, r);
		return o;
	}
	if (r->deleted)   /* a hand-made row: say nothing more */
		json_object_object_add(o, "deleted", json_object_new_boolean(1));
	if (type == EV_TOPIC)
		json_object_object_add(o, "topic", json_object_new_string(str(r->text)));
	if (store_event_targets(type) || type == EV_PIN)
		json_object_object_add(o, "target", json_object_new_int64(r->target));
	if (type == EV_EDIT && r->target_gone) {
		json_object_object_add(o, "deleted", json_object_new_boolean(1));
	} else if (type == EV_EDIT) {
		json_object_object_add(o, "text", json_object_new_string(str(r->target_text)));
		json_object_object_add(o, "edited", json_object_new_string(str(r->target_edited)));
	}
	if (type == EV_REACTION)
		json_object_object_add(o, "emoji", json_object_new_string(str(r->text)));
	if (type == EV_REACTION || type == EV_SOLVED)
		json_object_object_add(o, "on", json_object_new_boolean(r->on));
	if (type == EV_READ) {
		if (!r->room)
			json_object_object_add(o, "with", json_object_new_string(str(r->to_username)));
		json_object_object_add(o, "read", json_object_new_int64(r->target));
	}
	if (type == EV_PIN)
		json_object_object_add(o, "pinned", json_object_new_boolean(strcmp(str(r->text), "pin") == 0));
	return o;
}

struct store_event *store_events_next(struct store_events *evs)
{
	if (evs->n == evs->cap) {
		size_t cap = evs->cap ? evs->cap * 2 : 16;
		struct store_event *v = realloc(evs->v, cap * sizeof *v);

		if (!v)
			return NULL;
		evs->v = v;
		evs->cap = cap;
	}
	return &evs->v[evs->n];
}

int store_rows_event_push(struct store_events *out, const struct store_row *r)
{
	struct store_event *ev = store_events_next(out);
	json_object *o;

	if (!ev)
		return -1;
	ev->id = r->id;
	ev->type = store_event_type(str(r->type));
	ev->user_id = r->user_id;
	ev->to_user_id = r->to_user_id;
	ev->target = r->target;
	ev->ts_ms = store_time_ms(str(r->ts));
	ev->reply_to = r->reply_to;
	if (store_event_targets(ev->type) && !r->room) {   /* only these two see it (store.h) */
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
	json_object *o = store_row_json(r, store_event_type(str(r->type)));
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

int store_rows_unread_add(json_object *out, const struct store_unread_row *r)
{
	json_object *o = json_object_new_object();

	if (!o)
		return -1;
	json_object_object_add(o, r->direct ? "with" : "name", json_object_new_string(r->name));
	json_object_object_add(o, "unread", json_object_new_int64(r->unread > 0 ? r->unread : 0));
	if (!r->direct)
		json_object_object_add(o, "mentions", json_object_new_int64(r->mentions));
	json_object_object_add(o, "read", json_object_new_int64(r->read));
	if (json_object_array_add(out, o) != 0) {
		json_object_put(o);
		return -1;
	}
	return 0;
}

int store_rows_notify_user_add(struct store_notify_user **users, size_t *n,
                               const struct store_notify_user *u)
{
	struct store_notify_user *v = realloc(*users, (*n + 1) * sizeof *v);

	if (!v)
		return -1;
	*users = v;
	v[(*n)++] = *u;
	return 0;
}

int store_rows_notify_item_add(struct store_notify_item **items, size_t *n, long long id,
                               const char *ts, const char *from, const char *room,
                               const char *text)
{
	struct store_notify_item *v = realloc(*items, (*n + 1) * sizeof *v), *it;

	if (!v)
		return -1;
	*items = v;
	it = &v[*n];
	it->id = id;
	snprintf(it->ts, sizeof it->ts, "%s", str(ts));
	it->from = strdup(str(from));
	it->room = room ? strdup(room) : NULL;
	it->text = strdup(str(text));
	if (!it->from || !it->text || (room && !it->room)) {
		free(it->from);
		free(it->room);
		free(it->text);
		return -1;
	}
	(*n)++;
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
	if (!(o = store_row_json(r, store_event_type(str(r->type)))))
		return -1;
	json_object_object_add(o, "pinned_at", json_object_new_string(str(pinned_at)));
	json_object_object_add(o, "pinned_by", json_object_new_string(str(pinned_by)));
	if (json_object_array_add(pins, o) != 0) {
		json_object_put(o);
		return -1;
	}
	return 0;
}
