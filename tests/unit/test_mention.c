/*
 * test_mention.c - the names a message's text mentions, by the grammar of
 * doc/api.md "Message text": word boundaries and punctuation, case, code
 * (fenced blocks, inline spans, runs without a closer), line ends, the
 * limits.
 */
#include <stdio.h>
#include <string.h>

#include "mention.h"
#include "tap.h"

static char names[MENTION_MAX][MENTION_NAME_MAX];
static char got[MENTION_MAX * MENTION_NAME_MAX];

/* The names text mentions, joined by spaces ("" for none, "-1" on error). */
static const char *find_n(const char *text, size_t len, size_t max)
{
	int n = mention_find(text, len, names, max);

	got[0] = '\0';
	if (n < 0)
		return "-1";
	for (int i = 0; i < n; i++)
		snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s", i ? " " : "", names[i]);
	return got;
}

static const char *find(const char *text)
{
	return find_n(text, strlen(text), MENTION_MAX);
}

int main(void)
{
	char big[4096];

	/* boundaries and punctuation */
	is_str(find("@bob hi"), "bob", "at the start of the text");
	is_str(find("hi @bob"), "bob", "after a space");
	is_str(find("thanks @bob."), "bob", "a trailing full stop is not the name's");
	is_str(find("@bob, @carol: and @dave!"), "bob carol dave", "commas, colons, exclamation marks");
	is_str(find("(@bob) [@carol] \"@dave\""), "bob carol dave", "brackets and quotes");
	is_str(find("@bob-, @carol_. @dave..."), "bob carol dave", "trailing - _ . dropped");
	is_str(find("@a.b-c_d"), "a.b-c_d", "dots, hyphens and underscores inside stay");
	is_str(find("@_x_ @-y"), "_x -y", "leading ones stay");
	is_str(find("@... @- @"), "", "nothing left after dropping: no mention");
	is_str(find("mail bob@example.org"), "", "an address is no mention");
	is_str(find("x.@bob x-@bob x_@bob x9@bob"), "", "after a name character: none");
	is_str(find("@bob@carol"), "bob", "an @ right after a name is no mention");
	is_str(find("caf\xc3\xa9@bob"), "bob", "after a letter outside [A-Za-z0-9._-]: a mention");
	is_str(find("@bob\xc3\xa9"), "bob", "the name ends at a character outside the class");
	is_str(find("user#42 @user#42"), "user", "a handle's # ends the name: user#<id> cannot be mentioned");
	is_str(find("\t@bob\n@carol"), "bob carol", "after a tab, at a line's start");

	/* case and repeats */
	is_str(find("@Bob @BOB @bob"), "bob", "lowercased, each name once");
	is_str(find("@carol @bob @carol"), "carol bob", "in the order of first mention");

	/* inline code */
	is_str(find("`@bob`"), "", "inside inline code");
	is_str(find("see `x @bob` and @carol"), "carol", "only outside the span");
	is_str(find("``a ` @bob``"), "", "a run of two closes only at a run of two");
	is_str(find("`@bob"), "bob", "a run with no closer is text");
	is_str(find("``@bob`"), "bob", "runs of different lengths do not pair");
	is_str(find("`a` @bob `c`"), "bob", "between two spans");
	is_str(find("`a`@bob"), "bob", "right after a span's closer");
	is_str(find("@bob`x`"), "bob", "right before a span");
	is_str(find("`x\n@bob`"), "bob", "a span ends at the end of its line");
	is_str(find("` `` @bob ``` `"), "", "a span holds runs of other lengths");
	is_str(find("` ``` @bob ``` @carol"), "carol", "an unclosed run is text, the later runs pair");

	/* fenced blocks */
	is_str(find("```\n@bob\n```\n@carol"), "carol", "a fenced block");
	is_str(find("```python\n@bob\n```"), "", "with a language word");
	is_str(find("```c++\n@bob\n```  \n@carol"), "carol", "a closer may have trailing spaces");
	is_str(find("````\n@bob\n```\n@carol\n````\n@dave"), "dave",
	       "a shorter run does not close a longer fence");
	is_str(find("```\n@bob\n`````\n@carol"), "carol", "a longer run closes");
	is_str(find("```\n@bob"), "", "an unclosed fence runs to the end");
	is_str(find("``` python\n@bob"), "bob", "a space before the word: no fence");
	is_str(find("```foo bar\n@bob"), "bob", "two words: no fence");
	is_str(find(" ```\n@bob"), "bob", "leading spaces: no fence");
	is_str(find("``\n@bob\n``"), "bob", "two backticks: no fence");
	snprintf(big, sizeof big, "```%.*s\n@bob", 33, "abcdefghijklmnopqrstuvwxyz0123456789");
	is_str(find(big), "bob", "a language word of 33 characters: no fence");
	snprintf(big, sizeof big, "```%.*s\n@bob", 32, "abcdefghijklmnopqrstuvwxyz0123456789");
	is_str(find(big), "", "of 32: a fence");
	is_str(find("```\r\n@bob\r\n```\r\n@carol\r\n"), "carol", "\\r\\n line ends");
	is_str(find("```\r\r\n@bob"), "bob", "a line ending in a stray \\r opens nothing");
	is_str(find("x ```\n@bob\n```"), "bob", "backticks inside a line open no block");

	/* bytes and limits */
	is_str(find_n("@bob\0@carol", 11, MENTION_MAX), "bob carol", "a NUL is an ordinary character");
	is_str(find_n("@bob @carol @dave", 17, 2), "bob carol", "at most max names");
	is_int(mention_find(NULL, 0, names, MENTION_MAX), 0, "no text");
	memset(big, 'x', sizeof big);
	big[0] = '@';
	is_int((long long)strlen(find_n(big, MENTION_NAME_MAX, MENTION_MAX)), MENTION_NAME_MAX - 1,
	       "a name of 255 characters is one");
	is_str(find_n(big, MENTION_NAME_MAX + 1, MENTION_MAX), "", "of 256 it names no one");
	big[0] = '\0';
	for (int k = 1; strlen(big) + k + 8 < sizeof big; k++)   /* runs of 1, 2, 3... backticks */
		snprintf(big + strlen(big), sizeof big - strlen(big), "%.*s @x ", k,
		         "````````````````````````````````````````````````````````````````````````````"
		         "``````````````````````````");
	is_str(find(big), "x", "a line of runs of many lengths, none closed: all text");
	return done_testing();
}
