/*
 * galaxydb_impl.h - what galaxydb.c shares with its two backends
 * (galaxydb_pg.c, galaxydb_sqlite.c). Not for other modules.
 *
 * A backend runs the dialect's SQL; galaxydb.c owns everything the two
 * have in common: turning a row into a struct user and session_duration.
 */
#ifndef GC_GALAXYDB_IMPL_H
#define GC_GALAXYDB_IMPL_H

#include "galaxydb.h"

struct galaxydb_backend {
	/* Makes the backend's state for url; does not connect. NULL on ENOMEM. */
	void *(*open)(const struct dburl *url);
	/* Runs the lookup for key and, for the row found, calls galaxydb_row()
	 * before freeing the result. */
	enum galaxydb_result (*lookup)(void *st, const struct galaxydb *db, const char *key,
	                               struct user *user, char *err, size_t errlen);
	int (*count_users)(void *st, long long *count, char *err, size_t errlen);
	void (*close)(void *st);
};

extern const struct galaxydb_backend galaxydb_pg_backend;
extern const struct galaxydb_backend galaxydb_sqlite_backend;

/* Judges one row of the lookup (user id, username or NULL, email,
 * last_action as seconds since 1970 of its naive timestamp, or NULL) and
 * fills user. Returns GALAXYDB_FOUND, GALAXYDB_NOT_FOUND (expired), or
 * GALAXYDB_ERROR with err (an email too long for struct user). */
enum galaxydb_result galaxydb_row(const struct galaxydb *db, long long id,
                                  const char *username, const char *email,
                                  const char *last_action, struct user *user,
                                  char *err, size_t errlen);

#endif
