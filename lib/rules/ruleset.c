/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Compiled rule sets: the rule list expanded into rte_acl rules, one
 * context per address family, first match wins (priority falls with the
 * entry's position).
 *
 * rte_acl matches a flat key of fixed fields; we build that key per packet
 * from the metadata rather than pointing rte_acl at the packet, so VLAN
 * tags, IPv4 options and IPv6 extension headers need no special layouts:
 *
 *   proto | pad[3] | src | dst | sport dport | iif ct flags pad
 *
 * rte_acl reads the first byte alone and then groups of 4 bytes: each
 * input_index below covers 4 bytes exactly. Addresses and ports are in
 * network order (as rte_acl expects its input); rule values in host order.
 * For ICMP, sport carries the type and dport the code.
 *
 * A rule with sets ({ 22, 443 }) becomes the product of its elements; ct
 * state sets become one ACL rule per state, since a packet has one state.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include <rte_acl.h>
#include <rte_byteorder.h>
#include <rte_errno.h>
#include <rte_malloc.h>

#include "packet.h"
#include "rules.h"

/* Most ACL rules one rule may expand to: sets multiply. */
#define WW_RULE_EXPANSION_MAX 4096

enum { F_PROTO, F_SRC, F_DST = F_SRC + 1, F_SPORT, F_DPORT, F_IIF, F_CT,
       F_FLAGS, F_PAD, NB_FIELDS4 };

/* What follows the addresses, the same for both families. */
struct acl_key_tail {
	uint16_t sport;
	uint16_t dport;
	uint8_t iif, ct, flags, pad1;
};

struct acl4_key {
	uint8_t proto;
	uint8_t pad0[3];
	uint32_t src;
	uint32_t dst;
	struct acl_key_tail t;
};

struct acl6_key {
	uint8_t proto;
	uint8_t pad0[3];
	uint8_t src[16];
	uint8_t dst[16];
	struct acl_key_tail t;
};

/* IPv6 fields: proto, 4 x src, 4 x dst, sport, dport, iif, ct, flags, pad. */
enum { G_PROTO, G_SRC0, G_DST0 = G_SRC0 + 4, G_SPORT = G_DST0 + 4, G_DPORT,
       G_IIF, G_CT, G_FLAGS, G_PAD, NB_FIELDS6 };

RTE_ACL_RULE_DEF(acl4_rule, NB_FIELDS4);
RTE_ACL_RULE_DEF(acl6_rule, NB_FIELDS6);


struct ww_ruleset {
	struct rte_acl_ctx *acl4, *acl6;
	unsigned int nb_entries;
	unsigned int nb_workers;
	unsigned int row_stride;            /* counters per worker row */
	struct ww_ruleset_entry *entries;
	struct ww_rule_counter *base;       /* carried over from the old set */
	struct ww_rule_counter *counters;   /* [worker * row_stride + idx] */
};

static void
def_field(struct rte_acl_field_def *d, uint8_t type, uint8_t size,
	  uint8_t field, uint8_t input, uint32_t offset)
{
	*d = (struct rte_acl_field_def){ .type = type, .size = size,
		.field_index = field, .input_index = input, .offset = offset };
}

static void
tail_fields(struct rte_acl_field_def *defs, unsigned int first,
	    uint8_t input, uint32_t offset)
{
	for (unsigned int i = 0; i < 4; i++)
		def_field(&defs[first + i], RTE_ACL_FIELD_TYPE_BITMASK, 1,
			  first + i, input, offset + i);
}

static void
acl4_defs(struct rte_acl_config *cfg)
{
	struct rte_acl_field_def *d = cfg->defs;

	def_field(&d[F_PROTO], RTE_ACL_FIELD_TYPE_BITMASK, 1, F_PROTO, 0, 0);
	def_field(&d[F_SRC], RTE_ACL_FIELD_TYPE_MASK, 4, F_SRC, 1,
		  offsetof(struct acl4_key, src));
	def_field(&d[F_DST], RTE_ACL_FIELD_TYPE_MASK, 4, F_DST, 2,
		  offsetof(struct acl4_key, dst));
	def_field(&d[F_SPORT], RTE_ACL_FIELD_TYPE_RANGE, 2, F_SPORT, 3,
		  offsetof(struct acl4_key, t.sport));
	def_field(&d[F_DPORT], RTE_ACL_FIELD_TYPE_RANGE, 2, F_DPORT, 3,
		  offsetof(struct acl4_key, t.dport));
	tail_fields(d, F_IIF, 4, offsetof(struct acl4_key, t.iif));
	cfg->num_fields = NB_FIELDS4;
	cfg->num_categories = 1;
}

static void
acl6_defs(struct rte_acl_config *cfg)
{
	struct rte_acl_field_def *d = cfg->defs;
	uint8_t input = 1;

	def_field(&d[G_PROTO], RTE_ACL_FIELD_TYPE_BITMASK, 1, G_PROTO, 0, 0);
	for (unsigned int i = 0; i < 4; i++) {
		def_field(&d[G_SRC0 + i], RTE_ACL_FIELD_TYPE_MASK, 4,
			  G_SRC0 + i, input++,
			  offsetof(struct acl6_key, src) + 4 * i);
	}
	for (unsigned int i = 0; i < 4; i++) {
		def_field(&d[G_DST0 + i], RTE_ACL_FIELD_TYPE_MASK, 4,
			  G_DST0 + i, input++,
			  offsetof(struct acl6_key, dst) + 4 * i);
	}
	def_field(&d[G_SPORT], RTE_ACL_FIELD_TYPE_RANGE, 2, G_SPORT, input,
		  offsetof(struct acl6_key, t.sport));
	def_field(&d[G_DPORT], RTE_ACL_FIELD_TYPE_RANGE, 2, G_DPORT, input++,
		  offsetof(struct acl6_key, t.dport));
	tail_fields(d, G_IIF, input, offsetof(struct acl6_key, t.iif));
	cfg->num_fields = NB_FIELDS6;
	cfg->num_categories = 1;
}

/* ---- expansion: one rule, every combination of its set elements ---- */

static const struct ww_rule_cidr any_cidr = { .family = 0, .prefix = 0 };
static const struct ww_rule_range any_range = { 0, UINT16_MAX };

struct expansion {
	const struct ww_rule_cidr *saddr, *daddr;
	unsigned int nb_saddr, nb_daddr;
	const struct ww_rule_range *sport, *dport;
	unsigned int nb_sport, nb_dport;
	struct ww_rule_range code;
	uint8_t ct_bits[4];
	unsigned int nb_ct;
};

static bool
is_icmp(uint8_t proto)
{
	return proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6;
}

static void
expansion_init(struct expansion *x, const struct ww_rule *r)
{
	uint8_t ct = r->ct_state ? r->ct_state : WW_CT_STATE_NEW;

	x->saddr = r->nb_saddr ? r->saddr : &any_cidr;
	x->nb_saddr = r->nb_saddr ? r->nb_saddr : 1;
	x->daddr = r->nb_daddr ? r->daddr : &any_cidr;
	x->nb_daddr = r->nb_daddr ? r->nb_daddr : 1;
	if (is_icmp(r->proto)) {
		x->sport = r->nb_icmp_type ? r->icmp_type : &any_range;
		x->nb_sport = r->nb_icmp_type ? r->nb_icmp_type : 1;
		x->dport = &x->code;
		x->nb_dport = 1;
		x->code = r->has_icmp_code ?
			(struct ww_rule_range){ r->icmp_code, r->icmp_code } :
			any_range;
	} else {
		x->sport = r->nb_sport ? r->sport : &any_range;
		x->nb_sport = r->nb_sport ? r->nb_sport : 1;
		x->dport = r->nb_dport ? r->dport : &any_range;
		x->nb_dport = r->nb_dport ? r->nb_dport : 1;
	}
	x->nb_ct = 0;
	for (unsigned int bit = 0; bit < 4; bit++)
		if (ct & (1u << bit))
			x->ct_bits[x->nb_ct++] = 1u << bit;
}

static unsigned long
expansion_size(const struct expansion *x)
{
	return (unsigned long)x->nb_saddr * x->nb_daddr * x->nb_sport *
	       x->nb_dport * x->nb_ct;
}

/* Which contexts a rule goes to: by its family, or both if it has none. */
static bool
rule_in_family(const struct ww_rule *r, unsigned int family)
{
	return r->family == WW_RULE_FAMILY_ANY || r->family == family;
}

static void
set_bitmask8(struct rte_acl_field *f, uint8_t value, uint8_t mask)
{
	f->value.u8 = value & mask;
	f->mask_range.u8 = mask;
}

static void
set_range16(struct rte_acl_field *f, const struct ww_rule_range *r)
{
	f->value.u16 = r->lo;
	f->mask_range.u16 = r->hi;
}

/* The fields both families share, at their family's indexes. */
static void
fill_common(struct rte_acl_field *f, unsigned int proto_i, unsigned int sport_i,
	    const struct ww_ruleset_entry *e, const struct expansion *x,
	    unsigned int sp, unsigned int dp, unsigned int ct)
{
	const struct ww_rule *r = &e->rule;

	set_bitmask8(&f[proto_i], r->proto, r->proto ? 0xff : 0);
	set_range16(&f[sport_i], &x->sport[sp]);
	set_range16(&f[sport_i + 1], &x->dport[dp]);
	set_bitmask8(&f[sport_i + 2], e->iif_index < 0 ? 0 : e->iif_index,
		     e->iif_index < 0 ? 0 : 0xff);
	set_bitmask8(&f[sport_i + 3], x->ct_bits[ct], 0xff);
	set_bitmask8(&f[sport_i + 4], r->tcp_flags, r->tcp_flags_mask);
	set_bitmask8(&f[sport_i + 5], 0, 0);
}

static uint32_t
v4_addr(const struct ww_rule_cidr *c)
{
	uint32_t a;

	memcpy(&a, c->addr, 4);
	return rte_be_to_cpu_32(a);
}

static void
fill_v6_addr(struct rte_acl_field *f, const struct ww_rule_cidr *c)
{
	for (unsigned int i = 0; i < 4; i++) {
		int bits = (int)c->prefix - 32 * (int)i;
		uint32_t w;

		memcpy(&w, c->addr + 4 * i, 4);
		f[i].value.u32 = rte_be_to_cpu_32(w);
		f[i].mask_range.u32 = bits <= 0 ? 0 : bits >= 32 ? 32 : bits;
	}
}

/* Add every expansion of entry @p idx to the contexts it belongs in. */
static int
add_entry(struct ww_ruleset *rs, unsigned int idx)
{
	const struct ww_ruleset_entry *e = &rs->entries[idx];
	struct expansion x;
	struct acl4_rule r4;
	struct acl6_rule r6;
	int ret = 0;

	expansion_init(&x, &e->rule);
	memset(&r4, 0, sizeof(r4));
	memset(&r6, 0, sizeof(r6));
	r4.data = r6.data = (struct rte_acl_rule_data){ .category_mask = 1,
		.priority = RTE_ACL_MAX_PRIORITY - idx, .userdata = idx + 1 };

	for (unsigned int s = 0; s < x.nb_saddr; s++)
	for (unsigned int d = 0; d < x.nb_daddr; d++)
	for (unsigned int sp = 0; sp < x.nb_sport; sp++)
	for (unsigned int dp = 0; dp < x.nb_dport; dp++)
	for (unsigned int ct = 0; ct < x.nb_ct && ret == 0; ct++) {
		if (rule_in_family(&e->rule, WW_RULE_FAMILY_IPV4)) {
			fill_common(r4.field, F_PROTO, F_SPORT, e, &x, sp, dp, ct);
			r4.field[F_SRC].value.u32 = v4_addr(&x.saddr[s]);
			r4.field[F_SRC].mask_range.u32 = x.saddr[s].prefix;
			r4.field[F_DST].value.u32 = v4_addr(&x.daddr[d]);
			r4.field[F_DST].mask_range.u32 = x.daddr[d].prefix;
			ret = rte_acl_add_rules(rs->acl4,
				(const struct rte_acl_rule *)&r4, 1);
		}
		if (ret == 0 && rule_in_family(&e->rule, WW_RULE_FAMILY_IPV6)) {
			fill_common(r6.field, G_PROTO, G_SPORT, e, &x, sp, dp, ct);
			fill_v6_addr(&r6.field[G_SRC0], &x.saddr[s]);
			fill_v6_addr(&r6.field[G_DST0], &x.daddr[d]);
			ret = rte_acl_add_rules(rs->acl6,
				(const struct rte_acl_rule *)&r6, 1);
		}
	}
	return ret;
}

int
ww_rule_check_size(const struct ww_rule *rule)
{
	struct expansion x;

	expansion_init(&x, rule);
	return expansion_size(&x) > WW_RULE_EXPANSION_MAX ? -E2BIG : 0;
}

static struct rte_acl_ctx *
acl_create(const char *kind, unsigned int rule_size, unsigned long max_rules,
	   int socket_id)
{
	static unsigned int serial;
	char name[RTE_ACL_NAMESIZE];
	struct rte_acl_param p = {
		.name = name, .socket_id = socket_id, .rule_size = rule_size,
		.max_rule_num = max_rules ? max_rules : 1,
	};

	/* rte_acl names must be unique while both sets live. */
	snprintf(name, sizeof(name), "ww_%s_%u", kind, serial++);
	return rte_acl_create(&p);
}

static int
ruleset_compile(struct ww_ruleset *rs, int socket_id)
{
	unsigned long n4 = 0, n6 = 0;
	struct rte_acl_config cfg;
	struct expansion x;
	int ret;

	for (unsigned int i = 0; i < rs->nb_entries; i++) {
		const struct ww_rule *r = &rs->entries[i].rule;

		expansion_init(&x, r);
		if (expansion_size(&x) > WW_RULE_EXPANSION_MAX)
			return -E2BIG;
		n4 += rule_in_family(r, WW_RULE_FAMILY_IPV4) ? expansion_size(&x) : 0;
		n6 += rule_in_family(r, WW_RULE_FAMILY_IPV6) ? expansion_size(&x) : 0;
	}
	rs->acl4 = acl_create("v4", RTE_ACL_RULE_SZ(NB_FIELDS4), n4, socket_id);
	rs->acl6 = acl_create("v6", RTE_ACL_RULE_SZ(NB_FIELDS6), n6, socket_id);
	if (rs->acl4 == NULL || rs->acl6 == NULL)
		return -ENOMEM;
	for (unsigned int i = 0; i < rs->nb_entries; i++) {
		ret = add_entry(rs, i);
		if (ret != 0)
			return ret;
	}
	/* An empty context cannot be built; classify() skips it. */
	memset(&cfg, 0, sizeof(cfg));
	acl4_defs(&cfg);
	if (n4 != 0 && (ret = rte_acl_build(rs->acl4, &cfg)) != 0)
		return ret;
	memset(&cfg, 0, sizeof(cfg));
	acl6_defs(&cfg);
	if (n6 != 0 && (ret = rte_acl_build(rs->acl6, &cfg)) != 0)
		return ret;
	if (n4 == 0) {
		rte_acl_free(rs->acl4);
		rs->acl4 = NULL;
	}
	if (n6 == 0) {
		rte_acl_free(rs->acl6);
		rs->acl6 = NULL;
	}
	return 0;
}

struct ww_ruleset *
ww_ruleset_build(const struct ww_ruleset_entry *entries,
		 unsigned int nb_entries, unsigned int nb_workers,
		 int socket_id)
{
	struct ww_ruleset *rs;
	int ret;

	rs = rte_zmalloc_socket("ww_ruleset", sizeof(*rs), 0, socket_id);
	if (rs == NULL)
		goto nomem;
	rs->nb_entries = nb_entries;
	rs->nb_workers = nb_workers ? nb_workers : 1;
	/* Rows on their own cache lines: workers never share one. */
	rs->row_stride = RTE_ALIGN_CEIL(nb_entries + 1, RTE_CACHE_LINE_SIZE /
					sizeof(struct ww_rule_counter));
	rs->entries = rte_malloc_socket("ww_rules", sizeof(*entries) *
					(nb_entries + 1), 0, socket_id);
	rs->base = rte_zmalloc_socket("ww_rule_base", sizeof(*rs->base) *
				      (nb_entries + 1), 0, socket_id);
	rs->counters = rte_zmalloc_socket("ww_rule_counters",
		sizeof(*rs->counters) * rs->row_stride * rs->nb_workers,
		RTE_CACHE_LINE_SIZE, socket_id);
	if (rs->entries == NULL || rs->base == NULL || rs->counters == NULL)
		goto nomem;
	if (nb_entries != 0)
		memcpy(rs->entries, entries, sizeof(*entries) * nb_entries);
	ret = ruleset_compile(rs, socket_id);
	if (ret != 0) {
		ww_ruleset_free(rs);
		rte_errno = ret == -ENOMEM ? ENOMEM : EINVAL;
		return NULL;
	}
	return rs;
nomem:
	ww_ruleset_free(rs);
	rte_errno = ENOMEM;
	return NULL;
}

void
ww_ruleset_free(struct ww_ruleset *rs)
{
	if (rs == NULL)
		return;
	rte_acl_free(rs->acl4);
	rte_acl_free(rs->acl6);
	rte_free(rs->entries);
	rte_free(rs->base);
	rte_free(rs->counters);
	rte_free(rs);
}

unsigned int
ww_ruleset_size(const struct ww_ruleset *rs)
{
	return rs->nb_entries;
}

const struct ww_ruleset_entry *
ww_ruleset_entry(const struct ww_ruleset *rs, unsigned int idx)
{
	return idx < rs->nb_entries ? &rs->entries[idx] : NULL;
}

/* ---- classification ---- */

/* Ports (ICMP: type and code stand where the ports would be), input
 * port, connection state and TCP flags. */
static inline void
key_tail(struct acl_key_tail *t, const struct ww_pkt_meta *meta,
	 const struct ww_classify_in *in)
{
	if (!(meta->flags & WW_PKT_F_L4)) {
		t->sport = t->dport = 0;
	} else if (is_icmp(meta->l4_proto)) {
		t->sport = rte_cpu_to_be_16(meta->icmp_type);
		t->dport = rte_cpu_to_be_16(meta->icmp_code);
	} else {
		t->sport = rte_cpu_to_be_16(meta->sport);
		t->dport = rte_cpu_to_be_16(meta->dport);
	}
	t->iif = in->iif;
	t->ct = in->ct_state;
	t->flags = meta->l4_proto == IPPROTO_TCP ? meta->tcp_flags : 0;
	t->pad1 = 0;
}

static inline void
key4(struct acl4_key *k, struct rte_mbuf *m, const struct ww_classify_in *in)
{
	const struct ww_pkt_meta *meta = ww_pkt_meta(m);
	const uint8_t *ip = rte_pktmbuf_mtod(m, const uint8_t *) + meta->l3_off;

	k->proto = meta->l4_proto;
	memcpy(&k->src, ip + 12, 4);
	memcpy(&k->dst, ip + 16, 4);
	key_tail(&k->t, meta, in);
}

static inline void
key6(struct acl6_key *k, struct rte_mbuf *m, const struct ww_classify_in *in)
{
	const struct ww_pkt_meta *meta = ww_pkt_meta(m);
	const uint8_t *ip = rte_pktmbuf_mtod(m, const uint8_t *) + meta->l3_off;

	k->proto = meta->l4_proto;
	memcpy(k->src, ip + 8, 16);
	memcpy(k->dst, ip + 24, 16);
	key_tail(&k->t, meta, in);
}

static inline void
count_hits(struct ww_ruleset *rs, unsigned int worker,
	   struct rte_mbuf **pkts, const uint16_t *which, const uint32_t *res,
	   unsigned int n, uint32_t *match)
{
	struct ww_rule_counter *row = &rs->counters[worker * rs->row_stride];

	for (unsigned int i = 0; i < n; i++) {
		uint16_t p = which[i];

		if (res[i] == 0) {
			match[p] = WW_RULESET_NO_MATCH;
			continue;
		}
		match[p] = res[i] - 1;
		row[res[i] - 1].packets++;
		row[res[i] - 1].bytes += pkts[p]->pkt_len;
	}
}

void
ww_ruleset_classify(struct ww_ruleset *rs, unsigned int worker,
		    struct rte_mbuf **pkts, const struct ww_classify_in *in,
		    uint16_t n, uint32_t *match)
{
	struct acl4_key k4[n];
	struct acl6_key k6[n];
	const uint8_t *d4[n], *d6[n];
	uint16_t w4[n], w6[n];
	uint32_t r4[n], r6[n];
	unsigned int n4 = 0, n6 = 0;

	for (uint16_t i = 0; i < n; i++) {
		uint8_t l3 = ww_pkt_meta(pkts[i])->l3;

		match[i] = WW_RULESET_NO_MATCH;
		if (l3 == WW_L3_IPV4 && rs->acl4 != NULL) {
			key4(&k4[n4], pkts[i], &in[i]);
			d4[n4] = (const uint8_t *)&k4[n4];
			w4[n4++] = i;
		} else if (l3 == WW_L3_IPV6 && rs->acl6 != NULL) {
			key6(&k6[n6], pkts[i], &in[i]);
			d6[n6] = (const uint8_t *)&k6[n6];
			w6[n6++] = i;
		}
	}
	if (n4 != 0) {
		rte_acl_classify(rs->acl4, d4, r4, n4, 1);
		count_hits(rs, worker, pkts, w4, r4, n4, match);
	}
	if (n6 != 0) {
		rte_acl_classify(rs->acl6, d6, r6, n6, 1);
		count_hits(rs, worker, pkts, w6, r6, n6, match);
	}
}

void
ww_ruleset_counter(const struct ww_ruleset *rs, unsigned int idx,
		   struct ww_rule_counter *out)
{
	*out = rs->base[idx];
	for (unsigned int w = 0; w < rs->nb_workers; w++) {
		const struct ww_rule_counter *c =
			&rs->counters[w * rs->row_stride + idx];

		out->packets += c->packets;
		out->bytes += c->bytes;
	}
}

struct handle_idx {
	uint32_t handle;
	unsigned int idx;
};

static int
cmp_handle(const void *a, const void *b)
{
	uint32_t x = ((const struct handle_idx *)a)->handle;
	uint32_t y = ((const struct handle_idx *)b)->handle;

	return x < y ? -1 : x > y;
}

void
ww_ruleset_carry_counters(struct ww_ruleset *rs, const struct ww_ruleset *old)
{
	struct handle_idx *by_handle;

	if (old == NULL || old->nb_entries == 0)
		return;
	by_handle = malloc(sizeof(*by_handle) * old->nb_entries);
	if (by_handle == NULL)
		return;
	for (unsigned int i = 0; i < old->nb_entries; i++)
		by_handle[i] = (struct handle_idx){ old->entries[i].handle, i };
	qsort(by_handle, old->nb_entries, sizeof(*by_handle), cmp_handle);
	for (unsigned int i = 0; i < rs->nb_entries; i++) {
		struct handle_idx key = { rs->entries[i].handle, 0 };
		const struct handle_idx *hit = bsearch(&key, by_handle,
			old->nb_entries, sizeof(*by_handle), cmp_handle);

		if (hit != NULL && rs->entries[i].handle != 0 &&
		    ww_rule_equal(&rs->entries[i].rule,
				  &old->entries[hit->idx].rule))
			ww_ruleset_counter(old, hit->idx, &rs->base[i]);
	}
	free(by_handle);
}
