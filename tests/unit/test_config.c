/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/config: good documents load; every kind of bad one is rejected with
 * the JSON path and the reason. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"

#define PORTS "\"ports\":[{\"name\":\"outside\",\"device\":\"net_null0\"}," \
	      "{\"name\":\"inside\",\"device\":\"net_null1\"}]"
#define BRIDGE "\"bridges\":[{\"name\":\"br0\",\"ports\":[\"outside\",\"inside\"]," \
	       "\"protected\":\"inside\"}]"

static void
test_default_document(void **state)
{
	struct ww_config cfg;
	struct ww_config_error err;

	assert_int_equal(ww_config_parse(ww_config_default_text(), "<default>",
					 &cfg, &err), 0);
	assert_int_equal(cfg.workers, 1);
	assert_int_equal(cfg.nb_ports, 2);
	assert_string_equal(cfg.ports[0].name, "outside");
	assert_string_equal(cfg.ports[1].name, "inside");
	assert_int_equal(cfg.nb_bridges, 1);
	assert_int_equal(cfg.bridges[0].port[0], 0);
	assert_int_equal(cfg.bridges[0].port[1], 1);
	assert_int_equal(cfg.bridges[0].protected_side, 1);
	/* the lab's group: ping and TCP 5000 into the protected side */
	assert_int_equal(cfg.nb_sgs, 1);
	assert_string_equal(cfg.sgs[0].name, "lab");
	assert_int_equal(cfg.sgs[0].nb_rules, 3);
	assert_int_equal(cfg.sgs[0].rules[2].rule.dport[0].lo, 5000);
	assert_true(cfg.conntrack.enabled);
	ww_config_free(&cfg);
}

/* Rules keep their text through show config (to_json) and a new parse. */
static void
test_rules_round_trip(void **state)
{
	const char *doc = "{" PORTS "," BRIDGE ",\"rules\":[\"tcp dport 23 reject\","
		"{\"saddr\":[\"10.0.0.0/8\"],\"proto\":\"udp\",\"dport\":[53],"
		"\"action\":\"drop\"}],\"security_groups\":[{\"name\":\"web\","
		"\"bridge\":\"br0\",\"rules\":[\"tcp dport { 80, 443 } accept\"]}],"
		"\"conntrack\":{\"max_flows\":1000,\"full_policy\":\"early-drop\","
		"\"strict\":false,\"timeouts\":{\"udp\":5}}}";
	struct ww_config a, b;
	char *text;
	json_t *json;

	assert_int_equal(ww_config_parse(doc, "t", &a, NULL), 0);
	json = ww_config_to_json(&a);
	text = json_dumps(json, 0);
	assert_int_equal(ww_config_parse(text, "t2", &b, NULL), 0);
	assert_int_equal(b.nb_rules, 2);
	assert_int_equal(b.rules[1].rule.action, WW_RULE_DROP);
	assert_true(ww_rule_equal(&a.rules[1].rule, &b.rules[1].rule));
	assert_true(ww_rule_equal(&a.sgs[0].rules[0].rule, &b.sgs[0].rules[0].rule));
	assert_int_equal(b.rules[0].handle, 1);
	assert_int_equal(b.sgs[0].rules[0].handle, 3);
	assert_int_equal(b.conntrack.max_flows, 1000);
	assert_int_equal(b.conntrack.full_policy, WW_CT_FULL_EARLY_DROP);
	assert_false(b.conntrack.strict);
	assert_int_equal(b.conntrack.timeout_s[WW_CT_FS_UDP_UNREPLIED], 5);
	free(text);
	json_decref(json);
	ww_config_free(&a);
	ww_config_free(&b);
}

static void
test_minimal_and_order_independent(void **state)
{
	/* bridges before ports in the document: still resolved */
	const char *doc = "{" BRIDGE "," PORTS ",\"workers\":2,\"mbufs\":65535}";
	struct ww_config cfg;

	assert_int_equal(ww_config_parse(doc, "t", &cfg, NULL), 0);
	assert_int_equal(cfg.workers, 2);
	assert_int_equal(cfg.mbufs, 65535);
	assert_int_equal(cfg.bridges[0].protected_side, 1);
	assert_int_equal(ww_config_port_index(&cfg, "inside"), 1);
	assert_int_equal(ww_config_port_index(&cfg, "nope"), -ENOENT);
	assert_int_equal(ww_config_bridge_of_port(&cfg, 1), 0);
}

static void
test_no_bridge_is_allowed(void **state)
{
	struct ww_config cfg;

	assert_int_equal(ww_config_parse("{" PORTS "}", "t", &cfg, NULL), 0);
	assert_int_equal(cfg.nb_bridges, 0);
	assert_int_equal(ww_config_bridge_of_port(&cfg, 0), -ENOENT);
}

struct bad_case {
	const char *doc;
	const char *path;    /* expected JSON path ("" for syntax errors) */
	const char *message; /* expected substring of the message */
};

#define SG(rules) ",\"security_groups\":[{\"name\":\"web\",\"bridge\":\"br0\"," \
	"\"rules\":[" rules "]}]"

static const struct bad_case bad_cases[] = {
	/* filtering: rules, security groups, conntrack */
	{ "{" PORTS ",\"rules\":[\"tcp dport 22 accept\",\"tcp dport x accept\"]}",
	  "$.rules[1]", "column 11: expected a port" },
	{ "{" PORTS ",\"rules\":[{\"proto\":\"tcp\",\"dport\":[\"x\"],\"action\":\"drop\"}]}",
	  "$.rules[0].dport[0]", "" },
	{ "{" PORTS ",\"rules\":[\"iif dmz drop\"]}", "$.rules[0]",
	  "iif \"dmz\": no port of that name" },
	{ "{" PORTS ",\"rules\":[7]}", "$.rules[0]",
	  "expected a rule as a string or an object, got an integer" },
	{ "{" PORTS "," BRIDGE SG("\"tcp dport 23 reject\"") "}",
	  "$.security_groups[0].rules[0]", "allow rules only" },
	{ "{" PORTS "," BRIDGE SG("\"iif outside tcp dport 22 accept\"") "}",
	  "$.security_groups[0].rules[0]", "takes no iif" },
	{ "{" PORTS ",\"bridges\":[{\"name\":\"br0\",\"ports\":[\"outside\",\"inside\"]}]"
	  SG("\"tcp dport 22 accept\"") "}", "$.security_groups[0].bridge",
	  "has no protected side" },
	{ "{" PORTS ",\"conntrack\":{\"timeouts\":{\"tcp_forever\":1}}}",
	  "$.conntrack.timeouts.tcp_forever", "unknown timeout" },
	{ "{" PORTS ",\"conntrack\":{\"full_policy\":\"random\"}}",
	  "$.conntrack.full_policy", "expected \"drop-new\" or \"early-drop\"" },
	{ "{" PORTS ",\"conntrack\":{\"max_flows\":0}}", "$.conntrack.max_flows",
	  "0 is out of range" },
	/* the management server, the revision */
	{ "{" PORTS ",\"http\":{\"listen\":\"8080\"}}", "$.http.listen",
	  "\"8080\" is not ADDR:PORT" },
	{ "{" PORTS ",\"http\":{\"listen\":\"1.2.3.4:99999\"}}", "$.http.listen",
	  "is not ADDR:PORT" },
	{ "{" PORTS ",\"http\":{\"listen\":\"[::1:8080\"}}", "$.http.listen",
	  "is not ADDR:PORT" },
	{ "{" PORTS ",\"http\":{\"metrics\":\"public\"}}", "$.http.metrics",
	  "expected \"open\"" },
	{ "{" PORTS ",\"http\":{\"tls\":{\"cert\":\"c.pem\"}}}", "$.http.tls",
	  "missing required key \"key\"" },
	{ "{" PORTS ",\"http\":{\"max_body\":10}}", "$.http.max_body",
	  "10 is out of range" },
	{ "{" PORTS ",\"http\":{\"port\":80}}", "$.http", "unknown key \"port\"" },
	{ "{" PORTS ",\"revision\":-1}", "$.revision", "expected a revision >= 0" },
	/* telemetry */
	{ "{" PORTS ",\"telemetry\":{\"flows\":{\"active_timeout_s\":0}}}",
	  "$.telemetry.flows.active_timeout_s", "0 is out of range" },
	{ "{" PORTS ",\"telemetry\":{\"ipfix\":{\"collectors\":[\"nfcapd\"]}}}",
	  "$.telemetry.ipfix.collectors[0]", "is not HOST:PORT" },
	{ "{" PORTS ",\"telemetry\":{\"ipfix\":{}}}", "$.telemetry.ipfix",
	  "missing required key \"collectors\"" },
	{ "{" PORTS ",\"telemetry\":{\"events\":{\"syslog\":\"loghost\"}}}",
	  "$.telemetry.events.syslog", "is not HOST:PORT" },
	{ "{" PORTS ",\"telemetry\":{\"events\":{\"max_rows\":5}}}",
	  "$.telemetry.events.max_rows", "5 is out of range" },
	{ "{" PORTS ",\"revision\":\"7\"}", "$.revision", "expected an integer" },
	/* guards */
	{ "{" PORTS ",\"guards\":{\"scan\":{\"ports\":1}}}", "$.guards.scan.ports",
	  "1 is out of range (2..65536)" },
	{ "{" PORTS ",\"guards\":{\"scan\":{\"speed\":1}}}", "$.guards.scan",
	  "unknown key \"speed\" (expected one of: enabled, ports, hosts, window_ms, block_ttl)" },
	{ "{" PORTS ",\"guards\":{\"firewall\":{}}}", "$.guards",
	  "unknown key \"firewall\"" },
	{ "{" PORTS ",\"guards\":{\"icmp\":{\"enabled\":\"yes\"}}}",
	  "$.guards.icmp.enabled", "expected a boolean, got a string" },
	{ "{" PORTS ",\"guards\":{\"icmp\":{\"allow\":[\"echo-requets\"]}}}",
	  "$.guards.icmp.allow[0]", "ICMP type" },
	{ "{" PORTS ",\"guards\":{\"arp\":{\"bindings\":[{\"ip\":\"10.0.0.1\",\"mac\":\"ff:ff:ff:ff:ff:ff\"}]}}}",
	  "$.guards.arp.bindings[0]", "unicast MAC" },
	{ "{" PORTS ",\"guards\":{\"arp\":{\"bindings\":[{\"ip\":\"10.0.0.300\",\"mac\":\"02:00:00:00:00:01\"}]}}}",
	  "$.guards.arp.bindings[0]", "\"ip\" must be an IPv4 address" },
	{ "{" PORTS ",\"guards\":{\"blocklist\":{\"sets\":{\"bad\":[\"10.0.0.1/8\"]}}}}",
	  "$.guards.blocklist.sets.bad[0]", "" },
	{ "{" PORTS ",\"guards\":{\"blocklist\":{\"sets\":{\"bad set\":[]}}}}",
	  "$.guards.blocklist.sets.bad set", "may hold only letters" },
	{ "{" PORTS ",\"guards\":{\"blocklist\":{\"sets\":{\"x\":[{\"addr\":\"10.0.0.1\",\"ttl\":0}]}}}}",
	  "$.guards.blocklist.sets.x[0]", "0 is out of range" },
	{ "{" PORTS ",\"guards\":{\"http\":{\"hosts\":[\"ex ample.com\"]}}}",
	  "$.guards.http.hosts[0]", "ex ample.com" },
	{ "{" PORTS ",\"guards\":{\"http\":{\"ports\":[0]}}}", "$.guards.http.ports[0]",
	  "0 is out of range (1..65535)" },
	{ "{" PORTS ",\"guards\":{\"events\":{\"enabled\":false}}}",
	  "$.guards.events.enabled", "cannot be turned off" },
	{ "[]", "$", "expected an object, got an array" },
	{ "{}", "$", "missing required key \"ports\"" },
	{ "{\"ports\":[]}", "$.ports", "expected 1 to 16 ports, got 0" },
	{ "{" PORTS ",\"foo\":1}", "$", "unknown key \"foo\" (expected one of: workers, mbufs, ports, bridges, conntrack, rules, security_groups, guards, http, telemetry, revision)" },
	{ "{" PORTS ",\"workers\":\"2\"}", "$.workers", "expected an integer, got a string" },
	{ "{" PORTS ",\"workers\":0}", "$.workers", "0 is out of range (1..64)" },
	{ "{" PORTS ",\"workers\":1.5}", "$.workers", "expected an integer, got a number with a fraction" },
	{ "{" PORTS ",\"mbufs\":10}", "$.mbufs", "10 is out of range" },
	{ "{\"ports\":{}}", "$.ports", "expected an array, got an object" },
	{ "{\"ports\":[1]}", "$.ports[0]", "expected an object, got an integer" },
	{ "{\"ports\":[{\"name\":\"a\",\"device\":\"net_null0\"},{\"name\":\"b\"}]}",
	  "$.ports[1]", "missing required key \"device\"" },
	{ "{\"ports\":[{\"name\":\"a\",\"device\":\"net_null0\",\"mtu\":9000}]}",
	  "$.ports[0]", "unknown key \"mtu\" (expected one of: name, device)" },
	{ "{\"ports\":[{\"name\":\"a\",\"device\":7}]}", "$.ports[0].device", "expected a string, got an integer" },
	{ "{\"ports\":[{\"name\":\"\",\"device\":\"net_null0\"}]}", "$.ports[0].name", "name must be 1 to 31 characters" },
	{ "{\"ports\":[{\"name\":\"a b\",\"device\":\"net_null0\"}]}", "$.ports[0].name", "may hold only letters" },
	{ "{\"ports\":[{\"name\":\"a\",\"device\":\"\"}]}", "$.ports[0].device", "device must be 1 to 511 characters" },
	{ "{\"ports\":[{\"name\":\"a\",\"device\":\"net_null0\"},{\"name\":\"a\",\"device\":\"net_null1\"}]}",
	  "$.ports[1]", "port name \"a\" is already used by $.ports[0]" },
	{ "{\"ports\":[{\"name\":\"a\",\"device\":\"net_null0,size=64\"},{\"name\":\"b\",\"device\":\"net_null0\"}]}",
	  "$.ports[1]", "device \"net_null0\" is already used by $.ports[0]" },
	{ "{" PORTS ",\"bridges\":[{\"name\":\"br0\",\"ports\":[\"outside\",\"nope\"]}]}",
	  "$.bridges[0].ports[1]", "no port named \"nope\" in $.ports" },
	{ "{" PORTS ",\"bridges\":[{\"name\":\"br0\",\"ports\":[\"outside\"]}]}",
	  "$.bridges[0].ports", "a bridge joins exactly 2 ports, got 1" },
	{ "{" PORTS ",\"bridges\":[{\"name\":\"br0\",\"ports\":[\"outside\",\"outside\"]}]}",
	  "$.bridges[0].ports", "two different ports" },
	{ "{" PORTS ",\"bridges\":[{\"name\":\"br0\",\"ports\":[\"outside\",3]}]}",
	  "$.bridges[0].ports[1]", "expected a string, got an integer" },
	{ "{" PORTS ",\"bridges\":[{\"name\":\"br0\",\"ports\":[\"outside\",\"inside\"],\"protected\":\"dmz\"}]}",
	  "$.bridges[0].protected", "\"dmz\" is not one of this bridge's ports" },
	{ "{" PORTS ",\"bridges\":[{\"ports\":[\"outside\",\"inside\"]}]}",
	  "$.bridges[0]", "missing required key \"name\"" },
	{ "{\"ports\":[{\"name\":\"a\",\"device\":\"net_null0\"},{\"name\":\"b\",\"device\":\"net_null1\"},"
	  "{\"name\":\"c\",\"device\":\"net_null2\"}],\"bridges\":[{\"name\":\"x\",\"ports\":[\"a\",\"b\"]},"
	  "{\"name\":\"y\",\"ports\":[\"c\",\"b\"]}]}",
	  "$.bridges[1].ports[1]", "port \"b\" is already in bridge \"x\"" },
	{ "{\"ports\":[{\"name\":\"a\",\"device\":\"net_null0\"},{\"name\":\"b\",\"device\":\"net_null1\"},"
	  "{\"name\":\"c\",\"device\":\"net_null2\"},{\"name\":\"d\",\"device\":\"net_null3\"}],"
	  "\"bridges\":[{\"name\":\"x\",\"ports\":[\"a\",\"b\"]},{\"name\":\"x\",\"ports\":[\"c\",\"d\"]}]}",
	  "$.bridges[1]", "bridge name \"x\" is already used by $.bridges[0]" },
};

static void
test_bad_documents(void **state)
{
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		struct ww_config cfg;
		struct ww_config_error err;

		memset(&cfg, 0xa5, sizeof(cfg));
		if (ww_config_parse(c->doc, "bad.json", &cfg, &err) != -EINVAL)
			fail_msg("case %zu accepted: %s", i, c->doc);
		if (strcmp(err.path, c->path) != 0)
			fail_msg("case %zu: path \"%s\", expected \"%s\"", i,
				 err.path, c->path);
		if (strstr(err.message, c->message) == NULL)
			fail_msg("case %zu: message \"%s\", expected \"%s\"", i,
				 err.message, c->message);
		assert_string_equal(err.origin, "bad.json");
		/* a rejected document leaves the output untouched */
		assert_int_equal(((unsigned char *)&cfg)[0], 0xa5);
	}
}

static void
test_syntax_errors_have_line_and_column(void **state)
{
	struct ww_config cfg;
	struct ww_config_error err;
	char line[1024];

	assert_int_equal(ww_config_parse("{\n  \"ports\": [,]\n}", "s.json",
					 &cfg, &err), -EINVAL);
	assert_int_equal(err.line, 2);
	assert_true(err.column > 0);
	assert_non_null(strstr(err.message, "invalid JSON"));
	ww_config_error_format(&err, line, sizeof(line));
	assert_true(strncmp(line, "s.json:2:", 9) == 0);

	/* duplicate keys would silently drop one: rejected */
	assert_int_equal(ww_config_parse("{" PORTS "," PORTS "}", "d.json", &cfg,
					 &err), -EINVAL);
	assert_non_null(strstr(err.message, "duplicate"));
}

static void
test_error_format_names_path(void **state)
{
	struct ww_config cfg;
	struct ww_config_error err;
	char line[1024];

	ww_config_parse("{" PORTS ",\"workers\":\"x\"}", "f.json", &cfg, &err);
	ww_config_error_format(&err, line, sizeof(line));
	assert_string_equal(line, "f.json: $.workers: expected an integer, got a string");
}

static void
test_round_trip(void **state)
{
	const char *doc = "{\"workers\":2,\"mbufs\":4096," PORTS "," BRIDGE "}";
	struct ww_config a, b;
	json_t *json;
	char *text;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	assert_int_equal(ww_config_parse(doc, "t", &a, NULL), 0);
	json = ww_config_to_json(&a);
	text = json_dumps(json, 0);
	assert_int_equal(ww_config_parse(text, "t", &b, NULL), 0);
	assert_memory_equal(&a, &b, sizeof(a));
	free(text);
	json_decref(json);
}

#define GUARDS_DOC "{" PORTS ",\"guards\":{" \
	"\"arp\":{\"rate\":7,\"bindings\":[{\"ip\":\"10.0.0.1\",\"mac\":\"02:00:00:00:00:01\"}]}," \
	"\"icmp\":{\"max_size\":900,\"allow\":[\"echo-request\",0],\"redirects\":true}," \
	"\"blocklist\":{\"sets\":{\"bad\":[\"203.0.113.7\",{\"addr\":\"2001:db8::/32\",\"ttl\":60}]}," \
	"\"never_block\":[\"10.0.0.0/8\"]}," \
	"\"scan\":{\"enabled\":false,\"ports\":9}," \
	"\"http\":{\"hosts\":[\".bad.example\"],\"urls\":[\"ok.example/ads/\"]}}}"

/* Named guards are on, others off; values land; the document round-trips;
 * "guard" changes one key and a refused value changes nothing. */
static void
test_guards(void **state)
{
	struct ww_config cfg, again;
	char msg[256];
	json_t *doc;
	char *text;

	assert_int_equal(ww_config_parse(GUARDS_DOC, "t", &cfg, NULL), 0);
	assert_true(cfg.guards.arp.enabled);
	assert_int_equal(cfg.guards.arp.rate, 7);
	assert_int_equal(cfg.guards.arp.nb_static, 1);
	assert_true(cfg.guards.icmp.enabled);
	assert_int_equal(cfg.guards.icmp.max_size, 900);
	assert_true(ww_guard_type_allowed(cfg.guards.icmp.allow4, 8));
	assert_true(ww_guard_type_allowed(cfg.guards.icmp.allow4, 5));
	assert_false(ww_guard_type_allowed(cfg.guards.icmp.allow4, 3));
	assert_false(cfg.guards.scan.enabled);
	assert_int_equal(cfg.guards.scan.ports, 9);
	assert_false(cfg.guards.rate.enabled);
	assert_false(cfg.guards.synflood.enabled);
	assert_int_equal(cfg.nb_bl, 3);
	assert_string_equal(cfg.bl[2].set, "never-block");
	assert_int_equal(cfg.bl[1].ttl_s, 60);
	assert_int_equal(cfg.guards.http.nb_hosts, 1);

	doc = ww_config_to_json(&cfg);
	text = json_dumps(doc, 0);
	assert_int_equal(ww_config_parse(text, "again", &again, NULL), 0);
	assert_int_equal(again.nb_bl, 3);
	assert_int_equal(again.guards.arp.rate, 7);
	assert_memory_equal(again.guards.icmp.allow4, cfg.guards.icmp.allow4,
			    sizeof(cfg.guards.icmp.allow4));
	assert_int_equal(again.guards.scan.enabled, false);
	free(text);
	json_decref(doc);
	ww_config_free(&again);

	assert_int_equal(ww_config_guard_set(&cfg, "scan", "ports", "30", msg,
					     sizeof(msg)), 0);
	assert_int_equal(cfg.guards.scan.ports, 30);
	assert_false(cfg.guards.scan.enabled);  /* still off */
	assert_int_equal(ww_config_guard_set(&cfg, "scan", "enabled", "on", msg,
					     sizeof(msg)), 0);
	assert_true(cfg.guards.scan.enabled);
	assert_int_equal(ww_config_guard_set(&cfg, "scan", "ports", "1", msg,
					     sizeof(msg)), -EINVAL);
	assert_non_null(strstr(msg, "$.guards.scan.ports: 1 is out of range"));
	assert_int_equal(cfg.guards.scan.ports, 30);
	assert_int_equal(ww_config_guard_set(&cfg, "http", "hosts",
		"[\"a.example\",\".b.example\"]", msg, sizeof(msg)), 0);
	assert_int_equal(cfg.guards.http.nb_hosts, 2);
	assert_int_equal(ww_config_guard_set(&cfg, "blocklist", "sets", "{}",
					     msg, sizeof(msg)), -EINVAL);
	assert_int_equal(ww_config_guard_set(&cfg, "nat", "x", "1", msg,
					     sizeof(msg)), -EINVAL);
	ww_config_free(&cfg);
}

static void
test_load_file(void **state)
{
	struct ww_config cfg;
	struct ww_config_error err;
	char path[] = "/tmp/ww_config_test_XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");

	assert_int_equal(ww_config_load_file("/nonexistent/x.json", &cfg, &err),
			 -ENOENT);
	assert_non_null(strstr(err.message, "No such file"));
	assert_string_equal(err.origin, "/nonexistent/x.json");

	fputs("{" PORTS "," BRIDGE "}", f);
	fclose(f);
	assert_int_equal(ww_config_load_file(path, &cfg, &err), 0);
	assert_int_equal(cfg.nb_bridges, 1);
	unlink(path);
}

static void
test_http_copy_and_restart_only(void **state)
{
	static const char *doc = "{" PORTS ",\"http\":{\"listen\":\"[::1]:9443\","
		"\"tls\":{\"cert\":\"/c.pem\",\"key\":\"/k.pem\"},"
		"\"metrics\":\"open\",\"max_per_address\":4},\"revision\":12,"
		"\"rules\":[\"tcp dport 22 accept\"]}";
	struct ww_config cfg, again, copy;
	char *text, path[64];
	json_t *j;

	assert_int_equal(ww_config_parse(doc, "t", &cfg, NULL), 0);
	assert_string_equal(cfg.http.listen, "[::1]:9443");
	assert_string_equal(cfg.http.tls_key, "/k.pem");
	assert_true(cfg.http.metrics_open);
	assert_int_equal(cfg.http.max_per_address, 4);
	assert_int_equal(cfg.http.max_connections, 64);   /* default */
	assert_int_equal(cfg.revision, 12);
	j = ww_config_to_json(&cfg);
	text = json_dumps(j, 0);
	json_decref(j);
	assert_int_equal(ww_config_parse(text, "t", &again, NULL), 0);
	free(text);
	assert_int_equal(ww_config_restart_only(&cfg, &again, path,
						sizeof(path)), 0);
	assert_int_equal(again.revision, 12);
	ww_config_free(&again);

	assert_int_equal(ww_config_copy(&copy, &cfg), 0);
	assert_ptr_not_equal(copy.rules, cfg.rules);
	assert_int_equal(copy.rules[0].handle, cfg.rules[0].handle);
	snprintf(copy.http.listen, sizeof(copy.http.listen), "[::1]:9444");
	assert_int_equal(ww_config_restart_only(&cfg, &copy, path, sizeof(path)),
			 -EBUSY);
	assert_string_equal(path, "$.http");
	copy.http = cfg.http;
	copy.workers = 2;
	assert_int_equal(ww_config_restart_only(&cfg, &copy, path, sizeof(path)),
			 -EBUSY);
	assert_string_equal(path, "$.workers");
	ww_config_free(&copy);
	ww_config_free(&cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_document),
		cmocka_unit_test(test_rules_round_trip),
		cmocka_unit_test(test_minimal_and_order_independent),
		cmocka_unit_test(test_no_bridge_is_allowed),
		cmocka_unit_test(test_bad_documents),
		cmocka_unit_test(test_http_copy_and_restart_only),
		cmocka_unit_test(test_syntax_errors_have_line_and_column),
		cmocka_unit_test(test_error_format_names_path),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_guards),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
