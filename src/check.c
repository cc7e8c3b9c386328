/*
 * check.c - the health report of `galaxy-chat check` (see check.h).
 */
#include <string.h>
#include <sys/stat.h>

#include "auth.h"
#include "cfg.h"
#include "check.h"
#include "store.h"

int check_run(const struct cfg *cfg, FILE *out)
{
	char err[512] = "", where[1024];
	struct auth *auth = NULL;
	struct store *st = NULL;
	long long users = 0, newest = 0;
	int ok = 1;

	fprintf(out, "config:        %s\n", cfg->path ? cfg->path : "(none: built-in defaults)");
	fprintf(out, "galaxy_config: %s\n", cfg->galaxy_config ? cfg->galaxy_config : "(not set)");
	fprintf(out, "id_secret:     from %s, %zu bytes%s\n", cfg->id_secret_source,
	        strlen(cfg->id_secret),
	        cfg->id_secret_is_default ? " -- WARNING: Galaxy's insecure default" : "");

	fprintf(out, "galaxy db:     ");
	if (auth_new(cfg, &auth, err, sizeof err) < 0 ||
	    auth_count_users(auth, &users, err, sizeof err) < 0) {
		fprintf(out, "FAILED: %s\n", err);
		ok = 0;
	} else {
		fprintf(out, "ok, %lld users\n", users);
	}
	auth_free(auth);

	store_describe(cfg->store, where, sizeof where);
	fprintf(out, "store:         %s: ", where);
	if (store_open(cfg->store, (const char *const *)cfg->persistent_rooms,
	               cfg->n_persistent_rooms, &st, err, sizeof err) < 0 ||
	    store_max_id(st, &newest, err, sizeof err) != STORE_OK) {
		fprintf(out, "FAILED: %s\n", err);
		ok = 0;
	} else {
		struct stat sb;
		fprintf(out, "ok, newest event %lld", newest);
		if (stat(cfg->store, &sb) == 0)
			fprintf(out, ", %lld bytes", (long long)sb.st_size);
		fprintf(out, "\n");
	}
	store_close(st);
	fprintf(out, "poll_timeout:  %d s\n", cfg->poll_timeout);
	fprintf(out, "%s\n", ok ? "all good" : "PROBLEMS FOUND");
	return ok ? 0 : 1;
}
