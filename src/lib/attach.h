/* SPDX-License-Identifier: GPL-2.0-or-later */
/* berth attach: the socket a container's monitor serves its stdio on. */
#pragma once

#include "error.h"

/* Listen on run_dir/attach (a stale one is replaced); the fd, non-blocking,
 * for relay.attach_fd. */
int attach_listen(const char *run_dir, struct berth_error *err);
