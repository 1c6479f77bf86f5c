/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the guards share: default settings, the snapshot's deep copy, the
 * names of events, the token bucket, events built from packets.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include <rte_common.h>

#include "guard.h"
#include "icmp_guard.h"
#include "packet.h"

void
ww_guard_config_default(struct ww_guard_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->arp = (struct ww_guard_arp_config){ .enabled = true,
		.verify = true, .rate = 50, .burst = 100,
		.probe_timeout_ms = 1000, .max_bindings = 4096 };
	cfg->icmp = (struct ww_guard_icmp_config){ .enabled = true,
		.max_size = 1500, .rate = 100, .burst = 200 };
	ww_icmp_guard_default_types(cfg->icmp.allow4, cfg->icmp.allow6);
	cfg->blocklist = (struct ww_guard_blocklist_config){ .enabled = true,
		.max_entries = 65536, .block_ttl_s = 600 };
	/* nmap's default SYN scan probes 1000 ports in seconds; a client
	 * rarely opens 50 distinct ports of one host (passive FTP, VoIP do
	 * open several), and a resolver or proxy talks to many hosts. */
	cfg->scan = (struct ww_guard_scan_config){ .enabled = true,
		.ports = 50, .hosts = 100, .window_ms = 10000,
		.block_ttl_s = 600 };
	cfg->rate = (struct ww_guard_rate_config){ .enabled = true,
		.new_per_s = 200, .burst = 400, .block_ttl_s = 600 };
	cfg->synflood = (struct ww_guard_synflood_config){ .enabled = true,
		.syn_per_s = 10000, .dst_syn_per_s = 5000, .half_open = 20000,
		.source_syn_per_s = 100, .source_burst = 200, .quiet_s = 5 };
	cfg->http = (struct ww_guard_http_config){ .enabled = true,
		.nb_ports = 2, .ports = { 80, 8080 },
		.nb_tls_ports = 1, .tls_ports = { 443 } };
	cfg->events.window_s = 10;
}

static void *
dup_array(const void *src, size_t n, size_t size, int *err)
{
	void *p;

	if (n == 0 || src == NULL)
		return NULL;
	p = malloc(n * size);
	if (p == NULL) {
		*err = -ENOMEM;
		return NULL;
	}
	memcpy(p, src, n * size);
	return p;
}

int
ww_guard_config_copy(struct ww_guard_config *dst,
		     const struct ww_guard_config *src)
{
	int err = 0;

	*dst = *src;
	dst->arp.bindings = dup_array(src->arp.bindings, src->arp.nb_static,
				      sizeof(*src->arp.bindings), &err);
	dst->http.hosts = dup_array(src->http.hosts, src->http.nb_hosts,
				    sizeof(*src->http.hosts), &err);
	dst->http.urls = dup_array(src->http.urls, src->http.nb_urls,
				   sizeof(*src->http.urls), &err);
	if (err != 0)
		ww_guard_config_release(dst);
	return err;
}

void
ww_guard_config_release(struct ww_guard_config *cfg)
{
	free(cfg->arp.bindings);
	free(cfg->http.hosts);
	free(cfg->http.urls);
	cfg->arp.bindings = NULL;
	cfg->http.hosts = cfg->http.urls = NULL;
	cfg->arp.nb_static = cfg->http.nb_hosts = cfg->http.nb_urls = 0;
}

/* ---------------------------------------------------------------- names */

static const struct {
	const char *name, *help;
	uint8_t category, level;
} kinds[WW_EV_MAX] = {
#define WW_EV_INFO(e, cat, lvl, name, help) \
	[WW_EV_##e] = { name, help, WW_EVCAT_##cat, WW_EVLVL_##lvl },
	WW_FOREACH_EVENT(WW_EV_INFO)
#undef WW_EV_INFO
};

static const char *const category_names[WW_EVCAT_MAX] = {
#define WW_EVCAT_NAME(e, name) name,
	WW_FOREACH_EVENT_CATEGORY(WW_EVCAT_NAME)
#undef WW_EVCAT_NAME
};

static const char *const level_names[] = { "info", "notice", "warning", "alert" };

const char *
ww_event_kind_name(unsigned int kind)
{
	return kind < WW_EV_MAX ? kinds[kind].name : "unknown";
}

const char *
ww_event_kind_help(unsigned int kind)
{
	return kind < WW_EV_MAX ? kinds[kind].help : "unknown";
}

enum ww_event_category
ww_event_kind_category(unsigned int kind)
{
	return kind < WW_EV_MAX ? kinds[kind].category : WW_EVCAT_MAX;
}

enum ww_event_level
ww_event_kind_level(unsigned int kind)
{
	return kind < WW_EV_MAX ? kinds[kind].level : WW_EVLVL_INFO;
}

const char *
ww_event_category_name(unsigned int category)
{
	return category < WW_EVCAT_MAX ? category_names[category] : "unknown";
}

const char *
ww_event_level_name(unsigned int level)
{
	return level < RTE_DIM(level_names) ? level_names[level] : "unknown";
}

int
ww_event_kind_from_name(const char *name)
{
	for (unsigned int k = 0; k < WW_EV_MAX; k++)
		if (strcmp(kinds[k].name, name) == 0)
			return (int)k;
	return -ENOENT;
}

/* --------------------------------------------------------- token bucket */

#define TB_SHIFT 20   /* tokens in 1/2^20 units: rates below 1/s still refill */

bool
ww_token_take(struct ww_token_bucket *tb, uint64_t now_ns, uint32_t rate,
	      uint32_t burst)
{
	uint64_t cap = (uint64_t)RTE_MAX(burst, 1u) << TB_SHIFT;
	uint64_t one = UINT64_C(1) << TB_SHIFT;

	if (tb->last_ns == 0) {
		/* A new bucket starts full. */
		tb->tokens = cap;
	} else if (now_ns > tb->last_ns) {
		uint64_t dt = now_ns - tb->last_ns;
		/* rate * dt / 1e9 tokens, scaled; dt capped so it cannot
		 * overflow (a full refill takes at most burst/rate s). */
		uint64_t add = (uint64_t)((unsigned __int128)rate * dt *
					  one / 1000000000u);

		tb->tokens = RTE_MIN(cap, tb->tokens + RTE_MIN(add, cap));
	}
	tb->last_ns = RTE_MAX(now_ns, tb->last_ns);
	if (tb->tokens < one)
		return false;
	tb->tokens -= one;
	return true;
}

/* ------------------------------------------------- events from packets */

void
ww_event_from_packet(struct ww_event *ev, struct rte_mbuf *m)
{
	const struct ww_pkt_meta *meta = ww_pkt_meta(m);
	const uint8_t *l3 = rte_pktmbuf_mtod(m, const uint8_t *) + meta->l3_off;
	bool icmp = meta->l4_proto == IPPROTO_ICMP ||
		    meta->l4_proto == IPPROTO_ICMPV6;

	switch (meta->l3) {
	case WW_L3_IPV4:
		ev->family = 4;
		memcpy(ev->src, l3 + 12, 4);
		memcpy(ev->dst, l3 + 16, 4);
		break;
	case WW_L3_IPV6:
		ev->family = 6;
		memcpy(ev->src, l3 + 8, 16);
		memcpy(ev->dst, l3 + 24, 16);
		break;
	case WW_L3_ARP:
		/* sender and target protocol addresses */
		ev->family = 4;
		memcpy(ev->src, l3 + 14, 4);
		memcpy(ev->dst, l3 + 24, 4);
		memcpy(&ev->mac, l3 + 8, RTE_ETHER_ADDR_LEN);
		memcpy(&ev->mac2, rte_pktmbuf_mtod_offset(m, const uint8_t *,
				  RTE_ETHER_ADDR_LEN), RTE_ETHER_ADDR_LEN);
		return;
	default:
		return;
	}
	ev->proto = meta->l4_proto;
	if (meta->flags & WW_PKT_F_L4) {
		ev->sport = icmp ? meta->icmp_type : meta->sport;
		ev->dport = icmp ? meta->icmp_code : meta->dport;
	}
}

void
ww_guard_event_fill(struct ww_event *ev, const struct ww_guard_ctx *ctx,
		    unsigned int kind, struct rte_mbuf *m, uint32_t value)
{
	/* The text is left to the caller: only its first byte is cleared. */
	memset(ev, 0, offsetof(struct ww_event, text) + 1);
	ev->time_ns = ctx->now_ns;
	ev->kind = kind;
	ev->port_idx = ctx->port_idx;
	ev->value = value;
	if (m != NULL)
		ww_event_from_packet(ev, m);
}

void
ww_guard_event(struct ww_guard_ctx *ctx, unsigned int kind, struct rte_mbuf *m,
	       uint32_t value, uint32_t block_ttl_s)
{
	struct ww_event ev;

	if (ctx->events == NULL)
		return;
	ww_guard_event_fill(&ev, ctx, kind, m, value);
	ev.block_ttl_s = block_ttl_s;
	ww_event_emit(ctx->events, &ev, ctx->cfg->events.window_s);
}
