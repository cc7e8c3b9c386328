/*
 * search.h - the user's side of full-text search, the same for every store:
 * the rules a search's words follow (how many, which may match the start
 * of longer words), plain words turned into a query that cannot be a
 * syntax error, and text highlighted by the store turned into fragments a
 * client shows as text.
 */
#ifndef GC_SEARCH_H
#define GC_SEARCH_H

#include <stddef.h>
#include <json-c/json.h>

#define SEARCH_MAX_WORDS 16
#define SEARCH_PREFIX_MIN 3      /* characters a word needs to match longer words too */
#define SEARCH_MARK_ON "\001"    /* the store puts these around each match */
#define SEARCH_MARK_OFF "\002"

/* Whether q is something to search for: 1 to SEARCH_MAX_WORDS words,
 * split on whitespace and, as the index splits them, on punctuation
 * ("paired-end" is two). 0, or -1 with a message for the user in err. */
int search_check(const char *q, char *err, size_t errlen);

/* The FTS5 query for the words of a checked q: each whitespace-separated
 * word quoted (a phrase of its parts, so any input is a valid query),
 * every word required. A word whose last part has at least
 * SEARCH_PREFIX_MIN characters also matches as the start of a longer word
 * ("hisat"*); a shorter one only as a whole word, which the index answers
 * without gathering every word that starts so. Returns a new string the
 * caller frees, or NULL when out of memory. */
char *search_fts5_query(const char *q);

/* Splits marked (original with the SEARCH_MARK_* pairs around matches) into
 * a new JSON array of {"text": "...", "match": true|false} whose texts join
 * up to original. When original holds a marker character itself, the
 * marks cannot be trusted: one unmatched fragment. Caller puts the array;
 * NULL when out of memory. */
json_object *search_fragments(const char *marked, const char *original);

#endif
