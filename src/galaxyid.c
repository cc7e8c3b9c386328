/*
 * galaxyid.c - Galaxy's encoded object ids (see galaxyid.h), on the
 * Blowfish of cookie.c: an id is encoded exactly as a session key is, only
 * its text is decimal.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cookie.h"
#include "galaxyid.h"
#include "httpparse.h"

#define GALAXYID_MAX 999999999999999LL   /* GALAXYID_MAX_DIGITS nines */

int galaxyid_encode(const struct cookie_cipher *c, long long id, char out[GALAXYID_MAX_HEX + 1])
{
	char digits[GALAXYID_MAX_DIGITS + 1];

	if (!c || id < 1 || id > GALAXYID_MAX)
		return -1;
	snprintf(digits, sizeof digits, "%lld", id);
	return cookie_encode(c, digits, out, GALAXYID_MAX_HEX + 1);
}

int galaxyid_decode(const struct cookie_cipher *c, const char *hex, size_t len, long long *id)
{
	char digits[GALAXYID_MAX_DIGITS + 1], again[GALAXYID_MAX_HEX + 1];
	long long v;

	if (!c || !hex || len == 0 || len > GALAXYID_MAX_HEX ||
	    cookie_decode(c, hex, len, digits, sizeof digits) < 0 ||
	    digits[0] == '0' || http_parse_int(digits, 1, GALAXYID_MAX, &v) < 0)
		return -1;
	/* the canonical encoding only: Galaxy's own padding, no extra '!' */
	if (galaxyid_encode(c, v, again) < 0 || strlen(again) != len ||
	    strncasecmp(again, hex, len) != 0)
		return -1;
	*id = v;
	return 0;
}
