/*
 * test_room.c - room names: lengths in characters, UTF-8 validity,
 * controls; the stricter rules for a new room's name (look-alikes); room
 * keys (names compared without case for A-Z only); and what a topic may
 * be.
 */
#include <string.h>

#include "room.h"
#include "tap.h"

static int valid(const char *name)
{
	char err[160];
	return room_validate(name, strlen(name), err, sizeof err) == 0;
}

/* room_topic_check's answer for topic (len bytes) */
static int topic(const char *t, size_t len)
{
	char err[160];
	return room_topic_check(t, len, err, sizeof err);
}

static int valid_new(const char *name)
{
	char err[160];
	return room_validate_new(name, strlen(name), err, sizeof err) == 0;
}

int main(void)
{
	char buf[600], err[160];

	ok(valid("NGS"), "plain name");
	ok(valid("Genome Annotation"), "spaces");
	ok(valid("RNA-Seq/2026"), "punctuation");
	ok(valid("\xc3\xa9tudes \xe2\x82\xac \xf0\x9f\xa7\xac"), "multi-byte UTF-8");
	ok(!valid(""), "empty refused");
	ok(!valid("a\tb"), "tab refused");
	ok(!valid("a\nb"), "newline refused");
	ok(!valid("a\x7f"), "DEL refused");
	ok(!valid("a\xc2\x85"), "C1 control refused");
	ok(!valid("a\xe2\x80\xa8"), "line separator refused");
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
	ok(valid_new(buf), "and as a new room");

	char nul[] = "a\0b";
	ok(room_validate(nul, 3, err, sizeof err) < 0, "embedded NUL refused");

	/* look-alikes of `all` may still be named (old stores), not created */
	ok(valid("all ") && valid("\xe2\x80\x8b" "all") && valid(" "), "old look-alikes still name rooms");
	ok(valid_new("all") && valid_new("Genome Annotation") && valid_new("\xc3\xa9t\xc3\xa9"),
	   "ordinary names may be created");
	ok(!valid_new("all ") && !valid_new(" all"), "leading or trailing space refused");
	ok(!valid_new(" "), "a lone space refused");
	ok(!valid_new("all\xc2\xa0") && !valid_new("\xe3\x80\x80" "all"),
	   "no-break and ideographic spaces at the ends refused");
	ok(!valid_new("a\xe2\x80\x8b" "ll"), "zero-width space refused");
	ok(!valid_new("\xe2\x80\xae" "lla"), "right-to-left override refused");
	ok(!valid_new("all\xe2\x81\xa6"), "isolate refused");
	ok(!valid_new("\xef\xbb\xbf" "all"), "BOM refused");
	ok(!valid_new("al\xc2\xadl"), "soft hyphen refused");
	ok(!valid_new("a\tb"), "new names follow the old rules too");
	ok(room_validate_new("all\xe2\x80\x8f", 6, err, sizeof err) < 0 && strstr(err, "U+200F"),
	   "the message names the character");
	ok(room_validate_new("all ", 4, err, sizeof err) < 0 && strstr(err, "white space"),
	   "and says white space at an end");
	{
		char key[ROOM_NAME_BUF];

		room_key("RNA-Seq", key);
		is_str(key, "rna-seq", "the key lowers A-Z");
		room_key("ALL", key);
		is_str(key, "all", "ALL is all");
		room_key("\xc3\x89tudes \xc3\xa9T\xc3\x89", key);
		is_str(key, "\xc3\x89tudes \xc3\xa9t\xc3\x89", "other letters stay as they are");
		room_key("[@Z]", key);
		is_str(key, "[@z]", "only A-Z, not the ASCII around them");
	}

	ok(topic("", 0) == 0, "an empty topic: no topic");
	ok(topic("RNA-Seq help: STAR, HISAT2", 26) == 0, "a topic");
	ok(topic("\xc3\xa9tudes \xf0\x9f\xa7\xac", 12) == 0, "multi-byte UTF-8");
	memset(buf, 'x', ROOM_TOPIC_MAX);
	ok(topic(buf, ROOM_TOPIC_MAX) == 0, "500 bytes: fine");
	ok(topic(buf, ROOM_TOPIC_MAX + 1) == 413, "501 bytes: 413, as an over-long message");
	ok(topic("a\nb", 3) == 400 && topic("a\tb", 3) == 400 && topic("a\x7f", 2) == 400 &&
	   topic("a\xc2\x85", 3) == 400 && topic("a\xe2\x80\xa8", 4) == 400,
	   "controls, newline and tab too (a topic is one line): 400");
	ok(topic("a\0b", 3) == 400, "NUL: 400");
	ok(topic("\xff", 1) == 400 && topic("\xc0\xaf", 2) == 400 && topic("\xed\xa0\x80", 3) == 400,
	   "not strict UTF-8: 400");
	ok(topic(" ", 1) == 400 && topic("\xc2\xa0 \xe3\x80\x80", 6) == 400, "white space only: 400");
	ok(room_topic_check(buf, ROOM_TOPIC_MAX + 1, err, sizeof err) == 413 && strstr(err, "501 bytes"),
	   "the message says how long");
	return done_testing();
}
