/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * lib/auth — who may steer the appliance: users with salted password
 * hashes, login sessions with CSRF tokens, API tokens for scripts, and a
 * per-source limit on login attempts.
 *
 * Users and API tokens live in one JSON file (mode 0600), rewritten
 * crash-safe (ww_file_replace) on every change; nothing secret is stored in
 * clear: passwords as yescrypt hashes (libcrypt, "$y$..."), API tokens as
 * SHA-256 digests. Sessions live in memory only: a restart logs everyone
 * out, which is the safe side.
 *
 * There is no default password: ww_auth_ensure_user() creates the first
 * user with a generated password the caller prints once.
 *
 * Every function is thread-safe (the HTTP server's thread and the prompt's
 * call them concurrently). Times are wall-clock seconds passed in by the
 * caller, so tests can move time.
 */
#ifndef WW_AUTH_H
#define WW_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#ifdef __cplusplus
extern "C" {
#endif

#define WW_AUTH_NAME_MAX 32       /**< user and token names: 1..31 of [A-Za-z0-9_.-] */
#define WW_AUTH_PASSWORD_MIN 8
#define WW_AUTH_PASSWORD_MAX 256
#define WW_AUTH_SECRET_LEN 64     /**< session ids, CSRF tokens: 64 hex digits */
#define WW_AUTH_TOKEN_MAX 96      /**< an API token as shown: "wwt_" + 64 hex */

/** Limits; zero fields take the defaults in brackets. */
struct ww_auth_params {
	uint32_t session_idle_s;    /**< [1800] a session unused this long ends */
	uint32_t session_max_s;     /**< [43200] and any session after this */
	uint32_t max_sessions;      /**< [256] the oldest goes when full */
	uint32_t login_failures;    /**< [5] failed logins per source ... */
	uint32_t login_window_s;    /**< [60] ... per this window, then 429 */
};

struct ww_auth_session {
	char id[WW_AUTH_SECRET_LEN + 1];    /**< the cookie's value */
	char csrf[WW_AUTH_SECRET_LEN + 1];  /**< required on every change */
	char user[WW_AUTH_NAME_MAX];
	uint64_t expires_s;                 /**< idle expiry as of now */
};

struct ww_auth;

/**
 * Open the user file @p path (created on the first change if missing).
 * A file that exists but is unreadable or malformed is an error: the
 * appliance must not start with an unknown set of users.
 * @return the handle, or NULL with "PATH: why" in @p err.
 */
struct ww_auth *ww_auth_open(const char *path, const struct ww_auth_params *p,
			     char *err, size_t size);
void ww_auth_close(struct ww_auth *a);

/**
 * If no user exists, create @p name with a generated password (20 random
 * characters) and return it in @p password: the caller prints it once.
 * @return 1 when a user was created, 0 if users exist, or -errno (err).
 */
int ww_auth_ensure_user(struct ww_auth *a, const char *name, char *password,
			size_t pw_size, char *err, size_t size);

/** Users. Names 1..31 of [A-Za-z0-9_.-]; passwords 8..256 bytes.
 *  @return 0, -EINVAL (bad name/password), -EEXIST, -ENOENT, -EBUSY (the
 *  last user cannot go), -EIO (cannot save; nothing changed); err says why. */
int ww_auth_user_add(struct ww_auth *a, const char *name, const char *password,
		     char *err, size_t size);
int ww_auth_user_passwd(struct ww_auth *a, const char *name,
			const char *password, char *err, size_t size);
int ww_auth_user_del(struct ww_auth *a, const char *name, char *err,
		     size_t size);
/** [{"name":..., "created": unix-seconds}] (new reference). */
json_t *ww_auth_users_json(struct ww_auth *a);
unsigned int ww_auth_user_count(struct ww_auth *a);

/**
 * Log in from @p source (the client's address as text).
 * @return 0 with a new session in @p out; -EACCES for a wrong user or
 *   password (the same answer for both); -EAGAIN when @p source has failed
 *   too often, with the seconds until it may try again in @p retry_after.
 *   A refused attempt while limited does not check the password at all.
 */
int ww_auth_login(struct ww_auth *a, const char *source, const char *user,
		  const char *password, uint64_t now_s,
		  struct ww_auth_session *out, uint32_t *retry_after);

/** The live session with @p id (its idle expiry renewed), or -ENOENT. */
int ww_auth_session_get(struct ww_auth *a, const char *id, uint64_t now_s,
			struct ww_auth_session *out);
/** End a session. @return 0 or -ENOENT. */
int ww_auth_logout(struct ww_auth *a, const char *id);

/**
 * Create an API token named @p name; the token itself ("wwt_" + 64 hex)
 * is returned once in @p token and stored only as a digest.
 * @return 0, -EINVAL, -EEXIST, -EIO.
 */
int ww_auth_token_create(struct ww_auth *a, const char *name, char *token,
			 size_t tok_size, char *err, size_t size);
/** @return 0 with the token's name in @p name (WW_AUTH_NAME_MAX), or -EACCES.
 *  Compares digests in constant time. */
int ww_auth_token_check(struct ww_auth *a, const char *token, char *name);
int ww_auth_token_revoke(struct ww_auth *a, const char *name, char *err,
			 size_t size);
/** [{"name":..., "created": unix-seconds}] (new reference). */
json_t *ww_auth_tokens_json(struct ww_auth *a);

/** Compare two NUL-terminated secrets in time independent of where they
 *  differ. @return true if equal. */
bool ww_auth_secret_equal(const char *a, const char *b);

#ifdef __cplusplus
}
#endif

#endif /* WW_AUTH_H */
