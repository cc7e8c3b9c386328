/*
 * listener.h - accept FastCGI connections and hold each one, without a
 * thread, until its whole request has arrived; only then hand it on.
 *
 * libfcgi's FCGX_Accept_r reads a request's parameters, and FCGX_GetStr its
 * body, with blocking reads, so a client that trickles its request
 * (slow-loris) would hold whichever thread reads it. Here one thread
 * accepts, watches every new connection with epoll and peeks (MSG_PEEK,
 * nothing consumed) until the FastCGI records through the end of the body
 * are in the socket buffer; libfcgi then reads them from the same
 * descriptor without waiting. A request bigger than the peek buffer is
 * read into memory instead, as it arrives, and handed on in a memfd. Each
 * record and each name-value pair is checked before libfcgi sees it
 * (listener_scan): libfcgi aborts the whole process on some lengths and
 * misreads some paddings. A connection that has not sent its request
 * within the deadline is closed. A connection the web server keeps for
 * more requests (nginx's fastcgi_keep_conn) comes back with
 * listener_keep() and waits, idle, for its next one.
 */
#ifndef GC_LISTENER_H
#define GC_LISTENER_H

#include <stddef.h>

/* A request's parameters (its records through the empty FCGI_PARAMS one,
 * headers and padding included) must end within this many bytes. */
#define LISTENER_HEAD_MAX (64 * 1024)
/* A request not whole within this many bytes is read into memory rather
 * than left in the socket buffer (a TCP window can be smaller than
 * LISTENER_HEAD_MAX): the size of the peek buffer. */
#define LISTENER_PEEK_MAX (16 * 1024)
/* Requests read into memory (those beyond the peek buffer) take at most
 * this much memory at once, all connections together. */
#define LISTENER_BUFFERED_MAX (64 * 1024 * 1024)

/* What listener_scan() has found in one request's bytes so far. */
enum listener_verdict {
	LISTENER_BAD = -1,      /* never a request libfcgi may read: close */
	LISTENER_MORE = 0,      /* more must arrive */
	LISTENER_TOO_BIG = 1,   /* the body's records hold more than max_body:
	                         * refused whatever follows, so hand it on now */
	LISTENER_WHOLE = 2,     /* through the empty FCGI_STDIN record */
};

/* listener_scan()'s progress through one request; zeroed before its first
 * byte. A name-value pair may span FCGI_PARAMS records (they are one
 * stream, as libfcgi reads them, and as its own cgi-fcgi writes them). */
struct listener_scan {
	size_t off;            /* where the next record begins: after
	                        * LISTENER_WHOLE, the request's length; after
	                        * LISTENER_TOO_BIG, where the record that
	                        * goes over begins */
	unsigned id;           /* the request's id, from FCGI_BEGIN_REQUEST */
	int params_done;       /* the empty FCGI_PARAMS record was seen */
	size_t pairs;          /* name-value pairs whose lengths were read */
	size_t stdin_bytes;    /* body bytes of the FCGI_STDIN records seen */
	const char *why;       /* after LISTENER_BAD: what was wrong */
	/* inside the parameters: the length being read, the name's length once
	 * read (have_name), and the bytes of name and value still to come */
	int len_need, len_got, have_name;
	size_t len, name_len, skip;
};

/* Scans buf (len bytes: the start of a connection's bytes, of which earlier
 * calls with s saw a prefix) for one FastCGI request of at most max_body
 * body bytes, going on from where s stopped. Accepted: FCGI_BEGIN_REQUEST
 * (responder role, a request id, no padding), then that request's
 * FCGI_PARAMS records, then its FCGI_STDIN records, each empty record
 * (the end of its stream) without padding; every name and value length,
 * of one or four bytes, within what the parameters hold, the pairs ending
 * with the stream, and the stream ending within LISTENER_HEAD_MAX bytes;
 * all the records within listener_bound(max_body) bytes. Records of other
 * requests and management records are refused too: libfcgi would answer
 * or skip them in the listener's thread. Pure: fuzzed. */
enum listener_verdict listener_scan(struct listener_scan *s, const unsigned char *buf, size_t len,
                                    size_t max_body);

/* The most bytes a request with a body of at most max_body bytes may take,
 * record headers and padding included: the parameters' LISTENER_HEAD_MAX,
 * the body, and as much again as LISTENER_HEAD_MAX plus an eighth of the
 * body for the body's record headers and padding. */
size_t listener_bound(size_t max_body);

struct listener;

/* Called on the listener's thread with a connection fd whose request
 * (LISTENER_WHOLE or LISTENER_TOO_BIG) can be read from in without
 * waiting: in is fd itself, its socket buffer holding the request, or a
 * memfd holding the records scanned (struct listener_scan's off bytes, at
 * offset 0) of what was read from fd. fd is blocking,
 * each read and write on it times out after io_timeout_s, and both belong
 * to the callee. */
typedef void (*listener_ready_fn)(int fd, int in, void *ctx);

struct listener_limits {
	int max_pending;          /* connections waiting for their request at once
	                           * (more wait in the listen backlog) */
	int max_idle;             /* kept connections waiting idle at once (the
	                           * oldest is closed for a new one) */
	int request_timeout_ms;   /* for a request to arrive whole, from the
	                           * connection or its first byte */
	int idle_timeout_ms;      /* a kept connection waits this long for its
	                           * next request */
	size_t max_body;          /* max_body_bytes: see listener_scan */
	size_t max_drain;         /* bytes read and dropped, at most, from a
	                           * connection being closed (listener_linger) */
	int io_timeout_s;         /* each read and write, once handed on */
};

/* Starts accepting on listen_fd. When accept() runs out of descriptors, the
 * oldest idle connection is closed to make room, else accepting pauses
 * for 100 ms. Returns 0 and a handle for listener_free(), or -1 with err. */
int listener_new(int listen_fd, const struct listener_limits *lim,
                 listener_ready_fn ready, void *ctx, struct listener **out,
                 char *err, size_t errlen);

/* Watches fd, a connection whose request has been answered and which the
 * web server keeps (FCGI_KEEP_CONN), for its next request: that request
 * then has request_timeout_ms to arrive whole once it has begun; before,
 * the connection waits idle for at most idle_timeout_ms. Takes fd (closed
 * on failure); safe from any thread until listener_free(). */
void listener_keep(struct listener *l, int fd);

/* Closes fd, a connection handed on and answered, without a thread: stops
 * sending (the client sees the end of the answer), then reads and drops
 * what the client still sends (the rest of a body refused before its end:
 * a web server that writes its whole request before it reads the answer,
 * as mod_fcgid does, would fail on a connection closed under it) until it
 * closes, for at most request_timeout_ms and max_drain bytes. Takes fd;
 * safe from any thread until listener_free(). */
void listener_linger(struct listener *l, int fd);

/* Stops accepting, closes the connections still waiting (idle and
 * lingering ones too), joins the thread. */
void listener_free(struct listener *l);

#endif
