/* SPDX-License-Identifier: BSD-3-Clause */
/* Port commands: show port info|stats, clear port stats. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmdline.h>
#include <cmdline_parse_string.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>

#include "cli.h"

/* "all#0#1#outside#inside": completion offers the real ports. */
static char port_choices[WW_MAX_PORTS * (WW_NAME_MAX + 4) + 8];

static void
port_group_init(struct ww_app *app)
{
	size_t used = snprintf(port_choices, sizeof(port_choices), "all");

	for (unsigned int i = 0; i < app->cfg.nb_ports; i++)
		used += snprintf(port_choices + used, sizeof(port_choices) - used,
				 "#%u", i);
	for (unsigned int i = 0; i < app->cfg.nb_ports; i++)
		used += snprintf(port_choices + used, sizeof(port_choices) - used,
				 "#%s", app->cfg.ports[i].name);
}

/* -1 for "all", else the port's index (choices guarantee it exists). */
static int
port_target(const struct ww_app *app, const char *word)
{
	char *end;
	unsigned long n;

	if (strcmp(word, "all") == 0)
		return -1;
	n = strtoul(word, &end, 10);
	if (*end == '\0' && n < app->cfg.nb_ports)
		return (int)n;
	return ww_config_port_index(&app->cfg, word);
}

static const char *
peer_name(const struct ww_app *app, unsigned int idx)
{
	int b = ww_config_bridge_of_port(&app->cfg, idx);
	const struct ww_config_bridge *br;

	if (b < 0)
		return NULL;
	br = &app->cfg.bridges[b];
	return app->cfg.ports[br->port[br->port[0] == idx ? 1 : 0]].name;
}

/* Which worker reads which RX queue of the port. */
static void
print_pollers(const struct ww_app *app, unsigned int idx)
{
	printf("Polled by:");
	for (unsigned int w = 0; w < app->nb_workers; w++)
		for (unsigned int s = 0; s < app->workers[w].nb_sources; s++)
			if (app->workers[w].sources[s].port_idx == idx)
				printf(" worker %u (lcore %u, queue %u)", w,
				       app->workers[w].lcore_id,
				       app->workers[w].sources[s].queue_id);
	printf("\n");
}

static void
print_port_info(const struct ww_app *app, unsigned int idx)
{
	const struct ww_port *p = &app->ports.port[idx];
	struct rte_eth_dev_info info;
	struct rte_ether_addr mac;
	struct rte_eth_link link;
	char macs[RTE_ETHER_ADDR_FMT_SIZE] = "?";
	char links[RTE_ETH_LINK_MAX_STR_LEN] = "?";
	int b = ww_config_bridge_of_port(&app->cfg, idx);

	if (rte_eth_macaddr_get(p->port_id, &mac) == 0)
		rte_ether_format_addr(macs, sizeof(macs), &mac);
	if (rte_eth_link_get_nowait(p->port_id, &link) == 0)
		rte_eth_link_to_str(links, sizeof(links), &link);
	if (rte_eth_dev_info_get(p->port_id, &info) != 0)
		info.driver_name = "?";
	printf("\n********************* Infos for port %u: %s *********************\n",
	       idx, p->name);
	printf("Device: %s\nDriver: %s (ethdev %u, socket %d)\nMAC address: %s\n"
	       "Link: %s\nPromiscuous: %s\nQueues: %u RX, %u TX\n",
	       p->device, info.driver_name, p->port_id,
	       rte_eth_dev_socket_id(p->port_id), macs, links,
	       rte_eth_promiscuous_get(p->port_id) == 1 ? "on" : "off",
	       p->nb_queues, p->nb_queues);
	if (b < 0) {
		printf("Bridge: none (not polled; TX only)\n");
		return;
	}
	const struct ww_config_bridge *br = &app->cfg.bridges[b];
	bool prot = br->protected_side >= 0 &&
		    br->port[br->protected_side] == idx;
	printf("Bridge: %s, peer %s%s\n", br->name, peer_name(app, idx),
	       prot ? ", protected side" : "");
	print_pollers(app, idx);
}

/* What `show port stats` saw last, for rates "since last show" (testpmd's). */
static struct {
	struct ww_port_counters c;
	uint64_t tsc;
} last_shown[WW_MAX_PORTS];

static void
print_rates(unsigned int idx, const struct ww_port_counters *c)
{
	uint64_t now = rte_get_tsc_cycles();
	const struct ww_port_counters *l = &last_shown[idx].c;

	if (last_shown[idx].tsc != 0 && now > last_shown[idx].tsc) {
		double s = (double)(now - last_shown[idx].tsc) / rte_get_tsc_hz();

		printf("  Throughput (since last show): Rx-pps: %-12.0f Rx-bps: %-14.0f"
		       " Tx-pps: %-12.0f Tx-bps: %.0f\n",
		       (c->rx_packets - l->rx_packets) / s,
		       (c->rx_bytes - l->rx_bytes) * 8 / s,
		       (c->tx_packets - l->tx_packets) / s,
		       (c->tx_bytes - l->tx_bytes) * 8 / s);
	}
	last_shown[idx].c = *c;
	last_shown[idx].tsc = now;
}

static void
print_port_stats(const struct ww_app *app, unsigned int idx)
{
	const struct ww_port *p = &app->ports.port[idx];
	struct ww_port_counters c;
	struct rte_eth_stats nic;

	ww_app_port_counters(app, idx, &c);
	printf("\n  ######################## Port %u: %s ########################\n",
	       idx, p->name);
	ww_counters_print(stdout, &c);
	print_rates(idx, &c);
	if (rte_eth_stats_get(p->port_id, &nic) == 0)
		printf("  Device: RX-missed: %" PRIu64 "  RX-errors: %" PRIu64
		       "  RX-nombuf: %" PRIu64 "  TX-errors: %" PRIu64 "\n",
		       nic.imissed, nic.ierrors, nic.rx_nombuf, nic.oerrors);
}

/* ---- show port info|stats <port> ---- */

struct cmd_show_port_result {
	cmdline_fixed_string_t show;
	cmdline_fixed_string_t port;
	cmdline_fixed_string_t what;
	cmdline_fixed_string_t target;
};

static void
cmd_show_port_parsed(void *parsed, struct cmdline *cl, void *data)
{
	struct cmd_show_port_result *r = parsed;
	struct ww_app *app = ww_cli_app();
	int target = port_target(app, r->target);
	bool stats = strcmp(r->what, "stats") == 0;

	for (unsigned int i = 0; i < app->cfg.nb_ports; i++) {
		if (target >= 0 && (unsigned int)target != i)
			continue;
		if (stats)
			print_port_stats(app, i);
		else
			print_port_info(app, i);
	}
	fflush(stdout);
}

static cmdline_parse_token_string_t cmd_show_port_show =
	TOKEN_STRING_INITIALIZER(struct cmd_show_port_result, show, "show");
static cmdline_parse_token_string_t cmd_show_port_port =
	TOKEN_STRING_INITIALIZER(struct cmd_show_port_result, port, "port");
static cmdline_parse_token_string_t cmd_show_port_what =
	TOKEN_STRING_INITIALIZER(struct cmd_show_port_result, what, "info#stats");
static cmdline_parse_token_string_t cmd_show_port_target =
	TOKEN_STRING_INITIALIZER(struct cmd_show_port_result, target, port_choices);

static cmdline_parse_inst_t cmd_show_port = {
	.f = cmd_show_port_parsed,
	.help_str = "show port info|stats <port>",
	.tokens = { (void *)&cmd_show_port_show, (void *)&cmd_show_port_port,
		    (void *)&cmd_show_port_what, (void *)&cmd_show_port_target,
		    NULL },
};

/* ---- clear port stats <port> ---- */

struct cmd_clear_port_result {
	cmdline_fixed_string_t clear;
	cmdline_fixed_string_t port;
	cmdline_fixed_string_t stats;
	cmdline_fixed_string_t target;
};

static void
cmd_clear_port_parsed(void *parsed, struct cmdline *cl, void *data)
{
	struct cmd_clear_port_result *r = parsed;
	struct ww_app *app = ww_cli_app();
	int target = port_target(app, r->target);

	ww_app_clear_counters(app, target);
	for (unsigned int i = 0; i < app->cfg.nb_ports; i++)
		if (target < 0 || (unsigned int)target == i) {
			rte_eth_stats_reset(app->ports.port[i].port_id);
			last_shown[i].tsc = 0; /* rates start again too */
		}
	printf("  counters of %s cleared\n",
	       target < 0 ? "all ports" : app->cfg.ports[target].name);
	fflush(stdout);
}

static cmdline_parse_token_string_t cmd_clear_port_clear =
	TOKEN_STRING_INITIALIZER(struct cmd_clear_port_result, clear, "clear");
static cmdline_parse_token_string_t cmd_clear_port_port =
	TOKEN_STRING_INITIALIZER(struct cmd_clear_port_result, port, "port");
static cmdline_parse_token_string_t cmd_clear_port_stats =
	TOKEN_STRING_INITIALIZER(struct cmd_clear_port_result, stats, "stats");
static cmdline_parse_token_string_t cmd_clear_port_target =
	TOKEN_STRING_INITIALIZER(struct cmd_clear_port_result, target, port_choices);

static cmdline_parse_inst_t cmd_clear_port = {
	.f = cmd_clear_port_parsed,
	.help_str = "clear port stats <port>",
	.tokens = { (void *)&cmd_clear_port_clear, (void *)&cmd_clear_port_port,
		    (void *)&cmd_clear_port_stats, (void *)&cmd_clear_port_target,
		    NULL },
};

static cmdline_parse_inst_t *port_cmds[] = {
	&cmd_show_port, &cmd_clear_port, NULL,
};

static const struct ww_cli_help port_help[] = {
	{ "show port info <port>", "device, driver, MAC, link, queues, bridge" },
	{ "show port stats <port>", "counters, drops by reason, accounting check" },
	{ "clear port stats <port>", "count from zero again" },
	{ NULL, NULL },
};

const struct ww_cli_group ww_cli_port_group = {
	.title = "Ports",
	.cmds = port_cmds,
	.help = port_help,
	.init = port_group_init,
};
