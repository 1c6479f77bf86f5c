/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/packet: the bounds-checked parser.
 *
 * One static inline function per layer, each returning WW_REASON_NONE or
 * the malformed reason; only the top records the verdict. Two limits apply:
 *   - data_len: bytes that may be read. Every read is preceded by a check
 *     against it (directly or through l4_limit()).
 *   - pkt_len, and once the IP header is read, l3_end: lengths carried in
 *     headers are checked against these, so a frame spread over segments
 *     is judged by its real length and Ethernet padding after a short
 *     datagram is neither read as payload nor taken for an error.
 *
 * Alignment: after a VLAN tag the IP header is only 2-byte aligned (and the
 * frame itself may start anywhere). The IP, TCP, UDP, ICMP and VLAN structs
 * of DPDK are __rte_packed, so the compiler loads their fields safely at any
 * address; Ethernet and ARP are declared 2-byte aligned, so their fields are
 * read with load_be16() instead of through a pointer.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <netinet/in.h>

#include <rte_arp.h>
#include <rte_branch_prediction.h>
#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "packet.h"

#define WW_VLAN_MAX 2          /* QinQ; a third tag is refused */
#define WW_IPV6_EXT_MAX 8      /* longer chains are refused, not walked */
#define WW_IP_MAX_LEN 65535    /* largest (reassembled) IP datagram */
#define WW_IPV4_RESERVED_FLAG 0x8000
#define WW_ICMP_HDR_LEN 8      /* type, code, checksum, rest of header */
#define WW_ICMPV6_HDR_LEN 4    /* type, code, checksum */
#define WW_ICMPV6_ECHO_LEN 8   /* ... then identifier and sequence */
#define WW_ICMPV6_ECHO_REQUEST 128
#define WW_ICMPV6_ECHO_REPLY 129
#define WW_PREFETCH_AHEAD 4

/* The frame as the layers see it. */
struct ww_frame {
	const uint8_t *data;
	uint32_t data_len; /* bytes that may be read */
	uint32_t pkt_len;  /* what lengths in headers are checked against */
};

/* A big-endian 16-bit field at any alignment. */
static inline uint16_t
load_be16(const uint8_t *p)
{
	rte_be16_t v;

	memcpy(&v, p, sizeof(v));
	return rte_be_to_cpu_16(v);
}

/* Where L4 header reads must stop: the readable bytes, but never past the
 * datagram (what follows it is padding or another segment's business). */
static inline uint32_t
l4_limit(const struct ww_frame *f, const struct ww_pkt_meta *meta)
{
	return RTE_MIN(f->data_len, (uint32_t)meta->l3_end);
}

static inline enum ww_reason
l4_done(struct ww_pkt_meta *meta, uint32_t off, uint32_t hlen)
{
	meta->l4_off = off;
	meta->payload_off = off + hlen;
	meta->flags |= WW_PKT_F_L4;
	return WW_REASON_NONE;
}

static inline enum ww_reason
parse_tcp(const struct ww_frame *f, struct ww_pkt_meta *meta, uint32_t off)
{
	const struct rte_tcp_hdr *th;
	uint32_t hlen;

	if (unlikely(off + sizeof(*th) > l4_limit(f, meta)))
		return WW_REASON_TCP_TRUNCATED;
	th = (const struct rte_tcp_hdr *)(f->data + off);
	/* Options are not read, so they only have to lie in the datagram. */
	hlen = (uint32_t)(th->data_off >> 4) * 4;
	if (unlikely(hlen < sizeof(*th) || off + hlen > meta->l3_end))
		return WW_REASON_TCP_BAD_DATA_OFFSET;
	meta->sport = rte_be_to_cpu_16(th->src_port);
	meta->dport = rte_be_to_cpu_16(th->dst_port);
	meta->tcp_flags = th->tcp_flags;
	return l4_done(meta, off, hlen);
}

static inline enum ww_reason
parse_udp(const struct ww_frame *f, struct ww_pkt_meta *meta, uint32_t off)
{
	const struct rte_udp_hdr *uh;
	uint32_t len;

	if (unlikely(off + sizeof(*uh) > l4_limit(f, meta)))
		return WW_REASON_UDP_TRUNCATED;
	uh = (const struct rte_udp_hdr *)(f->data + off);
	len = rte_be_to_cpu_16(uh->dgram_len);
	if (unlikely(len < sizeof(*uh)))
		return WW_REASON_UDP_BAD_LENGTH;
	/* A first fragment carries the length of the whole datagram, which
	 * only reassembly can check. */
	if (unlikely(len > meta->l3_end - off &&
		     !(meta->flags & WW_PKT_F_FRAGMENT)))
		return WW_REASON_UDP_BAD_LENGTH;
	meta->sport = rte_be_to_cpu_16(uh->src_port);
	meta->dport = rte_be_to_cpu_16(uh->dst_port);
	return l4_done(meta, off, sizeof(*uh));
}

static inline enum ww_reason
parse_icmp(const struct ww_frame *f, struct ww_pkt_meta *meta, uint32_t off)
{
	const struct rte_icmp_hdr *ih;

	if (unlikely(off + WW_ICMP_HDR_LEN > l4_limit(f, meta)))
		return WW_REASON_ICMP_TRUNCATED;
	ih = (const struct rte_icmp_hdr *)(f->data + off);
	meta->icmp_type = ih->icmp_type;
	meta->icmp_code = ih->icmp_code;
	/* The echo identifier plays the part of a port for conntrack. */
	if (ih->icmp_type == RTE_IP_ICMP_ECHO_REQUEST ||
	    ih->icmp_type == RTE_IP_ICMP_ECHO_REPLY)
		meta->sport = rte_be_to_cpu_16(ih->icmp_ident);
	return l4_done(meta, off, WW_ICMP_HDR_LEN);
}

static inline enum ww_reason
parse_icmpv6(const struct ww_frame *f, struct ww_pkt_meta *meta, uint32_t off)
{
	const struct rte_icmp_hdr *ih; /* same layout as far as the echo id */
	uint32_t lim = l4_limit(f, meta);

	if (unlikely(off + WW_ICMPV6_HDR_LEN > lim))
		return WW_REASON_ICMPV6_TRUNCATED;
	ih = (const struct rte_icmp_hdr *)(f->data + off);
	meta->icmp_type = ih->icmp_type;
	meta->icmp_code = ih->icmp_code;
	if (ih->icmp_type != WW_ICMPV6_ECHO_REQUEST &&
	    ih->icmp_type != WW_ICMPV6_ECHO_REPLY)
		return l4_done(meta, off, WW_ICMPV6_HDR_LEN);
	if (unlikely(off + WW_ICMPV6_ECHO_LEN > lim))
		return WW_REASON_ICMPV6_TRUNCATED;
	meta->sport = rte_be_to_cpu_16(ih->icmp_ident);
	return l4_done(meta, off, WW_ICMPV6_ECHO_LEN);
}

/* The transport header at @p off, for meta->l4_proto. Other protocols are
 * well formed and carry no L4 fields. @p is_ip6 is a constant at each
 * call site, so each inlined copy keeps only its own ICMP flavour. */
static inline enum ww_reason
parse_l4(const struct ww_frame *f, struct ww_pkt_meta *meta, uint32_t off,
	 bool is_ip6)
{
	switch (meta->l4_proto) {
	case IPPROTO_TCP:
		return parse_tcp(f, meta, off);
	case IPPROTO_UDP:
		return parse_udp(f, meta, off);
	case IPPROTO_ICMP:
		return is_ip6 ? WW_REASON_NONE : parse_icmp(f, meta, off);
	case IPPROTO_ICMPV6:
		return is_ip6 ? parse_icmpv6(f, meta, off) : WW_REASON_NONE;
	default:
		return WW_REASON_NONE;
	}
}

/* Options are type-length-value except EOL and NOP. A length running past
 * the header would leave us and the end host disagreeing on the options. */
static inline bool
ipv4_options_ok(const uint8_t *opt, uint32_t len)
{
	uint32_t i = 0;

	while (i < len) {
		if (opt[i] == RTE_IPV4_HDR_OPT_EOL)
			return true;
		if (opt[i] == RTE_IPV4_HDR_OPT_NOP) {
			i++;
			continue;
		}
		if (len - i < 2 || opt[i + 1] < 2 || opt[i + 1] > len - i)
			return false;
		i += opt[i + 1];
	}
	return true;
}

/* Refuse fragments that reassemble past 65535 bytes (ping of death) or use
 * the reserved flag; mark the rest. @p frag is the host-order flags word. */
static inline enum ww_reason
ipv4_fragment(struct ww_pkt_meta *meta, uint16_t frag, uint32_t payload_len)
{
	uint32_t offset = (uint32_t)(frag & RTE_IPV4_HDR_OFFSET_MASK) *
			  RTE_IPV4_HDR_OFFSET_UNITS;

	if ((frag & WW_IPV4_RESERVED_FLAG) ||
	    offset + payload_len > WW_IP_MAX_LEN)
		return WW_REASON_IPV4_BAD_FRAGMENT;
	meta->flags |= WW_PKT_F_FRAGMENT;
	if (offset != 0)
		meta->flags |= WW_PKT_F_LATER_FRAG;
	return WW_REASON_NONE;
}

static inline enum ww_reason
parse_ipv4(const struct ww_frame *f, struct ww_pkt_meta *meta)
{
	const uint32_t off = meta->l3_off;
	const struct rte_ipv4_hdr *ih;
	uint32_t hlen, tot_len;
	uint16_t frag;
	enum ww_reason r;

	if (unlikely(off + sizeof(*ih) > f->data_len))
		return WW_REASON_IPV4_TRUNCATED;
	ih = (const struct rte_ipv4_hdr *)(f->data + off);
	if (unlikely((ih->version_ihl >> 4) != 4))
		return WW_REASON_IPV4_BAD_VERSION;
	hlen = (uint32_t)(ih->version_ihl & RTE_IPV4_HDR_IHL_MASK) *
	       RTE_IPV4_IHL_MULTIPLIER;
	if (unlikely(hlen < sizeof(*ih) || off + hlen > f->data_len))
		return WW_REASON_IPV4_BAD_IHL;
	tot_len = rte_be_to_cpu_16(ih->total_length);
	if (unlikely(tot_len < hlen || off + tot_len > f->pkt_len))
		return WW_REASON_IPV4_BAD_TOTAL_LENGTH;
	meta->l3_end = off + tot_len;
	meta->l4_proto = ih->next_proto_id;
	if (unlikely(hlen > sizeof(*ih))) {
		meta->flags |= WW_PKT_F_IP_OPTIONS;
		if (!ipv4_options_ok(f->data + off + sizeof(*ih),
				     hlen - sizeof(*ih)))
			return WW_REASON_IPV4_BAD_OPTIONS;
	}
	frag = rte_be_to_cpu_16(ih->fragment_offset);
	if (unlikely(frag & (WW_IPV4_RESERVED_FLAG | RTE_IPV4_HDR_MF_FLAG |
			     RTE_IPV4_HDR_OFFSET_MASK))) {
		r = ipv4_fragment(meta, frag, tot_len - hlen);
		if (r != WW_REASON_NONE || (meta->flags & WW_PKT_F_LATER_FRAG))
			return r;
	}
	return parse_l4(f, meta, off + hlen, false);
}

static inline bool
is_ipv6_ext(uint8_t nh)
{
	return nh == IPPROTO_HOPOPTS || nh == IPPROTO_ROUTING ||
	       nh == IPPROTO_DSTOPTS || nh == IPPROTO_FRAGMENT ||
	       nh == IPPROTO_AH;
}

/* The fragment header at @p off (8 bytes, already known readable). */
static inline enum ww_reason
ipv6_fragment(const struct ww_frame *f, struct ww_pkt_meta *meta,
	      uint32_t off)
{
	const struct rte_ipv6_fragment_ext *fh =
		(const struct rte_ipv6_fragment_ext *)(f->data + off);
	uint16_t frag = rte_be_to_cpu_16(fh->frag_data);
	uint32_t offset = RTE_IPV6_GET_FO(frag) * RTE_IPV6_EHDR_FO_ALIGN;
	uint32_t len = meta->l3_end - off - sizeof(*fh);

	if (offset + len > WW_IP_MAX_LEN)
		return WW_REASON_IPV6_BAD_FRAGMENT;
	/* An atomic fragment (offset 0, no M flag) is a whole datagram
	 * (RFC 6946): not marked. */
	if (offset != 0 || RTE_IPV6_GET_MF(frag))
		meta->flags |= WW_PKT_F_FRAGMENT;
	if (offset != 0)
		meta->flags |= WW_PKT_F_LATER_FRAG;
	return WW_REASON_NONE;
}

/* Length of the extension header at @p off, or 0 if it cannot be read. */
static inline uint32_t
ipv6_ext_len(const struct ww_frame *f, uint32_t lim, uint32_t off, uint8_t nh)
{
	if (nh == IPPROTO_FRAGMENT)
		return off + RTE_IPV6_FRAG_HDR_SIZE <= lim ?
		       RTE_IPV6_FRAG_HDR_SIZE : 0;
	if (off + 2 > lim)
		return 0;
	if (nh == IPPROTO_AH)
		return ((uint32_t)f->data[off + 1] + 2) * 4;
	return ((uint32_t)f->data[off + 1] + 1) * 8;
}

/* Walk the extension headers from *@p off; leave the upper-layer protocol
 * in meta->l4_proto and its offset in *@p off. Stops at a later fragment,
 * where the next header names the fragmentable part that is not here. */
static inline enum ww_reason
parse_ipv6_ext(const struct ww_frame *f, struct ww_pkt_meta *meta,
	       uint32_t *off)
{
	const uint32_t lim = l4_limit(f, meta);
	uint32_t o = *off, hlen;
	uint8_t nh = meta->l4_proto;
	bool seen_frag = false;
	unsigned int n;
	enum ww_reason r;

	meta->flags |= WW_PKT_F_IP_OPTIONS;
	for (n = 0; is_ipv6_ext(nh); n++) {
		if (n == WW_IPV6_EXT_MAX)
			return WW_REASON_IPV6_EXT_TOO_MANY;
		if (nh == IPPROTO_FRAGMENT && seen_frag)
			return WW_REASON_IPV6_BAD_FRAGMENT;
		hlen = ipv6_ext_len(f, lim, o, nh);
		if (hlen == 0 || o + hlen > meta->l3_end)
			return WW_REASON_IPV6_EXT_TRUNCATED;
		if (nh == IPPROTO_FRAGMENT) {
			seen_frag = true;
			r = ipv6_fragment(f, meta, o);
			if (r != WW_REASON_NONE)
				return r;
		}
		nh = f->data[o];
		o += hlen;
		meta->l4_proto = nh;
		*off = o;
		if (meta->flags & WW_PKT_F_LATER_FRAG)
			break;
	}
	return WW_REASON_NONE;
}

static inline enum ww_reason
parse_ipv6(const struct ww_frame *f, struct ww_pkt_meta *meta)
{
	const uint32_t off = meta->l3_off;
	const struct rte_ipv6_hdr *ih;
	uint32_t l4_off = off + sizeof(*ih), end;
	enum ww_reason r;

	if (unlikely(off + sizeof(*ih) > f->data_len))
		return WW_REASON_IPV6_TRUNCATED;
	ih = (const struct rte_ipv6_hdr *)(f->data + off);
	if (unlikely((f->data[off] >> 4) != 6))
		return WW_REASON_IPV6_BAD_VERSION;
	/* Computed wide: it may not fit l3_end until checked. */
	end = l4_off + rte_be_to_cpu_16(ih->payload_len);
	if (unlikely(end > f->pkt_len))
		return WW_REASON_IPV6_BAD_PAYLOAD_LENGTH;
	meta->l3_end = end;
	meta->l4_proto = ih->proto;
	if (unlikely(is_ipv6_ext(ih->proto))) {
		r = parse_ipv6_ext(f, meta, &l4_off);
		if (r != WW_REASON_NONE || (meta->flags & WW_PKT_F_LATER_FRAG))
			return r;
	}
	/* ESP (50) and No Next Header (59) fall through as no L4. */
	return parse_l4(f, meta, l4_off, true);
}

/* Only Ethernet/IPv4 ARP exists on the links we bridge; anything else
 * is someone probing the parser of the hosts behind us. */
static inline enum ww_reason
parse_arp(const struct ww_frame *f, struct ww_pkt_meta *meta)
{
	const uint32_t off = meta->l3_off;
	const uint8_t *a = f->data + off;

	if (unlikely(off + sizeof(struct rte_arp_hdr) > f->data_len))
		return WW_REASON_ARP_TRUNCATED;
	meta->l3_end = off + sizeof(struct rte_arp_hdr);
	if (load_be16(a + offsetof(struct rte_arp_hdr, arp_hardware)) !=
	    RTE_ARP_HRD_ETHER ||
	    load_be16(a + offsetof(struct rte_arp_hdr, arp_protocol)) !=
	    RTE_ETHER_TYPE_IPV4 ||
	    a[offsetof(struct rte_arp_hdr, arp_hlen)] != RTE_ETHER_ADDR_LEN ||
	    a[offsetof(struct rte_arp_hdr, arp_plen)] != sizeof(uint32_t))
		return WW_REASON_ARP_BAD_FORMAT;
	return WW_REASON_NONE;
}

static inline bool
is_vlan_tpid(uint16_t et)
{
	/* 0x9100 (pre-802.1ad QinQ) is accepted at either depth like the
	 * others: were an inner one taken for an unknown ethertype, the IP
	 * inside would be bridged unfiltered. */
	return et == RTE_ETHER_TYPE_VLAN || et == RTE_ETHER_TYPE_QINQ ||
	       et == RTE_ETHER_TYPE_QINQ1;
}

/* Ethernet and up to two tags: sets the tags, ether_type and l3_off. */
static inline enum ww_reason
parse_l2(const struct ww_frame *f, struct ww_pkt_meta *meta)
{
	const struct rte_vlan_hdr *vh;
	uint32_t off = sizeof(struct rte_ether_hdr);
	uint16_t et;

	if (unlikely(off > f->data_len))
		return WW_REASON_ETH_TRUNCATED;
	et = load_be16(f->data + offsetof(struct rte_ether_hdr, ether_type));
	while (unlikely(is_vlan_tpid(et))) {
		if (meta->vlan_count == WW_VLAN_MAX)
			return WW_REASON_VLAN_TOO_DEEP;
		if (off + sizeof(*vh) > f->data_len)
			return WW_REASON_VLAN_TRUNCATED;
		vh = (const struct rte_vlan_hdr *)(f->data + off);
		meta->vlan_tci[meta->vlan_count++] =
			rte_be_to_cpu_16(vh->vlan_tci);
		et = rte_be_to_cpu_16(vh->eth_proto);
		off += sizeof(*vh);
	}
	meta->ether_type = et;
	meta->l3_off = off;
	return WW_REASON_NONE;
}

static inline enum ww_reason
parse_l3(const struct ww_frame *f, struct ww_pkt_meta *meta)
{
	switch (meta->ether_type) {
	case RTE_ETHER_TYPE_IPV4:
		meta->l3 = WW_L3_IPV4;
		return parse_ipv4(f, meta);
	case RTE_ETHER_TYPE_IPV6:
		meta->l3 = WW_L3_IPV6;
		return parse_ipv6(f, meta);
	case RTE_ETHER_TYPE_ARP:
		meta->l3 = WW_L3_ARP;
		return parse_arp(f, meta);
	default:
		/* Bridged as plain L2; its end is the frame's. */
		meta->l3 = WW_L3_OTHER;
		meta->l3_end = f->pkt_len;
		return WW_REASON_NONE;
	}
}

static inline enum ww_reason
parse_frame(const uint8_t *data, uint32_t data_len, uint32_t pkt_len,
	    struct ww_pkt_meta *meta)
{
	struct ww_frame f;
	enum ww_reason r;

	*meta = (struct ww_pkt_meta){ 0 };
	f.data = data;
	/* Offsets in the metadata are 16 bits: nothing past 65535 bytes can
	 * be described, so a datagram reaching there is refused like one
	 * running past the frame (only LRO/GRO builds such frames). */
	f.pkt_len = RTE_MIN(pkt_len, (uint32_t)UINT16_MAX);
	f.data_len = RTE_MIN(data_len, f.pkt_len);
	r = parse_l2(&f, meta);
	if (likely(r == WW_REASON_NONE))
		r = parse_l3(&f, meta);
	meta->reason = r;
	meta->verdict = r == WW_REASON_NONE ? WW_VERDICT_FORWARD :
					      WW_VERDICT_DROP;
	return r;
}

enum ww_reason
ww_packet_parse(const uint8_t *data, uint32_t data_len, uint32_t pkt_len,
		struct ww_pkt_meta *meta)
{
	return parse_frame(data, data_len, pkt_len, meta);
}

/* Headers and metadata of a packet a few places ahead: both are touched
 * first thing, and the metadata line is written whole. */
static inline void
prefetch_pkt(struct rte_mbuf *m)
{
	rte_prefetch0(rte_pktmbuf_mtod(m, void *));
	rte_prefetch0(ww_pkt_meta(m));
}

/*
 * The common frames -- untagged IPv4 without options or fragmentation, and
 * untagged IPv6 without extension headers, carrying TCP or UDP -- with the
 * checks of the layers folded into one short run. Any doubt returns false
 * and the full parser decides, so the result is always the full parser's
 * (the unit tests compare the two on every test frame and cut).
 */
static inline bool
fast_l4(const uint8_t *d, uint32_t data_len, uint32_t l4, uint32_t end,
	uint8_t proto, struct ww_pkt_meta *meta)
{
	const uint8_t *th = d + l4;
	uint32_t hlen;
	uint8_t tcp_flags = 0;

	if (proto == IPPROTO_TCP) {
		if (l4 + sizeof(struct rte_tcp_hdr) > RTE_MIN(data_len, end))
			return false;
		hlen = (uint32_t)(th[12] >> 4) * 4;
		if (hlen < sizeof(struct rte_tcp_hdr) || l4 + hlen > end)
			return false;
		tcp_flags = th[13];
	} else if (proto == IPPROTO_UDP) {
		uint32_t ulen;

		hlen = sizeof(struct rte_udp_hdr);
		if (l4 + hlen > RTE_MIN(data_len, end))
			return false;
		ulen = load_be16(th + 4);
		if (ulen < hlen || ulen > end - l4)
			return false;
	} else {
		return false;
	}
	meta->l4_off = l4;
	meta->payload_off = l4 + hlen;
	meta->l3_end = end;
	meta->l4_proto = proto;
	meta->flags = WW_PKT_F_L4;
	meta->tcp_flags = tcp_flags;
	meta->sport = load_be16(th);
	meta->dport = load_be16(th + 2);
	return true;
}

static inline bool
parse_fast(const uint8_t *d, uint32_t data_len, uint32_t pkt_len,
	   struct ww_pkt_meta *meta)
{
	const uint32_t l3 = sizeof(struct rte_ether_hdr);
	uint32_t end;

	if (unlikely(data_len < l3 + sizeof(struct rte_ipv4_hdr) +
				sizeof(struct rte_udp_hdr) ||
		     pkt_len > UINT16_MAX || data_len > pkt_len))
		return false;
	*meta = (struct ww_pkt_meta){ .l3_off = l3 };
	switch (load_be16(d + offsetof(struct rte_ether_hdr, ether_type))) {
	case RTE_ETHER_TYPE_IPV4: {
		const struct rte_ipv4_hdr *ih =
			(const struct rte_ipv4_hdr *)(d + l3);

		/* DF is the one flag bit a whole datagram may carry. */
		if (ih->version_ihl != 0x45 || (ih->fragment_offset &
		    ~rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG)))
			return false;
		end = l3 + rte_be_to_cpu_16(ih->total_length);
		meta->ether_type = RTE_ETHER_TYPE_IPV4;
		meta->l3 = WW_L3_IPV4;
		return end <= pkt_len &&
		       fast_l4(d, data_len, l3 + sizeof(*ih), end,
			       ih->next_proto_id, meta);
	}
	case RTE_ETHER_TYPE_IPV6: {
		const struct rte_ipv6_hdr *ih =
			(const struct rte_ipv6_hdr *)(d + l3);

		if (data_len < l3 + sizeof(*ih) || (d[l3] >> 4) != 6)
			return false;
		end = l3 + sizeof(*ih) + rte_be_to_cpu_16(ih->payload_len);
		meta->ether_type = RTE_ETHER_TYPE_IPV6;
		meta->l3 = WW_L3_IPV6;
		return end <= pkt_len &&
		       fast_l4(d, data_len, l3 + sizeof(*ih), end, ih->proto,
			       meta);
	}
	default:
		return false;
	}
}

uint16_t
ww_packet_parse_burst(struct rte_mbuf **pkts, uint16_t n)
{
	struct rte_mbuf *m;
	uint16_t i, bad = 0;

	for (i = 0; i < n && i < WW_PREFETCH_AHEAD; i++)
		prefetch_pkt(pkts[i]);
	for (i = 0; i < n; i++) {
		if (likely(i + WW_PREFETCH_AHEAD < n))
			prefetch_pkt(pkts[i + WW_PREFETCH_AHEAD]);
		m = pkts[i];
		if (likely(parse_fast(rte_pktmbuf_mtod(m, const uint8_t *),
				      m->data_len, m->pkt_len, ww_pkt_meta(m))))
			continue;
		bad += parse_frame(rte_pktmbuf_mtod(m, const uint8_t *),
				   m->data_len, m->pkt_len,
				   ww_pkt_meta(m)) != WW_REASON_NONE;
	}
	return bad;
}

static const char *const reason_names[WW_REASON_MAX] = {
#define WW_REASON_NAME(e, name, help) [WW_REASON_##e] = name,
	WW_FOREACH_REASON(WW_REASON_NAME)
#undef WW_REASON_NAME
};

static const char *const reason_helps[WW_REASON_MAX] = {
#define WW_REASON_HELP(e, name, help) [WW_REASON_##e] = help,
	WW_FOREACH_REASON(WW_REASON_HELP)
#undef WW_REASON_HELP
};

const char *
ww_reason_name(unsigned int reason)
{
	return reason < WW_REASON_MAX ? reason_names[reason] : "unknown";
}

const char *
ww_reason_help(unsigned int reason)
{
	return reason < WW_REASON_MAX ? reason_helps[reason] : "unknown";
}

int
ww_reason_from_name(const char *name)
{
	unsigned int i;

	if (name == NULL)
		return -ENOENT;
	for (i = 0; i < WW_REASON_MAX; i++)
		if (strcmp(reason_names[i], name) == 0)
			return (int)i;
	return -ENOENT;
}
