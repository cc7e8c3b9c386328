/*
 * store_driver.h - what a message store driver implements, and the
 * contract it keeps. The chat's rules (store.c) are written once over this
 * interface; a driver (store_sqlite.c, store_pg.c) is dialect code only:
 * its connection, schema and upgrades, one function per SQL statement, the
 * few queries whose SQL is its own (the visible-events scan, search,
 * prune), and how it wakes the waiting polls. Only store.c, store_drivers.c
 * and the drivers include this file.
 *
 * The contract (HACKING.md "Store drivers" says the same):
 *
 * - One struct store is one connection, used by one thread at a time. The
 *   driver's handle starts with a struct store whose drv points to its
 *   table; the rules set all_id after opening.
 * - begin() opens a write transaction. Writers run one at a time from
 *   begin() to commit() or rollback(), across every process and host that
 *   shares the store, and in that order their event ids become visible: a
 *   poller following cursors never skips an id (SQLite: BEGIN IMMEDIATE,
 *   waiting for the lock at most STORE_BUSY_MS; PostgreSQL: BEGIN and the
 *   writers' advisory lock). So the checks and the inserts of one rule see
 *   no other writer between them.
 * - commit(stored) makes the transaction durable before it returns; when
 *   stored is set (an event was inserted) every process waiting in wait()
 *   on the store is woken, no sooner than the events are visible.
 * - Statements outside a transaction read, or write one row idempotently
 *   (an upsert): a driver may run such a statement again after its
 *   connection failed. Inside a transaction it never retries: the
 *   statement fails and the rules fail the call (the client retries, with
 *   its client_id).
 * - Every function returning int returns -1 on failure and keeps the
 *   reason; the rules then call fail(), which writes "store <name>: <what>:
 *   <reason>" into err, abandons any open transaction and every statement
 *   in progress, and returns STORE_ERROR. Out of memory is a failure too.
 * - Strings given are valid during the call only; strings in rows handed
 *   to the store_rows.h helpers are copied by them.
 */
#ifndef GC_STORE_DRIVER_H
#define GC_STORE_DRIVER_H

#include <stddef.h>
#include <json-c/json.h>

#include "room.h"
#include "store.h"
#include "store_rows.h"

struct store_driver;

struct store {
	const struct store_driver *drv;
	long long all_id;               /* rooms.id of `all`, set by store_open() */
};

/* An event to insert (room_id, to_user_id, target, reply_to, thread_id 0
 * for none; text and client_id may be NULL; on_off -1 for none). */
struct store_new_event {
	enum event_type type;
	const struct user *user;        /* its author: id and username as now */
	long long room_id, to_user_id, target, reply_to, thread_id;
	int on_off;
	long long seq;                  /* a room message's number in its room, else 0 */
	const char *text, *client_id, *ts;
	const char *mentions;           /* the names it mentions, space-separated, or NULL */
};

/* Where an event is: its room (0: none), type, author and recipient. */
struct store_where {
	long long room_id;
	enum event_type type;
	long long user_id, to_user_id;
};

/* What the rules need to know of a message (a message or direct event). */
struct store_target {
	long long room_id;              /* 0 for a direct message */
	long long user_id, to_user_id;  /* its author, and a direct message's recipient */
	int deleted;                    /* removed already */
	long long thread_id;            /* a reply: its thread's root, else 0 */
	char ts[32], edited[32];        /* sent, last edited ("": never) */
	char solved_by[USER_NAME_MAX];  /* who marked it solved, "": not solved */
	char solved_at[32];
};

struct store_driver {
	/* Opens the store at target (a file name, a libpq conninfo), creating
	 * or upgrading its schema: 0 and *out, or -1 with err. */
	int (*open)(const char *target, struct store **out, char *err, size_t errlen);
	void (*close)(struct store *st);
	/* see the contract above; returns STORE_ERROR */
	enum store_result (*fail)(struct store *st, const char *what, char *err, size_t errlen);

	/* --- transactions (see the contract) --- */
	int (*begin)(struct store *st);
	int (*commit)(struct store *st, int stored);
	void (*rollback)(struct store *st);

	/* --- users --- */
	/* inserts or refreshes u's users row, last seen at ts */
	int (*user_write)(struct store *st, const struct user *u, const char *ts);
	/* 1 when u's row exists with u's username, email and gravatar, else 0 */
	int (*user_current)(struct store *st, const struct user *u);
	/* 1 when user_id has a row (has used the chat), else 0 */
	int (*user_known)(struct store *st, long long user_id);
	/* records that user_id said goodbye at ts (SQL_USER_LEFT: unless away
	 * after one since recent, a second before ts): one row, outside a
	 * transaction */
	int (*user_left)(struct store *st, long long user_id, const char *ts, const char *recent);
	/* writes the n rows, each last seen at its ts, in one transaction of
	 * its own that takes no event ids: 0; with wait 0 it never waits for
	 * another writer: while one holds the store it may write nothing and
	 * return 1 (last_seen is soft state: the rows are due again) */
	int (*users_seen)(struct store *st, const struct store_seen_row *rows, size_t n, int wait);

	/* --- rooms and members (key: room_key() of the name) --- */
	/* 1 with *id (and *persistent, canon: its name, when not NULL) for the
	 * room called name, else the room of key; 0 when none */
	int (*room_find)(struct store *st, const char *name, const char *key, long long *id,
	                 int *persistent, char canon[ROOM_NAME_BUF]);
	/* creates room name with key unless a room has either */
	int (*room_add)(struct store *st, const char *name, const char *key, int persistent,
	                const char *ts);
	/* marks room_id persistent */
	int (*room_persist)(struct store *st, long long room_id);
	/* appends the names of the persistent rooms to *names (store_rows_name_add) */
	int (*rooms_persistent)(struct store *st, char ***names, size_t *n);
	/* appends the names of the rooms without a key (an older store's
	 * second spelling of a room), oldest first */
	int (*rooms_unkeyed)(struct store *st, char ***names, size_t *n);
	/* marks every room but `all` not persistent */
	int (*rooms_unpersist)(struct store *st);
	/* 1 when user_id was added to room_id, 0 when a member already */
	int (*member_add)(struct store *st, long long room_id, long long user_id, const char *ts);
	/* 1 when user_id was removed from room_id, 0 when not a member */
	int (*member_del)(struct store *st, long long room_id, long long user_id);
	/* 1 when user_id has a members row for room_id (`all` has none), else 0 */
	int (*member_is)(struct store *st, long long room_id, long long user_id);
	/* *n: the ad-hoc (not persistent) rooms user_id is in, room_id aside */
	int (*rooms_adhoc)(struct store *st, long long user_id, long long room_id, long long *n);
	/* appends the names of the rooms user_id has members rows for, by name */
	int (*memberships)(struct store *st, long long user_id, char ***names, size_t *n);
	/* appends store_rooms()' rooms to out (store_rows_room_add); online:
	 * seen at or after since */
	int (*rooms)(struct store *st, long long user_id, int brief, const char *since,
	             json_object *out);
	/* appends the members of room_id (everyone for `all`) seen at or after
	 * since to out, by username (store_rows_user_json) */
	int (*who)(struct store *st, long long room_id, const char *since, json_object *out);

	/* --- topics and pins --- */
	/* appends, for every room whose topic the configuration set, its name
	 * and that topic to *pairs (store_rows_name_add, two entries a room) */
	int (*topics_configured)(struct store *st, char ***pairs, size_t *n);
	/* sets the room called name to topic, as the configuration's, unless
	 * the configuration last gave it that topic */
	int (*topic_configure)(struct store *st, const char *name, const char *topic);
	/* 1 when room_id's topic was changed to topic, 0 when it was topic */
	int (*topic_set)(struct store *st, long long room_id, const char *topic);
	/* 1 when message id was pinned in room_id by by at ts, 0 when it was */
	int (*pin_add)(struct store *st, long long room_id, long long id, long long by,
	               const char *ts);
	/* 1 when message id was unpinned from room_id, 0 when not pinned there */
	int (*pin_del)(struct store *st, long long room_id, long long id);
	/* *n: the messages pinned in room_id */
	int (*pins_count)(struct store *st, long long room_id, long long *n);
	/* adds the pins of the rooms user_id may look into to the rooms of
	 * store_rooms() in out (store_rows_pin_add) */
	int (*pins)(struct store *st, long long user_id, json_object *out);

	/* --- events --- */
	/* inserts ev inside a write transaction; *id its id. The commit wakes
	 * the waiting polls (a driver may queue that here). */
	int (*event_add)(struct store *st, const struct store_new_event *ev, long long *id);
	/* 1 with *id and ts for user_id's event with client_id, 0 when none */
	int (*event_by_client)(struct store *st, long long user_id, const char *client_id,
	                       long long *id, char ts[32]);
	/* 1 with *t for the message or direct message id, 0 when none */
	int (*event_target)(struct store *st, long long id, struct store_target *t);
	/* 1 with t's room_id, user_id, to_user_id from the oldest reply left
	 * in thread root (whose root is gone), 0 when none */
	int (*thread_find)(struct store *st, long long root, struct store_target *t);
	int (*event_mark_deleted)(struct store *st, long long id, long long by, const char *ts);
	/* the newest event id, 0 when none */
	int (*max_id)(struct store *st, long long *id);
	/* appends the events with id > since, oldest first, at most limit */
	int (*events_after)(struct store *st, long long since, int limit, struct store_events *out);
	/* appends the events with id > since the host's processes share, as
	 * store_events_recent() says; NULL for a driver that shares none */
	enum store_recent (*events_recent)(struct store *st, long long since, int limit,
	                                   struct store_events *out);
	/* appends the events with id > since user_id may see (store_event_visible),
	 * oldest first, at most limit: the poll's scan, tuned per dialect */
	int (*events_visible)(struct store *st, long long user_id, long long since, int limit,
	                      struct store_events *out);
	/* The reads of whole conversations: events with EVENT_DETAIL. */
	/* appends room_id's events of SQL_HISTORY_TYPES with id < before,
	 * newest first, at most limit */
	int (*history)(struct store *st, long long room_id, long long before, int limit,
	               struct store_events *out);
	/* appends the event id, if any */
	int (*event_get)(struct store *st, long long id, struct store_events *out);
	/* appends the replies of thread root with id > after, oldest first,
	 * at most limit */
	int (*thread)(struct store *st, long long root, long long after, int limit,
	              struct store_events *out);
	/* appends the direct messages between users a and b with id < before,
	 * newest first, at most limit */
	int (*direct_history)(struct store *st, long long a, long long b, long long before, int limit,
	                      struct store_events *out);
	/* appends room_id's open questions (SQL_OPEN) sent at or after since,
	 * id < before, newest first, at most limit */
	int (*open_questions)(struct store *st, long long room_id, const char *since,
	                      long long before, int limit, struct store_events *out);

	/* --- edits, reactions, solved marks of message id --- */
	/* 1 when its text is text, else 0 */
	int (*text_is)(struct store *st, long long id, const char *text);
	/* keeps its text as its next version, replaced at ts */
	int (*version_add)(struct store *st, long long id, const char *ts);
	/* its text becomes text, edited at ts (a removed message is left alone) */
	int (*text_set)(struct store *st, long long id, const char *text, const char *ts);
	/* calls fn on each earlier version, oldest first: 0, 1 when fn stopped it, -1 */
	int (*versions)(struct store *st, long long id, store_version_fn fn, void *ctx);
	/* 1 when user_id's reaction emoji was added (removed), 0 when it was
	 * there (not there) already */
	int (*reaction_add)(struct store *st, long long id, const char *emoji, long long user_id,
	                    const char *ts);
	int (*reaction_del)(struct store *st, long long id, const char *emoji, long long user_id);
	/* 1 when it was marked solved by by at ts (unmarked), 0 when it was
	 * solved (not solved) already */
	int (*solved_set)(struct store *st, long long id, long long by, const char *ts);
	int (*solved_del)(struct store *st, long long id);

	/* --- mutes --- */
	/* 1 with until when user_id is muted after now, else 0 (until "") */
	int (*mute_get)(struct store *st, long long user_id, const char *now, char until[32]);
	int (*mute_set)(struct store *st, long long user_id, const char *until, long long by,
	                const char *now);
	/* 1 when a mute lasting past now was lifted, 0 when there was none */
	int (*mute_del)(struct store *st, long long user_id, const char *now);

	/* --- attention: mentions, read markers, unread counts, settings
	 *     (store_sql.h says how the counts are kept) --- */
	/* one more message in room_id: *seq, its number there */
	int (*room_count)(struct store *st, long long room_id, long long *seq);
	/* 1 when a users row is called name (and is user_id's, unless 0), else 0 */
	int (*user_named)(struct store *st, const char *name, long long user_id);
	int (*mention_add)(struct store *st, long long user_id, long long room_id, long long event_id);
	/* forgets the mentions of the message event_id */
	int (*mentions_del)(struct store *st, long long event_id);
	/* user_id's marker in room_id at the newest event, unless it has one */
	int (*read_start)(struct store *st, long long user_id, long long room_id);
	int (*read_del)(struct store *st, long long user_id, long long room_id);
	/* one more of user_id's own messages in room_id after the marker */
	int (*read_own)(struct store *st, long long user_id, long long room_id);
	/* moves user_id's marker in room_id forward to event id: 1, or 0 when
	 * it is there or beyond already (or there is none) */
	int (*read_move)(struct store *st, long long user_id, long long room_id, long long id);
	/* the direct message id from user_id to to_user_id (two users):
	 * counted unread for to_user_id, and both rows of the conversation made */
	int (*direct_count)(struct store *st, long long user_id, long long to_user_id, long long id);
	/* the direct message id from peer_id to user_id removed: uncounted */
	int (*direct_uncount)(struct store *st, long long user_id, long long peer_id, long long id);
	/* moves user_id's marker for the direct messages from peer_id forward
	 * to id, counting what is unread after it: 1, or 0 when there already */
	int (*direct_move)(struct store *st, long long user_id, long long peer_id, long long id);
	/* 1 with *w for event id, 0 when there is none */
	int (*event_where)(struct store *st, long long id, struct store_where *w);
	/* appends user_id's rooms' counts (only room_id's, unless 0), `all`
	 * first, to out (store_rows_unread_add) */
	int (*unread_rooms)(struct store *st, long long user_id, long long room_id, json_object *out);
	/* appends user_id's direct conversations with unread messages (only
	 * that with peer_id, read or not, unless 0), by name, to out */
	int (*unread_direct)(struct store *st, long long user_id, long long peer_id, json_object *out);
	/* 1 with user_id's email setting, 0 when none is kept */
	int (*setting_get)(struct store *st, long long user_id, char email[16]);
	int (*setting_set)(struct store *st, long long user_id, const char *email);

	/* --- notify (store_notify.c; store_sql.h has the statements) --- */
	/* 1 when this connection took notify's lock, 0 when another holds it */
	int (*notify_lock)(struct store *st);
	/* *id: the newest event older than the store time ts, 0 when none */
	int (*notify_cutoff)(struct store *st, const char *ts, long long *id);
	/* the users the events after the last scan up to cutoff concern are due */
	int (*notify_due)(struct store *st, long long cutoff);
	/* events up to cutoff were looked at */
	int (*notify_scanned)(struct store *st, long long cutoff);
	/* appends the due users to *users of *n (store_rows_notify_user_add) */
	int (*notify_users)(struct store *st, struct store_notify_user **users, size_t *n);
	/* appends store_notify_items()' items to *items of *n (store_rows_notify_item_add) */
	int (*notify_items)(struct store *st, long long user_id, long long after, long long cutoff,
	                    int limit, struct store_notify_item **items, size_t *n);
	/* sent_at NULL: not sent now */
	int (*notify_done)(struct store *st, long long user_id, long long done_id, const char *sent_at,
	                   int due);

	/* --- the dialect's own queries --- */
	/* store_search over the messages user_id may see (only room_id's when
	 * not 0, access checked already), appending to out with
	 * store_rows_search_add(); stops after timeout_ms (at least 1),
	 * setting *partial only, with what it found by then */
	int (*search)(struct store *st, long long user_id, const char *q, long long room_id,
	              long long before, int limit, int timeout_ms, json_object *out, int *more,
	              int *partial);
	/* *bound: the newest event id older than cutoff, 0 when none (read only) */
	int (*prune_bound)(struct store *st, const char *cutoff, long long *bound);
	/* counts the events prune_batch would delete, and of them the messages */
	int (*prune_count)(struct store *st, long long bound, const char *cutoff,
	                   long long *events, long long *messages);
	/* deletes up to batch of the oldest events with id <= bound and ts <
	 * cutoff, in a short write transaction of its own: how many (adding the
	 * messages among them to *messages) */
	int (*prune_batch)(struct store *st, long long bound, const char *cutoff, int batch,
	                   long long *messages);
	/* calls fn on room_id's events as store_log() does: 0, 1 when fn
	 * stopped it, -1 */
	int (*log)(struct store *st, long long room_id, const char *since, const char *until,
	           store_log_fn fn, void *ctx);
	int (*stats)(struct store *st, struct store_stats *out);

	/* --- waking (store_seq, store_wait) --- */
	unsigned (*seq)(struct store *st);
	unsigned (*wait)(struct store *st, unsigned seq, int timeout_ms);

	/* --- memory (store_lean, store_trim); either may be NULL --- */
	void (*lean)(void);             /* process-wide, before any open */
	void (*trim)(struct store *st);
};

#endif
