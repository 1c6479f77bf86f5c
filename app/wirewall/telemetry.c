/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK telemetry commands (/wirewall/...) and packet capture (pdump).
 *
 * The commands answer on DPDK's telemetry socket
 * (/var/run/dpdk/<file-prefix>/dpdk_telemetry.v2 unless --no-telemetry),
 * e.g. with dpdk-telemetry.py -f <file-prefix>. They show the same
 * counters as GET /metrics; names in dictionary keys have '_' for '-'
 * ("ct_invalid"), as telemetry allows no other.
 *
 * Callbacks run in DPDK's telemetry thread, which the application cannot
 * stop and whose commands cannot be unregistered: they reach the
 * appliance through tel_app, which uninit clears under tel_lock, the lock
 * every callback holds while it reads. Control-plane state (event counts,
 * counter baselines, the revision) is read under app->control_lock too;
 * worker counters are read lock-free (seqcount, single-writer words).
 */
#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_pdump.h>
#include <rte_rcu_qsbr.h>
#include <rte_telemetry.h>
#include <rte_version.h>

#include "app.h"
#include "conntrack.h"
#include "guard.h"
#include "observe.h"

static pthread_mutex_t tel_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ww_app *tel_app;   /* NULL: not running (answers -ENODEV) */
static bool commands_registered;
static bool pdump_on;

/* ---- the commands ---- */

/*
 * Telemetry refuses dictionary keys other than [A-Za-z0-9_/] (the entry
 * is silently missing): "ct-invalid" is reported as "ct_invalid".
 */
static const char *
tel_key(const char *name, char *buf, size_t size)
{
	size_t i;

	for (i = 0; name[i] != '\0' && i + 1 < size; i++)
		buf[i] = isalnum((unsigned char)name[i]) || name[i] == '/' ?
			 name[i] : '_';
	buf[i] = '\0';
	return buf;
}

static void
add_u64(struct rte_tel_data *d, const char *name, uint64_t v)
{
	char key[RTE_TEL_MAX_STRING_LEN];

	rte_tel_data_add_dict_u64(d, tel_key(name, key, sizeof(key)), v);
}

/* Index of the port named @p param, or given by its index; -1 if none. */
static int
find_port(const struct ww_app *app, const char *param)
{
	char *end;
	unsigned long idx;

	if (param == NULL || *param == '\0')
		return -1;
	for (unsigned int i = 0; i < app->ports.n; i++)
		if (strcmp(app->ports.port[i].name, param) == 0)
			return (int)i;
	errno = 0;
	idx = strtoul(param, &end, 10);
	if (errno != 0 || *end != '\0' || idx >= app->ports.n)
		return -1;
	return (int)idx;
}

static int
cmd_ports(struct ww_app *app, const char *params, struct rte_tel_data *d)
{
	rte_tel_data_start_array(d, RTE_TEL_STRING_VAL);
	for (unsigned int i = 0; i < app->ports.n; i++)
		rte_tel_data_add_array_string(d, app->ports.port[i].name);
	return 0;
}

static int
cmd_port_stats(struct ww_app *app, const char *params, struct rte_tel_data *d)
{
	int idx = find_port(app, params);
	struct ww_port_counters c;
	struct rte_tel_data *drops;

	if (idx < 0)
		return -EINVAL;
	drops = rte_tel_data_alloc();
	if (drops == NULL)
		return -ENOMEM;
	/* The baseline of "clear port stats" is the control plane's. */
	pthread_mutex_lock(&app->control_lock);
	ww_app_port_counters(app, (unsigned int)idx, &c);
	pthread_mutex_unlock(&app->control_lock);

	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "port", app->ports.port[idx].name);
	rte_tel_data_add_dict_int(d, "port_id", app->ports.port[idx].port_id);
	rte_tel_data_add_dict_u64(d, "rx_packets", c.rx_packets);
	rte_tel_data_add_dict_u64(d, "rx_bytes", c.rx_bytes);
	rte_tel_data_add_dict_u64(d, "tx_packets", c.tx_packets);
	rte_tel_data_add_dict_u64(d, "tx_bytes", c.tx_bytes);
	rte_tel_data_add_dict_u64(d, "forwarded_packets", c.forwarded_packets);
	rte_tel_data_add_dict_u64(d, "forwarded_bytes", c.forwarded_bytes);
	rte_tel_data_add_dict_u64(d, "to_host_packets", c.to_host);
	rte_tel_data_add_dict_u64(d, "queued_packets", c.queued);
	rte_tel_data_start_dict(drops);
	for (unsigned int r = WW_REASON_NONE + 1; r < WW_REASON_MAX; r++)
		add_u64(drops, ww_reason_name(r), c.drops[r]);
	rte_tel_data_add_dict_container(d, "drops", drops, 0);
	return 0;
}

static int
cmd_conntrack(struct ww_app *app, const char *params, struct rte_tel_data *d)
{
	bool enabled = false;
	struct ww_ct_stats s;
	struct rte_tel_data *states;

	for (unsigned int w = 0; w < app->nb_workers; w++)
		enabled = enabled || app->workers[w].ct != NULL;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_int(d, "enabled", enabled);
	if (!enabled)
		return 0;
	states = rte_tel_data_alloc();
	if (states == NULL)
		return -ENOMEM;
	ww_app_ct_stats(app, &s);
	rte_tel_data_add_dict_u64(d, "active", s.active);
	rte_tel_data_add_dict_u64(d, "max_flows", s.max_flows);
	rte_tel_data_add_dict_u64(d, "created", s.created);
	rte_tel_data_add_dict_u64(d, "expired", s.expired);
	rte_tel_data_add_dict_u64(d, "early_dropped", s.early_dropped);
	rte_tel_data_add_dict_u64(d, "refused_full", s.refused_full);
	rte_tel_data_start_dict(states);
	for (unsigned int i = 0; i < WW_CT_FS_MAX; i++)
		add_u64(states, ww_ct_flow_state_name(i), s.by_state[i]);
	rte_tel_data_add_dict_container(d, "by_state", states, 0);
	return 0;
}

static int
cmd_events(struct ww_app *app, const char *params, struct rte_tel_data *d)
{
	rte_tel_data_start_dict(d);
	pthread_mutex_lock(&app->control_lock);
	for (unsigned int k = 0; k < WW_EV_MAX; k++)
		add_u64(d, ww_event_kind_name(k), app->event_counts[k]);
	pthread_mutex_unlock(&app->control_lock);
	return 0;
}

static int
cmd_info(struct ww_app *app, const char *params, struct rte_tel_data *d)
{
	/* The control plane starts after the telemetry commands. */
	struct ww_control *control = __atomic_load_n(&app->control,
						     __ATOMIC_ACQUIRE);

	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "version", WW_VERSION);
	rte_tel_data_add_dict_string(d, "dpdk", rte_version());
	rte_tel_data_add_dict_int(d, "workers", (int)app->nb_workers);
	rte_tel_data_add_dict_int(d, "ports", (int)app->ports.n);
	if (control != NULL)
		rte_tel_data_add_dict_u64(d, "revision",
					  ww_control_revision(control));
	return 0;
}

/* ---- the table ---- */

typedef int (*command_fn)(struct ww_app *app, const char *params,
			  struct rte_tel_data *d);

static const struct command {
	const char *name;
	command_fn fn;
	const char *help;    /* < RTE_TEL_MAX_STRING_LEN, or refused */
} commands[] = {
	{ "/wirewall/ports", cmd_ports,
	  "Returns the names of wirewall's ports, by index." },
	{ "/wirewall/port_stats", cmd_port_stats,
	  "Returns a port's counters, drops by reason. "
	  "Parameters: port name or index" },
	{ "/wirewall/conntrack", cmd_conntrack,
	  "Returns the connection table's counters and flows by state." },
	{ "/wirewall/events", cmd_events,
	  "Returns the guard event counts by kind." },
	{ "/wirewall/info", cmd_info,
	  "Returns wirewall's version, DPDK version, workers, ports and "
	  "config revision." },
};

/* Every command comes here: DPDK gives a callback only the command's
 * name, so find it and call it with the appliance held. */
static int
dispatch(const char *cmd, const char *params, struct rte_tel_data *d)
{
	int ret = -ENODEV;

	pthread_mutex_lock(&tel_lock);
	for (size_t i = 0; tel_app != NULL && i < RTE_DIM(commands); i++)
		if (strcmp(commands[i].name, cmd) == 0) {
			ret = commands[i].fn(tel_app, params, d);
			break;
		}
	pthread_mutex_unlock(&tel_lock);
	return ret;
}

static int
register_commands(void)
{
	for (size_t i = 0; i < RTE_DIM(commands); i++) {
		int ret = rte_telemetry_register_cmd(commands[i].name,
						     dispatch, commands[i].help);

		if (ret != 0) {
			fprintf(stderr, "error: telemetry command %s: %s\n",
				commands[i].name, strerror(-ret));
			return ret;
		}
	}
	return 0;
}

/* ---- pdump ---- */

/*
 * Capture is a convenience, not a duty: wirewall runs without it when it
 * cannot be had, and says so. A secondary process such as dpdk-dumpcap
 * attaches to the primary's hugepage memory, so with --no-huge there is
 * nothing to attach to and pdump is not started. With --no-shconf (no
 * IPC) rte_pdump_init() succeeds but no request can reach it; dumpcap
 * then fails in its EAL start-up.
 */
static void
pdump_start(void)
{
	if (!rte_eal_has_hugepages()) {
		printf("wirewall: packet capture (dpdk-dumpcap) off: secondary "
		       "processes cannot attach to --no-huge memory\n");
		return;
	}
	if (rte_pdump_init() != 0) {
		printf("wirewall: packet capture (dpdk-dumpcap) off: %s\n",
		       rte_strerror(rte_errno));
		return;
	}
	pdump_on = true;
}

/*
 * DPDK 22.11's pdump races with the end of a capture: it removes its RX
 * and TX callbacks, answers dpdk-dumpcap, and dumpcap frees the ring and
 * pool those callbacks copy into, while a worker may still be running
 * one in the middle of a burst (ethdev leaves waiting for in-flight
 * callbacks to the caller; later pdump releases count them). The worker
 * then copies into freed memory: wirewall crashed in about one capture
 * in eight at 19 Mpps. So wirewall's binary provides the two removal
 * functions ahead of ethdev's (the dynamic linker finds the executable's
 * first): each removes, then waits until every worker has been between
 * bursts (its RCU quiescent state) before pdump may answer. Nothing else
 * in wirewall removes callbacks. Drop this with a DPDK whose pdump waits.
 */
typedef int (*remove_cb_fn)(uint16_t port_id, uint16_t queue_id,
			    const struct rte_eth_rxtx_callback *cb);

static struct rte_rcu_qsbr *cb_rcu;   /* the workers', under tel_lock */

static int
remove_and_wait(const char *name, remove_cb_fn *real, uint16_t port_id,
		uint16_t queue_id, const struct rte_eth_rxtx_callback *cb)
{
	remove_cb_fn fn = __atomic_load_n(real, __ATOMIC_ACQUIRE);
	int ret;

	if (fn == NULL) {
		/* ethdev's own, the next definition after ours */
		*(void **)&fn = dlsym(RTLD_NEXT, name);
		if (fn == NULL)
			return -ENOTSUP;
		__atomic_store_n(real, fn, __ATOMIC_RELEASE);
	}
	ret = fn(port_id, queue_id, cb);
	pthread_mutex_lock(&tel_lock);
	if (ret == 0 && cb_rcu != NULL)
		rte_rcu_qsbr_synchronize(cb_rcu, RTE_QSBR_THRID_INVALID);
	pthread_mutex_unlock(&tel_lock);
	return ret;
}

int
rte_eth_remove_rx_callback(uint16_t port_id, uint16_t queue_id,
			   const struct rte_eth_rxtx_callback *user_cb)
{
	static remove_cb_fn real;

	return remove_and_wait(__func__, &real, port_id, queue_id, user_cb);
}

int
rte_eth_remove_tx_callback(uint16_t port_id, uint16_t queue_id,
			   const struct rte_eth_rxtx_callback *user_cb)
{
	static remove_cb_fn real;

	return remove_and_wait(__func__, &real, port_id, queue_id, user_cb);
}

/* ---- start and stop ---- */

int
ww_app_telemetry_init(struct ww_app *app)
{
	int ret;

	pthread_mutex_lock(&tel_lock);
	tel_app = app;
	cb_rcu = app->rcu;
	pthread_mutex_unlock(&tel_lock);
	/* Registered once a process: DPDK keeps commands until exit. */
	if (!commands_registered) {
		ret = register_commands();
		if (ret != 0)
			return ret;
		commands_registered = true;
	}
	pdump_start();
	return 0;
}

void
ww_app_telemetry_uninit(struct ww_app *app)
{
	/* After this no callback reads the appliance: it may be freed. */
	pthread_mutex_lock(&tel_lock);
	if (tel_app == app) {
		tel_app = NULL;
		cb_rcu = NULL;
	}
	pthread_mutex_unlock(&tel_lock);
	if (pdump_on && rte_pdump_uninit() != 0)
		printf("wirewall: stopping packet capture: %s\n",
		       rte_strerror(rte_errno));
	pdump_on = false;
}
