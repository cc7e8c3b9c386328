/*
 * test_galaxyid.c - Galaxy's encoded ids: GALAXY-OBJECTS.md 4's vectors
 * (checked against pycryptodome), round trips, and every string that is
 * not the one encoding Galaxy makes of an id.
 */
#include <string.h>

#include "cookie.h"
#include "galaxyid.h"
#include "tap.h"

#define DEFAULT_SECRET "USING THE DEFAULT IS NOT SECURE!"
#define OTHER_SECRET "0123456789abcdef"

static const struct { const char *secret; long long id; const char *hex; } vectors[] = {
	{ DEFAULT_SECRET, 1, "f2db41e1fa331b3e" },
	{ DEFAULT_SECRET, 2, "f597429621d6eb2b" },
	{ DEFAULT_SECRET, 3, "1cd8e2f6b131e891" },
	{ DEFAULT_SECRET, 42, "f7bb1edd6b95db62" },
	{ DEFAULT_SECRET, 1234567, "61b95be668296305" },
	{ DEFAULT_SECRET, 12345678, "c6ca0ddb55be603a76ca7b1c3af82659" },
	{ DEFAULT_SECRET, 999999999999999LL, "1b8cc022a6c2ee43bf859bd9c8b91582" },
	{ OTHER_SECRET, 1, "53e9535bc21f3cf1" },
	{ OTHER_SECRET, 42, "86aea0945916ebeb" },
	{ OTHER_SECRET, 12345678, "cb8c80c61f932872988f43f55aa48749" },
};

/* The cipher of secret, made once per secret of the tests (never freed:
 * a test process). */
static const struct cookie_cipher *cipher(const char *secret)
{
	static struct { const char *secret; struct cookie_cipher *c; } made[4];

	for (size_t i = 0; i < sizeof made / sizeof *made; i++) {
		if (!made[i].secret) {
			made[i].secret = secret;
			made[i].c = cookie_cipher_new(secret, strlen(secret));
		}
		if (strcmp(made[i].secret, secret) == 0)
			return made[i].c;
	}
	return NULL;
}

static int dec(const char *secret, const char *hex, long long *id)
{
	return galaxyid_decode(cipher(secret), hex, strlen(hex), id);
}

static int enc(const char *secret, long long id, char out[GALAXYID_MAX_HEX + 1])
{
	return galaxyid_encode(cipher(secret), id, out);
}

static void test_vectors(void)
{
	char out[GALAXYID_MAX_HEX + 1];
	long long id;

	for (size_t i = 0; i < sizeof vectors / sizeof *vectors; i++) {
		const char *s = vectors[i].secret;
		is_int(enc(s, vectors[i].id, out), 0, "encode vector");
		is_str(out, vectors[i].hex, "encoding matches Galaxy's encode_id");
		id = 0;
		is_int(dec(s, vectors[i].hex, &id), 0, "decode vector");
		is_int(id, vectors[i].id, "decodes to the id");
	}
	is_int(dec(DEFAULT_SECRET, "F2DB41E1FA331B3E", &id), 0, "upper-case hex decodes, as in Galaxy");
	is_int(id, 1, "to the same id");
	is_int(dec(DEFAULT_SECRET, "F2db41e1fa331B3e", &id), 0, "mixed case too");
	is_int(dec(OTHER_SECRET, "f2db41e1fa331b3e", &id), -1, "another site's secret: refused");
}

static void test_round_trips(void)
{
	char out[GALAXYID_MAX_HEX + 1];
	long long id, n = 0, bad = 0;

	for (long long v = 1; v < 999999999999999LL; v = v * 3 + 1) {
		id = 0;
		n++;
		if (enc(DEFAULT_SECRET, v, out) < 0 ||
		    strlen(out) != (v < 10000000 ? 16u : 32u) || dec(DEFAULT_SECRET, out, &id) < 0 ||
		    id != v)
			bad++;
	}
	ok(n > 25 && bad == 0, "ids from 1 to 10^15 round-trip, 16 hex below 10^7, else 32");
}

/* hex of "!"-padded text as cookie.c encodes any text (no check of it). */
static const char *raw(const char *text)
{
	static char out[COOKIE_MAX_HEX + 1];

	return cookie_encode(cipher(DEFAULT_SECRET), text, out, sizeof out) == 0 ? out : "";
}

static void test_refused(void)
{
	static const char *const bad[] = {
		"", "f2db41e1fa331b3", "f2db41e1fa331b3e0", "f2db41e1fa331b", "g2db41e1fa331b3e",
		"f2db41e1 fa331b3", "f2db41e1fa331b3e\n", "-2db41e1fa331b3e", "0000000000000000",
		"f2db41e1fa331b3ef2db41e1fa331b3e",   /* two blocks: not a decimal id */
	};
	long long id = 77;
	char out[GALAXYID_MAX_HEX + 1];

	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		ok(dec(DEFAULT_SECRET, bad[i], &id) == -1, bad[i][0] ? bad[i] : "(empty)");
	ok(dec(DEFAULT_SECRET, raw("0042"), &id) == -1, "leading zeros (int() would take them)");
	ok(dec(DEFAULT_SECRET, raw("0"), &id) == -1, "id 0");
	ok(dec(DEFAULT_SECRET, raw("-42"), &id) == -1, "a sign");
	ok(dec(DEFAULT_SECRET, raw(" 42"), &id) == -1, "white space");
	ok(dec(DEFAULT_SECRET, raw("4a"), &id) == -1, "hex letters once decrypted");
	ok(dec(DEFAULT_SECRET, raw("0123456789abcdef0123456789abcdef"), &id) == -1,
	   "a session key is not an id");
	ok(dec(DEFAULT_SECRET, raw("!!!!!!!!1"), &id) == -1,
	   "an extra block of '!' (Galaxy's lstrip would take it)");
	ok(strlen(raw("1000000000000000")) == 48 &&
	   dec(DEFAULT_SECRET, raw("1000000000000000"), &id) == -1, "16 digits: over-long, refused");
	ok(dec(DEFAULT_SECRET, raw("99999999999999999999999"), &id) == -1, "23 digits");
	ok(dec(DEFAULT_SECRET, "f2db41e1fa331b3ef2db41e1fa331b3ef2db41e1fa331b3e", &id) == -1,
	   "48 hex digits");
	is_int(id, 77, "nothing refused touched *id");
	ok(enc(DEFAULT_SECRET, 0, out) == -1, "encode 0: refused");
	ok(enc(DEFAULT_SECRET, 1000000000000000LL, out) == -1, "encode 10^15: refused");
	ok(galaxyid_encode(NULL, 1, out) == -1, "encode without a cipher: refused");
	ok(galaxyid_decode(NULL, "f2db41e1fa331b3e", 16, &id) == -1, "decode without one: refused");
	ok(galaxyid_decode(cipher(DEFAULT_SECRET), "f2db41e1fa331b3e", 8, &id) == -1,
	   "len counts, not the NUL");
}

int main(void)
{
	test_vectors();
	test_round_trips();
	test_refused();
	return done_testing();
}
