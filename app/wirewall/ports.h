/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ports: attach the devices the configuration names, size the packet pool,
 * configure queues (one RX and one TX queue per worker where both ports of
 * the bridge can spread flows with symmetric RSS, one queue otherwise),
 * start and stop.
 */
#ifndef WW_APP_PORTS_H
#define WW_APP_PORTS_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ethdev.h>
#include <rte_mempool.h>

#include "config.h"

struct ww_port {
	char name[WW_NAME_MAX];
	char device[WW_DEVICE_MAX]; /* as attached (replay substitutes its own) */
	uint16_t port_id;           /* DPDK ethdev id */
	uint16_t nb_queues;         /* RX queues = TX queues */
	bool present;               /* port_id is ours: close it */
	bool attached;              /* we hot-plugged it: detach on close */
	bool started;
	/* Read on the main lcore (ww_ports_link_update), never by a worker;
	 * others read these copies. */
	struct rte_ether_addr mac;
	struct rte_eth_link link;
};

struct ww_ports {
	unsigned int n;
	struct ww_port port[WW_MAX_PORTS];
	struct rte_mempool *pool;
	unsigned int pool_size;
	int timestamp_offset;      /* mbuf dynfield of RX timestamps, or -1 */
	uint64_t timestamp_flag;   /* ol_flags bit saying it is set */
};

/**
 * Attach and start every port of @p cfg.
 * @param devices  device string per port index overriding cfg (replay), or NULL
 * @param workers  worker count: the most queues a port gets
 * @return 0, or -errno after printing what failed and why; on failure,
 *   everything done so far is undone.
 */
int ww_ports_open(struct ww_ports *ports, const struct ww_config *cfg,
		  const char *const *devices, unsigned int workers);

/** Stop, close and detach every port, free the pool. Safe on a partial open. */
void ww_ports_close(struct ww_ports *ports);

/** Read every started port's link state (without waiting) into its
 *  struct ww_port. Main lcore only. */
void ww_ports_link_update(struct ww_ports *ports);

/** Can this port spread flows over @p workers queues symmetrically? */
bool ww_port_supports_rss(uint16_t port_id, unsigned int workers);

#endif /* WW_APP_PORTS_H */
