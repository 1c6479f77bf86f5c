/* SPDX-License-Identifier: BSD-3-Clause */
/* One temporary directory for a whole cmocka run (the tests that keep
 * files: users, events): made by ut_tmpdir_setup, removed with all it
 * holds by ut_tmpdir_teardown. @p dir is a mkdtemp() template. */
#ifndef WW_TESTS_UT_TMPDIR_H
#define WW_TESTS_UT_TMPDIR_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

static inline int
ut_tmpdir_rm_entry(const char *path, const struct stat *st, int flag,
		   struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static inline int
ut_tmpdir_make(char *dir)
{
	return mkdtemp(dir) != NULL ? 0 : -1;
}

static inline int
ut_tmpdir_remove(const char *dir)
{
	return nftw(dir, ut_tmpdir_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

#endif /* WW_TESTS_UT_TMPDIR_H */
