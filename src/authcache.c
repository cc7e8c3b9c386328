/*
 * authcache.c - the auth cache shared by the processes of a host (see
 * authcache.h).
 *
 * Layout: a header naming the format, then AUTHCACHE_SETS sets of
 * AUTHCACHE_WAYS entries. A file whose header does not match (new, or
 * written by another version) is cleared under the lock. Times are
 * wall-clock milliseconds, as the file outlives boots; an entry stored "in
 * the future" (the clock went back) is stale.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "authcache.h"
#include "cfg.h"
#include "shmap.h"

#define AUTHCACHE_SETS 2048    /* x WAYS entries: well above max_connections (4096) */
#define AUTHCACHE_WAYS 8       /* a set holding more users than ways misses on every request */
#define AUTHCACHE_MAGIC 0x676361757468ULL   /* "gcauth" */
#define AUTHCACHE_VERSION 3     /* 2: ids are of session keys, no longer of cookie values;
                                 * 3: of a kind's prefix and the key (API keys too) */

struct authcache_entry {
	uint32_t seq;             /* odd while being written */
	int32_t result;           /* AUTH_OK or AUTH_NO_SESSION */
	int64_t stored_ms;        /* wall clock; 0 = empty */
	unsigned char id[32];     /* SHA-256 of the prefix and the key (auth.c) */
	struct user user;         /* AUTH_OK: admin left 0 */
};

struct authcache_file {
	uint64_t magic;
	uint32_t version, sets, ways, entry_size;
	struct authcache_entry entries[AUTHCACHE_SETS][AUTHCACHE_WAYS];
};

struct authcache {
	const struct cfg *cfg;
	struct shmap *file;            /* NULL: private */
	struct authcache_file *map;    /* file's map, or private memory */
	pthread_mutex_t lock;          /* writers of this process */
};

static int64_t authcache_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Whether the header is this version's; called with the lock held. */
static int authcache_header_ok(const struct authcache_file *f)
{
	return f->magic == AUTHCACHE_MAGIC && f->version == AUTHCACHE_VERSION &&
	       f->sets == AUTHCACHE_SETS && f->ways == AUTHCACHE_WAYS &&
	       f->entry_size == sizeof(struct authcache_entry);
}

/* Clears a file of another format and writes this one's header. */
static int authcache_prepare(struct authcache *c)
{
	if (shmap_lock(c->file) < 0)
		return -1;
	if (!authcache_header_ok(c->map)) {
		if (c->map->magic)   /* another format's entries; a new file is zeroes */
			memset(c->map->entries, 0, sizeof c->map->entries);
		c->map->magic = AUTHCACHE_MAGIC;
		c->map->version = AUTHCACHE_VERSION;
		c->map->sets = AUTHCACHE_SETS;
		c->map->ways = AUTHCACHE_WAYS;
		c->map->entry_size = sizeof(struct authcache_entry);
	}
	shmap_unlock(c->file);
	return 0;
}

struct authcache *authcache_open(const struct cfg *cfg, char *err, size_t errlen)
{
	struct authcache *c = calloc(1, sizeof *c);
	char path[4096];

	if (!c)
		return NULL;
	c->cfg = cfg;
	err[0] = '\0';
	if (cfg->store)   /* (tests' authenticators may have none) */
		shmap_path(cfg, "auth", path, sizeof path);
	if (cfg->store && shmap_open(path, sizeof *c->map, 0600, 1, &c->file, err, errlen) == 0) {
		c->map = c->file->map;
		if (authcache_prepare(c) < 0) {
			snprintf(err, errlen, "%s: cannot lock it", path);
			shmap_close(c->file);
			c->file = NULL;
		}
	}
	if (!c->file) {
		c->map = mmap(NULL, sizeof *c->map, PROT_READ | PROT_WRITE,
		              MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (c->map == MAP_FAILED) {
			free(c);
			return NULL;
		}
	}
	pthread_mutex_init(&c->lock, NULL);
	return c;
}

void authcache_close(struct authcache *c)
{
	if (!c)
		return;
	if (c->file)
		shmap_close(c->file);
	else
		munmap(c->map, sizeof *c->map);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

static struct authcache_entry *authcache_set(struct authcache *c, const unsigned char id[32])
{
	uint32_t h = (uint32_t)id[0] | (uint32_t)id[1] << 8 | (uint32_t)id[2] << 16;

	return c->map->entries[h % AUTHCACHE_SETS];
}

int authcache_get(struct authcache *c, const unsigned char id[32], enum auth_result *result,
                  struct user *user, long long *left_ms)
{
	int64_t ttl = (int64_t)c->cfg->auth_cache_seconds * 1000, now = authcache_now_ms();
	struct authcache_entry *set = authcache_set(c, id);

	if (ttl <= 0)
		return 0;
	for (int i = 0; i < AUTHCACHE_WAYS; i++) {
		struct authcache_entry *e = &set[i];
		uint32_t before = __atomic_load_n(&e->seq, __ATOMIC_ACQUIRE);
		if ((before & 1) || memcmp(e->id, id, 32) != 0)
			continue;
		int64_t stored = e->stored_ms;
		int32_t res = e->result;
		*user = e->user;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&e->seq, __ATOMIC_RELAXED) != before)
			continue;   /* rewritten while read: a miss */
		if (stored && now - stored >= 0 && now - stored < ttl) {
			user->username[sizeof user->username - 1] = '\0';
			user->email[sizeof user->email - 1] = '\0';
			user->gravatar[sizeof user->gravatar - 1] = '\0';
			*result = res == AUTH_OK ? AUTH_OK : AUTH_NO_SESSION;
			if (left_ms)
				*left_ms = stored + ttl - now;
			return 1;
		}
	}
	return 0;
}

void authcache_put(struct authcache *c, const unsigned char id[32], enum auth_result result,
                   const struct user *user)
{
	struct authcache_entry *set = authcache_set(c, id), *e = &set[0];

	if (c->cfg->auth_cache_seconds <= 0)
		return;
	pthread_mutex_lock(&c->lock);
	if (c->file && shmap_lock(c->file) < 0) {
		pthread_mutex_unlock(&c->lock);
		return;   /* uncached: the next request asks again */
	}
	for (int i = 0; i < AUTHCACHE_WAYS; i++) {
		if (memcmp(set[i].id, id, 32) == 0) {
			e = &set[i];
			break;
		}
		if (set[i].stored_ms < e->stored_ms)
			e = &set[i];
	}
	/* odd already if a writer died in the middle: it is overwritten */
	uint32_t seq = __atomic_load_n(&e->seq, __ATOMIC_RELAXED) | 1;
	__atomic_store_n(&e->seq, seq, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	memcpy(e->id, id, 32);
	e->stored_ms = authcache_now_ms();
	e->result = result;
	e->user = *user;
	__atomic_store_n(&e->seq, seq + 1, __ATOMIC_RELEASE);
	if (c->file)
		shmap_unlock(c->file);
	pthread_mutex_unlock(&c->lock);
}
