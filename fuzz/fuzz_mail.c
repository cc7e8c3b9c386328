/*
 * fuzz_mail.c - libFuzzer target: mail.c's composer, fed the recipient's
 * name, an author, a room, a text, a subject and email_from from the input
 * (split at NUL bytes). Whatever they hold, the message is well formed
 * (mail_check_form: 7-bit, CRLF, short lines), its Subject decodes back to
 * the digest's subject, its body decodes back to the digest's body, and
 * no header but mail.c's own appears.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_split.h"
#include "mail.h"
#include "../tests/unit/mail_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The headers mail.c writes, in its order. */
static const char *const fuzz_fields[] = {
	"Date", "From", "To", "Subject", "Message-ID", "MIME-Version", "Content-Type",
	"Content-Transfer-Encoding", "Auto-Submitted", "X-Auto-Response-Suppress", NULL
};

/* Aborts unless the header section of m names exactly fuzz_fields. */
static void fuzz_check_fields(const struct mail *m)
{
	const char *end = strstr(m->data, "\r\n\r\n") + 2;
	size_t k = 0;

	for (const char *p = m->data; p < end; p = strstr(p, "\r\n") + 2) {
		if (*p == ' ')
			continue;
		if (!fuzz_fields[k] || strncmp(p, fuzz_fields[k], strlen(fuzz_fields[k])) != 0 ||
		    p[strlen(fuzz_fields[k])] != ':')
			abort();
		k++;
	}
	if (fuzz_fields[k])
		abort();
}

/* Aborts unless body ("\n" lines) equals decoded ("\r\n" lines). */
static void fuzz_check_body(const char *body, const char *decoded)
{
	for (; *body; body++, decoded++) {
		if (*body == '\n' && *decoded++ != '\r')
			abort();
		if (*decoded != *body)
			abort();
	}
	if (*decoded)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf, *subject, *body, *got, err[256];
	const char *f[6];
	struct mail m;

	if (!(buf = fuzz_split(data, size, f, 6)))
		return 0;
	for (size_t k = 0; k < 6; k++)
		f[k] = f[k] ? f[k] : "";
	/* an empty room stands for a direct message */
	struct mail_item it = { (long long)size, f[1], *f[2] ? f[2] : NULL,
	                        (long long)size * 1000003LL - 5, f[3] };
	const char *from = *f[5] ? f[5] : "Galaxy <galaxy@example.org>";

	if (mail_digest(f[0], &it, 1, "https://galaxy.example.org/chat/", &subject, &body,
	                err, sizeof err) < 0)
		abort();
	if (mail_build(from, "alice@example.org", subject, body, (time_t)size, &m, err, sizeof err) == 0) {
		if (mail_check_form(m.data, m.len))
			abort();
		fuzz_check_fields(&m);
		if (!(got = mail_check_header(m.data, "Subject")) || strcmp(got, subject) != 0)
			abort();
		free(got);
		if (!(got = mail_check_body(m.data)))
			abort();
		fuzz_check_body(body, got);
		free(got);
		mail_clear(&m);
	} else if (!*f[5]) {
		abort();   /* the default sender is fine */
	}
	free(subject);
	free(body);

	/* any subject and body, as they come */
	if (mail_build(from, "alice@example.org", f[4], f[3], 0, &m, err, sizeof err) == 0) {
		if (mail_check_form(m.data, m.len))
			abort();
		fuzz_check_fields(&m);
		mail_clear(&m);
	}
	free(buf);
	return 0;
}
