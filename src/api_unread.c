/*
 * api_unread.c - what each user has read (doc/api.md "Mentions, read
 * markers and unread counts"): POST /v1/read moves a read marker, GET
 * /v1/unread counts what is left, for Galaxy's masthead badge and the
 * client's tabs; GET and PUT /v1/me/settings keep whether notify emails
 * the user.
 */
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "room.h"
#include "store.h"

/* The body of POST /v1/read: one of room and with, and id. 0, or -1 with
 * err. */
static int api_read_parse(json_object *body, const char **room, const char **with, long long *id,
                          char *err, size_t errlen)
{
	json_object *v;

	if (api_string_member(body, "room", room, err, errlen) < 0 ||
	    api_string_member(body, "with", with, err, errlen) < 0)
		return -1;
	if (!*room == !*with) {
		snprintf(err, errlen, "give either \"room\" or \"with\"");
		return -1;
	}
	if (!json_object_object_get_ex(body, "id", &v) || !json_object_is_type(v, json_type_int) ||
	    (*id = json_object_get_int64(v)) < 1) {
		snprintf(err, errlen, "\"id\" must be an event id (a whole number from 1)");
		return -1;
	}
	if (*room)
		return room_validate(*room, strlen(*room), err, errlen);
	if (!api_username_ok(*with)) {
		snprintf(err, errlen, "\"with\" must be a username");
		return -1;
	}
	return 0;
}

void api_read(struct call *c)
{
	char err[256] = "";
	const char *room = NULL, *with = NULL;
	json_object *body, *out = NULL;
	long long id = 0, peer = 0;
	int rc;

	if (!(body = api_body_object(c)))
		return;
	if (api_read_parse(body, &room, &with, &id, err, sizeof err) < 0) {
		reply_error(c->rep, 400, "%s", err);
	} else if (!api_store_unusable(c) && (!with || api_find_user(c, with, &peer))) {
		rc = store_read(c->store, &c->user, room, peer, id, &out, err, sizeof err);
		if (rc == STORE_OK)
			reply_json(c->rep, 200, out);
		else if (rc == STORE_NOT_FOUND && with)
			api_no_user(c, with);   /* has never used the chat */
		else
			api_store_failed(c, rc, err);
	}
	json_object_put(body);
}

void api_unread(struct call *c)
{
	char err[256] = "";
	json_object *out;
	int rc;

	if (api_store_unusable(c))
		return;
	if ((rc = store_unread(c->store, c->user.id, &out, err, sizeof err)) != STORE_OK)
		api_store_failed(c, rc, err);
	else
		reply_json(c->rep, 200, out);
}

/* Answers 200 {"email": email}. */
static void api_settings_reply(struct call *c, const char *email)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "email", json_object_new_string(email));
	reply_json(c->rep, 200, o);
}

void api_settings(struct call *c)
{
	char err[256] = "", email[16];
	int rc;

	if (api_store_unusable(c))
		return;
	if ((rc = store_email_get(c->store, c->user.id, email, err, sizeof err)) != STORE_OK)
		api_store_failed(c, rc, err);
	else
		api_settings_reply(c, email);
}

void api_settings_put(struct call *c)
{
	char err[256] = "";
	const char *email = NULL;
	json_object *body;
	int rc;

	if (!(body = api_body_object(c)))
		return;
	if (api_string_member(body, "email", &email, err, sizeof err) < 0 || !email) {
		reply_error(c->rep, 400, "\"email\" must be \"mentions\" or \"off\"");
	} else if (!api_store_unusable(c)) {
		if ((rc = store_email_set(c->store, c->user.id, email, err, sizeof err)) != STORE_OK)
			api_store_failed(c, rc, err);
		else
			api_settings_reply(c, email);
	}
	json_object_put(body);
}
