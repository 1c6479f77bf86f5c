/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HTTP and TLS block lists. Every pattern is keyed by its lowercase host
 * in one open-addressing table built on the control plane and never
 * changed afterwards, so workers read it without a lock. A slot says
 * whether its host is blocked exactly or with every name under it, and
 * chains the URL patterns on that host.
 *
 * The key hash runs from the last byte to the first: hashing a name once,
 * backwards, passes through the hash of each of its suffixes, so matching
 * "a.b.example.com" against exact and suffix patterns costs one pass over
 * the name and one probe per label ("com", "example.com", ...), whatever
 * the size of the list.
 *
 * The parsers never look past the length they are given. What is cut
 * short (a header value without its end, a ClientHello that stops before
 * its server_name extension does) is no match rather than a guess: the
 * name seen might be the start of a longer one.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>

#include "l7.h"

/* Longest host name kept: a DNS name has at most 253 characters. */
#define HOST_MAX 255
/* Longest pattern: the host and path together. */
#define PATTERN_MAX 255
/* Patterns per list; keeps string offsets in 32 bits. */
#define PATTERNS_MAX (1u << 22)
/* Longest HTTP method looked at: longer is not HTTP as far as we care. */
#define METHOD_MAX 20
/* Patterns quoted in messages are cut here. */
#define QUOTE_MAX 40

#define HOST_EXACT 0x1
#define HOST_SUFFIX 0x2
#define NO_URL UINT32_MAX

#define TLS_HANDSHAKE 22
#define TLS_CLIENT_HELLO 1
#define TLS_EXT_SERVER_NAME 0
#define TLS_SNI_HOST_NAME 0

/* A URL pattern: its host is the slot's key. */
struct l7_url {
	uint32_t path_off;      /* into strings */
	uint16_t path_len;
	bool suffix;            /* ".example.com/..." */
	uint32_t next;          /* next URL on the same host, or NO_URL */
};

struct l7_slot {
	uint32_t hash;
	uint32_t key_off;       /* into strings */
	uint16_t key_len;       /* 0: free slot */
	uint8_t flags;          /* HOST_EXACT, HOST_SUFFIX */
	uint32_t urls;          /* first URL on this host, or NO_URL */
};

struct ww_l7_list {
	struct l7_slot *slots;
	uint32_t mask;
	struct l7_url *urls;
	char *strings;
	size_t strings_len;
};

/* A pattern taken apart, its host lowercase without the leading dot. */
struct pattern {
	char host[HOST_MAX + 1];
	size_t host_len;
	bool suffix;
	const char *path;
	size_t path_len;
};

/* A request head's parts, pointing into the payload. */
struct http_req {
	const uint8_t *host;            /* Host header value, NULL if none */
	size_t host_len;
	const uint8_t *target_host;     /* authority of the target, or NULL */
	size_t target_host_len;
	const uint8_t *path;            /* target, reduced to its path */
	size_t path_len;
};

enum match { MATCH_NONE, MATCH_HOST, MATCH_URL };

/* ---- bytes ---- */

static inline uint8_t
lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static inline bool
host_char(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '.';
}

/* Printable ASCII but space: what a path or a name can be logged as. */
static inline bool
visible(uint8_t c)
{
	return c > ' ' && c < 0x7f;
}

static inline bool
ows(uint8_t c)
{
	return c == ' ' || c == '\t';
}

static inline uint16_t
be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
be24(const uint8_t *p)
{
	return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

/* Copy @p n bytes as a string, cut to fit @p size. */
static size_t
copy_out(char *dst, size_t size, const void *src, size_t n)
{
	if (size == 0)
		return 0;
	if (n > size - 1)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
	return n;
}

/*
 * FNV-1a from the last byte to the first, so that the hash of a name
 * passes through the hash of each of its suffixes (see match_name()).
 */
#define FNV_BASIS 2166136261u
#define FNV_PRIME 16777619u

static inline uint32_t
hash_step(uint32_t h, uint8_t c)
{
	return (h ^ c) * FNV_PRIME;
}

static uint32_t
hash_key(const char *k, size_t n)
{
	uint32_t h = FNV_BASIS;

	while (n > 0)
		h = hash_step(h, (uint8_t)k[--n]);
	return h;
}

/* ---- patterns ---- */

static int __attribute__((format(printf, 5, 6)))
bad(char *err, size_t size, const char *s, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (err == NULL || size == 0)
		return -EINVAL;
	n = snprintf(err, size, "\"%.*s%s\": ",
		     len > QUOTE_MAX ? QUOTE_MAX : (int)len, s,
		     len > QUOTE_MAX ? "..." : "");
	if (n >= 0 && (size_t)n < size) {
		va_start(ap, fmt);
		vsnprintf(err + n, size - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* The host part of a pattern, @p s to @p s + @p n, leading dot taken. */
static int
parse_host(const char *s, size_t len, const char *h, size_t n,
	   struct pattern *p, char *err, size_t size)
{
	for (size_t i = 0; i < n; i++) {
		if (h[i] == '*')
			return bad(err, size, s, len, "no wildcards: "
				   "\".example.com\" matches example.com and "
				   "every name under it");
		if (h[i] == ':')
			return bad(err, size, s, len, "no port: patterns "
				   "match on every port");
		if (!host_char((uint8_t)h[i]))
			return bad(err, size, s, len, "host names take "
				   "letters, digits, '-' and '.'");
	}
	/* A trailing dot is the same name, fully qualified. */
	if (n > 0 && h[n - 1] == '.')
		n--;
	if (n == 0)
		return bad(err, size, s, len, "no host name");
	for (size_t i = 0; i < n; i++) {
		if (h[i] == '.' && (i == 0 || h[i - 1] == '.'))
			return bad(err, size, s, len,
				   "empty label in the host name");
		p->host[i] = (char)lower((uint8_t)h[i]);
	}
	p->host[n] = '\0';
	p->host_len = n;
	return 0;
}

static int
parse_pattern(const char *s, bool url, struct pattern *p, char *err,
	      size_t size)
{
	const char *slash;
	size_t len, host_len;

	if (s == NULL)
		return bad(err, size, "", 0, "missing pattern");
	/* strnlen() is POSIX, not C11. */
	for (len = 0; len <= PATTERN_MAX && s[len] != '\0'; len++)
		;
	if (len == 0)
		return bad(err, size, s, len, "empty pattern");
	if (len > PATTERN_MAX)
		return bad(err, size, s, len, "longer than %u characters",
			   PATTERN_MAX);
	slash = memchr(s, '/', len);
	if (slash != NULL && !url)
		return bad(err, size, s, len, "a host pattern has no path "
			   "(URL patterns do)");
	if (slash == NULL && url)
		return bad(err, size, s, len, "a URL pattern is a host and a "
			   "path starting with '/', as in "
			   "\"example.com/ads/\"");
	host_len = slash != NULL ? (size_t)(slash - s) : len;
	p->suffix = s[0] == '.';
	if (parse_host(s, len, s + p->suffix, host_len - p->suffix, p,
		       err, size) < 0)
		return -EINVAL;
	p->path = slash;
	p->path_len = len - host_len;
	for (size_t i = 0; i < p->path_len; i++)
		if (!visible((uint8_t)p->path[i]))
			return bad(err, size, s, len, "paths take printable "
				   "characters, no spaces");
	return 0;
}

int
ww_l7_check_pattern(const char *pattern, bool url, char *err, size_t size)
{
	struct pattern p;

	return parse_pattern(pattern, url, &p, err, size);
}

/* ---- the table ---- */

/* The slot holding key @p k, or the free slot where it would go. */
static uint32_t
probe(const struct ww_l7_list *l, uint32_t h, const char *k, size_t n)
{
	const struct l7_slot *s;
	uint32_t i;

	/* At most half full: a free slot ends every probe. */
	for (i = h & l->mask; l->slots[i].key_len != 0; i = (i + 1) & l->mask) {
		s = &l->slots[i];
		if (s->hash == h && s->key_len == n &&
		    memcmp(l->strings + s->key_off, k, n) == 0)
			break;
	}
	return i;
}

static const struct l7_slot *
lookup(const struct ww_l7_list *l, uint32_t h, const char *k, size_t n)
{
	const struct l7_slot *s = &l->slots[probe(l, h, k, n)];

	return s->key_len != 0 ? s : NULL;
}

static uint32_t
add_string(struct ww_l7_list *l, const char *s, size_t n)
{
	uint32_t off = (uint32_t)l->strings_len;

	memcpy(l->strings + off, s, n);
	l->strings_len += n;
	return off;
}

/* The slot of host @p k, taken if it is new. */
static struct l7_slot *
slot_of(struct ww_l7_list *l, const char *k, size_t n)
{
	uint32_t h = hash_key(k, n);
	struct l7_slot *s = &l->slots[probe(l, h, k, n)];

	if (s->key_len == 0) {
		s->hash = h;
		s->key_off = add_string(l, k, n);
		s->key_len = (uint16_t)n;
		s->urls = NO_URL;
	}
	return s;
}

/* Check every pattern of a list and add up what its strings take. */
static int
check_all(const char *const *list, unsigned int n, bool url, size_t *bytes,
	  char *err, size_t size)
{
	const char *s;
	struct pattern p;

	for (unsigned int i = 0; i < n; i++) {
		s = list != NULL ? list[i] : NULL;
		if (parse_pattern(s, url, &p, err, size) < 0)
			return -EINVAL;
		*bytes += p.host_len + p.path_len;
	}
	return 0;
}

static struct ww_l7_list *
list_alloc(unsigned int nb_keys, unsigned int nb_urls, size_t bytes)
{
	struct ww_l7_list *l = calloc(1, sizeof(*l));
	uint32_t cap = 16;

	if (l == NULL)
		return NULL;
	while (cap < 2 * nb_keys)
		cap <<= 1;
	l->mask = cap - 1;
	l->slots = calloc(cap, sizeof(l->slots[0]));
	l->urls = calloc(nb_urls > 0 ? nb_urls : 1, sizeof(l->urls[0]));
	l->strings = malloc(bytes > 0 ? bytes : 1);
	if (l->slots == NULL || l->urls == NULL || l->strings == NULL) {
		ww_l7_free(l);
		return NULL;
	}
	return l;
}

struct ww_l7_list *
ww_l7_create(const char *const *hosts, unsigned int nb_hosts,
	     const char *const *urls, unsigned int nb_urls,
	     char *err, size_t size)
{
	struct ww_l7_list *l;
	struct pattern p;
	struct l7_slot *s;
	struct l7_url *u;
	size_t bytes = 0;

	if (nb_hosts > PATTERNS_MAX || nb_urls > PATTERNS_MAX - nb_hosts) {
		if (err != NULL && size > 0)
			snprintf(err, size, "too many patterns (at most %u)",
				 PATTERNS_MAX);
		rte_errno = EINVAL;
		return NULL;
	}
	if (check_all(hosts, nb_hosts, false, &bytes, err, size) < 0 ||
	    check_all(urls, nb_urls, true, &bytes, err, size) < 0) {
		rte_errno = EINVAL;
		return NULL;
	}
	l = list_alloc(nb_hosts + nb_urls, nb_urls, bytes);
	if (l == NULL) {
		if (err != NULL && size > 0)
			snprintf(err, size, "out of memory");
		rte_errno = ENOMEM;
		return NULL;
	}
	/* Checked above: parsing again cannot fail. */
	for (unsigned int i = 0; i < nb_hosts; i++) {
		parse_pattern(hosts[i], false, &p, NULL, 0);
		s = slot_of(l, p.host, p.host_len);
		s->flags |= p.suffix ? HOST_SUFFIX : HOST_EXACT;
	}
	for (unsigned int i = 0; i < nb_urls; i++) {
		parse_pattern(urls[i], true, &p, NULL, 0);
		s = slot_of(l, p.host, p.host_len);
		u = &l->urls[i];
		u->path_off = add_string(l, p.path, p.path_len);
		u->path_len = (uint16_t)p.path_len;
		u->suffix = p.suffix;
		u->next = s->urls;
		s->urls = i;
	}
	return l;
}

void
ww_l7_free(struct ww_l7_list *l)
{
	if (l == NULL)
		return;
	free(l->slots);
	free(l->urls);
	free(l->strings);
	free(l);
}

/* ---- matching ---- */

/*
 * The name of a request, lowercase, without ":port" or a trailing dot,
 * in @p out. @return its length; 0 if there is none we could match.
 */
static size_t
norm_host(const uint8_t *s, size_t n, char out[HOST_MAX + 1])
{
	const uint8_t *end;

	/* "[2001:db8::1]:8080": the port is after the bracket. */
	if (n > 0 && s[0] == '[')
		end = memchr(s, ']', n);
	else
		end = memchr(s, ':', n);
	if (end != NULL)
		n = (size_t)(end - s) + (*end == ']');
	if (n > 0 && s[n - 1] == '.')
		n--;
	if (n > HOST_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		out[i] = (char)lower(s[i]);
	out[n] = '\0';
	return n;
}

static bool
url_match(const struct ww_l7_list *l, const struct l7_slot *s, bool full,
	  const uint8_t *path, size_t path_len)
{
	const struct l7_url *u;

	for (uint32_t i = s->urls; i != NO_URL; i = u->next) {
		u = &l->urls[i];
		if ((full || u->suffix) && u->path_len <= path_len &&
		    memcmp(l->strings + u->path_off, path, u->path_len) == 0)
			return true;
	}
	return false;
}

/*
 * Match a normalised name on the host patterns, then, if @p path, on the
 * URL patterns. The name itself matches exact and suffix patterns; each
 * suffix after a dot matches suffix patterns only, so ".example.com"
 * takes "www.example.com" but not "badexample.com".
 */
static enum match
match_name(const struct ww_l7_list *l, const char *name, size_t n,
	   const uint8_t *path, size_t path_len)
{
	enum match found = MATCH_NONE;
	const struct l7_slot *s;
	uint32_t h = FNV_BASIS;
	bool full;

	for (size_t i = n; i-- > 0;) {
		h = hash_step(h, (uint8_t)name[i]);
		if (i > 0 && name[i - 1] != '.')
			continue;
		s = lookup(l, h, name + i, n - i);
		if (s == NULL)
			continue;
		full = i == 0;
		if (s->flags & (full ? HOST_EXACT | HOST_SUFFIX : HOST_SUFFIX))
			return MATCH_HOST;
		if (path != NULL && url_match(l, s, full, path, path_len))
			found = MATCH_URL;
	}
	return found;
}

/* ---- HTTP ---- */

/* "http://user@host:port/path?q" -> host:port and /path?q. */
static void
split_target(const uint8_t *t, size_t n, struct http_req *r)
{
	size_t i = 0, a, e;

	r->path = t;
	r->path_len = n;
	while (i < n && ((t[i] >= 'a' && t[i] <= 'z') ||
			 (t[i] >= 'A' && t[i] <= 'Z')))
		i++;
	if (i == 0 || n - i < 3 || memcmp(t + i, "://", 3) != 0)
		return;
	a = i + 3;
	for (e = a; e < n && t[e] != '/' && t[e] != '?' && t[e] != '#'; e++)
		if (t[e] == '@')
			a = e + 1;
	r->target_host = t + a;
	r->target_host_len = e - a;
	r->path = t + e;
	r->path_len = n - e;
	if (r->path_len == 0) {
		r->path = (const uint8_t *)"/";
		r->path_len = 1;
	}
}

/*
 * "METHOD SP target SP HTTP/1.x CRLF". Anything else, or a line not yet
 * ended, is not a request. @return the offset after it, or 0.
 */
static size_t
request_line(const uint8_t *d, size_t len, struct http_req *r)
{
	size_t i = 0, t, method_len;

	while (i < len && i < METHOD_MAX && d[i] >= 'A' && d[i] <= 'Z')
		i++;
	if (i == 0 || i >= len || d[i] != ' ')
		return 0;
	method_len = i;
	t = ++i;
	while (i < len && visible(d[i]))
		i++;
	if (i == t || i >= len || d[i] != ' ')
		return 0;
	if (method_len == 7 && memcmp(d, "CONNECT", 7) == 0) {
		/* Authority-form: a host and port, no path. */
		r->target_host = d + t;
		r->target_host_len = i - t;
		r->path = d + t;
		r->path_len = 0;
	} else {
		split_target(d + t, i - t, r);
	}
	i++;
	if (len - i < 8 || memcmp(d + i, "HTTP/1.", 7) != 0 ||
	    d[i + 7] < '0' || d[i + 7] > '9')
		return 0;
	i += 8;
	if (i < len && d[i] == '\r')
		i++;
	if (i >= len || d[i] != '\n')
		return 0;
	return i + 1;
}

/*
 * The first token of a header value from @p v, past OWS and obsolete line
 * folding. Kept only if something ends it: at the end of the data it may
 * be the start of a longer name.
 */
static void
host_value(const uint8_t *d, size_t len, size_t v, struct http_req *r)
{
	size_t w, e;

	for (;;) {
		while (v < len && ows(d[v]))
			v++;
		w = v < len && d[v] == '\r' ? v + 1 : v;
		if (w + 1 < len && d[w] == '\n' && ows(d[w + 1])) {
			v = w + 1;
			continue;
		}
		break;
	}
	for (e = v; e < len && !ows(d[e]) && d[e] != '\r' && d[e] != '\n';
	     e++)
		;
	if (e == len || e == v)
		return;
	r->host = d + v;
	r->host_len = e - v;
}

/* "Host" OWS ":" at @p i? @return the offset of its value, or 0. */
static size_t
host_header(const uint8_t *d, size_t len, size_t i)
{
	static const char name[] = "host";

	if (len - i < sizeof(name) - 1)
		return 0;
	for (size_t k = 0; k < sizeof(name) - 1; k++)
		if (lower(d[i + k]) != (uint8_t)name[k])
			return 0;
	for (i += sizeof(name) - 1; i < len && ows(d[i]); i++)
		;
	return i < len && d[i] == ':' ? i + 1 : 0;
}

/* Header lines from @p i until an empty line or the end of the data. */
static void
find_host(const uint8_t *d, size_t len, size_t i, struct http_req *r)
{
	const uint8_t *eol;
	size_t v;

	while (i < len && d[i] != '\r' && d[i] != '\n') {
		v = host_header(d, len, i);
		if (v != 0) {
			host_value(d, len, v, r);
			return;
		}
		eol = memchr(d + i, '\n', len - i);
		if (eol == NULL)
			return;
		i = (size_t)(eol - d) + 1;
	}
}

static int
http_parse(const uint8_t *d, size_t len, struct http_req *r)
{
	size_t i;

	memset(r, 0, sizeof(*r));
	if (d == NULL)
		return -EINVAL;
	i = request_line(d, len, r);
	if (i == 0)
		return -EINVAL;
	find_host(d, len, i, r);
	return 0;
}

int
ww_l7_http_request(const uint8_t *data, size_t len, char *host,
		   size_t host_size, char *target, size_t target_size)
{
	char name[HOST_MAX + 1];
	struct http_req r;
	size_t n = 0;

	if (http_parse(data, len, &r) < 0)
		return -EINVAL;
	if (r.host != NULL)
		n = norm_host(r.host, r.host_len, name);
	else if (r.target_host != NULL)
		n = norm_host(r.target_host, r.target_host_len, name);
	copy_out(host, host_size, name, n);
	copy_out(target, target_size, r.path, r.path_len);
	return 0;
}

static bool
match_request(const struct ww_l7_list *l, const uint8_t *host, size_t len,
	      const struct http_req *r, char *what, size_t size)
{
	char name[HOST_MAX + 1];
	size_t n = norm_host(host, len, name);
	enum match m;

	if (n == 0)
		return false;
	m = match_name(l, name, n, r->path, r->path_len);
	if (m == MATCH_NONE)
		return false;
	n = copy_out(what, size, name, n);
	if (m == MATCH_URL && size > 0)
		copy_out(what + n, size - n, r->path, r->path_len);
	return true;
}

int
ww_l7_match_http(const struct ww_l7_list *l, const uint8_t *data,
		 size_t len, char *what, size_t size)
{
	struct http_req r;

	if (l == NULL || http_parse(data, len, &r) < 0)
		return 0;
	/*
	 * A proxy goes where an absolute-form target says whatever the Host
	 * header says: both names are matched.
	 */
	if (r.host != NULL &&
	    match_request(l, r.host, r.host_len, &r, what, size))
		return 1;
	if (r.target_host != NULL &&
	    match_request(l, r.target_host, r.target_host_len, &r, what, size))
		return 1;
	return 0;
}

/* ---- TLS ---- */

/* Skip a vector whose length takes @p width bytes at @p *p. */
static int
skip_vector(const uint8_t *d, size_t end, size_t *p, size_t width)
{
	size_t n;

	if (end - *p < width)
		return -EINVAL;
	n = width == 1 ? d[*p] : be16(d + *p);
	if (end - *p - width < n)
		return -EINVAL;
	*p += width + n;
	return 0;
}

/* The host_name of a server_name extension's body @p e of @p n bytes. */
static int
server_name(const uint8_t *e, size_t n, const uint8_t **name,
	    size_t *name_len)
{
	size_t end, q = 2, k;

	if (n < 2)
		return -EINVAL;
	end = 2 + RTE_MIN(n - 2, (size_t)be16(e));
	while (end - q >= 3) {
		k = be16(e + q + 1);
		if (end - q - 3 < k)
			return -EINVAL;
		if (e[q] == TLS_SNI_HOST_NAME && k > 0) {
			*name = e + q + 3;
			*name_len = k;
			return 0;
		}
		q += 3 + k;
	}
	return -EINVAL;
}

/*
 * Walk a ClientHello to its server_name extension. Every length is cut
 * to what encloses it and to the data we have: a ClientHello longer than
 * this segment is read as far as it goes.
 */
static int
tls_sni(const uint8_t *d, size_t len, const uint8_t **name, size_t *name_len)
{
	size_t end, p, n;

	if (d == NULL || len < 5 || d[0] != TLS_HANDSHAKE || d[1] != 3)
		return -EINVAL;
	end = RTE_MIN(len, 5 + (size_t)be16(d + 3));
	p = 5;
	if (end - p < 4 || d[p] != TLS_CLIENT_HELLO)
		return -EINVAL;
	end = RTE_MIN(end, p + 4 + (size_t)be24(d + p + 1));
	p += 4;
	/* Version and random. */
	if (end - p < 34)
		return -EINVAL;
	p += 34;
	/* Session id, cipher suites, compression methods. */
	if (skip_vector(d, end, &p, 1) < 0 || skip_vector(d, end, &p, 2) < 0 ||
	    skip_vector(d, end, &p, 1) < 0 || end - p < 2)
		return -EINVAL;
	end = RTE_MIN(end, p + 2 + (size_t)be16(d + p));
	p += 2;
	while (end - p >= 4) {
		n = be16(d + p + 2);
		if (end - p - 4 < n)
			return -EINVAL;
		if (be16(d + p) == TLS_EXT_SERVER_NAME)
			return server_name(d + p + 4, n, name, name_len);
		p += 4 + n;
	}
	return -EINVAL;
}

int
ww_l7_tls_sni(const uint8_t *data, size_t len, char *out, size_t size)
{
	const uint8_t *name;
	size_t n;

	if (tls_sni(data, len, &name, &n) < 0 || n > HOST_MAX)
		return -EINVAL;
	/* Not a host name, and not something to put in a log line. */
	for (size_t i = 0; i < n; i++)
		if (!visible(name[i]))
			return -EINVAL;
	copy_out(out, size, name, n);
	return (int)n;
}

int
ww_l7_match_tls(const struct ww_l7_list *l, const uint8_t *data,
		size_t len, char *what, size_t size)
{
	char name[HOST_MAX + 1];
	const uint8_t *sni;
	size_t n;

	if (l == NULL || tls_sni(data, len, &sni, &n) < 0)
		return 0;
	n = norm_host(sni, n, name);
	if (n == 0 || match_name(l, name, n, NULL, 0) != MATCH_HOST)
		return 0;
	copy_out(what, size, name, n);
	return 1;
}
