/*
 * store_sqlite.c - the store driver (store_driver.h) for one SQLite file:
 * one function per statement of store_sqlite_sql.c, the dialect's own
 * queries (the visible-events scan, search, prune), and the driver's
 * table; store_sqlite_attention.c has the statements of attention and
 * notify. Opening, transactions, the lock waits, schema upgrades and waking
 * are store_sqlite_conn.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monotime.h"
#include "search.h"
#include "store_sqlite_attention.h"

#define STORE_SEARCH_STEPS 1000  /* a search looks at the clock this many
                                  * SQLite instructions apart */

/* Binds u's id, username, email and gravatar to s's ?1..?4. */
static sqlite3_stmt *bind_user(sqlite3_stmt *s, const struct user *u)
{
	sqlite3_bind_int64(s, 1, u->id);
	sqlite3_bind_text(s, 2, u->username, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, u->email, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, u->gravatar, -1, SQLITE_STATIC);
	return s;
}

/* Binds v to s's ?i, or NULL when v is 0. */
static void bind_id_or_null(sqlite3_stmt *s, int i, long long v)
{
	if (v)
		sqlite3_bind_int64(s, i, v);
	else
		sqlite3_bind_null(s, i);
}

static int sqls_user_write(struct store *base, const struct user *u, const char *ts)
{
	sqlite3_stmt *s = bind_user(sqls_stmt(sqls(base), S_USER_WRITE), u);

	sqlite3_bind_text(s, 5, ts, -1, SQLITE_STATIC);
	return sqls_exec(s);
}

static int sqls_user_current(struct store *base, const struct user *u)
{
	long long one;

	return sqls_int(bind_user(sqls_stmt(sqls(base), S_USER_CURRENT), u), &one);
}

static int sqls_user_known(struct store *base, long long user_id)
{
	sqlite3_stmt *s = sqls_stmt(sqls(base), S_USER_KNOWN);
	long long id;

	sqlite3_bind_int64(s, 1, user_id);
	return sqls_int(s, &id);
}

static int sqls_user_left(struct store *base, long long user_id, const char *ts,
                          const char *recent)
{
	sqlite3_stmt *s = sqls_stmt(sqls(base), S_USER_LEFT);

	sqlite3_bind_int64(s, 1, user_id);
	sqlite3_bind_text(s, 2, ts, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, recent, -1, SQLITE_STATIC);
	return sqls_exec(s);
}

static int sqls_users_seen(struct store *base, const struct store_seen_row *rows, size_t n,
                           int wait)
{
	struct sqls *st = sqls(base);
	int r;

	/* a transaction even for one row: its end lets waiting writers go */
	st->busy_ms = wait ? STORE_BUSY_MS : 0;
	r = sqls_begin(base);
	st->busy_ms = STORE_BUSY_MS;
	/* another writer holds the lock (another process's flush, often, as
	 * theirs run as often): last_seen is soft state, so this round is
	 * skipped rather than reported, and its rows are due again */
	if (r < 0 && !wait && sqlite3_errcode(st->db) == SQLITE_BUSY) {
		sqlite3_reset(sqls_stmt(st, S_BEGIN));
		return 1;
	}
	for (size_t i = 0; i < n && r == 0; i++)
		r = sqls_user_write(base, &rows[i].user, rows[i].ts);
	return r < 0 ? -1 : sqls_commit(base, 0);
}

static int sqls_room_find(struct store *base, const char *name, const char *key, long long *id,
                          int *persistent, char canon[ROOM_NAME_BUF])
{
	sqlite3_stmt *s = sqls_stmt(sqls(base), S_ROOM_FIND);
	int r;

	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, key, -1, SQLITE_STATIC);
	if ((r = sqls_row(s)) == 1) {
		*id = sqlite3_column_int64(s, 0);
		if (persistent)
			*persistent = sqlite3_column_int(s, 1) != 0;
		if (canon)
			snprintf(canon, ROOM_NAME_BUF, "%s", sqls_text(s, 2));
		sqlite3_reset(s);
	}
	return r;
}

static int sqls_room_add(struct store *base, const char *name, const char *key, int persistent,
                         const char *ts)
{
	sqlite3_stmt *s = sqls_stmt(sqls(base), S_ROOM_ADD);

	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, persistent);
	sqlite3_bind_text(s, 3, ts, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, key, -1, SQLITE_STATIC);
	return sqls_exec(s);
}

/* Appends every column of every row of the bound query s to *names. */
static int names_query(struct sqls *st, sqlite3_stmt *s, char ***names, size_t *n)
{
	int r;

	while ((r = sqls_row(s)) == 1)
		for (int i = 0; i < sqlite3_column_count(s); i++)
			if (store_rows_name_add(names, n, sqls_text(s, i)) < 0) {
				sqlite3_reset(s);
				return sqls_oom(st);
			}
	return r;
}

static int sqls_rooms_persistent(struct store *base, char ***names, size_t *n)
{
	return names_query(sqls(base), sqls_stmt(sqls(base), S_ROOMS_PERSISTENT), names, n);
}

static int sqls_room_persist(struct store *base, long long room_id)
{
	sqlite3_stmt *s = sqls_stmt(sqls(base), S_ROOM_PERSIST);

	sqlite3_bind_int64(s, 1, room_id);
	return sqls_exec(s);
}

static int sqls_rooms_unkeyed(struct store *base, char ***names, size_t *n)
{
	return names_query(sqls(base), sqls_stmt(sqls(base), S_ROOMS_UNKEYED), names, n);
}

static int sqls_rooms_unpersist(struct store *base)
{
	return sqls_exec(sqls_stmt(sqls(base), S_ROOMS_UNPERSIST));
}

static int sqls_member_add(struct store *base, long long room_id, long long user_id,
                           const char *ts)
{
	sqlite3_stmt *s = sqls_bind_ids(sqls_stmt(sqls(base), S_MEMBER_ADD), room_id, user_id);

	sqlite3_bind_text(s, 3, ts, -1, SQLITE_STATIC);
	return sqls_changes(sqls(base), s);
}

static int sqls_member_del(struct store *base, long long room_id, long long user_id)
{
	return sqls_changes(sqls(base), sqls_bind_ids(sqls_stmt(sqls(base), S_MEMBER_DEL), room_id, user_id));
}

static int sqls_member_is(struct store *base, long long room_id, long long user_id)
{
	long long one;

	return sqls_int(sqls_bind_ids(sqls_stmt(sqls(base), S_MEMBER_IS), room_id, user_id), &one);
}

static int sqls_rooms_adhoc(struct store *base, long long user_id, long long room_id,
                            long long *n)
{
	return sqls_int(sqls_bind_ids(sqls_stmt(sqls(base), S_ROOMS_ADHOC), user_id, room_id), n) < 0 ? -1 : 0;
}

static int sqls_memberships(struct store *base, long long user_id, char ***names, size_t *n)
{
	sqlite3_stmt *s = sqls_stmt(sqls(base), S_MEMBERSHIPS);

	sqlite3_bind_int64(s, 1, user_id);
	return names_query(sqls(base), s, names, n);
}

static int sqls_rooms(struct store *base, long long user_id, int brief, const char *since,
                      json_object *out)
{
	struct sqls *st = sqls(base);
	sqlite3_stmt *s = sqls_bind_ids(sqls_stmt(st, S_ROOMS), user_id, base->all_id);
	int r;

	sqlite3_bind_text(s, 3, since, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 4, brief != 0);
	while ((r = sqls_row(s)) == 1) {
		struct store_room_row row = {
			.name = sqls_text(s, 0), .persistent = sqlite3_column_int(s, 1) != 0,
			.joined = sqlite3_column_int(s, 2) != 0, .topic = sqls_text(s, 3),
			.members = sqlite3_column_int64(s, 4), .online = sqlite3_column_int64(s, 5),
			.last_id = sqlite3_column_int64(s, 6),
		};
		if (store_rows_room_add(out, &row, brief) < 0) {
			sqlite3_reset(s);
			return sqls_oom(st);
		}
	}
	return r;
}

static int sqls_who(struct store *base, long long room_id, const char *since, json_object *out)
{
	struct sqls *st = sqls(base);
	sqlite3_stmt *s = sqls_stmt(st, S_WHO);
	int r;

	sqlite3_bind_int64(s, 1, room_id);
	sqlite3_bind_text(s, 2, since, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, base->all_id);
	while ((r = sqls_row(s)) == 1)
		if (json_object_array_add(out, store_rows_user_json(sqlite3_column_int64(s, 0),
		                                                    sqls_text(s, 1), sqls_text(s, 2))) != 0) {
			sqlite3_reset(s);
			return sqls_oom(st);
		}
	return r;
}

static int sqls_topics_configured(struct store *base, char ***pairs, size_t *n)
{
	return names_query(sqls(base), sqls_stmt(sqls(base), S_TOPICS_CONFIGURED), pairs, n);
}

static int sqls_topic_configure(struct store *base, const char *name, const char *topic)
{
	sqlite3_stmt *s = sqls_stmt(sqls(base), S_TOPIC_CONFIGURE);

	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, topic, -1, SQLITE_STATIC);
	return sqls_exec(s);
}

static int sqls_topic_set(struct store *base, long long room_id, const char *topic)
{
	sqlite3_stmt *s = sqls_stmt(sqls(base), S_TOPIC_SET);

	sqlite3_bind_int64(s, 1, room_id);
	sqlite3_bind_text(s, 2, topic, -1, SQLITE_STATIC);
	return sqls_changes(sqls(base), s);
}

static int sqls_pin_add(struct store *base, long long room_id, long long id, long long by,
                        const char *ts)
{
	sqlite3_stmt *s = sqls_bind_ids(sqls_stmt(sqls(base), S_PIN_ADD), room_id, id);

	sqlite3_bind_int64(s, 3, by);
	sqlite3_bind_text(s, 4, ts, -1, SQLITE_STATIC);
	return sqls_changes(sqls(base), s);
}

static int sqls_pin_del(struct store *base, long long room_id, long long id)
{
	return sqls_changes(sqls(base), sqls_bind_ids(sqls_stmt(sqls(base), S_PIN_DEL), room_id, id));
}

static int sqls_pins_count(struct store *base, long long room_id, long long *n)
{
	sqlite3_stmt *s = sqls_stmt(sqls(base), S_PINS_COUNT);

	sqlite3_bind_int64(s, 1, room_id);
	return sqls_int(s, n) < 0 ? -1 : 0;
}

static int sqls_event_add(struct store *base, const struct store_new_event *ev, long long *id)
{
	struct sqls *st = sqls(base);
	sqlite3_stmt *s = sqls_stmt(st, S_EVENT_ADD);

	sqlite3_bind_text(s, 1, ev->ts, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, store_event_type_names[ev->type], -1, SQLITE_STATIC);
	bind_id_or_null(s, 3, ev->room_id);
	sqlite3_bind_int64(s, 4, ev->user->id);
	sqlite3_bind_text(s, 5, ev->user->username, -1, SQLITE_STATIC);
	bind_id_or_null(s, 6, ev->to_user_id);
	sqlite3_bind_text(s, 7, ev->text, -1, SQLITE_STATIC);      /* NULL binds NULL */
	sqlite3_bind_text(s, 8, ev->client_id, -1, SQLITE_STATIC);
	bind_id_or_null(s, 9, ev->target);
	bind_id_or_null(s, 10, ev->reply_to);
	bind_id_or_null(s, 11, ev->thread_id);
	if (ev->on_off >= 0)
		sqlite3_bind_int(s, 12, ev->on_off);
	else
		sqlite3_bind_null(s, 12);
	bind_id_or_null(s, 13, ev->seq);
	sqlite3_bind_text(s, 14, ev->mentions, -1, SQLITE_STATIC);
	if (sqls_int(s, id) != 1)
		return -1;
	sqls_ring_note(st, *id);
	return 0;
}

static int sqls_event_by_client(struct store *base, long long user_id, const char *client_id,
                                long long *id, char ts[32])
{
	sqlite3_stmt *s = sqls_stmt(sqls(base), S_EVENT_BY_CLIENT);
	int r;

	sqlite3_bind_int64(s, 1, user_id);
	sqlite3_bind_text(s, 2, client_id, -1, SQLITE_STATIC);
	if ((r = sqls_row(s)) == 1) {
		*id = sqlite3_column_int64(s, 0);
		snprintf(ts, 32, "%s", sqls_text(s, 1));
		sqlite3_reset(s);
	}
	return r;
}

static int sqls_event_target(struct store *base, long long id, struct store_target *t)
{
	sqlite3_stmt *s = sqls_stmt(sqls(base), S_TARGET);
	int r;

	sqlite3_bind_int64(s, 1, id);
	if ((r = sqls_row(s)) == 1) {
		t->room_id = sqlite3_column_int64(s, 0);
		t->user_id = sqlite3_column_int64(s, 1);
		t->to_user_id = sqlite3_column_int64(s, 2);
		t->deleted = sqlite3_column_int(s, 3);
		t->thread_id = sqlite3_column_int64(s, 4);
		snprintf(t->ts, sizeof t->ts, "%s", sqls_text(s, 5));
		snprintf(t->edited, sizeof t->edited, "%s", sqls_text(s, 6));
		snprintf(t->solved_by, sizeof t->solved_by, "%s", sqls_text(s, 7));
		snprintf(t->solved_at, sizeof t->solved_at, "%s", sqls_text(s, 8));
		sqlite3_reset(s);
	}
	return r;
}

static int sqls_thread_find(struct store *base, long long root, struct store_target *t)
{
	sqlite3_stmt *s = sqls_stmt(sqls(base), S_THREAD_FIND);
	int r;

	sqlite3_bind_int64(s, 1, root);
	if ((r = sqls_row(s)) == 1) {
		t->room_id = sqlite3_column_int64(s, 0);
		t->user_id = sqlite3_column_int64(s, 1);
		t->to_user_id = sqlite3_column_int64(s, 2);
		sqlite3_reset(s);
	}
	return r;
}

static int sqls_event_mark_deleted(struct store *base, long long id, long long by, const char *ts)
{
	sqlite3_stmt *s = sqls_bind_ids(sqls_stmt(sqls(base), S_DELETE_MARK), id, by);

	sqlite3_bind_text(s, 3, ts, -1, SQLITE_STATIC);
	return sqls_exec(s);
}

static int sqls_max_id(struct store *base, long long *id)
{
	return sqls_int(sqls_stmt(sqls(base), S_MAX_ID), id) < 0 ? -1 : 0;
}

/* The event in s's current row (EVENT_COLS, and EVENT_DETAIL's columns
 * after them when detail); strings valid until s moves. */
static struct store_row row_read(sqlite3_stmt *s, int detail)
{
	struct store_row r = {
		.id = sqlite3_column_int64(s, 0), .type = sqls_text(s, 1), .ts = sqls_text(s, 2),
		.room = (const char *)sqlite3_column_text(s, 3),
		.user_id = sqlite3_column_int64(s, 4), .username = sqls_text(s, 5),
		.gravatar = sqls_text(s, 6), .to_user_id = sqlite3_column_int64(s, 7),
		.to_username = sqls_text(s, 8), .text = sqls_text(s, 9),
		.target = sqlite3_column_int64(s, 10), .deleted = sqlite3_column_int(s, 11),
		.target_user_id = sqlite3_column_int64(s, 12),
		.target_to_user_id = sqlite3_column_int64(s, 13),
		.edited = sqls_text(s, 14), .reply_to = sqlite3_column_int64(s, 15),
		.thread_id = sqlite3_column_int64(s, 16), .on = sqlite3_column_int(s, 17) == 1,
		.parent_found = sqlite3_column_int(s, 18), .parent_user_id = sqlite3_column_int64(s, 19),
		.parent_username = sqls_text(s, 20), .parent_gravatar = sqls_text(s, 21),
		.parent_text = sqls_text(s, 22), .parent_deleted = sqlite3_column_int(s, 23),
		.target_text = sqls_text(s, 24), .target_edited = sqls_text(s, 25),
		.target_gone = sqlite3_column_int(s, 26), .mentions = sqls_text(s, 27),
	};

	if (detail) {
		r.detail = 1;
		r.replies = sqlite3_column_int64(s, EVENT_NCOLS);
		r.last_reply = sqlite3_column_int64(s, EVENT_NCOLS + 1);
		r.solved_by = sqls_text(s, EVENT_NCOLS + 2);
		r.solved_at = sqls_text(s, EVENT_NCOLS + 3);
		r.reactions = sqls_text(s, EVENT_NCOLS + 4);
	}
	return r;
}

/* Runs the bound event query s (with EVENT_DETAIL when detail) and
 * appends every row to out: 0 or -1. */
static int events_query(struct sqls *st, sqlite3_stmt *s, int detail, struct store_events *out)
{
	int r;

	while ((r = sqls_row(s)) == 1) {
		struct store_row row = row_read(s, detail);

		if (store_rows_event_push(out, &row) < 0) {
			sqlite3_reset(s);
			return sqls_oom(st);
		}
	}
	return r;
}

static int sqls_pins(struct store *base, long long user_id, json_object *out)
{
	struct sqls *st = sqls(base);
	sqlite3_stmt *s = sqls_bind_ids(sqls_stmt(st, S_PINS), user_id, base->all_id);
	int r;

	while ((r = sqls_row(s)) == 1) {
		struct store_row row = row_read(s, 0);

		if (store_rows_pin_add(out, &row, sqls_text(s, EVENT_NCOLS),
		                       sqls_text(s, EVENT_NCOLS + 1)) < 0) {
			sqlite3_reset(s);
			return sqls_oom(st);
		}
	}
	return r;
}

static int sqls_events_after(struct store *base, long long since, int limit,
                             struct store_events *out)
{
	sqlite3_stmt *s = sqls_stmt(sqls(base), S_EVENTS_ALL);

	sqlite3_bind_int64(s, 1, since);
	sqlite3_bind_int(s, 2, limit);
	return events_query(sqls(base), s, 0, out);
}

static int sqls_events_visible(struct store *base, long long user_id, long long since, int limit,
                               struct store_events *out)
{
	sqlite3_stmt *s = sqls_bind_ids(sqls_stmt(sqls(base), S_EVENTS_VISIBLE), user_id, since);

	sqlite3_bind_int(s, 3, limit);
	sqlite3_bind_int64(s, 4, base->all_id);
	return events_query(sqls(base), s, 0, out);
}

static int sqls_history(struct store *base, long long room_id, long long before, int limit,
                        struct store_events *out)
{
	sqlite3_stmt *s = sqls_bind_ids(sqls_stmt(sqls(base), S_HISTORY), room_id, before);

	sqlite3_bind_int(s, 3, limit);
	return events_query(sqls(base), s, 1, out);
}

static int sqls_event_get(struct store *base, long long id, struct store_events *out)
{
	sqlite3_stmt *s = sqls_stmt(sqls(base), S_EVENT_GET);

	sqlite3_bind_int64(s, 1, id);
	return events_query(sqls(base), s, 1, out);
}

static int sqls_thread(struct store *base, long long root, long long after, int limit,
                       struct store_events *out)
{
	sqlite3_stmt *s = sqls_bind_ids(sqls_stmt(sqls(base), S_THREAD), root, after);

	sqlite3_bind_int(s, 3, limit);
	return events_query(sqls(base), s, 1, out);
}

static int sqls_direct_history(struct store *base, long long a, long long b, long long before,
                               int limit, struct store_events *out)
{
	sqlite3_stmt *s = sqls_bind_ids(sqls_stmt(sqls(base), S_DIRECT_HISTORY), a, b);

	sqlite3_bind_int64(s, 3, before);
	sqlite3_bind_int(s, 4, limit);
	return events_query(sqls(base), s, 1, out);
}

static int sqls_open_questions(struct store *base, long long room_id, const char *since,
                               long long before, int limit, struct store_events *out)
{
	sqlite3_stmt *s = sqls_stmt(sqls(base), S_OPEN);

	sqlite3_bind_int64(s, 1, room_id);
	sqlite3_bind_text(s, 2, since, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, before);
	sqlite3_bind_int(s, 4, limit);
	return events_query(sqls(base), s, 1, out);
}

/* Binds message id and text to s's ?1, ?2 (and ts, unless NULL, to ?3). */
static sqlite3_stmt *bind_text_of(sqlite3_stmt *s, long long id, const char *text, const char *ts)
{
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_text(s, 2, text, -1, SQLITE_STATIC);
	if (ts)
		sqlite3_bind_text(s, 3, ts, -1, SQLITE_STATIC);
	return s;
}

static int sqls_text_is(struct store *base, long long id, const char *text)
{
	long long one;

	return sqls_int(bind_text_of(sqls_stmt(sqls(base), S_TEXT_IS), id, text, NULL), &one);
}

static int sqls_version_add(struct store *base, long long id, const char *ts)
{
	return sqls_exec(bind_text_of(sqls_stmt(sqls(base), S_VERSION_ADD), id, ts, NULL));
}

static int sqls_text_set(struct store *base, long long id, const char *text, const char *ts)
{
	return sqls_exec(bind_text_of(sqls_stmt(sqls(base), S_TEXT_SET), id, text, ts));
}

static int sqls_versions(struct store *base, long long id, store_version_fn fn, void *ctx)
{
	sqlite3_stmt *s = sqls_stmt(sqls(base), S_VERSIONS);
	struct store_version v;
	int r;

	sqlite3_bind_int64(s, 1, id);
	while ((r = sqls_row(s)) == 1) {
		v.version = sqlite3_column_int(s, 0);
		v.written = sqls_text(s, 1);
		v.replaced = sqls_text(s, 2);
		v.text = sqls_text(s, 3);
		if (fn(&v, ctx) < 0) {
			sqlite3_reset(s);
			return 1;
		}
	}
	return r;
}

static int sqls_reaction_add(struct store *base, long long id, const char *emoji,
                             long long user_id, const char *ts)
{
	sqlite3_stmt *s = bind_text_of(sqls_stmt(sqls(base), S_REACTION_ADD), id, emoji, NULL);

	sqlite3_bind_int64(s, 3, user_id);
	sqlite3_bind_text(s, 4, ts, -1, SQLITE_STATIC);
	return sqls_changes(sqls(base), s);
}

static int sqls_reaction_del(struct store *base, long long id, const char *emoji,
                             long long user_id)
{
	sqlite3_stmt *s = bind_text_of(sqls_stmt(sqls(base), S_REACTION_DEL), id, emoji, NULL);

	sqlite3_bind_int64(s, 3, user_id);
	return sqls_changes(sqls(base), s);
}

static int sqls_solved_set(struct store *base, long long id, long long by, const char *ts)
{
	sqlite3_stmt *s = sqls_bind_ids(sqls_stmt(sqls(base), S_SOLVED_SET), id, by);

	sqlite3_bind_text(s, 3, ts, -1, SQLITE_STATIC);
	return sqls_changes(sqls(base), s);
}

static int sqls_solved_del(struct store *base, long long id)
{
	sqlite3_stmt *s = sqls_stmt(sqls(base), S_SOLVED_DEL);

	sqlite3_bind_int64(s, 1, id);
	return sqls_changes(sqls(base), s);
}

static int sqls_mute_get(struct store *base, long long user_id, const char *now, char until[32])
{
	sqlite3_stmt *s = sqls_stmt(sqls(base), S_MUTED);
	int r;

	until[0] = '\0';
	sqlite3_bind_int64(s, 1, user_id);
	sqlite3_bind_text(s, 2, now, -1, SQLITE_STATIC);
	if ((r = sqls_row(s)) == 1) {
		snprintf(until, 32, "%s", sqls_text(s, 0));
		sqlite3_reset(s);
	}
	return r;
}

static int sqls_mute_set(struct store *base, long long user_id, const char *until, long long by,
                         const char *now)
{
	sqlite3_stmt *s = sqls_stmt(sqls(base), S_MUTE_SET);

	sqlite3_bind_int64(s, 1, user_id);
	sqlite3_bind_text(s, 2, until, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, by);
	sqlite3_bind_text(s, 4, now, -1, SQLITE_STATIC);
	return sqls_changes(sqls(base), s);
}

static int sqls_mute_del(struct store *base, long long user_id, const char *now)
{
	sqlite3_stmt *s = sqls_stmt(sqls(base), S_MUTE_DEL);

	sqlite3_bind_int64(s, 1, user_id);
	sqlite3_bind_text(s, 2, now, -1, SQLITE_STATIC);
	return sqls_changes(sqls(base), s);
}

/* SQLite's progress handler during a search: 1 (interrupt) once past
 * the deadline (a monotime_ms() time). */
static int search_past(void *deadline)
{
	return monotime_ms() >= *(const long long *)deadline;
}

static int sqls_search(struct store *base, long long user_id, const char *q, long long room_id,
                       long long before, int limit, int timeout_ms, json_object *out, int *more,
                       int *partial)
{
	struct sqls *st = sqls(base);
	long long deadline;
	sqlite3_stmt *s;
	char *match;
	int r = 0, n = 0, oom = 0;

	if (!(match = search_fts5_query(q)))
		return sqls_oom(st);
	s = sqls_stmt(st, S_SEARCH);
	sqlite3_bind_text(s, 1, match, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, user_id);
	sqlite3_bind_int64(s, 3, before);
	sqlite3_bind_int(s, 4, limit + 1);
	sqlite3_bind_int64(s, 5, base->all_id);
	bind_id_or_null(s, 6, room_id);
	deadline = monotime_ms() + timeout_ms;
	sqlite3_progress_handler(st->db, STORE_SEARCH_STEPS, search_past, &deadline);
	while (!*more && !oom && (r = sqls_row(s)) == 1) {
		struct store_row row = row_read(s, 0);

		if (++n > limit)
			*more = 1;
		else
			oom = store_rows_search_add(out, &row, sqls_text(s, EVENT_NCOLS)) < 0;
	}
	sqlite3_progress_handler(st->db, 0, NULL, NULL);
	free(match);
	*partial = r < 0 && sqlite3_errcode(st->db) == SQLITE_INTERRUPT;
	if (r < 0 && !*partial)
		return -1;
	sqlite3_reset(s);
	return oom ? sqls_oom(st) : 0;
}

static int sqls_prune_bound(struct store *base, const char *cutoff, long long *bound)
{
	sqlite3_stmt *s = sqls_stmt(sqls(base), S_PRUNE_BOUND);

	sqlite3_bind_text(s, 1, cutoff, -1, SQLITE_STATIC);
	return sqls_int(s, bound) < 0 ? -1 : 0;
}

static int sqls_prune_count(struct store *base, long long bound, const char *cutoff,
                            long long *events, long long *messages)
{
	sqlite3_stmt *s = sqls_stmt(sqls(base), S_PRUNE_COUNT);

	sqlite3_bind_int64(s, 1, bound);
	sqlite3_bind_text(s, 2, cutoff, -1, SQLITE_STATIC);
	if (sqls_row(s) != 1)
		return -1;
	*events = sqlite3_column_int64(s, 0);
	*messages = sqlite3_column_int64(s, 1);
	sqlite3_reset(s);
	return 0;
}

static int sqls_prune_batch(struct store *base, long long bound, const char *cutoff, int batch,
                            long long *messages)
{
	sqlite3_stmt *s;
	int r, n;

	if (sqls_begin(base) < 0)
		return -1;
	s = sqls_stmt(sqls(base), S_PRUNE_BATCH);
	sqlite3_bind_int64(s, 1, bound);
	sqlite3_bind_text(s, 2, cutoff, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 3, batch);
	for (n = 0; (r = sqls_row(s)) == 1; n++)
		*messages += sqlite3_column_int(s, 0);
	return r < 0 || sqls_commit(base, 0) < 0 ? -1 : n;
}

static int sqls_log(struct store *base, long long room_id, const char *since, const char *until,
                    store_log_fn fn, void *ctx)
{
	sqlite3_stmt *s = sqls_stmt(sqls(base), S_LOG);
	struct store_log_row row;
	int r;

	sqlite3_bind_int64(s, 1, room_id);
	sqlite3_bind_text(s, 2, since, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, until, -1, SQLITE_STATIC);   /* NULL binds NULL */
	while ((r = sqls_row(s)) == 1) {
		row.id = sqlite3_column_int64(s, 0);
		row.ts = sqls_text(s, 1);
		row.room = sqls_text(s, 2);
		row.user = sqls_text(s, 3);
		row.type = sqls_text(s, 4);
		row.deleted = sqlite3_column_int(s, 6);
		row.text = sqlite3_column_type(s, 5) == SQLITE_NULL || row.deleted ? NULL
		           : sqls_text(s, 5);
		row.target = sqlite3_column_int64(s, 7);
		row.edited = (const char *)sqlite3_column_text(s, 8);
		row.on = sqlite3_column_int(s, 9) == 1;
		row.reply_to = sqlite3_column_int64(s, 10);
		if (fn(&row, ctx) < 0) {
			sqlite3_reset(s);
			return 1;
		}
	}
	return r;
}

/* Reads S_STATS's one row from s into out (s reset); 0, or -1. */
static int stats_read(sqlite3_stmt *s, struct store_stats *out)
{
	if (sqls_row(s) != 1)
		return -1;
	out->events = sqlite3_column_int64(s, 0);
	out->messages = sqlite3_column_int64(s, 1);
	out->users = sqlite3_column_int64(s, 2);
	out->rooms = sqlite3_column_int64(s, 3);
	out->newest_id = sqlite3_column_int64(s, 4);
	snprintf(out->newest_ts, sizeof out->newest_ts, "%s", sqls_text(s, 5));
	sqlite3_reset(s);
	return 0;
}

static int sqls_stats(struct store *base, struct store_stats *out)
{
	return stats_read(sqls_stmt(sqls(base), S_STATS), out);
}

enum store_result store_sqlite_stats(struct sqlite3 *db, struct store_stats *out,
                                     char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	int r = sqlite3_prepare_v2(db, sqls_sql[S_STATS], -1, &s, NULL) == SQLITE_OK &&
	        stats_read(s, out) == 0;

	if (!r)
		snprintf(err, errlen, "counting: %s", sqlite3_errmsg(db));
	sqlite3_finalize(s);
	return r ? STORE_OK : STORE_ERROR;
}

extern const struct store_driver store_sqlite_driver;   /* below; store_drivers.c names it */

/* The driver's open: a connection (store_sqlite_conn.c) made for this table. */
static int sqls_driver_open(const char *path, struct store **out, char *err, size_t errlen)
{
	return sqls_open(&store_sqlite_driver, path, out, err, errlen);
}

const struct store_driver store_sqlite_driver = {
	.open = sqls_driver_open, .close = sqls_close, .fail = sqls_fail,
	.begin = sqls_begin, .commit = sqls_commit, .rollback = sqls_rollback,
	.user_write = sqls_user_write, .user_current = sqls_user_current,
	.user_known = sqls_user_known, .user_left = sqls_user_left,
	.users_seen = sqls_users_seen,
	.room_find = sqls_room_find, .room_add = sqls_room_add, .room_persist = sqls_room_persist,
	.rooms_persistent = sqls_rooms_persistent, .rooms_unkeyed = sqls_rooms_unkeyed,
	.rooms_unpersist = sqls_rooms_unpersist,
	.member_add = sqls_member_add, .member_del = sqls_member_del, .member_is = sqls_member_is,
	.rooms_adhoc = sqls_rooms_adhoc, .memberships = sqls_memberships,
	.rooms = sqls_rooms, .who = sqls_who,
	.topics_configured = sqls_topics_configured, .topic_configure = sqls_topic_configure,
	.topic_set = sqls_topic_set, .pin_add = sqls_pin_add, .pin_del = sqls_pin_del,
	.pins_count = sqls_pins_count, .pins = sqls_pins,
	.event_add = sqls_event_add, .event_by_client = sqls_event_by_client,
	.event_target = sqls_event_target, .thread_find = sqls_thread_find,
	.event_mark_deleted = sqls_event_mark_deleted,
	.max_id = sqls_max_id, .events_after = sqls_events_after,
	.events_recent = sqls_events_recent,
	.events_visible = sqls_events_visible, .history = sqls_history,
	.event_get = sqls_event_get, .thread = sqls_thread, .direct_history = sqls_direct_history,
	.open_questions = sqls_open_questions,
	.text_is = sqls_text_is, .version_add = sqls_version_add, .text_set = sqls_text_set,
	.versions = sqls_versions, .reaction_add = sqls_reaction_add,
	.reaction_del = sqls_reaction_del, .solved_set = sqls_solved_set,
	.solved_del = sqls_solved_del,
	.mute_get = sqls_mute_get, .mute_set = sqls_mute_set, .mute_del = sqls_mute_del,
	.search = sqls_search, .prune_bound = sqls_prune_bound, .prune_count = sqls_prune_count,
	.prune_batch = sqls_prune_batch, .log = sqls_log, .stats = sqls_stats,
	.room_count = sqls_room_count, .user_named = sqls_user_named,
	.mention_add = sqls_mention_add, .mentions_del = sqls_mentions_del,
	.read_start = sqls_read_start, .read_del = sqls_read_del, .read_own = sqls_read_own,
	.read_move = sqls_read_move, .direct_count = sqls_direct_count,
	.direct_uncount = sqls_direct_uncount, .direct_move = sqls_direct_move,
	.event_where = sqls_event_where, .unread_rooms = sqls_unread_rooms,
	.unread_direct = sqls_unread_direct, .setting_get = sqls_setting_get,
	.setting_set = sqls_setting_set,
	.notify_lock = sqls_notify_lock, .notify_cutoff = sqls_notify_cutoff,
	.notify_due = sqls_notify_due, .notify_scanned = sqls_notify_scanned,
	.notify_users = sqls_notify_users, .notify_items = sqls_notify_items,
	.notify_done = sqls_notify_done,
	.seq = sqls_seq, .wait = sqls_wait,
	.lean = sqls_lean, .trim = sqls_trim,
};
