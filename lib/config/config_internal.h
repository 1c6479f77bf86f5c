/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inside lib/config: the directive-table parser that config.c and
 * config_guards.c share. Not part of the module's contract.
 */
#ifndef WW_CONFIG_INTERNAL_H
#define WW_CONFIG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "config.h"

#define DIM(a) (sizeof(a) / sizeof((a)[0]))

struct parse_ctx {
	struct ww_config *cfg;
	struct ww_config_error *err;
	char path[sizeof(((struct ww_config_error *)0)->path)];
};

typedef int (*set_fn)(struct parse_ctx *ctx, json_t *value, void *target);

struct directive {
	const char *key;
	json_type type; /* JSON_TRUE stands for "a boolean" */
	bool required;
	set_fn set;
};

/* Short names inside the module, prefixed at link time. */
#define fail ww_cfg_fail
#define path_push ww_cfg_path_push
#define path_pop ww_cfg_path_pop
#define type_name ww_cfg_type_name
#define apply_directives ww_cfg_apply_directives
#define expect_object ww_cfg_expect_object
#define expect_string ww_cfg_expect_string
#define get_uint ww_cfg_get_uint
#define copy_name ww_cfg_copy_name

/** Record the error at the current path. @return -EINVAL. */
int __attribute__((format(printf, 2, 3)))
fail(struct parse_ctx *ctx, const char *fmt, ...);
/** Append ".key" or "[i]" to the path; @return the length to restore. */
size_t __attribute__((format(printf, 2, 3)))
path_push(struct parse_ctx *ctx, const char *fmt, ...);
void path_pop(struct parse_ctx *ctx, size_t len);
const char *type_name(json_type type);
/** Check every key of @p obj against @p table, then apply in table order. */
int apply_directives(struct parse_ctx *ctx, json_t *obj,
		     const struct directive *table, size_t n, void *target);
int expect_object(struct parse_ctx *ctx, json_t *value);
int expect_string(struct parse_ctx *ctx, json_t *value);
int get_uint(struct parse_ctx *ctx, json_t *value, json_int_t min,
	     json_int_t max, unsigned int *out);
int copy_name(struct parse_ctx *ctx, json_t *value, char *out);

/* config_guards.c */
int ww_cfg_set_guards(struct parse_ctx *ctx, json_t *value, void *target);
json_t *ww_cfg_guards_to_json(const struct ww_config *cfg);

/* config_http.c */
void ww_cfg_http_default(struct ww_config_http *h);
int ww_cfg_set_http(struct parse_ctx *ctx, json_t *value, void *target);
json_t *ww_cfg_http_to_json(const struct ww_config_http *h);

/* config_telemetry.c */
void ww_cfg_telemetry_default(struct ww_config_telemetry *t);
int ww_cfg_set_telemetry(struct parse_ctx *ctx, json_t *value, void *target);
json_t *ww_cfg_telemetry_to_json(const struct ww_config_telemetry *t);

#endif /* WW_CONFIG_INTERNAL_H */
