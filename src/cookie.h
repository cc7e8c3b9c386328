/*
 * cookie.h - decode Galaxy's galaxysession cookie into its session key.
 *
 * Galaxy stores hex(Blowfish-ECB(id_secret, "!"*pad + session_key)); see
 * ../shared/GALAXY.md section 1. Decoding is hex-decode, decrypt with the raw
 * id_secret bytes (OpenSSL Blowfish), strip every leading '!', and require
 * what is left to be non-empty hex.
 */
#ifndef GC_COOKIE_H
#define GC_COOKIE_H

#include <stddef.h>

#define COOKIE_MAX_HEX 512   /* longer cookie values are refused */
#define SESSION_KEY_MAX 255  /* galaxy_session.session_key is VARCHAR(255) */

struct cookie_cipher;

/* 1 when secret (len bytes) is a key Galaxy accepts: 1 to 56 bytes. */
int cookie_secret_ok(const char *secret, size_t len);

/* The Blowfish key schedule of secret (len bytes), worked out once: it
 * costs hundreds of block encryptions, more than decoding a cookie.
 * NULL when !cookie_secret_ok() or out of memory. Read-only afterwards:
 * any number of threads may use it at once. Caller frees with
 * cookie_cipher_free() (which wipes it). */
struct cookie_cipher *cookie_cipher_new(const char *secret, size_t len);
void cookie_cipher_free(struct cookie_cipher *c);

/* Decodes the cookie value (hex in either case, len chars, not necessarily
 * NUL-terminated) with c into key (keylen bytes, NUL-terminated on
 * success). Every leading '!' is stripped, as Galaxy's decode_guid does,
 * so many values decode to one key (extra "!" blocks in front, upper-case
 * hex): the key, not the value, names a session.
 * Returns 0, or -1 for anything malformed: empty, odd length, non-hex,
 * a byte length that is not a multiple of 8, longer than COOKIE_MAX_HEX,
 * a decrypted key that is empty, not hex, or does not fit. */
int cookie_decode(const struct cookie_cipher *c, const char *value, size_t len,
                  char *key, size_t keylen);

/* Encodes key the way Galaxy's encode_guid does, into out (outlen bytes,
 * NUL-terminated). Returns 0 or -1 if it does not fit. Used by tests. */
int cookie_encode(const struct cookie_cipher *c, const char *key, char *out, size_t outlen);

#endif
