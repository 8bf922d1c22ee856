/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for cniconf.c: berth-cni's configuration and CNI_ARGS. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cniconf.h"

static int parse(const char *json, const char *args, struct cni_conf *c, struct berth_error *err)
{
	return cni_conf_parse(json, strlen(json), args, true, c, err);
}

static void assert_contains(const char *hay, const char *needle)
{
	if (!strstr(hay, needle)) {
		print_error("message \"%s\" does not contain \"%s\"\n", hay, needle);
		fail();
	}
}

/* An error with its errno (the CNI code) and a message naming the culprit. */
static void expect_error(const char *json, const char *args, int code, const char *needle)
{
	struct cni_conf c;
	struct berth_error err = {0};
	assert_int_equal(parse(json, args, &c, &err), code);
	assert_contains(err.msg, needle);
	assert_null(c.doc); /* nothing kept on failure */
}

static void test_bridge_plugin_shape(void **state)
{
	struct cni_conf c;
	struct berth_error err = {0};
	const char *j = "{\"cniVersion\":\"1.0.0\",\"name\":\"mynet\",\"type\":\"berth-cni\",\"bridge\":\"br9\","
			"\"isDefaultGateway\":true,\"ipMasq\":true,\"mtu\":1400,\"hairpinMode\":true,"
			"\"ipam\":{\"type\":\"host-local\",\"subnet\":\"10.22.3.7/16\",\"rangeStart\":\"10.22.0.10\","
			"\"rangeEnd\":\"10.22.0.20\",\"routes\":[{\"dst\":\"0.0.0.0/0\"},{\"dst\":\"192.168.0.0/24\",\"gw\":\"10.22.0.254\"}]},"
			"\"runtimeConfig\":{\"portMappings\":[{\"hostPort\":8080,\"containerPort\":80,\"protocol\":\"udp\"},"
			"{\"hostPort\":8443,\"containerPort\":443,\"hostIP\":\"127.0.0.1\"}],\"mac\":\"02:42:0a:16:00:0c\"},"
			"\"dns\":{\"nameservers\":[\"10.22.0.1\"]}}";
	assert_int_equal(parse(j, NULL, &c, &err), 0);
	assert_int_equal(c.version, CNI_V100);
	assert_string_equal(c.name, "mynet");
	assert_string_equal(c.bridge, "br9");
	assert_true(c.is_gateway); /* implied by isDefaultGateway */
	assert_true(c.is_default_gw);
	assert_true(c.ip_masq);
	assert_true(c.hairpin);
	assert_int_equal(c.mtu, 1400);
	assert_int_equal(c.subnet.addr, 0x0a160000); /* host bits dropped */
	assert_int_equal(c.subnet.len, 16);
	assert_int_equal(c.gateway, 0x0a160001);     /* default: the first address */
	assert_int_equal(c.range_start, 0x0a16000a);
	assert_int_equal(c.range_end, 0x0a160014);
	assert_int_equal(c.n_routes, 2);
	assert_false(c.routes[0].has_gw);
	assert_true(c.routes[1].has_gw);
	assert_int_equal(c.n_ports, 2);
	assert_int_equal(c.ports[0].proto, IPPROTO_UDP);
	assert_string_equal(c.ports[0].host_ip, "0.0.0.0");
	assert_string_equal(c.ports[1].host_ip, "127.0.0.1");
	assert_true(c.has_req_mac);
	assert_int_equal(c.req_mac[5], 0x0c);
	assert_non_null(c.dns);
	cni_conf_free(&c);
}

static void test_defaults_and_ranges(void **state)
{
	struct cni_conf c;
	struct berth_error err = {0};
	const char *j = "{\"cniVersion\":\"1.1.0\",\"name\":\"k8s\",\"nonMasqueradeCIDR\":\"10.244.7.0/16\","
			"\"ipam\":{\"ranges\":[[{\"subnet\":\"10.244.1.0/24\",\"gateway\":\"10.244.1.254\"}],"
			"[{\"subnet\":\"fd00:1::/64\"}]]},"
			"\"cni.dev/valid-attachments\":[{\"containerID\":\"abc\",\"ifname\":\"eth0\"}]}";
	assert_int_equal(parse(j, "IgnoreUnknown=1;K8S_POD_NAME=web;IP=10.244.1.9", &c, &err), 0);
	assert_string_equal(c.bridge, "cni0");
	assert_false(c.is_gateway);
	assert_int_equal(c.gateway, 0x0af401fe);
	assert_true(c.has_v6);
	assert_int_equal(c.subnet6.len, 64);
	assert_int_equal(c.gateway6.s6_addr[15], 1);
	assert_true(c.has_no_masq);
	assert_int_equal(c.no_masq.addr, 0x0af40000);
	assert_int_equal(c.req_ip, 0x0af40109);
	assert_true(c.has_valid);
	assert_int_equal(c.n_valid, 1);
	assert_string_equal(c.valid[0].container_id, "abc");
	cni_conf_free(&c);
}

static void test_versions(void **state)
{
	struct cni_conf c;
	struct berth_error err = {0};
	assert_int_equal(cni_version_index("0.3.1", NULL), 1);
	assert_int_equal(cni_version_index("1.1.0", NULL), CNI_V110);
	expect_error("{\"cniVersion\":\"0.2.0\",\"name\":\"x\"}", NULL, -EPROTONOSUPPORT, "0.2.0");
	expect_error("{\"name\":\"x\"}", NULL, -EPROTONOSUPPORT, "(none)");
	/* full=false reads only what DEL needs */
	const char *bad = "{\"cniVersion\":\"1.0.0\",\"name\":\"x\",\"ipam\":{\"subnet\":\"nope\"}}";
	assert_int_equal(cni_conf_parse(bad, strlen(bad), NULL, false, &c, &err), 0);
	assert_string_equal(c.name, "x");
	cni_conf_free(&c);
}

static void test_errors(void **state)
{
	expect_error("{bad", NULL, -EBADMSG, "network configuration");
	expect_error("[1]", NULL, -EBADMSG, "JSON object");
	const char *v = "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",";
	char j[512];
	struct {
		const char *rest, *args;
		int code;
		const char *needle;
	} cases[] = {
		{"\"ipam\":{\"subnet\":\"10.300.0.0/16\"}}", NULL, -EINVAL, "10.300.0.0/16"},
		{"\"ipam\":{\"subnet\":\"10.0.0.0/31\"}}", NULL, -EINVAL, "too small"},
		{"\"ipam\":{\"type\":\"dhcp\",\"subnet\":\"10.0.0.0/24\"}}", NULL, -EOPNOTSUPP, "dhcp"},
		{"\"ipam\":{}}", NULL, -EINVAL, "no IPv4 subnet"},
		{"\"bridge\":\"waytoolongbridgename\",\"ipam\":{\"subnet\":\"10.0.0.0/24\"}}", NULL, -EINVAL, "waytoolong"},
		{"\"vlan\":5,\"ipam\":{\"subnet\":\"10.0.0.0/24\"}}", NULL, -EOPNOTSUPP, "vlan"},
		{"\"ipam\":{\"subnet\":\"10.0.0.0/24\",\"rangeStart\":\"10.0.1.5\"}}", NULL, -EINVAL, "10.0.1.5"},
		{"\"ipam\":{\"subnet\":\"10.0.0.0/24\",\"rangeStart\":\"10.0.0.9\",\"rangeEnd\":\"10.0.0.5\"}}", NULL, -EINVAL, "after rangeEnd"},
		{"\"ipam\":{\"subnet\":\"fd00::/96\"}}", NULL, -EINVAL, "/80"},
		{"\"ipam\":{\"subnet\":\"10.0.0.0/24\"},\"runtimeConfig\":{\"portMappings\":[{\"hostPort\":0,\"containerPort\":80}]}}", NULL, -EINVAL, "1-65535"},
		{"\"ipam\":{\"subnet\":\"10.0.0.0/24\"},\"runtimeConfig\":{\"portMappings\":[{\"hostPort\":1,\"containerPort\":80,\"protocol\":\"icmp\"}]}}", NULL, -EINVAL, "icmp"},
		{"\"ipam\":{\"subnet\":\"10.0.0.0/24\"}}", "K8S_POD_NAME=x", -ENXIO, "K8S_POD_NAME"},
		{"\"ipam\":{\"subnet\":\"10.0.0.0/24\"}}", "IP=10.0.0.999", -ENXIO, "10.0.0.999"},
		{"\"ipam\":{\"subnet\":\"10.0.0.0/24\"}}", "MAC=01:00:00:00:00:01", -ENXIO, "01:00:00:00:00:01"},
		{"\"ipam\":{\"subnet\":\"10.0.0.0/24\"}}", "justakey", -ENXIO, "justakey"},
		{"\"nonMasqueradeCIDR\":\"cluster\",\"ipam\":{\"subnet\":\"10.0.0.0/24\"}}", NULL, -EINVAL, "cluster"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(j, sizeof(j), "%s%s", v, cases[i].rest);
		expect_error(j, cases[i].args, cases[i].code, cases[i].needle);
	}
	expect_error("{\"cniVersion\":\"1.0.0\",\"name\":\"a b\",\"ipam\":{\"subnet\":\"10.0.0.0/24\"}}", NULL, -EINVAL, "a b");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bridge_plugin_shape),
		cmocka_unit_test(test_defaults_and_ranges),
		cmocka_unit_test(test_versions),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
