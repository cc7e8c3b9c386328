/*
 * test_room.c - room names: lengths in characters, UTF-8 validity, controls.
 */
#include <string.h>

#include "room.h"
#include "tap.h"

static int valid(const char *name)
{
	char err[128];
	return room_validate(name, strlen(name), err, sizeof err) == 0;
}

int main(void)
{
	char buf[300];
	size_t chars;

	ok(valid("NGS"), "plain name");
	ok(valid("Genome Annotation"), "spaces");
	ok(valid("RNA-Seq/2026"), "punctuation");
	ok(valid("\xc3\xa9tudes \xe2\x82\xac \xf0\x9f\xa7\xac"), "multi-byte UTF-8");
	ok(!valid(""), "empty refused");
	ok(!valid("a\tb"), "tab refused");
	ok(!valid("a\nb"), "newline refused");
	ok(!valid("a\x7f"), "DEL refused");
	ok(!valid("a\xc2\x85"), "C1 control refused");
	ok(!valid("\xff"), "invalid byte refused");
	ok(!valid("\xc0\xaf"), "overlong refused");
	ok(!valid("\xe0\x80\xaf"), "3-byte overlong refused");
	ok(!valid("\xed\xa0\x80"), "surrogate refused");
	ok(!valid("\xf4\x90\x80\x80"), "above U+10FFFF refused");
	ok(!valid("\xe2\x82"), "truncated sequence refused");
	ok(!valid("\xc3"), "truncated at end refused");

	memset(buf, 'a', 64);
	buf[64] = '\0';
	ok(valid(buf), "64 characters allowed");
	buf[64] = 'a';
	buf[65] = '\0';
	ok(!valid(buf), "65 characters refused");
	for (int i = 0; i < 64; i++)
		memcpy(buf + 4 * i, "\xf0\x9f\xa7\xac", 4);
	buf[256] = '\0';
	ok(valid(buf), "64 four-byte characters allowed");

	char nul[] = "a\0b";
	char err[128];
	ok(room_validate(nul, 3, err, sizeof err) < 0, "embedded NUL refused");
	is_int(room_utf8_check("h\xc3\xa9llo", 6, 1, &chars), 0, "utf8 check");
	is_int(chars, 5, "counts characters");
	is_int(room_utf8_check("a\nb", 3, 0, &chars), 0, "controls allowed when asked");
	return done_testing();
}
