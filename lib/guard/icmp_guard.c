/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ICMP guard: the checks of icmp_guard.h in their order, cheapest and most
 * certain first, so a packet is dropped for the plainest reason it has.
 * The rate limit comes last: a packet dropped for what it is must not also
 * spend its source's tokens. Buckets live in a bounded per-source table
 * (addr_table.h) made at create.
 *
 * The per-packet path neither locks, allocates, logs nor divides.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_malloc.h>

#include "addr_table.h"
#include "guard.h"
#include "icmp_guard.h"
#include "packet.h"

#define IPPROTO_ICMP_ 1
#define IPPROTO_ICMPV6_ 58

#define ICMP_ECHO_REPLY 0
#define ICMP_DEST_UNREACH 3
#define ICMP_REDIRECT 5
#define ICMP_ECHO_REQUEST 8
#define ICMP_TIME_EXCEEDED 11
#define ICMP_PARAM_PROBLEM 12
#define ICMP6_ECHO_REQUEST 128
#define ICMP6_ROUTER_SOLICIT 133
#define ICMP6_NEIGHBOR_ADVERT 136
#define ICMP6_REDIRECT 137
#define ICMP6_MLD2_REPORT 143

struct icmp_src {
	struct addr_slot slot;
	struct ww_token_bucket tb; /* zero: full at its first packet */
};

struct ww_icmp_guard {
	struct icmp_src *src;
	uint32_t set_mask;
};

void
ww_icmp_guard_default_types(uint64_t allow4[4], uint64_t allow6[4])
{
	static const uint8_t types4[] = {
		ICMP_ECHO_REPLY, ICMP_DEST_UNREACH, ICMP_ECHO_REQUEST,
		ICMP_TIME_EXCEEDED, ICMP_PARAM_PROBLEM,
	};

	memset(allow4, 0, 4 * sizeof(allow4[0]));
	memset(allow6, 0, 4 * sizeof(allow6[0]));
	for (unsigned int i = 0; i < RTE_DIM(types4); i++)
		ww_guard_type_set(allow4, types4[i], true);
	/* Errors 1-4 (packet too big among them: path MTU discovery). */
	for (unsigned int t = 1; t <= 4; t++)
		ww_guard_type_set(allow6, t, true);
	/* Echo, MLD and NDP: IPv6 does not work without the last two. */
	for (unsigned int t = ICMP6_ECHO_REQUEST; t <= ICMP6_NEIGHBOR_ADVERT;
	     t++)
		ww_guard_type_set(allow6, t, true);
	ww_guard_type_set(allow6, ICMP6_MLD2_REPORT, true);
}

struct ww_icmp_guard *
ww_icmp_guard_create(const char *name, uint32_t max_sources, int socket_id)
{
	uint32_t sets = addr_table_sets(max_sources);
	struct ww_icmp_guard *g;

	if (name == NULL || sets == 0) {
		rte_errno = EINVAL;
		return NULL;
	}
	g = rte_zmalloc_socket(name, sizeof(*g), RTE_CACHE_LINE_SIZE,
			       socket_id);
	if (g == NULL)
		goto nomem;
	g->src = rte_zmalloc_socket(name, (size_t)sets * ADDR_WAYS *
				    sizeof(*g->src), RTE_CACHE_LINE_SIZE,
				    socket_id);
	if (g->src == NULL)
		goto nomem;
	g->set_mask = sets - 1;
	return g;

nomem:
	rte_free(g);
	rte_errno = ENOMEM;
	return NULL;
}

void
ww_icmp_guard_free(struct ww_icmp_guard *g)
{
	if (g == NULL)
		return;
	rte_free(g->src);
	rte_free(g);
}

static inline bool
is_icmp(const struct ww_pkt_meta *meta)
{
	return (meta->l3 == WW_L3_IPV4 && meta->l4_proto == IPPROTO_ICMP_) ||
	       (meta->l3 == WW_L3_IPV6 && meta->l4_proto == IPPROTO_ICMPV6_);
}

/* Ethernet broadcast/multicast, 255.255.255.255, 224.0.0.0/4, ff00::/8. */
static inline bool
to_broadcast(const struct rte_mbuf *m, const struct ww_pkt_meta *meta,
	     bool v6)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	const uint8_t *dst = p + meta->l3_off + (v6 ? 24 : 16);

	if (p[0] & 1)
		return true;
	if (v6)
		return dst[0] == 0xff;
	return (dst[0] & 0xf0) == 0xe0 ||
	       (dst[0] == 0xff && dst[1] == 0xff && dst[2] == 0xff &&
		dst[3] == 0xff);
}

static inline void
reject(struct ww_guard_ctx *ctx, struct rte_mbuf *m, unsigned int reason,
       unsigned int kind, uint32_t value)
{
	ww_guard_drop(m, reason);
	ww_guard_event(ctx, kind, m, value, 0);
}

static inline bool
rate_ok(struct ww_icmp_guard *g, const struct ww_guard_icmp_config *cfg,
	uint64_t now_ns, const struct rte_mbuf *m,
	const struct ww_pkt_meta *meta)
{
	struct addr_key k;
	struct icmp_src *s;
	uint32_t h;
	bool hit;

	h = addr_key_get(m, meta, false, &k);
	s = addr_table_get(g->src, sizeof(*s), g->set_mask, &k, h, now_ns,
			   &hit);
	return ww_token_take(&s->tb, now_ns, cfg->rate, cfg->burst);
}

static inline void
icmp_check(struct ww_icmp_guard *g, struct ww_guard_ctx *ctx,
	   const struct ww_guard_icmp_config *cfg, struct rte_mbuf *m,
	   const struct ww_pkt_meta *meta)
{
	bool v6 = meta->l3 == WW_L3_IPV6;
	uint32_t len = (uint32_t)meta->l3_end - meta->l3_off;
	uint8_t type = meta->icmp_type;

	/* Later fragments carry no ICMP header and a first one hides the
	 * datagram's size: nothing legitimate needs either. */
	if (meta->flags & WW_PKT_F_FRAGMENT) {
		reject(ctx, m, WW_REASON_ICMP_FRAGMENT, WW_EV_ICMP_FRAGMENT,
		       len);
		return;
	}
	if (len > cfg->max_size) {
		reject(ctx, m, WW_REASON_ICMP_SIZE, WW_EV_ICMP_SIZE, len);
		return;
	}
	if (unlikely(!(meta->flags & WW_PKT_F_L4)))
		return; /* the parser drops truncated ICMP: not reached */
	if (!ww_guard_type_allowed(v6 ? cfg->allow6 : cfg->allow4, type)) {
		bool redirect = type == (v6 ? ICMP6_REDIRECT : ICMP_REDIRECT);

		reject(ctx, m, WW_REASON_ICMP_TYPE, redirect ?
		       WW_EV_ICMP_REDIRECT : WW_EV_ICMP_TYPE, type);
		return;
	}
	/* Smurf amplification: one request, every host on the link answers
	 * (the answers then hit the spoofed source). */
	if (type == (v6 ? ICMP6_ECHO_REQUEST : ICMP_ECHO_REQUEST) &&
	    to_broadcast(m, meta, v6)) {
		reject(ctx, m, WW_REASON_ICMP_BROADCAST, WW_EV_ICMP_BROADCAST,
		       0);
		return;
	}
	/* Neighbour discovery is what keeps the link up under a flood. */
	if (v6 && type >= ICMP6_ROUTER_SOLICIT && type <= ICMP6_NEIGHBOR_ADVERT)
		return;
	if (!rate_ok(g, cfg, ctx->now_ns, m, meta))
		reject(ctx, m, WW_REASON_ICMP_RATE, WW_EV_ICMP_RATE, cfg->rate);
}

void
ww_icmp_guard_burst(struct ww_icmp_guard *g, struct ww_guard_ctx *ctx,
		    struct rte_mbuf **pkts, uint16_t n)
{
	const struct ww_guard_icmp_config *cfg = &ctx->cfg->icmp;

	if (!cfg->enabled)
		return;
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const struct ww_pkt_meta *meta = ww_pkt_meta(m);

		if (meta->verdict == WW_VERDICT_DROP || !is_icmp(meta))
			continue;
		icmp_check(g, ctx, cfg, m, meta);
	}
}
