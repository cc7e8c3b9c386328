/*
 * check.h - `galaxy-chat check`: validate the configuration, reach Galaxy's
 * database and the message store, and report what an admin needs to know.
 */
#ifndef GC_CHECK_H
#define GC_CHECK_H

#include <stdio.h>

struct cfg;

/* Prints the report to out. Returns 0 when everything works, else 1. */
int check_run(const struct cfg *cfg, FILE *out);

#endif
