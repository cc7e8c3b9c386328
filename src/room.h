/*
 * room.h - room name rules (API.md "Rooms"): 1 to 64 characters of valid,
 * printable UTF-8 with no control characters, compared exactly.
 */
#ifndef GC_ROOM_H
#define GC_ROOM_H

#include <stddef.h>

#define ROOM_MAX_CHARS 64
#define ROOM_MAX_BYTES (ROOM_MAX_CHARS * 4)
#define ROOM_ALL "all"

/* 0 when name (len bytes) is a valid room name; otherwise -1 with the reason
 * in err. */
int room_validate(const char *name, size_t len, char *err, size_t errlen);

/* 0 when s (len bytes) is valid UTF-8 without overlong forms, surrogates or
 * code points above U+10FFFF; *chars receives the number of code points.
 * With no_controls, C0/C1 control characters and DEL are refused too. */
int room_utf8_check(const char *s, size_t len, int no_controls, size_t *chars);

#endif
