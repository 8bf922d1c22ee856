/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Restart policies (Docker's --restart): no, on-failure[:N], always,
 * unless-stopped. The monitor applies them when a container exits; the
 * reconcile pass applies them to containers whose monitor is gone (a
 * killed monitor, a reboot).
 */
#pragma once

#include <stdbool.h>
#include <jansson.h>

#include "error.h"
#include "store.h"

/* --restart VALUE -> {"Name", "MaximumRetryCount"} (Docker's inspect
 * shape, new reference). -EINVAL with Docker's wording. */
int restart_policy_parse(const char *s, json_t **out, struct berth_error *err);

/* Should c, just exited, start again? boot: the host was restarted (an
 * `always` container comes back even if it had been stopped by hand, as
 * with Docker after a daemon restart). */
bool restart_wanted(const struct ctr_rec *c, bool boot);

/* Docker's back-off before restart number count + 1: 100 ms doubling up to
 * a minute, from 100 ms again when the container had run 10 s or more. */
unsigned restart_delay_ms(const struct ctr_rec *c);
