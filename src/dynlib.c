/*
 * dynlib.c - a shared library opened where it is first needed (see
 * dynlib.h): dlopen() once, dlsym() for each function, under l's lock.
 */
#include <dlfcn.h>
#include <stdio.h>

#include "dynlib.h"

/* Opens l and looks up its functions (under its lock): 1, or -1 with l->err. */
static int dynlib_open(struct dynlib *l)
{
	void *h = dlopen(l->soname, RTLD_NOW | RTLD_LOCAL);

	if (!h) {
		snprintf(l->err, sizeof l->err, "cannot load %s: %s", l->soname, dlerror());
		return -1;
	}
	for (size_t i = 0; i < l->n; i++)
		if (!(*l->fns[i].fn = dlsym(h, l->fns[i].name))) {
			snprintf(l->err, sizeof l->err, "%s has no %s", l->soname, l->fns[i].name);
			dlclose(h);
			return -1;
		}
	return 1;
}

int dynlib_load(struct dynlib *l, char *err, size_t errlen)
{
	int state;

	pthread_mutex_lock(&l->lock);
	if (l->state == 0)
		l->state = dynlib_open(l);
	state = l->state;
	pthread_mutex_unlock(&l->lock);
	if (state < 0) {
		snprintf(err, errlen, "%s", l->err);
		return -1;
	}
	return 0;
}
