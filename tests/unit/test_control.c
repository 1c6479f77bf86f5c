/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/control: every change validated, applied once, saved crash-safe,
 * undone when it cannot be saved; revisions refuse stale replaces; handles
 * survive a replace; dynamic block-list entries survive a restart with the
 * TTL they have left. The data plane's apply hook here only counts (and
 * fails on demand): what it publishes is the worker tests' business.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "control.h"
#include "ut_eal.h"
#include "util.h"

#define NS 1000000000ull

static const char *base_doc =
	"{\"ports\":[{\"name\":\"out\",\"device\":\"net_null0\"},"
	"{\"name\":\"in\",\"device\":\"net_null1\"}],"
	"\"bridges\":[{\"name\":\"br0\",\"ports\":[\"out\",\"in\"],"
	"\"protected\":\"in\"}],"
	"\"rules\":[\"tcp dport 23 drop\",\"udp dport 69 drop\"],"
	"\"security_groups\":[{\"name\":\"web\",\"bridge\":\"br0\","
	"\"rules\":[\"tcp dport 80 accept\"]}]}";

struct fixture {
	char dir[64], cfg_path[128], bl_path[128];
	struct ww_config cfg;
	pthread_mutex_t lock;
	struct ww_blocklist *bl;
	struct ww_control *ctl;
	unsigned int applied;
	int fail_apply;
	uint64_t now;
};

static struct rte_mempool *pool;

static int
apply(void *ctx, const struct ww_config *next, const struct ww_config *run,
      char *err, size_t size)
{
	struct fixture *f = ctx;

	if (f->fail_apply) {
		snprintf(err, size, "compile failed (test)");
		return -EINVAL;
	}
	f->applied++;
	return 0;
}

static uint64_t
clock_ns(void *ctx)
{
	return ((struct fixture *)ctx)->now;
}

static struct ww_control *
make_control(struct fixture *f)
{
	struct ww_control_params p = {
		.cfg = &f->cfg, .lock = &f->lock, .bl = f->bl,
		.config_path = f->cfg_path, .blocklist_path = f->bl_path,
		.ops = { .ctx = f, .apply = apply, .clock_ns = clock_ns },
	};

	return ww_control_create(&p);
}

static int
setup(void **state)
{
	static unsigned int seq;
	struct fixture *f = calloc(1, sizeof(*f));
	pthread_mutexattr_t attr;
	char name[32];

	snprintf(f->dir, sizeof(f->dir), "/tmp/ww-ut-control-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->cfg_path, sizeof(f->cfg_path), "%s/wirewall.json", f->dir);
	snprintf(f->bl_path, sizeof(f->bl_path), "%s/blocklist.json", f->dir);
	assert_int_equal(ww_config_parse(base_doc, "test", &f->cfg, NULL), 0);
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&f->lock, &attr);
	snprintf(name, sizeof(name), "ut_bl_%u", seq++);
	f->bl = ww_blocklist_create(name, 1024, NULL, SOCKET_ID_ANY);
	assert_non_null(f->bl);
	f->now = 1700000000ull * NS;
	f->ctl = make_control(f);
	assert_non_null(f->ctl);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[160];

	ww_control_free(f->ctl);
	ww_blocklist_free(f->bl);
	ww_config_free(&f->cfg);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* The saved document, parsed back. */
static json_t *
saved(const struct fixture *f)
{
	json_t *doc = json_load_file(f->cfg_path, 0, NULL);

	assert_non_null(doc);
	return doc;
}

static json_t *
rules_of(json_t *doc)
{
	return json_object_get(doc, "rules");
}

static void
add_rule_saves_and_counts_revisions(void **state)
{
	struct fixture *f = *state;
	struct ww_control_error err;
	json_t *rule = json_string("tcp dport 22 accept"), *doc;
	int h = ww_control_rule_add(f->ctl, NULL, rule, 0, &err);

	json_decref(rule);
	assert_true(h > 0);
	assert_int_equal(f->applied, 1);
	assert_int_equal(ww_control_revision(f->ctl), 1);
	doc = saved(f);
	assert_int_equal(json_integer_value(json_object_get(doc, "revision")), 1);
	assert_string_equal(json_string_value(json_array_get(rules_of(doc), 0)),
			    "tcp dport 22 accept");
	assert_int_equal(json_array_size(rules_of(doc)), 3);
	json_decref(doc);
	assert_int_equal(f->cfg.rules[0].handle, (uint32_t)h);
}

static void
bad_rule_changes_nothing(void **state)
{
	struct fixture *f = *state;
	struct ww_control_error err;
	json_t *rule = json_string("tcp dport 99999 accept");

	assert_int_equal(ww_control_rule_add(f->ctl, NULL, rule, -1, &err),
			 -EINVAL);
	json_decref(rule);
	assert_string_equal(err.path, "$.rule");
	assert_non_null(strstr(err.message, "99999"));
	rule = json_pack("{s:s, s:i, s:s}", "proto", "tcp", "dport", 70000,
			 "action", "accept");
	assert_int_equal(ww_control_rule_add(f->ctl, NULL, rule, -1, &err),
			 -EINVAL);
	json_decref(rule);
	assert_true(strncmp(err.path, "$.rule.dport", 12) == 0);
	rule = json_string("tcp dport 22 accept");
	assert_int_equal(ww_control_rule_add(f->ctl, NULL, rule, 7, &err),
			 -EINVAL);
	assert_string_equal(err.path, "$.position");
	assert_int_equal(ww_control_rule_add(f->ctl, "nosuch", rule, -1, &err),
			 -ENOENT);
	json_decref(rule);
	assert_int_equal(f->applied, 0);
	assert_int_equal(f->cfg.nb_rules, 2);
	assert_int_equal(ww_control_revision(f->ctl), 0);
	assert_int_equal(access(f->cfg_path, F_OK), -1);  /* nothing saved */
}

static void
failed_apply_changes_nothing(void **state)
{
	struct fixture *f = *state;
	struct ww_control_error err;
	json_t *rule = json_string("tcp dport 22 accept");

	f->fail_apply = 1;
	assert_int_equal(ww_control_rule_add(f->ctl, NULL, rule, -1, &err),
			 -EINVAL);
	json_decref(rule);
	assert_string_equal(err.message, "compile failed (test)");
	assert_int_equal(f->cfg.nb_rules, 2);
	assert_int_equal(ww_control_revision(f->ctl), 0);
}

static void
failed_save_is_undone(void **state)
{
	struct fixture *f = *state;
	struct ww_control_error err;
	json_t *rule = json_string("tcp dport 22 accept");

	/* A directory that does not exist: the temporary file cannot be made. */
	snprintf(f->cfg_path, sizeof(f->cfg_path), "%s/gone/wirewall.json",
		 f->dir);
	ww_control_free(f->ctl);
	f->ctl = make_control(f);
	assert_int_equal(ww_control_rule_add(f->ctl, NULL, rule, -1, &err),
			 -EIO);
	json_decref(rule);
	assert_non_null(strstr(err.message, "cannot save"));
	/* Applied, then the old configuration applied again. */
	assert_int_equal(f->applied, 2);
	assert_int_equal(f->cfg.nb_rules, 2);
	assert_int_equal(ww_control_revision(f->ctl), 0);
}

static void
edits_keep_handles(void **state)
{
	struct fixture *f = *state;
	struct ww_control_error err;
	uint32_t h23 = f->cfg.rules[0].handle, h69 = f->cfg.rules[1].handle;
	json_t *rule = json_string("tcp dport 2323 drop");

	assert_int_equal(ww_control_rule_move(f->ctl, NULL, h69, 0, &err), 0);
	assert_int_equal(f->cfg.rules[0].handle, h69);
	assert_int_equal(ww_control_rule_move(f->ctl, NULL, h69, 2, &err),
			 -EINVAL);
	assert_int_equal(ww_control_rule_replace(f->ctl, NULL, h23, rule, &err),
			 0);
	json_decref(rule);
	assert_int_equal(f->cfg.rules[1].handle, h23);
	assert_int_equal(f->cfg.rules[1].rule.dport[0].lo, 2323);
	/* Text and place at once: one revision, or nothing. */
	rule = json_string("tcp dport 2424 drop");
	assert_int_equal(ww_control_rule_change(f->ctl, NULL, h23, rule, 5,
						&err), -EINVAL);
	assert_string_equal(err.path, "$.position");
	assert_int_equal(f->cfg.rules[1].rule.dport[0].lo, 2323);
	assert_int_equal(ww_control_rule_change(f->ctl, NULL, h23, rule, 0,
						&err), 0);
	json_decref(rule);
	assert_int_equal(f->cfg.rules[0].handle, h23);
	assert_int_equal(f->cfg.rules[0].rule.dport[0].lo, 2424);
	assert_int_equal(ww_control_revision(f->ctl), 3);
	assert_int_equal(ww_control_rule_delete(f->ctl, NULL, 999, &err),
			 -ENOENT);
	assert_int_equal(ww_control_rule_delete(f->ctl, NULL, h23, &err), 0);
	assert_int_equal(f->cfg.nb_rules, 1);
	assert_int_equal(ww_control_revision(f->ctl), 4);
}

static void
replace_checks_revision_and_keeps_handles(void **state)
{
	struct fixture *f = *state;
	struct ww_control_error err;
	uint32_t h69 = f->cfg.rules[1].handle, next = f->cfg.next_handle;
	json_t *doc = ww_control_config_get(f->ctl);
	json_t *rules = json_object_get(doc, "rules");

	/* Someone else changes it first: the document read is stale. */
	json_t *rule = json_string("udp dport 123 accept");
	assert_true(ww_control_rule_add(f->ctl, NULL, rule, -1, &err) > 0);
	json_decref(rule);
	json_array_remove(rules, 0);
	json_array_append_new(rules, json_string("tcp dport 25 drop"));
	assert_int_equal(ww_control_config_replace(f->ctl, doc, &err), -ESTALE);
	assert_string_equal(err.path, "$.revision");
	assert_int_equal(f->cfg.nb_rules, 3);

	json_object_set_new(doc, "revision", json_integer(1));
	assert_int_equal(ww_control_config_replace(f->ctl, doc, &err), 2);
	assert_int_equal(f->cfg.nb_rules, 2);
	assert_int_equal(f->cfg.rules[0].handle, h69);  /* kept */
	assert_true(f->cfg.rules[1].handle > next);       /* fresh */

	json_object_del(doc, "revision");
	assert_int_equal(ww_control_config_replace(f->ctl, doc, &err), -EINVAL);
	assert_string_equal(err.path, "$.revision");
	json_decref(doc);
}

static void
replace_refuses_what_needs_a_restart(void **state)
{
	struct fixture *f = *state;
	struct ww_control_error err;
	json_t *doc = ww_control_config_get(f->ctl);

	json_object_set_new(json_array_get(json_object_get(doc, "ports"), 0),
			    "device", json_string("net_null7"));
	assert_int_equal(ww_control_config_replace(f->ctl, doc, &err), -EBUSY);
	assert_string_equal(err.path, "$.ports");
	json_decref(doc);
	doc = ww_control_config_get(f->ctl);
	json_object_set_new(doc, "rules", json_string("oops"));
	assert_int_equal(ww_control_config_replace(f->ctl, doc, &err), -EINVAL);
	assert_string_equal(err.path, "$.rules");
	json_decref(doc);
	assert_int_equal(ww_control_revision(f->ctl), 0);
	assert_int_equal(f->applied, 0);
}

static void
security_groups(void **state)
{
	struct fixture *f = *state;
	struct ww_control_error err;
	json_t *sg = json_pack("{s:s, s:s, s:[s]}", "name", "web", "bridge",
			       "br0", "rules", "tcp dport 443 accept");
	json_t *list;

	assert_int_equal(ww_control_sg_add(f->ctl, sg, &err), -EEXIST);
	json_object_set_new(sg, "name", json_string("mail"));
	json_array_set_new(json_object_get(sg, "rules"), 0,
			   json_string("tcp dport 25 drop"));
	assert_int_equal(ww_control_sg_add(f->ctl, sg, &err), -EINVAL);
	assert_string_equal(err.path, "$.rules[0]");
	json_array_set_new(json_object_get(sg, "rules"), 0,
			   json_string("tcp dport 25 accept"));
	assert_int_equal(ww_control_sg_add(f->ctl, sg, &err), 0);
	json_decref(sg);
	list = ww_control_sgs_list(f->ctl);
	assert_int_equal(json_array_size(list), 2);
	json_decref(list);
	assert_int_equal(ww_control_sg_delete(f->ctl, "nosuch", &err), -ENOENT);
	assert_int_equal(ww_control_sg_delete(f->ctl, "web", &err), 0);
	assert_int_equal(f->cfg.nb_sgs, 1);
	assert_string_equal(f->cfg.sgs[0].name, "mail");
	/* The mail group's rule kept its handle through the deletion. */
	assert_true(f->cfg.sgs[0].rules[0].handle > 0);
}

static void
guard_settings(void **state)
{
	struct fixture *f = *state;
	struct ww_control_error err;
	json_t *s = json_pack("{s:b, s:i}", "enabled", 1, "ports", 1);

	assert_int_equal(ww_control_guard_set(f->ctl, "scan", s, &err), -EINVAL);
	assert_string_equal(err.path, "$.guards.scan.ports");
	assert_false(f->cfg.guards.scan.enabled);   /* all or nothing */
	json_object_set_new(s, "ports", json_integer(30));
	assert_int_equal(ww_control_guard_set(f->ctl, "scan", s, &err), 0);
	json_decref(s);
	assert_true(f->cfg.guards.scan.enabled);
	assert_int_equal(f->cfg.guards.scan.ports, 30);
	assert_int_equal(ww_control_guard_set_text(f->ctl, "nosuch", "x", "1",
						   &err), -EINVAL);
	assert_int_equal(ww_control_revision(f->ctl), 1);
}

static void
blocklist_survives_restart(void **state)
{
	struct fixture *f = *state;
	struct ww_control_error err;
	json_t *list, *item;

	assert_int_equal(ww_control_bl_add(f->ctl, NULL, "203.0.113.7", 600,
					   WW_BL_MANUAL, NULL, &err), 0);
	assert_int_equal(ww_control_bl_add(f->ctl, "auto", "198.51.100.0/24",
					   0, WW_BL_AUTO, "port-scan", &err), 0);
	assert_int_equal(ww_control_bl_add(f->ctl, NULL, "203.0.113.300", 0,
					   WW_BL_MANUAL, NULL, &err), -EINVAL);
	assert_string_equal(err.path, "$.address");
	assert_int_equal(ww_control_bl_del(f->ctl, NULL, "192.0.2.1", &err),
			 -ENOENT);
	ww_control_tick(f->ctl, true);

	/* A restart 100 s later: new tables, the same files. */
	ww_control_free(f->ctl);
	ww_blocklist_flush(f->bl, NULL);
	f->now += 100 * NS;
	f->ctl = make_control(f);
	assert_int_equal(ww_control_restore_blocklist(f->ctl, &err), 2);
	list = ww_control_bl_list(f->ctl, "manual", NULL, 0, 10);
	item = json_array_get(json_object_get(list, "items"), 0);
	assert_string_equal(json_string_value(json_object_get(item, "address")),
			    "203.0.113.7");
	assert_int_equal(json_integer_value(json_object_get(item, "ttl_left")),
			 500);
	json_decref(list);
	list = ww_control_bl_list(f->ctl, NULL, "198.51", 0, 10);
	assert_int_equal(json_integer_value(json_object_get(list, "total")), 1);
	item = json_array_get(json_object_get(list, "items"), 0);
	assert_string_equal(json_string_value(json_object_get(item, "reason")),
			    "port-scan");
	assert_string_equal(json_string_value(json_object_get(item, "origin")),
			    "auto");
	json_decref(list);

	/* After its TTL an entry is not restored. */
	ww_control_tick(f->ctl, true);
	ww_control_free(f->ctl);
	ww_blocklist_flush(f->bl, NULL);
	f->now += 600 * NS;
	f->ctl = make_control(f);
	assert_int_equal(ww_control_restore_blocklist(f->ctl, &err), 1);
}

static void
bad_blocklist_file_is_kept_aside(void **state)
{
	struct fixture *f = *state;
	struct ww_control_error err;
	char msg[128], aside[160];

	assert_int_equal(ww_file_replace(f->bl_path, "{\"entries\": [", 13, 0600,
					 msg, sizeof(msg)), 0);
	assert_int_equal(ww_control_restore_blocklist(f->ctl, &err), -EINVAL);
	assert_non_null(strstr(err.message, "blocklist.json"));
	assert_int_equal(access(f->bl_path, F_OK), -1);
	snprintf(aside, sizeof(aside), "ls %s/blocklist.json.bad-* >/dev/null",
		 f->dir);
	assert_int_equal(system(aside), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(add_rule_saves_and_counts_revisions, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_rule_changes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(failed_apply_changes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(failed_save_is_undone, setup, teardown),
		cmocka_unit_test_setup_teardown(edits_keep_handles, setup, teardown),
		cmocka_unit_test_setup_teardown(replace_checks_revision_and_keeps_handles, setup, teardown),
		cmocka_unit_test_setup_teardown(replace_refuses_what_needs_a_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(security_groups, setup, teardown),
		cmocka_unit_test_setup_teardown(guard_settings, setup, teardown),
		cmocka_unit_test_setup_teardown(blocklist_survives_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_blocklist_file_is_kept_aside, setup, teardown),
	};
	int ret;

	pool = ut_eal_start("control");
	if (pool == NULL)
		return 1;
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	ut_eal_stop(pool);
	return ret;
}
