/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Network namespaces: a container's is created by unshare and lives as long
 * as something holds it (the container's processes, its monitor's fd); it
 * is named for iproute2 by a symlink in the netns directory to
 * /proc/PID/ns/net (`ip netns exec NAME` then works). Nothing is mounted: a
 * bind mount per container (as `ip netns add` makes) would be copied into
 * every later container's mount namespace, which grows with their number.
 * Namespace files of others (CNI's, `ip netns add`'s) are opened by path.
 */
#pragma once

#include "error.h"

/* Create a new network namespace; returns an O_CLOEXEC fd for it. The
 * caller's namespace is unchanged. */
int netns_new(struct berth_error *err);
/* Open an existing namespace file (O_RDONLY|O_CLOEXEC). */
int netns_open(const char *path, struct berth_error *err);
/* Unmount and unlink a pinned namespace file (berth before 2026-11-24
 * pinned its containers'); a missing file is not an error. */
int netns_remove(const char *path, struct berth_error *err);

/* dir/name -> target symlink, replacing a stale one. */
int netns_name_add(const char *dir, const char *name, const char *target,
		   struct berth_error *err);
/* Remove dir/name if it is a symlink to target (NULL: to any /proc/PID/ns/net). */
void netns_name_del(const char *dir, const char *name, const char *target);
/* A process's namespace as a path, "/proc/PID/ns/net", and back (-1: not
 * such a path). */
#define NETNS_PROC_MAX 32
void netns_proc_path(char buf[NETNS_PROC_MAX], int pid);
int netns_proc_pid(const char *target);
