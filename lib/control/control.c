/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control plane's one path for a change: copy the running
 * configuration, edit and check the copy, let the data plane apply it as
 * one snapshot, make it the running one, save it. See control.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control_internal.h"
#include "util.h"

#define CONFIG_SAVE_MAX (256u * 1024 * 1024)

int
ww_control_fail(struct ww_control_error *err, int ret, const char *path,
		const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return ret;
	snprintf(err->path, sizeof(err->path), "%s", path ? path : "");
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return ret;
}

const char *
ww_control_error_code(int err)
{
	switch (err < 0 ? -err : err) {
	case EINVAL: return "invalid";
	case ENOENT: return "not_found";
	case EEXIST: return "exists";
	case ESTALE: return "stale_revision";
	case EBUSY: return "needs_restart";
	case ENOSPC: return "full";
	case EIO: return "storage";
	case ENOMEM: return "no_memory";
	case ENOTSUP: return "not_supported";
	}
	return "error";
}

uint64_t
ww_control_now_ns(const struct ww_control *c)
{
	return c->ops.clock_ns != NULL ? c->ops.clock_ns(c->ops.ctx) : 0;
}

struct ww_control *
ww_control_create(const struct ww_control_params *p)
{
	struct ww_control *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->cfg = p->cfg;
	c->lock = p->lock;
	c->bl = p->bl;
	c->ops = p->ops;
	c->config_path = p->config_path ? strdup(p->config_path) : NULL;
	c->blocklist_path = p->blocklist_path ? strdup(p->blocklist_path) : NULL;
	if ((p->config_path && !c->config_path) ||
	    (p->blocklist_path && !c->blocklist_path)) {
		ww_control_free(c);
		return NULL;
	}
	return c;
}

void
ww_control_free(struct ww_control *c)
{
	if (c == NULL)
		return;
	free(c->config_path);
	free(c->blocklist_path);
	free(c);
}

void
ww_control_lock(struct ww_control *c)
{
	pthread_mutex_lock(c->lock);
}

void
ww_control_unlock(struct ww_control *c)
{
	pthread_mutex_unlock(c->lock);
}

const struct ww_config *
ww_control_config(struct ww_control *c)
{
	return c->cfg;
}

uint64_t
ww_control_revision(struct ww_control *c)
{
	uint64_t rev;

	ww_control_lock(c);
	rev = c->cfg->revision;
	ww_control_unlock(c);
	return rev;
}

/* ---- committing a change ---- */

static int
save_locked(struct ww_control *c, struct ww_control_error *err)
{
	json_t *doc;
	char *text, msg[256];
	int ret;

	if (c->config_path == NULL)
		return 0;
	doc = ww_config_to_json(c->cfg);
	text = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	json_decref(doc);
	if (text == NULL)
		return ww_control_fail(err, -ENOMEM, "", "out of memory "
				       "writing the configuration");
	ret = ww_file_replace(c->config_path, text, strlen(text), 0644, msg,
			      sizeof(msg));
	free(text);
	if (ret != 0)
		return ww_control_fail(err, -EIO, "", "cannot save the "
				       "configuration: %s", msg);
	return 0;
}

int
ww_control_save(struct ww_control *c, struct ww_control_error *err)
{
	int ret;

	ww_control_lock(c);
	ret = save_locked(c, err);
	ww_control_unlock(c);
	return ret;
}

/*
 * Make @p next (a validated copy; consumed) the running configuration:
 * apply, swap, save. A save that fails puts the old one back, in the data
 * plane too, so what runs is always what is on disk.
 */
static int
commit(struct ww_control *c, struct ww_config *next,
       struct ww_control_error *err)
{
	struct ww_config old;
	char msg[256];
	int ret;

	next->revision = c->cfg->revision + 1;
	ret = c->ops.apply(c->ops.ctx, next, c->cfg, msg, sizeof(msg));
	if (ret != 0) {
		ww_config_free(next);
		return ww_control_fail(err, ret, "", "%s", msg);
	}
	old = *c->cfg;
	*c->cfg = *next;
	ret = save_locked(c, err);
	if (ret != 0) {
		*next = *c->cfg;
		*c->cfg = old;
		c->ops.apply(c->ops.ctx, c->cfg, next, msg, sizeof(msg));
		ww_config_free(next);
		return ret;
	}
	ww_config_free(&old);
	return 0;
}

static int
copy_running(struct ww_control *c, struct ww_config *next,
	     struct ww_control_error *err)
{
	if (ww_config_copy(next, c->cfg) != 0)
		return ww_control_fail(err, -ENOMEM, "", "out of memory");
	return 0;
}

/* ---- the whole document ---- */

json_t *
ww_control_config_get(struct ww_control *c)
{
	json_t *doc;

	ww_control_lock(c);
	doc = ww_config_to_json(c->cfg);
	if (doc != NULL)
		json_object_set_new(doc, "revision",
				    json_integer((json_int_t)c->cfg->revision));
	ww_control_unlock(c);
	return doc;
}

struct handle_key {
	char *text;
	const char *list;   /* "" for explicit rules, else the group */
	uint32_t handle;
	bool used;
};

static int
handle_key_cmp(const void *a, const void *b)
{
	const struct handle_key *x = a, *y = b;
	int d = strcmp(x->list, y->list);

	return d != 0 ? d : strcmp(x->text, y->text);
}

static unsigned int
collect_keys(struct handle_key *keys, unsigned int k, const char *list,
	     const struct ww_config_rule *rules, unsigned int n, char *buf)
{
	for (unsigned int i = 0; i < n; i++) {
		ww_rule_format(&rules[i].rule, buf, WW_RULE_TEXT_MAX);
		keys[k].text = strdup(buf);
		keys[k].list = list;
		keys[k].handle = rules[i].handle;
		keys[k].used = false;
		if (keys[k].text != NULL)
			k++;
	}
	return k;
}

/* Give each rule of @p list the handle of an equal unused running rule
 * of the same list, or a fresh one. */
static void
assign_handles(struct handle_key *keys, unsigned int nk, const char *list,
	       struct ww_config_rule *rules, unsigned int n, uint32_t *next,
	       char *buf)
{
	for (unsigned int i = 0; i < n; i++) {
		struct handle_key probe = { .text = buf, .list = list };
		struct handle_key *hit;

		ww_rule_format(&rules[i].rule, buf, WW_RULE_TEXT_MAX);
		hit = bsearch(&probe, keys, nk, sizeof(*keys), handle_key_cmp);
		/* Equal texts sit side by side: take the first unused one. */
		while (hit != NULL && hit > keys && handle_key_cmp(hit - 1,
								&probe) == 0)
			hit--;
		while (hit != NULL && hit < keys + nk && hit->used &&
		       handle_key_cmp(hit, &probe) == 0)
			hit++;
		if (hit != NULL && hit < keys + nk && !hit->used &&
		    handle_key_cmp(hit, &probe) == 0) {
			hit->used = true;
			rules[i].handle = hit->handle;
		} else {
			rules[i].handle = (*next)++;
		}
	}
}

/*
 * A replaced document's rules are numbered from 1 by the parser; rules
 * that were already running keep their handle (and so their counters and
 * the handles operators hold), new ones get fresh handles.
 */
static int
keep_handles(struct ww_config *next, const struct ww_config *running)
{
	unsigned int n = running->nb_rules, k = 0;
	struct handle_key *keys;
	uint32_t fresh = running->next_handle;
	char *buf = malloc(WW_RULE_TEXT_MAX);

	for (unsigned int g = 0; g < running->nb_sgs; g++)
		n += running->sgs[g].nb_rules;
	keys = calloc(n ? n : 1, sizeof(*keys));
	if (keys == NULL || buf == NULL) {
		free(keys);
		free(buf);
		return -ENOMEM;
	}
	k = collect_keys(keys, k, "", running->rules, running->nb_rules, buf);
	for (unsigned int g = 0; g < running->nb_sgs; g++)
		k = collect_keys(keys, k, running->sgs[g].name,
				 running->sgs[g].rules, running->sgs[g].nb_rules,
				 buf);
	qsort(keys, k, sizeof(*keys), handle_key_cmp);
	assign_handles(keys, k, "", next->rules, next->nb_rules, &fresh, buf);
	for (unsigned int g = 0; g < next->nb_sgs; g++)
		assign_handles(keys, k, next->sgs[g].name, next->sgs[g].rules,
			       next->sgs[g].nb_rules, &fresh, buf);
	next->next_handle = fresh;
	for (unsigned int i = 0; i < k; i++)
		free(keys[i].text);
	free(keys);
	free(buf);
	return 0;
}

/* Parts read at start only (ports, bridges, table sizes, the HTTP server)
 * cannot change while running: -EBUSY naming the first one, @p next freed. */
static int
refuse_restart_only(struct ww_control *c, struct ww_config *next,
		    struct ww_control_error *err)
{
	char path[128];

	if (ww_config_restart_only(c->cfg, next, path, sizeof(path)) == 0)
		return 0;
	ww_config_free(next);
	return ww_control_fail(err, -EBUSY, path, "cannot change while "
		"running (ports, bridges, workers, mbufs, table sizes and the "
		"HTTP server are read at start): change the file and restart");
}

/* Parse a document (validated whole) into @p next, handles kept. */
static int
parse_document(struct ww_control *c, const json_t *doc, const char *origin,
	       struct ww_config *next, struct ww_control_error *err)
{
	struct ww_config_error cerr;
	char *text = json_dumps(doc, JSON_COMPACT);
	int ret;

	if (text == NULL)
		return ww_control_fail(err, -ENOMEM, "", "out of memory");
	ret = ww_config_parse(text, origin, next, &cerr);
	free(text);
	if (ret != 0)
		return ww_control_fail(err, ret, cerr.path, "%s", cerr.message);
	ret = refuse_restart_only(c, next, err);
	if (ret != 0)
		return ret;
	if (keep_handles(next, c->cfg) != 0) {
		ww_config_free(next);
		return ww_control_fail(err, -ENOMEM, "", "out of memory");
	}
	return 0;
}

static int
check_revision(struct ww_control *c, const json_t *doc,
	       struct ww_control_error *err)
{
	json_t *rev = json_is_object(doc) ? json_object_get(doc, "revision")
					  : NULL;

	if (!json_is_object(doc))
		return ww_control_fail(err, -EINVAL, "$", "expected the "
				       "configuration as an object");
	if (rev == NULL)
		return ww_control_fail(err, -EINVAL, "$.revision", "missing: "
			"give the revision your change is based on (as read)");
	if (!json_is_integer(rev))
		return ww_control_fail(err, -EINVAL, "$.revision",
				       "expected an integer");
	if ((uint64_t)json_integer_value(rev) != c->cfg->revision)
		return ww_control_fail(err, -ESTALE, "$.revision", "the "
			"configuration changed since revision %lld was read "
			"(it is at %llu now): read it again and redo the change",
			(long long)json_integer_value(rev),
			(unsigned long long)c->cfg->revision);
	return 0;
}

int64_t
ww_control_config_replace(struct ww_control *c, const json_t *doc,
			  struct ww_control_error *err)
{
	struct ww_config next;
	int ret;

	ww_control_lock(c);
	ret = check_revision(c, doc, err);
	if (ret == 0)
		ret = parse_document(c, doc, "request", &next, err);
	if (ret == 0)
		ret = commit(c, &next, err);
	ret = ret == 0 ? (int)c->cfg->revision : ret;
	ww_control_unlock(c);
	return ret;
}

/* ---- rules ---- */

/* The rule list of @p group (NULL: explicit rules) in @p cfg. */
static int
rule_list(struct ww_config *cfg, const char *group,
	  struct ww_config_rule ***list, unsigned int **nb,
	  struct ww_control_error *err)
{
	int g;

	if (group == NULL) {
		*list = &cfg->rules;
		*nb = &cfg->nb_rules;
		return 0;
	}
	g = ww_config_sg_index(cfg, group);
	if (g < 0)
		return ww_control_fail(err, -ENOENT, "", "no security group "
				       "named \"%s\"", group);
	*list = &cfg->sgs[g].rules;
	*nb = &cfg->sgs[g].nb_rules;
	return 0;
}

static int
find_handle(const struct ww_config_rule *list, unsigned int nb, uint32_t h)
{
	for (unsigned int i = 0; i < nb; i++)
		if (list[i].handle == h)
			return (int)i;
	return -ENOENT;
}

/* A rule from JSON: text (nft-like) or object; checked against @p cfg. */
static int
rule_from_json(const struct ww_config *cfg, const json_t *value, bool in_group,
	       struct ww_rule *rule, struct ww_control_error *err)
{
	struct ww_rule_error rerr;
	char msg[256], path[96];

	if (!json_is_string(value) && !json_is_object(value))
		return ww_control_fail(err, -EINVAL, "$.rule", "expected a "
			"rule as text (a string) or an object");
	if (ww_rule_from_json(value, rule, &rerr) != 0) {
		snprintf(path, sizeof(path), "$.rule%s", rerr.path);
		if (rerr.column > 0)
			return ww_control_fail(err, -EINVAL, path,
					       "column %d: %s", rerr.column,
					       rerr.message);
		return ww_control_fail(err, -EINVAL, path, "%s", rerr.message);
	}
	if (ww_config_check_rule(cfg, rule, in_group, msg, sizeof(msg)) != 0)
		return ww_control_fail(err, -EINVAL, "$.rule", "%s", msg);
	return 0;
}

static int
list_insert(struct ww_config_rule **list, unsigned int *nb, unsigned int pos,
	    const struct ww_config_rule *r)
{
	struct ww_config_rule *grown;

	if (*nb >= WW_RULES_MAX)
		return -ENOSPC;
	grown = realloc(*list, sizeof(**list) * (*nb + 1));
	if (grown == NULL)
		return -ENOMEM;
	*list = grown;
	memmove(&grown[pos + 1], &grown[pos], sizeof(*grown) * (*nb - pos));
	grown[pos] = *r;
	(*nb)++;
	return 0;
}

static void
list_remove(struct ww_config_rule *list, unsigned int *nb, unsigned int pos)
{
	memmove(&list[pos], &list[pos + 1], sizeof(*list) * (*nb - pos - 1));
	(*nb)--;
}

/* What a rule edit needs: the copy, its list and the rule's index. */
struct rule_edit {
	struct ww_config next;
	struct ww_config_rule **list;
	unsigned int *nb;
	int pos;
};

static int
edit_begin(struct ww_control *c, const char *group, uint32_t handle,
	   struct rule_edit *e, struct ww_control_error *err)
{
	int ret = copy_running(c, &e->next, err);

	if (ret != 0)
		return ret;
	ret = rule_list(&e->next, group, &e->list, &e->nb, err);
	e->pos = -1;
	if (ret == 0 && handle != 0) {
		e->pos = find_handle(*e->list, *e->nb, handle);
		if (e->pos < 0)
			ret = ww_control_fail(err, -ENOENT, "", "no rule with "
					      "handle %u in %s%s", handle,
					      group ? "security group " : "the "
					      "rules", group ? group : "");
	}
	if (ret != 0)
		ww_config_free(&e->next);
	return ret;
}

static int
edit_end(struct ww_control *c, struct rule_edit *e, int ret,
	 struct ww_control_error *err)
{
	if (ret != 0) {
		ww_config_free(&e->next);
		return ret;
	}
	return commit(c, &e->next, err);
}

int
ww_control_rule_add(struct ww_control *c, const char *group,
		    const json_t *rule, int position,
		    struct ww_control_error *err)
{
	struct rule_edit e;
	struct ww_config_rule r = { 0 };
	int ret;

	ww_control_lock(c);
	ret = edit_begin(c, group, 0, &e, err);
	if (ret != 0)
		goto out;
	ret = rule_from_json(&e.next, rule, group != NULL, &r.rule, err);
	if (ret == 0 && position >= 0 && (unsigned int)position > *e.nb)
		ret = ww_control_fail(err, -EINVAL, "$.position", "position "
				      "%d is past the end (%u rules)",
				      position, *e.nb);
	if (ret == 0) {
		r.handle = e.next.next_handle++;
		ret = list_insert(e.list, e.nb, position < 0 ? *e.nb :
				  (unsigned int)position, &r);
		if (ret != 0)
			ww_control_fail(err, ret, "", "cannot add a rule: %s",
					ret == -ENOSPC ? "too many rules" :
					"out of memory");
	}
	ret = edit_end(c, &e, ret, err);
	if (ret == 0)
		ret = (int)r.handle;
out:
	ww_control_unlock(c);
	return ret;
}

int
ww_control_rule_change(struct ww_control *c, const char *group,
		       uint32_t handle, const json_t *rule, int position,
		       struct ww_control_error *err)
{
	struct rule_edit e;
	struct ww_config_rule r;
	int ret;

	ww_control_lock(c);
	ret = edit_begin(c, group, handle, &e, err);
	if (ret != 0)
		goto out;
	r = (*e.list)[e.pos];
	if (rule != NULL)
		ret = rule_from_json(&e.next, rule, group != NULL, &r.rule, err);
	if (ret == 0 && position >= 0 && (unsigned int)position >= *e.nb)
		ret = ww_control_fail(err, -EINVAL, "$.position", "position "
				      "%d is past the end (%u rules; the last "
				      "is %u)", position, *e.nb, *e.nb - 1);
	if (ret == 0 && position >= 0) {
		list_remove(*e.list, e.nb, e.pos);
		/* The slot is still allocated: this cannot fail. */
		list_insert(e.list, e.nb, (unsigned int)position, &r);
	} else if (ret == 0) {
		(*e.list)[e.pos] = r;
	}
	ret = edit_end(c, &e, ret, err);
out:
	ww_control_unlock(c);
	return ret;
}

int
ww_control_rule_replace(struct ww_control *c, const char *group,
			uint32_t handle, const json_t *rule,
			struct ww_control_error *err)
{
	return ww_control_rule_change(c, group, handle, rule, -1, err);
}

int
ww_control_rule_move(struct ww_control *c, const char *group,
		     uint32_t handle, unsigned int position,
		     struct ww_control_error *err)
{
	if (position > INT32_MAX)
		return ww_control_fail(err, -EINVAL, "$.position", "position "
				       "%u is past the end", position);
	return ww_control_rule_change(c, group, handle, NULL, (int)position,
				      err);
}

int
ww_control_rule_delete(struct ww_control *c, const char *group,
		       uint32_t handle, struct ww_control_error *err)
{
	struct rule_edit e;
	int ret;

	ww_control_lock(c);
	ret = edit_begin(c, group, handle, &e, err);
	if (ret == 0) {
		list_remove(*e.list, e.nb, e.pos);
		ret = edit_end(c, &e, 0, err);
	}
	ww_control_unlock(c);
	return ret;
}

static json_t *
rule_item(struct ww_control *c, const struct ww_config_rule *r,
	  unsigned int position)
{
	char text[WW_RULE_TEXT_MAX];
	uint64_t packets = 0, bytes = 0;

	ww_rule_format(&r->rule, text, sizeof(text));
	if (c->ops.rule_counter != NULL)
		c->ops.rule_counter(c->ops.ctx, r->handle, &packets, &bytes);
	return json_pack("{s:I, s:I, s:s, s:o, s:I, s:I}",
			 "handle", (json_int_t)r->handle,
			 "position", (json_int_t)position, "text", text,
			 "rule", ww_rule_to_json(&r->rule),
			 "packets", (json_int_t)packets,
			 "bytes", (json_int_t)bytes);
}

static json_t *
page(json_t *items, unsigned int total, unsigned int offset,
     unsigned int limit)
{
	return json_pack("{s:o, s:I, s:I, s:I}", "items", items,
			 "total", (json_int_t)total,
			 "offset", (json_int_t)offset,
			 "limit", (json_int_t)limit);
}

json_t *
ww_control_rules_list(struct ww_control *c, const char *group,
		      unsigned int offset, unsigned int limit)
{
	struct ww_config_rule **list = NULL;
	unsigned int *nb = NULL;
	json_t *items = NULL;

	ww_control_lock(c);
	if (rule_list(c->cfg, group, &list, &nb, NULL) == 0) {
		items = json_array();
		for (unsigned int i = offset; i < *nb && i - offset < limit; i++)
			json_array_append_new(items,
					      rule_item(c, &(*list)[i], i));
		items = page(items, *nb, offset, limit);
	}
	ww_control_unlock(c);
	return items;
}

json_t *
ww_control_rule_get(struct ww_control *c, const char *group, uint32_t handle)
{
	struct ww_config_rule **list = NULL;
	unsigned int *nb = NULL;
	json_t *item = NULL;
	int pos;

	ww_control_lock(c);
	if (rule_list(c->cfg, group, &list, &nb, NULL) == 0 &&
	    (pos = find_handle(*list, *nb, handle)) >= 0)
		item = rule_item(c, &(*list)[pos], (unsigned int)pos);
	ww_control_unlock(c);
	return item;
}

/* ---- security groups ---- */

static json_t *
sg_summary(const struct ww_config *cfg, const struct ww_config_sg *sg)
{
	const struct ww_config_bridge *br = &cfg->bridges[sg->bridge];

	return json_pack("{s:s, s:s, s:s, s:I}", "name", sg->name,
			 "bridge", br->name, "protected_port",
			 br->protected_side >= 0 ?
			 cfg->ports[br->port[br->protected_side]].name : "",
			 "rules", (json_int_t)sg->nb_rules);
}

json_t *
ww_control_sgs_list(struct ww_control *c)
{
	json_t *arr = json_array();

	ww_control_lock(c);
	for (unsigned int g = 0; g < c->cfg->nb_sgs; g++)
		json_array_append_new(arr, sg_summary(c->cfg, &c->cfg->sgs[g]));
	ww_control_unlock(c);
	return arr;
}

json_t *
ww_control_sg_get(struct ww_control *c, const char *name)
{
	json_t *obj = NULL, *rules;
	int g;

	ww_control_lock(c);
	g = ww_config_sg_index(c->cfg, name);
	if (g >= 0) {
		const struct ww_config_sg *sg = &c->cfg->sgs[g];

		obj = sg_summary(c->cfg, sg);
		rules = json_array();
		for (unsigned int i = 0; i < sg->nb_rules; i++)
			json_array_append_new(rules,
					      rule_item(c, &sg->rules[i], i));
		json_object_set_new(obj, "rules", rules);
	}
	ww_control_unlock(c);
	return obj;
}

/* A document edit: the running document changed by @p edit, parsed whole. */
static int
document_edit(struct ww_control *c, int (*edit)(json_t *doc, const void *arg,
						struct ww_control_error *err),
	      const void *arg, struct ww_control_error *err)
{
	struct ww_config next;
	json_t *doc = ww_config_to_json(c->cfg);
	int ret;

	if (doc == NULL)
		return ww_control_fail(err, -ENOMEM, "", "out of memory");
	ret = edit(doc, arg, err);
	if (ret == 0)
		ret = parse_document(c, doc, "request", &next, err);
	json_decref(doc);
	if (ret == 0)
		ret = commit(c, &next, err);
	return ret;
}

static int
append_sg(json_t *doc, const void *arg, struct ww_control_error *err)
{
	const json_t *sg = arg;
	json_t *name = json_object_get(sg, "name");
	json_t *arr = json_object_get(doc, "security_groups");
	size_t i;
	json_t *item;

	if (!json_is_object(sg))
		return ww_control_fail(err, -EINVAL, "$", "expected a "
				       "security group as an object");
	json_array_foreach(arr, i, item)
		if (json_is_string(name) &&
		    json_equal(json_object_get(item, "name"), name))
			return ww_control_fail(err, -EEXIST, "$.name", "a "
				"security group named \"%s\" exists",
				json_string_value(name));
	if (arr == NULL) {
		arr = json_array();
		json_object_set_new(doc, "security_groups", arr);
	}
	json_array_append(arr, (json_t *)sg);
	return 0;
}

int
ww_control_sg_add(struct ww_control *c, const json_t *sg,
		  struct ww_control_error *err)
{
	size_t index;
	int ret;

	ww_control_lock(c);
	index = c->cfg->nb_sgs;
	ret = document_edit(c, append_sg, sg, err);
	/* Errors inside it name the document's path: make it the request's. */
	if (ret != 0 && err != NULL) {
		char prefix[64];
		size_t len;

		len = (size_t)snprintf(prefix, sizeof(prefix),
				       "$.security_groups[%zu]", index);
		if (strncmp(err->path, prefix, len) == 0) {
			char rest[128];

			snprintf(rest, sizeof(rest), "$%s", err->path + len);
			snprintf(err->path, sizeof(err->path), "%s", rest);
		}
	}
	ww_control_unlock(c);
	return ret;
}

int
ww_control_sg_delete(struct ww_control *c, const char *name,
		     struct ww_control_error *err)
{
	struct ww_config next;
	int g, ret;

	ww_control_lock(c);
	g = ww_config_sg_index(c->cfg, name);
	if (g < 0) {
		ret = ww_control_fail(err, -ENOENT, "", "no security group "
				      "named \"%s\"", name);
		goto out;
	}
	ret = copy_running(c, &next, err);
	if (ret == 0) {
		free(next.sgs[g].rules);
		memmove(&next.sgs[g], &next.sgs[g + 1],
			sizeof(next.sgs[0]) * (next.nb_sgs - g - 1));
		next.nb_sgs--;
		ret = commit(c, &next, err);
	}
out:
	ww_control_unlock(c);
	return ret;
}

/* ---- guards ---- */

json_t *
ww_control_guards_get(struct ww_control *c)
{
	json_t *doc, *guards;

	ww_control_lock(c);
	doc = ww_config_to_json(c->cfg);
	ww_control_unlock(c);
	guards = json_incref(json_object_get(doc, "guards"));
	json_decref(doc);
	return guards;
}

/* "PATH: why" from lib/config into the error's two fields. */
static int
split_config_msg(struct ww_control_error *err, int ret, const char *msg)
{
	const char *sep = strstr(msg, ": ");
	char path[128] = "";

	if (msg[0] == '$' && sep != NULL &&
	    (size_t)(sep - msg) < sizeof(path)) {
		memcpy(path, msg, (size_t)(sep - msg));
		path[sep - msg] = '\0';
		msg = sep + 2;
	}
	return ww_control_fail(err, ret, path, "%s", msg);
}

static int
guard_set_one(struct ww_config *next, const char *guard, const char *key,
	      const char *value, struct ww_control_error *err)
{
	char msg[320];
	int ret = ww_config_guard_set(next, guard, key, value, msg,
				      sizeof(msg));

	return ret != 0 ? split_config_msg(err, ret, msg) : 0;
}

int
ww_control_guard_set(struct ww_control *c, const char *guard,
		     const json_t *settings, struct ww_control_error *err)
{
	struct ww_config next;
	const char *key;
	json_t *value;
	int ret;

	if (!json_is_object(settings) || json_object_size(settings) == 0)
		return ww_control_fail(err, -EINVAL, "$", "expected an object "
				       "of settings, e.g. {\"enabled\": true}");
	ww_control_lock(c);
	ret = copy_running(c, &next, err);
	if (ret != 0)
		goto out;
	json_object_foreach((json_t *)settings, key, value) {
		char *text = json_dumps(value, JSON_ENCODE_ANY | JSON_COMPACT);

		ret = text ? guard_set_one(&next, guard, key, text, err)
			   : -ENOMEM;
		free(text);
		if (ret != 0)
			break;
	}
	if (ret == 0)
		ret = refuse_restart_only(c, &next, err);
	else
		ww_config_free(&next);
	if (ret == 0)
		ret = commit(c, &next, err);
out:
	ww_control_unlock(c);
	return ret;
}

int
ww_control_guard_set_text(struct ww_control *c, const char *guard,
			  const char *key, const char *value,
			  struct ww_control_error *err)
{
	struct ww_config next;
	int ret;

	ww_control_lock(c);
	ret = copy_running(c, &next, err);
	if (ret == 0) {
		ret = guard_set_one(&next, guard, key, value, err);
		if (ret == 0)
			ret = refuse_restart_only(c, &next, err);
		else
			ww_config_free(&next);
		if (ret == 0)
			ret = commit(c, &next, err);
	}
	ww_control_unlock(c);
	return ret;
}

/* ---- queries ---- */

json_t *
ww_control_stats(struct ww_control *c)
{
	json_t *out = NULL;

	ww_control_lock(c);
	if (c->ops.stats != NULL)
		out = c->ops.stats(c->ops.ctx);
	else
		errno = ENOTSUP;
	ww_control_unlock(c);
	return out;
}

json_t *
ww_control_flows(struct ww_control *c, unsigned int top, const char *addr)
{
	json_t *out = NULL;

	ww_control_lock(c);
	if (c->ops.flows != NULL)
		out = c->ops.flows(c->ops.ctx, top, addr);
	else
		errno = ENOTSUP;
	ww_control_unlock(c);
	return out;
}

json_t *
ww_control_events(struct ww_control *c, const json_t *query)
{
	json_t *out = NULL;

	ww_control_lock(c);
	if (c->ops.events != NULL)
		out = c->ops.events(c->ops.ctx, query);
	else
		errno = ENOTSUP;
	ww_control_unlock(c);
	return out;
}

int64_t
ww_control_events_export(struct ww_control *c, const json_t *query,
			 uint32_t max, ww_control_row_fn fn, void *ctx)
{
	if (c->ops.events_export == NULL)
		return -ENOTSUP;
	return c->ops.events_export(c->ops.ctx, query, max, fn, ctx);
}

json_t *
ww_control_telemetry(struct ww_control *c, const char *what,
		     const json_t *args)
{
	json_t *out = NULL;

	ww_control_lock(c);
	if (c->ops.telemetry != NULL)
		out = c->ops.telemetry(c->ops.ctx, what, args);
	else
		errno = ENOTSUP;
	ww_control_unlock(c);
	return out;
}
