/*
 * prune.h - the `galaxy-chat prune` command (retention).
 */
#ifndef GC_PRUNE_H
#define GC_PRUNE_H

#include <stdio.h>

struct cfg;

/* Runs the command with its own arguments argv[0..argc) (the global -c
 * already taken), reporting to out and errors to stderr. Returns the exit
 * status: 0 done, 1 failed, 2 bad arguments. */
int prune_main(const struct cfg *cfg, int argc, char **argv, FILE *out);

#endif
