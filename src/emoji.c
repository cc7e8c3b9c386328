/*
 * emoji.c - one emoji, as Unicode's RGI_Emoji property says (see emoji.h),
 * asked of ICU: its emoji data is Unicode's own (emoji-sequences.txt,
 * emoji-zwj-sequences.txt), kept current by Debian's libicu rather than
 * by a table copied here. The bytes are checked first, without ICU:
 * length, strict UTF-8 (utf8.c), no controls, no white space.
 *
 * ICU is loaded at the first emoji asked about (dynlib.h), not at the
 * start: only reactions need it, and with its C++ runtime it would cost
 * every mod_fcgid process about 200 KiB.
 */
#include <stdio.h>
#include <string.h>

#include <unicode/uchar.h>
#include <unicode/ustring.h>

#include "dynlib.h"
#include "emoji.h"
#include "log.h"
#include "utf8.h"

#define EMOJI_UNITS (EMOJI_MAX_BYTES + 2)   /* UTF-16 units: never more than bytes */

static __typeof__(u_strFromUTF8) *icu_from_utf8;
static __typeof__(u_stringHasBinaryProperty) *icu_has_property;
static const struct dynlib_fn icu_fns[] = {
	DYNLIB_FN(icu_from_utf8, u_strFromUTF8),
	DYNLIB_FN(icu_has_property, u_stringHasBinaryProperty),
};
static struct dynlib icu = DYNLIB("libicuuc.so." DYNLIB_STR(U_ICU_VERSION_MAJOR_NUM), icu_fns);

/* 1 when the len bytes of s, strict UTF-8, are one RGI emoji; 0 when not;
 * -1 when ICU cannot be loaded (logged). */
static int emoji_rgi(const char *s, size_t len)
{
	UChar units[EMOJI_UNITS];
	UErrorCode e = U_ZERO_ERROR;
	int32_t n = 0;
	char err[300];

	if (dynlib_load(&icu, err, sizeof err) < 0) {
		log_error("emoji: %s", err);
		return -1;
	}
	icu_from_utf8(units, EMOJI_UNITS, &n, s, (int32_t)len, &e);
	return U_SUCCESS(e) && n > 0 && n < EMOJI_UNITS &&
	       icu_has_property(units, n, UCHAR_RGI_EMOJI);
}

int emoji_normalize(const char *s, size_t len, char out[EMOJI_MAX_BYTES + 1],
                    char *err, size_t errlen)
{
	static const char vs16[] = "\xef\xb8\x8f";   /* U+FE0F */
	size_t chars = 0;
	unsigned cp;

	out[0] = '\0';
	if (len == 0 || len > EMOJI_MAX_BYTES) {
		snprintf(err, errlen, "an emoji is 1 to %d bytes of UTF-8", EMOJI_MAX_BYTES);
		return -1;
	}
	if (utf8_scan(s, len, UTF8_CONTROL | UTF8_SPACE, &chars) != len) {
		snprintf(err, errlen, "an emoji is UTF-8 without white space or control characters");
		return -1;
	}
	memcpy(out, s, len);
	out[len] = '\0';
	int rgi = emoji_rgi(out, len);
	/* one character, an emoji only when presented as one: add U+FE0F */
	if (rgi == 0 && chars == 1 && utf8_next(s, len, &cp) == (int)len && cp >= 0x80 &&
	    len + 3 <= EMOJI_MAX_BYTES) {
		memcpy(out + len, vs16, 4);
		rgi = emoji_rgi(out, len + 3);
	}
	if (rgi > 0)
		return 0;
	out[0] = '\0';
	if (rgi < 0) {
		snprintf(err, errlen, "emojis cannot be checked now (the server's ICU library is missing)");
		return -2;
	}
	snprintf(err, errlen, "not one emoji (an emoji Unicode recommends for general interchange)");
	return -1;
}
