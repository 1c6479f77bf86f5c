/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * /api/v1/blocklist, stats, flows and events: the appliance's live state
 * rather than its configuration. Block-list entries come and go at run
 * time (and survive restarts through lib/control's own file); the others
 * are questions the data plane answers. Events also leave as one file to
 * download (?format=csv|json, see events_export.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "events_export.h"
#include "http_internal.h"

#define DIM(a) (sizeof(a) / sizeof((a)[0]))
#define FLOWS_TOP_DEFAULT 20
#define FLOWS_TOP_MAX 1000
#define REASON_MAX 47 /* struct ww_bl_entry's reason, less its NUL */

/* ---- filters the live queries share ---- */

/* The address query parameter: absent, or one IPv4 or IPv6 address (what
 * the flow and event records hold). @return 0, or -1 with a 400 set. */
static int
query_addr(struct ww_req *r, const char **addr)
{
	unsigned char buf[sizeof(struct in6_addr)];

	*addr = ww_query(r, "addr");
	if (*addr == NULL || inet_pton(AF_INET, *addr, buf) == 1 ||
	    inet_pton(AF_INET6, *addr, buf) == 1)
		return 0;
	ww_reply_error(r, MHD_HTTP_BAD_REQUEST, "invalid", "addr",
		       "\"%s\" is not an IPv4 or IPv6 address", *addr);
	return -1;
}

/* The levels the guards raise (lib/guard), lowest first. */
static int
query_level(struct ww_req *r)
{
	static const char *const levels[] = { "info", "notice", "warning",
					      "alert" };
	const char *level = ww_query(r, "level");

	if (level == NULL)
		return 0;
	for (size_t i = 0; i < DIM(levels); i++)
		if (strcmp(level, levels[i]) == 0)
			return 0;
	ww_reply_error(r, MHD_HTTP_BAD_REQUEST, "invalid", "level",
		       "unknown level \"%s\" (info, notice, warning or "
		       "alert)", level);
	return -1;
}

/* ---- block lists ---- */

void
ww_rest_bl_list(struct ww_req *r)
{
	unsigned int offset, limit;
	json_t *list;

	if (ww_query_page(r, &offset, &limit) != 0)
		return;
	errno = 0;
	list = ww_control_bl_list(r->h->control, ww_query(r, "set"),
				  ww_query(r, "q"), offset, limit);
	if (list == NULL)
		ww_reply_no_answer(r, "block lists");
	else
		ww_reply_json(r, MHD_HTTP_OK, list);
}

/* An operator's note on a manual entry ("ticket 4711"): it is kept with the
 * entry (lib/guard keeps 47 bytes) and shown where a detector's reason is.
 * @return 0, or -1 with a 400 set. */
static int
body_reason(struct ww_req *r, const char **reason)
{
	const char *s = json_string_value(json_object_get(r->in, "reason"));

	*reason = s;
	if (s == NULL)
		return 0;
	if (strlen(s) > REASON_MAX) {
		ww_reply_error(r, MHD_HTTP_BAD_REQUEST, "invalid", "$.reason",
			       "at most %d bytes", REASON_MAX);
		return -1;
	}
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f) {
			ww_reply_error(r, MHD_HTTP_BAD_REQUEST, "invalid",
				       "$.reason", "no control characters");
			return -1;
		}
	return 0;
}

void
ww_rest_bl_add(struct ww_req *r)
{
	static const struct ww_field fields[] = {
		{ "address", WW_T_STRING, true },
		{ "set", WW_T_STRING, false },
		{ "ttl", WW_T_INTEGER, false },
		{ "reason", WW_T_STRING, false },
	};
	struct ww_control_error err = { "", "" };
	const char *address, *set, *reason;
	int64_t ttl;
	int rc;

	if (ww_body_check(r, fields, DIM(fields)) != 0 ||
	    ww_body_int(r, "ttl", 0, UINT32_MAX, 0, &ttl) != 0 ||
	    body_reason(r, &reason) != 0)
		return;
	address = json_string_value(json_object_get(r->in, "address"));
	set = json_string_value(json_object_get(r->in, "set"));
	rc = ww_control_bl_add(r->h->control, set, address, (uint32_t)ttl,
			       WW_BL_MANUAL, reason, &err);
	if (rc < 0) {
		ww_reply_control(r, rc, &err);
		return;
	}
	set = set ? set : "manual";
	ww_reply_header(r, MHD_HTTP_HEADER_LOCATION, "/api/v1/blocklist/%s/%s",
			set, address);
	ww_reply_json(r, MHD_HTTP_CREATED, json_pack("{s:s, s:s, s:I}",
		      "address", address, "set", set, "ttl", (json_int_t)ttl));
}

static bool
prefix_len_ok(const char *len)
{
	return len[0] != '\0' && strlen(len) <= 3 &&
	       len[strspn(len, "0123456789")] == '\0' && atoi(len) <= 128;
}

/* DELETE .../SET/ADDRESS or .../SET/ADDRESS/LEN (a CIDR: the "/" of
 * "10.0.0.0/8" is a path separator too). */
void
ww_rest_bl_del(struct ww_req *r)
{
	struct ww_control_error err = { "", "" };
	const char *len = ww_param(r, "len");
	char address[128];
	int rc;

	if (len != NULL && !prefix_len_ok(len)) {
		ww_reply_error(r, MHD_HTTP_BAD_REQUEST, "invalid", "len",
			       "\"%s\": expected a prefix length 0..128", len);
		return;
	}
	if ((size_t)snprintf(address, sizeof(address), "%s%s%s",
			     ww_param(r, "address"), len ? "/" : "",
			     len ? len : "") >= sizeof(address)) {
		ww_reply_error(r, MHD_HTTP_BAD_REQUEST, "invalid", "address",
			       "not an address");
		return;
	}
	rc = ww_control_bl_del(r->h->control, ww_param(r, "set"), address,
			       &err);
	if (rc < 0) {
		ww_reply_control(r, rc, &err);
		return;
	}
	ww_reply_empty(r, MHD_HTTP_NO_CONTENT);
}

void
ww_rest_bl_flush(struct ww_req *r)
{
	unsigned int n = ww_control_bl_flush(r->h->control,
					     ww_param(r, "set"));

	ww_reply_json(r, MHD_HTTP_OK, json_pack("{s:I}", "removed",
						(json_int_t)n));
}

/* ---- what the data plane answers ---- */

void
ww_rest_stats(struct ww_req *r)
{
	json_t *stats;

	errno = 0;
	stats = ww_control_stats(r->h->control);
	if (stats == NULL)
		ww_reply_no_answer(r, "statistics");
	else
		ww_reply_json(r, MHD_HTTP_OK, stats);
}

void
ww_rest_flows(struct ww_req *r)
{
	const char *addr;
	uint64_t top;
	json_t *flows;

	if (ww_query_uint(r, "top", 1, FLOWS_TOP_MAX, FLOWS_TOP_DEFAULT,
			  &top) != 0 || query_addr(r, &addr) != 0)
		return;
	errno = 0;
	flows = ww_control_flows(r->h->control, (unsigned int)top, addr);
	if (flows == NULL)
		ww_reply_no_answer(r, "flows");
	else
		ww_reply_json(r, MHD_HTTP_OK, flows);
}

/* The query string as lib/control's filter object: text filters as they
 * are, times as checked integers, and the page if @p page. */
static json_t *
events_query(struct ww_req *r, bool page)
{
	static const char *const texts[] = { "category", "level", "addr" };
	static const char *const times[] = { "since", "until" };
	unsigned int offset, limit;
	json_t *q = json_object();
	const char *addr;
	uint64_t t;
	size_t i;

	if ((page && ww_query_page(r, &offset, &limit) != 0) ||
	    query_addr(r, &addr) != 0 || query_level(r) != 0)
		goto fail;
	for (i = 0; i < DIM(texts); i++)
		if (ww_query(r, texts[i]) != NULL)
			json_object_set_new(q, texts[i],
					    json_string(ww_query(r, texts[i])));
	for (i = 0; i < DIM(times); i++) {
		if (ww_query_uint(r, times[i], 0, INT64_MAX, 0, &t) != 0)
			goto fail;
		if (ww_query(r, times[i]) != NULL)
			json_object_set_new(q, times[i],
					    json_integer((json_int_t)t));
	}
	if (page) {
		json_object_set_new(q, "offset", json_integer(offset));
		json_object_set_new(q, "limit", json_integer(limit));
	}
	return q;
fail:
	json_decref(q);
	return NULL;
}

/* ?format=csv|json: every matching event as one file to download. */
static int
export_format(struct ww_req *r, const char *format,
	      enum ww_export_format *out)
{
	static const char *const page[] = { "offset", "limit" };
	size_t i;

	if (strcmp(format, "csv") == 0) {
		*out = WW_EXPORT_CSV;
	} else if (strcmp(format, "json") == 0) {
		*out = WW_EXPORT_JSON;
	} else {
		ww_reply_error(r, MHD_HTTP_BAD_REQUEST, "invalid", "format",
			       "expected \"csv\" or \"json\"");
		return -1;
	}
	for (i = 0; i < DIM(page); i++) {
		if (!ww_query_given(r, page[i]))
			continue;
		ww_reply_error(r, MHD_HTTP_BAD_REQUEST, "invalid", page[i],
			       "not with format: an export holds every "
			       "matching event (at most %u)",
			       WW_EXPORT_MAX_ROWS);
		return -1;
	}
	return 0;
}

static void
events_export(struct ww_req *r, enum ww_export_format format, json_t *q)
{
	bool csv = format == WW_EXPORT_CSV;
	struct ww_export x;
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	int64_t n;

	ww_export_begin(&x, format, WW_EXPORT_MAX_ROWS);
	/* One more than kept: whether there were more to say. */
	n = ww_control_events_export(r->h->control, q, WW_EXPORT_MAX_ROWS + 1,
				     ww_export_row, &x);
	if (n < 0 || ww_export_end(&x) != 0) {
		ww_buf_free(&x.buf);
		errno = n < 0 ? (int)-n : ENOMEM;
		ww_reply_no_answer(r, "events");
		return;
	}
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", gmtime_r(&now, &tm));
	ww_reply_header(r, "Content-Disposition", "attachment; filename=\""
			"wirewall-events-%s.%s\"", stamp, csv ? "csv" : "json");
	if (x.truncated)
		ww_reply_header(r, "X-Export-Truncated", "true");
	ww_reply_body(r, MHD_HTTP_OK, csv ? "text/csv; charset=utf-8" :
		      "application/json", x.buf.p, x.buf.len);
}

void
ww_rest_events(struct ww_req *r)
{
	const char *format = ww_query(r, "format");
	enum ww_export_format f = WW_EXPORT_JSON;
	json_t *q, *events;

	if (format != NULL && export_format(r, format, &f) != 0)
		return;
	q = events_query(r, format == NULL);
	if (q == NULL)
		return;
	if (format != NULL) {
		events_export(r, f, q);
		json_decref(q);
		return;
	}
	errno = 0;
	events = ww_control_events(r->h->control, q);
	json_decref(q);
	if (events == NULL)
		ww_reply_no_answer(r, "events");
	else
		ww_reply_json(r, MHD_HTTP_OK, events);
}

/* Telemetry queries: the query string's few parameters as an object. */
static void
telemetry_reply(struct ww_req *r, const char *what, json_t *args)
{
	json_t *out;

	errno = 0;
	out = ww_control_telemetry(r->h->control, what, args);
	json_decref(args);
	if (out == NULL && errno == EINVAL)
		ww_reply_error(r, MHD_HTTP_BAD_REQUEST, "invalid", "",
			       "bad parameters for %s", what);
	else if (out == NULL)
		ww_reply_no_answer(r, what);
	else
		ww_reply_json(r, MHD_HTTP_OK, out);
}

void
ww_rest_series(struct ww_req *r)
{
	const char *prefix = ww_query(r, "prefix");
	uint64_t seconds;

	if (ww_query_uint(r, "seconds", 1, 3600, 300, &seconds) != 0)
		return;
	telemetry_reply(r, "series", json_pack("{s:s, s:I}", "prefix",
		prefix ? prefix : "", "seconds", (json_int_t)seconds));
}

void
ww_rest_talkers(struct ww_req *r)
{
	const char *by = ww_query(r, "by");
	uint64_t top;

	if (ww_query_uint(r, "top", 1, 100, 10, &top) != 0)
		return;
	if (by != NULL && strcmp(by, "bytes") != 0 && strcmp(by, "packets") != 0) {
		ww_reply_error(r, MHD_HTTP_BAD_REQUEST, "invalid", "by",
			       "expected \"bytes\" or \"packets\"");
		return;
	}
	telemetry_reply(r, "talkers", json_pack("{s:s, s:I}", "by",
		by ? by : "bytes", "top", (json_int_t)top));
}

void
ww_rest_flow_records(struct ww_req *r)
{
	const char *addr;
	uint64_t top;

	if (ww_query_uint(r, "top", 1, 1000, 20, &top) != 0 ||
	    query_addr(r, &addr) != 0)
		return;
	telemetry_reply(r, "flow-records", json_pack("{s:s, s:I}", "addr",
		addr ? addr : "", "top", (json_int_t)top));
}
