/*
 * fuzz_emoji.c - libFuzzer target: emoji_normalize accepts only what
 * emoji.h says (1 to 32 bytes of strict UTF-8 without controls or white
 * space), answers the input itself or the input with U+FE0F appended,
 * and its answer is its own spelling (normalizing it again changes
 * nothing).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "emoji.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[EMOJI_MAX_BYTES + 1], again[EMOJI_MAX_BYTES + 1], err[160];
	const char *s = (const char *)data;
	size_t n;

	if (emoji_normalize(s, size, out, err, sizeof err) < 0) {
		if (out[0] || !err[0])
			abort();
		return 0;
	}
	n = strlen(out);
	if (size == 0 || size > EMOJI_MAX_BYTES || n > EMOJI_MAX_BYTES ||
	    utf8_scan(s, size, UTF8_CONTROL | UTF8_SPACE, NULL) != size ||
	    utf8_scan(out, n, UTF8_CONTROL | UTF8_SPACE, NULL) != n)
		abort();
	if (memcmp(out, s, size) != 0 ||
	    !(n == size || (n == size + 3 && memcmp(out + size, "\xef\xb8\x8f", 3) == 0)))
		abort();
	if (emoji_normalize(out, n, again, err, sizeof err) < 0 || strcmp(again, out) != 0)
		abort();
	return 0;
}
