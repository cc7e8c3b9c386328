/*
 * degraded.h - serving while the message store cannot be opened.
 *
 * On standard input (mod_fcgid, spawn-fcgi, CGI), exiting because the
 * store cannot be opened would get the client only the web server's HTML
 * 500 and, under mod_fcgid, a new process for every request. Instead each
 * request is answered with the JSON 503 its route gives without a store,
 * and the store is tried again as each request arrives, so that the first
 * request after the fix is served normally.
 */
#ifndef GC_DEGRADED_H
#define GC_DEGRADED_H

struct dispatch;
struct fcgiio_req;

/* Starts d's hub (hub_new: the store), serving as above while it cannot:
 * requests on listen_fd (libfcgi's accept), or, cgi set, the one CGI
 * request. Returns 0 with d->hub and *pending, a request accepted while
 * the store was down and not answered yet (or NULL), for the caller to
 * run; or -1 when the process is done: the CGI request was answered. */
int degraded_hub_new(struct dispatch *d, int listen_fd, int cgi, struct fcgiio_req **pending);

#endif
