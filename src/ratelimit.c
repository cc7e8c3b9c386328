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
 * than one period ahead (the clock went back) is treated as full. The file
 * and its lock: shmap.h.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cfg.h"
#include "log.h"
#include "ratelimit.h"
#include "shmap.h"

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
	struct shmap *file;
	struct rate_slot *slots;   /* file's map */
	pthread_mutex_t lock;
};

const struct cfg_rate *rate_limit(const struct cfg *cfg, enum rate_kind kind)
{
	switch (kind) {
	case RATE_SEND:
		return &cfg->rate;
	case RATE_JOIN:
		return &cfg->join_rate;
	case RATE_NEW_ROOM:
		return &cfg->new_room_rate;
	case RATE_OBJECT:
		return &cfg->object_rate;
	case RATE_SEARCH:
		break;
	}
	return &cfg->search_rate;
}

void rate_path(const struct cfg *cfg, char *out, size_t outlen)
{
	shmap_path(cfg, "rate", out, outlen);
}

int rate_open(const struct cfg *cfg, struct rate **out, char *err, size_t errlen)
{
	char path[4096], why[4200];
	struct stat sb;
	mode_t mode = 0600;
	struct rate *r;

	*out = NULL;
	if (cfg->rate.count == 0 && cfg->join_rate.count == 0 && cfg->new_room_rate.count == 0 &&
	    cfg->search_rate.count == 0 && cfg->object_rate.count == 0)
		return 0;   /* all off: no file */
	rate_path(cfg, path, sizeof path);
	if (cfg->store[0] == '/' && stat(cfg->store, &sb) == 0)
		mode = sb.st_mode & 0666;   /* readable by whoever may read the store */
	if (!(r = calloc(1, sizeof *r))) {
		snprintf(err, errlen, "rate limits: out of memory");
		return -1;
	}
	if (shmap_open(path, RATE_SLOTS * sizeof(struct rate_slot), mode, 0, &r->file,
	               why, sizeof why) < 0) {
		snprintf(err, errlen, "rate limits: %s", why);
		free(r);
		return -1;
	}
	r->cfg = cfg;
	r->slots = r->file->map;
	pthread_mutex_init(&r->lock, NULL);
	*out = r;
	return 0;
}

void rate_close(struct rate *r)
{
	if (!r)
		return;
	shmap_close(r->file);
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
	const struct cfg_rate *lim = r ? rate_limit(r->cfg, kind) : NULL;
	long long wait_ms = 0;

	if (!lim || lim->count == 0 || (u->admin && r->cfg->rate_exempt_admins))
		return 0;
	int64_t period = (int64_t)lim->seconds * 1000000;
	int64_t interval = period / lim->count;
	int64_t tolerance = period - interval;

	pthread_mutex_lock(&r->lock);
	if (shmap_lock(r->file) < 0) {
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
		shmap_unlock(r->file);
	}
	pthread_mutex_unlock(&r->lock);
	return wait_ms;
}
