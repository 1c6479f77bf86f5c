/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * lib/stats — flow records: what one conversation (a 5-tuple, both
 * directions) carried, as NetFlow/IPFIX exporters report it.
 *
 * A worker emits a record when a flow ends (idle timeout, TCP close,
 * eviction, flush) and, for long flows, every active timeout (an interim
 * record with the counts since the previous one), onto its ring to the
 * control plane. Counts are deltas since the flow's previous record, so
 * the records of one 5-tuple add up to everything it carried.
 *
 * Side 0 is the initiator: the sender of the first packet seen.
 */
#ifndef WW_STATS_FLOWREC_H
#define WW_STATS_FLOWREC_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Why a record was emitted: IPFIX flowEndReason (IANA IE 136) values. */
enum ww_flow_end {
	WW_FLOW_END_IDLE = 1,      /**< idle timeout */
	WW_FLOW_END_ACTIVE = 2,    /**< active timeout: interim, it goes on */
	WW_FLOW_END_CLOSED = 3,    /**< end of flow detected (TCP FIN/RST) */
	WW_FLOW_END_FORCED = 4,    /**< flush, shutdown, end of a replay */
	WW_FLOW_END_LACK = 5,      /**< evicted: the table was full */
};

/** What the appliance did with the flow's packets. */
enum ww_flow_verdict {
	WW_FLOW_FORWARDED = 0,     /**< a tracked connection */
	WW_FLOW_DROPPED = 1,       /**< never a connection: its packets were
				    *   dropped (or not tracked) */
};

struct ww_flow_record {
	uint64_t first_ns;         /**< the worker's clock (TSC ns live,
				    *   capture time in replay) */
	uint64_t last_ns;
	uint64_t packets[2];       /**< sent by side 0, by side 1 */
	uint64_t bytes[2];         /**< frame bytes (Ethernet header on) */
	uint8_t addr[2][16];       /**< network order; IPv4 in the first 4 */
	uint16_t port[2];          /**< host order; ICMP: type << 8 | code of
				    *   side 0's first packet, 0 for side 1 */
	uint8_t family;            /**< 4 or 6 */
	uint8_t proto;             /**< IPPROTO_* */
	uint8_t tcp_flags[2];      /**< OR of the TCP flags each side sent */
	uint8_t end_reason;        /**< enum ww_flow_end */
	uint8_t verdict;           /**< enum ww_flow_verdict */
	uint16_t zone;             /**< the bridge */
	uint16_t in_port;          /**< config index of side 0's ingress port */
	uint16_t pad_;
};

/** "idle", "active", "closed", "forced", "evicted". */
const char *ww_flow_end_name(unsigned int reason);

#ifdef __cplusplus
}
#endif

#endif /* WW_STATS_FLOWREC_H */
