/*
 * reply.c - build and serialize responses (see reply.h). Every response
 * carries Cache-Control: no-store, X-Content-Type-Options: nosniff, and,
 * as it is never a page to frame or load anything, X-Frame-Options: DENY,
 * a Content-Security-Policy allowing nothing, and Referrer-Policy.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reply.h"

static const struct {
	int status;
	const char *reason, *code;
} reply_statuses[] = {
	{ 200, "OK", NULL },
	{ 201, "Created", NULL },
	{ 204, "No Content", NULL },
	{ 400, "Bad Request", "bad_request" },
	{ 401, "Unauthorized", "unauthorized" },
	{ 403, "Forbidden", "forbidden" },
	{ 404, "Not Found", "not_found" },
	{ 405, "Method Not Allowed", "method_not_allowed" },
	{ 409, "Conflict", "conflict" },
	{ 413, "Payload Too Large", "too_large" },
	{ 429, "Too Many Requests", "rate_limited" },
	{ 500, "Internal Server Error", "internal" },
	{ 503, "Service Unavailable", "unavailable" },
};

static int reply_index(int status)
{
	for (size_t i = 0; i < sizeof reply_statuses / sizeof *reply_statuses; i++)
		if (reply_statuses[i].status == status)
			return (int)i;
	return -1;
}

const char *reply_code(int status)
{
	int i = reply_index(status);
	return i >= 0 && reply_statuses[i].code ? reply_statuses[i].code : "error";
}

void reply_raw(struct reply *r, int status, const char *json, size_t len)
{
	free(r->body);
	r->status = status;
	r->content_type = NULL;
	r->body = malloc(len + 1);
	r->body_len = r->body ? len : 0;
	if (r->body) {
		memcpy(r->body, json, len);
		r->body[len] = '\0';
	} else {
		r->status = 500;
	}
}

void reply_text(struct reply *r, int status, const char *content_type, const char *body, size_t len)
{
	reply_raw(r, status, body, len);
	if (r->body)
		r->content_type = content_type;
}

static const char reply_oom_body[] =
	"{\"error\":{\"code\":\"internal\",\"message\":\"out of memory\"}}";

void reply_json(struct reply *r, int status, json_object *body)
{
	size_t len = 0;
	const char *text = body ? json_object_to_json_string_length(body, JSON_C_TO_STRING_PLAIN, &len)
	                        : NULL;
	if (text)
		reply_raw(r, status, text, len);
	else
		reply_raw(r, 500, reply_oom_body, sizeof reply_oom_body - 1);
	json_object_put(body);
}

void reply_error(struct reply *r, int status, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	json_object *err = json_object_new_object(), *root = json_object_new_object();
	json_object_object_add(err, "code", json_object_new_string(reply_code(status)));
	json_object_object_add(err, "message", json_object_new_string(msg));
	json_object_object_add(root, "error", err);
	reply_json(r, status, root);
}

void reply_header(struct reply *r, const char *name, const char *value)
{
	if (r->n_headers >= REPLY_MAX_HEADERS || strpbrk(name, "\r\n:") || strpbrk(value, "\r\n"))
		return;
	size_t n = strlen(name) + strlen(value) + 3;
	char *h = malloc(n);
	if (!h)
		return;
	snprintf(h, n, "%s: %s", name, value);
	r->headers[r->n_headers++] = h;
}

char *reply_serialize(const struct reply *r, size_t *len)
{
	int status = r->status ? r->status : 500;
	int i = reply_index(status);
	const char *reason = i >= 0 ? reply_statuses[i].reason : "Unknown";
	size_t cap = 512 + r->body_len;
	for (int h = 0; h < r->n_headers; h++)
		cap += strlen(r->headers[h]) + 2;
	char *buf = malloc(cap);
	if (!buf)
		return NULL;
	char length[48];
	/* a stream's length is not known, and no proxy is to hold it back */
	snprintf(length, sizeof length, r->stream ? "X-Accel-Buffering: no" : "Content-Length: %zu",
	         r->body_len);
	int n = snprintf(buf, cap,
	                 "Status: %d %s\r\n"
	                 "Content-Type: %s\r\n"
	                 "%s\r\n"
	                 "Cache-Control: no-store\r\n"
	                 "X-Content-Type-Options: nosniff\r\n"
	                 "X-Frame-Options: DENY\r\n"
	                 "Content-Security-Policy: default-src 'none'; frame-ancestors 'none'\r\n"
	                 "Referrer-Policy: no-referrer\r\n",
	                 status, reason,
	                 r->stream ? "text/event-stream; charset=utf-8"
	                 : r->content_type ? r->content_type : "application/json; charset=utf-8",
	                 length);
	size_t o = (size_t)n;
	for (int h = 0; h < r->n_headers; h++)
		o += (size_t)snprintf(buf + o, cap - o, "%s\r\n", r->headers[h]);
	o += (size_t)snprintf(buf + o, cap - o, "\r\n");
	if (r->body_len)
		memcpy(buf + o, r->body, r->body_len);
	*len = o + r->body_len;
	return buf;
}

void reply_clear(struct reply *r)
{
	free(r->body);
	for (int h = 0; h < r->n_headers; h++)
		free(r->headers[h]);
	memset(r, 0, sizeof *r);
}
