/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The testpmd-style prompt, on DPDK's cmdline library. Commands come in
 * groups, one small file per topic, each a NULL-terminated list of cmdline
 * instances plus the usage lines that `help` and error messages print.
 */
#ifndef WW_APP_CLI_H
#define WW_APP_CLI_H

#include <cmdline_parse.h>

#include "app.h"

struct ww_cli_help {
	const char *usage;
	const char *text;
};

struct ww_cli_group {
	const char *title;
	cmdline_parse_inst_t **cmds;      /* NULL-terminated */
	const struct ww_cli_help *help;   /* { NULL, NULL }-terminated */
	void (*init)(struct ww_app *app); /* runtime choices (port names) */
};

extern const struct ww_cli_group ww_cli_port_group;
extern const struct ww_cli_group ww_cli_rules_group;
extern const struct ww_cli_group ww_cli_guards_group;
extern const struct ww_cli_group ww_cli_control_group;
extern const struct ww_cli_group ww_cli_telemetry_group;

/** The next blank-separated word of *@p rest (NULL if none); *@p rest then
 *  points past it and its blanks. */
char *ww_cli_next_word(char **rest);

/** The appliance the commands act on. */
struct ww_app *ww_cli_app(void);

/** Print a refused change: "error: PATH: message". */
void ww_cli_error_ctl(const struct ww_control_error *err);

/** Print "error: ..." for a command that failed and count it. */
void ww_cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* WW_APP_CLI_H */
