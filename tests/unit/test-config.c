/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for config.c: daemon.json keys, errors, cross checks, loading. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "util.h"

#define IP4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

static void assert_contains(const char *hay, const char *needle)
{
	if (!strstr(hay, needle)) {
		print_error("message \"%s\" does not contain \"%s\"\n", hay, needle);
		fail();
	}
}

static void assert_defaults(const struct berth_config *c)
{
	assert_string_equal(c->bridge, "");
	assert_false(c->has_bip);
	assert_false(c->has_fixed_cidr);
	assert_false(c->ipv6);
	assert_false(c->has_fixed_cidr_v6);
	assert_int_equal(c->mtu, 0);
	assert_true(c->icc);
	assert_true(c->iptables);
	assert_true(c->ip_forward);
	assert_true(c->ip_masq);
	assert_true(c->userland_proxy);
	assert_int_equal(c->n_dns, 0);
	assert_false(c->has_host_binding_ipv4);
	assert_int_equal(c->firewall_backend, BERTH_FW_NFTABLES);
}

/* Parse json, which must succeed. */
static struct berth_config ok(const char *json)
{
	struct berth_config c;
	struct berth_error err = { 0 };
	int r = berth_config_parse(json, &c, &err);

	if (r != 0) {
		print_error("parse %s: %d %s\n", json, r, err.msg);
		fail();
	}
	return c;
}

static void test_defaults(void **state)
{
	struct berth_config c;

	memset(&c, 0xaa, sizeof(c));
	berth_config_defaults(&c);
	assert_defaults(&c);
	c = ok("{}");
	assert_defaults(&c);
	c = ok("  {\n}\n");
	assert_defaults(&c);
	/* like dockerd: an empty or blank file is all defaults, a BOM is skipped */
	c = ok("");
	assert_defaults(&c);
	c = ok(" \n\t\r\n");
	assert_defaults(&c);
	c = ok("\xef\xbb\xbf{\"mtu\": 1400}");
	assert_int_equal(c.mtu, 1400);
}

static void test_every_key(void **state)
{
	struct berth_config c = ok("{\n"
				   "  \"bip\": \"192.168.5.1/24\",\n"
				   "  \"fixed-cidr\": \"192.168.5.128/25\",\n"
				   "  \"fixed-cidr-v6\": \"2001:db8:1::/64\",\n"
				   "  \"ipv6\": true,\n"
				   "  \"mtu\": 1450,\n"
				   "  \"icc\": false,\n"
				   "  \"iptables\": false,\n"
				   "  \"ip-forward\": false,\n"
				   "  \"ip-masq\": false,\n"
				   "  \"userland-proxy\": false,\n"
				   "  \"dns\": [\"8.8.8.8\", \"2001:4860:4860::8888\", \"1.1.1.1\"],\n"
				   "  \"ip\": \"127.0.0.1\",\n"
				   "  \"firewall-backend\": \"iptables\"\n"
				   "}\n");
	struct in6_addr a6;

	assert_true(c.has_bip);
	assert_int_equal(c.bip.addr, IP4(192, 168, 5, 1));
	assert_int_equal(c.bip.len, 24);
	assert_true(c.has_fixed_cidr);
	assert_int_equal(c.fixed_cidr.addr, IP4(192, 168, 5, 128));
	assert_int_equal(c.fixed_cidr.len, 25);
	assert_true(c.ipv6);
	assert_true(c.has_fixed_cidr_v6);
	assert_int_equal(inet_pton(AF_INET6, "2001:db8:1::", &a6), 1);
	assert_memory_equal(&c.fixed_cidr_v6.addr, &a6, sizeof(a6));
	assert_int_equal(c.fixed_cidr_v6.len, 64);
	assert_int_equal(c.mtu, 1450);
	assert_false(c.icc);
	assert_false(c.iptables);
	assert_false(c.ip_forward);
	assert_false(c.ip_masq);
	assert_false(c.userland_proxy);
	assert_int_equal(c.n_dns, 3);
	assert_string_equal(c.dns[0], "8.8.8.8");
	assert_string_equal(c.dns[1], "2001:4860:4860::8888");
	assert_string_equal(c.dns[2], "1.1.1.1");
	assert_true(c.has_host_binding_ipv4);
	assert_int_equal(c.host_binding_ipv4, IP4(127, 0, 0, 1));
	assert_int_equal(c.firewall_backend, BERTH_FW_IPTABLES);
	assert_string_equal(c.bridge, "");
}

static void test_single_keys(void **state)
{
	struct berth_config c;

	c = ok("{\"bridge\": \"br-lan\"}");
	assert_string_equal(c.bridge, "br-lan");
	assert_false(c.has_bip);
	c = ok("{\"bridge\": \"abcdefghijklmno\"}"); /* 15: the maximum */
	assert_string_equal(c.bridge, "abcdefghijklmno");
	c = ok("{\"bridge\": \"\"}"); /* Docker's default: berth's own bridge */
	assert_string_equal(c.bridge, "");

	c = ok("{\"bip\": \"172.17.0.1/16\"}");
	assert_int_equal(c.bip.addr, IP4(172, 17, 0, 1));
	assert_int_equal(c.bip.len, 16);
	c = ok("{\"bip\": \"10.0.0.0/31\"}"); /* /31: no network address */
	assert_int_equal(c.bip.len, 31);
	c = ok("{\"bip\": \"10.0.0.7/32\"}");
	assert_int_equal(c.bip.len, 32);

	/* fixed-cidr alone; host bits are dropped like Go's ParseCIDR */
	c = ok("{\"fixed-cidr\": \"10.20.30.40/24\"}");
	assert_true(c.has_fixed_cidr);
	assert_int_equal(c.fixed_cidr.addr, IP4(10, 20, 30, 0));
	assert_int_equal(c.fixed_cidr.len, 24);
	/* fixed-cidr equal to the bip subnet */
	c = ok("{\"bip\": \"172.17.0.1/16\", \"fixed-cidr\": \"172.17.0.0/16\"}");
	assert_int_equal(c.fixed_cidr.len, 16);

	c = ok("{\"ipv6\": true, \"fixed-cidr-v6\": \"2001:db8:1:2::77/80\"}");
	struct in6_addr a6;
	assert_int_equal(inet_pton(AF_INET6, "2001:db8:1:2::", &a6), 1);
	assert_memory_equal(&c.fixed_cidr_v6.addr, &a6, sizeof(a6));
	assert_int_equal(c.fixed_cidr_v6.len, 80);
	c = ok("{\"ipv6\": true, \"fixed-cidr-v6\": \"2001:db8:1:2:3:4::/65\"}");
	assert_int_equal(inet_pton(AF_INET6, "2001:db8:1:2::", &a6), 1);
	assert_memory_equal(&c.fixed_cidr_v6.addr, &a6, sizeof(a6));
	c = ok("{\"ipv6\": true}");
	assert_true(c.ipv6);
	assert_false(c.has_fixed_cidr_v6);

	c = ok("{\"mtu\": 68}");
	assert_int_equal(c.mtu, 68);
	c = ok("{\"mtu\": 65535}");
	assert_int_equal(c.mtu, 65535);

	c = ok("{\"icc\": true, \"iptables\": true, \"ip-forward\": true, "
	       "\"ip-masq\": true, \"userland-proxy\": true}");
	assert_defaults(&c);

	c = ok("{\"dns\": []}");
	assert_int_equal(c.n_dns, 0);
	c = ok("{\"dns\": [\"2001:0db8:0000::0001\"]}"); /* stored canonical */
	assert_int_equal(c.n_dns, 1);
	assert_string_equal(c.dns[0], "2001:db8::1");
	c = ok("{\"dns\": [\"::ffff:1.2.3.4\"]}");
	assert_string_equal(c.dns[0], "::ffff:1.2.3.4");

	c = ok("{\"ip\": \"0.0.0.0\"}");
	assert_true(c.has_host_binding_ipv4);
	assert_int_equal(c.host_binding_ipv4, 0);

	c = ok("{\"firewall-backend\": \"nftables\"}");
	assert_int_equal(c.firewall_backend, BERTH_FW_NFTABLES);
	c = ok("{\"firewall-backend\": \"none\"}");
	assert_int_equal(c.firewall_backend, BERTH_FW_NONE);
}

/* Every error must name the key and the value (or what is wrong). */
static void test_errors(void **state)
{
	static const struct {
		const char *json;
		const char *msg[3];
	} cases[] = {
		/* unknown keys */
		{ "{\"foo\": 1}", { "daemon.json: unknown key \"foo\"" } },
		{ "{\"mtu\": 1500, \"Bridge\": \"x\"}", { "unknown key \"Bridge\"" } },
		{ "{\"default-address-pools\": []}", { "unknown key \"default-address-pools\"" } },
		{ "{\"a\\nb\": 1}", { "unknown key \"a\\nb\"" } },
		/* wrong types */
		{ "{\"mtu\": \"abc\"}", { "daemon.json: \"mtu\" must be an integer, got \"abc\"" } },
		{ "{\"mtu\": 1500.0}", { "\"mtu\" must be an integer, got 1500.0" } },
		{ "{\"mtu\": true}", { "\"mtu\" must be an integer, got true" } },
		{ "{\"mtu\": null}", { "\"mtu\" must be an integer, got null" } },
		{ "{\"bridge\": 1}", { "\"bridge\" must be a string, got 1" } },
		{ "{\"bip\": [\"172.17.0.1/16\"]}", { "\"bip\" must be a string, got [\"172.17.0.1/16\"]" } },
		{ "{\"fixed-cidr\": {}}", { "\"fixed-cidr\" must be a string, got {}" } },
		{ "{\"fixed-cidr-v6\": 6}", { "\"fixed-cidr-v6\" must be a string, got 6" } },
		{ "{\"ipv6\": \"true\"}", { "\"ipv6\" must be true or false, got \"true\"" } },
		{ "{\"icc\": 0}", { "\"icc\" must be true or false, got 0" } },
		{ "{\"iptables\": \"no\"}", { "\"iptables\" must be true or false, got \"no\"" } },
		{ "{\"ip-forward\": 1}", { "\"ip-forward\" must be true or false, got 1" } },
		{ "{\"ip-masq\": null}", { "\"ip-masq\" must be true or false, got null" } },
		{ "{\"userland-proxy\": \"false\"}", { "\"userland-proxy\" must be true or false, got \"false\"" } },
		{ "{\"dns\": \"8.8.8.8\"}", { "\"dns\" must be an array of IP addresses, got \"8.8.8.8\"" } },
		{ "{\"dns\": [8]}", { "\"dns\" entries must be strings, got 8" } },
		{ "{\"ip\": 0}", { "\"ip\" must be a string, got 0" } },
		{ "{\"firewall-backend\": false}", { "\"firewall-backend\" must be a string, got false" } },
		/* bad values */
		{ "{\"mtu\": 67}", { "daemon.json: invalid \"mtu\" 67: must be 68-65535" } },
		{ "{\"mtu\": 65536}", { "invalid \"mtu\" 65536: must be 68-65535" } },
		{ "{\"mtu\": 0}", { "invalid \"mtu\" 0" } },
		{ "{\"mtu\": -1500}", { "invalid \"mtu\" -1500" } },
		{ "{\"mtu\": 99999999999999}", { "invalid \"mtu\" 99999999999999" } },
		{ "{\"bridge\": \"abcdefghijklmnop\"}",
		  { "invalid \"bridge\" \"abcdefghijklmnop\"", "1-15 characters" } },
		{ "{\"bridge\": \"br/0\"}", { "invalid \"bridge\" \"br/0\"" } },
		{ "{\"bridge\": \"br:0\"}", { "invalid \"bridge\" \"br:0\"" } },
		{ "{\"bridge\": \"br 0\"}", { "invalid \"bridge\" \"br 0\"" } },
		{ "{\"bridge\": \"..\"}", { "invalid \"bridge\" \"..\"" } },
		{ "{\"bridge\": \"br\\t0\"}", { "invalid \"bridge\" \"br\\t0\"" } },
		{ "{\"bip\": \"172.17.0.1\"}",
		  { "daemon.json: \"bip\": invalid CIDR \"172.17.0.1\"", "missing \"/prefix-length\"" } },
		{ "{\"bip\": \"172.17.0.1/33\"}",
		  { "\"bip\": invalid CIDR \"172.17.0.1/33\": prefix length must be 0-32" } },
		{ "{\"bip\": \"172.17.0.0/16\"}",
		  { "invalid \"bip\" \"172.17.0.0/16\"", "172.17.0.0 is the network address",
		    "like 172.17.0.1/16" } },
		{ "{\"bip\": \"192.168.5.255/24\"}",
		  { "invalid \"bip\" \"192.168.5.255/24\"", "192.168.5.255 is the broadcast address" } },
		{ "{\"fixed-cidr\": \"10.0.0.0/40\"}",
		  { "\"fixed-cidr\": invalid CIDR \"10.0.0.0/40\": prefix length must be 0-32" } },
		{ "{\"fixed-cidr\": \"2001:db8::/64\"}", { "\"fixed-cidr\": invalid CIDR \"2001:db8::/64\"" } },
		{ "{\"ipv6\": true, \"fixed-cidr-v6\": \"10.0.0.0/8\"}",
		  { "\"fixed-cidr-v6\": invalid IPv6 CIDR \"10.0.0.0/8\"" } },
		{ "{\"ipv6\": true, \"fixed-cidr-v6\": \"2001:db8::/130\"}",
		  { "\"fixed-cidr-v6\": invalid IPv6 CIDR \"2001:db8::/130\": prefix length must be 0-128" } },
		{ "{\"dns\": [\"1.1.1.1\", \"8.8.8.8\", \"8.8.4.4\", \"9.9.9.9\"]}",
		  { "\"dns\" has 4 entries, at most 3" } },
		{ "{\"dns\": [\"8.8.8.8\", \"dns.google\"]}",
		  { "invalid \"dns\" entry \"dns.google\"", "IPv4 or IPv6 address" } },
		{ "{\"dns\": [\"8.8.8.8 \"]}", { "invalid \"dns\" entry \"8.8.8.8 \"" } },
		{ "{\"ip\": \"::1\"}", { "daemon.json: \"ip\": invalid IPv4 address \"::1\"" } },
		{ "{\"ip\": \"127.0.0.1/8\"}", { "\"ip\": invalid IPv4 address \"127.0.0.1/8\"" } },
		{ "{\"firewall-backend\": \"ufw\"}",
		  { "invalid \"firewall-backend\" \"ufw\"", "\"nftables\", \"iptables\" or \"none\"" } },
		{ "{\"firewall-backend\": \"NFTABLES\"}", { "invalid \"firewall-backend\" \"NFTABLES\"" } },
		/* cross checks */
		{ "{\"bridge\": \"br0\", \"bip\": \"10.0.0.1/24\"}",
		  { "\"bridge\" and \"bip\" are mutually exclusive" } },
		{ "{\"bip\": \"10.0.0.1/24\", \"bridge\": \"br0\"}",
		  { "\"bridge\" and \"bip\" are mutually exclusive" } },
		{ "{\"bip\": \"172.17.0.1/16\", \"fixed-cidr\": \"10.0.0.0/24\"}",
		  { "\"fixed-cidr\" 10.0.0.0/24 is not inside \"bip\" 172.17.0.1/16" } },
		{ "{\"fixed-cidr\": \"172.17.0.0/15\", \"bip\": \"172.17.0.1/16\"}",
		  { "\"fixed-cidr\" 172.16.0.0/15 is not inside \"bip\"" } },
		/* same network address, but wider than the bip subnet */
		{ "{\"bip\": \"172.16.0.1/16\", \"fixed-cidr\": \"172.16.0.0/12\"}",
		  { "\"fixed-cidr\" 172.16.0.0/12 is not inside \"bip\" 172.16.0.1/16" } },
		{ "{\"bip\": \"192.168.5.1/25\", \"fixed-cidr\": \"192.168.5.128/25\"}",
		  { "\"fixed-cidr\" 192.168.5.128/25 is not inside" } },
		{ "{\"fixed-cidr-v6\": \"2001:db8:1::/64\"}",
		  { "\"fixed-cidr-v6\" requires \"ipv6\": true" } },
		{ "{\"fixed-cidr-v6\": \"2001:db8:1::/64\", \"ipv6\": false}",
		  { "\"fixed-cidr-v6\" requires \"ipv6\": true" } },
		{ "{\"ipv6\": true, \"fixed-cidr-v6\": \"2001:db8:1::/96\"}",
		  { "\"fixed-cidr-v6\" 2001:db8:1::/96 is too small", "/80 or shorter" } },
		{ "{\"ipv6\": true, \"fixed-cidr-v6\": \"2001:db8:1::/81\"}",
		  { "\"fixed-cidr-v6\" 2001:db8:1::/81 is too small" } },
		/* JSON structure */
		{ "[]", { "daemon.json: must be a JSON object, got []" } },
		{ "{\"mtu\": 1500, \"mtu\": 1400}", { "daemon.json: line 1", "duplicate" } },
		{ "{\"mtu\": 1500,}", { "daemon.json: line 1, column" } },
		{ "{\n  \"mtu\": 1500\n  \"icc\": true\n}", { "daemon.json: line 3, column", "expected" } },
		{ "{\"mtu\": 1500} {}", { "daemon.json: line 1" } },
		{ "\"mtu\"", { "daemon.json: line 1" } },
		{ "{", { "daemon.json: line 1" } },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct berth_config c, before;
		struct berth_error err = { 0 };
		int r;

		berth_config_defaults(&c);
		c.mtu = 1234; /* a failed parse leaves the struct alone */
		before = c;
		r = berth_config_parse(cases[i].json, &c, &err);
		if (r != -EINVAL) {
			print_error("case %zu %s: got %d \"%s\"\n", i, cases[i].json, r, err.msg);
			fail();
		}
		assert_int_equal(err.code, -EINVAL);
		assert_contains(err.msg, "daemon.json: ");
		for (size_t k = 0; k < 3 && cases[i].msg[k]; k++)
			assert_contains(err.msg, cases[i].msg[k]);
		assert_memory_equal(&c, &before, sizeof(c));
	}
}

static void test_long_value_truncated(void **state)
{
	char json[4096];
	struct berth_config c;
	struct berth_error err = { 0 };

	int n = snprintf(json, sizeof(json), "{\"bridge\": \"");
	memset(json + n, 'x', 3000);
	snprintf(json + n + 3000, sizeof(json) - (size_t)n - 3000, "\"}");
	assert_int_equal(berth_config_parse(json, &c, &err), -EINVAL);
	assert_contains(err.msg, "invalid \"bridge\" \"xxxx");
	assert_contains(err.msg, "...");
	assert_true(strlen(err.msg) < 400);
}

static void test_null_err(void **state)
{
	struct berth_config c;

	assert_int_equal(berth_config_parse("{\"foo\": 1}", &c, NULL), -EINVAL);
	assert_int_equal(berth_config_parse("{\"bip\": \"x\"}", &c, NULL), -EINVAL);
	assert_int_equal(berth_config_parse("{", &c, NULL), -EINVAL);
	assert_int_equal(berth_config_parse(NULL, &c, NULL), -EINVAL);
}

/* ---- berth_config_load ---- */

static char tmpdir[64];

static int setup_dir(void **state)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/berth-test-config.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_dir(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static const char *write_file(const char *name, const void *data, size_t len)
{
	static char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
	return path;
}

static void test_load_missing(void **state)
{
	struct berth_config c;
	struct berth_error err = { 0 };
	char path[128];

	memset(&c, 0x55, sizeof(c));
	snprintf(path, sizeof(path), "%s/nope/daemon.json", tmpdir);
	assert_int_equal(berth_config_load(path, &c, &err), 0);
	assert_defaults(&c);
	assert_string_equal(err.msg, "");
}

static void test_load_good(void **state)
{
	static const char text[] = "{\n  \"mtu\": 9000,\n  \"dns\": [\"9.9.9.9\"]\n}\n";
	const char *path = write_file("good.json", text, strlen(text));
	struct berth_config c;
	struct berth_error err = { 0 };

	assert_int_equal(berth_config_load(path, &c, &err), 0);
	assert_int_equal(c.mtu, 9000);
	assert_int_equal(c.n_dns, 1);
	assert_string_equal(c.dns[0], "9.9.9.9");
	assert_true(c.icc);

	/* empty file: defaults */
	path = write_file("empty.json", "", 0);
	assert_int_equal(berth_config_load(path, &c, &err), 0);
	assert_defaults(&c);

	/* larger than the first read buffer */
	char big[20000];
	memset(big, ' ', sizeof(big));
	memcpy(big + sizeof(big) - 14, "{\"mtu\": 1280}", 13);
	big[sizeof(big) - 1] = '\n';
	path = write_file("big.json", big, sizeof(big));
	assert_int_equal(berth_config_load(path, &c, &err), 0);
	assert_int_equal(c.mtu, 1280);
}

static void test_load_errors(void **state)
{
	static const char text[] = "{\n  \"mtu\": 1500,\n  \"icc\": yes\n}\n";
	const char *path = write_file("bad.json", text, strlen(text));
	struct berth_config c;
	struct berth_error err = { 0 };
	char want[160];

	/* syntax error: path, line and column */
	assert_int_equal(berth_config_load(path, &c, &err), -EINVAL);
	snprintf(want, sizeof(want), "%s: line 3, column", path);
	assert_contains(err.msg, want);

	/* bad value: the path instead of "daemon.json" */
	path = write_file("badkey.json", "{\"colour\": 1}", 13);
	berth_err_clear(&err);
	assert_int_equal(berth_config_load(path, &c, &err), -EINVAL);
	snprintf(want, sizeof(want), "%s: unknown key \"colour\"", path);
	assert_string_equal(err.msg, want);

	/* a NUL byte inside the file is not silently cut off */
	path = write_file("nul.json", "{\"mtu\": 1500}\0{\"x\":1}", 21);
	berth_err_clear(&err);
	assert_int_equal(berth_config_load(path, &c, &err), -EINVAL);
	assert_contains(err.msg, path);

	/* a directory: -EISDIR with the path */
	berth_err_clear(&err);
	assert_int_equal(berth_config_load(tmpdir, &c, &err), -EISDIR);
	assert_int_equal(err.code, -EISDIR);
	assert_contains(err.msg, tmpdir);

	/* a path through a regular file: -ENOTDIR, not defaults */
	char p2[160];
	snprintf(p2, sizeof(p2), "%s/good.json/daemon.json", tmpdir);
	(void)write_file("good.json", "{}", 2);
	berth_err_clear(&err);
	assert_int_equal(berth_config_load(p2, &c, &err), -ENOTDIR);
	assert_contains(err.msg, p2);

	/* unreadable (only meaningful without CAP_DAC_OVERRIDE) */
	if (geteuid() != 0) {
		path = write_file("noperm.json", "{}", 2);
		assert_int_equal(chmod(path, 0), 0);
		berth_err_clear(&err);
		assert_int_equal(berth_config_load(path, &c, &err), -EACCES);
		assert_contains(err.msg, path);
		assert_contains(err.msg, "Permission denied");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_single_keys),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_long_value_truncated),
		cmocka_unit_test(test_null_err),
		cmocka_unit_test(test_load_missing),
		cmocka_unit_test(test_load_good),
		cmocka_unit_test(test_load_errors),
	};

	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
