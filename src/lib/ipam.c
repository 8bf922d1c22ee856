/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * IPAM: strict prefix/address/MAC parsing, the pool of a network and
 * choosing the next free address. Pure logic: no kernel, no store.
 */
#include "ipam.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Longest value echoed back in a message; anything longer is cut with "...". */
#define QUOTE_MAX 64

/* Write s into buf as a double-quoted, printable string for error messages:
 * control and non-ASCII bytes become \xNN, long values are truncated. */
static const char *quote(const char *s, char buf[QUOTE_MAX * 4 + 8])
{
	size_t o = 0, i;

	if (!s)
		return "(null)";
	buf[o++] = '"';
	for (i = 0; s[i] && i < QUOTE_MAX; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '"' || ch == '\\') {
			buf[o++] = '\\';
			buf[o++] = (char)ch;
		} else if (ch < 0x20 || ch >= 0x7f) {
			o += (size_t)sprintf(buf + o, "\\x%02x", ch);
		} else {
			buf[o++] = (char)ch;
		}
	}
	if (s[i]) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}

#define QBUF char _q[QUOTE_MAX * 4 + 8]
#define Q(s) quote((s), _q)

/* Copy the address part s[0..n) into buf (NUL-terminated); false if it is
 * empty or cannot possibly be an address because it is too long. */
static bool copy_part(const char *s, size_t n, char *buf, size_t size)
{
	if (n == 0 || n >= size)
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return true;
}

/* Strict prefix length: decimal digits only, no sign, no spaces, no leading
 * zero (except "0" itself), value <= max. */
static bool parse_prefix_len(const char *s, unsigned max, uint8_t *out)
{
	char *end;
	unsigned long v;

	if (s[0] < '0' || s[0] > '9')
		return false;
	if (s[0] == '0' && s[1] != '\0')
		return false;
	if (strlen(s) > 3)
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end != '\0' || v > max)
		return false;
	*out = (uint8_t)v;
	return true;
}

int ipam_parse_ip4(const char *s, uint32_t *out, struct berth_error *err)
{
	struct in_addr a;
	QBUF;

	/* glibc's inet_pton accepts exactly four dotted decimals 0..255 and
	 * rejects leading zeros, hex, octal, short forms and trailing junk. */
	if (!s || inet_pton(AF_INET, s, &a) != 1)
		return berth_errmsg(err, -EINVAL,
				    "invalid IPv4 address %s: want four decimal numbers 0-255 like 172.17.0.1",
				    Q(s));
	*out = ntohl(a.s_addr);
	return 0;
}

int ipam_parse_cidr4(const char *s, struct cidr4 *out, struct berth_error *err)
{
	char addr[INET_ADDRSTRLEN];
	const char *slash;
	struct in_addr a;
	uint8_t len;
	QBUF;

	if (!s)
		return berth_errmsg(err, -EINVAL, "invalid CIDR (null)");
	slash = strchr(s, '/');
	if (!slash)
		return berth_errmsg(err, -EINVAL,
				    "invalid CIDR %s: missing \"/prefix-length\", want an IPv4 prefix like 172.17.0.0/16",
				    Q(s));
	if (!copy_part(s, (size_t)(slash - s), addr, sizeof(addr)) ||
	    inet_pton(AF_INET, addr, &a) != 1)
		return berth_errmsg(err, -EINVAL,
				    "invalid CIDR %s: the address must be four decimal numbers 0-255, like 172.17.0.0/16",
				    Q(s));
	if (!parse_prefix_len(slash + 1, 32, &len))
		return berth_errmsg(err, -EINVAL,
				    "invalid CIDR %s: prefix length must be 0-32", Q(s));
	out->addr = ntohl(a.s_addr);
	out->len = len;
	return 0;
}

int ipam_parse_ip6(const char *s, struct in6_addr *out, struct berth_error *err)
{
	QBUF;

	if (!s || inet_pton(AF_INET6, s, out) != 1)
		return berth_errmsg(err, -EINVAL,
				    "invalid IPv6 address %s: want an address like 2001:db8::1",
				    Q(s));
	return 0;
}

int ipam_parse_cidr6(const char *s, struct cidr6 *out, struct berth_error *err)
{
	char addr[INET6_ADDRSTRLEN];
	const char *slash;
	struct in6_addr a;
	uint8_t len;
	QBUF;

	if (!s)
		return berth_errmsg(err, -EINVAL, "invalid IPv6 CIDR (null)");
	slash = strchr(s, '/');
	if (!slash)
		return berth_errmsg(err, -EINVAL,
				    "invalid IPv6 CIDR %s: missing \"/prefix-length\", want a prefix like 2001:db8:1::/64",
				    Q(s));
	if (!copy_part(s, (size_t)(slash - s), addr, sizeof(addr)) ||
	    inet_pton(AF_INET6, addr, &a) != 1)
		return berth_errmsg(err, -EINVAL,
				    "invalid IPv6 CIDR %s: the address is not IPv6, want a prefix like 2001:db8:1::/64",
				    Q(s));
	if (!parse_prefix_len(slash + 1, 128, &len))
		return berth_errmsg(err, -EINVAL,
				    "invalid IPv6 CIDR %s: prefix length must be 0-128", Q(s));
	out->addr = a;
	out->len = len;
	return 0;
}

bool cidr4_overlaps(struct cidr4 a, struct cidr4 b)
{
	uint32_t m = cidr4_mask(a.len < b.len ? a.len : b.len);

	return (a.addr & m) == (b.addr & m);
}

bool cidr6_contains(struct cidr6 c, const struct in6_addr *ip)
{
	unsigned len = c.len > 128 ? 128 : c.len;
	unsigned full = len / 8, rest = len % 8;

	if (memcmp(c.addr.s6_addr, ip->s6_addr, full) != 0)
		return false;
	if (rest) {
		uint8_t m = (uint8_t)(0xff << (8 - rest));

		if ((c.addr.s6_addr[full] & m) != (ip->s6_addr[full] & m))
			return false;
	}
	return true;
}

const char *ip4_str(uint32_t ip, char buf[16])
{
	snprintf(buf, 16, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 0xff,
		 (ip >> 8) & 0xff, ip & 0xff);
	return buf;
}

const char *cidr4_str(struct cidr4 c, char buf[19])
{
	uint32_t n = cidr4_network(c);

	snprintf(buf, 19, "%u.%u.%u.%u/%u", n >> 24, (n >> 16) & 0xff,
		 (n >> 8) & 0xff, n & 0xff, c.len > 32 ? 32u : c.len);
	return buf;
}

void ipam_mac_from_ip4(uint32_t ip, uint8_t mac[6])
{
	mac[0] = 0x02;
	mac[1] = 0x42;
	mac[2] = (uint8_t)(ip >> 24);
	mac[3] = (uint8_t)(ip >> 16);
	mac[4] = (uint8_t)(ip >> 8);
	mac[5] = (uint8_t)ip;
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

int ipam_parse_mac(const char *s, uint8_t mac[6], struct berth_error *err)
{
	uint8_t m[6];
	QBUF;

	/* Exactly "xx:xx:xx:xx:xx:xx": 17 characters. */
	if (!s || strlen(s) != 17)
		goto bad;
	for (int i = 0; i < 6; i++) {
		const char *p = s + i * 3;
		int hi = hexval(p[0]), lo = hexval(p[1]);

		if (hi < 0 || lo < 0 || (i < 5 && p[2] != ':'))
			goto bad;
		m[i] = (uint8_t)(hi << 4 | lo);
	}
	if (m[0] & 1)
		return berth_errmsg(err, -EINVAL,
				    "invalid MAC address %s: multicast address (low bit of the first byte set), want a unicast one like 02:42:ac:11:00:02",
				    Q(s));
	if (!(m[0] | m[1] | m[2] | m[3] | m[4] | m[5]))
		return berth_errmsg(err, -EINVAL,
				    "invalid MAC address %s: all zeros, want a unicast one like 02:42:ac:11:00:02",
				    Q(s));
	memcpy(mac, m, 6);
	return 0;
bad:
	return berth_errmsg(err, -EINVAL,
			    "invalid MAC address %s: want six hex bytes like 02:42:ac:11:00:02",
			    Q(s));
}

const char *mac_str(const uint8_t mac[6], char buf[18])
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1],
		 mac[2], mac[3], mac[4], mac[5]);
	return buf;
}

int ipam_ip6_from_mac(const struct cidr6 *prefix, const uint8_t mac[6],
		      struct in6_addr *out)
{
	struct in6_addr a = prefix->addr;
	unsigned full, rest;

	if (prefix->len > 80)
		return -EINVAL;
	/* Clear the host bits of the prefix, then put the MAC in the low 48. */
	full = prefix->len / 8;
	rest = prefix->len % 8;
	if (rest)
		a.s6_addr[full++] &= (uint8_t)(0xff << (8 - rest));
	memset(a.s6_addr + full, 0, 16 - full);
	memcpy(a.s6_addr + 10, mac, 6);
	*out = a;
	return 0;
}

int ipam_check(const struct ipam_pool *p, uint32_t ip, struct berth_error *err)
{
	char ips[16], pool[19];

	if (!cidr4_contains(p->subnet, ip))
		return berth_errmsg(err, -EINVAL, "address %s is outside the pool %s",
				    ip4_str(ip, ips), cidr4_str(p->subnet, pool));
	if (!cidr4_contains(p->range, ip))
		return berth_errmsg(err, -EINVAL, "address %s is outside the pool %s",
				    ip4_str(ip, ips), cidr4_str(p->range, pool));
	if ((p->first && ip < p->first) || (p->last && ip > p->last)) {
		char lo[16], hi[16];
		return berth_errmsg(err, -EINVAL, "address %s is outside the range %s-%s",
				    ip4_str(ip, ips), ip4_str(p->first ? p->first : cidr4_network(p->range), lo),
				    ip4_str(p->last ? p->last : cidr4_broadcast(p->range), hi));
	}
	if (ip == p->gateway)
		return berth_errmsg(err, -EINVAL, "address %s is the gateway",
				    ip4_str(ip, ips));
	/* /31 (RFC 3021) and /32 have no network or broadcast address. */
	if (p->subnet.len <= 30) {
		if (ip == cidr4_network(p->subnet))
			return berth_errmsg(err, -EINVAL,
					    "address %s is the network address of %s",
					    ip4_str(ip, ips), cidr4_str(p->subnet, pool));
		if (ip == cidr4_broadcast(p->subnet))
			return berth_errmsg(err, -EINVAL,
					    "address %s is the broadcast address of %s",
					    ip4_str(ip, ips), cidr4_str(p->subnet, pool));
	}
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

int ipam_next_free(const struct ipam_pool *p, const uint32_t *used, size_t n,
		   uint32_t *out, struct berth_error *err)
{
	_cleanup_free_ uint32_t *sorted = NULL;
	char s1[19], s2[19];
	struct cidr4 span;
	size_t m = 0, j = 0;

	/* Candidates are the intersection of range and subnet; two prefixes
	 * either nest or are disjoint, so it is the longer of the two. */
	if (!cidr4_overlaps(p->subnet, p->range))
		return berth_errmsg(err, -EINVAL, "pool range %s is outside the subnet %s",
				    cidr4_str(p->range, s1), cidr4_str(p->subnet, s2));
	span = p->range.len >= p->subnet.len ? p->range : p->subnet;

	if (n > 0) {
		sorted = malloc(n * sizeof(*sorted));
		if (!sorted)
			return berth_err(err, -ENOMEM, "allocate address list");
		for (size_t i = 0; i < n; i++)
			if (cidr4_contains(span, used[i]))
				sorted[m++] = used[i];
		qsort(sorted, m, sizeof(*sorted), cmp_u32);
	}

	/* Walk the span upward alongside the sorted used list. Besides used
	 * addresses, ipam_check rejects at most three (gateway, network,
	 * broadcast), so this is linear after the sort. 64-bit counter: a /0
	 * span ends at 0xffffffff. */
	uint64_t from = cidr4_network(span), to = cidr4_broadcast(span);
	if (p->first > from)
		from = p->first;
	if (p->last && p->last < to)
		to = p->last;
	for (uint64_t a = from; a <= to; a++) {
		uint32_t ip = (uint32_t)a;

		while (j < m && sorted[j] < ip)
			j++;
		if (j < m && sorted[j] == ip)
			continue;
		if (ipam_check(p, ip, NULL) == 0) {
			*out = ip;
			return 0;
		}
	}
	return berth_errmsg(err, -ENOSPC, "no free address left in the pool %s",
			    cidr4_str(span, s1));
}
