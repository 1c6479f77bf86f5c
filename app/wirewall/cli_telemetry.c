/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the appliance measured: show stats (rates of the last second, the
 * links, drops, connections, flow records, events, exports, top talkers),
 * show flows (the biggest recent flow records, filtered), show events (the
 * event store, by category), show talkers.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmdline.h>
#include <cmdline_parse_string.h>

#include "cli.h"

#define SHOW_MAX 100

static double
last(struct ww_app *app, const char *name)
{
	int idx = app->series ? ww_series_index(app->series, name) : -1;

	return idx >= 0 ? ww_series_last(app->series, (unsigned int)idx) : 0;
}

/* "up 10 Gbps full" or "down", as the main lcore last read it. */
static const char *
link_text(const struct rte_eth_link *l, char *buf, size_t size)
{
	if (l->link_status != RTE_ETH_LINK_UP)
		return "down";
	snprintf(buf, size, "up %s %s", rte_eth_link_speed_to_str(
		 l->link_speed), l->link_duplex == RTE_ETH_LINK_FULL_DUPLEX ?
		 "full" : "half");
	return buf;
}

static void
print_rates(struct ww_app *app)
{
	char name[WW_SERIES_NAME_MAX * 2], link[48];

	printf("  %-12s %12s %14s %12s %14s  %-16s (last second)\n", "port",
	       "rx pps", "rx bit/s", "tx pps", "tx bit/s", "link");
	for (unsigned int p = 0; p < app->cfg.nb_ports; p++) {
		const char *n = app->cfg.ports[p].name;
		double v[4];
		static const char *const k[] = { "rx_pps", "rx_bps", "tx_pps",
						 "tx_bps" };

		for (unsigned int i = 0; i < 4; i++) {
			snprintf(name, sizeof(name), "port.%s.%s", n, k[i]);
			v[i] = last(app, name);
		}
		printf("  %-12s %12.0f %14.0f %12.0f %14.0f  %s\n", n, v[0],
		       v[1], v[2], v[3], link_text(&app->ports.port[p].link,
						   link, sizeof(link)));
	}
}

static void
print_talkers(struct ww_app *app, const char *by, unsigned int n)
{
	json_t *top = app->talkers ? ww_talkers_top(app->talkers, by, n,
			ww_app_clock_ns(app) / NS_PER_S) : NULL;
	json_t *t;
	size_t i;

	printf("  top talkers by %s (last hour):\n", by);
	json_array_foreach(top, i, t)
		printf("    %-40s %14" JSON_INTEGER_FORMAT " bytes %12"
		       JSON_INTEGER_FORMAT " packets\n",
		       json_string_value(json_object_get(t, "addr")),
		       json_integer_value(json_object_get(t, "bytes")),
		       json_integer_value(json_object_get(t, "packets")));
	if (json_array_size(top) == 0)
		printf("    (none yet)\n");
	json_decref(top);
}

static void
show_stats(struct ww_app *app, char *rest)
{
	struct ww_events_stats es = { 0 };
	struct ww_ipfix_stats xs = { 0 };
	struct ww_ct_stats ct;

	print_rates(app);
	ww_app_ct_stats(app, &ct);
	printf("  connections: %" PRIu64 " active, %.0f new/s\n", ct.active,
	       last(app, "ct.new_per_s"));
	printf("  flow records: %" PRIu64 " (%.0f/s), %" PRIu64 " lost\n",
	       app->flow_records, last(app, "flows.records_per_s"),
	       ww_app_flows_lost(app));
	if (app->events_store != NULL) {
		ww_events_get_stats(app->events_store, &es);
		printf("  events: %" PRIu64 " stored (%" PRIu64 " rows), %"
		       PRIu64 " dropped, %" PRIu64 " expired\n", es.stored,
		       es.rows, es.dropped, es.expired);
	}
	if (app->ipfix != NULL) {
		ww_ipfix_get_stats(app->ipfix, &xs);
		printf("  ipfix: %" PRIu64 " records in %" PRIu64 " messages, %"
		       PRIu64 " send errors\n", xs.records, xs.messages,
		       xs.send_errors);
	}
	print_talkers(app, "bytes", 5);
}

/* "top N", "addr A", "port P", "proto tcp|udp|icmp|N" in any order. */
static int
flow_filter(char *rest, unsigned int *top, struct ww_flow_filter *f)
{
	char *w, *v;

	while ((w = ww_cli_next_word(&rest)) != NULL) {
		v = ww_cli_next_word(&rest);
		if (v == NULL) {
			ww_cli_error("\"%s\" needs a value", w);
			return -EINVAL;
		}
		if (strcmp(w, "top") == 0) {
			*top = (unsigned int)strtoul(v, NULL, 10);
			if (*top == 0 || *top > SHOW_MAX) {
				ww_cli_error("top N: N is 1 to %d, got \"%s\"",
					     SHOW_MAX, v);
				return -EINVAL;
			}
		} else if (strcmp(w, "addr") == 0) {
			if (inet_pton(AF_INET, v, f->addr) == 1)
				f->family = 4;
			else if (inet_pton(AF_INET6, v, f->addr) == 1)
				f->family = 6;
			else {
				ww_cli_error("addr \"%s\": not an IPv4 or IPv6 "
					     "address", v);
				return -EINVAL;
			}
		} else if (strcmp(w, "port") == 0) {
			f->port = (uint16_t)strtoul(v, NULL, 10);
		} else if (strcmp(w, "proto") == 0) {
			f->proto = strcmp(v, "tcp") == 0 ? 6 :
				   strcmp(v, "udp") == 0 ? 17 :
				   strcmp(v, "icmp") == 0 ? 1 :
				   (uint8_t)strtoul(v, NULL, 10);
		} else {
			ww_cli_error("unknown filter \"%s\" (expected top, addr, "
				     "port or proto)", w);
			return -EINVAL;
		}
	}
	return 0;
}

static void
show_flows(struct ww_app *app, char *rest)
{
	struct ww_flow_filter f = { 0 };
	struct ww_flow_record *recs;
	unsigned int top = 10, n;

	if (flow_filter(rest, &top, &f) != 0)
		return;
	recs = calloc(top, sizeof(*recs));
	if (recs == NULL)
		return;
	n = ww_app_recent_flows(app, &f, recs, top);
	printf("  the %u biggest of the recent flow records (%" PRIu64
	       " so far):\n", n, app->flow_records);
	for (unsigned int i = 0; i < n; i++) {
		json_t *obj = ww_app_flow_json(app, &recs[i]);
		char *line = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);

		printf("  %s\n", line ? line : "");
		free(line);
		json_decref(obj);
	}
	free(recs);
}

static void
show_events(struct ww_app *app, char *rest)
{
	json_t *q = json_object(), *res, *ev;
	char *w, err[256];
	unsigned long n = 10;
	size_t i;

	while ((w = ww_cli_next_word(&rest)) != NULL) {
		if (strcmp(w, "last") == 0) {
			char *v = ww_cli_next_word(&rest);

			n = v ? strtoul(v, NULL, 10) : 0;
			if (n == 0 || n > SHOW_MAX) {
				ww_cli_error("last N: N is 1 to %d", SHOW_MAX);
				json_decref(q);
				return;
			}
		} else {
			json_object_set_new(q, "category", json_string(w));
		}
	}
	json_object_set_new(q, "limit", json_integer((json_int_t)n));
	res = ww_control_events(app->control, q);
	json_decref(q);
	if (res == NULL) {
		ww_cli_error("no event store: %s", strerror(errno));
		return;
	}
	(void)err;
	printf("  %" JSON_INTEGER_FORMAT " event(s), newest first:\n",
	       json_integer_value(json_object_get(res, "total")));
	json_array_foreach(json_object_get(res, "items"), i, ev) {
		char *line = json_dumps(ev, JSON_COMPACT | JSON_PRESERVE_ORDER);

		printf("  %s\n", line ? line : "");
		free(line);
	}
	json_decref(res);
}

static void
show_talkers(struct ww_app *app, char *rest)
{
	char *by = ww_cli_next_word(&rest), *n = ww_cli_next_word(&rest);
	unsigned long top = n ? strtoul(n, NULL, 10) : 10;

	if (by == NULL)
		by = "bytes";
	if ((strcmp(by, "bytes") != 0 && strcmp(by, "packets") != 0) ||
	    top == 0 || top > SHOW_MAX) {
		ww_cli_error("usage: show talkers [bytes|packets] [N (1 to %d)]",
			     SHOW_MAX);
		return;
	}
	print_talkers(app, by, (unsigned int)top);
}

struct cmd_show_t_result {
	cmdline_fixed_string_t show;
	cmdline_fixed_string_t what;
	char rest[256];
};

static void
cmd_show_t_parsed(void *parsed, struct cmdline *cl, void *data)
{
	struct cmd_show_t_result *r = parsed;
	struct ww_app *app = ww_cli_app();

	if (strcmp(r->what, "stats") == 0)
		show_stats(app, r->rest);
	else if (strcmp(r->what, "flows") == 0)
		show_flows(app, r->rest);
	else if (strcmp(r->what, "events") == 0)
		show_events(app, r->rest);
	else
		show_talkers(app, r->rest);
	fflush(stdout);
}

static cmdline_parse_token_string_t cmd_show_t_show =
	TOKEN_STRING_INITIALIZER(struct cmd_show_t_result, show, "show");
static cmdline_parse_token_string_t cmd_show_t_what =
	TOKEN_STRING_INITIALIZER(struct cmd_show_t_result, what,
				 "stats#flows#events#talkers");
static cmdline_parse_token_string_t cmd_show_t_rest =
	TOKEN_STRING_INITIALIZER(struct cmd_show_t_result, rest,
				 TOKEN_STRING_MULTI);

static cmdline_parse_inst_t cmd_show_t = {
	.f = cmd_show_t_parsed,
	.help_str = "show stats|flows|events|talkers [...]",
	.tokens = { (void *)&cmd_show_t_show, (void *)&cmd_show_t_what,
		    (void *)&cmd_show_t_rest, NULL },
};

static cmdline_parse_inst_t cmd_show_t_bare = {
	.f = cmd_show_t_parsed,
	.help_str = "show stats|flows|events|talkers",
	.tokens = { (void *)&cmd_show_t_show, (void *)&cmd_show_t_what, NULL },
};

static cmdline_parse_inst_t *telemetry_cmds[] = {
	&cmd_show_t, &cmd_show_t_bare, NULL,
};

static const struct ww_cli_help telemetry_help[] = {
	{ "show stats", "rates of the last second, connections, flow records, "
	  "events, exports, top talkers" },
	{ "show flows [top N] [addr A] [port P] [proto P]",
	  "the biggest recent flow records" },
	{ "show events [category] [last N]", "the newest stored events" },
	{ "show talkers [bytes|packets] [N]", "the biggest senders, last hour" },
	{ NULL, NULL },
};

const struct ww_cli_group ww_cli_telemetry_group = {
	.title = "Telemetry",
	.cmds = telemetry_cmds,
	.help = telemetry_help,
};
