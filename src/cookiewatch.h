/*
 * cookiewatch.h - notices galaxysession cookies that do not decode with
 * id_secret, for the whole host: the sign of an id_secret that differs
 * from Galaxy's, the likeliest deployment mistake, which otherwise shows
 * only as every user's 401.
 *
 * auth.c tells it each cookie it decodes or fails to (cache misses only).
 * It counts the failures in a row since the last cookie that decoded, in a
 * small file shared by the host's processes (shmap.h: "<store>-cookiewatch",
 * counts and times only, never a cookie), made at the first cookie, so that
 * `galaxy-chat check` reports them whichever process saw them. After
 * COOKIEWATCH_SUSPECT failures in a row it logs a warning naming the likely
 * cause, at most once per COOKIEWATCH_WARN_SECONDS for the host; each
 * failure is logged at debug level (-v). When the file cannot be used, the
 * process counts alone (and check does not see it).
 */
#ifndef GC_COOKIEWATCH_H
#define GC_COOKIEWATCH_H

#include <stddef.h>

#define COOKIEWATCH_SUSPECT 3            /* failures in a row, none decoding */
#define COOKIEWATCH_WARN_SECONDS 600

struct cfg;
struct cookiewatch;

/* The watch for cfg (which must outlive it); NULL only when out of memory.
 * Opens nothing yet. Caller frees with cookiewatch_close(). */
struct cookiewatch *cookiewatch_open(const struct cfg *cfg);
void cookiewatch_close(struct cookiewatch *w);

/* One cookie decoded with id_secret (decoded 1) or did not (0). Thread-safe. */
void cookiewatch_note(struct cookiewatch *w, int decoded);

enum cookiewatch_verdict {
	COOKIEWATCH_NONE,      /* nothing recorded */
	COOKIEWATCH_OK,        /* the last cookie decoded */
	COOKIEWATCH_FAILING,   /* some failed since the last that decoded */
	COOKIEWATCH_WRONG      /* COOKIEWATCH_SUSPECT or more: id_secret likely differs from Galaxy's */
};

/* The host's record for cfg's store, read without making or changing
 * anything (for `check`): the verdict, and a line saying it into out. */
enum cookiewatch_verdict cookiewatch_report(const struct cfg *cfg, char *out, size_t outlen);

#endif
