/*
 * server.c - the responder's life cycle (see server.h): setting up, the
 * run until a stop signal, and the orderly stop.
 *
 * The listener (listener.c) accepts connections and holds each, without a
 * thread, until its whole request has arrived; dispatch.c then runs it on
 * the listener's thread when memory alone can answer, else on one of the
 * workers (workers.c). A long poll with nothing to answer waits in the hub
 * (hub.c, park.c) without a thread. fcgiio.c reads each request and writes
 * its answer. While the store cannot be opened, degraded.c answers.
 *
 * Stop signals are blocked in every thread and taken by sigwait() here:
 * no handler runs, and no global is needed. SIGTERM stops the listener,
 * answers every parked poll, lets the workers finish what is queued, and
 * returns.
 */
#include <errno.h>
#include <fcgiapp.h>
#include <grp.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth.h"
#include "cfg.h"
#include "degraded.h"
#include "dispatch.h"
#include "fcgiio.h"
#include "hub.h"
#include "listener.h"
#include "log.h"
#include "metrics.h"
#include "park.h"
#include "postbatch.h"
#include "presence.h"
#include "ratelimit.h"
#include "request.h"
#include "router.h"
#include "server.h"
#include "store.h"
#include "workers.h"

#define SERVER_REQUEST_TIMEOUT_MS 10000   /* a client has this long to send its whole request */
#define SERVER_IO_TIMEOUT_S 10            /* then each read and write on it may take this long */
#define SERVER_SPARE_FILES 256            /* open files besides connections: stores, databases */
/* On standard input (mod_fcgid: a request at a time, hundreds of
 * processes; spawn-fcgi) and in CGI, memory per process counts more than
 * speed: the threads share this many malloc arenas instead of one each,
 * the store connections keep no page cache between calls (store_lean),
 * the workers give the heap's free pages back after each job, and the
 * hub is a lean one (degraded.c starts it). See bench/README.md,
 * "mod_fcgid memory". */
#define SERVER_ONE_ARENAS 1

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

/* Serves the listener's requests until a stop signal; then the listener
 * is stopped (its connections closed). Returns the exit status. */
static int server_listen(struct dispatch *d, int listen_fd, rlim_t nofile, const sigset_t *stopset)
{
	const struct cfg *cfg = d->cfg;
	struct listener *listener;
	char err[512];
	int sig = 0;
	struct listener_limits lim = {
		.max_pending = cfg->max_connections,
		.max_idle = server_max_idle(nofile, cfg->max_connections),
		.request_timeout_ms = SERVER_REQUEST_TIMEOUT_MS,
		.idle_timeout_ms = cfg->keepalive_timeout * 1000,
		.max_body = cfg->max_body_bytes,
		.max_drain = REQUEST_MAX_DRAIN,
		.io_timeout_s = SERVER_IO_TIMEOUT_S,
	};

	if (listener_new(listen_fd, &lim, dispatch_ready, d, &listener, err, sizeof err) < 0) {
		log_error("%s", err);
		return 1;
	}
	fcgiio_listener(d->io, listener);
	sigwait(stopset, &sig);
	log_info("signal %d: answering waiting polls and stopping", sig);
	fcgiio_listener(d->io, NULL);
	listener_free(listener);
	return 0;
}

/* server_run's serving, between the metrics' opening and closing. */
static int server_serve(const struct cfg *cfg, const char *listen_addr, const char *socket_group)
{
	struct park park = { .cfg = cfg, .stream = dispatch_stream_wake };
	struct dispatch d = { .cfg = cfg, .park = &park };
	struct fcgiio_req *pending = NULL;   /* accepted while the store was down */
	char err[512];
	int listen_fd = 0, cgi = 0, status = 0;
	sigset_t stopset;

	sigemptyset(&stopset);
	sigaddset(&stopset, SIGTERM);
	sigaddset(&stopset, SIGINT);
	sigaddset(&stopset, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &stopset, NULL);   /* inherited by every thread */
	if (FCGX_Init() != 0) {
		log_error("cannot initialise libfcgi");
		return 1;
	}
	if (!listen_addr) {   /* mod_fcgid, spawn-fcgi, CGI: see SERVER_ONE_ARENAS */
		mallopt(M_ARENA_MAX, SERVER_ONE_ARENAS);
		store_lean();
	}
	if (!listen_addr && !(cgi = FCGX_IsCGI())) {
		/* accept() in the degraded mode gives up after this long, to try
		 * the store again */
		struct timeval tv = { .tv_sec = SERVER_IO_TIMEOUT_S };
		setsockopt(listen_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	}
	if (!(d.io = fcgiio_new(cfg)) || !(d.presence = presence_new())) {
		log_error("out of memory");
		fcgiio_free(d.io);
		return 1;
	}
	/* the web server's processes ask Galaxy through the host's helper */
	if (auth_new(cfg, listen_addr || !cfg->galaxy_helper ? AUTH_GALAXY_DIRECT
	                  : cgi ? AUTH_GALAXY_HELPER_CGI : AUTH_GALAXY_HELPER,
	             &d.auth, err, sizeof err) < 0) {
		log_error("%s", err);
		presence_free(d.presence);
		fcgiio_free(d.io);
		return 1;
	}
	park.auth = d.auth;
	if (listen_addr ? hub_new(cfg, d.presence, 0, &d.hub, err, sizeof err) < 0
	                : degraded_hub_new(&d, listen_fd, cgi, &pending) < 0) {
		/* --listen: refused at start, systemd or supervisord shows why;
		 * else the CGI request was answered */
		if (listen_addr)
			log_error("%s", err);
		auth_free(d.auth);
		presence_free(d.presence);
		fcgiio_free(d.io);
		return listen_addr ? 1 : 0;
	}
	park.hub = d.hub;
	rlim_t nofile = server_raise_nofile(cfg->max_connections);
	/* --listen's socket last: while it exists, clients may connect, so a
	 * start that fails must fail before it (removing it afterwards races
	 * with clients, and supervisors, that already saw it answer) */
	if (rate_open(cfg, &d.rate, err, sizeof err) < 0 ||
	    workers_new(cfg, cgi ? 1 : cfg->workers, !listen_addr, &d.workers, err, sizeof err) < 0 ||
	    (listen_addr && (listen_fd = server_open_listen(listen_addr, socket_group,
	                                                    cfg->max_connections, err, sizeof err)) < 0)) {
		log_error("%s", err);
		workers_free(d.workers);
		rate_close(d.rate);
		hub_free(d.hub);
		auth_free(d.auth);
		presence_free(d.presence);
		fcgiio_free(d.io);
		return 1;
	}
	park.workers = d.workers;
	if (!cgi)
		d.batch = postbatch_new();   /* NULL (out of memory): each post alone */
	if (listen_addr)
		log_info("listening on %s", listen_addr);

	if (cgi) {
		dispatch_queue(&d, fcgiio_cgi(d.io));
		fcgiio_drain(d.io);
	} else {
		if (pending)   /* counted in flight already */
			dispatch_queue(&d, pending);
		status = server_listen(&d, listen_fd, nofile, &stopset);
	}
	hub_stop(d.hub);   /* answers every parked poll, through the workers if need be */
	fcgiio_drain(d.io);
	workers_free(d.workers);
	hub_free(d.hub);   /* no stream's turn can run into it now */
	postbatch_free(d.batch);
	auth_free(d.auth);
	presence_free(d.presence);
	rate_close(d.rate);
	fcgiio_free(d.io);
	server_unlink_listen(listen_addr);
	return status;
}

int server_run(const struct cfg *cfg, const char *listen_addr, const char *socket_group)
{
	const char *routes[64];
	size_t n = 0;
	char err[4400];
	int status;

	signal(SIGPIPE, SIG_IGN);
	/* the host's counters, before any thread counts */
	while (n < sizeof routes / sizeof *routes && (routes[n] = router_route_name(n)))
		n++;
	if (metrics_open(cfg, routes, n, err, sizeof err) < 0)
		log_warning("%s; this process counts alone", err);
	status = server_serve(cfg, listen_addr, socket_group);
	metrics_close();
	return status;
}
