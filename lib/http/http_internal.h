/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inside lib/http. A request is a struct ww_req; handlers read it and fill
 * in its reply (status, JSON body, a few extra headers) and never touch
 * libmicrohttpd: server.c turns the reply into a response and adds the
 * headers every response carries. The route table (router.c) names one
 * handler per method and path; rest*.c hold the handlers.
 */
#ifndef WW_HTTP_INTERNAL_H
#define WW_HTTP_INTERNAL_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>
#include <microhttpd.h>

#include "http.h"

#define WW_HTTP_MAX_SEGS 8      /* path segments a route may have */
#define WW_HTTP_MAX_HEADERS 4   /* extra headers of one reply */
#define WW_HTTP_LIMIT_DEFAULT 100
#define WW_HTTP_LIMIT_MAX 1000

/** Methods as bits, so a route table entry and an Allow header can hold
 *  several. */
enum ww_method {
	WW_GET = 1u << 0,
	WW_HEAD = 1u << 1,
	WW_POST = 1u << 2,
	WW_PUT = 1u << 3,
	WW_PATCH = 1u << 4,
	WW_DELETE = 1u << 5,
	WW_OTHER = 1u << 6,
};
#define WW_UNSAFE (WW_POST | WW_PUT | WW_PATCH | WW_DELETE | WW_OTHER)

struct ww_http {
	struct MHD_Daemon *daemon;
	struct ww_config_http cfg;   /* a copy: read at start only */
	struct ww_control *control;
	struct ww_auth *auth;
	ww_http_text_fn metrics;
	void *metrics_ctx;
	char web_root[PATH_MAX];     /* realpath() of the web directory */
	bool tls;
	char *tls_cert;              /* PEM text, kept while the daemon runs */
	char *tls_key;
	uint16_t port;
};

/** Who is asking: nobody, a console session (cookie + CSRF token) or a
 *  script with an API token. */
enum ww_via {
	WW_VIA_NONE = 0,
	WW_VIA_SESSION,
	WW_VIA_TOKEN,
};

struct ww_reply_header {
	char name[24];
	char value[224];
};

struct ww_reply {
	unsigned int status;           /* 0: not decided yet */
	json_t *json;                  /* body to send (owned), or NULL */
	struct MHD_Response *resp;     /* or a prepared body (owned) */
	const char *content_type;      /* of resp */
	const char *cache;             /* Cache-Control; NULL: "no-store" */
	unsigned int nb_headers;
	struct ww_reply_header headers[WW_HTTP_MAX_HEADERS];
};

struct ww_route;

/** What a request asks for, decided by its path. */
enum ww_kind {
	WW_KIND_STATIC = 0,  /* a console file */
	WW_KIND_API,         /* /api/... */
	WW_KIND_METRICS,     /* /metrics */
};

struct ww_req {
	struct ww_http *h;
	struct MHD_Connection *conn;
	char *raw_uri;                 /* as received, before decoding */
	char *path;                    /* decoded by libmicrohttpd, no query */
	unsigned int method;
	enum ww_kind kind;
	bool started;                  /* the first call (headers) is done */
	bool queued;
	/* the body, accumulated up to cfg.max_body */
	char *body;
	size_t body_len;
	size_t body_cap;
	size_t body_seen;              /* bytes received, kept or not */
	bool too_large;
	bool no_mem;
	json_t *in;                    /* the parsed body (an object) */
	/* identity */
	enum ww_via via;
	struct ww_auth_session session;
	char token_name[WW_AUTH_NAME_MAX];
	/* route and its parameters (":name" segments) */
	const struct ww_route *route;
	unsigned int nb_params;
	const char *param_names[WW_HTTP_MAX_SEGS];
	size_t param_name_len[WW_HTTP_MAX_SEGS];
	const char *params[WW_HTTP_MAX_SEGS];
	char *segbuf;                  /* the path split into segments */
	struct ww_reply reply;
};

typedef void (*ww_handler_fn)(struct ww_req *r);

/** Route flags. */
#define WW_ROUTE_BODY 1u    /* takes a JSON object body */
#define WW_ROUTE_PUBLIC 2u  /* needs no login */

struct ww_route {
	unsigned int method;
	const char *pattern;       /* "/api/v1/rules/:handle" */
	unsigned int flags;
	ww_handler_fn handler;
};

/* ---- router.c ---- */

/**
 * Find the route for @p r's path and method. @return the route, or NULL
 * with the methods the path does allow in @p allowed (0: no such path).
 */
const struct ww_route *ww_route_find(struct ww_req *r, unsigned int *allowed);
/** The ":name" parameter of the matched route, or NULL. */
const char *ww_param(const struct ww_req *r, const char *name);
/** "GET, HEAD, POST" for an Allow header. */
void ww_methods_text(unsigned int methods, char *out, size_t size);

/* ---- reply.c: replies ---- */

void ww_reply_json(struct ww_req *r, unsigned int status, json_t *body);
void ww_reply_empty(struct ww_req *r, unsigned int status);
/** A body that is not JSON: @p body (malloc'd, @p len bytes) is the
 *  reply's now, freed with it; @p type must outlive the request (a
 *  literal). Out of memory: 503. */
void ww_reply_body(struct ww_req *r, unsigned int status, const char *type,
		   char *body, size_t len);
void ww_reply_header(struct ww_req *r, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/** {"error":{"code","message","path"}} with @p status. */
void ww_reply_error(struct ww_req *r, unsigned int status, const char *code,
		    const char *path, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/** A control-plane failure (-errno and what it said). */
void ww_reply_control(struct ww_req *r, int err,
		      const struct ww_control_error *e);
/** An auth-module failure (-errno and its message). */
void ww_reply_auth(struct ww_req *r, int err, const char *msg);
/** The status for a control-plane errno. */
unsigned int ww_errno_status(int err);
/** A query that answered NULL: 501 if the data plane cannot answer it, 503
 *  out of memory, else 500. */
void ww_reply_no_answer(struct ww_req *r, const char *what);

/* ---- reply.c: input ---- */

/** JSON types a body field may have, as bits. */
#define WW_T_OBJECT (1u << JSON_OBJECT)
#define WW_T_ARRAY (1u << JSON_ARRAY)
#define WW_T_STRING (1u << JSON_STRING)
#define WW_T_INTEGER (1u << JSON_INTEGER)
#define WW_T_BOOL ((1u << JSON_TRUE) | (1u << JSON_FALSE))

struct ww_field {
	const char *key;
	unsigned int types;
	bool required;
};

/** Parse the body into r->in (an object). @return 0, or -1 with the reply
 *  set (400 bad_json, or invalid with path "$"). */
int ww_body_parse(struct ww_req *r);
/** Check r->in against @p fields: unknown keys, wrong types and missing
 *  keys are 400 with the key's path. @return 0 or -1 (reply set). */
int ww_body_check(struct ww_req *r, const struct ww_field *fields, size_t n);
/** An integer field in [min, max], or @p def if absent. @return 0 or -1. */
int ww_body_int(struct ww_req *r, const char *key, int64_t min, int64_t max,
		int64_t def, int64_t *out);

/** A query argument; NULL if absent or empty. */
const char *ww_query(const struct ww_req *r, const char *name);
/** Is the query argument there at all (even empty)? */
bool ww_query_given(const struct ww_req *r, const char *name);
/** A non-negative integer query argument in [min, max] (@p def if
 *  absent). @return 0 or -1 (400 with path @p name). */
int ww_query_uint(struct ww_req *r, const char *name, uint64_t min,
		  uint64_t max, uint64_t def, uint64_t *out);
/** ?offset=&limit=. @return 0 or -1. */
int ww_query_page(struct ww_req *r, unsigned int *offset, unsigned int *limit);
/** {"items": the page of @p all, "total","offset","limit"}; steals @p all. */
json_t *ww_paginate(json_t *all, unsigned int offset, unsigned int limit);
/** A positive 32-bit integer path parameter (a rule handle). */
int ww_param_u32(struct ww_req *r, const char *name, uint32_t *out);

/* ---- server.c ---- */

/** The client's address as text ("192.0.2.1", "2001:db8::1"). */
void ww_req_client(const struct ww_req *r, char *out, size_t size);
/**
 * The request's session cookie, if it names a live session (r->session
 * filled). No reply is set either way. @return 0, or -ENOENT.
 */
int ww_req_session_peek(struct ww_req *r);

/** The Set-Cookie value for session @p id ("" and Max-Age=0: clear it). */
void ww_session_cookie(const struct ww_req *r, const char *id, char *out,
		       size_t size);

/* ---- static.c ---- */

/** 0 if @p r's path is safe to look up, else -1 with a 400 reply. */
int ww_path_check(struct ww_req *r);
void ww_static_serve(struct ww_req *r);

/* ---- handlers (rest.c, rest_auth.c) ---- */

void ww_rest_login(struct ww_req *r);
void ww_rest_logout(struct ww_req *r);
void ww_rest_session(struct ww_req *r);
void ww_rest_login_state(struct ww_req *r);
void ww_rest_users_list(struct ww_req *r);
void ww_rest_user_add(struct ww_req *r);
void ww_rest_user_passwd(struct ww_req *r);
void ww_rest_user_del(struct ww_req *r);
void ww_rest_tokens_list(struct ww_req *r);
void ww_rest_token_add(struct ww_req *r);
void ww_rest_token_del(struct ww_req *r);

void ww_rest_config_get(struct ww_req *r);
void ww_rest_config_put(struct ww_req *r);
void ww_rest_rules_list(struct ww_req *r);
void ww_rest_rule_add(struct ww_req *r);
void ww_rest_rule_get(struct ww_req *r);
void ww_rest_rule_put(struct ww_req *r);
void ww_rest_rule_patch(struct ww_req *r);
void ww_rest_rule_del(struct ww_req *r);
void ww_rest_sgs_list(struct ww_req *r);
void ww_rest_sg_add(struct ww_req *r);
void ww_rest_sg_get(struct ww_req *r);
void ww_rest_sg_del(struct ww_req *r);
void ww_rest_guards_get(struct ww_req *r);
void ww_rest_guard_get(struct ww_req *r);
void ww_rest_guard_set(struct ww_req *r);

void ww_rest_bl_list(struct ww_req *r);
void ww_rest_bl_add(struct ww_req *r);
void ww_rest_bl_del(struct ww_req *r);
void ww_rest_bl_flush(struct ww_req *r);
void ww_rest_stats(struct ww_req *r);
void ww_rest_flows(struct ww_req *r);
void ww_rest_events(struct ww_req *r);
void ww_rest_series(struct ww_req *r);
void ww_rest_talkers(struct ww_req *r);
void ww_rest_flow_records(struct ww_req *r);

#endif /* WW_HTTP_INTERNAL_H */
