/*
 * listener.h - accept FastCGI connections and hold each one, without a
 * thread, until its whole request has arrived; only then hand it on.
 *
 * libfcgi's FCGX_Accept_r reads a request's parameters with blocking reads,
 * so a client that trickles its request (slow-loris) would hold whichever
 * thread reads it. Here one thread accepts, watches every new connection
 * with epoll and peeks (MSG_PEEK, nothing consumed) until the FastCGI
 * records up to the end of the body are in the socket buffer; libfcgi then
 * reads them from the same descriptor without waiting. A connection that
 * has not sent its request within the deadline is closed. A connection
 * the web server keeps for more requests (nginx's fastcgi_keep_conn) comes
 * back with listener_keep() and waits, idle, for its next one.
 */
#ifndef GC_LISTENER_H
#define GC_LISTENER_H

#include <stddef.h>

#define LISTENER_PEEK_MAX (64 * 1024)   /* how far ahead a request is looked at */

struct listener;

/* Called on the listener's thread with a connection whose request is
 * complete (whole: 1; reading it cannot wait), or whose parameters are
 * complete and whose body goes on beyond LISTENER_PEEK_MAX (whole: 0; a
 * client sending that much is not trickling, but reading its body may
 * wait for it, each read bounded by io_timeout_s). fd is blocking, each
 * read and write on it times out after io_timeout_s, and it belongs to the
 * callee. */
typedef void (*listener_ready_fn)(int fd, int whole, void *ctx);

/* Starts accepting on listen_fd: at most max_pending connections wait for
 * their request at once (more are closed at once), each for at most
 * head_timeout_ms. Returns 0 and a handle for listener_free(), or -1 with
 * err. */
int listener_new(int listen_fd, int max_pending, int head_timeout_ms, int io_timeout_s,
                 listener_ready_fn ready, void *ctx, struct listener **out,
                 char *err, size_t errlen);

/* Watches fd, a connection whose request has been answered and which the
 * web server keeps (FCGI_KEEP_CONN), for its next request; that request
 * then has head_timeout_ms to arrive whole once it has begun, and idle
 * connections have no deadline (the web server closes them). At most
 * max_pending connections wait idle: beyond that, and on failure, fd is
 * closed. Takes fd; safe from any thread until listener_free(). */
void listener_keep(struct listener *l, int fd);

/* Stops accepting, closes the connections still waiting (idle ones too),
 * joins the thread. */
void listener_free(struct listener *l);

/* Whether buf (len bytes peeked from a connection, of at most cap) holds a
 * whole FastCGI request: 2 when it does (through the empty FCGI_STDIN
 * record), 1 when len reaches cap with the parameters complete (the body
 * goes on), 0 when more is
 * needed, -1 when it never will (not FastCGI; records other than
 * BEGIN_REQUEST, then this request's PARAMS, then its STDIN; parameters of
 * cap bytes or more). Pure: fuzzed. */
int listener_complete(const unsigned char *buf, size_t len, size_t cap);

#endif
