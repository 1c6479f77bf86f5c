/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/events internals, shared by events.c (the handle, the buffer, JSON
 * lines), events_store.c (the SQLite file, batches, retention),
 * events_query.c (the query object and its SQL) and events_syslog.c
 * (RFC 5424 over UDP).
 *
 * Two locks, so that a long query never holds up add():
 *  - lock: the writer's connection, the buffer, the outputs, the counters;
 *  - qlock: the reader's connection and its statements.
 * WAL lets the reader see every committed batch while the writer goes on.
 * Nobody takes both.
 */
#ifndef WW_EVENTS_PRIV_H
#define WW_EVENTS_PRIV_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <sqlite3.h>

#include "events.h"

#define WW_EV_MAX_ROWS 1000000u
#define WW_EV_MAX_AGE_S (30u * 86400u)
#define WW_EV_BATCH 1000u
#define WW_EV_BUFFER 100000u
#define WW_EV_BUFFER_MAX (1u << 24)   /* bound on params.buffer_max */
#define WW_EV_LIMIT_DEFAULT 100
#define WW_EV_LIMIT_MAX 1000
#define WW_EV_BUSY_MS 100             /* a flush that waits longer retries later */
#define WW_EV_SYSLOG_MAX 8192         /* rsyslog's default; longer is cut */

/*
 * Columns taken out of an event, besides time and json, as (ID, name): the
 * name is both the event's key and the column's. One list makes the enum,
 * the CREATE TABLE and the INSERT, so they cannot disagree.
 */
#define WW_EV_TEXT_COLUMNS(X) \
	X(CATEGORY, category) \
	X(LEVEL, level) \
	X(EVENT, event) \
	X(SRC_IP, src_ip) \
	X(DEST_IP, dest_ip)
#define WW_EV_INT_COLUMNS(X) \
	X(SRC_PORT, src_port) \
	X(DEST_PORT, dest_port) \
	X(PROTO, proto) \
	X(COUNT, count)

#define WW_EV_ENUM(id, name) WW_EV_##id,
enum ww_ev_text { WW_EV_TEXT_COLUMNS(WW_EV_ENUM) WW_EV_NB_TEXT };
enum ww_ev_int { WW_EV_INT_COLUMNS(WW_EV_ENUM) WW_EV_NB_INT };
#undef WW_EV_ENUM

/* One buffered event: its columns and JSON text in one allocation. */
struct ww_ev_row {
	double time;
	int64_t num[WW_EV_NB_INT];
	unsigned int has_num;              /* bit i: num[i] was in the event */
	const char *text[WW_EV_NB_TEXT];   /* NULL: not in the event */
	const char *json;
	char data[];
};

struct ww_ev_syslog {
	int fd;                            /* UDP, connected, non-blocking */
	char host[256];                    /* HOSTNAME, printable ASCII or "-" */
	char procid[16];
};

/* Statements of one query shape (a set of filters), made when first used. */
struct ww_ev_qstmt {
	sqlite3_stmt *count;
	sqlite3_stmt *page;
};

#define WW_EV_NB_FILTERS 6                 /* since until category level event addr */

struct ww_events {
	pthread_mutex_t lock;
	struct ww_events_params p;         /* defaults applied; no strings */
	char *db_path;
	sqlite3 *db;                       /* the writer */
	sqlite3_stmt *insert, *expire_age, *expire_rows;
	struct ww_ev_row **buf;            /* p.buffer_max slots */
	uint32_t nb_buf;
	double newest;                     /* latest time stored: retention's now */
	FILE *jsonl;
	char *jsonl_path;
	struct ww_ev_syslog syslog;        /* fd -1: none */
	struct ww_events_stats st;

	pthread_mutex_t qlock;
	sqlite3 *rdb;                      /* the reader */
	struct ww_ev_qstmt q[1u << WW_EV_NB_FILTERS];
};

int ww_ev_fail(char *err, size_t size, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* @p s in its canonical text if it is an address (in @p buf, which holds
 * INET6_ADDRSTRLEN), else @p s itself. */
const char *ww_ev_addr_canon(const char *s, char *buf);

/* events_store.c */
int ww_ev_sqlite_errno(sqlite3 *db, int rc);
int ww_ev_store_open(struct ww_events *e, char *err, size_t size);
void ww_ev_store_close(struct ww_events *e);
/* Commit rows (at most p.batch_max) and apply retention, one transaction.
 * lock held. @return 0 or -errno; on error nothing changed. */
int ww_ev_store_commit(struct ww_events *e, struct ww_ev_row *const *rows,
		       uint32_t n);

/* events_query.c; qlock is taken inside. */
json_t *ww_ev_query(struct ww_events *e, const json_t *query, char *err,
		    size_t size);
int64_t ww_ev_export(struct ww_events *e, const json_t *query, uint32_t max,
		     ww_events_row_fn fn, void *ctx, char *err, size_t size);
void ww_ev_query_close(struct ww_events *e);

/* events_syslog.c */
int ww_ev_syslog_open(struct ww_ev_syslog *s, const char *server,
		      const char *hostname, char *err, size_t size);
void ww_ev_syslog_close(struct ww_ev_syslog *s);
/* The message for @p event, NUL-terminated in @p out. @return its length. */
size_t ww_ev_syslog_format(const struct ww_ev_syslog *s, const json_t *event,
			   const char *json, double time_s, char *out,
			   size_t size);
/* Send without waiting. @return 0 or -errno. */
int ww_ev_syslog_send(const struct ww_ev_syslog *s, const char *msg,
		      size_t len);

#endif /* WW_EVENTS_PRIV_H */
