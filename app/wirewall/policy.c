/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Changing the rules at run time: add, insert and delete explicit rules
 * and security-group rules. Each change edits the running configuration,
 * then compiles and publishes the whole rule set; if that fails the edit
 * is undone, so a refused change changes nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "policy.h"

static int
parse_checked(const struct ww_app *app, const char *text, bool in_group,
	      struct ww_rule *rule, char *err, size_t size)
{
	struct ww_rule_error rerr;

	if (ww_rule_parse(text, rule, &rerr) != 0) {
		snprintf(err, size, "column %d: %s", rerr.column, rerr.message);
		return -EINVAL;
	}
	return ww_config_check_rule(&app->cfg, rule, in_group, err, size);
}

/* Insert @p rule at @p pos of the list (0-based), growing it. */
static int
list_insert(struct ww_config_rule **list, unsigned int *nb, unsigned int pos,
	    const struct ww_rule *rule, uint32_t handle)
{
	struct ww_config_rule *grown;

	if (*nb >= WW_RULES_MAX)
		return -ENOSPC;
	grown = realloc(*list, sizeof(**list) * (*nb + 1));
	if (grown == NULL)
		return -ENOMEM;
	*list = grown;
	memmove(&grown[pos + 1], &grown[pos], sizeof(*grown) * (*nb - pos));
	grown[pos].rule = *rule;
	grown[pos].handle = handle;
	(*nb)++;
	return 0;
}

static void
list_remove(struct ww_config_rule *list, unsigned int *nb, unsigned int pos)
{
	memmove(&list[pos], &list[pos + 1], sizeof(*list) * (*nb - pos - 1));
	(*nb)--;
}

static int
find_handle(const struct ww_config_rule *list, unsigned int nb, uint32_t h)
{
	for (unsigned int i = 0; i < nb; i++)
		if (list[i].handle == h)
			return (int)i;
	return -ENOENT;
}

/* Insert into a list, publish; undo on failure. @return the handle. */
static int
insert_and_apply(struct ww_app *app, struct ww_config_rule **list,
		 unsigned int *nb, unsigned int pos, const struct ww_rule *rule,
		 char *err, size_t size)
{
	uint32_t handle = app->cfg.next_handle;
	int ret;

	if (pos > *nb) {
		snprintf(err, size, "position %u is past the end (%u rules)",
			 pos + 1, *nb);
		return -EINVAL;
	}
	ret = list_insert(list, nb, pos, rule, handle);
	if (ret != 0) {
		snprintf(err, size, "cannot add a rule: %s", strerror(-ret));
		return ret;
	}
	ret = ww_app_apply_rules(app, err, size);
	if (ret != 0) {
		list_remove(*list, nb, pos);
		return ret;
	}
	app->cfg.next_handle++;
	return (int)handle;
}

static int
delete_and_apply(struct ww_app *app, struct ww_config_rule *list,
		 unsigned int *nb, uint32_t handle, char *err, size_t size)
{
	int pos = find_handle(list, *nb, handle);
	struct ww_config_rule saved;
	int ret;

	if (pos < 0) {
		snprintf(err, size, "no rule with handle %u here", handle);
		return -ENOENT;
	}
	saved = list[pos];
	list_remove(list, nb, pos);
	ret = ww_app_apply_rules(app, err, size);
	if (ret != 0) {
		/* The slot is still allocated: put the rule back. */
		memmove(&list[pos + 1], &list[pos],
			sizeof(*list) * (*nb - pos));
		list[pos] = saved;
		(*nb)++;
	}
	return ret;
}

int
ww_policy_rule_insert(struct ww_app *app, int position, const char *text,
		      char *err, size_t size)
{
	struct ww_rule rule;
	unsigned int pos;
	int ret = parse_checked(app, text, false, &rule, err, size);

	if (ret != 0)
		return ret;
	pos = position < 0 ? app->cfg.nb_rules : (unsigned int)position;
	return insert_and_apply(app, &app->cfg.rules, &app->cfg.nb_rules, pos,
				&rule, err, size);
}

int
ww_policy_rule_delete(struct ww_app *app, uint32_t handle, char *err,
		      size_t size)
{
	return delete_and_apply(app, app->cfg.rules, &app->cfg.nb_rules,
				handle, err, size);
}

static struct ww_config_sg *
find_sg(struct ww_app *app, const char *name, char *err, size_t size)
{
	int g = ww_config_sg_index(&app->cfg, name);

	if (g < 0) {
		snprintf(err, size, "no security group named \"%s\"", name);
		return NULL;
	}
	return &app->cfg.sgs[g];
}

int
ww_policy_sg_add_rule(struct ww_app *app, const char *sg_name,
		      const char *text, char *err, size_t size)
{
	struct ww_config_sg *sg = find_sg(app, sg_name, err, size);
	struct ww_rule rule;
	int ret;

	if (sg == NULL)
		return -ENOENT;
	ret = parse_checked(app, text, true, &rule, err, size);
	if (ret != 0)
		return ret;
	return insert_and_apply(app, &sg->rules, &sg->nb_rules, sg->nb_rules,
				&rule, err, size);
}

int
ww_policy_sg_del_rule(struct ww_app *app, const char *sg_name,
		      uint32_t handle, char *err, size_t size)
{
	struct ww_config_sg *sg = find_sg(app, sg_name, err, size);

	if (sg == NULL)
		return -ENOENT;
	return delete_and_apply(app, sg->rules, &sg->nb_rules, handle, err,
				size);
}
