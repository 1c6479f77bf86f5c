/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/events: add, flush and query with every filter and the page; query
 * objects refused; retention by age and by row count (also at open); the
 * buffer bound; files that are not wirewall's refused untouched; the JSON
 * lines file; syslog messages received on a local UDP socket and taken
 * apart; adds and queries from two threads; exports (the query's rows,
 * one read while a writer commits); and the store after kill -9
 * of a process committing batches (integrity, no half batch, nothing
 * reported committed lost). */
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "ut_tmpdir.h"
#include <jansson.h>
#include <sqlite3.h>

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif

#include "events.h"

#define ERR_SIZE 512
#define END -1          /* ends a list of event numbers */

static char dir[] = "/tmp/ww_test_events.XXXXXX";

/* ---- helpers ---- */

static void
mkpath(char *out, const char *name)
{
	snprintf(out, PATH_MAX, "%s/%s", dir, name);
}

static struct ww_events *
open_ok(const struct ww_events_params *p)
{
	char err[ERR_SIZE] = "";
	struct ww_events *e = ww_events_open(p, err, sizeof(err));

	if (e == NULL)
		fail_msg("open: %s", err);
	return e;
}

/* An alert numbered @p n ("n" finds it again in query answers). */
static json_t *
event(int n, const char *cat, const char *level, const char *kind,
      const char *src, const char *dst)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i}",
			      "timestamp", "2026-11-25T01:02:03.123456+0000",
			      "event_type", "alert", "event", kind,
			      "category", cat, "level", level, "n", n);

	assert_non_null(o);
	if (src != NULL)
		json_object_set_new(o, "src_ip", json_string(src));
	if (dst != NULL)
		json_object_set_new(o, "dest_ip", json_string(dst));
	return o;
}

static void
add_ok(struct ww_events *e, json_t *ev, double t)
{
	assert_int_equal(ww_events_add(e, ev, t), 0);
	json_decref(ev);
}

static json_t *
parse(const char *text)
{
	json_error_t je;
	json_t *j = json_loads(text, JSON_DECODE_ANY, &je);

	if (j == NULL)
		fail_msg("%s: %s", text, je.text);
	return j;
}

static json_t *
query_ok(struct ww_events *e, const char *text)
{
	char err[ERR_SIZE] = "";
	json_t *q = parse(text), *r;

	r = ww_events_query(e, q, err, sizeof(err));
	if (r == NULL)
		fail_msg("query %s: %s", text, err);
	json_decref(q);
	return r;
}

/* The answer to @p text has @p total and the events numbered as listed,
 * in that order. */
static void
check_query(struct ww_events *e, const char *text, long total, ...)
{
	json_t *r = query_ok(e, text), *items = json_object_get(r, "items");
	size_t i = 0;
	va_list ap;
	int n;

	if (json_integer_value(json_object_get(r, "total")) != total)
		fail_msg("%s: total %lld, expected %ld", text,
			 (long long)json_integer_value(json_object_get(r, "total")),
			 total);
	va_start(ap, total);
	while ((n = va_arg(ap, int)) != END) {
		json_t *it = json_array_get(items, i++);

		if (json_integer_value(json_object_get(it, "n")) != n)
			fail_msg("%s: item %zu is %lld, expected %d", text,
				 i - 1,
				 (long long)json_integer_value(
					 json_object_get(it, "n")), n);
	}
	va_end(ap);
	if (json_array_size(items) != i)
		fail_msg("%s: %zu items, expected %zu", text,
			 json_array_size(items), i);
	json_decref(r);
}

static void
check_refused(struct ww_events *e, const char *text, const char *why)
{
	char err[ERR_SIZE] = "";
	json_t *q = parse(text);

	errno = 0;
	assert_null(ww_events_query(e, q, err, sizeof(err)));
	assert_int_equal(errno, EINVAL);
	if (strcmp(err, why) != 0)
		fail_msg("query %s: \"%s\", expected \"%s\"", text, err, why);
	json_decref(q);
}

static int64_t
sql_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *text;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)n + 1);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return text;
}

static bool
exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* ---- the store: round trip, filters, the page ---- */

static void
add_sample(struct ww_events *e)
{
	add_ok(e, event(0, "scan", "alert", "port-scan", "10.0.0.1",
			"10.0.0.2"), 1000);
	add_ok(e, event(1, "flood", "warning", "syn-flood", "10.0.0.3",
			"10.0.0.1"), 1001);
	add_ok(e, event(2, "scan", "notice", "host-scan", "10.0.0.4",
			"10.0.0.5"), 1002);
	add_ok(e, event(3, "arp", "alert", "arp-spoof", NULL, NULL), 1003);
	add_ok(e, event(4, "flood", "warning", "udp-flood", "2001:db8::1",
			"2001:db8::2"), 1004.25);
	add_ok(e, event(5, "scan", "alert", "port-scan", "10.0.0.1",
			"10.0.0.9"), 1005);
	/* the same time as 5, added later: newer */
	add_ok(e, event(6, "scan", "info", "probe", NULL, NULL), 1005);
}

static void
test_round_trip(void **state)
{
	struct ww_events_params p = { 0 };
	struct ww_events_stats st;
	char path[PATH_MAX];
	struct ww_events *e;
	json_t *r, *ev;

	mkpath(path, "round.db");
	p.db_path = path;
	e = open_ok(&p);
	add_sample(e);
	check_query(e, "{}", 0, END);   /* buffered, not stored yet */
	assert_int_equal(ww_events_flush(e), 7);
	assert_int_equal(ww_events_flush(e), 0);

	check_query(e, "{}", 7, 6, 5, 4, 3, 2, 1, 0, END);
	check_query(e, "{\"since\": 1002}", 5, 6, 5, 4, 3, 2, END);
	check_query(e, "{\"until\": 1001}", 2, 1, 0, END);
	check_query(e, "{\"since\": 1001.5, \"until\": 1004.25}", 3, 4, 3, 2,
		    END);
	check_query(e, "{\"category\": \"scan\"}", 4, 6, 5, 2, 0, END);
	check_query(e, "{\"level\": \"warning\"}", 2, 4, 1, END);
	check_query(e, "{\"event\": \"port-scan\"}", 2, 5, 0, END);
	check_query(e, "{\"addr\": \"10.0.0.1\"}", 3, 5, 1, 0, END);
	check_query(e, "{\"addr\": \"10.0.0.5\"}", 1, 2, END);
	/* the same address written another way */
	check_query(e, "{\"addr\": \"2001:DB8:0:0::2\"}", 1, 4, END);
	check_query(e, "{\"category\": \"scan\", \"addr\": \"10.0.0.1\","
		    " \"since\": 1001, \"level\": \"alert\","
		    " \"event\": \"port-scan\", \"until\": 2000}", 1, 5, END);
	/* every set of filters: each is a statement of its own */
	for (unsigned int shape = 0; shape < 64; shape++) {
		static const char *const part[] = {
			"\"since\": 1005", "\"until\": 1005",
			"\"category\": \"scan\"", "\"level\": \"alert\"",
			"\"event\": \"port-scan\"", "\"addr\": \"10.0.0.9\"",
		};
		char text[256] = "{";

		for (int i = 0; i < 6; i++)
			if (shape & (1u << i))
				snprintf(text + strlen(text),
					 sizeof(text) - strlen(text), "%s%s",
					 text[1] != '\0' ? ", " : "", part[i]);
		strcat(text, ", \"offset\": 0, \"limit\": 1}");
		if (shape == 0)
			strcpy(text, "{\"offset\": 0, \"limit\": 1}");
		r = query_ok(e, text);
		assert_int_equal(json_integer_value(json_object_get(
			json_array_get(json_object_get(r, "items"), 0), "n")),
			(shape & 0x38) != 0 ? 5 : 6);
		json_decref(r);
	}
	check_query(e, "{\"category\": \"none\"}", 0, END);
	check_query(e, "{\"category\": \"scan' OR '1'='1\"}", 0, END);
	/* the page */
	check_query(e, "{\"limit\": 2}", 7, 6, 5, END);
	check_query(e, "{\"limit\": 2, \"offset\": 2}", 7, 4, 3, END);
	check_query(e, "{\"offset\": 6, \"limit\": 10}", 7, 0, END);
	check_query(e, "{\"offset\": 7}", 7, END);
	check_query(e, "{\"category\": \"scan\", \"limit\": 1, \"offset\": 1}",
		    4, 5, END);

	r = query_ok(e, "{\"offset\": 3}");
	assert_int_equal(json_integer_value(json_object_get(r, "offset")), 3);
	assert_int_equal(json_integer_value(json_object_get(r, "limit")), 100);
	/* an item is the event as added, every field */
	ev = event(3, "arp", "alert", "arp-spoof", NULL, NULL);
	assert_true(json_equal(json_array_get(json_object_get(r, "items"), 0),
			       ev));
	json_decref(ev);
	json_decref(r);
	r = ww_events_query(e, NULL, NULL, 0);
	assert_int_equal(json_integer_value(json_object_get(r, "total")), 7);
	json_decref(r);

	ww_events_get_stats(e, &st);
	assert_int_equal(st.added, 7);
	assert_int_equal(st.stored, 7);
	assert_int_equal(st.rows, 7);
	assert_int_equal(st.dropped + st.expired, 0);
	ww_events_close(e);

	/* closed and opened again: all there */
	e = open_ok(&p);
	check_query(e, "{\"limit\": 3}", 7, 6, 5, 4, END);
	ww_events_get_stats(e, &st);
	assert_int_equal(st.rows, 7);
	ww_events_close(e);
}

static void
test_query_refused(void **state)
{
	static const char *const bad[][2] = {
		{ "{\"foo\": 1}", "unknown key \"foo\" (expected one of: "
		  "since, until, category, level, event, addr, offset, limit)" },
		{ "{\"since\": \"yesterday\"}", "since: expected a number" },
		{ "{\"until\": true}", "until: expected a number" },
		{ "{\"category\": 5}", "category: expected a string" },
		{ "{\"level\": [\"alert\"]}", "level: expected a string" },
		{ "{\"event\": {}}", "event: expected a string" },
		{ "{\"addr\": null}", "addr: expected a string" },
		{ "{\"limit\": 1.5}", "limit: expected an integer" },
		{ "{\"offset\": \"2\"}", "offset: expected an integer" },
		{ "{\"limit\": 0}", "limit: expected 1 to 1000, not 0" },
		{ "{\"limit\": 1001}", "limit: expected 1 to 1000, not 1001" },
		{ "{\"offset\": -1}", "offset: expected 0 or more, not -1" },
		{ "[]", "query: expected an object" },
		{ "\"since\"", "query: expected an object" },
	};
	struct ww_events_params p = { 0 };
	char path[PATH_MAX];
	struct ww_events *e;

	mkpath(path, "refused.db");
	p.db_path = path;
	e = open_ok(&p);
	add_sample(e);
	ww_events_flush(e);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		check_refused(e, bad[i][0], bad[i][1]);
	/* the edges that are fine */
	check_query(e, "{\"limit\": 1000, \"offset\": 0}", 7, 6, 5, 4, 3, 2,
		    1, 0, END);
	check_query(e, "{\"limit\": 1, \"since\": 1005, \"until\": 1005.0}",
		    2, 6, END);
	ww_events_close(e);
}

/* ---- retention ---- */

static void
test_retention_age(void **state)
{
	struct ww_events_params p = { .max_age_s = 100, .batch_max = 64 };
	struct ww_events_stats st;
	char path[PATH_MAX];
	struct ww_events *e;
	int t;

	mkpath(path, "age.db");
	p.db_path = path;
	e = open_ok(&p);
	for (t = 0; t < 300; t++)
		add_ok(e, event(t, "scan", "info", "probe", NULL, NULL), t);
	assert_true(ww_events_flush(e) >= 0);
	/* now = 299, the newest: time < 199 goes */
	ww_events_get_stats(e, &st);
	assert_int_equal(st.rows, 101);
	assert_int_equal(st.expired, 199);
	assert_int_equal(st.stored, 300);
	check_query(e, "{\"limit\": 1, \"offset\": 100}", 101, 199, END);
	check_query(e, "{\"limit\": 1}", 101, 299, END);
	ww_events_close(e);

	/* opened with a shorter age: applied at once */
	p.max_age_s = 10;
	e = open_ok(&p);
	ww_events_get_stats(e, &st);
	assert_int_equal(st.rows, 11);
	assert_int_equal(st.expired, 90);
	check_query(e, "{\"limit\": 1, \"offset\": 10}", 11, 289, END);
	ww_events_close(e);
}

static void
test_retention_rows(void **state)
{
	struct ww_events_params p = { .max_rows = 1000 };
	struct ww_events_stats st;
	char path[PATH_MAX];
	struct ww_events *e;
	sqlite3 *db;
	int i;

	mkpath(path, "rows.db");
	p.db_path = path;
	e = open_ok(&p);
	for (i = 0; i < 20000; i++)
		add_ok(e, event(i, i % 2 ? "scan" : "flood", "info", "probe",
				NULL, NULL), 1e9 + i * 0.001);
	assert_true(ww_events_flush(e) >= 0);
	ww_events_get_stats(e, &st);
	assert_int_equal(st.added, 20000);
	assert_int_equal(st.stored, 20000);
	assert_int_equal(st.rows, 1000);
	assert_int_equal(st.expired, 19000);
	/* the newest kept */
	check_query(e, "{\"limit\": 1}", 1000, 19999, END);
	check_query(e, "{\"limit\": 1, \"offset\": 999}", 1000, 19000, END);
	check_query(e, "{\"category\": \"scan\", \"limit\": 1}", 500, 19999,
		    END);
	ww_events_close(e);

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM events"), 1000);
	assert_int_equal(sql_int(db, "SELECT min(json_extract(json, '$.n')) FROM events"),
			 19000);
	sqlite3_close(db);

	/* fewer rows allowed at the next start: the oldest go */
	p.max_rows = 10;
	e = open_ok(&p);
	check_query(e, "{\"limit\": 1, \"offset\": 9}", 10, 19990, END);
	ww_events_close(e);
}

/* ---- the buffer bound ---- */

static void
test_buffer_full(void **state)
{
	struct ww_events_params p = { .batch_max = 10, .buffer_max = 20 };
	char path[PATH_MAX], lines[PATH_MAX], *text;
	struct ww_events_stats st;
	struct ww_events *e;
	sqlite3 *other;
	size_t nl = 0;
	int i, ret;

	mkpath(path, "full.db");
	mkpath(lines, "full.jsonl");
	p.db_path = path;
	p.jsonl_path = lines;
	e = open_ok(&p);
	/* another process holds the write lock: flushes fail, rows wait */
	assert_int_equal(sqlite3_open(path, &other), SQLITE_OK);
	assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL,
				      NULL), SQLITE_OK);
	for (i = 0; i < 25; i++) {
		json_t *ev = event(i, "scan", "info", "probe", NULL, NULL);

		ret = ww_events_add(e, ev, 1000 + i);
		json_decref(ev);
		assert_int_equal(ret, i < 20 ? 0 : -ENOBUFS);
	}
	assert_int_equal(ww_events_flush(e), -EBUSY);
	ww_events_get_stats(e, &st);
	assert_int_equal(st.added, 25);
	assert_int_equal(st.dropped, 5);
	assert_int_equal(st.stored, 0);
	/* the JSON lines had every event, stored or not */
	text = slurp(lines);
	for (char *c = text; *c != '\0'; c++)
		nl += *c == '\n';
	assert_int_equal(nl, 25);
	free(text);

	assert_int_equal(sqlite3_exec(other, "COMMIT", NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(other);
	assert_int_equal(ww_events_flush(e), 20);
	check_query(e, "{\"limit\": 1}", 20, 19, END);
	ww_events_get_stats(e, &st);
	assert_int_equal(st.stored, 20);
	assert_int_equal(st.rows, 20);
	ww_events_close(e);
}

/* ---- files that are not ours ---- */

static void
check_open_refused(const char *path, int err_no, const char *why)
{
	struct ww_events_params p = { .db_path = path };
	char err[ERR_SIZE] = "";

	errno = 0;
	assert_null(ww_events_open(&p, err, sizeof(err)));
	assert_int_equal(errno, err_no);
	if (strstr(err, why) == NULL || strstr(err, path) == NULL)
		fail_msg("%s: \"%s\", expected \"%s\"", path, err, why);
}

static void
test_not_wirewall_db(void **state)
{
	char path[PATH_MAX], wal[PATH_MAX + 8], *text;
	struct ww_events_params p = { 0 };
	struct ww_events *e;
	sqlite3 *db;
	FILE *f;

	/* not SQLite at all */
	mkpath(path, "text.db");
	f = fopen(path, "w");
	assert_non_null(f);
	for (int i = 0; i < 200; i++)
		fputs("this is a text file, not a database\n", f);
	fclose(f);
	check_open_refused(path, EINVAL, "not an SQLite database");
	text = slurp(path);
	assert_memory_equal(text, "this is a text", 14);
	free(text);

	/* somebody else's SQLite: left as it was */
	mkpath(path, "other.db");
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE events (x);"
				      "INSERT INTO events VALUES (1);",
				      NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	check_open_refused(path, EINVAL, "not a wirewall event store");
	snprintf(wal, sizeof(wal), "%s-wal", path);
	assert_false(exists(wal));
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sql_int(db, "SELECT count(*) FROM events"), 1);
	assert_int_equal(sql_int(db, "SELECT x FROM events"), 1);
	sqlite3_close(db);

	/* ours, from a later version */
	mkpath(path, "later.db");
	p.db_path = path;
	ww_events_close(open_ok(&p));
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sql_int(db, "PRAGMA application_id"), 0x77774576);
	assert_int_equal(sql_int(db, "PRAGMA user_version"), 1);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 2", NULL,
				      NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	check_open_refused(path, EINVAL, "version 2");

	/* an empty file is a new database */
	mkpath(path, "empty.db");
	f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	p.db_path = path;
	e = open_ok(&p);
	ww_events_close(e);

	mkpath(path, "no/such/dir.db");
	check_open_refused(path, ENOENT, "cannot open");
}

/* ---- JSON lines ---- */

static void
test_jsonl(void **state)
{
	struct ww_events_params p = { 0 };
	char path[PATH_MAX], err[ERR_SIZE], *text, *line, *save = NULL;
	struct ww_events *e;
	json_t *ev[4];
	int n = 0;

	mkpath(path, "events.jsonl");
	p.jsonl_path = path;
	e = open_ok(&p);
	for (int i = 0; i < 3; i++) {
		ev[i] = event(i, "scan", "alert", "port-scan", "10.0.0.1",
			      "10.0.0.2");
		json_object_set_new(ev[i], "detail",
				    json_string("two\nlines, \"quoted\""));
		assert_int_equal(ww_events_add(e, ev[i], 1000 + i), 0);
	}
	assert_int_equal(ww_events_flush(e), 0);
	/* no store: nothing to query */
	errno = 0;
	assert_null(ww_events_query(e, NULL, err, sizeof(err)));
	assert_int_equal(errno, ENOTSUP);
	ww_events_close(e);
	/* appended, not replaced */
	e = open_ok(&p);
	ev[3] = event(3, "flood", "info", "udp-flood", NULL, NULL);
	assert_int_equal(ww_events_add(e, ev[3], 1003), 0);
	ww_events_close(e);

	text = slurp(path);
	for (line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save), n++) {
		char *want = json_dumps(ev[n], JSON_COMPACT |
					JSON_PRESERVE_ORDER);

		assert_true(n < 4);
		assert_string_equal(line, want);
		free(want);
	}
	assert_int_equal(n, 4);
	free(text);
	for (int i = 0; i < 4; i++)
		json_decref(ev[i]);
}

/* ---- syslog ---- */

static int
udp_listener(int *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

static size_t
receive(int fd, char *buf, size_t size)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t n;

	assert_int_equal(poll(&pfd, 1, 5000), 1);
	n = recv(fd, buf, size - 1, 0);
	assert_true(n > 0);
	buf[n] = '\0';
	return (size_t)n;
}

/* The header's fields, the structured data and the message of one
 * RFC 5424 line; the SD is copied as it is (escaped). */
struct msg {
	int pri, version;
	char ts[64], host[256], app[64], procid[32], msgid[64];
	char sd[2048];
	const char *text;
};

static void
split_msg(char *buf, struct msg *m)
{
	char *p, *end;
	int used = 0;

	assert_int_equal(sscanf(buf, "<%d>%d %63s %255s %63s %31s %63s %n",
				&m->pri, &m->version, m->ts, m->host, m->app,
				m->procid, m->msgid, &used), 7);
	p = buf + used;
	if (*p == '-') {
		strcpy(m->sd, "-");
		end = p + 1;
	} else {
		assert_int_equal(*p, '[');
		/* the SD ends at the first ']' without a backslash */
		for (end = p + 1; *end != ']'; end++) {
			assert_true(*end != '\0');
			if (*end == '\\')
				end++;
		}
		end++;
		assert_true((size_t)(end - p) < sizeof(m->sd));
		memcpy(m->sd, p, (size_t)(end - p));
		m->sd[end - p] = '\0';
	}
	assert_int_equal(*end, ' ');
	m->text = end + 1;
}

static struct ww_events *
open_syslog(int port)
{
	struct ww_events_params p = { .hostname = "fw1" };
	char server[64];

	snprintf(server, sizeof(server), "127.0.0.1:%d", port);
	p.syslog_server = server;
	return open_ok(&p);
}

static void
test_syslog_message(void **state)
{
	char buf[9000], procid[32];
	struct ww_events_stats st;
	struct ww_events *e;
	json_t *ev, *got;
	struct msg m;
	int fd, port;

	fd = udp_listener(&port);
	e = open_syslog(port);
	ev = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:i, s:i,"
		       " s:i, s:s}",
		       "timestamp", "2023-11-14T22:13:20.250000+0000",
		       "event_type", "alert", "event", "port-scan",
		       "category", "scan", "level", "alert",
		       "src_ip", "10.0.0.1", "src_port", 1234,
		       "dest_ip", "10.0.0.2", "dest_port", 80, "proto", 6,
		       "count", 3,
		       "detail", "said \"hi\" [x] back\\slash ]");
	assert_int_equal(ww_events_add(e, ev, 1700000000.25), 0);
	receive(fd, buf, sizeof(buf));
	split_msg(buf, &m);
	assert_int_equal(m.pri, 16 * 8 + 1);          /* local0.alert */
	assert_int_equal(m.version, 1);
	assert_string_equal(m.ts, "2023-11-14T22:13:20.250000Z");
	assert_string_equal(m.host, "fw1");
	assert_string_equal(m.app, "wirewall");
	snprintf(procid, sizeof(procid), "%d", (int)getpid());
	assert_string_equal(m.procid, procid);
	assert_string_equal(m.msgid, "port-scan");
	assert_string_equal(m.sd,
		"[wirewall@32473 event_type=\"alert\" category=\"scan\""
		" level=\"alert\" src_ip=\"10.0.0.1\" src_port=\"1234\""
		" dest_ip=\"10.0.0.2\" dest_port=\"80\" proto=\"6\""
		" count=\"3\""
		" detail=\"said \\\"hi\\\" [x\\] back\\\\slash \\]\"]");
	/* MSG: the event as compact JSON, no BOM */
	assert_true((unsigned char)m.text[0] == '{');
	assert_null(strchr(m.text, '\n'));
	got = parse(m.text);
	assert_true(json_equal(got, ev));
	json_decref(got);
	json_decref(ev);
	ww_events_get_stats(e, &st);
	assert_int_equal(st.syslog_sent, 1);
	assert_int_equal(st.syslog_errors, 0);
	ww_events_close(e);
	close(fd);
}

static void
test_syslog_severity(void **state)
{
	static const struct {
		const char *level;
		int pri;
	} cases[] = {
		{ "emergency", 128 }, { "alert", 129 }, { "critical", 130 },
		{ "error", 131 }, { "warning", 132 }, { "notice", 133 },
		{ "info", 134 }, { "debug", 135 }, { "loud", 134 },
		{ NULL, 134 },
	};
	struct ww_events_stats st;
	struct ww_events *e;
	char buf[9000];
	struct msg m;
	int fd, port;
	json_t *ev;

	fd = udp_listener(&port);
	e = open_syslog(port);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ev = json_object();
		if (cases[i].level != NULL)
			json_object_set_new(ev, "level",
					    json_string(cases[i].level));
		assert_int_equal(ww_events_add(e, ev, 1e9), 0);
		json_decref(ev);
		receive(fd, buf, sizeof(buf));
		split_msg(buf, &m);
		assert_int_equal(m.pri, cases[i].pri);
		assert_string_equal(m.msgid, "-");       /* no "event" */
	}
	/* no field for the structured data, a kind with a space */
	ev = json_pack("{s:s, s:b}", "event", "odd kind", "flag", 1);
	assert_int_equal(ww_events_add(e, ev, 1e9), 0);
	json_decref(ev);
	receive(fd, buf, sizeof(buf));
	split_msg(buf, &m);
	assert_string_equal(m.msgid, "odd_kind");
	assert_string_equal(m.sd, "-");
	assert_string_equal(m.text, "{\"event\":\"odd kind\",\"flag\":true}");

	/* nobody listens any more: errors counted, add() does not fail */
	close(fd);
	for (int i = 0; i < 50; i++) {
		ev = json_pack("{s:s}", "level", "info");
		assert_int_equal(ww_events_add(e, ev, 1e9), 0);
		json_decref(ev);
		ww_events_get_stats(e, &st);
		if (st.syslog_errors > 0)
			break;
		usleep(10000);
	}
	assert_true(st.syslog_errors > 0);
	assert_int_equal(st.syslog_sent + st.syslog_errors, st.added);
	ww_events_close(e);
}

static void
test_syslog_server(void **state)
{
	static const char *const bad[][2] = {
		{ "127.0.0.1:0", "port: expected 1 to 65535" },
		{ "127.0.0.1:65536", "port: expected 1 to 65535" },
		{ "127.0.0.1:x", "port: expected 1 to 65535" },
		{ "::1:514", "an IPv6 address goes in brackets" },
		{ "[::1", "expected [IPv6]:PORT" },
		{ "[::1]514", "expected [IPv6]:PORT" },
		{ ":514", "no host" },
		{ "[]:514", "no host" },
	};
	struct ww_events_params p = { 0 };
	char err[ERR_SIZE], server[64];
	struct ww_events *e;
	int fd, port;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		p.syslog_server = bad[i][0];
		err[0] = '\0';
		assert_null(ww_events_open(&p, err, sizeof(err)));
		if (strstr(err, bad[i][1]) == NULL ||
		    strstr(err, bad[i][0]) == NULL)
			fail_msg("%s: \"%s\", expected \"%s\"", bad[i][0], err,
				 bad[i][1]);
	}
	/* a name, resolved at open */
	fd = udp_listener(&port);
	snprintf(server, sizeof(server), "localhost:%d", port);
	p.syslog_server = server;
	e = open_ok(&p);
	ww_events_close(e);
	close(fd);
}

/* ---- threads ---- */

#define THREAD_EVENTS 3000

static void *
adder(void *arg)
{
	struct ww_events *e = arg;

	for (int i = 0; i < THREAD_EVENTS; i++) {
		json_t *ev = event(i, "scan", "info", "probe", NULL, NULL);

		if (ww_events_add(e, ev, 1000 + i) != 0)
			abort();
		json_decref(ev);
		if (i % 100 == 99 && ww_events_flush(e) < 0)
			abort();
	}
	return NULL;
}

static void
test_threads(void **state)
{
	struct ww_events_params p = { 0 };
	char path[PATH_MAX];
	struct ww_events *e;
	json_int_t total, last = 0;
	pthread_t t;
	json_t *r;

	mkpath(path, "threads.db");
	p.db_path = path;
	e = open_ok(&p);
	assert_int_equal(pthread_create(&t, NULL, adder, e), 0);
	do {
		r = query_ok(e, "{\"category\": \"scan\", \"limit\": 5}");
		total = json_integer_value(json_object_get(r, "total"));
		/* whole batches only, never fewer than before */
		assert_int_equal(total % 100, 0);
		assert_true(total >= last);
		assert_true(json_array_size(json_object_get(r, "items")) ==
			    (total < 5 ? (size_t)total : 5));
		last = total;
		json_decref(r);
	} while (total < THREAD_EVENTS);
	pthread_join(t, NULL);
	ww_events_close(e);
}

/* ---- exports ---- */

struct collected {
	json_t *rows;
	size_t stop_at;          /* 0: never stop */
};

static int
collect(void *ctx, const char *json, size_t len)
{
	struct collected *c = ctx;
	json_t *j = json_loadb(json, len, 0, NULL);

	assert_non_null(j);
	assert_int_equal(json[len], '\0');
	assert_int_equal(json_array_append_new(c->rows, j), 0);
	return json_array_size(c->rows) == c->stop_at;
}

/* Export @p text (at most @p max rows, stopping after @p stop_at) and
 * return the rows; ww_events_export() must say how many it handed over. */
static json_t *
export_ok(struct ww_events *e, const char *text, uint32_t max,
	  size_t stop_at)
{
	struct collected c = { .rows = json_array(), .stop_at = stop_at };
	char err[ERR_SIZE] = "";
	json_t *q = parse(text);
	int64_t n = ww_events_export(e, q, max, collect, &c, err, sizeof(err));

	if (n < 0)
		fail_msg("export %s: %s", text, err);
	assert_int_equal(n, json_array_size(c.rows));
	json_decref(q);
	return c.rows;
}

/* The export of @p filters (an object's inside) is the query's items (all
 * on one page). */
static void
check_export_equal(struct ww_events *e, const char *filters)
{
	char text[256];
	json_t *r, *rows;

	snprintf(text, sizeof(text), "{%s}", filters);
	rows = export_ok(e, text, 100000, 0);
	snprintf(text, sizeof(text), "{%s%s\"limit\": 1000}", filters,
		 filters[0] != '\0' ? ", " : "");
	r = query_ok(e, text);
	if (!json_equal(rows, json_object_get(r, "items")))
		fail_msg("export {%s}: not the query's items", filters);
	json_decref(r);
	json_decref(rows);
}

static void
check_export_refused(struct ww_events *e, const char *text, const char *why)
{
	char err[ERR_SIZE] = "";
	struct collected c = { .rows = json_array() };
	json_t *q = parse(text);

	assert_int_equal(ww_events_export(e, q, 10, collect, &c, err,
					  sizeof(err)), -EINVAL);
	if (strstr(err, why) == NULL)
		fail_msg("export %s: \"%s\", expected \"%s\"", text, err, why);
	assert_int_equal(json_array_size(c.rows), 0);
	json_decref(c.rows);
	json_decref(q);
}

static void *
exporter(void *arg)
{
	struct ww_events *e = arg;
	size_t n;

	/* Each export is one read: whole batches only, however the adder
	 * goes on meanwhile. */
	do {
		json_t *rows = export_ok(e, "{\"category\": \"scan\"}", 100000,
					 0);

		n = json_array_size(rows);
		assert_int_equal(n % 100, 0);
		for (size_t i = 0; i < n; i++)
			assert_int_equal(json_integer_value(json_object_get(
				json_array_get(rows, i), "n")),
				(json_int_t)(n - 1 - i));
		json_decref(rows);
	} while (n < THREAD_EVENTS);
	return NULL;
}

static void
test_export(void **state)
{
	struct ww_events_params p = { 0 };
	char path[PATH_MAX], err[ERR_SIZE];
	struct ww_events *e;
	pthread_t t;
	json_t *rows;

	mkpath(path, "export.db");
	p.db_path = path;
	e = open_ok(&p);
	add_sample(e);
	assert_int_equal(ww_events_flush(e), 7);
	check_export_equal(e, "");
	check_export_equal(e, "\"since\": 1002");
	check_export_equal(e, "\"category\": \"scan\"");
	check_export_equal(e, "\"addr\": \"10.0.0.1\"");
	check_export_equal(e, "\"addr\": \"2001:DB8:0:0::2\"");
	check_export_equal(e, "\"category\": \"scan\", \"addr\": \"10.0.0.1\","
			   " \"since\": 1001, \"level\": \"alert\","
			   " \"event\": \"port-scan\", \"until\": 2000");
	check_export_equal(e, "\"category\": \"none\"");
	/* at most max, the newest; fn may stop it earlier */
	rows = export_ok(e, "{}", 3, 0);
	assert_int_equal(json_array_size(rows), 3);
	assert_int_equal(json_integer_value(json_object_get(
		json_array_get(rows, 2), "n")), 4);
	json_decref(rows);
	rows = export_ok(e, "{}", 100, 2);
	assert_int_equal(json_array_size(rows), 2);
	json_decref(rows);
	rows = export_ok(e, "{}", 0, 0);
	assert_int_equal(json_array_size(rows), 0);
	json_decref(rows);
	/* the page is not an export's */
	check_export_refused(e, "{\"limit\": 5}", "limit: not with an export");
	check_export_refused(e, "{\"offset\": 0}", "offset: not with an export");
	check_export_refused(e, "{\"src\": \"x\"}", "unknown key \"src\"");
	check_export_refused(e, "{\"since\": \"x\"}", "since: expected a number");
	assert_int_equal(ww_events_export(NULL, NULL, 1, collect, NULL, err,
					  sizeof(err)), -EINVAL);
	assert_int_equal(ww_events_export(e, NULL, 1, NULL, NULL, err,
					  sizeof(err)), -EINVAL);
	ww_events_close(e);

	/* more than a query's page, exported while a writer commits */
	mkpath(path, "export-threads.db");
	e = open_ok(&p);
	assert_int_equal(pthread_create(&t, NULL, adder, e), 0);
	exporter(e);
	pthread_join(t, NULL);
	ww_events_close(e);

	/* no database: nothing to export */
	mkpath(path, "export.jsonl");
	p = (struct ww_events_params){ .jsonl_path = path };
	e = open_ok(&p);
	assert_int_equal(ww_events_export(e, NULL, 1, collect, NULL, err,
					  sizeof(err)), -ENOTSUP);
	ww_events_close(e);
}

/* ---- kill -9 while committing ---- */

#define CRASH_BATCH 100

/* The child: batches of CRASH_BATCH, each committed, the total reported
 * after each commit. Never returns. */
static void
crash_child(const char *path, int out)
{
	struct ww_events_params p = { .db_path = path };
	char err[ERR_SIZE];
	struct ww_events *e = ww_events_open(&p, err, sizeof(err));
	uint64_t committed = 0;
	json_t *ev;
	int n;

	if (e == NULL)
		_exit(2);
	for (int i = 0;; i++) {
		ev = event(i, "scan", "alert", "port-scan", "10.0.0.1",
			   "10.0.0.2");
		json_object_set_new(ev, "detail", json_string(
			"padding to make the rows a realistic size: a port "
			"scan from 10.0.0.1 towards 10.0.0.2, 25 ports"));
		if (ww_events_add(e, ev, 1e9 + i) != 0)
			_exit(3);
		json_decref(ev);
		if (i % CRASH_BATCH != CRASH_BATCH - 1)
			continue;
		n = ww_events_flush(e);
		if (n != CRASH_BATCH)
			_exit(4);
		committed += (uint64_t)n;
		if (write(out, &committed, sizeof(committed)) !=
		    sizeof(committed))
			_exit(5);
	}
}

static uint64_t
crash_run(const char *path, unsigned int delay_ms)
{
	uint64_t v, last = 0;
	int fds[2], status;
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		crash_child(path, fds[1]);
	}
	close(fds[1]);
	/* the first commit, then a random moment */
	assert_int_equal(read(fds[0], &last, sizeof(last)), sizeof(last));
	usleep(delay_ms * 1000);
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	/* writes of 8 bytes to a pipe are whole */
	while (read(fds[0], &v, sizeof(v)) == sizeof(v))
		last = v;
	close(fds[0]);
	return last;
}

static void
crash_check(const char *path, uint64_t reported)
{
	struct ww_events_params p = { .db_path = path };
	const unsigned char *ok;
	struct ww_events *e;
	sqlite3_stmt *st;
	int64_t rows;
	sqlite3 *db;
	json_t *r;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE,
					 NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1,
					    &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	ok = sqlite3_column_text(st, 0);
	assert_string_equal((const char *)ok, "ok");
	sqlite3_finalize(st);
	rows = sql_int(db, "SELECT count(*) FROM events");
	sqlite3_close(db);
	if (rows < (int64_t)reported || rows % CRASH_BATCH != 0 ||
	    rows > (int64_t)reported + CRASH_BATCH)
		fail_msg("%lld rows after kill -9, %llu reported committed",
			 (long long)rows, (unsigned long long)reported);
	/* and wirewall takes it back */
	e = open_ok(&p);
	r = query_ok(e, "{\"limit\": 1}");
	assert_int_equal(json_integer_value(json_object_get(r, "total")), rows);
	json_decref(r);
	ww_events_close(e);
}

static void
test_crash_kill9_during_flush(void **state)
{
	unsigned int seed = (unsigned int)time(NULL) ^ (unsigned int)getpid();
	unsigned int scale = RUNNING_ON_VALGRIND ? 10 : 1;
	char path[PATH_MAX], name[32];
	uint64_t reported;

	for (int run = 0; run < 3; run++) {
		snprintf(name, sizeof(name), "crash%d.db", run);
		mkpath(path, name);
		reported = crash_run(path, (20 + rand_r(&seed) % 300) * scale);
		crash_check(path, reported);
	}
}

/* ---- arguments and parameters ---- */

static void
test_bad_args(void **state)
{
	struct ww_events_params p = { .buffer_max = 1u << 30 };
	char path[PATH_MAX], err[ERR_SIZE];
	struct ww_events *e;
	json_t *arr = json_array(), *ev = json_object(), *r;

	assert_null(ww_events_open(&p, err, sizeof(err)));
	assert_non_null(strstr(err, "buffer_max"));
	ww_events_close(NULL);
	assert_int_equal(ww_events_flush(NULL), -EINVAL);

	/* no outputs at all: events go nowhere, without error */
	e = open_ok(NULL);
	assert_int_equal(ww_events_add(e, ev, 1), 0);
	assert_int_equal(ww_events_flush(e), 0);
	ww_events_close(e);

	mkpath(path, "args.db");
	p = (struct ww_events_params){ .db_path = path };
	e = open_ok(&p);
	assert_int_equal(ww_events_add(e, arr, 1), -EINVAL);
	assert_int_equal(ww_events_add(e, NULL, 1), -EINVAL);
	assert_int_equal(ww_events_add(e, ev, NAN), -EINVAL);
	assert_int_equal(ww_events_add(e, ev, INFINITY), -EINVAL);
	/* an event without any of the fields is still stored */
	assert_int_equal(ww_events_add(e, ev, 5), 0);
	assert_int_equal(ww_events_flush(e), 1);
	r = query_ok(e, "{\"since\": 5}");
	assert_int_equal(json_integer_value(json_object_get(r, "total")), 1);
	assert_true(json_equal(json_array_get(json_object_get(r, "items"), 0),
			       ev));
	json_decref(r);
	ww_events_close(e);
	json_decref(arr);
	json_decref(ev);
}

/* ---- the fixture: one directory for the whole run ---- */

static int
setup(void **state)
{
	return ut_tmpdir_make(dir);
}

static int
teardown(void **state)
{
	return ut_tmpdir_remove(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_query_refused),
		cmocka_unit_test(test_retention_age),
		cmocka_unit_test(test_retention_rows),
		cmocka_unit_test(test_buffer_full),
		cmocka_unit_test(test_not_wirewall_db),
		cmocka_unit_test(test_jsonl),
		cmocka_unit_test(test_syslog_message),
		cmocka_unit_test(test_syslog_severity),
		cmocka_unit_test(test_syslog_server),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_export),
		cmocka_unit_test(test_crash_kill9_during_flush),
		cmocka_unit_test(test_bad_args),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
