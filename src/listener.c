/*
 * listener.c - accept, and wait without a thread for whole requests (see
 * listener.h).
 *
 * Connections are watched edge-triggered and one-shot: each arrival of
 * data wakes the thread once, which peeks at everything buffered so far
 * and walks the FastCGI records (listener_complete), re-arming the watch
 * if more must come. A connection handed on stays registered, disarmed,
 * so that keeping it again is one EPOLL_CTL_MOD instead of a removal and
 * an addition; its record stays in a table by descriptor until the
 * descriptor is accepted again or the listener ends.
 *
 * Connections that have begun a request wait in arrival order, and all
 * get the same deadline, so that list is sorted by deadline and expiry
 * only ever looks at its head. Connections the web server keeps between
 * requests (FCGI_KEEP_CONN) wait idle in a second list, without a
 * deadline, until their next request begins; workers add to that list,
 * so it (and the table by descriptor) has a lock.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "listener.h"
#include "log.h"
#include "monotime.h"

#define FCGI_HEADER_LEN 8
#define FCGI_VERSION_1 1
#define FCGI_BEGIN_REQUEST 1
#define FCGI_PARAMS 4
#define FCGI_STDIN 5

struct listener_conn {
	int fd;
	int idle;                        /* in the idle list, else the pending one
	                                  * (or neither, once handed on) */
	long long deadline;              /* monotonic ms, when pending */
	struct listener_conn *prev, *next;
};

/* A doubly linked list of connections. */
struct listener_list {
	struct listener_conn *head, *tail;
	int n;
};

struct listener {
	int listen_fd, epfd, stop[2];
	int max_pending, head_timeout_ms;
	listener_ready_fn ready;
	void *ctx;
	struct listener_list pending;    /* the listener thread's own */
	pthread_mutex_t idle_lock;
	struct listener_list idle;       /* under idle_lock */
	struct listener_conn **by_fd;    /* under idle_lock: each descriptor's
	                                  * record, n_by_fd of them */
	size_t n_by_fd;
	struct timeval io_timeout;       /* of each read and write */
	unsigned char *buf;              /* LISTENER_PEEK_MAX bytes */
	pthread_t thread;
};

int listener_complete(const unsigned char *buf, size_t len, size_t cap)
{
	size_t off = 0;
	int params_done = 0;
	unsigned id = len >= 4 ? (unsigned)buf[2] << 8 | buf[3] : 0;

	while (len - off >= FCGI_HEADER_LEN) {
		const unsigned char *h = buf + off;
		size_t clen = (size_t)h[4] << 8 | h[5];

		/* libfcgi reads the head in the listener's thread, skipping
		 * records of other requests and answering management records
		 * as it goes: anything but what web servers send (BEGIN_REQUEST,
		 * then this request's PARAMS, then its STDIN) could make it wait
		 * or write there, so it is refused */
		if (h[0] != FCGI_VERSION_1 ||
		    (off == 0 ? h[1] != FCGI_BEGIN_REQUEST
		              : ((unsigned)h[2] << 8 | h[3]) != id ||
		                h[1] != (params_done ? FCGI_STDIN : FCGI_PARAMS)))
			return -1;
		if (len - off < FCGI_HEADER_LEN + clen + h[6])
			break;
		if (h[1] == FCGI_STDIN && clen == 0)
			return 2;
		if (h[1] == FCGI_PARAMS && clen == 0)
			params_done = 1;
		off += FCGI_HEADER_LEN + clen + h[6];
	}
	if (len >= cap)
		return params_done ? 1 : -1;
	return 0;
}

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

/* Watches c (again): one event, then disarmed until the next call. */
static int listener_arm(struct listener *l, struct listener_conn *c, int op)
{
	struct epoll_event ev = {
		.events = EPOLLIN | EPOLLRDHUP | EPOLLET | EPOLLONESHOT,
		.data.ptr = c,
	};

	return epoll_ctl(l->epfd, op, c->fd, &ev);
}

/* The record for fd, new or reused from a descriptor closed since; NULL
 * when out of memory. Called with idle_lock held. */
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

/* Takes c out of its list (its watch stays, disarmed after its event). */
static void listener_unlink(struct listener *l, struct listener_conn *c)
{
	if (c->idle) {
		pthread_mutex_lock(&l->idle_lock);
		listener_list_remove(&l->idle, c);
		pthread_mutex_unlock(&l->idle_lock);
		c->idle = 0;
	} else {
		listener_list_remove(&l->pending, c);
	}
}

/* Closes c's connection (which also ends its watch). */
static void listener_drop(struct listener *l, struct listener_conn *c)
{
	listener_unlink(l, c);
	close(c->fd);
}

/* Gives c's connection to the callback; whole: its request is all buffered. */
static void listener_hand_on(struct listener *l, struct listener_conn *c, int whole)
{
	listener_unlink(l, c);
	l->ready(c->fd, whole, l->ctx);
}

/* Looks at what c has sent so far; hands it on or drops it when that is
 * decided. An idle connection that has begun a request becomes pending.
 * hup: the client will send nothing more. */
static void listener_look(struct listener *l, struct listener_conn *c, int hup)
{
	ssize_t n = recv(c->fd, l->buf, LISTENER_PEEK_MAX, MSG_PEEK | MSG_DONTWAIT);
	int done;

	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		done = hup ? -1 : 0;
	else if (n <= 0)
		done = -1;
	else if ((done = listener_complete(l->buf, (size_t)n, LISTENER_PEEK_MAX)) == 0 && hup)
		done = -1;
	if (done > 0) {
		listener_hand_on(l, c, done == 2);
		return;
	}
	if (done < 0) {
		listener_drop(l, c);
		return;
	}
	if (c->idle && n > 0) {
		listener_unlink(l, c);
		c->deadline = monotime_ms() + l->head_timeout_ms;
		listener_list_append(&l->pending, c);
	}
	if (listener_arm(l, c, EPOLL_CTL_MOD) < 0) {
		log_warning("epoll: %s", strerror(errno));
		listener_drop(l, c);
	}
}

static void listener_accept(struct listener *l)
{
	for (;;) {
		/* blocking, each read and write bounded by io_timeout_s; the
		 * peeks above do not wait */
		int fd = accept4(l->listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
				log_warning("accept: %s; pausing", strerror(errno));
				usleep(100000);
			}
			return;   /* EAGAIN: another process took it, or none left */
		}
		struct listener_conn *c = NULL;
		if (l->pending.n < l->max_pending) {
			pthread_mutex_lock(&l->idle_lock);
			c = listener_conn_at(l, fd);
			pthread_mutex_unlock(&l->idle_lock);
		}
		if (!c) {
			log_warning("%d connections are waiting for their request: closing a new one",
			            l->pending.n);
			close(fd);
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &l->io_timeout, sizeof l->io_timeout);
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &l->io_timeout, sizeof l->io_timeout);
		c->deadline = monotime_ms() + l->head_timeout_ms;
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

	pthread_mutex_lock(&l->idle_lock);
	/* fd came from listener_hand_on and stayed open: its record and its
	 * disarmed watch are still there */
	c = (size_t)fd < l->n_by_fd ? l->by_fd[fd] : NULL;
	if (!c || l->idle.n >= l->max_pending) {
		pthread_mutex_unlock(&l->idle_lock);
		close(fd);
		return;
	}
	c->idle = 1;
	listener_list_append(&l->idle, c);
	/* under the lock: once armed, the listener thread may look at c */
	if (listener_arm(l, c, EPOLL_CTL_MOD) < 0) {
		listener_list_remove(&l->idle, c);
		c->idle = 0;
		close(fd);
	}
	pthread_mutex_unlock(&l->idle_lock);
}

static void *listener_main(void *arg)
{
	struct listener *l = arg;
	struct epoll_event evs[64];

	for (;;) {
		int timeout = -1;
		if (l->pending.head) {
			long long left = l->pending.head->deadline - monotime_ms();
			timeout = left < 0 ? 0 : (int)left;
		}
		int n = epoll_wait(l->epfd, evs, 64, timeout);
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
				listener_look(l, evs[i].data.ptr,
				              (evs[i].events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0);
		}
		for (long long now = monotime_ms(); l->pending.head && l->pending.head->deadline <= now;) {
			log_info("a client sent no whole request in %d ms: closing it", l->head_timeout_ms);
			listener_drop(l, l->pending.head);
		}
	}
out:
	while (l->pending.head)
		listener_drop(l, l->pending.head);
	while (l->idle.head)
		listener_drop(l, l->idle.head);
	return NULL;
}

int listener_new(int listen_fd, int max_pending, int head_timeout_ms, int io_timeout_s,
                 listener_ready_fn ready, void *ctx, struct listener **out,
                 char *err, size_t errlen)
{
	struct listener *l = calloc(1, sizeof *l);
	struct epoll_event ev = { .events = EPOLLIN };

	*out = NULL;
	if (!l || !(l->buf = malloc(LISTENER_PEEK_MAX))) {
		free(l);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	l->listen_fd = listen_fd;
	l->max_pending = max_pending;
	l->head_timeout_ms = head_timeout_ms;
	l->io_timeout.tv_sec = io_timeout_s;
	pthread_mutex_init(&l->idle_lock, NULL);
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
	free(l->buf);
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
	free(l->buf);
	free(l);
}
