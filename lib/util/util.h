/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * lib/util — small helpers every module below the control plane may use:
 * crash-safe file replacement and random tokens.
 */
#ifndef WW_UTIL_H
#define WW_UTIL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Replace the file @p path with @p len bytes of @p data so that a crash at
 * any moment leaves either the old file or the new one, whole: write
 * "PATH.tmp", fsync it, rename it over PATH, fsync the directory.
 * @param mode  permissions of the new file (e.g. 0600 for secrets).
 * @return 0, or -errno with "PATH: what failed: why" in @p err.
 */
int ww_file_replace(const char *path, const void *data, size_t len,
		    unsigned int mode, char *err, size_t size);

/**
 * Read a whole file of at most @p max bytes into a NUL-terminated buffer
 * (free() it). @return the buffer, or NULL with errno set (EFBIG if larger
 * than @p max).
 */
char *ww_file_read(const char *path, size_t max, size_t *len);

/**
 * Fill @p out with @p nbytes random bytes from the kernel (getrandom),
 * written as 2 * nbytes lowercase hex digits and a NUL (@p out holds at
 * least 2 * nbytes + 1). @return 0 or -errno.
 */
int ww_random_hex(char *out, size_t nbytes);

/** Bytes of the DPDK heap in use on every socket. */
size_t ww_heap_in_use(void);

#ifdef __cplusplus
}
#endif

#endif /* WW_UTIL_H */
