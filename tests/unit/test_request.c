/*
 * test_request.c - a request taken apart from its CGI variables and body:
 * every variable found in one walk, the first of a name winning, defaults,
 * and the malformed cases.
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
	return done_testing();
}
