/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Block lists.
 *
 * What readers see:
 *   - exact[f]: a lock-free rte_hash per family, address -> bitmask of the
 *     sets holding it, never-block's bit left out (so an address only on
 *     never-block is a key with mask 0, which matches nothing). A mask is
 *     changed in place by rte_hash_add_key_data(), an atomic store; a
 *     deleted key's slot is reused only after the RCU grace period
 *     (rte_hash's own defer queue).
 *   - pub[f]: the prefixes (never-block excluded) of family f, or NULL
 *     when the family has none, so that readers then skip the prefix
 *     lookup altogether: an rte_lpm or rte_lpm6 and, next to it, a
 *     prefilter of 2^16 bits (8 KiB, which stays in L1/L2 where the LPM's
 *     64 MB tbl24 costs a TLB and a cache miss per lookup without
 *     hugepages). Only an address whose bit is set is looked up in the LPM:
 *       IPv4: bit = the address's top 16 bits. A prefix of length >= 16
 *         sets its one bit, a shorter one the 2^(16 - len) bits it covers.
 *       IPv6: a prefix of length 32 to 47 sets the bit of a hash of its
 *         top 32 bits, one of length >= 48 the bit of a hash of its top 48
 *         bits (another multiplier); an address is looked up when either
 *         of its two bits is set (each probe only while prefixes of its
 *         class exist). Prefixes shorter than 32 are rare: while there is
 *         one, every IPv6 address is looked up.
 *     The filter only says "maybe": the LPM has the last word, so a
 *     collision costs a lookup, never a wrong verdict.
 *
 * An LPM table and its filter are never changed while readers may be on
 * them. Each family keeps two copies with the same prefixes: the published
 * one and a spare no reader uses. A change is made on the spare, which is
 * then published by a pointer swap (one pointer to table and filter
 * together: a reader never pairs a table with another copy's filter); once
 * every reader passed a quiescent state the old copy is no longer read,
 * gets the same change and becomes the spare. A change thus costs two
 * small LPM updates and one grace period, not a new 64 MB table (the tbl24
 * of rte_lpm and of rte_lpm6 alone); a copy is built from scratch only the
 * first times and when it outgrows its rules or tbl8 groups. The writer
 * counts the prefixes per filter bit (fcnt[f], 256 KiB per family while it
 * has prefixes), so that a change rewrites just the bits it touches, from
 * the counts, in each copy (clearing a bit only when no other prefix
 * needs it), and a copy built anew gets every bit from them.
 *
 * What only the writer sees: one record per (set, address or prefix)
 * with its origin, times and reason. Records of one address are chained
 * from the address's position in its index (exact[f] for addresses, pfx
 * for prefixes: a position is a key's slot, stable while the key lives),
 * and every set links its records in a list, so that flush and foreach of
 * one set never look at the others. Expiring records sit in a binary
 * min-heap with lazy deletion: a refresh pushes a new item and leaves the
 * old one, which is dropped when it comes up (its time no longer matches
 * the record's), and the heap is compacted when stale items outnumber live
 * ones. Reasons are interned (most are a detector's event name).
 *
 * The read side neither locks, allocates nor logs.
 */
#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_lcore.h>
#include <rte_lpm.h>
#include <rte_lpm6.h>
#include <rte_malloc.h>

#include "util.h"
#include "blocklist.h"
#include "packet.h"

#define NIL UINT32_MAX
#define NS_PER_SEC UINT64_C(1000000000)
#define MAX_ENTRIES_LIMIT (1u << 26)
#define HASH_MIN_ENTRIES 8      /* rte_hash refuses fewer */
#define PFX_MAX 65536u          /* distinct prefixes (LPM next hops fit) */
#define REASONS_MAX 65536u      /* distinct reasons at a time */
#define REASON_LEN sizeof(((struct ww_bl_entry *)0)->reason)
#define SET_NAME_LEN sizeof(((struct ww_bl_entry *)0)->set)
#define CHUNK 32                /* packets per bulk lookup: 2 keys each */
#define LPM_MIN_RULES 64u
#define LPM_MIN_TBL8S 64u

/* Where a record's key lives: its family's exact table, or the prefixes. */
enum { K_V4 = 0, K_V6 = 1, K_PFX = 2, K_MAX, K_FREE = 0xff };

static_assert(2 * CHUNK <= RTE_HASH_LOOKUP_BULK_MAX, "one bulk per family");
static_assert(sizeof(void *) == sizeof(uint64_t),
	      "a set mask is stored as the hash's data pointer");
static_assert(WW_BL_SETS_MAX <= 64, "a set is a bit of a uint64_t");

struct bl_rec {
	uint64_t added_ns;
	uint64_t expires_ns;   /* 0: never */
	uint32_t next;         /* same key, another set; or the free list */
	uint32_t snext, sprev; /* the set's list */
	uint32_t pos;          /* key's position in its index */
	uint32_t reason;       /* position + 1 in the reason table; 0: none */
	uint8_t kind;          /* K_*, K_FREE when unused */
	uint8_t set;
	uint8_t origin;
	uint8_t pad;
};

/* Key of the prefix index (20 bytes: no padding hashed). */
struct bl_pkey {
	uint8_t family;
	uint8_t len;
	uint8_t pad[2];
	uint8_t addr[16];
};

static_assert(sizeof(struct bl_pkey) == 20, "prefix keys hash without padding");

struct bl_exp {
	uint64_t at;
	uint32_t rec;
};

/* Prefix filter: 2^16 bits, see the file comment. */
#define FLT_BITS 65536u
#define FLT_WORDS (FLT_BITS / 64)
/* IPv6 prefix classes: shorter than 32, 32 to 47, 48 and longer. */
enum { C6_SHORT = 0, C6_32, C6_48, C6_MAX };
#define F6_SHORT (1u << C6_SHORT)
#define F6_32 (1u << C6_32)
#define F6_48 (1u << C6_48)

/* What readers load: one LPM copy and the filter matching it. */
struct bl_pub {
	void *t;                 /* struct rte_lpm (IPv4) or rte_lpm6 (IPv6) */
	uint32_t classes;        /* IPv6: F6_* of the prefixes there */
	uint64_t bits[FLT_WORDS] __rte_cache_aligned;
};

/* One LPM copy, the writer's handle. */
struct bl_lpm {
	void *t;
	struct bl_pub *pub;      /* pub->t == t */
	size_t mem;
};

struct bl_set {
	char name[SET_NAME_LEN];
	uint32_t head, tail;      /* oldest first */
	uint32_t count;
};

struct ww_blocklist {
	/* Read by the workers. */
	struct rte_hash *exact[2];
	struct bl_pub *pub[2];    /* published copy, RCU; NULL: no prefix */
	uint32_t nb_exact[2];     /* keys in exact[f]: 0 lets readers skip it */

	/* The writer's. */
	struct rte_rcu_qsbr *rcu;
	int socket_id;
	uint32_t max_entries;
	uint32_t nb_entries;
	struct bl_rec *recs;
	uint32_t free_rec;
	uint32_t *heads[K_MAX];   /* first record per index position */
	struct rte_hash *pfx;
	struct rte_hash *reasons; /* REASON_LEN-byte keys */
	uint32_t *reason_refs;
	struct bl_lpm cur[2], spare[2];
	uint32_t nb_lpm[2];       /* prefixes in the LPM copies */
	uint32_t *fcnt[2];        /* prefixes per filter bit; NULL: none */
	uint32_t nb_class[C6_MAX]; /* IPv6 prefixes per class */
	uint32_t never_len[2][129]; /* never-block prefixes per length */
	struct bl_set sets[WW_BL_SETS_MAX];
	unsigned int nb_sets;
	int never;                /* never-block's index, -1 before it exists */
	uint64_t never_bit;
	struct bl_exp *heap;
	uint32_t heap_n, heap_cap;
	uint32_t nb_ttl;          /* records with an expiry */
	size_t mem_fixed;
};

static uint32_t name_seq;

/* rte_hash and rte_lpm6 derive ring and defer-queue names from the name
 * they are given, with prefixes, into 29 bytes: short unique names. */
static void
obj_name(char *buf, size_t size)
{
	snprintf(buf, size, "wwb%x",
		 __atomic_fetch_add(&name_seq, 1, __ATOMIC_RELAXED));
}

static void
bl_sync(const struct ww_blocklist *bl)
{
	if (bl->rcu != NULL)
		rte_rcu_qsbr_synchronize(bl->rcu, RTE_QSBR_THRID_INVALID);
}

/* ---- prefixes ---- */

static inline unsigned int
fam_idx(uint8_t family)
{
	return family == 6;
}

static inline unsigned int
addr_len(uint8_t family)
{
	return family == 6 ? 16 : 4;
}

static inline unsigned int
max_len(uint8_t family)
{
	return family == 6 ? 128 : 32;
}

static void
mask_addr(uint8_t *out, const uint8_t *addr, unsigned int len,
	  unsigned int alen)
{
	for (unsigned int i = 0; i < alen; i++) {
		unsigned int bits = len > 8 * i ? RTE_MIN(len - 8 * i, 8u) : 0;

		out[i] = addr[i] & (uint8_t)(0xff00 >> bits);
	}
}

static bool
host_bits_zero(const uint8_t *addr, unsigned int len, unsigned int alen)
{
	uint8_t m[16];

	mask_addr(m, addr, len, alen);
	return memcmp(m, addr, alen) == 0;
}

/* Length 0 is refused: rte_lpm cannot hold it, and a list matching every
 * address is a mistake. */
static bool
prefix_valid(const struct ww_bl_prefix *p)
{
	return p != NULL && (p->family == 4 || p->family == 6) &&
	       p->len >= 1 && p->len <= max_len(p->family) &&
	       host_bits_zero(p->addr, p->len, addr_len(p->family));
}

static inline bool
prefix_exact(const struct ww_bl_prefix *p)
{
	return p->len == max_len(p->family);
}

/* Does @p outer (length @p olen) contain @p addr? */
static bool
prefix_contains(const uint8_t *outer, unsigned int olen, const uint8_t *addr,
		unsigned int alen)
{
	uint8_t m[16];

	mask_addr(m, addr, olen, alen);
	return memcmp(m, outer, alen) == 0;
}

static void
pkey_fill(struct bl_pkey *k, uint8_t family, uint8_t len, const uint8_t *addr)
{
	memset(k, 0, sizeof(*k));
	k->family = family;
	k->len = len;
	memcpy(k->addr, addr, addr_len(family));
}

static void __rte_format_printf(3, 4)
msg_set(char *msg, size_t size, const char *fmt, ...)
{
	va_list ap;

	if (msg == NULL || size == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, size, fmt, ap);
	va_end(ap);
}

static int
parse_len(const char *s, unsigned int max, unsigned int *len)
{
	unsigned int v = 0;
	size_t n = strlen(s);

	/* Digits only: strtoul would take signs, spaces and hex. */
	if (n == 0 || n > 3)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned int)(s[i] - '0');
	}
	if (v < 1 || v > max)
		return -EINVAL;
	*len = v;
	return 0;
}

int
ww_bl_prefix_parse(const char *text, struct ww_bl_prefix *out, char *msg,
		   size_t size)
{
	char buf[INET6_ADDRSTRLEN + 8];
	struct ww_bl_prefix p;
	const char *slash;
	unsigned int len;
	size_t alen;

	if (text == NULL || text[0] == '\0') {
		msg_set(msg, size, "empty address");
		return -EINVAL;
	}
	slash = strchr(text, '/');
	alen = slash != NULL ? (size_t)(slash - text) : strlen(text);
	if (alen == 0 || alen >= INET6_ADDRSTRLEN) {
		msg_set(msg, size, "'%s' is not an IP address", text);
		return -EINVAL;
	}
	memcpy(buf, text, alen);
	buf[alen] = '\0';
	memset(&p, 0, sizeof(p));
	p.family = strchr(buf, ':') != NULL ? 6 : 4;
	if (inet_pton(p.family == 6 ? AF_INET6 : AF_INET, buf, p.addr) != 1) {
		msg_set(msg, size, "'%s' is not an IP%s address", buf,
			p.family == 6 ? "v6" : "v4");
		return -EINVAL;
	}
	len = max_len(p.family);
	if (slash != NULL && parse_len(slash + 1, max_len(p.family), &len)) {
		msg_set(msg, size, "bad prefix length '%s' (1 to %u)",
			slash + 1, max_len(p.family));
		return -EINVAL;
	}
	p.len = (uint8_t)len;
	if (!host_bits_zero(p.addr, p.len, addr_len(p.family))) {
		struct ww_bl_prefix net = p;
		char want[INET6_ADDRSTRLEN + 8];

		mask_addr(net.addr, p.addr, p.len, addr_len(p.family));
		ww_bl_prefix_format(&net, want, sizeof(want));
		msg_set(msg, size, "host bits set in '%s' (the network is %s)",
			text, want);
		return -EINVAL;
	}
	*out = p;
	return 0;
}

void
ww_bl_prefix_format(const struct ww_bl_prefix *p, char *buf, size_t size)
{
	char a[INET6_ADDRSTRLEN];

	if (size == 0)
		return;
	if (inet_ntop(p->family == 6 ? AF_INET6 : AF_INET, p->addr, a,
		      sizeof(a)) == NULL) {
		snprintf(buf, size, "?");
		return;
	}
	if (p->len >= max_len(p->family))
		snprintf(buf, size, "%s", a);
	else
		snprintf(buf, size, "%s/%u", a, p->len);
}

/* ---- sets ---- */

static bool
set_name_valid(const char *s)
{
	size_t n;

	if (s == NULL)
		return false;
	n = strlen(s);
	if (n == 0 || n >= SET_NAME_LEN)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '.' ||
		      c == '-'))
			return false;
	}
	return true;
}

static int
set_find(const struct ww_blocklist *bl, const char *name)
{
	for (unsigned int i = 0; i < bl->nb_sets; i++)
		if (strcmp(bl->sets[i].name, name) == 0)
			return (int)i;
	return -1;
}

static int
set_create(struct ww_blocklist *bl, const char *name)
{
	struct bl_set *s;

	if (bl->nb_sets == WW_BL_SETS_MAX)
		return -E2BIG;
	s = &bl->sets[bl->nb_sets];
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->head = s->tail = NIL;
	s->count = 0;
	if (strcmp(name, WW_BL_NEVER) == 0) {
		bl->never = (int)bl->nb_sets;
		bl->never_bit = UINT64_C(1) << bl->nb_sets;
	}
	return (int)bl->nb_sets++;
}

/* ---- reasons ---- */

static int
reason_get(struct ww_blocklist *bl, const char *text, uint32_t *out)
{
	char key[REASON_LEN];
	int32_t pos;

	*out = 0;
	if (text == NULL || text[0] == '\0')
		return 0;
	memset(key, 0, sizeof(key));
	snprintf(key, sizeof(key), "%s", text);
	pos = rte_hash_lookup(bl->reasons, key);
	if (pos < 0)
		pos = rte_hash_add_key(bl->reasons, key);
	if (pos < 0)
		return -ENOSPC;
	bl->reason_refs[pos]++;
	*out = (uint32_t)pos + 1;
	return 0;
}

static void
reason_put(struct ww_blocklist *bl, uint32_t r)
{
	char key[REASON_LEN];
	void *k;

	if (r == 0 || --bl->reason_refs[r - 1] > 0)
		return;
	if (rte_hash_get_key_with_position(bl->reasons, (int32_t)r - 1,
					   &k) == 0) {
		memcpy(key, k, sizeof(key));
		rte_hash_del_key(bl->reasons, key);
	}
}

static const char *
reason_text(const struct ww_blocklist *bl, uint32_t r)
{
	void *k;

	if (r == 0 || rte_hash_get_key_with_position(bl->reasons,
						     (int32_t)r - 1, &k) != 0)
		return "";
	return k;
}

/* ---- records and their keys ---- */

static inline uint64_t
fast_mask(const struct ww_blocklist *bl, uint64_t mask)
{
	return mask & ~bl->never_bit;
}

static uint64_t
chain_mask(const struct ww_blocklist *bl, unsigned int kind, uint32_t pos,
	   uint32_t skip)
{
	uint64_t mask = 0;

	for (uint32_t r = bl->heads[kind][pos]; r != NIL; r = bl->recs[r].next)
		if (r != skip)
			mask |= UINT64_C(1) << bl->recs[r].set;
	return mask;
}

static uint32_t
chain_find(const struct ww_blocklist *bl, unsigned int kind, uint32_t pos,
	   unsigned int set)
{
	for (uint32_t r = bl->heads[kind][pos]; r != NIL; r = bl->recs[r].next)
		if (bl->recs[r].set == set)
			return r;
	return NIL;
}

static inline struct rte_hash *
index_of(const struct ww_blocklist *bl, unsigned int kind)
{
	return kind == K_PFX ? bl->pfx : bl->exact[kind];
}

/* The key @p p is looked up with in its index, and which index. */
static const void *
index_key(const struct ww_bl_prefix *p, struct bl_pkey *pk,
	  unsigned int *kind)
{
	if (prefix_exact(p)) {
		*kind = fam_idx(p->family);
		return p->addr;
	}
	pkey_fill(pk, p->family, p->len, p->addr);
	*kind = K_PFX;
	return pk;
}

/* The prefix stored at @p pos of index @p kind. */
static int
key_prefix(const struct ww_blocklist *bl, unsigned int kind, uint32_t pos,
	   struct ww_bl_prefix *p)
{
	void *k;

	if (rte_hash_get_key_with_position(index_of(bl, kind), (int32_t)pos,
					   &k) != 0)
		return -ENOENT;
	memset(p, 0, sizeof(*p));
	if (kind == K_PFX) {
		const struct bl_pkey *pk = k;

		p->family = pk->family;
		p->len = pk->len;
		memcpy(p->addr, pk->addr, addr_len(pk->family));
	} else {
		p->family = kind == K_V6 ? 6 : 4;
		p->len = max_len(p->family);
		memcpy(p->addr, k, addr_len(p->family));
	}
	return 0;
}

static int32_t
exact_add_key(struct ww_blocklist *bl, unsigned int f, const void *key)
{
	struct rte_hash *h = bl->exact[f];
	int32_t pos;
	int ret;

	ret = rte_hash_add_key_data(h, key, NULL);
	/* Slots of deleted keys come back only after a grace period: when
	 * they are all that is left, wait for one. */
	if (ret == -ENOSPC && bl->rcu != NULL) {
		bl_sync(bl);
		ret = rte_hash_add_key_data(h, key, NULL);
	}
	if (ret < 0)
		return ret;
	pos = rte_hash_lookup(h, key);
	if (pos >= 0)
		__atomic_store_n(&bl->nb_exact[f], bl->nb_exact[f] + 1,
				 __ATOMIC_RELAXED);
	return pos;
}

static void
exact_del_key(struct ww_blocklist *bl, unsigned int f, const void *key)
{
	int32_t pos = rte_hash_del_key(bl->exact[f], key);

	if (pos < 0)
		return;
	/* Without RCU there is no reader to wait for (the lock-free table
	 * otherwise never frees the slot itself). */
	if (bl->rcu == NULL)
		rte_hash_free_key_with_position(bl->exact[f], pos);
	__atomic_store_n(&bl->nb_exact[f], bl->nb_exact[f] - 1,
			 __ATOMIC_RELAXED);
}

static int32_t
index_add(struct ww_blocklist *bl, unsigned int kind, const void *key)
{
	int32_t pos;

	if (kind == K_PFX)
		pos = rte_hash_add_key(bl->pfx, key);
	else
		pos = exact_add_key(bl, kind, key);
	if (pos >= 0)
		bl->heads[kind][pos] = NIL;
	return pos < 0 ? -ENOSPC : pos;
}

static void
index_del(struct ww_blocklist *bl, unsigned int kind, const void *key)
{
	if (kind == K_PFX)
		rte_hash_del_key(bl->pfx, key);
	else
		exact_del_key(bl, kind, key);
}

/* ---- prefix filter ---- */

#define FLT_MUL32 UINT64_C(0x9e3779b97f4a7c15)
#define FLT_MUL48 UINT64_C(0xc2b2ae3d27d4eb4f)

static inline uint32_t
load_addr4(const void *p)
{
	rte_be32_t a;

	memcpy(&a, p, sizeof(a));
	return rte_be_to_cpu_32(a);
}

/* The top 64 bits of an IPv6 address, in host order. */
static inline uint64_t
load_hi64(const void *p)
{
	rte_be64_t a;

	memcpy(&a, p, sizeof(a));
	return rte_be_to_cpu_64(a);
}

static inline unsigned int
v6_class(unsigned int len)
{
	return len < 32 ? C6_SHORT : len < 48 ? C6_32 : C6_48;
}

/* The filter bit of an IPv6 address (top 64 bits @p hi) for prefixes of
 * class C6_32 or C6_48: a multiplicative hash of its top 32 or 48 bits. */
static inline uint32_t
v6_bit(uint64_t hi, unsigned int cls)
{
	return cls == C6_32 ? (uint32_t)(((hi >> 32) * FLT_MUL32) >> 48) :
			      (uint32_t)(((hi >> 16) * FLT_MUL48) >> 48);
}

static inline bool
flt_test(const struct bl_pub *p, uint32_t bit)
{
	return p->bits[bit / 64] >> (bit % 64) & 1;
}

static inline bool
flt_maybe4(const struct bl_pub *p, uint32_t a)
{
	return flt_test(p, a >> 16);
}

static inline bool
flt_maybe6(const struct bl_pub *p, const void *addr)
{
	uint32_t c = p->classes;
	uint64_t hi;

	if (c & F6_SHORT)
		return true;
	hi = load_hi64(addr);
	return ((c & F6_32) && flt_test(p, v6_bit(hi, C6_32))) ||
	       ((c & F6_48) && flt_test(p, v6_bit(hi, C6_48)));
}

/* The filter bits of prefix @p k of family @p f: [*first, *first + n),
 * n returned (0: an IPv6 prefix shorter than 32, which has no bit). */
static uint32_t
flt_range(unsigned int f, const struct bl_pkey *k, uint32_t *first)
{
	unsigned int cls;

	*first = 0;
	if (f == 0) {
		/* Host bits are zero: a short prefix starts its range. */
		*first = load_addr4(k->addr) >> 16;
		return k->len >= 16 ? 1 : 1u << (16 - k->len);
	}
	cls = v6_class(k->len);
	if (cls == C6_SHORT)
		return 0;
	*first = v6_bit(load_hi64(k->addr), cls);
	return 1;
}

/* Count @p k in (or out of) family @p f's filter bits and classes. */
static void
flt_count(struct ww_blocklist *bl, unsigned int f, const struct bl_pkey *k,
	  bool add)
{
	uint32_t first, n = flt_range(f, k, &first);

	for (uint32_t b = first; b < first + n; b++)
		bl->fcnt[f][b] += add ? 1 : (uint32_t)-1;
	if (f == 1)
		bl->nb_class[v6_class(k->len)] += add ? 1 : (uint32_t)-1;
}

/* Bring the bits of @p k (every bit: @p k NULL) and the classes of copy
 * @p pub in line with the counts. */
static void
flt_sync(const struct ww_blocklist *bl, unsigned int f,
	 const struct bl_pkey *k, struct bl_pub *pub)
{
	uint32_t first = 0, n = FLT_BITS;

	if (k != NULL)
		n = flt_range(f, k, &first);
	for (uint32_t b = first; b < first + n; b++) {
		uint64_t m = UINT64_C(1) << (b % 64);

		if (bl->fcnt[f][b] != 0)
			pub->bits[b / 64] |= m;
		else
			pub->bits[b / 64] &= ~m;
	}
	pub->classes = 0;
	for (unsigned int c = 0; f == 1 && c < C6_MAX; c++)
		if (bl->nb_class[c] != 0)
			pub->classes |= 1u << c;
}

static size_t
flt_count_size(void)
{
	return FLT_BITS * sizeof(uint32_t);
}

/* ---- LPM copies ---- */

static void
lpm_free(unsigned int f, struct bl_lpm *l)
{
	if (l->t != NULL) {
		if (f == 0)
			rte_lpm_free(l->t);
		else
			rte_lpm6_free(l->t);
	}
	rte_free(l->pub);
	l->t = NULL;
	l->pub = NULL;
	l->mem = 0;
}

static int
lpm_apply(unsigned int f, void *t, const struct bl_pkey *k, bool add,
	  uint32_t nh)
{
	if (f == 0) {
		rte_be32_t a;

		memcpy(&a, k->addr, sizeof(a));
		return add ? rte_lpm_add(t, rte_be_to_cpu_32(a), k->len, nh) :
			     rte_lpm_delete(t, rte_be_to_cpu_32(a), k->len);
	}
	return add ? rte_lpm6_add(t, k->addr, k->len, nh) :
		     rte_lpm6_delete(t, k->addr, k->len);
}

/* tbl8 groups a prefix may need: one per byte past the first 24 bits. */
static inline uint32_t
tbl8_need(unsigned int f, unsigned int len)
{
	if (len <= 24)
		return 0;
	return f == 0 ? 1 : (len - 24 + 7) / 8;
}

/* Is @p key in family @p f's LPM once @p k is added or removed? */
static bool
lpm_member(const struct ww_blocklist *bl, unsigned int f,
	   const struct bl_pkey *key, uint32_t pos, const struct bl_pkey *k,
	   bool add)
{
	if (key->family != (f == 0 ? 4 : 6))
		return false;
	if (memcmp(key, k, sizeof(*k)) == 0)
		return add;
	return fast_mask(bl, chain_mask(bl, K_PFX, pos, NIL)) != 0;
}

/* A new copy of family @p f's prefixes, @p k (in the prefix index)
 * added or removed, with room to grow. Next hops are index positions. */
static int
lpm_build(struct ww_blocklist *bl, unsigned int f, const struct bl_pkey *k,
	  bool add, struct bl_lpm *out)
{
	uint32_t rules = 0, tbl8s = 0, next = 0;
	const void *key;
	char name[RTE_LPM_NAMESIZE];
	size_t before;
	void *data;
	int32_t pos;
	int ret = 0;

	while ((pos = rte_hash_iterate(bl->pfx, &key, &data, &next)) >= 0) {
		if (!lpm_member(bl, f, key, (uint32_t)pos, k, add))
			continue;
		rules++;
		tbl8s += tbl8_need(f, ((const struct bl_pkey *)key)->len);
	}
	obj_name(name, sizeof(name));
	before = ww_heap_in_use();
	out->pub = rte_zmalloc_socket("ww_bl_filter", sizeof(*out->pub),
				      RTE_CACHE_LINE_SIZE, bl->socket_id);
	if (out->pub == NULL)
		return -ENOMEM;
	if (f == 0) {
		struct rte_lpm_config c = {
			.max_rules = RTE_MAX(2 * rules, LPM_MIN_RULES),
			.number_tbl8s = RTE_MAX(2 * tbl8s, LPM_MIN_TBL8S),
		};

		out->t = rte_lpm_create(name, bl->socket_id, &c);
	} else {
		struct rte_lpm6_config c = {
			.max_rules = RTE_MAX(2 * rules, LPM_MIN_RULES),
			.number_tbl8s = RTE_MAX(2 * tbl8s, LPM_MIN_TBL8S),
		};

		out->t = rte_lpm6_create(name, bl->socket_id, &c);
	}
	if (out->t == NULL) {
		lpm_free(f, out);
		return -ENOMEM;
	}
	out->pub->t = out->t;
	out->mem = ww_heap_in_use() - before;

	next = 0;
	while (ret == 0 &&
	       (pos = rte_hash_iterate(bl->pfx, &key, &data, &next)) >= 0)
		if (lpm_member(bl, f, key, (uint32_t)pos, k, add))
			ret = lpm_apply(f, out->t, key, true, (uint32_t)pos);
	if (ret != 0) {
		lpm_free(f, out);
		return -ENOMEM;
	}
	return 0;
}

/*
 * Add @p k to (or remove it from) family f's prefix lookup: the spare copy
 * (table and filter) is changed and published; after a grace period the
 * old copy gets the same change and becomes the spare. Both copies' filter
 * bits follow the counts, which hold the prefixes once the change is made.
 */
static int
lpm_change(struct ww_blocklist *bl, const struct bl_pkey *k, bool add,
	   uint32_t nh)
{
	unsigned int f = fam_idx(k->family);
	uint32_t nb = add ? bl->nb_lpm[f] + 1 : bl->nb_lpm[f] - 1;
	struct bl_lpm next = bl->spare[f], old = bl->cur[f];
	int ret;

	if (nb == 0) {
		__atomic_store_n(&bl->pub[f], NULL, __ATOMIC_RELEASE);
		bl_sync(bl);
		lpm_free(f, &bl->cur[f]);
		lpm_free(f, &bl->spare[f]);
		rte_free(bl->fcnt[f]);
		bl->fcnt[f] = NULL;
		if (f == 1)
			memset(bl->nb_class, 0, sizeof(bl->nb_class));
		bl->nb_lpm[f] = 0;
		return 0;
	}
	if (bl->fcnt[f] == NULL) {
		bl->fcnt[f] = rte_zmalloc_socket("ww_bl_fcnt",
						 flt_count_size(), 0,
						 bl->socket_id);
		if (bl->fcnt[f] == NULL)
			return -ENOMEM;
	}
	flt_count(bl, f, k, add);
	if (next.t != NULL && lpm_apply(f, next.t, k, add, nh) == 0) {
		flt_sync(bl, f, k, next.pub);
	} else {
		lpm_free(f, &next);
		bl->spare[f] = next;
		ret = lpm_build(bl, f, k, add, &next);
		if (ret != 0) {
			flt_count(bl, f, k, !add);
			return ret;
		}
		flt_sync(bl, f, NULL, next.pub);
	}
	__atomic_store_n(&bl->pub[f], next.pub, __ATOMIC_RELEASE);
	bl->cur[f] = next;
	bl_sync(bl);
	if (old.t != NULL) {
		if (lpm_apply(f, old.t, k, add, nh) != 0)
			lpm_free(f, &old); /* built anew at the next change */
		else
			flt_sync(bl, f, k, old.pub);
	}
	bl->spare[f] = old;
	bl->nb_lpm[f] = nb;
	return 0;
}

/* ---- expiry heap ---- */

static int
heap_reserve(struct ww_blocklist *bl)
{
	struct bl_exp *h;
	uint32_t cap;

	if (bl->heap_n < bl->heap_cap)
		return 0;
	cap = bl->heap_cap == 0 ? 64 : 2 * bl->heap_cap;
	h = realloc(bl->heap, (size_t)cap * sizeof(*h));
	if (h == NULL)
		return -ENOMEM;
	bl->heap = h;
	bl->heap_cap = cap;
	return 0;
}

static void
heap_down(struct bl_exp *h, uint32_t n, uint32_t i)
{
	struct bl_exp e = h[i];

	for (;;) {
		uint32_t c = 2 * i + 1;

		if (c >= n)
			break;
		if (c + 1 < n && h[c + 1].at < h[c].at)
			c++;
		if (h[c].at >= e.at)
			break;
		h[i] = h[c];
		i = c;
	}
	h[i] = e;
}

/* Room was made by heap_reserve(). */
static void
heap_push(struct ww_blocklist *bl, uint64_t at, uint32_t rec)
{
	struct bl_exp *h = bl->heap;
	uint32_t i = bl->heap_n++;

	while (i > 0 && h[(i - 1) / 2].at > at) {
		h[i] = h[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	h[i].at = at;
	h[i].rec = rec;
}

static void
heap_pop(struct ww_blocklist *bl)
{
	bl->heap[0] = bl->heap[--bl->heap_n];
	if (bl->heap_n > 0)
		heap_down(bl->heap, bl->heap_n, 0);
}

static inline bool
heap_item_live(const struct ww_blocklist *bl, const struct bl_exp *e)
{
	const struct bl_rec *r = &bl->recs[e->rec];

	return r->kind != K_FREE && r->expires_ns == e->at;
}

/* Drop the stale items once they outnumber the live ones. */
static void
heap_compact(struct ww_blocklist *bl)
{
	uint32_t n = 0;

	if (bl->heap_n <= 2 * bl->nb_ttl + 64)
		return;
	for (uint32_t i = 0; i < bl->heap_n; i++)
		if (heap_item_live(bl, &bl->heap[i]))
			bl->heap[n++] = bl->heap[i];
	bl->heap_n = n;
	for (uint32_t i = n / 2; i-- > 0;)
		heap_down(bl->heap, n, i);
}

static void
rec_set_expiry(struct ww_blocklist *bl, uint32_t ri, uint32_t ttl_s,
	       uint64_t now_ns)
{
	struct bl_rec *r = &bl->recs[ri];

	bl->nb_ttl -= r->expires_ns != 0;
	r->expires_ns = ttl_s == 0 ? 0 : now_ns + ttl_s * NS_PER_SEC;
	if (r->expires_ns != 0) {
		bl->nb_ttl++;
		heap_push(bl, r->expires_ns, ri);
	}
}

/* ---- never-block ---- */

/* Is an entry of never-block at @p pos of index @p kind? */
static bool
never_at(const struct ww_blocklist *bl, unsigned int kind, const void *key)
{
	int32_t pos = rte_hash_lookup(index_of(bl, kind), key);

	return pos >= 0 && chain_find(bl, kind, (uint32_t)pos,
				      (unsigned int)bl->never) != NIL;
}

/* Is @p p inside a never-block address or prefix? */
static bool
never_covers(const struct ww_blocklist *bl, const struct ww_bl_prefix *p)
{
	unsigned int f = fam_idx(p->family), alen = addr_len(p->family);
	struct bl_pkey pk;

	if (bl->never < 0)
		return false;
	if (prefix_exact(p) && never_at(bl, f, p->addr))
		return true;
	for (unsigned int len = 1; len <= p->len && len < max_len(p->family);
	     len++) {
		if (bl->never_len[f][len] == 0)
			continue;
		pkey_fill(&pk, p->family, (uint8_t)len, p->addr);
		mask_addr(pk.addr, p->addr, len, alen);
		if (never_at(bl, K_PFX, &pk))
			return true;
	}
	return false;
}

/* Does prefix @p p hold a never-block entry? */
static bool
never_inside(const struct ww_blocklist *bl, const struct ww_bl_prefix *p)
{
	struct ww_bl_prefix q;

	if (bl->never < 0 || prefix_exact(p))
		return false;
	for (uint32_t r = bl->sets[bl->never].head; r != NIL;
	     r = bl->recs[r].snext) {
		if (key_prefix(bl, bl->recs[r].kind, bl->recs[r].pos, &q) != 0)
			continue;
		if (q.family == p->family && q.len >= p->len &&
		    prefix_contains(p->addr, p->len, q.addr,
				    addr_len(p->family)))
			return true;
	}
	return false;
}

bool
ww_blocklist_never(const struct ww_blocklist *bl,
		   const struct ww_bl_prefix *p)
{
	return prefix_valid(p) && never_covers(bl, p);
}

/* ---- add, remove ---- */

static uint32_t
rec_alloc(struct ww_blocklist *bl)
{
	uint32_t ri = bl->free_rec;

	bl->free_rec = bl->recs[ri].next;
	return ri;
}

static void
rec_release(struct ww_blocklist *bl, uint32_t ri)
{
	bl->recs[ri].kind = K_FREE;
	bl->recs[ri].next = bl->free_rec;
	bl->free_rec = ri;
}

static void
rec_link(struct ww_blocklist *bl, uint32_t ri)
{
	struct bl_rec *r = &bl->recs[ri];
	struct bl_set *s = &bl->sets[r->set];

	r->next = bl->heads[r->kind][r->pos];
	bl->heads[r->kind][r->pos] = ri;
	r->snext = NIL;
	r->sprev = s->tail;
	if (s->tail == NIL)
		s->head = ri;
	else
		bl->recs[s->tail].snext = ri;
	s->tail = ri;
	s->count++;
	bl->nb_entries++;
}

static void
rec_unlink(struct ww_blocklist *bl, uint32_t ri)
{
	struct bl_rec *r = &bl->recs[ri];
	struct bl_set *s = &bl->sets[r->set];
	uint32_t *pp = &bl->heads[r->kind][r->pos];

	while (*pp != ri)
		pp = &bl->recs[*pp].next;
	*pp = r->next;
	if (r->sprev == NIL)
		s->head = r->snext;
	else
		bl->recs[r->sprev].snext = r->snext;
	if (r->snext == NIL)
		s->tail = r->sprev;
	else
		bl->recs[r->snext].sprev = r->sprev;
	s->count--;
	bl->nb_entries--;
}

/* The mask readers see for an exact key, after its chain changed. */
static void
exact_publish(struct ww_blocklist *bl, unsigned int f, uint32_t pos,
	      const void *key)
{
	uint64_t m = fast_mask(bl, chain_mask(bl, f, pos, NIL));

	/* An existing key: only its data changes, atomically. */
	rte_hash_add_key_data(bl->exact[f], key, (void *)(uintptr_t)m);
}

static int
rec_remove(struct ww_blocklist *bl, uint32_t ri)
{
	struct bl_rec *r = &bl->recs[ri];
	uint32_t pos = r->pos;
	struct ww_bl_prefix p;
	struct bl_pkey pk;
	unsigned int kind;
	const void *key;
	int ret;

	if (key_prefix(bl, r->kind, pos, &p) != 0)
		return -ENOENT;
	key = index_key(&p, &pk, &kind);
	if (kind == K_PFX &&
	    fast_mask(bl, chain_mask(bl, kind, pos, NIL)) != 0 &&
	    fast_mask(bl, chain_mask(bl, kind, pos, ri)) == 0) {
		ret = lpm_change(bl, &pk, false, pos);
		if (ret != 0)
			return ret;
	}
	if (kind == K_PFX && r->set == bl->never)
		bl->never_len[fam_idx(p.family)][p.len]--;
	rec_unlink(bl, ri);
	reason_put(bl, r->reason);
	bl->nb_ttl -= r->expires_ns != 0;
	rec_release(bl, ri);
	if (bl->heads[kind][pos] == NIL)
		index_del(bl, kind, key);
	else if (kind != K_PFX)
		exact_publish(bl, kind, pos, key);
	return 0;
}

static int
rec_refresh(struct ww_blocklist *bl, uint32_t ri, uint32_t ttl_s,
	    uint8_t origin, const char *reason, uint64_t now_ns)
{
	struct bl_rec *r = &bl->recs[ri];
	uint32_t rs;
	int ret;

	ret = ttl_s != 0 ? heap_reserve(bl) : 0;
	if (ret == 0)
		ret = reason_get(bl, reason, &rs);
	if (ret != 0)
		return ret;
	reason_put(bl, r->reason);
	r->reason = rs;
	r->origin = origin;
	rec_set_expiry(bl, ri, ttl_s, now_ns);
	heap_compact(bl);
	return 0;
}

/* The index position of a new record of @p set, the key added if new and,
 * for a prefix that readers did not match yet, put in the LPM. */
static int32_t
rec_position(struct ww_blocklist *bl, unsigned int set, unsigned int kind,
	     const void *key, int32_t pos, const struct ww_bl_prefix *p)
{
	bool new_key = pos < 0;
	int ret;

	if (new_key) {
		pos = index_add(bl, kind, key);
		if (pos < 0)
			return pos;
	}
	if (kind != K_PFX)
		return pos;
	if (fast_mask(bl, UINT64_C(1) << set) != 0 &&
	    fast_mask(bl, chain_mask(bl, kind, (uint32_t)pos, NIL)) == 0) {
		ret = lpm_change(bl, key, true, (uint32_t)pos);
		if (ret != 0) {
			if (new_key)
				index_del(bl, kind, key);
			return ret;
		}
	}
	if ((int)set == bl->never)
		bl->never_len[fam_idx(p->family)][p->len]++;
	return pos;
}

int
ww_blocklist_add(struct ww_blocklist *bl, const char *set,
		 const struct ww_bl_prefix *p, uint32_t ttl_s, uint8_t origin,
		 const char *reason, uint64_t now_ns)
{
	struct bl_pkey pk;
	const void *key;
	unsigned int kind;
	int32_t pos;
	uint32_t ri, rs;
	int s, ret;

	if (!set_name_valid(set) || !prefix_valid(p) || origin > WW_BL_AUTO)
		return -EINVAL;
	if (origin == WW_BL_AUTO &&
	    (never_covers(bl, p) || never_inside(bl, p)))
		return -EPERM;
	key = index_key(p, &pk, &kind);
	pos = rte_hash_lookup(index_of(bl, kind), key);
	s = set_find(bl, set);
	if (s >= 0 && pos >= 0) {
		ri = chain_find(bl, kind, (uint32_t)pos, (unsigned int)s);
		if (ri != NIL)
			return rec_refresh(bl, ri, ttl_s, origin, reason,
					   now_ns);
	}
	if (bl->nb_entries >= bl->max_entries)
		return -ENOSPC;
	if (s < 0) {
		s = set_create(bl, set);
		if (s < 0)
			return s;
	}
	ret = ttl_s != 0 ? heap_reserve(bl) : 0;
	if (ret == 0)
		ret = reason_get(bl, reason, &rs);
	if (ret != 0)
		return ret;
	pos = rec_position(bl, (unsigned int)s, kind, key, pos, p);
	if (pos < 0) {
		reason_put(bl, rs);
		return (int)pos;
	}
	ri = rec_alloc(bl);
	bl->recs[ri] = (struct bl_rec){
		.added_ns = now_ns,
		.pos = (uint32_t)pos,
		.reason = rs,
		.kind = (uint8_t)kind,
		.set = (uint8_t)s,
		.origin = origin,
	};
	rec_link(bl, ri);
	rec_set_expiry(bl, ri, ttl_s, now_ns);
	if (kind != K_PFX)
		exact_publish(bl, kind, (uint32_t)pos, key);
	return 0;
}

int
ww_blocklist_del(struct ww_blocklist *bl, const char *set,
		 const struct ww_bl_prefix *p)
{
	struct bl_pkey pk;
	const void *key;
	unsigned int kind;
	int32_t pos;
	uint32_t ri, next;
	int s = -1, found = 0, ret;

	if (!prefix_valid(p))
		return -ENOENT;
	if (set != NULL && (s = set_find(bl, set)) < 0)
		return -ENOENT;
	key = index_key(p, &pk, &kind);
	pos = rte_hash_lookup(index_of(bl, kind), key);
	if (pos < 0)
		return -ENOENT;
	/* The last removal deletes the key: walk a copy of the chain. */
	for (ri = bl->heads[kind][pos]; ri != NIL; ri = next) {
		next = bl->recs[ri].next;
		if (s >= 0 && bl->recs[ri].set != (unsigned int)s)
			continue;
		ret = rec_remove(bl, ri);
		if (ret != 0)
			return ret;
		found = 1;
	}
	return found ? 0 : -ENOENT;
}

unsigned int
ww_blocklist_flush(struct ww_blocklist *bl, const char *set)
{
	unsigned int n = 0;

	for (unsigned int s = 0; s < bl->nb_sets; s++) {
		uint32_t ri, next;

		if (set != NULL && strcmp(bl->sets[s].name, set) != 0)
			continue;
		for (ri = bl->sets[s].head; ri != NIL; ri = next) {
			next = bl->recs[ri].snext;
			n += rec_remove(bl, ri) == 0;
		}
	}
	heap_compact(bl);
	return n;
}

unsigned int
ww_blocklist_expire(struct ww_blocklist *bl, uint64_t now_ns)
{
	unsigned int n = 0;

	while (bl->heap_n > 0 && bl->heap[0].at <= now_ns) {
		struct bl_exp e = bl->heap[0];

		if (!heap_item_live(bl, &e)) {
			heap_pop(bl);
			continue;
		}
		/* A failed removal (no memory for a new LPM copy) stays on
		 * the heap for the next call. */
		if (rec_remove(bl, e.rec) != 0)
			break;
		heap_pop(bl);
		n++;
	}
	heap_compact(bl);
	return n;
}

/* ---- listing ---- */

void
ww_blocklist_foreach(const struct ww_blocklist *bl, const char *set,
		     ww_bl_visit_fn fn, void *arg)
{
	struct ww_bl_entry e;

	for (unsigned int s = 0; s < bl->nb_sets; s++) {
		uint32_t ri, next;

		if (set != NULL && strcmp(bl->sets[s].name, set) != 0)
			continue;
		for (ri = bl->sets[s].head; ri != NIL; ri = next) {
			const struct bl_rec *r = &bl->recs[ri];

			/* The visitor may delete the entry it is shown. */
			next = r->snext;
			memset(&e, 0, sizeof(e));
			if (key_prefix(bl, r->kind, r->pos, &e.prefix) != 0)
				continue;
			snprintf(e.set, sizeof(e.set), "%s", bl->sets[s].name);
			e.origin = r->origin;
			e.added_ns = r->added_ns;
			e.expires_ns = r->expires_ns;
			snprintf(e.reason, sizeof(e.reason), "%s",
				 reason_text(bl, r->reason));
			if (fn(&e, arg) != 0)
				return;
		}
	}
}

unsigned int
ww_blocklist_count(const struct ww_blocklist *bl, const char *set)
{
	int s;

	if (set == NULL)
		return bl->nb_entries;
	s = set_find(bl, set);
	return s < 0 ? 0 : bl->sets[s].count;
}

unsigned int
ww_blocklist_sets(const struct ww_blocklist *bl, const char **names,
		  unsigned int max)
{
	unsigned int n = RTE_MIN(max, bl->nb_sets);

	for (unsigned int i = 0; i < n; i++)
		names[i] = bl->sets[i].name;
	return n;
}

size_t
ww_blocklist_memory(const struct ww_blocklist *bl)
{
	size_t m = bl->mem_fixed + (size_t)bl->heap_cap * sizeof(*bl->heap);

	for (unsigned int f = 0; f < 2; f++) {
		m += bl->cur[f].mem + bl->spare[f].mem;
		if (bl->fcnt[f] != NULL)
			m += flt_count_size();
	}
	return m;
}

/* ---- create, free ---- */

/* rte_hash_crc() of the key, read through memcpy: keys are addresses in
 * packets and in struct ww_bl_prefix, only 2-byte aligned. */
static uint32_t
hash_key(const void *key, uint32_t len, uint32_t init)
{
	const uint8_t *p = key;
	uint32_t crc = init, i = 0;
	uint64_t w;
	uint32_t v;

	for (; i + 8 <= len; i += 8) {
		memcpy(&w, p + i, 8);
		crc = rte_hash_crc_8byte(w, crc);
	}
	if (i + 4 <= len) {
		memcpy(&v, p + i, 4);
		crc = rte_hash_crc_4byte(v, crc);
		i += 4;
	}
	for (; i < len; i++)
		crc = rte_hash_crc_1byte(p[i], crc);
	return crc;
}

static struct rte_hash *
hash_create(uint32_t entries, uint32_t key_len, bool lock_free,
	    int socket_id)
{
	char name[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = RTE_MAX(entries, (uint32_t)HASH_MIN_ENTRIES),
		.key_len = key_len,
		.hash_func = hash_key,
		.socket_id = socket_id,
		/* The extendable table takes whatever cuckoo cannot place:
		 * max_entries keys always fit. */
		.extra_flag = lock_free ?
			RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF |
			RTE_HASH_EXTRA_FLAGS_EXT_TABLE : 0,
	};

	obj_name(name, sizeof(name));
	return rte_hash_create(&hp);
}

static int
cmp4(const void *a, const void *b, size_t len __rte_unused)
{
	uint32_t x, y;

	memcpy(&x, a, 4);
	memcpy(&y, b, 4);
	return x != y;
}

static int
create_tables(struct ww_blocklist *bl, uint32_t max_entries)
{
	uint32_t pfx_cap = RTE_MIN(max_entries, PFX_MAX);
	uint32_t reasons_cap = RTE_MIN(max_entries, REASONS_MAX);
	size_t n;

	for (unsigned int f = 0; f < 2; f++) {
		bl->exact[f] = hash_create(max_entries, addr_len(f ? 6 : 4),
					   true, bl->socket_id);
		if (bl->exact[f] == NULL)
			return -ENOMEM;
		if (bl->rcu != NULL) {
			struct rte_hash_rcu_config rc = {
				.v = bl->rcu,
				.mode = RTE_HASH_QSBR_MODE_DQ,
			};

			if (rte_hash_rcu_qsbr_add(bl->exact[f], &rc) != 0)
				return -ENOMEM;
		}
	}
	/* memcmp is what rte_hash calls for keys of 4 bytes. */
	rte_hash_set_cmp_func(bl->exact[0], cmp4);
	bl->pfx = hash_create(pfx_cap, sizeof(struct bl_pkey), false,
			      bl->socket_id);
	bl->reasons = hash_create(reasons_cap, REASON_LEN, false,
				  bl->socket_id);
	if (bl->pfx == NULL || bl->reasons == NULL)
		return -ENOMEM;
	for (unsigned int k = 0; k < K_MAX; k++) {
		n = (size_t)rte_hash_max_key_id(index_of(bl, k)) + 1;
		bl->heads[k] = rte_malloc_socket("ww_bl_heads",
						 n * sizeof(uint32_t), 0,
						 bl->socket_id);
		if (bl->heads[k] == NULL)
			return -ENOMEM;
	}
	n = (size_t)rte_hash_max_key_id(bl->reasons) + 1;
	bl->reason_refs = rte_zmalloc_socket("ww_bl_reasons",
					     n * sizeof(uint32_t), 0,
					     bl->socket_id);
	bl->recs = rte_malloc_socket("ww_bl_recs",
				     (size_t)max_entries * sizeof(*bl->recs),
				     RTE_CACHE_LINE_SIZE, bl->socket_id);
	if (bl->reason_refs == NULL || bl->recs == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < max_entries; i++) {
		bl->recs[i].kind = K_FREE;
		bl->recs[i].next = i + 1 < max_entries ? i + 1 : NIL;
	}
	bl->free_rec = 0;
	return 0;
}

static void
release_tables(struct ww_blocklist *bl)
{
	for (unsigned int f = 0; f < 2; f++) {
		lpm_free(f, &bl->cur[f]);
		lpm_free(f, &bl->spare[f]);
		rte_free(bl->fcnt[f]);
		rte_hash_free(bl->exact[f]);
	}
	rte_hash_free(bl->pfx);
	rte_hash_free(bl->reasons);
	for (unsigned int k = 0; k < K_MAX; k++)
		rte_free(bl->heads[k]);
	rte_free(bl->reason_refs);
	rte_free(bl->recs);
	free(bl->heap);
}

struct ww_blocklist *
ww_blocklist_create(const char *name, uint32_t max_entries,
		    struct rte_rcu_qsbr *rcu, int socket_id)
{
	struct ww_blocklist *bl;
	size_t before;
	int ret;

	if (name == NULL || max_entries == 0 ||
	    max_entries > MAX_ENTRIES_LIMIT) {
		rte_errno = EINVAL;
		return NULL;
	}
	/* Made at start-up, one at a time: the heap's growth is ours. */
	before = ww_heap_in_use();
	bl = rte_zmalloc_socket("ww_blocklist", sizeof(*bl),
				RTE_CACHE_LINE_SIZE, socket_id);
	if (bl == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	bl->rcu = rcu;
	bl->socket_id = socket_id;
	bl->max_entries = max_entries;
	bl->never = -1;
	ret = create_tables(bl, max_entries);
	if (ret != 0) {
		release_tables(bl);
		rte_free(bl);
		rte_errno = -ret;
		return NULL;
	}
	bl->mem_fixed = ww_heap_in_use() - before;
	return bl;
}

void
ww_blocklist_free(struct ww_blocklist *bl)
{
	if (bl == NULL)
		return;
	/* Lets rte_hash reclaim every deferred slot before it goes. */
	bl_sync(bl);
	release_tables(bl);
	rte_free(bl);
}

/* ---- the read side ---- */

struct bl_gather {
	const void *keys[2 * CHUNK]; /* source, destination of each packet */
	uint16_t idx[CHUNK];
	unsigned int n;
};

static inline void
gather(struct bl_gather *g, uint16_t i, const uint8_t *src,
       const uint8_t *dst)
{
	g->keys[2 * g->n] = src;
	g->keys[2 * g->n + 1] = dst;
	g->idx[g->n++] = i;
}

static inline uint8_t
verdict_of(bool src, bool dst)
{
	return src ? 1 : dst ? 2 : 0;
}

static inline void
exact_lookup(const struct rte_hash *h, struct bl_gather *g,
	     uint8_t *hit)
{
	void *data[2 * CHUNK];
	uint64_t hits = 0;

	rte_hash_lookup_bulk_data(h, g->keys, 2 * g->n, &hits, data);
	for (unsigned int j = 0; j < g->n; j++) {
		bool s = (hits >> (2 * j) & 1) && data[2 * j] != NULL;
		bool d = (hits >> (2 * j + 1) & 1) && data[2 * j + 1] != NULL;

		hit[g->idx[j]] = verdict_of(s, d);
	}
}

/* Prefixes, for the packets whose source is not already a hit: only the
 * addresses the filter lets through are looked up in the LPM. A source hit
 * makes the verdict 1, a destination hit 2 unless the source is one. */
static inline void
lpm4_lookup(const struct bl_pub *p, const struct bl_gather *g, uint8_t *hit)
{
	uint32_t ips[2 * CHUNK], nh[2 * CHUNK], who[2 * CHUNK];
	unsigned int n = 0;

	for (unsigned int j = 0; j < g->n; j++) {
		uint32_t i = g->idx[j], s, d;

		if (hit[i] == 1)
			continue;
		s = load_addr4(g->keys[2 * j]);
		d = load_addr4(g->keys[2 * j + 1]);
		if (flt_maybe4(p, s)) {
			ips[n] = s;
			who[n++] = i << 1;
		}
		if (flt_maybe4(p, d)) {
			ips[n] = d;
			who[n++] = i << 1 | 1;
		}
	}
	if (n == 0)
		return;
	rte_lpm_lookup_bulk(p->t, ips, nh, n);
	for (unsigned int j = 0; j < n; j++) {
		uint32_t i = who[j] >> 1;

		if (!(nh[j] & RTE_LPM_LOOKUP_SUCCESS))
			continue;
		if (!(who[j] & 1))
			hit[i] = 1;
		else if (hit[i] == 0)
			hit[i] = 2;
	}
}

static inline void
lpm6_lookup(const struct bl_pub *p, const struct bl_gather *g, uint8_t *hit)
{
	uint8_t ips[2 * CHUNK][RTE_LPM6_IPV6_ADDR_SIZE];
	int32_t nh[2 * CHUNK];
	uint32_t who[2 * CHUNK];
	unsigned int n = 0;

	for (unsigned int j = 0; j < g->n; j++) {
		uint32_t i = g->idx[j];

		if (hit[i] == 1)
			continue;
		for (unsigned int r = 0; r < 2; r++) {
			if (!flt_maybe6(p, g->keys[2 * j + r]))
				continue;
			memcpy(ips[n], g->keys[2 * j + r], 16);
			who[n++] = i << 1 | r;
		}
	}
	if (n == 0)
		return;
	rte_lpm6_lookup_bulk_func(p->t, ips, nh, n);
	for (unsigned int j = 0; j < n; j++) {
		uint32_t i = who[j] >> 1;

		if (nh[j] < 0)
			continue;
		if (!(who[j] & 1))
			hit[i] = 1;
		else if (hit[i] == 0)
			hit[i] = 2;
	}
}

uint16_t
ww_blocklist_lookup_burst(const struct ww_blocklist *bl,
			  struct rte_mbuf **pkts, uint16_t n, uint8_t *hit)
{
	/* Once per burst: the worker's quiescent state comes after it. */
	const struct bl_pub *pfx4 = __atomic_load_n(&bl->pub[0],
						    __ATOMIC_ACQUIRE);
	const struct bl_pub *pfx6 = __atomic_load_n(&bl->pub[1],
						    __ATOMIC_ACQUIRE);
	bool ex4 = __atomic_load_n(&bl->nb_exact[0], __ATOMIC_RELAXED) != 0;
	bool ex6 = __atomic_load_n(&bl->nb_exact[1], __ATOMIC_RELAXED) != 0;
	struct bl_gather g4, g6;
	uint16_t hits = 0;

	for (uint16_t base = 0; base < n; base += CHUNK) {
		uint16_t end = RTE_MIN((uint16_t)(base + CHUNK), n);

		g4.n = g6.n = 0;
		for (uint16_t i = base; i < end; i++) {
			const struct ww_pkt_meta *meta = ww_pkt_meta(pkts[i]);
			const uint8_t *ip;

			hit[i] = 0;
			if (meta->verdict == WW_VERDICT_DROP)
				continue;
			ip = rte_pktmbuf_mtod_offset(pkts[i], const uint8_t *,
						     meta->l3_off);
			if (meta->l3 == WW_L3_IPV4)
				gather(&g4, i, ip + 12, ip + 16);
			else if (meta->l3 == WW_L3_IPV6)
				gather(&g6, i, ip + 8, ip + 24);
		}
		if (g4.n > 0 && ex4)
			exact_lookup(bl->exact[0], &g4, hit);
		if (g4.n > 0 && pfx4 != NULL)
			lpm4_lookup(pfx4, &g4, hit);
		if (g6.n > 0 && ex6)
			exact_lookup(bl->exact[1], &g6, hit);
		if (g6.n > 0 && pfx6 != NULL)
			lpm6_lookup(pfx6, &g6, hit);
		for (uint16_t i = base; i < end; i++)
			hits += hit[i] != 0;
	}
	return hits;
}
