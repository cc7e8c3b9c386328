/*
 * store_notify.c - what `galaxy-chat notify` keeps in the store, over the
 * driver (store_driver.h): the lock of its runs; a scan of the events
 * since the last run, which makes the users they mention or write to
 * directly due; each due user's unread mentions and direct messages; and
 * what was dealt with, so that a message is in at most one email. Which
 * of them get an email, and when, is notify.c's to decide.
 */
#include <stdio.h>
#include <stdlib.h>

#include "store_driver.h"

enum store_result store_notify_lock(struct store *st, char *err, size_t errlen)
{
	int r = st->drv->notify_lock(st);

	if (r < 0)
		return st->drv->fail(st, "taking notify's lock", err, errlen);
	if (r == 0) {
		snprintf(err, errlen, "another run of notify holds the lock");
		return STORE_FORBIDDEN;
	}
	return STORE_OK;
}

enum store_result store_notify_scan(struct store *st, int after_minutes, long long *cutoff,
                                    char *err, size_t errlen)
{
	const struct store_driver *d = st->drv;
	char ts[32];

	*cutoff = 0;
	store_time(ts, -(long long)after_minutes * 60);
	/* one transaction: the users of every event up to the cut-off are due
	 * exactly when the scan is recorded */
	if (d->begin(st) < 0 || d->notify_cutoff(st, ts, cutoff) < 0 ||
	    d->notify_due(st, *cutoff) < 0 || d->notify_scanned(st, *cutoff) < 0 || d->commit(st, 0) < 0)
		return d->fail(st, "finding who is due an email", err, errlen);
	return STORE_OK;
}

enum store_result store_notify_users(struct store *st, struct store_notify_user **users,
                                     size_t *n, char *err, size_t errlen)
{
	*users = NULL;
	*n = 0;
	if (st->drv->notify_users(st, users, n) < 0) {
		free(*users);
		*users = NULL;
		*n = 0;
		return st->drv->fail(st, "reading who is due an email", err, errlen);
	}
	return STORE_OK;
}

void store_notify_items_free(struct store_notify_item *items, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(items[i].from);
		free(items[i].room);
		free(items[i].text);
	}
	free(items);
}

enum store_result store_notify_items(struct store *st, long long user_id, long long after,
                                     long long cutoff, int max, struct store_notify_item **items,
                                     size_t *n, char *err, size_t errlen)
{
	*items = NULL;
	*n = 0;
	if (st->drv->notify_items(st, user_id, after, cutoff, max, items, n) < 0) {
		store_notify_items_free(*items, *n);
		*items = NULL;
		*n = 0;
		return st->drv->fail(st, "reading what to email", err, errlen);
	}
	return STORE_OK;
}

enum store_result store_notify_done(struct store *st, long long user_id, long long done_id,
                                    int sent, int due, char *err, size_t errlen)
{
	char now[32];

	store_time(now, 0);
	if (st->drv->notify_done(st, user_id, done_id, sent ? now : NULL, due) < 0)
		return st->drv->fail(st, "recording what was emailed", err, errlen);
	return STORE_OK;
}
