/*
 * events_body.c - the body of an answer with events (see events_body.h):
 * one allocation of the exact size, the events' JSON copied in as it is;
 * or the same events as a piece of a text/event-stream.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events_body.h"
#include "metrics.h"
#include "store.h"

char *events_body(struct store_event *const *evs, size_t n, const char *tail, size_t *len)
{
	size_t cap = 16 + strlen(tail);
	for (size_t i = 0; i < n; i++)
		cap += strlen(evs[i]->json) + 1;
	char *buf = malloc(cap);
	if (!buf)
		return NULL;
	size_t o = 0;
	memcpy(buf, "{\"events\":[", 11);
	o = 11;
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(evs[i]->json);
		if (i)
			buf[o++] = ',';
		memcpy(buf + o, evs[i]->json, l);
		o += l;
	}
	o += (size_t)snprintf(buf + o, cap - o, "],%s}", tail);
	*len = o;
	return buf;
}

/* evs as text/event-stream blocks (events_body_poll). */
static char *events_body_stream(struct store_event *const *evs, size_t n, long long since,
                                size_t *len)
{
	static const char heartbeat[] = ":\n";
	size_t cap = sizeof heartbeat + 32;
	for (size_t i = 0; i < n; i++)
		cap += strlen(evs[i]->json) + 40;
	char *buf = malloc(cap);
	if (!buf)
		return NULL;
	size_t o = 0;
	if (!n)
		o = (size_t)snprintf(buf, cap, "%sid: %lld\n\n", heartbeat, since);
	for (size_t i = 0; i < n; i++)
		o += (size_t)snprintf(buf + o, cap - o, "id: %lld\ndata: %s\n\n", evs[i]->id, evs[i]->json);
	*len = o;
	return buf;
}

char *events_body_poll(struct store_event *const *evs, size_t n, long long since, int stream,
                       size_t *len)
{
	char tail[48];

	metrics_delivered(evs, n);
	if (stream)
		return events_body_stream(evs, n, since, len);

	snprintf(tail, sizeof tail, "\"cursor\":%lld", n ? evs[n - 1]->id : since);
	return events_body(evs, n, tail, len);
}
