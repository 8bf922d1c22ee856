/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A thin typed layer over libmnl for rtnetlink: links, veth pairs, bridges,
 * addresses, routes. One struct nl per network namespace, opened once; every
 * request is acknowledged (NLM_F_ACK) and its sequence number checked.
 * Functions return >= 0 on success or -errno, and fill err when given.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>

#include "error.h"

struct nl;

/* Open an rtnetlink socket in the namespace netns_fd (-1: the caller's own).
 * The socket stays bound to that namespace for its life; the calling thread's
 * namespace is restored before returning. */
int nl_open(struct nl **out, int netns_fd, struct berth_error *err);
struct nl *nl_close(struct nl *nl); /* accepts NULL, returns NULL */
static inline void nl_closep(struct nl **p) { *p = nl_close(*p); }

struct nl_link {
	int ifindex;
	unsigned mtu;
	int master;       /* ifindex of master (bridge), 0 if none */
	bool up;          /* IFF_UP */
	uint8_t mac[6];
	char kind[16];    /* IFLA_INFO_KIND: "bridge", "veth", "" ... */
};

/* Look a link up by name. Returns ifindex (> 0), -ENODEV if absent. */
int nl_link_get(struct nl *nl, const char *name, struct nl_link *out,
		struct berth_error *err);

/* Create a bridge (down). mac may be NULL; mtu 0 leaves the default.
 * -EEXIST if a link of that name exists. Returns the new ifindex. */
int nl_bridge_add(struct nl *nl, const char *name, unsigned mtu,
		  const uint8_t *mac, struct berth_error *err);

struct nl_veth {
	const char *name;      /* host side, created in nl's namespace */
	const char *peer_name; /* created directly in peer_netns_fd */
	int peer_netns_fd;     /* -1: same namespace as nl */
	unsigned mtu;          /* both ends; 0 = default */
	const uint8_t *peer_mac; /* NULL = random */
	int master;            /* host side enslaved to this ifindex; 0 = none */
	bool up;               /* bring the host side up */
};
/* Create a veth pair in one request (peer created in the target namespace,
 * IFLA_NET_NS_FD inside VETH_INFO_PEER). Returns host-side ifindex. */
int nl_veth_add(struct nl *nl, const struct nl_veth *v, struct berth_error *err);

/* Delete a link by name; -ENODEV if it does not exist. */
int nl_link_del(struct nl *nl, const char *name, struct berth_error *err);

/* Set link attributes. Any of mtu (0 = leave), master (-1 = leave, 0 = none),
 * mac (NULL = leave), up (-1 leave, 0 down, 1 up). */
struct nl_link_change {
	unsigned mtu;
	int master;
	const uint8_t *mac;
	int up;
	const char *new_name; /* NULL = leave */
	bool no_ipv6_ll;      /* no IPv6 link-local address (addrgenmode none): a
			       * link without IPv6 stays silent (no DAD, router
			       * solicitation or MLD, which a bridge floods) */
};
int nl_link_set(struct nl *nl, int ifindex, const struct nl_link_change *c,
		struct berth_error *err);

/* The links enslaved to bridge master: *out malloc'ed; returns the count. */
struct nl_port {
	int ifindex;
	char name[16];
};
int nl_bridge_ports(struct nl *nl, int master, struct nl_port **out, struct berth_error *err);

/* Hairpin mode on a bridge port: frames may leave by the port they came
 * in on (a container reaching its own published port through the host). */
int nl_bridge_port_hairpin(struct nl *nl, int ifindex, bool on, struct berth_error *err);

/* An address of either family. */
struct nl_addr {
	int family; /* AF_INET or AF_INET6 */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	};
	uint8_t prefixlen;
};

/* Add an address (IFA_F_NODAD for IPv6, so it is usable at once).
 * -EEXIST if already present. */
int nl_addr_add(struct nl *nl, int ifindex, const struct nl_addr *a,
		struct berth_error *err);
int nl_addr_del(struct nl *nl, int ifindex, const struct nl_addr *a,
		struct berth_error *err);
/* List addresses of one family (AF_UNSPEC: both) on ifindex (0: all links),
 * global scope only. *out is malloc'ed; returns the count. */
int nl_addr_list(struct nl *nl, int ifindex, int family, struct nl_addr **out,
		 struct berth_error *err);

/* Add a route in the main table: dst/dst_len (dst NULL = default route),
 * via gateway gw (NULL = on-link, scope link), out of ifindex.
 * -EEXIST if present. */
int nl_route_add(struct nl *nl, int family, const void *dst, uint8_t dst_len,
		 const void *gw, int ifindex, struct berth_error *err);

/* List all IPv4 and IPv6 routes' destinations in the main table (for
 * overlap checks). *out malloc'ed; returns count. */
int nl_route_list(struct nl *nl, int family, struct nl_addr **out,
		  struct berth_error *err);
