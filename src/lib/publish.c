/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "publish.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ports.h"
#include "util.h"

int publish_check(json_t *publish, json_t *expose, struct berth_error *err)
{
	size_t i;
	json_t *v;
	/* what expose has, as keys: a range of thousands is no quadratic scan */
	json_t *have = json_object();
	int r = have ? 0 : berth_err(err, -ENOMEM, "ports");
	json_array_foreach(have ? expose : NULL, i, v)
		json_object_set(have, json_string_value(v), json_null());
	json_array_foreach(r < 0 ? NULL : publish, i, v) {
		struct port_spec p;
		if ((r = port_spec_parse(json_string_value(v), &p, err)) < 0)
			break;
		if (p.family == AF_INET6 && IN6_IS_ADDR_LOOPBACK(&p.host_ip.v6)) {
			r = berth_errmsg(err, -EOPNOTSUPP,
					 "cannot publish on [::1]: IPv6 loopback traffic cannot be forwarded in the kernel, and berth runs no proxy; publish on [::] or a host address");
			break;
		}
		for (unsigned c = p.ctr_lo; c <= p.ctr_hi; c++) {
			char buf[16];
			snprintf(buf, sizeof(buf), "%u/%s", c, port_proto_name(p.proto));
			if (json_object_get(have, buf))
				continue;
			json_object_set(have, buf, json_null());
			json_array_append_new(expose, json_string(buf));
		}
	}
	json_decref(have);
	return r;
}

/* ---- who holds a host port ---- */

static unsigned long socket_inode(const char *table, uint16_t port, bool tcp)
{
	char line[512];
	_cleanup_fclose_ FILE *f = fopen(table, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		char local[128];
		unsigned st;
		unsigned long inode;
		unsigned p;
		if (sscanf(line, " %*d: %127s %*s %x %*s %*s %*s %*s %*s %lu", local, &st, &inode) != 3)
			continue;
		char *colon = strrchr(local, ':');
		if (!colon || sscanf(colon + 1, "%x", &p) != 1 || p != port)
			continue;
		if (tcp && st != 0x0A) /* LISTEN */
			continue;
		return inode;
	}
	return 0;
}

static void port_owner(int family, uint8_t proto, uint16_t port, char *buf, size_t n)
{
	bool udp = proto == IPPROTO_UDP;
	/* A dual-stack listener shows only in the IPv6 table. */
	unsigned long inode = family == AF_INET
		? socket_inode(udp ? "/proc/net/udp" : "/proc/net/tcp", port, !udp) : 0;
	if (!inode)
		inode = socket_inode(udp ? "/proc/net/udp6" : "/proc/net/tcp6", port, !udp);
	snprintf(buf, n, "a process on the host");
	if (!inode)
		return;
	char want[64];
	snprintf(want, sizeof(want), "socket:[%lu]", inode);
	DIR *proc = opendir("/proc");
	struct dirent *d;
	while (proc && (d = readdir(proc))) {
		char path[300], link[64];
		if (d->d_name[0] < '0' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/fd", d->d_name);
		DIR *fds = opendir(path);
		struct dirent *fd;
		bool found = false;
		while (fds && !found && (fd = readdir(fds))) {
			char p2[600];
			snprintf(p2, sizeof(p2), "%s/%s", path, fd->d_name);
			ssize_t l = readlink(p2, link, sizeof(link) - 1);
			if (l > 0) {
				link[l] = '\0';
				found = !strcmp(link, want);
			}
		}
		if (fds)
			closedir(fds);
		if (found) {
			char comm[64] = "?";
			snprintf(path, sizeof(path), "/proc/%s/comm", d->d_name);
			_cleanup_fclose_ FILE *f = fopen(path, "re");
			if (f && fgets(comm, sizeof(comm), f))
				comm[strcspn(comm, "\n")] = '\0';
			snprintf(buf, n, "process %s (pid %s)", comm, d->d_name);
			break;
		}
	}
	if (proc)
		closedir(proc);
}

/* Can a host process bind it? (A listener there would be shadowed.) */
static bool host_port_free(int family, const char *ip, uint8_t proto, uint16_t port)
{
	int type = proto == IPPROTO_UDP ? SOCK_DGRAM : SOCK_STREAM;
	_cleanup_close_ int fd = socket(family, type | SOCK_CLOEXEC, proto);
	if (fd < 0)
		return true; /* e.g. no SCTP: nothing can hold it */
	int one = 1;
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	struct sockaddr_storage ss = {0};
	socklen_t len;
	if (family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		a->sin_family = AF_INET;
		a->sin_port = htons(port);
		inet_pton(AF_INET, ip, &a->sin_addr);
		len = sizeof(*a);
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons(port);
		inet_pton(AF_INET6, ip, &a->sin6_addr);
		len = sizeof(*a);
	}
	if (bind(fd, (struct sockaddr *)&ss, len) == 0)
		return true;
	return errno != EADDRINUSE;
}

/* ---- allocation ---- */

struct binding {
	int family;
	char ip[46];
};

struct alloc {
	struct berth_ctx *ctx;
	struct store *st;
	const struct ctr_rec *c;
	struct port_rec *cni; /* CNI attachments' ports (containers' are in the store) */
	size_t n_cni;
};

static bool any_ip(const char *ip) { return !strcmp(ip, "0.0.0.0") || !strcmp(ip, "::"); }

/* CNI attachments' ports are taken under the id "cni:CONTAINERID". */
#define CNI_OWNER "cni:"

/* Who has (proto, family, ip, port) already: 1 with *who its owner's id,
 * 0 if free. A container's ports are looked up in the store (by its index,
 * however many there are); CNI attachments' in a->cni. */
static int taken_by(const struct alloc *a, uint8_t proto, const struct binding *b,
		    uint16_t port, char who[65])
{
	int r = store_port_owner(a->st, proto, b->family, b->ip, port, who);
	for (size_t i = 0; r == 0 && i < a->n_cni; i++) {
		const struct port_rec *p = &a->cni[i];
		if (p->proto == proto && p->family == b->family && p->host_port == port &&
		    (!strcmp(p->host_ip, b->ip) || any_ip(p->host_ip) || any_ip(b->ip))) {
			snprintf(who, 65, "%s", p->container_id);
			r = 1;
		}
	}
	return r;
}

static void owner_name(struct store *st, const char *id, char *buf, size_t size)
{
	struct ctr_rec o;
	if (!strncmp(id, CNI_OWNER, strlen(CNI_OWNER))) {
		snprintf(buf, size, "CNI container %.12s", id + strlen(CNI_OWNER));
	} else if (store_container_get(st, id, &o) == 0) {
		snprintf(buf, size, "container %s", o.name);
		ctr_rec_clear(&o);
	} else {
		snprintf(buf, size, "container %.12s", id);
	}
}

/* The host ports that CNI attachments publish. */
static int load_cni(struct store *st, struct port_rec **out, size_t *n)
{
	struct cni_rec *v = NULL;
	size_t nc = 0;
	int r = store_cni_list(st, NULL, NULL, NULL, &v, &nc);
	for (size_t i = 0; r >= 0 && i < nc; i++) {
		size_t np = json_array_size(v[i].ports), k;
		json_t *p;
		struct port_rec *nv = realloc(*out, (*n + np + 1) * sizeof(*nv));
		if (!nv) {
			r = -ENOMEM;
			break;
		}
		*out = nv;
		json_array_foreach(v[i].ports, k, p) {
			struct port_rec *pr = &nv[(*n)++];
			memset(pr, 0, sizeof(*pr));
			snprintf(pr->container_id, sizeof(pr->container_id), CNI_OWNER "%s", v[i].container_id);
			pr->proto = (uint8_t)json_integer_value(json_object_get(p, "proto"));
			pr->family = (int)json_integer_value(json_object_get(p, "family"));
			snprintf(pr->host_ip, sizeof(pr->host_ip), "%s",
				 json_string_value(json_object_get(p, "hostIP")) ?: "");
			pr->host_port = (uint16_t)json_integer_value(json_object_get(p, "hostPort"));
		}
	}
	cni_recs_free(v, nc);
	return r;
}

int publish_cni_check(struct store *st, uint8_t proto, int family, const char *ip, uint16_t port,
		      struct berth_error *err)
{
	struct alloc a = {.st = st};
	struct binding b = {.family = family};
	char who[65], owner[160];
	snprintf(b.ip, sizeof(b.ip), "%s", ip);
	int r = load_cni(st, &a.cni, &a.n_cni);
	if (r >= 0)
		r = taken_by(&a, proto, &b, port, who);
	free(a.cni);
	if (r < 0)
		return berth_err(err, r, "list published ports");
	if (!r)
		return 0;
	owner_name(st, who, owner, sizeof(owner));
	return berth_errmsg(err, -EADDRINUSE, family == AF_INET6 ? "Bind for [%s]:%u/%s failed: port is already allocated (by %s)"
							       : "Bind for %s:%u/%s failed: port is already allocated (by %s)",
			    ip, port, port_proto_name(proto), owner);
}

/* 0 if port is free on every binding, else -EADDRINUSE with err saying who has it. */
static int check_port(const struct alloc *a, uint8_t proto, const struct binding *b, size_t nb,
		      uint16_t port, struct berth_error *err)
{
	for (size_t i = 0; i < nb; i++) {
		char where[64], who[65], owner[160];
		snprintf(where, sizeof(where), b[i].family == AF_INET6 ? "[%s]:%u" : "%s:%u", b[i].ip,
			 port);
		int r = taken_by(a, proto, &b[i], port, who);
		if (r < 0)
			return berth_err(err, r, "list published ports");
		if (r) {
			owner_name(a->st, who, owner, sizeof(owner));
			return berth_errmsg(err, -EADDRINUSE,
					    "Bind for %s/%s failed: port is already allocated (by %s)",
					    where, port_proto_name(proto), owner);
		}
		if (!host_port_free(b[i].family, b[i].ip, proto, port)) {
			port_owner(b[i].family, proto, port, owner, sizeof(owner));
			return berth_errmsg(err, -EADDRINUSE,
					    "Bind for %s/%s failed: port is already in use by %s",
					    where, port_proto_name(proto), owner);
		}
	}
	return 0;
}

static int add(struct alloc *a, uint8_t proto, const struct binding *b, size_t nb,
	       uint16_t host, uint16_t ctr, struct berth_error *err)
{
	for (size_t i = 0; i < nb; i++) {
		struct port_rec p = {.proto = proto, .family = b[i].family, .host_port = host,
				     .ctr_port = ctr};
		snprintf(p.container_id, sizeof(p.container_id), "%s", a->c->id);
		snprintf(p.host_ip, sizeof(p.host_ip), "%s", b[i].ip);
		int r = store_port_add(a->st, &p, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static void ephemeral_range(unsigned *lo, unsigned *hi)
{
	*lo = 32768;
	*hi = 60999;
	_cleanup_fclose_ FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "re");
	if (f && fscanf(f, "%u %u", lo, hi) != 2) {
		*lo = 32768;
		*hi = 60999;
	}
}

/* First port in [lo, hi] free on every binding. */
static int pick(const struct alloc *a, uint8_t proto, const struct binding *b, size_t nb,
		unsigned lo, unsigned hi, uint16_t *out, struct berth_error *err)
{
	for (unsigned p = lo; p <= hi; p++)
		if (check_port(a, proto, b, nb, (uint16_t)p, NULL) == 0) {
			*out = (uint16_t)p;
			return 0;
		}
	if (lo == hi)
		return check_port(a, proto, b, nb, (uint16_t)lo, err);
	return berth_errmsg(err, -EADDRINUSE, "no free host port in %u-%u/%s", lo, hi,
			    port_proto_name(proto));
}

static size_t bindings(struct berth_ctx *ctx, const struct port_spec *p, bool has_ip6,
		       struct binding b[2])
{
	if (p->host_ip_set) {
		b[0].family = p->family;
		inet_ntop(p->family, &p->host_ip, b[0].ip, sizeof(b[0].ip));
		return 1;
	}
	b[0].family = AF_INET;
	if (ctx->cfg.has_host_binding_ipv4)
		ip4_str(ctx->cfg.host_binding_ipv4, b[0].ip);
	else
		snprintf(b[0].ip, sizeof(b[0].ip), "0.0.0.0");
	if (!has_ip6 || ctx->cfg.has_host_binding_ipv4)
		return 1;
	b[1].family = AF_INET6;
	snprintf(b[1].ip, sizeof(b[1].ip), "::");
	return 2;
}

static int allocate_spec(struct alloc *a, const struct port_spec *p, bool has_ip6,
			 struct berth_error *err)
{
	struct binding b[2];
	size_t nb = bindings(a->ctx, p, has_ip6, b);
	unsigned elo, ehi;
	if (b[0].family == AF_INET6 && !has_ip6)
		return berth_errmsg(err, -EAFNOSUPPORT,
				    "cannot publish on IPv6 address %s: the container has no IPv6 address (daemon.json \"ipv6\" and \"fixed-cidr-v6\")",
				    b[0].ip);
	ephemeral_range(&elo, &ehi);
	for (unsigned c = p->ctr_lo; c <= p->ctr_hi; c++) {
		uint16_t host;
		int r;
		if (!p->host_lo)
			r = pick(a, p->proto, b, nb, elo, ehi, &host, err);
		else if (p->ctr_lo == p->ctr_hi)
			r = pick(a, p->proto, b, nb, p->host_lo, p->host_hi, &host, err);
		else
			r = pick(a, p->proto, b, nb, p->host_lo + (c - p->ctr_lo),
				 p->host_lo + (c - p->ctr_lo), &host, err);
		if (r >= 0)
			r = add(a, p->proto, b, nb, host, (uint16_t)c, err);
		if (r < 0)
			return r;
	}
	return 0;
}

int publish_allocate(struct berth_ctx *ctx, struct store *st, const struct ctr_rec *c,
		     bool has_ip6, struct berth_error *err)
{
	json_t *publish = json_object_get(c->config, "publish");
	bool all = json_is_true(json_object_get(c->config, "publish_all"));
	if (!json_array_size(publish) && !all)
		return 0;
	struct alloc a = {.ctx = ctx, .st = st, .c = c};
	int r = store_port_del(st, c->id, err);
	if (r >= 0 && (r = load_cni(st, &a.cni, &a.n_cni)) < 0)
		berth_err(err, r, "list published ports");
	size_t i;
	json_t *v;
	json_array_foreach(publish, i, v) {
		struct port_spec p;
		if (r >= 0)
			r = port_spec_parse(json_string_value(v), &p, err);
		if (r >= 0)
			r = allocate_spec(&a, &p, has_ip6, err);
	}
	/* -P: every exposed port not published explicitly, on a random port. */
	json_array_foreach(all ? json_object_get(c->config, "expose") : NULL, i, v) {
		unsigned num = 0;
		char proto[8] = "tcp";
		bool done = false;
		if (r < 0 || sscanf(json_string_value(v), "%u/%7s", &num, proto) < 1)
			continue;
		_cleanup_free_ struct port_rec *mine = NULL;
		size_t n_mine = 0;
		if ((r = store_port_list(st, c->id, &mine, &n_mine)) < 0) {
			berth_err(err, r, "list published ports");
			continue;
		}
		for (size_t k = 0; k < n_mine; k++)
			done |= mine[k].ctr_port == num && !strcmp(port_proto_name(mine[k].proto), proto);
		if (done)
			continue;
		struct port_spec p = {.family = AF_UNSPEC, .ctr_lo = (uint16_t)num,
				      .ctr_hi = (uint16_t)num, .proto = (uint8_t)port_proto_parse(proto)};
		r = allocate_spec(&a, &p, has_ip6, err);
	}
	free(a.cni);
	return r;
}
