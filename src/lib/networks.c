/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * User-defined networks: create (with a free subnet when none is given),
 * remove, prune, and connecting containers to them while they run.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "container.h"
#include "dns.h"
#include "firewall.h"
#include "netns.h"
#include "network.h"
#include "util.h"

static int bad_opt(struct berth_error *err, const char *kv, const char *want)
{
	return berth_errmsg(err, -EINVAL, "invalid network option \"%s\": %s", kv, want);
}

static int bool_opt(const char *kv, const char *v, bool *out, struct berth_error *err)
{
	if (!strcmp(v, "true") || !strcmp(v, "1"))
		*out = true;
	else if (!strcmp(v, "false") || !strcmp(v, "0"))
		*out = false;
	else
		return bad_opt(err, kv, "want true or false");
	return 0;
}

static bool key_is(const char *kv, size_t kl, const char *key)
{
	return kl == strlen(key) && !strncmp(kv, key, kl);
}

static int apply_options(char *const *opts, struct net_rec *n, struct berth_error *err)
{
	for (; opts && *opts; opts++) {
		const char *kv = *opts, *eq = strchr(kv, '=');
		if (!eq)
			return bad_opt(err, kv, "want KEY=VALUE");
		size_t kl = (size_t)(eq - kv);
		const char *v = eq + 1;
		int r = 0;
		if (key_is(kv, kl, "com.docker.network.bridge.name")) {
			if (!*v || strlen(v) > 15 || strchr(v, '/') || strchr(v, ' '))
				return bad_opt(err, kv, "want an interface name of 1-15 characters");
			snprintf(n->bridge, sizeof(n->bridge), "%s", v);
		} else if (key_is(kv, kl, "com.docker.network.bridge.enable_icc")) {
			r = bool_opt(kv, v, &n->icc, err);
		} else if (key_is(kv, kl, "com.docker.network.bridge.enable_ip_masquerade")) {
			r = bool_opt(kv, v, &n->masquerade, err);
		} else if (key_is(kv, kl, "com.berth.network.anti_spoofing")) {
			r = bool_opt(kv, v, &n->anti_spoofing, err);
		} else if (key_is(kv, kl, "com.docker.network.driver.mtu")) {
			char *end;
			unsigned long m = strtoul(v, &end, 10);
			if (!*v || *end || m < 68 || m > 65535)
				return bad_opt(err, kv, "want an MTU of 68-65535");
			n->mtu = (unsigned)m;
		} else {
			return bad_opt(err, kv, "unknown option");
		}
		if (r < 0)
			return r;
	}
	return 0;
}

/* Does c overlap a berth network, or an address or route of the host? */
static int overlap(struct berth_ctx *ctx, struct store *st, struct cidr4 c, char *what, size_t n)
{
	_cleanup_free_ struct net_rec *nets = NULL;
	size_t nn = 0;
	char a[20];
	if (store_network_list(st, &nets, &nn) == 0)
		for (size_t i = 0; i < nn; i++)
			if (cidr4_overlaps(c, nets[i].subnet)) {
				snprintf(what, n, "network %s (%s)", nets[i].name,
					 cidr4_str(nets[i].subnet, a));
				return 1;
			}
	struct nl *nl;
	if (ctx_nl(ctx, &nl, NULL) < 0)
		return 0;
	_cleanup_free_ struct nl_addr *routes = NULL;
	int nr = nl_route_list(nl, AF_INET, &routes, NULL);
	for (int i = 0; i < nr; i++) {
		struct cidr4 r = {.addr = ntohl(routes[i].v4.s_addr), .len = routes[i].prefixlen};
		if (r.len == 0)
			continue; /* the default route overlaps everything */
		if (cidr4_overlaps(c, r)) {
			snprintf(what, n, "a route of the host (%s)", cidr4_str(r, a));
			return 1;
		}
	}
	return 0;
}

/* Docker's default pools: 172.17-31.0.0/16, then 192.168.0.0/16 in /20s. */
static int pick_subnet(struct berth_ctx *ctx, struct store *st, struct cidr4 *out,
		       struct berth_error *err)
{
	char what[128];
	for (unsigned b = 18; b <= 31; b++) {
		struct cidr4 c = {.addr = (172u << 24) | (b << 16), .len = 16};
		if (!overlap(ctx, st, c, what, sizeof(what))) {
			*out = c;
			return 0;
		}
	}
	for (unsigned k = 0; k < 16; k++) {
		struct cidr4 c = {.addr = (192u << 24) | (168u << 16) | (k << 12), .len = 20};
		if (!overlap(ctx, st, c, what, sizeof(what))) {
			*out = c;
			return 0;
		}
	}
	return berth_errmsg(err, -ENOSPC,
			    "could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network");
}

static bool valid_net_name(const char *s)
{
	size_t n = strlen(s);
	return n >= 1 && n <= 64 &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n &&
	       s[0] != '-' && s[0] != '.';
}

int berth_network_create(struct berth_ctx *ctx, const struct berth_network_opts *o, char id[65],
			 struct berth_error *err)
{
	struct store *st;
	struct net_rec n = {.icc = true, .masquerade = true, .anti_spoofing = true};
	char what[128];
	int r = ctx_store(ctx, &st, err);
	if (r < 0)
		return r;
	if (!o->name || !valid_net_name(o->name))
		return berth_errmsg(err, -EINVAL, "invalid network name \"%s\": want [a-zA-Z0-9][a-zA-Z0-9_.-]*",
				    o->name ? o->name : "");
	if (!strcmp(o->name, "bridge") || !strcmp(o->name, "host") || !strcmp(o->name, "none") ||
	    !strcmp(o->name, "default"))
		return berth_errmsg(err, -EEXIST,
				    "operation is not permitted on predefined %s network", o->name);
	if (o->driver && strcmp(o->driver, "bridge"))
		return berth_errmsg(err, -EOPNOTSUPP, "plugin \"%s\" not found (berth has the bridge driver)",
				    o->driver);
	struct net_rec existing;
	if (store_network_get(st, o->name, &existing) == 0)
		return berth_errmsg(err, -EEXIST, "network with name %s already exists", o->name);
	snprintf(n.name, sizeof(n.name), "%s", o->name);
	snprintf(n.driver, sizeof(n.driver), "bridge");
	n.internal = o->internal;
	r = apply_options(o->options, &n, err);
	if (r < 0)
		return r;
	if (o->subnet) {
		r = ipam_parse_cidr4(o->subnet, &n.subnet, err);
		if (r < 0)
			return r;
		n.subnet.addr = cidr4_network(n.subnet);
		if (n.subnet.len > 30)
			return berth_errmsg(err, -EINVAL, "subnet %s is too small: want /30 or larger", o->subnet);
		if (overlap(ctx, st, n.subnet, what, sizeof(what)))
			return berth_errmsg(err, -EEXIST, "Pool overlaps with other one on this address space: %s overlaps %s",
					    o->subnet, what);
	} else {
		if (o->gateway || o->ip_range)
			return berth_errmsg(err, -EINVAL, "--gateway and --ip-range need --subnet");
		r = pick_subnet(ctx, st, &n.subnet, err);
		if (r < 0)
			return r;
	}
	n.gateway = n.subnet.addr + 1;
	if (o->gateway) {
		r = ipam_parse_ip4(o->gateway, &n.gateway, err);
		if (r < 0)
			return r;
		if (!cidr4_contains(n.subnet, n.gateway) || n.gateway == cidr4_network(n.subnet) ||
		    n.gateway == cidr4_broadcast(n.subnet))
			return berth_errmsg(err, -EINVAL, "gateway %s is not a host address of subnet %s",
					    o->gateway, o->subnet);
	}
	n.range = n.subnet;
	if (o->ip_range) {
		r = ipam_parse_cidr4(o->ip_range, &n.range, err);
		if (r < 0)
			return r;
		n.range.addr = cidr4_network(n.range);
		if (!cidr4_contains(n.subnet, n.range.addr) || n.range.len < n.subnet.len)
			return berth_errmsg(err, -EINVAL, "ip-range %s is not inside subnet %s", o->ip_range,
					    o->subnet);
	}
	if (o->ipv6 || o->subnet6) {
		if (!o->subnet6)
			return berth_errmsg(err, -EINVAL, "--ipv6 needs an IPv6 --subnet (e.g. 2001:db8:1::/64)");
		r = ipam_parse_cidr6(o->subnet6, &n.subnet6, err);
		if (r < 0)
			return r;
		if (n.subnet6.len > 80)
			return berth_errmsg(err, -EINVAL, "IPv6 subnet %s is too small: want /80 or larger", o->subnet6);
		for (unsigned i = n.subnet6.len; i < 128; i++)
			n.subnet6.addr.s6_addr[i / 8] &= (uint8_t) ~(0x80u >> (i % 8));
		n.gateway6 = n.subnet6.addr;
		n.gateway6.s6_addr[15] |= 1;
		n.has_v6 = true;
	}
	r = random_hex(n.id, 64);
	if (r < 0)
		return berth_err(err, r, "network id");
	if (!n.bridge[0])
		snprintf(n.bridge, sizeof(n.bridge), "br-%.12s", n.id);
	now_rfc3339(n.created);
	struct nl *nl;
	struct nl_link l;
	if (ctx_nl(ctx, &nl, err) >= 0 && nl_link_get(nl, n.bridge, &l, NULL) > 0)
		return berth_errmsg(err, -EEXIST, "an interface named %s already exists on the host", n.bridge);
	r = store_network_put(st, &n, err);
	fault_point("network-create:stored");
	if (r < 0)
		return r;
	r = network_bridge_ensure(ctx, &n, err);
	if (r >= 0)
		r = firewall_sync(ctx, err);
	if (r < 0) {
		(void)network_bridge_remove(ctx, &n, NULL);
		(void)store_network_del(st, n.id, NULL);
		(void)firewall_sync(ctx, NULL);
		return r;
	}
	memcpy(id, n.id, 65);
	return 0;
}

/* Names change on the network and on every other network of the container
 * (their servers also answer for its networks' names). */
static int dns_refresh(struct berth_ctx *ctx, struct store *st, const char *ctr_id,
		       const char *net_id, struct berth_error *err)
{
	_cleanup_free_ struct ep_rec *eps = NULL;
	size_t n = 0;
	int r = dns_update(ctx, net_id, err);
	if (store_endpoint_list(st, ctr_id, NULL, &eps, &n) == 0)
		for (size_t i = 0; r >= 0 && i < n; i++)
			r = dns_update(ctx, eps[i].network_id, err);
	return r;
}

static int get_net(struct store *st, const char *ref, struct net_rec *n, struct berth_error *err)
{
	int r = store_network_get(st, ref, n);
	if (r == -ENOENT)
		return berth_errmsg(err, r, "network %s not found", ref);
	if (r == -ENOTUNIQ)
		return berth_errmsg(err, r, "network %s is ambiguous: use more of the id", ref);
	return r;
}

static int remove_net(struct berth_ctx *ctx, struct store *st, const struct net_rec *n,
		      struct berth_error *err)
{
	if (n->builtin)
		return berth_errmsg(err, -EPERM, "%s is a pre-defined network and cannot be removed", n->name);
	if (store_network_users(st, n->id) != 0)
		return berth_errmsg(err, -EBUSY, "error while removing network: network %s id %s has active endpoints",
				    n->name, n->id);
	dns_stop(ctx, n->id);
	(void)network_bridge_remove(ctx, n, NULL);
	fault_point("network-rm:bridge");
	int r = store_network_del(st, n->id, err);
	if (r >= 0)
		r = firewall_sync(ctx, err);
	return r;
}

int berth_network_remove(struct berth_ctx *ctx, const char *ref, struct berth_error *err)
{
	struct store *st;
	struct net_rec n;
	int r = ctx_store(ctx, &st, err);
	if (r >= 0 && !strcmp(ref, "host"))
		return berth_errmsg(err, -EPERM, "host is a pre-defined network and cannot be removed");
	if (r >= 0 && !strcmp(ref, "none"))
		return berth_errmsg(err, -EPERM, "none is a pre-defined network and cannot be removed");
	if (r >= 0)
		r = get_net(st, ref, &n, err);
	return r < 0 ? r : remove_net(ctx, st, &n, err);
}

int berth_network_prune(struct berth_ctx *ctx, json_t *removed, struct berth_error *err)
{
	struct store *st;
	_cleanup_free_ struct net_rec *nets = NULL;
	size_t n = 0;
	int r = ctx_store(ctx, &st, err);
	if (r >= 0)
		r = store_network_list(st, &nets, &n);
	for (size_t i = 0; r >= 0 && i < n; i++) {
		if (nets[i].builtin || store_network_users(st, nets[i].id) != 0)
			continue;
		r = remove_net(ctx, st, &nets[i], err);
		if (r >= 0)
			json_array_append_new(removed, json_string(nets[i].name));
	}
	return r;
}

int berth_network_connect(struct berth_ctx *ctx, const char *net, const char *ctr,
			  const char *ip, char *const *aliases, struct berth_error *err)
{
	struct store *st;
	struct net_rec n;
	struct ctr_rec c;
	int r = ctx_store(ctx, &st, err);
	if (r >= 0)
		r = get_net(st, net, &n, err);
	if (r < 0)
		return r;
	if ((r = container_get(ctx, ctr, &c, err)) < 0)
		return r;
	_cleanup_free_ struct ep_rec *eps = NULL;
	size_t ne = 0;
	(void)store_endpoint_list(st, c.id, NULL, &eps, &ne);
	if (container_net_mode(&c, NULL) != NET_BRIDGE)
		r = berth_errmsg(err, -EINVAL, "container %s cannot be connected to a network: its network mode is not bridge",
				 c.name);
	for (size_t i = 0; r >= 0 && i < ne; i++)
		if (!strcmp(eps[i].network_id, n.id))
			r = berth_errmsg(err, -EEXIST, "endpoint with name %s already exists in network %s",
					 c.name, n.name);
	if (r >= 0 && aliases && aliases[0] && n.builtin)
		r = berth_errmsg(err, -EINVAL, "network-scoped alias is supported only for containers in user defined networks");
	if (r < 0) {
		ctr_rec_clear(&c);
		return r;
	}
	struct ep_rec ep = {0};
	snprintf(ep.container_id, sizeof(ep.container_id), "%s", c.id);
	snprintf(ep.network_id, sizeof(ep.network_id), "%s", n.id);
	/* The next free ethN. */
	for (unsigned k = 0;; k++) {
		bool used = false;
		snprintf(ep.ifname, sizeof(ep.ifname), "eth%u", k);
		for (size_t i = 0; i < ne; i++)
			used |= !strcmp(eps[i].ifname, ep.ifname);
		if (!used)
			break;
	}
	network_veth_name(c.id, n.id, ep.veth);
	snprintf(ep.req_ip, sizeof(ep.req_ip), "%s", ip ? ip : "");
	for (size_t len = 0; aliases && *aliases; aliases++)
		len += (size_t)snprintf(ep.aliases + len, sizeof(ep.aliases) - len, "%s%s",
					len ? "," : "", *aliases);
	bool running = c.state == CTR_RUNNING && ctr_alive(&c);
	if (!running) {
		/* Recorded now, plugged at the next start. */
		r = store_endpoint_put(st, &ep, err);
		ctr_rec_clear(&c);
		return r;
	}
	_cleanup_close_ int fd = container_netns_open(ctx, &c, err);
	_cleanup_(nl_closep) struct nl *cnl = NULL;
	r = fd < 0 ? fd : nl_open(&cnl, fd, err);
	if (r >= 0)
		r = container_attach_endpoint(ctx, &c, &ep, fd, cnl, err);
	if (r < 0) {
		(void)network_detach(ctx, &ep, NULL);
		(void)store_endpoint_del(st, c.id, n.id, NULL);
	} else {
		r = firewall_sync(ctx, err);
		if (r >= 0)
			r = dns_refresh(ctx, st, c.id, n.id, err);
	}
	ctr_rec_clear(&c);
	return r;
}

int berth_network_disconnect(struct berth_ctx *ctx, const char *net, const char *ctr,
			     struct berth_error *err)
{
	struct store *st;
	struct net_rec n;
	struct ctr_rec c;
	int r = ctx_store(ctx, &st, err);
	if (r >= 0)
		r = get_net(st, net, &n, err);
	if (r < 0)
		return r;
	if ((r = container_get(ctx, ctr, &c, err)) < 0)
		return r;
	_cleanup_free_ struct ep_rec *eps = NULL;
	size_t ne = 0;
	(void)store_endpoint_list(st, c.id, n.id, &eps, &ne);
	if (!ne) {
		r = berth_errmsg(err, -ENOENT, "container %s is not connected to network %s", c.name, n.name);
		ctr_rec_clear(&c);
		return r;
	}
	(void)network_detach(ctx, &eps[0], NULL);
	r = store_endpoint_del(st, c.id, n.id, err);
	if (r >= 0)
		r = firewall_sync(ctx, err);
	if (r >= 0)
		r = dns_refresh(ctx, st, c.id, n.id, err);
	ctr_rec_clear(&c);
	return r;
}
