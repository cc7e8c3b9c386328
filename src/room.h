/*
 * room.h - room name rules (API.md "Rooms", doc/api.md "Room names"), and
 * what a room's topic may be (doc/api.md "Topics and pins").
 *
 * Any room is named by 1 to 64 characters of strict UTF-8 with no control
 * characters, compared exactly (room_validate). A room that does not exist
 * yet may be created only under a name that cannot pass for another one
 * (room_validate_new): no invisible or direction-changing characters, no
 * white space at either end. Rooms made before that rule keep working.
 *
 * Two names are one room when their keys (room_key) are equal: the name
 * with the ASCII letters A-Z lowered, nothing else changed. Other letters
 * are compared exactly: Unicode's case folding depends on the language
 * and its version, and a key must mean the same on every store.
 */
#ifndef GC_ROOM_H
#define GC_ROOM_H

#include <stddef.h>

#define ROOM_MAX_CHARS 64
#define ROOM_MAX_BYTES (ROOM_MAX_CHARS * 4)
#define ROOM_ALL "all"
#define ROOM_NAME_BUF (ROOM_MAX_BYTES + 1)   /* a room name or key and its NUL */
#define ROOM_TOPIC_MAX 500   /* bytes of a topic */

/* 0 when name (len bytes) may name a room; otherwise -1 with the reason
 * in err. */
int room_validate(const char *name, size_t len, char *err, size_t errlen);

/* 0 when a new room may be created as name (len bytes): room_validate and
 * the look-alike rules above; otherwise -1 with the reason in err. */
int room_validate_new(const char *name, size_t len, char *err, size_t errlen);

/* The key of name (valid: at most ROOM_MAX_BYTES) into key: the name with
 * A-Z lowered. */
void room_key(const char *name, char key[ROOM_NAME_BUF]);

/* 0 when topic (len bytes) may be a room's topic: "" (no topic), or up to
 * ROOM_TOPIC_MAX bytes of strict UTF-8 without control characters (a
 * topic is one line) holding more than white space. Otherwise the status
 * to answer, 413 when too long and 400 for anything else (as posting
 * answers), with the reason in err. Set through the API and [chat]'s
 * room_topic.NAME alike. */
int room_topic_check(const char *topic, size_t len, char *err, size_t errlen);

#endif
