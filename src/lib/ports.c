/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ports.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

int port_proto_parse(const char *s)
{
	if (!strcmp(s, "tcp"))
		return IPPROTO_TCP;
	if (!strcmp(s, "udp"))
		return IPPROTO_UDP;
	if (!strcmp(s, "sctp"))
		return IPPROTO_SCTP;
	return -1;
}

const char *port_proto_name(uint8_t proto)
{
	return proto == IPPROTO_UDP ? "udp" : proto == IPPROTO_SCTP ? "sctp" : "tcp";
}

/* "N" or "N-M", ports 1..65535 (0 allowed for host ports: random). */
static bool parse_range(const char *s, size_t n, uint16_t *lo, uint16_t *hi)
{
	unsigned v[2] = {0, 0};
	int k = 0;
	size_t digits = 0;
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '-' && k == 0 && digits) {
			k = 1;
			digits = 0;
		} else if (isdigit((unsigned char)s[i]) && digits < 5) {
			v[k] = v[k] * 10 + (unsigned)(s[i] - '0');
			digits++;
		} else {
			return false;
		}
	}
	if (!digits)
		return false;
	if (k == 0)
		v[1] = v[0];
	if (v[0] < 1 || v[1] > 65535 || v[1] < v[0])
		return false;
	*lo = (uint16_t)v[0];
	*hi = (uint16_t)v[1];
	return true;
}

static int bad(struct berth_error *err, const char *s, const char *why)
{
	return berth_errmsg(err, -EINVAL, "invalid port mapping \"%s\": %s", s, why);
}

int port_spec_parse(const char *s, struct port_spec *out, struct berth_error *err)
{
	struct port_spec p = {.family = AF_UNSPEC, .proto = IPPROTO_TCP};
	char buf[128];
	if (strlen(s) >= sizeof(buf))
		return bad(err, s, "too long");
	snprintf(buf, sizeof(buf), "%s", s);

	char *slash = strrchr(buf, '/');
	if (slash) {
		*slash = '\0';
		int proto = port_proto_parse(slash + 1);
		if (proto < 0)
			return berth_errmsg(err, -EINVAL, "invalid proto \"%s\" in \"%s\": want tcp, udp or sctp",
					    slash + 1, s);
		p.proto = (uint8_t)proto;
	}
	/* Split off an address: "[v6]:" or "a.b.c.d:" before the last two fields. */
	char *rest = buf;
	if (buf[0] == '[') {
		char *end = strchr(buf, ']');
		if (!end || end[1] != ':')
			return bad(err, s, "want [IPv6]:hostPort:containerPort");
		*end = '\0';
		if (inet_pton(AF_INET6, buf + 1, &p.host_ip.v6) != 1)
			return bad(err, s, "bad IPv6 address");
		p.family = AF_INET6;
		p.host_ip_set = true;
		rest = end + 2;
		if (!strchr(rest, ':'))
			return bad(err, s, "want [IPv6]:hostPort:containerPort or [IPv6]::containerPort");
	} else {
		char *c1 = strchr(buf, ':');
		char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (c2 && strchr(c2 + 1, ':'))
			return bad(err, s, "IPv6 addresses go in brackets: [::1]:8080:80");
		if (c2) {
			*c1 = '\0';
			if (inet_pton(AF_INET, buf, &p.host_ip.v4) != 1)
				return bad(err, s, "bad IPv4 address");
			p.family = AF_INET;
			p.host_ip_set = true;
			rest = c1 + 1;
		}
	}
	char *colon = strchr(rest, ':');
	const char *ctr = colon ? colon + 1 : rest;
	if (strchr(ctr, ':'))
		return bad(err, s, "want [ip:][hostPort:]containerPort[/proto]");
	if (!parse_range(ctr, strlen(ctr), &p.ctr_lo, &p.ctr_hi))
		return bad(err, s, "container port must be a port (1-65535) or a range START-END");
	if (colon && colon > rest) {
		if (!parse_range(rest, (size_t)(colon - rest), &p.host_lo, &p.host_hi))
			return bad(err, s, "host port must be a port (1-65535) or a range START-END");
		unsigned hn = p.host_hi - p.host_lo, cn = p.ctr_hi - p.ctr_lo;
		if (cn != 0 && hn != cn)
			return bad(err, s, "host and container port ranges must have the same size");
	}
	/* Without a host port ("80", "8000-8010", "ip::80") each container
	 * port gets a random host port. */
	*out = p;
	return 0;
}
