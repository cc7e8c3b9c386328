/*
 * room.c - validate room names and topics, and make the names' keys (see
 * room.h); the characters themselves are judged by utf8.c.
 */
#include <stdio.h>

#include "room.h"
#include "utf8.h"

int room_validate(const char *name, size_t len, char *err, size_t errlen)
{
	size_t chars;

	if (len == 0) {
		snprintf(err, errlen, "room name is empty");
		return -1;
	}
	if (len > ROOM_MAX_BYTES || utf8_scan(name, len, UTF8_CONTROL, &chars) != len) {
		snprintf(err, errlen, "room name must be printable UTF-8 without control characters");
		return -1;
	}
	if (chars > ROOM_MAX_CHARS) {
		snprintf(err, errlen, "room name is longer than %d characters", ROOM_MAX_CHARS);
		return -1;
	}
	return 0;
}

/* The character of name (valid UTF-8) that ends at end. */
static unsigned room_last(const char *name, size_t end)
{
	size_t start = end;
	unsigned cp = 0;

	while (start > 0 && ((unsigned char)name[start - 1] & 0xc0) == 0x80)
		start--;
	if (start > 0)
		start--;
	utf8_next(name + start, end - start, &cp);
	return cp;
}

int room_validate_new(const char *name, size_t len, char *err, size_t errlen)
{
	size_t at;
	unsigned cp = 0;

	if (room_validate(name, len, err, errlen) < 0)
		return -1;
	if ((at = utf8_scan(name, len, UTF8_INVISIBLE, NULL)) != len) {
		utf8_next(name + at, len - at, &cp);
		snprintf(err, errlen, "a new room name may not hold invisible or direction-changing "
		         "characters (U+%04X)", cp);
		return -1;
	}
	utf8_next(name, len, &cp);
	if ((utf8_class(cp) & UTF8_SPACE) || (utf8_class(cp = room_last(name, len)) & UTF8_SPACE)) {
		snprintf(err, errlen, "a new room name may not start or end with white space (U+%04X)",
		         cp);
		return -1;
	}
	return 0;
}

void room_key(const char *name, char key[ROOM_NAME_BUF])
{
	size_t i;

	for (i = 0; name[i] && i < ROOM_MAX_BYTES; i++)
		key[i] = name[i] >= 'A' && name[i] <= 'Z' ? (char)(name[i] - 'A' + 'a') : name[i];
	key[i] = '\0';
}

int room_topic_check(const char *topic, size_t len, char *err, size_t errlen)
{
	if (len > ROOM_TOPIC_MAX) {
		snprintf(err, errlen, "the topic is %zu bytes, over the limit of %d", len, ROOM_TOPIC_MAX);
		return 413;
	}
	if (utf8_scan(topic, len, UTF8_CONTROL, NULL) != len) {
		snprintf(err, errlen, "a topic is one line of UTF-8 without control characters");
		return 400;
	}
	for (size_t i = 0, k; i < len; i += k) {
		unsigned cp = 0;

		k = (size_t)utf8_next(topic + i, len - i, &cp);
		if (!(utf8_class(cp) & UTF8_SPACE))
			return 0;
	}
	if (len == 0)
		return 0;
	snprintf(err, errlen, "a topic must be empty (no topic) or hold more than white space");
	return 400;
}
