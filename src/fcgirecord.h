/*
 * fcgirecord.h - a FastCGI answer written as records to the web server's
 * connection: FCGI_STDOUT records of the answer's bytes and, at its end,
 * the empty FCGI_STDOUT record and FCGI_END_REQUEST.
 *
 * libfcgi parses every request (fcgiio.c); the answers are written here
 * instead of through libfcgi's writer, which keeps an 8 KiB buffer (and
 * one more for FCGI_STDERR) with each request for as long as the request
 * lives: a held long poll or stream would carry them for minutes, 160 MiB
 * for 10,000 of them (bench/README.md, "stream hold"). Here a request
 * holds no buffer: each call writes what it is given at once.
 */
#ifndef GC_FCGIRECORD_H
#define GC_FCGIRECORD_H

#include <stddef.h>

/* Writes len bytes of buf (none when len is 0) to fd as FCGI_STDOUT
 * records of request id and, when end is set, the records that end the
 * request (protocol status complete, application status 0), in as few
 * writes as it can; waits while fd's buffer is full. Returns 0, or -1
 * when fd failed (the web server has gone). */
int fcgirecord_write(int fd, int id, const char *buf, size_t len, int end);

#endif
