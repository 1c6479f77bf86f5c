/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The flow meter: an rte_hash of canonical 5-tuples (lower address and
 * port first, as lib/conntrack's keys) whose positions index a flat array
 * of flow counters. Idle and active timeouts are found by a sweep that
 * visits a bounded number of slots per call, so no call is long.
 */
#include <errno.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>

#include "flowmeter.h"
#include "packet.h"

struct fm_key {
	uint8_t addr[2][16];
	uint16_t port[2];
	uint8_t proto;
	uint8_t family;
	uint16_t zone;
};

struct fm_flow {
	struct ww_flow_record rec;   /* counts since the last record */
	uint64_t export_ns;
	uint8_t used;
	uint8_t initiator_is_lo;     /* the first sender is key side 0 */
};

struct ww_flowmeter {
	struct rte_hash *h;
	struct fm_flow *flows;
	uint32_t nb_slots, cursor;
	uint64_t idle_ns, active_ns;
	ww_flowmeter_fn fn;
	void *arg;
	struct ww_flowmeter_stats stats;
};

struct ww_flowmeter *
ww_flowmeter_create(const struct ww_flowmeter_params *p)
{
	struct rte_hash_parameters hp = {
		.name = p->name,
		.entries = RTE_MAX(p->max_flows, 64u),
		.key_len = sizeof(struct fm_key),
		.hash_func = rte_hash_crc,
		.socket_id = p->socket_id,
	};
	struct ww_flowmeter *fm;

	if (p->fn == NULL || p->max_flows == 0) {
		rte_errno = EINVAL;
		return NULL;
	}
	fm = rte_zmalloc_socket("ww_fm", sizeof(*fm), 0, p->socket_id);
	if (fm == NULL)
		goto nomem;
	fm->h = rte_hash_create(&hp);
	if (fm->h == NULL)
		goto nomem;
	fm->nb_slots = (uint32_t)rte_hash_max_key_id(fm->h) + 1;
	fm->flows = rte_zmalloc_socket("ww_fm_flows",
				       (size_t)fm->nb_slots * sizeof(*fm->flows),
				       RTE_CACHE_LINE_SIZE, p->socket_id);
	if (fm->flows == NULL)
		goto nomem;
	fm->idle_ns = p->idle_ns;
	fm->active_ns = p->active_ns;
	fm->fn = p->fn;
	fm->arg = p->arg;
	return fm;
nomem:
	ww_flowmeter_free(fm);
	rte_errno = ENOMEM;
	return NULL;
}

void
ww_flowmeter_free(struct ww_flowmeter *fm)
{
	if (fm == NULL)
		return;
	rte_hash_free(fm->h);
	rte_free(fm->flows);
	rte_free(fm);
}

/* The packet's sender and receiver as key sides: @return 1 if the sender
 * sorts first (is side 0). */
static int
key_from_packet(struct rte_mbuf *m, uint16_t zone, struct fm_key *k,
		uint16_t *icmp)
{
	const struct ww_pkt_meta *meta = ww_pkt_meta(m);
	const uint8_t *l3 = rte_pktmbuf_mtod_offset(m, const uint8_t *,
						    meta->l3_off);
	size_t alen = meta->l3 == WW_L3_IPV4 ? 4 : 16;
	const uint8_t *src = l3 + (alen == 4 ? 12 : 8), *dst = src + alen;
	uint16_t sport = 0, dport = 0;
	int cmp;

	memset(k, 0, sizeof(*k));
	k->family = alen == 4 ? 4 : 6;
	k->proto = meta->l4_proto;
	k->zone = zone;
	*icmp = 0;
	if (meta->l4_off != 0 && (k->proto == 6 || k->proto == 17 ||
				  k->proto == 132)) {
		sport = meta->sport;
		dport = meta->dport;
	} else if (meta->l4_off != 0 && (k->proto == 1 || k->proto == 58)) {
		*icmp = (uint16_t)(meta->icmp_type << 8 | meta->icmp_code);
	}
	cmp = memcmp(src, dst, alen);
	if (cmp < 0 || (cmp == 0 && sport <= dport)) {
		memcpy(k->addr[0], src, alen);
		memcpy(k->addr[1], dst, alen);
		k->port[0] = sport;
		k->port[1] = dport;
		return 1;
	}
	memcpy(k->addr[0], dst, alen);
	memcpy(k->addr[1], src, alen);
	k->port[0] = dport;
	k->port[1] = sport;
	return 0;
}

static void
flow_start(struct fm_flow *f, const struct fm_key *k, int sender_lo,
	   uint16_t icmp, uint16_t zone, uint16_t in_port, uint64_t now_ns)
{
	unsigned int s = !sender_lo;   /* the sender's key side */
	struct ww_flow_record *r = &f->rec;

	memset(f, 0, sizeof(*f));
	f->used = 1;
	f->initiator_is_lo = (uint8_t)sender_lo;
	memcpy(r->addr[0], k->addr[s], sizeof(r->addr[0]));
	memcpy(r->addr[1], k->addr[!s], sizeof(r->addr[1]));
	r->port[0] = icmp ? icmp : k->port[s];
	r->port[1] = icmp ? 0 : k->port[!s];
	r->family = k->family;
	r->proto = k->proto;
	r->zone = zone;
	r->in_port = in_port;
	r->verdict = WW_FLOW_DROPPED;
	r->first_ns = now_ns;
	f->export_ns = now_ns;
}

static void emit(struct ww_flowmeter *fm, struct fm_flow *f, uint8_t reason,
		 uint64_t now_ns);

void
ww_flowmeter_count(struct ww_flowmeter *fm, struct rte_mbuf *m, uint16_t zone,
		   uint16_t in_port, uint64_t now_ns)
{
	const struct ww_pkt_meta *meta = ww_pkt_meta(m);
	struct fm_key k;
	uint16_t icmp;
	int sender_lo = key_from_packet(m, zone, &k, &icmp);
	int32_t pos = rte_hash_lookup(fm->h, &k);
	struct fm_flow *f;
	unsigned int dir;

	if (pos < 0) {
		pos = rte_hash_add_key(fm->h, &k);
		if (pos < 0) {
			fm->stats.unmetered++;
			return;
		}
		flow_start(&fm->flows[pos], &k, sender_lo, icmp, zone, in_port,
			   now_ns);
		fm->stats.flows++;
		fm->stats.created++;
	}
	f = &fm->flows[pos];
	/* A long flow's interim record, before this packet starts the next. */
	if (unlikely(f->export_ns + fm->active_ns <= now_ns))
		emit(fm, f, WW_FLOW_END_ACTIVE, now_ns);
	dir = sender_lo != f->initiator_is_lo;
	if (f->rec.packets[0] + f->rec.packets[1] == 0)
		f->rec.first_ns = now_ns;   /* first since an interim record */
	f->rec.packets[dir]++;
	f->rec.bytes[dir] += m->pkt_len;
	if (meta->l4_proto == 6 && meta->l4_off != 0)
		f->rec.tcp_flags[dir] |= meta->tcp_flags;
	f->rec.last_ns = now_ns;
}

/* Emit what the flow counted since its last record. */
static void
emit(struct ww_flowmeter *fm, struct fm_flow *f, uint8_t reason,
     uint64_t now_ns)
{
	struct ww_flow_record *r = &f->rec;

	if (r->packets[0] + r->packets[1] != 0) {
		r->end_reason = reason;
		fm->fn(r, fm->arg);
	}
	memset(r->packets, 0, sizeof(r->packets));
	memset(r->bytes, 0, sizeof(r->bytes));
	f->export_ns = now_ns;
}

static void
forget(struct ww_flowmeter *fm, uint32_t idx)
{
	void *key;

	if (rte_hash_get_key_with_position(fm->h, (int32_t)idx, &key) == 0)
		rte_hash_del_key(fm->h, key);
	fm->flows[idx].used = 0;
	fm->stats.flows--;
}

unsigned int
ww_flowmeter_expire(struct ww_flowmeter *fm, uint64_t now_ns,
		    unsigned int budget)
{
	unsigned int sent = 0;

	for (unsigned int k = 0; k < budget; k++) {
		uint32_t idx = fm->cursor;
		struct fm_flow *f = &fm->flows[idx];

		fm->cursor = idx + 1 < fm->nb_slots ? idx + 1 : 0;
		if (!f->used)
			continue;
		if (f->rec.last_ns + fm->idle_ns <= now_ns) {
			emit(fm, f, WW_FLOW_END_IDLE, now_ns);
			forget(fm, idx);
			sent++;
		} else if (f->export_ns + fm->active_ns <= now_ns) {
			emit(fm, f, WW_FLOW_END_ACTIVE, now_ns);
			sent++;
		}
	}
	return sent;
}

void
ww_flowmeter_flush(struct ww_flowmeter *fm, uint8_t reason)
{
	for (uint32_t idx = 0; idx < fm->nb_slots; idx++) {
		if (!fm->flows[idx].used)
			continue;
		emit(fm, &fm->flows[idx], reason, fm->flows[idx].rec.last_ns);
		forget(fm, idx);
	}
}

void
ww_flowmeter_get_stats(const struct ww_flowmeter *fm,
		       struct ww_flowmeter_stats *out)
{
	*out = fm->stats;
}
