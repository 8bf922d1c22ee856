/* SPDX-License-Identifier: GPL-2.0-or-later */
/* berth exec: run another process inside a running container's namespaces. */
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "container.h"
#include "relay.h"
#include "util.h"

int berth_container_exec(struct berth_ctx *ctx, const char *ref, struct berth_exec_opts *o,
			 struct berth_error *err)
{
	static const char *const ns[] = {"cgroup", "ipc", "uts", "net", "mnt", "user"};
	struct store *st;
	struct ctr_rec c;
	struct sec_spec sec;
	int fds[ARRAY_SIZE(ns)] = {-1, -1, -1, -1, -1, -1};
	int r = ctx_store(ctx, &st, err);
	if (r < 0)
		return r;
	if (!o->argv || !o->argv[0])
		return berth_errmsg(err, -EINVAL, "no command specified");
	r = container_get(ctx, ref, &c, err);
	if (r < 0)
		return r;
	if (c.state != CTR_RUNNING || !ctr_alive(&c)) {
		r = berth_errmsg(err, -ESRCH, "Container %s is not running", c.id);
		ctr_rec_clear(&c);
		return r;
	}
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/pid", c.pid);
	_cleanup_close_ int pidns = open(path, O_RDONLY | O_CLOEXEC);
	for (size_t i = 0; i < ARRAY_SIZE(ns); i++) {
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", c.pid, ns[i]);
		fds[i] = open(path, O_RDONLY | O_CLOEXEC);
	}
	char **env = container_env(c.config, NULL, false, o->env);
	bool alive = ctr_alive(&c);
	/* The same limits and privileges as the container's own process. */
	r = sec_from_config(c.config, &sec, err);
	char id[65];
	memcpy(id, c.id, sizeof(id));
	/* With --userns the user namespace is joined last (the others are the host's). */
	bool userns = json_integer_value(json_object_get(c.config, "userns_uid")) != 0;
	ctr_rec_clear(&c);
	int master = -1;
	_cleanup_close_ int ownpid = -1;
	_cleanup_close_ int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	struct spawn_spec sp = {
		.argv = o->argv, .envp = env, .n_join = ARRAY_SIZE(ns) - (userns ? 0 : 1),
		.joined_userns = userns,
		.fds = {o->interactive ? 0 : devnull, 1, 2},
		.sec = &sec, .cgroup_id = id,
	};
	memcpy(sp.join_fds, fds, sizeof(fds));
	struct relay rl = {
		.in_from = -1, .in_to = -1, .out_from = -1, .out_to = 1, .err_from = -1,
		.err_to = 2, .log_fd = -1, .forward_signals = true, .raw_tty = -1, .winch_to = -1,
		.attach_fd = -1, .attach_in = -1, .attach_tty = -1,
	};
	if (r < 0)
		goto out;
	if (pidns < 0 || fds[4] < 0 || !env || !alive) {
		r = berth_err(err, pidns < 0 || fds[4] < 0 ? negerrno() : -ENOMEM, "open namespaces of %s", ref);
		goto out;
	}
	sp.pty = o->tty;
	/* The pid namespace applies to children: enter it for the spawn only. */
	ownpid = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
	if (setns(pidns, CLONE_NEWPID) < 0) {
		r = berth_err(err, negerrno(), "enter pid namespace of %s", ref);
		goto out;
	}
	int pidfd;
	pid_t pid = spawn_process(&sp, &pidfd, &master, &o->exec_failed, err);
	(void)setns(ownpid, CLONE_NEWPID);
	if (pid < 0) {
		r = pid;
		goto out;
	}
	relay_use_pty(&rl, master, o->interactive);
	rl.pid = pid;
	rl.pidfd = pidfd;
	int wstatus = 0;
	r = relay_run(&rl, &wstatus, err);
	close(pidfd);
	o->exit_status = wait_status_code(wstatus);
out:
	if (master >= 0)
		close(master);
	for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	strv_free(env);
	return r;
}
