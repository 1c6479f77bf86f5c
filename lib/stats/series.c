/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-second time series: one flat array of doubles, a row of every
 * series per second, rows in a ring indexed by time_s % seconds. A push
 * writes one row (and zeroes the rows of the seconds it skipped), so a
 * reader only has to know the latest second and the first one ever
 * pushed to tell which rows hold data.
 *
 * Names never change after creation: ww_series_index(), _count() and
 * _name() read them without the lock.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "series.h"

struct ww_series {
	pthread_mutex_t lock;
	unsigned int nb;                     /* series */
	unsigned int seconds;                /* rows in the ring */
	char (*names)[WW_SERIES_NAME_MAX];
	double *v;                           /* [seconds][nb] */
	bool pushed;                         /* first_s, last_s are set */
	uint64_t first_s;                    /* the first second pushed */
	uint64_t last_s;                     /* the latest second pushed */
};

static inline double *
row(const struct ww_series *s, uint64_t time_s)
{
	return s->v + (size_t)(time_s % s->seconds) * s->nb;
}

/* Names are keys of a JSON object and of look-ups: each must fit, be
 * non-empty and be unique. Series are few (tens): quadratic is fine. */
static bool
names_ok(const char *const *names, unsigned int nb)
{
	for (unsigned int i = 0; i < nb; i++) {
		size_t len;

		if (names[i] == NULL)
			return false;
		len = strnlen(names[i], WW_SERIES_NAME_MAX);
		if (len == 0 || len >= WW_SERIES_NAME_MAX)
			return false;
		for (unsigned int j = 0; j < i; j++)
			if (strcmp(names[i], names[j]) == 0)
				return false;
	}
	return true;
}

struct ww_series *
ww_series_create(const char *const *names, unsigned int nb,
		 unsigned int seconds)
{
	struct ww_series *s;

	if (names == NULL || nb == 0 || nb > INT32_MAX || seconds == 0 ||
	    (size_t)nb * seconds > SIZE_MAX / sizeof(double) ||
	    !names_ok(names, nb)) {
		errno = EINVAL;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->names = calloc(nb, sizeof(*s->names));
	s->v = calloc((size_t)nb * seconds, sizeof(*s->v));
	if (s->names == NULL || s->v == NULL) {
		free(s->names);
		free(s->v);
		free(s);
		errno = ENOMEM;
		return NULL;
	}
	pthread_mutex_init(&s->lock, NULL);
	s->nb = nb;
	s->seconds = seconds;
	for (unsigned int i = 0; i < nb; i++)
		strcpy(s->names[i], names[i]);
	return s;
}

void
ww_series_free(struct ww_series *s)
{
	if (s == NULL)
		return;
	pthread_mutex_destroy(&s->lock);
	free(s->names);
	free(s->v);
	free(s);
}

/* Zero the rows of the seconds after last_s and before @p time_s: no
 * sample came for them. A gap longer than the ring clears all of it. */
static void
fill_gap(struct ww_series *s, uint64_t time_s)
{
	uint64_t gap = time_s - s->last_s - 1;

	if (gap >= s->seconds) {
		memset(s->v, 0, (size_t)s->nb * s->seconds * sizeof(*s->v));
		return;
	}
	for (uint64_t t = s->last_s + 1; t < time_s; t++)
		memset(row(s, t), 0, s->nb * sizeof(*s->v));
}

int
ww_series_push(struct ww_series *s, uint64_t time_s, const double *values)
{
	if (s == NULL || values == NULL)
		return -EINVAL;
	pthread_mutex_lock(&s->lock);
	if (s->pushed && time_s <= s->last_s) {
		pthread_mutex_unlock(&s->lock);
		return -EINVAL;
	}
	if (!s->pushed) {
		s->pushed = true;
		s->first_s = time_s;
	} else {
		fill_gap(s, time_s);
	}
	memcpy(row(s, time_s), values, s->nb * sizeof(*values));
	s->last_s = time_s;
	pthread_mutex_unlock(&s->lock);
	return 0;
}

int
ww_series_index(const struct ww_series *s, const char *name)
{
	if (s == NULL || name == NULL)
		return -ENOENT;
	for (unsigned int i = 0; i < s->nb; i++)
		if (strcmp(s->names[i], name) == 0)
			return (int)i;
	return -ENOENT;
}

unsigned int
ww_series_count(const struct ww_series *s)
{
	return s != NULL ? s->nb : 0;
}

const char *
ww_series_name(const struct ww_series *s, unsigned int idx)
{
	return s != NULL && idx < s->nb ? s->names[idx] : NULL;
}

/* JSON has no NaN or infinity (and json_real() refuses them): a value
 * that could not be computed shows as null, a hole in the graph. */
static json_t *
value_json(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

/* The values of series @p idx from @p start_s, @p len points. Lock held. */
static json_t *
series_points(const struct ww_series *s, unsigned int idx, uint64_t start_s,
	      uint64_t len)
{
	json_t *a = json_array();

	for (uint64_t t = start_s; a != NULL && t < start_s + len; t++) {
		if (json_array_append_new(a, value_json(row(s, t)[idx])) != 0) {
			json_decref(a);
			a = NULL;
		}
	}
	return a;
}

/* The window: the last @p seconds seconds pushed, never before the first
 * push (those rows hold no data). Lock held. */
static uint64_t
window(const struct ww_series *s, unsigned int seconds, uint64_t *start_s)
{
	uint64_t len;

	*start_s = 0;
	if (!s->pushed)
		return 0;
	len = s->last_s - s->first_s + 1;
	if (len > seconds)
		len = seconds;
	*start_s = s->last_s - len + 1;
	return len;
}

/* Lock held. */
static json_t *
series_json(const struct ww_series *s, const char *prefix,
	    unsigned int seconds)
{
	size_t plen = strlen(prefix);
	uint64_t start_s, len = window(s, seconds, &start_s);
	json_t *out, *series = json_object();

	out = json_pack("{s:I, s:i, s:o}", "start", (json_int_t)start_s,
			"step", 1, "series", series);
	if (out == NULL)
		return NULL;
	for (unsigned int i = 0; i < s->nb; i++) {
		json_t *a;

		if (strncmp(s->names[i], prefix, plen) != 0)
			continue;
		a = series_points(s, i, start_s, len);
		if (json_object_set_new(series, s->names[i], a) != 0) {
			json_decref(out);
			return NULL;
		}
	}
	return out;
}

json_t *
ww_series_json(struct ww_series *s, const char *prefix, unsigned int seconds)
{
	json_t *out;

	if (s == NULL)
		return NULL;
	if (seconds == 0 || seconds > s->seconds)
		seconds = s->seconds;
	pthread_mutex_lock(&s->lock);
	out = series_json(s, prefix != NULL ? prefix : "", seconds);
	pthread_mutex_unlock(&s->lock);
	return out;
}

double
ww_series_last(struct ww_series *s, unsigned int idx)
{
	double v = 0;

	if (s == NULL || idx >= s->nb)
		return 0;
	pthread_mutex_lock(&s->lock);
	if (s->pushed)
		v = row(s, s->last_s)[idx];
	pthread_mutex_unlock(&s->lock);
	return v;
}
