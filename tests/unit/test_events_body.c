/*
 * test_events_body.c - the body of answers with events: the events' JSON
 * as it is, in order, and the long poll's cursor; the same as a piece of
 * a stream.
 */
#include <stdlib.h>
#include <string.h>

#include "events_body.h"
#include "store.h"
#include "tap.h"

int main(void)
{
	struct store_event a = { .id = 7, .json = "{\"id\":7}" }, b = { .id = 9, .json = "{\"id\":9}" };
	struct store_event *evs[] = { &a, &b };
	size_t len = 0;
	char *body;

	body = events_body(evs, 2, "\"more\":true", &len);
	is_str(body, "{\"events\":[{\"id\":7},{\"id\":9}],\"more\":true}", "events and the tail");
	is_int(len, body ? strlen(body) : 0, "its length");
	free(body);
	body = events_body(NULL, 0, "\"more\":false", &len);
	is_str(body, "{\"events\":[],\"more\":false}", "no events");
	free(body);
	body = events_body_poll(evs, 2, 3, 0, &len);
	is_str(body, "{\"events\":[{\"id\":7},{\"id\":9}],\"cursor\":9}", "a poll's cursor: the last event");
	is_int(len, body ? strlen(body) : 0, "its length");
	free(body);
	body = events_body_poll(NULL, 0, 12, 0, &len);
	is_str(body, "{\"events\":[],\"cursor\":12}", "no events: the cursor it came with");
	is_int(len, body ? strlen(body) : 0, "its length");
	free(body);
	body = events_body_poll(evs, 2, 3, 1, &len);
	is_str(body, "id: 7\ndata: {\"id\":7}\n\nid: 9\ndata: {\"id\":9}\n\n",
	       "a stream's piece: an id/data block per event");
	is_int(len, body ? strlen(body) : 0, "its length");
	free(body);
	body = events_body_poll(NULL, 0, 12, 1, &len);
	is_str(body, ":\nid: 12\n\n", "no events: a heartbeat comment, the cursor as it was");
	is_int(len, body ? strlen(body) : 0, "its length");
	free(body);
	return done_testing();
}
