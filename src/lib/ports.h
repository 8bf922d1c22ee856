/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Published ports: Docker's -p syntax, and choosing host ports. Pure logic;
 * the store keeps the allocations, the firewall turns them into DNAT map
 * elements.
 */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "error.h"

/* One -p argument, before host ports are chosen. */
struct port_spec {
	int family;            /* AF_INET, AF_INET6, or AF_UNSPEC: any host address */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} host_ip;             /* meaningful unless family == AF_UNSPEC */
	bool host_ip_set;      /* an address was given (possibly 0.0.0.0 / ::) */
	uint16_t host_lo, host_hi;  /* 0,0: a random host port */
	uint16_t ctr_lo, ctr_hi;
	uint8_t proto;         /* IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP */
};

/* Parse "[ip:][hostPort:]containerPort[/proto]" in every Docker form:
 * 80, 8080:80, 127.0.0.1:8080:80, 127.0.0.1::80, [::1]:8080:80,
 * 8000-8099:8000-8099, 8000-8099:80 (one host port from the range), /udp.
 * Errors (-EINVAL) name the spec and say what would be right. */
int port_spec_parse(const char *s, struct port_spec *out, struct berth_error *err);

/* "tcp" / "udp" / "sctp" -> IPPROTO_*; -1 if unknown. */
int port_proto_parse(const char *s);
const char *port_proto_name(uint8_t proto);
