/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "network.h"
#include "firewall.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "util.h"

#define DEFAULT_BRIDGE "berth0"
#define DEFAULT_BIP "172.17.0.1/16"

/* Take the subnet and gateway from the first IPv4 address of a bridge the
 * user made (daemon.json "bridge"). */
static int user_bridge_subnet(struct berth_ctx *ctx, const char *name, struct cidr4 *bip,
			      struct berth_error *err)
{
	struct nl *nl;
	struct nl_link l;
	int r = ctx_nl(ctx, &nl, err);
	if (r < 0)
		return r;
	r = nl_link_get(nl, name, &l, NULL);
	if (r == -ENODEV)
		return berth_errmsg(err, -ENODEV,
				    "daemon.json \"bridge\": no interface named \"%s\"; create the bridge first",
				    name);
	if (r < 0)
		return berth_err(err, r, "look up bridge %s", name);
	if (strcmp(l.kind, "bridge") != 0)
		return berth_errmsg(err, -EINVAL,
				    "daemon.json \"bridge\": \"%s\" is not a bridge", name);
	_cleanup_free_ struct nl_addr *a = NULL;
	r = nl_addr_list(nl, l.ifindex, AF_INET, &a, err);
	if (r < 0)
		return r;
	if (r == 0)
		return berth_errmsg(err, -EADDRNOTAVAIL,
				    "daemon.json \"bridge\": bridge \"%s\" has no IPv4 address", name);
	bip->addr = ntohl(a[0].v4.s_addr);
	bip->len = a[0].prefixlen;
	return 0;
}

int network_default_wanted(struct berth_ctx *ctx, struct net_rec *n, struct berth_error *err)
{
	const struct berth_config *c = &ctx->cfg;
	struct cidr4 bip;
	int r;

	memset(n, 0, sizeof(*n));
	snprintf(n->name, sizeof(n->name), "bridge");
	snprintf(n->driver, sizeof(n->driver), "bridge");
	n->builtin = true;
	if (c->bridge[0]) {
		snprintf(n->bridge, sizeof(n->bridge), "%s", c->bridge);
		n->user_bridge = true;
		r = user_bridge_subnet(ctx, c->bridge, &bip, err);
		if (r < 0)
			return r;
	} else {
		snprintf(n->bridge, sizeof(n->bridge), DEFAULT_BRIDGE);
		if (c->has_bip)
			bip = c->bip;
		else
			(void)ipam_parse_cidr4(DEFAULT_BIP, &bip, NULL);
	}
	n->gateway = bip.addr;
	n->subnet = (struct cidr4){.addr = cidr4_network(bip), .len = bip.len};
	n->range = n->subnet;
	if (c->has_fixed_cidr) {
		n->range = (struct cidr4){.addr = cidr4_network(c->fixed_cidr), .len = c->fixed_cidr.len};
		if (!cidr4_contains(n->subnet, n->range.addr) || n->range.len < n->subnet.len) {
			char a[20], b[20];
			return berth_errmsg(err, -EINVAL,
					    "daemon.json \"fixed-cidr\" %s is not inside the bridge subnet %s",
					    cidr4_str(n->range, a), cidr4_str(n->subnet, b));
		}
	}
	n->mtu = c->mtu;
	if (c->ipv6 && c->has_fixed_cidr_v6) {
		n->has_v6 = true;
		n->subnet6 = c->fixed_cidr_v6;
		for (unsigned i = n->subnet6.len; i < 128; i++)
			n->subnet6.addr.s6_addr[i / 8] &= (uint8_t) ~(0x80u >> (i % 8));
		n->gateway6 = n->subnet6.addr;
		n->gateway6.s6_addr[15] |= 1;
	}
	n->masquerade = true; /* ip-masq is applied host-wide by the firewall */
	n->icc = c->icc;
	n->anti_spoofing = c->anti_spoofing;
	return 0;
}

static bool same_network(const struct net_rec *a, const struct net_rec *b)
{
	return !strcmp(a->bridge, b->bridge) && a->subnet.addr == b->subnet.addr &&
	       a->subnet.len == b->subnet.len && a->range.addr == b->range.addr &&
	       a->range.len == b->range.len && a->gateway == b->gateway && a->mtu == b->mtu &&
	       a->has_v6 == b->has_v6 && a->user_bridge == b->user_bridge &&
	       a->icc == b->icc && a->masquerade == b->masquerade &&
	       a->anti_spoofing == b->anti_spoofing &&
	       (!a->has_v6 || (a->subnet6.len == b->subnet6.len &&
			       IN6_ARE_ADDR_EQUAL(&a->subnet6.addr, &b->subnet6.addr) &&
			       IN6_ARE_ADDR_EQUAL(&a->gateway6, &b->gateway6)));
}

int network_default_ensure(struct berth_ctx *ctx, struct net_rec *out, struct berth_error *err)
{
	struct store *st;
	struct net_rec want, have;
	int r = ctx_store(ctx, &st, err);
	if (r < 0)
		return r;
	r = network_default_wanted(ctx, &want, err);
	if (r < 0)
		return r;
	r = store_begin(st, err);
	if (r < 0)
		return r;
	r = store_network_get(st, "bridge", &have);
	if (r == 0 && same_network(&want, &have)) {
		store_rollback(st);
		*out = have;
		return network_bridge_ensure(ctx, out, err);
	}
	if (r == 0) {
		/* daemon.json changed: like restarting dockerd with new options,
		 * which needs the containers on the bridge stopped first. */
		_cleanup_free_ uint32_t *ips = NULL;
		size_t n = 0;
		if (store_network_ips(st, have.id, &ips, &n) == 0 && n > 0) {
			store_rollback(st);
			return berth_errmsg(err, -EBUSY,
					    "daemon.json changed the default bridge while %zu container(s) run on it; stop them first",
					    n);
		}
		snprintf(want.id, sizeof(want.id), "%s", have.id);
		snprintf(want.created, sizeof(want.created), "%s", have.created);
		if (strcmp(have.bridge, want.bridge) || have.gateway != want.gateway ||
		    have.subnet.len != want.subnet.len || have.mtu != want.mtu ||
		    have.has_v6 != want.has_v6)
			(void)network_bridge_remove(ctx, &have, NULL);
	} else {
		r = random_hex(want.id, 64);
		if (r < 0) {
			store_rollback(st);
			return berth_err(err, r, "network id");
		}
		now_rfc3339(want.created);
	}
	r = store_network_put(st, &want, err);
	if (r >= 0)
		r = store_commit(st, err);
	if (r < 0) {
		store_rollback(st);
		return r;
	}
	*out = want;
	r = network_bridge_ensure(ctx, out, err);
	/* A new or changed network: its rules (containers' own come as deltas) */
	return r < 0 ? r : firewall_sync(ctx, err);
}

static int sysctl_set(const char *path, const char *val, struct berth_error *err)
{
	char cur[16] = "";
	_cleanup_close_ int fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return berth_err(err, negerrno(), "open %s", path);
	ssize_t n = read(fd, cur, sizeof(cur) - 1);
	if (n > 0 && !strncmp(cur, val, strlen(val)))
		return 0;
	if (pwrite(fd, val, strlen(val), 0) < 0)
		return berth_err(err, negerrno(), "write %s", path);
	return 0;
}

int network_bridge_ensure(struct berth_ctx *ctx, const struct net_rec *n, struct berth_error *err)
{
	struct nl *nl;
	struct nl_link l;
	int r = ctx_nl(ctx, &nl, err);
	if (r < 0)
		return r;
	r = nl_link_get(nl, n->bridge, &l, NULL);
	if (r == -ENODEV && n->user_bridge)
		return berth_errmsg(err, -ENODEV, "bridge \"%s\" does not exist", n->bridge);
	if (r == -ENODEV) {
		/* A MAC of its own: otherwise the bridge takes its lowest port's,
		 * which changes as containers come and go, and every container's
		 * ARP entry for the gateway goes stale. */
		uint8_t mac[6] = {0x02, 0x42, 0, 0, 0, 1};
		(void)getrandom(mac + 1, 5, 0);
		mac[0] = (uint8_t)((mac[0] & 0xfe) | 0x02); /* unicast, locally administered */
		r = nl_bridge_add(nl, n->bridge, n->mtu, mac, err);
		if (r == -EEXIST) /* a concurrent berth made it */
			r = nl_link_get(nl, n->bridge, &l, err);
		if (r < 0)
			return berth_err_wrap(err, r, "network %s", n->name);
		l = (struct nl_link){.ifindex = r};
	} else if (r < 0) {
		return berth_err(err, r, "look up bridge %s", n->bridge);
	}
	if (!n->user_bridge && n->gateway) { /* 0: a bridge without an address (CNI isGateway=false) */
		struct nl_addr a = {.family = AF_INET, .prefixlen = n->subnet.len};
		a.v4.s_addr = htonl(n->gateway);
		r = nl_addr_add(nl, l.ifindex, &a, err);
		if (r < 0 && r != -EEXIST)
			return berth_err_wrap(err, r, "network %s", n->name);
	}
	if (n->has_v6) {
		struct nl_addr a = {.family = AF_INET6, .prefixlen = n->subnet6.len, .v6 = n->gateway6};
		r = nl_addr_add(nl, l.ifindex, &a, err);
		if (r < 0 && r != -EEXIST)
			return berth_err_wrap(err, r, "network %s", n->name);
	}
	if (!l.up) {
		r = nl_link_set(nl, l.ifindex, &(struct nl_link_change){.master = -1, .up = 1}, err);
		if (r < 0)
			return berth_err_wrap(err, r, "network %s: bring %s up", n->name, n->bridge);
	}
	/* Published ports on 127.0.0.1: DNAT'd loopback traffic may leave by
	 * the bridge (Docker sets the same without its proxy). */
	char path[96];
	snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/route_localnet", n->bridge);
	r = sysctl_set(path, "1", err);
	if (r < 0)
		return r;
	if (ctx->cfg.ip_forward) {
		r = sysctl_set("/proc/sys/net/ipv4/ip_forward", "1", err);
		if (r >= 0 && n->has_v6)
			r = sysctl_set("/proc/sys/net/ipv6/conf/all/forwarding", "1", err);
		if (r < 0)
			return r;
	}
	berth_err_clear(err);
	return 0;
}

int network_bridge_remove(struct berth_ctx *ctx, const struct net_rec *n, struct berth_error *err)
{
	struct nl *nl;
	if (n->user_bridge)
		return 0;
	int r = ctx_nl(ctx, &nl, err);
	if (r < 0)
		return r;
	r = nl_link_del(nl, n->bridge, err);
	return r == -ENODEV ? 0 : r;
}

void network_veth_name(const char *container_id, const char *network_id, char out[16])
{
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */
	for (const char *p = container_id; *p; p++)
		h = (h ^ (uint8_t)*p) * 0x100000001b3ull;
	h = (h ^ '/') * 0x100000001b3ull;
	for (const char *p = network_id; *p; p++)
		h = (h ^ (uint8_t)*p) * 0x100000001b3ull;
	snprintf(out, 16, "veth%011llx", (unsigned long long)(h & 0xfffffffffffull));
}

int network_plug(struct berth_ctx *ctx, const struct net_rec *n, const struct plug *p,
		 int netns_fd, struct nl *cnl, struct berth_error *err)
{
	struct nl *nl;
	struct nl_link br, peer;
	int r = ctx_nl(ctx, &nl, err);
	if (r >= 0)
		r = nl_link_get(nl, n->bridge, &br, err);
	if (r < 0)
		return r;
	r = nl_veth_add(nl,
			&(struct nl_veth){.name = p->veth, .peer_name = p->ifname,
					  .peer_netns_fd = netns_fd, .mtu = n->mtu,
					  .peer_mac = p->mac, .master = br.ifindex},
			err);
	if (r == -EXFULL) /* (BR_MAX_PORTS: port numbers are 10 bits, 0 unused) */
		return berth_errmsg(err, r, "bridge %s has 1023 ports, the most a Linux bridge takes: "
				    "no room for another container", n->bridge);
	if (r < 0)
		return r;
	int port = r;
	/* A bridge port needs no IPv6 of its own (the bridge has the host's
	 * addresses): without it, no link-local address and routes per port
	 * that every IPv6 route walk of the host goes through. Before it is
	 * up, so none is made. (Best effort: a host without IPv6 has no such
	 * setting.) */
	char path[96];
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", p->veth);
	(void)write_file(path, "1", 1, 0644);
	r = nl_link_set(nl, port, &(struct nl_link_change){.master = -1, .up = 1}, err);
	if (r >= 0 && p->hairpin)
		r = nl_bridge_port_hairpin(nl, port, true, err);
	if (r >= 0)
		r = nl_link_get(cnl, p->ifname, &peer, err);
	struct nl_addr a = {.family = AF_INET, .prefixlen = n->subnet.len};
	a.v4.s_addr = htonl(p->ip);
	if (r >= 0)
		r = nl_addr_add(cnl, peer.ifindex, &a, err);
	if (r >= 0 && p->ip6) {
		struct nl_addr a6 = {.family = AF_INET6, .prefixlen = n->subnet6.len, .v6 = *p->ip6};
		r = nl_addr_add(cnl, peer.ifindex, &a6, err);
	}
	/* Without IPv6 on this network, the interface gets no link-local
	 * address either: its IPv6 chatter would be flooded to every port of
	 * the bridge, each new container costing all the others. */
	struct nl_link_change up = {.master = -1, .up = 1, .no_ipv6_ll = !p->ip6};
	if (r >= 0) {
		r = nl_link_set(cnl, peer.ifindex, &up, NULL);
		if (r == -EAFNOSUPPORT && up.no_ipv6_ll) { /* no IPv6 in this kernel */
			up.no_ipv6_ll = false;
			r = nl_link_set(cnl, peer.ifindex, &up, NULL);
		}
		if (r < 0)
			r = berth_err(err, r, "bring up %s", p->ifname);
	}
	if (r >= 0)
		return peer.ifindex;
	(void)nl_link_del(nl, p->veth, NULL);
	return r;
}

int network_attach(struct berth_ctx *ctx, const struct net_rec *n, const struct ep_rec *ep,
		   int netns_fd, struct nl *cnl, struct berth_error *err)
{
	char a4[16];
	int ifindex = network_plug(ctx, n,
				   &(struct plug){.veth = ep->veth, .ifname = ep->ifname, .mac = ep->mac,
						  .ip = ep->ip, .ip6 = ep->has_ip6 ? &ep->ip6 : NULL,
						  .hairpin = true},
				   netns_fd, cnl, err);
	int r = ifindex < 0 ? ifindex : 0;
	/* The default route belongs to the primary interface only. */
	bool primary = !strcmp(ep->ifname, "eth0");
	if (r >= 0 && primary && !n->internal && cidr4_contains(n->subnet, n->gateway)) {
		uint32_t gw = htonl(n->gateway);
		r = nl_route_add(cnl, AF_INET, NULL, 0, &gw, ifindex, err);
	}
	if (r >= 0 && ep->has_ip6 && primary && !n->internal)
		r = nl_route_add(cnl, AF_INET6, NULL, 0, &n->gateway6, ifindex, err);
	if (r >= 0)
		return 0;
	if (ifindex >= 0)
		(void)network_detach(ctx, ep, NULL);
	return berth_err_wrap(err, r, "attach %s to %s", ip4_str(ep->ip, a4), n->name);
}

int network_detach(struct berth_ctx *ctx, const struct ep_rec *ep, struct berth_error *err)
{
	struct nl *nl;
	int r = ctx_nl(ctx, &nl, err);
	if (r < 0)
		return r;
	r = nl_link_del(nl, ep->veth, err);
	if (r == -ENODEV) {
		berth_err_clear(err);
		return 0;
	}
	return r;
}
