/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "nftelem.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <libnftnl/set.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <net/if.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "util.h"

/* The sets a container has elements in (nft.c makes them). */
enum { DNAT4, DNAT4_ANY, DNAT6, DNAT6_ANY, ICC, GUARDED, MACS, ADDR4, ADDR6, ND6, DST4, N_SETS };
static const struct {
	uint16_t family;
	const char *table, *name;
} SETS[N_SETS] = {
	[DNAT4] = {NFPROTO_INET, "berth", "dnat4"},
	[DNAT4_ANY] = {NFPROTO_INET, "berth", "dnat4_any"},
	[DNAT6] = {NFPROTO_INET, "berth", "dnat6"},
	[DNAT6_ANY] = {NFPROTO_INET, "berth", "dnat6_any"},
	[ICC] = {NFPROTO_BRIDGE, "berth", "icc_off_ports"},
	[GUARDED] = {NFPROTO_BRIDGE, "berth-guard", "guarded"},
	[MACS] = {NFPROTO_BRIDGE, "berth-guard", "macs"},
	[ADDR4] = {NFPROTO_BRIDGE, "berth-guard", "addr4"},
	[ADDR6] = {NFPROTO_BRIDGE, "berth-guard", "addr6"},
	[ND6] = {NFPROTO_BRIDGE, "berth-guard", "nd6"},
	[DST4] = {NFPROTO_BRIDGE, "berth-guard", "dst4"},
};

/* A key or value as nft lays it out: each field of a concatenation in
 * network order, padded to a multiple of 4 bytes (an ifname: 16 bytes). */
struct key {
	uint8_t b[64];
	size_t len;
};

static void put(struct key *k, const void *p, size_t n)
{
	memcpy(k->b + k->len, p, n);
	k->len += (n + 3) & ~(size_t)3;
}

static void put_ifname(struct key *k, const char *ifname)
{
	char name[IFNAMSIZ] = {0};
	memcpy(name, ifname, strnlen(ifname, IFNAMSIZ - 1));
	put(k, name, IFNAMSIZ);
}

static void put_port(struct key *k, uint16_t port)
{
	uint16_t be = htons(port);
	put(k, &be, 2);
}

static int elem(struct nftnl_set *sets[N_SETS], int which, const struct key *key,
		const struct key *val)
{
	if (!sets[which]) {
		struct nftnl_set *s = nftnl_set_alloc();
		if (!s)
			return -ENOMEM;
		nftnl_set_set_u32(s, NFTNL_SET_FAMILY, SETS[which].family);
		if (nftnl_set_set_str(s, NFTNL_SET_TABLE, SETS[which].table) < 0 ||
		    nftnl_set_set_str(s, NFTNL_SET_NAME, SETS[which].name) < 0) {
			nftnl_set_free(s);
			return -ENOMEM;
		}
		sets[which] = s;
	}
	struct nftnl_set_elem *e = nftnl_set_elem_alloc();
	if (!e)
		return -ENOMEM;
	if (nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, key->b, (uint32_t)key->len) < 0 ||
	    (val && nftnl_set_elem_set(e, NFTNL_SET_ELEM_DATA, val->b, (uint32_t)val->len) < 0)) {
		nftnl_set_elem_free(e);
		return -ENOMEM;
	}
	nftnl_set_elem_add(sets[which], e);
	return 0;
}

static int dnat_elems(struct nftnl_set *sets[N_SETS], const struct fw_model *m)
{
	for (size_t i = 0; i < m->n_dnats; i++) {
		const struct fw_dnat *d = &m->dnats[i];
		bool v4 = d->family == AF_INET;
		uint8_t host[16], ctr[16];
		struct key k = {0}, v = {0};
		if ((!d->any && inet_pton(d->family, d->host, host) != 1) ||
		    inet_pton(d->family, d->ctr, ctr) != 1)
			return -EINVAL;
		if (!d->any)
			put(&k, host, v4 ? 4 : 16);
		put(&k, &d->proto, 1);
		put_port(&k, d->host_port);
		put(&v, ctr, v4 ? 4 : 16);
		put_port(&v, d->ctr_port);
		int which = v4 ? (d->any ? DNAT4_ANY : DNAT4) : (d->any ? DNAT6_ANY : DNAT6);
		int r = elem(sets, which, &k, &v);
		if (r < 0)
			return r;
	}
	return 0;
}

static int icc_elems(struct nftnl_set *sets[N_SETS], const struct fw_model *m)
{
	for (size_t i = 0; i < m->n_icc_off_ports; i++) {
		struct key k = {0};
		put_ifname(&k, m->icc_off_ports[i].ifname);
		int r = elem(sets, ICC, &k, NULL);
		if (r < 0)
			return r;
	}
	return 0;
}

static int guard_elems(struct nftnl_set *sets[N_SETS], const struct fw_model *m)
{
	int r = 0;
	for (size_t i = 0; r >= 0 && i < m->n_guards; i++) {
		const struct fw_guard *g = &m->guards[i];
		uint32_t ip = htonl(g->ip);
		struct key port = {0}, mac = {0}, a4 = {0}, a6 = {0}, dst = {0};
		put_ifname(&port, g->ifname);
		mac = port;
		put(&mac, g->mac, 6);
		a4 = mac;
		put(&a4, &ip, 4);
		put(&dst, g->mac, 6);
		put(&dst, &ip, 4);
		r = elem(sets, GUARDED, &port, NULL);
		if (r >= 0)
			r = elem(sets, MACS, &mac, NULL);
		if (r >= 0)
			r = elem(sets, ADDR4, &a4, NULL);
		if (r >= 0)
			r = elem(sets, DST4, &dst, NULL);
		if (r >= 0 && g->has_ip6) {
			a6 = port;
			put(&a6, g->ip6.s6_addr, 16);
			r = elem(sets, ADDR6, &a6, NULL);
		}
		/* Neighbour advertisements: its link-local address (from its
		 * MAC) and its global one. */
		uint8_t ll[16];
		fw_link_local(g->mac, ll);
		struct key nd = port;
		put(&nd, ll, 16);
		if (r >= 0)
			r = elem(sets, ND6, &nd, NULL);
		if (r >= 0 && g->has_ip6)
			r = elem(sets, ND6, &a6, NULL);
	}
	return r;
}

/* A growing buffer of netlink messages, room for the largest one ahead. */
struct batch {
	char *p;
	size_t len, cap;
	uint32_t seq;
	unsigned acks; /* messages that will be answered */
};

static char *batch_room(struct batch *b)
{
	const size_t room = 65536 + 4096; /* an element list tops out at 64 KiB */
	if (b->cap - b->len < room) {
		char *p = realloc(b->p, b->len + 2 * room);
		if (!p)
			return NULL;
		b->p = p;
		b->cap = b->len + 2 * room;
	}
	return b->p + b->len;
}

static void batch_add(struct batch *b, const struct nlmsghdr *h)
{
	b->len += NLMSG_ALIGN(h->nlmsg_len);
}

static int batch_sets(struct batch *b, struct nftnl_set *sets[N_SETS], bool add)
{
	for (int i = 0; i < N_SETS; i++) {
		if (!sets[i])
			continue;
		struct nftnl_set_elems_iter *it = nftnl_set_elems_iter_create(sets[i]);
		if (!it)
			return -ENOMEM;
		int more = 1;
		while (more > 0 && nftnl_set_elems_iter_cur(it)) {
			char *at = batch_room(b);
			if (!at) {
				nftnl_set_elems_iter_destroy(it);
				return -ENOMEM;
			}
			/* add: NLM_F_CREATE without NLM_F_EXCL, as `nft add element`. */
			struct nlmsghdr *h = nftnl_nlmsg_build_hdr(
				at, add ? NFT_MSG_NEWSETELEM : NFT_MSG_DELSETELEM, SETS[i].family,
				(add ? NLM_F_CREATE : 0) | NLM_F_ACK, b->seq++);
			more = nftnl_set_elems_nlmsg_build_payload_iter(h, it);
			batch_add(b, h);
			b->acks++;
		}
		nftnl_set_elems_iter_destroy(it);
	}
	return 0;
}

/* Send the batch; every answer must be a plain acknowledgement. With keep,
 * the socket stays open as *keep. */
static int batch_send(const struct batch *b, int *keep)
{
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	if (!nl)
		return negerrno();
	int r = mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0 ? negerrno() : 0;
	int fd = mnl_socket_get_fd(nl);
	int size = (int)b->len + 4096;
	if (r == 0 && b->len > 128 * 1024)
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size));
	if (r == 0 && mnl_socket_sendto(nl, b->p, b->len) < 0)
		r = negerrno();
	char buf[MNL_SOCKET_BUFFER_SIZE];
	for (unsigned got = 0; r == 0 && got < b->acks;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, 5000) != 1) {
			r = -ETIMEDOUT;
			break;
		}
		ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n <= 0) {
			r = n < 0 ? negerrno() : -EPROTO;
			break;
		}
		int len = (int)n;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; mnl_nlmsg_ok(h, len);
		     h = mnl_nlmsg_next(h, &len)) {
			if (h->nlmsg_type != NLMSG_ERROR)
				continue;
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(h);
			got++;
			if (e->error < 0 && r == 0)
				r = e->error;
		}
	}
	if (keep)
		*keep = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	mnl_socket_close(nl);
	return r;
}

int nftelem_apply(const struct fw_model *m, bool up, int *keep, struct berth_error *err)
{
	struct nftnl_set *sets[N_SETS] = {0};
	struct batch b = {.seq = 1};
	if (keep)
		*keep = -1;
	int r = dnat_elems(sets, m);
	if (r >= 0)
		r = icc_elems(sets, m);
	if (r >= 0)
		r = guard_elems(sets, m);
	char *at = r >= 0 ? batch_room(&b) : NULL;
	if (at) {
		batch_add(&b, nftnl_batch_begin(at, b.seq++));
		r = batch_sets(&b, sets, up);
	} else if (r >= 0) {
		r = -ENOMEM;
	}
	if (r >= 0 && b.acks) {
		at = batch_room(&b);
		if (at) {
			batch_add(&b, nftnl_batch_end(at, b.seq++));
			r = batch_send(&b, keep);
		} else {
			r = -ENOMEM;
		}
	}
	for (int i = 0; i < N_SETS; i++)
		if (sets[i])
			nftnl_set_free(sets[i]);
	free(b.p);
	return r < 0 ? berth_err(err, r, "nftables: %s elements", up ? "add" : "delete") : 0;
}
