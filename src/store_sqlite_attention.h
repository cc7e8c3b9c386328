/*
 * store_sqlite_attention.h - the SQLite driver's statements of attention
 * and notify (store_sqlite_attention.c), for the driver's table in
 * store_sqlite.c: each is the store_driver.h function of its name.
 */
#ifndef GC_STORE_SQLITE_ATTENTION_H
#define GC_STORE_SQLITE_ATTENTION_H

#include "store_sqlite_conn.h"

int sqls_room_count(struct store *base, long long room_id, long long *seq);
int sqls_user_named(struct store *base, const char *name, long long user_id);
int sqls_mention_add(struct store *base, long long user_id, long long room_id,
                     long long event_id);
int sqls_mentions_del(struct store *base, long long event_id);
int sqls_read_start(struct store *base, long long user_id, long long room_id);
int sqls_read_del(struct store *base, long long user_id, long long room_id);
int sqls_read_own(struct store *base, long long user_id, long long room_id);
int sqls_read_move(struct store *base, long long user_id, long long room_id, long long id);
int sqls_direct_count(struct store *base, long long user_id, long long to_user_id,
                      long long id);
int sqls_direct_uncount(struct store *base, long long user_id, long long peer_id,
                        long long id);
int sqls_direct_move(struct store *base, long long user_id, long long peer_id, long long id);
int sqls_event_where(struct store *base, long long id, struct store_where *w);
int sqls_unread_rooms(struct store *base, long long user_id, long long room_id,
                      json_object *out);
int sqls_unread_direct(struct store *base, long long user_id, long long peer_id,
                       json_object *out);
int sqls_setting_get(struct store *base, long long user_id, char email[16]);
int sqls_setting_set(struct store *base, long long user_id, const char *email);
int sqls_notify_lock(struct store *base);
int sqls_notify_cutoff(struct store *base, const char *ts, long long *id);
int sqls_notify_due(struct store *base, long long cutoff);
int sqls_notify_scanned(struct store *base, long long cutoff);
int sqls_notify_users(struct store *base, struct store_notify_user **users, size_t *n);
int sqls_notify_items(struct store *base, long long user_id, long long after,
                      long long cutoff, int limit, struct store_notify_item **items,
                      size_t *n);
int sqls_notify_done(struct store *base, long long user_id, long long done_id,
                     const char *sent_at, int due);

#endif
