/*
 * cfg_types.h - what a row of cfg.c's table is made of, for cfg.c (the
 * rows, the post steps, reading and filling) and cfg_types.c (the types,
 * each a setter of one kind of value and what cfg_free() frees of it).
 * Only those two include it.
 */
#ifndef GC_CFG_TYPES_H
#define GC_CFG_TYPES_H

#include <stddef.h>

#include "cfg.h"

struct galaxy_config;

/* The state of one load, handed to every type's setter and post step. */
struct cfg_fill {
	struct cfg *c;              /* being filled */
	struct galaxy_config *gc;   /* Galaxy's config, opened by galaxy_config's post step */
	const char *file;           /* the [chat] file, or "(built-in defaults)" */
	const char *src;            /* where the current row's value came from */
	const char *member;         /* a CFG_FAMILY row's: the key's part after the row's name */
	char *err;
	size_t errlen;
};

struct cfg_key;

/* A type: parses a value of row k into its field of f->c (or writes a
 * message naming the key and f->src), and frees what the field holds. */
struct cfg_type {
	int (*set)(const struct cfg_key *k, const char *value, struct cfg_fill *f);
	void (*free)(const struct cfg_key *k, struct cfg *c);   /* NULL: nothing held */
};

/* One key: a row of cfg_keys[]. */
struct cfg_key {
	const char *name;           /* in [chat] */
	const struct cfg_type *type;
	size_t at;                  /* offsetof(struct cfg, the field) */
	size_t count_at;            /* CFG_LIST: offsetof its size_t count */
	long min, max;              /* CFG_INT, CFG_SIZE: the range */
	const char *const *names;   /* CFG_ENUM: the values, NULL-ended */
	const char *seps;           /* CFG_LIST: the separators */
	                            /* CFG_FAMILY: .name ends in ".", .count_at counts pairs */
	const char *def;            /* the default as text; NULL: the field stays 0 / NULL */
	const char *galaxy;         /* the Galaxy key that supplies it, or NULL */
	int (*post)(struct cfg_fill *f);   /* after the row is set; NULL: none */
};

/* The types, one per kind of value: the CFG_* macros below name them. */
extern const struct cfg_type cfg_t_string, cfg_t_int, cfg_t_size, cfg_t_yesno,
	cfg_t_galaxy_bool, cfg_t_rate, cfg_t_enum, cfg_t_list, cfg_t_family;

/* offsetof(struct cfg, field), and a compile-time warning ("comparison of
 * distinct pointer types") unless the field is a ctype. */
#define CFG_AT(field, ctype) \
	(offsetof(struct cfg, field) + 0 * sizeof((ctype *)0 == &((struct cfg *)0)->field))

#define CFG_STRING(field)        .type = &cfg_t_string, .at = CFG_AT(field, char *)
#define CFG_INT(field, lo, hi)   .type = &cfg_t_int, .at = CFG_AT(field, int), .min = (lo), .max = (hi)
#define CFG_SIZE(field, lo, hi)  .type = &cfg_t_size, .at = CFG_AT(field, size_t), .min = (lo), .max = (hi)
#define CFG_YESNO(field)         .type = &cfg_t_yesno, .at = CFG_AT(field, int)
#define CFG_GALAXY_BOOL(field)   .type = &cfg_t_galaxy_bool, .at = CFG_AT(field, int)
#define CFG_RATE(field)          .type = &cfg_t_rate, .at = CFG_AT(field, struct cfg_rate)
#define CFG_ENUM(field, list)    .type = &cfg_t_enum, .at = CFG_AT(field, int), .names = (list)
#define CFG_LIST(field, count, separators) .type = &cfg_t_list, .at = CFG_AT(field, char **), \
	.count_at = CFG_AT(count, size_t), .seps = (separators)
#define CFG_FAMILY(field, count) .type = &cfg_t_family, .at = CFG_AT(field, char **), \
	.count_at = CFG_AT(count, size_t)

/* Writes "<file>: out of memory" into f's err; -1. */
int cfg_oom(struct cfg_fill *f);

/* Splits a list on any of seps, stripping each item of white space and
 * dropping empty ones. Returns 0 and a new array (caller frees it with
 * cfg_free_list) or -1 on ENOMEM. */
int cfg_split(const char *list, const char *seps, char ***out, size_t *n);
void cfg_free_list(char **v, size_t n);

#endif
