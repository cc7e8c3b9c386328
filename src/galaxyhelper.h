/*
 * galaxyhelper.h - Galaxy's database asked by one process of the host on
 * behalf of the processes the web server starts (mod_fcgid, spawn-fcgi,
 * CGI), so that those hundreds of processes neither load libpq (with
 * libssl, Kerberos, LDAP, GnuTLS: relocated data of their own in each,
 * bench/README.md) nor hold a connection to Galaxy's PostgreSQL each.
 *
 * The helper is `galaxy-chat galaxy-helper -c FILE` (galaxyhelperd.h),
 * started by the first process that needs it (galaxyhelper.c) and ended after
 * galaxy_helper_idle seconds without a question, when its executable was
 * replaced (an upgrade), or when a client's configuration differs from its
 * own (the client then starts a new one). Nobody starts it by hand, and a
 * host runs at most one per store: it holds an flock on "<socket>.lock".
 * It listens on a Unix socket beside the store's other shared files
 * (shmap_path: "<store>-galaxy.sock", else in /dev/shm), mode 0600, and
 * both ends check that the other runs as the same user (SO_PEERCRED): the
 * answers let a cookie act for a user.
 *
 * One question per connection (SOCK_SEQPACKET: one request, one answer),
 * the answer of the same galaxydb.h function the helper runs on its own
 * handles (one per thread, GALAXYHELPER_THREADS). Both ends are the same
 * executable; a request carries the version and the Galaxy settings it was
 * made with, and a helper of another build or configuration says so and
 * leaves.
 */
#ifndef GC_GALAXYHELPER_H
#define GC_GALAXYHELPER_H

#include <stddef.h>

#include "galaxydb.h"
#include "galaxydb_cards.h"
#include "galaxyurl.h"
#include "user.h"

struct cfg;
struct galaxyhelper;

/* A client of the host's helper for cfg (which must outlive it): how to
 * reach it, nothing connected yet. cgi: this process is a CGI request, and
 * the helper it starts must not keep the web server's pipes (not even
 * stderr) open. NULL with err when the socket's path does not fit a Unix
 * socket address (then the caller asks Galaxy itself), or on ENOMEM. Free
 * with galaxyhelper_free(). */
struct galaxyhelper *galaxyhelper_new(const struct cfg *cfg, int cgi, char *err, size_t errlen);
void galaxyhelper_free(struct galaxyhelper *h);

/* The galaxydb.h functions of the same names, asked of the helper
 * (started first when none answers; count_users: GALAXYDB_FOUND with the
 * count). GALAXYDB_HELPER_DOWN when no helper can be had (why is logged
 * once; from then on at once): the caller asks Galaxy itself.
 * Thread-safe. */
enum galaxydb_result galaxyhelper_lookup(struct galaxyhelper *h, const char *key,
                                         struct user *user, char *err, size_t errlen);
enum galaxydb_result galaxyhelper_lookup_key(struct galaxyhelper *h, const char *key,
                                             struct user *user, char *err, size_t errlen);
enum galaxydb_result galaxyhelper_find(struct galaxyhelper *h, const char *name, long long *id,
                                       char *err, size_t errlen);
enum galaxydb_result galaxyhelper_contact(struct galaxyhelper *h, long long id,
                                          char email[USER_NAME_MAX], char *err, size_t errlen);
enum galaxydb_result galaxyhelper_count_users(struct galaxyhelper *h, long long *count, char *err,
                                              size_t errlen);
enum galaxydb_result galaxyhelper_card(struct galaxyhelper *h, enum galaxyurl_kind kind,
                                       enum galaxyurl_by by, long long id, const char *user,
                                       const char *slug, long long reader, int admin,
                                       struct galaxydb_card *card, char *err, size_t errlen);

#endif
