/*
 * store_pg_attention.c - the PostgreSQL driver's statements of attention
 * (store_driver.h): mentions, read markers, unread counts, settings, and
 * those of notify, with its lock (a session advisory lock). The driver's
 * table (store_pg.c) names them; the SQL is store_pg_sql.c's.
 */
#include <stdio.h>
#include <string.h>

#include "store_pg_attention.h"

/* Runs statement id with the first n (1 to 3) of the numbers a, b, c as
 * its parameters: as pgs_do(). */
static int pgs_ids(struct pgs *st, enum stmt_id id, int n, long long a, long long b, long long c)
{
	char x[3][24];
	const char *v[] = { pgs_num(x[0], a), pgs_num(x[1], b), pgs_num(x[2], c) };

	return pgs_do(st, id, n, v);
}

int pgs_room_count(struct store *base, long long room_id, long long *seq)
{
	char r[24];
	const char *v[] = { pgs_num(r, room_id) };

	return pgs_int(pgs(base), S_ROOM_COUNT, 1, v, seq) == 1 ? 0 : -1;
}

int pgs_user_named(struct store *base, const char *name, long long user_id)
{
	char u[24];
	const char *v[] = { name, pgs_num(u, user_id) };
	long long id;

	return pgs_int(pgs(base), S_USER_NAMED, 2, v, &id);
}

int pgs_mention_add(struct store *base, long long user_id, long long room_id,
                    long long event_id)
{
	return pgs_ids(pgs(base), S_MENTION_ADD, 3, user_id, room_id, event_id) < 0 ? -1 : 0;
}

int pgs_mentions_del(struct store *base, long long event_id)
{
	return pgs_ids(pgs(base), S_MENTIONS_DEL, 1, event_id, 0, 0) < 0 ? -1 : 0;
}

int pgs_read_start(struct store *base, long long user_id, long long room_id)
{
	return pgs_ids(pgs(base), S_READ_START, 2, user_id, room_id, 0) < 0 ? -1 : 0;
}

int pgs_read_del(struct store *base, long long user_id, long long room_id)
{
	return pgs_ids(pgs(base), S_READ_DEL, 2, user_id, room_id, 0) < 0 ? -1 : 0;
}

int pgs_read_own(struct store *base, long long user_id, long long room_id)
{
	return pgs_ids(pgs(base), S_READ_OWN, 2, user_id, room_id, 0) < 0 ? -1 : 0;
}

int pgs_read_move(struct store *base, long long user_id, long long room_id, long long id)
{
	return pgs_ids(pgs(base), S_READ_MOVE, 3, user_id, room_id, id);
}

int pgs_direct_count(struct store *base, long long user_id, long long to_user_id,
                     long long id)
{
	return pgs_ids(pgs(base), S_DIRECT_COUNT, 3, user_id, to_user_id, id) < 0 ? -1 : 0;
}

int pgs_direct_uncount(struct store *base, long long user_id, long long peer_id,
                       long long id)
{
	return pgs_ids(pgs(base), S_DIRECT_UNCOUNT, 3, user_id, peer_id, id) < 0 ? -1 : 0;
}

int pgs_direct_move(struct store *base, long long user_id, long long peer_id, long long id)
{
	return pgs_ids(pgs(base), S_DIRECT_MOVE, 3, user_id, peer_id, id);
}

int pgs_event_where(struct store *base, long long id, struct store_where *w)
{
	char idb[24];
	const char *v[] = { pgs_num(idb, id) };
	PGresult *r = pgs_run(pgs(base), S_EVENT_WHERE, 1, v);
	int found;

	if (!r)
		return -1;
	if ((found = PQntuples(r) > 0)) {
		w->room_id = pgs_col(r, 0, 0);
		w->type = store_event_type(PQgetvalue(r, 0, 1));
		w->user_id = pgs_col(r, 0, 2);
		w->to_user_id = pgs_col(r, 0, 3);
	}
	PQclear(r);
	return found;
}

/* Appends the rows of the count query r (cleared) to out, as unread_query
 * in store_sqlite_attention.c. */
static int unread_add(struct pgs *st, PGresult *r, int direct, json_object *out)
{
	int i, rc = 0;

	if (!r)
		return -1;
	for (i = 0; i < PQntuples(r) && rc == 0; i++) {
		struct store_unread_row row = {
			.direct = direct, .name = PQgetvalue(r, i, 0), .read = pgs_col(r, i, 1),
			.unread = pgs_col(r, i, 2), .mentions = direct ? 0 : pgs_col(r, i, 3),
		};
		if (store_rows_unread_add(out, &row) < 0)
			rc = pgs_oom(st);
	}
	PQclear(r);
	return rc;
}

int pgs_unread_rooms(struct store *base, long long user_id, long long room_id,
                     json_object *out)
{
	struct pgs *st = pgs(base);
	char u[24], a[24], rid[24];
	const char *v[] = { pgs_num(u, user_id), pgs_num(a, base->all_id), pgs_num(rid, room_id) };

	return unread_add(st, pgs_run(st, S_UNREAD_ROOMS, 3, v), 0, out);
}

int pgs_unread_direct(struct store *base, long long user_id, long long peer_id,
                      json_object *out)
{
	struct pgs *st = pgs(base);
	char u[24], p[24];
	const char *v[] = { pgs_num(u, user_id), pgs_num(p, peer_id) };

	return unread_add(st, pgs_run(st, S_UNREAD_DIRECT, 2, v), 1, out);
}

int pgs_setting_get(struct store *base, long long user_id, char email[16])
{
	char u[24];
	const char *v[] = { pgs_num(u, user_id) };
	PGresult *r = pgs_run(pgs(base), S_SETTING_GET, 1, v);
	int found;

	if (!r)
		return -1;
	if ((found = PQntuples(r) > 0))
		snprintf(email, 16, "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	return found;
}

int pgs_setting_set(struct store *base, long long user_id, const char *email)
{
	char u[24];
	const char *v[] = { pgs_num(u, user_id), email };

	return pgs_do(pgs(base), S_SETTING_SET, 2, v) < 0 ? -1 : 0;
}

/* notify's lock: a session advisory lock, let go when the connection
 * closes (or dies: a run that lost its connection loses its lock too) */
int pgs_notify_lock(struct store *base)
{
	long long got = 0;

	return pgs_int(pgs(base), S_NOTIFY_LOCK, 0, NULL, &got) == 1 ? got == 1 : -1;
}

int pgs_notify_cutoff(struct store *base, const char *ts, long long *id)
{
	const char *v[] = { ts };

	return pgs_int(pgs(base), S_NOTIFY_CUTOFF, 1, v, id) == 1 ? 0 : -1;
}

int pgs_notify_due(struct store *base, long long cutoff)
{
	return pgs_ids(pgs(base), S_NOTIFY_DUE, 1, cutoff, 0, 0) < 0 ? -1 : 0;
}

int pgs_notify_scanned(struct store *base, long long cutoff)
{
	return pgs_ids(pgs(base), S_NOTIFY_SCANNED, 1, cutoff, 0, 0) < 0 ? -1 : 0;
}

int pgs_notify_users(struct store *base, struct store_notify_user **users, size_t *n)
{
	struct pgs *st = pgs(base);
	PGresult *r = pgs_run(st, S_NOTIFY_USERS, 0, NULL);
	int i, rc = 0;

	if (!r)
		return -1;
	for (i = 0; i < PQntuples(r) && rc == 0; i++) {
		struct store_notify_user u = {
			.id = pgs_col(r, i, 0), .email_off = strcmp(PQgetvalue(r, i, 2), "off") == 0,
			.done_id = pgs_col(r, i, 4),
		};
		snprintf(u.username, sizeof u.username, "%s", PQgetvalue(r, i, 1));
		snprintf(u.sent_at, sizeof u.sent_at, "%s", PQgetvalue(r, i, 3));
		if (store_rows_notify_user_add(users, n, &u) < 0)
			rc = pgs_oom(st);
	}
	PQclear(r);
	return rc;
}

int pgs_notify_items(struct store *base, long long user_id, long long after,
                     long long cutoff, int limit, struct store_notify_item **items,
                     size_t *n)
{
	struct pgs *st = pgs(base);
	char u[24], a[24], c[24], l[24];
	const char *v[] = { pgs_num(u, user_id), pgs_num(a, after), pgs_num(c, cutoff), pgs_num(l, limit) };
	PGresult *r = pgs_run(st, S_NOTIFY_ITEMS, 4, v);
	int i, rc = 0;

	if (!r)
		return -1;
	for (i = 0; i < PQntuples(r) && rc == 0; i++)
		if (store_rows_notify_item_add(items, n, pgs_col(r, i, 0), PQgetvalue(r, i, 1),
		                               PQgetvalue(r, i, 2),
		                               PQgetisnull(r, i, 3) ? NULL : PQgetvalue(r, i, 3),
		                               PQgetvalue(r, i, 4)) < 0)
			rc = pgs_oom(st);
	PQclear(r);
	return rc;
}

int pgs_notify_done(struct store *base, long long user_id, long long done_id,
                    const char *sent_at, int due)
{
	char u[24], d[24];
	const char *v[] = { pgs_num(u, user_id), pgs_num(d, done_id), sent_at, due ? "1" : "0" };

	return pgs_do(pgs(base), S_NOTIFY_DONE, 4, v) < 0 ? -1 : 0;
}
