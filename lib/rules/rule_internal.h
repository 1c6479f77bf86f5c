/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inside lib/rules: the value parsers and formatters both faces of a rule
 * share, so that text and JSON accept exactly the same values and say the
 * same thing about bad ones.
 *
 * The parsers take a word that need not be NUL-terminated (s, len) and
 * return 0, 1 when the word is not that kind of value at all (the caller
 * says what it expected), or -EINVAL with @p msg saying what is wrong with
 * a value of the right kind ("port 70000 is out of range (0..65535)").
 */
#ifndef WW_RULE_INTERNAL_H
#define WW_RULE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rules.h"

/** Interface names: [A-Za-z0-9_.-]{1,31}. 0 or -EINVAL. */
int ww_rule_name_check(const char *s, size_t len, char *msg, size_t size);

/** An address or prefix; @p family 4 or 6 requires that family, 0 any. */
int ww_rule_cidr_parse(const char *s, size_t len, uint8_t family,
		       struct ww_rule_cidr *out, char *msg, size_t size);
int ww_rule_cidr_format(const struct ww_rule_cidr *c, char *buf, size_t size);

/** "n" or "lo-hi", each 0..@p max; @p unit names it in messages ("port"). */
int ww_rule_range_parse(const char *s, size_t len, unsigned int max,
			const char *unit, struct ww_rule_range *out,
			char *msg, size_t size);


/** tcp, udp, icmp, icmpv6 or 0..255. */
int ww_rule_proto_parse(const char *s, size_t len, uint8_t *out,
			char *msg, size_t size);
/** The name of an IP protocol, or NULL when it is printed as a number. */
const char *ww_rule_proto_name(unsigned int proto);

/** new, established, related, invalid: one WW_CT_STATE_* bit. */
int ww_rule_ct_state_parse(const char *s, size_t len, uint8_t *bit);
/** The name of one WW_CT_STATE_* bit. */
const char *ww_rule_ct_state_name(unsigned int bit);

/**
 * A whole "F", "F / M" or "== F" TCP flags expression (NUL-terminated).
 * 0 or -EINVAL with @p msg.
 */
int ww_rule_tcp_flags_parse(const char *s, uint8_t *value, uint8_t *mask,
			    char *msg, size_t size);
/** The expression ww_rule_tcp_flags_parse() reads back. */
int ww_rule_tcp_flags_format(uint8_t value, uint8_t mask, char *buf,
			     size_t size);

/*
 * Whether the family of @p r shows without a family clause: addresses
 * carry it, and so do "icmp type"/"icmpv6 type" (and code).
 */
bool ww_rule_family_implied(const struct ww_rule *r);

#endif /* WW_RULE_INTERNAL_H */
