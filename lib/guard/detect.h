/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Detectors, one per worker: port and host scans, too-fast sources and SYN
 * floods. Time is the worker's clock (capture time in replay), so a replay
 * gives the same answer however fast it runs.
 *
 * ww_detect_syn_limit_burst() runs before conntrack, on every burst: it
 * counts every well-formed SYN (without ACK), those the block lists or the
 * limit itself drop included (blocking a flood's sources does not end it),
 * and while a SYN flood lasts, a token bucket per source address
 * (source_syn_per_s/source_burst) drops SYNs above it (syn-limit, event
 * syn-limit).
 *
 * ww_detect_burst() runs after classify, over the packets that started or
 * tried to start something: @p ct_state[i] NEW (accepted or not: a scanner
 * hitting closed ports is the point) and INVALID TCP probes. Packets
 * already dropped before conntrack (malformed, block list, guards) have
 * ct_state 0 and are not counted.
 *  - scan: per source address, distinct destination ports and distinct
 *    destination hosts of new connection attempts in a window of
 *    cfg->scan.window_ms (counted in a small bitmap per source: linear
 *    counting); crossing cfg->scan.ports or .hosts raises port-scan or
 *    host-scan with block_ttl_s = cfg->scan.block_ttl_s (the control plane
 *    blocks the source). FIN, NULL and Xmas probes (TCP without SYN/ACK/RST
 *    and with no connection) count as attempts and raise stealth-scan.
 *  - rate: new connections per source, token bucket cfg->rate.new_per_s /
 *    burst; running dry raises too-fast with block_ttl_s.
 *  - SYN flood (counted by ww_detect_syn_limit_burst()): SYNs per second
 *    in total and per destination address; together with the half-open
 *    count given to ww_detect_tick(), crossing a threshold raises
 *    syn-flood (or syn-flood-target) and starts the per-source SYN limit;
 *    cfg->synflood.quiet_s seconds below every threshold raise
 *    syn-flood-end.
 * A source raises each detector's event once per window; the control
 * plane's block then keeps it out.
 */
#ifndef WW_GUARD_DETECT_H
#define WW_GUARD_DETECT_H

#include <stdbool.h>
#include <stdint.h>

#include "guard.h"

#ifdef __cplusplus
extern "C" {
#endif

struct ww_detect;

/** @p max_sources: sources tracked at once (a bounded table). */
struct ww_detect *ww_detect_create(const char *name, uint32_t max_sources,
				   int socket_id);
void ww_detect_free(struct ww_detect *d);

void ww_detect_syn_limit_burst(struct ww_detect *d, struct ww_guard_ctx *ctx,
			       struct rte_mbuf **pkts, uint16_t n);

void ww_detect_burst(struct ww_detect *d, struct ww_guard_ctx *ctx,
		     struct rte_mbuf **pkts, const uint8_t *ct_state,
		     uint16_t n);

/** Once per burst: roll the per-second SYN counters and judge the flood
 *  with @p half_open connections in the worker's table. */
void ww_detect_tick(struct ww_detect *d, struct ww_guard_ctx *ctx,
		    uint64_t half_open);

struct ww_detect_stats {
	bool flood;                 /**< a SYN flood is on */
	uint32_t syn_rate;          /**< SYNs in the last full second */
	uint64_t scans, fast_sources, floods, syn_limited;
};

/** Safe from another thread (single-writer words). */
void ww_detect_get_stats(const struct ww_detect *d, struct ww_detect_stats *out);

#ifdef __cplusplus
}
#endif

#endif /* WW_GUARD_DETECT_H */
