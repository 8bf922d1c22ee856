/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "mounts.h"

#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "util.h"

/* mkdir -p of path's parent. */
static int mkdir_parents(const char *path)
{
	char buf[PATH_MAX];
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		(void)mkdir(buf, 0755);
		*p = '/';
	}
	return 0;
}

static int mnt(const char *src, const char *root, const char *dst, const char *type,
	       unsigned long flags, const char *data, struct berth_error *err)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s%s", root, dst);
	(void)mkdir(path, 0755);
	if (mount(src, path, type, flags, data) < 0)
		return berth_err(err, negerrno(), "mount %s on %s", type ? type : src, dst);
	return 0;
}

static int bind_file(const char *src_dir, const char *name, const char *root,
		     const char *dst, struct berth_error *err)
{
	char src[PATH_MAX], path[PATH_MAX];
	snprintf(src, sizeof(src), "%s/%s", src_dir, name);
	snprintf(path, sizeof(path), "%s%s", root, dst);
	if (access(src, F_OK) < 0)
		return 0; /* not provided: keep the rootfs's own */
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		(void)mkdir(dir, 0755); /* a --rootfs without /etc */
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0)
		close(fd);
	if (mount(src, path, NULL, MS_BIND, NULL) < 0)
		return berth_err(err, negerrno(), "bind %s on %s", name, dst);
	return 0;
}

static const struct {
	const char *name;
	unsigned major, minor;
} devices[] = {
	{"null", 1, 3}, {"zero", 1, 5}, {"full", 1, 7},
	{"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0},
};

static int setup_dev(const char *root, struct berth_error *err)
{
	char path[PATH_MAX];
	int r = mnt("tmpfs", root, "/dev", "tmpfs", MS_NOSUID | MS_STRICTATIME,
		    "mode=755,size=65536k", err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < ARRAY_SIZE(devices); i++) {
		snprintf(path, sizeof(path), "%s/dev/%s", root, devices[i].name);
		if (mknod(path, S_IFCHR | 0666, makedev(devices[i].major, devices[i].minor)) < 0)
			return berth_err(err, negerrno(), "mknod /dev/%s", devices[i].name);
		(void)chmod(path, 0666); /* the umask must not narrow it */
	}
	r = mnt("devpts", root, "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
		"newinstance,ptmxmode=0666,mode=0620", err);
	if (r < 0)
		return r;
	r = mnt("shm", root, "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		"mode=1777,size=65536k", err);
	if (r < 0)
		return r;
	static const char *links[][2] = {
		{"pts/ptmx", "ptmx"}, {"/proc/self/fd", "fd"}, {"/proc/self/fd/0", "stdin"},
		{"/proc/self/fd/1", "stdout"}, {"/proc/self/fd/2", "stderr"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(links); i++) {
		snprintf(path, sizeof(path), "%s/dev/%s", root, links[i][1]);
		if (symlink(links[i][0], path) < 0)
			return berth_err(err, negerrno(), "symlink /dev/%s", links[i][1]);
	}
	return 0;
}

int mount_spec_check(const char *bind, const char *tmpfs, struct berth_error *err)
{
	if (bind) {
		char host[PATH_MAX], ctr[PATH_MAX], mode[8] = "rw";
		struct stat st;
		int n = sscanf(bind, "%4095[^:]:%4095[^:]:%7s", host, ctr, mode);
		if (n < 2 || host[0] != '/' || ctr[0] != '/' || (strcmp(mode, "ro") && strcmp(mode, "rw")))
			return berth_errmsg(err, -EINVAL,
					    "invalid volume specification \"%s\": want /HOST/PATH:/CONTAINER/PATH[:ro|rw]",
					    bind);
		if (stat(host, &st) < 0)
			return berth_errmsg(err, -ENOENT, "invalid mount config: bind source path does not exist: %s", host);
	}
	if (tmpfs && tmpfs[0] != '/')
		return berth_errmsg(err, -EINVAL, "invalid --tmpfs \"%s\": want /PATH[:OPTIONS]", tmpfs);
	return 0;
}

/* -v and --tmpfs, under root. */
static int user_mounts(const struct rootfs_spec *s, const char *root, struct berth_error *err)
{
	char path[PATH_MAX];
	for (char *const *b = s->binds; b && *b; b++) {
		char host[PATH_MAX], ctr[PATH_MAX], mode[8] = "rw";
		struct stat st;
		if (sscanf(*b, "%4095[^:]:%4095[^:]:%7s", host, ctr, mode) < 2 || stat(host, &st) < 0)
			return berth_errmsg(err, -EINVAL, "volume %s", *b);
		snprintf(path, sizeof(path), "%s%s", root, ctr);
		if (S_ISDIR(st.st_mode)) {
			(void)mkdir_parents(path);
			(void)mkdir(path, 0755);
		} else {
			(void)mkdir_parents(path);
			int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
			if (fd >= 0)
				close(fd);
		}
		if (mount(host, path, NULL, MS_BIND | MS_REC, NULL) < 0)
			return berth_err(err, negerrno(), "bind %s on %s", host, ctr);
		if (!strcmp(mode, "ro") &&
		    mount(NULL, path, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0)
			return berth_err(err, negerrno(), "make %s read-only", ctr);
	}
	for (char *const *t = s->tmpfs; t && *t; t++) {
		char dst[PATH_MAX];
		const char *colon = strchr(*t, ':');
		snprintf(dst, sizeof(dst), "%.*s", colon ? (int)(colon - *t) : (int)strlen(*t), *t);
		snprintf(path, sizeof(path), "%s%s", root, dst);
		(void)mkdir_parents(path);
		(void)mkdir(path, 0755);
		if (mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, colon ? colon + 1 : "mode=1777") < 0)
			return berth_err(err, negerrno(), "mount tmpfs on %s", dst);
	}
	return 0;
}

int rootfs_setup(const struct rootfs_spec *s, struct berth_error *err)
{
	const char *root = s->merged;
	int r;

	/* Nothing we mount may propagate back to the host. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return berth_err(err, negerrno(), "make mounts private");
	if (s->rootfs) {
		if (mount(s->rootfs, root, NULL, MS_BIND | MS_REC, NULL) < 0)
			return berth_err(err, negerrno(), "bind rootfs %s", s->rootfs);
	} else {
		char opts[PATH_MAX * 2 + 64];
		snprintf(opts, sizeof(opts), "lowerdir=/,upperdir=%s,workdir=%s", s->upper, s->work);
		if (mount("overlay", root, "overlay", 0, opts) < 0)
			return berth_err(err, negerrno(), "mount overlay over the host root");
	}
	r = mnt("proc", root, "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, err);
	if (r >= 0)
		r = mnt("sysfs", root, "/sys", "sysfs",
			MS_NOSUID | MS_NODEV | MS_NOEXEC | (s->sysfs_ro ? MS_RDONLY : 0), NULL, err);
	if (r >= 0)
		r = setup_dev(root, err);
	if (r >= 0)
		r = mnt("tmpfs", root, "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777", err);
	if (r >= 0)
		r = mnt("tmpfs", root, "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=755", err);
	if (r >= 0)
		r = bind_file(s->files_dir, "hosts", root, "/etc/hosts", err);
	if (r >= 0)
		r = bind_file(s->files_dir, "hostname", root, "/etc/hostname", err);
	if (r >= 0)
		r = bind_file(s->files_dir, "resolv.conf", root, "/etc/resolv.conf", err);
	if (r >= 0)
		r = user_mounts(s, root, err);
	/* --read-only: the root goes read-only; what is mounted on it stays as is. */
	if (r >= 0 && s->read_only &&
	    mount(NULL, root, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0)
		r = berth_err(err, negerrno(), "make the root read-only");
	if (r < 0)
		return r;
	/* pivot_root(".", ".") stacks the old root on the new one; detaching
	 * it drops every host mount (netns pins included) from this namespace. */
	if (chdir(root) < 0 || syscall(SYS_pivot_root, ".", ".") < 0)
		return berth_err(err, negerrno(), "pivot_root");
	if (umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
		return berth_err(err, negerrno(), "detach the old root");
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	if (flag == FTW_DP)
		(void)rmdir(path);
	else
		(void)unlink(path);
	return 0;
}

int remove_tree(const char *path)
{
	if (nftw(path, rm_one, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) < 0 && errno != ENOENT)
		return negerrno();
	return 0;
}
