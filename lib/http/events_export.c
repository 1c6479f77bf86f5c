/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Events as one file: CSV or a JSON array, appended row by row to one
 * buffer (see events_export.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "events_export.h"

#define BUF_FIRST (64 * 1024)
#define CSV_EOL "\r\n"            /* RFC 4180 */

/* The fixed columns, in order; every other key goes to "extra". */
static const char *const columns[] = {
	"timestamp", "level", "category", "event", "src_ip", "src_port",
	"dest_ip", "dest_port", "proto", "count", "in_port", "detail",
};
#define NB_COLUMNS (sizeof(columns) / sizeof(columns[0]))

/* ---- the buffer ---- */

void
ww_buf_add(struct ww_buf *b, const char *s, size_t n)
{
	size_t cap = b->cap ? b->cap : BUF_FIRST;
	char *p;

	if (b->no_mem)
		return;
	if (b->len + n > b->cap) {
		while (cap < b->len + n)
			cap *= 2;
		p = realloc(b->p, cap);
		if (p == NULL) {
			b->no_mem = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void
buf_str(struct ww_buf *b, const char *s)
{
	ww_buf_add(b, s, strlen(s));
}

void
ww_buf_free(struct ww_buf *b)
{
	free(b->p);
	*b = (struct ww_buf){ 0 };
}

/* ---- CSV ---- */

void
ww_csv_cell(struct ww_buf *b, const char *text, size_t len)
{
	static const char formula[] = "=+-@\t\r";
	bool quote = false;
	const char *q;
	size_t i;

	for (i = 0; i < len && !quote; i++)
		quote = text[i] == ',' || text[i] == '"' || text[i] == '\r' ||
			text[i] == '\n';
	if (quote)
		ww_buf_add(b, "\"", 1);
	if (len > 0 && memchr(formula, text[0], sizeof(formula) - 1) != NULL)
		ww_buf_add(b, "'", 1);
	/* Each quote is written twice: the run up to it and itself again. */
	while (quote && (q = memchr(text, '"', len)) != NULL) {
		ww_buf_add(b, text, (size_t)(q - text) + 1);
		ww_buf_add(b, "\"", 1);
		len -= (size_t)(q - text) + 1;
		text = q + 1;
	}
	ww_buf_add(b, text, len);
	if (quote)
		ww_buf_add(b, "\"", 1);
}

void
ww_csv_header(struct ww_buf *b)
{
	for (size_t i = 0; i < NB_COLUMNS; i++) {
		buf_str(b, columns[i]);
		buf_str(b, ",");
	}
	buf_str(b, "extra" CSV_EOL);
}

/* A string as it is; a number, a boolean, an array or an object as JSON;
 * null or absent as nothing. */
static void
value_cell(struct ww_buf *b, const json_t *v)
{
	char *text;

	if (json_is_string(v)) {
		ww_csv_cell(b, json_string_value(v), json_string_length(v));
		return;
	}
	if (v == NULL || json_is_null(v))
		return;
	text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
	if (text == NULL) {
		b->no_mem = true;
		return;
	}
	ww_csv_cell(b, text, strlen(text));
	free(text);
}

static bool
is_column(const char *key)
{
	for (size_t i = 0; i < NB_COLUMNS; i++)
		if (strcmp(key, columns[i]) == 0)
			return true;
	return false;
}

void
ww_csv_event(struct ww_buf *b, const json_t *ev)
{
	json_t *extra = json_object(), *v;
	const char *key;

	for (size_t i = 0; i < NB_COLUMNS; i++) {
		value_cell(b, json_object_get(ev, columns[i]));
		buf_str(b, ",");
	}
	json_object_foreach((json_t *)ev, key, v)
		if (!is_column(key) && json_object_set(extra, key, v) != 0)
			b->no_mem = true;
	value_cell(b, extra);
	buf_str(b, CSV_EOL);
	json_decref(extra);
}

/* ---- the export ---- */

void
ww_export_begin(struct ww_export *x, enum ww_export_format format,
		uint32_t max)
{
	*x = (struct ww_export){ .format = format, .max = max };
	if (format == WW_EXPORT_CSV)
		ww_csv_header(&x->buf);
	else
		buf_str(&x->buf, "[");
}

int
ww_export_row(void *ctx, const char *json, size_t len)
{
	struct ww_export *x = ctx;
	json_t *ev = json_loadb(json, len, 0, NULL);

	if (!json_is_object(ev)) {
		json_decref(ev);
		return 0;
	}
	if (x->rows == x->max) {
		x->truncated = true;
		json_decref(ev);
		return 1;
	}
	if (x->format == WW_EXPORT_CSV) {
		ww_csv_event(&x->buf, ev);
	} else {
		/* The text as stored: it parsed, so the array stays JSON. */
		buf_str(&x->buf, x->rows > 0 ? ",\n" : "\n");
		ww_buf_add(&x->buf, json, len);
	}
	x->rows++;
	json_decref(ev);
	return x->buf.no_mem ? 1 : 0;
}

int
ww_export_end(struct ww_export *x)
{
	if (x->format == WW_EXPORT_JSON)
		buf_str(&x->buf, x->rows > 0 ? "\n]\n" : "]\n");
	if (!x->buf.no_mem)
		return 0;
	ww_buf_free(&x->buf);
	return -ENOMEM;
}
