/*
 * fuzz_listener.c - libFuzzer target: listener_scan, which decides from a
 * connection's first bytes whether a FastCGI request has arrived (whole, or
 * with a body already too big) and may be read by libfcgi. Checked:
 *
 *   - it never reads past len (each piece scanned is a copy of exactly len
 *     bytes, for AddressSanitizer);
 *   - scanning on piece by piece, as the listener does while bytes arrive,
 *     gives the answer one scan of the same bytes gives, and bytes after a
 *     decided answer never change it;
 *   - what it lets through, libfcgi itself reads from a memfd (as the
 *     listener hands big requests on) without failing or aborting, finding
 *     one parameter more (FCGI_ROLE) than the pairs counted and as many
 *     body bytes as were counted.
 *
 * Input: byte 0 sets max_body (x 32), byte 1 seeds the piece sizes, the
 * rest is what the connection sent.
 */
#include <fcgiapp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "listener.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* listener_scan on a copy of exactly len bytes of data. */
static enum listener_verdict scan_copy(struct listener_scan *s, const uint8_t *data, size_t len,
                                       size_t max_body)
{
	unsigned char *copy = malloc(len ? len : 1);
	enum listener_verdict v;

	if (!copy)
		abort();
	memcpy(copy, data, len);
	v = listener_scan(s, copy, len, max_body);
	free(copy);
	return v;
}

/* libfcgi reads the records s let through (as the listener hands them on
 * in a memfd): one parameter more than the pairs (FCGI_ROLE), the body
 * bytes counted, and then the end of the body (whole) or of the memfd. */
static void check_libfcgi(const uint8_t *data, const struct listener_scan *s, enum listener_verdict v)
{
	size_t len = s->off;
	static int initialised;
	FCGX_Request r;
	char body[4096];
	size_t nparams = 0, nbody = 0;
	int fd = memfd_create("fuzz-request", MFD_CLOEXEC), n;

	if (!initialised && FCGX_Init() != 0)
		abort();
	initialised = 1;
	if (fd < 0 || write(fd, data, len) != (ssize_t)len || lseek(fd, 0, SEEK_SET) != 0)
		abort();
	FCGX_InitRequest(&r, -1, 0);
	r.ipcFd = fd;
	r.keepConnection = 1;
	if (FCGX_Accept_r(&r) != 0)
		abort();   /* let through, yet libfcgi refuses it */
	for (char **e = r.envp; *e; e++)
		nparams++;
	if (nparams != s->pairs + 1)
		abort();
	while ((n = FCGX_GetStr(body, sizeof body, r.in)) > 0)
		nbody += (size_t)n;
	if (nbody != s->stdin_bytes || (FCGX_GetError(r.in) != 0) != (v == LISTENER_TOO_BIG))
		abort();
	FCGX_Free(&r, 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	size_t max_body = (size_t)data[0] * 32;
	unsigned seed = data[1];
	data += 2;
	size -= 2;

	struct listener_scan all = { 0 }, step = { 0 }, once = { 0 };
	enum listener_verdict v_all = scan_copy(&all, data, size, max_body), v = LISTENER_MORE;
	size_t len = 0;

	while (len < size) {
		seed = seed * 1103515245u + 12345u;
		len += 1 + (seed >> 16) % 64;
		if (len > size)
			len = size;
		if ((v = scan_copy(&step, data, len, max_body)) != LISTENER_MORE)
			break;
	}
	/* undecided, len is size */
	if (v < LISTENER_BAD || v > LISTENER_WHOLE || scan_copy(&once, data, len, max_body) != v ||
	    v_all != v)
		abort();
	if (v == LISTENER_BAD && !step.why)
		abort();
	if ((v == LISTENER_WHOLE || v == LISTENER_TOO_BIG) && step.off > len)
		abort();
	if (v == LISTENER_WHOLE || v == LISTENER_TOO_BIG)
		check_libfcgi(data, &step, v);
	return 0;
}
