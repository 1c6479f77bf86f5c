/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The flow meter: flow records for the packets no tracked connection
 * counts — those dropped before or at connection tracking (block lists,
 * guards, rules, invalid TCP), those of a stateless bridge, ICMP errors.
 * With connection tracking's own records, every IP packet a port received
 * is in exactly one flow record.
 *
 * One meter per worker (single writer, no locks), bounded: when it is
 * full, packets of new flows are counted as unmetered, never waited for.
 * Flows end by idle timeout; long ones give interim records every active
 * timeout, as in lib/conntrack.
 */
#ifndef WW_STATS_FLOWMETER_H
#define WW_STATS_FLOWMETER_H

#include <stdint.h>

#include <rte_mbuf.h>

#include "flowrec.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef void (*ww_flowmeter_fn)(const struct ww_flow_record *r, void *arg);

struct ww_flowmeter_params {
	const char *name;       /**< unique (rte_hash name) */
	uint32_t max_flows;     /**< table size */
	uint64_t idle_ns;       /**< a flow ends this long after its last packet */
	uint64_t active_ns;     /**< interim records of long flows */
	int socket_id;
	ww_flowmeter_fn fn;     /**< where records go */
	void *arg;
};

struct ww_flowmeter;

/** @return the meter, or NULL with rte_errno set. */
struct ww_flowmeter *ww_flowmeter_create(const struct ww_flowmeter_params *p);
void ww_flowmeter_free(struct ww_flowmeter *fm);

/** Count one parsed IPv4/IPv6 packet received on port @p in_port of
 *  bridge @p zone at @p now_ns. */
void ww_flowmeter_count(struct ww_flowmeter *fm, struct rte_mbuf *m,
			uint16_t zone, uint16_t in_port, uint64_t now_ns);

/** End idle flows and emit interim records of long ones, visiting at
 *  most @p budget slots. @return records emitted. */
unsigned int ww_flowmeter_expire(struct ww_flowmeter *fm, uint64_t now_ns,
				 unsigned int budget);

/** A record of every flow now, and forget them (end of a replay). */
void ww_flowmeter_flush(struct ww_flowmeter *fm, uint8_t reason);

struct ww_flowmeter_stats {
	uint64_t flows;          /**< in the table now */
	uint64_t created;
	uint64_t unmetered;      /**< packets not counted: the table was full */
};
void ww_flowmeter_get_stats(const struct ww_flowmeter *fm,
			    struct ww_flowmeter_stats *out);

#ifdef __cplusplus
}
#endif

#endif /* WW_STATS_FLOWMETER_H */
