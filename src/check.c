/*
 * check.c - the health report of `galaxy-chat check` (see check.h): where
 * the configuration came from, how strong the secret is, both databases
 * reached, the store's size, contents and newest event, the listed rooms
 * whose names a new room could not have (look-alikes), the rooms of an
 * older store that differ only in case, what the serving
 * processes noticed lately (cookies that id_secret does not decode), and
 * whether the SMTP server of the emails answers; and, with --store, the
 * check of a copy of an SQLite store (backup.c reads it).
 */
#include <string.h>
#include <sys/stat.h>

#include "auth.h"
#include "backup.h"
#include "cfg.h"
#include "check.h"
#include "cookiewatch.h"
#include "room.h"
#include "smtp.h"
#include "store.h"
#include "utf8.h"

#define CHECK_SECRET_MIN 16   /* bytes; shorter secrets are guessable */

/* The size of path in bytes, or -1 when it does not exist. */
static long long check_size(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0 ? (long long)sb.st_size : -1;
}

/* The SQLite store's file and WAL sizes (where is a path or sqlite: URL). */
static void check_sizes(const char *where, FILE *out)
{
	char err[256], path[4096], wal[4100];

	if (store_sqlite_file(where, path, sizeof path, err, sizeof err) < 0)
		return;
	snprintf(wal, sizeof wal, "%s-wal", path);
	fprintf(out, "store size:    %lld bytes, WAL %lld bytes\n",
	        check_size(path), check_size(wal) < 0 ? 0 : check_size(wal));
}

/* Prints name (valid UTF-8) in quotes, its controls and invisible
 * characters as \u escapes, so that none reorders or hides the report. */
static void check_name(const char *name, FILE *out)
{
	size_t len = strlen(name);
	unsigned cp;
	int k;

	fputc('"', out);
	for (size_t i = 0; i < len; i += (size_t)k) {
		if ((k = utf8_next(name + i, len - i, &cp)) <= 0)
			break;
		if (utf8_class(cp) & (UTF8_CONTROL | UTF8_INVISIBLE))
			fprintf(out, cp > 0xffff ? "\\U%08X" : "\\u%04X", cp);
		else
			fwrite(name + i, 1, (size_t)k, out);
	}
	fputc('"', out);
}

/* Lists the rooms of the room list whose names new rooms may not have
 * (room_validate_new): made before that rule, they keep working. Returns
 * how many. */
static int check_lookalikes(struct store *st, FILE *out)
{
	json_object *rooms = NULL;
	char err[256];
	int n = 0;

	if (store_rooms(st, 0, 0, &rooms, err, sizeof err) != STORE_OK)
		return 0;
	for (size_t i = 0; i < json_object_array_length(rooms); i++) {
		json_object *name = json_object_object_get(json_object_array_get_idx(rooms, i), "name");
		const char *s = json_object_get_string(name);
		if (room_validate_new(s, strlen(s), err, sizeof err) == 0)
			continue;
		fprintf(out, "%s", n++ ? ", " : "look-alike rooms: ");
		check_name(s, out);
	}
	if (n)
		fprintf(out, " -- WARNING: made before new rooms were refused such names; "
		        "they keep working\n");
	json_object_put(rooms);
	return n;
}

/* Lists the rooms of an older store that differ from an older room only
 * in case (store_room_twins): both keep working. Returns how many. */
static int check_twins(struct store *st, FILE *out)
{
	json_object *pairs = NULL;
	char err[256];
	size_t n;

	if (store_room_twins(st, &pairs, err, sizeof err) != STORE_OK)
		return 0;
	n = json_object_array_length(pairs);
	for (size_t i = 0; i < n; i++) {
		json_object *pair = json_object_array_get_idx(pairs, i);

		fprintf(out, "%s", i ? ", " : "rooms differing only in case: ");
		check_name(json_object_get_string(json_object_array_get_idx(pair, 0)), out);
		fprintf(out, " beside ");
		check_name(json_object_get_string(json_object_array_get_idx(pair, 1)), out);
	}
	if (n)
		fprintf(out, " -- WARNING: made before room names were compared without case; "
		        "both keep working, other spellings reach the older\n");
	json_object_put(pairs);
	return (int)n;
}

/* Reports the store (adding to *warnings); 0 when it works, -1. */
static int check_store(const struct cfg *cfg, FILE *out, int *warnings)
{
	struct store_stats stats;
	struct store *st = NULL;
	char err[512] = "", where[1024];
	int rc = 0;

	store_describe(cfg->store, where, sizeof where);
	fprintf(out, "store:         %s: ", where);
	if (store_open(cfg->store, (const char *const *)cfg->persistent_rooms,
	               cfg->n_persistent_rooms, (const char *const *)cfg->room_topics,
	               cfg->n_room_topics, &st, err, sizeof err) < 0 ||
	    store_stats(st, &stats, err, sizeof err) != STORE_OK) {
		fprintf(out, "FAILED: %s\n", err);
		rc = -1;
	} else {
		fprintf(out, "ok, newest event %lld", stats.newest_id);
		if (stats.newest_ts[0])
			fprintf(out, " at %s", stats.newest_ts);
		fprintf(out, "\nstore events:  %lld (%lld messages), %lld users, %lld rooms\n",
		        stats.events, stats.messages, stats.users, stats.rooms);
		if (!store_is_postgresql(cfg->store))
			check_sizes(cfg->store, out);
		*warnings += check_lookalikes(st, out) > 0;
		*warnings += check_twins(st, out) > 0;
	}
	store_close(st);
	return rc;
}

/* Reports mail: not configured, or the SMTP server reached as a send
 * would reach it (TLS, login), then NOOP. 0 unless configured and failing. */
static int check_mail(const struct cfg *cfg, FILE *out)
{
	char err[1024] = "", info[128] = "";
	struct smtp *s = NULL;
	int rc = 0;

	if (!cfg->smtp_server) {
		fprintf(out, "mail:          not configured (smtp_server is not set: no emails)\n");
		return 0;
	}
	/* smtp_probe's messages name the server themselves */
	if (smtp_open(cfg, &s, err, sizeof err) < 0 ||
	    smtp_probe(s, info, sizeof info, err, sizeof err) != SMTP_SENT) {
		fprintf(out, "mail:          FAILED: %s\n", err);
		rc = -1;
	} else {
		fprintf(out, "mail:          %s://%s: ok, %s%s, from %s\n", cfg->smtp_ssl ? "smtps" : "smtp",
		        cfg->smtp_server, info, cfg->smtp_username && cfg->smtp_password ?
		        ", logged in" : "", cfg->email_from);
	}
	fprintf(out, "mail links:    %s#msg=ID (chat_url)\n", cfg->chat_url);
	smtp_close(s);
	return rc;
}

int check_run(const struct cfg *cfg, FILE *out)
{
	char err[512] = "", line[512];
	struct auth *auth = NULL;
	long long users = 0;
	size_t secret_len = strlen(cfg->id_secret);
	int ok = 1, warnings = 0;

	fprintf(out, "config:        %s\n", cfg->path ? cfg->path : "(none: built-in defaults)");
	fprintf(out, "galaxy_config: %s\n", cfg->galaxy_config ? cfg->galaxy_config : "(not set)");
	fprintf(out, "id_secret:     from %s, %zu bytes", cfg->id_secret_source, secret_len);
	if (cfg->id_secret_is_default) {
		fprintf(out, " -- WARNING: Galaxy's insecure default");
		warnings++;
	} else if (secret_len < CHECK_SECRET_MIN) {
		fprintf(out, " -- WARNING: shorter than %d bytes", CHECK_SECRET_MIN);
		warnings++;
	}
	fprintf(out, "\n");

	fprintf(out, "galaxy db:     ");
	if (auth_new(cfg, AUTH_GALAXY_DIRECT, &auth, err, sizeof err) < 0 ||
	    auth_count_users(auth, &users, err, sizeof err) < 0) {
		fprintf(out, "FAILED: %s\n", err);
		ok = 0;
	} else {
		fprintf(out, "ok, %lld users\n", users);
	}
	auth_free(auth);

	if (check_store(cfg, out, &warnings) < 0)
		ok = 0;
	/* what the serving processes saw of real users' cookies */
	enum cookiewatch_verdict seen = cookiewatch_report(cfg, line, sizeof line);
	fprintf(out, "cookies:       %s", line);
	if (seen == COOKIEWATCH_WRONG) {
		fprintf(out, " -- PROBLEM: the id_secret most likely differs from Galaxy's");
		ok = 0;
	}
	fprintf(out, "\n");
	if (cfg->retention_days)
		fprintf(out, "retention:     %d days (run galaxy-chat prune daily)\n",
		        cfg->retention_days);
	else
		fprintf(out, "retention:     keep forever (retention_days = 0)\n");
	fprintf(out, "poll_timeout:  %d s\n", cfg->poll_timeout);
	if (cfg->galaxy_url)
		fprintf(out, "galaxy_url:    %s (its links get cards)\n", cfg->galaxy_url);
	else
		fprintf(out, "galaxy_url:    (not set: links get no cards; set galaxy_url, or Galaxy's "
		        "galaxy_infrastructure_url)\n");
	if (check_mail(cfg, out) < 0)
		ok = 0;
	if (!ok)
		fprintf(out, "PROBLEMS FOUND\n");
	else if (warnings)
		fprintf(out, "all good, with %d warning%s above\n", warnings, warnings > 1 ? "s" : "");
	else
		fprintf(out, "all good\n");
	return ok ? 0 : 1;
}

int check_copy_main(int argc, char **argv, int configured, FILE *out)
{
	struct backup_info info;
	char err[1024];
	int known = store_sqlite_version(), ok;

	if (argc != 2 || strcmp(argv[0], "--store") != 0 || configured) {
		fprintf(stderr, "galaxy-chat: check --store PATH checks a copy of a store and "
		        "takes nothing else, no -c either\n");
		return 2;
	}
	fprintf(out, "store copy:    %s: ", argv[1]);
	if (backup_inspect(argv[1], &info, err, sizeof err) < 0) {
		fprintf(out, "FAILED: %s\nPROBLEMS FOUND\n", err);
		return 1;
	}
	fprintf(out, "%lld bytes\n", info.bytes);
	fprintf(out, "integrity:     %s%s\n", info.integrity_ok ? "ok" : "FAILED: ",
	        info.integrity_ok ? "" : info.integrity);
	fprintf(out, "schema:        version %lld", info.version);
	if (info.version <= 0)
		fprintf(out, " -- FAILED: not a galaxy-chat store\n");
	else if (info.version > known)
		fprintf(out, " -- FAILED: newer than this galaxy-chat knows (%d)\n", known);
	else if (info.version < known)
		fprintf(out, ", older than this galaxy-chat's (%d): upgraded when a galaxy-chat "
		        "opens it as its store\n", known);
	else
		fprintf(out, ", this galaxy-chat's\n");
	ok = info.integrity_ok && info.version > 0 && info.version <= known;
	if (ok) {
		fprintf(out, "store events:  %lld (%lld messages), %lld users, %lld rooms, newest "
		        "event %lld", info.stats.events, info.stats.messages, info.stats.users,
		        info.stats.rooms, info.stats.newest_id);
		if (info.stats.newest_ts[0])
			fprintf(out, " at %s", info.stats.newest_ts);
		fprintf(out, "\n");
	}
	fprintf(out, ok ? "all good\n" : "PROBLEMS FOUND\n");
	return ok ? 0 : 1;
}
