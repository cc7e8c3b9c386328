/*
 * fcgirecord.c - a FastCGI answer as records on the connection (see
 * fcgirecord.h), framed as the FastCGI specification (1.0, section 5.3
 * and 5.5) and libfcgi's <fastcgi.h> say.
 */
#include <errno.h>
#include <fastcgi.h>
#include <string.h>
#include <sys/uio.h>

#include "fcgirecord.h"

/* The most records one writev() takes: a header and its content each. */
#define FCGIRECORD_BATCH 16

static FCGI_Header fcgirecord_header(int type, int id, size_t len)
{
	return (FCGI_Header){
		.version = FCGI_VERSION_1, .type = (unsigned char)type,
		.requestIdB1 = (unsigned char)(id >> 8), .requestIdB0 = (unsigned char)id,
		.contentLengthB1 = (unsigned char)(len >> 8), .contentLengthB0 = (unsigned char)len,
	};
}

/* Writes all n pieces of iov to fd, however many writes that takes. */
static int fcgirecord_writev_all(int fd, struct iovec *iov, int n)
{
	while (n > 0) {
		ssize_t w = writev(fd, iov, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		for (; n > 0 && (size_t)w >= iov->iov_len; iov++, n--)
			w -= (ssize_t)iov->iov_len;
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
	return 0;
}

int fcgirecord_write(int fd, int id, const char *buf, size_t len, int end)
{
	FCGI_Header heads[FCGIRECORD_BATCH + 1];   /* + the end's */
	FCGI_EndRequestRecord done = {
		.header = fcgirecord_header(FCGI_END_REQUEST, id, sizeof done.body),
		.body = { .protocolStatus = FCGI_REQUEST_COMPLETE },
	};
	struct iovec iov[2 * FCGIRECORD_BATCH + 2];

	do {
		int n = 0, h = 0;
		for (; len > 0 && h < FCGIRECORD_BATCH; h++) {
			size_t part = len < FCGI_MAX_LENGTH ? len : FCGI_MAX_LENGTH;
			heads[h] = fcgirecord_header(FCGI_STDOUT, id, part);
			iov[n++] = (struct iovec){ heads + h, FCGI_HEADER_LEN };
			iov[n++] = (struct iovec){ (void *)buf, part };
			buf += part;
			len -= part;
		}
		if (len == 0 && end) {
			/* an empty FCGI_STDOUT ends the stream, then the request */
			heads[h] = fcgirecord_header(FCGI_STDOUT, id, 0);
			iov[n++] = (struct iovec){ heads + h, FCGI_HEADER_LEN };
			iov[n++] = (struct iovec){ &done, sizeof done };
		}
		if (n > 0 && fcgirecord_writev_all(fd, iov, n) < 0)
			return -1;
	} while (len > 0);
	return 0;
}
