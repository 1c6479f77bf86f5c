/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The REST API's map: one line per method and path, one handler each. A
 * path is split into segments once; a pattern's ":name" segment matches
 * any one non-empty segment and is handed to the handler by name.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_internal.h"

#define V1 "/api/v1"
#define SG_RULES V1 "/security-groups/:name/rules"

static const struct ww_route routes[] = {
	{ WW_GET, V1 "/login", WW_ROUTE_PUBLIC, ww_rest_login_state },
	{ WW_POST, V1 "/login", WW_ROUTE_BODY | WW_ROUTE_PUBLIC, ww_rest_login },
	{ WW_POST, V1 "/logout", 0, ww_rest_logout },
	{ WW_GET, V1 "/session", 0, ww_rest_session },

	{ WW_GET, V1 "/config", 0, ww_rest_config_get },
	{ WW_PUT, V1 "/config", WW_ROUTE_BODY, ww_rest_config_put },

	{ WW_GET, V1 "/rules", 0, ww_rest_rules_list },
	{ WW_POST, V1 "/rules", WW_ROUTE_BODY, ww_rest_rule_add },
	{ WW_GET, V1 "/rules/:handle", 0, ww_rest_rule_get },
	{ WW_PUT, V1 "/rules/:handle", WW_ROUTE_BODY, ww_rest_rule_put },
	{ WW_PATCH, V1 "/rules/:handle", WW_ROUTE_BODY, ww_rest_rule_patch },
	{ WW_DELETE, V1 "/rules/:handle", 0, ww_rest_rule_del },

	{ WW_GET, V1 "/security-groups", 0, ww_rest_sgs_list },
	{ WW_POST, V1 "/security-groups", WW_ROUTE_BODY, ww_rest_sg_add },
	{ WW_GET, V1 "/security-groups/:name", 0, ww_rest_sg_get },
	{ WW_DELETE, V1 "/security-groups/:name", 0, ww_rest_sg_del },
	{ WW_GET, SG_RULES, 0, ww_rest_rules_list },
	{ WW_POST, SG_RULES, WW_ROUTE_BODY, ww_rest_rule_add },
	{ WW_GET, SG_RULES "/:handle", 0, ww_rest_rule_get },
	{ WW_PUT, SG_RULES "/:handle", WW_ROUTE_BODY, ww_rest_rule_put },
	{ WW_PATCH, SG_RULES "/:handle", WW_ROUTE_BODY, ww_rest_rule_patch },
	{ WW_DELETE, SG_RULES "/:handle", 0, ww_rest_rule_del },

	{ WW_GET, V1 "/guards", 0, ww_rest_guards_get },
	{ WW_GET, V1 "/guards/:guard", 0, ww_rest_guard_get },
	{ WW_PATCH, V1 "/guards/:guard", WW_ROUTE_BODY, ww_rest_guard_set },
	{ WW_PUT, V1 "/guards/:guard", WW_ROUTE_BODY, ww_rest_guard_set },

	{ WW_GET, V1 "/blocklist", 0, ww_rest_bl_list },
	{ WW_POST, V1 "/blocklist", WW_ROUTE_BODY, ww_rest_bl_add },
	{ WW_DELETE, V1 "/blocklist/:set", 0, ww_rest_bl_flush },
	{ WW_DELETE, V1 "/blocklist/:set/:address", 0, ww_rest_bl_del },
	{ WW_DELETE, V1 "/blocklist/:set/:address/:len", 0, ww_rest_bl_del },

	{ WW_GET, V1 "/stats", 0, ww_rest_stats },
	{ WW_GET, V1 "/flows", 0, ww_rest_flows },
	{ WW_GET, V1 "/events", 0, ww_rest_events },
	{ WW_GET, V1 "/series", 0, ww_rest_series },
	{ WW_GET, V1 "/talkers", 0, ww_rest_talkers },
	{ WW_GET, V1 "/flow-records", 0, ww_rest_flow_records },

	{ WW_GET, V1 "/users", 0, ww_rest_users_list },
	{ WW_POST, V1 "/users", WW_ROUTE_BODY, ww_rest_user_add },
	{ WW_PUT, V1 "/users/:name/password", WW_ROUTE_BODY, ww_rest_user_passwd },
	{ WW_DELETE, V1 "/users/:name", 0, ww_rest_user_del },
	{ WW_GET, V1 "/tokens", 0, ww_rest_tokens_list },
	{ WW_POST, V1 "/tokens", WW_ROUTE_BODY, ww_rest_token_add },
	{ WW_DELETE, V1 "/tokens/:name", 0, ww_rest_token_del },
};

/* Split r->path ("/a/b/c") into r->segbuf, "a\0b\0c\0". An empty segment
 * ("//", a trailing "/") is kept: no pattern matches it. */
static int
split_path(struct ww_req *r, const char **segs, unsigned int *nb)
{
	char *p;

	if (r->segbuf == NULL && (r->segbuf = strdup(r->path + 1)) == NULL)
		return -1;
	*nb = 0;
	for (p = r->segbuf;; p++) {
		if (*nb == WW_HTTP_MAX_SEGS)
			return -1;
		segs[(*nb)++] = p;
		p = strchr(p, '/');
		if (p == NULL)
			return 0;
		*p = '\0';
	}
}

/* Does @p pattern match the segments? Fill r's parameters if so. */
static bool
match(struct ww_req *r, const char *pattern, const char **segs,
      unsigned int nb)
{
	const char *p = pattern + 1;
	unsigned int i, np = 0;

	for (i = 0; i < nb; i++) {
		size_t len = strcspn(p, "/");

		if (len == 0 || segs[i][0] == '\0')
			return false;
		if (p[0] == ':') {
			r->param_names[np] = p + 1;
			r->param_name_len[np] = len - 1;
			r->params[np++] = segs[i];
		} else if (strlen(segs[i]) != len ||
			   memcmp(p, segs[i], len) != 0) {
			return false;
		}
		p += len;
		if (*p == '/')
			p++;
		else if (i + 1 < nb)
			return false;
	}
	if (*p != '\0')
		return false;
	r->nb_params = np;
	return true;
}

const struct ww_route *
ww_route_find(struct ww_req *r, unsigned int *allowed)
{
	const char *segs[WW_HTTP_MAX_SEGS];
	unsigned int nb, i, method = r->method;

	*allowed = 0;
	if (split_path(r, segs, &nb) != 0)
		return NULL;
	/* HEAD is a GET whose body libmicrohttpd leaves out. */
	if (method == WW_HEAD)
		method = WW_GET;
	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		if (!match(r, routes[i].pattern, segs, nb))
			continue;
		if (routes[i].method == method)
			return &routes[i];
		*allowed |= routes[i].method;
	}
	if (*allowed & WW_GET)
		*allowed |= WW_HEAD;
	return NULL;
}

const char *
ww_param(const struct ww_req *r, const char *name)
{
	unsigned int i;

	for (i = 0; i < r->nb_params; i++)
		if (strlen(name) == r->param_name_len[i] &&
		    memcmp(name, r->param_names[i], r->param_name_len[i]) == 0)
			return r->params[i];
	return NULL;
}

void
ww_methods_text(unsigned int methods, char *out, size_t size)
{
	static const char *const names[] = {
		"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE",
	};
	size_t i, used = 0;

	out[0] = '\0';
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(methods & (1u << i)))
			continue;
		used += snprintf(out + used, used < size ? size - used : 0,
				 "%s%s", used ? ", " : "", names[i]);
	}
}
