/*
 * fuzz_route.c - libFuzzer target: request_route on any SCRIPT_NAME,
 * PATH_INFO and REQUEST_URI (the input's NUL-separated parts; a missing
 * part is an unset variable). Checks what request.h promises: the route
 * points into its source or the buffer, a split path is PATH_INFO as it
 * is, a found route starts with "/v1/" at the first one, and the whole
 * path gives one route wherever the server put it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 1 when p points into s (its terminating NUL included). */
static int within(const char *p, const char *s)
{
	return s && p >= s && p <= s + strlen(s);
}

/* The route of the whole path alone in PATH_INFO, in SCRIPT_NAME, and in
 * REQUEST_URI (when nothing in it is decoded or cut) is one route. */
static void check_same(const char *path)
{
	char buf[REQUEST_MAX_ROUTE], other[REQUEST_MAX_ROUTE];
	const char *a = request_route("", path, NULL, buf, sizeof buf);
	const char *b = request_route(path, NULL, NULL, buf, sizeof buf);

	if (!*path || strcmp(a, b) != 0)
		abort();
	if (strpbrk(path, "%?") || strlen(a) >= sizeof other)
		return;
	if (strcmp(request_route(NULL, NULL, path, other, sizeof other), a) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), buf[REQUEST_MAX_ROUTE];
	const char *part[3] = { NULL, NULL, NULL }, *route, *first;
	size_t n = 0;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	for (char *p = s; n < 3 && p <= s + size; p += strlen(p) + 1)
		part[n++] = p;
	route = request_route(part[0], part[1], part[2], buf, sizeof buf);
	if (!route || !(within(route, part[0]) || within(route, part[1]) ||
	                within(route, buf) || *route == '\0'))
		abort();
	if (within(route, buf) && strlen(route) >= sizeof buf)
		abort();
	if (part[0] && *part[0] && part[1] && *part[1] && route != part[1])
		abort();
	/* a route found in a whole path starts at the path's first /v1/ */
	if (within(route, part[1]) || within(route, part[0])) {
		const char *path = within(route, part[1]) ? part[1] : part[0];
		first = strstr(path, "/v1/");
		if (route != path && route != first)
			abort();
		if (path != part[1] || !(part[0] && *part[0]))
			check_same(path);
	}
	free(s);
	return 0;
}
