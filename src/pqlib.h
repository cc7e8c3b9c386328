/*
 * pqlib.h - libpq, loaded where first needed (dynlib.h) instead of linked:
 * a process that never talks to PostgreSQL (a responder on an SQLite
 * store with Galaxy's database in SQLite, or with Galaxy's lookups done by
 * another process) then neither maps libpq nor relocates it and what it
 * brings (libssl, Kerberos, LDAP, GnuTLS, p11-kit: about 460 KiB of
 * private relocated data per process, bench/README.md).
 *
 * Include this instead of <libpq-fe.h>. It declares one pointer per libpq
 * function the program calls, typed from libpq-fe.h (__typeof__), and
 * defines each PQ name as its pointer (PQclear is pqlib.clear), so call
 * sites read as libpq's documentation does. A libpq function not in
 * PQLIB_FUNCTIONS is not redirected and fails to link (libpq is not on
 * the link line): add it there and below.
 *
 * Before pqlib_load() the pointers are NULL. No call comes first by
 * construction: every libpq object comes from PQconnectdb, PQconndefaults
 * or PQconninfoParse, each called only after pqlib_load() succeeded, and
 * the other functions take such an object; a NULL object (libpq's
 * "nothing to free") is never handed to PQfinish or PQclear where libpq
 * may not have been loaded (galaxydb_pg.c's close, migrate.c's end).
 */
#ifndef GC_PQLIB_H
#define GC_PQLIB_H

#include <stddef.h>
#include <libpq-fe.h>

/* libpq's soname since PostgreSQL 8.3 (its ABI has only grown since) */
#define PQLIB_SONAME "libpq.so.5"

#define PQLIB_FUNCTIONS(X) \
	X(clear) X(cmdTuples) X(conndefaults) X(connectdb) X(conninfoFree) \
	X(conninfoParse) X(consumeInput) X(errorMessage) X(exec) X(execParams) \
	X(execPrepared) X(finish) X(freemem) X(getisnull) X(getvalue) X(nfields) \
	X(notifies) X(ntuples) X(prepare) X(resultErrorField) \
	X(resultErrorMessage) X(resultStatus) X(setNoticeProcessor) X(socket) \
	X(status)

#define PQLIB_POINTER(name) __typeof__(PQ##name) *name;
extern struct pqlib {
	PQLIB_FUNCTIONS(PQLIB_POINTER)
} pqlib;
#undef PQLIB_POINTER

#define PQclear pqlib.clear
#define PQcmdTuples pqlib.cmdTuples
#define PQconndefaults pqlib.conndefaults
#define PQconnectdb pqlib.connectdb
#define PQconninfoFree pqlib.conninfoFree
#define PQconninfoParse pqlib.conninfoParse
#define PQconsumeInput pqlib.consumeInput
#define PQerrorMessage pqlib.errorMessage
#define PQexec pqlib.exec
#define PQexecParams pqlib.execParams
#define PQexecPrepared pqlib.execPrepared
#define PQfinish pqlib.finish
#define PQfreemem pqlib.freemem
#define PQgetisnull pqlib.getisnull
#define PQgetvalue pqlib.getvalue
#define PQnfields pqlib.nfields
#define PQnotifies pqlib.notifies
#define PQntuples pqlib.ntuples
#define PQprepare pqlib.prepare
#define PQresultErrorField pqlib.resultErrorField
#define PQresultErrorMessage pqlib.resultErrorMessage
#define PQresultStatus pqlib.resultStatus
#define PQsetNoticeProcessor pqlib.setNoticeProcessor
#define PQsocket pqlib.socket
#define PQstatus pqlib.status

/* Loads libpq on the first call (any thread) and fills in pqlib. Returns
 * 0, or -1 with err saying what is missing ("cannot load libpq.so.5: ..."),
 * on that call and every later one. */
int pqlib_load(char *err, size_t errlen);

#endif
