/*
 * metrics.c - the host's counters in a shared file, and their Prometheus
 * text (see metrics.h).
 *
 * The file holds one struct metrics_file; a zero-filled one is cleared
 * and stamped under the writers' lock by the first process to open it.
 * Counting takes no lock: relaxed atomic adds on the map. Opening (naming
 * the routes, taking a process slot) takes the file's flock. Each route
 * pattern gets an index in the file the first time a process names it,
 * so processes of two builds with other route tables count under the
 * right names. A new layout takes a new METRICS_SUFFIX, never the same
 * file resized: a process still mapping the old size would fault.
 *
 * Histograms keep one count per bucket (not cumulative) and the sum in
 * microseconds; the text adds them up.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cfg.h"
#include "metrics.h"
#include "shmap.h"
#include "store.h"

#define METRICS_MAGIC 0x6763206d65747269ULL   /* "gc metri" */
#define METRICS_VERSION 1
#define METRICS_SUFFIX "metrics"
#define METRICS_ROUTES 48        /* route patterns the file can name; [0]: no route */
#define METRICS_ROUTE_NAME 64
#define METRICS_STATUS_MIN 100
#define METRICS_STATUSES 500     /* 100 to 599 */
#define METRICS_COUNTER_SLOTS 32 /* room for enum metrics_counter to grow */
#define METRICS_PROCS 256        /* processes with a slot at once */

/* The upper bounds of the histograms' buckets, in microseconds (and as
 * Prometheus' "le" labels); a last bucket, +Inf, takes the rest. */
static const long long metrics_bounds_us[] = {
	1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000,
	1000000, 2500000, 5000000, 10000000, 30000000, 60000000,
};
static const char *const metrics_bounds_le[] = {
	"0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5",
	"1", "2.5", "5", "10", "30", "60",
};
#define METRICS_BUCKETS (sizeof metrics_bounds_us / sizeof *metrics_bounds_us + 1)

/* The labels of the counters with one: Galaxy's queries, the rate limits. */
static const char *const metrics_galaxy_queries[] = { "session", "api_key", "user", "users", "card" };
static const char *const metrics_limits[] = { "message", "join", "new_room", "search", "object" };

_Static_assert(sizeof metrics_galaxy_queries / sizeof *metrics_galaxy_queries ==
               METRICS_GALAXY_CARD - METRICS_GALAXY_SESSION + 1, "a label per Galaxy query");
_Static_assert(sizeof metrics_limits / sizeof *metrics_limits ==
               METRICS_RATE_OBJECT - METRICS_RATE_SEND + 1, "a label per rate limit");
_Static_assert(METRICS_COUNTERS <= METRICS_COUNTER_SLOTS, "the counters fit the file");
_Static_assert(sizeof metrics_bounds_le / sizeof *metrics_bounds_le == METRICS_BUCKETS - 1,
               "one label per bound");

struct metrics_hist {
	uint64_t bucket[METRICS_BUCKETS];
	uint64_t sum_us;
};

struct metrics_proc {
	int64_t pid;                /* for a reader of the file; 0: never used */
	int64_t waiting;            /* polls waiting in its hub */
};

struct metrics_file {
	uint64_t magic;
	uint32_t version, size;
	char route[METRICS_ROUTES][METRICS_ROUTE_NAME];   /* "METHOD /pattern"; [0] "" */
	uint64_t requests[METRICS_ROUTES][METRICS_STATUSES];
	struct metrics_hist duration[METRICS_ROUTES];
	struct metrics_hist delivery;
	uint64_t counter[METRICS_COUNTER_SLOTS];
	struct metrics_proc proc[METRICS_PROCS];
};

/* The process's counting: its own memory until metrics_open maps the
 * host's file. Set before the threads start and after they stop. */
static struct metrics_file metrics_private;
static struct metrics_file *metrics_at = &metrics_private;
static struct metrics_proc *metrics_me = &metrics_private.proc[0];
static struct shmap *metrics_map;
static int metrics_slot = -1;                  /* this process's in the file */
static unsigned char metrics_index[METRICS_ROUTES];   /* metrics_open's route -> file's */
static size_t metrics_n_routes;

static void metrics_add(uint64_t *at, uint64_t n)
{
	__atomic_fetch_add(at, n, __ATOMIC_RELAXED);
}

static uint64_t metrics_get(const uint64_t *at)
{
	return __atomic_load_n(at, __ATOMIC_RELAXED);
}

static void metrics_observe(struct metrics_hist *h, long long us)
{
	size_t b = 0;

	if (us < 0)
		us = 0;
	while (b < METRICS_BUCKETS - 1 && us > metrics_bounds_us[b])
		b++;
	metrics_add(&h->bucket[b], 1);
	metrics_add(&h->sum_us, (uint64_t)us);
}

/* The file's index of pattern, named there if new; 0 when it is full. */
static unsigned char metrics_route_index(struct metrics_file *f, const char *pattern)
{
	for (size_t i = 1; i < METRICS_ROUTES; i++) {
		if (strcmp(f->route[i], pattern) == 0)
			return (unsigned char)i;
		if (!f->route[i][0] && strlen(pattern) < METRICS_ROUTE_NAME) {
			strcpy(f->route[i], pattern);
			return (unsigned char)i;
		}
	}
	return 0;
}

static void metrics_name_routes(struct metrics_file *f, const char *const *routes, size_t n)
{
	metrics_n_routes = n < METRICS_ROUTES ? n : METRICS_ROUTES;
	for (size_t i = 0; i < metrics_n_routes; i++)
		metrics_index[i] = metrics_route_index(f, routes[i]);
}

/* The OFD lock on slot i of the file of fd: taken (F_OFD_SETLK, type
 * F_WRLCK) or asked after (F_OFD_GETLK). */
static int metrics_slot_lock(int fd, int cmd, size_t i, struct flock *fl)
{
	*fl = (struct flock){ .l_type = F_WRLCK, .l_whence = SEEK_SET,
	                      .l_start = (off_t)(offsetof(struct metrics_file, proc) +
	                                         i * sizeof(struct metrics_proc)),
	                      .l_len = sizeof(struct metrics_proc) };
	return fcntl(fd, cmd, fl);
}

/* Takes the first slot no live process holds: its index, or -1. */
static int metrics_take_slot(struct shmap *m, struct metrics_file *f)
{
	struct flock fl;

	for (size_t i = 0; i < METRICS_PROCS; i++) {
		if (metrics_slot_lock(m->fd, F_OFD_SETLK, i, &fl) == 0) {
			f->proc[i].pid = getpid();
			__atomic_store_n(&f->proc[i].waiting, 0, __ATOMIC_RELAXED);
			return (int)i;
		}
	}
	return -1;
}

int metrics_open(const struct cfg *cfg, const char *const *routes, size_t n,
                 char *err, size_t errlen)
{
	char path[4096], why[4200];
	struct metrics_file *f;
	struct shmap *m;

	metrics_name_routes(&metrics_private, routes, n);
	shmap_path(cfg, METRICS_SUFFIX, path, sizeof path);
	if (shmap_open(path, sizeof *f, 0600, 1, &m, why, sizeof why) < 0) {
		snprintf(err, errlen, "metrics: %s", why);
		return -1;
	}
	if (shmap_lock(m) < 0) {
		snprintf(err, errlen, "metrics: %s: flock: %s", path, strerror(errno));
		shmap_close(m);
		return -1;
	}
	f = m->map;
	if (f->magic != METRICS_MAGIC || f->version != METRICS_VERSION || f->size != sizeof *f) {
		memset(f, 0, sizeof *f);
		f->magic = METRICS_MAGIC;
		f->version = METRICS_VERSION;
		f->size = sizeof *f;
	}
	metrics_name_routes(f, routes, n);
	metrics_slot = metrics_take_slot(m, f);
	shmap_unlock(m);
	if (metrics_slot < 0)
		snprintf(err, errlen, "metrics: %s: all %d process slots taken: this process's "
		         "waiting polls are not counted, nor the process", path, METRICS_PROCS);
	metrics_map = m;
	metrics_at = f;
	metrics_me = metrics_slot >= 0 ? &f->proc[metrics_slot] : &metrics_private.proc[0];
	return metrics_slot >= 0 ? 0 : -1;
}

void metrics_close(void)
{
	if (!metrics_map)
		return;
	metrics_name_routes(&metrics_private, NULL, 0);
	metrics_at = &metrics_private;
	metrics_me = &metrics_private.proc[0];
	metrics_slot = -1;
	shmap_close(metrics_map);   /* drops the slot's lock */
	metrics_map = NULL;
}

void metrics_request(int route, int status, long long us)
{
	unsigned idx = route >= 0 && (size_t)route < metrics_n_routes ? metrics_index[route] : 0;

	if (status < METRICS_STATUS_MIN || status >= METRICS_STATUS_MIN + METRICS_STATUSES)
		status = 500;   /* what reply_serialize() sends for a status it has not */
	metrics_add(&metrics_at->requests[idx][status - METRICS_STATUS_MIN], 1);
	metrics_observe(&metrics_at->duration[idx], us);
}

void metrics_count(enum metrics_counter what)
{
	metrics_add(&metrics_at->counter[what], 1);
}

void metrics_waiting(int delta)
{
	__atomic_fetch_add(&metrics_me->waiting, delta, __ATOMIC_RELAXED);
}

void metrics_delivered(struct store_event *const *evs, size_t n)
{
	struct timespec ts;
	long long now;

	clock_gettime(CLOCK_REALTIME, &ts);
	now = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	for (size_t i = 0; i < n; i++)
		if (evs[i]->ts_ms > 0)
			metrics_observe(&metrics_at->delivery, (now - evs[i]->ts_ms) * 1000);
}

/* --- the text ------------------------------------------------------- */

static void metrics_head(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP galaxy_chat_%s %s\n# TYPE galaxy_chat_%s %s\n", name, help, name, type);
}

/* The labels of route index i: method="...",route="...". */
static void metrics_route_labels(FILE *out, const struct metrics_file *f, size_t i)
{
	const char *p = f->route[i], *sp = strchr(p, ' ');

	if (i == 0 || !sp)
		fputs("method=\"none\",route=\"none\"", out);
	else
		fprintf(out, "method=\"%.*s\",route=\"%s\"", (int)(sp - p), p, sp + 1);
}

/* The series of histogram h of metric name, with the labels of route
 * index i (-1: none). */
static void metrics_hist_text(FILE *out, const char *name, const struct metrics_file *f,
                              const struct metrics_hist *h, long i)
{
	uint64_t count = 0;

	for (size_t b = 0; b < METRICS_BUCKETS; b++) {
		count += metrics_get(&h->bucket[b]);
		fprintf(out, "galaxy_chat_%s_bucket{", name);
		if (i >= 0) {
			metrics_route_labels(out, f, (size_t)i);
			fputc(',', out);
		}
		fprintf(out, "le=\"%s\"} %llu\n", b < METRICS_BUCKETS - 1 ? metrics_bounds_le[b] : "+Inf",
		        (unsigned long long)count);
	}
	for (int k = 0; k < 2; k++) {
		fprintf(out, "galaxy_chat_%s_%s", name, k ? "count" : "sum");
		if (i >= 0) {
			fputc('{', out);
			metrics_route_labels(out, f, (size_t)i);
			fputc('}', out);
		}
		if (k)
			fprintf(out, " %llu\n", (unsigned long long)count);
		else
			fprintf(out, " %.6f\n", (double)metrics_get(&h->sum_us) / 1e6);
	}
}

static uint64_t metrics_hist_count(const struct metrics_hist *h)
{
	uint64_t n = 0;

	for (size_t b = 0; b < METRICS_BUCKETS; b++)
		n += metrics_get(&h->bucket[b]);
	return n;
}

/* The processes alive and their polls waiting (this process's own count
 * when it counts alone). */
static void metrics_gauges(long long *procs, long long *waiting)
{
	struct flock fl;

	*procs = 0;
	*waiting = 0;
	if (metrics_slot < 0) {
		*procs = 1;
		*waiting = __atomic_load_n(&metrics_me->waiting, __ATOMIC_RELAXED);
		return;
	}
	for (size_t i = 0; i < METRICS_PROCS; i++) {
		if ((int)i != metrics_slot &&
		    (metrics_slot_lock(metrics_map->fd, F_OFD_GETLK, i, &fl) < 0 || fl.l_type == F_UNLCK))
			continue;
		++*procs;
		*waiting += __atomic_load_n(&metrics_at->proc[i].waiting, __ATOMIC_RELAXED);
	}
	if (*waiting < 0)   /* a poll's end counted before its start was */
		*waiting = 0;
}

/* Counter name: one series with label (NULL: none) per name of names, n
 * of them, counted from counter first on. */
static void metrics_counter_text(FILE *out, const char *name, const char *help, const char *label,
                                 const char *const *names, enum metrics_counter first, size_t n)
{
	metrics_head(out, name, "counter", help);
	for (size_t i = 0; i < n; i++) {
		fprintf(out, "galaxy_chat_%s", name);
		if (label)
			fprintf(out, "{%s=\"%s\"}", label, names[i]);
		fprintf(out, " %llu\n", (unsigned long long)metrics_get(&metrics_at->counter[first + i]));
	}
}

char *metrics_text(long long events_stored, size_t *len)
{
	const struct metrics_file *f = metrics_at;
	long long procs, waiting;
	char *buf = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&buf, &size);

	if (!out)
		return NULL;
	metrics_head(out, "requests_total", "counter", "Requests answered, by route and HTTP status.");
	for (size_t i = 0; i < METRICS_ROUTES; i++)
		for (size_t s = 0; s < METRICS_STATUSES; s++) {
			uint64_t n = metrics_get(&f->requests[i][s]);
			if (!n)
				continue;
			fputs("galaxy_chat_requests_total{", out);
			metrics_route_labels(out, f, i);
			fprintf(out, ",code=\"%zu\"} %llu\n", s + METRICS_STATUS_MIN, (unsigned long long)n);
		}
	metrics_head(out, "request_duration_seconds", "histogram",
	             "Time from a request's arrival to its answer, by route.");
	for (size_t i = 0; i < METRICS_ROUTES; i++)
		if (metrics_hist_count(&f->duration[i]))
			metrics_hist_text(out, "request_duration_seconds", f, &f->duration[i], (long)i);
	metrics_head(out, "delivery_delay_seconds", "histogram",
	             "Time from an event's store time to the poll answer carrying it, per event delivered.");
	metrics_hist_text(out, "delivery_delay_seconds", f, &f->delivery, -1);
	metrics_gauges(&procs, &waiting);
	metrics_head(out, "polls_waiting", "gauge", "Long polls waiting for events now.");
	fprintf(out, "galaxy_chat_polls_waiting %lld\n", waiting);
	metrics_head(out, "processes", "gauge", "Responder processes of the host counting now.");
	fprintf(out, "galaxy_chat_processes %lld\n", procs);
	if (events_stored >= 0) {
		metrics_head(out, "events_stored_total", "counter",
		             "Events the message store has given an id: its newest event id.");
		fprintf(out, "galaxy_chat_events_stored_total %lld\n", events_stored);
	}
	metrics_counter_text(out, "galaxy_db_queries_total", "Queries to Galaxy's database, by what they ask.",
	                     "query", metrics_galaxy_queries, METRICS_GALAXY_SESSION,
	                     sizeof metrics_galaxy_queries / sizeof *metrics_galaxy_queries);
	metrics_counter_text(out, "auth_cache_hits_total",
	                     "Sessions and API keys answered from the auth cache.", NULL, NULL,
	                     METRICS_AUTH_CACHE_HIT, 1);
	metrics_counter_text(out, "auth_cache_misses_total",
	                     "Sessions and API keys the auth cache did not know.", NULL, NULL,
	                     METRICS_AUTH_CACHE_MISS, 1);
	metrics_counter_text(out, "store_errors_total", "Requests that failed on the message store.",
	                     NULL, NULL, METRICS_STORE_ERROR, 1);
	metrics_counter_text(out, "rate_limited_total", "Requests refused by a rate limit, by limit.",
	                     "limit", metrics_limits, METRICS_RATE_SEND,
	                     sizeof metrics_limits / sizeof *metrics_limits);
	if (fclose(out) != 0) {
		free(buf);
		return NULL;
	}
	*len = size;
	return buf;
}
