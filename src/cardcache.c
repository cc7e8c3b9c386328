/*
 * cardcache.c - the cache of card answers (see cardcache.h): CARDCACHE_SETS
 * sets of CARDCACHE_WAYS entries, a key's set from its FNV-1a hash, times
 * on the monotonic clock.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cardcache.h"
#include "monotime.h"

#define CARDCACHE_SETS 64
#define CARDCACHE_WAYS 8

struct cardcache_entry {
	long long stored_ms;      /* 0: empty */
	int found;
	char key[CARDCACHE_KEY_MAX];
	struct galaxydb_card card;
};

struct cardcache {
	long long ttl_ms;
	pthread_mutex_t lock;
	struct cardcache_entry e[CARDCACHE_SETS][CARDCACHE_WAYS];
};

struct cardcache *cardcache_new(int ttl_seconds)
{
	struct cardcache *c = calloc(1, sizeof *c);

	if (!c)
		return NULL;
	c->ttl_ms = ttl_seconds > 0 ? (long long)ttl_seconds * 1000 : 0;
	pthread_mutex_init(&c->lock, NULL);
	return c;
}

void cardcache_free(struct cardcache *c)
{
	if (!c)
		return;
	pthread_mutex_destroy(&c->lock);
	free(c);
}

static struct cardcache_entry *cardcache_set(struct cardcache *c, const char *key)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (const unsigned char *p = (const unsigned char *)key; *p; p++)
		h = (h ^ *p) * 0x100000001b3ULL;
	return c->e[h % CARDCACHE_SETS];
}

int cardcache_get(struct cardcache *c, const char *key, int *found, struct galaxydb_card *card)
{
	struct cardcache_entry *set;
	long long now = monotime_ms();
	int hit = 0;

	if (!c->ttl_ms || strlen(key) >= CARDCACHE_KEY_MAX)
		return 0;
	set = cardcache_set(c, key);
	pthread_mutex_lock(&c->lock);
	for (int i = 0; i < CARDCACHE_WAYS && !hit; i++) {
		struct cardcache_entry *e = &set[i];
		if (e->stored_ms && now - e->stored_ms < c->ttl_ms && strcmp(e->key, key) == 0) {
			*found = e->found;
			if (e->found)
				*card = e->card;
			hit = 1;
		}
	}
	pthread_mutex_unlock(&c->lock);
	return hit;
}

void cardcache_put(struct cardcache *c, const char *key, int found,
                   const struct galaxydb_card *card)
{
	struct cardcache_entry *set, *e;

	if (!c->ttl_ms || strlen(key) >= CARDCACHE_KEY_MAX)
		return;
	set = cardcache_set(c, key);
	pthread_mutex_lock(&c->lock);
	e = &set[0];
	for (int i = 0; i < CARDCACHE_WAYS; i++) {
		if (strcmp(set[i].key, key) == 0) {
			e = &set[i];
			break;
		}
		if (set[i].stored_ms < e->stored_ms)
			e = &set[i];
	}
	e->stored_ms = monotime_ms();
	if (!e->stored_ms)
		e->stored_ms = 1;
	strcpy(e->key, key);
	e->found = found;
	if (found)
		e->card = *card;
	pthread_mutex_unlock(&c->lock);
}
