/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/auth internals, shared by auth.c (the handle, users, API tokens),
 * auth_login.c (logins, the per-source limit, sessions) and auth_store.c
 * (the file). All tables are allocated whole when the handle is opened, so
 * a change never fails half-way for want of memory.
 */
#ifndef WW_AUTH_PRIV_H
#define WW_AUTH_PRIV_H

#include <crypt.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "auth.h"

#define WW_AUTH_USERS_MAX 1024      /* keeps the file small enough to read back */
#define WW_AUTH_TOKENS_MAX 1024
#define WW_AUTH_SOURCES 1024        /* sources the login limit remembers */
#define WW_AUTH_SOURCE_LEN 64       /* longer source strings are cut */
#define WW_AUTH_FAILURES_MAX 64     /* bound on params.login_failures */
#define WW_AUTH_SESSIONS_MAX 65536  /* bound on params.max_sessions */
#define WW_AUTH_DIGEST_LEN 64       /* SHA-256 in hex */
#define WW_AUTH_HASH_SIZE CRYPT_OUTPUT_SIZE

struct ww_auth_user {
	char name[WW_AUTH_NAME_MAX];
	char *hash;                      /* "$y$...", malloc'd */
	uint64_t created;
};

struct ww_auth_token {
	char name[WW_AUTH_NAME_MAX];
	char sha256[WW_AUTH_DIGEST_LEN + 1];
	uint64_t created;
};

struct ww_auth_sess {
	bool live;
	char id[WW_AUTH_SECRET_LEN + 1];
	char csrf[WW_AUTH_SECRET_LEN + 1];
	char user[WW_AUTH_NAME_MAX];
	uint64_t created_s;
	uint64_t used_s;
	uint64_t seq;                    /* creation order: the oldest goes */
};

/* Failed logins of one source: a ring of their times, oldest at head. */
struct ww_auth_src {
	char key[WW_AUTH_SOURCE_LEN];    /* "" = free slot */
	uint64_t last_s;                 /* the stalest goes when full */
	uint32_t n;
	uint32_t head;
	uint32_t pending;                /* attempts being hashed right now */
	uint64_t *fail;                  /* params.login_failures slots */
};

struct ww_auth {
	pthread_mutex_t lock;
	char *path;
	struct ww_auth_params p;
	struct ww_auth_user *users;      /* WW_AUTH_USERS_MAX */
	unsigned int nb_users;
	struct ww_auth_token *tokens;    /* WW_AUTH_TOKENS_MAX */
	unsigned int nb_tokens;
	struct ww_auth_sess *sessions;   /* p.max_sessions */
	uint64_t seq;
	struct ww_auth_src *srcs;        /* WW_AUTH_SOURCES */
	uint64_t *fail_times;            /* backs every srcs[i].fail */
	char dummy[CRYPT_GENSALT_OUTPUT_SIZE]; /* salt unknown users hash with */
};

int ww_auth_fail(char *err, size_t size, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
bool ww_auth_name_ok(const char *name);
int ww_auth_user_find(const struct ww_auth *a, const char *name);
bool ww_auth_hash_check(const char *password, const char *hash);

/* auth_login.c; the lock is held. */
void ww_auth_sessions_end_user(struct ww_auth *a, const char *user);

/* auth_store.c; the lock is held, or the handle not yet shared. */
int ww_auth_store_load(struct ww_auth *a, char *err, size_t size);
int ww_auth_store_save(struct ww_auth *a, char *err, size_t size);
json_t *ww_auth_store_users(const struct ww_auth *a, bool with_hash);
json_t *ww_auth_store_tokens(const struct ww_auth *a, bool with_digest);

#endif /* WW_AUTH_PRIV_H */
