/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The JSON face of a rule: either a string holding the text form, or an
 * object read through a key table (as lib/config's directives). Keys are
 * applied in table order, so the protocol is known before the ports and
 * ICMP types that depend on it, whatever order the document uses.
 *
 * Values go through the same parsers as the text form (rule_internal.h),
 * and the object is held to the same rules: ports need tcp or udp, ICMP
 * types need icmp or icmpv6, one family per rule.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "rules.h"
#include "rule_internal.h"

#define DIM(a) (sizeof(a) / sizeof((a)[0]))
#define T(type) (1u << (type))
#define T_BOOL (T(JSON_TRUE) | T(JSON_FALSE))

struct json_ctx {
	struct ww_rule *rule;
	struct ww_rule_error *err;
	const char *key; /* the key being applied: the path of errors */
};

static int __attribute__((format(printf, 3, 4)))
fail_elem(struct json_ctx *c, int idx, const char *fmt, ...)
{
	va_list ap;

	if (idx < 0)
		snprintf(c->err->path, sizeof(c->err->path), ".%s", c->key);
	else
		snprintf(c->err->path, sizeof(c->err->path), ".%s[%d]", c->key,
			 idx);
	if (fmt != NULL) {
		va_start(ap, fmt);
		vsnprintf(c->err->message, sizeof(c->err->message), fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

#define fail(c, ...) fail_elem((c), -1, __VA_ARGS__)

/* A shared value parser already wrote the message: only the path is left. */
static int
failed(struct json_ctx *c, int idx)
{
	return fail_elem(c, idx, NULL);
}

static const char *
type_name(const json_t *v)
{
	switch (json_typeof(v)) {
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

/* ---- list elements ---- */

typedef int (*elem_fn)(struct json_ctx *c, json_t *v, int idx, void *out);

static int
get_list(struct json_ctx *c, json_t *array, elem_fn fn, void *out,
	 size_t size, uint8_t *nb)
{
	size_t n = json_array_size(array), i;
	json_t *v;
	int ret;

	if (n == 0 || n > WW_RULE_SET_MAX)
		return fail(c, "expected 1 to %d elements, got %zu",
			    WW_RULE_SET_MAX, n);
	json_array_foreach(array, i, v) {
		ret = fn(c, v, (int)i, (char *)out + i * size);
		if (ret != 0)
			return ret;
	}
	*nb = (uint8_t)n;
	return 0;
}

static int
elem_cidr(struct json_ctx *c, json_t *v, int idx, void *out)
{
	struct ww_rule_cidr *cidr = out;
	const char *s = json_string_value(v);
	int ret;

	if (s == NULL)
		return fail_elem(c, idx, "expected a string like "
				 "\"10.0.0.0/8\", got %s", type_name(v));
	ret = ww_rule_cidr_parse(s, strlen(s), c->rule->family, cidr,
				 c->err->message, sizeof(c->err->message));
	if (ret == 1)
		return fail_elem(c, idx, "expected an address or prefix like "
				 "10.0.0.0/8 or 2001:db8::/32, got \"%.40s\"",
				 s);
	if (ret != 0)
		return failed(c, idx);
	c->rule->family = cidr->family;
	return 0;
}

static int
elem_port(struct json_ctx *c, json_t *v, int idx, void *out)
{
	struct ww_rule_range *r = out;
	const char *s = json_string_value(v);
	json_int_t port;
	int ret;

	if (json_is_integer(v)) {
		port = json_integer_value(v);
		if (port < 0 || port > 65535)
			return fail_elem(c, idx, "port %lld is out of range "
					 "(0..65535)", (long long)port);
		r->lo = r->hi = (uint16_t)port;
		return 0;
	}
	if (s == NULL)
		return fail_elem(c, idx, "expected a port number or a range "
				 "string like \"1000-2000\", got %s",
				 type_name(v));
	ret = ww_rule_range_parse(s, strlen(s), 65535, "port", r,
				  c->err->message, sizeof(c->err->message));
	if (ret == 1)
		return fail_elem(c, idx, "expected a port or a range like "
				 "\"1000-2000\", got \"%.40s\"", s);
	return ret != 0 ? failed(c, idx) : 0;
}

static int
elem_icmp_type(struct json_ctx *c, json_t *v, int idx, void *out)
{
	struct ww_rule_range *r = out;
	const char *s = json_string_value(v);
	json_int_t type;
	int ret;

	if (json_is_integer(v)) {
		type = json_integer_value(v);
		if (type < 0 || type > 255)
			return fail_elem(c, idx, "ICMP type %lld is out of "
					 "range (0..255)", (long long)type);
		r->lo = r->hi = (uint16_t)type;
		return 0;
	}
	if (s == NULL)
		return fail_elem(c, idx, "expected an ICMP type name, number "
				 "or range string, got %s", type_name(v));
	ret = ww_rule_icmp_type_parse(s, strlen(s), c->rule->proto == 58, r,
				      c->err->message,
				      sizeof(c->err->message));
	if (ret == 1)
		return fail_elem(c, idx, "expected an %s type (a name like "
				 "echo-request, a number or a range like "
				 "\"0-255\"), got \"%.40s\"",
				 c->rule->proto == 58 ? "ICMPv6" : "ICMP", s);
	return ret != 0 ? failed(c, idx) : 0;
}

static int
elem_ct_state(struct json_ctx *c, json_t *v, int idx, void *out)
{
	const char *s = json_string_value(v);

	if (s == NULL)
		return fail_elem(c, idx, "expected a ct state name, got %s",
				 type_name(v));
	if (ww_rule_ct_state_parse(s, strlen(s), out) != 0)
		return fail_elem(c, idx, "unknown ct state \"%.40s\" (expected "
				 "new, established, related or invalid)", s);
	return 0;
}

/* ---- keys ---- */

static int
set_iif(struct json_ctx *c, json_t *v)
{
	const char *s = json_string_value(v);
	size_t len = strlen(s);

	if (ww_rule_name_check(s, len, c->err->message,
			       sizeof(c->err->message)) != 0)
		return failed(c, -1);
	memcpy(c->rule->iif, s, len + 1);
	return 0;
}

static int
set_family(struct json_ctx *c, json_t *v)
{
	const char *s = json_string_value(v);

	if (strcmp(s, "ip") == 0)
		c->rule->family = WW_RULE_FAMILY_IPV4;
	else if (strcmp(s, "ip6") == 0)
		c->rule->family = WW_RULE_FAMILY_IPV6;
	else
		return fail(c, "expected \"ip\" or \"ip6\", got \"%.40s\"", s);
	return 0;
}

static int
set_saddr(struct json_ctx *c, json_t *v)
{
	return get_list(c, v, elem_cidr, c->rule->saddr,
			sizeof(c->rule->saddr[0]), &c->rule->nb_saddr);
}

static int
set_daddr(struct json_ctx *c, json_t *v)
{
	return get_list(c, v, elem_cidr, c->rule->daddr,
			sizeof(c->rule->daddr[0]), &c->rule->nb_daddr);
}

static int
set_proto(struct json_ctx *c, json_t *v)
{
	const char *s = json_string_value(v);
	json_int_t n;
	int ret;

	if (json_is_integer(v)) {
		n = json_integer_value(v);
		if (n < 0 || n > 255)
			return fail(c, "protocol %lld is out of range (0..255)",
				    (long long)n);
		c->rule->proto = (uint8_t)n;
		return 0;
	}
	ret = ww_rule_proto_parse(s, strlen(s), &c->rule->proto,
				  c->err->message, sizeof(c->err->message));
	if (ret == 1)
		return fail(c, "expected a protocol (tcp, udp, icmp, icmpv6 "
			    "or 0..255), got \"%.40s\"", s);
	return ret != 0 ? failed(c, -1) : 0;
}

static int
need_ports_proto(struct json_ctx *c)
{
	if (c->rule->proto != 6 && c->rule->proto != 17)
		return fail(c, "ports need \"proto\": \"tcp\" or \"udp\"");
	return 0;
}

static int
set_sport(struct json_ctx *c, json_t *v)
{
	int ret = need_ports_proto(c);

	return ret != 0 ? ret :
	       get_list(c, v, elem_port, c->rule->sport,
			sizeof(c->rule->sport[0]), &c->rule->nb_sport);
}

static int
set_dport(struct json_ctx *c, json_t *v)
{
	int ret = need_ports_proto(c);

	return ret != 0 ? ret :
	       get_list(c, v, elem_port, c->rule->dport,
			sizeof(c->rule->dport[0]), &c->rule->nb_dport);
}

/*
 * ICMP types and codes need proto icmp or icmpv6, and make the rule IPv4
 * or IPv6 as "icmp type" does in the text form.
 */
static int
need_icmp_proto(struct json_ctx *c)
{
	uint8_t proto = c->rule->proto;
	uint8_t family = proto == 58 ? WW_RULE_FAMILY_IPV6 :
				       WW_RULE_FAMILY_IPV4;

	if (proto != 1 && proto != 58)
		return fail(c, "%s needs \"proto\": \"icmp\" or \"icmpv6\"",
			    c->key);
	if (c->rule->family != WW_RULE_FAMILY_ANY && c->rule->family != family)
		return fail(c, "mixing IPv4 and IPv6 in one rule: %s is "
			    "IPv%u but the rule is IPv%u",
			    ww_rule_proto_name(proto), family,
			    c->rule->family);
	c->rule->family = family;
	return 0;
}

static int
set_icmp_type(struct json_ctx *c, json_t *v)
{
	int ret = need_icmp_proto(c);

	return ret != 0 ? ret :
	       get_list(c, v, elem_icmp_type, c->rule->icmp_type,
			sizeof(c->rule->icmp_type[0]),
			&c->rule->nb_icmp_type);
}

static int
set_icmp_code(struct json_ctx *c, json_t *v)
{
	json_int_t code = json_integer_value(v);
	int ret = need_icmp_proto(c);

	if (ret != 0)
		return ret;
	if (code < 0 || code > 255)
		return fail(c, "ICMP code %lld is out of range (0..255)",
			    (long long)code);
	c->rule->has_icmp_code = true;
	c->rule->icmp_code = (uint8_t)code;
	return 0;
}

static int
set_tcp_flags(struct json_ctx *c, json_t *v)
{
	if (c->rule->proto != 6)
		return fail(c, "tcp_flags needs \"proto\": \"tcp\"");
	if (ww_rule_tcp_flags_parse(json_string_value(v), &c->rule->tcp_flags,
				    &c->rule->tcp_flags_mask, c->err->message,
				    sizeof(c->err->message)) != 0)
		return failed(c, -1);
	return 0;
}

static int
set_ct_state(struct json_ctx *c, json_t *v)
{
	uint8_t bits[WW_RULE_SET_MAX], n;
	int ret = get_list(c, v, elem_ct_state, bits, sizeof(bits[0]), &n);

	if (ret != 0)
		return ret;
	for (unsigned int i = 0; i < n; i++)
		c->rule->ct_state |= bits[i];
	return 0;
}

static int
set_counter(struct json_ctx *c, json_t *v)
{
	c->rule->counter = json_is_true(v);
	return 0;
}

static int
set_log(struct json_ctx *c, json_t *v)
{
	c->rule->log = json_is_true(v);
	return 0;
}

static int
set_action(struct json_ctx *c, json_t *v)
{
	const char *s = json_string_value(v);

	for (unsigned int a = WW_RULE_ACCEPT; a <= WW_RULE_REJECT; a++)
		if (strcmp(s, ww_rule_action_name(a)) == 0) {
			c->rule->action = (uint8_t)a;
			return 0;
		}
	return fail(c, "expected \"accept\", \"drop\" or \"reject\", got "
		    "\"%.40s\"", s);
}

static const struct key {
	const char *name;
	unsigned int types; /* T() bits of the JSON types it takes */
	const char *what;   /* those types, for messages */
	int (*set)(struct json_ctx *c, json_t *v);
} keys[] = {
	{ "iif", T(JSON_STRING), "a string", set_iif },
	{ "family", T(JSON_STRING), "a string", set_family },
	{ "saddr", T(JSON_ARRAY), "an array", set_saddr },
	{ "daddr", T(JSON_ARRAY), "an array", set_daddr },
	{ "proto", T(JSON_STRING) | T(JSON_INTEGER),
	  "a protocol name or number", set_proto },
	{ "sport", T(JSON_ARRAY), "an array", set_sport },
	{ "dport", T(JSON_ARRAY), "an array", set_dport },
	{ "icmp_type", T(JSON_ARRAY), "an array", set_icmp_type },
	{ "icmp_code", T(JSON_INTEGER), "an integer", set_icmp_code },
	{ "tcp_flags", T(JSON_STRING), "a string", set_tcp_flags },
	{ "ct_state", T(JSON_ARRAY), "an array", set_ct_state },
	{ "counter", T_BOOL, "a boolean", set_counter },
	{ "log", T_BOOL, "a boolean", set_log },
	{ "action", T(JSON_STRING), "a string", set_action },
};
#define KEY_NAMES "iif, family, saddr, daddr, proto, sport, dport, " \
		  "icmp_type, icmp_code, tcp_flags, ct_state, counter, log, " \
		  "action"

static const struct key *
find_key(const char *name)
{
	for (size_t i = 0; i < DIM(keys); i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

static int
from_object(struct json_ctx *c, json_t *obj)
{
	const char *name;
	json_t *v;
	int ret;

	json_object_foreach(obj, name, v) {
		if (find_key(name) == NULL) {
			c->key = name;
			return fail(c, "unknown key \"%.40s\" (expected one "
				    "of: " KEY_NAMES ")", name);
		}
	}
	for (size_t i = 0; i < DIM(keys); i++) {
		c->key = keys[i].name;
		v = json_object_get(obj, keys[i].name);
		if (v == NULL) {
			if (strcmp(keys[i].name, "action") == 0)
				return fail(c, "missing action (\"accept\", "
					    "\"drop\" or \"reject\")");
			continue;
		}
		if (!(keys[i].types & T(json_typeof(v))))
			return fail(c, "expected %s, got %s", keys[i].what,
				    type_name(v));
		ret = keys[i].set(c, v);
		if (ret != 0)
			return ret;
	}
	return 0;
}

int
ww_rule_from_json(const json_t *value, struct ww_rule *rule,
		  struct ww_rule_error *err)
{
	struct ww_rule_error scratch;
	struct json_ctx c = {
		.rule = rule,
		.err = err != NULL ? err : &scratch,
	};

	if (json_is_string(value))
		return ww_rule_parse(json_string_value(value), rule, err);
	memset(c.err, 0, sizeof(*c.err));
	memset(rule, 0, sizeof(*rule));
	if (!json_is_object(value)) {
		snprintf(c.err->message, sizeof(c.err->message),
			 "expected a rule (a string or an object), got %s",
			 value != NULL ? type_name(value) : "nothing");
		return -EINVAL;
	}
	/* jansson's getters take no const: nothing here modifies @p value. */
	return from_object(&c, (json_t *)value);
}

/* ---- to JSON ---- */

/* json_object_set_new() that remembers a failure instead of returning it. */
static void
add(json_t *obj, const char *key, json_t *v, bool *ok)
{
	if (v == NULL || json_object_set_new(obj, key, v) != 0)
		*ok = false;
}

static void
append(json_t *array, json_t *v, bool *ok)
{
	if (v == NULL || json_array_append_new(array, v) != 0)
		*ok = false;
}

static json_t *
cidr_array(const struct ww_rule_cidr *cidr, unsigned int n, bool *ok)
{
	json_t *a = json_array();
	char buf[64];

	for (unsigned int i = 0; a != NULL && i < n; i++) {
		ww_rule_cidr_format(&cidr[i], buf, sizeof(buf));
		append(a, json_string(buf), ok);
	}
	return a;
}

/* One value as a number (or an ICMP type's name), a range as "lo-hi". */
static json_t *
range_value(const struct ww_rule_range *r, int icmp_v6)
{
	const char *name = NULL;
	char buf[16];

	if (icmp_v6 >= 0 && r->lo == r->hi)
		name = ww_rule_icmp_type_name(icmp_v6, r->lo);
	if (name != NULL)
		return json_string(name);
	if (r->lo == r->hi)
		return json_integer(r->lo);
	snprintf(buf, sizeof(buf), "%u-%u", r->lo, r->hi);
	return json_string(buf);
}

/* @p icmp_v6: -1 for ports, else which ICMP's names to use. */
static json_t *
range_array(const struct ww_rule_range *r, unsigned int n, int icmp_v6,
	    bool *ok)
{
	json_t *a = json_array();

	for (unsigned int i = 0; a != NULL && i < n; i++)
		append(a, range_value(&r[i], icmp_v6), ok);
	return a;
}

static json_t *
ct_state_array(uint8_t bits, bool *ok)
{
	json_t *a = json_array();

	for (unsigned int bit = 1; a != NULL && bit <= 0x80; bit <<= 1) {
		const char *name = ww_rule_ct_state_name(bit);

		if ((bits & bit) && name != NULL)
			append(a, json_string(name), ok);
	}
	return a;
}

static json_t *
proto_value(uint8_t proto)
{
	const char *name = ww_rule_proto_name(proto);

	return name != NULL ? json_string(name) : json_integer(proto);
}

json_t *
ww_rule_to_json(const struct ww_rule *r)
{
	json_t *obj = json_object();
	bool icmp = r->proto == 1 || r->proto == 58;
	bool ok = obj != NULL;
	char flags[128];

	if (!ok)
		return NULL;
	if (r->iif[0] != '\0')
		add(obj, "iif", json_stringn(r->iif, strnlen(r->iif,
					     sizeof(r->iif))), &ok);
	/* As in the text form: only when nothing else shows the family. */
	if (r->family != WW_RULE_FAMILY_ANY && !ww_rule_family_implied(r))
		add(obj, "family", json_string(r->family ==
					       WW_RULE_FAMILY_IPV6 ?
					       "ip6" : "ip"), &ok);
	if (r->nb_saddr)
		add(obj, "saddr", cidr_array(r->saddr, r->nb_saddr, &ok), &ok);
	if (r->nb_daddr)
		add(obj, "daddr", cidr_array(r->daddr, r->nb_daddr, &ok), &ok);
	if (r->proto != 0)
		add(obj, "proto", proto_value(r->proto), &ok);
	if (r->nb_sport)
		add(obj, "sport", range_array(r->sport, r->nb_sport, -1, &ok),
		    &ok);
	if (r->nb_dport)
		add(obj, "dport", range_array(r->dport, r->nb_dport, -1, &ok),
		    &ok);
	if (icmp && r->nb_icmp_type)
		add(obj, "icmp_type", range_array(r->icmp_type,
						  r->nb_icmp_type,
						  r->proto == 58, &ok), &ok);
	if (icmp && r->has_icmp_code)
		add(obj, "icmp_code", json_integer(r->icmp_code), &ok);
	if (r->tcp_flags_mask != 0) {
		ww_rule_tcp_flags_format(r->tcp_flags, r->tcp_flags_mask,
					 flags, sizeof(flags));
		add(obj, "tcp_flags", json_string(flags), &ok);
	}
	if (r->ct_state != 0)
		add(obj, "ct_state", ct_state_array(r->ct_state, &ok), &ok);
	if (r->counter)
		add(obj, "counter", json_true(), &ok);
	if (r->log)
		add(obj, "log", json_true(), &ok);
	add(obj, "action", json_string(ww_rule_action_name(r->action)), &ok);
	if (!ok) {
		json_decref(obj);
		return NULL;
	}
	return obj;
}
