/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Filtering commands: rule add|insert|delete|list, sg list|show|add-rule|
 * del-rule, show conntrack [top N | addr A], conntrack flush.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmdline.h>
#include <cmdline_parse_num.h>
#include <cmdline_parse_string.h>

#include "cli.h"


/* The rule as it acts: a security group's rules get their bridge's iif. */
static void
entry_text(const struct ww_app *app, const struct ww_ruleset_entry *e,
	   char *buf, size_t size)
{
	int used = 0;

	if (e->iif_index >= 0 && e->rule.iif[0] == '\0')
		used = snprintf(buf, size, "(iif %s) ",
				app->cfg.ports[e->iif_index].name);
	ww_rule_format(&e->rule, buf + used, size - used);
}

/* One line per entry of the rule set whose origin is @p origin (or all). */
static void
print_entries(const struct ww_app *app, const char *origin)
{
	const struct ww_ruleset *rs = app->ruleset;
	char text[WW_RULE_TEXT_MAX + 48];
	unsigned int shown = 0;

	printf("  %-6s %-22s %12s %14s  %s\n", "handle", "from", "packets",
	       "bytes", "rule");
	for (unsigned int i = 0; rs != NULL && i < ww_ruleset_size(rs); i++) {
		const struct ww_ruleset_entry *e = ww_ruleset_entry(rs, i);
		struct ww_rule_counter c;
		char handle[16] = "-";

		if (origin != NULL && strcmp(e->origin, origin) != 0)
			continue;
		ww_ruleset_counter(rs, i, &c);
		entry_text(app, e, text, sizeof(text));
		if (e->handle < WW_GENERATED_HANDLE)
			snprintf(handle, sizeof(handle), "%u", e->handle);
		printf("  %-6s %-22s %12" PRIu64 " %14" PRIu64 "  %s\n", handle,
		       e->origin, c.packets, c.bytes, text);
		shown++;
	}
	if (shown == 0)
		printf("  (none)\n");
	printf("  New connections no rule matches are accepted; packets that fit no\n"
	       "  connection state are dropped (ct-invalid) unless a rule accepts them.\n");
	fflush(stdout);
}

/* The outcome of a change through lib/control, as the prompt shows it. */
static void
report(int ret, const struct ww_control_error *err, const char *what)
{
	const struct ww_app *app = ww_cli_app();

	if (ret < 0) {
		ww_cli_error_ctl(err);
		return;
	}
	if (ret > 0)
		printf("  %s: handle %d\n", what, ret);
	else
		printf("  %s\n", what);
	printf("  rule set of %u entries compiled and published in %.1f ms; "
	       "revision %" PRIu64 " saved\n", ww_ruleset_size(app->ruleset),
	       app->rules_publish_ns / 1e6, app->cfg.revision);
	fflush(stdout);
}

/* Add rule @p text to @p group (NULL: the rules) at @p position. */
static int
add_text_rule(const char *group, const char *text, int position,
	      struct ww_control_error *err)
{
	json_t *rule = json_string(text);
	int ret = ww_control_rule_add(ww_cli_app()->control, group, rule,
				      position, err);

	json_decref(rule);
	return ret;
}

/* ---- rule add|insert|delete|list ---- */

struct cmd_rule_text_result {
	cmdline_fixed_string_t rule;
	cmdline_fixed_string_t verb;
	char text[WW_RULE_TEXT_MAX];
};

static void
cmd_rule_add_parsed(void *parsed, struct cmdline *cl, void *data)
{
	struct cmd_rule_text_result *r = parsed;
	struct ww_control_error err;

	report(add_text_rule(NULL, r->text, -1, &err), &err, "rule added");
}

static cmdline_parse_token_string_t cmd_rule_rule =
	TOKEN_STRING_INITIALIZER(struct cmd_rule_text_result, rule, "rule");
static cmdline_parse_token_string_t cmd_rule_add_verb =
	TOKEN_STRING_INITIALIZER(struct cmd_rule_text_result, verb, "add");
static cmdline_parse_token_string_t cmd_rule_text =
	TOKEN_STRING_INITIALIZER(struct cmd_rule_text_result, text,
				 TOKEN_STRING_MULTI);

static cmdline_parse_inst_t cmd_rule_add = {
	.f = cmd_rule_add_parsed,
	.help_str = "rule add <rule>: append a rule (nft-like text)",
	.tokens = { (void *)&cmd_rule_rule, (void *)&cmd_rule_add_verb,
		    (void *)&cmd_rule_text, NULL },
};

struct cmd_rule_insert_result {
	cmdline_fixed_string_t rule;
	cmdline_fixed_string_t verb;
	uint32_t position;
	char text[WW_RULE_TEXT_MAX];
};

static void
cmd_rule_insert_parsed(void *parsed, struct cmdline *cl, void *data)
{
	struct cmd_rule_insert_result *r = parsed;
	struct ww_control_error err;

	if (r->position == 0) {
		ww_cli_error("positions count from 1");
		return;
	}
	report(add_text_rule(NULL, r->text, (int)r->position - 1, &err), &err,
	       "rule inserted");
}

static cmdline_parse_token_string_t cmd_rule_insert_rule =
	TOKEN_STRING_INITIALIZER(struct cmd_rule_insert_result, rule, "rule");
static cmdline_parse_token_string_t cmd_rule_insert_verb =
	TOKEN_STRING_INITIALIZER(struct cmd_rule_insert_result, verb, "insert");
static cmdline_parse_token_num_t cmd_rule_insert_pos =
	TOKEN_NUM_INITIALIZER(struct cmd_rule_insert_result, position,
			      RTE_UINT32);
static cmdline_parse_token_string_t cmd_rule_insert_text =
	TOKEN_STRING_INITIALIZER(struct cmd_rule_insert_result, text,
				 TOKEN_STRING_MULTI);

static cmdline_parse_inst_t cmd_rule_insert = {
	.f = cmd_rule_insert_parsed,
	.help_str = "rule insert <position> <rule>: insert a rule (1 = first)",
	.tokens = { (void *)&cmd_rule_insert_rule, (void *)&cmd_rule_insert_verb,
		    (void *)&cmd_rule_insert_pos, (void *)&cmd_rule_insert_text,
		    NULL },
};

struct cmd_rule_delete_result {
	cmdline_fixed_string_t rule;
	cmdline_fixed_string_t verb;
	uint32_t handle;
};

static void
cmd_rule_delete_parsed(void *parsed, struct cmdline *cl, void *data)
{
	struct cmd_rule_delete_result *r = parsed;
	struct ww_control_error err;

	report(ww_control_rule_delete(ww_cli_app()->control, NULL, r->handle,
				      &err), &err, "rule deleted");
}

static cmdline_parse_token_string_t cmd_rule_delete_rule =
	TOKEN_STRING_INITIALIZER(struct cmd_rule_delete_result, rule, "rule");
static cmdline_parse_token_string_t cmd_rule_delete_verb =
	TOKEN_STRING_INITIALIZER(struct cmd_rule_delete_result, verb, "delete");
static cmdline_parse_token_num_t cmd_rule_delete_handle =
	TOKEN_NUM_INITIALIZER(struct cmd_rule_delete_result, handle, RTE_UINT32);

static cmdline_parse_inst_t cmd_rule_delete = {
	.f = cmd_rule_delete_parsed,
	.help_str = "rule delete <handle>: delete the rule with that handle",
	.tokens = { (void *)&cmd_rule_delete_rule, (void *)&cmd_rule_delete_verb,
		    (void *)&cmd_rule_delete_handle, NULL },
};

struct cmd_word2_result {
	cmdline_fixed_string_t a;
	cmdline_fixed_string_t b;
};

static void
cmd_rule_list_parsed(void *parsed, struct cmdline *cl, void *data)
{
	print_entries(ww_cli_app(), NULL);
}

static cmdline_parse_token_string_t cmd_rule_list_rule =
	TOKEN_STRING_INITIALIZER(struct cmd_word2_result, a, "rule");
static cmdline_parse_token_string_t cmd_rule_list_verb =
	TOKEN_STRING_INITIALIZER(struct cmd_word2_result, b, "list");

static cmdline_parse_inst_t cmd_rule_list = {
	.f = cmd_rule_list_parsed,
	.help_str = "rule list: the rule set in evaluation order, with hits",
	.tokens = { (void *)&cmd_rule_list_rule, (void *)&cmd_rule_list_verb,
		    NULL },
};

/* ---- sg list|show|add-rule|del-rule ---- */

static void
cmd_sg_list_parsed(void *parsed, struct cmdline *cl, void *data)
{
	const struct ww_app *app = ww_cli_app();

	printf("  %-20s %-12s %-12s %s\n", "group", "bridge", "protects",
	       "rules");
	for (unsigned int g = 0; g < app->cfg.nb_sgs; g++) {
		const struct ww_config_sg *sg = &app->cfg.sgs[g];
		const struct ww_config_bridge *br = &app->cfg.bridges[sg->bridge];

		printf("  %-20s %-12s %-12s %u\n", sg->name, br->name,
		       app->cfg.ports[br->port[br->protected_side]].name,
		       sg->nb_rules);
	}
	if (app->cfg.nb_sgs == 0)
		printf("  (no security groups)\n");
	fflush(stdout);
}

static cmdline_parse_token_string_t cmd_sg_list_sg =
	TOKEN_STRING_INITIALIZER(struct cmd_word2_result, a, "sg");
static cmdline_parse_token_string_t cmd_sg_list_verb =
	TOKEN_STRING_INITIALIZER(struct cmd_word2_result, b, "list");

static cmdline_parse_inst_t cmd_sg_list = {
	.f = cmd_sg_list_parsed,
	.help_str = "sg list: security groups",
	.tokens = { (void *)&cmd_sg_list_sg, (void *)&cmd_sg_list_verb, NULL },
};

struct cmd_sg_show_result {
	cmdline_fixed_string_t sg;
	cmdline_fixed_string_t verb;
	cmdline_fixed_string_t name;
};

static void
cmd_sg_show_parsed(void *parsed, struct cmdline *cl, void *data)
{
	struct cmd_sg_show_result *r = parsed;
	struct ww_app *app = ww_cli_app();
	char origin[sizeof(r->name) + 4];

	if (ww_config_sg_index(&app->cfg, r->name) < 0) {
		ww_cli_error("no security group named \"%s\" (see sg list)",
			     r->name);
		return;
	}
	snprintf(origin, sizeof(origin), "sg %s", r->name);
	print_entries(app, origin);
}

static cmdline_parse_token_string_t cmd_sg_show_sg =
	TOKEN_STRING_INITIALIZER(struct cmd_sg_show_result, sg, "sg");
static cmdline_parse_token_string_t cmd_sg_show_verb =
	TOKEN_STRING_INITIALIZER(struct cmd_sg_show_result, verb, "show");
static cmdline_parse_token_string_t cmd_sg_show_name =
	TOKEN_STRING_INITIALIZER(struct cmd_sg_show_result, name, NULL);

static cmdline_parse_inst_t cmd_sg_show = {
	.f = cmd_sg_show_parsed,
	.help_str = "sg show <name>: a group's rules with hits",
	.tokens = { (void *)&cmd_sg_show_sg, (void *)&cmd_sg_show_verb,
		    (void *)&cmd_sg_show_name, NULL },
};

struct cmd_sg_add_result {
	cmdline_fixed_string_t sg;
	cmdline_fixed_string_t verb;
	cmdline_fixed_string_t name;
	char text[WW_RULE_TEXT_MAX];
};

static void
cmd_sg_add_parsed(void *parsed, struct cmdline *cl, void *data)
{
	struct cmd_sg_add_result *r = parsed;
	struct ww_control_error err;

	report(add_text_rule(r->name, r->text, -1, &err), &err, "rule added");
}

static cmdline_parse_token_string_t cmd_sg_add_sg =
	TOKEN_STRING_INITIALIZER(struct cmd_sg_add_result, sg, "sg");
static cmdline_parse_token_string_t cmd_sg_add_verb =
	TOKEN_STRING_INITIALIZER(struct cmd_sg_add_result, verb, "add-rule");
static cmdline_parse_token_string_t cmd_sg_add_name =
	TOKEN_STRING_INITIALIZER(struct cmd_sg_add_result, name, NULL);
static cmdline_parse_token_string_t cmd_sg_add_text =
	TOKEN_STRING_INITIALIZER(struct cmd_sg_add_result, text,
				 TOKEN_STRING_MULTI);

static cmdline_parse_inst_t cmd_sg_add = {
	.f = cmd_sg_add_parsed,
	.help_str = "sg add-rule <name> <rule>: allow more into the group",
	.tokens = { (void *)&cmd_sg_add_sg, (void *)&cmd_sg_add_verb,
		    (void *)&cmd_sg_add_name, (void *)&cmd_sg_add_text, NULL },
};

struct cmd_sg_del_result {
	cmdline_fixed_string_t sg;
	cmdline_fixed_string_t verb;
	cmdline_fixed_string_t name;
	uint32_t handle;
};

static void
cmd_sg_del_parsed(void *parsed, struct cmdline *cl, void *data)
{
	struct cmd_sg_del_result *r = parsed;
	struct ww_control_error err;

	report(ww_control_rule_delete(ww_cli_app()->control, r->name, r->handle,
				      &err), &err, "rule deleted");
}

static cmdline_parse_token_string_t cmd_sg_del_sg =
	TOKEN_STRING_INITIALIZER(struct cmd_sg_del_result, sg, "sg");
static cmdline_parse_token_string_t cmd_sg_del_verb =
	TOKEN_STRING_INITIALIZER(struct cmd_sg_del_result, verb, "del-rule");
static cmdline_parse_token_string_t cmd_sg_del_name =
	TOKEN_STRING_INITIALIZER(struct cmd_sg_del_result, name, NULL);
static cmdline_parse_token_num_t cmd_sg_del_handle =
	TOKEN_NUM_INITIALIZER(struct cmd_sg_del_result, handle, RTE_UINT32);

static cmdline_parse_inst_t cmd_sg_del = {
	.f = cmd_sg_del_parsed,
	.help_str = "sg del-rule <name> <handle>: remove a rule from the group",
	.tokens = { (void *)&cmd_sg_del_sg, (void *)&cmd_sg_del_verb,
		    (void *)&cmd_sg_del_name, (void *)&cmd_sg_del_handle, NULL },
};

/* ---- show conntrack [top N | addr A], conntrack flush ---- */

static void
print_ct_summary(struct ww_app *app)
{
	struct ww_ct_stats s;

	ww_app_ct_stats(app, &s);
	printf("  connections: %" PRIu64 " of %" PRIu64 " (conntrack.max_flows)\n",
	       s.active, s.max_flows);
	for (unsigned int i = 0; i < WW_CT_FS_MAX; i++)
		printf("    %-14s %" PRIu64 "\n", ww_ct_flow_state_name(i),
		       s.by_state[i]);
	printf("  created %" PRIu64 ", expired %" PRIu64 ", early-dropped %"
	       PRIu64 ", refused when full %" PRIu64 "\n", s.created, s.expired,
	       s.early_dropped, s.refused_full);
	fflush(stdout);
}

static void
print_flow(const struct ww_app *app, const struct ww_ct_flow_info *f,
	   uint64_t now_ns)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN], pbuf[8];
	int af = f->family == 4 ? AF_INET : AF_INET6;
	long long expires = f->expires_ns > now_ns ?
		(long long)((f->expires_ns - now_ns) / 1000000000ull) : 0;

	inet_ntop(af, f->addr[0], a, sizeof(a));
	inet_ntop(af, f->addr[1], b, sizeof(b));
	printf("  %-6s %s %s:%u -> %s:%u  %s  packets %" PRIu64 "/%" PRIu64
	       " bytes %" PRIu64 "/%" PRIu64 "  expires in %llds\n",
	       ww_app_proto_name(f->proto, pbuf, sizeof(pbuf)),
	       f->zone < app->cfg.nb_bridges ? app->cfg.bridges[f->zone].name : "?",
	       a, f->port[0], b, f->port[1], ww_ct_flow_state_name(f->state),
	       f->packets[0], f->packets[1], f->bytes[0], f->bytes[1], expires);
}

static void
show_flows(struct ww_app *app, struct ww_flow_pick *pick)
{
	uint64_t now;

	if (ww_app_flows(app, pick, &now) != 0)
		ww_cli_error("a worker did not answer: the list may miss its "
			     "connections");
	printf("  proto  bridge  opener -> responder  state  packets and bytes "
	       "(opener/responder)\n");
	for (unsigned int i = 0; i < pick->n; i++)
		print_flow(app, &pick->flow[i], now);
	if (pick->n == 0)
		printf("  (no connections)\n");
	fflush(stdout);
}

struct cmd_show_ct_result {
	cmdline_fixed_string_t show;
	cmdline_fixed_string_t conntrack;
	cmdline_fixed_string_t what;
	cmdline_fixed_string_t arg;
};

static void
cmd_show_ct_parsed(void *parsed, struct cmdline *cl, void *data)
{
	print_ct_summary(ww_cli_app());
}

static void
cmd_show_ct_top_parsed(void *parsed, struct cmdline *cl, void *data)
{
	struct cmd_show_ct_result *r = parsed;
	struct ww_flow_pick *pick = calloc(1, sizeof(*pick));
	char *end;
	unsigned long n = strtoul(r->arg, &end, 10);

	if (pick == NULL)
		return;
	if (strcmp(r->what, "top") == 0) {
		if (*end != '\0' || n == 0 || n > WW_FLOW_PICK_MAX) {
			ww_cli_error("show conntrack top N: N is 1 to %d, got "
				     "\"%s\"", WW_FLOW_PICK_MAX, r->arg);
			goto out;
		}
		pick->limit = n;
	} else {
		pick->by_addr = true;
		pick->limit = WW_FLOW_PICK_MAX;
		if (inet_pton(AF_INET, r->arg, pick->addr) == 1) {
			pick->family = 4;
		} else if (inet_pton(AF_INET6, r->arg, pick->addr) == 1) {
			pick->family = 6;
		} else {
			ww_cli_error("show conntrack addr A: \"%s\" is not an "
				     "IPv4 or IPv6 address", r->arg);
			goto out;
		}
	}
	show_flows(ww_cli_app(), pick);
out:
	free(pick);
}

static cmdline_parse_token_string_t cmd_show_ct_show =
	TOKEN_STRING_INITIALIZER(struct cmd_show_ct_result, show, "show");
static cmdline_parse_token_string_t cmd_show_ct_ct =
	TOKEN_STRING_INITIALIZER(struct cmd_show_ct_result, conntrack,
				 "conntrack");
static cmdline_parse_token_string_t cmd_show_ct_what =
	TOKEN_STRING_INITIALIZER(struct cmd_show_ct_result, what, "top#addr");
static cmdline_parse_token_string_t cmd_show_ct_arg =
	TOKEN_STRING_INITIALIZER(struct cmd_show_ct_result, arg, NULL);

static cmdline_parse_inst_t cmd_show_ct = {
	.f = cmd_show_ct_parsed,
	.help_str = "show conntrack: connections by state",
	.tokens = { (void *)&cmd_show_ct_show, (void *)&cmd_show_ct_ct, NULL },
};

static cmdline_parse_inst_t cmd_show_ct_top = {
	.f = cmd_show_ct_top_parsed,
	.help_str = "show conntrack top <N> | addr <address>",
	.tokens = { (void *)&cmd_show_ct_show, (void *)&cmd_show_ct_ct,
		    (void *)&cmd_show_ct_what, (void *)&cmd_show_ct_arg, NULL },
};

static void
ct_flush_job(struct ww_worker *w, void *arg)
{
	if (w->ct != NULL)
		ww_ct_flush(w->ct);
}

static void
cmd_ct_flush_parsed(void *parsed, struct cmdline *cl, void *data)
{
	struct ww_app *app = ww_cli_app();

	for (unsigned int w = 0; w < app->nb_workers; w++)
		if (ww_worker_run_job(&app->workers[w], app->workers_running,
				      ct_flush_job, NULL) != 0)
			ww_cli_error("worker %u did not answer", w);
	printf("  connection tables flushed\n");
	fflush(stdout);
}

static cmdline_parse_token_string_t cmd_ct_flush_ct =
	TOKEN_STRING_INITIALIZER(struct cmd_word2_result, a, "conntrack");
static cmdline_parse_token_string_t cmd_ct_flush_verb =
	TOKEN_STRING_INITIALIZER(struct cmd_word2_result, b, "flush");

static cmdline_parse_inst_t cmd_ct_flush = {
	.f = cmd_ct_flush_parsed,
	.help_str = "conntrack flush: forget every connection",
	.tokens = { (void *)&cmd_ct_flush_ct, (void *)&cmd_ct_flush_verb, NULL },
};

static cmdline_parse_inst_t *rules_cmds[] = {
	&cmd_rule_add, &cmd_rule_insert, &cmd_rule_delete, &cmd_rule_list,
	&cmd_sg_list, &cmd_sg_show, &cmd_sg_add, &cmd_sg_del,
	&cmd_show_ct, &cmd_show_ct_top, &cmd_ct_flush, NULL,
};

static const struct ww_cli_help rules_help[] = {
	{ "rule list", "the rule set in evaluation order, with hit counters" },
	{ "rule add <rule>", "append a rule, e.g. rule add tcp dport 23 reject" },
	{ "rule insert <pos> <rule>", "insert a rule at a position (1 = first)" },
	{ "rule delete <handle>", "delete a rule by its handle" },
	{ "sg list", "security groups, their bridge and size" },
	{ "sg show <name>", "a group's rules with hit counters" },
	{ "sg add-rule <name> <rule>", "allow more into a protected segment" },
	{ "sg del-rule <name> <handle>", "remove a rule from a group" },
	{ "show conntrack", "connections by state, created, expired, refused" },
	{ "show conntrack top <N>", "the N biggest connections by bytes" },
	{ "show conntrack addr <ip>", "connections of one address" },
	{ "conntrack flush", "forget every connection" },
	{ NULL, NULL },
};

const struct ww_cli_group ww_cli_rules_group = {
	.title = "Filtering",
	.cmds = rules_cmds,
	.help = rules_help,
};
