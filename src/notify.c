/*
 * notify.c - `galaxy-chat notify [-c FILE] [--dry-run]`: emails each user
 * the mentions and direct messages they have not read (galaxy-chat(8)
 * EMAIL, doc/api.md). Run every minute by a timer or cron; each run sends
 * what is due and exits. The rules, here only:
 *
 * - A run holds the store's notify lock (store_notify_lock): two never
 *   overlap; a run that finds it held leaves at once.
 * - What is emailed: a user's mentions (in rooms they are still in) and
 *   direct messages that are unread notify_after minutes after they were
 *   sent, not removed, and in no earlier email (store_notify_items).
 * - A user gets at most one email per notify_every minutes, of at most
 *   NOTIFY_MAX_ITEMS messages; more wait for the next one.
 * - Nobody whose email setting is "off", and no Galaxy account deleted,
 *   purged or inactive, gets one: their messages are dealt with, unsent,
 *   and never emailed later. The address is the Galaxy account's email,
 *   asked of Galaxy's database at each email (auth_contact).
 * - A message is dealt with (store_notify_done) only once its email was
 *   taken by the SMTP server, or once it is decided it gets none. A send
 *   the server refuses, or one it could not be asked about (down, TLS,
 *   login), marks nothing: the next run tries again. A server that cannot
 *   be reached ends the run, as does Galaxy's database.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth.h"
#include "cfg.h"
#include "log.h"
#include "mail.h"
#include "notify.h"
#include "smtp.h"
#include "store.h"

#define NOTIFY_MAX_ITEMS 50   /* messages in one email */

/* One run's state. */
struct notify {
	const struct cfg *cfg;
	struct store *st;
	struct auth *auth;
	struct smtp *smtp;
	FILE *out;
	int dry_run;
	long long cutoff;          /* every item of the run is at or below it */
	int sent, waiting, failed; /* emails sent, users waiting for notify_every, failures */
};

/* Unix seconds of a store time ("YYYY-MM-DDTHH:MM:SS.mmmZ"), 0 when it is none. */
static long long notify_seconds(const char *ts)
{
	struct tm tm;

	memset(&tm, 0, sizeof tm);
	return strptime(ts, "%Y-%m-%dT%H:%M:%S", &tm) ? (long long)timegm(&tm) : 0;
}

/* What became of one user's email. */
enum notify_sent {
	NOTIFY_DOWN = -1,    /* the SMTP server cannot be reached: the run ends */
	NOTIFY_REFUSED,      /* refused: tried again at the next run */
	NOTIFY_SENT,         /* taken by the server (dry: it would be sent) */
	NOTIFY_NONE          /* no email can be made for the address: none, ever */
};

/* Sends (or, dry, shows) u's email of items[0..n) to address. */
static enum notify_sent notify_send(struct notify *nt, const struct store_notify_user *u,
                                    const char *address, const struct store_notify_item *items,
                                    size_t n)
{
	struct mail_item mi[NOTIFY_MAX_ITEMS];
	enum notify_sent r;
	char err[1024];
	struct mail m;

	for (size_t i = 0; i < n; i++)
		mi[i] = (struct mail_item){ .id = items[i].id, .from = items[i].from,
		                            .room = items[i].room, .ts = notify_seconds(items[i].ts),
		                            .text = items[i].text };
	if (mail_compose(nt->cfg, u->username, address, mi, n, time(NULL), &m, err, sizeof err) < 0) {
		log_warning("notify: no email for user %lld (%s): %s", u->id, u->username, err);
		return NOTIFY_NONE;
	}
	if (nt->dry_run) {
		fprintf(nt->out, "notify: would send %zu message%s to %s (user %lld) at %s\n", n,
		        n == 1 ? "" : "s", u->username, u->id, address);
		mail_clear(&m);
		return NOTIFY_SENT;
	}
	switch (smtp_send(nt->smtp, &m, err, sizeof err)) {
	case SMTP_SENT:
		fprintf(nt->out, "notify: sent %zu message%s to %s (user %lld)\n", n, n == 1 ? "" : "s",
		        u->username, u->id);
		r = NOTIFY_SENT;
		break;
	case SMTP_REFUSED:
		log_warning("notify: the email to user %lld (%s) was refused; tried again at the next "
		            "run: %s", u->id, u->username, err);
		r = NOTIFY_REFUSED;
		break;
	default:
		log_error("notify: %s", err);
		r = NOTIFY_DOWN;
	}
	mail_clear(&m);
	return r;
}

/* Records that u's messages up to done_id are dealt with (sent: by an
 * email now; due: more wait): 0, or -1. A dry run records nothing. */
static int notify_done(struct notify *nt, const struct store_notify_user *u, long long done_id,
                       int sent, int due)
{
	char err[512];

	if (nt->dry_run || store_notify_done(nt->st, u->id, done_id, sent, due, err, sizeof err) ==
	    STORE_OK)
		return 0;
	log_error("notify: %s", err);
	return -1;
}

/* Deals with the due user u: 0 (done, waiting, or refused), or -1 when the
 * run must end (a store, Galaxy or SMTP server that cannot be used). */
static int notify_user(struct notify *nt, const struct store_notify_user *u)
{
	char err[512], address[USER_NAME_MAX];
	struct store_notify_item *items = NULL;
	enum notify_sent sent = NOTIFY_NONE;
	size_t got = 0, n;
	int r;

	if (u->email_off)   /* never emailed, now or later */
		return notify_done(nt, u, nt->cutoff, 0, 0);
	if (u->sent_at[0] &&
	    notify_seconds(u->sent_at) + nt->cfg->notify_every * 60LL > (long long)time(NULL)) {
		nt->waiting++;   /* its next email after notify_every */
		return 0;
	}
	if (store_notify_items(nt->st, u->id, u->done_id, nt->cutoff, NOTIFY_MAX_ITEMS + 1, &items,
	                       &got, err, sizeof err) != STORE_OK) {
		log_error("notify: %s", err);
		return -1;
	}
	n = got > NOTIFY_MAX_ITEMS ? NOTIFY_MAX_ITEMS : got;
	if (n) {
		switch (auth_contact(nt->auth, u->id, address, err, sizeof err)) {
		case AUTH_OK:
			sent = notify_send(nt, u, address, items, n);
			break;
		case AUTH_UNAVAILABLE:
			log_error("notify: Galaxy's database: %s", err);
			sent = NOTIFY_DOWN;
			break;
		default:   /* deleted, purged, inactive: never emailed */
			break;
		}
	}
	if (sent == NOTIFY_DOWN || sent == NOTIFY_REFUSED) {
		nt->failed++;
		r = sent == NOTIFY_DOWN ? -1 : 0;
	} else if (sent == NOTIFY_SENT) {
		/* up to the last one sent when more wait, else all up to the
		 * cut-off (those read meanwhile need no email either) */
		nt->sent++;
		r = notify_done(nt, u, got > n ? items[n - 1].id : nt->cutoff, 1, got > n);
	} else {
		r = notify_done(nt, u, nt->cutoff, 0, 0);
	}
	store_notify_items_free(items, got);
	return r;
}

/* One run, its lock taken: 0 done, 1 something failed. */
static int notify_run(struct notify *nt)
{
	struct store_notify_user *users = NULL;
	char err[512];
	size_t n = 0, i;

	if (store_notify_scan(nt->st, nt->cfg->notify_after, &nt->cutoff, err, sizeof err) != STORE_OK ||
	    store_notify_users(nt->st, &users, &n, err, sizeof err) != STORE_OK) {
		log_error("notify: %s", err);
		return 1;
	}
	for (i = 0; i < n && notify_user(nt, &users[i]) == 0; i++)
		;
	free(users);
	fprintf(nt->out, "notify: %d email%s %s, %d user%s waiting for notify_every%s\n", nt->sent,
	        nt->sent == 1 ? "" : "s", nt->dry_run ? "would go" : "sent", nt->waiting,
	        nt->waiting == 1 ? "" : "s", nt->failed ? ", failures: see above (tried again "
	        "at the next run)" : "");
	return i < n || nt->failed ? 1 : 0;
}

int notify_main(const struct cfg *cfg, int argc, char **argv, FILE *out)
{
	struct notify nt = { .cfg = cfg, .out = out };
	char err[1024] = "";
	int status = 1;
	enum store_result r;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--dry-run") != 0) {
			fprintf(stderr, "galaxy-chat notify: unexpected \"%s\"; usage: galaxy-chat notify "
			        "[-c FILE] [--dry-run]\n", argv[i]);
			return 2;
		}
		nt.dry_run = 1;
	}
	if (!cfg->smtp_server) {
		fprintf(out, "notify: no emails: smtp_server is not set (galaxy-chat.ini(5))\n");
		return 0;
	}
	if (store_open(cfg->store, (const char *const *)cfg->persistent_rooms, cfg->n_persistent_rooms,
	               (const char *const *)cfg->room_topics, cfg->n_room_topics,
	               &nt.st, err, sizeof err) < 0 ||
	    auth_new(cfg, AUTH_GALAXY_DIRECT, &nt.auth, err, sizeof err) < 0 ||
	    (!nt.dry_run && smtp_open(cfg, &nt.smtp, err, sizeof err) < 0)) {
		fprintf(stderr, "galaxy-chat notify: %s\n", err);
		goto out;
	}
	if ((r = store_notify_lock(nt.st, err, sizeof err)) == STORE_FORBIDDEN) {
		fprintf(out, "notify: %s: nothing to do\n", err);
		status = 0;
	} else if (r != STORE_OK) {
		fprintf(stderr, "galaxy-chat notify: %s\n", err);
	} else {
		status = notify_run(&nt);
	}
out:
	smtp_close(nt.smtp);
	auth_free(nt.auth);
	store_close(nt.st);
	return status;
}
