/*
 * utf8.c - strict UTF-8 and the character classes callers refuse (see
 * utf8.h).
 *
 * The classes, from the Unicode Character Database (Unicode 15.1):
 *
 * UTF8_CONTROL: General_Category Cc (U+0000..U+001F, U+007F..U+009F), and
 *   the line and paragraph separators U+2028, U+2029 (Zl, Zp), which break
 *   lines as a newline does.
 * UTF8_INVISIBLE: Default_Ignorable_Code_Point (DerivedCoreProperties.txt),
 *   the characters a renderer shows as nothing: soft hyphen, zero-width
 *   space and joiners, word joiner and invisible operators, variation
 *   selectors, fillers, tags, and every Bidi_Control (U+061C, U+200E,
 *   U+200F, U+202A..U+202E, U+2066..U+2069: marks, embeddings, overrides,
 *   isolates). Two strings that differ only by these look the same, and
 *   the bidi controls reorder what follows them.
 * UTF8_SPACE: White_Space (PropList.txt).
 */
#include "utf8.h"

struct utf8_range {
	unsigned lo, hi;
};

static const struct utf8_range utf8_ignorable[] = {
	{ 0x00ad, 0x00ad }, { 0x034f, 0x034f }, { 0x061c, 0x061c }, { 0x115f, 0x1160 },
	{ 0x17b4, 0x17b5 }, { 0x180b, 0x180f }, { 0x200b, 0x200f }, { 0x202a, 0x202e },
	{ 0x2060, 0x206f }, { 0x3164, 0x3164 }, { 0xfe00, 0xfe0f }, { 0xfeff, 0xfeff },
	{ 0xffa0, 0xffa0 }, { 0xfff0, 0xfff8 }, { 0x1bca0, 0x1bca3 }, { 0x1d173, 0x1d17a },
	{ 0xe0000, 0xe0fff },
};

static const struct utf8_range utf8_white[] = {
	{ 0x0009, 0x000d }, { 0x0020, 0x0020 }, { 0x0085, 0x0085 }, { 0x00a0, 0x00a0 },
	{ 0x1680, 0x1680 }, { 0x2000, 0x200a }, { 0x2028, 0x2029 }, { 0x202f, 0x202f },
	{ 0x205f, 0x205f }, { 0x3000, 0x3000 },
};

static int utf8_in(unsigned cp, const struct utf8_range *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (cp >= r[i].lo && cp <= r[i].hi)
			return 1;
	return 0;
}

unsigned utf8_class(unsigned cp)
{
	unsigned c = 0;

	if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029)
		c |= UTF8_CONTROL;
	if (utf8_in(cp, utf8_ignorable, sizeof utf8_ignorable / sizeof *utf8_ignorable))
		c |= UTF8_INVISIBLE;
	if (utf8_in(cp, utf8_white, sizeof utf8_white / sizeof *utf8_white))
		c |= UTF8_SPACE;
	return c;
}

int utf8_next(const char *s, size_t len, unsigned *cp)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned c = p[0], v, need;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		v = c & 0x1f;
		need = 1;
	} else if (c >= 0xe0 && c <= 0xef) {
		v = c & 0x0f;
		need = 2;
	} else if (c >= 0xf0 && c <= 0xf4) {
		v = c & 0x07;
		need = 3;
	} else {
		return 0;   /* a continuation byte, C0/C1 (overlong), F5..FF */
	}
	if (len - 1 < need)
		return 0;
	for (unsigned k = 1; k <= need; k++) {
		if ((p[k] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (p[k] & 0x3f);
	}
	if ((need == 2 && v < 0x800) || (need == 3 && (v < 0x10000 || v > 0x10ffff)) ||
	    (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return (int)need + 1;
}

size_t utf8_scan(const char *s, size_t len, unsigned refuse, size_t *chars)
{
	size_t i = 0, n = 0;
	unsigned cp;
	int k;

	while (i < len && (k = utf8_next(s + i, len - i, &cp)) > 0 &&
	       !(refuse && (utf8_class(cp) & refuse))) {
		i += (size_t)k;
		n++;
	}
	if (chars)
		*chars = n;
	return i;
}
