/*
 * galaxyid.h - Galaxy's encoded object ids, the ids in every link a user
 * copies: hex(Blowfish-ECB(id_secret, "!"*pad + decimal id)), the pad 1 to
 * 8 bytes making a whole number of 8-byte blocks (Galaxy's
 * IdEncodingHelper.encode_id with no kind: one cipher for histories,
 * datasets, jobs and workflows alike, so the link's path says what an id
 * names).
 *
 * Decoding is stricter than Galaxy's decode_id (which strips any number
 * of '!' and takes whatever int() takes): only the one encoding Galaxy
 * itself makes of an id is accepted (either case of hex), so no two
 * strings name one object and nothing but a real encoding reaches the
 * database. Pure (no globals); fuzzed (fuzz/fuzz_galaxyid.c).
 */
#ifndef GC_GALAXYID_H
#define GC_GALAXYID_H

#include <stddef.h>

struct cookie_cipher;

#define GALAXYID_MAX_DIGITS 15   /* ids up to 10^15 - 1, far above Galaxy's INTEGER keys */
#define GALAXYID_MAX_HEX 32      /* their encodings: 16 hex for ids < 10^7, else 32 */

/* Encodes id (1 to 10^15 - 1) into out (at least GALAXYID_MAX_HEX + 1
 * bytes) with id_secret's cipher c (cookie.h). 0, or -1 for an id out of
 * range or no cipher. */
int galaxyid_encode(const struct cookie_cipher *c, long long id, char out[GALAXYID_MAX_HEX + 1]);

/* Decodes hex (len bytes, not necessarily NUL-terminated) with c into *id.
 * 0, or -1 unless hex is exactly encode(id) for some id in range, up to
 * the case of its letters: empty, too long, odd, not hex, not a whole
 * block, not decimal once decrypted, leading zeros, extra '!' blocks. */
int galaxyid_decode(const struct cookie_cipher *c, const char *hex, size_t len, long long *id);

#endif
