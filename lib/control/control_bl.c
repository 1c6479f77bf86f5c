/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Dynamic block-list entries: added and removed by operators, added by
 * detectors; saved to their own file with their absolute expiry, at most
 * once a second, and restored with the TTL they have left.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "control_internal.h"
#include "util.h"

#ifndef NS_PER_S
#define NS_PER_S 1000000000ull
#endif
#define BL_FILE_MAX (512u * 1024 * 1024)

static const char *const origin_names[] = { "config", "manual", "auto" };

static int
parse_address(const char *text, struct ww_bl_prefix *p,
	      struct ww_control_error *err)
{
	char msg[192];

	if (text == NULL || ww_bl_prefix_parse(text, p, msg, sizeof(msg)) != 0)
		return ww_control_fail(err, -EINVAL, "$.address", "%s",
				       text ? msg : "missing");
	return 0;
}

static int
add_error(int ret, const char *set, const char *address,
	  struct ww_control_error *err)
{
	switch (ret) {
	case -ENOSPC:
		return ww_control_fail(err, ret, "", "the block lists are full "
				       "(guards.blocklist.max_entries)");
	case -E2BIG:
		return ww_control_fail(err, -ENOSPC, "$.set", "too many sets "
				       "(at most %d)", WW_BL_SETS_MAX);
	case -EINVAL:
		return ww_control_fail(err, ret, "$.set", "set name \"%s\": 1 to "
				       "31 letters, digits, '_', '.' or '-'",
				       set);
	case -ENOMEM:
		return ww_control_fail(err, ret, "", "out of memory for %s (a "
				       "family's first prefix takes two 64 MiB "
				       "rte_lpm tables)", address);
	}
	return ww_control_fail(err, ret, "", "cannot add %s: %s", address,
			       strerror(-ret));
}

static int
bl_add_locked(struct ww_control *c, const char *set, const char *address,
	      uint32_t ttl_s, enum ww_bl_origin origin, const char *reason,
	      uint64_t now, struct ww_control_error *err)
{
	struct ww_bl_prefix p;
	int ret = parse_address(address, &p, err);

	if (ret != 0)
		return ret;
	ret = ww_blocklist_add(c->bl, set, &p, ttl_s, origin, reason, now);
	if (ret != 0)
		return add_error(ret, set, address, err);
	c->bl_dirty = true;
	return 0;
}

int
ww_control_bl_add(struct ww_control *c, const char *set, const char *address,
		  uint32_t ttl_s, enum ww_bl_origin origin, const char *reason,
		  struct ww_control_error *err)
{
	int ret;

	if (origin == WW_BL_STATIC)
		return ww_control_fail(err, -EINVAL, "$.origin", "entries of "
			"the configuration change with the configuration");
	ww_control_lock(c);
	ret = bl_add_locked(c, set ? set : "manual", address, ttl_s, origin,
			    reason, ww_control_now_ns(c), err);
	ww_control_unlock(c);
	return ret;
}

int
ww_control_bl_del(struct ww_control *c, const char *set, const char *address,
		  struct ww_control_error *err)
{
	struct ww_bl_prefix p;
	int ret = parse_address(address, &p, err);

	if (ret != 0)
		return ret;
	ww_control_lock(c);
	ret = ww_blocklist_del(c->bl, set, &p);
	if (ret == 0)
		c->bl_dirty = true;
	ww_control_unlock(c);
	if (ret != 0)
		return ww_control_fail(err, -ENOENT, "", "%s is not on %s%s",
				       address, set ? "set " : "any block list",
				       set ? set : "");
	return 0;
}

unsigned int
ww_control_bl_flush(struct ww_control *c, const char *set)
{
	unsigned int removed;

	ww_control_lock(c);
	removed = ww_blocklist_flush(c->bl, set);
	c->bl_dirty = c->bl_dirty || removed > 0;
	ww_control_unlock(c);
	return removed;
}

void
ww_control_bl_changed(struct ww_control *c)
{
	ww_control_lock(c);
	c->bl_dirty = true;
	ww_control_unlock(c);
}

/* ---- listing ---- */

struct list_ctx {
	const char *search;
	unsigned int offset, limit, total;
	uint64_t now;
	json_t *items;
	bool dynamic_only;    /* saving: no entries of the configuration */
};

static json_t *
entry_json(const struct ww_bl_entry *e, uint64_t now)
{
	char text[64];
	json_t *obj;

	ww_bl_prefix_format(&e->prefix, text, sizeof(text));
	obj = json_pack("{s:s, s:s, s:s, s:s, s:I}", "address", text,
			"set", e->set, "origin", e->origin < 3 ?
			origin_names[e->origin] : "?", "reason", e->reason,
			"added", (json_int_t)(e->added_ns / NS_PER_S));
	if (e->expires_ns == 0) {
		json_object_set_new(obj, "expires", json_null());
		json_object_set_new(obj, "ttl_left", json_null());
	} else {
		json_object_set_new(obj, "expires",
			json_integer((json_int_t)(e->expires_ns / NS_PER_S)));
		json_object_set_new(obj, "ttl_left", json_integer(
			e->expires_ns > now ? (json_int_t)((e->expires_ns -
				now + NS_PER_S - 1) / NS_PER_S) : 0));
	}
	return obj;
}

static int
visit(const struct ww_bl_entry *e, void *arg)
{
	struct list_ctx *l = arg;
	char text[64];

	if (l->dynamic_only && (e->origin == WW_BL_STATIC ||
				(e->expires_ns != 0 && e->expires_ns <= l->now)))
		return 0;
	if (l->search != NULL) {
		ww_bl_prefix_format(&e->prefix, text, sizeof(text));
		if (strstr(text, l->search) == NULL)
			return 0;
	}
	if (l->total >= l->offset && l->total - l->offset < l->limit)
		json_array_append_new(l->items, entry_json(e, l->now));
	l->total++;
	return 0;
}

json_t *
ww_control_bl_list(struct ww_control *c, const char *set, const char *search,
		   unsigned int offset, unsigned int limit)
{
	struct list_ctx l = { .search = search, .offset = offset,
			      .limit = limit, .items = json_array() };

	ww_control_lock(c);
	l.now = ww_control_now_ns(c);
	ww_blocklist_foreach(c->bl, set, visit, &l);
	ww_control_unlock(c);
	return json_pack("{s:o, s:I, s:I, s:I}", "items", l.items,
			 "total", (json_int_t)l.total,
			 "offset", (json_int_t)offset,
			 "limit", (json_int_t)limit);
}

/* ---- saving and restoring ---- */

static int
save_entries(struct ww_control *c)
{
	struct list_ctx l = { .limit = UINT32_MAX, .items = json_array(),
			      .dynamic_only = true };
	char *text, msg[256];
	json_t *doc;
	int ret;

	l.now = ww_control_now_ns(c);
	ww_blocklist_foreach(c->bl, NULL, visit, &l);
	doc = json_pack("{s:i, s:o}", "version", 1, "entries", l.items);
	text = doc ? json_dumps(doc, JSON_INDENT(1)) : NULL;
	json_decref(doc);
	if (text == NULL)
		return -ENOMEM;
	ret = ww_file_replace(c->blocklist_path, text, strlen(text), 0600, msg,
			      sizeof(msg));
	free(text);
	if (ret != 0)
		fprintf(stderr, "error: block lists not saved: %s\n", msg);
	return ret;
}

void
ww_control_tick(struct ww_control *c, bool force)
{
	uint64_t now;

	ww_control_lock(c);
	now = ww_control_now_ns(c);
	if (c->blocklist_path != NULL && c->bl_dirty &&
	    (force || now - c->bl_saved_ns >= NS_PER_S) &&
	    save_entries(c) == 0) {
		c->bl_dirty = false;
		c->bl_saved_ns = now;
	}
	ww_control_unlock(c);
}

static enum ww_bl_origin
origin_of(const char *name)
{
	return name != NULL && strcmp(name, "auto") == 0 ? WW_BL_AUTO
							 : WW_BL_MANUAL;
}

/* One saved entry back, with the TTL it has left. @return 1 restored,
 * 0 expired, -errno. */
static int
restore_entry(struct ww_control *c, json_t *e, size_t i, uint64_t now,
	      struct ww_control_error *err)
{
	const char *set = json_string_value(json_object_get(e, "set"));
	const char *addr = json_string_value(json_object_get(e, "address"));
	const char *reason = json_string_value(json_object_get(e, "reason"));
	json_t *expires = json_object_get(e, "expires");
	uint64_t ttl = 0;
	int ret;

	if (set == NULL || addr == NULL ||
	    (!json_is_null(expires) && !json_is_integer(expires)))
		return ww_control_fail(err, -EINVAL, "", "entry %zu: expected "
				       "set, address and expires", i);
	if (json_is_integer(expires)) {
		uint64_t at = (uint64_t)json_integer_value(expires) * NS_PER_S;

		if (at <= now)
			return 0;
		ttl = (at - now + NS_PER_S - 1) / NS_PER_S;
	}
	ret = bl_add_locked(c, set, addr, (uint32_t)ttl,
			    origin_of(json_string_value(json_object_get(e,
				"origin"))), reason, now, err);
	return ret == 0 ? 1 : ret;
}

/* Keep a file we cannot read for the operator: never overwrite it. */
static void
set_aside(const char *path)
{
	char aside[4096];

	snprintf(aside, sizeof(aside), "%s.bad-%ld", path, (long)time(NULL));
	if (rename(path, aside) == 0)
		fprintf(stderr, "wirewall: %s kept as %s\n", path, aside);
}

int
ww_control_restore_blocklist(struct ww_control *c,
			     struct ww_control_error *err)
{
	json_t *doc, *entries, *e;
	json_error_t jerr;
	char *text;
	size_t i;
	int ret = 0, restored = 0;

	if (c->blocklist_path == NULL)
		return 0;
	text = ww_file_read(c->blocklist_path, BL_FILE_MAX, NULL);
	if (text == NULL)
		return errno == ENOENT ? 0 : ww_control_fail(err, -errno, "",
			"%s: %s", c->blocklist_path, strerror(errno));
	doc = json_loads(text, 0, &jerr);
	free(text);
	entries = json_object_get(doc, "entries");
	if (!json_is_array(entries)) {
		json_decref(doc);
		set_aside(c->blocklist_path);
		return ww_control_fail(err, -EINVAL, "", "%s: line %d: %s",
				       c->blocklist_path, jerr.line,
				       doc ? "expected {\"entries\": [...]}"
					   : jerr.text);
	}
	ww_control_lock(c);
	uint64_t now = ww_control_now_ns(c);

	json_array_foreach(entries, i, e) {
		ret = restore_entry(c, e, i, now, err);
		if (ret < 0)
			break;
		restored += ret;
	}
	c->bl_dirty = false;
	ww_control_unlock(c);
	json_decref(doc);
	return ret < 0 ? ret : restored;
}
