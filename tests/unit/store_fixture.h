/*
 * store_fixture.h - what the store tests need: a made-up user, a clock,
 * and waiting for child processes.
 */
#ifndef GC_STORE_FIXTURE_H
#define GC_STORE_FIXTURE_H

#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "user.h"

/* User id with name, name@example.org and a gravatar made of the id. */
static inline struct user user_make(long long id, const char *name)
{
	struct user u;

	memset(&u, 0, sizeof u);
	u.id = id;
	snprintf(u.username, sizeof u.username, "%s", name);
	snprintf(u.email, sizeof u.email, "%s@example.org", name);
	snprintf(u.gravatar, sizeof u.gravatar, "%032lld", id);
	return u;
}

/* Monotonic milliseconds. */
static inline long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Waits for kids child processes; how many exited with status 0. */
static inline int reap(int kids)
{
	int status, good = 0;

	while (kids-- > 0)
		if (wait(&status) > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0)
			good++;
	return good;
}

#endif
