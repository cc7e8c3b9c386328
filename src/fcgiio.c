/*
 * fcgiio.c - a request's FastCGI (or CGI) input and output (see fcgiio.h).
 * libfcgi parses and reads the request from a descriptor whose bytes have
 * all arrived (FCGX_Accept_r with ipcFd preset, so it never blocks on a
 * slow client); its reader and writers are freed once the request is read,
 * and the answer goes out as records written by fcgirecord.c, so that a
 * request waiting for its answer (a long poll, a stream) holds none of
 * libfcgi's buffers.
 */
#define _GNU_SOURCE 1   /* POLLRDHUP */
#include <fcntl.h>
#include <poll.h>
#include <fcgiapp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/sockios.h>

#include "cfg.h"
#include "fcgiio.h"
#include "fcgirecord.h"
#include "listener.h"
#include "log.h"
#include "metrics.h"
#include "monotime.h"
#include "reply.h"
#include "request.h"
#include "router.h"
#include "workers.h"

extern char **environ;

struct fcgiio_req {
	FCGX_Request fcgx;          /* unused for the CGI request; its streams
	                             * freed once the request is read */
	struct fcgiio *io;
	int cgi;                    /* the CGI request: environ, stdin, stdout */
	int conn;                   /* the connection, while fcgx reads from a memfd; else -1 */
	void *ctx;                  /* its owner's */
	int route;                  /* the router's index of its route, -1: none (metrics) */
	long long start_us;         /* monotime_us() when it was accepted */
	int sndbuf;                 /* the connection's SO_SNDBUF as last read, 0: not yet */
	long long queued_max;       /* at most this much of its send buffer is taken
	                             * (fcgiio_fits) */
};

struct fcgiio {
	const struct cfg *cfg;
	pthread_mutex_t lock;
	pthread_cond_t idle;        /* in_flight dropped */
	struct listener *listener;  /* under lock */
	int in_flight;              /* accepted and not yet answered, under lock */
	struct fcgiio_req cgi;      /* the one CGI request */
};

/* A finished answer for a worker to write (fcgiio_respond). */
struct fcgiio_job {
	struct job job;             /* first */
	struct fcgiio_req *r;
	char *resp;
	size_t len;
};

struct fcgiio *fcgiio_new(const struct cfg *cfg)
{
	struct fcgiio *io = calloc(1, sizeof *io);

	if (!io)
		return NULL;
	io->cfg = cfg;
	io->cgi = (struct fcgiio_req){ .io = io, .cgi = 1, .conn = -1 };
	pthread_mutex_init(&io->lock, NULL);
	pthread_cond_init(&io->idle, NULL);
	return io;
}

void fcgiio_free(struct fcgiio *io)
{
	if (!io)
		return;
	pthread_cond_destroy(&io->idle);
	pthread_mutex_destroy(&io->lock);
	free(io);
}

void fcgiio_listener(struct fcgiio *io, struct listener *l)
{
	pthread_mutex_lock(&io->lock);
	io->listener = l;
	pthread_mutex_unlock(&io->lock);
}

/* Counts r in flight from now; returns 1 when that is more than
 * max_connections. */
static int fcgiio_count(struct fcgiio *io, struct fcgiio_req *r)
{
	r->route = -1;
	r->start_us = monotime_us();
	pthread_mutex_lock(&io->lock);
	int busy = ++io->in_flight > io->cfg->max_connections;
	pthread_mutex_unlock(&io->lock);
	return busy;
}

/* A new request of io's, libfcgi's part initialised for listen_fd (-1: none). */
static struct fcgiio_req *fcgiio_req_new(struct fcgiio *io, int listen_fd)
{
	struct fcgiio_req *r = calloc(1, sizeof *r);

	if (!r || FCGX_InitRequest(&r->fcgx, listen_fd, 0) != 0) {
		free(r);
		return NULL;
	}
	r->io = io;
	r->conn = -1;
	return r;
}

static void fcgiio_req_free(struct fcgiio_req *r)
{
	if (r->cgi)
		return;
	FCGX_Free(&r->fcgx, 1);
	free(r);
}

struct fcgiio_req *fcgiio_accept(struct fcgiio *io, int fd, int in, int *busy)
{
	/* No listening socket (-1): on a malformed request libfcgi closes in
	 * and fails instead of accepting another connection itself.
	 * keepConnection keeps in across the FCGX_Finish_r FCGX_Accept_r starts
	 * with; it is then set from the request. */
	struct fcgiio_req *r = fcgiio_req_new(io, -1);

	if (!r) {
		if (in != fd)
			close(in);
		close(fd);
		log_error("out of memory accepting a request");
		return NULL;
	}
	r->fcgx.ipcFd = in;
	r->fcgx.keepConnection = 1;
	if (FCGX_Accept_r(&r->fcgx) != 0) {
		log_info("a malformed FastCGI request: connection closed");
		fcgiio_req_free(r);
		if (in != fd)
			close(fd);
		return NULL;
	}
	if (in != fd)
		r->conn = fd;
	if ((*busy = fcgiio_count(io, r)))
		r->fcgx.keepConnection = 0;
	return r;
}

int fcgiio_accept_on(struct fcgiio *io, int listen_fd, struct fcgiio_req **out)
{
	struct fcgiio_req *r = fcgiio_req_new(io, listen_fd);

	if (!r)
		return -1;
	if (FCGX_Accept_r(&r->fcgx) != 0) {
		fcgiio_req_free(r);
		return 0;
	}
	fcgiio_count(io, r);
	*out = r;
	return 1;
}

struct fcgiio_req *fcgiio_cgi(struct fcgiio *io)
{
	fcgiio_count(io, &io->cgi);
	return &io->cgi;
}

char *const *fcgiio_env(const struct fcgiio_req *r)
{
	return r->cgi ? environ : r->fcgx.envp;
}

void fcgiio_set_ctx(struct fcgiio_req *r, void *ctx)
{
	r->ctx = ctx;
}

void *fcgiio_ctx(const struct fcgiio_req *r)
{
	return r->ctx;
}

void fcgiio_set_route(struct fcgiio_req *r, int route)
{
	r->route = route;
}

/* The request has been read, whole, from the memfd the listener filled:
 * the answer goes to the connection. */
static void fcgiio_read_done(struct fcgiio_req *r)
{
	if (r->conn < 0)
		return;
	close(r->fcgx.ipcFd);
	r->fcgx.ipcFd = r->conn;
	r->conn = -1;
}

static long fcgiio_fcgx_read(void *rd, char *buf, size_t len)
{
	return FCGX_GetStr(buf, len > 1 << 20 ? 1 << 20 : (int)len, ((FCGX_Request *)rd)->in);
}

static long fcgiio_stdin_read(void *rd, char *buf, size_t len)
{
	(void)rd;
	size_t n = fread(buf, 1, len, stdin);
	return n ? (long)n : (ferror(stdin) ? -1 : 0);
}

int fcgiio_read(struct fcgiio_req *r, struct request *req, struct reply *rep)
{
	char err[256] = "";
	size_t max = r->io->cfg->max_body_bytes;
	FCGX_Request *fcgx = r->cgi ? NULL : &r->fcgx;
	enum request_problem p;

	p = fcgx ? request_read(req, fcgx->envp, fcgiio_fcgx_read, fcgx, max, err, sizeof err)
	         : request_read(req, environ, fcgiio_stdin_read, NULL, max, err, sizeof err);
	if (fcgx && (p != REQUEST_OK || FCGX_GetChar(fcgx->in) != EOF || FCGX_GetError(fcgx->in)))
		fcgx->keepConnection = 0;
	if (fcgx) {
		/* read: libfcgi's streams are not needed any more (fcgirecord.h) */
		FCGX_FreeStream(&fcgx->in);
		FCGX_FreeStream(&fcgx->out);
		FCGX_FreeStream(&fcgx->err);
	}
	fcgiio_read_done(r);
	if (p == REQUEST_IO)
		log_info("request dropped: %s", err);
	if (p != REQUEST_OK)
		reply_error(rep, p == REQUEST_TOO_LARGE ? 413 : 400, "%s", err);
	return p == REQUEST_OK ? 0 : -1;
}

/* Closes a finished request's connection without waiting for the client,
 * when there is no listener to linger on it: what it has sent is read and
 * dropped (so closing does not reset the connection under the reply), then
 * the descriptor is closed. libfcgi's own close would keep reading for as
 * long as the client trickles bytes, holding this thread. */
static void fcgiio_close(int fd)
{
	char trash[4096];

	shutdown(fd, SHUT_WR);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	for (int i = 0; i < 64 && read(fd, trash, sizeof trash) > 0; i++)
		;
	close(fd);
}

/* Writes a whole response and ends the request; frees r. The connection
 * goes back to the listener: kept when the web server keeps it
 * (keepConnection, from its FCGI_KEEP_CONN) and the request was read
 * whole, else to be closed (listener_linger); without a listener it is
 * closed here. */
static void fcgiio_finish(struct fcgiio_req *r, const char *resp, size_t len)
{
	struct fcgiio *io = r->io;
	int fd = -1, keep = 0;

	if (!r->cgi) {
		FCGX_Request *fcgx = &r->fcgx;
		fcgiio_read_done(r);
		fd = fcgx->ipcFd;
		int written = fcgirecord_write(fd, fcgx->requestId, resp, len, 1) == 0;
		keep = written && fcgx->keepConnection;
		/* closing is ours: libfcgi's own close would wait for the client */
		fcgx->ipcFd = -1;
		fcgiio_req_free(r);
	} else {
		fwrite(resp, 1, len, stdout);
		fflush(stdout);
	}
	pthread_mutex_lock(&io->lock);
	if (fd >= 0 && io->listener) {
		if (keep)
			listener_keep(io->listener, fd);
		else
			listener_linger(io->listener, fd);
		fd = -1;
	}
	io->in_flight--;
	pthread_cond_broadcast(&io->idle);
	pthread_mutex_unlock(&io->lock);
	if (fd >= 0)
		fcgiio_close(fd);
}

static void fcgiio_write_later(struct job *job, struct worker *wk)
{
	struct fcgiio_job *j = (struct fcgiio_job *)job;

	(void)wk;
	fcgiio_finish(j->r, j->resp, j->len);
	free(j->resp);
	free(j);
}

/* What a write of len bytes takes of a socket's send buffer at most: the
 * kernel counts each buffer's own size and overhead besides the bytes,
 * and the FastCGI records add theirs. */
static long long fcgiio_charge(size_t len)
{
	return 2 * (long long)len + 1024;
}

/* Whether len bytes of response can be written to r's connection without
 * waiting: its send buffer has room for them, with room to spare. A
 * stream asks before each piece, and the kernel is asked only when the
 * bound kept here says it may not (queued_max: what the kernel last said
 * was queued, plus what was written since, which the web server can only
 * have taken away), about once per hundred pieces. */
int fcgiio_fits(struct fcgiio_req *r, size_t len)
{
	int queued = 0, fd;
	socklen_t optlen = sizeof r->sndbuf;
	long long need = fcgiio_charge(len) + 3072;

	fcgiio_read_done(r);
	if (r->cgi)
		return 1;
	if (r->sndbuf && r->queued_max + need <= r->sndbuf)
		return 1;
	fd = r->fcgx.ipcFd;
	if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &r->sndbuf, &optlen) < 0 ||
	    ioctl(fd, SIOCOUTQ, &queued) < 0) {
		r->sndbuf = 0;
		return 0;
	}
	r->queued_max = queued;
	return queued + need <= r->sndbuf;
}

int fcgiio_gone(struct fcgiio_req *r)
{
	struct pollfd p = { .fd = r->fcgx.ipcFd, .events = POLLRDHUP };

	if (r->cgi || p.fd < 0)
		return 0;
	return poll(&p, 1, 0) == 1 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR));
}

int fcgiio_send(struct fcgiio_req *r, struct reply *rep)
{
	size_t len = rep->body_len;
	char *head = NULL;
	const char *out = rep->body;
	int failed;

	if (rep->stream) {
		router_cors(r->io->cfg, request_env(fcgiio_env(r), "HTTP_ORIGIN"), rep);
		if (!(out = head = reply_serialize(rep, &len)))
			return -1;
	}
	fcgiio_read_done(r);
	if (r->cgi) {
		failed = fwrite(out, 1, len, stdout) != len || fflush(stdout) != 0;
	} else {
		/* each piece goes out as it is made: no buffering here */
		failed = fcgirecord_write(r->fcgx.ipcFd, r->fcgx.requestId, out, len, 0) < 0;
		if (failed)
			r->fcgx.keepConnection = 0;
		r->queued_max += fcgiio_charge(len);
	}
	free(head);
	return failed ? -1 : 0;
}

void fcgiio_end(struct fcgiio_req *r)
{
	fcgiio_finish(r, "", 0);
}

void fcgiio_respond(struct fcgiio_req *r, struct reply *rep, struct workers *later)
{
	static const char oom[] = "Status: 500 Internal Server Error\r\n\r\n";
	size_t len;
	struct fcgiio_job *j;

	router_cors(r->io->cfg, request_env(fcgiio_env(r), "HTTP_ORIGIN"), rep);
	char *resp = reply_serialize(rep, &len);
	metrics_request(r->route, resp ? rep->status : 500, monotime_us() - r->start_us);
	fcgiio_read_done(r);
	if (resp && later && !fcgiio_fits(r, len) &&
	    (j = calloc(1, sizeof *j))) {
		*j = (struct fcgiio_job){ .job.run = fcgiio_write_later, .r = r, .resp = resp, .len = len };
		workers_push(later, &j->job);
		return;
	}
	fcgiio_finish(r, resp ? resp : oom, resp ? len : sizeof oom - 1);
	free(resp);
}

void fcgiio_drain(struct fcgiio *io)
{
	pthread_mutex_lock(&io->lock);
	while (io->in_flight > 0)
		pthread_cond_wait(&io->idle, &io->lock);
	pthread_mutex_unlock(&io->lock);
}
