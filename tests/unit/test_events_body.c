/*
 * test_events_body.c - the body of answers with events: the events' JSON
 * as it is, in order, and the long poll's cursor.
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
	body = events_body_poll(evs, 2, 3, &len);
	is_str(body, "{\"events\":[{\"id\":7},{\"id\":9}],\"cursor\":9}", "a poll's cursor: the last event");
	is_int(len, body ? strlen(body) : 0, "its length");
	free(body);
	body = events_body_poll(NULL, 0, 12, &len);
	is_str(body, "{\"events\":[],\"cursor\":12}", "no events: the cursor it came with");
	is_int(len, body ? strlen(body) : 0, "its length");
	free(body);
	return done_testing();
}
