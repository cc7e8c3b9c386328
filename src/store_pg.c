/*
 * store_pg.c - the store driver (store_driver.h) for a PostgreSQL database
 * shared by every galaxy-chat process on every host
 * (doc/store-postgresql.md): one function per statement of
 * store_pg_sql.c, the dialect's own queries (the visible-events scan,
 * search, prune), and the driver's table; store_pg_attention.c has the
 * statements of attention and notify. The connection, transactions,
 * schema upgrades and waking are store_pg_conn.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_pg_attention.h"

static int pgs_user_write(struct store *base, const struct user *u, const char *ts)
{
	char id[24];
	const char *v[] = { pgs_num(id, u->id), u->username, u->email, u->gravatar, ts };

	return pgs_do(pgs(base), S_USER_WRITE, 5, v) < 0 ? -1 : 0;
}

static int pgs_user_current(struct store *base, const struct user *u)
{
	char id[24];
	const char *v[] = { pgs_num(id, u->id), u->username, u->email, u->gravatar };
	long long one;

	return pgs_int(pgs(base), S_USER_CURRENT, 4, v, &one);
}

static int pgs_user_known(struct store *base, long long user_id)
{
	char u[24];
	const char *v[] = { pgs_num(u, user_id) };
	long long id;

	return pgs_int(pgs(base), S_USER_KNOWN, 1, v, &id);
}

/* Without the writers' lock: users rows carry no event ids, and hold only
 * their own row locks, briefly. One row is one statement. */
static int pgs_users_seen(struct store *base, const struct store_seen_row *rows, size_t n,
                          int wait)
{
	struct pgs *st = pgs(base);

	(void)wait;
	if (n > 1 && pgs_do(st, S_BEGIN, 0, NULL) < 0)
		return -1;
	st->in_tx = n > 1;
	for (size_t i = 0; i < n; i++)
		if (pgs_user_write(base, &rows[i].user, rows[i].ts) < 0)
			return -1;
	return n > 1 ? pgs_commit(base, 0) : 0;
}

static int pgs_room_find(struct store *base, const char *name, const char *key, long long *id,
                         int *persistent, char canon[ROOM_NAME_BUF])
{
	const char *v[] = { name, key };
	PGresult *r = pgs_run(pgs(base), S_ROOM_FIND, 2, v);
	int found;

	if (!r)
		return -1;
	if ((found = PQntuples(r) > 0)) {
		*id = pgs_col(r, 0, 0);
		if (persistent)
			*persistent = pgs_col(r, 0, 1) != 0;
		if (canon)
			snprintf(canon, ROOM_NAME_BUF, "%s", PQgetvalue(r, 0, 2));
	}
	PQclear(r);
	return found;
}

static int pgs_room_add(struct store *base, const char *name, const char *key, int persistent,
                        const char *ts)
{
	const char *v[] = { name, persistent ? "1" : "0", ts, key };

	return pgs_do(pgs(base), S_ROOM_ADD, 4, v) < 0 ? -1 : 0;
}

static int pgs_room_persist(struct store *base, long long room_id)
{
	char rb[24];
	const char *v[] = { pgs_num(rb, room_id) };

	return pgs_do(pgs(base), S_ROOM_PERSIST, 1, v) < 0 ? -1 : 0;
}

/* Appends every column of every row of r (cleared) to *names. */
static int names_add(struct pgs *st, PGresult *r, char ***names, size_t *n)
{
	int i, c, rc = 0;

	if (!r)
		return -1;
	for (i = 0; i < PQntuples(r) && rc == 0; i++)
		for (c = 0; c < PQnfields(r) && rc == 0; c++)
			if (store_rows_name_add(names, n, PQgetvalue(r, i, c)) < 0)
				rc = pgs_oom(st);
	PQclear(r);
	return rc;
}

static int pgs_rooms_persistent(struct store *base, char ***names, size_t *n)
{
	return names_add(pgs(base), pgs_run(pgs(base), S_ROOMS_PERSISTENT, 0, NULL), names, n);
}

static int pgs_rooms_unkeyed(struct store *base, char ***names, size_t *n)
{
	return names_add(pgs(base), pgs_run(pgs(base), S_ROOMS_UNKEYED, 0, NULL), names, n);
}

static int pgs_rooms_unpersist(struct store *base)
{
	return pgs_do(pgs(base), S_ROOMS_UNPERSIST, 0, NULL) < 0 ? -1 : 0;
}

/* Runs a statement on room_id and a user or message id (and ts unless
 * NULL): members, pins. */
static int member_change(struct pgs *st, enum stmt_id id, long long room_id,
                         long long user_id, const char *ts)
{
	char r[24], u[24];
	const char *v[] = { pgs_num(r, room_id), pgs_num(u, user_id), ts };

	return pgs_do(st, id, ts ? 3 : 2, v);
}

static int pgs_member_add(struct store *base, long long room_id, long long user_id,
                          const char *ts)
{
	return member_change(pgs(base), S_MEMBER_ADD, room_id, user_id, ts);
}

static int pgs_member_del(struct store *base, long long room_id, long long user_id)
{
	return member_change(pgs(base), S_MEMBER_DEL, room_id, user_id, NULL);
}

static int pgs_member_is(struct store *base, long long room_id, long long user_id)
{
	char r[24], u[24];
	const char *v[] = { pgs_num(r, room_id), pgs_num(u, user_id) };
	long long one;

	return pgs_int(pgs(base), S_MEMBER_IS, 2, v, &one);
}

static int pgs_rooms_adhoc(struct store *base, long long user_id, long long room_id,
                           long long *n)
{
	char u[24], r[24];
	const char *v[] = { pgs_num(u, user_id), pgs_num(r, room_id) };

	return pgs_int(pgs(base), S_ROOMS_ADHOC, 2, v, n) < 0 ? -1 : 0;
}

static int pgs_memberships(struct store *base, long long user_id, char ***names, size_t *n)
{
	char u[24];
	const char *v[] = { pgs_num(u, user_id) };

	return names_add(pgs(base), pgs_run(pgs(base), S_MEMBERSHIPS, 1, v), names, n);
}

static int pgs_rooms(struct store *base, long long user_id, int brief, const char *since,
                     json_object *out)
{
	struct pgs *st = pgs(base);
	char u[24], a[24];
	const char *v[] = { pgs_num(u, user_id), pgs_num(a, base->all_id), since, brief ? "true" : "false" };
	PGresult *r = pgs_run(st, S_ROOMS, 4, v);
	int i, rc = 0;

	if (!r)
		return -1;
	for (i = 0; i < PQntuples(r) && rc == 0; i++) {
		struct store_room_row row = {
			.name = PQgetvalue(r, i, 0), .persistent = pgs_col(r, i, 1) != 0,
			.joined = PQgetvalue(r, i, 2)[0] == 't', .topic = PQgetvalue(r, i, 3),
			.members = pgs_col(r, i, 4), .online = pgs_col(r, i, 5),
			.last_id = pgs_col(r, i, 6),
		};
		if (store_rows_room_add(out, &row, brief) < 0)
			rc = pgs_oom(st);
	}
	PQclear(r);
	return rc;
}

static int pgs_who(struct store *base, long long room_id, const char *since, json_object *out)
{
	struct pgs *st = pgs(base);
	char rid[24], a[24];
	const char *v[] = { pgs_num(rid, room_id), since, pgs_num(a, base->all_id) };
	PGresult *r = pgs_run(st, S_WHO, 3, v);
	int i, rc = 0;

	if (!r)
		return -1;
	for (i = 0; i < PQntuples(r) && rc == 0; i++)
		if (json_object_array_add(out, store_rows_user_json(pgs_col(r, i, 0), PQgetvalue(r, i, 1),
		                                                    PQgetvalue(r, i, 2))) != 0)
			rc = pgs_oom(st);
	PQclear(r);
	return rc;
}

static int pgs_topics_configured(struct store *base, char ***pairs, size_t *n)
{
	return names_add(pgs(base), pgs_run(pgs(base), S_TOPICS_CONFIGURED, 0, NULL), pairs, n);
}

static int pgs_topic_configure(struct store *base, const char *name, const char *topic)
{
	const char *v[] = { name, topic };

	return pgs_do(pgs(base), S_TOPIC_CONFIGURE, 2, v) < 0 ? -1 : 0;
}

static int pgs_topic_set(struct store *base, long long room_id, const char *topic)
{
	char rid[24];
	const char *v[] = { pgs_num(rid, room_id), topic };

	return pgs_do(pgs(base), S_TOPIC_SET, 2, v);
}

static int pgs_pin_add(struct store *base, long long room_id, long long id, long long by,
                       const char *ts)
{
	char rid[24], idb[24], byb[24];
	const char *v[] = { pgs_num(rid, room_id), pgs_num(idb, id), pgs_num(byb, by), ts };

	return pgs_do(pgs(base), S_PIN_ADD, 4, v);
}

static int pgs_pin_del(struct store *base, long long room_id, long long id)
{
	return member_change(pgs(base), S_PIN_DEL, room_id, id, NULL);
}

static int pgs_pins_count(struct store *base, long long room_id, long long *n)
{
	char rid[24];
	const char *v[] = { pgs_num(rid, room_id) };

	return pgs_int(pgs(base), S_PINS_COUNT, 1, v, n) < 0 ? -1 : 0;
}

/* Inserts the event and queues its notification for the commit. */
static int pgs_event_add(struct store *base, const struct store_new_event *ev, long long *id)
{
	struct pgs *st = pgs(base);
	char r[24], uid[24], to[24], tg[24], re[24], th[24], sq[24], idbuf[24];
	const char *v[] = {
		ev->ts, store_event_type_names[ev->type], ev->room_id ? pgs_num(r, ev->room_id) : NULL,
		pgs_num(uid, ev->user->id), ev->user->username,
		ev->to_user_id ? pgs_num(to, ev->to_user_id) : NULL, ev->text, ev->client_id,
		ev->target ? pgs_num(tg, ev->target) : NULL,
		ev->reply_to ? pgs_num(re, ev->reply_to) : NULL,
		ev->thread_id ? pgs_num(th, ev->thread_id) : NULL,
		ev->on_off < 0 ? NULL : ev->on_off ? "1" : "0",
		ev->seq ? pgs_num(sq, ev->seq) : NULL, ev->mentions,
	};
	const char *nv[1];

	if (pgs_int(st, S_EVENT_ADD, 14, v, id) != 1)
		return -1;
	nv[0] = pgs_num(idbuf, *id);
	return pgs_do(st, S_NOTIFY, 1, nv) < 0 ? -1 : 0;
}

static int pgs_event_by_client(struct store *base, long long user_id, const char *client_id,
                               long long *id, char ts[32])
{
	char uid[24];
	const char *v[] = { pgs_num(uid, user_id), client_id };
	PGresult *r = pgs_run(pgs(base), S_EVENT_BY_CLIENT, 2, v);
	int found;

	if (!r)
		return -1;
	if ((found = PQntuples(r) > 0)) {
		*id = pgs_col(r, 0, 0);
		snprintf(ts, 32, "%s", PQgetvalue(r, 0, 1));
	}
	PQclear(r);
	return found;
}

static int pgs_event_target(struct store *base, long long id, struct store_target *t)
{
	char idb[24];
	const char *v[] = { pgs_num(idb, id) };
	PGresult *r = pgs_run(pgs(base), S_TARGET, 1, v);
	int found;

	if (!r)
		return -1;
	if ((found = PQntuples(r) > 0)) {
		t->room_id = pgs_col(r, 0, 0);
		t->user_id = pgs_col(r, 0, 1);
		t->to_user_id = pgs_col(r, 0, 2);
		t->deleted = atoi(PQgetvalue(r, 0, 3));
		t->thread_id = pgs_col(r, 0, 4);
		snprintf(t->ts, sizeof t->ts, "%s", PQgetvalue(r, 0, 5));
		snprintf(t->edited, sizeof t->edited, "%s", PQgetvalue(r, 0, 6));
		snprintf(t->solved_by, sizeof t->solved_by, "%s", PQgetvalue(r, 0, 7));
		snprintf(t->solved_at, sizeof t->solved_at, "%s", PQgetvalue(r, 0, 8));
	}
	PQclear(r);
	return found;
}

static int pgs_thread_find(struct store *base, long long root, struct store_target *t)
{
	char idb[24];
	const char *v[] = { pgs_num(idb, root) };
	PGresult *r = pgs_run(pgs(base), S_THREAD_FIND, 1, v);
	int found;

	if (!r)
		return -1;
	if ((found = PQntuples(r) > 0)) {
		t->room_id = pgs_col(r, 0, 0);
		t->user_id = pgs_col(r, 0, 1);
		t->to_user_id = pgs_col(r, 0, 2);
	}
	PQclear(r);
	return found;
}

static int pgs_event_mark_deleted(struct store *base, long long id, long long by, const char *ts)
{
	char idb[24], byb[24];
	const char *v[] = { pgs_num(idb, id), pgs_num(byb, by), ts };

	return pgs_do(pgs(base), S_DELETE_MARK, 3, v) < 0 ? -1 : 0;
}

static int pgs_max_id(struct store *base, long long *id)
{
	return pgs_int(pgs(base), S_MAX_ID, 0, NULL, id) < 0 ? -1 : 0;
}

/* Row i of r (EVENT_COLS, and EVENT_DETAIL's columns after them when
 * detail); strings valid while r is. */
static struct store_row row_read(const PGresult *r, int i, int detail)
{
	struct store_row row = {
		.id = pgs_col(r, i, 0),
		.type = PQgetvalue(r, i, 1), .ts = PQgetvalue(r, i, 2),
		.room = PQgetisnull(r, i, 3) ? NULL : PQgetvalue(r, i, 3),
		.user_id = pgs_col(r, i, 4),
		.username = PQgetvalue(r, i, 5), .gravatar = PQgetvalue(r, i, 6),
		.to_user_id = pgs_col(r, i, 7),
		.to_username = PQgetvalue(r, i, 8), .text = PQgetvalue(r, i, 9),
		.target = pgs_col(r, i, 10),
		.deleted = PQgetvalue(r, i, 11)[0] == 't',
		.target_user_id = pgs_col(r, i, 12),
		.target_to_user_id = pgs_col(r, i, 13),
		.edited = PQgetvalue(r, i, 14), .reply_to = pgs_col(r, i, 15),
		.thread_id = pgs_col(r, i, 16), .on = pgs_col(r, i, 17) == 1,
		.parent_found = PQgetvalue(r, i, 18)[0] == 't', .parent_user_id = pgs_col(r, i, 19),
		.parent_username = PQgetvalue(r, i, 20), .parent_gravatar = PQgetvalue(r, i, 21),
		.parent_text = PQgetvalue(r, i, 22), .parent_deleted = PQgetvalue(r, i, 23)[0] == 't',
		.target_text = PQgetvalue(r, i, 24), .target_edited = PQgetvalue(r, i, 25),
		.target_gone = PQgetvalue(r, i, 26)[0] == 't',
		.mentions = PQgetisnull(r, i, 27) ? NULL : PQgetvalue(r, i, 27),
	};

	if (detail) {
		row.detail = 1;
		row.replies = pgs_col(r, i, EVENT_NCOLS);
		row.last_reply = pgs_col(r, i, EVENT_NCOLS + 1);
		row.solved_by = PQgetvalue(r, i, EVENT_NCOLS + 2);
		row.solved_at = PQgetvalue(r, i, EVENT_NCOLS + 3);
		row.reactions = PQgetvalue(r, i, EVENT_NCOLS + 4);
	}
	return row;
}

/* Runs event query id (with EVENT_DETAIL when detail) and appends every
 * row to out. */
static int events_query(struct pgs *st, enum stmt_id id, int n, const char *const *v,
                        int detail, struct store_events *out)
{
	PGresult *r = pgs_run(st, id, n, v);
	int i, rc = 0;

	if (!r)
		return -1;
	for (i = 0; i < PQntuples(r) && rc == 0; i++) {
		struct store_row row = row_read(r, i, detail);

		if (store_rows_event_push(out, &row) < 0)
			rc = pgs_oom(st);
	}
	PQclear(r);
	return rc;
}

static int pgs_pins(struct store *base, long long user_id, json_object *out)
{
	struct pgs *st = pgs(base);
	char u[24], a[24];
	const char *v[] = { pgs_num(u, user_id), pgs_num(a, base->all_id) };
	PGresult *r = pgs_run(st, S_PINS, 2, v);
	int i, rc = 0;

	if (!r)
		return -1;
	for (i = 0; i < PQntuples(r) && rc == 0; i++) {
		struct store_row row = row_read(r, i, 0);

		if (store_rows_pin_add(out, &row, PQgetvalue(r, i, EVENT_NCOLS),
		                       PQgetvalue(r, i, EVENT_NCOLS + 1)) < 0)
			rc = pgs_oom(st);
	}
	PQclear(r);
	return rc;
}

static int pgs_events_after(struct store *base, long long since, int limit,
                            struct store_events *out)
{
	char s[24], l[24];
	const char *v[] = { pgs_num(s, since), pgs_num(l, limit) };

	return events_query(pgs(base), S_EVENTS_ALL, 2, v, 0, out);
}

static int pgs_events_visible(struct store *base, long long user_id, long long since, int limit,
                              struct store_events *out)
{
	char u[24], s[24], l[24], a[24];
	const char *v[] = { pgs_num(u, user_id), pgs_num(s, since), pgs_num(l, limit), pgs_num(a, base->all_id) };

	return events_query(pgs(base), S_EVENTS_VISIBLE, 4, v, 0, out);
}

static int pgs_history(struct store *base, long long room_id, long long before, int limit,
                       struct store_events *out)
{
	char rid[24], b[24], l[24];
	const char *v[] = { pgs_num(rid, room_id), pgs_num(b, before), pgs_num(l, limit) };

	return events_query(pgs(base), S_HISTORY, 3, v, 1, out);
}

static int pgs_event_get(struct store *base, long long id, struct store_events *out)
{
	char idb[24];
	const char *v[] = { pgs_num(idb, id) };

	return events_query(pgs(base), S_EVENT_GET, 1, v, 1, out);
}

static int pgs_thread(struct store *base, long long root, long long after, int limit,
                      struct store_events *out)
{
	char rb[24], ab[24], lb[24];
	const char *v[] = { pgs_num(rb, root), pgs_num(ab, after), pgs_num(lb, limit) };

	return events_query(pgs(base), S_THREAD, 3, v, 1, out);
}

static int pgs_direct_history(struct store *base, long long a, long long b, long long before,
                              int limit, struct store_events *out)
{
	char ab[24], bb[24], be[24], lb[24];
	const char *v[] = { pgs_num(ab, a), pgs_num(bb, b), pgs_num(be, before), pgs_num(lb, limit) };

	return events_query(pgs(base), S_DIRECT_HISTORY, 4, v, 1, out);
}

static int pgs_open_questions(struct store *base, long long room_id, const char *since,
                              long long before, int limit, struct store_events *out)
{
	char rb[24], be[24], lb[24];
	const char *v[] = { pgs_num(rb, room_id), since, pgs_num(be, before), pgs_num(lb, limit) };

	return events_query(pgs(base), S_OPEN, 4, v, 1, out);
}

static int pgs_text_is(struct store *base, long long id, const char *text)
{
	char idb[24];
	const char *v[] = { pgs_num(idb, id), text };
	long long one;

	return pgs_int(pgs(base), S_TEXT_IS, 2, v, &one);
}

static int pgs_version_add(struct store *base, long long id, const char *ts)
{
	char idb[24];
	const char *v[] = { pgs_num(idb, id), ts };

	return pgs_do(pgs(base), S_VERSION_ADD, 2, v) < 0 ? -1 : 0;
}

static int pgs_text_set(struct store *base, long long id, const char *text, const char *ts)
{
	char idb[24];
	const char *v[] = { pgs_num(idb, id), text, ts };

	return pgs_do(pgs(base), S_TEXT_SET, 3, v) < 0 ? -1 : 0;
}

static int pgs_versions(struct store *base, long long id, store_version_fn fn, void *ctx)
{
	char idb[24];
	const char *v[] = { pgs_num(idb, id) };
	PGresult *r = pgs_run(pgs(base), S_VERSIONS, 1, v);
	struct store_version ver;
	int i, rc = 0;

	if (!r)
		return -1;
	for (i = 0; i < PQntuples(r) && rc == 0; i++) {
		ver.version = (int)pgs_col(r, i, 0);
		ver.written = PQgetvalue(r, i, 1);
		ver.replaced = PQgetvalue(r, i, 2);
		ver.text = PQgetvalue(r, i, 3);
		rc = fn(&ver, ctx) < 0;
	}
	PQclear(r);
	return rc;
}

/* Runs a reactions statement for message id, emoji and user_id (and ts
 * unless NULL): the rows it changed, or -1. */
static int reaction_change(struct pgs *st, enum stmt_id sid, long long id, const char *emoji,
                           long long user_id, const char *ts)
{
	char idb[24], ub[24];
	const char *v[] = { pgs_num(idb, id), emoji, pgs_num(ub, user_id), ts };

	return pgs_do(st, sid, ts ? 4 : 3, v);
}

static int pgs_reaction_add(struct store *base, long long id, const char *emoji,
                            long long user_id, const char *ts)
{
	return reaction_change(pgs(base), S_REACTION_ADD, id, emoji, user_id, ts);
}

static int pgs_reaction_del(struct store *base, long long id, const char *emoji,
                            long long user_id)
{
	return reaction_change(pgs(base), S_REACTION_DEL, id, emoji, user_id, NULL);
}

static int pgs_solved_set(struct store *base, long long id, long long by, const char *ts)
{
	char idb[24], bb[24];
	const char *v[] = { pgs_num(idb, id), pgs_num(bb, by), ts };

	return pgs_do(pgs(base), S_SOLVED_SET, 3, v);
}

static int pgs_solved_del(struct store *base, long long id)
{
	char idb[24];
	const char *v[] = { pgs_num(idb, id) };

	return pgs_do(pgs(base), S_SOLVED_DEL, 1, v);
}

static int pgs_mute_get(struct store *base, long long user_id, const char *now, char until[32])
{
	char uid[24];
	const char *v[] = { pgs_num(uid, user_id), now };
	PGresult *r = pgs_run(pgs(base), S_MUTED, 2, v);
	int found;

	until[0] = '\0';
	if (!r)
		return -1;
	if ((found = PQntuples(r) > 0))
		snprintf(until, 32, "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	return found;
}

static int pgs_mute_set(struct store *base, long long user_id, const char *until, long long by,
                        const char *now)
{
	char uid[24], byb[24];
	const char *v[] = { pgs_num(uid, user_id), until, pgs_num(byb, by), now };

	return pgs_do(pgs(base), S_MUTE_SET, 4, v);
}

static int pgs_mute_del(struct store *base, long long user_id, const char *now)
{
	char uid[24];
	const char *v[] = { pgs_num(uid, user_id), now };

	return pgs_do(pgs(base), S_MUTE_DEL, 2, v);
}

/* The search runs in a transaction of its own, so that its short
 * statement_timeout (SET LOCAL) ends with it whatever happens. */
static int pgs_search(struct store *base, long long user_id, const char *q, long long room_id,
                      long long before, int limit, int timeout_ms, json_object *out, int *more,
                      int *partial)
{
	struct pgs *st = pgs(base);
	char uid[24], b[24], l[24], all[24], rid[24], ms[24];
	const char *t[] = { pgs_num(ms, timeout_ms) };
	const char *v[] = { q, pgs_num(uid, user_id), pgs_num(b, before), pgs_num(l, limit + 1),
	                    pgs_num(all, base->all_id), room_id ? pgs_num(rid, room_id) : NULL };
	PGresult *r;
	int i, rc = 0;

	if (pgs_do(st, S_BEGIN, 0, NULL) < 0)
		return -1;
	st->in_tx = 1;
	if (pgs_do(st, S_SEARCH_TIMEOUT, 1, t) < 0)
		return -1;
	if (!(r = pgs_run(st, S_SEARCH, 6, v))) {
		if (!pgs_cancelled(st))
			return -1;
		*partial = 1;
		pgs_rollback(base);
		return 0;
	}
	for (i = 0; i < PQntuples(r) && rc == 0 && !*more; i++) {
		struct store_row row = row_read(r, i, 0);

		if (i == limit)
			*more = 1;
		else if (store_rows_search_add(out, &row, PQgetvalue(r, i, EVENT_NCOLS)) < 0)
			rc = pgs_oom(st);
	}
	PQclear(r);
	if (rc == 0)
		pgs_rollback(base);   /* it only read */
	return rc;
}

static int pgs_prune_bound(struct store *base, const char *cutoff, long long *bound)
{
	const char *v[] = { cutoff };

	return pgs_int(pgs(base), S_PRUNE_BOUND, 1, v, bound) < 0 ? -1 : 0;
}

static int pgs_prune_count(struct store *base, long long bound, const char *cutoff,
                           long long *events, long long *messages)
{
	char bb[24];
	const char *v[] = { pgs_num(bb, bound), cutoff };
	PGresult *r = pgs_run(pgs(base), S_PRUNE_COUNT, 2, v);

	if (!r)
		return -1;
	*events = pgs_col(r, 0, 0);
	*messages = pgs_col(r, 0, 1);
	PQclear(r);
	return 0;
}

/* One DELETE, its own short transaction: removing old rows never reorders
 * ids, so it needs no writers' lock. */
static int pgs_prune_batch(struct store *base, long long bound, const char *cutoff, int batch,
                           long long *messages)
{
	char bb[24], nb[24];
	const char *v[] = { pgs_num(bb, bound), cutoff, pgs_num(nb, batch) };
	PGresult *r = pgs_run(pgs(base), S_PRUNE_BATCH, 3, v);
	int n, i;

	if (!r)
		return -1;
	n = PQntuples(r);
	for (i = 0; i < n; i++)
		*messages += atoi(PQgetvalue(r, i, 0));
	PQclear(r);
	return n;
}

static int pgs_log(struct store *base, long long room_id, const char *since, const char *until,
                   store_log_fn fn, void *ctx)
{
	char rid[24];
	const char *v[] = { pgs_num(rid, room_id), since, until };
	PGresult *r = pgs_run(pgs(base), S_LOG, 3, v);
	struct store_log_row row;
	int i, rc = 0;

	if (!r)
		return -1;
	for (i = 0; i < PQntuples(r) && rc == 0; i++) {
		row.id = pgs_col(r, i, 0);
		row.ts = PQgetvalue(r, i, 1);
		row.room = PQgetvalue(r, i, 2);
		row.user = PQgetvalue(r, i, 3);
		row.type = PQgetvalue(r, i, 4);
		row.deleted = atoi(PQgetvalue(r, i, 6));
		row.text = PQgetisnull(r, i, 5) || row.deleted ? NULL : PQgetvalue(r, i, 5);
		row.target = pgs_col(r, i, 7);
		row.edited = PQgetisnull(r, i, 8) ? NULL : PQgetvalue(r, i, 8);
		row.on = pgs_col(r, i, 9) == 1;
		row.reply_to = pgs_col(r, i, 10);
		rc = fn(&row, ctx) < 0;
	}
	PQclear(r);
	return rc;
}

static int pgs_stats(struct store *base, struct store_stats *out)
{
	PGresult *r = pgs_run(pgs(base), S_STATS, 0, NULL);

	if (!r)
		return -1;
	out->events = pgs_col(r, 0, 0);
	out->messages = pgs_col(r, 0, 1);
	out->users = pgs_col(r, 0, 2);
	out->rooms = pgs_col(r, 0, 3);
	out->newest_id = pgs_col(r, 0, 4);
	snprintf(out->newest_ts, sizeof out->newest_ts, "%s", PQgetvalue(r, 0, 5));
	PQclear(r);
	return 0;
}

extern const struct store_driver store_pg_driver;   /* below; store_drivers.c names it */

/* The driver's open: a connection (store_pg_conn.c) made for this table. */
static int pgs_driver_open(const char *conninfo, struct store **out, char *err, size_t errlen)
{
	return pgs_open(&store_pg_driver, conninfo, out, err, errlen);
}

const struct store_driver store_pg_driver = {
	.open = pgs_driver_open, .close = pgs_close, .fail = pgs_fail,
	.begin = pgs_begin, .commit = pgs_commit, .rollback = pgs_rollback,
	.user_write = pgs_user_write, .user_current = pgs_user_current,
	.user_known = pgs_user_known, .users_seen = pgs_users_seen,
	.room_find = pgs_room_find, .room_add = pgs_room_add, .room_persist = pgs_room_persist,
	.rooms_persistent = pgs_rooms_persistent, .rooms_unkeyed = pgs_rooms_unkeyed,
	.rooms_unpersist = pgs_rooms_unpersist,
	.member_add = pgs_member_add, .member_del = pgs_member_del, .member_is = pgs_member_is,
	.rooms_adhoc = pgs_rooms_adhoc, .memberships = pgs_memberships,
	.rooms = pgs_rooms, .who = pgs_who,
	.topics_configured = pgs_topics_configured, .topic_configure = pgs_topic_configure,
	.topic_set = pgs_topic_set, .pin_add = pgs_pin_add, .pin_del = pgs_pin_del,
	.pins_count = pgs_pins_count, .pins = pgs_pins,
	.event_add = pgs_event_add, .event_by_client = pgs_event_by_client,
	.event_target = pgs_event_target, .thread_find = pgs_thread_find,
	.event_mark_deleted = pgs_event_mark_deleted,
	.max_id = pgs_max_id, .events_after = pgs_events_after,
	.events_visible = pgs_events_visible, .history = pgs_history,
	.event_get = pgs_event_get, .thread = pgs_thread, .direct_history = pgs_direct_history,
	.open_questions = pgs_open_questions,
	.text_is = pgs_text_is, .version_add = pgs_version_add, .text_set = pgs_text_set,
	.versions = pgs_versions, .reaction_add = pgs_reaction_add,
	.reaction_del = pgs_reaction_del, .solved_set = pgs_solved_set,
	.solved_del = pgs_solved_del,
	.mute_get = pgs_mute_get, .mute_set = pgs_mute_set, .mute_del = pgs_mute_del,
	.search = pgs_search, .prune_bound = pgs_prune_bound, .prune_count = pgs_prune_count,
	.prune_batch = pgs_prune_batch, .log = pgs_log, .stats = pgs_stats,
	.room_count = pgs_room_count, .user_named = pgs_user_named,
	.mention_add = pgs_mention_add, .mentions_del = pgs_mentions_del,
	.read_start = pgs_read_start, .read_del = pgs_read_del, .read_own = pgs_read_own,
	.read_move = pgs_read_move, .direct_count = pgs_direct_count,
	.direct_uncount = pgs_direct_uncount, .direct_move = pgs_direct_move,
	.event_where = pgs_event_where, .unread_rooms = pgs_unread_rooms,
	.unread_direct = pgs_unread_direct, .setting_get = pgs_setting_get,
	.setting_set = pgs_setting_set,
	.notify_lock = pgs_notify_lock, .notify_cutoff = pgs_notify_cutoff,
	.notify_due = pgs_notify_due, .notify_scanned = pgs_notify_scanned,
	.notify_users = pgs_notify_users, .notify_items = pgs_notify_items,
	.notify_done = pgs_notify_done,
	.seq = pgs_seq, .wait = pgs_wait,
};
