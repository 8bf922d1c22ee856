/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The container's file system, built inside its new mount namespace by the
 * container process itself before exec: an overlay over the host root (or
 * a --rootfs directory), fresh /proc, /sys, /dev, /tmp, and its own
 * /etc/hosts, /etc/hostname and /etc/resolv.conf; then pivot_root.
 */
#pragma once

#include <stdbool.h>

#include "error.h"

struct rootfs_spec {
	const char *rootfs;    /* --rootfs DIR, or NULL: overlay over "/" */
	const char *upper;     /* overlay upper and work dirs (rootfs == NULL) */
	const char *work;
	const char *merged;    /* the mount point to build the root at */
	const char *files_dir; /* holds hosts, hostname, resolv.conf */
	bool sysfs_ro;
	char *const *binds;    /* -v HOST:CTR[:ro|rw], NULL-terminated or NULL */
	char *const *tmpfs;    /* --tmpfs /path[:options] */
	bool read_only;        /* --read-only root */
};

/* Validate -v / --tmpfs specs at create time. */
int mount_spec_check(const char *bind, const char *tmpfs, struct berth_error *err);

/* Runs in the container process (new mount namespace). On return the
 * process's root is the container's and its cwd is "/". */
int rootfs_setup(const struct rootfs_spec *s, struct berth_error *err);

/* rm -rf path (does not cross mount points); missing is fine. */
int remove_tree(const char *path);
