/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/rules, the rule model: text and JSON faces round-trip to the same
 * struct; every kind of bad rule is rejected with where and why. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rules.h"

#define DIM(a) (sizeof(a) / sizeof((a)[0]))

#define EXAMPLE1 "iif outside ip saddr 10.0.0.0/8 tcp dport { 22, 443 } " \
		 "ct state new counter accept"
#define EXAMPLE2 "ip6 saddr 2001:db8::/32 udp dport 5000-5100 drop"
#define EXAMPLE3 "tcp dport 23 reject"
#define EXAMPLE1_JSON "{\"iif\":\"outside\",\"saddr\":[\"10.0.0.0/8\"]," \
		      "\"proto\":\"tcp\",\"dport\":[22,443]," \
		      "\"ct_state\":[\"new\"],\"counter\":true," \
		      "\"action\":\"accept\"}"

static void
parse_ok(const char *text, struct ww_rule *r)
{
	struct ww_rule_error err;
	int ret = ww_rule_parse(text, r, &err);

	if (ret != 0)
		fail_msg("\"%s\": column %d: %s", text, err.column, err.message);
}

static json_t *
load(const char *doc)
{
	json_error_t jerr;
	json_t *v = json_loads(doc, JSON_DECODE_ANY, &jerr);

	if (v == NULL)
		fail_msg("bad test JSON %s: %s", doc, jerr.text);
	return v;
}

/* The compact dump of @p v, as a string to compare (free it). */
static char *
dump(const json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

	assert_non_null(s);
	return s;
}

/*
 * Everything that must hold of a rule that parsed: its canonical text
 * parses back to it and formats the same, and so does its JSON object,
 * and its text as a JSON string.
 */
static void
check_round_trips(const struct ww_rule *r)
{
	struct ww_rule back, again;
	struct ww_rule_error err;
	char text[WW_RULE_TEXT_MAX], text2[WW_RULE_TEXT_MAX];
	json_t *obj, *str;
	int len;

	len = ww_rule_format(r, text, sizeof(text));
	assert_int_equal(len, (int)strlen(text));
	parse_ok(text, &back);
	assert_true(ww_rule_equal(r, &back));
	ww_rule_format(&back, text2, sizeof(text2));
	assert_string_equal(text, text2);

	obj = ww_rule_to_json(r);
	assert_non_null(obj);
	if (ww_rule_from_json(obj, &again, &err) != 0)
		fail_msg("%s: from_json: %s: %s", text, err.path, err.message);
	assert_true(ww_rule_equal(r, &again));
	json_decref(obj);

	str = json_string(text);
	assert_int_equal(ww_rule_from_json(str, &again, &err), 0);
	assert_true(ww_rule_equal(r, &again));
	json_decref(str);
}

/* ---- the examples of rules.h ---- */

static void
test_header_examples(void **state)
{
	static const char *const examples[] = { EXAMPLE1, EXAMPLE2, EXAMPLE3 };
	struct ww_rule r, j;
	char buf[WW_RULE_TEXT_MAX];
	json_t *obj, *out;
	char *a, *b;

	for (size_t i = 0; i < DIM(examples); i++) {
		parse_ok(examples[i], &r);
		ww_rule_format(&r, buf, sizeof(buf));
		assert_string_equal(buf, examples[i]);
		check_round_trips(&r);
	}

	parse_ok(EXAMPLE1, &r);
	assert_string_equal(r.iif, "outside");
	assert_int_equal(r.family, WW_RULE_FAMILY_IPV4);
	assert_int_equal(r.proto, 6);
	assert_int_equal(r.nb_saddr, 1);
	assert_int_equal(r.saddr[0].family, 4);
	assert_int_equal(r.saddr[0].prefix, 8);
	assert_int_equal(r.saddr[0].addr[0], 10);
	assert_int_equal(r.nb_dport, 2);
	assert_int_equal(r.dport[0].lo, 22);
	assert_int_equal(r.dport[1].hi, 443);
	assert_int_equal(r.ct_state, WW_CT_STATE_NEW);
	assert_true(r.counter);
	assert_false(r.log);
	assert_int_equal(r.action, WW_RULE_ACCEPT);

	/* the JSON example of rules.h is this rule, and is canonical */
	obj = load(EXAMPLE1_JSON);
	assert_int_equal(ww_rule_from_json(obj, &j, NULL), 0);
	assert_true(ww_rule_equal(&r, &j));
	out = ww_rule_to_json(&r);
	a = dump(obj);
	b = dump(out);
	assert_string_equal(a, b);
	free(a);
	free(b);
	json_decref(out);
	json_decref(obj);

	parse_ok(EXAMPLE2, &r);
	assert_int_equal(r.family, WW_RULE_FAMILY_IPV6);
	assert_int_equal(r.proto, 17);
	assert_int_equal(r.saddr[0].prefix, 32);
	assert_int_equal(r.saddr[0].addr[0], 0x20);
	assert_int_equal(r.saddr[0].addr[1], 0x01);
	assert_int_equal(r.dport[0].lo, 5000);
	assert_int_equal(r.dport[0].hi, 5100);
	assert_int_equal(r.action, WW_RULE_DROP);

	parse_ok(EXAMPLE3, &r);
	assert_int_equal(r.family, WW_RULE_FAMILY_ANY);
	assert_int_equal(r.proto, 6);
	assert_int_equal(r.action, WW_RULE_REJECT);
}

/* ---- good text: what it reads as ---- */

struct good_case {
	const char *text;
	const char *canonical;
};

static const struct good_case good_cases[] = {
	{ "accept", "accept" },
	{ "  \ttcp   dport\t22  accept  ", "tcp dport 22 accept" },
	{ "iifname eth0.1 drop", "iif eth0.1 drop" },
	{ "iif a_b-c.9 accept", "iif a_b-c.9 accept" },
	{ "ip daddr 192.168.1.1 accept", "ip daddr 192.168.1.1 accept" },
	{ "ip saddr 10.1.2.3/32 accept", "ip saddr 10.1.2.3 accept" },
	{ "ip saddr 0.0.0.0/0 accept", "ip saddr 0.0.0.0/0 accept" },
	{ "ip6 daddr 2001:DB8:0:0::1/128 drop", "ip6 daddr 2001:db8::1 drop" },
	{ "ip6 saddr fe80::/10 accept", "ip6 saddr fe80::/10 accept" },
	{ "ip saddr {10.0.0.0/8,192.168.0.0/16} ip daddr 1.2.3.0/24 accept",
	  "ip saddr { 10.0.0.0/8, 192.168.0.0/16 } ip daddr 1.2.3.0/24 accept" },
	{ "ip saddr { 10.0.0.1 } accept", "ip saddr 10.0.0.1 accept" },
	{ "ip protocol tcp accept", "ip protocol tcp accept" },
	{ "ip6 nexthdr 47 drop", "ip6 nexthdr 47 drop" },
	{ "ip6 nexthdr icmp accept", "ip6 nexthdr icmp accept" },
	{ "meta l4proto udp accept", "meta l4proto udp accept" },
	{ "meta l4proto 132 drop", "meta l4proto 132 drop" },
	{ "meta l4proto 6 drop", "meta l4proto tcp drop" },
	{ "meta l4proto icmp accept", "meta l4proto icmp accept" },
	{ "meta l4proto icmpv6 accept", "meta l4proto icmpv6 accept" },
	{ "meta nfproto ipv6 accept", "meta nfproto ipv6 accept" },
	{ "ip saddr 10.0.0.0/8 meta nfproto ipv4 accept",
	  "ip saddr 10.0.0.0/8 accept" },
	{ "ip protocol tcp tcp dport 22 accept",
	  "ip protocol tcp tcp dport 22 accept" },
	{ "ip protocol icmp icmp type 8 accept",
	  "icmp type echo-request accept" },
	{ "udp sport 53 udp dport {1024-65535} accept",
	  "udp sport 53 udp dport 1024-65535 accept" },
	{ "tcp dport {22,80, 443,8000-8080} tcp sport 0-1023 drop",
	  "tcp sport 0-1023 tcp dport { 22, 80, 443, 8000-8080 } drop" },
	{ "tcp dport 0 accept", "tcp dport 0 accept" },
	{ "tcp dport 65535 accept", "tcp dport 65535 accept" },
	{ "tcp dport 7-7 accept", "tcp dport 7 accept" },
	{ "tcp flags syn accept", "tcp flags syn accept" },
	{ "tcp flags syn / syn,ack drop", "tcp flags syn / syn,ack drop" },
	{ "tcp flags syn/syn,ack,rst drop", "tcp flags syn / syn,rst,ack drop" },
	{ "tcp flags == fin,psh,urg drop", "tcp flags == fin,psh,urg drop" },
	{ "tcp flags ecn,cwr accept", "tcp flags ecn,cwr accept" },
	{ "tcp dport 80 tcp flags ack,syn accept",
	  "tcp dport 80 tcp flags syn,ack accept" },
	{ "icmp type echo-request accept", "icmp type echo-request accept" },
	{ "icmp type { 8, 0, 3-5 } icmp code 1 accept",
	  "icmp type { echo-request, echo-reply, 3-5 } icmp code 1 accept" },
	{ "icmp type 200 accept", "icmp type 200 accept" },
	{ "icmpv6 type {nd-neighbor-solicit, nd-neighbor-advert, 128} accept",
	  "icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, "
	  "echo-request } accept" },
	{ "icmpv6 code 0 drop", "icmpv6 code 0 drop" },
	{ "ip6 saddr fe80::/10 icmpv6 type nd-router-advert accept",
	  "ip6 saddr fe80::/10 icmpv6 type nd-router-advert accept" },
	{ "ct state established,related accept",
	  "ct state { established, related } accept" },
	{ "ct state { invalid } drop", "ct state invalid drop" },
	{ "ct state {related,new, invalid,established} accept",
	  "ct state { new, established, related, invalid } accept" },
	{ "log counter drop", "counter log drop" },
	{ "tcp dport 22 counter accept", "tcp dport 22 counter accept" },
	{ "tcp sport 22 ip saddr 1.2.3.4 iif lan drop",
	  "iif lan ip saddr 1.2.3.4 tcp sport 22 drop" },
	{ "tcp dport { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, "
	  "16 } accept",
	  "tcp dport { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, "
	  "16 } accept" },
};

static void
test_good_text(void **state)
{
	char buf[WW_RULE_TEXT_MAX];
	struct ww_rule r;

	for (size_t i = 0; i < DIM(good_cases); i++) {
		parse_ok(good_cases[i].text, &r);
		ww_rule_format(&r, buf, sizeof(buf));
		if (strcmp(buf, good_cases[i].canonical) != 0)
			fail_msg("\"%s\" formats as \"%s\", expected \"%s\"",
				 good_cases[i].text, buf,
				 good_cases[i].canonical);
		check_round_trips(&r);
	}
}

static void
test_clause_fields(void **state)
{
	struct ww_rule r;

	parse_ok("tcp flags syn / syn,ack drop", &r);
	assert_int_equal(r.proto, 6);
	assert_int_equal(r.tcp_flags, 0x02);
	assert_int_equal(r.tcp_flags_mask, 0x12);

	parse_ok("tcp flags == syn drop", &r);
	assert_int_equal(r.tcp_flags, 0x02);
	assert_int_equal(r.tcp_flags_mask, 0xff);

	parse_ok("tcp flags fin,rst accept", &r);
	assert_int_equal(r.tcp_flags, 0x05);
	assert_int_equal(r.tcp_flags_mask, 0x05);

	parse_ok("icmp type { destination-unreachable, 13-14 } icmp code 4 "
		 "accept", &r);
	assert_int_equal(r.family, WW_RULE_FAMILY_IPV4);
	assert_int_equal(r.proto, 1);
	assert_int_equal(r.nb_icmp_type, 2);
	assert_int_equal(r.icmp_type[0].lo, 3);
	assert_int_equal(r.icmp_type[0].hi, 3);
	assert_int_equal(r.icmp_type[1].lo, 13);
	assert_int_equal(r.icmp_type[1].hi, 14);
	assert_true(r.has_icmp_code);
	assert_int_equal(r.icmp_code, 4);

	parse_ok("icmpv6 type echo-reply accept", &r);
	assert_int_equal(r.family, WW_RULE_FAMILY_IPV6);
	assert_int_equal(r.proto, 58);
	assert_int_equal(r.icmp_type[0].lo, 129);

	parse_ok("ct state new,established accept", &r);
	assert_int_equal(r.ct_state,
			 WW_CT_STATE_NEW | WW_CT_STATE_ESTABLISHED);

	parse_ok("ip6 saddr ::1 accept", &r);
	assert_int_equal(r.saddr[0].family, 6);
	assert_int_equal(r.saddr[0].prefix, 128);
	assert_int_equal(r.saddr[0].addr[15], 1);

	parse_ok("meta nfproto ipv4 counter log reject", &r);
	assert_int_equal(r.family, WW_RULE_FAMILY_IPV4);
	assert_int_equal(r.proto, 0);
	assert_true(r.counter);
	assert_true(r.log);
	assert_int_equal(r.action, WW_RULE_REJECT);

	assert_string_equal(ww_rule_action_name(WW_RULE_ACCEPT), "accept");
	assert_string_equal(ww_rule_action_name(WW_RULE_DROP), "drop");
	assert_string_equal(ww_rule_action_name(WW_RULE_REJECT), "reject");
	assert_string_equal(ww_rule_action_name(99), "unknown");
}

/* The longest rules still format whole and parse back. */
static void
test_biggest_rule(void **state)
{
	char text[WW_RULE_TEXT_MAX * 2];
	size_t used = 0;
	struct ww_rule r;

	used += snprintf(text + used, sizeof(text) - used,
			 "iif abcdefghijklmnopqrstuvwxyz01234 ip6 saddr {");
	for (int i = 0; i < WW_RULE_SET_MAX; i++)
		used += snprintf(text + used, sizeof(text) - used,
				 "%sffff:ffff:ffff:ffff:ffff:ffff:ffff:%x00/120",
				 i ? "," : "", 0xf0 + i);
	used += snprintf(text + used, sizeof(text) - used,
			 "} tcp dport {");
	for (int i = 0; i < WW_RULE_SET_MAX; i++)
		used += snprintf(text + used, sizeof(text) - used,
				 "%s%d-65535", i ? "," : "", 60000 + i);
	snprintf(text + used, sizeof(text) - used,
		 "} tcp flags == fin,syn,rst,psh,ack,urg,ecn,cwr ct state "
		 "new,established,related,invalid counter log reject");
	parse_ok(text, &r);
	assert_int_equal(r.nb_saddr, WW_RULE_SET_MAX);
	assert_int_equal(r.saddr[15].addr[14], 0xff);
	assert_int_equal(r.nb_dport, WW_RULE_SET_MAX);
	check_round_trips(&r);
}

/* snprintf's contract: the length it would have had, always terminated. */
static void
test_format_truncates(void **state)
{
	char small[8], big[WW_RULE_TEXT_MAX];
	struct ww_rule r;
	int full;

	parse_ok(EXAMPLE1, &r);
	full = ww_rule_format(&r, big, sizeof(big));
	assert_int_equal(full, (int)strlen(EXAMPLE1));
	memset(small, 'x', sizeof(small));
	assert_int_equal(ww_rule_format(&r, small, sizeof(small)), full);
	assert_string_equal(small, "iif out");
	assert_int_equal(ww_rule_format(&r, NULL, 0), full);
}

static void
test_equal(void **state)
{
	struct ww_rule a, b;

	parse_ok("tcp dport { 22, 443 } accept", &a);
	parse_ok("tcp dport { 443, 22 } accept", &b);
	assert_false(ww_rule_equal(&a, &b)); /* list order counts */
	parse_ok("tcp dport {22,443} accept", &b);
	assert_true(ww_rule_equal(&a, &b));
	parse_ok("tcp dport { 22, 443 } drop", &b);
	assert_false(ww_rule_equal(&a, &b));
	parse_ok("ip saddr 10.0.0.0/8 accept", &a);
	parse_ok("ip saddr 10.0.0.0/9 accept", &b);
	assert_false(ww_rule_equal(&a, &b));
	parse_ok("icmp code 0 accept", &a);
	parse_ok("meta l4proto icmp accept", &b);
	assert_false(ww_rule_equal(&a, &b)); /* code 0 is not "any code" */
}

/* ---- bad text ---- */

struct bad_case {
	const char *text;
	int column;
	const char *message; /* expected substring */
};

static const struct bad_case bad_cases[] = {
	{ "", 1, "missing action (accept, drop or reject) at the end" },
	{ "   ", 4, "missing action (accept, drop or reject) at the end" },
	{ "tcpp dport 22 accept", 1, "unknown word \"tcpp\" (expected iif, ip, "
	  "ip6, tcp, udp, icmp, icmpv6, meta, ct, counter, log, accept, drop, "
	  "reject)" },
	{ "tcp dport 22", 13, "missing action (accept, drop or reject) at the end" },
	{ "tcp dport 22 counter", 21, "missing action" },
	{ "tcp dport 22 accept now", 21, "unexpected \"now\" after the action" },
	{ "accept counter", 8, "after the action" },
	{ "accept drop", 8, "after the action" },
	{ "ip saddr 10.0.0/8 accept", 10, "expected an IPv4 address or prefix "
	  "like 10.0.0.0/8 or '{', got \"10.0.0/8\"" },
	{ "ip saddr 300.0.0.0 accept", 10, "expected an IPv4 address" },
	{ "ip saddr 10.0.0.1/8 accept", 10,
	  "10.0.0.1/8 has host bits set; did you mean 10.0.0.0/8?" },
	{ "ip6 saddr 2001:db8::1/64 accept", 11,
	  "2001:db8::1/64 has host bits set; did you mean 2001:db8::/64?" },
	{ "ip saddr 10.0.0.0/33 accept", 10, "bad prefix length \"/33\"" },
	{ "ip saddr 10.0.0.0/ accept", 10, "bad prefix length" },
	{ "ip saddr 10.0.0.0/8 ip6 daddr ::1 accept", 21,
	  "mixing IPv4 and IPv6 in one rule" },
	{ "ip saddr 2001:db8::1 accept", 10,
	  "2001:db8::1 is an IPv6 address, expected IPv4" },
	{ "ip saddr { 10.0.0.0/8, ::1 } accept", 24, "expected IPv4" },
	{ "ip6 saddr ::1 icmp type 8 accept", 15, "mixing IPv4 and IPv6" },
	{ "meta nfproto ipv6 ip protocol tcp accept", 19, "mixing IPv4 and IPv6" },
	{ "tcp dport 70000 accept", 11, "port 70000 is out of range (0..65535)" },
	{ "tcp dport 99999999999999 accept", 11, "is out of range" },
	{ "tcp dport 1000-65536 accept", 11, "out of range (0..65535)" },
	{ "tcp dport 2000-1000 accept", 11, "range 2000-1000 is reversed" },
	{ "tcp dport abc accept", 11, "expected a port, a range like 1000-2000 "
	  "or '{', got \"abc\"" },
	{ "tcp dport -1 accept", 11, "expected a port" },
	{ "tcp dport 1-2-3 accept", 11, "expected a port" },
	{ "tcp dport accept", 11, "expected a port" },
	{ "tcp dport", 10, "expected a port, a range like 1000-2000 or '{', "
	  "got end of rule" },
	{ "tcp dport { } accept", 13, "empty set" },
	{ "tcp dport {} accept", 12, "empty set" },
	{ "tcp dport { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, "
	  "17 } accept", 68, "too many elements in the set (at most 16)" },
	{ "tcp dport { 22, 443", 20, "unclosed '{'" },
	{ "tcp dport { 22, 443 accept", 21, "expected ',' or '}' in the set, "
	  "got \"accept\"" },
	{ "tcp dport {22 443} accept", 15, "expected ',' or '}'" },
	{ "tcp dport { 22, } accept", 17, "expected a port, a range like "
	  "1000-2000, got \"}\"" },
	{ "tcp dport { { 22 } } accept", 13, "got \"{\"" },
	{ "tcp dport 22, 443 accept", 13, "unexpected ','" },
	{ "tcp dport 22 } accept", 14, "unknown word \"}\"" },
	{ "tcp dport 22 tcp dport 23 accept", 14,
	  "duplicate clause \"tcp dport\"" },
	{ "counter counter accept", 9, "duplicate clause \"counter\"" },
	{ "iif a iif b accept", 7, "duplicate clause \"iif\"" },
	{ "meta l4proto tcp ip protocol tcp accept", 18, "duplicate clause" },
	{ "tcp dport 22 udp sport 53 accept", 14, "conflicting protocols: "
	  "\"udp\" means udp but an earlier clause says tcp" },
	{ "meta l4proto icmp tcp dport 22 accept", 19, "conflicting protocols" },
	{ "ip protocol 47 udp dport 53 accept", 16, "conflicting protocols" },
	{ "icmp type 8 icmpv6 code 0 accept", 13, "conflicting protocols" },
	{ "udp flags syn accept", 5, "expected dport or sport after \"udp\"" },
	{ "tcp port 22 accept", 5, "expected dport, sport or flags after "
	  "\"tcp\", got \"port\"" },
	{ "ip source 1.2.3.4 accept", 4, "expected saddr, daddr or protocol" },
	{ "ip6 protocol tcp accept", 5, "expected saddr, daddr or nexthdr" },
	{ "meta foo accept", 6, "expected l4proto or nfproto" },
	{ "meta nfproto ipv5 accept", 14, "expected ipv4 or ipv6" },
	{ "meta l4proto", 13, "expected a protocol (tcp, udp, icmp, icmpv6 or "
	  "0..255), got end of rule" },
	{ "ip protocol 256 accept", 13, "protocol 256 is out of range (0..255)" },
	{ "ip protocol sctp accept", 13, "expected a protocol" },
	{ "tcp flags syn,foo accept", 15, "expected a TCP flag (fin, syn, rst, "
	  "psh, ack, urg, ecn, cwr), got \"foo\"" },
	{ "tcp flags accept", 11, "expected a TCP flag" },
	{ "tcp flags == accept", 14, "expected a TCP flag" },
	{ "tcp flags syn / accept", 17, "expected a TCP flag" },
	{ "tcp flags { syn } accept", 11, "expected a TCP flag" },
	{ "tcp flags syn,fin / syn accept", 11,
	  "flags fin,syn are not all in the mask syn" },
	{ "ct state new,bogus accept", 14, "expected a ct state (new, "
	  "established, related or invalid), got \"bogus\"" },
	{ "ct state { new, old } accept", 17, "expected a ct state" },
	{ "ct state { new, } accept", 17, "expected a ct state" },
	{ "ct status new accept", 4, "expected state after \"ct\"" },
	{ "icmp type echo-requestt accept", 11, "expected an ICMP type" },
	{ "icmp type nd-redirect accept", 11, "expected an ICMP type" },
	{ "icmpv6 type redirect accept", 13, "expected an ICMP type" },
	{ "icmp type 256 accept", 11, "ICMP type 256 is out of range (0..255)" },
	{ "icmpv6 type 10-5 accept", 13, "is reversed" },
	{ "icmp code 256 accept", 11, "ICMP code \"256\" is out of range" },
	{ "icmp code x accept", 11, "expected an ICMP code (0..255)" },
	{ "icmp kind 1 accept", 6, "expected type or code after \"icmp\"" },
	{ "iif abcdefghijklmnopqrstuvwxyz012345 accept", 5,
	  "interface name \"abcdefghijklmnopqrstuvwxyz012345\" is longer "
	  "than 31 characters" },
	{ "iif bad/name accept", 5, "may hold only letters, digits" },
	{ "iif { a } accept", 5, "expected an interface name" },
	{ "iif", 4, "expected an interface name after \"iif\", got end of rule" },
};

static void
check_bad(const char *text, int column, const char *message)
{
	struct ww_rule r;
	struct ww_rule_error err;

	memset(&err, 0x55, sizeof(err));
	if (ww_rule_parse(text, &r, &err) != -EINVAL)
		fail_msg("\"%s\" was accepted", text);
	if (err.column != column || strstr(err.message, message) == NULL)
		fail_msg("\"%s\": got column %d: %s\nexpected column %d: %s",
			 text, err.column, err.message, column, message);
	assert_string_equal(err.path, "");
	/* with no error struct, the same answer */
	assert_int_equal(ww_rule_parse(text, &r, NULL), -EINVAL);
}

static void
test_bad_text(void **state)
{
	for (size_t i = 0; i < DIM(bad_cases); i++)
		check_bad(bad_cases[i].text, bad_cases[i].column,
			  bad_cases[i].message);
}

/* Words far longer than any buffer: quoted cut short, never overflowed. */
static void
test_long_words(void **state)
{
	static const char *const prefixes[] = {
		"", "iif ", "ip saddr ", "ip6 daddr ", "tcp dport ",
		"icmp type ", "ct state ", "tcp flags ", "meta l4proto ",
		"tcp dport { 1, ",
	};
	size_t n = 5000;
	char *word = malloc(n + 1), *text = malloc(n + 64);
	struct ww_rule_error err;
	struct ww_rule r;

	assert_non_null(word);
	assert_non_null(text);
	memset(word, '1', n);
	word[n] = '\0';
	for (size_t i = 0; i < DIM(prefixes); i++) {
		snprintf(text, n + 64, "%s%s accept", prefixes[i], word);
		assert_int_equal(ww_rule_parse(text, &r, &err), -EINVAL);
		assert_int_equal(err.column, (int)strlen(prefixes[i]) + 1);
		assert_true(strlen(err.message) < sizeof(err.message));
	}
	/* and a huge rule of good words still ends in a clear error */
	snprintf(text, n + 64, "%s", "");
	for (size_t used = 0; used + 8 < n; used += 8)
		strcat(text, "counter ");
	assert_int_equal(ww_rule_parse(text, &r, &err), -EINVAL);
	assert_int_equal(err.column, 9);
	free(word);
	free(text);
}

/* ---- JSON ---- */

struct json_case {
	const char *doc;
	const char *canonical; /* ww_rule_to_json() of what it reads as */
};

static const struct json_case json_cases[] = {
	{ EXAMPLE1_JSON, EXAMPLE1_JSON },
	{ "{\"action\":\"accept\",\"proto\":\"tcp\",\"dport\":[22,443],"
	  "\"counter\":true,\"saddr\":[\"10.0.0.0/8\"],\"iif\":\"outside\","
	  "\"ct_state\":[\"new\"]}", EXAMPLE1_JSON },
	{ "\"" EXAMPLE1 "\"", EXAMPLE1_JSON },
	{ "{\"family\":\"ip6\",\"proto\":\"udp\",\"sport\":[\"1000-2000\",53],"
	  "\"action\":\"drop\"}",
	  "{\"family\":\"ip6\",\"proto\":\"udp\",\"sport\":[\"1000-2000\",53],"
	  "\"action\":\"drop\"}" },
	{ "{\"family\":\"ip\",\"saddr\":[\"1.2.3.4/32\"],\"action\":\"drop\"}",
	  "{\"saddr\":[\"1.2.3.4\"],\"action\":\"drop\"}" },
	{ "{\"daddr\":[\"2001:db8::/48\",\"::1\"],\"proto\":47,"
	  "\"action\":\"reject\"}",
	  "{\"daddr\":[\"2001:db8::/48\",\"::1\"],\"proto\":47,"
	  "\"action\":\"reject\"}" },
	{ "{\"proto\":\"icmpv6\",\"icmp_type\":[\"echo-request\",1,\"130-132\"],"
	  "\"icmp_code\":0,\"action\":\"accept\"}",
	  "{\"proto\":\"icmpv6\",\"icmp_type\":[\"echo-request\","
	  "\"destination-unreachable\",\"130-132\"],\"icmp_code\":0,"
	  "\"action\":\"accept\"}" },
	{ "{\"proto\":\"icmp\",\"icmp_type\":[\"8\"],\"action\":\"accept\"}",
	  "{\"proto\":\"icmp\",\"icmp_type\":[\"echo-request\"],"
	  "\"action\":\"accept\"}" },
	{ "{\"proto\":6,\"tcp_flags\":\"syn / syn,ack\",\"log\":true,"
	  "\"counter\":false,\"action\":\"reject\"}",
	  "{\"proto\":\"tcp\",\"tcp_flags\":\"syn / syn,ack\",\"log\":true,"
	  "\"action\":\"reject\"}" },
	{ "{\"action\":\"drop\",\"ct_state\":[\"invalid\",\"new\"]}",
	  "{\"ct_state\":[\"new\",\"invalid\"],\"action\":\"drop\"}" },
	{ "{\"family\":\"ip\",\"action\":\"accept\"}",
	  "{\"family\":\"ip\",\"action\":\"accept\"}" },
	{ "{\"action\":\"accept\"}", "{\"action\":\"accept\"}" },
};

static void
test_good_json(void **state)
{
	struct ww_rule_error err;
	struct ww_rule r;
	json_t *in, *out;
	char *got;

	for (size_t i = 0; i < DIM(json_cases); i++) {
		in = load(json_cases[i].doc);
		if (ww_rule_from_json(in, &r, &err) != 0)
			fail_msg("%s: %s: %s", json_cases[i].doc, err.path,
				 err.message);
		out = ww_rule_to_json(&r);
		got = dump(out);
		if (strcmp(got, json_cases[i].canonical) != 0)
			fail_msg("%s gives %s, expected %s", json_cases[i].doc,
				 got, json_cases[i].canonical);
		check_round_trips(&r);
		free(got);
		json_decref(out);
		json_decref(in);
	}
}

struct json_bad_case {
	const char *doc;
	const char *path;
	const char *message; /* expected substring */
};

#define P "\"proto\":\"tcp\","
#define A ",\"action\":\"accept\"}"

static const struct json_bad_case json_bad_cases[] = {
	{ "[]", "", "expected a rule (a string or an object), got an array" },
	{ "42", "", "got an integer" },
	{ "{\"foo\":1" A, ".foo", "unknown key \"foo\" (expected one of: iif, "
	  "family, saddr" },
	{ "{}", ".action", "missing action" },
	{ "{\"proto\":\"tcp\"}", ".action", "missing action" },
	{ "{\"action\":\"allow\"}", ".action", "expected \"accept\", \"drop\" "
	  "or \"reject\", got \"allow\"" },
	{ "{\"action\":1}", ".action", "expected a string, got an integer" },
	{ "{" P "\"dport\":[22,\"abc\"]" A, ".dport[1]",
	  "expected a port or a range like \"1000-2000\", got \"abc\"" },
	{ "{" P "\"dport\":[22,70000]" A, ".dport[1]",
	  "port 70000 is out of range (0..65535)" },
	{ "{" P "\"sport\":[\"9-1\"]" A, ".sport[0]", "is reversed" },
	{ "{" P "\"dport\":[true]" A, ".dport[0]", "expected a port number or "
	  "a range string like \"1000-2000\", got a boolean" },
	{ "{" P "\"dport\":[]" A, ".dport", "expected 1 to 16 elements, got 0" },
	{ "{" P "\"dport\":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17]" A,
	  ".dport", "expected 1 to 16 elements, got 17" },
	{ "{" P "\"dport\":22" A, ".dport", "expected an array, got an integer" },
	{ "{\"dport\":[22]" A, ".dport", "ports need \"proto\": \"tcp\" or "
	  "\"udp\"" },
	{ "{\"proto\":\"icmp\",\"sport\":[22]" A, ".sport", "ports need" },
	{ "{\"proto\":\"udp\",\"tcp_flags\":\"syn\"" A, ".tcp_flags",
	  "tcp_flags needs \"proto\": \"tcp\"" },
	{ "{" P "\"tcp_flags\":\"syn / ack\"" A, ".tcp_flags",
	  "flags syn are not all in the mask ack" },
	{ "{" P "\"tcp_flags\":\"syn x\"" A, ".tcp_flags",
	  "unexpected \"x\" after the flags" },
	{ "{" P "\"tcp_flags\":\"==syn\"" A, ".tcp_flags",
	  "expected a TCP flag" },
	{ "{" P "\"tcp_flags\":\"\"" A, ".tcp_flags", "expected a TCP flag" },
	{ "{\"saddr\":[\"10.0.0.0/8\",\"::1\"]" A, ".saddr[1]",
	  "::1 is an IPv6 address, expected IPv4" },
	{ "{\"saddr\":[\"10.0.0.0/8\"],\"daddr\":[\"::1\"]" A, ".daddr[0]",
	  "expected IPv4" },
	{ "{\"family\":\"ip6\",\"saddr\":[\"10.0.0.0/8\"]" A, ".saddr[0]",
	  "10.0.0.0 is an IPv4 address, expected IPv6" },
	{ "{\"saddr\":\"10.0.0.0/8\"" A, ".saddr",
	  "expected an array, got a string" },
	{ "{\"saddr\":[\"10.0.0.1/8\"]" A, ".saddr[0]",
	  "10.0.0.1/8 has host bits set; did you mean 10.0.0.0/8?" },
	{ "{\"saddr\":[\"example.com\"]" A, ".saddr[0]",
	  "expected an address or prefix" },
	{ "{\"saddr\":[8]" A, ".saddr[0]", "expected a string like" },
	{ "{\"icmp_type\":[8]" A, ".icmp_type",
	  "icmp_type needs \"proto\": \"icmp\" or \"icmpv6\"" },
	{ "{\"proto\":\"tcp\",\"icmp_code\":0" A, ".icmp_code",
	  "icmp_code needs" },
	{ "{\"family\":\"ip6\",\"proto\":\"icmp\",\"icmp_type\":[8]" A,
	  ".icmp_type", "mixing IPv4 and IPv6" },
	{ "{\"proto\":\"icmp\",\"icmp_type\":[\"nd-redirect\"]" A,
	  ".icmp_type[0]", "expected an ICMP type" },
	{ "{\"proto\":\"icmp\",\"icmp_type\":[300]" A, ".icmp_type[0]",
	  "ICMP type 300 is out of range" },
	{ "{\"proto\":\"icmp\",\"icmp_code\":-1" A, ".icmp_code",
	  "ICMP code -1 is out of range" },
	{ "{\"proto\":\"icmp\",\"icmp_code\":1.5" A, ".icmp_code",
	  "expected an integer, got a number with a fraction" },
	{ "{\"ct_state\":[\"new\",\"old\"]" A, ".ct_state[1]",
	  "unknown ct state \"old\"" },
	{ "{\"ct_state\":[1]" A, ".ct_state[0]", "expected a ct state name" },
	{ "{\"iif\":\"a b\"" A, ".iif", "may hold only letters" },
	{ "{\"iif\":\"\"" A, ".iif", "expected an interface name" },
	{ "{\"iif\":\"abcdefghijklmnopqrstuvwxyz0123456\"" A, ".iif",
	  "is longer than 31 characters" },
	{ "{\"counter\":\"yes\"" A, ".counter", "expected a boolean, got a string" },
	{ "{\"log\":null" A, ".log", "expected a boolean, got null" },
	{ "{\"proto\":300" A, ".proto", "protocol 300 is out of range" },
	{ "{\"proto\":\"sctp\"" A, ".proto", "expected a protocol" },
	{ "{\"proto\":[6]" A, ".proto", "expected a protocol name or number, "
	  "got an array" },
	{ "{\"family\":\"ipv4\"" A, ".family", "expected \"ip\" or \"ip6\"" },
};

static void
test_bad_json(void **state)
{
	struct ww_rule_error err;
	struct ww_rule r;
	json_t *v;

	for (size_t i = 0; i < DIM(json_bad_cases); i++) {
		const struct json_bad_case *c = &json_bad_cases[i];

		v = load(c->doc);
		memset(&err, 0x55, sizeof(err));
		if (ww_rule_from_json(v, &r, &err) != -EINVAL)
			fail_msg("%s was accepted", c->doc);
		if (strcmp(err.path, c->path) != 0 ||
		    strstr(err.message, c->message) == NULL ||
		    err.column != 0)
			fail_msg("%s: got %s (column %d): %s\nexpected %s: %s",
				 c->doc, err.path, err.column, err.message,
				 c->path, c->message);
		assert_int_equal(ww_rule_from_json(v, &r, NULL), -EINVAL);
		json_decref(v);
	}
	assert_int_equal(ww_rule_from_json(NULL, &r, &err), -EINVAL);

	/* the text form in a JSON string: errors have a column, no path */
	v = json_string("tcp dport 22 udp sport 1 accept");
	assert_int_equal(ww_rule_from_json(v, &r, &err), -EINVAL);
	assert_int_equal(err.column, 14);
	assert_string_equal(err.path, "");
	assert_non_null(strstr(err.message, "conflicting protocols"));
	json_decref(v);
	v = json_string("tcp dport 22");
	assert_int_equal(ww_rule_from_json(v, &r, &err), -EINVAL);
	assert_int_equal(err.column, 13);
	assert_non_null(strstr(err.message, "missing action"));
	json_decref(v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_examples),
		cmocka_unit_test(test_good_text),
		cmocka_unit_test(test_clause_fields),
		cmocka_unit_test(test_biggest_rule),
		cmocka_unit_test(test_format_truncates),
		cmocka_unit_test(test_equal),
		cmocka_unit_test(test_bad_text),
		cmocka_unit_test(test_long_words),
		cmocka_unit_test(test_good_json),
		cmocka_unit_test(test_bad_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
