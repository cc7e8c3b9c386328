/*
 * chatload.c - load generator for galaxy-chat (API.md) and, for reference,
 * nginx's nchan module, on the same footing.
 *
 * One thread, one epoll loop, non-blocking HTTP/1.1 keep-alive connections
 * to a web server on loopback. Every user is a line "username cookie" of the
 * cookie file (genuine galaxysession cookies). It reports what it measured
 * and its own CPU time (getrusage) as "key value" lines on stdout.
 *
 *   chatload hold    -n 2000 -d 60           N users each keep a waiting poll
 *   chatload fanout  -n 1000 -r 50 -d 20     N pollers in one room, one sender
 *   chatload send    -s 4 -d 10              S senders as fast as acks come
 *   chatload get     -u PATH -k 200          one user, K sequential GETs
 *   chatload badge   -n 1000 -p 30 -d 60     N users each GET /v1/unread (or -u
 *                                            PATH) every P s, spread evenly:
 *                                            Galaxy's masthead badge
 *   chatload stream  -n 1000 -r 50 -d 20     fanout over the event stream
 *                                            (the same as fanout --stream)
 *
 * How pollers (hold, fanout) receive, and the sender sends:
 *   (default)   galaxy-chat's long poll, GET /v1/events?since=N&timeout=T
 *   --stream    galaxy-chat's Server-Sent Events, GET /v1/stream?since=N,
 *               read as EventSource does (blocks of id:/data: lines, a
 *               reconnection with Last-Event-ID)
 *   --nchan     nchan's long-poll subscriber (GET /sub/ROOM with
 *               If-Modified-Since / If-None-Match), the publisher
 *               POST /pub/ROOM; no cookies are needed or sent;
 *               with --stream its EventSource subscriber, GET /ev/ROOM
 *   --socketio  Socket.IO over Engine.IO v4 long-polling (the transport of
 *               browsers without WebSocket) to bench/sio_server.py, the
 *               seed's stack: GET /socket.io/?EIO=4&transport=polling for
 *               the open packet, POST "40/chat," to connect to namespace
 *               /chat, 42/chat,["join",{"room":R}], then GET polls; a ping
 *               ("2") is answered with a POST "3"; the sender emits
 *               42/chat,["event room",{"data":TEXT,"room":R}]
 *
 * The sender puts "bench t=<monotonic ns> s=<seq>" in each message, so a
 * poller checks order and duplicates (seq must be last + 1) and measures
 * the delivery latency (sender and pollers share this process's clock).
 *
 * Every loop is bounded: the run stops after its duration plus a bounded
 * drain, and alarm() ends the process if anything hangs.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum role { R_POLLER, R_SENDER, R_GETTER };
/* a poller's phases: (Socket.IO: open, connect, its answer,) join the
 * room, fetch the cursor, then long-poll or stream */
enum phase { P_SIO_OPEN, P_SIO_CONNECT, P_SIO_CONNACK, P_JOIN, P_CURSOR, P_POLL };

struct conn {
	int fd;
	int idx;                 /* user index in the cookie file */
	enum role role;
	enum phase phase;
	int connected;           /* TCP connect finished */
	int busy;                /* a request is outstanding */
	int retried;             /* the outstanding request was already resent once */
	char *out;               /* the request being written */
	size_t outlen, outoff;
	char *in;                /* response bytes so far */
	size_t inlen, incap;
	long long cursor;
	long long last_seq;      /* fan-out: last message seq seen */
	long long got;           /* fan-out: messages received */
	long long req_ns;        /* when the outstanding request was sent */
	long long next_ns;       /* sender: when to send the next message */
	char etag[128], lastmod[128];  /* nchan */
	int streaming;           /* --stream: the answer's headers are in, its body is the stream */
	int chunked;             /* the stream's body is in chunks */
	size_t chunk_left;       /* bytes left of the current chunk */
	int chunk_crlf;          /* the CRLF after a chunk's data is still to come */
	int stream_done;         /* the stream's last chunk came */
	char *sse;               /* the stream's text not yet a whole event */
	size_t sselen, ssecap;
	char last_id[64];        /* the last id: received, sent back as Last-Event-ID */
	char sid[64];            /* Socket.IO: the Engine.IO session id */
	int sio_pong;            /* Socket.IO: a ping came, answer it before the next poll */
	int sio_ponging;         /* Socket.IO: the outstanding request is that answer */
};

static struct {
	const char *mode;
	struct sockaddr_in addr;
	const char *host;
	const char *prefix;
	const char *room;
	const char *url;
	int nchan;
	int stream;              /* --stream */
	int sio;                 /* --socketio */
	int users, senders;
	double duration;
	double rate;
	int poll_timeout;
	int count;
	int ramp;                /* connections opened per millisecond tick */
	double period;           /* badge: seconds between one user's requests */
	char **names, **cookies;
	int ncookies;
} opt = {
	.prefix = "/chat/api", .room = "all", .users = 10, .senders = 1,
	.duration = 10, .rate = 50, .poll_timeout = 25, .count = 100, .ramp = 200, .period = 30,
};

static int ep;
static struct conn *conns;
static int nconns;
static long long run_id;

/* counters */
static long long n_responses, n_errors, n_reconnects, n_timeouts_empty, n_status[6];
static long long n_sent, n_acked, n_dups, n_gaps, n_events;
static long long n_bytes_in;
static long long n_streams, n_stream_ends, n_ready, n_pings;
/* latencies in microseconds, reported as percentiles (lat_report) */
struct lat {
	uint32_t *us;
	size_t n, cap;
};
static struct lat lat;            /* delivery (fanout) or request (get, send) latency */
/* fanout, per message (index: seq): when it was made, first and last
 * delivered; 0: not yet. Split the delivery latency into the time to the
 * message's first reader (send, commit, wake) and the fan-out's spread
 * after it. */
static long long *msg_t, *msg_first, *msg_last;
static long long msg_cap;
static long long sent_seq;        /* fanout: messages acknowledged, seq 1..sent_seq */
static int stopping_sends;
static long long ack_sum_ns, ack_max_ns;  /* fanout: the sender's POST round trips */

static long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("chatload: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(2);
}

static void lat_add(struct lat *l, long long ns)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 1 << 16;
		l->us = realloc(l->us, l->cap * sizeof *l->us);
		if (!l->us)
			die("out of memory");
	}
	l->us[l->n++] = ns < 0 ? 0 : (uint32_t)(ns / 1000 > UINT32_MAX ? UINT32_MAX : ns / 1000);
}

/* Notes message seq, made at t, delivered at t_recv. */
static void msg_note(long long seq, long long t, long long t_recv)
{
	if (seq >= msg_cap) {
		long long cap = msg_cap ? msg_cap : 1024;
		while (cap <= seq)
			cap *= 2;
		long long **v[] = { &msg_t, &msg_first, &msg_last };
		for (int i = 0; i < 3; i++) {
			*v[i] = realloc(*v[i], cap * sizeof **v[i]);
			if (!*v[i])
				die("out of memory");
			memset(*v[i] + msg_cap, 0, (cap - msg_cap) * sizeof **v[i]);
		}
		msg_cap = cap;
	}
	msg_t[seq] = t;
	if (!msg_first[seq] || t_recv < msg_first[seq])
		msg_first[seq] = t_recv;
	if (t_recv > msg_last[seq])
		msg_last[seq] = t_recv;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static void lat_report(struct lat *l, const char *what)
{
	if (!l->n) {
		printf("%s_samples 0\n", what);
		return;
	}
	qsort(l->us, l->n, sizeof *l->us, cmp_u32);
	double sum = 0;
	for (size_t i = 0; i < l->n; i++)
		sum += l->us[i];
	printf("%s_samples %zu\n", what, l->n);
	printf("%s_ms_p50 %.3f\n", what, l->us[l->n / 2] / 1000.0);
	printf("%s_ms_p90 %.3f\n", what, l->us[(size_t)(l->n * 0.90)] / 1000.0);
	printf("%s_ms_p99 %.3f\n", what, l->us[(size_t)(l->n * 0.99)] / 1000.0);
	printf("%s_ms_max %.3f\n", what, l->us[l->n - 1] / 1000.0);
	printf("%s_ms_mean %.3f\n", what, sum / l->n / 1000.0);
}

/* The messages' first deliveries (first_ms_*) and spreads (spread_ms_*:
 * last delivery minus first). */
static void msg_report(void)
{
	struct lat first = { 0 }, spread = { 0 };

	for (long long i = 0; i < msg_cap; i++) {
		if (!msg_first[i])
			continue;
		lat_add(&first, msg_first[i] - msg_t[i]);
		lat_add(&spread, msg_last[i] - msg_first[i]);
	}
	lat_report(&first, "first");
	lat_report(&spread, "spread");
	free(first.us);
	free(spread.us);
	free(msg_t);
	free(msg_first);
	free(msg_last);
}

static void read_cookies(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	int cap = 0;
	if (!f)
		die("%s: %s", path, strerror(errno));
	while (fgets(line, sizeof line, f)) {
		char name[256], cookie[768];
		if (sscanf(line, "%255s %767s", name, cookie) != 2)
			continue;
		if (opt.ncookies == cap) {
			cap = cap ? cap * 2 : 256;
			opt.names = realloc(opt.names, cap * sizeof *opt.names);
			opt.cookies = realloc(opt.cookies, cap * sizeof *opt.cookies);
			if (!opt.names || !opt.cookies)
				die("out of memory");
		}
		opt.names[opt.ncookies] = strdup(name);
		opt.cookies[opt.ncookies++] = strdup(cookie);
	}
	fclose(f);
}

static void conn_set_events(struct conn *c)
{
	struct epoll_event ev = { .events = EPOLLIN | (c->outoff < c->outlen || !c->connected ? EPOLLOUT : 0),
	                          .data.ptr = c };
	epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
}

static void conn_open(struct conn *c)
{
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		die("socket: %s (raise RLIMIT_NOFILE)", strerror(errno));
	int one = 1;
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	c->connected = 0;
	if (connect(c->fd, (struct sockaddr *)&opt.addr, sizeof opt.addr) == 0)
		c->connected = 1;
	else if (errno != EINPROGRESS)
		die("connect: %s", strerror(errno));
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT, .data.ptr = c };
	if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) < 0)
		die("epoll_ctl: %s", strerror(errno));
}

static void conn_close(struct conn *c)
{
	if (c->fd >= 0) {
		epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
	}
	c->fd = -1;
	c->inlen = 0;
}

/* Queues a request on c (opening the connection if needed). */
static void conn_request(struct conn *c, const char *method, const char *path, const char *body)
{
	char hdr[2048];
	size_t blen = body ? strlen(body) : 0;
	int n;

	if (opt.sio) {
		n = snprintf(hdr, sizeof hdr, "%s %s HTTP/1.1\r\nHost: %s\r\n", method, path, opt.host);
	} else if (opt.nchan) {
		n = snprintf(hdr, sizeof hdr, "%s %s HTTP/1.1\r\nHost: %s\r\n%s%s%s%s%s%s",
		             method, path, opt.host,
		             c->lastmod[0] ? "If-Modified-Since: " : "", c->lastmod, c->lastmod[0] ? "\r\n" : "",
		             c->etag[0] ? "If-None-Match: " : "", c->etag, c->etag[0] ? "\r\n" : "");
	} else {
		n = snprintf(hdr, sizeof hdr, "%s %s%s HTTP/1.1\r\nHost: %s\r\nCookie: galaxysession=%s\r\n",
		             method, opt.prefix, path, opt.host, opt.cookies[c->idx]);
	}
	if (opt.stream && c->role == R_POLLER && (opt.nchan || c->phase == P_POLL)) {
		n += snprintf(hdr + n, sizeof hdr - n, "Accept: text/event-stream\r\n");
		if (c->last_id[0])
			n += snprintf(hdr + n, sizeof hdr - n, "Last-Event-ID: %s\r\n", c->last_id);
	}
	if (body)
		n += snprintf(hdr + n, sizeof hdr - n, "Content-Type: %s\r\nContent-Length: %zu\r\n",
		              opt.sio ? "text/plain;charset=UTF-8" : "application/json", blen);
	n += snprintf(hdr + n, sizeof hdr - n, "\r\n");
	free(c->out);
	c->out = malloc(n + blen + 1);
	if (!c->out)
		die("out of memory");
	memcpy(c->out, hdr, n);
	if (body)
		memcpy(c->out + n, body, blen);
	c->outlen = n + blen;
	c->outoff = 0;
	c->busy = 1;
	c->req_ns = now_ns();
	if (c->fd < 0)
		conn_open(c);
	conn_set_events(c);
}

/* Socket.IO: the next request of a poller (and of the sender's set-up). */
static void sio_next(struct conn *c)
{
	char path[512], body[512];
	if (c->phase == P_SIO_OPEN) {
		snprintf(path, sizeof path, "/socket.io/?EIO=4&transport=polling&username=%s",
		         opt.ncookies ? opt.names[c->idx] : "bench");
		conn_request(c, "GET", path, NULL);
		return;
	}
	snprintf(path, sizeof path, "/socket.io/?EIO=4&transport=polling&sid=%s", c->sid);
	if (c->sio_pong) {
		c->sio_pong = 0;
		c->sio_ponging = 1;
		conn_request(c, "POST", path, "3");
		return;
	}
	switch (c->phase) {
	case P_SIO_CONNECT:
		conn_request(c, "POST", path, "40/chat,");
		break;
	case P_JOIN:
		snprintf(body, sizeof body, "42/chat,[\"join\",{\"room\":\"%s\"}]", opt.room);
		conn_request(c, "POST", path, body);
		break;
	default:   /* the connect's answer, and the polls */
		conn_request(c, "GET", path, NULL);
		break;
	}
}

static void poller_next(struct conn *c)
{
	char path[512];
	if (opt.sio) {
		sio_next(c);
		return;
	}
	if (opt.nchan) {
		snprintf(path, sizeof path, opt.stream ? "/ev/%s" : "/sub/%s", opt.room);
		conn_request(c, "GET", path, NULL);
		return;
	}
	switch (c->phase) {
	case P_SIO_OPEN:
	case P_SIO_CONNECT:
	case P_SIO_CONNACK:
		break;   /* Socket.IO only */
	case P_JOIN:
		snprintf(path, sizeof path, "/v1/rooms/%s/join", opt.room);
		conn_request(c, "POST", path, "{}");
		break;
	case P_CURSOR:
		conn_request(c, "GET", "/v1/events", NULL);
		break;
	case P_POLL:
		if (opt.stream)
			snprintf(path, sizeof path, "/v1/stream?since=%lld", c->cursor);
		else
			snprintf(path, sizeof path, "/v1/events?since=%lld&timeout=%d", c->cursor, opt.poll_timeout);
		conn_request(c, "GET", path, NULL);
		break;
	}
}

static void sender_send(struct conn *c)
{
	char body[512], path[256];
	long long seq = n_sent + 1;
	long long t = now_ns();
	n_sent++;
	if (opt.sio) {
		snprintf(path, sizeof path, "/socket.io/?EIO=4&transport=polling&sid=%s", c->sid);
		snprintf(body, sizeof body, "42/chat,[\"event room\",{\"data\":\"bench t=%lld s=%lld\",\"room\":\"%s\"}]",
		         t, seq, opt.room);
		conn_request(c, "POST", path, body);
	} else if (opt.nchan) {
		snprintf(path, sizeof path, "/pub/%s", opt.room);
		snprintf(body, sizeof body, "bench t=%lld s=%lld", t, seq);
		conn_request(c, "POST", path, body);
	} else {
		snprintf(body, sizeof body,
		         "{\"room\":\"%s\",\"text\":\"bench t=%lld s=%lld\",\"client_id\":\"cl-%lld-%lld\"}",
		         opt.room, t, seq, run_id, seq);
		conn_request(c, "POST", "/v1/messages", body);
	}
	c->req_ns = t;
}

/* Finds header name (case-insensitive) in hdr[0..len); copies its value. */
static int header_get(const char *hdr, size_t len, const char *name, char *val, size_t vlen)
{
	size_t nl = strlen(name);
	const char *p = hdr, *end = hdr + len;
	while (p < end) {
		const char *eol = memmem(p, end - p, "\r\n", 2);
		if (!eol)
			eol = end;
		if ((size_t)(eol - p) > nl && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
			const char *v = p + nl + 1;
			while (v < eol && *v == ' ')
				v++;
			size_t l = eol - v < (long)vlen - 1 ? (size_t)(eol - v) : vlen - 1;
			memcpy(val, v, l);
			val[l] = 0;
			return 1;
		}
		p = eol + 2;
	}
	return 0;
}

/* Decodes a chunked body in place; returns its length, or -1 if incomplete. */
static long dechunk(char *b, size_t len, size_t *consumed)
{
	size_t r = 0, w = 0;
	for (int guard = 0; guard < 100000; guard++) {
		char *eol = memmem(b + r, len - r, "\r\n", 2);
		if (!eol)
			return -1;
		unsigned long sz = strtoul(b + r, NULL, 16);
		r = eol - b + 2;
		if (sz == 0) {
			char *fin = memmem(b + r, len - r, "\r\n", 2);
			if (!fin)
				return -1;
			*consumed = fin - b + 2;
			return (long)w;
		}
		if (r + sz + 2 > len)
			return -1;
		memmove(b + w, b + r, sz);
		w += sz;
		r += sz + 2;
	}
	return -1;
}

static void on_messages(struct conn *c, const char *body, size_t len, long long t_recv)
{
	const char *p = body, *end = body + len;
	for (;;) {
		const char *m = memmem(p, end - p, "bench t=", 8);
		if (!m)
			break;
		long long t = strtoll(m + 8, NULL, 10);
		const char *s = memmem(m, end - m, " s=", 3);
		long long seq = s ? strtoll(s + 3, NULL, 10) : 0;
		p = m + 8;
		n_events++;
		if (seq <= c->last_seq) {
			n_dups++;
			continue;
		}
		if (seq != c->last_seq + 1 && c->last_seq != 0)
			n_gaps += seq - c->last_seq - 1;
		if (c->last_seq == 0 && seq != 1)
			n_gaps += seq - 1;
		c->last_seq = seq;
		c->got++;
		lat_add(&lat, t_recv - t);
		msg_note(seq, t, t_recv);
	}
}

/* Socket.IO: notes a ping ("2", alone between \x1e separators) in a poll's
 * payload, to be answered before the next poll. */
static void sio_pings(struct conn *c, const char *body, size_t blen)
{
	const char *p = body, *end = body + blen;
	while (p < end) {
		const char *e = memchr(p, '\x1e', end - p);
		if (!e)
			e = end;
		if (e - p == 1 && *p == '2') {
			c->sio_pong = 1;
			n_pings++;
		}
		p = e + 1;
	}
}

/* Socket.IO: an answer to c (poller or sender): set-up answers (open packet,
 * connect, its answer, join) move c on; a poll's payload is read for pings
 * and messages. */
static void sio_response(struct conn *c, int status, const char *body, size_t blen, long long t)
{
	int pong = c->sio_ponging;
	c->sio_ponging = 0;
	if (status != 200) {
		n_errors++;
		if (n_errors < 5)
			fprintf(stderr, "chatload: socket.io: status %d: %.*s\n", status, (int)blen, body);
		return;
	}
	if (pong)
		return;
	switch (c->phase) {
	case P_SIO_OPEN: {
		const char *sid = memmem(body, blen, "\"sid\":\"", 7);
		const char *q = sid ? memchr(sid + 7, '"', body + blen - sid - 7) : NULL;
		if (!q || q - sid - 7 >= (long)sizeof c->sid) {
			n_errors++;
			break;
		}
		memcpy(c->sid, sid + 7, q - sid - 7);
		c->sid[q - sid - 7] = 0;
		c->phase = P_SIO_CONNECT;
		break;
	}
	case P_SIO_CONNECT:
		c->phase = P_SIO_CONNACK;
		break;
	case P_SIO_CONNACK:
		sio_pings(c, body, blen);
		if (memmem(body, blen, "40/chat,", 8))   /* holding: connected to /chat, in no room */
			c->phase = c->role == R_SENDER || !strcmp(opt.mode, "hold") ? P_POLL : P_JOIN;
		break;
	case P_JOIN:
		c->phase = P_POLL;
		break;
	default:
		sio_pings(c, body, blen);
		on_messages(c, body, blen, t);
		break;
	}
}

/* A complete response arrived on c: status, headers, body. */
static void on_response(struct conn *c, int status, const char *hdr, size_t hlen, char *body, size_t blen)
{
	long long t = now_ns();
	n_responses++;
	c->busy = 0;
	c->retried = 0;
	n_status[status / 100 <= 5 ? status / 100 : 0]++;
	switch (c->role) {
	case R_GETTER:
		if (c->phase == P_JOIN) {   /* badge setup: the user joins -R ROOM */
			if (status != 200)
				n_errors++;
			c->phase = P_POLL;
			break;
		}
		if (status != 200)
			n_errors++;
		lat_add(&lat, t - c->req_ns);
		n_bytes_in += blen;
		break;
	case R_SENDER:
		if (opt.sio && c->phase != P_POLL) {
			sio_response(c, status, body, blen, t);
			break;
		}
		if (c->phase == P_JOIN) {   /* setup: the sender joins the room too */
			if (status != 200 && status != 201)
				n_errors++;
			c->phase = P_POLL;
			break;
		}
		if (status == 201 || status == 202 || (opt.sio && status == 200)) {
			n_acked++;
			if (strcmp(opt.mode, "send") == 0)
				lat_add(&lat, t - c->req_ns);
			else {
				sent_seq = n_acked;
				ack_sum_ns += t - c->req_ns;
				if (t - c->req_ns > ack_max_ns)
					ack_max_ns = t - c->req_ns;
			}
		} else {
			n_errors++;
			if (n_errors < 5)
				fprintf(stderr, "chatload: send: status %d: %.*s\n", status, (int)blen, body);
		}
		break;
	case R_POLLER:
		if (opt.sio) {
			sio_response(c, status, body, blen, t);
			break;
		}
		if (opt.nchan) {
			if (status == 200) {
				header_get(hdr, hlen, "Etag", c->etag, sizeof c->etag);
				header_get(hdr, hlen, "Last-Modified", c->lastmod, sizeof c->lastmod);
				on_messages(c, body, blen, t);
			} else if (status == 304 || status == 408) {
				n_timeouts_empty++;
			} else {
				n_errors++;
			}
			break;
		}
		if (status != 200 && status != 201) {
			n_errors++;
			if (n_errors < 5)
				fprintf(stderr, "chatload: poll: status %d: %.*s\n", status, (int)blen, body);
			break;
		}
		if (c->phase == P_JOIN) {
			c->phase = P_CURSOR;
			break;
		}
		{
			char *cur = memmem(body, blen, "\"cursor\":", 9);
			if (cur)
				c->cursor = strtoll(cur + 9, NULL, 10);
		}
		if (c->phase == P_CURSOR) {
			c->phase = P_POLL;
			break;
		}
		if (blen > 12 && memcmp(body, "{\"events\":[]", 12) == 0)
			n_timeouts_empty++;
		on_messages(c, body, blen, t);
		break;
	}
}

/* --stream: one event's block of lines (EventSource's fields): id: is
 * remembered for the reconnection, data: read for the sender's messages. */
static void sse_block(struct conn *c, const char *b, size_t len, long long t)
{
	const char *p = b, *end = b + len;
	while (p < end) {
		const char *eol = memchr(p, '\n', end - p);
		if (!eol)
			eol = end;
		size_t l = eol - p;
		if (l && p[l - 1] == '\r')
			l--;
		if (l >= 3 && memcmp(p, "id:", 3) == 0) {
			const char *v = p + 3;
			size_t vl = l - 3;
			if (vl && *v == ' ') {
				v++;
				vl--;
			}
			if (vl < sizeof c->last_id) {
				memcpy(c->last_id, v, vl);
				c->last_id[vl] = 0;
			}
		} else if (l >= 5 && memcmp(p, "data:", 5) == 0) {
			on_messages(c, p + 5, l - 5, t);
		} else if (l == 12 && memcmp(p, "event: ready", 12) == 0) {
			n_ready++;
		}
		p = eol + 1;
	}
}

static void sse_append(struct conn *c, const char *b, size_t len)
{
	if (c->ssecap - c->sselen < len) {
		while (c->ssecap - c->sselen < len)
			c->ssecap = c->ssecap ? c->ssecap * 2 : 4096;
		c->sse = realloc(c->sse, c->ssecap);
		if (!c->sse)
			die("out of memory");
	}
	memcpy(c->sse + c->sselen, b, len);
	c->sselen += len;
}

/* The stream on c ended (its last chunk, or the connection closed): the
 * poller reconnects from its last id. */
static void stream_end(struct conn *c)
{
	c->streaming = 0;
	c->busy = 0;
	n_stream_ends++;
}

/* --stream: the body bytes in c->in, out of their chunks, onto c->sse;
 * then each whole event (a block ending in a blank line). */
static void stream_feed(struct conn *c)
{
	long long t = now_ns();
	size_t r = 0;
	while (r < c->inlen && !c->stream_done) {
		if (!c->chunked) {
			sse_append(c, c->in + r, c->inlen - r);
			r = c->inlen;
		} else if (c->chunk_left) {
			size_t n = c->inlen - r < c->chunk_left ? c->inlen - r : c->chunk_left;
			sse_append(c, c->in + r, n);
			r += n;
			c->chunk_left -= n;
			c->chunk_crlf = !c->chunk_left;
		} else if (c->chunk_crlf) {
			if (c->inlen - r < 2)
				break;
			r += 2;
			c->chunk_crlf = 0;
		} else {
			char *eol = memmem(c->in + r, c->inlen - r, "\r\n", 2);
			if (!eol)
				break;
			c->chunk_left = strtoul(c->in + r, NULL, 16);
			r = eol - c->in + 2;
			if (!c->chunk_left)
				c->stream_done = 1;   /* (its trailer's CRLF is dropped below) */
		}
	}
	if (c->stream_done)
		r = c->inlen;
	memmove(c->in, c->in + r, c->inlen - r);
	c->inlen -= r;
	for (int guard = 0; guard < 100000; guard++) {
		char *e = memmem(c->sse, c->sselen, "\n\n", 2);
		if (!e)
			break;
		size_t used = e - c->sse + 2;
		sse_block(c, c->sse, e - c->sse, t);
		memmove(c->sse, c->sse + used, c->sselen - used);
		c->sselen -= used;
	}
	if (c->stream_done)
		stream_end(c);
}

/* Tries to take one response off c->in; 1 when one was handled. */
static int parse_response(struct conn *c)
{
	char *he = memmem(c->in, c->inlen, "\r\n\r\n", 4);
	if (!he)
		return 0;
	size_t hlen = he - c->in + 4;
	int status = 0;
	if (sscanf(c->in, "HTTP/1.%*d %d", &status) != 1) {
		n_errors++;
		conn_close(c);
		return 0;
	}
	char v[64];
	if (opt.stream && c->role == R_POLLER && status == 200 &&
	    header_get(c->in, hlen, "Content-Type", v, sizeof v) && strstr(v, "text/event-stream")) {
		c->streaming = 1;
		c->chunked = header_get(c->in, hlen, "Transfer-Encoding", v, sizeof v) && strcasestr(v, "chunked");
		c->chunk_left = 0;
		c->chunk_crlf = c->stream_done = 0;
		c->sselen = 0;
		c->retried = 0;
		n_streams++;
		memmove(c->in, c->in + hlen, c->inlen - hlen);
		c->inlen -= hlen;
		stream_feed(c);
		return 0;
	}
	char *body = c->in + hlen;
	size_t avail = c->inlen - hlen, consumed;
	long blen;
	if (header_get(c->in, hlen, "Content-Length", v, sizeof v)) {
		blen = atol(v);
		if (avail < (size_t)blen)
			return 0;
		consumed = hlen + blen;
	} else if (header_get(c->in, hlen, "Transfer-Encoding", v, sizeof v) && strcasestr(v, "chunked")) {
		size_t used;
		blen = dechunk(body, avail, &used);
		if (blen < 0)
			return 0;
		consumed = hlen + used;
	} else {
		return 0;   /* body up to close: not used by the servers we test */
	}
	int close_after = header_get(c->in, hlen, "Connection", v, sizeof v) && strcasecmp(v, "close") == 0;
	char saved = body[blen];
	body[blen] = 0;
	on_response(c, status, c->in, hlen, body, blen);
	body[blen] = saved;
	memmove(c->in, c->in + consumed, c->inlen - consumed);
	c->inlen -= consumed;
	if (close_after) {
		conn_close(c);
		n_reconnects++;
	}
	return 1;
}

static void conn_broken(struct conn *c)
{
	if (c->streaming) {   /* a stream ended by a close: reconnect from its last id */
		conn_close(c);
		n_reconnects++;
		stream_end(c);
		return;
	}
	/* the server closed a keep-alive connection: resend the request once */
	int had = c->busy;
	conn_close(c);
	n_reconnects++;
	if (had && !c->retried) {
		c->retried = 1;
		c->outoff = 0;
		conn_open(c);
		conn_set_events(c);
	} else if (had) {
		n_errors++;
		c->busy = 0;
	}
}

static void on_event(struct conn *c, uint32_t evs)
{
	if (evs & EPOLLOUT) {
		if (!c->connected) {
			int e = 0;
			socklen_t l = sizeof e;
			getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &l);
			if (e) {
				n_errors++;
				conn_broken(c);
				return;
			}
			c->connected = 1;
		}
		while (c->outoff < c->outlen) {
			ssize_t w = write(c->fd, c->out + c->outoff, c->outlen - c->outoff);
			if (w < 0) {
				if (errno == EAGAIN)
					break;
				conn_broken(c);
				return;
			}
			c->outoff += w;
		}
		conn_set_events(c);
	}
	if (evs & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
		for (int i = 0; i < 64; i++) {
			if (c->incap - c->inlen < 16384) {
				c->incap = c->incap ? c->incap * 2 : 32768;
				c->in = realloc(c->in, c->incap);
				if (!c->in)
					die("out of memory");
			}
			ssize_t r = read(c->fd, c->in + c->inlen, c->incap - c->inlen - 1);
			if (r < 0 && errno == EAGAIN)
				break;
			if (r <= 0) {
				conn_broken(c);
				return;
			}
			c->inlen += r;
		}
		if (c->streaming)
			stream_feed(c);
		else
			while (c->fd >= 0 && c->inlen && parse_response(c))
				;
	}
}

static void usage(void)
{
	fputs("usage: chatload hold|fanout|stream|send|get|badge [-a HOST:PORT] [-c COOKIEFILE]\n"
	      "       [-n USERS] [-s SENDERS] [-d SECONDS] [-r MSGS_PER_S] [-R ROOM] [-t POLL_TIMEOUT]\n"
	      "       [-u PATH] [-k COUNT] [-p PERIOD] [-P PREFIX] [--stream] [--nchan] [--socketio]\n", stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = { { "nchan", no_argument, NULL, 'N' },
	                                    { "stream", no_argument, NULL, 'S' },
	                                    { "socketio", no_argument, NULL, 'O' }, { 0 } };
	const char *addr = "127.0.0.1:8080", *cookiefile = NULL;
	int ch;

	if (argc < 2 || argv[1][0] == '-')
		usage();
	opt.mode = argv[1];
	optind = 2;
	while ((ch = getopt_long(argc, argv, "a:c:n:s:d:r:R:t:u:k:p:P:", lo, NULL)) != -1) {
		switch (ch) {
		case 'a': addr = optarg; break;
		case 'c': cookiefile = optarg; break;
		case 'n': opt.users = atoi(optarg); break;
		case 's': opt.senders = atoi(optarg); break;
		case 'd': opt.duration = atof(optarg); break;
		case 'r': opt.rate = atof(optarg); break;
		case 'R': opt.room = optarg; break;
		case 't': opt.poll_timeout = atoi(optarg); break;
		case 'u': opt.url = optarg; break;
		case 'k': opt.count = atoi(optarg); break;
		case 'p': opt.period = atof(optarg); break;
		case 'P': opt.prefix = optarg; break;
		case 'N': opt.nchan = 1; break;
		case 'S': opt.stream = 1; break;
		case 'O': opt.sio = 1; break;
		default: usage();
		}
	}
	if (!strcmp(opt.mode, "stream")) {   /* the fan-out over the event stream */
		opt.mode = "fanout";
		opt.stream = 1;
	}
	int hold = !strcmp(opt.mode, "hold"), fanout = !strcmp(opt.mode, "fanout");
	int sendm = !strcmp(opt.mode, "send"), get = !strcmp(opt.mode, "get");
	int badge = !strcmp(opt.mode, "badge");
	if (!hold && !fanout && !sendm && !get && !badge)
		usage();
	if (get && !opt.url)
		die("get needs -u PATH");
	if (badge && !opt.url)
		opt.url = "/v1/unread";
	if (badge && (opt.period <= 0 || opt.nchan || opt.sio))
		die("badge needs -p PERIOD > 0, and speaks galaxy-chat's API only");
	if (opt.sio && (opt.nchan || opt.stream || (!hold && !fanout)))
		die("--socketio is a transport of hold and fanout, on its own");
	if (opt.stream && !hold && !fanout)
		die("--stream is a transport of hold and fanout");

	char host[64];
	const char *colon = strrchr(addr, ':');
	if (!colon || colon - addr >= (long)sizeof host)
		die("bad address %s", addr);
	memcpy(host, addr, colon - addr);
	host[colon - addr] = 0;
	opt.host = host;
	opt.addr.sin_family = AF_INET;
	opt.addr.sin_port = htons(atoi(colon + 1));
	if (inet_pton(AF_INET, host, &opt.addr.sin_addr) != 1)
		die("bad address %s", addr);
	if (!opt.nchan && !opt.sio) {
		if (!cookiefile)
			die("-c COOKIEFILE is needed");
		read_cookies(cookiefile);
	} else if (cookiefile) {
		read_cookies(cookiefile);   /* Socket.IO: the user names */
	}

	int npoll = (hold || fanout) ? opt.users : 0;
	int nsend = fanout ? 1 : sendm ? opt.senders : 0;
	int nget = get ? 1 : badge ? opt.users : 0;
	nconns = npoll + nsend + nget;
	if (!opt.nchan && !opt.sio && nconns > opt.ncookies)
		die("%d users needed, the cookie file has %d", nconns, opt.ncookies);

	struct rlimit rl;
	getrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_cur < (rlim_t)nconns + 64) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
		if (rl.rlim_cur < (rlim_t)nconns + 64)
			die("RLIMIT_NOFILE %ld is too low for %d connections", (long)rl.rlim_cur, nconns);
	}
	signal(SIGPIPE, SIG_IGN);
	alarm((unsigned)(opt.duration + 180));   /* a last resort against any hang */
	run_id = (long long)time(NULL) * 1000 + getpid() % 1000;

	ep = epoll_create1(EPOLL_CLOEXEC);
	conns = calloc(nconns, sizeof *conns);
	if (!conns)
		die("out of memory");
	for (int i = 0; i < nconns; i++) {
		conns[i].fd = -1;
		conns[i].idx = i;
		conns[i].role = i < npoll ? R_POLLER : i < npoll + nsend ? R_SENDER : R_GETTER;
		conns[i].phase = opt.sio ? P_SIO_OPEN : strcmp(opt.room, "all") ? P_JOIN : P_CURSOR;
	}

	struct rusage ru0, ru1;
	getrusage(RUSAGE_SELF, &ru0);
	long long t0 = now_ns(), setup_deadline = t0 + 60000000000LL;
	int opened = 0;

	/* setup: pollers (and senders) join, pollers get their cursor, then
	 * park their first poll */
	if (npoll) {
		int nsetup = npoll + nsend;
		for (;;) {
			long long t = now_ns();
			int ready = 0;
			for (int k = 0; k < opt.ramp && opened < nsetup; k++) {
				struct conn *c = &conns[opened++];
				if (c->role == R_POLLER)
					poller_next(c);
				else if (!opt.nchan && (c->phase == P_JOIN || c->phase == P_SIO_OPEN))
					poller_next(c);
				else
					c->phase = P_POLL;
			}
			for (int i = 0; i < opened; i++) {
				struct conn *c = &conns[i];
				if (opt.nchan || c->phase == P_POLL)
					ready++;
				else if (!c->busy)
					poller_next(c);
			}
			if (ready == nsetup || t > setup_deadline)
				break;
			struct epoll_event evs[256];
			int n = epoll_wait(ep, evs, 256, 1);
			for (int i = 0; i < n; i++)
				on_event(evs[i].data.ptr, evs[i].events);
		}
		for (int i = 0; i < npoll; i++)
			if (!opt.nchan && !conns[i].busy)
				poller_next(&conns[i]);
		/* let every first poll reach the server and park */
		long long settle = now_ns() + 1500000000LL;
		while (now_ns() < settle) {
			struct epoll_event evs[256];
			int n = epoll_wait(ep, evs, 256, 10);
			for (int i = 0; i < n; i++) {
				struct conn *c = evs[i].data.ptr;
				on_event(c, evs[i].events);
				if (c->role == R_POLLER && !c->busy)
					poller_next(c);
			}
		}
		long long setup_errors = n_errors;
		printf("setup_s %.3f\nsetup_errors %lld\n", (now_ns() - t0) / 1e9, setup_errors);
		fflush(stdout);
	}

	/* badge setup: each user joins -R ROOM (unless all); not measured */
	if (badge && strcmp(opt.room, "all")) {
		long long deadline = now_ns() + 60000000000LL;
		int ready = 0;
		for (int i = npoll + nsend; i < nconns; i++)
			poller_next(&conns[i]);
		while (ready < nget && now_ns() < deadline) {
			struct epoll_event evs[256];
			int n = epoll_wait(ep, evs, 256, 10);
			for (int i = 0; i < n; i++)
				on_event(evs[i].data.ptr, evs[i].events);
			ready = 0;
			for (int i = npoll + nsend; i < nconns; i++)
				ready += conns[i].phase == P_POLL && !conns[i].busy;
		}
		printf("setup_s %.3f\nsetup_errors %lld\n", (now_ns() - t0) / 1e9, n_errors);
		n_errors = n_responses = 0;
		memset(n_status, 0, sizeof n_status);
		getrusage(RUSAGE_SELF, &ru0);
	}

	long long start = now_ns(), end = start + (long long)(opt.duration * 1e9);
	long long period_ns = (long long)(opt.period * 1e9);
	long long interval = fanout ? (long long)(1e9 / opt.rate) : 0;
	long long drain_end = 0, t = start;
	int gets_done = 0;
	for (int i = npoll; i < npoll + nsend; i++)
		conns[i].next_ns = start;
	if (get)
		conn_request(&conns[nconns - 1], "GET", opt.url, NULL);
	for (int i = 0; badge && i < nget; i++)   /* spread over one period */
		conns[npoll + nsend + i].next_ns = start + period_ns * i / nget;
	if (!npoll)
		getrusage(RUSAGE_SELF, &ru0);

	for (long long iter = 0; iter < 100000000LL; iter++) {
		t = now_ns();
		if (t >= end && !stopping_sends) {
			stopping_sends = 1;
			drain_end = t + 10000000000LL;   /* at most 10 s for the last deliveries */
		}
		if (get && gets_done >= opt.count)
			break;
		if (stopping_sends) {
			if (hold || sendm || t >= drain_end)
				break;
			if (badge) {
				int busy = 0;
				for (int i = npoll + nsend; i < nconns && !busy; i++)
					busy = conns[i].busy;
				if (!busy)
					break;
			}
			if (fanout) {
				int busy_sender = conns[npoll].busy, done = 1;
				for (int i = 0; i < npoll && done; i++)
					if (conns[i].got < sent_seq)
						done = 0;
				if (done && !busy_sender)
					break;
			}
		}
		for (int i = npoll; i < npoll + nsend && !stopping_sends; i++) {
			struct conn *c = &conns[i];
			if (!c->busy && t >= c->next_ns) {
				sender_send(c);
				c->next_ns = interval ? c->next_ns + interval : t;
				if (c->next_ns < t - 1000000000LL)   /* a second behind: do not burst */
					c->next_ns = t;
			}
		}
		for (int i = npoll + nsend; badge && !stopping_sends && i < nconns; i++) {
			struct conn *c = &conns[i];
			if (!c->busy && t >= c->next_ns) {
				conn_request(c, "GET", opt.url, NULL);
				gets_done++;
				c->next_ns += period_ns;
			}
		}
		long long wait_ms = badge ? 5 : 100;
		if (fanout && !stopping_sends && !conns[npoll].busy) {   /* a busy sender waits for its ack */
			long long d = (conns[npoll].next_ns - t) / 1000000;
			wait_ms = d < 0 ? 0 : d < 100 ? d : 100;
		}
		struct epoll_event evs[512];
		int n = epoll_wait(ep, evs, 512, (int)wait_ms);
		for (int i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;
			on_event(c, evs[i].events);
			if (c->busy)
				continue;
			if (c->role == R_POLLER)
				poller_next(c);
			else if (get && ++gets_done < opt.count)
				conn_request(c, "GET", opt.url, NULL);
			else if (c->role == R_SENDER && sendm && !stopping_sends) {
				sender_send(c);
			}
		}
	}
	long long stop = now_ns();
	getrusage(RUSAGE_SELF, &ru1);

	int waiting = 0, open = 0, streaming = 0;
	for (int i = 0; i < npoll; i++) {
		waiting += conns[i].busy;
		open += conns[i].fd >= 0;
		streaming += conns[i].streaming;
	}
	double wall = (stop - start) / 1e9;
	double cpu = (ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec) + (ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec) +
	             ((ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec) + (ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec)) / 1e6;
	printf("mode %s%s%s%s\nusers %d\nsenders %d\nwall_s %.3f\n", opt.mode, opt.nchan ? " nchan" : "",
	       opt.stream ? " stream" : "", opt.sio ? " socketio" : "",
	       badge ? nget : npoll, nsend, wall);
	printf("responses %lld\nstatus_2xx %lld\nstatus_3xx %lld\nstatus_4xx %lld\nstatus_5xx %lld\n",
	       n_responses, n_status[2], n_status[3], n_status[4], n_status[5]);
	printf("errors %lld\nreconnects %lld\nempty_polls %lld\n", n_errors, n_reconnects, n_timeouts_empty);
	if (npoll)
		printf("polls_waiting_at_end %d\nconnections_open_at_end %d\n", waiting, open);
	if (opt.stream)
		printf("streams_opened %lld\nstreams_ended %lld\nstreams_ready_events %lld\nstreams_open_at_end %d\n",
		       n_streams, n_stream_ends, n_ready, streaming);
	if (opt.sio)
		printf("pings %lld\n", n_pings);
	if (fanout) {
		long long missing = 0, min_got = sent_seq, max_got = 0;
		for (int i = 0; i < npoll; i++) {
			if (conns[i].got < sent_seq)
				missing += sent_seq - conns[i].got;
			if (conns[i].got < min_got)
				min_got = conns[i].got;
			if (conns[i].got > max_got)
				max_got = conns[i].got;
		}
		printf("sent %lld\nacked %lld\nsend_rate %.1f\n", n_sent, n_acked, n_acked / opt.duration);
		printf("send_ack_ms_mean %.3f\nsend_ack_ms_max %.3f\n",
		       n_acked ? ack_sum_ns / 1e6 / n_acked : 0, ack_max_ns / 1e6);
		printf("deliveries %lld\nexpected_deliveries %lld\nmissing %lld\nduplicates %lld\ngaps %lld\n",
		       n_events - n_dups, sent_seq * npoll, missing, n_dups, n_gaps);
		printf("min_received %lld\nmax_received %lld\n", min_got, max_got);
		lat_report(&lat, "delivery");
		msg_report();
	}
	if (sendm) {
		printf("sent %lld\nacked %lld\nacked_per_s %.1f\n", n_sent, n_acked, n_acked / wall);
		lat_report(&lat, "ack");
	}
	if (get || badge) {
		printf("requests %d\nbytes_per_response %.0f\n", gets_done, gets_done ? (double)n_bytes_in / gets_done : 0);
		if (badge)
			printf("requests_per_s %.1f\n", gets_done / wall);
		lat_report(&lat, "get");
	}
	printf("chatload_cpu_s %.3f\nchatload_cpu_pct %.1f\n", cpu, 100.0 * cpu / wall);
	for (int i = 0; i < nconns; i++) {
		conn_close(&conns[i]);
		free(conns[i].out);
		free(conns[i].in);
		free(conns[i].sse);
	}
	free(conns);
	free(lat.us);
	close(ep);
	return 0;
}
