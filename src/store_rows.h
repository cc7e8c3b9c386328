/*
 * store_rows.h - the values a store driver reads and the rules hand on,
 * made once for every driver: the one time format, an event row turned
 * into a struct store_event with its JSON (API.md) serialized once, a
 * search match, rooms and users as the API shows them, lists of names, and
 * a users row to write. Used by store.c, presence.c and the drivers; it
 * calls none of them.
 */
#ifndef GC_STORE_ROWS_H
#define GC_STORE_ROWS_H

#include <stddef.h>
#include <json-c/json.h>

#include "store.h"
#include "user.h"

struct timespec;

/* now + offset_s as "YYYY-MM-DDTHH:MM:SS.mmmZ", the one time format. */
void store_time(char out[32], long long offset_s);

/* store_time()'s format of the CLOCK_REALTIME time ts. */
void store_time_at(char out[32], const struct timespec *ts);

/* "message", "join", ... indexed by enum event_type. */
extern const char *const store_event_type_names[];

/* How many characters (code points) of a message a reply shows of it. */
#define STORE_SNIPPET_CHARS 140

/* The length in bytes of the first STORE_SNIPPET_CHARS characters of
 * text (valid UTF-8): what reply_to.text shows of its parent. */
size_t store_rows_snippet_len(const char *text);

/* The type called name (a read event for a name unknown). */
enum event_type store_event_type(const char *name);

/* One event row as the drivers read it; NULL strings read as "". */
struct store_row {
	long long id;
	const char *type, *ts;
	const char *room;              /* NULL for direct messages */
	long long user_id;
	const char *username, *gravatar;
	long long to_user_id;          /* 0 for none */
	const char *to_username, *text;
	long long target;              /* delete, pin: the message */
	int deleted;                   /* a removed message: no text shown */
	long long target_user_id;      /* delete, edit, ...: the target's author */
	long long target_to_user_id;   /* and its recipient, for a direct message */
	const char *edited;            /* a message's latest edit, "" or NULL: never */
	long long reply_to, thread_id; /* a reply's parent and its thread's root, else 0 */
	int on;                        /* reaction, solved: given (1) or taken back (0) */
	int parent_found;              /* the parent is still in the store */
	long long parent_user_id;
	const char *parent_username, *parent_gravatar, *parent_text;
	int parent_deleted;
	const char *target_text;       /* edit: the target's text now */
	const char *target_edited;     /* and its latest edit */
	int target_gone;               /* edit: the target is removed or pruned */
	const char *mentions;          /* space-separated names, or NULL */
	/* the reads of whole conversations (EVENT_DETAIL) set detail and these */
	int detail;
	long long replies, last_reply; /* a root's replies not removed, the newest */
	const char *solved_by, *solved_at;   /* "" or NULL: not solved */
	const char *reactions;         /* "ts US emoji US user" joined by RS, or NULL */
};

/* Appends r to out with its JSON serialized once. 0, or -1 when out of
 * memory (out unchanged). */
int store_rows_event_push(struct store_events *out, const struct store_row *r);

/* Room for one more event at evs->v[evs->n] (the caller fills it and
 * counts it), or NULL when out of memory. */
struct store_event *store_events_next(struct store_events *evs);

/* Appends the event r, matched by a search, to the JSON array out, with
 * the "fragments" of marked (its text with search.h's markers around the
 * matches). 0, or -1 when out of memory. */
int store_rows_search_add(json_object *out, const struct store_row *r, const char *marked);

/* A new {"id","username","gravatar"} object (caller puts it). */
json_object *store_rows_user_json(long long id, const char *username, const char *gravatar);

/* One room as store_rooms() lists it. */
struct store_room_row {
	const char *name;
	int persistent, joined;
	const char *topic;                    /* "" or NULL: none */
	long long members, online, last_id;   /* left out when brief */
};

/* Appends r to the JSON array out, with an empty "pins" array when joined
 * (store_rows_pin_add fills it); brief: without members, online, last_id.
 * 0, or -1 when out of memory. */
int store_rows_room_add(json_object *out, const struct store_room_row *r, int brief);

/* One conversation's counts as GET /v1/unread lists them. */
struct store_unread_row {
	int direct;                    /* the direct messages from name, else room name */
	const char *name;
	long long unread, mentions, read;
};

/* Appends r to the JSON array out ({"name" or "with", "unread",
 * "mentions" for a room, "read"}): 0, or -1 when out of memory. */
int store_rows_unread_add(json_object *out, const struct store_unread_row *r);

/* Appends a copy of u to *users of *n (the caller frees the array): 0,
 * or -1 when out of memory (the array as it was). */
int store_rows_notify_user_add(struct store_notify_user **users, size_t *n,
                               const struct store_notify_user *u);

/* Appends the item id, ts, from, room (NULL for a direct message), text,
 * its strings copied, to *items of *n (store_notify_items_free): 0, or -1
 * when out of memory. */
int store_rows_notify_item_add(struct store_notify_item **items, size_t *n, long long id,
                               const char *ts, const char *from, const char *room,
                               const char *text);

/* Adds the pinned message r, pinned at pinned_at by the user called
 * pinned_by, to the "pins" of its room in rooms (store_rows_room_add's
 * array); a room not there, or without "pins", takes none. 0, or -1 when
 * out of memory. */
int store_rows_pin_add(json_object *rooms, const struct store_row *r, const char *pinned_at,
                       const char *pinned_by);

/* Appends a copy of name to the NULL-terminated *names of *n entries: 0, or
 * -1 when out of memory (*names still valid for store_free_names). */
int store_rows_name_add(char ***names, size_t *n, const char *name);

/* A users row to write: who, and when they were last seen. */
struct store_seen_row {
	struct user user;
	char ts[32];                   /* store_time() format */
};

#endif
