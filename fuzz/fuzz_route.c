/*
 * fuzz_route.c - libFuzzer target: request_route on any SCRIPT_NAME,
 * PATH_INFO and REQUEST_URI (the input's NUL-separated parts; a missing
 * part is an unset variable). Checks what request.h promises: the route
 * points into its source or the buffer and fits it, a PATH_INFO starting
 * with "/v1/" is the route as it is, a route found elsewhere starts at the
 * whole path's first "/v1/", and the whole path gives one route however
 * the server split it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_split.h"
#include "request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 1 when p points into s (its terminating NUL included). */
static int within(const char *p, const char *s)
{
	return s && p >= s && p <= s + strlen(s);
}

/* The route of the whole path path, however a server passes it: alone in
 * PATH_INFO, alone in SCRIPT_NAME, in REQUEST_URI (when nothing in it
 * is decoded or cut), or split anywhere after its first "/v1/" starts
 * (unless PATH_INFO then starts with one: that is taken as it is). */
static void check_same(const char *path)
{
	char buf[REQUEST_MAX_ROUTE], other[REQUEST_MAX_ROUTE], head[REQUEST_MAX_ROUTE];
	const char *a = request_route("", path, NULL, buf, sizeof buf), *first = strstr(path, "/v1/");
	size_t len = strlen(path);

	if (strcmp(a, request_route(path, NULL, NULL, other, sizeof other)) != 0)
		abort();
	if (a != path && a != first)
		abort();
	if (!strpbrk(path, "%?") && strlen(a) < sizeof other &&
	    strcmp(request_route(NULL, NULL, path, other, sizeof other), a) != 0)
		abort();
	if (len >= 256)   /* the splits below: enough, and fast */
		return;
	for (size_t k = first ? (size_t)(first - path) + 1 : 1; k < len; k++) {
		if (strncmp(path + k, "/v1/", 4) == 0)
			continue;
		memcpy(head, path, k);
		head[k] = '\0';
		if (strcmp(request_route(head, path + k, NULL, other, sizeof other), a) != 0)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char buf[REQUEST_MAX_ROUTE], *s;
	const char *part[3], *route;

	if (!(s = fuzz_split(data, size, part, 3)))
		return 0;
	route = request_route(part[0], part[1], part[2], buf, sizeof buf);
	if (!route || !(within(route, part[0]) || within(route, part[1]) ||
	                within(route, buf) || *route == '\0'))
		abort();
	if (within(route, buf) && strlen(route) >= sizeof buf)
		abort();
	if (part[1] && strncmp(part[1], "/v1/", 4) == 0 && route != part[1])
		abort();
	if (within(route, part[1]) && (!part[0] || !*part[0]) &&
	    strncmp(route, "/v1/", 4) != 0 && strstr(route, "/v1/"))
		abort();   /* a whole path's first /v1/ was passed over */
	if (size < REQUEST_MAX_ROUTE && *s)
		check_same(s);
	free(s);
	return 0;
}
