/*
 * fuzz_stream.c - libFuzzer target: the writer of the stream transport
 * and of the long poll's answer (events_body_poll), on any events' JSON
 * and ids. The events' JSON comes from json-c, which never writes a raw
 * CR or LF; here any other bytes. Checked:
 *
 *   - the stream piece, read back by a reader written here as the
 *     Server-Sent Events specification reads a stream (lines end at CR,
 *     LF or CRLF; "field: value"; a block ends at an empty line), gives
 *     each event once, in order, its data the event's JSON exactly, its
 *     id the event's id; with no events, no event at all and the last
 *     event id `since` (the heartbeat); *len is the piece's length;
 *   - the long poll's answer is {"events":[JSON,...],"cursor":N} exactly,
 *     N the last event's id, or since when there are none.
 *
 * Input: pieces cut at NUL bytes: the first gives since (its length x
 * 1000 plus its first byte), each further one an event's JSON (CR and LF
 * made spaces), its id the last one's plus 1 plus the piece's first byte.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events_body.h"
#include "store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_EVENTS 64

/* Reads the stream piece s (len bytes) as an EventSource would; checks
 * the events it fires against evs and its last event id against want. */
static void read_back(const char *s, size_t len, struct store_event *const *evs, size_t n,
                      long long want_last)
{
	char *data = malloc(len + 1), id[64] = "", last[64] = "";
	size_t dlen = 0, fired = 0, at = 0;
	int has_data = 0;

	if (!data || strlen(s) != len)
		abort();
	while (at < len) {
		size_t end = at;
		while (end < len && s[end] != '\r' && s[end] != '\n')
			end++;
		if (end == len)
			abort();   /* a line that never ends: the piece is cut */
		const char *line = s + at;
		size_t llen = end - at;
		at = end + (s[end] == '\r' && end + 1 < len && s[end + 1] == '\n' ? 2 : 1);
		if (llen == 0) {                       /* dispatch */
			memcpy(last, id, sizeof last);
			if (has_data) {
				if (fired >= n || strlen(evs[fired]->json) != dlen ||
				    memcmp(evs[fired]->json, data, dlen) != 0)
					abort();
				char want[32];
				snprintf(want, sizeof want, "%lld", evs[fired]->id);
				if (strcmp(last, want) != 0)
					abort();
				fired++;
			}
			dlen = 0;
			has_data = 0;
			continue;
		}
		if (line[0] == ':')
			continue;
		const char *colon = memchr(line, ':', llen);
		size_t nlen = colon ? (size_t)(colon - line) : llen;
		const char *v = colon ? colon + 1 : line + llen;
		size_t vlen = (size_t)(line + llen - v);
		if (vlen && *v == ' ')
			v++, vlen--;
		if (nlen == 4 && memcmp(line, "data", 4) == 0) {
			if (has_data)
				data[dlen++] = '\n';   /* within len: the piece holds both lines */
			memcpy(data + dlen, v, vlen);
			dlen += vlen;
			has_data = 1;
		} else if (nlen == 2 && memcmp(line, "id", 2) == 0) {
			if (vlen >= sizeof id)
				abort();
			memcpy(id, v, vlen);
			id[vlen] = '\0';
		} else {
			abort();   /* the writer writes no other field */
		}
	}
	free(data);
	if (fired != n || has_data)
		abort();
	char want[32];
	snprintf(want, sizeof want, "%lld", want_last);
	if (strcmp(last, want) != 0)
		abort();
}

/* The long poll's answer, built here the plain way, against the writer's. */
static void check_poll(struct store_event *const *evs, size_t n, long long since)
{
	size_t len, cap = 64, o;
	char *got = events_body_poll(evs, n, since, 0, &len), *want;

	for (size_t i = 0; i < n; i++)
		cap += strlen(evs[i]->json) + 1;
	if (!got || !(want = malloc(cap)))
		abort();
	o = (size_t)sprintf(want, "{\"events\":[");
	for (size_t i = 0; i < n; i++)
		o += (size_t)sprintf(want + o, "%s%s", i ? "," : "", evs[i]->json);
	sprintf(want + o, "],\"cursor\":%lld}", n ? evs[n - 1]->id : since);
	if (len != strlen(want) || strcmp(got, want) != 0)
		abort();
	free(want);
	free(got);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct store_event ev[MAX_EVENTS], *evs[MAX_EVENTS] = { NULL };
	char *s = malloc(size + 1), *p, *stream;
	size_t n = 0, len;
	long long since, id;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	since = (long long)strlen(s) * 1000 + (unsigned char)s[0];
	id = since;
	for (p = s + strlen(s) + 1; p <= s + size && n < MAX_EVENTS; p += strlen(p) + 1) {
		for (char *c = p; *c; c++)
			if (*c == '\r' || *c == '\n')
				*c = ' ';
		id += 1 + (unsigned char)p[0];
		memset(&ev[n], 0, sizeof ev[n]);   /* ts_ms 0: no delivery time counted */
		ev[n].id = id;
		ev[n].json = p;
		evs[n] = &ev[n];
		n++;
	}
	if (!(stream = events_body_poll(evs, n, since, 1, &len)))
		abort();
	read_back(stream, len, evs, n, n ? evs[n - 1]->id : since);
	free(stream);
	check_poll(evs, n, since);
	free(s);
	return 0;
}
