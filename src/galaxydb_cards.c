/*
 * galaxydb_cards.c - Galaxy objects' cards for one reader (see
 * galaxydb_cards.h): Galaxy's access rules, written once as SQL and made
 * into each dialect's text by the preprocessor; the dialects differ only
 * in how a timestamp becomes seconds. One statement per card: the rule
 * for the reader is its WHERE, so a row comes back exactly when the
 * reader may see the object, and not-found and not-allowed cost the same
 * query.
 *
 * The rules (GALAXY-OBJECTS.md section 3, Galaxy's managers):
 *
 *   history   owner, or importable ("accessible via link", which
 *             publishing sets), or shared with the reader
 *             (SharableModelManager.is_accessible).
 *   dataset   Galaxy's dataset access roles (can_access_dataset): public
 *             when no "access" permission names it, else the reader must
 *             hold every role so named, directly or through a group. Its
 *             history is not consulted, and its owner gets no bypass.
 *   job       its owner, or it has outputs and the reader may open every
 *             one of them (JobManager.get_accessible_job).
 *   workflow  a stored workflow: owner, importable or shared with the
 *             reader (get_stored_accessible_workflow: a NULL importable
 *             is not importable).
 *   admins    (admin_users) see everything.
 *
 * Two choices stricter than Galaxy's: a deleted or purged object is a
 * card only for its owner and admins (Galaxy's API still answers by id),
 * and a card shows nothing of an object the reader may not open: a
 * dataset's history is named only when the reader may open that history,
 * and a history's dataset count and size count only the datasets the
 * reader may open.
 *
 * A slug link (/u/<user>/h/<slug>, /u/<user>/w/<slug>) names the owner's
 * item with that slug that is not deleted, the importable one first (as
 * Galaxy 24.0+; slugs are unique only among importable items), then the
 * lowest id; Galaxy's own order differs by backend (PostgreSQL sorts a
 * NULL importable first), ours does not.
 *
 * A stranger (visible_to_others) is the same rule for a user id no row
 * holds (SQL NULL): no ownership, no share, no role.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "galaxydb_cards.h"
#include "galaxydb_impl.h"
#include "utf8.h"

/* The parameters: the reader, whether an admin, the object (id, or the
 * owner's username and the slug). */
#define READER "CAST($1 AS BIGINT)"
#define ADMIN "CAST($2 AS INTEGER) = 1"
#define OBJECT_ID "CAST($3 AS BIGINT)"
#define NOBODY "NULL"

/* Dialects: seconds since 1970 of a naive UTC timestamp. */
#define PG_SECONDS(x) "CAST(FLOOR(EXTRACT(EPOCH FROM " x ")) AS BIGINT)"
#define SQ_SECONDS(x) "CAST(strftime('%s', " x ") AS INTEGER)"

/* U may open dataset D (can_access_dataset). A NULL role never matches:
 * such a permission is one nobody holds. */
#define DATASET_ACCESS(D, U) \
	"NOT EXISTS (SELECT 1 FROM dataset_permissions dp WHERE dp.dataset_id = " D \
	" AND dp.action = 'access'" \
	" AND NOT EXISTS (SELECT 1 FROM user_role_association ura" \
	" WHERE ura.user_id = " U " AND ura.role_id = dp.role_id)" \
	" AND NOT EXISTS (SELECT 1 FROM user_group_association uga" \
	" JOIN group_role_association gra ON gra.group_id = uga.group_id" \
	" WHERE uga.user_id = " U " AND gra.role_id = dp.role_id))"

/* History h: Galaxy's rule for U, and a deleted one for its owner only. */
#define HISTORY_LIVE "(h.deleted IS NOT TRUE AND h.purged IS NOT TRUE)"
#define HISTORY_OPEN(U) \
	"((h.importable IS TRUE OR h.user_id = " U \
	" OR EXISTS (SELECT 1 FROM history_user_share_association hs" \
	" WHERE hs.history_id = h.id AND hs.user_id = " U "))" \
	" AND (" HISTORY_LIVE " OR h.user_id = " U "))"

/* HDA hda of dataset d in history h (whose user owns it). */
#define DATASET_LIVE \
	"(hda.deleted IS NOT TRUE AND hda.purged IS NOT TRUE" \
	" AND d.deleted IS NOT TRUE AND d.purged IS NOT TRUE)"
#define DATASET_OPEN(U) \
	"(" DATASET_ACCESS("hda.dataset_id", U) " AND (" DATASET_LIVE " OR h.user_id = " U "))"

/* Job j: its owner, or outputs that are all HDAs of datasets U may open. */
#define JOB_OPEN(U) \
	"(j.user_id = " U \
	" OR (EXISTS (SELECT 1 FROM job_to_output_dataset jo WHERE jo.job_id = j.id)" \
	" AND NOT EXISTS (SELECT 1 FROM job_to_output_dataset jo" \
	" LEFT JOIN history_dataset_association jh ON jh.id = jo.dataset_id" \
	" WHERE jo.job_id = j.id AND (jh.dataset_id IS NULL" \
	" OR NOT " DATASET_ACCESS("jh.dataset_id", U) "))))"

/* Stored workflow sw: Galaxy's rule for U, a deleted one for its owner. */
#define WORKFLOW_OPEN(U) \
	"((sw.importable IS TRUE OR sw.user_id = " U \
	" OR EXISTS (SELECT 1 FROM stored_workflow_user_share_connection ss" \
	" WHERE ss.stored_workflow_id = sw.id AND ss.user_id = " U "))" \
	" AND (sw.deleted IS NOT TRUE OR sw.user_id = " U "))"

/* "1 when cond, else 0" */
#define FLAG(cond) "CASE WHEN " cond " THEN 1 ELSE 0 END"

/* The item T (history or stored_workflow) named by its owner's username
 * ($3) and slug ($4): the importable one first, as Galaxy 24.0+. */
#define BY_SLUG(T) \
	"(SELECT s.id FROM " T " s JOIN galaxy_user su ON su.id = s.user_id" \
	" WHERE su.username = $3 AND s.slug = $4 AND s.deleted = FALSE" \
	" ORDER BY CASE WHEN s.importable IS TRUE THEN 0 ELSE 1 END, s.id LIMIT 1)"

/* Every card has the columns of enum col, NULL where a kind has none. */
enum col {
	C_ID, C_NAME, C_OWNER, C_OWNER_ID, C_DELETED, C_OWNS, C_OTHERS, C_UPDATED, C_CREATED, C_SIZE,
	C_COUNT, C_HID, C_EXT, C_STATE, C_HISTORY_ID, C_HISTORY_NAME, C_TOOL, C_TOOL_VERSION,
	C_EXIT, C_N
};

#define HISTORY_CARD(SECONDS, TARGET) \
	"SELECT h.id, h.name, u.username, u.id, " FLAG("NOT " HISTORY_LIVE) "," \
	" " FLAG("h.user_id = " READER) ", " FLAG(HISTORY_OPEN(NOBODY)) "," \
	" " SECONDS("h.update_time") ", " SECONDS("h.create_time") "," \
	" (SELECT COALESCE(SUM(x.total_size), 0) FROM (SELECT DISTINCT c.dataset_id, cd.total_size" \
	" FROM history_dataset_association c JOIN dataset cd ON cd.id = c.dataset_id" \
	" WHERE c.history_id = h.id AND c.purged IS NOT TRUE AND cd.purged IS NOT TRUE" \
	" AND (" ADMIN " OR " DATASET_ACCESS("c.dataset_id", READER) ")) x)," \
	" (SELECT COUNT(*) FROM history_dataset_association c WHERE c.history_id = h.id" \
	" AND c.dataset_id IS NOT NULL AND c.deleted IS NOT TRUE AND c.visible IS TRUE" \
	" AND (" ADMIN " OR " DATASET_ACCESS("c.dataset_id", READER) "))," \
	" NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL" \
	" FROM history h LEFT JOIN galaxy_user u ON u.id = h.user_id" \
	" WHERE h.id = " TARGET " AND (" ADMIN " OR " HISTORY_OPEN(READER) ")"

#define DATASET_CARD(SECONDS) \
	"SELECT hda.id, hda.name, u.username, u.id, " FLAG("NOT " DATASET_LIVE) "," \
	" " FLAG("h.user_id = " READER) ", " FLAG(DATASET_OPEN(NOBODY)) "," \
	" " SECONDS("hda.update_time") ", " SECONDS("hda.create_time") "," \
	" d.file_size, NULL, hda.hid, hda.extension, COALESCE(hda.state, d.state)," \
	" CASE WHEN " ADMIN " OR " HISTORY_OPEN(READER) " THEN h.id END," \
	" CASE WHEN " ADMIN " OR " HISTORY_OPEN(READER) " THEN h.name END," \
	" NULL, NULL, NULL" \
	" FROM history_dataset_association hda JOIN dataset d ON d.id = hda.dataset_id" \
	" LEFT JOIN history h ON h.id = hda.history_id" \
	" LEFT JOIN galaxy_user u ON u.id = h.user_id" \
	" WHERE hda.id = " OBJECT_ID " AND (" ADMIN " OR " DATASET_OPEN(READER) ")"

#define JOB_CARD(SECONDS) \
	"SELECT j.id, j.tool_id, u.username, u.id, 0, " FLAG("j.user_id = " READER) "," \
	" " FLAG(JOB_OPEN(NOBODY)) ", " SECONDS("j.update_time") ", " SECONDS("j.create_time") "," \
	" NULL, NULL, NULL, NULL, j.state, NULL, NULL, j.tool_id, j.tool_version, j.exit_code" \
	" FROM job j LEFT JOIN galaxy_user u ON u.id = j.user_id" \
	" WHERE j.id = " OBJECT_ID " AND (" ADMIN " OR " JOB_OPEN(READER) ")"

#define WORKFLOW_CARD(SECONDS, TARGET) \
	"SELECT sw.id, sw.name, u.username, u.id, " FLAG("sw.deleted IS TRUE") "," \
	" " FLAG("sw.user_id = " READER) ", " FLAG(WORKFLOW_OPEN(NOBODY)) "," \
	" " SECONDS("sw.update_time") ", " SECONDS("sw.create_time") ", NULL," \
	" (SELECT COUNT(*) FROM workflow_step ws WHERE ws.workflow_id = sw.latest_workflow_id)," \
	" NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL" \
	" FROM stored_workflow sw LEFT JOIN galaxy_user u ON u.id = sw.user_id" \
	" WHERE sw.id = " TARGET " AND (" ADMIN " OR " WORKFLOW_OPEN(READER) ")"

#define WORKFLOW_OF_VERSION \
	"(SELECT w.stored_workflow_id FROM workflow w WHERE w.id = " OBJECT_ID ")"

/* Index-aligned with enum galaxydb_card_stmt. */
const struct galaxydb_stmt galaxydb_card_stmts[GALAXYDB_CARD_STMTS] = {
	[CARD_HISTORY] = { HISTORY_CARD(PG_SECONDS, OBJECT_ID), HISTORY_CARD(SQ_SECONDS, OBJECT_ID), 3 },
	[CARD_HISTORY_SLUG] = { HISTORY_CARD(PG_SECONDS, BY_SLUG("history")),
	                        HISTORY_CARD(SQ_SECONDS, BY_SLUG("history")), 4 },
	[CARD_DATASET] = { DATASET_CARD(PG_SECONDS), DATASET_CARD(SQ_SECONDS), 3 },
	[CARD_JOB] = { JOB_CARD(PG_SECONDS), JOB_CARD(SQ_SECONDS), 3 },
	[CARD_WORKFLOW] = { WORKFLOW_CARD(PG_SECONDS, OBJECT_ID), WORKFLOW_CARD(SQ_SECONDS, OBJECT_ID),
	                    3 },
	[CARD_WORKFLOW_SLUG] = { WORKFLOW_CARD(PG_SECONDS, BY_SLUG("stored_workflow")),
	                         WORKFLOW_CARD(SQ_SECONDS, BY_SLUG("stored_workflow")), 4 },
	[CARD_WORKFLOW_VERSION] = { WORKFLOW_CARD(PG_SECONDS, WORKFLOW_OF_VERSION),
	                            WORKFLOW_CARD(SQ_SECONDS, WORKFLOW_OF_VERSION), 3 },
};

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
