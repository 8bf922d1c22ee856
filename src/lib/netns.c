/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "netns.h"

#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "ctx.h"
#include "util.h"

int netns_new(struct berth_error *err)
{
	_cleanup_close_ int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return berth_err(err, negerrno(), "open own netns");
	if (unshare(CLONE_NEWNET) < 0)
		return berth_err(err, negerrno(), "unshare netns");
	int fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	int r = fd < 0 ? berth_err(err, negerrno(), "open the new netns") : fd;
	/* Going back must work: carrying on in the wrong namespace would
	 * configure the container's side as if it were the host. */
	if (setns(self, CLONE_NEWNET) < 0)
		abort();
	return r;
}

int netns_open(const char *path, struct berth_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return berth_err(err, negerrno(), "open netns %s", path);
	return fd;
}

int netns_remove(const char *path, struct berth_error *err)
{
	int r = 0;
	if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
		r = berth_err(err, negerrno(), "unmount netns %s", path);
	if (unlink(path) < 0 && errno != ENOENT && r == 0)
		r = berth_err(err, negerrno(), "remove %s", path);
	return r;
}

int netns_name_add(const char *dir, const char *name, const char *target,
		   struct berth_error *err)
{
	char path[PATH_MAX];
	if (mkdir_p(dir, 0755) < 0)
		return berth_err(err, negerrno(), "create %s", dir);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (symlink(target, path) == 0)
		return 0;
	if (errno != EEXIST)
		return berth_err(err, negerrno(), "name netns %s", path);
	/* Replace only a symlink (a stale one of ours); never a real netns. */
	struct stat st;
	if (lstat(path, &st) < 0 || !S_ISLNK(st.st_mode))
		return berth_errmsg(err, -EEXIST,
				    "name netns %s: a network namespace of that name exists", path);
	if (unlink(path) < 0 || symlink(target, path) < 0)
		return berth_err(err, negerrno(), "name netns %s", path);
	return 0;
}

void netns_name_del(const char *dir, const char *name, const char *target)
{
	char path[PATH_MAX], cur[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ssize_t n = readlink(path, cur, sizeof(cur) - 1);
	if (n < 0)
		return;
	cur[n] = '\0';
	if (target ? !strcmp(cur, target) : netns_proc_pid(cur) > 0)
		(void)unlink(path);
}

void netns_proc_path(char buf[NETNS_PROC_MAX], int pid)
{
	snprintf(buf, NETNS_PROC_MAX, "/proc/%d/ns/net", pid);
}

int netns_proc_pid(const char *target)
{
	int pid, end = 0;
	if (sscanf(target, "/proc/%d/ns/net%n", &pid, &end) != 1 || !end || target[end] || pid <= 0)
		return -1;
	return pid;
}
