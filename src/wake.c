/*
 * wake.c - the shared counters beside the store (see wake.h).
 *
 * The file holds two 32-bit counters, events then writes. mmap(MAP_SHARED)
 * of the same file gives every process the same physical page, so a futex
 * on a counter (without FUTEX_PRIVATE_FLAG) is keyed by inode and offset
 * and works across processes. Waiters re-check the value before sleeping, and FUTEX_WAIT
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

#include "monotime.h"
#include "wake.h"

enum { WAKE_EVENTS, WAKE_WRITES, WAKE_WORDS };

struct wake {
	uint32_t *word;                /* WAKE_WORDS counters, mapped */
};

#define WAKE_SIZE (WAKE_WORDS * sizeof(uint32_t))

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
	 * for its -wal and -shm files. The counters' blocks are allocated, not
	 * just the length set: touching a sparse page of a mapping on a full
	 * file system is a SIGBUS. Harmless when another process did it first:
	 * allocating keeps the bytes (and a file from before the write counter
	 * grows by it, zero). */
	if (fstat(fd, &sb) < 0 ||
	    (sb.st_size == 0 && (sb.st_mode & 07777) != mode && fchmod(fd, mode) < 0) ||
	    (errno = posix_fallocate(fd, 0, WAKE_SIZE)) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	map = mmap(NULL, WAKE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (map == MAP_FAILED) {
		snprintf(err, errlen, "%s: mmap: %s", path, strerror(errno));
		return -1;
	}
	w = malloc(sizeof *w);
	if (!w) {
		munmap(map, WAKE_SIZE);
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	w->word = map;
	*out = w;
	return 0;
}

void wake_close(struct wake *w)
{
	if (!w)
		return;
	munmap(w->word, WAKE_SIZE);
	free(w);
}

static unsigned word_load(const uint32_t *word)
{
	return __atomic_load_n(word, __ATOMIC_ACQUIRE);
}

static void word_bump(uint32_t *word)
{
	__atomic_add_fetch(word, 1, __ATOMIC_SEQ_CST);
	syscall(SYS_futex, word, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

/* Sleeps until *word differs from seq (see wake_wait). */
static unsigned word_wait(uint32_t *word, unsigned seq, int timeout_ms)
{
	long long deadline = monotime_ms() + timeout_ms;
	unsigned v;

	while ((v = word_load(word)) == seq && timeout_ms != 0) {
		struct timespec rel, *relp = NULL;

		if (timeout_ms > 0) {
			long long left = deadline - monotime_ms();

			if (left <= 0)
				break;
			rel.tv_sec = left / 1000;
			rel.tv_nsec = (left % 1000) * 1000000;
			relp = &rel;
		}
		/* Returns at once (EAGAIN) if the counter is no longer seq;
		 * ETIMEDOUT loops to the checks above; a signal (EINTR) ends the
		 * wait, so a thread can be told to stop. */
		if (syscall(SYS_futex, word, FUTEX_WAIT, seq, relp, NULL, 0) < 0 &&
		    errno == EINTR)
			return word_load(word);
	}
	return v;
}

unsigned wake_seq(const struct wake *w)
{
	return word_load(&w->word[WAKE_EVENTS]);
}

void wake_bump(struct wake *w)
{
	word_bump(&w->word[WAKE_EVENTS]);
}

unsigned wake_wait(struct wake *w, unsigned seq, int timeout_ms)
{
	return word_wait(&w->word[WAKE_EVENTS], seq, timeout_ms);
}

unsigned wake_write_seq(const struct wake *w)
{
	return word_load(&w->word[WAKE_WRITES]);
}

void wake_write_done(struct wake *w)
{
	word_bump(&w->word[WAKE_WRITES]);
}

unsigned wake_write_wait(struct wake *w, unsigned seq, int timeout_ms)
{
	return word_wait(&w->word[WAKE_WRITES], seq, timeout_ms);
}
