/*
 * fuzz_cookie.c - libFuzzer target: cookie_decode on any value, with a
 * secret taken from the input's first bytes; a decoded key must be hex and
 * re-encode to a cookie that decodes to the same key.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cookie.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char key[SESSION_KEY_MAX + 1], again[SESSION_KEY_MAX + 1], enc[2 * COOKIE_MAX_HEX];
	size_t slen = size ? data[0] % 64 : 0;

	if (size < 1 + slen)
		return 0;
	const char *secret = (const char *)data + 1, *value = secret + slen;
	size_t vlen = size - 1 - slen;

	struct cookie_cipher *c = cookie_cipher_new(secret, slen);
	if (cookie_decode(c, value, vlen, key, sizeof key) == 0) {
		if (strspn(key, "0123456789abcdefABCDEF") != strlen(key) || !key[0])
			abort();
		if (cookie_encode(c, key, enc, sizeof enc) == 0 &&
		    (cookie_decode(c, enc, strlen(enc), again, sizeof again) != 0 ||
		     strcmp(key, again) != 0))
			abort();
	}
	cookie_cipher_free(c);
	return 0;
}
