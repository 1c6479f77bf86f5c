/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/http's event export: CSV cells as RFC 4180 quotes them, with the
 * cells a spreadsheet would run as formulas defused; an event as a record
 * (fixed columns, every other key in "extra", values of each JSON type);
 * whole exports in CSV and JSON, text that is not an object left out, the
 * cap and its "truncated", and a buffer that grows past its first size. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "events_export.h"

#define HEADER "timestamp,level,category,event,src_ip,src_port,dest_ip," \
	       "dest_port,proto,count,in_port,detail,extra\r\n"

/* The buffer's bytes as a string (they hold no NUL here). */
static char *
text_of(struct ww_buf *b)
{
	char *s = calloc(1, b->len + 1);

	assert_non_null(s);
	assert_false(b->no_mem);
	memcpy(s, b->p, b->len);
	return s;
}

static void
check_cell(const char *in, size_t len, const char *want)
{
	struct ww_buf b = { 0 };
	char *got;

	ww_csv_cell(&b, in, len);
	got = text_of(&b);
	if (strcmp(got, want) != 0)
		fail_msg("cell \"%s\": got [%s], expected [%s]", in, got, want);
	free(got);
	ww_buf_free(&b);
}

#define CELL(in, want) check_cell((in), strlen(in), (want))

static void
test_cell_quoting(void **state)
{
	CELL("", "");
	CELL("plain text", "plain text");
	CELL("10.0.0.1", "10.0.0.1");
	CELL("2001:db8::1", "2001:db8::1");
	CELL("a,b", "\"a,b\"");
	CELL("say \"hi\"", "\"say \"\"hi\"\"\"");
	CELL("\"", "\"\"\"\"");
	CELL("\"\"x\"", "\"\"\"\"\"x\"\"\"");
	CELL("line\nbreak", "\"line\nbreak\"");
	CELL("cr\rlf\r\n", "\"cr\rlf\r\n\"");
	CELL("it's", "it's");
	/* only @p len bytes count */
	check_cell("ab,c", 2, "ab");
	check_cell("a\"b", 1, "a");
}

static void
test_cell_formulas(void **state)
{
	CELL("=1+1", "'=1+1");
	CELL("+1", "'+1");
	CELL("-1", "'-1");
	CELL("@SUM(A1:A9)", "'@SUM(A1:A9)");
	CELL("\tx", "'\tx");
	CELL("\rx", "\"'\rx\"");
	CELL("=HYPERLINK(\"http://evil.example\",\"x\")",
	     "\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\"");
	CELL("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0");
	/* only the first character makes a formula */
	CELL("a=1", "a=1");
	CELL("x-y", "x-y");
	CELL(" =1", " =1");
	CELL("'=1", "'=1");
}

static void
check_event(const char *json, const char *want)
{
	json_t *ev = json_loads(json, 0, NULL);
	struct ww_buf b = { 0 };
	char *got;

	assert_non_null(ev);
	ww_csv_event(&b, ev);
	got = text_of(&b);
	if (strcmp(got, want) != 0)
		fail_msg("event %s:\n got [%s]\nwant [%s]", json, got, want);
	free(got);
	ww_buf_free(&b);
	json_decref(ev);
}

static void
test_event_record(void **state)
{
	struct ww_buf b = { 0 };
	char *got;

	ww_csv_header(&b);
	got = text_of(&b);
	assert_string_equal(got, HEADER);
	free(got);
	ww_buf_free(&b);

	/* as wirewall writes one: fixed columns in their order whatever the
	 * event's, the rest in "extra" in the event's order */
	check_event("{\"timestamp\":\"2026-11-25T01:02:03.000004Z\","
		    "\"event_type\":\"alert\",\"event\":\"port-scan\","
		    "\"category\":\"scan\",\"level\":\"alert\","
		    "\"src_ip\":\"10.0.0.1\",\"dest_ip\":\"10.0.0.2\","
		    "\"proto\":6,\"src_port\":40000,\"dest_port\":22,"
		    "\"in_port\":\"outside\",\"count\":3,\"block_ttl\":600,"
		    "\"detail\":\"one source probed many destination ports\"}",
		    "2026-11-25T01:02:03.000004Z,alert,scan,port-scan,10.0.0.1,"
		    "40000,10.0.0.2,22,6,3,outside,one source probed many "
		    "destination ports,\"{\"\"event_type\"\":\"\"alert\"\","
		    "\"\"block_ttl\"\":600}\"\r\n");
	/* absent and null: empty; other types as JSON; formulas defused in
	 * any column */
	check_event("{\"level\":null,\"count\":1.5,\"proto\":true,"
		    "\"detail\":\"=2+3\",\"src_ip\":\"-1\","
		    "\"in_port\":[1,\"a\"],\"event\":{\"k\":\"v\"},"
		    "\"mac\":\"02:00:00:00:00:01\"}",
		    ",,,\"{\"\"k\"\":\"\"v\"\"}\",'-1,,,,true,1.5,"
		    "\"[1,\"\"a\"\"]\",'=2+3,"
		    "\"{\"\"mac\"\":\"\"02:00:00:00:00:01\"\"}\"\r\n");
	/* nothing at all: every cell empty, "extra" an empty object */
	check_event("{}", ",,,,,,,,,,,,{}\r\n");
	/* "extra" is an object: it begins with "{", never a formula */
	check_event("{\"x\":\"=bad\"}",
		    ",,,,,,,,,,,,\"{\"\"x\"\":\"\"=bad\"\"}\"\r\n");
}

/* Begin an export and add @p rows, each taken (0). */
static void
export_rows(struct ww_export *x, enum ww_export_format format, uint32_t max,
	    const char *const *rows, size_t n)
{
	ww_export_begin(x, format, max);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(ww_export_row(x, rows[i], strlen(rows[i])), 0);
}

/* End the export: its text must be @p want. */
static void
check_export(struct ww_export *x, const char *want)
{
	char *got;

	assert_int_equal(ww_export_end(x), 0);
	got = text_of(&x->buf);
	assert_string_equal(got, want);
	free(got);
	ww_buf_free(&x->buf);
}

static void
test_export_csv_json(void **state)
{
	static const char *const rows[] = {
		"{\"event\":\"a\",\"n\":1}",
		"{\"event\":\"b\",\"detail\":\"x,y\"}",
	};
	struct ww_export x;

	export_rows(&x, WW_EXPORT_CSV, 10, rows, 2);
	assert_int_equal(x.rows, 2);
	check_export(&x, HEADER
		     ",,,a,,,,,,,,,\"{\"\"n\"\":1}\"\r\n"
		     ",,,b,,,,,,,,\"x,y\",{}\r\n");

	export_rows(&x, WW_EXPORT_JSON, 10, rows, 2);
	check_export(&x, "[\n{\"event\":\"a\",\"n\":1},\n"
		     "{\"event\":\"b\",\"detail\":\"x,y\"}\n]\n");

	/* nothing: the header alone, an empty array */
	export_rows(&x, WW_EXPORT_CSV, 10, NULL, 0);
	check_export(&x, HEADER);
	export_rows(&x, WW_EXPORT_JSON, 10, NULL, 0);
	check_export(&x, "[]\n");
}

static void
test_export_not_objects(void **state)
{
	static const char *const rows[] = {
		"", "not json", "[1,2]", "\"text\"", "7", "null", "{\"a\":",
		"{\"event\":\"ok\"}",
	};
	struct ww_export x;

	export_rows(&x, WW_EXPORT_JSON, 10, rows,
		    sizeof(rows) / sizeof(rows[0]));
	assert_int_equal(x.rows, 1);
	check_export(&x, "[\n{\"event\":\"ok\"}\n]\n");
	/* only the row's bytes: what follows is not read */
	export_rows(&x, WW_EXPORT_JSON, 10, NULL, 0);
	assert_int_equal(ww_export_row(&x, "{\"a\":1}garbage", 7), 0);
	check_export(&x, "[\n{\"a\":1}\n]\n");
}

static void
test_export_cap(void **state)
{
	static const char *const rows[] = {
		"{\"event\":\"e\"}", "{\"event\":\"e\"}",
	};
	struct ww_export x;

	export_rows(&x, WW_EXPORT_CSV, 2, rows, 2);
	assert_false(x.truncated);
	/* one more than the cap: not written, and the export stops */
	assert_int_equal(ww_export_row(&x, rows[0], strlen(rows[0])), 1);
	assert_true(x.truncated);
	assert_int_equal(x.rows, 2);
	check_export(&x, HEADER ",,,e,,,,,,,,,{}\r\n,,,e,,,,,,,,,{}\r\n");
}

static void
test_buffer_grows(void **state)
{
	char row[512];
	struct ww_export x;
	size_t want = 1, len;
	int n;

	/* 20,000 rows of about 330 bytes: 6.6 MB, many times the first
	 * allocation */
	ww_export_begin(&x, WW_EXPORT_JSON, 100000);
	for (int i = 0; i < 20000; i++) {
		n = snprintf(row, sizeof(row), "{\"n\":%d,\"detail\":\"%0300d\"}",
			     i, i);
		len = (size_t)n;
		assert_int_equal(ww_export_row(&x, row, len), 0);
		want += len + (i > 0 ? 2 : 1);
	}
	assert_int_equal(ww_export_end(&x), 0);
	want += 3;
	assert_int_equal(x.buf.len, want);
	assert_true(x.buf.cap >= x.buf.len);
	assert_memory_equal(x.buf.p + x.buf.len - 3, "\n]\n", 3);
	ww_buf_free(&x.buf);
	assert_null(x.buf.p);
	assert_int_equal(x.buf.len, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cell_quoting),
		cmocka_unit_test(test_cell_formulas),
		cmocka_unit_test(test_event_record),
		cmocka_unit_test(test_export_csv_json),
		cmocka_unit_test(test_export_not_objects),
		cmocka_unit_test(test_export_cap),
		cmocka_unit_test(test_buffer_grows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
