/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-port accounting. Every packet received on a port ends in exactly one
 * bucket, so for each port:
 *
 *   rx_packets = forwarded_packets + sum(drops[reason]) + to_host + queued
 *
 * The buckets count by the port a packet came in on; tx_packets/tx_bytes
 * count what left through the port (whatever its origin), as a NIC does.
 * Workers own their copy (single writer, no atomics); readers sum them.
 */
#ifndef WW_APP_COUNTERS_H
#define WW_APP_COUNTERS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>
#include <rte_common.h>

#include "packet.h"

struct ww_port_counters {
	uint64_t rx_packets;
	uint64_t rx_bytes;
	uint64_t tx_packets;
	uint64_t tx_bytes;
	uint64_t forwarded_packets;
	uint64_t forwarded_bytes;
	uint64_t to_host;
	uint64_t queued;
	uint64_t drops[WW_REASON_MAX];
} __rte_cache_aligned;

/** out += in, field by field. */
void ww_counters_add(struct ww_port_counters *out,
		     const struct ww_port_counters *in);

/** out = a - b, field by field (a taken after b). */
void ww_counters_sub(struct ww_port_counters *out,
		     const struct ww_port_counters *a,
		     const struct ww_port_counters *b);

uint64_t ww_counters_drops_total(const struct ww_port_counters *c);

/** Does rx equal forwarded + drops + to_host + queued? */
bool ww_counters_conserved(const struct ww_port_counters *c);

/** The counters as the JSON object of the replay report and the API. */
json_t *ww_counters_to_json(const struct ww_port_counters *c);

/** Human-readable block, as `show port stats` prints it. */
void ww_counters_print(FILE *f, const struct ww_port_counters *c);

#endif /* WW_APP_COUNTERS_H */
