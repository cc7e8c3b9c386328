/*
 * api.h - what a route handler gets (struct call) and the handlers
 * themselves, one file per group of routes: api_health.c, api_metrics.c, api_me.c,
 * api_rooms.c, api_messages.c, api_events.c, api_moderation.c, api_search.c,
 * api_objects.c, api_conv.c, api_unread.c, api_topics.c.
 */
#ifndef GC_API_H
#define GC_API_H

#include "request.h"
#include "reply.h"
#include "user.h"

struct cfg;
struct auth;
struct auth_held;
struct store;
struct postbatch;
struct hub;
struct hub_waiter;
struct rate;
struct presence;

struct call {
	const struct cfg *cfg;
	struct auth *auth;
	struct hub *hub;
	struct rate *rate;         /* per-user rate limits of the host */
	struct presence *presence; /* the users this process saw lately */
	struct postbatch *batch;   /* the process's group commit of posts; NULL: none */
	struct store *store;       /* the store connection, NULL if it failed (or memory_only) */
	const char *store_error;   /* why store is NULL (NULL: memory_only) */
	int store_failed;          /* set when the store failed: the server remakes the connection */
	struct request *req;
	struct reply *rep;
	struct user user;          /* set for authenticated routes */
	long long auth_until;      /* with user: until when (monotonic ms) its
	                            * answer holds (auth_check()'s until_ms) */
	/* set by the server for a stream under way: the last answer about its
	 * session, which the router takes while it holds and renews after
	 * (NULL: a request of its own) */
	struct auth_held *held;
	char arg[1024];            /* the {room}, {id} or {username} of the path, decoded */
	char arg2[256];            /* a second one: a reaction's {emoji}, a pin's {id} */
	int route;                 /* set by the router: its route's index (-1: none) */
	/* set by the server: how many requests of heavy routes (searches) this
	 * process runs now; the router keeps it at most cfg->max_searches.
	 * NULL: no bound. */
	int *heavy;
	/* memory_only: set by the server for a call to be answered from memory
	 * alone: no store connection (store is NULL), no query to Galaxy's
	 * database. What needs either sets not_in_memory (api_store_unusable()
	 * does), answers nothing, and is run again with both. */
	int memory_only;
	int not_in_memory;
	/* A long poll with nothing to answer yet asks to wait instead: for the
	 * events after wait->checked that wait->user_id may see, until
	 * wait->deadline (a hub_waiter_new() without done and ctx, taken by
	 * the server). The server answers from the hub's ring or parks it
	 * there; if the hub cannot take it, the request is run again with the
	 * store. */
	struct hub_waiter *wait;
	/* GET /v1/stream: the long poll's handler, its answers made as pieces
	 * of a text/event-stream (events_body_poll's stream). stream is set by
	 * the router; resume by the server for a stream under way: its cursor,
	 * read instead of since and Last-Event-ID (NULL: a new request). */
	int stream;
	const long long *resume;
	/* set by the server for a stream under way: 1 + the route its first
	 * turn matched (c->route), which the router takes without matching
	 * the path again (the request is the same, and the stream's route
	 * takes no argument from it); 0: match the path */
	int resume_route;
	long long cursor;          /* a poll's answer's cursor (api_reply_poll) */
};

typedef void (*api_fn)(struct call *c);

void api_health(struct call *c);
void api_metrics(struct call *c);
void api_me(struct call *c);
void api_me_presence(struct call *c);
void api_rooms(struct call *c);
void api_room_join(struct call *c);
void api_room_leave(struct call *c);
void api_room_history(struct call *c);
void api_room_who(struct call *c);
void api_post_message(struct call *c);
void api_events(struct call *c);
void api_delete_message(struct call *c);
void api_edit_message(struct call *c);
void api_thread(struct call *c);
void api_react(struct call *c);
void api_unreact(struct call *c);
void api_solve(struct call *c);
void api_unsolve(struct call *c);
void api_room_open(struct call *c);
void api_direct_history(struct call *c);
void api_mute(struct call *c);
void api_unmute(struct call *c);
void api_search(struct call *c);
void api_objects(struct call *c);
void api_read(struct call *c);
void api_unread(struct call *c);
void api_settings(struct call *c);
void api_settings_put(struct call *c);
void api_room_topic(struct call *c);
void api_pin(struct call *c);
void api_unpin(struct call *c);

/* Shared by handlers: returns 0 when c->store is there, else 1 having
 * answered 503 naming the store problem, or, in a call from memory alone,
 * set not_in_memory. */
int api_store_unusable(struct call *c);

/* Galaxy's database could not be asked: logs err, answers 503 with
 * Retry-After. */
void api_galaxy_unavailable(struct call *c, const char *err);

/* Answers 404 "no chat user NAME": the one answer for a name no Galaxy user
 * holds now, one of a user Galaxy does not let in, and one of a user who
 * has never used the chat, so none of them tells the others apart. */
void api_no_user(struct call *c, const char *name);

/* The Galaxy id of the chat user called name (auth_find_user, by Galaxy's
 * current usernames; never the message store's names): 1 with *id, else 0
 * having answered (api_no_user, or 503). */
int api_find_user(struct call *c, const char *name, long long *id);

/* Reads the paging arguments of c's query, before (an event id, left as
 * it is when absent) and limit (1..max, left as it is when absent): 0, or
 * -1 having answered 400. */
int api_page_args(struct call *c, long long max, long long *before, long long *limit);

/* Reads the whole number name of c's query into *v (left as it is when
 * absent) when it is from lo to hi: 0, or -1 having answered 400. */
int api_query_int(struct call *c, const char *name, long long lo, long long hi, long long *v);

/* The message id of the path (c->arg): 1 with *id, else 0 having answered
 * 404 "no message ...". */
int api_message_id(struct call *c, long long *id);

/* The {username} of the path (c->arg) is UTF-8 without control characters
 * and of a length a user may have: 1, else 0 having answered (400, 404). */
int api_username_arg(struct call *c);

/* Counts one action of kind (a ratelimit.h enum rate_kind) by c->user;
 * when over the limit answers 429 with Retry-After and returns 1, else 0. */
int api_rate_limited(struct call *c, int kind);

/* Maps a store result that is not STORE_OK to a reply. */
void api_store_failed(struct call *c, int result, const char *err);

/* {"id","username","gravatar"}: how a user appears in responses (new object). */
json_object *api_user_json(const struct user *u);

/* Answers 200 {"events": [...evs], <tail>}; evs is left to the caller. */
struct store_events;
void api_reply_events(struct call *c, const struct store_events *evs, const char *tail);

/* Answers a long poll (or a piece of a stream) with evs, left to the
 * caller (events_body_poll()), and sets c->cursor. */
void api_reply_poll(struct call *c, const struct store_events *evs, long long since);

/* Parses body (len bytes) as one strict JSON object of valid UTF-8, nothing
 * after it: a new object the caller puts, or NULL with the reason in err. */
json_object *api_json_object(const char *body, size_t len, char *err, size_t errlen);

/* The string member key of o into *out (NULL when absent or null). -1 with
 * err when it is present but not a string or holds a NUL byte. */
int api_string_member(json_object *o, const char *key, const char **out,
                      char *err, size_t errlen);

/* 1 when name may be a chat name as a request names a user ("to", "with"):
 * 1 to USER_NAME_MAX - 1 bytes of UTF-8 without controls. */
int api_username_ok(const char *name);

/* api_json_object() of c->req's body, answering 400 when it returns NULL. */
json_object *api_body_object(struct call *c);

/* A POST /v1/messages body (API.md), checked; the strings belong to obj. */
struct api_message {
	json_object *obj;
	const char *room, *to, *text, *client_id;   /* room xor to; client_id may be NULL */
	long long reply_to;                         /* 0: none */
};

/* Parses and checks a message body against API.md and max_text bytes of
 * text. Returns 0 and fills m (the caller puts m->obj), or the status to
 * answer (400, 413) with the reason in err. Pure: fuzzed. */
int api_message_parse(const char *body, size_t len, size_t max_text, struct api_message *m,
                      char *err, size_t errlen);

/* Parses and checks a PATCH /v1/messages/{id} body {"text": ...} as
 * api_message_parse checks a message's text: 0 with *obj (the caller puts
 * it) and *text in it, or the status to answer (400, 413) with err. Pure:
 * fuzzed. */
int api_edit_parse(const char *body, size_t len, size_t max_text, json_object **obj,
                   const char **text, char *err, size_t errlen);

#endif
