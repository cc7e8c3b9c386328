/*
 * cookiewatch.c - counts cookies that do not decode with id_secret, for
 * the host (see cookiewatch.h).
 *
 * The file holds one struct cookiewatch_state; a zero-filled one is valid
 * and empty, one of another format is cleared under the lock. Times are
 * wall-clock milliseconds, as the file outlives processes. Writers take the
 * process's mutex and the file's lock; a cookie that decodes while none
 * failed is not worth the lock more than once a second.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "cfg.h"
#include "cookiewatch.h"
#include "log.h"
#include "shmap.h"

#define COOKIEWATCH_MAGIC 0x6763636f6f6b6965ULL   /* "gccookie" */
#define COOKIEWATCH_VERSION 1
#define COOKIEWATCH_SUFFIX "cookiewatch"

struct cookiewatch_state {
	uint64_t magic;
	uint32_t version, size;
	int64_t failed;            /* in a row, since the last cookie that decoded */
	int64_t failed_since_ms;   /* the first of them */
	int64_t last_failed_ms;
	int64_t last_decoded_ms;
	int64_t warned_ms;         /* the last warning, of any process */
};

struct cookiewatch {
	const struct cfg *cfg;
	pthread_mutex_t lock;               /* this process's writers; guards opening */
	struct shmap *file;                 /* NULL: not opened, or private */
	struct cookiewatch_state *state;    /* the file's map, private memory, or NULL */
	int tried;                          /* opening was tried */
};

static int64_t cookiewatch_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void cookiewatch_time(char out[32], int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int cookiewatch_valid(const struct cookiewatch_state *s)
{
	return s->magic == COOKIEWATCH_MAGIC && s->version == COOKIEWATCH_VERSION &&
	       s->size == sizeof *s;
}

/* The verdict on s, and a line saying it into out. */
static enum cookiewatch_verdict cookiewatch_describe(const struct cookiewatch_state *s,
                                                     char *out, size_t outlen)
{
	char first[32], last[32], ok[32];

	if (!cookiewatch_valid(s) || (!s->failed && !s->last_decoded_ms)) {
		snprintf(out, outlen, "nothing recorded yet");
		return COOKIEWATCH_NONE;
	}
	if (s->last_decoded_ms)
		cookiewatch_time(ok, s->last_decoded_ms);
	if (!s->failed) {
		snprintf(out, outlen, "ok, the last one decoded with id_secret at %s", ok);
		return COOKIEWATCH_OK;
	}
	cookiewatch_time(first, s->failed_since_ms);
	cookiewatch_time(last, s->last_failed_ms);
	snprintf(out, outlen, "%lld in a row did not decode with id_secret, from %s to %s; %s%s",
	         (long long)s->failed, first, last,
	         s->last_decoded_ms ? "the last that did was at " : "none ever did",
	         s->last_decoded_ms ? ok : "");
	return s->failed >= COOKIEWATCH_SUSPECT ? COOKIEWATCH_WRONG : COOKIEWATCH_FAILING;
}

struct cookiewatch *cookiewatch_open(const struct cfg *cfg)
{
	struct cookiewatch *w = calloc(1, sizeof *w);

	if (!w)
		return NULL;
	w->cfg = cfg;
	pthread_mutex_init(&w->lock, NULL);
	return w;
}

void cookiewatch_close(struct cookiewatch *w)
{
	if (!w)
		return;
	if (w->file)
		shmap_close(w->file);
	else
		free(w->state);
	pthread_mutex_destroy(&w->lock);
	free(w);
}

/* The state, the file opened (or private memory) at the first call; NULL
 * when out of memory. Called with w->lock held. */
static struct cookiewatch_state *cookiewatch_state(struct cookiewatch *w)
{
	char path[4096], err[4200] = "";

	if (w->tried)
		return w->state;
	w->tried = 1;
	if (w->cfg->store) {   /* (tests' authenticators may have none) */
		shmap_path(w->cfg, COOKIEWATCH_SUFFIX, path, sizeof path);
		if (shmap_open(path, sizeof *w->state, 0600, 1, &w->file, err, sizeof err) == 0) {
			__atomic_store_n(&w->state, (struct cookiewatch_state *)w->file->map, __ATOMIC_RELEASE);
			return w->state;
		}
		log_debug("cookie watch: %s; this process counts alone", err);
	}
	__atomic_store_n(&w->state, calloc(1, sizeof *w->state), __ATOMIC_RELEASE);
	return w->state;
}

void cookiewatch_note(struct cookiewatch *w, int decoded)
{
	const char *source = w->cfg->id_secret_source ? w->cfg->id_secret_source : "the configuration";
	struct cookiewatch_state *s = __atomic_load_n(&w->state, __ATOMIC_ACQUIRE);
	int64_t now = cookiewatch_now_ms();
	char line[512] = "";

	if (!decoded)
		log_debug("a galaxysession cookie does not decode with id_secret (from %s)", source);
	else if (s && __atomic_load_n(&s->failed, __ATOMIC_RELAXED) == 0 &&
	         (uint64_t)(now - __atomic_load_n(&s->last_decoded_ms, __ATOMIC_RELAXED)) < 1000)
		return;
	pthread_mutex_lock(&w->lock);
	if (!(s = cookiewatch_state(w)) || (w->file && shmap_lock(w->file) < 0)) {
		pthread_mutex_unlock(&w->lock);
		return;
	}
	if (!cookiewatch_valid(s)) {
		memset(s, 0, sizeof *s);
		s->magic = COOKIEWATCH_MAGIC;
		s->version = COOKIEWATCH_VERSION;
		s->size = sizeof *s;
	}
	if (decoded) {
		__atomic_store_n(&s->failed, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&s->last_decoded_ms, now, __ATOMIC_RELAXED);
	} else {
		if (s->failed == 0)
			s->failed_since_ms = now;
		__atomic_store_n(&s->failed, s->failed + 1, __ATOMIC_RELAXED);
		s->last_failed_ms = now;
		if (s->failed >= COOKIEWATCH_SUSPECT &&
		    (now - s->warned_ms >= COOKIEWATCH_WARN_SECONDS * 1000LL || now < s->warned_ms)) {
			s->warned_ms = now;
			cookiewatch_describe(s, line, sizeof line);
		}
	}
	if (w->file)
		shmap_unlock(w->file);
	pthread_mutex_unlock(&w->lock);
	if (line[0])
		log_warning("galaxysession cookies: %s. The id_secret (from %s) most likely differs "
		            "from Galaxy's, and every user is refused: see \"Troubleshooting\" in "
		            "doc/deploying.md (this warning: at most every %d minutes)",
		            line, source, COOKIEWATCH_WARN_SECONDS / 60);
}

enum cookiewatch_verdict cookiewatch_report(const struct cfg *cfg, char *out, size_t outlen)
{
	struct cookiewatch_state s = { 0 };   /* nothing recorded */
	char path[4096];
	int fd;

	if (cfg->store) {
		shmap_path(cfg, COOKIEWATCH_SUFFIX, path, sizeof path);
		if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0 && errno != ENOENT) {
			snprintf(out, outlen, "%s: %s", path, strerror(errno));
			return COOKIEWATCH_NONE;
		}
		if (fd >= 0) {
			flock(fd, LOCK_SH);
			if (pread(fd, &s, sizeof s, 0) != (ssize_t)sizeof s)
				memset(&s, 0, sizeof s);
			close(fd);
		}
	}
	return cookiewatch_describe(&s, out, outlen);
}
