/*
 * galaxydb_cards.h - what one reader may know of a Galaxy object a link
 * names: its card, read from Galaxy's database (PostgreSQL or SQLite, the
 * handle of galaxydb.h) in one query that applies Galaxy's own access
 * rules for that reader. galaxydb_cards_sql.c holds the rules and says
 * where they are stricter than Galaxy's.
 *
 * Not found and not allowed are one answer (GALAXYDB_NOT_FOUND): nothing
 * here tells a reader that an object they may not open exists.
 */
#ifndef GC_GALAXYDB_CARDS_H
#define GC_GALAXYDB_CARDS_H

#include <stddef.h>

#include "galaxydb.h"
#include "galaxyurl.h"
#include "user.h"

#define GALAXYDB_CARD_TEXT 256   /* text fields: Galaxy's VARCHAR(255), cut on a character */

/* A card. Text is valid UTF-8, controls made spaces ("" for SQL
 * NULL); numbers are -1 for NULL; times ISO 8601 UTC ("" for NULL). Which
 * fields a kind fills: galaxydb_cards_sql.c. Plain value type. */
struct galaxydb_card {
	long long id;                 /* the object's id (a workflow's: the stored workflow's) */
	char name[GALAXYDB_CARD_TEXT];
	char owner[USER_NAME_MAX];    /* the owner's chat name (galaxydb.c), "" for none */
	int deleted;                  /* deleted or purged: only its owner and admins get it */
	int reader_owns;              /* the reader is its owner */
	int visible_to_others;        /* a logged-in user who is not the owner, shares
	                               * nothing and holds no role would get it too */
	char updated[32], created[32];
	long long size;               /* history: bytes of the datasets the reader may
	                               * open; dataset: its file's */
	long long count;              /* history: datasets the reader may open; workflow: steps */
	long long hid;                /* dataset: its number in its history */
	char extension[GALAXYDB_CARD_TEXT], state[GALAXYDB_CARD_TEXT];
	long long history_id;         /* dataset: its history, -1 unless the reader may open it */
	char history_name[GALAXYDB_CARD_TEXT];
	char tool_id[GALAXYDB_CARD_TEXT], tool_version[GALAXYDB_CARD_TEXT];   /* job */
	long long exit_code;          /* job, when exit_code_known (it may be negative) */
	int exit_code_known;
};

/* The card of the object kind/by names (id: decoded; user and slug for
 * GALAXYURL_BY_SLUG) for reader (a galaxy_user id; admin: in admin_users).
 * GALAXYDB_FOUND with card filled; GALAXYDB_NOT_FOUND when there is no
 * such object or the reader may not open it (and for GALAXYURL_TOOL and
 * NONE: tools are not in the database); GALAXYDB_ERROR with err. */
enum galaxydb_result galaxydb_card(struct galaxydb *db, enum galaxyurl_kind kind,
                                   enum galaxyurl_by by, long long id, const char *user,
                                   const char *slug, long long reader, int admin,
                                   struct galaxydb_card *card, char *err, size_t errlen);

#endif
