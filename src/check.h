/*
 * check.h - `galaxy-chat check`: validate the configuration, reach Galaxy's
 * database and the message store, and report what an admin needs to know;
 * `galaxy-chat check --store`: the same for a copy of the store alone.
 */
#ifndef GC_CHECK_H
#define GC_CHECK_H

#include <stdio.h>

struct cfg;

/* Prints the report to out. Returns 0 when everything works, else 1. */
int check_run(const struct cfg *cfg, FILE *out);

/* `galaxy-chat check --store PATH`, with its own arguments argv[0..argc):
 * checks the SQLite file at PATH, a copy `galaxy-chat backup` made (or any
 * galaxy-chat store), reading no configuration (configured: -c was given,
 * which it refuses), so it runs where only the copy is. Reports to out.
 * Returns 0 when the copy is sound, 1 when not, 2 for bad arguments. */
int check_copy_main(int argc, char **argv, int configured, FILE *out);

#endif
