/*
 * dynlib.h - a shared library opened where it is first needed instead of
 * when the program starts: one only a rare request or a subcommand uses
 * (ICU for a reaction's emoji, libcurl for notify's mail) or only some
 * sites use (libpq for PostgreSQL, pqlib.h), so that the hundreds of
 * mod_fcgid processes that never need it neither relocate it and its
 * dependencies (each process's own copy of their pointers) nor run their
 * initialisers (bench/README.md, "Fifth round").
 *
 * The caller declares a pointer per function, typed from the library's
 * own header (__typeof__), and a struct dynlib naming the library by its
 * soname and the functions by their symbols:
 *
 *   static __typeof__(curl_easy_init) *p_easy_init;
 *   static const struct dynlib_fn fns[] = { DYNLIB_FN(p_easy_init, curl_easy_init) };
 *   static struct dynlib curl = DYNLIB("libcurl.so.4", fns);
 *   if (dynlib_load(&curl, err, errlen) < 0) ...
 *
 * DYNLIB_FN names the symbol after macro expansion, so ICU's versioned
 * names (u_strFromUTF8 is u_strFromUTF8_72) come out right. The library
 * stays loaded for the life of the process.
 */
#ifndef GC_DYNLIB_H
#define GC_DYNLIB_H

#include <pthread.h>
#include <stddef.h>

#define DYNLIB_STR(x) DYNLIB_STR_(x)
#define DYNLIB_STR_(x) #x

struct dynlib_fn {
	void **fn;                  /* where its address goes */
	const char *name;           /* its symbol */
};
#define DYNLIB_FN(ptr, sym) { (void **)&(ptr), DYNLIB_STR(sym) }

struct dynlib {
	const char *soname;
	const struct dynlib_fn *fns;
	size_t n;
	pthread_mutex_t lock;
	int state;                  /* 0 not tried, 1 loaded, -1 failed (err says why) */
	char err[256];
};
#define DYNLIB(soname, fns) { (soname), (fns), sizeof (fns) / sizeof *(fns), \
                              PTHREAD_MUTEX_INITIALIZER, 0, "" }

/* Loads l on the first call (any thread; the others wait for it) and
 * fills in its functions. Returns 0, or -1 with err saying which library
 * or function is missing, on that call and every later one. */
int dynlib_load(struct dynlib *l, char *err, size_t errlen);

#endif
