/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nftables backend. berth owns two tables and nothing else:
 *
 *   table inet berth    forwarding, isolation, internal networks, MASQUERADE
 *   table bridge berth  icc=false and --link, between ports of one bridge
 *                       (works without br_netfilter; keyed on the ports,
 *                       as meta ibrname needs a module not every kernel has;
 *                       its chain exists only while a network has icc=false)
 *
 * Their rules are static (a chain that could decide nothing is left out, as
 * every base chain costs a call per packet): what varies with networks and
 * containers lives in sets (bridge names, bridge pairs, masqueraded subnets,
 * link flows), so the per-packet cost is a few set lookups whatever the
 * number of containers.
 * Each apply is one transaction: chains are flushed and refilled and sets
 * rewritten, except chain "user" of table inet berth, which berth creates
 * once and never flushes: it is jumped to before any of berth's rules, so an
 * administrator's accept or drop there is final for berth's forward chain.
 *
 * Coexistence: iptables (nft flavour) keeps its own "ip filter FORWARD"
 * chain, and a DROP there (e.g. `iptables -P FORWARD DROP`, as Docker sets)
 * would drop our containers' traffic whatever our table accepts. Where that
 * chain exists, berth adds its own chain BERTH-FORWARD in that table and one
 * jump to it, accepting only traffic of berth's bridges; the policy and the
 * other rules of that chain are left alone. Rules in iptables' tables must
 * stay readable by iptables-save, which cannot parse native "ct state": so
 * our own chain (which runs first) marks replies heading into a bridge with
 * BERTH_MARK, and BERTH-FORWARD accepts on the mark (`-m mark`).
 */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <nftables/libnftables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "firewall.h"
#include "nftelem.h"
#include "strbuf.h"
#include "util.h"

/* Packet mark bit for "a reply into a berth bridge" (see above). */
#define BERTH_MARK "0x00002000"

/* libnftables is opened on first use, not linked: most commands never
 * rewrite the ruleset (a container's elements go through nftelem.c's
 * libnftnl batch), and linking it, with libxtables and libgmp behind it,
 * cost every start of berth about 0.3 ms. Its soname is the ABI that
 * <nftables/libnftables.h> describes. */
#define NFTABLES_SONAME "libnftables.so.1"

static struct {
	void *handle;
	__typeof__(nft_ctx_new) *ctx_new;
	__typeof__(nft_ctx_free) *ctx_free;
	__typeof__(nft_ctx_output_set_flags) *output_set_flags;
	__typeof__(nft_ctx_buffer_output) *buffer_output;
	__typeof__(nft_ctx_buffer_error) *buffer_error;
	__typeof__(nft_ctx_get_output_buffer) *get_output_buffer;
	__typeof__(nft_ctx_get_error_buffer) *get_error_buffer;
	__typeof__(nft_run_cmd_from_buffer) *run_cmd_from_buffer;
} lib;

static int lib_open(struct berth_error *err)
{
	if (lib.handle)
		return 0;
	void *h = dlopen(NFTABLES_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return berth_errmsg(err, -ENOENT, "nftables: %s (Debian's package: libnftables1)", dlerror());
	const struct {
		void **fn; /* (POSIX's way to store what dlsym returns) */
		const char *name;
	} syms[] = {
		{(void **)&lib.ctx_new, "nft_ctx_new"},
		{(void **)&lib.ctx_free, "nft_ctx_free"},
		{(void **)&lib.output_set_flags, "nft_ctx_output_set_flags"},
		{(void **)&lib.buffer_output, "nft_ctx_buffer_output"},
		{(void **)&lib.buffer_error, "nft_ctx_buffer_error"},
		{(void **)&lib.get_output_buffer, "nft_ctx_get_output_buffer"},
		{(void **)&lib.get_error_buffer, "nft_ctx_get_error_buffer"},
		{(void **)&lib.run_cmd_from_buffer, "nft_run_cmd_from_buffer"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(syms); i++) {
		*syms[i].fn = dlsym(h, syms[i].name);
		if (!*syms[i].fn) {
			dlclose(h);
			return berth_errmsg(err, -ENOENT, "nftables: %s has no %s", NFTABLES_SONAME,
					    syms[i].name);
		}
	}
	lib.handle = h;
	return 0;
}

static void nft_ctx_freep(struct nft_ctx **p)
{
	if (*p)
		lib.ctx_free(*p);
}

static int nft_new(struct nft_ctx **out, unsigned flags, struct berth_error *err)
{
	int r = lib_open(err);
	if (r < 0)
		return r;
	struct nft_ctx *n = lib.ctx_new(NFT_CTX_DEFAULT);
	if (!n)
		return berth_err(err, -ENOMEM, "nftables context");
	lib.output_set_flags(n, flags);
	if (lib.buffer_output(n) < 0 || lib.buffer_error(n) < 0) {
		lib.ctx_free(n);
		return berth_err(err, -ENOMEM, "nftables buffers");
	}
	*out = n;
	return 0;
}

/* Run one buffer as one transaction. */
static int nft_run(struct nft_ctx *n, const char *cmds, struct berth_error *err)
{
	if (lib.run_cmd_from_buffer(n, cmds) == 0)
		return 0;
	const char *e = lib.get_error_buffer(n);
	char msg[600];
	snprintf(msg, sizeof(msg), "%s", e && *e ? e : "failed");
	size_t l = strlen(msg);
	while (l && msg[l - 1] == '\n')
		msg[--l] = '\0';
	return berth_errmsg(err, -EIO, "nftables: %s", msg);
}

/* The sets and maps of table inet berth (name, definition). */
static const char *const INET_SETS[][2] = {
	{"bridges", "type ifname;"},
	{"internal", "type ifname;"},
	{"routed", "type ifname;"},
	{"same", "type ifname . ifname;"},
	{"subnets4", "type ipv4_addr; flags interval;"},
	{"masq4", "type ipv4_addr; flags interval;"},
	{"nomasq4", "type ipv4_addr . ipv4_addr; flags interval;"},
	{"gateways4", "type ipv4_addr;"},
};
static const char *const INET_MAPS[][2] = {
	{"dnat4", "ipv4_addr . inet_proto . inet_service : ipv4_addr . inet_service"},
	{"dnat4_any", "inet_proto . inet_service : ipv4_addr . inet_service"},
	{"dnat6", "ipv6_addr . inet_proto . inet_service : ipv6_addr . inet_service"},
	{"dnat6_any", "inet_proto . inet_service : ipv6_addr . inet_service"},
};

/* "add set" + "flush set" + elements: the set ends up holding exactly these. */
static void set_begin(struct strbuf *b, const char *family, const char *name, const char *spec)
{
	strbuf_printf(b, "add set %s berth %s { %s }\nflush set %s berth %s\n", family, name, spec,
		family, name);
}

static void elements(struct strbuf *b, const char *family, const char *set, const char *items)
{
	if (items && *items)
		strbuf_printf(b, "add element %s berth %s { %s }\n", family, set, items);
}

/* Collect the bridge names matching a predicate as `"a", "b"`. */
static char *bridge_list(const struct fw_model *m, bool (*pick)(const struct fw_net *))
{
	struct strbuf b = {0};
	strbuf_printf(&b, "%s", "");
	for (size_t i = 0; i < m->n_nets; i++)
		if (!pick || pick(&m->nets[i]))
			strbuf_printf(&b, "%s\"%s\"", b.len ? ", " : "", m->nets[i].bridge);
	return b.oom ? NULL : b.p;
}

/* The elements containers contribute (nftelem.c adds or deletes one
 * container's: the same elements). */
static void dnat_elements(struct strbuf *b, const struct fw_model *m)
{
	for (size_t i = 0; i < m->n_dnats; i++) {
		const struct fw_dnat *d = &m->dnats[i];
		const char *map = d->family == AF_INET ? (d->any ? "dnat4_any" : "dnat4")
						       : (d->any ? "dnat6_any" : "dnat6");
		strbuf_printf(b, "add element inet berth %s { ", map);
		if (!d->any)
			strbuf_printf(b, "%s . ", d->host);
		strbuf_printf(b, "%s . %u : %s . %u", fw_proto_name(d->proto), d->host_port, d->ctr,
			      d->ctr_port);
		strbuf_printf(b, " }\n");
	}
}

static void icc_elements(struct strbuf *b, const struct fw_model *m)
{
	for (size_t i = 0; i < m->n_icc_off_ports; i++)
		strbuf_printf(b, "add element bridge berth icc_off_ports { \"%s\" }\n",
			m->icc_off_ports[i].ifname);
}

static void guard_elements(struct strbuf *b, const struct fw_model *m)
{
	for (size_t i = 0; i < m->n_guards; i++) {
		const struct fw_guard *g = &m->guards[i];
		char mac[18], ip[16], ip6[INET6_ADDRSTRLEN];
		mac_str(g->mac, mac);
		ip4_str(g->ip, ip);
		strbuf_printf(b, "add element bridge berth-guard guarded { \"%s\" }\n"
			    "add element bridge berth-guard macs { \"%s\" . %s }\n"
			    "add element bridge berth-guard addr4 { \"%s\" . %s . %s }\n"
			    "add element bridge berth-guard dst4 { %s . %s }\n",
			g->ifname, g->ifname, mac, g->ifname, mac, ip, mac, ip);
		if (g->has_ip6)
			strbuf_printf(b, "add element bridge berth-guard addr6 { \"%s\" . %s }\n", g->ifname,
				inet_ntop(AF_INET6, &g->ip6, ip6, sizeof(ip6)));
		uint8_t ll[16];
		fw_link_local(g->mac, ll);
		for (int k = 0; k < 2; k++) {
			const uint8_t *a = k ? g->ip6.s6_addr : ll;
			if (k && !g->has_ip6)
				continue;
			strbuf_printf(b, "add element bridge berth-guard nd6 { \"%s\" . 0x", g->ifname);
			for (int j = 0; j < 16; j++)
				strbuf_printf(b, "%02x", a[j]);
			strbuf_printf(b, " }\n");
		}
	}
}

static bool is_internal(const struct fw_net *n) { return n->internal; }
static bool is_routed(const struct fw_net *n) { return n->routed; }

static bool icc_off(const struct fw_net *n) { return !n->icc; }
static bool guarded(const struct fw_net *n) { return n->anti_spoofing; }
static bool unguarded(const struct fw_net *n) { return !n->anti_spoofing; }

static bool any_net(const struct fw_model *m, bool (*pred)(const struct fw_net *))
{
	for (size_t i = 0; i < m->n_nets; i++)
		if (pred(&m->nets[i]))
			return true;
	return false;
}

static void inet_table(struct strbuf *b, const struct fw_model *m)
{
	char c[20];
	_cleanup_free_ char *all = bridge_list(m, NULL);
	_cleanup_free_ char *internal = bridge_list(m, is_internal);
	_cleanup_free_ char *routed = bridge_list(m, is_routed);

	strbuf_printf(b, "add table inet berth\n"
		   "add chain inet berth user\n" /* the administrator's: never flushed */
		   "add chain inet berth forward { type filter hook forward priority filter - 5; policy accept; }\n"
		   "add chain inet berth postrouting { type nat hook postrouting priority srcnat; policy accept; }\n"
		   "flush chain inet berth forward\n"
		   "flush chain inet berth postrouting\n");
	set_begin(b, "inet", "bridges", INET_SETS[0][1]);
	elements(b, "inet", "bridges", all);
	set_begin(b, "inet", "internal", INET_SETS[1][1]);
	elements(b, "inet", "internal", internal);
	set_begin(b, "inet", "routed", INET_SETS[2][1]);
	elements(b, "inet", "routed", routed);
	/* (br, br) for every bridge: traffic staying inside one bridge. */
	set_begin(b, "inet", "same", INET_SETS[3][1]);
	for (size_t i = 0; i < m->n_nets; i++)
		strbuf_printf(b, "add element inet berth same { \"%s\" . \"%s\" }\n", m->nets[i].bridge,
			m->nets[i].bridge);
	set_begin(b, "inet", "subnets4", INET_SETS[4][1]);
	for (size_t i = 0; i < m->n_nets; i++)
		strbuf_printf(b, "add element inet berth subnets4 { %s }\n", cidr4_str(m->nets[i].subnet, c));
	set_begin(b, "inet", "masq4", INET_SETS[5][1]);
	for (size_t i = 0; i < m->n_nets; i++)
		if (m->nets[i].masquerade)
			strbuf_printf(b, "add element inet berth masq4 { %s }\n", cidr4_str(m->nets[i].subnet, c));
	/* (subnet . destination) pairs that keep their source address */
	set_begin(b, "inet", "nomasq4", INET_SETS[6][1]);
	for (size_t i = 0; i < m->n_nets; i++)
		if (m->nets[i].masquerade && m->nets[i].has_no_masq) {
			char d[20];
			strbuf_printf(b, "add element inet berth nomasq4 { %s . %s }\n",
				cidr4_str(m->nets[i].subnet, c), cidr4_str(m->nets[i].no_masq, d));
		}
	set_begin(b, "inet", "gateways4", INET_SETS[7][1]);
	for (size_t i = 0; i < m->n_nets; i++)
		if (m->nets[i].gateway)
			strbuf_printf(b, "add element inet berth gateways4 { %s }\n", ip4_str(m->nets[i].gateway, c));
	/* Published ports: one map lookup per packet, whatever their number. */
	for (size_t i = 0; i < ARRAY_SIZE(INET_MAPS); i++)
		strbuf_printf(b, "add map inet berth %s { type %s; }\nflush map inet berth %s\n",
			INET_MAPS[i][0], INET_MAPS[i][1], INET_MAPS[i][0]);
	dnat_elements(b, m);
	/* (this nft accepts the name "dstnat" for prerouting only: -100 is it) */
	static const char *const hooks[][2] = {{"prerouting", "prerouting"}, {"output", "output"}};
	for (size_t i = 0; i < ARRAY_SIZE(hooks); i++)
		strbuf_printf(b,
			"add chain inet berth %s { type nat hook %s priority -100; policy accept; }\n"
			"flush chain inet berth %s\n"
			"add rule inet berth %s fib daddr type local dnat ip to ip daddr . meta l4proto . th dport map @dnat4\n"
			"add rule inet berth %s fib daddr type local dnat ip to meta l4proto . th dport map @dnat4_any\n"
			"add rule inet berth %s fib daddr type local dnat ip6 to ip6 daddr . meta l4proto . th dport map @dnat6\n"
			"add rule inet berth %s fib daddr type local dnat ip6 to meta l4proto . th dport map @dnat6_any\n",
			hooks[i][0], hooks[i][1], hooks[i][0], hooks[i][0], hooks[i][0], hooks[i][0],
			hooks[i][0]);
	/* Container to container, address to address (bridged, seen here
	 * through br_netfilter, or routed between two of berth's bridges): no
	 * NAT can apply, every rule of ours decides on interfaces and ports, so
	 * conntrack is skipped (it was most of what such traffic cost). Not
	 * towards a gateway: traffic to the host, and the replies of hairpin
	 * flows (masqueraded to the gateway), stay tracked. Where every
	 * network is guarded, the guard skips it for the bridged traffic, which
	 * is cheaper than this chain (see guard_rules). */
	strbuf_printf(b, "add chain inet berth raw { type filter hook prerouting priority -300; policy accept; }\n"
			 "flush chain inet berth raw\n");
	if (any_net(m, unguarded))
		strbuf_printf(b, "add rule inet berth raw ip saddr @subnets4 ip daddr @subnets4 ip daddr != @gateways4 notrack\n");
	else
		strbuf_printf(b, "delete chain inet berth raw\n");
	/* For the bridge table's icc=false chain only (each base chain is a
	 * call for every packet of its hook, so it exists only when needed). */
	strbuf_printf(b, "add chain inet berth dnatmark { type filter hook prerouting priority -99; policy accept; }\n"
			 "flush chain inet berth dnatmark\n");
	if (any_net(m, icc_off))
		strbuf_printf(b, "add rule inet berth dnatmark ct status dnat meta mark set meta mark | " BERTH_MARK "\n");
	else
		strbuf_printf(b, "delete chain inet berth dnatmark\n");
	strbuf_printf(b,
		"add rule inet berth forward jump user\n"
		/* a flow's later packets: its first passed the rules below (a
		 * drop there leaves no conntrack entry), so they take one test
		 * instead of a lookup per rule; replies into a bridge get the
		 * mark BERTH-FORWARD accepts on. First, before the lookup below:
		 * traffic between two containers is untracked (the guard), so
		 * it costs that only a test, and a tracked flow (through a
		 * published port, or out) is spared the lookup. */
		"add rule inet berth forward ct state established,related oifname @bridges meta mark set meta mark | " BERTH_MARK " accept\n"
		"add rule inet berth forward ct state established,related accept\n"
		/* inside one bridge (bridged, seen here through br_netfilter, or
		 * a hairpin through the host): nothing below would drop it, so
		 * the commonest traffic takes one lookup (icc is the bridge
		 * table's; published ports are marked by dnatmark) */
		"add rule inet berth forward iifname . oifname @same accept\n"
		/* published ports are reachable from everywhere, other bridges too */
		"add rule inet berth forward oifname @bridges ct status dnat meta mark set meta mark | " BERTH_MARK " accept\n"
		/* isolation: one berth bridge never reaches another */
		"add rule inet berth forward iifname @bridges oifname @bridges iifname . oifname != @same drop\n"
		/* internal networks: nothing in or out but their own bridge */
		"add rule inet berth forward iifname @internal iifname . oifname != @same drop\n"
		"add rule inet berth forward oifname @internal iifname . oifname != @same drop\n"
		"add rule inet berth forward iifname @bridges accept\n"
		/* berth-cni networks are routed: pods on other nodes reach pods */
		"add rule inet berth forward oifname @routed accept\n"
		/* nothing else gets in: unpublished ports are not reachable by routing */
		"add rule inet berth forward oifname @bridges drop\n"
		"add rule inet berth postrouting ip saddr @masq4 oifname != @bridges ip saddr . ip daddr != @nomasq4 masquerade\n"
		/* 127.0.0.1:port from the host (with route_localnet on the bridge) */
		"add rule inet berth postrouting ip saddr 127.0.0.0/8 oifname @bridges masquerade\n"
		/* hairpin: a container reaching a published port through the host
		 * must get the answer back through the host too */
		"add rule inet berth postrouting oifname @bridges ct status dnat ip saddr @subnets4 masquerade\n");
}

static void bridge_table(struct strbuf *b, const struct fw_model *m)
{
	char s[16], d[16];
	strbuf_printf(b, "add table bridge berth\n"
		   "add chain bridge berth forward { type filter hook forward priority filter; policy accept; }\n"
		   "flush chain bridge berth forward\n");
	set_begin(b, "bridge", "icc_off_ports", "type ifname;");
	icc_elements(b, m);
	set_begin(b, "bridge", "links",
		  "type ipv4_addr . ipv4_addr . inet_proto . inet_service;");
	for (size_t i = 0; i < m->n_links; i++) {
		const struct fw_link *l = &m->links[i];
		strbuf_printf(b, "add element bridge berth links { %s . %s . %s . %u }\n",
			ip4_str(l->client, s), ip4_str(l->server, d), fw_proto_name(l->proto), l->port);
	}
	if (!any_net(m, icc_off)) { /* the sets stay, for nftelem.c's deltas */
		strbuf_printf(b, "delete chain bridge berth forward\n");
		return;
	}
	strbuf_printf(b,
		"add rule bridge berth forward iifname != @icc_off_ports accept\n"
		"add rule bridge berth forward ether type arp accept\n"
		/* published ports reached through the host and bridged back
		 * (br_netfilter): marked by inet berth's dnatmark chain */
		"add rule bridge berth forward meta mark & " BERTH_MARK " == " BERTH_MARK " accept\n"
		/* client -> server:port, and the server's answers from that port */
		"add rule bridge berth forward ip saddr . ip daddr . meta l4proto . th dport @links accept\n"
		"add rule bridge berth forward ip daddr . ip saddr . meta l4proto . th sport @links accept\n"
		"add rule bridge berth forward drop\n");
}

/* If `family filter FORWARD` exists, return its listing (with handles). */
static char *list_forward(struct nft_ctx *n, const char *family)
{
	char cmd[64];
	snprintf(cmd, sizeof(cmd), "list chain %s filter FORWARD", family);
	int r = lib.run_cmd_from_buffer(n, cmd);
	(void)lib.get_error_buffer(n); /* a missing chain is no error of ours */
	const char *out = lib.get_output_buffer(n);
	return r == 0 && out ? strdup(out) : NULL;
}

/* The jump rule's handle in a listing, or 0. */
static unsigned long jump_handle(const char *listing)
{
	const char *p = strstr(listing, "jump BERTH-FORWARD");
	if (!p)
		return 0;
	const char *h = strstr(p, "# handle ");
	const char *eol = strchr(p, '\n');
	if (!h || (eol && h > eol))
		return 0;
	return strtoul(h + 9, NULL, 10);
}

static void compat_forward(struct strbuf *b, struct nft_ctx *n, const char *family,
			   const struct fw_model *m)
{
	_cleanup_free_ char *listing = list_forward(n, family);
	if (!listing)
		return; /* no iptables FORWARD chain: nothing can drop our traffic there */
	unsigned long h = jump_handle(listing);
	if (m->n_nets == 0) {
		if (h)
			strbuf_printf(b, "delete rule %s filter FORWARD handle %lu\n", family, h);
		strbuf_printf(b, "add chain %s filter BERTH-FORWARD\nflush chain %s filter BERTH-FORWARD\n"
			   "delete chain %s filter BERTH-FORWARD\n", family, family, family);
		return;
	}
	strbuf_printf(b, "add chain %s filter BERTH-FORWARD\nflush chain %s filter BERTH-FORWARD\n",
		family, family);
	for (size_t i = 0; i < m->n_nets; i++) {
		const char *br = m->nets[i].bridge;
		strbuf_printf(b, "add rule %s filter BERTH-FORWARD oifname \"%s\" meta mark & " BERTH_MARK " == " BERTH_MARK " counter accept\n"
			   "add rule %s filter BERTH-FORWARD iifname \"%s\" counter accept\n",
			family, br, family, br);
		if (m->nets[i].routed) /* (our own chain, which runs first, already drops what it must) */
			strbuf_printf(b, "add rule %s filter BERTH-FORWARD oifname \"%s\" counter accept\n",
				family, br);
	}
	if (!h)
		strbuf_printf(b, "insert rule %s filter FORWARD counter jump BERTH-FORWARD\n", family);
}

/* table bridge berth-guard: frames from a guarded port must carry its MAC,
 * and its IPv4 / IPv6 address (ARP: as sender; neighbour advertisements:
 * as target); link-local IPv6 and the unspecified address pass. The table
 * exists while a network has anti-spoofing on, with or without containers. */
static void guard_rules(struct strbuf *b, const struct fw_model *m)
{
	if (!any_net(m, guarded)) {
		strbuf_printf(b, "table bridge berth-guard\ndelete table bridge berth-guard\n");
	} else {
		strbuf_printf(b, "add table bridge berth-guard\n"
			    "add chain bridge berth-guard prerouting { type filter hook prerouting priority -300; policy accept; }\n"
			    "flush chain bridge berth-guard prerouting\n"
			    "add chain bridge berth-guard own4\n"
			    "flush chain bridge berth-guard own4\n");
		struct {
			const char *name, *type;
		} sets[] = {{"guarded", "ifname"}, {"macs", "ifname . ether_addr"},
			    {"addr4", "ifname . ether_addr . ipv4_addr"}, {"addr6", "ifname . ipv6_addr"},
			    {"dst4", "ether_addr . ipv4_addr"}};
		for (size_t i = 0; i < ARRAY_SIZE(sets); i++)
			strbuf_printf(b, "add set bridge berth-guard %s { type %s; }\nflush set bridge berth-guard %s\n",
				sets[i].name, sets[i].type, sets[i].name);
		/* Neighbour advertisements: the target must be the port's own
		 * address (its global one, or its link-local one from its MAC). */
		strbuf_printf(b, "add set bridge berth-guard nd6 { typeof iifname . @th,64,128; }\n"
				  "flush set bridge berth-guard nd6\n");
		guard_elements(b, m);
		strbuf_printf(b,
			/* the common case first: IPv4 from a port with its own MAC and
			 * address (what the checks below require of it), accepted at
			 * the end of own4 (a goto: the base chain's policy) */
			"add rule bridge berth-guard prerouting ether type ip iifname . ether saddr . ip saddr @addr4 goto own4\n"
			/* Of that, frames to another container's MAC and address are
			 * bridged: with br_netfilter they pass the IP hooks too, where
			 * no NAT can apply to them and no rule of ours decides on
			 * their state, so conntrack is skipped (it would cost such
			 * traffic more than all the rest). A frame to the bridge's MAC
			 * (the host, or beyond it: a published port, the hairpin)
			 * stays tracked. This replaces inet berth's raw chain. */
			"add rule bridge berth-guard own4 ether daddr . ip daddr @dst4 notrack\n"
			"add rule bridge berth-guard prerouting iifname != @guarded accept\n"
			/* IP, IPv6 and ARP only: no VLAN tags (priority-tagged frames
			 * would slip past the checks below) or other protocols */
			"add rule bridge berth-guard prerouting ether type != { ip, ip6, arp } drop\n"
			"add rule bridge berth-guard prerouting iifname . ether saddr != @macs drop\n"
			"add rule bridge berth-guard prerouting ether type arp iifname . arp saddr ether . arp saddr ip != @addr4 drop\n"
			"add rule bridge berth-guard prerouting ether type ip iifname . ether saddr . ip saddr != @addr4 drop\n"
			"add rule bridge berth-guard prerouting ether type ip6 icmpv6 type nd-neighbor-advert iifname . @th,64,128 != @nd6 drop\n"
			"add rule bridge berth-guard prerouting ether type ip6 ip6 saddr { ::, fe80::/10 } accept\n"
			"add rule bridge berth-guard prerouting ether type ip6 iifname . ip6 saddr != @addr6 drop\n");
	}
}

static int nft_apply(const struct fw_model *m, struct berth_error *err)
{
	__attribute__((cleanup(nft_ctx_freep))) struct nft_ctx *n = NULL;
	int r = nft_new(&n, NFT_CTX_OUTPUT_HANDLE, err);
	if (r < 0)
		return r;
	struct strbuf b = {0};
	if (m->n_nets) {
		inet_table(&b, m);
		bridge_table(&b, m);
	} else {
		/* Nothing left: remove berth's rules, keep the user chain. */
		strbuf_printf(&b, "add table inet berth\nadd chain inet berth user\n"
			    "add chain inet berth forward\nflush chain inet berth forward\n"
			    "delete chain inet berth forward\n"
			    "add chain inet berth postrouting\nflush chain inet berth postrouting\n"
			    "delete chain inet berth postrouting\n"
			    "add chain inet berth prerouting\nflush chain inet berth prerouting\n"
			    "delete chain inet berth prerouting\n"
			    "add chain inet berth output\nflush chain inet berth output\n"
			    "delete chain inet berth output\n"
			    "add chain inet berth dnatmark\nflush chain inet berth dnatmark\n"
			    "delete chain inet berth dnatmark\n"
			    "add chain inet berth raw\nflush chain inet berth raw\n"
			    "delete chain inet berth raw\n"
			    "table bridge berth\ndelete table bridge berth\n");
		/* (after the rules that use them) */
		for (size_t i = 0; i < ARRAY_SIZE(INET_SETS); i++)
			strbuf_printf(&b, "add set inet berth %s { %s }\ndelete set inet berth %s\n",
				INET_SETS[i][0], INET_SETS[i][1], INET_SETS[i][0]);
		for (size_t i = 0; i < ARRAY_SIZE(INET_MAPS); i++)
			strbuf_printf(&b, "add map inet berth %s { type %s; }\ndelete map inet berth %s\n",
				INET_MAPS[i][0], INET_MAPS[i][1], INET_MAPS[i][0]);
	}
	compat_forward(&b, n, "ip", m);
	compat_forward(&b, n, "ip6", m);
	guard_rules(&b, m); /* anti-spoofing, in the same transaction */
	if (b.oom) {
		free(b.p);
		return berth_err(err, -ENOMEM, "nftables ruleset");
	}
	r = nft_run(n, b.p, err);
	free(b.p);
	return r;
}

static int genid_cb(const struct nlmsghdr *h, void *data)
{
	const struct nlattr *a;
	if ((h->nlmsg_type & 0xff) != NFT_MSG_NEWGEN)
		return MNL_CB_OK;
	mnl_attr_for_each(a, h, sizeof(struct nfgenmsg))
		if (mnl_attr_get_type(a) == NFTA_GEN_ID && mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			*(uint32_t *)data = ntohl(mnl_attr_get_u32(a));
	return MNL_CB_OK;
}

int nft_generation(int via, uint32_t *out)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	int r = 0;
	/* (closing a duplicate of via does not release the socket) */
	int fd = via >= 0 ? fcntl(via, F_DUPFD_CLOEXEC, 0) : -1;
	struct mnl_socket *nl = via < 0 ? mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC)
					: fd >= 0 ? mnl_socket_fdopen(fd) : NULL;
	if (!nl) {
		r = -errno;
		if (fd >= 0)
			close(fd);
		return r;
	}
	if (via < 0)
		r = mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0 ? -errno : 0;
	struct nlmsghdr *h = mnl_nlmsg_put_header(buf);
	h->nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETGEN;
	h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	h->nlmsg_seq = 1;
	struct nfgenmsg *g = mnl_nlmsg_put_extra_header(h, sizeof(*g));
	g->nfgen_family = AF_UNSPEC;
	g->version = NFNETLINK_V0;
	uint32_t gen = UINT32_MAX;
	if (r == 0 && mnl_socket_sendto(nl, h, h->nlmsg_len) < 0)
		r = -errno;
	int cb = MNL_CB_OK;
	while (r == 0 && cb > MNL_CB_STOP) {
		ssize_t len = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (len <= 0) {
			r = len < 0 ? -errno : -EPROTO;
			break;
		}
		cb = mnl_cb_run(buf, (size_t)len, 1, mnl_socket_get_portid(nl), genid_cb, &gen);
		if (cb < 0)
			r = -errno;
	}
	mnl_socket_close(nl);
	if (r == 0 && gen == UINT32_MAX)
		r = -ENOENT;
	if (r == 0)
		*out = gen;
	return r;
}

int nft_apply_guard(const struct fw_model *m, struct berth_error *err)
{
	__attribute__((cleanup(nft_ctx_freep))) struct nft_ctx *n = NULL;
	int r = nft_new(&n, 0, err);
	if (r < 0)
		return r;
	struct strbuf b = {0};
	guard_rules(&b, m);
	if (b.oom) {
		free(b.p);
		return berth_err(err, -ENOMEM, "nftables guard");
	}
	r = nft_run(n, b.p, err);
	free(b.p);
	return r < 0 ? berth_err_wrap(err, r, "anti-spoofing") : 0;
}

const struct fw_backend fw_backend_nft = {
	.name = "nftables",
	.apply = nft_apply,
	.apply_delta = nftelem_apply,
};
