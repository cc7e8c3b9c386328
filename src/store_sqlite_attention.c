/*
 * store_sqlite_attention.c - the SQLite driver's statements of attention
 * (store_driver.h): mentions, read markers, unread counts, settings, and
 * those of notify, with its lock (a file lock beside the store). The
 * driver's table (store_sqlite.c) names them; the SQL is
 * store_sqlite_sql.c's.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store_sqlite_attention.h"
#include "wake.h"

/* Binds a, b and c to s's ?1, ?2 and ?3. */
static sqlite3_stmt *bind_id3(sqlite3_stmt *s, long long a, long long b, long long c)
{
	sqlite3_bind_int64(s, 3, c);
	return sqls_bind_ids(s, a, b);
}

/* sqls_changes() for a statement that may run outside a transaction: one
 * in autocommit mode lets the waiting writers go, as a commit does. */
static int sqls_write(struct sqls *st, sqlite3_stmt *s)
{
	int autocommit = sqlite3_get_autocommit(st->db), r = sqls_changes(st, s);

	if (autocommit)
		wake_write_done(st->wake);
	return r;
}

int sqls_room_count(struct store *base, long long room_id, long long *seq)
{
	sqlite3_stmt *s = sqls_stmt(sqls(base), S_ROOM_COUNT);

	sqlite3_bind_int64(s, 1, room_id);
	return sqls_int(s, seq) == 1 ? 0 : -1;
}

int sqls_user_named(struct store *base, const char *name, long long user_id)
{
	sqlite3_stmt *s = sqls_stmt(sqls(base), S_USER_NAMED);
	long long id;

	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, user_id);
	return sqls_int(s, &id);
}

int sqls_mention_add(struct store *base, long long user_id, long long room_id,
                     long long event_id)
{
	return sqls_exec(bind_id3(sqls_stmt(sqls(base), S_MENTION_ADD), user_id, room_id, event_id));
}

int sqls_mentions_del(struct store *base, long long event_id)
{
	sqlite3_stmt *s = sqls_stmt(sqls(base), S_MENTIONS_DEL);

	sqlite3_bind_int64(s, 1, event_id);
	return sqls_exec(s);
}

int sqls_read_start(struct store *base, long long user_id, long long room_id)
{
	struct sqls *st = sqls(base);

	return sqls_write(st, sqls_bind_ids(sqls_stmt(st, S_READ_START), user_id, room_id)) < 0 ? -1 : 0;
}

int sqls_read_del(struct store *base, long long user_id, long long room_id)
{
	return sqls_exec(sqls_bind_ids(sqls_stmt(sqls(base), S_READ_DEL), user_id, room_id));
}

int sqls_read_own(struct store *base, long long user_id, long long room_id)
{
	return sqls_exec(sqls_bind_ids(sqls_stmt(sqls(base), S_READ_OWN), user_id, room_id));
}

int sqls_read_move(struct store *base, long long user_id, long long room_id, long long id)
{
	return sqls_changes(sqls(base), bind_id3(sqls_stmt(sqls(base), S_READ_MOVE), user_id, room_id, id));
}

int sqls_direct_count(struct store *base, long long user_id, long long to_user_id,
                      long long id)
{
	return sqls_exec(bind_id3(sqls_stmt(sqls(base), S_DIRECT_COUNT), user_id, to_user_id, id));
}

int sqls_direct_uncount(struct store *base, long long user_id, long long peer_id,
                        long long id)
{
	return sqls_exec(bind_id3(sqls_stmt(sqls(base), S_DIRECT_UNCOUNT), user_id, peer_id, id));
}

int sqls_direct_move(struct store *base, long long user_id, long long peer_id, long long id)
{
	return sqls_changes(sqls(base), bind_id3(sqls_stmt(sqls(base), S_DIRECT_MOVE), user_id, peer_id, id));
}

int sqls_event_where(struct store *base, long long id, struct store_where *w)
{
	sqlite3_stmt *s = sqls_stmt(sqls(base), S_EVENT_WHERE);
	int r;

	sqlite3_bind_int64(s, 1, id);
	if ((r = sqls_row(s)) == 1) {
		w->room_id = sqlite3_column_int64(s, 0);
		w->type = store_event_type(sqls_text(s, 1));
		w->user_id = sqlite3_column_int64(s, 2);
		w->to_user_id = sqlite3_column_int64(s, 3);
		sqlite3_reset(s);
	}
	return r;
}

/* Runs the bound count query s (name, read, unread[, mentions]) and
 * appends its rows to out. */
static int unread_query(struct sqls *st, sqlite3_stmt *s, int direct, json_object *out)
{
	int r;

	while ((r = sqls_row(s)) == 1) {
		struct store_unread_row row = {
			.direct = direct, .name = sqls_text(s, 0), .read = sqlite3_column_int64(s, 1),
			.unread = sqlite3_column_int64(s, 2),
			.mentions = direct ? 0 : sqlite3_column_int64(s, 3),
		};
		if (store_rows_unread_add(out, &row) < 0) {
			sqlite3_reset(s);
			return sqls_oom(st);
		}
	}
	return r;
}

int sqls_unread_rooms(struct store *base, long long user_id, long long room_id,
                      json_object *out)
{
	return unread_query(sqls(base), bind_id3(sqls_stmt(sqls(base), S_UNREAD_ROOMS), user_id,
	                                         base->all_id, room_id), 0, out);
}

int sqls_unread_direct(struct store *base, long long user_id, long long peer_id,
                       json_object *out)
{
	return unread_query(sqls(base), sqls_bind_ids(sqls_stmt(sqls(base), S_UNREAD_DIRECT), user_id,
	                                         peer_id), 1, out);
}

int sqls_setting_get(struct store *base, long long user_id, char email[16])
{
	sqlite3_stmt *s = sqls_stmt(sqls(base), S_SETTING_GET);
	int r;

	sqlite3_bind_int64(s, 1, user_id);
	if ((r = sqls_row(s)) == 1) {
		snprintf(email, 16, "%s", sqls_text(s, 0));
		sqlite3_reset(s);
	}
	return r;
}

int sqls_setting_set(struct store *base, long long user_id, const char *email)
{
	struct sqls *st = sqls(base);
	sqlite3_stmt *s = sqls_stmt(st, S_SETTING_SET);

	sqlite3_bind_int64(s, 1, user_id);
	sqlite3_bind_text(s, 2, email, -1, SQLITE_STATIC);
	return sqls_write(st, s) < 0 ? -1 : 0;
}

/* notify's lock: flock on "<store>-notify", a file of its own beside the
 * store (made with the store's mode), held while the connection is open. */
int sqls_notify_lock(struct store *base)
{
	struct sqls *st = sqls(base);
	char p[4096];
	struct stat sb;

	if (st->notify_fd < 0) {
		snprintf(p, sizeof p, "%s-notify", st->path);
		if (stat(st->path, &sb) < 0 ||
		    (st->notify_fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, sb.st_mode & 0666)) < 0) {
			st->sys_errno = errno;
			return -1;
		}
	}
	if (flock(st->notify_fd, LOCK_EX | LOCK_NB) == 0)
		return 1;
	if (errno == EWOULDBLOCK)
		return 0;
	st->sys_errno = errno;
	return -1;
}

int sqls_notify_cutoff(struct store *base, const char *ts, long long *id)
{
	sqlite3_stmt *s = sqls_stmt(sqls(base), S_NOTIFY_CUTOFF);

	sqlite3_bind_text(s, 1, ts, -1, SQLITE_STATIC);
	return sqls_int(s, id) == 1 ? 0 : -1;
}

int sqls_notify_due(struct store *base, long long cutoff)
{
	sqlite3_stmt *s = sqls_stmt(sqls(base), S_NOTIFY_DUE);

	sqlite3_bind_int64(s, 1, cutoff);
	return sqls_exec(s);
}

int sqls_notify_scanned(struct store *base, long long cutoff)
{
	sqlite3_stmt *s = sqls_stmt(sqls(base), S_NOTIFY_SCANNED);

	sqlite3_bind_int64(s, 1, cutoff);
	return sqls_exec(s);
}

int sqls_notify_users(struct store *base, struct store_notify_user **users, size_t *n)
{
	struct sqls *st = sqls(base);
	sqlite3_stmt *s = sqls_stmt(st, S_NOTIFY_USERS);
	int r;

	while ((r = sqls_row(s)) == 1) {
		struct store_notify_user u = {
			.id = sqlite3_column_int64(s, 0),
			.email_off = strcmp(sqls_text(s, 2), "off") == 0,
			.done_id = sqlite3_column_int64(s, 4),
		};
		snprintf(u.username, sizeof u.username, "%s", sqls_text(s, 1));
		snprintf(u.sent_at, sizeof u.sent_at, "%s", sqls_text(s, 3));
		if (store_rows_notify_user_add(users, n, &u) < 0) {
			sqlite3_reset(s);
			return sqls_oom(st);
		}
	}
	return r;
}

int sqls_notify_items(struct store *base, long long user_id, long long after,
                      long long cutoff, int limit, struct store_notify_item **items,
                      size_t *n)
{
	struct sqls *st = sqls(base);
	sqlite3_stmt *s = bind_id3(sqls_stmt(st, S_NOTIFY_ITEMS), user_id, after, cutoff);
	int r;

	sqlite3_bind_int(s, 4, limit);
	while ((r = sqls_row(s)) == 1)
		if (store_rows_notify_item_add(items, n, sqlite3_column_int64(s, 0), sqls_text(s, 1),
		                               sqls_text(s, 2), (const char *)sqlite3_column_text(s, 3),
		                               sqls_text(s, 4)) < 0) {
			sqlite3_reset(s);
			return sqls_oom(st);
		}
	return r;
}

int sqls_notify_done(struct store *base, long long user_id, long long done_id,
                     const char *sent_at, int due)
{
	struct sqls *st = sqls(base);
	sqlite3_stmt *s = sqls_bind_ids(sqls_stmt(st, S_NOTIFY_DONE), user_id, done_id);

	sqlite3_bind_text(s, 3, sent_at, -1, SQLITE_STATIC);   /* NULL binds NULL */
	sqlite3_bind_int(s, 4, due);
	return sqls_write(st, s) < 0 ? -1 : 0;
}
