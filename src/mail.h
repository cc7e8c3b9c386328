/*
 * mail.h - the emails galaxy-chat sends (`galaxy-chat notify`, issue 18):
 * a digest of the mentions and direct messages a user has not read,
 * composed as one plain-text UTF-8 message (RFC 5322, MIME). Pure: no
 * I/O; smtp.h sends what these functions build.
 *
 * Every name and text is treated as hostile: nothing a user chose (a
 * username, a room name, a message) can end a header or add one. Headers
 * carry no raw CR or LF (names are cleaned, then RFC 2047-encoded when not
 * plain ASCII), and the body is quoted-printable, so its lines are at most
 * 76 bytes and a message's own line breaks and "Header: value" lines stay
 * inside the body.
 */
#ifndef GC_MAIL_H
#define GC_MAIL_H

#include <stddef.h>
#include <time.h>

struct cfg;

#define MAIL_BRAND "Galaxy chat"    /* how the emails name the chat */
#define MAIL_ADDRESS_MAX 254        /* bytes of an address (RFC 5321 path) */

/* One message of a digest. The strings are borrowed: the caller keeps them
 * for the call. */
struct mail_item {
	long long id;          /* the message's event id: the link is chat_url#msg=ID */
	const char *from;      /* the author's chat name */
	const char *room;      /* the room's name, or NULL for a direct message */
	long long ts;          /* when it was sent: Unix seconds (shown in UTC) */
	const char *text;      /* the message text (UTF-8; anything else is replaced) */
};

/* A composed email; zero-initialise, free its strings with mail_clear(). */
struct mail {
	char *from;            /* envelope sender: the bare address of email_from */
	char *to;              /* envelope recipient: a bare address */
	char *data;            /* the message: headers, blank line, body, CRLF lines */
	size_t len;            /* bytes of data */
};

/* 1 when addr is an address the emails may carry: local@domain in ASCII,
 * the local part of RFC 5322 atext and single dots, the domain of labels
 * of letters, digits and hyphens; no spaces, quotes, brackets or controls,
 * at most MAIL_ADDRESS_MAX bytes. */
int mail_address_ok(const char *addr);

/* Splits a From value as Galaxy's email_from has it, "addr" or
 * "Display Name <addr>" (the name may be in double quotes): the name
 * (possibly empty) into name, the address into addr. Returns 0, or -1 when
 * it is not of that form, the address is not mail_address_ok(), or a part
 * does not fit. */
int mail_from_parse(const char *from, char *name, size_t namelen,
                    char *addr, size_t addrlen);

/* The digest for the user named to_name of items[0..n-1] (n >= 1), in that
 * order: *subject (one line) and *body (lines ending in "\n"), both UTF-8,
 * new strings the caller frees. Each item says who, where (the room, or a
 * direct message), when (UTC), the text quoted line by line as plain text,
 * and the link chat_url#msg=ID; a footer says how to turn the emails off.
 * Returns 0, or -1 with a message in err (no items, out of memory). */
int mail_digest(const char *to_name, const struct mail_item *items, size_t n,
                const char *chat_url, char **subject, char **body,
                char *err, size_t errlen);

/* Builds the email from from (email_from's form, see mail_from_parse) to
 * the bare address to, with subject and body (UTF-8, any line ends) and
 * Date now: Date, From, To, Subject (RFC 2047 when not plain ASCII),
 * Message-ID, MIME-Version, Content-Type text/plain; charset=utf-8,
 * Content-Transfer-Encoding quoted-printable, Auto-Submitted:
 * auto-generated. Invalid UTF-8 is replaced by U+FFFD. Fills *out (free it
 * with mail_clear()); returns 0, or -1 with a message in err (an address
 * refused, out of memory) and *out left empty. */
int mail_build(const char *from, const char *to, const char *subject,
               const char *body, time_t now, struct mail *out,
               char *err, size_t errlen);

/* What notify calls: mail_digest() then mail_build() with the cfg's
 * email_from and chat_url, for the user named to_name at address to. */
int mail_compose(const struct cfg *cfg, const char *to_name, const char *to,
                 const struct mail_item *items, size_t n, time_t now,
                 struct mail *out, char *err, size_t errlen);

/* Frees m's strings and zeroes it (m itself is the caller's). */
void mail_clear(struct mail *m);

#endif
