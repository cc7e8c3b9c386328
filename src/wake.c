/*
 * wake.c - the shared change counter beside the store (see wake.h).
 *
 * The file holds one 32-bit counter. mmap(MAP_SHARED) of the same file gives
 * every process the same physical page, so a futex on it (without
 * FUTEX_PRIVATE_FLAG) is keyed by inode and offset and works across
 * processes. Waiters re-check the value before sleeping, and FUTEX_WAIT
 * itself refuses to sleep when the value already moved, so no bump is lost.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "wake.h"

struct wake {
	uint32_t *counter;
};

int wake_open(const char *path, mode_t mode, struct wake **out, char *err, size_t errlen)
{
	struct stat sb;
	struct wake *w;
	void *map;
	int fd;

	*out = NULL;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, mode);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	/* A fresh file gets the store's mode despite the umask, as SQLite does
	 * for its -wal and -shm files. Extending to the counter's size is
	 * harmless when another process did it first: ftruncate to the same
	 * length keeps the bytes. */
	if (fstat(fd, &sb) < 0 ||
	    (sb.st_size == 0 && (sb.st_mode & 07777) != mode && fchmod(fd, mode) < 0) ||
	    (sb.st_size < (off_t)sizeof *w->counter && ftruncate(fd, sizeof *w->counter) < 0)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	map = mmap(NULL, sizeof *w->counter, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (map == MAP_FAILED) {
		snprintf(err, errlen, "%s: mmap: %s", path, strerror(errno));
		return -1;
	}
	w = malloc(sizeof *w);
	if (!w) {
		munmap(map, sizeof *w->counter);
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	w->counter = map;
	*out = w;
	return 0;
}

void wake_close(struct wake *w)
{
	if (!w)
		return;
	munmap(w->counter, sizeof *w->counter);
	free(w);
}

unsigned wake_seq(const struct wake *w)
{
	return __atomic_load_n(w->counter, __ATOMIC_ACQUIRE);
}

void wake_bump(struct wake *w)
{
	__atomic_add_fetch(w->counter, 1, __ATOMIC_SEQ_CST);
	syscall(SYS_futex, w->counter, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

static long long wake_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

unsigned wake_wait(struct wake *w, unsigned seq, int timeout_ms)
{
	long long deadline = wake_now_ms() + timeout_ms;
	unsigned v;

	while ((v = wake_seq(w)) == seq && timeout_ms != 0) {
		struct timespec rel, *relp = NULL;

		if (timeout_ms > 0) {
			long long left = deadline - wake_now_ms();

			if (left <= 0)
				break;
			rel.tv_sec = left / 1000;
			rel.tv_nsec = (left % 1000) * 1000000;
			relp = &rel;
		}
		/* Returns at once (EAGAIN) if the counter is no longer seq;
		 * ETIMEDOUT loops to the checks above; a signal (EINTR) ends the
		 * wait, so a thread can be told to stop. */
		if (syscall(SYS_futex, w->counter, FUTEX_WAIT, seq, relp, NULL, 0) < 0 &&
		    errno == EINTR)
			return wake_seq(w);
	}
	return v;
}
