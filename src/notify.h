/*
 * notify.h - the `galaxy-chat notify` command: emails of the mentions and
 * direct messages users have not read (notify.c).
 */
#ifndef GC_NOTIFY_H
#define GC_NOTIFY_H

#include <stdio.h>

struct cfg;

/* Runs the command with its own arguments argv[0..argc) (--dry-run),
 * reporting to out and problems to stderr. Returns the exit status: 0
 * done (also when another run holds the lock, or no mail server is set),
 * 1 something failed (tried again at the next run), 2 bad arguments. */
int notify_main(const struct cfg *cfg, int argc, char **argv, FILE *out);

#endif
