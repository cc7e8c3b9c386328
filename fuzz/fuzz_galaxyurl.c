/*
 * fuzz_galaxyurl.c - libFuzzer target: galaxyurl_parse on any link against
 * a site's root and a prefixed site, galaxyurl_base and galaxyurl_tool_name
 * on the same bytes,
 * checking what they promise: a kind only with its captures filled and
 * well-formed, nothing but a zeroed ref for other links, normal forms that
 * are fixed points.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "galaxyurl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_ref(enum galaxyurl_kind k, const struct galaxyurl_ref *r)
{
	static const struct galaxyurl_ref zero;

	if (k != r->kind)
		abort();
	if (k == GALAXYURL_NONE) {
		if (memcmp(r, &zero, sizeof zero) != 0)
			abort();
		return;
	}
	if (strnlen(r->id, sizeof r->id) == sizeof r->id ||
	    strnlen(r->user, sizeof r->user) == sizeof r->user ||
	    strnlen(r->slug, sizeof r->slug) == sizeof r->slug ||
	    strnlen(r->tool, sizeof r->tool) == sizeof r->tool ||
	    strnlen(r->version, sizeof r->version) == sizeof r->version)
		abort();
	if (k == GALAXYURL_TOOL) {
		if (!r->tool[0] || strspn(r->tool, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		                          "0123456789._+-/") != strlen(r->tool))
			abort();
	} else if (r->by == GALAXYURL_BY_SLUG) {
		if (!r->user[0] || !r->slug[0] || strchr(r->slug, '/') || strchr(r->user, '/') ||
		    (k != GALAXYURL_HISTORY && k != GALAXYURL_WORKFLOW))
			abort();
	} else if (!r->id[0] || strspn(r->id, "0123456789abcdefABCDEF") != strlen(r->id) ||
	           (r->by == GALAXYURL_BY_VERSION && k != GALAXYURL_WORKFLOW)) {
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const bases[] = { "https://usegalaxy.example",
	                                     "https://galaxy.example.org/galaxy" };
	char *s = malloc(size + 1), norm[GALAXYURL_BASE_MAX], again[GALAXYURL_BASE_MAX];
	struct galaxyurl_ref ref;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	for (size_t i = 0; i < sizeof bases / sizeof *bases; i++)
		check_ref(galaxyurl_parse(bases[i], s, size, &ref), &ref);
	if (strlen(s) == size && galaxyurl_base(s, norm, sizeof norm) == 0) {
		if (galaxyurl_base(norm, again, sizeof again) != 0 || strcmp(norm, again) != 0)
			abort();
		check_ref(galaxyurl_parse(norm, s, size, &ref), &ref);
	}
	char name[8], version[8];
	if (galaxyurl_tool_name(s, name, sizeof name, version, sizeof version) == 1 &&
	    (strchr(version, '/') || strchr(name, '/')))
		abort();
	free(s);
	return 0;
}
