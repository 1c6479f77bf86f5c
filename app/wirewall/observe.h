/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What other tools read from a running wirewall: Prometheus metrics on the
 * management server, DPDK telemetry commands, and packet capture with
 * dpdk-dumpcap (pdump).
 */
#ifndef WW_APP_OBSERVE_H
#define WW_APP_OBSERVE_H

#include <stddef.h>

struct ww_app;

/* The release shown by /metrics (wirewall_build_info) and /wirewall/info:
 * meson's project version. app/meson.build may pass -DWW_VERSION; until
 * it does, this copy (keep it equal to meson.build's). */
#ifndef WW_VERSION
#define WW_VERSION "0.1.0"
#endif

/**
 * The Prometheus text exposition (version 0.0.4) of @p app (a struct
 * ww_app *): a ww_http_text_fn for GET /metrics. @return a malloc'd body,
 * or NULL.
 */
char *ww_app_metrics(void *app, const char **content_type, size_t *len);

/** Register wirewall's DPDK telemetry commands (/wirewall/...) and
 *  initialise pdump so dpdk-dumpcap can capture (not with --no-huge: a
 *  line on stdout says capture is off). @return 0 or -errno (printed). */
int ww_app_telemetry_init(struct ww_app *app);
void ww_app_telemetry_uninit(struct ww_app *app);

#endif /* WW_APP_OBSERVE_H */
