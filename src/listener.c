/*
 * listener.c - accept, and wait without a thread for whole requests (see
 * listener.h).
 *
 * Connections are watched edge-triggered and one-shot: each arrival of
 * data wakes the thread once, which looks at everything buffered so far
 * (peeked; or, once a request outgrows the peek buffer, read into the
 * connection's own buffer) and scans on from where it stopped
 * (listener_scan), re-arming the watch if more must come. A connection
 * handed on stays registered, disarmed, so that keeping it again is one
 * EPOLL_CTL_MOD instead of a removal and an addition; its record stays in a
 * table by descriptor until the descriptor is accepted again or the
 * listener ends.
 *
 * Connections that have begun a request wait in arrival order, and all
 * get the same deadline, so that list is sorted by deadline and expiry
 * only ever looks at its head. Connections the web server keeps between
 * requests (FCGI_KEEP_CONN) wait idle in a second list, sorted the same
 * way by their idle deadline, until their next request begins; answered
 * connections that are not kept linger in a third, for the client to
 * finish sending and close. Workers add to those two lists and close the
 * oldest idle one when that list is full, so they, each record's state and
 * the table by descriptor have a lock; the thread takes an idle
 * connection out of its list (under the lock) before it touches its
 * descriptor (only the thread closes lingering ones). The thread never
 * sleeps longer than a worker's addition may need, so a connection added
 * while it sleeps still expires on time.
 */
#include <errno.h>
#include <fastcgi.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "listener.h"
#include "log.h"
#include "monotime.h"

#define LISTENER_PAUSE_MS 100   /* accepting pauses this long when out of descriptors */

size_t listener_bound(size_t max_body)
{
	return 2 * (size_t)LISTENER_HEAD_MAX + max_body + max_body / 8;
}

static enum listener_verdict listener_refuse(struct listener_scan *s, const char *why)
{
	s->why = why;
	return LISTENER_BAD;
}

/* Reads on through the name-value pairs in n bytes of parameters (one
 * FCGI_PARAMS record's content). */
static enum listener_verdict listener_pairs(struct listener_scan *s, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n;) {
		if (s->skip > 0) {
			size_t k = n - i < s->skip ? n - i : s->skip;
			i += k;
			s->skip -= k;
			continue;
		}
		if (s->len_got == 0) {   /* a length: one byte, or four when its top bit is set */
			s->len_need = p[i] & 0x80 ? 4 : 1;
			s->len = p[i] & 0x7f;
		} else {
			s->len = s->len << 8 | p[i];
		}
		i++;
		if (++s->len_got < s->len_need)
			continue;
		s->len_got = 0;
		/* libfcgi allocates name and value at once: lengths near 2^31
		 * make its allocator assert, and the process abort */
		if (s->len >= LISTENER_HEAD_MAX)
			return listener_refuse(s, "a name or value longer than the parameters may be");
		if (!s->have_name) {
			s->name_len = s->len;
			s->have_name = 1;
		} else {
			s->skip = s->name_len + s->len;
			s->have_name = 0;
			s->pairs++;
		}
	}
	return LISTENER_MORE;
}

enum listener_verdict listener_scan(struct listener_scan *s, const unsigned char *buf, size_t len,
                                    size_t max_body)
{
	size_t bound = listener_bound(max_body);

	while (len >= s->off && len - s->off >= FCGI_HEADER_LEN) {
		const unsigned char *h = buf + s->off, *content = h + FCGI_HEADER_LEN;
		unsigned type = h[1], id = (unsigned)h[2] << 8 | h[3];
		size_t clen = (size_t)h[4] << 8 | h[5], end = s->off + FCGI_HEADER_LEN + clen + h[6];

		/* libfcgi reads the head in the listener's thread, skipping
		 * records of other requests and answering management records
		 * as it goes: anything but what web servers send could make it
		 * wait or write there */
		if (h[0] != FCGI_VERSION_1 ||
		    type != (s->off == 0 ? FCGI_BEGIN_REQUEST : s->params_done ? FCGI_STDIN : FCGI_PARAMS) ||
		    (s->off > 0 && id != s->id))
			return listener_refuse(s, "not FCGI_BEGIN_REQUEST, then its FCGI_PARAMS, then its FCGI_STDIN");
		if (type == FCGI_BEGIN_REQUEST && (clen != 8 || id == 0))
			return listener_refuse(s, "a malformed FCGI_BEGIN_REQUEST");
		/* libfcgi skips no padding after these: it would read it as the
		 * next record (losing the parameters after a padded
		 * FCGI_BEGIN_REQUEST, the body after a padded end of them) */
		if (h[6] != 0 && (type == FCGI_BEGIN_REQUEST || clen == 0))
			return listener_refuse(s, type == FCGI_BEGIN_REQUEST ? "a padded FCGI_BEGIN_REQUEST"
			                                                     : "a padded empty record");
		if (type == FCGI_STDIN && s->stdin_bytes + clen > max_body)
			return LISTENER_TOO_BIG;
		if (!s->params_done && end > LISTENER_HEAD_MAX)
			return listener_refuse(s, "parameters of 64 KiB or more");
		if (end > bound)
			return listener_refuse(s, "a body in too many records");
		if (end > len)
			break;
		if (type == FCGI_BEGIN_REQUEST) {
			if (((unsigned)content[0] << 8 | content[1]) != FCGI_RESPONDER)
				return listener_refuse(s, "a role other than responder");
			s->id = id;
		} else if (type == FCGI_PARAMS && clen > 0) {
			if (listener_pairs(s, content, clen) == LISTENER_BAD)
				return LISTENER_BAD;
		} else if (type == FCGI_PARAMS) {
			if (s->len_got || s->have_name || s->skip)
				return listener_refuse(s, "a name-value pair cut short by the end of the parameters");
			s->params_done = 1;
		} else if (clen == 0) {
			s->off = end;
			return LISTENER_WHOLE;
		} else {
			s->stdin_bytes += clen;
		}
		s->off = end;
	}
	/* the empty FCGI_PARAMS record can no longer end in time */
	if (!s->params_done && len >= LISTENER_HEAD_MAX)
		return listener_refuse(s, "parameters of 64 KiB or more");
	return LISTENER_MORE;
}

enum listener_state {
	LC_CLOSED,    /* not a connection of ours (closed, or never was) */
	LC_PENDING,   /* its request is arriving: in the pending list */
	LC_IDLE,      /* kept, waiting for its next request: in the idle list */
	LC_HANDED,    /* handed on: the callee's until listener_keep() or
	               * listener_linger() */
	LC_LINGER,    /* answered, being closed: in the lingering list */
};

struct listener_conn {
	int fd;
	enum listener_state state;       /* written under lock */
	long long deadline;              /* monotonic ms, when in a list */
	size_t dropped;                  /* bytes read and dropped, when lingering */
	struct listener_scan scan;       /* of the request arriving */
	unsigned char *buf;              /* its bytes once read, cap of them
	                                  * (NULL while they are peeked) */
	size_t len, cap;
	struct listener_conn *prev, *next;
};

/* A doubly linked list of connections. */
struct listener_list {
	struct listener_conn *head, *tail;
	int n;
};

struct listener {
	int listen_fd, epfd, stop[2];
	struct listener_limits lim;
	listener_ready_fn ready;
	void *ctx;
	struct listener_list pending;    /* the listener thread's own */
	size_t buffered;                 /* the pending ones' buffers' cap, together */
	long long accept_resume;         /* monotonic ms: accepting paused until then (0: not) */
	int accept_full;                 /* accepting stopped: max_pending are pending */
	pthread_mutex_t lock;
	struct listener_list idle;       /* under lock */
	struct listener_list linger;     /* under lock; only the thread removes */
	struct listener_conn **by_fd;    /* under lock: each descriptor's
	                                  * record, n_by_fd of them */
	size_t n_by_fd;
	struct timeval io_timeout;       /* of each read and write */
	unsigned char *peek;             /* LISTENER_PEEK_MAX bytes */
	pthread_t thread;
};

static void listener_list_append(struct listener_list *list, struct listener_conn *c)
{
	c->next = NULL;
	c->prev = list->tail;
	if (list->tail)
		list->tail->next = c;
	else
		list->head = c;
	list->tail = c;
	list->n++;
}

static void listener_list_remove(struct listener_list *list, struct listener_conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		list->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		list->tail = c->prev;
	list->n--;
}

static void listener_set_state(struct listener *l, struct listener_conn *c, enum listener_state st)
{
	pthread_mutex_lock(&l->lock);
	c->state = st;
	pthread_mutex_unlock(&l->lock);
}

/* Watches c (again): one event, then disarmed until the next call. */
static int listener_arm(struct listener *l, struct listener_conn *c, int op)
{
	struct epoll_event ev = {
		.events = EPOLLIN | EPOLLRDHUP | EPOLLET | EPOLLONESHOT,
		.data.ptr = c,
	};

	return epoll_ctl(l->epfd, op, c->fd, &ev);
}

/* Watches the listening socket again (events EPOLLIN), or not (0). */
static void listener_watch_accept(struct listener *l, unsigned events)
{
	struct epoll_event ev = { .events = events, .data.ptr = l };

	if (epoll_ctl(l->epfd, EPOLL_CTL_MOD, l->listen_fd, &ev) < 0)
		log_warning("epoll: %s", strerror(errno));
}

/* The record for fd, new or reused from a descriptor closed since; NULL
 * when out of memory. Called with lock held. */
static struct listener_conn *listener_conn_at(struct listener *l, int fd)
{
	if ((size_t)fd >= l->n_by_fd) {
		size_t n = (size_t)fd * 2 + 64;
		struct listener_conn **v = realloc(l->by_fd, n * sizeof *v);

		if (!v)
			return NULL;
		memset(v + l->n_by_fd, 0, (n - l->n_by_fd) * sizeof *v);
		l->by_fd = v;
		l->n_by_fd = n;
	}
	if (!l->by_fd[fd] && !(l->by_fd[fd] = malloc(sizeof **l->by_fd)))
		return NULL;
	memset(l->by_fd[fd], 0, sizeof **l->by_fd);
	l->by_fd[fd]->fd = fd;
	return l->by_fd[fd];
}

/* Closes c and takes it out of list (idle or linger). Called with lock held. */
static void listener_close_in(struct listener_list *list, struct listener_conn *c)
{
	listener_list_remove(list, c);
	c->state = LC_CLOSED;
	close(c->fd);
}

/* Frees c's buffer, if it has one. */
static void listener_release(struct listener *l, struct listener_conn *c)
{
	l->buffered -= c->cap;
	free(c->buf);
	c->buf = NULL;
	c->len = c->cap = 0;
}

/* Closes pending c's connection (which also ends its watch). */
static void listener_drop(struct listener *l, struct listener_conn *c)
{
	listener_list_remove(&l->pending, c);
	listener_release(l, c);
	listener_set_state(l, c, LC_CLOSED);
	close(c->fd);
}

/* A memfd holding len bytes of buf, at offset 0; -1 on failure. */
static int listener_memfd(const unsigned char *buf, size_t len)
{
	int fd = memfd_create("galaxy-chat-request", MFD_CLOEXEC);

	for (size_t done = 0; fd >= 0 && done < len;) {
		ssize_t n = write(fd, buf + done, len - done);
		if (n < 0 && errno != EINTR) {
			close(fd);
			return -1;
		}
		done += n > 0 ? (size_t)n : 0;
	}
	if (fd >= 0 && lseek(fd, 0, SEEK_SET) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Gives pending c's connection, its request arrived, to the callback:
 * read into c->buf, the records scanned go on in a memfd, and nothing
 * after them (libfcgi would act on whatever records it found there). */
static void listener_hand_on(struct listener *l, struct listener_conn *c)
{
	int in = c->fd;

	if (c->buf && (in = listener_memfd(c->buf, c->scan.off)) < 0) {
		log_warning("memfd: %s: closing a connection", strerror(errno));
		listener_drop(l, c);
		return;
	}
	listener_list_remove(&l->pending, c);
	listener_release(l, c);
	listener_set_state(l, c, LC_HANDED);
	l->ready(c->fd, in, l->ctx);
}

/* Makes room in c's buffer, within the request's bound and the budget of
 * all buffers. Returns 0, or -1 when there is none. */
static int listener_grow(struct listener *l, struct listener_conn *c)
{
	size_t most = listener_bound(l->lim.max_body) + FCGI_HEADER_LEN;
	size_t cap = c->cap ? c->cap * 2 : 2 * (size_t)LISTENER_PEEK_MAX;
	unsigned char *buf = NULL;

	/* listener_scan decides before a request needs more than most */
	if (cap > most)
		cap = most;
	if (l->buffered - c->cap + cap <= LISTENER_BUFFERED_MAX)
		buf = realloc(c->buf, cap);
	if (!buf) {
		log_warning("no room for a request (%zu bytes of others being read): closing its connection",
		            l->buffered);
		return -1;
	}
	l->buffered += cap - c->cap;
	c->buf = buf;
	c->cap = cap;
	return 0;
}

/* Scans on through what c has sent: peeked while the request may fit the
 * peek buffer, else read into c->buf (also a request refused early, so
 * that reading it cannot wait for what was not sent). *eof is set when no
 * more will come. */
static enum listener_verdict listener_arrived(struct listener *l, struct listener_conn *c, int *eof)
{
	enum listener_verdict v;
	ssize_t n;

	if (!c->buf) {
		n = recv(c->fd, l->peek, LISTENER_PEEK_MAX, MSG_PEEK | MSG_DONTWAIT);
		if (n <= 0) {
			*eof = n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
			return LISTENER_MORE;
		}
		v = listener_scan(&c->scan, l->peek, (size_t)n, l->lim.max_body);
		if (v == LISTENER_BAD || v == LISTENER_WHOLE || (v == LISTENER_MORE && n < LISTENER_PEEK_MAX))
			return v;
	}
	/* the bytes already scanned come again, and the scan goes on after them */
	for (;;) {
		if (c->len == c->cap && listener_grow(l, c) < 0)
			return LISTENER_BAD;
		n = recv(c->fd, c->buf + c->len, c->cap - c->len, MSG_DONTWAIT);
		if (n <= 0) {
			*eof = n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
			return LISTENER_MORE;
		}
		c->len += (size_t)n;
		if ((v = listener_scan(&c->scan, c->buf, c->len, l->lim.max_body)) != LISTENER_MORE)
			return v;
	}
}

/* Looks at what pending c has sent so far; hands it on or drops it when
 * that is decided. hup: the client will send nothing more. */
static void listener_look(struct listener *l, struct listener_conn *c, int hup)
{
	int eof = 0;
	enum listener_verdict v = listener_arrived(l, c, &eof);

	if (v == LISTENER_WHOLE || v == LISTENER_TOO_BIG) {
		listener_hand_on(l, c);
		return;
	}
	if (v == LISTENER_BAD && c->scan.why)
		log_info("a malformed FastCGI request (%s): connection closed", c->scan.why);
	if (v == LISTENER_BAD || eof || hup) {
		listener_drop(l, c);
		return;
	}
	if (listener_arm(l, c, EPOLL_CTL_MOD) < 0) {
		log_warning("epoll: %s", strerror(errno));
		listener_drop(l, c);
	}
}

/* Reads and drops what lingering c's client still sends; closes c once it
 * closes, fails, or has sent max_drain bytes. */
static void listener_drain(struct listener *l, struct listener_conn *c)
{
	char trash[16384];
	ssize_t n = 0;

	while (c->dropped < l->lim.max_drain && (n = recv(c->fd, trash, sizeof trash, MSG_DONTWAIT)) > 0)
		c->dropped += (size_t)n;
	int more = c->dropped < l->lim.max_drain && n < 0 &&
	           (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR);
	if (more && listener_arm(l, c, EPOLL_CTL_MOD) == 0)
		return;
	pthread_mutex_lock(&l->lock);
	listener_close_in(&l->linger, c);
	pthread_mutex_unlock(&l->lock);
}

/* An event on c: an idle connection whose next request begins becomes
 * pending; one closed since the event was queued is left alone. */
static void listener_event(struct listener *l, struct listener_conn *c, int hup)
{
	enum listener_state was;

	pthread_mutex_lock(&l->lock);
	if ((was = c->state) == LC_IDLE) {
		listener_list_remove(&l->idle, c);
		c->state = LC_PENDING;
	}
	pthread_mutex_unlock(&l->lock);
	if (was == LC_IDLE) {
		c->deadline = monotime_ms() + l->lim.request_timeout_ms;
		listener_list_append(&l->pending, c);
	}
	if (was == LC_IDLE || was == LC_PENDING)
		listener_look(l, c, hup);
	else if (was == LC_LINGER)
		listener_drain(l, c);
}

static void listener_accept(struct listener *l)
{
	for (;;) {
		/* a burst beyond max_pending waits in the listen backlog, where
		 * the web server's connect waits for it, until some of these
		 * have been read (listener_expire accepts again) */
		if (l->pending.n >= l->lim.max_pending) {
			l->accept_full = 1;
			listener_watch_accept(l, 0);
			return;
		}
		/* blocking, each read and write bounded by io_timeout_s; the
		 * peeks and reads above do not wait */
		int fd = accept4(l->listen_fd, NULL, NULL, SOCK_CLOEXEC), e = errno;
		if (fd < 0) {
			int closed = 0;
			if (e == EMFILE || e == ENFILE) {   /* idle connections must not lock new ones out */
				struct listener_list *oldest = l->linger.head ? &l->linger : &l->idle;
				pthread_mutex_lock(&l->lock);
				if ((closed = oldest->head != NULL))
					listener_close_in(oldest, oldest->head);
				pthread_mutex_unlock(&l->lock);
			}
			if (closed)
				continue;
			if (e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM) {
				log_warning("accept: %s; pausing for %d ms", strerror(e), LISTENER_PAUSE_MS);
				listener_watch_accept(l, 0);
				l->accept_resume = monotime_ms() + LISTENER_PAUSE_MS;
			}
			return;   /* EAGAIN: another process took it, or none left */
		}
		struct listener_conn *c;
		pthread_mutex_lock(&l->lock);
		if ((c = listener_conn_at(l, fd)))
			c->state = LC_PENDING;
		pthread_mutex_unlock(&l->lock);
		if (!c) {
			log_warning("out of memory for a new connection: closing it");
			close(fd);
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &l->io_timeout, sizeof l->io_timeout);
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &l->io_timeout, sizeof l->io_timeout);
		c->deadline = monotime_ms() + l->lim.request_timeout_ms;
		listener_list_append(&l->pending, c);
		if (listener_arm(l, c, EPOLL_CTL_ADD) < 0) {
			log_warning("epoll: %s", strerror(errno));
			listener_drop(l, c);
		}
		/* data that arrived before the add is reported by the add itself */
	}
}

void listener_keep(struct listener *l, int fd)
{
	struct listener_conn *c;

	pthread_mutex_lock(&l->lock);
	/* fd came from listener_hand_on and stayed open: its record and its
	 * disarmed watch are still there */
	c = (size_t)fd < l->n_by_fd ? l->by_fd[fd] : NULL;
	if (!c || l->lim.max_idle <= 0) {
		pthread_mutex_unlock(&l->lock);
		close(fd);
		return;
	}
	if (l->idle.n >= l->lim.max_idle)
		listener_close_in(&l->idle, l->idle.head);   /* the one the web server is least likely to reuse */
	memset(&c->scan, 0, sizeof c->scan);
	c->state = LC_IDLE;
	c->deadline = monotime_ms() + l->lim.idle_timeout_ms;
	listener_list_append(&l->idle, c);
	/* under the lock: once armed, the listener thread may look at c */
	if (listener_arm(l, c, EPOLL_CTL_MOD) < 0) {
		listener_list_remove(&l->idle, c);
		c->state = LC_CLOSED;
		close(fd);
	}
	pthread_mutex_unlock(&l->lock);
}

void listener_linger(struct listener *l, int fd)
{
	struct listener_conn *c;

	shutdown(fd, SHUT_WR);
	pthread_mutex_lock(&l->lock);
	c = (size_t)fd < l->n_by_fd ? l->by_fd[fd] : NULL;
	if (!c) {
		pthread_mutex_unlock(&l->lock);
		close(fd);
		return;
	}
	c->state = LC_LINGER;
	c->dropped = 0;
	c->deadline = monotime_ms() + l->lim.request_timeout_ms;
	listener_list_append(&l->linger, c);
	if (listener_arm(l, c, EPOLL_CTL_MOD) < 0)
		listener_close_in(&l->linger, c);
	pthread_mutex_unlock(&l->lock);
}

/* How long the thread may sleep: until the next deadline, and never
 * longer than the deadline of a connection a worker adds meanwhile (see
 * the top of this file). */
static int listener_timeout(struct listener *l)
{
	int most = l->lim.idle_timeout_ms < l->lim.request_timeout_ms ? l->lim.idle_timeout_ms
	                                                               : l->lim.request_timeout_ms;
	long long now = monotime_ms(), next = now + most;

	if (l->pending.head && l->pending.head->deadline < next)
		next = l->pending.head->deadline;
	pthread_mutex_lock(&l->lock);
	if (l->idle.head && l->idle.head->deadline < next)
		next = l->idle.head->deadline;
	if (l->linger.head && l->linger.head->deadline < next)
		next = l->linger.head->deadline;
	pthread_mutex_unlock(&l->lock);
	if (l->accept_resume && l->accept_resume < next)
		next = l->accept_resume;
	return next <= now ? 0 : (int)(next - now);
}

/* Closes the connections whose time is up, and accepts again after a pause
 * or once fewer than max_pending are pending. */
static void listener_expire(struct listener *l)
{
	long long now = monotime_ms();

	while (l->pending.head && l->pending.head->deadline <= now) {
		log_info("a client sent no whole request in %d ms: closing it", l->lim.request_timeout_ms);
		listener_drop(l, l->pending.head);
	}
	pthread_mutex_lock(&l->lock);
	while (l->idle.head && l->idle.head->deadline <= now)
		listener_close_in(&l->idle, l->idle.head);
	while (l->linger.head && l->linger.head->deadline <= now)
		listener_close_in(&l->linger, l->linger.head);
	pthread_mutex_unlock(&l->lock);
	if (l->accept_resume && l->accept_resume <= now) {
		l->accept_resume = 0;
		if (!l->accept_full)
			listener_watch_accept(l, EPOLLIN);
	}
	if (l->accept_full && l->pending.n < l->lim.max_pending) {
		l->accept_full = 0;
		if (!l->accept_resume)
			listener_watch_accept(l, EPOLLIN);
	}
}

static void *listener_main(void *arg)
{
	struct listener *l = arg;
	struct epoll_event evs[64];

	for (;;) {
		int n = epoll_wait(l->epfd, evs, 64, listener_timeout(l));
		if (n < 0 && errno != EINTR) {
			log_error("epoll_wait: %s", strerror(errno));
			break;
		}
		for (int i = 0; i < n; i++) {
			if (evs[i].data.ptr == &l->stop)
				goto out;
			if (evs[i].data.ptr == l)
				listener_accept(l);
			else
				listener_event(l, evs[i].data.ptr,
				               (evs[i].events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0);
		}
		listener_expire(l);
	}
out:
	while (l->pending.head)
		listener_drop(l, l->pending.head);
	pthread_mutex_lock(&l->lock);
	while (l->idle.head)
		listener_close_in(&l->idle, l->idle.head);
	while (l->linger.head)
		listener_close_in(&l->linger, l->linger.head);
	pthread_mutex_unlock(&l->lock);
	return NULL;
}

int listener_new(int listen_fd, const struct listener_limits *lim,
                 listener_ready_fn ready, void *ctx, struct listener **out,
                 char *err, size_t errlen)
{
	struct listener *l = calloc(1, sizeof *l);
	struct epoll_event ev = { .events = EPOLLIN };

	*out = NULL;
	if (!l || !(l->peek = malloc(LISTENER_PEEK_MAX))) {
		free(l);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	l->listen_fd = listen_fd;
	l->lim = *lim;
	l->io_timeout.tv_sec = lim->io_timeout_s;
	pthread_mutex_init(&l->lock, NULL);
	l->ready = ready;
	l->ctx = ctx;
	l->stop[0] = l->stop[1] = l->epfd = -1;
	/* non-blocking: other processes may take a connection first */
	if (fcntl(listen_fd, F_SETFL, fcntl(listen_fd, F_GETFL) | O_NONBLOCK) < 0 ||
	    pipe2(l->stop, O_CLOEXEC) < 0 ||
	    (l->epfd = epoll_create1(EPOLL_CLOEXEC)) < 0)
		goto fail;
	ev.data.ptr = l;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, listen_fd, &ev) < 0)
		goto fail;
	ev.data.ptr = &l->stop;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->stop[0], &ev) < 0)
		goto fail;
	if ((errno = pthread_create(&l->thread, NULL, listener_main, l)) != 0)
		goto fail;
	*out = l;
	return 0;
fail:
	snprintf(err, errlen, "listener: %s", strerror(errno));
	if (l->epfd >= 0)
		close(l->epfd);
	if (l->stop[0] >= 0) {
		close(l->stop[0]);
		close(l->stop[1]);
	}
	free(l->peek);
	free(l);
	return -1;
}

void listener_free(struct listener *l)
{
	if (!l)
		return;
	if (write(l->stop[1], "x", 1) != 1)
		log_warning("listener: cannot signal the stop: %s", strerror(errno));
	pthread_join(l->thread, NULL);
	for (size_t i = 0; i < l->n_by_fd; i++)
		free(l->by_fd[i]);
	free(l->by_fd);
	close(l->epfd);
	close(l->stop[0]);
	close(l->stop[1]);
	free(l->peek);
	free(l);
}
