/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The bridge driver: networks are Linux bridges with a gateway address;
 * an endpoint is a veth pair, host side enslaved to the bridge, container
 * side (eth0...) created directly in the container's namespace.
 */
#pragma once

#include "ctx.h"

/* The default "bridge" network as daemon.json describes it: stored on first
 * use, updated when the file changed (refused while containers run on it),
 * and made real in the kernel (the firewall too when it was stored anew). */
int network_default_ensure(struct berth_ctx *ctx, struct net_rec *out,
			   struct berth_error *err);
/* The default network as daemon.json describes it now (nothing stored or made). */
int network_default_wanted(struct berth_ctx *ctx, struct net_rec *n, struct berth_error *err);

/* Make the kernel side of a network exist: bridge, addresses, up,
 * forwarding sysctls. Idempotent. */
int network_bridge_ensure(struct berth_ctx *ctx, const struct net_rec *n,
			  struct berth_error *err);
/* Remove the bridge if berth made it (best effort). */
int network_bridge_remove(struct berth_ctx *ctx, const struct net_rec *n,
			  struct berth_error *err);

/* The host-side veth name for an endpoint: "veth" + 11 hex digits derived
 * from the container and network ids. */
void network_veth_name(const char *container_id, const char *network_id, char out[16]);

/* The part of plugging that every driver shares: a veth pair from n's
 * bridge into netns_fd (peer named ifname, with mac), the container side's
 * addresses and up. Returns the container side's ifindex; on failure the
 * pair is gone. */
struct plug {
	const char *veth, *ifname;
	const uint8_t *mac;
	uint32_t ip;
	const struct in6_addr *ip6; /* NULL: none */
	bool hairpin;               /* frames may leave by the port they came in on */
};
int network_plug(struct berth_ctx *ctx, const struct net_rec *n, const struct plug *p,
		 int netns_fd, struct nl *cnl, struct berth_error *err);

/* Plug ep into n: veth pair, container-side address, MAC, routes.
 * cnl is a netlink socket in the container's namespace netns_fd.
 * On failure nothing is left behind. */
int network_attach(struct berth_ctx *ctx, const struct net_rec *n, const struct ep_rec *ep,
		   int netns_fd, struct nl *cnl, struct berth_error *err);
/* Unplug: delete the host-side veth (its peer goes with it). Best effort. */
int network_detach(struct berth_ctx *ctx, const struct ep_rec *ep, struct berth_error *err);
