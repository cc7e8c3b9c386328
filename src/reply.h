/*
 * reply.h - what a handler answers: a status, a few extra headers and a JSON
 * body, serialized into a CGI/FastCGI response in one place. Every error
 * goes through reply_error(), which is where statuses map to API.md's codes.
 */
#ifndef GC_REPLY_H
#define GC_REPLY_H

#include <stddef.h>
#include <json-c/json.h>

#define REPLY_MAX_HEADERS 10

struct reply {
	int status;                     /* 0 until set */
	char *body;                     /* JSON text (or content_type's), owned */
	const char *content_type;       /* static; NULL: JSON */
	size_t body_len;
	char *headers[REPLY_MAX_HEADERS];   /* "Name: value", owned */
	int n_headers;
	/* the head of a stream (GET /v1/stream): text/event-stream, no
	 * Content-Length, more of the body to follow (fcgiio_send) */
	int stream;
};

/* Sets status and takes ownership of body (released here). */
void reply_json(struct reply *r, int status, json_object *body);

/* Sets status and a body that is already JSON text (copied). */
void reply_raw(struct reply *r, int status, const char *json, size_t len);

/* Sets status and a body of content_type (a static string), copied: the
 * one answer that is not JSON (GET /v1/metrics). */
void reply_text(struct reply *r, int status, const char *content_type, const char *body, size_t len);

/* {"error": {"code": <from status>, "message": <printf>}} */
void reply_error(struct reply *r, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Adds a header line (name and value are copied; CR/LF are refused). */
void reply_header(struct reply *r, const char *name, const char *value);

/* The whole response, headers and body, as a new buffer the caller frees;
 * *len receives its length. NULL on ENOMEM. */
char *reply_serialize(const struct reply *r, size_t *len);

/* Releases what r holds and zeroes it. */
void reply_clear(struct reply *r);

/* API.md's error code for status ("bad_request", ...). */
const char *reply_code(int status);

#endif
