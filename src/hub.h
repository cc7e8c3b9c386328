/*
 * hub.h - the long polls waiting in this process, and the one thread that
 * wakes them.
 *
 * The hub thread sleeps on the store's change counter (store_wait). When it
 * changes, the hub reads the new events once, keeps the most recent in a
 * ring, and completes every waiting poll that may see one of them, from
 * memory: no database query per waiter. Deadlines complete the others with
 * no events. Waiting polls hold no thread, no store or Galaxy connection.
 */
#ifndef GC_HUB_H
#define GC_HUB_H

#include <stddef.h>

struct cfg;
struct hub;
struct hub_waiter;
struct hub_group;

/* Called exactly once per parked waiter, from the hub thread (or from
 * hub_take's caller for a poll it makes way for), with a new 200 response
 * body holding n events (the callee owns body; NULL when out of memory).
 * The callback must eventually free the waiter with hub_waiter_free(). */
typedef void (*hub_done_fn)(struct hub_waiter *w, char *body, size_t len, size_t n);

/* The groups a waiting poll is counted in, each capped (cfg's
 * max_polls_per_user, max_polls_per_address). */
enum hub_by { HUB_BY_USER, HUB_BY_ADDRESS, HUB_BY_N };

struct hub_waiter {
	long long user_id;
	unsigned long long addr_key; /* hub_addr_key() of the client's address, 0: not known */
	char **rooms;          /* rooms the user is in, NULL-terminated, owned */
	long long rooms_as_of; /* rooms are the user's as of this event id: only
	                        * the joins and leaves after it change them, so a
	                        * replay from an older cursor never sees a room
	                        * left as if still joined (membership is now) */
	long long since;       /* the client's cursor */
	long long checked;     /* every event <= checked was already looked at;
	                        * may be ahead of the hub, never goes back */
	long long deadline;    /* monotonic milliseconds */
	long long auth_until;  /* monotonic ms: until then the user's session
	                        * holds without asking (struct call's
	                        * auth_until), and an answer needs no re-check */
	long long cursor;      /* set when answered: the answer's cursor (its
	                        * last event's id, or since) */
	hub_done_fn done;
	void *ctx;             /* for done */
	void *stream;          /* non-NULL: answered as a piece of a stream
	                        * (events_body_poll's stream); its owner's */
	/* the hub's: its list of waiters, and each group's, oldest first */
	struct hub_waiter *prev, *next;
	struct hub_link {
		struct hub_group *group;
		struct hub_waiter *prev, *next;
	} by[HUB_BY_N];
};

/* The key under which polls from addr (REMOTE_ADDR, may be NULL) are
 * counted: 0 when there is none. */
unsigned long long hub_addr_key(const char *addr);

/* A new waiter for user_id, taking ownership of rooms (may be NULL on
 * ENOMEM), the user's rooms as of event id as_of. */
struct hub_waiter *hub_waiter_new(long long user_id, char **rooms, long long as_of);
void hub_waiter_free(struct hub_waiter *w);

#define HUB_RING 4096        /* recent events kept for polls being parked */
#define HUB_RING_LEAN 64     /* ... by a lean hub */

/* Starts the hub for cfg->store (its own store connection and thread),
 * which writes the last_seen of presence's users every few seconds
 * (presence stays the caller's) and keeps the newest HUB_RING events in
 * memory. A lean hub, for a process given one request at a time
 * (server.c), keeps HUB_RING_LEAN (the events, about 400 bytes each, are
 * most of a mod_fcgid process's heap once it is full) and trims its store
 * connection (store_trim) before each wait. Returns 0, or -1 with err.
 * Caller stops it with hub_free(). */
struct presence;
int hub_new(const struct cfg *cfg, struct presence *presence, int lean, struct hub **out,
            char *err, size_t errlen);

/* Completes every waiting poll at once (shutdown) and stops the thread;
 * from then on the hub takes no wait (hub_take, hub_covers), but its other
 * calls stay safe until hub_free(): a stream's turn on a worker may still
 * run into it. Once is enough; again does nothing. */
void hub_stop(struct hub *h);

/* hub_stop(), then frees: only once no other thread can call the hub. */
void hub_free(struct hub *h);

/* Answers or parks a poll from memory, without a store query. When the
 * ring holds every event after w->checked (the caller has seen all before,
 * and w->checked is no newer than the store's newest event), returns 1 with
 * a new 200 body (caller frees it, and still owns w) if some of them are
 * visible to w, or 0 when none are and w is parked: the hub owns w until
 * w->done is called. Returns -1 when events after w->checked have left the
 * ring, when stopping, or on ENOMEM: the caller asks the store instead.
 * A poll parked beyond max_polls_per_user of its user, or
 * max_polls_per_address of its address, makes the oldest such poll answer
 * at once with no events (its done is called on this thread). */
int hub_take(struct hub *h, struct hub_waiter *w, char **body, size_t *len);

/* The rooms user_id is in, from the hub's memory: a new NULL-terminated
 * list the caller frees with store_free_names(), or NULL when the hub does
 * not know them (then the caller asks the store and tells the hub with
 * hub_rooms_learn()). The hub's roomcache.c table, fed every event the
 * hub reads; *as_of is the newest of them (the list is current at it). */
char **hub_rooms(struct hub *h, long long user_id, long long *as_of);

/* Tells the hub user_id's rooms (copied) as the store gave them after
 * every event up to as_of had been committed: as_of is hub_newest() taken
 * before the store was asked. Events after as_of that the hub has read are
 * applied to them; if some have left the ring, the hub stays ignorant. */
void hub_rooms_learn(struct hub *h, long long user_id, char *const *rooms, long long as_of);

/* 1 when the hub's ring holds every event after id that the hub has read
 * (id no newer than the newest, no older than the ring) and the hub is not
 * stopping: a poll with cursor id can be answered or parked from memory
 * (hub_take). Else 0. */
int hub_covers(struct hub *h, long long id);

/* The newest event id the hub has read. */
long long hub_newest(struct hub *h);

/* How many polls are waiting. */
size_t hub_waiting(struct hub *h);

#endif
