/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/export: the bytes of the template set and of data records.
 *
 * One table per template lists its Information Elements in record order;
 * the template set is written from it and so is every data record, so the
 * two cannot disagree. Everything is in network byte order; data sets are
 * not padded (RFC 7011 §3.3.1 makes padding optional).
 */
#include <string.h>

#include "ipfix_priv.h"

/* IANA Information Element ids */
enum {
	IE_OCTETS = 1,          /* octetDeltaCount */
	IE_PACKETS = 2,         /* packetDeltaCount */
	IE_PROTO = 4,           /* protocolIdentifier */
	IE_TCP_FLAGS = 6,       /* tcpControlBits */
	IE_SRC_PORT = 7,        /* sourceTransportPort */
	IE_SRC_V4 = 8,          /* sourceIPv4Address */
	IE_IN_IF = 10,          /* ingressInterface */
	IE_DST_PORT = 11,       /* destinationTransportPort */
	IE_DST_V4 = 12,         /* destinationIPv4Address */
	IE_SRC_V6 = 27,         /* sourceIPv6Address */
	IE_DST_V6 = 28,         /* destinationIPv6Address */
	IE_END_REASON = 136,    /* flowEndReason */
	IE_START_MS = 152,      /* flowStartMilliseconds */
	IE_END_MS = 153,        /* flowEndMilliseconds */
};

struct ie {
	uint16_t id;
	uint16_t len;
};

#define COMMON_FIELDS \
	{ IE_SRC_PORT, 2 }, { IE_DST_PORT, 2 }, { IE_PROTO, 1 }, \
	{ IE_TCP_FLAGS, 2 }, { IE_PACKETS, 8 }, { IE_OCTETS, 8 }, \
	{ IE_START_MS, 8 }, { IE_END_MS, 8 }, { IE_END_REASON, 1 }, \
	{ IE_IN_IF, 4 }

static const struct ie fields_v4[IPFIX_FIELDS] = {
	{ IE_SRC_V4, 4 }, { IE_DST_V4, 4 }, COMMON_FIELDS
};
static const struct ie fields_v6[IPFIX_FIELDS] = {
	{ IE_SRC_V6, 16 }, { IE_DST_V6, 16 }, COMMON_FIELDS
};

/* One direction of a record, as its data record reports it. */
struct direction {
	const uint8_t *src, *dst;
	uint16_t sport, dport;
	uint8_t proto;
	uint16_t tcp_flags;
	uint64_t packets, octets;
	uint64_t start_ms, end_ms;
	uint8_t end_reason;
	uint32_t in_if;
};

static uint8_t *
put_uint(uint8_t *p, uint64_t v, unsigned int len)
{
	for (unsigned int i = len; i-- > 0; v >>= 8)
		p[i] = (uint8_t)v;
	return p + len;
}

static uint8_t *
put_template(uint8_t *p, uint16_t id, const struct ie *f)
{
	p = put_uint(p, id, 2);
	p = put_uint(p, IPFIX_FIELDS, 2);
	for (unsigned int i = 0; i < IPFIX_FIELDS; i++) {
		p = put_uint(p, f[i].id, 2);
		p = put_uint(p, f[i].len, 2);
	}
	return p;
}

void
ww_ipfix_put_templates(uint8_t *p)
{
	p = put_uint(p, IPFIX_SET_TEMPLATE, 2);
	p = put_uint(p, IPFIX_TMPL_SET_LEN, 2);
	p = put_template(p, IPFIX_TMPL_V4, fields_v4);
	put_template(p, IPFIX_TMPL_V6, fields_v6);
}

size_t
ww_ipfix_record_len(uint8_t family)
{
	return family == 4 ? IPFIX_REC_V4_LEN :
	       family == 6 ? IPFIX_REC_V6_LEN : 0;
}

static uint8_t *
put_field(uint8_t *p, const struct ie *f, const struct direction *d)
{
	switch (f->id) {
	case IE_SRC_V4:
	case IE_SRC_V6:
		memcpy(p, d->src, f->len);
		return p + f->len;
	case IE_DST_V4:
	case IE_DST_V6:
		memcpy(p, d->dst, f->len);
		return p + f->len;
	case IE_SRC_PORT: return put_uint(p, d->sport, f->len);
	case IE_DST_PORT: return put_uint(p, d->dport, f->len);
	case IE_PROTO: return put_uint(p, d->proto, f->len);
	case IE_TCP_FLAGS: return put_uint(p, d->tcp_flags, f->len);
	case IE_PACKETS: return put_uint(p, d->packets, f->len);
	case IE_OCTETS: return put_uint(p, d->octets, f->len);
	case IE_START_MS: return put_uint(p, d->start_ms, f->len);
	case IE_END_MS: return put_uint(p, d->end_ms, f->len);
	case IE_END_REASON: return put_uint(p, d->end_reason, f->len);
	case IE_IN_IF: return put_uint(p, d->in_if, f->len);
	}
	return put_uint(p, 0, f->len);
}

static uint64_t
wall_ms(uint64_t ns, int64_t offset_ns)
{
	return (uint64_t)((int64_t)ns + offset_ns) / 1000000u;
}

/* ICMP has no ports: the record keeps side 0's type and code where a
 * destination port would be, and NetFlow collectors (nfdump among them)
 * read them from destinationTransportPort. So they stay there whatever
 * the direction, and the source port is 0. */
static void
set_ports(struct direction *d, const struct ww_flow_record *r,
	  unsigned int dir)
{
	if (r->proto == 1 || r->proto == 58) {
		d->sport = 0;
		d->dport = r->port[dir];
	} else {
		d->sport = r->port[dir];
		d->dport = r->port[!dir];
	}
}

void
ww_ipfix_put_record(uint8_t *p, const struct ww_flow_record *r,
		    unsigned int dir, int64_t wall_offset_ns)
{
	const struct ie *f = r->family == 4 ? fields_v4 : fields_v6;
	struct direction d = {
		.src = r->addr[dir], .dst = r->addr[!dir],
		.proto = r->proto,
		.tcp_flags = r->tcp_flags[dir],
		.packets = r->packets[dir], .octets = r->bytes[dir],
		.start_ms = wall_ms(r->first_ns, wall_offset_ns),
		.end_ms = wall_ms(r->last_ns, wall_offset_ns),
		.end_reason = r->end_reason,
		/* the record knows side 0's ingress port only */
		.in_if = r->in_port,
	};

	set_ports(&d, r, dir);
	for (unsigned int i = 0; i < IPFIX_FIELDS; i++)
		p = put_field(p, &f[i], &d);
}
