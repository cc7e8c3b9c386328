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

/* 1 when secret (len bytes) is a key Galaxy accepts: 1 to 56 bytes. */
int cookie_secret_ok(const char *secret, size_t len);

/* Decodes the cookie value (hex, len chars, not necessarily NUL-terminated)
 * with secret into key (keylen bytes, NUL-terminated on success).
 * Returns 0, or -1 for anything malformed: empty, odd length, non-hex,
 * a byte length that is not a multiple of 8, longer than COOKIE_MAX_HEX,
 * a bad secret, a decrypted key that is empty, not hex, or does not fit. */
int cookie_decode(const char *secret, size_t secretlen, const char *value,
                  size_t len, char *key, size_t keylen);

/* Encodes key the way Galaxy's encode_guid does, into out (outlen bytes,
 * NUL-terminated). Returns 0 or -1 if it does not fit or the secret is bad.
 * Used by the demo helper and tests. */
int cookie_encode(const char *secret, size_t secretlen, const char *key,
                  char *out, size_t outlen);

#endif
