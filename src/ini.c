/*
 * ini.c - the INI reader behind our [chat] file and Galaxy's galaxy.ini.
 * See ini.h for the dialect (Python ConfigParser's, as Galaxy reads it).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ini.h"

#define INI_LINE_MAX 65536

/* Trims white space at both ends of s[0..*len) in place; returns the start. */
static char *ini_trim(char *s, size_t *len)
{
	while (*len && isspace((unsigned char)*s)) {
		s++;
		(*len)--;
	}
	while (*len && isspace((unsigned char)s[*len - 1]))
		(*len)--;
	s[*len] = '\0';
	return s;
}

/* Cuts an inline "; comment" (a ';' after white space) off value. */
static void ini_strip_inline_comment(char *value, size_t *len)
{
	for (size_t i = 1; i < *len; i++) {
		if (value[i] == ';' && isspace((unsigned char)value[i - 1])) {
			*len = i;
			ini_trim(value, len);
			return;
		}
	}
}

struct ini_state {
	char section[256];
	char key[256];
	char *value;          /* pending value, grown by continuation lines */
	size_t value_len;
	int value_line;
	ini_cb cb;
	void *ud;
};

/* Hands the pending key to the callback. Returns the callback's value. */
static int ini_flush(struct ini_state *st)
{
	int rc = 0;
	if (st->value) {
		rc = st->cb(st->section, st->key, st->value, st->value_line, st->ud);
		free(st->value);
		st->value = NULL;
	}
	return rc;
}

static int ini_set_value(struct ini_state *st, const char *v, size_t len, int append)
{
	size_t old = append ? st->value_len : 0;
	char *nv = realloc(append ? st->value : NULL, old + len + 2);
	if (!nv)
		return -1;
	if (!append)
		free(st->value);
	if (append)
		nv[old++] = '\n';
	memcpy(nv + old, v, len);
	nv[old + len] = '\0';
	st->value = nv;
	st->value_len = old + len;
	return 0;
}

int ini_parse_buffer(const char *buf, size_t len, const char *name,
                     ini_cb cb, void *ud, char *err, size_t errlen)
{
	struct ini_state st = { .cb = cb, .ud = ud };
	char *line = malloc(INI_LINE_MAX + 1);
	size_t pos = 0;
	int lineno = 0, rc = 0;

	if (!line) {
		snprintf(err, errlen, "%s: out of memory", name);
		return -1;
	}
	while (pos < len && rc == 0) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (buf + pos)) : len - pos;
		lineno++;
		if (n > INI_LINE_MAX) {
			snprintf(err, errlen, "%s:%d: line longer than %d bytes", name, lineno, INI_LINE_MAX);
			rc = -1;
			break;
		}
		memcpy(line, buf + pos, n);
		line[n] = '\0';
		pos += n + (nl ? 1 : 0);
		if (n && line[n - 1] == '\r')
			line[--n] = '\0';
		if (memchr(line, '\0', n)) {
			snprintf(err, errlen, "%s:%d: NUL byte in line", name, lineno);
			rc = -1;
			break;
		}

		int indented = n && (line[0] == ' ' || line[0] == '\t');
		size_t tl = n;
		char *t = ini_trim(line, &tl);
		if (tl == 0 || t[0] == '#' || t[0] == ';')
			continue;
		if (indented && st.value) {       /* continuation line */
			ini_strip_inline_comment(t, &tl);
			if (ini_set_value(&st, t, tl, 1) < 0)
				goto oom;
			continue;
		}
		if ((rc = ini_flush(&st)) != 0)
			break;
		if (t[0] == '[') {
			char *end = strchr(t, ']');
			size_t sl = end ? (size_t)(end - t - 1) : 0;
			if (!end || sl == 0 || sl >= sizeof st.section) {
				snprintf(err, errlen, "%s:%d: malformed section header", name, lineno);
				rc = -1;
				break;
			}
			memcpy(st.section, t + 1, sl);
			st.section[sl] = '\0';
			continue;
		}
		size_t kl = strcspn(t, "=:");
		if (t[kl] == '\0' || kl == 0) {
			snprintf(err, errlen, "%s:%d: expected \"key = value\"", name, lineno);
			rc = -1;
			break;
		}
		if (!st.section[0]) {
			snprintf(err, errlen, "%s:%d: key outside of any [section]", name, lineno);
			rc = -1;
			break;
		}
		char *v = t + kl + 1;
		size_t vl = tl - kl - 1;
		t[kl] = '\0';
		char *k = ini_trim(t, &kl);
		if (kl == 0 || kl >= sizeof st.key) {
			snprintf(err, errlen, "%s:%d: bad key", name, lineno);
			rc = -1;
			break;
		}
		for (size_t i = 0; i < kl; i++)
			st.key[i] = (char)tolower((unsigned char)k[i]);
		st.key[kl] = '\0';
		v = ini_trim(v, &vl);
		ini_strip_inline_comment(v, &vl);
		if (ini_set_value(&st, v, vl, 0) < 0)
			goto oom;
		st.value_line = lineno;
	}
	if (rc == 0)
		rc = ini_flush(&st);
	free(st.value);
	free(line);
	return rc;
oom:
	snprintf(err, errlen, "%s:%d: out of memory", name, lineno);
	free(st.value);
	free(line);
	return -1;
}

int ini_parse_file(const char *path, ini_cb cb, void *ud, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	char *buf = NULL;
	size_t len = 0, cap = 0;
	for (;;) {
		if (cap - len < 4096) {
			if (cap > 16u << 20) {
				snprintf(err, errlen, "%s: larger than 16 MiB", path);
				free(buf);
				fclose(f);
				return -1;
			}
			char *nb = realloc(buf, cap = cap ? cap * 2 : 8192);
			if (!nb) {
				snprintf(err, errlen, "%s: out of memory", path);
				free(buf);
				fclose(f);
				return -1;
			}
			buf = nb;
		}
		size_t n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	int bad = ferror(f);
	fclose(f);
	if (bad) {
		snprintf(err, errlen, "%s: read error", path);
		free(buf);
		return -1;
	}
	int rc = ini_parse_buffer(buf ? buf : "", len, path, cb, ud, err, errlen);
	free(buf);
	return rc;
}
