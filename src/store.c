/*
 * store.c - the message store's one interface (store.h) over its two
 * implementations: store_open() picks SQLite (store_sqlite.c) or
 * PostgreSQL (store_pg.c) from the `store =` value, and every other
 * function calls through the handle's ops table, so no caller ever asks
 * which store it has.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dburl.h"
#include "store_impl.h"

int store_is_postgresql(const char *where)
{
	return strncmp(where, "postgresql:", 11) == 0 || strncmp(where, "postgresql+", 11) == 0 ||
	       strncmp(where, "postgres:", 9) == 0;
}

void store_describe(const char *where, char *out, size_t outlen)
{
	const char *user = strstr(where, "://"), *end, *at, *colon;

	if (!store_is_postgresql(where) || !user) {
		snprintf(out, outlen, "%s", where);
		return;
	}
	user += 3;
	end = user + strcspn(user, "/?");
	at = memchr(user, '@', (size_t)(end - user));
	colon = at ? memchr(user, ':', (size_t)(at - user)) : NULL;
	if (colon)
		snprintf(out, outlen, "%.*s:***%s", (int)(colon - where), where, at);
	else
		snprintf(out, outlen, "%s", where);
}

int store_sqlite_file(const char *where, char *path, size_t pathlen, char *err, size_t errlen)
{
	struct dburl url;
	int n;

	if (store_is_postgresql(where)) {
		snprintf(err, errlen, "the store is a PostgreSQL database, not an SQLite file");
		return -1;
	}
	if (strncmp(where, "sqlite:", 7) != 0) {
		n = snprintf(path, pathlen, "%s", where);
	} else {
		if (dburl_parse(where, NULL, &url, err, errlen) < 0)
			return -1;
		n = snprintf(path, pathlen, "%s", url.sqlite_path);
		dburl_free(&url);
	}
	if (n < 0 || (size_t)n >= pathlen) {
		snprintf(err, errlen, "the store's path is too long");
		return -1;
	}
	return 0;
}

/* store_open() without naming the store. */
static int store_open_kind(const char *where, const char *const *persistent, size_t n,
                           struct store **out, char *err, size_t errlen)
{
	struct dburl url;
	int rc;

	*out = NULL;
	if (!store_is_postgresql(where) && strncmp(where, "sqlite:", 7) != 0)
		return store_sqlite_open(where, persistent, n, out, err, errlen);
	if (dburl_parse(where, NULL, &url, err, errlen) < 0)
		return -1;
	if (url.kind == DBURL_SQLITE) {
		rc = store_sqlite_open(url.sqlite_path, persistent, n, out, err, errlen);
	} else {
		rc = store_pg_open(url.pg_conninfo, persistent, n, out, err, errlen);
	}
	dburl_free(&url);
	return rc;
}

int store_open(const char *where, const char *const *persistent, size_t n,
               struct store **out, char *err, size_t errlen)
{
	if (store_open_kind(where, persistent, n, out, err, errlen) < 0)
		return -1;
	if (!((*out)->where = strdup(where))) {
		store_close(*out);
		*out = NULL;
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

void store_close(struct store *st)
{
	if (st) {
		char *where = st->where;
		st->ops->close(st);
		free(where);
	}
}

enum store_result store_user_seen(struct store *st, const struct user *u,
                                  char *err, size_t errlen)
{
	struct store_seen_row row = { .user = *u };
	enum store_result rc;
	int current = 0;

	if (store_user_seen_note(st->where, u))
		return STORE_OK;
	/* new to this process: a read tells whether the row needs writing (a
	 * user's polls may reach many processes under mod_fcgid) */
	if ((rc = st->ops->user_current(st, u, &current, err, errlen)) != STORE_OK)
		return rc;
	if (current) {
		store_seen_done(st->where, u, 1);
		return STORE_OK;
	}
	store_time(row.ts, 0);
	if ((rc = st->ops->user_seen(st, &row, 1, 1, err, errlen)) == STORE_OK)
		store_seen_done(st->where, u, 0);
	return rc;
}

enum store_result store_seen_flush(struct store *st, char *err, size_t errlen)
{
	size_t n;
	struct store_seen_row *rows = store_seen_due_rows(st->where, &n);
	enum store_result rc = STORE_OK;

	/* in transactions of STORE_SEEN_CHUNK rows: messages wait for the
	 * write lock at most one of them */
	for (size_t i = 0; i < n && rc == STORE_OK; i += STORE_SEEN_CHUNK)
		rc = st->ops->user_seen(st, rows + i, n - i < STORE_SEEN_CHUNK ? n - i : STORE_SEEN_CHUNK,
		                        0, err, errlen);
	free(rows);
	return rc;
}

enum store_result store_join(struct store *st, const struct user *u, const char *room,
                             int max_rooms, long long *event_id, char *err, size_t errlen)
{
	return st->ops->join(st, u, room, max_rooms, event_id, err, errlen);
}

enum store_result store_leave(struct store *st, const struct user *u, const char *room,
                              long long *event_id, char *err, size_t errlen)
{
	/* the one rule both stores share, checked once before either runs */
	if (strcmp(room, "all") == 0) {
		*event_id = 0;
		snprintf(err, errlen, "nobody can leave the room all");
		return STORE_FORBIDDEN;
	}
	return st->ops->leave(st, u, room, event_id, err, errlen);
}

enum store_result store_post(struct store *st, const struct user *u,
                             const char *room, long long to_user_id,
                             const char *text, const char *client_id,
                             long long *id, char ts[32], int *created,
                             char *err, size_t errlen)
{
	*id = 0;
	*created = 0;
	ts[0] = '\0';
	if (!room == (to_user_id <= 0)) {
		snprintf(err, errlen, "store_post: give a room or a recipient, not both");
		return STORE_ERROR;
	}
	return st->ops->post(st, u, room, to_user_id, text, client_id, id, ts, created,
	                     err, errlen);
}

enum store_result store_events_visible(struct store *st, long long user_id,
                                       long long since, int limit,
                                       struct store_events *out,
                                       char *err, size_t errlen)
{
	return st->ops->events_visible(st, user_id, since, store_clamp(limit), out, err, errlen);
}

enum store_result store_events_all(struct store *st, long long since, int limit,
                                   struct store_events *out, char *err, size_t errlen)
{
	return st->ops->events_all(st, since, store_clamp(limit), out, err, errlen);
}

enum store_result store_max_id(struct store *st, long long *id, char *err, size_t errlen)
{
	return st->ops->max_id(st, id, err, errlen);
}

enum store_result store_memberships(struct store *st, long long user_id, char ***rooms,
                                   char *err, size_t errlen)
{
	*rooms = NULL;
	return st->ops->memberships(st, user_id, rooms, err, errlen);
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

enum store_result store_room_access(struct store *st, long long user_id, const char *room,
                                    char *err, size_t errlen)
{
	enum store_result res;
	int member = 0;

	if ((res = st->ops->room_member(st, user_id, room, &member, err, errlen)) != STORE_OK)
		return res;
	if (!member) {
		snprintf(err, errlen, "not a member of the room %s", room);
		return STORE_FORBIDDEN;
	}
	return STORE_OK;
}

enum store_result store_history(struct store *st, long long user_id, const char *room,
                                long long before, int limit, struct store_events *out,
                                int *more, char *err, size_t errlen)
{
	enum store_result res;

	*more = 0;
	if ((res = store_room_access(st, user_id, room, err, errlen)) != STORE_OK)
		return res;
	return st->ops->history(st, room, before, store_clamp(limit), out, more,
	                        err, errlen);
}

enum store_result store_rooms(struct store *st, long long user_id, int brief,
                              json_object **out, char *err, size_t errlen)
{
	*out = NULL;
	return st->ops->rooms(st, user_id, brief, out, err, errlen);
}

enum store_result store_who(struct store *st, long long user_id, const char *room,
                            json_object **out, char *err, size_t errlen)
{
	enum store_result res;

	*out = NULL;
	if ((res = store_room_access(st, user_id, room, err, errlen)) != STORE_OK)
		return res;
	return st->ops->who(st, room, out, err, errlen);
}

void store_events_clear(struct store_events *evs)
{
	size_t i;

	for (i = 0; i < evs->n; i++) {
		free(evs->v[i].room);
		free(evs->v[i].json);
	}
	free(evs->v);
	evs->v = NULL;
	evs->n = evs->cap = 0;
}

enum store_result store_delete(struct store *st, const struct user *u, long long id,
                               long long *event_id, char *err, size_t errlen)
{
	*event_id = 0;
	return st->ops->delete(st, u, id, event_id, err, errlen);
}

enum store_result store_mute(struct store *st, const struct user *u, long long user_id,
                             int minutes, char until[32], long long *event_id,
                             char *err, size_t errlen)
{
	char notice[USER_NAME_MAX + 96];
	enum store_result res;

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
	res = st->ops->mute(st, u, user_id, until, notice, event_id, err, errlen);
	if (res != STORE_OK)
		until[0] = '\0';
	return res;
}

enum store_result store_muted_until(struct store *st, long long user_id, char until[32],
                                    char *err, size_t errlen)
{
	until[0] = '\0';
	return st->ops->muted_until(st, user_id, until, err, errlen);
}

enum store_result store_search(struct store *st, long long user_id, const char *q,
                               const char *room, long long before, int limit, int timeout_ms,
                               json_object **out, int *more, int *partial,
                               char *err, size_t errlen)
{
	enum store_result res;

	*more = *partial = 0;
	if (!(*out = json_object_new_array())) {
		snprintf(err, errlen, "out of memory");
		return STORE_ERROR;
	}
	res = st->ops->search(st, user_id, q, room, before > 0 ? before : INT64_MAX,
	                      store_clamp(limit), timeout_ms > 0 ? timeout_ms : 1, *out, more,
	                      partial, err, errlen);
	if (res != STORE_OK) {
		json_object_put(*out);
		*out = NULL;
	}
	*more |= *partial;   /* older matches may exist: the search did not get to them */
	return res;
}

enum store_result store_prune(struct store *st, int days, int batch, int dry_run,
                              char cutoff[32], long long *events, long long *messages,
                              char *err, size_t errlen)
{
	*events = *messages = 0;
	store_time(cutoff, -(long long)days * 86400);
	return st->ops->prune(st, cutoff, batch, dry_run, events, messages, err, errlen);
}

enum store_result store_log(struct store *st, const char *room, const char *since,
                            const char *until, store_log_fn fn, void *ctx,
                            char *err, size_t errlen)
{
	return st->ops->log(st, room, since, until, fn, ctx, err, errlen);
}

enum store_result store_stats(struct store *st, struct store_stats *out,
                              char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	return st->ops->stats(st, out, err, errlen);
}

unsigned store_seq(struct store *st)
{
	return st->ops->seq(st);
}

unsigned store_wait(struct store *st, unsigned seq, int timeout_ms)
{
	return st->ops->wait(st, seq, timeout_ms);
}
