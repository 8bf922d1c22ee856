/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Name resolution on user-defined networks: one dnsmasq per network, bound
 * only to the network's gateway address, answering the names of the
 * containers on it (name, short id, aliases) from a hosts file berth
 * rewrites on every change (SIGHUP: no restart), and forwarding the rest to
 * the host's resolvers. The default bridge has none, as with Docker.
 */
#pragma once

#include "ctx.h"

/* Bring a network's names up to date (starting its server when needed).
 * A no-op for the default bridge. */
int dns_update(struct berth_ctx *ctx, const char *network_id, struct berth_error *err);
/* Stop a network's server and remove its files. */
void dns_stop(struct berth_ctx *ctx, const char *network_id);
