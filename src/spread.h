/*
 * spread.h - one round of independent calls shared out between the
 * calling thread and a few helper threads: the hub's fan-out to a
 * thousand waiters is a thousand writes to as many connections, and on
 * one thread its last waiter waits for the other 999 (bench/README.md,
 * "Seventh round").
 *
 * The caller takes part: a round never waits for a helper to wake, so a
 * busy or descheduled helper only makes the round no faster, never
 * slower than the caller alone; a helper that did wake finishes the
 * calls it took before spread_run() returns.
 */
#ifndef GC_SPREAD_H
#define GC_SPREAD_H

#include <stddef.h>

struct spread;

/* fn(ctx, i): the i-th call of a round. Calls of one round run in any
 * order, on any of the threads, each exactly once. */
typedef void (*spread_fn)(void *ctx, size_t i);

/* A spread with helpers threads (0 to SPREAD_MAX_HELPERS; 0: the caller
 * makes every call itself). NULL when out of memory or a thread cannot
 * start; the caller then runs rounds alone (spread_run with NULL). */
#define SPREAD_MAX_HELPERS 7
struct spread *spread_new(int helpers);

/* Makes the calls fn(ctx, 0) to fn(ctx, n - 1) and returns once every one
 * has returned. Rounds of fewer than min calls are the caller's alone.
 * One round at a time: spread_run is not called from two threads at once
 * on one spread. s may be NULL. */
void spread_run(struct spread *s, size_t n, size_t min, spread_fn fn, void *ctx);

/* The number of helpers a process with ncpu processors gets: one less
 * than its processors, at most SPREAD_MAX_HELPERS. */
int spread_helpers_for(long ncpu);

/* Stops and joins the helpers, frees s (may be NULL). No round may be
 * under way. */
void spread_free(struct spread *s);

#endif
