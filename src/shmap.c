/*
 * shmap.c - a shared, memory-mapped file of fixed size (see shmap.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfg.h"
#include "shmap.h"

void shmap_path(const struct cfg *cfg, const char *suffix, char *out, size_t outlen)
{
	uint64_t h = 0xcbf29ce484222325ULL;   /* FNV-1a of the store's URL */

	if (cfg->store[0] == '/') {
		snprintf(out, outlen, "%s-%s", cfg->store, suffix);
		return;
	}
	for (const char *p = cfg->store; *p; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
	snprintf(out, outlen, "/dev/shm/galaxy-chat-%s-%016llx", suffix, (unsigned long long)h);
}

int shmap_open(const char *path, size_t size, mode_t mode, int owner_only,
               struct shmap **out, char *err, size_t errlen)
{
	struct stat sb;
	struct shmap *m;
	void *map;
	int fd;

	*out = NULL;
	if (owner_only)
		mode = 0600;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | (owner_only ? O_NOFOLLOW : 0), mode);
	if (fd < 0 || fstat(fd, &sb) < 0)
		goto fail;
	if (owner_only && (!S_ISREG(sb.st_mode) || sb.st_uid != geteuid())) {
		snprintf(err, errlen, "%s: not a file of this user (uid %u): not used", path,
		         (unsigned)geteuid());
		close(fd);
		return -1;
	}
	if ((owner_only || sb.st_size == 0) && (sb.st_mode & 07777) != mode && fchmod(fd, mode) < 0)
		goto fail;
	/* the blocks reserved now: touching a page of a sparse file on a full
	 * disk would kill the process with SIGBUS */
	if ((size_t)sb.st_size > size && ftruncate(fd, (off_t)size) < 0)
		goto fail;
	if ((errno = posix_fallocate(fd, 0, (off_t)size)) != 0)
		goto fail;
	map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		goto fail;
	if (!(m = calloc(1, sizeof *m))) {
		munmap(map, size);
		close(fd);
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	m->fd = fd;
	m->map = map;
	m->size = size;
	*out = m;
	return 0;
fail:
	snprintf(err, errlen, "%s: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

void shmap_close(struct shmap *m)
{
	if (!m)
		return;
	munmap(m->map, m->size);
	close(m->fd);
	free(m);
}

int shmap_lock(struct shmap *m)
{
	int rc;

	while ((rc = flock(m->fd, LOCK_EX)) < 0 && errno == EINTR)
		;
	return rc < 0 ? -1 : 0;
}

void shmap_unlock(struct shmap *m)
{
	flock(m->fd, LOCK_UN);
}
