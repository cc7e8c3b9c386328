/*
 * dburl.h - parse Galaxy's database_connection (an SQLAlchemy URL) into what
 * libpq or SQLite needs.
 *
 * Accepted: postgresql://, postgres://, postgresql+<driver>:// with user,
 * password, host, port, database and a "host=/socket/dir" query parameter;
 * sqlite:///relative and sqlite:////absolute, query string ignored
 * (e.g. ?isolation_level=IMMEDIATE). Anything else (mysql, ...) is refused.
 */
#ifndef GC_DBURL_H
#define GC_DBURL_H

#include <stddef.h>

enum dburl_kind { DBURL_SQLITE, DBURL_POSTGRESQL };

struct dburl {
	enum dburl_kind kind;
	char *sqlite_path;     /* DBURL_SQLITE: file path, relative paths resolved
	                          against base_dir given to dburl_parse */
	char *pg_conninfo;     /* DBURL_POSTGRESQL: a libpq conninfo string
	                          ("host=... port=... dbname=... user=... password=..."),
	                          values quoted for libpq */
};

/* Parses url. Relative SQLite paths are taken relative to base_dir (Galaxy's
 * root, or the current directory when NULL). Returns 0 and fills out (free
 * with dburl_free), or -1 with a message in err that quotes the scheme but
 * never a password. */
int dburl_parse(const char *url, const char *base_dir, struct dburl *out,
                char *err, size_t errlen);

void dburl_free(struct dburl *u);

#endif
