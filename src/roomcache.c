/*
 * roomcache.c - users' rooms remembered for their polls (see roomcache.h):
 * a table of ROOMCACHE_SLOTS lists, slot = user id modulo its size.
 */
#include <stdlib.h>
#include <string.h>

#include "roomcache.h"
#include "store.h"

#define ROOMCACHE_SLOTS 16384   /* users whose rooms are remembered */

/* One user's rooms, current as of the newest event fed. */
struct roomcache_slot {
	long long user_id;
	char **rooms;               /* NULL-terminated, owned; NULL: slot empty */
};

struct roomcache {
	struct roomcache_slot slots[ROOMCACHE_SLOTS];
};

struct roomcache *roomcache_new(void)
{
	return calloc(1, sizeof(struct roomcache));
}

void roomcache_free(struct roomcache *rc)
{
	for (size_t i = 0; rc && i < ROOMCACHE_SLOTS; i++)
		store_free_names(rc->slots[i].rooms);
	free(rc);
}

/* The index of user_id's slot (which may hold another user). */
static size_t roomcache_index(long long user_id)
{
	return (size_t)((unsigned long long)user_id % ROOMCACHE_SLOTS);
}

/* 1 when room is one of rooms (NULL-terminated, may be NULL), else 0. */
static int roomcache_in(char *const *rooms, const char *room)
{
	for (size_t i = 0; rooms && rooms[i]; i++)
		if (strcmp(rooms[i], room) == 0)
			return 1;
	return 0;
}

char **roomcache_copy(char *const *rooms)
{
	size_t n = 0;

	while (rooms[n])
		n++;
	char **copy = calloc(n + 1, sizeof *copy);
	for (size_t i = 0; copy && i < n; i++)
		if (!(copy[i] = strdup(rooms[i]))) {
			store_free_names(copy);
			return NULL;
		}
	return copy;
}

void roomcache_track(char ***rooms, long long user_id, const struct store_event *ev)
{
	size_t n = 0;
	if (ev->user_id != user_id || !ev->room)
		return;
	while (*rooms && (*rooms)[n])
		n++;
	if (ev->type == EV_JOIN && !roomcache_in(*rooms, ev->room)) {
		char **r = realloc(*rooms, (n + 2) * sizeof *r);
		if (!r)
			return;
		*rooms = r;
		if ((r[n] = strdup(ev->room)))
			r[n + 1] = NULL;
	} else if (ev->type == EV_LEAVE) {
		for (size_t i = 0; i < n; i++)
			if (strcmp((*rooms)[i], ev->room) == 0) {
				free((*rooms)[i]);
				(*rooms)[i] = (*rooms)[n - 1];
				(*rooms)[n - 1] = NULL;
				break;
			}
	}
}

char **roomcache_get(const struct roomcache *rc, long long user_id)
{
	const struct roomcache_slot *slot = &rc->slots[roomcache_index(user_id)];

	return slot->rooms && slot->user_id == user_id ? roomcache_copy(slot->rooms) : NULL;
}

void roomcache_put(struct roomcache *rc, long long user_id, char **rooms)
{
	struct roomcache_slot *slot = &rc->slots[roomcache_index(user_id)];

	store_free_names(slot->rooms);
	slot->user_id = user_id;
	slot->rooms = rooms;
}

void roomcache_feed(struct roomcache *rc, const struct store_event *ev)
{
	if (ev->type != EV_JOIN && ev->type != EV_LEAVE)
		return;
	struct roomcache_slot *slot = &rc->slots[roomcache_index(ev->user_id)];
	if (slot->rooms && slot->user_id == ev->user_id)
		roomcache_track(&slot->rooms, ev->user_id, ev);
}
