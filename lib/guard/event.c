/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Event aggregation in front of a worker's event ring. A direct-mapped
 * table of (kind, source) slots: the first event of a slot's window goes
 * out at once, repeats only bump a counter, and the window's end sends one
 * summary. A flood of a million packets makes two records per source and
 * window, and the ring never sees the flood.
 */
#include <errno.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_jhash.h>
#include <rte_malloc.h>

#include "guard.h"



struct agg_slot {
	bool used;
	uint32_t repeats;        /* events after the first, this window */
	uint64_t window_start;
	struct ww_event ev;      /* the first; the summary reuses it */
};

struct ww_event_agg {
	struct rte_ring *ring;
	uint32_t mask;
	uint32_t cursor;         /* tick's round robin */
	uint64_t lost;
	struct agg_slot slots[];
};

struct ww_event_agg *
ww_event_agg_create(const char *name, unsigned int slots, struct rte_ring *ring,
		    int socket_id)
{
	struct ww_event_agg *a;
	uint32_t n = rte_align32pow2(RTE_MAX(slots, 16u));

	a = rte_zmalloc_socket(name, sizeof(*a) + n * sizeof(a->slots[0]),
			       RTE_CACHE_LINE_SIZE, socket_id);
	if (a == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	a->ring = ring;
	a->mask = n - 1;
	return a;
}

void
ww_event_agg_free(struct ww_event_agg *a)
{
	rte_free(a);
}

static void
send_record(struct ww_event_agg *a, const struct ww_event *ev)
{
	if (a->ring == NULL ||
	    rte_ring_sp_enqueue_elem(a->ring, (void *)(uintptr_t)ev, sizeof(*ev)) != 0)
		a->lost++;
}

/* The repeats of a slot's window as one record, then the slot is free. */
static void
close_slot(struct ww_event_agg *a, struct agg_slot *s)
{
	if (s->repeats != 0) {
		s->ev.count = s->repeats;
		send_record(a, &s->ev);
	}
	s->used = false;
}

static inline bool
same_key(const struct ww_event *x, const struct ww_event *y)
{
	return x->kind == y->kind && x->family == y->family &&
	       memcmp(x->src, y->src, sizeof(x->src)) == 0;
}

void
ww_event_emit(struct ww_event_agg *a, struct ww_event *ev, uint32_t window_s)
{
	uint32_t h = rte_jhash(ev->src, sizeof(ev->src), ev->kind);
	struct agg_slot *s = &a->slots[h & a->mask];
	uint64_t window = (uint64_t)window_s * NS_PER_S;

	ev->count = 1;
	if (s->used && same_key(&s->ev, ev) &&
	    ev->time_ns - s->window_start < window) {
		/* A repeat: the summary tells the latest time and the
		 * largest measure. */
		s->repeats++;
		s->ev.time_ns = ev->time_ns;
		s->ev.value = RTE_MAX(s->ev.value, ev->value);
		return;
	}
	if (s->used)
		close_slot(a, s);
	send_record(a, ev);
	if (window == 0)
		return;
	s->used = true;
	s->repeats = 0;
	s->window_start = ev->time_ns;
	s->ev = *ev;
}

void
ww_event_agg_tick(struct ww_event_agg *a, uint64_t now_ns, uint32_t window_s,
		  unsigned int budget)
{
	uint64_t window = (uint64_t)window_s * NS_PER_S;

	while (budget-- != 0) {
		struct agg_slot *s = &a->slots[a->cursor];

		a->cursor = (a->cursor + 1) & a->mask;
		if (s->used && now_ns - s->window_start >= window)
			close_slot(a, s);
	}
}

void
ww_event_agg_flush(struct ww_event_agg *a)
{
	for (uint32_t i = 0; i <= a->mask; i++)
		if (a->slots[i].used)
			close_slot(a, &a->slots[i]);
}

uint64_t
ww_event_agg_lost(const struct ww_event_agg *a)
{
	return a->lost;
}
