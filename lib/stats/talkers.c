/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Top talkers: a ring of buckets (window_s / 60 seconds each, by arrival
 * time), and in every bucket two Space-Saving summaries, one counting
 * bytes and one packets: an address heavy in bytes may be light in
 * packets, and each ranking needs its own guarantee.
 *
 * A summary keeps at most `capacity` addresses. A hash (open addressing,
 * linear probing, backward-shift deletion: no tombstones to pile up under
 * a stream of new addresses) finds an address; a min-heap of the kept
 * counts finds the one to evict. A record is at most four updates of
 * O(1) + O(log capacity), whatever the number of addresses seen.
 *
 * The window's top merges the live buckets. An address a full bucket
 * does not keep sent at most that bucket's smallest count there: that
 * much is added to its count and to its error, so every count is an
 * upper bound and count - error a lower one, as within one summary.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "talkers.h"

#define TK_BUCKETS 60
#define TK_CAPACITY_DEF 1024
#define TK_CAPACITY_MAX (1u << 20)
#define TK_WINDOW_DEF 3600
#define TK_EMPTY UINT32_MAX          /* no candidate (merge slots) */
#define SLOT_EMPTY UINT64_MAX        /* a free hash slot */

enum { M_BYTES, M_PACKETS, M_NB };

struct tk_key {
	uint8_t addr[16];            /* IPv4 in the first 4, then zeros */
	uint8_t family;              /* 4 or 6 */
};

struct tk_entry {
	struct tk_key key;
	uint32_t hash;
	uint32_t heap_pos;
	uint64_t error;              /* the count it inherited on eviction */
};

/* Counts live in the heap, next to each other: sifting compares them
 * without a jump to every entry. */
struct tk_hnode {
	uint64_t count;
	uint32_t idx;                /* entry */
};

struct tk_summary {
	struct tk_entry *e;          /* capacity */
	struct tk_hnode *heap;       /* capacity, the smallest count first */
	uint64_t *slot;              /* mask + 1: slot_make(), SLOT_EMPTY */
	uint32_t n;                  /* entries (and heap nodes) in use */
};

struct tk_bucket {
	bool used;
	uint64_t epoch;              /* now_s / width of its records */
	struct tk_summary m[M_NB];
};

struct ww_talkers {
	pthread_mutex_t lock;
	uint32_t capacity;
	uint32_t mask;               /* hash slots - 1 */
	uint32_t width;              /* seconds per bucket */
	uint32_t nb;                 /* buckets */
	uint64_t seed[2];
	struct tk_bucket *b;
	struct tk_entry *entries;    /* back every summary's arrays */
	struct tk_hnode *heaps;
	uint64_t *slots;
};

/* ---- hashing ---- */

static inline uint64_t
mum(uint64_t a, uint64_t b)
{
	__extension__ unsigned __int128 p = (unsigned __int128)a * b;

	return (uint64_t)p ^ (uint64_t)(p >> 64);
}

/* Sources are chosen by whoever sends the packets: the hash is keyed
 * with a random seed, so nobody can aim a flood at one probe chain. */
static inline uint32_t
key_hash(const struct ww_talkers *t, const struct tk_key *k)
{
	uint64_t lo, hi;

	memcpy(&lo, k->addr, sizeof(lo));
	memcpy(&hi, k->addr + 8, sizeof(hi));
	return (uint32_t)mum(mum(lo ^ t->seed[0], hi ^ t->seed[1] ^ k->family),
			     t->seed[0] ^ 0x9e3779b97f4a7c15ull);
}

static void
seed_init(uint64_t seed[2])
{
	if (getrandom(seed, 2 * sizeof(seed[0]), GRND_NONBLOCK) ==
	    (ssize_t)(2 * sizeof(seed[0])))
		return;
	/* no entropy yet (early boot): still different on every start */
	seed[0] = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ull;
	seed[1] = (uint64_t)(uintptr_t)seed ^ 0xc2b2ae3d27d4eb4full;
}

static inline bool
key_eq(const struct tk_key *a, const struct tk_key *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

/* A hash slot holds the entry's hash next to its index: probing compares
 * hashes without a jump to every entry on the way. */
static inline uint64_t
slot_make(uint32_t h, uint32_t x)
{
	return (uint64_t)h << 32 | x;
}

static inline uint32_t
slot_entry(uint64_t v)
{
	return (uint32_t)v;
}

static inline uint32_t
slot_home(const struct ww_talkers *t, uint64_t v)
{
	return (uint32_t)(v >> 32) & t->mask;
}

/* The slot holding @p k, or the free slot where it would go. */
static uint32_t
slot_find(const struct ww_talkers *t, const struct tk_summary *s,
	  const struct tk_key *k, uint32_t h)
{
	uint32_t i = h & t->mask;

	for (;; i = (i + 1) & t->mask) {
		uint64_t v = s->slot[i];

		if (v == SLOT_EMPTY || ((uint32_t)(v >> 32) == h &&
					key_eq(&s->e[slot_entry(v)].key, k)))
			return i;
	}
}

/* The slot of entry @p x, which is kept. */
static uint32_t
slot_of(const struct ww_talkers *t, const struct tk_summary *s, uint32_t x)
{
	uint32_t i = s->e[x].hash & t->mask;

	while (slot_entry(s->slot[i]) != x)
		i = (i + 1) & t->mask;
	return i;
}

/* Free slot @p hole, moving back the entries after it that probed past
 * it, so that every lookup still stops at the first free slot. */
static void
slot_del(const struct ww_talkers *t, struct tk_summary *s, uint32_t hole)
{
	uint32_t i = hole;

	for (;;) {
		uint32_t home;
		uint64_t v;

		i = (i + 1) & t->mask;
		v = s->slot[i];
		if (v == SLOT_EMPTY)
			break;
		home = slot_home(t, v);
		/* it may fill the hole if the hole lies between home and i */
		if (((i - home) & t->mask) >= ((i - hole) & t->mask)) {
			s->slot[hole] = v;
			hole = i;
		}
	}
	s->slot[hole] = SLOT_EMPTY;
}

/* ---- the min-heap ---- */

static inline void
heap_set(struct tk_summary *s, uint32_t pos, struct tk_hnode node)
{
	s->heap[pos] = node;
	s->e[node.idx].heap_pos = pos;
}

static void
sift_up(struct tk_summary *s, uint32_t pos)
{
	struct tk_hnode node = s->heap[pos];

	while (pos > 0) {
		uint32_t up = (pos - 1) / 2;

		if (s->heap[up].count <= node.count)
			break;
		heap_set(s, pos, s->heap[up]);
		pos = up;
	}
	heap_set(s, pos, node);
}

static void
sift_down(struct tk_summary *s, uint32_t pos)
{
	struct tk_hnode node = s->heap[pos];

	for (;;) {
		uint32_t c = 2 * pos + 1;

		if (c >= s->n)
			break;
		/* the smaller child, without a branch: it can't be
		 * predicted, and a miss per level would cost the most */
		if (c + 1 < s->n)
			c += s->heap[c + 1].count < s->heap[c].count;
		if (s->heap[c].count >= node.count)
			break;
		heap_set(s, pos, s->heap[c]);
		pos = c;
	}
	heap_set(s, pos, node);
}

/* ---- one summary ---- */

static void
summary_reset(const struct ww_talkers *t, struct tk_summary *s)
{
	s->n = 0;
	memset(s->slot, 0xff, ((size_t)t->mask + 1) * sizeof(*s->slot));
}

/* What an address absent from @p s sent at most: nothing if it never
 * evicted anyone, else the smallest kept count. */
static inline uint64_t
summary_floor(const struct ww_talkers *t, const struct tk_summary *s)
{
	return s->n < t->capacity ? 0 : s->heap[0].count;
}

/* The smallest count makes room for @p k, which inherits it as error.
 * @p at: the free slot found for @p k. */
static void
summary_evict(const struct ww_talkers *t, struct tk_summary *s,
	      const struct tk_key *k, uint32_t h, uint64_t w, uint32_t at)
{
	uint32_t x = s->heap[0].idx, old = slot_of(t, s, x);
	uint64_t floor = s->heap[0].count;
	struct tk_entry *e = &s->e[x];

	/* k in first, the victim out after: the deletion then moves k as it
	 * would any other key, and k's slot need not be looked for again */
	s->slot[at] = slot_make(h, x);
	slot_del(t, s, old);
	e->key = *k;
	e->hash = h;
	e->error = floor;
	s->heap[0].count = floor + w;
	sift_down(s, 0);
}

static void
summary_add(const struct ww_talkers *t, struct tk_summary *s,
	    const struct tk_key *k, uint32_t h, uint64_t w)
{
	uint32_t i = slot_find(t, s, k, h), x;
	struct tk_entry *e;

	if (s->slot[i] != SLOT_EMPTY) {
		x = slot_entry(s->slot[i]);
		s->heap[s->e[x].heap_pos].count += w;
		sift_down(s, s->e[x].heap_pos);
		return;
	}
	if (s->n == t->capacity) {
		summary_evict(t, s, k, h, w, i);
		return;
	}
	x = s->n++;
	e = &s->e[x];
	e->key = *k;
	e->hash = h;
	e->error = 0;
	s->slot[i] = slot_make(h, x);
	s->heap[x] = (struct tk_hnode){ .count = w, .idx = x };
	e->heap_pos = x;
	sift_up(s, x);
}

/* ---- the handle ---- */

static int
alloc_buckets(struct ww_talkers *t)
{
	size_t nsum = (size_t)t->nb * M_NB, cap = t->capacity;
	size_t nslot = (size_t)t->mask + 1;

	t->b = calloc(t->nb, sizeof(*t->b));
	t->entries = calloc(nsum * cap, sizeof(*t->entries));
	t->heaps = calloc(nsum * cap, sizeof(*t->heaps));
	t->slots = malloc(nsum * nslot * sizeof(*t->slots));
	if (t->b == NULL || t->entries == NULL || t->heaps == NULL ||
	    t->slots == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < nsum; i++) {
		struct tk_summary *s = &t->b[i / M_NB].m[i % M_NB];

		s->e = t->entries + i * cap;
		s->heap = t->heaps + i * cap;
		s->slot = t->slots + i * nslot;
		summary_reset(t, s);
	}
	return 0;
}

struct ww_talkers *
ww_talkers_create(unsigned int capacity, uint32_t window_s)
{
	struct ww_talkers *t;

	if (capacity == 0)
		capacity = TK_CAPACITY_DEF;
	if (window_s == 0)
		window_s = TK_WINDOW_DEF;
	if (capacity > TK_CAPACITY_MAX) {
		errno = EINVAL;
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	pthread_mutex_init(&t->lock, NULL);
	t->capacity = capacity;
	/* At least twice as many slots as entries, for short probe chains,
	 * and never full: an eviction holds capacity + 1 keys for a moment. */
	for (t->mask = 3; t->mask + 1 < 2 * capacity; t->mask = 2 * t->mask + 1)
		;
	t->width = (window_s + TK_BUCKETS - 1) / TK_BUCKETS;
	t->nb = (window_s + t->width - 1) / t->width;
	seed_init(t->seed);
	if (alloc_buckets(t) != 0) {
		ww_talkers_free(t);
		errno = ENOMEM;
		return NULL;
	}
	return t;
}

void
ww_talkers_free(struct ww_talkers *t)
{
	if (t == NULL)
		return;
	pthread_mutex_destroy(&t->lock);
	free(t->b);
	free(t->entries);
	free(t->heaps);
	free(t->slots);
	free(t);
}

/* ---- counting ---- */

/* The bucket of second @p now_s, emptied first if it holds another
 * epoch. That epoch is older by a whole window, or, if the clock went
 * back by more than the window, newer: @p now_s is when the record
 * arrived, the time now, and a clock set right (say from a wrong RTC
 * by NTP) must not leave the talkers blind until the wrong time comes
 * round again. A top at the new time does not see the newer buckets. */
static struct tk_bucket *
bucket_for(struct ww_talkers *t, uint64_t now_s)
{
	uint64_t epoch = now_s / t->width;
	struct tk_bucket *b = &t->b[epoch % t->nb];

	if (!b->used || b->epoch != epoch) {
		summary_reset(t, &b->m[M_BYTES]);
		summary_reset(t, &b->m[M_PACKETS]);
		b->used = true;
		b->epoch = epoch;
	}
	return b;
}

static inline void
key_set(struct tk_key *k, uint8_t family, const uint8_t *addr)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->addr, addr, family == 4 ? 4 : 16);
	k->family = family;
}

static void
count_side(const struct ww_talkers *t, struct tk_bucket *b,
	   const struct ww_flow_record *r, unsigned int side)
{
	struct tk_key k;
	uint32_t h;

	/* a zero would only push out someone who sent something */
	if (r->bytes[side] == 0 && r->packets[side] == 0)
		return;
	key_set(&k, r->family, r->addr[side]);
	h = key_hash(t, &k);
	if (r->bytes[side] != 0)
		summary_add(t, &b->m[M_BYTES], &k, h, r->bytes[side]);
	if (r->packets[side] != 0)
		summary_add(t, &b->m[M_PACKETS], &k, h, r->packets[side]);
}

void
ww_talkers_add(struct ww_talkers *t, const struct ww_flow_record *r,
	       uint64_t now_s)
{
	struct tk_bucket *b;

	if (t == NULL || r == NULL || (r->family != 4 && r->family != 6))
		return;
	pthread_mutex_lock(&t->lock);
	b = bucket_for(t, now_s);
	count_side(t, b, r, 0);
	count_side(t, b, r, 1);
	pthread_mutex_unlock(&t->lock);
}

/* ---- the window's top ---- */

/* An address of the merge: sums over the live buckets that keep it. */
struct tk_cand {
	struct tk_key key;
	uint32_t hash;
	uint64_t count;
	uint64_t error;
	uint64_t floors;             /* the floors of the buckets keeping it */
};

struct tk_merge {
	struct tk_cand *c;
	uint32_t n;
	uint32_t mask;
	uint32_t *slot;              /* a candidate, or TK_EMPTY */
	uint64_t floors;             /* the floors of all live buckets */
};

static bool
bucket_live(const struct ww_talkers *t, const struct tk_bucket *b,
	    uint64_t cur)
{
	return b->used && b->epoch <= cur && cur - b->epoch < t->nb;
}

static struct tk_cand *
merge_get(struct tk_merge *mg, const struct tk_entry *e)
{
	uint32_t i = e->hash & mg->mask;
	struct tk_cand *c;

	for (;; i = (i + 1) & mg->mask) {
		uint32_t x = mg->slot[i];

		if (x == TK_EMPTY)
			break;
		if (mg->c[x].hash == e->hash && key_eq(&mg->c[x].key, &e->key))
			return &mg->c[x];
	}
	mg->slot[i] = mg->n;
	c = &mg->c[mg->n++];
	memset(c, 0, sizeof(*c));
	c->key = e->key;
	c->hash = e->hash;
	return c;
}

static void
merge_summary(const struct ww_talkers *t, struct tk_merge *mg,
	      const struct tk_summary *s)
{
	uint64_t floor = summary_floor(t, s);

	mg->floors += floor;
	for (uint32_t i = 0; i < s->n; i++) {
		const struct tk_hnode *hn = &s->heap[i];
		const struct tk_entry *e = &s->e[hn->idx];
		struct tk_cand *c = merge_get(mg, e);

		c->count += hn->count;
		c->error += e->error;
		c->floors += floor;
	}
}

/* Every address the live buckets keep for metric @p m, with its count
 * and error over the window. Lock held. @return 0 or -ENOMEM. */
static int
merge(const struct ww_talkers *t, int m, uint64_t cur, struct tk_merge *mg)
{
	size_t total = 0, nslot = 2;

	memset(mg, 0, sizeof(*mg));
	for (uint32_t i = 0; i < t->nb; i++)
		if (bucket_live(t, &t->b[i], cur))
			total += t->b[i].m[m].n;
	while (nslot < 2 * total)
		nslot *= 2;
	mg->c = malloc((total ? total : 1) * sizeof(*mg->c));
	mg->slot = malloc(nslot * sizeof(*mg->slot));
	if (mg->c == NULL || mg->slot == NULL)
		return -ENOMEM;
	memset(mg->slot, 0xff, nslot * sizeof(*mg->slot));
	mg->mask = (uint32_t)(nslot - 1);
	for (uint32_t i = 0; i < t->nb; i++)
		if (bucket_live(t, &t->b[i], cur))
			merge_summary(t, mg, &t->b[i].m[m]);
	for (uint32_t i = 0; i < mg->n; i++) {
		uint64_t missing = mg->floors - mg->c[i].floors;

		mg->c[i].count += missing;
		mg->c[i].error += missing;
	}
	return 0;
}

/* The biggest first; equal counts in address order, for a stable list. */
static int
cand_cmp(const void *pa, const void *pb)
{
	const struct tk_cand *a = pa, *b = pb;

	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	return memcmp(&a->key, &b->key, sizeof(a->key));
}

/* @p k's count for metric @p m over the window, an upper bound as the
 * ranked one. Lock held. */
static uint64_t
window_count(const struct ww_talkers *t, int m, uint64_t cur,
	     const struct tk_key *k, uint32_t h)
{
	uint64_t sum = 0;

	for (uint32_t i = 0; i < t->nb; i++) {
		const struct tk_summary *s = &t->b[i].m[m];
		uint64_t v;

		if (!bucket_live(t, &t->b[i], cur))
			continue;
		v = s->slot[slot_find(t, s, k, h)];
		sum += v != SLOT_EMPTY ?
		       s->heap[s->e[slot_entry(v)].heap_pos].count :
		       summary_floor(t, s);
	}
	return sum;
}

static json_int_t
jint(uint64_t v)
{
	return v > (uint64_t)INT64_MAX ? INT64_MAX : (json_int_t)v;
}

static json_t *
talker_json(const struct tk_cand *c, uint64_t bytes, uint64_t packets)
{
	char buf[INET6_ADDRSTRLEN];

	if (inet_ntop(c->key.family == 4 ? AF_INET : AF_INET6, c->key.addr,
		      buf, sizeof(buf)) == NULL)
		return NULL;
	return json_pack("{s:s, s:I, s:I, s:I}", "addr", buf,
			 "bytes", jint(bytes), "packets", jint(packets),
			 "error", jint(c->error));
}

/* The first @p n candidates, sorted. Lock held. */
static json_t *
top_json(const struct ww_talkers *t, int m, uint64_t cur,
	 const struct tk_merge *mg, unsigned int n)
{
	json_t *out = json_array();

	for (uint32_t i = 0; out != NULL && i < n && i < mg->n; i++) {
		const struct tk_cand *c = &mg->c[i];
		uint64_t other = window_count(t, m == M_BYTES ? M_PACKETS :
					      M_BYTES, cur, &c->key, c->hash);

		if (json_array_append_new(out, talker_json(c,
				m == M_BYTES ? c->count : other,
				m == M_BYTES ? other : c->count)) != 0) {
			json_decref(out);
			out = NULL;
		}
	}
	return out;
}

json_t *
ww_talkers_top(struct ww_talkers *t, const char *by, unsigned int n,
	       uint64_t now_s)
{
	struct tk_merge mg;
	json_t *out = NULL;
	uint64_t cur;
	int m;

	if (t == NULL)
		return NULL;
	if (by == NULL || strcmp(by, "bytes") == 0)
		m = M_BYTES;
	else if (strcmp(by, "packets") == 0)
		m = M_PACKETS;
	else
		return NULL;
	cur = now_s / t->width;
	pthread_mutex_lock(&t->lock);
	if (merge(t, m, cur, &mg) == 0) {
		qsort(mg.c, mg.n, sizeof(*mg.c), cand_cmp);
		out = top_json(t, m, cur, &mg, n);
	}
	pthread_mutex_unlock(&t->lock);
	free(mg.c);
	free(mg.slot);
	return out;
}
