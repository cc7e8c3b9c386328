/*
 * presence.c - users seen lately, and whose last_seen is due (presence.h):
 * a fixed table of slots by user id under one mutex.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "presence.h"

#define PRESENCE_SLOTS 16384   /* users remembered; another user in a slot evicts */

/* A user seen: their row as last written, and whether seen since. */
struct presence_slot {
	long long id;
	uint64_t hash;                 /* of username, email, gravatar */
	int dirty;                     /* seen since the row was written */
	int taken;                     /* taken by presence_due, not seen or gone since */
	struct timespec seen;          /* CLOCK_REALTIME of the latest request */
	struct user user;              /* as written */
};

struct presence {
	pthread_mutex_t lock;
	struct presence_slot slot[PRESENCE_SLOTS];
};

struct presence *presence_new(void)
{
	struct presence *p = calloc(1, sizeof *p);

	if (p)
		pthread_mutex_init(&p->lock, NULL);
	return p;
}

void presence_free(struct presence *p)
{
	if (p) {
		pthread_mutex_destroy(&p->lock);
		free(p);
	}
}

/* FNV-1a of u's username, email and gravatar, NULs included. */
static uint64_t presence_hash(const struct user *u)
{
	const char *fields[] = { u->username, u->email, u->gravatar };
	uint64_t h = 14695981039346656037ULL;

	for (size_t i = 0; i < 3; i++)
		for (const char *c = fields[i]; ; c++) {
			h = (h ^ (unsigned char)*c) * 1099511628211ULL;
			if (!*c)
				break;
		}
	return h;
}

static struct presence_slot *presence_slot(struct presence *p, long long id)
{
	return &p->slot[(unsigned long long)id % PRESENCE_SLOTS];
}

int presence_note(struct presence *p, const struct user *u)
{
	struct presence_slot *s = presence_slot(p, u->id);
	uint64_t hash = presence_hash(u);
	int known;

	pthread_mutex_lock(&p->lock);
	if ((known = s->id == u->id && s->hash == hash)) {
		s->dirty = 1;
		s->taken = 0;
		clock_gettime(CLOCK_REALTIME, &s->seen);
	}
	pthread_mutex_unlock(&p->lock);
	return known;
}

void presence_done(struct presence *p, const struct user *u, int noted)
{
	struct presence_slot *s = presence_slot(p, u->id);
	uint64_t hash = presence_hash(u);

	pthread_mutex_lock(&p->lock);
	s->id = u->id;
	s->hash = hash;
	s->dirty = noted;
	s->taken = 0;
	clock_gettime(CLOCK_REALTIME, &s->seen);
	s->user = *u;
	pthread_mutex_unlock(&p->lock);
}

void presence_left(struct presence *p, long long id, const struct timespec *at)
{
	struct presence_slot *s = presence_slot(p, id);

	pthread_mutex_lock(&p->lock);
	if (s->id == id && (s->seen.tv_sec < at->tv_sec ||
	                    (s->seen.tv_sec == at->tv_sec && s->seen.tv_nsec <= at->tv_nsec)))
		s->dirty = s->taken = 0;
	pthread_mutex_unlock(&p->lock);
}

struct store_seen_row *presence_due(struct presence *p, size_t *n)
{
	struct store_seen_row *rows = NULL;
	size_t cap = 0;

	*n = 0;
	pthread_mutex_lock(&p->lock);
	for (size_t i = 0; i < PRESENCE_SLOTS; i++) {
		struct presence_slot *s = &p->slot[i];
		if (!s->dirty)
			continue;
		if (*n == cap) {
			struct store_seen_row *more = realloc(rows, (cap = cap ? 2 * cap : 64) * sizeof *rows);
			if (!more)
				break;   /* the rest stay noted for the next time */
			rows = more;
		}
		rows[*n].user = s->user;
		store_time_at(rows[*n].ts, &s->seen);
		(*n)++;
		s->dirty = 0;
		s->taken = 1;
	}
	pthread_mutex_unlock(&p->lock);
	return rows;
}

void presence_retry(struct presence *p, const struct store_seen_row *rows, size_t n)
{
	pthread_mutex_lock(&p->lock);
	for (size_t i = 0; i < n; i++) {
		struct presence_slot *s = presence_slot(p, rows[i].user.id);

		if (s->id == rows[i].user.id && s->taken)
			s->dirty = 1;
		s->taken = 0;
	}
	pthread_mutex_unlock(&p->lock);
}
