/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The text face of a rule: an nft-like line. A small lexer keeps the column
 * of every word; a table maps the first word of each clause to its handler
 * (as lib/config maps keys), and the handlers share one set parser for
 * "x" and "{ x, y }". The value parsers are shared with rule_json.c.
 *
 * Clauses may come in any order but each at most once; the action is the
 * last word. Everything a clause implies (the protocol of "tcp dport", the
 * family of "ip saddr" or "icmp type") is checked against what earlier
 * clauses said, so a rule that parses is always consistent and
 * ww_rule_format() can print it back in one canonical order.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "rules.h"
#include "rule_internal.h"

#define DIM(a) (sizeof(a) / sizeof((a)[0]))

/* Words quoted in messages are cut here: messages have a fixed size. */
#define QUOTE_MAX 40

/* ---- names ---- */

struct name_value {
	const char *name;
	unsigned int value;
};

static const struct name_value protos[] = {
	{ "tcp", 6 }, { "udp", 17 }, { "icmp", 1 }, { "icmpv6", 58 },
};

static const struct name_value icmp_types[] = {
	{ "echo-reply", 0 }, { "destination-unreachable", 3 },
	{ "source-quench", 4 }, { "redirect", 5 }, { "echo-request", 8 },
	{ "router-advertisement", 9 }, { "router-solicitation", 10 },
	{ "time-exceeded", 11 }, { "parameter-problem", 12 },
	{ "timestamp-request", 13 }, { "timestamp-reply", 14 },
};

static const struct name_value icmp6_types[] = {
	{ "destination-unreachable", 1 }, { "packet-too-big", 2 },
	{ "time-exceeded", 3 }, { "parameter-problem", 4 },
	{ "echo-request", 128 }, { "echo-reply", 129 },
	{ "mld-listener-query", 130 }, { "mld-listener-report", 131 },
	{ "mld-listener-done", 132 }, { "nd-router-solicit", 133 },
	{ "nd-router-advert", 134 }, { "nd-neighbor-solicit", 135 },
	{ "nd-neighbor-advert", 136 }, { "nd-redirect", 137 },
};

static const struct name_value ct_states[] = {
	{ "new", WW_CT_STATE_NEW },
	{ "established", WW_CT_STATE_ESTABLISHED },
	{ "related", WW_CT_STATE_RELATED },
	{ "invalid", WW_CT_STATE_INVALID },
};

/* In bit order, which is also the order they are printed in. */
static const struct name_value tcp_flags[] = {
	{ "fin", 0x01 }, { "syn", 0x02 }, { "rst", 0x04 }, { "psh", 0x08 },
	{ "ack", 0x10 }, { "urg", 0x20 }, { "ecn", 0x40 }, { "cwr", 0x80 },
};
#define TCP_FLAG_NAMES "fin, syn, rst, psh, ack, urg, ecn, cwr"

static const struct name_value *
lookup(const struct name_value *table, size_t n, const char *s, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(table[i].name) == len &&
		    memcmp(table[i].name, s, len) == 0)
			return &table[i];
	return NULL;
}

static const char *
name_of(const struct name_value *table, size_t n, unsigned int value)
{
	for (size_t i = 0; i < n; i++)
		if (table[i].value == value)
			return table[i].name;
	return NULL;
}

const char *
ww_rule_action_name(unsigned int action)
{
	static const char *const names[] = {
		[WW_RULE_ACCEPT] = "accept",
		[WW_RULE_DROP] = "drop",
		[WW_RULE_REJECT] = "reject",
	};

	return action < DIM(names) ? names[action] : "unknown";
}

const char *
ww_rule_icmp_type_name(bool v6, unsigned int type)
{
	if (v6)
		return name_of(icmp6_types, DIM(icmp6_types), type);
	return name_of(icmp_types, DIM(icmp_types), type);
}

const char *
ww_rule_proto_name(unsigned int proto)
{
	return name_of(protos, DIM(protos), proto);
}

const char *
ww_rule_ct_state_name(unsigned int bit)
{
	return name_of(ct_states, DIM(ct_states), bit);
}

/* ---- values, shared with rule_json.c ---- */

static int __attribute__((format(printf, 3, 4)))
msgf(char *msg, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, size, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* Words longer than this are cut when quoted in a message. */
static int
quote_len(size_t len)
{
	return len > QUOTE_MAX ? QUOTE_MAX : (int)len;
}

static const char *
quote_more(size_t len)
{
	return len > QUOTE_MAX ? "..." : "";
}

/*
 * Decimal digits only: no sign, no spaces, no hex. Saturates instead of
 * wrapping, so "99999999999" is out of range rather than some small port.
 * -1 when @p s is not a number.
 */
static long
parse_number(const char *s, size_t len)
{
	long v = 0;

	if (len == 0)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (v < 10000000)
			v = v * 10 + (s[i] - '0');
	}
	return v;
}

int
ww_rule_name_check(const char *s, size_t len, char *msg, size_t size)
{
	static const char ok[] = "abcdefghijklmnopqrstuvwxyz"
				 "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-";

	if (len == 0)
		return msgf(msg, size, "expected an interface name, got \"\"");
	if (len >= WW_RULE_NAME_MAX)
		return msgf(msg, size, "interface name \"%.*s%s\" is longer "
			    "than %d characters", quote_len(len), s,
			    quote_more(len), WW_RULE_NAME_MAX - 1);
	for (size_t i = 0; i < len; i++)
		if (s[i] == '\0' || strchr(ok, s[i]) == NULL)
			return msgf(msg, size, "interface name \"%.*s\" may "
				    "hold only letters, digits, '_', '.' and "
				    "'-'", (int)len, s);
	return 0;
}

/* Clear the bits of @p a beyond @p prefix; true when there were none. */
static bool
mask_host_bits(uint8_t *a, unsigned int prefix, unsigned int bytes)
{
	bool clean = true;

	for (unsigned int i = 0; i < bytes; i++) {
		unsigned int bits = prefix > 8 * i ? prefix - 8 * i : 0;
		uint8_t m = bits >= 8 ? 0xff : (uint8_t)(0xff00 >> bits);

		if (a[i] & ~m)
			clean = false;
		a[i] &= m;
	}
	return clean;
}

int
ww_rule_cidr_parse(const char *s, size_t len, uint8_t family,
		   struct ww_rule_cidr *out, char *msg, size_t size)
{
	char buf[INET6_ADDRSTRLEN + 8], fixed[INET6_ADDRSTRLEN];
	unsigned int max;
	char *slash;
	long prefix;

	/* Longer than any address with a prefix: not an address at all. */
	if (len >= sizeof(buf))
		return 1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	slash = strchr(buf, '/');
	if (slash != NULL)
		*slash = '\0';

	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, buf, out->addr) == 1) {
		out->family = 4;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, out->addr) == 1) {
		out->family = 6;
		max = 128;
	} else {
		return 1;
	}
	if (family != 0 && out->family != family)
		return msgf(msg, size, "%s is an IPv%u address, expected IPv%u "
			    "(a rule is either IPv4 or IPv6)", buf,
			    out->family, family);

	prefix = max;
	if (slash != NULL) {
		prefix = parse_number(slash + 1, strlen(slash + 1));
		if (prefix < 0 || prefix > (long)max)
			return msgf(msg, size, "bad prefix length \"/%s\" "
				    "(expected /0 to /%u)", slash + 1, max);
	}
	out->prefix = (uint8_t)prefix;

	/*
	 * nft refuses host bits rather than masking them: a typo such as
	 * 10.0.0.1/8 for 10.0.0.0/8 should not silently widen a rule.
	 */
	if (!mask_host_bits(out->addr, out->prefix, max / 8) && slash) {
		inet_ntop(out->family == 4 ? AF_INET : AF_INET6, out->addr,
			  fixed, sizeof(fixed));
		return msgf(msg, size, "%s/%s has host bits set; did you mean "
			    "%s/%u?", buf, slash + 1, fixed, out->prefix);
	}
	return 0;
}

int
ww_rule_cidr_format(const struct ww_rule_cidr *c, char *buf, size_t size)
{
	char addr[INET6_ADDRSTRLEN];
	int af = c->family == 4 ? AF_INET : AF_INET6;
	unsigned int max = c->family == 4 ? 32 : 128;

	if (inet_ntop(af, c->addr, addr, sizeof(addr)) == NULL)
		snprintf(addr, sizeof(addr), "?");
	if (c->prefix == max)
		return snprintf(buf, size, "%s", addr);
	return snprintf(buf, size, "%s/%u", addr, c->prefix);
}

int
ww_rule_range_parse(const char *s, size_t len, unsigned int max,
		    const char *unit, struct ww_rule_range *out,
		    char *msg, size_t size)
{
	const char *dash = memchr(s, '-', len);
	size_t lo_len = dash != NULL ? (size_t)(dash - s) : len;
	long lo = parse_number(s, lo_len);
	long hi = dash != NULL ? parse_number(dash + 1, len - lo_len - 1) : lo;

	if (lo < 0 || hi < 0)
		return 1;
	if (lo > (long)max || hi > (long)max)
		return msgf(msg, size, "%s %.*s%s is out of range (0..%u)",
			    unit, quote_len(len), s, quote_more(len), max);
	if (lo > hi)
		return msgf(msg, size, "range %.*s is reversed (the low end "
			    "comes first)", (int)len, s);
	out->lo = (uint16_t)lo;
	out->hi = (uint16_t)hi;
	return 0;
}

int
ww_rule_icmp_type_parse(const char *s, size_t len, bool v6,
			struct ww_rule_range *out, char *msg, size_t size)
{
	const struct name_value *nv = v6 ?
		lookup(icmp6_types, DIM(icmp6_types), s, len) :
		lookup(icmp_types, DIM(icmp_types), s, len);

	/* Names first: they hold dashes too ("echo-request"). */
	if (nv != NULL) {
		out->lo = out->hi = (uint16_t)nv->value;
		return 0;
	}
	return ww_rule_range_parse(s, len, 255, v6 ? "ICMPv6 type" :
				   "ICMP type", out, msg, size);
}

int
ww_rule_proto_parse(const char *s, size_t len, uint8_t *out,
		    char *msg, size_t size)
{
	const struct name_value *nv = lookup(protos, DIM(protos), s, len);
	long v;

	if (nv != NULL) {
		*out = (uint8_t)nv->value;
		return 0;
	}
	v = parse_number(s, len);
	if (v < 0)
		return 1;
	if (v > 255)
		return msgf(msg, size, "protocol %.*s%s is out of range "
			    "(0..255)", quote_len(len), s, quote_more(len));
	*out = (uint8_t)v;
	return 0;
}

int
ww_rule_ct_state_parse(const char *s, size_t len, uint8_t *bit)
{
	const struct name_value *nv = lookup(ct_states, DIM(ct_states), s, len);

	if (nv == NULL)
		return 1;
	*bit = (uint8_t)nv->value;
	return 0;
}

bool
ww_rule_family_implied(const struct ww_rule *r)
{
	bool icmp = r->proto == 1 || r->proto == 58;

	return r->nb_saddr > 0 || r->nb_daddr > 0 ||
	       (icmp && (r->nb_icmp_type > 0 || r->has_icmp_code));
}

/* ---- lexer ---- */

/* A word; len 0 at the end of the text (col is then just past it). */
struct token {
	const char *s;
	size_t len;
	int col;
};

struct parser {
	const char *text;
	size_t pos;
	bool split_slash;   /* "/" is a word of its own (tcp flags F/M) */
	bool icmp_v6;       /* names of the icmp type being parsed */
	bool done;          /* the action was read */
	unsigned int seen;  /* SEEN_* of the clauses read so far */
	struct ww_rule *rule;
	struct ww_rule_error *err;
	char quoted[QUOTE_MAX + 8];
};

static bool
is_space(char c)
{
	return isspace((unsigned char)c) != 0;
}

static bool
is_punct(const struct parser *p, char c)
{
	return c == '{' || c == '}' || c == ',' || (p->split_slash && c == '/');
}

static struct token
next(struct parser *p)
{
	const char *t = p->text;
	size_t i = p->pos;
	struct token tok;

	while (is_space(t[i]))
		i++;
	tok.s = t + i;
	tok.len = 0;
	tok.col = i < 0x7fffffff ? (int)i + 1 : 0x7fffffff;
	if (t[i] == '\0') {
		/* at the end: stay, so reading on keeps saying "end" */
	} else if (is_punct(p, t[i])) {
		tok.len = 1;
	} else {
		while (t[i + tok.len] != '\0' && !is_space(t[i + tok.len]) &&
		       !is_punct(p, t[i + tok.len]))
			tok.len++;
	}
	p->pos = i + tok.len;
	return tok;
}

static struct token
peek(struct parser *p)
{
	size_t pos = p->pos;
	struct token tok = next(p);

	p->pos = pos;
	return tok;
}

static bool
is(const struct token *t, const char *word)
{
	return t->len == strlen(word) && memcmp(t->s, word, t->len) == 0;
}

static bool
peek_is(struct parser *p, const char *word)
{
	struct token t = peek(p);

	return is(&t, word);
}

static bool
is_value(const struct parser *p, const struct token *t)
{
	return t->len > 0 && !(t->len == 1 && is_punct(p, t->s[0]));
}

/* The word as a message shows it: "abc", cut when long, or end of rule. */
static const char *
quote(struct parser *p, const struct token *t)
{
	if (t->len == 0)
		return "end of rule";
	snprintf(p->quoted, sizeof(p->quoted), "\"%.*s%s\"",
		 quote_len(t->len), t->s, quote_more(t->len));
	return p->quoted;
}

static int __attribute__((format(printf, 3, 4)))
fail_at(struct parser *p, const struct token *t, const char *fmt, ...)
{
	va_list ap;

	p->err->column = t->col;
	va_start(ap, fmt);
	vsnprintf(p->err->message, sizeof(p->err->message), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* ---- clause helpers ---- */

enum {
	SEEN_IIF = 1u << 0,
	SEEN_SADDR = 1u << 1,
	SEEN_DADDR = 1u << 2,
	SEEN_PROTO = 1u << 3,
	SEEN_NFPROTO = 1u << 4,
	SEEN_SPORT = 1u << 5,
	SEEN_DPORT = 1u << 6,
	SEEN_FLAGS = 1u << 7,
	SEEN_ICMP_TYPE = 1u << 8,
	SEEN_ICMP_CODE = 1u << 9,
	SEEN_CT = 1u << 10,
	SEEN_COUNTER = 1u << 11,
	SEEN_LOG = 1u << 12,
};

static int
once(struct parser *p, unsigned int bit, const struct token *kw,
     const struct token *sub)
{
	if (p->seen & bit)
		return fail_at(p, kw, "duplicate clause \"%.*s%s%.*s\" (each "
			       "clause may appear only once)", (int)kw->len,
			       kw->s, sub ? " " : "", sub ? (int)sub->len : 0,
			       sub ? sub->s : "");
	p->seen |= bit;
	return 0;
}

static int
set_family(struct parser *p, const struct token *t, uint8_t family)
{
	struct ww_rule *r = p->rule;

	if (r->family != WW_RULE_FAMILY_ANY && r->family != family)
		return fail_at(p, t, "mixing IPv4 and IPv6 in one rule: %s is "
			       "IPv%u but an earlier clause made the rule "
			       "IPv%u", quote(p, t), family, r->family);
	r->family = family;
	return 0;
}

static const char *
proto_text(unsigned int proto, char *buf, size_t size)
{
	const char *name = ww_rule_proto_name(proto);

	if (name != NULL)
		return name;
	snprintf(buf, size, "%u", proto);
	return buf;
}

static int
set_proto(struct parser *p, const struct token *t, uint8_t proto)
{
	struct ww_rule *r = p->rule;
	char a[8], b[8];

	if (r->proto != 0 && r->proto != proto)
		return fail_at(p, t, "conflicting protocols: %s means %s but "
			       "an earlier clause says %s", quote(p, t),
			       proto_text(proto, a, sizeof(a)),
			       proto_text(r->proto, b, sizeof(b)));
	r->proto = proto;
	return 0;
}

/* ---- values and sets ---- */

/*
 * One kind of set element. parse() returns 0, 1 (not this kind of value:
 * the caller says what it expected) or -EINVAL with the message written.
 */
struct elem_kind {
	const char *what;
	size_t size;
	bool bare_list; /* "new,established" without braces, as nft allows */
	int (*parse)(struct parser *p, const struct token *t, void *out);
};

static int
parse_cidr(struct parser *p, const struct token *t, void *out)
{
	return ww_rule_cidr_parse(t->s, t->len, p->rule->family, out,
				  p->err->message, sizeof(p->err->message));
}

static int
parse_port(struct parser *p, const struct token *t, void *out)
{
	return ww_rule_range_parse(t->s, t->len, 65535, "port", out,
				   p->err->message, sizeof(p->err->message));
}

static int
parse_icmp_type(struct parser *p, const struct token *t, void *out)
{
	return ww_rule_icmp_type_parse(t->s, t->len, p->icmp_v6, out,
				       p->err->message,
				       sizeof(p->err->message));
}

static int
parse_ct_state(struct parser *p, const struct token *t, void *out)
{
	return ww_rule_ct_state_parse(t->s, t->len, out);
}

static const struct elem_kind cidr4_kind = {
	"an IPv4 address or prefix like 10.0.0.0/8",
	sizeof(struct ww_rule_cidr), false, parse_cidr,
};
static const struct elem_kind cidr6_kind = {
	"an IPv6 address or prefix like 2001:db8::/32",
	sizeof(struct ww_rule_cidr), false, parse_cidr,
};
static const struct elem_kind port_kind = {
	"a port, a range like 1000-2000",
	sizeof(struct ww_rule_range), false, parse_port,
};
static const struct elem_kind icmp_kind = {
	"an ICMP type (a name like echo-request, a number or a range like "
	"0-255)",
	sizeof(struct ww_rule_range), false, parse_icmp_type,
};
static const struct elem_kind ct_kind = {
	"a ct state (new, established, related or invalid)",
	sizeof(uint8_t), true, parse_ct_state,
};

static int
parse_elem(struct parser *p, const struct elem_kind *k, const struct token *t,
	   void *out, bool in_set)
{
	int ret = 1;

	if (is_value(p, t))
		ret = k->parse(p, t, out);
	if (ret == 1)
		return fail_at(p, t, "expected %s%s, got %s", k->what,
			       in_set ? "" : " or '{'", quote(p, t));
	if (ret < 0)
		p->err->column = t->col;
	return ret;
}

static int
parse_set(struct parser *p, const struct elem_kind *k, char *slot,
	  uint8_t *nb, const struct token *open)
{
	unsigned int n = 0;
	struct token t;
	int ret;

	for (;;) {
		t = next(p);
		if (n == 0 && is(&t, "}"))
			return fail_at(p, &t, "empty set: expected %s inside "
				       "{ }", k->what);
		if (n == WW_RULE_SET_MAX)
			return fail_at(p, &t, "too many elements in the set "
				       "(at most %d)", WW_RULE_SET_MAX);
		ret = parse_elem(p, k, &t, slot + n * k->size, true);
		if (ret != 0)
			return ret;
		n++;
		t = next(p);
		if (is(&t, "}"))
			break;
		if (t.len == 0)
			return fail_at(p, &t, "unclosed '{' (column %d): "
				       "expected ',' or '}', got end of rule",
				       open->col);
		if (!is(&t, ","))
			return fail_at(p, &t, "expected ',' or '}' in the set, "
				       "got %s", quote(p, &t));
	}
	*nb = (uint8_t)n;
	return 0;
}

/* One value or "{ v, ... }": elements to @p out, their count to @p nb. */
static int
parse_values(struct parser *p, const struct elem_kind *k, void *out,
	     uint8_t *nb)
{
	struct token t = next(p);
	char *slot = out;
	unsigned int n = 1;
	int ret;

	if (is(&t, "{"))
		return parse_set(p, k, slot, nb, &t);
	ret = parse_elem(p, k, &t, slot, false);
	if (ret != 0)
		return ret;
	while (k->bare_list && peek_is(p, ",")) {
		next(p);
		t = next(p);
		if (n == WW_RULE_SET_MAX)
			return fail_at(p, &t, "too many elements in the list "
				       "(at most %d)", WW_RULE_SET_MAX);
		ret = parse_elem(p, k, &t, slot + n * k->size, true);
		if (ret != 0)
			return ret;
		n++;
	}
	*nb = (uint8_t)n;
	return 0;
}

static int
bad_sub(struct parser *p, const struct token *kw, const struct token *sub,
	const char *choices)
{
	return fail_at(p, sub, "expected %s after \"%.*s\", got %s", choices,
		       (int)kw->len, kw->s, quote(p, sub));
}

static int
parse_proto_value(struct parser *p)
{
	struct token t = next(p);
	int ret = 1;
	uint8_t proto;

	if (is_value(p, &t))
		ret = ww_rule_proto_parse(t.s, t.len, &proto, p->err->message,
					  sizeof(p->err->message));
	if (ret == 1)
		return fail_at(p, &t, "expected a protocol (tcp, udp, icmp, "
			       "icmpv6 or 0..255), got %s", quote(p, &t));
	if (ret < 0) {
		p->err->column = t.col;
		return ret;
	}
	return set_proto(p, &t, proto);
}

/* ---- TCP flags ---- */

static int
parse_flag_list(struct parser *p, uint8_t *out)
{
	const struct name_value *nv;
	struct token t;

	*out = 0;
	for (;;) {
		t = next(p);
		nv = lookup(tcp_flags, DIM(tcp_flags), t.s, t.len);
		if (nv == NULL)
			return fail_at(p, &t, "expected a TCP flag (%s), got "
				       "%s", TCP_FLAG_NAMES, quote(p, &t));
		*out |= (uint8_t)nv->value;
		if (!peek_is(p, ","))
			return 0;
		next(p);
	}
}

static void
flags_text(uint8_t bits, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < DIM(tcp_flags) && used < size; i++)
		if (bits & tcp_flags[i].value)
			used += snprintf(buf + used, size - used, "%s%s",
					 used ? "," : "", tcp_flags[i].name);
}

/* "F" (F set), "F / M" (F set among M), "== F" (exactly F). */
static int
parse_flags_expr(struct parser *p, uint8_t *value, uint8_t *mask)
{
	struct token first, t;
	char v[48], m[48];
	int ret;

	first = peek(p);
	if (is(&first, "==")) {
		next(p);
		*mask = 0xff;
		return parse_flag_list(p, value);
	}
	ret = parse_flag_list(p, value);
	if (ret != 0)
		return ret;
	t = peek(p);
	if (!is(&t, "/")) {
		*mask = *value;
		return 0;
	}
	next(p);
	ret = parse_flag_list(p, mask);
	if (ret != 0)
		return ret;
	if (*value & ~*mask) {
		flags_text(*value, v, sizeof(v));
		flags_text(*mask, m, sizeof(m));
		return fail_at(p, &first, "flags %s are not all in the mask "
			       "%s (in \"F / M\", the flags F must be among M)",
			       v, m);
	}
	return 0;
}

static int
flags_expr(struct parser *p, uint8_t *value, uint8_t *mask)
{
	int ret;

	/* Only here is "/" a word: addresses keep theirs (10.0.0.0/8). */
	p->split_slash = true;
	ret = parse_flags_expr(p, value, mask);
	p->split_slash = false;
	return ret;
}

int
ww_rule_tcp_flags_parse(const char *s, uint8_t *value, uint8_t *mask,
			char *msg, size_t size)
{
	struct ww_rule_error err;
	struct ww_rule scratch;
	struct parser p = { .text = s, .rule = &scratch, .err = &err };
	struct token t;
	int ret;

	p.split_slash = true;
	ret = parse_flags_expr(&p, value, mask);
	if (ret == 0) {
		t = next(&p);
		if (t.len != 0)
			ret = fail_at(&p, &t, "unexpected %s after the flags",
				      quote(&p, &t));
	}
	if (ret != 0)
		snprintf(msg, size, "%s", err.message);
	return ret;
}

int
ww_rule_tcp_flags_format(uint8_t value, uint8_t mask, char *buf, size_t size)
{
	char v[48], m[48];

	flags_text(value, v, sizeof(v));
	flags_text(mask, m, sizeof(m));
	if (value == mask)
		return snprintf(buf, size, "%s", v);
	if (mask == 0xff)
		return snprintf(buf, size, "== %s", v);
	return snprintf(buf, size, "%s / %s", v, m);
}

/* ---- clauses ---- */

static int
clause_iif(struct parser *p, const struct token *kw)
{
	struct token t;
	int ret = once(p, SEEN_IIF, kw, NULL);

	if (ret != 0)
		return ret;
	t = next(p);
	if (!is_value(p, &t))
		return fail_at(p, &t, "expected an interface name after "
			       "\"%.*s\", got %s", (int)kw->len, kw->s,
			       quote(p, &t));
	ret = ww_rule_name_check(t.s, t.len, p->err->message,
				 sizeof(p->err->message));
	if (ret != 0) {
		p->err->column = t.col;
		return ret;
	}
	memcpy(p->rule->iif, t.s, t.len);
	p->rule->iif[t.len] = '\0';
	return 0;
}

/* ip|ip6 saddr|daddr X, ip protocol P, ip6 nexthdr P */
static int
clause_ip(struct parser *p, const struct token *kw)
{
	bool v6 = is(kw, "ip6");
	uint8_t family = v6 ? WW_RULE_FAMILY_IPV6 : WW_RULE_FAMILY_IPV4;
	const struct elem_kind *k = v6 ? &cidr6_kind : &cidr4_kind;
	struct ww_rule *r = p->rule;
	struct token sub = next(p);
	int ret;

	if (is(&sub, "saddr") || is(&sub, "daddr")) {
		bool src = is(&sub, "saddr");

		ret = once(p, src ? SEEN_SADDR : SEEN_DADDR, kw, &sub);
		if (ret == 0)
			ret = set_family(p, kw, family);
		if (ret == 0)
			ret = src ? parse_values(p, k, r->saddr, &r->nb_saddr) :
				    parse_values(p, k, r->daddr, &r->nb_daddr);
		return ret;
	}
	if (is(&sub, v6 ? "nexthdr" : "protocol")) {
		ret = once(p, SEEN_PROTO, kw, &sub);
		if (ret == 0)
			ret = set_family(p, kw, family);
		if (ret == 0)
			ret = parse_proto_value(p);
		return ret;
	}
	return bad_sub(p, kw, &sub, v6 ? "saddr, daddr or nexthdr" :
					 "saddr, daddr or protocol");
}

/* tcp|udp sport|dport X, tcp flags F */
static int
clause_l4(struct parser *p, const struct token *kw)
{
	bool tcp = is(kw, "tcp");
	struct ww_rule *r = p->rule;
	struct token sub = next(p);
	int ret;

	if (is(&sub, "sport") || is(&sub, "dport")) {
		bool src = is(&sub, "sport");

		ret = once(p, src ? SEEN_SPORT : SEEN_DPORT, kw, &sub);
		if (ret == 0)
			ret = set_proto(p, kw, tcp ? 6 : 17);
		if (ret == 0 && src)
			ret = parse_values(p, &port_kind, r->sport,
					   &r->nb_sport);
		else if (ret == 0)
			ret = parse_values(p, &port_kind, r->dport,
					   &r->nb_dport);
		return ret;
	}
	if (tcp && is(&sub, "flags")) {
		ret = once(p, SEEN_FLAGS, kw, &sub);
		if (ret == 0)
			ret = set_proto(p, kw, 6);
		if (ret == 0)
			ret = flags_expr(p, &r->tcp_flags, &r->tcp_flags_mask);
		return ret;
	}
	return bad_sub(p, kw, &sub, tcp ? "dport, sport or flags" :
					  "dport or sport");
}

/* icmp|icmpv6 type T, icmp|icmpv6 code N */
static int
clause_icmp(struct parser *p, const struct token *kw)
{
	bool v6 = is(kw, "icmpv6");
	struct ww_rule *r = p->rule;
	struct token sub = next(p), t;
	bool type = is(&sub, "type");
	long code;
	int ret;

	if (!type && !is(&sub, "code"))
		return bad_sub(p, kw, &sub, "type or code");
	ret = once(p, type ? SEEN_ICMP_TYPE : SEEN_ICMP_CODE, kw, &sub);
	if (ret == 0)
		ret = set_proto(p, kw, v6 ? 58 : 1);
	if (ret == 0)
		ret = set_family(p, kw, v6 ? WW_RULE_FAMILY_IPV6 :
					     WW_RULE_FAMILY_IPV4);
	if (ret != 0)
		return ret;
	if (type) {
		p->icmp_v6 = v6;
		return parse_values(p, &icmp_kind, r->icmp_type,
				    &r->nb_icmp_type);
	}
	t = next(p);
	code = is_value(p, &t) ? parse_number(t.s, t.len) : -1;
	if (code < 0)
		return fail_at(p, &t, "expected an ICMP code (0..255), got %s",
			       quote(p, &t));
	if (code > 255)
		return fail_at(p, &t, "ICMP code %s is out of range (0..255)",
			       quote(p, &t));
	r->has_icmp_code = true;
	r->icmp_code = (uint8_t)code;
	return 0;
}

/* meta l4proto P, meta nfproto ipv4|ipv6 */
static int
clause_meta(struct parser *p, const struct token *kw)
{
	struct token sub = next(p), t;
	int ret;

	if (is(&sub, "l4proto")) {
		ret = once(p, SEEN_PROTO, kw, &sub);
		return ret != 0 ? ret : parse_proto_value(p);
	}
	if (!is(&sub, "nfproto"))
		return bad_sub(p, kw, &sub, "l4proto or nfproto");
	ret = once(p, SEEN_NFPROTO, kw, &sub);
	if (ret != 0)
		return ret;
	t = next(p);
	if (is(&t, "ipv4"))
		return set_family(p, &t, WW_RULE_FAMILY_IPV4);
	if (is(&t, "ipv6"))
		return set_family(p, &t, WW_RULE_FAMILY_IPV6);
	return fail_at(p, &t, "expected ipv4 or ipv6, got %s", quote(p, &t));
}

/* ct state S */
static int
clause_ct(struct parser *p, const struct token *kw)
{
	uint8_t bits[WW_RULE_SET_MAX], n;
	struct token sub = next(p);
	int ret;

	if (!is(&sub, "state"))
		return bad_sub(p, kw, &sub, "state");
	ret = once(p, SEEN_CT, kw, &sub);
	if (ret == 0)
		ret = parse_values(p, &ct_kind, bits, &n);
	if (ret != 0)
		return ret;
	for (unsigned int i = 0; i < n; i++)
		p->rule->ct_state |= bits[i];
	return 0;
}

static int
clause_counter(struct parser *p, const struct token *kw)
{
	int ret = once(p, SEEN_COUNTER, kw, NULL);

	if (ret == 0)
		p->rule->counter = true;
	return ret;
}

static int
clause_log(struct parser *p, const struct token *kw)
{
	int ret = once(p, SEEN_LOG, kw, NULL);

	if (ret == 0)
		p->rule->log = true;
	return ret;
}

static int
clause_action(struct parser *p, const struct token *kw)
{
	if (is(kw, "accept"))
		p->rule->action = WW_RULE_ACCEPT;
	else if (is(kw, "drop"))
		p->rule->action = WW_RULE_DROP;
	else
		p->rule->action = WW_RULE_REJECT;
	p->done = true;
	return 0;
}

static const struct clause {
	const char *word;
	int (*parse)(struct parser *p, const struct token *kw);
} clauses[] = {
	{ "iif", clause_iif }, { "iifname", clause_iif },
	{ "ip", clause_ip }, { "ip6", clause_ip },
	{ "tcp", clause_l4 }, { "udp", clause_l4 },
	{ "icmp", clause_icmp }, { "icmpv6", clause_icmp },
	{ "meta", clause_meta }, { "ct", clause_ct },
	{ "counter", clause_counter }, { "log", clause_log },
	{ "accept", clause_action }, { "drop", clause_action },
	{ "reject", clause_action },
};
#define CLAUSE_WORDS "iif, ip, ip6, tcp, udp, icmp, icmpv6, meta, ct, " \
		     "counter, log, accept, drop, reject"

static int
unknown_word(struct parser *p, const struct token *t)
{
	if (is(t, ","))
		return fail_at(p, t, "unexpected ',' (a set needs braces, "
			       "like { 22, 443 })");
	return fail_at(p, t, "unknown word %s (expected " CLAUSE_WORDS ")",
		       quote(p, t));
}

int
ww_rule_parse(const char *text, struct ww_rule *rule,
	      struct ww_rule_error *err)
{
	struct ww_rule_error scratch;
	struct parser p = {
		.text = text != NULL ? text : "",
		.rule = rule,
		.err = err != NULL ? err : &scratch,
	};
	const struct clause *c;
	struct token t;
	int ret;

	memset(p.err, 0, sizeof(*p.err));
	memset(rule, 0, sizeof(*rule));
	while (!p.done) {
		t = next(&p);
		if (t.len == 0)
			return fail_at(&p, &t, "%smissing action (accept, drop "
				       "or reject) at the end",
				       t.col == 1 ? "empty rule: " : "");
		c = NULL;
		for (size_t i = 0; i < DIM(clauses) && c == NULL; i++)
			if (is(&t, clauses[i].word))
				c = &clauses[i];
		if (c == NULL)
			return unknown_word(&p, &t);
		ret = c->parse(&p, &t);
		if (ret != 0)
			return ret;
	}
	t = next(&p);
	if (t.len != 0)
		return fail_at(&p, &t, "unexpected %s after the action (the "
			       "action must be the last word)", quote(&p, &t));
	return 0;
}

/* ---- format ---- */

/* snprintf-style appending: counts what would have been written. */
struct out {
	char *buf;
	size_t size;
	size_t len;
};

static void
vput(struct out *o, const char *fmt, va_list ap)
{
	bool room = o->len < o->size;
	int n = vsnprintf(room ? o->buf + o->len : NULL,
			  room ? o->size - o->len : 0, fmt, ap);

	if (n > 0)
		o->len += (size_t)n;
}

static void __attribute__((format(printf, 2, 3)))
put(struct out *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vput(o, fmt, ap);
	va_end(ap);
}

/* Start a clause: words are separated by one space. */
static void __attribute__((format(printf, 2, 3)))
clause(struct out *o, const char *fmt, ...)
{
	va_list ap;

	if (o->len > 0)
		put(o, " ");
	va_start(ap, fmt);
	vput(o, fmt, ap);
	va_end(ap);
}

typedef int (*elem_format)(const void *elem, bool v6, char *buf,
			   size_t size);

static int
format_cidr(const void *elem, bool v6, char *buf, size_t size)
{
	return ww_rule_cidr_format(elem, buf, size);
}

static int
format_port(const void *elem, bool v6, char *buf, size_t size)
{
	const struct ww_rule_range *r = elem;

	if (r->lo == r->hi)
		return snprintf(buf, size, "%u", r->lo);
	return snprintf(buf, size, "%u-%u", r->lo, r->hi);
}

static int
format_icmp_type(const void *elem, bool v6, char *buf, size_t size)
{
	const struct ww_rule_range *r = elem;
	const char *name = r->lo == r->hi ?
			   ww_rule_icmp_type_name(v6, r->lo) : NULL;

	if (name != NULL)
		return snprintf(buf, size, "%s", name);
	return format_port(elem, v6, buf, size);
}

/* "<name> x" or "<name> { x, y }" */
static void
put_values(struct out *o, const char *name, const void *elems, size_t size,
	   unsigned int n, elem_format fmt, bool v6)
{
	const char *e = elems;
	char buf[64];

	clause(o, "%s %s", name, n > 1 ? "{ " : "");
	for (unsigned int i = 0; i < n; i++) {
		fmt(e + i * size, v6, buf, sizeof(buf));
		put(o, "%s%s", i ? ", " : "", buf);
	}
	if (n > 1)
		clause(o, "}");
}

static void
put_proto_clauses(struct out *o, const struct ww_rule *r)
{
	bool ports = (r->proto == 6 || r->proto == 17) &&
		     (r->nb_sport || r->nb_dport);
	bool icmp = (r->proto == 1 || r->proto == 58) &&
		    (r->nb_icmp_type || r->has_icmp_code);
	bool flags = r->proto == 6 && r->tcp_flags_mask != 0;
	const char *l4 = r->proto == 6 ? "tcp" : "udp";
	const char *ic = r->proto == 58 ? "icmpv6" : "icmp";
	char buf[16];

	/* The family shows by itself through addresses or icmp clauses. */
	if (r->family != WW_RULE_FAMILY_ANY && !ww_rule_family_implied(r)) {
		bool v6 = r->family == WW_RULE_FAMILY_IPV6;

		if (r->proto == 0)
			clause(o, "meta nfproto %s", v6 ? "ipv6" : "ipv4");
		else
			clause(o, "%s %s", v6 ? "ip6 nexthdr" : "ip protocol",
			    proto_text(r->proto, buf, sizeof(buf)));
	} else if (r->proto != 0 && !ports && !icmp && !flags) {
		clause(o, "meta l4proto %s", proto_text(r->proto, buf,
						       sizeof(buf)));
	}
	if (ports) {
		snprintf(buf, sizeof(buf), "%s sport", l4);
		if (r->nb_sport)
			put_values(o, buf, r->sport, sizeof(r->sport[0]),
				   r->nb_sport, format_port, false);
		snprintf(buf, sizeof(buf), "%s dport", l4);
		if (r->nb_dport)
			put_values(o, buf, r->dport, sizeof(r->dport[0]),
				   r->nb_dport, format_port, false);
	}
	if (icmp) {
		snprintf(buf, sizeof(buf), "%s type", ic);
		if (r->nb_icmp_type)
			put_values(o, buf, r->icmp_type,
				   sizeof(r->icmp_type[0]), r->nb_icmp_type,
				   format_icmp_type, r->proto == 58);
		if (r->has_icmp_code)
			clause(o, "%s code %u", ic, r->icmp_code);
	}
}

static void
put_ct_state(struct out *o, uint8_t bits)
{
	unsigned int n = 0, total = __builtin_popcount(bits);

	clause(o, "ct state %s", total > 1 ? "{ " : "");
	for (size_t i = 0; i < DIM(ct_states); i++)
		if (bits & ct_states[i].value)
			put(o, "%s%s", n++ ? ", " : "", ct_states[i].name);
	if (total > 1)
		clause(o, "}");
}

int
ww_rule_format(const struct ww_rule *r, char *buf, size_t size)
{
	const char *ip = r->family == WW_RULE_FAMILY_IPV6 ? "ip6" : "ip";
	struct out o = { buf, size, 0 };
	char name[16], flags[128];

	if (size > 0)
		buf[0] = '\0';
	if (r->iif[0] != '\0')
		clause(&o, "iif %.*s", WW_RULE_NAME_MAX - 1, r->iif);
	snprintf(name, sizeof(name), "%s saddr", ip);
	if (r->nb_saddr)
		put_values(&o, name, r->saddr, sizeof(r->saddr[0]),
			   r->nb_saddr, format_cidr, false);
	snprintf(name, sizeof(name), "%s daddr", ip);
	if (r->nb_daddr)
		put_values(&o, name, r->daddr, sizeof(r->daddr[0]),
			   r->nb_daddr, format_cidr, false);
	put_proto_clauses(&o, r);
	if (r->tcp_flags_mask != 0) {
		ww_rule_tcp_flags_format(r->tcp_flags, r->tcp_flags_mask,
					 flags, sizeof(flags));
		clause(&o, "tcp flags %s", flags);
	}
	if (r->ct_state != 0)
		put_ct_state(&o, r->ct_state);
	if (r->counter)
		clause(&o, "counter");
	if (r->log)
		clause(&o, "log");
	clause(&o, "%s", ww_rule_action_name(r->action));
	return (int)o.len;
}

/* ---- equality ---- */

static bool
cidr_equal(const struct ww_rule_cidr *a, const struct ww_rule_cidr *b)
{
	size_t bytes = a->family == 4 ? 4 : 16;

	return a->family == b->family && a->prefix == b->prefix &&
	       memcmp(a->addr, b->addr, bytes) == 0;
}

static bool
cidrs_equal(const struct ww_rule_cidr *a, const struct ww_rule_cidr *b,
	    unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (!cidr_equal(&a[i], &b[i]))
			return false;
	return true;
}

static bool
ranges_equal(const struct ww_rule_range *a, const struct ww_rule_range *b,
	     unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (a[i].lo != b[i].lo || a[i].hi != b[i].hi)
			return false;
	return true;
}

bool
ww_rule_equal(const struct ww_rule *a, const struct ww_rule *b)
{
	return strncmp(a->iif, b->iif, sizeof(a->iif)) == 0 &&
	       a->family == b->family && a->proto == b->proto &&
	       a->nb_saddr == b->nb_saddr && a->nb_daddr == b->nb_daddr &&
	       a->nb_sport == b->nb_sport && a->nb_dport == b->nb_dport &&
	       a->nb_icmp_type == b->nb_icmp_type &&
	       a->nb_saddr <= WW_RULE_SET_MAX &&
	       a->nb_daddr <= WW_RULE_SET_MAX &&
	       a->nb_sport <= WW_RULE_SET_MAX &&
	       a->nb_dport <= WW_RULE_SET_MAX &&
	       a->nb_icmp_type <= WW_RULE_SET_MAX &&
	       cidrs_equal(a->saddr, b->saddr, a->nb_saddr) &&
	       cidrs_equal(a->daddr, b->daddr, a->nb_daddr) &&
	       ranges_equal(a->sport, b->sport, a->nb_sport) &&
	       ranges_equal(a->dport, b->dport, a->nb_dport) &&
	       ranges_equal(a->icmp_type, b->icmp_type, a->nb_icmp_type) &&
	       a->has_icmp_code == b->has_icmp_code &&
	       (!a->has_icmp_code || a->icmp_code == b->icmp_code) &&
	       a->tcp_flags == b->tcp_flags &&
	       a->tcp_flags_mask == b->tcp_flags_mask &&
	       a->ct_state == b->ct_state && a->counter == b->counter &&
	       a->log == b->log && a->action == b->action;
}
