/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The monitor: the parent of a container process. It starts the container,
 * records it as running, relays its output to the log (and, in the
 * foreground, to the terminal), waits for it, then records the exit status
 * and releases its network. In the foreground the caller is the monitor;
 * with -d it is a small detached process (no daemon: one per container):
 * a fork of berth that starts the container, then execs berth-monitor
 * (src/cli/monitor.c), which maps libc alone while the container runs and
 * execs berth again when it ends (berth_monitor_exited).
 */
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "attach.h"
#include "container.h"
#include "p2p.h"
#include "relay.h"
#include "restart.h"
#include "util.h"

struct report {
	int code;
	int exec_failed;
	char msg[sizeof(((struct berth_error *)0)->msg)];
};

static int open_log(const struct launch *l, struct berth_error *err)
{
	int fd = open(l->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (fd < 0)
		return berth_err(err, negerrno(), "open log %s", l->log_path);
	return fd;
}

/* Start the prepared container and record it; on failure what was prepared
 * goes again. Returns the pid, with *pidfd set. */
static pid_t launch(struct berth_ctx *ctx, const char *id, struct launch *l, int *pidfd,
		    int *master, bool *exec_failed, struct berth_error *err)
{
	pid_t pid = spawn_process(&l->spawn, pidfd, master, exec_failed, err);
	if (pid < 0) {
		container_abandon(ctx, id);
		return pid;
	}
	int r = container_mark_running(ctx, id, pid, getpid(), err);
	if (r >= 0) /* point-to-point links come back with their container */
		(void)p2p_restore(ctx, id, NULL);
	if (r < 0) {
		(void)kill(pid, SIGKILL);
		if (*master >= 0)
			close(*master);
		siginfo_t si;
		(void)waitid(P_PIDFD, (id_t)*pidfd, &si, WEXITED);
		close(*pidfd);
		container_abandon(ctx, id);
		return r;
	}
	return pid;
}

int monitor_run_attached(struct berth_ctx *ctx, const char *id, struct launch *l,
			 int *exit_status, bool *exec_failed, struct berth_error *err)
{
	_cleanup_close_ int log_fd = open_log(l, err);
	_cleanup_close_ int master = -1, devnull = -1, attach_fd = -1;
	int out[2] = {-1, -1}, errp[2] = {-1, -1};
	struct relay rl = {
		.in_from = -1, .in_to = -1, .out_from = -1, .out_to = 1,
		.err_from = -1, .err_to = 2, .log_fd = log_fd,
		.forward_signals = true, .raw_tty = -1, .winch_to = -1,
		.attach_fd = -1, .attach_in = -1, .attach_tty = -1,
	};
	if (log_fd < 0)
		goto fail_early;
	if (l->tty) {
		l->spawn.pty = true;
	} else {
		devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) {
			berth_err(err, negerrno(), "pipe");
			goto fail_early;
		}
		l->spawn.fds[0] = l->interactive ? 0 : devnull;
		l->spawn.fds[1] = out[1];
		l->spawn.fds[2] = errp[1];
		rl.out_from = out[0];
		rl.err_from = errp[0];
	}
	int pidfd;
	/* Others may attach too (berth attach): to its output, and with -ti
	 * to its terminal. */
	attach_fd = attach_listen(l->run_dir, NULL);
	pid_t pid = launch(ctx, id, l, &pidfd, &master, exec_failed, err);
	relay_use_pty(&rl, master, l->interactive);
	rl.attach_fd = attach_fd;
	rl.attach_tty = master;
	rl.attach_in = l->interactive ? master : -1;
	if (out[1] >= 0)
		close(out[1]);
	if (errp[1] >= 0)
		close(errp[1]);
	if (pid < 0) {
		if (out[0] >= 0)
			close(out[0]);
		if (errp[0] >= 0)
			close(errp[0]);
		return pid;
	}
	rl.pid = pid;
	rl.pidfd = pidfd;
	int wstatus = 0;
	int r = relay_run(&rl, &wstatus, err);
	close(pidfd);
	if (out[0] >= 0)
		close(out[0]);
	if (errp[0] >= 0)
		close(errp[0]);
	container_finished(ctx, id, wstatus);
	*exit_status = wait_status_code(wstatus);
	return r;
fail_early:
	for (int i = 0; i < 2; i++) {
		if (out[i] >= 0)
			close(out[i]);
		if (errp[i] >= 0)
			close(errp[i]);
	}
	container_abandon(ctx, id);
	return err ? err->code : -EIO;
}

/* The --restart policy: after Docker's back-off, start the container again
 * under a new monitor (this one ends). A `berth stop` during the back-off
 * wins: the record is read again after it. */
static void restart_if_wanted(struct berth_ctx *ctx, const char *id)
{
	struct store *st;
	struct ctr_rec c;
	if (container_get(ctx, id, &c, NULL) < 0)
		return;
	bool again = restart_wanted(&c, false);
	unsigned delay = restart_delay_ms(&c);
	ctr_rec_clear(&c);
	if (!again)
		return;
	/* The next monitor is forked from this one: it must not inherit this
	 * one's log, pipes and pidfd (stdio is /dev/null). */
	ctx_release_handles(ctx);
	(void)close_range(3, ~0u, 0);
	(void)usleep(delay * 1000u);
	if (ctx_store(ctx, &st, NULL) < 0 || store_begin(st, NULL) < 0)
		return;
	again = false;
	if (store_container_get(st, id, &c) == 0) {
		again = restart_wanted(&c, false);
		if (again) {
			c.restart_count++;
			(void)store_container_update(st, &c, NULL);
		}
		ctr_rec_clear(&c);
	}
	if (store_commit(st, NULL) < 0 || !again)
		return;
	struct berth_start s = {0};
	(void)container_start(ctx, id, &s, NULL);
}

void berth_monitor_exited(struct berth_ctx *ctx, const char *id, int wstatus)
{
	(void)prctl(PR_SET_NAME, "berth-monitor");
	/* Only the container's own monitor, this same process (a pid, and its
	 * start time, survive exec), speaks for its end. */
	struct ctr_rec c;
	bool ours = false;
	if (container_get(ctx, id, &c, NULL) == 0) {
		ours = c.state == CTR_RUNNING && c.monitor_pid == getpid() && monitor_alive(&c);
		ctr_rec_clear(&c);
	}
	if (ours) {
		container_finished(ctx, id, wstatus);
		restart_if_wanted(ctx, id);
	}
	ctx_linger_exit(ctx, 0);
}

/* Become berth-monitor, the program next to this one's binary, for the
 * container's lifetime: a copy of berth keeps SQLite, nftables, jansson and
 * their page tables mapped in every monitor (and the kernel's page reclaim
 * walks every mapping of a shared page). It gets the container (a child
 * stays ours across exec), its pidfd, output and log, and berth's binary and
 * state paths, for the work at the exit. Returns only if the exec failed:
 * this process stays the monitor then. */
static void exec_lean(struct berth_ctx *ctx, const char *id, pid_t pid, const struct relay *rl)
{
	char self[PATH_MAX], lean[PATH_MAX + 16], num[8][16];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return;
	self[n] = '\0';
	const char *slash = strrchr(self, '/');
	if (!slash)
		return;
	snprintf(lean, sizeof(lean), "%.*s/berth-monitor", (int)(slash - self), self);
	const int fds[] = {rl->pidfd, rl->log_fd, rl->out_from, rl->err_from,
			   rl->attach_in, rl->attach_fd, rl->attach_tty};
	snprintf(num[0], sizeof(num[0]), "%d", (int)pid);
	/* Only these cross: not what our caller left open for us, either. */
	(void)close_range(3, ~0u, CLOSE_RANGE_CLOEXEC);
	for (size_t i = 0; i < ARRAY_SIZE(fds); i++) {
		snprintf(num[i + 1], sizeof(num[i + 1]), "%d", fds[i]);
		if (fds[i] >= 0)
			(void)fcntl(fds[i], F_SETFD, 0);
	}
	/* (what --root, --run-root and --config said, for that berth) */
	(void)setenv("BERTH_ROOT", ctx->root, 1);
	(void)setenv("BERTH_RUN_ROOT", ctx->run_root, 1);
	(void)setenv("BERTH_CONFIG", ctx->config_path, 1);
	(void)setenv("BERTH_NETNS_DIR", ctx->netns_dir, 1);
	char *argv[] = {lean, self, (char *)id, num[0], num[1], num[2],
			num[3], num[4], num[5], num[6], num[7], NULL};
	execv(lean, argv);
}

static __attribute__((noreturn)) void monitor_main(struct berth_ctx *ctx, const char *id,
						   struct launch *l, int rep)
{
	struct report out = {0};
	struct berth_error err = {0};
	bool exec_failed = false;
	_cleanup_close_ int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	int hold = -1, master = -1, pidfd = -1;
	pid_t pid = -1;

	(void)prctl(PR_SET_NAME, "berth-monitor");
	/* (stdin from attach, to a container that closed it; kept by berth-monitor) */
	(void)signal(SIGPIPE, SIG_IGN);
	for (int i = 0; i < 3; i++)
		(void)dup2(devnull, i);
	(void)!chdir("/");
	int log_fd = open_log(l, &err);
	if (log_fd < 0)
		goto fail;
	int pout[2] = {-1, -1}, errp[2] = {-1, -1};
	l->spawn.fds[0] = devnull;
	if (l->tty) {
		l->spawn.pty = true;
	} else if (l->interactive) {
		/* -di: stdin stays open (we hold the write end), as with Docker. */
		int p[2];
		if (pipe2(p, O_CLOEXEC) < 0) {
			berth_err(&err, negerrno(), "pipe");
			goto fail;
		}
		l->spawn.fds[0] = p[0];
		hold = p[1];
	}
	if (!l->tty) {
		/* Through us, so the log keeps stdout and stderr apart. */
		if (pipe2(pout, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) {
			berth_err(&err, negerrno(), "pipe");
			goto fail;
		}
		l->spawn.fds[1] = pout[1];
		l->spawn.fds[2] = errp[1];
	}
	/* (without it the container runs, and cannot be attached to) */
	int attach_fd = attach_listen(l->run_dir, NULL);
	pid = launch(ctx, id, l, &pidfd, &master, &exec_failed, &err);
	if (l->spawn.fds[0] != devnull && !l->tty)
		close(l->spawn.fds[0]);
	if (pout[1] >= 0) {
		close(pout[1]);
		close(errp[1]);
	}
	if (pid < 0)
		goto fail;
	(void)!write(rep, &out, sizeof(out));
	close(rep);
	/* The container holds its network namespace: it goes with it. */
	if (l->netns_fd >= 0) {
		close(l->netns_fd);
		l->netns_fd = -1;
	}
	struct relay rl = {
		.pid = pid, .pidfd = pidfd, .in_from = -1, .in_to = -1,
		.out_from = l->tty ? master : pout[0], .out_to = -1, .err_from = errp[0], .err_to = -1,
		.log_fd = log_fd, .raw_tty = -1, .winch_to = -1,
		.attach_fd = attach_fd, .attach_in = l->interactive ? (l->tty ? master : hold) : -1,
		.attach_tty = master,
	};
	ctx_release_handles(ctx);
	exec_lean(ctx, id, pid, &rl);
	/* Still berth: the CLI's heap came along with the fork, give it back. */
	(void)malloc_trim(0);
	int wstatus = 0;
	(void)relay_run(&rl, &wstatus, NULL);
	if (hold >= 0)
		close(hold);
	berth_monitor_exited(ctx, id, wstatus);
fail:
	container_abandon(ctx, id);
	out.code = err.code ? err.code : -EIO;
	out.exec_failed = exec_failed;
	snprintf(out.msg, sizeof(out.msg), "%s", err.msg);
	(void)!write(rep, &out, sizeof(out));
	_exit(1);
}

int monitor_start_detached(struct berth_ctx *ctx, const char *id, struct launch *l,
			   bool *exec_failed, struct berth_error *err)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return berth_err(err, negerrno(), "pipe");
	/* SQLite and netlink handles must not be shared across fork. */
	ctx_release_handles(ctx);
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		int r = berth_err(err, negerrno(), "fork");
		close(p[0]);
		close(p[1]);
		container_abandon(ctx, id);
		return r;
	}
	if (pid == 0) {
		/* Its own session: the caller's terminal and signals are not its. */
		close(p[0]);
		(void)setsid();
		monitor_main(ctx, id, l, p[1]);
	}
	close(p[1]);
	struct report rep;
	ssize_t n;
	do
		n = read(p[0], &rep, sizeof(rep));
	while (n < 0 && errno == EINTR);
	close(p[0]);
	/* A monitor that failed exits at once: reap it (a running one goes on,
	 * and is the init process's child once we exit). */
	if (n != (ssize_t)sizeof(rep) || rep.code < 0)
		(void)waitpid(pid, NULL, 0);
	if (n != (ssize_t)sizeof(rep))
		return berth_errmsg(err, -EIO, "the monitor process died while starting the container");
	if (rep.code < 0) {
		*exec_failed = rep.exec_failed;
		rep.msg[sizeof(rep.msg) - 1] = '\0';
		return berth_errmsg(err, rep.code, "%s", rep.msg);
	}
	return 0;
}
