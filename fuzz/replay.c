/*
 * replay.c - runs a fuzz target's checked-in corpus without libFuzzer, so
 * `make check` (gcc, ASan/UBSan) replays every seed and every past crash:
 * each file of $GC_SRCDIR/fuzz/corpus/FUZZ_TARGET goes once through
 * LLVMFuzzerTestOneInput. TAP: one test per target.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(void)
{
	const char *src = getenv("GC_SRCDIR");
	char dir[4096], file[8192];
	int n = 0;
	DIR *d;
	struct dirent *e;

	snprintf(dir, sizeof dir, "%s/fuzz/corpus/%s", src ? src : ".", FUZZ_TARGET);
	if (!(d = opendir(dir))) {
		printf("Bail out! %s: cannot open the corpus\n", dir);
		return 1;
	}
	while ((e = readdir(d))) {
		FILE *f;
		uint8_t *buf;
		long len;

		if (e->d_name[0] == '.')
			continue;
		snprintf(file, sizeof file, "%s/%s", dir, e->d_name);
		if (!(f = fopen(file, "rb")))
			continue;
		fseek(f, 0, SEEK_END);
		len = ftell(f);
		rewind(f);
		buf = malloc(len > 0 ? (size_t)len : 1);
		if (buf && fread(buf, 1, (size_t)len, f) == (size_t)len) {
			LLVMFuzzerTestOneInput(buf, (size_t)len);   /* a failure aborts */
			n++;
		}
		free(buf);
		fclose(f);
	}
	closedir(d);
	printf("ok 1 - %d inputs of fuzz/corpus/%s replayed\n1..1\n", n, FUZZ_TARGET);
	return 0;
}
