/*
 * store_drivers.h - which driver a `store =` value names, and opening it:
 * the one place that knows the drivers (store_drivers.c). Included by
 * store.c only.
 */
#ifndef GC_STORE_DRIVERS_H
#define GC_STORE_DRIVERS_H

#include <stddef.h>

struct store;

/* Opens where (an SQLite file path or sqlite:/// URL, or a PostgreSQL URL)
 * with its driver, which creates or upgrades the schema: 0 and *out, or -1
 * with a message naming the store in err. */
int store_drivers_open(const char *where, struct store **out, char *err, size_t errlen);

#endif
