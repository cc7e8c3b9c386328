/*
 * test_metrics.c - the host's counters (metrics.c) and the address lists
 * of metrics_allow (addrlist.c): networks of both families, mapped IPv4,
 * malformed items; counts of two processes summed in one file, a process
 * that is killed no longer counted, route names of two route tables kept
 * apart, and text that promtool-style parsing accepts (each line a comment
 * or "name{labels} value").
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "addrlist.h"
#include "cfg.h"
#include "metrics.h"
#include "store.h"
#include "tap.h"

static char dir[] = "/tmp/gc-test-metrics-XXXXXX";
static char store[600];

static void test_addrlist(void)
{
	char *list[] = { "127.0.0.0/8", "::1", "10.1.0.0/16", "2001:db8::/32", "192.0.2.7", "bad" };
	size_t n = sizeof list / sizeof *list;

	ok(addrlist_match(list, n, "127.0.0.1") && addrlist_match(list, n, "127.255.1.2"),
	   "an IPv4 network matches its addresses");
	ok(!addrlist_match(list, n, "128.0.0.1"), "... not those outside");
	ok(addrlist_match(list, n, "::1") && !addrlist_match(list, n, "::2"), "one IPv6 address");
	ok(addrlist_match(list, n, "::ffff:127.0.0.1"), "an IPv4-mapped client matches as IPv4");
	ok(addrlist_match(list, n, "10.1.255.255") && !addrlist_match(list, n, "10.2.0.0"),
	   "a /16 network");
	ok(addrlist_match(list, n, "2001:db8:ffff::1") && !addrlist_match(list, n, "2001:db9::1"),
	   "an IPv6 /32 network");
	ok(addrlist_match(list, n, "192.0.2.7") && !addrlist_match(list, n, "192.0.2.8"),
	   "an IPv4 address alone is a /32");
	ok(!addrlist_match(list, n, NULL) && !addrlist_match(list, n, "") &&
	   !addrlist_match(list, n, "bad") && !addrlist_match(list, n, "127.0.0.1/8"),
	   "no address, a malformed one, a network as the client: never");
	ok(!addrlist_match(list, 0, "127.0.0.1"), "an empty list: nothing");
	ok(addrlist_match((char *[]){ "0.0.0.0/0" }, 1, "203.0.113.9") &&
	   !addrlist_match((char *[]){ "0.0.0.0/0" }, 1, "2001:db8::1"), "0.0.0.0/0: every IPv4 client only");
	ok(addrlist_match((char *[]){ "10.0.0.0/7" }, 1, "11.255.0.1") &&
	   !addrlist_match((char *[]){ "10.0.0.0/7" }, 1, "12.0.0.1"), "a prefix that is not whole bytes");
	ok(addrlist_valid("::/0") && addrlist_valid("10.0.0.0/8") && !addrlist_valid("10.0.0.0/33") &&
	   !addrlist_valid("::1/129") && !addrlist_valid("10.0.0.0/") && !addrlist_valid("10.0.0.0/+8") &&
	   !addrlist_valid("10.0.0.0/8x") && !addrlist_valid("localhost") && !addrlist_valid(""),
	   "items: prefix lengths within the family, no names, nothing trailing");
}

/* The value of the series line starting with prefix in text, or -1. */
static double series(const char *text, const char *prefix)
{
	for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (strncmp(p, prefix, strlen(prefix)) == 0 && p[strlen(prefix)] == ' ')
			return atof(p + strlen(prefix) + 1);
	return -1;
}

static char *text_now(void)
{
	size_t len;
	char *t = metrics_text(42, &len);

	ok(t && strlen(t) == len, "the text is made");
	return t;
}

/* Every line a "# HELP"/"# TYPE" comment or a sample "name{...} number". */
static int well_formed(const char *t)
{
	for (const char *p = t; *p;) {
		const char *end = strchr(p, '\n');
		char line[512], *sp;
		if (!end || (size_t)(end - p) >= sizeof line)
			return 0;
		memcpy(line, p, (size_t)(end - p));
		line[end - p] = '\0';
		p = end + 1;
		if (strncmp(line, "# HELP galaxy_chat_", 19) == 0 || strncmp(line, "# TYPE galaxy_chat_", 19) == 0)
			continue;
		if (strncmp(line, "galaxy_chat_", 12) != 0 || !(sp = strrchr(line, ' ')))
			return 0;
		char *num_end;
		strtod(sp + 1, &num_end);
		if (*num_end || num_end == sp + 1)
			return 0;
	}
	return 1;
}

static void test_counting(void)
{
	static const char *const routes_a[] = { "GET /v1/health", "POST /v1/rooms/{room}/join" };
	static const char *const routes_b[] = { "POST /v1/rooms/{room}/join", "GET /v1/new" };
	struct cfg c = { .store = store };
	struct store_event ev = { .id = 1, .ts_ms = 0 }, *evs[] = { &ev };
	char err[4500];
	int to_child[2], from_child[2];
	char *t;
	pid_t pid;

	ok(metrics_open(&c, routes_a, 2, err, sizeof err) == 0, "the host's file opens");
	metrics_request(0, 200, 500);
	metrics_request(1, 200, 3000);
	metrics_request(1, 429, 70000000);
	metrics_request(-1, 404, 100);
	metrics_request(7, 999, 100);   /* no such route, no such status */
	metrics_count(METRICS_RATE_JOIN);
	metrics_waiting(2);
	metrics_delivered(evs, 1);   /* no ts: not counted */

	if (pipe(to_child) < 0 || pipe(from_child) < 0 || (pid = fork()) < 0) {
		printf("Bail out! %s\n", strerror(errno));
		exit(1);
	}
	if (pid == 0) {   /* another process, of another build's route table */
		char go;
		metrics_close();
		if (metrics_open(&c, routes_b, 2, err, sizeof err) < 0)
			_exit(1);
		metrics_request(0, 200, 1000);
		metrics_request(1, 201, 1000);
		metrics_waiting(3);
		if (write(from_child[1], "r", 1) != 1 || read(to_child[0], &go, 1) != 1)
			_exit(1);
		_exit(0);
	}
	char r = 0;
	ok(read(from_child[0], &r, 1) == 1 && r == 'r', "a second process counted");
	t = text_now();
	if (t) {
		ok(well_formed(t), "every line a comment or a sample");
		is_int((int)series(t, "galaxy_chat_processes"), 2, "two processes alive");
		is_int((int)series(t, "galaxy_chat_polls_waiting"), 5, "their waiting polls summed");
		is_int((int)series(t, "galaxy_chat_requests_total{method=\"POST\",route=\"/v1/rooms/{room}/join\",code=\"200\"}"),
		       2, "one route's count of both processes, whatever its index in each");
		is_int((int)series(t, "galaxy_chat_requests_total{method=\"GET\",route=\"/v1/new\",code=\"201\"}"), 1,
		       "the other table's route under its own name");
		is_int((int)series(t, "galaxy_chat_requests_total{method=\"GET\",route=\"/v1/new\",code=\"200\"}"), -1,
		       "a route's series only once it counted");
		is_int((int)series(t, "galaxy_chat_requests_total{method=\"none\",route=\"none\",code=\"404\"}"), 1,
		       "no route: \"none\"");
		is_int((int)series(t, "galaxy_chat_requests_total{method=\"none\",route=\"none\",code=\"500\"}"), 1,
		       "an unknown route index and a status out of range: none, 500");
		is_int((int)series(t, "galaxy_chat_request_duration_seconds_bucket{method=\"POST\",route=\"/v1/rooms/{room}/join\",le=\"0.001\"}"),
		       1, "the duration histogram: 1 ms");
		is_int((int)series(t, "galaxy_chat_request_duration_seconds_bucket{method=\"POST\",route=\"/v1/rooms/{room}/join\",le=\"0.0025\"}"),
		       1, "... cumulative");
		is_int((int)series(t, "galaxy_chat_request_duration_seconds_bucket{method=\"POST\",route=\"/v1/rooms/{room}/join\",le=\"60\"}"),
		       2, "... up to 60 s");
		is_int((int)series(t, "galaxy_chat_request_duration_seconds_bucket{method=\"POST\",route=\"/v1/rooms/{room}/join\",le=\"+Inf\"}"),
		       3, "... and past it, +Inf");
		is_int((int)series(t, "galaxy_chat_request_duration_seconds_count{method=\"POST\",route=\"/v1/rooms/{room}/join\"}"),
		       3, "... its count");
		ok(series(t, "galaxy_chat_request_duration_seconds_sum{method=\"POST\",route=\"/v1/rooms/{room}/join\"}") > 70.003,
		   "... its sum in seconds");
		is_int((int)series(t, "galaxy_chat_rate_limited_total{limit=\"join\"}"), 1, "a rate limit by kind");
		is_int((int)series(t, "galaxy_chat_delivery_delay_seconds_count"), 0, "an event with no time is not counted");
		is_int((int)series(t, "galaxy_chat_events_stored_total"), 42, "events stored as given");
		free(t);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	t = text_now();
	if (t) {
		is_int((int)series(t, "galaxy_chat_processes"), 1, "a killed process no longer counts");
		is_int((int)series(t, "galaxy_chat_polls_waiting"), 2, "... nor its polls");
		is_int((int)series(t, "galaxy_chat_requests_total{method=\"GET\",route=\"/v1/new\",code=\"201\"}"), 1,
		       "... but what it counted stays counted");
		free(t);
	}
	metrics_close();
	t = text_now();
	if (t) {
		is_int((int)series(t, "galaxy_chat_processes"), 1, "closed: this process alone");
		is_int((int)series(t, "galaxy_chat_requests_total{method=\"GET\",route=\"/v1/health\",code=\"200\"}"),
		       -1, "... with its private counters");
		free(t);
	}
	ok(metrics_open(&c, routes_a, 2, err, sizeof err) == 0, "opened again");
	t = text_now();
	if (t) {
		is_int((int)series(t, "galaxy_chat_requests_total{method=\"GET\",route=\"/v1/health\",code=\"200\"}"),
		       1, "the host's counts outlive the processes");
		free(t);
	}
	metrics_close();
}

int main(void)
{
	char path[700];

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!mkdtemp(dir)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	snprintf(store, sizeof store, "%s/chat.sqlite", dir);
	test_addrlist();
	test_counting();
	snprintf(path, sizeof path, "%s-metrics", store);
	ok(access(path, F_OK) == 0, "the file lives beside the store");
	unlink(path);
	rmdir(dir);
	return done_testing();
}
