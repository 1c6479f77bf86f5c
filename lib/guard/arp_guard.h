/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * ARP guard (reference 000, section 4.2), one per worker.
 *
 * For each ARP frame of a burst (meta->l3 == WW_L3_ARP), in this order:
 *  - opcode other than request (1) or reply (2): drop (arp-bad-opcode), event;
 *  - reply sent to the broadcast MAC: drop (arp-broadcast-reply), event;
 *  - rate: a token bucket per sender MAC (cfg->arp.rate/burst): drop
 *    (arp-rate), event;
 *  - an answer to the appliance's own probe (reply, target IP 0.0.0.0,
 *    Ethernet destination = the ingress port's MAC): taken, never forwarded
 *    (arp-probe-answer); it verifies the binding (event arp-verified) or,
 *    when a different MAC answered the same probe, an arp-conflict event
 *    and no binding;
 *  - from the protected side: the ARP sender MAC must equal the frame's
 *    source MAC, else drop (arp-spoof, event arp-sender-mismatch);
 *  - a claim (sender IP != 0.0.0.0) of an address with a static or
 *    verified binding to another MAC: drop (arp-spoof), event;
 *  - a claim matching its binding: forwarded;
 *  - a new or changed claim (no binding, or a probe pending) with verify
 *    on: the frame is dropped (arp-unverified) and, unless a probe for that
 *    address is pending, an RFC 5227 probe (request, sender IP 0.0.0.0,
 *    sender MAC = the port's MAC, target IP = the claimed address) goes out
 *    of the ingress port (ctx->back); the host, retrying, is let through
 *    once its answer verified the binding. With verify off the first claim
 *    is learned as it is.
 *  - ARP probes (sender IP 0.0.0.0) claim nothing and pass.
 * Learned bindings live until the table is full (then the least recently
 * confirmed goes); static bindings are never overridden.
 */
#ifndef WW_GUARD_ARP_H
#define WW_GUARD_ARP_H

#include <stdint.h>

#include "guard.h"

#ifdef __cplusplus
extern "C" {
#endif

struct ww_arp_guard;

/** @p max_bindings learned bindings (and pending probes) it can hold. */
struct ww_arp_guard *ww_arp_guard_create(const char *name,
					 uint32_t max_bindings, int socket_id);
void ww_arp_guard_free(struct ww_arp_guard *g);

/** The stage: see the file comment. Non-ARP packets are not touched. */
void ww_arp_guard_burst(struct ww_arp_guard *g, struct ww_guard_ctx *ctx,
			struct rte_mbuf **pkts, uint16_t n);

struct ww_arp_binding_info {
	uint32_t ip;                 /**< network order */
	struct rte_ether_addr mac;
	uint8_t state;               /**< 0 verified, 1 probing (mac = claimed) */
	uint64_t since_ns;           /**< verified or probe sent at */
};

typedef void (*ww_arp_visit_fn)(const struct ww_arp_binding_info *b, void *arg);

/** Visit learned bindings and pending probes (the owner's thread only). */
void ww_arp_guard_foreach(struct ww_arp_guard *g, ww_arp_visit_fn fn, void *arg);

/** Forget learned bindings (the owner's thread only). */
void ww_arp_guard_flush(struct ww_arp_guard *g);

#ifdef __cplusplus
}
#endif

#endif /* WW_GUARD_ARP_H */
