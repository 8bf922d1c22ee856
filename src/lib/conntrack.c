/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "conntrack.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "util.h"

struct victims {
	uint32_t ip; /* network order */
	void **tuples;
	uint16_t *lens;
	size_t n;
};

static bool tuple_has(const struct nlattr *tuple, uint32_t ip)
{
	const struct nlattr *a, *b;
	mnl_attr_for_each_nested(a, tuple) {
		if (mnl_attr_get_type(a) != CTA_TUPLE_IP)
			continue;
		mnl_attr_for_each_nested(b, a) {
			uint16_t t = mnl_attr_get_type(b);
			if ((t == CTA_IP_V4_SRC || t == CTA_IP_V4_DST) &&
			    mnl_attr_get_payload_len(b) == 4 && mnl_attr_get_u32(b) == ip)
				return true;
		}
	}
	return false;
}

static int entry_cb(const struct nlmsghdr *h, void *data)
{
	struct victims *v = data;
	const struct nlattr *a, *orig = NULL;
	bool hit = false;
	mnl_attr_for_each(a, h, sizeof(struct nfgenmsg)) {
		uint16_t t = mnl_attr_get_type(a);
		if (t == CTA_TUPLE_ORIG)
			orig = a;
		if ((t == CTA_TUPLE_ORIG || t == CTA_TUPLE_REPLY) && tuple_has(a, v->ip))
			hit = true;
	}
	if (!hit || !orig)
		return MNL_CB_OK;
	void **nt = realloc(v->tuples, (v->n + 1) * sizeof(*nt));
	uint16_t *nl = realloc(v->lens, (v->n + 1) * sizeof(*nl));
	if (nt)
		v->tuples = nt;
	if (nl)
		v->lens = nl;
	if (!nt || !nl)
		return MNL_CB_OK;
	uint16_t len = mnl_attr_get_payload_len(orig);
	void *copy = malloc(len);
	if (!copy)
		return MNL_CB_OK;
	memcpy(copy, mnl_attr_get_payload(orig), len);
	v->tuples[v->n] = copy;
	v->lens[v->n++] = len;
	return MNL_CB_OK;
}

static struct nlmsghdr *ct_msg(char *buf, uint8_t type, uint16_t flags, uint32_t seq)
{
	struct nlmsghdr *h = mnl_nlmsg_put_header(buf);
	h->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | type;
	h->nlmsg_flags = NLM_F_REQUEST | flags;
	h->nlmsg_seq = seq;
	struct nfgenmsg *g = mnl_nlmsg_put_extra_header(h, sizeof(*g));
	g->nfgen_family = AF_INET;
	g->version = NFNETLINK_V0;
	g->res_id = 0;
	return h;
}

int conntrack_forget(uint32_t ip)
{
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	if (!nl)
		return negerrno();
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int r = negerrno();
		mnl_socket_close(nl);
		return r;
	}
	char *buf = malloc(MNL_SOCKET_BUFFER_SIZE);
	struct victims v = {.ip = htonl(ip)};
	uint32_t seq = (uint32_t)time(NULL), portid = mnl_socket_get_portid(nl);
	int r = buf ? 0 : -ENOMEM;
	if (r == 0) {
		struct nlmsghdr *h = ct_msg(buf, IPCTNL_MSG_CT_GET, NLM_F_DUMP, seq);
		if (mnl_socket_sendto(nl, h, h->nlmsg_len) < 0)
			r = negerrno();
	}
	while (r == 0) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, MNL_SOCKET_BUFFER_SIZE);
		if (n <= 0)
			break;
		int cb = mnl_cb_run(buf, (size_t)n, seq, portid, entry_cb, &v);
		if (cb <= MNL_CB_STOP)
			break;
	}
	/* Delete by original tuple; an entry gone meanwhile is fine. */
	for (size_t i = 0; r == 0 && i < v.n; i++) {
		struct nlmsghdr *h = ct_msg(buf, IPCTNL_MSG_CT_DELETE, NLM_F_ACK, ++seq);
		struct nlattr *t = mnl_attr_nest_start(h, CTA_TUPLE_ORIG);
		memcpy(mnl_nlmsg_get_payload_tail(h), v.tuples[i], v.lens[i]);
		h->nlmsg_len += MNL_ALIGN(v.lens[i]);
		mnl_attr_nest_end(h, t);
		if (mnl_socket_sendto(nl, h, h->nlmsg_len) < 0)
			break;
		ssize_t n = mnl_socket_recvfrom(nl, buf, MNL_SOCKET_BUFFER_SIZE);
		if (n > 0)
			(void)mnl_cb_run(buf, (size_t)n, seq, portid, NULL, NULL);
	}
	for (size_t i = 0; i < v.n; i++)
		free(v.tuples[i]);
	free(v.tuples);
	free(v.lens);
	free(buf);
	mnl_socket_close(nl);
	return r;
}
