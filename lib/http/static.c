/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The console's files, from the web directory and nowhere else. A path is
 * checked twice: as text ("." and ".." segments, backslashes, NUL bytes,
 * before and after libmicrohttpd decodes "%2e%2e"), and as a file
 * (realpath() must land inside the web directory, so a symbolic link
 * cannot lead out either). Pages other than the login page need a
 * session.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http_internal.h"

static const char *const types[][2] = {
	{ "html", "text/html; charset=utf-8" },
	{ "js", "text/javascript; charset=utf-8" },
	{ "css", "text/css; charset=utf-8" },
	{ "svg", "image/svg+xml" },
	{ "png", "image/png" },
	{ "json", "application/json" },
	{ "ico", "image/x-icon" },
	{ "woff2", "font/woff2" },
	{ "txt", "text/plain; charset=utf-8" },
};

/* Is one of the first @p len bytes' "/"-separated segments "." or ".."? */
static bool
has_dot_segment(const char *path, size_t len)
{
	size_t i = 0, seg;

	while (i < len) {
		seg = 0;
		while (i + seg < len && path[i + seg] != '/')
			seg++;
		if ((seg == 1 && path[i] == '.') ||
		    (seg == 2 && path[i] == '.' && path[i + 1] == '.'))
			return true;
		i += seg + 1;
	}
	return false;
}

static bool
contains_ci(const char *s, size_t len, const char *needle)
{
	size_t n = strlen(needle), i;

	for (i = 0; i + n <= len; i++)
		if (strncasecmp(s + i, needle, n) == 0)
			return true;
	return false;
}

static const char *
path_problem(const struct ww_req *r)
{
	const char *raw = r->raw_uri;
	size_t raw_len = raw ? strcspn(raw, "?#") : 0;

	if (r->path[0] != '/')
		return "the path must begin with \"/\"";
	/* libmicrohttpd decodes %00 to a NUL that ends the string: only the
	 * raw text still shows it. */
	if (raw != NULL && contains_ci(raw, raw_len, "%00"))
		return "NUL byte in the path";
	if (strchr(r->path, '\\') != NULL)
		return "backslash in the path";
	if (has_dot_segment(r->path, strlen(r->path)) ||
	    (raw != NULL && has_dot_segment(raw, raw_len)))
		return "\".\" or \"..\" segment in the path";
	return NULL;
}

int
ww_path_check(struct ww_req *r)
{
	const char *why = path_problem(r);

	if (why == NULL)
		return 0;
	ww_reply_error(r, MHD_HTTP_BAD_REQUEST, "bad_request", "", "%s", why);
	return -1;
}

static const char *
content_type(const char *file)
{
	const char *dot = strrchr(file, '.');
	size_t i;

	if (dot != NULL && strchr(dot, '/') == NULL)
		for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
			if (strcasecmp(dot + 1, types[i][0]) == 0)
				return types[i][1];
	return "application/octet-stream";
}

static void
not_found(struct ww_req *r)
{
	ww_reply_error(r, MHD_HTTP_NOT_FOUND, "not_found", "", "no file %s",
		       r->path);
}

/* realpath() of @p want into @p real, which must be the web directory or
 * inside it. @return 0, or -1 with the reply set. */
static int
resolve(struct ww_req *r, const char *want, char *real)
{
	const char *root = r->h->web_root;
	size_t n = strlen(root);

	if (realpath(want, real) == NULL) {
		not_found(r);
		return -1;
	}
	if (strncmp(real, root, n) != 0 ||
	    (real[n] != '/' && real[n] != '\0')) {
		ww_reply_error(r, MHD_HTTP_BAD_REQUEST, "bad_request", "",
			       "%s is outside the web directory", r->path);
		return -1;
	}
	return 0;
}

/* Dot files (".git", ".env") are never part of the console. */
static bool
hidden(const char *path)
{
	return strstr(path, "/.") != NULL;
}

/* The console's pages need a session, all but the login page: without one
 * the browser is sent there (it keeps the URL's #fragment, so the login
 * page can return to the page asked for). Scripts, styles and images hold
 * no data: every datum comes from the API, behind its own login. */
static bool
needs_login(struct ww_req *r, const char *real)
{
	const char *base = strrchr(real, '/');

	return strcmp(content_type(real), types[0][1]) == 0 &&
	       strcmp(base != NULL ? base + 1 : real, "login.html") != 0 &&
	       ww_req_session_peek(r) != 0;
}

static void
to_login(struct ww_req *r)
{
	ww_reply_empty(r, MHD_HTTP_SEE_OTHER);
	ww_reply_header(r, MHD_HTTP_HEADER_LOCATION, "/login.html");
}

void
ww_static_serve(struct ww_req *r)
{
	char want[PATH_MAX], real[PATH_MAX];
	struct stat st;
	int fd;

	if (hidden(r->path) ||
	    (size_t)snprintf(want, sizeof(want), "%s%s", r->h->web_root,
			     r->path) >= sizeof(want) - sizeof("/index.html")) {
		not_found(r);
		return;
	}
	if (resolve(r, want, real) != 0)
		return;
	if (stat(real, &st) == 0 && S_ISDIR(st.st_mode)) {
		strcat(want, "/index.html");
		if (resolve(r, want, real) != 0)
			return;
	}
	if (needs_login(r, real)) {
		to_login(r);
		return;
	}
	fd = open(real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		not_found(r);
		return;
	}
	/* libmicrohttpd closes fd when the response is destroyed. */
	r->reply.resp = MHD_create_response_from_fd64(st.st_size, fd);
	if (r->reply.resp == NULL) {
		close(fd);
		errno = ENOMEM;
		ww_reply_no_answer(r, r->path);
		return;
	}
	r->reply.content_type = content_type(real);
	r->reply.cache = "no-cache";
	r->reply.status = MHD_HTTP_OK;
}
