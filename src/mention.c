/*
 * mention.c - the names a message's text mentions (mention.h), by
 * doc/api.md "Message text": lines, fenced blocks, inline code, then the
 * "@name" of what is left.
 *
 * Inline code pairs a run of N backticks with the next run of exactly N
 * on its line. Looking for that closer afresh from every run would be
 * quadratic on a line of many runs of different lengths, so each line's
 * runs are listed first and each run learns the next run of its length
 * from one sort: a line costs O(runs log runs) beyond its length.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mention.h"

#define FENCE_MIN 3        /* backticks that open a fenced block */
#define FENCE_LANG_MAX 32  /* the language word after them */

/* A run of backticks on a line: where, how long, and the index of the
 * next run on the line of the same length (SIZE_MAX: none). */
struct run {
	size_t at, len, next;
};

/* One call's state: the names found, and the buffers of a line's runs. */
struct scan {
	char (*names)[MENTION_NAME_MAX];
	size_t n, max;
	struct run *runs;
	size_t *order;     /* run indices sorted by (len, at) */
	size_t cap;
};

static int name_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '-';
}

static int lang_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '+' || c == '.' || c == '#' || c == '-';
}

/* Adds the name s[0..len), lowercased, unless it is there already, too
 * long, or max are found. */
static void name_add(struct scan *sc, const char *s, size_t len)
{
	char name[MENTION_NAME_MAX];

	if (sc->n == sc->max || len >= MENTION_NAME_MAX)
		return;
	for (size_t i = 0; i < len; i++)
		name[i] = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] - 'A' + 'a') : s[i];
	name[len] = '\0';
	for (size_t i = 0; i < sc->n; i++)
		if (strcmp(sc->names[i], name) == 0)
			return;
	memcpy(sc->names[sc->n++], name, len + 1);
}

/* The mentions in s[0..len), text outside code. Its start follows the
 * start of the text, a line break or a backtick, none of them a name
 * character, so it counts as the start of the text. */
static void text_scan(struct scan *sc, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] != '@' || (i > 0 && name_char((unsigned char)s[i - 1])))
			continue;
		size_t end = i + 1, name_end;
		while (end < len && name_char((unsigned char)s[end]))
			end++;
		for (name_end = end; name_end > i + 1 && strchr("._-", s[name_end - 1]); name_end--)
			;
		if (name_end > i + 1)
			name_add(sc, s + i + 1, name_end - i - 1);
		i = end - 1;   /* the character at end is no name character */
	}
}

static int run_cmp(const void *a, const void *b, void *runs)
{
	const struct run *r = runs, *x = &r[*(const size_t *)a], *y = &r[*(const size_t *)b];

	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return x->at < y->at ? -1 : x->at > y->at;
}

/* Lists the backtick runs of line[0..len) into sc->runs with their next
 * run of the same length: how many, or -1 when out of memory. */
static long runs_list(struct scan *sc, const char *line, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len;) {
		if (line[i] != '`') {
			i++;
			continue;
		}
		if (n == sc->cap) {
			size_t cap = sc->cap ? 2 * sc->cap : 16;
			struct run *r = realloc(sc->runs, cap * sizeof *r);
			if (r)
				sc->runs = r;
			size_t *o = r ? realloc(sc->order, cap * sizeof *o) : NULL;
			if (!o)
				return -1;
			sc->order = o;
			sc->cap = cap;
		}
		sc->runs[n] = (struct run){ .at = i, .next = SIZE_MAX };
		while (i < len && line[i] == '`')
			i++;
		sc->runs[n].len = i - sc->runs[n].at;
		sc->order[n] = n;
		n++;
	}
	if (n > 1)
		qsort_r(sc->order, n, sizeof *sc->order, run_cmp, sc->runs);
	for (size_t k = 0; k + 1 < n; k++)
		if (sc->runs[sc->order[k]].len == sc->runs[sc->order[k + 1]].len)
			sc->runs[sc->order[k]].next = sc->order[k + 1];
	return (long)n;
}

/* A line outside fenced blocks: inline code spans skipped, the rest
 * scanned. 0, or -1 when out of memory. */
static int line_scan(struct scan *sc, const char *line, size_t len)
{
	long n = runs_list(sc, line, len);
	size_t from = 0;   /* start of the text not yet scanned */

	if (n < 0)
		return -1;
	for (size_t i = 0; i < (size_t)n;) {
		size_t close = sc->runs[i].next;
		if (close == SIZE_MAX) {   /* no closer on the line: literal text */
			i++;
			continue;
		}
		text_scan(sc, line + from, sc->runs[i].at - from);
		from = sc->runs[close].at + sc->runs[close].len;
		i = close + 1;
	}
	text_scan(sc, line + from, len - from);
	return 0;
}

/* How many backticks line[0..len) starts with. */
static size_t ticks(const char *line, size_t len)
{
	size_t n = 0;

	while (n < len && line[n] == '`')
		n++;
	return n;
}

/* 1 when line[from..len) is spaces only. */
static int spaces_only(const char *line, size_t from, size_t len)
{
	while (from < len && line[from] == ' ')
		from++;
	return from == len;
}

/* The backticks of a fence opener line[0..len) (three or more, an
 * optional language word, spaces), or 0 when it is none. */
static size_t fence_open(const char *line, size_t len)
{
	size_t n = ticks(line, len), w = n;

	if (n < FENCE_MIN)
		return 0;
	while (w < len && lang_char((unsigned char)line[w]))
		w++;
	return w - n <= FENCE_LANG_MAX && spaces_only(line, w, len) ? n : 0;
}

/* 1 when line[0..len) closes a block opened with open backticks. */
static int fence_close(const char *line, size_t len, size_t open)
{
	size_t n = ticks(line, len);

	return n >= open && spaces_only(line, n, len);
}

int mention_find(const char *text, size_t len, char (*names)[MENTION_NAME_MAX], size_t max)
{
	struct scan sc = { .names = names, .max = max };
	size_t fence = 0;   /* backticks of the open fenced block, 0: none */
	int rc = 0;

	if (!text)
		return 0;
	for (size_t at = 0; at <= len && rc == 0 && sc.n < sc.max;) {
		const char *line = text + at, *nl = memchr(line, '\n', len - at);
		size_t n = nl ? (size_t)(nl - line) : len - at, bare = n;

		if (bare && line[bare - 1] == '\r')   /* "\r\n" is a line break */
			bare--;
		if (fence)
			fence = fence_close(line, bare, fence) ? 0 : fence;
		else if (!(fence = fence_open(line, bare)))
			rc = line_scan(&sc, line, n);
		at += n + 1;
	}
	free(sc.runs);
	free(sc.order);
	return rc < 0 ? -1 : (int)sc.n;
}
