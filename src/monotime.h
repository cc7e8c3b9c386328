/*
 * monotime.h - the monotonic clock in milliseconds, the one clock of every
 * deadline and timeout in the responder (wall-clock times are for what is
 * stored or shown).
 */
#ifndef GC_MONOTIME_H
#define GC_MONOTIME_H

#include <time.h>

/* CLOCK_MONOTONIC now, in ms. */
long long monotime_ms(void);

/* The same in microseconds (how long a request took, for metrics). */
long long monotime_us(void);

/* CLOCK_MONOTONIC us microseconds from now, as pthread_cond_timedwait()
 * takes it on a condition variable made with that clock. */
struct timespec monotime_after_us(long us);

#endif
