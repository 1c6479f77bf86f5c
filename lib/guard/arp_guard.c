/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ARP guard: checks in the order of arp_guard.h, learned bindings verified
 * by an RFC 5227 probe of our own.
 *
 * Learned bindings and pending probes are entries of one table: an rte_hash
 * keyed by the IPv4 address (single writer, the owning worker) whose key
 * position indexes a flat array. Every entry is on one of two lists, oldest
 * first: probes by the time they were sent, bindings by the time a claim
 * last confirmed them. A full table evicts the oldest probe first and only
 * then the least recently confirmed binding: a probe has never been
 * confirmed, and a flood of made-up claims (each a probe) so cannot push
 * out the bindings that hosts are using.
 *
 * Two MACs answering one probe. The first answer verifies the binding at
 * once, so the claimer's retry passes without waiting out the timeout; the
 * entry remembers the probe, and an answer from another MAC before
 * probe_timeout_ms is over removes the binding again (arp-conflict). Until
 * then the first answerer's ARP went through: a race of at most one probe
 * timeout, traded for not delaying every new host by that much. After a
 * conflict the address is unbound: its next claim probes afresh.
 *
 * Answers count only if they come in by the port the probe left by: ours
 * went out there, and a host elsewhere answering it is someone else
 * guessing.
 *
 * Rate limits: a token bucket per ARP sender MAC in a direct-mapped table;
 * a MAC landing on a slot another MAC holds takes it over with a full
 * bucket. rate 0 means no limit.
 *
 * The per-packet path neither locks, allocates from the heap, logs nor
 * blocks; probes come from the context's mempool.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_errno.h>
#include <rte_ether.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "arp_guard.h"
#include "guard.h"
#include "packet.h"

#define NIL UINT32_MAX
#define NS_PER_MS UINT64_C(1000000)
#define MAX_BINDINGS_LIMIT (4u * 1024 * 1024)
#define HASH_MIN_ENTRIES 16    /* rte_hash wants at least a bucket's worth */
#define RATE_MIN_SLOTS 64

/* The ARP message's fields at their offsets (rte_arp_hdr is 2-byte
 * aligned and the frame may start anywhere: bytes are copied, never read
 * through the struct). */
#define ARP_OFF_OP 6
#define ARP_OFF_SHA 8
#define ARP_OFF_SIP 14
#define ARP_OFF_THA 18
#define ARP_OFF_TIP 24
#define ARP_LEN 28

/* Shortest Ethernet frame without its FCS. */
#define ETH_MIN_FRAME (RTE_ETHER_MIN_LEN - RTE_ETHER_CRC_LEN)

/* Entry states, as struct ww_arp_binding_info reports them. */
enum {
	ST_VERIFIED = 0,
	ST_PROBING = 1,
};

struct arp_entry {
	uint64_t since_ns;         /* verified at, or probe sent at */
	uint64_t probe_ns;         /* the probe that made it (answerable) */
	uint32_t ip;               /* network order, the key */
	uint32_t prev, next;       /* on its state's list */
	struct rte_ether_addr mac; /* bound, or claimed while probing */
	uint16_t probe_port;       /* port the probe left by */
	uint8_t state;
	bool answerable;           /* from a probe: answers still count */
};

struct arp_list {
	uint32_t head, tail;
};

struct rate_slot {
	struct ww_token_bucket tb;
	struct rte_ether_addr mac;
};

struct ww_arp_guard {
	struct rte_hash *h;
	struct arp_entry *entries; /* by key position in h */
	struct rate_slot *rates;
	uint32_t rate_mask;
	uint32_t max_bindings, count;
	struct arp_list lists[2];  /* by state: bindings LRU, probes by age */
};

/* What the checks look at, copied out of the frame once. */
struct arp_msg {
	struct rte_ether_addr eth_dst, eth_src;
	struct rte_ether_addr sha, tha;
	rte_be32_t sip, tip;
	uint16_t op;
};

/* ---- lists ---- */

static inline void
list_append(struct ww_arp_guard *g, uint32_t idx)
{
	struct arp_entry *e = &g->entries[idx];
	struct arp_list *l = &g->lists[e->state];

	e->next = NIL;
	e->prev = l->tail;
	if (l->tail == NIL)
		l->head = idx;
	else
		g->entries[l->tail].next = idx;
	l->tail = idx;
}

static inline void
list_unlink(struct ww_arp_guard *g, uint32_t idx)
{
	struct arp_entry *e = &g->entries[idx];
	struct arp_list *l = &g->lists[e->state];

	if (e->prev == NIL)
		l->head = e->next;
	else
		g->entries[e->prev].next = e->next;
	if (e->next == NIL)
		l->tail = e->prev;
	else
		g->entries[e->next].prev = e->prev;
}

/* Put @p idx at the young end of the list of @p state. */
static inline void
entry_requeue(struct ww_arp_guard *g, uint32_t idx, uint8_t state)
{
	list_unlink(g, idx);
	g->entries[idx].state = state;
	list_append(g, idx);
}

static void
lists_reset(struct ww_arp_guard *g)
{
	for (unsigned int s = 0; s < RTE_DIM(g->lists); s++)
		g->lists[s].head = g->lists[s].tail = NIL;
	g->count = 0;
}

/* ---- entries ---- */

static inline uint32_t
entry_find(const struct ww_arp_guard *g, rte_be32_t ip)
{
	int32_t pos = rte_hash_lookup(g->h, &ip);

	return pos < 0 ? NIL : (uint32_t)pos;
}

static void
entry_remove(struct ww_arp_guard *g, uint32_t idx)
{
	list_unlink(g, idx);
	rte_hash_del_key(g->h, &g->entries[idx].ip);
	g->count--;
}

/* The entry a full table gives up: see the file comment. */
static inline uint32_t
entry_victim(const struct ww_arp_guard *g)
{
	if (g->lists[ST_PROBING].head != NIL)
		return g->lists[ST_PROBING].head;
	return g->lists[ST_VERIFIED].head;
}

/* A new entry for @p ip in @p state, making room if needed. @return its
 * index, or NIL. */
static uint32_t
entry_add(struct ww_arp_guard *g, rte_be32_t ip, uint8_t state)
{
	struct arp_entry *e;
	int32_t pos;

	if (g->count >= g->max_bindings)
		entry_remove(g, entry_victim(g));
	pos = rte_hash_add_key(g->h, &ip);
	if (pos < 0)
		return NIL;
	e = &g->entries[pos];
	memset(e, 0, sizeof(*e));
	e->ip = ip;
	e->state = state;
	list_append(g, (uint32_t)pos);
	g->count++;
	return (uint32_t)pos;
}

static inline bool
probe_live(const struct arp_entry *e, uint64_t now_ns, uint64_t timeout_ns)
{
	return e->answerable && now_ns - e->probe_ns < timeout_ns;
}

/* ---- frames ---- */

static inline void
arp_read(struct rte_mbuf *m, const struct ww_pkt_meta *meta,
	 struct arp_msg *a)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	const uint8_t *h = p + meta->l3_off;

	memcpy(&a->eth_dst, p, RTE_ETHER_ADDR_LEN);
	memcpy(&a->eth_src, p + RTE_ETHER_ADDR_LEN, RTE_ETHER_ADDR_LEN);
	a->op = (uint16_t)(h[ARP_OFF_OP] << 8 | h[ARP_OFF_OP + 1]);
	memcpy(&a->sha, h + ARP_OFF_SHA, RTE_ETHER_ADDR_LEN);
	memcpy(&a->sip, h + ARP_OFF_SIP, sizeof(a->sip));
	memcpy(&a->tha, h + ARP_OFF_THA, RTE_ETHER_ADDR_LEN);
	memcpy(&a->tip, h + ARP_OFF_TIP, sizeof(a->tip));
}

/*
 * An RFC 5227 probe for @p ip out of the ingress port, behind the same
 * VLAN tags as @p m (its L2 header is copied, MACs rewritten).
 * @return false if there was no room or no mbuf.
 */
static bool
probe_send(struct ww_guard_ctx *ctx, struct rte_mbuf *m,
	   const struct ww_pkt_meta *meta, rte_be32_t ip)
{
	const uint16_t l2 = meta->l3_off;
	const uint16_t len = RTE_MAX(l2 + ARP_LEN, ETH_MIN_FRAME);
	struct rte_mbuf *p;
	uint8_t *d, *h;

	if (ctx->back == NULL || ctx->nb_back >= ctx->max_back)
		return false;
	p = rte_pktmbuf_alloc(ctx->pool);
	if (p == NULL)
		return false;
	d = (uint8_t *)rte_pktmbuf_append(p, len);
	if (d == NULL) {
		rte_pktmbuf_free(p);
		return false;
	}
	memcpy(d, rte_pktmbuf_mtod(m, const uint8_t *), l2);
	memset(d + l2, 0, len - l2);
	memset(d, 0xff, RTE_ETHER_ADDR_LEN);
	memcpy(d + RTE_ETHER_ADDR_LEN, &ctx->port_mac, RTE_ETHER_ADDR_LEN);
	h = d + l2;
	h[1] = RTE_ARP_HRD_ETHER;
	h[2] = RTE_ETHER_TYPE_IPV4 >> 8;
	h[3] = RTE_ETHER_TYPE_IPV4 & 0xff;
	h[4] = RTE_ETHER_ADDR_LEN;
	h[5] = sizeof(ip);
	h[ARP_OFF_OP + 1] = RTE_ARP_OP_REQUEST;
	memcpy(h + ARP_OFF_SHA, &ctx->port_mac, RTE_ETHER_ADDR_LEN);
	/* sender IP and target MAC stay zero */
	memcpy(h + ARP_OFF_TIP, &ip, sizeof(ip));
	/* Stages after us may look at it as at any parsed frame. */
	if (rte_pktmbuf_priv_size(ctx->pool) >= sizeof(struct ww_pkt_meta)) {
		struct ww_pkt_meta *pm = ww_pkt_meta(p);

		*pm = *meta;
		pm->l3_end = l2 + ARP_LEN;
		pm->verdict = WW_VERDICT_FORWARD;
		pm->reason = WW_REASON_NONE;
	}
	ctx->back[ctx->nb_back++] = p;
	return true;
}

/* ---- events ---- */

/* An event about ARP frame @p m: src/dst are its sender and target IP,
 * mac its sender MAC, mac2 @p mac2 or (NULL) its Ethernet source. */
static void
arp_event(struct ww_guard_ctx *ctx, unsigned int kind, struct rte_mbuf *m,
	  uint32_t value, const struct rte_ether_addr *mac2)
{
	struct ww_event ev;

	if (ctx->events == NULL)
		return;
	ww_guard_event_fill(&ev, ctx, kind, m, value);
	if (mac2 != NULL)
		ev.mac2 = *mac2;
	ww_event_emit(ctx->events, &ev, ctx->cfg->events.window_s);
}

/* ---- checks ---- */

static const struct ww_arp_binding *
static_find(const struct ww_guard_arp_config *cfg, rte_be32_t ip)
{
	for (unsigned int i = 0; i < cfg->nb_static; i++)
		if (cfg->bindings[i].ip == ip)
			return &cfg->bindings[i];
	return NULL;
}

static bool
rate_take(struct ww_arp_guard *g, const struct ww_guard_arp_config *cfg,
	  const struct rte_ether_addr *mac, uint64_t now_ns)
{
	struct rate_slot *s;

	if (cfg->rate == 0)
		return true;
	s = &g->rates[rte_hash_crc(mac, RTE_ETHER_ADDR_LEN, 0) & g->rate_mask];
	if (!rte_is_same_ether_addr(&s->mac, mac)) {
		s->mac = *mac;
		memset(&s->tb, 0, sizeof(s->tb)); /* starts full */
	}
	return ww_token_take(&s->tb, now_ns, cfg->rate, cfg->burst);
}

/*
 * An answer to one of our probes (already dropped as such): the first one
 * of a live probe verifies the binding, a different one within the probe's
 * time undoes it.
 */
static void
probe_answer(struct ww_arp_guard *g, struct ww_guard_ctx *ctx,
	     struct rte_mbuf *m, const struct arp_msg *a)
{
	const struct ww_guard_arp_config *cfg = &ctx->cfg->arp;
	const uint64_t timeout_ns = cfg->probe_timeout_ms * NS_PER_MS;
	struct rte_ether_addr claimed;
	struct arp_entry *e;
	uint32_t idx;

	/* A protected host answering for someone else's MAC proves
	 * nothing. */
	if (ctx->from_protected &&
	    !rte_is_same_ether_addr(&a->sha, &a->eth_src)) {
		arp_event(ctx, WW_EV_ARP_SENDER_MISMATCH, m, 0, NULL);
		return;
	}
	if (a->sip == 0 || static_find(cfg, a->sip) != NULL)
		return;
	idx = entry_find(g, a->sip);
	if (idx == NIL)
		return;
	e = &g->entries[idx];
	if (e->probe_port != ctx->port_idx ||
	    !probe_live(e, ctx->now_ns, timeout_ns))
		return;
	if (e->state == ST_PROBING) {
		claimed = e->mac;
		e->mac = a->sha;
		e->since_ns = ctx->now_ns;
		entry_requeue(g, idx, ST_VERIFIED);
		arp_event(ctx, WW_EV_ARP_VERIFIED, m, 0, &claimed);
	} else if (!rte_is_same_ether_addr(&e->mac, &a->sha)) {
		arp_event(ctx, WW_EV_ARP_CONFLICT, m, 0, &e->mac);
		entry_remove(g, idx);
	}
}

/* A claim with no binding, or a probe pending, and verify on: dropped;
 * probed unless a probe is out. @p idx is the entry or NIL. */
static void
claim_unverified(struct ww_arp_guard *g, struct ww_guard_ctx *ctx,
		 struct rte_mbuf *m, const struct ww_pkt_meta *meta,
		 const struct arp_msg *a, uint32_t idx)
{
	const uint64_t timeout_ns = ctx->cfg->arp.probe_timeout_ms * NS_PER_MS;
	bool created = false;
	struct arp_entry *e;

	ww_guard_drop(m, WW_REASON_ARP_UNVERIFIED);
	if (idx != NIL && probe_live(&g->entries[idx], ctx->now_ns, timeout_ns))
		return;
	/* No room to send: no state either, the host's retry probes. */
	if (ctx->back == NULL || ctx->nb_back >= ctx->max_back)
		return;
	if (idx == NIL) {
		idx = entry_add(g, a->sip, ST_PROBING);
		if (idx == NIL)
			return;
		created = true;
	}
	if (!probe_send(ctx, m, meta, a->sip)) {
		if (created)
			entry_remove(g, idx);
		return;
	}
	e = &g->entries[idx];
	e->mac = a->sha;
	e->since_ns = e->probe_ns = ctx->now_ns;
	e->probe_port = ctx->port_idx;
	e->answerable = true;
	entry_requeue(g, idx, ST_PROBING);
	arp_event(ctx, WW_EV_ARP_PROBE, m, 0, NULL);
}

/* A claim of a.sip for a.sha, against the bindings. */
static void
claim(struct ww_arp_guard *g, struct ww_guard_ctx *ctx, struct rte_mbuf *m,
      const struct ww_pkt_meta *meta, const struct arp_msg *a)
{
	const struct ww_guard_arp_config *cfg = &ctx->cfg->arp;
	const struct ww_arp_binding *b = static_find(cfg, a->sip);
	struct arp_entry *e;
	uint32_t idx;

	if (b != NULL) {
		if (!rte_is_same_ether_addr(&b->mac, &a->sha)) {
			ww_guard_drop(m, WW_REASON_ARP_SPOOF);
			arp_event(ctx, WW_EV_ARP_SPOOF, m, 0, &b->mac);
		}
		return;
	}
	idx = entry_find(g, a->sip);
	e = idx == NIL ? NULL : &g->entries[idx];
	if (e != NULL && e->state == ST_VERIFIED) {
		if (rte_is_same_ether_addr(&e->mac, &a->sha)) {
			entry_requeue(g, idx, ST_VERIFIED); /* confirmed */
			return;
		}
		ww_guard_drop(m, WW_REASON_ARP_SPOOF);
		arp_event(ctx, WW_EV_ARP_SPOOF, m, 0, &e->mac);
		return;
	}
	if (cfg->verify) {
		claim_unverified(g, ctx, m, meta, a, idx);
		return;
	}
	/* Learned as it is, over a probe left from when verify was on. */
	if (idx == NIL)
		idx = entry_add(g, a->sip, ST_VERIFIED);
	if (idx == NIL)
		return;
	e = &g->entries[idx];
	e->mac = a->sha;
	e->since_ns = ctx->now_ns;
	e->answerable = false;
	entry_requeue(g, idx, ST_VERIFIED);
}

/* One ARP frame not dropped yet: the checks of arp_guard.h in order. */
static void
arp_inspect(struct ww_arp_guard *g, struct ww_guard_ctx *ctx,
	    struct rte_mbuf *m, const struct ww_pkt_meta *meta)
{
	const struct ww_guard_arp_config *cfg = &ctx->cfg->arp;
	struct arp_msg a;

	arp_read(m, meta, &a);
	if (a.op != RTE_ARP_OP_REQUEST && a.op != RTE_ARP_OP_REPLY) {
		ww_guard_drop(m, WW_REASON_ARP_BAD_OPCODE);
		arp_event(ctx, WW_EV_ARP_BAD_OPCODE, m, a.op, NULL);
		return;
	}
	if (a.op == RTE_ARP_OP_REPLY &&
	    rte_is_broadcast_ether_addr(&a.eth_dst)) {
		ww_guard_drop(m, WW_REASON_ARP_BROADCAST_REPLY);
		arp_event(ctx, WW_EV_ARP_BROADCAST_REPLY, m, 0, NULL);
		return;
	}
	if (!rate_take(g, cfg, &a.sha, ctx->now_ns)) {
		ww_guard_drop(m, WW_REASON_ARP_RATE);
		arp_event(ctx, WW_EV_ARP_RATE, m, cfg->rate, NULL);
		return;
	}
	if (a.op == RTE_ARP_OP_REPLY && a.tip == 0 &&
	    rte_is_same_ether_addr(&a.eth_dst, &ctx->port_mac)) {
		ww_guard_drop(m, WW_REASON_ARP_PROBE_ANSWER);
		probe_answer(g, ctx, m, &a);
		return;
	}
	if (ctx->from_protected &&
	    !rte_is_same_ether_addr(&a.sha, &a.eth_src)) {
		ww_guard_drop(m, WW_REASON_ARP_SPOOF);
		arp_event(ctx, WW_EV_ARP_SENDER_MISMATCH, m, 0, NULL);
		return;
	}
	/* A probe (sender IP 0.0.0.0) claims nothing. */
	if (a.sip != 0)
		claim(g, ctx, m, meta, &a);
}

void
ww_arp_guard_burst(struct ww_arp_guard *g, struct ww_guard_ctx *ctx,
		   struct rte_mbuf **pkts, uint16_t n)
{
	if (!ctx->cfg->arp.enabled)
		return;
	for (uint16_t i = 0; i < n; i++) {
		const struct ww_pkt_meta *meta = ww_pkt_meta(pkts[i]);

		if (meta->l3 == WW_L3_ARP && meta->verdict != WW_VERDICT_DROP)
			arp_inspect(g, ctx, pkts[i], meta);
	}
}

/* ---- control ---- */

struct ww_arp_guard *
ww_arp_guard_create(const char *name, uint32_t max_bindings, int socket_id)
{
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = RTE_MAX(max_bindings, (uint32_t)HASH_MIN_ENTRIES),
		.key_len = sizeof(rte_be32_t),
		.hash_func = rte_hash_crc,
		.socket_id = socket_id,
		/* Buckets to spill into: every address up to max_bindings
		 * fits, whatever its hash. */
		.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};
	uint32_t slots = rte_align32pow2(RTE_MAX(max_bindings,
						 (uint32_t)RATE_MIN_SLOTS));
	struct ww_arp_guard *g;
	int32_t max_id;
	int err;

	if (name == NULL || max_bindings < 1 ||
	    max_bindings > MAX_BINDINGS_LIMIT) {
		rte_errno = EINVAL;
		return NULL;
	}
	g = rte_zmalloc_socket("ww_arp_guard", sizeof(*g), RTE_CACHE_LINE_SIZE,
			       socket_id);
	if (g == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	g->h = rte_hash_create(&hp);
	if (g->h == NULL) {
		err = rte_errno == EEXIST ? EEXIST : ENOMEM;
		goto fail;
	}
	max_id = rte_hash_max_key_id(g->h);
	if (max_id < 0) {
		err = ENOMEM;
		goto fail;
	}
	g->entries = rte_zmalloc_socket("ww_arp_entries",
			((size_t)max_id + 1) * sizeof(*g->entries),
			RTE_CACHE_LINE_SIZE, socket_id);
	g->rates = rte_zmalloc_socket("ww_arp_rates",
				      (size_t)slots * sizeof(*g->rates),
				      RTE_CACHE_LINE_SIZE, socket_id);
	if (g->entries == NULL || g->rates == NULL) {
		err = ENOMEM;
		goto fail;
	}
	g->rate_mask = slots - 1;
	g->max_bindings = max_bindings;
	lists_reset(g);
	return g;

fail:
	ww_arp_guard_free(g);
	rte_errno = err;
	return NULL;
}

void
ww_arp_guard_free(struct ww_arp_guard *g)
{
	if (g == NULL)
		return;
	rte_hash_free(g->h);
	rte_free(g->entries);
	rte_free(g->rates);
	rte_free(g);
}

void
ww_arp_guard_foreach(struct ww_arp_guard *g, ww_arp_visit_fn fn, void *arg)
{
	for (unsigned int s = 0; s < RTE_DIM(g->lists); s++) {
		for (uint32_t i = g->lists[s].head; i != NIL;
		     i = g->entries[i].next) {
			const struct arp_entry *e = &g->entries[i];
			struct ww_arp_binding_info b = {
				.ip = e->ip,
				.mac = e->mac,
				.state = e->state,
				.since_ns = e->since_ns,
			};

			fn(&b, arg);
		}
	}
}

void
ww_arp_guard_flush(struct ww_arp_guard *g)
{
	rte_hash_reset(g->h);
	lists_reset(g);
}
