/*
 * search.c - the rules of a search's words, and the FTS5 query they make;
 * highlights to fragments (see search.h). Pure functions: no store, no I/O.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "search.h"

#define SEARCH_SPACE " \t\r\n\f\v"

/* One whitespace-separated word of q, and its parts as the index splits
 * it: runs of letters and digits between punctuation. */
struct search_word {
	const char *start;
	size_t len;
	size_t parts;
	size_t last_chars;   /* characters of the last part */
};

/* 1 when byte c belongs to a part: an ASCII letter or digit, or a byte of
 * a non-ASCII character. FTS5's unicode61 tokenizer and PostgreSQL's
 * parser also split on non-ASCII punctuation; counting that as letters
 * errs towards fewer, longer parts. */
static int search_part_byte(unsigned char c)
{
	return c >= 0x80 || (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

/* The next word at *q into w, moving *q past it: 1, or 0 at the end. */
static int search_next(const char **q, struct search_word *w)
{
	const char *p = *q + strspn(*q, SEARCH_SPACE);
	int in_part = 0;

	if (!*p)
		return 0;
	w->start = p;
	w->len = strcspn(p, SEARCH_SPACE);
	w->parts = w->last_chars = 0;
	for (size_t i = 0; i < w->len; i++) {
		unsigned char c = (unsigned char)p[i];

		if (!search_part_byte(c)) {
			in_part = 0;
			continue;
		}
		if (!in_part) {
			w->parts++;
			w->last_chars = 0;
			in_part = 1;
		}
		if ((c & 0xc0) != 0x80)   /* not a UTF-8 continuation byte */
			w->last_chars++;
	}
	*q = p + w->len;
	return 1;
}

int search_check(const char *q, char *err, size_t errlen)
{
	struct search_word w;
	size_t words = 0, parts = 0;

	while (search_next(&q, &w)) {
		words++;
		parts += w.parts;
	}
	if (words == 0) {
		snprintf(err, errlen, "nothing to search for");
		return -1;
	}
	if (words > SEARCH_MAX_WORDS || parts > SEARCH_MAX_WORDS) {
		snprintf(err, errlen, "at most %d words, please%s", SEARCH_MAX_WORDS,
		         words > SEARCH_MAX_WORDS ? "" : " (paired-end counts as two)");
		return -1;
	}
	return 0;
}

char *search_fts5_query(const char *q)
{
	/* a word of n bytes becomes at most 2n + 4 (each " doubled, two
	 * quotes, a star, a space before it) <= 3n + 3, and words are apart */
	char *out = malloc(3 * strlen(q) + 4);
	struct search_word w;
	size_t o = 0;

	if (!out)
		return NULL;
	while (search_next(&q, &w)) {
		if (o)
			out[o++] = ' ';
		out[o++] = '"';
		for (size_t i = 0; i < w.len; i++) {
			if (w.start[i] == '"')
				out[o++] = '"';
			out[o++] = w.start[i];
		}
		out[o++] = '"';
		if (w.last_chars >= SEARCH_PREFIX_MIN)
			out[o++] = '*';
	}
	out[o] = '\0';
	return out;
}

static void search_add(json_object *arr, const char *text, size_t len, int match)
{
	json_object *o;

	if (!len)
		return;
	o = json_object_new_object();
	json_object_object_add(o, "text", json_object_new_string_len(text, (int)len));
	json_object_object_add(o, "match", json_object_new_boolean(match));
	json_object_array_add(arr, o);
}

json_object *search_fragments(const char *marked, const char *original)
{
	static const char marks[] = SEARCH_MARK_ON SEARCH_MARK_OFF;
	json_object *arr = json_object_new_array();
	const char *p = marked;
	int match = 0;

	if (!arr)
		return NULL;
	if (strpbrk(original, marks)) {
		search_add(arr, original, strlen(original), 0);
		return arr;
	}
	for (;;) {
		size_t n = strcspn(p, marks);

		search_add(arr, p, n, match);
		if (!p[n])
			break;
		match = p[n] == SEARCH_MARK_ON[0];
		p += n + 1;
	}
	return arr;
}
