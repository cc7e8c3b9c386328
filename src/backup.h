/*
 * backup.h - `galaxy-chat backup`: a consistent copy of the SQLite store,
 * made while the chat runs, and what a check of such a copy reads
 * (`galaxy-chat check --store`, check.c).
 */
#ifndef GC_BACKUP_H
#define GC_BACKUP_H

#include <stdio.h>

#include "store.h"

struct cfg;

/* What a look at an SQLite store's file finds. */
struct backup_info {
	long long bytes;          /* the file's size */
	long long version;        /* its schema version (PRAGMA user_version) */
	int integrity_ok;         /* PRAGMA integrity_check said "ok" */
	char integrity[512];      /* else its first findings, "; "-separated */
	struct store_stats stats; /* its contents, when version > 0 */
};

/* Runs `galaxy-chat backup` with its own arguments argv[0..argc)
 * (--to PATH [--force]; the global -c already taken) on cfg's store,
 * reporting to out and errors to stderr. Returns the exit status: 0 done,
 * 1 failed (nothing at PATH then), 2 bad arguments. */
int backup_main(const struct cfg *cfg, int argc, char **argv, FILE *out);

/* Opens the SQLite file at path read-only, without changing it, and fills
 * out: size, schema version, integrity check, and (a galaxy-chat store)
 * its counts. Returns 0, or -1 with err saying why (without the path)
 * when path cannot be read as SQLite at all (no such file, not a database). */
int backup_inspect(const char *path, struct backup_info *out, char *err, size_t errlen);

#endif
