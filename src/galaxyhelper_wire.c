/*
 * galaxyhelper_wire.c - what the galaxy helper's two ends share (see
 * galaxyhelper_wire.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "cfg.h"
#include "galaxyhelper_wire.h"
#include "shmap.h"

int galaxyhelper_paths(const struct cfg *cfg, galaxyhelper_addr *addr, char *lock, size_t locklen)
{
	char path[4096];

	shmap_path(cfg, "galaxy.sock", path, sizeof path);
	memset(addr, 0, sizeof *addr);
	addr->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof addr->sun_path ||
	    (size_t)snprintf(lock, locklen, "%s.lock", path) >= locklen)
		return -1;
	strcpy(addr->sun_path, path);
	return 0;
}

void galaxyhelper_settings(const struct cfg *cfg, char out[GALAXYHELPER_SETTINGS_MAX])
{
	char *answers = cfg_galaxy_answers(cfg);

	/* out of memory: a text unlike a helper's, which then leaves for a
	 * new one: a start more, never an answer made under other settings */
	snprintf(out, GALAXYHELPER_SETTINGS_MAX, "%s %zu %zu\n%s", PACKAGE_VERSION,
	         sizeof(struct galaxyhelper_request), sizeof(struct galaxyhelper_answer),
	         answers ? answers : "(out of memory)");
	free(answers);
}

int galaxyhelper_exe(char *out, size_t outlen)
{
	static const char tail[] = " (deleted)";
	ssize_t n = outlen ? readlink(GALAXYHELPER_EXE, out, outlen - 1) : -1;

	if (n < 0 || (size_t)n == outlen - 1)
		return -1;
	out[n] = '\0';
	return (size_t)n >= sizeof tail - 1 && strcmp(out + n - (sizeof tail - 1), tail) == 0 ? -1 : 0;
}

int galaxyhelper_peer_ok(int fd)
{
	struct ucred cr;
	socklen_t len = sizeof cr;

	return getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) == 0 && cr.uid == geteuid();
}

int galaxyhelper_connect(const galaxyhelper_addr *addr)
{
	struct timeval tv = { .tv_sec = GALAXYHELPER_REPLY_SECONDS };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (connect(fd, (const struct sockaddr *)addr, sizeof *addr) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	if (!galaxyhelper_peer_ok(fd)) {
		close(fd);
		errno = EPERM;
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	return fd;
}
