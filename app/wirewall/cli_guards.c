/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Guard commands: blocklist add|del|list|flush, show guards, show arp,
 * guard <guard> <key> <value>.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmdline.h>
#include <cmdline_parse_string.h>

#include "cli.h"

#define ARGS_MAX 8
#define LIST_MAX 1000   /* entries "blocklist list" prints */

/* Split the rest of a command line into words (in place). */
static unsigned int
split_words(char *text, char **words, unsigned int max)
{
	unsigned int n = 0;
	char *save = NULL;

	for (char *w = strtok_r(text, " \t", &save); w != NULL && n < max;
	     w = strtok_r(NULL, " \t", &save))
		words[n++] = w;
	return n;
}

/* "set NAME" and "ttl SECONDS" after the address, in any order. */
static int
blocklist_options(char **words, unsigned int n, const char **set,
		  uint32_t *ttl)
{
	for (unsigned int i = 0; i < n; i += 2) {
		char *end;
		unsigned long v;

		if (i + 1 == n) {
			ww_cli_error("\"%s\" needs a value", words[i]);
			return -EINVAL;
		}
		if (strcmp(words[i], "set") == 0) {
			*set = words[i + 1];
		} else if (strcmp(words[i], "ttl") == 0) {
			errno = 0;
			v = strtoul(words[i + 1], &end, 10);
			if (errno || *end || v == 0 || v > 365ul * 86400) {
				ww_cli_error("ttl \"%s\": seconds from 1 to "
					     "31536000", words[i + 1]);
				return -EINVAL;
			}
			*ttl = (uint32_t)v;
		} else {
			ww_cli_error("unknown option \"%s\" (expected set NAME "
				     "or ttl SECONDS)", words[i]);
			return -EINVAL;
		}
	}
	return 0;
}

static void
blocklist_add(struct ww_app *app, char **words, unsigned int n)
{
	struct ww_control_error err;
	const char *set = "manual";
	uint32_t ttl = 0;

	if (n == 0) {
		ww_cli_error("usage: blocklist add <addr>[/<len>] [set <name>] "
			     "[ttl <seconds>]");
		return;
	}
	if (blocklist_options(words + 1, n - 1, &set, &ttl) != 0)
		return;
	if (ww_control_bl_add(app->control, set, words[0], ttl, WW_BL_MANUAL,
			      NULL, &err) != 0)
		ww_cli_error_ctl(&err);
	else
		printf("  %s added to %s%s\n", words[0], set,
		       ttl ? " (expires)" : "");
}

static void
blocklist_del(struct ww_app *app, char **words, unsigned int n)
{
	struct ww_control_error err;
	const char *set = NULL;
	uint32_t ttl = 0;

	if (n == 0) {
		ww_cli_error("usage: blocklist del <addr>[/<len>] [set <name>]");
		return;
	}
	if (blocklist_options(words + 1, n - 1, &set, &ttl) != 0)
		return;
	if (ww_control_bl_del(app->control, set, words[0], &err) != 0)
		ww_cli_error_ctl(&err);
	else
		printf("  %s removed\n", words[0]);
}

struct list_ctx {
	uint64_t now;
	unsigned int shown, total;
};

static int
print_entry(const struct ww_bl_entry *e, void *arg)
{
	static const char *const origins[] = { "config", "manual", "auto" };
	struct list_ctx *l = arg;
	char text[64], expires[32] = "never";

	l->total++;
	if (l->shown == LIST_MAX)
		return 0;
	ww_bl_prefix_format(&e->prefix, text, sizeof(text));
	if (e->expires_ns != 0)
		snprintf(expires, sizeof(expires), "in %" PRIu64 " s",
			 e->expires_ns > l->now ?
			 (e->expires_ns - l->now + NS_PER_S - 1) / NS_PER_S : 0);
	printf("  %-40s %-12s %-7s %-12s %s\n", text, e->set,
	       e->origin < RTE_DIM(origins) ? origins[e->origin] : "?",
	       expires, e->reason);
	l->shown++;
	return 0;
}

static void
blocklist_list(struct ww_app *app, char **words, unsigned int n)
{
	struct list_ctx l = { .now = ww_app_clock_ns(app) };

	printf("  %-40s %-12s %-7s %-12s %s\n", "address", "set", "origin",
	       "expires", "reason");
	pthread_mutex_lock(&app->control_lock);
	ww_blocklist_foreach(app->bl, n ? words[0] : NULL, print_entry, &l);
	pthread_mutex_unlock(&app->control_lock);
	if (l.total == 0)
		printf("  (none)\n");
	else if (l.shown < l.total)
		printf("  ... %u more\n", l.total - l.shown);
	printf("  %u entr%s\n", l.total, l.total == 1 ? "y" : "ies");
}

static void
blocklist_flush(struct ww_app *app, char **words, unsigned int n)
{
	unsigned int removed = ww_control_bl_flush(app->control,
						   n ? words[0] : NULL);

	printf("  %u entr%s removed\n", removed, removed == 1 ? "y" : "ies");
}

struct cmd_blocklist_result {
	cmdline_fixed_string_t blocklist;
	cmdline_fixed_string_t verb;
	char rest[256];
};

static void
cmd_blocklist_parsed(void *parsed, struct cmdline *cl, void *data)
{
	struct cmd_blocklist_result *r = parsed;
	struct ww_app *app = ww_cli_app();
	char *words[ARGS_MAX];
	unsigned int n = split_words(r->rest, words, ARGS_MAX);

	if (strcmp(r->verb, "add") == 0)
		blocklist_add(app, words, n);
	else if (strcmp(r->verb, "del") == 0)
		blocklist_del(app, words, n);
	else if (strcmp(r->verb, "list") == 0)
		blocklist_list(app, words, n);
	else
		blocklist_flush(app, words, n);
	fflush(stdout);
}

static cmdline_parse_token_string_t cmd_blocklist_kw =
	TOKEN_STRING_INITIALIZER(struct cmd_blocklist_result, blocklist,
				 "blocklist");
static cmdline_parse_token_string_t cmd_blocklist_verb =
	TOKEN_STRING_INITIALIZER(struct cmd_blocklist_result, verb,
				 "add#del#list#flush");
static cmdline_parse_token_string_t cmd_blocklist_rest =
	TOKEN_STRING_INITIALIZER(struct cmd_blocklist_result, rest,
				 TOKEN_STRING_MULTI);

static cmdline_parse_inst_t cmd_blocklist = {
	.f = cmd_blocklist_parsed,
	.help_str = "blocklist add|del|list|flush ...: the block lists",
	.tokens = { (void *)&cmd_blocklist_kw, (void *)&cmd_blocklist_verb,
		    (void *)&cmd_blocklist_rest, NULL },
};

static cmdline_parse_inst_t cmd_blocklist_bare = {
	.f = cmd_blocklist_parsed,
	.help_str = "blocklist list|flush: every set",
	.tokens = { (void *)&cmd_blocklist_kw, (void *)&cmd_blocklist_verb,
		    NULL },
};

/* ---- show guards ---- */

static void
print_settings(const struct ww_guard_config *g)
{
	printf("  arp       %-3s verify %s, %u/s per MAC (burst %u), probe "
	       "answers within %u ms, %u static binding(s)\n",
	       g->arp.enabled ? "on" : "off", g->arp.verify ? "on" : "off",
	       g->arp.rate, g->arp.burst, g->arp.probe_timeout_ms,
	       g->arp.nb_static);
	printf("  icmp      %-3s max_size %u, %u/s per source (burst %u)\n",
	       g->icmp.enabled ? "on" : "off", g->icmp.max_size, g->icmp.rate,
	       g->icmp.burst);
	printf("  blocklist %-3s max_entries %u, automatic blocks last %u s\n",
	       g->blocklist.enabled ? "on" : "off", g->blocklist.max_entries,
	       g->blocklist.block_ttl_s);
	printf("  scan      %-3s %u ports or %u hosts in %u ms -> block %u s\n",
	       g->scan.enabled ? "on" : "off", g->scan.ports, g->scan.hosts,
	       g->scan.window_ms, g->scan.block_ttl_s);
	printf("  rate      %-3s %u new connections/s per source (burst %u) "
	       "-> block %u s\n", g->rate.enabled ? "on" : "off",
	       g->rate.new_per_s, g->rate.burst, g->rate.block_ttl_s);
	printf("  synflood  %-3s %u SYN/s, %u SYN/s to one host, %u half-open;"
	       " then %u SYN/s per source (burst %u); over after %u s\n",
	       g->synflood.enabled ? "on" : "off", g->synflood.syn_per_s,
	       g->synflood.dst_syn_per_s, g->synflood.half_open,
	       g->synflood.source_syn_per_s, g->synflood.source_burst,
	       g->synflood.quiet_s);
	printf("  http      %-3s %u HTTP port(s), %u TLS port(s), %u host and "
	       "%u URL pattern(s)\n", g->http.enabled ? "on" : "off",
	       g->http.nb_ports, g->http.nb_tls_ports, g->http.nb_hosts,
	       g->http.nb_urls);
	printf("  events    one per kind and source every %u s\n",
	       g->events.window_s);
}

static void
print_guard_drops(const struct ww_app *app)
{
	static const unsigned int reasons[] = {
		WW_REASON_ARP_BAD_OPCODE, WW_REASON_ARP_BROADCAST_REPLY,
		WW_REASON_ARP_SPOOF, WW_REASON_ARP_UNVERIFIED,
		WW_REASON_ARP_RATE, WW_REASON_ARP_PROBE_ANSWER,
		WW_REASON_BLOCKLIST, WW_REASON_ICMP_TYPE, WW_REASON_ICMP_SIZE,
		WW_REASON_ICMP_FRAGMENT, WW_REASON_ICMP_BROADCAST,
		WW_REASON_ICMP_RATE, WW_REASON_SYN_LIMIT,
		WW_REASON_HTTP_BLOCK, WW_REASON_TLS_BLOCK,
	};
	struct ww_port_counters c, total = { 0 };

	for (unsigned int i = 0; i < app->cfg.nb_ports; i++) {
		ww_app_port_counters(app, i, &c);
		ww_counters_add(&total, &c);
	}
	printf("  dropped by guards:\n");
	for (size_t i = 0; i < RTE_DIM(reasons); i++)
		if (total.drops[reasons[i]] != 0)
			printf("    %-22s %12" PRIu64 "\n",
			       ww_reason_name(reasons[i]),
			       total.drops[reasons[i]]);
}

static void
print_guard_state(struct ww_app *app)
{
	const char *names[WW_BL_SETS_MAX];
	unsigned int nb_sets;

	printf("  events:\n");
	for (unsigned int k = 0; k < WW_EV_MAX; k++)
		if (app->event_counts[k] != 0)
			printf("    %-22s %12" PRIu64 "\n", ww_event_kind_name(k),
			       app->event_counts[k]);
	printf("  automatic blocks: %" PRIu64 "\n", app->auto_blocks);
	pthread_mutex_lock(&app->control_lock);
	nb_sets = ww_blocklist_sets(app->bl, names, RTE_DIM(names));
	printf("  block lists (%zu bytes):\n", ww_blocklist_memory(app->bl));
	for (unsigned int i = 0; i < nb_sets; i++)
		printf("    %-22s %12u\n", names[i],
		       ww_blocklist_count(app->bl, names[i]));
	pthread_mutex_unlock(&app->control_lock);
	for (unsigned int w = 0; w < app->nb_workers; w++) {
		struct ww_detect_stats d;

		ww_detect_get_stats(app->workers[w].detect, &d);
		printf("  worker %u: SYN flood %s, %u SYN/s, scans %" PRIu64
		       ", too-fast %" PRIu64 ", floods %" PRIu64
		       ", SYNs limited %" PRIu64 "\n", w, d.flood ? "ON" : "off",
		       d.syn_rate, d.scans, d.fast_sources, d.floods,
		       d.syn_limited);
	}
}

struct cmd_word2_result {
	cmdline_fixed_string_t a, b;
};

static void
cmd_show_guards_parsed(void *parsed, struct cmdline *cl, void *data)
{
	struct ww_app *app = ww_cli_app();

	pthread_mutex_lock(&app->control_lock);
	print_settings(&app->guard_snap->cfg);
	pthread_mutex_unlock(&app->control_lock);
	print_guard_drops(app);
	print_guard_state(app);
	fflush(stdout);
}

static cmdline_parse_token_string_t cmd_show_guards_show =
	TOKEN_STRING_INITIALIZER(struct cmd_word2_result, a, "show");
static cmdline_parse_token_string_t cmd_show_guards_guards =
	TOKEN_STRING_INITIALIZER(struct cmd_word2_result, b, "guards");

static cmdline_parse_inst_t cmd_show_guards = {
	.f = cmd_show_guards_parsed,
	.help_str = "show guards: settings, drops, events, block lists",
	.tokens = { (void *)&cmd_show_guards_show,
		    (void *)&cmd_show_guards_guards, NULL },
};

/* ---- show arp ---- */

static void
print_binding(const struct ww_arp_binding_info *b, void *arg)
{
	char ip[INET_ADDRSTRLEN], mac[RTE_ETHER_ADDR_FMT_SIZE];

	inet_ntop(AF_INET, &b->ip, ip, sizeof(ip));
	rte_ether_format_addr(mac, sizeof(mac), &b->mac);
	printf("  %-16s %-18s %s\n", ip, mac, b->state == 0 ? "verified" :
	       "probing");
	(*(unsigned int *)arg)++;
}

static void
arp_job(struct ww_worker *w, void *arg)
{
	if (w->arp != NULL)
		ww_arp_guard_foreach(w->arp, print_binding, arg);
}

static void
cmd_show_arp_parsed(void *parsed, struct cmdline *cl, void *data)
{
	struct ww_app *app = ww_cli_app();
	const struct ww_guard_config *g = &app->cfg.guards;
	unsigned int n = 0;

	printf("  %-16s %-18s %s\n", "address", "mac", "state");
	for (unsigned int i = 0; i < g->arp.nb_static; i++) {
		struct ww_arp_binding_info b = { .ip = g->arp.bindings[i].ip,
						 .mac = g->arp.bindings[i].mac };
		char ip[INET_ADDRSTRLEN], mac[RTE_ETHER_ADDR_FMT_SIZE];

		inet_ntop(AF_INET, &b.ip, ip, sizeof(ip));
		rte_ether_format_addr(mac, sizeof(mac), &b.mac);
		printf("  %-16s %-18s static\n", ip, mac);
		n++;
	}
	/* Learned bindings are each worker's own: read in its context. */
	for (unsigned int w = 0; w < app->nb_workers; w++)
		if (ww_worker_run_job(&app->workers[w], app->workers_running,
				      arp_job, &n) != 0)
			ww_cli_error("worker %u did not answer", w);
	if (n == 0)
		printf("  (none)\n");
	fflush(stdout);
}

static cmdline_parse_token_string_t cmd_show_arp_arp =
	TOKEN_STRING_INITIALIZER(struct cmd_word2_result, b, "arp");

static cmdline_parse_inst_t cmd_show_arp = {
	.f = cmd_show_arp_parsed,
	.help_str = "show arp: IP-to-MAC bindings the ARP guard holds",
	.tokens = { (void *)&cmd_show_guards_show, (void *)&cmd_show_arp_arp,
		    NULL },
};

static void
arp_flush_job(struct ww_worker *w, void *arg)
{
	if (w->arp != NULL)
		ww_arp_guard_flush(w->arp);
}

static void
cmd_arp_flush_parsed(void *parsed, struct cmdline *cl, void *data)
{
	struct ww_app *app = ww_cli_app();

	for (unsigned int w = 0; w < app->nb_workers; w++)
		if (ww_worker_run_job(&app->workers[w], app->workers_running,
				      arp_flush_job, NULL) != 0)
			ww_cli_error("worker %u did not answer", w);
	printf("  learned ARP bindings forgotten: claims are verified again\n");
	fflush(stdout);
}

static cmdline_parse_token_string_t cmd_arp_flush_arp =
	TOKEN_STRING_INITIALIZER(struct cmd_word2_result, a, "arp");
static cmdline_parse_token_string_t cmd_arp_flush_flush =
	TOKEN_STRING_INITIALIZER(struct cmd_word2_result, b, "flush");

static cmdline_parse_inst_t cmd_arp_flush = {
	.f = cmd_arp_flush_parsed,
	.help_str = "arp flush: forget learned ARP bindings",
	.tokens = { (void *)&cmd_arp_flush_arp, (void *)&cmd_arp_flush_flush,
		    NULL },
};

/* ---- guard <guard> <key> <value> ---- */

struct cmd_guard_result {
	cmdline_fixed_string_t guard;
	cmdline_fixed_string_t name;
	cmdline_fixed_string_t key;
	char value[256];
};

static void
cmd_guard_parsed(void *parsed, struct cmdline *cl, void *data)
{
	struct cmd_guard_result *r = parsed;
	struct ww_control_error err;

	if (ww_control_guard_set_text(ww_cli_app()->control, r->name, r->key,
				      r->value, &err) != 0) {
		ww_cli_error_ctl(&err);
		return;
	}
	printf("  guards.%s.%s = %s\n", r->name, r->key, r->value);
	fflush(stdout);
}

static cmdline_parse_token_string_t cmd_guard_kw =
	TOKEN_STRING_INITIALIZER(struct cmd_guard_result, guard, "guard");
static cmdline_parse_token_string_t cmd_guard_name =
	TOKEN_STRING_INITIALIZER(struct cmd_guard_result, name,
		"arp#icmp#blocklist#scan#rate#synflood#http#events");
static cmdline_parse_token_string_t cmd_guard_key =
	TOKEN_STRING_INITIALIZER(struct cmd_guard_result, key, NULL);
static cmdline_parse_token_string_t cmd_guard_value =
	TOKEN_STRING_INITIALIZER(struct cmd_guard_result, value,
				 TOKEN_STRING_MULTI);

static cmdline_parse_inst_t cmd_guard = {
	.f = cmd_guard_parsed,
	.help_str = "guard <guard> <key> <value>: change a guard's setting",
	.tokens = { (void *)&cmd_guard_kw, (void *)&cmd_guard_name,
		    (void *)&cmd_guard_key, (void *)&cmd_guard_value, NULL },
};

static cmdline_parse_inst_t *guards_cmds[] = {
	&cmd_blocklist, &cmd_blocklist_bare, &cmd_show_guards, &cmd_show_arp,
	&cmd_arp_flush, &cmd_guard, NULL,
};

static const struct ww_cli_help guards_help[] = {
	{ "show guards", "guard settings, their drops and events, block lists" },
	{ "show arp", "IP-to-MAC bindings: static, verified, being probed" },
	{ "arp flush", "forget learned bindings: claims are verified again" },
	{ "blocklist add <addr>[/<len>] [set <name>] [ttl <s>]",
	  "block an address or prefix (set \"manual\" by default)" },
	{ "blocklist del <addr>[/<len>] [set <name>]", "unblock it" },
	{ "blocklist list [<set>]", "entries with origin, expiry and reason" },
	{ "blocklist flush [<set>]", "empty a set, or every set" },
	{ "guard <guard> <key> <value>",
	  "change a setting, e.g. guard scan ports 10, guard icmp enabled off" },
	{ NULL, NULL },
};

const struct ww_cli_group ww_cli_guards_group = {
	.title = "Protection",
	.cmds = guards_cmds,
	.help = guards_help,
};
