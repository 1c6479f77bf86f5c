/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/export: the exporter handle, batching records into messages and
 * sending them.
 *
 * Records are encoded as they come into the data sets of the next message;
 * the message header and the templates are put in front only when it is
 * sent, since whether templates are due depends on the time of sending.
 * Every message goes to every collector, so each gets the templates, and
 * the sequence number is the same for all of them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ipfix_priv.h"

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* ---- the handle ---- */

static int
set_params(struct ww_ipfix *x, const struct ww_ipfix_params *p, char *err,
	   size_t size)
{
	x->domain_id = p->domain_id ? p->domain_id : IPFIX_DEFAULT_DOMAIN;
	x->refresh_s = p->template_refresh_s ? p->template_refresh_s :
		       IPFIX_DEFAULT_REFRESH_S;
	x->mtu = p->mtu ? p->mtu : IPFIX_DEFAULT_MTU;
	if (x->mtu < IPFIX_MTU_MIN) {
		snprintf(err, size, "mtu %u: at least %d", x->mtu,
			 IPFIX_MTU_MIN);
		return -EINVAL;
	}
	if (p->nb_collectors == 0 ||
	    p->nb_collectors > WW_IPFIX_COLLECTORS_MAX) {
		snprintf(err, size, "collectors: 1 to %d",
			 WW_IPFIX_COLLECTORS_MAX);
		return -EINVAL;
	}
	return 0;
}

static int
open_collectors(struct ww_ipfix *x, const struct ww_ipfix_params *p,
		char *err, size_t size)
{
	int fd;

	for (unsigned int i = 0; i < p->nb_collectors; i++) {
		fd = ww_ipfix_collector_open(p->collectors[i], err, size);
		if (fd < 0)
			return fd;
		x->fd[x->nb_fd++] = fd;
	}
	return 0;
}

struct ww_ipfix *
ww_ipfix_create(const struct ww_ipfix_params *p, char *err, size_t size)
{
	struct ww_ipfix *x;
	int ret;

	if (err == NULL)
		size = 0;   /* snprintf() then writes nothing */
	if (p == NULL) {
		snprintf(err, size, "no parameters");
		errno = EINVAL;
		return NULL;
	}
	x = calloc(1, sizeof(*x));
	if (x == NULL) {
		snprintf(err, size, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	ret = set_params(x, p, err, size);
	if (ret == 0) {
		x->data = malloc(x->mtu - IPFIX_HDR_LEN);
		x->msg = malloc(x->mtu);
		if (x->data == NULL || x->msg == NULL) {
			snprintf(err, size, "out of memory");
			ret = -ENOMEM;
		}
	}
	if (ret == 0)
		ret = open_collectors(x, p, err, size);
	if (ret != 0) {
		ww_ipfix_free(x);
		errno = -ret;
		return NULL;
	}
	/* messages sent before the first flush carry the time of creation */
	x->now_s = (uint64_t)time(NULL);
	return x;
}

void
ww_ipfix_free(struct ww_ipfix *x)
{
	if (x == NULL)
		return;
	for (unsigned int i = 0; i < x->nb_fd; i++)
		close(x->fd[i]);
	free(x->data);
	free(x->msg);
	free(x);
}

void
ww_ipfix_get_stats(const struct ww_ipfix *x, struct ww_ipfix_stats *out)
{
	*out = x->st;
}

/* ---- sending ---- */

/* A clock stepped back also makes them due. */
static bool
templates_due(const struct ww_ipfix *x)
{
	return !x->tmpl_sent || x->now_s < x->tmpl_sent_s ||
	       x->now_s - x->tmpl_sent_s >= x->refresh_s;
}

/* Send @p len bytes of x->msg to every collector. @return 0 if one took
 * it at least, or -errno. */
static int
send_all(struct ww_ipfix *x, size_t len)
{
	int ret = -ENOTCONN;
	ssize_t n;

	for (unsigned int i = 0; i < x->nb_fd; i++) {
		n = send(x->fd[i], x->msg, len, MSG_DONTWAIT);
		/* a refusal reported now is an earlier datagram's (the
		 * collector was down): that one is lost, this one may well
		 * get through */
		if (n < 0 && errno == ECONNREFUSED) {
			x->st.send_errors++;
			n = send(x->fd[i], x->msg, len, MSG_DONTWAIT);
		}
		if (n != (ssize_t)len) {
			x->st.send_errors++;
			if (ret != 0)
				ret = n < 0 ? -errno : -EMSGSIZE;
			continue;
		}
		x->st.messages++;
		x->st.bytes += len;
		ret = 0;
	}
	return ret;
}

/* One message: the header, the templates if @p tmpl, the queued data
 * sets if @p data. @return 1 if a collector took it, or -errno. */
static int
send_msg(struct ww_ipfix *x, bool tmpl, bool data)
{
	size_t len = IPFIX_HDR_LEN;
	int ret;

	if (tmpl) {
		ww_ipfix_put_templates(x->msg + len);
		len += IPFIX_TMPL_SET_LEN;
		x->tmpl_sent = true;
		x->tmpl_sent_s = x->now_s;
	}
	if (data) {
		memcpy(x->msg + len, x->data, x->data_len);
		len += x->data_len;
	}
	put16(x->msg, IPFIX_VERSION);
	put16(x->msg + 2, (uint16_t)len);
	put32(x->msg + 4, (uint32_t)x->now_s);
	put32(x->msg + 8, x->seq);
	put32(x->msg + 12, x->domain_id);
	ret = send_all(x, len);
	if (data) {
		/* lost or not, these records had their sequence numbers */
		x->seq += x->nb_queued;
		x->st.records += x->nb_queued;
		x->data_len = 0;
		x->set_id = 0;
		x->nb_queued = 0;
	}
	return ret < 0 ? ret : 1;
}

/* Send the queued records, with the templates if due. @return messages
 * that reached a collector, or -errno if none did. */
static int
send_queued(struct ww_ipfix *x)
{
	bool tmpl = templates_due(x);
	int ret, n = 0, e = 0;

	if (tmpl && IPFIX_HDR_LEN + IPFIX_TMPL_SET_LEN + x->data_len > x->mtu) {
		/* the records filled a message when templates were not yet
		 * due: they go in one of their own, first */
		ret = send_msg(x, true, false);
		n += ret > 0;
		e = ret < 0 ? ret : e;
		tmpl = false;
	}
	if (tmpl || x->data_len > 0) {
		ret = send_msg(x, tmpl, x->data_len > 0);
		n += ret > 0;
		e = ret < 0 ? ret : e;
	}
	return n > 0 ? n : e;
}

/* Room for data sets in the next message. */
static size_t
data_room(const struct ww_ipfix *x)
{
	return x->mtu - IPFIX_HDR_LEN -
	       (templates_due(x) ? IPFIX_TMPL_SET_LEN : 0);
}

/* Append direction @p dir of @p r to the queued data sets. */
static void
queue_record(struct ww_ipfix *x, const struct ww_flow_record *r,
	     unsigned int dir, int64_t wall_offset_ns)
{
	uint16_t id = r->family == 4 ? IPFIX_TMPL_V4 : IPFIX_TMPL_V6;
	size_t len = ww_ipfix_record_len(r->family);
	size_t need = len + (x->set_id != id ? IPFIX_SET_HDR_LEN : 0);

	if (x->data_len + need > data_room(x))
		send_queued(x);
	if (x->set_id != id) {
		x->set_off = x->data_len;
		x->set_id = id;
		put16(x->data + x->data_len, id);
		x->data_len += IPFIX_SET_HDR_LEN;
	}
	ww_ipfix_put_record(x->data + x->data_len, r, dir, wall_offset_ns);
	x->data_len += len;
	put16(x->data + x->set_off + 2, (uint16_t)(x->data_len - x->set_off));
	x->nb_queued++;
}

void
ww_ipfix_add(struct ww_ipfix *x, const struct ww_flow_record *r,
	     int64_t wall_offset_ns)
{
	if (ww_ipfix_record_len(r->family) == 0)
		return;
	for (unsigned int dir = 0; dir < 2; dir++)
		if (r->packets[dir] != 0)
			queue_record(x, r, dir, wall_offset_ns);
}

int
ww_ipfix_flush(struct ww_ipfix *x, uint64_t now_s)
{
	x->now_s = now_s;
	return send_queued(x);
}
