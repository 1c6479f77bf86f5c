/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Connections as the prompt and the REST API list them: each worker's
 * table is walked by that worker (a job), never by the control plane.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"

static uint64_t
flow_bytes(const struct ww_ct_flow_info *f)
{
	return f->bytes[0] + f->bytes[1];
}

/* Keep the @p limit biggest flows, biggest first (insertion: N is small). */
static void
pick_top(struct ww_flow_pick *p, const struct ww_ct_flow_info *f)
{
	unsigned int i;

	if (p->n < p->limit)
		i = p->n++;
	else if (flow_bytes(&p->flow[p->n - 1]) < flow_bytes(f))
		i = p->n - 1;
	else
		return;
	while (i > 0 && flow_bytes(&p->flow[i - 1]) < flow_bytes(f)) {
		p->flow[i] = p->flow[i - 1];
		i--;
	}
	p->flow[i] = *f;
}

static void
visit_flow(const struct ww_ct_flow_info *f, void *arg)
{
	struct ww_flow_pick *p = arg;
	size_t alen = f->family == 4 ? 4 : 16;

	if (!p->by_addr) {
		pick_top(p, f);
		return;
	}
	if (f->family != p->family || p->n >= p->limit)
		return;
	if (memcmp(f->addr[0], p->addr, alen) == 0 ||
	    memcmp(f->addr[1], p->addr, alen) == 0)
		p->flow[p->n++] = *f;
}

static void
ct_pick_job(struct ww_worker *w, void *arg)
{
	if (w->ct != NULL)
		ww_ct_foreach(w->ct, visit_flow, arg);
}

static void
merge(struct ww_flow_pick *into, const struct ww_flow_pick *one)
{
	for (unsigned int i = 0; i < one->n; i++) {
		if (!into->by_addr)
			pick_top(into, &one->flow[i]);
		else if (into->n < into->limit)
			into->flow[into->n++] = one->flow[i];
	}
}

int
ww_app_flows(struct ww_app *app, struct ww_flow_pick *pick, uint64_t *now)
{
	struct ww_flow_pick *one = malloc(sizeof(*one));
	int ret = 0;

	*now = 0;
	for (unsigned int w = 0; one != NULL && w < app->nb_workers; w++) {
		*one = *pick;
		one->n = 0;
		if (ww_worker_run_job(&app->workers[w], app->workers_running,
				      ct_pick_job, one) != 0) {
			/* It may still run the job later: leave it the buffer. */
			ret = -ETIMEDOUT;
			one = malloc(sizeof(*one));
			continue;
		}
		merge(pick, one);
		if (app->workers[w].now_ns > *now)
			*now = app->workers[w].now_ns;
	}
	free(one);
	return one == NULL && ret == 0 ? -ENOMEM : ret;
}

const char *
ww_app_proto_name(uint8_t proto, char *buf, size_t size)
{
	switch (proto) {
	case 6: return "tcp";
	case 17: return "udp";
	case 1: return "icmp";
	case 58: return "icmpv6";
	}
	snprintf(buf, size, "%u", proto);
	return buf;
}

static json_t *
flow_json(const struct ww_app *app, const struct ww_ct_flow_info *f,
	  uint64_t now)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN], pbuf[8];
	int af = f->family == 4 ? AF_INET : AF_INET6;

	inet_ntop(af, f->addr[0], a, sizeof(a));
	inet_ntop(af, f->addr[1], b, sizeof(b));
	return json_pack("{s:s, s:s, s:s, s:i, s:s, s:i, s:s, s:[I,I], "
			 "s:[I,I], s:I}",
		"proto", ww_app_proto_name(f->proto, pbuf, sizeof(pbuf)),
		"bridge", f->zone < app->cfg.nb_bridges ?
			  app->cfg.bridges[f->zone].name : "",
		"src_ip", a, "src_port", f->port[0], "dest_ip", b,
		"dest_port", f->port[1],
		"state", ww_ct_flow_state_name(f->state),
		"packets", (json_int_t)f->packets[0], (json_int_t)f->packets[1],
		"bytes", (json_int_t)f->bytes[0], (json_int_t)f->bytes[1],
		"expires_in", (json_int_t)(f->expires_ns > now ?
			(f->expires_ns - now) / 1000000000ull : 0));
}

json_t *
ww_app_flows_json(struct ww_app *app, unsigned int top, const char *addr)
{
	struct ww_flow_pick *pick = calloc(1, sizeof(*pick));
	json_t *items;
	uint64_t now;

	if (pick == NULL)
		return NULL;
	pick->limit = RTE_MIN(RTE_MAX(top, 1u), (unsigned int)WW_FLOW_PICK_MAX);
	if (addr != NULL && addr[0] != '\0') {
		pick->by_addr = true;
		if (inet_pton(AF_INET, addr, pick->addr) == 1)
			pick->family = 4;
		else if (inet_pton(AF_INET6, addr, pick->addr) == 1)
			pick->family = 6;
		else {
			free(pick);
			return NULL;
		}
	}
	ww_app_flows(app, pick, &now);
	items = json_array();
	for (unsigned int i = 0; i < pick->n; i++)
		json_array_append_new(items, flow_json(app, &pick->flow[i], now));
	free(pick);
	return json_pack("{s:o, s:I}", "items", items,
			 "total", (json_int_t)json_array_size(items));
}
