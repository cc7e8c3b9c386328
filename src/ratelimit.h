/*
 * ratelimit.h - per-user rate limits shared by every process of a host.
 *
 * The limits (cfg->rate for messages, cfg->join_rate for joins,
 * cfg->new_room_rate for rooms created, cfg->search_rate for searches,
 * cfg->object_rate for object cards) are
 * "count per seconds", enforced with GCRA, a token bucket of size count
 * refilled at count/seconds: a burst of count is fine, then one more every
 * seconds/count. The state lives in a small file mapped MAP_SHARED (beside a
 * file store as "<store>-rate", else in /dev/shm), guarded by flock(), so
 * every worker process of the host counts against the same buckets whatever
 * the message store is. It is soft state: losing the file only forgets
 * who was recently busy.
 */
#ifndef GC_RATELIMIT_H
#define GC_RATELIMIT_H

#include <stddef.h>

#include "user.h"

struct cfg;
struct rate;

enum rate_kind { RATE_SEND, RATE_JOIN, RATE_NEW_ROOM, RATE_SEARCH, RATE_OBJECT };

/* The limit of kind in cfg. */
const struct cfg_rate *rate_limit(const struct cfg *cfg, enum rate_kind kind);

/* Opens (creating it if needed) the shared state for cfg (which must outlive
 * it). Returns 0 and a handle the caller frees with rate_close() (NULL, and
 * no file, when every limit is off), or -1 with a message naming the file
 * in err. */
int rate_open(const struct cfg *cfg, struct rate **out, char *err, size_t errlen);
void rate_close(struct rate *r);

/* Counts one action of kind by u. Returns 0 when it is allowed (and counted),
 * else the milliseconds until it would be (nothing counted). Always 0 when
 * r is NULL or the limit is off, and for admins when cfg->rate_exempt_admins.
 * Thread-safe. */
long long rate_take(struct rate *r, enum rate_kind kind, const struct user *u);

/* The file the state of cfg lives in, into out. */
void rate_path(const struct cfg *cfg, char *out, size_t outlen);

#endif
