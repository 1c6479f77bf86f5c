/* SPDX-License-Identifier: BSD-3-Clause */
/* What the guard unit tests (ARP, ICMP, detectors) share: the event sink a
 * guard writes to (a ring behind an aggregator, as a worker has) and the
 * checks on the events that come out of it. */
#ifndef WW_TESTS_UT_GUARD_H
#define WW_TESTS_UT_GUARD_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <rte_ring.h>

#include "guard.h"

/** A ring of @p ring_size events named @p name, an aggregator in front. */
static inline int
ut_events_open(struct rte_ring **ring, struct ww_event_agg **agg,
	       const char *name, unsigned int ring_size)
{
	*ring = rte_ring_create_elem(name, sizeof(struct ww_event), ring_size,
				     SOCKET_ID_ANY,
				     RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (*ring == NULL)
		return -1;
	*agg = ww_event_agg_create(name, 64, *ring, SOCKET_ID_ANY);
	return *agg == NULL ? -1 : 0;
}

static inline void
ut_events_close(struct rte_ring *ring, struct ww_event_agg *agg)
{
	ww_event_agg_free(agg);
	rte_ring_free(ring);
}

/**
 * A guard test's worker: default settings with every event sent at once
 * (no aggregation window), the event ring @p name, and a guard context at
 * @p now_ns whose traffic goes to the protected side. The test sets its
 * port, frames and thresholds after. @return 0 or -1.
 */
static inline int
ut_guard_worker_open(struct ww_guard_config *cfg, struct rte_ring **ring,
		     struct ww_event_agg **agg, struct ww_guard_ctx *ctx,
		     const char *name, unsigned int ring_size, uint64_t now_ns,
		     struct rte_mempool *pool)
{
	ww_guard_config_default(cfg);
	cfg->events.window_s = 0;
	if (ut_events_open(ring, agg, name, ring_size) != 0)
		return -1;
	ctx->cfg = cfg;
	ctx->now_ns = now_ns;
	ctx->to_protected = true;
	ctx->pool = pool;
	ctx->events = *agg;
	return 0;
}

/** The next event is of @p kind, one occurrence, at @p ctx's time and
 *  port; @return it for the caller's own checks. */
static inline struct ww_event
ut_next_event(struct rte_ring *ring, const struct ww_guard_ctx *ctx,
	      unsigned int kind)
{
	struct ww_event ev;

	assert_int_equal(rte_ring_dequeue_elem(ring, &ev, sizeof(ev)), 0);
	assert_string_equal(ww_event_kind_name(ev.kind),
			    ww_event_kind_name(kind));
	assert_int_equal(ev.count, 1);
	assert_int_equal(ev.time_ns, ctx->now_ns);
	assert_int_equal(ev.port_idx, ctx->port_idx);
	return ev;
}

static inline void
ut_expect_no_event(struct rte_ring *ring)
{
	assert_int_equal(rte_ring_count(ring), 0);
}

#endif /* WW_TESTS_UT_GUARD_H */
