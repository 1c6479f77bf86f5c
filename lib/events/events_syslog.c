/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/events: syslog, RFC 5424 over UDP (RFC 5426).
 *
 *   <PRI>1 TIMESTAMP HOSTNAME wirewall PROCID MSGID [wirewall@32473 ...] MSG
 *
 * PRI is local0 (16) and the severity of the event's "level"; TIMESTAMP
 * the event's time in UTC; MSGID its kind ("event"); the structured data
 * repeats the fields a SIEM filters on; MSG is the event as compact JSON,
 * without a BOM (MSG-ANY: many receivers show a BOM as garbage, and the
 * JSON says it is UTF-8 anyway). A message longer than WW_EV_SYSLOG_MAX is
 * cut there, as RFC 5424 6.1 lets a sender do.
 *
 * 32473 is the enterprise number RFC 5612 keeps for examples: a site
 * with its own number may change WW_EV_SD_ID.
 *
 * The server's name is resolved once, at open: a DNS outage later does not
 * hold up events. The socket is connected (errors the network reports come
 * back) and non-blocking (a full socket buffer drops the message, counted).
 */
#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "events_priv.h"

#define WW_EV_FACILITY 16           /* local0 */
#define WW_EV_SEVERITY_DEFAULT 6    /* informational */
#define WW_EV_APP_NAME "wirewall"
#define WW_EV_SD_ID "wirewall@32473"
#define WW_EV_PORT_DEFAULT "514"

static const struct {
	const char *name;
	int severity;
} severities[] = {
	{ "emergency", 0 }, { "emerg", 0 },
	{ "alert", 1 },
	{ "critical", 2 }, { "crit", 2 },
	{ "error", 3 }, { "err", 3 },
	{ "warning", 4 }, { "warn", 4 },
	{ "notice", 5 },
	{ "info", 6 }, { "informational", 6 },
	{ "debug", 7 },
};

/* The fields the structured data repeats, in this order. */
static const char *const sd_keys[] = {
	"event_type", "category", "level", "src_ip", "src_port", "dest_ip",
	"dest_port", "proto", "count", "detail",
};

/* ---- the server ---- */

/* "HOST:PORT", "[V6]:PORT", or either without ":PORT" (514). */
static int
split_server(const char *server, char *host, size_t hsize, const char **port,
	     char *err, size_t size)
{
	const char *start = server, *end, *colon = strrchr(server, ':');
	size_t n;

	if (server[0] == '[') {
		end = strchr(server, ']');
		if (end == NULL || (end[1] != '\0' && end[1] != ':'))
			return ww_ev_fail(err, size, -EINVAL,
					  "syslog server \"%s\": expected [IPv6]:PORT",
					  server);
		start = server + 1;
		colon = end[1] == ':' ? end + 1 : NULL;
	} else {
		if (colon != NULL && strchr(server, ':') != colon)
			return ww_ev_fail(err, size, -EINVAL,
					  "syslog server \"%s\": an IPv6 address goes in brackets: [ADDR]:PORT",
					  server);
		end = colon != NULL ? colon : server + strlen(server);
	}
	n = (size_t)(end - start);
	if (n == 0)
		return ww_ev_fail(err, size, -EINVAL,
				  "syslog server \"%s\": no host", server);
	if (n >= hsize)
		return ww_ev_fail(err, size, -EINVAL,
				  "syslog server \"%.40s...\": host name too long",
				  server);
	memcpy(host, start, n);
	host[n] = '\0';
	*port = colon != NULL ? colon + 1 : WW_EV_PORT_DEFAULT;
	return 0;
}

static int
port_ok(const char *port)
{
	char *end;
	long v;

	if (port[0] < '0' || port[0] > '9')
		return 0;
	v = strtol(port, &end, 10);
	return *end == '\0' && v >= 1 && v <= 65535;
}

/* The first address the socket connects to. */
static int
connect_any(struct ww_ev_syslog *s, const struct addrinfo *list)
{
	int err = EADDRNOTAVAIL;

	for (const struct addrinfo *ai = list; ai != NULL; ai = ai->ai_next) {
		s->fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_NONBLOCK |
			       SOCK_CLOEXEC, 0);
		if (s->fd < 0) {
			err = errno;
			continue;
		}
		if (connect(s->fd, ai->ai_addr, ai->ai_addrlen) == 0)
			return 0;
		err = errno;
		close(s->fd);
		s->fd = -1;
	}
	return -err;
}

/* Printable ASCII without spaces (RFC 5424 PRINTUSASCII), at most
 * @p max bytes; "-" when nothing is left. */
static void
header_field(char *out, size_t max, const char *in)
{
	size_t i;

	for (i = 0; in != NULL && in[i] != '\0' && i < max; i++)
		out[i] = (in[i] > 0x20 && in[i] < 0x7f) ? in[i] : '_';
	if (i == 0)
		out[i++] = '-';
	out[i] = '\0';
}

int
ww_ev_syslog_open(struct ww_ev_syslog *s, const char *server,
		  const char *hostname, char *err, size_t size)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM,
				  .ai_flags = AI_NUMERICSERV };
	struct addrinfo *list = NULL;
	char host[256], me[256] = "";
	const char *port = NULL;
	int ret;

	ret = split_server(server, host, sizeof(host), &port, err, size);
	if (ret != 0)
		return ret;
	if (!port_ok(port))
		return ww_ev_fail(err, size, -EINVAL,
				  "syslog server \"%s\": port: expected 1 to 65535",
				  server);
	ret = getaddrinfo(host, port, &hints, &list);
	if (ret != 0)
		return ww_ev_fail(err, size, -EADDRNOTAVAIL,
				  "syslog server \"%s\": %s", server,
				  ret == EAI_SYSTEM ? strerror(errno) :
				  gai_strerror(ret));
	ret = connect_any(s, list);
	freeaddrinfo(list);
	if (ret != 0)
		return ww_ev_fail(err, size, ret, "syslog server \"%s\": %s",
				  server, strerror(-ret));
	if (hostname == NULL && gethostname(me, sizeof(me) - 1) == 0)
		hostname = me;
	header_field(s->host, 255, hostname);
	snprintf(s->procid, sizeof(s->procid), "%d", (int)getpid());
	return 0;
}

void
ww_ev_syslog_close(struct ww_ev_syslog *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

int
ww_ev_syslog_send(const struct ww_ev_syslog *s, const char *msg, size_t len)
{
	return send(s->fd, msg, len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 ?
	       -errno : 0;
}

/* ---- the message ---- */

/* A buffer filled as far as it goes; the rest is cut. */
struct out {
	char *p;
	size_t len, size;
};

static void
put(struct out *o, const char *s, size_t n)
{
	if (n > o->size - 1 - o->len)
		n = o->size - 1 - o->len;
	memcpy(o->p + o->len, s, n);
	o->len += n;
	o->p[o->len] = '\0';
}

static void
put_str(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

static void __attribute__((format(printf, 2, 3)))
putf(struct out *o, const char *fmt, ...)
{
	char buf[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0)
		put(o, buf, (size_t)n < sizeof(buf) ? (size_t)n :
		    sizeof(buf) - 1);
}

/* A PARAM-VALUE: '"', '\' and ']' take a backslash (RFC 5424 6.3.3). */
static void
put_value(struct out *o, const char *s, size_t n)
{
	size_t from = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] != '"' && s[i] != '\\' && s[i] != ']')
			continue;
		put(o, s + from, i - from);
		put(o, "\\", 1);
		from = i;
	}
	put(o, s + from, n - from);
}

static int
severity(const char *level)
{
	for (size_t i = 0; level != NULL &&
	     i < sizeof(severities) / sizeof(severities[0]); i++)
		if (strcasecmp(level, severities[i].name) == 0)
			return severities[i].severity;
	return WW_EV_SEVERITY_DEFAULT;
}

/* RFC 3339 in UTC with microseconds, or "-" if it cannot be one. */
static void
put_time(struct out *o, double t)
{
	char buf[40];
	struct tm tm;
	time_t secs;
	long us;

	/* up to the end of year 9999 */
	if (!isfinite(t) || t < 0 || t >= 253402300800.0) {
		put_str(o, "-");
		return;
	}
	secs = (time_t)t;
	us = (long)((t - (double)secs) * 1e6);
	if (us > 999999)
		us = 999999;
	gmtime_r(&secs, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	putf(o, "%s.%06ldZ", buf, us);
}

static void
put_sd(struct out *o, const json_t *event)
{
	bool any = false;
	const json_t *v;

	for (size_t i = 0; i < sizeof(sd_keys) / sizeof(sd_keys[0]); i++) {
		v = json_object_get(event, sd_keys[i]);
		if (!json_is_string(v) && !json_is_integer(v))
			continue;
		put_str(o, any ? " " : "[" WW_EV_SD_ID " ");
		any = true;
		putf(o, "%s=\"", sd_keys[i]);
		if (json_is_string(v))
			put_value(o, json_string_value(v),
				  json_string_length(v));
		else
			putf(o, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		put_str(o, "\"");
	}
	put_str(o, any ? "]" : "-");
}

size_t
ww_ev_syslog_format(const struct ww_ev_syslog *s, const json_t *event,
		    const char *json, double time_s, char *buf, size_t size)
{
	const char *level = json_string_value(json_object_get(event, "level"));
	struct out o = { .p = buf, .size = size };
	char msgid[33];

	buf[0] = '\0';
	putf(&o, "<%d>1 ", WW_EV_FACILITY * 8 + severity(level));
	put_time(&o, time_s);
	header_field(msgid, 32,
		     json_string_value(json_object_get(event, "event")));
	put_str(&o, " ");
	put_str(&o, s->host);
	put_str(&o, " " WW_EV_APP_NAME " ");
	put_str(&o, s->procid);
	put_str(&o, " ");
	put_str(&o, msgid);
	put_str(&o, " ");
	put_sd(&o, event);
	put_str(&o, " ");
	put_str(&o, json);
	return o.len;
}
