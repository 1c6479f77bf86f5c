/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_bus_vdev.h>
#include <rte_dev.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>

#include "packet.h"
#include "ports.h"

#define RX_DESC 1024
#define TX_DESC 1024
#define POOL_CACHE 256
#define POOL_MIN 8191

/*
 * A symmetric Toeplitz key (the 0x6d5a pattern): both directions of a flow
 * hash to the same queue, so one worker sees the whole conversation.
 */
static uint8_t symmetric_rss_key[40] = {
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
};

#define WANTED_RSS_HF (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP)

bool
ww_port_supports_rss(uint16_t port_id, unsigned int workers)
{
	struct rte_eth_dev_info info;

	if (workers <= 1)
		return true;
	if (rte_eth_dev_info_get(port_id, &info) != 0)
		return false;
	return info.max_rx_queues >= workers && info.max_tx_queues >= workers &&
	       (info.flow_type_rss_offloads & WANTED_RSS_HF) != 0;
}

/* Device name: the part of a device string before its first comma. */
static void
device_name(const char *device, char *name, size_t size)
{
	size_t n = strcspn(device, ",");

	snprintf(name, size, "%.*s", (int)RTE_MIN(n, size - 1), device);
}

static int
attach(struct ww_port *p)
{
	char name[RTE_ETH_NAME_MAX_LEN];
	int ret;

	device_name(p->device, name, sizeof(name));
	/* A device given with --vdev or found on the PCI bus is already there. */
	if (rte_eth_dev_get_port_by_name(name, &p->port_id) == 0) {
		p->present = true;
		return 0;
	}
	ret = rte_dev_probe(p->device);
	if (ret < 0) {
		/* Drivers mostly fail with -1 and say why in their own log
		 * line: "Operation not permitted" would mislead. */
		fprintf(stderr, "port %s: cannot attach device \"%s\": %s\n",
			p->name, p->device, ret == -EPERM ?
			"the driver refused it (its reason is logged above)" :
			rte_strerror(-ret));
		return ret;
	}
	p->attached = true;
	if (rte_eth_dev_get_port_by_name(name, &p->port_id) != 0) {
		fprintf(stderr, "port %s: device \"%s\" attached but no "
			"ethdev named \"%s\" appeared\n", p->name, p->device,
			name);
		return -ENODEV;
	}
	p->present = true;
	return 0;
}

static unsigned int
pool_size_for(const struct ww_config *cfg, unsigned int workers)
{
	unsigned int per_port = workers * (RX_DESC + TX_DESC);
	unsigned int n = cfg->nb_ports * per_port +
			 rte_lcore_count() * (POOL_CACHE + 2 * 64) + 1024;

	if (cfg->mbufs != 0)
		return cfg->mbufs;
	return RTE_MAX(n, (unsigned int)POOL_MIN);
}

static int
create_pool(struct ww_ports *ports, const struct ww_config *cfg,
	    unsigned int workers)
{
	ports->pool_size = pool_size_for(cfg, workers);
	ports->pool = rte_pktmbuf_pool_create("ww_pkts", ports->pool_size,
		POOL_CACHE, WW_PKT_META_PRIV_SIZE, RTE_MBUF_DEFAULT_BUF_SIZE,
		rte_socket_id());
	if (ports->pool == NULL) {
		fprintf(stderr, "cannot create a pool of %u packet buffers: %s "
			"(lower \"mbufs\" or give EAL more memory with -m)\n",
			ports->pool_size, rte_strerror(rte_errno));
		return -rte_errno;
	}
	return 0;
}

static void
fill_conf(const struct rte_eth_dev_info *info, uint16_t nb_queues,
	  struct rte_eth_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	if (nb_queues > 1) {
		conf->rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf->rx_adv_conf.rss_conf.rss_key = symmetric_rss_key;
		conf->rx_adv_conf.rss_conf.rss_key_len = sizeof(symmetric_rss_key);
		conf->rx_adv_conf.rss_conf.rss_hf =
			WANTED_RSS_HF & info->flow_type_rss_offloads;
	}
	/* Replay follows capture time: ask devices that can for RX timestamps. */
	if (info->rx_offload_capa & RTE_ETH_RX_OFFLOAD_TIMESTAMP)
		conf->rxmode.offloads |= RTE_ETH_RX_OFFLOAD_TIMESTAMP;
}

static int
setup_queues(struct ww_port *p, struct rte_mempool *pool)
{
	uint16_t nb_rxd = RX_DESC, nb_txd = TX_DESC;
	int socket = rte_eth_dev_socket_id(p->port_id);
	int ret;

	ret = rte_eth_dev_adjust_nb_rx_tx_desc(p->port_id, &nb_rxd, &nb_txd);
	for (uint16_t q = 0; ret == 0 && q < p->nb_queues; q++) {
		ret = rte_eth_rx_queue_setup(p->port_id, q, nb_rxd, socket,
					     NULL, pool);
		if (ret == 0)
			ret = rte_eth_tx_queue_setup(p->port_id, q, nb_txd,
						     socket, NULL);
	}
	return ret;
}

/*
 * A bridge spreads over the workers only if both its ports can: a port
 * with queues no worker polls would lose what RSS puts there.
 */
static uint16_t
queues_for(const struct ww_ports *ports, const struct ww_config *cfg,
	   unsigned int idx, unsigned int workers)
{
	int b = ww_config_bridge_of_port(cfg, idx);

	if (workers <= 1 || b < 0)
		return 1;
	for (int side = 0; side < 2; side++)
		if (!ww_port_supports_rss(
			ports->port[cfg->bridges[b].port[side]].port_id, workers))
			return 1;
	return workers;
}

static int
start(struct ww_port *p, struct rte_mempool *pool)
{
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf;
	int ret;

	ret = rte_eth_dev_info_get(p->port_id, &info);
	if (ret != 0)
		goto fail;
	fill_conf(&info, p->nb_queues, &conf);
	ret = rte_eth_dev_configure(p->port_id, p->nb_queues, p->nb_queues,
				    &conf);
	if (ret == 0)
		ret = setup_queues(p, pool);
	if (ret == 0)
		ret = rte_eth_dev_start(p->port_id);
	if (ret != 0)
		goto fail;
	p->started = true;
	rte_eth_macaddr_get(p->port_id, &p->mac);
	rte_eth_link_get_nowait(p->port_id, &p->link);
	/* A bump in the wire receives every frame, whatever its MAC. */
	ret = rte_eth_promiscuous_enable(p->port_id);
	if (ret != 0 && ret != -ENOTSUP)
		fprintf(stderr, "port %s: promiscuous mode: %s\n", p->name,
			rte_strerror(-ret));
	return 0;
fail:
	fprintf(stderr, "port %s (%s): cannot start: %s\n", p->name, p->device,
		rte_strerror(-ret));
	return ret;
}

static void
lookup_timestamps(struct ww_ports *ports)
{
	int flag = rte_mbuf_dynflag_lookup(RTE_MBUF_DYNFLAG_RX_TIMESTAMP_NAME,
					   NULL);

	ports->timestamp_offset =
		rte_mbuf_dynfield_lookup(RTE_MBUF_DYNFIELD_TIMESTAMP_NAME, NULL);
	ports->timestamp_flag = flag >= 0 ? RTE_BIT64(flag) : 0;
	if (flag < 0)
		ports->timestamp_offset = -1;
}

int
ww_ports_open(struct ww_ports *ports, const struct ww_config *cfg,
	      const char *const *devices, unsigned int workers)
{
	int ret;

	memset(ports, 0, sizeof(*ports));
	ports->timestamp_offset = -1;
	ret = create_pool(ports, cfg, workers);
	for (unsigned int i = 0; ret == 0 && i < cfg->nb_ports; i++) {
		struct ww_port *p = &ports->port[i];

		snprintf(p->name, sizeof(p->name), "%s", cfg->ports[i].name);
		snprintf(p->device, sizeof(p->device), "%s",
			 devices ? devices[i] : cfg->ports[i].device);
		ports->n = i + 1;
		ret = attach(p);
	}
	/* Queues depend on both ports of a bridge: attach all first. */
	for (unsigned int i = 0; ret == 0 && i < cfg->nb_ports; i++) {
		ports->port[i].nb_queues = queues_for(ports, cfg, i, workers);
		ret = start(&ports->port[i], ports->pool);
	}
	if (ret != 0) {
		ww_ports_close(ports);
		return ret;
	}
	lookup_timestamps(ports);
	return 0;
}

void
ww_ports_link_update(struct ww_ports *ports)
{
	for (unsigned int i = 0; i < ports->n; i++)
		if (ports->port[i].started)
			rte_eth_link_get_nowait(ports->port[i].port_id,
						&ports->port[i].link);
}

/* Close flushes what a device wrote (net_pcap's output files). */
static void
close_port(struct ww_port *p)
{
	struct rte_eth_dev_info info;
	struct rte_device *dev = NULL;

	if (rte_eth_dev_info_get(p->port_id, &info) == 0)
		dev = info.device;
	if (p->started)
		rte_eth_dev_stop(p->port_id);
	p->started = false;
	rte_eth_dev_close(p->port_id);
	if (p->attached && dev != NULL)
		rte_dev_remove(dev);
	p->attached = false;
	p->present = false;
}

void
ww_ports_close(struct ww_ports *ports)
{
	for (unsigned int i = 0; i < ports->n; i++)
		if (ports->port[i].present)
			close_port(&ports->port[i]);
	ports->n = 0;
	rte_mempool_free(ports->pool);
	ports->pool = NULL;
}
