/*
 * httpparse.c - percent-decoding, query-string and Cookie lookup, origins
 * and number parsing for request handling (see httpparse.h). Bounds are
 * checked on every byte.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

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

int http_cookie_get(const char *header, const char *name, const char **value, size_t *len)
{
	const char *p = header;
	size_t namelen = strlen(name);
	int found = 0;

	while (p && *p) {
		size_t n = strcspn(p, ";"), nl;
		const char *v, *end = p + n, *eq;

		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		eq = memchr(p, '=', (size_t)(end - p));
		nl = eq ? (size_t)(eq - p) : 0;
		while (nl && (p[nl - 1] == ' ' || p[nl - 1] == '\t'))
			nl--;
		if (eq && nl == namelen && memcmp(p, name, nl) == 0) {
			const char *vend = end;
			v = eq + 1;
			while (v < vend && (*v == ' ' || *v == '\t'))
				v++;
			while (vend > v && (vend[-1] == ' ' || vend[-1] == '\t'))
				vend--;
			if (vend - v >= 2 && *v == '"' && vend[-1] == '"') {
				v++;
				vend--;
			}
			*value = v;   /* a later one replaces it: the last wins */
			*len = (size_t)(vend - v);
			found = 1;
		}
		p = *end ? end + 1 : end;
	}
	return found;
}

int http_origin_normalize(const char *in, char *out, size_t outlen)
{
	static const struct { const char *scheme; long port; } schemes[] = {
		{ "http://", 80 }, { "https://", 443 },
	};
	size_t hostlen, len;
	long port = -1;
	const char *host, *colon;
	int si = -1;

	for (int i = 0; i < 2; i++)
		if (strncasecmp(in, schemes[i].scheme, strlen(schemes[i].scheme)) == 0)
			si = i;
	if (si < 0)
		return -1;
	host = in + strlen(schemes[si].scheme);
	len = strlen(host);
	if (len && host[len - 1] == '/')
		len--;
	/* host: a name, an IPv4 address or a bracketed IPv6 address */
	if (host[0] == '[') {
		const char *close = memchr(host, ']', len);
		if (!close || close == host + 1)
			return -1;
		hostlen = (size_t)(close - host) + 1;
		for (size_t i = 1; i + 1 < hostlen; i++)
			if (!isxdigit((unsigned char)host[i]) && host[i] != ':' && host[i] != '.')
				return -1;
	} else {
		hostlen = strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._");
		if (hostlen == 0)
			return -1;
	}
	if (hostlen > len)
		return -1;
	colon = host + hostlen;
	if (hostlen < len) {
		size_t digits = len - hostlen - 1;
		if (*colon != ':' || digits < 1 || digits > 5)
			return -1;
		port = 0;
		for (size_t i = 1; i <= digits; i++) {
			if (!isdigit((unsigned char)colon[i]))
				return -1;
			port = port * 10 + (colon[i] - '0');
		}
		if (port < 1 || port > 65535)
			return -1;
		if (port == schemes[si].port)
			port = -1;
	}
	int n = snprintf(out, outlen, "%s%.*s", schemes[si].scheme, (int)hostlen, host);
	if (n < 0 || (size_t)n >= outlen)
		return -1;
	for (char *c = out; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	if (port > 0) {
		size_t used = (size_t)n;
		n = snprintf(out + used, outlen - used, ":%ld", port);
		if (n < 0 || (size_t)n >= outlen - used)
			return -1;
	}
	return 0;
}
