/*
 * mail.c - compose the emails of `galaxy-chat notify` (see mail.h): the
 * digest's words, and the RFC 5322 message around them.
 *
 * The body is quoted-printable rather than 8bit: it then is 7-bit clean
 * (no relay needs 8BITMIME, which nobody checks on the way), every line is
 * at most 76 bytes whatever the length of a message's lines (up to
 * max_message_bytes without a break; 8bit would have to cut them at 998),
 * and a reader gets the text back unchanged. A line that begins with "."
 * or "From " has that first byte encoded too, against broken relays and
 * mbox files.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "cfg.h"
#include "mail.h"
#include "utf8.h"

#define MAIL_QP_LINE 76          /* RFC 2045: encoded lines of at most 76 bytes */
#define MAIL_HEADER_LINE 78      /* RFC 5322's recommended line length */
#define MAIL_WORD_BYTES 42       /* UTF-8 bytes per encoded-word: 56 base64
                                  * characters, 68 with =?UTF-8?B?...?= */
#define MAIL_SUBJECT_NAME 40     /* characters of a name in a subject */
#define MAIL_LOCAL_MAX 64        /* bytes of an address's local part */

static const char mail_replacement[] = "\xEF\xBF\xBD";   /* U+FFFD */

/* Characters RFC 5322 allows in a dot-atom besides letters and digits. */
static int mail_atext(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

int mail_address_ok(const char *addr)
{
	const char *at = addr ? strrchr(addr, '@') : NULL;
	size_t local = at ? (size_t)(at - addr) : 0;

	if (!at || local < 1 || local > MAIL_LOCAL_MAX || strlen(addr) > MAIL_ADDRESS_MAX)
		return 0;
	for (size_t i = 0; i < local; i++) {
		unsigned char c = (unsigned char)addr[i];
		if (c == '.' ? i == 0 || i + 1 == local || addr[i + 1] == '.' : !mail_atext(c))
			return 0;
	}
	/* the domain: labels of letters, digits and inner hyphens */
	const char *label = at + 1;
	do {
		size_t n = strcspn(label, ".");
		if (n < 1 || n > 63 || label[0] == '-' || label[n - 1] == '-')
			return 0;
		for (size_t i = 0; i < n; i++) {
			unsigned char c = (unsigned char)label[i];
			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			      (c >= '0' && c <= '9') || c == '-'))
				return 0;
		}
		label += n;
	} while (*label++ == '.');
	return 1;
}

int mail_from_parse(const char *from, char *name, size_t namelen, char *addr, size_t addrlen)
{
	const char *s = from, *e = from + strlen(from), *lt;
	const char *a = s, *ae = e;

	while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	const char *ns = s, *ne = s;   /* the name: empty unless "Name <addr>" */
	if (e > s && e[-1] == '>') {
		for (lt = e - 1; lt > s && *lt != '<'; lt--)
			;
		if (*lt != '<')
			return -1;
		a = lt + 1;
		ae = e - 1;
		ne = lt;
		while (ne > ns && (ne[-1] == ' ' || ne[-1] == '\t'))
			ne--;
		if (ne - ns >= 2 && *ns == '"' && ne[-1] == '"') {
			ns++;
			ne--;
		}
	} else {
		a = s;
		ae = e;
	}
	if ((size_t)(ne - ns) >= namelen || (size_t)(ae - a) >= addrlen)
		return -1;
	memcpy(name, ns, (size_t)(ne - ns));
	name[ne - ns] = '\0';
	memcpy(addr, a, (size_t)(ae - a));
	addr[ae - a] = '\0';
	return mail_address_ok(addr) ? 0 : -1;
}

/* What mail_clean() keeps of what it would otherwise replace. */
#define MAIL_KEEP_BREAKS 1       /* CR LF, CR and LF: written as "\n" */
#define MAIL_KEEP_TAB 2

/* Writes len bytes of s to f as valid UTF-8: bytes that are not strict
 * UTF-8, and characters of the utf8_class bits in refuse (less what keep
 * keeps), become U+FFFD. With max_chars > 0, stops after that many
 * characters and writes "…" when some were left. */
static void mail_clean(FILE *f, const char *s, size_t len, unsigned refuse, int keep,
                       size_t max_chars)
{
	size_t chars = 0;
	unsigned cp;
	int k;

	for (size_t i = 0; i < len; i += (size_t)k) {
		if (max_chars && chars++ == max_chars) {
			fputs("\xE2\x80\xA6", f);
			return;
		}
		if ((keep & MAIL_KEEP_BREAKS) && (s[i] == '\r' || s[i] == '\n')) {
			k = s[i] == '\r' && i + 1 < len && s[i + 1] == '\n' ? 2 : 1;
			fputc('\n', f);
		} else if ((k = utf8_next(s + i, len - i, &cp)) <= 0) {
			k = 1;
			fputs(mail_replacement, f);
		} else if ((utf8_class(cp) & refuse) && !((keep & MAIL_KEEP_TAB) && cp == '\t')) {
			fputs(mail_replacement, f);
		} else {
			fwrite(s + i, 1, (size_t)k, f);
		}
	}
}

/* Writes name cleaned for a line of its own (no controls, no invisible
 * characters that could reorder the line); an empty or missing name as
 * "(nobody)". */
static void mail_put_name(FILE *f, const char *name, size_t max_chars)
{
	if (!name || !*name)
		name = "(nobody)";
	mail_clean(f, name, strlen(name), UTF8_CONTROL | UTF8_INVISIBLE, 0, max_chars);
}

/* Writes ts as "2024-05-01 12:00 UTC". */
static void mail_put_when(FILE *f, long long ts)
{
	time_t t = (time_t)ts;
	struct tm tm;

	if (ts < 0 || ts > 253402300799LL || !gmtime_r(&t, &tm))   /* beyond 9999 */
		fputs("at an unknown time", f);
	else
		fprintf(f, "%04d-%02d-%02d %02d:%02d UTC", tm.tm_year + 1900, tm.tm_mon + 1,
		        tm.tm_mday, tm.tm_hour, tm.tm_min);
}

/* One item of the body: where, who, when, the text quoted line by line,
 * the link. */
static void mail_put_item(FILE *f, const struct mail_item *it, const char *chat_url)
{
	const char *text = it->text ? it->text : "";

	if (it->room) {
		fputs("In ", f);
		mail_put_name(f, it->room, 0);
	} else {
		fputs("In a direct message", f);
	}
	fputs(", ", f);
	mail_put_name(f, it->from, 0);
	fputs(" wrote on ", f);
	mail_put_when(f, it->ts);
	fputs(":\n", f);
	for (const char *line = text;;) {
		size_t n = strcspn(line, "\r\n");
		fputs(n ? "> " : ">", f);
		mail_clean(f, line, n, UTF8_CONTROL, MAIL_KEEP_TAB, 0);
		fputc('\n', f);
		line += n;
		if (!*line)
			break;
		line += line[0] == '\r' && line[1] == '\n' ? 2 : 1;
		if (!*line)
			break;
	}
	if (chat_url) {
		mail_put_name(f, chat_url, 0);
		fprintf(f, "#msg=%lld\n", it->id);
	}
}

/* Closes a memory stream: 0 with *buf set, or -1 (nothing left to free)
 * when writing it ran out of memory. */
static int mail_close(FILE *f, char **buf)
{
	int bad = ferror(f);
	if (fclose(f) != 0 || bad || !*buf) {
		free(*buf);
		*buf = NULL;
		return -1;
	}
	return 0;
}

int mail_digest(const char *to_name, const struct mail_item *items, size_t n,
                const char *chat_url, char **subject, char **body, char *err, size_t errlen)
{
	size_t slen, blen;
	FILE *s, *b;

	*subject = *body = NULL;
	if (n == 0) {
		snprintf(err, errlen, "a digest needs at least one message");
		return -1;
	}
	if (!(s = open_memstream(subject, &slen)))
		goto oom;
	if (!(b = open_memstream(body, &blen))) {
		fclose(s);
		free(*subject);
		*subject = NULL;
		goto oom;
	}

	fputs(MAIL_BRAND ": ", s);
	if (n > 1)
		fprintf(s, "%zu unread messages, the first from ", n);
	else
		fputs(items[0].room ? "a message from " : "a direct message from ", s);
	mail_put_name(s, items[0].from, MAIL_SUBJECT_NAME);
	if (items[0].room) {
		fputs(" in ", s);
		mail_put_name(s, items[0].room, MAIL_SUBJECT_NAME);
	} else if (n > 1) {
		fputs(" (direct message)", s);
	}

	fputs("Hello", b);
	if (to_name && *to_name) {
		fputc(' ', b);
		mail_put_name(b, to_name, 0);
	}
	fprintf(b, ",\n\n%s for you in " MAIL_BRAND " %s still unread:\n",
	        n > 1 ? "these messages" : "this message", n > 1 ? "are" : "is");
	for (size_t i = 0; i < n; i++) {
		fputc('\n', b);
		mail_put_item(b, &items[i], chat_url);
	}
	fputs("\n-- \n", b);
	if (chat_url) {
		fputs(MAIL_BRAND ": ", b);
		mail_put_name(b, chat_url, 0);
		fputc('\n', b);
	}
	fputs("You get these emails when someone mentions you or sends you a\n"
	      "direct message while you are away; they hold the messages' text.\n"
	      "To get no more of them, turn email off in the chat's settings menu\n"
	      "(or send PUT /v1/me/settings with {\"email\": \"off\"}).\n", b);

	int bad = mail_close(s, subject) < 0;
	if (mail_close(b, body) < 0 || bad) {
		free(*subject);
		free(*body);
		*subject = *body = NULL;
		goto oom;
	}
	return 0;
oom:
	snprintf(err, errlen, "out of memory composing an email");
	return -1;
}

/* 1 when s (cleaned) can stand in a header as it is: printable ASCII, not
 * looking like an encoded-word, fitting a line after "Field: " (used bytes). */
static int mail_header_plain(const char *s, size_t used)
{
	for (const char *p = s; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			return 0;
	return !strstr(s, "=?") && used + strlen(s) <= MAIL_HEADER_LINE;
}

/* Writes s (valid UTF-8) as RFC 2047 encoded-words, never splitting a
 * character, folded onto continuation lines. */
static void mail_put_words(FILE *f, const char *s)
{
	size_t len = strlen(s);
	unsigned cp;

	for (size_t i = 0; i < len;) {
		unsigned char b64[4 * ((MAIL_WORD_BYTES + 4 + 2) / 3) + 1];
		size_t n = 0;
		int k;
		/* whole characters up to MAIL_WORD_BYTES (one at least) */
		while (i + n < len && (k = utf8_next(s + i + n, len - i - n, &cp)) > 0 &&
		       (n == 0 || n + (size_t)k <= MAIL_WORD_BYTES))
			n += (size_t)k;
		if (n == 0)
			n = 1;   /* not reached with cleaned input; never loops */
		EVP_EncodeBlock(b64, (const unsigned char *)s + i, (int)n);
		fprintf(f, "%s=?UTF-8?B?%s?=", i ? "\r\n " : "", b64);
		i += n;
	}
}

/* Writes an unstructured header ("Subject") whose value is cleaned of
 * every control (CR and LF too) and encoded when not plain ASCII. */
static int mail_put_header(FILE *f, const char *field, const char *value)
{
	char *clean = NULL;
	size_t len;
	FILE *c = open_memstream(&clean, &len);

	if (!c)
		return -1;
	mail_clean(c, value, strlen(value), UTF8_CONTROL, 0, 0);
	if (mail_close(c, &clean) < 0)
		return -1;
	fprintf(f, "%s: ", field);
	if (mail_header_plain(clean, strlen(field) + 2))
		fputs(clean, f);
	else
		mail_put_words(f, clean);
	fputs("\r\n", f);
	free(clean);
	return 0;
}

/* Writes "From: name <addr>": the name as a quoted string when it is plain
 * ASCII, else as encoded-words; only the address without a name. */
static int mail_put_from(FILE *f, const char *name, const char *addr)
{
	char *clean = NULL;
	size_t len;
	FILE *c;

	if (!*name) {
		fprintf(f, "From: %s\r\n", addr);
		return 0;
	}
	if (!(c = open_memstream(&clean, &len)))
		return -1;
	mail_clean(c, name, strlen(name), UTF8_CONTROL, 0, 0);
	if (mail_close(c, &clean) < 0)
		return -1;
	fputs("From: ", f);
	if (mail_header_plain(clean, 0)) {
		fputc('"', f);
		for (const char *p = clean; *p; p++) {
			if (*p == '"' || *p == '\\')
				fputc('\\', f);
			fputc(*p, f);
		}
		fputc('"', f);
	} else {
		mail_put_words(f, clean);
	}
	fprintf(f, " <%s>\r\n", addr);
	free(clean);
	return 0;
}

/* Writes s ("\n" line ends, valid UTF-8) quoted-printable, CRLF lines. */
static void mail_put_qp(FILE *f, const char *s)
{
	size_t col = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '\n') {
			fputs("\r\n", f);
			col = 0;
			continue;
		}
		int last = p[1] == '\n' || p[1] == '\0';
		int plain = (*p >= 33 && *p <= 126 && *p != '=') ||
		            ((*p == ' ' || *p == '\t') && !last);
		size_t w = plain ? 1 : 3;
		if (col + w > MAIL_QP_LINE - 1) {   /* room for the soft break's "=" */
			fputs("=\r\n", f);
			col = 0;
		}
		if (col == 0 && (*p == '.' || (*p == 'F' && strncmp((const char *)p, "From ", 5) == 0))) {
			plain = 0;
			w = 3;
		}
		if (plain)
			fputc(*p, f);
		else
			fprintf(f, "=%02X", *p);
		col += w;
	}
	if (col)
		fputs("\r\n", f);
}

/* Writes "Date: Tue, 07 May 2024 12:00:00 +0000" (English names, never the
 * locale's). */
static void mail_put_date(FILE *f, time_t now)
{
	static const char days[][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char months[][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
	                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;

	if (!gmtime_r(&now, &tm) || tm.tm_year + 1900 > 9999 || tm.tm_year + 1900 < 1900) {
		now = 0;
		gmtime_r(&now, &tm);
	}
	fprintf(f, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n", days[tm.tm_wday],
	        tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* Writes "Message-ID: <TIME.PID.RANDOM@domain>": unique without any state
 * (the clock's nanoseconds stand in should the random source fail). */
static void mail_put_message_id(FILE *f, time_t now, const char *addr)
{
	unsigned char rnd[8];

	if (RAND_bytes(rnd, sizeof rnd) != 1) {
		struct timespec ts = { 0, 0 };
		unsigned long long ns;
		clock_gettime(CLOCK_REALTIME, &ts);
		ns = (unsigned long long)ts.tv_sec * 1000000000ULL + (unsigned long long)ts.tv_nsec;
		memcpy(rnd, &ns, sizeof rnd);
	}
	fprintf(f, "Message-ID: <%lld.%ld.", (long long)now, (long)getpid());
	for (size_t i = 0; i < sizeof rnd; i++)
		fprintf(f, "%02x", rnd[i]);
	fprintf(f, "@%s>\r\n", strrchr(addr, '@') + 1);
}

int mail_build(const char *from, const char *to, const char *subject, const char *body,
               time_t now, struct mail *out, char *err, size_t errlen)
{
	char name[256], addr[MAIL_ADDRESS_MAX + 1], *clean = NULL;
	size_t len;
	FILE *f, *c;

	memset(out, 0, sizeof *out);
	if (!from || mail_from_parse(from, name, sizeof name, addr, sizeof addr) < 0) {
		snprintf(err, errlen, "email_from is not an address such as galaxy@example.org "
		         "or \"Galaxy <galaxy@example.org>\"");
		return -1;
	}
	if (!mail_address_ok(to)) {
		/* the address itself is not repeated: it may hold anything */
		snprintf(err, errlen, "the recipient's address is not one galaxy-chat sends to "
		         "(ASCII local@domain)");
		return -1;
	}
	if (!(c = open_memstream(&clean, &len)))
		goto oom;
	mail_clean(c, body, strlen(body), 0, MAIL_KEEP_BREAKS, 0);
	if (mail_close(c, &clean) < 0 || !(f = open_memstream(&out->data, &out->len)))
		goto oom;

	mail_put_date(f, now);
	int bad = mail_put_from(f, name, addr) < 0;
	fprintf(f, "To: %s\r\n", to);
	bad |= mail_put_header(f, "Subject", subject) < 0;
	mail_put_message_id(f, now, addr);
	fputs("MIME-Version: 1.0\r\n"
	      "Content-Type: text/plain; charset=utf-8\r\n"
	      "Content-Transfer-Encoding: quoted-printable\r\n"
	      "Auto-Submitted: auto-generated\r\n"
	      "X-Auto-Response-Suppress: All\r\n"
	      "\r\n", f);
	mail_put_qp(f, clean);
	if (mail_close(f, &out->data) < 0 || bad)
		goto oom;
	free(clean);
	if (!(out->from = strdup(addr)) || !(out->to = strdup(to))) {
		mail_clear(out);
		snprintf(err, errlen, "out of memory composing an email");
		return -1;
	}
	return 0;
oom:
	free(clean);
	mail_clear(out);
	snprintf(err, errlen, "out of memory composing an email");
	return -1;
}

int mail_compose(const struct cfg *cfg, const char *to_name, const char *to,
                 const struct mail_item *items, size_t n, time_t now,
                 struct mail *out, char *err, size_t errlen)
{
	char *subject, *body;
	int rc;

	memset(out, 0, sizeof *out);
	if (mail_digest(to_name, items, n, cfg->chat_url, &subject, &body, err, errlen) < 0)
		return -1;
	rc = mail_build(cfg->email_from, to, subject, body, now, out, err, errlen);
	free(subject);
	free(body);
	return rc;
}

void mail_clear(struct mail *m)
{
	free(m->from);
	free(m->to);
	free(m->data);
	memset(m, 0, sizeof *m);
}
