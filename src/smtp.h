/*
 * smtp.h - send the emails of mail.h through the SMTP server of Galaxy's
 * config (smtp_server, smtp_username, smtp_password, smtp_ssl; overridable
 * in [chat]), with libcurl.
 *
 * TLS: with smtp_ssl, from the first byte (smtps://). Otherwise STARTTLS
 * whenever the server offers it, as Galaxy does; a server that does not
 * offer it is spoken to in clear, except that a password is never sent in
 * clear: with smtp_username and smtp_password set, TLS is required. Once
 * TLS is used the certificate is checked (the system's CAs, or
 * smtp_ca_file) along with the server's name: a failed check fails the
 * send, never falls back to clear. Every wait is bounded.
 */
#ifndef GC_SMTP_H
#define GC_SMTP_H

#include <stddef.h>

struct cfg;
struct mail;
struct smtp;

/* What became of one email. */
enum smtp_result {
	SMTP_SENT,          /* the server took it */
	SMTP_REFUSED,       /* the server answered, but refused this email (its
	                     * recipient, say): the others may still go */
	SMTP_UNAVAILABLE    /* no session: the server cannot be reached, the TLS
	                     * check or the login failed, it timed out; the
	                     * rest would fail alike */
};

/* Writes the libcurl URL for server ("host", "host:port", "[v6]:port")
 * into url: smtps:// with ssl, else smtp://; the path is this host's name,
 * which libcurl says in EHLO. Returns 0, or -1 when server is not of that
 * form or url is too small. No I/O but gethostname(). */
int smtp_url(const char *server, int ssl, char *url, size_t len);

/* Prepares sending with cfg's settings (cfg must outlive it; nothing is
 * connected yet). Returns 0 and a new sender the caller frees with
 * smtp_close(), or -1 with a message in err (mail not configured:
 * smtp_server unset; smtp_ca_file unreadable; libcurl failed). */
int smtp_open(const struct cfg *cfg, struct smtp **out, char *err, size_t errlen);

/* Sends m to its one recipient, connecting (or reusing the connection of
 * the previous send) as needed. On anything but SMTP_SENT, err says why,
 * with the server's last answer when there was one. */
enum smtp_result smtp_send(struct smtp *s, const struct mail *m, char *err, size_t errlen);

/* `galaxy-chat check`: connects, says EHLO, STARTTLS and logs in as a send
 * would, then NOOP. Returns SMTP_SENT when all of that worked (then info
 * says how: "STARTTLS", "TLS (smtp_ssl)" or "no TLS: the server offers no
 * STARTTLS"), else SMTP_UNAVAILABLE with err. */
enum smtp_result smtp_probe(struct smtp *s, char *info, size_t infolen,
                            char *err, size_t errlen);

/* Closes the connection, if any, and frees s (NULL is fine). */
void smtp_close(struct smtp *s);

#endif
