/*
 * router.c - the route table and the checks in front of every handler:
 * 404 / 405, OPTIONS (CORS preflight), API.md's cross-site rules,
 * authentication, and how many heavy requests (searches) run at once.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "auth.h"
#include "cfg.h"
#include "httpparse.h"
#include "log.h"
#include "monotime.h"
#include "presence.h"
#include "router.h"
#include "store.h"

/* A route's path is a pattern: text that must be there as it is, and up
 * to two arguments (into c->arg, then c->arg2): "{}" one segment (no '/'),
 * or "{*}" anything up to the pattern's remaining text (a room name may
 * hold '/'): that text ends the path, or, when a "{}" follows, the longest
 * "{*}" after which the rest matches is taken. Arguments are never empty. */
struct route {
	const char *method;
	const char *pattern;
	api_fn fn;
	int open;              /* no authentication */
	enum route_class {
		ROUTE_WORKER,      /* runs on a worker */
		ROUTE_MEMORY,      /* may answer from memory alone (struct call's memory_only) */
		ROUTE_HEAVY,       /* a read that may take long: at most max_searches at once */
		ROUTE_STREAM,      /* ROUTE_MEMORY's, answered as a stream (struct call's stream) */
	} class;
};

static const struct route routes[] = {
	{ "GET", "/v1/health", api_health, 1, ROUTE_WORKER },
	{ "GET", "/v1/metrics", api_metrics, 1, ROUTE_WORKER },
	{ "GET", "/v1/me", api_me, 0, ROUTE_WORKER },
	{ "POST", "/v1/me/presence", api_me_presence, 0, ROUTE_WORKER },
	{ "GET", "/v1/rooms", api_rooms, 0, ROUTE_WORKER },
	{ "POST", "/v1/rooms/{*}/join", api_room_join, 0, ROUTE_WORKER },
	{ "POST", "/v1/rooms/{*}/leave", api_room_leave, 0, ROUTE_WORKER },
	{ "GET", "/v1/rooms/{*}/messages", api_room_history, 0, ROUTE_WORKER },
	{ "GET", "/v1/rooms/{*}/who", api_room_who, 0, ROUTE_WORKER },
	{ "GET", "/v1/rooms/{*}/open", api_room_open, 0, ROUTE_WORKER },
	{ "PUT", "/v1/rooms/{*}/topic", api_room_topic, 0, ROUTE_WORKER },
	{ "PUT", "/v1/rooms/{*}/pins/{}", api_pin, 0, ROUTE_WORKER },
	{ "DELETE", "/v1/rooms/{*}/pins/{}", api_unpin, 0, ROUTE_WORKER },
	{ "POST", "/v1/messages", api_post_message, 0, ROUTE_WORKER },
	{ "GET", "/v1/events", api_events, 0, ROUTE_MEMORY },
	{ "GET", "/v1/stream", api_events, 0, ROUTE_STREAM },
	{ "DELETE", "/v1/messages/{}", api_delete_message, 0, ROUTE_WORKER },
	{ "PATCH", "/v1/messages/{}", api_edit_message, 0, ROUTE_WORKER },
	{ "GET", "/v1/messages/{}/thread", api_thread, 0, ROUTE_WORKER },
	{ "PUT", "/v1/messages/{}/reactions/{}", api_react, 0, ROUTE_WORKER },
	{ "DELETE", "/v1/messages/{}/reactions/{}", api_unreact, 0, ROUTE_WORKER },
	{ "PUT", "/v1/messages/{}/solved", api_solve, 0, ROUTE_WORKER },
	{ "DELETE", "/v1/messages/{}/solved", api_unsolve, 0, ROUTE_WORKER },
	{ "GET", "/v1/direct/{}/messages", api_direct_history, 0, ROUTE_WORKER },
	{ "POST", "/v1/users/{*}/mute", api_mute, 0, ROUTE_WORKER },
	{ "DELETE", "/v1/users/{*}/mute", api_unmute, 0, ROUTE_WORKER },
	{ "GET", "/v1/search", api_search, 0, ROUTE_HEAVY },
	{ "GET", "/v1/objects", api_objects, 0, ROUTE_WORKER },
	{ "POST", "/v1/read", api_read, 0, ROUTE_WORKER },
	{ "GET", "/v1/unread", api_unread, 0, ROUTE_WORKER },
	{ "GET", "/v1/me/settings", api_settings, 0, ROUTE_WORKER },
	{ "PUT", "/v1/me/settings", api_settings_put, 0, ROUTE_WORKER },
};

#define ROUTER_N (sizeof routes / sizeof *routes)

const char *router_route_name(size_t i)
{
	static char names[ROUTER_N][64];   /* made once, before the threads start */

	if (i >= ROUTER_N)
		return NULL;
	if (!names[i][0])
		snprintf(names[i], sizeof names[i], "%s %s", routes[i].method, routes[i].pattern);
	return names[i];
}

/* Copies len bytes of s into arg (a buffer of size) as a string: 0, or -1
 * when they do not fit or are none. */
static int router_arg(char *arg, size_t size, const char *s, size_t len)
{
	if (len == 0 || len >= size)
		return -1;
	memcpy(arg, s, len);
	arg[len] = '\0';
	return 0;
}

/* 1 when path matches pattern (struct route), its arguments from the n-th
 * on going to c->arg and c->arg2. */
static int router_match(const char *pattern, const char *path, struct call *c, size_t n)
{
	struct { char *buf; size_t size; } args[] = { { c->arg, sizeof c->arg },
	                                              { c->arg2, sizeof c->arg2 } };
	const char *p = pattern;
	size_t len;

	for (;;) {
		len = strcspn(p, "{");
		if (strncmp(path, p, len) != 0)
			return 0;
		p += len;
		path += len;
		if (!*p)
			return !*path;
		if (n == sizeof args / sizeof *args)
			return 0;
		if (strncmp(p, "{*}", 3) == 0) {
			const char *rest = p + 3;
			size_t plen = strlen(path), lit = strcspn(rest, "{"), rlen = strlen(rest);

			if (!rest[lit])   /* the rest of the pattern ends the path */
				return plen > rlen && strcmp(path + plen - rlen, rest) == 0 &&
				       router_arg(args[n].buf, args[n].size, path, plen - rlen) == 0;
			for (const char *q = path + plen; q > path; q--)   /* the longest first */
				if (strncmp(q, rest, lit) == 0 &&
				    router_arg(args[n].buf, args[n].size, path, (size_t)(q - path)) == 0 &&
				    router_match(rest, q, c, n + 1))
					return 1;
			return 0;
		}
		len = strcspn(path, "/");
		if (strncmp(p, "{}", 2) != 0 || router_arg(args[n].buf, args[n].size, path, len) < 0)
			return 0;
		n++;
		p += 2;
		path += len;
	}
}

static int router_is_json(const char *ct)
{
	static const char want[] = "application/json";
	if (!ct || strncasecmp(ct, want, sizeof want - 1) != 0)
		return 0;
	ct += sizeof want - 1;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return *ct == '\0' || *ct == ';';
}

/* 1 when origin (may be NULL) is one of allowed_origins. */
static int router_origin_listed(const struct cfg *cfg, const char *origin)
{
	char norm[512];

	if (!origin || http_origin_normalize(origin, norm, sizeof norm) < 0)
		return 0;
	for (size_t i = 0; i < cfg->n_allowed_origins; i++)
		if (strcmp(norm, cfg->allowed_origins[i]) == 0)
			return 1;
	return 0;
}

/* 1 when origin's normal form norm is scheme://host[:port] of this request. */
static int router_origin_is(const char *norm, int https, const char *host, const char *port)
{
	char own[512], own_norm[512];

	if ((size_t)snprintf(own, sizeof own, "%s://%s%s%s", https ? "https" : "http", host,
	                     port ? ":" : "", port ? port : "") >= sizeof own)
		return 0;
	return http_origin_normalize(own, own_norm, sizeof own_norm) == 0 &&
	       strcmp(norm, own_norm) == 0;
}

int router_origin_allowed(const struct cfg *cfg, const struct request *req)
{
	char norm[512];

	if (!req->origin)
		return 1;   /* not a browser's cross-site request */
	if (router_origin_listed(cfg, req->origin))
		return 1;
	/* The request's own host, as the web server passed it (HTTP_HOST and
	 * HTTPS; never X-Forwarded-*). A forged Host gains nothing: the browser
	 * sends Galaxy's cookie only to Galaxy's own host. */
	if (!req->host || http_origin_normalize(req->origin, norm, sizeof norm) < 0)
		return 0;
	if (router_origin_is(norm, req->https, req->host, NULL))
		return 1;
	/* Debian's nginx passes HTTP_HOST as $host, without the port: then the
	 * port the web server listens on (SERVER_PORT) completes it. */
	const char *last = strrchr(req->host, ':');
	int has_port = last && !strchr(last, ']');
	return !has_port && req->server_port &&
	       router_origin_is(norm, req->https, req->host, req->server_port);
}

void router_cors(const struct cfg *cfg, const char *origin, struct reply *rep)
{
	if (!router_origin_listed(cfg, origin))
		return;
	reply_header(rep, "Access-Control-Allow-Origin", origin);
	reply_header(rep, "Access-Control-Allow-Credentials", "true");
	reply_header(rep, "Vary", "Origin");
}

/* The credentials of c's request. */
static struct auth_creds router_creds(const struct call *c)
{
	return (struct auth_creds){ c->req->cookie, c->req->api_key, c->req->api_key_repeated };
}

void router_auth_error(struct call *c, int result, const char *err)
{
	switch (result) {
	case AUTH_UNAVAILABLE:
		api_galaxy_unavailable(c, err);
		break;
	case AUTH_NO_COOKIE:
		reply_error(c->rep, 401, "no galaxysession cookie: log in to Galaxy first "
		            "(or send a Galaxy API key in X-API-Key)");
		break;
	case AUTH_BAD_KEY:
		reply_error(c->rep, 401, "X-API-Key must be one Galaxy API key: 32 lowercase "
		            "hexadecimal digits");
		break;
	case AUTH_NO_KEY:
		reply_error(c->rep, 401, "X-API-Key is not a valid Galaxy API key: use the "
		            "current key of a Galaxy user (User > Preferences > Manage API Key)");
		break;
	case AUTH_TWO_USERS:
		reply_error(c->rep, 400, "the galaxysession cookie and X-API-Key are of two "
		            "different users: send one of them");
		break;
	default:
		reply_error(c->rep, 401, "the galaxysession cookie is not a logged-in Galaxy session");
	}
}

/* Authenticates c; on failure fills the reply (or, from memory alone,
 * sets not_in_memory) and returns -1. */
static int router_authenticate(struct call *c)
{
	char err[256] = "";
	enum auth_result res = AUTH_OK;

	if (c->held && monotime_ms() < c->held->until_ms) {
		c->user = c->held->user;   /* what asking again would answer */
		c->auth_until = c->held->until_ms;
	} else {
		struct auth_creds cr = router_creds(c);
		res = c->memory_only ? auth_check_cached(c->auth, &cr, &c->user, &c->auth_until, err, sizeof err)
		                     : auth_check(c->auth, &cr, &c->user, &c->auth_until, err, sizeof err);
		if (res == AUTH_OK && c->held)
			*c->held = (struct auth_held){ .user = c->user, .until_ms = c->auth_until };
	}
	if (res == AUTH_NOT_CACHED) {
		c->not_in_memory = 1;
		return -1;
	}
	if (res != AUTH_OK) {
		router_auth_error(c, res, err);
		return -1;
	}
	if (c->memory_only) {
		if (presence_note(c->presence, &c->user))
			return 0;
		c->not_in_memory = 1;   /* the row needs writing */
		return -1;
	}
	if (c->store && store_user_seen(c->store, c->presence, &c->user, err, sizeof err) != STORE_OK)
		log_warning("store: recording %s as seen: %s", c->user.username, err);
	return 0;
}

/* Takes one of the process's max_searches places for a heavy route, so
 * that the other workers stay free for posts and polls: 0, or -1 with the
 * busy answer filled in when every place is taken. */
static int router_heavy_enter(struct call *c)
{
	if (!c->heavy || __atomic_add_fetch(c->heavy, 1, __ATOMIC_ACQ_REL) <= c->cfg->max_searches)
		return 0;
	__atomic_sub_fetch(c->heavy, 1, __ATOMIC_ACQ_REL);
	reply_header(c->rep, "Retry-After", "1");
	reply_error(c->rep, 503, "too many searches at once (max_searches = %d); try again in a moment",
	            c->cfg->max_searches);
	return -1;
}

void router_dispatch(struct call *c)
{
	const struct request *req = c->req;
	const struct route *hit = NULL;
	char allow[64] = "";

	c->route = -1;
	if (c->resume_route > 0 && (size_t)c->resume_route <= ROUTER_N &&
	    !strchr(routes[c->resume_route - 1].pattern, '{'))
		hit = &routes[c->resume_route - 1];
	for (size_t i = 0; !hit && i < ROUTER_N; i++) {
		if (!router_match(routes[i].pattern, req->path, c, 0))
			continue;
		if (strcmp(routes[i].method, req->method) == 0) {
			hit = &routes[i];
			break;
		}
		if (!strstr(allow, routes[i].method))
			snprintf(allow + strlen(allow), sizeof allow - strlen(allow), "%s%s",
			         allow[0] ? ", " : "", routes[i].method);
	}
	c->stream = hit && hit->class == ROUTE_STREAM;
	if (c->memory_only && !(hit && (hit->class == ROUTE_MEMORY || c->stream))) {
		c->not_in_memory = 1;
		return;
	}
	if (!hit && allow[0] && strcmp(req->method, "OPTIONS") == 0) {
		/* a CORS preflight: approved (by router_cors' headers, added to
		 * every response) only for allowed_origins */
		reply_header(c->rep, "Allow", allow);
		if (router_origin_listed(c->cfg, req->origin)) {
			reply_header(c->rep, "Access-Control-Allow-Methods", allow);
			reply_header(c->rep, "Access-Control-Allow-Headers", "Content-Type");
			reply_header(c->rep, "Access-Control-Max-Age", "600");
		}
		c->rep->status = 204;
		return;
	}
	if (!hit) {
		if (allow[0]) {
			reply_header(c->rep, "Allow", allow);
			reply_error(c->rep, 405, "%s is not allowed here; use %s", req->method, allow);
		} else {
			reply_error(c->rep, 404, "no such route: %s", req->path);
		}
		return;
	}
	if (strcmp(hit->method, "GET") != 0) {
		if (!router_is_json(req->content_type)) {
			reply_error(c->rep, 403, "state-changing requests need Content-Type: application/json");
			return;
		}
		/* the Origin check keeps other sites from using the browser's
		 * cookie; a request with an API key and no session cookie carries
		 * nothing a browser adds by itself (doc/security.md) */
		struct auth_creds cr = router_creds(c);
		if (!auth_by_key_alone(&cr) && !router_origin_allowed(c->cfg, req)) {
			reply_error(c->rep, 403, "requests from origin %s are not allowed", req->origin);
			return;
		}
	}
	c->route = (int)(hit - routes);
	if (!hit->open && router_authenticate(c) < 0)
		return;
	if (hit->class == ROUTE_HEAVY && router_heavy_enter(c) < 0)
		return;
	hit->fn(c);
	if (hit->class == ROUTE_HEAVY && c->heavy)
		__atomic_sub_fetch(c->heavy, 1, __ATOMIC_ACQ_REL);
}
