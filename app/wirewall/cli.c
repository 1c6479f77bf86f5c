/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Prompt core: builds the command context from the groups, and holds the
 * general commands (help, show config, quit). A last, catch-all command
 * turns cmdline's terse "Bad arguments" into an error that quotes the line
 * and prints the usage of the commands it resembles.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <cmdline.h>
#include <cmdline_parse_string.h>
#include <cmdline_socket.h>
#include <rte_common.h>

#include "cli.h"

#define PROMPT "wirewall> "
#define MAX_CMDS 96

static struct ww_app *cli_app;
static struct cmdline *current_cl;
static unsigned int nb_errors;
static cmdline_parse_ctx_t main_ctx[MAX_CMDS];

extern const struct ww_cli_group ww_cli_general_group;

static const struct ww_cli_group *const groups[] = {
	&ww_cli_general_group,
	&ww_cli_port_group,
	&ww_cli_rules_group, &ww_cli_guards_group, &ww_cli_control_group,
	&ww_cli_telemetry_group,
};

struct ww_app *
ww_cli_app(void)
{
	return cli_app;
}

void
ww_cli_error(const char *fmt, ...)
{
	va_list ap;

	printf("error: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	nb_errors++;
}

void
ww_cli_error_ctl(const struct ww_control_error *err)
{
	/* At the prompt the rule is the rest of the line: its column says
	 * where, "$.rule" would only be noise. */
	if (err->path[0] != '\0' && strcmp(err->path, "$.rule") != 0)
		ww_cli_error("%s: %s", err->path, err->message);
	else
		ww_cli_error("%s", err->message);
}

/* The next blank-separated word of *@p rest (NULL if none); *@p rest then
 * points past it and its blanks. */
char *
ww_cli_next_word(char **rest)
{
	char *w = *rest + strspn(*rest, " \t"), *end;

	if (*w == '\0')
		return NULL;
	end = w + strcspn(w, " \t");
	*rest = end + strspn(end, " \t");
	if (*end != '\0')
		*end = '\0';
	return w;
}

/* ---- help ---- */

struct cmd_help_result {
	cmdline_fixed_string_t help;
};

static void
print_help(void)
{
	for (size_t g = 0; g < RTE_DIM(groups); g++) {
		printf("\n%s:\n", groups[g]->title);
		for (const struct ww_cli_help *h = groups[g]->help; h->usage; h++)
			printf("  %-36s %s\n", h->usage, h->text);
	}
	printf("\n<port> is \"all\", a port name or a port number. TAB completes, "
	       "? lists choices.\n");
	fflush(stdout);
}

static void
cmd_help_parsed(void *parsed, struct cmdline *cl, void *data)
{
	print_help();
}

static cmdline_parse_token_string_t cmd_help_tok =
	TOKEN_STRING_INITIALIZER(struct cmd_help_result, help, "help");

static cmdline_parse_inst_t cmd_help = {
	.f = cmd_help_parsed,
	.help_str = "help: list the commands",
	.tokens = { (void *)&cmd_help_tok, NULL },
};

/* ---- show config ---- */

struct cmd_show_config_result {
	cmdline_fixed_string_t show;
	cmdline_fixed_string_t config;
};

static void
cmd_show_config_parsed(void *parsed, struct cmdline *cl, void *data)
{
	json_t *doc = ww_config_to_json(&cli_app->cfg);
	char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

	printf("# from %s\n%s\n", cli_app->config_origin, text ? text : "");
	fflush(stdout);
	free(text);
	json_decref(doc);
}

static cmdline_parse_token_string_t cmd_show_config_show =
	TOKEN_STRING_INITIALIZER(struct cmd_show_config_result, show, "show");
static cmdline_parse_token_string_t cmd_show_config_config =
	TOKEN_STRING_INITIALIZER(struct cmd_show_config_result, config, "config");

static cmdline_parse_inst_t cmd_show_config = {
	.f = cmd_show_config_parsed,
	.help_str = "show config: the running configuration as JSON",
	.tokens = { (void *)&cmd_show_config_show,
		    (void *)&cmd_show_config_config, NULL },
};

/* ---- quit ---- */

struct cmd_quit_result {
	cmdline_fixed_string_t quit;
};

static void
cmd_quit_parsed(void *parsed, struct cmdline *cl, void *data)
{
	cli_app->quit = true;
	cmdline_quit(cl);
}

static cmdline_parse_token_string_t cmd_quit_tok =
	TOKEN_STRING_INITIALIZER(struct cmd_quit_result, quit, "quit#exit");

static cmdline_parse_inst_t cmd_quit = {
	.f = cmd_quit_parsed,
	.help_str = "quit: stop forwarding, print final counters and exit",
	.tokens = { (void *)&cmd_quit_tok, NULL },
};

static cmdline_parse_inst_t *general_cmds[] = {
	&cmd_help, &cmd_show_config, &cmd_quit, NULL,
};

static const struct ww_cli_help general_help[] = {
	{ "help", "list the commands" },
	{ "show config", "the running configuration as JSON" },
	{ "quit", "stop forwarding, print final counters and exit" },
	{ NULL, NULL },
};

const struct ww_cli_group ww_cli_general_group = {
	.title = "General",
	.cmds = general_cmds,
	.help = general_help,
};

/* ---- anything else: a clear error ---- */

struct cmd_unknown_result {
	char line[512];
};

/*
 * Matches a whole line, but only when no real command does: it asks the
 * parser about the line first (with itself switched off), so it never makes
 * a good command ambiguous.
 */
static int
unknown_parse(cmdline_parse_token_hdr_t *tk, const char *buf, void *res,
	      unsigned int ressize)
{
	static bool checking;
	size_t len;
	int ret;

	if (checking || current_cl == NULL || buf == NULL)
		return -1;
	checking = true;
	ret = cmdline_parse_check(current_cl, buf);
	checking = false;
	if (ret >= 0) /* a real command takes the line (ret is its length) */
		return -1;
	len = strcspn(buf, "\r\n");
	if (res != NULL)
		snprintf(res, ressize, "%.*s", (int)len, buf);
	return (int)len;
}

static int
unknown_help(cmdline_parse_token_hdr_t *tk, char *dst, unsigned int size)
{
	snprintf(dst, size, "...");
	return 0;
}

static struct cmdline_token_ops unknown_ops = {
	.parse = unknown_parse,
	.get_help = unknown_help,
};

static struct cmdline_token_hdr cmd_unknown_tok = {
	.ops = &unknown_ops,
	.offset = offsetof(struct cmd_unknown_result, line),
};

/* How many leading words of @p line equal those of @p usage. */
static unsigned int
words_in_common(const char *line, const char *usage)
{
	unsigned int n = 0;

	for (;;) {
		size_t a = strcspn(line, " \t"), b = strcspn(usage, " ");

		if (a == 0 || a != b || strncmp(line, usage, a) != 0)
			return n;
		n++;
		line += a + strspn(line + a, " \t");
		usage += b + strspn(usage + b, " ");
	}
}

/* Usage lines of the commands the line resembles most (same first words). */
static unsigned int
print_similar(const char *line)
{
	unsigned int best = 0, found = 0;

	for (size_t g = 0; g < RTE_DIM(groups); g++)
		for (const struct ww_cli_help *h = groups[g]->help; h->usage; h++)
			best = RTE_MAX(best, words_in_common(line, h->usage));
	if (best == 0)
		return 0;
	for (size_t g = 0; g < RTE_DIM(groups); g++)
		for (const struct ww_cli_help *h = groups[g]->help; h->usage; h++)
			if (words_in_common(line, h->usage) == best)
				printf("%s  %s\n", found++ ? "      " : "usage:",
				       h->usage);
	return found;
}

static void
cmd_unknown_parsed(void *parsed, struct cmdline *cl, void *data)
{
	const char *line = ((struct cmd_unknown_result *)parsed)->line;
	size_t word = strcspn(line, " \t");

	ww_cli_error("no command matches \"%s\"", line);
	if (print_similar(line) == 0)
		printf("unknown command \"%.*s\"; type \"help\" for the list\n",
		       (int)word, line);
	fflush(stdout);
}

static cmdline_parse_inst_t cmd_unknown = {
	.f = cmd_unknown_parsed,
	.help_str = "(anything else is explained)",
	.tokens = { &cmd_unknown_tok, NULL },
};

/* ---- running ---- */

/*
 * Every command runs holding the control-plane lock, so what it reads of
 * the running configuration cannot change under it (the HTTP server
 * changes it from its own thread). The lock is recursive: commands that
 * change things call lib/control, which takes it again.
 */
struct locked_cmd {
	void (*f)(void *, struct cmdline *, void *);
	void *data;
};

static struct locked_cmd locked[MAX_CMDS];

static void
run_locked(void *parsed, struct cmdline *cl, void *data)
{
	const struct locked_cmd *lc = data;

	pthread_mutex_lock(&cli_app->control_lock);
	lc->f(parsed, cl, lc->data);
	pthread_mutex_unlock(&cli_app->control_lock);
}

static void
wrap_locked(cmdline_parse_inst_t *inst, unsigned int n)
{
	if (inst->f == run_locked)   /* built before (run-file, then prompt) */
		return;
	locked[n].f = inst->f;
	locked[n].data = inst->data;
	inst->f = run_locked;
	inst->data = &locked[n];
}

static void
build_context(struct ww_app *app)
{
	unsigned int n = 0;

	cli_app = app;
	for (size_t g = 0; g < RTE_DIM(groups); g++) {
		if (groups[g]->init != NULL)
			groups[g]->init(app);
		for (cmdline_parse_inst_t **c = groups[g]->cmds; *c; c++)
			if (n < MAX_CMDS - 2) {
				wrap_locked(*c, n);
				main_ctx[n++] = *c;
			}
	}
	main_ctx[n++] = &cmd_unknown;
	main_ctx[n] = NULL;
}

static void
run(struct cmdline *cl)
{
	current_cl = cl;
	cmdline_interact(cl);
	current_cl = NULL;
}

int
ww_cli_run_file(struct ww_app *app, const char *path)
{
	struct cmdline *cl;
	unsigned int before = nb_errors;

	build_context(app);
	cl = cmdline_file_new(main_ctx, PROMPT, path);
	if (cl == NULL) {
		ww_cli_error("cannot read command file \"%s\": %s", path,
			     strerror(errno));
		return 1;
	}
	run(cl);
	cmdline_free(cl);
	printf("\n");
	if (nb_errors != before)
		printf("%s: %u command(s) failed\n", path, nb_errors - before);
	fflush(stdout);
	return (int)(nb_errors - before);
}

void
ww_cli_interact(struct ww_app *app)
{
	struct cmdline *cl;

	build_context(app);
	cl = cmdline_stdin_new(main_ctx, PROMPT);
	if (cl == NULL) {
		fprintf(stderr, "cannot open the prompt on stdin\n");
		return;
	}
	run(cl);
	cmdline_stdin_exit(cl);
}
