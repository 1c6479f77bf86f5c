/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * wirewall replay --config FILE --in PORT=IN.pcap [--in ...]
 *                 [--out PORT=OUT.pcap ...] [--report REPORT.json]
 *
 * Runs a configuration over captures: every configured port becomes a
 * net_pcap device reading its --in capture and writing its --out capture.
 * One worker, on the main lcore, takes the packets of all inputs in
 * timestamp order (a reply captured on one port follows its request from
 * the other) and its clock is the capture's, so time-based decisions come
 * out the same however fast the machine replays. Stops when every input is
 * drained, then writes the report.
 */
#include <errno.h>
#include <limits.h>
#include <getopt.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pcap/pcap.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf_dyn.h>

#include "app.h"

#define NS_PER_US 1000
/* A run of packets shares one clock reading: keep runs within 1 ms. */
#define RUN_SPAN_NS (1000 * 1000)

struct replay_opts {
	const char *config_path;
	const char *report_path;
	const char *events_path;        /* --events: JSON lines */
	const char *flows_path;         /* --flows: JSON lines */
	const char *in[WW_MAX_PORTS];   /* by config port index */
	const char *out[WW_MAX_PORTS];
};

struct replay_input {
	const struct ww_rx_source *src;
	struct rte_mbuf *buf[WW_BURST];
	uint16_t head, n;
	bool drained;
};

static struct ww_app app;
static json_t *rule_log;   /* hits of "log" rules, for the report */

static void
replay_usage(FILE *f)
{
	fprintf(f,
		"usage: wirewall replay --config FILE --in PORT=IN.pcap [--in ...]\n"
		"                       [--out PORT=OUT.pcap ...] [--report REPORT.json]\n"
		"                       [--events EVENTS.jsonl] [--flows FLOWS.jsonl]\n"
		"\n"
		"Runs the configuration over captures, offline: PORT is a port name\n"
		"from the configuration; packets of all inputs enter in timestamp\n"
		"order; what leaves a port is written to its --out capture.\n"
		"Guard events (time from the capture) go to --events, one JSON\n"
		"object per line, and to the report's \"events\" array; flow\n"
		"records to --flows and the report's \"flows\" array.\n");
}

/* "PORT=FILE" -> slot of that port in @p files. */
static int
port_file(const struct ww_config *cfg, const char *opt, const char *arg,
	  const char **files)
{
	const char *eq = strchr(arg, '=');
	char name[WW_NAME_MAX];
	int idx;

	if (eq == NULL || eq == arg || eq[1] == '\0') {
		fprintf(stderr, "error: %s \"%s\": expected PORT=FILE\n", opt, arg);
		return -EINVAL;
	}
	snprintf(name, sizeof(name), "%.*s", (int)(eq - arg), arg);
	idx = ww_config_port_index(cfg, name);
	if (idx < 0) {
		fprintf(stderr, "error: %s \"%s\": no port named \"%s\" in the "
			"configuration\n", opt, arg, name);
		return -EINVAL;
	}
	if (files[idx] != NULL) {
		fprintf(stderr, "error: %s: port \"%s\" given twice\n", opt, name);
		return -EINVAL;
	}
	/* Device arguments are comma-separated: a comma would split the path. */
	if (strchr(eq + 1, ',') != NULL) {
		fprintf(stderr, "error: %s \"%s\": file names with ',' are not "
			"supported\n", opt, arg);
		return -EINVAL;
	}
	files[idx] = eq + 1;
	return 0;
}

static int
check_input(const struct ww_config *cfg, unsigned int idx, const char *path)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline(path, errbuf);

	if (p == NULL) {
		fprintf(stderr, "error: --in %s=%s: cannot read the capture: %s\n",
			cfg->ports[idx].name, path, errbuf);
		return -EINVAL;
	}
	/* net_pcap hands over the bytes as they are: they must be frames. */
	int linktype = pcap_datalink(p);
	pcap_close(p);
	if (linktype != DLT_EN10MB) {
		const char *name = pcap_datalink_val_to_name(linktype);

		fprintf(stderr, "error: --in %s=%s: the capture's link type is %s, "
			"not Ethernet (EN10MB)\n", cfg->ports[idx].name, path,
			name != NULL ? name : "unknown");
		return -EINVAL;
	}
	if (ww_config_bridge_of_port(cfg, idx) < 0) {
		fprintf(stderr, "error: --in %s=%s: port \"%s\" is in no bridge, "
			"so nothing would receive this traffic\n",
			cfg->ports[idx].name, path, cfg->ports[idx].name);
		return -EINVAL;
	}
	return 0;
}

static int
check_output(const struct ww_config *cfg, unsigned int idx, const char *path)
{
	FILE *f = fopen(path, "w");

	if (f == NULL) {
		fprintf(stderr, "error: --out %s=%s: cannot write: %s\n",
			cfg->ports[idx].name, path, strerror(errno));
		return -errno;
	}
	fclose(f);
	return 0;
}

static int
parse_replay_options(int argc, char **argv, struct replay_opts *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "in", required_argument, NULL, 'I' },
		{ "out", required_argument, NULL, 'O' },
		{ "report", required_argument, NULL, 'r' },
		{ "events", required_argument, NULL, 'e' },
		{ "flows", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	/* Port names resolve against the config: take it first. */
	const char *ins[WW_MAX_PORTS * 2], *outs[WW_MAX_PORTS * 2];
	unsigned int nb_in = 0, nb_out = 0;
	int c, ret;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': o->config_path = optarg; break;
		case 'r': o->report_path = optarg; break;
		case 'e': o->events_path = optarg; break;
		case 'f': o->flows_path = optarg; break;
		case 'I':
			if (nb_in < RTE_DIM(ins))
				ins[nb_in++] = optarg;
			break;
		case 'O':
			if (nb_out < RTE_DIM(outs))
				outs[nb_out++] = optarg;
			break;
		case 'h': return 1;
		default: return ww_app_option_error(c, argv);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "error: unexpected argument \"%s\"\n", argv[optind]);
		return -EINVAL;
	}
	if (o->config_path == NULL || nb_in == 0) {
		fprintf(stderr, "error: replay needs --config and at least one --in\n");
		return -EINVAL;
	}
	ret = 0;
	/* A rejected configuration is not a usage error: exit 1, no usage. */
	if (ww_app_load_config(&app, o->config_path) != 0)
		return -EBADMSG;
	for (unsigned int i = 0; ret == 0 && i < nb_in; i++)
		ret = port_file(&app.cfg, "--in", ins[i], o->in);
	for (unsigned int i = 0; ret == 0 && i < nb_out; i++)
		ret = port_file(&app.cfg, "--out", outs[i], o->out);
	for (unsigned int i = 0; ret == 0 && i < app.cfg.nb_ports; i++) {
		if (o->in[i] != NULL)
			ret = check_input(&app.cfg, i, o->in[i]);
		if (ret == 0 && o->out[i] != NULL)
			ret = check_output(&app.cfg, i, o->out[i]);
	}
	return ret;
}

/* net_pcap in place of each configured device. */
static void
replay_devices(const struct replay_opts *o, char devs[][WW_DEVICE_MAX])
{
	for (unsigned int i = 0; i < app.cfg.nb_ports; i++) {
		int n = snprintf(devs[i], WW_DEVICE_MAX, "net_pcap_ww%u", i);

		if (o->in[i] != NULL)
			n += snprintf(devs[i] + n, WW_DEVICE_MAX - n,
				      ",rx_pcap=%s", o->in[i]);
		snprintf(devs[i] + n, WW_DEVICE_MAX - n, ",tx_pcap=%s",
			 o->out[i] != NULL ? o->out[i] : "/dev/null");
	}
}

/*
 * Own EAL arguments: no hugepages, a unique prefix, any CPU we may use, and
 * no shared files (--no-shconf; see remove_runtime_dir()).
 */
static int
replay_eal_init(const char *prog)
{
	char prefix[64], lcores[256], mem[32];
	cpu_set_t set;
	size_t used = snprintf(lcores, sizeof(lcores), "--lcores=0@(");
	unsigned int mbufs = app.cfg.mbufs ? app.cfg.mbufs : 16384;
	const char *const fmt_sep[] = { "", "," };
	bool first = true;

	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		CPU_ZERO(&set);
	for (int cpu = 0; cpu < CPU_SETSIZE && used < sizeof(lcores) - 8; cpu++)
		if (CPU_ISSET(cpu, &set)) {
			used += snprintf(lcores + used, sizeof(lcores) - used,
					 "%s%d", fmt_sep[!first], cpu);
			first = false;
		}
	if (first)
		used += snprintf(lcores + used, sizeof(lcores) - used, "0");
	snprintf(lcores + used, sizeof(lcores) - used, ")");
	snprintf(prefix, sizeof(prefix), "--file-prefix=ww-replay-%d", getpid());
	/* About 2.5 KiB per packet buffer, 256 bytes per block-list entry,
	 * plus room for EAL, devices and guards. */
	snprintf(mem, sizeof(mem), "%u", 192 + mbufs / 400 +
		 app.cfg.guards.blocklist.max_entries / 4096);
	char *eal_argv[] = {
		(char *)prog, lcores, "--no-huge", "-m", mem, "--no-pci",
		prefix, "--no-shconf", "--no-telemetry", "--log-level=*:warning",
		NULL,
	};
	int ret = rte_eal_init(RTE_DIM(eal_argv) - 1, eal_argv);

	if (ret < 0)
		fprintf(stderr, "error: EAL initialisation failed: %s\n",
			rte_strerror(rte_errno));
	return ret < 0 ? -1 : 0;
}

/* Capture time of a packet in ns; net_pcap stamps in microseconds. */
static inline uint64_t
packet_time_ns(const struct rte_mbuf *m)
{
	if (app.ports.timestamp_offset < 0 ||
	    (m->ol_flags & app.ports.timestamp_flag) == 0)
		return 0;
	return *RTE_MBUF_DYNFIELD(m, app.ports.timestamp_offset,
				  const rte_mbuf_timestamp_t *) * NS_PER_US;
}

static void
refill(struct replay_input *in)
{
	if (in->drained || in->head < in->n)
		return;
	in->head = 0;
	in->n = rte_eth_rx_burst(in->src->port_id, in->src->queue_id,
				 in->buf, WW_BURST);
	in->drained = in->n == 0;
}

static struct replay_input *
earliest(struct replay_input *inputs, unsigned int n, uint64_t *next_other)
{
	struct replay_input *best = NULL;
	uint64_t best_t = UINT64_MAX;

	*next_other = UINT64_MAX;
	for (unsigned int i = 0; i < n; i++) {
		struct replay_input *in = &inputs[i];
		uint64_t t;

		if (in->head >= in->n)
			continue;
		t = packet_time_ns(in->buf[in->head]);
		if (t < best_t) {
			if (best != NULL)
				*next_other = best_t;
			best = in;
			best_t = t;
		} else if (t < *next_other) {
			*next_other = t;
		}
	}
	return best;
}

struct replay_clock {
	uint64_t first_ns, last_ns;
	uint64_t packets;
};

/* Hand packets to the worker in timestamp order across all inputs. */
static int
replay_run(struct ww_worker *w, struct replay_clock *clk)
{
	struct replay_input inputs[WW_MAX_PORTS] = { 0 };
	unsigned int n = w->nb_sources;
	struct replay_input *in;
	uint64_t limit;

	for (unsigned int i = 0; i < n; i++)
		inputs[i].src = &w->sources[i];
	for (;;) {
		for (unsigned int i = 0; i < n; i++)
			refill(&inputs[i]);
		in = earliest(inputs, n, &limit);
		if (in == NULL)
			break;
		uint64_t start = packet_time_ns(in->buf[in->head]);
		uint16_t len = 1;

		while (in->head + len < in->n) {
			uint64_t t = packet_time_ns(in->buf[in->head + len]);

			if (t > limit || t - start > RUN_SPAN_NS)
				break;
			len++;
		}
		w->now_ns = start;
		if (clk->packets == 0) {
			clk->first_ns = start;
			if (ww_app_load_blocklists(&app, start) != 0)
				return -EINVAL;
		}
		/* Entries whose time is up go before the burst meets them. */
		ww_blocklist_expire(app.bl, start);
		clk->last_ns = packet_time_ns(in->buf[in->head + len - 1]);
		clk->packets += len;
		ww_worker_handle_burst(w, in->src, &in->buf[in->head], len);
		/* Empty the log ring as we go: a capture may log more than it holds. */
		if (unlikely(rte_ring_count(w->log_ring) != 0))
			ww_app_drain_logs(&app, NULL, rule_log);
		/* Events and automatic blocks take effect before the next
		 * burst, as fast as the capture's clock, never faster. */
		if (unlikely(rte_ring_count(w->event_ring) != 0))
			ww_app_drain_events(&app);
		if (w->flow_ring != NULL && rte_ring_count(w->flow_ring) != 0)
			ww_app_drain_flows(&app);
		in->head += len;
	}
	return 0;
}

static json_t *
files_json(const char *const *files)
{
	json_t *obj = json_object();

	for (unsigned int i = 0; i < app.cfg.nb_ports; i++)
		if (files[i] != NULL)
			json_object_set_new(obj, app.cfg.ports[i].name,
					    json_string(files[i]));
	return obj;
}

static json_t *
build_report(const struct replay_opts *o, const struct replay_clock *clk)
{
	json_t *report = ww_app_counters_json(&app);
	json_t *drops = json_object();
	struct ww_port_counters total = { 0 }, c;

	for (unsigned int i = 0; i < app.cfg.nb_ports; i++) {
		ww_app_port_counters(&app, i, &c);
		ww_counters_add(&total, &c);
	}
	for (unsigned int r = WW_REASON_NONE + 1; r < WW_REASON_MAX; r++)
		json_object_set_new(drops, ww_reason_name(r),
				    json_integer((json_int_t)total.drops[r]));
	json_object_set_new(report, "config", json_string(o->config_path));
	json_object_set_new(report, "workers", json_integer(1));
	json_object_set_new(report, "inputs", files_json(o->in));
	json_object_set_new(report, "outputs", files_json(o->out));
	json_object_set_new(report, "drops", drops);
	json_object_set_new(report, "capture_time", json_pack("{s:I, s:I}",
		"first_ns", (json_int_t)clk->first_ns,
		"last_ns", (json_int_t)clk->last_ns));
	json_object_set_new(report, "rules", ww_app_rules_json(&app));
	json_object_set_new(report, "conntrack", ww_app_ct_json(&app));
	json_object_set(report, "log", rule_log);
	json_object_set_new(report, "guards", ww_app_guards_json(&app));
	json_object_set(report, "events", app.events_json);
	if (app.flows_json != NULL)
		json_object_set(report, "flows", app.flows_json);
	return report;
}

static int
write_report(const char *path, json_t *report)
{
	if (json_dump_file(report, path, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0) {
		fprintf(stderr, "error: cannot write the report to %s\n", path);
		return -EIO;
	}
	return 0;
}

/*
 * Replays are many and short: with --no-shconf EAL leaves only an empty
 * runtime directory behind; remove it after rte_eal_cleanup().
 */
static void
remove_runtime_dir(const char *dir)
{
	if (dir[0] != '\0' && rmdir(dir) != 0 && errno != ENOENT)
		fprintf(stderr, "warning: cannot remove %s: %s\n", dir,
			strerror(errno));
}

int
ww_replay_main(int argc, char **argv)
{
	struct replay_opts o = { 0 };
	char devs[WW_MAX_PORTS][WW_DEVICE_MAX];
	const char *dev_ptrs[WW_MAX_PORTS];
	struct replay_clock clk = { 0 };
	char runtime_dir[PATH_MAX];
	json_t *report;
	int ret;

	ret = parse_replay_options(argc, argv, &o);
	if (ret == -EBADMSG)
		return 1;
	if (ret != 0) {
		replay_usage(ret > 0 ? stdout : stderr);
		return ret > 0 ? 0 : 2;
	}
	if (o.events_path != NULL &&
	    (app.events_file = fopen(o.events_path, "w")) == NULL) {
		fprintf(stderr, "error: --events %s: %s\n", o.events_path,
			strerror(errno));
		return 1;
	}
	if (o.flows_path != NULL &&
	    (app.flows_file = fopen(o.flows_path, "w")) == NULL) {
		fprintf(stderr, "error: --flows %s: %s\n", o.flows_path,
			strerror(errno));
		return 1;
	}
	replay_devices(&o, devs);
	for (unsigned int i = 0; i < app.cfg.nb_ports; i++)
		dev_ptrs[i] = devs[i];
	if (replay_eal_init(argv[0]) != 0)
		return 1;
	snprintf(runtime_dir, sizeof(runtime_dir), "%s", rte_eal_get_runtime_dir());

	/* One worker on the main lcore keeps the order of the captures. */
	app.replay = true;
	app.events_json = json_array();
	app.flows_json = app.cfg.telemetry.flows ? json_array() : NULL;
	ret = ww_app_start(&app, dev_ptrs, 1);
	if (ret == 0 && (ret = ww_app_ipfix_start(&app)) != 0)
		ww_app_stop(&app);
	if (ret == 0) {
		app.workers[0].quit = &app.quit;
		rule_log = json_array();
		ww_app_flows_spill(&app, true);
		ret = replay_run(&app.workers[0], &clk);
		ww_app_flush_events(&app);
		/* Flows still open at the capture's end: their records. */
		ww_app_flows_final(&app);
		ww_app_ipfix_stop(&app);
		report = build_report(&o, &clk);
		ww_app_print_counters(&app, stdout);
		if (o.report_path != NULL && write_report(o.report_path,
							  report) != 0)
			ret = -EIO;
		json_decref(report);
		json_decref(rule_log);
		ww_app_stop(&app);
	}
	json_decref(app.events_json);
	json_decref(app.flows_json);
	if (app.flows_file != NULL && fclose(app.flows_file) != 0) {
		fprintf(stderr, "error: --flows %s: %s\n", o.flows_path,
			strerror(errno));
		ret = -EIO;
	}
	if (app.events_file != NULL && fclose(app.events_file) != 0) {
		fprintf(stderr, "error: --events %s: %s\n", o.events_path,
			strerror(errno));
		ret = -EIO;
	}
	rte_eal_cleanup();
	remove_runtime_dir(runtime_dir);
	return ret == 0 ? 0 : 1;
}
