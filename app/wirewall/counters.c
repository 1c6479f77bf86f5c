/* SPDX-License-Identifier: BSD-3-Clause */
#include <inttypes.h>

#include "counters.h"

/* The struct is all uint64_t: walk it as an array so a new field can't be
 * forgotten in add/sub. */
#define NB_FIELDS (sizeof(struct ww_port_counters) / sizeof(uint64_t))

void
ww_counters_add(struct ww_port_counters *out, const struct ww_port_counters *in)
{
	uint64_t *o = (uint64_t *)out;
	const uint64_t *i = (const uint64_t *)in;

	for (size_t k = 0; k < NB_FIELDS; k++)
		o[k] += i[k];
}

void
ww_counters_sub(struct ww_port_counters *out, const struct ww_port_counters *a,
		const struct ww_port_counters *b)
{
	uint64_t *o = (uint64_t *)out;
	const uint64_t *x = (const uint64_t *)a, *y = (const uint64_t *)b;

	for (size_t k = 0; k < NB_FIELDS; k++)
		o[k] = x[k] - y[k];
}

uint64_t
ww_counters_drops_total(const struct ww_port_counters *c)
{
	uint64_t total = 0;

	for (unsigned int r = 0; r < WW_REASON_MAX; r++)
		total += c->drops[r];
	return total;
}

bool
ww_counters_conserved(const struct ww_port_counters *c)
{
	return c->rx_packets == c->forwarded_packets +
		ww_counters_drops_total(c) + c->to_host + c->queued;
}

json_t *
ww_counters_to_json(const struct ww_port_counters *c)
{
	json_t *drops = json_object();

	/* Every reason, zero or not: consumers get stable keys. */
	for (unsigned int r = WW_REASON_NONE + 1; r < WW_REASON_MAX; r++)
		json_object_set_new(drops, ww_reason_name(r),
				    json_integer((json_int_t)c->drops[r]));
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:I, s:I, s:I, s:b}",
		"rx_packets", (json_int_t)c->rx_packets,
		"rx_bytes", (json_int_t)c->rx_bytes,
		"tx_packets", (json_int_t)c->tx_packets,
		"tx_bytes", (json_int_t)c->tx_bytes,
		"forwarded_packets", (json_int_t)c->forwarded_packets,
		"forwarded_bytes", (json_int_t)c->forwarded_bytes,
		"drops", drops,
		"drops_total", (json_int_t)ww_counters_drops_total(c),
		"to_host", (json_int_t)c->to_host,
		"queued", (json_int_t)c->queued,
		"conserved", ww_counters_conserved(c));
}

void
ww_counters_print(FILE *f, const struct ww_port_counters *c)
{
	fprintf(f, "  RX-packets: %-14" PRIu64 " RX-bytes: %" PRIu64 "\n"
		   "  TX-packets: %-14" PRIu64 " TX-bytes: %" PRIu64 "\n"
		   "  Forwarded:  %-14" PRIu64 " Dropped:  %-14" PRIu64
		   " To-host: %-10" PRIu64 " Queued: %" PRIu64 "\n",
		c->rx_packets, c->rx_bytes, c->tx_packets, c->tx_bytes,
		c->forwarded_packets, ww_counters_drops_total(c), c->to_host,
		c->queued);
	for (unsigned int r = WW_REASON_NONE + 1; r < WW_REASON_MAX; r++)
		if (c->drops[r] != 0)
			fprintf(f, "    drop %-24s %-10" PRIu64 " %s\n",
				ww_reason_name(r), c->drops[r],
				ww_reason_help(r));
	fprintf(f, "  Accounting: rx = forwarded + dropped + to-host + queued: %s\n",
		ww_counters_conserved(c) ? "holds" : "VIOLATED");
}
