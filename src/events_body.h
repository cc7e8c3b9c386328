/*
 * events_body.h - the body of every answer that carries events:
 * {"events":[...],<tail>}, put together from events already serialized
 * (struct store_event's json). The hub's answers to waiting polls and the
 * handlers' answers from the store are made here alike.
 */
#ifndef GC_EVENTS_BODY_H
#define GC_EVENTS_BODY_H

#include <stddef.h>

struct store_event;

/* {"events":[evs...],<tail>} where tail is e.g. "\"more\":true". A new
 * buffer the caller frees, *len its length; NULL when out of memory. */
char *events_body(struct store_event *const *evs, size_t n, const char *tail, size_t *len);

/* The long poll's answer (API.md): evs and "cursor", the last one's id, or
 * since when there are none. As events_body(). With stream set, the same
 * as a piece of a stream (text/event-stream, GET /v1/stream): an
 * "id: <id>" and "data: <event's JSON>" block per event, or, with none, a
 * heartbeat comment and "id: <since>" (which moves no EventSource's
 * cursor and fires no event). Every poll's and stream's answer with
 * events is made here, so here each event's delivery delay is counted
 * (metrics_delivered). */
char *events_body_poll(struct store_event *const *evs, size_t n, long long since, int stream,
                       size_t *len);

#endif
