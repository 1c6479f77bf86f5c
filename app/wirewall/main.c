/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * wirewall [EAL options] -- [--config FILE] [-i] [--cmdline-file FILE]
 * wirewall replay ...        (see replay.c)
 *
 * Start-up is staged and unwinds on failure: options and configuration are
 * checked before anything else starts (a bad file changes nothing), then
 * EAL, ports and workers; the main lcore then serves the control plane
 * while the CLI runs in its own thread.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <sys/stat.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>

#include "app.h"
#include "observe.h"

struct options {
	const char *config_path; /* NULL: the state directory's, or built-in */
	const char *cmdline_file;
	const char *events_path;  /* --events: JSON lines */
	const char *flows_path;   /* --flows: JSON lines */
	const char *state_dir;    /* users, dynamic block lists (, config) */
	const char *http;         /* --http ADDR:PORT | off */
	const char *web_dir;
	bool interactive;
};

/* Files of the state directory. */
struct state_paths {
	char config[PATH_MAX];     /* the running configuration's file */
	char users[PATH_MAX];
	char blocklist[PATH_MAX];
};

static struct ww_app app;

static void
usage(FILE *f, const char *prog)
{
	fprintf(f,
		"usage: %s [EAL options] -- [--config FILE] [-i|--interactive]\n"
		"          [--cmdline-file FILE] [--events FILE.jsonl] [--flows FILE.jsonl]\n"
		"          [--state-dir DIR] [--http ADDR:PORT|off] [--web-dir DIR]\n"
		"       %s replay --config FILE --in PORT=IN.pcap [--in ...]\n"
		"          [--out PORT=OUT.pcap ...] [--report REPORT.json]\n"
		"\n"
		"  --config FILE        the configuration; every change made at\n"
		"                       run time is saved back into it (default:\n"
		"                       STATE-DIR/wirewall.json, first made from\n"
		"                       the built-in lab, config/wirewall.json)\n"
		"  --state-dir DIR      users, API tokens and block-list entries\n"
		"                       added at run time (default " WW_STATE_DIR ")\n"
		"  --http ADDR:PORT|off the management server's address (overrides\n"
		"                       http.listen; default 0.0.0.0:8080)\n"
		"  --web-dir DIR        the console's files (default " WW_WEB_DIR ")\n"
		"  -i, --interactive    open the command prompt\n"
		"  --cmdline-file FILE  run the commands in FILE at start-up\n"
		"  --events FILE        append guard events to FILE, one JSON\n"
		"                       object per line (they also go to stdout\n"
		"                       as \"event: {json}\" lines)\n"
		"  --flows FILE         append flow records to FILE, one JSON\n"
		"                       object per line (eve.json's \"flow\")\n"
		"  -h, --help           this text\n",
		prog, prog);
}

/* Application options come after "--"; EAL's come before. */
static int
parse_options(int argc, char **argv, struct options *opt)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "interactive", no_argument, NULL, 'i' },
		{ "cmdline-file", required_argument, NULL, 'f' },
		{ "events", required_argument, NULL, 'e' },
		{ "flows", required_argument, NULL, 'F' },
		{ "state-dir", required_argument, NULL, 's' },
		{ "http", required_argument, NULL, 'H' },
		{ "web-dir", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":ih", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': opt->config_path = optarg; break;
		case 'i': opt->interactive = true; break;
		case 'f': opt->cmdline_file = optarg; break;
		case 'e': opt->events_path = optarg; break;
		case 'F': opt->flows_path = optarg; break;
		case 's': opt->state_dir = optarg; break;
		case 'H': opt->http = optarg; break;
		case 'w': opt->web_dir = optarg; break;
		case 'h': return 1;
		default: return ww_app_option_error(c, argv);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "error: unexpected argument \"%s\"\n",
			argv[optind]);
		return -EINVAL;
	}
	return 0;
}

static void
on_signal(int signum)
{
	(void)signum;
	app.quit = true;
}

static int
check_lcores(unsigned int workers)
{
	unsigned int have = rte_lcore_count() - 1;

	if (have >= workers)
		return 0;
	fprintf(stderr, "error: the configuration asks for %u worker(s) but "
		"EAL gave %u worker lcore(s) besides the main one; start with "
		"e.g. -l 0-%u\n", workers, have, workers);
	return -EINVAL;
}

static int
launch_workers(struct ww_app *a)
{
	unsigned int lcore, i = 0;

	RTE_LCORE_FOREACH_WORKER(lcore) {
		if (i == a->nb_workers)
			break;
		a->workers[i].lcore_id = lcore;
		int ret = rte_eal_remote_launch(ww_worker_main, &a->workers[i],
						lcore);
		if (ret != 0) {
			fprintf(stderr, "cannot launch worker %u on lcore %u: "
				"%s\n", i, lcore, rte_strerror(-ret));
			return ret;
		}
		i++;
	}
	return 0;
}

static void *
cli_thread(void *arg)
{
	struct ww_app *a = arg;

	ww_cli_interact(a);
	a->quit = true;
	return NULL;
}

/* The control plane's loop; the CLI thread and signals end it. */
static void
serve(struct ww_app *a, const struct options *opt)
{
	struct termios saved;
	bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0;
	pthread_t cli;
	bool cli_started = false;

	if (opt->cmdline_file != NULL)
		ww_cli_run_file(a, opt->cmdline_file);
	if (opt->interactive && !a->quit)
		cli_started = rte_ctrl_thread_create(&cli, "ww-cli", NULL,
						     cli_thread, a) == 0;
	while (!a->quit) {
		usleep(100 * 1000);
		ww_app_drain_logs(a, stdout, NULL);
		ww_app_guards_housekeeping(a);
		ww_app_drain_flows(a);
		ww_app_telemetry_tick(a);
		ww_app_links_update(a);
		ww_control_tick(a->control, false);
	}
	ww_app_flush_events(a);
	ww_control_tick(a->control, true);
	/* The prompt may still block in read(): give the terminal back. */
	if (cli_started && tty)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
}

static int
mkdir_p(const char *dir)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s", dir);
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) != 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/*
 * The state directory holds what run time adds: users and tokens,
 * block-list entries, and the configuration unless --config names one
 * (then the built-in default seeds it on the first start).
 */
static int
prepare_state(struct options *opt, struct state_paths *paths)
{
	int ret = mkdir_p(opt->state_dir);

	if (ret != 0) {
		fprintf(stderr, "error: --state-dir %s: %s\n", opt->state_dir,
			strerror(-ret));
		return ret;
	}
	snprintf(paths->users, sizeof(paths->users), "%s/users.json",
		 opt->state_dir);
	snprintf(paths->blocklist, sizeof(paths->blocklist),
		 "%s/blocklist.json", opt->state_dir);
	if (opt->config_path != NULL)
		snprintf(paths->config, sizeof(paths->config), "%s",
			 opt->config_path);
	else
		snprintf(paths->config, sizeof(paths->config),
			 "%s/wirewall.json", opt->state_dir);
	if (opt->config_path == NULL && access(paths->config, F_OK) == 0)
		opt->config_path = paths->config;
	return 0;
}

static int
http_override(struct ww_config_http *h, const char *arg)
{
	char addr[64];
	uint16_t port;

	if (arg == NULL)
		return 0;
	if (strcmp(arg, "off") == 0) {
		h->enabled = false;
		return 0;
	}
	if (strlen(arg) >= sizeof(h->listen) ||
	    ww_config_listen_parse(arg, addr, sizeof(addr), &port) != 0) {
		fprintf(stderr, "error: --http \"%s\": expected ADDR:PORT "
			"(e.g. 127.0.0.1:8080 or [::1]:8080) or off\n", arg);
		return -EINVAL;
	}
	h->enabled = true;
	snprintf(h->listen, sizeof(h->listen), "%s", arg);
	return 0;
}

/* No default password: the first start makes one and shows it once. */
static int
open_users(struct ww_app *a, const struct state_paths *paths)
{
	struct ww_auth_params p = {
		.session_idle_s = a->cfg.http.session_idle_s,
		.login_failures = a->cfg.http.login_failures,
		.login_window_s = a->cfg.http.login_window_s,
	};
	char err[512], password[64];
	int ret;

	a->auth = ww_auth_open(paths->users, &p, err, sizeof(err));
	if (a->auth == NULL) {
		fprintf(stderr, "error: users: %s\n", err);
		return -EINVAL;
	}
	ret = ww_auth_ensure_user(a->auth, "admin", password, sizeof(password),
				  err, sizeof(err));
	if (ret < 0) {
		fprintf(stderr, "error: users: %s\n", err);
		return ret;
	}
	if (ret == 1)
		printf("wirewall: first start: user \"admin\" created with "
		       "password %s (shown once; change it with \"user passwd "
		       "admin NEW\")\n", password);
	fflush(stdout);
	return 0;
}

/* After the data plane: lib/control, the saved block-list entries, the
 * management server. */
static int
control_start(struct ww_app *a, const struct options *opt,
	      const struct state_paths *paths)
{
	struct ww_control_error cerr;
	struct ww_http_params hp = {
		.cfg = &a->cfg.http, .web_dir = opt->web_dir,
		.control = NULL, .auth = a->auth,
		.metrics = ww_app_metrics, .metrics_ctx = a,
	};
	char err[512];
	int ret;

	ret = ww_app_telemetry_init(a);
	if (ret == 0)
		ret = ww_app_telemetry_start(a, opt->state_dir);
	if (ret != 0)
		return ret;
	if (ww_app_control_create(a, paths->config, paths->blocklist) != 0) {
		fprintf(stderr, "error: out of memory\n");
		return -ENOMEM;
	}
	ret = ww_control_restore_blocklist(a->control, &cerr);
	if (ret < 0)
		fprintf(stderr, "error: saved block lists: %s (starting "
			"without them)\n", cerr.message);
	else if (ret > 0)
		printf("wirewall: %d block-list entr%s restored from %s\n", ret,
		       ret == 1 ? "y" : "ies", paths->blocklist);
	/* The built-in default becomes the state directory's file. */
	if (access(paths->config, F_OK) != 0 &&
	    ww_control_save(a->control, &cerr) != 0) {
		fprintf(stderr, "error: %s\n", cerr.message);
		return -EIO;
	}
	if (!a->cfg.http.enabled)
		return 0;
	hp.control = a->control;
	a->http = ww_http_start(&hp, err, sizeof(err));
	if (a->http == NULL) {
		fprintf(stderr, "error: management server: %s\n", err);
		return -EINVAL;
	}
	printf("wirewall: management server on %s://%s (port %u)\n",
	       a->cfg.http.tls_cert[0] ? "https" : "http", a->cfg.http.listen,
	       ww_http_port(a->http));
	fflush(stdout);
	return 0;
}

int
main(int argc, char **argv)
{
	struct options opt = { .state_dir = WW_STATE_DIR,
			       .web_dir = WW_WEB_DIR };
	struct state_paths paths;
	int sep, ret;

	if (argc > 1 && strcmp(argv[1], "replay") == 0)
		return ww_replay_main(argc - 1, argv + 1);

	for (sep = 1; sep < argc && strcmp(argv[sep], "--") != 0; sep++)
		;
	/* argv[sep] ("--") stands in for the program name for getopt. */
	ret = sep < argc ? parse_options(argc - sep, argv + sep, &opt) : 0;
	if (ret != 0) {
		usage(ret > 0 ? stdout : stderr, argv[0]);
		return ret > 0 ? 0 : 2;
	}
	if (prepare_state(&opt, &paths) != 0 ||
	    ww_app_load_config(&app, opt.config_path) != 0 ||
	    http_override(&app.cfg.http, opt.http) != 0 ||
	    open_users(&app, &paths) != 0)
		return 1;
	app.events_out = stdout;
	if (opt.flows_path != NULL &&
	    (app.flows_file = fopen(opt.flows_path, "a")) == NULL) {
		fprintf(stderr, "error: --flows %s: %s\n", opt.flows_path,
			strerror(errno));
		return 1;
	}
	if (opt.events_path != NULL &&
	    (app.events_file = fopen(opt.events_path, "a")) == NULL) {
		fprintf(stderr, "error: --events %s: %s\n", opt.events_path,
			strerror(errno));
		return 1;
	}

	ret = rte_eal_init(sep, argv);
	if (ret < 0) {
		fprintf(stderr, "error: EAL initialisation failed: %s\n",
			rte_strerror(rte_errno));
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	ret = check_lcores(app.cfg.workers);
	if (ret == 0)
		ret = ww_app_start(&app, NULL, app.cfg.workers);
	if (ret != 0)
		goto out_eal;
	printf("wirewall: %u port(s), %u bridge(s), %u worker(s), %u mbufs, "
	       "%u rule(s), %u security group(s), config %s\n",
	       app.cfg.nb_ports, app.cfg.nb_bridges, app.nb_workers,
	       app.ports.pool_size, app.cfg.nb_rules, app.cfg.nb_sgs,
	       app.config_origin);
	ww_app_print_filter(&app, stdout);
	ret = control_start(&app, &opt, &paths);
	if (ret != 0)
		goto out_app;

	app.clock_offset_ns = (int64_t)ww_app_clock_ns(&app) -
			      (int64_t)ww_worker_clock_ns();
	ret = launch_workers(&app);
	app.workers_running = true;
	if (ret == 0)
		serve(&app, &opt);
	app.quit = true;
	rte_eal_mp_wait_lcore();
	app.workers_running = false;
	ww_app_flows_final(&app);

	printf("\nwirewall: stopped; final counters:\n");
	ww_app_print_counters(&app, stdout);
out_app:
	if (app.http != NULL)
		ww_http_stop(app.http);
	ww_app_telemetry_stop(&app);
	ww_app_telemetry_uninit(&app);
	ww_control_free(app.control);
	if (app.auth != NULL)
		ww_auth_close(app.auth);
	ww_app_stop(&app);
	if (app.events_file != NULL)
		fclose(app.events_file);
	if (app.flows_file != NULL)
		fclose(app.flows_file);
out_eal:
	rte_eal_cleanup();
	return ret == 0 ? 0 : 1;
}
