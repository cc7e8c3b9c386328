/*
 * galaxyhelper.c - the web server's processes' end of the galaxy helper
 * (galaxyhelper.h): asking it, and starting it when none answers.
 *
 * Starting: a client that finds no helper listening runs `galaxy-chat
 * galaxy-helper` (posix_spawn of this executable, stdin and stdout on
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
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cfg.h"
#include "galaxyhelper.h"
#include "galaxyhelper_wire.h"
#include "log.h"

struct galaxyhelper {
	const struct cfg *cfg;
	int cgi;
	galaxyhelper_addr addr;
	char settings[GALAXYHELPER_SETTINGS_MAX];
	pthread_mutex_t lock;           /* one start at a time */
	atomic_int down;                /* 1: no helper could be had, ask yourself */
};

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

/* Runs `galaxy-chat galaxy-helper` for h and waits for it: 0 when it says
 * a helper listens, else -1 with err. */
static int galaxyhelper_start(struct galaxyhelper *h, char *err, size_t errlen)
{
	char *argv[] = { "galaxy-chat", "galaxy-helper", "-c", h->cfg->path, NULL };
	char exe[4096];
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
	/* by its name, so that ps and /proc/PID/comm say galaxy-chat; a
	 * replaced executable by the file this process still runs */
	rc = posix_spawn(&pid, galaxyhelper_exe(exe, sizeof exe) == 0 ? exe : GALAXYHELPER_EXE, &fa,
	                 &at, argv, environ);
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
