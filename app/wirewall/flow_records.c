/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flow records on the control plane's side: each worker's connection
 * table and flow meter hand records to a ring; here they are taken and
 * sent where they go: the --flows file and the replay report (eve.json's
 * "flow" shape), the IPFIX collectors, the top talkers, the recent list
 * `show flows` and the REST API read.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_ring.h>

#include "app.h"

#define FLOW_RING_SIZE 65536   /* records a worker may have queued (6 MiB) */

int
ww_app_flows_start(struct ww_app *app)
{
	const struct ww_config_telemetry *t = &app->cfg.telemetry;
	char name[32];

	if (!t->flows)
		return 0;
	for (unsigned int i = 0; i < app->nb_workers; i++) {
		struct ww_worker *w = &app->workers[i];
		struct ww_flowmeter_params p = {
			.name = name, .max_flows = t->max_untracked,
			.idle_ns = (uint64_t)t->idle_timeout_s * NS_PER_S,
			.active_ns = (uint64_t)t->active_timeout_s * NS_PER_S,
			.socket_id = SOCKET_ID_ANY,
			.fn = ww_worker_flow_record, .arg = w,
		};

		snprintf(name, sizeof(name), "ww_fl_%u", i);
		w->flow_ring = rte_ring_create_elem(name,
			sizeof(struct ww_flow_record), FLOW_RING_SIZE,
			SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(name, sizeof(name), "ww_fm_%u", i);
		w->meter = w->flow_ring ? ww_flowmeter_create(&p) : NULL;
		if (w->meter == NULL || (w->ct != NULL &&
		    ww_ct_set_records(w->ct, ww_worker_flow_record, w,
				      p.active_ns) != 0)) {
			fprintf(stderr, "error: cannot set up flow records for "
				"worker %u (%u untracked flows): %s\n", i,
				t->max_untracked, rte_strerror(rte_errno));
			return -ENOMEM;
		}
	}
	return 0;
}

void
ww_app_flows_stop(struct ww_app *app)
{
	for (unsigned int i = 0; app->workers && i < app->nb_workers; i++) {
		struct ww_worker *w = &app->workers[i];

		if (w->ct != NULL)
			ww_ct_set_records(w->ct, NULL, NULL, 0);
		ww_flowmeter_free(w->meter);
		w->meter = NULL;
		rte_ring_free(w->flow_ring);
		w->flow_ring = NULL;
	}
}

/* ---- one record as JSON (eve.json's "flow") ---- */

static const char *
proto_upper(uint8_t proto, char *buf, size_t size)
{
	switch (proto) {
	case 6: return "TCP";
	case 17: return "UDP";
	case 1: return "ICMP";
	case 58: return "IPv6-ICMP";
	}
	snprintf(buf, size, "%u", proto);
	return buf;
}

json_t *
ww_app_flow_json(const struct ww_app *app, const struct ww_flow_record *r)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN], start[48], end[48];
	char pbuf[8], fl[2][4];
	int af = r->family == 4 ? AF_INET : AF_INET6;
	bool icmp = r->proto == 1 || r->proto == 58;
	json_t *obj;

	inet_ntop(af, r->addr[0], a, sizeof(a));
	inet_ntop(af, r->addr[1], b, sizeof(b));
	ww_app_format_time(start, sizeof(start),
			   (uint64_t)((int64_t)r->first_ns + app->clock_offset_ns));
	ww_app_format_time(end, sizeof(end),
			   (uint64_t)((int64_t)r->last_ns + app->clock_offset_ns));
	obj = json_pack("{s:s, s:s, s:s, s:s, s:s}", "timestamp", start,
			"event_type", "flow", "src_ip", a, "dest_ip", b,
			"proto", proto_upper(r->proto, pbuf, sizeof(pbuf)));
	if (icmp) {
		json_object_set_new(obj, "icmp_type", json_integer(r->port[0] >> 8));
		json_object_set_new(obj, "icmp_code", json_integer(r->port[0] & 0xff));
	} else {
		json_object_set_new(obj, "src_port", json_integer(r->port[0]));
		json_object_set_new(obj, "dest_port", json_integer(r->port[1]));
	}
	if (r->in_port < app->cfg.nb_ports)
		json_object_set_new(obj, "in_iface",
				    json_string(app->cfg.ports[r->in_port].name));
	json_object_set_new(obj, "flow", json_pack(
		"{s:I, s:I, s:I, s:I, s:s, s:s, s:s, s:s}",
		"pkts_toserver", (json_int_t)r->packets[0],
		"pkts_toclient", (json_int_t)r->packets[1],
		"bytes_toserver", (json_int_t)r->bytes[0],
		"bytes_toclient", (json_int_t)r->bytes[1],
		"start", start, "end", end,
		"reason", ww_flow_end_name(r->end_reason),
		"action", r->verdict == WW_FLOW_FORWARDED ? "forwarded"
							  : "dropped"));
	if (r->proto == 6) {
		snprintf(fl[0], sizeof(fl[0]), "%02x", r->tcp_flags[0]);
		snprintf(fl[1], sizeof(fl[1]), "%02x", r->tcp_flags[1]);
		json_object_set_new(obj, "tcp", json_pack("{s:s, s:s}",
			"tcp_flags_ts", fl[0], "tcp_flags_tc", fl[1]));
	}
	return obj;
}

/* ---- taking them ---- */

static void
flow_out(struct ww_app *app, const struct ww_flow_record *r)
{
	json_t *obj = NULL;
	char *line;

	app->flow_records++;
	ww_app_flow_record_hook(app, r);
	if (app->flows_file == NULL && app->flows_json == NULL)
		return;
	obj = ww_app_flow_json(app, r);
	if (app->flows_file != NULL &&
	    (line = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER))) {
		fprintf(app->flows_file, "%s\n", line);
		free(line);
	}
	if (app->flows_json != NULL)
		json_array_append(app->flows_json, obj);
	json_decref(obj);
}

static void
flows_out(struct ww_app *app, void *items, unsigned int n)
{
	const struct ww_flow_record *recs = items;

	for (unsigned int i = 0; i < n; i++)
		flow_out(app, &recs[i]);
}

unsigned int
ww_app_drain_flows(struct ww_app *app)
{
	struct ww_flow_record recs[32];
	unsigned int total = 0;

	for (unsigned int w = 0; w < app->nb_workers; w++)
		total += ww_app_drain_ring(app, app->workers[w].flow_ring, recs,
					   sizeof(recs[0]), RTE_DIM(recs),
					   flows_out);
	if (total != 0 && app->flows_file != NULL)
		fflush(app->flows_file);
	return total;
}

static void
spill(void *arg)
{
	ww_app_drain_flows(arg);
}

void
ww_app_flows_spill(struct ww_app *app, bool on)
{
	for (unsigned int w = 0; w < app->nb_workers; w++) {
		app->workers[w].flow_spill = on ? spill : NULL;
		app->workers[w].flow_spill_arg = on ? app : NULL;
	}
}

void
ww_app_flows_final(struct ww_app *app)
{
	/* Workers have stopped (or run here): a full ring is emptied as the
	 * tables give their records, however many flows they hold. */
	ww_app_flows_spill(app, true);
	for (unsigned int w = 0; w < app->nb_workers; w++)
		ww_worker_flows_flush(&app->workers[w], NULL);
	ww_app_drain_flows(app);
	ww_app_flows_spill(app, app->replay);
}

uint64_t
ww_app_flows_lost(const struct ww_app *app)
{
	uint64_t lost = 0;

	for (unsigned int w = 0; w < app->nb_workers; w++)
		lost += app->workers[w].flow_lost;
	return lost;
}
