/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reject answers (RFC 793 reset generation, RFC 792 / RFC 4443 port
 * unreachable). Written into a fresh mbuf from the worker's pool (a
 * mempool get: no heap allocation); the rejected packet itself is then
 * dropped and counted as rule-reject.
 */
#include <string.h>
#include <netinet/in.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include "packet.h"
#include "reject.h"

#define ICMP_DEST_UNREACH 3
#define ICMP_PORT_UNREACH 3
#define ICMP6_DEST_UNREACH 1
#define ICMP6_PORT_UNREACH 4
#define ICMP_QUOTE_V4 8        /* RFC 792: the IP header and 64 bits */
#define ICMP6_MIN_MTU 1280     /* RFC 4443: quote as much as fits in it */
#define REPLY_TTL 64

static bool
is_icmp_error(const struct ww_pkt_meta *meta)
{
	if (meta->l4_proto == IPPROTO_ICMP)
		return meta->icmp_type != RTE_IP_ICMP_ECHO_REQUEST &&
		       meta->icmp_type != 13 && meta->icmp_type != 15 &&
		       meta->icmp_type != 17;
	if (meta->l4_proto == IPPROTO_ICMPV6)
		return meta->icmp_type < 128;
	return false;
}

/* RFC 1122 3.2.2 / RFC 4443 2.4(e): never answer these. */
static bool
answer_forbidden(const uint8_t *frame, const struct ww_pkt_meta *meta)
{
	const uint8_t *ip = frame + meta->l3_off;

	if (meta->flags & WW_PKT_F_LATER_FRAG)
		return true;
	if (rte_is_multicast_ether_addr((const struct rte_ether_addr *)frame))
		return true;
	if (meta->l3 == WW_L3_IPV4) {
		uint8_t d0 = ip[16];
		uint8_t s0 = ip[12];

		if (d0 >= 224 || s0 >= 224 || s0 == 0 ||
		    memcmp(ip + 16, "\xff\xff\xff\xff", 4) == 0)
			return true;
	} else if (ip[24] == 0xff || ip[8] == 0xff) {
		return true;
	}
	return is_icmp_error(meta);
}

/* Ethernet (and VLAN tags) of the original, addresses swapped. */
static uint8_t *
put_l2(uint8_t *out, const uint8_t *frame, const struct ww_pkt_meta *meta)
{
	memcpy(out, frame, meta->l3_off);
	memcpy(out, frame + RTE_ETHER_ADDR_LEN, RTE_ETHER_ADDR_LEN);
	memcpy(out + RTE_ETHER_ADDR_LEN, frame, RTE_ETHER_ADDR_LEN);
	return out + meta->l3_off;
}

static struct rte_ipv4_hdr *
put_ipv4(uint8_t *out, const uint8_t *orig_ip, uint8_t proto, uint16_t len)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)out;

	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(len);
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = REPLY_TTL;
	ip->next_proto_id = proto;
	memcpy(&ip->src_addr, orig_ip + 16, 4);
	memcpy(&ip->dst_addr, orig_ip + 12, 4);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	return ip;
}

static struct rte_ipv6_hdr *
put_ipv6(uint8_t *out, const uint8_t *orig_ip, uint8_t proto, uint16_t plen)
{
	struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)out;

	memset(ip, 0, sizeof(*ip));
	ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
	ip->payload_len = rte_cpu_to_be_16(plen);
	ip->proto = proto;
	ip->hop_limits = REPLY_TTL;
	memcpy(ip->src_addr, orig_ip + 24, 16);
	memcpy(ip->dst_addr, orig_ip + 8, 16);
	return ip;
}

/* RFC 793: if the segment had ACK, RST with its ack as sequence; else
 * RST+ACK acknowledging everything the segment occupied. */
static void
put_rst(struct rte_tcp_hdr *rst, const struct rte_tcp_hdr *th,
	uint32_t seg_len)
{
	memset(rst, 0, sizeof(*rst));
	rst->src_port = th->dst_port;
	rst->dst_port = th->src_port;
	rst->data_off = (sizeof(*rst) / 4) << 4;
	if (th->tcp_flags & RTE_TCP_ACK_FLAG) {
		rst->sent_seq = th->recv_ack;
		rst->tcp_flags = RTE_TCP_RST_FLAG;
	} else {
		uint32_t occupied = seg_len +
			!!(th->tcp_flags & RTE_TCP_SYN_FLAG) +
			!!(th->tcp_flags & RTE_TCP_FIN_FLAG);

		rst->recv_ack = rte_cpu_to_be_32(
			rte_be_to_cpu_32(th->sent_seq) + occupied);
		rst->tcp_flags = RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG;
	}
}

static uint16_t
build_tcp_reset(uint8_t *out, const uint8_t *frame,
		const struct ww_pkt_meta *meta)
{
	const uint8_t *oip = frame + meta->l3_off;
	const struct rte_tcp_hdr *th =
		(const struct rte_tcp_hdr *)(frame + meta->l4_off);
	uint32_t seg_len = meta->l3_end - meta->payload_off;
	uint8_t *l3 = put_l2(out, frame, meta);
	const uint16_t tcp_len = sizeof(struct rte_tcp_hdr);
	struct rte_tcp_hdr *rst;

	if (meta->l3 == WW_L3_IPV4) {
		struct rte_ipv4_hdr *ip = put_ipv4(l3, oip, IPPROTO_TCP,
			sizeof(*ip) + tcp_len);

		rst = (struct rte_tcp_hdr *)(ip + 1);
		put_rst(rst, th, seg_len);
		rst->cksum = rte_ipv4_udptcp_cksum(ip, rst);
		return meta->l3_off + sizeof(*ip) + tcp_len;
	}
	struct rte_ipv6_hdr *ip6 = put_ipv6(l3, oip, IPPROTO_TCP, tcp_len);

	rst = (struct rte_tcp_hdr *)(ip6 + 1);
	put_rst(rst, th, seg_len);
	rst->cksum = rte_ipv6_udptcp_cksum(ip6, rst);
	return meta->l3_off + sizeof(*ip6) + tcp_len;
}

static uint16_t
build_unreachable(uint8_t *out, const uint8_t *frame,
		  const struct ww_pkt_meta *meta)
{
	const uint8_t *oip = frame + meta->l3_off;
	uint32_t dgram = meta->l3_end - meta->l3_off;
	uint8_t *l3 = put_l2(out, frame, meta);
	const uint16_t icmp_len = sizeof(struct rte_icmp_hdr);
	struct rte_icmp_hdr *ic;
	uint32_t quote;

	if (meta->l3 == WW_L3_IPV4) {
		uint32_t ihl = (oip[0] & 0x0f) * 4;

		quote = RTE_MIN(dgram, ihl + ICMP_QUOTE_V4);
		struct rte_ipv4_hdr *ip = put_ipv4(l3, oip, IPPROTO_ICMP,
			sizeof(*ip) + icmp_len + quote);

		ic = (struct rte_icmp_hdr *)(ip + 1);
		memset(ic, 0, sizeof(*ic));
		ic->icmp_type = ICMP_DEST_UNREACH;
		ic->icmp_code = ICMP_PORT_UNREACH;
		memcpy(ic + 1, oip, quote);
		ic->icmp_cksum = ~rte_raw_cksum(ic, icmp_len + quote);
		return meta->l3_off + sizeof(*ip) + icmp_len + quote;
	}
	quote = RTE_MIN(dgram, ICMP6_MIN_MTU - sizeof(struct rte_ipv6_hdr) -
			icmp_len);
	struct rte_ipv6_hdr *ip6 = put_ipv6(l3, oip, IPPROTO_ICMPV6,
					    icmp_len + quote);

	ic = (struct rte_icmp_hdr *)(ip6 + 1);
	memset(ic, 0, sizeof(*ic));
	ic->icmp_type = ICMP6_DEST_UNREACH;
	ic->icmp_code = ICMP6_PORT_UNREACH;
	memcpy(ic + 1, oip, quote);
	/* The ICMPv6 checksum covers the pseudo-header, as TCP's does. */
	ic->icmp_cksum = rte_ipv6_udptcp_cksum(ip6, ic);
	return meta->l3_off + sizeof(*ip6) + icmp_len + quote;
}

struct rte_mbuf *
ww_reject_build(struct rte_mbuf *m, struct rte_mempool *pool)
{
	const struct ww_pkt_meta *meta = ww_pkt_meta(m);
	const uint8_t *frame = rte_pktmbuf_mtod(m, const uint8_t *);
	struct rte_mbuf *r;
	uint8_t *out;
	uint16_t len;

	/* Quoted bytes must be in the first segment, where we read them. */
	if ((meta->l3 != WW_L3_IPV4 && meta->l3 != WW_L3_IPV6) ||
	    meta->l3_end > rte_pktmbuf_data_len(m) ||
	    answer_forbidden(frame, meta))
		return NULL;
	r = rte_pktmbuf_alloc(pool);
	if (r == NULL)
		return NULL;
	out = rte_pktmbuf_mtod(r, uint8_t *);
	if (meta->l4_proto == IPPROTO_TCP && (meta->flags & WW_PKT_F_L4)) {
		/* RFC 793: never answer a reset with a reset. */
		if (meta->tcp_flags & RTE_TCP_RST_FLAG) {
			rte_pktmbuf_free(r);
			return NULL;
		}
		len = build_tcp_reset(out, frame, meta);
	} else {
		len = build_unreachable(out, frame, meta);
	}
	r->data_len = r->pkt_len = len;
	return r;
}

/*
 * The reset that tells the receiver of a TCP segment its connection is
 * over: the segment's own addresses, ports and sequence number, RST+ACK.
 */
struct rte_mbuf *
ww_reset_onward_build(struct rte_mbuf *m, struct rte_mempool *pool)
{
	const struct ww_pkt_meta *meta = ww_pkt_meta(m);
	const uint8_t *frame = rte_pktmbuf_mtod(m, const uint8_t *);
	const struct rte_tcp_hdr *th;
	struct rte_tcp_hdr *rst;
	uint16_t ip_len, len;
	struct rte_mbuf *r;
	uint8_t *out;

	if (meta->l4_proto != IPPROTO_TCP || !(meta->flags & WW_PKT_F_L4) ||
	    meta->payload_off > rte_pktmbuf_data_len(m))
		return NULL;
	r = rte_pktmbuf_alloc(pool);
	if (r == NULL)
		return NULL;
	out = rte_pktmbuf_mtod(r, uint8_t *);
	th = (const struct rte_tcp_hdr *)(frame + meta->l4_off);
	/* L2 and IP header as they were, options dropped from neither:
	 * the copy ends where TCP starts. */
	ip_len = meta->l4_off - meta->l3_off;
	memcpy(out, frame, meta->l4_off);
	rst = (struct rte_tcp_hdr *)(out + meta->l4_off);
	memset(rst, 0, sizeof(*rst));
	rst->src_port = th->src_port;
	rst->dst_port = th->dst_port;
	rst->sent_seq = th->sent_seq;
	rst->recv_ack = th->recv_ack;
	rst->data_off = (sizeof(*rst) / 4) << 4;
	rst->tcp_flags = RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG;
	if (meta->l3 == WW_L3_IPV4) {
		struct rte_ipv4_hdr *ip =
			(struct rte_ipv4_hdr *)(out + meta->l3_off);

		ip->total_length = rte_cpu_to_be_16(ip_len + sizeof(*rst));
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		rst->cksum = rte_ipv4_udptcp_cksum(ip, rst);
	} else {
		struct rte_ipv6_hdr *ip6 =
			(struct rte_ipv6_hdr *)(out + meta->l3_off);

		/* Extension headers, if any, stay and count in the length. */
		ip6->payload_len = rte_cpu_to_be_16(ip_len - sizeof(*ip6) +
						    sizeof(*rst));
		if (ip_len != sizeof(*ip6)) {
			rte_pktmbuf_free(r);
			return NULL; /* checksum over extension headers: skip */
		}
		rst->cksum = rte_ipv6_udptcp_cksum(ip6, rst);
	}
	len = meta->l4_off + sizeof(*rst);
	r->data_len = r->pkt_len = len;
	return r;
}
