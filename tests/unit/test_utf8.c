/*
 * test_utf8.c - strict UTF-8: what is refused (overlong forms, surrogates,
 * beyond U+10FFFF, stray and truncated bytes), where the scan stops, and
 * the classes of characters callers refuse on top.
 */
#include <string.h>

#include "tap.h"
#include "utf8.h"

/* 1 when all of s (a C string) is strict UTF-8. */
static int strict(const char *s)
{
	return utf8_scan(s, strlen(s), 0, NULL) == strlen(s);
}

int main(void)
{
	size_t chars;
	unsigned cp = 0;

	ok(strict("plain"), "ASCII");
	ok(strict("h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\xa7\xac"), "two, three and four bytes");
	ok(strict("\xef\xbf\xbd"), "U+FFFD");
	ok(strict("\xf4\x8f\xbf\xbf"), "U+10FFFF, the last code point");
	ok(strict("\xed\x9f\xbf") && strict("\xee\x80\x80"), "U+D7FF and U+E000 around the surrogates");
	ok(!strict("\xc0\xaf"), "overlong C0 AF refused");
	ok(!strict("\xc1\xbf"), "overlong C1 BF refused");
	ok(!strict("\xe0\x80\xaf"), "three-byte overlong refused");
	ok(!strict("\xe0\x9f\xbf"), "U+07FF in three bytes refused");
	ok(!strict("\xf0\x80\x80\xaf"), "four-byte overlong refused");
	ok(!strict("\xf0\x8f\xbf\xbf"), "U+FFFF in four bytes refused");
	ok(!strict("\xed\xa0\x80"), "high surrogate ED A0 80 refused");
	ok(!strict("\xed\xbf\xbf"), "low surrogate refused");
	ok(!strict("\xed\xa0\xbd\xed\xb8\x80"), "a surrogate pair (CESU-8) refused");
	ok(!strict("\xf4\x90\x80\x80"), "U+110000 (F4 90 80 80) refused");
	ok(!strict("\xf5\x80\x80\x80") && !strict("\xff") && !strict("\xfe"), "F5..FF refused");
	ok(!strict("\x80") && !strict("a\xbf"), "stray continuation bytes refused");
	ok(!strict("\xe2\x82") && !strict("\xc3") && !strict("\xf0\x9f\xa7"), "truncated sequences refused");
	ok(!strict("\xe2\x28\xa1"), "a sequence broken by ASCII refused");

	is_int(utf8_scan("ab\xc0\xaf" "cd", 6, 0, &chars), 2, "the scan stops at the first bad byte");
	is_int(chars, 2, "and counts the characters before it");
	is_int(utf8_scan("h\xc3\xa9llo", 6, 0, &chars), 6, "a good string is scanned whole");
	is_int(chars, 5, "characters, not bytes");
	is_int(utf8_scan("a\0b", 3, 0, NULL), 3, "NUL is UTF-8 (callers refuse it as a control)");
	is_int(utf8_scan("a\0b", 3, UTF8_CONTROL, NULL), 1, "and as a control");

	is_int(utf8_next("\xe2\x80\x8b", 3, &cp), 3, "next: length of U+200B");
	is_int(cp, 0x200b, "next: its code point");
	is_int(utf8_next("\xe2\x80\x8b", 2, &cp), 0, "next: never reads past len");

	is_int(utf8_class('a'), 0, "a letter is in no class");
	is_int(utf8_class(0xe9), 0, "nor an accented one");
	is_int(utf8_class(0x1f9ec), 0, "nor an emoji");
	is_int(utf8_class('\n'), UTF8_CONTROL | UTF8_SPACE, "newline: control and white space");
	is_int(utf8_class(0x7f), UTF8_CONTROL, "DEL: control");
	is_int(utf8_class(0x85), UTF8_CONTROL | UTF8_SPACE, "NEL (C1): control and white space");
	is_int(utf8_class(0x2028), UTF8_CONTROL | UTF8_SPACE, "line separator: control");
	is_int(utf8_class(' '), UTF8_SPACE, "space");
	is_int(utf8_class(0xa0), UTF8_SPACE, "no-break space");
	is_int(utf8_class(0x3000), UTF8_SPACE, "ideographic space");
	static const unsigned invisible[] = {
		0x00ad, 0x034f, 0x061c, 0x115f, 0x17b4, 0x180e, 0x200b, 0x200c, 0x200d, 0x200e,
		0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2060, 0x2061, 0x2064, 0x2066,
		0x2067, 0x2068, 0x2069, 0x3164, 0xfe0f, 0xfeff, 0xffa0, 0x1d173, 0xe0001, 0xe007f,
	};
	int all = 1;
	for (size_t i = 0; i < sizeof invisible / sizeof *invisible; i++)
		if (utf8_class(invisible[i]) != UTF8_INVISIBLE) {
			printf("# U+%04X is not (only) invisible\n", invisible[i]);
			all = 0;
		}
	ok(all, "zero-width, joiners, bidi marks, embeddings, overrides, isolates, BOM, "
	   "soft hyphen, fillers, variation selectors, tags: invisible");
	ok(!(utf8_class(0x2010) & UTF8_INVISIBLE) && !(utf8_class(0x0600) & UTF8_INVISIBLE),
	   "a hyphen and a visible format character are not");
	is_int(utf8_scan("ab\xe2\x80\xaeze", 7, UTF8_INVISIBLE, &chars), 2,
	       "refusing a class stops at its first character");
	is_int(utf8_scan("a b", 3, UTF8_SPACE, NULL), 1, "white space refused when asked");
	return done_testing();
}
