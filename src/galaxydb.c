/*
 * galaxydb.c - the part of the Galaxy session lookup common to PostgreSQL
 * and SQLite: backend dispatch, session_duration, the username fallback and
 * the gravatar hash. See galaxydb.h for the semantics.
 *
 * session_duration follows Galaxy (webapp.py): expired when
 * last_action + duration < now, where Galaxy stores and compares naive
 * *local* time (datetime.now()). A NULL last_action is not expired: its
 * age is unknown, and every other check (is_valid, user) still applies.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include <time.h>
#include <openssl/evp.h>

#include "dburl.h"
#include "galaxydb_impl.h"

struct galaxydb {
	const struct galaxydb_backend *be;
	void *st;
	int session_duration;   /* minutes, 0 = off */
};

struct galaxydb *galaxydb_new(const struct dburl *url, int session_duration)
{
	struct galaxydb *db = calloc(1, sizeof *db);

	if (!db)
		return NULL;
	db->be = url->kind == DBURL_POSTGRESQL ? &galaxydb_pg_backend : &galaxydb_sqlite_backend;
	db->session_duration = session_duration > 0 ? session_duration : 0;
	db->st = db->be->open(url);
	if (!db->st) {
		free(db);
		return NULL;
	}
	return db;
}

void galaxydb_free(struct galaxydb *db)
{
	if (!db)
		return;
	db->be->close(db->st);
	free(db);
}

enum galaxydb_result galaxydb_lookup(struct galaxydb *db, const char *key,
                                     struct user *user, char *err, size_t errlen)
{
	memset(user, 0, sizeof *user);
	return db->be->lookup(db->st, db, key, user, err, errlen);
}

int galaxydb_count_users(struct galaxydb *db, long long *count, char *err, size_t errlen)
{
	return db->be->count_users(db->st, count, err, errlen);
}

enum galaxydb_result galaxydb_run_card(struct galaxydb *db, enum galaxydb_card_stmt stmt,
                                       const char *const *params, galaxydb_row_fn row,
                                       void *arg, char *err, size_t errlen)
{
	return db->be->card(db->st, (int)stmt, params, row, arg, err, errlen);
}

/* Now as naive local time in seconds since 1970, the clock Galaxy's
 * datetime.now() reads, to compare with a stored naive timestamp. */
static double galaxydb_local_now(void)
{
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	return (double)timegm(&tm);
}

/* md5 hex of email with white space trimmed and letters lowercased. */
static void galaxydb_gravatar(const char *email, char out[33])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char buf[USER_NAME_MAX];
	size_t n = strlen(email);

	while (n && isspace((unsigned char)*email)) {
		email++;
		n--;
	}
	while (n && isspace((unsigned char)email[n - 1]))
		n--;
	for (size_t i = 0; i < n; i++)
		buf[i] = (char)tolower((unsigned char)email[i]);
	if (!EVP_Digest(buf, n, md, &mdlen, EVP_md5(), NULL) || mdlen != 16) {
		out[0] = '\0';
		return;
	}
	for (unsigned int i = 0; i < 16; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[32] = '\0';
}

enum galaxydb_result galaxydb_row(const struct galaxydb *db, long long id,
                                  const char *username, const char *email,
                                  const char *last_action, struct user *user,
                                  char *err, size_t errlen)
{
	if (db->session_duration && last_action &&
	    strtod(last_action, NULL) + db->session_duration * 60.0 < galaxydb_local_now())
		return GALAXYDB_NOT_FOUND;
	if (!email || strlen(email) >= sizeof user->email ||
	    (username && strlen(username) >= sizeof user->username)) {
		snprintf(err, errlen, "galaxy_user %lld: email or username longer than %d bytes",
		         id, USER_NAME_MAX - 1);
		return GALAXYDB_ERROR;
	}
	user->id = id;
	strcpy(user->email, email);
	if (username && *username) {
		strcpy(user->username, username);
	} else {
		const char *at = strrchr(email, '@');
		size_t n = at ? (size_t)(at - email) : strlen(email);
		memcpy(user->username, email, n);
		user->username[n] = '\0';
	}
	galaxydb_gravatar(email, user->gravatar);
	user->admin = 0;
	return GALAXYDB_FOUND;
}
