/*
 * mention.h - the users a message's text names with "@name", found by the
 * grammar the browser client shares (doc/api.md "Message text"): outside
 * fenced code blocks and inline code, an "@" at the start of the text or
 * after a character that is not [A-Za-z0-9._-], followed by a run of
 * [A-Za-z0-9._-] from which trailing ".", "-" and "_" are dropped. Pure:
 * no I/O, no state; fuzzed (fuzz/fuzz_mention.c).
 *
 * Which user a name is, and whether they may see the message, is not for
 * this module: api_messages.c asks Galaxy (auth_find_user) and store.c
 * decides who is mentioned.
 */
#ifndef GC_MENTION_H
#define GC_MENTION_H

#include <stddef.h>

#define MENTION_NAME_MAX 256   /* a name's bytes with its NUL: Galaxy's usernames
                                * have at most 255; a longer name names no one */
#define MENTION_MAX 20         /* the most names of one message looked at */

/* The names text (len bytes, any bytes; a NUL is an ordinary character)
 * mentions, lowercased (Galaxy usernames are lowercase), each once, in the
 * order of their first mention: at most max of them into names. Names
 * too long for MENTION_NAME_MAX are left out. Returns how many (0..max),
 * or -1 when out of memory. */
int mention_find(const char *text, size_t len, char (*names)[MENTION_NAME_MAX], size_t max);

#endif
