/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control plane's side of the guards: each worker's guard state, the
 * settings snapshot workers read (RCU), the block lists they share, and
 * the events they send: aggregated records become JSON lines, and
 * detectors' verdicts become automatic block-list entries.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>

#include <rte_errno.h>
#include <rte_malloc.h>

#include "app.h"

#define EVENT_RING_SIZE 8192   /* records per worker between two drains */
#define EVENT_AGG_SLOTS 1024   /* (kind, source) pairs aggregated at once */
#define GUARD_SOURCES 16384    /* sources with ICMP / detector state */

uint64_t
ww_app_clock_ns(const struct ww_app *app)
{
	struct timespec ts;
	uint64_t now = 0;

	if (app->replay) {
		/* The capture's time: TTLs run as the traffic did. */
		for (unsigned int w = 0; w < app->nb_workers; w++)
			now = RTE_MAX(now, app->workers[w].now_ns);
		return now;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

/* ---- settings snapshot ---- */

static void
snapshot_free(struct ww_guard_snapshot *s)
{
	if (s == NULL)
		return;
	ww_l7_free(s->l7);
	ww_guard_config_release(&s->cfg);
	free(s);
}

static struct ww_guard_snapshot *
snapshot_build(const struct ww_guard_config *cfg, char *err, size_t size)
{
	struct ww_guard_snapshot *s = calloc(1, sizeof(*s));
	const char **hosts = NULL, **urls = NULL;

	if (s == NULL || ww_guard_config_copy(&s->cfg, cfg) != 0) {
		free(s);
		snprintf(err, size, "out of memory");
		return NULL;
	}
	if (cfg->http.nb_hosts + cfg->http.nb_urls == 0)
		return s;
	hosts = calloc(cfg->http.nb_hosts + 1, sizeof(*hosts));
	urls = calloc(cfg->http.nb_urls + 1, sizeof(*urls));
	for (unsigned int i = 0; hosts && i < cfg->http.nb_hosts; i++)
		hosts[i] = cfg->http.hosts[i];
	for (unsigned int i = 0; urls && i < cfg->http.nb_urls; i++)
		urls[i] = cfg->http.urls[i];
	if (hosts != NULL && urls != NULL)
		s->l7 = ww_l7_create(hosts, cfg->http.nb_hosts, urls,
				     cfg->http.nb_urls, err, size);
	else
		snprintf(err, size, "out of memory");
	free(hosts);
	free(urls);
	if (s->l7 == NULL) {
		snapshot_free(s);
		return NULL;
	}
	return s;
}

struct ww_guard_snapshot *
ww_app_build_guards(const struct ww_config *cfg, char *err, size_t size)
{
	return snapshot_build(&cfg->guards, err, size);
}

void
ww_app_publish_guards(struct ww_app *app, struct ww_guard_snapshot *next)
{
	struct ww_guard_snapshot *old;

	pthread_mutex_lock(&app->control_lock);
	old = app->guard_snap;
	__atomic_store_n(&app->guard_snap, next, __ATOMIC_RELEASE);
	/* No worker holds the old settings past its next quiescent state. */
	if (app->workers_running)
		rte_rcu_qsbr_synchronize(app->rcu, RTE_QSBR_THRID_INVALID);
	snapshot_free(old);
	pthread_mutex_unlock(&app->control_lock);
}

void
ww_app_free_guards(struct ww_guard_snapshot *s)
{
	snapshot_free(s);
}

int
ww_app_apply_guards(struct ww_app *app, const struct ww_config *cfg,
		    char *err, size_t size)
{
	struct ww_guard_snapshot *next = ww_app_build_guards(cfg, err, size);

	if (next == NULL)
		return -EINVAL;
	ww_app_publish_guards(app, next);
	return 0;
}

/* ---- start and stop ---- */

int
ww_app_load_blocklists(struct ww_app *app, uint64_t now)
{
	for (unsigned int i = 0; i < app->cfg.nb_bl; i++) {
		const struct ww_config_bl_entry *e = &app->cfg.bl[i];
		char text[64];
		int ret = ww_blocklist_add(app->bl, e->set, &e->prefix,
					   e->ttl_s, WW_BL_STATIC, NULL, now);

		if (ret != 0) {
			ww_bl_prefix_format(&e->prefix, text, sizeof(text));
			fprintf(stderr, "error: block list \"%s\": cannot add "
				"%s: %s\n", e->set, text, strerror(-ret));
			return ret;
		}
	}
	return 0;
}

static int
worker_guards_create(struct ww_app *app, struct ww_worker *w)
{
	const struct ww_guard_config *g = &app->cfg.guards;
	char name[32];

	snprintf(name, sizeof(name), "ww_ev_%u", w->id);
	w->event_ring = rte_ring_create_elem(name, sizeof(struct ww_event),
		EVENT_RING_SIZE, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "ww_evagg_%u", w->id);
	if (w->event_ring != NULL)
		w->events = ww_event_agg_create(name, EVENT_AGG_SLOTS,
						w->event_ring, SOCKET_ID_ANY);
	snprintf(name, sizeof(name), "ww_arp_%u", w->id);
	w->arp = ww_arp_guard_create(name, g->arp.max_bindings, SOCKET_ID_ANY);
	snprintf(name, sizeof(name), "ww_icmp_%u", w->id);
	w->icmp = ww_icmp_guard_create(name, GUARD_SOURCES, SOCKET_ID_ANY);
	snprintf(name, sizeof(name), "ww_detect_%u", w->id);
	w->detect = ww_detect_create(name, GUARD_SOURCES, SOCKET_ID_ANY);
	if (w->event_ring == NULL || w->events == NULL || w->arp == NULL ||
	    w->icmp == NULL || w->detect == NULL) {
		fprintf(stderr, "error: cannot create the guards of worker %u: "
			"%s\n", w->id, rte_strerror(rte_errno));
		return -ENOMEM;
	}
	w->bl = app->bl;
	w->guards = &app->guard_snap;
	return 0;
}

int
ww_app_guards_start(struct ww_app *app)
{
	char err[256];
	int ret;

	app->bl = ww_blocklist_create("ww_bl", app->cfg.guards.blocklist.max_entries,
				      app->rcu, SOCKET_ID_ANY);
	if (app->bl == NULL) {
		fprintf(stderr, "error: cannot create the block lists (%u "
			"entries): %s\n", app->cfg.guards.blocklist.max_entries,
			rte_strerror(rte_errno));
		return -ENOMEM;
	}
	uint64_t t0 = rte_get_timer_cycles();

	/* Replay loads them at the capture's first packet: their TTLs run
	 * on its clock. */
	ret = app->replay ? 0 : ww_app_load_blocklists(app, ww_app_clock_ns(app));
	app->bl_load_ns = (rte_get_timer_cycles() - t0) * NS_PER_S /
			  rte_get_timer_hz();
	for (unsigned int i = 0; ret == 0 && i < app->nb_workers; i++)
		ret = worker_guards_create(app, &app->workers[i]);
	if (ret == 0 && (ret = ww_app_apply_guards(app, &app->cfg, err, sizeof(err))) != 0)
		fprintf(stderr, "error: guards: %s\n", err);
	return ret;
}

void
ww_app_guards_stop(struct ww_app *app)
{
	for (unsigned int i = 0; app->workers && i < app->nb_workers; i++) {
		struct ww_worker *w = &app->workers[i];

		ww_event_agg_free(w->events);
		rte_ring_free(w->event_ring);
		ww_arp_guard_free(w->arp);
		ww_icmp_guard_free(w->icmp);
		ww_detect_free(w->detect);
		w->events = NULL;
		w->event_ring = NULL;
		w->arp = NULL;
		w->icmp = NULL;
		w->detect = NULL;
		w->guards = NULL;
	}
	snapshot_free(app->guard_snap);
	app->guard_snap = NULL;
	ww_blocklist_free(app->bl);
	app->bl = NULL;
}

/* ---- events ---- */

void
ww_app_format_time(char *buf, size_t size, uint64_t ns)
{
	time_t sec = (time_t)(ns / NS_PER_S);
	struct tm tm;
	size_t n;

	gmtime_r(&sec, &tm);
	n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, size - n, ".%06" PRIu64 "Z", (ns % NS_PER_S) / 1000);
}

static void
set_addr(json_t *obj, const char *key, uint8_t family, const uint8_t *a)
{
	char text[INET6_ADDRSTRLEN];

	inet_ntop(family == 6 ? AF_INET6 : AF_INET, a, text, sizeof(text));
	json_object_set_new(obj, key, json_string(text));
}

static void
set_mac(json_t *obj, const char *key, const struct rte_ether_addr *mac)
{
	char text[RTE_ETHER_ADDR_FMT_SIZE];

	if (rte_is_zero_ether_addr(mac))
		return;
	rte_ether_format_addr(text, sizeof(text), mac);
	json_object_set_new(obj, key, json_string(text));
}

/* What an ARP event's second MAC is, by kind (NULL: none worth telling). */
static const char *
mac2_key(unsigned int kind)
{
	switch (kind) {
	case WW_EV_ARP_SPOOF: return "bound_mac";
	case WW_EV_ARP_SENDER_MISMATCH: return "eth_src";
	case WW_EV_ARP_CONFLICT: return "other_mac";
	case WW_EV_ARP_VERIFIED: return "claimed_mac";
	default: return NULL;
	}
}

/* Fields as Suricata's eve.json names them where it has a name. */
json_t *
ww_app_event_json(const struct ww_app *app, const struct ww_event *ev)
{
	bool icmp = ev->proto == 1 || ev->proto == 58;
	char when[48];
	json_t *obj;

	ww_app_format_time(when, sizeof(when), ev->time_ns + app->clock_offset_ns);
	obj = json_pack("{s:s, s:s, s:s, s:s, s:s}", "timestamp", when,
		"event_type", "alert", "event", ww_event_kind_name(ev->kind),
		"category", ww_event_category_name(
			ww_event_kind_category(ev->kind)),
		"level", ww_event_level_name(ww_event_kind_level(ev->kind)));
	if (ev->family != 0) {
		set_addr(obj, "src_ip", ev->family, ev->src);
		set_addr(obj, "dest_ip", ev->family, ev->dst);
	}
	if (ev->proto != 0) {
		json_object_set_new(obj, "proto", json_integer(ev->proto));
		json_object_set_new(obj, icmp ? "icmp_type" : "src_port",
				    json_integer(ev->sport));
		json_object_set_new(obj, icmp ? "icmp_code" : "dest_port",
				    json_integer(ev->dport));
	}
	set_mac(obj, "mac", &ev->mac);
	if (mac2_key(ev->kind) != NULL)
		set_mac(obj, mac2_key(ev->kind), &ev->mac2);
	if (ev->port_idx < app->cfg.nb_ports && ev->family != 0)
		json_object_set_new(obj, "in_port", json_string(
			app->cfg.ports[ev->port_idx].name));
	json_object_set_new(obj, "count", json_integer(ev->count));
	if (ev->value != 0)
		json_object_set_new(obj, "value", json_integer(ev->value));
	if (ev->block_ttl_s != 0)
		json_object_set_new(obj, "block_ttl", json_integer(ev->block_ttl_s));
	json_object_set_new(obj, "detail", json_string(ev->text[0] ?
		ev->text : ww_event_kind_help(ev->kind)));
	return obj;
}

static void
emit_json(struct ww_app *app, const struct ww_event *ev)
{
	json_t *obj;
	char *line;

	app->event_counts[ev->kind] += ev->count;
	if (app->events_out == NULL && app->events_file == NULL &&
	    app->events_json == NULL && app->replay)
		return;
	obj = ww_app_event_json(app, ev);
	if (app->events_store != NULL)
		ww_events_add(app->events_store, obj,
			      (double)(ev->time_ns + app->clock_offset_ns) / 1e9);
	if (!app->replay)   /* the answer when no database is kept */
		ww_app_remember_event(app, obj);
	line = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (line != NULL && app->events_out != NULL)
		fprintf(app->events_out, "event: %s\n", line);
	if (line != NULL && app->events_file != NULL)
		fprintf(app->events_file, "%s\n", line);
	if (app->events_json != NULL)
		json_array_append(app->events_json, obj);
	free(line);
	json_decref(obj);
}

/* An event of the control plane's own, about @p about's source. */
static void
own_event(struct ww_app *app, const struct ww_event *about, unsigned int kind,
	  uint32_t ttl)
{
	struct ww_event ev = *about;

	ev.kind = kind;
	ev.count = 1;
	ev.block_ttl_s = ttl;
	ev.value = 0;
	snprintf(ev.text, sizeof(ev.text), "%s", ww_event_kind_name(about->kind));
	emit_json(app, &ev);
}

/* A detector asked for its source to be blocked. */
static void
auto_block(struct ww_app *app, const struct ww_event *ev)
{
	struct ww_bl_prefix p = { .family = ev->family,
				  .len = ev->family == 4 ? 32 : 128 };
	unsigned int before = ww_blocklist_count(app->bl, WW_BL_AUTO_SET);
	char text[64];
	int ret;

	memcpy(p.addr, ev->src, ev->family == 4 ? 4 : 16);
	ret = ww_blocklist_add(app->bl, WW_BL_AUTO_SET, &p, ev->block_ttl_s,
			       WW_BL_AUTO, ww_event_kind_name(ev->kind),
			       ww_app_clock_ns(app));
	if (ret == -EPERM) {
		own_event(app, ev, WW_EV_NEVER_BLOCKED, 0);
	} else if (ret != 0) {
		ww_bl_prefix_format(&p, text, sizeof(text));
		fprintf(stderr, "warning: cannot block %s: %s\n", text,
			strerror(-ret));
	} else if (ww_blocklist_count(app->bl, WW_BL_AUTO_SET) > before) {
		app->auto_blocks++;
		if (app->control != NULL)   /* saved, to outlive a restart */
			ww_control_bl_changed(app->control);
		own_event(app, ev, WW_EV_BLOCKED, ev->block_ttl_s);
	}
}

/* One batch of events: written out, and blocks made, under the lock (the
 * prompt and the HTTP server write the block lists too). */
static void
take_events(struct ww_app *app, void *items, unsigned int n)
{
	struct ww_event *evs = items;

	pthread_mutex_lock(&app->control_lock);
	for (unsigned int i = 0; i < n; i++) {
		/* Detectors block through the block lists: without them an
		 * event only alerts. */
		if (!app->cfg.guards.blocklist.enabled)
			evs[i].block_ttl_s = 0;
		emit_json(app, &evs[i]);
		if (evs[i].block_ttl_s != 0 && evs[i].family != 0)
			auto_block(app, &evs[i]);
	}
	pthread_mutex_unlock(&app->control_lock);
}

/* The lock is taken per batch (take_events), so the prompt and the HTTP
 * server get their turn during a storm. */
unsigned int
ww_app_drain_events(struct ww_app *app)
{
	struct ww_event evs[32];
	unsigned int total = 0;

	for (unsigned int w = 0; w < app->nb_workers; w++)
		total += ww_app_drain_ring(app, app->workers[w].event_ring, evs,
					   sizeof(evs[0]), RTE_DIM(evs),
					   take_events);
	if (total != 0) {
		if (app->events_out != NULL)
			fflush(app->events_out);
		if (app->events_file != NULL)
			fflush(app->events_file);
	}
	return total;
}

void
ww_app_guards_housekeeping(struct ww_app *app)
{
	pthread_mutex_lock(&app->control_lock);
	if (app->bl != NULL)
		ww_blocklist_expire(app->bl, ww_app_clock_ns(app));
	pthread_mutex_unlock(&app->control_lock);
	ww_app_drain_events(app);
}

static void
flush_job(struct ww_worker *w, void *arg)
{
	if (w->events != NULL)
		ww_event_agg_flush(w->events);
}

void
ww_app_flush_events(struct ww_app *app)
{
	for (unsigned int w = 0; w < app->nb_workers; w++)
		ww_worker_run_job(&app->workers[w], app->workers_running,
				  flush_job, NULL);
	ww_app_drain_events(app);
}

/* ---- reports ---- */

json_t *
ww_app_guards_json(const struct ww_app *app)
{
	json_t *events = json_object(), *sets = json_object();
	const char *names[WW_BL_SETS_MAX];
	unsigned int nb_sets = ww_blocklist_sets(app->bl, names, RTE_DIM(names));
	uint64_t lost = 0;

	for (unsigned int k = 0; k < WW_EV_MAX; k++)
		if (app->event_counts[k] != 0)
			json_object_set_new(events, ww_event_kind_name(k),
				json_integer((json_int_t)app->event_counts[k]));
	for (unsigned int i = 0; i < nb_sets; i++)
		json_object_set_new(sets, names[i], json_integer(
			ww_blocklist_count(app->bl, names[i])));
	for (unsigned int w = 0; w < app->nb_workers; w++)
		if (app->workers[w].events != NULL)
			lost += ww_event_agg_lost(app->workers[w].events);
	return json_pack("{s:o, s:I, s:I, s:o}", "events", events,
			 "events_lost", (json_int_t)lost,
			 "auto_blocks", (json_int_t)app->auto_blocks,
			 "blocklists", sets);
}
