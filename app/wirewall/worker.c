/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The burst loop. Read handle_burst() top to bottom to know where every
 * packet can go:
 *
 *   rx_burst -> count -> parse -> arp guard -> block lists -> icmp guard
 *     -> syn limit -> conntrack -> classify -> detectors -> http/tls
 *     -> act -> tx_burst
 *
 * Stages write each packet's verdict and reason into its metadata; the act
 * stage splits the burst once and counts every packet into one bucket.
 * Packets of known connections (ESTABLISHED, RELATED) leave conntrack with
 * their verdict made: only new connections and invalid packets meet the
 * rules.
 */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "packet.h"
#include "reject.h"
#include "worker.h"

#define EXPIRE_BUDGET 32        /* flows a worker may expire per burst */
#define FLOW_TICK_NS 1000000ull /* flow-record housekeeping: every ms */
#define FLOW_SWEEP_BUDGET 64    /* meter slots per tick */
#define GUARD_TICK_NS (1000 * 1000) /* guard housekeeping: every ms */
#define JOB_WAIT_US (1000 * 1000)

/* What the filter stages pass along for one burst. */
struct burst_ctx {
	struct ww_worker *w;
	const struct ww_rx_source *src;
	struct ww_ruleset *rules;           /* one rule set for the burst */
	struct ww_ct_result ct[WW_BURST];
	struct rte_mbuf *answers[2 * WW_BURST]; /* to the sender: rejects,
						  * probes, resets */
	struct rte_mbuf *onward[WW_BURST];  /* to the receiver: resets */
	uint16_t nb_onward;
	struct ww_guard_snapshot *guards;   /* one snapshot for the burst */
	struct ww_guard_ctx gctx;
};

static void
add_source(struct ww_worker *w, const struct ww_ports *ports, uint16_t idx,
	   uint16_t peer_idx, uint16_t queue, uint16_t bridge, int protected_idx)
{
	struct ww_rx_source *s = &w->sources[w->nb_sources++];

	s->port_id = ports->port[idx].port_id;
	s->queue_id = queue;
	s->port_idx = idx;
	s->peer_port_id = ports->port[peer_idx].port_id;
	s->peer_queue_id = queue;
	s->peer_idx = peer_idx;
	s->zone = bridge;
	s->from_protected = protected_idx == idx;
	s->to_protected = protected_idx == peer_idx;
	rte_eth_macaddr_get(s->port_id, &s->mac);
}

void
ww_workers_assign(struct ww_worker *workers, unsigned int nb_workers,
		  const struct ww_config *cfg, const struct ww_ports *ports)
{
	for (unsigned int b = 0; b < cfg->nb_bridges; b++) {
		const struct ww_config_bridge *br = &cfg->bridges[b];
		uint16_t a = br->port[0], z = br->port[1];
		int prot = br->protected_side < 0 ? -1 :
			   br->port[br->protected_side];
		bool spread = ports->port[a].nb_queues == nb_workers &&
			      ports->port[z].nb_queues == nb_workers;

		if (spread) {
			for (unsigned int q = 0; q < nb_workers; q++) {
				add_source(&workers[q], ports, a, z, q, b, prot);
				add_source(&workers[q], ports, z, a, q, b, prot);
			}
		} else {
			struct ww_worker *owner = &workers[b % nb_workers];

			add_source(owner, ports, a, z, 0, b, prot);
			add_source(owner, ports, z, a, 0, b, prot);
		}
	}
}

static inline uint64_t
sum_bytes(struct rte_mbuf **pkts, uint16_t n)
{
	uint64_t bytes = 0;

	for (uint16_t i = 0; i < n; i++)
		bytes += pkts[i]->pkt_len;
	return bytes;
}

static inline void
drop(struct rte_mbuf *m, enum ww_reason reason)
{
	struct ww_pkt_meta *meta = ww_pkt_meta(m);

	meta->verdict = WW_VERDICT_DROP;
	meta->reason = reason;
}

/*
 * Conntrack: every well-formed packet is looked up; known connections
 * advance their state. Malformed packets were dropped by the parser and
 * are not shown to the table.
 */
static inline uint16_t
stage_conntrack(struct burst_ctx *b, struct rte_mbuf **pkts, uint16_t n,
		uint16_t nb_malformed)
{
	struct rte_mbuf *good[WW_BURST];
	struct ww_ct_result res[WW_BURST];
	uint16_t where[WW_BURST], nb_good = 0, nb_slow = 0;

	if (unlikely(b->w->ct == NULL)) {
		/* Stateless: every well-formed IP packet meets the rules. */
		for (uint16_t i = 0; i < n; i++) {
			const struct ww_pkt_meta *m = ww_pkt_meta(pkts[i]);
			bool ip = m->l3 == WW_L3_IPV4 || m->l3 == WW_L3_IPV6;

			b->ct[i] = (struct ww_ct_result){ .flow = UINT32_MAX,
				.ct_state = ip && m->verdict == WW_VERDICT_FORWARD ?
					    WW_CT_STATE_NEW : 0 };
		}
	} else if (likely(nb_malformed == 0)) {
		ww_ct_lookup_burst(b->w->ct, pkts, n, b->src->zone,
				   b->w->now_ns, b->ct);
	} else {
		for (uint16_t i = 0; i < n; i++) {
			b->ct[i].ct_state = 0;
			if (ww_pkt_meta(pkts[i])->verdict == WW_VERDICT_FORWARD) {
				where[nb_good] = i;
				good[nb_good++] = pkts[i];
			}
		}
		ww_ct_lookup_burst(b->w->ct, good, nb_good, b->src->zone,
				   b->w->now_ns, res);
		for (uint16_t i = 0; i < nb_good; i++)
			b->ct[where[i]] = res[i];
	}
	for (uint16_t i = 0; i < n; i++)
		nb_slow += (b->ct[i].ct_state &
			    (WW_CT_STATE_NEW | WW_CT_STATE_INVALID)) != 0;
	return nb_slow;
}

/* An accepted packet: a new connection takes its place in the table. */
static inline void
accept_packet(struct burst_ctx *b, struct rte_mbuf *m, struct ww_ct_result *ct)
{
	if (ct->ct_state != WW_CT_STATE_NEW || !ct->trackable)
		return;
	ct->in_port = b->src->port_idx;
	if (ww_ct_commit(b->w->ct, m, ct, b->w->now_ns) != 0)
		drop(m, WW_REASON_CT_FULL);
}

static inline void
reject_packet(struct burst_ctx *b, struct rte_mbuf *m)
{
	struct ww_guard_ctx *g = &b->gctx;
	struct rte_mbuf *answer = g->nb_back < g->max_back ?
				  ww_reject_build(m, b->w->pool) : NULL;

	if (answer != NULL)
		g->back[g->nb_back++] = answer;
	drop(m, WW_REASON_RULE_REJECT);
}

/* A "log" rule's hit goes to the control plane; if it lags, it is counted. */
static void
log_hit(struct burst_ctx *b, struct rte_mbuf *m,
	const struct ww_ruleset_entry *e)
{
	const struct ww_pkt_meta *meta = ww_pkt_meta(m);
	const uint8_t *ip = rte_pktmbuf_mtod(m, const uint8_t *) + meta->l3_off;
	bool v4 = meta->l3 == WW_L3_IPV4;
	struct ww_rule_log rec = {
		.time_ns = b->w->now_ns, .handle = e->handle,
		.action = e->rule.action, .port_idx = b->src->port_idx,
		.family = v4 ? 4 : 6, .proto = meta->l4_proto,
		.reason = meta->verdict == WW_VERDICT_DROP ? meta->reason : 0,
	};
	bool icmp = meta->l4_proto == IPPROTO_ICMP ||
		    meta->l4_proto == IPPROTO_ICMPV6;

	memcpy(rec.src, ip + (v4 ? 12 : 8), v4 ? 4 : 16);
	memcpy(rec.dst, ip + (v4 ? 16 : 24), v4 ? 4 : 16);
	rec.sport = icmp ? meta->icmp_type : meta->sport;
	rec.dport = icmp ? meta->icmp_code : meta->dport;
	if (rte_ring_sp_enqueue_elem(b->w->log_ring, &rec, sizeof(rec)) != 0)
		b->w->log_lost++;
}

/* Carry out the first matching entry, or the default when none matched. */
static inline void
apply_match(struct burst_ctx *b, struct rte_mbuf *m, struct ww_ct_result *ct,
	    uint32_t match)
{
	const struct ww_ruleset_entry *e;

	if (match == WW_RULESET_NO_MATCH) {
		/* Nothing said no: new connections pass (security groups
		 * close protected sides with an entry of their own), packets
		 * that fit no state do not. */
		if (ct->ct_state == WW_CT_STATE_INVALID)
			drop(m, WW_REASON_CT_INVALID);
		else
			accept_packet(b, m, ct);
		return;
	}
	e = ww_ruleset_entry(b->rules, match);
	switch (e->rule.action) {
	case WW_RULE_ACCEPT:
		accept_packet(b, m, ct);
		break;
	case WW_RULE_REJECT:
		reject_packet(b, m);
		break;
	default:
		drop(m, e->reason);
		break;
	}
	if (unlikely(e->rule.log) && b->w->log_ring != NULL)
		log_hit(b, m, e);
}

/*
 * A NEW packet whose connection another NEW packet earlier in the burst
 * opens: it follows that packet's decision instead of meeting the rules
 * again, so hits count connections, not how packets were batched.
 */
static inline int
find_leader(const struct burst_ctx *b, const uint16_t *where, uint16_t nb,
	    uint16_t i)
{
	const struct ww_ct_result *me = &b->ct[i];

	if (me->ct_state != WW_CT_STATE_NEW || !me->trackable)
		return -1;
	for (uint16_t j = 0; j < nb; j++) {
		const struct ww_ct_result *other = &b->ct[where[j]];

		if (other->trackable && other->sig == me->sig &&
		    memcmp(&other->key, &me->key, sizeof(me->key)) == 0)
			return j;
	}
	return -1;
}

static inline void
follow_leader(struct burst_ctx *b, struct rte_mbuf *m, struct ww_ct_result *ct,
	      struct rte_mbuf *leader)
{
	const struct ww_pkt_meta *lm = ww_pkt_meta(leader);

	if (lm->verdict == WW_VERDICT_FORWARD)
		accept_packet(b, m, ct);
	else if (lm->reason == WW_REASON_RULE_REJECT)
		reject_packet(b, m);
	else
		drop(m, lm->reason);
}

/* Classify: new connections and invalid packets meet the rules. */
static inline void
stage_classify(struct burst_ctx *b, struct rte_mbuf **pkts, uint16_t n)
{
	struct rte_mbuf *slow[WW_BURST];
	struct ww_classify_in in[WW_BURST];
	uint16_t where[WW_BURST], follower[WW_BURST], nb = 0, nb_follow = 0;
	int16_t leader_of[WW_BURST];
	uint32_t match[WW_BURST];

	for (uint16_t i = 0; i < n; i++) {
		int leader;

		if (!(b->ct[i].ct_state & (WW_CT_STATE_NEW | WW_CT_STATE_INVALID)))
			continue;
		leader = find_leader(b, where, nb, i);
		if (unlikely(leader >= 0)) {
			leader_of[nb_follow] = leader;
			follower[nb_follow++] = i;
			continue;
		}
		in[nb] = (struct ww_classify_in){ .iif = b->src->port_idx,
						  .ct_state = b->ct[i].ct_state };
		where[nb] = i;
		slow[nb++] = pkts[i];
	}
	ww_ruleset_classify(b->rules, b->w->id, slow, in, nb, match);
	for (uint16_t j = 0; j < nb; j++)
		apply_match(b, slow[j], &b->ct[where[j]], match[j]);
	for (uint16_t f = 0; f < nb_follow; f++)
		follow_leader(b, pkts[follower[f]], &b->ct[follower[f]],
			      slow[leader_of[f]]);
}

/* ---- guards ---- */

static inline void
guard_ctx_init(struct burst_ctx *b)
{
	struct ww_guard_ctx *g = &b->gctx;

	g->cfg = b->guards != NULL ? &b->guards->cfg : NULL;
	g->now_ns = b->w->now_ns;
	g->port_idx = b->src->port_idx;
	g->from_protected = b->src->from_protected;
	g->to_protected = b->src->to_protected;
	g->port_mac = b->src->mac;
	g->pool = b->w->pool;
	g->back = b->answers;
	g->nb_back = 0;
	g->max_back = RTE_DIM(b->answers);
	g->fwd = b->onward;
	g->nb_fwd = 0;
	g->max_fwd = RTE_DIM(b->onward);
	g->events = b->w->events;
}

/* Block lists: source or destination listed, the packet goes. */
static inline void
stage_blocklist(struct burst_ctx *b, struct rte_mbuf **pkts, uint16_t n)
{
	uint8_t hit[WW_BURST];

	if (likely(ww_blocklist_lookup_burst(b->w->bl, pkts, n, hit) == 0))
		return;
	for (uint16_t i = 0; i < n; i++) {
		if (hit[i] == 0)
			continue;
		drop(pkts[i], WW_REASON_BLOCKLIST);
		ww_guard_event(&b->gctx, WW_EV_BLOCKLIST_HIT, pkts[i], hit[i], 0);
	}
}

/* Guards before conntrack: what they drop never takes a flow entry. */
static inline void
stage_guards_in(struct burst_ctx *b, struct rte_mbuf **pkts, uint16_t n)
{
	struct ww_worker *w = b->w;

	ww_arp_guard_burst(w->arp, &b->gctx, pkts, n);
	if (b->gctx.cfg->blocklist.enabled)
		stage_blocklist(b, pkts, n);
	ww_icmp_guard_burst(w->icmp, &b->gctx, pkts, n);
	ww_detect_syn_limit_burst(w->detect, &b->gctx, pkts, n);
}

static inline uint16_t
count_drops(struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t nb = 0;

	for (uint16_t i = 0; i < n; i++)
		nb += ww_pkt_meta(pkts[i])->verdict != WW_VERDICT_FORWARD;
	return nb;
}

/* Detectors see every attempt, accepted or not: scanners hit closed ports. */
static inline void
stage_detect(struct burst_ctx *b, struct rte_mbuf **pkts, uint16_t n)
{
	uint8_t state[WW_BURST];

	for (uint16_t i = 0; i < n; i++)
		state[i] = b->ct[i].ct_state;
	ww_detect_burst(b->w->detect, &b->gctx, pkts, state, n);
}

static inline bool
port_listed(const uint16_t *ports, unsigned int n, uint16_t port)
{
	for (unsigned int i = 0; i < n; i++)
		if (ports[i] == port)
			return true;
	return false;
}

/* A blocked request: both ends hear a reset, the flow is closed. */
static void
l7_block(struct burst_ctx *b, struct rte_mbuf *m, struct ww_ct_result *ct,
	 bool tls, const char *what)
{
	struct ww_guard_ctx *g = &b->gctx;
	struct rte_mbuf *rst;
	struct ww_event ev;

	ww_ct_mark(b->w->ct, ct->flow, WW_CT_MARK_BLOCKED |
		   (tls ? WW_CT_MARK_TLS : 0));
	ww_ct_close(b->w->ct, ct->flow, b->w->now_ns);
	if (g->nb_back < g->max_back &&
	    (rst = ww_reject_build(m, b->w->pool)) != NULL)
		g->back[g->nb_back++] = rst;
	if (g->nb_fwd < g->max_fwd &&
	    (rst = ww_reset_onward_build(m, b->w->pool)) != NULL)
		g->fwd[g->nb_fwd++] = rst;
	drop(m, tls ? WW_REASON_TLS_BLOCK : WW_REASON_HTTP_BLOCK);
	if (g->events == NULL)
		return;
	ww_guard_event_fill(&ev, g, tls ? WW_EV_TLS_BLOCK : WW_EV_HTTP_BLOCK, m, 0);
	snprintf(ev.text, sizeof(ev.text), "%s", what);
	ww_event_emit(g->events, &ev, g->cfg->events.window_s);
}

/* The first data segment a client sends on an inspected port. */
static inline void
inspect_request(struct burst_ctx *b, struct rte_mbuf *m, struct ww_ct_result *ct)
{
	const struct ww_guard_http_config *http = &b->gctx.cfg->http;
	const struct ww_pkt_meta *meta = ww_pkt_meta(m);
	uint32_t len = RTE_MIN((uint32_t)meta->l3_end,
			       (uint32_t)rte_pktmbuf_data_len(m));
	const uint8_t *data = rte_pktmbuf_mtod_offset(m, const uint8_t *,
						      meta->payload_off);
	bool is_http = port_listed(http->ports, http->nb_ports, meta->dport);
	bool is_tls = port_listed(http->tls_ports, http->nb_tls_ports,
				  meta->dport);
	char what[WW_EVENT_TEXT_MAX];

	if (len <= meta->payload_off)
		return; /* no data yet: the handshake's ACK */
	len -= meta->payload_off;
	ww_ct_mark(b->w->ct, ct->flow, WW_CT_MARK_INSPECTED);
	if (is_http && ww_l7_match_http(b->guards->l7, data, len, what,
					sizeof(what)) == 1)
		l7_block(b, m, ct, false, what);
	else if (is_tls && ww_l7_match_tls(b->guards->l7, data, len, what,
					   sizeof(what)) == 1)
		l7_block(b, m, ct, true, what);
}

/*
 * HTTP and TLS block lists: each connection's first request is looked at
 * once (the flow is marked), a blocked flow's later packets are dropped.
 * @return packets dropped.
 */
static inline uint16_t
stage_l7(struct burst_ctx *b, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t nb_drop = 0;

	if (!b->gctx.cfg->http.enabled || b->guards->l7 == NULL)
		return 0;
	for (uint16_t i = 0; i < n; i++) {
		struct ww_ct_result *ct = &b->ct[i];
		struct ww_pkt_meta *meta;

		if (ct->ct_state != WW_CT_STATE_ESTABLISHED ||
		    (ct->mark & WW_CT_MARK_INSPECTED && !(ct->mark & WW_CT_MARK_BLOCKED)))
			continue;
		meta = ww_pkt_meta(pkts[i]);
		if (meta->verdict != WW_VERDICT_FORWARD)
			continue;
		if (ct->mark & WW_CT_MARK_BLOCKED) {
			drop(pkts[i], ct->mark & WW_CT_MARK_TLS ?
				      WW_REASON_TLS_BLOCK : WW_REASON_HTTP_BLOCK);
			nb_drop++;
			continue;
		}
		if (meta->l4_proto != IPPROTO_TCP || ct->reply)
			continue;
		inspect_request(b, pkts[i], ct);
		nb_drop += meta->verdict != WW_VERDICT_FORWARD;
	}
	return nb_drop;
}

/*
 * Between bursts, at most once per GUARD_TICK_NS of the worker's clock:
 * event windows close, the SYN-flood judge looks. (Windows are seconds:
 * looking every burst would only cost cache lines.)
 */
static void
guards_tick(struct ww_worker *w, const struct ww_guard_snapshot *snap)
{
	struct ww_guard_ctx g = { .cfg = &snap->cfg, .now_ns = w->now_ns,
				  .pool = w->pool, .events = w->events };
	struct ww_ct_stats st = { 0 };

	if (likely(w->now_ns - w->guard_tick_ns < GUARD_TICK_NS))
		return;
	w->guard_tick_ns = w->now_ns;

	if (w->ct != NULL)
		ww_ct_get_stats(w->ct, &st);
	ww_detect_tick(w->detect, &g, st.by_state[WW_CT_FS_TCP_SYN_SENT] +
			st.by_state[WW_CT_FS_TCP_SYN_RECV]);
	ww_event_agg_tick(w->events, w->now_ns, snap->cfg.events.window_s, 64);
}

/* ---- flow records ---- */

void
ww_worker_flow_record(const struct ww_flow_record *r, void *arg)
{
	struct ww_worker *w = arg;

	if (likely(rte_ring_sp_enqueue_elem(w->flow_ring, (void *)(uintptr_t)r,
					    sizeof(*r)) == 0))
		return;
	if (w->flow_spill != NULL) {
		w->flow_spill(w->flow_spill_arg);
		if (rte_ring_sp_enqueue_elem(w->flow_ring, (void *)(uintptr_t)r,
					     sizeof(*r)) == 0)
			return;
	}
	w->flow_lost++;
}

/* A packet no connection counted: the one a tracked flow counts is in its
 * record already. */
static inline bool
counted_by_ct(const struct ww_ct_result *ct)
{
	return ct->flow != UINT32_MAX &&
	       (ct->ct_state & (WW_CT_STATE_NEW | WW_CT_STATE_ESTABLISHED));
}

/* Meter every IP packet no connection counted (dropped ones included),
 * so each packet a port received is in exactly one flow record. */
static inline void
stage_meter(struct burst_ctx *b, struct rte_mbuf **pkts, uint16_t n,
	    bool ct_valid)
{
	for (uint16_t i = 0; i < n; i++) {
		const struct ww_pkt_meta *m = ww_pkt_meta(pkts[i]);

		if ((m->l3 != WW_L3_IPV4 && m->l3 != WW_L3_IPV6) ||
		    (m->reason >= WW_REASON_MALFORMED_FIRST &&
		     m->reason <= WW_REASON_MALFORMED_LAST))
			continue;
		if (ct_valid && counted_by_ct(&b->ct[i]))
			continue;
		ww_flowmeter_count(b->w->meter, pkts[i], b->src->zone,
				   b->src->port_idx, b->w->now_ns);
	}
}

/* Ends (and interim records) of untracked flows: a slice of the meter
 * per millisecond. Tracked flows' records come from the table itself. */
static void
flows_tick(struct ww_worker *w)
{
	if (likely(w->now_ns - w->flow_tick_ns < FLOW_TICK_NS))
		return;
	w->flow_tick_ns = w->now_ns;
	ww_flowmeter_expire(w->meter, w->now_ns, FLOW_SWEEP_BUDGET);
}

void
ww_worker_flows_flush(struct ww_worker *w, void *arg)
{
	if (w->meter == NULL)
		return;
	if (w->ct != NULL)
		ww_ct_export_all(w->ct, WW_FLOW_END_FORCED);
	ww_flowmeter_flush(w->meter, WW_FLOW_END_FORCED);
}

/*
 * Send to the peer; what the queue cannot take is dropped as tx-full.
 * @p bytes is the burst's length, taken before TX: sent mbufs are gone.
 */
static inline void
transmit(struct ww_worker *w, const struct ww_rx_source *src,
	 struct rte_mbuf **pkts, uint16_t n, uint64_t bytes)
{
	struct ww_port_counters *in = &w->counters[src->port_idx];
	struct ww_port_counters *out = &w->counters[src->peer_idx];
	uint16_t sent;

	sent = rte_eth_tx_burst(src->peer_port_id, src->peer_queue_id, pkts, n);
	if (unlikely(sent < n)) {
		uint16_t unsent = n - sent;

		bytes -= sum_bytes(pkts + sent, unsent);
		in->drops[WW_REASON_TX_FULL] += unsent;
		rte_pktmbuf_free_bulk(pkts + sent, unsent);
	}
	in->forwarded_packets += sent;
	in->forwarded_bytes += bytes;
	out->tx_packets += sent;
	out->tx_bytes += bytes;
}

/*
 * Packets the appliance makes (reject answers, ARP probes, resets) leave
 * by @p port; they count as that port's tx, never as forwarded.
 */
static void
transmit_own(struct ww_worker *w, uint16_t port_id, uint16_t queue_id,
	     uint16_t port_idx, struct rte_mbuf **pkts, uint16_t n)
{
	struct ww_port_counters *c = &w->counters[port_idx];
	uint64_t bytes = sum_bytes(pkts, n);
	uint16_t sent = rte_eth_tx_burst(port_id, queue_id, pkts, n);

	if (sent < n) {
		bytes -= sum_bytes(pkts + sent, n - sent);
		rte_pktmbuf_free_bulk(pkts + sent, n - sent);
	}
	c->tx_packets += sent;
	c->tx_bytes += bytes;
}

/*
 * Split the burst by verdict: forwards keep their order, drops are counted
 * by reason and freed in one call.
 */
static inline uint16_t
act(struct ww_port_counters *c, struct rte_mbuf **pkts, uint16_t n)
{
	struct rte_mbuf *dropped[WW_BURST];
	uint16_t nb_fwd = 0, nb_drop = 0;

	for (uint16_t i = 0; i < n; i++) {
		struct ww_pkt_meta *meta = ww_pkt_meta(pkts[i]);

		if (likely(meta->verdict == WW_VERDICT_FORWARD)) {
			pkts[nb_fwd++] = pkts[i];
		} else {
			c->drops[meta->reason]++;
			dropped[nb_drop++] = pkts[i];
		}
	}
	if (nb_drop != 0)
		rte_pktmbuf_free_bulk(dropped, nb_drop);
	return nb_fwd;
}

void
ww_worker_handle_burst(struct ww_worker *w, const struct ww_rx_source *src,
		       struct rte_mbuf **pkts, uint16_t n)
{
	struct ww_port_counters *c = &w->counters[src->port_idx];
	struct burst_ctx b;   /* not zeroed: 3 KiB a burst for nothing */
	uint64_t bytes = sum_bytes(pkts, n);
	uint16_t nb_drop, nb_slow = 0;

	b.w = w;
	b.src = src;
	b.rules = NULL;
	b.guards = w->guards != NULL ?
		   __atomic_load_n(w->guards, __ATOMIC_ACQUIRE) : NULL;
	guard_ctx_init(&b);

	rte_seqcount_write_begin(&w->counters_seq);
	c->rx_packets += n;
	c->rx_bytes += bytes;
	nb_drop = ww_packet_parse_burst(pkts, n);
	if (b.guards != NULL) {
		stage_guards_in(&b, pkts, n);
		nb_drop = count_drops(pkts, n);
	}
	if (w->rules != NULL) {
		b.rules = __atomic_load_n(w->rules, __ATOMIC_ACQUIRE);
		nb_slow = stage_conntrack(&b, pkts, n, nb_drop);
		if (nb_slow != 0)
			stage_classify(&b, pkts, n);
		if (b.guards != NULL && nb_slow != 0)
			stage_detect(&b, pkts, n);
		if (b.guards != NULL && w->ct != NULL)
			nb_drop += stage_l7(&b, pkts, n);
	}
	if (w->meter != NULL)
		stage_meter(&b, pkts, n, w->rules != NULL);
	if (unlikely(nb_drop != 0 || nb_slow != 0)) {
		n = act(c, pkts, n);
		bytes = sum_bytes(pkts, n);
	}
	if (n != 0)
		transmit(w, src, pkts, n, bytes);
	if (unlikely(b.gctx.nb_back != 0))
		transmit_own(w, src->port_id, src->queue_id, src->port_idx,
			     b.gctx.back, b.gctx.nb_back);
	if (unlikely(b.gctx.nb_fwd != 0))
		transmit_own(w, src->peer_port_id, src->peer_queue_id,
			     src->peer_idx, b.gctx.fwd, b.gctx.nb_fwd);
	rte_seqcount_write_end(&w->counters_seq);
	if (w->ct != NULL)
		ww_ct_expire(w->ct, w->now_ns, EXPIRE_BUDGET);
	if (b.guards != NULL)
		guards_tick(w, b.guards);
	if (w->meter != NULL)
		flows_tick(w);
}

/* ns = tsc * (10^9 / hz), in 32.32 fixed point: no division per burst. */
static inline uint64_t
tsc_to_ns(uint64_t tsc, uint64_t ns_per_tsc_fp32)
{
	return (uint64_t)(((unsigned __int128)tsc * ns_per_tsc_fp32) >> 32);
}

uint64_t
ww_worker_clock_ns(void)
{
	return tsc_to_ns(rte_rdtsc(),
			 ((uint64_t)NS_PER_S << 32) / rte_get_tsc_hz());
}

/* A job the control plane posted: run it between bursts. */
static inline void
serve_mailbox(struct ww_worker *w)
{
	struct ww_worker_mailbox *mb = &w->mailbox;
	uint32_t posted = __atomic_load_n(&mb->posted, __ATOMIC_ACQUIRE);

	if (likely(posted == mb->done))
		return;
	mb->fn(w, mb->arg);
	__atomic_store_n(&mb->done, posted, __ATOMIC_RELEASE);
}

int
ww_worker_main(void *arg)
{
	struct ww_worker *w = arg;
	struct rte_mbuf *pkts[WW_BURST];
	const uint64_t ns_per_tsc = ((uint64_t)NS_PER_S << 32) / rte_get_tsc_hz();

	if (w->rcu != NULL) {
		rte_rcu_qsbr_thread_register(w->rcu, w->id);
		rte_rcu_qsbr_thread_online(w->rcu, w->id);
	}
	while (!*w->quit) {
		bool idle = true;

		for (unsigned int i = 0; i < w->nb_sources; i++) {
			const struct ww_rx_source *src = &w->sources[i];
			uint16_t n = rte_eth_rx_burst(src->port_id,
						      src->queue_id, pkts,
						      WW_BURST);

			if (n == 0)
				continue;
			idle = false;
			w->now_ns = tsc_to_ns(rte_rdtsc(), ns_per_tsc);
			ww_worker_handle_burst(w, src, pkts, n);
		}
		if (idle && w->ct != NULL) {
			w->now_ns = tsc_to_ns(rte_rdtsc(), ns_per_tsc);
			ww_ct_expire(w->ct, w->now_ns, EXPIRE_BUDGET);
		}
		if (idle && w->meter != NULL) {
			w->now_ns = tsc_to_ns(rte_rdtsc(), ns_per_tsc);
			flows_tick(w);
		}
		if (idle && w->guards != NULL) {
			/* Time passes without packets too: floods end. */
			w->now_ns = tsc_to_ns(rte_rdtsc(), ns_per_tsc);
			guards_tick(w, __atomic_load_n(w->guards,
						       __ATOMIC_ACQUIRE));
		}
		serve_mailbox(w);
		/* Between bursts no rule set is held: old ones may go. */
		if (w->rcu != NULL)
			rte_rcu_qsbr_quiescent(w->rcu, w->id);
	}
	if (w->rcu != NULL) {
		rte_rcu_qsbr_thread_offline(w->rcu, w->id);
		rte_rcu_qsbr_thread_unregister(w->rcu, w->id);
	}
	return 0;
}

int
ww_worker_run_job(struct ww_worker *w, bool running, ww_worker_job_fn fn,
		  void *arg)
{
	struct ww_worker_mailbox *mb = &w->mailbox;
	uint32_t posted;

	if (!running) {
		fn(w, arg);
		return 0;
	}
	mb->fn = fn;
	mb->arg = arg;
	posted = mb->posted + 1;
	__atomic_store_n(&mb->posted, posted, __ATOMIC_RELEASE);
	for (unsigned int waited = 0; waited < JOB_WAIT_US; waited += 100) {
		if (__atomic_load_n(&mb->done, __ATOMIC_ACQUIRE) == posted)
			return 0;
		usleep(100);
	}
	return -ETIMEDOUT;
}

void
ww_workers_sum(const struct ww_worker *workers, unsigned int nb_workers,
	       unsigned int port_idx, struct ww_port_counters *out)
{
	struct ww_port_counters snap;
	uint32_t sn;

	memset(out, 0, sizeof(*out));
	for (unsigned int i = 0; i < nb_workers; i++) {
		do {
			sn = rte_seqcount_read_begin(&workers[i].counters_seq);
			snap = workers[i].counters[port_idx];
		} while (rte_seqcount_read_retry(&workers[i].counters_seq, sn));
		ww_counters_add(out, &snap);
	}
}
