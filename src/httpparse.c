/*
 * httpparse.c - percent-decoding, query-string lookup and number parsing
 * for request handling (see httpparse.h). Bounds are checked on every byte.
 */
#include <string.h>

#include "httpparse.h"

int http_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

long http_percent_decode(const char *in, size_t len, int plus_is_space,
                         char *out, size_t outlen)
{
	size_t o = 0;

	if (outlen == 0)
		return -1;
	for (size_t i = 0; i < len; i++) {
		char c = in[i];
		if (c == '%') {
			if (i + 2 >= len)
				return -1;
			int hi = http_hexval(in[i + 1]), lo = http_hexval(in[i + 2]);
			if (hi < 0 || lo < 0)
				return -1;
			c = (char)(hi << 4 | lo);
			i += 2;
		} else if (c == '+' && plus_is_space) {
			c = ' ';
		}
		if (c == '\0' || o + 1 >= outlen)
			return -1;
		out[o++] = c;
	}
	out[o] = '\0';
	return (long)o;
}

int http_query_get(const char *qs, const char *name, char *out, size_t outlen)
{
	size_t namelen = strlen(name);
	int found = 0;
	char scratch[1024];

	if (!qs)
		return 0;
	for (const char *p = qs; *p;) {
		size_t plen = strcspn(p, "&");
		const char *eq = memchr(p, '=', plen);
		size_t klen = eq ? (size_t)(eq - p) : plen;
		const char *v = eq ? eq + 1 : p + plen;
		size_t vlen = eq ? plen - klen - 1 : 0;
		long kd = http_percent_decode(p, klen, 1, scratch, sizeof scratch);

		if (plen && kd < 0)
			return -1;
		if (!found && kd == (long)namelen && memcmp(scratch, name, namelen) == 0) {
			if (http_percent_decode(v, vlen, 1, out, outlen) < 0)
				return -1;
			found = 1;
		} else if (http_percent_decode(v, vlen, 1, scratch, sizeof scratch) < 0 &&
		           vlen < sizeof scratch) {
			return -1;   /* a malformed query is refused whole */
		}
		p += plen;
		if (*p)
			p++;
	}
	return found;
}

int http_parse_int(const char *s, long long min, long long max, long long *out)
{
	long long v = 0;

	if (!s || !*s || strlen(s) > 18)
		return -1;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (*p - '0');
	}
	if (v < min || v > max)
		return -1;
	*out = v;
	return 0;
}
