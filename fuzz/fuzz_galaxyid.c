/*
 * fuzz_galaxyid.c - libFuzzer target: galaxyid_decode on any string, with a
 * secret taken from the input's first bytes; an id it takes must be in
 * range and encode back to the same string (in lower case).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cookie.h"
#include "galaxyid.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char again[GALAXYID_MAX_HEX + 1];
	size_t slen = size ? data[0] % 64 : 0;
	long long id;

	if (size < 1 + slen)
		return 0;
	const char *secret = (const char *)data + 1, *hex = secret + slen;
	size_t len = size - 1 - slen;

	struct cookie_cipher *c = cookie_cipher_new(secret, slen);
	if (galaxyid_decode(c, hex, len, &id) == 0) {
		if (id < 1 || id > 999999999999999LL || galaxyid_encode(c, id, again) != 0 ||
		    strlen(again) != len || strncasecmp(again, hex, len) != 0)
			abort();
	}
	cookie_cipher_free(c);
	return 0;
}
