/*
 * test_search.c - search.c: the rules of a search's words (how many, which
 * match as prefixes), words to an FTS5 query that SQLite always accepts,
 * and highlighted text to fragments.
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

/* Runs the query for q against a real FTS5 table: the rows it matches, or
 * -1 when SQLite refuses it. */
static int fts5_matches(sqlite3 *db, const char *q)
{
	char *match = search_fts5_query(q);
	sqlite3_stmt *s = NULL;
	int n = -1;

	sqlite3_prepare_v2(db, "SELECT count(*) FROM t WHERE t MATCH ?1", -1, &s, NULL);
	sqlite3_bind_text(s, 1, match, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	free(match);
	return n;
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
	ok(search_check("a-b-c-d-e-f-g-h i-j-k-l-m-n-o-p", err, sizeof err) == 0,
	   "16 words joined by punctuation: fine");
	ok(search_check("a-b-c-d-e-f-g-h i-j-k-l-m-n-o-p-q", err, sizeof err) < 0 &&
	   strstr(err, "16") && strstr(err, "paired-end"),
	   "17 parts in 2 words: refused, as the index would search 17 words");
	ok(search_check("a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q", err, sizeof err) < 0,
	   "17 parts in one word: refused");
	ok(search_check("\" * ( ) - \" * ( ) - \" * ( ) - \" * ( ) - \"", err, sizeof err) < 0,
	   "17 words of punctuation only: refused too");
	ok(search_check("\xc3\xa9t\xc3\xa9 \xe2\x98\x83", err, sizeof err) == 0, "non-ASCII words: fine");

	query_is("hisat", "\"hisat\"*");
	query_is("  paired   reads ", "\"paired\"* \"reads\"*");
	query_is("say \"hi\"", "\"say\"* \"\"\"hi\"\"\"");
	/* short words match whole words only: FTS5 answers "a"* by gathering
	 * every word that starts with a, whole words from the index alone */
	query_is("a", "\"a\"");
	query_is("qc", "\"qc\"");
	query_is("bam", "\"bam\"*");
	query_is("a b c", "\"a\" \"b\" \"c\"");
	query_is("a* ab* abc*", "\"a*\" \"ab*\" \"abc*\"*");
	query_is("paired-en", "\"paired-en\"");
	query_is("paired-end", "\"paired-end\"*");
	query_is("end-p", "\"end-p\"");
	query_is("abc.", "\"abc.\"*");
	query_is("\xc3\xa9\xc3\xa9", "\"\xc3\xa9\xc3\xa9\"");           /* 2 characters, 4 bytes */
	query_is("\xc3\xa9\xc3\xa9\xc3\xa9", "\"\xc3\xa9\xc3\xa9\xc3\xa9\"*");
	query_is("\"\"\"abc\"\"\"", "\"\"\"\"\"\"\"abc\"\"\"\"\"\"\"*");   /* the longest output per byte */
	query_is("*", "\"*\"");

	sqlite3_open(":memory:", &db);
	sqlite3_exec(db, "CREATE VIRTUAL TABLE t USING fts5 (x);"
	             "INSERT INTO t VALUES ('has anyone run HISAT2 on paired data?')", NULL, NULL, NULL);
	for (i = 0; i < sizeof odd / sizeof *odd; i++)
		bad += fts5_matches(db, odd[i]) < 0;
	is_int(bad, 0, "SQLite accepts the query for every odd input");
	is_int(fts5_matches(db, "hisat"), 1, "hisat finds HISAT2");
	is_int(fts5_matches(db, "ANY pair"), 1, "any and pair: starts of words, any case");
	is_int(fts5_matches(db, "hi"), 0, "hi is a whole word: not the start of HISAT2");
	is_int(fts5_matches(db, "on"), 1, "on is the whole word on");
	is_int(fts5_matches(db, "paired-dat"), 1, "paired-dat: paired, then a word starting dat");
	is_int(fts5_matches(db, "paired-da"), 0, "paired-da: da is whole");
	sqlite3_close(db);

	fragments_are("run \001HISAT2\002 on", "run HISAT2 on",
	              "[{\"text\":\"run \",\"match\":false},{\"text\":\"HISAT2\",\"match\":true},"
	              "{\"text\":\" on\",\"match\":false}]");
	fragments_are("\001a\002", "a", "[{\"text\":\"a\",\"match\":true}]");
	fragments_are("x \001\001y\002", "x \001y", "[{\"text\":\"x \\u0001y\",\"match\":false}]");
	return done_testing();
}
