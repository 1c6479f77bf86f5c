/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * lib/rules — the rule model, its two faces, and the compiled rule set.
 *
 * A rule is one struct ww_rule. It has two faces that round-trip:
 *   - text, nft-like, for the prompt:
 *       iif outside ip saddr 10.0.0.0/8 tcp dport { 22, 443 } ct state new counter accept
 *       ip6 saddr 2001:db8::/32 udp dport 5000-5100 drop
 *       tcp dport 23 reject
 *   - JSON, for the configuration:
 *       {"iif":"outside","saddr":["10.0.0.0/8"],"proto":"tcp",
 *        "dport":[22,443],"ct_state":["new"],"counter":true,"action":"accept"}
 * ww_rule_format() gives the canonical text, ww_rule_to_json() the canonical
 * object; parsing either gives back an equal struct.
 *
 * A rule set (struct ww_ruleset) is an ordered list of rules compiled into
 * rte_acl contexts (one for IPv4, one for IPv6): first match wins. It is
 * immutable once built; the data path reads it under RCU and a change is
 * a new rule set. Each worker counts hits into its own counter row.
 */
#ifndef WW_RULES_H
#define WW_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <rte_mbuf.h>

#include "conntrack.h"

#ifdef __cplusplus
extern "C" {
#endif

#define WW_RULE_NAME_MAX 32   /**< interface names, as in lib/config */
#define WW_RULE_SET_MAX 16    /**< elements in one { ... } set */
#define WW_RULE_TEXT_MAX 2048 /**< longest text form */

enum ww_rule_action {
	WW_RULE_ACCEPT = 0,
	WW_RULE_DROP,
	WW_RULE_REJECT, /**< TCP: RST to the sender; others: ICMP(v6) unreachable */
};

/** L3 family a rule is restricted to (by "ip"/"ip6" keywords or addresses). */
enum ww_rule_family {
	WW_RULE_FAMILY_ANY = 0,
	WW_RULE_FAMILY_IPV4 = 4,
	WW_RULE_FAMILY_IPV6 = 6,
};

/** An address with a prefix length; addr is network order, v4 in addr[0..3]. */
struct ww_rule_cidr {
	uint8_t family; /**< 4 or 6 */
	uint8_t prefix; /**< 0..32 or 0..128 */
	uint8_t addr[16];
};

/** An inclusive range of ports (or ICMP types): lo == hi for one value. */
struct ww_rule_range {
	uint16_t lo, hi;
};

/**
 * One rule. Empty lists and zero fields match anything. Lists are sets:
 * a packet matches if it matches any element.
 */
struct ww_rule {
	char iif[WW_RULE_NAME_MAX];  /**< input port name; "" = any */
	uint8_t family;              /**< enum ww_rule_family */
	uint8_t proto;               /**< IP protocol; 0 = any */
	uint8_t nb_saddr, nb_daddr;
	struct ww_rule_cidr saddr[WW_RULE_SET_MAX];
	struct ww_rule_cidr daddr[WW_RULE_SET_MAX];
	uint8_t nb_sport, nb_dport;  /**< TCP/UDP only (proto 6 or 17) */
	struct ww_rule_range sport[WW_RULE_SET_MAX];
	struct ww_rule_range dport[WW_RULE_SET_MAX];
	uint8_t nb_icmp_type;        /**< ICMP/ICMPv6 only (proto 1 or 58) */
	struct ww_rule_range icmp_type[WW_RULE_SET_MAX];
	bool has_icmp_code;
	uint8_t icmp_code;
	uint8_t tcp_flags;           /**< flags that must be set ... */
	uint8_t tcp_flags_mask;      /**< ... among these; mask 0 = any */
	uint8_t ct_state;            /**< WW_CT_STATE_* bits (conntrack.h); 0 = new */
	bool counter;                /**< show the hit counters in listings */
	bool log;                    /**< report each hit as an event */
	uint8_t action;              /**< enum ww_rule_action */
};

/** Where a rule was rejected: column (text, 1-based) or JSON path suffix. */
struct ww_rule_error {
	int column;         /**< text form: 1-based column of the bad word; 0 for JSON */
	char path[64];      /**< JSON form: path below the rule, e.g. ".dport[1]" */
	char message[192];  /**< what was wrong and what was expected */
};

/**
 * Parse the text form.
 * @return 0, or -EINVAL with @p err saying where and what was expected,
 *   e.g. column 12: expected a port, a range like 1000-2000 or '{', got "x".
 */
int ww_rule_parse(const char *text, struct ww_rule *rule,
		  struct ww_rule_error *err);

/** Canonical text form of @p rule. @return bytes as snprintf. */
int ww_rule_format(const struct ww_rule *rule, char *buf, size_t size);

/**
 * Parse the JSON form: a string (the text form) or an object with the keys
 * iif, family ("ip"|"ip6"), proto (name or number), saddr, daddr (arrays of
 * CIDR strings), sport, dport (arrays of numbers or "lo-hi" strings),
 * icmp_type (array of names or numbers), icmp_code, tcp_flags ("syn / syn,ack"),
 * ct_state (array of names), counter, log, action. Unknown keys are errors.
 * @return 0 or -EINVAL with @p err (path relative to the rule).
 */
int ww_rule_from_json(const json_t *value, struct ww_rule *rule,
		      struct ww_rule_error *err);

/** The canonical JSON object of @p rule (new reference). */
json_t *ww_rule_to_json(const struct ww_rule *rule);

/** Are two rules the same rule? */
bool ww_rule_equal(const struct ww_rule *a, const struct ww_rule *b);

/** "accept", "drop", "reject". */
const char *ww_rule_action_name(unsigned int action);

/* ---- compiled rule sets ---- */

/** One rule to compile, with where it comes from (shown in listings). */
struct ww_ruleset_entry {
	struct ww_rule rule;
	int iif_index;     /**< resolved rule.iif: port index, or -1 for any */
	uint16_t reason;   /**< drop reason when it drops (enum ww_reason) */
	uint32_t handle;   /**< stable id: counters carry over by handle */
	char origin[48];   /**< "rules[3]", "sg servers[1]", "br0 default-closed" */
};

struct ww_ruleset;

/**
 * Compile @p entries (first match wins) for @p nb_workers workers.
 * @return the rule set, or NULL with rte_errno set (ENOMEM, EINVAL).
 */
struct ww_ruleset *ww_ruleset_build(const struct ww_ruleset_entry *entries,
				    unsigned int nb_entries,
				    unsigned int nb_workers, int socket_id);

void ww_ruleset_free(struct ww_ruleset *rs);

/**
 * Is @p rule small enough to compile? Sets multiply: a rule with 16
 * sources and 16 ports is 256 ACL rules; more than 4096 is refused.
 * @return 0 or -E2BIG.
 */
int ww_rule_check_size(const struct ww_rule *rule);

unsigned int ww_ruleset_size(const struct ww_ruleset *rs);

const struct ww_ruleset_entry *ww_ruleset_entry(const struct ww_ruleset *rs,
						unsigned int idx);

/** What classification needs of a packet besides its ww_pkt_meta. */
struct ww_classify_in {
	uint8_t iif;      /**< port index it came in on */
	uint8_t ct_state; /**< one WW_CT_STATE_* bit */
};

#define WW_RULESET_NO_MATCH UINT32_MAX

/**
 * Classify a burst of parsed IP packets. @p match[i] is the index of the
 * first matching entry, or WW_RULESET_NO_MATCH. Hits are counted in the
 * row of @p worker. Packets that are not IPv4/IPv6 never match.
 */
void ww_ruleset_classify(struct ww_ruleset *rs, unsigned int worker,
			 struct rte_mbuf **pkts, const struct ww_classify_in *in,
			 uint16_t n, uint32_t *match);

struct ww_rule_counter {
	uint64_t packets, bytes;
};

/** Hits of entry @p idx summed over the workers. */
void ww_ruleset_counter(const struct ww_ruleset *rs, unsigned int idx,
			struct ww_rule_counter *out);

/**
 * Start the counters of @p rs from those of @p old for entries with the
 * same handle and an equal rule (a replaced rule set keeps its history).
 * Call once @p old is no longer used by any worker.
 */
void ww_ruleset_carry_counters(struct ww_ruleset *rs,
			       const struct ww_ruleset *old);

/** An ICMP (or ICMPv6 when @p v6) type: a name, a number or a range. */
int ww_rule_icmp_type_parse(const char *s, size_t len, bool v6,
			    struct ww_rule_range *out, char *msg, size_t size);
/** The name of an ICMP(v6) type, or NULL when it has none. */
const char *ww_rule_icmp_type_name(bool v6, unsigned int type);

#ifdef __cplusplus
}
#endif

#endif /* WW_RULES_H */
