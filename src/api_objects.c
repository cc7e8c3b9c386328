/*
 * api_objects.c - GET /v1/objects?url=URL: the card of the Galaxy object a
 * link names, for the reader, or 404 (doc/api.md "Object cards").
 *
 * galaxyurl.c says what the link names, galaxyid.c decodes its id,
 * galaxydb_cards.c applies Galaxy's rules (galaxydb_cards_sql.c) in one
 * query (through auth's pool and per-reader cache). An object that does
 * not exist, one the reader may not open and an id that does not decode
 * get one answer, so a card never tells that something private exists. A
 * tool's card comes from the link alone. Every request counts against
 * object_rate.
 */
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "auth.h"
#include "cfg.h"
#include "galaxydb_cards.h"
#include "galaxyid.h"
#include "galaxyurl.h"
#include "httpparse.h"
#include "ratelimit.h"

#define OBJECTS_NOT_FOUND "no such Galaxy object, or you may not see it"

/* A page of Galaxy's for an object: galaxy_url, before, the id, after. */
struct objects_page {
	const char *before, *after;
};

/* Each kind's page, and the page where its owner shares it (none for a
 * job: it is visible when its outputs are). */
static const struct {
	struct objects_page view, sharing;
} objects_pages[] = {
	[GALAXYURL_HISTORY] = { { "/histories/view?id=", "" }, { "/histories/sharing?id=", "" } },
	[GALAXYURL_DATASET] = { { "/datasets/", "/details" }, { "/datasets/", "/edit" } },
	[GALAXYURL_JOB] = { { "/jobs/", "/view" }, { NULL, NULL } },
	[GALAXYURL_WORKFLOW] = { { "/published/workflow?id=", "" }, { "/workflows/sharing?id=", "" } },
};

/* A string, or JSON null for "". */
static json_object *objects_text(const char *s)
{
	return s && *s ? json_object_new_string(s) : NULL;
}

/* A number, or JSON null for -1 (SQL NULL). */
static json_object *objects_number(long long v)
{
	return v < 0 ? NULL : json_object_new_int64(v);
}

/* The URL of page for id, as a new JSON string. */
static json_object *objects_url(const struct cfg *cfg, const struct objects_page *page,
                                const char *id)
{
	char url[GALAXYURL_BASE_MAX + GALAXYID_MAX_HEX + 64];

	snprintf(url, sizeof url, "%s%s%s%s", cfg->galaxy_url, page->before, id, page->after);
	return json_object_new_string(url);
}

/* The card of a tool link: what the link says, nothing from the database. */
static json_object *objects_tool(const struct cfg *cfg, const struct galaxyurl_ref *ref)
{
	char name[GALAXYURL_NAME_MAX + 1], url[GALAXYURL_BASE_MAX + 2 * GALAXYURL_NAME_MAX + 32];
	json_object *o = json_object_new_object();

	galaxyurl_tool_name(ref->tool, name, sizeof name, NULL, 0);
	snprintf(url, sizeof url, "%s/root?tool_id=%s%s%s", cfg->galaxy_url, ref->tool,
	         ref->version[0] ? "&version=" : "", ref->version);
	json_object_object_add(o, "kind", json_object_new_string("tool"));
	json_object_object_add(o, "id", json_object_new_string(ref->tool));
	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "owner", NULL);
	json_object_object_add(o, "url", json_object_new_string(url));
	json_object_object_add(o, "version", objects_text(ref->version));
	json_object_object_add(o, "deleted", json_object_new_boolean(0));
	json_object_object_add(o, "visible_to_others", json_object_new_boolean(1));
	json_object_object_add(o, "sharing_url", NULL);
	return o;
}

/* The card of a database object, as JSON. */
static json_object *objects_card(const struct cfg *cfg, const struct cookie_cipher *cipher,
                                 enum galaxyurl_kind kind, const struct galaxydb_card *card)
{
	char id[GALAXYID_MAX_HEX + 1], hid[GALAXYID_MAX_HEX + 1], tool[GALAXYDB_CARD_TEXT];
	const struct objects_page *sharing = &objects_pages[kind].sharing;
	json_object *o = json_object_new_object();

	if (galaxyid_encode(cipher, card->id, id) < 0)
		id[0] = '\0';
	json_object_object_add(o, "kind", json_object_new_string(galaxyurl_kind_name(kind)));
	json_object_object_add(o, "id", json_object_new_string(id));
	if (kind == GALAXYURL_JOB) {
		galaxyurl_tool_name(card->tool_id, tool, sizeof tool, NULL, 0);
		json_object_object_add(o, "name", objects_text(tool));
	} else {
		json_object_object_add(o, "name", json_object_new_string(card->name));
	}
	json_object_object_add(o, "owner", objects_text(card->owner));
	json_object_object_add(o, "url", objects_url(cfg, &objects_pages[kind].view, id));
	json_object_object_add(o, "deleted", json_object_new_boolean(card->deleted));
	json_object_object_add(o, "visible_to_others", json_object_new_boolean(card->visible_to_others));
	json_object_object_add(o, "sharing_url",
	                       sharing->before && card->reader_owns && !card->visible_to_others &&
	                       !card->deleted ? objects_url(cfg, sharing, id) : NULL);
	switch (kind) {
	case GALAXYURL_HISTORY:
		json_object_object_add(o, "size", objects_number(card->size));
		json_object_object_add(o, "datasets", objects_number(card->count));
		json_object_object_add(o, "updated", objects_text(card->updated));
		break;
	case GALAXYURL_DATASET: {
		json_object *h = NULL;
		json_object_object_add(o, "hid", objects_number(card->hid));
		json_object_object_add(o, "extension", objects_text(card->extension));
		json_object_object_add(o, "state", objects_text(card->state));
		json_object_object_add(o, "size", objects_number(card->size));
		if (card->history_id > 0 &&
		    galaxyid_encode(cipher, card->history_id, hid) == 0) {
			h = json_object_new_object();
			json_object_object_add(h, "id", json_object_new_string(hid));
			json_object_object_add(h, "name", json_object_new_string(card->history_name));
			json_object_object_add(h, "url",
			                       objects_url(cfg, &objects_pages[GALAXYURL_HISTORY].view, hid));
		}
		json_object_object_add(o, "history", h);
		break;
	}
	case GALAXYURL_JOB:
		json_object_object_add(o, "tool_id", objects_text(card->tool_id));
		json_object_object_add(o, "tool_version", objects_text(card->tool_version));
		json_object_object_add(o, "state", objects_text(card->state));
		json_object_object_add(o, "exit_code", card->exit_code_known
		                       ? json_object_new_int64(card->exit_code) : NULL);
		json_object_object_add(o, "created", objects_text(card->created));
		break;
	default:
		json_object_object_add(o, "steps", objects_number(card->count));
		json_object_object_add(o, "updated", objects_text(card->updated));
	}
	return o;
}

void api_objects(struct call *c)
{
	char url[GALAXYURL_MAX + 1], err[256] = "";
	struct galaxyurl_ref ref;
	struct galaxydb_card card;
	long long id = 0;
	int rc, found = 0;

	if (api_rate_limited(c, RATE_OBJECT))
		return;
	rc = http_query_get(c->req->query, "url", url, sizeof url);
	if (rc != 1 || !url[0]) {
		reply_error(c->rep, 400, "url must be a link of 1 to %d bytes, percent-encoded",
		            GALAXYURL_MAX);
		return;
	}
	if (!c->cfg->galaxy_url ||
	    galaxyurl_parse(c->cfg->galaxy_url, url, strlen(url), &ref) == GALAXYURL_NONE) {
		reply_error(c->rep, 404, "not a link to an object of this site's Galaxy");
		return;
	}
	if (ref.kind == GALAXYURL_TOOL) {
		reply_json(c->rep, 200, objects_tool(c->cfg, &ref));
		return;
	}
	if (ref.by != GALAXYURL_BY_SLUG &&
	    galaxyid_decode(auth_cipher(c->auth), ref.id, strlen(ref.id), &id) < 0) {
		reply_error(c->rep, 404, OBJECTS_NOT_FOUND);
		return;
	}
	if (auth_card(c->auth, &c->user, &ref, id, &found, &card, err, sizeof err) != AUTH_OK) {
		api_galaxy_unavailable(c, err);
		return;
	}
	if (!found) {
		reply_error(c->rep, 404, OBJECTS_NOT_FOUND);
		return;
	}
	reply_json(c->rep, 200, objects_card(c->cfg, auth_cipher(c->auth), ref.kind, &card));
}
