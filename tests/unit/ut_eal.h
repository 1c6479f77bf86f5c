/* SPDX-License-Identifier: BSD-3-Clause */
/* EAL for the unit tests that need mbufs (test_conntrack and the guards'):
 * no hugepages, no shared files, a prefix of their own so tests run in
 * parallel, a pool with the data path's metadata area; the empty runtime
 * directory --no-shconf leaves is removed at the end. */
#ifndef WW_TESTS_UT_EAL_H
#define WW_TESTS_UT_EAL_H

#include <limits.h>
#include <stdio.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_mbuf.h>

#include "packet.h"

/** Start EAL as "ww-ut-NAME-PID" and make a 1023-mbuf pool; NULL on failure. */
static inline struct rte_mempool *
ut_eal_start(const char *name)
{
	char prefix[64], prog[32], pool_name[32];
	char *argv[] = {
		prog, "--no-huge", "-m", "256", "--no-pci", "--no-shconf",
		"--no-telemetry", prefix, "--log-level=*:error", "-l", "0",
	};

	snprintf(prog, sizeof(prog), "test_%s", name);
	snprintf(prefix, sizeof(prefix), "--file-prefix=ww-ut-%s-%d", name,
		 (int)getpid());
	snprintf(pool_name, sizeof(pool_name), "%s-ut", name);
	if (rte_eal_init(RTE_DIM(argv), argv) < 0)
		return NULL;
	return rte_pktmbuf_pool_create(pool_name, 1023, 0,
				       WW_PKT_META_PRIV_SIZE,
				       RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
}

static inline void
ut_eal_stop(struct rte_mempool *pool)
{
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s", rte_eal_get_runtime_dir());
	rte_mempool_free(pool);
	rte_eal_cleanup();
	rmdir(dir);
}

#endif /* WW_TESTS_UT_EAL_H */
