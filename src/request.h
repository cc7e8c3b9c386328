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
#define REQUEST_MAX_ROUTE 1024    /* a route decoded from REQUEST_URI fits this, or is none */

/* Reads up to len bytes of the body into buf; returns the count, 0 at end,
 * -1 on error. */
typedef long (*request_read_fn)(void *rd, char *buf, size_t len);

struct request {
	/* borrowed from the environment; valid while it is */
	const char *method;        /* REQUEST_METHOD */
	const char *path;          /* the route, "/v1/...": see request_route() */
	const char *query;         /* QUERY_STRING, "" when unset */
	const char *cookie;        /* HTTP_COOKIE or NULL */
	const char *api_key;       /* HTTP_X_API_KEY (the X-API-Key header) or NULL */
	int api_key_repeated;      /* HTTP_X_API_KEY came more than once (nginx
	                            * passes each header line; Apache joins them) */
	const char *last_event_id; /* HTTP_LAST_EVENT_ID (an EventSource's reconnection) or NULL */
	const char *content_type;  /* CONTENT_TYPE or NULL */
	const char *origin;        /* HTTP_ORIGIN or NULL */
	const char *host;          /* HTTP_HOST or NULL */
	const char *server_port;   /* SERVER_PORT or NULL */
	const char *remote_addr;   /* REMOTE_ADDR (the client, as the web server saw it) or NULL */
	int https;                 /* HTTPS=on */
	long long arrived_ms;      /* monotime_ms() when it was read: a poll's
	                            * deadline counts from here, whatever waited */
	/* owned */
	char *route;               /* path, when made from REQUEST_URI or joined
	                            * from SCRIPT_NAME and PATH_INFO; else NULL */
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

/* Moves from's request into to (the environment stays borrowed, the body
 * and the route made go to to); from is left to request_free() as if
 * empty. */
void request_move(struct request *to, struct request *from);

/* The API route of a request ("/v1/...", what the router matches) from
 * the CGI variables a web server passed (each may be NULL), with no
 * setting of ours, behind any web server:
 *
 * - PATH_INFO starting with "/v1/": the server split the path at the
 *   chat's mount point (Apache's mod_fcgid and CGI, nginx's sample,
 *   lighttpd under "/chat/api"): PATH_INFO, as it is.
 * - else the whole path, SCRIPT_NAME followed by PATH_INFO (or, both
 *   empty, REQUEST_URI's part before any '?', percent-decoded), from its
 *   first "/v1/" segment on; with a SCRIPT_NAME, only a "/v1/" that starts
 *   in it counts. That finds the route where a server put the whole path
 *   in PATH_INFO (h2o: SCRIPT_NAME empty) or in SCRIPT_NAME (Apache's
 *   mod_proxy_fcgi: no PATH_INFO), or split one segment late (lighttpd
 *   under "/chat/api/": SCRIPT_NAME "/chat/api/v1", PATH_INFO "/health"),
 *   and never past a split at the mount point.
 * - no such "/v1/": the whole path, which no route matches (a 404 naming
 *   it).
 *
 * The mount point comes first, so nothing a request carries (a room
 * called "v1") moves the route's start; a mount point with a "/v1/"
 * segment of its own needs a server that splits at it (doc/deploying.md).
 * Returns a pointer into path_info or script_name, or into buf (buflen
 * bytes) when the route had to be put together or decoded; "" when that
 * does not fit or REQUEST_URI is malformed (a bad escape, a NUL). Pure:
 * fuzzed (fuzz/fuzz_route.c). */
const char *request_route(const char *script_name, const char *path_info,
                          const char *request_uri, char *buf, size_t buflen);

/* The credentials of the request in envp, read as request_read() reads
 * them: the Cookie header, the X-API-Key header and whether that came
 * more than once (each NULL / 0 when absent). For a parked poll, checked
 * again long after its request was read. */
void request_credentials(char *const *envp, const char **cookie, const char **api_key,
                         int *api_key_repeated);

/* The value of NAME in envp, or NULL. */
const char *request_env(char *const *envp, const char *name);

#endif
