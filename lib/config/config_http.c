/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The "http" section: where the management server listens, its TLS files,
 * whether /metrics needs credentials, and the limits that keep one client
 * from taking the server.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "config_internal.h"

void
ww_cfg_http_default(struct ww_config_http *h)
{
	memset(h, 0, sizeof(*h));
	h->enabled = true;
	snprintf(h->listen, sizeof(h->listen), "0.0.0.0:8080");
	h->max_connections = 64;
	h->max_per_address = 16;
	h->timeout_s = 30;
	h->max_body = 16u * 1024 * 1024;
	h->session_idle_s = 1800;
	h->login_failures = 5;
	h->login_window_s = 60;
}

int
ww_config_listen_parse(const char *text, char *addr, size_t size,
		       uint16_t *port)
{
	const char *colon = strrchr(text, ':');
	const char *host = text, *host_end = colon;
	unsigned char buf[16];
	char *end;
	unsigned long p;

	if (colon == NULL)
		return -EINVAL;
	if (text[0] == '[') {           /* [v6]:port */
		host = text + 1;
		if (colon == text || colon[-1] != ']')
			return -EINVAL;
		host_end = colon - 1;
	}
	if ((size_t)(host_end - host) >= size)
		return -EINVAL;
	memcpy(addr, host, host_end - host);
	addr[host_end - host] = '\0';
	if (inet_pton(text[0] == '[' ? AF_INET6 : AF_INET, addr, buf) != 1)
		return -EINVAL;
	errno = 0;
	p = strtoul(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || errno != 0 || p > 65535)
		return -EINVAL;
	*port = (uint16_t)p;
	return 0;
}

static int
set_enabled(struct parse_ctx *ctx, json_t *value, void *target)
{
	((struct ww_config_http *)target)->enabled = json_is_true(value);
	return 0;
}

static int
set_listen(struct parse_ctx *ctx, json_t *value, void *target)
{
	struct ww_config_http *h = target;
	const char *text = json_string_value(value);
	char addr[64];
	uint16_t port;

	if (strlen(text) >= sizeof(h->listen) ||
	    ww_config_listen_parse(text, addr, sizeof(addr), &port) != 0)
		return fail(ctx, "\"%s\" is not ADDR:PORT (e.g. \"0.0.0.0:8080\" "
			    "or \"[::1]:8080\")", text);
	snprintf(h->listen, sizeof(h->listen), "%s", text);
	return 0;
}

static int
copy_path(struct parse_ctx *ctx, json_t *value, char *out, size_t size)
{
	const char *text = json_string_value(value);

	if (text[0] == '\0' || strlen(text) >= size)
		return fail(ctx, "expected a file path of 1 to %zu characters",
			    size - 1);
	snprintf(out, size, "%s", text);
	return 0;
}

static int
set_cert(struct parse_ctx *ctx, json_t *value, void *target)
{
	struct ww_config_http *h = target;

	return copy_path(ctx, value, h->tls_cert, sizeof(h->tls_cert));
}

static int
set_key(struct parse_ctx *ctx, json_t *value, void *target)
{
	struct ww_config_http *h = target;

	return copy_path(ctx, value, h->tls_key, sizeof(h->tls_key));
}

static const struct directive tls_directives[] = {
	{ "cert", JSON_STRING, true, set_cert },
	{ "key", JSON_STRING, true, set_key },
};

static int
set_tls(struct parse_ctx *ctx, json_t *value, void *target)
{
	return apply_directives(ctx, value, tls_directives,
				DIM(tls_directives), target);
}

static int
set_metrics(struct parse_ctx *ctx, json_t *value, void *target)
{
	const char *text = json_string_value(value);

	if (strcmp(text, "open") != 0 && strcmp(text, "token") != 0)
		return fail(ctx, "\"%s\": expected \"open\" (anyone may scrape) "
			    "or \"token\" (a session or API token)", text);
	((struct ww_config_http *)target)->metrics_open =
		strcmp(text, "open") == 0;
	return 0;
}

#define UINT_SETTER(field, min, max)					\
static int								\
set_##field(struct parse_ctx *ctx, json_t *value, void *target)		\
{									\
	return get_uint(ctx, value, min, max,				\
			&((struct ww_config_http *)target)->field);	\
}
UINT_SETTER(max_connections, 1, 65536)
UINT_SETTER(max_per_address, 1, 65536)
UINT_SETTER(timeout_s, 1, 3600)
UINT_SETTER(max_body, 1024, 256u * 1024 * 1024)
UINT_SETTER(session_idle_s, 60, 7 * 86400)
UINT_SETTER(login_failures, 1, 1000)
UINT_SETTER(login_window_s, 1, 86400)

static const struct directive http_directives[] = {
	{ "enabled", JSON_TRUE, false, set_enabled },
	{ "listen", JSON_STRING, false, set_listen },
	{ "tls", JSON_OBJECT, false, set_tls },
	{ "metrics", JSON_STRING, false, set_metrics },
	{ "max_connections", JSON_INTEGER, false, set_max_connections },
	{ "max_per_address", JSON_INTEGER, false, set_max_per_address },
	{ "timeout_s", JSON_INTEGER, false, set_timeout_s },
	{ "max_body", JSON_INTEGER, false, set_max_body },
	{ "session_idle_s", JSON_INTEGER, false, set_session_idle_s },
	{ "login_failures", JSON_INTEGER, false, set_login_failures },
	{ "login_window_s", JSON_INTEGER, false, set_login_window_s },
};

int
ww_cfg_set_http(struct parse_ctx *ctx, json_t *value, void *target)
{
	struct ww_config *cfg = target;

	return apply_directives(ctx, value, http_directives,
				DIM(http_directives), &cfg->http);
}

json_t *
ww_cfg_http_to_json(const struct ww_config_http *h)
{
	json_t *obj = json_pack("{s:b, s:s, s:s, s:i, s:i, s:i, s:i, s:i, "
				"s:i, s:i}",
		"enabled", h->enabled, "listen", h->listen,
		"metrics", h->metrics_open ? "open" : "token",
		"max_connections", (int)h->max_connections,
		"max_per_address", (int)h->max_per_address,
		"timeout_s", (int)h->timeout_s, "max_body", (int)h->max_body,
		"session_idle_s", (int)h->session_idle_s,
		"login_failures", (int)h->login_failures,
		"login_window_s", (int)h->login_window_s);

	if (h->tls_cert[0] != '\0')
		json_object_set_new(obj, "tls", json_pack("{s:s, s:s}",
			"cert", h->tls_cert, "key", h->tls_key));
	return obj;
}
