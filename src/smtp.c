/*
 * smtp.c - emails out through libcurl's SMTP (see smtp.h for the TLS
 * rules). One easy handle per sender, so consecutive sends share one
 * connection; each email has exactly one recipient, so a refused
 * recipient fails that email alone.
 *
 * libcurl's debug callback (CURLOPT_VERBOSE with CURLOPT_DEBUGFUNCTION,
 * which then prints nothing itself) shows the commands sent and the
 * answers: smtp_debug() keeps the server's last error answer (4xx, 5xx)
 * for messages, whether the session got as far as MAIL FROM (then such an
 * answer refused this email rather than the session), and whether
 * STARTTLS was accepted. It never keeps what was sent: AUTH lines carry
 * the password.
 *
 * curl_global_init() is called by smtp_open() and is not thread-safe in
 * libcurl 7.88: open senders from one thread (notify and check do).
 *
 * libcurl is loaded by smtp_open() (dynlib.h), not linked: only notify and
 * check send mail, and libcurl with the libraries only it needs (nghttp2,
 * ssh2, rtmp, psl, brotli, zstd, ...) cost every responder process about
 * 100 KiB. Its functions are called through cu, typed from curl.h.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <curl/curl.h>

#include "cfg.h"
#include "dynlib.h"
#include "mail.h"
#include "smtp.h"

#define SMTP_LIBCURL "libcurl.so.4"  /* libcurl's soname since 7.16 */

#define SMTP_CONNECT_SECONDS 10L     /* to connect (TCP and TLS) */
#define SMTP_REPLY_SECONDS 30L       /* for each answer of the server */
#define SMTP_TOTAL_SECONDS 120L      /* for one email, or one probe, in all */
#define SMTP_REPLY_MAX 200           /* bytes of the server's answer kept */

static struct {
	__typeof__(curl_global_init) *global_init;
	__typeof__(curl_global_cleanup) *global_cleanup;
	__typeof__(curl_easy_init) *easy_init;
	__typeof__(curl_easy_cleanup) *easy_cleanup;
	__typeof__(curl_easy_setopt) *easy_setopt;
	__typeof__(curl_easy_perform) *easy_perform;
	__typeof__(curl_easy_getinfo) *easy_getinfo;
	__typeof__(curl_easy_strerror) *easy_strerror;
	__typeof__(curl_slist_append) *slist_append;
	__typeof__(curl_slist_free_all) *slist_free_all;
} cu;
static const struct dynlib_fn cu_fns[] = {
	DYNLIB_FN(cu.global_init, curl_global_init),
	DYNLIB_FN(cu.global_cleanup, curl_global_cleanup),
	DYNLIB_FN(cu.easy_init, curl_easy_init),
	DYNLIB_FN(cu.easy_cleanup, curl_easy_cleanup),
	DYNLIB_FN(cu.easy_setopt, curl_easy_setopt),
	DYNLIB_FN(cu.easy_perform, curl_easy_perform),
	DYNLIB_FN(cu.easy_getinfo, curl_easy_getinfo),
	DYNLIB_FN(cu.easy_strerror, curl_easy_strerror),
	DYNLIB_FN(cu.slist_append, curl_slist_append),
	DYNLIB_FN(cu.slist_free_all, curl_slist_free_all),
};
static struct dynlib cu_lib = DYNLIB(SMTP_LIBCURL, cu_fns);

struct smtp {
	const struct cfg *cfg;
	CURL *curl;
	char url[1024];              /* with this host's name as the path (EHLO) */
	char where[600];             /* scheme://server, for messages */
	int login;                   /* smtp_username and smtp_password both set */
	int in_mail;                 /* this transfer sent MAIL FROM */
	int tls_asked;               /* STARTTLS sent, its answer not yet read */
	int tls;                     /* the server accepted STARTTLS */
	char reply[SMTP_REPLY_MAX];  /* the server's last 4xx/5xx answer, printable */
	char errbuf[CURL_ERROR_SIZE];
	const char *data;            /* the email being sent */
	size_t len, pos;
};

/* Characters of a host name (a label's letters, digits, '-' and '.'). */
static int smtp_hostchars(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '.')
			return 0;
	return n > 0;
}

int smtp_url(const char *server, int ssl, char *url, size_t len)
{
	const char *host = server, *port, *end;
	char me[256] = "";
	size_t hlen;

	if (!server)
		return -1;
	if (server[0] == '[') {             /* [IPv6] */
		if (!(end = strchr(server, ']')))
			return -1;
		for (const char *p = server + 1; p < end; p++)
			if (!isxdigit((unsigned char)*p) && *p != ':' && *p != '.')
				return -1;
		if (end == server + 1)
			return -1;
		hlen = (size_t)(end + 1 - server);
		port = end + 1;
	} else {
		hlen = strcspn(server, ":");
		if (!smtp_hostchars(server, hlen))
			return -1;
		port = server + hlen;
	}
	if (*port == ':') {
		char *stop;
		long p = strtol(port + 1, &stop, 10);
		if (!isdigit((unsigned char)port[1]) || *stop || p < 1 || p > 65535)
			return -1;
	} else if (*port) {
		return -1;
	}
	/* libcurl says EHLO with the URL's path; this host's name, when it is
	 * one, else libcurl's default (localhost) */
	if (gethostname(me, sizeof me - 1) != 0 || !smtp_hostchars(me, strlen(me)))
		me[0] = '\0';
	int n = snprintf(url, len, "%s://%.*s%s/%s", ssl ? "smtps" : "smtp", (int)hlen, host,
	                 port, me);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* Keeps what the session needs to know from libcurl's trace (see the top
 * of the file). */
static int smtp_debug(CURL *h, curl_infotype type, char *data, size_t size, void *ud)
{
	struct smtp *s = ud;

	(void)h;
	if (type == CURLINFO_HEADER_OUT) {
		if (size >= 10 && strncasecmp(data, "MAIL FROM:", 10) == 0)
			s->in_mail = 1;
		else if (size >= 8 && strncasecmp(data, "STARTTLS", 8) == 0)
			s->tls_asked = 1;
	} else if (type == CURLINFO_HEADER_IN && size > 0) {
		size_t n = 0;
		if (s->tls_asked) {
			s->tls = data[0] == '2';
			s->tls_asked = 0;
		}
		if (data[0] != '4' && data[0] != '5')
			return 0;   /* the error answer stays, not QUIT's 221 after it */
		for (size_t i = 0; i < size && data[i] != '\r' && data[i] != '\n' &&
		                   n + 1 < sizeof s->reply; i++)
			s->reply[n++] = data[i] >= 0x20 && data[i] < 0x7f ? data[i] : '?';
		s->reply[n] = '\0';
	}
	return 0;
}

static size_t smtp_read(char *buf, size_t size, size_t nitems, void *ud)
{
	struct smtp *s = ud;
	size_t n = size * nitems;

	if (n > s->len - s->pos)
		n = s->len - s->pos;
	memcpy(buf, s->data + s->pos, n);
	s->pos += n;
	return n;
}

/* The probe's NOOP answer is not wanted. */
static size_t smtp_discard(char *buf, size_t size, size_t nitems, void *ud)
{
	(void)buf;
	(void)ud;
	return size * nitems;
}

int smtp_open(const struct cfg *cfg, struct smtp **out, char *err, size_t errlen)
{
	struct smtp *s;
	int bad = 0;

	*out = NULL;
	if (!cfg->smtp_server) {
		snprintf(err, errlen, "mail is not configured: smtp_server is not set");
		return -1;
	}
	if (cfg->smtp_ca_file && access(cfg->smtp_ca_file, R_OK) != 0) {
		snprintf(err, errlen, "smtp_ca_file %s: %s", cfg->smtp_ca_file, strerror(errno));
		return -1;
	}
	if (!(s = calloc(1, sizeof *s))) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	s->cfg = cfg;
	s->login = cfg->smtp_username && cfg->smtp_password;
	snprintf(s->where, sizeof s->where, "%s://%s", cfg->smtp_ssl ? "smtps" : "smtp",
	         cfg->smtp_server);
	if (smtp_url(cfg->smtp_server, cfg->smtp_ssl, s->url, sizeof s->url) < 0) {
		snprintf(err, errlen, "smtp_server \"%s\" is not host or host:port", cfg->smtp_server);
		free(s);
		return -1;
	}
	if (dynlib_load(&cu_lib, err, errlen) < 0) {
		free(s);
		return -1;
	}
	if (cu.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(err, errlen, "libcurl could not be initialised");
		free(s);
		return -1;
	}
	if (!(s->curl = cu.easy_init())) {
		snprintf(err, errlen, "libcurl could not be initialised");
		cu.global_cleanup();
		free(s);
		return -1;
	}
	CURL *c = s->curl;
	bad |= cu.easy_setopt(c, CURLOPT_URL, s->url) != CURLE_OK;
	bad |= cu.easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps") != CURLE_OK;
	bad |= cu.easy_setopt(c, CURLOPT_USE_SSL, (long)(cfg->smtp_ssl || s->login ?
	                        CURLUSESSL_ALL : CURLUSESSL_TRY)) != CURLE_OK;
	bad |= cu.easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L) != CURLE_OK;
	bad |= cu.easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L) != CURLE_OK;
	bad |= cu.easy_setopt(c, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2) != CURLE_OK;
	if (cfg->smtp_ca_file)
		bad |= cu.easy_setopt(c, CURLOPT_CAINFO, cfg->smtp_ca_file) != CURLE_OK;
	if (s->login) {
		bad |= cu.easy_setopt(c, CURLOPT_USERNAME, cfg->smtp_username) != CURLE_OK;
		bad |= cu.easy_setopt(c, CURLOPT_PASSWORD, cfg->smtp_password) != CURLE_OK;
	}
	bad |= cu.easy_setopt(c, CURLOPT_CONNECTTIMEOUT, SMTP_CONNECT_SECONDS) != CURLE_OK;
	bad |= cu.easy_setopt(c, CURLOPT_SERVER_RESPONSE_TIMEOUT, SMTP_REPLY_SECONDS) != CURLE_OK;
	bad |= cu.easy_setopt(c, CURLOPT_TIMEOUT, SMTP_TOTAL_SECONDS) != CURLE_OK;
	bad |= cu.easy_setopt(c, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
	bad |= cu.easy_setopt(c, CURLOPT_ERRORBUFFER, s->errbuf) != CURLE_OK;
	bad |= cu.easy_setopt(c, CURLOPT_VERBOSE, 1L) != CURLE_OK;
	bad |= cu.easy_setopt(c, CURLOPT_DEBUGFUNCTION, smtp_debug) != CURLE_OK;
	bad |= cu.easy_setopt(c, CURLOPT_DEBUGDATA, s) != CURLE_OK;
	bad |= cu.easy_setopt(c, CURLOPT_READFUNCTION, smtp_read) != CURLE_OK;
	bad |= cu.easy_setopt(c, CURLOPT_READDATA, s) != CURLE_OK;
	bad |= cu.easy_setopt(c, CURLOPT_WRITEFUNCTION, smtp_discard) != CURLE_OK;
	if (bad) {
		snprintf(err, errlen, "this libcurl lacks an option galaxy-chat needs (7.85 or newer, "
		         "with TLS: Debian's libcurl4-openssl-dev)");
		smtp_close(s);
		return -1;
	}
	*out = s;
	return 0;
}

/* Runs the transfer set up on s->curl and says what became of it. */
static enum smtp_result smtp_perform(struct smtp *s, char *err, size_t errlen)
{
	long code = 0;
	CURLcode rc;

	s->in_mail = 0;
	s->reply[0] = s->errbuf[0] = '\0';
	rc = cu.easy_perform(s->curl);
	if (rc == CURLE_OK)
		return SMTP_SENT;
	cu.easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &code);
	snprintf(err, errlen, "%s: %s%s%s%s", s->where, s->errbuf[0] ? s->errbuf : cu.easy_strerror(rc),
	         s->reply[0] ? "; the server said: " : "", s->reply,
	         rc == CURLE_USE_SSL_FAILED && s->login ?
	         " (smtp_username and smtp_password are set: the password goes over TLS only)" : "");
	return s->in_mail && code >= 400 ? SMTP_REFUSED : SMTP_UNAVAILABLE;
}

enum smtp_result smtp_send(struct smtp *s, const struct mail *m, char *err, size_t errlen)
{
	struct curl_slist *rcpt;
	enum smtp_result r;

	/* mail_build() checked both; a struct mail made elsewhere must not
	 * put a line break into MAIL FROM or RCPT TO */
	if (!m->from || !m->to || !m->data || !mail_address_ok(m->from) || !mail_address_ok(m->to)) {
		snprintf(err, errlen, "an email without usable addresses was not sent");
		return SMTP_REFUSED;
	}
	if (!(rcpt = cu.slist_append(NULL, m->to))) {
		snprintf(err, errlen, "out of memory");
		return SMTP_REFUSED;
	}
	s->data = m->data;
	s->len = m->len;
	s->pos = 0;
	cu.easy_setopt(s->curl, CURLOPT_CUSTOMREQUEST, NULL);
	cu.easy_setopt(s->curl, CURLOPT_MAIL_FROM, m->from);
	cu.easy_setopt(s->curl, CURLOPT_MAIL_RCPT, rcpt);
	cu.easy_setopt(s->curl, CURLOPT_UPLOAD, 1L);
	r = smtp_perform(s, err, errlen);
	cu.easy_setopt(s->curl, CURLOPT_MAIL_RCPT, NULL);
	cu.slist_free_all(rcpt);
	s->data = NULL;
	return r;
}

enum smtp_result smtp_probe(struct smtp *s, char *info, size_t infolen, char *err, size_t errlen)
{
	enum smtp_result r;

	cu.easy_setopt(s->curl, CURLOPT_UPLOAD, 0L);
	cu.easy_setopt(s->curl, CURLOPT_MAIL_RCPT, NULL);
	cu.easy_setopt(s->curl, CURLOPT_CUSTOMREQUEST, "NOOP");
	r = smtp_perform(s, err, errlen);
	cu.easy_setopt(s->curl, CURLOPT_CUSTOMREQUEST, NULL);
	if (r == SMTP_SENT)
		snprintf(info, infolen, "%s", s->cfg->smtp_ssl ? "TLS (smtp_ssl)" : s->tls ? "STARTTLS" :
		         "no TLS: the server offers no STARTTLS");
	return r == SMTP_REFUSED ? SMTP_UNAVAILABLE : r;
}

void smtp_close(struct smtp *s)
{
	if (!s)
		return;
	if (s->curl) {
		cu.easy_cleanup(s->curl);
		cu.global_cleanup();
	}
	free(s);
}
