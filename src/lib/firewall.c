/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "firewall.h"

#include <stdlib.h>
#include <string.h>

#include "ctx.h"
#include "util.h"

static int none_apply(const struct fw_model *m, struct berth_error *err)
{
	return 0;
}

const struct fw_backend fw_backend_none = {
	.name = "none",
	.apply = none_apply,
};

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
	switch (b) {
	case BERTH_FW_NFTABLES:
		*out = &fw_backend_nft;
		return 0;
	case BERTH_FW_NONE:
		*out = &fw_backend_none;
		return 0;
	case BERTH_FW_IPTABLES:
		break;
	}
	return berth_errmsg(err, -EOPNOTSUPP,
			    "firewall backend \"iptables\" is not available yet; use \"nftables\" or \"none\"");
}

int firewall_sync(struct berth_ctx *ctx, struct berth_error *err)
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
	_cleanup_free_ struct fw_net *fn = calloc(n ? n : 1, sizeof(*fn));
	if (!fn)
		return berth_err(err, -ENOMEM, "firewall");
	for (size_t i = 0; i < n; i++) {
		snprintf(fn[i].bridge, sizeof(fn[i].bridge), "%s", nets[i].bridge);
		fn[i].subnet = nets[i].subnet;
		fn[i].masquerade = nets[i].masquerade && ctx->cfg.ip_masq;
		fn[i].icc = nets[i].icc;
		fn[i].internal = nets[i].internal;
	}
	struct fw_model m = {.nets = fn, .n_nets = n};
	r = be->apply(&m, err);
	if (r < 0)
		return berth_err_wrap(err, r, "firewall (%s)", be->name);
	return 0;
}
