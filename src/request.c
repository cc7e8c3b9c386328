/*
 * request.c - take a request apart: CGI variables, the route wherever the
 * web server put it, and a size-limited body.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpparse.h"
#include "monotime.h"
#include "request.h"

const char *request_env(char *const *envp, const char *name)
{
	size_t n = strlen(name);
	for (; envp && *envp; envp++)
		if (strncmp(*envp, name, n) == 0 && (*envp)[n] == '=')
			return *envp + n + 1;
	return NULL;
}

/* The variables request_read takes, in one walk of envp (a lookup each
 * walked the ~25 FastCGI parameters 11 times: 2 % of a busy responder's
 * time). As with request_env, the first of a name wins; a variable with
 * a "repeated" flag sets it when it comes again. */
static void request_vars(struct request *r, char *const *envp, const char **https,
                         const char **content_length, const char **script_name,
                         const char **path_info, const char **request_uri)
{
#define VAR(name, to, rep) { name, sizeof name - 1, to, rep }
	const struct { const char *name; size_t len; const char **to; int *repeated; } vars[] = {
		VAR("REQUEST_METHOD", &r->method, NULL),
		VAR("SCRIPT_NAME", script_name, NULL),
		VAR("PATH_INFO", path_info, NULL),
		VAR("REQUEST_URI", request_uri, NULL),
		VAR("QUERY_STRING", &r->query, NULL),
		VAR("HTTP_COOKIE", &r->cookie, NULL),
		VAR("HTTP_X_API_KEY", &r->api_key, &r->api_key_repeated),
		VAR("HTTP_LAST_EVENT_ID", &r->last_event_id, NULL),
		VAR("CONTENT_TYPE", &r->content_type, NULL),
		VAR("CONTENT_LENGTH", content_length, NULL),
		VAR("HTTP_ORIGIN", &r->origin, NULL),
		VAR("HTTP_HOST", &r->host, NULL),
		VAR("SERVER_PORT", &r->server_port, NULL),
		VAR("REMOTE_ADDR", &r->remote_addr, NULL),
		VAR("HTTPS", https, NULL),
	};
#undef VAR

	for (; envp && *envp; envp++) {
		const char *eq = strchr(*envp, '=');
		size_t n = eq ? (size_t)(eq - *envp) : 0;

		for (size_t i = 0; eq && i < sizeof vars / sizeof vars[0]; i++)
			if (vars[i].len == n && memcmp(*envp, vars[i].name, n) == 0) {
				if (!*vars[i].to)
					*vars[i].to = eq + 1;
				else if (vars[i].repeated)
					*vars[i].repeated = 1;
				break;
			}
	}
}

static const char request_api[] = "/v1/";   /* the segment every route starts with */
#define REQUEST_API_LEN (sizeof request_api - 1)

/* Where the first "/v1/" of a[0..alen) followed by b[0..blen) starts, if
 * before limit; else -1. */
static long request_api_at(const char *a, size_t alen, const char *b, size_t blen, size_t limit)
{
	for (size_t i = 0; i < limit && i + REQUEST_API_LEN <= alen + blen; i++) {
		size_t k = 0;
		while (k < REQUEST_API_LEN && (i + k < alen ? a[i + k] : b[i + k - alen]) == request_api[k])
			k++;
		if (k == REQUEST_API_LEN)
			return (long)i;
	}
	return -1;
}

const char *request_route(const char *script_name, const char *path_info,
                          const char *request_uri, char *buf, size_t buflen)
{
	const char *sn = script_name ? script_name : "", *pi = path_info ? path_info : "";
	size_t slen = strlen(sn), plen = strlen(pi), from;
	long at;

	if (strncmp(pi, request_api, REQUEST_API_LEN) == 0)
		return pi;
	if (slen + plen == 0) {
		size_t len = request_uri ? strcspn(request_uri, "?") : 0;
		at = request_api_at(request_uri, len, "", 0, len);
		from = at < 0 ? 0 : (size_t)at;
		if (len == 0 || http_percent_decode(request_uri + from, len - from, 0, buf, buflen) < 0)
			return "";
		return buf;
	}
	at = request_api_at(sn, slen, pi, plen, slen ? slen : plen);
	from = at < 0 ? 0 : (size_t)at;
	if (from >= slen)
		return pi + (from - slen);
	if (plen == 0)
		return sn + from;
	if (slen - from + plen >= buflen)
		return "";
	memcpy(buf, sn + from, slen - from);
	memcpy(buf + slen - from, pi, plen + 1);
	return buf;
}

void request_credentials(char *const *envp, const char **cookie, const char **api_key,
                         int *api_key_repeated)
{
	struct request r = { 0 };
	const char *https = NULL, *content_length = NULL, *script_name = NULL, *path_info = NULL,
	           *request_uri = NULL;

	request_vars(&r, envp, &https, &content_length, &script_name, &path_info, &request_uri);
	*cookie = r.cookie;
	*api_key = r.api_key;
	*api_key_repeated = r.api_key_repeated;
}

enum request_problem request_read(struct request *r, char *const *envp,
                                  request_read_fn read, void *rd, size_t max_body,
                                  char *err, size_t errlen)
{
	const char *https = NULL, *content_length = NULL;
	const char *script_name = NULL, *path_info = NULL, *request_uri = NULL;
	long long clen = 0;

	memset(r, 0, sizeof *r);
	r->arrived_ms = monotime_ms();
	request_vars(r, envp, &https, &content_length, &script_name, &path_info, &request_uri);
	r->https = https && (strcmp(https, "on") == 0 || strcmp(https, "1") == 0);
	char route[REQUEST_MAX_ROUTE];
	r->path = request_route(script_name, path_info, request_uri, route, sizeof route);
	if (r->path == route && !(r->path = r->route = strdup(route))) {
		snprintf(err, errlen, "out of memory");
		return REQUEST_IO;
	}
	if (!r->query)
		r->query = "";
	if (!r->method || !*r->method) {
		snprintf(err, errlen, "no REQUEST_METHOD: is this running behind a web server?");
		return REQUEST_BAD;
	}
	if (strlen(r->query) > REQUEST_MAX_QUERY) {
		snprintf(err, errlen, "query string longer than %d bytes", REQUEST_MAX_QUERY);
		return REQUEST_BAD;
	}
	if (r->cookie && strlen(r->cookie) > REQUEST_MAX_COOKIE) {
		snprintf(err, errlen, "Cookie header longer than %d bytes", REQUEST_MAX_COOKIE);
		return REQUEST_BAD;
	}
	if (content_length && *content_length &&
	    http_parse_int(content_length, 0, 1LL << 40, &clen) < 0) {
		snprintf(err, errlen, "malformed Content-Length");
		return REQUEST_BAD;
	}
	if (clen == 0)
		return REQUEST_OK;
	if ((unsigned long long)clen > max_body) {
		/* Read the refused body before answering: a web server still
		 * writing it into a pipe or socket nobody reads (CGI under
		 * mod_cgid, mod_fcgid with big bodies) would otherwise cut the 413
		 * short with a connection reset. */
		char sink[16384];
		for (long long left = clen <= REQUEST_MAX_DRAIN ? clen : 0; left > 0;) {
			long n = read(rd, sink, left < (long long)sizeof sink ? (size_t)left : sizeof sink);
			if (n <= 0)
				break;
			left -= n;
		}
		snprintf(err, errlen, "request body of %lld bytes is over the limit of %zu", clen, max_body);
		return REQUEST_TOO_LARGE;
	}
	if (!(r->body = malloc((size_t)clen + 1))) {
		snprintf(err, errlen, "out of memory");
		return REQUEST_IO;
	}
	while (r->body_len < (size_t)clen) {
		long n = read(rd, r->body + r->body_len, (size_t)clen - r->body_len);
		if (n <= 0) {
			snprintf(err, errlen, "client sent %zu of %lld body bytes", r->body_len, clen);
			return REQUEST_IO;
		}
		r->body_len += (size_t)n;
	}
	r->body[r->body_len] = '\0';
	return REQUEST_OK;
}

void request_move(struct request *to, struct request *from)
{
	*to = *from;
	from->body = NULL;
	from->route = NULL;
}

void request_free(struct request *r)
{
	free(r->body);
	free(r->route);
	r->body = NULL;
	r->route = NULL;
}
