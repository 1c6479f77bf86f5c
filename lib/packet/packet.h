/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * lib/packet — the bounds-checked parser and the per-packet metadata.
 *
 * Every frame a worker receives is parsed once, at the start of its way,
 * into a small struct ww_pkt_meta kept in the mbuf's private area. Later
 * stages read the metadata, never re-parse. The parser never reads past the
 * bytes it is given; a frame that cannot be parsed gets a drop reason of its
 * own (one per malformed case) so operators can tell what was wrong.
 *
 * The drop reasons of the whole data path are one list, WW_FOREACH_REASON,
 * so the enum, the report keys, the CLI and the metrics labels never drift.
 */
#ifndef WW_PACKET_H
#define WW_PACKET_H

#include <stdint.h>

#include <rte_common.h>
#include <rte_mbuf.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Every reason a packet can leave the data path other than by being
 * forwarded. X(ENUM_SUFFIX, "report-name", "what it means").
 * NONE is not a drop: it is the reason of a packet that is fine.
 */
#define WW_FOREACH_REASON(X) \
	X(NONE, "none", "not dropped") \
	X(ETH_TRUNCATED, "eth-truncated", "frame shorter than an Ethernet header") \
	X(VLAN_TRUNCATED, "vlan-truncated", "frame ends inside an 802.1Q/802.1ad tag") \
	X(VLAN_TOO_DEEP, "vlan-too-deep", "more than two VLAN tags") \
	X(ARP_TRUNCATED, "arp-truncated", "frame ends inside the ARP message") \
	X(ARP_BAD_FORMAT, "arp-bad-format", "ARP not Ethernet/IPv4 (htype, ptype, hlen or plen)") \
	X(IPV4_TRUNCATED, "ipv4-truncated", "frame ends inside the IPv4 header") \
	X(IPV4_BAD_VERSION, "ipv4-bad-version", "IPv4 ethertype but version is not 4") \
	X(IPV4_BAD_IHL, "ipv4-bad-ihl", "IPv4 header length below 20 bytes or past the data") \
	X(IPV4_BAD_TOTAL_LENGTH, "ipv4-bad-total-length", "IPv4 total length below the header length or past the frame") \
	X(IPV4_BAD_OPTIONS, "ipv4-bad-options", "IPv4 option with a bad length") \
	X(IPV4_BAD_FRAGMENT, "ipv4-bad-fragment", "IPv4 fragment past 65535 bytes or with the reserved flag") \
	X(IPV6_TRUNCATED, "ipv6-truncated", "frame ends inside the IPv6 header") \
	X(IPV6_BAD_VERSION, "ipv6-bad-version", "IPv6 ethertype but version is not 6") \
	X(IPV6_BAD_PAYLOAD_LENGTH, "ipv6-bad-payload-length", "IPv6 payload length past the frame") \
	X(IPV6_EXT_TRUNCATED, "ipv6-ext-truncated", "IPv6 extension header past the payload") \
	X(IPV6_EXT_TOO_MANY, "ipv6-ext-too-many", "IPv6 extension header chain longer than the parser allows") \
	X(IPV6_BAD_FRAGMENT, "ipv6-bad-fragment", "IPv6 fragment past 65535 bytes or repeated fragment header") \
	X(TCP_TRUNCATED, "tcp-truncated", "datagram ends inside the TCP header") \
	X(TCP_BAD_DATA_OFFSET, "tcp-bad-data-offset", "TCP data offset below 5 words or past the datagram") \
	X(UDP_TRUNCATED, "udp-truncated", "datagram ends inside the UDP header") \
	X(UDP_BAD_LENGTH, "udp-bad-length", "UDP length below 8 or past the datagram") \
	X(ICMP_TRUNCATED, "icmp-truncated", "datagram ends inside the ICMP header") \
	X(ICMPV6_TRUNCATED, "icmpv6-truncated", "datagram ends inside the ICMPv6 header") \
	X(TX_FULL, "tx-full", "the peer port did not take it (TX queue full, or the device refused it)") \
	X(RULE_DROP, "rule-drop", "a rule's drop action") \
	X(RULE_REJECT, "rule-reject", "a rule's reject action (answered with a TCP RST or an ICMP unreachable)") \
	X(POLICY_DROP, "policy-drop", "new connection into a protected segment that no security group allows (default-closed)") \
	X(CT_INVALID, "ct-invalid", "fits no connection state (e.g. an unsolicited SYN-ACK, a mid-stream ACK with no connection)") \
	X(CT_FULL, "ct-full", "new connection refused: the connection table is full (conntrack.max_flows)") \
	X(ARP_BAD_OPCODE, "arp-bad-opcode", "ARP opcode neither request nor reply (guards.arp)") \
	X(ARP_BROADCAST_REPLY, "arp-broadcast-reply", "ARP reply to the broadcast MAC (guards.arp)") \
	X(ARP_SPOOF, "arp-spoof", "ARP claim contradicting a binding, or a sender MAC other than the frame's source (guards.arp)") \
	X(ARP_UNVERIFIED, "arp-unverified", "ARP claim not yet confirmed by the appliance's probe (guards.arp.verify)") \
	X(ARP_RATE, "arp-rate", "ARP from one MAC above guards.arp.rate") \
	X(ARP_PROBE_ANSWER, "arp-probe-answer", "answer to the appliance's own ARP probe: taken, not forwarded") \
	X(BLOCKLIST, "blocklist", "source or destination on a block list") \
	X(ICMP_TYPE, "icmp-type", "ICMP type not allowed, or a redirect (guards.icmp)") \
	X(ICMP_SIZE, "icmp-size", "ICMP datagram larger than guards.icmp.max_size") \
	X(ICMP_FRAGMENT, "icmp-fragment", "fragmented ICMP (guards.icmp)") \
	X(ICMP_BROADCAST, "icmp-broadcast", "echo request to a broadcast or multicast address (guards.icmp)") \
	X(ICMP_RATE, "icmp-rate", "ICMP from one source above guards.icmp.rate") \
	X(SYN_LIMIT, "syn-limit", "SYN from one source above guards.synflood.source_syn_per_s during a flood") \
	X(HTTP_BLOCK, "http-block", "HTTP request for a blocked host or URL, and the rest of its connection") \
	X(TLS_BLOCK, "tls-block", "TLS ClientHello for a blocked server name, and the rest of its connection")

enum ww_reason {
#define WW_REASON_ENUM(e, name, help) WW_REASON_##e,
	WW_FOREACH_REASON(WW_REASON_ENUM)
#undef WW_REASON_ENUM
	WW_REASON_MAX
};

/** First and last reason that the parser itself gives (malformed frames). */
#define WW_REASON_MALFORMED_FIRST WW_REASON_ETH_TRUNCATED
#define WW_REASON_MALFORMED_LAST WW_REASON_ICMPV6_TRUNCATED

/** What the data path does with a packet; set by stages, carried out once. */
enum ww_verdict {
	WW_VERDICT_FORWARD = 0, /**< to the bridge peer */
	WW_VERDICT_DROP,        /**< freed; meta.reason says why */
	WW_VERDICT_HOST,        /**< to the appliance's own stack */
	WW_VERDICT_QUEUE,       /**< handed to an external inspector */
};

/** Network layer found in the frame. */
enum ww_l3 {
	WW_L3_OTHER = 0, /**< neither ARP nor IP: bridged as plain L2 */
	WW_L3_ARP,
	WW_L3_IPV4,
	WW_L3_IPV6,
};

#define WW_PKT_F_FRAGMENT   0x01 /**< an IP fragment (first or later) */
#define WW_PKT_F_LATER_FRAG 0x02 /**< not the first fragment: no L4 header */
#define WW_PKT_F_IP_OPTIONS 0x04 /**< IPv4 options or IPv6 extension headers */
#define WW_PKT_F_L4         0x08 /**< l4_off points at a parsed TCP/UDP/ICMP header */

/**
 * Per-packet metadata. Offsets count from the first byte of the frame.
 * Multi-byte fields are in host order.
 */
struct ww_pkt_meta {
	uint16_t l3_off;      /**< first byte after the L2 header(s) */
	uint16_t l4_off;      /**< first byte of the L4 header; 0 if none */
	uint16_t payload_off; /**< first byte after the L4 header; 0 if none */
	uint16_t l3_end;      /**< end of the IP datagram (excludes Ethernet padding) */
	uint16_t ether_type;  /**< innermost ethertype */
	uint16_t vlan_tci[2]; /**< outer first; valid up to vlan_count */
	uint8_t vlan_count;
	uint8_t l3;           /**< enum ww_l3 */
	uint8_t l4_proto;     /**< IP protocol after IPv6 extension headers */
	uint8_t flags;        /**< WW_PKT_F_* */
	uint8_t tcp_flags;    /**< TCP flags byte (CWR..FIN) */
	uint8_t icmp_type;
	uint8_t icmp_code;
	uint8_t verdict;      /**< enum ww_verdict */
	uint16_t sport;       /**< TCP/UDP source port; ICMP echo identifier */
	uint16_t dport;       /**< TCP/UDP destination port */
	uint16_t reason;      /**< enum ww_reason */
};

/** Size to reserve as mbuf private area in every pool the data path uses. */
#define WW_PKT_META_PRIV_SIZE \
	RTE_ALIGN_CEIL(sizeof(struct ww_pkt_meta), RTE_MBUF_PRIV_ALIGN)

/** The metadata of a packet from a pool made with WW_PKT_META_PRIV_SIZE. */
static inline struct ww_pkt_meta *
ww_pkt_meta(struct rte_mbuf *m)
{
	return (struct ww_pkt_meta *)rte_mbuf_to_priv(m);
}

/**
 * Parse one frame.
 *
 * @param data
 *   First byte of the frame.
 * @param data_len
 *   Bytes readable at @p data. The parser never reads beyond.
 * @param pkt_len
 *   Length of the whole frame (>= data_len when the frame is segmented;
 *   headers must lie within the first data_len bytes).
 * @param meta
 *   Filled in; on a malformed frame the fields up to the bad header are set.
 * @return
 *   WW_REASON_NONE if the frame is well formed, otherwise the malformed
 *   reason (also stored in meta->reason, with meta->verdict = DROP).
 */
enum ww_reason ww_packet_parse(const uint8_t *data, uint32_t data_len,
			       uint32_t pkt_len, struct ww_pkt_meta *meta);

/**
 * Parse a burst of mbufs into their metadata (ww_pkt_meta()).
 * Prefetches ahead; malformed packets get verdict DROP and their reason.
 *
 * @return
 *   Number of malformed packets in the burst.
 */
uint16_t ww_packet_parse_burst(struct rte_mbuf **pkts, uint16_t n);

/** Report name of a reason ("tx-full"), or "unknown". */
const char *ww_reason_name(unsigned int reason);

/** One-line explanation of a reason, or "unknown". */
const char *ww_reason_help(unsigned int reason);

/** Reason whose report name is @p name, or -ENOENT. */
int ww_reason_from_name(const char *name);

#ifdef __cplusplus
}
#endif

#endif /* WW_PACKET_H */
