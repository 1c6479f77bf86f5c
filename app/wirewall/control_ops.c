/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The data plane's side of lib/control: how a validated configuration is
 * applied (rules and guard settings compiled first, then published; the
 * configured block-list entries brought in line), and the queries the
 * prompt and the REST API share (statistics, connections, recent events).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>

#include "app.h"

#define RECENT_EVENTS 4096   /* kept for queries until the event store */

struct recent {
	json_t *obj;
	uint64_t time_s;
};

static struct recent recent[RECENT_EVENTS];
static unsigned int recent_head, recent_count;

static bool
same_bl_entry(const struct ww_config_bl_entry *a,
	      const struct ww_config_bl_entry *b)
{
	return strcmp(a->set, b->set) == 0 && a->ttl_s == b->ttl_s &&
	       a->prefix.family == b->prefix.family &&
	       a->prefix.len == b->prefix.len &&
	       memcmp(a->prefix.addr, b->prefix.addr, 16) == 0;
}

static bool
same_bl(const struct ww_config *a, const struct ww_config *b)
{
	if (a->nb_bl != b->nb_bl)
		return false;
	for (unsigned int i = 0; i < a->nb_bl; i++)
		if (!same_bl_entry(&a->bl[i], &b->bl[i]))
			return false;
	return true;
}

/*
 * The configured entries changed: take the old ones out, put the new ones
 * in. Entries added at run time stay. (Between the two an address may
 * briefly pass: block lists are shared tables, not a snapshot.)
 */
static void
sync_static_blocklist(struct ww_app *app, const struct ww_config *next,
		      const struct ww_config *running)
{
	uint64_t now = ww_app_clock_ns(app);

	if (same_bl(next, running))
		return;
	for (unsigned int i = 0; i < running->nb_bl; i++)
		ww_blocklist_del(app->bl, running->bl[i].set,
				 &running->bl[i].prefix);
	for (unsigned int i = 0; i < next->nb_bl; i++)
		ww_blocklist_add(app->bl, next->bl[i].set, &next->bl[i].prefix,
				 next->bl[i].ttl_s, WW_BL_STATIC, NULL, now);
}

static int
apply(void *ctx, const struct ww_config *next, const struct ww_config *running,
      char *err, size_t size)
{
	struct ww_app *app = ctx;
	uint64_t start = rte_get_timer_cycles();
	struct ww_guard_snapshot *guards;
	struct ww_ruleset *rs;
	int ret = ww_app_build_rules(app, next, &rs, err, size);

	if (ret != 0)
		return ret;
	guards = ww_app_build_guards(next, err, size);
	if (guards == NULL) {
		ww_ruleset_free(rs);
		return -EINVAL;
	}
	ww_app_publish_rules(app, rs);
	ww_app_publish_guards(app, guards);
	sync_static_blocklist(app, next, running);
	app->rules_publish_ns = (rte_get_timer_cycles() - start) * NS_PER_S /
				rte_get_timer_hz();
	return 0;
}

static uint64_t
clock_ns(void *ctx)
{
	return ww_app_clock_ns(ctx);
}

static void
rule_counter(void *ctx, uint32_t handle, uint64_t *packets, uint64_t *bytes)
{
	const struct ww_ruleset *rs = ((struct ww_app *)ctx)->ruleset;

	*packets = *bytes = 0;
	for (unsigned int i = 0; rs != NULL && i < ww_ruleset_size(rs); i++) {
		if (ww_ruleset_entry(rs, i)->handle == handle) {
			struct ww_rule_counter c;

			ww_ruleset_counter(rs, i, &c);
			*packets = c.packets;
			*bytes = c.bytes;
			return;
		}
	}
}

/* The copy the main lcore last read: no driver is asked from here. */
static json_t *
link_json(const struct ww_port *p)
{
	char mac[RTE_ETHER_ADDR_FMT_SIZE];
	uint32_t speed = p->link.link_speed;

	rte_ether_format_addr(mac, sizeof(mac), &p->mac);
	return json_pack("{s:b, s:I, s:s, s:s}",
			 "up", p->link.link_status == RTE_ETH_LINK_UP,
			 "speed_mbps", (json_int_t)(speed ==
				RTE_ETH_SPEED_NUM_UNKNOWN ? 0 : speed),
			 "duplex", p->link.link_duplex ==
				RTE_ETH_LINK_FULL_DUPLEX ? "full" : "half",
			 "mac", mac);
}

static json_t *
stats(void *ctx)
{
	struct ww_app *app = ctx;
	json_t *out = ww_app_counters_json(app);
	json_t *ports = json_object_get(out, "ports");

	for (unsigned int i = 0; i < app->ports.n; i++)
		json_object_set_new(json_object_get(ports,
						    app->cfg.ports[i].name),
				    "link", link_json(&app->ports.port[i]));

	json_object_set_new(out, "conntrack", ww_app_ct_json(app));
	json_object_set_new(out, "guards", ww_app_guards_json(app));
	json_object_set_new(out, "revision",
			    json_integer((json_int_t)app->cfg.revision));
	return out;
}

static json_t *
flows(void *ctx, unsigned int top, const char *addr)
{
	return ww_app_flows_json(ctx, top, addr);
}

/* ---- recent events ---- */

void
ww_app_remember_event(struct ww_app *app, json_t *ev)
{
	unsigned int slot = (recent_head + recent_count) % RECENT_EVENTS;

	if (recent_count == RECENT_EVENTS) {
		json_decref(recent[recent_head].obj);
		slot = recent_head;
		recent_head = (recent_head + 1) % RECENT_EVENTS;
	} else {
		recent_count++;
	}
	recent[slot].obj = json_incref(ev);
	recent[slot].time_s = ww_app_clock_ns(app) / NS_PER_S;
}

static bool
str_matches(const json_t *ev, const char *key, const char *want)
{
	const char *have = json_string_value(json_object_get(ev, key));

	return want == NULL || (have != NULL && strcmp(have, want) == 0);
}

static bool
event_matches(const struct recent *r, const json_t *q)
{
	const char *addr = json_string_value(json_object_get(q, "addr"));
	json_t *since = json_object_get(q, "since");
	json_t *until = json_object_get(q, "until");

	if (!str_matches(r->obj, "category",
			 json_string_value(json_object_get(q, "category"))) ||
	    !str_matches(r->obj, "level",
			 json_string_value(json_object_get(q, "level"))))
		return false;
	if (addr != NULL && !str_matches(r->obj, "src_ip", addr) &&
	    !str_matches(r->obj, "dest_ip", addr))
		return false;
	if (json_is_integer(since) &&
	    r->time_s < (uint64_t)json_integer_value(since))
		return false;
	if (json_is_integer(until) &&
	    r->time_s > (uint64_t)json_integer_value(until))
		return false;
	return true;
}

/* The events in memory matching @p q, newest first, each to @p fn until
 * it stops. */
static void
recent_each(const json_t *q, int (*fn)(void *ctx, json_t *ev), void *ctx)
{
	for (unsigned int k = recent_count; k-- > 0;) {
		const struct recent *r = &recent[(recent_head + k) %
						 RECENT_EVENTS];

		if (event_matches(r, q) && fn(ctx, r->obj) != 0)
			return;
	}
}

struct recent_page {
	json_t *items;
	unsigned int offset, limit, total;
};

static int
page_add(void *ctx, json_t *ev)
{
	struct recent_page *p = ctx;

	if (p->total >= p->offset && p->total - p->offset < p->limit)
		json_array_append(p->items, ev);
	p->total++;
	return 0;
}

static json_t *
recent_events(const json_t *q)
{
	json_t *lim = json_object_get(q, "limit"), *off = json_object_get(q,
									"offset");
	struct recent_page p = {
		.items = json_array(),
		.limit = json_is_integer(lim) ? json_integer_value(lim) : 100,
		.offset = json_is_integer(off) ? json_integer_value(off) : 0,
	};

	recent_each(q, page_add, &p);
	return json_pack("{s:o, s:I, s:I, s:I}", "items", p.items,
			 "total", (json_int_t)p.total, "offset",
			 (json_int_t)p.offset, "limit", (json_int_t)p.limit);
}

/* The store answers when there is one; else the last events in memory.
 * A bad query leaves errno EINVAL, a failing database EIO or EBUSY. */
static json_t *
events(void *ctx, const json_t *q)
{
	struct ww_app *app = ctx;
	char err[256];
	json_t *out;

	if (app->events_store == NULL)
		return recent_events(q);
	out = ww_events_query(app->events_store, q, err, sizeof(err));
	/* Syslog without a database: the events in memory answer. */
	if (out == NULL && errno == ENOTSUP)
		return recent_events(q);
	return out;
}

struct recent_export {
	uint32_t max;
	int64_t n;
	ww_control_row_fn fn;
	void *ctx;
};

static int
export_add(void *ctx, json_t *ev)
{
	struct recent_export *x = ctx;
	char *text;
	int stop;

	if ((uint64_t)x->n == x->max)
		return 1;
	text = json_dumps(ev, JSON_COMPACT);
	if (text == NULL) {
		x->n = -ENOMEM;
		return 1;
	}
	x->n++;
	stop = x->fn(x->ctx, text, strlen(text));
	free(text);
	return stop;
}

/* As events(): the store, else the events in memory (which the main loop
 * adds to under the control lock). */
static int64_t
events_export(void *ctx, const json_t *q, uint32_t max, ww_control_row_fn fn,
	      void *fn_ctx)
{
	struct recent_export x = { .max = max, .fn = fn, .ctx = fn_ctx };
	struct ww_app *app = ctx;
	char err[256];
	int64_t n = -ENOTSUP;

	if (app->events_store != NULL)
		n = ww_events_export(app->events_store, q, max, fn, fn_ctx,
				     err, sizeof(err));
	if (n != -ENOTSUP)
		return n;
	pthread_mutex_lock(&app->control_lock);
	recent_each(q, export_add, &x);
	pthread_mutex_unlock(&app->control_lock);
	return x.n;
}

static json_t *
telemetry(void *ctx, const char *what, const json_t *args)
{
	return ww_app_telemetry_query(ctx, what, args);
}

int
ww_app_control_create(struct ww_app *app, const char *config_path,
		      const char *blocklist_path)
{
	struct ww_control_params p = {
		.cfg = &app->cfg,
		.lock = &app->control_lock,
		.bl = app->bl,
		.config_path = config_path,
		.blocklist_path = blocklist_path,
		.ops = {
			.ctx = app,
			.apply = apply,
			.clock_ns = clock_ns,
			.rule_counter = rule_counter,
			.stats = stats,
			.flows = flows,
			.events = events,
			.events_export = events_export,
			.telemetry = telemetry,
		},
	};

	app->control = ww_control_create(&p);
	return app->control != NULL ? 0 : -ENOMEM;
}
