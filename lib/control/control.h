/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * lib/control — the one API through which the prompt and the REST server
 * read and change the appliance.
 *
 * Every change follows one path: validate against a copy of the running
 * configuration, apply the copy as one new snapshot (the data plane's
 * apply hook compiles and publishes it under RCU), make it the running
 * configuration, bump the revision, and save the document crash-safe
 * (temporary file, fsync, rename, fsync of the directory). A change that
 * fails validation or compilation changes nothing; one that cannot be
 * saved is undone and reported.
 *
 * Dynamic block-list entries (added by an operator or by a detector) are
 * not part of the document; they are saved to their own file, at most once
 * a second (ww_control_tick), with their absolute expiry, and restored
 * with the TTL they have left (ww_control_restore_blocklist).
 *
 * Errors: functions return a negative errno and fill a struct
 * ww_control_error: the JSON path of the bad value (if any) and a message
 * saying what is wrong. The errno tells the kind: EINVAL bad input, ENOENT
 * no such object, EEXIST already exists, ESTALE stale revision, EBUSY
 * needs a restart, ENOSPC table full, EIO cannot save, ENOMEM.
 *
 * Locking: one recursive control-plane mutex (given at creation) serialises
 * every call; readers that walk the running configuration themselves (the
 * prompt's show commands) hold it with ww_control_lock(). Workers never
 * take it.
 */
#ifndef WW_CONTROL_H
#define WW_CONTROL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "blocklist.h"
#include "config.h"

#ifdef __cplusplus
extern "C" {
#endif

struct ww_control_error {
	char path[128];     /**< e.g. "$.rules[3]", "" if not about one value */
	char message[256];  /**< what is wrong, what was expected */
};

/** A short stable code for an errno, for APIs: "invalid", "not_found",
 *  "exists", "stale_revision", "needs_restart", "full", "storage",
 *  "no_memory", "error". */
const char *ww_control_error_code(int err);

/** What an export hands over: one event as its JSON text (@p len bytes,
 *  NUL-terminated). @return 0 to go on, anything else to stop. */
typedef int (*ww_control_row_fn)(void *ctx, const char *json, size_t len);

/** Queries answered by the data plane (the application); the JSON shapes
 *  are theirs. Any query hook may be NULL: the query then returns NULL
 *  with errno ENOTSUP. */
struct ww_control_ops {
	void *ctx;
	/** Compile and publish the rules, guard settings and configured block
	 *  lists of @p next; on failure nothing is published. */
	int (*apply)(void *ctx, const struct ww_config *next,
		     const struct ww_config *running, char *err, size_t size);
	/** The block lists' clock (wall-clock ns live). */
	uint64_t (*clock_ns)(void *ctx);
	/** Hits of the rule with @p handle (0s if unknown). */
	void (*rule_counter)(void *ctx, uint32_t handle, uint64_t *packets,
			     uint64_t *bytes);
	/** {"ports":..., "conserved":..., "conntrack":..., "guards":...} */
	json_t *(*stats)(void *ctx);
	/** Connections: the @p top biggest, or those of @p addr (may be NULL). */
	json_t *(*flows)(void *ctx, unsigned int top, const char *addr);
	/** Recent events matching @p query (an object of filters; see
	 *  ww_control_events). */
	json_t *(*events)(void *ctx, const json_t *query);
	/** Every event matching @p query's filters, newest first, at most
	 *  @p max, each to @p fn (see ww_control_events_export); called
	 *  without the control lock. @return rows or -errno. */
	int64_t (*events_export)(void *ctx, const json_t *query, uint32_t max,
				 ww_control_row_fn fn, void *fn_ctx);
	/** Telemetry by name: "series" {prefix, seconds}, "talkers" {by,
	 *  top}, "flow-records" {top, addr}; NULL and errno EINVAL for a bad
	 *  argument or an unknown name. */
	json_t *(*telemetry)(void *ctx, const char *what, const json_t *args);
};

struct ww_control_params {
	struct ww_config *cfg;        /**< the running configuration: control
				       *   replaces its contents on each change */
	pthread_mutex_t *lock;        /**< recursive */
	struct ww_blocklist *bl;
	const char *config_path;      /**< where the document is saved; NULL: never */
	const char *blocklist_path;   /**< dynamic entries; NULL: never */
	struct ww_control_ops ops;
};

struct ww_control;

struct ww_control *ww_control_create(const struct ww_control_params *p);
void ww_control_free(struct ww_control *c);

void ww_control_lock(struct ww_control *c);
void ww_control_unlock(struct ww_control *c);

/** The running configuration (valid while the lock is held). */
const struct ww_config *ww_control_config(struct ww_control *c);
uint64_t ww_control_revision(struct ww_control *c);

/* ---- the whole document ---- */

/** The running document with its "revision" (new reference). */
json_t *ww_control_config_get(struct ww_control *c);

/**
 * Replace the running document by @p doc, which must carry the
 * "revision" it was based on: if another change came in between, -ESTALE
 * and nothing changes. Parts that need a restart must be unchanged
 * (-EBUSY). Rules equal to running ones keep their handles and counters.
 * @return the new revision (> 0) or -errno.
 */
int64_t ww_control_config_replace(struct ww_control *c, const json_t *doc,
				  struct ww_control_error *err);

/** Save the running document now (also done after every change). */
int ww_control_save(struct ww_control *c, struct ww_control_error *err);

/* ---- rules and security groups ---- */
/*
 * @p group NULL means the explicit rules, else a security group's name.
 * A rule is a JSON string (nft-like text) or a JSON object (the rule's
 * JSON form). Positions count from 0; -1 means the end.
 */

/** @return the new rule's handle (> 0) or -errno. */
int ww_control_rule_add(struct ww_control *c, const char *group,
			const json_t *rule, int position,
			struct ww_control_error *err);
/** Change the rule with @p handle (it keeps its handle): its text to
 *  @p rule (NULL: unchanged), its place to @p position (-1: unchanged);
 *  both or neither, as one revision. */
int ww_control_rule_change(struct ww_control *c, const char *group,
			   uint32_t handle, const json_t *rule, int position,
			   struct ww_control_error *err);
/** ww_control_rule_change() of the text only. */
int ww_control_rule_replace(struct ww_control *c, const char *group,
			    uint32_t handle, const json_t *rule,
			    struct ww_control_error *err);
/** ww_control_rule_change() of the place only. */
int ww_control_rule_move(struct ww_control *c, const char *group,
			 uint32_t handle, unsigned int position,
			 struct ww_control_error *err);
int ww_control_rule_delete(struct ww_control *c, const char *group,
			   uint32_t handle, struct ww_control_error *err);
/**
 * {"items":[{"handle","position","text","rule":{...},"packets","bytes"}],
 *  "total","offset","limit"} or NULL if @p group does not exist.
 */
json_t *ww_control_rules_list(struct ww_control *c, const char *group,
			      unsigned int offset, unsigned int limit);
/** One item as in the list, or NULL. */
json_t *ww_control_rule_get(struct ww_control *c, const char *group,
			    uint32_t handle);

/** [{"name","bridge","protected_port","rules":N}] */
json_t *ww_control_sgs_list(struct ww_control *c);
/** {"name","bridge","protected_port","rules":[items as rules_list]} or NULL. */
json_t *ww_control_sg_get(struct ww_control *c, const char *name);
/** @p sg: {"name","bridge","rules":[...]} as in the document. */
int ww_control_sg_add(struct ww_control *c, const json_t *sg,
		      struct ww_control_error *err);
int ww_control_sg_delete(struct ww_control *c, const char *name,
			 struct ww_control_error *err);

/* ---- guards ---- */

/** The guard settings as in the document's "guards" (new reference). */
json_t *ww_control_guards_get(struct ww_control *c);
/**
 * Change settings of one guard: @p settings is an object of KEY: VALUE
 * as under "guards"."GUARD" in the document; all or nothing.
 */
int ww_control_guard_set(struct ww_control *c, const char *guard,
			 const json_t *settings, struct ww_control_error *err);
/** One KEY VALUE as the prompt types it (VALUE JSON, on/off, or a word). */
int ww_control_guard_set_text(struct ww_control *c, const char *guard,
			      const char *key, const char *value,
			      struct ww_control_error *err);

/* ---- block lists (dynamic entries) ---- */

/** Add @p address ("A" or "A/LEN") to @p set (NULL: "manual") for
 *  @p ttl_s seconds (0: until removed). @p origin WW_BL_MANUAL or
 *  WW_BL_AUTO, @p reason may be NULL. */
int ww_control_bl_add(struct ww_control *c, const char *set,
		      const char *address, uint32_t ttl_s,
		      enum ww_bl_origin origin, const char *reason,
		      struct ww_control_error *err);
/** Remove @p address from @p set (NULL: from every set). */
int ww_control_bl_del(struct ww_control *c, const char *set,
		      const char *address, struct ww_control_error *err);
/** The block lists changed without this API (automatic blocks): save
 *  them at the next tick. */
void ww_control_bl_changed(struct ww_control *c);
/** Empty @p set (NULL: every set). @return entries removed. */
unsigned int ww_control_bl_flush(struct ww_control *c, const char *set);
/**
 * {"items":[{"address","set","origin","reason","added","expires",
 *  "ttl_left"}],"total","offset","limit"}: entries of @p set (NULL: all)
 * whose address text contains @p search (NULL: all). Times are unix
 * seconds ("expires" null if never).
 */
json_t *ww_control_bl_list(struct ww_control *c, const char *set,
			   const char *search, unsigned int offset,
			   unsigned int limit);

/** Load the saved dynamic entries, each with the TTL it has left;
 *  expired ones are skipped. @return entries restored or -errno. */
int ww_control_restore_blocklist(struct ww_control *c,
				 struct ww_control_error *err);

/** Housekeeping from the main loop: save the dynamic block-list entries if
 *  they changed and the last save is a second old (or now, if @p force). */
void ww_control_tick(struct ww_control *c, bool force);

/* ---- queries answered by the data plane ---- */

json_t *ww_control_stats(struct ww_control *c);
json_t *ww_control_flows(struct ww_control *c, unsigned int top,
			 const char *addr);
/**
 * Events, newest first. @p query may hold "category", "level", "addr",
 * "since", "until" (unix seconds), "offset", "limit".
 * {"items":[...],"total","offset","limit"}
 */
json_t *ww_control_events(struct ww_control *c, const json_t *query);

/**
 * Every event matching @p query's filters (as ww_control_events(), without
 * "offset" and "limit"), newest first, at most @p max, each handed to @p fn
 * as JSON text: an export builds its answer row by row, never the whole
 * list as JSON values. The control lock is not held meanwhile (a long
 * export must not hold up the main loop's event drain): @p fn must not
 * call back into the store.
 * @return rows handed over, or -errno: -EINVAL a bad query, -ENOTSUP no
 *   hook, -EIO, -EBUSY or -ENOMEM the store failed.
 */
int64_t ww_control_events_export(struct ww_control *c, const json_t *query,
				 uint32_t max, ww_control_row_fn fn,
				 void *ctx);

/** Time series, top talkers, recent flow records (see the ops hook). */
json_t *ww_control_telemetry(struct ww_control *c, const char *what,
			     const json_t *args);

#ifdef __cplusplus
}
#endif

#endif /* WW_CONTROL_H */
