/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "p2p.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "container.h"
#include "util.h"

/* One end: a running container, or the host (id ""). */
struct end {
	char id[65];
	char name[128];
	int netns_fd;
};

static void end_close(struct end *e)
{
	if (e->netns_fd >= 0)
		close(e->netns_fd);
	e->netns_fd = -1;
}

static int end_open(struct berth_ctx *ctx, struct store *st, const char *ref, struct end *e,
		    struct berth_error *err)
{
	memset(e, 0, sizeof(*e));
	e->netns_fd = -1;
	if (!strcmp(ref, "host") || !*ref) {
		snprintf(e->name, sizeof(e->name), "host");
		e->netns_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		return e->netns_fd < 0 ? berth_err(err, negerrno(), "open host netns") : 0;
	}
	struct ctr_rec c;
	int r = container_get(ctx, ref, &c, err);
	if (r < 0)
		return r;
	memcpy(e->id, c.id, sizeof(e->id));
	snprintf(e->name, sizeof(e->name), "%s", c.name);
	enum net_mode mode = container_net_mode(&c, NULL);
	r = mode == NET_HOST || mode == NET_CONTAINER
			? berth_errmsg(err, -EINVAL,
				       "container %s shares another network namespace (--net=%s): link %s instead",
				       c.name, mode == NET_HOST ? "host" : "container", mode == NET_HOST ? "host" : "that container")
		: c.state == CTR_RUNNING && ctr_alive(&c)
			? container_netns_open(ctx, &c, err)
			: berth_errmsg(err, -ESRCH, "Container %s is not running", c.name);
	ctr_rec_clear(&c);
	if (r < 0)
		return r;
	e->netns_fd = r;
	return 0;
}

/* The lowest "p2pN" not used by this container's other links. */
static void pick_ifname(struct store *st, const char *id, char out[16])
{
	_cleanup_free_ struct p2p_rec *v = NULL;
	size_t n = 0;
	(void)store_p2p_list(st, id, &v, &n);
	for (unsigned k = 0;; k++) {
		snprintf(out, 16, "p2p%u", k);
		bool used = false;
		for (size_t i = 0; i < n; i++)
			used |= (!strcmp(v[i].a_id, id) && !strcmp(v[i].a_if, out)) ||
				(!strcmp(v[i].b_id, id) && !strcmp(v[i].b_if, out));
		if (!used)
			return;
	}
}

static int check_free(struct nl *nl, uint32_t ip, const char *who, struct berth_error *err)
{
	_cleanup_free_ struct nl_addr *a = NULL;
	char s[16];
	int n = nl_addr_list(nl, 0, AF_INET, &a, err);
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++)
		if (ntohl(a[i].v4.s_addr) == ip)
			return berth_errmsg(err, -EADDRINUSE, "address %s is already in use in %s",
					    ip4_str(ip, s), who);
	return 0;
}

static int configure(struct nl *nl, const char *ifname, uint32_t ip, uint32_t peer,
		     struct berth_error *err)
{
	struct nl_link l;
	int r = nl_link_get(nl, ifname, &l, err);
	if (r < 0)
		return r;
	struct nl_addr a = {.family = AF_INET, .prefixlen = 32};
	a.v4.s_addr = htonl(ip);
	r = nl_addr_add(nl, l.ifindex, &a, err);
	if (r >= 0)
		r = nl_link_set(nl, l.ifindex, &(struct nl_link_change){.master = -1, .up = 1}, err);
	uint32_t dst = htonl(peer);
	if (r >= 0) {
		r = nl_route_add(nl, AF_INET, &dst, 32, NULL, l.ifindex, err);
		if (r == -EEXIST) {
			char s[16];
			r = berth_errmsg(err, r, "a route to %s already exists there", ip4_str(peer, s));
		}
	}
	return r;
}

/* Make the kernel side of a link: veth created in a's namespace with its
 * peer directly in b's, then each end configured. All or nothing. */
static int plumb(const struct p2p_rec *p, const struct end *a, const struct end *b,
		 bool check, struct berth_error *err)
{
	_cleanup_(nl_closep) struct nl *na = NULL;
	_cleanup_(nl_closep) struct nl *nb = NULL;
	int r = nl_open(&na, a->netns_fd, err);
	if (r >= 0)
		r = nl_open(&nb, b->netns_fd, err);
	if (r >= 0 && check)
		r = check_free(na, p->a_ip, a->name, err);
	if (r >= 0 && check)
		r = check_free(nb, p->b_ip, b->name, err);
	if (r < 0)
		return r;
	r = nl_veth_add(na, &(struct nl_veth){.name = p->a_if, .peer_name = p->b_if,
					      .peer_netns_fd = b->netns_fd, .mtu = p->mtu},
			err);
	if (r < 0)
		return r;
	r = configure(na, p->a_if, p->a_ip, p->b_ip, err);
	if (r < 0)
		berth_err_wrap(err, r, "%s", a->name);
	if (r >= 0) {
		r = configure(nb, p->b_if, p->b_ip, p->a_ip, err);
		if (r < 0)
			berth_err_wrap(err, r, "%s", b->name);
	}
	if (r < 0)
		(void)nl_link_del(na, p->a_if, NULL);
	return r;
}

/* A unicast host address: not 0.0.0.0, loopback, multicast, class E or broadcast. */
static int host_addr(const char *s, uint32_t *ip, struct berth_error *err)
{
	int r = ipam_parse_ip4(s, ip, err);
	if (r < 0)
		return r;
	uint8_t a = (uint8_t)(*ip >> 24);
	if (*ip == 0 || a == 127 || a >= 224)
		return berth_errmsg(err, -EINVAL,
				    "address %s is not allowed as a link end: want a unicast address (not 0.0.0.0, 127.x, multicast or broadcast)",
				    s);
	return 0;
}

/* Recorded links of container id (running or not, "" = the host): is ip
 * already one of its ends, or peer already reached by one of them? */
static int recorded_use(struct store *st, const char *id, uint32_t ip, uint32_t peer,
			const char *who, struct berth_error *err)
{
	_cleanup_free_ struct p2p_rec *v = NULL;
	size_t n = 0;
	char a[16];
	if (store_p2p_list(st, id[0] ? id : NULL, &v, &n) < 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		bool is_a = !strcmp(v[i].a_id, id), is_b = !strcmp(v[i].b_id, id);
		if ((is_a && v[i].a_ip == ip) || (is_b && v[i].b_ip == ip))
			return berth_errmsg(err, -EADDRINUSE, "address %s is already in use in %s (link %s)",
					    ip4_str(ip, a), who, v[i].name);
		if ((is_a && v[i].b_ip == peer) || (is_b && v[i].a_ip == peer))
			return berth_errmsg(err, -EADDRINUSE, "%s already has a link to %s (link %s)", who,
					    ip4_str(peer, a), v[i].name);
	}
	return 0;
}

static bool valid_link_name(const char *s)
{
	size_t n = strlen(s);
	return n >= 1 && n < 64 &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n &&
	       s[0] != '-' && s[0] != '.';
}

int berth_p2p_create(struct berth_ctx *ctx, const struct berth_p2p_opts *o, char name[64],
		     struct berth_error *err)
{
	struct store *st;
	struct end a = {.netns_fd = -1}, b = {.netns_fd = -1};
	struct p2p_rec p = {.mtu = o->mtu};
	int r = ctx_store(ctx, &st, err);
	if (r < 0)
		return r;
	if (!strcmp(o->a, "host"))
		return berth_errmsg(err, -EINVAL, "the first end must be a container (the host may be the second)");
	if (o->name && *o->name && !valid_link_name(o->name))
		return berth_errmsg(err, -EINVAL, "invalid link name \"%s\": want [a-zA-Z0-9][a-zA-Z0-9_.-]*", o->name);
	r = host_addr(o->a_addr, &p.a_ip, err);
	if (r >= 0)
		r = host_addr(o->b_addr, &p.b_ip, err);
	if (r >= 0 && p.a_ip == p.b_ip)
		r = berth_errmsg(err, -EINVAL, "both ends have the address %s", o->a_addr);
	if (r >= 0 && o->mtu && (o->mtu < 68 || o->mtu > 65535))
		r = berth_errmsg(err, -EINVAL, "invalid MTU %u: want 68-65535", o->mtu);
	if (r >= 0)
		r = end_open(ctx, st, o->a, &a, err);
	if (r >= 0)
		r = end_open(ctx, st, o->b, &b, err);
	if (r >= 0 && !strcmp(a.id, b.id))
		r = berth_errmsg(err, -EINVAL, "both ends are container %s: a link joins two different containers", a.name);
	if (r >= 0)
		r = recorded_use(st, a.id, p.a_ip, p.b_ip, a.name, err);
	if (r >= 0)
		r = recorded_use(st, b.id, p.b_ip, p.a_ip, b.name, err);
	if (r < 0)
		goto out;
	snprintf(p.a_id, sizeof(p.a_id), "%s", a.id);
	snprintf(p.b_id, sizeof(p.b_id), "%s", b.id);
	if (o->name && *o->name) {
		snprintf(p.name, sizeof(p.name), "%s", o->name);
	} else {
		char h[9];
		(void)random_hex(h, 8);
		snprintf(p.name, sizeof(p.name), "p2p-%s", h);
	}
	now_rfc3339(p.created);
	/* Names and the record in one transaction; the kernel after. */
	r = store_begin(st, err);
	if (r < 0)
		goto out;
	pick_ifname(st, a.id, p.a_if);
	if (b.id[0]) {
		pick_ifname(st, b.id, p.b_if);
	} else {
		char id[65];
		(void)random_hex(id, 11);
		snprintf(p.b_if, sizeof(p.b_if), "p2p%s", id);
	}
	r = store_p2p_add(st, &p, err);
	if (r == -EEXIST)
		r = berth_errmsg(err, r, "a link named \"%s\" already exists", p.name);
	if (r >= 0)
		r = store_commit(st, err);
	else
		store_rollback(st);
	if (r < 0)
		goto out;
	r = plumb(&p, &a, &b, true, err);
	if (r < 0)
		(void)store_p2p_del(st, p.name, NULL);
	else
		memcpy(name, p.name, sizeof(p.name));
out:
	end_close(&a);
	end_close(&b);
	return r;
}

static int unplumb(struct berth_ctx *ctx, struct store *st, const struct p2p_rec *p)
{
	/* Deleting either end deletes the pair; try a's side, then b's. */
	const char *ids[] = {p->a_id, p->b_id};
	const char *ifs[] = {p->a_if, p->b_if};
	for (int i = 0; i < 2; i++) {
		struct end e;
		if (end_open(ctx, st, ids[i], &e, NULL) < 0)
			continue;
		_cleanup_(nl_closep) struct nl *nl = NULL;
		int r = nl_open(&nl, e.netns_fd, NULL);
		if (r >= 0)
			r = nl_link_del(nl, ifs[i], NULL);
		end_close(&e);
		if (r >= 0)
			return 0;
	}
	return 0;
}

int berth_p2p_remove(struct berth_ctx *ctx, const char *name, struct berth_error *err)
{
	struct store *st;
	struct p2p_rec p;
	int r = ctx_store(ctx, &st, err);
	if (r < 0)
		return r;
	if (store_p2p_get(st, name, &p) < 0)
		return berth_errmsg(err, -ENOENT, "No such link: %s", name);
	(void)unplumb(ctx, st, &p);
	return store_p2p_del(st, p.name, err);
}

static bool end_up(struct nl *nl, const char *ifname)
{
	return nl_link_get(nl, ifname, NULL, NULL) > 0;
}

int berth_p2p_list(struct berth_ctx *ctx, json_t **out, struct berth_error *err)
{
	struct store *st;
	_cleanup_free_ struct p2p_rec *v = NULL;
	size_t n = 0;
	int r = ctx_store(ctx, &st, err);
	if (r >= 0)
		r = store_p2p_list(st, NULL, &v, &n);
	if (r < 0)
		return berth_err(err, r, "list links");
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++) {
		char ia[16], ib[16], na[128] = "host", nb[128] = "host";
		struct ctr_rec c;
		if (store_container_get(st, v[i].a_id, &c) == 0) {
			snprintf(na, sizeof(na), "%s", c.name);
			ctr_rec_clear(&c);
		}
		if (v[i].b_id[0] && store_container_get(st, v[i].b_id, &c) == 0) {
			snprintf(nb, sizeof(nb), "%s", c.name);
			ctr_rec_clear(&c);
		}
		bool up = true;
		const char *ids[] = {v[i].a_id, v[i].b_id}, *ifs[] = {v[i].a_if, v[i].b_if};
		for (int k = 0; k < 2 && up; k++) {
			struct end e;
			up = false;
			if (end_open(ctx, st, ids[k], &e, NULL) == 0) {
				_cleanup_(nl_closep) struct nl *nl = NULL;
				up = nl_open(&nl, e.netns_fd, NULL) == 0 && end_up(nl, ifs[k]);
				end_close(&e);
			}
		}
		json_array_append_new(a, json_pack(
			"{s:s, s:s, s:i, s:b, s:[{s:s, s:s, s:s, s:s}, {s:s, s:s, s:s, s:s}]}",
			"Name", v[i].name, "Created", v[i].created, "Mtu", (int)v[i].mtu, "Up", up,
			"Ends", "Container", na, "ContainerID", v[i].a_id, "Interface", v[i].a_if,
			"Address", ip4_str(v[i].a_ip, ia), "Container", nb, "ContainerID", v[i].b_id,
			"Interface", v[i].b_if, "Address", ip4_str(v[i].b_ip, ib)));
	}
	*out = a;
	return 0;
}

int p2p_restore(struct berth_ctx *ctx, const char *container_id, struct berth_error *err)
{
	struct store *st;
	_cleanup_free_ struct p2p_rec *v = NULL;
	size_t n = 0;
	int rc = 0;
	if (ctx_store(ctx, &st, NULL) < 0 || store_p2p_list(st, container_id, &v, &n) < 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		struct end a, b;
		int r = end_open(ctx, st, v[i].a_id, &a, NULL);
		if (r >= 0) {
			r = end_open(ctx, st, v[i].b_id, &b, NULL);
			if (r >= 0) {
				r = plumb(&v[i], &a, &b, false, rc ? NULL : err);
				end_close(&b);
			}
			end_close(&a);
		}
		if (r < 0 && r != -ESRCH && !rc)
			rc = r;
	}
	return rc;
}

void p2p_forget(struct berth_ctx *ctx, const char *container_id)
{
	struct store *st;
	_cleanup_free_ struct p2p_rec *v = NULL;
	size_t n = 0;
	if (ctx_store(ctx, &st, NULL) < 0 || store_p2p_list(st, container_id, &v, &n) < 0)
		return;
	for (size_t i = 0; i < n; i++) {
		(void)unplumb(ctx, st, &v[i]);
		(void)store_p2p_del(st, v[i].name, NULL);
	}
}

void p2p_down(struct berth_ctx *ctx, const char *container_id)
{
	struct store *st;
	_cleanup_free_ struct p2p_rec *v = NULL;
	size_t n = 0;
	if (ctx_store(ctx, &st, NULL) < 0 || store_p2p_list(st, container_id, &v, &n) < 0)
		return;
	/* At the other end, whose namespace lives on (the host's, or a running
	 * container's): the pair goes, though whoever might still hold this
	 * container's namespace open would keep its end. */
	for (size_t i = 0; i < n; i++) {
		bool a = !strcmp(v[i].a_id, container_id);
		struct end o;
		_cleanup_(nl_closep) struct nl *nl = NULL;
		if (end_open(ctx, st, a ? v[i].b_id : v[i].a_id, &o, NULL) < 0)
			continue; /* not running: its end went with it */
		if (nl_open(&nl, o.netns_fd, NULL) == 0)
			(void)nl_link_del(nl, a ? v[i].b_if : v[i].a_if, NULL);
		end_close(&o);
	}
}
