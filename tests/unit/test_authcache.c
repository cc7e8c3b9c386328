/*
 * test_authcache.c - the auth cache shared by a host's processes: the
 * file beside the store (owner only), answers found by another process,
 * freshness, a full set, a file of another format, and the private
 * fallback when the file cannot be used.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "authcache.h"
#include "cfg.h"
#include "shmap.h"
#include "tap.h"

static char dir[] = "/tmp/gc-test-authcache-XXXXXX";
static char store[600], path[700];

static void id_make(unsigned char id[32], int n)
{
	memset(id, 0, 32);
	id[0] = 7;            /* the same set for every n */
	id[31] = (unsigned char)n;
	id[30] = (unsigned char)(n >> 8);
}

static struct user user_make(long long id)
{
	struct user u = { .id = id };
	snprintf(u.username, sizeof u.username, "user%lld", id);
	snprintf(u.email, sizeof u.email, "user%lld@example.org", id);
	return u;
}

/* 1 when c has the answer AUTH_OK for id n with user id uid. */
static int has(struct authcache *c, int n, long long uid)
{
	unsigned char id[32];
	enum auth_result r;
	struct user u;

	id_make(id, n);
	return authcache_get(c, id, &r, &u, NULL) && r == AUTH_OK && u.id == uid &&
	       strcmp(u.email, user_make(uid).email) == 0;
}

static void put(struct authcache *c, int n, long long uid)
{
	unsigned char id[32];
	struct user u = user_make(uid);

	id_make(id, n);
	authcache_put(c, id, AUTH_OK, &u);
}

int main(void)
{
	struct cfg cfg = { .store = store, .auth_cache_seconds = 1 };
	char err[800];
	struct stat sb;
	struct authcache *c, *d;
	int status;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!mkdtemp(dir)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	snprintf(store, sizeof store, "%s/chat.sqlite", dir);
	snprintf(path, sizeof path, "%s-auth", store);

	c = authcache_open(&cfg, err, sizeof err);
	ok(c && err[0] == '\0', "opens the shared file");
	ok(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0600 && sb.st_uid == geteuid(),
	   "beside the store, mode 0600, this user's");
	ok(!has(c, 1, 10), "empty at first");
	put(c, 1, 10);
	ok(has(c, 1, 10), "an answer stored is found");
	ok(!has(c, 2, 10), "another cookie's is not");
	{
		unsigned char id[32];
		enum auth_result r = AUTH_OK;
		struct user u = { 0 };
		id_make(id, 3);
		authcache_put(c, id, AUTH_NO_SESSION, &u);
		ok(authcache_get(c, id, &r, &u, NULL) && r == AUTH_NO_SESSION, "\"no such session\" is kept too");
		long long left = -1;
		ok(authcache_get(c, id, &r, &u, &left) && left > 500 && left <= 1000,
		   "and says how long it stays fresh (of auth_cache_seconds' 1000 ms)");
		usleep(300 * 1000);
		int found = authcache_get(c, id, &r, &u, &left);   /* gone, on a slow machine */
		ok(!found || (left > 0 && left <= 700), "less and less (at most 700 ms after 300)");
	}

	/* another process opens the file anew and shares the answers */
	pid_t pid = fork();
	if (pid == 0) {
		char e[800];
		authcache_close(c);   /* the parent's, copied by fork (valgrind counts it) */
		struct authcache *other = authcache_open(&cfg, e, sizeof e);
		if (!other || e[0] || !has(other, 1, 10))
			_exit(1);
		put(other, 4, 40);
		authcache_close(other);
		_exit(0);
	}
	ok(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	   "another process finds this one's answer");
	ok(has(c, 4, 40), "and this one finds the other's");

	/* a set holds 8: the oldest go (times are in ms: apart here) */
	for (int n = 100; n < 108; n++) {
		usleep(2000);
		put(c, n, n);
	}
	int kept = 0;
	for (int n = 100; n < 108; n++)
		kept += has(c, n, n);
	is_int(kept, 8, "a full set keeps the 8 newest answers");
	ok(!has(c, 1, 10), "the oldest was dropped for them");

	usleep(1100 * 1000);
	ok(!has(c, 100, 100), "stale after auth_cache_seconds");
	cfg.auth_cache_seconds = 0;
	put(c, 5, 50);
	cfg.auth_cache_seconds = 1;
	ok(!has(c, 5, 50), "auth_cache_seconds 0: nothing is kept");
	authcache_close(c);

	/* a file of another format is cleared */
	c = authcache_open(&cfg, err, sizeof err);
	put(c, 6, 60);
	authcache_close(c);
	FILE *f = fopen(path, "r+b");
	ok(f && fwrite("\x01\x02\x03\x04", 1, 4, f) == 4 && fclose(f) == 0, "header overwritten");
	c = authcache_open(&cfg, err, sizeof err);
	ok(c && !has(c, 6, 60), "a file of another format starts empty");
	authcache_close(c);

	/* a link in its place is not followed: a private cache instead */
	unlink(path);
	ok(symlink("/tmp/elsewhere-gc-auth", path) == 0, "a symlink where the file goes");
	c = authcache_open(&cfg, err, sizeof err);
	ok(c && strstr(err, path) != NULL, "refused, and the warning names the file");
	ok(lstat("/tmp/elsewhere-gc-auth", &sb) < 0, "nothing made where the link points");
	put(c, 7, 70);
	ok(has(c, 7, 70), "the private cache works");
	put(c, 8, 80);
	d = authcache_open(&cfg, err, sizeof err);
	ok(d && !has(d, 8, 80), "and is not shared with another opener");
	authcache_close(d);
	authcache_close(c);

	unlink(path);
	cfg.store = "postgresql://chat@db.example.org/chat";
	c = authcache_open(&cfg, err, sizeof err);
	shmap_path(&cfg, "auth", path, sizeof path);
	ok(c && strncmp(path, "/dev/shm/galaxy-chat-auth-", 26) == 0 && stat(path, &sb) == 0,
	   "a PostgreSQL store's cache is in /dev/shm");
	authcache_close(c);
	unlink(path);
	snprintf(path, sizeof path, "%s-auth", store);

	rmdir(dir);
	return done_testing();
}
