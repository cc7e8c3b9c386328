/*
 * galaxyurl.h - which Galaxy object a link names: a history, a dataset, a
 * job, a (stored) workflow or a tool of *this* site's Galaxy (galaxy_url),
 * in the URL forms Galaxy 23.0 to 25.x puts in front of its users
 * (GALAXY-OBJECTS.md section 1; doc/api.md lists them).
 *
 * Strict on purpose: a link is recognised only when a browser would open
 * it on galaxy_url's scheme, host, port and path prefix and Galaxy would
 * read the same object from it. Anything odd (user info, percent-encoding
 * in the host, a "." or ".." segment, encoded slashes, a key given twice,
 * bytes a URL cannot hold) makes the link no Galaxy link at all: a plain
 * link is always safe, a card for the wrong object never is.
 *
 * Pure: no allocation, no globals, any input (fuzz/fuzz_galaxyurl.c). It
 * reads ids as written; galaxyid.h decodes them.
 */
#ifndef GC_GALAXYURL_H
#define GC_GALAXYURL_H

#include <stddef.h>

#define GALAXYURL_MAX 2048        /* longer links are not read */
#define GALAXYURL_BASE_MAX 512    /* galaxy_url, normalised */
#define GALAXYURL_ID_MAX 64       /* an id as written (hex); galaxyid.h bounds it tighter */
#define GALAXYURL_NAME_MAX 255    /* a username, slug, tool id or version, decoded */

enum galaxyurl_kind {
	GALAXYURL_NONE = 0,   /* not a link to an object of this Galaxy */
	GALAXYURL_HISTORY,
	GALAXYURL_DATASET,    /* a history dataset association (HDA) */
	GALAXYURL_JOB,
	GALAXYURL_WORKFLOW,   /* a stored workflow */
	GALAXYURL_TOOL
};

enum galaxyurl_by {
	GALAXYURL_BY_ID = 0,     /* id: the object's encoded id */
	GALAXYURL_BY_SLUG,       /* user and slug: /u/<user>/h/<slug>, /u/<user>/w/<slug> */
	GALAXYURL_BY_VERSION     /* id: a workflow version's (workflow.id), ?instance=true */
};

/* What a link names. */
struct galaxyurl_ref {
	enum galaxyurl_kind kind;
	enum galaxyurl_by by;
	char id[GALAXYURL_ID_MAX + 1];          /* hex as written (BY_ID, BY_VERSION) */
	char user[GALAXYURL_NAME_MAX + 1];      /* BY_SLUG, percent-decoded */
	char slug[GALAXYURL_NAME_MAX + 1];
	char tool[GALAXYURL_NAME_MAX + 1];      /* TOOL: the tool id */
	char version[GALAXYURL_NAME_MAX + 1];   /* TOOL: "" when none (or "latest") */
};

/* Normalises a galaxy_url ("http(s)://host[:port][/prefix]") into out:
 * scheme and host lower case, a default port dropped, no trailing '/'.
 * 0, or -1 when it is not such a URL (user info, a query, a fragment,
 * percent-encoding, "." or ".." segments) or does not fit. */
int galaxyurl_base(const char *in, char *out, size_t outlen);

/* Reads url (len bytes, not necessarily NUL-terminated) against base (a
 * galaxyurl_base() normal form). Fills ref and returns its kind, or
 * GALAXYURL_NONE (ref zeroed) for any other link. */
enum galaxyurl_kind galaxyurl_parse(const char *base, const char *url, size_t len,
                                    struct galaxyurl_ref *ref);

/* Splits a Tool Shed tool id ("host/repos/owner/repo/TOOL/VERSION") into
 * its short id TOOL and VERSION: 1 when tool is one, else 0 (name gets the
 * whole id, version ""). name or version may be NULL. */
int galaxyurl_tool_name(const char *tool, char *name, size_t namelen, char *version,
                        size_t versionlen);

/* The name of kind ("history", ...; "" for NONE). */
const char *galaxyurl_kind_name(enum galaxyurl_kind kind);

#endif
