/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Resource limits: one cgroup per container ("berth/<id>"), on a cgroup v2
 * host (unified hierarchy at the root) or on a v1 hierarchy (one mount per
 * controller, as on these machines). The container moves itself in before
 * exec, so nothing runs outside its limits.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "error.h"

struct cg_limits {
	int64_t memory;      /* bytes; 0 = unlimited */
	int64_t memory_swap; /* memory + swap, bytes; 0 = default (2x memory), -1 = unlimited */
	int64_t cpu_quota;   /* microseconds per 100 ms period; 0 = unlimited (--cpus 1.5 -> 150000) */
	unsigned cpu_shares; /* 0 = default */
	int64_t pids;        /* 0 = unlimited */
};

/* "512m", "1g", "1048576", "100k" -> bytes. -EINVAL naming flag and value. */
int cg_parse_bytes(const char *s, const char *flag, int64_t *out, struct berth_error *err);

/* Limits from a container's config ("memory", "memory_swap", "cpus",
 * "cpu_shares", "pids_limit"). */
void cg_limits_from_config(json_t *cfg, struct cg_limits *out);
bool cg_limits_any(const struct cg_limits *l);

/* Create the container's cgroup(s) and write the limits (in the parent). */
int cgroup_create(const char *id, const struct cg_limits *l, struct berth_error *err);
/* In the container process, single-threaded: move into the cgroup(s)
 * (then the caller may unshare a cgroup namespace rooted there). */
int cgroup_enter(const char *id, struct berth_error *err);
/* cgroup v2: an O_DIRECTORY fd of the container's cgroup, for clone3's
 * CLONE_INTO_CGROUP; -1 on v1 (or if it cannot be opened). */
int cgroup_dir_v2(const char *id);
/* After the container ended: did the kernel OOM-kill it? Then remove. */
bool cgroup_oom_killed(const char *id);
void cgroup_remove(const char *id);
/* Remove berth's empty cgroups whose id known() does not recognise. */
void cgroup_sweep(bool (*known)(const char *id, void *data), void *data);
/* {"memory": {"usage", "limit"}, "pids": {"current", "limit"}, "cpu_usage_ns"} */
json_t *cgroup_stats(const char *id);
