/*
 * metrics.h - the counters of GET /v1/metrics, for the whole host, and
 * their Prometheus text (format 0.0.4).
 *
 * Every responder process of the host adds to the same counters, in a
 * file mapped MAP_SHARED (shmap.h: "<store>-metrics" beside a file store,
 * else in /dev/shm; of this user only, mode 0600), with relaxed atomic
 * increments and no lock: a request costs a few of them. Gauges (the
 * polls waiting, the processes) are kept per process, each in its own slot
 * of the file, and summed over the processes alive when read: a slot is
 * alive while its process holds an OFD lock on it, which the kernel drops
 * when the process ends, however it ends.
 *
 * The counters are the process's, as its log is: one set per process,
 * opened by server_run (metrics_open) before it serves and closed after it
 * stops; until then, and when the file cannot be used, they count in the
 * process's own memory. So any module counts with one call and no handle.
 * Nothing in them names a user, a room or a message: their labels are the
 * router's route patterns, HTTP statuses and the fixed kinds below.
 */
#ifndef GC_METRICS_H
#define GC_METRICS_H

#include <stddef.h>

struct cfg;
struct store_event;

/* What is counted by one, besides requests. The rate-limit kinds follow
 * ratelimit.h's enum rate_kind, in its order. */
enum metrics_counter {
	METRICS_GALAXY_SESSION,    /* Galaxy's database asked about a session */
	METRICS_GALAXY_API_KEY,    /* ... an API key */
	METRICS_GALAXY_USER,       /* ... a user by name */
	METRICS_GALAXY_USERS,      /* ... how many users (health) */
	METRICS_GALAXY_CARD,       /* ... an object card */
	METRICS_AUTH_CACHE_HIT,    /* a session or key answered by the auth cache */
	METRICS_AUTH_CACHE_MISS,   /* ... not in it */
	METRICS_STORE_ERROR,       /* a request failed on the message store */
	METRICS_RATE_SEND,         /* a request refused by a rate limit: messages */
	METRICS_RATE_JOIN,
	METRICS_RATE_NEW_ROOM,
	METRICS_RATE_SEARCH,
	METRICS_RATE_OBJECT,
	METRICS_COUNTERS
};

/* Counts into the host's file for cfg's store from now on, with routes
 * (n patterns such as "POST /v1/rooms/{room}/join", which must outlive the
 * process's counting) as the labels of metrics_request()'s route, and
 * takes a process slot. Returns 0, or -1 with why in err: then the process
 * counts alone. Not thread-safe: called before the threads start. */
int metrics_open(const struct cfg *cfg, const char *const *routes, size_t n,
                 char *err, size_t errlen);

/* Back to private counting; the slot is let go. */
void metrics_close(void);

/* One request answered: route is an index into metrics_open's routes, or
 * -1 for one no route took (a 404, a malformed request); status its HTTP
 * status; us how long it took, in microseconds. Thread-safe, lock-free. */
void metrics_request(int route, int status, long long us);

/* Counts one of what. Thread-safe, lock-free. */
void metrics_count(enum metrics_counter what);

/* This process's polls waiting in its hub change by delta. */
void metrics_waiting(int delta);

/* n events go out in one answer now: each one's delay from its store time
 * ("ts") to now goes into the delivery histogram. */
void metrics_delivered(struct store_event *const *evs, size_t n);

/* The host's metrics in Prometheus' text format 0.0.4, with
 * events_stored (the store's newest event id; -1: unknown, left out): a
 * new buffer the caller frees, *len its length, or NULL when out of
 * memory. */
char *metrics_text(long long events_stored, size_t *len);

#endif
