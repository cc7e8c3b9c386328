/*
 * presence.c - users seen lately, and whose last_seen is due (presence.h):
 * a fixed table of slots by user id under one mutex.
 *
 * A slot holds the user's names packed in an allocation of their own size
 * rather than a whole struct user (600 bytes, mostly empty): a mod_fcgid
 * process serves hundreds of users, and the slots it wrote were about
 * 150 KiB of each process's memory (bench/README.md, "Fifth round").
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
	int admin;                     /* as written, with ... */
	char *names;                   /* "username\0email\0gravatar\0"; NULL: empty */
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
		for (size_t i = 0; i < PRESENCE_SLOTS; i++)
			free(p->slot[i].names);
		pthread_mutex_destroy(&p->lock);
		free(p);
	}
}

/* u's username, email and gravatar packed, in a new allocation (NULL when
 * out of memory). */
static char *presence_pack(const struct user *u)
{
	size_t a = strlen(u->username) + 1, b = strlen(u->email) + 1, c = strlen(u->gravatar) + 1;
	char *names = malloc(a + b + c);

	if (names) {
		memcpy(names, u->username, a);
		memcpy(names + a, u->email, b);
		memcpy(names + a + b, u->gravatar, c);
	}
	return names;
}

/* The user slot s holds (s->names set). */
static void presence_unpack(const struct presence_slot *s, struct user *u)
{
	const char *email = s->names + strlen(s->names) + 1, *gravatar = email + strlen(email) + 1;

	memset(u, 0, sizeof *u);
	u->id = s->id;
	u->admin = s->admin;
	snprintf(u->username, sizeof u->username, "%s", s->names);
	snprintf(u->email, sizeof u->email, "%s", email);
	snprintf(u->gravatar, sizeof u->gravatar, "%s", gravatar);
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
	char *names = presence_pack(u), *old;

	pthread_mutex_lock(&p->lock);
	old = s->names;
	/* out of memory: the slot is left empty, and u's next request reads
	 * (or writes) the row again */
	s->id = names ? u->id : 0;
	s->hash = hash;
	s->dirty = names && noted;
	s->taken = 0;
	clock_gettime(CLOCK_REALTIME, &s->seen);
	s->admin = u->admin;
	s->names = names;
	pthread_mutex_unlock(&p->lock);
	free(old);
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
		presence_unpack(s, &rows[*n].user);
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
