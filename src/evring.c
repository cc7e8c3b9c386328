/*
 * evring.c - the host's shared ring of the newest events (see evring.h).
 *
 * The file: a header page (magic, the geometry, the generation, the count
 * of publications, the newest id put) and EVRING_SLOTS slots of
 * EVRING_SLOT_BYTES, each a fixed header and the event's room and JSON.
 * The file is a shmap (shmap.c: every block allocated when it is opened),
 * its writers' lock unused: each slot is its own.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "evring.h"
#include "shmap.h"
#include "store_rows.h"

#define EVRING_MAGIC "GCRING1"
#define EVRING_HEAD_BYTES 4096
#define EVRING_TOO_BIG UINT32_MAX    /* json_len of an event the store must give */

struct evring_head {
	char magic[8];
	uint32_t slots, slot_bytes;
	uint32_t generation;      /* slots of another generation hold nothing */
	uint32_t publications;    /* evring_published() */
	int64_t newest;           /* the newest id put */
};

struct evring_slot {
	uint32_t seq;             /* odd while being written */
	uint32_t generation;
	int64_t id;
	int32_t type;
	int32_t room_len;         /* -1: no room */
	uint32_t json_len;        /* EVRING_TOO_BIG: not here */
	uint32_t unused;
	int64_t user_id, to_user_id, target, reply_to, ts_ms;
	char bytes[];             /* the room (room_len bytes) then the JSON */
};

#define EVRING_DATA_BYTES (EVRING_SLOT_BYTES - sizeof(struct evring_slot))   /* room and JSON */
#define EVRING_FILE_BYTES ((size_t)EVRING_HEAD_BYTES + (size_t)EVRING_SLOTS * EVRING_SLOT_BYTES)

struct evring {
	struct shmap *file;         /* EVRING_FILE_BYTES, mapped */
	struct evring_head *head;   /* its start */
};

static struct evring_slot *evring_slot(struct evring *r, long long id)
{
	return (struct evring_slot *)((char *)r->head + EVRING_HEAD_BYTES +
	                              (size_t)(id % EVRING_SLOTS) * EVRING_SLOT_BYTES);
}

/* A new file's header, or the check of an existing one's: 0, or -1 when
 * another layout (another version of galaxy-chat) made it. Processes
 * starting together write the same bytes. */
static int evring_head_check(struct evring_head *h)
{
	static const char zero[sizeof h->magic];

	if (memcmp(h->magic, zero, sizeof zero) == 0) {
		h->slots = EVRING_SLOTS;
		h->slot_bytes = EVRING_SLOT_BYTES;
		__atomic_thread_fence(__ATOMIC_RELEASE);
		memcpy(h->magic, EVRING_MAGIC, sizeof h->magic);
	}
	return memcmp(h->magic, EVRING_MAGIC, sizeof h->magic) == 0 && h->slots == EVRING_SLOTS &&
	       h->slot_bytes == EVRING_SLOT_BYTES ? 0 : -1;
}

int evring_open(const char *path, mode_t mode, long long max_id, struct evring **out,
                char *err, size_t errlen)
{
	struct stat sb;
	struct evring *r;
	int fresh = stat(path, &sb) < 0 || sb.st_size == 0;

	*out = NULL;
	if (!(r = calloc(1, sizeof *r))) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	if (shmap_open(path, EVRING_FILE_BYTES, mode, 0, &r->file, err, errlen) < 0) {
		/* a full disk may have given part of the blocks: give them back */
		if (fresh && truncate(path, 0) < 0 && errno != ENOENT)
			snprintf(err + strlen(err), errlen - strlen(err), " (%s)", strerror(errno));
		free(r);
		return -1;
	}
	r->head = r->file->map;
	if (evring_head_check(r->head) < 0) {
		snprintf(err, errlen, "%s: made by another version of galaxy-chat", path);
		evring_close(r);
		return -1;
	}
	if (__atomic_load_n(&r->head->newest, __ATOMIC_ACQUIRE) > max_id) {
		/* ahead of its store: the store was put back from a copy */
		__atomic_add_fetch(&r->head->generation, 1, __ATOMIC_SEQ_CST);
		__atomic_store_n(&r->head->newest, max_id, __ATOMIC_SEQ_CST);
	}
	*out = r;
	return 0;
}

void evring_close(struct evring *r)
{
	if (!r)
		return;
	shmap_close(r->file);
	free(r);
}

/* Writes ev into its slot unless another writer holds the slot (the
 * readers then ask the store). */
static void evring_put_one(struct evring *r, const struct store_event *ev, uint32_t generation)
{
	struct evring_slot *s = evring_slot(r, ev->id);
	uint32_t seq = __atomic_load_n(&s->seq, __ATOMIC_RELAXED);
	size_t room = ev->room ? strlen(ev->room) : 0, json = strlen(ev->json);

	if ((seq & 1) || !__atomic_compare_exchange_n(&s->seq, &seq, seq + 1, 0, __ATOMIC_ACQ_REL,
	                                              __ATOMIC_RELAXED))
		return;
	s->generation = generation;
	s->id = ev->id;
	s->type = (int32_t)ev->type;
	s->user_id = ev->user_id;
	s->to_user_id = ev->to_user_id;
	s->target = ev->target;
	s->reply_to = ev->reply_to;
	s->ts_ms = ev->ts_ms;
	s->room_len = ev->room ? (int32_t)room : -1;
	if (room + json > EVRING_DATA_BYTES) {
		s->json_len = EVRING_TOO_BIG;
	} else {
		s->json_len = (uint32_t)json;
		memcpy(s->bytes, ev->room ? ev->room : "", room);
		memcpy(s->bytes + room, ev->json, json);
	}
	__atomic_store_n(&s->seq, seq + 2, __ATOMIC_RELEASE);
}

void evring_put(struct evring *r, const struct store_event *evs, size_t n)
{
	uint32_t generation = __atomic_load_n(&r->head->generation, __ATOMIC_ACQUIRE);
	int64_t newest = __atomic_load_n(&r->head->newest, __ATOMIC_RELAXED);

	for (size_t i = 0; i < n; i++)
		evring_put_one(r, &evs[i], generation);
	while (n && newest < evs[n - 1].id &&
	       !__atomic_compare_exchange_n(&r->head->newest, &newest, evs[n - 1].id, 0,
	                                    __ATOMIC_RELEASE, __ATOMIC_RELAXED))
		;
}

void evring_published(struct evring *r)
{
	__atomic_add_fetch(&r->head->publications, 1, __ATOMIC_SEQ_CST);
}

unsigned evring_publications(const struct evring *r)
{
	return __atomic_load_n(&r->head->publications, __ATOMIC_ACQUIRE);
}

/* Copies the event of slot s, read at sequence seq, into ev: 0, or -1 if
 * out of memory or the slot's lengths make no sense (a torn read, which
 * the caller's second look at the sequence also catches). */
static int evring_copy(const struct evring_slot *s, const struct evring_slot *h,
                       struct store_event *ev)
{
	size_t room = h->room_len < 0 ? 0 : (size_t)h->room_len;

	if (room > EVRING_DATA_BYTES || h->json_len > EVRING_DATA_BYTES - room)
		return -1;
	*ev = (struct store_event){
		.id = h->id, .type = (enum event_type)h->type, .user_id = h->user_id,
		.to_user_id = h->to_user_id, .target = h->target, .reply_to = h->reply_to,
		.ts_ms = h->ts_ms,
	};
	ev->room = h->room_len < 0 ? NULL : strndup(s->bytes, room);
	ev->json = strndup(s->bytes + room, h->json_len);
	if ((h->room_len >= 0 && !ev->room) || !ev->json) {
		free(ev->room);
		free(ev->json);
		return -1;
	}
	return 0;
}

enum store_recent evring_get(struct evring *r, long long since, int limit,
                             struct store_events *out)
{
	uint32_t generation = __atomic_load_n(&r->head->generation, __ATOMIC_ACQUIRE);

	for (long long id = since + 1; id <= since + limit; id++) {
		struct evring_slot *s = evring_slot(r, id), h;
		uint32_t seq = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);
		struct store_event ev;

		if (seq & 1)
			return STORE_RECENT_ASK;
		memcpy(&h, s, sizeof h);
		if (h.generation != generation || h.id < id) {
			/* not put yet: the end, unless a newer event is in */
			__atomic_thread_fence(__ATOMIC_ACQUIRE);
			if (__atomic_load_n(&s->seq, __ATOMIC_RELAXED) != seq ||
			    __atomic_load_n(&r->head->newest, __ATOMIC_ACQUIRE) >= id)
				return STORE_RECENT_ASK;
			return STORE_RECENT_ALL;
		}
		if (h.id > id || h.json_len == EVRING_TOO_BIG)
			return STORE_RECENT_ASK;
		struct store_event *to = store_events_next(out);
		if (!to || evring_copy(s, &h, &ev) < 0)
			return STORE_RECENT_ASK;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&s->seq, __ATOMIC_RELAXED) != seq) {
			free(ev.room);
			free(ev.json);
			return STORE_RECENT_ASK;
		}
		*to = ev;
		out->n++;
	}
	return STORE_RECENT_MORE;
}
