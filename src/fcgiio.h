/*
 * fcgiio.h - one request over FastCGI (or plain CGI), from libfcgi's
 * parsing of it to the end of its answer, and the count of requests in
 * flight.
 *
 * A request comes from the listener (listener.c: whole already, so no read
 * waits), from libfcgi's own accept (while the store is down, degraded.c),
 * or is the one CGI request of the process. Its answer is a struct reply
 * serialized once, with the CORS headers its Origin asks for. On a thread
 * that must never wait (the listener's, the hub's), an answer goes out
 * there only when the socket's send buffer can take it whole; else a
 * worker writes it. Then the connection goes back to the listener: kept
 * for the next request when the web server keeps it (FCGI_KEEP_CONN), else
 * to be closed once the client is done sending.
 */
#ifndef GC_FCGIIO_H
#define GC_FCGIIO_H

struct cfg;
struct listener;
struct reply;
struct request;
struct workers;
struct fcgiio;
struct fcgiio_req;

/* The process's requests for cfg (max_connections, max_body_bytes,
 * allowed_origins): a new handle for fcgiio_free(), or NULL when out of
 * memory. */
struct fcgiio *fcgiio_new(const struct cfg *cfg);
void fcgiio_free(struct fcgiio *io);

/* Connections go back to l after their answer (NULL: none, they are
 * closed here; so before the listener starts and once it stops). Safe from
 * any thread. */
void fcgiio_listener(struct fcgiio *io, struct listener *l);

/* The request on connection fd, to be read from in (a listener_ready_fn's
 * arguments, both taken): parsed by libfcgi and counted in flight. *busy
 * is set when it is more than max_connections in flight: then it is to be
 * answered 503 and its connection is not kept. NULL when libfcgi finds it
 * malformed or out of memory (fd and in closed, logged). */
struct fcgiio_req *fcgiio_accept(struct fcgiio *io, int fd, int in, int *busy);

/* Waits for the next request on listen_fd, libfcgi accepting the
 * connection itself: 1 with *out counted in flight, 0 when accept gave up
 * (e.g. after SO_RCVTIMEO), -1 when out of memory. */
int fcgiio_accept_on(struct fcgiio *io, int listen_fd, struct fcgiio_req **out);

/* The process's one CGI request (environment, stdin, stdout), counted in
 * flight. */
struct fcgiio_req *fcgiio_cgi(struct fcgiio *io);

/* Reads r's request into req, which the caller frees with request_free()
 * either way: 0, or -1 with the error answer in rep (400, 413). The
 * connection is kept for another request only if this one was read
 * through its end. */
int fcgiio_read(struct fcgiio_req *r, struct request *req, struct reply *rep);

/* Answers r with rep (CORS headers added) and ends r, which is freed; the
 * caller still clears rep. later NULL: written here, waiting for the
 * client if need be. Else this thread must not wait: an answer the
 * connection cannot take at once is left to a worker of later. */
void fcgiio_respond(struct fcgiio_req *r, struct reply *rep, struct workers *later);

/* A stream: answers r piece by piece, each written and flushed at once
 * (through the web server's buffers only if it is told to keep them,
 * doc/deploying.md). rep's head and body when rep->stream is set (the
 * first piece, CORS headers added), else rep's body alone; r is not
 * ended. Waits for the client if need be (see fcgiio_fits). Returns 0, or
 * -1 when the connection failed: the client is gone, r is only to be
 * ended. */
int fcgiio_send(struct fcgiio_req *r, struct reply *rep);

/* 1 when r's web server has closed its side (a stream's client went
 * away and the web server said so), without waiting; 0 for the CGI
 * request. */
int fcgiio_gone(struct fcgiio_req *r);

/* 1 when len bytes more of r's answer can be written without waiting
 * (always for the CGI request, which waits on no one else), else 0. */
int fcgiio_fits(struct fcgiio_req *r, size_t len);

/* Ends r, a stream whose pieces are out (fcgiio_send), and frees it. */
void fcgiio_end(struct fcgiio_req *r);

/* The request's parameters, "NAME=value" (the environment in CGI). */
char *const *fcgiio_env(const struct fcgiio_req *r);

/* What its owner keeps with r (e.g. who answers it once it has waited;
 * NULL at first). */
void fcgiio_set_ctx(struct fcgiio_req *r, void *ctx);
void *fcgiio_ctx(const struct fcgiio_req *r);

/* The route that answers r (router.h's index, -1: none), which its
 * answer is counted under (metrics.h) with its status and how long it
 * took from its accept. */
void fcgiio_set_route(struct fcgiio_req *r, int route);

/* Waits until no request is in flight. */
void fcgiio_drain(struct fcgiio *io);

#endif
