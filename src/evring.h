/*
 * evring.h - the newest events of a SQLite store, shared by every process
 * of the host: a ring of fixed slots in "<store>-events", mapped
 * MAP_SHARED, which a writer fills after its commit with the events it
 * stored (as the store reads them) and from which the hubs of every
 * process take the new events instead of each reading them from SQLite.
 *
 * The ring is a cache of what is committed, never the record: an event
 * goes in only once its transaction is durable, and a reader falls back
 * to the store whenever the ring cannot vouch for what follows (an event
 * too big for a slot, a slot overwritten or being written, a gap behind a
 * newer event, or a writer that does not publish: see the driver's
 * events_recent in store_sqlite_ring.c).
 *
 * Slot i holds the event whose id is i modulo the ring's size. Each slot
 * is a seqlock: a writer makes its sequence odd (taking it with a
 * compare-and-swap, so two writers never write one slot at once), writes,
 * and makes it even again; a reader copies a slot between two loads of an
 * even, unchanged sequence. A generation in the header, bumped when the
 * ring is found ahead of its store (a restored copy), voids every slot
 * written before.
 */
#ifndef GC_EVRING_H
#define GC_EVRING_H

#include <stddef.h>
#include <sys/types.h>

#include "store.h"

struct evring;

#define EVRING_SLOTS 4096        /* events the ring holds */
#define EVRING_SLOT_BYTES 1024   /* a slot, header included */

/* Opens (creating it with mode, whatever the umask) the ring at path and
 * maps it; max_id is the store's newest event id: a ring that claims
 * newer events belongs to another copy of the store and is voided.
 * Returns 0 and a handle the caller frees with evring_close(), or -1 with
 * a message naming path in err. */
int evring_open(const char *path, mode_t mode, long long max_id, struct evring **out,
                char *err, size_t errlen);
void evring_close(struct evring *r);

/* Puts the n events of evs (id order) in their slots; one too big for a
 * slot is written as a mark that sends readers to the store. */
void evring_put(struct evring *r, const struct store_event *evs, size_t n);

/* Counts one commit whose events are all in the ring (after the last
 * evring_put of its events, before the store's wake counter moves), and
 * how many such commits there have been. */
void evring_published(struct evring *r);
unsigned evring_publications(const struct evring *r);

/* Appends to out copies of the events after since, oldest first, at most
 * limit, and says what they are as store_events_recent() does (out of
 * memory: STORE_RECENT_ASK). */
enum store_recent evring_get(struct evring *r, long long since, int limit,
                             struct store_events *out);

#endif
