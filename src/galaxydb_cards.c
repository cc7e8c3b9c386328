/*
 * galaxydb_cards.c - Galaxy objects' cards for one reader (see
 * galaxydb_cards.h): which card statement a link takes
 * (galaxydb_cards_sql.c holds them, with Galaxy's access rules), run on
 * the reader's Galaxy database (galaxydb.c), and its row read into a
 * struct galaxydb_card: text cut on a character, controls made spaces,
 * times in ISO 8601.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "galaxydb_cards.h"
#include "galaxydb_impl.h"
#include "galaxyhelper.h"
#include "utf8.h"

/* Copies the longest prefix of s that is UTF-8 and fits
 * (GALAXYDB_CARD_TEXT - 1 bytes) into out, a control character (a tab, a
 * newline in a name) as a space. */
static void card_text(char out[GALAXYDB_CARD_TEXT], const char *s)
{
	size_t n = s ? strnlen(s, GALAXYDB_CARD_TEXT - 1) : 0, o = 0;
	unsigned cp;
	int len;

	for (size_t i = 0; i < n && (len = utf8_next(s + i, n - i, &cp)) > 0; i += (size_t)len) {
		if (utf8_class(cp) & UTF8_CONTROL)
			out[o++] = ' ';
		else
			for (int k = 0; k < len; k++)
				out[o++] = s[i + (size_t)k];
	}
	out[o] = '\0';
}

static long long card_number(const char *s)
{
	return s ? strtoll(s, NULL, 10) : -1;
}

/* seconds since 1970 (text) as "YYYY-MM-DDTHH:MM:SSZ", "" for NULL. */
static void card_time(char out[32], const char *s)
{
	time_t t = (time_t)card_number(s);
	struct tm tm;

	out[0] = '\0';
	if (s && gmtime_r(&t, &tm))
		strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void card_row(void *arg, const char *const *col, int n)
{
	struct galaxydb_card *c = arg;

	if (n != C_N)
		return;   /* c->id stays 0: the statement is not this file's */
	c->id = card_number(col[C_ID]);
	card_text(c->name, col[C_NAME]);
	if (col[C_OWNER_ID])
		galaxydb_chat_name(card_number(col[C_OWNER_ID]), col[C_OWNER], c->owner);
	c->deleted = card_number(col[C_DELETED]) == 1;
	c->reader_owns = card_number(col[C_OWNS]) == 1;
	c->visible_to_others = card_number(col[C_OTHERS]) == 1;
	card_time(c->updated, col[C_UPDATED]);
	card_time(c->created, col[C_CREATED]);
	c->size = card_number(col[C_SIZE]);
	c->count = card_number(col[C_COUNT]);
	c->hid = card_number(col[C_HID]);
	card_text(c->extension, col[C_EXT]);
	card_text(c->state, col[C_STATE]);
	c->history_id = card_number(col[C_HISTORY_ID]);
	card_text(c->history_name, col[C_HISTORY_NAME]);
	card_text(c->tool_id, col[C_TOOL]);
	card_text(c->tool_version, col[C_TOOL_VERSION]);
	c->exit_code = card_number(col[C_EXIT]);
	c->exit_code_known = col[C_EXIT] != NULL;
}

enum galaxydb_result galaxydb_card(struct galaxydb *db, enum galaxyurl_kind kind,
                                   enum galaxyurl_by by, long long id, const char *user,
                                   const char *slug, long long reader, int admin,
                                   struct galaxydb_card *card, char *err, size_t errlen)
{
	char rtext[24], itext[24];
	const char *params[4] = { rtext, admin ? "1" : "0", itext, slug };
	enum galaxydb_card_stmt s;
	enum galaxydb_result res;

	if (galaxydb_helper_of(db) &&
	    (res = galaxyhelper_card(galaxydb_helper_of(db), kind, by, id, user, slug, reader, admin,
	                             card, err, errlen)) != GALAXYDB_HELPER_DOWN)
		return res;
	memset(card, 0, sizeof *card);
	snprintf(rtext, sizeof rtext, "%lld", reader);
	snprintf(itext, sizeof itext, "%lld", id);
	if (by == GALAXYURL_BY_SLUG) {
		if (!user || !slug)
			return GALAXYDB_NOT_FOUND;
		params[2] = user;
	}
	switch (kind) {
	case GALAXYURL_HISTORY:
		s = by == GALAXYURL_BY_SLUG ? CARD_HISTORY_SLUG : CARD_HISTORY;
		break;
	case GALAXYURL_DATASET:
		s = CARD_DATASET;
		break;
	case GALAXYURL_JOB:
		s = CARD_JOB;
		break;
	case GALAXYURL_WORKFLOW:
		s = by == GALAXYURL_BY_SLUG ? CARD_WORKFLOW_SLUG
		    : by == GALAXYURL_BY_VERSION ? CARD_WORKFLOW_VERSION : CARD_WORKFLOW;
		break;
	default:
		return GALAXYDB_NOT_FOUND;
	}
	if ((kind != GALAXYURL_HISTORY && kind != GALAXYURL_WORKFLOW && by == GALAXYURL_BY_SLUG) ||
	    (kind != GALAXYURL_WORKFLOW && by == GALAXYURL_BY_VERSION))
		return GALAXYDB_NOT_FOUND;
	res = galaxydb_run_card(db, s, params, card_row, card, err, errlen);
	if (res == GALAXYDB_FOUND && card->id <= 0) {
		snprintf(err, errlen, "card query %d: unexpected row", (int)s);
		return GALAXYDB_ERROR;
	}
	return res;
}
