/*
 * test_roomcache.c - users' rooms remembered for their polls: a list
 * follows its user's joins and leaves (twice is once), other users' events
 * change nothing, and a slot holds one user at a time.
 */
#include <stdlib.h>
#include <string.h>

#include "roomcache.h"
#include "store.h"
#include "tap.h"

/* The rooms as one string, "a,b", in their order (NULL for no list). */
static const char *joined(char **rooms)
{
	static char buf[256];

	buf[0] = '\0';
	for (size_t i = 0; rooms && rooms[i]; i++)
		snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s", i ? "," : "", rooms[i]);
	return rooms ? buf : NULL;
}

static char **names(const char *a, const char *b)
{
	char **r = calloc(3, sizeof *r);
	r[0] = a ? strdup(a) : NULL;
	r[1] = a && b ? strdup(b) : NULL;
	return r;
}

int main(void)
{
	struct roomcache *rc = roomcache_new();
	struct store_event join = { .id = 5, .type = EV_JOIN, .room = "NGS", .user_id = 7 };
	struct store_event leave = { .id = 6, .type = EV_LEAVE, .room = "all", .user_id = 7 };
	struct store_event other = { .id = 7, .type = EV_JOIN, .room = "RNA", .user_id = 8 };
	struct store_event msg = { .id = 8, .type = EV_MESSAGE, .room = "X", .user_id = 7 };
	char **r;

	ok(rc, "a table");
	ok(!roomcache_get(rc, 7), "nobody remembered at first");
	roomcache_put(rc, 7, names("all", NULL));
	r = roomcache_get(rc, 7);
	is_str(joined(r), "all", "a user's rooms, as put");
	store_free_names(r);
	roomcache_feed(rc, &join);
	roomcache_feed(rc, &join);
	r = roomcache_get(rc, 7);
	is_str(joined(r), "all,NGS", "a join fed (twice) adds the room once");
	store_free_names(r);
	roomcache_feed(rc, &other);
	roomcache_feed(rc, &msg);
	r = roomcache_get(rc, 7);
	is_str(joined(r), "all,NGS", "another user's join, and a message, change nothing");
	store_free_names(r);
	ok(!roomcache_get(rc, 8), "a user not remembered stays so when they join");
	roomcache_feed(rc, &leave);
	roomcache_feed(rc, &leave);
	r = roomcache_get(rc, 7);
	is_str(joined(r), "NGS", "a leave fed (twice) takes the room out");
	store_free_names(r);
	roomcache_put(rc, 7 + 16384, names("RNA", "all"));
	ok(!roomcache_get(rc, 7), "a user in the same slot takes it over");
	r = roomcache_get(rc, 7 + 16384);
	is_str(joined(r), "RNA,all", "and is remembered");
	store_free_names(r);

	r = NULL;
	roomcache_track(&r, 7, &join);
	is_str(joined(r), "NGS", "tracking from no list: a join makes one");
	roomcache_track(&r, 8, &leave);
	is_str(joined(r), "NGS", "another user's event is not tracked");
	store_free_names(r);
	roomcache_free(rc);
	return done_testing();
}
