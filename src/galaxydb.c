/*
 * galaxydb.c - the part of the Galaxy lookups common to PostgreSQL and
 * SQLite: backend dispatch, which users Galaxy lets in (by session or by
 * API key alike), session_duration, chat names and the gravatar hash. See
 * galaxydb.h for the semantics.
 *
 * Chat names: a user is their Galaxy id; their name is Galaxy's username
 * when it is one Galaxy accepts (lib/galaxy/security/validate_user_input.py:
 * VALID_PUBLICNAME_RE = ^[a-z0-9._\-]+$, at most PUBLICNAME_MAX_LEN = 255;
 * older Galaxy allowed only [a-z0-9-], a subset). A user without one (NULL,
 * empty, or one Galaxy's rule refuses, put there by hand) is "user#<id>":
 * '#' is in no Galaxy username and looks like nothing that is, so the
 * handle can neither equal nor pass for another user's name. Names are
 * never made from e-mail addresses: anyone can register bob@evil.org.
 * Going from a name back to a user asks Galaxy's database again
 * (galaxydb_find), so renames are followed and an old name addresses
 * whoever holds it in Galaxy now.
 *
 * Which users: Galaxy's _ensure_valid_session (webapp.py; GALAXY.md 2.4)
 * ends the session of a deleted (or purged) user, and, with
 * use_remote_user off, of an external (remote-user) one; we refuse them.
 * The same rule judges the user of an API key: Galaxy's by_api_key
 * (lib/galaxy/managers/users.py) refuses deleted users (purged ones are
 * deleted too) and would let an external one in, but a chat user is
 * either let in or not, whatever they authenticate with.
 *
 * Whom notify may email (galaxydb_contact): a user let in as above whose
 * account is also active, at the account's email.
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
#include "galaxyhelper.h"
#include "httpparse.h"

#define GALAXYDB_HANDLE "user#"          /* + the id: the name of a user without a username */
#define GALAXYDB_NAME_MAX 255            /* Galaxy's PUBLICNAME_MAX_LEN */

struct galaxydb {
	struct galaxyhelper *helper;   /* not NULL: questions go to the helper */
	char *url, *root;              /* with a helper: for the backend, made when
	                                * no helper can be had */
	const struct galaxydb_backend *be;
	void *st;                      /* NULL: not made yet (a helper's handle) */
	int session_duration;   /* minutes, 0 = off */
	int use_remote_user;    /* Galaxy's: external users are let in */
	int gravatar;           /* avatars = gravatar: users carry the hash */
};

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

/* The backends' galaxydb_user_fn (galaxydb_impl.h). */
static enum galaxydb_result galaxydb_user_from_row(const struct galaxydb *db,
                                                   const struct galaxydb_row *row,
                                                   struct user *user, char *err, size_t errlen)
{
	if (row->deleted || row->purged || (row->external && !db->use_remote_user))
		return GALAXYDB_NOT_FOUND;
	if (db->session_duration && row->last_action &&
	    strtod(row->last_action, NULL) + db->session_duration * 60.0 < galaxydb_local_now())
		return GALAXYDB_NOT_FOUND;
	if (!row->email || strlen(row->email) >= sizeof user->email) {
		snprintf(err, errlen, "galaxy_user %lld: email longer than %d bytes",
		         row->id, USER_NAME_MAX - 1);
		return GALAXYDB_ERROR;
	}
	user->id = row->id;
	strcpy(user->email, row->email);
	galaxydb_chat_name(row->id, row->username, user->username);
	if (db->gravatar)
		galaxydb_gravatar(row->email, user->gravatar);
	else
		user->gravatar[0] = '\0';
	user->admin = 0;
	return GALAXYDB_FOUND;
}

/* Makes db's backend for url: 0, or -1 (ENOMEM). */
static int galaxydb_open(struct galaxydb *db, const struct dburl *url)
{
	db->be = url->kind == DBURL_POSTGRESQL ? &galaxydb_pg_backend : &galaxydb_sqlite_backend;
	db->st = db->be->open(url, galaxydb_user_from_row);
	return db->st ? 0 : -1;
}

static struct galaxydb *galaxydb_alloc(int session_duration, int use_remote_user, int gravatar)
{
	struct galaxydb *db = calloc(1, sizeof *db);

	if (db) {
		db->session_duration = session_duration > 0 ? session_duration : 0;
		db->use_remote_user = use_remote_user;
		db->gravatar = gravatar;
	}
	return db;
}

struct galaxydb *galaxydb_new(const struct dburl *url, int session_duration,
                              int use_remote_user, int gravatar)
{
	struct galaxydb *db = galaxydb_alloc(session_duration, use_remote_user, gravatar);

	if (db && galaxydb_open(db, url) < 0) {
		free(db);
		return NULL;
	}
	return db;
}

struct galaxydb *galaxydb_new_helper(struct galaxyhelper *helper, const char *url,
                                     const char *root, int session_duration,
                                     int use_remote_user, int gravatar)
{
	struct galaxydb *db = galaxydb_alloc(session_duration, use_remote_user, gravatar);

	if (!db)
		return NULL;
	db->helper = helper;
	if (!(db->url = strdup(url)) || (root && !(db->root = strdup(root)))) {
		galaxydb_free(db);
		return NULL;
	}
	return db;
}

/* Makes db's own backend if it has none yet (a helper's handle when no
 * helper can be had): 0, or -1 with err (Galaxy's URL). */
static int galaxydb_direct(struct galaxydb *db, char *err, size_t errlen)
{
	struct dburl u;
	int rc;

	if (db->st)
		return 0;
	if (dburl_parse(db->url, db->root, &u, err, errlen) < 0)
		return -1;
	if ((rc = galaxydb_open(db, &u)) < 0)
		snprintf(err, errlen, "out of memory");
	dburl_free(&u);
	return rc;
}

struct galaxyhelper *galaxydb_helper_of(const struct galaxydb *db)
{
	return db->st ? NULL : db->helper;
}

/* After the helper's answer res (GALAXYDB_HELPER_DOWN when db asks none):
 * 1 when res is the answer, 0 when db's own backend answers (made now if
 * need be), -1 when it cannot be made (err). */
static int galaxydb_answered(struct galaxydb *db, enum galaxydb_result res, char *err,
                             size_t errlen)
{
	return res != GALAXYDB_HELPER_DOWN ? 1 : galaxydb_direct(db, err, errlen);
}

void galaxydb_free(struct galaxydb *db)
{
	if (!db)
		return;
	if (db->st)
		db->be->close(db->st);
	free(db->url);
	free(db->root);
	free(db);
}

enum galaxydb_result galaxydb_lookup(struct galaxydb *db, const char *key,
                                     struct user *user, char *err, size_t errlen)
{
	enum galaxydb_result res = galaxydb_helper_of(db)
	                           ? galaxyhelper_lookup(db->helper, key, user, err, errlen)
	                           : GALAXYDB_HELPER_DOWN;
	int how = galaxydb_answered(db, res, err, errlen);

	if (how)
		return how > 0 ? res : GALAXYDB_ERROR;
	memset(user, 0, sizeof *user);
	return db->be->lookup(db->st, db, key, user, err, errlen);
}

enum galaxydb_result galaxydb_lookup_key(struct galaxydb *db, const char *key,
                                         struct user *user, char *err, size_t errlen)
{
	enum galaxydb_result res = galaxydb_helper_of(db)
	                           ? galaxyhelper_lookup_key(db->helper, key, user, err, errlen)
	                           : GALAXYDB_HELPER_DOWN;
	int how = galaxydb_answered(db, res, err, errlen);

	if (how)
		return how > 0 ? res : GALAXYDB_ERROR;
	memset(user, 0, sizeof *user);
	return db->be->lookup_key(db->st, db, key, user, err, errlen);
}

/* Whether name is a username Galaxy accepts (see the top of the file). */
static int galaxydb_name_ok(const char *name)
{
	size_t n = strlen(name);

	return n >= 1 && n <= GALAXYDB_NAME_MAX &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

void galaxydb_chat_name(long long id, const char *username, char out[USER_NAME_MAX])
{
	if (username && galaxydb_name_ok(username))
		strcpy(out, username);
	else
		snprintf(out, USER_NAME_MAX, GALAXYDB_HANDLE "%lld", id);
}

enum galaxydb_result galaxydb_find(struct galaxydb *db, const char *name, long long *id,
                                   char *err, size_t errlen)
{
	const char *username = name;
	long long want = 0;
	struct user u;
	int how;
	enum galaxydb_result res;

	res = galaxydb_helper_of(db) ? galaxyhelper_find(db->helper, name, id, err, errlen)
	                             : GALAXYDB_HELPER_DOWN;
	if ((how = galaxydb_answered(db, res, err, errlen)))
		return how > 0 ? res : GALAXYDB_ERROR;
	if (strncmp(name, GALAXYDB_HANDLE, strlen(GALAXYDB_HANDLE)) == 0) {
		username = NULL;
		if (http_parse_int(name + strlen(GALAXYDB_HANDLE), 1, 1LL << 62, &want) < 0)
			return GALAXYDB_NOT_FOUND;
	} else if (!galaxydb_name_ok(name)) {
		return GALAXYDB_NOT_FOUND;
	}
	memset(&u, 0, sizeof u);
	res = db->be->find(db->st, db, username, want, galaxydb_user_from_row, &u, err, errlen);
	/* the name must be the one the user has: "user#7" with leading zeros,
	 * or of a user who has a username, names no one */
	if (res != GALAXYDB_FOUND || strcmp(u.username, name) != 0)
		return res == GALAXYDB_ERROR ? res : GALAXYDB_NOT_FOUND;
	*id = u.id;
	return GALAXYDB_FOUND;
}

int galaxydb_count_users(struct galaxydb *db, long long *count, char *err, size_t errlen)
{
	enum galaxydb_result res = galaxydb_helper_of(db)
	                           ? galaxyhelper_count_users(db->helper, count, err, errlen)
	                           : GALAXYDB_HELPER_DOWN;
	int how = galaxydb_answered(db, res, err, errlen);

	if (how)
		return how > 0 && res == GALAXYDB_FOUND ? 0 : -1;
	return db->be->count_users(db->st, count, err, errlen);
}

enum galaxydb_result galaxydb_run_card(struct galaxydb *db, enum galaxydb_card_stmt stmt,
                                       const char *const *params, galaxydb_row_fn row,
                                       void *arg, char *err, size_t errlen)
{
	if (galaxydb_direct(db, err, errlen) < 0)
		return GALAXYDB_ERROR;
	return db->be->card(db->st, (int)stmt, params, row, arg, err, errlen);
}

/* Judges row as one notify may email (galaxydb_contact): as
 * galaxydb_user_from_row(), and active too. */
static enum galaxydb_result galaxydb_contact_from_row(const struct galaxydb *db,
                                                      const struct galaxydb_row *row,
                                                      struct user *user, char *err, size_t errlen)
{
	/* an account waiting for its activation, or deactivated, reads no mail
	 * of ours (Galaxy's own login refuses it with user_activation_on) */
	if (!row->active)
		return GALAXYDB_NOT_FOUND;
	return galaxydb_user_from_row(db, row, user, err, errlen);
}

enum galaxydb_result galaxydb_contact(struct galaxydb *db, long long id, char email[USER_NAME_MAX],
                                      char *err, size_t errlen)
{
	struct user u;
	int how;
	enum galaxydb_result res;

	res = galaxydb_helper_of(db) ? galaxyhelper_contact(db->helper, id, email, err, errlen)
	                             : GALAXYDB_HELPER_DOWN;
	if ((how = galaxydb_answered(db, res, err, errlen)))
		return how > 0 ? res : GALAXYDB_ERROR;
	memset(&u, 0, sizeof u);
	res = db->be->find(db->st, db, NULL, id, galaxydb_contact_from_row, &u, err, errlen);
	if (res == GALAXYDB_FOUND)
		memcpy(email, u.email, USER_NAME_MAX);
	return res;
}
