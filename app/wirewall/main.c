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

struct options {
	const char *config_path; /* NULL: the embedded default */
	const char *cmdline_file;
	const char *events_path;  /* --events: JSON lines */
	bool interactive;
};

static struct ww_app app;

static void
usage(FILE *f, const char *prog)
{
	fprintf(f,
		"usage: %s [EAL options] -- [--config FILE] [-i|--interactive]\n"
		"          [--cmdline-file FILE] [--events FILE.jsonl]\n"
		"       %s replay --config FILE --in PORT=IN.pcap [--in ...]\n"
		"          [--out PORT=OUT.pcap ...] [--report REPORT.json]\n"
		"\n"
		"  --config FILE        configuration (default: the built-in lab,\n"
		"                       config/wirewall.json at build time)\n"
		"  -i, --interactive    open the command prompt\n"
		"  --cmdline-file FILE  run the commands in FILE at start-up\n"
		"  --events FILE        append guard events to FILE, one JSON\n"
		"                       object per line (they also go to stdout\n"
		"                       as \"event: {json}\" lines)\n"
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
	}
	ww_app_flush_events(a);
	/* The prompt may still block in read(): give the terminal back. */
	if (cli_started && tty)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
}

int
main(int argc, char **argv)
{
	struct options opt = { 0 };
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
	if (ww_app_load_config(&app, opt.config_path) != 0)
		return 1;
	app.events_out = stdout;
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

	app.clock_offset_ns = (int64_t)ww_app_clock_ns(&app) -
			      (int64_t)ww_worker_clock_ns();
	ret = launch_workers(&app);
	app.workers_running = true;
	if (ret == 0)
		serve(&app, &opt);
	app.quit = true;
	rte_eal_mp_wait_lcore();
	app.workers_running = false;

	printf("\nwirewall: stopped; final counters:\n");
	ww_app_print_counters(&app, stdout);
	ww_app_stop(&app);
	if (app.events_file != NULL)
		fclose(app.events_file);
out_eal:
	rte_eal_cleanup();
	return ret == 0 ? 0 : 1;
}
