/*
 * test_httpparse.c - percent-decoding, query strings, numbers, Cookie headers
 * and origins, good and bad.
 */
#include <stdio.h>
#include <string.h>

#include "httpparse.h"
#include "tap.h"

int main(void)
{
	char out[64];

	is_int(http_percent_decode("a%20b+c", 7, 1, out, sizeof out), 5, "decoded length");
	is_str(out, "a b c", "percent and plus decoded");
	http_percent_decode("a+b", 3, 0, out, sizeof out);
	is_str(out, "a+b", "plus kept in paths");
	http_percent_decode("%C3%A9%e2%82%ac", 15, 1, out, sizeof out);
	is_str(out, "\xc3\xa9\xe2\x82\xac", "upper and lower case hex");
	is_int(http_percent_decode("%", 1, 1, out, sizeof out), -1, "lone % refused");
	is_int(http_percent_decode("%4", 2, 1, out, sizeof out), -1, "short escape refused");
	is_int(http_percent_decode("%zz", 3, 1, out, sizeof out), -1, "non-hex escape refused");
	is_int(http_percent_decode("a%00b", 5, 1, out, sizeof out), -1, "encoded NUL refused");
	is_int(http_percent_decode("abcdef", 6, 1, out, 4), -1, "overflow refused");
	is_int(http_percent_decode("abc", 3, 1, out, 4), 3, "exact fit");
	is_int(http_percent_decode("", 0, 1, out, sizeof out), 0, "empty");
	is_int(http_percent_decode("x", 1, 1, out, 0), -1, "no room at all");

	is_int(http_query_get("since=12&timeout=5", "timeout", out, sizeof out), 1, "found");
	is_str(out, "5", "value");
	is_int(http_query_get("since=12&timeout=5", "limit", out, sizeof out), 0, "absent");
	is_int(http_query_get("", "since", out, sizeof out), 0, "empty query");
	is_int(http_query_get(NULL, "since", out, sizeof out), 0, "no query");
	is_int(http_query_get("a=1&a=2", "a", out, sizeof out), 1, "duplicate: first wins");
	is_str(out, "1", "first value");
	is_int(http_query_get("q=r%C3%A9sum%C3%A9+x", "q", out, sizeof out), 1, "encoded value");
	is_str(out, "r\xc3\xa9sum\xc3\xa9 x", "decoded value");
	is_int(http_query_get("since", "since", out, sizeof out), 1, "key without =");
	is_str(out, "", "empty value");
	is_int(http_query_get("&&since=3&", "since", out, sizeof out), 1, "empty pairs skipped");
	is_int(http_query_get("s%69nce=4", "since", out, sizeof out), 1, "encoded key");
	is_int(http_query_get("since=1&x=%zz", "since", out, sizeof out), -1, "malformed elsewhere refused");
	is_int(http_query_get("since=%", "since", out, sizeof out), -1, "malformed value refused");
	is_int(http_query_get("since=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	                      "since", out, sizeof out), -1, "value too long refused");

	long long v;
	is_int(http_parse_int("123", 0, 1000, &v), 0, "number");
	is_int(v, 123, "its value");
	is_int(http_parse_int("0", 0, 10, &v), 0, "zero");
	is_int(http_parse_int("", 0, 10, &v), -1, "empty refused");
	is_int(http_parse_int("-1", 0, 10, &v), -1, "sign refused");
	is_int(http_parse_int("1e3", 0, 10000, &v), -1, "exponent refused");
	is_int(http_parse_int(" 1", 0, 10, &v), -1, "space refused");
	is_int(http_parse_int("11", 0, 10, &v), -1, "over max refused");
	is_int(http_parse_int("99999999999999999999999", 0, 1LL << 53, &v), -1, "huge refused");
	is_int(http_parse_int(NULL, 0, 10, &v), -1, "NULL refused");

	const char *cv;
	size_t cl;
	is_int(http_cookie_get("a=1; galaxysession=abc; b=2", "galaxysession", &cv, &cl), 1, "cookie found");
	ok(cl == 3 && memcmp(cv, "abc", 3) == 0, "its value");
	is_int(http_cookie_get("galaxysession=x; galaxysession=y", "galaxysession", &cv, &cl), 1, "one of two");
	ok(cl == 1 && *cv == 'y', "the last wins, as in Galaxy (SimpleCookie, WebOb)");
	is_int(http_cookie_get("galaxysession=xx; a=1; galaxysession=\"\"", "galaxysession", &cv, &cl), 1,
	       "an empty last one");
	is_int(cl, 0, "is the one taken");
	is_int(http_cookie_get(" galaxysession = \"q\" ;", "galaxysession", &cv, &cl), 1, "spaces and quotes");
	ok(cl == 1 && *cv == 'q', "stripped");
	is_int(http_cookie_get("xgalaxysession=1; galaxysessionx=2", "galaxysession", &cv, &cl), 0,
	       "prefix and suffix names are other cookies");
	is_int(http_cookie_get("galaxysession", "galaxysession", &cv, &cl), 0, "a name without = is no cookie");
	is_int(http_cookie_get(NULL, "galaxysession", &cv, &cl), 0, "no header");
	is_int(http_cookie_get("galaxysession=\"", "galaxysession", &cv, &cl), 1, "a lone quote");
	is_int(cl, 1, "is kept");

	static const struct { const char *in, *want; } origins[] = {
		{ "https://galaxy.example.org", "https://galaxy.example.org" },
		{ "HTTPS://Galaxy.Example.ORG/", "https://galaxy.example.org" },
		{ "https://galaxy.example.org:443", "https://galaxy.example.org" },
		{ "http://galaxy.example.org:80", "http://galaxy.example.org" },
		{ "http://galaxy.example.org:443", "http://galaxy.example.org:443" },
		{ "https://galaxy.example.org:8443", "https://galaxy.example.org:8443" },
		{ "http://127.0.0.1:8080", "http://127.0.0.1:8080" },
		{ "http://[::1]:8080", "http://[::1]:8080" },
		{ "http://[::1]", "http://[::1]" },
		{ "null", NULL }, { "", NULL }, { "*", NULL }, { "https://", NULL },
		{ "ftp://galaxy.example.org", NULL }, { "https://galaxy.example.org/x", NULL },
		{ "https://galaxy.example.org//", NULL }, { "https://user@galaxy.example.org", NULL },
		{ "https://galaxy.example.org:", NULL }, { "https://galaxy.example.org:0", NULL },
		{ "https://galaxy.example.org:65536", NULL }, { "https://galaxy.example.org:123456", NULL },
		{ "https://galaxy.example.org:-1", NULL }, { "https://galaxy.example.org evil", NULL },
		{ "https://[::1", NULL }, { "https://[]", NULL }, { "https://[::1]x", NULL },
		{ "https://galaxy.example.org?x", NULL }, { "https://galaxy.example.org#x", NULL },
	};
	for (size_t i = 0; i < sizeof origins / sizeof *origins; i++) {
		char norm[64], name[128];
		int rc = http_origin_normalize(origins[i].in, norm, sizeof norm);
		snprintf(name, sizeof name, "origin \"%s\"", origins[i].in);
		if (origins[i].want)
			ok(rc == 0 && strcmp(norm, origins[i].want) == 0, name);
		else
			is_int(rc, -1, name);
	}
	is_int(http_origin_normalize("https://galaxy.example.org", out, 10), -1, "origin that does not fit");
	return done_testing();
}
