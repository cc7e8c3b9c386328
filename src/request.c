/*
 * request.c - take a request apart: CGI variables and a size-limited body.
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
 * time). As with request_env, the first of a name wins. */
static void request_vars(struct request *r, char *const *envp,
                         const char **https, const char **content_length)
{
#define VAR(name, to) { name, sizeof name - 1, to }
	const struct { const char *name; size_t len; const char **to; } vars[] = {
		VAR("REQUEST_METHOD", &r->method),
		VAR("PATH_INFO", &r->path),
		VAR("QUERY_STRING", &r->query),
		VAR("HTTP_COOKIE", &r->cookie),
		VAR("CONTENT_TYPE", &r->content_type),
		VAR("CONTENT_LENGTH", content_length),
		VAR("HTTP_ORIGIN", &r->origin),
		VAR("HTTP_HOST", &r->host),
		VAR("SERVER_PORT", &r->server_port),
		VAR("REMOTE_ADDR", &r->remote_addr),
		VAR("HTTPS", https),
	};
#undef VAR

	for (; envp && *envp; envp++) {
		const char *eq = strchr(*envp, '=');
		size_t n = eq ? (size_t)(eq - *envp) : 0;

		for (size_t i = 0; eq && i < sizeof vars / sizeof vars[0]; i++)
			if (vars[i].len == n && !*vars[i].to && memcmp(*envp, vars[i].name, n) == 0) {
				*vars[i].to = eq + 1;
				break;
			}
	}
}

enum request_problem request_read(struct request *r, char *const *envp,
                                  request_read_fn read, void *rd, size_t max_body,
                                  char *err, size_t errlen)
{
	const char *https = NULL, *content_length = NULL;
	long long clen = 0;

	memset(r, 0, sizeof *r);
	r->arrived_ms = monotime_ms();
	request_vars(r, envp, &https, &content_length);
	r->https = https && (strcmp(https, "on") == 0 || strcmp(https, "1") == 0);
	if (!r->path)
		r->path = "";
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

void request_free(struct request *r)
{
	free(r->body);
	r->body = NULL;
}
