/*
 * store.h - the message store: rooms, members, users seen, and the event log
 * with strictly increasing ids. One interface, implemented by the chat's
 * rules (store.c) over a driver (store_driver.h): one SQLite file per host
 * (store_sqlite.c) or a PostgreSQL database shared by many hosts
 * (store_pg.c).
 *
 * A struct store is one connection: use it from one thread at a time (the
 * server gives each worker thread its own). Every function that writes an
 * event commits before it returns (a 201 means the event is on disk) and
 * then wakes every process waiting in store_wait() on the same store.
 *
 * Errors: functions return enum store_result; on STORE_ERROR err says why
 * (the HTTP layer answers 503). Strings passed in are copied as needed.
 */
#ifndef GC_STORE_H
#define GC_STORE_H

#include <stddef.h>
#include <json-c/json.h>

#include "room.h"
#include "user.h"

enum store_result {
	STORE_OK = 0,
	STORE_NOT_FOUND = 1,   /* no such room / user / message */
	STORE_FORBIDDEN = 2,   /* e.g. posting to a room one is not in, leaving `all` */
	STORE_BAD_REQUEST = 3, /* a request the rules refuse as such, e.g. a reply
	                        * to a message in another room, a read marker at
	                        * an event of another conversation */
	STORE_CONFLICT = 4,    /* the room is at a limit: STORE_MAX_PINS pins */
	STORE_ERROR = -1       /* the store failed (I/O, full disk, locked too long) */
};

enum event_type {
	EV_MESSAGE, EV_JOIN, EV_LEAVE, EV_DIRECT, EV_DELETE, EV_EDIT, EV_REACTION, EV_SOLVED,
	EV_TOPIC, EV_PIN, EV_READ
};
#define EV_TYPES (EV_READ + 1)

/* Whether events of type t name a message (target) and go where it went:
 * delete, edit, reaction, solved. */
static inline int store_event_targets(enum event_type t)
{
	return t == EV_DELETE || t == EV_EDIT || t == EV_REACTION || t == EV_SOLVED;
}

/* One event, as the hub and the handlers need it. */
struct store_event {
	long long id;
	enum event_type type;
	char *room;            /* NULL for direct messages */
	long long user_id;     /* author, joiner, leaver, remover */
	long long to_user_id;  /* direct messages: the recipient, else 0 */
	long long target;      /* delete, edit, reaction, solved, pin: the message;
	                        * read: the id read up to; else 0 */
	long long reply_to;    /* a reply: the message it answers, else 0 */
	char *json;            /* the event as API.md shows it, serialized once */
	long long ts_ms;       /* its "ts", wall-clock ms since the epoch (0: unknown) */
	/* An event naming a direct message (store_event_targets) has no room;
	 * its user_id and to_user_id are the two users of that message, who
	 * alone see it. A removed message itself reads {..., "deleted": true}
	 * without "text" or "mentions". A read event has the room it marks
	 * (NULL for direct messages) and goes to its user_id alone. */
};

/* The most events one read returns: a larger limit is cut to it. */
#define STORE_MAX_LIMIT 500

/* The most messages pinned in one room at once. */
#define STORE_MAX_PINS 10

/* Whether user_id, a member of rooms (NULL-terminated, `all` may be left
 * out), may see ev: the one definition (HACKING.md "Events and
 * visibility"); the drivers' visible-events scans say the same in SQL, and
 * the store tests hold them to it. */
int store_event_visible(const struct store_event *ev, long long user_id, char *const *rooms);

/* A growable list of events; zero-initialise, free with store_events_clear(). */
struct store_events {
	struct store_event *v;
	size_t n, cap;
};
void store_events_clear(struct store_events *evs);

struct store;

/* 1 when where (a `store =` value) names a PostgreSQL database
 * (postgresql://, postgres://, postgresql+driver://), 0 for SQLite. */
int store_is_postgresql(const char *where);

/* where as it may be shown: a URL's password replaced by ***. */
void store_describe(const char *where, char *out, size_t outlen);

/* Opens the store at where: an SQLite file path or sqlite:/// URL (its
 * directory must exist and be writable), or a PostgreSQL URL; creates or
 * migrates the schema, and makes sure the rooms `all` and each of
 * persistent[0..n) exist, are the persistent ones, and have the topics of
 * topics[0..2 * n_topics): pairs of a room (`all` or one of persistent)
 * and its topic from the configuration (room_topic.NAME), set when it
 * differs from the one the configuration last gave that room (so a topic
 * an admin set since stays until the configured one changes). A store
 * that agrees is only read. Returns 0 and a handle the caller closes with
 * store_close(), or -1 with a message naming the store in err. */
int store_open(const char *where, const char *const *persistent, size_t n,
               const char *const *topics, size_t n_topics,
               struct store **out, char *err, size_t errlen);
void store_close(struct store *st);

/* Records that user made a request now (p: presence.h): keeps the users
 * row (id, username, email, gravatar) current and last_seen for presence.
 * Cheap to call often: it writes at once only a row that is new or changed
 * (so it exists from the user's first request on), else it just notes the
 * time for store_seen_flush(). */
struct presence;
enum store_result store_user_seen(struct store *st, struct presence *p, const struct user *u,
                                  char *err, size_t errlen);

/* u said goodbye (POST /v1/me/presence {"online": false}): u is not
 * online from now on, at once for every process and host, until u's next
 * request (store_user_seen) is written. A goodbye within a second of the
 * last one, with no request written between, writes nothing: a burst of
 * them costs one write. */
enum store_result store_user_left(struct store *st, struct presence *p, const struct user *u,
                                  char *err, size_t errlen);

/* Writes last_seen of every user p noted since their row was last written,
 * in transactions of a few rows (the hub calls it every few seconds). It
 * never waits for another writer (the hub would miss its polls' deadlines):
 * while one holds an SQLite store's lock it writes nothing and returns
 * STORE_OK, and those users' next requests note them again. */
enum store_result store_seen_flush(struct store *st, struct presence *p,
                                   char *err, size_t errlen);

/* Joins room (validated by the caller), creating it if new. *event_id is the
 * new join event's id, or 0 when u was already a member (nothing stored).
 * With max_rooms > 0, STORE_FORBIDDEN (nothing stored) when room is an
 * ad-hoc room u is not in and u is in max_rooms ad-hoc rooms already;
 * `all` and persistent rooms neither count nor are refused. Checked in the
 * joining transaction, so concurrent joins cannot overshoot. */
enum store_result store_join(struct store *st, const struct user *u, const char *room,
                             int max_rooms, long long *event_id, char *err, size_t errlen);

/* Leaves room: STORE_FORBIDDEN for `all`, STORE_NOT_FOUND for an unknown
 * room; *event_id 0 when u was not a member. */
enum store_result store_leave(struct store *st, const struct user *u, const char *room,
                              long long *event_id, char *err, size_t errlen);

/* Stores a message to room, or, with room NULL, a direct message to the
 * user to_user_id (a Galaxy id: the store never turns names into users,
 * auth_find_user() does, by Galaxy's current usernames). client_id (may
 * be NULL) makes retries safe: the same user's repeated client_id returns
 * the first event's id and ts and stores nothing (*created = 0). ts
 * receives "YYYY-MM-DDTHH:MM:SS.mmmZ". reply_to (0: none) is the message
 * it answers, which u must see in the same room, or between the same two
 * users; the reply joins its thread (the root's, for a reply to a reply).
 * STORE_FORBIDDEN when u is not in room or muted, STORE_NOT_FOUND for an
 * unknown room, a recipient who has never used the chat, or a reply_to u
 * cannot see (or removed: then err starts "no message"); STORE_BAD_REQUEST
 * for a reply_to elsewhere. */
enum store_result store_post(struct store *st, const struct user *u,
                             const char *room, long long to_user_id,
                             const char *text, const char *client_id, long long reply_to,
                             long long *id, char ts[32], int *created,
                             char *err, size_t errlen);

/* A user the text of a message names (mention.h): the Galaxy id of the
 * holder of the username name now (auth_find_user). */
struct store_mention {
	long long user_id;
	const char *name;
};

/* store_post() of a message whose text names mentions[0..n) (at most
 * MENTION_MAX are looked at). Each is mentioned when the store's users row
 * of user_id is called name (the chat saw them under it last), it is not
 * u, and they may see the message: a member of room (anyone for `all`),
 * or the recipient. The event carries their names ("mentions"); a room
 * message's mentions count for their unread mentions. */
enum store_result store_post_mentioning(struct store *st, const struct user *u,
                                        const char *room, long long to_user_id,
                                        const char *text, const char *client_id,
                                        long long reply_to,
                                        const struct store_mention *mentions, size_t n,
                                        long long *id, char ts[32], int *created,
                                        char *err, size_t errlen);

/* One post of a group commit (store_post_batch): store_post_mentioning's
 * arguments, which the caller keeps valid, and its results. */
struct store_post {
	const struct user *user;
	const char *room;
	long long to_user_id;
	const char *text, *client_id;
	long long reply_to;
	const struct store_mention *mentions;
	size_t n_mentions;
	/* results, as store_post_mentioning gives them */
	enum store_result res;
	long long id;
	char ts[32];
	int created;
	char err[256];
	int alone;      /* not stored: another post's failure ended the transaction;
	                 * run it again alone (store_post_mentioning) */
};

/* Runs each of the n posts as store_post_mentioning would, in order, in
 * one write transaction with one commit (one fsync): when it returns,
 * each post's results are set, and those stored are durable. A refusal
 * (muted, not a member...) refuses that post only. */
void store_post_batch(struct store *st, struct store_post *const *p, size_t n);

/* 1 when some chat user's users row is called name, else 0 (-1 with err):
 * a name no one was last seen under mentions no one, so the caller need
 * not ask Galaxy about it. */
int store_name_known(struct store *st, const char *name, char *err, size_t errlen);

/* Appends to out the events with id > since that user_id may see (see
 * HACKING.md "Events and visibility"), oldest first, at most limit. */
enum store_result store_events_visible(struct store *st, long long user_id,
                                       long long since, int limit,
                                       struct store_events *out,
                                       char *err, size_t errlen);

/* Appends to out every event with id > since, oldest first, at most limit
 * (the hub's one read per wakeup). */
enum store_result store_events_all(struct store *st, long long since, int limit,
                                   struct store_events *out, char *err, size_t errlen);

/* What store_events_recent() gave. */
enum store_recent {
	STORE_RECENT_ALL,    /* every event committed after since, as far as the host knows */
	STORE_RECENT_MORE,   /* limit reached: more may follow */
	STORE_RECENT_ASK     /* store_events_all() must say what follows the last appended */
};

/* Appends to out the events with id > since, oldest first, at most limit,
 * from the newest events the host's processes share (a SQLite store's
 * "<store>-events", evring.h) without reading the store: the hub's read
 * when the store's counter moved. A store with none shared answers
 * STORE_RECENT_ASK at once. */
enum store_recent store_events_recent(struct store *st, long long since, int limit,
                                      struct store_events *out);

/* The newest event id (0 for an empty store). */
enum store_result store_max_id(struct store *st, long long *id, char *err, size_t errlen);

/* The rooms user_id is a member of (always including `all`): a NULL-terminated
 * array of strings the caller frees with store_free_names(). */
enum store_result store_memberships(struct store *st, long long user_id, char ***rooms,
                                   char *err, size_t errlen);
void store_free_names(char **names);

/* Whether user_id may see into room, its history and who is in it: the
 * one rule of both. STORE_OK for `all` and the rooms user_id is a member
 * of, STORE_FORBIDDEN for any other room, STORE_NOT_FOUND when no room has
 * that name; err says why. */
enum store_result store_room_access(struct store *st, long long user_id, const char *room,
                                    char *err, size_t errlen);

/* The name of the room room names (room.h: that spelling, else the room
 * whose key it has) as first written, into name; STORE_NOT_FOUND. */
enum store_result store_room_name(struct store *st, const char *room, char name[ROOM_NAME_BUF],
                                  char *err, size_t errlen);

/* The rooms of an older store that differ from an older room only in
 * case (room.h): a new JSON array (caller puts it) of [name, older room's
 * name] pairs. Both keep working; `galaxy-chat check` lists them. */
enum store_result store_room_twins(struct store *st, json_object **out, char *err, size_t errlen);

/* History of room: its message, join, leave and delete events with id <
 * before (before <= 0: newest), at most limit, oldest first, each message
 * as it is now with its replies, reactions and solved mark (API.md); *more
 * is 1 when older ones exist. Refused as store_room_access() refuses. */
enum store_result store_history(struct store *st, long long user_id, const char *room,
                                long long before, int limit, struct store_events *out,
                                int *more, char *err, size_t errlen);

/* GET /v1/rooms and the rooms of GET /v1/me: a new JSON array the caller
 * releases with json_object_put(). Each room: name, persistent, joined,
 * topic ("" for none), members, online (members seen in the last 60 s),
 * last_id, and for the rooms user_id may look into (store_room_access:
 * the joined ones) pins, the pinned messages as events, newest pin first,
 * each with pinned_at and pinned_by (a username). An ad-hoc room nobody is
 * in is left out (it stays in the store, with its history). With brief !=
 * 0 no members, online and last_id (for /v1/me), and only joined or
 * persistent rooms. */
enum store_result store_rooms(struct store *st, long long user_id, int brief,
                              json_object **out, char *err, size_t errlen);

/* Members of room seen in the last 60 s: a new JSON array of user objects
 * ({"id","username","gravatar"}), for user_id, refused as
 * store_room_access() refuses. */
enum store_result store_who(struct store *st, long long user_id, const char *room,
                            json_object **out, char *err, size_t errlen);

/* Removes message id (type message or direct) for u: its author may, and an
 * admin (u->admin) may remove any. The text stays in the store with
 * deleted_by and deleted_at, leaves the search index, and is never shown
 * again; a delete event naming it goes to everyone who could see it.
 * *event_id is that event's id, or 0 when the message was already removed
 * (nothing stored). STORE_NOT_FOUND when there is no such message or u
 * cannot see it; STORE_FORBIDDEN when u sees it but may not remove it. */
enum store_result store_delete(struct store *st, const struct user *u, long long id,
                               long long *event_id, char *err, size_t errlen);

/* Conversations (store_conv.c). Each act on message id answers as
 * store_delete does: STORE_NOT_FOUND when there is no such message (or
 * direct message), it is removed, or u cannot see it; STORE_FORBIDDEN
 * when u sees it but may not. */

/* u, its author, edits message id to text, within window_s seconds of
 * sending it (0: any time), unless muted. The text it replaces is kept as
 * a version; an edit event names the message and goes where it went.
 * edited receives the edit's time and *event_id its event; the text it
 * has already changes nothing (*event_id 0, edited as it was, "" if
 * never). */
enum store_result store_edit(struct store *st, const struct user *u, long long id,
                             const char *text, int window_s, char edited[32],
                             long long *event_id, char *err, size_t errlen);

/* u, who sees message id, gives (on) or takes back the reaction emoji (one
 * emoji, emoji.h); a reaction event goes where the message went. Taking
 * back works while muted, giving does not. *event_id 0 when nothing
 * changed. */
enum store_result store_react(struct store *st, const struct user *u, long long id,
                              const char *emoji, int on, long long *event_id,
                              char *err, size_t errlen);

/* u, its author or an admin, marks message id solved (on) or unmarks it;
 * a solved event goes where it went. by and at receive the mark after
 * the call ("" when none): marking a solved message again keeps its mark
 * (*event_id 0, nothing changed). */
enum store_result store_solve(struct store *st, const struct user *u, long long id, int on,
                              char by[USER_NAME_MAX], char at[32], long long *event_id,
                              char *err, size_t errlen);

/* The thread of message id (its root, or a reply in it) for u, who must
 * see it (STORE_NOT_FOUND otherwise): *root_id its root, root the root
 * event (none when pruned: its replies are still a thread), out the
 * replies with id > after, oldest first, at most limit; *more when more
 * follow. */
enum store_result store_thread(struct store *st, const struct user *u, long long id,
                               long long after, int limit, long long *root_id,
                               struct store_events *root, struct store_events *out, int *more,
                               char *err, size_t errlen);

/* The direct messages between user_id and other, as store_history reads
 * a room; STORE_NOT_FOUND when other has never used the chat. */
enum store_result store_direct_history(struct store *st, long long user_id, long long other,
                                       long long before, int limit, struct store_events *out,
                                       int *more, char *err, size_t errlen);

/* The open questions of room for u (a member, or an admin): its messages
 * of the last days days that are not replies, removed or solved and that
 * nobody but their author answered, ids < before (<= 0: newest), newest
 * first, at most limit; *more when older ones exist. STORE_NOT_FOUND,
 * STORE_FORBIDDEN as store_room_access(), admins aside. */
enum store_result store_open_questions(struct store *st, const struct user *u, const char *room,
                                       int days, long long before, int limit,
                                       struct store_events *out, int *more,
                                       char *err, size_t errlen);

/* One earlier version of a message (store_versions); strings valid during
 * the call. */
struct store_version {
	int version;           /* 1: as first sent */
	const char *written, *replaced, *text;
};
typedef int (*store_version_fn)(const struct store_version *v, void *ctx);

/* Calls fn on each earlier version of message id, oldest first (none
 * when never edited). fn returns 0, or -1 to stop (STORE_ERROR). */
enum store_result store_versions(struct store *st, long long id, store_version_fn fn, void *ctx,
                                 char *err, size_t errlen);

/* As admin u (the caller checks u->admin), sets room's topic to topic
 * (checked with room_topic_check(); "" clears it). *event_id is the topic
 * event's id, which goes to the room, or 0 when the topic was that
 * already (nothing stored). STORE_NOT_FOUND for an unknown room. */
enum store_result store_topic(struct store *st, const struct user *u, const char *room,
                              const char *topic, long long *event_id, char *err, size_t errlen);

/* As admin u (the caller checks u->admin), pins message id of room (pin
 * 1) or unpins it (pin 0); a pin event naming it goes to the room.
 * *event_id is its id, or 0 when nothing changed (pinned already, not
 * pinned). Pinning: STORE_NOT_FOUND when id is no message of that room or
 * was removed; STORE_CONFLICT when the room has STORE_MAX_PINS pins.
 * STORE_NOT_FOUND for an unknown room. Removing a message unpins it (the
 * delete event says so). */
enum store_result store_pin(struct store *st, const struct user *u, const char *room,
                            long long id, int pin, long long *event_id,
                            char *err, size_t errlen);

/* As admin u (the caller checks u->admin), mutes the user user_id (found
 * as for store_post) for minutes from now, or lifts the mute when minutes is 0.
 * A muted user's store_post fails with STORE_FORBIDDEN "you are muted until
 * ...". The user is told by a direct message from u; *event_id is its id,
 * or 0 when lifting a mute that was not there. until receives the end of
 * the mute ("" when lifted). STORE_NOT_FOUND for a user never seen. */
enum store_result store_mute(struct store *st, const struct user *u, long long user_id,
                             int minutes, char until[32], long long *event_id,
                             char *err, size_t errlen);

/* When user_id's mute ends, or "" when not muted now. */
enum store_result store_muted_until(struct store *st, long long user_id, char until[32],
                                    char *err, size_t errlen);

/* Full-text search for the words of q (checked with search_check(), see
 * search.h) over the messages user_id may see: rooms they are in, `all`,
 * their direct messages; only room's when room is not NULL (STORE_NOT_FOUND
 * / STORE_FORBIDDEN as for store_history). Newest first, ids < before
 * (before <= 0: newest), at most limit; *more is 1 when older matches
 * exist. *out: a new JSON array (caller puts it) of events as API.md shows
 * them, each with "fragments" (search_fragments()). A search that runs
 * for timeout_ms stops: STORE_OK with *partial and *more set, and *out
 * the newest matches found by then, none skipped (on PostgreSQL none).
 * The time is checked as the store reads rows; the index's own work on
 * one prefix runs on (search.h's word rules bound it). */
enum store_result store_search(struct store *st, long long user_id, const char *q,
                               const char *room, long long before, int limit, int timeout_ms,
                               json_object **out, int *more, int *partial,
                               char *err, size_t errlen);

/* Deletes every event older than days before now, at most batch rows per
 * write transaction so other writers wait at most one batch; an event
 * stored after pruning started is never touched. With dry_run only counts.
 * cutoff receives the cut-off time, *events and *messages how many events
 * (of them messages and direct messages) went or would go. The search
 * index follows. */
enum store_result store_prune(struct store *st, int days, int batch, int dry_run,
                              char cutoff[32], long long *events, long long *messages,
                              char *err, size_t errlen);

/* Moves u's read marker in room, or (room NULL) for the direct messages
 * between u and the user peer_id, forward to the event id (doc/api.md
 * "Mentions, read markers and unread counts"); a marker at or beyond id
 * stays. When it moved, a read event goes to u alone. *out: a new object
 * {"room" or "with", "read", "unread", "mentions" for a room, "event":
 * the read event's id or null}. STORE_NOT_FOUND for an unknown room or a
 * peer who never used the chat, STORE_FORBIDDEN when u is not in room,
 * STORE_BAD_REQUEST when id is beyond the newest event or not of that
 * conversation (a room's event, a direct message between the two). */
enum store_result store_read(struct store *st, const struct user *u, const char *room,
                             long long peer_id, long long id, json_object **out,
                             char *err, size_t errlen);

/* GET /v1/unread for user_id: a new object {"rooms": [...], "direct":
 * [...], "total", "mentions"} (doc/api.md). Counters only, no history. */
enum store_result store_unread(struct store *st, long long user_id, json_object **out,
                               char *err, size_t errlen);

/* The values of the email setting, the default first, NULL-ended. */
extern const char *const store_email_settings[];

/* user_id's email setting (one of store_email_settings) into email. */
enum store_result store_email_get(struct store *st, long long user_id, char email[16],
                                  char *err, size_t errlen);

/* Keeps email, one of store_email_settings (STORE_BAD_REQUEST otherwise). */
enum store_result store_email_set(struct store *st, long long user_id, const char *email,
                                  char *err, size_t errlen);

/* --- notify (notify.c): who is due an email, and of what --- */

/* Takes the lock of notify's runs (two never overlap: a file lock beside
 * an SQLite store, a PostgreSQL session's advisory lock), held until
 * store_close(). STORE_FORBIDDEN when another run holds it (nothing
 * waits). */
enum store_result store_notify_lock(struct store *st, char *err, size_t errlen);

/* Looks at the events stored since the last scan and older than
 * after_minutes: the users they mention or write to directly are due.
 * *cutoff: the newest event older than after_minutes (every item of this
 * run is at or below it). */
enum store_result store_notify_scan(struct store *st, int after_minutes, long long *cutoff,
                                    char *err, size_t errlen);

/* A user who may be due an email. */
struct store_notify_user {
	long long id;
	char username[USER_NAME_MAX];   /* their chat name, as last seen */
	int email_off;                  /* their setting is "off" */
	char sent_at[32];               /* their last email, "" for none */
	long long done_id;              /* everything up to it is dealt with */
};

/* The due users, by id: a new array of *n (caller frees *users). */
enum store_result store_notify_users(struct store *st, struct store_notify_user **users,
                                     size_t *n, char *err, size_t errlen);

/* A mention or direct message to email (mail.h's mail_item is made of it). */
struct store_notify_item {
	long long id;
	char ts[32];
	char *from;                     /* its author, as named then */
	char *room;                     /* NULL for a direct message */
	char *text;
};
void store_notify_items_free(struct store_notify_item *items, size_t n);

/* user_id's unread mentions (in rooms they are still in) and direct
 * messages with after < id <= cutoff, not removed, oldest first, at most
 * max: a new array of *n (store_notify_items_free). */
enum store_result store_notify_items(struct store *st, long long user_id, long long after,
                                     long long cutoff, int max, struct store_notify_item **items,
                                     size_t *n, char *err, size_t errlen);

/* Records for user_id that everything up to done_id is dealt with (never
 * again in an email), that an email went now when sent, and whether more
 * may be due. */
enum store_result store_notify_done(struct store *st, long long user_id, long long done_id,
                                    int sent, int due, char *err, size_t errlen);

/* One event of a room's log (store_log); strings valid during the call. */
struct store_log_row {
	long long id;
	const char *ts, *room, *user, *type;
	const char *text;      /* NULL for joins, leaves, deletes, removed messages;
	                        * an edit's new text, a reaction's emoji */
	int deleted;           /* a removed message */
	long long target;      /* delete, edit, reaction, solved: the message */
	const char *edited;    /* a message's latest edit, NULL: never edited */
	int on;                /* reaction, solved: given (1) or taken back (0) */
	long long reply_to;    /* a reply: the message it answers, else 0 */
};
typedef int (*store_log_fn)(const struct store_log_row *row, void *ctx);

/* Calls fn for every event of room with since <= ts < until (until NULL:
 * no end; both store time strings or prefixes of one), oldest first. fn
 * returns 0, or -1 to stop (STORE_ERROR). STORE_NOT_FOUND for an unknown
 * room. */
enum store_result store_log(struct store *st, const char *room, const char *since,
                            const char *until, store_log_fn fn, void *ctx,
                            char *err, size_t errlen);

/* What `galaxy-chat check` reports. */
struct store_stats {
	long long events, messages, users, rooms, newest_id;
	char newest_ts[32];    /* "" for an empty store */
};
enum store_result store_stats(struct store *st, struct store_stats *out,
                              char *err, size_t errlen);

/* SQLite store files, for `galaxy-chat backup` and `check --store`
 * (backup.c), which work on the file, not through a struct store. */
struct sqlite3;

/* The file of the SQLite store where (a path or sqlite: URL) into path.
 * Returns 0, or -1 with err set (a PostgreSQL store, a bad URL, too long). */
int store_sqlite_file(const char *where, char *path, size_t pathlen, char *err, size_t errlen);

/* The schema version (PRAGMA user_version) this galaxy-chat's SQLite
 * stores have; a store with a lower one is upgraded when opened. */
int store_sqlite_version(void);

/* store_stats() on db, a connection to an SQLite store's file that the
 * caller opened (perhaps read-only) and keeps. */
enum store_result store_sqlite_stats(struct sqlite3 *db, struct store_stats *out,
                                     char *err, size_t errlen);

/* For a lean process (server.c: one request at a time, hundreds of
 * processes, where memory counts more than microseconds). store_lean(),
 * before any store is opened, has the connections opened later reserve no
 * cache up front; store_trim() gives back what st keeps between calls
 * (SQLite's page cache), so the next call reads its pages again, from the
 * system's file cache: in such a process another process's write has
 * mostly made them stale by then anyway. */
void store_lean(void);
void store_trim(struct store *st);

/* Cross-process change notification. store_seq() reads the store's change
 * counter; store_wait() sleeps until it differs from seq, timeout_ms
 * passes or a signal arrives, without touching the database and without
 * CPU use while asleep. Returns the counter's value then. */
unsigned store_seq(struct store *st);
unsigned store_wait(struct store *st, unsigned seq, int timeout_ms);

#endif
