/*
 * ini.h - a small INI reader shared by our own config and Galaxy's galaxy.ini.
 *
 * Follows Python ConfigParser closely enough for Galaxy's files: sections in
 * brackets, "key = value" or "key: value", keys lowercased, values trimmed,
 * full-line comments with '#' or ';', inline comments only where ';' follows
 * white space (as Python 2 did), indented continuation lines appended with a
 * newline. No interpolation here: callers that need %(here)s do it.
 */
#ifndef GC_INI_H
#define GC_INI_H

#include <stddef.h>

/* Called once per key. Strings are valid only during the call.
 * Return 0 to go on, non-zero to stop (ini_parse then returns that value). */
typedef int (*ini_cb)(const char *section, const char *key, const char *value,
                      int lineno, void *ud);

/* Parses the file at path. Returns 0, the callback's non-zero value, or -1
 * with a message naming the file and line in err (I/O error, a line that is
 * neither a section nor a key, a key before any section, a line over 64 KiB). */
int ini_parse_file(const char *path, ini_cb cb, void *ud, char *err, size_t errlen);

/* The same over a buffer of len bytes (need not be NUL-terminated); name is
 * used in messages only. */
int ini_parse_buffer(const char *buf, size_t len, const char *name,
                     ini_cb cb, void *ud, char *err, size_t errlen);

#endif
