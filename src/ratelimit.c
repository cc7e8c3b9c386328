/*
 * ratelimit.c - GCRA buckets in a shared file (see ratelimit.h).
 *
 * The file is an array of RATE_SLOTS slots; a zero-filled file is valid and
 * empty (Galaxy user ids start at 1), so creating it races harmlessly. A
 * bucket for (user, kind) lives in one of RATE_PROBES slots from its hash.
 * Each slot keeps only the bucket's "theoretical arrival time" (tat): the
 * moment it is full again. A slot whose tat has passed is free, so a user
 * who stops sending frees their slot by itself; when all probed slots are
 * busy, the one closest to full is reused (its user gets a fresh bucket,
 * which errs towards allowing).
 *
 * Times are wall-clock microseconds, as the file outlives boots; a tat more
 * than one period ahead (the clock went back) is treated as full.
 * Threads of a process take a mutex, processes an flock() on the file,
 * which the kernel drops if a process dies holding it.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cfg.h"
#include "log.h"
#include "ratelimit.h"

#define RATE_SLOTS 8192
#define RATE_PROBES 16

struct rate_slot {
	int64_t user_id;     /* 0: never used */
	int32_t kind;
	int32_t unused;
	int64_t tat_us;      /* when the bucket is full again */
};

struct rate {
	const struct cfg *cfg;
	int fd;
	struct rate_slot *slots;
	pthread_mutex_t lock;
};

void rate_path(const struct cfg *cfg, char *out, size_t outlen)
{
	uint64_t h = 0xcbf29ce484222325ULL;   /* FNV-1a of the store's URL */

	if (cfg->store[0] == '/') {
		snprintf(out, outlen, "%s-rate", cfg->store);
		return;
	}
	for (const char *p = cfg->store; *p; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
	snprintf(out, outlen, "/dev/shm/galaxy-chat-rate-%016llx", (unsigned long long)h);
}

int rate_open(const struct cfg *cfg, struct rate **out, char *err, size_t errlen)
{
	const size_t size = RATE_SLOTS * sizeof(struct rate_slot);
	char path[4096];
	struct stat sb;
	mode_t mode = 0600;
	struct rate *r;
	void *map;
	int fd;

	*out = NULL;
	if (cfg->rate.count == 0 && cfg->join_rate.count == 0)
		return 0;   /* both off: no file */
	rate_path(cfg, path, sizeof path);
	if (cfg->store[0] == '/' && stat(cfg->store, &sb) == 0)
		mode = sb.st_mode & 0666;   /* readable by whoever may read the store */
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, mode)) < 0 ||
	    fstat(fd, &sb) < 0 ||
	    (sb.st_size == 0 && (sb.st_mode & 07777) != mode && fchmod(fd, mode) < 0) ||
	    ((size_t)sb.st_size != size && ftruncate(fd, (off_t)size) < 0)) {
		snprintf(err, errlen, "rate limits: %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED || !(r = calloc(1, sizeof *r))) {
		snprintf(err, errlen, "rate limits: %s: %s", path,
		         map == MAP_FAILED ? strerror(errno) : "out of memory");
		if (map != MAP_FAILED)
			munmap(map, size);
		close(fd);
		return -1;
	}
	r->cfg = cfg;
	r->fd = fd;
	r->slots = map;
	pthread_mutex_init(&r->lock, NULL);
	*out = r;
	return 0;
}

void rate_close(struct rate *r)
{
	if (!r)
		return;
	munmap(r->slots, RATE_SLOTS * sizeof *r->slots);
	close(r->fd);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

static int64_t rate_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* The slot of (user_id, kind): its own, else a free or the most nearly full
 * one, reset. Called locked. */
static struct rate_slot *rate_slot(struct rate *r, int64_t user_id, int kind, int64_t now)
{
	uint64_t h = ((uint64_t)user_id * 2 + (uint64_t)kind) * 0x9e3779b97f4a7c15ULL;
	size_t base = (size_t)((h >> 32 ^ h) % RATE_SLOTS);
	struct rate_slot *pick = NULL;

	for (size_t i = 0; i < RATE_PROBES; i++) {
		struct rate_slot *s = &r->slots[(base + i) % RATE_SLOTS];
		if (s->user_id == user_id && s->kind == kind)
			return s;
		if (!pick || (pick->tat_us > now && s->tat_us < pick->tat_us))
			pick = s;
	}
	pick->user_id = user_id;
	pick->kind = kind;
	pick->tat_us = 0;
	return pick;
}

long long rate_take(struct rate *r, enum rate_kind kind, const struct user *u)
{
	const struct cfg_rate *lim = !r ? NULL : kind == RATE_SEND ? &r->cfg->rate : &r->cfg->join_rate;
	long long wait_ms = 0;

	if (!lim || lim->count == 0 || (u->admin && r->cfg->rate_exempt_admins))
		return 0;
	int64_t period = (int64_t)lim->seconds * 1000000;
	int64_t interval = period / lim->count;
	int64_t tolerance = period - interval;

	pthread_mutex_lock(&r->lock);
	int locked = 0;
	while ((locked = flock(r->fd, LOCK_EX) == 0) == 0 && errno == EINTR)
		;
	if (!locked) {
		/* never seen in practice; failing open beats refusing everyone */
		log_warning("rate limits: flock: %s", strerror(errno));
	} else {
		int64_t now = rate_now_us();
		struct rate_slot *s = rate_slot(r, u->id, kind, now);
		int64_t tat = s->tat_us;
		if (tat < now || tat > now + period)
			tat = now;
		if (tat - now > tolerance)
			wait_ms = (tat - now - tolerance + 999) / 1000;
		else
			s->tat_us = tat + interval;
		flock(r->fd, LOCK_UN);
	}
	pthread_mutex_unlock(&r->lock);
	return wait_ms;
}
