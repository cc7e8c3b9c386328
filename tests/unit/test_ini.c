/*
 * test_ini.c - the INI reader on good files and every kind of bad line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ini.h"
#include "tap.h"

struct seen {
	char text[4096];
	int stop_at;
	int calls;
};

static int collect(const char *section, const char *key, const char *value, int lineno, void *ud)
{
	struct seen *s = ud;
	size_t l = strlen(s->text);
	snprintf(s->text + l, sizeof s->text - l, "[%s]%s=%s@%d;", section, key, value, lineno);
	return ++s->calls == s->stop_at ? 7 : 0;
}

static int parse(const char *text, struct seen *s, char *err)
{
	memset(s, 0, sizeof *s);
	return ini_parse_buffer(text, strlen(text), "t.ini", collect, s, err, 256);
}

int main(void)
{
	struct seen s;
	char err[256];

	is_int(parse("[chat]\nstore = /x\n", &s, err), 0, "simple key");
	is_str(s.text, "[chat]store=/x@2;", "key, value and line");

	parse("# c\n; c\n\n[A b]\n  Key:  v w  \n", &s, err);
	is_str(s.text, "[A b]key=v w@5;", "comments skipped, key lowercased, colon, trimmed");

	parse("[s]\nk = v ; comment\nj = a;b\n", &s, err);
	is_str(s.text, "[s]k=v@2;[s]j=a;b@3;", "inline ; comment after a space only");

	parse("[s]\nk = one\n  two\n\tthree\nz=\n", &s, err);
	is_str(s.text, "[s]k=one\ntwo\nthree@2;[s]z=@5;", "continuation lines and empty value");

	parse("[s]\r\nk = v\r\n", &s, err);
	is_str(s.text, "[s]k=v@2;", "CRLF line ends");

	is_int(parse("k = v\n", &s, err), -1, "key before a section refused");
	ok(strstr(err, "t.ini:1") != NULL, "message names file and line");
	is_int(parse("[s]\njunk\n", &s, err), -1, "line without = refused");
	ok(strstr(err, "t.ini:2") != NULL, "message names line 2");
	is_int(parse("[s\n", &s, err), -1, "unclosed section refused");
	is_int(parse("[]\n", &s, err), -1, "empty section name refused");
	is_int(parse("[s]\n= v\n", &s, err), -1, "empty key refused");

	char nul[] = "[s]\nk = a\0b\n";
	memset(&s, 0, sizeof s);
	is_int(ini_parse_buffer(nul, sizeof nul - 1, "t.ini", collect, &s, err, sizeof err), -1,
	       "NUL byte refused");

	size_t big = 70000;
	char *longline = malloc(big + 16);
	memcpy(longline, "[s]\nk=", 6);
	memset(longline + 6, 'x', big);
	longline[6 + big] = '\0';
	is_int(parse(longline, &s, err), -1, "line over 64 KiB refused");
	free(longline);

	memset(&s, 0, sizeof s);
	s.stop_at = 1;
	is_int(ini_parse_buffer("[s]\na=1\nb=2\n", 12, "t.ini", collect, &s, err, sizeof err), 7,
	       "callback's non-zero value stops the parse");
	is_int(s.calls, 1, "no call after the stop");

	is_int(ini_parse_file("/nonexistent/x.ini", collect, &s, err, sizeof err), -1,
	       "missing file refused");
	ok(strstr(err, "/nonexistent/x.ini") != NULL, "message names the file");
	is_int(parse("", &s, err), 0, "empty file is fine");
	return done_testing();
}
