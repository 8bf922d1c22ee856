/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The per-container delta of the nftables backend: the set and map elements
 * one container brings (published ports, its port on an icc=false bridge,
 * its anti-spoofing entries), added or deleted in one transaction built
 * with libnftnl and sent over netlink.
 *
 * libnftables would parse text and first read the tables, sets and elements
 * it refers to (its cache), which grows with the containers: 2-3 ms of every
 * start here, against a tenth of that for the same batch built directly. The
 * full apply (nft.c) stays text through libnftables; t-delta checks that
 * both leave the same ruleset.
 */
#pragma once

#include <stdbool.h>

#include "error.h"
#include "firewall.h"

/* Add (up) or delete m's dnats, icc ports and guards; fails (nothing
 * changed) if a set is missing or an element is not as expected. keep: see
 * fw_backend.apply_delta. */
int nftelem_apply(const struct fw_model *m, bool up, int *keep, struct berth_error *err);
