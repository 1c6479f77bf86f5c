/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Workers: each owns a list of RX queues (one per port it polls), the
 * TX queue of the bridge peer that goes with each, and its own counters.
 * It runs bursts to completion and never blocks, locks, allocates or logs.
 */
#ifndef WW_APP_WORKER_H
#define WW_APP_WORKER_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>
#include <rte_seqcount.h>

#include "arp_guard.h"
#include "blocklist.h"
#include "config.h"
#include "conntrack.h"
#include "detect.h"
#include "flowmeter.h"
#include "guard.h"
#include "icmp_guard.h"
#include "l7.h"
#include "rules.h"
#include "counters.h"
#include "ports.h"

#define WW_BURST 32

/* One RX queue a worker polls and where its traffic goes. */
struct ww_rx_source {
	uint16_t port_id;   /* ethdev */
	uint16_t queue_id;
	uint16_t port_idx;  /* config index: counters */
	uint16_t peer_port_id;
	uint16_t peer_queue_id;
	uint16_t peer_idx;
	uint16_t zone;      /* bridge index: conntrack keeps bridges apart */
	bool from_protected; /* this port is its bridge's protected side */
	bool to_protected;   /* the peer is */
	struct rte_ether_addr mac; /* this port's: source of ARP probes */
};

/* Guard settings as workers see them: published whole under RCU. */
struct ww_guard_snapshot {
	struct ww_guard_config cfg;
	struct ww_l7_list *l7;       /* HTTP/TLS block list, NULL if empty */
};

/*
 * A job the control plane hands a worker (show or flush its connection
 * table): the worker runs it between bursts, in its own context, so its
 * table never needs a lock.
 */
/* A hit of a rule with "log": handed to the control plane over a ring. */
struct ww_rule_log {
	uint64_t time_ns;
	uint32_t handle;          /* the rule's handle */
	uint8_t action, port_idx, family, proto;
	uint16_t sport, dport;    /* ICMP: type and code */
	uint16_t reason;          /* drop reason, or 0 when accepted */
	uint8_t pad[2];
	uint8_t src[16], dst[16];
};

struct ww_worker;
typedef void (*ww_worker_job_fn)(struct ww_worker *w, void *arg);

struct ww_worker_mailbox {
	ww_worker_job_fn fn;
	void *arg;
	uint32_t posted;  /* written by the control plane */
	uint32_t done;    /* written by the worker */
};

struct ww_worker {
	unsigned int id;
	unsigned int lcore_id;
	unsigned int nb_sources;
	struct ww_rx_source sources[WW_MAX_PORTS];
	uint64_t now_ns;          /* the worker's clock: TSC live, capture in replay */
	volatile bool *quit;
	/* Filtering: the published rule set (RCU), the worker's own
	 * connection table, the pool reject answers come from. */
	struct ww_ruleset *const *rules;
	struct rte_rcu_qsbr *rcu;
	struct ww_ct_table *ct;
	struct rte_mempool *pool;
	struct ww_worker_mailbox mailbox;
	struct rte_ring *log_ring;   /* struct ww_rule_log, to the control plane */
	uint64_t log_lost;           /* hits not logged: the ring was full */
	/* Guards: settings (RCU), the shared block lists (read lock-free),
	 * this worker's own guard state, its events to the control plane. */
	struct ww_guard_snapshot *const *guards;
	struct ww_blocklist *bl;
	struct ww_arp_guard *arp;
	struct ww_icmp_guard *icmp;
	struct ww_detect *detect;
	struct ww_event_agg *events;
	struct rte_ring *event_ring; /* struct ww_event */
	uint64_t guard_tick_ns;      /* last guard housekeeping */
	/* Flow records: untracked packets' meter, the ring records go to the
	 * control plane by (struct ww_flow_record). NULL: records off. */
	struct ww_flowmeter *meter;
	struct rte_ring *flow_ring;
	uint64_t flow_lost;          /* records not sent: the ring was full */
	/* Set only while the worker runs in the control plane's thread
	 * (replay, final flush): empties a full ring instead of losing. */
	void (*flow_spill)(void *arg);
	void *flow_spill_arg;
	uint64_t flow_tick_ns;
	/* Counters change within a burst (rx first, then its buckets); readers
	 * take them between bursts, where rx = sum of buckets holds. */
	rte_seqcount_t counters_seq;
	struct ww_port_counters counters[WW_MAX_PORTS]; /* by config port index */
} __rte_cache_aligned;

/**
 * Give every bridged port's RX queues to workers: queue q of a port that
 * spreads flows (ports->port[i].nb_queues == nb_workers) goes to worker q;
 * a bridge whose ports cannot spread flows belongs whole to one worker, so
 * both directions of every flow still meet on one worker.
 */
void ww_workers_assign(struct ww_worker *workers, unsigned int nb_workers,
		       const struct ww_config *cfg, const struct ww_ports *ports);

/** Where a worker's flow records go (a ww_ct_record_fn / ww_flowmeter_fn;
 *  @p arg is the worker). */
void ww_worker_flow_record(const struct ww_flow_record *r, void *arg);

/** Every flow's record now (end of a replay, shutdown). Run it on the
 *  worker (ww_worker_run_job) or when it is stopped. */
void ww_worker_flows_flush(struct ww_worker *w, void *arg);

/** The live workers' clock (ns from the TSC), for the control plane. */
uint64_t ww_worker_clock_ns(void);

/** lcore entry point (rte_eal_remote_launch); arg is a struct ww_worker. */
int ww_worker_main(void *arg);

/**
 * The packet's way for one burst received from @p src: parse, decide,
 * transmit to the peer, count. Consumes every mbuf. Used by the live loop
 * and by replay alike.
 */
void ww_worker_handle_burst(struct ww_worker *w, const struct ww_rx_source *src,
			    struct rte_mbuf **pkts, uint16_t n);

/**
 * Run @p fn on worker @p w (its tables) in the worker's context and
 * wait for it (up to a second). With @p running false (replay, or workers
 * stopped) it runs right here.
 * @return 0, or -ETIMEDOUT.
 */
int ww_worker_run_job(struct ww_worker *w, bool running, ww_worker_job_fn fn,
		      void *arg);

/**
 * Sum the counters of port @p port_idx over all workers into @p out, each
 * worker's as it stood between two bursts (a consistent snapshot).
 */
void ww_workers_sum(const struct ww_worker *workers, unsigned int nb_workers,
		    unsigned int port_idx, struct ww_port_counters *out);

#endif /* WW_APP_WORKER_H */
