/*
 * store_impl.h - what a message store implementation provides (store.c
 * dispatches every store_ function of store.h through it). Only store*.c
 * include this file.
 *
 * An implementation's handle starts with a struct store whose ops point to
 * its table; each op has the meaning, ownership and errors of the store.h
 * function of the same name.
 */
#ifndef GC_STORE_IMPL_H
#define GC_STORE_IMPL_H

#include <stdint.h>
#include <time.h>

#include "store.h"

/* A users row to write: who, and when they were last seen. */
struct store_seen_row {
	struct user user;
	char ts[32];          /* store_time() format */
};

struct store_ops {
	void (*close)(struct store *st);
	/* writes the n users rows (inserted or refreshed), each last seen at
	 * its ts, in one transaction; with wait 0 it fails at once when
	 * another writer holds the store instead of waiting for it */
	enum store_result (*user_seen)(struct store *st, const struct store_seen_row *rows,
	                               size_t n, int wait, char *err, size_t errlen);
	/* *current: 1 when u's users row exists with u's name, email and
	 * gravatar, else 0 */
	enum store_result (*user_current)(struct store *st, const struct user *u, int *current,
	                                  char *err, size_t errlen);
	enum store_result (*join)(struct store *st, const struct user *u, const char *room,
	                          int max_rooms, long long *event_id, char *err, size_t errlen);
	/* never called for `all`: store_leave() refuses that itself */
	enum store_result (*leave)(struct store *st, const struct user *u, const char *room,
	                           long long *event_id, char *err, size_t errlen);
	enum store_result (*post)(struct store *st, const struct user *u,
	                          const char *room, long long to_user_id,
	                          const char *text, const char *client_id,
	                          long long *id, char ts[32], int *created,
	                          char *err, size_t errlen);
	enum store_result (*events_visible)(struct store *st, long long user_id,
	                                    long long since, int limit,
	                                    struct store_events *out, char *err, size_t errlen);
	enum store_result (*events_all)(struct store *st, long long since, int limit,
	                                struct store_events *out, char *err, size_t errlen);
	enum store_result (*max_id)(struct store *st, long long *id, char *err, size_t errlen);
	enum store_result (*memberships)(struct store *st, long long user_id, char ***rooms,
	                                 char *err, size_t errlen);
	enum store_result (*history)(struct store *st, const char *room,
	                             long long before, int limit, struct store_events *out,
	                             int *more, char *err, size_t errlen);
	enum store_result (*rooms)(struct store *st, long long user_id, int brief,
	                           json_object **out, char *err, size_t errlen);
	/* STORE_NOT_FOUND (err set) when there is no room of that name, else
	 * *member: 1 when user_id is in room (always in `all`), else 0 */
	enum store_result (*room_member)(struct store *st, long long user_id, const char *room,
	                                 int *member, char *err, size_t errlen);
	/* history and who are called after store_room_access() allowed them */
	enum store_result (*who)(struct store *st, const char *room, json_object **out,
	                         char *err, size_t errlen);
	/* store_mute with the time already worked out: until is the new end,
	 * "" to lift the mute; notice the direct message that tells the user. */
	enum store_result (*delete)(struct store *st, const struct user *u, long long id,
	                            long long *event_id, char *err, size_t errlen);
	enum store_result (*mute)(struct store *st, const struct user *u, long long user_id,
	                          const char *until, const char *notice, long long *event_id,
	                          char *err, size_t errlen);
	enum store_result (*muted_until)(struct store *st, long long user_id, char until[32],
	                                 char *err, size_t errlen);
	/* store_search with limit clamped and timeout_ms at least 1,
	 * appending to the array out with store_search_add(); sets *partial
	 * only (store_search sets *more with it). */
	enum store_result (*search)(struct store *st, long long user_id, const char *q,
	                            const char *room, long long before, int limit, int timeout_ms,
	                            json_object *out, int *more, int *partial,
	                            char *err, size_t errlen);
	/* store_prune with the cut-off time worked out. */
	enum store_result (*prune)(struct store *st, const char *cutoff, int batch, int dry_run,
	                           long long *events, long long *messages,
	                           char *err, size_t errlen);
	enum store_result (*log)(struct store *st, const char *room, const char *since,
	                         const char *until, store_log_fn fn, void *ctx,
	                         char *err, size_t errlen);
	enum store_result (*stats)(struct store *st, struct store_stats *out,
	                           char *err, size_t errlen);
	unsigned (*seq)(struct store *st);
	unsigned (*wait)(struct store *st, unsigned seq, int timeout_ms);
};

struct store {
	const struct store_ops *ops;
	char *where;   /* what store_open() was given, owned: names the store */
};

#define STORE_ONLINE_S 60        /* "online": seen this recently */
#define STORE_SEEN_SLOTS 16384   /* users remembered per process */
#define STORE_SEEN_CHUNK 64      /* users rows per store_seen_flush transaction */

/* --- helpers shared by the implementations (store_common.c) --- */

/* "message", "join", ... indexed by enum event_type. */
extern const char *const store_event_type_names[];

/* now + offset_s as "YYYY-MM-DDTHH:MM:SS.mmmZ", the one time format. */
void store_time(char out[32], long long offset_s);

/* store_time()'s format of the CLOCK_REALTIME time ts. */
struct timespec;
void store_time_at(char out[32], const struct timespec *ts);

/* limit brought into 1..STORE_MAX_LIMIT. */
int store_clamp(int limit);

/* A new {"id","username","gravatar"} object (caller puts it). */
json_object *store_user_json(long long id, const char *username, const char *gravatar);

/* One event row as both stores read it; NULL strings read as "". */
struct store_row {
	long long id;
	const char *type, *ts;
	const char *room;              /* NULL for direct messages */
	long long user_id;
	const char *username, *gravatar;
	long long to_user_id;          /* 0 for none */
	const char *to_username, *text;
	long long target;
	int deleted;                   /* a removed message: no text shown */
	long long target_user_id;      /* delete: the removed message's author */
	long long target_to_user_id;   /* and its recipient, for a direct message */
};

/* The SQL both stores read an event row with, in struct store_row's order
 * (each store's row reader takes the columns by these positions); g is the
 * message a delete event removed. Search adds the highlighted text as
 * column EVENT_NCOLS, with search.h's markers. */
#define EVENT_SELECT \
	"SELECT e.id, e.type, e.ts, r.name, e.user_id, e.username, u.gravatar," \
	" e.to_user_id, t.username, e.text, e.target, e.deleted_at IS NOT NULL," \
	" g.user_id, g.to_user_id"
#define EVENT_COLS EVENT_SELECT " FROM "
#define EVENT_JOINS \
	" LEFT JOIN rooms r ON r.id = e.room_id" \
	" LEFT JOIN users u ON u.id = e.user_id" \
	" LEFT JOIN users t ON t.id = e.to_user_id" \
	" LEFT JOIN events g ON g.id = e.target"
#define EVENT_NCOLS 14

/* Appends r to out with its JSON (API.md) serialized once. 0, or -1 when
 * out of memory (out unchanged). */
int store_events_push(struct store_events *out, const struct store_row *r);

/* Appends the event r, matched by a search, to the JSON array out, with
 * the "fragments" of marked (its text with search.h's markers around the
 * matches). 0, or -1 when out of memory. */
int store_search_add(json_object *out, const struct store_row *r, const char *marked);

/* store_history's last step: out[first..] was read newest first with one
 * extra row; drops that row (setting *more) and puts the rest oldest first. */
void store_history_finish(struct store_events *out, size_t first, int limit, int *more);

/* store_join's refusal when u is in max_rooms ad-hoc rooms already:
 * the message in err, and STORE_FORBIDDEN. */
enum store_result store_join_refused(const struct user *u, int max_rooms, char *err, size_t errlen);

/* Appends a copy of name to the NULL-terminated *names of *n entries: 0, or
 * -1 when out of memory (*names still valid for store_free_names). */
int store_names_add(char ***names, size_t *n, const char *name);

/* 1 when names (NULL-terminated, unique: the rooms a store marks
 * persistent) are exactly `all` and persistent[0..n), else 0. An open
 * that finds them so writes nothing (a locked or full store still opens). */
int store_persistent_same(char **names, const char *const *persistent, size_t n);

/* Records that u's row in the store named where is current (see
 * store_user_seen_note()); noted: u was seen after it was last written. */
void store_seen_done(const char *where, const struct user *u, int noted);

/* The users noted as seen in the store named where since their row was
 * last written: a new array of *n rows (NULL when none or out of memory)
 * the caller frees, each then counted as written. */
struct store_seen_row *store_seen_due_rows(const char *where, size_t *n);

/* The implementations' openers, with store_open's contract: path is a file
 * name, conninfo a libpq connection string. */
int store_sqlite_open(const char *path, const char *const *persistent, size_t n,
                      struct store **out, char *err, size_t errlen);
int store_pg_open(const char *conninfo, const char *const *persistent, size_t n,
                  struct store **out, char *err, size_t errlen);

#endif
