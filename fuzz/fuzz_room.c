/*
 * fuzz_room.c - libFuzzer target: room_validate and room_validate_new
 * agree with each other and with the rules of doc/api.md "Room names";
 * room_topic_check answers 0, 400 or 413 as room.h says.
 */
#include <stdint.h>
#include <stdlib.h>

#include "room.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[160];
	size_t chars = 0;
	const char *s = (const char *)data;
	int printable = utf8_scan(s, size, UTF8_CONTROL, &chars) == size;
	int any = room_validate(s, size, err, sizeof err) == 0;
	int fresh = room_validate_new(s, size, err, sizeof err) == 0;
	unsigned first = 0, last = 0;
	int topic = room_topic_check(s, size, err, sizeof err);

	if (any && (!printable || size == 0 || chars > ROOM_MAX_CHARS || size > ROOM_MAX_BYTES))
		abort();
	if (fresh && !any)
		abort();
	if ((topic != 0 && topic != 400 && topic != 413) || (topic == 413) != (size > ROOM_TOPIC_MAX) ||
	    (topic == 0 && !printable))
		abort();
	if (fresh) {
		for (size_t i = 0, k; i < size; i += k) {
			k = (size_t)utf8_next(s + i, size - i, &last);
			if (i == 0)
				first = last;
			if (utf8_class(last) & (UTF8_INVISIBLE | UTF8_CONTROL))
				abort();
		}
		if ((utf8_class(first) | utf8_class(last)) & UTF8_SPACE)
			abort();
	}
	return 0;
}
