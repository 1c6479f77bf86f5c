/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/auth: the user file.
 *
 *   {"version": 1,
 *    "users":  [{"name": "admin", "hash": "$y$...", "created": 1700000000}],
 *    "tokens": [{"name": "ci", "sha256": "64 hex", "created": 1700000000}]}
 *
 * Read whole at open, written whole (mode 0600, crash-safe) on every
 * change. Anything unexpected in it stops the open: the appliance must
 * not run with users it does not know about, or without ones it should.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth_priv.h"
#include "util.h"

#define STORE_VERSION 1
#define STORE_MAX (4u << 20)    /* far above 1024 users and tokens */

static bool
digest_ok(const char *s)
{
	size_t n;

	for (n = 0; s[n] != '\0'; n++)
		if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
			return false;
	return n == WW_AUTH_DIGEST_LEN;
}

struct field {
	const char *key;
	json_type type;
	bool optional;
};

static const char *
type_name(json_type t)
{
	switch (t) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	default: return "something else";
	}
}

/* The JSON path of @p key in the object at @p where ("" is the top),
 * for messages: "version", "users[3].hash". */
static const char *
at(char *buf, size_t n, const char *where, const char *key)
{
	snprintf(buf, n, "%s%s%s", where,
		 where[0] != '\0' && key[0] != '\0' ? "." : "", key);
	return buf;
}

/* @p obj has the @p n fields, of their types, and no others. */
static int
check_object(const struct ww_auth *a, json_t *obj, const char *where,
	     const struct field *f, size_t n, char *err, size_t size)
{
	const char *key;
	char buf[96];
	json_t *v;
	size_t i;

	if (!json_is_object(obj))
		return ww_auth_fail(err, size, -EINVAL,
				    "%s: %s: not an object", a->path,
				    where[0] != '\0' ? where : "the top");
	for (i = 0; i < n; i++) {
		v = json_object_get(obj, f[i].key);
		if (v == NULL && !f[i].optional)
			return ww_auth_fail(err, size, -EINVAL,
					    "%s: %s: missing", a->path,
					    at(buf, sizeof(buf), where,
					       f[i].key));
		if (v != NULL && json_typeof(v) != f[i].type)
			return ww_auth_fail(err, size, -EINVAL,
					    "%s: %s: not %s", a->path,
					    at(buf, sizeof(buf), where,
					       f[i].key),
					    type_name(f[i].type));
	}
	json_object_foreach(obj, key, v) {
		for (i = 0; i < n && strcmp(key, f[i].key) != 0; i++)
			;
		if (i == n)
			return ww_auth_fail(err, size, -EINVAL,
					    "%s: %s: unknown key", a->path,
					    at(buf, sizeof(buf), where, key));
	}
	return 0;
}

static int
check_created(const struct ww_auth *a, json_t *obj, const char *where,
	      char *err, size_t size)
{
	if (json_integer_value(json_object_get(obj, "created")) < 0)
		return ww_auth_fail(err, size, -EINVAL,
				    "%s: %s.created: negative", a->path, where);
	return 0;
}

/* What users and tokens share: the fields, "created" and a valid name. */
static int
check_named(const struct ww_auth *a, json_t *v, const char *where,
	    const struct field *fields, const char **name, char *err,
	    size_t size)
{
	int ret = check_object(a, v, where, fields, 3, err, size);

	if (ret == 0)
		ret = check_created(a, v, where, err, size);
	if (ret != 0)
		return ret;
	*name = json_string_value(json_object_get(v, "name"));
	if (!ww_auth_name_ok(*name))
		return ww_auth_fail(err, size, -EINVAL,
				    "%s: %s.name: 1 to %d letters, digits, '_', '.' or '-'",
				    a->path, where, WW_AUTH_NAME_MAX - 1);
	return 0;
}

static int
load_user(struct ww_auth *a, json_t *v, const char *where, char *err,
	  size_t size)
{
	static const struct field fields[] = {
		{ "name", JSON_STRING, false },
		{ "hash", JSON_STRING, false },
		{ "created", JSON_INTEGER, false },
	};
	struct ww_auth_user *u = &a->users[a->nb_users];
	const char *name, *hash;
	int ret = check_named(a, v, where, fields, &name, err, size);

	if (ret != 0)
		return ret;
	hash = json_string_value(json_object_get(v, "hash"));
	if (hash[0] != '$' || strlen(hash) >= WW_AUTH_HASH_SIZE)
		return ww_auth_fail(err, size, -EINVAL,
				    "%s: %s.hash: not a crypt(3) hash", a->path,
				    where);
	if (ww_auth_user_find(a, name) >= 0)
		return ww_auth_fail(err, size, -EINVAL,
				    "%s: %s.name: user \"%s\" again", a->path,
				    where, name);
	u->hash = strdup(hash);
	if (u->hash == NULL)
		return ww_auth_fail(err, size, -ENOMEM, "%s: out of memory",
				    a->path);
	snprintf(u->name, sizeof(u->name), "%s", name);
	u->created = (uint64_t)json_integer_value(json_object_get(v, "created"));
	a->nb_users++;
	return 0;
}

static int
load_token(struct ww_auth *a, json_t *v, const char *where, char *err,
	   size_t size)
{
	static const struct field fields[] = {
		{ "name", JSON_STRING, false },
		{ "sha256", JSON_STRING, false },
		{ "created", JSON_INTEGER, false },
	};
	struct ww_auth_token *t = &a->tokens[a->nb_tokens];
	const char *name, *digest;
	int ret = check_named(a, v, where, fields, &name, err, size);

	if (ret != 0)
		return ret;
	digest = json_string_value(json_object_get(v, "sha256"));
	if (!digest_ok(digest))
		return ww_auth_fail(err, size, -EINVAL,
				    "%s: %s.sha256: not 64 lowercase hex digits",
				    a->path, where);
	for (unsigned int k = 0; k < a->nb_tokens; k++)
		if (strcmp(a->tokens[k].name, name) == 0)
			return ww_auth_fail(err, size, -EINVAL,
					    "%s: %s.name: token \"%s\" again",
					    a->path, where, name);
	snprintf(t->name, sizeof(t->name), "%s", name);
	memcpy(t->sha256, digest, sizeof(t->sha256));
	t->created = (uint64_t)json_integer_value(json_object_get(v, "created"));
	a->nb_tokens++;
	return 0;
}

typedef int (*load_fn)(struct ww_auth *a, json_t *v, const char *where,
		       char *err, size_t size);

static int
load_array(struct ww_auth *a, json_t *arr, const char *what,
	   unsigned int max, load_fn load, char *err, size_t size)
{
	char where[48];
	json_t *v;
	size_t i;
	int ret;

	if (arr == NULL)
		return 0;
	if (json_array_size(arr) > max)
		return ww_auth_fail(err, size, -EINVAL,
				    "%s: %s: more than %u", a->path, what,
				    max);
	json_array_foreach(arr, i, v) {
		snprintf(where, sizeof(where), "%s[%zu]", what, i);
		ret = load(a, v, where, err, size);
		if (ret != 0)
			return ret;
	}
	return 0;
}

int
ww_auth_store_load(struct ww_auth *a, char *err, size_t size)
{
	static const struct field fields[] = {
		{ "version", JSON_INTEGER, false },
		{ "users", JSON_ARRAY, false },
		{ "tokens", JSON_ARRAY, true },
	};
	json_error_t je;
	json_int_t ver;
	json_t *root;
	char *text;
	size_t len;
	int ret, e;

	errno = 0;
	text = ww_file_read(a->path, STORE_MAX, &len);
	if (text == NULL) {
		e = errno ? errno : EIO;
		if (e == ENOENT)
			return 0;       /* no users yet */
		return ww_auth_fail(err, size, -e, "%s: cannot read: %s",
				    a->path, strerror(e));
	}
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	free(text);
	if (root == NULL)
		return ww_auth_fail(err, size, -EINVAL,
				    "%s: line %d column %d: %s", a->path,
				    je.line, je.column, je.text);
	ret = check_object(a, root, "", fields, 3, err, size);
	ver = json_integer_value(json_object_get(root, "version"));
	if (ret == 0 && ver != STORE_VERSION)
		ret = ww_auth_fail(err, size, -EINVAL,
				   "%s: version %" JSON_INTEGER_FORMAT
				   ": only %d is known", a->path, ver,
				   STORE_VERSION);
	if (ret == 0)
		ret = load_array(a, json_object_get(root, "users"), "users",
				 WW_AUTH_USERS_MAX, load_user, err, size);
	if (ret == 0)
		ret = load_array(a, json_object_get(root, "tokens"), "tokens",
				 WW_AUTH_TOKENS_MAX, load_token, err, size);
	json_decref(root);
	return ret;
}

json_t *
ww_auth_store_users(const struct ww_auth *a, bool with_hash)
{
	const struct ww_auth_user *u;
	json_t *arr = json_array();

	for (unsigned int i = 0; arr != NULL && i < a->nb_users; i++) {
		u = &a->users[i];
		if (json_array_append_new(arr, with_hash ?
			json_pack("{s:s, s:s, s:I}", "name", u->name,
				  "hash", u->hash,
				  "created", (json_int_t)u->created) :
			json_pack("{s:s, s:I}", "name", u->name,
				  "created", (json_int_t)u->created)) != 0) {
			json_decref(arr);
			arr = NULL;
		}
	}
	return arr;
}

json_t *
ww_auth_store_tokens(const struct ww_auth *a, bool with_digest)
{
	const struct ww_auth_token *t;
	json_t *arr = json_array();

	for (unsigned int i = 0; arr != NULL && i < a->nb_tokens; i++) {
		t = &a->tokens[i];
		if (json_array_append_new(arr, with_digest ?
			json_pack("{s:s, s:s, s:I}", "name", t->name,
				  "sha256", t->sha256,
				  "created", (json_int_t)t->created) :
			json_pack("{s:s, s:I}", "name", t->name,
				  "created", (json_int_t)t->created)) != 0) {
			json_decref(arr);
			arr = NULL;
		}
	}
	return arr;
}

static char *
store_text(const struct ww_auth *a, size_t *len)
{
	json_t *root = json_object();
	char *text = NULL, *nl;

	if (root == NULL ||
	    json_object_set_new(root, "version",
				json_integer(STORE_VERSION)) != 0 ||
	    json_object_set_new(root, "users",
				ww_auth_store_users(a, true)) != 0 ||
	    json_object_set_new(root, "tokens",
				ww_auth_store_tokens(a, true)) != 0)
		goto out;
	text = json_dumps(root, JSON_INDENT(2));
	if (text == NULL)
		goto out;
	*len = strlen(text);
	nl = realloc(text, *len + 2);
	if (nl == NULL) {
		free(text);
		text = NULL;
		goto out;
	}
	text = nl;
	text[(*len)++] = '\n';
	text[*len] = '\0';
out:
	json_decref(root);
	return text;
}

int
ww_auth_store_save(struct ww_auth *a, char *err, size_t size)
{
	size_t len = 0;
	char *text = store_text(a, &len);
	int ret;

	if (text == NULL)
		return ww_auth_fail(err, size, -EIO, "%s: out of memory",
				    a->path);
	ret = ww_file_replace(a->path, text, len, 0600, err, size);
	free(text);
	/* whatever failed on the disk, for the caller it is "not saved" */
	return ret != 0 ? -EIO : 0;
}
