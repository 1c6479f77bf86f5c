/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * lib/export — IPFIX (RFC 7011) export of flow records over UDP.
 *
 * Records are encoded with two templates, 256 for IPv4 and 257 for IPv6,
 * of the same IANA elements in this order: sourceIPv4Address (8) and
 * destinationIPv4Address (12), or sourceIPv6Address (27) and
 * destinationIPv6Address (28); then sourceTransportPort (7),
 * destinationTransportPort (11), protocolIdentifier (4, 1 byte),
 * tcpControlBits (6, 2 bytes), packetDeltaCount (2, 8 bytes),
 * octetDeltaCount (1, 8 bytes: the record's frame bytes),
 * flowStartMilliseconds (152), flowEndMilliseconds (153), flowEndReason
 * (136, 1 byte), ingressInterface (10, 4 bytes: the record's in_port).
 * Data records are 52 and 76 bytes, data sets are not padded.
 *
 * IPFIX collectors such as nfcapd know no biflows: each direction that
 * carried packets is a data record of its own, side 0 to side 1 as
 * recorded, side 1 to side 0 with addresses and ports swapped, each with
 * its own counts and TCP flags. ICMP type and code (side 0's) stay in
 * destinationTransportPort both ways, where NetFlow collectors read them.
 *
 * Records are batched into messages of at most params.mtu bytes; every
 * message goes to every collector. Templates are in the first message
 * and again every template_refresh_s seconds (UDP collectors may start
 * later). The sequence number is the count of data records sent before
 * the message, lost ones included, so a collector sees the losses.
 *
 * Sockets are non-blocking: a datagram the kernel does not take, or that
 * a collector refused (ICMP port unreachable, reported on the next send),
 * is counted in send_errors, never waited for.
 *
 * Used from one thread (the control plane).
 */
#ifndef WW_EXPORT_IPFIX_H
#define WW_EXPORT_IPFIX_H

#include <stddef.h>
#include <stdint.h>

#include "flowrec.h"

#ifdef __cplusplus
extern "C" {
#endif

#define WW_IPFIX_COLLECTORS_MAX 4

struct ww_ipfix_params {
	const char *collectors[WW_IPFIX_COLLECTORS_MAX]; /**< "HOST:PORT" (v4, [v6]) */
	unsigned int nb_collectors;
	uint32_t domain_id;           /**< observation domain; 0: 1 */
	uint32_t template_refresh_s;  /**< 0: 60 */
	uint16_t mtu;                 /**< message size cap; 0: 1400;
				       *   at least 204 */
};

struct ww_ipfix;

/**
 * Resolve the collectors (names too: this may wait on DNS) and open a
 * connected UDP socket to each.
 * @return the exporter, or NULL with errno set and "collector \"X\": why"
 *   (or what else is wrong: mtu, number of collectors) in @p err.
 */
struct ww_ipfix *ww_ipfix_create(const struct ww_ipfix_params *p, char *err,
				 size_t size);
void ww_ipfix_free(struct ww_ipfix *x);

/**
 * Queue one record for export. @p wall_offset_ns turns the record's
 * worker-clock times into unix time (ns). Each direction that carried
 * packets becomes a data record: two for a conversation, one for one-way
 * traffic, none for an interim record with nothing new. Sends a message
 * when it is full. Records of another family than 4 or 6 are ignored.
 */
void ww_ipfix_add(struct ww_ipfix *x, const struct ww_flow_record *r,
		  int64_t wall_offset_ns);

/**
 * Send what is queued, and the templates when due (alone if nothing is
 * queued). @p now_s is unix time: the export time of this message and of
 * those ww_ipfix_add() sends until the next flush, and the clock of the
 * template refresh.
 * @return messages that reached a collector (0: nothing to send), or
 *   -errno when none did.
 */
int ww_ipfix_flush(struct ww_ipfix *x, uint64_t now_s);

struct ww_ipfix_stats {
	uint64_t records;      /**< data records sent (once for all collectors) */
	uint64_t messages;     /**< datagrams sent, to each collector */
	uint64_t bytes;        /**< their bytes */
	uint64_t send_errors;  /**< datagrams not sent or refused */
};
void ww_ipfix_get_stats(const struct ww_ipfix *x, struct ww_ipfix_stats *out);

#ifdef __cplusplus
}
#endif

#endif /* WW_EXPORT_IPFIX_H */
