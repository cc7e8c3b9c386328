/*
 * galaxydb.h - look a session key or an API key up in Galaxy's own
 * database, PostgreSQL (libpq) or SQLite (opened read-only), with prepared
 * statements only.
 *
 * One interface, two implementations (galaxydb_pg.c, galaxydb_sqlite.c).
 * A handle is one connection: not for concurrent use by several threads
 * (auth.c keeps a small pool), or a way to the host's helper process that
 * asks for the processes the web server starts (galaxyhelper.h).
 * Connections are made lazily and remade after a failure, so a database
 * that comes back is used again by itself.
 */
#ifndef GC_GALAXYDB_H
#define GC_GALAXYDB_H

#include <stddef.h>
#include "user.h"

struct dburl;
struct galaxydb;

enum galaxydb_result {
	GALAXYDB_FOUND = 0,     /* valid, logged-in session; user filled */
	GALAXYDB_NOT_FOUND = 1, /* no such key, not is_valid, anonymous, user
	                           deleted or purged, external without
	                           use_remote_user, or expired by session_duration */
	GALAXYDB_ERROR = -1,    /* could not ask: unreachable, query failed */
	GALAXYDB_HELPER_DOWN = -2   /* galaxyhelper.h's only: no helper, ask yourself */
};

/* Makes a handle for url (copied). session_duration is in minutes, 0 = off;
 * use_remote_user as Galaxy's (external users are let in only with it);
 * gravatar set (avatars = gravatar) fills the users' gravatar hashes,
 * otherwise they stay empty, so that nobody is handed a hash of anyone's
 * email address. Does not connect yet. Caller frees with galaxydb_free().
 * NULL on ENOMEM. */
struct galaxydb *galaxydb_new(const struct dburl *url, int session_duration,
                              int use_remote_user, int gravatar);
/* A handle that asks the host's helper process (galaxyhelper.h, which
 * must outlive it) instead, and, once no helper can be had, Galaxy's
 * database at url (relative SQLite paths from root, may be NULL) itself,
 * as galaxydb_new() does. NULL on ENOMEM. */
struct galaxyhelper;
struct galaxydb *galaxydb_new_helper(struct galaxyhelper *helper, const char *url,
                                     const char *root, int session_duration,
                                     int use_remote_user, int gravatar);
void galaxydb_free(struct galaxydb *db);

/* Looks up key. Fills user (id, username, email, gravatar as galaxydb_new
 * says; admin left 0)
 * on GALAXYDB_FOUND; on GALAXYDB_ERROR writes a message to err. */
enum galaxydb_result galaxydb_lookup(struct galaxydb *db, const char *key,
                                     struct user *user, char *err, size_t errlen);

/* Looks up the API key key (the X-API-Key header) by Galaxy's rule
 * (UserManager.by_api_key, lib/galaxy/managers/users.py): a row of
 * api_keys with that key, not deleted, that is its user's newest key not
 * deleted (User.api_keys in lib/galaxy/model/__init__.py: ordered by
 * create_time, newest first), and a user Galaxy lets in, judged as for a
 * session (deleted, purged, external without use_remote_user; no
 * session_duration: a key has no last_action). Results as
 * galaxydb_lookup(). A database without api_keys or its deleted column
 * (Galaxy before 23.0) is GALAXYDB_ERROR here and nowhere else. */
enum galaxydb_result galaxydb_lookup_key(struct galaxydb *db, const char *key,
                                         struct user *user, char *err, size_t errlen);

/* The Galaxy user whose chat name (user.h) is name, among those Galaxy
 * lets log in (as galaxydb_lookup judges them), by Galaxy's data as it is
 * now: a username is looked up as a username, a "user#<id>" handle as that
 * id (and names only a user without a username). *id on GALAXYDB_FOUND;
 * GALAXYDB_NOT_FOUND for any other name; on GALAXYDB_ERROR a message in
 * err. */
enum galaxydb_result galaxydb_find(struct galaxydb *db, const char *name, long long *id,
                                   char *err, size_t errlen);

/* The address notify may email the Galaxy user id at, into email: for an
 * account Galaxy lets in (as galaxydb_lookup judges it) that is also
 * active. GALAXYDB_NOT_FOUND for any other (deleted, purged, inactive,
 * none); on GALAXYDB_ERROR a message in err. */
enum galaxydb_result galaxydb_contact(struct galaxydb *db, long long id, char email[USER_NAME_MAX],
                                      char *err, size_t errlen);

/* Counts users that are neither deleted nor purged into *count.
 * Returns 0, or -1 with a message (used by health and `check`). */
int galaxydb_count_users(struct galaxydb *db, long long *count,
                         char *err, size_t errlen);

#endif
