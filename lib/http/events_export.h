/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inside lib/http: events exported as one file, CSV (RFC 4180, for
 * spreadsheets) or a JSON array, built row by row into one growing buffer
 * (100,000 events are tens of MB: never a tree of JSON values).
 *
 * An export takes the rows as the store keeps them (JSON text, newest
 * first) through ww_export_row(), which lib/control calls once per row.
 * Details and addresses come from the network: a CSV cell a spreadsheet
 * would run as a formula is defused (see ww_csv_cell()).
 */
#ifndef WW_HTTP_EVENTS_EXPORT_H
#define WW_HTTP_EVENTS_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define WW_EXPORT_MAX_ROWS 100000u

/** Bytes appended as they come; on a failed allocation no_mem is set and
 *  later appends do nothing. */
struct ww_buf {
	char *p;
	size_t len, cap;
	bool no_mem;
};

void ww_buf_add(struct ww_buf *b, const char *s, size_t n);
void ww_buf_free(struct ww_buf *b);

/**
 * @p text (@p len bytes) as one CSV cell: in double quotes, its quotes
 * doubled, if it holds a comma, a double quote, CR or LF; with a single
 * quote in front if it begins with = + - @ TAB or CR, so that a
 * spreadsheet shows it as text instead of running it as a formula.
 */
void ww_csv_cell(struct ww_buf *b, const char *text, size_t len);

/** The header record: the fixed columns, then "extra". */
void ww_csv_header(struct ww_buf *b);

/**
 * One event as a CSV record: its fixed columns (timestamp, level,
 * category, event, src_ip, src_port, dest_ip, dest_port, proto, count,
 * in_port, detail; a string as it is, another value as JSON, an absent or
 * null one empty), then "extra": every other key, as a compact JSON object
 * ("{}" if none), so that nothing is lost.
 */
void ww_csv_event(struct ww_buf *b, const json_t *ev);

enum ww_export_format {
	WW_EXPORT_JSON,
	WW_EXPORT_CSV,
};

struct ww_export {
	enum ww_export_format format;
	uint32_t max;          /* rows kept; one more sets truncated */
	uint32_t rows;
	bool truncated;
	struct ww_buf buf;
};

/** Start an export of at most @p max rows: the CSV header, or "[". */
void ww_export_begin(struct ww_export *x, enum ww_export_format format,
		     uint32_t max);
/**
 * Add one event given as JSON text (a ww_control_row_fn). Text that is
 * not a JSON object is left out, as the paged query leaves it out (only a
 * hand-edited store holds any). @return 0 to go on; 1 past @p max rows
 * (truncated set) or out of memory (buf.no_mem set).
 */
int ww_export_row(void *x, const char *json, size_t len);
/** Finish: "]" for JSON. @return 0, or -ENOMEM (the buffer is freed). */
int ww_export_end(struct ww_export *x);

#endif /* WW_HTTP_EVENTS_EXPORT_H */
