/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/export: a collector's "HOST:PORT" or "[V6]:PORT" to a socket.
 *
 * Names are resolved once, at start-up: the exporter runs on the control
 * plane's thread and must never wait on DNS afterwards. The socket is
 * connected, so sending needs no address and an ICMP port unreachable
 * from a collector that is not up yet comes back as ECONNREFUSED.
 */
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ipfix_priv.h"

#define HOST_MAX 256

static int
fail(char *err, size_t size, int ret, const char *spec, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (err == NULL || size == 0)
		return ret;
	n = snprintf(err, size, "collector \"%.80s\": ", spec);
	if (n >= 0 && (size_t)n < size) {
		va_start(ap, fmt);
		vsnprintf(err + n, size - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return ret;
}

/* Split @p spec into @p host and @p port (a pointer into @p spec); @p v6
 * tells a bracketed address, which must be numeric. */
static int
split(const char *spec, char *host, const char **port, bool *v6, char *err,
      size_t size)
{
	const char *h = spec, *end, *colon;
	size_t n;

	*v6 = spec[0] == '[';
	if (*v6) {
		h = spec + 1;
		end = strchr(h, ']');
		if (end == NULL || end[1] != ':')
			return fail(err, size, -EINVAL, spec,
				    "not [IPV6]:PORT");
		colon = end + 1;
	} else {
		colon = strrchr(spec, ':');
		if (colon == NULL)
			return fail(err, size, -EINVAL, spec,
				    "not HOST:PORT");
		if (memchr(spec, ':', (size_t)(colon - spec)) != NULL)
			return fail(err, size, -EINVAL, spec,
				    "an IPv6 address goes in brackets: [ADDR]:PORT");
		end = colon;
	}
	n = (size_t)(end - h);
	if (n == 0 || n >= HOST_MAX)
		return fail(err, size, -EINVAL, spec,
			    "host: 1 to %d characters", HOST_MAX - 1);
	memcpy(host, h, n);
	host[n] = '\0';
	*port = colon + 1;
	return 0;
}

static int
check_port(const char *spec, const char *s, char *err, size_t size)
{
	unsigned long v = 0;
	size_t n;

	for (n = 0; n < 6 && s[n] >= '0' && s[n] <= '9'; n++)
		v = v * 10 + (unsigned long)(s[n] - '0');
	if (s[n] != '\0' || v == 0 || v > 65535)
		return fail(err, size, -EINVAL, spec, "port: 1 to 65535");
	return 0;
}

/* The first address of @p ai that takes a connected UDP socket. */
static int
connect_any(const struct addrinfo *ai, const char *spec, char *err,
	    size_t size)
{
	int fd, e = EADDRNOTAVAIL;

	for (; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family,
			    ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
			    ai->ai_protocol);
		if (fd < 0) {
			e = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			return fd;
		e = errno;
		close(fd);
	}
	return fail(err, size, -e, spec, "cannot reach: %s", strerror(e));
}

int
ww_ipfix_collector_open(const char *spec, char *err, size_t size)
{
	struct addrinfo hints = {
		.ai_socktype = SOCK_DGRAM,
		.ai_protocol = IPPROTO_UDP,
	}, *ai;
	char host[HOST_MAX];
	const char *port = "";
	bool v6;
	int ret;

	if (spec == NULL)
		return fail(err, size, -EINVAL, "(null)", "no address");
	ret = split(spec, host, &port, &v6, err, size);
	if (ret == 0)
		ret = check_port(spec, port, err, size);
	if (ret != 0)
		return ret;
	hints.ai_family = v6 ? AF_INET6 : AF_UNSPEC;
	hints.ai_flags = AI_NUMERICSERV | (v6 ? AI_NUMERICHOST : 0);
	ret = getaddrinfo(host, port, &hints, &ai);
	if (ret != 0)
		return fail(err, size, ret == EAI_SYSTEM ? -errno : -EINVAL,
			    spec, "cannot resolve %s: %s", host,
			    ret == EAI_SYSTEM ? strerror(errno) :
			    gai_strerror(ret));
	ret = connect_any(ai, spec, err, size);
	freeaddrinfo(ai);
	return ret;
}
