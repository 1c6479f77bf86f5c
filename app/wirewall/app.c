/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <rte_malloc.h>

#include "app.h"

int
ww_app_load_config(struct ww_app *app, const char *path)
{
	struct ww_config_error err;
	char msg[768];
	int ret;

	snprintf(app->config_origin, sizeof(app->config_origin), "%s",
		 path != NULL ? path : "<embedded default>");
	if (path != NULL)
		ret = ww_config_load_file(path, &app->cfg, &err);
	else
		ret = ww_config_parse(ww_config_default_text(),
				      app->config_origin, &app->cfg, &err);
	if (ret != 0) {
		ww_config_error_format(&err, msg, sizeof(msg));
		fprintf(stderr, "error: configuration rejected: %s\n", msg);
	}
	return ret;
}

int
ww_app_option_error(int c, char **argv)
{
	if (c == ':')
		fprintf(stderr, "error: option %s needs a value\n",
			argv[optind - 1]);
	else
		fprintf(stderr, "error: unknown option \"%s\"\n",
			argv[optind - 1]);
	return -EINVAL;
}

int
ww_app_start(struct ww_app *app, const char *const *devices,
	     unsigned int nb_workers)
{
	int ret;

	app->nb_workers = nb_workers;
	app->workers = rte_zmalloc("ww_workers",
				   sizeof(*app->workers) * nb_workers,
				   RTE_CACHE_LINE_SIZE);
	if (app->workers == NULL) {
		fprintf(stderr, "cannot allocate %u workers\n", nb_workers);
		return -ENOMEM;
	}
	ret = ww_ports_open(&app->ports, &app->cfg, devices, nb_workers);
	if (ret != 0) {
		rte_free(app->workers);
		app->workers = NULL;
		return ret;
	}
	for (unsigned int i = 0; i < nb_workers; i++) {
		app->workers[i].id = i;
		app->workers[i].quit = &app->quit;
		rte_seqcount_init(&app->workers[i].counters_seq);
	}
	ww_workers_assign(app->workers, nb_workers, &app->cfg, &app->ports);
	return 0;
}

void
ww_app_stop(struct ww_app *app)
{
	ww_ports_close(&app->ports);
	rte_free(app->workers);
	app->workers = NULL;
}

void
ww_app_port_counters(const struct ww_app *app, unsigned int idx,
		     struct ww_port_counters *out)
{
	struct ww_port_counters now;

	ww_workers_sum(app->workers, app->nb_workers, idx, &now);
	ww_counters_sub(out, &now, &app->baseline[idx]);
}

void
ww_app_clear_counters(struct ww_app *app, int idx)
{
	for (unsigned int i = 0; i < app->cfg.nb_ports; i++)
		if (idx < 0 || (unsigned int)idx == i)
			ww_workers_sum(app->workers, app->nb_workers, i,
				       &app->baseline[i]);
}

void
ww_app_print_counters(const struct ww_app *app, FILE *f)
{
	struct ww_port_counters c;

	for (unsigned int i = 0; i < app->cfg.nb_ports; i++) {
		ww_app_port_counters(app, i, &c);
		fprintf(f, "  ---- port %u: %s ----\n", i, app->cfg.ports[i].name);
		ww_counters_print(f, &c);
	}
	fflush(f);
}

json_t *
ww_app_counters_json(const struct ww_app *app)
{
	json_t *ports = json_object();
	bool conserved = true;
	struct ww_port_counters c;

	for (unsigned int i = 0; i < app->cfg.nb_ports; i++) {
		ww_app_port_counters(app, i, &c);
		conserved = conserved && ww_counters_conserved(&c);
		json_object_set_new(ports, app->cfg.ports[i].name,
				    ww_counters_to_json(&c));
	}
	return json_pack("{s:o, s:b}", "ports", ports, "conserved", conserved);
}
