/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * HTTP and TLS block lists: the first request of a connection to an
 * inspected port is matched on its Host header and request target (HTTP)
 * or its ClientHello's server name (TLS).
 *
 * Patterns: "example.com" matches that host exactly (case-insensitive,
 * port and trailing dot ignored); ".example.com" matches example.com and
 * every name under it; "example.com/ads/" matches requests to that host
 * whose target starts with "/ads/" (absolute-form targets are reduced to
 * their path). Host lookups hash each suffix of the name, so a list of
 * thousands costs a few lookups per connection.
 *
 * Parsing is bounds-checked and takes what is in the one segment it is
 * given (no reassembly): a request whose Host header is not in the first
 * data segment is not matched.
 */
#ifndef WW_GUARD_L7_H
#define WW_GUARD_L7_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct ww_l7_list;

/**
 * Compile host and URL patterns.
 * @return the list, or NULL with the offending pattern and why in @p err.
 */
struct ww_l7_list *ww_l7_create(const char *const *hosts, unsigned int nb_hosts,
				const char *const *urls, unsigned int nb_urls,
				char *err, size_t size);
void ww_l7_free(struct ww_l7_list *l);

/** Check one pattern (as ww_l7_create would). @return 0 or -EINVAL. */
int ww_l7_check_pattern(const char *pattern, bool url, char *err, size_t size);

/**
 * Match an HTTP/1.x request head at @p data (the TCP payload).
 * @return 1 and the matched host or host+path in @p what (truncated to
 *   @p size), 0 no match or not HTTP.
 */
int ww_l7_match_http(const struct ww_l7_list *l, const uint8_t *data,
		     size_t len, char *what, size_t size);

/**
 * Match a TLS record holding a ClientHello at @p data (the TCP payload)
 * on its server_name extension against the host patterns.
 * @return 1 with the name in @p what, 0 no match or no SNI.
 */
int ww_l7_match_tls(const struct ww_l7_list *l, const uint8_t *data,
		    size_t len, char *what, size_t size);

/** Extract the SNI alone (tests, logs). @return its length, or -EINVAL. */
int ww_l7_tls_sni(const uint8_t *data, size_t len, char *out, size_t size);

/** Extract the Host (without port) and target. @return 0 or -EINVAL. */
int ww_l7_http_request(const uint8_t *data, size_t len, char *host,
		       size_t host_size, char *target, size_t target_size);

#ifdef __cplusplus
}
#endif

#endif /* WW_GUARD_L7_H */
