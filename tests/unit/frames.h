/* SPDX-License-Identifier: BSD-3-Clause */
/* Frame builder shared by the unit tests that build frames byte by byte
 * (test_packet, test_conntrack): a fixed buffer and helpers that append
 * big-endian fields to it. Appending past the buffer fails the test. */
#ifndef WW_TESTS_FRAMES_H
#define WW_TESTS_FRAMES_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#define FB_MAX 512

struct fb {
	uint8_t b[FB_MAX];
	uint32_t len;
};

static inline void
put8(struct fb *f, uint8_t v)
{
	assert_true(f->len < FB_MAX);
	f->b[f->len++] = v;
}

static inline void
put16(struct fb *f, uint16_t v)
{
	put8(f, v >> 8);
	put8(f, v & 0xff);
}

static inline void
put32(struct fb *f, uint32_t v)
{
	put16(f, v >> 16);
	put16(f, v & 0xffff);
}

static inline void
putn(struct fb *f, const uint8_t *p, uint32_t n)
{
	while (n--)
		put8(f, *p++);
}

#endif /* WW_TESTS_FRAMES_H */
