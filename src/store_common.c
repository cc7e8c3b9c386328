/*
 * store_common.c - what the SQLite and PostgreSQL stores share: the time
 * format, an event's JSON (built once, here, for both; also a search
 * result's), history order,
 * name lists, and the user_seen write throttle (see store_impl.h).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "search.h"
#include "store_impl.h"

const char *const store_event_type_names[] = {
	[EV_MESSAGE] = "message", [EV_JOIN] = "join", [EV_LEAVE] = "leave",
	[EV_DIRECT] = "direct", [EV_DELETE] = "delete",
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

int store_clamp(int limit)
{
	return limit < 1 ? 1 : limit > STORE_MAX_LIMIT ? STORE_MAX_LIMIT : limit;
}

json_object *store_user_json(long long id, const char *username, const char *gravatar)
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

	for (t = EV_MESSAGE; t < EV_DELETE; t++)
		if (strcmp(name, store_event_type_names[t]) == 0)
			break;
	return t;
}

static const char *str(const char *s)
{
	return s ? s : "";
}

/* The event r as API.md shows it (a new object). A removed message keeps
 * its place with "deleted": true and no text. */
static json_object *store_row_json(const struct store_row *r, enum event_type type)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "id", json_object_new_int64(r->id));
	json_object_object_add(o, "type", json_object_new_string(store_event_type_names[type]));
	json_object_object_add(o, "ts", json_object_new_string(str(r->ts)));
	if (r->room)
		json_object_object_add(o, "room", json_object_new_string(r->room));
	json_object_object_add(o, "user", store_user_json(r->user_id, str(r->username),
	                                                  str(r->gravatar)));
	if (type == EV_DIRECT)
		json_object_object_add(o, "to", json_object_new_string(str(r->to_username)));
	if (r->deleted)
		json_object_object_add(o, "deleted", json_object_new_boolean(1));
	else if (type == EV_MESSAGE || type == EV_DIRECT)
		json_object_object_add(o, "text", json_object_new_string(str(r->text)));
	if (type == EV_DELETE)
		json_object_object_add(o, "target", json_object_new_int64(r->target));
	return o;
}

int store_events_push(struct store_events *out, const struct store_row *r)
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

int store_search_add(json_object *out, const struct store_row *r, const char *marked)
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

void store_history_finish(struct store_events *out, size_t first, int limit, int *more)
{
	size_t i, j;

	*more = 0;
	if (out->n - first > (size_t)limit) {
		*more = 1;
		out->n--;
		free(out->v[out->n].room);
		free(out->v[out->n].json);
	}
	for (i = first, j = out->n; i + 1 < j; i++, j--) {
		struct store_event t = out->v[i];

		out->v[i] = out->v[j - 1];
		out->v[j - 1] = t;
	}
}

int store_names_add(char ***names, size_t *n, const char *name)
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

/* 1 when name is `all` or one of persistent[0..n). */
static int store_wanted(const char *name, const char *const *persistent, size_t n)
{
	if (strcmp(name, "all") == 0)
		return 1;
	for (size_t i = 0; i < n; i++)
		if (strcmp(name, persistent[i]) == 0)
			return 1;
	return 0;
}

int store_persistent_same(char **names, const char *const *persistent, size_t n)
{
	size_t have = 0;

	for (char **p = names; p && *p; p++, have++)
		if (!store_wanted(*p, persistent, n))
			return 0;
	/* names are unique (rooms.name is): as many as the distinct wanted ones */
	size_t want = 1;
	for (size_t i = 0; i < n; i++) {
		int dup = strcmp(persistent[i], "all") == 0;
		for (size_t j = 0; j < i && !dup; j++)
			dup = strcmp(persistent[i], persistent[j]) == 0;
		want += !dup;
	}
	return have == want;
}

/* A user store_user_seen() knows: their row as last written, and whether
 * they have been seen since. */
struct store_seen {
	long long id;
	uint64_t hash;                 /* of username, email, gravatar and the store */
	uint64_t where_hash;           /* of the store alone */
	int dirty;                     /* seen since the row was written */
	struct timespec seen;          /* CLOCK_REALTIME of the latest request */
	struct user user;              /* as written */
};
static struct store_seen store_seen_tab[STORE_SEEN_SLOTS];
static pthread_mutex_t store_seen_lock = PTHREAD_MUTEX_INITIALIZER;

/* FNV-1a of the NUL-terminated strings fields[0..n-1], NULs included. */
static uint64_t fnv_strings(const char *const *fields, size_t n)
{
	uint64_t h = 14695981039346656037ULL;

	for (size_t i = 0; i < n; i++)
		for (const char *p = fields[i]; ; p++) {
			h = (h ^ (unsigned char)*p) * 1099511628211ULL;
			if (!*p)
				break;
		}
	return h;
}

static uint64_t user_hash(const char *store, const struct user *u)
{
	const char *fields[] = { u->username, u->email, u->gravatar, store };

	return fnv_strings(fields, 4);
}

int store_user_seen_note(const char *store, const struct user *u)
{
	struct store_seen *s = &store_seen_tab[(unsigned long long)u->id % STORE_SEEN_SLOTS];
	uint64_t hash = user_hash(store, u);
	int known;

	pthread_mutex_lock(&store_seen_lock);
	if ((known = s->id == u->id && s->hash == hash)) {
		s->dirty = 1;
		clock_gettime(CLOCK_REALTIME, &s->seen);
	}
	pthread_mutex_unlock(&store_seen_lock);
	return known;
}

void store_seen_done(const char *store, const struct user *u, int noted)
{
	struct store_seen *s = &store_seen_tab[(unsigned long long)u->id % STORE_SEEN_SLOTS];
	uint64_t hash = user_hash(store, u);

	pthread_mutex_lock(&store_seen_lock);
	s->id = u->id;
	s->hash = hash;
	s->where_hash = fnv_strings(&store, 1);
	s->dirty = noted;
	clock_gettime(CLOCK_REALTIME, &s->seen);
	s->user = *u;
	pthread_mutex_unlock(&store_seen_lock);
}

struct store_seen_row *store_seen_due_rows(const char *store, size_t *n)
{
	uint64_t where_hash = fnv_strings(&store, 1);
	struct store_seen_row *rows = NULL;
	size_t cap = 0;

	*n = 0;
	pthread_mutex_lock(&store_seen_lock);
	for (size_t i = 0; i < STORE_SEEN_SLOTS; i++) {
		struct store_seen *s = &store_seen_tab[i];
		if (!s->dirty || s->where_hash != where_hash)
			continue;
		if (*n == cap) {
			struct store_seen_row *more = realloc(rows, (cap = cap ? 2 * cap : 64) * sizeof *rows);
			if (!more)
				break;   /* the rest stay noted for the next time */
			rows = more;
		}
		rows[*n].user = s->user;
		store_time_at(rows[*n].ts, &s->seen);
		(*n)++;
		s->dirty = 0;
	}
	pthread_mutex_unlock(&store_seen_lock);
	return rows;
}

enum store_result store_join_refused(const struct user *u, int max_rooms, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s is already in %d rooms besides all and the site's persistent "
	         "rooms, the most allowed (max_rooms_per_user); leave one first",
	         u->username, max_rooms);
	return STORE_FORBIDDEN;
}
