/*
 * store_test.h - what the two files of the one store test suite share:
 * test_store.c (the suite's main, rooms, posting, visibility, history,
 * removing, mutes, search, pruning, each driver's own cases) and
 * test_store_conv.c (replies, threads, edits, reactions, solved marks,
 * open questions, direct history, rooms without case, schema upgrades).
 * The store under test and its helpers live in test_store.c.
 */
#ifndef GC_STORE_TEST_H
#define GC_STORE_TEST_H

#include <json-c/json.h>

#include "store.h"

#define NGS "NGS"
#define SEARCH_TIME_MS 60000   /* for the searches that must not run out of time */

extern char dir[];                 /* the test's temporary directory */
extern char path[512];             /* the SQLite store, or */
extern const char *pg_url;         /* the PostgreSQL store's URL */
extern char conninfo[1024];        /* and its libpq conninfo */
extern char err[1024];             /* the last store call's message */
extern struct presence *presence;  /* this process's, as the server's */

/* The store as store_open() takes it. */
const char *where(void);

/* The first column of the first row of sql, as an integer (-1 on error),
 * on a connection of its own, as an admin's shell; raw_exec() runs sql
 * so: 0, or an error. */
long long raw_int(const char *sql);
int raw_exec(const char *sql);

struct store *open_store(const char *const *rooms, size_t n);

/* Posts text to room (or to a user) and returns the new id, 0 on failure. */
long long post(struct store *st, const struct user *u, const char *room, long long to,
               const char *text);

/* Joins room: the join event's id, 0 when a member already, -1. */
long long join(struct store *st, const struct user *u, const char *room);

/* Does evs hold the event id? Are its ids increasing? */
int has_id(const struct store_events *evs, long long id);
int ids_increasing(const struct store_events *evs);

/* The events user_id sees after since. */
struct store_events visible(struct store *st, long long user_id, long long since);

/* A string member of a JSON object, or NULL. */
const char *jstr(json_object *o, const char *key);

/* The event id in evs parsed as JSON, or NULL (caller puts it). */
json_object *event_json(const struct store_events *evs, long long id);

/* ok(): u sees the same events (after since) by the driver's scan and by
 * store_event_visible() on every event. */
void check_visible_same(struct store *st, const struct user *u, const char *when);
void check_visible_from(struct store *st, const struct user *u, long long since, const char *when);

/* Searches as user_id; the number of results, -1 on error. first gets the
 * newest's id, keep the results (caller puts them), more the flag. */
int search(struct store *st, long long user_id, const char *q, const char *room,
           long long before, int limit, long long *first, json_object **keep, int *more);

void rm_rf(const char *d);

/* test_store_conv.c: the common cases of conversations on st, with the
 * users of test_store.c's main (alice, bob, carol, the admin dave, erin). */
void test_conversations(struct store *st, struct user *u);

/* After pruning: a thread whose root went keeps working. */
void test_prune_threads(struct store *st, struct user *u, long long root, long long reply);

/* Stores made by older galaxy-chats (their own upgrade steps) are
 * upgraded in place with every row intact. */
void test_upgrades(void);

#endif
