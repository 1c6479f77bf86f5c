/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/auth: logins, the per-source limit on failed attempts, and sessions.
 *
 * A login takes the lock twice: once to check the source's limit and copy
 * the user's hash, once to count the outcome and open the session. The
 * yescrypt computation in between runs unlocked. Attempts still being
 * hashed count against the source's limit, so a burst of parallel guesses
 * gets no more tries than a sequence would.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "auth_priv.h"
#include "util.h"

/* ---- the limit on failed logins, per source ---- */

/* Forget failures that left the window; a source with nothing left to
 * remember gives its slot back. */
static void
src_prune(const struct ww_auth *a, struct ww_auth_src *s, uint64_t now)
{
	uint32_t cap = a->p.login_failures;

	while (s->n > 0 && s->fail[s->head] + a->p.login_window_s <= now) {
		s->head = (s->head + 1) % cap;
		s->n--;
	}
	if (s->n == 0 && s->pending == 0)
		s->key[0] = '\0';
}

/* The slot of @p key, taken if new: a free one, else the stalest source
 * not in the middle of a login. -1 if every slot is busy. */
static int
src_get(struct ww_auth *a, const char *key, uint64_t now)
{
	struct ww_auth_src *s;
	int i, free_i = -1, stale_i = -1;

	for (i = 0; i < WW_AUTH_SOURCES; i++) {
		s = &a->srcs[i];
		if (s->key[0] != '\0')
			src_prune(a, s, now);
		if (s->key[0] == '\0') {
			if (free_i < 0)
				free_i = i;
			continue;
		}
		if (strcmp(s->key, key) == 0)
			return i;
		if (s->pending == 0 && (stale_i < 0 ||
					s->last_s < a->srcs[stale_i].last_s))
			stale_i = i;
	}
	i = free_i >= 0 ? free_i : stale_i;
	if (i < 0)
		return -1;
	s = &a->srcs[i];
	snprintf(s->key, sizeof(s->key), "%s", key);
	s->last_s = now;
	s->n = 0;
	s->head = 0;
	s->pending = 0;
	return i;
}

static int
src_limited(const struct ww_auth *a, const struct ww_auth_src *s,
	    uint64_t now, uint32_t *retry_after)
{
	uint64_t until, wait;

	if (s->n + s->pending < a->p.login_failures)
		return 0;
	/* free again when the oldest failure leaves the window; attempts
	 * still being hashed are done in well under a second */
	until = s->n > 0 ? s->fail[s->head] + a->p.login_window_s : now + 1;
	wait = until > now ? until - now : 1;
	if (wait > a->p.login_window_s)
		wait = a->p.login_window_s;     /* the clock went back */
	if (retry_after != NULL)
		*retry_after = (uint32_t)wait;
	return -EAGAIN;
}

static void
src_fail(const struct ww_auth *a, struct ww_auth_src *s, uint64_t now)
{
	uint32_t cap = a->p.login_failures;

	if (s->n == cap) {              /* cannot happen; keep the newest */
		s->head = (s->head + 1) % cap;
		s->n--;
	}
	s->fail[(s->head + s->n) % cap] = now;
	s->n++;
}

/* ---- sessions ---- */

static uint64_t
sess_expiry(const struct ww_auth *a, const struct ww_auth_sess *s)
{
	uint64_t idle = s->used_s + a->p.session_idle_s;
	uint64_t max = s->created_s + a->p.session_max_s;

	return idle < max ? idle : max;
}

static void
sess_end(struct ww_auth_sess *s)
{
	explicit_bzero(s, sizeof(*s));
}

static void
sess_out(const struct ww_auth *a, const struct ww_auth_sess *s,
	 struct ww_auth_session *out)
{
	if (out == NULL)
		return;
	memcpy(out->id, s->id, sizeof(out->id));
	memcpy(out->csrf, s->csrf, sizeof(out->csrf));
	memcpy(out->user, s->user, sizeof(out->user));
	out->expires_s = sess_expiry(a, s);
}

static struct ww_auth_sess *
sess_find(struct ww_auth *a, const char *id)
{
	for (uint32_t i = 0; i < a->p.max_sessions; i++)
		if (a->sessions[i].live &&
		    ww_auth_secret_equal(a->sessions[i].id, id))
			return &a->sessions[i];
	return NULL;
}

/* A free or expired slot, else the oldest session makes room. */
static struct ww_auth_sess *
sess_slot(struct ww_auth *a, uint64_t now)
{
	struct ww_auth_sess *s, *oldest = NULL;

	for (uint32_t i = 0; i < a->p.max_sessions; i++) {
		s = &a->sessions[i];
		if (s->live && now >= sess_expiry(a, s))
			sess_end(s);
		if (!s->live)
			return s;
		if (oldest == NULL || s->seq < oldest->seq)
			oldest = s;
	}
	sess_end(oldest);
	return oldest;
}

static int
sess_new(struct ww_auth *a, const char *user, uint64_t now,
	 struct ww_auth_session *out)
{
	struct ww_auth_sess *s = sess_slot(a, now);
	int ret;

	ret = ww_random_hex(s->id, WW_AUTH_SECRET_LEN / 2);
	if (ret == 0)
		ret = ww_random_hex(s->csrf, WW_AUTH_SECRET_LEN / 2);
	if (ret != 0) {
		sess_end(s);
		return ret;
	}
	snprintf(s->user, sizeof(s->user), "%s", user);
	s->created_s = now;
	s->used_s = now;
	s->seq = ++a->seq;
	s->live = true;
	sess_out(a, s, out);
	return 0;
}

void
ww_auth_sessions_end_user(struct ww_auth *a, const char *user)
{
	for (uint32_t i = 0; i < a->p.max_sessions; i++)
		if (a->sessions[i].live &&
		    strcmp(a->sessions[i].user, user) == 0)
			sess_end(&a->sessions[i]);
}

/* ---- login ---- */

/* Count the outcome of a hashed attempt and open the session. Lock held. */
static int
login_finish(struct ww_auth *a, int si, const char *user, const char *hash,
	     bool ok, uint64_t now, struct ww_auth_session *out)
{
	struct ww_auth_src *s = &a->srcs[si];
	int ui = ok ? ww_auth_user_find(a, user) : -1;

	/* the user may have gone, or changed password, while we hashed */
	if (ui >= 0 && strcmp(a->users[ui].hash, hash) != 0)
		ui = -1;
	s->pending--;
	s->last_s = now;
	if (ui < 0) {
		src_fail(a, s, now);
		return -EACCES;
	}
	s->n = 0;
	s->head = 0;
	if (s->pending == 0)
		s->key[0] = '\0';
	return sess_new(a, user, now, out);
}

int
ww_auth_login(struct ww_auth *a, const char *source, const char *user,
	      const char *password, uint64_t now_s,
	      struct ww_auth_session *out, uint32_t *retry_after)
{
	char key[WW_AUTH_SOURCE_LEN], hash[WW_AUTH_HASH_SIZE];
	size_t pwlen = password != NULL ?
		strnlen(password, WW_AUTH_PASSWORD_MAX + 1) : 0;
	bool plausible, ok;
	int si, ui = -1, ret;

	if (retry_after != NULL)
		*retry_after = 0;
	/* a password no user can have is refused like any wrong one */
	plausible = ww_auth_name_ok(user) && pwlen >= WW_AUTH_PASSWORD_MIN &&
		    pwlen <= WW_AUTH_PASSWORD_MAX;
	snprintf(key, sizeof(key), "%s",
		 source != NULL && source[0] != '\0' ? source : "?");

	pthread_mutex_lock(&a->lock);
	si = src_get(a, key, now_s);
	if (si < 0) {
		if (retry_after != NULL)
			*retry_after = 1;
		ret = -EAGAIN;
	} else {
		ret = src_limited(a, &a->srcs[si], now_s, retry_after);
	}
	if (ret == 0) {
		a->srcs[si].pending++;
		if (plausible)
			ui = ww_auth_user_find(a, user);
		snprintf(hash, sizeof(hash), "%s",
			 ui >= 0 ? a->users[ui].hash : a->dummy);
	}
	pthread_mutex_unlock(&a->lock);
	if (ret != 0)
		return ret;

	/* an unknown user costs one hash too, so timing does not tell */
	ok = ww_auth_hash_check(plausible ? password : "", hash) && ui >= 0;

	pthread_mutex_lock(&a->lock);
	ret = login_finish(a, si, user, hash, ok, now_s, out);
	pthread_mutex_unlock(&a->lock);
	return ret;
}

/* Only a string of a session id's length can name one. */
static bool
id_well_formed(const char *id)
{
	return id != NULL &&
	       strnlen(id, WW_AUTH_SECRET_LEN + 1) == WW_AUTH_SECRET_LEN;
}

int
ww_auth_session_get(struct ww_auth *a, const char *id, uint64_t now_s,
		    struct ww_auth_session *out)
{
	struct ww_auth_sess *s;

	if (!id_well_formed(id))
		return -ENOENT;
	pthread_mutex_lock(&a->lock);
	s = sess_find(a, id);
	if (s != NULL && now_s >= sess_expiry(a, s)) {
		sess_end(s);
		s = NULL;
	}
	if (s != NULL) {
		if (now_s > s->used_s)
			s->used_s = now_s;
		sess_out(a, s, out);
	}
	pthread_mutex_unlock(&a->lock);
	return s != NULL ? 0 : -ENOENT;
}

int
ww_auth_logout(struct ww_auth *a, const char *id)
{
	struct ww_auth_sess *s;

	if (!id_well_formed(id))
		return -ENOENT;
	pthread_mutex_lock(&a->lock);
	s = sess_find(a, id);
	if (s != NULL)
		sess_end(s);
	pthread_mutex_unlock(&a->lock);
	return s != NULL ? 0 : -ENOENT;
}
