/*
 * fuzz_request.c - libFuzzer target: what a FastCGI PARAMS stream holds,
 * as the handlers take it: the name-value pairs decoded as libfcgi
 * decodes them into "NAME=value" strings (any bytes, NULs and "="
 * included, names repeated), then request_read, request_credentials,
 * auth_key_form and auth_by_key_alone on them. Checked:
 *
 *   - the first of a name wins, for every variable the request keeps, and
 *     request_credentials reads what request_read reads; X-API-Key counts
 *     as repeated exactly when HTTP_X_API_KEY came twice or more;
 *   - an accepted request has a method, a query and a Cookie header
 *     within their limits, and its body is CONTENT_LENGTH bytes, the
 *     input's, NUL-terminated; a body over max_body is TOO_LARGE; the body
 *     is never read past CONTENT_LENGTH;
 *   - the route is request_route's for the same variables;
 *   - a key is of Galaxy's form exactly when it is 32 lowercase
 *     hexadecimal digits, and a request authenticates by its key alone
 *     exactly when it has a key and no galaxysession cookie.
 *
 * Input: bytes 0-1 the PARAMS contents' length (big-endian, as a record
 * header's contentLength), byte 2 sets max_body (x 16), then the
 * contents, then the body.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "httpparse.h"
#include "request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_PARAMS 256

/* The body as a connection sends it: the bytes after the PARAMS. */
struct body_reader {
	const uint8_t *at;
	size_t left;
	size_t read;        /* bytes handed out */
};

static long body_read(void *rd, char *buf, size_t len)
{
	struct body_reader *b = rd;
	size_t n = len < b->left ? len : b->left;

	memcpy(buf, b->at, n);
	b->at += n;
	b->left -= n;
	b->read += n;
	return (long)n;
}

/* One length of a name-value pair: one byte, or four with the top bit set
 * (FastCGI 1.0, 3.4). 0 when it does not fit. */
static int pair_len(const uint8_t **p, const uint8_t *end, size_t *len)
{
	if (*p >= end)
		return 0;
	if (!(**p & 0x80)) {
		*len = *(*p)++;
		return 1;
	}
	if (end - *p < 4)
		return 0;
	*len = ((size_t)((*p)[0] & 0x7f) << 24) | ((size_t)(*p)[1] << 16) | ((size_t)(*p)[2] << 8) | (*p)[3];
	*p += 4;
	return 1;
}

/* envp (NULL-terminated, each malloc'ed) from the pairs in p..end, as
 * libfcgi builds it; the pairs that fit. */
static size_t decode_params(const uint8_t *p, const uint8_t *end, char **envp)
{
	size_t n = 0, nlen, vlen;

	while (n < MAX_PARAMS && pair_len(&p, end, &nlen) && pair_len(&p, end, &vlen) &&
	       nlen <= (size_t)(end - p) && vlen <= (size_t)(end - p) - nlen) {
		char *e = malloc(nlen + vlen + 2);
		if (!e)
			abort();
		memcpy(e, p, nlen);
		e[nlen] = '=';
		memcpy(e + nlen + 1, p + nlen, vlen);
		e[nlen + 1 + vlen] = '\0';
		p += nlen + vlen;
		envp[n++] = e;
	}
	envp[n] = NULL;
	return n;
}

/* How many variables are exactly name (the part before the first '='). */
static size_t count_var(char *const *envp, const char *name)
{
	size_t k = 0, n = strlen(name);

	for (; *envp; envp++)
		k += strncmp(*envp, name, n) == 0 && (*envp)[n] == '=';
	return k;
}

static void same(const char *got, const char *want)
{
	if ((got == NULL) != (want == NULL) || (got && strcmp(got, want) != 0))
		abort();
}

static int lower_hex32(const char *k)
{
	size_t i = 0;

	for (; k[i]; i++)
		if (!((k[i] >= '0' && k[i] <= '9') || (k[i] >= 'a' && k[i] <= 'f')))
			return 0;
	return i == 32;
}

static void check(char *const *envp, const uint8_t *body, size_t body_size, size_t max_body)
{
	struct request r;
	struct body_reader b = { body, body_size, 0 };
	char err[256], buf[REQUEST_MAX_ROUTE];
	const char *cookie, *key, *cl = request_env(envp, "CONTENT_LENGTH"), *v;
	int repeated;
	long long clen = 0;
	size_t vlen;
	enum request_problem p = request_read(&r, envp, body_read, &b, max_body, err, sizeof err);

	if (!memchr(err, '\0', sizeof err))
		abort();
	same(r.method, request_env(envp, "REQUEST_METHOD"));
	same(r.cookie, request_env(envp, "HTTP_COOKIE"));
	same(r.api_key, request_env(envp, "HTTP_X_API_KEY"));
	same(r.content_type, request_env(envp, "CONTENT_TYPE"));
	same(r.origin, request_env(envp, "HTTP_ORIGIN"));
	same(r.remote_addr, request_env(envp, "REMOTE_ADDR"));
	same(r.query, request_env(envp, "QUERY_STRING") ? request_env(envp, "QUERY_STRING") : "");
	if (r.api_key_repeated != (count_var(envp, "HTTP_X_API_KEY") >= 2))
		abort();
	request_credentials(envp, &cookie, &key, &repeated);
	if (cookie != r.cookie || key != r.api_key || repeated != r.api_key_repeated)
		abort();
	same(r.path, request_route(request_env(envp, "SCRIPT_NAME"), request_env(envp, "PATH_INFO"),
	                           request_env(envp, "REQUEST_URI"), buf, sizeof buf));
	if (r.path == r.route && strlen(r.route) >= REQUEST_MAX_ROUTE)
		abort();

	if (cl && *cl && http_parse_int(cl, 0, 1LL << 40, &clen) < 0)
		clen = -1;
	if (clen >= 0 && b.read > (unsigned long long)clen)
		abort();
	if (p == REQUEST_OK) {
		if (!r.method || !*r.method || strlen(r.query) > REQUEST_MAX_QUERY ||
		    (r.cookie && strlen(r.cookie) > REQUEST_MAX_COOKIE) || clen < 0 ||
		    (unsigned long long)clen > max_body || r.body_len != (size_t)clen)
			abort();
		if (clen > 0 && (r.body[r.body_len] != '\0' || memcmp(r.body, body, r.body_len) != 0))
			abort();
		if (clen == 0 && r.body)
			abort();
	} else if (p == REQUEST_TOO_LARGE && (clen < 0 || (unsigned long long)clen <= max_body)) {
		abort();
	} else if (p == REQUEST_IO && clen > 0 && (unsigned long long)clen <= max_body && body_size >= (size_t)clen) {
		abort();   /* the whole body was there */
	}

	if (r.api_key) {
		struct auth_creds cr = { r.cookie, r.api_key, r.api_key_repeated };
		if (auth_key_form(r.api_key) != lower_hex32(r.api_key))
			abort();
		if (auth_by_key_alone(&cr) != !http_cookie_get(r.cookie, "galaxysession", &v, &vlen))
			abort();
	}
	request_free(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *envp[MAX_PARAMS + 1];
	size_t plen, n;

	if (size < 3)
		return 0;
	plen = ((size_t)data[0] << 8) | data[1];
	if (plen > size - 3)
		plen = size - 3;
	n = decode_params(data + 3, data + 3 + plen, envp);
	check(envp, data + 3 + plen, size - 3 - plen, (size_t)data[2] * 16);
	for (size_t i = 0; i < n; i++)
		free(envp[i]);
	return 0;
}
