/*
 * fuzz_utf8.c - libFuzzer target: utf8_scan accepts exactly the shortest
 * encodings of U+0000..U+10FFFF without surrogates. Every character it
 * decodes is re-encoded here, independently, and must give back the same
 * bytes; the first byte it stops at must not start any valid encoding; a
 * refused class only shortens the prefix, at a character of that class.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The shortest UTF-8 form of cp into out: its length. */
static size_t encode(unsigned cp, unsigned char out[4])
{
	if (cp < 0x80) {
		out[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (unsigned char)(0xc0 | cp >> 6);
		out[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (unsigned char)(0xe0 | cp >> 12);
		out[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (unsigned char)(0xf0 | cp >> 18);
	out[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	size_t chars = 0, n = 0, good = utf8_scan(s, size, 0, &chars);
	unsigned char enc[4];
	unsigned cp;

	if (good > size || chars > good)
		abort();
	for (size_t i = 0; i < good; n++) {
		int k = utf8_next(s + i, good - i, &cp);
		if (k <= 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ||
		    encode(cp, enc) != (size_t)k || memcmp(enc, s + i, (size_t)k) != 0)
			abort();
		i += (size_t)k;
	}
	if (n != chars || (good < size && utf8_next(s + good, size - good, &cp) != 0))
		abort();
	for (unsigned refuse = 1; refuse <= (UTF8_CONTROL | UTF8_INVISIBLE | UTF8_SPACE); refuse++) {
		size_t part = utf8_scan(s, size, refuse, NULL);
		if (part > good || (part < good && (utf8_next(s + part, good - part, &cp) <= 0 ||
		                                    !(utf8_class(cp) & refuse))))
			abort();
	}
	return 0;
}
