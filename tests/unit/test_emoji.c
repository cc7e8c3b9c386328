/*
 * test_emoji.c - one emoji (emoji.h): the RGI sequences of every kind are
 * taken as they are, a bare text-default character gets U+FE0F, and
 * letters, digits, white space, controls, bad UTF-8, stray joiners and
 * selectors, two emoji and anything over 32 bytes are refused.
 */
#include <string.h>

#include "emoji.h"
#include "tap.h"

/* The one spelling of s, or "REFUSED". */
static const char *norm(const char *s, size_t len)
{
	static char out[EMOJI_MAX_BYTES + 1];
	char err[160];

	if (emoji_normalize(s, len, out, err, sizeof err) < 0)
		return "REFUSED";
	return out;
}

static void taken(const char *s, const char *name)
{
	is_str(norm(s, strlen(s)), s, name);
}

static void refused(const char *s, size_t len, const char *name)
{
	is_str(norm(s, len), "REFUSED", name);
}

int main(void)
{
	char err[160], out[EMOJI_MAX_BYTES + 1];

	taken("\xf0\x9f\x91\x8d", "thumbs up");
	taken("\xf0\x9f\x98\x80", "grinning face");
	taken("\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd", "thumbs up, medium skin tone (modifier sequence)");
	taken("\xf0\x9f\x8f\xb3\xef\xb8\x8f\xe2\x80\x8d\xf0\x9f\x8c\x88",
	      "rainbow flag (VS16 and ZWJ sequence)");
	taken("1\xef\xb8\x8f\xe2\x83\xa3", "keycap one");
	taken("#\xef\xb8\x8f\xe2\x83\xa3", "keycap number sign");
	taken("\xf0\x9f\x87\xab\xf0\x9f\x87\xb7", "flag of France (regional indicators)");
	taken("\xf0\x9f\x8f\xb4\xf3\xa0\x81\xa7\xf3\xa0\x81\xa2\xf3\xa0\x81\xa5\xf3\xa0\x81\xae"
	      "\xf3\xa0\x81\xa7\xf3\xa0\x81\xbf", "flag of England (tag sequence, 28 bytes)");
	taken("\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa7\xe2\x80\x8d"
	      "\xf0\x9f\x91\xa6", "family (three joiners, 25 bytes)");
	taken("\xe2\x9d\xa4\xef\xb8\x8f", "red heart with VS16");
	taken("\xf0\x9f\x8f\xbd", "a skin tone alone (a basic emoji: a swatch)");
	is_str(norm("\xe2\x9d\xa4", 3), "\xe2\x9d\xa4\xef\xb8\x8f", "a bare heart gets VS16");
	is_str(norm("\xe2\x98\xba", 3), "\xe2\x98\xba\xef\xb8\x8f", "a bare smiling face gets VS16");
	is_str(norm("\xe2\x84\xa2", 3), "\xe2\x84\xa2\xef\xb8\x8f", "a bare trade mark sign gets VS16");

	refused("a", 1, "a letter");
	refused("A", 1, "a capital letter");
	refused("1", 1, "a digit (an emoji only as a keycap)");
	refused("#", 1, "a number sign alone");
	refused("ok", 2, "a word");
	refused("\xc3\xa9", 2, "an accented letter");
	refused("\xe4\xb8\xad", 3, "a CJK character");
	refused("", 0, "empty");
	refused(" \xf0\x9f\x91\x8d", 5, "leading space");
	refused("\xf0\x9f\x91\x8d ", 5, "trailing space");
	refused("\xf0\x9f\x91\x8d\n", 5, "newline");
	refused("\xf0\x9f\x91\x8d\t", 5, "tab");
	refused("\xc2\xa0", 2, "no-break space");
	refused("\x01", 1, "a control character");
	refused("\xf0\x9f\x91\x8d\0", 5, "a NUL byte");
	refused("\xf0\x9f\x91\x8d\xf0\x9f\x91\x8d", 8, "two emoji");
	refused("\xf0\x9f\x91\x8d\xe2\x80\x8d", 7, "a trailing joiner");
	refused("\xe2\x80\x8d\xf0\x9f\x91\x8d", 7, "a leading joiner");
	refused("\xe2\x80\x8d", 3, "a joiner alone");
	refused("\xef\xb8\x8f", 3, "a variation selector alone");
	refused("\xe2\x9d\xa4\xef\xb8\x8e", 6, "text presentation (VS15)");
	refused("\xf0\x9f\x87\xab", 4, "one regional indicator");
	refused("\xe2\x80\x8b\xf0\x9f\x91\x8d", 7, "a zero-width space before it");
	refused("\xf0\x9f\x91\x8d\xe2\x80\xae", 7, "a right-to-left override after it");
	refused("\xf0\x9f\x91", 3, "truncated UTF-8");
	refused("\xed\xa0\xbd\xed\xb1\x8d", 6, "UTF-16 surrogates in UTF-8 (CESU)");
	refused("\xf0\x9f\x91\x8d\xff", 5, "an invalid byte");
	refused("\xc0\xaf", 2, "an overlong form");
	refused("\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa7\xe2\x80\x8d"
	        "\xf0\x9f\x91\xa6\xe2\x80\x8d\xf0\x9f\x91\xa6", 32, "a made-up ZWJ sequence of 32 bytes");
	refused("\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80"
	        "\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80", 36, "over 32 bytes");
	ok(emoji_normalize("x", 1, out, err, sizeof err) < 0 && strstr(err, "emoji") && !out[0],
	   "a refusal says why and leaves no spelling");
	return done_testing();
}
