/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Connection tracking: an rte_hash of canonical keys (single writer, the
 * fast lock-free variant) whose key position indexes a flat array of 64-byte
 * flow entries, one cache line each.
 *
 * Timers are lazy. A packet only stamps last_ns; the flow stays where it was
 * on the list of its timeout class (one list per flow state), ordered by
 * list_ns, the time it was queued. Only a state change moves it (to the tail
 * of the new list). The reaper looks at list heads: a head queued less than
 * a timeout ago means the whole list is younger; a head queued longer ago
 * but seen since is requeued at the tail with list_ns = now (which keeps the
 * list ordered), so the reaper may remove a flow up to one timeout after it
 * really expired. Lookups are exact: a flow past last_ns + timeout is
 * deleted as soon as a packet finds it, and until then it only lingers in
 * the counters (active, by_state) and in the cap (the cap first reaps an
 * expired list head before refusing or evicting).
 *
 * The per-packet path neither locks, allocates, logs nor divides.
 */
#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>

#include "util.h"
#include "conntrack.h"
#include "packet.h"

#define NIL UINT32_MAX
#define NS_PER_SEC UINT64_C(1000000000)
#define MAX_FLOWS_LIMIT (16u * 1024 * 1024)
#define HASH_BUCKET_ENTRIES 8 /* rte_hash's bucket width (private header) */

#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17
#define IPPROTO_ICMP_ 1
#define IPPROTO_ICMPV6_ 58

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_ACK 0x10
#define TH_URG 0x20

#define ICMP_ECHO_REPLY 0
#define ICMP_DEST_UNREACH 3
#define ICMP_ECHO_REQUEST 8
#define ICMP_TIME_EXCEEDED 11
#define ICMP_PARAM_PROBLEM 12
#define ICMP6_DEST_UNREACH 1
#define ICMP6_PACKET_TOO_BIG 2
#define ICMP6_TIME_EXCEEDED 3
#define ICMP6_PARAM_PROBLEM 4
#define ICMP6_ECHO_REQUEST 128
#define ICMP6_ECHO_REPLY 129

#define ICMP_HDR_LEN 8
#define IPV4_HDR_LEN 20
#define IPV6_HDR_LEN 40

/* Flow state of an entry that is not in the table (deleted this burst). */
#define FS_FREE 0xff

/* What a packet is to the tracker, decided before the lookup. */
enum pkt_kind {
	K_TCP,
	K_UDP,
	K_ECHO_REQ,
	K_ECHO_REP,
	K_ICMP_ERR, /* the key is the quoted datagram's */
	K_OTHER,
};

/* One cache line; the index is the key's position in the hash. */
struct ct_flow {
	uint64_t last_ns;     /* last packet that moved or refreshed it */
	uint64_t list_ns;     /* when it was queued on its timeout list */
	uint32_t next, prev;  /* its timeout list (NIL ends) */
	uint64_t packets[2];  /* side 0 = the opener */
	uint64_t bytes[2];
	uint8_t state;        /* enum ww_ct_flow_state, FS_FREE when deleted */
	uint8_t opener_is_lo; /* the opener is the key's side 0 */
	uint8_t fin;          /* bit per side that sent a FIN */
	uint8_t mark;         /* WW_CT_MARK_*: what guards decided about it */
	uint8_t tcp_flags[2]; /* OR of the flags each side sent */
	uint16_t export_tick; /* EXPORT_TICK units: its last flow record */
} __rte_cache_aligned;

/* Active timeouts are checked on the packet path against a 16-bit clock
 * in the hot entry, in units of 2^27 ns (134 ms): exact enough, no extra
 * cache line per packet; 16 bits hold timeouts up to 4398 s. */
#define EXPORT_TICK_SHIFT 27
#define EXPORT_TICKS_MAX 32767
static inline uint16_t
export_tick(uint64_t now_ns)
{
	return (uint16_t)(now_ns >> EXPORT_TICK_SHIFT);
}

/* What flow records need and the fast path does not: kept apart, in a
 * second array, so the 64-byte entry stays one cache line. Touched when a
 * flow starts, when a record goes out, and by the active-timeout sweep. */
struct ct_rec {
	uint64_t first_ns;
	uint64_t export_ns;        /* the last record's time (or first_ns) */
	uint64_t sent_packets[2];  /* counts already in a record */
	uint64_t sent_bytes[2];
	uint16_t in_port;          /* the opener's ingress port */
	uint16_t pad[3];
};

static_assert(sizeof(struct ct_flow) == 64, "a flow entry is one cache line");
static_assert(sizeof(struct ww_ct_key) == 40, "keys hash without padding");
static_assert(offsetof(struct ww_ct_key, port) == 32 &&
	      offsetof(struct ww_ct_key, proto) == 36 &&
	      offsetof(struct ww_ct_key, family) == 37 &&
	      offsetof(struct ww_ct_key, zone) == 38,
	      "key_fill() builds the key as five 8-byte words");

struct ct_list {
	uint32_t head, tail;
};

struct ww_ct_table {
	struct rte_hash *h;
	struct ct_flow *flows;
	uint32_t max_flows;
	uint8_t full_policy;
	bool strict;
	uint8_t expire_cursor; /* list the reaper starts with, rotating */
	uint64_t timeout_ns[WW_CT_FS_MAX];
	struct ct_list lists[WW_CT_FS_MAX];
	size_t memory;
	struct ww_ct_stats stats;
	/* Flow records (NULL: off). */
	struct ct_rec *recs;
	ww_ct_record_fn record_fn;
	void *record_arg;
	uint32_t nb_slots;         /* flows[] and recs[] entries */
	uint16_t active_ticks;     /* interim records every so many ticks */
};

static const char *const state_names[WW_CT_FS_MAX] = {
#define WW_CT_FS_NAME(e, name, key, t) name,
	WW_FOREACH_CT_FLOW_STATE(WW_CT_FS_NAME)
#undef WW_CT_FS_NAME
};

static const char *const timeout_keys[WW_CT_FS_MAX] = {
#define WW_CT_FS_KEY(e, name, key, t) key,
	WW_FOREACH_CT_FLOW_STATE(WW_CT_FS_KEY)
#undef WW_CT_FS_KEY
};

static const uint32_t default_timeouts[WW_CT_FS_MAX] = {
#define WW_CT_FS_TIMEOUT(e, name, key, t) t,
	WW_FOREACH_CT_FLOW_STATE(WW_CT_FS_TIMEOUT)
#undef WW_CT_FS_TIMEOUT
};

const char *
ww_ct_flow_state_name(unsigned int state)
{
	return state < WW_CT_FS_MAX ? state_names[state] : "unknown";
}

const char *
ww_ct_timeout_key(unsigned int state)
{
	return state < WW_CT_FS_MAX ? timeout_keys[state] : NULL;
}

void
ww_ct_config_default(struct ww_ct_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->enabled = true;
	cfg->max_flows = 200000;
	cfg->full_policy = WW_CT_FULL_DROP_NEW;
	cfg->strict = true;
	memcpy(cfg->timeout_s, default_timeouts, sizeof(cfg->timeout_s));
}

/* ---- timeout lists ---- */

static inline void
list_append(struct ww_ct_table *t, uint32_t idx, uint64_t now_ns)
{
	struct ct_flow *f = &t->flows[idx];
	struct ct_list *l = &t->lists[f->state];

	f->list_ns = now_ns;
	f->next = NIL;
	f->prev = l->tail;
	if (l->tail == NIL)
		l->head = idx;
	else
		t->flows[l->tail].next = idx;
	l->tail = idx;
}

static inline void
list_unlink(struct ww_ct_table *t, uint32_t idx)
{
	struct ct_flow *f = &t->flows[idx];
	struct ct_list *l = &t->lists[f->state];

	if (f->prev == NIL)
		l->head = f->next;
	else
		t->flows[f->prev].next = f->next;
	if (f->next == NIL)
		l->tail = f->prev;
	else
		t->flows[f->next].prev = f->prev;
}

static void
flow_set_state(struct ww_ct_table *t, uint32_t idx, uint8_t state,
	       uint64_t now_ns)
{
	struct ct_flow *f = &t->flows[idx];

	list_unlink(t, idx);
	t->stats.by_state[f->state]--;
	f->state = state;
	t->stats.by_state[state]++;
	list_append(t, idx, now_ns);
}

/* ---- flow records ---- */

static void
record_fill(const struct ww_ct_table *t, uint32_t idx,
	    const struct ww_ct_key *k, struct ww_flow_record *r)
{
	const struct ct_flow *f = &t->flows[idx];
	const struct ct_rec *c = &t->recs[idx];
	unsigned int o = !f->opener_is_lo; /* key side of the opener */

	memset(r, 0, sizeof(*r));
	r->first_ns = c->first_ns;
	r->last_ns = f->last_ns;
	for (unsigned int d = 0; d < 2; d++) {
		r->packets[d] = f->packets[d] - c->sent_packets[d];
		r->bytes[d] = f->bytes[d] - c->sent_bytes[d];
		r->tcp_flags[d] = f->tcp_flags[d];
	}
	memcpy(r->addr[0], k->addr[o], sizeof(r->addr[0]));
	memcpy(r->addr[1], k->addr[!o], sizeof(r->addr[1]));
	r->port[0] = k->port[o];
	r->port[1] = k->port[!o];
	r->family = k->family;
	r->proto = k->proto;
	r->zone = k->zone;
	r->in_port = c->in_port;
	r->verdict = WW_FLOW_FORWARDED;
}

/* Hand flow @p idx's counts since its last record to the record callback. */
static void
record_emit(struct ww_ct_table *t, uint32_t idx, const struct ww_ct_key *k,
	    uint8_t reason, uint64_t now_ns)
{
	struct ct_rec *c = &t->recs[idx];
	struct ct_flow *f = &t->flows[idx];
	struct ww_flow_record r;

	record_fill(t, idx, k, &r);
	r.end_reason = reason;
	/* A flow ends quietly if its last record said it all. */
	if (r.packets[0] + r.packets[1] != 0)
		t->record_fn(&r, t->record_arg);
	memcpy(c->sent_packets, f->packets, sizeof(c->sent_packets));
	memcpy(c->sent_bytes, f->bytes, sizeof(c->sent_bytes));
	c->export_ns = now_ns;
	f->export_tick = export_tick(now_ns);
}

/* A long flow's interim record, when its active timeout is up. */
static inline void
maybe_export_active(struct ww_ct_table *t, uint32_t idx,
		    const struct ww_ct_key *k, uint64_t now_ns)
{
	if (t->recs == NULL ||
	    (uint16_t)(export_tick(now_ns) - t->flows[idx].export_tick) <
	    t->active_ticks)
		return;
	record_emit(t, idx, k, WW_FLOW_END_ACTIVE, now_ns);
}

/* Why a flow that times out ended: TCP that was closing ended by itself. */
static inline uint8_t
timeout_reason(const struct ct_flow *f)
{
	switch (f->state) {
	case WW_CT_FS_TCP_FIN_WAIT:
	case WW_CT_FS_TCP_TIME_WAIT:
	case WW_CT_FS_TCP_CLOSE:
		return WW_FLOW_END_CLOSED;
	}
	return WW_FLOW_END_IDLE;
}

static void
flow_delete(struct ww_ct_table *t, uint32_t idx, uint8_t reason)
{
	struct ct_flow *f = &t->flows[idx];
	void *key;

	if (rte_hash_get_key_with_position(t->h, (int32_t)idx, &key) == 0) {
		if (t->recs != NULL)
			record_emit(t, idx, key, reason, f->last_ns);
		rte_hash_del_key_with_hash(t->h, key,
			rte_hash_crc(key, sizeof(struct ww_ct_key), 0));
	}
	list_unlink(t, idx);
	t->stats.by_state[f->state]--;
	t->stats.active--;
	/* Later packets of this burst may hold its position from the bulk
	 * lookup: the marker tells them it is gone. */
	f->state = FS_FREE;
}

static inline bool
flow_expired(const struct ww_ct_table *t, const struct ct_flow *f,
	     uint64_t now_ns)
{
	return f->last_ns + t->timeout_ns[f->state] <= now_ns;
}

/* ---- keys ---- */

static inline uint16_t
load_be16(const uint8_t *p)
{
	rte_be16_t v;

	memcpy(&v, p, sizeof(v));
	return rte_be_to_cpu_16(v);
}

/* 1 if (src, sport) sorts first, i.e. is the key's side 0. Addresses are
 * compared as big-endian words: the same order as bytewise. */
static inline uint8_t
sorts_first(uint64_t s0, uint64_t s1, uint64_t d0, uint64_t d1,
	    uint16_t sport, uint16_t dport)
{
	if (s0 != d0)
		return s0 < d0;
	if (s1 != d1)
		return s1 < d1;
	return sport <= dport;
}

/* rte_hash has fast compares for some key sizes, not 40: it would call
 * memcmp for every candidate it checks. */
static int
key_cmp(const void *a, const void *b, size_t len __rte_unused)
{
	const uint8_t *x = a, *y = b;
	uint64_t u, v, diff = 0;

	for (unsigned int i = 0; i < sizeof(struct ww_ct_key); i += 8) {
		memcpy(&u, x + i, 8);
		memcpy(&v, y + i, 8);
		diff |= u ^ v;
	}
	return diff != 0;
}

#if RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN
/*
 * Fill the canonical key and its hash; returns whether the source is side
 * 0. The key is made of five 8-byte words built in registers: each is
 * stored once and hashed from the register, never read back (a word read
 * back across several narrower stores would stall store forwarding).
 * Hashing the words in order is what rte_hash_crc() does with the key.
 */
static inline uint8_t
key_fill(struct ww_ct_key *k, hash_sig_t *sig, const uint8_t *src,
	 const uint8_t *dst, bool v6, uint16_t sport, uint16_t dport,
	 uint8_t proto, uint16_t zone)
{
	uint64_t s0, s1 = 0, d0, d1 = 0, w[5];
	uint32_t crc = 0;
	uint8_t lo;

	if (v6) {
		memcpy(&s0, src, 8);
		memcpy(&s1, src + 8, 8);
		memcpy(&d0, dst, 8);
		memcpy(&d1, dst + 8, 8);
		lo = sorts_first(rte_be_to_cpu_64(s0), rte_be_to_cpu_64(s1),
				 rte_be_to_cpu_64(d0), rte_be_to_cpu_64(d1),
				 sport, dport);
	} else {
		uint32_t s4, d4;

		/* Zero-extended, the address is the word's first 4 bytes. */
		memcpy(&s4, src, 4);
		memcpy(&d4, dst, 4);
		s0 = s4;
		d0 = d4;
		lo = sorts_first(rte_be_to_cpu_32(s4), 0, rte_be_to_cpu_32(d4),
				 0, sport, dport);
	}
	w[0] = lo ? s0 : d0;
	w[1] = lo ? s1 : d1;
	w[2] = lo ? d0 : s0;
	w[3] = lo ? d1 : s1;
	w[4] = (uint64_t)(lo ? sport : dport) |
	       (uint64_t)(lo ? dport : sport) << 16 |
	       (uint64_t)proto << 32 | (uint64_t)(v6 ? 6 : 4) << 40 |
	       (uint64_t)zone << 48;
	for (unsigned int i = 0; i < RTE_DIM(w); i++) {
		/* Word by word: copied as one block, the compiler goes
		 * through the stack and stalls on that instead. */
		memcpy((uint8_t *)k + 8 * i, &w[i], 8);
		crc = rte_hash_crc_8byte(w[i], crc);
	}
	*sig = crc;
	return lo;
}
#else
static inline uint8_t
key_fill(struct ww_ct_key *k, hash_sig_t *sig, const uint8_t *src,
	 const uint8_t *dst, bool v6, uint16_t sport, uint16_t dport,
	 uint8_t proto, uint16_t zone)
{
	unsigned int alen = v6 ? 16 : 4;
	uint8_t lo;
	int c = memcmp(src, dst, alen);

	lo = c != 0 ? c < 0 : sport <= dport;
	memset(k, 0, sizeof(*k));
	memcpy(k->addr[!lo], src, alen);
	memcpy(k->addr[lo], dst, alen);
	k->port[!lo] = sport;
	k->port[lo] = dport;
	k->proto = proto;
	k->family = v6 ? 6 : 4;
	k->zone = zone;
	*sig = rte_hash_crc(k, sizeof(*k), 0);
	return lo;
}
#endif

static inline bool
icmp_is_error(uint8_t type, bool v6)
{
	if (v6)
		return type >= ICMP6_DEST_UNREACH && type <= ICMP6_PARAM_PROBLEM;
	return type == ICMP_DEST_UNREACH || type == ICMP_TIME_EXCEEDED ||
	       type == ICMP_PARAM_PROBLEM;
}

/*
 * The key of the datagram an ICMP error quotes: inner IP header, then the
 * ports (or the echo identifier) from the first bytes after it. Every read
 * stays within the mbuf's first segment and the outer datagram.
 * @return 0, or -1 when the quote is too short or not something trackable.
 */
static int
icmp_error_key(const struct rte_mbuf *m, const struct ww_pkt_meta *meta,
	       bool v6, uint16_t zone, struct ww_ct_key *k, hash_sig_t *sig,
	       uint8_t *src_lo)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t limit = RTE_MIN((uint32_t)m->data_len, (uint32_t)meta->l3_end);
	uint32_t off = (uint32_t)meta->l4_off + ICMP_HDR_LEN;
	const uint8_t *ip = p + off;
	uint16_t sport = 0, dport = 0;
	uint32_t l4;
	uint8_t proto;

	if (!v6) {
		if (off + IPV4_HDR_LEN > limit || (ip[0] >> 4) != 4 ||
		    (ip[0] & 0xf) * 4u < IPV4_HDR_LEN)
			return -1;
		/* A later fragment quotes no transport header. */
		if (load_be16(ip + 6) & 0x1fff)
			return -1;
		proto = ip[9];
		l4 = off + (ip[0] & 0xf) * 4u;
	} else {
		/* Extension headers are not walked: a quote carrying one
		 * names no tracked protocol and so matches nothing. */
		if (off + IPV6_HDR_LEN > limit || (ip[0] >> 4) != 6)
			return -1;
		proto = ip[6];
		l4 = off + IPV6_HDR_LEN;
	}

	if (proto == IPPROTO_TCP_ || proto == IPPROTO_UDP_) {
		if (l4 + 4 > limit)
			return -1;
		sport = load_be16(p + l4);
		dport = load_be16(p + l4 + 2);
	} else if (proto == (v6 ? IPPROTO_ICMPV6_ : IPPROTO_ICMP_)) {
		uint8_t type;

		if (l4 + 6 > limit)
			return -1;
		type = p[l4];
		if (v6 ? type != ICMP6_ECHO_REQUEST && type != ICMP6_ECHO_REPLY :
			 type != ICMP_ECHO_REQUEST && type != ICMP_ECHO_REPLY)
			return -1;
		sport = dport = load_be16(p + l4 + 4);
	}
	if (v6)
		*src_lo = key_fill(k, sig, ip + 8, ip + 24, true, sport, dport,
				   proto, zone);
	else
		*src_lo = key_fill(k, sig, ip + 12, ip + 16, false, sport,
				   dport, proto, zone);
	return 0;
}

/*
 * Decide what a packet is and build its key. Returns true when it needs a
 * lookup; otherwise @p r is final (not IP, malformed, untrackable).
 */
static inline bool
classify(struct rte_mbuf *m, uint16_t zone, struct ww_ct_result *r,
	 uint8_t *kind)
{
	const struct ww_pkt_meta *meta = ww_pkt_meta(m);
	const uint8_t *l3;
	uint16_t sport, dport;
	uint8_t proto;
	bool v6;

	r->reply = 0;
	r->trackable = 0;
	r->src_lo = 1;
	r->mark = 0;
	r->flow = NIL;
	if (meta->l3 == WW_L3_IPV4)
		v6 = false;
	else if (meta->l3 == WW_L3_IPV6)
		v6 = true;
	else {
		r->ct_state = 0;
		return false;
	}
	/* Malformed: the addresses may not even be in the buffer. */
	if (unlikely(meta->reason != WW_REASON_NONE)) {
		r->ct_state = WW_CT_STATE_INVALID;
		return false;
	}

	/* No transport header to key on (and no fragment cache to find
	 * the first one's): classified for the rules, never committed. */
	if (unlikely(meta->flags & WW_PKT_F_LATER_FRAG))
		goto untracked;

	proto = meta->l4_proto;
	sport = meta->sport;
	dport = meta->dport;
	if (proto == IPPROTO_TCP_ || proto == IPPROTO_UDP_) {
		if (unlikely(!(meta->flags & WW_PKT_F_L4)))
			goto untracked;
		*kind = proto == IPPROTO_TCP_ ? K_TCP : K_UDP;
	} else if (proto == (v6 ? IPPROTO_ICMPV6_ : IPPROTO_ICMP_)) {
		uint8_t type = meta->icmp_type;

		if (unlikely(!(meta->flags & WW_PKT_F_L4)))
			goto untracked;
		if (type == (v6 ? ICMP6_ECHO_REQUEST : ICMP_ECHO_REQUEST)) {
			*kind = K_ECHO_REQ;
		} else if (type == (v6 ? ICMP6_ECHO_REPLY : ICMP_ECHO_REPLY)) {
			*kind = K_ECHO_REP;
		} else if (icmp_is_error(type, v6)) {
			*kind = K_ICMP_ERR;
			if (icmp_error_key(m, meta, v6, zone, &r->key, &r->sig,
					   &r->src_lo) < 0) {
				r->ct_state = WW_CT_STATE_INVALID;
				return false;
			}
			return true;
		} else {
			goto untracked; /* NDP, MLD, timestamps, ... */
		}
		dport = sport; /* the echo identifier on both sides */
	} else {
		/* GRE, ESP, ... (and ICMP in IPv6 or ICMPv6 in IPv4, which
		 * the parser does not read). */
		*kind = K_OTHER;
		sport = dport = 0;
	}

	l3 = rte_pktmbuf_mtod_offset(m, const uint8_t *, meta->l3_off);
	if (v6)
		r->src_lo = key_fill(&r->key, &r->sig, l3 + 8, l3 + 24, true,
				     sport, dport, proto, zone);
	else
		r->src_lo = key_fill(&r->key, &r->sig, l3 + 12, l3 + 16,
				     false, sport, dport, proto, zone);
	return true;

untracked:
	/* Classified for the rules, never committed. */
	r->ct_state = WW_CT_STATE_NEW;
	return false;
}

/* ---- state machines ---- */

/* Flag combinations a TCP stack sends (as nf_conntrack's tcp_valid_flags,
 * PSH, ECE and CWR ignored); anything else (NULL, Xmas, SYN+FIN, ...) is
 * INVALID whatever the state. */
#define TCP_FLAGS_MASK (TH_FIN | TH_SYN | TH_RST | TH_ACK | TH_URG)
#define TCP_VALID_FLAGS \
	((UINT64_C(1) << TH_SYN) | (UINT64_C(1) << (TH_SYN | TH_URG)) | \
	 (UINT64_C(1) << (TH_SYN | TH_ACK)) | (UINT64_C(1) << TH_RST) | \
	 (UINT64_C(1) << (TH_RST | TH_ACK)) | \
	 (UINT64_C(1) << (TH_FIN | TH_ACK)) | \
	 (UINT64_C(1) << (TH_FIN | TH_ACK | TH_URG)) | \
	 (UINT64_C(1) << TH_ACK) | (UINT64_C(1) << (TH_ACK | TH_URG)))

static inline bool
tcp_flags_valid(uint8_t fl)
{
	return (TCP_VALID_FLAGS >> (fl & TCP_FLAGS_MASK)) & 1;
}

#define TCP_INVALID (-1) /* not consistent with the flow: leave it alone */
#define TCP_REOPEN (-2)  /* a new connection on a closed flow's ports */

/* Next state of a TCP flow for a packet from side @p dir. */
static inline int
tcp_next(const struct ct_flow *f, unsigned int dir, uint8_t fl)
{
	bool syn = fl & TH_SYN, ack = fl & TH_ACK;

	switch (f->state) {
	case WW_CT_FS_TCP_SYN_SENT:
		if (fl & TH_RST)
			return WW_CT_FS_TCP_CLOSE;
		if (syn && ack && dir == 1)
			return WW_CT_FS_TCP_SYN_RECV;
		if (syn && !ack && dir == 0)
			return WW_CT_FS_TCP_SYN_SENT;
		return TCP_INVALID;
	case WW_CT_FS_TCP_SYN_RECV:
		if (fl & TH_RST)
			return WW_CT_FS_TCP_CLOSE;
		if (fl & TH_FIN)
			return WW_CT_FS_TCP_FIN_WAIT;
		if (syn) /* a retransmitted SYN or SYN+ACK */
			return ack == (dir == 1) ? WW_CT_FS_TCP_SYN_RECV :
						   TCP_INVALID;
		return dir == 0 ? WW_CT_FS_TCP_ESTABLISHED : TCP_INVALID;
	case WW_CT_FS_TCP_ESTABLISHED:
		if (fl & TH_RST)
			return WW_CT_FS_TCP_CLOSE;
		if (fl & TH_FIN)
			return WW_CT_FS_TCP_FIN_WAIT;
		/* Only the SYN+ACK may come again (the final ACK was lost). */
		if (syn)
			return ack && dir == 1 ? WW_CT_FS_TCP_ESTABLISHED :
						 TCP_INVALID;
		return WW_CT_FS_TCP_ESTABLISHED;
	case WW_CT_FS_TCP_FIN_WAIT:
		if (fl & TH_RST)
			return WW_CT_FS_TCP_CLOSE;
		if (syn)
			return TCP_INVALID;
		if (f->fin == 3 && ack)
			return WW_CT_FS_TCP_TIME_WAIT;
		return WW_CT_FS_TCP_FIN_WAIT;
	default: /* TIME_WAIT, CLOSE */
		if (syn && !ack)
			return TCP_REOPEN;
		return f->state;
	}
}

/* A packet with no (live) flow. */
static inline void
no_flow(const struct ww_ct_table *t, const struct ww_pkt_meta *meta,
	uint8_t kind, struct ww_ct_result *r)
{
	uint8_t fl = meta->tcp_flags;
	bool is_new;

	switch (kind) {
	case K_TCP:
		if (!tcp_flags_valid(fl) || (fl & TH_RST))
			is_new = false;
		else if (fl & TH_SYN)
			is_new = !(fl & TH_ACK);
		else
			is_new = !t->strict; /* picked up mid-stream */
		break;
	case K_ECHO_REP:
	case K_ICMP_ERR:
		is_new = false;
		break;
	default:
		is_new = true;
		break;
	}
	r->ct_state = is_new ? WW_CT_STATE_NEW : WW_CT_STATE_INVALID;
	r->trackable = is_new;
	r->reply = 0; /* a new flow's sender is its opener */
	r->flow = NIL;
}

/* A packet of a live flow; @return false to handle it as if it had none. */
static inline bool
existing_flow(struct ww_ct_table *t, struct rte_mbuf *m,
	      const struct ww_pkt_meta *meta, uint8_t kind, uint32_t idx,
	      uint64_t now_ns, struct ww_ct_result *r)
{
	struct ct_flow *f = &t->flows[idx];
	unsigned int dir = r->src_lo ^ f->opener_is_lo;
	int next = f->state;

	r->flow = idx;
	r->reply = dir;
	r->mark = f->mark;
	if (kind == K_ICMP_ERR) {
		/* Related, but not a packet of the flow: no refresh. */
		r->ct_state = WW_CT_STATE_RELATED;
		return true;
	}
	if (kind == K_TCP) {
		uint8_t fl = meta->tcp_flags;

		next = tcp_flags_valid(fl) ? tcp_next(f, dir, fl) : TCP_INVALID;
		if (unlikely(next < 0)) {
			if (next == TCP_REOPEN) {
				flow_delete(t, idx, WW_FLOW_END_CLOSED);
				return false;
			}
			r->ct_state = WW_CT_STATE_INVALID;
			return true;
		}
		if (fl & TH_FIN)
			f->fin |= 1u << dir;
		f->tcp_flags[dir] |= fl;
	} else if (kind == K_UDP && dir == 1) {
		if (f->state == WW_CT_FS_UDP_UNREPLIED)
			next = WW_CT_FS_UDP_REPLIED;
	}

	f->last_ns = now_ns;
	f->packets[dir]++;
	f->bytes[dir] += m->pkt_len;
	if (unlikely(next != f->state))
		flow_set_state(t, idx, (uint8_t)next, now_ns);
	maybe_export_active(t, idx, &r->key, now_ns);
	r->ct_state = WW_CT_STATE_ESTABLISHED;
	return true;
}

static inline void
handle(struct ww_ct_table *t, struct rte_mbuf *m, uint8_t kind, int32_t pos,
       uint64_t now_ns, struct ww_ct_result *r)
{
	const struct ww_pkt_meta *meta = ww_pkt_meta(m);

	if (pos >= 0) {
		struct ct_flow *f = &t->flows[pos];

		if (unlikely(f->state == FS_FREE)) {
			/* deleted by an earlier packet of this burst */
		} else if (unlikely(flow_expired(t, f, now_ns))) {
			flow_delete(t, (uint32_t)pos, timeout_reason(f));
			t->stats.expired++;
		} else if (existing_flow(t, m, meta, kind, (uint32_t)pos,
					 now_ns, r)) {
			return;
		}
	}
	no_flow(t, meta, kind, r);
}

void
ww_ct_lookup_burst(struct ww_ct_table *t, struct rte_mbuf **pkts,
		   uint16_t n, uint16_t zone, uint64_t now_ns,
		   struct ww_ct_result *res)
{
	const void *keys[RTE_HASH_LOOKUP_BULK_MAX];
	hash_sig_t sigs[RTE_HASH_LOOKUP_BULK_MAX];
	int32_t pos[RTE_HASH_LOOKUP_BULK_MAX];
	uint16_t which[RTE_HASH_LOOKUP_BULK_MAX];
	uint8_t kinds[RTE_HASH_LOOKUP_BULK_MAX];
	uint16_t start, i, j, cnt;

	for (start = 0; start < n; start += RTE_HASH_LOOKUP_BULK_MAX) {
		uint16_t end = RTE_MIN(n, start + RTE_HASH_LOOKUP_BULK_MAX);

		cnt = 0;
		for (i = start; i < end; i++) {
			if (!classify(pkts[i], zone, &res[i], &kinds[cnt]))
				continue;
			keys[cnt] = &res[i].key;
			sigs[cnt] = res[i].sig;
			which[cnt++] = i;
		}
		if (cnt == 0)
			continue;
		rte_hash_lookup_with_hash_bulk(t->h, keys, sigs, cnt, pos);
		for (j = 0; j < cnt; j++)
			if (pos[j] >= 0)
				rte_prefetch0(&t->flows[pos[j]]);
		for (j = 0; j < cnt; j++)
			handle(t, pkts[which[j]], kinds[j], pos[j], now_ns,
			       &res[which[j]]);
	}
}

/* ---- commit, cap, expiry ---- */

static uint8_t
initial_state(const struct ww_ct_key *k, const struct ww_pkt_meta *meta)
{
	switch (k->proto) {
	case IPPROTO_TCP_:
		return (meta->tcp_flags & (TH_SYN | TH_ACK)) == TH_SYN ?
			WW_CT_FS_TCP_SYN_SENT : WW_CT_FS_TCP_ESTABLISHED;
	case IPPROTO_UDP_:
		return WW_CT_FS_UDP_UNREPLIED;
	case IPPROTO_ICMP_:
		return k->family == 4 ? WW_CT_FS_ICMP : WW_CT_FS_OTHER;
	case IPPROTO_ICMPV6_:
		return k->family == 6 ? WW_CT_FS_ICMP : WW_CT_FS_OTHER;
	default:
		return WW_CT_FS_OTHER;
	}
}

/* Delete one list head that has expired, if any: it is absent already. */
static bool
reap_one(struct ww_ct_table *t, uint64_t now_ns)
{
	for (unsigned int s = 0; s < WW_CT_FS_MAX; s++) {
		uint32_t head = t->lists[s].head;

		if (head != NIL && flow_expired(t, &t->flows[head], now_ns)) {
			flow_delete(t, head, timeout_reason(&t->flows[head]));
			t->stats.expired++;
			return true;
		}
	}
	return false;
}

/* Evict the longest-queued flow that never completed a handshake (or never
 * got a reply): those are what a flood of new flows leaves behind. */
static bool
early_drop(struct ww_ct_table *t)
{
	static const uint8_t victims[] = {
		WW_CT_FS_TCP_SYN_SENT, WW_CT_FS_TCP_SYN_RECV,
		WW_CT_FS_UDP_UNREPLIED,
	};
	uint32_t best = NIL;

	for (unsigned int i = 0; i < RTE_DIM(victims); i++) {
		uint32_t head = t->lists[victims[i]].head;

		if (head != NIL && (best == NIL ||
		    t->flows[head].list_ns < t->flows[best].list_ns))
			best = head;
	}
	if (best == NIL)
		return false;
	flow_delete(t, best, WW_FLOW_END_LACK);
	t->stats.early_dropped++;
	return true;
}

static int
make_room(struct ww_ct_table *t, uint64_t now_ns)
{
	if (reap_one(t, now_ns))
		return 0;
	if (t->full_policy == WW_CT_FULL_EARLY_DROP && early_drop(t))
		return 0;
	return -ENOSPC;
}

/* The flow was created by an earlier packet of the same burst. */
static int
commit_existing(struct ww_ct_table *t, struct rte_mbuf *pkt,
		struct ww_ct_result *res, uint32_t idx, uint64_t now_ns)
{
	struct ct_flow *f = &t->flows[idx];
	unsigned int dir = res->src_lo ^ f->opener_is_lo;

	f->last_ns = now_ns;
	f->packets[dir]++;
	f->bytes[dir] += pkt->pkt_len;
	if (ww_pkt_meta(pkt)->l4_proto == IPPROTO_TCP_)
		f->tcp_flags[dir] |= ww_pkt_meta(pkt)->tcp_flags;
	res->ct_state = WW_CT_STATE_ESTABLISHED;
	res->reply = dir;
	res->flow = idx;
	res->mark = f->mark;
	return 0;
}

int
ww_ct_commit(struct ww_ct_table *t, struct rte_mbuf *pkt,
	     struct ww_ct_result *res, uint64_t now_ns)
{
	struct ct_flow *f;
	int32_t pos;

	if (!res->trackable)
		return 0;
	res->trackable = 0; /* committing twice must not count twice */
	pos = rte_hash_lookup_with_hash(t->h, &res->key, res->sig);
	if (pos >= 0)
		return commit_existing(t, pkt, res, (uint32_t)pos, now_ns);

	if (t->stats.active >= t->max_flows && make_room(t, now_ns) < 0)
		goto full;
	pos = rte_hash_add_key_with_hash(t->h, &res->key, res->sig);
	if (pos < 0)
		goto full; /* no cuckoo path left: full all the same */

	f = &t->flows[pos];
	f->last_ns = now_ns;
	f->packets[0] = 1;
	f->packets[1] = 0;
	f->bytes[0] = pkt->pkt_len;
	f->bytes[1] = 0;
	f->state = initial_state(&res->key, ww_pkt_meta(pkt));
	f->opener_is_lo = res->src_lo;
	f->fin = 0;
	f->mark = 0;
	f->tcp_flags[0] = ww_pkt_meta(pkt)->l4_proto == IPPROTO_TCP_ ?
			  ww_pkt_meta(pkt)->tcp_flags : 0;
	f->tcp_flags[1] = 0;
	f->export_tick = export_tick(now_ns);
	if (t->recs != NULL)
		t->recs[pos] = (struct ct_rec){ .first_ns = now_ns,
			.export_ns = now_ns, .in_port = res->in_port };
	list_append(t, (uint32_t)pos, now_ns);
	t->stats.by_state[f->state]++;
	t->stats.active++;
	t->stats.created++;
	res->flow = (uint32_t)pos;
	res->reply = 0;
	return 0;

full:
	t->stats.refused_full++;
	return -ENOSPC;
}

unsigned int
ww_ct_expire(struct ww_ct_table *t, uint64_t now_ns, unsigned int budget)
{
	/* Requeues are work too: bound them so one call stays short. */
	unsigned int removed = 0, visits = 0;
	unsigned int max_visits = budget > UINT_MAX / 2 ? UINT_MAX : 2 * budget;

	for (unsigned int k = 0; k < WW_CT_FS_MAX; k++) {
		unsigned int s = (t->expire_cursor + k) % WW_CT_FS_MAX;
		struct ct_list *l = &t->lists[s];
		uint64_t timeout = t->timeout_ns[s];

		while (l->head != NIL && removed < budget &&
		       visits < max_visits) {
			uint32_t idx = l->head;
			struct ct_flow *f = &t->flows[idx];

			if (f->list_ns + timeout > now_ns)
				break; /* the rest of this list is younger */
			visits++;
			if (f->last_ns + timeout <= now_ns) {
				flow_delete(t, idx, timeout_reason(f));
				removed++;
			} else {
				list_unlink(t, idx);
				list_append(t, idx, now_ns);
			}
		}
	}
	/* Start with another list next time, so none waits behind a long one. */
	t->expire_cursor = (t->expire_cursor + 1) % WW_CT_FS_MAX;
	t->stats.expired += removed;
	return removed;
}

/* ---- table ---- */

/*
 * Entries to ask rte_hash for. Key slots: exactly max_flows, since the cap
 * is enforced here. Buckets: rte_hash makes entries rounded up to a power of
 * two slots; when that leaves under 1/8 headroom for cuckoo moves (max_flows
 * just below a power of two) one entry more than the power doubles the
 * buckets, for the price of one key slot rather than an eighth more keys and
 * flow entries (which would cost 14 bytes per flow).
 */
static uint32_t
hash_entries(uint32_t max_flows)
{
	uint32_t p2 = rte_align32pow2(max_flows);
	uint32_t e = max_flows;

	if ((uint64_t)max_flows * 9 > (uint64_t)p2 * 8)
		e = p2 + 1;
	return RTE_MAX(e, 2u * HASH_BUCKET_ENTRIES);
}

static bool
config_valid(const struct ww_ct_config *cfg)
{
	if (cfg == NULL || cfg->max_flows < 1 ||
	    cfg->max_flows > MAX_FLOWS_LIMIT ||
	    cfg->full_policy > WW_CT_FULL_EARLY_DROP)
		return false;
	for (unsigned int s = 0; s < WW_CT_FS_MAX; s++)
		if (cfg->timeout_s[s] < 1)
			return false;
	return true;
}

/* Mark every slot free: the active-timeout sweep skips free slots. */
static void
slots_free(struct ww_ct_table *t)
{
	for (uint32_t i = 0; i < t->nb_slots; i++)
		t->flows[i].state = FS_FREE;
}

static void
lists_reset(struct ww_ct_table *t)
{
	for (unsigned int s = 0; s < WW_CT_FS_MAX; s++)
		t->lists[s].head = t->lists[s].tail = NIL;
	t->stats.active = 0;
	memset(t->stats.by_state, 0, sizeof(t->stats.by_state));
}

struct ww_ct_table *
ww_ct_create(const char *name, const struct ww_ct_config *cfg, int socket_id)
{
	struct rte_hash_parameters hp = {
		.name = name,
		.key_len = sizeof(struct ww_ct_key),
		.hash_func = rte_hash_crc,
		.hash_func_init_val = 0,
		.socket_id = socket_id,
	};
	struct ww_ct_table *t;
	size_t before;
	int32_t max_id;
	int err;

	if (name == NULL || !config_valid(cfg)) {
		rte_errno = EINVAL;
		return NULL;
	}
	/* Creation is not on the fast path, and tables are made one at a
	 * time at start-up, so the heap's delta is this table's memory. */
	before = ww_heap_in_use();
	t = rte_zmalloc_socket("ww_ct", sizeof(*t), RTE_CACHE_LINE_SIZE,
			       socket_id);
	if (t == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	hp.entries = hash_entries(cfg->max_flows);
	t->h = rte_hash_create(&hp);
	if (t->h == NULL) {
		err = rte_errno == EEXIST ? EEXIST : ENOMEM;
		goto fail;
	}
	rte_hash_set_cmp_func(t->h, key_cmp);
	max_id = rte_hash_max_key_id(t->h);
	if (max_id < 0) {
		err = ENOMEM;
		goto fail;
	}
	t->flows = rte_zmalloc_socket("ww_ct_flows",
				      ((size_t)max_id + 1) * sizeof(*t->flows),
				      RTE_CACHE_LINE_SIZE, socket_id);
	if (t->flows == NULL) {
		err = ENOMEM;
		goto fail;
	}
	t->nb_slots = (uint32_t)max_id + 1;
	slots_free(t);
	t->max_flows = cfg->max_flows;
	t->full_policy = cfg->full_policy;
	t->strict = cfg->strict;
	for (unsigned int s = 0; s < WW_CT_FS_MAX; s++)
		t->timeout_ns[s] = (uint64_t)cfg->timeout_s[s] * NS_PER_SEC;
	lists_reset(t);
	t->stats.max_flows = cfg->max_flows;
	t->memory = ww_heap_in_use() - before;
	return t;

fail:
	rte_hash_free(t->h);
	rte_free(t);
	rte_errno = err;
	return NULL;
}

void
ww_ct_free(struct ww_ct_table *t)
{
	if (t == NULL)
		return;
	rte_hash_free(t->h);
	rte_free(t->flows);
	rte_free(t->recs);
	rte_free(t);
}

void
ww_ct_flush(struct ww_ct_table *t)
{
	ww_ct_export_all(t, WW_FLOW_END_FORCED);
	rte_hash_reset(t->h);
	lists_reset(t);
	slots_free(t);
}

int
ww_ct_set_records(struct ww_ct_table *t, ww_ct_record_fn fn, void *arg,
		  uint64_t active_ns)
{
	uint64_t ticks = active_ns >> EXPORT_TICK_SHIFT;

	t->active_ticks = (uint16_t)RTE_MAX(1u, RTE_MIN(ticks,
						(uint64_t)EXPORT_TICKS_MAX));
	if (fn == NULL) {
		rte_free(t->recs);
		t->recs = NULL;
		return 0;
	}
	if (t->recs == NULL) {
		t->recs = rte_zmalloc("ww_ct_recs",
				      (size_t)t->nb_slots * sizeof(*t->recs),
				      RTE_CACHE_LINE_SIZE);
		if (t->recs == NULL)
			return -ENOMEM;
		t->memory += (size_t)t->nb_slots * sizeof(*t->recs);
	}
	t->record_fn = fn;
	t->record_arg = arg;
	return 0;
}

/* Flow @p idx's key, or NULL if the slot holds no flow. */
static const struct ww_ct_key *
slot_key(const struct ww_ct_table *t, uint32_t idx)
{
	void *key;

	if (t->flows[idx].state == FS_FREE ||
	    rte_hash_get_key_with_position(t->h, (int32_t)idx, &key) != 0)
		return NULL;
	return key;
}

void
ww_ct_export_all(struct ww_ct_table *t, uint8_t reason)
{
	if (t->recs == NULL)
		return;
	for (uint32_t idx = 0; idx < t->nb_slots; idx++) {
		const struct ww_ct_key *key = slot_key(t, idx);

		if (key != NULL)
			record_emit(t, idx, key, reason, t->flows[idx].last_ns);
	}
}

void
ww_ct_get_stats(const struct ww_ct_table *t, struct ww_ct_stats *out)
{
	*out = t->stats;
}

size_t
ww_ct_memory(const struct ww_ct_table *t)
{
	return t->memory;
}

static void
flow_info(const struct ww_ct_table *t, uint32_t idx, struct ww_ct_flow_info *fi)
{
	const struct ct_flow *f = &t->flows[idx];
	const struct ww_ct_key *k;
	void *kp;
	unsigned int o;

	memset(fi, 0, sizeof(*fi));
	if (rte_hash_get_key_with_position(t->h, (int32_t)idx, &kp) != 0)
		return;
	k = kp;
	o = !f->opener_is_lo; /* key side of the opener */
	fi->family = k->family;
	fi->proto = k->proto;
	fi->state = f->state;
	fi->zone = k->zone;
	memcpy(fi->addr[0], k->addr[o], sizeof(fi->addr[0]));
	memcpy(fi->addr[1], k->addr[!o], sizeof(fi->addr[1]));
	fi->port[0] = k->port[o];
	fi->port[1] = k->port[!o];
	memcpy(fi->packets, f->packets, sizeof(fi->packets));
	memcpy(fi->bytes, f->bytes, sizeof(fi->bytes));
	fi->last_ns = f->last_ns;
	fi->expires_ns = f->last_ns + t->timeout_ns[f->state];
}

void
ww_ct_foreach(struct ww_ct_table *t, ww_ct_visit_fn fn, void *arg)
{
	struct ww_ct_flow_info fi;

	/* Every flow is on exactly one list: no need to scan the hash. */
	for (unsigned int s = 0; s < WW_CT_FS_MAX; s++)
		for (uint32_t i = t->lists[s].head; i != NIL;
		     i = t->flows[i].next) {
			flow_info(t, i, &fi);
			fn(&fi, arg);
		}
}

void
ww_ct_mark(struct ww_ct_table *t, uint32_t flow, uint8_t bits)
{
	if (flow != NIL && t->flows[flow].state != FS_FREE)
		t->flows[flow].mark |= bits;
}

void
ww_ct_close(struct ww_ct_table *t, uint32_t flow, uint64_t now_ns)
{
	struct ct_flow *f;

	if (flow == NIL)
		return;
	f = &t->flows[flow];
	if (f->state <= WW_CT_FS_TCP_TIME_WAIT)
		flow_set_state(t, flow, WW_CT_FS_TCP_CLOSE, now_ns);
}
