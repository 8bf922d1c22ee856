/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * berth-cni's operations over the library: an attachment is a veth pair
 * from a bridge into the runtime's namespace, an address from the network's
 * pool, and its portMappings, all in one process and (when the rules change)
 * one firewall transaction.
 *
 * A CNI network is a berth network named "cni:NAME" (driver "cni"), made
 * and updated from the configuration on ADD; its attachments live in the
 * store's cni table, keyed by (network, container id, interface). Order
 * makes crashes repairable: ADD records the attachment before touching the
 * kernel and DEL removes the record last, so a half-done attachment is
 * always one DEL or GC can find.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "berth.h"
#include "cni.h"
#include "cniconf.h"
#include "conntrack.h"
#include "ctx.h"
#include "firewall.h"
#include "network.h"
#include "publish.h"
#include "util.h"

static int check_args(const struct berth_cni_args *a, bool need_netns, struct berth_error *err)
{
	if (!a->container_id || !*a->container_id || strlen(a->container_id) >= 256)
		return berth_errmsg(err, -ENXIO, "CNI_CONTAINERID: want a container id of 1-255 characters");
	if (!a->ifname || !*a->ifname || strlen(a->ifname) >= IFNAMSIZ || strpbrk(a->ifname, "/ :") ||
	    !strcmp(a->ifname, ".") || !strcmp(a->ifname, ".."))
		return berth_errmsg(err, -ENXIO, "CNI_IFNAME \"%s\": want an interface name of 1-15 characters",
				    a->ifname ? a->ifname : "");
	if (need_netns && (!a->netns || !*a->netns || strlen(a->netns) >= 256))
		return berth_errmsg(err, -ENXIO, "CNI_NETNS: want the path of a network namespace");
	return 0;
}

static void net_name(const char *cni_name, char out[128])
{
	snprintf(out, 128, "cni:%s", cni_name);
}

/* The network record the configuration describes. */
static void net_from_conf(const struct cni_conf *c, struct net_rec *n)
{
	net_name(c->name, n->name);
	snprintf(n->driver, sizeof(n->driver), "cni");
	snprintf(n->bridge, sizeof(n->bridge), "%s", c->bridge);
	n->subnet = c->subnet;
	n->range = c->subnet;
	n->gateway = c->gateway;
	n->mtu = c->mtu;
	n->has_v6 = c->has_v6;
	n->subnet6 = c->subnet6;
	n->gateway6 = c->gateway6;
	n->masquerade = c->ip_masq;
	n->has_no_masq = c->has_no_masq;
	n->no_masq = c->no_masq;
	n->icc = true;
}

/* What the store keeps of a network, compared. */
static bool net_same(const struct net_rec *a, const struct net_rec *b)
{
	return !strcmp(a->bridge, b->bridge) && a->subnet.addr == b->subnet.addr &&
	       a->subnet.len == b->subnet.len && a->gateway == b->gateway && a->mtu == b->mtu &&
	       a->has_v6 == b->has_v6 && a->masquerade == b->masquerade &&
	       a->has_no_masq == b->has_no_masq && a->no_masq.addr == b->no_masq.addr &&
	       a->no_masq.len == b->no_masq.len &&
	       (!a->has_v6 || (a->subnet6.len == b->subnet6.len &&
			       !memcmp(&a->subnet6.addr, &b->subnet6.addr, 16) &&
			       !memcmp(&a->gateway6, &b->gateway6, 16)));
}

/* Inside a transaction: find or make the network; *changed when the
 * firewall must hear of it. A changed configuration is taken only while the
 * network has no attachments. */
static int ensure_network(struct berth_ctx *ctx, struct store *st, const struct cni_conf *c,
			  struct net_rec *n, bool *changed, struct berth_error *err)
{
	struct net_rec want = {0};
	net_from_conf(c, &want);
	*changed = false;
	if (store_network_get(st, want.name, n) == 0) {
		if (strcmp(n->driver, "cni"))
			return berth_errmsg(err, -EINVAL, "network %s exists and is not berth-cni's", want.name);
		if (net_same(n, &want))
			return 0;
		struct cni_rec *v = NULL;
		size_t cnt = 0;
		(void)store_cni_list(st, n->id, NULL, NULL, &v, &cnt);
		cni_recs_free(v, cnt);
		if (cnt) {
			char s1[19], s2[19];
			return berth_errmsg(err, -EINVAL,
					    "network %s: the configuration changed (bridge %s subnet %s, now %s %s) while %zu attachments use it: delete them first, or give the network a new name",
					    c->name, n->bridge, cidr4_str(n->subnet, s1), want.bridge,
					    cidr4_str(want.subnet, s2), cnt);
		}
		memcpy(want.id, n->id, sizeof(want.id));
		memcpy(want.created, n->created, sizeof(want.created));
	} else {
		int r = random_hex(want.id, 64);
		if (r < 0)
			return berth_err(err, r, "network id");
		now_rfc3339(want.created);
	}
	/* Another berth network on the same bridge or an overlapping subnet
	 * would mix two address plans on one wire. */
	_cleanup_free_ struct net_rec *all = NULL;
	size_t na = 0;
	(void)store_network_list(st, &all, &na);
	for (size_t i = 0; i < na; i++) {
		char s[19];
		if (!strcmp(all[i].id, want.id))
			continue;
		if (!strcmp(all[i].bridge, want.bridge))
			return berth_errmsg(err, -EINVAL, "bridge %s is already used by berth network %s",
					    want.bridge, all[i].name);
		if (cidr4_overlaps(all[i].subnet, want.subnet))
			return berth_errmsg(err, -EINVAL, "subnet %s overlaps berth network %s (%s)",
					    cidr4_str(want.subnet, s), all[i].name,
					    cidr4_str(all[i].subnet, (char[19]){0}));
	}
	int r = store_network_put(st, &want, err);
	if (r < 0)
		return r;
	*n = want;
	*changed = true;
	return 0;
}

/* Allocate the addresses of a new attachment (inside a transaction). */
static int allocate(struct store *st, const struct cni_conf *c, const struct net_rec *n,
		    struct cni_rec *rec, struct berth_error *err)
{
	struct ipam_pool pool = {.subnet = n->subnet, .range = n->subnet, .gateway = n->gateway,
				 .first = c->range_start, .last = c->range_end};
	_cleanup_free_ uint32_t *used = NULL;
	size_t n_used = 0;
	char a[16];
	int r = store_network_ips(st, n->id, &used, &n_used);
	if (r < 0)
		return berth_err(err, r, "list addresses");
	if (c->req_ip) {
		rec->ip = c->req_ip;
		r = ipam_check(&pool, rec->ip, err);
		for (size_t i = 0; r >= 0 && i < n_used; i++)
			if (used[i] == rec->ip)
				r = berth_errmsg(err, -EADDRINUSE, "requested IP address %s is not available in network %s",
						 ip4_str(rec->ip, a), c->name);
	} else {
		r = ipam_next_free(&pool, used, n_used, &rec->ip, err);
	}
	for (size_t i = 0; r >= 0 && i < c->n_ports; i++)
		r = publish_cni_check(st, c->ports[i].proto, c->ports[i].family, c->ports[i].host_ip,
				      c->ports[i].host_port, err);
	if (r < 0)
		return r;
	if (c->has_req_mac)
		memcpy(rec->mac, c->req_mac, 6);
	else
		ipam_mac_from_ip4(rec->ip, rec->mac);
	if (n->has_v6) {
		rec->has_ip6 = true;
		if (c->has_req_ip6) {
			if (!cidr6_contains(n->subnet6, &c->req_ip6))
				return berth_errmsg(err, -EINVAL, "requested IPv6 address is outside the network's subnet");
			rec->ip6 = c->req_ip6;
		} else if ((r = ipam_ip6_from_mac(&n->subnet6, rec->mac, &rec->ip6)) < 0) {
			return berth_errmsg(err, r, "IPv6 prefix of network %s is too long", c->name);
		}
	}
	return 0;
}

static json_t *ports_json(const struct cni_conf *c)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < c->n_ports; i++)
		json_array_append_new(a, json_pack("{s:i, s:i, s:s, s:i, s:i}", "proto", c->ports[i].proto,
						   "family", c->ports[i].family, "hostIP", c->ports[i].host_ip,
						   "hostPort", c->ports[i].host_port,
						   "containerPort", c->ports[i].ctr_port));
	return a;
}

struct forget_arg {
	struct store *st;
	const struct cni_rec *rec;
};

static int forget_attachment(void *arg, struct berth_error *err)
{
	const struct forget_arg *a = arg;
	if (json_array_size(a->rec->ports)) /* (see release_endpoints) */
		(void)conntrack_forget(a->rec->ip);
	return store_cni_del(a->st, a->rec->network_id, a->rec->container_id, a->rec->ifname, err);
}

/* Kernel first, the record last: a release cut short is found again. */
int cni_release(struct berth_ctx *ctx, const struct cni_rec *rec, bool rules,
		struct berth_error *err)
{
	struct nl *nl;
	struct store *st;
	int r = ctx_nl(ctx, &nl, err);
	if (r >= 0) {
		r = nl_link_del(nl, rec->veth, err);
		if (r == -ENODEV) {
			berth_err_clear(err);
			r = 0;
		}
	}
	if (r < 0)
		return berth_err_wrap(err, r, "delete %s", rec->veth);
	fault_point("cni-del:unplugged");
	r = ctx_store(ctx, &st, err);
	if (r < 0)
		return r;
	/* The store lets go of the attachment, and its mappings go from the
	 * rules in the same step (see firewall_release). */
	struct forget_arg fa = {st, rec};
	struct net_rec n;
	if (!rules || !json_array_size(rec->ports) || store_network_get(st, rec->network_id, &n) < 0)
		return forget_attachment(&fa, err);
	struct fw_delta *d = fw_delta_of_cni(rec, n.bridge);
	r = firewall_release(ctx, d, forget_attachment, &fa, err);
	fw_delta_free(d);
	return r;
}

/* The kernel side of an attachment: bridge, veth, addresses, routes. */
static int plug(struct berth_ctx *ctx, const struct cni_conf *c, const struct net_rec *n,
		const struct cni_rec *rec, struct nl *cnl, int netns_fd, struct berth_error *err)
{
	struct net_rec bridge = *n;
	if (!c->is_gateway) { /* a bridge without addresses */
		bridge.gateway = 0;
		bridge.has_v6 = false;
	}
	int r = network_bridge_ensure(ctx, &bridge, err);
	int ifindex = r < 0 ? r
			    : network_plug(ctx, n,
					   &(struct plug){.veth = rec->veth, .ifname = rec->ifname,
							  .mac = rec->mac, .ip = rec->ip,
							  .ip6 = rec->has_ip6 ? &rec->ip6 : NULL,
							  .hairpin = c->hairpin},
					   netns_fd, cnl, err);
	if (ifindex < 0)
		return berth_err_wrap(err, ifindex, "plug %s", rec->veth);
	uint32_t gw4 = htonl(n->gateway);
	for (size_t i = 0; r >= 0 && i < c->n_routes; i++) {
		const struct cni_route *rt = &c->routes[i];
		const void *gw = rt->has_gw ? (const void *)&rt->gw
				 : rt->family == AF_INET ? (const void *)&gw4
							 : (const void *)&n->gateway6;
		if (rt->family == AF_INET6 && !rec->has_ip6)
			continue;
		r = nl_route_add(cnl, rt->family, &rt->dst, rt->len, gw, ifindex, err);
		if (r == -EEXIST)
			r = 0;
	}
	if (r >= 0 && c->is_default_gw) {
		r = nl_route_add(cnl, AF_INET, NULL, 0, &gw4, ifindex, err);
		if (r >= 0 && rec->has_ip6)
			r = nl_route_add(cnl, AF_INET6, NULL, 0, &n->gateway6, ifindex, err);
		if (r == -EEXIST)
			r = 0;
	}
	berth_err_clear(r >= 0 ? err : NULL);
	return r;
}

/* ---- the result ---- */

static json_t *iface_json(const char *name, const uint8_t mac[6], const char *sandbox)
{
	char m[18];
	json_t *o = json_pack("{s:s, s:s}", "name", name, "mac", mac_str(mac, m));
	if (o && sandbox)
		json_object_set_new(o, "sandbox", json_string(sandbox));
	return o;
}

static json_t *ip_json(const struct cni_conf *c, int family, const void *addr, uint8_t len,
		       const void *gw, size_t iface)
{
	char a[INET6_ADDRSTRLEN], g[INET6_ADDRSTRLEN], buf[64];
	inet_ntop(family, addr, a, sizeof(a));
	snprintf(buf, sizeof(buf), "%s/%u", a, len);
	json_t *o = json_pack("{s:s, s:I}", "address", buf, "interface", (json_int_t)iface);
	if (o && gw)
		json_object_set_new(o, "gateway", json_string(inet_ntop(family, gw, g, sizeof(g))));
	if (o && c->version < CNI_V100)
		json_object_set_new(o, "version", json_string(family == AF_INET ? "4" : "6"));
	return o;
}

static json_t *route_json(int family, const void *dst, uint8_t len, const void *gw)
{
	char d[INET6_ADDRSTRLEN], g[INET6_ADDRSTRLEN], buf[64];
	inet_ntop(family, dst, d, sizeof(d));
	snprintf(buf, sizeof(buf), "%s/%u", d, len);
	json_t *o = json_pack("{s:s}", "dst", buf);
	if (o && gw)
		json_object_set_new(o, "gw", json_string(inet_ntop(family, gw, g, sizeof(g))));
	return o;
}

/* Append a copy of prev[key] (an array) to out[key]. */
static json_t *arr(json_t *out, const char *key, json_t *prev)
{
	json_t *a = json_object_get(out, key);
	if (!a) {
		json_t *p = json_object_get(prev, key);
		a = json_is_array(p) ? json_deep_copy(p) : json_array();
		json_object_set_new(out, key, a);
	}
	return a;
}

static json_t *build_result(const struct cni_conf *c, const struct net_rec *n,
			    const struct cni_rec *rec, const uint8_t br_mac[6],
			    const uint8_t veth_mac[6])
{
	json_t *out = json_pack("{s:s}", "cniVersion", c->version_str);
	if (!out)
		return NULL;
	json_t *ifs = arr(out, "interfaces", c->prev_result);
	json_t *ips = arr(out, "ips", c->prev_result);
	json_t *routes = arr(out, "routes", c->prev_result);
	size_t base = json_array_size(ifs);
	json_array_append_new(ifs, iface_json(n->bridge, br_mac, NULL));
	json_array_append_new(ifs, iface_json(rec->veth, veth_mac, NULL));
	json_array_append_new(ifs, iface_json(rec->ifname, rec->mac, rec->netns));
	uint32_t ip4 = htonl(rec->ip), gw4 = htonl(n->gateway);
	json_array_append_new(ips, ip_json(c, AF_INET, &ip4, n->subnet.len, &gw4, base + 2));
	if (rec->has_ip6)
		json_array_append_new(ips, ip_json(c, AF_INET6, &rec->ip6, n->subnet6.len, &n->gateway6,
						   base + 2));
	for (size_t i = 0; i < c->n_routes; i++) {
		const struct cni_route *rt = &c->routes[i];
		if (rt->family == AF_INET || rec->has_ip6)
			json_array_append_new(routes, route_json(rt->family, &rt->dst, rt->len,
								 rt->has_gw ? &rt->gw : NULL));
	}
	if (c->is_default_gw) {
		struct in6_addr any = {0};
		json_array_append_new(routes, route_json(AF_INET, &any, 0, &gw4));
		if (rec->has_ip6)
			json_array_append_new(routes, route_json(AF_INET6, &any, 0, &n->gateway6));
	}
	json_t *dns = c->dns ? c->dns : json_object_get(c->prev_result, "dns");
	json_object_set_new(out, "dns", dns ? json_deep_copy(dns) : json_object());
	return out;
}

/* ---- the operations ---- */

static int open_netns(const char *path, int *fd, struct nl **cnl, struct berth_error *err)
{
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		return berth_errmsg(err, -ENOENT, "network namespace %s: %s", path, strerror(errno));
	int r = nl_open(cnl, *fd, err);
	if (r < 0) {
		close(*fd);
		*fd = -1;
	}
	return r;
}

static int attachment_get(struct store *st, const char *net_id, const struct berth_cni_args *a,
			  struct cni_rec *out)
{
	struct cni_rec *v = NULL;
	size_t n = 0;
	int r = store_cni_list(st, net_id, a->container_id, a->ifname, &v, &n);
	if (r < 0)
		return r;
	if (!n) {
		free(v);
		return -ENOENT;
	}
	*out = v[0];
	v[0].ports = NULL;
	cni_recs_free(v, n);
	return 0;
}

int berth_cni_add(struct berth_ctx *ctx, const struct cni_conf *c, const struct berth_cni_args *a,
		  json_t **result, struct berth_error *err)
{
	struct store *st;
	struct net_rec n;
	struct cni_rec rec = {0};
	bool changed = false;
	int r = check_args(a, true, err);
	if (r < 0)
		return r;
	_cleanup_close_ int netns_fd = -1;
	_cleanup_(nl_closep) struct nl *cnl = NULL;
	r = open_netns(a->netns, &netns_fd, &cnl, err);
	if (r >= 0)
		r = ctx_store(ctx, &st, err);
	if (r < 0)
		return r;
	/* An ADD again for the same attachment (a runtime retrying after a
	 * crash) starts from nothing rather than failing forever. */
	char name[128];
	net_name(c->name, name);
	struct net_rec old;
	if (store_network_get(st, name, &old) == 0 && attachment_get(st, old.id, a, &rec) == 0) {
		r = cni_release(ctx, &rec, true, err);
		cni_rec_clear(&rec);
		if (r < 0)
			return r;
	}
	struct nl_link l;
	if (nl_link_get(cnl, a->ifname, &l, NULL) >= 0)
		return berth_errmsg(err, -EEXIST, "interface %s already exists in %s", a->ifname, a->netns);

	r = store_begin(st, err);
	if (r < 0)
		return r;
	r = ensure_network(ctx, st, c, &n, &changed, err);
	memset(&rec, 0, sizeof(rec));
	if (r >= 0) {
		char key[300];
		snprintf(rec.network_id, sizeof(rec.network_id), "%s", n.id);
		snprintf(rec.container_id, sizeof(rec.container_id), "%s", a->container_id);
		snprintf(rec.ifname, sizeof(rec.ifname), "%s", a->ifname);
		snprintf(rec.netns, sizeof(rec.netns), "%s", a->netns);
		snprintf(key, sizeof(key), "%s/%s", a->container_id, a->ifname);
		network_veth_name(key, n.id, rec.veth);
		now_rfc3339(rec.created);
		rec.ports = ports_json(c);
		r = rec.ports ? allocate(st, c, &n, &rec, err) : -ENOMEM;
	}
	if (r >= 0)
		r = store_cni_put(st, &rec, err);
	if (r >= 0)
		r = store_commit(st, err);
	else
		store_rollback(st);
	if (r < 0) {
		cni_rec_clear(&rec);
		return r;
	}

	fault_point("cni-add:stored");
	r = plug(ctx, c, &n, &rec, cnl, netns_fd, err);
	fault_point("cni-add:plugged");
	/* The rules change only with a network or with published ports (every
	 * CNI network has icc on and no per-attachment rule). */
	if (r >= 0 && changed)
		r = firewall_sync(ctx, err);
	else if (r >= 0 && c->n_ports)
		r = firewall_cni(ctx, &rec, n.bridge, err);
	struct nl *nl;
	struct nl_link br = {0}, veth = {0};
	if (r >= 0 && (r = ctx_nl(ctx, &nl, err)) >= 0 && (r = nl_link_get(nl, n.bridge, &br, err)) >= 0)
		r = nl_link_get(nl, rec.veth, &veth, err);
	if (r >= 0) {
		*result = build_result(c, &n, &rec, br.mac, veth.mac);
		if (!*result)
			r = berth_err(err, -ENOMEM, "result");
	}
	if (r < 0) {
		struct berth_error ignored;
		(void)cni_release(ctx, &rec, !changed, &ignored);
		if (changed)
			(void)firewall_sync(ctx, NULL);
	}
	cni_rec_clear(&rec);
	return r;
}

int berth_cni_del(struct berth_ctx *ctx, const struct cni_conf *c, const struct berth_cni_args *a,
		  struct berth_error *err)
{
	struct store *st;
	struct net_rec n;
	char name[128];
	int r = check_args(a, false, err);
	if (r >= 0)
		r = ctx_store(ctx, &st, err);
	if (r < 0)
		return r;
	/* By the network's name; if the configuration names a network berth
	 * does not know, by container and interface wherever they are. */
	net_name(c->name ? c->name : "", name);
	bool known = store_network_get(st, name, &n) == 0;
	struct cni_rec *v = NULL;
	size_t cnt = 0;
	r = store_cni_list(st, known ? n.id : NULL, a->container_id, a->ifname, &v, &cnt);
	if (r < 0)
		return berth_err(err, r, "list attachments");
	for (size_t i = 0; r >= 0 && i < cnt; i++)
		r = cni_release(ctx, &v[i], true, err);
	cni_recs_free(v, cnt);
	return r;
}

int berth_cni_check(struct berth_ctx *ctx, const struct cni_conf *c, const struct berth_cni_args *a,
		    struct berth_error *err)
{
	struct store *st;
	struct net_rec n;
	struct cni_rec rec;
	char name[128], ip[16];
	int r = check_args(a, true, err);
	if (r >= 0)
		r = ctx_store(ctx, &st, err);
	if (r < 0)
		return r;
	net_name(c->name, name);
	if (store_network_get(st, name, &n) < 0 || attachment_get(st, n.id, a, &rec) < 0)
		return berth_errmsg(err, -ENOENT, "no attachment of container %s (%s) on network %s",
				    a->container_id, a->ifname, c->name);
	_cleanup_close_ int fd = -1;
	_cleanup_(nl_closep) struct nl *cnl = NULL;
	_cleanup_free_ struct nl_addr *addrs = NULL;
	struct nl *nl;
	struct nl_link peer, veth, br;
	ip4_str(rec.ip, ip);
	r = open_netns(a->netns, &fd, &cnl, err);
	if (r >= 0 && nl_link_get(cnl, a->ifname, &peer, NULL) < 0)
		r = berth_errmsg(err, -ENOENT, "interface %s is missing in %s", a->ifname, a->netns);
	if (r >= 0 && memcmp(peer.mac, rec.mac, 6))
		r = berth_errmsg(err, -EIO, "interface %s has another MAC address than berth gave it", a->ifname);
	int na = r >= 0 ? nl_addr_list(cnl, peer.ifindex, AF_INET, &addrs, err) : 0;
	bool found = false;
	for (int i = 0; i < na; i++)
		found |= ntohl(addrs[i].v4.s_addr) == rec.ip && addrs[i].prefixlen == n.subnet.len;
	if (r >= 0 && (na < 0 || !found))
		r = berth_errmsg(err, -EIO, "interface %s lacks its address %s/%u", a->ifname, ip, n.subnet.len);
	if (r >= 0)
		r = ctx_nl(ctx, &nl, err);
	if (r >= 0 && (nl_link_get(nl, n.bridge, &br, NULL) < 0 || nl_link_get(nl, rec.veth, &veth, NULL) < 0 ||
		       veth.master != br.ifindex))
		r = berth_errmsg(err, -EIO, "host side %s is missing or not on bridge %s", rec.veth, n.bridge);
	/* What the runtime was told must be what berth has. */
	size_t i;
	json_t *pip;
	json_array_foreach(json_object_get(c->prev_result, "ips"), i, pip) {
		const char *addr = json_string_value(json_object_get(pip, "address"));
		char want[32];
		snprintf(want, sizeof(want), "%s/%u", ip, n.subnet.len);
		if (r >= 0 && addr && strchr(addr, '.') && strcmp(addr, want))
			r = berth_errmsg(err, -EIO, "prevResult has %s, the attachment has %s", addr, want);
	}
	cni_rec_clear(&rec);
	return r;
}

int berth_cni_gc(struct berth_ctx *ctx, const struct cni_conf *c, struct berth_error *err)
{
	struct store *st;
	struct net_rec n;
	char name[128];
	int r = ctx_store(ctx, &st, err);
	if (r < 0)
		return r;
	if (!c->has_valid)
		return berth_errmsg(err, -EINVAL,
				    "cni.dev/valid-attachments: missing (GC releases every attachment not listed; an empty list releases all)");
	net_name(c->name, name);
	if (store_network_get(st, name, &n) < 0)
		return 0;
	struct cni_rec *v = NULL;
	size_t cnt = 0;
	r = store_cni_list(st, n.id, NULL, NULL, &v, &cnt);
	if (r < 0)
		return berth_err(err, r, "list attachments");
	for (size_t i = 0; r >= 0 && i < cnt; i++) {
		bool valid = false;
		for (size_t j = 0; j < c->n_valid && !valid; j++)
			valid = !strcmp(c->valid[j].container_id, v[i].container_id) &&
				!strcmp(c->valid[j].ifname, v[i].ifname);
		if (!valid)
			r = cni_release(ctx, &v[i], false, err);
	}
	cni_recs_free(v, cnt);
	/* Rules are rebuilt from what is left, stale ones go with them. */
	if (r >= 0)
		r = firewall_sync(ctx, err);
	return r;
}

int berth_cni_status(struct berth_ctx *ctx, const struct cni_conf *c, struct berth_error *err)
{
	struct store *st;
	struct net_rec n;
	char name[128];
	int r = ctx_store(ctx, &st, err);
	if (r < 0)
		return berth_errmsg(err, -EHOSTDOWN, "berth's store cannot be opened: %s", err ? err->msg : "");
	net_name(c->name, name);
	if (store_network_get(st, name, &n) < 0)
		return 0; /* made on the first ADD */
	_cleanup_free_ uint32_t *used = NULL;
	size_t n_used = 0;
	uint32_t ip;
	struct ipam_pool pool = {.subnet = n.subnet, .range = n.subnet, .gateway = n.gateway,
				 .first = c->range_start, .last = c->range_end};
	r = store_network_ips(st, n.id, &used, &n_used);
	if (r >= 0 && ipam_next_free(&pool, used, n_used, &ip, NULL) < 0)
		return berth_errmsg(err, -EHOSTDOWN, "network %s has no free address left", c->name);
	return r < 0 ? berth_err(err, r, "list addresses") : 0;
}
