/*
 * fuzz_httpparse.c - libFuzzer target: every parser of httpparse.h on one
 * input (percent-decoding both ways, query lookups, the Cookie header,
 * origins, numbers), checking what they promise: bounded, NUL-terminated
 * output, and normal forms that are fixed points.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "httpparse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), out[64], again[64];
	const char *v;
	size_t vlen;
	long long n;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	for (int plus = 0; plus < 2; plus++) {
		long len = http_percent_decode(s, size, plus, out, sizeof out);
		if (len >= 0 && ((size_t)len >= sizeof out || strlen(out) != (size_t)len))
			abort();
	}
	if (strlen(s) == size) {   /* the C-string parsers see what the server would */
		static const char *const names[] = { "since", "timeout", "before", "limit", "" };
		for (size_t i = 0; i < sizeof names / sizeof *names; i++)
			if (http_query_get(s, names[i], out, sizeof out) == 1 && strlen(out) >= sizeof out)
				abort();
		if (http_cookie_get(s, "galaxysession", &v, &vlen) == 1 &&
		    (v < s || v + vlen > s + size))
			abort();
		if (http_origin_normalize(s, out, sizeof out) == 0 &&
		    (http_origin_normalize(out, again, sizeof again) != 0 || strcmp(out, again) != 0))
			abort();
		if (http_parse_int(s, 0, 1LL << 53, &n) == 0 && (n < 0 || n > 1LL << 53))
			abort();
	}
	free(s);
	return 0;
}
