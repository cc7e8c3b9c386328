/*
 * fuzz_ini.c - libFuzzer target: ini_parse_buffer on any bytes; every key
 * it reports is lowercase and inside a section.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>

#include "ini.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fuzz_on_key(const char *section, const char *key, const char *value, int lineno, void *ud)
{
	(void)value;
	(void)ud;
	if (!section || !key || lineno < 1)
		abort();
	for (const char *k = key; *k; k++)
		if (isupper((unsigned char)*k))
			abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];

	ini_parse_buffer((const char *)data, size, "fuzz.ini", fuzz_on_key, NULL, err, sizeof err);
	return 0;
}
