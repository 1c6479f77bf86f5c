/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * /api/v1/config, rules, security-groups and guards: the configuration,
 * whole or in parts. Each handler checks the shape of what it was sent,
 * makes one lib/control call (which validates the meaning, applies, and
 * saves) and answers with what is now running.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "http_internal.h"

#define DIM(a) (sizeof(a) / sizeof((a)[0]))

/* ---- the whole document ---- */

static json_int_t
doc_revision(const json_t *doc)
{
	return json_integer_value(json_object_get(doc, "revision"));
}

void
ww_rest_config_get(struct ww_req *r)
{
	json_t *doc;

	errno = 0;
	doc = ww_control_config_get(r->h->control);
	if (doc == NULL) {
		ww_reply_no_answer(r, "configuration");
		return;
	}
	ww_reply_header(r, MHD_HTTP_HEADER_ETAG, "\"%" JSON_INTEGER_FORMAT "\"",
			doc_revision(doc));
	ww_reply_json(r, MHD_HTTP_OK, doc);
}

void
ww_rest_config_put(struct ww_req *r)
{
	struct ww_control_error err = { "", "" };
	int64_t rev;

	rev = ww_control_config_replace(r->h->control, r->in, &err);
	if (rev < 0) {
		ww_reply_control(r, (int)rev, &err);
		return;
	}
	ww_reply_header(r, MHD_HTTP_HEADER_ETAG, "\"%" PRId64 "\"", rev);
	ww_reply_json(r, MHD_HTTP_OK, json_pack("{s:I}", "revision",
						(json_int_t)rev));
}

/* ---- rules: the explicit ones (/rules) or a security group's
 * (/security-groups/NAME/rules); the group is the path's ":name". ---- */

static void
no_group(struct ww_req *r, const char *group)
{
	ww_reply_error(r, MHD_HTTP_NOT_FOUND, "not_found", "",
		       "no security group \"%s\"", group);
}

static void
no_rule(struct ww_req *r, const char *group, uint32_t handle)
{
	if (group != NULL)
		ww_reply_error(r, MHD_HTTP_NOT_FOUND, "not_found", "",
			       "no rule %u in security group \"%s\"", handle,
			       group);
	else
		ww_reply_error(r, MHD_HTTP_NOT_FOUND, "not_found", "",
			       "no rule %u", handle);
}

/* Answer with the rule as it now is (as GET would). */
static void
reply_rule(struct ww_req *r, unsigned int status, const char *group,
	   uint32_t handle)
{
	json_t *item = ww_control_rule_get(r->h->control, group, handle);

	if (item == NULL) {
		no_rule(r, group, handle); /* gone in between */
		return;
	}
	ww_reply_json(r, status, item);
}

void
ww_rest_rules_list(struct ww_req *r)
{
	const char *group = ww_param(r, "name");
	unsigned int offset, limit;
	json_t *list;

	if (ww_query_page(r, &offset, &limit) != 0)
		return;
	errno = 0;
	list = ww_control_rules_list(r->h->control, group, offset, limit);
	if (list == NULL && group != NULL)
		no_group(r, group);
	else if (list == NULL)
		ww_reply_no_answer(r, "rules");
	else
		ww_reply_json(r, MHD_HTTP_OK, list);
}

void
ww_rest_rule_add(struct ww_req *r)
{
	static const struct ww_field fields[] = {
		{ "rule", WW_T_STRING | WW_T_OBJECT, true },
		{ "position", WW_T_INTEGER, false },
	};
	const char *group = ww_param(r, "name");
	struct ww_control_error err = { "", "" };
	int64_t pos;
	int handle;

	if (ww_body_check(r, fields, DIM(fields)) != 0 ||
	    ww_body_int(r, "position", -1, INT_MAX, -1, &pos) != 0)
		return;
	handle = ww_control_rule_add(r->h->control, group,
				     json_object_get(r->in, "rule"), (int)pos,
				     &err);
	if (handle < 0) {
		ww_reply_control(r, handle, &err);
		return;
	}
	if (group != NULL)
		ww_reply_header(r, MHD_HTTP_HEADER_LOCATION,
				"/api/v1/security-groups/%s/rules/%d", group,
				handle);
	else
		ww_reply_header(r, MHD_HTTP_HEADER_LOCATION,
				"/api/v1/rules/%d", handle);
	reply_rule(r, MHD_HTTP_CREATED, group, (uint32_t)handle);
}

void
ww_rest_rule_get(struct ww_req *r)
{
	uint32_t handle;

	if (ww_param_u32(r, "handle", &handle) != 0)
		return;
	reply_rule(r, MHD_HTTP_OK, ww_param(r, "name"), handle);
}

void
ww_rest_rule_put(struct ww_req *r)
{
	static const struct ww_field fields[] = {
		{ "rule", WW_T_STRING | WW_T_OBJECT, true },
	};
	const char *group = ww_param(r, "name");
	struct ww_control_error err = { "", "" };
	uint32_t handle;
	int rc;

	if (ww_param_u32(r, "handle", &handle) != 0 ||
	    ww_body_check(r, fields, DIM(fields)) != 0)
		return;
	rc = ww_control_rule_replace(r->h->control, group, handle,
				     json_object_get(r->in, "rule"), &err);
	if (rc < 0) {
		ww_reply_control(r, rc, &err);
		return;
	}
	reply_rule(r, MHD_HTTP_OK, group, handle);
}

void
ww_rest_rule_patch(struct ww_req *r)
{
	static const struct ww_field fields[] = {
		{ "rule", WW_T_STRING | WW_T_OBJECT, false },
		{ "position", WW_T_INTEGER, false },
	};
	const char *group = ww_param(r, "name");
	struct ww_control_error err = { "", "" };
	json_t *rule = json_object_get(r->in, "rule");
	uint32_t handle;
	int64_t pos;
	int rc;

	if (ww_param_u32(r, "handle", &handle) != 0 ||
	    ww_body_check(r, fields, DIM(fields)) != 0 ||
	    ww_body_int(r, "position", 0, INT_MAX, -1, &pos) != 0)
		return;
	if (rule == NULL && pos < 0) {
		ww_reply_error(r, MHD_HTTP_BAD_REQUEST, "invalid", "$",
			       "expected \"rule\", \"position\" or both");
		return;
	}
	/* One change: the text and the place, both or neither. */
	rc = ww_control_rule_change(r->h->control, group, handle, rule,
				    (int)pos, &err);
	if (rc < 0) {
		ww_reply_control(r, rc, &err);
		return;
	}
	reply_rule(r, MHD_HTTP_OK, group, handle);
}

void
ww_rest_rule_del(struct ww_req *r)
{
	struct ww_control_error err = { "", "" };
	uint32_t handle;
	int rc;

	if (ww_param_u32(r, "handle", &handle) != 0)
		return;
	rc = ww_control_rule_delete(r->h->control, ww_param(r, "name"),
				    handle, &err);
	if (rc < 0) {
		ww_reply_control(r, rc, &err);
		return;
	}
	ww_reply_empty(r, MHD_HTTP_NO_CONTENT);
}

/* ---- security groups ---- */

void
ww_rest_sgs_list(struct ww_req *r)
{
	unsigned int offset, limit;
	json_t *all;

	if (ww_query_page(r, &offset, &limit) != 0)
		return;
	errno = 0;
	all = ww_control_sgs_list(r->h->control);
	if (all == NULL) {
		ww_reply_no_answer(r, "security groups");
		return;
	}
	ww_reply_json(r, MHD_HTTP_OK, ww_paginate(all, offset, limit));
}

void
ww_rest_sg_add(struct ww_req *r)
{
	static const struct ww_field fields[] = {
		{ "name", WW_T_STRING, true },
		{ "bridge", WW_T_STRING, true },
		{ "rules", WW_T_ARRAY, false },
	};
	struct ww_control_error err = { "", "" };
	const char *name;
	json_t *sg;
	int rc;

	if (ww_body_check(r, fields, DIM(fields)) != 0)
		return;
	/* A new group may start empty; the document's form lists its rules. */
	if (json_object_get(r->in, "rules") == NULL)
		json_object_set_new(r->in, "rules", json_array());
	rc = ww_control_sg_add(r->h->control, r->in, &err);
	if (rc < 0) {
		ww_reply_control(r, rc, &err);
		return;
	}
	name = json_string_value(json_object_get(r->in, "name"));
	ww_reply_header(r, MHD_HTTP_HEADER_LOCATION,
			"/api/v1/security-groups/%s", name);
	sg = ww_control_sg_get(r->h->control, name);
	if (sg == NULL)
		no_group(r, name);
	else
		ww_reply_json(r, MHD_HTTP_CREATED, sg);
}

void
ww_rest_sg_get(struct ww_req *r)
{
	const char *name = ww_param(r, "name");
	json_t *sg = ww_control_sg_get(r->h->control, name);

	if (sg == NULL)
		no_group(r, name);
	else
		ww_reply_json(r, MHD_HTTP_OK, sg);
}

void
ww_rest_sg_del(struct ww_req *r)
{
	struct ww_control_error err = { "", "" };
	int rc;

	rc = ww_control_sg_delete(r->h->control, ww_param(r, "name"), &err);
	if (rc < 0) {
		ww_reply_control(r, rc, &err);
		return;
	}
	ww_reply_empty(r, MHD_HTTP_NO_CONTENT);
}

/* ---- guards ---- */

void
ww_rest_guards_get(struct ww_req *r)
{
	json_t *guards;

	errno = 0;
	guards = ww_control_guards_get(r->h->control);
	if (guards == NULL)
		ww_reply_no_answer(r, "guards");
	else
		ww_reply_json(r, MHD_HTTP_OK, guards);
}

/* "arp, icmp, ..." for a message. */
static void
guard_names(const json_t *guards, char *out, size_t size)
{
	const char *key;
	json_t *v;
	size_t used = 0;

	out[0] = '\0';
	json_object_foreach((json_t *)guards, key, v)
		used += snprintf(out + used, used < size ? size - used : 0,
				 "%s%s", used ? ", " : "", key);
}

/* Answer with guard @p name's settings, 404 if there is no such guard. */
static void
reply_guard(struct ww_req *r, const char *name)
{
	json_t *guards, *one;
	char names[160];

	errno = 0;
	guards = ww_control_guards_get(r->h->control);
	if (guards == NULL) {
		ww_reply_no_answer(r, "guards");
		return;
	}
	one = json_object_get(guards, name);
	if (one != NULL) {
		ww_reply_json(r, MHD_HTTP_OK, json_incref(one));
	} else {
		guard_names(guards, names, sizeof(names));
		ww_reply_error(r, MHD_HTTP_NOT_FOUND, "not_found", "",
			       "no guard \"%s\"; guards: %s", name, names);
	}
	json_decref(guards);
}

/* PATCH /guards/NOPE is about a resource that is not there: 404, as GET. */
static bool
guard_exists(struct ww_req *r, const char *name)
{
	json_t *guards = ww_control_guards_get(r->h->control);
	bool found = json_object_get(guards, name) != NULL;

	json_decref(guards);
	if (!found)
		reply_guard(r, name);
	return found;
}

void
ww_rest_guard_get(struct ww_req *r)
{
	reply_guard(r, ww_param(r, "guard"));
}

void
ww_rest_guard_set(struct ww_req *r)
{
	struct ww_control_error err = { "", "" };
	const char *name = ww_param(r, "guard");
	int rc;

	if (!guard_exists(r, name))
		return;
	if (json_object_size(r->in) == 0) {
		ww_reply_error(r, MHD_HTTP_BAD_REQUEST, "invalid", "$",
			       "expected at least one setting");
		return;
	}
	rc = ww_control_guard_set(r->h->control, name, r->in, &err);
	if (rc < 0) {
		ww_reply_control(r, rc, &err);
		return;
	}
	reply_guard(r, name);
}
