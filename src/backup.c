/*
 * backup.c - `galaxy-chat backup [-c FILE] --to PATH [--force]`: a
 * consistent copy of the SQLite store while the chat runs (see backup.h).
 *
 * The copy is SQLite's online backup (sqlite3_backup_step) in steps of
 * BACKUP_STEP_PAGES pages, from a connection that holds one read
 * transaction from before the first step to after the last. In WAL mode a
 * reader never blocks a writer, so the chat goes on storing messages
 * meanwhile, and the copy is the one snapshot that transaction sees: the
 * store as it was when the backup started. (Without that transaction
 * each step would read the newest state, and any message stored between
 * two steps would make SQLite start the copy again from its first page:
 * under steady sending a backup might never end.) The WAL only grows
 * while the snapshot is held; the chat's next checkpoints shrink it.
 *
 * The copy goes to a new file beside PATH, readable by its owner only (it
 * holds every message), in rollback-journal mode (one self-contained
 * file), is synced and checked (PRAGMA integrity_check), and only then
 * gets its name: link() when PATH must not exist, which fails rather than
 * replace a file that appeared meanwhile, rename() with --force. PATH is
 * never a half-made copy.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "backup.h"
#include "cfg.h"
#include "monotime.h"

#define BACKUP_STEP_PAGES 256   /* pages per step: 1 MiB of 4 KiB pages */
#define BACKUP_PAUSE_US 1000    /* between steps, so the copy takes the disk in slices */
#define BACKUP_BUSY_MS 5000     /* how long the store may answer busy before we give up */

int backup_inspect(const char *path, struct backup_info *out, char *err, size_t errlen)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	struct stat sb;
	size_t used = 0;
	int rc = SQLITE_DONE;

	memset(out, 0, sizeof *out);
	if (stat(path, &sb) < 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	if (!S_ISREG(sb.st_mode)) {
		snprintf(err, errlen, "not a regular file");
		return -1;
	}
	out->bytes = (long long)sb.st_size;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK ||
	    sqlite3_step(s) != SQLITE_ROW) {
		snprintf(err, errlen, "%s", db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_finalize(s);
		sqlite3_close(db);
		return -1;
	}
	out->version = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	s = NULL;

	out->integrity_ok = sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &s, NULL) == SQLITE_OK;
	while (out->integrity_ok && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *line = (const char *)sqlite3_column_text(s, 0);
		if (line && strcmp(line, "ok") == 0)
			continue;
		if (used < sizeof out->integrity)
			used += (size_t)snprintf(out->integrity + used, sizeof out->integrity - used,
			                         "%s%s", used ? "; " : "", line ? line : "?");
	}
	if (!out->integrity_ok || rc != SQLITE_DONE || used) {
		if (!used)
			snprintf(out->integrity, sizeof out->integrity, "%s", sqlite3_errmsg(db));
		out->integrity_ok = 0;
	}
	sqlite3_finalize(s);
	if (out->version > 0 && out->integrity_ok &&
	    store_sqlite_stats(db, &out->stats, out->integrity, sizeof out->integrity) != STORE_OK)
		out->integrity_ok = 0;
	sqlite3_close(db);
	return 0;
}

/* The directory of path into dir and its last part into *base; -1 with
 * err set when path names no file (empty, ends in '/'). */
static int backup_split(const char *path, char *dir, size_t dirlen, const char **base,
                        char *err, size_t errlen)
{
	const char *slash = strrchr(path, '/');

	*base = slash ? slash + 1 : path;
	if (!**base || strcmp(*base, ".") == 0 || strcmp(*base, "..") == 0) {
		snprintf(err, errlen, "--to %s names a directory, not a file", path);
		return -1;
	}
	if (!slash)
		snprintf(dir, dirlen, ".");
	else
		snprintf(dir, dirlen, "%.*s", slash == path ? 1 : (int)(slash - path), path);
	return 0;
}

/* Checks that to may be written: its directory exists, and it is neither
 * a directory nor the store or one of the store's own files
 * (-wal, -shm, -wake...), which --force would replace under the chat. */
static int backup_check_to(const char *store, const char *to, char *dir, size_t dirlen,
                           char *err, size_t errlen)
{
	char real_store[PATH_MAX], real_dir[PATH_MAX], full[PATH_MAX + NAME_MAX + 2];
	const char *base;
	struct stat sb;
	size_t n;

	if (backup_split(to, dir, dirlen, &base, err, errlen) < 0)
		return -1;
	if (!realpath(dir, real_dir) || stat(real_dir, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
		snprintf(err, errlen, "--to %s: directory %s does not exist", to, dir);
		return -1;
	}
	if (stat(to, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		snprintf(err, errlen, "--to %s is a directory: name the copy's file", to);
		return -1;
	}
	if (!realpath(store, real_store)) {
		snprintf(err, errlen, "store %s: %s", store, strerror(errno));
		return -1;
	}
	snprintf(full, sizeof full, "%s/%s", strcmp(real_dir, "/") == 0 ? "" : real_dir, base);
	n = strlen(real_store);
	if (strncmp(full, real_store, n) == 0 && (full[n] == '\0' || full[n] == '-')) {
		snprintf(err, errlen, "--to %s is the store itself or one of its files", to);
		return -1;
	}
	return 0;
}

/* The one read transaction the copy is made in, and the store's schema
 * version read inside it (0: not a galaxy-chat store). */
static int backup_snapshot(sqlite3 *src, long long *version)
{
	sqlite3_stmt *s = NULL;
	int ok;

	ok = sqlite3_exec(src, "BEGIN", NULL, NULL, NULL) == SQLITE_OK &&
	     sqlite3_prepare_v2(src, "PRAGMA user_version", -1, &s, NULL) == SQLITE_OK &&
	     sqlite3_step(s) == SQLITE_ROW;
	*version = ok ? sqlite3_column_int64(s, 0) : 0;
	sqlite3_finalize(s);
	return ok ? 0 : -1;
}

/* Copies src into the empty file dst_path in steps; then makes the copy
 * one self-contained file. 0, or -1 with err set. */
static int backup_copy(sqlite3 *src, const char *dst_path, char *err, size_t errlen)
{
	sqlite3 *dst = NULL;
	sqlite3_backup *b;
	int rc, waited = 0;

	if (sqlite3_open_v2(dst_path, &dst, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", dst_path, dst ? sqlite3_errmsg(dst) : "out of memory");
		sqlite3_close(dst);
		return -1;
	}
	if (!(b = sqlite3_backup_init(dst, "main", src, "main"))) {
		snprintf(err, errlen, "starting the copy: %s", sqlite3_errmsg(dst));
		sqlite3_close(dst);
		return -1;
	}
	for (;;) {
		rc = sqlite3_backup_step(b, BACKUP_STEP_PAGES);
		if (rc == SQLITE_OK) {
			usleep(BACKUP_PAUSE_US);
		} else if ((rc == SQLITE_BUSY || rc == SQLITE_LOCKED) && waited < BACKUP_BUSY_MS) {
			usleep(10000);
			waited += 10;
		} else {
			break;
		}
	}
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "copying: %s", sqlite3_errstr(rc));
		sqlite3_backup_finish(b);
		sqlite3_close(dst);
		return -1;
	}
	if (sqlite3_backup_finish(b) != SQLITE_OK ||
	    sqlite3_exec(dst, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "writing the copy: %s", sqlite3_errmsg(dst));
		sqlite3_close(dst);
		return -1;
	}
	if (sqlite3_close(dst) != SQLITE_OK) {
		snprintf(err, errlen, "closing the copy failed");
		return -1;
	}
	return 0;
}

/* Copies the store's file at store into to, as the top comment says, and
 * the copy's details into info. 0, or -1 with err set (and nothing at to). */
static int backup_run(const char *store, const char *to, int force, struct backup_info *info,
                      char *err, size_t errlen)
{
	char dir[PATH_MAX], tmp[PATH_MAX + 32], why[256];
	sqlite3 *src = NULL;
	long long version = 0;
	struct stat sb;
	int fd, dfd, rc = -1;

	if (stat(store, &sb) < 0) {
		snprintf(err, errlen, "store %s: %s: nothing to back up", store, strerror(errno));
		return -1;
	}
	if (backup_check_to(store, to, dir, sizeof dir, err, errlen) < 0)
		return -1;
	if (!force && lstat(to, &sb) == 0) {
		snprintf(err, errlen, "%s exists: give --force to replace it", to);
		return -1;
	}
	snprintf(tmp, sizeof tmp, "%s.partial-XXXXXX", to);
	if ((fd = mkstemp(tmp)) < 0) {
		snprintf(err, errlen, "%s: cannot create a file there: %s", dir, strerror(errno));
		return -1;
	}
	if (sqlite3_open_v2(store, &src, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "store %s: %s", store, src ? sqlite3_errmsg(src) : "out of memory");
		goto out;
	}
	sqlite3_busy_timeout(src, BACKUP_BUSY_MS);
	if (backup_snapshot(src, &version) < 0) {
		snprintf(err, errlen, "store %s: %s", store, sqlite3_errmsg(src));
		goto out;
	}
	if (version <= 0) {
		snprintf(err, errlen, "store %s is not a galaxy-chat store (no schema version)", store);
		goto out;
	}
	if (backup_copy(src, tmp, err, errlen) < 0)
		goto out;
	sqlite3_exec(src, "COMMIT", NULL, NULL, NULL);
	if (fsync(fd) < 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	if (backup_inspect(tmp, info, why, sizeof why) < 0 || !info->integrity_ok) {
		snprintf(err, errlen, "the copy %s failed its check: %s", tmp,
		         info->integrity_ok ? why : info->integrity);
		goto out;
	}
	if (force ? rename(tmp, to) < 0 : link(tmp, to) < 0) {
		snprintf(err, errlen, "%s: %s%s", to, strerror(errno),
		         errno == EEXIST ? " (made meanwhile; give --force to replace it)" : "");
		goto out;
	}
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY)) >= 0) {   /* the new name on disk too */
		fsync(dfd);
		close(dfd);
	}
	rc = 0;
out:
	sqlite3_close(src);
	close(fd);
	unlink(tmp);   /* after link(), the copy keeps its other name */
	return rc;
}

static int backup_usage(const char *arg)
{
	if (arg)
		fprintf(stderr, "galaxy-chat backup: unexpected \"%s\"\n", arg);
	fprintf(stderr, "usage: galaxy-chat backup [-c FILE] --to PATH [--force]\n");
	return 2;
}

int backup_main(const struct cfg *cfg, int argc, char **argv, FILE *out)
{
	const char *to = NULL;
	char err[3 * PATH_MAX] = "", where[1024], store[PATH_MAX];   /* err may name two paths */
	struct backup_info info;
	long long started = monotime_ms();
	int force = 0;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--to") == 0 && i + 1 < argc && !to)
			to = argv[++i];
		else if (strcmp(argv[i], "--force") == 0)
			force = 1;
		else
			return backup_usage(argv[i]);
	}
	if (!to || !*to)
		return backup_usage(NULL);
	if (store_is_postgresql(cfg->store)) {
		store_describe(cfg->store, where, sizeof where);
		fprintf(stderr, "galaxy-chat backup: the store is a PostgreSQL database (%s): back it "
		        "up with PostgreSQL's pg_dump, which also copies it while the chat runs:\n"
		        "    pg_dump --format=custom --file=%s DBNAME\n"
		        "(restore with pg_restore; see galaxy-chat(8), BACKUPS)\n", where, to);
		return 1;
	}
	if (store_sqlite_file(cfg->store, store, sizeof store, err, sizeof err) < 0 ||
	    backup_run(store, to, force, &info, err, sizeof err) < 0) {
		fprintf(stderr, "galaxy-chat backup: %s\n", err);
		return 1;
	}
	fprintf(out, "backed up %s to %s in %.1f s: %lld bytes, %lld events (%lld messages), "
	        "newest event %lld%s%s, schema version %lld, integrity ok\n",
	        store, to, (double)(monotime_ms() - started) / 1000, info.bytes, info.stats.events,
	        info.stats.messages, info.stats.newest_id, info.stats.newest_ts[0] ? " at " : "",
	        info.stats.newest_ts, info.version);
	return 0;
}
