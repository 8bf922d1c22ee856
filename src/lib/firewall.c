/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "firewall.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "container.h"
#include "util.h"

static int none_apply(const struct fw_model *m, struct berth_error *err)
{
	return 0;
}

const struct fw_backend fw_backend_none = {
	.name = "none",
	.apply = none_apply,
};

const char *fw_proto_name(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_SCTP:
		return "sctp";
	default:
		return "tcp";
	}
}

void fw_link_local(const uint8_t mac[6], uint8_t out[16])
{
	const uint8_t ll[16] = {0xfe, 0x80, 0, 0, 0, 0, 0, 0, (uint8_t)(mac[0] ^ 2), mac[1],
				mac[2], 0xff, 0xfe, mac[3], mac[4], mac[5]};
	memcpy(out, ll, sizeof(ll));
}

static int pick_backend(const struct berth_ctx *ctx, const struct fw_backend **out,
			struct berth_error *err)
{
	const char *env = secure_getenv("BERTH_FIREWALL_BACKEND");
	enum berth_fw_backend b = ctx->cfg.firewall_backend;
	if (env && *env) {
		if (!strcmp(env, "nftables"))
			b = BERTH_FW_NFTABLES;
		else if (!strcmp(env, "iptables"))
			b = BERTH_FW_IPTABLES;
		else if (!strcmp(env, "none"))
			b = BERTH_FW_NONE;
		else
			return berth_errmsg(err, -EINVAL,
					    "BERTH_FIREWALL_BACKEND=\"%s\": want nftables, iptables or none",
					    env);
	}
	if (!ctx->cfg.iptables)
		b = BERTH_FW_NONE;
	*out = b == BERTH_FW_NFTABLES ? &fw_backend_nft
	     : b == BERTH_FW_IPTABLES ? &fw_backend_iptables
				      : &fw_backend_none;
	return 0;
}

struct model_buf {
	struct fw_net *nets;
	size_t n_nets;
	struct fw_link *links;
	size_t n_links, cap_links;
	struct fw_port *ports;
	size_t n_ports;
	struct fw_dnat *dnats;
	size_t n_dnats;
	struct fw_guard *guards;
	size_t n_guards;
};

/* Running endpoints on networks with anti-spoofing on. */
static int collect_guards(struct store *st, const char *ctr, const struct net_rec *nets,
			  size_t n_nets, struct model_buf *mb)
{
	for (size_t j = 0; j < n_nets; j++) {
		_cleanup_free_ struct ep_rec *eps = NULL;
		size_t n = 0;
		if (!nets[j].anti_spoofing || store_endpoint_list(st, ctr, nets[j].id, &eps, &n) < 0 || !n)
			continue;
		struct fw_guard *v = realloc(mb->guards, (mb->n_guards + n) * sizeof(*v));
		if (!v)
			return -ENOMEM;
		mb->guards = v;
		for (size_t i = 0; i < n; i++) {
			if (!eps[i].ip)
				continue;
			struct fw_guard *g = &mb->guards[mb->n_guards++];
			snprintf(g->ifname, sizeof(g->ifname), "%s", eps[i].veth);
			memcpy(g->mac, eps[i].mac, 6);
			g->ip = eps[i].ip;
			g->has_ip6 = eps[i].has_ip6;
			g->ip6 = eps[i].ip6;
		}
	}
	return 0;
}

/* Published ports of containers with a running endpoint. */
static int collect_dnats(struct store *st, const char *ctr, const struct net_rec *nets,
			 size_t n_nets, struct model_buf *mb)
{
	_cleanup_free_ struct port_rec *pv = NULL;
	size_t n = 0;
	int r = store_port_list(st, ctr, &pv, &n);
	if (r < 0 || !n)
		return r;
	mb->dnats = calloc(n, sizeof(*mb->dnats));
	if (!mb->dnats)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < n_nets; j++) {
			_cleanup_free_ struct ep_rec *eps = NULL;
			size_t ne = 0;
			if (store_endpoint_list(st, pv[i].container_id, nets[j].id, &eps, &ne) < 0 ||
			    !ne || !eps[0].ip || (pv[i].family == AF_INET6 && !eps[0].has_ip6))
				continue;
			struct fw_dnat *d = &mb->dnats[mb->n_dnats++];
			d->family = pv[i].family;
			d->any = !strcmp(pv[i].host_ip, "0.0.0.0") || !strcmp(pv[i].host_ip, "::");
			snprintf(d->host, sizeof(d->host), "%s", pv[i].host_ip);
			if (d->family == AF_INET)
				ip4_str(eps[0].ip, d->ctr);
			else
				inet_ntop(AF_INET6, &eps[0].ip6, d->ctr, sizeof(d->ctr));
			d->proto = pv[i].proto;
			d->host_port = pv[i].host_port;
			d->ctr_port = pv[i].ctr_port;
			snprintf(d->bridge, sizeof(d->bridge), "%s", nets[j].bridge);
			break;
		}
	}
	return 0;
}

/* One berth-cni attachment's portMappings, on the bridge br. */
static int cni_dnats(const struct cni_rec *rec, const char *br, struct model_buf *mb)
{
	size_t np = json_array_size(rec->ports), k;
	json_t *p;
	if (!np)
		return 0;
	struct fw_dnat *d = realloc(mb->dnats, (mb->n_dnats + np) * sizeof(*d));
	if (!d)
		return -ENOMEM;
	mb->dnats = d;
	json_array_foreach(rec->ports, k, p) {
		const char *host = json_string_value(json_object_get(p, "hostIP"));
		struct fw_dnat *dn = &mb->dnats[mb->n_dnats];
		memset(dn, 0, sizeof(*dn));
		dn->family = (int)json_integer_value(json_object_get(p, "family"));
		if (!host || (dn->family != AF_INET && !(dn->family == AF_INET6 && rec->has_ip6)))
			continue;
		dn->any = !strcmp(host, "0.0.0.0") || !strcmp(host, "::");
		snprintf(dn->host, sizeof(dn->host), "%s", host);
		if (dn->family == AF_INET)
			ip4_str(rec->ip, dn->ctr);
		else
			inet_ntop(AF_INET6, &rec->ip6, dn->ctr, sizeof(dn->ctr));
		dn->proto = (uint8_t)json_integer_value(json_object_get(p, "proto"));
		dn->host_port = (uint16_t)json_integer_value(json_object_get(p, "hostPort"));
		dn->ctr_port = (uint16_t)json_integer_value(json_object_get(p, "containerPort"));
		snprintf(dn->bridge, sizeof(dn->bridge), "%s", br);
		mb->n_dnats++;
	}
	return 0;
}

/* berth-cni attachments' portMappings. */
static int collect_cni_dnats(struct store *st, const struct net_rec *nets, size_t n_nets,
			     struct model_buf *mb)
{
	struct cni_rec *v = NULL;
	size_t n = 0;
	int r = store_cni_list(st, NULL, NULL, NULL, &v, &n);
	for (size_t i = 0; r >= 0 && i < n; i++)
		for (size_t j = 0; r >= 0 && j < n_nets; j++)
			if (!strcmp(nets[j].id, v[i].network_id))
				r = cni_dnats(&v[i], nets[j].bridge, mb);
	cni_recs_free(v, n);
	return r;
}

/* Ports of running endpoints on networks with icc off. */
static int collect_ports(struct store *st, const char *ctr, const struct net_rec *nets,
			 size_t n_nets, struct model_buf *mb)
{
	for (size_t j = 0; j < n_nets; j++) {
		_cleanup_free_ struct ep_rec *eps = NULL;
		size_t n = 0;
		if (nets[j].icc || store_endpoint_list(st, ctr, nets[j].id, &eps, &n) < 0 || !n)
			continue;
		struct fw_port *v = realloc(mb->ports, (mb->n_ports + n) * sizeof(*v));
		if (!v)
			return -ENOMEM;
		mb->ports = v;
		for (size_t i = 0; i < n; i++)
			if (eps[i].ip)
				snprintf(mb->ports[mb->n_ports++].ifname, sizeof(v->ifname), "%s",
					 eps[i].veth);
	}
	return 0;
}

static int add_link(struct model_buf *mb, const struct fw_link *l)
{
	if (mb->n_links == mb->cap_links) {
		size_t cap = mb->cap_links ? mb->cap_links * 2 : 16;
		struct fw_link *v = realloc(mb->links, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		mb->links = v;
		mb->cap_links = cap;
	}
	mb->links[mb->n_links++] = *l;
	return 0;
}

/* The running endpoint of a container on a network, 0 if none. */
static uint32_t endpoint_ip(struct store *st, const char *ctr, const char *net)
{
	_cleanup_free_ struct ep_rec *eps = NULL;
	size_t n = 0;
	if (store_endpoint_list(st, ctr, net, &eps, &n) < 0 || n == 0)
		return 0;
	return eps[0].ip;
}

/* --link flows: for every container with an address (running, or being
 * started) that links to another on the same network, each of the server's
 * exposed ports. */
static int collect_links(struct store *st, const struct net_rec *nets, size_t n_nets,
			 struct model_buf *mb)
{
	struct ctr_rec *v = NULL;
	size_t n = 0;
	int r = store_container_list(st, &v, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n && r >= 0; i++) {
		json_t *links = json_object_get(v[i].config, "links");
		if (!json_array_size(links))
			continue;
		for (size_t j = 0; j < n_nets && r >= 0; j++) {
			uint32_t client = endpoint_ip(st, v[i].id, nets[j].id);
			size_t k;
			json_t *link;
			if (!client)
				continue;
			json_array_foreach(links, k, link) {
				const char *sid = json_string_value(json_object_get(link, "id"));
				struct ctr_rec srv;
				if (!sid || store_container_get(st, sid, &srv) < 0)
					continue;
				uint32_t server = endpoint_ip(st, srv.id, nets[j].id);
				size_t p;
				json_t *port;
				json_array_foreach(json_object_get(srv.config, "expose"), p, port) {
					struct fw_link l = {.client = client, .server = server};
					const char *s = json_string_value(port);
					char proto[8] = "tcp";
					unsigned num = 0;
					if (!server || !s || sscanf(s, "%u/%7s", &num, proto) < 1)
						continue;
					l.port = (uint16_t)num;
					l.proto = !strcmp(proto, "udp")    ? IPPROTO_UDP
						: !strcmp(proto, "sctp") ? IPPROTO_SCTP
									 : IPPROTO_TCP;
					snprintf(l.bridge, sizeof(l.bridge), "%s", nets[j].bridge);
					if (add_link(mb, &l) < 0)
						r = -ENOMEM;
				}
				ctr_rec_clear(&srv);
			}
		}
	}
	ctr_recs_free(v, n);
	return r;
}

static int firewall_sync_locked(struct berth_ctx *ctx, struct berth_error *err);
static void remember_generation(struct berth_ctx *ctx, const uint32_t *known);
static void model_buf_free(struct model_buf *mb);

int firewall_sync(struct berth_ctx *ctx, struct berth_error *err)
{
	int lock = ctx_lock(ctx);
	int r = firewall_sync_locked(ctx, err);
	ctx_unlock(lock);
	return r;
}

static int firewall_sync_locked(struct berth_ctx *ctx, struct berth_error *err)
{
	const struct fw_backend *be;
	struct store *st;
	int r = pick_backend(ctx, &be, err);
	if (r < 0)
		return r;
	r = ctx_store(ctx, &st, err);
	if (r < 0)
		return r;
	_cleanup_free_ struct net_rec *nets = NULL;
	size_t n = 0;
	r = store_network_list(st, &nets, &n);
	if (r < 0)
		return berth_err(err, r, "firewall: list networks");
	struct model_buf mb = {.nets = calloc(n ? n : 1, sizeof(*mb.nets)), .n_nets = n};
	if (!mb.nets)
		return berth_err(err, -ENOMEM, "firewall");
	for (size_t i = 0; i < n; i++) {
		snprintf(mb.nets[i].bridge, sizeof(mb.nets[i].bridge), "%s", nets[i].bridge);
		mb.nets[i].subnet = nets[i].subnet;
		mb.nets[i].gateway = nets[i].gateway;
		mb.nets[i].masquerade = nets[i].masquerade && ctx->cfg.ip_masq;
		mb.nets[i].icc = nets[i].icc;
		mb.nets[i].internal = nets[i].internal;
		mb.nets[i].routed = !strcmp(nets[i].driver, "cni");
		mb.nets[i].anti_spoofing = nets[i].anti_spoofing;
		mb.nets[i].has_no_masq = nets[i].has_no_masq;
		mb.nets[i].no_masq = nets[i].no_masq;
	}
	r = collect_links(st, nets, n, &mb);
	if (r >= 0)
		r = collect_ports(st, NULL, nets, n, &mb);
	if (r >= 0)
		r = collect_dnats(st, NULL, nets, n, &mb);
	if (r >= 0)
		r = collect_cni_dnats(st, nets, n, &mb);
	if (r >= 0)
		r = collect_guards(st, NULL, nets, n, &mb);
	if (r < 0) {
		r = berth_err(err, r, "firewall: links");
	} else {
		struct fw_model m = {.nets = mb.nets, .n_nets = mb.n_nets,
				     .links = mb.links, .n_links = mb.n_links,
				     .icc_off_ports = mb.ports, .n_icc_off_ports = mb.n_ports,
				     .dnats = mb.dnats, .n_dnats = mb.n_dnats,
				     .guards = mb.guards, .n_guards = mb.n_guards};
		r = be->apply(&m, err);
		if (r < 0)
			r = berth_err_wrap(err, r, "firewall (%s)", be->name);
		else if (be == &fw_backend_iptables) /* nft's apply includes it */
			r = nft_apply_guard(&m, err);
		if (r >= 0)
			remember_generation(ctx, NULL);
	}
	model_buf_free(&mb);
	return r;
}

/* ---- one container at a time ----
 *
 * A container that starts or stops changes elements only: its published
 * ports, its bridge port on icc=false networks, its anti-spoofing entries.
 * Those are added or deleted in one small transaction, without rebuilding
 * the rest (a full apply flushes and refills every set, which costs a
 * kernel RCU grace period per command and grows with the containers).
 * The full apply stays the reference: it runs instead whenever the rules
 * in the kernel may not be what berth last left there (another program
 * changed the ruleset: the generation differs), when --link flows are
 * involved, or when the backend cannot do it. (Sets live as long as the
 * networks that need them, so a delta always has them to go into.) */

struct fw_delta {
	struct model_buf mb;
	bool full; /* the delta cannot express it */
};

static char *generation_path(struct berth_ctx *ctx)
{
	char *p = NULL;
	return asprintf(&p, "%s/firewall.gen", ctx->run_root) < 0 ? NULL : p;
}

/* What of the settings the rules depend on besides the store: the backend
 * and daemon.json's ip-masq. A change means a full apply. */
static void settings_sig(struct berth_ctx *ctx, char *buf, size_t size)
{
	const struct fw_backend *be;
	if (pick_backend(ctx, &be, NULL) < 0)
		be = &fw_backend_none;
	snprintf(buf, size, "%s,masq=%d", be->name, ctx->cfg.ip_masq);
}

/* The file holds "GENERATION SETTINGS" of the last apply (known: the
 * generation, if the caller has just read it). */
static void remember_generation(struct berth_ctx *ctx, const uint32_t *known)
{
	uint32_t gen = known ? *known : 0;
	_cleanup_free_ char *p = generation_path(ctx);
	char buf[128], sig[64];
	settings_sig(ctx, sig, sizeof(sig));
	if (p && (known || nft_generation(-1, &gen) == 0)) {
		int n = snprintf(buf, sizeof(buf), "%u %s\n", gen, sig);
		(void)write_file(p, buf, (size_t)n, 0644);
	} else if (p) {
		(void)unlink(p);
	}
}

static bool generation_is_ours(struct berth_ctx *ctx, uint32_t *now)
{
	_cleanup_free_ char *p = generation_path(ctx);
	_cleanup_fclose_ FILE *f = p ? fopen(p, "re") : NULL;
	unsigned was;
	char sig[64], want[64];
	settings_sig(ctx, want, sizeof(want));
	return f && fscanf(f, "%u %63s", &was, sig) == 2 && !strcmp(sig, want) &&
	       nft_generation(-1, now) == 0 && *now == was;
}

static void model_buf_free(struct model_buf *mb)
{
	free(mb->nets);
	free(mb->links);
	free(mb->ports);
	free(mb->dnats);
	free(mb->guards);
	memset(mb, 0, sizeof(*mb));
}

void fw_delta_free(struct fw_delta *d)
{
	if (d) {
		model_buf_free(&d->mb);
		free(d);
	}
}

struct fw_delta *fw_delta_of(struct berth_ctx *ctx, const char *id)
{
	struct store *st;
	struct ctr_rec c;
	struct fw_delta *d = calloc(1, sizeof(*d));
	_cleanup_free_ struct net_rec *nets = NULL;
	size_t n = 0;
	if (!d)
		return NULL;
	if (ctx_store(ctx, &st, NULL) < 0 || store_network_list(st, &nets, &n) < 0 ||
	    store_container_get(st, id, &c) < 0) {
		d->full = true;
		return d;
	}
	/* --link flows are computed across containers: the full apply does it. */
	d->full = json_array_size(json_object_get(c.config, "links")) || store_container_linked(st, c.id);
	ctr_rec_clear(&c);
	if (!d->full && (collect_ports(st, id, nets, n, &d->mb) < 0 ||
			 collect_dnats(st, id, nets, n, &d->mb) < 0 ||
			 collect_guards(st, id, nets, n, &d->mb) < 0))
		d->full = true;
	return d;
}

/* (under the lock) Add or delete d's elements alone, if the kernel has the
 * ruleset berth left; false if the full apply must do it. keep: see
 * fw_backend.apply_delta. */
static bool delta_locked(struct berth_ctx *ctx, const struct fw_delta *d, bool up, int *keep)
{
	const struct fw_backend *be;
	uint32_t before, after;
	if (!d || d->full || pick_backend(ctx, &be, NULL) < 0 || !be->apply_delta ||
	    !generation_is_ours(ctx, &before))
		return false;
	struct fw_model m = {.icc_off_ports = d->mb.ports, .n_icc_off_ports = d->mb.n_ports,
			     .dnats = d->mb.dnats, .n_dnats = d->mb.n_dnats,
			     .guards = d->mb.guards, .n_guards = d->mb.n_guards};
	/* No element: nothing changes, the file already says so. */
	if (!m.n_icc_off_ports && !m.n_dnats && !m.n_guards)
		return true;
	/* Anything unexpected (an element missing or there already, a table
	 * gone): the full apply puts everything right. */
	int k = -1;
	bool ok = be->apply_delta(&m, up, &k, NULL) == 0 && nft_generation(k, &after) == 0 &&
		  after == before + 1;
	if (keep)
		*keep = k;
	else if (k >= 0)
		close(k);
	if (ok)
		remember_generation(ctx, &after);
	return ok;
}

/* d's elements come: as the delta, else by the full apply. */
static int firewall_add(struct berth_ctx *ctx, const struct fw_delta *d, struct berth_error *err)
{
	int lock = ctx_lock(ctx);
	int r = delta_locked(ctx, d, true, NULL) ? 0 : firewall_sync_locked(ctx, err);
	ctx_unlock(lock);
	return r;
}

int firewall_release(struct berth_ctx *ctx, const struct fw_delta *d, fw_release_fn *release,
		     void *arg, struct berth_error *err)
{
	int lock = ctx_lock(ctx), keep = -1, r;
	if (delta_locked(ctx, d, false, &keep)) {
		/* The elements went first; the release (a conntrack walk, the
		 * store) runs while the kernel frees them. A failed release
		 * leaves the store as it was: the full apply puts them back. */
		r = release(arg, err);
		if (r < 0)
			(void)firewall_sync_locked(ctx, NULL);
	} else {
		/* The full apply follows the store: released first. */
		r = release(arg, err);
		if (r >= 0)
			r = firewall_sync_locked(ctx, err);
	}
	ctx_unlock(lock);
	if (keep >= 0)
		ctx_linger(ctx, keep); /* (see fw_backend.apply_delta) */
	return r;
}

struct fw_delta *fw_delta_of_cni(const struct cni_rec *rec, const char *bridge)
{
	struct fw_delta *d = calloc(1, sizeof(*d));
	if (d)
		d->full = cni_dnats(rec, bridge, &d->mb) < 0;
	return d;
}

int firewall_cni(struct berth_ctx *ctx, const struct cni_rec *rec, const char *bridge,
		 struct berth_error *err)
{
	struct fw_delta *d = fw_delta_of_cni(rec, bridge);
	int r = firewall_add(ctx, d, err);
	fw_delta_free(d);
	return r;
}

int firewall_container(struct berth_ctx *ctx, const char *id, struct berth_error *err)
{
	struct fw_delta *d = fw_delta_of(ctx, id);
	int r = firewall_add(ctx, d, err);
	fw_delta_free(d);
	return r;
}
