/*
 * auth.c - Cookie header or X-API-Key to Galaxy user, with a bounded cache
 * and a bounded pool of Galaxy database handles. See auth.h.
 *
 * The cookie: the last "galaxysession" of the header is used, the one
 * Galaxy uses: Galaxy's Request.cookies is Paste's get_cookies(), a Python
 * SimpleCookie (lib/galaxy/web/framework/base.py), and WebOb's own
 * request.cookies is a dict built in header order (RequestCookies._cache
 * in webob/cookies.py); in both a later pair replaces an earlier one.
 * Browsers send the cookie of the most specific path first (RFC 6265 5.4),
 * so with galaxysession set at two paths the first is not Galaxy's session.
 * Surrounding white space and double quotes around the value are removed
 * (http_cookie_get).
 *
 * API keys: the X-API-Key header, never a query parameter (Galaxy also
 * reads ?key=, which lands in web server logs). Galaxy makes a key with
 * get_new_guid() (lib/galaxy/security/idencoding.py): 16 random bytes in
 * lowercase hex, 32 characters, stored as api_keys.key, a
 * TrimmedString(32); anything else is refused before the cache and the
 * database, a key sent twice too (nginx passes both header lines, Apache
 * joins them with ", ": neither is a key). Galaxy's bootstrap_admin_api_key
 * (and its older name, master_api_key) is no user's: by_api_key
 * (lib/galaxy/managers/users.py) checks it before the table, and we
 * refuse it, compared in constant time (SHA-256 of both, CRYPTO_memcmp).
 * A key is otherwise only ever compared by Galaxy's database, through the
 * unique index on api_keys.key, and by the cache, through its digest.
 *
 * The cache (authcache.h, shared by the processes of the host): answers
 * are kept per session key (by the SHA-256 of the decoded key, exactly as
 * it is looked up) and per API key (likewise), each digest taken after a
 * prefix naming its kind (AUTH_DOMAIN_*), so a session key and an API key
 * of the same text are two entries, and after the settings the answer
 * depends on (Galaxy's database, session_duration, use_remote_user,
 * avatars), so that processes restarted with others do not take answers
 * made under the old ones (a user without the gravatar hash just turned
 * on, one let in by use_remote_user just turned off). An answer is kept
 * for cfg->auth_cache_seconds, positive ones and "no such session" alike, so a flood of replayed dead cookies
 * or keys costs one query per key per window. Not per cookie text: Galaxy decodes upper-case hex and
 * strips any number of leading '!', so one session has many cookie values
 * (extra "!" blocks in front, hex case), and keyed by them one cookie could
 * fill the cache with copies of itself and push everyone else's answers
 * out. The key is not lower-cased: Galaxy compares it exactly, and a key
 * that differs from a session's only in case is not that session.
 * Database errors are never cached. admin is not cached: it is computed
 * from cfg. A value that does not decode is refused before the cache.
 *
 * The pool: AUTH_POOL_SIZE handles, each used by one thread at a time; a
 * thread waits at most AUTH_POOL_WAIT_SECONDS for one, and holds it only
 * for the query.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "auth.h"
#include "authcache.h"
#include "cardcache.h"
#include "cfg.h"
#include "cookie.h"
#include "cookiewatch.h"
#include "dburl.h"
#include "galaxydb.h"
#include "galaxydb_cards.h"
#include "galaxyhelper.h"
#include "httpparse.h"
#include "log.h"
#include "metrics.h"
#include "monotime.h"

#define AUTH_COOKIE_NAME "galaxysession"
#define AUTH_POOL_SIZE 4
#define AUTH_POOL_WAIT_SECONDS 10
#define AUTH_KEY_LEN 32               /* Galaxy's API keys: see the top of the file */
#define AUTH_DOMAIN_SESSION "galaxysession\n"   /* cache id prefixes */
#define AUTH_DOMAIN_KEY "x-api-key\n"

/* A lookup in Galaxy's database: galaxydb_lookup or galaxydb_lookup_key. */
typedef enum galaxydb_result (*auth_lookup_fn)(struct galaxydb *db, const char *key,
                                               struct user *user, char *err, size_t errlen);

struct auth {
	const struct cfg *cfg;
	struct cookie_cipher *cipher;   /* id_secret's key schedule, made once */
	struct dburl url;             /* Galaxy's database, unless the helper asks it */
	struct galaxyhelper *helper;  /* not NULL: the pool's handles ask the helper */
	struct authcache *cache;
	struct cookiewatch *watch;    /* cookies that do not decode: id_secret wrong? */
	struct cardcache *cards;  /* object cards per reader */
	EVP_MD *sha256;           /* fetched once: an implicit fetch per digest
	                           * (EVP_sha256()) costs more than the digest */
	pthread_mutex_t lock;     /* guards busy */
	pthread_cond_t freed;     /* a pool handle was given back */
	struct galaxydb *pool[AUTH_POOL_SIZE];
	int busy[AUTH_POOL_SIZE];
	unsigned char answers[32];   /* SHA-256 of cfg_galaxy_answers(): part of each
	                              * cache id, so that answers cached under other
	                              * settings (before a restart) are not this process's */
	unsigned char bootstrap[CFG_BOOTSTRAP_KEYS][32];   /* SHA-256 of keys of no user */
	size_t n_bootstrap;
};

int auth_new(const struct cfg *cfg, enum auth_galaxy galaxy, struct auth **out, char *err,
             size_t errlen)
{
	struct auth *a;
	pthread_condattr_t ca;
	const char *secret = cfg->id_secret ? cfg->id_secret : GALAXY_DEFAULT_ID_SECRET;

	*out = NULL;
	if (!(a = calloc(1, sizeof *a))) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	a->cfg = cfg;
	if (!cookie_secret_ok(secret, strlen(secret))) {
		snprintf(err, errlen, "id_secret: must be 1 to 56 bytes long, as in Galaxy (it is %zu)",
		         strlen(secret));
		free(a);
		return -1;
	}
	if (galaxy != AUTH_GALAXY_DIRECT &&
	    !(a->helper = galaxyhelper_new(cfg, galaxy == AUTH_GALAXY_HELPER_CGI, err, errlen)))
		log_warning("%s: this process asks Galaxy's database itself", err);
	/* with a helper, Galaxy's URL is the helper's to read (libpq's keywords) */
	if (!a->helper && dburl_parse(cfg_galaxy_database(cfg), cfg->galaxy_root, &a->url, err,
	                              errlen) < 0) {
		free(a);
		return -1;
	}
	pthread_mutex_init(&a->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&a->freed, &ca);
	pthread_condattr_destroy(&ca);
	char why[512];
	if (!(a->cipher = cookie_cipher_new(secret, strlen(secret))) ||
	    !(a->cache = authcache_open(cfg, why, sizeof why)) ||
	    !(a->cards = cardcache_new(cfg->auth_cache_seconds)) ||
	    !(a->sha256 = EVP_MD_fetch(NULL, "SHA2-256", NULL))) {
		snprintf(err, errlen, a->cache ? "OpenSSL has no SHA-256" : "out of memory");
		auth_free(a);
		return -1;
	}
	if (why[0])
		log_warning("auth cache: %s; this process keeps its own", why);
	char *answers = cfg_galaxy_answers(cfg);
	int digested = answers && EVP_Digest(answers, strlen(answers), a->answers, NULL, a->sha256, NULL);
	free(answers);
	if (!digested) {
		snprintf(err, errlen, answers ? "SHA-256 failed" : "out of memory");
		auth_free(a);
		return -1;
	}
	if (!(a->watch = cookiewatch_open(cfg))) {
		snprintf(err, errlen, "out of memory");
		auth_free(a);
		return -1;
	}
	for (size_t i = 0; i < CFG_BOOTSTRAP_KEYS; i++) {
		const char *k = cfg->bootstrap_api_keys[i];
		if (k && !EVP_Digest(k, strlen(k), a->bootstrap[a->n_bootstrap++], NULL, a->sha256, NULL)) {
			snprintf(err, errlen, "SHA-256 failed");
			auth_free(a);
			return -1;
		}
	}
	for (int i = 0; i < AUTH_POOL_SIZE; i++) {
		int gravatar = cfg->avatars == CFG_AVATARS_GRAVATAR;
		if (!(a->pool[i] = a->helper
		                   ? galaxydb_new_helper(a->helper, cfg_galaxy_database(cfg), cfg->galaxy_root,
		                                         cfg->session_duration, cfg->use_remote_user, gravatar)
		                   : galaxydb_new(&a->url, cfg->session_duration, cfg->use_remote_user,
		                                  gravatar))) {
			snprintf(err, errlen, "out of memory");
			auth_free(a);
			return -1;
		}
	}
	*out = a;
	return 0;
}

void auth_free(struct auth *a)
{
	if (!a)
		return;
	for (int i = 0; i < AUTH_POOL_SIZE; i++)
		galaxydb_free(a->pool[i]);
	authcache_close(a->cache);
	cookie_cipher_free(a->cipher);
	cookiewatch_close(a->watch);
	cardcache_free(a->cards);
	EVP_MD_free(a->sha256);
	galaxyhelper_free(a->helper);
	dburl_free(&a->url);
	pthread_cond_destroy(&a->freed);
	pthread_mutex_destroy(&a->lock);
	free(a);
}

/* The index of a free pool handle, now marked busy, or -1 with err after
 * AUTH_POOL_WAIT_SECONDS. */
static int auth_pool_take(struct auth *a, char *err, size_t errlen)
{
	struct timespec deadline;
	int slot = -1, rc = 0;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += AUTH_POOL_WAIT_SECONDS;
	pthread_mutex_lock(&a->lock);
	while (rc != ETIMEDOUT) {
		for (int i = 0; i < AUTH_POOL_SIZE && slot < 0; i++)
			if (!a->busy[i])
				slot = i;
		if (slot >= 0) {
			a->busy[slot] = 1;
			break;
		}
		rc = pthread_cond_timedwait(&a->freed, &a->lock, &deadline);
	}
	pthread_mutex_unlock(&a->lock);
	if (slot < 0)
		snprintf(err, errlen, "all %d Galaxy database handles stayed busy for %d s",
		         AUTH_POOL_SIZE, AUTH_POOL_WAIT_SECONDS);
	return slot;
}

static void auth_pool_give(struct auth *a, int slot)
{
	pthread_mutex_lock(&a->lock);
	a->busy[slot] = 0;
	pthread_cond_signal(&a->freed);
	pthread_mutex_unlock(&a->lock);
}

/* A galaxydb answer as an auth one. */
static enum auth_result auth_of(enum galaxydb_result r)
{
	return r == GALAXYDB_FOUND ? AUTH_OK : r == GALAXYDB_NOT_FOUND ? AUTH_NO_SESSION
	                                                               : AUTH_UNAVAILABLE;
}

/* Asks Galaxy's database through a pool handle. */
static enum auth_result auth_ask(struct auth *a, auth_lookup_fn lookup, const char *key,
                                 struct user *user, char *err, size_t errlen)
{
	int slot = auth_pool_take(a, err, errlen);
	enum auth_result res;

	if (slot < 0)
		return AUTH_UNAVAILABLE;
	res = auth_of(lookup(a->pool[slot], key, user, err, errlen));
	auth_pool_give(a, slot);
	return res;
}

/* The answer about key, a session key or an API key (domain, one of
 * AUTH_DOMAIN_*, says which; lookup asks Galaxy about it, counted as
 * query in the metrics): cached, else, if may_ask, Galaxy's, then cached. AUTH_OK with user, AUTH_NO_SESSION
 * (Galaxy lets no user in by key), AUTH_UNAVAILABLE with err, or
 * AUTH_NOT_CACHED. *fresh_ms: how long more the answer is the cache's. */
static enum auth_result auth_answer(struct auth *a, const char *domain, auth_lookup_fn lookup,
                                    enum metrics_counter query, const char *key, int may_ask,
                                    struct user *user, long long *fresh_ms, char *err, size_t errlen)
{
	char text[sizeof AUTH_DOMAIN_SESSION + sizeof a->answers + SESSION_KEY_MAX];
	size_t dn = strlen(domain), kn = strlen(key);
	unsigned char id[32];
	enum auth_result res;

	*fresh_ms = 0;
	if (dn + sizeof a->answers + kn > sizeof text) {
		snprintf(err, errlen, "SHA-256 failed");
		return AUTH_UNAVAILABLE;
	}
	memcpy(text, domain, dn);
	memcpy(text + dn, a->answers, sizeof a->answers);
	memcpy(text + dn + sizeof a->answers, key, kn);
	if (!EVP_Digest(text, dn + sizeof a->answers + kn, id, NULL, a->sha256, NULL)) {
		snprintf(err, errlen, "SHA-256 failed");
		return AUTH_UNAVAILABLE;
	}
	if (authcache_get(a->cache, id, &res, user, fresh_ms)) {
		metrics_count(METRICS_AUTH_CACHE_HIT);
		return res;
	}
	if (!may_ask) {
		snprintf(err, errlen, "not cached");
		return AUTH_NOT_CACHED;
	}
	metrics_count(METRICS_AUTH_CACHE_MISS);
	metrics_count(query);
	res = auth_ask(a, lookup, key, user, err, errlen);
	if (res != AUTH_UNAVAILABLE)
		authcache_put(a->cache, id, res, user);
	*fresh_ms = (long long)a->cfg->auth_cache_seconds * 1000;
	return res;
}

/* The user of the galaxysession cookie in cookie_header (may be NULL). */
static enum auth_result auth_session(struct auth *a, const char *cookie_header, int may_ask,
                                     struct user *user, long long *fresh_ms, char *err, size_t errlen)
{
	const char *value;
	size_t len;
	char key[SESSION_KEY_MAX + 1];
	enum auth_result res;

	if (!http_cookie_get(cookie_header, AUTH_COOKIE_NAME, &value, &len)) {
		snprintf(err, errlen, "no %s cookie", AUTH_COOKIE_NAME);
		return AUTH_NO_COOKIE;
	}
	if (len == 0 || len > COOKIE_MAX_HEX) {
		snprintf(err, errlen, "%s cookie: %s", AUTH_COOKIE_NAME, len ? "too long" : "empty");
		return AUTH_BAD_COOKIE;
	}
	if (cookie_decode(a->cipher, value, len, key, sizeof key) < 0) {
		cookiewatch_note(a->watch, 0);
		snprintf(err, errlen, "%s cookie does not decode with id_secret", AUTH_COOKIE_NAME);
		return AUTH_BAD_COOKIE;
	}
	cookiewatch_note(a->watch, 1);
	res = auth_answer(a, AUTH_DOMAIN_SESSION, galaxydb_lookup, METRICS_GALAXY_SESSION, key, may_ask, user, fresh_ms, err, errlen);
	if (res == AUTH_NO_SESSION)
		snprintf(err, errlen, "no logged-in Galaxy session for this cookie");
	return res;
}

/* Whether key is one of Galaxy's keys of no user (bootstrap_admin_api_key),
 * compared in constant time. */
static int auth_is_bootstrap(struct auth *a, const char *key)
{
	unsigned char id[32];
	int found = 0;

	if (!a->n_bootstrap || !EVP_Digest(key, strlen(key), id, NULL, a->sha256, NULL))
		return a->n_bootstrap > 0;   /* no digest: refused, to be safe */
	for (size_t i = 0; i < a->n_bootstrap; i++)
		found |= CRYPTO_memcmp(id, a->bootstrap[i], sizeof id) == 0;
	return found;
}

int auth_key_form(const char *key)
{
	return strspn(key, "0123456789abcdef") == AUTH_KEY_LEN && key[AUTH_KEY_LEN] == '\0';
}

/* The user of cr's API key (cr->api_key is set). */
static enum auth_result auth_api_key(struct auth *a, const struct auth_creds *cr, int may_ask,
                                     struct user *user, long long *fresh_ms, char *err, size_t errlen)
{
	const char *key = cr->api_key;
	enum auth_result res;

	if (cr->api_key_repeated) {
		snprintf(err, errlen, "X-API-Key: sent more than once");
		return AUTH_BAD_KEY;
	}
	if (!auth_key_form(key)) {
		snprintf(err, errlen, "X-API-Key: not %d lowercase hexadecimal digits", AUTH_KEY_LEN);
		return AUTH_BAD_KEY;
	}
	if (auth_is_bootstrap(a, key)) {
		snprintf(err, errlen, "X-API-Key: Galaxy's bootstrap_admin_api_key, which is no user's");
		return AUTH_NO_KEY;
	}
	res = auth_answer(a, AUTH_DOMAIN_KEY, galaxydb_lookup_key, METRICS_GALAXY_API_KEY, key, may_ask, user, fresh_ms, err, errlen);
	if (res == AUTH_NO_SESSION) {
		snprintf(err, errlen, "X-API-Key: not the newest key of a user Galaxy lets in");
		res = AUTH_NO_KEY;
	}
	return res;
}

/* auth_check(), asking Galaxy's database on a cache miss only if may_ask. */
static enum auth_result auth_resolve(struct auth *a, const struct auth_creds *cr, int may_ask,
                                     struct user *user, long long *until_ms, char *err, size_t errlen)
{
	struct user by_cookie;
	const char *value;
	size_t len;
	enum auth_result res;
	long long asked = until_ms ? monotime_ms() : 0, fresh = 0, cookie_fresh = 0;

	memset(user, 0, sizeof *user);
	if (!cr->api_key)
		res = auth_session(a, cr->cookie, may_ask, user, &fresh, err, errlen);
	else if ((res = auth_api_key(a, cr, may_ask, user, &fresh, err, errlen)) == AUTH_OK &&
	         http_cookie_get(cr->cookie, AUTH_COOKIE_NAME, &value, &len)) {
		/* a cookie beside the key must be good too, and the same user's */
		res = auth_session(a, cr->cookie, may_ask, &by_cookie, &cookie_fresh, err, errlen);
		if (res == AUTH_OK && by_cookie.id != user->id) {
			snprintf(err, errlen, "the galaxysession cookie is user %lld's, X-API-Key user %lld's",
			         by_cookie.id, user->id);
			res = AUTH_TWO_USERS;
		}
		if (cookie_fresh < fresh)
			fresh = cookie_fresh;
	}
	if (res == AUTH_OK)
		user->admin = cfg_is_admin(a->cfg, user->email);
	if (until_ms)
		*until_ms = asked + (res == AUTH_OK ? fresh : 0);
	return res;
}

enum auth_result auth_check(struct auth *a, const struct auth_creds *cr,
                            struct user *user, long long *until_ms, char *err, size_t errlen)
{
	return auth_resolve(a, cr, 1, user, until_ms, err, errlen);
}

enum auth_result auth_check_cached(struct auth *a, const struct auth_creds *cr,
                                   struct user *user, long long *until_ms, char *err, size_t errlen)
{
	return auth_resolve(a, cr, 0, user, until_ms, err, errlen);
}

int auth_by_key_alone(const struct auth_creds *cr)
{
	const char *value;
	size_t len;

	return cr->api_key && !http_cookie_get(cr->cookie, AUTH_COOKIE_NAME, &value, &len);
}

enum auth_result auth_find_user(struct auth *a, const char *name, long long *id,
                                char *err, size_t errlen)
{
	int slot = auth_pool_take(a, err, errlen);
	enum auth_result res;

	if (slot < 0)
		return AUTH_UNAVAILABLE;
	metrics_count(METRICS_GALAXY_USER);
	res = auth_of(galaxydb_find(a->pool[slot], name, id, err, errlen));
	auth_pool_give(a, slot);
	return res;
}

enum auth_result auth_contact(struct auth *a, long long id, char email[USER_NAME_MAX],
                              char *err, size_t errlen)
{
	int slot = auth_pool_take(a, err, errlen);
	enum auth_result res;

	if (slot < 0)
		return AUTH_UNAVAILABLE;
	res = auth_of(galaxydb_contact(a->pool[slot], id, email, err, errlen));
	auth_pool_give(a, slot);
	return res;
}

int auth_count_users(struct auth *a, long long *count, char *err, size_t errlen)
{
	int slot = auth_pool_take(a, err, errlen), rc;

	if (slot < 0)
		return -1;
	metrics_count(METRICS_GALAXY_USERS);
	rc = galaxydb_count_users(a->pool[slot], count, err, errlen);
	auth_pool_give(a, slot);
	return rc;
}

const struct cookie_cipher *auth_cipher(const struct auth *a)
{
	return a->cipher;
}

enum auth_result auth_card(struct auth *a, const struct user *reader,
                           const struct galaxyurl_ref *ref, long long id, int *found,
                           struct galaxydb_card *card, char *err, size_t errlen)
{
	char key[CARDCACHE_KEY_MAX];
	int n = snprintf(key, sizeof key, "%lld\x1f%d\x1f%d\x1f%d\x1f%lld\x1f%s\x1f%s", reader->id,
	                 reader->admin, (int)ref->kind, (int)ref->by, id, ref->user, ref->slug);
	int cacheable = n > 0 && (size_t)n < sizeof key, slot;
	enum galaxydb_result r;

	if (cacheable && cardcache_get(a->cards, key, found, card))
		return AUTH_OK;
	if ((slot = auth_pool_take(a, err, errlen)) < 0)
		return AUTH_UNAVAILABLE;
	metrics_count(METRICS_GALAXY_CARD);
	r = galaxydb_card(a->pool[slot], ref->kind, ref->by, id, ref->user, ref->slug, reader->id,
	                  reader->admin, card, err, errlen);
	auth_pool_give(a, slot);
	if (r == GALAXYDB_ERROR)
		return AUTH_UNAVAILABLE;
	*found = r == GALAXYDB_FOUND;
	if (cacheable)
		cardcache_put(a->cards, key, *found, card);
	return AUTH_OK;
}
