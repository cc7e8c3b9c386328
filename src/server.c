/*
 * server.c - the FastCGI life cycle (see server.h).
 *
 * The listener (listener.c) accepts connections and holds each, without a
 * thread, until its whole request has arrived; then libfcgi parses it
 * (FCGX_Accept_r on that descriptor), so slow clients cannot stall anyone.
 * A long poll that memory alone can answer or park runs right there
 * (struct call's quick mode); every other request goes to a bounded pool
 * of workers, each with its own store connection, started when a job
 * finds every worker busy (so a mod_fcgid process, given one request at a
 * time, has one: each worker's thread holds a malloc arena, a stack and a
 * store connection with its page cache, most of such a process's memory). A parked poll holds no
 * thread; the hub's thread writes its answer when the socket can take it
 * whole and the auth cache vouches for its session, else a worker does
 * (server_poll_answer). A connection the web server keeps goes back
 * to the listener for its next request, any other to the listener to be
 * closed once the client is done sending. SIGTERM stops the listener,
 * answers every parked poll, drains the queue and exits.
 */
#include <errno.h>
#include <fcntl.h>
#include <fcgiapp.h>
#include <grp.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/sockios.h>

#include "api.h"
#include "auth.h"
#include "cfg.h"
#include "hub.h"
#include "listener.h"
#include "log.h"
#include "postbatch.h"
#include "presence.h"
#include "ratelimit.h"
#include "router.h"
#include "server.h"
#include "store.h"

#define SERVER_REQUEST_TIMEOUT_MS 10000   /* a client has this long to send its whole request */
#define SERVER_IO_TIMEOUT_S 10            /* then each read and write on it may take this long */
#define SERVER_SPARE_FILES 256            /* open files besides connections: stores, databases */
/* On standard input (mod_fcgid: a request at a time, hundreds of
 * processes) and in CGI, memory per process counts more than speed: the
 * hub keeps this many events (the others are read from the store when a
 * poll asks for them), the threads share SERVER_ONE_ARENAS malloc arenas
 * instead of one each, and a worker gives the heap's free pages back
 * after each job (bench/README.md, "mod_fcgid memory"). */
#define SERVER_ONE_RING 256
#define SERVER_ONE_ARENAS 1

extern char **environ;

/* A queued piece of work for a worker: a new request (resp NULL; read
 * already when read is set), a finished response to write, or a parked
 * poll's answer that waits for its session to be checked again (poll_user
 * set: resp is the 200 body, with poll_events events; server_poll_answer). */
struct job {
	FCGX_Request *fcgx;   /* NULL in CGI mode */
	int read;
	struct request req;   /* when read */
	char *resp;
	size_t len;
	long long poll_user;
	size_t poll_events;
	struct job *next;
};

/* A request's libfcgi state with its server, for the hub's done callback
 * (a parked poll's ctx). Allocated as one block: freeing fcgx frees it. */
struct server_fcgx {
	FCGX_Request fcgx;          /* first */
	struct server *s;
};

struct server {
	const struct cfg *cfg;
	struct auth *auth;
	struct hub *hub;
	struct rate *rate;
	struct presence *presence;  /* users seen, for the store and the hub */
	struct postbatch *batch;    /* the workers' posts, committed together; NULL: alone */
	int listen_fd;
	struct listener *listener;  /* under lock; NULL once stopping */
	int cgi;
	struct server_fcgx cgi_request; /* CGI mode's one request, for the hub (fcgx unused) */
	pthread_mutex_t lock;
	pthread_cond_t more;        /* the queue got a job, or stopping */
	pthread_cond_t idle;        /* in_flight dropped */
	struct job *head, *tail;
	int queued;                 /* jobs in the queue */
	pthread_t workers[256];     /* the workers started (under lock) */
	int nworkers, max_workers;  /* started; at most (cfg->workers) */
	int waiting;                /* workers waiting for a job */
	int in_flight;              /* accepted and not yet finished */
	int stopping;
	int cgi_done;
	int no_store;               /* the store cannot be opened: see server_run */
	int lean;                   /* on standard input or CGI: see SERVER_ONE_RING */
	int heavy;                  /* heavy requests running (struct call), atomic */
};

/* A new zeroed FCGX_Request of s's (caller frees), or NULL. */
static FCGX_Request *server_fcgx_new(struct server *s)
{
	struct server_fcgx *sf = calloc(1, sizeof *sf);

	if (!sf)
		return NULL;
	sf->s = s;
	return &sf->fcgx;
}

static void *server_worker(void *arg);

/* Starts one more worker unless max_workers run already or stopping
 * (under lock). A worker that cannot be started is not needed yet: the
 * ones there take the job in turn. */
static void server_spawn(struct server *s)
{
	if (s->nworkers < s->max_workers && !s->stopping &&
	    pthread_create(&s->workers[s->nworkers], NULL, server_worker, s) == 0)
		s->nworkers++;
}

static void server_push(struct server *s, struct job *j)
{
	pthread_mutex_lock(&s->lock);
	j->next = NULL;
	if (s->tail)
		s->tail->next = j;
	else
		s->head = j;
	s->tail = j;
	if (++s->queued > s->waiting)
		server_spawn(s);
	pthread_cond_signal(&s->more);
	pthread_mutex_unlock(&s->lock);
}

/* Closes a finished request's connection without waiting for the client,
 * when there is no listener to linger on it: what it has sent is read and
 * dropped (so closing does not reset the connection under the reply), then
 * the descriptor is closed. libfcgi's own close would keep reading for as
 * long as the client trickles bytes, holding this worker. */
static void server_close(int fd)
{
	char trash[4096];

	shutdown(fd, SHUT_WR);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	for (int i = 0; i < 64 && read(fd, trash, sizeof trash) > 0; i++)
		;
	close(fd);
}

/* Writes a whole response and ends the request; frees fcgx. The
 * connection goes back to the listener: kept when the web server keeps it
 * (fcgx->keepConnection, from its FCGI_KEEP_CONN) and the request was read
 * whole, else to be closed (listener_linger); without a listener (stopping,
 * or not started yet) it is closed here. */
static void server_finish(struct server *s, FCGX_Request *fcgx, const char *resp, size_t len)
{
	int fd = -1, keep = 0;

	if (fcgx) {
		keep = fcgx->keepConnection;
		FCGX_PutStr(resp, (int)len, fcgx->out);
		/* flush and end, but leave closing to us: libfcgi closes itself
		 * after a read error (a body the listener handed on cut short),
		 * waiting for the client */
		fcgx->keepConnection = 1;
		FCGX_ClearError(fcgx->in);
		FCGX_Finish_r(fcgx);
		fd = fcgx->ipcFd;
		fcgx->ipcFd = -1;
		FCGX_Free(fcgx, 1);
		free(fcgx);
	} else {
		fwrite(resp, 1, len, stdout);
		fflush(stdout);
	}
	pthread_mutex_lock(&s->lock);
	if (fd >= 0 && s->listener) {
		if (keep)
			listener_keep(s->listener, fd);
		else
			listener_linger(s->listener, fd);
		fd = -1;
	}
	s->in_flight--;
	if (!fcgx)
		s->cgi_done = 1;
	pthread_cond_broadcast(&s->idle);
	pthread_mutex_unlock(&s->lock);
	if (fd >= 0)
		server_close(fd);
}

/* rep serialized, with CORS headers when the request's Origin asks for them. */
static char *server_serialize(struct server *s, FCGX_Request *fcgx, struct reply *rep, size_t *len)
{
	router_cors(s->cfg, request_env(fcgx ? fcgx->envp : environ, "HTTP_ORIGIN"), rep);
	return reply_serialize(rep, len);
}

/* Whether len bytes of response can be written to fd without waiting: the
 * socket's send buffer has room for them, twice over for the FastCGI
 * records and the kernel's own accounting. */
static int server_fits(int fd, size_t len)
{
	int sndbuf = 0, queued = 0;
	socklen_t optlen = sizeof sndbuf;

	if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, &optlen) < 0 ||
	    ioctl(fd, SIOCOUTQ, &queued) < 0)
		return 0;
	return (long long)queued + 2 * (long long)len + 4096 <= sndbuf;
}

/* Answers fcgx's request (the CGI request when NULL) with rep. On a thread
 * that must not wait (may_wait 0), a response the connection cannot take
 * at once is queued for a worker to write instead. */
static void server_respond(struct server *s, FCGX_Request *fcgx, struct reply *rep, int may_wait)
{
	static const char oom[] = "Status: 500 Internal Server Error\r\n\r\n";
	size_t len;
	char *resp = server_serialize(s, fcgx, rep, &len);
	struct job *j;

	if (resp && !may_wait && fcgx && !server_fits(fcgx->ipcFd, len) && (j = calloc(1, sizeof *j))) {
		j->fcgx = fcgx;
		j->resp = resp;
		j->len = len;
		server_push(s, j);
		return;
	}
	server_finish(s, fcgx, resp ? resp : oom, resp ? len : sizeof oom - 1);
	free(resp);
}

/* Answers a finished poll of user_id, the request fcgx (the CGI request
 * when NULL), with its 200 body of n events (taken; NULL when out of
 * memory). A poll may have waited far longer than auth_cache_seconds since
 * its session (or API key) was checked: events go out only while it is
 * still user_id's, as for any request. Off a worker the auth cache's word is
 * taken (auth_check_cached); when the cache no longer knows, the answer is
 * queued for a worker, which asks Galaxy's database (auth_check): at most
 * one query per session per auth_cache_seconds, however many polls wait. */
static void server_poll_answer(struct server *s, FCGX_Request *fcgx, long long user_id,
                               char *body, size_t len, size_t n, int on_worker)
{
	struct reply rep = { 0 };
	enum auth_result res = AUTH_OK;
	char err[256] = "";
	struct job *j;

	if (body && n) {
		struct auth_creds cr;
		struct user u;
		request_credentials(fcgx ? fcgx->envp : environ, &cr.cookie, &cr.api_key,
		                    &cr.api_key_repeated);
		res = on_worker ? auth_check(s->auth, &cr, &u, err, sizeof err)
		                : auth_check_cached(s->auth, &cr, &u, err, sizeof err);
		if (res == AUTH_OK && u.id != user_id)
			res = AUTH_NO_SESSION;
	}
	if (res == AUTH_NOT_CACHED && (j = calloc(1, sizeof *j))) {
		j->fcgx = fcgx;
		j->resp = body;
		j->len = len;
		j->poll_user = user_id;
		j->poll_events = n;
		server_push(s, j);
		return;
	}
	if (res == AUTH_OK && body)
		reply_raw(&rep, 200, body, len);
	else if (res == AUTH_OK || res == AUTH_NOT_CACHED)
		reply_error(&rep, 500, "out of memory");
	else
		router_auth_error(&(struct call){ .cfg = s->cfg, .rep = &rep }, res, err);
	free(body);
	server_respond(s, fcgx, &rep, on_worker);
	reply_clear(&rep);
}

/* The hub's callback, on its thread: answers the parked poll. */
static void server_park_done(struct hub_waiter *w, char *body, size_t len, size_t n)
{
	struct server_fcgx *sf = w->ctx;

	server_poll_answer(sf->s, sf == &sf->s->cgi_request ? NULL : &sf->fcgx, w->user_id,
	                   body, len, n, 0);
	hub_waiter_free(w);
}

static long server_fcgx_read(void *rd, char *buf, size_t len)
{
	return FCGX_GetStr(buf, len > 1 << 20 ? 1 << 20 : (int)len, ((FCGX_Request *)rd)->in);
}

static long server_stdin_read(void *rd, char *buf, size_t len)
{
	(void)rd;
	size_t n = fread(buf, 1, len, stdin);
	return n ? (long)n : (ferror(stdin) ? -1 : 0);
}

/* Reads fcgx's request (the CGI request when NULL) into req, which the
 * caller frees with request_free() either way. Returns 0, or -1 with the
 * error answer in rep. The connection is kept for another request only if
 * this one was read through its end. */
static int server_read(struct server *s, FCGX_Request *fcgx, struct request *req, struct reply *rep)
{
	char err[256] = "";
	enum request_problem p;

	p = fcgx ? request_read(req, fcgx->envp, server_fcgx_read, fcgx, s->cfg->max_body_bytes, err, sizeof err)
	         : request_read(req, environ, server_stdin_read, NULL, s->cfg->max_body_bytes, err, sizeof err);
	if (fcgx && (p != REQUEST_OK || FCGX_GetChar(fcgx->in) != EOF || FCGX_GetError(fcgx->in)))
		fcgx->keepConnection = 0;
	if (p == REQUEST_IO)
		log_info("request dropped: %s", err);
	if (p != REQUEST_OK)
		reply_error(rep, p == REQUEST_TOO_LARGE ? 413 : 400, "%s", err);
	return p == REQUEST_OK ? 0 : -1;
}

/* This worker's store connection, (re)opened when needed. */
struct worker {
	struct server *s;
	struct store *store;
	char store_error[256];
};

/* Runs req, read from fcgx: on worker wk, or with wk NULL on a thread
 * that must not wait (struct call's quick mode). Returns 1 when it is dealt
 * with (answered, or parked in the hub), 0 when only a worker can run it. */
static int server_dispatch(struct server *s, struct worker *wk, FCGX_Request *fcgx,
                           struct request *req)
{
	struct reply rep = { 0 };

	if (wk && !wk->store && !s->no_store &&
	    store_open(s->cfg->store, (const char *const *)s->cfg->persistent_rooms,
	               s->cfg->n_persistent_rooms, &wk->store, wk->store_error, sizeof wk->store_error) < 0)
		wk->store = NULL;
	struct call c = {
		.cfg = s->cfg, .auth = s->auth, .hub = s->hub, .rate = s->rate, .presence = s->presence,
		.batch = s->batch,
		.store = wk ? wk->store : NULL, .store_error = wk ? wk->store_error : "not on a worker",
		.req = req, .rep = &rep,
		.park_done = server_park_done, .quick = !wk, .heavy = &s->heavy,
		.park_ctx = fcgx ? (void *)fcgx : (void *)&s->cgi_request,
	};
	router_dispatch(&c);
	if (c.deferred) {
		reply_clear(&rep);
		return 0;
	}
	if (c.store_failed && wk && wk->store) {
		/* a failing connection is remade on the next request */
		store_close(wk->store);
		wk->store = NULL;
	}
	if (!c.parked)
		server_respond(s, fcgx, &rep, wk != NULL);
	reply_clear(&rep);
	return 1;
}

/* Reads and runs fcgx's request (the CGI request when NULL) on wk. */
static void server_handle(struct worker *wk, FCGX_Request *fcgx)
{
	struct request req;
	struct reply rep = { 0 };

	if (server_read(wk->s, fcgx, &req, &rep) < 0)
		server_respond(wk->s, fcgx, &rep, 1);
	else
		server_dispatch(wk->s, wk, fcgx, &req);
	request_free(&req);
	reply_clear(&rep);
}

static void *server_worker(void *arg)
{
	struct worker wk = { .s = arg };
	struct server *s = wk.s;

	for (;;) {
		pthread_mutex_lock(&s->lock);
		while (!s->head && !s->stopping) {
			s->waiting++;
			pthread_cond_wait(&s->more, &s->lock);
			s->waiting--;
		}
		struct job *j = s->head;
		if (!j) {  /* stopping and nothing queued */
			pthread_mutex_unlock(&s->lock);
			break;
		}
		s->queued--;
		s->head = j->next;
		if (!s->head)
			s->tail = NULL;
		pthread_mutex_unlock(&s->lock);
		if (j->poll_user) {
			server_poll_answer(s, j->fcgx, j->poll_user, j->resp, j->len, j->poll_events, 1);
			j->resp = NULL;
		} else if (j->resp) {
			server_finish(s, j->fcgx, j->resp, j->len);
		} else if (j->read) {
			server_dispatch(s, &wk, j->fcgx, &j->req);
			request_free(&j->req);
		} else {
			server_handle(&wk, j->fcgx);
		}
		free(j->resp);
		free(j);
		if (s->lean)
			malloc_trim(0);
	}
	store_close(wk.store);
	return NULL;
}

/* The listener's callback: fd's request can be read from in (fd itself,
 * or a memfd holding what the listener read from fd) without waiting. It is
 * read here, and a long poll that memory alone can answer or park (struct
 * call's quick mode) is dealt with here; everything else goes to the
 * workers, read already. */
static void server_ready(int fd, int in, void *arg)
{
	struct server *s = arg;
	FCGX_Request *fcgx = server_fcgx_new(s);
	struct job *j = calloc(1, sizeof *j);
	struct reply rep = { 0 };

	/* No listening socket (-1): on a malformed request libfcgi closes in
	 * and fails instead of accepting another connection itself.
	 * keepConnection keeps in across the FCGX_Finish_r FCGX_Accept_r starts
	 * with; it is then set from the request. */
	if (!fcgx || !j || FCGX_InitRequest(fcgx, -1, 0) != 0) {
		free(fcgx);
		free(j);
		if (in != fd)
			close(in);
		close(fd);
		log_error("out of memory accepting a request");
		return;
	}
	fcgx->ipcFd = in;
	fcgx->keepConnection = 1;
	if (FCGX_Accept_r(fcgx) != 0) {
		log_info("a malformed FastCGI request: connection closed");
		FCGX_Free(fcgx, 1);
		free(fcgx);
		free(j);
		if (in != fd)
			close(fd);
		return;
	}
	pthread_mutex_lock(&s->lock);
	int busy = ++s->in_flight > s->cfg->max_connections;
	pthread_mutex_unlock(&s->lock);
	if (busy) {
		reply_header(&rep, "Retry-After", "5");
		reply_error(&rep, 503, "too many requests in flight (max_connections = %d)",
		            s->cfg->max_connections);
		fcgx->keepConnection = 0;
	}
	int bad = busy || server_read(s, fcgx, &j->req, &rep) < 0;
	if (in != fd) {   /* read whole: the answer goes to the connection */
		close(in);
		fcgx->ipcFd = fd;
	}
	if (bad)
		server_respond(s, fcgx, &rep, 0);
	reply_clear(&rep);
	if (bad || server_dispatch(s, NULL, fcgx, &j->req)) {
		request_free(&j->req);
		free(j);
		return;
	}
	j->fcgx = fcgx;
	j->read = 1;
	server_push(s, j);
}

/* While the store cannot be opened (see server_run): waits for the next
 * FastCGI request. Returns it, or NULL when accept gave up (e.g. after
 * SO_RCVTIMEO), so the caller tries the store again either way. */
static FCGX_Request *server_degraded_accept(struct server *s)
{
	FCGX_Request *fcgx = server_fcgx_new(s);
	sigset_t stopset;

	if (!fcgx || FCGX_InitRequest(fcgx, s->listen_fd, 0) != 0) {
		free(fcgx);
		sleep(1);
		return NULL;
	}
	/* nothing waits in this process: a stop signal may end it at once */
	sigemptyset(&stopset);
	sigaddset(&stopset, SIGTERM);
	sigaddset(&stopset, SIGINT);
	sigaddset(&stopset, SIGHUP);
	pthread_sigmask(SIG_UNBLOCK, &stopset, NULL);
	int rc = FCGX_Accept_r(fcgx);
	pthread_sigmask(SIG_BLOCK, &stopset, NULL);
	if (rc != 0) {
		FCGX_Free(fcgx, 1);
		free(fcgx);
		return NULL;
	}
	pthread_mutex_lock(&s->lock);
	s->in_flight++;
	pthread_mutex_unlock(&s->lock);
	return fcgx;
}

/* Answers a request (fcgx, or the CGI request when NULL) without a store:
 * JSON 503s naming it, from the routes' own checks. */
static void server_degraded_answer(struct server *s, FCGX_Request *fcgx, const char *why)
{
	struct worker wk = { .s = s };

	snprintf(wk.store_error, sizeof wk.store_error, "%.255s", why);
	if (!fcgx) {
		pthread_mutex_lock(&s->lock);
		s->in_flight++;
		pthread_mutex_unlock(&s->lock);
	}
	s->no_store = 1;
	server_handle(&wk, fcgx);
	s->no_store = 0;
}

/* Raises the soft limit on open files towards the hard one, enough for
 * max_connections requests, as many idle kept connections, and some to
 * spare: the default soft limit (1024) would let a few hundred idle
 * connections starve accept(). Returns the limit. */
static rlim_t server_raise_nofile(int max_connections)
{
	struct rlimit rl;
	rlim_t want = 2 * (rlim_t)max_connections + SERVER_SPARE_FILES;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return want;
	if (rl.rlim_cur >= want)
		return rl.rlim_cur;
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want ? want : rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		getrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_cur < want)
		log_warning("only %llu open files allowed (ulimit -n) for max_connections = %d",
		            (unsigned long long)rl.rlim_cur, max_connections);
	return rl.rlim_cur;
}

/* How many kept connections may wait idle, with nofile open files: at most
 * max_connections, and at most half of what the spare files leave, so that
 * idle connections leave room for as many requests. */
static int server_max_idle(rlim_t nofile, int max_connections)
{
	rlim_t half = nofile > SERVER_SPARE_FILES ? (nofile - SERVER_SPARE_FILES) / 2 : 0;

	return half < (rlim_t)max_connections ? (int)half : max_connections;
}

/* Opens --listen's socket: "unix:/path", "/path", "host:port", ":port".
 * A Unix socket is made with mode 0600 (umask) and then given mode 0660
 * and, when group is set, that group, so that only its owner and group
 * can ever connect. The backlog is max_connections (the kernel caps it at
 * somaxconn): every browser reconnecting at once (a restart, a network
 * blip) is a burst of new polls, and nginx answers 502 to each connect()
 * the backlog refuses. Returns the socket, or -1 with err. */
static int server_open_listen(const char *addr, const char *group, int backlog,
                              char *err, size_t errlen)
{
	const char *path = strncmp(addr, "unix:", 5) == 0 ? addr + 5 : addr;
	gid_t gid = (gid_t)-1;

	if (group) {
		struct group *gr = getgrnam(group);
		char *end;
		unsigned long n = strtoul(group, &end, 10);
		if (path[0] != '/') {
			snprintf(err, errlen, "--socket-group %s: --listen %s is not a Unix socket", group, addr);
			return -1;
		}
		if (gr)
			gid = gr->gr_gid;
		else if (*group && !*end)
			gid = (gid_t)n;
		else {
			snprintf(err, errlen, "--socket-group %s: no such group", group);
			return -1;
		}
	}
	if (path[0] == '/')
		unlink(path);
	mode_t umask_was = umask(0177);
	int fd = FCGX_OpenSocket(path, backlog > 1024 ? backlog : 1024);
	umask(umask_was);
	if (fd < 0) {
		snprintf(err, errlen, "--listen %s: cannot open the socket: %s", addr, strerror(errno));
		return -1;
	}
	if (path[0] == '/' && (chown(path, (uid_t)-1, gid) < 0 || chmod(path, 0660) < 0)) {
		snprintf(err, errlen, "--socket-group %s: %s (the group must be one galaxy-chat is in)",
		         group ? group : "", strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	return fd;
}

/* Removes --listen's socket file, so nothing connects to a dead socket. */
static void server_unlink_listen(const char *listen_addr)
{
	if (listen_addr && (listen_addr[0] == '/' || strncmp(listen_addr, "unix:", 5) == 0))
		unlink(listen_addr[0] == '/' ? listen_addr : listen_addr + 5);
}

int server_run(const struct cfg *cfg, const char *listen_addr, const char *socket_group)
{
	struct server s = { .cfg = cfg, .listen_fd = 0 };

	s.cgi_request.s = &s;
	char err[512];
	int status = 0;
	struct listener *listener = NULL;
	sigset_t stopset;

	pthread_mutex_init(&s.lock, NULL);
	pthread_cond_init(&s.more, NULL);
	pthread_cond_init(&s.idle, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&stopset);
	sigaddset(&stopset, SIGTERM);
	sigaddset(&stopset, SIGINT);
	sigaddset(&stopset, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &stopset, NULL);   /* inherited by every thread */

	if (FCGX_Init() != 0) {
		log_error("cannot initialise libfcgi");
		return 1;
	}
	if ((s.lean = !listen_addr))
		mallopt(M_ARENA_MAX, SERVER_ONE_ARENAS);
	if (!listen_addr && !(s.cgi = FCGX_IsCGI())) {
		/* accept() in the degraded mode below gives up after this long,
		 * to try the store again */
		struct timeval tv = { .tv_sec = SERVER_IO_TIMEOUT_S };
		setsockopt(s.listen_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	}
	if (!(s.presence = presence_new())) {
		log_error("out of memory");
		return 1;
	}
	if (auth_new(cfg, &s.auth, err, sizeof err) < 0) {
		log_error("%s", err);
		presence_free(s.presence);
		return 1;
	}
	/* On standard input (mod_fcgid, spawn-fcgi, CGI), exiting because the
	 * store cannot be opened would get the client only the web server's
	 * HTML 500 and, under mod_fcgid, a new process for every request:
	 * answer JSON 503s instead, trying the store again as each request
	 * arrives, so the first request after the fix is served normally. */
	FCGX_Request *pending = NULL;   /* accepted while the store was down */
	for (int tries = 0; hub_new(cfg, s.presence, s.lean ? SERVER_ONE_RING : 0, &s.hub,
	                            err, sizeof err) < 0; tries++) {
		if (tries == 0)
			log_error("%s", err);
		if (listen_addr) {   /* refused at start: systemd or supervisord shows why */
			auth_free(s.auth);
			presence_free(s.presence);
			return 1;
		}
		if (s.cgi) {
			if (tries == 0)
				continue;   /* one more try for the one request */
			server_degraded_answer(&s, NULL, err);
			auth_free(s.auth);
			presence_free(s.presence);
			return 0;
		}
		if (pending) {
			server_degraded_answer(&s, pending, err);
			pending = NULL;
		} else {
			pending = server_degraded_accept(&s);
		}
	}
	rlim_t nofile = server_raise_nofile(cfg->max_connections);
	/* --listen's socket last: while it exists, clients may connect, so a
	 * start that fails must fail before it (removing it afterwards races
	 * with clients, and supervisors, that already saw it answer) */
	if (rate_open(cfg, &s.rate, err, sizeof err) < 0 ||
	    (listen_addr && (s.listen_fd = server_open_listen(listen_addr, socket_group, cfg->max_connections,
	                                                      err, sizeof err)) < 0)) {
		log_error("%s", err);
		rate_close(s.rate);
		hub_free(s.hub);
		auth_free(s.auth);
		presence_free(s.presence);
		return 1;
	}
	if (listen_addr)
		log_info("listening on %s", listen_addr);
	s.max_workers = s.cgi ? 1 : cfg->workers;
	if (!s.cgi)
		s.batch = postbatch_new();   /* out of memory: each post alone */
	pthread_mutex_lock(&s.lock);
	server_spawn(&s);   /* the first; the others when needed */
	pthread_mutex_unlock(&s.lock);

	if (s.cgi) {
		struct job *j = calloc(1, sizeof *j);
		s.in_flight = 1;
		server_push(&s, j);
		pthread_mutex_lock(&s.lock);
		while (!s.cgi_done)
			pthread_cond_wait(&s.idle, &s.lock);
		pthread_mutex_unlock(&s.lock);
	} else {
		if (pending) {   /* in_flight counts it already */
			struct job *j = calloc(1, sizeof *j);
			if (j) {
				j->fcgx = pending;
				server_push(&s, j);
			} else {
				server_degraded_answer(&s, pending, "out of memory");
			}
		}
		struct listener_limits lim = {
			.max_pending = cfg->max_connections,
			.max_idle = server_max_idle(nofile, cfg->max_connections),
			.request_timeout_ms = SERVER_REQUEST_TIMEOUT_MS,
			.idle_timeout_ms = cfg->keepalive_timeout * 1000,
			.max_body = cfg->max_body_bytes,
			.max_drain = REQUEST_MAX_DRAIN,
			.io_timeout_s = SERVER_IO_TIMEOUT_S,
		};
		if (listener_new(s.listen_fd, &lim, server_ready, &s, &listener, err, sizeof err) < 0) {
			log_error("%s", err);
			status = 1;
		} else {
			int sig = 0;
			pthread_mutex_lock(&s.lock);
			s.listener = listener;
			pthread_mutex_unlock(&s.lock);
			sigwait(&stopset, &sig);
			log_info("signal %d: answering waiting polls and stopping", sig);
			pthread_mutex_lock(&s.lock);
			s.listener = NULL;
			pthread_mutex_unlock(&s.lock);
			listener_free(listener);
		}
	}
	hub_free(s.hub);   /* answers every parked poll through the queue */
	pthread_mutex_lock(&s.lock);
	while (s.in_flight > 0)
		pthread_cond_wait(&s.idle, &s.lock);
	s.stopping = 1;
	pthread_cond_broadcast(&s.more);
	pthread_mutex_unlock(&s.lock);
	for (int i = 0; i < s.nworkers; i++)   /* no more are started once stopping */
		pthread_join(s.workers[i], NULL);
	postbatch_free(s.batch);
	auth_free(s.auth);
	presence_free(s.presence);
	rate_close(s.rate);
	server_unlink_listen(listen_addr);
	return status;
}
