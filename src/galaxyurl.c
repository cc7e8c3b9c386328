/*
 * galaxyurl.c - Galaxy links to objects (see galaxyurl.h).
 *
 * A link is taken apart as a browser would (RFC 3986 with WHATWG's
 * leniencies refused): the fragment dropped, the origin compared in
 * http_origin_normalize()'s normal form, the path split into segments and
 * each percent-decoded (Galaxy routes on decoded paths), the query read
 * key by key ('+' stays '+': Galaxy's client reads tool ids so). The
 * segments after galaxy_url's prefix are then matched against the table
 * of forms below, first match wins; a form whose path matches but whose
 * value is malformed ends the search with no match, so that no later form
 * reads the link differently.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "galaxyurl.h"
#include "httpparse.h"
#include "utf8.h"

#define GU_MAX_SEGS 16

/* A form: path segments ("" for the site's root), where "{id}" is the
 * object's encoded id, "{hex}" an id read and ignored, "{user}" and
 * "{slug}" a username and slug, and "{any}" one or more segments of
 * anything; key: the query key holding the id or tool id (NULL: none). */
struct gu_form {
	const char *path;
	const char *key;
	enum galaxyurl_kind kind;
	enum galaxyurl_by by;
	int instance;          /* ?instance=true makes the id a workflow version's */
};

#define H GALAXYURL_HISTORY
#define D GALAXYURL_DATASET
#define J GALAXYURL_JOB
#define W GALAXYURL_WORKFLOW
#define T GALAXYURL_TOOL
#define ID GALAXYURL_BY_ID
#define SLUG GALAXYURL_BY_SLUG

static const struct gu_form gu_forms[] = {
	/* the root: Galaxy's Home reads job_id and tool_id before workflow_id */
	{ "", "job_id", J, ID, 0 },
	{ "root", "job_id", J, ID, 0 },
	{ "", "tool_id", T, ID, 0 },
	{ "root", "tool_id", T, ID, 0 },
	{ "", "workflow_id", W, ID, 0 },
	{ "root", "workflow_id", W, ID, 0 },
	/* histories */
	{ "histories/view", "id", H, ID, 0 },
	{ "published/history", "id", H, ID, 0 },
	{ "histories/sharing", "id", H, ID, 0 },
	{ "histories/permissions", "id", H, ID, 0 },
	{ "histories/citations", "id", H, ID, 0 },
	{ "histories/{id}/export", NULL, H, ID, 0 },
	{ "histories/{id}/invocations", NULL, H, ID, 0 },
	{ "histories/{id}/archive", NULL, H, ID, 0 },
	{ "storage/history/{id}", NULL, H, ID, 0 },
	{ "history/view/{id}", NULL, H, ID, 0 },
	{ "api/histories/{id}", NULL, H, ID, 0 },
	{ "u/{user}/h/{slug}", NULL, H, SLUG, 0 },
	/* datasets */
	{ "api/datasets/{id}", NULL, D, ID, 0 },
	{ "api/datasets/{id}/{any}", NULL, D, ID, 0 },
	{ "api/histories/{hex}/contents/{id}", NULL, D, ID, 0 },
	{ "api/histories/{hex}/contents/datasets/{id}", NULL, D, ID, 0 },
	{ "datasets/{id}", NULL, D, ID, 0 },
	{ "datasets/{id}/{any}", NULL, D, ID, 0 },
	{ "u/{user}/d/{id}", NULL, D, ID, 0 },
	{ "u/{user}/d/{id}/{any}", NULL, D, ID, 0 },
	{ "visualizations", "dataset_id", D, ID, 0 },
	{ "visualizations/display", "dataset_id", D, ID, 0 },
	{ "tool_runner/rerun", "id", D, ID, 0 },
	/* jobs */
	{ "jobs/{id}/view", NULL, J, ID, 0 },
	{ "api/jobs/{id}", NULL, J, ID, 0 },
	/* workflows */
	{ "published/workflow", "id", W, ID, 0 },
	{ "u/{user}/w/{slug}", NULL, W, SLUG, 0 },
	{ "u/{user}/w/{slug}/json", NULL, W, SLUG, 0 },
	{ "u/{user}/w/{slug}/json-download", NULL, W, SLUG, 0 },
	{ "workflows/run", "id", W, ID, 1 },
	{ "workflows/edit", "id", W, ID, 0 },
	{ "workflows/export", "id", W, ID, 0 },
	{ "workflows/sharing", "id", W, ID, 0 },
	{ "workflows/{id}/invocations", NULL, W, ID, 0 },
	{ "api/workflows/{id}", NULL, W, ID, 1 },
	{ "api/workflows/{id}/download", NULL, W, ID, 1 },
	/* tools */
	{ "tool_runner", "tool_id", T, ID, 0 },
	{ "tool_runner/data_source_redirect", "tool_id", T, ID, 0 },
};

#undef H
#undef D
#undef J
#undef W
#undef T
#undef ID
#undef SLUG

/* A link's path, decoded segment by segment. */
struct gu_path {
	int n;
	const char *seg[GU_MAX_SEGS];
	char buf[GALAXYURL_MAX + GU_MAX_SEGS];
};

const char *galaxyurl_kind_name(enum galaxyurl_kind kind)
{
	static const char *const names[] = {
		[GALAXYURL_NONE] = "", [GALAXYURL_HISTORY] = "history", [GALAXYURL_DATASET] = "dataset",
		[GALAXYURL_JOB] = "job", [GALAXYURL_WORKFLOW] = "workflow", [GALAXYURL_TOOL] = "tool",
	};
	return kind >= GALAXYURL_NONE && kind <= GALAXYURL_TOOL ? names[kind] : "";
}

/* 1 when every byte of s is one RFC 3986 lets a URL hold. */
static int gu_chars_ok(const char *s, size_t len)
{
	static const char other[] = "-._~:/?#[]@!$&'()*+,;=%";

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      (c && strchr(other, c))))
			return 0;
	}
	return 1;
}

/* 1 when s (len bytes) is all of chars. */
static int gu_only(const char *s, size_t len, const char *chars)
{
	for (size_t i = 0; i < len; i++)
		if (!s[i] || !strchr(chars, s[i]))
			return 0;
	return 1;
}

static int gu_is_hex(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= GALAXYURL_ID_MAX && gu_only(s, n, "0123456789abcdefABCDEF");
}

/* A username or slug: 1 to GALAXYURL_NAME_MAX bytes of UTF-8, no controls. */
static int gu_is_name(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= GALAXYURL_NAME_MAX && utf8_scan(s, n, UTF8_CONTROL, NULL) == n;
}

/* Splits path (len bytes, "" or starting with '/') into p, decoding each
 * segment; one trailing '/' is dropped. 0, or -1 for an empty segment, a
 * "." or "..", a decoded '/' or '\', bad percent-encoding, bad UTF-8 or
 * too many segments. */
static int gu_split(const char *path, size_t len, struct gu_path *p)
{
	size_t used = 0, i = 1;

	p->n = 0;
	if (len == 0 || (len == 1 && path[0] == '/'))
		return 0;
	if (path[0] != '/')
		return -1;
	if (path[len - 1] == '/')
		len--;
	while (i <= len) {
		const char *s = path + i, *slash = memchr(s, '/', len - i);
		size_t n = slash ? (size_t)(slash - s) : len - i;
		char *out = p->buf + used;
		long dn;
		if (n == 0 || p->n == GU_MAX_SEGS)
			return -1;
		dn = http_percent_decode(s, n, 0, out, sizeof p->buf - used);
		if (dn < 0 || strcmp(out, ".") == 0 || strcmp(out, "..") == 0 ||
		    strpbrk(out, "/\\") || utf8_scan(out, (size_t)dn, UTF8_CONTROL, NULL) != (size_t)dn)
			return -1;
		p->seg[p->n++] = out;
		used += (size_t)dn + 1;
		i += n + 1;
	}
	return 0;
}

/* 1 when every '%' of s (len bytes) starts a %XX that is not %00. */
static int gu_pct_ok(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] != '%')
			continue;
		if (i + 2 >= len || http_hexval(s[i + 1]) < 0 || http_hexval(s[i + 2]) < 0 ||
		    (s[i + 1] == '0' && s[i + 2] == '0'))
			return 0;
		i += 2;
	}
	return 1;
}

/* Looks key up in the query qs (len bytes). 1 with its decoded value in
 * out, 0 when absent, -1 when it is there twice, its value does not fit,
 * or any pair of the query is badly percent-encoded. */
static int gu_query(const char *qs, size_t len, const char *key, char *out, size_t outlen)
{
	char k[32];
	int found = 0;

	for (size_t i = 0; i < len;) {
		const char *pair = qs + i, *amp = memchr(pair, '&', len - i);
		size_t n = amp ? (size_t)(amp - pair) : len - i;
		const char *eq = memchr(pair, '=', n);
		size_t kn = eq ? (size_t)(eq - pair) : n, vn = eq ? n - kn - 1 : 0;

		i += n + 1;
		if (!gu_pct_ok(pair, n))
			return -1;
		if (http_percent_decode(pair, kn, 0, k, sizeof k) < 0 || strcmp(k, key) != 0)
			continue;   /* another key (a long one is none of ours) */
		if (found || http_percent_decode(eq ? eq + 1 : "", vn, 0, out, outlen) < 0)
			return -1;
		found = 1;
	}
	return found;
}

/* Matches the path's n segments seg (after the prefix) against form f's
 * path, filling the captures of ref. 1 on a match, 0 when the path is
 * another, -1 when it is this form's but a capture is malformed. */
static int gu_match_path(const struct gu_form *f, const char *const *seg, int n_seg,
                         struct galaxyurl_ref *ref)
{
	const char *pat = f->path;
	int i = 0, bad = 0;

	while (*pat) {
		size_t n = strcspn(pat, "/");
		if (n == 5 && strncmp(pat, "{any}", 5) == 0)
			return i < n_seg ? (bad ? -1 : 1) : 0;
		if (i == n_seg)
			return 0;
		const char *s = seg[i++];
		if (n == 4 && strncmp(pat, "{id}", 4) == 0) {
			if (gu_is_hex(s))
				strcpy(ref->id, s);
			else
				return 0;   /* "list", "published": other pages */
		} else if (n == 5 && strncmp(pat, "{hex}", 5) == 0) {
			if (!gu_is_hex(s))
				return 0;
		} else if (n == 6 && strncmp(pat, "{user}", 6) == 0) {
			bad |= !gu_is_name(s);
			snprintf(ref->user, sizeof ref->user, "%s", s);
		} else if (n == 6 && strncmp(pat, "{slug}", 6) == 0) {
			bad |= !gu_is_name(s);
			snprintf(ref->slug, sizeof ref->slug, "%s", s);
		} else if (strlen(s) != n || strncmp(pat, s, n) != 0) {
			return 0;
		}
		pat += n;
		if (*pat == '/')
			pat++;
	}
	if (i != n_seg)
		return 0;
	return bad ? -1 : 1;
}

/* A tool id (Galaxy's, or a Tool Shed's "host/repos/owner/repo/tool/version")
 * and its version: "" for none or "latest", else taken from a Tool Shed id. */
static int gu_tool(const char *qs, size_t qlen, struct galaxyurl_ref *ref)
{
#define GU_TOOL_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+-"
	size_t n = strlen(ref->tool);
	int rc;

	if (n == 0 || !gu_only(ref->tool, n, GU_TOOL_CHARS "/") || ref->tool[0] == '/' ||
	    ref->tool[n - 1] == '/' || strstr(ref->tool, "//"))
		return -1;
	/* Galaxy's Home reads version; ToolLink writes tool_version */
	if ((rc = gu_query(qs, qlen, "version", ref->version, sizeof ref->version)) == 0)
		rc = gu_query(qs, qlen, "tool_version", ref->version, sizeof ref->version);
	if (rc < 0 || !gu_only(ref->version, strlen(ref->version), GU_TOOL_CHARS))
		return -1;
#undef GU_TOOL_CHARS
	if (strcmp(ref->version, "latest") == 0)
		ref->version[0] = '\0';
	if (!ref->version[0])
		galaxyurl_tool_name(ref->tool, NULL, 0, ref->version, sizeof ref->version);
	return 0;
}

int galaxyurl_tool_name(const char *tool, char *name, size_t namelen, char *version,
                        size_t versionlen)
{
	const char *seg[6], *p = tool;
	int n = 0;

	for (seg[n++] = p; n < 6 && (p = strchr(p, '/')); seg[n++] = ++p)
		;
	int shed = n == 6 && !strchr(seg[5], '/') && strncmp(seg[1], "repos/", 6) == 0;
	if (name)
		snprintf(name, namelen, "%.*s", shed ? (int)(seg[5] - seg[4] - 1) : (int)strlen(tool),
		         shed ? seg[4] : tool);
	if (version)
		snprintf(version, versionlen, "%s", shed ? seg[5] : "");
	return shed;
}

/* Reads form f's query captures and ?instance; 1, or -1 when malformed. */
static int gu_match_query(const struct gu_form *f, const char *qs, size_t qlen,
                          struct galaxyurl_ref *ref)
{
	char instance[8];
	int rc;

	if (f->kind == GALAXYURL_TOOL) {
		if (gu_query(qs, qlen, f->key, ref->tool, sizeof ref->tool) != 1)
			return -1;
		return gu_tool(qs, qlen, ref) < 0 ? -1 : 1;
	}
	if (f->key && (gu_query(qs, qlen, f->key, ref->id, sizeof ref->id) != 1 ||
	               !gu_is_hex(ref->id)))
		return -1;
	ref->by = f->by;
	if (f->instance) {
		rc = gu_query(qs, qlen, "instance", instance, sizeof instance);
		if (rc < 0)
			return -1;
		if (rc == 1 && (strcasecmp(instance, "true") == 0 || strcmp(instance, "1") == 0))
			ref->by = GALAXYURL_BY_VERSION;
		else if (rc == 1 && strcasecmp(instance, "false") != 0 && strcmp(instance, "0") != 0)
			return -1;
	}
	return 1;
}

/* Splits "scheme://authority" off url: its length (the path starts
 * there), or 0 when url does not start so. */
static size_t gu_origin_len(const char *url, size_t len)
{
	const char *sep = len >= 3 ? memchr(url, ':', len) : NULL;
	size_t at;

	if (!sep || (size_t)(sep - url) + 3 > len || strncmp(sep, "://", 3) != 0)
		return 0;
	at = (size_t)(sep - url) + 3;
	while (at < len && url[at] != '/' && url[at] != '?')
		at++;
	return at;
}

int galaxyurl_base(const char *in, char *out, size_t outlen)
{
	char origin[GALAXYURL_BASE_MAX], norm[GALAXYURL_BASE_MAX];
	size_t len = in ? strlen(in) : 0, olen = gu_origin_len(in ? in : "", len);
	struct gu_path p;

	if (!olen || olen >= sizeof origin || len >= GALAXYURL_BASE_MAX || !gu_chars_ok(in, len) ||
	    strpbrk(in, "?#%"))
		return -1;
	memcpy(origin, in, olen);
	origin[olen] = '\0';
	if (http_origin_normalize(origin, norm, sizeof norm) < 0 ||
	    gu_split(in + olen, len - olen, &p) < 0)
		return -1;
	if (snprintf(out, outlen, "%s", norm) >= (int)outlen)
		return -1;
	for (int i = 0; i < p.n; i++) {
		size_t used = strlen(out);
		if (snprintf(out + used, outlen - used, "/%s", p.seg[i]) >= (int)(outlen - used))
			return -1;
	}
	return 0;
}

enum galaxyurl_kind galaxyurl_parse(const char *base, const char *url, size_t len,
                                    struct galaxyurl_ref *ref)
{
	char origin[GALAXYURL_BASE_MAX], norm[GALAXYURL_BASE_MAX], probe[GALAXYURL_NAME_MAX + 1];
	struct gu_path bp, p;
	size_t olen, blen, qat, qlen;
	const char *qs, *hash;

	memset(ref, 0, sizeof *ref);
	if (!base || !url || len > GALAXYURL_MAX || !gu_chars_ok(url, len))
		return GALAXYURL_NONE;
	if ((hash = memchr(url, '#', len)))
		len = (size_t)(hash - url);
	olen = gu_origin_len(url, len);
	blen = gu_origin_len(base, strlen(base));
	if (!olen || !blen || olen >= sizeof origin)
		return GALAXYURL_NONE;
	memcpy(origin, url, olen);
	origin[olen] = '\0';
	if (http_origin_normalize(origin, norm, sizeof norm) < 0 ||
	    strlen(norm) != blen || strncmp(norm, base, blen) != 0)
		return GALAXYURL_NONE;
	qs = memchr(url + olen, '?', len - olen);
	qat = qs ? (size_t)(qs - url) : len;
	qs = qs ? qs + 1 : url + len;
	qlen = (size_t)(url + len - qs);
	if (gu_split(url + olen, qat - olen, &p) < 0 ||
	    gu_split(base + blen, strlen(base) - blen, &bp) < 0 || p.n < bp.n)
		return GALAXYURL_NONE;
	for (int i = 0; i < bp.n; i++)
		if (strcmp(bp.seg[i], p.seg[i]) != 0)
			return GALAXYURL_NONE;

	for (size_t i = 0; i < sizeof gu_forms / sizeof *gu_forms; i++) {
		const struct gu_form *f = &gu_forms[i];
		/* the segments after galaxy_url's prefix */
		int rc = gu_match_path(f, p.seg + bp.n, p.n - bp.n, ref);
		if (rc == 0 || (rc == 1 && f->key && gu_query(qs, qlen, f->key, probe, sizeof probe) == 0)) {
			memset(ref, 0, sizeof *ref);
			continue;   /* another form's link */
		}
		if (rc < 0 || gu_match_query(f, qs, qlen, ref) < 0)
			break;
		ref->kind = f->kind;
		return ref->kind;
	}
	memset(ref, 0, sizeof *ref);
	return GALAXYURL_NONE;
}
