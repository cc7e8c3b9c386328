/*
 * fuzz_search.c - libFuzzer target: search.c on any q. The FTS5 query fits
 * its buffer, has one quoted phrase per word (a star only after a part of
 * SEARCH_PREFIX_MIN characters), and SQLite's FTS5 accepts it whenever
 * search_check does; fragments of any marked text join up to the text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "search.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static sqlite3 *db;       /* one in-memory FTS5 table for the run */
static sqlite3_stmt *s;

static void fts5_close(void)
{
	sqlite3_finalize(s);
	sqlite3_close(db);
}

/* 1 when FTS5 takes match as a query. */
static int fts5_accepts(const char *match)
{
	int rc;

	if (!db && (atexit(fts5_close) != 0 || sqlite3_open(":memory:", &db) != SQLITE_OK ||
	            sqlite3_exec(db, "CREATE VIRTUAL TABLE t USING fts5 (x);"
	                         "INSERT INTO t VALUES ('has anyone run HISAT2 on paired-end data?')",
	                         NULL, NULL, NULL) != SQLITE_OK ||
	            sqlite3_prepare_v2(db, "SELECT count(*) FROM t WHERE t MATCH ?1", -1, &s, NULL) != SQLITE_OK))
		abort();
	sqlite3_bind_text(s, 1, match, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	return rc == SQLITE_ROW;
}

/* The words of q, split on whitespace as search.c does. */
static size_t words_of(const char *q)
{
	static const char space[] = " \t\r\n\f\v";
	size_t n = 0;

	for (q += strspn(q, space); *q; q += strspn(q, space)) {
		n++;
		q += strcspn(q, space);
	}
	return n;
}

/* The phrases of an FTS5 query as search_fts5_query writes them, or -1
 * when it is not "phrase"[*] separated by single spaces. */
static long phrases_of(const char *m)
{
	long n = 0;

	while (*m) {
		if (n && *m++ != ' ')
			return -1;
		if (*m++ != '"')
			return -1;
		for (;; m++) {
			if (!*m)
				return -1;
			if (*m == '"' && m[1] == '"')
				m++;
			else if (*m == '"')
				break;
		}
		m++;
		if (*m == '*')
			m++;
		n++;
	}
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *q = malloc(size + 1), *plain = malloc(size + 1), *match, err[128] = "";
	json_object *frags;
	size_t o = 0;

	if (!q || !plain)
		abort();
	memcpy(q, data, size);
	q[size] = '\0';   /* a NUL inside ends q, as in a C string from the query */
	int checked = search_check(q, err, sizeof err);
	if ((checked != 0 && checked != -1) || (checked < 0 && !err[0]))
		abort();
	if (!(match = search_fts5_query(q)) || strlen(match) > 3 * strlen(q) + 3 ||
	    phrases_of(match) != (long)words_of(q) || (checked == 0 && !fts5_accepts(match)))
		abort();
	free(match);

	for (const char *p = q; *p; p++)
		if (*p != SEARCH_MARK_ON[0] && *p != SEARCH_MARK_OFF[0])
			plain[o++] = *p;
	plain[o] = '\0';
	if (!(frags = search_fragments(q, plain)))
		abort();
	o = 0;
	for (size_t i = 0; i < json_object_array_length(frags); i++) {
		const char *t = json_object_get_string(json_object_object_get(
			json_object_array_get_idx(frags, i), "text"));
		size_t n = strlen(t);

		if (strncmp(plain + o, t, n) != 0)
			abort();
		o += n;
	}
	if (plain[o])
		abort();
	json_object_put(frags);
	free(q);
	free(plain);
	return 0;
}
