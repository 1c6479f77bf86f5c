/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * lib/http — the appliance's management server (libmicrohttpd): the REST
 * API under /api/v1/, the console's static files from a web directory,
 * and authentication in front of both.
 *
 * Runs its own thread (libmicrohttpd's internal polling thread); every
 * change goes through lib/control, every identity through lib/auth.
 */
#ifndef WW_HTTP_H
#define WW_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "config.h"
#include "control.h"

#ifdef __cplusplus
extern "C" {
#endif

struct ww_http;

/** Extra endpoints a later module may serve (e.g. /metrics): the handler
 *  returns a body (malloc'd, freed by the server), its content type and
 *  its length (0: up to the NUL). */
typedef char *(*ww_http_text_fn)(void *ctx, const char **content_type,
				 size_t *len);

struct ww_http_params {
	const struct ww_config_http *cfg;  /**< copied: read at start only */
	const char *web_dir;         /**< static files; must exist */
	struct ww_control *control;
	struct ww_auth *auth;
	ww_http_text_fn metrics;     /**< GET /metrics, or NULL (404) */
	void *metrics_ctx;
};

/**
 * Listen and serve. @return the server, or NULL with the reason in @p err
 * ("http.listen 0.0.0.0:8080: Address already in use", "http.tls.cert
 * /x.pem: No such file or directory", ...).
 */
struct ww_http *ww_http_start(const struct ww_http_params *p, char *err,
			      size_t size);
/** The port actually bound (useful with port 0). */
uint16_t ww_http_port(const struct ww_http *h);
void ww_http_stop(struct ww_http *h);

#ifdef __cplusplus
}
#endif

#endif /* WW_HTTP_H */
