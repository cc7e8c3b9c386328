/*
 * wake.h - cross-process wakeup beside the message store: two 32-bit
 * counters in a small file mapped MAP_SHARED by every process using the
 * store, each with a shared (not process-private) futex.
 *
 *  - the event counter: a writer bumps it after each commit that stored an
 *    event; waiting polls sleep in the kernel, using no CPU and touching no
 *    database, until it moves or their timeout passes;
 *  - the write counter: bumped whenever a write transaction ends, so a
 *    writer that found SQLite's write lock taken sleeps until the holder
 *    lets go instead of polling on a timer (SQLite's own busy handler sleeps
 *    1, 2, 5, 10 ... ms, and a thread that keeps losing the race waits
 *    seconds while the lock is free most of the time).
 */
#ifndef GC_WAKE_H
#define GC_WAKE_H

#include <stddef.h>
#include <sys/types.h>

struct wake;

/* Opens (creating it with mode if missing, whatever the umask) the counter
 * file at path and maps it. Safe when several processes create it at once.
 * Returns 0 and a handle the caller frees with wake_close(), or -1 with a
 * message naming path in err. */
int wake_open(const char *path, mode_t mode, struct wake **out, char *err, size_t errlen);
void wake_close(struct wake *w);

/* The counter's current value. */
unsigned wake_seq(const struct wake *w);

/* Increments the counter and wakes every waiter in every process. */
void wake_bump(struct wake *w);

/* Sleeps until the counter differs from seq, timeout_ms passes (< 0: no
 * limit; 0: do not sleep) or a signal arrives. Returns the counter then. */
unsigned wake_wait(struct wake *w, unsigned seq, int timeout_ms);

/* The write counter: its value, a bump after a write transaction ends
 * (waking every writer waiting for the lock), and a wait like wake_wait. */
unsigned wake_write_seq(const struct wake *w);
void wake_write_done(struct wake *w);
unsigned wake_write_wait(struct wake *w, unsigned seq, int timeout_ms);

#endif
