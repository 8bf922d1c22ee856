/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rtnetlink over libmnl. Every request goes through nl_request(): it takes a
 * fresh sequence number, asks for an ACK and reads replies (checking sequence
 * and port id) until that ACK, the error answer, or the end of a dump. Reply
 * callbacks never fail mid-stream: they record errors in their own state and
 * let the stream drain, so no stale message is left on the socket.
 */
#include "netlink.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

#include "util.h"

#define NL_REQ_SIZE 1024   /* our largest request (a veth pair) is ~200 bytes */
#define NL_RECV_SIZE 32768 /* big enough for any dump part (MNL_SOCKET_DUMP_SIZE) */

struct nl {
	struct mnl_socket *sock;
	unsigned portid;
	unsigned seq;
	_Alignas(struct nlmsghdr) char buf[NL_RECV_SIZE];
};

/* A request buffer, aligned for struct nlmsghdr. */
#define NL_REQ_BUF(name) _Alignas(struct nlmsghdr) char name[NL_REQ_SIZE]

int nl_open(struct nl **out, int netns_fd, struct berth_error *err)
{
	_cleanup_(nl_closep) struct nl *nl = calloc(1, sizeof(*nl));
	_cleanup_close_ int self = -1;
	int r = 0;

	if (!nl)
		return berth_err(err, -ENOMEM, "open rtnetlink socket");
	if (netns_fd >= 0) {
		self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
		if (self < 0)
			return berth_err(err, negerrno(),
					 "open /proc/thread-self/ns/net");
		if (setns(netns_fd, CLONE_NEWNET) < 0)
			return berth_err(err, negerrno(),
					 "enter network namespace (fd %d)", netns_fd);
	}
	nl->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl->sock || mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0)
		r = negerrno();
	/* Running on in the wrong namespace would corrupt everything after. */
	if (self >= 0 && setns(self, CLONE_NEWNET) < 0)
		abort();
	if (r < 0)
		return berth_err(err, r, "open rtnetlink socket");

	/* Short ACKs (no echo of the request); optional, so ignore failure. */
	int one = 1;
	(void)mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	nl->portid = mnl_socket_get_portid(nl->sock);
	*out = TAKE_PTR(nl);
	return 0;
}

struct nl *nl_close(struct nl *nl)
{
	if (!nl)
		return NULL;
	if (nl->sock)
		(void)mnl_socket_close(nl->sock);
	free(nl);
	return NULL;
}

/* Send h and read replies until its ACK (or NLMSG_DONE for a dump), passing
 * data messages to cb. Returns 0 or -errno (the kernel's answer). */
static int nl_request(struct nl *nl, struct nlmsghdr *h, mnl_cb_t cb, void *data)
{
	if (++nl->seq == 0) /* seq 0 would turn off libmnl's check */
		nl->seq = 1;
	unsigned seq = nl->seq;
	h->nlmsg_seq = seq;
	h->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	if (mnl_socket_sendto(nl->sock, h, h->nlmsg_len) < 0)
		return negerrno();

	int r = MNL_CB_OK;
	do {
		ssize_t n = mnl_socket_recvfrom(nl->sock, nl->buf, sizeof(nl->buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? negerrno() : -EPROTO;
		r = mnl_cb_run(nl->buf, (size_t)n, seq, nl->portid, cb, data);
	} while (r == MNL_CB_OK);
	return r < 0 ? negerrno() : 0;
}

static struct nlmsghdr *nl_msg(char *buf, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *h = mnl_nlmsg_put_header(buf);
	h->nlmsg_type = type;
	h->nlmsg_flags = flags;
	return h;
}

static struct ifinfomsg *nl_ifi(struct nlmsghdr *h)
{
	return mnl_nlmsg_put_extra_header(h, sizeof(struct ifinfomsg));
}

static bool name_ok(const char *name)
{
	return name && name[0] && strlen(name) < IFNAMSIZ;
}

/* Collect attributes into a table indexed by type. */
struct attr_tab {
	const struct nlattr **tb;
	unsigned max;
};

static int attr_cb(const struct nlattr *a, void *data)
{
	struct attr_tab *t = data;
	unsigned type = mnl_attr_get_type(a);
	if (type <= t->max)
		t->tb[type] = a;
	return MNL_CB_OK;
}

static bool attr_u32(const struct nlattr *a, uint32_t *v)
{
	if (!a || mnl_attr_validate(a, MNL_TYPE_U32) < 0)
		return false;
	*v = mnl_attr_get_u32(a);
	return true;
}

/* ----- links ----- */

struct link_reply {
	struct nl_link link;
	bool seen;
};

static void parse_linkinfo(const struct nlattr *info, struct nl_link *l)
{
	const struct nlattr *tb[IFLA_INFO_MAX + 1] = { 0 };
	struct attr_tab t = { .tb = tb, .max = IFLA_INFO_MAX };

	if (mnl_attr_parse_nested(info, attr_cb, &t) < 0 || !tb[IFLA_INFO_KIND])
		return;
	if (mnl_attr_validate(tb[IFLA_INFO_KIND], MNL_TYPE_STRING) >= 0)
		snprintf(l->kind, sizeof(l->kind), "%s",
			 mnl_attr_get_str(tb[IFLA_INFO_KIND]));
}

static int link_cb(const struct nlmsghdr *h, void *data)
{
	struct link_reply *rep = data;
	const struct nlattr *tb[IFLA_MAX + 1] = { 0 };
	struct attr_tab t = { .tb = tb, .max = IFLA_MAX };
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(h);
	struct nl_link *l = &rep->link;
	uint32_t v;

	if (h->nlmsg_type != RTM_NEWLINK ||
	    mnl_nlmsg_get_payload_len(h) < sizeof(*ifi) ||
	    mnl_attr_parse(h, sizeof(*ifi), attr_cb, &t) < 0)
		return MNL_CB_OK;

	*l = (struct nl_link){ .ifindex = ifi->ifi_index,
			       .up = ifi->ifi_flags & IFF_UP };
	if (attr_u32(tb[IFLA_MTU], &v))
		l->mtu = v;
	if (attr_u32(tb[IFLA_MASTER], &v))
		l->master = (int)v;
	if (tb[IFLA_ADDRESS] &&
	    mnl_attr_get_payload_len(tb[IFLA_ADDRESS]) == sizeof(l->mac))
		memcpy(l->mac, mnl_attr_get_payload(tb[IFLA_ADDRESS]),
		       sizeof(l->mac));
	if (tb[IFLA_LINKINFO])
		parse_linkinfo(tb[IFLA_LINKINFO], l);
	rep->seen = true;
	return MNL_CB_OK;
}

int nl_link_get(struct nl *nl, const char *name, struct nl_link *out,
		struct berth_error *err)
{
	NL_REQ_BUF(buf);
	struct link_reply rep = { 0 };

	if (!name_ok(name))
		return berth_err(err, -EINVAL, "get link \"%s\"", name ? name : "");
	struct nlmsghdr *h = nl_msg(buf, RTM_GETLINK, 0);
	nl_ifi(h)->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(h, IFLA_IFNAME, name);
	mnl_attr_put_u32(h, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);

	int r = nl_request(nl, h, link_cb, &rep);
	if (r == 0 && (!rep.seen || rep.link.ifindex <= 0))
		r = -ENODEV;
	if (r < 0)
		return berth_err(err, r, "get link %s", name);
	if (out)
		*out = rep.link;
	return rep.link.ifindex;
}

int nl_bridge_add(struct nl *nl, const char *name, unsigned mtu,
		  const uint8_t *mac, struct berth_error *err)
{
	NL_REQ_BUF(buf);

	if (!name_ok(name))
		return berth_err(err, -EINVAL, "create bridge \"%s\"",
				 name ? name : "");
	struct nlmsghdr *h = nl_msg(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	nl_ifi(h)->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(h, IFLA_IFNAME, name);
	if (mtu)
		mnl_attr_put_u32(h, IFLA_MTU, mtu);
	if (mac)
		mnl_attr_put(h, IFLA_ADDRESS, 6, mac);
	struct nlattr *info = mnl_attr_nest_start(h, IFLA_LINKINFO);
	mnl_attr_put_strz(h, IFLA_INFO_KIND, "bridge");
	mnl_attr_nest_end(h, info);

	int r = nl_request(nl, h, NULL, NULL);
	if (r < 0)
		return berth_err(err, r, "create bridge %s", name);
	r = nl_link_get(nl, name, NULL, err);
	return r < 0 ? berth_err_wrap(err, r, "create bridge %s", name) : r;
}

/* One queue each way, which is what a veth uses unless told otherwise; said
 * outright, because without it the kernel allocates one per CPU and then
 * trims the real count to one on the registered device, and trimming waits
 * for an RCU grace period (synchronize_net under RTNL, 0.1-1 ms, longer the
 * busier the host). */
static void put_one_queue(struct nlmsghdr *h)
{
	mnl_attr_put_u32(h, IFLA_NUM_TX_QUEUES, 1);
	mnl_attr_put_u32(h, IFLA_NUM_RX_QUEUES, 1);
}

int nl_veth_add(struct nl *nl, const struct nl_veth *v, struct berth_error *err)
{
	NL_REQ_BUF(buf);

	if (!name_ok(v->name) || !name_ok(v->peer_name))
		return berth_err(err, -EINVAL, "create veth \"%s\" (peer \"%s\")",
				 v->name ? v->name : "",
				 v->peer_name ? v->peer_name : "");
	struct nlmsghdr *h = nl_msg(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	struct ifinfomsg *ifi = nl_ifi(h);
	ifi->ifi_family = AF_UNSPEC;
	if (v->up) {
		ifi->ifi_flags = IFF_UP;
		ifi->ifi_change = IFF_UP;
	}
	mnl_attr_put_strz(h, IFLA_IFNAME, v->name);
	if (v->mtu)
		mnl_attr_put_u32(h, IFLA_MTU, v->mtu);
	if (v->master > 0)
		mnl_attr_put_u32(h, IFLA_MASTER, (uint32_t)v->master);
	put_one_queue(h);

	struct nlattr *info = mnl_attr_nest_start(h, IFLA_LINKINFO);
	mnl_attr_put_strz(h, IFLA_INFO_KIND, "veth");
	struct nlattr *data = mnl_attr_nest_start(h, IFLA_INFO_DATA);
	struct nlattr *peer = mnl_attr_nest_start(h, VETH_INFO_PEER);
	nl_ifi(h)->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(h, IFLA_IFNAME, v->peer_name);
	if (v->peer_netns_fd >= 0)
		mnl_attr_put_u32(h, IFLA_NET_NS_FD, (uint32_t)v->peer_netns_fd);
	if (v->mtu)
		mnl_attr_put_u32(h, IFLA_MTU, v->mtu);
	if (v->peer_mac)
		mnl_attr_put(h, IFLA_ADDRESS, 6, v->peer_mac);
	put_one_queue(h);
	mnl_attr_nest_end(h, peer);
	mnl_attr_nest_end(h, data);
	mnl_attr_nest_end(h, info);

	int r = nl_request(nl, h, NULL, NULL);
	if (r < 0)
		return berth_err(err, r, "create veth %s (peer %s)", v->name,
				 v->peer_name);
	r = nl_link_get(nl, v->name, NULL, err);
	return r < 0 ? berth_err_wrap(err, r, "create veth %s", v->name) : r;
}

int nl_link_del(struct nl *nl, const char *name, struct berth_error *err)
{
	NL_REQ_BUF(buf);

	if (!name_ok(name))
		return berth_err(err, -EINVAL, "delete link \"%s\"",
				 name ? name : "");
	struct nlmsghdr *h = nl_msg(buf, RTM_DELLINK, 0);
	nl_ifi(h)->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(h, IFLA_IFNAME, name);

	int r = nl_request(nl, h, NULL, NULL);
	return r < 0 ? berth_err(err, r, "delete link %s", name) : 0;
}

int nl_link_set(struct nl *nl, int ifindex, const struct nl_link_change *c,
		struct berth_error *err)
{
	NL_REQ_BUF(buf);

	if (ifindex <= 0 || (c->new_name && !name_ok(c->new_name)))
		return berth_err(err, -EINVAL, "set link ifindex %d", ifindex);
	struct nlmsghdr *h = nl_msg(buf, RTM_NEWLINK, 0);
	struct ifinfomsg *ifi = nl_ifi(h);
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	if (c->up >= 0) {
		ifi->ifi_change = IFF_UP;
		ifi->ifi_flags = c->up ? IFF_UP : 0;
	}
	if (c->new_name)
		mnl_attr_put_strz(h, IFLA_IFNAME, c->new_name);
	if (c->mtu)
		mnl_attr_put_u32(h, IFLA_MTU, c->mtu);
	if (c->master >= 0)
		mnl_attr_put_u32(h, IFLA_MASTER, (uint32_t)c->master);
	if (c->mac)
		mnl_attr_put(h, IFLA_ADDRESS, 6, c->mac);
	if (c->no_ipv6_ll) { /* (applied before the link comes up) */
		struct nlattr *af = mnl_attr_nest_start(h, IFLA_AF_SPEC);
		struct nlattr *v6 = mnl_attr_nest_start(h, AF_INET6);
		mnl_attr_put_u8(h, IFLA_INET6_ADDR_GEN_MODE, IN6_ADDR_GEN_MODE_NONE);
		mnl_attr_nest_end(h, v6);
		mnl_attr_nest_end(h, af);
	}

	int r = nl_request(nl, h, NULL, NULL);
	return r < 0 ? berth_err(err, r, "set link ifindex %d", ifindex) : 0;
}

int nl_bridge_port_hairpin(struct nl *nl, int ifindex, bool on, struct berth_error *err)
{
	NL_REQ_BUF(buf);

	if (ifindex <= 0)
		return berth_err(err, -EINVAL, "set hairpin on ifindex %d", ifindex);
	struct nlmsghdr *h = nl_msg(buf, RTM_SETLINK, 0);
	struct ifinfomsg *ifi = nl_ifi(h);
	ifi->ifi_family = AF_BRIDGE;
	ifi->ifi_index = ifindex;
	struct nlattr *pi = mnl_attr_nest_start(h, IFLA_PROTINFO);
	mnl_attr_put_u8(h, IFLA_BRPORT_MODE, on ? 1 : 0);
	mnl_attr_nest_end(h, pi);

	int r = nl_request(nl, h, NULL, NULL);
	return r < 0 ? berth_err(err, r, "set hairpin on ifindex %d", ifindex) : 0;
}

/* ----- addresses and routes ----- */

static size_t family_len(int family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

/* "10.0.0.2/24"; buf must hold INET6_ADDRSTRLEN + 4. */
static const char *addr_fmt(char *buf, int family, const void *a, unsigned len)
{
	if (!inet_ntop(family, a, buf, INET6_ADDRSTRLEN))
		snprintf(buf, INET6_ADDRSTRLEN, "?");
	size_t n = strlen(buf);
	snprintf(buf + n, 5, "/%u", len);
	return buf;
}

#define ADDR_BUF_SIZE (INET6_ADDRSTRLEN + 4)

static bool addr_valid(const struct nl_addr *a)
{
	size_t n = family_len(a->family);
	return n && a->prefixlen <= n * 8;
}

static struct nlmsghdr *addr_msg(char *buf, uint16_t type, uint16_t flags,
				 int ifindex, const struct nl_addr *a)
{
	struct nlmsghdr *h = nl_msg(buf, type, flags);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(h, sizeof(*ifa));
	size_t n = family_len(a->family);

	ifa->ifa_family = (uint8_t)a->family;
	ifa->ifa_prefixlen = a->prefixlen;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (uint32_t)ifindex;
	mnl_attr_put(h, IFA_LOCAL, n, &a->v6);
	mnl_attr_put(h, IFA_ADDRESS, n, &a->v6);
	return h;
}

int nl_addr_add(struct nl *nl, int ifindex, const struct nl_addr *a,
		struct berth_error *err)
{
	NL_REQ_BUF(buf);
	char s[ADDR_BUF_SIZE];

	if (!addr_valid(a) || ifindex <= 0)
		return berth_err(err, -EINVAL, "add address on ifindex %d", ifindex);
	struct nlmsghdr *h = addr_msg(buf, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL,
				      ifindex, a);
	if (a->family == AF_INET && a->prefixlen < 31) {
		uint32_t mask = htonl(a->prefixlen ? ~0u << (32 - a->prefixlen) : 0);
		mnl_attr_put_u32(h, IFA_BROADCAST, a->v4.s_addr | ~mask);
	} else if (a->family == AF_INET6) {
		struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(h);
		ifa->ifa_flags = IFA_F_NODAD;
		mnl_attr_put_u32(h, IFA_FLAGS, IFA_F_NODAD);
	}

	int r = nl_request(nl, h, NULL, NULL);
	if (r < 0)
		return berth_err(err, r, "add address %s on ifindex %d",
				 addr_fmt(s, a->family, &a->v6, a->prefixlen),
				 ifindex);
	return 0;
}

int nl_addr_del(struct nl *nl, int ifindex, const struct nl_addr *a,
		struct berth_error *err)
{
	NL_REQ_BUF(buf);
	char s[ADDR_BUF_SIZE];

	if (!addr_valid(a) || ifindex <= 0)
		return berth_err(err, -EINVAL, "delete address on ifindex %d",
				 ifindex);
	struct nlmsghdr *h = addr_msg(buf, RTM_DELADDR, 0, ifindex, a);

	int r = nl_request(nl, h, NULL, NULL);
	if (r < 0)
		return berth_err(err, r, "delete address %s on ifindex %d",
				 addr_fmt(s, a->family, &a->v6, a->prefixlen),
				 ifindex);
	return 0;
}

/* A growing array of addresses filled by dump callbacks. */
struct addr_vec {
	struct nl_addr *v;
	size_t n, cap;
	int family;  /* filter: AF_UNSPEC = both */
	int ifindex; /* filter: 0 = all */
	int error;   /* first error; the dump keeps draining */
};

static void vec_push(struct addr_vec *vec, int family, const struct nlattr *a,
		     uint8_t prefixlen)
{
	struct nl_addr e = { .family = family, .prefixlen = prefixlen };
	size_t len = family_len(family);

	if (vec->error)
		return;
	if (a) {
		if (mnl_attr_get_payload_len(a) != len)
			return;
		memcpy(&e.v6, mnl_attr_get_payload(a), len);
	}
	if (vec->n == vec->cap) {
		size_t cap = vec->cap ? vec->cap * 2 : 16;
		struct nl_addr *nv = cap > INT_MAX ? NULL :
			reallocarray(vec->v, cap, sizeof(*nv));
		if (!nv) {
			vec->error = -ENOMEM;
			return;
		}
		vec->v = nv;
		vec->cap = cap;
	}
	vec->v[vec->n++] = e;
}

static bool family_match(int want, int family)
{
	return (family == AF_INET || family == AF_INET6) &&
	       (want == AF_UNSPEC || want == family);
}

static int addr_cb(const struct nlmsghdr *h, void *data)
{
	struct addr_vec *vec = data;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(h);
	const struct nlattr *tb[IFA_MAX + 1] = { 0 };
	struct attr_tab t = { .tb = tb, .max = IFA_MAX };

	if (h->nlmsg_type != RTM_NEWADDR ||
	    mnl_nlmsg_get_payload_len(h) < sizeof(*ifa) ||
	    !family_match(vec->family, ifa->ifa_family) ||
	    (vec->ifindex && (int)ifa->ifa_index != vec->ifindex) ||
	    ifa->ifa_scope != RT_SCOPE_UNIVERSE ||
	    mnl_attr_parse(h, sizeof(*ifa), attr_cb, &t) < 0)
		return MNL_CB_OK;
	/* IFA_LOCAL is our side of a point-to-point link; IFA_ADDRESS the peer. */
	const struct nlattr *a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (a)
		vec_push(vec, ifa->ifa_family, a, ifa->ifa_prefixlen);
	return MNL_CB_OK;
}

static int route_table(const struct rtmsg *rtm, const struct nlattr *const *tb)
{
	uint32_t table;
	return attr_u32(tb[RTA_TABLE], &table) ? (int)table : rtm->rtm_table;
}

static int route_cb(const struct nlmsghdr *h, void *data)
{
	struct addr_vec *vec = data;
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(h);
	const struct nlattr *tb[RTA_MAX + 1] = { 0 };
	struct attr_tab t = { .tb = tb, .max = RTA_MAX };

	if (h->nlmsg_type != RTM_NEWROUTE ||
	    mnl_nlmsg_get_payload_len(h) < sizeof(*rtm) ||
	    !family_match(vec->family, rtm->rtm_family) ||
	    (rtm->rtm_flags & RTM_F_CLONED) ||
	    mnl_attr_parse(h, sizeof(*rtm), attr_cb, &t) < 0 ||
	    route_table(rtm, tb) != RT_TABLE_MAIN)
		return MNL_CB_OK;
	/* No RTA_DST: the default route (all zeroes, prefix 0). */
	vec_push(vec, rtm->rtm_family, tb[RTA_DST], rtm->rtm_dst_len);
	return MNL_CB_OK;
}

/* Run a dump, collecting into vec; hands the array to *out. */
static int nl_dump(struct nl *nl, struct nlmsghdr *h, mnl_cb_t cb,
		   struct addr_vec *vec, struct nl_addr **out)
{
	int r = nl_request(nl, h, cb, vec);
	if (r == 0)
		r = vec->error;
	if (r < 0) {
		free(vec->v);
		return r;
	}
	*out = vec->v;
	return (int)vec->n;
}

int nl_addr_list(struct nl *nl, int ifindex, int family, struct nl_addr **out,
		 struct berth_error *err)
{
	NL_REQ_BUF(buf);
	struct addr_vec vec = { .family = family, .ifindex = ifindex };

	*out = NULL;
	struct nlmsghdr *h = nl_msg(buf, RTM_GETADDR, NLM_F_DUMP);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(h, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)family;

	int r = nl_dump(nl, h, addr_cb, &vec, out);
	return r < 0 ? berth_err(err, r, "list addresses") : r;
}

int nl_route_add(struct nl *nl, int family, const void *dst, uint8_t dst_len,
		 const void *gw, int ifindex, struct berth_error *err)
{
	NL_REQ_BUF(buf);
	char d[ADDR_BUF_SIZE] = "default", g[ADDR_BUF_SIZE] = "";
	size_t n = family_len(family);

	if (!dst)
		dst_len = 0;
	if (!n || dst_len > n * 8)
		return berth_err(err, -EINVAL, "add route (family %d, /%u)", family,
				 dst_len);
	if (dst)
		addr_fmt(d, family, dst, dst_len);
	if (gw && !inet_ntop(family, gw, g, INET6_ADDRSTRLEN))
		g[0] = '\0';

	struct nlmsghdr *h = nl_msg(buf, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(h, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)family;
	rtm->rtm_dst_len = dst_len;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_BOOT;
	rtm->rtm_scope = gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
	rtm->rtm_type = RTN_UNICAST;
	if (dst)
		mnl_attr_put(h, RTA_DST, n, dst);
	if (gw)
		mnl_attr_put(h, RTA_GATEWAY, n, gw);
	if (ifindex > 0)
		mnl_attr_put_u32(h, RTA_OIF, (uint32_t)ifindex);

	int r = nl_request(nl, h, NULL, NULL);
	if (r < 0)
		return berth_err(err, r, "add route %s%s%s dev ifindex %d", d,
				 gw ? " via " : "", g, ifindex);
	return 0;
}

int nl_route_list(struct nl *nl, int family, struct nl_addr **out,
		  struct berth_error *err)
{
	NL_REQ_BUF(buf);
	struct addr_vec vec = { .family = family };

	*out = NULL;
	struct nlmsghdr *h = nl_msg(buf, RTM_GETROUTE, NLM_F_DUMP);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(h, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)family;

	int r = nl_dump(nl, h, route_cb, &vec, out);
	return r < 0 ? berth_err(err, r, "list routes") : r;
}

struct port_vec {
	int master;
	struct nl_port *v;
	size_t n;
	int error;
};

static int port_cb(const struct nlmsghdr *h, void *data)
{
	struct port_vec *vec = data;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(h);
	const struct nlattr *tb[IFLA_MAX + 1] = { 0 };
	struct attr_tab t = { .tb = tb, .max = IFLA_MAX };
	uint32_t master = 0;

	if (h->nlmsg_type != RTM_NEWLINK || mnl_nlmsg_get_payload_len(h) < sizeof(*ifi) ||
	    mnl_attr_parse(h, sizeof(*ifi), attr_cb, &t) < 0 || !tb[IFLA_IFNAME] ||
	    !attr_u32(tb[IFLA_MASTER], &master) || (int)master != vec->master)
		return MNL_CB_OK;
	struct nl_port *nv = realloc(vec->v, (vec->n + 1) * sizeof(*nv));
	if (!nv) {
		vec->error = -ENOMEM;
		return MNL_CB_OK;
	}
	vec->v = nv;
	snprintf(nv[vec->n].name, sizeof(nv[vec->n].name), "%s", mnl_attr_get_str(tb[IFLA_IFNAME]));
	nv[vec->n++].ifindex = ifi->ifi_index;
	return MNL_CB_OK;
}

int nl_bridge_ports(struct nl *nl, int master, struct nl_port **out, struct berth_error *err)
{
	NL_REQ_BUF(buf);
	struct port_vec vec = { .master = master };

	*out = NULL;
	struct nlmsghdr *h = nl_msg(buf, RTM_GETLINK, NLM_F_DUMP);
	nl_ifi(h)->ifi_family = AF_UNSPEC;
	mnl_attr_put_u32(h, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	int r = nl_request(nl, h, port_cb, &vec);
	if (r == 0)
		r = vec.error;
	if (r < 0) {
		free(vec.v);
		return berth_err(err, r, "list bridge ports");
	}
	*out = vec.v;
	return (int)vec.n;
}
