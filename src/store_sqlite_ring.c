/*
 * store_sqlite_ring.c - the SQLite driver's share of the host's ring of
 * new events (evring.h, "<store>-events"): a writer, after each commit
 * that stored events, reads its own events back (as any reader of the
 * store would) and puts them in the ring before the wake counter moves;
 * a hub takes the new events from the ring (events_recent) and reads the
 * store only when the ring cannot vouch for what follows.
 *
 * A commit counts one publication once all its events are in the ring,
 * before the wake counter moves; a wake counter that moved more than the
 * publications did means a writer committed without publishing (an older
 * galaxy-chat during an upgrade, a failed read-back, a writer killed
 * between its commit and its publication), so the reader asks the store.
 * Without a ring (it could not be made: a full disk, another version's
 * layout) every read goes to the store, as before the ring.
 */
#include <stdio.h>

#include "evring.h"
#include "log.h"
#include "store_sqlite_conn.h"
#include "wake.h"

/* How far the wake counter moved beyond the publications. */
static unsigned sqls_unpublished(const struct sqls *st)
{
	/* publications first: a commit counts its publication before it
	 * moves the wake counter, so between the two loads only a commit
	 * wholly in between can make the difference look larger */
	unsigned published = st->ring ? evring_publications(st->ring) : 0;

	return wake_seq(st->wake) - published;
}

void sqls_ring_open(struct sqls *st, mode_t mode, long long max_id)
{
	static int warned;   /* once per process: every connection would say it */
	char path[4096], err[256];

	snprintf(path, sizeof path, "%s-events", st->path);
	if (evring_open(path, mode, max_id, &st->ring, err, sizeof err) < 0) {
		st->ring = NULL;   /* only slower: every read asks the store */
		if (!__atomic_exchange_n(&warned, 1, __ATOMIC_RELAXED))
			log_warning("store %s: no ring of new events (%s): each process reads them "
			            "from the store", st->path, err);
	}
	st->unpublished = sqls_unpublished(st);
}

void sqls_ring_note(struct sqls *st, long long id)
{
	if (!st->txn_first)
		st->txn_first = id;
	st->txn_last = id;
}

void sqls_ring_publish(struct sqls *st)
{
	struct store_events evs = { 0 };
	long long from = st->txn_first - 1;
	int whole = 1;

	while (st->ring && st->txn_first && from < st->txn_last) {
		size_t n = 0;

		if (st->base.drv->events_after(&st->base, from, STORE_MAX_LIMIT, &evs) < 0) {
			st->oom = st->sys_errno = 0;   /* the commit stands; readers ask the store */
			whole = 0;
			break;
		}
		while (n < evs.n && evs.v[n].id <= st->txn_last)
			n++;
		evring_put(st->ring, evs.v, n);
		if (n < evs.n || evs.n < STORE_MAX_LIMIT)
			break;
		from = evs.v[n - 1].id;
		store_events_clear(&evs);
	}
	store_events_clear(&evs);
	if (st->ring && whole)
		evring_published(st->ring);
}

enum store_recent sqls_events_recent(struct store *base, long long since, int limit,
                                     struct store_events *out)
{
	struct sqls *st = sqls(base);
	unsigned unpublished = sqls_unpublished(st);

	if (!st->ring || unpublished != st->unpublished) {
		st->unpublished = unpublished;
		return STORE_RECENT_ASK;
	}
	return evring_get(st->ring, since, limit, out);
}
