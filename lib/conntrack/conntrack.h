/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * lib/conntrack — per-worker connection tracking.
 *
 * One table per worker (single writer, no locks): an rte_hash of flow keys
 * whose key position indexes a flat array of 64-byte flow entries. Both
 * directions of a flow share one entry: the key is canonical (lower
 * address/port first) and the entry remembers which side opened it.
 *
 * A packet's way through the table:
 *   ww_ct_lookup_burst()  finds the flow of each packet, advances its state
 *                         (TCP state machine, UDP/ICMP pseudo-states) and
 *                         says NEW, ESTABLISHED, RELATED or INVALID;
 *   ww_ct_commit()        creates the flow of a NEW packet the rules accepted
 *                         (only accepted flows take memory);
 *   ww_ct_expire()        removes flows whose timeout passed, a bounded
 *                         number per call, without scanning the table: each
 *                         timeout class keeps its flows on a list in the
 *                         order they were last queued, so the head is always
 *                         the next to expire.
 *
 * Time is whatever the caller says it is (ns): the TSC live, the capture's
 * timestamps in replay.
 *
 * ICMP echo: the identifier is the flow's "port" on both sides. ICMP errors
 * (unreachable, time exceeded, parameter problem, packet too big) are
 * RELATED when the datagram they quote belongs to a tracked flow. NDP and
 * other ICMPv6/ICMP informational types are not tracked (state NEW, never
 * committed). Other IP protocols are tracked by addresses and protocol.
 */
#ifndef WW_CONNTRACK_H
#define WW_CONNTRACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "flowrec.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Connection-tracking states of a packet, as bits (rules match sets). */
#define WW_CT_STATE_NEW         0x01
#define WW_CT_STATE_ESTABLISHED 0x02
#define WW_CT_STATE_RELATED     0x04
#define WW_CT_STATE_INVALID     0x08

/**
 * Flow states, their names and default timeouts in seconds (as Linux's
 * nf_conntrack). X(ENUM, "name", "config key", default_timeout_s)
 */
#define WW_FOREACH_CT_FLOW_STATE(X) \
	X(TCP_SYN_SENT, "syn-sent", "tcp_syn_sent", 120) \
	X(TCP_SYN_RECV, "syn-recv", "tcp_syn_recv", 60) \
	X(TCP_ESTABLISHED, "established", "tcp_established", 432000) \
	X(TCP_FIN_WAIT, "fin-wait", "tcp_fin_wait", 120) \
	X(TCP_TIME_WAIT, "time-wait", "tcp_time_wait", 120) \
	X(TCP_CLOSE, "close", "tcp_close", 10) \
	X(UDP_UNREPLIED, "udp-unreplied", "udp", 30) \
	X(UDP_REPLIED, "udp-replied", "udp_stream", 180) \
	X(ICMP, "icmp", "icmp", 30) \
	X(OTHER, "other", "other", 600)

enum ww_ct_flow_state {
#define WW_CT_FS_ENUM(e, name, key, t) WW_CT_FS_##e,
	WW_FOREACH_CT_FLOW_STATE(WW_CT_FS_ENUM)
#undef WW_CT_FS_ENUM
	WW_CT_FS_MAX
};

/** What to do with a new flow when the table is full. */
enum ww_ct_full_policy {
	WW_CT_FULL_DROP_NEW = 0, /**< refuse the new flow */
	WW_CT_FULL_EARLY_DROP,   /**< evict the oldest unestablished flow first */
};

struct ww_ct_config {
	bool enabled;                      /**< false: stateless, every packet meets the rules */
	uint32_t max_flows;                /**< this table's cap */
	uint8_t full_policy;               /**< enum ww_ct_full_policy */
	bool strict;                       /**< TCP without a SYN and no flow is INVALID
					        (false: picked up mid-stream as NEW) */
	uint32_t timeout_s[WW_CT_FS_MAX];  /**< per flow state */
};

/** Defaults: enabled, 200000 flows, drop-new, strict, the timeouts above. */
void ww_ct_config_default(struct ww_ct_config *cfg);

/** Canonical key: the lower (address, port) first. */
struct ww_ct_key {
	uint8_t addr[2][16]; /**< network order; IPv4 in the first 4 bytes */
	uint16_t port[2];    /**< host order; ICMP echo: identifier on both */
	uint8_t proto;
	uint8_t family;      /**< 4 or 6 */
	uint16_t zone;       /**< the bridge: bridges never share flows */
};

/** Per-packet result of a lookup, consumed by ww_ct_commit(). */
struct ww_ct_result {
	uint8_t ct_state;   /**< one WW_CT_STATE_* bit, 0 = not IP */
	uint8_t reply;      /**< 1 if the packet goes the reply direction */
	uint8_t trackable;  /**< NEW and may be committed */
	uint8_t src_lo;     /**< internal: the packet's source is key side 0 */
	uint32_t flow;      /**< flow index, or UINT32_MAX */
	uint32_t sig;       /**< the key's hash (hash_sig_t) */
	uint8_t mark;       /**< the flow's WW_CT_MARK_* bits (0 if none) */
	uint8_t pad_;
	uint16_t in_port;   /**< set by the caller before ww_ct_commit():
			     *   the ingress port, for flow records */
	struct ww_ct_key key;
};

/** Marks guards put on a flow (ww_ct_mark()); lookups return them. */
#define WW_CT_MARK_INSPECTED 0x01  /**< its first request was looked at */
#define WW_CT_MARK_BLOCKED   0x02  /**< every further packet is dropped */
#define WW_CT_MARK_TLS       0x04  /**< blocked for its TLS server name */

struct ww_ct_table;

/**
 * Create a table.
 * @return the table, or NULL with rte_errno set (EINVAL: bad config,
 *   ENOMEM: no memory, EEXIST: name in use).
 */
struct ww_ct_table *ww_ct_create(const char *name,
				 const struct ww_ct_config *cfg, int socket_id);

void ww_ct_free(struct ww_ct_table *t);

/**
 * Look up a burst of parsed packets (ww_pkt_meta) received on a port of
 * bridge @p zone at time @p now_ns. Existing flows advance their state and
 * timers and count the packet. Fills @p res.
 */
void ww_ct_lookup_burst(struct ww_ct_table *t, struct rte_mbuf **pkts,
			uint16_t n, uint16_t zone, uint64_t now_ns,
			struct ww_ct_result *res);

/**
 * Create the flow of a NEW packet (res->trackable) that was accepted.
 * A packet of a flow created earlier in the same burst is found instead
 * (res->ct_state becomes ESTABLISHED). Clears res->trackable, so a second
 * call does nothing; sets res->flow. Flow indexes stay valid only until the
 * next commit, expire or flush (a full table may evict a flow).
 * @return 0, or -ENOSPC when the table is full and the policy found no
 *   flow to evict (the packet should be dropped as ct-full).
 */
int ww_ct_commit(struct ww_ct_table *t, struct rte_mbuf *pkt,
		 struct ww_ct_result *res, uint64_t now_ns);

/** Add @p bits to the marks of flow @p flow (an index from a result of
 *  this burst). Only the table's owner may call it. */
void ww_ct_mark(struct ww_ct_table *t, uint32_t flow, uint8_t bits);

/** Move a TCP flow to CLOSE (it ends after the close timeout): the guards
 *  reset it. Only the table's owner may call it. */
void ww_ct_close(struct ww_ct_table *t, uint32_t flow, uint64_t now_ns);

/** Remove at most @p budget expired flows. @return how many. */
unsigned int ww_ct_expire(struct ww_ct_table *t, uint64_t now_ns,
			  unsigned int budget);

struct ww_ct_stats {
	uint64_t active;                    /**< flows in the table */
	uint64_t by_state[WW_CT_FS_MAX];
	uint64_t created, expired, early_dropped, refused_full;
	uint64_t max_flows;
};

/** Counters; safe to call from another thread (single-writer words). */
void ww_ct_get_stats(const struct ww_ct_table *t, struct ww_ct_stats *out);

/** One flow as the prompt shows it; side 0 opened it. */
struct ww_ct_flow_info {
	uint8_t family, proto, state;    /**< state: enum ww_ct_flow_state */
	uint16_t zone;
	uint8_t addr[2][16];
	uint16_t port[2];
	uint64_t packets[2], bytes[2];   /**< sent by side 0, by side 1 */
	uint64_t last_ns;
	uint64_t expires_ns;             /**< absolute time it expires */
};

typedef void (*ww_ct_visit_fn)(const struct ww_ct_flow_info *flow, void *arg);

/** Visit every flow. Only the table's owner (its worker) may call it. */
void ww_ct_foreach(struct ww_ct_table *t, ww_ct_visit_fn fn, void *arg);

/** Remove every flow (each gives its record, reason forced). Only the
 *  table's owner may call it. */
void ww_ct_flush(struct ww_ct_table *t);

/** Called with each flow record (see lib/stats/flowrec.h). */
typedef void (*ww_ct_record_fn)(const struct ww_flow_record *r, void *arg);

/**
 * Emit flow records through @p fn (NULL: stop): when a flow ends (idle or
 * TCP close timeout, a TCP port reused, eviction when full, flush), an
 * interim one (reason active) when a packet of a flow comes @p active_ns
 * (134 ms granularity, at most 4398 s) after its previous record, and
 * from ww_ct_export_all(). Counts in a record are those since the flow's
 * previous record. Costs 48 bytes per flow (a second array, not touched
 * per packet). @return 0 or -ENOMEM.
 */
int ww_ct_set_records(struct ww_ct_table *t, ww_ct_record_fn fn, void *arg,
		      uint64_t active_ns);

/** A record of every live flow now (they stay): end of a replay. */
void ww_ct_export_all(struct ww_ct_table *t, uint8_t reason);

/** Bytes the table allocated (hash, keys, flow entries). */
size_t ww_ct_memory(const struct ww_ct_table *t);

const char *ww_ct_flow_state_name(unsigned int state);
/** Config key of a state's timeout ("tcp_established"), or NULL. */
const char *ww_ct_timeout_key(unsigned int state);

#ifdef __cplusplus
}
#endif

#endif /* WW_CONNTRACK_H */
