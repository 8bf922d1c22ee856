/* SPDX-License-Identifier: GPL-2.0-or-later */
/* berth-cni attachments, for the rest of the library (reconcile, reset). */
#pragma once

#include "ctx.h"

/* Release one attachment: its veth, its conntrack entries (with port
 * mappings), its record; then its port mappings' rules (rules=false: the
 * caller rebuilds all rules itself). */
int cni_release(struct berth_ctx *ctx, const struct cni_rec *rec, bool rules,
		struct berth_error *err);
