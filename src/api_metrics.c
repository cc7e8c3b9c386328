/*
 * api_metrics.c - GET /v1/metrics: the host's metrics (metrics.h) in
 * Prometheus' text format 0.0.4, for the addresses in metrics_allow and
 * for Galaxy admins from anywhere; 403 for anyone else.
 */
#include <stdlib.h>

#include "addrlist.h"
#include "api.h"
#include "auth.h"
#include "cfg.h"
#include "log.h"
#include "metrics.h"
#include "store.h"

#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* 1 when c may read the metrics; else 0, having answered (403, or 503
 * when Galaxy's database cannot say whether its user is an admin). */
static int api_metrics_allowed(struct call *c)
{
	struct auth_creds cr = { c->req->cookie, c->req->api_key, c->req->api_key_repeated };
	enum auth_result res = AUTH_NO_COOKIE;
	char err[256] = "";

	if (addrlist_match(c->cfg->metrics_allow, c->cfg->n_metrics_allow, c->req->remote_addr))
		return 1;
	if (cr.cookie || cr.api_key)
		res = auth_check(c->auth, &cr, &c->user, NULL, err, sizeof err);
	if (res == AUTH_OK && c->user.admin)
		return 1;
	if (res == AUTH_UNAVAILABLE)
		api_galaxy_unavailable(c, err);
	else
		reply_error(c->rep, 403, "the metrics are for the addresses in metrics_allow and for "
		            "Galaxy admins only");
	return 0;
}

void api_metrics(struct call *c)
{
	char err[256] = "", *text;
	long long newest = -1;
	size_t len;

	if (!api_metrics_allowed(c))
		return;
	if (c->store && store_max_id(c->store, &newest, err, sizeof err) != STORE_OK) {
		log_error("metrics: store: %s", err);
		metrics_count(METRICS_STORE_ERROR);
		c->store_failed = 1;
		newest = -1;
	}
	if (!(text = metrics_text(newest, &len))) {
		reply_error(c->rep, 500, "out of memory");
		return;
	}
	reply_text(c->rep, 200, METRICS_CONTENT_TYPE, text, len);
	free(text);
}
