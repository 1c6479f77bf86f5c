/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Telemetry on the control plane: once a second a sample of every time
 * series (pps and bps per port and direction, drops by reason, new and
 * active connections, events by category, flow records); flow records to
 * the top talkers, the IPFIX collectors and the recent list; events to
 * the store (SQLite, JSON lines, syslog). Workers only fill rings; all of
 * this runs in the main loop.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"

#define RECENT_FLOWS 4096
#define SERIES_SECONDS 3600

struct sample_prev {
	struct ww_port_counters port[WW_MAX_PORTS];
	uint64_t ct_created;
	uint64_t events[WW_EVCAT_MAX];
	uint64_t flow_records;
	uint64_t time_s;
};

static struct sample_prev prev;
static struct ww_flow_record recent_flows[RECENT_FLOWS];
static unsigned int recent_head, recent_count;

/* ---- the series' names, in the order samples fill them ---- */

static unsigned int
series_names(const struct ww_app *app, char (*names)[WW_SERIES_NAME_MAX],
	     unsigned int max)
{
	static const char *const dir[] = { "rx_pps", "rx_bps", "tx_pps",
					   "tx_bps" };
	unsigned int n = 0;

	for (unsigned int p = 0; p < app->cfg.nb_ports; p++)
		for (unsigned int d = 0; d < RTE_DIM(dir); d++)
			snprintf(names[n++], WW_SERIES_NAME_MAX, "port.%s.%s",
				 app->cfg.ports[p].name, dir[d]);
	for (unsigned int r = WW_REASON_NONE + 1; r < WW_REASON_MAX; r++)
		snprintf(names[n++], WW_SERIES_NAME_MAX, "drops.%s",
			 ww_reason_name(r));
	snprintf(names[n++], WW_SERIES_NAME_MAX, "ct.new_per_s");
	for (unsigned int s = 0; s < WW_CT_FS_MAX; s++)
		snprintf(names[n++], WW_SERIES_NAME_MAX, "ct.%s",
			 ww_ct_flow_state_name(s));
	for (unsigned int c = 0; c < WW_EVCAT_MAX; c++)
		snprintf(names[n++], WW_SERIES_NAME_MAX, "events.%s",
			 ww_event_category_name(c));
	snprintf(names[n++], WW_SERIES_NAME_MAX, "flows.records_per_s");
	(void)max;
	return n;
}

#define SERIES_MAX (WW_MAX_PORTS * 4 + WW_REASON_MAX + WW_CT_FS_MAX + \
		    WW_EVCAT_MAX + 2)

static int
series_start(struct ww_app *app)
{
	static char names[SERIES_MAX][WW_SERIES_NAME_MAX];
	const char *ptrs[SERIES_MAX];
	unsigned int n = series_names(app, names, SERIES_MAX);

	for (unsigned int i = 0; i < n; i++)
		ptrs[i] = names[i];
	app->series = ww_series_create(ptrs, n, SERIES_SECONDS);
	return app->series != NULL ? 0 : -ENOMEM;
}

static void
events_by_category(const struct ww_app *app, uint64_t *out)
{
	memset(out, 0, sizeof(uint64_t) * WW_EVCAT_MAX);
	for (unsigned int k = 0; k < WW_EV_MAX; k++)
		out[ww_event_kind_category(k)] += app->event_counts[k];
}

/* One second's values, in series_names() order; @p dt seconds passed. */
static void
sample(struct ww_app *app, double *v, double dt)
{
	struct ww_port_counters c, total = { 0 }, ptotal = { 0 };
	uint64_t ev[WW_EVCAT_MAX];
	struct ww_ct_stats ct;
	unsigned int n = 0;

	for (unsigned int p = 0; p < app->cfg.nb_ports; p++) {
		const struct ww_port_counters *o = &prev.port[p];

		ww_app_port_counters(app, p, &c);
		v[n++] = (c.rx_packets - o->rx_packets) / dt;
		v[n++] = 8.0 * (c.rx_bytes - o->rx_bytes) / dt;
		v[n++] = (c.tx_packets - o->tx_packets) / dt;
		v[n++] = 8.0 * (c.tx_bytes - o->tx_bytes) / dt;
		ww_counters_add(&total, &c);
		ww_counters_add(&ptotal, o);
		prev.port[p] = c;
	}
	for (unsigned int r = WW_REASON_NONE + 1; r < WW_REASON_MAX; r++)
		v[n++] = (total.drops[r] - ptotal.drops[r]) / dt;
	ww_app_ct_stats(app, &ct);
	v[n++] = (ct.created - prev.ct_created) / dt;
	prev.ct_created = ct.created;
	for (unsigned int s = 0; s < WW_CT_FS_MAX; s++)
		v[n++] = (double)ct.by_state[s];
	events_by_category(app, ev);
	for (unsigned int k = 0; k < WW_EVCAT_MAX; k++)
		v[n++] = (ev[k] - prev.events[k]) / dt;
	memcpy(prev.events, ev, sizeof(ev));
	v[n++] = (app->flow_records - prev.flow_records) / dt;
	prev.flow_records = app->flow_records;
}

/* ---- start, tick, stop ---- */

static int
events_start(struct ww_app *app, const char *state_dir)
{
	const struct ww_config_telemetry *t = &app->cfg.telemetry;
	struct ww_events_params p = {
		.max_rows = t->event_max_rows,
		.max_age_s = t->event_max_age_s,
		.syslog_server = t->syslog[0] ? t->syslog : NULL,
	};
	char db[512], err[512];

	if (t->event_db[0] != '\0')
		snprintf(db, sizeof(db), "%s", t->event_db);
	else
		snprintf(db, sizeof(db), "%s/events.db", state_dir);
	p.db_path = t->event_store ? db : NULL;
	if (p.db_path == NULL && p.syslog_server == NULL)
		return 0;
	app->events_store = ww_events_open(&p, err, sizeof(err));
	if (app->events_store == NULL) {
		fprintf(stderr, "error: events: %s\n", err);
		return -EINVAL;
	}
	return 0;
}

int
ww_app_ipfix_start(struct ww_app *app)
{
	const struct ww_config_telemetry *t = &app->cfg.telemetry;
	struct ww_ipfix_params p = {
		.nb_collectors = t->nb_collectors,
		.domain_id = t->ipfix_domain_id,
		.template_refresh_s = t->template_refresh_s,
	};
	char err[256];

	if (t->nb_collectors == 0 || !t->flows)
		return 0;
	for (unsigned int i = 0; i < t->nb_collectors; i++)
		p.collectors[i] = t->collectors[i];
	app->ipfix = ww_ipfix_create(&p, err, sizeof(err));
	if (app->ipfix == NULL) {
		fprintf(stderr, "error: telemetry.ipfix: %s\n", err);
		return -EINVAL;
	}
	return 0;
}

int
ww_app_telemetry_start(struct ww_app *app, const char *state_dir)
{
	int ret = series_start(app);

	if (ret == 0 && (app->talkers = ww_talkers_create(0, 0)) == NULL)
		ret = -ENOMEM;
	if (ret == 0)
		ret = events_start(app, state_dir);
	if (ret == 0)
		ret = ww_app_ipfix_start(app);
	if (ret == -ENOMEM)
		fprintf(stderr, "error: out of memory for telemetry\n");
	prev.time_s = (uint64_t)time(NULL);
	return ret;
}

void
ww_app_ipfix_stop(struct ww_app *app)
{
	if (app->ipfix == NULL)
		return;
	ww_ipfix_flush(app->ipfix, (uint64_t)time(NULL));
	ww_ipfix_free(app->ipfix);
	app->ipfix = NULL;
}

void
ww_app_telemetry_stop(struct ww_app *app)
{
	ww_app_ipfix_stop(app);
	ww_events_close(app->events_store);
	ww_talkers_free(app->talkers);
	ww_series_free(app->series);
	app->events_store = NULL;
	app->talkers = NULL;
	app->series = NULL;
}

void
ww_app_telemetry_tick(struct ww_app *app)
{
	uint64_t now = (uint64_t)time(NULL);
	double v[SERIES_MAX];

	if (app->events_store != NULL)
		ww_events_flush(app->events_store);
	if (app->ipfix != NULL)
		ww_ipfix_flush(app->ipfix, now);
	if (app->series == NULL || now <= prev.time_s)
		return;
	sample(app, v, (double)(now - prev.time_s));
	ww_series_push(app->series, now, v);
	prev.time_s = now;
}

/* ---- flow records and events ---- */

void
ww_app_flow_record_hook(struct ww_app *app, const struct ww_flow_record *r)
{
	uint64_t now = ww_app_clock_ns(app) / NS_PER_S;
	unsigned int slot = (recent_head + recent_count) % RECENT_FLOWS;

	if (app->talkers != NULL)
		ww_talkers_add(app->talkers, r, now);
	if (app->ipfix != NULL)
		ww_ipfix_add(app->ipfix, r, app->clock_offset_ns);
	if (app->replay)
		return;
	if (recent_count == RECENT_FLOWS)
		recent_head = (recent_head + 1) % RECENT_FLOWS;
	else
		recent_count++;
	recent_flows[slot] = *r;
}

/* Does record @p r match "addr A", "port P" or "proto X"? */
static bool
flow_matches(const struct ww_flow_record *r, const struct ww_flow_filter *f)
{
	size_t alen = r->family == 4 ? 4 : 16;

	if (f->proto != 0 && r->proto != f->proto)
		return false;
	if (f->port != 0 && r->port[0] != f->port && r->port[1] != f->port)
		return false;
	if (f->family != 0 && (r->family != f->family ||
	    (memcmp(r->addr[0], f->addr, alen) != 0 &&
	     memcmp(r->addr[1], f->addr, alen) != 0)))
		return false;
	return true;
}

static uint64_t
rec_bytes(const struct ww_flow_record *r)
{
	return r->bytes[0] + r->bytes[1];
}

unsigned int
ww_app_recent_flows(const struct ww_app *app, const struct ww_flow_filter *f,
		    struct ww_flow_record *out, unsigned int max)
{
	unsigned int n = 0;

	(void)app;
	for (unsigned int k = 0; k < recent_count; k++) {
		const struct ww_flow_record *r =
			&recent_flows[(recent_head + k) % RECENT_FLOWS];
		unsigned int i;

		if (!flow_matches(r, f))
			continue;
		/* Keep the @p max biggest, biggest first. */
		if (n < max)
			i = n++;
		else if (rec_bytes(&out[n - 1]) < rec_bytes(r))
			i = n - 1;
		else
			continue;
		while (i > 0 && rec_bytes(&out[i - 1]) < rec_bytes(r)) {
			out[i] = out[i - 1];
			i--;
		}
		out[i] = *r;
	}
	return n;
}

/* ---- REST queries (lib/control's telemetry hook) ---- */

static json_t *
flow_records_json(const struct ww_app *app, const json_t *args)
{
	const char *addr = json_string_value(json_object_get(args, "addr"));
	json_int_t top = json_integer_value(json_object_get(args, "top"));
	struct ww_flow_filter f = { 0 };
	struct ww_flow_record *recs;
	json_t *items;
	unsigned int n;

	if (addr != NULL && addr[0] != '\0') {
		if (inet_pton(AF_INET, addr, f.addr) == 1)
			f.family = 4;
		else if (inet_pton(AF_INET6, addr, f.addr) == 1)
			f.family = 6;
		else
			return NULL;
	}
	if (top < 1 || top > RECENT_FLOWS)
		return NULL;
	recs = calloc((size_t)top, sizeof(*recs));
	if (recs == NULL)
		return NULL;
	n = ww_app_recent_flows(app, &f, recs, (unsigned int)top);
	items = json_array();
	for (unsigned int i = 0; i < n; i++)
		json_array_append_new(items, ww_app_flow_json(app, &recs[i]));
	free(recs);
	return json_pack("{s:o, s:I, s:I}", "items", items,
			 "total", (json_int_t)n, "records",
			 (json_int_t)app->flow_records);
}

json_t *
ww_app_telemetry_query(struct ww_app *app, const char *what, const json_t *args)
{
	json_t *out = NULL;

	errno = 0;
	if (strcmp(what, "series") == 0 && app->series != NULL)
		out = ww_series_json(app->series, json_string_value(
			json_object_get(args, "prefix")), (unsigned int)
			json_integer_value(json_object_get(args, "seconds")));
	else if (strcmp(what, "talkers") == 0 && app->talkers != NULL)
		out = json_pack("{s:o}", "items", ww_talkers_top(app->talkers,
			json_string_value(json_object_get(args, "by")),
			(unsigned int)json_integer_value(json_object_get(args,
								"top")),
			ww_app_clock_ns(app) / NS_PER_S));
	else if (strcmp(what, "flow-records") == 0)
		out = flow_records_json(app, args);
	if (out == NULL && errno == 0)
		errno = EINVAL;
	return out;
}
