/*
 * galaxyhelper.c - the host's one process that asks Galaxy's database for
 * the web server's processes, and their end of it (see galaxyhelper.h).
 *
 * Starting: a client that finds no helper listening runs `galaxy-chat
 * galaxy-helper` (posix_spawn of /proc/self/exe, stdin and stdout on
 * /dev/null, stderr too for a CGI request, no other descriptor, no signal
 * blocked) and waits for that process: it takes the lock, binds the socket
 * and forks the helper, or finds that another helper holds the lock and
 * waits until it listens, then exits. Its status says whether it could.
 * When no helper can be had that way (a store directory this user cannot
 * write, a socket of another user's in the way, Galaxy's URL refused),
 * the client's process asks Galaxy's database itself from then on
 * (GALAXYDB_HELPER_DOWN), as it would without a helper, and says why once
 * in the log: the helper saves memory, it is never why a login fails.
 *
 * Leaving: the helper checks each second whether it was idle for
 * galaxy_helper_idle seconds, whether its executable was replaced, and
 * whether a client of another configuration asked (it answered
 * GALAXYHELPER_OTHER and removed its socket at once, so that client starts
 * the new helper, which waits for the lock). It removes the socket before
 * it lets the lock go, so a socket is only ever removed by its helper.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "cfg.h"
#include "dburl.h"
#include "galaxyhelper.h"
#include "log.h"
#include "monotime.h"
#include "shmap.h"

#define GALAXYHELPER_MAGIC 0x67636831u      /* "gch1" */
#define GALAXYHELPER_THREADS 4              /* questions answered at once */
#define GALAXYHELPER_REPLY_SECONDS 30       /* a client waits this long for an answer */
#define GALAXYHELPER_START_MS 3000          /* ... for a helper to listen */
#define GALAXYHELPER_OTHER 2                /* answer: a helper of another build or
                                             * configuration, leaving */
#define GALAXYHELPER_SETTINGS_MAX 2048
#define GALAXYHELPER_EXE "/proc/self/exe"

typedef struct sockaddr_un galaxyhelper_addr;

enum galaxyhelper_op { GH_LOOKUP, GH_LOOKUP_KEY, GH_FIND, GH_CONTACT, GH_COUNT, GH_CARD };

struct galaxyhelper_request {
	uint32_t magic, op;
	char settings[GALAXYHELPER_SETTINGS_MAX];   /* galaxyhelper_settings() */
	char text[USER_NAME_MAX];                    /* the key or the name */
	char user[GALAXYURL_NAME_MAX + 1], slug[GALAXYURL_NAME_MAX + 1];
	int has_user, has_slug;                      /* else NULL */
	long long id, reader;
	int admin, kind, by;
};

struct galaxyhelper_answer {
	uint32_t magic;
	int32_t result;                 /* enum galaxydb_result, GALAXYHELPER_OTHER */
	char err[256];
	struct user user;               /* lookup, lookup_key */
	long long number;               /* find: the id; count: the count */
	char email[USER_NAME_MAX];      /* contact */
	struct galaxydb_card card;
};

struct galaxyhelper {
	const struct cfg *cfg;
	int cgi;
	galaxyhelper_addr addr;
	char settings[GALAXYHELPER_SETTINGS_MAX];
	pthread_mutex_t lock;           /* one start at a time */
	atomic_int down;                /* 1: no helper could be had, ask yourself */
};

/* ---- both ends ---- */

/* The socket's address for cfg into addr, the lock's path into lock:
 * -1 when they do not fit. */
static int galaxyhelper_paths(const struct cfg *cfg, galaxyhelper_addr *addr, char *lock,
                              size_t locklen)
{
	char path[4096];

	shmap_path(cfg, "galaxy.sock", path, sizeof path);
	memset(addr, 0, sizeof *addr);
	addr->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof addr->sun_path ||
	    (size_t)snprintf(lock, locklen, "%s.lock", path) >= locklen)
		return -1;
	strcpy(addr->sun_path, path);
	return 0;
}

/* What a helper must have been started with to answer for cfg: this
 * build and the settings galaxydb_new() is given. */
static void galaxyhelper_settings(const struct cfg *cfg, char out[GALAXYHELPER_SETTINGS_MAX])
{
	snprintf(out, GALAXYHELPER_SETTINGS_MAX, "%s %zu %zu\n%s\n%s\n%d %d %d", PACKAGE_VERSION,
	         sizeof(struct galaxyhelper_request), sizeof(struct galaxyhelper_answer),
	         auth_galaxy_database(cfg), cfg->galaxy_root ? cfg->galaxy_root : "",
	         cfg->session_duration, cfg->use_remote_user, cfg->avatars == CFG_AVATARS_GRAVATAR);
}

/* Whether the peer of the connected socket fd runs as this user. */
static int galaxyhelper_peer_ok(int fd)
{
	struct ucred cr;
	socklen_t len = sizeof cr;

	return getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) == 0 && cr.uid == geteuid();
}

/* ---- the client ---- */

struct galaxyhelper *galaxyhelper_new(const struct cfg *cfg, int cgi, char *err, size_t errlen)
{
	struct galaxyhelper *h = calloc(1, sizeof *h);
	char lock[4096];

	if (!h) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (galaxyhelper_paths(cfg, &h->addr, lock, sizeof lock) < 0) {
		snprintf(err, errlen, "the galaxy helper's socket path is longer than %zu bytes",
		         sizeof h->addr.sun_path - 1);
		free(h);
		return NULL;
	}
	h->cfg = cfg;
	h->cgi = cgi;
	galaxyhelper_settings(cfg, h->settings);
	pthread_mutex_init(&h->lock, NULL);
	return h;
}

void galaxyhelper_free(struct galaxyhelper *h)
{
	if (!h)
		return;
	pthread_mutex_destroy(&h->lock);
	free(h);
}

/* A connection to the helper at addr, checked to be this user's, with
 * the reply timeout; -1 with errno (ENOENT, ECONNREFUSED: none listens). */
static int galaxyhelper_connect(const galaxyhelper_addr *addr)
{
	struct timeval tv = { .tv_sec = GALAXYHELPER_REPLY_SECONDS };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (connect(fd, (const struct sockaddr *)addr, sizeof *addr) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	if (!galaxyhelper_peer_ok(fd)) {
		close(fd);
		errno = EPERM;
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	return fd;
}

/* Runs `galaxy-chat galaxy-helper` for h and waits for it: 0 when it says
 * a helper listens, else -1 with err. */
static int galaxyhelper_start(struct galaxyhelper *h, char *err, size_t errlen)
{
	char *argv[] = { "galaxy-chat", "galaxy-helper", "-c", h->cfg->path, NULL };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, dfl;
	pid_t pid;
	int rc, status = 0;

	if (!h->cfg->path)
		argv[2] = NULL;
	sigemptyset(&none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGTERM);
	sigaddset(&dfl, SIGINT);
	sigaddset(&dfl, SIGHUP);
	posix_spawnattr_init(&at);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &dfl);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	if (h->cgi)   /* the web server reads a CGI's stderr to its end */
		posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	rc = posix_spawn(&pid, GALAXYHELPER_EXE, &fa, &at, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	if (rc != 0) {
		snprintf(err, errlen, "cannot start the galaxy helper: %s", strerror(rc));
		return -1;
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(err, errlen, "the galaxy helper did not start (the web server's error log says why)");
		return -1;
	}
	return 0;
}

/* This process asks Galaxy itself from now on, for the reason in err. */
static int galaxyhelper_give_up(struct galaxyhelper *h, const char *err)
{
	if (!atomic_exchange(&h->down, 1))
		log_warning("%s: this process asks Galaxy's database itself", err);
	return -1;
}

/* A connection to a helper, started first when none listens: fd, or -1
 * when none can be had (h->down). */
static int galaxyhelper_reach(struct galaxyhelper *h)
{
	char err[512];
	int fd = galaxyhelper_connect(&h->addr);

	if (fd >= 0)
		return fd;
	if (errno != ENOENT && errno != ECONNREFUSED) {
		snprintf(err, sizeof err, "galaxy helper %s: %s", h->addr.sun_path,
		         errno == EPERM ? "not this user's" : strerror(errno));
		return galaxyhelper_give_up(h, err);
	}
	pthread_mutex_lock(&h->lock);
	if (!atomic_load(&h->down) && (fd = galaxyhelper_connect(&h->addr)) < 0) {
		/* no other thread of this process started one: start it */
		if (galaxyhelper_start(h, err, sizeof err) == 0 &&
		    (fd = galaxyhelper_connect(&h->addr)) < 0)
			snprintf(err, sizeof err, "galaxy helper %s: %s", h->addr.sun_path, strerror(errno));
		if (fd < 0)
			galaxyhelper_give_up(h, err);
	}
	pthread_mutex_unlock(&h->lock);
	return fd;
}

/* Asks rq of the helper into an: its result, or GALAXYDB_ERROR with err. */
static enum galaxydb_result galaxyhelper_ask(struct galaxyhelper *h,
                                             struct galaxyhelper_request *rq,
                                             struct galaxyhelper_answer *an, char *err,
                                             size_t errlen)
{
	rq->magic = GALAXYHELPER_MAGIC;
	memcpy(rq->settings, h->settings, sizeof rq->settings);
	/* again once, after a helper that left: one of another configuration,
	 * or one that closed the connection unanswered (it was leaving) */
	for (int attempt = 0; attempt < 2; attempt++) {
		int fd = atomic_load(&h->down) ? -1 : galaxyhelper_reach(h);
		ssize_t n = -1;

		if (fd < 0)
			return GALAXYDB_HELPER_DOWN;
		if (send(fd, rq, sizeof *rq, MSG_NOSIGNAL) == (ssize_t)sizeof *rq)
			n = recv(fd, an, sizeof *an, MSG_TRUNC);
		close(fd);
		if (n == 0)
			continue;
		if (n != (ssize_t)sizeof *an || an->magic != GALAXYHELPER_MAGIC) {
			snprintf(err, errlen, "galaxy helper: %s", n < 0 ? strerror(errno) : "a bad answer");
			return GALAXYDB_ERROR;
		}
		if (an->result != GALAXYHELPER_OTHER) {
			an->err[sizeof an->err - 1] = '\0';
			if (an->result == GALAXYDB_ERROR)
				snprintf(err, errlen, "%s", an->err);
			return an->result == GALAXYDB_FOUND || an->result == GALAXYDB_NOT_FOUND
			       ? (enum galaxydb_result)an->result : GALAXYDB_ERROR;
		}
	}
	snprintf(err, errlen, "galaxy helper: it left twice without an answer");
	return GALAXYDB_ERROR;
}

/* Copies s into a request's field of size n: -1 when it does not fit
 * (no Galaxy key or name is that long). */
static int galaxyhelper_put(char *field, size_t n, const char *s)
{
	if (strlen(s) >= n)
		return -1;
	strcpy(field, s);
	return 0;
}

/* lookup and lookup_key. */
static enum galaxydb_result galaxyhelper_user(struct galaxyhelper *h, enum galaxyhelper_op op,
                                              const char *key, struct user *user, char *err,
                                              size_t errlen)
{
	struct galaxyhelper_request rq = { .op = op };
	struct galaxyhelper_answer an;
	enum galaxydb_result res;

	memset(user, 0, sizeof *user);
	if (galaxyhelper_put(rq.text, sizeof rq.text, key) < 0)
		return GALAXYDB_NOT_FOUND;
	if ((res = galaxyhelper_ask(h, &rq, &an, err, errlen)) == GALAXYDB_FOUND)
		*user = an.user;
	return res;
}

enum galaxydb_result galaxyhelper_lookup(struct galaxyhelper *h, const char *key,
                                         struct user *user, char *err, size_t errlen)
{
	return galaxyhelper_user(h, GH_LOOKUP, key, user, err, errlen);
}

enum galaxydb_result galaxyhelper_lookup_key(struct galaxyhelper *h, const char *key,
                                             struct user *user, char *err, size_t errlen)
{
	return galaxyhelper_user(h, GH_LOOKUP_KEY, key, user, err, errlen);
}

enum galaxydb_result galaxyhelper_find(struct galaxyhelper *h, const char *name, long long *id,
                                       char *err, size_t errlen)
{
	struct galaxyhelper_request rq = { .op = GH_FIND };
	struct galaxyhelper_answer an;
	enum galaxydb_result res;

	if (galaxyhelper_put(rq.text, sizeof rq.text, name) < 0)
		return GALAXYDB_NOT_FOUND;
	if ((res = galaxyhelper_ask(h, &rq, &an, err, errlen)) == GALAXYDB_FOUND)
		*id = an.number;
	return res;
}

enum galaxydb_result galaxyhelper_contact(struct galaxyhelper *h, long long id,
                                          char email[USER_NAME_MAX], char *err, size_t errlen)
{
	struct galaxyhelper_request rq = { .op = GH_CONTACT, .id = id };
	struct galaxyhelper_answer an;
	enum galaxydb_result res;

	if ((res = galaxyhelper_ask(h, &rq, &an, err, errlen)) == GALAXYDB_FOUND)
		memcpy(email, an.email, USER_NAME_MAX);
	return res;
}

enum galaxydb_result galaxyhelper_count_users(struct galaxyhelper *h, long long *count, char *err,
                                              size_t errlen)
{
	struct galaxyhelper_request rq = { .op = GH_COUNT };
	struct galaxyhelper_answer an;

	enum galaxydb_result res;

	if ((res = galaxyhelper_ask(h, &rq, &an, err, errlen)) == GALAXYDB_FOUND)
		*count = an.number;
	return res;
}

enum galaxydb_result galaxyhelper_card(struct galaxyhelper *h, enum galaxyurl_kind kind,
                                       enum galaxyurl_by by, long long id, const char *user,
                                       const char *slug, long long reader, int admin,
                                       struct galaxydb_card *card, char *err, size_t errlen)
{
	struct galaxyhelper_request rq = { .op = GH_CARD, .id = id, .reader = reader,
	                                   .admin = admin, .kind = (int)kind, .by = (int)by,
	                                   .has_user = user != NULL, .has_slug = slug != NULL };
	struct galaxyhelper_answer an;
	enum galaxydb_result res;

	memset(card, 0, sizeof *card);
	if ((user && galaxyhelper_put(rq.user, sizeof rq.user, user) < 0) ||
	    (slug && galaxyhelper_put(rq.slug, sizeof rq.slug, slug) < 0))
		return GALAXYDB_NOT_FOUND;
	if ((res = galaxyhelper_ask(h, &rq, &an, err, errlen)) == GALAXYDB_FOUND)
		*card = an.card;
	return res;
}

/* ---- the helper ---- */

struct galaxyhelper_server {
	const struct cfg *cfg;
	struct dburl url;
	int listen_fd;
	galaxyhelper_addr addr;
	char settings[GALAXYHELPER_SETTINGS_MAX];
	atomic_int leaving;             /* 1: the threads end */
	atomic_llong last_ms;           /* when a question was last answered */
};

struct galaxyhelper_thread {
	struct galaxyhelper_server *s;
	struct galaxydb *db;
	pthread_t tid;
};

/* Answers rq with db into an (its result field). */
static void galaxyhelper_answer(struct galaxydb *db, const struct galaxyhelper_request *rq,
                                struct galaxyhelper_answer *an)
{
	enum galaxydb_result res;

	switch (rq->op) {
	case GH_LOOKUP:
		res = galaxydb_lookup(db, rq->text, &an->user, an->err, sizeof an->err);
		break;
	case GH_LOOKUP_KEY:
		res = galaxydb_lookup_key(db, rq->text, &an->user, an->err, sizeof an->err);
		break;
	case GH_FIND:
		res = galaxydb_find(db, rq->text, &an->number, an->err, sizeof an->err);
		break;
	case GH_CONTACT:
		res = galaxydb_contact(db, rq->id, an->email, an->err, sizeof an->err);
		break;
	case GH_COUNT:
		res = galaxydb_count_users(db, &an->number, an->err, sizeof an->err) < 0
		      ? GALAXYDB_ERROR : GALAXYDB_FOUND;
		break;
	case GH_CARD:
		res = galaxydb_card(db, (enum galaxyurl_kind)rq->kind, (enum galaxyurl_by)rq->by, rq->id,
		                    rq->has_user ? rq->user : NULL, rq->has_slug ? rq->slug : NULL,
		                    rq->reader, rq->admin, &an->card, an->err, sizeof an->err);
		break;
	default:
		res = GALAXYDB_ERROR;
		snprintf(an->err, sizeof an->err, "galaxy helper: unknown question %u", rq->op);
	}
	an->result = res;
}

/* One connection: its question, answered (or dropped when it is not one
 * of this user's processes, or not a question). */
static void galaxyhelper_serve(struct galaxyhelper_thread *t, int fd)
{
	struct galaxyhelper_server *s = t->s;
	struct timeval tv = { .tv_sec = GALAXYHELPER_REPLY_SECONDS };
	struct galaxyhelper_request rq;
	struct galaxyhelper_answer an;
	ssize_t n;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	if (!galaxyhelper_peer_ok(fd))
		return;
	n = recv(fd, &rq, sizeof rq, MSG_TRUNC);
	if (n != (ssize_t)sizeof rq || rq.magic != GALAXYHELPER_MAGIC)
		return;
	rq.settings[sizeof rq.settings - 1] = '\0';
	rq.text[sizeof rq.text - 1] = rq.user[sizeof rq.user - 1] = rq.slug[sizeof rq.slug - 1] = '\0';
	memset(&an, 0, sizeof an);
	an.magic = GALAXYHELPER_MAGIC;
	if (strcmp(rq.settings, s->settings) != 0) {
		/* a client of another build or configuration: it starts its own */
		if (!atomic_exchange(&s->leaving, 1))
			unlink(s->addr.sun_path);
		an.result = GALAXYHELPER_OTHER;
	} else {
		galaxyhelper_answer(t->db, &rq, &an);
	}
	send(fd, &an, sizeof an, MSG_NOSIGNAL);
	atomic_store(&s->last_ms, monotime_ms());
}

static void *galaxyhelper_thread_main(void *arg)
{
	struct galaxyhelper_thread *t = arg;
	struct pollfd p = { .fd = t->s->listen_fd, .events = POLLIN };

	while (!atomic_load(&t->s->leaving)) {
		int fd;
		if (poll(&p, 1, 1000) <= 0)   /* wakes each second to see leaving */
			continue;
		if ((fd = accept4(t->s->listen_fd, NULL, NULL, SOCK_CLOEXEC)) < 0)
			continue;         /* another thread took it, or EMFILE: poll again */
		galaxyhelper_serve(t, fd);
		close(fd);
	}
	return NULL;
}

/* Whether the executable this process runs was replaced or removed. */
static int galaxyhelper_exe_gone(void)
{
	static const char tail[] = " (deleted)";
	char target[4096];
	ssize_t n = readlink(GALAXYHELPER_EXE, target, sizeof target - 1);

	if (n < 0)
		return 0;
	target[n] = '\0';
	return (size_t)n >= sizeof tail - 1 && strcmp(target + n - (sizeof tail - 1), tail) == 0;
}

/* The helper, in the child that holds the lock and the socket: until it
 * leaves. */
static int galaxyhelper_run(struct galaxyhelper_server *s)
{
	const struct cfg *cfg = s->cfg;
	struct galaxyhelper_thread t[GALAXYHELPER_THREADS];
	int n = 0;

	atomic_store(&s->last_ms, monotime_ms());
	for (; n < GALAXYHELPER_THREADS; n++) {
		t[n].s = s;
		if (!(t[n].db = galaxydb_new(&s->url, cfg->session_duration, cfg->use_remote_user,
		                             cfg->avatars == CFG_AVATARS_GRAVATAR)))
			break;
		if (pthread_create(&t[n].tid, NULL, galaxyhelper_thread_main, &t[n]) != 0) {
			galaxydb_free(t[n].db);
			break;
		}
	}
	if (n == 0)
		fprintf(stderr, "galaxy-chat galaxy-helper: cannot start a thread\n");
	while (n && !atomic_load(&s->leaving)) {
		struct timespec second = { .tv_sec = 1 };
		nanosleep(&second, NULL);
		if (monotime_ms() - atomic_load(&s->last_ms) > cfg->galaxy_helper_idle * 1000LL ||
		    galaxyhelper_exe_gone())
			if (!atomic_exchange(&s->leaving, 1))
				unlink(s->addr.sun_path);
	}
	if (!n)
		unlink(s->addr.sun_path);
	while (n--) {
		pthread_join(t[n].tid, NULL);
		galaxydb_free(t[n].db);
	}
	return 0;
}

/* Takes the helper's lock at path into *lock_fd: 1 when this process
 * holds it, 0 when another helper listens (or GALAXYHELPER_START_MS
 * passed), -1 with stderr told. */
static int galaxyhelper_take_lock(const char *path, const galaxyhelper_addr *addr, int *lock_fd)
{
	long long deadline = monotime_ms() + GALAXYHELPER_START_MS;
	struct stat sb;
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

	if (fd < 0 || fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) || sb.st_uid != geteuid()) {
		fprintf(stderr, "galaxy-chat galaxy-helper: %s: %s\n", path,
		        fd < 0 ? strerror(errno) : "not a file of this user's");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	/* a leaving helper lets the lock go within a second; a helper that is
	 * starting listens within milliseconds */
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int c = galaxyhelper_connect(addr);
		struct timespec pause = { .tv_nsec = 10 * 1000 * 1000 };
		if (c >= 0 || monotime_ms() > deadline) {
			if (c >= 0)
				close(c);
			close(fd);
			return 0;
		}
		nanosleep(&pause, NULL);
	}
	*lock_fd = fd;
	return 1;
}

int galaxyhelper_main(const struct cfg *cfg)
{
	static struct galaxyhelper_server s;
	char lock[4096], err[512];
	int lock_fd = -1, got;
	mode_t mask;
	pid_t pid;

	s.cfg = cfg;
	s.listen_fd = -1;
	galaxyhelper_settings(cfg, s.settings);
	if (galaxyhelper_paths(cfg, &s.addr, lock, sizeof lock) < 0) {
		fprintf(stderr, "galaxy-chat galaxy-helper: the socket path is too long\n");
		return 1;
	}
	if (dburl_parse(auth_galaxy_database(cfg), cfg->galaxy_root, &s.url, err, sizeof err) < 0) {
		fprintf(stderr, "galaxy-chat galaxy-helper: database_connection: %s\n", err);
		return 1;
	}
	if ((got = galaxyhelper_take_lock(lock, &s.addr, &lock_fd)) <= 0) {
		dburl_free(&s.url);
		return got < 0;
	}
	unlink(s.addr.sun_path);   /* a helper that was killed left it */
	mask = umask(0177);   /* the socket: 0600 */
	if ((s.listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0 ||
	    bind(s.listen_fd, (const struct sockaddr *)&s.addr, sizeof s.addr) < 0 ||
	    listen(s.listen_fd, SOMAXCONN) < 0 || (pid = fork()) < 0) {
		fprintf(stderr, "galaxy-chat galaxy-helper: %s: %s\n", s.addr.sun_path, strerror(errno));
		umask(mask);
		if (s.listen_fd >= 0)
			close(s.listen_fd);
		close(lock_fd);
		dburl_free(&s.url);
		return 1;
	}
	umask(mask);
	if (pid == 0)
		galaxyhelper_run(&s);   /* the child: the helper */
	close(s.listen_fd);
	close(lock_fd);
	dburl_free(&s.url);
	return 0;
}
