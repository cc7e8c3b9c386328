/*
 * test_httpparse.c - percent-decoding, query strings and numbers, good and bad.
 */
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
	return done_testing();
}
