/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Forgetting a container's connections: when its address is released,
 * conntrack entries to or from it (a UDP client that keeps its source port
 * would otherwise stay NATed to the old container) are deleted over
 * ctnetlink. Best effort.
 */
#pragma once

#include <stdint.h>

/* Delete every IPv4 conntrack entry with ip (host order) in either tuple. */
int conntrack_forget(uint32_t ip);
