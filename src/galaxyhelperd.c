/*
 * galaxyhelperd.c - the galaxy helper itself, `galaxy-chat galaxy-helper`
 * (galaxyhelperd.h; galaxyhelper.c's top comment tells how it starts and
 * leaves): the lock, the socket, GALAXYHELPER_THREADS threads each with a
 * galaxydb handle of its own answering one question per connection, and
 * the main thread watching whether it must leave.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "cfg.h"
#include "dburl.h"
#include "galaxydb.h"
#include "galaxydb_cards.h"
#include "galaxyhelper_wire.h"
#include "galaxyhelperd.h"
#include "monotime.h"

#define GALAXYHELPER_THREADS 4              /* questions answered at once */
#define GALAXYHELPER_START_MS 3000          /* a starting helper waits this long for
                                             * the lock, or for another to listen */

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

/* Makes s leave: its threads end within a second, and its socket goes at
 * once (once), so that the next client starts a new helper. */
static void galaxyhelper_leave(struct galaxyhelper_server *s)
{
	if (!atomic_exchange(&s->leaving, 1))
		unlink(s->addr.sun_path);
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
		galaxyhelper_leave(s);
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

/* The helper, in the child that holds the lock and the socket: until it
 * leaves. */
static int galaxyhelper_run(struct galaxyhelper_server *s)
{
	const struct cfg *cfg = s->cfg;
	struct galaxyhelper_thread t[GALAXYHELPER_THREADS];
	char exe[4096];
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
		    galaxyhelper_exe(exe, sizeof exe) < 0)
			galaxyhelper_leave(s);
	}
	if (!n)
		galaxyhelper_leave(s);
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

int galaxyhelperd_main(const struct cfg *cfg)
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
	if (dburl_parse(cfg_galaxy_database(cfg), cfg->galaxy_root, &s.url, err, sizeof err) < 0) {
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
