/*
 * api_search.c - GET /v1/search?q=WORDS&room=NAME&before=ID&limit=N:
 * full-text search over the messages the user may see, newest first,
 * stopped after search_timeout_ms with what it found ("partial").
 */
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "cfg.h"
#include "httpparse.h"
#include "ratelimit.h"
#include "room.h"
#include "search.h"
#include "store.h"
#include "utf8.h"

#define SEARCH_Q_MAX 256
#define SEARCH_DEFAULT 20
#define SEARCH_MAX 100

void api_search(struct call *c)
{
	char q[SEARCH_Q_MAX + 1], room[ROOM_MAX_BYTES + 1], err[256] = "";
	long long before = 0, limit = SEARCH_DEFAULT;
	json_object *results = NULL;
	int has_room, more = 0, partial = 0, rc;

	rc = http_query_get(c->req->query, "q", q, sizeof q);
	if (rc != 1 || utf8_scan(q, strlen(q), 0, NULL) != strlen(q)) {
		reply_error(c->rep, 400, "q must be 1 to %d bytes of UTF-8 words", SEARCH_Q_MAX);
		return;
	}
	if (search_check(q, err, sizeof err) < 0) {
		reply_error(c->rep, 400, "%s", err);
		return;
	}
	has_room = http_query_get(c->req->query, "room", room, sizeof room);
	if (has_room < 0 || (has_room == 1 && room_validate(room, strlen(room), err, sizeof err) < 0)) {
		reply_error(c->rep, 400, "%s", has_room < 0 ? "room is not a room name" : err);
		return;
	}
	if (api_page_args(c, SEARCH_MAX, &before, &limit) < 0 || api_store_unusable(c) ||
	    api_rate_limited(c, RATE_SEARCH))
		return;
	rc = store_search(c->store, c->user.id, q, has_room == 1 ? room : NULL, before, (int)limit,
	                  c->cfg->search_timeout_ms, &results, &more, &partial, err, sizeof err);
	if (rc != STORE_OK) {
		api_store_failed(c, rc, err);
		return;
	}
	json_object *o = json_object_new_object();
	json_object_object_add(o, "events", results);
	json_object_object_add(o, "more", json_object_new_boolean(more));
	json_object_object_add(o, "partial", json_object_new_boolean(partial));
	reply_json(c->rep, 200, o);
}
