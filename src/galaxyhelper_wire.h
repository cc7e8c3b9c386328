/*
 * galaxyhelper_wire.h - what the two ends of the galaxy helper share
 * (galaxyhelper.c, the end of the web server's processes; galaxyhelperd.c,
 * the helper): the socket's address, a question and its answer, the
 * settings both ends must have been started with, and a connection
 * checked to be this user's. Both ends are the same executable, so a
 * question and an answer go as the structs are.
 */
#ifndef GC_GALAXYHELPER_WIRE_H
#define GC_GALAXYHELPER_WIRE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/un.h>

#include "galaxydb_cards.h"
#include "galaxyurl.h"
#include "user.h"

struct cfg;

#define GALAXYHELPER_MAGIC 0x67636831u      /* "gch1" */
#define GALAXYHELPER_THREADS 4              /* questions answered at once */
#define GALAXYHELPER_REPLY_SECONDS 30       /* a client waits this long for an answer */
#define GALAXYHELPER_OTHER 2                /* answer: a helper of another build or
                                             * configuration, leaving */
#define GALAXYHELPER_SETTINGS_MAX 2048
#define GALAXYHELPER_EXE "/proc/self/exe"

typedef struct sockaddr_un galaxyhelper_addr;

enum galaxyhelper_op { GH_LOOKUP, GH_LOOKUP_KEY, GH_FIND, GH_CONTACT, GH_COUNT, GH_CARD };

struct galaxyhelper_request {
	uint32_t magic, op;
	char settings[GALAXYHELPER_SETTINGS_MAX];   /* galaxyhelper_settings() */
	char text[USER_NAME_MAX];                    /* the key or the name */
	char user[GALAXYURL_NAME_MAX + 1], slug[GALAXYURL_NAME_MAX + 1];
	int has_user, has_slug;                      /* else NULL */
	long long id, reader;
	int admin, kind, by;
};

struct galaxyhelper_answer {
	uint32_t magic;
	int32_t result;                 /* enum galaxydb_result, GALAXYHELPER_OTHER */
	char err[256];
	struct user user;               /* lookup, lookup_key */
	long long number;               /* find: the id; count: the count */
	char email[USER_NAME_MAX];      /* contact */
	struct galaxydb_card card;
};

/* The socket's address for cfg into addr ("<store>-galaxy.sock",
 * shmap_path), the lock's path into lock: -1 when they do not fit. */
int galaxyhelper_paths(const struct cfg *cfg, galaxyhelper_addr *addr, char *lock, size_t locklen);

/* What a helper must have been started with to answer for cfg: this
 * build and the settings galaxydb_new() is given. */
void galaxyhelper_settings(const struct cfg *cfg, char out[GALAXYHELPER_SETTINGS_MAX]);

/* The path of the executable this process runs into out: 0, or -1 when
 * it was replaced or removed (an upgrade) or cannot be read. */
int galaxyhelper_exe(char *out, size_t outlen);

/* Whether the peer of the connected socket fd runs as this user. */
int galaxyhelper_peer_ok(int fd);

/* A connection to the helper at addr, checked to be this user's, with
 * GALAXYHELPER_REPLY_SECONDS to send and to answer; -1 with errno
 * (ENOENT, ECONNREFUSED: none listens; EPERM: another user's). */
int galaxyhelper_connect(const galaxyhelper_addr *addr);

#endif
