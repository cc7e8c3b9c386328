/*
 * authcache.h - Galaxy's answers about session cookies and API keys,
 * kept for cfg->auth_cache_seconds and shared by every galaxy-chat process
 * of the host.
 *
 * Under mod_fcgid a user's polls reach one process after another; with a
 * cache per process Galaxy's database saw one lookup per user per process
 * per window (bench/README.md). The cache is a file mapped by every process
 * (shmap.h: "<store>-auth" beside a file store, else in /dev/shm), of this
 * user only and mode 0600, as an entry in it lets a cookie act for a user;
 * when that file cannot be used, the cache is private to the process.
 *
 * Entries are keyed by the SHA-256 of the session key a cookie decodes to,
 * or of the API key, each after a prefix naming its kind (auth.c; no
 * cookie and no key is stored), in a set-associative
 * table of fixed size whose full
 * sets drop their oldest entry. Readers take no lock: each entry has a
 * sequence number, odd while it is written, and a read that saw it change
 * is a miss. Writers take the process's mutex and the file's lock.
 */
#ifndef GC_AUTHCACHE_H
#define GC_AUTHCACHE_H

#include <stddef.h>

#include "auth.h"
#include "user.h"

struct cfg;
struct authcache;

/* The cache for cfg (which must outlive it). When the shared file cannot
 * be used, a private cache, and why in err (for a warning; err is "" when
 * the file is used). NULL only when out of memory. Caller frees with
 * authcache_close(). */
struct authcache *authcache_open(const struct cfg *cfg, char *err, size_t errlen);
void authcache_close(struct authcache *c);

/* 1 and the answer (AUTH_OK with user, or AUTH_NO_SESSION) stored for id
 * less than cfg->auth_cache_seconds ago, with in *left_ms (unless NULL)
 * how many milliseconds more it stays fresh; else 0. */
int authcache_get(struct authcache *c, const unsigned char id[32], enum auth_result *result,
                  struct user *user, long long *left_ms);

/* Stores the answer for id (over id's entry, an empty one, or the set's
 * oldest). Nothing when auth_cache_seconds is 0. */
void authcache_put(struct authcache *c, const unsigned char id[32], enum auth_result result,
                   const struct user *user);

#endif
