/*
 * store_post.c - the rules of posting, once, over the store driver
 * (store_driver.h): who may post where and reply to what, a retry by
 * client_id, mutes, the mentions a message carries and what it counts
 * for; and the group commit (store_post_batch), which runs the same rules
 * for many posts in one transaction with one commit (postbatch.c gathers
 * them). store.c holds the other rules; store_rules.h what they share.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mention.h"
#include "store_rules.h"

int store_muted(struct store *st, const struct user *u, char *err, size_t errlen)
{
	char until[32], now[32];
	int r;

	store_time(now, 0);
	if ((r = st->drv->mute_get(st, u->id, now, until)) == 1)
		snprintf(err, errlen, "you are muted until %s", until);
	return r;
}

/* Inside store_post's transaction: whether the message u sends to room
 * (or to_user_id) may answer reply_to, which u must see there. STORE_OK
 * with *thread_id its thread's root, or why not. */
static enum store_result store_post_reply(struct store *st, const struct user *u,
                                          long long room_id, long long to_user_id,
                                          long long reply_to, long long *thread_id,
                                          char *err, size_t errlen)
{
	struct store_target t;
	enum store_result res;
	unsigned role = 0;
	int r, here;

	if ((r = store_message_role(st, u, reply_to, &t, &role)) < 0)
		return st->drv->fail(st, "posting", err, errlen);
	if ((res = store_message_check(role, STORE_ROLE_SEES, 0, reply_to, "", err, errlen)) != STORE_OK)
		return res;
	here = room_id ? t.room_id == room_id
	       : !t.room_id && ((t.user_id == u->id && t.to_user_id == to_user_id) ||
	                        (t.user_id == to_user_id && t.to_user_id == u->id));
	if (!here) {
		snprintf(err, errlen, "message %lld is not in this %s", reply_to,
		         room_id ? "room" : "conversation");
		return STORE_BAD_REQUEST;
	}
	*thread_id = t.thread_id ? t.thread_id : reply_to;
	return STORE_OK;
}

/* Inside store_post's transaction: whether u may post ev there now.
 * STORE_OK (with ev's room_id and thread_id set), or why not. */
static enum store_result store_post_target(struct store *st, const struct user *u,
                                           const char *room, struct store_new_event *ev,
                                           char *err, size_t errlen)
{
	const struct store_driver *d = st->drv;
	int r;

	if ((r = store_muted(st, u, err, errlen)) == 1)
		return STORE_FORBIDDEN;
	if (r == 0 && room) {
		if ((r = store_room_find(st, room, &ev->room_id, NULL, NULL)) == 0) {
			snprintf(err, errlen, "no room %s", room);
			return STORE_NOT_FOUND;
		}
		if (r == 1 && (r = store_member(st, ev->room_id, u->id)) == 0) {
			snprintf(err, errlen, "%s is not in the room %s", u->username, room);
			return STORE_FORBIDDEN;
		}
	} else if (r == 0 && (r = d->user_known(st, ev->to_user_id)) == 0) {
		snprintf(err, errlen, "no chat user with id %lld", ev->to_user_id);
		return STORE_NOT_FOUND;
	}
	if (r < 0)
		return d->fail(st, "posting", err, errlen);
	return ev->reply_to ? store_post_reply(st, u, ev->room_id, ev->to_user_id, ev->reply_to,
	                                       &ev->thread_id, err, errlen) : STORE_OK;
}

enum store_result store_post(struct store *st, const struct user *u,
                             const char *room, long long to_user_id,
                             const char *text, const char *client_id, long long reply_to,
                             long long *id, char ts[32], int *created,
                             char *err, size_t errlen)
{
	return store_post_mentioning(st, u, room, to_user_id, text, client_id, reply_to, NULL, 0,
	                             id, ts, created, err, errlen);
}

int store_name_known(struct store *st, const char *name, char *err, size_t errlen)
{
	int r = st->drv->user_named(st, name, 0);

	if (r < 0)
		st->drv->fail(st, "finding a name", err, errlen);
	return r;
}

/* The mentioned of a message (store.h, store_post_mentioning), inside its
 * transaction: their ids into ids, their names, space-separated, into
 * names (NULL when none); how many, or -1. */
static int store_mentioned(struct store *st, const struct user *u, long long room_id,
                           long long to_user_id, const struct store_mention *m, size_t n,
                           long long ids[MENTION_MAX], char **names)
{
	static const size_t cap = MENTION_MAX * MENTION_NAME_MAX;
	int count = 0, r;

	*names = NULL;
	for (size_t i = 0; i < n && i < MENTION_MAX; i++) {
		int dup = m[i].user_id == u->id;
		for (int k = 0; k < count && !dup; k++)
			dup = ids[k] == m[i].user_id;
		if (dup || strlen(m[i].name) >= MENTION_NAME_MAX)
			continue;
		if ((r = st->drv->user_named(st, m[i].name, m[i].user_id)) == 1)
			r = room_id ? store_member(st, room_id, m[i].user_id) : m[i].user_id == to_user_id;
		if (r < 0 || (r == 1 && !*names && !(*names = calloc(1, cap)))) {
			free(*names);
			*names = NULL;
			return -1;
		}
		if (r == 1) {
			ids[count++] = m[i].user_id;
			snprintf(*names + strlen(*names), cap - strlen(*names), "%s%s",
			         count > 1 ? " " : "", m[i].name);
		}
	}
	return count;
}

/* Inserts the message ev inside store_post's transaction, with what it
 * counts for: a room message takes its room's next number, is unread for
 * everyone but its author (read_own: their own after their marker) and a
 * mention of ids[0..n); a direct message is unread for its recipient. */
static int store_post_insert(struct store *st, struct store_new_event *ev, const long long *ids,
                             int n, long long *id)
{
	const struct store_driver *d = st->drv;

	if (d->user_write(st, ev->user, ev->ts) < 0 ||
	    (ev->room_id && d->room_count(st, ev->room_id, &ev->seq) < 0) || d->event_add(st, ev, id) < 0)
		return -1;
	if (!ev->room_id)
		return store_direct_counted(st, ev->user->id, ev->to_user_id, *id);
	if (d->read_own(st, ev->user->id, ev->room_id) < 0)
		return -1;
	for (int i = 0; i < n; i++)
		if (d->mention_add(st, ids[i], ev->room_id, *id) < 0)
			return -1;
	return 0;
}

/* The new event of a post with these arguments, or STORE_ERROR when they
 * give both a room and a recipient, or neither. */
static enum store_result store_post_event(const struct user *u, const char *room,
                                          long long to_user_id, const char *text,
                                          const char *client_id, long long reply_to,
                                          const char *ts, struct store_new_event *ev,
                                          char *err, size_t errlen)
{
	if (!room == (to_user_id <= 0)) {
		snprintf(err, errlen, "store_post: give a room or a recipient, not both");
		return STORE_ERROR;
	}
	*ev = store_event_new(room ? EV_MESSAGE : EV_DIRECT, u, ts);
	ev->to_user_id = room ? 0 : to_user_id;
	ev->text = text;
	ev->client_id = client_id;
	ev->reply_to = reply_to > 0 ? reply_to : 0;
	return STORE_OK;
}

/* The post of ev (to room, naming mentions[0..n)) inside the open write
 * transaction: STORE_OK with *created 1 when stored, 0 when a retry found
 * its first attempt (*id and ts that one's); a rule's refusal with
 * nothing written; or STORE_ERROR, the transaction abandoned (fail()). */
static enum store_result store_post_in(struct store *st, const char *room,
                                       struct store_new_event *ev,
                                       const struct store_mention *mentions, size_t n,
                                       long long *id, char ts[32], int *created,
                                       char *err, size_t errlen)
{
	const struct store_driver *d = st->drv;
	long long ids[MENTION_MAX];
	char *names = NULL;
	enum store_result res;
	int r, count;

	*id = 0;
	*created = 0;
	ts[0] = '\0';
	/* A retry finds the first attempt here: the write transaction keeps
	 * every other writer out between this check and the insert, and the
	 * unique index makes a second row impossible anyway. */
	if (ev->client_id && (r = d->event_by_client(st, ev->user->id, ev->client_id, id, ts)) != 0) {
		if (r > 0)
			return STORE_OK;
		*id = 0;
		return d->fail(st, "posting", err, errlen);
	}
	if ((res = store_post_target(st, ev->user, room, ev, err, errlen)) != STORE_OK)
		return res;
	store_time(ts, 0);
	count = store_mentioned(st, ev->user, ev->room_id, ev->to_user_id, mentions, n, ids, &names);
	ev->mentions = names;
	r = count < 0 || store_post_insert(st, ev, ids, count, id) < 0;
	ev->mentions = NULL;
	free(names);
	if (r) {
		*id = 0;
		return d->fail(st, "posting", err, errlen);
	}
	*created = 1;
	return STORE_OK;
}

enum store_result store_post_mentioning(struct store *st, const struct user *u,
                                        const char *room, long long to_user_id,
                                        const char *text, const char *client_id,
                                        long long reply_to,
                                        const struct store_mention *mentions, size_t n,
                                        long long *id, char ts[32], int *created,
                                        char *err, size_t errlen)
{
	const struct store_driver *d = st->drv;
	struct store_new_event ev;
	enum store_result res;

	*id = 0;
	*created = 0;
	ts[0] = '\0';
	if ((res = store_post_event(u, room, to_user_id, text, client_id, reply_to, ts, &ev,
	                            err, errlen)) != STORE_OK)
		return res;
	if (d->begin(st) < 0)
		return d->fail(st, "posting", err, errlen);
	res = store_post_in(st, room, &ev, mentions, n, id, ts, created, err, errlen);
	if (res == STORE_ERROR)
		return res;
	if (!*created) {
		d->rollback(st);
		return res;
	}
	if (d->commit(st, 1) < 0) {
		*id = 0;
		*created = 0;
		return d->fail(st, "posting", err, errlen);
	}
	return STORE_OK;
}

/* Each post of p as store_post_mentioning does it, all in one write
 * transaction and one commit: a group commit. A refusal of one refuses
 * that one only; a failure before the commit leaves every other post not
 * stored, marked alone; a failed commit fails them all. */
void store_post_batch(struct store *st, struct store_post *const *p, size_t n)
{
	const struct store_driver *d = st->drv;
	struct store_new_event ev;
	size_t i, j;
	int stored = 0;

	for (i = 0; i < n; i++) {
		p[i]->id = 0;
		p[i]->created = 0;
		p[i]->ts[0] = '\0';
		p[i]->alone = 0;
	}
	if (d->begin(st) < 0) {
		p[0]->res = d->fail(st, "posting", p[0]->err, sizeof p[0]->err);
		goto all_failed;
	}
	for (i = 0; i < n; i++) {
		struct store_post *q = p[i];

		q->res = store_post_event(q->user, q->room, q->to_user_id, q->text, q->client_id,
		                          q->reply_to, q->ts, &ev, q->err, sizeof q->err);
		if (q->res != STORE_OK)
			continue;
		q->res = store_post_in(st, q->room, &ev, q->mentions, q->n_mentions, &q->id, q->ts,
		                       &q->created, q->err, sizeof q->err);
		if (q->res == STORE_ERROR) {   /* the transaction is gone */
			for (j = 0; j < n; j++)
				if (j != i) {
					p[j]->alone = 1;
					p[j]->id = 0;
					p[j]->created = 0;
				}
			return;
		}
		stored |= q->created;
	}
	if (!stored) {
		d->rollback(st);
		return;
	}
	if (d->commit(st, 1) == 0)
		return;
	p[0]->res = d->fail(st, "posting", p[0]->err, sizeof p[0]->err);
all_failed:
	for (i = 0; i < n; i++) {
		p[i]->id = 0;
		p[i]->created = 0;
		p[i]->res = STORE_ERROR;
		if (i)
			snprintf(p[i]->err, sizeof p[i]->err, "%s", p[0]->err);
	}
}
