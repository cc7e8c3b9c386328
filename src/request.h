/*
 * request.h - the parts of an HTTP request the handlers use, taken from
 * FastCGI/CGI parameters (CGI/1.1 variable names) and the request body.
 */
#ifndef GC_REQUEST_H
#define GC_REQUEST_H

#include <stddef.h>

#define REQUEST_MAX_QUERY 4096    /* longer query strings are refused (400) */
#define REQUEST_MAX_COOKIE 8192   /* longer Cookie headers are refused (400) */
#define REQUEST_MAX_DRAIN (16 << 20) /* a refused body up to this size is read and dropped */

/* Reads up to len bytes of the body into buf; returns the count, 0 at end,
 * -1 on error. */
typedef long (*request_read_fn)(void *rd, char *buf, size_t len);

struct request {
	/* borrowed from the environment; valid while it is */
	const char *method;        /* REQUEST_METHOD */
	const char *path;          /* PATH_INFO, "" when unset */
	const char *query;         /* QUERY_STRING, "" when unset */
	const char *cookie;        /* HTTP_COOKIE or NULL */
	const char *content_type;  /* CONTENT_TYPE or NULL */
	const char *origin;        /* HTTP_ORIGIN or NULL */
	const char *host;          /* HTTP_HOST or NULL */
	const char *server_port;   /* SERVER_PORT or NULL */
	const char *remote_addr;   /* REMOTE_ADDR (the client, as the web server saw it) or NULL */
	int https;                 /* HTTPS=on */
	long long arrived_ms;      /* monotime_ms() when it was read: a poll's
	                            * deadline counts from here, whatever waited */
	/* owned */
	char *body;                /* NUL-terminated; NULL when there is none */
	size_t body_len;
};

/* A problem with the request itself, found while reading it. */
enum request_problem {
	REQUEST_OK = 0,
	REQUEST_BAD,        /* malformed: message in err, answer 400 */
	REQUEST_TOO_LARGE,  /* body over max_body: answer 413 */
	REQUEST_IO          /* the client went away while sending */
};

/* Fills r from envp (a NULL-terminated "NAME=value" array) and reads the
 * body (CONTENT_LENGTH bytes, at most max_body) through read. The caller
 * releases r with request_free(). */
enum request_problem request_read(struct request *r, char *const *envp,
                                  request_read_fn read, void *rd, size_t max_body,
                                  char *err, size_t errlen);

void request_free(struct request *r);

/* The value of NAME in envp, or NULL. */
const char *request_env(char *const *envp, const char *name);

#endif
