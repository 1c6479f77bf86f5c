/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The burst loop. Read handle_burst() top to bottom to know where every
 * packet can go:
 *
 *   rx_burst -> count -> parse -> act (forward | drop) -> tx_burst
 *
 * Stages write each packet's verdict and reason into its metadata; the act
 * stage splits the burst once and counts every packet into one bucket.
 */
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "packet.h"
#include "worker.h"

static void
add_source(struct ww_worker *w, const struct ww_ports *ports, uint16_t idx,
	   uint16_t peer_idx, uint16_t queue)
{
	struct ww_rx_source *s = &w->sources[w->nb_sources++];

	s->port_id = ports->port[idx].port_id;
	s->queue_id = queue;
	s->port_idx = idx;
	s->peer_port_id = ports->port[peer_idx].port_id;
	s->peer_queue_id = queue;
	s->peer_idx = peer_idx;
}

void
ww_workers_assign(struct ww_worker *workers, unsigned int nb_workers,
		  const struct ww_config *cfg, const struct ww_ports *ports)
{
	for (unsigned int b = 0; b < cfg->nb_bridges; b++) {
		uint16_t a = cfg->bridges[b].port[0], z = cfg->bridges[b].port[1];
		bool spread = ports->port[a].nb_queues == nb_workers &&
			      ports->port[z].nb_queues == nb_workers;

		if (spread) {
			for (unsigned int q = 0; q < nb_workers; q++) {
				add_source(&workers[q], ports, a, z, q);
				add_source(&workers[q], ports, z, a, q);
			}
		} else {
			struct ww_worker *owner = &workers[b % nb_workers];

			add_source(owner, ports, a, z, 0);
			add_source(owner, ports, z, a, 0);
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
 * Split the burst by verdict: forwards keep their order, drops are counted
 * by reason and freed in one call.
 */
static inline uint16_t
act(struct ww_port_counters *c, struct rte_mbuf **pkts, uint16_t n)
{
	struct rte_mbuf *drop[WW_BURST];
	uint16_t nb_fwd = 0, nb_drop = 0;

	for (uint16_t i = 0; i < n; i++) {
		struct ww_pkt_meta *meta = ww_pkt_meta(pkts[i]);

		if (likely(meta->verdict == WW_VERDICT_FORWARD)) {
			pkts[nb_fwd++] = pkts[i];
		} else {
			c->drops[meta->reason]++;
			drop[nb_drop++] = pkts[i];
		}
	}
	if (nb_drop != 0)
		rte_pktmbuf_free_bulk(drop, nb_drop);
	return nb_fwd;
}

void
ww_worker_handle_burst(struct ww_worker *w, const struct ww_rx_source *src,
		       struct rte_mbuf **pkts, uint16_t n)
{
	struct ww_port_counters *c = &w->counters[src->port_idx];
	uint64_t bytes = sum_bytes(pkts, n);

	rte_seqcount_write_begin(&w->counters_seq);
	c->rx_packets += n;
	c->rx_bytes += bytes;
	if (unlikely(ww_packet_parse_burst(pkts, n) != 0)) {
		n = act(c, pkts, n);
		bytes = sum_bytes(pkts, n);
	}
	if (n != 0)
		transmit(w, src, pkts, n, bytes);
	rte_seqcount_write_end(&w->counters_seq);
}

/* ns = tsc * (10^9 / hz), in 32.32 fixed point: no division per burst. */
static inline uint64_t
tsc_to_ns(uint64_t tsc, uint64_t ns_per_tsc_fp32)
{
	return (uint64_t)(((unsigned __int128)tsc * ns_per_tsc_fp32) >> 32);
}

int
ww_worker_main(void *arg)
{
	struct ww_worker *w = arg;
	struct rte_mbuf *pkts[WW_BURST];
	const uint64_t ns_per_tsc = ((uint64_t)NS_PER_S << 32) / rte_get_tsc_hz();

	while (!*w->quit) {
		for (unsigned int i = 0; i < w->nb_sources; i++) {
			const struct ww_rx_source *src = &w->sources[i];
			uint16_t n = rte_eth_rx_burst(src->port_id,
						      src->queue_id, pkts,
						      WW_BURST);

			if (n == 0)
				continue;
			w->now_ns = tsc_to_ns(rte_rdtsc(), ns_per_tsc);
			ww_worker_handle_burst(w, src, pkts, n);
		}
	}
	return 0;
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
