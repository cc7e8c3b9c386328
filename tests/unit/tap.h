/*
 * tap.h - the few macros our C unit tests need to speak TAP to Automake's
 * tap-driver: ok(), is_int(), is_str(), and done_testing().
 */
#ifndef GC_TAP_H
#define GC_TAP_H

#include <stdio.h>
#include <string.h>

/* A test made of several files defines TAP_SHARED before including this
 * in each of them, and TAP_COUNTERS too in the one with main(), so that
 * they count as one. */
#if defined(TAP_SHARED) && !defined(TAP_COUNTERS)
extern int tap_n, tap_failed;
#elif defined(TAP_SHARED)
int tap_n, tap_failed;
#else
static int tap_n, tap_failed;
#endif

static inline int tap_ok(int cond, const char *file, int line, const char *name)
{
	tap_n++;
	if (!cond)
		tap_failed++;
	printf("%sok %d - %s\n", cond ? "" : "not ", tap_n, name);
	if (!cond)
		printf("#   failed at %s:%d\n", file, line);
	return cond;
}

#define ok(cond, name) tap_ok(!!(cond), __FILE__, __LINE__, (name))
#define is_int(got, want, name) do { \
	long long g_ = (got), w_ = (want); \
	if (!ok(g_ == w_, name)) printf("#   got %lld, want %lld\n", g_, w_); \
} while (0)
#define is_str(got, want, name) do { \
	const char *g_ = (got), *w_ = (want); \
	int same_ = g_ && w_ ? strcmp(g_, w_) == 0 : g_ == w_; \
	if (!ok(same_, name)) printf("#   got \"%s\", want \"%s\"\n", g_ ? g_ : "(null)", w_ ? w_ : "(null)"); \
} while (0)

static inline int done_testing(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
