/*
 * utf8.h - strict UTF-8 (RFC 3629), the one check of every text the chat
 * takes in: request bodies (so every JSON string: message text, room,
 * recipient, client_id, and any field added later), room names, search
 * words, usernames in paths. Strict means: no overlong forms (C0 AF), no
 * surrogates (ED A0 80), nothing above U+10FFFF (F4 90 80 80), no
 * truncated or stray bytes. Some callers refuse classes of characters on
 * top (enum utf8_class); utf8.c lists them and says where they come from.
 */
#ifndef GC_UTF8_H
#define GC_UTF8_H

#include <stddef.h>

/* Classes of code points a caller may refuse (bits). */
enum utf8_class {
	UTF8_CONTROL = 1,     /* C0 controls, DEL, C1 controls, U+2028, U+2029 */
	UTF8_INVISIBLE = 2,   /* Default_Ignorable_Code_Point, which holds every
	                       * Bidi_Control: zero-width and direction-changing */
	UTF8_SPACE = 4        /* White_Space (the caller says where: e.g. ends) */
};

/* Decodes the one character at s (len > 0 bytes): its length in bytes (1
 * to 4) with *cp set, or 0 when s does not start with strict UTF-8. */
int utf8_next(const char *s, size_t len, unsigned *cp);

/* The enum utf8_class bits cp belongs to (0 for an ordinary character). */
unsigned utf8_class(unsigned cp);

/* The length of the longest prefix of s (len bytes) that is strict UTF-8
 * holding no character of the classes in refuse (0: none refused): len
 * when all of s is good. *chars (may be NULL) gets the number of
 * characters in that prefix. */
size_t utf8_scan(const char *s, size_t len, unsigned refuse, size_t *chars);

#endif
