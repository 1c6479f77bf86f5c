/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The management server: libmicrohttpd on its own thread, on a listening
 * socket we open ourselves (so a bind failure names its reason), with TLS
 * if configured, limits on connections, idle time and body size.
 *
 * A request is looked at twice. When its headers are in, everything that
 * can be refused without the body is refused: a path that tries to leave
 * the web directory, an unknown endpoint or method, a missing login or
 * CSRF token, a body of the wrong type or announced too large. Only then
 * is the body read (and counted, so a client that does not announce its
 * size cannot make us keep more than http.max_body). When it is complete,
 * the handler runs and its reply goes out with the headers every response
 * carries.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

#include "http_internal.h"
#include "util.h"

#define TLS_FILE_MAX (1024 * 1024)
#define LISTEN_BACKLOG 64
/* TLS 1.2 and 1.3 only; GnuTLS's defaults for the rest. */
#define TLS_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"
#define HSTS "max-age=31536000"
#define COOKIE_NAME "ww_session"

static const char *const security_headers[][2] = {
	{ "Content-Security-Policy", "default-src 'self'; "
	  "frame-ancestors 'none'; base-uri 'none'; form-action 'self'" },
	{ "X-Content-Type-Options", "nosniff" },
	{ "X-Frame-Options", "DENY" },
	{ "Referrer-Policy", "no-referrer" },
};

/* ---- small pieces the handlers use ---- */

void
ww_req_client(const struct ww_req *r, char *out, size_t size)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(r->conn,
		MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;
	const struct sockaddr_in6 *s6;

	snprintf(out, size, "unknown");
	if (sa == NULL)
		return;
	if (sa->sa_family == AF_INET) {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr,
			  out, size);
		return;
	}
	if (sa->sa_family != AF_INET6)
		return;
	s6 = (const struct sockaddr_in6 *)sa;
	/* On a dual-stack socket an IPv4 client is ::ffff:a.b.c.d; counting
	 * failed logins must not depend on which socket it came by. */
	if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
		inet_ntop(AF_INET, &s6->sin6_addr.s6_addr[12], out, size);
	else
		inet_ntop(AF_INET6, &s6->sin6_addr, out, size);
}

void
ww_session_cookie(const struct ww_req *r, const char *id, char *out,
		  size_t size)
{
	snprintf(out, size, COOKIE_NAME "=%s; Path=/;%s HttpOnly; "
		 "SameSite=Strict%s", id, id[0] ? "" : " Max-Age=0;",
		 r->h->tls ? "; Secure" : "");
}

static const char *
header(const struct ww_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

/* ---- who is asking ---- */

static int
unauthorized(struct ww_req *r, const char *why)
{
	ww_reply_error(r, MHD_HTTP_UNAUTHORIZED, "unauthorized", "", "%s", why);
	ww_reply_header(r, "WWW-Authenticate", "Bearer realm=\"wirewall\"");
	return -1;
}

/* An API token ("Authorization: Bearer wwt_...") or a session cookie. A
 * request that shows a token stands or falls by it, cookie or not. */
static int
authenticate(struct ww_req *r)
{
	struct ww_http *h = r->h;
	const char *authz = header(r, MHD_HTTP_HEADER_AUTHORIZATION);
	const char *id;

	if (authz != NULL) {
		if (strncasecmp(authz, "Bearer ", 7) != 0)
			return unauthorized(r, "expected \"Authorization: "
					    "Bearer TOKEN\"");
		authz += 7 + strspn(authz + 7, " ");
		if (ww_auth_token_check(h->auth, authz, r->token_name) != 0)
			return unauthorized(r, "unknown or revoked API token");
		r->via = WW_VIA_TOKEN;
		return 0;
	}
	id = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, COOKIE_NAME);
	if (id == NULL)
		return unauthorized(r, "log in first (POST /api/v1/login) or "
				    "send an API token");
	if (ww_req_session_peek(r) != 0)
		return unauthorized(r, "the session has ended; log in again");
	r->via = WW_VIA_SESSION;
	return 0;
}

int
ww_req_session_peek(struct ww_req *r)
{
	const char *id = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND,
						     COOKIE_NAME);

	if (id == NULL || ww_auth_session_get(r->h->auth, id,
					      (uint64_t)time(NULL),
					      &r->session) != 0)
		return -ENOENT;
	return 0;
}

/* A browser attaches the cookie to any request a hostile page makes; only
 * our own page knows the session's CSRF token. Tokens are not sent by
 * browsers on their own, so they need no second secret. */
static int
csrf_check(struct ww_req *r)
{
	const char *csrf = header(r, "X-CSRF-Token");

	if (r->via != WW_VIA_SESSION || !(r->method & WW_UNSAFE))
		return 0;
	if (csrf != NULL && ww_auth_secret_equal(csrf, r->session.csrf))
		return 0;
	ww_reply_error(r, MHD_HTTP_FORBIDDEN, "csrf", "", "%s",
		       csrf ? "wrong X-CSRF-Token header" :
		       "missing X-CSRF-Token header (the session's \"csrf\")");
	return -1;
}

/* ---- the first look: headers only ---- */

static void
method_not_allowed(struct ww_req *r, unsigned int allowed)
{
	char text[64];

	ww_methods_text(allowed, text, sizeof(text));
	ww_reply_error(r, MHD_HTTP_METHOD_NOT_ALLOWED, "method_not_allowed",
		       "", "%s allows %s", r->path, text);
	ww_reply_header(r, MHD_HTTP_HEADER_ALLOW, "%s", text);
}

static bool
is_json_type(const char *type)
{
	static const char json[] = "application/json";
	size_t n = sizeof(json) - 1;

	return type != NULL && strncasecmp(type, json, n) == 0 &&
	       (type[n] == '\0' || type[n] == ';' || type[n] == ' ');
}

static void
too_large(struct ww_req *r)
{
	ww_reply_error(r, MHD_HTTP_CONTENT_TOO_LARGE, "too_large", "",
		       "the body is larger than %u bytes (http.max_body)",
		       r->h->cfg.max_body);
}

/* A body we will parse: JSON, and not announced larger than allowed. */
static int
body_begin(struct ww_req *r)
{
	const char *len = header(r, MHD_HTTP_HEADER_CONTENT_LENGTH);

	if (!is_json_type(header(r, MHD_HTTP_HEADER_CONTENT_TYPE))) {
		ww_reply_error(r, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
			       "unsupported_media_type", "",
			       "expected Content-Type: application/json");
		return -1;
	}
	if (len != NULL && strtoull(len, NULL, 10) > r->h->cfg.max_body) {
		too_large(r);
		return -1;
	}
	return 0;
}

static int
api_begin(struct ww_req *r)
{
	unsigned int allowed;

	r->kind = WW_KIND_API;
	r->route = ww_route_find(r, &allowed);
	/* Log in first: who is not logged in learns nothing, not even
	 * which paths exist. */
	if (!(r->route && (r->route->flags & WW_ROUTE_PUBLIC)) &&
	    authenticate(r) != 0)
		return -1;
	if (r->route == NULL && allowed == 0) {
		ww_reply_error(r, MHD_HTTP_NOT_FOUND, "not_found", "",
			       "no endpoint %s", r->path);
		return -1;
	}
	if (r->route == NULL) {
		method_not_allowed(r, allowed);
		return -1;
	}
	if (csrf_check(r) != 0)
		return -1;
	return (r->route->flags & WW_ROUTE_BODY) ? body_begin(r) : 0;
}

static int
metrics_begin(struct ww_req *r)
{
	r->kind = WW_KIND_METRICS;
	if (!(r->method & (WW_GET | WW_HEAD))) {
		method_not_allowed(r, WW_GET | WW_HEAD);
		return -1;
	}
	if (r->h->metrics == NULL) {
		ww_reply_error(r, MHD_HTTP_NOT_FOUND, "not_found", "",
			       "no metrics on this appliance");
		return -1;
	}
	return r->h->cfg.metrics_open ? 0 : authenticate(r);
}

static int
static_begin(struct ww_req *r)
{
	r->kind = WW_KIND_STATIC;
	if (!(r->method & (WW_GET | WW_HEAD))) {
		method_not_allowed(r, WW_GET | WW_HEAD);
		return -1;
	}
	return 0;
}

static int
begin(struct ww_req *r)
{
	if (ww_path_check(r) != 0)
		return -1;
	if (strcmp(r->path, "/api") == 0 || strncmp(r->path, "/api/", 5) == 0)
		return api_begin(r);
	if (strcmp(r->path, "/metrics") == 0)
		return metrics_begin(r);
	return static_begin(r);
}

/* ---- the body ---- */

static void
body_add(struct ww_req *r, const char *data, size_t len)
{
	size_t max = r->h->cfg.max_body, cap;
	char *p;

	if (r->too_large || r->no_mem)
		return;
	if (len > max - r->body_seen) {
		r->too_large = true;
		if (r->body != NULL)
			explicit_bzero(r->body, r->body_len);
		free(r->body);
		r->body = NULL;
		r->body_len = 0;
		return;
	}
	r->body_seen += len;
	if (r->kind != WW_KIND_API || !(r->route->flags & WW_ROUTE_BODY))
		return; /* counted, not kept: nobody reads it */
	if (r->body_len + len > r->body_cap) {
		cap = r->body_cap ? r->body_cap : 1024;
		while (cap < r->body_len + len)
			cap *= 2;
		p = realloc(r->body, cap < max ? cap : max);
		if (p == NULL) {
			r->no_mem = true;
			return;
		}
		r->body = p;
		r->body_cap = cap < max ? cap : max;
	}
	memcpy(r->body + r->body_len, data, len);
	r->body_len += len;
}

/* ---- the second look: the whole request ---- */

static void
metrics_serve(struct ww_req *r)
{
	const char *type = "text/plain; version=0.0.4; charset=utf-8";
	size_t len = 0;
	char *text;

	errno = 0;
	text = r->h->metrics(r->h->metrics_ctx, &type, &len);
	if (text == NULL) {
		ww_reply_no_answer(r, "metrics");
		return;
	}
	if (len == 0)
		len = strlen(text);
	ww_reply_body(r, MHD_HTTP_OK, type, text, len);
}

static void
api_serve(struct ww_req *r)
{
	if ((r->route->flags & WW_ROUTE_BODY) && ww_body_parse(r) != 0)
		return;
	r->route->handler(r);
	if (r->reply.status == 0)
		ww_reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "error", "",
			       "the handler gave no answer");
}

static void
serve(struct ww_req *r)
{
	if (r->no_mem) {
		ww_reply_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "no_memory", "",
			       "out of memory reading the body");
		return;
	}
	if (r->too_large) {
		too_large(r);
		return;
	}
	switch (r->kind) {
	case WW_KIND_API:
		api_serve(r);
		break;
	case WW_KIND_METRICS:
		metrics_serve(r);
		break;
	default:
		ww_static_serve(r);
		break;
	}
}

/* ---- the response ---- */

/* JSON text with a final newline, for people reading curl's output. */
static struct MHD_Response *
json_response(json_t *body)
{
	char *text = json_dumps(body, JSON_COMPACT), *p;
	size_t len;

	if (text == NULL)
		return NULL;
	len = strlen(text);
	p = realloc(text, len + 2);
	if (p == NULL) {
		free(text);
		return NULL;
	}
	p[len] = '\n';
	p[len + 1] = '\0';
	return MHD_create_response_from_buffer(len + 1, p,
					       MHD_RESPMEM_MUST_FREE);
}

static void
add_headers(const struct ww_req *r, struct MHD_Response *resp,
	    const char *type)
{
	const struct ww_reply *rp = &r->reply;
	unsigned int i;

	for (i = 0; i < sizeof(security_headers) / sizeof(security_headers[0]);
	     i++)
		MHD_add_response_header(resp, security_headers[i][0],
					security_headers[i][1]);
	if (r->h->tls)
		MHD_add_response_header(resp, "Strict-Transport-Security",
					HSTS);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
				rp->cache ? rp->cache : "no-store");
	if (type != NULL)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
					type);
	/* libmicrohttpd refuses values with CR or LF: no header injection. */
	for (i = 0; i < rp->nb_headers; i++)
		MHD_add_response_header(resp, rp->headers[i].name,
					rp->headers[i].value);
}

static enum MHD_Result
send_reply(struct ww_req *r)
{
	struct ww_reply *rp = &r->reply;
	struct MHD_Response *resp = rp->resp;
	const char *type = rp->content_type;
	enum MHD_Result ret;

	rp->resp = NULL;
	if (resp == NULL && rp->json != NULL) {
		resp = json_response(rp->json);
		type = "application/json";
		if (resp == NULL)
			rp->status = MHD_HTTP_SERVICE_UNAVAILABLE;
	}
	if (resp == NULL)
		resp = MHD_create_response_from_buffer(0, NULL,
						       MHD_RESPMEM_PERSISTENT);
	if (resp == NULL)
		return MHD_NO;
	add_headers(r, resp, type);
	r->queued = true;
	ret = MHD_queue_response(r->conn, rp->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* ---- libmicrohttpd's callbacks ---- */

static unsigned int
method_bit(const char *m)
{
	static const struct { const char *name; unsigned int bit; } t[] = {
		{ MHD_HTTP_METHOD_GET, WW_GET },
		{ MHD_HTTP_METHOD_HEAD, WW_HEAD },
		{ MHD_HTTP_METHOD_POST, WW_POST },
		{ MHD_HTTP_METHOD_PUT, WW_PUT },
		{ MHD_HTTP_METHOD_PATCH, WW_PATCH },
		{ MHD_HTTP_METHOD_DELETE, WW_DELETE },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(m, t[i].name) == 0)
			return t[i].bit;
	return WW_OTHER;
}

static void
req_free(struct ww_req *r)
{
	if (r == NULL)
		return;
	json_decref(r->in);
	json_decref(r->reply.json);
	if (r->reply.resp != NULL)
		MHD_destroy_response(r->reply.resp);
	if (r->body != NULL) /* it may hold a password */
		explicit_bzero(r->body, r->body_len);
	free(r->body);
	free(r->raw_uri);
	free(r->path);
	free(r->segbuf);
	free(r);
}

/* Called with the request line as received, before libmicrohttpd decodes
 * it: the one place that sees "%00" and the raw path. */
static void *
on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct ww_req *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return NULL;
	r->h = cls;
	r->conn = conn;
	r->raw_uri = strdup(uri);
	if (r->raw_uri == NULL) {
		free(r);
		return NULL;
	}
	return r;
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
	     enum MHD_RequestTerminationCode toe)
{
	req_free(*req_cls);
	*req_cls = NULL;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url,
	   const char *method, const char *version, const char *upload_data,
	   size_t *upload_data_size, void **req_cls)
{
	struct ww_req *r = *req_cls;

	if (r == NULL) /* on_uri ran out of memory */
		return MHD_NO;
	if (r->queued)
		return MHD_NO;
	if (!r->started) {
		r->started = true;
		r->method = method_bit(method);
		r->path = strdup(url);
		if (r->path == NULL)
			return MHD_NO;
		return begin(r) == 0 ? MHD_YES : send_reply(r);
	}
	if (*upload_data_size != 0) {
		body_add(r, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	serve(r);
	return send_reply(r);
}

static void
on_log(void *cls, const char *fmt, va_list ap)
{
	fprintf(stderr, "wirewall: http: ");
	vfprintf(stderr, fmt, ap);
}

/* ---- start and stop ---- */

static int
listen_socket(const char *listen_text, int *family, uint16_t *port,
	      char *err, size_t size)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	socklen_t sl = sizeof(ss);
	int fd, one = 1, zero = 0;
	char addr[64];

	if (ww_config_listen_parse(listen_text, addr, sizeof(addr),
				   port) != 0) {
		snprintf(err, size, "http.listen %s: expected ADDR:PORT or "
			 "[V6ADDR]:PORT", listen_text);
		return -1;
	}
	memset(&ss, 0, sizeof(ss));
	if (listen_text[0] == '[') {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(*port);
		inet_pton(AF_INET6, addr, &s6->sin6_addr);
	} else {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(*port);
		inet_pton(AF_INET, addr, &s4->sin_addr);
	}
	*family = ss.ss_family;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
		    0);
	if (fd < 0)
		goto fail;
	/* A restart must not wait for the old connections' TIME_WAIT; a port
	 * another process listens on stays refused (no SO_REUSEPORT). */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(fd, (struct sockaddr *)&ss, ss.ss_family == AF_INET6 ?
		 sizeof(*s6) : sizeof(*s4)) != 0 ||
	    listen(fd, LISTEN_BACKLOG) != 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &sl) != 0)
		goto fail;
	*port = ntohs(ss.ss_family == AF_INET6 ? s6->sin6_port : s4->sin_port);
	return fd;
fail:
	snprintf(err, size, "http.listen %s: %s", listen_text, strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

/* Load the PEM files and let GnuTLS check them now, so a wrong key says
 * which and why instead of a silent refusal inside libmicrohttpd. */
static int
tls_load(struct ww_http *h, char *err, size_t size)
{
	gnutls_certificate_credentials_t cred;
	gnutls_datum_t cert, key;
	size_t clen, klen;
	int rc;

	if (h->cfg.tls_cert[0] == '\0' || h->cfg.tls_key[0] == '\0')
		return 0;
	h->tls_cert = ww_file_read(h->cfg.tls_cert, TLS_FILE_MAX, &clen);
	if (h->tls_cert == NULL) {
		snprintf(err, size, "http.tls.cert %s: %s", h->cfg.tls_cert,
			 strerror(errno));
		return -1;
	}
	h->tls_key = ww_file_read(h->cfg.tls_key, TLS_FILE_MAX, &klen);
	if (h->tls_key == NULL) {
		snprintf(err, size, "http.tls.key %s: %s", h->cfg.tls_key,
			 strerror(errno));
		return -1;
	}
	if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
		snprintf(err, size, "http.tls: libmicrohttpd was built "
			 "without TLS");
		return -1;
	}
	cert = (gnutls_datum_t){ (unsigned char *)h->tls_cert, (unsigned)clen };
	key = (gnutls_datum_t){ (unsigned char *)h->tls_key, (unsigned)klen };
	if (gnutls_certificate_allocate_credentials(&cred) < 0) {
		snprintf(err, size, "http.tls: out of memory");
		return -1;
	}
	rc = gnutls_certificate_set_x509_key_mem(cred, &cert, &key,
						 GNUTLS_X509_FMT_PEM);
	gnutls_certificate_free_credentials(cred);
	if (rc < 0) {
		snprintf(err, size, "http.tls %s, %s: %s", h->cfg.tls_cert,
			 h->cfg.tls_key, gnutls_strerror(rc));
		return -1;
	}
	h->tls = true;
	return 0;
}

static void
http_free(struct ww_http *h)
{
	if (h->tls_key != NULL) {
		explicit_bzero(h->tls_key, strlen(h->tls_key));
		free(h->tls_key);
	}
	free(h->tls_cert);
	free(h);
}

#define OPT(o, v, p) ((struct MHD_OptionItem){ (o), (intptr_t)(v), (p) })

static struct MHD_Daemon *
daemon_start(struct ww_http *h, int fd, int family)
{
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD |
			     MHD_USE_ERROR_LOG;
	struct MHD_OptionItem o[16];
	unsigned int n = 0;

	if (MHD_is_feature_supported(MHD_FEATURE_EPOLL) == MHD_YES)
		flags |= MHD_USE_EPOLL;
	if (family == AF_INET6)
		flags |= MHD_USE_DUAL_STACK;
	o[n++] = OPT(MHD_OPTION_EXTERNAL_LOGGER, on_log, NULL);
	o[n++] = OPT(MHD_OPTION_LISTEN_SOCKET, fd, NULL);
	o[n++] = OPT(MHD_OPTION_CONNECTION_LIMIT, h->cfg.max_connections, NULL);
	o[n++] = OPT(MHD_OPTION_PER_IP_CONNECTION_LIMIT, h->cfg.max_per_address,
		     NULL);
	o[n++] = OPT(MHD_OPTION_CONNECTION_TIMEOUT, h->cfg.timeout_s, NULL);
	o[n++] = OPT(MHD_OPTION_URI_LOG_CALLBACK, on_uri, h);
	o[n++] = OPT(MHD_OPTION_NOTIFY_COMPLETED, on_completed, h);
	if (h->tls) {
		flags |= MHD_USE_TLS;
		o[n++] = OPT(MHD_OPTION_HTTPS_MEM_KEY, 0, h->tls_key);
		o[n++] = OPT(MHD_OPTION_HTTPS_MEM_CERT, 0, h->tls_cert);
		o[n++] = OPT(MHD_OPTION_HTTPS_PRIORITIES, 0,
			     (void *)TLS_PRIORITIES);
	}
	o[n++] = OPT(MHD_OPTION_END, 0, NULL);
	return MHD_start_daemon(flags, h->port, NULL, NULL, on_request, h,
				MHD_OPTION_ARRAY, o, MHD_OPTION_END);
}

struct ww_http *
ww_http_start(const struct ww_http_params *p, char *err, size_t size)
{
	struct ww_http *h = calloc(1, sizeof(*h));
	int fd, family;

	if (h == NULL) {
		snprintf(err, size, "http: out of memory");
		return NULL;
	}
	h->cfg = *p->cfg;
	h->control = p->control;
	h->auth = p->auth;
	h->metrics = p->metrics;
	h->metrics_ctx = p->metrics_ctx;
	if (realpath(p->web_dir, h->web_root) == NULL) {
		snprintf(err, size, "http web directory %s: %s", p->web_dir,
			 strerror(errno));
		goto fail;
	}
	if (tls_load(h, err, size) != 0)
		goto fail;
	fd = listen_socket(h->cfg.listen, &family, &h->port, err, size);
	if (fd < 0)
		goto fail;
	h->daemon = daemon_start(h, fd, family);
	if (h->daemon == NULL) {
		/* The socket is libmicrohttpd's now: it closed it, as it
		 * would have on stop. */
		snprintf(err, size, "http.listen %s: libmicrohttpd would not "
			 "start (see the message above)", h->cfg.listen);
		goto fail;
	}
	return h;
fail:
	http_free(h);
	return NULL;
}

uint16_t
ww_http_port(const struct ww_http *h)
{
	const union MHD_DaemonInfo *di;

	if (h == NULL)
		return 0;
	di = MHD_get_daemon_info(h->daemon, MHD_DAEMON_INFO_BIND_PORT);
	return di != NULL && di->port != 0 ? di->port : h->port;
}

void
ww_http_stop(struct ww_http *h)
{
	if (h == NULL)
		return;
	MHD_stop_daemon(h->daemon);
	http_free(h);
}
