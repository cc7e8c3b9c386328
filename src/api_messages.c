/*
 * api_messages.c - POST /v1/messages: a message to a room, or a direct
 * message to one user; client_id makes retries safe. The body is checked
 * by api_message_parse(), a pure function the fuzzer drives.
 */
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "cfg.h"
#include "ratelimit.h"
#include "room.h"
#include "store.h"
#include "utf8.h"

#define CLIENT_ID_MAX 128

/* The checks of api_message_parse on m's strings: 0, or a status with err. */
static int api_message_check(const struct api_message *m, size_t max_text, char *err, size_t errlen)
{
	if (!m->room == !m->to) {
		snprintf(err, errlen, "give either \"room\" or \"to\"");
		return 400;
	}
	if (m->room && room_validate(m->room, strlen(m->room), err, errlen) < 0)
		return 400;
	if (m->to && (!*m->to || strlen(m->to) >= USER_NAME_MAX ||
	              utf8_scan(m->to, strlen(m->to), UTF8_CONTROL, NULL) != strlen(m->to))) {
		snprintf(err, errlen, "\"to\" must be a username");
		return 400;
	}
	if (!m->text || strspn(m->text, " \t\r\n") == strlen(m->text)) {
		snprintf(err, errlen, "\"text\" must be a non-empty string");
		return 400;
	}
	if (strlen(m->text) > max_text) {
		snprintf(err, errlen, "text is %zu bytes, over the limit of %zu", strlen(m->text), max_text);
		return 413;
	}
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
	if (api_json_string(m->obj, "room", &m->room, err, errlen) < 0 ||
	    api_json_string(m->obj, "to", &m->to, err, errlen) < 0 ||
	    api_json_string(m->obj, "text", &m->text, err, errlen) < 0 ||
	    api_json_string(m->obj, "client_id", &m->client_id, err, errlen) < 0)
		status = 400;
	else
		status = api_message_check(m, max_text, err, errlen);
	if (status) {
		json_object_put(m->obj);
		memset(m, 0, sizeof *m);
	}
	return status;
}

void api_post_message(struct call *c)
{
	char err[256] = "", ts[32] = "";
	long long id = 0, to_id = 0;
	int created = 0, rc;
	struct api_message m;

	rc = api_message_parse(c->req->body, c->req->body_len, c->cfg->max_message_bytes, &m,
	                       err, sizeof err);
	if (rc) {
		reply_error(c->rep, rc, "%s", err);
		return;
	}
	if (api_store_unusable(c) || api_rate_limited(c, RATE_SEND) ||
	    (m.to && !api_find_user(c, m.to, &to_id)))
		goto out;
	rc = store_post(c->store, &c->user, m.room, to_id, m.text, m.client_id, &id, ts, &created,
	                err, sizeof err);
	if (rc == STORE_NOT_FOUND && m.to)
		api_no_user(c, m.to);   /* has never used the chat */
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
