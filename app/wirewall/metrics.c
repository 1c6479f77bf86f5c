/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * GET /metrics: the Prometheus text exposition, version 0.0.4.
 *
 * The exposition is a table of families; each is a name, a type, a help
 * text and one small function that writes its samples. A new family (flow
 * records, the event store, IPFIX) is one entry and, unless it reads the
 * port or conntrack snapshot, one function.
 *
 * A scrape first takes a snapshot of the per-port and conntrack counters
 * (so a family's lines agree with each other), then writes the families
 * in table order. Families that read what the control plane changes (rule
 * set, block lists, event counts) are written holding app->control_lock:
 * this runs in the HTTP server's thread.
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include <rte_common.h>
#include <rte_version.h>

#include "app.h"
#include "blocklist.h"
#include "conntrack.h"
#include "guard.h"
#include "observe.h"
#include "rules.h"

struct scrape {
	struct ww_app *app;
	FILE *out;
	unsigned int nb_ports;
	struct ww_port_counters port[WW_MAX_PORTS];
	bool has_ct;                 /* false: conntrack disabled */
	struct ww_ct_stats ct;
};

struct family;
typedef void (*family_fn)(struct scrape *s, const struct family *f);

struct family {
	const char *name;
	const char *type;            /* "counter" or "gauge" */
	const char *help;
	family_fn emit;
	size_t field;                /* port_field(): the counter's offset */
	/* NULL: always there; else the family exists only if it says so
	 * (no zeros for what this appliance does not have). */
	bool (*present)(const struct scrape *s);
	bool control_state;          /* read under app->control_lock */
};

/* ---- the text format ---- */

/* A label value: backslash, double quote and newline escaped. */
static void
put_label_value(FILE *out, const char *v)
{
	for (; *v != '\0'; v++) {
		switch (*v) {
		case '\\': fputs("\\\\", out); break;
		case '"': fputs("\\\"", out); break;
		case '\n': fputs("\\n", out); break;
		default: fputc(*v, out); break;
		}
	}
}

/* A help text: only backslash and newline are escaped there. */
static void
put_help(FILE *out, const char *v)
{
	for (; *v != '\0'; v++) {
		if (*v == '\\')
			fputs("\\\\", out);
		else if (*v == '\n')
			fputs("\\n", out);
		else
			fputc(*v, out);
	}
}

/*
 * One sample. @p labels: name, value, name, value, ..., NULL (or NULL for
 * none), e.g. (const char *[]){ "port", "outside", NULL }.
 */
static void
sample(struct scrape *s, const char *name, const char *const *labels,
       uint64_t value)
{
	fputs(name, s->out);
	if (labels != NULL && labels[0] != NULL) {
		fputc('{', s->out);
		for (unsigned int i = 0; labels[i] != NULL; i += 2) {
			fprintf(s->out, "%s%s=\"", i ? "," : "", labels[i]);
			put_label_value(s->out, labels[i + 1]);
			fputc('"', s->out);
		}
		fputc('}', s->out);
	}
	fprintf(s->out, " %" PRIu64 "\n", value);
}

#define LABELS(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* ---- ports ---- */

static const char *
port_name(const struct scrape *s, unsigned int i)
{
	return s->app->ports.port[i].name;
}

/* A field of struct ww_port_counters (f->field), per port. */
static void
port_field(struct scrape *s, const struct family *f)
{
	for (unsigned int i = 0; i < s->nb_ports; i++) {
		const uint64_t *v = (const uint64_t *)
			((const char *)&s->port[i] + f->field);

		sample(s, f->name, LABELS("port", port_name(s, i)), *v);
	}
}

/* Every reason but "none", zero or not: rate() needs the series to exist
 * before the first drop. */
static void
port_drops(struct scrape *s, const struct family *f)
{
	unsigned int r;

	for (unsigned int i = 0; i < s->nb_ports; i++)
		for (r = WW_REASON_NONE + 1; r < WW_REASON_MAX; r++)
			sample(s, f->name, LABELS("port", port_name(s, i),
				"reason", ww_reason_name(r)),
			       s->port[i].drops[r]);
}

/* ---- rules ---- */

/* Configured rules (explicit and security groups) by handle and origin;
 * entries the appliance generates have no handle, their origin names
 * them ("br0 default-closed"). */
static void
rule_hits(struct scrape *s, const struct family *f, bool bytes)
{
	const struct ww_ruleset *rs = s->app->ruleset;
	unsigned int n = rs != NULL ? ww_ruleset_size(rs) : 0;
	char handle[16];

	for (unsigned int i = 0; i < n; i++) {
		const struct ww_ruleset_entry *e = ww_ruleset_entry(rs, i);
		struct ww_rule_counter c;
		uint64_t v;

		ww_ruleset_counter(rs, i, &c);
		v = bytes ? c.bytes : c.packets;
		if (e->handle >= WW_GENERATED_HANDLE) {
			sample(s, f->name, LABELS("origin", e->origin), v);
			continue;
		}
		snprintf(handle, sizeof(handle), "%" PRIu32, e->handle);
		sample(s, f->name, LABELS("handle", handle,
					  "origin", e->origin), v);
	}
}

static void
rule_packets(struct scrape *s, const struct family *f)
{
	rule_hits(s, f, false);
}

static void
rule_bytes(struct scrape *s, const struct family *f)
{
	rule_hits(s, f, true);
}

/* ---- conntrack ---- */

static bool
has_ct(const struct scrape *s)
{
	return s->has_ct;
}

static void
ct_flows(struct scrape *s, const struct family *f)
{
	for (unsigned int i = 0; i < WW_CT_FS_MAX; i++)
		sample(s, f->name, LABELS("state", ww_ct_flow_state_name(i)),
		       s->ct.by_state[i]);
}

#define CT_SCALAR(field) \
static void \
ct_##field(struct scrape *s, const struct family *f) \
{ \
	sample(s, f->name, NULL, s->ct.field); \
}
CT_SCALAR(max_flows)
CT_SCALAR(created)
CT_SCALAR(expired)
CT_SCALAR(early_dropped)
CT_SCALAR(refused_full)
#undef CT_SCALAR

/* ---- guards ---- */

static void
events(struct scrape *s, const struct family *f)
{
	for (unsigned int k = 0; k < WW_EV_MAX; k++)
		sample(s, f->name, LABELS("event", ww_event_kind_name(k),
			"category", ww_event_category_name(
				ww_event_kind_category(k))),
		       s->app->event_counts[k]);
}

static void
events_lost(struct scrape *s, const struct family *f)
{
	uint64_t lost = 0;

	for (unsigned int w = 0; w < s->app->nb_workers; w++)
		if (s->app->workers[w].events != NULL)
			lost += ww_event_agg_lost(s->app->workers[w].events);
	sample(s, f->name, NULL, lost);
}

static void
auto_blocks(struct scrape *s, const struct family *f)
{
	sample(s, f->name, NULL, s->app->auto_blocks);
}

static bool
has_blocklist(const struct scrape *s)
{
	return s->app->bl != NULL;
}

static void
blocklist_entries(struct scrape *s, const struct family *f)
{
	const char *names[WW_BL_SETS_MAX];
	unsigned int n = ww_blocklist_sets(s->app->bl, names, RTE_DIM(names));

	for (unsigned int i = 0; i < n; i++)
		sample(s, f->name, LABELS("set", names[i]),
		       ww_blocklist_count(s->app->bl, names[i]));
}

/* ---- the process ---- */

static void
build_info(struct scrape *s, const struct family *f)
{
	sample(s, f->name, LABELS("version", WW_VERSION,
				  "dpdk", rte_version()), 1);
}

static void
up(struct scrape *s, const struct family *f)
{
	sample(s, f->name, NULL, 1);
}

/* ---- the table ---- */

#define COUNTER(n, h, fn, ...) { .name = "wirewall_" n, .type = "counter", \
	.help = h, .emit = fn, __VA_ARGS__ }
#define GAUGE(n, h, fn, ...) { .name = "wirewall_" n, .type = "gauge", \
	.help = h, .emit = fn, __VA_ARGS__ }
#define PORT_FIELD(n, member, h) COUNTER("port_" n, h, port_field, \
	.field = offsetof(struct ww_port_counters, member))

static const struct family families[] = {
	PORT_FIELD("rx_packets_total", rx_packets,
		   "Packets received on the port."),
	PORT_FIELD("rx_bytes_total", rx_bytes,
		   "Bytes received on the port."),
	PORT_FIELD("tx_packets_total", tx_packets,
		   "Packets sent out of the port, whichever port they came "
		   "in on."),
	PORT_FIELD("tx_bytes_total", tx_bytes,
		   "Bytes sent out of the port."),
	PORT_FIELD("forwarded_packets_total", forwarded_packets,
		   "Packets received on the port and forwarded to its "
		   "bridge peer."),
	PORT_FIELD("forwarded_bytes_total", forwarded_bytes,
		   "Bytes received on the port and forwarded to its "
		   "bridge peer."),
	COUNTER("port_drops_total",
		"Packets received on the port and dropped, by reason.",
		port_drops),
	PORT_FIELD("to_host_packets_total", to_host,
		   "Packets received on the port for the appliance itself."),
	PORT_FIELD("queued_packets_total", queued,
		   "Packets received on the port and handed to an "
		   "external inspector."),
	COUNTER("rule_hits_packets_total",
		"Packets that matched the rule-set entry first.",
		rule_packets, .control_state = true),
	COUNTER("rule_hits_bytes_total",
		"Bytes of the packets that matched the rule-set entry first.",
		rule_bytes, .control_state = true),
	GAUGE("conntrack_flows", "Flows in the connection table, by state.",
	      ct_flows, .present = has_ct),
	GAUGE("conntrack_max_flows",
	      "Capacity of the connection table (all workers).",
	      ct_max_flows, .present = has_ct),
	COUNTER("conntrack_created_total", "Flows created.",
		ct_created, .present = has_ct),
	COUNTER("conntrack_expired_total", "Flows removed after their timeout.",
		ct_expired, .present = has_ct),
	COUNTER("conntrack_early_dropped_total",
		"Flows evicted to make room for a new one (table full).",
		ct_early_dropped, .present = has_ct),
	COUNTER("conntrack_refused_full_total",
		"New flows refused because the table was full.",
		ct_refused_full, .present = has_ct),
	COUNTER("events_total", "Guard events, by kind and category (a "
		"summary counts every occurrence).",
		events, .control_state = true),
	COUNTER("events_lost_total",
		"Guard events a worker had no room to hand to the "
		"control plane.",
		events_lost),
	COUNTER("auto_blocks_total",
		"Addresses put on a block list by a detector.",
		auto_blocks, .control_state = true),
	GAUGE("blocklist_entries", "Entries on each block list.",
	      blocklist_entries, .present = has_blocklist,
	      .control_state = true),
	GAUGE("build_info",
	      "The wirewall release and the DPDK it runs on (value 1).",
	      build_info),
	GAUGE("up", "1 while wirewall serves.", up),
};

/* ---- a scrape ---- */

/* The counters several families share, read once. The baselines of
 * "clear port stats" are control-plane state: read them under the lock. */
static void
take_snapshot(struct scrape *s)
{
	struct ww_app *app = s->app;

	pthread_mutex_lock(&app->control_lock);
	s->nb_ports = RTE_MIN(app->ports.n, (unsigned int)WW_MAX_PORTS);
	for (unsigned int i = 0; i < s->nb_ports; i++)
		ww_app_port_counters(app, i, &s->port[i]);
	pthread_mutex_unlock(&app->control_lock);

	s->has_ct = false;
	for (unsigned int w = 0; w < app->nb_workers; w++)
		s->has_ct = s->has_ct || app->workers[w].ct != NULL;
	if (s->has_ct)
		ww_app_ct_stats(app, &s->ct);
}

static void
emit_family(struct scrape *s, const struct family *f)
{
	if (f->present != NULL && !f->present(s))
		return;
	fprintf(s->out, "# HELP %s ", f->name);
	put_help(s->out, f->help);
	fprintf(s->out, "\n# TYPE %s %s\n", f->name, f->type);
	if (f->control_state)
		pthread_mutex_lock(&s->app->control_lock);
	f->emit(s, f);
	if (f->control_state)
		pthread_mutex_unlock(&s->app->control_lock);
}

char *
ww_app_metrics(void *arg, const char **content_type, size_t *len)
{
	struct scrape *s = calloc(1, sizeof(*s));
	char *text = NULL;
	size_t size = 0;
	int err;

	if (s == NULL)
		return NULL;
	s->app = arg;
	s->out = open_memstream(&text, &size);
	if (s->out == NULL) {
		free(s);
		return NULL;
	}
	take_snapshot(s);
	for (size_t i = 0; i < RTE_DIM(families); i++)
		emit_family(s, &families[i]);
	err = ferror(s->out);
	/* fclose() sets text and size for the last time. */
	if (fclose(s->out) != 0 || err) {
		free(text);
		free(s);
		errno = ENOMEM;
		return NULL;
	}
	free(s);
	*content_type = "text/plain; version=0.0.4; charset=utf-8";
	*len = size;
	return text;
}
