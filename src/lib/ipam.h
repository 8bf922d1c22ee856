/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * IPAM: pure logic, no kernel and no store. Prefix parsing, the address
 * pool of a network, choosing the next free address, and Docker's MAC and
 * IPv6 derivation (MAC 02:42 + the four IPv4 bytes; IPv6 = prefix | MAC).
 * IPv4 addresses are carried in host byte order as uint32_t.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>

#include "error.h"

struct cidr4 {
	uint32_t addr; /* host order; may have host bits set (e.g. bip 172.17.0.1/16) */
	uint8_t len;
};
struct cidr6 {
	struct in6_addr addr;
	uint8_t len;
};

/* "a.b.c.d" -> host order. -EINVAL (with err naming s) if malformed. */
int ipam_parse_ip4(const char *s, uint32_t *out, struct berth_error *err);
/* "a.b.c.d/len". Strict: 4 dotted decimals each 0..255, len 0..32. */
int ipam_parse_cidr4(const char *s, struct cidr4 *out, struct berth_error *err);
int ipam_parse_ip6(const char *s, struct in6_addr *out, struct berth_error *err);
int ipam_parse_cidr6(const char *s, struct cidr6 *out, struct berth_error *err);

static inline uint32_t cidr4_mask(uint8_t len)
{
	return len ? 0xffffffffu << (32 - len) : 0;
}
static inline uint32_t cidr4_network(struct cidr4 c) { return c.addr & cidr4_mask(c.len); }
static inline uint32_t cidr4_broadcast(struct cidr4 c) { return c.addr | ~cidr4_mask(c.len); }
static inline bool cidr4_contains(struct cidr4 c, uint32_t ip)
{
	return (ip & cidr4_mask(c.len)) == cidr4_network(c);
}
bool cidr4_overlaps(struct cidr4 a, struct cidr4 b);
bool cidr6_contains(struct cidr6 c, const struct in6_addr *ip);

/* Format helpers: buf of at least 19 (v4 cidr) / 44 (v6 cidr) bytes. */
const char *ip4_str(uint32_t ip, char buf[16]);
const char *cidr4_str(struct cidr4 c, char buf[19]); /* network/len */

/* Docker's MAC: 02:42 followed by the four bytes of the IPv4 address. */
void ipam_mac_from_ip4(uint32_t ip, uint8_t mac[6]);
/* "02:42:ac:11:00:02" (any case) -> bytes. -EINVAL if malformed; a
 * multicast MAC (low bit of first byte) is rejected too. */
int ipam_parse_mac(const char *s, uint8_t mac[6], struct berth_error *err);
const char *mac_str(const uint8_t mac[6], char buf[18]);
/* Docker's IPv6 from MAC: the prefix (len <= 80) with the 48 MAC bits in
 * the low 48 bits: 2001:db8:1::/64 + 02:42:ac:11:00:02 -> 2001:db8:1::242:ac11:2.
 * -EINVAL if the prefix is longer than 80. */
int ipam_ip6_from_mac(const struct cidr6 *prefix, const uint8_t mac[6],
		      struct in6_addr *out);

/* The pool a network allocates from. */
struct ipam_pool {
	struct cidr4 subnet;   /* the network's subnet */
	struct cidr4 range;    /* allocate only inside this (== subnet if unset) */
	uint32_t gateway;      /* never handed out */
	uint32_t first, last;  /* allocate only in [first, last] (0: no bound);
				* host-local's rangeStart/rangeEnd */
};

/* Check a requested address against the pool: inside range (and bounds), not the
 * network/broadcast/gateway address. 0 or -EINVAL with a message naming ip. */
int ipam_check(const struct ipam_pool *p, uint32_t ip, struct berth_error *err);

/* Lowest address of p->range that is valid for ipam_check and not in used
 * (n entries, any order). -ENOSPC when the pool is exhausted. */
int ipam_next_free(const struct ipam_pool *p, const uint32_t *used, size_t n,
		   uint32_t *out, struct berth_error *err);
