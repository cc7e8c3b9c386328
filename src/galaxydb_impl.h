/*
 * galaxydb_impl.h - what galaxydb.c shares with its two backends
 * (galaxydb_pg.c, galaxydb_sqlite.c) and the cards (galaxydb_cards.c,
 * galaxydb_cards_sql.c). Not for other modules.
 *
 * A backend runs the dialect's SQL; galaxydb.c owns everything the two
 * have in common: which users Galaxy lets in, session_duration, and
 * turning a row into a struct user.
 */
#ifndef GC_GALAXYDB_IMPL_H
#define GC_GALAXYDB_IMPL_H

#include "galaxydb.h"

/* One row's columns as text (NULL for SQL NULL), valid during the call. */
typedef void (*galaxydb_row_fn)(void *arg, const char *const *col, int ncols);

/* The card statements (galaxydb_cards_sql.c): each in both dialects,
 * with parameters $1 to $nparams in both, and every one with the columns
 * of enum galaxydb_card_col, NULL where a kind has none. */
enum galaxydb_card_stmt {
	CARD_HISTORY, CARD_HISTORY_SLUG, CARD_DATASET, CARD_JOB, CARD_WORKFLOW,
	CARD_WORKFLOW_SLUG, CARD_WORKFLOW_VERSION, GALAXYDB_CARD_STMTS
};
struct galaxydb_stmt {
	const char *pg, *sqlite;
	int nparams;
};
extern const struct galaxydb_stmt galaxydb_card_stmts[GALAXYDB_CARD_STMTS];
enum galaxydb_card_col {
	C_ID, C_NAME, C_OWNER, C_OWNER_ID, C_DELETED, C_OWNS, C_OTHERS, C_UPDATED, C_CREATED, C_SIZE,
	C_COUNT, C_HID, C_EXT, C_STATE, C_HISTORY_ID, C_HISTORY_NAME, C_TOOL, C_TOOL_VERSION,
	C_EXIT, C_N
};

/* One galaxy_user row as a backend read it (strings NULL for SQL NULL,
 * valid during the call they are passed to). */
struct galaxydb_row {
	long long id;
	const char *username, *email;
	const char *last_action;         /* the session's, as seconds since 1970
	                                  * of its naive timestamp; NULL: none */
	int deleted, purged, external;   /* SQL NULL read as 0, as Python's truth test */
	int active;                      /* likewise; 1 when the query did not read it */
};

/* Judges row as Galaxy judges a logged-in session's user and fills user:
 * galaxydb.c's, handed to each backend when it is opened, so that a
 * backend calls nothing of galaxydb.c. Returns GALAXYDB_FOUND,
 * GALAXYDB_NOT_FOUND (a user Galaxy refuses, or a session expired by
 * session_duration), or GALAXYDB_ERROR with err (an email too long for
 * struct user). */
typedef enum galaxydb_result (*galaxydb_user_fn)(const struct galaxydb *db,
                                                 const struct galaxydb_row *row,
                                                 struct user *user, char *err, size_t errlen);

struct galaxydb_backend {
	/* Makes the backend's state for url, judging the user rows it finds
	 * with user_from_row; does not connect. NULL on ENOMEM. */
	void *(*open)(const struct dburl *url, galaxydb_user_fn user_from_row);
	/* Runs the lookup for key and, for the row found, calls
	 * user_from_row before freeing the result. */
	enum galaxydb_result (*lookup)(void *st, const struct galaxydb *db, const char *key,
	                               struct user *user, char *err, size_t errlen);
	/* Runs the API key lookup for key (galaxydb_lookup_key) and, for
	 * the row found, calls user_from_row (last_action NULL). */
	enum galaxydb_result (*lookup_key)(void *st, const struct galaxydb *db, const char *key,
	                                   struct user *user, char *err, size_t errlen);
	/* Reads the galaxy_user row whose username is username or, when
	 * username is NULL, whose id is id, with its active column, and for it
	 * calls judge (galaxydb.c's, as user_from_row: that one, or one that
	 * also wants the account active) before freeing the result. NOT_FOUND also when two rows
	 * match (a database Galaxy's unique index would forbid). */
	enum galaxydb_result (*find)(void *st, const struct galaxydb *db, const char *username,
	                             long long id, galaxydb_user_fn judge, struct user *user,
	                             char *err, size_t errlen);
	int (*count_users)(void *st, long long *count, char *err, size_t errlen);
	void (*close)(void *st);
	/* Runs card statement galaxydb_card_stmts[stmt] with params and, for
	 * its first row, calls row() before freeing the result. Statements
	 * are prepared on a connection when first needed (PostgreSQL: each
	 * new connection tries all of them), so a Galaxy database without
	 * some table fails its cards only, never the session lookup. */
	enum galaxydb_result (*card)(void *st, int stmt, const char *const *params,
	                             galaxydb_row_fn row, void *arg, char *err, size_t errlen);
};

extern const struct galaxydb_backend galaxydb_pg_backend;
extern const struct galaxydb_backend galaxydb_sqlite_backend;

/* The chat name (galaxydb.c's top comment) of Galaxy user id with
 * username (may be NULL) into out. */
void galaxydb_chat_name(long long id, const char *username, char out[USER_NAME_MAX]);

/* The helper db asks (galaxydb_new_helper), NULL when it asks itself. */
struct galaxyhelper *galaxydb_helper_of(const struct galaxydb *db);

/* Runs card statement stmt on db's backend (see struct galaxydb_backend):
 * GALAXYDB_FOUND after row() saw its first row, GALAXYDB_NOT_FOUND when
 * it had none, GALAXYDB_ERROR with err. */
enum galaxydb_result galaxydb_run_card(struct galaxydb *db, enum galaxydb_card_stmt stmt,
                                       const char *const *params, galaxydb_row_fn row,
                                       void *arg, char *err, size_t errlen);

#endif
