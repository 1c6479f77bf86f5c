/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Configuration: a directive table per JSON object (as nginx's
 * ngx_command_t): key, type, whether required, setter. Keys are applied in
 * table order, so a table lists what others depend on first (ports before
 * the bridges that name them) whatever order the document uses.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "config_internal.h"

#define CONFIG_FILE_MAX (64u * 1024 * 1024) /* room for block-list feeds */

int __attribute__((format(printf, 2, 3)))
fail(struct parse_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	if (ctx->err == NULL)
		return -EINVAL;
	snprintf(ctx->err->path, sizeof(ctx->err->path), "%s", ctx->path);
	va_start(ap, fmt);
	vsnprintf(ctx->err->message, sizeof(ctx->err->message), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* Append ".key" or "[i]" to the current path; returns the length to restore. */
size_t __attribute__((format(printf, 2, 3)))
path_push(struct parse_ctx *ctx, const char *fmt, ...)
{
	size_t len = strlen(ctx->path);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ctx->path + len, sizeof(ctx->path) - len, fmt, ap);
	va_end(ap);
	return len;
}

void
path_pop(struct parse_ctx *ctx, size_t len)
{
	ctx->path[len] = '\0';
}

const char *
type_name(json_type type)
{
	switch (type) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number with a fraction";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	case JSON_NULL: return "null";
	}
	return "an unknown type";
}

static bool
type_matches(json_type want, const json_t *value)
{
	if (want == JSON_TRUE)
		return json_is_boolean(value);
	return json_typeof(value) == want;
}

static const struct directive *
find_directive(const struct directive *table, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(table[i].key, key) == 0)
			return &table[i];
	return NULL;
}

static int
reject_unknown_key(struct parse_ctx *ctx, const char *key,
		   const struct directive *table, size_t n)
{
	char expected[192] = "";
	size_t used = 0;

	for (size_t i = 0; i < n && used < sizeof(expected); i++)
		used += snprintf(expected + used, sizeof(expected) - used,
				 "%s%s", i ? ", " : "", table[i].key);
	return fail(ctx, "unknown key \"%s\" (expected one of: %s)", key,
		    expected);
}

/* Check every key of @p obj against @p table, then apply them in table order. */
int
apply_directives(struct parse_ctx *ctx, json_t *obj,
		 const struct directive *table, size_t n, void *target)
{
	const char *key;
	json_t *value;
	int ret;

	json_object_foreach(obj, key, value)
		if (find_directive(table, n, key) == NULL)
			return reject_unknown_key(ctx, key, table, n);

	for (size_t i = 0; i < n; i++) {
		value = json_object_get(obj, table[i].key);
		if (value == NULL) {
			if (table[i].required)
				return fail(ctx, "missing required key \"%s\"",
					    table[i].key);
			continue;
		}
		size_t mark = path_push(ctx, ".%s", table[i].key);
		if (!type_matches(table[i].type, value))
			return fail(ctx, "expected %s, got %s",
				    type_name(table[i].type),
				    type_name(json_typeof(value)));
		ret = table[i].set(ctx, value, target);
		if (ret < 0)
			return ret;
		path_pop(ctx, mark);
	}
	return 0;
}

int
expect_object(struct parse_ctx *ctx, json_t *value)
{
	if (!json_is_object(value))
		return fail(ctx, "expected an object, got %s",
			    type_name(json_typeof(value)));
	return 0;
}

int
expect_string(struct parse_ctx *ctx, json_t *value)
{
	if (!json_is_string(value))
		return fail(ctx, "expected a string, got %s",
			    type_name(json_typeof(value)));
	return 0;
}

int
get_uint(struct parse_ctx *ctx, json_t *value, json_int_t min, json_int_t max,
	 unsigned int *out)
{
	json_int_t v = json_integer_value(value);

	if (v < min || v > max)
		return fail(ctx, "%lld is out of range (%lld..%lld)",
			    (long long)v, (long long)min, (long long)max);
	*out = (unsigned int)v;
	return 0;
}

int
copy_name(struct parse_ctx *ctx, json_t *value, char *out)
{
	const char *s = json_string_value(value);
	size_t len = strlen(s);

	if (len == 0 || len >= WW_NAME_MAX)
		return fail(ctx, "name must be 1 to %d characters, got %zu",
			    WW_NAME_MAX - 1, len);
	if (strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		      "0123456789_.-") != len)
		return fail(ctx, "name \"%s\" may hold only letters, digits, "
			    "'_', '.' and '-'", s);
	memcpy(out, s, len + 1);
	return 0;
}

/* ---- ports ---- */

static int
set_port_name(struct parse_ctx *ctx, json_t *value, void *target)
{
	return copy_name(ctx, value, ((struct ww_config_port *)target)->name);
}

static int
set_port_device(struct parse_ctx *ctx, json_t *value, void *target)
{
	struct ww_config_port *port = target;
	const char *s = json_string_value(value);
	size_t len = strlen(s);

	if (len == 0 || len >= WW_DEVICE_MAX)
		return fail(ctx, "device must be 1 to %d characters, got %zu",
			    WW_DEVICE_MAX - 1, len);
	if (strchr(s, ' ') != NULL)
		return fail(ctx, "device \"%s\" contains a space; expected a "
			    "PCI address or a vdev string such as "
			    "\"net_pcap0,rx_pcap=in.pcap\"", s);
	memcpy(port->device, s, len + 1);
	return 0;
}

static const struct directive port_directives[] = {
	{ "name", JSON_STRING, true, set_port_name },
	{ "device", JSON_STRING, true, set_port_device },
};

/* The part of a device string before its first comma: the device's name. */
static size_t
device_name_len(const char *device)
{
	return strcspn(device, ",");
}

static int
check_port_unique(struct parse_ctx *ctx, unsigned int idx)
{
	const struct ww_config_port *p = &ctx->cfg->ports[idx];

	for (unsigned int i = 0; i < idx; i++) {
		const struct ww_config_port *q = &ctx->cfg->ports[i];
		size_t n = device_name_len(p->device);

		if (strcmp(q->name, p->name) == 0)
			return fail(ctx, "port name \"%s\" is already used by "
				    "$.ports[%u]", p->name, i);
		if (n == device_name_len(q->device) &&
		    strncmp(q->device, p->device, n) == 0)
			return fail(ctx, "device \"%.*s\" is already used by "
				    "$.ports[%u]", (int)n, p->device, i);
	}
	return 0;
}

static int
set_ports(struct parse_ctx *ctx, json_t *value, void *target)
{
	struct ww_config *cfg = target;
	size_t i;
	json_t *item;
	int ret;

	if (json_array_size(value) == 0 || json_array_size(value) > WW_MAX_PORTS)
		return fail(ctx, "expected 1 to %d ports, got %zu",
			    WW_MAX_PORTS, json_array_size(value));
	json_array_foreach(value, i, item) {
		size_t mark = path_push(ctx, "[%zu]", i);

		ret = expect_object(ctx, item);
		if (ret == 0)
			ret = apply_directives(ctx, item, port_directives,
					       DIM(port_directives),
					       &cfg->ports[i]);
		cfg->nb_ports = i + 1;
		if (ret == 0)
			ret = check_port_unique(ctx, i);
		if (ret < 0)
			return ret;
		path_pop(ctx, mark);
	}
	return 0;
}

/* ---- bridges ---- */

static int
resolve_port(struct parse_ctx *ctx, json_t *value, uint16_t *out)
{
	int idx;
	int ret = expect_string(ctx, value);

	if (ret < 0)
		return ret;
	idx = ww_config_port_index(ctx->cfg, json_string_value(value));
	if (idx < 0)
		return fail(ctx, "no port named \"%s\" in $.ports",
			    json_string_value(value));
	*out = (uint16_t)idx;
	return 0;
}

static int
set_bridge_name(struct parse_ctx *ctx, json_t *value, void *target)
{
	return copy_name(ctx, value, ((struct ww_config_bridge *)target)->name);
}

static int
check_port_free(struct parse_ctx *ctx, const struct ww_config_bridge *self,
		uint16_t port)
{
	for (unsigned int b = 0; b < ctx->cfg->nb_bridges; b++) {
		const struct ww_config_bridge *other = &ctx->cfg->bridges[b];

		if (other == self)
			break;
		if (other->port[0] == port || other->port[1] == port)
			return fail(ctx, "port \"%s\" is already in bridge "
				    "\"%s\"", ctx->cfg->ports[port].name,
				    other->name);
	}
	return 0;
}

static int
set_bridge_ports(struct parse_ctx *ctx, json_t *value, void *target)
{
	struct ww_config_bridge *br = target;
	int ret;

	if (json_array_size(value) != 2)
		return fail(ctx, "a bridge joins exactly 2 ports, got %zu",
			    json_array_size(value));
	for (size_t i = 0; i < 2; i++) {
		size_t mark = path_push(ctx, "[%zu]", i);

		ret = resolve_port(ctx, json_array_get(value, i), &br->port[i]);
		if (ret == 0)
			ret = check_port_free(ctx, br, br->port[i]);
		if (ret < 0)
			return ret;
		path_pop(ctx, mark);
	}
	if (br->port[0] == br->port[1])
		return fail(ctx, "a bridge joins two different ports, got "
			    "\"%s\" twice", ctx->cfg->ports[br->port[0]].name);
	return 0;
}

static int
set_bridge_protected(struct parse_ctx *ctx, json_t *value, void *target)
{
	struct ww_config_bridge *br = target;
	const char *name = json_string_value(value);

	for (int side = 0; side < 2; side++)
		if (strcmp(ctx->cfg->ports[br->port[side]].name, name) == 0) {
			br->protected_side = side;
			return 0;
		}
	return fail(ctx, "\"%s\" is not one of this bridge's ports (\"%s\", "
		    "\"%s\")", name, ctx->cfg->ports[br->port[0]].name,
		    ctx->cfg->ports[br->port[1]].name);
}

/* Listed after "ports": "protected" names one of them. */
static const struct directive bridge_directives[] = {
	{ "name", JSON_STRING, true, set_bridge_name },
	{ "ports", JSON_ARRAY, true, set_bridge_ports },
	{ "protected", JSON_STRING, false, set_bridge_protected },
};

static int
check_bridge_unique(struct parse_ctx *ctx, unsigned int idx)
{
	for (unsigned int i = 0; i < idx; i++)
		if (strcmp(ctx->cfg->bridges[i].name,
			   ctx->cfg->bridges[idx].name) == 0)
			return fail(ctx, "bridge name \"%s\" is already used "
				    "by $.bridges[%u]",
				    ctx->cfg->bridges[idx].name, i);
	return 0;
}

static int
set_bridges(struct parse_ctx *ctx, json_t *value, void *target)
{
	struct ww_config *cfg = target;
	size_t i;
	json_t *item;
	int ret;

	if (json_array_size(value) > WW_MAX_BRIDGES)
		return fail(ctx, "at most %d bridges, got %zu", WW_MAX_BRIDGES,
			    json_array_size(value));
	json_array_foreach(value, i, item) {
		size_t mark = path_push(ctx, "[%zu]", i);

		cfg->bridges[i].protected_side = -1;
		cfg->nb_bridges = i + 1;
		ret = expect_object(ctx, item);
		if (ret == 0)
			ret = apply_directives(ctx, item, bridge_directives,
					       DIM(bridge_directives),
					       &cfg->bridges[i]);
		if (ret == 0)
			ret = check_bridge_unique(ctx, i);
		if (ret < 0)
			return ret;
		path_pop(ctx, mark);
	}
	return 0;
}


/* ---- rules ---- */

int
ww_config_check_rule(const struct ww_config *cfg, const struct ww_rule *r,
		     bool in_group, char *msg, size_t size)
{
	if (in_group && r->action != WW_RULE_ACCEPT) {
		snprintf(msg, size, "a security group holds allow rules only; "
			 "this rule's action is %s (put drop and reject rules "
			 "in $.rules)", ww_rule_action_name(r->action));
		return -EINVAL;
	}
	if (in_group && r->iif[0] != '\0') {
		snprintf(msg, size, "a security group rule takes no iif: the "
			 "group applies to what enters the protected side");
		return -EINVAL;
	}
	if (r->iif[0] != '\0' && ww_config_port_index(cfg, r->iif) < 0) {
		snprintf(msg, size, "iif \"%s\": no port of that name in $.ports",
			 r->iif);
		return -EINVAL;
	}
	if (ww_rule_check_size(r) != 0) {
		snprintf(msg, size, "the rule's sets expand to too many "
			 "combinations (at most 4096): split it");
		return -EINVAL;
	}
	return 0;
}

/* One rule: a string (text form) or an object (JSON form). */
static int
parse_rule(struct parse_ctx *ctx, json_t *value, bool in_group,
	   struct ww_config_rule *out)
{
	struct ww_rule_error rerr;
	char msg[256];

	if (!json_is_string(value) && !json_is_object(value))
		return fail(ctx, "expected a rule as a string or an object, "
			    "got %s", type_name(json_typeof(value)));
	if (ww_rule_from_json(value, &out->rule, &rerr) != 0) {
		if (rerr.column > 0)
			return fail(ctx, "column %d: %s", rerr.column,
				    rerr.message);
		path_push(ctx, "%s", rerr.path);
		return fail(ctx, "%s", rerr.message);
	}
	if (ww_config_check_rule(ctx->cfg, &out->rule, in_group, msg,
				 sizeof(msg)) != 0)
		return fail(ctx, "%s", msg);
	out->handle = ctx->cfg->next_handle++;
	return 0;
}

static int
parse_rule_array(struct parse_ctx *ctx, json_t *value, bool in_group,
		 struct ww_config_rule **rules, unsigned int *nb)
{
	size_t i, n = json_array_size(value);
	json_t *item;
	int ret;

	if (n > WW_RULES_MAX)
		return fail(ctx, "at most %d rules, got %zu", WW_RULES_MAX, n);
	if (n == 0)
		return 0;
	*rules = calloc(n, sizeof(**rules));
	if (*rules == NULL)
		return fail(ctx, "out of memory for %zu rules", n);
	json_array_foreach(value, i, item) {
		size_t mark = path_push(ctx, "[%zu]", i);

		ret = parse_rule(ctx, item, in_group, &(*rules)[i]);
		if (ret < 0)
			return ret;
		*nb = i + 1;
		path_pop(ctx, mark);
	}
	return 0;
}

static int
set_rules(struct parse_ctx *ctx, json_t *value, void *target)
{
	struct ww_config *cfg = target;

	return parse_rule_array(ctx, value, false, &cfg->rules, &cfg->nb_rules);
}

/* ---- security groups ---- */

static int
set_sg_name(struct parse_ctx *ctx, json_t *value, void *target)
{
	return copy_name(ctx, value, ((struct ww_config_sg *)target)->name);
}

static int
set_sg_bridge(struct parse_ctx *ctx, json_t *value, void *target)
{
	struct ww_config_sg *sg = target;
	const char *name = json_string_value(value);

	for (unsigned int b = 0; b < ctx->cfg->nb_bridges; b++) {
		if (strcmp(ctx->cfg->bridges[b].name, name) != 0)
			continue;
		if (ctx->cfg->bridges[b].protected_side < 0)
			return fail(ctx, "bridge \"%s\" has no protected side: "
				    "set $.bridges[%u].protected to the port "
				    "the group protects", name, b);
		sg->bridge = b;
		return 0;
	}
	return fail(ctx, "no bridge named \"%s\" in $.bridges", name);
}

static int
set_sg_rules(struct parse_ctx *ctx, json_t *value, void *target)
{
	struct ww_config_sg *sg = target;

	return parse_rule_array(ctx, value, true, &sg->rules, &sg->nb_rules);
}

static const struct directive sg_directives[] = {
	{ "name", JSON_STRING, true, set_sg_name },
	{ "bridge", JSON_STRING, true, set_sg_bridge },
	{ "rules", JSON_ARRAY, true, set_sg_rules },
};

static int
set_security_groups(struct parse_ctx *ctx, json_t *value, void *target)
{
	struct ww_config *cfg = target;
	size_t i, n = json_array_size(value);
	json_t *item;
	int ret;

	if (n > WW_SG_MAX)
		return fail(ctx, "at most %d security groups, got %zu",
			    WW_SG_MAX, n);
	if (n == 0)
		return 0;
	cfg->sgs = calloc(n, sizeof(*cfg->sgs));
	if (cfg->sgs == NULL)
		return fail(ctx, "out of memory");
	json_array_foreach(value, i, item) {
		size_t mark = path_push(ctx, "[%zu]", i);

		cfg->nb_sgs = i + 1;
		ret = expect_object(ctx, item);
		if (ret == 0)
			ret = apply_directives(ctx, item, sg_directives,
					       DIM(sg_directives), &cfg->sgs[i]);
		if (ret == 0 && ww_config_sg_index(cfg, cfg->sgs[i].name) !=
				(int)i)
			ret = fail(ctx, "security group name \"%s\" is already "
				   "used", cfg->sgs[i].name);
		if (ret < 0)
			return ret;
		path_pop(ctx, mark);
	}
	return 0;
}

/* ---- conntrack ---- */

static int
set_ct_max_flows(struct parse_ctx *ctx, json_t *value, void *target)
{
	return get_uint(ctx, value, 1, 16 * 1024 * 1024,
			&((struct ww_ct_config *)target)->max_flows);
}

static int
set_ct_full_policy(struct parse_ctx *ctx, json_t *value, void *target)
{
	struct ww_ct_config *ct = target;
	const char *s = json_string_value(value);

	if (strcmp(s, "drop-new") == 0)
		ct->full_policy = WW_CT_FULL_DROP_NEW;
	else if (strcmp(s, "early-drop") == 0)
		ct->full_policy = WW_CT_FULL_EARLY_DROP;
	else
		return fail(ctx, "unknown policy \"%s\" (expected \"drop-new\" "
			    "or \"early-drop\")", s);
	return 0;
}

static int
set_ct_strict(struct parse_ctx *ctx, json_t *value, void *target)
{
	((struct ww_ct_config *)target)->strict = json_is_true(value);
	return 0;
}

static int
set_ct_timeouts(struct parse_ctx *ctx, json_t *value, void *target)
{
	struct ww_ct_config *ct = target;
	const char *key;
	json_t *v;

	json_object_foreach(value, key, v) {
		unsigned int s;
		size_t mark = path_push(ctx, ".%s", key);

		for (s = 0; s < WW_CT_FS_MAX; s++)
			if (strcmp(ww_ct_timeout_key(s), key) == 0)
				break;
		if (s == WW_CT_FS_MAX) {
			char expected[256] = "";
			size_t used = 0;

			for (unsigned int k = 0; k < WW_CT_FS_MAX; k++)
				used += snprintf(expected + used,
					sizeof(expected) - used, "%s%s",
					k ? ", " : "", ww_ct_timeout_key(k));
			return fail(ctx, "unknown timeout \"%s\" (expected one "
				    "of: %s)", key, expected);
		}
		if (!json_is_integer(v))
			return fail(ctx, "expected an integer (seconds), got %s",
				    type_name(json_typeof(v)));
		if (get_uint(ctx, v, 1, 30 * 86400, &ct->timeout_s[s]) != 0)
			return -EINVAL;
		path_pop(ctx, mark);
	}
	return 0;
}

static int
set_ct_enabled(struct parse_ctx *ctx, json_t *value, void *target)
{
	((struct ww_ct_config *)target)->enabled = json_is_true(value);
	return 0;
}

static const struct directive ct_directives[] = {
	{ "enabled", JSON_TRUE, false, set_ct_enabled },
	{ "max_flows", JSON_INTEGER, false, set_ct_max_flows },
	{ "full_policy", JSON_STRING, false, set_ct_full_policy },
	{ "strict", JSON_TRUE, false, set_ct_strict },
	{ "timeouts", JSON_OBJECT, false, set_ct_timeouts },
};

static int
set_conntrack(struct parse_ctx *ctx, json_t *value, void *target)
{
	struct ww_config *cfg = target;

	return apply_directives(ctx, value, ct_directives, DIM(ct_directives),
				&cfg->conntrack);
}

/* ---- top level ---- */

static int
set_workers(struct parse_ctx *ctx, json_t *value, void *target)
{
	return get_uint(ctx, value, 1, WW_MAX_WORKERS,
			&((struct ww_config *)target)->workers);
}

static int
set_mbufs(struct parse_ctx *ctx, json_t *value, void *target)
{
	return get_uint(ctx, value, WW_MBUFS_MIN, WW_MBUFS_MAX,
			&((struct ww_config *)target)->mbufs);
}

static int
set_revision(struct parse_ctx *ctx, json_t *value, void *target)
{
	json_int_t v = json_integer_value(value);

	if (v < 0)
		return fail(ctx, "expected a revision >= 0, got %lld",
			    (long long)v);
	((struct ww_config *)target)->revision = (uint64_t)v;
	return 0;
}

static const struct directive top_directives[] = {
	{ "workers", JSON_INTEGER, false, set_workers },
	{ "mbufs", JSON_INTEGER, false, set_mbufs },
	{ "ports", JSON_ARRAY, true, set_ports },
	{ "bridges", JSON_ARRAY, false, set_bridges },
	{ "conntrack", JSON_OBJECT, false, set_conntrack },
	{ "rules", JSON_ARRAY, false, set_rules },
	{ "security_groups", JSON_ARRAY, false, set_security_groups },
	{ "guards", JSON_OBJECT, false, ww_cfg_set_guards },
	{ "http", JSON_OBJECT, false, ww_cfg_set_http },
	{ "telemetry", JSON_OBJECT, false, ww_cfg_set_telemetry },
	{ "revision", JSON_INTEGER, false, set_revision },
};

static void
syntax_error(struct ww_config_error *err, const json_error_t *jerr)
{
	if (err == NULL)
		return;
	err->path[0] = '\0';
	err->line = jerr->line;
	err->column = jerr->column;
	snprintf(err->message, sizeof(err->message), "invalid JSON: %s",
		 jerr->text);
}

int
ww_config_parse(const char *text, const char *origin, struct ww_config *cfg,
		struct ww_config_error *err)
{
	struct ww_config tmp;
	struct parse_ctx ctx = { .cfg = &tmp, .err = err, .path = "$" };
	json_error_t jerr;
	json_t *doc;
	int ret;

	if (err != NULL) {
		memset(err, 0, sizeof(*err));
		snprintf(err->origin, sizeof(err->origin), "%s", origin);
	}
	doc = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
	if (doc == NULL) {
		syntax_error(err, &jerr);
		return -EINVAL;
	}
	memset(&tmp, 0, sizeof(tmp));
	tmp.workers = 1;
	tmp.next_handle = 1;
	ww_ct_config_default(&tmp.conntrack);
	tmp.conntrack.enabled = true;
	/* Thresholds have defaults; a guard is on when the document names it
	 * (its "enabled" may still say no), so a plain bridge stays plain. */
	ww_guard_config_default(&tmp.guards);
	tmp.guards.arp.enabled = tmp.guards.icmp.enabled = false;
	tmp.guards.blocklist.enabled = tmp.guards.scan.enabled = false;
	tmp.guards.rate.enabled = tmp.guards.synflood.enabled = false;
	tmp.guards.http.enabled = false;
	ww_cfg_http_default(&tmp.http);
	ww_cfg_telemetry_default(&tmp.telemetry);
	ret = expect_object(&ctx, doc);
	if (ret == 0)
		ret = apply_directives(&ctx, doc, top_directives,
				       DIM(top_directives), &tmp);
	json_decref(doc);
	if (ret == 0)
		*cfg = tmp;
	else
		ww_config_free(&tmp);
	return ret;
}

static int
file_error(struct ww_config_error *err, const char *path, int errnum)
{
	if (err != NULL) {
		memset(err, 0, sizeof(*err));
		snprintf(err->origin, sizeof(err->origin), "%s", path);
		snprintf(err->message, sizeof(err->message),
			 "cannot read the file: %s", strerror(errnum));
	}
	return -errnum;
}

/* The whole file as a NUL-terminated string, or NULL with errno set. */
static char *
read_text(const char *path)
{
	FILE *f = fopen(path, "r");
	char *text = NULL;
	long size;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0) {
		if ((unsigned long)size > CONFIG_FILE_MAX)
			errno = EFBIG;
		else if ((text = malloc(size + 1)) != NULL &&
			 fread(text, 1, size, f) == (size_t)size)
			text[size] = '\0';
		else if (text != NULL) {
			free(text);
			text = NULL;
			errno = EIO;
		}
	}
	fclose(f);
	return text;
}

int
ww_config_load_file(const char *path, struct ww_config *cfg,
		    struct ww_config_error *err)
{
	char *text = read_text(path);
	int ret;

	if (text == NULL)
		return file_error(err, path, errno ? errno : EIO);
	ret = ww_config_parse(text, path, cfg, err);
	free(text);
	return ret;
}

int
ww_config_error_format(const struct ww_config_error *err, char *buf,
		       size_t size)
{
	if (err->line > 0)
		return snprintf(buf, size, "%s:%d:%d: %s", err->origin,
				err->line, err->column, err->message);
	if (err->path[0] == '\0')
		return snprintf(buf, size, "%s: %s", err->origin, err->message);
	return snprintf(buf, size, "%s: %s: %s", err->origin, err->path,
			err->message);
}

/* Rules as their text form: what an operator would have written. */
static json_t *
rules_to_json(const struct ww_config_rule *rules, unsigned int n)
{
	json_t *arr = json_array();
	char text[WW_RULE_TEXT_MAX];

	for (unsigned int i = 0; i < n; i++) {
		ww_rule_format(&rules[i].rule, text, sizeof(text));
		json_array_append_new(arr, json_string(text));
	}
	return arr;
}

static json_t *
sgs_to_json(const struct ww_config *cfg)
{
	json_t *arr = json_array();

	for (unsigned int i = 0; i < cfg->nb_sgs; i++) {
		const struct ww_config_sg *sg = &cfg->sgs[i];

		json_array_append_new(arr, json_pack("{s:s, s:s, s:o}",
			"name", sg->name,
			"bridge", cfg->bridges[sg->bridge].name,
			"rules", rules_to_json(sg->rules, sg->nb_rules)));
	}
	return arr;
}

static json_t *
conntrack_to_json(const struct ww_ct_config *ct)
{
	json_t *timeouts = json_object();

	for (unsigned int s = 0; s < WW_CT_FS_MAX; s++)
		json_object_set_new(timeouts, ww_ct_timeout_key(s),
				    json_integer(ct->timeout_s[s]));
	return json_pack("{s:b, s:i, s:s, s:b, s:o}", "enabled", ct->enabled,
		"max_flows", ct->max_flows,
		"full_policy", ct->full_policy == WW_CT_FULL_EARLY_DROP ?
			       "early-drop" : "drop-new",
		"strict", ct->strict, "timeouts", timeouts);
}

json_t *
ww_config_to_json(const struct ww_config *cfg)
{
	json_t *ports = json_array(), *bridges = json_array();

	for (unsigned int i = 0; i < cfg->nb_ports; i++)
		json_array_append_new(ports, json_pack("{s:s, s:s}",
			"name", cfg->ports[i].name,
			"device", cfg->ports[i].device));
	for (unsigned int i = 0; i < cfg->nb_bridges; i++) {
		const struct ww_config_bridge *br = &cfg->bridges[i];
		json_t *obj = json_pack("{s:s, s:[s,s]}", "name", br->name,
			"ports", cfg->ports[br->port[0]].name,
			cfg->ports[br->port[1]].name);

		if (br->protected_side >= 0)
			json_object_set_new(obj, "protected", json_string(
				cfg->ports[br->port[br->protected_side]].name));
		json_array_append_new(bridges, obj);
	}
	json_t *doc = json_pack("{s:I, s:o, s:o}", "workers",
				(json_int_t)cfg->workers, "ports", ports,
				"bridges", bridges);
	if (cfg->mbufs != 0)
		json_object_set_new(doc, "mbufs", json_integer(cfg->mbufs));
	json_object_set_new(doc, "conntrack", conntrack_to_json(&cfg->conntrack));
	json_object_set_new(doc, "rules", rules_to_json(cfg->rules,
							cfg->nb_rules));
	json_object_set_new(doc, "security_groups", sgs_to_json(cfg));
	json_object_set_new(doc, "guards", ww_cfg_guards_to_json(cfg));
	json_object_set_new(doc, "http", ww_cfg_http_to_json(&cfg->http));
	json_object_set_new(doc, "telemetry",
			    ww_cfg_telemetry_to_json(&cfg->telemetry));
	if (cfg->revision != 0)
		json_object_set_new(doc, "revision",
				    json_integer((json_int_t)cfg->revision));
	return doc;
}

void
ww_config_free(struct ww_config *cfg)
{
	for (unsigned int i = 0; cfg->sgs != NULL && i < cfg->nb_sgs; i++)
		free(cfg->sgs[i].rules);
	free(cfg->sgs);
	free(cfg->rules);
	free(cfg->bl);
	ww_guard_config_release(&cfg->guards);
	cfg->sgs = NULL;
	cfg->rules = NULL;
	cfg->bl = NULL;
	cfg->nb_sgs = cfg->nb_rules = cfg->nb_bl = 0;
}

static void *
dup_array(const void *src, size_t n, size_t elem, bool *failed)
{
	void *dst;

	if (n == 0 || src == NULL)
		return NULL;
	dst = malloc(n * elem);
	if (dst == NULL)
		*failed = true;
	else
		memcpy(dst, src, n * elem);
	return dst;
}

int
ww_config_copy(struct ww_config *dst, const struct ww_config *src)
{
	struct ww_config tmp = *src;
	bool failed = false;

	tmp.rules = dup_array(src->rules, src->nb_rules, sizeof(*src->rules),
			      &failed);
	tmp.bl = dup_array(src->bl, src->nb_bl, sizeof(*src->bl), &failed);
	tmp.sgs = dup_array(src->sgs, src->nb_sgs, sizeof(*src->sgs), &failed);
	for (unsigned int i = 0; tmp.sgs != NULL && i < tmp.nb_sgs; i++)
		tmp.sgs[i].rules = dup_array(src->sgs[i].rules,
					     src->sgs[i].nb_rules,
					     sizeof(*src->sgs[i].rules), &failed);
	if (tmp.sgs == NULL)
		tmp.nb_sgs = 0;
	memset(&tmp.guards, 0, sizeof(tmp.guards));
	if (ww_guard_config_copy(&tmp.guards, &src->guards) != 0)
		failed = true;
	if (failed) {
		ww_config_free(&tmp);
		return -ENOMEM;
	}
	*dst = tmp;
	return 0;
}

/* First difference in what only a restart can change, as a JSON path. */
static const char *
restart_only_diff(const struct ww_config *a, const struct ww_config *b)
{
	if (a->nb_ports != b->nb_ports ||
	    memcmp(a->ports, b->ports, sizeof(a->ports[0]) * a->nb_ports) != 0)
		return "$.ports";
	if (a->nb_bridges != b->nb_bridges ||
	    memcmp(a->bridges, b->bridges,
		   sizeof(a->bridges[0]) * a->nb_bridges) != 0)
		return "$.bridges";
	if (a->workers != b->workers)
		return "$.workers";
	if (a->mbufs != b->mbufs)
		return "$.mbufs";
	if (a->conntrack.enabled != b->conntrack.enabled)
		return "$.conntrack.enabled";
	if (a->conntrack.max_flows != b->conntrack.max_flows)
		return "$.conntrack.max_flows";
	if (a->guards.blocklist.max_entries != b->guards.blocklist.max_entries)
		return "$.guards.blocklist.max_entries";
	if (a->guards.arp.max_bindings != b->guards.arp.max_bindings)
		return "$.guards.arp.max_bindings";
	if (memcmp(&a->http, &b->http, sizeof(a->http)) != 0)
		return "$.http";
	if (memcmp(&a->telemetry, &b->telemetry, sizeof(a->telemetry)) != 0)
		return "$.telemetry";
	return NULL;
}

int
ww_config_restart_only(const struct ww_config *running,
		       const struct ww_config *next, char *path, size_t size)
{
	const char *diff = restart_only_diff(running, next);

	snprintf(path, size, "%s", diff != NULL ? diff : "");
	return diff != NULL ? -EBUSY : 0;
}

int
ww_config_sg_index(const struct ww_config *cfg, const char *name)
{
	for (unsigned int i = 0; i < cfg->nb_sgs; i++)
		if (strcmp(cfg->sgs[i].name, name) == 0)
			return (int)i;
	return -ENOENT;
}

int
ww_config_port_index(const struct ww_config *cfg, const char *name)
{
	for (unsigned int i = 0; i < cfg->nb_ports; i++)
		if (strcmp(cfg->ports[i].name, name) == 0)
			return (int)i;
	return -ENOENT;
}

int
ww_config_bridge_of_port(const struct ww_config *cfg, unsigned int port_idx)
{
	for (unsigned int b = 0; b < cfg->nb_bridges; b++)
		if (cfg->bridges[b].port[0] == port_idx ||
		    cfg->bridges[b].port[1] == port_idx)
			return (int)b;
	return -ENOENT;
}
