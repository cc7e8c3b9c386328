/*
 * store_rules.h - what the files of the chat's rules share: store.c
 * (rooms, removing, muting, reading), store_post.c (posting, and its
 * group commit), store_conv.c (replies' threads, edits, reactions, solved
 * marks and the reads of whole conversations), store_attention.c (read
 * markers, unread counts, settings) and store_topics.c (topics, pins).
 * Nothing else includes it.
 */
#ifndef GC_STORE_RULES_H
#define GC_STORE_RULES_H

#include "store_driver.h"

/* limit brought into 1..STORE_MAX_LIMIT. */
int store_clamp(int limit);

/* "out of memory" into err; STORE_ERROR. */
enum store_result store_oom(char *err, size_t errlen);

/* Commits the open write transaction (stored: an event is in it). */
enum store_result store_commit(struct store *st, int stored, const char *what,
                               char *err, size_t errlen);

/* A new event of u's at ts: type, and none of the rest (on_off -1). */
struct store_new_event store_event_new(enum event_type type, const struct user *u, const char *ts);

/* Inside a write transaction: the direct message id from user_id to
 * to_user_id counted unread for the recipient (one's own never counts). */
int store_direct_counted(struct store *st, long long user_id, long long to_user_id, long long id);

/* 1 when user_id is in room_id (everyone is in `all`), 0 when not, -1. */
int store_member(struct store *st, long long room_id, long long user_id);

/* The room called name (that spelling, else its key): 1 with *id and,
 * when not NULL, *persistent and canon (its name as first written); 0
 * when none; -1. */
int store_room_find(struct store *st, const char *name, long long *id, int *persistent,
                    char canon[ROOM_NAME_BUF]);

/* Opens a write transaction of u's (their users row written, ts now) on
 * the room called room: STORE_OK with *room_id, or STORE_NOT_FOUND (rolled
 * back) for an unknown room, or the failure of what. */
enum store_result store_room_begin(struct store *st, const struct user *u, const char *room,
                                   const char *what, long long *room_id, char ts[32],
                                   char *err, size_t errlen);

/* Makes `all` and the configured rooms exist and be the persistent ones,
 * and learns the id of `all`. A store found so is only read: opening it
 * takes no write lock, so it opens while another writer (the sqlite3
 * shell's BEGIN EXCLUSIVE, a long prune) holds the store. */
enum store_result store_rooms_ensure(struct store *st, const char *const *persistent,
                                     size_t n, char *err, size_t errlen);

/* Gives each room of the pairs topics[0..2n) (name, topic, ...) its
 * topic where the configuration gave that room another one last (or
 * none): a topic an admin set since stays until the configured one
 * changes. A store that agrees is only read, as the rooms that must
 * exist are (store_topics.c). */
enum store_result store_topics_ensure(struct store *st, const char *const *topics, size_t n,
                                      char *err, size_t errlen);

/* store_room_access(), and *room_id when allowed (and when the room
 * exists but u may not look: STORE_FORBIDDEN). */
enum store_result store_room_open(struct store *st, long long user_id, const char *room,
                                  long long *room_id, char *err, size_t errlen);

/* 1 when u sees the message t: a member of its room (everyone for
 * `all`), or one of a direct message's two users; 0; -1. */
int store_sees(struct store *st, const struct user *u, const struct store_target *t);

/* Who u is to a message (store_message_role): bits. */
enum store_role {
	STORE_ROLE_SEES = 1,       /* a member of its room (everyone for all), one of a DM's two */
	STORE_ROLE_AUTHOR = 2,     /* wrote it, and sees it: an author who left its room is no one there */
	STORE_ROLE_ADMIN = 4,      /* u->admin */
	STORE_ROLE_REMOVED = 8     /* the message is removed */
};

/* Finds message id (a message or direct message): -1 on failure, 0 when
 * there is none, else 1 with *t and *role (enum store_role) for u. */
int store_message_role(struct store *st, const struct user *u, long long id,
                       struct store_target *t, unsigned *role);

/* The one answer to u, whose role to message id (0: no such message)
 * store_message_role gave, about an act that roles in may allow:
 * STORE_NOT_FOUND "no message N" when it does not exist, is removed
 * (unless removed_ok), or u neither sees it nor may act on it (so no
 * answer tells that it exists); STORE_FORBIDDEN with "<forbidden> <id>"
 * when u sees it but may not act; STORE_OK. */
enum store_result store_message_check(unsigned role, unsigned may, int removed_ok, long long id,
                                      const char *forbidden, char *err, size_t errlen);

/* The mute of u in force now: 1 with err saying until when, 0, -1. */
int store_muted(struct store *st, const struct user *u, char *err, size_t errlen);

/* After a read of limit + 1 events newest first appended to out from
 * index first: drops the extra one into *more and, with oldest_first,
 * turns the page around. */
void store_page(struct store_events *out, size_t first, int limit, int oldest_first, int *more);

#endif
