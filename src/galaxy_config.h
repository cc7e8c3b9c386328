/*
 * galaxy_config.h - read keys from Galaxy's own configuration the way Galaxy
 * does: galaxy.ini ([app:main], %(here)s interpolation) or galaxy.yml
 * (the top-level "galaxy:" mapping, parsed with libyaml), chosen by the
 * file's extension, with GALAXY_CONFIG_OVERRIDE_<KEY> always winning and
 * GALAXY_CONFIG_<KEY> filling a key the file leaves unset.
 */
#ifndef GC_GALAXY_CONFIG_H
#define GC_GALAXY_CONFIG_H

#include <stddef.h>

struct galaxy_config;

/* Reads path (NULL: no file, environment only). Returns 0 and a new object
 * the caller frees with galaxy_config_free(), or -1 with a message naming
 * the file in err (unreadable, not ini/yml, syntax error). */
int galaxy_config_open(const char *path, struct galaxy_config **out,
                       char *err, size_t errlen);

/* The value of key (lowercase, e.g. "id_secret"), or NULL when unset.
 * Scalars only; a YAML list is returned joined with ",". The string belongs
 * to gc and lives until galaxy_config_free(). */
const char *galaxy_config_get(const struct galaxy_config *gc, const char *key);

/* Where a key's value came from, for `galaxy-chat check`: a static string
 * such as "GALAXY_CONFIG_OVERRIDE_ID_SECRET" or the file's path; NULL when unset. */
const char *galaxy_config_source(const struct galaxy_config *gc, const char *key);

void galaxy_config_free(struct galaxy_config *gc);

#endif
