/*
 * prune.c - `galaxy-chat prune [-c FILE] [--older-than DAYS] [--dry-run]
 * [--batch N]`: deletes the events older than retention_days (or DAYS)
 * from the store, in short write transactions so the chat keeps running,
 * and says how many went. Meant for cron or a systemd timer.
 */
#include <stdio.h>
#include <string.h>

#include "cfg.h"
#include "httpparse.h"
#include "prune.h"
#include "store.h"

#define PRUNE_BATCH 1000

int prune_main(const struct cfg *cfg, int argc, char **argv, FILE *out)
{
	long long days = cfg->retention_days, batch = PRUNE_BATCH, events, messages;
	char err[512] = "", cutoff[32];
	struct store *st;
	int dry_run = 0, rc;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--dry-run") == 0) {
			dry_run = 1;
		} else if (strcmp(argv[i], "--older-than") == 0 && i + 1 < argc &&
		           http_parse_int(argv[i + 1], 1, CFG_MAX_DAYS, &days) == 0) {
			i++;
		} else if (strcmp(argv[i], "--batch") == 0 && i + 1 < argc &&
		           http_parse_int(argv[i + 1], 1, 1000000, &batch) == 0) {
			i++;
		} else {
			fprintf(stderr, "galaxy-chat prune: unexpected \"%s\"; usage: galaxy-chat prune "
			        "[-c FILE] [--older-than DAYS (1 to %d)] [--dry-run] [--batch N]\n",
			        argv[i], CFG_MAX_DAYS);
			return 2;
		}
	}
	if (days == 0) {
		fprintf(out, "retention_days is 0 (keep forever) and no --older-than given: "
		        "nothing pruned\n");
		return 0;
	}
	if (store_open(cfg->store, (const char *const *)cfg->persistent_rooms,
	               cfg->n_persistent_rooms, (const char *const *)cfg->room_topics,
	               cfg->n_room_topics, &st, err, sizeof err) < 0) {
		fprintf(stderr, "galaxy-chat prune: %s\n", err);
		return 1;
	}
	rc = store_prune(st, (int)days, (int)batch, dry_run, cutoff, &events, &messages,
	                 err, sizeof err);
	store_close(st);
	if (rc != STORE_OK) {
		fprintf(stderr, "galaxy-chat prune: %s (events deleted before the failure stay "
		        "deleted; run it again)\n", err);
		return 1;
	}
	fprintf(out, "%s %lld events (%lld messages) older than %s (%lld days)\n",
	        dry_run ? "would prune" : "pruned", events, messages, cutoff, days);
	return 0;
}
