/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Point-to-point links: a veth pair with one end in each of two containers
 * (or a container and the host), a /32 address on each end and a route to
 * the peer's address through the link. No bridge, no subnet.
 */
#pragma once

#include "ctx.h"

/* Recreate the links of a container that is starting (ends whose peer is
 * running). Best effort: failures are reported, the start goes on. */
int p2p_restore(struct berth_ctx *ctx, const char *container_id, struct berth_error *err);
/* A container has stopped: cut its links (at their other ends, whose
 * namespaces live on; the container's own is going). */
void p2p_down(struct berth_ctx *ctx, const char *container_id);
/* Forget the links of a container being removed (kernel ends go with its netns). */
void p2p_forget(struct berth_ctx *ctx, const char *container_id);
