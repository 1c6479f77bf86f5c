/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to lib/guard: bounded tables keyed by an IP address (the ICMP
 * guard's and the detectors' per-source state, the detectors' per-target
 * SYN counters).
 *
 * A table is a flat array of sets of ADDR_WAYS entries, allocated once at
 * create; the address's hash picks the set. A miss takes a free way or the
 * least recently used one, so the table never grows and never fails: under
 * a spoofed flood the oldest sources are forgotten first, and a source that
 * keeps sending keeps its entry. No rte_hash: no key store, no deletes.
 */
#ifndef WW_GUARD_ADDR_TABLE_H
#define WW_GUARD_ADDR_TABLE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_common.h>
#include <rte_hash_crc.h>
#include <rte_mbuf.h>

#include "packet.h"

#define ADDR_WAYS 4
#define ADDR_TABLE_MAX (16u * 1024 * 1024) /* entries: a sane cap */

/* An address as two words (IPv4 in the first 4 bytes, zero-extended). */
struct addr_key {
	uint64_t w[2];
	uint8_t family; /* 4 or 6 */
};

/* First member of every entry. */
struct addr_slot {
	uint64_t w[2];
	uint64_t used_ns; /* last touched: the least recent way goes first */
	uint8_t family;   /* 0: free */
};

/* Sets for @p max entries (a power of 2), or 0 if @p max is not sane. */
static inline uint32_t
addr_table_sets(uint32_t max)
{
	if (max == 0 || max > ADDR_TABLE_MAX)
		return 0;
	return rte_align32pow2((max + ADDR_WAYS - 1) / ADDR_WAYS);
}

/*
 * The source (or destination) address of a parsed IP packet and its hash.
 * The parser checked that the IP header lies in the first segment.
 */
static inline uint32_t
addr_key_get(const struct rte_mbuf *m, const struct ww_pkt_meta *meta,
	     bool dst, struct addr_key *k)
{
	const uint8_t *l3 = rte_pktmbuf_mtod_offset(m, const uint8_t *,
						    meta->l3_off);
	uint32_t a4;

	if (meta->l3 == WW_L3_IPV6) {
		memcpy(k->w, l3 + (dst ? 24 : 8), 16);
		k->family = 6;
	} else {
		memcpy(&a4, l3 + (dst ? 16 : 12), 4);
		k->w[0] = a4;
		k->w[1] = 0;
		k->family = 4;
	}
	return rte_hash_crc_8byte(k->w[1],
				  rte_hash_crc_8byte(k->w[0], k->family));
}

/*
 * The entry of @p k in a table of entries of @p esize bytes, each starting
 * with a struct addr_slot. @p *hit is false when the entry was just
 * claimed: its slot is set, the rest is zero, for the caller to fill in.
 */
static inline void *
addr_table_get(void *base, size_t esize, uint32_t set_mask,
	       const struct addr_key *k, uint32_t hash, uint64_t now_ns,
	       bool *hit)
{
	uint8_t *set = (uint8_t *)base + (size_t)(hash & set_mask) *
		       ADDR_WAYS * esize;
	struct addr_slot *victim = NULL;

	for (unsigned int i = 0; i < ADDR_WAYS; i++) {
		struct addr_slot *s = (struct addr_slot *)(set + i * esize);

		if (s->family == k->family && s->w[0] == k->w[0] &&
		    s->w[1] == k->w[1]) {
			s->used_ns = now_ns;
			*hit = true;
			return s;
		}
		if (victim == NULL || (victim->family != 0 &&
		    (s->family == 0 || s->used_ns < victim->used_ns)))
			victim = s;
	}
	memset(victim, 0, esize);
	victim->w[0] = k->w[0];
	victim->w[1] = k->w[1];
	victim->family = k->family;
	victim->used_ns = now_ns;
	*hit = false;
	return victim;
}

#endif /* WW_GUARD_ADDR_TABLE_H */
