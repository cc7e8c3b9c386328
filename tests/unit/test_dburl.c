/*
 * test_dburl.c - every database_connection form of GALAXY.md section 3,
 * the refusals, and that no message ever contains the password; libpq
 * loaded only to ask it about a query keyword not every libpq knows.
 */
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "dburl.h"
#include "pqlib.h"
#include "tap.h"

/* Whether this process has libpq loaded (dlopen finds it only if so). */
static int libpq_loaded(void)
{
	void *h = dlopen(PQLIB_SONAME, RTLD_LAZY | RTLD_NOLOAD);

	if (h)
		dlclose(h);
	return h != NULL;
}

static void pg(const char *url, const char *want, const char *name)
{
	struct dburl u;
	char err[256] = "";

	if (!ok(dburl_parse(url, NULL, &u, err, sizeof err) == 0 && u.kind == DBURL_POSTGRESQL, name))
		printf("#   %s\n", err);
	else
		is_str(u.pg_conninfo, want, name);
	dburl_free(&u);
}

static void sq(const char *url, const char *base, const char *want, const char *name)
{
	struct dburl u;
	char err[256] = "";

	if (!ok(dburl_parse(url, base, &u, err, sizeof err) == 0 && u.kind == DBURL_SQLITE, name))
		printf("#   %s\n", err);
	else
		is_str(u.sqlite_path, want, name);
	dburl_free(&u);
}

/* Refused, with a message that mentions want and never "s3cr3t". */
static void bad(const char *url, const char *want, const char *name)
{
	struct dburl u;
	char err[256] = "";

	ok(dburl_parse(url, NULL, &u, err, sizeof err) == -1, name);
	if (!ok(strstr(err, want) && !strstr(err, "s3cr3t") && !strstr(err, "s3cr"), "  its message"))
		printf("#   message: %s\n", err);
	ok(!u.pg_conninfo && !u.sqlite_path, "  nothing allocated");
}

int main(void)
{
	ok(!libpq_loaded(), "libpq is not linked");
	pg("postgresql://galaxy:s3cr3t@db.example.org:5433/galaxy",
	   "host='db.example.org' port='5433' user='galaxy' password='s3cr3t' dbname='galaxy'",
	   "user:pass@host:port/db");
	pg("postgresql://username:password@localhost/mydatabase",
	   "host='localhost' user='username' password='password' dbname='mydatabase'",
	   "no port");
	pg("postgresql:///galaxy?host=/var/run/postgresql",
	   "dbname='galaxy' host='/var/run/postgresql'", "unix socket via ?host=");
	pg("postgres:///galaxy?host=/var/run/postgresql",
	   "dbname='galaxy' host='/var/run/postgresql'", "postgres:// alias");
	pg("postgresql:///d?user=u&port=5433&password=p&dbname=e",
	   "dbname='d' user='u' port='5433' password='p' dbname='e'", "the URL's parts in the query");
	ok(!libpq_loaded(), "  and libpq was not loaded to parse these");
	pg("postgresql+psycopg2://u@h/d", "host='h' user='u' dbname='d'", "postgresql+psycopg2://");
	pg("PostgreSQL://h/d", "host='h' dbname='d'", "scheme case-insensitive");
	pg("postgresql://u%40x:p%27%5C%20w%3A%2F%40@h/d%20b",
	   "host='h' user='u@x' password='p\\'\\\\ w:/@' dbname='d b'",
	   "percent-decoding and libpq quoting");
	pg("postgresql://u:p@ss@h/d", "host='h' user='u' password='p@ss' dbname='d'",
	   "unescaped @ in password: last @ ends user info");
	pg("postgresql://[::1]:5432/d", "host='::1' port='5432' dbname='d'", "IPv6 host");
	pg("postgresql://h/d?sslmode=require&isolation_level=IMMEDIATE&client_encoding=utf8",
	   "host='h' dbname='d' sslmode='require' client_encoding='utf8'",
	   "libpq query keywords kept, SQLAlchemy options dropped");
	ok(libpq_loaded(), "  libpq was loaded to tell them apart");
	pg("postgresql://", "", "everything defaulted");
	pg("postgresql://u:@h", "host='h' user='u'", "empty password omitted");

	sq("sqlite:///./database/universe.sqlite?isolation_level=IMMEDIATE", "/srv/galaxy",
	   "/srv/galaxy/database/universe.sqlite", "Galaxy's default, relative to its root");
	sq("sqlite:///database/universe.sqlite", NULL, "./database/universe.sqlite",
	   "relative without base: current directory");
	sq("sqlite:////var/lib/galaxy/universe.sqlite?isolation_level=IMMEDIATE", "/srv",
	   "/var/lib/galaxy/universe.sqlite", "absolute path, query ignored");
	sq("sqlite+pysqlite:////x.db", NULL, "/x.db", "sqlite+driver");

	bad("mysql://galaxy:s3cr3t@localhost/galaxy", "\"mysql\"", "mysql refused");
	bad("mysql:///db?unix_socket=/path/mysqld.sock", "\"mysql\"", "mysql unix socket refused");
	bad("oracle://u:s3cr3t@h/d", "\"oracle\"", "oracle refused");
	bad("galaxy:s3cr3t@localhost/galaxy", "not a URL", "no scheme refused");
	bad("://u:s3cr3t@h/d", "not a URL", "empty scheme refused");
	bad("my sql://u:s3cr3t@h/d", "not a URL", "odd scheme not quoted");
	bad("postgresql://u:s3cr3t@h:54x/d", "port", "bad port");
	bad("postgresql://u:s3cr3t@h:99999/d", "port", "port out of range");
	bad("postgresql://u:s3cr3t@h:/d", "port", "empty port");
	bad("postgresql://u:s3cr3t%zz@h/d", "password", "bad escape in password");
	bad("postgresql://u:s3cr3t%00@h/d", "password", "escaped NUL in password");
	bad("postgresql://u:s3cr3t%4@h/d", "password", "truncated escape in password");
	bad("postgresql://u:s3cr3t@[::1/d", "IPv6", "unterminated IPv6");
	bad("sqlite://", "file path", "sqlite in-memory refused");
	bad("sqlite:///?isolation_level=IMMEDIATE", "file path", "sqlite without path refused");
	bad(NULL, "not a URL", "NULL refused");

	dburl_free(NULL);
	return done_testing();
}
