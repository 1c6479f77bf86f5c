/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * lib/events — where alerts and events go: a SQLite store that can be
 * queried, JSON lines for a SIEM, and optional syslog (RFC 5424 over UDP).
 *
 * Events arrive as JSON objects with eve.json-like fields (see
 * ww_events_add()). The control plane (one thread) adds them; queries may
 * come from other threads (the HTTP server, the prompt): every function
 * is thread-safe.
 *
 * The store:
 *  - SQLite in WAL mode (synchronous=NORMAL): a crash (kill -9) loses at
 *    most the batch not yet committed, never the database;
 *  - inserts are batched: ww_events_add() buffers, ww_events_flush()
 *    commits the batch in one transaction (the control plane calls it
 *    every 100 ms or so, and add() flushes by itself at batch_max);
 *  - indexes on time and on (X, time) for each filter X: category, level,
 *    event, src_ip, dest_ip;
 *  - retention: rows older than max_age_s and rows beyond max_rows (the
 *    oldest first) are deleted at each flush and at open, so the file
 *    stays bounded however many events arrive. "Now" for max_age_s is the
 *    newest event time stored (not the wall clock: replayed captures keep
 *    their events);
 *  - under a storm, add() never blocks for long: the buffer is bounded
 *    (buffer_max); what does not fit is counted as dropped, not stored.
 */
#ifndef WW_EVENTS_H
#define WW_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#ifdef __cplusplus
extern "C" {
#endif

struct ww_events_params {
	const char *db_path;       /**< SQLite file; NULL: no store */
	const char *jsonl_path;    /**< JSON lines appended; NULL: none */
	const char *syslog_server; /**< "HOST:PORT" or "[IPv6]:PORT" (UDP,
					RFC 5424; PORT defaults to 514); NULL: none */
	const char *hostname;      /**< syslog HOSTNAME; NULL: gethostname() */
	uint64_t max_rows;         /**< 0: default 1,000,000 */
	uint32_t max_age_s;        /**< 0: default 30 days */
	uint32_t batch_max;        /**< rows per transaction; 0: 1000; at most
					buffer_max */
	uint32_t buffer_max;       /**< rows buffered before add() drops; 0: 100000 */
};

struct ww_events;

/**
 * Open (create) the store and the outputs.
 * @return the handle, or NULL with "what: why" in @p err (a database that
 *   cannot be opened or is not wirewall's, a syslog server that does not
 *   resolve, a JSON lines file that cannot be opened).
 */
struct ww_events *ww_events_open(const struct ww_events_params *p, char *err,
				 size_t size);
/** Flush what is buffered and close. NULL: nothing. */
void ww_events_close(struct ww_events *e);

/**
 * Add one event. Fields read (others are kept in the stored JSON):
 *   "timestamp" (ISO 8601 with offset, e.g. "2026-11-25T01:02:03.123456+0000"),
 *   "event_type", "event" (the kind, e.g. "port-scan"), "category",
 *   "level" ("info", "notice", "warning", "alert"...), "src_ip",
 *   "src_port", "dest_ip", "dest_port", "proto", "count", "detail".
 * The syslog message goes out at once, the JSON line into the file's
 * buffer (on disk at the next flush); the row is buffered until the next
 * flush. @p time_s is the event's time as unix seconds (with fraction),
 * used for ordering, retention and the syslog TIMESTAMP.
 * @return 0, -EINVAL (not an object, @p time_s not finite), -ENOMEM, or
 *   -ENOBUFS when the buffer is full (the event was still written as a
 *   JSON line and to syslog, but not stored).
 */
int ww_events_add(struct ww_events *e, const json_t *event, double time_s);

/** Commit the buffered rows and apply retention; flush the JSON lines.
 *  @return rows committed, or -errno (-EBUSY: the database is locked by
 *  another process; what was not committed stays buffered for the next
 *  flush). */
int ww_events_flush(struct ww_events *e);

/**
 * Stored events, newest first. @p query may hold:
 *   "since", "until"   unix seconds (numbers), inclusive;
 *   "category", "level", "event"   exact strings;
 *   "addr"             an address equal to src_ip or dest_ip (IPv6 in any
 *                      spelling: both sides are compared canonical);
 *   "offset", "limit"  pagination (limit default 100, at most 1000).
 * @return {"items":[event objects as added],"total":N,"offset","limit"}
 *   (new reference), or NULL with "why" in @p err and errno: EINVAL for a
 *   bad query (a key not listed, a wrong type, limit or offset out of
 *   range), ENOTSUP when there is no store (no db_path), EIO/EBUSY/ENOMEM
 *   when the database fails. Rows still buffered are not seen.
 */
json_t *ww_events_query(struct ww_events *e, const json_t *query, char *err,
			size_t size);

/** What ww_events_export() hands over: one stored event as the JSON text
 *  it was added with (@p len bytes, NUL-terminated). @return 0 to go on,
 *  anything else to stop. */
typedef int (*ww_events_row_fn)(void *ctx, const char *json, size_t len);

/**
 * Every stored event matching @p query (the filters of ww_events_query();
 * "offset" and "limit" are refused), newest first, at most @p max of them,
 * each handed to @p fn. One read: the rows are one state of the store
 * however the writer goes on. @p fn runs with the reader's lock held (other
 * queries wait): it must not call into @p e.
 * @return rows handed over (the one @p fn stopped at included), or -errno
 *   with "why" in @p err: -EINVAL, -ENOTSUP, -EIO, -EBUSY, -ENOMEM as for
 *   ww_events_query().
 */
int64_t ww_events_export(struct ww_events *e, const json_t *query,
			 uint32_t max, ww_events_row_fn fn, void *ctx,
			 char *err, size_t size);

struct ww_events_stats {
	uint64_t added;     /**< events given to add() */
	uint64_t stored;    /**< rows committed */
	uint64_t dropped;   /**< not stored: the buffer was full */
	uint64_t expired;   /**< rows deleted by retention */
	uint64_t rows;      /**< rows in the store now */
	uint64_t syslog_sent, syslog_errors; /**< errors: not sent (socket
						  full, unreachable...) */
};
void ww_events_get_stats(struct ww_events *e, struct ww_events_stats *out);

#ifdef __cplusplus
}
#endif

#endif /* WW_EVENTS_H */
