/*
 * fuzz_split.h - for fuzz targets that take several strings: the input
 * cut at its NUL bytes.
 */
#ifndef GC_FUZZ_SPLIT_H
#define GC_FUZZ_SPLIT_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Copies data (size bytes) with a NUL after it and points part[0..n-1] at
 * its first n NUL-separated pieces, NULL where the input has fewer.
 * Returns the copy (the caller frees it), or NULL when out of memory. */
static inline char *fuzz_split(const uint8_t *data, size_t size, const char **part, size_t n)
{
	char *s = malloc(size + 1);
	size_t k = 0;

	if (!s)
		return NULL;
	memcpy(s, data, size);
	s[size] = '\0';
	for (char *p = s; k < n && p <= s + size; p += strlen(p) + 1)
		part[k++] = p;
	while (k < n)
		part[k++] = NULL;
	return s;
}

#endif
