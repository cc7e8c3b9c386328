/*
 * presence.h - who was seen lately: the users this process has served,
 * remembered so that their users rows (names, last_seen) are written only
 * when new or changed, and their last_seen in batches every few seconds.
 *
 * Writing last_seen on each request made nearly every poll a write
 * transaction under the store's one write lock, and every user's poll one
 * every 15 s (bench/README.md). One struct presence serves one store and is
 * shared by every thread of the process that uses it (the server holds it;
 * the hub flushes it, store_seen_flush()). Thread-safe.
 */
#ifndef GC_PRESENCE_H
#define GC_PRESENCE_H

#include <stddef.h>

#include "store_rows.h"
#include "user.h"

struct presence;
struct timespec;

/* A new, empty table (NULL when out of memory); free with presence_free(). */
struct presence *presence_new(void);
void presence_free(struct presence *p);

/* Notes that u made a request now. 1 when u's row in the store is known
 * to be current (then nothing needs writing before the next flush), else
 * 0: the row must be read or written (store_user_seen()). */
int presence_note(struct presence *p, const struct user *u);

/* Records that u's row is current in the store; noted: u was seen after
 * it was last written (its last_seen is due at the next flush). */
void presence_done(struct presence *p, const struct user *u, int noted);

/* User id said goodbye at at (CLOCK_REALTIME): what was noted of them
 * until then (that goodbye's own request too) is not due any more, so no
 * flush writes them back online; a request noted after at still is. */
void presence_left(struct presence *p, long long id, const struct timespec *at);

/* The users seen since their row was last written: a new array of *n rows
 * (NULL when none or out of memory) the caller frees, each counted as
 * written from now on (a failed write loses them until they are seen again). */
struct store_seen_row *presence_due(struct presence *p, size_t *n);

/* The rows of presence_due were not written (the store was busy): each is
 * due again at the next flush, unless its user was seen since (due
 * anyway) or said goodbye since (presence_left: no longer due). */
void presence_retry(struct presence *p, const struct store_seen_row *rows, size_t n);

#endif
