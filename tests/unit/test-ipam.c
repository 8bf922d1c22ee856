/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for ipam.c: parsing, formatting, MAC/IPv6 derivation, pools. */
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

#include "ipam.h"
#include "util.h"

#define IP4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

static void assert_contains(const char *hay, const char *needle)
{
	if (!strstr(hay, needle)) {
		print_error("message \"%s\" does not contain \"%s\"\n", hay, needle);
		fail();
	}
}

/* ---- IPv4 addresses ---- */

static void test_parse_ip4_good(void **state)
{
	static const struct {
		const char *s;
		uint32_t want;
	} cases[] = {
		{ "0.0.0.0", 0 },
		{ "255.255.255.255", 0xffffffffu },
		{ "172.17.0.1", IP4(172, 17, 0, 1) },
		{ "10.0.0.0", IP4(10, 0, 0, 0) },
		{ "1.2.3.4", IP4(1, 2, 3, 4) },
		{ "192.168.100.200", IP4(192, 168, 100, 200) },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct berth_error err = { 0 };
		uint32_t ip = 0;

		assert_int_equal(ipam_parse_ip4(cases[i].s, &ip, &err), 0);
		assert_int_equal(ip, cases[i].want);
		assert_string_equal(err.msg, "");
	}
}

static void test_parse_ip4_bad(void **state)
{
	static const char *const cases[] = {
		"", " ", "1.2.3", "1.2.3.4.5", "256.0.0.1", "1.2.3.-1", "01.2.3.4",
		"1.2.3.4 ", " 1.2.3.4", "1.2.3.4\n", "1.2.3.4/24", "0x1.2.3.4",
		"a.b.c.d", "1..2.3", "1.2.3.", ".1.2.3", "::1", "1.2.3.4x",
		"1.2.3.4.", "+1.2.3.4", "4294967295", "1.2.3.04",
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct berth_error err = { 0 };
		char want[128];
		uint32_t ip = 0x12345678;

		assert_int_equal(ipam_parse_ip4(cases[i], &ip, &err), -EINVAL);
		assert_int_equal(err.code, -EINVAL);
		assert_int_equal(ip, 0x12345678); /* untouched on error */
		assert_contains(err.msg, "invalid IPv4 address");
		assert_contains(err.msg, "like 172.17.0.1");
		/* the value is named (control characters escaped) */
		if (!strchr(cases[i], '\n')) {
			snprintf(want, sizeof(want), "\"%s\"", cases[i]);
			assert_contains(err.msg, want);
		}
	}
	struct berth_error err = { 0 };
	uint32_t ip;
	assert_int_equal(ipam_parse_ip4("1.2.3.4\n", &ip, &err), -EINVAL);
	assert_contains(err.msg, "\"1.2.3.4\\x0a\"");
	/* NULL err is allowed everywhere */
	assert_int_equal(ipam_parse_ip4("x", &ip, NULL), -EINVAL);
	assert_int_equal(ipam_parse_ip4(NULL, &ip, NULL), -EINVAL);
}

static void test_error_value_truncated(void **state)
{
	char big[2000];
	struct berth_error err = { 0 };
	uint32_t ip;

	memset(big, '9', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(ipam_parse_ip4(big, &ip, &err), -EINVAL);
	assert_contains(err.msg, "...\"");
	assert_true(strlen(err.msg) < 300);
}

/* ---- IPv4 CIDRs ---- */

static void test_parse_cidr4_good(void **state)
{
	static const struct {
		const char *s;
		uint32_t addr;
		uint8_t len;
	} cases[] = {
		{ "0.0.0.0/0", 0, 0 },
		{ "10.0.0.0/8", IP4(10, 0, 0, 0), 8 },
		{ "172.17.0.1/16", IP4(172, 17, 0, 1), 16 }, /* host bits kept */
		{ "192.168.5.1/24", IP4(192, 168, 5, 1), 24 },
		{ "10.0.0.5/32", IP4(10, 0, 0, 5), 32 },
		{ "10.0.0.4/31", IP4(10, 0, 0, 4), 31 },
		{ "255.255.255.255/32", 0xffffffffu, 32 },
		{ "1.2.3.4/0", IP4(1, 2, 3, 4), 0 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct berth_error err = { 0 };
		struct cidr4 c = { 0 };

		assert_int_equal(ipam_parse_cidr4(cases[i].s, &c, &err), 0);
		assert_int_equal(c.addr, cases[i].addr);
		assert_int_equal(c.len, cases[i].len);
	}
}

static void test_parse_cidr4_bad(void **state)
{
	static const struct {
		const char *s;
		const char *msg;
	} cases[] = {
		{ "10.0.0.0/33", "invalid CIDR \"10.0.0.0/33\": prefix length must be 0-32" },
		{ "10.0.0.0/-1", "prefix length must be 0-32" },
		{ "10.0.0.0/+8", "prefix length must be 0-32" },
		{ "10.0.0.0/ 8", "prefix length must be 0-32" },
		{ "10.0.0.0/8 ", "prefix length must be 0-32" },
		{ "10.0.0.0/8x", "prefix length must be 0-32" },
		{ "10.0.0.0/08", "prefix length must be 0-32" },
		{ "10.0.0.0/", "prefix length must be 0-32" },
		{ "10.0.0.0/8/8", "prefix length must be 0-32" },
		{ "10.0.0.0/4294967304", "prefix length must be 0-32" },
		{ "10.0.0.0/0x8", "prefix length must be 0-32" },
		{ "10.0.0.0", "missing \"/prefix-length\"" },
		{ "", "missing \"/prefix-length\"" },
		{ "/8", "the address must be four decimal numbers" },
		{ "10.0.0/8", "the address must be four decimal numbers" },
		{ "256.0.0.0/8", "the address must be four decimal numbers" },
		{ " 10.0.0.0/8", "the address must be four decimal numbers" },
		{ "::/0", "the address must be four decimal numbers" },
		{ "1234567890123456789.0.0.0/8", "the address must be four decimal numbers" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct berth_error err = { 0 };
		struct cidr4 c = { .addr = 7, .len = 7 };
		char want[128];

		assert_int_equal(ipam_parse_cidr4(cases[i].s, &c, &err), -EINVAL);
		assert_contains(err.msg, cases[i].msg);
		snprintf(want, sizeof(want), "invalid CIDR \"%s\"", cases[i].s);
		assert_contains(err.msg, want);
		assert_int_equal(c.addr, 7);
		assert_int_equal(c.len, 7);
	}
}

/* ---- IPv6 ---- */

static void test_parse_ip6(void **state)
{
	static const char *const good[] = {
		"::", "::1", "2001:db8::1", "fe80::242:acff:fe11:2",
		"2001:0db8:0000:0000:0000:0000:0000:0001", "::ffff:1.2.3.4",
		"0000:0000:0000:0000:0000:ffff:255.255.255.255",
	};
	static const char *const bad[] = {
		"", "1.2.3.4", "2001:db8::1::2", "2001:db8:::1", "fe80::1%eth0",
		"2001:db8::1 ", "12345::", "g::1", "2001:db8::/64", ":::",
	};
	struct in6_addr a, want;

	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		struct berth_error err = { 0 };

		assert_int_equal(ipam_parse_ip6(good[i], &a, &err), 0);
		assert_int_equal(inet_pton(AF_INET6, good[i], &want), 1);
		assert_memory_equal(&a, &want, sizeof(a));
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct berth_error err = { 0 };
		char q[64];

		assert_int_equal(ipam_parse_ip6(bad[i], &a, &err), -EINVAL);
		snprintf(q, sizeof(q), "invalid IPv6 address \"%s\"", bad[i]);
		assert_contains(err.msg, q);
		assert_contains(err.msg, "2001:db8::1");
	}
}

static void test_parse_cidr6(void **state)
{
	static const struct {
		const char *s;
		const char *addr;
		uint8_t len;
	} good[] = {
		{ "::/0", "::", 0 },
		{ "2001:db8:1::/64", "2001:db8:1::", 64 },
		{ "2001:db8::1/128", "2001:db8::1", 128 },
		{ "fd00::/8", "fd00::", 8 },
		{ "2001:db8::5/80", "2001:db8::5", 80 },
	};
	static const struct {
		const char *s;
		const char *msg;
	} bad[] = {
		{ "2001:db8::/129", "prefix length must be 0-128" },
		{ "2001:db8::/064", "prefix length must be 0-128" },
		{ "2001:db8::/64 ", "prefix length must be 0-128" },
		{ "2001:db8::/", "prefix length must be 0-128" },
		{ "2001:db8::/-64", "prefix length must be 0-128" },
		{ "2001:db8::", "missing \"/prefix-length\"" },
		{ "10.0.0.0/8", "the address is not IPv6" },
		{ "/64", "the address is not IPv6" },
		{ "2001:db8::1::/64", "the address is not IPv6" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		struct berth_error err = { 0 };
		struct cidr6 c;
		struct in6_addr want;

		assert_int_equal(ipam_parse_cidr6(good[i].s, &c, &err), 0);
		assert_int_equal(inet_pton(AF_INET6, good[i].addr, &want), 1);
		assert_memory_equal(&c.addr, &want, sizeof(want));
		assert_int_equal(c.len, good[i].len);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct berth_error err = { 0 };
		struct cidr6 c;
		char q[64];

		assert_int_equal(ipam_parse_cidr6(bad[i].s, &c, &err), -EINVAL);
		assert_contains(err.msg, bad[i].msg);
		snprintf(q, sizeof(q), "\"%s\"", bad[i].s);
		assert_contains(err.msg, q);
	}
}

/* ---- cidr helpers and formatting ---- */

static struct cidr4 C4(const char *s)
{
	struct cidr4 c;

	assert_int_equal(ipam_parse_cidr4(s, &c, NULL), 0);
	return c;
}

static struct cidr6 C6(const char *s)
{
	struct cidr6 c;

	assert_int_equal(ipam_parse_cidr6(s, &c, NULL), 0);
	return c;
}

static void test_cidr4_helpers(void **state)
{
	struct cidr4 c = C4("172.17.0.1/16");
	char b[19], ip[16];

	assert_int_equal(cidr4_mask(0), 0);
	assert_int_equal(cidr4_mask(1), 0x80000000u);
	assert_int_equal(cidr4_mask(16), 0xffff0000u);
	assert_int_equal(cidr4_mask(32), 0xffffffffu);
	assert_int_equal(cidr4_network(c), IP4(172, 17, 0, 0));
	assert_int_equal(cidr4_broadcast(c), IP4(172, 17, 255, 255));
	assert_true(cidr4_contains(c, IP4(172, 17, 200, 3)));
	assert_false(cidr4_contains(c, IP4(172, 18, 0, 1)));
	assert_true(cidr4_contains(C4("0.0.0.0/0"), IP4(8, 8, 8, 8)));
	assert_true(cidr4_contains(C4("10.0.0.5/32"), IP4(10, 0, 0, 5)));
	assert_false(cidr4_contains(C4("10.0.0.5/32"), IP4(10, 0, 0, 4)));

	assert_string_equal(cidr4_str(c, b), "172.17.0.0/16");
	assert_string_equal(cidr4_str(C4("255.255.255.255/32"), b), "255.255.255.255/32");
	assert_string_equal(cidr4_str(C4("1.2.3.4/0"), b), "0.0.0.0/0");
	assert_string_equal(ip4_str(IP4(172, 17, 0, 1), ip), "172.17.0.1");
	assert_string_equal(ip4_str(0, ip), "0.0.0.0");
	assert_string_equal(ip4_str(0xffffffffu, ip), "255.255.255.255");
}

static void test_cidr4_overlaps(void **state)
{
	static const struct {
		const char *a, *b;
		bool want;
	} cases[] = {
		{ "10.0.0.0/8", "10.1.0.0/16", true },
		{ "10.1.0.0/16", "10.0.0.0/8", true },
		{ "10.0.0.0/8", "11.0.0.0/8", false },
		{ "172.17.0.0/16", "172.18.0.0/16", false },
		{ "172.17.0.1/16", "172.17.255.0/24", true },
		{ "0.0.0.0/0", "192.168.1.1/32", true },
		{ "192.168.1.1/32", "192.168.1.2/32", false },
		{ "192.168.1.0/25", "192.168.1.128/25", false },
		{ "192.168.1.0/24", "192.168.1.128/25", true },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		assert_int_equal(cidr4_overlaps(C4(cases[i].a), C4(cases[i].b)),
				 cases[i].want);
}

static void test_cidr6_contains(void **state)
{
	static const struct {
		const char *c, *ip;
		bool want;
	} cases[] = {
		{ "2001:db8:1::/64", "2001:db8:1::242:ac11:2", true },
		{ "2001:db8:1::/64", "2001:db8:2::1", false },
		{ "::/0", "fe80::1", true },
		{ "2001:db8::1/128", "2001:db8::1", true },
		{ "2001:db8::1/128", "2001:db8::2", false },
		{ "2001:db8:ff00::/40", "2001:db8:ffff::1", true },
		{ "2001:db8:ff00::/40", "2001:db8:fe00::1", false },
		{ "2001:db8::/33", "2001:db8:7fff::1", true },
		{ "2001:db8::/33", "2001:db8:8000::1", false },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct in6_addr a;

		assert_int_equal(inet_pton(AF_INET6, cases[i].ip, &a), 1);
		assert_int_equal(cidr6_contains(C6(cases[i].c), &a), cases[i].want);
	}
}

/* ---- MAC ---- */

static void test_mac_from_ip4(void **state)
{
	uint8_t mac[6];
	char b[18];

	ipam_mac_from_ip4(IP4(172, 17, 0, 6), mac);
	assert_string_equal(mac_str(mac, b), "02:42:ac:11:00:06");
	ipam_mac_from_ip4(IP4(172, 17, 0, 2), mac);
	assert_string_equal(mac_str(mac, b), "02:42:ac:11:00:02");
	ipam_mac_from_ip4(IP4(255, 255, 255, 255), mac);
	assert_string_equal(mac_str(mac, b), "02:42:ff:ff:ff:ff");
	ipam_mac_from_ip4(0, mac);
	assert_string_equal(mac_str(mac, b), "02:42:00:00:00:00");
}

static void test_parse_mac(void **state)
{
	static const struct {
		const char *s;
		uint8_t want[6];
	} good[] = {
		{ "02:42:ac:11:00:02", { 0x02, 0x42, 0xac, 0x11, 0x00, 0x02 } },
		{ "02:42:AC:11:00:02", { 0x02, 0x42, 0xac, 0x11, 0x00, 0x02 } },
		{ "fe:ff:ff:ff:ff:ff", { 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff } },
		{ "00:00:00:00:00:01", { 0, 0, 0, 0, 0, 1 } },
	};
	static const struct {
		const char *s;
		const char *msg;
	} bad[] = {
		{ "zz:42:ac:11:00:02", "want six hex bytes like 02:42:ac:11:00:02" },
		{ "", "want six hex bytes" },
		{ "02:42:ac:11:00", "want six hex bytes" },
		{ "02:42:ac:11:00:02:03", "want six hex bytes" },
		{ "02:42:ac:11:00:2", "want six hex bytes" },
		{ "2:42:ac:11:00:02", "want six hex bytes" },
		{ "02-42-ac-11-00-02", "want six hex bytes" },
		{ "0242.ac11.0002", "want six hex bytes" },
		{ "02:42:ac:11:00:02 ", "want six hex bytes" },
		{ " 02:42:ac:11:00:02", "want six hex bytes" },
		{ "02:42:ac:11:00:0g", "want six hex bytes" },
		{ "02:42:ac:11:00:+2", "want six hex bytes" },
		{ "02:42:ac:11:00::2", "want six hex bytes" },
		{ "01:00:5e:00:00:01", "multicast" },
		{ "ff:ff:ff:ff:ff:ff", "multicast" },
		{ "03:42:ac:11:00:02", "multicast" },
		{ "00:00:00:00:00:00", "all zeros" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		uint8_t mac[6];
		struct berth_error err = { 0 };

		assert_int_equal(ipam_parse_mac(good[i].s, mac, &err), 0);
		assert_memory_equal(mac, good[i].want, 6);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		uint8_t mac[6] = { 9, 9, 9, 9, 9, 9 }, untouched[6] = { 9, 9, 9, 9, 9, 9 };
		struct berth_error err = { 0 };
		char q[64];

		assert_int_equal(ipam_parse_mac(bad[i].s, mac, &err), -EINVAL);
		assert_contains(err.msg, bad[i].msg);
		snprintf(q, sizeof(q), "invalid MAC address \"%s\"", bad[i].s);
		assert_contains(err.msg, q);
		assert_memory_equal(mac, untouched, 6);
	}
}

/* ---- IPv6 from MAC ---- */

static void test_ip6_from_mac(void **state)
{
	static const struct {
		const char *prefix, *mac, *want;
	} cases[] = {
		{ "2001:db8:1::/64", "02:42:ac:11:00:02", "2001:db8:1::242:ac11:2" },
		{ "2001:db8:1::/80", "02:42:ac:11:00:02", "2001:db8:1::242:ac11:2" },
		{ "2001:db8:1:0:ffff::/80", "02:42:ac:11:00:02", "2001:db8:1:0:ffff:242:ac11:2" },
		/* host bits of the prefix are cleared */
		{ "2001:db8:1::dead:beef/64", "02:42:ac:11:00:02", "2001:db8:1::242:ac11:2" },
		{ "2001:db8:1:ff::/56", "02:42:0a:00:00:01", "2001:db8:1::242:a00:1" },
		{ "::/0", "02:42:ac:11:00:06", "::242:ac11:6" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct cidr6 p = C6(cases[i].prefix);
		struct in6_addr out, want;
		uint8_t mac[6];
		char s[INET6_ADDRSTRLEN];

		assert_int_equal(ipam_parse_mac(cases[i].mac, mac, NULL), 0);
		assert_int_equal(ipam_ip6_from_mac(&p, mac, &out), 0);
		assert_int_equal(inet_pton(AF_INET6, cases[i].want, &want), 1);
		inet_ntop(AF_INET6, &out, s, sizeof(s));
		assert_string_equal(s, cases[i].want);
		assert_memory_equal(&out, &want, sizeof(want));
	}

	struct cidr6 p = C6("2001:db8::/96");
	struct in6_addr out;
	uint8_t mac[6] = { 2, 0x42, 0xac, 0x11, 0, 2 };
	assert_int_equal(ipam_ip6_from_mac(&p, mac, &out), -EINVAL);
	p = C6("2001:db8::/81");
	assert_int_equal(ipam_ip6_from_mac(&p, mac, &out), -EINVAL);
}

/* ---- ipam_check ---- */

static struct ipam_pool pool(const char *subnet, const char *range, const char *gw)
{
	struct ipam_pool p = { .subnet = C4(subnet), .range = C4(range ? range : subnet) };

	assert_int_equal(ipam_parse_ip4(gw, &p.gateway, NULL), 0);
	return p;
}

static void test_check(void **state)
{
	static const struct {
		const char *subnet, *range, *gw, *ip;
		const char *msg; /* NULL: valid */
	} cases[] = {
		{ "172.17.0.0/16", NULL, "172.17.0.1", "172.17.0.2", NULL },
		{ "172.17.0.0/16", NULL, "172.17.0.1", "172.17.255.254", NULL },
		{ "172.17.0.0/16", NULL, "172.17.0.1", "10.1.0.5",
		  "address 10.1.0.5 is outside the pool 172.17.0.0/16" },
		{ "172.17.0.0/16", NULL, "172.17.0.1", "172.17.0.1",
		  "address 172.17.0.1 is the gateway" },
		{ "172.17.0.0/16", NULL, "172.17.0.1", "172.17.0.0",
		  "address 172.17.0.0 is the network address" },
		{ "172.17.0.0/16", NULL, "172.17.0.1", "172.17.255.255",
		  "address 172.17.255.255 is the broadcast address" },
		/* a fixed range: its own first/last addresses are fine */
		{ "172.17.0.0/16", "172.17.5.0/24", "172.17.0.1", "172.17.5.0", NULL },
		{ "172.17.0.0/16", "172.17.5.0/24", "172.17.0.1", "172.17.5.255", NULL },
		{ "172.17.0.0/16", "172.17.5.0/24", "172.17.0.1", "172.17.6.1",
		  "address 172.17.6.1 is outside the pool 172.17.5.0/24" },
		{ "172.17.0.0/16", "172.17.0.0/24", "172.17.0.1", "172.17.0.0",
		  "is the network address" },
		{ "172.17.0.0/16", "172.17.255.0/24", "172.17.0.1", "172.17.255.255",
		  "is the broadcast address" },
		/* /30: two usable, one is the gateway */
		{ "10.0.0.0/30", NULL, "10.0.0.1", "10.0.0.2", NULL },
		{ "10.0.0.0/30", NULL, "10.0.0.1", "10.0.0.3", "broadcast" },
		/* /31 and /32: everything usable except the gateway */
		{ "10.0.0.0/31", NULL, "10.0.0.1", "10.0.0.0", NULL },
		{ "10.0.0.0/31", NULL, "10.0.0.0", "10.0.0.1", NULL },
		{ "10.0.0.0/31", NULL, "10.0.0.0", "10.0.0.0", "is the gateway" },
		{ "10.0.0.0/31", NULL, "10.0.0.0", "10.0.0.2", "outside the pool 10.0.0.0/31" },
		{ "10.0.0.5/32", NULL, "10.0.0.1", "10.0.0.5", NULL },
		{ "10.0.0.5/32", NULL, "10.0.0.5", "10.0.0.5", "is the gateway" },
		/* subnet given with host bits */
		{ "172.17.0.1/16", NULL, "172.17.0.1", "172.17.0.0", "network address" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct ipam_pool p = pool(cases[i].subnet, cases[i].range, cases[i].gw);
		struct berth_error err = { 0 };
		uint32_t ip;

		assert_int_equal(ipam_parse_ip4(cases[i].ip, &ip, NULL), 0);
		if (!cases[i].msg) {
			if (ipam_check(&p, ip, &err) != 0) {
				print_error("case %zu: %s\n", i, err.msg);
				fail();
			}
		} else {
			assert_int_equal(ipam_check(&p, ip, &err), -EINVAL);
			assert_contains(err.msg, cases[i].msg);
			assert_contains(err.msg, cases[i].ip);
		}
	}
}

/* ---- ipam_next_free ---- */

static uint32_t next(const struct ipam_pool *p, const uint32_t *used, size_t n)
{
	struct berth_error err = { 0 };
	uint32_t out = 0;
	int r = ipam_next_free(p, used, n, &out, &err);

	if (r != 0) {
		print_error("ipam_next_free: %d %s\n", r, err.msg);
		fail();
	}
	assert_int_equal(ipam_check(p, out, NULL), 0);
	return out;
}

static void test_next_free_basic(void **state)
{
	struct ipam_pool p = pool("172.17.0.0/16", NULL, "172.17.0.1");
	uint32_t used[] = { IP4(172, 17, 0, 3), IP4(172, 17, 0, 2), IP4(172, 17, 0, 5) };

	/* skips the network address and the gateway */
	assert_int_equal(next(&p, NULL, 0), IP4(172, 17, 0, 2));
	/* lowest free, used in any order */
	assert_int_equal(next(&p, used, 2), IP4(172, 17, 0, 4));
	assert_int_equal(next(&p, used, 3), IP4(172, 17, 0, 4));
	/* used entries outside the pool and duplicates are harmless */
	uint32_t odd[] = { IP4(10, 0, 0, 2), IP4(172, 17, 0, 2), IP4(172, 17, 0, 2),
			   0, 0xffffffffu, IP4(172, 17, 0, 3) };
	assert_int_equal(next(&p, odd, ARRAY_SIZE(odd)), IP4(172, 17, 0, 4));

	/* gateway not at .1 */
	p = pool("10.0.0.0/24", NULL, "10.0.0.254");
	assert_int_equal(next(&p, NULL, 0), IP4(10, 0, 0, 1));
}

static void test_next_free_range(void **state)
{
	struct ipam_pool p = pool("172.17.0.0/16", "172.17.5.0/24", "172.17.0.1");
	uint32_t used[] = { IP4(172, 17, 5, 0), IP4(172, 17, 0, 2) };

	assert_int_equal(next(&p, NULL, 0), IP4(172, 17, 5, 0));
	assert_int_equal(next(&p, used, 2), IP4(172, 17, 5, 1));

	/* range at the start of the subnet: network address and gateway skipped */
	p = pool("172.17.0.0/16", "172.17.0.0/24", "172.17.0.1");
	assert_int_equal(next(&p, NULL, 0), IP4(172, 17, 0, 2));

	/* gateway inside the range */
	p = pool("172.17.0.0/16", "172.17.9.0/24", "172.17.9.0");
	assert_int_equal(next(&p, NULL, 0), IP4(172, 17, 9, 1));

	/* range equal to a /31: both addresses of the range are usable */
	p = pool("10.0.0.0/24", "10.0.0.8/31", "10.0.0.1");
	assert_int_equal(next(&p, NULL, 0), IP4(10, 0, 0, 8));

	/* range wider than the subnet: only the subnet is used */
	p = pool("10.1.2.0/24", "10.0.0.0/8", "10.1.2.1");
	assert_int_equal(next(&p, NULL, 0), IP4(10, 1, 2, 2));

	/* an unset (zeroed) range means the subnet */
	p = pool("10.1.2.0/24", NULL, "10.1.2.1");
	p.range = (struct cidr4){ 0 };
	assert_int_equal(next(&p, NULL, 0), IP4(10, 1, 2, 2));

	/* range outside the subnet */
	struct berth_error err = { 0 };
	uint32_t out;
	p = pool("10.1.2.0/24", "10.9.0.0/24", "10.1.2.1");
	assert_int_equal(ipam_next_free(&p, NULL, 0, &out, &err), -EINVAL);
	assert_contains(err.msg, "10.9.0.0/24");
}

static void test_next_free_small(void **state)
{
	struct berth_error err = { 0 };
	uint32_t out;

	/* /31: the other address */
	struct ipam_pool p = pool("10.0.0.0/31", NULL, "10.0.0.0");
	assert_int_equal(next(&p, NULL, 0), IP4(10, 0, 0, 1));
	p = pool("10.0.0.0/31", NULL, "10.0.0.1");
	assert_int_equal(next(&p, NULL, 0), IP4(10, 0, 0, 0));

	/* /32 with the gateway elsewhere */
	p = pool("10.0.0.7/32", NULL, "10.0.0.1");
	assert_int_equal(next(&p, NULL, 0), IP4(10, 0, 0, 7));
	/* /32 that is the gateway: nothing */
	p = pool("10.0.0.7/32", NULL, "10.0.0.7");
	assert_int_equal(ipam_next_free(&p, NULL, 0, &out, &err), -ENOSPC);

	/* /30: exactly one after the gateway */
	uint32_t used[] = { IP4(10, 0, 0, 2) };
	p = pool("10.0.0.0/30", NULL, "10.0.0.1");
	assert_int_equal(next(&p, NULL, 0), IP4(10, 0, 0, 2));
	berth_err_clear(&err);
	assert_int_equal(ipam_next_free(&p, used, 1, &out, &err), -ENOSPC);
	assert_int_equal(err.code, -ENOSPC);
	assert_contains(err.msg, "10.0.0.0/30");

	/* the whole address space: skips 0.0.0.0 (network) and the gateway */
	p = pool("0.0.0.0/0", NULL, "0.0.0.1");
	assert_int_equal(next(&p, NULL, 0), IP4(0, 0, 0, 2));
	/* broadcast at the very top is not handed out */
	p = pool("255.255.255.252/30", NULL, "255.255.255.253");
	uint32_t top[] = { IP4(255, 255, 255, 254) };
	assert_int_equal(ipam_next_free(&p, top, 1, &out, NULL), -ENOSPC);
}

static void test_next_free_exhaustion(void **state)
{
	struct ipam_pool p = pool("192.168.0.0/24", NULL, "192.168.0.1");
	uint32_t used[256];
	size_t n = 0;
	struct berth_error err = { 0 };
	uint32_t out = 0;

	/* .2 .. .254 used, in reverse order */
	for (uint32_t a = 254; a >= 2; a--)
		used[n++] = IP4(192, 168, 0, a);
	assert_int_equal(ipam_next_free(&p, used, n, &out, &err), -ENOSPC);
	assert_contains(err.msg, "192.168.0.0/24");
	/* free one in the middle */
	used[100] = IP4(10, 0, 0, 1);
	assert_int_equal(next(&p, used, n), IP4(192, 168, 0, 154));
}

static void test_next_free_5000(void **state)
{
	struct ipam_pool p = pool("10.10.0.0/16", NULL, "10.10.0.1");
	size_t n = 5000;
	uint32_t *used = malloc(n * sizeof(*used));
	uint32_t base = IP4(10, 10, 0, 2);

	assert_non_null(used);
	/* addresses .2 .. 5001 in a scrambled order */
	for (size_t i = 0; i < n; i++)
		used[i] = base + (uint32_t)((i * 2654435761u) % n);
	assert_int_equal(next(&p, used, n), base + (uint32_t)n);

	/* with a hole: the hole is found */
	for (size_t i = 0; i < n; i++)
		if (used[i] == base + 3333)
			used[i] = base + (uint32_t)n;
	assert_int_equal(next(&p, used, n), base + 3333);

	/* the input is not modified */
	uint32_t *copy = malloc(n * sizeof(*copy));
	assert_non_null(copy);
	memcpy(copy, used, n * sizeof(*copy));
	(void)next(&p, used, n);
	assert_memory_equal(copy, used, n * sizeof(*copy));

	/* a /16 fully used except one: 65533 used addresses */
	size_t big = 65536;
	uint32_t *all = malloc(big * sizeof(*all));
	assert_non_null(all);
	size_t m = 0;
	for (uint32_t a = IP4(10, 10, 255, 254); a > IP4(10, 10, 0, 1); a--)
		if (a != IP4(10, 10, 200, 7))
			all[m++] = a;
	assert_int_equal(next(&p, all, m), IP4(10, 10, 200, 7));
	all[m++] = IP4(10, 10, 200, 7);
	assert_int_equal(ipam_next_free(&p, all, m, &(uint32_t){ 0 }, NULL), -ENOSPC);

	free(all);
	free(copy);
	free(used);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_ip4_good),
		cmocka_unit_test(test_parse_ip4_bad),
		cmocka_unit_test(test_error_value_truncated),
		cmocka_unit_test(test_parse_cidr4_good),
		cmocka_unit_test(test_parse_cidr4_bad),
		cmocka_unit_test(test_parse_ip6),
		cmocka_unit_test(test_parse_cidr6),
		cmocka_unit_test(test_cidr4_helpers),
		cmocka_unit_test(test_cidr4_overlaps),
		cmocka_unit_test(test_cidr6_contains),
		cmocka_unit_test(test_mac_from_ip4),
		cmocka_unit_test(test_parse_mac),
		cmocka_unit_test(test_ip6_from_mac),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_next_free_basic),
		cmocka_unit_test(test_next_free_range),
		cmocka_unit_test(test_next_free_small),
		cmocka_unit_test(test_next_free_exhaustion),
		cmocka_unit_test(test_next_free_5000),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
