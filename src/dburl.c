/*
 * dburl.c - Galaxy's database_connection (an SQLAlchemy URL) to a libpq
 * conninfo string or an SQLite file path. See dburl.h.
 *
 * Parsing follows SQLAlchemy's URL grammar:
 *   scheme://[user[:password]@][host|[v6addr]][:port][/database][?query]
 * user, password and database are percent-decoded. In the query, "host" (a
 * socket directory) and any other libpq keyword (sslmode, ...) are passed
 * to libpq; SQLAlchemy-level options such as isolation_level are dropped.
 * Which keywords libpq knows is asked of libpq itself, loaded then
 * (pqlib.h), except for host, port, user, password and dbname. Messages
 * never quote the URL itself, only its scheme, so a password cannot reach
 * a log.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dburl.h"
#include "httpparse.h"
#include "pqlib.h"

/* A growing string; on ENOMEM ok drops to 0 and appends become no-ops. */
struct dburl_buf {
	char *s;
	size_t len, cap;
	int ok;
};

static void dburl_append(struct dburl_buf *b, const char *s, size_t n)
{
	if (!b->ok)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->len + n + 1) * 2;
		char *ns = realloc(b->s, cap);
		if (!ns) {
			b->ok = 0;
			return;
		}
		b->s = ns;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

/* Appends " keyword='value'" with \ and ' escaped, as libpq wants. */
static void dburl_add_param(struct dburl_buf *b, const char *kw, const char *v)
{
	if (b->len)
		dburl_append(b, " ", 1);
	dburl_append(b, kw, strlen(kw));
	dburl_append(b, "='", 2);
	for (; *v; v++) {
		if (*v == '\\' || *v == '\'')
			dburl_append(b, "\\", 1);
		dburl_append(b, v, 1);
	}
	dburl_append(b, "'", 1);
}

/* Percent-decodes s[0..n) into a new string (caller frees). NULL on a bad
 * escape, an escaped NUL, or ENOMEM; *oom says which. */
static char *dburl_unquote(const char *s, size_t n, int *oom)
{
	char *out = malloc(n + 1);

	*oom = !out;
	if (out && http_percent_decode(s, n, 0, out, n + 1) < 0) {
		free(out);
		return NULL;
	}
	return out;
}

/* 1 when kw is a connection keyword this libpq knows, 0 when not, -1 with
 * err when libpq cannot be loaded. The keywords the URL's own parts become
 * are known to every libpq, and are taken without loading it (pqlib.h):
 * a URL such as postgresql:///galaxy?host=/run/postgresql is parsed in a
 * process that may never connect. */
static int dburl_libpq_keyword(const char *kw, char *err, size_t errlen)
{
	static const char *const every_libpq[] = { "host", "port", "user", "password", "dbname" };
	PQconninfoOption *opts, *o;
	int found = 0;

	for (size_t i = 0; i < sizeof every_libpq / sizeof *every_libpq; i++)
		if (strcmp(every_libpq[i], kw) == 0)
			return 1;
	if (pqlib_load(err, errlen) < 0)
		return -1;
	opts = PQconndefaults();
	for (o = opts; o && o->keyword; o++)
		if (strcmp(o->keyword, kw) == 0)
			found = 1;
	PQconninfoFree(opts);
	return found;
}

/* Adds the part s[0..n) percent-decoded as keyword kw, unless empty.
 * Returns 0 or -1 with err (what names the part, never its value). */
static int dburl_add_decoded(struct dburl_buf *b, const char *kw, const char *s,
                             size_t n, const char *what, char *err, size_t errlen)
{
	int oom;
	char *v;

	if (n == 0)
		return 0;
	v = dburl_unquote(s, n, &oom);
	if (!v) {
		snprintf(err, errlen, "database_connection: %s", oom ? "out of memory" : what);
		return -1;
	}
	dburl_add_param(b, kw, v);
	free(v);
	return 0;
}

/* Query string "a=b&c=d": libpq keywords are kept, the rest ignored. */
static int dburl_pg_query(struct dburl_buf *b, const char *q, char *err, size_t errlen)
{
	while (*q) {
		size_t n = strcspn(q, "&;"), kl = strcspn(q, "=");
		char kw[64], why[256];
		int known;

		if (kl < n && kl > 0 && kl < sizeof kw) {
			memcpy(kw, q, kl);
			kw[kl] = '\0';
			if ((known = dburl_libpq_keyword(kw, why, sizeof why)) < 0) {
				snprintf(err, errlen, "database_connection: %s", why);
				return -1;
			}
			if (known && dburl_add_decoded(b, kw, q + kl + 1, n - kl - 1,
			                               "bad %-escape in a query parameter", err, errlen) < 0)
				return -1;
		}
		q += n;
		if (*q)
			q++;
	}
	return 0;
}

static int dburl_parse_pg(const char *rest, struct dburl *out, char *err, size_t errlen)
{
	struct dburl_buf b = { .ok = 1 };
	size_t alen = strcspn(rest, "/?");
	const char *at = NULL, *host, *hend, *port = NULL;

	for (const char *p = rest; p < rest + alen; p++)
		if (*p == '@')
			at = p;
	host = at ? at + 1 : rest;
	hend = rest + alen;
	if (*host == '[') {                      /* [IPv6]:port */
		const char *close = memchr(host, ']', (size_t)(hend - host));
		if (!close) {
			snprintf(err, errlen, "database_connection: unterminated [IPv6] host");
			return -1;
		}
		if (close + 1 < hend && close[1] == ':')
			port = close + 2;
		else if (close + 1 != hend)
			goto bad_port;
		char h[64];
		size_t hl = (size_t)(close - host - 1);
		if (hl == 0 || hl >= sizeof h)
			goto bad_host;
		memcpy(h, host + 1, hl);
		h[hl] = '\0';
		dburl_add_param(&b, "host", h);
	} else {
		const char *colon = memchr(host, ':', (size_t)(hend - host));
		if (colon)
			port = colon + 1;
		if (dburl_add_decoded(&b, "host", host, (size_t)((colon ? colon : hend) - host),
		                      "bad %-escape in the host", err, errlen) < 0)
			goto fail;
	}
	if (port) {
		size_t pl = (size_t)(hend - port);
		char pbuf[8];
		if (pl == 0 || pl > 5 || strspn(port, "0123456789") < pl)
			goto bad_port;
		memcpy(pbuf, port, pl);
		pbuf[pl] = '\0';
		if (atoi(pbuf) < 1 || atoi(pbuf) > 65535)
			goto bad_port;
		dburl_add_param(&b, "port", pbuf);
	}
	if (at) {
		size_t ul = strcspn(rest, ":@");
		const char *pw = rest[ul] == ':' ? rest + ul + 1 : NULL;
		if (dburl_add_decoded(&b, "user", rest, ul, "bad %-escape in the user name",
		                      err, errlen) < 0 ||
		    (pw && dburl_add_decoded(&b, "password", pw, (size_t)(at - pw),
		                             "bad %-escape in the password", err, errlen) < 0))
			goto fail;
	}
	rest += alen;
	if (*rest == '/') {
		size_t dl = strcspn(++rest, "?");
		if (dburl_add_decoded(&b, "dbname", rest, dl, "bad %-escape in the database name",
		                      err, errlen) < 0)
			goto fail;
		rest += dl;
	}
	if (*rest == '?' && dburl_pg_query(&b, rest + 1, err, errlen) < 0)
		goto fail;
	dburl_append(&b, "", 0);
	if (!b.ok) {
		snprintf(err, errlen, "database_connection: out of memory");
		goto fail;
	}
	out->kind = DBURL_POSTGRESQL;
	out->pg_conninfo = b.s;
	return 0;
bad_host:
	snprintf(err, errlen, "database_connection: bad [IPv6] host");
	goto fail;
bad_port:
	snprintf(err, errlen, "database_connection: the port must be a number from 1 to 65535");
fail:
	free(b.s);
	return -1;
}

static int dburl_parse_sqlite(const char *rest, const char *base_dir, struct dburl *out,
                              char *err, size_t errlen)
{
	size_t n;
	char *path;

	/* "sqlite://" + "/" + path: an absolute path starts with a fourth '/' */
	if (*rest != '/' || rest[1] == '\0' || rest[1] == '?') {
		snprintf(err, errlen, "database_connection: sqlite:// needs a file path "
		         "(sqlite:///relative/file or sqlite:////absolute/file)");
		return -1;
	}
	rest++;
	n = strcspn(rest, "?");
	if (*rest == '/') {
		path = strndup(rest, n);
	} else {
		const char *base = base_dir && *base_dir ? base_dir : ".";
		while (n > 2 && rest[0] == '.' && rest[1] == '/') {
			rest += 2;
			n -= 2;
		}
		path = malloc(strlen(base) + n + 2);
		if (path)
			snprintf(path, strlen(base) + n + 2, "%s/%.*s", base, (int)n, rest);
	}
	if (!path) {
		snprintf(err, errlen, "database_connection: out of memory");
		return -1;
	}
	out->kind = DBURL_SQLITE;
	out->sqlite_path = path;
	return 0;
}

int dburl_parse(const char *url, const char *base_dir, struct dburl *out,
                char *err, size_t errlen)
{
	const char *sep;
	size_t sl;
	char scheme[32];

	memset(out, 0, sizeof *out);
	if (!url || !(sep = strstr(url, "://"))) {
		snprintf(err, errlen, "database_connection: not a URL of the form scheme://...");
		return -1;
	}
	sl = (size_t)(sep - url);
	if (sl == 0 || sl >= sizeof scheme || strspn(url, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+._-") < sl) {
		snprintf(err, errlen, "database_connection: not a URL of the form scheme://...");
		return -1;
	}
	for (size_t i = 0; i < sl; i++)
		scheme[i] = (char)tolower((unsigned char)url[i]);
	scheme[sl] = '\0';
	size_t dl = strcspn(scheme, "+");   /* dialect, without "+driver" */
	if ((dl == 10 && strncmp(scheme, "postgresql", dl) == 0) ||
	    (dl == 8 && strncmp(scheme, "postgres", dl) == 0))
		return dburl_parse_pg(sep + 3, out, err, errlen);
	if (dl == 6 && strncmp(scheme, "sqlite", dl) == 0)
		return dburl_parse_sqlite(sep + 3, base_dir, out, err, errlen);
	snprintf(err, errlen, "database_connection: unsupported database \"%s\": "
	         "galaxy-chat reads Galaxy's PostgreSQL or SQLite database only", scheme);
	return -1;
}

void dburl_free(struct dburl *u)
{
	if (!u)
		return;
	free(u->sqlite_path);
	free(u->pg_conninfo);
	u->sqlite_path = u->pg_conninfo = NULL;
}
