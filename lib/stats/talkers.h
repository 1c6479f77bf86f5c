/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Top talkers: the addresses that sent the most bytes and the most
 * packets, from flow records as they arrive, over a sliding window
 * (default the last hour, in one-minute buckets). Memory is bounded: each
 * bucket keeps at most `capacity` addresses with the Space-Saving
 * algorithm (Metwally et al.), so a flood of distinct sources cannot grow
 * it; the heavy hitters are always among those kept, their counts
 * overestimated by at most the smallest kept count (reported as "error").
 * Thread-safe (one internal mutex).
 */
#ifndef WW_STATS_TALKERS_H
#define WW_STATS_TALKERS_H

#include <stdint.h>

#include <jansson.h>

#include "flowrec.h"

#ifdef __cplusplus
extern "C" {
#endif

struct ww_talkers;

/** @p capacity addresses per bucket (0: 1024); @p window_s (0: 3600),
 *  split into 60 buckets. */
struct ww_talkers *ww_talkers_create(unsigned int capacity, uint32_t window_s);
void ww_talkers_free(struct ww_talkers *t);

/** Count a record: side 0's address sent packets[0]/bytes[0], side 1's
 *  packets[1]/bytes[1]. @p now_s: unix time the record arrived. */
void ww_talkers_add(struct ww_talkers *t, const struct ww_flow_record *r,
		    uint64_t now_s);

/**
 * The @p n biggest senders over the window ending at @p now_s, by "bytes"
 * or by "packets" (@p by):
 * [{"addr": "10.0.0.1", "bytes": B, "packets": P, "error": E}, ...]
 * (new reference), biggest first.
 */
json_t *ww_talkers_top(struct ww_talkers *t, const char *by, unsigned int n,
		       uint64_t now_s);

#ifdef __cplusplus
}
#endif

#endif /* WW_STATS_TALKERS_H */
