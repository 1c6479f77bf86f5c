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

struct ww_config_port {
	char name[WW_NAME_MAX];
	char device[WW_DEVICE_MAX];
};

struct ww_config_bridge {
	char name[WW_NAME_MAX];
	uint16_t port[2];   /**< indexes into ww_config.ports */
	int protected_side; /**< 0 or 1 (index into port[]), -1 if none */
};

struct ww_config {
	unsigned int workers; /**< worker lcores (default 1) */
	unsigned int mbufs;   /**< packet buffers; 0 = sized automatically */
	unsigned int nb_ports;
	struct ww_config_port ports[WW_MAX_PORTS];
	unsigned int nb_bridges;
	struct ww_config_bridge bridges[WW_MAX_BRIDGES];
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

/** The configuration as a JSON document (new reference), the inverse of parse. */
json_t *ww_config_to_json(const struct ww_config *cfg);

/** Index of the port named @p name, or -ENOENT. */
int ww_config_port_index(const struct ww_config *cfg, const char *name);

/** Index of the bridge holding port @p port_idx, or -ENOENT. */
int ww_config_bridge_of_port(const struct ww_config *cfg, unsigned int port_idx);

#ifdef __cplusplus
}
#endif

#endif /* WW_CONFIG_H */
