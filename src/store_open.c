/*
 * store_open.c - opening a store (store.h's store_open): the driver its
 * `store =` value names, then the rooms and topics the configuration
 * wants, each by its own rules (store.c, store_topics.c). Apart from
 * store.c so that the rules and the topics' rules do not call each other
 * round a loop.
 */
#include <stddef.h>

#include "store_drivers.h"
#include "store_rules.h"

int store_open(const char *where, const char *const *persistent, size_t n,
               const char *const *topics, size_t n_topics,
               struct store **out, char *err, size_t errlen)
{
	if (store_drivers_open(where, out, err, errlen) < 0)
		return -1;
	if (store_rooms_ensure(*out, persistent, n, err, errlen) != STORE_OK ||
	    store_topics_ensure(*out, topics, n_topics, err, errlen) != STORE_OK) {
		store_close(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}
