/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What handlers share: filling in the reply (one error shape for every
 * failure, errno to status), and reading input strictly (a JSON body with
 * known keys of the expected types, non-negative integer query arguments)
 * so that a typo is an error with a path, never a silently ignored value.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_internal.h"

/* ---- replies ---- */

void
ww_reply_json(struct ww_req *r, unsigned int status, json_t *body)
{
	json_decref(r->reply.json);
	r->reply.status = status;
	r->reply.json = body;
}

void
ww_reply_empty(struct ww_req *r, unsigned int status)
{
	ww_reply_json(r, status, NULL);
}

void
ww_reply_body(struct ww_req *r, unsigned int status, const char *type,
	      char *body, size_t len)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(len, body,
		MHD_RESPMEM_MUST_FREE);

	if (resp == NULL) {
		free(body);
		errno = ENOMEM;
		ww_reply_no_answer(r, "the answer");
		return;
	}
	ww_reply_empty(r, status);
	if (r->reply.resp != NULL)
		MHD_destroy_response(r->reply.resp);
	r->reply.resp = resp;
	r->reply.content_type = type;
}

void
ww_reply_header(struct ww_req *r, const char *name, const char *fmt, ...)
{
	struct ww_reply_header *hd;
	va_list ap;

	if (r->reply.nb_headers == WW_HTTP_MAX_HEADERS)
		return; /* a bug, not an input: the handlers add at most 2 */
	hd = &r->reply.headers[r->reply.nb_headers++];
	snprintf(hd->name, sizeof(hd->name), "%s", name);
	va_start(ap, fmt);
	vsnprintf(hd->value, sizeof(hd->value), fmt, ap);
	va_end(ap);
}

void
ww_reply_error(struct ww_req *r, unsigned int status, const char *code,
	       const char *path, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ww_reply_json(r, status, json_pack("{s:{s:s, s:s, s:s}}", "error",
					   "code", code, "message", msg,
					   "path", path ? path : ""));
}

unsigned int
ww_errno_status(int err)
{
	switch (err < 0 ? -err : err) {
	case EINVAL:
		return MHD_HTTP_BAD_REQUEST;
	case ENOENT:
		return MHD_HTTP_NOT_FOUND;
	case EEXIST:
	case ESTALE:
	case EBUSY:
	case ENOSPC:
		return MHD_HTTP_CONFLICT;
	case ENOMEM:
		return MHD_HTTP_SERVICE_UNAVAILABLE;
	case ENOTSUP:
		return MHD_HTTP_NOT_IMPLEMENTED;
	default:
		return MHD_HTTP_INTERNAL_SERVER_ERROR;
	}
}

void
ww_reply_control(struct ww_req *r, int err,
		 const struct ww_control_error *e)
{
	int pos = err < 0 ? -err : err;
	const char *msg = e->message[0] ? e->message : strerror(pos);

	ww_reply_error(r, ww_errno_status(pos), ww_control_error_code(pos),
		       e->path, "%s", msg);
}

void
ww_reply_auth(struct ww_req *r, int err, const char *msg)
{
	int pos = err < 0 ? -err : err;

	/* lib/auth's -EBUSY is "the last user cannot go", not a restart. */
	if (pos == EBUSY) {
		ww_reply_error(r, MHD_HTTP_CONFLICT, "last_user", "", "%s",
			       msg[0] ? msg : strerror(pos));
		return;
	}
	ww_reply_error(r, ww_errno_status(pos), ww_control_error_code(pos),
		       "", "%s", msg[0] ? msg : strerror(pos));
}

void
ww_reply_no_answer(struct ww_req *r, const char *what)
{
	int err = errno;

	if (err != ENOTSUP && err != ENOMEM)
		err = EIO;
	ww_reply_error(r, ww_errno_status(err), ww_control_error_code(err), "",
		       "%s: %s", what, err == EIO ? "no answer" :
		       strerror(err));
}

/* ---- the body ---- */

static const char *
type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "object";
	case JSON_ARRAY: return "array";
	case JSON_STRING: return "string";
	case JSON_INTEGER: return "integer";
	case JSON_REAL: return "number";
	case JSON_TRUE:
	case JSON_FALSE: return "boolean";
	default: return "null";
	}
}

/* "a string or an object" for a field's type bits. */
static void
types_text(unsigned int types, char *out, size_t size)
{
	static const struct { unsigned int bits; const char *name; } t[] = {
		{ WW_T_STRING, "a string" }, { WW_T_OBJECT, "an object" },
		{ WW_T_ARRAY, "an array" }, { WW_T_INTEGER, "an integer" },
		{ WW_T_BOOL, "a boolean" },
	};
	size_t i, used = 0;

	out[0] = '\0';
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (types & t[i].bits)
			used += snprintf(out + used,
					 used < size ? size - used : 0, "%s%s",
					 used ? " or " : "", t[i].name);
}

int
ww_body_parse(struct ww_req *r)
{
	json_error_t jerr;

	if (r->body_len == 0) {
		ww_reply_error(r, MHD_HTTP_BAD_REQUEST, "bad_json", "",
			       "empty body: expected a JSON object");
		return -1;
	}
	/* Any value parses, so that "[1]" or "7" hears what was expected. */
	r->in = json_loadb(r->body, r->body_len,
			   JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (r->in == NULL) {
		ww_reply_error(r, MHD_HTTP_BAD_REQUEST, "bad_json", "",
			       "line %d column %d: %s", jerr.line, jerr.column,
			       jerr.text);
		return -1;
	}
	if (!json_is_object(r->in)) {
		ww_reply_error(r, MHD_HTTP_BAD_REQUEST, "invalid", "$",
			       "expected an object, got %s", type_name(r->in));
		return -1;
	}
	return 0;
}

static const struct ww_field *
field_find(const struct ww_field *fields, size_t n, const char *key)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(fields[i].key, key) == 0)
			return &fields[i];
	return NULL;
}

static void
keys_text(const struct ww_field *fields, size_t n, char *out, size_t size)
{
	size_t i, used = 0;

	out[0] = '\0';
	for (i = 0; i < n; i++)
		used += snprintf(out + used, used < size ? size - used : 0,
				 "%s\"%s\"", i ? ", " : "", fields[i].key);
}

int
ww_body_check(struct ww_req *r, const struct ww_field *fields, size_t n)
{
	char path[160], text[160];
	const struct ww_field *f;
	const char *key;
	json_t *v;
	size_t i;

	json_object_foreach(r->in, key, v) {
		snprintf(path, sizeof(path), "$.%s", key);
		f = field_find(fields, n, key);
		if (f == NULL) {
			keys_text(fields, n, text, sizeof(text));
			ww_reply_error(r, MHD_HTTP_BAD_REQUEST, "invalid", path,
				       "unknown key \"%s\"; expected %s", key,
				       text);
			return -1;
		}
		if (!(f->types & (1u << json_typeof(v)))) {
			types_text(f->types, text, sizeof(text));
			ww_reply_error(r, MHD_HTTP_BAD_REQUEST, "invalid", path,
				       "expected %s, got %s", text,
				       type_name(v));
			return -1;
		}
	}
	for (i = 0; i < n; i++) {
		if (!fields[i].required ||
		    json_object_get(r->in, fields[i].key) != NULL)
			continue;
		snprintf(path, sizeof(path), "$.%s", fields[i].key);
		ww_reply_error(r, MHD_HTTP_BAD_REQUEST, "invalid", path,
			       "missing \"%s\"", fields[i].key);
		return -1;
	}
	return 0;
}

int
ww_body_int(struct ww_req *r, const char *key, int64_t min, int64_t max,
	    int64_t def, int64_t *out)
{
	json_t *v = json_object_get(r->in, key);
	json_int_t x;
	char path[160];

	*out = def;
	if (v == NULL)
		return 0;
	x = json_integer_value(v);
	if (x < min || x > max) {
		snprintf(path, sizeof(path), "$.%s", key);
		ww_reply_error(r, MHD_HTTP_BAD_REQUEST, "invalid", path,
			       "%" PRId64 " is out of range %" PRId64 "..%"
			       PRId64, (int64_t)x, min, max);
		return -1;
	}
	*out = x;
	return 0;
}

/* ---- the query string and path parameters ---- */

static const char *
query_raw(const struct ww_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND,
					   name);
}

const char *
ww_query(const struct ww_req *r, const char *name)
{
	const char *v = query_raw(r, name);

	return v != NULL && v[0] != '\0' ? v : NULL;
}

bool
ww_query_given(const struct ww_req *r, const char *name)
{
	return query_raw(r, name) != NULL;
}

/* Digits only: strtoull alone would take "-1", " 5" and "0x10". */
static int
parse_uint(const char *text, uint64_t max, uint64_t *out)
{
	char *end;

	if (text[0] == '\0' || text[strspn(text, "0123456789")] != '\0' ||
	    strlen(text) > 19)
		return -1;
	*out = strtoull(text, &end, 10);
	return *out <= max ? 0 : -1;
}

int
ww_query_uint(struct ww_req *r, const char *name, uint64_t min,
	      uint64_t max, uint64_t def, uint64_t *out)
{
	const char *v = query_raw(r, name);

	*out = def;
	if (v == NULL)
		return 0;
	if (parse_uint(v, max, out) != 0 || *out < min) {
		ww_reply_error(r, MHD_HTTP_BAD_REQUEST, "invalid", name,
			       "\"%s\": expected an integer %" PRIu64 "..%"
			       PRIu64, v, min, max);
		return -1;
	}
	return 0;
}

int
ww_query_page(struct ww_req *r, unsigned int *offset, unsigned int *limit)
{
	uint64_t o, l;

	if (ww_query_uint(r, "offset", 0, UINT32_MAX, 0, &o) != 0 ||
	    ww_query_uint(r, "limit", 1, WW_HTTP_LIMIT_MAX,
			  WW_HTTP_LIMIT_DEFAULT, &l) != 0)
		return -1;
	*offset = (unsigned int)o;
	*limit = (unsigned int)l;
	return 0;
}

json_t *
ww_paginate(json_t *all, unsigned int offset, unsigned int limit)
{
	size_t total = json_array_size(all), i;
	json_t *items = json_array();

	for (i = offset; i < total && i - offset < limit; i++)
		json_array_append(items, json_array_get(all, i));
	json_decref(all);
	return json_pack("{s:o, s:I, s:I, s:I}", "items", items,
			 "total", (json_int_t)total, "offset",
			 (json_int_t)offset, "limit", (json_int_t)limit);
}

int
ww_param_u32(struct ww_req *r, const char *name, uint32_t *out)
{
	const char *v = ww_param(r, name);
	uint64_t x;

	if (v == NULL || parse_uint(v, UINT32_MAX, &x) != 0 || x == 0) {
		ww_reply_error(r, MHD_HTTP_BAD_REQUEST, "invalid", name,
			       "\"%s\": expected a positive integer",
			       v ? v : "");
		return -1;
	}
	*out = (uint32_t)x;
	return 0;
}
