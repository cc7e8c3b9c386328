/*
 * galaxyhelperd.h - `galaxy-chat galaxy-helper`: the host's one process
 * that asks Galaxy's database for the processes the web server starts
 * (galaxyhelper.h tells why; galaxyhelperd.c how).
 */
#ifndef GC_GALAXYHELPERD_H
#define GC_GALAXYHELPERD_H

struct cfg;

/* `galaxy-chat galaxy-helper`: becomes the host's helper for cfg, unless
 * one runs already. Returns (in the process that was started) once the
 * helper listens, or another one does: 0; 1 with a message on stderr when
 * it cannot (Galaxy's database URL, the socket). The helper itself runs
 * in a child and exits 0 when it ends. */
int galaxyhelperd_main(const struct cfg *cfg);

#endif
