/*
 * fuzz_mention.c - libFuzzer target: mention_find() against a plain
 * reading of doc/api.md "Message text" written here the simple way (each
 * closer looked for afresh, as the web client's markup.js does), and the
 * names' own rules: lowercase, name characters only, no trailing . - _,
 * each once, at most max.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mention.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int in_class(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '-';
}

/* 1 when s[0..len) matches ^`{3,}[A-Za-z0-9_+.#-]{0,32} *$, with *n its backticks. */
static int opener(const char *s, size_t len, size_t *n)
{
	size_t i = 0, w;

	while (i < len && s[i] == '`')
		i++;
	for (w = i; w < len && (in_class((unsigned char)s[w]) || s[w] == '+' || s[w] == '#'); w++)
		;
	*n = i;
	if (i < 3 || w - i > 32)
		return 0;
	while (w < len && s[w] == ' ')
		w++;
	return w == len;
}

/* Marks code[i] for every byte of text that is code or a fence line. */
static void mark_code(const char *s, size_t size, char *code)
{
	size_t fence = 0;

	for (size_t at = 0; at <= size;) {
		const char *nl = memchr(s + at, '\n', size - at);
		size_t end = nl ? (size_t)(nl - s) : size, bare = end, n;

		if (bare > at && s[bare - 1] == '\r')
			bare--;
		if (fence) {
			size_t k = at, sp;
			memset(code + at, 1, end - at);
			while (k < bare && s[k] == '`')
				k++;
			for (sp = k; sp < bare && s[sp] == ' '; sp++)
				;
			if (k - at >= fence && sp == bare)
				fence = 0;
		} else if (opener(s + at, bare - at, &n)) {
			memset(code + at, 1, end - at);
			fence = n;
		} else {
			for (size_t i = at; i < end;) {
				size_t b = i, e, c, d;
				if (s[i] != '`') {
					i++;
					continue;
				}
				for (e = b; e < end && s[e] == '`'; e++)
					;
				for (c = e; c < end; c = d) {
					for (; c < end && s[c] != '`'; c++)
						;
					for (d = c; d < end && s[d] == '`'; d++)
						;
					if (c < end && d - c == e - b)
						break;
				}
				if (c >= end) {
					i = e;
					continue;
				}
				memset(code + b, 1, c + (e - b) - b);
				i = c + (e - b);
			}
		}
		at = end + 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char names[MENTION_MAX][MENTION_NAME_MAX], want[MENTION_MAX][MENTION_NAME_MAX];
	const char *s = (const char *)data;
	size_t max = size ? data[0] % (MENTION_MAX + 1) : MENTION_MAX, nwant = 0;
	char *code = calloc(size + 1, 1);
	int n;

	if (!code)
		return 0;
	n = mention_find(s, size, names, max);
	if (n < 0 || (size_t)n > max)
		abort();
	mark_code(s, size, code);
	for (size_t i = 0; i < size && nwant < max; i++) {
		if (s[i] != '@' || code[i] || (i > 0 && in_class(data[i - 1])))
			continue;
		size_t e = i + 1, k, len;
		while (e < size && in_class(data[e]))
			e++;
		for (k = e; k > i + 1 && strchr("._-", s[k - 1]); k--)
			;
		len = k - i - 1;
		if (len && len < MENTION_NAME_MAX) {
			char name[MENTION_NAME_MAX];
			size_t j;
			for (j = 0; j < len; j++)
				name[j] = (char)(s[i + 1 + j] >= 'A' && s[i + 1 + j] <= 'Z'
				                 ? s[i + 1 + j] + 32 : s[i + 1 + j]);
			name[len] = '\0';
			for (j = 0; j < nwant && strcmp(want[j], name) != 0; j++)
				;
			if (j == nwant)
				memcpy(want[nwant++], name, len + 1);
		}
		i = e - 1;
	}
	if ((size_t)n != nwant)
		abort();
	for (int i = 0; i < n; i++)
		if (strcmp(names[i], want[i]) != 0 || strspn(names[i], "abcdefghijklmnopqrstuvwxyz"
		                                             "0123456789._-") != strlen(names[i]))
			abort();
	free(code);
	return 0;
}
