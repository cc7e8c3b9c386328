/*
 * roomcache.h - the rooms of users who poll, remembered so that a poll can
 * be parked without asking the store which rooms its user is in; and the
 * one rule of how a user's list of rooms follows their join and leave
 * events.
 *
 * A table of fixed size holds at most one user per slot (by user id); its
 * owner feeds it every event it reads, in id order, and a remembered list
 * stays current with its user's joins and leaves. Not locked: the owner
 * (the hub, under its lock) makes every call on a table one at a time.
 */
#ifndef GC_ROOMCACHE_H
#define GC_ROOMCACHE_H

struct roomcache;
struct store_event;

/* A new, empty table, or NULL when out of memory. Free with roomcache_free(). */
struct roomcache *roomcache_new(void);
void roomcache_free(struct roomcache *rc);

/* user_id's rooms: a new NULL-terminated copy the caller frees with
 * store_free_names(), or NULL when they are not remembered (or out of
 * memory). */
char **roomcache_get(const struct roomcache *rc, long long user_id);

/* Remembers rooms (NULL-terminated, taken) as user_id's, in place of
 * whichever user had the slot. */
void roomcache_put(struct roomcache *rc, long long user_id, char **rooms);

/* ev is the next event read: the join or leave of a remembered user
 * changes that user's list. */
void roomcache_feed(struct roomcache *rc, const struct store_event *ev);

/* Keeps *rooms, user_id's rooms (NULL-terminated, owned, may be NULL), in
 * step with ev when it is user_id's own join or leave. Applying an event
 * twice changes nothing; out of memory, a join is left out. */
void roomcache_track(char ***rooms, long long user_id, const struct store_event *ev);

/* A new copy of rooms (NULL-terminated), or NULL when out of memory. */
char **roomcache_copy(char *const *rooms);

#endif
