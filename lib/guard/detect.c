/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Detectors. Two bounded tables made at create (addr_table.h): one entry
 * per source address (scan bitmaps, the new-connection and SYN buckets,
 * what was already reported this window), one per destination address
 * (SYNs this second). A spoofed flood recycles the least recently used
 * entries; it cannot make the tables grow.
 *
 * Scans are counted by linear counting: each attempt sets the bit of its
 * hashed destination port and of its hashed destination host in the
 * source's 1024-bit maps. With k bits set, the expected number of distinct
 * values that set them is sum(m / (m - i), i < k) (the coupon collector),
 * precomputed at create; it stays within a few percent up to several
 * hundred values, well past any sane threshold.
 *
 * SYN floods are judged one second at a time. SYNs are counted where every
 * one of them passes, in ww_detect_syn_limit_burst() before conntrack, and
 * those the limit drops still count: a limit that hid the flood would end
 * it and let it in again. A second over a threshold starts the flood at
 * once (mid-second); ww_detect_tick() samples the half-open count; each
 * second that ends below every threshold counts towards quiet_s.
 *
 * Time is ctx->now_ns only. The per-packet path neither locks, allocates,
 * logs nor divides (once a second does, to skip idle seconds).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_malloc.h>

#include "addr_table.h"
/* The WW_CT_STATE_* bits only: lib/guard does not link conntrack. */
#include "conntrack.h"
#include "detect.h"
#include "guard.h"
#include "packet.h"

#define NS_PER_MS UINT64_C(1000000)
#define NS_PER_SEC UINT64_C(1000000000)

#define IPPROTO_IGMP_ 2
#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17
#define IPPROTO_ICMPV6_ 58

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_ACK 0x10

#define MAP_BITS 1024
#define MAP_WORDS (MAP_BITS / 64)
#define DST_ENTRIES 4096

/* Per-source events raised in the current window. */
#define R_PORTS   0x01
#define R_HOSTS   0x02
#define R_STEALTH 0x04
#define R_FAST    0x08

struct det_src {
	struct addr_slot slot;
	uint64_t window_ns;          /* this source's window began */
	struct ww_token_bucket new_tb;
	struct ww_token_bucket syn_tb;
	uint32_t conns;              /* new connections in the window */
	uint16_t nports, nhosts;     /* bits set in the maps */
	uint8_t reported;            /* R_* */
	uint64_t ports[MAP_WORDS];
	uint64_t hosts[MAP_WORDS];
};

struct det_dst {
	struct addr_slot slot;
	uint64_t slot_ns;            /* the second syn counts */
	uint64_t reported_ns;
	uint32_t syn;
	bool reported;
};

struct ww_detect {
	struct det_src *src;
	struct det_dst *dst;
	uint32_t src_mask, dst_mask;
	/* SYN flood, one second at a time; stats.flood is the state. */
	bool slot_init;
	bool slot_dst_over;          /* a destination over its rate */
	bool flood_reported;         /* syn-flood raised in this flood */
	uint32_t slot_syn;
	uint32_t quiet;              /* seconds below every threshold */
	uint64_t slot_ns;
	uint64_t slot_half_open;     /* most seen this second */
	uint64_t half_open_now;      /* last sample */
	uint64_t flood_ns;           /* the flood began */
	struct ww_detect_stats stats;
	uint16_t est[MAP_BITS + 1];  /* distinct values for k bits set */
};

static void
estimates_init(uint16_t *est)
{
	double n = 0;

	est[0] = 0;
	for (unsigned int k = 1; k <= MAP_BITS; k++) {
		n += (double)MAP_BITS / (MAP_BITS - (k - 1));
		est[k] = (uint16_t)RTE_MIN(n + 0.5, (double)UINT16_MAX);
	}
}

struct ww_detect *
ww_detect_create(const char *name, uint32_t max_sources, int socket_id)
{
	uint32_t sets = addr_table_sets(max_sources);
	uint32_t dst_sets = addr_table_sets(DST_ENTRIES);
	struct ww_detect *d;

	if (name == NULL || sets == 0) {
		rte_errno = EINVAL;
		return NULL;
	}
	d = rte_zmalloc_socket(name, sizeof(*d), RTE_CACHE_LINE_SIZE,
			       socket_id);
	if (d == NULL)
		goto nomem;
	d->src = rte_zmalloc_socket(name, (size_t)sets * ADDR_WAYS *
				    sizeof(*d->src), RTE_CACHE_LINE_SIZE,
				    socket_id);
	d->dst = rte_zmalloc_socket(name, (size_t)dst_sets * ADDR_WAYS *
				    sizeof(*d->dst), RTE_CACHE_LINE_SIZE,
				    socket_id);
	if (d->src == NULL || d->dst == NULL)
		goto nomem;
	d->src_mask = sets - 1;
	d->dst_mask = dst_sets - 1;
	estimates_init(d->est);
	return d;

nomem:
	ww_detect_free(d);
	rte_errno = ENOMEM;
	return NULL;
}

void
ww_detect_free(struct ww_detect *d)
{
	if (d == NULL)
		return;
	rte_free(d->src);
	rte_free(d->dst);
	rte_free(d);
}

void
ww_detect_get_stats(const struct ww_detect *d, struct ww_detect_stats *out)
{
	*out = d->stats;
}

static inline uint32_t
sat32(uint64_t v)
{
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

static inline struct det_src *
src_get(struct ww_detect *d, const struct rte_mbuf *m,
	const struct ww_pkt_meta *meta, uint64_t now_ns)
{
	struct addr_key k;
	struct det_src *s;
	uint32_t h = addr_key_get(m, meta, false, &k);
	bool hit;

	s = addr_table_get(d->src, sizeof(*s), d->src_mask, &k, h, now_ns,
			   &hit);
	if (!hit)
		s->window_ns = now_ns;
	return s;
}

/* ------------------------------------------------------ scans and rate */

enum attempt {
	A_NONE,
	A_NEW,     /* a new connection, accepted or not */
	A_STEALTH, /* FIN, NULL, Xmas... : TCP without SYN, ACK or RST */
};

/* Link-local chatter (NDP, MLD, IGMP) goes to many group addresses and is
 * new every time: not a sweep. */
static inline bool
link_control(const struct ww_pkt_meta *meta)
{
	if (meta->l4_proto == IPPROTO_IGMP_)
		return meta->l3 == WW_L3_IPV4;
	if (meta->l4_proto != IPPROTO_ICMPV6_ || meta->l3 != WW_L3_IPV6 ||
	    !(meta->flags & WW_PKT_F_L4))
		return false;
	return (meta->icmp_type >= 130 && meta->icmp_type <= 137) ||
	       meta->icmp_type == 143;
}

static inline enum attempt
attempt_of(const struct ww_pkt_meta *meta, uint8_t ct_state)
{
	if (meta->l3 != WW_L3_IPV4 && meta->l3 != WW_L3_IPV6)
		return A_NONE;
	if (ct_state & WW_CT_STATE_NEW)
		return link_control(meta) ? A_NONE : A_NEW;
	if ((ct_state & WW_CT_STATE_INVALID) &&
	    meta->l4_proto == IPPROTO_TCP_ && (meta->flags & WW_PKT_F_L4) &&
	    !(meta->tcp_flags & (TH_SYN | TH_ACK | TH_RST)))
		return A_STEALTH;
	return A_NONE;
}

/* Set a bit; @return true if it was clear. */
static inline bool
map_set(uint64_t *map, uint32_t bit)
{
	uint64_t mask = UINT64_C(1) << (bit & 63);
	uint64_t *w = &map[bit >> 6];

	if (*w & mask)
		return false;
	*w |= mask;
	return true;
}

/* A new window forgets the maps and what was reported. */
static inline void
window_roll(struct det_src *s, uint64_t now_ns, uint64_t window_ns)
{
	if (now_ns >= s->window_ns && now_ns - s->window_ns < window_ns)
		return;
	s->window_ns = now_ns;
	s->conns = 0;
	s->nports = s->nhosts = 0;
	s->reported = 0;
	memset(s->ports, 0, sizeof(s->ports));
	memset(s->hosts, 0, sizeof(s->hosts));
}

static inline bool
has_ports(const struct ww_pkt_meta *meta)
{
	return (meta->l4_proto == IPPROTO_TCP_ ||
		meta->l4_proto == IPPROTO_UDP_) &&
	       (meta->flags & WW_PKT_F_L4);
}

/* Raise @p kind once per window for a count that reached its threshold. */
static inline void
scan_judge(struct ww_detect *d, struct ww_guard_ctx *ctx, struct det_src *s,
	   struct rte_mbuf *m, uint8_t flag, unsigned int kind,
	   uint16_t bits, uint32_t threshold)
{
	uint32_t n = d->est[bits];

	if ((s->reported & flag) || n < threshold)
		return;
	s->reported |= flag;
	d->stats.scans++;
	ww_guard_event(ctx, kind, m, n, ctx->cfg->scan.block_ttl_s);
}

static inline void
scan_count(struct ww_detect *d, struct ww_guard_ctx *ctx, struct det_src *s,
	   struct rte_mbuf *m, const struct ww_pkt_meta *meta, enum attempt a)
{
	const struct ww_guard_scan_config *cfg = &ctx->cfg->scan;
	struct addr_key k;
	uint32_t h;

	if (a == A_STEALTH && !(s->reported & R_STEALTH)) {
		s->reported |= R_STEALTH;
		ww_guard_event(ctx, WW_EV_SCAN_STEALTH, m, meta->tcp_flags, 0);
	}
	/* Multiplicative hash: consecutive ports spread over the map. */
	if (has_ports(meta) &&
	    map_set(s->ports, ((uint32_t)meta->dport * 2654435761u) >> 22)) {
		s->nports++;
		scan_judge(d, ctx, s, m, R_PORTS, WW_EV_SCAN_PORTS, s->nports,
			   cfg->ports);
	}
	h = addr_key_get(m, meta, true, &k);
	if (map_set(s->hosts, h & (MAP_BITS - 1))) {
		s->nhosts++;
		scan_judge(d, ctx, s, m, R_HOSTS, WW_EV_SCAN_HOSTS, s->nhosts,
			   cfg->hosts);
	}
}

static inline void
rate_count(struct ww_detect *d, struct ww_guard_ctx *ctx, struct det_src *s,
	   struct rte_mbuf *m)
{
	const struct ww_guard_rate_config *cfg = &ctx->cfg->rate;

	if (ww_token_take(&s->new_tb, ctx->now_ns, cfg->new_per_s,
			  cfg->burst) || (s->reported & R_FAST))
		return;
	s->reported |= R_FAST;
	d->stats.fast_sources++;
	/* The measure: new connections from it in this window so far. */
	ww_guard_event(ctx, WW_EV_RATE_NEW, m, s->conns, cfg->block_ttl_s);
}

void
ww_detect_burst(struct ww_detect *d, struct ww_guard_ctx *ctx,
		struct rte_mbuf **pkts, const uint8_t *ct_state, uint16_t n)
{
	const struct ww_guard_config *cfg = ctx->cfg;
	uint64_t window_ns;

	if (!cfg->scan.enabled && !cfg->rate.enabled)
		return;
	window_ns = (uint64_t)RTE_MAX(cfg->scan.window_ms, 1u) * NS_PER_MS;
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const struct ww_pkt_meta *meta = ww_pkt_meta(m);
		enum attempt a = attempt_of(meta, ct_state[i]);
		struct det_src *s;

		if (a == A_NONE)
			continue;
		s = src_get(d, m, meta, ctx->now_ns);
		window_roll(s, ctx->now_ns, window_ns);
		if (a == A_NEW)
			s->conns++;
		if (cfg->scan.enabled)
			scan_count(d, ctx, s, m, meta, a);
		if (a == A_NEW && cfg->rate.enabled)
			rate_count(d, ctx, s, m);
	}
}

/* ------------------------------------------------------------ SYN flood */

/* A flood concerns no one source: an event of its own, family 0. */
static void
global_event(struct ww_guard_ctx *ctx, unsigned int kind, uint32_t value)
{
	struct ww_event ev;

	if (ctx->events == NULL)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.time_ns = ctx->now_ns;
	ev.kind = kind;
	ev.port_idx = ctx->port_idx;
	ev.value = value;
	ww_event_emit(ctx->events, &ev, ctx->cfg->events.window_s);
}

static inline void
flood_on(struct ww_detect *d, uint64_t now_ns)
{
	d->quiet = 0;
	if (d->stats.flood)
		return;
	d->stats.flood = true;
	d->stats.floods++;
	d->flood_ns = now_ns;
	d->flood_reported = false;
}

/* Total SYN rate or half-open count over: syn-flood, once per flood. */
static inline void
flood_global(struct ww_detect *d, struct ww_guard_ctx *ctx, uint32_t value)
{
	flood_on(d, ctx->now_ns);
	if (d->flood_reported)
		return;
	d->flood_reported = true;
	global_event(ctx, WW_EV_SYNFLOOD_START, value);
}

static void
flood_off(struct ww_detect *d, struct ww_guard_ctx *ctx)
{
	d->stats.flood = false;
	/* The measure: how long it lasted, in seconds. */
	global_event(ctx, WW_EV_SYNFLOOD_END,
		     sat32((ctx->now_ns - d->flood_ns) / NS_PER_SEC));
}

/* Judge one second that ended. */
static void
second_end(struct ww_detect *d, struct ww_guard_ctx *ctx, uint32_t syn,
	   uint64_t half_open, bool dst_over)
{
	const struct ww_guard_synflood_config *cfg = &ctx->cfg->synflood;

	if (syn > cfg->syn_per_s || half_open > cfg->half_open) {
		flood_global(d, ctx, syn > cfg->syn_per_s ? syn :
				     sat32(half_open));
		return;
	}
	if (dst_over)
		flood_on(d, ctx->now_ns);
	else if (d->stats.flood && ++d->quiet >= cfg->quiet_s)
		flood_off(d, ctx);
}

/* Close the seconds that ended before now. */
static void
flood_roll(struct ww_detect *d, struct ww_guard_ctx *ctx)
{
	uint64_t now = ctx->now_ns, elapsed, idle;

	if (unlikely(!d->slot_init)) {
		d->slot_init = true;
		d->slot_ns = now - now % NS_PER_SEC;
		d->slot_syn = 0;
		d->slot_dst_over = false;
		d->slot_half_open = d->half_open_now = 0;
		return;
	}
	if (likely(now < d->slot_ns + NS_PER_SEC))
		return;
	elapsed = (now - d->slot_ns) / NS_PER_SEC;
	second_end(d, ctx, d->slot_syn, d->slot_half_open, d->slot_dst_over);
	/* Idle seconds had no SYN; half-open connections only time out, so
	 * the last count stands. More than quiet_s of them decide nothing. */
	idle = RTE_MIN(elapsed - 1, (uint64_t)ctx->cfg->synflood.quiet_s + 1);
	for (uint64_t i = 0; i < idle; i++)
		second_end(d, ctx, 0, d->half_open_now, false);
	d->stats.syn_rate = elapsed == 1 ? d->slot_syn : 0;
	d->slot_ns += elapsed * NS_PER_SEC;
	d->slot_syn = 0;
	d->slot_dst_over = false;
	d->slot_half_open = 0; /* the tick that follows samples it */
}

static inline bool
is_syn(const struct ww_pkt_meta *meta)
{
	return (meta->l3 == WW_L3_IPV4 || meta->l3 == WW_L3_IPV6) &&
	       meta->l4_proto == IPPROTO_TCP_ && (meta->flags & WW_PKT_F_L4) &&
	       (meta->tcp_flags & (TH_SYN | TH_ACK)) == TH_SYN;
}

/* SYNs to one destination this second: syn-flood-target once a window. */
static inline void
dst_count(struct ww_detect *d, struct ww_guard_ctx *ctx, struct rte_mbuf *m,
	  const struct ww_pkt_meta *meta)
{
	uint64_t window = (uint64_t)RTE_MAX(ctx->cfg->events.window_s, 1u) *
			  NS_PER_SEC;
	struct addr_key k;
	struct det_dst *e;
	uint32_t h = addr_key_get(m, meta, true, &k);
	bool hit;

	e = addr_table_get(d->dst, sizeof(*e), d->dst_mask, &k, h,
			   ctx->now_ns, &hit);
	if (e->slot_ns != d->slot_ns) {
		e->slot_ns = d->slot_ns;
		e->syn = 0;
	}
	if (++e->syn <= ctx->cfg->synflood.dst_syn_per_s)
		return;
	d->slot_dst_over = true;
	flood_on(d, ctx->now_ns);
	if (e->reported && ctx->now_ns - e->reported_ns < window)
		return;
	e->reported = true;
	e->reported_ns = ctx->now_ns;
	ww_guard_event(ctx, WW_EV_SYNFLOOD_DST, m, e->syn, 0);
}

static inline void
syn_limit(struct ww_detect *d, struct ww_guard_ctx *ctx, struct rte_mbuf *m,
	  const struct ww_pkt_meta *meta)
{
	const struct ww_guard_synflood_config *cfg = &ctx->cfg->synflood;
	struct det_src *s = src_get(d, m, meta, ctx->now_ns);

	if (ww_token_take(&s->syn_tb, ctx->now_ns, cfg->source_syn_per_s,
			  cfg->source_burst))
		return;
	d->stats.syn_limited++;
	ww_guard_drop(m, WW_REASON_SYN_LIMIT);
	ww_guard_event(ctx, WW_EV_SYN_LIMIT, m, cfg->source_syn_per_s, 0);
}

void
ww_detect_syn_limit_burst(struct ww_detect *d, struct ww_guard_ctx *ctx,
			  struct rte_mbuf **pkts, uint16_t n)
{
	const struct ww_guard_synflood_config *cfg = &ctx->cfg->synflood;

	if (!cfg->enabled)
		return;
	flood_roll(d, ctx);
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const struct ww_pkt_meta *meta = ww_pkt_meta(m);

		bool dropped = meta->verdict == WW_VERDICT_DROP;

		/* SYNs a guard before (the block lists) already stops still
		 * make the flood: blocking its sources does not end it. */
		if ((dropped && meta->reason <= WW_REASON_MALFORMED_LAST) ||
		    !is_syn(meta))
			continue;
		/* Over the rate mid-second: the whole second will be. */
		if (++d->slot_syn > cfg->syn_per_s)
			flood_global(d, ctx, d->slot_syn);
		dst_count(d, ctx, m, meta);
		if (d->stats.flood && !dropped)
			syn_limit(d, ctx, m, meta);
	}
}

void
ww_detect_tick(struct ww_detect *d, struct ww_guard_ctx *ctx,
	       uint64_t half_open)
{
	const struct ww_guard_synflood_config *cfg = &ctx->cfg->synflood;

	if (!cfg->enabled) {
		/* Forget a flood in progress: enabled again, start afresh. */
		d->stats.flood = false;
		d->slot_init = false;
		return;
	}
	flood_roll(d, ctx);
	d->half_open_now = half_open;
	d->slot_half_open = RTE_MAX(d->slot_half_open, half_open);
	if (half_open > cfg->half_open)
		flood_global(d, ctx, sat32(half_open));
}
