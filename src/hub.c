/*
 * hub.c - this process's waiting long polls and the thread that completes
 * them (see hub.h). One read of the new events per change of the store's
 * counter (from the host's ring of new events when it has them, else from
 * the store), then fan-out from memory. The ring holds events as the store
 * reads them now: a removal or an edit rewrites the events of the ring
 * that show its message's text.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg.h"
#include "events_body.h"
#include "hub.h"
#include "log.h"
#include "monotime.h"
#include "roomcache.h"
#include "store.h"
#include "store_rows.h"

#define HUB_BATCH STORE_MAX_LIMIT /* events read per store query: a shorter read is the end */
#define HUB_TICK_MS 250      /* longest sleep, so deadlines are kept */
#define HUB_REREAD_MS 5000   /* longest time without reading the store */
#define HUB_ERROR_LOG_MS 30000 /* a failing store is logged this often */
#define HUB_SEEN_FLUSH_MS 10000 /* last_seen is written this often (store_seen_flush) */
#define HUB_GROUP_SLOTS 4096    /* hash buckets of the users' and addresses' poll counts */

/* The waiting polls of one user, or from one address: how many, oldest
 * first (through their by[] links). */
struct hub_group {
	unsigned long long key;
	size_t n;
	struct hub_waiter *oldest, *newest;
	struct hub_group *next;     /* in its hash bucket */
};

struct hub {
	const struct cfg *cfg;
	struct presence *presence;   /* the server's, flushed here */
	struct store *st;
	pthread_t thread;
	pthread_mutex_t lock;
	int stopping;
	struct hub_waiter head;     /* circular list of parked polls */
	size_t waiting;
	long long last_id;          /* newest event read */
	long long ring_from;        /* the ring holds every event in (ring_from, last_id] */
	struct store_event ring[HUB_RING];   /* the first ring_cap used (calloc: the rest untouched) */
	size_t ring_cap, ring_start, ring_n;
	int lean;                   /* trims its store connection before each wait */
	struct roomcache *rooms;    /* the rooms of users who poll, fed every event read */
	struct hub_group *groups[HUB_BY_N][HUB_GROUP_SLOTS];   /* by key */
};

struct hub_waiter *hub_waiter_new(long long user_id, char **rooms, long long as_of)
{
	struct hub_waiter *w = calloc(1, sizeof *w);
	if (!w) {
		store_free_names(rooms);
		return NULL;
	}
	w->user_id = user_id;
	w->rooms = rooms;
	w->rooms_as_of = as_of;
	return w;
}

void hub_waiter_free(struct hub_waiter *w)
{
	if (!w)
		return;
	store_free_names(w->rooms);
	free(w);
}

unsigned long long hub_addr_key(const char *addr)
{
	unsigned long long key = 0xcbf29ce484222325ULL;   /* FNV-1a */

	if (!addr || !*addr)
		return 0;
	for (; *addr; addr++)
		key = (key ^ (unsigned char)*addr) * 0x100000001b3ULL;
	return key ? key : 1;
}

static struct store_event *hub_ring_at(struct hub *h, size_t i)
{
	return &h->ring[(h->ring_start + i) % h->ring_cap];
}

/* The index of the ring's first event with an id above id (ring_n if none):
 * a binary search, as the ring is in id order. */
static size_t hub_ring_after(struct hub *h, long long id)
{
	size_t lo = 0, hi = h->ring_n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (hub_ring_at(h, mid)->id <= id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Rewrites the JSON of the ring's event ev: fn changes its object. */
static void hub_ring_rewrite(struct store_event *ev, void (*fn)(json_object *o, json_object *by),
                             json_object *by)
{
	json_object *o = json_tokener_parse(ev->json);
	if (!o)
		return;
	fn(o, by);
	char *json = strdup(json_object_to_json_string_ext(o,
		JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	if (json) {
		free(ev->json);
		ev->json = json;
	}
}

/* A removed message, or the edit event or reply_to of one: "deleted":
 * true, no text (and no edited, no mentions). */
static void hub_json_removed(json_object *o, json_object *by)
{
	(void)by;
	json_object_object_del(o, "text");
	json_object_object_del(o, "edited");
	json_object_object_del(o, "mentions");
	json_object_object_add(o, "deleted", json_object_new_boolean(1));
}

/* A message, or an edit event of it, as the edit by (its JSON) left it. */
static void hub_json_edited(json_object *o, json_object *by)
{
	json_object_object_add(o, "text", json_object_get(json_object_object_get(by, "text")));
	json_object_object_add(o, "edited", json_object_get(json_object_object_get(by, "edited")));
}

/* A reply's reply_to, its parent edited by (its JSON): the new text's
 * first characters (store_rows_snippet_len). */
static void hub_json_parent_edited(json_object *o, json_object *by)
{
	json_object *parent = json_object_object_get(o, "reply_to");
	const char *text = json_object_get_string(json_object_object_get(by, "text"));
	if (!parent || !text)
		return;
	json_object_object_add(parent, "text",
	                       json_object_new_string_len(text, (int)store_rows_snippet_len(text)));
}

/* A reply's reply_to, its parent removed. */
static void hub_json_parent_removed(json_object *o, json_object *by)
{
	json_object *parent = json_object_object_get(o, "reply_to");
	if (parent)
		hub_json_removed(parent, by);
}

/* A delete or an edit event ev has just arrived: the events of the ring
 * that show its target's text (the message itself, its earlier edit
 * events, the replies quoting it) must show what the store now reads
 * there to polls parked later: removed ("deleted": true, no text), or the
 * edit's text and time. */
static void hub_ring_follow(struct hub *h, const struct store_event *ev)
{
	json_object *by = ev->type == EV_EDIT ? json_tokener_parse(ev->json) : NULL;
	int removed = ev->type == EV_DELETE || (by && json_object_object_get_ex(by, "deleted", NULL));
	if (ev->type == EV_EDIT && !by)
		return;
	for (size_t i = hub_ring_after(h, ev->target - 1); i < h->ring_n; i++) {
		struct store_event *e = hub_ring_at(h, i);
		if ((e->id == ev->target && (e->type == EV_MESSAGE || e->type == EV_DIRECT)) ||
		    (e->type == EV_EDIT && e->target == ev->target))
			hub_ring_rewrite(e, removed ? hub_json_removed : hub_json_edited, by);
		else if (e->reply_to == ev->target)
			hub_ring_rewrite(e, removed ? hub_json_parent_removed : hub_json_parent_edited, by);
	}
	json_object_put(by);
}

/* Moves ev into the ring (taking its strings), dropping the oldest if full. */
static void hub_ring_push(struct hub *h, struct store_event *ev)
{
	if (h->ring_n == h->ring_cap) {
		struct store_event *old = hub_ring_at(h, 0);
		h->ring_from = old->id;
		free(old->room);
		free(old->json);
		h->ring_start = (h->ring_start + 1) % h->ring_cap;
		h->ring_n--;
	}
	if (ev->type == EV_DELETE || ev->type == EV_EDIT)
		hub_ring_follow(h, ev);
	roomcache_feed(h->rooms, ev);
	*hub_ring_at(h, h->ring_n++) = *ev;
	h->last_id = ev->id;
	memset(ev, 0, sizeof *ev);
}

/* Counts w in its group of kind by, made on first use. Returns the group
 * and its cap (cfg's max_polls_per_*), or NULL when w is not counted
 * there: no cap, no key (an address the web server did not give), or out
 * of memory (a poll uncounted beats a poll refused). */
static struct hub_group *hub_group_join(struct hub *h, enum hub_by by, struct hub_waiter *w,
                                        size_t *cap)
{
	unsigned long long key = by == HUB_BY_USER ? (unsigned long long)w->user_id : w->addr_key;
	struct hub_group **slot, *g;

	*cap = (size_t)(by == HUB_BY_USER ? h->cfg->max_polls_per_user : h->cfg->max_polls_per_address);
	if (!*cap || !key)
		return NULL;
	slot = &h->groups[by][key % HUB_GROUP_SLOTS];
	for (g = *slot; g && g->key != key; g = g->next)
		;
	if (!g) {
		if (!(g = calloc(1, sizeof *g)))
			return NULL;
		g->key = key;
		g->next = *slot;
		*slot = g;
	}
	w->by[by] = (struct hub_link){ .group = g, .prev = g->newest };
	if (g->newest)
		g->newest->by[by].next = w;
	else
		g->oldest = w;
	g->newest = w;
	g->n++;
	return g;
}

/* Takes w out of its group of kind by, if any; an empty group is freed. */
static void hub_group_leave(struct hub *h, enum hub_by by, struct hub_waiter *w)
{
	struct hub_link *l = &w->by[by];
	struct hub_group *g = l->group, **p;

	if (!g)
		return;
	if (l->prev)
		l->prev->by[by].next = l->next;
	else
		g->oldest = l->next;
	if (l->next)
		l->next->by[by].prev = l->prev;
	else
		g->newest = l->prev;
	*l = (struct hub_link){ 0 };
	if (--g->n)
		return;
	for (p = &h->groups[by][g->key % HUB_GROUP_SLOTS]; *p != g; p = &(*p)->next)
		;
	*p = g->next;
	free(g);
}

static void hub_unlink(struct hub *h, struct hub_waiter *w)
{
	for (int by = 0; by < HUB_BY_N; by++)
		hub_group_leave(h, (enum hub_by)by, w);
	w->prev->next = w->next;
	w->next->prev = w->prev;
	w->next = w->prev = NULL;
	h->waiting--;
}

/* A finished waiter and its body, to be handed over outside the lock. */
struct hub_done {
	struct hub_waiter *w;
	char *body;
	size_t len, n;
};

struct hub_done_list {
	struct hub_done *v;
	size_t n, cap;
};

static void hub_finish(struct hub *h, struct hub_done_list *dl, struct hub_waiter *w,
                       struct store_event *const *evs, size_t n)
{
	if (dl->n == dl->cap) {
		size_t cap = dl->cap ? dl->cap * 2 : 64;
		struct hub_done *v = realloc(dl->v, cap * sizeof *v);
		if (!v) {
			log_error("hub: out of memory; a poll waits for its deadline");
			return;
		}
		dl->v = v;
		dl->cap = cap;
	}
	hub_unlink(h, w);
	struct hub_done *d = &dl->v[dl->n++];
	d->w = w;
	d->n = n;
	w->cursor = n ? evs[n - 1]->id : w->since;
	d->body = events_body_poll(evs, n, w->since, w->stream != NULL, &d->len);
}

/* Hands every finished waiter to its done callback (lock not held). */
static void hub_deliver(struct hub_done_list *dl)
{
	for (size_t i = 0; i < dl->n; i++)
		dl->v[i].w->done(dl->v[i].w, dl->v[i].body, dl->v[i].body ? dl->v[i].len : 0, dl->v[i].n);
	dl->n = 0;
}

/* Every event the hub has read has been looked at for w. checked only
 * ever moves forward: a poll the store answered may have been parked with
 * the store's newest id, ahead of the hub, and the hub's next read may end
 * short of it (a batch, or a read begun before that id was committed);
 * setting checked back to the hub's newest id would offer w again the
 * events its client already has. */
static void hub_checked_to_newest(struct hub *h, struct hub_waiter *w)
{
	if (h->last_id > w->checked)
		w->checked = h->last_id;
}

/* Keeps w's rooms in step with ev, the next event w is offered, when ev
 * is newer than what they were taken at (hub_waiter's rooms_as_of). */
static void hub_waiter_track(struct hub_waiter *w, const struct store_event *ev)
{
	if (ev->id > w->rooms_as_of) {
		roomcache_track(&w->rooms, w->user_id, ev);
		w->rooms_as_of = ev->id;
	}
}

/* Offers the ring's events from index first on to every waiter. */
static void hub_fan_out(struct hub *h, size_t first, struct hub_done_list *dl)
{
	struct store_event *pick[STORE_MAX_LIMIT];
	struct hub_waiter *w = h->head.next;

	while (w != &h->head) {
		struct hub_waiter *next = w->next;
		size_t n = 0;
		if (w->checked < h->ring_from) {
			/* one read brought more events than the ring holds (a lean
			 * hub's 64, after a pause): those after w->checked that it
			 * dropped were never offered to w, and answering w with the
			 * ring's would skip them. Answered with none, at its own
			 * cursor: its next turn asks the store from there. */
			hub_finish(h, dl, w, NULL, 0);
			w = next;
			continue;
		}
		for (size_t i = first; i < h->ring_n && n < STORE_MAX_LIMIT; i++) {
			struct store_event *ev = hub_ring_at(h, i);
			if (ev->id <= w->checked)
				continue;
			hub_waiter_track(w, ev);
			if (store_event_visible(ev, w->user_id, w->rooms))
				pick[n++] = ev;
		}
		if (n)
			hub_finish(h, dl, w, pick, n);
		else
			hub_checked_to_newest(h, w);
		w = next;
	}
}

/* Completes waiters whose deadline has passed; returns ms to the next one. */
static long long hub_expire(struct hub *h, struct hub_done_list *dl)
{
	long long now = monotime_ms(), next = HUB_TICK_MS;
	struct hub_waiter *w = h->head.next;
	while (w != &h->head) {
		struct hub_waiter *nx = w->next;
		if (w->deadline <= now || h->stopping)
			hub_finish(h, dl, w, NULL, 0);
		else if (w->deadline - now < next)
			next = w->deadline - now;
		w = nx;
	}
	return next;
}

/* Writes the users seen lately (store_seen_flush); a failure is logged and
 * forgotten: presence is soft state. */
static void hub_flush_seen(struct hub *h)
{
	char err[256];

	if (store_seen_flush(h->st, h->presence, err, sizeof err) != STORE_OK)
		log_warning("hub: recording who was seen: %s", err);
}

static void *hub_main(void *arg)
{
	struct hub *h = arg;
	struct hub_done_list dl = { 0 };
	char err[256];

	/* The new events are read when the store's change counter moved,
	 * from the host's ring of them (store_events_recent) when it has
	 * them, else from the store; the store itself when the ring says to,
	 * when the last read failed, and every HUB_REREAD_MS in case a writer
	 * died between its commit and its wakeup: an idle hub sends almost no
	 * query. */
	unsigned read_seq = 0;
	long long read_at = 0, logged_at = 0, flushed_at = monotime_ms();
	int stale = 1, failing = 0;
	/* processes started together would flush together, each round, and
	 * the one that finds the store busy skips its round (store_seen_flush
	 * never waits here): up to a fifth of the period early, at random,
	 * keeps them apart */
	unsigned jitter_seed = (unsigned)getpid() ^ (unsigned)flushed_at;

	for (;;) {
		unsigned seq = store_seq(h->st);
		struct store_events evs = { 0 };
		long long last;

		pthread_mutex_lock(&h->lock);
		last = h->last_id;
		int stopping = h->stopping;
		pthread_mutex_unlock(&h->lock);
		if (stopping)
			break;

		if (monotime_ms() - read_at >= HUB_REREAD_MS)
			stale = 1;
		while (stale || seq != read_seq) {
			enum store_recent got;

			evs.n = 0;
			if (!stale) {
				got = store_events_recent(h->st, last, HUB_BATCH, &evs);
			} else {
				read_at = monotime_ms();
				if (store_events_all(h->st, last, HUB_BATCH, &evs, err, sizeof err) != STORE_OK) {
					/* once per HUB_ERROR_LOG_MS while the store is away */
					if (!failing || read_at - logged_at >= HUB_ERROR_LOG_MS) {
						log_error("hub: reading new events: %s", err);
						logged_at = read_at;
					}
					failing = stale = 1;
					break;
				}
				if (failing)
					log_info("hub: reading new events again");
				failing = 0;
				got = evs.n < HUB_BATCH ? STORE_RECENT_ALL : STORE_RECENT_MORE;
			}
			pthread_mutex_lock(&h->lock);
			for (size_t i = 0; i < evs.n; i++)
				hub_ring_push(h, &evs.v[i]);
			if (evs.n)   /* the new events are the ring's last evs.n (or all of it) */
				hub_fan_out(h, evs.n > h->ring_n ? 0 : h->ring_n - evs.n, &dl);
			last = h->last_id;
			pthread_mutex_unlock(&h->lock);
			hub_deliver(&dl);
			stale = got == STORE_RECENT_ASK;
			if (got == STORE_RECENT_ALL)
				read_seq = seq;
		}
		store_events_clear(&evs);

		pthread_mutex_lock(&h->lock);
		long long wait = hub_expire(h, &dl);
		pthread_mutex_unlock(&h->lock);
		hub_deliver(&dl);
		if (monotime_ms() - flushed_at >= HUB_SEEN_FLUSH_MS) {
			hub_flush_seen(h);
			flushed_at = monotime_ms() - rand_r(&jitter_seed) % (HUB_SEEN_FLUSH_MS / 5);
		}
		if (h->lean)
			store_trim(h->st);
		store_wait(h->st, seq, (int)(wait > 0 ? wait : 1));
	}
	pthread_mutex_lock(&h->lock);
	hub_expire(h, &dl);
	pthread_mutex_unlock(&h->lock);
	hub_deliver(&dl);
	free(dl.v);
	return NULL;
}

static void hub_no_op(int sig)
{
	(void)sig;
}

int hub_new(const struct cfg *cfg, struct presence *presence, int lean, struct hub **out,
            char *err, size_t errlen)
{
	struct hub *h = calloc(1, sizeof *h);
	if (!h) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	h->cfg = cfg;
	h->presence = presence;
	h->ring_cap = lean ? HUB_RING_LEAN : HUB_RING;
	h->lean = lean;
	h->head.next = h->head.prev = &h->head;
	pthread_mutex_init(&h->lock, NULL);
	if (!(h->rooms = roomcache_new())) {
		snprintf(err, errlen, "out of memory");
		hub_free(h);
		return -1;
	}
	if (store_open(cfg->store, (const char *const *)cfg->persistent_rooms,
	               cfg->n_persistent_rooms, (const char *const *)cfg->room_topics,
	               cfg->n_room_topics, &h->st, err, errlen) < 0 ||
	    store_max_id(h->st, &h->last_id, err, errlen) != STORE_OK) {
		hub_free(h);
		return -1;
	}
	h->ring_from = h->last_id;
	/* hub_free() interrupts the hub thread's wait with SIGUSR2: a handler
	 * that does nothing, installed without SA_RESTART */
	struct sigaction sa = { .sa_handler = hub_no_op };
	sigaction(SIGUSR2, &sa, NULL);
	if (pthread_create(&h->thread, NULL, hub_main, h) != 0) {
		snprintf(err, errlen, "cannot start the hub thread");
		h->thread = 0;
		hub_free(h);
		return -1;
	}
	*out = h;
	return 0;
}

void hub_stop(struct hub *h)
{
	int was;

	if (!h)
		return;
	pthread_mutex_lock(&h->lock);
	was = h->stopping;
	h->stopping = 1;
	pthread_mutex_unlock(&h->lock);
	if (was)
		return;
	/* store_wait() returns early on a signal: poke the thread until it has
	 * seen `stopping`, rather than let every exit wait out a tick */
	while (h->thread && pthread_kill(h->thread, SIGUSR2) == 0 &&
	       pthread_tryjoin_np(h->thread, NULL) == EBUSY)
		usleep(2000);
	/* the last users seen, here rather than on the hub thread: the pokes
	 * above cut short SQLite's waits for the write lock */
	if (h->st)
		hub_flush_seen(h);
}

void hub_free(struct hub *h)
{
	if (!h)
		return;
	hub_stop(h);
	for (size_t i = 0; i < h->ring_n; i++) {
		free(hub_ring_at(h, i)->room);
		free(hub_ring_at(h, i)->json);
	}
	roomcache_free(h->rooms);
	store_close(h->st);
	pthread_mutex_destroy(&h->lock);
	free(h);
}

int hub_take(struct hub *h, struct hub_waiter *w, char **body, size_t *len)
{
	struct store_event *pick[STORE_MAX_LIMIT];
	struct hub_done_list dl = { 0 };
	size_t n = 0;

	*body = NULL;
	pthread_mutex_lock(&h->lock);
	if (h->stopping || w->checked < h->ring_from) {
		/* shutting down, or events after w->checked left the ring */
		pthread_mutex_unlock(&h->lock);
		return -1;
	}
	for (size_t i = hub_ring_after(h, w->checked); i < h->ring_n && n < STORE_MAX_LIMIT; i++) {
		struct store_event *ev = hub_ring_at(h, i);
		hub_waiter_track(w, ev);
		if (store_event_visible(ev, w->user_id, w->rooms))
			pick[n++] = ev;
	}
	if (n) {
		w->cursor = pick[n - 1]->id;
		*body = events_body_poll(pick, n, w->since, w->stream != NULL, len);
		pthread_mutex_unlock(&h->lock);
		return *body ? 1 : -1;
	}
	hub_checked_to_newest(h, w);
	w->next = &h->head;
	w->prev = h->head.prev;
	h->head.prev->next = w;
	h->head.prev = w;
	h->waiting++;
	for (int by = 0; by < HUB_BY_N; by++) {
		size_t cap;
		struct hub_group *g = hub_group_join(h, (enum hub_by)by, w, &cap);
		if (g && g->n > cap)   /* w is the newest: the oldest makes way */
			hub_finish(h, &dl, g->oldest, NULL, 0);
	}
	pthread_mutex_unlock(&h->lock);
	hub_deliver(&dl);
	free(dl.v);
	return 0;
}

int hub_covers(struct hub *h, long long id)
{
	pthread_mutex_lock(&h->lock);
	int covers = !h->stopping && id >= h->ring_from && id <= h->last_id;
	pthread_mutex_unlock(&h->lock);
	return covers;
}

long long hub_newest(struct hub *h)
{
	pthread_mutex_lock(&h->lock);
	long long id = h->last_id;
	pthread_mutex_unlock(&h->lock);
	return id;
}

size_t hub_waiting(struct hub *h)
{
	pthread_mutex_lock(&h->lock);
	size_t n = h->waiting;
	pthread_mutex_unlock(&h->lock);
	return n;
}

char **hub_rooms(struct hub *h, long long user_id, long long *as_of)
{
	char **copy = NULL;

	pthread_mutex_lock(&h->lock);
	copy = roomcache_get(h->rooms, user_id);
	*as_of = h->last_id;
	pthread_mutex_unlock(&h->lock);
	return copy;
}

void hub_rooms_learn(struct hub *h, long long user_id, char *const *rooms, long long as_of)
{
	char **mine = roomcache_copy(rooms);

	pthread_mutex_lock(&h->lock);
	if (mine && as_of >= h->ring_from && as_of <= h->last_id) {
		/* the events the store's answer may have missed are in the ring */
		for (size_t i = hub_ring_after(h, as_of); i < h->ring_n; i++)
			roomcache_track(&mine, user_id, hub_ring_at(h, i));
		roomcache_put(h->rooms, user_id, mine);
		mine = NULL;
	}
	pthread_mutex_unlock(&h->lock);
	store_free_names(mine);
}
