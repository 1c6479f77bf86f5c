/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/events: queries.
 *
 * The query object is checked against a table of its keys (unknown keys
 * and wrong types are errors, like the configuration's). Its filters pick
 * one of 64 statement shapes, each made of fixed SQL from that table with
 * named parameters: what the user typed is only ever bound, never part of
 * the SQL. A shape is prepared when first asked for and kept.
 *
 * The page is found in two steps: the ids first, from an index alone where
 * it can (an offset skips index entries, not rows), then the JSON of those
 * ids only. An address is looked for as two searches, src_ip and dest_ip,
 * merged in time order, so that the newest 100 events of an address seen
 * in 300,000 are read without sorting the 300,000 (0.1 ms instead of 600).
 *
 * The total and the page are read in one transaction: they agree even
 * while the writer commits.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "events_priv.h"

enum qtype { Q_NUMBER, Q_STRING, Q_INTEGER };

/* The keys a query may hold. The first WW_EV_NB_FILTERS are the filters,
 * bit i of a shape; the rest is the page. */
static const struct qkey {
	const char *key;
	const char *param;      /* its name in the SQL */
	enum qtype type;
	const char *sql;        /* the condition a filter adds */
} qkeys[] = {
	{ "since", ":since", Q_NUMBER, "time >= :since" },
	{ "until", ":until", Q_NUMBER, "time <= :until" },
	{ "category", ":category", Q_STRING, "category = :category" },
	{ "level", ":level", Q_STRING, "level = :level" },
	{ "event", ":event", Q_STRING, "event = :event" },
	{ "addr", ":addr", Q_STRING, NULL },     /* see shape_sql() */
	{ "offset", ":offset", Q_INTEGER, NULL },
	{ "limit", ":limit", Q_INTEGER, NULL },
};
#define NB_QKEYS (sizeof(qkeys) / sizeof(qkeys[0]))
#define Q_ADDR 5
#define Q_OFFSET 6
#define Q_LIMIT 7

_Static_assert(Q_OFFSET == WW_EV_NB_FILTERS, "filters come first");

struct query {
	unsigned int shape;             /* bit i: qkeys[i] filters */
	const json_t *val[NB_QKEYS];    /* borrowed from the query object */
	char addr[INET6_ADDRSTRLEN];
	const char *addr_text;
	json_int_t offset, limit;
};

static const char *const type_names[] = {
	[Q_NUMBER] = "a number",
	[Q_STRING] = "a string",
	[Q_INTEGER] = "an integer",
};

/* A key goes back to a web page or a terminal: at most 40 printable
 * bytes of it. */
static const char *
show(const char *s, char *buf, size_t size)
{
	size_t i;

	for (i = 0; s[i] != '\0' && i < size - 1 && i < 40; i++)
		buf[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	buf[i] = '\0';
	return buf;
}

static int
unknown_key(const char *key, char *err, size_t size)
{
	char list[128] = "", buf[48];
	size_t i, n = 0;

	for (i = 0; i < NB_QKEYS && n < sizeof(list); i++)
		n += snprintf(list + n, sizeof(list) - n, "%s%s",
			      i > 0 ? ", " : "", qkeys[i].key);
	return ww_ev_fail(err, size, -EINVAL,
			  "unknown key \"%s\" (expected one of: %s)",
			  show(key, buf, sizeof(buf)), list);
}

static bool
type_ok(enum qtype t, const json_t *v)
{
	switch (t) {
	case Q_NUMBER: return json_is_number(v);
	case Q_STRING: return json_is_string(v);
	case Q_INTEGER: return json_is_integer(v);
	}
	return false;
}

static int
parse_page(struct query *q, char *err, size_t size)
{
	q->offset = 0;
	q->limit = WW_EV_LIMIT_DEFAULT;
	if (q->val[Q_OFFSET] != NULL)
		q->offset = json_integer_value(q->val[Q_OFFSET]);
	if (q->val[Q_LIMIT] != NULL)
		q->limit = json_integer_value(q->val[Q_LIMIT]);
	if (q->offset < 0)
		return ww_ev_fail(err, size, -EINVAL,
				  "offset: expected 0 or more, not %" JSON_INTEGER_FORMAT,
				  q->offset);
	if (q->limit < 1 || q->limit > WW_EV_LIMIT_MAX)
		return ww_ev_fail(err, size, -EINVAL,
				  "limit: expected 1 to %d, not %" JSON_INTEGER_FORMAT,
				  WW_EV_LIMIT_MAX, q->limit);
	return 0;
}

static int
parse(const json_t *query, struct query *q, char *err, size_t size)
{
	const char *key;
	json_t *v;
	size_t i;

	memset(q, 0, sizeof(*q));
	if (query != NULL && !json_is_object(query))
		return ww_ev_fail(err, size, -EINVAL,
				  "query: expected an object");
	json_object_foreach((json_t *)query, key, v) {
		for (i = 0; i < NB_QKEYS && strcmp(key, qkeys[i].key) != 0; i++)
			;
		if (i == NB_QKEYS)
			return unknown_key(key, err, size);
		if (!type_ok(qkeys[i].type, v))
			return ww_ev_fail(err, size, -EINVAL,
					  "%s: expected %s", qkeys[i].key,
					  type_names[qkeys[i].type]);
		q->val[i] = v;
		if (i < WW_EV_NB_FILTERS)
			q->shape |= 1u << i;
	}
	/* stored addresses are canonical: so is the one looked for */
	if (q->val[Q_ADDR] != NULL)
		q->addr_text = ww_ev_addr_canon(
			json_string_value(q->val[Q_ADDR]), q->addr);
	return parse_page(q, err, size);
}

/* ---- the statements ---- */

/* A statement's text, as far as it fits (the longest is 450 bytes). */
struct sql {
	char *p;
	size_t len, size;
};

static void
put(struct sql *s, const char *text)
{
	int n = snprintf(s->p + s->len, s->size - s->len, "%s", text);

	if (n > 0)
		s->len += (size_t)n < s->size - s->len ? (size_t)n :
			  s->size - s->len - 1;
}

/* The filters of @p shape but the address, each as " AND ...". */
static void
put_filters(struct sql *s, unsigned int shape)
{
	for (unsigned int i = 0; i < WW_EV_NB_FILTERS; i++) {
		if (!(shape & (1u << i)) || qkeys[i].sql == NULL)
			continue;
		put(s, " AND ");
		put(s, qkeys[i].sql);
	}
}

static void
shape_sql(unsigned int shape, bool count, char *text, size_t size)
{
	struct sql s = { .p = text, .size = size };
	bool addr = shape & (1u << Q_ADDR);

	text[0] = '\0';
	if (count) {
		put(&s, "SELECT count(*) FROM events WHERE ");
		put(&s, addr ? "(src_ip = :addr OR dest_ip = :addr)" : "1");
		put_filters(&s, shape);
		return;
	}
	put(&s, "SELECT json FROM events WHERE id IN (");
	if (addr) {
		put(&s, "SELECT id FROM (SELECT id, time FROM events"
			" WHERE src_ip = :addr");
		put_filters(&s, shape);
		put(&s, " UNION SELECT id, time FROM events"
			" WHERE dest_ip = :addr");
		put_filters(&s, shape);
	} else {
		put(&s, "SELECT id FROM events WHERE 1");
		put_filters(&s, shape);
	}
	put(&s, " ORDER BY time DESC, id DESC LIMIT :limit OFFSET :offset");
	put(&s, addr ? ")) " : ") ");
	put(&s, "ORDER BY time DESC, id DESC");
}

static int
shape_prepare(struct ww_events *e, unsigned int shape)
{
	struct ww_ev_qstmt *s = &e->q[shape];
	char sql[1024];
	int rc = SQLITE_OK;

	if (s->count == NULL) {
		shape_sql(shape, true, sql, sizeof(sql));
		rc = sqlite3_prepare_v3(e->rdb, sql, -1,
					SQLITE_PREPARE_PERSISTENT, &s->count,
					NULL);
	}
	if (rc == SQLITE_OK && s->page == NULL) {
		shape_sql(shape, false, sql, sizeof(sql));
		rc = sqlite3_prepare_v3(e->rdb, sql, -1,
					SQLITE_PREPARE_PERSISTENT, &s->page,
					NULL);
	}
	return rc;
}

static void
query_bind(sqlite3_stmt *st, const struct query *q)
{
	const json_t *v;
	int at;

	for (size_t i = 0; i < NB_QKEYS; i++) {
		at = sqlite3_bind_parameter_index(st, qkeys[i].param);
		if (at == 0)
			continue;
		v = q->val[i];
		if (i == Q_OFFSET)
			sqlite3_bind_int64(st, at, q->offset);
		else if (i == Q_LIMIT)
			sqlite3_bind_int64(st, at, q->limit);
		else if (i == Q_ADDR)
			sqlite3_bind_text(st, at, q->addr_text, -1,
					  SQLITE_STATIC);
		else if (qkeys[i].type == Q_NUMBER)
			sqlite3_bind_double(st, at, json_number_value(v));
		else
			sqlite3_bind_text(st, at, json_string_value(v),
					  (int)json_string_length(v),
					  SQLITE_STATIC);
	}
}

static int
count_rows(sqlite3_stmt *st, const struct query *q, int64_t *total)
{
	int rc;

	query_bind(st, q);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*total = sqlite3_column_int64(st, 0);
		rc = SQLITE_OK;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc;
}

/* Hand the statement's rows, their JSON text, to @p fn until it stops;
 * @p n counts them. */
static int
rows_each(sqlite3_stmt *st, const struct query *q, ww_events_row_fn fn,
	  void *ctx, int64_t *n)
{
	const char *text;
	int rc;

	query_bind(st, q);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		text = (const char *)sqlite3_column_text(st, 0);
		if (text == NULL)
			continue;
		(*n)++;
		if (fn(ctx, text, (size_t)sqlite3_column_bytes(st, 0)) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

struct page {
	json_t *items;
	bool no_mem;
};

/* A stored text, parsed back; one that does not parse is left out (only a
 * hand-edited file can hold one). */
static int
page_add(void *ctx, const char *json, size_t len)
{
	struct page *p = ctx;
	json_t *item = json_loadb(json, len, 0, NULL);

	if (item != NULL && json_array_append_new(p->items, item) != 0) {
		p->no_mem = true;
		return -1;
	}
	return 0;
}

static int
page_rows(sqlite3_stmt *st, const struct query *q, json_t *items)
{
	struct page p = { .items = items };
	int64_t n = 0;
	int rc = rows_each(st, q, page_add, &p, &n);

	return p.no_mem ? SQLITE_NOMEM : rc;
}

/* A failure of the reader: errno and @p err say it. qlock held. */
static int
read_fail(struct ww_events *e, int rc, const char *what, char *err,
	  size_t size)
{
	int ret = ww_ev_sqlite_errno(e->rdb, rc);

	errno = -ret;
	return ww_ev_fail(err, size, ret, "%s: %s: %s", e->db_path, what,
			  sqlite3_errstr(rc));
}

/* qlock held. */
static json_t *
run(struct ww_events *e, const struct query *q, char *err, size_t size)
{
	json_t *items = json_array();
	int64_t total = 0;
	int rc;

	if (items == NULL) {
		errno = ENOMEM;
		ww_ev_fail(err, size, -ENOMEM, "out of memory");
		return NULL;
	}
	rc = shape_prepare(e, q->shape);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(e->rdb, "BEGIN", NULL, NULL, NULL);
	if (rc == SQLITE_OK) {
		rc = count_rows(e->q[q->shape].count, q, &total);
		if (rc == SQLITE_OK)
			rc = page_rows(e->q[q->shape].page, q, items);
		sqlite3_exec(e->rdb, "COMMIT", NULL, NULL, NULL);
	}
	if (rc != SQLITE_OK) {
		read_fail(e, rc, "query", err, size);
		json_decref(items);
		return NULL;
	}
	return json_pack("{s:o, s:I, s:I, s:I}", "items", items,
			 "total", (json_int_t)total, "offset", q->offset,
			 "limit", q->limit);
}

json_t *
ww_ev_query(struct ww_events *e, const json_t *query, char *err,
	    size_t size)
{
	struct query q;
	json_t *out;
	int ret;

	ret = parse(query, &q, err, size);
	if (ret != 0) {
		errno = -ret;
		return NULL;
	}
	pthread_mutex_lock(&e->qlock);
	out = run(e, &q, err, size);
	pthread_mutex_unlock(&e->qlock);
	return out;
}

/* The page statement of the query's shape, with the export's count as its
 * limit: the rows come from one read however the writer goes on. */
int64_t
ww_ev_export(struct ww_events *e, const json_t *query, uint32_t max,
	     ww_events_row_fn fn, void *ctx, char *err, size_t size)
{
	struct query q;
	int64_t n = 0;
	int rc, ret;

	ret = parse(query, &q, err, size);
	if (ret == 0 && (q.val[Q_OFFSET] != NULL || q.val[Q_LIMIT] != NULL))
		ret = ww_ev_fail(err, size, -EINVAL, "%s: not with an export "
				 "(it holds every matching row)",
				 q.val[Q_OFFSET] != NULL ? "offset" : "limit");
	if (ret != 0 || max == 0)
		return ret;
	q.limit = max;
	pthread_mutex_lock(&e->qlock);
	rc = shape_prepare(e, q.shape);
	if (rc == SQLITE_OK)
		rc = rows_each(e->q[q.shape].page, &q, fn, ctx, &n);
	if (rc != SQLITE_OK)
		n = read_fail(e, rc, "export", err, size);
	pthread_mutex_unlock(&e->qlock);
	return n;
}

void
ww_ev_query_close(struct ww_events *e)
{
	for (size_t i = 0; i < sizeof(e->q) / sizeof(e->q[0]); i++) {
		sqlite3_finalize(e->q[i].count);
		sqlite3_finalize(e->q[i].page);
		e->q[i].count = e->q[i].page = NULL;
	}
}
