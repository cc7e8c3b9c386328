/*
 * httpparse.h - pure parsers for the parts of an HTTP request we read:
 * percent-decoding, query strings, the Cookie header, origins. No allocation, no globals; every
 * function is safe on any input (they are fuzzed).
 */
#ifndef GC_HTTPPARSE_H
#define GC_HTTPPARSE_H

#include <stddef.h>

/* The value of hex digit c (either case), or -1. */
int http_hexval(char c);

/* Decodes in[0..len) ('%XX', and '+' as a space when plus_is_space) into out
 * (outlen bytes, always NUL-terminated on success). Returns the decoded
 * length, or -1 when a '%' is not followed by two hex digits, the result
 * contains a NUL byte, or it does not fit. */
long http_percent_decode(const char *in, size_t len, int plus_is_space,
                         char *out, size_t outlen);

/* Looks name up in the query string qs ("a=1&b=2", may be NULL). On success
 * copies the decoded value of its first occurrence into out. Returns 1 when
 * found, 0 when absent, -1 when the query string is malformed anywhere
 * (bad percent-encoding, a NUL byte) or the value does not fit. */
int http_query_get(const char *qs, const char *name, char *out, size_t outlen);

/* Finds the cookie called name in a Cookie header (may be NULL): the value
 * of its *last* occurrence, as Galaxy reads it (Python's SimpleCookie and
 * WebOb's request.cookies both fill a dict in header order, so a later
 * pair replaces an earlier one), with surrounding white space and one pair
 * of double quotes removed, as value and len pointing into header.
 * 1 when found, else 0. */
int http_cookie_get(const char *header, const char *name, const char **value, size_t *len);

/* Normalizes a Web origin ("scheme://host[:port]", RFC 6454) into out:
 * scheme and host lowercased, one trailing '/' dropped, a default port
 * (80 for http, 443 for https) dropped. Returns 0, or -1 when in is not an
 * http or https origin (a path, user info, "null", anything odd) or does
 * not fit. Two origins are the same when their normal forms are equal. */
int http_origin_normalize(const char *in, char *out, size_t outlen);

/* Parses a whole decimal number (no sign, no spaces) in [min, max] from s.
 * Returns 0 and sets *out, or -1. */
int http_parse_int(const char *s, long long min, long long max, long long *out);

#endif
