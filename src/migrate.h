/*
 * migrate.h - `galaxy-chat migrate --from SQLITE --to POSTGRESQL`: copies an
 * SQLite message store into an empty PostgreSQL one, ids and times kept.
 */
#ifndef GC_MIGRATE_H
#define GC_MIGRATE_H

#include <stdio.h>

/* Copies the store at from (a path or sqlite: URL) into the PostgreSQL
 * database at to (postgresql:// URL; its schema is created if missing),
 * printing progress to out. Refuses, changing nothing, a target that
 * already holds chat data. Returns 0 on success, else 1 with a message on
 * errf. */
int migrate_run(const char *from, const char *to, FILE *out, FILE *errf);

#endif
