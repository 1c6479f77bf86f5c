/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Per-second time series for the last hour: a fixed set of named series
 * (e.g. "outside.rx_pps", "drops.policy-drop", "ct.new_per_s"), one value
 * per second each, in a ring of `seconds` slots. The control plane pushes
 * one sample of every series per second; readers (prompt, REST) take a
 * window. Thread-safe (one internal mutex: pushes are once a second).
 */
#ifndef WW_STATS_SERIES_H
#define WW_STATS_SERIES_H

#include <stdint.h>

#include <jansson.h>

#ifdef __cplusplus
extern "C" {
#endif

#define WW_SERIES_NAME_MAX 64

struct ww_series;

/** @p names: @p nb series names (copied). @p seconds: slots (3600 for an
 *  hour). @return NULL on bad arguments or no memory. */
struct ww_series *ww_series_create(const char *const *names, unsigned int nb,
				   unsigned int seconds);
void ww_series_free(struct ww_series *s);

/**
 * Record the values of every series for second @p time_s (unix). Seconds
 * skipped since the last push are filled with 0; a push for a second
 * already recorded (or older) replaces nothing and returns -EINVAL.
 */
int ww_series_push(struct ww_series *s, uint64_t time_s, const double *values);

/** Index of series @p name, or -ENOENT. */
int ww_series_index(const struct ww_series *s, const char *name);
unsigned int ww_series_count(const struct ww_series *s);
const char *ww_series_name(const struct ww_series *s, unsigned int idx);

/**
 * The last @p seconds seconds (at most the ring) of the series whose names
 * start with @p prefix (NULL or "": all):
 * {"start": unix_s of the first point, "step": 1,
 *  "series": {"NAME": [v, v, ...], ...}} (new reference).
 */
json_t *ww_series_json(struct ww_series *s, const char *prefix,
		       unsigned int seconds);

/** The latest value of series @p idx (0 before the first push). */
double ww_series_last(struct ww_series *s, unsigned int idx);

#ifdef __cplusplus
}
#endif

#endif /* WW_STATS_SERIES_H */
