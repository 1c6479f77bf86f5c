/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The "telemetry" section: flow records (on by default), their IPFIX
 * collectors, and where events are kept (the SQLite store, syslog).
 */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "config_internal.h"

void
ww_cfg_telemetry_default(struct ww_config_telemetry *t)
{
	memset(t, 0, sizeof(*t));
	t->flows = true;
	t->active_timeout_s = 60;
	t->idle_timeout_s = 30;
	t->max_untracked = 65536;
	t->ipfix_domain_id = 1;
	t->template_refresh_s = 60;
	t->event_store = true;
	t->event_max_rows = 1000000;
	t->event_max_age_s = 30 * 86400;
}

static int
endpoint(struct parse_ctx *ctx, json_t *value, char *out, size_t size)
{
	const char *text = json_string_value(value);
	const char *colon = strrchr(text, ':');

	if (colon == NULL || colon == text || colon[1] == '\0' ||
	    strlen(text) >= size || strspn(colon + 1, "0123456789") !=
	    strlen(colon + 1))
		return fail(ctx, "\"%s\" is not HOST:PORT (e.g. \"192.0.2.9:4739\" "
			    "or \"[2001:db8::9]:4739\")", text);
	snprintf(out, size, "%s", text);
	return 0;
}

#define T(target) ((struct ww_config_telemetry *)(target))

static int
set_flows_enabled(struct parse_ctx *ctx, json_t *v, void *target)
{
	T(target)->flows = json_is_true(v);
	return 0;
}

static int
set_active(struct parse_ctx *ctx, json_t *v, void *target)
{
	return get_uint(ctx, v, 1, 3600, &T(target)->active_timeout_s);
}

static int
set_idle(struct parse_ctx *ctx, json_t *v, void *target)
{
	return get_uint(ctx, v, 1, 86400, &T(target)->idle_timeout_s);
}

static int
set_untracked(struct parse_ctx *ctx, json_t *v, void *target)
{
	return get_uint(ctx, v, 64, 16 * 1024 * 1024, &T(target)->max_untracked);
}

static const struct directive flows_directives[] = {
	{ "enabled", JSON_TRUE, false, set_flows_enabled },
	{ "active_timeout_s", JSON_INTEGER, false, set_active },
	{ "idle_timeout_s", JSON_INTEGER, false, set_idle },
	{ "max_untracked", JSON_INTEGER, false, set_untracked },
};

static int
set_flows(struct parse_ctx *ctx, json_t *v, void *target)
{
	return apply_directives(ctx, v, flows_directives,
				DIM(flows_directives), target);
}

static int
set_collectors(struct parse_ctx *ctx, json_t *v, void *target)
{
	struct ww_config_telemetry *t = target;
	size_t i;
	json_t *item;

	if (json_array_size(v) > WW_COLLECTORS_MAX)
		return fail(ctx, "at most %d collectors", WW_COLLECTORS_MAX);
	json_array_foreach(v, i, item) {
		size_t mark = path_push(ctx, "[%zu]", i);

		if (expect_string(ctx, item) != 0 ||
		    endpoint(ctx, item, t->collectors[i],
			     sizeof(t->collectors[i])) != 0)
			return -EINVAL;
		path_pop(ctx, mark);
	}
	t->nb_collectors = (unsigned int)json_array_size(v);
	return 0;
}

static int
set_domain(struct parse_ctx *ctx, json_t *v, void *target)
{
	return get_uint(ctx, v, 0, UINT32_MAX, &T(target)->ipfix_domain_id);
}

static int
set_refresh(struct parse_ctx *ctx, json_t *v, void *target)
{
	return get_uint(ctx, v, 1, 86400, &T(target)->template_refresh_s);
}

static const struct directive ipfix_directives[] = {
	{ "collectors", JSON_ARRAY, true, set_collectors },
	{ "domain_id", JSON_INTEGER, false, set_domain },
	{ "template_refresh_s", JSON_INTEGER, false, set_refresh },
};

static int
set_ipfix(struct parse_ctx *ctx, json_t *v, void *target)
{
	return apply_directives(ctx, v, ipfix_directives,
				DIM(ipfix_directives), target);
}

static int
set_store(struct parse_ctx *ctx, json_t *v, void *target)
{
	T(target)->event_store = json_is_true(v);
	return 0;
}

static int
set_db(struct parse_ctx *ctx, json_t *v, void *target)
{
	const char *text = json_string_value(v);

	if (text[0] == '\0' || strlen(text) >= sizeof(T(target)->event_db))
		return fail(ctx, "expected a file path of 1 to %zu characters",
			    sizeof(T(target)->event_db) - 1);
	snprintf(T(target)->event_db, sizeof(T(target)->event_db), "%s", text);
	return 0;
}

static int
set_rows(struct parse_ctx *ctx, json_t *v, void *target)
{
	return get_uint(ctx, v, 100, 1000000000, &T(target)->event_max_rows);
}

static int
set_age(struct parse_ctx *ctx, json_t *v, void *target)
{
	return get_uint(ctx, v, 60, 10 * 365 * 86400,
			&T(target)->event_max_age_s);
}

static int
set_syslog(struct parse_ctx *ctx, json_t *v, void *target)
{
	return endpoint(ctx, v, T(target)->syslog, sizeof(T(target)->syslog));
}

static const struct directive events_directives[] = {
	{ "store", JSON_TRUE, false, set_store },
	{ "db", JSON_STRING, false, set_db },
	{ "max_rows", JSON_INTEGER, false, set_rows },
	{ "max_age_s", JSON_INTEGER, false, set_age },
	{ "syslog", JSON_STRING, false, set_syslog },
};

static int
set_events(struct parse_ctx *ctx, json_t *v, void *target)
{
	return apply_directives(ctx, v, events_directives,
				DIM(events_directives), target);
}

static const struct directive telemetry_directives[] = {
	{ "flows", JSON_OBJECT, false, set_flows },
	{ "ipfix", JSON_OBJECT, false, set_ipfix },
	{ "events", JSON_OBJECT, false, set_events },
};

int
ww_cfg_set_telemetry(struct parse_ctx *ctx, json_t *value, void *target)
{
	struct ww_config *cfg = target;

	return apply_directives(ctx, value, telemetry_directives,
				DIM(telemetry_directives), &cfg->telemetry);
}

json_t *
ww_cfg_telemetry_to_json(const struct ww_config_telemetry *t)
{
	json_t *collectors = json_array();
	json_t *events = json_pack("{s:b, s:i, s:i}", "store", t->event_store,
				   "max_rows", (int)t->event_max_rows,
				   "max_age_s", (int)t->event_max_age_s);
	json_t *obj = json_pack("{s:{s:b, s:i, s:i, s:i}}", "flows",
				"enabled", t->flows,
				"active_timeout_s", (int)t->active_timeout_s,
				"idle_timeout_s", (int)t->idle_timeout_s,
				"max_untracked", (int)t->max_untracked);

	for (unsigned int i = 0; i < t->nb_collectors; i++)
		json_array_append_new(collectors, json_string(t->collectors[i]));
	if (t->nb_collectors != 0)
		json_object_set_new(obj, "ipfix", json_pack("{s:o, s:I, s:i}",
			"collectors", collectors, "domain_id",
			(json_int_t)t->ipfix_domain_id, "template_refresh_s",
			(int)t->template_refresh_s));
	else
		json_decref(collectors);
	if (t->event_db[0] != '\0')
		json_object_set_new(events, "db", json_string(t->event_db));
	if (t->syslog[0] != '\0')
		json_object_set_new(events, "syslog", json_string(t->syslog));
	json_object_set_new(obj, "events", events);
	return obj;
}
