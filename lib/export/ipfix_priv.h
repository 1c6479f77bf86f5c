/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/export internals, shared by ipfix.c (the handle, batching, sending),
 * ipfix_encode.c (the bytes of templates and data records) and
 * ipfix_collector.c (parsing and opening "HOST:PORT").
 */
#ifndef WW_EXPORT_IPFIX_PRIV_H
#define WW_EXPORT_IPFIX_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ipfix.h"

#define IPFIX_VERSION 10
#define IPFIX_HDR_LEN 16           /* message header (RFC 7011 §3.1) */
#define IPFIX_SET_HDR_LEN 4        /* set id, set length */
#define IPFIX_SET_TEMPLATE 2
#define IPFIX_TMPL_V4 256
#define IPFIX_TMPL_V6 257
#define IPFIX_FIELDS 12            /* fields in either template */
#define IPFIX_REC_V4_LEN 52        /* data record bytes, IPv4 template */
#define IPFIX_REC_V6_LEN 76
/* The template set: its header, then two records of 4 + 4 bytes a field. */
#define IPFIX_TMPL_SET_LEN \
	(IPFIX_SET_HDR_LEN + 2 * (4 + 4 * IPFIX_FIELDS))
/* The smallest message that still carries templates and one record. */
#define IPFIX_MTU_MIN (IPFIX_HDR_LEN + IPFIX_TMPL_SET_LEN + \
		       IPFIX_SET_HDR_LEN + IPFIX_REC_V6_LEN)

#define IPFIX_DEFAULT_DOMAIN 1
#define IPFIX_DEFAULT_REFRESH_S 60
#define IPFIX_DEFAULT_MTU 1400

struct ww_ipfix {
	int fd[WW_IPFIX_COLLECTORS_MAX];  /* connected, non-blocking UDP */
	unsigned int nb_fd;
	uint32_t domain_id;
	uint32_t refresh_s;
	uint16_t mtu;

	uint64_t now_s;        /* the last flush's time: messages sent by
				* ww_ipfix_add() carry it */
	bool tmpl_sent;
	uint64_t tmpl_sent_s;
	uint32_t seq;          /* data records sent so far, mod 2^32 */

	/* Data sets queued for the next message, without its header. */
	uint8_t *data;         /* mtu - IPFIX_HDR_LEN bytes */
	size_t data_len;
	size_t set_off;        /* where the open data set starts */
	uint16_t set_id;       /* its template; 0: none open */
	uint32_t nb_queued;    /* data records in data[] */

	uint8_t *msg;          /* mtu bytes: the message being sent */
	struct ww_ipfix_stats st;
};

/* Write the template set (IPFIX_TMPL_SET_LEN bytes) at @p p. */
void ww_ipfix_put_templates(uint8_t *p);

/* The data record length for address family @p family (4, 6); 0 for any
 * other. */
size_t ww_ipfix_record_len(uint8_t family);

/* Write the data record of direction @p dir (0: side 0 to side 1, 1: the
 * reverse) of @p r at @p p: ww_ipfix_record_len(r->family) bytes. */
void ww_ipfix_put_record(uint8_t *p, const struct ww_flow_record *r,
			 unsigned int dir, int64_t wall_offset_ns);

/* Open a connected non-blocking UDP socket to @p spec ("HOST:PORT",
 * "[V6]:PORT"). @return the descriptor, or -errno with why in @p err. */
int ww_ipfix_collector_open(const char *spec, char *err, size_t size);

#endif /* WW_EXPORT_IPFIX_PRIV_H */
