/*
 * galaxy_config.c - Galaxy's own configuration, read the way Galaxy reads it
 * (lib/galaxy/util/properties.py): galaxy.ini's [app:main] with
 * ConfigParser interpolation, or galaxy.yml's "galaxy:" mapping, then the
 * GALAXY_CONFIG_OVERRIDE_* / GALAXY_CONFIG_* environment. See galaxy_config.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include <unistd.h>
#include <yaml.h>

#include "galaxy_config.h"
#include "ini.h"

extern char **environ;

#define GC_ENV_PREFIX "GALAXY_CONFIG_"
#define GC_ENV_OVERRIDE "GALAXY_CONFIG_OVERRIDE_"
#define GC_INTERP_DEPTH 10   /* ConfigParser's MAX_INTERPOLATION_DEPTH */

struct gc_entry {
	char *key;       /* lowercase */
	char *value;
	char *source;    /* file path or environment variable name */
	int line;        /* ini: line of the key, for interpolation errors */
	int is_default;  /* ini: from [DEFAULT] (ConfigParser's fallbacks) */
	char *expanded;  /* ini: value after interpolation, while reading */
};

struct galaxy_config {
	struct gc_entry *v;
	size_t n, cap;
};

static struct gc_entry *gc_find(const struct galaxy_config *gc, const char *key)
{
	for (size_t i = 0; i < gc->n; i++)
		if (strcmp(gc->v[i].key, key) == 0)
			return &gc->v[i];
	return NULL;
}

/* Sets key to value (both copied), replacing an earlier value. 0 or -1. */
static int gc_set(struct galaxy_config *gc, const char *key, const char *value,
                  const char *source, int line)
{
	struct gc_entry *e = gc_find(gc, key);
	char *v = strdup(value), *s = strdup(source);

	if (!v || !s)
		goto oom;
	if (!e) {
		if (gc->n == gc->cap) {
			size_t cap = gc->cap ? gc->cap * 2 : 32;
			struct gc_entry *nv = realloc(gc->v, cap * sizeof *nv);
			if (!nv)
				goto oom;
			gc->v = nv;
			gc->cap = cap;
		}
		e = &gc->v[gc->n];
		memset(e, 0, sizeof *e);
		if (!(e->key = strdup(key)))
			goto oom;
		gc->n++;
	}
	free(e->value);
	free(e->source);
	e->value = v;
	e->source = s;
	e->line = line;
	e->is_default = 0;
	return 0;
oom:
	free(v);
	free(s);
	return -1;
}

/* ---- galaxy.ini ---- */

struct gc_ini {
	struct galaxy_config *gc;
	const char *path;
};

static int gc_ini_cb(const char *section, const char *key, const char *value,
                     int lineno, void *ud)
{
	struct gc_ini *st = ud;
	int is_default = strcmp(section, "DEFAULT") == 0;

	if (!is_default && strcmp(section, "app:main") != 0)
		return 0;
	/* a key of [app:main] beats the same key of [DEFAULT], wherever it is */
	struct gc_entry *e = gc_find(st->gc, key);
	if (is_default && e && !e->is_default)
		return 0;
	if (gc_set(st->gc, key, value, st->path, lineno) < 0)
		return 1;
	gc_find(st->gc, key)->is_default = is_default;
	return 0;
}

struct gc_str {
	char *s;
	size_t len, cap;
};

static int gc_str_add(struct gc_str *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->len + n + 1) * 2;
		char *ns = realloc(b->s, cap);
		if (!ns)
			return -1;
		b->s = ns;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
	return 0;
}

/* Expands %(name)s and %% in value into b, as ConfigParser does: name is
 * "here" (the file's directory), "__file__", or another key of the section
 * (lowercased). Returns 0, or -1 with err. */
static int gc_interpolate(const struct galaxy_config *gc, const char *value,
                          const char *path, const char *here, int depth,
                          struct gc_str *b, char *err, size_t errlen)
{
	if (depth > GC_INTERP_DEPTH) {
		snprintf(err, errlen, "interpolation nested deeper than %d", GC_INTERP_DEPTH);
		return -1;
	}
	while (*value) {
		size_t n = strcspn(value, "%");
		if (gc_str_add(b, value, n) < 0)
			goto oom;
		value += n;
		if (!*value)
			break;
		if (value[1] == '%') {
			if (gc_str_add(b, "%", 1) < 0)
				goto oom;
			value += 2;
			continue;
		}
		const char *close = value[1] == '(' ? strstr(value, ")s") : NULL;
		char name[256];
		size_t nl = close ? (size_t)(close - value - 2) : 0;
		if (!close || nl == 0 || nl >= sizeof name) {
			snprintf(err, errlen, "'%%' must be followed by '%%' or '(name)s'");
			return -1;
		}
		for (size_t i = 0; i < nl; i++)
			name[i] = (char)tolower((unsigned char)value[2 + i]);
		name[nl] = '\0';
		value = close + 2;
		const struct gc_entry *ref = gc_find(gc, name);
		if (strcmp(name, "here") == 0 && !ref) {
			if (gc_str_add(b, here, strlen(here)) < 0)
				goto oom;
		} else if (strcmp(name, "__file__") == 0 && !ref) {
			if (gc_str_add(b, path, strlen(path)) < 0)
				goto oom;
		} else if (!ref) {
			snprintf(err, errlen, "%%(%.100s)s refers to an unknown key", name);
			return -1;
		} else if (gc_interpolate(gc, ref->value, path, here, depth + 1, b, err, errlen) < 0) {
			return -1;
		}
	}
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
	return -1;
}

static int gc_read_ini(struct galaxy_config *gc, const char *path, char *err, size_t errlen)
{
	struct gc_ini st = { gc, path };
	char here[4096], cwd[4096], msg[256];
	const char *slash = strrchr(path, '/');
	int dirlen = slash ? (slash == path ? 1 : (int)(slash - path)) : 0;

	/* %(here)s is os.path.dirname(os.path.abspath(file)) in Galaxy */
	int n;
	if (path[0] == '/')
		n = snprintf(here, sizeof here, "%.*s", dirlen, path);
	else if (!getcwd(cwd, sizeof cwd))
		n = snprintf(here, sizeof here, "%s%.*s", dirlen ? "" : ".", dirlen, path);
	else if (dirlen)
		n = snprintf(here, sizeof here, "%s/%.*s", cwd, dirlen, path);
	else
		n = snprintf(here, sizeof here, "%s", cwd);
	if (n < 0 || (size_t)n >= sizeof here) {
		snprintf(err, errlen, "%s: path too long", path);
		return -1;
	}
	int rc = ini_parse_file(path, gc_ini_cb, &st, err, errlen);
	if (rc > 0)
		snprintf(err, errlen, "%s: out of memory", path);
	if (rc != 0)
		return -1;
	/* ConfigParser interpolates on read; Galaxy reads every value, so a bad
	 * reference anywhere in [app:main] stops Galaxy too. */
	for (size_t i = 0; i < gc->n; i++) {
		struct gc_str b = { 0 };
		if (gc_interpolate(gc, gc->v[i].value, path, here, 1, &b, msg, sizeof msg) < 0 ||
		    gc_str_add(&b, "", 0) < 0) {
			snprintf(err, errlen, "%s:%d: %s: %s", path, gc->v[i].line, gc->v[i].key, msg);
			free(b.s);
			return -1;
		}
		gc->v[i].expanded = b.s;
	}
	for (size_t i = 0; i < gc->n; i++) {
		free(gc->v[i].value);
		gc->v[i].value = gc->v[i].expanded;
		gc->v[i].expanded = NULL;
	}
	return 0;
}

/* ---- galaxy.yml ---- */

/* 1 for YAML's null spellings, which Galaxy reads as "unset". */
static int gc_yaml_null(const yaml_node_t *n)
{
	const char *v = (const char *)n->data.scalar.value;

	if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	return !*v || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") || !strcmp(v, "NULL");
}

/* Stores one "key: value" of the galaxy: mapping. Scalars as written, lists
 * of scalars joined with ","; nulls and nested mappings are skipped. */
static int gc_yaml_pair(struct galaxy_config *gc, yaml_document_t *doc, yaml_node_t *k,
                        yaml_node_t *v, const char *path)
{
	struct gc_str b = { 0 };
	char key[256];
	int rc = 0;

	if (!k || !v || k->type != YAML_SCALAR_NODE || k->data.scalar.length >= sizeof key)
		return 0;
	for (size_t i = 0; i <= k->data.scalar.length; i++)
		key[i] = (char)tolower(k->data.scalar.value[i]);
	if (v->type == YAML_SCALAR_NODE) {
		if (gc_yaml_null(v))
			return 0;
		rc = gc_str_add(&b, (const char *)v->data.scalar.value, v->data.scalar.length);
	} else if (v->type == YAML_SEQUENCE_NODE) {
		rc = gc_str_add(&b, "", 0);
		for (yaml_node_item_t *it = v->data.sequence.items.start;
		     rc == 0 && it < v->data.sequence.items.top; it++) {
			yaml_node_t *item = yaml_document_get_node(doc, *it);
			if (!item || item->type != YAML_SCALAR_NODE)
				continue;
			if (b.len)
				rc = gc_str_add(&b, ",", 1);
			if (rc == 0)
				rc = gc_str_add(&b, (const char *)item->data.scalar.value,
				                item->data.scalar.length);
		}
	} else {
		return 0;
	}
	if (rc == 0)
		rc = gc_set(gc, key, b.s, path, (int)v->start_mark.line + 1);
	free(b.s);
	return rc;
}

static int gc_read_yaml(struct galaxy_config *gc, const char *path, char *err, size_t errlen)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	FILE *f = fopen(path, "rb");
	int rc = 0;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!yaml_parser_initialize(&parser)) {
		fclose(f);
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	yaml_parser_set_input_file(&parser, f);
	if (!yaml_parser_load(&parser, &doc)) {
		snprintf(err, errlen, "%s:%zu: %s%s%s", path, parser.problem_mark.line + 1,
		         parser.problem ? parser.problem : "YAML error",
		         parser.context ? " " : "", parser.context ? parser.context : "");
		yaml_parser_delete(&parser);
		fclose(f);
		return -1;
	}
	yaml_node_t *root = yaml_document_get_root_node(&doc);
	if (root && root->type != YAML_MAPPING_NODE) {
		snprintf(err, errlen, "%s:%zu: the top level is not a mapping (expected \"galaxy:\")",
		         path, root->start_mark.line + 1);
		rc = -1;
	}
	for (yaml_node_pair_t *p = root && rc == 0 ? root->data.mapping.pairs.start : NULL;
	     p && p < root->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(&doc, p->key);
		yaml_node_t *v = yaml_document_get_node(&doc, p->value);
		if (!k || k->type != YAML_SCALAR_NODE || strcmp((char *)k->data.scalar.value, "galaxy"))
			continue;
		if (v->type == YAML_SCALAR_NODE && gc_yaml_null(v))
			continue;
		if (v->type != YAML_MAPPING_NODE) {
			snprintf(err, errlen, "%s:%zu: \"galaxy:\" is not a mapping",
			         path, v->start_mark.line + 1);
			rc = -1;
			break;
		}
		for (yaml_node_pair_t *q = v->data.mapping.pairs.start;
		     rc == 0 && q < v->data.mapping.pairs.top; q++)
			rc = gc_yaml_pair(gc, &doc, yaml_document_get_node(&doc, q->key),
			                  yaml_document_get_node(&doc, q->value), path);
		if (rc < 0)
			snprintf(err, errlen, "%s: out of memory", path);
	}
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	fclose(f);
	return rc;
}

/* ---- environment and the public functions ---- */

static int gc_ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Applies GALAXY_CONFIG_<KEY> (override 0: only unset keys) or
 * GALAXY_CONFIG_OVERRIDE_<KEY> (override 1: always). */
static int gc_read_env(struct galaxy_config *gc, int override)
{
	const char *prefix = override ? GC_ENV_OVERRIDE : GC_ENV_PREFIX;
	size_t pl = strlen(prefix);

	for (char **e = environ; e && *e; e++) {
		const char *eq = strchr(*e, '=');
		char name[512], key[512];
		size_t nl = eq ? (size_t)(eq - *e) : 0;

		if (!eq || nl <= pl || nl >= sizeof name || strncmp(*e, prefix, pl) != 0)
			continue;
		if (!override && strncmp(*e, GC_ENV_OVERRIDE, strlen(GC_ENV_OVERRIDE)) == 0)
			continue;
		memcpy(name, *e, nl);
		name[nl] = '\0';
		for (size_t i = pl; i <= nl; i++)
			key[i - pl] = (char)tolower((unsigned char)name[i]);
		if (!override && gc_find(gc, key))
			continue;
		if (gc_set(gc, key, eq + 1, name, 0) < 0)
			return -1;
	}
	return 0;
}

int galaxy_config_open(const char *path, struct galaxy_config **out,
                       char *err, size_t errlen)
{
	struct galaxy_config *gc = calloc(1, sizeof *gc);
	int rc = 0;

	*out = NULL;
	if (!gc) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (!path)
		rc = 0;
	else if (gc_ends_with(path, ".yml") || gc_ends_with(path, ".yaml") ||
	         gc_ends_with(path, ".yml.sample") || gc_ends_with(path, ".yaml.sample"))
		rc = gc_read_yaml(gc, path, err, errlen);
	else if (gc_ends_with(path, ".ini") || gc_ends_with(path, ".ini.sample"))
		rc = gc_read_ini(gc, path, err, errlen);
	else {
		snprintf(err, errlen, "%s: not a Galaxy config file: the name must end in "
		         ".yml, .yaml or .ini", path);
		rc = -1;
	}
	if (rc == 0 && (gc_read_env(gc, 0) < 0 || gc_read_env(gc, 1) < 0)) {
		snprintf(err, errlen, "out of memory");
		rc = -1;
	}
	if (rc < 0) {
		galaxy_config_free(gc);
		return -1;
	}
	*out = gc;
	return 0;
}

const char *galaxy_config_get(const struct galaxy_config *gc, const char *key)
{
	const struct gc_entry *e = gc ? gc_find(gc, key) : NULL;
	return e ? e->value : NULL;
}

const char *galaxy_config_source(const struct galaxy_config *gc, const char *key)
{
	const struct gc_entry *e = gc ? gc_find(gc, key) : NULL;
	return e ? e->source : NULL;
}

void galaxy_config_free(struct galaxy_config *gc)
{
	if (!gc)
		return;
	for (size_t i = 0; i < gc->n; i++) {
		free(gc->v[i].key);
		free(gc->v[i].value);
		free(gc->v[i].source);
		free(gc->v[i].expanded);
	}
	free(gc->v);
	free(gc);
}
