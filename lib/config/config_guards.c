/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The "guards" object: one directive table per guard, each key with its
 * range, so a threshold that makes no sense is refused with its path.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include <rte_ether.h>

#include "config_internal.h"
#include "l7.h"

#define U32_MAX_CFG 1000000000   /* rates and counts: beyond is a typo */
#define TTL_MAX (365 * 86400)

/* Every numeric key of a guard: its name, where it goes, its range. */
struct num_key {
	const char *key;
	size_t offset;
	json_int_t min, max;
};

#define NUM(type, field, lo, hi) { #field, offsetof(type, field), lo, hi }

static int
set_num(struct parse_ctx *ctx, json_t *value, void *target,
	const struct num_key *k)
{
	unsigned int v;

	if (get_uint(ctx, value, k->min, k->max, &v) != 0)
		return -EINVAL;
	*(uint32_t *)((char *)target + k->offset) = v;
	return 0;
}

/*
 * A guard's object: "enabled" and its numeric keys generically, the keys
 * that are not numbers through @p extra.
 */
static int
apply_guard(struct parse_ctx *ctx, json_t *obj, void *target, bool *enabled,
	    const struct num_key *nums, size_t nb_nums,
	    const struct directive *extra, size_t nb_extra)
{
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v) {
		size_t mark = path_push(ctx, ".%s", key);
		const struct num_key *k = NULL;
		const struct directive *d = NULL;
		int ret;

		for (size_t i = 0; i < nb_nums && k == NULL; i++)
			if (strcmp(nums[i].key, key) == 0)
				k = &nums[i];
		for (size_t i = 0; i < nb_extra && d == NULL; i++)
			if (strcmp(extra[i].key, key) == 0)
				d = &extra[i];
		if (strcmp(key, "enabled") == 0) {
			if (!json_is_boolean(v))
				return fail(ctx, "expected a boolean, got %s",
					    type_name(json_typeof(v)));
			*enabled = json_is_true(v);
		} else if (k != NULL) {
			if (!json_is_integer(v))
				return fail(ctx, "expected an integer, got %s",
					    type_name(json_typeof(v)));
			if (set_num(ctx, v, target, k) != 0)
				return -EINVAL;
		} else if (d != NULL) {
			if (json_typeof(v) != d->type &&
			    !(d->type == JSON_TRUE && json_is_boolean(v)))
				return fail(ctx, "expected %s, got %s",
					    type_name(d->type),
					    type_name(json_typeof(v)));
			ret = d->set(ctx, v, target);
			if (ret != 0)
				return ret;
		} else {
			char expected[256];
			size_t used = snprintf(expected, sizeof(expected),
					       "enabled");

			for (size_t i = 0; i < nb_nums; i++)
				used += snprintf(expected + used,
					sizeof(expected) - RTE_MIN(used,
						sizeof(expected)),
					", %s", nums[i].key);
			for (size_t i = 0; i < nb_extra; i++)
				used += snprintf(expected + used,
					sizeof(expected) - RTE_MIN(used,
						sizeof(expected)),
					", %s", extra[i].key);
			path_pop(ctx, mark);
			return fail(ctx, "unknown key \"%s\" (expected one of: "
				    "%s)", key, expected);
		}
		path_pop(ctx, mark);
	}
	return 0;
}

/* ---- arp ---- */

static int
parse_mac(const char *s, struct rte_ether_addr *mac)
{
	return rte_ether_unformat_addr(s, mac);
}

static int
set_arp_binding(struct parse_ctx *ctx, json_t *b, struct ww_arp_binding *out)
{
	json_t *ip = json_object_get(b, "ip"), *mac = json_object_get(b, "mac");
	struct in_addr a;
	const char *key;
	json_t *v;

	if (expect_object(ctx, b) != 0)
		return -EINVAL;
	json_object_foreach(b, key, v)
		if (strcmp(key, "ip") != 0 && strcmp(key, "mac") != 0)
			return fail(ctx, "unknown key \"%s\" (expected one of: "
				    "ip, mac)", key);
	if (!json_is_string(ip) || inet_pton(AF_INET, json_string_value(ip),
					     &a) != 1)
		return fail(ctx, "\"ip\" must be an IPv4 address as a string");
	if (!json_is_string(mac) ||
	    parse_mac(json_string_value(mac), &out->mac) != 0)
		return fail(ctx, "\"mac\" must be a MAC address as a string "
			    "(\"02:00:00:00:00:01\")");
	if (rte_is_multicast_ether_addr(&out->mac) ||
	    rte_is_zero_ether_addr(&out->mac))
		return fail(ctx, "\"mac\" must be a unicast MAC address");
	out->ip = a.s_addr;
	return 0;
}

static int
set_arp_bindings(struct parse_ctx *ctx, json_t *value, void *target)
{
	struct ww_guard_arp_config *arp = target;
	size_t n = json_array_size(value);

	free(arp->bindings);
	arp->nb_static = 0;
	arp->bindings = n ? calloc(n, sizeof(*arp->bindings)) : NULL;
	if (n != 0 && arp->bindings == NULL)
		return fail(ctx, "out of memory");
	for (size_t i = 0; i < n; i++) {
		size_t mark = path_push(ctx, "[%zu]", i);

		if (set_arp_binding(ctx, json_array_get(value, i),
				    &arp->bindings[i]) != 0)
			return -EINVAL;
		for (size_t j = 0; j < i; j++)
			if (arp->bindings[j].ip == arp->bindings[i].ip)
				return fail(ctx, "a second binding for %s "
					    "(see [%zu])", json_string_value(
					    json_object_get(json_array_get(
					    value, i), "ip")), j);
		arp->nb_static++;
		path_pop(ctx, mark);
	}
	return 0;
}

static int
set_arp_verify(struct parse_ctx *ctx, json_t *value, void *target)
{
	((struct ww_guard_arp_config *)target)->verify = json_is_true(value);
	return 0;
}

static const struct num_key arp_nums[] = {
	NUM(struct ww_guard_arp_config, rate, 1, U32_MAX_CFG),
	NUM(struct ww_guard_arp_config, burst, 1, U32_MAX_CFG),
	NUM(struct ww_guard_arp_config, probe_timeout_ms, 10, 60000),
	NUM(struct ww_guard_arp_config, max_bindings, 16, 1 << 22),
};

static const struct directive arp_extra[] = {
	{ "verify", JSON_TRUE, false, set_arp_verify },
	{ "bindings", JSON_ARRAY, false, set_arp_bindings },
};

static int
set_arp(struct parse_ctx *ctx, json_t *value, void *target)
{
	struct ww_guard_arp_config *arp = &((struct ww_config *)target)->guards.arp;

	return apply_guard(ctx, value, arp, &arp->enabled, arp_nums,
			   DIM(arp_nums), arp_extra, DIM(arp_extra));
}

/* ---- icmp ---- */

static int
set_icmp_types(struct parse_ctx *ctx, json_t *value, uint64_t bits[4], bool v6)
{
	uint64_t out[4] = { 0 };

	for (size_t i = 0; i < json_array_size(value); i++) {
		json_t *t = json_array_get(value, i);
		size_t mark = path_push(ctx, "[%zu]", i);
		struct ww_rule_range r;
		char msg[160], num[16];
		const char *s = num;

		if (json_is_integer(t))
			snprintf(num, sizeof(num), "%lld",
				 (long long)json_integer_value(t));
		else if (json_is_string(t))
			s = json_string_value(t);
		else
			return fail(ctx, "expected an ICMP%s type (a name or a "
				    "number), got %s", v6 ? "v6" : "",
				    type_name(json_typeof(t)));
		msg[0] = '\0';
		if (ww_rule_icmp_type_parse(s, strlen(s), v6, &r, msg,
					    sizeof(msg)) != 0)
			return fail(ctx, "\"%s\" is not an ICMP%s type (a name "
				    "like echo-request, or 0..255)%s%s", s,
				    v6 ? "v6" : "", msg[0] ? ": " : "", msg);
		for (unsigned int ty = r.lo; ty <= r.hi; ty++)
			ww_guard_type_set(out, (uint8_t)ty, true);
		path_pop(ctx, mark);
	}
	memcpy(bits, out, sizeof(out));
	return 0;
}

static int
set_icmp_allow(struct parse_ctx *ctx, json_t *value, void *target)
{
	return set_icmp_types(ctx, value,
			      ((struct ww_guard_icmp_config *)target)->allow4,
			      false);
}

static int
set_icmp_allow6(struct parse_ctx *ctx, json_t *value, void *target)
{
	return set_icmp_types(ctx, value,
			      ((struct ww_guard_icmp_config *)target)->allow6,
			      true);
}

/* "redirects": true is a shorthand for allowing ICMP 5 and ICMPv6 137. */
static int
set_icmp_redirects(struct parse_ctx *ctx, json_t *value, void *target)
{
	struct ww_guard_icmp_config *icmp = target;

	ww_guard_type_set(icmp->allow4, 5, json_is_true(value));
	ww_guard_type_set(icmp->allow6, 137, json_is_true(value));
	return 0;
}

static int
set_icmp_max_size(struct parse_ctx *ctx, json_t *value, void *target)
{
	unsigned int v;

	if (get_uint(ctx, value, 28, 65535, &v) != 0)
		return -EINVAL;
	((struct ww_guard_icmp_config *)target)->max_size = (uint16_t)v;
	return 0;
}

static const struct num_key icmp_nums[] = {
	NUM(struct ww_guard_icmp_config, rate, 1, U32_MAX_CFG),
	NUM(struct ww_guard_icmp_config, burst, 1, U32_MAX_CFG),
};

/* Type lists before "redirects", whatever the document's order. */
static const struct directive icmp_extra[] = {
	{ "max_size", JSON_INTEGER, false, set_icmp_max_size },
	{ "allow", JSON_ARRAY, false, set_icmp_allow },
	{ "allow6", JSON_ARRAY, false, set_icmp_allow6 },
	{ "redirects", JSON_TRUE, false, set_icmp_redirects },
};

static int
set_icmp(struct parse_ctx *ctx, json_t *value, void *target)
{
	struct ww_guard_icmp_config *icmp =
		&((struct ww_config *)target)->guards.icmp;
	json_t *redirects = json_object_get(value, "redirects");
	int ret;

	/* Apply everything but "redirects", then it, so it wins over lists. */
	json_incref(redirects);
	json_object_del(value, "redirects");
	ret = apply_guard(ctx, value, icmp, &icmp->enabled, icmp_nums,
			  DIM(icmp_nums), icmp_extra, DIM(icmp_extra));
	if (ret == 0 && redirects != NULL) {
		size_t mark = path_push(ctx, ".redirects");

		if (!json_is_boolean(redirects))
			ret = fail(ctx, "expected a boolean, got %s",
				   type_name(json_typeof(redirects)));
		else
			set_icmp_redirects(ctx, redirects, icmp);
		if (ret == 0)
			path_pop(ctx, mark);
	}
	json_decref(redirects);
	return ret;
}

/* ---- block lists ---- */

static int
add_bl_entry(struct parse_ctx *ctx, const char *set, json_t *e,
	     unsigned int *cap)
{
	struct ww_config *cfg = ctx->cfg;
	struct ww_config_bl_entry *out;
	json_t *addr = e, *ttl = NULL;
	char msg[160];

	if (json_is_object(e)) {
		const char *key;
		json_t *v;

		json_object_foreach(e, key, v)
			if (strcmp(key, "addr") != 0 && strcmp(key, "ttl") != 0)
				return fail(ctx, "unknown key \"%s\" (expected "
					    "one of: addr, ttl)", key);
		addr = json_object_get(e, "addr");
		ttl = json_object_get(e, "ttl");
	}
	if (!json_is_string(addr))
		return fail(ctx, "expected an address or prefix as a string "
			    "(\"203.0.113.7\", \"2001:db8::/32\") or "
			    "{\"addr\":..., \"ttl\":seconds}");
	if (cfg->nb_bl == *cap) {
		unsigned int ncap = *cap ? *cap * 2 : 64;
		void *p;

		if (ncap > WW_CONFIG_BL_MAX)
			return fail(ctx, "more than %u block-list entries",
				    WW_CONFIG_BL_MAX);
		p = realloc(cfg->bl, ncap * sizeof(*cfg->bl));
		if (p == NULL)
			return fail(ctx, "out of memory");
		cfg->bl = p;
		*cap = ncap;
	}
	out = &cfg->bl[cfg->nb_bl];
	memset(out, 0, sizeof(*out));
	snprintf(out->set, sizeof(out->set), "%s", set);
	if (ww_bl_prefix_parse(json_string_value(addr), &out->prefix, msg,
			       sizeof(msg)) != 0)
		return fail(ctx, "%s", msg);
	if (ttl != NULL) {
		if (!json_is_integer(ttl))
			return fail(ctx, "\"ttl\" must be an integer (seconds)");
		if (get_uint(ctx, ttl, 1, TTL_MAX, &out->ttl_s) != 0)
			return -EINVAL;
	}
	cfg->nb_bl++;
	return 0;
}

static int
add_bl_list(struct parse_ctx *ctx, const char *set, json_t *list,
	    unsigned int *cap)
{
	if (!json_is_array(list))
		return fail(ctx, "expected an array, got %s",
			    type_name(json_typeof(list)));
	for (size_t i = 0; i < json_array_size(list); i++) {
		size_t mark = path_push(ctx, "[%zu]", i);

		if (add_bl_entry(ctx, set, json_array_get(list, i), cap) != 0)
			return -EINVAL;
		path_pop(ctx, mark);
	}
	return 0;
}

struct bl_parse {
	struct ww_guard_blocklist_config *bl;
	unsigned int cap;
};

static int
set_bl_sets(struct parse_ctx *ctx, json_t *value, void *target)
{
	struct bl_parse *p = target;
	const char *name;
	json_t *list;

	if (json_object_size(value) >= WW_BL_SETS_MAX)
		return fail(ctx, "at most %d sets", WW_BL_SETS_MAX - 1);
	json_object_foreach(value, name, list) {
		size_t mark = path_push(ctx, ".%s", name);
		char checked[WW_NAME_MAX];
		json_t *js = json_string(name);
		int ret = copy_name(ctx, js, checked);

		json_decref(js);
		if (ret != 0)
			return ret;
		if (strcmp(name, WW_BL_NEVER) == 0)
			return fail(ctx, "\"%s\" is a list of its own: "
				    "guards.blocklist.never_block", WW_BL_NEVER);
		if (add_bl_list(ctx, name, list, &p->cap) != 0)
			return -EINVAL;
		path_pop(ctx, mark);
	}
	return 0;
}

static int
set_bl_never(struct parse_ctx *ctx, json_t *value, void *target)
{
	return add_bl_list(ctx, WW_BL_NEVER, value,
			   &((struct bl_parse *)target)->cap);
}

static int
set_bl_max_entries(struct parse_ctx *ctx, json_t *value, void *target)
{
	return get_uint(ctx, value, 1024, 1 << 26,
			&((struct bl_parse *)target)->bl->max_entries);
}

static int
set_bl_ttl(struct parse_ctx *ctx, json_t *value, void *target)
{
	return get_uint(ctx, value, 1, TTL_MAX,
			&((struct bl_parse *)target)->bl->block_ttl_s);
}

static const struct directive bl_extra[] = {
	{ "max_entries", JSON_INTEGER, false, set_bl_max_entries },
	{ "block_ttl", JSON_INTEGER, false, set_bl_ttl },
	{ "sets", JSON_OBJECT, false, set_bl_sets },
	{ "never_block", JSON_ARRAY, false, set_bl_never },
};

static int
set_blocklist(struct parse_ctx *ctx, json_t *value, void *target)
{
	struct ww_config *cfg = target;
	struct bl_parse p = { .bl = &cfg->guards.blocklist, .cap = cfg->nb_bl };

	if (apply_guard(ctx, value, &p, &p.bl->enabled, NULL, 0, bl_extra,
			DIM(bl_extra)) != 0)
		return -EINVAL;
	if (cfg->nb_bl > p.bl->max_entries)
		return fail(ctx, "%u entries listed, max_entries is %u",
			    cfg->nb_bl, p.bl->max_entries);
	return 0;
}

/* ---- detectors ---- */

static const struct num_key scan_nums[] = {
	NUM(struct ww_guard_scan_config, ports, 2, 65536),
	NUM(struct ww_guard_scan_config, hosts, 2, 1 << 24),
	NUM(struct ww_guard_scan_config, window_ms, 100, 3600 * 1000),
	{ "block_ttl", offsetof(struct ww_guard_scan_config, block_ttl_s), 0, TTL_MAX },
};

static const struct num_key rate_nums[] = {
	NUM(struct ww_guard_rate_config, new_per_s, 1, U32_MAX_CFG),
	NUM(struct ww_guard_rate_config, burst, 1, U32_MAX_CFG),
	{ "block_ttl", offsetof(struct ww_guard_rate_config, block_ttl_s), 0, TTL_MAX },
};

static const struct num_key synflood_nums[] = {
	NUM(struct ww_guard_synflood_config, syn_per_s, 1, U32_MAX_CFG),
	NUM(struct ww_guard_synflood_config, dst_syn_per_s, 1, U32_MAX_CFG),
	NUM(struct ww_guard_synflood_config, half_open, 1, U32_MAX_CFG),
	NUM(struct ww_guard_synflood_config, source_syn_per_s, 1, U32_MAX_CFG),
	NUM(struct ww_guard_synflood_config, source_burst, 1, U32_MAX_CFG),
	NUM(struct ww_guard_synflood_config, quiet_s, 1, 3600),
};

static const struct num_key events_nums[] = {
	NUM(struct ww_guard_events_config, window_s, 0, 3600),
};

static int
set_scan(struct parse_ctx *ctx, json_t *value, void *target)
{
	struct ww_guard_scan_config *c = &((struct ww_config *)target)->guards.scan;

	return apply_guard(ctx, value, c, &c->enabled, scan_nums,
			   DIM(scan_nums), NULL, 0);
}

static int
set_rate(struct parse_ctx *ctx, json_t *value, void *target)
{
	struct ww_guard_rate_config *c = &((struct ww_config *)target)->guards.rate;

	return apply_guard(ctx, value, c, &c->enabled, rate_nums,
			   DIM(rate_nums), NULL, 0);
}

static int
set_synflood(struct parse_ctx *ctx, json_t *value, void *target)
{
	struct ww_guard_synflood_config *c =
		&((struct ww_config *)target)->guards.synflood;

	return apply_guard(ctx, value, c, &c->enabled, synflood_nums,
			   DIM(synflood_nums), NULL, 0);
}

static int
set_events(struct parse_ctx *ctx, json_t *value, void *target)
{
	struct ww_guard_events_config *c =
		&((struct ww_config *)target)->guards.events;
	bool ignored;

	if (json_object_get(value, "enabled") != NULL) {
		size_t mark = path_push(ctx, ".enabled");
		int ret = fail(ctx, "events cannot be turned off (set "
			       "window_s to aggregate them)");

		path_pop(ctx, mark);
		return ret;
	}
	return apply_guard(ctx, value, c, &ignored, events_nums,
			   DIM(events_nums), NULL, 0);
}

/* ---- http / tls ---- */

static int
set_port_list(struct parse_ctx *ctx, json_t *value, uint16_t *ports,
	      unsigned int *nb)
{
	size_t n = json_array_size(value);

	if (n > WW_GUARD_PORTS_MAX)
		return fail(ctx, "at most %d ports", WW_GUARD_PORTS_MAX);
	for (size_t i = 0; i < n; i++) {
		json_t *p = json_array_get(value, i);
		size_t mark = path_push(ctx, "[%zu]", i);
		unsigned int v;

		if (!json_is_integer(p))
			return fail(ctx, "expected a port number, got %s",
				    type_name(json_typeof(p)));
		if (get_uint(ctx, p, 1, 65535, &v) != 0)
			return -EINVAL;
		ports[i] = (uint16_t)v;
		path_pop(ctx, mark);
	}
	*nb = n;
	return 0;
}

static int
set_http_ports(struct parse_ctx *ctx, json_t *value, void *target)
{
	struct ww_guard_http_config *h = target;

	return set_port_list(ctx, value, h->ports, &h->nb_ports);
}

static int
set_tls_ports(struct parse_ctx *ctx, json_t *value, void *target)
{
	struct ww_guard_http_config *h = target;

	return set_port_list(ctx, value, h->tls_ports, &h->nb_tls_ports);
}

static int
set_patterns(struct parse_ctx *ctx, json_t *value, bool url,
	     char (**out)[WW_GUARD_NAME_MAX], unsigned int *nb)
{
	size_t n = json_array_size(value);
	char msg[200];

	free(*out);
	*nb = 0;
	*out = n ? calloc(n, WW_GUARD_NAME_MAX) : NULL;
	if (n != 0 && *out == NULL)
		return fail(ctx, "out of memory");
	for (size_t i = 0; i < n; i++) {
		json_t *p = json_array_get(value, i);
		size_t mark = path_push(ctx, "[%zu]", i);

		if (!json_is_string(p))
			return fail(ctx, "expected a string, got %s",
				    type_name(json_typeof(p)));
		if (ww_l7_check_pattern(json_string_value(p), url, msg,
					sizeof(msg)) != 0)
			return fail(ctx, "%s", msg);
		snprintf((*out)[i], WW_GUARD_NAME_MAX, "%s",
			 json_string_value(p));
		(*nb)++;
		path_pop(ctx, mark);
	}
	return 0;
}

static int
set_http_hosts(struct parse_ctx *ctx, json_t *value, void *target)
{
	struct ww_guard_http_config *h = target;

	return set_patterns(ctx, value, false, &h->hosts, &h->nb_hosts);
}

static int
set_http_urls(struct parse_ctx *ctx, json_t *value, void *target)
{
	struct ww_guard_http_config *h = target;

	return set_patterns(ctx, value, true, &h->urls, &h->nb_urls);
}

static const struct directive http_extra[] = {
	{ "ports", JSON_ARRAY, false, set_http_ports },
	{ "tls_ports", JSON_ARRAY, false, set_tls_ports },
	{ "hosts", JSON_ARRAY, false, set_http_hosts },
	{ "urls", JSON_ARRAY, false, set_http_urls },
};

static int
set_http(struct parse_ctx *ctx, json_t *value, void *target)
{
	struct ww_guard_http_config *h = &((struct ww_config *)target)->guards.http;

	return apply_guard(ctx, value, h, &h->enabled, NULL, 0, http_extra,
			   DIM(http_extra));
}

static const struct directive guard_directives[] = {
	{ "arp", JSON_OBJECT, false, set_arp },
	{ "icmp", JSON_OBJECT, false, set_icmp },
	{ "blocklist", JSON_OBJECT, false, set_blocklist },
	{ "scan", JSON_OBJECT, false, set_scan },
	{ "rate", JSON_OBJECT, false, set_rate },
	{ "synflood", JSON_OBJECT, false, set_synflood },
	{ "http", JSON_OBJECT, false, set_http },
	{ "events", JSON_OBJECT, false, set_events },
};

static bool *
guard_switch(struct ww_guard_config *g, const char *guard)
{
	if (strcmp(guard, "arp") == 0)
		return &g->arp.enabled;
	if (strcmp(guard, "icmp") == 0)
		return &g->icmp.enabled;
	if (strcmp(guard, "blocklist") == 0)
		return &g->blocklist.enabled;
	if (strcmp(guard, "scan") == 0)
		return &g->scan.enabled;
	if (strcmp(guard, "rate") == 0)
		return &g->rate.enabled;
	if (strcmp(guard, "synflood") == 0)
		return &g->synflood.enabled;
	if (strcmp(guard, "http") == 0)
		return &g->http.enabled;
	return NULL; /* events: no switch */
}

int
ww_cfg_set_guards(struct parse_ctx *ctx, json_t *value, void *target)
{
	struct ww_config *cfg = target;
	const char *key;
	json_t *v;

	/* A guard the document names is on, unless its "enabled" says no. */
	json_object_foreach(value, key, v) {
		bool *on = guard_switch(&cfg->guards, key);

		if (on != NULL)
			*on = true;
	}
	return apply_directives(ctx, value, guard_directives,
				DIM(guard_directives), target);
}

/* ---- back to JSON ---- */

static void
nums_to_json(json_t *obj, const void *src, const struct num_key *nums,
	     size_t n)
{
	for (size_t i = 0; i < n; i++)
		json_object_set_new(obj, nums[i].key, json_integer(
			*(const uint32_t *)((const char *)src + nums[i].offset)));
}

static json_t *
types_to_json(const uint64_t bits[4], bool v6)
{
	json_t *arr = json_array();

	for (unsigned int t = 0; t < 256; t++) {
		const char *name;

		if (!ww_guard_type_allowed(bits, (uint8_t)t))
			continue;
		name = ww_rule_icmp_type_name(v6, t);
		json_array_append_new(arr, name ? json_string(name) :
				      json_integer(t));
	}
	return arr;
}

static json_t *
arp_to_json(const struct ww_guard_arp_config *arp)
{
	json_t *obj = json_pack("{s:b, s:b}", "enabled", arp->enabled,
				"verify", arp->verify);
	json_t *b = json_array();

	nums_to_json(obj, arp, arp_nums, DIM(arp_nums));
	for (unsigned int i = 0; i < arp->nb_static; i++) {
		char ip[INET_ADDRSTRLEN], mac[RTE_ETHER_ADDR_FMT_SIZE];

		inet_ntop(AF_INET, &arp->bindings[i].ip, ip, sizeof(ip));
		rte_ether_format_addr(mac, sizeof(mac), &arp->bindings[i].mac);
		json_array_append_new(b, json_pack("{s:s, s:s}", "ip", ip,
						   "mac", mac));
	}
	json_object_set_new(obj, "bindings", b);
	return obj;
}

static json_t *
bl_to_json(const struct ww_config *cfg)
{
	const struct ww_guard_blocklist_config *bl = &cfg->guards.blocklist;
	json_t *sets = json_object(), *never = json_array();

	for (unsigned int i = 0; i < cfg->nb_bl; i++) {
		const struct ww_config_bl_entry *e = &cfg->bl[i];
		bool is_never = strcmp(e->set, WW_BL_NEVER) == 0;
		json_t *list = is_never ? never : json_object_get(sets, e->set);
		char text[64];
		json_t *item;

		if (list == NULL) {
			list = json_array();
			json_object_set_new(sets, e->set, list);
		}
		ww_bl_prefix_format(&e->prefix, text, sizeof(text));
		item = e->ttl_s ? json_pack("{s:s, s:i}", "addr", text, "ttl",
					    (json_int_t)e->ttl_s) :
				  json_string(text);
		json_array_append_new(list, item);
	}
	return json_pack("{s:b, s:i, s:i, s:o, s:o}", "enabled", bl->enabled,
			 "max_entries", (json_int_t)bl->max_entries,
			 "block_ttl", (json_int_t)bl->block_ttl_s,
			 "sets", sets, "never_block", never);
}

static json_t *
strings_to_json(const char (*s)[WW_GUARD_NAME_MAX], unsigned int n)
{
	json_t *arr = json_array();

	for (unsigned int i = 0; i < n; i++)
		json_array_append_new(arr, json_string(s[i]));
	return arr;
}

static json_t *
ports_to_json(const uint16_t *p, unsigned int n)
{
	json_t *arr = json_array();

	for (unsigned int i = 0; i < n; i++)
		json_array_append_new(arr, json_integer(p[i]));
	return arr;
}

static json_t *
guard_obj(bool enabled, const void *src, const struct num_key *nums, size_t n)
{
	json_t *obj = json_pack("{s:b}", "enabled", enabled);

	nums_to_json(obj, src, nums, n);
	return obj;
}

json_t *
ww_cfg_guards_to_json(const struct ww_config *cfg)
{
	const struct ww_guard_config *g = &cfg->guards;
	json_t *icmp = json_pack("{s:b, s:i, s:i, s:i, s:o, s:o}",
		"enabled", g->icmp.enabled, "max_size", g->icmp.max_size,
		"rate", (json_int_t)g->icmp.rate,
		"burst", (json_int_t)g->icmp.burst,
		"allow", types_to_json(g->icmp.allow4, false),
		"allow6", types_to_json(g->icmp.allow6, true));
	json_t *http = json_pack("{s:b, s:o, s:o, s:o, s:o}",
		"enabled", g->http.enabled,
		"ports", ports_to_json(g->http.ports, g->http.nb_ports),
		"tls_ports", ports_to_json(g->http.tls_ports,
					   g->http.nb_tls_ports),
		"hosts", strings_to_json((const char (*)[WW_GUARD_NAME_MAX])
					 g->http.hosts, g->http.nb_hosts),
		"urls", strings_to_json((const char (*)[WW_GUARD_NAME_MAX])
					g->http.urls, g->http.nb_urls));
	json_t *events = json_object();

	nums_to_json(events, &g->events, events_nums, DIM(events_nums));
	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
		"arp", arp_to_json(&g->arp), "icmp", icmp,
		"blocklist", bl_to_json(cfg),
		"scan", guard_obj(g->scan.enabled, &g->scan, scan_nums,
				  DIM(scan_nums)),
		"rate", guard_obj(g->rate.enabled, &g->rate, rate_nums,
				  DIM(rate_nums)),
		"synflood", guard_obj(g->synflood.enabled, &g->synflood,
				      synflood_nums, DIM(synflood_nums)),
		"http", http, "events", events);
}

/* ---- one setting at a time (the prompt's "guard" command) ---- */

int
ww_config_guard_set(struct ww_config *cfg, const char *guard, const char *key,
		    const char *value, char *msg, size_t size)
{
	struct ww_config_error err;
	struct ww_config tmp = { 0 };
	struct parse_ctx ctx = { .cfg = &tmp, .err = &err, .path = "$.guards" };
	const struct directive *d = NULL;
	json_t *obj, *v;
	json_error_t jerr;
	int ret;

	for (size_t i = 0; i < DIM(guard_directives) && d == NULL; i++)
		if (strcmp(guard_directives[i].key, guard) == 0)
			d = &guard_directives[i];
	if (d == NULL) {
		snprintf(msg, size, "unknown guard \"%s\" (expected one of: "
			 "arp, icmp, blocklist, scan, rate, synflood, http, "
			 "events)", guard);
		return -EINVAL;
	}
	if (strcmp(key, "sets") == 0 || strcmp(key, "never_block") == 0) {
		snprintf(msg, size, "block-list entries change with "
			 "\"blocklist add|del\", not \"guard\"");
		return -EINVAL;
	}
	/* The value as JSON (on, off, numbers, ["a","b"]), else a string. */
	if (strcmp(value, "on") == 0)
		v = json_true();
	else if (strcmp(value, "off") == 0)
		v = json_false();
	else if ((v = json_loads(value, JSON_DECODE_ANY, &jerr)) == NULL)
		v = json_string(value);
	/* Work on a copy: a refused value changes nothing. */
	if (ww_guard_config_copy(&tmp.guards, &cfg->guards) != 0) {
		json_decref(v);
		snprintf(msg, size, "out of memory");
		return -ENOMEM;
	}
	obj = json_pack("{s:o}", key, v);
	path_push(&ctx, ".%s", guard);
	memset(&err, 0, sizeof(err));
	ret = d->set(&ctx, obj, &tmp);
	json_decref(obj);
	if (ret != 0) {
		snprintf(msg, size, "%s: %s", err.path, err.message);
		ww_guard_config_release(&tmp.guards);
		return ret;
	}
	ww_guard_config_release(&cfg->guards);
	cfg->guards = tmp.guards;
	return 0;
}
