/* SPDX-License-Identifier: BSD-3-Clause */
/* Inside lib/control: the handle, shared by control.c and control_bl.c. */
#ifndef WW_CONTROL_INTERNAL_H
#define WW_CONTROL_INTERNAL_H

#include <stdarg.h>

#include "control.h"

struct ww_control {
	struct ww_config *cfg;
	pthread_mutex_t *lock;
	struct ww_blocklist *bl;
	char *config_path;
	char *blocklist_path;
	struct ww_control_ops ops;
	bool bl_dirty;             /* dynamic entries changed since the save */
	uint64_t bl_saved_ns;
};

int __attribute__((format(printf, 4, 5)))
ww_control_fail(struct ww_control_error *err, int ret, const char *path,
		const char *fmt, ...);

uint64_t ww_control_now_ns(const struct ww_control *c);

#endif /* WW_CONTROL_INTERNAL_H */
