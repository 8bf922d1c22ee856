/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a container process may do: Docker's default capability set (with
 * --cap-add / --cap-drop / --privileged), no_new_privs, and a seccomp filter
 * with Docker's default profile behaviour (kernel modules, reboot, mount,
 * kexec, ... fail with EPERM unless the matching capability was added).
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "error.h"

struct sec_spec {
	uint64_t caps;      /* bit n = capability n kept */
	bool seccomp;       /* apply the default profile */
	bool no_new_privs;
};

/* From a container's config: "privileged", "cap_add", "cap_drop",
 * "security_opt". -EINVAL naming an unknown capability or option. */
int sec_from_config(json_t *cfg, struct sec_spec *out, struct berth_error *err);

/* Validate and normalise the options at create time (same rules). */
int sec_check(json_t *cap_add, json_t *cap_drop, json_t *security_opt, struct berth_error *err);

/* In the container process, right before exec. */
int sec_apply(const struct sec_spec *s, struct berth_error *err);

/* Capability names ("CAP_NET_ADMIN"...) of a mask, as a JSON array. */
json_t *sec_caps_json(uint64_t caps);
