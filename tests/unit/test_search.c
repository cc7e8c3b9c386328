/*
 * test_search.c - search.c: words to an FTS5 query that SQLite always
 * accepts, and highlighted text to fragments.
 */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "search.h"
#include "tap.h"

static void query_is(const char *q, const char *want)
{
	char *got = search_fts5_query(q), name[128];

	snprintf(name, sizeof name, "query for [%s]", q);
	is_str(got, want, name);
	free(got);
}

/* Runs the query for q against a real FTS5 table: 1 when SQLite takes it. */
static int fts5_accepts(sqlite3 *db, const char *q)
{
	char *match = search_fts5_query(q);
	sqlite3_stmt *s = NULL;
	int rc;

	sqlite3_prepare_v2(db, "SELECT count(*) FROM t WHERE t MATCH ?1", -1, &s, NULL);
	sqlite3_bind_text(s, 1, match, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	free(match);
	return rc == SQLITE_ROW;
}

static void fragments_are(const char *marked, const char *original, const char *want)
{
	json_object *f = search_fragments(marked, original);

	is_str(json_object_to_json_string_ext(f, JSON_C_TO_STRING_PLAIN), want, original);
	json_object_put(f);
}

int main(void)
{
	static const char *const odd[] = {
		"\"", "\"\"", "a\"b", "AND", "OR NOT", "NEAR(a b, 2)", "*", "^x", "a:b", "-x", "+",
		"(", ")", "{a b}", "col:val", "x*y", "\xe2\x98\x83", "'", ";", "\\", "a\tb\nc",
	};
	char err[128];
	sqlite3 *db;
	size_t i;
	int bad = 0;

	ok(search_check("", err, sizeof err) < 0 && strstr(err, "nothing"), "empty: refused");
	ok(search_check(" \t\n", err, sizeof err) < 0, "blank: refused");
	ok(search_check("a b c d e f g h i j k l m n o p", err, sizeof err) == 0, "16 words: fine");
	ok(search_check("a b c d e f g h i j k l m n o p q", err, sizeof err) < 0 &&
	   strstr(err, "16"), "17 words: refused, saying the limit");

	query_is("hisat", "\"hisat\"*");
	query_is("  paired   reads ", "\"paired\"* \"reads\"*");
	query_is("say \"hi\"", "\"say\"* \"\"\"hi\"\"\"*");

	sqlite3_open(":memory:", &db);
	sqlite3_exec(db, "CREATE VIRTUAL TABLE t USING fts5 (x);"
	             "INSERT INTO t VALUES ('has anyone run HISAT2 on paired data?')", NULL, NULL, NULL);
	for (i = 0; i < sizeof odd / sizeof *odd; i++)
		bad += !fts5_accepts(db, odd[i]);
	is_int(bad, 0, "SQLite accepts the query for every odd input");
	sqlite3_close(db);

	fragments_are("run \001HISAT2\002 on", "run HISAT2 on",
	              "[{\"text\":\"run \",\"match\":false},{\"text\":\"HISAT2\",\"match\":true},"
	              "{\"text\":\" on\",\"match\":false}]");
	fragments_are("\001a\002", "a", "[{\"text\":\"a\",\"match\":true}]");
	fragments_are("x \001\001y\002", "x \001y", "[{\"text\":\"x \\u0001y\",\"match\":false}]");
	return done_testing();
}
