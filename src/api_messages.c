/*
 * api_messages.c - POST /v1/messages: a message to a room, or a direct
 * message to one user, perhaps a reply; client_id makes retries safe. The
 * body is checked by api_message_parse(), and an edit's body by
 * api_edit_parse() with the same text rules, pure functions the fuzzer
 * drives. The users the text mentions are found by Galaxy's current
 * usernames, as "to" is.
 */
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "auth.h"
#include "cfg.h"
#include "mention.h"
#include "postbatch.h"
#include "ratelimit.h"
#include "room.h"
#include "store.h"
#include "utf8.h"

#define CLIENT_ID_MAX 128

/* The number member key of o into *out (0 when absent or null): -1 with
 * err unless it is a whole number from 1 to 2^53. */
static int api_id_member(json_object *o, const char *key, long long *out, char *err, size_t errlen)
{
	json_object *v;

	*out = 0;
	if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
		return 0;
	if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 1 ||
	    json_object_get_int64(v) > 1LL << 53) {
		snprintf(err, errlen, "%s must be the id of a message: a whole number from 1", key);
		return -1;
	}
	*out = json_object_get_int64(v);
	return 0;
}

/* A message's text, for posting and editing alike: 0, or a status with err. */
static int api_text_check(const char *text, size_t max_text, char *err, size_t errlen)
{
	if (!text || strspn(text, " \t\r\n") == strlen(text)) {
		snprintf(err, errlen, "\"text\" must be a non-empty string");
		return 400;
	}
	if (strlen(text) > max_text) {
		snprintf(err, errlen, "text is %zu bytes, over the limit of %zu", strlen(text), max_text);
		return 413;
	}
	return 0;
}

/* The checks of api_message_parse on m's strings: 0, or a status with err. */
static int api_message_check(const struct api_message *m, size_t max_text, char *err, size_t errlen)
{
	int status;

	if (!m->room == !m->to) {
		snprintf(err, errlen, "give either \"room\" or \"to\"");
		return 400;
	}
	if (m->room && room_validate(m->room, strlen(m->room), err, errlen) < 0)
		return 400;
	if (m->to && !api_username_ok(m->to)) {
		snprintf(err, errlen, "\"to\" must be a username");
		return 400;
	}
	if ((status = api_text_check(m->text, max_text, err, errlen)) != 0)
		return status;
	if (m->client_id && (!*m->client_id || strlen(m->client_id) > CLIENT_ID_MAX ||
	                     utf8_scan(m->client_id, strlen(m->client_id), UTF8_CONTROL, NULL) !=
	                     strlen(m->client_id))) {
		snprintf(err, errlen, "client_id must be 1 to %d printable bytes", CLIENT_ID_MAX);
		return 400;
	}
	return 0;
}

int api_message_parse(const char *body, size_t len, size_t max_text, struct api_message *m,
                      char *err, size_t errlen)
{
	int status;

	memset(m, 0, sizeof *m);
	if (!(m->obj = api_json_object(body, len, err, errlen)))
		return 400;
	if (api_string_member(m->obj, "room", &m->room, err, errlen) < 0 ||
	    api_string_member(m->obj, "to", &m->to, err, errlen) < 0 ||
	    api_string_member(m->obj, "text", &m->text, err, errlen) < 0 ||
	    api_string_member(m->obj, "client_id", &m->client_id, err, errlen) < 0 ||
	    api_id_member(m->obj, "reply_to", &m->reply_to, err, errlen) < 0)
		status = 400;
	else
		status = api_message_check(m, max_text, err, errlen);
	if (status) {
		json_object_put(m->obj);
		memset(m, 0, sizeof *m);
	}
	return status;
}

int api_edit_parse(const char *body, size_t len, size_t max_text, json_object **obj,
                   const char **text, char *err, size_t errlen)
{
	int status;

	*text = NULL;
	if (!(*obj = api_json_object(body, len, err, errlen)))
		return 400;
	status = api_string_member(*obj, "text", text, err, errlen) < 0 ? 400
	         : api_text_check(*text, max_text, err, errlen);
	if (status) {
		json_object_put(*obj);
		*obj = NULL;
		*text = NULL;
	}
	return status;
}

/* The users m's text mentions (mention.h) as Galaxy names them now, into
 * found[0..*n) (their names in names): of a direct message only its
 * recipient to_id can be, and a name under which the chat never saw
 * anyone is dropped without asking Galaxy. 0, or -1 having answered. */
static int api_mentions(struct call *c, const struct api_message *m, long long to_id,
                        char (*names)[MENTION_NAME_MAX], struct store_mention *found, size_t *n)
{
	char err[256] = "";
	int k = mention_find(m->text, strlen(m->text), names, MENTION_MAX), r;
	long long id;

	*n = 0;
	if (k < 0) {
		reply_error(c->rep, 500, "out of memory");
		return -1;
	}
	for (int i = 0; i < k; i++) {
		if (m->to) {   /* found in Galaxy as it is: a lowercase username */
			if (strcmp(names[i], m->to) == 0)
				found[(*n)++] = (struct store_mention){ to_id, names[i] };
			continue;
		}
		if ((r = store_name_known(c->store, names[i], err, sizeof err)) < 0) {
			api_store_failed(c, STORE_ERROR, err);
			return -1;
		}
		if (r == 0)
			continue;
		switch (auth_find_user(c->auth, names[i], &id, err, sizeof err)) {
		case AUTH_OK:
			found[(*n)++] = (struct store_mention){ id, names[i] };
			break;
		case AUTH_UNAVAILABLE:
			api_galaxy_unavailable(c, err);
			return -1;
		default:   /* nobody holds the name in Galaxy now */
			break;
		}
	}
	return 0;
}

void api_post_message(struct call *c)
{
	char err[256] = "", ts[32] = "", names[MENTION_MAX][MENTION_NAME_MAX];
	long long id = 0, to_id = 0;
	int created = 0, rc;
	struct api_message m;
	struct store_mention mentions[MENTION_MAX];
	size_t n = 0;

	rc = api_message_parse(c->req->body, c->req->body_len, c->cfg->max_message_bytes, &m,
	                       err, sizeof err);
	if (rc) {
		reply_error(c->rep, rc, "%s", err);
		return;
	}
	if (api_store_unusable(c) || api_rate_limited(c, RATE_SEND) ||
	    (m.to && !api_find_user(c, m.to, &to_id)) || api_mentions(c, &m, to_id, names, mentions, &n) < 0)
		goto out;
	rc = postbatch_post(c->batch, c->store, &c->user, m.room, to_id, m.text, m.client_id,
	                    m.reply_to, mentions, n, &id, ts, &created, err, sizeof err);
	if (rc == STORE_NOT_FOUND && m.to && strncmp(err, "no message", 10) != 0)
		api_no_user(c, m.to);   /* has never used the chat (store.h) */
	else if (rc != STORE_OK)
		api_store_failed(c, rc, err);
	if (rc != STORE_OK)
		goto out;
	json_object *o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_int64(id));
	json_object_object_add(o, "ts", json_object_new_string(ts));
	reply_json(c->rep, created ? 201 : 200, o);
out:
	json_object_put(m.obj);
}
