/*
 * auth.h - turn a request's Cookie header, or its X-API-Key header, into
 * a Galaxy user.
 *
 * Decodes galaxysession (cookie.c) or takes the Galaxy API key, asks
 * Galaxy's database (galaxydb.c) and caches the answer per session or key
 * for at most cfg->auth_cache_seconds, so a logged-out cookie or a deleted
 * key stops working within that bound while thousands of polls a minute
 * cost at most one database query per session or key per window.
 * Thread-safe: a bounded pool of Galaxy database handles serves all threads,
 * and no handle is held while a poll waits.
 */
#ifndef GC_AUTH_H
#define GC_AUTH_H

#include <stddef.h>
#include "user.h"

struct cfg;
struct auth;

enum auth_result {
	AUTH_OK = 0,
	AUTH_NO_COOKIE,    /* neither a galaxysession cookie nor an X-API-Key */
	AUTH_BAD_COOKIE,   /* does not decode with id_secret */
	AUTH_NO_SESSION,   /* decodes, but Galaxy has no logged-in session for it */
	AUTH_UNAVAILABLE,  /* Galaxy's database could not be asked */
	AUTH_NOT_CACHED,   /* auth_check_cached() only: auth_check() must ask */
	AUTH_BAD_KEY,      /* X-API-Key is not of a Galaxy key's form, or came twice */
	AUTH_NO_KEY,       /* of that form, but not a key Galaxy accepts now */
	AUTH_TWO_USERS     /* the cookie's session and the key are different users' */
};

/* What a request authenticates with, as the web server passed it. */
struct auth_creds {
	const char *cookie;      /* the Cookie header; NULL: none */
	const char *api_key;     /* the X-API-Key header; NULL: none */
	int api_key_repeated;    /* X-API-Key came more than once */
};

/* An answer kept by whoever asked: a stream's about its own session
 * (dispatch.c), taken instead of asking again while it holds. */
struct auth_held {
	struct user user;
	long long until_ms;      /* auth_check()'s until_ms; 0: nothing kept */
};

/* Who asks Galaxy's database for this process. */
enum auth_galaxy {
	AUTH_GALAXY_DIRECT,     /* this process */
	AUTH_GALAXY_HELPER,     /* the host's helper (galaxyhelper.h) */
	AUTH_GALAXY_HELPER_CGI  /* likewise, from a CGI request */
};

/* Makes the authenticator for cfg (which must outlive it), asking Galaxy
 * as galaxy says (a helper whose socket cannot be: this process, with a
 * warning). Returns 0, or -1 with a message in err (bad
 * database_connection, bad id_secret). Caller frees with auth_free().
 * Does not connect yet. */
int auth_new(const struct cfg *cfg, enum auth_galaxy galaxy, struct auth **out, char *err,
             size_t errlen);
void auth_free(struct auth *a);

/* The user cr authenticates as. A galaxysession cookie or an API key
 * each names a user; with both, both must be good and the same user's
 * (else AUTH_TWO_USERS): neither is ever dropped for the other. On
 * AUTH_OK fills user, including admin from cfg->admin_users (compared as
 * Galaxy does), and, unless until_ms is NULL, *until_ms: the monotonic
 * time (monotime.h) until which the answer is the cache's, so that
 * checking again before then would answer the same (now when nothing is
 * cached, auth_cache_seconds 0). On other results err says why, for
 * logs; it is never shown to the client. */
enum auth_result auth_check(struct auth *a, const struct auth_creds *cr,
                            struct user *user, long long *until_ms, char *err, size_t errlen);

/* auth_check() from the cache alone, never waiting for Galaxy's database:
 * AUTH_NOT_CACHED when an answer is not cached (or no longer fresh). */
enum auth_result auth_check_cached(struct auth *a, const struct auth_creds *cr,
                                   struct user *user, long long *until_ms, char *err, size_t errlen);

/* 1 when key (an X-API-Key header) has the form of Galaxy's API keys, 32
 * lowercase hexadecimal digits: the only keys looked up. Pure. */
int auth_key_form(const char *key);

/* 1 when cr would authenticate by its API key alone: an X-API-Key header
 * and no galaxysession cookie, nothing a browser sends by itself. */
int auth_by_key_alone(const struct auth_creds *cr);

/* The Galaxy id of the user whose chat name is name (user.h), asking
 * Galaxy's database now (galaxydb_find: current usernames, only users
 * Galaxy lets log in; never cached, so a rename or a new holder of a name
 * counts at once). AUTH_OK with *id; AUTH_NO_SESSION when no such user;
 * AUTH_UNAVAILABLE with err. */
enum auth_result auth_find_user(struct auth *a, const char *name, long long *id,
                                char *err, size_t errlen);

/* The email address notify may write to for the Galaxy user id, asking
 * Galaxy's database now (galaxydb_contact: an account let in and active).
 * AUTH_OK with email; AUTH_NO_SESSION for an account deleted, purged,
 * inactive or gone; AUTH_UNAVAILABLE with err. */
enum auth_result auth_contact(struct auth *a, long long id, char email[USER_NAME_MAX],
                              char *err, size_t errlen);

/* Asks Galaxy's database how many users it can see. 0, or -1 with err. */
int auth_count_users(struct auth *a, long long *count, char *err, size_t errlen);

/* id_secret's cipher (cookie.h), for encoding and decoding object ids
 * (galaxyid.h): read-only, any thread. */
struct cookie_cipher;
const struct cookie_cipher *auth_cipher(const struct auth *a);

/* The card, for reader, of the object ref names (id: its id decoded), as
 * galaxydb_card() answers, through the pool and cached per reader for
 * cfg->auth_cache_seconds (cardcache.h: "no card" answers too, errors
 * never). AUTH_OK with *found (0: no such object, or the reader may not
 * see it) and card when found; AUTH_UNAVAILABLE with err. */
struct galaxyurl_ref;
struct galaxydb_card;
enum auth_result auth_card(struct auth *a, const struct user *reader,
                           const struct galaxyurl_ref *ref, long long id, int *found,
                           struct galaxydb_card *card, char *err, size_t errlen);

#endif
