/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The running appliance: its configuration, ports and workers. Live mode
 * (main.c) and replay (replay.c) both start it with ww_app_start(); the CLI
 * reads it.
 */
#ifndef WW_APP_H
#define WW_APP_H

#include <pthread.h>
#include <stdbool.h>

#include "auth.h"
#include "config.h"
#include "control.h"
#include "http.h"
#include "counters.h"
#include "events.h"
#include "ipfix.h"
#include "series.h"
#include "talkers.h"
#include "ports.h"
#include "worker.h"

/* Handles of the entries the appliance adds itself (IPv6 discovery,
 * default-closed): above any handle a configured rule gets. */
#define WW_GENERATED_HANDLE 0x80000000u

struct ww_app {
	char config_origin[256];   /* file name, or "<embedded default>" */
	struct ww_config cfg;
	struct ww_ports ports;
	unsigned int nb_workers;
	struct ww_worker *workers;
	/* Counters at the last "clear port stats": shown values are deltas,
	 * so clearing never writes to a worker's counters. */
	struct ww_port_counters baseline[WW_MAX_PORTS];
	/* Filtering: the rule set workers read (published under RCU, replaced
	 * whole), and whether workers run (else jobs run in place). */
	struct ww_ruleset *ruleset;
	struct rte_rcu_qsbr *rcu;
	bool workers_running;
	uint64_t rules_publish_ns;  /* how long the last apply took */
	/* The control plane's one lock (recursive): the prompt, the HTTP
	 * server and the main loop hold it to read or change the
	 * configuration, rule set and block lists; workers never do. */
	pthread_mutex_t control_lock;
	struct ww_control *control; /* every change goes through it */
	struct ww_auth *auth;       /* users, sessions, API tokens (live) */
	struct ww_http *http;       /* the management server (live) */
	json_t *recent_events;      /* the last events, oldest first (REST) */
	/* Flow records: where they go, how many came. */
	FILE *flows_file;           /* --flows: JSON lines */
	json_t *flows_json;         /* replay report's "flows" (or NULL) */
	uint64_t flow_records;
	/* Telemetry on the control plane (live): time series, top talkers,
	 * the event store, IPFIX. */
	struct ww_series *series;
	struct ww_talkers *talkers;
	struct ww_events *events_store;
	struct ww_ipfix *ipfix;
	/* Guards: the settings workers read (RCU, replaced whole), the
	 * block lists they share, where events go, what they counted. */
	struct ww_guard_snapshot *guard_snap;
	struct ww_blocklist *bl;
	bool replay;               /* clocks are the capture's */
	int64_t clock_offset_ns;   /* worker clock -> wall clock (live) */
	FILE *events_out;          /* "event: {json}" lines (live: stdout) */
	FILE *events_file;         /* --events: JSON lines */
	json_t *events_json;       /* replay report's "events" (or NULL) */
	uint64_t event_counts[WW_EV_MAX];
	uint64_t auto_blocks;
	uint64_t bl_load_ns;       /* loading the configured block lists took */
	uint64_t links_read_s;     /* when the ports' link state was read */
	volatile bool quit;
};

/**
 * Load the configuration from @p path, or the built-in default if NULL,
 * into app->cfg. A rejected document is reported on stderr with its place
 * and reason, and app->cfg is left untouched.
 * @return 0 or a negative errno.
 */
int ww_app_load_config(struct ww_app *app, const char *path);

/**
 * Report the getopt_long() result @p c that is not an option of ours
 * (':' missing value, '?' unknown). Call with opterr = 0.
 * @return -EINVAL
 */
int ww_app_option_error(int c, char **argv);

/**
 * Open the ports (devices overridden per port index if @p devices is not
 * NULL) and prepare @p nb_workers workers with their queues.
 * @return 0 or -errno, with the reason printed; nothing is left open.
 */
int ww_app_start(struct ww_app *app, const char *const *devices,
		 unsigned int nb_workers);

/**
 * Compile the rules and security groups of app->cfg and publish them to
 * the workers: each burst sees the old set or the new one, never a mix,
 * and no packet waits. Hit counters of unchanged rules carry over.
 * @return 0, or -errno with the reason in @p err.
 */
int ww_app_apply_rules(struct ww_app *app, const struct ww_config *cfg,
		       char *err, size_t size);
/** The two halves of ww_app_apply_rules(): compile (may fail, publishes
 *  nothing), then publish (cannot fail). */
int ww_app_build_rules(struct ww_app *app, const struct ww_config *cfg,
		       struct ww_ruleset **out, char *err, size_t size);
void ww_app_publish_rules(struct ww_app *app, struct ww_ruleset *rs);

/** Rule-set size and compile time, conntrack size and memory, on @p f. */
void ww_app_print_filter(const struct ww_app *app, FILE *f);

/**
 * Take the hits of "log" rules from the workers: print each as a line
 * "log: {json}" on @p f and/or append it to the JSON array @p into (either
 * may be NULL). @return how many.
 */
unsigned int ww_app_drain_logs(struct ww_app *app, FILE *f, json_t *into);

/** What ww_app_drain_ring() hands over: @p n items in a row. */
typedef void (*ww_app_batch_fn)(struct ww_app *app, void *items,
				unsigned int n);
/** Take what @p ring (a worker's, elements of @p esize) holds now, in
 *  batches of at most @p cap into @p buf, each given to @p fn.
 *  @return items taken. */
unsigned int ww_app_drain_ring(struct ww_app *app, struct rte_ring *ring,
			       void *buf, size_t esize, unsigned int cap,
			       ww_app_batch_fn fn);

/** Connection-table counters summed over the workers. */
void ww_app_ct_stats(struct ww_app *app, struct ww_ct_stats *out);

/** Rule counters and conntrack counts, as the replay report shows them. */
json_t *ww_app_rules_json(const struct ww_app *app);
json_t *ww_app_ct_json(struct ww_app *app);

/* guards.c */
/** Create the block lists (loaded from the config), every worker's guard
 *  state and the first settings snapshot. @return 0 or -errno (printed). */
int ww_app_guards_start(struct ww_app *app);
void ww_app_guards_stop(struct ww_app *app);
/** Add the configured block-list entries, their TTLs from @p now_ns
 *  (start-up live; the first packet's time in replay). @return 0 or -errno. */
int ww_app_load_blocklists(struct ww_app *app, uint64_t now_ns);
/** Publish @p cfg's guard settings to the workers (RCU), as
 *  ww_app_apply_rules(). @return 0, or -EINVAL with the reason in @p err. */
int ww_app_apply_guards(struct ww_app *app, const struct ww_config *cfg,
			char *err, size_t size);
/** Its halves: build a settings snapshot (NULL and @p err on failure),
 *  publish it, or free one never published. */
struct ww_guard_snapshot *ww_app_build_guards(const struct ww_config *cfg,
					      char *err, size_t size);
void ww_app_publish_guards(struct ww_app *app, struct ww_guard_snapshot *s);
void ww_app_free_guards(struct ww_guard_snapshot *s);
/** Take the workers' events: write them out, block what detectors ask
 *  to. @return records taken. */
unsigned int ww_app_drain_events(struct ww_app *app);
/** Flush every worker's pending event summaries, then drain. */
void ww_app_flush_events(struct ww_app *app);
/** Expire block-list entries, drain events. The main loop's tick. */
void ww_app_guards_housekeeping(struct ww_app *app);
/** ISO 8601 UTC with microseconds ("2026-11-25T01:02:03.000004Z") of a
 *  wall-clock time in ns. */
void ww_app_format_time(char *buf, size_t size, uint64_t ns);
/** The control plane's clock: wall time live, capture time in replay. */
uint64_t ww_app_clock_ns(const struct ww_app *app);
/** One event as a JSON object (eve.json-like names). New reference. */
json_t *ww_app_event_json(const struct ww_app *app, const struct ww_event *ev);
/** Event counts by kind, block-list sizes: the replay report's "guards". */
json_t *ww_app_guards_json(const struct ww_app *app);

/** Close ports and free workers. Workers must have stopped. */
void ww_app_stop(struct ww_app *app);

/** Counters of port @p idx since the last clear. */
void ww_app_port_counters(const struct ww_app *app, unsigned int idx,
			  struct ww_port_counters *out);

/** Start counting port @p idx (or all ports if idx < 0) from zero again. */
void ww_app_clear_counters(struct ww_app *app, int idx);

/** From the main loop: read the ports' link state once a second (the
 *  main lcore asks the drivers; the prompt and REST read the copies). */
void ww_app_links_update(struct ww_app *app);

/** Final or on-demand counters of every port, as a table. */
void ww_app_print_counters(const struct ww_app *app, FILE *f);

/** Report: {"ports":{NAME:counters,...},"conserved":bool}. New reference. */
json_t *ww_app_counters_json(const struct ww_app *app);

/* flows.c */
#define WW_FLOW_PICK_MAX 1000
/** What ww_app_flows() collects: the biggest, or those of one address. */
struct ww_flow_pick {
	struct ww_ct_flow_info flow[WW_FLOW_PICK_MAX];
	unsigned int n, limit;
	bool by_addr;
	uint8_t family;
	uint8_t addr[16];
};
/** Fill @p pick from every worker's table (each walks its own); @p now
 *  gets the workers' latest clock. @return 0, or -ETIMEDOUT if a worker
 *  did not answer (its flows are missing). */
int ww_app_flows(struct ww_app *app, struct ww_flow_pick *pick, uint64_t *now);
/** "tcp", "udp", "icmp", "icmpv6", or the number in @p buf. */
const char *ww_app_proto_name(uint8_t proto, char *buf, size_t size);
/** {"items":[{proto,bridge,src_ip,...}],"total"}, or NULL for a bad @p addr. */
json_t *ww_app_flows_json(struct ww_app *app, unsigned int top,
			  const char *addr);

/* flow_records.c */
/** Flow records on (telemetry.flows): each worker's ring and meter, the
 *  connection tables' records. @return 0 or -ENOMEM (printed). */
int ww_app_flows_start(struct ww_app *app);
void ww_app_flows_stop(struct ww_app *app);
/** Take the workers' records and send them where they go. @return how
 *  many. */
unsigned int ww_app_drain_flows(struct ww_app *app);
/** Every live flow's record (workers stopped): end of a replay or a run. */
void ww_app_flows_final(struct ww_app *app);
/** While workers run in this thread (replay): empty a full ring rather
 *  than lose records. */
void ww_app_flows_spill(struct ww_app *app, bool on);
/** Records lost to full rings, over the workers. */
uint64_t ww_app_flows_lost(const struct ww_app *app);
/** One record in eve.json's "flow" shape (new reference). */
json_t *ww_app_flow_json(const struct ww_app *app,
			 const struct ww_flow_record *r);
/** Where records go besides files: talkers, IPFIX, the recent list. */
void ww_app_flow_record_hook(struct ww_app *app,
			     const struct ww_flow_record *r);

/* telemetry_cp.c */
/** Time series, top talkers, the event store (STATE-DIR/events.db unless
 *  configured), IPFIX. @return 0 or -errno (printed). */
int ww_app_telemetry_start(struct ww_app *app, const char *state_dir);
void ww_app_telemetry_stop(struct ww_app *app);
/** IPFIX export alone (replay exports a capture's flows too). @return 0
 *  or -EINVAL (printed). */
int ww_app_ipfix_start(struct ww_app *app);
void ww_app_ipfix_stop(struct ww_app *app);
/** From the main loop (every 100 ms): flush the event store and IPFIX,
 *  and once a second sample every series. */
void ww_app_telemetry_tick(struct ww_app *app);
/** What `show flows` filters on (zero fields: any). */
struct ww_flow_filter {
	uint8_t family, proto;
	uint16_t port;
	uint8_t addr[16];
};
/** The @p max biggest recent flow records matching @p f, biggest first.
 *  @return how many. */
unsigned int ww_app_recent_flows(const struct ww_app *app,
				 const struct ww_flow_filter *f,
				 struct ww_flow_record *out, unsigned int max);

/** lib/control's telemetry hook: "series", "talkers", "flow-records". */
json_t *ww_app_telemetry_query(struct ww_app *app, const char *what,
			       const json_t *args);

/* control_ops.c */
/** Create app->control (saving to @p config_path and @p blocklist_path,
 *  either may be NULL) with the data plane's hooks. @return 0 or -ENOMEM. */
int ww_app_control_create(struct ww_app *app, const char *config_path,
			  const char *blocklist_path);
/** Keep @p ev for the REST events query (the last few thousand). */
void ww_app_remember_event(struct ww_app *app, json_t *ev);

/* cli.c */
/** Run commands from @p path; returns the number of commands that failed. */
int ww_cli_run_file(struct ww_app *app, const char *path);
/** Interactive prompt on stdin until "quit", EOF or app->quit. */
void ww_cli_interact(struct ww_app *app);

/* replay.c */
int ww_replay_main(int argc, char **argv);

#endif /* WW_APP_H */
