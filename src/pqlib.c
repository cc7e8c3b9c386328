/*
 * pqlib.c - libpq, loaded where first needed (see pqlib.h): the pointers
 * of pqlib filled in by dynlib_load() from libpq's symbols.
 */
#include "dynlib.h"
#include "pqlib.h"

struct pqlib pqlib;

/* "PQ" #name: the symbol itself (pqlib.h defines PQclear as pqlib.clear) */
#define PQLIB_FN(name) { (void **)&pqlib.name, "PQ" #name },
static const struct dynlib_fn pqlib_fns[] = { PQLIB_FUNCTIONS(PQLIB_FN) };
static struct dynlib pqlib_lib = DYNLIB(PQLIB_SONAME, pqlib_fns);

int pqlib_load(char *err, size_t errlen)
{
	return dynlib_load(&pqlib_lib, err, errlen);
}
