/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * ICMP guard (ICMP and ICMPv6), one per worker. For each ICMP/ICMPv6
 * packet not yet dropped, in this order:
 *  - a fragment (first or later): drop (icmp-fragment);
 *  - IP datagram longer than cfg->icmp.max_size: drop (icmp-size);
 *  - a redirect (ICMP 5, ICMPv6 137) unless its type is allowed, or a
 *    type not in allow4/allow6: drop (icmp-type, event icmp-redirect or
 *    icmp-type);
 *  - an echo request to a broadcast or multicast address (Ethernet
 *    broadcast/multicast destination, 255.255.255.255, 224.0.0.0/4,
 *    ff00::/8): drop (icmp-broadcast);
 *  - a token bucket per source address (cfg->icmp.rate/burst): drop
 *    (icmp-rate). NDP (ICMPv6 133-136) is not rate limited, so neighbour
 *    discovery keeps working under an ICMP flood.
 * Every drop raises an event of the matching kind (aggregated).
 */
#ifndef WW_GUARD_ICMP_H
#define WW_GUARD_ICMP_H

#include "guard.h"

#ifdef __cplusplus
extern "C" {
#endif

struct ww_icmp_guard;

/** @p max_sources: sources with a bucket at once (a bounded table). */
struct ww_icmp_guard *ww_icmp_guard_create(const char *name,
					   uint32_t max_sources, int socket_id);
void ww_icmp_guard_free(struct ww_icmp_guard *g);

void ww_icmp_guard_burst(struct ww_icmp_guard *g, struct ww_guard_ctx *ctx,
			 struct rte_mbuf **pkts, uint16_t n);

/** Default allowed types: ICMP echo-reply 0, unreachable 3, echo 8,
 *  time-exceeded 11, parameter-problem 12; ICMPv6 1-4, 128, 129, MLD
 *  130-132 and 143, NDP 133-136. Redirects are not among them. */
void ww_icmp_guard_default_types(uint64_t allow4[4], uint64_t allow6[4]);

#ifdef __cplusplus
}
#endif

#endif /* WW_GUARD_ICMP_H */
