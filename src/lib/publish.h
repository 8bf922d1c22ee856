/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Publishing: turning a container's -p / -P into host port allocations when
 * it starts (in the same store transaction as its addresses), refusing
 * conflicts with other containers and with host processes, by name.
 */
#pragma once

#include "ctx.h"

/* Validate -p specs at create; appends each container port to expose. */
int publish_check(json_t *publish, json_t *expose, struct berth_error *err);

/* Inside the caller's transaction: allocate every binding of container c,
 * whose address is ip (and ip6 when has_ip6). */
int publish_allocate(struct berth_ctx *ctx, struct store *st, const struct ctr_rec *c,
		     bool has_ip6, struct berth_error *err);

/* Inside a transaction: 0 if host port (proto, family, ip, port) is not
 * published by a container or another CNI attachment, else -EADDRINUSE
 * naming the owner. (Host processes are the CNI runtime's business: Podman
 * holds the ports it maps open itself.) */
int publish_cni_check(struct store *st, uint8_t proto, int family, const char *ip, uint16_t port,
		      struct berth_error *err);
