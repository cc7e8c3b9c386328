/*
 * test_mail.c - mail.c's composer: addresses, From values, the digest's
 * words, RFC 2047 subjects, quoted-printable bodies with short CRLF lines,
 * and no way for a name or a text to add a header. The message is read
 * back with tests/unit/mail_check.h.
 */
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "mail.h"
#include "mail_check.h"
#include "tap.h"
#include "utf8.h"

#define FROM "\"Galaxy Project\" <galaxy@example.org>"
#define URL "https://galaxy.example.org/chat/"
#define MAY_1 1714564800LL   /* 2024-05-01 12:00:00 UTC */

static void test_addresses(void)
{
	static const char *const good[] = {
		"alice@example.org", "a.b+c@example.org", "x@localhost", "o'neil@ex-ample.co.uk",
		"{}!#$%&*=?^_`|~@x.org",
	};
	static const char *const bad[] = {
		"", "alice", "@example.org", "alice@", "al ice@example.org", "alice@exa mple.org",
		"alice@example.org\r\nBcc: x@y.org", "alice\n@example.org", "<alice@example.org>",
		"a..b@example.org", ".a@example.org", "a.@example.org", "alice@example..org",
		"alice@-example.org", "alice@example.org.", "\"a\"@example.org", "al,ice@example.org",
		"äli@example.org", "alice@exämple.org", "a@b@example.org", "alice@[127.0.0.1]",
	};
	char longest[300];

	for (size_t i = 0; i < sizeof good / sizeof *good; i++)
		ok(mail_address_ok(good[i]), good[i]);
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		ok(!mail_address_ok(bad[i]), "refused: an address with a flaw");
	memset(longest, 'a', 65);
	strcpy(longest + 65, "@example.org");
	ok(!mail_address_ok(longest), "a local part of 65 bytes is refused");
	longest[64] = '@';
	longest[65] = 'x';
	ok(mail_address_ok(longest + 1), "one of 64 bytes is fine");
}

static void test_from(void)
{
	char name[64], addr[64];

	ok(mail_from_parse("galaxy@example.org", name, sizeof name, addr, sizeof addr) == 0 &&
	   !strcmp(name, "") && !strcmp(addr, "galaxy@example.org"), "From: an address alone");
	ok(mail_from_parse(" Galaxy Project  <galaxy@example.org> ", name, sizeof name,
	                   addr, sizeof addr) == 0 &&
	   !strcmp(name, "Galaxy Project") && !strcmp(addr, "galaxy@example.org"),
	   "From: Name <address>, spaces trimmed");
	ok(mail_from_parse(FROM, name, sizeof name, addr, sizeof addr) == 0 &&
	   !strcmp(name, "Galaxy Project"), "From: \"Name\" <address>, the quotes dropped");
	ok(mail_from_parse("Galaxy <galaxy@example.org", name, sizeof name, addr, sizeof addr) < 0,
	   "From: an unclosed < is refused");
	ok(mail_from_parse("Galaxy galaxy@example.org>", name, sizeof name, addr, sizeof addr) < 0,
	   "From: a > without < is refused");
	ok(mail_from_parse("Galaxy <galaxy@example.org\r\nBcc: x@y.org>", name, sizeof name,
	                   addr, sizeof addr) < 0, "From: a line break in the address is refused");
	ok(mail_from_parse("Galaxy <galaxy@example.org>", name, 4, addr, sizeof addr) < 0,
	   "From: a name too long for the buffer is refused");
}

/* Builds a mail, checks its form, returns it (caller clears). */
static int build(const char *subject, const char *body, struct mail *m)
{
	char err[256];
	const char *bad;

	if (mail_build(FROM, "alice@example.org", subject, body, (time_t)MAY_1, m,
	               err, sizeof err) < 0) {
		printf("# mail_build: %s\n", err);
		return -1;
	}
	if ((bad = mail_check_form(m->data, m->len))) {
		printf("# malformed: %s\n", bad);
		return -1;
	}
	return 0;
}

/* 1 when the header section of m has a line starting with field. */
static int has_header_line(const struct mail *m, const char *field)
{
	const char *end = strstr(m->data, "\r\n\r\n");
	for (const char *p = m->data; p && p < end; p = strstr(p, "\r\n"), p = p ? p + 2 : p)
		if (strncmp(p, field, strlen(field)) == 0)
			return 1;
	return 0;
}

/* The longest header line of m. */
static size_t longest_header_line(const struct mail *m)
{
	const char *end = strstr(m->data, "\r\n\r\n") + 2, *p = m->data;
	size_t max = 0;
	while (p < end) {
		const char *e = strstr(p, "\r\n");
		if ((size_t)(e - p) > max)
			max = (size_t)(e - p);
		p = e + 2;
	}
	return max;
}

static void test_headers(void)
{
	struct mail m = { 0 };
	char *v;

	ok(build("Galaxy chat: hello", "hi\n", &m) == 0, "a plain message is well formed");
	is_str(m.from, "galaxy@example.org", "the envelope sender is email_from's address");
	is_str(m.to, "alice@example.org", "the envelope recipient");
	ok(strstr(m.data, "\r\nSubject: Galaxy chat: hello\r\n") != NULL,
	   "an ASCII subject stands as it is");
	ok(strstr(m.data, "Date: Wed, 01 May 2024 12:00:00 +0000\r\n") == m.data, "Date in RFC 5322 form, UTC");
	ok(strstr(m.data, "\r\nFrom: \"Galaxy Project\" <galaxy@example.org>\r\n") != NULL,
	   "From with its name quoted");
	ok(strstr(m.data, "\r\nTo: alice@example.org\r\n") != NULL, "To");
	ok(strstr(m.data, "\r\nMIME-Version: 1.0\r\n") != NULL, "MIME-Version");
	ok(strstr(m.data, "\r\nContent-Type: text/plain; charset=utf-8\r\n") != NULL,
	   "plain text in UTF-8");
	ok(strstr(m.data, "\r\nContent-Transfer-Encoding: quoted-printable\r\n") != NULL,
	   "quoted-printable");
	ok(strstr(m.data, "\r\nAuto-Submitted: auto-generated\r\n") != NULL, "Auto-Submitted");
	v = mail_check_header(m.data, "Message-ID");
	ok(v && v[0] == '<' && strstr(v, "@example.org>") && !strchr(v + 1, '<'),
	   "a Message-ID in the sender's domain");
	free(v);
	mail_clear(&m);
	ok(!m.data && !m.to, "mail_clear empties it");

	/* the same Message-ID twice would make mail readers drop one */
	struct mail m2 = { 0 };
	build("a", "b", &m);
	build("a", "b", &m2);
	char *id1 = mail_check_header(m.data, "Message-ID"), *id2 = mail_check_header(m2.data, "Message-ID");
	ok(id1 && id2 && strcmp(id1, id2) != 0, "two emails, two Message-IDs");
	free(id1);
	free(id2);
	mail_clear(&m);
	mail_clear(&m2);

	ok(build("Galaxy chat: a message from bob in Café ☃", "x", &m) == 0, "a non-ASCII subject");
	ok(strstr(m.data, "\r\nSubject: =?UTF-8?B?") != NULL, "is RFC 2047 encoded");
	v = mail_check_header(m.data, "Subject");
	is_str(v, "Galaxy chat: a message from bob in Café ☃", "and decodes back exactly");
	free(v);
	mail_clear(&m);

	char longsub[2000] = "";
	for (int i = 0; i < 150; i++)
		strcat(longsub, i % 3 ? "é" : "long ");
	ok(build(longsub, "x", &m) == 0, "a long non-ASCII subject");
	ok(longest_header_line(&m) <= 78, "folds into header lines of at most 78 bytes");
	v = mail_check_header(m.data, "Subject");
	is_str(v, longsub, "and decodes back exactly, no character split");
	free(v);
	mail_clear(&m);

	memset(longsub, 'x', 300);
	longsub[300] = '\0';
	ok(build(longsub, "x", &m) == 0 && longest_header_line(&m) <= 78,
	   "a long ASCII subject is folded too");
	v = mail_check_header(m.data, "Subject");
	is_str(v, longsub, "and decodes back");
	free(v);
	mail_clear(&m);

	ok(build("=?UTF-8?B?SGk=?=", "x", &m) == 0, "a subject that looks encoded");
	v = mail_check_header(m.data, "Subject");
	is_str(v, "=?UTF-8?B?SGk=?=", "is encoded, so it reads as typed");
	free(v);
	mail_clear(&m);

	ok(build("hi\r\nBcc: eve@example.org\r\n\r\nbody", "x", &m) == 0,
	   "a subject with CR LF");
	ok(!has_header_line(&m, "Bcc:"), "adds no header");
	v = mail_check_header(m.data, "Subject");
	is_str(v, "hi\xEF\xBF\xBD\xEF\xBF\xBD" "Bcc: eve@example.org\xEF\xBF\xBD\xEF\xBF\xBD"
	       "\xEF\xBF\xBD\xEF\xBF\xBD" "body", "its CR and LF are shown as U+FFFD");
	free(v);
	mail_clear(&m);

	char err[256];
	ok(mail_build(FROM, "alice@example.org\r\nBcc: eve@example.org", "s", "b", 0, &m,
	              err, sizeof err) < 0 && !m.data, "a recipient with CR LF is refused");
	ok(!strstr(err, "eve"), "and the message does not repeat it");
	ok(mail_build("Galaxy <g@example.org>\r\nBcc: eve@example.org", "alice@example.org",
	              "s", "b", 0, &m, err, sizeof err) < 0 && strstr(err, "email_from"),
	   "an email_from with CR LF is refused, naming email_from");

	ok(mail_build("Gälaxy \"Chät\" <galaxy@example.org>", "alice@example.org", "s", "b",
	              (time_t)MAY_1, &m, err, sizeof err) == 0, "a non-ASCII sender's name");
	v = mail_check_header(m.data, "From");
	is_str(v, "Gälaxy \"Chät\" <galaxy@example.org>", "is encoded and decodes back");
	free(v);
	mail_clear(&m);
	ok(mail_build("Ga\"la\\xy <galaxy@example.org>", "alice@example.org", "s", "b",
	              (time_t)MAY_1, &m, err, sizeof err) == 0 &&
	   strstr(m.data, "From: \"Ga\\\"la\\\\xy\" <galaxy@example.org>\r\n"),
	   "quotes and backslashes in an ASCII name are escaped");
	mail_clear(&m);
}

static void test_body(void)
{
	struct mail m = { 0 };
	char *body, *text = malloc(6001);

	memset(text, 'w', 6000);
	text[6000] = '\0';
	for (int i = 100; i < 6000; i += 100)
		text[i] = i % 200 ? ' ' : 'e';
	ok(build("s", text, &m) == 0, "a line of 6000 bytes: every body line is at most 76 bytes");
	body = mail_check_body(m.data);
	ok(body && strlen(body) == 6002 && !strncmp(body, text, 6000) && !strcmp(body + 6000, "\r\n"),
	   "and it decodes back as one line");
	free(body);
	mail_clear(&m);
	free(text);

	ok(build("s", "one\r\ntwo\rthree\nfour", &m) == 0, "CR LF, CR and LF");
	body = mail_check_body(m.data);
	is_str(body, "one\r\ntwo\r\nthree\r\nfour\r\n", "all become CRLF line breaks");
	free(body);
	mail_clear(&m);

	ok(build("s", "trailing \nspace\t\n.dot\nFrom me\n=equals\nnaïve ☃\n", &m) == 0,
	   "trailing blanks, a leading dot and From, =, UTF-8");
	ok(strstr(m.data, "\r\ntrailing=20\r\n") && strstr(m.data, "\r\nspace=09\r\n"),
	   "a blank ending a line is encoded");
	ok(strstr(m.data, "\r\n=2Edot\r\n") && strstr(m.data, "\r\n=46rom me\r\n"),
	   "a line's leading . and From are encoded");
	ok(strstr(m.data, "\r\n=3Dequals\r\n") && strstr(m.data, "na=C3=AFve =E2=98=83"),
	   "= and UTF-8 are encoded");
	body = mail_check_body(m.data);
	is_str(body, "trailing \r\nspace\t\r\n.dot\r\nFrom me\r\n=equals\r\nnaïve ☃\r\n",
	       "and all of it decodes back");
	free(body);
	mail_clear(&m);

	ok(build("s", "bad \xC0\xAF bytes \xED\xA0\x80 here\xF0", &m) == 0, "invalid UTF-8");
	body = mail_check_body(m.data);
	ok(body && utf8_scan(body, strlen(body), 0, NULL) == strlen(body),
	   "is replaced: the body is UTF-8");
	free(body);
	mail_clear(&m);

	ok(build("s", "hi\r\n\r\nBcc: eve@example.org\r\nSubject: pwned\r\n", &m) == 0,
	   "a body with header-looking lines after a blank one");
	ok(!has_header_line(&m, "Bcc:"), "adds no header");
	body = mail_check_body(m.data);
	ok(body && strstr(body, "\r\nBcc: eve@example.org\r\nSubject: pwned\r\n"),
	   "they stay in the body");
	free(body);
	mail_clear(&m);
}

static void test_digest(void)
{
	char *subject, *body, err[256];
	struct mail_item items[] = {
		{ 42, "bob", "help", MAY_1, "Can you look at\nmy workflow?\r\nBcc: eve@example.org" },
		{ 43, "carol", NULL, MAY_1 + 300, "psst" },
	};

	ok(mail_digest("alice", items, 1, URL, &subject, &body, err, sizeof err) == 0, "a digest of one");
	is_str(subject, "Galaxy chat: a message from bob in help", "its subject names who and where");
	ok(strstr(body, "Hello alice,\n") == body, "greets the recipient");
	ok(strstr(body, "\nIn help, bob wrote on 2024-05-01 12:00 UTC:\n"
	                "> Can you look at\n> my workflow?\n> Bcc: eve@example.org\n"
	                "https://galaxy.example.org/chat/#msg=42\n"),
	   "where, who, when (UTC), the text quoted line by line, the link");
	ok(strstr(body, "\n-- \n") && strstr(body, "settings menu") &&
	   strstr(body, "PUT /v1/me/settings with {\"email\": \"off\"}"),
	   "a footer says how to turn the emails off");
	free(subject);
	free(body);

	ok(mail_digest("alice", items + 1, 1, URL, &subject, &body, err, sizeof err) == 0, "a direct message");
	is_str(subject, "Galaxy chat: a direct message from carol", "its subject");
	ok(strstr(body, "\nIn a direct message, carol wrote on 2024-05-01 12:05 UTC:\n> psst\n"
	                "https://galaxy.example.org/chat/#msg=43\n"), "its item");
	free(subject);
	free(body);

	ok(mail_digest("alice", items, 2, URL, &subject, &body, err, sizeof err) == 0, "a digest of two");
	is_str(subject, "Galaxy chat: 2 unread messages, the first from bob in help", "its subject");
	ok(strstr(body, "#msg=42") && strstr(body, "#msg=43") &&
	   strstr(body, "#msg=42") < strstr(body, "#msg=43"), "both, in the order given");
	free(subject);
	free(body);

	struct mail_item dm2[] = { items[1], items[0] };
	ok(mail_digest("alice", dm2, 2, URL, &subject, &body, err, sizeof err) == 0 &&
	   !strcmp(subject, "Galaxy chat: 2 unread messages, the first from carol (direct message)"),
	   "a digest led by a direct message says so");
	free(subject);
	free(body);

	struct mail_item hostile = { 7, "ev\u202Eil\r\nBcc: x@y.org", "r\x01oom\u200B",
	                             -5, "tab\there\x07" "bell\xFF" };
	ok(mail_digest("al\nice", &hostile, 1, URL, &subject, &body, err, sizeof err) == 0,
	   "hostile names and text");
	ok(!strpbrk(subject, "\r\n\x01") && !strstr(subject, "\u202E") && !strstr(subject, "\u200B"),
	   "the subject holds no control or invisible character");
	ok(strstr(body, "Hello al\xEF\xBF\xBD" "ice,\n") && strstr(body, "In r\xEF\xBF\xBD" "oom\xEF\xBF\xBD, ev"),
	   "names' controls and invisibles are U+FFFD in the body");
	ok(strstr(body, "wrote on at an unknown time:\n"), "an impossible time is said to be unknown");
	ok(strstr(body, "> tab\there\xEF\xBF\xBD" "bell\xEF\xBF\xBD\n"),
	   "the text keeps its tabs; other controls and bad bytes are U+FFFD");
	free(subject);
	free(body);

	char room[300] = "";
	for (int i = 0; i < 64; i++)
		strcat(room, "é");
	struct mail_item longroom = { 1, "bob", room, MAY_1, "" };
	ok(mail_digest(NULL, &longroom, 1, NULL, &subject, &body, err, sizeof err) == 0, "a long room name");
	size_t chars = 0;
	utf8_scan(subject, strlen(subject), 0, &chars);
	is_int((long long)chars, (long long)strlen("Galaxy chat: a message from bob in ") + 41,
	       "is cut to 40 characters and … in the subject");
	ok(strstr(body, room) && strstr(body, "Hello,\n") && !strstr(body, "#msg="),
	   "but whole in the body; no name, no chat_url: no greeting name, no links");
	ok(strstr(body, ":\n>\n"), "an empty text is one empty quoted line");
	free(subject);
	free(body);

	ok(mail_digest("alice", items, 0, URL, &subject, &body, err, sizeof err) < 0 && !subject && !body,
	   "no items: no digest");
}

static void test_compose(void)
{
	struct cfg cfg = { .email_from = FROM, .chat_url = URL };
	struct mail_item it = { 42, "bob", "Café", MAY_1, "ping @alice" };
	struct mail m;
	char err[256], *v, *body;

	ok(mail_compose(&cfg, "alice", "alice@example.org", &it, 1, (time_t)MAY_1, &m,
	                err, sizeof err) == 0, "mail_compose");
	ok(mail_check_form(m.data, m.len) == NULL, "is well formed");
	v = mail_check_header(m.data, "Subject");
	is_str(v, "Galaxy chat: a message from bob in Café", "its subject");
	free(v);
	body = mail_check_body(m.data);
	ok(body && strstr(body, "\r\nIn Café, bob wrote on 2024-05-01 12:00 UTC:\r\n> ping @alice\r\n"
	                         "https://galaxy.example.org/chat/#msg=42\r\n"), "its body");
	free(body);
	mail_clear(&m);
	ok(mail_compose(&cfg, "alice", "not an address", &it, 1, 0, &m, err, sizeof err) < 0 && !m.data,
	   "a bad address: nothing composed");
}

int main(void)
{
	test_addresses();
	test_from();
	test_headers();
	test_body();
	test_digest();
	test_compose();
	return done_testing();
}
