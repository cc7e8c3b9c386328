/*
 * shmap.h - a file of fixed size mapped MAP_SHARED: state that every
 * galaxy-chat process of a host shares (the rate limits, the auth cache,
 * the ring of new events), with one lock for its writers.
 *
 * The file lives beside a file store as "<store>-<suffix>", else in
 * /dev/shm. A zero-filled file must be valid and empty for its users, so
 * creating it races harmlessly. Threads of a process take a mutex,
 * processes an flock() on the file, which the kernel drops when a process
 * dies holding it.
 */
#ifndef GC_SHMAP_H
#define GC_SHMAP_H

#include <stddef.h>
#include <sys/types.h>

struct cfg;

struct shmap {
	int fd;
	void *map;             /* size bytes, shared */
	size_t size;
};

/* The file for cfg's store and suffix ("rate", "auth") into out:
 * "<store>-<suffix>" for a file store, else
 * "/dev/shm/galaxy-chat-<suffix>-<hash of the store's URL>". */
void shmap_path(const struct cfg *cfg, const char *suffix, char *out, size_t outlen);

/* Maps path (created with mode if missing, grown or cut to size, its blocks
 * allocated so that a full disk fails here rather than later) into a new
 * *out the caller frees with shmap_close(). With owner_only, the file must
 * be a regular file of this user, not a link, and is kept at mode 0600:
 * for state whose writer is trusted. Returns 0, or -1 with a message
 * naming the file in err. */
int shmap_open(const char *path, size_t size, mode_t mode, int owner_only,
               struct shmap **out, char *err, size_t errlen);
void shmap_close(struct shmap *m);

/* Takes the writers' lock of the file (flock, retried on EINTR): 0, or -1
 * when it cannot be had (then the caller must not write). Callers
 * serialise their own threads first. */
int shmap_lock(struct shmap *m);
void shmap_unlock(struct shmap *m);

#endif
