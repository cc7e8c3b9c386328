/*
 * store_drivers.c - the drivers there are, and which one a `store =` value
 * names (store_drivers.h): SQLite (store_sqlite.c) for a file path or an
 * sqlite:/// URL, PostgreSQL (store_pg.c) for a postgresql:// URL. With
 * store_is_postgresql(), store_describe() and store_sqlite_file() of
 * store.h, which read the same values, and store_lean(), for every driver.
 */
#include <stdio.h>
#include <string.h>

#include "dburl.h"
#include "store_driver.h"
#include "store_drivers.h"

extern const struct store_driver store_sqlite_driver, store_pg_driver;

int store_is_postgresql(const char *where)
{
	return strncmp(where, "postgresql:", 11) == 0 || strncmp(where, "postgresql+", 11) == 0 ||
	       strncmp(where, "postgres:", 9) == 0;
}

void store_describe(const char *where, char *out, size_t outlen)
{
	const char *user = strstr(where, "://"), *end, *at, *colon;

	if (!store_is_postgresql(where) || !user) {
		snprintf(out, outlen, "%s", where);
		return;
	}
	user += 3;
	end = user + strcspn(user, "/?");
	at = memchr(user, '@', (size_t)(end - user));
	colon = at ? memchr(user, ':', (size_t)(at - user)) : NULL;
	if (colon)
		snprintf(out, outlen, "%.*s:***%s", (int)(colon - where), where, at);
	else
		snprintf(out, outlen, "%s", where);
}

int store_sqlite_file(const char *where, char *path, size_t pathlen, char *err, size_t errlen)
{
	struct dburl url;
	int n;

	if (store_is_postgresql(where)) {
		snprintf(err, errlen, "the store is a PostgreSQL database, not an SQLite file");
		return -1;
	}
	if (strncmp(where, "sqlite:", 7) != 0) {
		n = snprintf(path, pathlen, "%s", where);
	} else {
		if (dburl_parse(where, NULL, &url, err, errlen) < 0)
			return -1;
		n = snprintf(path, pathlen, "%s", url.sqlite_path);
		dburl_free(&url);
	}
	if (n < 0 || (size_t)n >= pathlen) {
		snprintf(err, errlen, "the store's path is too long");
		return -1;
	}
	return 0;
}

void store_lean(void)
{
	if (store_sqlite_driver.lean)
		store_sqlite_driver.lean();
	if (store_pg_driver.lean)
		store_pg_driver.lean();
}

int store_drivers_open(const char *where, struct store **out, char *err, size_t errlen)
{
	struct dburl url;
	int rc;

	*out = NULL;
	if (!store_is_postgresql(where) && strncmp(where, "sqlite:", 7) != 0)
		return store_sqlite_driver.open(where, out, err, errlen);
	if (dburl_parse(where, NULL, &url, err, errlen) < 0)
		return -1;
	if (url.kind == DBURL_SQLITE)
		rc = store_sqlite_driver.open(url.sqlite_path, out, err, errlen);
	else
		rc = store_pg_driver.open(url.pg_conninfo, out, err, errlen);
	dburl_free(&url);
	return rc;
}
