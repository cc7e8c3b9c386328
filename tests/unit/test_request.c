/*
 * test_request.c - a request taken apart from its CGI variables and body:
 * every variable found in one walk, the first of a name winning, defaults,
 * and the malformed cases; the route found wherever a web server puts it
 * (request_route, with the variables each server was seen to send).
 */
#include <stdio.h>
#include <string.h>

#include "request.h"
#include "tap.h"

struct body {
	const char *text;
	size_t at;
};

static long body_read(void *rd, char *buf, size_t len)
{
	struct body *b = rd;
	size_t left = strlen(b->text) - b->at;

	if (len > left)
		len = left;
	memcpy(buf, b->text + b->at, len);
	b->at += len;
	return (long)len;
}

/* The variables one web server sends for one request, and the route. */
struct route_case {
	const char *script_name, *path_info, *request_uri, *want, *what;
};

static const struct route_case route_cases[] = {
	/* split at the mount point by the server: PATH_INFO as it is */
	{ "/chat/api", "/v1/health", "/chat/api/v1/health", "/v1/health",
	  "nginx's sample, Apache mod_fcgid and CGI, lighttpd under /chat/api: PATH_INFO" },
	{ "/chat/api", "/v1/rooms/a b/join", "/chat/api/v1/rooms/a%20b/join?x=1",
	  "/v1/rooms/a b/join", "... decoded by the server, REQUEST_URI not read" },
	{ "/v1/chat/api", "/v1/me", "/v1/chat/api/v1/me", "/v1/me",
	  "a split path works under a mount point holding /v1/" },
	{ "/chat/api", "/foo/v1/health", "/chat/api/foo/v1/health", "/chat/api/foo/v1/health",
	  "after a split, PATH_INFO is not searched: the whole path, for the 404" },
	{ "/chat/api", "/", "/chat/api/", "/chat/api/", "the mount point itself: the whole path" },
	/* split one segment late (lighttpd under /chat/api/) */
	{ "/chat/api/v1", "/health", "/chat/api/v1/health", "/v1/health",
	  "lighttpd under /chat/api/: SCRIPT_NAME /chat/api/v1, PATH_INFO /health" },
	{ "/chat/api/v1", "/rooms/v1/join", NULL, "/v1/rooms/v1/join",
	  "... a room called v1 in PATH_INFO" },
	{ "/chat/api/v", "1/health", NULL, "/v1/health", "a /v1/ across the two" },
	/* the whole path in PATH_INFO (h2o) */
	{ "", "/chat/api/v1/health", "/chat/api/v1/health", "/v1/health",
	  "h2o: SCRIPT_NAME empty, the whole path in PATH_INFO" },
	{ NULL, "/chat/api/v1/rooms/v1/join", NULL, "/v1/rooms/v1/join",
	  "the first /v1/ wins: a room called v1 does not move the route" },
	{ "", "/galaxy/chat/api/v1/users/x/v1/mute", NULL, "/v1/users/x/v1/mute",
	  "... nor does a /v1/ later in the route" },
	{ NULL, "/v1/me", NULL, "/v1/me", "a route alone (the tests' FastCGI client without SCRIPT_NAME)" },
	{ "", "/chat/api/", "/chat/api/", "/chat/api/", "no /v1/: the whole path, for the 404" },
	{ "", "/chat/api/v1", NULL, "/chat/api/v1", "/v1 without its slash is no segment start" },
	{ "", "/chat/apiv1/health", NULL, "/chat/apiv1/health", "v1/ inside a segment is not /v1/" },
	/* the whole path in SCRIPT_NAME (Apache mod_proxy_fcgi) */
	{ "/chat/api/v1/health", NULL, "/chat/api/v1/health", "/v1/health",
	  "mod_proxy_fcgi: the whole path in SCRIPT_NAME, no PATH_INFO" },
	{ "/chat/api/v1/rooms/a b/join", "", "/chat/api/v1/rooms/a%20b/join?x=1", "/v1/rooms/a b/join",
	  "... with an empty PATH_INFO" },
	{ "/chat/api/", NULL, NULL, "/chat/api/", "... no /v1/: the whole path" },
	/* only REQUEST_URI */
	{ NULL, NULL, "/chat/api/v1/rooms/a%20b/join?x=/v1/y", "/v1/rooms/a b/join",
	  "only REQUEST_URI: decoded, the query cut off (its /v1/ ignored)" },
	{ "", "", "/chat/api/v1/events?since=3", "/v1/events", "... with both others empty" },
	{ NULL, NULL, "/chat/api/%76%31/health", "/chat/api/v1/health",
	  "an escaped /v1/ is not the route's start" },
	{ NULL, NULL, "/chat/api/v1/rooms/a%zz/join", "", "a bad escape: no route" },
	{ NULL, NULL, "/chat/api/v1/rooms/a%00/join", "", "an escaped NUL: no route" },
	{ NULL, NULL, "?/v1/health", "", "nothing before the query" },
	{ NULL, NULL, NULL, "", "no variable at all: no route" },
};

static void test_route(void)
{
	char buf[REQUEST_MAX_ROUTE], small[8];
	char long_uri[REQUEST_MAX_ROUTE + 16] = "/chat/api/v1/";

	for (size_t i = 0; i < sizeof route_cases / sizeof route_cases[0]; i++) {
		const struct route_case *c = &route_cases[i];
		is_str(request_route(c->script_name, c->path_info, c->request_uri, buf, sizeof buf),
		       c->want, c->what);
	}
	is_str(request_route(NULL, NULL, "/a/v1/me", small, sizeof small), "/v1/me",
	       "a decoded route that just fits");
	is_str(request_route(NULL, NULL, "/a/v1/rooms", small, sizeof small), "",
	       "one that does not: no route");
	memset(long_uri + strlen(long_uri), 'x', REQUEST_MAX_ROUTE);
	long_uri[sizeof long_uri - 1] = '\0';
	is_str(request_route(NULL, NULL, long_uri, buf, sizeof buf), "",
	       "a route from REQUEST_URI longer than REQUEST_MAX_ROUTE: no route");
	is_str(request_route(NULL, NULL, "/v1/me", buf, 0), "", "no buffer: no route");
	is_str(request_route("/a/v1", "/me", NULL, small, sizeof small), "/v1/me",
	       "a route put together from both that just fits");
	is_str(request_route("/a/v1", "/rooms", NULL, small, sizeof small), "",
	       "one that does not: no route");
}

static enum request_problem parse(struct request *r, char *const *envp, const char *body)
{
	static char err[256];
	struct body b = { body ? body : "", 0 };

	return request_read(r, envp, body_read, &b, 1024, err, sizeof err);
}

int main(void)
{
	struct request r;
	char *full[] = {
		"SCRIPT_NAME=/chat/api", "REQUEST_METHOD=POST", "PATH_INFO=/v1/messages",
		"QUERY_STRING=a=b", "HTTP_COOKIE=galaxysession=abc", "CONTENT_TYPE=application/json",
		"HTTP_ORIGIN=https://galaxy.example.org", "HTTP_HOST=galaxy.example.org",
		"SERVER_PORT=443", "HTTPS=on", "CONTENT_LENGTH=7", "HTTP_X_OTHER=1",
		"HTTP_X_API_KEY=0123456789abcdef0123456789abcdef", NULL
	};
	char *twice[] = {
		"REQUEST_METHOD=GET", "no equals sign", "PATH_INFO=/first", "PATH_INFO=/second",
		"HTTP_COOKIE_X=not the cookie", "HTTP_COOKIE=yes", "HTTPS=1",
		"HTTP_X_API_KEY=first", "HTTP_X_API_KEY=second", NULL
	};
	char *bare[] = { "REQUEST_METHOD=GET", NULL };
	char *none[] = { "PATH_INFO=/v1/me", NULL };
	char *bad_length[] = { "REQUEST_METHOD=POST", "CONTENT_LENGTH=7x", NULL };
	char *too_long[] = { "REQUEST_METHOD=POST", "CONTENT_LENGTH=5000", NULL };
	char *https_off[] = { "REQUEST_METHOD=GET", "HTTPS=off", NULL };
	char *h2o[] = { "REQUEST_METHOD=GET", "SCRIPT_NAME=", "PATH_INFO=/chat/api/v1/health",
	                "REQUEST_URI=/chat/api/v1/health", NULL };
	char *uri_only[] = { "REQUEST_METHOD=GET", "QUERY_STRING=limit=2",
	                     "REQUEST_URI=/chat/api/v1/rooms/a%20b/messages?limit=2", NULL };

	is_int(parse(&r, full, "{\"a\":1}"), REQUEST_OK, "every variable set: OK");
	is_str(r.method, "POST", "method");
	is_str(r.path, "/v1/messages", "path");
	is_str(r.query, "a=b", "query string, with its own '='");
	is_str(r.cookie, "galaxysession=abc", "cookie");
	is_str(r.content_type, "application/json", "content type");
	is_str(r.origin, "https://galaxy.example.org", "origin");
	is_str(r.host, "galaxy.example.org", "host");
	is_str(r.server_port, "443", "server port");
	is_int(r.https, 1, "HTTPS=on");
	is_int(r.body_len, 7, "body length from CONTENT_LENGTH");
	is_str(r.body, "{\"a\":1}", "body");
	is_str(r.api_key, "0123456789abcdef0123456789abcdef", "X-API-Key");
	is_int(r.api_key_repeated, 0, "X-API-Key once: not repeated");
	request_free(&r);

	is_int(parse(&r, twice, NULL), REQUEST_OK, "duplicates and junk: OK");
	is_str(r.path, "/first", "the first of a name wins, as request_env finds it");
	is_str(r.path, request_env(twice, "PATH_INFO"), "same as request_env");
	is_str(r.cookie, "yes", "a longer name with the same start is another variable");
	is_int(r.https, 1, "HTTPS=1");
	is_str(r.api_key, "first", "two X-API-Key: the first is kept");
	is_int(r.api_key_repeated, 1, "and the second marks it repeated (two header lines)");
	request_free(&r);

	is_int(parse(&r, bare, NULL), REQUEST_OK, "only a method: OK");
	is_str(r.path, "", "no PATH_INFO: empty path");
	is_str(r.query, "", "no QUERY_STRING: empty query");
	ok(!r.cookie && !r.origin && !r.host && !r.content_type && !r.server_port &&
	   !r.api_key && !r.api_key_repeated, "the rest unset");
	ok(!r.body && r.body_len == 0 && !r.https, "no body, not HTTPS");
	request_free(&r);

	is_int(parse(&r, none, NULL), REQUEST_BAD, "no REQUEST_METHOD: bad");
	request_free(&r);
	is_int(parse(&r, bad_length, NULL), REQUEST_BAD, "malformed CONTENT_LENGTH: bad");
	request_free(&r);
	is_int(parse(&r, too_long, ""), REQUEST_TOO_LARGE, "body over the limit: too large");
	request_free(&r);
	is_int(parse(&r, https_off, NULL), REQUEST_OK, "HTTPS=off: OK");
	is_int(r.https, 0, "HTTPS=off is not HTTPS");
	request_free(&r);
	is_int(parse(&r, NULL, NULL), REQUEST_BAD, "no environment at all: bad");
	request_free(&r);

	is_int(parse(&r, h2o, NULL), REQUEST_OK, "h2o's variables: OK");
	is_str(r.path, "/v1/health", "the route from h2o's whole PATH_INFO");
	request_free(&r);
	is_int(parse(&r, uri_only, NULL), REQUEST_OK, "only REQUEST_URI: OK");
	is_str(r.path, "/v1/rooms/a b/messages", "the route decoded from REQUEST_URI into the request");
	is_str(r.query, "limit=2", "the query still from QUERY_STRING");
	request_free(&r);

	test_route();
	return done_testing();
}
