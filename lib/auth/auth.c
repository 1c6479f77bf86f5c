/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/auth: the handle, users, API tokens and password hashes.
 *
 * A change is made in memory, saved, and undone if the save fails, all
 * under the lock: nobody sees a state the file does not hold. Hashing a
 * password (yescrypt, tens of milliseconds) happens before the lock is
 * taken, so logins and session look-ups never wait for it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "auth_priv.h"
#include "util.h"

#define TOKEN_PREFIX "wwt_"
#define TOKEN_PREFIX_LEN (sizeof(TOKEN_PREFIX) - 1)
#define TOKEN_LEN (TOKEN_PREFIX_LEN + WW_AUTH_SECRET_LEN)
#define GEN_PASSWORD_LEN 20

/* The first password is read off a console: no 0/O/o, 1/l/I/i. */
static const char gen_alphabet[] =
	"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghjkmnpqrstuvwxyz23456789";

static const struct ww_auth_params default_params = {
	.session_idle_s = 1800,
	.session_max_s = 43200,
	.max_sessions = 256,
	.login_failures = 5,
	.login_window_s = 60,
};

int
ww_auth_fail(char *err, size_t size, int ret, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && size > 0) {
		va_start(ap, fmt);
		vsnprintf(err, size, fmt, ap);
		va_end(ap);
	}
	return ret;
}

static bool
name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

bool
ww_auth_name_ok(const char *name)
{
	size_t n;

	if (name == NULL)
		return false;
	for (n = 0; name[n] != '\0'; n++)
		if (n >= WW_AUTH_NAME_MAX - 1 || !name_char(name[n]))
			return false;
	return n > 0;
}

/* A rejected name goes back to a terminal or a web page: show at most 40
 * bytes of it, and nothing unprintable. */
static const char *
show(const char *s, char *buf, size_t size)
{
	size_t i;

	for (i = 0; s != NULL && s[i] != '\0' && i < size - 1 && i < 40; i++)
		buf[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	buf[i] = '\0';
	return buf;
}

static int
check_name(const char *kind, const char *name, char *err, size_t size)
{
	char buf[48];

	if (ww_auth_name_ok(name))
		return 0;
	return ww_auth_fail(err, size, -EINVAL,
			    "%s name \"%s\": 1 to %d letters, digits, '_', '.' or '-'",
			    kind, show(name, buf, sizeof(buf)),
			    WW_AUTH_NAME_MAX - 1);
}

static int
check_password(const char *pw, char *err, size_t size)
{
	size_t n = pw != NULL ? strnlen(pw, WW_AUTH_PASSWORD_MAX + 1) : 0;

	if (n < WW_AUTH_PASSWORD_MIN)
		return ww_auth_fail(err, size, -EINVAL,
				    "password: at least %d characters",
				    WW_AUTH_PASSWORD_MIN);
	if (n > WW_AUTH_PASSWORD_MAX)
		return ww_auth_fail(err, size, -EINVAL,
				    "password: at most %d characters",
				    WW_AUTH_PASSWORD_MAX);
	return 0;
}

/* ---- password hashes ---- */

static int
hash_new(const char *pw, char *out, char *err, size_t size)
{
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data *cd;
	const char *h;
	int ret = 0;

	/* NULL rbytes: libcrypt draws the salt from the kernel itself */
	errno = 0;
	if (crypt_gensalt_rn("$y$", 0, NULL, 0, setting,
			     sizeof(setting)) == NULL)
		return ww_auth_fail(err, size, -(errno ? errno : EIO),
				    "password: no salt: %s",
				    strerror(errno ? errno : EIO));
	/* struct crypt_data is 32 KiB: too much for a thread's stack */
	cd = calloc(1, sizeof(*cd));
	if (cd == NULL)
		return ww_auth_fail(err, size, -ENOMEM, "out of memory");
	h = crypt_rn(pw, setting, cd, sizeof(*cd));
	if (h == NULL || h[0] == '*' || strlen(h) >= WW_AUTH_HASH_SIZE)
		ret = ww_auth_fail(err, size, -EIO, "password: cannot hash");
	else
		strcpy(out, h);
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return ret;
}

bool
ww_auth_hash_check(const char *pw, const char *hash)
{
	struct crypt_data *cd = calloc(1, sizeof(*cd));
	const char *h;
	bool ok;

	if (cd == NULL)
		return false;
	h = crypt_rn(pw, hash, cd, sizeof(*cd));
	ok = h != NULL && h[0] != '*' && ww_auth_secret_equal(h, hash);
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return ok;
}

bool
ww_auth_secret_equal(const char *a, const char *b)
{
	size_t la, lb, i;
	unsigned char d;

	if (a == NULL || b == NULL)
		return false;
	la = strlen(a);
	lb = strlen(b);
	d = la != lb;
	/* every byte of a is looked at, whatever differs first */
	for (i = 0; i < la; i++)
		d |= (unsigned char)a[i] ^ (unsigned char)(i < lb ? b[i] : 0);
	return d == 0;
}

/* ---- the handle ---- */

static int
set_params(struct ww_auth_params *p, const struct ww_auth_params *in,
	   char *err, size_t size)
{
	*p = default_params;
	if (in == NULL)
		return 0;
#define TAKE(f) do { if (in->f != 0) p->f = in->f; } while (0)
	TAKE(session_idle_s);
	TAKE(session_max_s);
	TAKE(max_sessions);
	TAKE(login_failures);
	TAKE(login_window_s);
#undef TAKE
	if (p->max_sessions > WW_AUTH_SESSIONS_MAX)
		return ww_auth_fail(err, size, -EINVAL,
				    "max_sessions %u: at most %d",
				    p->max_sessions, WW_AUTH_SESSIONS_MAX);
	if (p->login_failures > WW_AUTH_FAILURES_MAX)
		return ww_auth_fail(err, size, -EINVAL,
				    "login_failures %u: at most %d",
				    p->login_failures, WW_AUTH_FAILURES_MAX);
	return 0;
}

static int
alloc_tables(struct ww_auth *a)
{
	uint32_t nf = a->p.login_failures;

	a->users = calloc(WW_AUTH_USERS_MAX, sizeof(*a->users));
	a->tokens = calloc(WW_AUTH_TOKENS_MAX, sizeof(*a->tokens));
	a->sessions = calloc(a->p.max_sessions, sizeof(*a->sessions));
	a->srcs = calloc(WW_AUTH_SOURCES, sizeof(*a->srcs));
	a->fail_times = calloc((size_t)WW_AUTH_SOURCES * nf,
			       sizeof(*a->fail_times));
	if (a->users == NULL || a->tokens == NULL || a->sessions == NULL ||
	    a->srcs == NULL || a->fail_times == NULL)
		return -ENOMEM;
	for (unsigned int i = 0; i < WW_AUTH_SOURCES; i++)
		a->srcs[i].fail = a->fail_times + (size_t)i * nf;
	return 0;
}

struct ww_auth *
ww_auth_open(const char *path, const struct ww_auth_params *p, char *err,
	     size_t size)
{
	struct ww_auth *a;
	int ret;

	if (path == NULL || path[0] == '\0') {
		errno = EINVAL;
		ww_auth_fail(err, size, -EINVAL, "no user file given");
		return NULL;
	}
	a = calloc(1, sizeof(*a));
	if (a == NULL) {
		errno = ENOMEM;
		ww_auth_fail(err, size, -ENOMEM, "%s: out of memory", path);
		return NULL;
	}
	pthread_mutex_init(&a->lock, NULL);
	ret = set_params(&a->p, p, err, size);
	if (ret == 0) {
		a->path = strdup(path);
		ret = a->path == NULL ? -ENOMEM : alloc_tables(a);
		if (ret != 0)
			ww_auth_fail(err, size, ret, "%s: out of memory", path);
	}
	/* Unknown users are hashed against this salt: the same cost, and
	 * no hash to compute up front. */
	if (ret == 0 && crypt_gensalt_rn("$y$", 0, NULL, 0, a->dummy,
					 sizeof(a->dummy)) == NULL)
		ret = ww_auth_fail(err, size, -(errno ? errno : EIO),
				   "%s: no salt: %s", path,
				   strerror(errno ? errno : EIO));
	if (ret == 0)
		ret = ww_auth_store_load(a, err, size);
	if (ret != 0) {
		ww_auth_close(a);
		errno = -ret;
		return NULL;
	}
	return a;
}

void
ww_auth_close(struct ww_auth *a)
{
	if (a == NULL)
		return;
	for (unsigned int i = 0; i < a->nb_users; i++)
		free(a->users[i].hash);
	if (a->sessions != NULL)
		explicit_bzero(a->sessions,
			       a->p.max_sessions * sizeof(*a->sessions));
	free(a->users);
	free(a->tokens);
	free(a->sessions);
	free(a->srcs);
	free(a->fail_times);
	free(a->path);
	pthread_mutex_destroy(&a->lock);
	free(a);
}

/* ---- users ---- */

int
ww_auth_user_find(const struct ww_auth *a, const char *name)
{
	for (unsigned int i = 0; i < a->nb_users; i++)
		if (strcmp(a->users[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* May @p name be added? Lock held. */
static int
user_room(const struct ww_auth *a, const char *name, char *err, size_t size)
{
	if (ww_auth_user_find(a, name) >= 0)
		return ww_auth_fail(err, size, -EEXIST, "user \"%s\" exists",
				    name);
	if (a->nb_users >= WW_AUTH_USERS_MAX)
		return ww_auth_fail(err, size, -ENOSPC, "at most %d users",
				    WW_AUTH_USERS_MAX);
	return 0;
}

/* Add and save. Lock held. */
static int
user_insert(struct ww_auth *a, const char *name, const char *hash,
	    char *err, size_t size)
{
	struct ww_auth_user *u;
	int ret;

	ret = user_room(a, name, err, size);
	if (ret != 0)
		return ret;
	u = &a->users[a->nb_users];
	u->hash = strdup(hash);
	if (u->hash == NULL)
		return ww_auth_fail(err, size, -ENOMEM, "out of memory");
	snprintf(u->name, sizeof(u->name), "%s", name);
	u->created = (uint64_t)time(NULL);
	a->nb_users++;
	ret = ww_auth_store_save(a, err, size);
	if (ret != 0) {
		a->nb_users--;
		free(u->hash);
		memset(u, 0, sizeof(*u));
	}
	return ret;
}

int
ww_auth_user_add(struct ww_auth *a, const char *name, const char *password,
		 char *err, size_t size)
{
	char hash[WW_AUTH_HASH_SIZE];
	int ret;

	ret = check_name("user", name, err, size);
	if (ret == 0)
		ret = check_password(password, err, size);
	if (ret == 0) {
		/* fail fast, before spending a hash */
		pthread_mutex_lock(&a->lock);
		ret = user_room(a, name, err, size);
		pthread_mutex_unlock(&a->lock);
	}
	if (ret == 0)
		ret = hash_new(password, hash, err, size);
	if (ret != 0)
		return ret;
	pthread_mutex_lock(&a->lock);
	ret = user_insert(a, name, hash, err, size);
	pthread_mutex_unlock(&a->lock);
	return ret;
}

static int
gen_password(char *out, size_t len)
{
	const size_t n = sizeof(gen_alphabet) - 1;
	unsigned char buf[64];
	size_t i = 0;

	while (i < len) {
		if (getrandom(buf, sizeof(buf), 0) != (ssize_t)sizeof(buf))
			return -(errno ? errno : EIO);
		/* drop the bytes that would make some characters likelier */
		for (size_t j = 0; j < sizeof(buf) && i < len; j++)
			if (buf[j] < 256 - 256 % n)
				out[i++] = gen_alphabet[buf[j] % n];
	}
	out[len] = '\0';
	explicit_bzero(buf, sizeof(buf));
	return 0;
}

int
ww_auth_ensure_user(struct ww_auth *a, const char *name, char *password,
		    size_t pw_size, char *err, size_t size)
{
	char pw[GEN_PASSWORD_LEN + 1], hash[WW_AUTH_HASH_SIZE];
	bool created;
	int ret;

	ret = check_name("user", name, err, size);
	if (ret != 0)
		return ret;
	if (password == NULL || pw_size < sizeof(pw))
		return ww_auth_fail(err, size, -EINVAL,
				    "password: needs a buffer of %zu bytes",
				    sizeof(pw));
	if (ww_auth_user_count(a) > 0)
		return 0;
	ret = gen_password(pw, GEN_PASSWORD_LEN);
	if (ret != 0)
		return ww_auth_fail(err, size, ret, "password: %s",
				    strerror(-ret));
	ret = hash_new(pw, hash, err, size);
	if (ret == 0) {
		pthread_mutex_lock(&a->lock);
		/* someone else may have been first */
		created = a->nb_users == 0;
		if (created)
			ret = user_insert(a, name, hash, err, size);
		pthread_mutex_unlock(&a->lock);
		if (ret == 0 && created) {
			memcpy(password, pw, sizeof(pw));
			ret = 1;
		}
	}
	explicit_bzero(pw, sizeof(pw));
	return ret;
}

int
ww_auth_user_passwd(struct ww_auth *a, const char *name, const char *password,
		    char *err, size_t size)
{
	char hash[WW_AUTH_HASH_SIZE];
	char *fresh, *old;
	int ret, i;

	ret = check_name("user", name, err, size);
	if (ret == 0)
		ret = check_password(password, err, size);
	if (ret == 0) {
		pthread_mutex_lock(&a->lock);
		if (ww_auth_user_find(a, name) < 0)
			ret = ww_auth_fail(err, size, -ENOENT,
					   "no user \"%s\"", name);
		pthread_mutex_unlock(&a->lock);
	}
	if (ret == 0)
		ret = hash_new(password, hash, err, size);
	if (ret != 0)
		return ret;
	fresh = strdup(hash);
	if (fresh == NULL)
		return ww_auth_fail(err, size, -ENOMEM, "out of memory");
	pthread_mutex_lock(&a->lock);
	i = ww_auth_user_find(a, name);
	if (i < 0) {
		ret = ww_auth_fail(err, size, -ENOENT, "no user \"%s\"", name);
		old = fresh;
	} else {
		old = a->users[i].hash;
		a->users[i].hash = fresh;
		ret = ww_auth_store_save(a, err, size);
		if (ret != 0) {
			a->users[i].hash = old;
			old = fresh;
		} else {
			/* whoever knew the old password is out */
			ww_auth_sessions_end_user(a, name);
		}
	}
	pthread_mutex_unlock(&a->lock);
	free(old);
	return ret;
}

static int
user_remove(struct ww_auth *a, const char *name, char *err, size_t size)
{
	struct ww_auth_user gone;
	unsigned int i, tail;
	int ret, at;

	at = ww_auth_user_find(a, name);
	if (at < 0)
		return ww_auth_fail(err, size, -ENOENT, "no user \"%s\"", name);
	if (a->nb_users == 1)
		return ww_auth_fail(err, size, -EBUSY,
				    "user \"%s\" is the last one: add another first",
				    name);
	i = (unsigned int)at;
	gone = a->users[i];
	tail = a->nb_users - i - 1;
	memmove(&a->users[i], &a->users[i + 1], tail * sizeof(gone));
	a->nb_users--;
	ret = ww_auth_store_save(a, err, size);
	if (ret != 0) {
		memmove(&a->users[i + 1], &a->users[i], tail * sizeof(gone));
		a->users[i] = gone;
		a->nb_users++;
		return ret;
	}
	free(gone.hash);
	memset(&a->users[a->nb_users], 0, sizeof(gone));
	ww_auth_sessions_end_user(a, name);
	return 0;
}

int
ww_auth_user_del(struct ww_auth *a, const char *name, char *err, size_t size)
{
	int ret;

	ret = check_name("user", name, err, size);
	if (ret != 0)
		return ret;
	pthread_mutex_lock(&a->lock);
	ret = user_remove(a, name, err, size);
	pthread_mutex_unlock(&a->lock);
	return ret;
}

json_t *
ww_auth_users_json(struct ww_auth *a)
{
	json_t *j;

	pthread_mutex_lock(&a->lock);
	j = ww_auth_store_users(a, false);
	pthread_mutex_unlock(&a->lock);
	return j;
}

unsigned int
ww_auth_user_count(struct ww_auth *a)
{
	unsigned int n;

	pthread_mutex_lock(&a->lock);
	n = a->nb_users;
	pthread_mutex_unlock(&a->lock);
	return n;
}

/* ---- API tokens ---- */

static int
token_digest(const char *token, char *hex)
{
	static const char digits[] = "0123456789abcdef";
	unsigned char d[32];

	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, token, strlen(token), d) < 0)
		return -EIO;
	for (size_t i = 0; i < sizeof(d); i++) {
		hex[2 * i] = digits[d[i] >> 4];
		hex[2 * i + 1] = digits[d[i] & 0xf];
	}
	hex[2 * sizeof(d)] = '\0';
	return 0;
}

static int
token_find(const struct ww_auth *a, const char *name)
{
	for (unsigned int i = 0; i < a->nb_tokens; i++)
		if (strcmp(a->tokens[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* Add the digest and save. Lock held. */
static int
token_insert(struct ww_auth *a, const char *name, const char *digest,
	     char *err, size_t size)
{
	struct ww_auth_token *t;
	int ret;

	if (token_find(a, name) >= 0)
		return ww_auth_fail(err, size, -EEXIST, "token \"%s\" exists",
				    name);
	if (a->nb_tokens >= WW_AUTH_TOKENS_MAX)
		return ww_auth_fail(err, size, -ENOSPC, "at most %d tokens",
				    WW_AUTH_TOKENS_MAX);
	t = &a->tokens[a->nb_tokens];
	snprintf(t->name, sizeof(t->name), "%s", name);
	memcpy(t->sha256, digest, sizeof(t->sha256));
	t->created = (uint64_t)time(NULL);
	a->nb_tokens++;
	ret = ww_auth_store_save(a, err, size);
	if (ret != 0) {
		a->nb_tokens--;
		memset(t, 0, sizeof(*t));
	}
	return ret;
}

int
ww_auth_token_create(struct ww_auth *a, const char *name, char *token,
		     size_t tok_size, char *err, size_t size)
{
	char tok[TOKEN_LEN + 1], digest[WW_AUTH_DIGEST_LEN + 1];
	int ret;

	ret = check_name("token", name, err, size);
	if (ret != 0)
		return ret;
	if (token == NULL || tok_size < sizeof(tok))
		return ww_auth_fail(err, size, -EINVAL,
				    "token: needs a buffer of %zu bytes",
				    sizeof(tok));
	memcpy(tok, TOKEN_PREFIX, TOKEN_PREFIX_LEN);
	ret = ww_random_hex(tok + TOKEN_PREFIX_LEN, WW_AUTH_SECRET_LEN / 2);
	if (ret == 0)
		ret = token_digest(tok, digest);
	if (ret != 0) {
		explicit_bzero(tok, sizeof(tok));
		return ww_auth_fail(err, size, ret, "token: %s",
				    strerror(-ret));
	}
	pthread_mutex_lock(&a->lock);
	ret = token_insert(a, name, digest, err, size);
	pthread_mutex_unlock(&a->lock);
	if (ret == 0)
		memcpy(token, tok, sizeof(tok));
	explicit_bzero(tok, sizeof(tok));
	return ret;
}

int
ww_auth_token_check(struct ww_auth *a, const char *token, char *name)
{
	char digest[WW_AUTH_DIGEST_LEN + 1];
	int found = -1;

	if (token == NULL || strnlen(token, TOKEN_LEN + 1) != TOKEN_LEN ||
	    memcmp(token, TOKEN_PREFIX, TOKEN_PREFIX_LEN) != 0 ||
	    token_digest(token, digest) != 0)
		return -EACCES;
	pthread_mutex_lock(&a->lock);
	/* no early exit: how far the scan got tells nothing */
	for (unsigned int i = 0; i < a->nb_tokens; i++)
		if (ww_auth_secret_equal(digest, a->tokens[i].sha256))
			found = (int)i;
	if (found >= 0 && name != NULL)
		memcpy(name, a->tokens[found].name, WW_AUTH_NAME_MAX);
	pthread_mutex_unlock(&a->lock);
	return found >= 0 ? 0 : -EACCES;
}

static int
token_remove(struct ww_auth *a, const char *name, char *err, size_t size)
{
	struct ww_auth_token gone;
	unsigned int i, tail;
	int ret, at;

	at = token_find(a, name);
	if (at < 0)
		return ww_auth_fail(err, size, -ENOENT, "no token \"%s\"",
				    name);
	i = (unsigned int)at;
	gone = a->tokens[i];
	tail = a->nb_tokens - i - 1;
	memmove(&a->tokens[i], &a->tokens[i + 1], tail * sizeof(gone));
	a->nb_tokens--;
	ret = ww_auth_store_save(a, err, size);
	if (ret != 0) {
		memmove(&a->tokens[i + 1], &a->tokens[i], tail * sizeof(gone));
		a->tokens[i] = gone;
		a->nb_tokens++;
		return ret;
	}
	memset(&a->tokens[a->nb_tokens], 0, sizeof(gone));
	return 0;
}

int
ww_auth_token_revoke(struct ww_auth *a, const char *name, char *err,
		     size_t size)
{
	int ret;

	ret = check_name("token", name, err, size);
	if (ret != 0)
		return ret;
	pthread_mutex_lock(&a->lock);
	ret = token_remove(a, name, err, size);
	pthread_mutex_unlock(&a->lock);
	return ret;
}

json_t *
ww_auth_tokens_json(struct ww_auth *a)
{
	json_t *j;

	pthread_mutex_lock(&a->lock);
	j = ww_auth_store_tokens(a, false);
	pthread_mutex_unlock(&a->lock);
	return j;
}
