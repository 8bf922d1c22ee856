/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The firewall: the desired rule set is computed from the store (a model)
 * and handed to one backend, chosen once by daemon.json ("firewall-backend",
 * "iptables": false) or BERTH_FIREWALL_BACKEND, which applies it in one
 * transaction. A backend can be dropped without touching the rest.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "ipam.h"

struct berth_ctx;

struct fw_net {
	char bridge[16];
	struct cidr4 subnet;
	bool masquerade;
	bool icc;
	bool internal;
};

struct fw_model {
	const struct fw_net *nets;
	size_t n_nets;
};

struct fw_backend {
	const char *name;
	/* Make the kernel's rules match the model (an empty model removes
	 * everything the backend ever added). */
	int (*apply)(const struct fw_model *m, struct berth_error *err);
};

extern const struct fw_backend fw_backend_nft;
extern const struct fw_backend fw_backend_none;

/* Compute the model from the store and apply it with the chosen backend. */
int firewall_sync(struct berth_ctx *ctx, struct berth_error *err);
