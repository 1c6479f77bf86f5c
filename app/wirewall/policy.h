/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Run-time changes of the rules and security groups. Every call validates,
 * edits the running configuration, compiles and publishes the rule set;
 * on any error nothing changes and @p err says why.
 */
#ifndef WW_APP_POLICY_H
#define WW_APP_POLICY_H

#include <stddef.h>
#include <stdint.h>

struct ww_app;

/** Add the rule @p text at @p position (0 = first, -1 = last).
 *  @return its handle (> 0), or -errno. */
int ww_policy_rule_insert(struct ww_app *app, int position, const char *text,
			  char *err, size_t size);

/** Delete the explicit rule with @p handle. @return 0 or -errno. */
int ww_policy_rule_delete(struct ww_app *app, uint32_t handle, char *err,
			  size_t size);

/** Append an allow rule to a security group. @return its handle or -errno. */
int ww_policy_sg_add_rule(struct ww_app *app, const char *sg_name,
			  const char *text, char *err, size_t size);

/** Delete the rule with @p handle from a security group. */
int ww_policy_sg_del_rule(struct ww_app *app, const char *sg_name,
			  uint32_t handle, char *err, size_t size);

#endif /* WW_APP_POLICY_H */
