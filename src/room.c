/*
 * room.c - validate room names and UTF-8 text (see room.h).
 */
#include <stdio.h>

#include "room.h"

int room_utf8_check(const char *s, size_t len, int no_controls, size_t *chars)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0;

	for (size_t i = 0; i < len; n++) {
		unsigned c = p[i];
		unsigned cp, need;
		if (c < 0x80) {
			cp = c;
			need = 0;
		} else if (c >= 0xc2 && c <= 0xdf) {
			cp = c & 0x1f;
			need = 1;
		} else if (c >= 0xe0 && c <= 0xef) {
			cp = c & 0x0f;
			need = 2;
		} else if (c >= 0xf0 && c <= 0xf4) {
			cp = c & 0x07;
			need = 3;
		} else {
			return -1;
		}
		if (len - i - 1 < need)
			return -1;
		for (unsigned k = 1; k <= need; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return -1;
			cp = cp << 6 | (p[i + k] & 0x3f);
		}
		if ((need == 2 && cp < 0x800) || (need == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return -1;
		if (no_controls && (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)))
			return -1;
		i += need + 1;
	}
	if (chars)
		*chars = n;
	return 0;
}

int room_validate(const char *name, size_t len, char *err, size_t errlen)
{
	size_t chars;

	if (len == 0) {
		snprintf(err, errlen, "room name is empty");
		return -1;
	}
	if (len > ROOM_MAX_BYTES || room_utf8_check(name, len, 1, &chars) < 0) {
		snprintf(err, errlen, "room name must be printable UTF-8 without control characters");
		return -1;
	}
	if (chars > ROOM_MAX_CHARS) {
		snprintf(err, errlen, "room name is longer than %d characters", ROOM_MAX_CHARS);
		return -1;
	}
	return 0;
}
