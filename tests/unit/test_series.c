/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/stats per-second series: creation refused on bad arguments, names
 * copied and looked up, pushes and the latest value, old pushes refused,
 * skipped seconds filled with 0 (also a gap longer than the ring), the
 * ring wrapping after more pushes than it holds, the JSON window (length,
 * start, clamped to the ring and to the first push, prefix filter,
 * values that are not numbers). Time is made up. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "series.h"

#define T0 1700000000ull

static const char *const names[] = {
	"outside.rx_pps", "outside.tx_pps", "drops.policy-drop", "ct.new_per_s",
};
#define NB (sizeof(names) / sizeof(names[0]))

/* Push second @p t with series i = base + i. */
static void
push_ok(struct ww_series *s, uint64_t t, double base)
{
	double v[NB];

	for (unsigned int i = 0; i < NB; i++)
		v[i] = base + i;
	assert_int_equal(ww_series_push(s, t, v), 0);
}

/* The points of series @p name in @p j, checked against @p want. */
static void
assert_points(json_t *j, const char *name, const double *want, size_t n)
{
	json_t *a = json_object_get(json_object_get(j, "series"), name);

	assert_true(json_is_array(a));
	assert_int_equal(json_array_size(a), n);
	for (size_t i = 0; i < n; i++) {
		json_t *v = json_array_get(a, i);

		assert_true(json_is_real(v));
		assert_true(json_real_value(v) == want[i]);
	}
}

static uint64_t
start_of(json_t *j)
{
	assert_int_equal(json_integer_value(json_object_get(j, "step")), 1);
	return (uint64_t)json_integer_value(json_object_get(j, "start"));
}

static void
test_create(void **state)
{
	char long_name[WW_SERIES_NAME_MAX + 1];
	const char *bad[2] = { "a", NULL };

	memset(long_name, 'x', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	assert_null(ww_series_create(NULL, 1, 10));
	assert_null(ww_series_create(names, 0, 10));
	assert_null(ww_series_create(names, NB, 0));
	assert_null(ww_series_create(bad, 2, 10));
	bad[1] = "a";
	assert_null(ww_series_create(bad, 2, 10));   /* duplicate */
	bad[1] = "";
	assert_null(ww_series_create(bad, 2, 10));
	bad[1] = long_name;
	assert_null(ww_series_create(bad, 2, 10));
	long_name[WW_SERIES_NAME_MAX - 1] = '\0';    /* 63 characters fit */
	ww_series_free(ww_series_create(bad, 2, 10));
	ww_series_free(NULL);
	assert_int_equal(ww_series_count(NULL), 0);
	assert_int_equal(ww_series_index(NULL, "a"), -ENOENT);
	assert_int_equal(ww_series_push(NULL, 1, NULL), -EINVAL);
	assert_null(ww_series_json(NULL, NULL, 10));
}

static void
test_index(void **state)
{
	char buf[NB][WW_SERIES_NAME_MAX];
	const char *p[NB];
	struct ww_series *s;

	for (unsigned int i = 0; i < NB; i++) {
		strcpy(buf[i], names[i]);
		p[i] = buf[i];
	}
	s = ww_series_create(p, NB, 60);
	assert_non_null(s);
	memset(buf, 0, sizeof(buf));                 /* the names were copied */
	assert_int_equal(ww_series_count(s), NB);
	for (unsigned int i = 0; i < NB; i++) {
		assert_int_equal(ww_series_index(s, names[i]), i);
		assert_string_equal(ww_series_name(s, i), names[i]);
	}
	assert_int_equal(ww_series_index(s, "outside"), -ENOENT);
	assert_int_equal(ww_series_index(s, ""), -ENOENT);
	assert_int_equal(ww_series_index(s, NULL), -ENOENT);
	assert_null(ww_series_name(s, NB));
	ww_series_free(s);
}

static void
test_push_last(void **state)
{
	struct ww_series *s = ww_series_create(names, NB, 60);
	double v[NB] = { 0 };

	assert_non_null(s);
	assert_true(ww_series_last(s, 0) == 0);
	push_ok(s, T0, 10);
	for (unsigned int i = 0; i < NB; i++)
		assert_true(ww_series_last(s, i) == 10 + i);
	assert_true(ww_series_last(s, NB) == 0);
	/* the same second or an older one: refused, nothing replaced */
	v[0] = 99;
	assert_int_equal(ww_series_push(s, T0, v), -EINVAL);
	assert_int_equal(ww_series_push(s, T0 - 1, v), -EINVAL);
	assert_int_equal(ww_series_push(s, T0 + 1, NULL), -EINVAL);
	assert_true(ww_series_last(s, 0) == 10);
	push_ok(s, T0 + 1, 20);
	assert_true(ww_series_last(s, 0) == 20);
	ww_series_free(s);
}

static void
test_gap(void **state)
{
	struct ww_series *s = ww_series_create(names, NB, 60);
	const double want0[] = { 10, 0, 0, 13 }, want3[] = { 13, 0, 0, 16 };
	json_t *j;

	assert_non_null(s);
	push_ok(s, T0, 10);
	push_ok(s, T0 + 3, 13);
	j = ww_series_json(s, NULL, 60);
	assert_int_equal(start_of(j), T0);   /* no points before the first */
	assert_points(j, names[0], want0, 4);
	assert_points(j, names[3], want3, 4);
	json_decref(j);
	ww_series_free(s);
}

/* 25 pushes into 10 slots: the last 10 remain, oldest first. */
static void
test_wrap(void **state)
{
	struct ww_series *s = ww_series_create(names, NB, 10);
	double want[10];
	json_t *j;

	assert_non_null(s);
	for (unsigned int k = 0; k < 25; k++)
		push_ok(s, T0 + k, k);
	for (unsigned int k = 0; k < 10; k++)
		want[k] = 15 + k;
	j = ww_series_json(s, "", 3600);             /* clamped to the ring */
	assert_int_equal(start_of(j), T0 + 15);
	assert_points(j, names[0], want, 10);
	json_decref(j);
	j = ww_series_json(s, NULL, 0);              /* 0: the whole ring */
	assert_points(j, names[0], want, 10);
	json_decref(j);
	/* a gap longer than the ring leaves only zeros before the push */
	push_ok(s, T0 + 100, 7);
	for (unsigned int k = 0; k < 9; k++)
		want[k] = 0;
	want[9] = 7;
	j = ww_series_json(s, NULL, 10);
	assert_int_equal(start_of(j), T0 + 91);
	assert_points(j, names[0], want, 10);
	json_decref(j);
	/* a gap shorter than the ring, across its end */
	push_ok(s, T0 + 105, 9);
	for (unsigned int k = 0; k < 10; k++)
		want[k] = 0;
	want[4] = 7;
	want[9] = 9;
	j = ww_series_json(s, NULL, 10);
	assert_int_equal(start_of(j), T0 + 96);
	assert_points(j, names[0], want, 10);
	json_decref(j);
	ww_series_free(s);
}

static void
test_window(void **state)
{
	struct ww_series *s = ww_series_create(names, NB, 3600);
	const double want[] = { 7, 8, 9 };
	json_t *j;

	assert_non_null(s);
	j = ww_series_json(s, NULL, 60);             /* nothing pushed yet */
	assert_int_equal(json_object_size(json_object_get(j, "series")), NB);
	assert_points(j, names[1], NULL, 0);
	json_decref(j);
	for (unsigned int k = 0; k < 10; k++)
		push_ok(s, T0 + k, k);
	j = ww_series_json(s, NULL, 3);
	assert_int_equal(start_of(j), T0 + 7);
	assert_points(j, names[0], want, 3);
	json_decref(j);
	j = ww_series_json(s, NULL, 1);
	assert_int_equal(start_of(j), T0 + 9);
	assert_points(j, names[0], want + 2, 1);
	json_decref(j);
	ww_series_free(s);
}

static void
test_prefix(void **state)
{
	struct ww_series *s = ww_series_create(names, NB, 60);
	json_t *j, *series;

	assert_non_null(s);
	push_ok(s, T0, 1);
	j = ww_series_json(s, "outside.", 60);
	series = json_object_get(j, "series");
	assert_int_equal(json_object_size(series), 2);
	assert_non_null(json_object_get(series, "outside.rx_pps"));
	assert_non_null(json_object_get(series, "outside.tx_pps"));
	json_decref(j);
	j = ww_series_json(s, "drops", 60);
	assert_int_equal(json_object_size(json_object_get(j, "series")), 1);
	json_decref(j);
	j = ww_series_json(s, "", 60);
	assert_int_equal(json_object_size(json_object_get(j, "series")), NB);
	json_decref(j);
	j = ww_series_json(s, "inside.", 60);
	assert_non_null(j);
	assert_int_equal(json_object_size(json_object_get(j, "series")), 0);
	json_decref(j);
	ww_series_free(s);
}

/* JSON has no NaN: such a value is a null point, and the rest prints. */
static void
test_not_a_number(void **state)
{
	struct ww_series *s = ww_series_create(names, NB, 60);
	double v[NB] = { NAN, INFINITY, 0.5, 3 };
	json_t *j, *a;
	char *text;

	assert_non_null(s);
	assert_int_equal(ww_series_push(s, T0, v), 0);
	j = ww_series_json(s, NULL, 60);
	a = json_object_get(j, "series");
	for (unsigned int i = 0; i < 2; i++)
		assert_true(json_is_null(json_array_get(
			json_object_get(a, names[i]), 0)));
	text = json_dumps(j, JSON_COMPACT);
	assert_non_null(text);
	assert_non_null(strstr(text, "\"ct.new_per_s\":[3.0]"));
	assert_non_null(strstr(text, "\"drops.policy-drop\":[0.5]"));
	free(text);
	json_decref(j);
	ww_series_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create),
		cmocka_unit_test(test_index),
		cmocka_unit_test(test_push_last),
		cmocka_unit_test(test_gap),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_prefix),
		cmocka_unit_test(test_not_a_number),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
