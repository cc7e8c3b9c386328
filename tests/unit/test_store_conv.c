/*
 * test_store_conv.c - the store suite's cases of conversations (issue 17),
 * on whichever driver test_store.c runs: replies and their refusals,
 * threads, edits (the window, the author, versions, search, a race with a
 * removal), reactions, solved marks, open questions, direct-message
 * history, where each new event goes (against store_event_visible()), room
 * names without case, a thread spanning a prune, and stores of older
 * schema versions upgraded in place on both drivers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "dburl.h"
#include "pqlib.h"
#include "store_fixture.h"
#include "store_test.h"
#define TAP_SHARED
#include "tap.h"

/* Each driver's upgrade steps (store_sqlite_sql.c, store_pg_sql.c), as
 * older galaxy-chats ran them. */
extern const char *const sqls_schema[];
extern const char *const pgs_schema_sql[];

static char edited[32], by[USER_NAME_MAX], at[32];

/* Replies to reply_to in room (or to a user): the new id, 0 on failure
 * (store_post's result in *res). */
static long long reply(struct store *st, const struct user *u, const char *room, long long to,
                       long long reply_to, const char *text, enum store_result *res)
{
	long long id = 0;
	char ts[32];
	int created;

	*res = store_post(st, u, room, to, text, NULL, reply_to, &id, ts, &created, err, sizeof err);
	return *res == STORE_OK ? id : 0;
}

/* The JSON of event id as user_id reads it in the events after id - 1
 * (caller puts it). */
static json_object *read_event(struct store *st, long long user_id, long long id)
{
	struct store_events evs = visible(st, user_id, id - 1);
	json_object *o = event_json(&evs, id);

	store_events_clear(&evs);
	return o;
}

/* The SQL making event id ten days old: out of the last 7 days, and not
 * old enough for test_prune's 30. */
static void ten_days_ago(char *sql, size_t len, long long id)
{
	time_t t = time(NULL) - 10 * 86400;
	char ts[32];

	strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S.000Z", gmtime(&t));
	snprintf(sql, len, "UPDATE events SET ts = '%s' WHERE id = %lld", ts, id);
}

/* member key of o as an int64, -1 when absent */
static long long jint(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v) : -1;
}

static int has(json_object *o, const char *key)
{
	return o && json_object_object_get_ex(o, key, NULL);
}

/* The thread of id for u: its root (and its JSON into *root_json, caller
 * puts), the replies in out. */
static enum store_result thread(struct store *st, const struct user *u, long long id,
                                long long after, int limit, long long *root_id,
                                json_object **root_json, struct store_events *out, int *more)
{
	struct store_events root = { 0 };
	enum store_result r = store_thread(st, u, id, after, limit, root_id, &root, out, more,
	                                   err, sizeof err);

	*root_json = root.n ? json_tokener_parse(root.v[0].json) : NULL;
	store_events_clear(&root);
	return r;
}

/* The entry of emoji in a "reactions" array, or NULL. */
static json_object *reaction_of(json_object *msg, const char *emoji)
{
	json_object *arr;

	if (!json_object_object_get_ex(msg, "reactions", &arr))
		return NULL;
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		json_object *e = json_object_array_get_idx(arr, i);
		if (strcmp(jstr(e, "emoji"), emoji) == 0)
			return e;
	}
	return NULL;
}

/* message id as history of room shows it to u (caller puts it) */
static json_object *in_history(struct store *st, const struct user *u, const char *room,
                               long long id)
{
	struct store_events evs = { 0 };
	json_object *o = NULL;
	int more;

	if (store_history(st, u->id, room, 0, 500, &evs, &more, err, sizeof err) == STORE_OK)
		o = event_json(&evs, id);
	store_events_clear(&evs);
	return o;
}

static void test_replies(struct store *st, const struct user *alice, const struct user *bob,
                         const struct user *carol, long long *root, long long *r2)
{
	char longtext[400] = "", want[400] = "";
	enum store_result res;
	long long m1, r1, d1, j, gone, lng, rl, other;
	json_object *o, *p, *u;

	j = join(st, alice, "conv");
	join(st, bob, "conv");
	m1 = post(st, alice, "conv", 0, "how do I trim adapters?");
	r1 = reply(st, bob, "conv", 0, m1, "with cutadapt", &res);
	ok(m1 && r1, "a reply to a message in the same room");
	o = read_event(st, alice->id, r1);
	p = o ? json_object_object_get(o, "reply_to") : NULL;
	ok(p && jint(p, "id") == m1 && jint(o, "thread") == m1, "it carries reply_to and thread");
	is_str(p ? jstr(p, "text") : NULL, "how do I trim adapters?", "reply_to.text: the parent's text");
	ok(p && json_object_object_get_ex(p, "user", &u) && strcmp(jstr(u, "username"), "alice") == 0,
	   "reply_to.user: its author");
	json_object_put(o);
	*r2 = reply(st, alice, "conv", 0, r1, "thanks, and for paired data?", &res);
	o = read_event(st, alice->id, *r2);
	ok(o && jint(o, "thread") == m1 &&
	   jint(json_object_object_get(o, "reply_to"), "id") == r1,
	   "a reply to a reply answers it and belongs to the root's thread");
	json_object_put(o);
	o = read_event(st, alice->id, m1);
	ok(o && !has(o, "reply_to") && !has(o, "thread") && !has(o, "replies"),
	   "a root read from the events has no reply fields");
	json_object_put(o);

	is_int(reply(st, bob, "conv", 0, 999999, "x", &res), 0, "a reply to an unknown id");
	is_int(res, STORE_NOT_FOUND, "is not found");
	reply(st, bob, "conv", 0, j, "x", &res);
	is_int(res, STORE_NOT_FOUND, "a reply to a join is not found: not a message");
	reply(st, bob, "all", 0, m1, "x", &res);
	is_int(res, STORE_BAD_REQUEST, "a reply in all to a message in conv: a bad request");
	ok(strstr(err, "not in this room") != NULL, "saying so");
	reply(st, carol, "all", 0, m1, "x", &res);
	is_int(res, STORE_NOT_FOUND, "carol, outside conv, replying to its message: not found");
	reply(st, carol, "conv", 0, m1, "x", &res);
	is_int(res, STORE_FORBIDDEN, "carol posting into conv: forbidden as ever");
	reply(st, alice, NULL, bob->id, m1, "x", &res);
	is_int(res, STORE_BAD_REQUEST, "a direct message replying to a room message: bad request");
	d1 = post(st, alice, NULL, bob->id, "a direct question");
	ok(reply(st, bob, NULL, alice->id, d1, "a direct answer", &res) > 0,
	   "a direct answer to a direct message of the same two");
	reply(st, carol, NULL, alice->id, d1, "x", &res);
	is_int(res, STORE_NOT_FOUND, "carol replying to alice and bob's direct message: not found");
	other = post(st, carol, NULL, alice->id, "carol to alice");
	reply(st, bob, NULL, alice->id, other, "x", &res);
	is_int(res, STORE_NOT_FOUND, "bob replying to carol's direct message to alice: not found");
	reply(st, alice, NULL, bob->id, other, "x", &res);
	is_int(res, STORE_BAD_REQUEST, "alice answering carol's message in her talk with bob: bad request");
	gone = post(st, alice, "conv", 0, "soon removed");
	store_delete(st, alice, gone, &j, err, sizeof err);
	reply(st, bob, "conv", 0, gone, "x", &res);
	is_int(res, STORE_NOT_FOUND, "a reply to a removed message: not found");
	ok(strncmp(err, "no message", 10) == 0, "its message starts with \"no message\"");

	for (int i = 0; i < 150; i++)
		strcat(longtext, i % 2 ? "\xc3\xa9" : "a");   /* 150 characters, 225 bytes */
	memcpy(want, longtext, 210);                     /* the first 140 */
	lng = post(st, alice, "conv", 0, longtext);
	rl = reply(st, bob, "conv", 0, lng, "on the long one", &res);
	o = read_event(st, bob->id, rl);
	is_str(o ? jstr(json_object_object_get(o, "reply_to"), "text") : NULL, want,
	       "reply_to.text is the first 140 characters, not bytes");
	json_object_put(o);
	*root = m1;
}

static void test_threads(struct store *st, const struct user *alice, const struct user *bob,
                         const struct user *carol, long long root, long long r2)
{
	struct store_events evs = { 0 };
	json_object *rj = NULL;
	long long root_id;
	int more;

	is_int(thread(st, alice, root, 0, 50, &root_id, &rj, &evs, &more), STORE_OK, "a thread");
	ok(root_id == root && rj && jint(rj, "id") == root, "its root");
	ok(evs.n == 2 && evs.v[1].id == r2 && ids_increasing(&evs) && !more,
	   "both replies, oldest first");
	ok(rj && jint(rj, "replies") == 2 && jint(rj, "last_reply") == r2,
	   "the root counts its replies and names the last");
	json_object_put(rj);
	store_events_clear(&evs);
	is_int(thread(st, bob, r2, 0, 1, &root_id, &rj, &evs, &more), STORE_OK,
	       "asked by a reply's id");
	ok(root_id == root && evs.n == 1 && more, "the same thread, limit and more");
	long long first = evs.n ? evs.v[0].id : 0;
	json_object_put(rj);
	store_events_clear(&evs);
	thread(st, bob, root, first, 50, &root_id, &rj, &evs, &more);
	ok(evs.n == 1 && evs.v[0].id == r2 && !more, "after pages on");
	json_object_put(rj);
	store_events_clear(&evs);
	is_int(thread(st, carol, root, 0, 50, &root_id, &rj, &evs, &more), STORE_NOT_FOUND,
	       "not for carol, outside its room");
	is_int(thread(st, alice, 999999, 0, 50, &root_id, &rj, &evs, &more), STORE_NOT_FOUND,
	       "an unknown id");
	rj = in_history(st, bob, "conv", root);
	ok(rj && jint(rj, "replies") == 2 && jint(rj, "last_reply") == r2,
	   "history carries replies and last_reply on the root");
	json_object_put(rj);
}

/* child of test_edit_race: edits id until told to stop; exits 0 when
 * every edit either worked or found the message removed */
static void edit_loop(const struct user *alice, long long id)
{
	struct store *st = open_store(NULL, 0);
	char text[64], ed[32];
	long long ev;
	int bad = !st;

	for (int i = 0; i < 60 && !bad; i++) {
		enum store_result r;

		snprintf(text, sizeof text, "race %d", i);
		r = store_edit(st, alice, id, text, 0, ed, &ev, err, sizeof err);
		bad = r != STORE_OK && r != STORE_NOT_FOUND;
	}
	store_close(st);
	_exit(bad);
}

/* Edits racing a removal in another process: each edit is before the
 * removal or refused, never after it. */
static void test_edit_race(struct store *st, const struct user *alice)
{
	char sql[256];
	long long m = post(st, alice, "conv", 0, "racing"), del_ev = 0;
	pid_t pid = fork();

	if (pid == 0)
		edit_loop(alice, m);
	usleep(20000);
	is_int(store_delete(st, alice, m, &del_ev, err, sizeof err), STORE_OK,
	       "a removal while another process edits");
	is_int(reap(1), 1, "every racing edit worked or found the message removed");
	snprintf(sql, sizeof sql, "SELECT count(*) FROM events WHERE type = 'edit' AND target = %lld"
	         " AND id > %lld", m, del_ev);
	is_int(raw_int(sql), 0, "no edit event after the removal");
}

static void test_edits(struct store *st, const struct user *alice, const struct user *bob,
                       const struct user *carol, const struct user *dave)
{
	long long ev, ev2, e1, m, mid;
	struct store_events evs;
	char sql[256], first_ed[32];
	json_object *o;
	int n = 0;

	m = post(st, alice, "conv", 0, "the first wording of it");
	is_int(store_edit(st, alice, m, "the second wording", 3600, edited, &ev, err, sizeof err),
	       STORE_OK, "the author edits");
	ok(ev > m && strlen(edited) == 24, "an edit event and its time");
	snprintf(first_ed, sizeof first_ed, "%s", edited);
	e1 = ev;
	is_int(store_edit(st, alice, m, "the second wording", 3600, edited, &ev2, err, sizeof err),
	       STORE_OK, "the same text again");
	ok(ev2 == 0 && strcmp(edited, first_ed) == 0, "changes nothing, says when it was edited");
	is_int(store_edit(st, bob, m, "bob's words", 3600, edited, &ev2, err, sizeof err),
	       STORE_FORBIDDEN, "another member may not edit");
	ok(strstr(err, "only its author") != NULL, "saying who may");
	is_int(store_edit(st, dave, m, "the admin's words", 3600, edited, &ev2, err, sizeof err),
	       STORE_NOT_FOUND, "nor an admin, who sees no room he is not in");
	is_int(store_edit(st, carol, m, "x", 3600, edited, &ev2, err, sizeof err), STORE_NOT_FOUND,
	       "someone outside the room: not found");
	is_int(store_edit(st, alice, 999999, "x", 3600, edited, &ev2, err, sizeof err),
	       STORE_NOT_FOUND, "an unknown id");
	store_edit(st, alice, m, "the third wording", 3600, edited, &ev, err, sizeof err);

	o = read_event(st, bob->id, m);
	is_str(o ? jstr(o, "text") : NULL, "the third wording", "events: the message reads as now");
	is_str(o ? jstr(o, "edited") : NULL, edited, "with edited");
	json_object_put(o);
	o = read_event(st, bob->id, e1);
	ok(o && strcmp(jstr(o, "type"), "edit") == 0 && jint(o, "target") == m, "the edit event");
	is_str(o ? jstr(o, "text") : NULL, "the third wording",
	       "an older edit event reads the text as it is now");
	is_str(o ? jstr(o, "edited") : NULL, edited, "and its latest edit");
	json_object_put(o);
	o = in_history(st, bob, "conv", m);
	is_str(o ? jstr(o, "text") : NULL, "the third wording", "history: the text now");
	json_object_put(o);
	memset(&evs, 0, sizeof evs);
	int more;
	store_history(st, bob->id, "conv", 0, 500, &evs, &more, err, sizeof err);
	for (size_t i = 0; i < evs.n; i++)
		n += evs.v[i].type == EV_EDIT;
	is_int(n, 0, "history lists no edit events");
	store_events_clear(&evs);
	is_int(search(st, bob->id, "third", "conv", 0, 10, NULL, NULL, NULL), 1,
	       "search finds the text now");
	is_int(search(st, bob->id, "first wording", "conv", 0, 10, NULL, NULL, NULL), 0,
	       "and not an earlier version");
	snprintf(sql, sizeof sql, "SELECT count(*) FROM message_versions WHERE message_id = %lld", m);
	is_int(raw_int(sql), 2, "both earlier versions are kept");
	snprintf(sql, sizeof sql, "SELECT count(*) FROM message_history WHERE message = %lld", m);
	is_int(raw_int(sql), 3, "message_history lists all three");
	snprintf(sql, sizeof sql, "SELECT version FROM message_history WHERE message = %lld"
	         " AND text = 'the first wording of it'", m);
	is_int(raw_int(sql), 1, "the first one first");

	/* a reply shows its parent's text as now */
	enum store_result res;
	long long rr = reply(st, bob, "conv", 0, m, "I see", &res);
	store_edit(st, alice, m, "the fourth wording", 3600, edited, &ev, err, sizeof err);
	o = read_event(st, bob->id, rr);
	is_str(o ? jstr(json_object_object_get(o, "reply_to"), "text") : NULL, "the fourth wording",
	       "a reply shows its parent's text after an edit");
	json_object_put(o);

	/* the window */
	mid = post(st, alice, "conv", 0, "written long ago");
	ten_days_ago(sql, sizeof sql, mid);
	raw_exec(sql);
	is_int(store_edit(st, alice, mid, "too late", 3600, edited, &ev, err, sizeof err),
	       STORE_FORBIDDEN, "past the edit window: forbidden");
	ok(strstr(err, "edit_window") && strstr(err, "60 minutes"), "saying so, with the key");
	is_int(store_edit(st, alice, mid, "never too late", 0, edited, &ev, err, sizeof err),
	       STORE_OK, "a window of 0: no limit");

	/* muted, removed */
	store_mute(st, dave, alice->id, 5, at, &ev2, err, sizeof err);
	is_int(store_edit(st, alice, m, "while muted", 3600, edited, &ev, err, sizeof err),
	       STORE_FORBIDDEN, "a muted author may not edit");
	ok(strstr(err, "muted") != NULL, "saying so");
	store_mute(st, dave, alice->id, 0, at, &ev2, err, sizeof err);
	store_delete(st, alice, m, &ev2, err, sizeof err);
	is_int(store_edit(st, alice, m, "after removal", 3600, edited, &ev, err, sizeof err),
	       STORE_NOT_FOUND, "a removed message: not found");
	o = read_event(st, bob->id, e1);
	ok(o && has(o, "deleted") && !has(o, "text") && !has(o, "edited"),
	   "the edit event of a removed message shows no text");
	json_object_put(o);
	o = read_event(st, bob->id, rr);
	ok(o && has(json_object_object_get(o, "reply_to"), "deleted") &&
	   !has(json_object_object_get(o, "reply_to"), "text"),
	   "nor does a reply to it");
	json_object_put(o);

	/* a direct message, edited: the edit goes to its two users */
	long long dm = post(st, bob, NULL, carol->id, "to carol, first");
	is_int(store_edit(st, bob, dm, "to carol, edited", 3600, edited, &ev, err, sizeof err),
	       STORE_OK, "a direct message edited");
	evs = visible(st, carol->id, dm);
	ok(has_id(&evs, ev), "its recipient sees the edit");
	store_events_clear(&evs);
	evs = visible(st, alice->id, dm);
	ok(!has_id(&evs, ev), "nobody else does");
	store_events_clear(&evs);
	test_edit_race(st, alice);
}

static void test_reactions(struct store *st, const struct user *alice, const struct user *bob,
                           const struct user *carol, long long root)
{
	static const char thumbs[] = "\xf0\x9f\x91\x8d", heart[] = "\xe2\x9d\xa4\xef\xb8\x8f";
	long long ev, ev2, dm;
	struct store_events evs;
	json_object *o, *e;

	is_int(store_react(st, bob, root, thumbs, 1, &ev, err, sizeof err), STORE_OK, "bob reacts");
	ok(ev > 0, "a reaction event");
	o = read_event(st, alice->id, ev);
	ok(o && strcmp(jstr(o, "type"), "reaction") == 0 && jint(o, "target") == root &&
	   strcmp(jstr(o, "emoji"), thumbs) == 0 &&
	   json_object_get_boolean(json_object_object_get(o, "on")) && strcmp(jstr(o, "room"), "conv") == 0,
	   "its JSON: type, target, emoji, on, room");
	json_object_put(o);
	is_int(store_react(st, bob, root, thumbs, 1, &ev2, err, sizeof err), STORE_OK, "again");
	is_int(ev2, 0, "idempotent: nothing stored");
	/* reactions are ordered by their time, to the millisecond */
	nanosleep(&(struct timespec){ .tv_nsec = 2000000 }, NULL);
	store_react(st, alice, root, thumbs, 1, &ev, err, sizeof err);
	store_react(st, bob, root, heart, 1, &ev, err, sizeof err);
	o = in_history(st, alice, "conv", root);
	e = o ? reaction_of(o, thumbs) : NULL;
	ok(e && jint(e, "count") == 2, "history: two thumbs");
	is_str(e ? json_object_to_json_string_ext(json_object_object_get(e, "users"), JSON_C_TO_STRING_PLAIN)
	       : NULL, "[\"bob\",\"alice\"]", "its users in the order they reacted");
	ok(o && json_object_array_length(json_object_object_get(o, "reactions")) == 2 &&
	   strcmp(jstr(json_object_array_get_idx(json_object_object_get(o, "reactions"), 0), "emoji"),
	          thumbs) == 0, "two emoji, the first given first");
	json_object_put(o);
	is_int(store_react(st, bob, root, thumbs, 0, &ev, err, sizeof err), STORE_OK, "taken back");
	ok(ev > 0, "with an event");
	o = read_event(st, alice->id, ev);
	ok(o && !json_object_get_boolean(json_object_object_get(o, "on")), "\"on\": false");
	json_object_put(o);
	is_int(store_react(st, bob, root, thumbs, 0, &ev, err, sizeof err), STORE_OK, "taken back again");
	is_int(ev, 0, "changes nothing");
	o = in_history(st, alice, "conv", root);
	e = o ? reaction_of(o, thumbs) : NULL;
	ok(e && jint(e, "count") == 1, "one thumb left");
	json_object_put(o);
	is_int(store_react(st, carol, root, thumbs, 1, &ev, err, sizeof err), STORE_NOT_FOUND,
	       "carol, outside the room: not found");
	is_int(store_react(st, alice, 999999, thumbs, 1, &ev, err, sizeof err), STORE_NOT_FOUND,
	       "an unknown id");
	dm = post(st, alice, NULL, bob->id, "react to this");
	is_int(store_react(st, bob, dm, heart, 1, &ev, err, sizeof err), STORE_OK,
	       "a reaction to a direct message by its recipient");
	evs = visible(st, alice->id, dm);
	ok(has_id(&evs, ev), "its author sees it");
	store_events_clear(&evs);
	evs = visible(st, carol->id, dm);
	ok(!has_id(&evs, ev), "nobody else");
	store_events_clear(&evs);
	is_int(store_react(st, carol, dm, heart, 1, &ev, err, sizeof err), STORE_NOT_FOUND,
	       "carol reacting to it: not found");
}

static void test_solved(struct store *st, const struct user *alice, const struct user *bob,
                        const struct user *carol, const struct user *dave, long long root)
{
	long long ev;
	json_object *o, *sv;

	is_int(store_solve(st, bob, root, 1, by, at, &ev, err, sizeof err), STORE_FORBIDDEN,
	       "a member who did not ask may not mark it solved");
	is_int(store_solve(st, carol, root, 1, by, at, &ev, err, sizeof err), STORE_NOT_FOUND,
	       "someone outside the room: not found");
	is_int(store_solve(st, alice, root, 1, by, at, &ev, err, sizeof err), STORE_OK,
	       "its author marks it solved");
	ok(ev > 0 && strcmp(by, "alice") == 0 && strlen(at) == 24, "an event, by alice, when");
	o = read_event(st, bob->id, ev);
	ok(o && strcmp(jstr(o, "type"), "solved") == 0 && jint(o, "target") == root &&
	   json_object_get_boolean(json_object_object_get(o, "on")), "the solved event");
	json_object_put(o);
	o = in_history(st, bob, "conv", root);
	sv = o ? json_object_object_get(o, "solved") : NULL;
	ok(sv && strcmp(jstr(sv, "by"), "alice") == 0 && strcmp(jstr(sv, "ts"), at) == 0,
	   "history: solved by and ts");
	json_object_put(o);
	is_int(store_solve(st, dave, root, 1, by, at, &ev, err, sizeof err), STORE_OK,
	       "an admin outside the room marks it again");
	ok(ev == 0 && strcmp(by, "alice") == 0, "nothing changes: alice's mark stays");
	is_int(store_solve(st, dave, root, 0, by, at, &ev, err, sizeof err), STORE_OK,
	       "the admin unmarks it");
	ok(ev > 0 && !by[0] && !at[0], "with an event, no mark left");
	o = in_history(st, bob, "conv", root);
	ok(o && !has(o, "solved"), "history: not solved");
	json_object_put(o);
	is_int(store_solve(st, alice, root, 0, by, at, &ev, err, sizeof err), STORE_OK,
	       "unmarking again");
	is_int(ev, 0, "changes nothing");
}

static void test_open(struct store *st, const struct user *alice, const struct user *bob,
                      const struct user *carol, const struct user *dave)
{
	struct store_events evs = { 0 };
	enum store_result res;
	long long q1, q2, q3, q4, q5, old, ev;
	char sql[256];
	int more;

	join(st, alice, "help");
	join(st, bob, "help");
	old = post(st, alice, "help", 0, "an old question");
	ten_days_ago(sql, sizeof sql, old);
	q1 = post(st, alice, "help", 0, "nobody answered");
	q2 = post(st, alice, "help", 0, "bob answered");
	reply(st, bob, "help", 0, q2, "here is how", &res);
	q3 = post(st, alice, "help", 0, "only I answered myself");
	reply(st, alice, "help", 0, q3, "bump", &res);
	q4 = post(st, bob, "help", 0, "solved already");
	store_solve(st, bob, q4, 1, by, at, &ev, err, sizeof err);
	q5 = post(st, bob, "help", 0, "removed");
	store_delete(st, bob, q5, &ev, err, sizeof err);
	is_int(store_open_questions(st, bob, "help", 7, 0, 50, &evs, &more, err, sizeof err), STORE_OK,
	       "open questions");
	ok(evs.n == 3 && evs.v[0].id == q3 && evs.v[1].id == q1 && evs.v[2].id == old && !more,
	   "unanswered or answered only by the author, newest first");
	store_events_clear(&evs);
	raw_exec(sql);   /* the old question is now ten days old */
	store_open_questions(st, bob, "HELP", 7, 0, 50, &evs, &more, err, sizeof err);
	ok(evs.n == 2 && !has_id(&evs, old), "only of the last days, by any spelling");
	store_events_clear(&evs);
	store_open_questions(st, bob, "help", 7, q3, 1, &evs, &more, err, sizeof err);
	ok(evs.n == 1 && evs.v[0].id == q1 && !more, "before and limit");
	store_events_clear(&evs);
	is_int(store_open_questions(st, carol, "help", 7, 0, 50, &evs, &more, err, sizeof err),
	       STORE_FORBIDDEN, "not for carol, no member");
	is_int(store_open_questions(st, dave, "help", 7, 0, 50, &evs, &more, err, sizeof err),
	       STORE_OK, "an admin who is no member may look");
	is_int(evs.n, 2, "and sees them");
	store_events_clear(&evs);
	is_int(store_open_questions(st, dave, "nowhere", 7, 0, 50, &evs, &more, err, sizeof err),
	       STORE_NOT_FOUND, "an unknown room");
}

static void test_direct_history(struct store *st, const struct user *alice,
                                const struct user *bob, const struct user *carol)
{
	struct store_events evs = { 0 };
	long long a, b, c;
	int more;

	a = post(st, alice, NULL, carol->id, "alice to carol");
	b = post(st, carol, NULL, alice->id, "carol to alice");
	c = post(st, bob, NULL, carol->id, "bob to carol");
	is_int(store_direct_history(st, alice->id, carol->id, 0, 50, &evs, &more, err, sizeof err),
	       STORE_OK, "direct history");
	ok(has_id(&evs, a) && has_id(&evs, b) && !has_id(&evs, c) && ids_increasing(&evs),
	   "both ways, only the two, oldest first");
	for (size_t i = 0; i < evs.n; i++)
		if (evs.v[i].type != EV_DIRECT)
			ok(0, "only direct messages");
	store_events_clear(&evs);
	store_direct_history(st, carol->id, alice->id, 0, 1, &evs, &more, err, sizeof err);
	ok(evs.n == 1 && evs.v[0].id == b && more, "limit, newest page first, more");
	store_events_clear(&evs);
	store_direct_history(st, carol->id, alice->id, b, 50, &evs, &more, err, sizeof err);
	ok(has_id(&evs, a) && !has_id(&evs, b), "before pages back");
	store_events_clear(&evs);
	is_int(store_direct_history(st, alice->id, 999, 0, 50, &evs, &more, err, sizeof err),
	       STORE_NOT_FOUND, "a user who never used the chat");
}

static void test_room_case(struct store *st, const struct user *alice, const struct user *bob)
{
	const char *lower[] = { "ngs" };
	char name[ROOM_NAME_BUF];
	long long rooms = raw_int("SELECT count(*) FROM rooms"), id, t0;
	struct store *other;

	join(st, alice, "Case-Room");
	is_int(join(st, bob, "case-room") > 0, 1, "joining another spelling joins the room");
	is_int(raw_int("SELECT count(*) FROM rooms") - rooms, 1, "one room made, not two");
	is_int(join(st, bob, "CASE-ROOM"), 0, "a third spelling: a member already");
	is_int(store_room_name(st, "cAsE-rOoM", name, err, sizeof err), STORE_OK, "its name");
	is_str(name, "Case-Room", "as first written");
	ok(post(st, bob, "CASE-room", 0, "hello") > 0, "posting by any spelling");
	is_int(store_room_access(st, bob->id, "case-ROOM", err, sizeof err), STORE_OK,
	       "access by any spelling");
	is_int(store_leave(st, alice, "ALL", &id, err, sizeof err), STORE_FORBIDDEN,
	       "ALL is all: nobody leaves it");
	is_int(store_room_name(st, "\xc3\x89tude", name, err, sizeof err), STORE_NOT_FOUND,
	       "no such room yet");
	join(st, alice, "\xc3\xa9tude");
	is_int(store_room_name(st, "\xc3\x89tude", name, err, sizeof err), STORE_NOT_FOUND,
	       "letters beyond ASCII are compared exactly");
	other = open_store(lower, 1);
	ok(other && raw_int("SELECT count(*) FROM rooms WHERE name = 'ngs'") == 0,
	   "a persistent room of the configuration in another case is the room there");
	is_int(raw_int("SELECT persistent FROM rooms WHERE name = 'NGS'"), 1, "and persistent");
	store_close(other);
	if (!pg_url) {
		/* reopening with it takes no write lock: the store already agrees */
		sqlite3 *shell = NULL;

		sqlite3_open(path, &shell);
		sqlite3_exec(shell, "BEGIN EXCLUSIVE", NULL, NULL, NULL);
		t0 = now_ms();
		other = open_store(lower, 1);
		ok(other && now_ms() - t0 < 1000, "opened again at once, no rewrite of the rooms");
		store_close(other);
		sqlite3_exec(shell, "ROLLBACK", NULL, NULL, NULL);
		sqlite3_close(shell);
	}
	other = open_store((const char *[]){ NGS }, 1);
	store_close(other);
}

/* An author who left the room is outside it: their messages there are
 * no more theirs to edit, remove or mark than anyone's outside (admins
 * still act by id). */
static void test_author_left(struct store *st, const struct user *carol, const struct user *dave)
{
	long long id, ev, m;

	store_join(st, carol, "passing", 0, &id, err, sizeof err);
	m = post(st, carol, "passing", 0, "written before leaving");
	is_int(store_leave(st, carol, "passing", &id, err, sizeof err), STORE_OK, "carol leaves");
	is_int(store_edit(st, carol, m, "after", 3600, edited, &ev, err, sizeof err), STORE_NOT_FOUND,
	       "her edit of her message in the room left: not found");
	ok(strncmp(err, "no message ", 11) == 0 && strstr(err, "removed") == NULL,
	   "the answer of a message that does not exist");
	is_int(store_solve(st, carol, m, 1, by, at, &ev, err, sizeof err), STORE_NOT_FOUND,
	       "marking it solved: not found");
	is_int(store_delete(st, carol, m, &ev, err, sizeof err), STORE_NOT_FOUND,
	       "removing it: not found");
	store_join(st, carol, "passing", 0, &id, err, sizeof err);
	is_int(store_edit(st, carol, m, "after", 3600, edited, &ev, err, sizeof err), STORE_OK,
	       "back in the room, she edits it");
	store_leave(st, carol, "passing", &id, err, sizeof err);
	is_int(store_delete(st, dave, m, &ev, err, sizeof err), STORE_OK,
	       "an admin outside the room removes it");
}

void test_conversations(struct store *st, struct user *u)
{
	struct user *alice = &u[0], *bob = &u[1], *carol = &u[2], *dave = &u[3];
	long long root = 0, r2 = 0, since;

	store_max_id(st, &since, err, sizeof err);
	test_replies(st, alice, bob, carol, &root, &r2);
	test_threads(st, alice, bob, carol, root, r2);
	test_edits(st, alice, bob, carol, dave);
	test_reactions(st, alice, bob, carol, root);
	test_solved(st, alice, bob, carol, dave, root);
	test_author_left(st, carol, dave);
	test_open(st, alice, bob, carol, dave);
	test_direct_history(st, alice, bob, carol);
	test_room_case(st, alice, bob);
	for (int i = 0; i < 4; i++)   /* erin is in none of these rooms */
		check_visible_from(st, &u[i], since, "replies, edits, reactions, solved marks");
}

void test_prune_threads(struct store *st, struct user *u, long long root, long long reply_id)
{
	struct store_events evs = { 0 };
	json_object *rj = NULL, *o;
	long long root_id;
	char sql[256];
	int more;

	snprintf(sql, sizeof sql, "SELECT count(*) FROM events WHERE id = %lld", root);
	is_int(raw_int(sql), 0, "the old root was pruned");
	snprintf(sql, sizeof sql, "SELECT count(*) FROM reactions WHERE message_id = %lld", root);
	is_int(raw_int(sql), 0, "its reactions went with it");
	snprintf(sql, sizeof sql, "SELECT count(*) FROM message_versions WHERE message_id = %lld", root);
	is_int(raw_int(sql), 0, "and its earlier versions");
	o = read_event(st, u[0].id, reply_id);
	ok(o && has(json_object_object_get(o, "reply_to"), "pruned") &&
	   has(json_object_object_get(o, "reply_to"), "deleted") &&
	   !has(json_object_object_get(o, "reply_to"), "user"),
	   "a reply to it reads reply_to as pruned");
	json_object_put(o);
	is_int(thread(st, &u[0], root, 0, 50, &root_id, &rj, &evs, &more), STORE_OK,
	       "its thread, by the root's id, still works");
	ok(!rj && root_id == root && has_id(&evs, reply_id), "without a root, with the replies left");
	store_events_clear(&evs);
	is_int(thread(st, &u[0], reply_id, 0, 50, &root_id, &rj, &evs, &more), STORE_OK,
	       "and by a reply's id");
	ok(!rj && root_id == root && has_id(&evs, reply_id), "the same");
	store_events_clear(&evs);
	is_int(thread(st, &u[2], root, 0, 50, &root_id, &rj, &evs, &more), STORE_NOT_FOUND,
	       "still not for carol, outside its room");
	json_object_put(rj);
}

/* ---- upgrades ---- */

/* What an old store holds, in SQL both dialects take; the rows are the
 * same at every version since 1 (mutes: 2). */
static const char *const old_rows[] = {
	"INSERT INTO users (id, username, email, gravatar, first_seen, last_seen) VALUES"
	" (1, 'alice', 'a@x', '00000000000000000000000000000001', '2025-01-01T00:00:00.000Z',"
	"  '2025-01-01T00:00:00.000Z'),"
	" (2, 'bob', 'b@x', '00000000000000000000000000000002', '2025-01-01T00:00:00.000Z',"
	"  '2025-01-01T00:00:00.000Z')",
	"INSERT INTO rooms (name, persistent, created) VALUES ('all', 1, '2025-01-01T00:00:00.000Z'),"
	" ('RNA-Seq', 1, '2025-01-01T00:00:00.000Z'), ('rna-seq', 0, '2025-01-02T00:00:00.000Z'),"
	" ('ALL', 0, '2025-01-03T00:00:00.000Z')",
	"INSERT INTO members (room_id, user_id, joined_at) SELECT id, 1, '2025-01-01T00:00:00.000Z'"
	" FROM rooms WHERE name IN ('RNA-Seq', 'rna-seq', 'ALL')",
	"INSERT INTO events (ts, type, room_id, user_id, username, text) SELECT"
	" '2025-01-04T00:00:00.000Z', 'message', id, 1, 'alice', 'kept words in ' || name"
	" FROM rooms ORDER BY id",
	"INSERT INTO events (ts, type, user_id, username, to_user_id, text) VALUES"
	" ('2025-01-05T00:00:00.000Z', 'direct', 1, 'alice', 2, 'a kept secret')",
	"INSERT INTO events (ts, type, room_id, user_id, username, text, deleted_by, deleted_at)"
	" SELECT '2025-01-06T00:00:00.000Z', 'message', id, 1, 'alice', 'removed words', 1,"
	" '2025-01-07T00:00:00.000Z' FROM rooms WHERE name = 'RNA-Seq'",
	"INSERT INTO events (ts, type, room_id, user_id, username, target) SELECT"
	" '2025-01-07T00:00:00.000Z', 'delete', room_id, 1, 'alice', id FROM events"
	" WHERE text = 'removed words'",
	/* the newest event went by hand: the ids go on after it all the same */
	"INSERT INTO events (ts, type, room_id, user_id, username, text) VALUES"
	" ('2025-01-08T00:00:00.000Z', 'message', 1, 1, 'alice', 'deleted by hand')",
	"DELETE FROM events WHERE text = 'deleted by hand'",
};

/* Runs sql on the old store's database: 0, or -1 (said). */
static int old_exec(sqlite3 *db, PGconn *pg, const char *sql)
{
	if (db && sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) {
		printf("# %s: %s\n", sql, sqlite3_errmsg(db));
		return -1;
	}
	if (pg) {
		PGresult *r = PQexec(pg, sql);
		int bad = PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK;

		if (bad)
			printf("# %.60s: %s", sql, PQerrorMessage(pg));
		PQclear(r);
		return bad ? -1 : 0;
	}
	return 0;
}

/* Makes an old store at version (as that galaxy-chat's upgrade steps made
 * it) and fills it: on db (SQLite) or pg. 0, or -1. */
static int old_store(sqlite3 *db, PGconn *pg, int version)
{
	char sql[128];
	int bad = 0;

	for (int v = 0; v < version && !bad; v++)
		bad = old_exec(db, pg, db ? sqls_schema[v] : pgs_schema_sql[v]);
	snprintf(sql, sizeof sql, db ? "PRAGMA user_version = %d"
	         : "CREATE TABLE chat_schema (version integer NOT NULL); INSERT INTO chat_schema"
	           " VALUES (%d)", version);
	bad = bad || old_exec(db, pg, sql);
	for (size_t i = 0; i < sizeof old_rows / sizeof *old_rows && !bad; i++)
		bad = old_exec(db, pg, old_rows[i]);
	if (version >= 2 && !bad)
		bad = old_exec(db, pg, "INSERT INTO mutes (user_id, until, muted_by, muted_at) VALUES"
		               " (2, '2999-01-01T00:00:00.000Z', 1, '2025-01-01T00:00:00.000Z')");
	return bad ? -1 : 0;
}

/* The checks on an upgraded store (the old store's rows of old_rows). */
static void upgraded_checks(int version)
{
	struct user alice = user_make(1, "alice"), bob = user_make(2, "bob");
	struct store_events evs = { 0 };
	json_object *twins = NULL;
	long long before_max = raw_int("SELECT max(id) FROM events"), ev, id;
	char name[128], room[ROOM_NAME_BUF];
	struct store *st;
	int more;

#define UPG(what) (snprintf(name, sizeof name, "from version %d: %s", version, what), name)
	st = open_store(NULL, 0);
	if (!ok(st != NULL, UPG("the store opens")))
		return;
	is_int(raw_int(pg_url ? "SELECT version FROM chat_schema" : "PRAGMA user_version"), 7,
	       UPG("upgraded to version 7, step by step"));
	is_int(raw_int("SELECT count(*) FROM users"), 2, UPG("users intact"));
	is_int(raw_int("SELECT count(*) FROM rooms"), 4, UPG("rooms intact, both spellings kept"));
	is_int(raw_int("SELECT count(*) FROM members"), 3, UPG("members intact"));
	is_int(raw_int("SELECT count(*) FROM events WHERE text LIKE 'kept words in %'"), 4,
	       UPG("messages intact"));
	is_int(raw_int("SELECT count(*) FROM events WHERE text = 'removed words'"
	               " AND deleted_at IS NOT NULL AND deleted_by = 1"), 1,
	       UPG("a removed message stays removed, its text kept"));
	is_int(raw_int("SELECT count(*) FROM events WHERE type = 'delete' AND target IS NOT NULL"), 1,
	       UPG("its delete event"));
	if (version >= 2)
		is_int(raw_int("SELECT count(*) FROM mutes"), 1, UPG("mutes intact"));
	is_int(raw_int("SELECT count(*) FROM rooms WHERE name_key IS NULL"), 2,
	       UPG("the later spellings have no key"));
	is_int(store_room_twins(st, &twins, err, sizeof err), STORE_OK, UPG("store_room_twins"));
	is_str(twins ? json_object_to_json_string_ext(twins, JSON_C_TO_STRING_PLAIN) : NULL,
	       "[[\"rna-seq\",\"RNA-Seq\"],[\"ALL\",\"all\"]]", UPG("lists each with the older room"));
	json_object_put(twins);
	is_int(search(st, alice.id, "kept words", NULL, 0, 10, NULL, NULL, NULL), 4,
	       UPG("old messages are searched: all and the three rooms alice is in"));
	if (!pg_url)
		is_int(raw_exec("INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')"),
		       SQLITE_OK, UPG("the search index matches the events"));
	store_room_name(st, "rna-seq", room, err, sizeof err);
	is_str(room, "rna-seq", UPG("the exact spelling reaches its own room"));
	store_room_name(st, "Rna-Seq", room, err, sizeof err);
	is_str(room, "RNA-Seq", UPG("another spelling reaches the older room"));
	store_room_name(st, "ALL", room, err, sizeof err);
	is_str(room, "ALL", UPG("ALL, made before, is still its own room"));
	store_history(st, alice.id, "rna-seq", 0, 50, &evs, &more, err, sizeof err);
	ok(evs.n == 1 && strstr(evs.v[0].json, "kept words in rna-seq"), UPG("history of each"));
	store_events_clear(&evs);
	id = raw_int("SELECT id FROM events WHERE text = 'kept words in RNA-Seq'");
	is_int(store_edit(st, &alice, id, "edited after the upgrade", 0, edited, &ev, err, sizeof err),
	       STORE_OK, UPG("an old message can be edited"));
	ok(ev > before_max + 1, UPG("ids go on past every id used before"));
	is_int(store_react(st, &alice, id, "\xf0\x9f\x91\x8d", 1, &ev, err, sizeof err), STORE_OK,
	       UPG("reacted to"));
	is_int(search(st, alice.id, "upgrade", NULL, 0, 10, NULL, NULL, NULL), 1,
	       UPG("the index follows the edit"));
	if (version >= 2)
		ok(post(st, &bob, NULL, alice.id, "muted?") == 0 && strstr(err, "muted"),
		   UPG("a mute of before still holds"));
	is_int(raw_exec("INSERT INTO events (ts, type, user_id, username) VALUES"
	                " ('2026-01-01T00:00:00.000Z', 'pin', 1, 'alice')"), 0,
	       UPG("the planned types are admitted (pin)"));
	ok(raw_exec("INSERT INTO events (ts, type, user_id, username) VALUES"
	            " ('2026-01-01T00:00:00.000Z', 'bogus', 1, 'alice')") != 0,
	   UPG("others are not"));
	raw_exec("DELETE FROM events WHERE type = 'pin'");
	store_close(st);
#undef UPG
}

void test_upgrades(void)
{
	char saved[sizeof path];
	const char *saved_url = pg_url;
	char saved_conninfo[sizeof conninfo];
	const char *old_url = getenv("GC_TEST_PG_OLD_STORE");
	struct dburl url;

	if (!pg_url) {
		snprintf(saved, sizeof saved, "%s", path);
		for (int version = 1; version <= 2; version++) {
			sqlite3 *db = NULL;

			snprintf(path, sizeof path, "%s/v%d.sqlite", dir, version);
			sqlite3_open(path, &db);
			ok(old_store(db, NULL, version) == 0, version == 1 ? "a version 1 store, made by its steps"
			                                             : "a version 2 store, made by its steps");
			sqlite3_close(db);
			upgraded_checks(version);
		}
		snprintf(path, sizeof path, "%s", saved);
		return;
	}
	if (!old_url || dburl_parse(old_url, NULL, &url, err, sizeof err) < 0) {
		ok(0, "GC_TEST_PG_OLD_STORE names a second, empty database");
		return;
	}
	PGconn *pg = PQconnectdb(url.pg_conninfo);
	ok(old_store(NULL, pg, 2) == 0, "a version 2 PostgreSQL store, made by its steps");
	PQfinish(pg);
	snprintf(saved_conninfo, sizeof saved_conninfo, "%s", conninfo);
	snprintf(conninfo, sizeof conninfo, "%s", url.pg_conninfo);
	pg_url = old_url;
	upgraded_checks(2);
	pg_url = saved_url;
	snprintf(conninfo, sizeof conninfo, "%s", saved_conninfo);
	dburl_free(&url);
}
