/*
 * cfg_types.c - the types of cfg.c's rows (cfg_types.h): for each kind of
 * value a setter that parses the text into the row's field of struct cfg,
 * writing a message that names the key and where the value came from when
 * it cannot, and what cfg_free() frees of the field.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cfg_types.h"

int cfg_oom(struct cfg_fill *f)
{
	snprintf(f->err, f->errlen, "%s: out of memory", f->file);
	return -1;
}

static void *cfg_field(struct cfg *c, size_t at)
{
	return (char *)c + at;
}

/* Splits a list on any of seps, stripping each item of white space and
 * dropping empty ones. Returns 0 and a new array (caller frees each string
 * and the array) or -1 on ENOMEM. */
int cfg_split(const char *list, const char *seps, char ***out, size_t *n)
{
	char **v = NULL;
	size_t cnt = 0;

	*out = NULL;
	*n = 0;
	for (const char *p = list; *p;) {
		size_t len = strcspn(p, seps);
		const char *s = p, *e = p + len;
		while (s < e && isspace((unsigned char)*s))
			s++;
		while (e > s && isspace((unsigned char)e[-1]))
			e--;
		if (e > s) {
			char **nv = realloc(v, (cnt + 1) * sizeof *v);
			if (!nv || !(nv[cnt] = strndup(s, (size_t)(e - s)))) {
				v = nv ? nv : v;
				while (cnt)
					free(v[--cnt]);
				free(v);
				return -1;
			}
			v = nv;
			cnt++;
		}
		p += len;
		if (*p)
			p++;
	}
	*out = v;
	*n = cnt;
	return 0;
}

void cfg_free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Galaxy's string_as_bool (lib/galaxy/util/__init__.py): true, yes, on
 * or 1 in any case is true; anything else, a typo too, is false. */
static int cfg_galaxy_bool(const char *value)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };

	for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
		if (strcasecmp(value, yes[i]) == 0)
			return 1;
	return 0;
}

/* ---- the types: a setter each, and what cfg_free() frees ---- */

static int cfg_set_string(const struct cfg_key *k, const char *value, struct cfg_fill *f)
{
	char **field = cfg_field(f->c, k->at);

	return (*field = strdup(value)) ? 0 : cfg_oom(f);
}

static void cfg_free_string(const struct cfg_key *k, struct cfg *c)
{
	free(*(char **)cfg_field(c, k->at));
}

/* A whole decimal number from k->min to k->max. */
static int cfg_whole(const struct cfg_key *k, const char *value, struct cfg_fill *f, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(value, &end, 10);
	if (end == value || *end || errno || *out < k->min || *out > k->max) {
		snprintf(f->err, f->errlen, "%s: %s must be a whole number from %ld to %ld, not \"%s\"",
		         f->src, k->name, k->min, k->max, value);
		return -1;
	}
	return 0;
}

static int cfg_set_int(const struct cfg_key *k, const char *value, struct cfg_fill *f)
{
	long v;

	if (cfg_whole(k, value, f, &v) < 0)
		return -1;
	*(int *)cfg_field(f->c, k->at) = (int)v;
	return 0;
}

static int cfg_set_size(const struct cfg_key *k, const char *value, struct cfg_fill *f)
{
	long v;

	if (cfg_whole(k, value, f, &v) < 0)
		return -1;
	*(size_t *)cfg_field(f->c, k->at) = (size_t)v;
	return 0;
}

/* yes/no, true/false, on/off, 1/0, in any case. */
static int cfg_set_yesno(const struct cfg_key *k, const char *value, struct cfg_fill *f)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < sizeof yes / sizeof *yes; i++) {
		if (strcasecmp(value, yes[i]) == 0 || strcasecmp(value, no[i]) == 0) {
			*(int *)cfg_field(f->c, k->at) = strcasecmp(value, yes[i]) == 0;
			return 0;
		}
	}
	snprintf(f->err, f->errlen, "%s: %s must be yes or no, not \"%s\"", f->src, k->name, value);
	return -1;
}

static int cfg_set_galaxy_bool(const struct cfg_key *k, const char *value, struct cfg_fill *f)
{
	*(int *)cfg_field(f->c, k->at) = cfg_galaxy_bool(value);
	return 0;
}

/* "COUNT/PERIOD" where PERIOD is seconds, optionally with a unit (s, m, h:
 * "20/10s", "30/1m"), or "off" / "0". */
static int cfg_set_rate(const struct cfg_key *k, const char *value, struct cfg_fill *f)
{
	struct cfg_rate *out = cfg_field(f->c, k->at);
	char *end;
	long count, period = 0;

	if (strcmp(value, "off") == 0 || strcmp(value, "0") == 0) {
		out->count = out->seconds = 0;
		return 0;
	}
	errno = 0;
	count = strtol(value, &end, 10);
	if (end != value && *end == '/' && count >= 1 && count <= 1000000 && !errno) {
		const char *p = end + 1;
		period = strtol(p, &end, 10);
		if (end == p || errno || period < 1 || period > 86400)
			period = 0;   /* also keeps the products below from overflowing */
		else if (strcmp(end, "m") == 0)
			period *= 60;
		else if (strcmp(end, "h") == 0)
			period *= 3600;
		else if (*end && strcmp(end, "s") != 0)
			period = 0;
	}
	if (period < 1 || period > 86400) {
		snprintf(f->err, f->errlen, "%s: %s must be COUNT/PERIOD such as 20/10s or 30/1m "
		         "(a period of at most one day), or off; not \"%s\"", f->src, k->name, value);
		return -1;
	}
	out->count = (int)count;
	out->seconds = (int)period;
	return 0;
}

/* One of k->names exactly, landing as its index. */
static int cfg_set_enum(const struct cfg_key *k, const char *value, struct cfg_fill *f)
{
	char names[256] = "";
	size_t len = 0;

	for (int i = 0; k->names[i]; i++) {
		if (strcmp(k->names[i], value) == 0) {
			*(int *)cfg_field(f->c, k->at) = i;
			return 0;
		}
	}
	for (size_t i = 0; k->names[i] && len < sizeof names; i++)   /* "a, b or c" */
		len += (size_t)snprintf(names + len, sizeof names - len, "%s%s",
		                        i == 0 ? "" : k->names[i + 1] ? ", " : " or ", k->names[i]);
	snprintf(f->err, f->errlen, "%s: %s must be %s, not \"%s\"", f->src, k->name, names, value);
	return -1;
}

static int cfg_set_list(const struct cfg_key *k, const char *value, struct cfg_fill *f)
{
	if (cfg_split(value, k->seps, cfg_field(f->c, k->at), cfg_field(f->c, k->count_at)) < 0)
		return cfg_oom(f);
	return 0;
}

static void cfg_free_list_field(const struct cfg_key *k, struct cfg *c)
{
	cfg_free_list(*(char ***)cfg_field(c, k->at), *(size_t *)cfg_field(c, k->count_at));
}

/* One key of a family: the pair (f->member, value) into the field's pairs
 * (an array of 2 * count strings), replacing one of the same member. */
static int cfg_set_family(const struct cfg_key *k, const char *value, struct cfg_fill *f)
{
	char ***pairs = cfg_field(f->c, k->at), *v = strdup(value), *m = NULL, **nv;
	size_t *n = cfg_field(f->c, k->count_at), i = 0;

	while (i < *n && strcmp((*pairs)[2 * i], f->member) != 0)
		i++;
	if (v && i < *n) {
		free((*pairs)[2 * i + 1]);
		(*pairs)[2 * i + 1] = v;
		return 0;
	}
	if (!v || !(m = strdup(f->member)) || !(nv = realloc(*pairs, (2 * *n + 2) * sizeof *nv))) {
		free(v);
		free(m);
		return cfg_oom(f);
	}
	nv[2 * *n] = m;
	nv[2 * *n + 1] = v;
	*pairs = nv;
	(*n)++;
	return 0;
}

static void cfg_free_family(const struct cfg_key *k, struct cfg *c)
{
	cfg_free_list(*(char ***)cfg_field(c, k->at), 2 * *(size_t *)cfg_field(c, k->count_at));
}

const struct cfg_type cfg_t_string = { cfg_set_string, cfg_free_string };
const struct cfg_type cfg_t_int = { cfg_set_int, NULL };
const struct cfg_type cfg_t_size = { cfg_set_size, NULL };
const struct cfg_type cfg_t_yesno = { cfg_set_yesno, NULL };
const struct cfg_type cfg_t_galaxy_bool = { cfg_set_galaxy_bool, NULL };
const struct cfg_type cfg_t_rate = { cfg_set_rate, NULL };
const struct cfg_type cfg_t_enum = { cfg_set_enum, NULL };
const struct cfg_type cfg_t_list = { cfg_set_list, cfg_free_list_field };
const struct cfg_type cfg_t_family = { cfg_set_family, cfg_free_family };
