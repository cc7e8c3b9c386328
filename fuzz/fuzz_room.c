/*
 * fuzz_room.c - libFuzzer target: room_validate and room_utf8_check agree
 * with each other and with the rules of API.md "Rooms".
 */
#include <stdint.h>
#include <stdlib.h>

#include "room.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[128];
	size_t chars = 0;
	const char *s = (const char *)data;
	int utf8 = room_utf8_check(s, size, 1, &chars);

	if (room_validate(s, size, err, sizeof err) == 0 &&
	    (utf8 != 0 || size == 0 || chars > ROOM_MAX_CHARS || size > ROOM_MAX_BYTES))
		abort();
	if (utf8 == 0 && (chars > size || room_utf8_check(s, size, 0, NULL) != 0))
		abort();
	return 0;
}
