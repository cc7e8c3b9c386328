/*
 * cardcache.h - Galaxy's answers about object cards (galaxydb_cards.h),
 * kept per reader for cfg->auth_cache_seconds, like the answers about
 * cookies (authcache.h), so a card shown to a room costs one query per
 * reader per window, and a reader who loses access to an object loses its
 * card within that bound.
 *
 * Private to the process (cards are asked for far less often than polls
 * run): a fixed set-associative table whose full sets drop their oldest
 * entry, one mutex. An entry is keyed by the whole question (reader,
 * admin, object) as a string, compared exactly; "no card" answers are
 * kept too, so both answers cost the same. Thread-safe.
 */
#ifndef GC_CARDCACHE_H
#define GC_CARDCACHE_H

#include "galaxydb_cards.h"

#define CARDCACHE_KEY_MAX 640   /* longer questions are not cached */

struct cardcache;

/* A cache whose answers live ttl_seconds (0: nothing is kept). NULL on
 * ENOMEM. Caller frees with cardcache_free(). */
struct cardcache *cardcache_new(int ttl_seconds);
void cardcache_free(struct cardcache *c);

/* 1 with the answer stored for key less than ttl_seconds ago (*found, and
 * card when found), else 0. */
int cardcache_get(struct cardcache *c, const char *key, int *found, struct galaxydb_card *card);

/* Stores the answer for key (card is read only when found). */
void cardcache_put(struct cardcache *c, const char *key, int found,
                   const struct galaxydb_card *card);

#endif
