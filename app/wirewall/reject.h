/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The answer of a reject rule: a TCP RST to the sender of a TCP segment,
 * an ICMP (IPv4) or ICMPv6 port unreachable to the sender of anything
 * else. Sent back out of the port the packet came in on, with the same
 * VLAN tags and the MAC addresses swapped, so the sender sees the answer
 * come from where it sent.
 */
#ifndef WW_APP_REJECT_H
#define WW_APP_REJECT_H

#include <rte_mbuf.h>
#include <rte_mempool.h>

/**
 * Build the answer to the parsed packet @p m in a buffer from @p pool.
 * @return the answer, or NULL when none is due (ICMP errors, broadcast or
 *   multicast, fragments that are not first) or the pool is empty.
 */
struct rte_mbuf *ww_reject_build(struct rte_mbuf *m, struct rte_mempool *pool);

/**
 * A TCP RST+ACK in the direction of the TCP segment @p m (same addresses,
 * ports, sequence and acknowledgement numbers): tells the receiver the
 * connection is over. @return it, or NULL (not TCP, pool empty).
 */
struct rte_mbuf *ww_reset_onward_build(struct rte_mbuf *m,
				       struct rte_mempool *pool);

#endif /* WW_APP_REJECT_H */
