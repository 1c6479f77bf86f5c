/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * lib/config — the one JSON document that describes an appliance.
 *
 * A document is parsed and validated as a whole into an immutable
 * struct ww_config. Any problem (syntax, unknown key, wrong type, dangling
 * name, value out of range) fails the whole load with one error that names
 * where (the file, and a JSON path such as "$.bridges[0].ports[1]") and why;
 * nothing of a rejected document is ever used.
 *
 * The struct is public on purpose: it is a read-only value shared by the
 * start-up code, the CLI and the replay report, never modified after load.
 */
#ifndef WW_CONFIG_H
#define WW_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "blocklist.h"
#include "conntrack.h"
#include "guard.h"
#include "rules.h"

#ifdef __cplusplus
extern "C" {
#endif

#define WW_MAX_PORTS 16
#define WW_MAX_BRIDGES (WW_MAX_PORTS / 2)
#define WW_NAME_MAX 32      /**< names: 1..31 chars of [A-Za-z0-9_.-] */
#define WW_DEVICE_MAX 512   /**< device strings (PCI address or vdev) */
#define WW_MAX_WORKERS 64
#define WW_MBUFS_MIN 1024
#define WW_MBUFS_MAX (16u * 1024 * 1024)
#define WW_RULES_MAX 100000   /**< explicit rules, and rules of all groups */
#define WW_SG_MAX 256

struct ww_config_port {
	char name[WW_NAME_MAX];
	char device[WW_DEVICE_MAX];
};

struct ww_config_bridge {
	char name[WW_NAME_MAX];
	uint16_t port[2];   /**< indexes into ww_config.ports */
	int protected_side; /**< 0 or 1 (index into port[]), -1 if none */
};

/** A rule with its handle: a stable id (as nft's) for the prompt and counters. */
struct ww_config_rule {
	struct ww_rule rule;
	uint32_t handle;
};

/**
 * A security group: allow rules for new connections entering the
 * protected side of a bridge. Rules carry no iif: the group applies to
 * what enters through the bridge's other (unprotected) port.
 */
struct ww_config_sg {
	char name[WW_NAME_MAX];
	uint16_t bridge;             /**< index into ww_config.bridges */
	unsigned int nb_rules;
	struct ww_config_rule *rules;
};

/** A block-list entry of the configuration (guards.blocklist.sets,
 *  never_block: set "never-block"). */
struct ww_config_bl_entry {
	char set[WW_NAME_MAX];
	struct ww_bl_prefix prefix;
	uint32_t ttl_s;               /**< 0 = never expires */
};

#define WW_CONFIG_BL_MAX (4u * 1024 * 1024) /**< entries a document may list */

/** The management server ("http"): REST API, console, metrics. Read at
 *  start only; a running appliance refuses to change it. */
struct ww_config_http {
	bool enabled;              /**< default true */
	char listen[64];           /**< "ADDR:PORT" or "[V6ADDR]:PORT"; default "0.0.0.0:8080" */
	char tls_cert[256];        /**< PEM files; both or neither (then plain HTTP) */
	char tls_key[256];
	bool metrics_open;         /**< "metrics": "open" | "token" (default) */
	uint32_t max_connections;  /**< default 64 */
	uint32_t max_per_address;  /**< default 16 */
	uint32_t timeout_s;        /**< idle connection timeout, default 30 */
	uint32_t max_body;         /**< request body bytes, default 16 MiB */
	uint32_t session_idle_s;   /**< default 1800 */
	uint32_t login_failures;   /**< per source and window, default 5 */
	uint32_t login_window_s;   /**< default 60 */
};

#define WW_COLLECTORS_MAX 4

/** "telemetry": flow records, their IPFIX export, the event store. */
struct ww_config_telemetry {
	bool flows;                  /**< flow records (default true) */
	uint32_t active_timeout_s;   /**< interim records of long flows (60) */
	uint32_t idle_timeout_s;     /**< untracked flows end (30) */
	uint32_t max_untracked;      /**< flow meter size per worker (65536) */
	unsigned int nb_collectors;  /**< IPFIX collectors, "HOST:PORT" */
	char collectors[WW_COLLECTORS_MAX][72];
	uint32_t ipfix_domain_id;    /**< (1) */
	uint32_t template_refresh_s; /**< (60) */
	bool event_store;            /**< SQLite store (default true) */
	char event_db[256];          /**< "" = STATE-DIR/events.db */
	uint32_t event_max_rows;     /**< (1000000) */
	uint32_t event_max_age_s;    /**< (30 days) */
	char syslog[72];             /**< "HOST:PORT" (UDP, RFC 5424), "" none */
};

struct ww_config {
	unsigned int workers; /**< worker lcores (default 1) */
	unsigned int mbufs;   /**< packet buffers; 0 = sized automatically */
	unsigned int nb_ports;
	struct ww_config_port ports[WW_MAX_PORTS];
	unsigned int nb_bridges;
	struct ww_config_bridge bridges[WW_MAX_BRIDGES];
	unsigned int nb_rules;        /**< explicit rules, evaluated first */
	struct ww_config_rule *rules; /**< heap: see ww_config_free() */
	unsigned int nb_sgs;
	struct ww_config_sg *sgs;     /**< heap */
	struct ww_ct_config conntrack; /**< max_flows is the appliance's total */
	uint32_t next_handle;         /**< handle of the next rule added */
	struct ww_guard_config guards; /**< heap arrays: see ww_config_free() */
	unsigned int nb_bl;
	struct ww_config_bl_entry *bl; /**< heap */
	struct ww_config_http http;
	struct ww_config_telemetry telemetry;
	/** Counts accepted changes; a replace must name the revision it was
	 *  based on ("revision" in the document; 0 = never changed). */
	uint64_t revision;
};

/** Where and why a document was rejected. */
struct ww_config_error {
	char origin[256];  /**< file name, or "<embedded>" */
	char path[128];    /**< JSON path, "$" for the document; "" for syntax */
	int line;          /**< syntax errors: 1-based line, else 0 */
	int column;        /**< syntax errors: 1-based column, else 0 */
	char message[256]; /**< what is wrong and what was expected */
};

/**
 * Parse and validate a document held in memory.
 *
 * @param text    NUL-terminated JSON text.
 * @param origin  Name used in error messages (a file name).
 * @param cfg     Filled in only on success.
 * @param err     Filled in on failure; may be NULL.
 * @return 0, or -EINVAL when the document is rejected.
 */
int ww_config_parse(const char *text, const char *origin,
		    struct ww_config *cfg, struct ww_config_error *err);

/**
 * Read, parse and validate a file.
 * @return 0, -EINVAL when the document is rejected, -errno when the file
 *   cannot be read (err names the file and the system's reason).
 */
int ww_config_load_file(const char *path, struct ww_config *cfg,
			struct ww_config_error *err);

/** The built-in default document (config/wirewall.json at build time). */
const char *ww_config_default_text(void);

/**
 * Format an error as one line: "FILE:LINE:COL: message" for syntax errors,
 * "FILE: PATH: message" otherwise.
 * @return bytes written as snprintf.
 */
int ww_config_error_format(const struct ww_config_error *err, char *buf,
			   size_t size);

/** Free what a parsed configuration holds on the heap (rules, groups). */
void ww_config_free(struct ww_config *cfg);

/**
 * Check one rule against the configuration (its iif names a port, it is
 * small enough to compile; in a security group: an allow rule without iif).
 * @return 0, or -EINVAL with the reason in @p msg.
 */
int ww_config_check_rule(const struct ww_config *cfg, const struct ww_rule *r,
			 bool in_group, char *msg, size_t size);

/** Index of the security group named @p name, or -ENOENT. */
int ww_config_sg_index(const struct ww_config *cfg, const char *name);

/** The configuration as a JSON document (new reference), the inverse of parse. */
json_t *ww_config_to_json(const struct ww_config *cfg);

/**
 * Change one setting of one guard, as the prompt's "guard GUARD KEY VALUE":
 * @p value is JSON ("on"/"off" stand for true/false, a bare word for a
 * string). Checked as the same key in a document would be; a refused
 * value changes nothing.
 * @return 0, or -EINVAL with "PATH: why" in @p msg.
 */
int ww_config_guard_set(struct ww_config *cfg, const char *guard,
			const char *key, const char *value, char *msg,
			size_t size);

/** Split "ADDR:PORT" / "[V6ADDR]:PORT" (@p addr gets the address text).
 *  @return 0 or -EINVAL. */
int ww_config_listen_parse(const char *text, char *addr, size_t size,
			   uint16_t *port);

/** A deep copy of @p src into @p dst. @return 0 or -ENOMEM (dst untouched). */
int ww_config_copy(struct ww_config *dst, const struct ww_config *src);

/**
 * What of @p next cannot take effect while running (ports, bridges,
 * workers, mbufs, table sizes, the HTTP server): the JSON path of the first
 * difference from @p running in @p path, or "" if none.
 * @return 0 if @p next can be applied live, -EBUSY otherwise.
 */
int ww_config_restart_only(const struct ww_config *running,
			   const struct ww_config *next, char *path,
			   size_t size);

/** Index of the port named @p name, or -ENOENT. */
int ww_config_port_index(const struct ww_config *cfg, const char *name);

/** Index of the bridge holding port @p port_idx, or -ENOENT. */
int ww_config_bridge_of_port(const struct ww_config *cfg, unsigned int port_idx);

#ifdef __cplusplus
}
#endif

#endif /* WW_CONFIG_H */
