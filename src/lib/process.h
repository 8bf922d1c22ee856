/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Starting a process in namespaces: a new one (clone3 with CLONE_NEW*) for
 * a container, or joining a running container's (setns) for exec. The
 * child reports any failure before exec through a close-on-exec pipe, so the
 * caller knows synchronously whether the command started.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "mounts.h"
#include "security.h"

struct spawn_spec {
	char *const *argv;
	char *const *envp;
	unsigned long clone_flags;        /* CLONE_NEWPID | CLONE_NEWNS | ... */
	int join_fds[6];                  /* namespaces to setns() in the child, in order */
	size_t n_join;
	bool joined_userns;               /* the last join_fds entry is a user namespace */
	const struct rootfs_spec *rootfs; /* NULL: keep the file system as it is */
	const char *hostname;             /* NULL: leave */
	const char *cwd;                  /* NULL: "/" */
	int fds[3];                       /* the child's stdin, stdout, stderr */
	const struct sec_spec *sec;       /* capabilities, seccomp, no_new_privs; NULL: as is */
	const char *cgroup_id;            /* move into berth/<id> first; NULL: stay */
	bool cgroupns;                    /* then unshare a cgroup namespace rooted there */
	uint32_t userns_uid;              /* != 0: enter a new user namespace last, where
					   * root is userns_uid..+userns_count outside */
	uint32_t userns_count;
	bool pty;                         /* instead of fds: a pty from the container's own
					   * /dev/ptmx as stdio and controlling tty; the
					   * master comes back in *pty_master */
	/* Work the parent does while the child sets itself up (the child
	 * waits for it before exec, so their waits overlap); if it fails, the
	 * child is killed and spawn_process returns its error. */
	int (*overlap)(void *arg, struct berth_error *err);
	void *overlap_arg;
};

/* Returns the child's pid and a pidfd in *pidfd. When the command cannot be
 * executed (not found, not executable), *exec_failed is set and the error
 * says so in Docker's words; the child has been reaped. */
pid_t spawn_process(const struct spawn_spec *s, int *pidfd, int *pty_master,
		    bool *exec_failed, struct berth_error *err);

/* Wait status -> exit code as a shell reports it (128 + signal). */
int wait_status_code(int wstatus);
