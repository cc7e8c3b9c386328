/*
 * emoji.h - what counts as one emoji, the name of a reaction (doc/api.md
 * "Reactions"). The same answer on every call; no state but ICU, loaded
 * by the first call (emoji.c).
 *
 * An emoji is 1 to EMOJI_MAX_BYTES bytes of strict UTF-8 without control
 * characters or white space that Unicode lists as one emoji "recommended
 * for general interchange" (the RGI_Emoji property of UTS #51: the basic
 * emoji, keycaps, flags, modifier, tag and ZWJ sequences of
 * emoji-sequences.txt and emoji-zwj-sequences.txt), as the ICU library
 * knows them. A single character that is an RGI emoji only with the emoji
 * variation selector U+FE0F after it (U+2764 HEAVY BLACK HEART, U+263A,
 * U+2122) is that emoji: it is answered with U+FE0F appended, so both
 * spellings are one reaction. Letters, digits, several emoji, text
 * presentation (U+FE0E), stray joiners or selectors are not.
 */
#ifndef GC_EMOJI_H
#define GC_EMOJI_H

#include <stddef.h>

#define EMOJI_MAX_BYTES 32

/* When s (len bytes) is one emoji: 0 with its one spelling, NUL-terminated,
 * in out (s itself, or s with U+FE0F appended). Otherwise -1 with the
 * reason in err, or -2 when ICU cannot be loaded (logged; err says so). */
int emoji_normalize(const char *s, size_t len, char out[EMOJI_MAX_BYTES + 1],
                    char *err, size_t errlen);

#endif
