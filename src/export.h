/*
 * export.h - the `galaxy-chat export` command: one room's log over a period,
 * as text, JSON lines or CSV, for an admin's report.
 */
#ifndef GC_EXPORT_H
#define GC_EXPORT_H

#include <stdio.h>

struct cfg;

/* Runs the command with its own arguments argv[0..argc), writing the log
 * to out and errors to stderr. Returns the exit status: 0 done, 1 failed,
 * 2 bad arguments. */
int export_main(const struct cfg *cfg, int argc, char **argv, FILE *out);

#endif
