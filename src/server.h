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
 * else "unix:/path", "/path", "host:port" or ":port". Returns the exit status. */
int server_run(const struct cfg *cfg, const char *listen_addr);

#endif
