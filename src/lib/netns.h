/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Network namespaces as files: created by unshare and kept alive by a bind
 * mount (as `ip netns add` does), named for iproute2 by a symlink in the
 * netns directory (`ip netns exec NAME` then works).
 */
#pragma once

#include "error.h"

/* Create a new network namespace pinned at path (an empty file is made).
 * Returns an O_CLOEXEC fd for it. The caller's namespace is unchanged. */
int netns_create(const char *path, struct berth_error *err);
/* Open an existing namespace file (O_RDONLY|O_CLOEXEC). */
int netns_open(const char *path, struct berth_error *err);
/* Unmount and unlink; a missing file is not an error. */
int netns_remove(const char *path, struct berth_error *err);

/* dir/name -> target symlink, replacing a stale one. */
int netns_name_add(const char *dir, const char *name, const char *target,
		   struct berth_error *err);
/* Remove dir/name if it is a symlink to target. */
void netns_name_del(const char *dir, const char *name, const char *target);
