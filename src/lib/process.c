/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "process.h"

#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "util.h"

struct child_report {
	int code;
	int exec_failed;
	char msg[sizeof(((struct berth_error *)0)->msg)];
};

extern char **environ;

static __attribute__((noreturn)) void child_fail(int fd, int code, int exec_failed, const char *msg)
{
	struct child_report rep = {.code = code, .exec_failed = exec_failed};
	snprintf(rep.msg, sizeof(rep.msg), "%s", msg);
	(void)!write(fd, &rep, sizeof(rep));
	_exit(exec_failed ? (code == -ENOENT ? 127 : 126) : 125);
}

static int child_stdio(const int fds[3])
{
	int tmp[3];
	for (int i = 0; i < 3; i++) {
		tmp[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 10);
		if (tmp[i] < 0)
			return negerrno();
	}
	for (int i = 0; i < 3; i++)
		if (dup2(tmp[i], i) < 0)
			return negerrno();
	return 0;
}

/* Open a pty in the container's own devpts (so `tty` inside names it) and
 * pass the master to the parent over sock. Returns the slave. */
static int child_pty(int sock)
{
	int m = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0 || unlockpt(m) < 0)
		return negerrno();
	int slave = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY);
	if (slave < 0)
		return negerrno();
	char c = 0;
	char ctl[CMSG_SPACE(sizeof(int))] = {0};
	struct iovec iov = {.iov_base = &c, .iov_len = 1};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			    .msg_controllen = sizeof(ctl)};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &m, sizeof(int));
	if (sendmsg(sock, &mh, 0) < 0)
		return negerrno();
	close(m);
	return slave;
}

static int recv_fd(int sock)
{
	char c;
	char ctl[CMSG_SPACE(sizeof(int))] = {0};
	struct iovec iov = {.iov_base = &c, .iov_len = 1};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			    .msg_controllen = sizeof(ctl)};
	ssize_t n;
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	if (n <= 0 || !cm || cm->cmsg_type != SCM_RIGHTS)
		return -1;
	int fd;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

/* Child side of --userns: a new user namespace (after every mount, so the
 * namespaces made so far stay the host's and root inside can change none of
 * them); the parent writes the maps, then root inside is uid 0. */
static int child_userns(int sync)
{
	char c = 0;
	if (unshare(CLONE_NEWUSER) < 0)
		return negerrno();
	if (write(sync, &c, 1) != 1 || read(sync, &c, 1) != 1 || c != 1)
		return -EPERM;
	if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
		return negerrno();
	return 0;
}

static int write_map(pid_t pid, const char *file, const char *data)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/%s", pid, file);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return negerrno();
	ssize_t n = write(fd, data, strlen(data));
	int r = n < 0 ? negerrno() : 0;
	close(fd);
	return r;
}

/* Parent side: wait for the child's new user namespace, map it. */
static void parent_userns(const struct spawn_spec *s, pid_t pid, int sync)
{
	char c, map[64];
	if (read(sync, &c, 1) != 1)
		return; /* the child failed earlier: its report says why */
	snprintf(map, sizeof(map), "0 %u %u\n", s->userns_uid, s->userns_count);
	c = write_map(pid, "uid_map", map) == 0 && write_map(pid, "setgroups", "deny") == 0 &&
	    write_map(pid, "gid_map", map) == 0;
	(void)!write(sync, &c, 1);
}

static __attribute__((noreturn)) void child(const struct spawn_spec *s, int rep, int sock,
					    int sync, int gate, bool in_cgroup)
{
	int fds[3] = {s->fds[0], s->fds[1], s->fds[2]};
	struct berth_error err = {0};
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	if (s->cgroup_id && !in_cgroup && cgroup_enter(s->cgroup_id, &err) < 0)
		child_fail(rep, err.code, 0, err.msg);
	if (s->cgroupns && unshare(CLONE_NEWCGROUP) < 0) {
		berth_err(&err, negerrno(), "cgroup namespace");
		child_fail(rep, err.code, 0, err.msg);
	}
	for (size_t i = 0; i < s->n_join; i++)
		if (setns(s->join_fds[i], 0) < 0) {
			berth_err(&err, negerrno(), "join namespace");
			child_fail(rep, err.code, 0, err.msg);
		}
	/* Joined a container's user namespace (exec): be its root. */
	if (s->joined_userns && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)) {
		berth_err(&err, negerrno(), "become root in the user namespace");
		child_fail(rep, err.code, 0, err.msg);
	}
	if (s->rootfs && rootfs_setup(s->rootfs, &err) < 0)
		child_fail(rep, err.code, 0, err.msg);
	if (s->hostname && sethostname(s->hostname, strlen(s->hostname)) < 0) {
		berth_err(&err, negerrno(), "set hostname");
		child_fail(rep, err.code, 0, err.msg);
	}
	if (chdir(s->cwd ? s->cwd : "/") < 0) {
		berth_err(&err, negerrno(), "chdir %s", s->cwd ? s->cwd : "/");
		child_fail(rep, err.code, 0, err.msg);
	}
	if (s->pty) {
		int slave = child_pty(sock);
		if (slave < 0) {
			berth_err(&err, slave, "allocate a pty");
			child_fail(rep, err.code, 0, err.msg);
		}
		fds[0] = fds[1] = fds[2] = slave;
	}
	if (child_stdio(fds) < 0) {
		berth_err(&err, negerrno(), "set up stdio");
		child_fail(rep, err.code, 0, err.msg);
	}
	if (s->pty && (setsid() < 0 || ioctl(0, TIOCSCTTY, 0) < 0)) {
		berth_err(&err, negerrno(), "set controlling terminal");
		child_fail(rep, err.code, 0, err.msg);
	}
	if (s->userns_uid) {
		int r = child_userns(sync);
		if (r < 0) {
			berth_err(&err, r, "user namespace");
			child_fail(rep, err.code, 0, err.msg);
		}
	}
	if (s->sec && sec_apply(s->sec, &err) < 0)
		child_fail(rep, err.code, 0, err.msg);
	/* The parent's overlap work done? (EOF: it failed, or died.) */
	char go = 0;
	if (gate >= 0 && (read(gate, &go, 1) != 1 || go != 1))
		child_fail(rep, -ECANCELED, 0, "start cancelled");
	/* Nothing of ours leaks into the container beyond stdio. */
	(void)syscall(SYS_close_range, 3, ~0u, CLOSE_RANGE_CLOEXEC);
	(void)fcntl(rep, F_SETFD, FD_CLOEXEC);
	environ = (char **)s->envp;
	execvp(s->argv[0], s->argv);
	int e = errno;
	char msg[600];
	if (e == ENOENT && !strchr(s->argv[0], '/'))
		snprintf(msg, sizeof(msg), "exec: \"%s\": executable file not found in $PATH",
			 s->argv[0]);
	else
		snprintf(msg, sizeof(msg), "exec: \"%s\": %s", s->argv[0], strerror(e));
	child_fail(rep, -e, 1, msg);
}

enum { P_REP, P_PTY, P_USERNS, P_GATE, N_PAIRS };

static void close_pairs(int fds[N_PAIRS][2])
{
	for (int i = 0; i < N_PAIRS; i++)
		for (int j = 0; j < 2; j++)
			if (fds[i][j] >= 0) {
				close(fds[i][j]);
				fds[i][j] = -1;
			}
}

/* The child's failure report, if it sent one before exec. */
static int child_result(int fd, struct child_report *rep)
{
	ssize_t n;
	do
		n = read(fd, rep, sizeof(*rep));
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)sizeof(*rep);
}

pid_t spawn_process(const struct spawn_spec *s, int *pidfd, int *pty_master,
		    bool *exec_failed, struct berth_error *err)
{
	/* [0]: the parent's end, [1]: the child's. */
	int fds[N_PAIRS][2];
	memset(fds, -1, sizeof(fds));
	*exec_failed = false;
	int r = pipe2(fds[P_REP], O_CLOEXEC);
	if (r >= 0 && s->pty)
		r = socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds[P_PTY]);
	if (r >= 0 && s->userns_uid)
		r = socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds[P_USERNS]);
	if (r >= 0 && s->overlap) /* a socket: a send to a dead child must not raise SIGPIPE */
		r = socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds[P_GATE]);
	if (r < 0) {
		r = berth_err(err, negerrno(), "pipe");
		close_pairs(fds);
		return r;
	}
	int fd = -1;
	/* cgroup v2: born in the cgroup (CLONE_INTO_CGROUP), rather than
	 * moved there, which waits for an RCU grace period. */
	int cg = s->cgroup_id ? cgroup_dir_v2(s->cgroup_id) : -1;
	struct clone_args args = {
		.flags = s->clone_flags | CLONE_PIDFD | (cg >= 0 ? CLONE_INTO_CGROUP : 0),
		.pidfd = (uint64_t)(uintptr_t)&fd,
		.exit_signal = SIGCHLD,
		.cgroup = cg >= 0 ? (uint64_t)cg : 0,
	};
	pid_t pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
	if (pid < 0 && cg >= 0 && (errno == EINVAL || errno == EOPNOTSUPP || errno == E2BIG)) {
		close(cg); /* a kernel before 5.7: the child moves itself */
		cg = -1;
		args.flags &= ~CLONE_INTO_CGROUP;
		args.cgroup = 0;
		pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
	}
	if (cg >= 0)
		close(cg); /* (the child's copy is closed at exec) */
	if (pid < 0) {
		r = berth_err(err, negerrno(), "clone");
		close_pairs(fds);
		return r;
	}
	if (pid == 0) {
		for (int i = 0; i < N_PAIRS; i++)
			if (fds[i][0] >= 0)
				close(fds[i][0]);
		child(s, fds[P_REP][1], fds[P_PTY][1], fds[P_USERNS][1], fds[P_GATE][1], cg >= 0);
	}
	for (int i = 0; i < N_PAIRS; i++)
		if (fds[i][1] >= 0) {
			close(fds[i][1]);
			fds[i][1] = -1;
		}
	struct child_report rep;
	if (s->overlap) {
		r = s->overlap(s->overlap_arg, err);
		char go = r >= 0;
		if (r < 0 || send(fds[P_GATE][0], &go, 1, MSG_NOSIGNAL) != 1) {
			/* The child waits at the gate, or failed before it. */
			if (r >= 0)
				r = berth_err(err, negerrno(), "start");
			(void)syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0);
			siginfo_t si;
			(void)waitid(P_PIDFD, (id_t)fd, &si, WEXITED);
			close(fd);
			if (child_result(fds[P_REP][0], &rep) && rep.code != -ECANCELED) {
				/* It failed first: its reason is the one. */
				rep.msg[sizeof(rep.msg) - 1] = '\0';
				r = berth_errmsg(err, rep.code < 0 ? rep.code : -EIO, "%s", rep.msg);
			}
			close_pairs(fds);
			return r;
		}
	}
	int master = -1;
	if (fds[P_PTY][0] >= 0)
		master = recv_fd(fds[P_PTY][0]); /* -1 if the child failed first */
	if (fds[P_USERNS][0] >= 0)
		parent_userns(s, pid, fds[P_USERNS][0]);
	bool failed = child_result(fds[P_REP][0], &rep);
	close_pairs(fds);
	if (failed) {
		/* The child failed before exec and exits: reap it. */
		siginfo_t si;
		(void)waitid(P_PIDFD, (id_t)fd, &si, WEXITED);
		close(fd);
		*exec_failed = rep.exec_failed;
		if (master >= 0)
			close(master);
		rep.msg[sizeof(rep.msg) - 1] = '\0';
		return berth_errmsg(err, rep.code < 0 ? rep.code : -EIO, "%s", rep.msg);
	}
	*pidfd = fd;
	if (pty_master)
		*pty_master = master;
	else if (master >= 0)
		close(master);
	return pid;
}

int wait_status_code(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return 125;
}
