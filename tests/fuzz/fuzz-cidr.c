/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: IPv4/IPv6 address and prefix parsing and MACs (ipam.h),
 * and, when the input is an IPv4 prefix, the pool walk over a small pool
 * derived from it (at most 4096 addresses, so every input stays fast).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ipam.h"

#define MIN_POOL_LEN 20 /* prefix length: pools of at most 4096 addresses */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void pool(struct cidr4 c, const uint8_t *data, size_t size)
{
	struct berth_error err = { 0 };
	struct ipam_pool p = { .subnet = c };
	uint32_t used[8], ip;
	size_t n = size % 9;
	char buf[19];

	if (c.len < MIN_POOL_LEN)
		c.len = MIN_POOL_LEN;
	p.subnet = c; /* the rest of p is zero: no further bounds */
	p.range = c;
	/* Vary the range: narrower (nested), or disjoint now and then. */
	p.range.len = (uint8_t)(c.len + data[0] % 4 > 32 ? 32 : c.len + data[0] % 4);
	if (data[size - 1] % 7 == 0)
		p.range.addr ^= 0x80000000u;
	p.gateway = c.addr;
	for (size_t i = 0; i < n; i++)
		used[i] = cidr4_network(p.subnet) + (uint32_t)i * (1u + data[i % size] % 3);

	(void)cidr4_str(p.subnet, buf);
	(void)ipam_check(&p, c.addr, &err);
	(void)ipam_check(&p, cidr4_broadcast(p.subnet), &err);
	if (ipam_next_free(&p, used, n, &ip, &err) == 0) {
		if (ipam_check(&p, ip, NULL) != 0)
			abort(); /* handed out an address it would refuse */
		for (size_t i = 0; i < n; i++)
			if (used[i] == ip)
				abort(); /* handed out a used address */
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t docker_mac[6] = { 0x02, 0x42, 0xac, 0x11, 0x00, 0x02 };
	struct berth_error err = { 0 };
	struct in6_addr a6, out6;
	struct cidr4 c4;
	struct cidr6 c6;
	uint8_t mac[6];
	uint32_t ip;
	char buf[19], mbuf[18];
	char *s;

	if (size == 0 || size > 4096)
		return -1;
	if (!(s = malloc(size + 1)))
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	if (ipam_parse_ip4(s, &ip, &err) == 0) {
		(void)ip4_str(ip, buf);
		if (strcmp(buf, s) != 0)
			abort(); /* strict parsing: the canonical form round-trips */
		ipam_mac_from_ip4(ip, mac);
		(void)mac_str(mac, mbuf);
	}
	if (ipam_parse_cidr4(s, &c4, &err) == 0) {
		if (c4.len > 32 || !cidr4_contains(c4, c4.addr) || !cidr4_overlaps(c4, c4))
			abort();
		pool(c4, data, size);
	}
	(void)ipam_parse_ip6(s, &a6, &err);
	if (ipam_parse_cidr6(s, &c6, &err) == 0) {
		if (c6.len > 128 || !cidr6_contains(c6, &c6.addr))
			abort();
		if (ipam_ip6_from_mac(&c6, docker_mac, &out6) == 0 && !cidr6_contains(c6, &out6))
			abort();
	}
	if (ipam_parse_mac(s, mac, &err) == 0) {
		if (mac[0] & 1)
			abort(); /* multicast MACs are refused */
		(void)mac_str(mac, mbuf);
		if (strcasecmp(mbuf, s) != 0)
			abort();
	}
	free(s);
	return 0;
}
