/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/events: the handle, add() and its buffer, flush(), the JSON lines
 * file, the counters.
 *
 * add() does its slow parts before taking the lock: the JSON text, the
 * row and the syslog message are made by the caller's thread; under the
 * lock it only writes them out and queues the row.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events_priv.h"

#define WW_EV_KEY(id, name) #name,
static const char *const text_keys[WW_EV_NB_TEXT] = {
	WW_EV_TEXT_COLUMNS(WW_EV_KEY)
};
static const char *const int_keys[WW_EV_NB_INT] = {
	WW_EV_INT_COLUMNS(WW_EV_KEY)
};
#undef WW_EV_KEY

int
ww_ev_fail(char *err, size_t size, int ret, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && size > 0) {
		va_start(ap, fmt);
		vsnprintf(err, size, fmt, ap);
		va_end(ap);
	}
	return ret;
}

const char *
ww_ev_addr_canon(const char *s, char *buf)
{
	unsigned char a[16];

	if (s == NULL)
		return NULL;
	/* "::ffff:0a00:1" and "::ffff:10.0.0.1" must meet in a query */
	if (inet_pton(AF_INET, s, a) == 1)
		return inet_ntop(AF_INET, a, buf, INET6_ADDRSTRLEN) ? buf : s;
	if (inet_pton(AF_INET6, s, a) == 1)
		return inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN) ? buf : s;
	return s;
}

/* ---- the buffer ---- */

/* The row of @p event: its columns and @p json copied in one block. */
static struct ww_ev_row *
row_new(const json_t *event, const char *json, double time_s)
{
	char addr[2][INET6_ADDRSTRLEN];
	const char *text[WW_EV_NB_TEXT];
	size_t len[WW_EV_NB_TEXT], jlen = strlen(json) + 1, total = jlen;
	struct ww_ev_row *r;
	json_t *v;
	char *p;
	int i;

	for (i = 0; i < WW_EV_NB_TEXT; i++)
		text[i] = json_string_value(json_object_get(event, text_keys[i]));
	text[WW_EV_SRC_IP] = ww_ev_addr_canon(text[WW_EV_SRC_IP], addr[0]);
	text[WW_EV_DEST_IP] = ww_ev_addr_canon(text[WW_EV_DEST_IP], addr[1]);
	for (i = 0; i < WW_EV_NB_TEXT; i++) {
		len[i] = text[i] != NULL ? strlen(text[i]) + 1 : 0;
		total += len[i];
	}
	r = malloc(sizeof(*r) + total);
	if (r == NULL)
		return NULL;
	r->time = time_s;
	r->has_num = 0;
	for (i = 0; i < WW_EV_NB_INT; i++) {
		v = json_object_get(event, int_keys[i]);
		r->num[i] = json_integer_value(v);
		if (json_is_integer(v))
			r->has_num |= 1u << i;
	}
	p = r->data;
	for (i = 0; i < WW_EV_NB_TEXT; i++) {
		r->text[i] = text[i] != NULL ? memcpy(p, text[i], len[i]) : NULL;
		p += len[i];
	}
	r->json = memcpy(p, json, jlen);
	return r;
}

/* Commit the buffer, batch_max rows per transaction. Lock held.
 * @return rows committed, or -errno (what failed stays buffered). */
static int
flush_locked(struct ww_events *e)
{
	uint32_t done = 0, n;
	int ret = 0;

	while (ret == 0 && done < e->nb_buf) {
		n = e->nb_buf - done;
		if (n > e->p.batch_max)
			n = e->p.batch_max;
		ret = ww_ev_store_commit(e, e->buf + done, n);
		if (ret != 0)
			break;
		for (uint32_t i = done; i < done + n; i++)
			free(e->buf[i]);
		done += n;
	}
	if (done > 0 && done < e->nb_buf)
		memmove(e->buf, e->buf + done,
			(e->nb_buf - done) * sizeof(*e->buf));
	e->nb_buf -= done;
	if (e->jsonl != NULL)
		fflush(e->jsonl);
	return ret != 0 ? ret : (int)done;
}

/* Lock held. */
static int
buffer_row(struct ww_events *e, struct ww_ev_row *row)
{
	if (e->nb_buf >= e->p.buffer_max) {
		e->st.dropped++;
		free(row);
		return -ENOBUFS;
	}
	e->buf[e->nb_buf++] = row;
	/* Once a batch is there; after a failure (the database locked or
	 * full), again a batch later: add() waits for the database once per
	 * batch at most, not once per event. */
	if (e->nb_buf % e->p.batch_max == 0)
		flush_locked(e);
	return 0;
}

/* Lock held. */
static void
write_out(struct ww_events *e, const char *json, const char *msg,
	  size_t mlen)
{
	if (e->jsonl != NULL) {
		fputs(json, e->jsonl);
		fputc('\n', e->jsonl);
	}
	if (e->syslog.fd < 0)
		return;
	if (ww_ev_syslog_send(&e->syslog, msg, mlen) == 0)
		e->st.syslog_sent++;
	else
		e->st.syslog_errors++;
}

int
ww_events_add(struct ww_events *e, const json_t *event, double time_s)
{
	char msg[WW_EV_SYSLOG_MAX];
	struct ww_ev_row *row = NULL;
	size_t mlen = 0;
	char *json;
	int ret = 0;

	if (e == NULL || !json_is_object(event) || !isfinite(time_s))
		return -EINVAL;
	json = json_dumps(event, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (json == NULL)
		return -ENOMEM;
	if (e->db != NULL) {
		row = row_new(event, json, time_s);
		if (row == NULL) {
			free(json);
			return -ENOMEM;
		}
	}
	if (e->syslog.fd >= 0)
		mlen = ww_ev_syslog_format(&e->syslog, event, json, time_s,
					   msg, sizeof(msg));
	pthread_mutex_lock(&e->lock);
	e->st.added++;
	write_out(e, json, msg, mlen);
	if (row != NULL)
		ret = buffer_row(e, row);
	pthread_mutex_unlock(&e->lock);
	free(json);
	return ret;
}

int
ww_events_flush(struct ww_events *e)
{
	int ret;

	if (e == NULL)
		return -EINVAL;
	pthread_mutex_lock(&e->lock);
	ret = flush_locked(e);
	pthread_mutex_unlock(&e->lock);
	return ret;
}

/* ---- the handle ---- */

static int
set_params(struct ww_events *e, const struct ww_events_params *in,
	   char *err, size_t size)
{
	struct ww_events_params *p = &e->p;

	if (in != NULL)
		*p = *in;
	p->db_path = p->jsonl_path = p->syslog_server = p->hostname = NULL;
	if (p->max_rows == 0)
		p->max_rows = WW_EV_MAX_ROWS;
	if (p->max_age_s == 0)
		p->max_age_s = WW_EV_MAX_AGE_S;
	if (p->batch_max == 0)
		p->batch_max = WW_EV_BATCH;
	if (p->buffer_max == 0)
		p->buffer_max = WW_EV_BUFFER;
	if (p->max_rows > INT64_MAX)
		return ww_ev_fail(err, size, -EINVAL,
				  "max_rows %llu: at most %lld",
				  (unsigned long long)p->max_rows,
				  (long long)INT64_MAX);
	if (p->buffer_max > WW_EV_BUFFER_MAX)
		return ww_ev_fail(err, size, -EINVAL,
				  "buffer_max %u: at most %u", p->buffer_max,
				  WW_EV_BUFFER_MAX);
	/* a batch larger than the buffer would never be flushed by add() */
	if (p->batch_max > p->buffer_max)
		p->batch_max = p->buffer_max;
	return 0;
}

static int
open_store(struct ww_events *e, const char *path, char *err, size_t size)
{
	e->db_path = strdup(path);
	e->buf = calloc(e->p.buffer_max, sizeof(*e->buf));
	if (e->db_path == NULL || e->buf == NULL)
		return ww_ev_fail(err, size, -ENOMEM, "%s: out of memory",
				  path);
	return ww_ev_store_open(e, err, size);
}

static int
open_jsonl(struct ww_events *e, const char *path, char *err, size_t size)
{
	e->jsonl_path = strdup(path);
	if (e->jsonl_path == NULL)
		return ww_ev_fail(err, size, -ENOMEM, "%s: out of memory",
				  path);
	/* "e": the file must not leak into the programs the prompt runs */
	e->jsonl = fopen(path, "ae");
	if (e->jsonl == NULL)
		return ww_ev_fail(err, size, -errno, "%s: cannot open: %s",
				  path, strerror(errno));
	return 0;
}

struct ww_events *
ww_events_open(const struct ww_events_params *p, char *err, size_t size)
{
	struct ww_events *e = calloc(1, sizeof(*e));
	int ret;

	if (e == NULL) {
		errno = ENOMEM;
		ww_ev_fail(err, size, -ENOMEM, "events: out of memory");
		return NULL;
	}
	pthread_mutex_init(&e->lock, NULL);
	pthread_mutex_init(&e->qlock, NULL);
	e->syslog.fd = -1;
	e->newest = -INFINITY;
	ret = set_params(e, p, err, size);
	if (ret == 0 && p != NULL && p->db_path != NULL)
		ret = open_store(e, p->db_path, err, size);
	if (ret == 0 && p != NULL && p->jsonl_path != NULL)
		ret = open_jsonl(e, p->jsonl_path, err, size);
	if (ret == 0 && p != NULL && p->syslog_server != NULL)
		ret = ww_ev_syslog_open(&e->syslog, p->syslog_server,
					p->hostname, err, size);
	if (ret != 0) {
		ww_events_close(e);
		errno = -ret;
		return NULL;
	}
	return e;
}

void
ww_events_close(struct ww_events *e)
{
	if (e == NULL)
		return;
	if (e->db != NULL)
		ww_events_flush(e);
	ww_ev_query_close(e);
	ww_ev_store_close(e);
	for (uint32_t i = 0; i < e->nb_buf; i++)
		free(e->buf[i]);
	free(e->buf);
	if (e->jsonl != NULL)
		fclose(e->jsonl);
	ww_ev_syslog_close(&e->syslog);
	free(e->jsonl_path);
	free(e->db_path);
	pthread_mutex_destroy(&e->qlock);
	pthread_mutex_destroy(&e->lock);
	free(e);
}

static int
no_store(char *err, size_t size)
{
	return ww_ev_fail(err, size, -ENOTSUP,
			  "no event store: events are not kept (no database)");
}

json_t *
ww_events_query(struct ww_events *e, const json_t *query, char *err,
		size_t size)
{
	if (e == NULL) {
		errno = EINVAL;
		return NULL;
	}
	if (e->rdb == NULL) {
		errno = -no_store(err, size);
		return NULL;
	}
	return ww_ev_query(e, query, err, size);
}

int64_t
ww_events_export(struct ww_events *e, const json_t *query, uint32_t max,
		 ww_events_row_fn fn, void *ctx, char *err, size_t size)
{
	if (e == NULL || fn == NULL)
		return -EINVAL;
	if (e->rdb == NULL)
		return no_store(err, size);
	return ww_ev_export(e, query, max, fn, ctx, err, size);
}

void
ww_events_get_stats(struct ww_events *e, struct ww_events_stats *out)
{
	if (e == NULL) {
		memset(out, 0, sizeof(*out));
		return;
	}
	pthread_mutex_lock(&e->lock);
	*out = e->st;
	pthread_mutex_unlock(&e->lock);
}
