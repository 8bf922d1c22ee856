/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for ports.c: Docker's -p syntax (port_spec_parse) and protocol names. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ports.h"
#include "util.h"

static void assert_contains(const char *hay, const char *needle)
{
	if (!strstr(hay, needle)) {
		print_error("message \"%s\" does not contain \"%s\"\n", hay, needle);
		fail();
	}
}

/* ---- protocol names ---- */

static void test_proto(void **state)
{
	assert_int_equal(port_proto_parse("tcp"), IPPROTO_TCP);
	assert_int_equal(port_proto_parse("udp"), IPPROTO_UDP);
	assert_int_equal(port_proto_parse("sctp"), IPPROTO_SCTP);
	assert_int_equal(port_proto_parse(""), -1);
	assert_int_equal(port_proto_parse("xyz"), -1);
	assert_int_equal(port_proto_parse("tcp "), -1);
	assert_int_equal(port_proto_parse("icmp"), -1);
	assert_string_equal(port_proto_name(IPPROTO_TCP), "tcp");
	assert_string_equal(port_proto_name(IPPROTO_UDP), "udp");
	assert_string_equal(port_proto_name(IPPROTO_SCTP), "sctp");
	/* round trip */
	static const char *const names[] = { "tcp", "udp", "sctp" };
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		assert_string_equal(port_proto_name((uint8_t)port_proto_parse(names[i])), names[i]);
}

/* ---- good specs ---- */

struct good {
	const char *s;
	int family;          /* AF_UNSPEC, AF_INET, AF_INET6 */
	const char *ip;      /* when family != AF_UNSPEC */
	uint16_t host_lo, host_hi;
	uint16_t ctr_lo, ctr_hi;
	uint8_t proto;
};

static void check_good(const struct good *g)
{
	struct berth_error err = { 0 };
	struct port_spec p;

	memset(&p, 0xa5, sizeof(p));
	int r = port_spec_parse(g->s, &p, &err);
	if (r != 0) {
		print_error("\"%s\": %d %s\n", g->s, r, err.msg);
		fail();
	}
	assert_string_equal(err.msg, "");
	if (p.family != g->family || p.host_lo != g->host_lo || p.host_hi != g->host_hi ||
	    p.ctr_lo != g->ctr_lo || p.ctr_hi != g->ctr_hi || p.proto != g->proto) {
		print_error("\"%s\": family %d host %u-%u ctr %u-%u proto %u\n", g->s, p.family,
			    p.host_lo, p.host_hi, p.ctr_lo, p.ctr_hi, p.proto);
		fail();
	}
	assert_int_equal(p.host_ip_set, g->family != AF_UNSPEC);
	if (g->family == AF_INET) {
		struct in_addr want;
		assert_int_equal(inet_pton(AF_INET, g->ip, &want), 1);
		assert_memory_equal(&p.host_ip.v4, &want, sizeof(want));
	} else if (g->family == AF_INET6) {
		struct in6_addr want;
		assert_int_equal(inet_pton(AF_INET6, g->ip, &want), 1);
		assert_memory_equal(&p.host_ip.v6, &want, sizeof(want));
	}
}

#define TCP IPPROTO_TCP
#define UDP IPPROTO_UDP
#define SCTP IPPROTO_SCTP

static void test_docker_forms(void **state)
{
	static const struct good cases[] = {
		/* containerPort: a random host port */
		{ "80", AF_UNSPEC, NULL, 0, 0, 80, 80, TCP },
		/* hostPort:containerPort */
		{ "8080:80", AF_UNSPEC, NULL, 8080, 8080, 80, 80, TCP },
		{ "80:80", AF_UNSPEC, NULL, 80, 80, 80, 80, TCP },
		/* ":containerPort": no host port given */
		{ ":80", AF_UNSPEC, NULL, 0, 0, 80, 80, TCP },
		/* ip:hostPort:containerPort */
		{ "127.0.0.1:8080:80", AF_INET, "127.0.0.1", 8080, 8080, 80, 80, TCP },
		{ "198.51.100.1:7070:80", AF_INET, "198.51.100.1", 7070, 7070, 80, 80, TCP },
		{ "0.0.0.0:80:80", AF_INET, "0.0.0.0", 80, 80, 80, 80, TCP },
		/* ip::containerPort */
		{ "127.0.0.1::80", AF_INET, "127.0.0.1", 0, 0, 80, 80, TCP },
		{ "10.1.2.3::5000/udp", AF_INET, "10.1.2.3", 0, 0, 5000, 5000, UDP },
		/* IPv6 in brackets */
		{ "[::1]:8080:80", AF_INET6, "::1", 8080, 8080, 80, 80, TCP },
		{ "[::]:8080:80", AF_INET6, "::", 8080, 8080, 80, 80, TCP },
		{ "[2001:db8::1]:443:8443", AF_INET6, "2001:db8::1", 443, 443, 8443, 8443, TCP },
		{ "[2001:db8::1]::80", AF_INET6, "2001:db8::1", 0, 0, 80, 80, TCP },
		{ "[::ffff:1.2.3.4]:1:2", AF_INET6, "::ffff:1.2.3.4", 1, 1, 2, 2, TCP },
		{ "[fe80::1:2:3:4]:53:53/udp", AF_INET6, "fe80::1:2:3:4", 53, 53, 53, 53, UDP },
		/* protocols */
		{ "80/tcp", AF_UNSPEC, NULL, 0, 0, 80, 80, TCP },
		{ "53/udp", AF_UNSPEC, NULL, 0, 0, 53, 53, UDP },
		{ "5353:53/udp", AF_UNSPEC, NULL, 5353, 5353, 53, 53, UDP },
		{ "9999:99/sctp", AF_UNSPEC, NULL, 9999, 9999, 99, 99, SCTP },
		{ "127.0.0.1:53:53/udp", AF_INET, "127.0.0.1", 53, 53, 53, 53, UDP },
		{ "[::1]:36412:36412/sctp", AF_INET6, "::1", 36412, 36412, 36412, 36412, SCTP },
		/* limits */
		{ "1", AF_UNSPEC, NULL, 0, 0, 1, 1, TCP },
		{ "65535", AF_UNSPEC, NULL, 0, 0, 65535, 65535, TCP },
		{ "65535:65535", AF_UNSPEC, NULL, 65535, 65535, 65535, 65535, TCP },
		{ "1:65535", AF_UNSPEC, NULL, 1, 1, 65535, 65535, TCP },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		check_good(&cases[i]);
}

static void test_ranges(void **state)
{
	static const struct good cases[] = {
		/* same-size ranges: host port i for container port i */
		{ "8000-8002:8000-8002", AF_UNSPEC, NULL, 8000, 8002, 8000, 8002, TCP },
		{ "8000-8099:9000-9099", AF_UNSPEC, NULL, 8000, 8099, 9000, 9099, TCP },
		{ "127.0.0.1:8000-8001:80-81/udp", AF_INET, "127.0.0.1", 8000, 8001, 80, 81, UDP },
		{ "[::1]:8000-8001:80-81", AF_INET6, "::1", 8000, 8001, 80, 81, TCP },
		/* a host range for one container port: one host port from the range */
		{ "9000-9005:80", AF_UNSPEC, NULL, 9000, 9005, 80, 80, TCP },
		{ "1.2.3.4:9000-9005:80/udp", AF_INET, "1.2.3.4", 9000, 9005, 80, 80, UDP },
		/* a container range alone: random host ports */
		{ "8000-8010", AF_UNSPEC, NULL, 0, 0, 8000, 8010, TCP },
		{ "127.0.0.1::8000-8001", AF_INET, "127.0.0.1", 0, 0, 8000, 8001, TCP },
		/* a range of one */
		{ "80-80", AF_UNSPEC, NULL, 0, 0, 80, 80, TCP },
		{ "8080-8080:80-80", AF_UNSPEC, NULL, 8080, 8080, 80, 80, TCP },
		/* the whole port space */
		{ "1-65535", AF_UNSPEC, NULL, 0, 0, 1, 65535, TCP },
		{ "1-65535:1-65535/udp", AF_UNSPEC, NULL, 1, 65535, 1, 65535, UDP },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		check_good(&cases[i]);
}

/* ---- bad specs ---- */

static void check_bad(const char *s, const char *why)
{
	struct berth_error err = { 0 };
	struct port_spec p, before;
	char quoted[300];

	memset(&p, 0x5a, sizeof(p));
	before = p;
	int r = port_spec_parse(s, &p, &err);
	if (r != -EINVAL) {
		print_error("\"%s\" should fail with -EINVAL, got %d (%s)\n", s, r, err.msg);
		fail();
	}
	assert_int_equal(err.code, -EINVAL);
	/* the spec is named, in quotes */
	snprintf(quoted, sizeof(quoted), "\"%s\"", s);
	assert_contains(err.msg, quoted);
	if (why)
		assert_contains(err.msg, why);
	/* out is untouched on error */
	assert_memory_equal(&p, &before, sizeof(p));
	/* a NULL err is allowed */
	assert_int_equal(port_spec_parse(s, &p, NULL), -EINVAL);
}

static void test_bad_ports(void **state)
{
	static const struct {
		const char *s, *why;
	} cases[] = {
		{ "", "container port" },
		{ "abc", "container port" },
		{ "80a", "container port" },
		{ "0", "container port" },
		{ "65536", "container port" },
		{ "99999", "container port" },
		{ "123456", "container port" },
		{ "99999:80", "host port" },
		{ "65536:80", "host port" },
		{ "0:80", "host port" },
		{ "80:0", "container port" },
		{ "80:99999", "container port" },
		{ "abc:80", "host port" },
		{ "80:abc", "container port" },
		{ "-80", "container port" },
		{ "80-", "container port" },
		{ "80-70", "container port" },
		{ "1-2-3", "container port" },
		{ "8000-:80", "host port" },
		{ "9000-8000:80", "host port" },
		{ " 80", NULL },
		{ "80 ", NULL },
		{ "+80", NULL },
		{ "0x50", NULL },
		{ "80:", "container port" },
		{ "127.0.0.1:80", "host port" }, /* ip:port is not a form: the ip is read as a host port */
		{ "127.0.0.1:", NULL },
		{ "127.0.0.1::", "container port" },
		{ "127.0.0.1:8080:", "container port" },
		{ "127.0.0.1:99999:80", "host port" },
		{ "80/tcp/udp", NULL },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		check_bad(cases[i].s, cases[i].why);
}

static void test_bad_ranges(void **state)
{
	/* Docker: host and container ranges must have the same size, unless the
	 * container side is one port */
	check_bad("8000-8001:80-82", "same size");
	check_bad("8000-8002:80-81", "same size");
	check_bad("8080:80-81", "same size");
	check_bad("1.2.3.4:8000-8001:80-82/udp", "same size");
}

static void test_bad_addresses(void **state)
{
	static const struct {
		const char *s, *why;
	} cases[] = {
		{ "1.2.3:80:80", "IPv4" },
		{ "256.1.1.1:80:80", "IPv4" },
		{ "1.2.3.4.5:80:80", "IPv4" },
		{ "localhost:80:80", "IPv4" },
		{ "a.b.c.d:80:80", "IPv4" },
		{ ":80:80", "IPv4" },
		{ "[::1]8080:80", "[IPv6]" },
		{ "[::1]", "[IPv6]" },
		{ "[::1", "[IPv6]" },
		{ "[]:80:80", "IPv6" },
		{ "[1.2.3.4]:80:80", "IPv6" },
		{ "[::g]:80:80", "IPv6" },
		{ "80:80:80:80", "brackets" },
		{ "a:b:c:d", "brackets" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		check_bad(cases[i].s, cases[i].why);
}

/* "[ip]:port" is no Docker form (Docker: "invalid IP address"), just as
 * "127.0.0.1:80" is refused: the address must be followed by hostPort:containerPort
 * or by "::containerPort". */
static void test_bad_ipv6_without_host_port(void **state)
{
	check_bad("[::1]:80", NULL);
	check_bad("[2001:db8::1]:8080", NULL);
}

static void test_bad_protocols(void **state)
{
	static const char *const cases[] = {
		"80/xyz", "80/", "8080:80/icmp", "127.0.0.1:53:53/dns", "80/tcp ",
		"[::1]:80:80/ip",
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		check_bad(cases[i], "tcp, udp or sctp");
	/* the message names the protocol too */
	struct berth_error err = { 0 };
	struct port_spec p;
	assert_int_equal(port_spec_parse("80/xyz", &p, &err), -EINVAL);
	assert_contains(err.msg, "\"xyz\"");
}

static void test_long_spec(void **state)
{
	char big[600];
	struct berth_error err = { 0 };
	struct port_spec p;

	memset(big, '8', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(port_spec_parse(big, &p, &err), -EINVAL);
	assert_int_equal(err.code, -EINVAL);
	assert_contains(err.msg, "invalid port mapping \"8888");
	/* long but legal-looking: an IPv6 address and both ports */
	assert_int_equal(port_spec_parse("[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255]:65535:65535/sctp",
					 &p, &err), 0);
	assert_int_equal(p.family, AF_INET6);
	assert_int_equal(p.proto, IPPROTO_SCTP);
	assert_int_equal(p.host_lo, 65535);
}

/* The result does not depend on what was in *out before. */
static void test_out_reset(void **state)
{
	struct port_spec p;
	memset(&p, 0xff, sizeof(p));
	assert_int_equal(port_spec_parse("80", &p, NULL), 0);
	assert_int_equal(p.family, AF_UNSPEC);
	assert_false(p.host_ip_set);
	assert_int_equal(p.host_lo, 0);
	assert_int_equal(p.host_hi, 0);
	assert_int_equal(p.proto, IPPROTO_TCP);
	memset(&p, 0xff, sizeof(p));
	assert_int_equal(port_spec_parse("8080:80/udp", &p, NULL), 0);
	assert_false(p.host_ip_set);
	assert_int_equal(p.family, AF_UNSPEC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_proto),
		cmocka_unit_test(test_docker_forms),
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_bad_ports),
		cmocka_unit_test(test_bad_ranges),
		cmocka_unit_test(test_bad_addresses),
		cmocka_unit_test(test_bad_ipv6_without_host_port),
		cmocka_unit_test(test_bad_protocols),
		cmocka_unit_test(test_long_spec),
		cmocka_unit_test(test_out_reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
