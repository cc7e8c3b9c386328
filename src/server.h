/*
 * server.h - run the responder: FastCGI on an inherited socket (fd 0, as
 * mod_fcgid and spawn-fcgi provide), FastCGI on a socket of our own
 * (--listen, for nginx), or one plain CGI request.
 */
#ifndef GC_SERVER_H
#define GC_SERVER_H

struct cfg;

/* Serves until SIGTERM/SIGINT (answering every waiting poll before it
 * returns). listen_addr NULL: fd 0, or CGI when fd 0 is not a socket;
 * else "unix:/path", "/path", "host:port" or ":port". A Unix socket gets
 * mode 0660 and, unless socket_group is NULL, that group (a name or a
 * number). Returns the exit status. */
int server_run(const struct cfg *cfg, const char *listen_addr, const char *socket_group);

#endif
