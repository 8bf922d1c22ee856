/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nftables backend: berth owns "table inet berth". Its rules are static;
 * what varies with networks lives in sets (bridge names, masqueraded
 * subnets). The whole table is replaced in one transaction, so the host's
 * rules are always either before or after a change.
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
#include <nftables/libnftables.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firewall.h"
#include "util.h"

/* Packet mark bit for "a reply into a berth bridge" (see above). */
#define BERTH_MARK "0x00002000"

struct buf {
	char *p;
	size_t len, cap;
	bool oom;
};

__attribute__((format(printf, 2, 3))) static void bprintf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		size_t room = b->cap - b->len;
		va_start(ap, fmt);
		int n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? room : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = true;
			return;
		}
		if (b->p && (size_t)n < room) {
			b->len += (size_t)n;
			return;
		}
		size_t cap = (b->cap + (size_t)n + 1) * 2;
		char *np = realloc(b->p, cap);
		if (!np) {
			b->oom = true;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
}

static void nft_ctx_freep(struct nft_ctx **p)
{
	if (*p)
		nft_ctx_free(*p);
}

static int nft_new(struct nft_ctx **out, unsigned flags, struct berth_error *err)
{
	struct nft_ctx *n = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!n)
		return berth_err(err, -ENOMEM, "nftables context");
	nft_ctx_output_set_flags(n, flags);
	if (nft_ctx_buffer_output(n) < 0 || nft_ctx_buffer_error(n) < 0) {
		nft_ctx_free(n);
		return berth_err(err, -ENOMEM, "nftables buffers");
	}
	*out = n;
	return 0;
}

/* Run one buffer as one transaction. */
static int nft_run(struct nft_ctx *n, const char *cmds, struct berth_error *err)
{
	if (nft_run_cmd_from_buffer(n, cmds) == 0)
		return 0;
	const char *e = nft_ctx_get_error_buffer(n);
	char msg[600];
	snprintf(msg, sizeof(msg), "%s", e && *e ? e : "failed");
	size_t l = strlen(msg);
	while (l && msg[l - 1] == '\n')
		msg[--l] = '\0';
	return berth_errmsg(err, -EIO, "nftables: %s", msg);
}

static void ifname_list(struct buf *b, const struct fw_model *m, bool masq_only)
{
	bool first = true;
	for (size_t i = 0; i < m->n_nets; i++) {
		if (masq_only && !m->nets[i].masquerade)
			continue;
		bprintf(b, "%s\"%s\"", first ? "" : ", ", m->nets[i].bridge);
		first = false;
	}
}

static void berth_table(struct buf *b, const struct fw_model *m)
{
	bprintf(b, "table inet berth\ndelete table inet berth\n");
	if (m->n_nets == 0)
		return;
	bprintf(b, "table inet berth {\n"
		   "  set bridges {\n    type ifname\n    elements = { ");
	ifname_list(b, m, false);
	bprintf(b, " }\n  }\n"
		   "  set masq4 {\n    type ipv4_addr\n    flags interval\n");
	bool any = false;
	for (size_t i = 0; i < m->n_nets; i++) {
		if (!m->nets[i].masquerade)
			continue;
		char c[20];
		bprintf(b, "%s%s", any ? ", " : "    elements = { ", cidr4_str(m->nets[i].subnet, c));
		any = true;
	}
	bprintf(b, "%s  }\n", any ? " }\n" : "");
	bprintf(b, "  chain forward {\n"
		   "    type filter hook forward priority filter - 5; policy accept;\n"
		   "    oifname @bridges ct state established,related meta mark set meta mark | " BERTH_MARK " accept\n"
		   "    iifname @bridges accept\n"
		   "  }\n"
		   "  chain postrouting {\n"
		   "    type nat hook postrouting priority srcnat; policy accept;\n"
		   "    ip saddr @masq4 oifname != @bridges masquerade\n"
		   "  }\n"
		   "}\n");
}

/* If `family filter FORWARD` exists, return its listing (with handles). */
static char *list_forward(struct nft_ctx *n, const char *family)
{
	char cmd[64];
	snprintf(cmd, sizeof(cmd), "list chain %s filter FORWARD", family);
	if (nft_run_cmd_from_buffer(n, cmd) != 0)
		return NULL;
	const char *out = nft_ctx_get_output_buffer(n);
	return out ? strdup(out) : NULL;
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

static void compat_forward(struct buf *b, struct nft_ctx *n, const char *family,
			   const struct fw_model *m)
{
	_cleanup_free_ char *listing = list_forward(n, family);
	if (!listing)
		return; /* no iptables FORWARD chain: nothing can drop our traffic there */
	unsigned long h = jump_handle(listing);
	if (m->n_nets == 0) {
		if (h)
			bprintf(b, "delete rule %s filter FORWARD handle %lu\n", family, h);
		bprintf(b, "add chain %s filter BERTH-FORWARD\n"
			   "delete chain %s filter BERTH-FORWARD\n", family, family);
		return;
	}
	bprintf(b, "add chain %s filter BERTH-FORWARD\nflush chain %s filter BERTH-FORWARD\n",
		family, family);
	for (size_t i = 0; i < m->n_nets; i++) {
		const char *br = m->nets[i].bridge;
		bprintf(b, "add rule %s filter BERTH-FORWARD oifname \"%s\" meta mark & " BERTH_MARK " == " BERTH_MARK " counter accept\n"
			   "add rule %s filter BERTH-FORWARD iifname \"%s\" counter accept\n",
			family, br, family, br);
	}
	if (!h)
		bprintf(b, "insert rule %s filter FORWARD counter jump BERTH-FORWARD\n", family);
}

static int nft_apply(const struct fw_model *m, struct berth_error *err)
{
	__attribute__((cleanup(nft_ctx_freep))) struct nft_ctx *n = NULL;
	int r = nft_new(&n, NFT_CTX_OUTPUT_HANDLE, err);
	if (r < 0)
		return r;
	struct buf b = {0};
	berth_table(&b, m);
	compat_forward(&b, n, "ip", m);
	compat_forward(&b, n, "ip6", m);
	if (b.oom) {
		free(b.p);
		return berth_err(err, -ENOMEM, "nftables ruleset");
	}
	r = nft_run(n, b.p, err);
	free(b.p);
	return r;
}

const struct fw_backend fw_backend_nft = {
	.name = "nftables",
	.apply = nft_apply,
};
