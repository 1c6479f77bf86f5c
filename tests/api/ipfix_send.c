/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ipfix_send: export flow records read from standard input to IPFIX
 * collectors with lib/export, so a real collector can be tested without
 * the appliance.
 *
 *   ipfix_send [-d DOMAIN] [-m MTU] [-t NOW_S] COLLECTOR...  < RECORDS
 *
 * One record a line, blank lines and '#' comments skipped:
 *
 *   PROTO SRC SPORT DST DPORT PKTS0 BYTES0 PKTS1 BYTES1 FIRST_MS LAST_MS \
 *         [FLAGS0 FLAGS1 [END_REASON [IN_PORT]]]
 *
 * SRC/SPORT is side 0 (the initiator), times are unix milliseconds, flags
 * may be hex (0x1b). Prints the exporter's counters when done; exits 1 on
 * a bad line or collector.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ipfix.h"

static int
parse_addrs(struct ww_flow_record *r, const char *a, const char *b)
{
	if (inet_pton(AF_INET, a, r->addr[0]) == 1 &&
	    inet_pton(AF_INET, b, r->addr[1]) == 1) {
		r->family = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, a, r->addr[0]) == 1 &&
	    inet_pton(AF_INET6, b, r->addr[1]) == 1) {
		r->family = 6;
		return 0;
	}
	return -1;
}

/* @return 1 for a record, 0 for a line without one, -1 if malformed. */
static int
parse_line(const char *line, struct ww_flow_record *r)
{
	char a[64], b[64];
	unsigned int proto, sport, dport, reason = 4, in = 0;
	int f0 = 0, f1 = 0;
	uint64_t first_ms, last_ms;
	int n;

	line += strspn(line, " \t");
	if (*line == '\0' || *line == '\n' || *line == '#')
		return 0;
	memset(r, 0, sizeof(*r));
	n = sscanf(line, "%u %63s %u %63s %u %" SCNu64 " %" SCNu64 " %" SCNu64
		   " %" SCNu64 " %" SCNu64 " %" SCNu64 " %i %i %u %u",
		   &proto, a, &sport, b, &dport, &r->packets[0], &r->bytes[0],
		   &r->packets[1], &r->bytes[1], &first_ms, &last_ms,
		   &f0, &f1, &reason, &in);
	if (n < 11 || n == 12 || proto > 255 || sport > 65535 ||
	    dport > 65535 || f0 < 0 || f0 > 255 || f1 < 0 || f1 > 255 ||
	    reason > 255 || in > 65535 || parse_addrs(r, a, b) != 0)
		return -1;
	r->proto = (uint8_t)proto;
	r->port[0] = (uint16_t)sport;
	r->port[1] = (uint16_t)dport;
	r->first_ns = first_ms * 1000000u;
	r->last_ns = last_ms * 1000000u;
	r->tcp_flags[0] = (uint8_t)f0;
	r->tcp_flags[1] = (uint8_t)f1;
	r->end_reason = (uint8_t)reason;
	r->in_port = (uint16_t)in;
	return 1;
}

static int
usage(void)
{
	fprintf(stderr, "usage: ipfix_send [-d DOMAIN] [-m MTU] [-t NOW_S] "
		"COLLECTOR... < RECORDS\n");
	return 2;
}

static int
send_records(struct ww_ipfix *x, uint64_t now_s)
{
	struct ww_flow_record r;
	struct ww_ipfix_stats st;
	char line[512];
	unsigned int lineno = 0;
	int ret;

	while (fgets(line, sizeof(line), stdin) != NULL) {
		lineno++;
		ret = parse_line(line, &r);
		if (ret < 0) {
			fprintf(stderr, "error: line %u: not a record\n",
				lineno);
			return 1;
		}
		if (ret > 0)
			ww_ipfix_add(x, &r, 0);
	}
	ret = ww_ipfix_flush(x, now_s);
	ww_ipfix_get_stats(x, &st);
	printf("records %" PRIu64 " messages %" PRIu64 " bytes %" PRIu64
	       " send_errors %" PRIu64 "\n", st.records, st.messages,
	       st.bytes, st.send_errors);
	if (ret < 0) {
		fprintf(stderr, "error: flush: %s\n", strerror(-ret));
		return 1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct ww_ipfix_params p = { 0 };
	uint64_t now_s = (uint64_t)time(NULL);
	struct ww_ipfix *x;
	char err[256];
	int c, ret;

	while ((c = getopt(argc, argv, "d:m:t:")) != -1) {
		switch (c) {
		case 'd': p.domain_id = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'm': p.mtu = (uint16_t)strtoul(optarg, NULL, 0); break;
		case 't': now_s = strtoull(optarg, NULL, 0); break;
		default: return usage();
		}
	}
	if (optind >= argc || argc - optind > WW_IPFIX_COLLECTORS_MAX)
		return usage();
	for (int i = optind; i < argc; i++)
		p.collectors[p.nb_collectors++] = argv[i];
	x = ww_ipfix_create(&p, err, sizeof(err));
	if (x == NULL) {
		fprintf(stderr, "error: %s\n", err);
		return 1;
	}
	ret = send_records(x, now_s);
	ww_ipfix_free(x);
	return ret;
}
