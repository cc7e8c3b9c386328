/*
 * mail_check.h - reading back what mail.c wrote, for tests/unit/test_mail.c
 * and fuzz/fuzz_mail.c: the message's form (CRLF lines, 7-bit, lengths),
 * a header decoded (unfolded, RFC 2047 B words), the quoted-printable body
 * decoded. Written from the RFCs, not from mail.c, so that the two can
 * disagree. Every result is a new string the caller frees; NULL: malformed.
 */
#ifndef GC_MAIL_CHECK_H
#define GC_MAIL_CHECK_H

#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>

/* NULL when data (len bytes) is a well-formed message as mail.c promises:
 * printable ASCII, tabs and CRLF line ends only; header lines of at most
 * 998 bytes, each "Name: value" or a continuation; a blank line; body
 * lines of at most 76 bytes. Else what is wrong. */
static inline const char *mail_check_form(const char *data, size_t len)
{
	int in_body = 0;
	size_t start = 0;

	if (len < 2 || data[len - 2] != '\r' || data[len - 1] != '\n')
		return "does not end in CRLF";
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)data[i];
		if (c == '\r') {
			if (i + 1 >= len || data[i + 1] != '\n')
				return "a CR without LF";
			size_t n = i - start;
			if (!in_body && n == 0)
				in_body = 1;
			else if (!in_body && n > 998)
				return "a header line longer than 998 bytes";
			else if (in_body && n > 76)
				return "a body line longer than 76 bytes";
			else if (!in_body && data[start] != ' ' && !memchr(data + start, ':', n))
				return "a header line that is neither a field nor a continuation";
			i++;
			start = i + 1;
		} else if (c == '\n') {
			return "an LF without CR";
		} else if (c > 0x7e || (c < 0x20 && c != '\t')) {
			return "a byte that is not printable ASCII";
		} else if (c == '\t' && !in_body) {
			return "a tab in the headers";
		}
	}
	return in_body ? NULL : "no blank line after the headers";
}

/* Decodes one "=?UTF-8?B?...?=" word at s (n bytes) onto out; -1 if it is
 * not one. */
static inline int mail_check_word(const char *s, size_t n, char *out, size_t *olen)
{
	unsigned char buf[256];
	int k;

	if (n < 12 || strncmp(s, "=?UTF-8?B?", 10) != 0 || strncmp(s + n - 2, "?=", 2) != 0 ||
	    n - 12 > 4 * (sizeof buf / 3) || (n - 12) % 4)
		return -1;
	if ((k = EVP_DecodeBlock(buf, (const unsigned char *)s + 10, (int)(n - 12))) < 0)
		return -1;
	for (size_t p = n - 3; p > 10 && s[p] == '='; p--)
		k--;   /* EVP_DecodeBlock counts the padding's bytes */
	memcpy(out + *olen, buf, (size_t)k);
	*olen += (size_t)k;
	return 0;
}

/* The value of the first header called name (exact case), unfolded; when
 * it starts with an encoded-word, every space-separated word is decoded
 * and the words joined (RFC 2047: the spaces between words vanish). */
static inline char *mail_check_header(const char *data, const char *name)
{
	size_t nlen = strlen(name);
	const char *end = strstr(data, "\r\n\r\n"), *p = data;
	char *out, *unfolded;
	size_t olen = 0, ulen = 0;

	if (!end)
		return NULL;
	while (p < end && !(strncmp(p, name, nlen) == 0 && p[nlen] == ':' &&
	                    (p == data || p[-1] == '\n')))
		p = strstr(p, "\r\n") + 2;
	if (p >= end)
		return NULL;
	p += nlen + 1;
	if (*p == ' ')
		p++;
	if (!(unfolded = malloc((size_t)(end - p) + 1)))
		return NULL;
	for (const char *q = p; q < end + 2; q++) {   /* CRLF SP -> SP, stop at the next field */
		if (q[0] == '\r' && q[1] == '\n') {
			if (q + 2 >= end + 2 || q[2] != ' ')
				break;
			q++;
			continue;
		}
		unfolded[ulen++] = *q;
	}
	unfolded[ulen] = '\0';
	if (strncmp(unfolded, "=?", 2) != 0)
		return unfolded;
	if (!(out = malloc(ulen + 1))) {
		free(unfolded);
		return NULL;
	}
	for (size_t i = 0; i < ulen;) {
		size_t n = strcspn(unfolded + i, " ");
		if (mail_check_word(unfolded + i, n, out, &olen) < 0) {
			if (unfolded[i] != '<') {   /* only a phrase's address may follow */
				free(out);
				free(unfolded);
				return NULL;
			}
			out[olen++] = ' ';
			memcpy(out + olen, unfolded + i, n);
			olen += n;
		}
		for (i += n; i < ulen && unfolded[i] == ' '; i++)
			;
	}
	out[olen] = '\0';
	free(unfolded);
	return out;
}

static inline int mail_check_hex(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* The body after the blank line, quoted-printable decoded (CRLF kept);
 * NULL when an "=" is followed by neither CRLF nor two capital hex digits. */
static inline char *mail_check_body(const char *data)
{
	const char *p = strstr(data, "\r\n\r\n");
	char *out;
	size_t n = 0;

	if (!p || !(out = malloc(strlen(p) + 1)))
		return NULL;
	for (p += 4; *p; p++) {
		if (*p != '=') {
			out[n++] = *p;
		} else if (p[1] == '\r' && p[2] == '\n') {
			p += 2;
		} else if (mail_check_hex(p[1]) >= 0 && mail_check_hex(p[2]) >= 0) {
			out[n++] = (char)(mail_check_hex(p[1]) * 16 + mail_check_hex(p[2]));
			p += 2;
		} else {
			free(out);
			return NULL;
		}
	}
	out[n] = '\0';
	return out;
}

#endif
