/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control-plane commands: the whole configuration (config load|save),
 * rule and security-group edits beyond add/delete (rule replace|move,
 * sg create|delete|replace-rule|move-rule), users and API tokens, and the
 * management server. Each is one call of lib/control or lib/auth, the
 * same the REST API makes.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmdline.h>
#include <cmdline_parse_string.h>

#include "cli.h"
#include "util.h"

#define REST_MAX WW_RULE_TEXT_MAX

static int
parse_u32(const char *word, const char *what, uint32_t min, uint32_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = word ? strtoul(word, &end, 10) : 0;
	if (word == NULL || errno != 0 || *end != '\0' || v < min ||
	    v > UINT32_MAX) {
		ww_cli_error("%s: expected a number >= %u, got \"%s\"", what,
			     min, word ? word : "");
		return -EINVAL;
	}
	*out = (uint32_t)v;
	return 0;
}

static void
changed(int ret, const struct ww_control_error *err, const char *what)
{
	if (ret < 0) {
		ww_cli_error_ctl(err);
		return;
	}
	printf("  %s; revision %" PRIu64 " saved\n", what,
	       ww_control_revision(ww_cli_app()->control));
}

/* ---- config ---- */

static void
config_load(struct ww_app *app, char *rest)
{
	char *path = ww_cli_next_word(&rest);
	struct ww_control_error err;
	json_error_t jerr;
	json_t *doc;
	int64_t ret;

	if (path == NULL) {
		ww_cli_error("usage: config load <file>");
		return;
	}
	doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (doc == NULL) {
		ww_cli_error("%s:%d:%d: %s", path, jerr.line, jerr.column,
			     jerr.text);
		return;
	}
	/* A file carries no revision, or an old one: it replaces what runs. */
	json_object_set_new(doc, "revision", json_integer(
		(json_int_t)ww_control_revision(app->control)));
	ret = ww_control_config_replace(app->control, doc, &err);
	json_decref(doc);
	changed(ret < 0 ? (int)ret : 0, &err, "configuration replaced");
}

static void
config_save(struct ww_app *app, char *rest)
{
	struct ww_control_error err;

	changed(ww_control_save(app->control, &err), &err, "saved");
}

/* ---- rules and groups ---- */

static void
rule_edit(struct ww_app *app, const char *group, const char *verb, char *rest)
{
	struct ww_control_error err;
	uint32_t handle, pos;
	int ret;

	if (parse_u32(ww_cli_next_word(&rest), "handle", 1, &handle) != 0)
		return;
	if (strcmp(verb, "move") == 0) {
		if (parse_u32(ww_cli_next_word(&rest), "position (1 = first)", 1,
			      &pos) != 0)
			return;
		ret = ww_control_rule_move(app->control, group, handle, pos - 1,
					   &err);
		changed(ret, &err, "rule moved");
		return;
	}
	if (*rest == '\0') {
		ww_cli_error("the new rule is missing");
		return;
	}
	json_t *rule = json_string(rest);

	ret = ww_control_rule_replace(app->control, group, handle, rule, &err);
	json_decref(rule);
	changed(ret, &err, "rule replaced");
}

static void
rule_replace_or_move(struct ww_app *app, const char *verb, char *rest)
{
	rule_edit(app, NULL, verb, rest);
}

static void
sg_edit(struct ww_app *app, const char *verb, char *rest)
{
	struct ww_control_error err;
	char *name = ww_cli_next_word(&rest), *bridge;
	json_t *sg;

	if (name == NULL) {
		ww_cli_error("the security group's name is missing");
		return;
	}
	if (strcmp(verb, "delete") == 0) {
		changed(ww_control_sg_delete(app->control, name, &err), &err,
			"security group deleted");
	} else if (strcmp(verb, "create") == 0) {
		bridge = ww_cli_next_word(&rest);
		if (bridge == NULL) {
			ww_cli_error("usage: sg create <name> <bridge>");
			return;
		}
		sg = json_pack("{s:s, s:s, s:[]}", "name", name, "bridge",
			       bridge, "rules");
		changed(ww_control_sg_add(app->control, sg, &err), &err,
			"security group created");
		json_decref(sg);
	} else {
		rule_edit(app, name, strcmp(verb, "move-rule") == 0 ? "move"
					: "replace", rest);
	}
}

/* ---- users and tokens ---- */

static void
user_cmd(struct ww_app *app, const char *verb, char *rest)
{
	char *name = ww_cli_next_word(&rest), *password = ww_cli_next_word(&rest);
	char err[256];
	int ret;

	if (app->auth == NULL) {
		ww_cli_error("no user store (replay)");
		return;
	}
	if (strcmp(verb, "list") == 0) {
		json_t *users = ww_auth_users_json(app->auth), *u;
		size_t i;

		json_array_foreach(users, i, u)
			printf("  %s\n", json_string_value(
				json_object_get(u, "name")));
		json_decref(users);
		return;
	}
	if (name == NULL || (strcmp(verb, "del") != 0 && password == NULL)) {
		ww_cli_error("usage: user %s <name>%s", verb,
			     strcmp(verb, "del") ? " <password>" : "");
		return;
	}
	if (strcmp(verb, "add") == 0)
		ret = ww_auth_user_add(app->auth, name, password, err,
				       sizeof(err));
	else if (strcmp(verb, "passwd") == 0)
		ret = ww_auth_user_passwd(app->auth, name, password, err,
					  sizeof(err));
	else
		ret = ww_auth_user_del(app->auth, name, err, sizeof(err));
	if (ret != 0)
		ww_cli_error("%s", err);
	else
		printf("  user %s: %s done\n", name, verb);
}

static void
token_cmd(struct ww_app *app, const char *verb, char *rest)
{
	char *name = ww_cli_next_word(&rest), token[WW_AUTH_TOKEN_MAX], err[256];
	json_t *tokens, *t;
	size_t i;

	if (app->auth == NULL) {
		ww_cli_error("no user store (replay)");
		return;
	}
	if (strcmp(verb, "list") == 0) {
		tokens = ww_auth_tokens_json(app->auth);
		json_array_foreach(tokens, i, t)
			printf("  %s\n", json_string_value(
				json_object_get(t, "name")));
		json_decref(tokens);
		return;
	}
	if (name == NULL) {
		ww_cli_error("usage: token %s <name>", verb);
		return;
	}
	if (strcmp(verb, "create") == 0) {
		if (ww_auth_token_create(app->auth, name, token, sizeof(token),
					 err, sizeof(err)) != 0)
			ww_cli_error("%s", err);
		else
			printf("  token %s: %s\n  (shown once: send it as "
			       "\"Authorization: Bearer TOKEN\")\n", name,
			       token);
	} else if (ww_auth_token_revoke(app->auth, name, err,
					sizeof(err)) != 0) {
		ww_cli_error("%s", err);
	} else {
		printf("  token %s revoked\n", name);
	}
}

static void
show_http(struct ww_app *app, const char *verb, char *rest)
{
	const struct ww_config_http *h = &app->cfg.http;

	if (*rest != '\0') {
		ww_cli_error("show http takes no arguments");
		return;
	}
	if (app->http == NULL) {
		printf("  management server: off\n");
		return;
	}
	printf("  management server: %s://%s (bound port %u), metrics %s\n",
	       h->tls_cert[0] ? "https" : "http", h->listen,
	       ww_http_port(app->http), h->metrics_open ? "open" : "token");
	printf("  limits: %u connections, %u per address, %u s timeout, "
	       "%u-byte bodies; %u users\n", h->max_connections,
	       h->max_per_address, h->timeout_s, h->max_body,
	       app->auth ? ww_auth_user_count(app->auth) : 0);
}

/* ---- dispatch: "<keyword> <verb> [rest]" ---- */

struct verb {
	const char *kw, *verb;
	void (*fn)(struct ww_app *app, const char *verb, char *rest);
};

static void
config_fn(struct ww_app *app, const char *verb, char *rest)
{
	if (strcmp(verb, "load") == 0)
		config_load(app, rest);
	else
		config_save(app, rest);
}

static const struct verb verbs[] = {
	{ "config", "load", config_fn }, { "config", "save", config_fn },
	{ "rule", "replace", rule_replace_or_move },
	{ "rule", "move", rule_replace_or_move },
	{ "sg", "create", sg_edit }, { "sg", "delete", sg_edit },
	{ "sg", "replace-rule", sg_edit }, { "sg", "move-rule", sg_edit },
	{ "user", "add", user_cmd }, { "user", "passwd", user_cmd },
	{ "user", "del", user_cmd }, { "user", "list", user_cmd },
	{ "token", "create", token_cmd }, { "token", "revoke", token_cmd },
	{ "token", "list", token_cmd }, { "show", "http", show_http },
};

struct cmd_verb_result {
	cmdline_fixed_string_t kw;
	cmdline_fixed_string_t verb;
	char rest[REST_MAX];
};

static void
cmd_verb_parsed(void *parsed, struct cmdline *cl, void *data)
{
	struct cmd_verb_result *r = parsed;

	for (size_t i = 0; i < RTE_DIM(verbs); i++)
		if (strcmp(verbs[i].kw, r->kw) == 0 &&
		    strcmp(verbs[i].verb, r->verb) == 0) {
			verbs[i].fn(ww_cli_app(), r->verb, r->rest);
			break;
		}
	fflush(stdout);
}

#define VERB_CMD(id, kw_words, verb_words, help)			\
static cmdline_parse_token_string_t id##_kw =				\
	TOKEN_STRING_INITIALIZER(struct cmd_verb_result, kw, kw_words);	\
static cmdline_parse_token_string_t id##_verb =				\
	TOKEN_STRING_INITIALIZER(struct cmd_verb_result, verb, verb_words); \
static cmdline_parse_token_string_t id##_rest =				\
	TOKEN_STRING_INITIALIZER(struct cmd_verb_result, rest,		\
				 TOKEN_STRING_MULTI);			\
static cmdline_parse_inst_t id = {					\
	.f = cmd_verb_parsed, .help_str = help,				\
	.tokens = { (void *)&id##_kw, (void *)&id##_verb,		\
		    (void *)&id##_rest, NULL },				\
};									\
static cmdline_parse_inst_t id##_bare = {				\
	.f = cmd_verb_parsed, .help_str = help,				\
	.tokens = { (void *)&id##_kw, (void *)&id##_verb, NULL },	\
}

VERB_CMD(cmd_config, "config", "load#save",
	 "config load <file> | config save");
VERB_CMD(cmd_rule_edit, "rule", "replace#move",
	 "rule replace <handle> <rule> | rule move <handle> <position>");
VERB_CMD(cmd_sg_edit, "sg", "create#delete#replace-rule#move-rule",
	 "sg create <name> <bridge> | sg delete <name> | "
	 "sg replace-rule <name> <handle> <rule> | "
	 "sg move-rule <name> <handle> <position>");
VERB_CMD(cmd_user, "user", "add#passwd#del#list",
	 "user add|passwd <name> <password> | user del <name> | user list");
VERB_CMD(cmd_token, "token", "create#revoke#list",
	 "token create|revoke <name> | token list");
VERB_CMD(cmd_show_http, "show", "http", "show http: the management server");

static cmdline_parse_inst_t *control_cmds[] = {
	&cmd_config, &cmd_config_bare, &cmd_rule_edit, &cmd_rule_edit_bare,
	&cmd_sg_edit, &cmd_sg_edit_bare, &cmd_user, &cmd_user_bare,
	&cmd_token, &cmd_token_bare, &cmd_show_http, &cmd_show_http_bare,
	NULL,
};

static const struct ww_cli_help control_help[] = {
	{ "config load <file>", "replace the whole configuration by a file's" },
	{ "config save", "write the running configuration now (every change "
	  "is saved anyway)" },
	{ "rule replace <handle> <rule>", "change a rule in place" },
	{ "rule move <handle> <position>", "move a rule (1 = first)" },
	{ "sg create <name> <bridge>", "a new, empty security group" },
	{ "sg delete <name>", "remove a security group and its rules" },
	{ "sg replace-rule <name> <handle> <rule>", "change a group's rule" },
	{ "sg move-rule <name> <handle> <position>", "reorder a group's rules" },
	{ "user add <name> <password>", "a user of the console and API" },
	{ "user passwd <name> <password>", "change a password (ends sessions)" },
	{ "user del <name>", "remove a user (not the last)" },
	{ "user list", "the users" },
	{ "token create <name>", "an API token for scripts (shown once)" },
	{ "token revoke <name>", "revoke an API token" },
	{ "token list", "the API tokens' names" },
	{ "show http", "the management server: address, TLS, limits" },
	{ NULL, NULL },
};

const struct ww_cli_group ww_cli_control_group = {
	.title = "Configuration, users and the management server",
	.cmds = control_cmds,
	.help = control_help,
};
