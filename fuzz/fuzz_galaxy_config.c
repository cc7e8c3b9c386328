/*
 * fuzz_galaxy_config.c - libFuzzer target: Galaxy's config, as galaxy.yml
 * (libyaml) or galaxy.ini (%(here)s interpolation) as the first byte says,
 * read through a file as the server does; then the keys the chat reads.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "galaxy_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[2][64];
	static const char *const keys[] = {
		"id_secret", "database_connection", "admin_users", "persistent_communication_rooms",
		"session_duration", "database_file",
	};
	struct galaxy_config *gc = NULL;
	char err[1024];
	FILE *f;

	if (size < 1)
		return 0;
	int yml = data[0] & 1;
	if (!path[yml][0])
		snprintf(path[yml], sizeof path[yml], "/tmp/gc-fuzz-%d.%s", (int)getpid(), yml ? "yml" : "ini");
	if (!(f = fopen(path[yml], "wb")))
		return 0;
	fwrite(data + 1, 1, size - 1, f);
	fclose(f);
	if (galaxy_config_open(path[yml], &gc, err, sizeof err) == 0) {
		for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
			const char *v = galaxy_config_get(gc, keys[i]);
			if (v && !galaxy_config_source(gc, keys[i]))
				abort();
		}
		galaxy_config_free(gc);
	}
	unlink(path[yml]);
	return 0;
}
