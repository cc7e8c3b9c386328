/*
 * test_fcgirecord.c - the FastCGI records of an answer (fcgirecord.c),
 * read back from a socket and parsed as the FastCGI specification frames
 * them: FCGI_STDOUT records of at most 65535 bytes holding exactly the
 * answer, then the empty FCGI_STDOUT and FCGI_END_REQUEST (complete), all
 * of the request's id; an answer larger than a socket's buffer arrives
 * whole; a connection whose other end has gone is an error.
 */
#include <fastcgi.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fcgirecord.h"
#include "tap.h"

/* What the other end of the socket received, read by a thread of its own
 * so that a large answer never waits on a full buffer. */
struct drain {
	int fd;
	unsigned char *buf;
	size_t len, cap;
};

static void *drain_run(void *arg)
{
	struct drain *d = arg;
	ssize_t n;

	for (;;) {
		if (d->len == d->cap) {
			d->cap = d->cap ? 2 * d->cap : 65536;
			d->buf = realloc(d->buf, d->cap);
			if (!d->buf)
				abort();
		}
		if ((n = read(d->fd, d->buf + d->len, d->cap - d->len)) <= 0)
			return NULL;
		d->len += (size_t)n;
	}
}

/* What fcgirecord_write(id, buf, len, end) put on a socket. */
static struct drain written(int id, const char *buf, size_t len, int end, int *rc)
{
	int sv[2];
	pthread_t t;
	struct drain d = { 0 };

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		abort();
	d.fd = sv[1];
	pthread_create(&t, NULL, drain_run, &d);
	*rc = fcgirecord_write(sv[0], id, buf, len, end);
	close(sv[0]);
	pthread_join(t, NULL);
	close(sv[1]);
	return d;
}

/* Parses d's records of request id: the FCGI_STDOUT content (its length
 * in *out_len; records in *records, the largest in *largest), whether the
 * end records came last (*ended). 0, or -1 for anything not framed so. */
static int parse(const struct drain *d, int id, char **out, size_t *out_len, int *records,
                 size_t *largest, int *ended)
{
	size_t off = 0;

	*out = malloc(d->len + 1);
	*out_len = 0;
	*records = 0;
	*largest = 0;
	*ended = 0;
	while (off < d->len) {
		const FCGI_Header *h = (const FCGI_Header *)(d->buf + off);
		size_t clen = (size_t)h->contentLengthB1 << 8 | h->contentLengthB0;
		if (*ended || d->len - off < FCGI_HEADER_LEN + clen + h->paddingLength ||
		    h->version != FCGI_VERSION_1 || (h->requestIdB1 << 8 | h->requestIdB0) != id)
			return -1;
		const unsigned char *c = d->buf + off + FCGI_HEADER_LEN;
		if (h->type == FCGI_STDOUT && clen > 0) {
			memcpy(*out + *out_len, c, clen);
			*out_len += clen;
			++*records;
			if (clen > *largest)
				*largest = clen;
		} else if (h->type == FCGI_STDOUT) {
			/* the end of the stream: FCGI_END_REQUEST must follow, last */
			const FCGI_EndRequestRecord *e = (const FCGI_EndRequestRecord *)(c + h->paddingLength);
			size_t at = off + FCGI_HEADER_LEN + h->paddingLength;
			if (d->len - at != sizeof *e || e->header.type != FCGI_END_REQUEST ||
			    e->header.version != FCGI_VERSION_1 ||
			    (e->header.requestIdB1 << 8 | e->header.requestIdB0) != id ||
			    e->header.contentLengthB0 != sizeof e->body || e->header.contentLengthB1 ||
			    e->body.protocolStatus != FCGI_REQUEST_COMPLETE ||
			    e->body.appStatusB0 || e->body.appStatusB1 || e->body.appStatusB2 ||
			    e->body.appStatusB3)
				return -1;
			*ended = 1;
			off = d->len;
			continue;
		} else {
			return -1;
		}
		off += FCGI_HEADER_LEN + clen + h->paddingLength;
	}
	return 0;
}

/* Writes len bytes of a pattern as request id and checks what arrived. */
static void check(const char *what, int id, size_t len, int end, int want_records)
{
	char *buf = malloc(len + 1), *got;
	size_t got_len, largest;
	int rc, records, ended;
	char name[200];

	for (size_t i = 0; i < len; i++)
		buf[i] = (char)('a' + i % 23);
	struct drain d = written(id, buf, len, end, &rc);
	snprintf(name, sizeof name, "%s: written", what);
	is_int(rc, 0, name);
	snprintf(name, sizeof name, "%s: framed as FastCGI records of request %d", what, id);
	ok(parse(&d, id, &got, &got_len, &records, &largest, &ended) == 0, name);
	snprintf(name, sizeof name, "%s: exactly the answer's bytes", what);
	ok(got_len == len && memcmp(got, buf, len) == 0, name);
	snprintf(name, sizeof name, "%s: in %d FCGI_STDOUT records of at most 65535 bytes", what, want_records);
	ok(records == want_records && largest <= FCGI_MAX_LENGTH, name);
	snprintf(name, sizeof name, end ? "%s: then the end of the request" : "%s: and the request not ended", what);
	is_int(ended, end, name);
	free(got);
	free(buf);
	free(d.buf);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	check("an empty answer's end", 1, 0, 1, 0);
	check("nothing, not ended", 1, 0, 0, 0);
	check("a stream's piece", 0x1234, 5, 0, 1);
	check("65535 bytes", 7, FCGI_MAX_LENGTH, 1, 1);
	check("65536 bytes", 7, FCGI_MAX_LENGTH + 1, 1, 2);
	check("200,000 bytes", 300, 200000, 1, 4);
	/* more records than one writev takes, and more than a socket buffers */
	check("17 x 65535 + 1 bytes", 65535, 17 * (size_t)FCGI_MAX_LENGTH + 1, 1, 18);

	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		abort();
	close(sv[1]);
	is_int(fcgirecord_write(sv[0], 1, "gone", 4, 1), -1, "the web server gone: -1");
	close(sv[0]);
	return done_testing();
}
