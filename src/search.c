/*
 * search.c - search words to an FTS5 query, highlights to fragments
 * (see search.h). Pure functions: no store, no I/O.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "search.h"

#define SEARCH_SPACE " \t\r\n\f\v"

/* The number of words in q; *bytes gets their total length. */
static size_t search_words(const char *q, size_t *bytes)
{
	size_t words = 0;

	*bytes = 0;
	for (q += strspn(q, SEARCH_SPACE); *q; q += strspn(q, SEARCH_SPACE)) {
		size_t n = strcspn(q, SEARCH_SPACE);

		words++;
		*bytes += n;
		q += n;
	}
	return words;
}

int search_check(const char *q, char *err, size_t errlen)
{
	size_t bytes, words = search_words(q, &bytes);

	if (words == 0) {
		snprintf(err, errlen, "nothing to search for");
		return -1;
	}
	if (words > SEARCH_MAX_WORDS) {
		snprintf(err, errlen, "at most %d words, please", SEARCH_MAX_WORDS);
		return -1;
	}
	return 0;
}

char *search_fts5_query(const char *q)
{
	size_t bytes, words = search_words(q, &bytes), o = 0;
	/* each byte may double ("), plus quotes, star and a space per word */
	char *out = malloc(2 * bytes + 4 * words + 1);

	if (!out)
		return NULL;
	for (q += strspn(q, SEARCH_SPACE); *q; q += strspn(q, SEARCH_SPACE)) {
		size_t n = strcspn(q, SEARCH_SPACE);

		if (o)
			out[o++] = ' ';
		out[o++] = '"';
		for (; n; n--, q++) {
			if (*q == '"')
				out[o++] = '"';
			out[o++] = *q;
		}
		out[o++] = '"';
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
