/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Block lists: named sets of IPv4 and IPv6 addresses and prefixes, each
 * entry with an optional expiry. Workers drop traffic whose source or
 * destination is on any set.
 *
 * One writer (the control plane) and any number of lock-free readers (the
 * workers). Exact addresses live in lock-free rte_hash tables (one per
 * family) whose value is the bitmask of sets holding the address; a
 * deleted slot is reused only after every reader passed a quiescent state
 * of the RCU variable given at creation. Prefixes live in rte_lpm/rte_lpm6
 * tables kept in two copies per family: the writer changes the copy no
 * reader uses, publishes it by pointer swap under the same RCU and, after a
 * grace period, makes the same change to the other. Each copy comes with a
 * prefilter of 2^16 bits (8 KiB) published with it: IPv4 by the address's
 * top 16 bits, IPv6 by hashes of its top 32 and 48 bits (every IPv6
 * address goes to the LPM while a prefix shorter than /32 is listed). An
 * address whose bit is clear never touches the LPM, whose 64 MiB table
 * costs a TLB and cache miss per lookup without hugepages. So a million
 * exact entries cost two hash lookups per packet, a few prefixes next to
 * them hardly more for the traffic they do not cover, and a change never
 * stops a worker.
 *
 * A set named "never-block" is special: its addresses are never put on a
 * list by ww_blocklist_add() with WW_BL_AUTO, and it is not matched on the
 * fast path.
 *
 * All functions but ww_blocklist_lookup_burst() are for the writer only.
 */
#ifndef WW_GUARD_BLOCKLIST_H
#define WW_GUARD_BLOCKLIST_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>

#ifdef __cplusplus
extern "C" {
#endif

#define WW_BL_SETS_MAX 64          /**< sets, "never-block" included */
#define WW_BL_NEVER "never-block"
#define WW_BL_AUTO_SET "auto"      /**< where automatic blocks go */

/** Why an entry is there. */
enum ww_bl_origin {
	WW_BL_STATIC = 0,   /**< configuration */
	WW_BL_MANUAL,       /**< CLI / REST */
	WW_BL_AUTO,         /**< a detector (scan, rate...) */
};

/** An address or prefix: family 4 or 6, network order, prefix length. */
struct ww_bl_prefix {
	uint8_t family;
	uint8_t len;        /**< 32 / 128 = exact address */
	uint8_t addr[16];   /**< IPv4 in the first 4 bytes; host bits zero */
};

/** One entry as listed. */
struct ww_bl_entry {
	struct ww_bl_prefix prefix;
	char set[32];
	uint8_t origin;          /**< enum ww_bl_origin */
	uint64_t added_ns;       /**< the writer's clock at insertion */
	uint64_t expires_ns;     /**< 0 = never */
	char reason[48];         /**< auto entries: the event name ("port-scan") */
};

struct ww_blocklist;

/**
 * Create empty block lists for up to @p max_entries entries in total.
 * @p rcu: the variable the workers report quiescent states on (may be NULL
 * when there is no concurrent reader, e.g. in tests).
 * @return the lists, or NULL with rte_errno set.
 */
struct ww_blocklist *ww_blocklist_create(const char *name, uint32_t max_entries,
					 struct rte_rcu_qsbr *rcu, int socket_id);
void ww_blocklist_free(struct ww_blocklist *bl);

/**
 * Parse "203.0.113.7", "198.51.100.0/24", "2001:db8::/32" into @p out
 * (host bits must be zero).
 * @return 0, or -EINVAL with the reason in @p msg.
 */
int ww_bl_prefix_parse(const char *text, struct ww_bl_prefix *out, char *msg,
		       size_t size);

/** "203.0.113.7" or "198.51.100.0/24" (exact addresses without /len). */
void ww_bl_prefix_format(const struct ww_bl_prefix *p, char *buf, size_t size);

/**
 * Add (or refresh: new expiry, origin, reason) an entry to set @p set,
 * creating the set if needed. @p ttl_s 0 = never expires. @p now_ns is the
 * writer's clock (the same clock later passed to ww_blocklist_expire()).
 * With @p origin WW_BL_AUTO an address covered by "never-block" is refused.
 * @return 0; -EPERM never-block; -ENOSPC full; -E2BIG too many sets;
 *   -EINVAL bad set name.
 */
int ww_blocklist_add(struct ww_blocklist *bl, const char *set,
		     const struct ww_bl_prefix *p, uint32_t ttl_s, uint8_t origin,
		     const char *reason, uint64_t now_ns);

/** Remove an entry from @p set (NULL: from every set). @return 0 or -ENOENT. */
int ww_blocklist_del(struct ww_blocklist *bl, const char *set,
		     const struct ww_bl_prefix *p);

/** Remove every entry of @p set (NULL: all sets). @return entries removed. */
unsigned int ww_blocklist_flush(struct ww_blocklist *bl, const char *set);

/** Remove entries whose expiry passed. @return how many. */
unsigned int ww_blocklist_expire(struct ww_blocklist *bl, uint64_t now_ns);

/** Is @p p (an exact address) covered by "never-block"? */
bool ww_blocklist_never(const struct ww_blocklist *bl,
			const struct ww_bl_prefix *p);

typedef int (*ww_bl_visit_fn)(const struct ww_bl_entry *e, void *arg);

/** Visit entries of @p set (NULL: all), stop when @p fn returns non-zero. */
void ww_blocklist_foreach(const struct ww_blocklist *bl, const char *set,
			  ww_bl_visit_fn fn, void *arg);

/** Entries in @p set (NULL: all sets, never-block included). */
unsigned int ww_blocklist_count(const struct ww_blocklist *bl, const char *set);

/** Names of the sets, in creation order; @return how many (<= max). */
unsigned int ww_blocklist_sets(const struct ww_blocklist *bl,
			       const char **names, unsigned int max);

/** Bytes allocated. */
size_t ww_blocklist_memory(const struct ww_blocklist *bl);

/**
 * Reader side: for each parsed IP packet of @p pkts (ww_pkt_meta), whether
 * its source or destination is on a set (never-block excluded). Packets
 * whose verdict is already DROP and non-IP packets are not looked at.
 * @p hit[i] is set to 1 (source), 2 (destination) or 0.
 * @return the number of hits.
 */
uint16_t ww_blocklist_lookup_burst(const struct ww_blocklist *bl,
				   struct rte_mbuf **pkts, uint16_t n,
				   uint8_t *hit);

#ifdef __cplusplus
}
#endif

#endif /* WW_GUARD_BLOCKLIST_H */
