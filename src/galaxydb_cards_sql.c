/*
 * galaxydb_cards_sql.c - the card statements (galaxydb_impl.h): Galaxy's
 * access rules for a reader, written once as SQL and made into each
 * dialect's text by the preprocessor; the dialects differ only
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
#include "galaxydb_impl.h"

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

/* Every card has the columns of enum galaxydb_card_col (galaxydb_impl.h),
 * in that order, NULL where a kind has none. */
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
