/*
 * cookie.c - Galaxy's galaxysession cookie: hex(Blowfish-ECB(id_secret,
 * "!"*pad + session_key)), see cookie.h and GALAXY.md section 1.
 *
 * Uses OpenSSL's low-level Blowfish (BF_set_key / BF_ecb_encrypt): the key
 * schedule is made once per secret (struct cookie_cipher) and only read
 * afterwards, so threads share it without a lock, and no legacy EVP
 * provider has to be loaded. Those functions are deprecated in OpenSSL 3
 * but still built; the deprecation warning is silenced for this file only.
 */
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include <stdlib.h>
#include <string.h>
#include <openssl/blowfish.h>
#include <openssl/crypto.h>

#include "cookie.h"
#include "httpparse.h"

#define COOKIE_SECRET_MAX 56   /* 448 bits: Galaxy's MAXIMUM_ID_SECRET_LENGTH */
#define COOKIE_BLOCK 8

struct cookie_cipher {
	BF_KEY key;
};

int cookie_secret_ok(const char *secret, size_t len)
{
	return secret && len >= 1 && len <= COOKIE_SECRET_MAX;
}

struct cookie_cipher *cookie_cipher_new(const char *secret, size_t len)
{
	struct cookie_cipher *c;

	if (!cookie_secret_ok(secret, len) || !(c = malloc(sizeof *c)))
		return NULL;
	BF_set_key(&c->key, (int)len, (const unsigned char *)secret);
	return c;
}

void cookie_cipher_free(struct cookie_cipher *c)
{
	if (!c)
		return;
	OPENSSL_cleanse(c, sizeof *c);
	free(c);
}

/* Runs Blowfish-ECB over buf (len, a multiple of 8) in place. */
static void cookie_ecb(const struct cookie_cipher *c, unsigned char *buf, size_t len, int enc)
{
	for (size_t i = 0; i < len; i += COOKIE_BLOCK)
		BF_ecb_encrypt(buf + i, buf + i, &c->key, enc);
}

int cookie_decode(const struct cookie_cipher *c, const char *value, size_t len,
                  char *key, size_t keylen)
{
	unsigned char buf[COOKIE_MAX_HEX / 2];
	size_t n = len / 2, start = 0;

	if (!c || !value || !key || keylen == 0)
		return -1;
	if (len == 0 || len > COOKIE_MAX_HEX || len % 2 || n % COOKIE_BLOCK)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int hi = http_hexval(value[2 * i]), lo = http_hexval(value[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		buf[i] = (unsigned char)(hi << 4 | lo);
	}
	cookie_ecb(c, buf, n, BF_DECRYPT);
	while (start < n && buf[start] == '!')
		start++;
	if (start == n || n - start >= keylen)
		return -1;
	for (size_t i = start; i < n; i++)
		if (http_hexval((char)buf[i]) < 0)
			return -1;
	memcpy(key, buf + start, n - start);
	key[n - start] = '\0';
	return 0;
}

int cookie_encode(const struct cookie_cipher *c, const char *key, char *out, size_t outlen)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char buf[COOKIE_MAX_HEX / 2];
	size_t klen, pad, n;

	if (!c || !key || !out)
		return -1;
	klen = strlen(key);
	pad = COOKIE_BLOCK - klen % COOKIE_BLOCK;   /* always 1..8, as Galaxy */
	n = klen + pad;
	if (n > sizeof buf || outlen < 2 * n + 1)
		return -1;
	memset(buf, '!', pad);
	memcpy(buf + pad, key, klen);
	cookie_ecb(c, buf, n, BF_ENCRYPT);
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[buf[i] >> 4];
		out[2 * i + 1] = hex[buf[i] & 15];
	}
	out[2 * n] = '\0';
	return 0;
}
