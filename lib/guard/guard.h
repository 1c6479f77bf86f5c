/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * lib/guard — protections in front of and beside the rules.
 *
 * Guards are stage functions over a burst, as the worker's other stages:
 * each reads parsed packets (ww_pkt_meta), drops what it must with a reason
 * of its own, and tells the operator through events. Every guard keeps its
 * state per worker (no locks); settings come as one immutable snapshot the
 * control plane publishes under RCU; block lists are the one structure
 * shared by all workers (written only by the control plane, read lock-free).
 *
 *   arp guard      ARP inspection, bindings, active verification  (arp_guard.h)
 *   block lists    named IP sets, static and automatic             (blocklist.h)
 *   icmp guard     types, size, fragments, broadcast, rate         (icmp_guard.h)
 *   detectors      port/host scans, too-fast sources, SYN flood    (detect.h)
 *   http/tls       Host, request target and SNI block lists        (l7.h)
 *   events         aggregation per kind and source                 (this file)
 *
 * This header holds what they share: settings, events, the per-burst
 * context.
 */
#ifndef WW_GUARD_H
#define WW_GUARD_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------- settings */

#define WW_GUARD_PORTS_MAX 16     /**< HTTP or TLS ports inspected */
#define WW_GUARD_NAME_MAX 256     /**< host names and URL prefixes */

/** A static IP->MAC binding (ARP guard). */
struct ww_arp_binding {
	uint32_t ip;                  /**< network order */
	struct rte_ether_addr mac;
};

struct ww_guard_arp_config {
	bool enabled;
	bool verify;                  /**< new/changed claims are probed before trusted */
	uint32_t rate;                /**< ARP packets per second per sender MAC */
	uint32_t burst;
	uint32_t probe_timeout_ms;    /**< answers to a probe are taken this long */
	uint32_t max_bindings;        /**< learned bindings per worker */
	unsigned int nb_static;
	struct ww_arp_binding *bindings; /**< static, heap (owned by the snapshot) */
};

struct ww_guard_icmp_config {
	bool enabled;
	uint16_t max_size;            /**< largest IP datagram carrying ICMP/ICMPv6 */
	uint32_t rate;                /**< ICMP packets per second per source address */
	uint32_t burst;
	uint64_t allow4[4];           /**< bitmap of allowed ICMP types (256 bits) */
	uint64_t allow6[4];           /**< bitmap of allowed ICMPv6 types */
};

struct ww_guard_blocklist_config {
	bool enabled;
	uint32_t max_entries;         /**< exact addresses and prefixes, all sets */
	uint32_t block_ttl_s;         /**< default TTL of automatic entries */
};

struct ww_guard_scan_config {
	bool enabled;
	uint32_t ports;               /**< distinct destination ports per source ... */
	uint32_t hosts;               /**< ... or distinct destination hosts ... */
	uint32_t window_ms;           /**< ... within this window: a scan */
	uint32_t block_ttl_s;         /**< 0: alert only */
};

struct ww_guard_rate_config {
	bool enabled;
	uint32_t new_per_s;           /**< new connections per second per source */
	uint32_t burst;
	uint32_t block_ttl_s;         /**< 0: alert only */
};

struct ww_guard_synflood_config {
	bool enabled;
	uint32_t syn_per_s;           /**< all SYNs per second: a flood above */
	uint32_t dst_syn_per_s;       /**< SYNs per second to one destination */
	uint32_t half_open;           /**< half-open connections (SYN_SENT + SYN_RECV) */
	uint32_t source_syn_per_s;    /**< per-source SYN limit while a flood lasts */
	uint32_t source_burst;
	uint32_t quiet_s;             /**< seconds below every threshold: flood over */
};

struct ww_guard_http_config {
	bool enabled;
	unsigned int nb_ports, nb_tls_ports;
	uint16_t ports[WW_GUARD_PORTS_MAX];     /**< HTTP: Host and request target */
	uint16_t tls_ports[WW_GUARD_PORTS_MAX]; /**< TLS: ClientHello SNI */
	unsigned int nb_hosts, nb_urls;
	char (*hosts)[WW_GUARD_NAME_MAX]; /**< "example.com" exact, ".example.com" suffix; heap */
	char (*urls)[WW_GUARD_NAME_MAX];  /**< "example.com/ads/" host + path prefix; heap */
};

struct ww_guard_events_config {
	uint32_t window_s;            /**< one event per kind and source per window */
};

/** Every guard's settings; a POD apart from the heap arrays it names. */
struct ww_guard_config {
	struct ww_guard_arp_config arp;
	struct ww_guard_icmp_config icmp;
	struct ww_guard_blocklist_config blocklist;
	struct ww_guard_scan_config scan;
	struct ww_guard_rate_config rate;
	struct ww_guard_synflood_config synflood;
	struct ww_guard_http_config http;
	struct ww_guard_events_config events;
};

/** Defaults for every threshold (every guard enabled). */
void ww_guard_config_default(struct ww_guard_config *cfg);

/** Deep copy (heap arrays included). @return 0 or -ENOMEM. */
int ww_guard_config_copy(struct ww_guard_config *dst,
			 const struct ww_guard_config *src);

/** Free the heap arrays of @p cfg (not cfg itself). */
void ww_guard_config_release(struct ww_guard_config *cfg);

/** ICMP type bitmaps. */
static inline bool
ww_guard_type_allowed(const uint64_t bits[4], uint8_t type)
{
	return (bits[type >> 6] >> (type & 63)) & 1;
}

static inline void
ww_guard_type_set(uint64_t bits[4], uint8_t type, bool on)
{
	if (on)
		bits[type >> 6] |= UINT64_C(1) << (type & 63);
	else
		bits[type >> 6] &= ~(UINT64_C(1) << (type & 63));
}

/* --------------------------------------------------------------- events */

#define WW_FOREACH_EVENT_CATEGORY(X) \
	X(ARP, "arp") \
	X(ICMP, "icmp") \
	X(BLOCKLIST, "blocklist") \
	X(SCAN, "scan") \
	X(RATE, "rate") \
	X(SYNFLOOD, "synflood") \
	X(HTTP, "http") \
	X(TLS, "tls")

enum ww_event_category {
#define WW_EVCAT_ENUM(e, name) WW_EVCAT_##e,
	WW_FOREACH_EVENT_CATEGORY(WW_EVCAT_ENUM)
#undef WW_EVCAT_ENUM
	WW_EVCAT_MAX
};

enum ww_event_level {
	WW_EVLVL_INFO = 0,
	WW_EVLVL_NOTICE,
	WW_EVLVL_WARNING,
	WW_EVLVL_ALERT,
};

/**
 * Every kind of event: X(ENUM, CATEGORY, LEVEL, "name", "what happened").
 */
#define WW_FOREACH_EVENT(X) \
	X(ARP_BAD_OPCODE, ARP, WARNING, "arp-bad-opcode", "ARP with an opcode other than request or reply") \
	X(ARP_BROADCAST_REPLY, ARP, WARNING, "arp-broadcast-reply", "ARP reply sent to the broadcast MAC") \
	X(ARP_SPOOF, ARP, ALERT, "arp-spoof", "ARP claim of a bound address with another MAC") \
	X(ARP_SENDER_MISMATCH, ARP, ALERT, "arp-sender-mismatch", "ARP leaving the protected segment with a sender MAC other than the frame's source") \
	X(ARP_RATE, ARP, WARNING, "arp-rate", "ARP packets from one MAC above the rate limit") \
	X(ARP_PROBE, ARP, INFO, "arp-probe", "new or changed ARP claim: probing the address before trusting it") \
	X(ARP_VERIFIED, ARP, INFO, "arp-verified", "a probe confirmed a binding") \
	X(ARP_CONFLICT, ARP, ALERT, "arp-conflict", "two MACs answered a probe for one address") \
	X(ICMP_TYPE, ICMP, NOTICE, "icmp-type", "ICMP type not allowed") \
	X(ICMP_REDIRECT, ICMP, WARNING, "icmp-redirect", "ICMP redirect dropped") \
	X(ICMP_SIZE, ICMP, WARNING, "icmp-size", "ICMP datagram larger than max_size") \
	X(ICMP_FRAGMENT, ICMP, WARNING, "icmp-fragment", "fragmented ICMP") \
	X(ICMP_BROADCAST, ICMP, WARNING, "icmp-broadcast", "echo request to a broadcast or multicast address") \
	X(ICMP_RATE, ICMP, WARNING, "icmp-rate", "ICMP from one source above the rate limit") \
	X(BLOCKLIST_HIT, BLOCKLIST, NOTICE, "blocklist-hit", "traffic from or to an address on a block list") \
	X(BLOCKED, BLOCKLIST, WARNING, "auto-block", "address put on the block list automatically") \
	X(NEVER_BLOCKED, BLOCKLIST, NOTICE, "never-block", "automatic block refused: address on the never-block list") \
	X(SCAN_PORTS, SCAN, ALERT, "port-scan", "one source probed many destination ports") \
	X(SCAN_HOSTS, SCAN, ALERT, "host-scan", "one source probed many destination hosts") \
	X(SCAN_STEALTH, SCAN, WARNING, "stealth-scan", "FIN, NULL or Xmas probe without a connection") \
	X(RATE_NEW, RATE, ALERT, "too-fast", "new connections from one source above the rate limit") \
	X(SYNFLOOD_START, SYNFLOOD, ALERT, "syn-flood", "SYN rate or half-open connections above threshold") \
	X(SYNFLOOD_DST, SYNFLOOD, ALERT, "syn-flood-target", "SYN rate to one destination above threshold") \
	X(SYNFLOOD_END, SYNFLOOD, INFO, "syn-flood-end", "SYN rate and half-open connections back to normal") \
	X(SYN_LIMIT, SYNFLOOD, WARNING, "syn-limit", "SYNs from one source above the per-source limit during a flood") \
	X(HTTP_BLOCK, HTTP, ALERT, "http-block", "HTTP request for a blocked host or URL") \
	X(TLS_BLOCK, TLS, ALERT, "tls-block", "TLS ClientHello for a blocked server name")

enum ww_event_kind {
#define WW_EV_ENUM(e, cat, lvl, name, help) WW_EV_##e,
	WW_FOREACH_EVENT(WW_EV_ENUM)
#undef WW_EV_ENUM
	WW_EV_MAX
};

#define WW_EVENT_TEXT_MAX 64

/**
 * One event, as a worker hands it to the control plane (ring element).
 * A summary of repeats has count > 1 (occurrences in the window after the
 * first, which was sent on its own).
 */
struct ww_event {
	uint64_t time_ns;     /**< the worker's clock (capture time in replay) */
	uint16_t kind;        /**< enum ww_event_kind */
	uint8_t family;       /**< 4, 6, or 0 (ARP: addresses are IPv4 in src/dst) */
	uint8_t proto;        /**< IP protocol, 0 if none */
	uint16_t sport, dport;/**< ICMP: type and code */
	uint16_t port_idx;    /**< ingress port (config index) */
	uint32_t count;       /**< occurrences this record stands for */
	uint32_t value;       /**< kind's measure: rate, distinct ports, size... */
	uint32_t block_ttl_s; /**< > 0: block src for this long (detectors) */
	uint8_t src[16], dst[16];        /**< network order */
	struct rte_ether_addr mac;       /**< ARP: the claimed / sender MAC */
	struct rte_ether_addr mac2;      /**< ARP: the bound MAC / frame source */
	char text[WW_EVENT_TEXT_MAX];    /**< HTTP host/URL, TLS SNI, NUL-terminated */
} __rte_aligned(8);

const char *ww_event_kind_name(unsigned int kind);
const char *ww_event_kind_help(unsigned int kind);
enum ww_event_category ww_event_kind_category(unsigned int kind);
enum ww_event_level ww_event_kind_level(unsigned int kind);
const char *ww_event_category_name(unsigned int category);
const char *ww_event_level_name(unsigned int level);
/** Kind whose name is @p name, or -ENOENT. */
int ww_event_kind_from_name(const char *name);

/**
 * Per-worker aggregation in front of the worker's event ring: the first
 * event of a (kind, source) in a window is sent at once; later ones in the
 * window are only counted and sent as one summary (count = repeats) when
 * the window ends. A flood makes a handful of events, and a full ring only
 * counts what it lost.
 */
struct ww_event_agg;

/** @p slots: (kind, source) pairs tracked at once (rounded to a power of 2). */
struct ww_event_agg *ww_event_agg_create(const char *name, unsigned int slots,
					 struct rte_ring *ring, int socket_id);
void ww_event_agg_free(struct ww_event_agg *a);

/** Emit @p ev (ev->count is set to 1 here). Window from @p window_s. */
void ww_event_emit(struct ww_event_agg *a, struct ww_event *ev,
		   uint32_t window_s);

/** Send summaries of windows that ended before @p now_ns; look at most
 *  @p budget slots (round robin). Call once per burst. */
void ww_event_agg_tick(struct ww_event_agg *a, uint64_t now_ns,
		       uint32_t window_s, unsigned int budget);

/** Send every pending summary now (end of a replay, shutdown). */
void ww_event_agg_flush(struct ww_event_agg *a);

/** Events (records) the ring had no room for. */
uint64_t ww_event_agg_lost(const struct ww_event_agg *a);

/** Fill addresses of @p ev from a parsed IP packet (family, proto, ports). */
void ww_event_from_packet(struct ww_event *ev, struct rte_mbuf *m);

/* ---------------------------------------------------- per-burst context */

/**
 * What every guard stage gets for one burst: settings, time, where the
 * burst came from, where generated packets go, where events go.
 */
struct ww_guard_ctx {
	const struct ww_guard_config *cfg;
	uint64_t now_ns;
	uint16_t port_idx;          /**< ingress port (config index) */
	bool from_protected;        /**< ingress is the protected side of its bridge */
	bool to_protected;          /**< egress is the protected side */
	struct rte_ether_addr port_mac; /**< ingress port's MAC (ARP probes) */
	struct rte_mempool *pool;   /**< generated packets come from here */
	/* Generated packets: "back" leave by the ingress port (probes, RSTs to
	 * the sender), "fwd" by the peer port (RSTs to the receiver). */
	struct rte_mbuf **back;
	uint16_t nb_back, max_back;
	struct rte_mbuf **fwd;
	uint16_t nb_fwd, max_fwd;
	struct ww_event_agg *events;
};

/** Drop @p m with @p reason (enum ww_reason). */
static inline void
ww_guard_drop(struct rte_mbuf *m, unsigned int reason);

/** Fill @p ev for an event of @p kind about packet @p m (may be NULL):
 *  time, port and addresses from @p ctx and the packet; text empty. */
void ww_guard_event_fill(struct ww_event *ev, const struct ww_guard_ctx *ctx,
			 unsigned int kind, struct rte_mbuf *m, uint32_t value);

/** Emit an event built from packet @p m (aggregated: ww_event_emit()). */
void ww_guard_event(struct ww_guard_ctx *ctx, unsigned int kind,
		    struct rte_mbuf *m, uint32_t value, uint32_t block_ttl_s);

/** Token bucket in fixed point: tokens scaled by 2^20, refilled by time. */
struct ww_token_bucket {
	uint64_t last_ns;
	uint64_t tokens;
};

/** Take one token; @return true if allowed. @p rate per second, @p burst max. */
bool ww_token_take(struct ww_token_bucket *tb, uint64_t now_ns, uint32_t rate,
		   uint32_t burst);

#ifdef __cplusplus
}
#endif

#include "packet.h"

static inline void
ww_guard_drop(struct rte_mbuf *m, unsigned int reason)
{
	struct ww_pkt_meta *meta = ww_pkt_meta(m);

	meta->verdict = WW_VERDICT_DROP;
	meta->reason = reason;
}

#endif /* WW_GUARD_H */
