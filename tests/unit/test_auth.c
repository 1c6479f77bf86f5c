/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/auth: the user file (round trip, mode, nothing in clear, malformed
 * files refused, a failed save changes nothing), the first user, logins
 * and the per-source limit (also under parallel attempts), sessions (idle,
 * lifetime, logout, eviction, ended by a password change or deletion),
 * API tokens. Time is the test's: seconds it makes up. Every yescrypt hash
 * costs ~10 ms (~200 ms under valgrind): the tests spend fewer than 60. */
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "ut_tmpdir.h"
#include <gnutls/crypto.h>
#include <jansson.h>

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif

#include "auth.h"
#include "util.h"

#define ERR_SIZE 256

static const struct ww_auth_params params = {
	.session_idle_s = 100,
	.session_max_s = 1000,
	.max_sessions = 3,
	.login_failures = 3,
	.login_window_s = 60,
};

static char dir[] = "/tmp/ww_test_auth.XXXXXX";

/* ---- helpers ---- */

static void
mkpath(char *out, const char *name)
{
	snprintf(out, PATH_MAX, "%s/%s", dir, name);
}

static struct ww_auth *
open_ok(const char *path)
{
	char err[ERR_SIZE] = "";
	struct ww_auth *a = ww_auth_open(path, &params, err, sizeof(err));

	if (a == NULL)
		fail_msg("open %s: %s", path, err);
	return a;
}

static void
add_ok(struct ww_auth *a, const char *name, const char *pw)
{
	char err[ERR_SIZE] = "";

	if (ww_auth_user_add(a, name, pw, err, sizeof(err)) != 0)
		fail_msg("add %s: %s", name, err);
}

static void
write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static char *
slurp(const char *path)
{
	char *t = ww_file_read(path, 1 << 20, NULL);

	assert_non_null(t);
	return t;
}

static bool
is_hex(const char *s, size_t len)
{
	if (strlen(s) != len)
		return false;
	for (; *s != '\0'; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return false;
	return true;
}

static int
login(struct ww_auth *a, const char *src, const char *user, const char *pw,
      uint64_t now, struct ww_auth_session *s)
{
	struct ww_auth_session dummy;
	uint32_t retry = 12345;
	int ret = ww_auth_login(a, src, user, pw, now, s ? s : &dummy, &retry);

	if (ret != -EAGAIN)
		assert_int_equal(retry, 0);
	return ret;
}

static bool
listed(json_t *arr, const char *name)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v)
		if (strcmp(json_string_value(json_object_get(v, "name")),
			   name) == 0)
			return true;
	return false;
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* ---- the file ---- */

static void
test_round_trip(void **state)
{
	char path[PATH_MAX], *text;
	struct ww_auth_session s;
	struct ww_auth *a;
	json_t *root, *users, *v;
	struct stat st;
	size_t i;

	mkpath(path, "round.json");
	a = open_ok(path);
	assert_int_equal(ww_auth_user_count(a), 0);
	assert_int_equal(stat(path, &st), -1);  /* nothing written yet */
	add_ok(a, "alice", "correct horse");
	add_ok(a, "bob.b-2_X", "battery staple");
	ww_auth_close(a);

	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	text = slurp(path);
	assert_null(strstr(text, "correct horse"));
	assert_null(strstr(text, "battery staple"));
	root = json_loads(text, 0, NULL);
	assert_non_null(root);
	assert_int_equal(json_integer_value(json_object_get(root, "version")), 1);
	users = json_object_get(root, "users");
	assert_int_equal(json_array_size(users), 2);
	json_array_foreach(users, i, v) {
		assert_memory_equal(json_string_value(json_object_get(v, "hash")),
				    "$y$", 3);
		assert_true(json_integer_value(json_object_get(v, "created")) > 0);
	}
	assert_int_equal(json_array_size(json_object_get(root, "tokens")), 0);
	json_decref(root);
	free(text);

	a = open_ok(path);
	assert_int_equal(ww_auth_user_count(a), 2);
	users = ww_auth_users_json(a);
	assert_int_equal(json_array_size(users), 2);
	assert_true(listed(users, "alice"));
	assert_true(listed(users, "bob.b-2_X"));
	assert_null(json_object_get(json_array_get(users, 0), "hash"));
	json_decref(users);
	assert_int_equal(login(a, "10.0.0.1", "alice", "correct horse", 1000,
			       &s), 0);
	assert_string_equal(s.user, "alice");
	ww_auth_close(a);
}

static void
test_malformed_file(void **state)
{
	static const struct {
		const char *text;
		const char *why;
	} bad[] = {
		{ "", "line 1 column 0" },
		{ "{\"version\":1,\"users\":[", "line 1 column 22" },
		{ "{\"version\":1,\n\"users\":[],\"users\":[]}", "line 2" },
		{ "[]", "the top: not an object" },
		{ "{\"users\":[]}", "version: missing" },
		{ "{\"version\":2,\"users\":[]}", "version 2" },
		{ "{\"version\":1,\"users\":{}}", "users: not an array" },
		{ "{\"version\":\"1\",\"users\":[]}", "version: not an integer" },
		{ "{\"version\":1,\"users\":[],\"extra\":1}", "extra: unknown key" },
		{ "{\"version\":1,\"users\":[{\"name\":\"a b\",\"hash\":\"$y$x\","
		  "\"created\":1}]}", "users[0].name" },
		{ "{\"version\":1,\"users\":[{\"name\":\"a\",\"created\":1}]}",
		  "users[0].hash: missing" },
		{ "{\"version\":1,\"users\":[{\"name\":\"a\",\"hash\":\"$y$x\","
		  "\"created\":1,\"pw\":\"x\"}]}", "users[0].pw: unknown key" },
		{ "{\"version\":1,\"users\":[{\"name\":\"a\",\"hash\":\"plain\","
		  "\"created\":1}]}", "users[0].hash" },
		{ "{\"version\":1,\"users\":[{\"name\":\"a\",\"hash\":\"$y$x\","
		  "\"created\":1},{\"name\":\"a\",\"hash\":\"$y$x\","
		  "\"created\":1}]}", "users[1].name: user \"a\" again" },
		{ "{\"version\":1,\"users\":[],\"tokens\":[{\"name\":\"t\","
		  "\"sha256\":\"abc\",\"created\":1}]}", "tokens[0].sha256" },
	};
	char path[PATH_MAX], err[ERR_SIZE], want[PATH_MAX + 8];
	struct ww_auth *a;

	mkpath(path, "bad.json");
	snprintf(want, sizeof(want), "%s: ", path);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_text(path, bad[i].text);
		err[0] = '\0';
		errno = 0;
		a = ww_auth_open(path, &params, err, sizeof(err));
		if (a != NULL || strncmp(err, want, strlen(want)) != 0 ||
		    strstr(err, bad[i].why) == NULL)
			fail_msg("case %zu: got \"%s\", want \"%s\"", i, err,
				 bad[i].why);
		assert_int_not_equal(errno, 0);
	}

	/* the smallest good file; tokens may be left out */
	write_text(path, "{\"version\":1,\"users\":[]}");
	a = open_ok(path);
	assert_int_equal(ww_auth_user_count(a), 0);
	ww_auth_close(a);

	/* unreadable: a directory, and a path through a regular file */
	assert_null(ww_auth_open(dir, &params, err, sizeof(err)));
	assert_non_null(strstr(err, "cannot read"));
	mkpath(want, "bad.json/users.json");
	assert_null(ww_auth_open(want, &params, err, sizeof(err)));
	assert_non_null(strstr(err, "cannot read"));
}

/* A save that fails leaves everything as it was, and says why. */
static void
test_save_failure(void **state)
{
	char sub[PATH_MAX], path[PATH_MAX], err[ERR_SIZE], tok[WW_AUTH_TOKEN_MAX];
	char tok2[WW_AUTH_TOKEN_MAX] = "", name[WW_AUTH_NAME_MAX];
	struct ww_auth_session s, got;
	struct ww_auth *a;
	json_t *j;

	mkpath(sub, "gone");
	mkpath(path, "gone/users.json");
	assert_int_equal(mkdir(sub, 0700), 0);
	a = open_ok(path);
	add_ok(a, "alice", "old password");
	add_ok(a, "bob", "bobs password");
	assert_int_equal(ww_auth_token_create(a, "ci", tok, sizeof(tok), err,
					      sizeof(err)), 0);
	assert_int_equal(login(a, "x", "alice", "old password", 1000, &s), 0);

	/* as root, a read-only directory would still take writes */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(sub), 0);

	err[0] = '\0';
	assert_int_equal(ww_auth_user_add(a, "carol", "carols password", err,
					  sizeof(err)), -EIO);
	assert_non_null(strstr(err, "users.json"));
	assert_int_equal(ww_auth_user_count(a), 2);
	j = ww_auth_users_json(a);
	assert_false(listed(j, "carol"));
	json_decref(j);

	assert_int_equal(ww_auth_user_passwd(a, "alice", "new password", err,
					     sizeof(err)), -EIO);
	assert_int_equal(ww_auth_session_get(a, s.id, 1001, &got), 0);

	assert_int_equal(ww_auth_user_del(a, "bob", err, sizeof(err)), -EIO);
	assert_int_equal(ww_auth_user_count(a), 2);

	assert_int_equal(ww_auth_token_create(a, "x", tok2, sizeof(tok2), err,
					      sizeof(err)), -EIO);
	assert_string_equal(tok2, "");
	j = ww_auth_tokens_json(a);
	assert_int_equal(json_array_size(j), 1);
	json_decref(j);
	assert_int_equal(ww_auth_token_revoke(a, "ci", err, sizeof(err)), -EIO);
	j = ww_auth_tokens_json(a);
	assert_true(listed(j, "ci"));
	json_decref(j);
	assert_int_equal(ww_auth_token_check(a, tok, name), 0);

	/* the old password still holds */
	assert_int_equal(login(a, "x", "alice", "old password", 1002, NULL), 0);

	/* the directory back: the next change saves what memory holds */
	assert_int_equal(mkdir(sub, 0700), 0);
	add_ok(a, "carol", "carols password");
	ww_auth_close(a);
	a = open_ok(path);
	assert_int_equal(ww_auth_user_count(a), 3);
	assert_int_equal(ww_auth_token_check(a, tok, name), 0);
	assert_string_equal(name, "ci");
	j = ww_auth_tokens_json(a);
	assert_int_equal(json_array_size(j), 1);
	json_decref(j);
	ww_auth_close(a);
}

/* ---- users ---- */

static void
test_ensure_user(void **state)
{
	char path[PATH_MAX], err[ERR_SIZE], pw[32], pw2[32] = "untouched";
	struct ww_auth *a;

	mkpath(path, "ensure.json");
	a = open_ok(path);
	assert_int_equal(ww_auth_ensure_user(a, "admin", pw, 8, err,
					     sizeof(err)), -EINVAL);
	assert_int_equal(ww_auth_ensure_user(a, "ad min", pw, sizeof(pw), err,
					     sizeof(err)), -EINVAL);
	assert_int_equal(ww_auth_user_count(a), 0);
	assert_int_equal(ww_auth_ensure_user(a, "admin", pw, sizeof(pw), err,
					     sizeof(err)), 1);
	assert_int_equal(strlen(pw), 20);
	for (const char *c = pw; *c != '\0'; c++)
		assert_null(strchr("0Oo1lIi", *c));
	assert_int_equal(ww_auth_ensure_user(a, "other", pw2, sizeof(pw2),
					     err, sizeof(err)), 0);
	assert_string_equal(pw2, "untouched");
	assert_int_equal(ww_auth_user_count(a), 1);
	assert_int_equal(login(a, "x", "admin", pw, 1000, NULL), 0);
	ww_auth_close(a);

	a = open_ok(path);
	assert_int_equal(ww_auth_ensure_user(a, "admin", pw2, sizeof(pw2),
					     err, sizeof(err)), 0);
	ww_auth_close(a);
}

/* Bad input is refused with a reason, and the file is not touched. */
static void
test_bad_input(void **state)
{
	char path[PATH_MAX], err[ERR_SIZE], tok[WW_AUTH_TOKEN_MAX], *before, *after;
	char long_pw[WW_AUTH_PASSWORD_MAX + 2];
	static const char *const names[] = {
		"x y", "", "a/b", "\xc3\xa9t\xc3\xa9", "a\nb",
		"abcdefghijabcdefghijabcdefghij12", /* 32 */
	};
	struct ww_auth *a;

	mkpath(path, "bad_input.json");
	a = open_ok(path);
	add_ok(a, "alice", "alices password");
	before = slurp(path);

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		assert_int_equal(ww_auth_user_add(a, names[i], "good password",
						  err, sizeof(err)), -EINVAL);
		assert_non_null(strstr(err, "user name"));
		assert_int_equal(ww_auth_token_create(a, names[i], tok,
						      sizeof(tok), err,
						      sizeof(err)), -EINVAL);
		assert_non_null(strstr(err, "token name"));
	}
	assert_int_equal(ww_auth_user_add(a, NULL, "good password", err,
					  sizeof(err)), -EINVAL);
	assert_int_equal(ww_auth_user_add(a, "x y", "good password", err,
					  sizeof(err)), -EINVAL);
	assert_string_equal(err, "user name \"x y\": 1 to 31 letters, digits, "
			    "'_', '.' or '-'");
	assert_int_equal(ww_auth_user_add(a, "a\nb", "good password", err,
					  sizeof(err)), -EINVAL);
	assert_null(strchr(err, '\n'));

	assert_int_equal(ww_auth_user_add(a, "bob", "7chars!", err,
					  sizeof(err)), -EINVAL);
	assert_string_equal(err, "password: at least 8 characters");
	memset(long_pw, 'a', sizeof(long_pw) - 1);
	long_pw[sizeof(long_pw) - 1] = '\0';
	assert_int_equal(ww_auth_user_add(a, "bob", long_pw, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "password: at most 256 characters");
	assert_int_equal(ww_auth_user_add(a, "bob", NULL, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(ww_auth_user_passwd(a, "alice", "short", err,
					     sizeof(err)), -EINVAL);

	assert_int_equal(ww_auth_user_add(a, "alice", "good password", err,
					  sizeof(err)), -EEXIST);
	assert_string_equal(err, "user \"alice\" exists");
	assert_int_equal(ww_auth_user_passwd(a, "nobody", "good password",
					     err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "no user \"nobody\"");
	assert_int_equal(ww_auth_user_del(a, "nobody", err, sizeof(err)),
			 -ENOENT);
	assert_int_equal(ww_auth_token_revoke(a, "nobody", err, sizeof(err)),
			 -ENOENT);
	assert_int_equal(ww_auth_token_create(a, "ci", tok, 10, err,
					      sizeof(err)), -EINVAL);

	after = slurp(path);
	assert_string_equal(before, after);
	free(before);
	free(after);

	/* the bounds themselves are fine: 31 characters, 8 and 256 bytes */
	assert_int_equal(ww_auth_token_create(a, "abcdefghijabcdefghijabcdefghij1",
					      tok, sizeof(tok), err,
					      sizeof(err)), 0);
	long_pw[WW_AUTH_PASSWORD_MAX] = '\0';
	add_ok(a, "bob", long_pw);
	assert_int_equal(ww_auth_user_passwd(a, "bob", "8 chars!", err,
					     sizeof(err)), 0);
	assert_int_equal(login(a, "x", "bob", "8 chars!", 1000, NULL), 0);
	ww_auth_close(a);
}

static void
test_last_user(void **state)
{
	char path[PATH_MAX], err[ERR_SIZE];
	struct ww_auth_session s;
	struct ww_auth *a;

	mkpath(path, "last.json");
	a = open_ok(path);
	add_ok(a, "alice", "alices password");
	assert_int_equal(ww_auth_user_del(a, "alice", err, sizeof(err)),
			 -EBUSY);
	assert_non_null(strstr(err, "last"));
	add_ok(a, "bob", "bobs password");
	assert_int_equal(login(a, "x", "bob", "bobs password", 1000, &s), 0);
	assert_int_equal(ww_auth_user_del(a, "bob", err, sizeof(err)), 0);
	/* bob's session ends with bob */
	assert_int_equal(ww_auth_session_get(a, s.id, 1001, NULL), -ENOENT);
	assert_int_equal(ww_auth_user_del(a, "alice", err, sizeof(err)),
			 -EBUSY);
	ww_auth_close(a);
	a = open_ok(path);
	assert_int_equal(ww_auth_user_count(a), 1);
	ww_auth_close(a);
}

/* ---- logins ---- */

static void
test_wrong_password(void **state)
{
	char path[PATH_MAX];
	struct ww_auth *a;
	double t0, t1, t2;

	mkpath(path, "wrong.json");
	a = open_ok(path);
	add_ok(a, "alice", "alices password");
	t0 = now_ms();
	assert_int_equal(login(a, "a", "alice", "not her password", 1000,
			       NULL), -EACCES);
	t1 = now_ms();
	assert_int_equal(login(a, "b", "mallory", "alices password", 1000,
			       NULL), -EACCES);
	t2 = now_ms();
	/* an unknown user costs a hash as well */
	assert_true(t2 - t1 > (t1 - t0) / 4);
	assert_int_equal(login(a, "c", "alice", "short", 1000, NULL), -EACCES);
	assert_int_equal(login(a, "c", NULL, NULL, 1000, NULL), -EACCES);
	ww_auth_close(a);
}

static void
test_rate_limit(void **state)
{
	const char *src = "192.0.2.1";
	char path[PATH_MAX];
	struct ww_auth_session s;
	struct ww_auth *a;
	uint32_t retry;

	mkpath(path, "limit.json");
	a = open_ok(path);
	add_ok(a, "alice", "alices password");
	for (int i = 0; i < 3; i++)
		assert_int_equal(login(a, src, "alice", "wrong password",
				       1000 + i, NULL), -EACCES);
	/* limited: even the right password is not looked at */
	retry = 0;
	assert_int_equal(ww_auth_login(a, src, "alice", "alices password",
				       1010, &s, &retry), -EAGAIN);
	assert_int_equal(retry, 50);
	assert_int_equal(ww_auth_login(a, src, "mallory", "whatever1", 1059,
				       &s, &retry), -EAGAIN);
	assert_int_equal(retry, 1);
	/* another source is not limited */
	assert_int_equal(login(a, "192.0.2.2", "alice", "alices password",
			       1010, NULL), 0);
	/* the first failure left the window; refused attempts did not count */
	assert_int_equal(login(a, src, "alice", "alices password", 1060, &s),
			 0);
	/* the success forgot the failures at 1001 and 1002 */
	for (int i = 0; i < 3; i++)
		assert_int_equal(login(a, src, "alice", "wrong password", 1061,
				       NULL), -EACCES);
	assert_int_equal(ww_auth_login(a, src, "alice", "alices password",
				       1061, &s, &retry), -EAGAIN);
	assert_int_equal(retry, 60);
	ww_auth_close(a);
}

struct guesser {
	struct ww_auth *a;
	pthread_barrier_t *go;
	int eacces, eagain;
};

static void *
guess(void *arg)
{
	struct guesser *g = arg;
	struct ww_auth_session s;
	uint32_t retry;

	pthread_barrier_wait(g->go);
	for (int i = 0; i < 2; i++) {
		int ret = ww_auth_login(g->a, "203.0.113.9", "nobody",
					"guess guess", 5000, &s, &retry);

		g->eacces += ret == -EACCES;
		g->eagain += ret == -EAGAIN;
	}
	return NULL;
}

/* Parallel guesses get no more tries than sequential ones. */
static void
test_rate_limit_parallel(void **state)
{
	char path[PATH_MAX];
	struct guesser g[4];
	pthread_t th[4];
	pthread_barrier_t go;
	struct ww_auth *a;
	int eacces = 0, eagain = 0;

	mkpath(path, "parallel.json");
	a = open_ok(path);
	pthread_barrier_init(&go, NULL, 4);
	for (int i = 0; i < 4; i++)
		g[i] = (struct guesser){ .a = a, .go = &go };
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&th[i], NULL, guess, &g[i]), 0);
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		eacces += g[i].eacces;
		eagain += g[i].eagain;
	}
	assert_int_equal(eacces, 3);
	assert_int_equal(eagain, 5);
	pthread_barrier_destroy(&go);
	ww_auth_close(a);
}

struct login_job {
	struct ww_auth *a;
	atomic_int done;
	int ret;
};

static void *
login_job(void *arg)
{
	struct login_job *j = arg;

	j->ret = login(j->a, "x", "alice", "alices password", 1000, NULL);
	atomic_store(&j->done, 1);
	return NULL;
}

/* While one login hashes, the handle stays usable. */
static void
test_hash_unlocked(void **state)
{
	const struct timespec pause = { .tv_nsec = 200 * 1000 };
	char path[PATH_MAX];
	struct login_job j = { 0 };
	pthread_t th;
	int calls = 0;

	mkpath(path, "unlocked.json");
	j.a = open_ok(path);
	add_ok(j.a, "alice", "alices password");
	assert_int_equal(pthread_create(&th, NULL, login_job, &j), 0);
	while (!atomic_load(&j.done)) {
		assert_int_equal(ww_auth_user_count(j.a), 1);
		calls++;
		nanosleep(&pause, NULL);
	}
	pthread_join(th, NULL);
	assert_int_equal(j.ret, 0);
	/* had the lock been held across the hash: one or two. Valgrind runs
	 * one thread at a time and lets the hashing one keep going. */
	if (calls < 5 && !RUNNING_ON_VALGRIND)
		fail_msg("only %d calls during a login", calls);
	ww_auth_close(j.a);
}

/* ---- sessions ---- */

static void
test_sessions(void **state)
{
	char path[PATH_MAX], err[ERR_SIZE];
	struct ww_auth_session s, got, e[4], sb;
	struct ww_auth *a;
	uint64_t t;

	mkpath(path, "sessions.json");
	a = open_ok(path);
	add_ok(a, "alice", "alices password");

	/* idle expiry, renewed by every look-up */
	assert_int_equal(login(a, "x", "alice", "alices password", 1000, &s), 0);
	assert_true(is_hex(s.id, WW_AUTH_SECRET_LEN));
	assert_true(is_hex(s.csrf, WW_AUTH_SECRET_LEN));
	assert_string_not_equal(s.id, s.csrf);
	assert_string_equal(s.user, "alice");
	assert_int_equal(s.expires_s, 1100);
	assert_int_equal(ww_auth_session_get(a, s.id, 1050, &got), 0);
	assert_int_equal(got.expires_s, 1150);
	assert_string_equal(got.csrf, s.csrf);
	assert_string_equal(got.user, "alice");
	assert_int_equal(ww_auth_session_get(a, s.id, 1149, &got), 0);
	assert_int_equal(ww_auth_session_get(a, s.id, 1249, &got), -ENOENT);
	assert_int_equal(ww_auth_session_get(a, s.id, 1200, &got), -ENOENT);
	assert_int_equal(ww_auth_session_get(a, "not-an-id", 1200, &got),
			 -ENOENT);

	/* the lifetime ends a session however busy */
	assert_int_equal(login(a, "x", "alice", "alices password", 2000, &s), 0);
	for (t = 2090; t < 3000; t += 90)
		assert_int_equal(ww_auth_session_get(a, s.id, t, &got), 0);
	assert_int_equal(got.expires_s, 3000);
	assert_int_equal(ww_auth_session_get(a, s.id, 3000, &got), -ENOENT);

	assert_int_equal(login(a, "x", "alice", "alices password", 4000, &s), 0);
	assert_int_equal(ww_auth_logout(a, s.id), 0);
	assert_int_equal(ww_auth_session_get(a, s.id, 4001, &got), -ENOENT);
	assert_int_equal(ww_auth_logout(a, s.id), -ENOENT);
	assert_int_equal(ww_auth_logout(a, "nonsense"), -ENOENT);

	/* three at most: the oldest goes */
	for (int i = 0; i < 4; i++)
		assert_int_equal(login(a, "x", "alice", "alices password",
				       5000, &e[i]), 0);
	assert_int_equal(ww_auth_session_get(a, e[0].id, 5001, NULL), -ENOENT);
	for (int i = 1; i < 4; i++)
		assert_int_equal(ww_auth_session_get(a, e[i].id, 5001, NULL), 0);

	/* a new password ends alice's sessions, not bob's */
	add_ok(a, "bob", "bobs password");
	assert_int_equal(login(a, "x", "bob", "bobs password", 5002, &sb), 0);
	assert_int_equal(ww_auth_user_passwd(a, "alice", "alices new one",
					     err, sizeof(err)), 0);
	for (int i = 1; i < 4; i++)
		assert_int_equal(ww_auth_session_get(a, e[i].id, 5003, NULL),
				 -ENOENT);
	assert_int_equal(ww_auth_session_get(a, sb.id, 5003, &got), 0);
	assert_string_equal(got.user, "bob");
	ww_auth_close(a);
}

/* ---- API tokens ---- */

static void
test_tokens(void **state)
{
	char path[PATH_MAX], err[ERR_SIZE], tok[WW_AUTH_TOKEN_MAX];
	char tok2[WW_AUTH_TOKEN_MAX], bad[WW_AUTH_TOKEN_MAX];
	char name[WW_AUTH_NAME_MAX], digest[65], *text;
	unsigned char d[32];
	struct ww_auth *a;
	json_t *j;

	mkpath(path, "tokens.json");
	a = open_ok(path);
	assert_int_equal(ww_auth_token_create(a, "ci", tok, sizeof(tok), err,
					      sizeof(err)), 0);
	assert_memory_equal(tok, "wwt_", 4);
	assert_true(is_hex(tok + 4, 64));
	assert_int_equal(ww_auth_token_create(a, "ci", tok2, sizeof(tok2), err,
					      sizeof(err)), -EEXIST);
	assert_string_equal(err, "token \"ci\" exists");
	assert_int_equal(ww_auth_token_create(a, "deploy", tok2, sizeof(tok2),
					      err, sizeof(err)), 0);
	assert_string_not_equal(tok, tok2);

	assert_int_equal(ww_auth_token_check(a, tok, name), 0);
	assert_string_equal(name, "ci");
	assert_int_equal(ww_auth_token_check(a, tok2, name), 0);
	assert_string_equal(name, "deploy");
	strcpy(bad, tok);
	bad[10] = bad[10] == 'a' ? 'b' : 'a';
	assert_int_equal(ww_auth_token_check(a, bad, name), -EACCES);
	assert_int_equal(ww_auth_token_check(a, "wwt_abc", name), -EACCES);
	assert_int_equal(ww_auth_token_check(a, tok + 4, name), -EACCES);
	assert_int_equal(ww_auth_token_check(a, NULL, name), -EACCES);
	ww_auth_close(a);

	/* only the digest is on the disk */
	text = slurp(path);
	assert_null(strstr(text, tok + 4));
	assert_int_equal(gnutls_hash_fast(GNUTLS_DIG_SHA256, tok, strlen(tok),
					  d), 0);
	for (int i = 0; i < 32; i++)
		sprintf(digest + 2 * i, "%02x", d[i]);
	assert_non_null(strstr(text, digest));
	free(text);

	a = open_ok(path);
	assert_int_equal(ww_auth_token_check(a, tok, name), 0);
	assert_string_equal(name, "ci");
	j = ww_auth_tokens_json(a);
	assert_int_equal(json_array_size(j), 2);
	assert_true(listed(j, "ci"));
	assert_true(listed(j, "deploy"));
	assert_null(json_object_get(json_array_get(j, 0), "sha256"));
	json_decref(j);
	assert_int_equal(ww_auth_token_revoke(a, "ci", err, sizeof(err)), 0);
	assert_int_equal(ww_auth_token_check(a, tok, name), -EACCES);
	assert_int_equal(ww_auth_token_check(a, tok2, name), 0);
	assert_int_equal(ww_auth_token_revoke(a, "ci", err, sizeof(err)),
			 -ENOENT);
	ww_auth_close(a);
	a = open_ok(path);
	assert_int_equal(ww_auth_token_check(a, tok, name), -EACCES);
	assert_int_equal(ww_auth_token_check(a, tok2, name), 0);
	ww_auth_close(a);
}

static void
test_secret_equal(void **state)
{
	assert_true(ww_auth_secret_equal("abc", "abc"));
	assert_true(ww_auth_secret_equal("", ""));
	assert_false(ww_auth_secret_equal("abc", "abd"));
	assert_false(ww_auth_secret_equal("abc", "ab"));
	assert_false(ww_auth_secret_equal("ab", "abc"));
	assert_false(ww_auth_secret_equal("", "a"));
	assert_false(ww_auth_secret_equal(NULL, "a"));
	assert_false(ww_auth_secret_equal("a", NULL));
}

static void
test_params(void **state)
{
	struct ww_auth_params p = { .login_failures = 1000 };
	char path[PATH_MAX], err[ERR_SIZE];

	mkpath(path, "params.json");
	assert_null(ww_auth_open(path, &p, err, sizeof(err)));
	assert_non_null(strstr(err, "login_failures"));
	assert_null(ww_auth_open(NULL, NULL, err, sizeof(err)));
	ww_auth_close(NULL);
}

/* ---- the fixture: one directory for the whole run ---- */

static int
setup(void **state)
{
	return ut_tmpdir_make(dir);
}

static int
teardown(void **state)
{
	return ut_tmpdir_remove(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_malformed_file),
		cmocka_unit_test(test_save_failure),
		cmocka_unit_test(test_ensure_user),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_last_user),
		cmocka_unit_test(test_wrong_password),
		cmocka_unit_test(test_rate_limit),
		cmocka_unit_test(test_rate_limit_parallel),
		cmocka_unit_test(test_hash_unlocked),
		cmocka_unit_test(test_sessions),
		cmocka_unit_test(test_tokens),
		cmocka_unit_test(test_secret_equal),
		cmocka_unit_test(test_params),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
