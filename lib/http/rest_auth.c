/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * /api/v1/login, logout, session, users and tokens: who may steer the
 * appliance. lib/auth keeps the secrets; these handlers only read the
 * request and shape the answer.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <time.h>

#include "http_internal.h"

#define DIM(a) (sizeof(a) / sizeof((a)[0]))

static const char *
str(const struct ww_req *r, const char *key)
{
	return json_string_value(json_object_get(r->in, key));
}

/* ---- login, logout, session ---- */

void
ww_rest_login(struct ww_req *r)
{
	static const struct ww_field fields[] = {
		{ "user", WW_T_STRING, true },
		{ "password", WW_T_STRING, true },
	};
	char cookie[sizeof(r->reply.headers[0].value)];
	char source[INET6_ADDRSTRLEN + 8];
	struct ww_auth_session s;
	uint32_t retry = 0;
	int rc;

	if (ww_body_check(r, fields, DIM(fields)) != 0)
		return;
	ww_req_client(r, source, sizeof(source));
	rc = ww_auth_login(r->h->auth, source, str(r, "user"),
			   str(r, "password"), (uint64_t)time(NULL), &s,
			   &retry);
	if (rc == -EAGAIN) {
		ww_reply_error(r, MHD_HTTP_TOO_MANY_REQUESTS, "rate_limited",
			       "", "too many failed logins from %s; try again "
			       "in %u s", source, retry);
		ww_reply_header(r, MHD_HTTP_HEADER_RETRY_AFTER, "%u", retry);
		return;
	}
	if (rc == -EACCES) {
		/* The same words for an unknown user and a wrong password. */
		ww_reply_error(r, MHD_HTTP_UNAUTHORIZED, "unauthorized", "",
			       "wrong user name or password");
		ww_reply_header(r, "WWW-Authenticate",
				"Bearer realm=\"wirewall\"");
		return;
	}
	if (rc != 0) {
		ww_reply_auth(r, rc, "");
		return;
	}
	ww_session_cookie(r, s.id, cookie, sizeof(cookie));
	ww_reply_header(r, MHD_HTTP_HEADER_SET_COOKIE, "%s", cookie);
	ww_reply_json(r, MHD_HTTP_OK, json_pack("{s:s, s:s}", "user", s.user,
						"csrf", s.csrf));
	explicit_bzero(&s, sizeof(s));
	explicit_bzero(cookie, sizeof(cookie));
}

void
ww_rest_logout(struct ww_req *r)
{
	char cookie[sizeof(r->reply.headers[0].value)];

	if (r->via == WW_VIA_SESSION)
		ww_auth_logout(r->h->auth, r->session.id);
	ww_session_cookie(r, "", cookie, sizeof(cookie));
	ww_reply_header(r, MHD_HTTP_HEADER_SET_COOKIE, "%s", cookie);
	ww_reply_empty(r, MHD_HTTP_NO_CONTENT);
}

/* Public: may this browser skip the login page? A console asks this
 * instead of GET /session, whose 401 the browser would log as an error. */
void
ww_rest_login_state(struct ww_req *r)
{
	const char *user = ww_req_session_peek(r) == 0 ? r->session.user : NULL;

	ww_reply_json(r, MHD_HTTP_OK, json_pack("{s:s?}", "user", user));
}

void
ww_rest_session(struct ww_req *r)
{
	if (r->via == WW_VIA_TOKEN)
		ww_reply_json(r, MHD_HTTP_OK, json_pack("{s:s, s:s}", "user",
			      r->token_name, "via", "token"));
	else
		ww_reply_json(r, MHD_HTTP_OK, json_pack("{s:s, s:s}", "user",
			      r->session.user, "csrf", r->session.csrf));
}

/* ---- users ---- */

static void
reply_list(struct ww_req *r, json_t *all, const char *what)
{
	unsigned int offset, limit;

	if (ww_query_page(r, &offset, &limit) != 0) {
		json_decref(all);
		return;
	}
	if (all == NULL) {
		errno = ENOMEM;
		ww_reply_no_answer(r, what);
		return;
	}
	ww_reply_json(r, MHD_HTTP_OK, ww_paginate(all, offset, limit));
}

void
ww_rest_users_list(struct ww_req *r)
{
	reply_list(r, ww_auth_users_json(r->h->auth), "users");
}

void
ww_rest_user_add(struct ww_req *r)
{
	static const struct ww_field fields[] = {
		{ "name", WW_T_STRING, true },
		{ "password", WW_T_STRING, true },
	};
	char msg[256] = "";
	int rc;

	if (ww_body_check(r, fields, DIM(fields)) != 0)
		return;
	rc = ww_auth_user_add(r->h->auth, str(r, "name"), str(r, "password"),
			      msg, sizeof(msg));
	if (rc != 0) {
		ww_reply_auth(r, rc, msg);
		return;
	}
	ww_reply_json(r, MHD_HTTP_CREATED, json_pack("{s:s}", "name",
						     str(r, "name")));
}

void
ww_rest_user_passwd(struct ww_req *r)
{
	static const struct ww_field fields[] = {
		{ "password", WW_T_STRING, true },
	};
	char msg[256] = "";
	int rc;

	if (ww_body_check(r, fields, DIM(fields)) != 0)
		return;
	rc = ww_auth_user_passwd(r->h->auth, ww_param(r, "name"),
				 str(r, "password"), msg, sizeof(msg));
	if (rc != 0) {
		ww_reply_auth(r, rc, msg);
		return;
	}
	ww_reply_empty(r, MHD_HTTP_NO_CONTENT);
}

void
ww_rest_user_del(struct ww_req *r)
{
	char msg[256] = "";
	int rc;

	rc = ww_auth_user_del(r->h->auth, ww_param(r, "name"), msg,
			      sizeof(msg));
	if (rc != 0) {
		ww_reply_auth(r, rc, msg);
		return;
	}
	ww_reply_empty(r, MHD_HTTP_NO_CONTENT);
}

/* ---- API tokens ---- */

void
ww_rest_tokens_list(struct ww_req *r)
{
	reply_list(r, ww_auth_tokens_json(r->h->auth), "tokens");
}

void
ww_rest_token_add(struct ww_req *r)
{
	static const struct ww_field fields[] = {
		{ "name", WW_T_STRING, true },
	};
	char token[WW_AUTH_TOKEN_MAX + 1], msg[256] = "";
	int rc;

	if (ww_body_check(r, fields, DIM(fields)) != 0)
		return;
	rc = ww_auth_token_create(r->h->auth, str(r, "name"), token,
				  sizeof(token), msg, sizeof(msg));
	if (rc != 0) {
		ww_reply_auth(r, rc, msg);
		return;
	}
	/* The only time the token is shown: only its digest is kept. */
	ww_reply_json(r, MHD_HTTP_CREATED, json_pack("{s:s, s:s}", "name",
		      str(r, "name"), "token", token));
	explicit_bzero(token, sizeof(token));
}

void
ww_rest_token_del(struct ww_req *r)
{
	char msg[256] = "";
	int rc;

	rc = ww_auth_token_revoke(r->h->auth, ww_param(r, "name"), msg,
				  sizeof(msg));
	if (rc != 0) {
		ww_reply_auth(r, rc, msg);
		return;
	}
	ww_reply_empty(r, MHD_HTTP_NO_CONTENT);
}
