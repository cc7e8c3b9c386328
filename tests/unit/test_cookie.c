/*
 * test_cookie.c - galaxysession encode/decode against GALAXY.md 1.7's
 * vectors, round trips, and every kind of malformed cookie and secret.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cookie.h"
#include "tap.h"

#define DEFAULT_SECRET "USING THE DEFAULT IS NOT SECURE!"

static const struct { const char *secret, *key, *cookie; } vectors[] = {
	{ DEFAULT_SECRET, "0123456789abcdef0123456789abcdef",
	  "c6ca0ddb55be603a55fe2f86156564e5ebb7ef842b6c3b8955fe2f86156564e5ebb7ef842b6c3b89" },
	{ "changethis", "0123456789abcdef0123456789abcdef",
	  "e4f8d42d36441c15c2b7185de14a1d62f50f420e1ed0b9c3c2b7185de14a1d62f50f420e1ed0b9c3" },
	{ DEFAULT_SECRET, "1", "f2db41e1fa331b3e" },
	{ DEFAULT_SECRET, "12345678", "c6ca0ddb55be603a76ca7b1c3af82659" },
};

/* cookie_decode() of value's first len chars with a cipher made for secret. */
static int decn(const char *secret, size_t slen, const char *value, size_t len,
                char *key, size_t keylen)
{
	struct cookie_cipher *c = cookie_cipher_new(secret, slen);
	int rc = cookie_decode(c, value, len, key, keylen);

	cookie_cipher_free(c);
	return rc;
}

static int dec(const char *secret, const char *value, char *key, size_t keylen)
{
	return decn(secret, strlen(secret), value, strlen(value), key, keylen);
}

/* cookie_encode() with a cipher made for secret (slen bytes). */
static int enc(const char *secret, size_t slen, const char *key, char *out, size_t outlen)
{
	struct cookie_cipher *c = cookie_cipher_new(secret, slen);
	int rc = cookie_encode(c, key, out, outlen);

	cookie_cipher_free(c);
	return rc;
}

static void test_vectors(void)
{
	char out[COOKIE_MAX_HEX + 1], key[SESSION_KEY_MAX + 1];

	for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
		const char *s = vectors[i].secret;
		is_int(enc(s, strlen(s), vectors[i].key, out, sizeof out), 0, "encode vector");
		is_str(out, vectors[i].cookie, "encoded vector matches Galaxy");
		is_int(dec(s, vectors[i].cookie, key, sizeof key), 0, "decode vector");
		is_str(key, vectors[i].key, "decoded vector is the session key");
	}
	/* hex case does not matter on input */
	is_int(dec(DEFAULT_SECRET, "F2DB41E1FA331B3E", key, sizeof key), 0, "uppercase hex decodes");
	is_str(key, "1", "uppercase hex gives the same key");
	/* a 32-char key's first block is all padding: repeating it is more
	 * leading '!', stripped as Galaxy does, so the same key */
	char more[COOKIE_MAX_HEX + 1];
	snprintf(more, sizeof more, "%.16s%s", vectors[0].cookie, vectors[0].cookie);
	is_int(dec(DEFAULT_SECRET, more, key, sizeof key), 0, "an extra \"!\" block decodes");
	is_str(key, vectors[0].key, "to the same key");
}

static void test_round_trips(void)
{
	char out[COOKIE_MAX_HEX + 1], key[SESSION_KEY_MAX + 1], want[256];
	static const char hexd[] = "0123456789abcdef";

	for (size_t len = 1; len <= 200; len += 7) {
		for (size_t i = 0; i < len; i++)
			want[i] = hexd[(i * 7 + len) % 16];
		want[len] = '\0';
		int ok_ = enc("s3cr3t", 6, want, out, sizeof out) == 0 &&
		          strlen(out) == 2 * (len + 8 - len % 8) &&
		          dec("s3cr3t", out, key, sizeof key) == 0 && strcmp(key, want) == 0;
		ok(ok_, "round trip");
	}
	/* the 56-byte maximum and a 1-byte secret both work */
	const char *s56 = "0123456789012345678901234567890123456789012345678901234X";
	ok(enc(s56, 56, "abc", out, sizeof out) == 0 && dec(s56, out, key, sizeof key) == 0 &&
	   strcmp(key, "abc") == 0, "56-byte secret round trip");
	ok(enc("k", 1, "abc", out, sizeof out) == 0 && dec("k", out, key, sizeof key) == 0,
	   "1-byte secret round trip");
	/* Blowfish repeats the key: abcd and abcdabcd are the same cipher */
	char out2[COOKIE_MAX_HEX + 1];
	enc("abcd", 4, "ff", out, sizeof out);
	enc("abcdabcd", 8, "ff", out2, sizeof out2);
	is_str(out, out2, "key schedule repeats the secret as Galaxy's does");
	/* output buffer exactly big enough, and one byte short */
	is_int(enc("k", 1, "1234567", out, 17), 0, "exact output buffer");
	is_int(enc("k", 1, "1234567", out, 16), -1, "short output buffer refused");
	/* key buffer: "abc" needs 4 bytes */
	enc("k", 1, "abc", out, sizeof out);
	is_int(dec("k", out, key, 4), 0, "exact key buffer");
	is_int(dec("k", out, key, 3), -1, "short key buffer refused");
}

static void test_malformed(void)
{
	char key[SESSION_KEY_MAX + 1], big[4 * COOKIE_MAX_HEX + 1];
	const char *good = vectors[0].cookie;
	size_t glen = strlen(good);

	is_int(dec(DEFAULT_SECRET, "", key, sizeof key), -1, "empty refused");
	is_int(decn(DEFAULT_SECRET, 32, good, glen - 1, key, sizeof key), -1, "odd length refused");
	is_int(decn(DEFAULT_SECRET, 32, good, glen - 2, key, sizeof key), -1,
	       "byte length not a multiple of 8 refused");
	is_int(decn(DEFAULT_SECRET, 32, good, 16, key, sizeof key), -1,
	       "only the padding block (empty key) refused");
	is_int(dec(DEFAULT_SECRET, "f2db41e1fa331b3g", key, sizeof key), -1, "non-hex refused");
	is_int(dec(DEFAULT_SECRET, "f2db41e1fa331b 3", key, sizeof key), -1, "space refused");
	is_int(dec(DEFAULT_SECRET, "+2db41e1fa331b3e", key, sizeof key), -1, "sign refused");
	is_int(dec("changethis", good, key, sizeof key), -1, "cookie of another id_secret refused");
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	is_int(dec(DEFAULT_SECRET, big, key, sizeof key), -1, "huge value refused");
	is_int(decn(DEFAULT_SECRET, 32, big, COOKIE_MAX_HEX + 16, key, sizeof key), -1,
	       "just over COOKIE_MAX_HEX refused");
	/* value need not be NUL-terminated: decode a prefix of a longer buffer */
	char buf[200];
	memcpy(buf, good, glen);
	memset(buf + glen, 'z', sizeof buf - glen);
	is_int(decn(DEFAULT_SECRET, 32, buf, glen, key, sizeof key), 0, "unterminated value");
	/* a decrypted block with bytes that are not hex is refused */
	is_int(dec(DEFAULT_SECRET, "0000000000000000", key, sizeof key), -1,
	       "random block (not hex after decrypting) refused");
}

static void test_secrets(void)
{
	char out[64], key[64];
	const char *s57 = "0123456789012345678901234567890123456789012345678901234XY";
	char u54[64] = "", u57[64] = "";

	ok(!cookie_secret_ok("", 0), "empty secret refused");
	ok(!cookie_secret_ok(NULL, 5), "NULL secret refused");
	ok(cookie_secret_ok("k", 1), "1-byte secret accepted");
	ok(!cookie_secret_ok(s57, 57), "57-byte secret refused");
	ok(!cookie_cipher_new(s57, 57) && !cookie_cipher_new("", 0), "no cipher for a refused secret");
	is_int(cookie_decode(NULL, "f2db41e1fa331b3e", 16, key, sizeof key), -1, "no cipher, no key");
	is_int(enc(s57, 57, "1", out, sizeof out), -1, "encode with 57-byte secret refused");
	is_int(decn(s57, 57, "f2db41e1fa331b3e", 16, key, sizeof key), -1,
	       "decode with 57-byte secret refused");
	is_int(enc("", 0, "1", out, sizeof out), -1, "encode with empty secret refused");
	for (int i = 0; i < 18; i++)
		strcat(u54, "\xe2\x97\x8e");   /* U+25CE, 3 bytes in UTF-8 */
	strcpy(u57, u54);
	strcat(u57, "\xe2\x97\x8e");
	ok(cookie_secret_ok(u54, strlen(u54)), "18 x U+25CE (54 bytes) accepted");
	ok(!cookie_secret_ok(u57, strlen(u57)), "19 x U+25CE (57 bytes) refused");
}

int main(void)
{
	test_vectors();
	test_round_trips();
	test_malformed();
	test_secrets();
	return done_testing();
}
