/*
 * degraded.c - answering without a store until it can be opened (see
 * degraded.h). Runs on the main thread before the workers start: nothing
 * else waits in the process meanwhile.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "degraded.h"
#include "dispatch.h"
#include "fcgiio.h"
#include "hub.h"
#include "log.h"
#include "workers.h"

/* Waits for the next request on listen_fd. Returns it, or NULL when
 * accept gave up (SO_RCVTIMEO), so the caller tries the store again
 * either way. */
static struct fcgiio_req *degraded_accept(struct dispatch *d, int listen_fd)
{
	struct fcgiio_req *r = NULL;
	sigset_t stopset;

	/* nothing waits in this process: a stop signal may end it at once */
	sigemptyset(&stopset);
	sigaddset(&stopset, SIGTERM);
	sigaddset(&stopset, SIGINT);
	sigaddset(&stopset, SIGHUP);
	pthread_sigmask(SIG_UNBLOCK, &stopset, NULL);
	int rc = fcgiio_accept_on(d->io, listen_fd, &r);
	pthread_sigmask(SIG_BLOCK, &stopset, NULL);
	if (rc < 0)
		sleep(1);   /* out of memory: a moment before trying again */
	return rc > 0 ? r : NULL;
}

/* Answers r without a store: the JSON 503 of its route, naming why. */
static void degraded_answer(struct dispatch *d, struct fcgiio_req *r, const char *why)
{
	struct worker wk = { .cfg = NULL };   /* one that never opens a store */

	snprintf(wk.store_error, sizeof wk.store_error, "%.255s", why);
	dispatch_handle(d, &wk, r);
}

int degraded_hub_new(struct dispatch *d, int listen_fd, int cgi, struct fcgiio_req **pending)
{
	char err[512];

	*pending = NULL;
	/* on standard input and in CGI: a lean hub (server.c, SERVER_ONE_ARENAS) */
	for (int tries = 0; hub_new(d->cfg, d->presence, 1, &d->hub, err, sizeof err) < 0;
	     tries++) {
		if (tries == 0)
			log_error("%s", err);
		if (cgi) {
			if (tries == 0)
				continue;   /* one more try for the one request */
			degraded_answer(d, fcgiio_cgi(d->io), err);
			return -1;
		}
		if (*pending) {
			degraded_answer(d, *pending, err);
			*pending = NULL;
		} else {
			*pending = degraded_accept(d, listen_fd);
		}
	}
	return 0;
}
