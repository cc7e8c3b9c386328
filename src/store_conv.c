/*
 * store_conv.c - the chat's rules for what happens to a message after it
 * is sent (issue 17): edits, reactions, solved marks, and the reads of
 * whole conversations: threads, direct-message history, a room's open
 * questions, a message's earlier versions. Who may act on a message is
 * decided once, by store_message_role() and store_message_check()
 * (store.c), each rule saying only which roles may; every change is one
 * write transaction with its event, which goes where the message went
 * (HACKING.md "Events and visibility").
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "store_rules.h"

/* Starts an act on message id: the write transaction, then u's role
 * checked against may (store_message_check). STORE_OK with *t and the
 * transaction open, else the transaction is over. */
static enum store_result store_act(struct store *st, const struct user *u, long long id,
                                   unsigned may, const char *forbidden, const char *what,
                                   struct store_target *t, char *err, size_t errlen)
{
	enum store_result res;
	unsigned role;

	if (st->drv->begin(st) < 0 || store_message_role(st, u, id, t, &role) < 0)
		return st->drv->fail(st, what, err, errlen);
	if ((res = store_message_check(role, may, 0, id, forbidden, err, errlen)) != STORE_OK)
		st->drv->rollback(st);
	return res;
}

/* Inside an act's transaction: u refused while muted (STORE_FORBIDDEN),
 * the transaction then over; STORE_OK to go on. */
static enum store_result store_act_unmuted(struct store *st, const struct user *u,
                                           const char *what, char *err, size_t errlen)
{
	int r = store_muted(st, u, err, errlen);

	if (r < 0)
		return st->drv->fail(st, what, err, errlen);
	if (r == 1)
		st->drv->rollback(st);
	return r ? STORE_FORBIDDEN : STORE_OK;
}

/* Ends an act: u's row, the event ev (naming the message, where it went)
 * and the commit; *event_id its id. */
static enum store_result store_act_done(struct store *st, const struct user *u,
                                        struct store_new_event *ev, const char *what,
                                        long long *event_id, char *err, size_t errlen)
{
	if (st->drv->user_write(st, u, ev->ts) < 0 || st->drv->event_add(st, ev, event_id) < 0) {
		*event_id = 0;
		return st->drv->fail(st, what, err, errlen);
	}
	return store_commit(st, 1, what, err, errlen);
}

enum store_result store_edit(struct store *st, const struct user *u, long long id,
                             const char *text, int window_s, char edited[32],
                             long long *event_id, char *err, size_t errlen)
{
	const struct store_driver *d = st->drv;
	static const char what[] = "editing a message";
	struct store_new_event ev;
	struct store_target t;
	enum store_result res;
	char ts[32], oldest[32];
	int same;

	*event_id = 0;
	edited[0] = '\0';
	if ((res = store_act(st, u, id, STORE_ROLE_AUTHOR, "only its author may edit message",
	                     what, &t, err, errlen)) != STORE_OK ||
	    (res = store_act_unmuted(st, u, what, err, errlen)) != STORE_OK)
		return res;
	store_time(oldest, -(long long)window_s);
	if (window_s > 0 && strcmp(t.ts, oldest) < 0) {
		d->rollback(st);
		snprintf(err, errlen, "message %lld can be edited only within %d minutes of being sent "
		         "(edit_window)", id, window_s / 60);
		return STORE_FORBIDDEN;
	}
	if ((same = d->text_is(st, id, text)) != 0) {   /* a retry, or no change */
		if (same < 0)
			return d->fail(st, what, err, errlen);
		d->rollback(st);
		snprintf(edited, 32, "%s", t.edited);
		return STORE_OK;
	}
	store_time(ts, 0);
	ev = store_event_new(EV_EDIT, u, ts);
	ev.room_id = t.room_id;
	ev.target = id;
	ev.text = text;
	if (d->version_add(st, id, ts) < 0 || d->text_set(st, id, text, ts) < 0)
		return d->fail(st, what, err, errlen);
	if ((res = store_act_done(st, u, &ev, what, event_id, err, errlen)) == STORE_OK)
		snprintf(edited, 32, "%s", ts);
	return res;
}

enum store_result store_react(struct store *st, const struct user *u, long long id,
                              const char *emoji, int on, long long *event_id,
                              char *err, size_t errlen)
{
	const struct store_driver *d = st->drv;
	static const char what[] = "reacting to a message";
	struct store_new_event ev;
	struct store_target t;
	enum store_result res;
	char ts[32];
	int changed;

	*event_id = 0;
	if ((res = store_act(st, u, id, STORE_ROLE_SEES, "", what, &t, err, errlen)) != STORE_OK ||
	    (on && (res = store_act_unmuted(st, u, what, err, errlen)) != STORE_OK))
		return res;
	store_time(ts, 0);
	changed = on ? d->reaction_add(st, id, emoji, u->id, ts) : d->reaction_del(st, id, emoji, u->id);
	if (changed < 0)
		return d->fail(st, what, err, errlen);
	if (changed == 0) {   /* given already, or not there to take back */
		d->rollback(st);
		return STORE_OK;
	}
	ev = store_event_new(EV_REACTION, u, ts);
	ev.room_id = t.room_id;
	ev.target = id;
	ev.text = emoji;
	ev.on_off = on != 0;
	return store_act_done(st, u, &ev, what, event_id, err, errlen);
}

enum store_result store_solve(struct store *st, const struct user *u, long long id, int on,
                              char by[USER_NAME_MAX], char at[32], long long *event_id,
                              char *err, size_t errlen)
{
	const struct store_driver *d = st->drv;
	static const char what[] = "marking a message solved";
	struct store_new_event ev;
	struct store_target t;
	enum store_result res;
	char ts[32];
	int changed;

	*event_id = 0;
	by[0] = at[0] = '\0';
	if ((res = store_act(st, u, id, STORE_ROLE_AUTHOR | STORE_ROLE_ADMIN,
	                     "only its author or an admin may mark solved message", what, &t,
	                     err, errlen)) != STORE_OK)
		return res;
	store_time(ts, 0);
	if ((changed = on ? d->solved_set(st, id, u->id, ts) : d->solved_del(st, id)) < 0)
		return d->fail(st, what, err, errlen);
	if (changed == 0) {   /* solved already (its mark stays), or not solved */
		d->rollback(st);
		snprintf(by, USER_NAME_MAX, "%s", t.solved_by);
		snprintf(at, 32, "%s", t.solved_at);
		return STORE_OK;
	}
	ev = store_event_new(EV_SOLVED, u, ts);
	ev.room_id = t.room_id;
	ev.target = id;
	ev.on_off = on != 0;
	if ((res = store_act_done(st, u, &ev, what, event_id, err, errlen)) == STORE_OK && on) {
		snprintf(by, USER_NAME_MAX, "%s", u->username);
		snprintf(at, 32, "%s", ts);
	}
	return res;
}

enum store_result store_thread(struct store *st, const struct user *u, long long id,
                               long long after, int limit, long long *root_id,
                               struct store_events *root, struct store_events *out, int *more,
                               char *err, size_t errlen)
{
	const struct store_driver *d = st->drv;
	struct store_target t;
	enum store_result res;
	unsigned role = 0;
	size_t first = out->n;
	int r;

	*more = 0;
	*root_id = 0;
	limit = store_clamp(limit);
	/* the message itself, or, for a root prune has deleted, a reply left:
	 * every message of a thread is in the root's room (or conversation) */
	if ((r = store_message_role(st, u, id, &t, &role)) == 0 &&
	    (r = d->thread_find(st, id, &t)) == 1 && (r = store_sees(st, u, &t)) >= 0) {
		role = r ? STORE_ROLE_SEES : 0;
		r = 1;
	}
	if (r < 0)
		return d->fail(st, "reading a thread", err, errlen);
	if ((res = store_message_check(role, STORE_ROLE_SEES, 1, id, "", err, errlen)) != STORE_OK)
		return res;
	*root_id = t.thread_id ? t.thread_id : id;
	if (d->event_get(st, *root_id, root) < 0 ||
	    d->thread(st, *root_id, after, limit + 1, out) < 0)
		return d->fail(st, "reading a thread", err, errlen);
	store_page(out, first, limit, 0, more);
	return STORE_OK;
}

enum store_result store_direct_history(struct store *st, long long user_id, long long other,
                                       long long before, int limit, struct store_events *out,
                                       int *more, char *err, size_t errlen)
{
	size_t first = out->n;
	int r;

	*more = 0;
	limit = store_clamp(limit);
	if ((r = st->drv->user_known(st, other)) == 0) {
		snprintf(err, errlen, "no chat user with id %lld", other);
		return STORE_NOT_FOUND;
	}
	if (r < 0 || st->drv->direct_history(st, user_id, other, before > 0 ? before : INT64_MAX,
	                                     limit + 1, out) < 0)
		return st->drv->fail(st, "reading direct messages", err, errlen);
	store_page(out, first, limit, 1, more);
	return STORE_OK;
}

enum store_result store_open_questions(struct store *st, const struct user *u, const char *room,
                                       int days, long long before, int limit,
                                       struct store_events *out, int *more,
                                       char *err, size_t errlen)
{
	size_t first = out->n;
	enum store_result res;
	long long room_id;
	char since[32];

	*more = 0;
	limit = store_clamp(limit);
	/* its members may look, and admins, as they may act on any message */
	if ((res = store_room_open(st, u->id, room, &room_id, err, errlen)) == STORE_FORBIDDEN &&
	    u->admin)
		res = STORE_OK;
	if (res != STORE_OK)
		return res;
	store_time(since, -(long long)days * 86400);
	if (st->drv->open_questions(st, room_id, since, before > 0 ? before : INT64_MAX, limit + 1,
	                            out) < 0)
		return st->drv->fail(st, "reading open questions", err, errlen);
	store_page(out, first, limit, 0, more);
	return STORE_OK;
}

enum store_result store_versions(struct store *st, long long id, store_version_fn fn, void *ctx,
                                 char *err, size_t errlen)
{
	int r = st->drv->versions(st, id, fn, ctx);

	if (r == 1) {
		snprintf(err, errlen, "writing the versions failed");
		return STORE_ERROR;
	}
	return r < 0 ? st->drv->fail(st, "reading versions", err, errlen) : STORE_OK;
}
