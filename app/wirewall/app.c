/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <arpa/inet.h>
#include <getopt.h>
#include <netinet/in.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_malloc.h>

#include "app.h"

int
ww_app_load_config(struct ww_app *app, const char *path)
{
	struct ww_config_error err;
	char msg[768];
	int ret;

	snprintf(app->config_origin, sizeof(app->config_origin), "%s",
		 path != NULL ? path : "<embedded default>");
	if (path != NULL)
		ret = ww_config_load_file(path, &app->cfg, &err);
	else
		ret = ww_config_parse(ww_config_default_text(),
				      app->config_origin, &app->cfg, &err);
	if (ret != 0) {
		ww_config_error_format(&err, msg, sizeof(msg));
		fprintf(stderr, "error: configuration rejected: %s\n", msg);
	}
	return ret;
}

int
ww_app_option_error(int c, char **argv)
{
	if (c == ':')
		fprintf(stderr, "error: option %s needs a value\n",
			argv[optind - 1]);
	else
		fprintf(stderr, "error: unknown option \"%s\"\n",
			argv[optind - 1]);
	return -EINVAL;
}

static int filter_start(struct ww_app *app);
static void filter_stop(struct ww_app *app);

int
ww_app_start(struct ww_app *app, const char *const *devices,
	     unsigned int nb_workers)
{
	int ret;

	app->nb_workers = nb_workers;
	app->workers = rte_zmalloc("ww_workers",
				   sizeof(*app->workers) * nb_workers,
				   RTE_CACHE_LINE_SIZE);
	if (app->workers == NULL) {
		fprintf(stderr, "cannot allocate %u workers\n", nb_workers);
		return -ENOMEM;
	}
	ret = ww_ports_open(&app->ports, &app->cfg, devices, nb_workers);
	if (ret != 0) {
		rte_free(app->workers);
		app->workers = NULL;
		return ret;
	}
	for (unsigned int i = 0; i < nb_workers; i++) {
		app->workers[i].id = i;
		app->workers[i].quit = &app->quit;
		rte_seqcount_init(&app->workers[i].counters_seq);
	}
	ww_workers_assign(app->workers, nb_workers, &app->cfg, &app->ports);
	ret = filter_start(app);
	if (ret != 0)
		ww_app_stop(app);
	return ret;
}

void
ww_app_stop(struct ww_app *app)
{
	filter_stop(app);
	ww_ports_close(&app->ports);
	rte_free(app->workers);
	app->workers = NULL;
}

void
ww_app_port_counters(const struct ww_app *app, unsigned int idx,
		     struct ww_port_counters *out)
{
	struct ww_port_counters now;

	ww_workers_sum(app->workers, app->nb_workers, idx, &now);
	ww_counters_sub(out, &now, &app->baseline[idx]);
}

void
ww_app_clear_counters(struct ww_app *app, int idx)
{
	for (unsigned int i = 0; i < app->cfg.nb_ports; i++)
		if (idx < 0 || (unsigned int)idx == i)
			ww_workers_sum(app->workers, app->nb_workers, i,
				       &app->baseline[i]);
}

void
ww_app_links_update(struct ww_app *app)
{
	uint64_t now = (uint64_t)time(NULL);

	if (now == app->links_read_s)
		return;
	app->links_read_s = now;
	pthread_mutex_lock(&app->control_lock);
	ww_ports_link_update(&app->ports);
	pthread_mutex_unlock(&app->control_lock);
}

void
ww_app_print_counters(const struct ww_app *app, FILE *f)
{
	struct ww_port_counters c;

	for (unsigned int i = 0; i < app->cfg.nb_ports; i++) {
		ww_app_port_counters(app, i, &c);
		fprintf(f, "  ---- port %u: %s ----\n", i, app->cfg.ports[i].name);
		ww_counters_print(f, &c);
	}
	fflush(f);
}

json_t *
ww_app_counters_json(const struct ww_app *app)
{
	json_t *ports = json_object();
	bool conserved = true;
	struct ww_port_counters c;

	for (unsigned int i = 0; i < app->cfg.nb_ports; i++) {
		ww_app_port_counters(app, i, &c);
		conserved = conserved && ww_counters_conserved(&c);
		json_object_set_new(ports, app->cfg.ports[i].name,
				    ww_counters_to_json(&c));
	}
	return json_pack("{s:o, s:b}", "ports", ports, "conserved", conserved);
}

/* ---- filtering ---- */

#define LOG_RING_SIZE 4096                /* rule-log records per worker */

static void
entry_from_rule(struct ww_ruleset_entry *e, const struct ww_config *cfg,
		const struct ww_config_rule *r, int iif, const char *origin)
{
	memset(e, 0, sizeof(*e));
	e->rule = r->rule;
	e->iif_index = r->rule.iif[0] ? ww_config_port_index(cfg, r->rule.iif)
				      : iif;
	e->reason = WW_REASON_RULE_DROP;
	e->handle = r->handle;
	snprintf(e->origin, sizeof(e->origin), "%s", origin);
}

/* The protected side's other port: where new connections come in. */
static int
unprotected_port(const struct ww_config_bridge *br)
{
	return br->port[br->protected_side == 0 ? 1 : 0];
}

/*
 * IPv6 needs neighbour and multicast listener discovery (ICMPv6 130-137)
 * in both directions: a protected segment lets them in before it closes.
 * Explicit rules still come first and may drop them.
 */
static unsigned int
add_discovery_entry(struct ww_ruleset_entry *e, unsigned int k,
		    const struct ww_config_bridge *br, unsigned int b)
{
	struct ww_rule *r = &e[k].rule;

	r->family = WW_RULE_FAMILY_IPV6;
	r->proto = IPPROTO_ICMPV6;
	r->nb_icmp_type = 1;
	r->icmp_type[0] = (struct ww_rule_range){ 130, 137 };
	r->action = WW_RULE_ACCEPT;
	e[k].iif_index = unprotected_port(br);
	e[k].handle = WW_GENERATED_HANDLE + WW_MAX_BRIDGES + b;
	snprintf(e[k].origin, sizeof(e[k].origin), "%s ipv6-discovery",
		 br->name);
	return k + 1;
}

/*
 * The entries in evaluation order: explicit rules, then every security
 * group's allow rules bound to its bridge's unprotected port, then per
 * protected bridge IPv6 discovery and a default-closed entry (new
 * connections in: drop).
 */
static struct ww_ruleset_entry *
collect_entries(const struct ww_config *cfg, unsigned int *count)
{
	unsigned int n = cfg->nb_rules + 2 * cfg->nb_bridges, k = 0;
	struct ww_ruleset_entry *e;
	char origin[48];

	for (unsigned int g = 0; g < cfg->nb_sgs; g++)
		n += cfg->sgs[g].nb_rules;
	e = calloc(n ? n : 1, sizeof(*e));
	if (e == NULL)
		return NULL;
	for (unsigned int i = 0; i < cfg->nb_rules; i++)
		entry_from_rule(&e[k++], cfg, &cfg->rules[i], -1, "rules");
	for (unsigned int g = 0; g < cfg->nb_sgs; g++) {
		const struct ww_config_sg *sg = &cfg->sgs[g];
		int iif = unprotected_port(&cfg->bridges[sg->bridge]);

		snprintf(origin, sizeof(origin), "sg %s", sg->name);
		for (unsigned int i = 0; i < sg->nb_rules; i++)
			entry_from_rule(&e[k++], cfg, &sg->rules[i], iif, origin);
	}
	for (unsigned int b = 0; b < cfg->nb_bridges; b++) {
		const struct ww_config_bridge *br = &cfg->bridges[b];

		if (br->protected_side < 0)
			continue;
		k = add_discovery_entry(e, k, br, b);
		e[k].rule.action = WW_RULE_DROP;
		e[k].iif_index = unprotected_port(br);
		e[k].reason = WW_REASON_POLICY_DROP;
		e[k].handle = WW_GENERATED_HANDLE + b;
		snprintf(e[k].origin, sizeof(e[k].origin), "%s default-closed",
			 br->name);
		k++;
	}
	*count = k;
	return e;
}

int
ww_app_build_rules(struct ww_app *app, const struct ww_config *cfg,
		   struct ww_ruleset **out, char *err, size_t size)
{
	struct ww_ruleset_entry *entries;
	unsigned int n = 0;

	entries = collect_entries(cfg, &n);
	if (entries == NULL) {
		snprintf(err, size, "out of memory for %u rules", n);
		return -ENOMEM;
	}
	*out = ww_ruleset_build(entries, n, app->nb_workers, SOCKET_ID_ANY);
	free(entries);
	if (*out == NULL) {
		snprintf(err, size, "cannot compile the rules: %s",
			 rte_strerror(rte_errno));
		return -rte_errno;
	}
	return 0;
}

void
ww_app_publish_rules(struct ww_app *app, struct ww_ruleset *rs)
{
	struct ww_ruleset *old;

	pthread_mutex_lock(&app->control_lock);
	old = app->ruleset;
	__atomic_store_n(&app->ruleset, rs, __ATOMIC_RELEASE);
	/* Once every worker has passed a quiescent state, no burst uses the
	 * old set: its counters are final and it can go. */
	if (app->rcu != NULL)
		rte_rcu_qsbr_synchronize(app->rcu, RTE_QSBR_THRID_INVALID);
	ww_ruleset_carry_counters(rs, old);
	ww_ruleset_free(old);
	pthread_mutex_unlock(&app->control_lock);
}

int
ww_app_apply_rules(struct ww_app *app, const struct ww_config *cfg, char *err,
		   size_t size)
{
	uint64_t start = rte_get_timer_cycles();
	struct ww_ruleset *rs;
	int ret = ww_app_build_rules(app, cfg, &rs, err, size);

	if (ret != 0)
		return ret;
	ww_app_publish_rules(app, rs);
	app->rules_publish_ns = (rte_get_timer_cycles() - start) * NS_PER_S /
				rte_get_timer_hz();
	return 0;
}

void
ww_app_print_filter(const struct ww_app *app, FILE *f)
{
	const struct ww_ct_table *ct = app->workers ? app->workers[0].ct : NULL;
	unsigned int n = app->ruleset ? ww_ruleset_size(app->ruleset) : 0;

	fprintf(f, "wirewall: rule set of %u entries compiled and published in "
		"%.1f ms\n", n, app->rules_publish_ns / 1e6);
	if (ct != NULL) {
		struct ww_ct_stats s;

		ww_ct_get_stats(ct, &s);
		fprintf(f, "wirewall: conntrack: %" PRIu64 " flows per worker, "
			"%zu bytes (%.1f bytes per flow)\n", s.max_flows,
			ww_ct_memory(ct), (double)ww_ct_memory(ct) /
			(s.max_flows ? s.max_flows : 1));
	} else {
		fprintf(f, "wirewall: conntrack: disabled (stateless rules)\n");
	}
	fprintf(f, "wirewall: guards: %u block-list entries loaded in %.1f ms, "
		"%zu bytes\n", ww_blocklist_count(app->bl, NULL),
		app->bl_load_ns / 1e6, ww_blocklist_memory(app->bl));
	fflush(f);
}

static int
filter_start(struct ww_app *app)
{
	struct ww_ct_config ct = app->cfg.conntrack;
	size_t rcu_size = rte_rcu_qsbr_get_memsize(app->nb_workers);
	char name[32], err[256];
	int ret;

	pthread_mutexattr_t attr;

	/* Recursive: a prompt command holds it while it calls lib/control,
	 * which takes it too. */
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&app->control_lock, &attr);
	pthread_mutexattr_destroy(&attr);
	app->rcu = rte_zmalloc("ww_rcu", rcu_size, RTE_CACHE_LINE_SIZE);
	if (app->rcu == NULL || rte_rcu_qsbr_init(app->rcu, app->nb_workers) != 0) {
		fprintf(stderr, "error: cannot set up RCU for %u workers\n",
			app->nb_workers);
		return -ENOMEM;
	}
	/* max_flows is the appliance's: each worker holds its share. */
	ct.max_flows = RTE_MAX(1u, ct.max_flows / app->nb_workers);
	for (unsigned int i = 0; i < app->nb_workers; i++) {
		snprintf(name, sizeof(name), "ww_ct_%u", i);
		if (ct.enabled)
			app->workers[i].ct = ww_ct_create(name, &ct,
							  SOCKET_ID_ANY);
		if (ct.enabled && app->workers[i].ct == NULL) {
			fprintf(stderr, "error: cannot create the connection "
				"table of worker %u (%u flows): %s\n", i,
				ct.max_flows, rte_strerror(rte_errno));
			return -ENOMEM;
		}
		snprintf(name, sizeof(name), "ww_log_%u", i);
		app->workers[i].log_ring = rte_ring_create_elem(name,
			sizeof(struct ww_rule_log), LOG_RING_SIZE, SOCKET_ID_ANY,
			RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (app->workers[i].log_ring == NULL) {
			fprintf(stderr, "error: cannot create the log ring of "
				"worker %u: %s\n", i, rte_strerror(rte_errno));
			return -ENOMEM;
		}
		app->workers[i].rules = &app->ruleset;
		app->workers[i].rcu = app->rcu;
		app->workers[i].pool = app->ports.pool;
	}
	ret = ww_app_guards_start(app);
	if (ret == 0)
		ret = ww_app_flows_start(app);
	if (ret != 0)
		return ret;
	ret = ww_app_apply_rules(app, &app->cfg, err, sizeof(err));
	if (ret != 0)
		fprintf(stderr, "error: %s\n", err);
	return ret;
}

static void
filter_stop(struct ww_app *app)
{
	ww_app_flows_stop(app);
	ww_app_guards_stop(app);
	for (unsigned int i = 0; app->workers && i < app->nb_workers; i++) {
		ww_ct_free(app->workers[i].ct);
		app->workers[i].ct = NULL;
		rte_ring_free(app->workers[i].log_ring);
		app->workers[i].log_ring = NULL;
	}
	ww_ruleset_free(app->ruleset);
	app->ruleset = NULL;
	rte_free(app->rcu);
	app->rcu = NULL;
}

static void
add_ct_stats(struct ww_ct_table *ct, void *arg)
{
	struct ww_ct_stats *sum = arg, s;

	ww_ct_get_stats(ct, &s);
	sum->active += s.active;
	for (unsigned int i = 0; i < WW_CT_FS_MAX; i++)
		sum->by_state[i] += s.by_state[i];
	sum->created += s.created;
	sum->expired += s.expired;
	sum->early_dropped += s.early_dropped;
	sum->refused_full += s.refused_full;
	sum->max_flows += s.max_flows;
}

void
ww_app_ct_stats(struct ww_app *app, struct ww_ct_stats *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned int i = 0; i < app->nb_workers; i++)
		if (app->workers[i].ct != NULL)
			add_ct_stats(app->workers[i].ct, out);
}

json_t *
ww_app_rules_json(const struct ww_app *app)
{
	json_t *arr = json_array();
	const struct ww_ruleset *rs = app->ruleset;
	char text[WW_RULE_TEXT_MAX];

	for (unsigned int i = 0; rs != NULL && i < ww_ruleset_size(rs); i++) {
		const struct ww_ruleset_entry *e = ww_ruleset_entry(rs, i);
		struct ww_rule_counter c;
		json_t *obj;

		ww_ruleset_counter(rs, i, &c);
		ww_rule_format(&e->rule, text, sizeof(text));
		obj = json_pack("{s:s, s:s, s:s, s:I, s:I}",
			"origin", e->origin, "rule", text,
			"action", ww_rule_action_name(e->rule.action),
			"packets", (json_int_t)c.packets,
			"bytes", (json_int_t)c.bytes);
		if (e->handle < WW_GENERATED_HANDLE)
			json_object_set_new(obj, "handle",
					    json_integer(e->handle));
		if (e->iif_index >= 0)
			json_object_set_new(obj, "iif", json_string(
				app->cfg.ports[e->iif_index].name));
		json_array_append_new(arr, obj);
	}
	return arr;
}

json_t *
ww_app_ct_json(struct ww_app *app)
{
	struct ww_ct_stats s;
	json_t *states = json_object();

	ww_app_ct_stats(app, &s);
	for (unsigned int i = 0; i < WW_CT_FS_MAX; i++)
		json_object_set_new(states, ww_ct_flow_state_name(i),
				    json_integer((json_int_t)s.by_state[i]));
	return json_pack("{s:I, s:I, s:o, s:I, s:I, s:I, s:I}",
		"active", (json_int_t)s.active,
		"max_flows", (json_int_t)s.max_flows,
		"by_state", states,
		"created", (json_int_t)s.created,
		"expired", (json_int_t)s.expired,
		"early_dropped", (json_int_t)s.early_dropped,
		"refused_full", (json_int_t)s.refused_full);
}

/* The rule text of @p handle in the current set, or "(rule deleted)". */
static const char *
rule_text_of(const struct ww_app *app, uint32_t handle, char *buf, size_t size)
{
	const struct ww_ruleset *rs = app->ruleset;

	for (unsigned int i = 0; rs != NULL && i < ww_ruleset_size(rs); i++)
		if (ww_ruleset_entry(rs, i)->handle == handle) {
			ww_rule_format(&ww_ruleset_entry(rs, i)->rule, buf, size);
			return buf;
		}
	return "(rule deleted)";
}

/* One hit as a JSON object, with eve.json-like field names. */
static json_t *
log_json(const struct ww_app *app, const struct ww_rule_log *rec)
{
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
	char text[WW_RULE_TEXT_MAX];
	int af = rec->family == 4 ? AF_INET : AF_INET6;

	inet_ntop(af, rec->src, src, sizeof(src));
	inet_ntop(af, rec->dst, dst, sizeof(dst));
	return json_pack("{s:I, s:s, s:i, s:s, s:s, s:s, s:s, s:i, s:s, s:i, s:i}",
		"timestamp_ns", (json_int_t)rec->time_ns,
		"event_type", "rule", "handle", (int)rec->handle,
		"rule", rule_text_of(app, rec->handle, text, sizeof(text)),
		"action", ww_rule_action_name(rec->action),
		"in_port", app->cfg.ports[rec->port_idx].name,
		"src_ip", src, "src_port", rec->sport, "dest_ip", dst,
		"dest_port", rec->dport, "proto", rec->proto);
}

unsigned int
ww_app_drain_logs(struct ww_app *app, FILE *f, json_t *into)
{
	struct ww_rule_log rec[64];
	unsigned int total = 0, n;

	/* The rule texts come from the current set: keep it from going. */
	pthread_mutex_lock(&app->control_lock);
	for (unsigned int w = 0; w < app->nb_workers; w++) {
		struct rte_ring *r = app->workers[w].log_ring;

		while (r != NULL && (n = rte_ring_sc_dequeue_burst_elem(r, rec,
				sizeof(rec[0]), RTE_DIM(rec), NULL)) > 0) {
			for (unsigned int i = 0; i < n; i++) {
				json_t *obj = log_json(app, &rec[i]);

				if (f != NULL) {
					char *line = json_dumps(obj, JSON_COMPACT |
								JSON_PRESERVE_ORDER);

					fprintf(f, "log: %s\n", line ? line : "");
					free(line);
				}
				if (into != NULL)
					json_array_append(into, obj);
				json_decref(obj);
			}
			total += n;
		}
	}
	pthread_mutex_unlock(&app->control_lock);
	if (f != NULL && total != 0)
		fflush(f);
	return total;
}

unsigned int
ww_app_drain_ring(struct ww_app *app, struct rte_ring *ring, void *buf,
		  size_t esize, unsigned int cap, ww_app_batch_fn fn)
{
	/* What the ring holds now, not more: under a storm a worker refills
	 * it as fast as it empties, and the main loop has other work. */
	unsigned int budget = ring != NULL ? rte_ring_count(ring) : 0;
	unsigned int total = 0, n;

	while (budget > 0 && (n = rte_ring_sc_dequeue_burst_elem(ring, buf,
			esize, RTE_MIN(budget, cap), NULL)) > 0) {
		fn(app, buf, n);
		budget -= n;
		total += n;
	}
	return total;
}
