/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Container lifecycle internals shared by container.c, monitor.c and inspect.c. */
#pragma once

#include "ctx.h"
#include "process.h"

/* Network modes, from the container's "network" setting. */
enum net_mode {
	NET_BRIDGE,
	NET_NONE,
	NET_HOST,
	NET_CONTAINER,
};
enum net_mode container_net_mode(const struct ctr_rec *c, const char **other_id);
/* Whether the container has a network namespace of its own (bridge, none),
 * not the host's or another container's. */
bool container_owns_netns(const struct ctr_rec *c);

/* Everything a start needs, made by container_prepare and torn down by
 * container_teardown (both idempotent, best effort on the way down). */
struct launch {
	struct berth_ctx *ctx;
	char id[65];
	char *run_dir;
	char *log_path;
	int netns_fd;     /* the namespace it joins; -1: the caller's (--net=host) */
	char **envp;
	char *hostname;
	struct rootfs_spec rootfs;
	char *upper, *work, *merged, *rootfs_dir;
	char **binds, **tmpfs;
	char *cgroup_id;
	struct sec_spec sec;
	struct spawn_spec spawn;
	bool tty, interactive, auto_remove;
};
void launch_free(struct launch *l);

int container_prepare(struct berth_ctx *ctx, struct ctr_rec *c, struct launch *l,
		      struct berth_error *err);
/* Undo the kernel side: veths, netns, name; release addresses in the store. */
int container_teardown(struct berth_ctx *ctx, const char *id, struct berth_error *err);
/* A start that failed, nothing of it running: container_teardown, and the
 * cgroup container_prepare made goes too. */
void container_abandon(struct berth_ctx *ctx, const char *id);
/* Name a container's own network namespace for `ip netns`: NAME ->
 * /proc/PID/ns/net, which lives exactly as long as the container. */
int container_netns_name(struct berth_ctx *ctx, const struct ctr_rec *c, pid_t pid,
			 struct berth_error *err);
/* Record a started container (and name its namespace). */
int container_mark_running(struct berth_ctx *ctx, const char *id, pid_t pid, pid_t monitor,
			   struct berth_error *err);
/* Called when the container process ended: teardown, exit code, --rm. */
void container_finished(struct berth_ctx *ctx, const char *id, int wstatus);
/* Start without touching "stopped by the user" (restarts by policy). */
int container_start(struct berth_ctx *ctx, const char *ref, struct berth_start *st,
		    struct berth_error *err);
/* Remove a container's run and state directories. */
int container_remove_files(struct berth_ctx *ctx, const char *id);

/* Look a container up by id, name or unique id prefix, with Docker's
 * "No such container" (or an ambiguity) message. */
int container_get(struct berth_ctx *ctx, const char *ref, struct ctr_rec *c,
		  struct berth_error *err);

/* The environment of a process in the container: extra (exec -e) first,
 * then the container's -e, then Docker's PATH, HOSTNAME (when hostname is
 * given), TERM (tty) and HOME where not set. NULL-terminated, malloc'ed. */
char **container_env(json_t *cfg, const char *hostname, bool tty, char *const *extra);

/* Allocate and plug one membership of a container whose namespace is
 * netns_fd (cnl: netlink there). */
int container_attach_endpoint(struct berth_ctx *ctx, const struct ctr_rec *c, struct ep_rec *ep,
			      int netns_fd, struct nl *cnl, struct berth_error *err);

/* An fd for the network namespace a running container uses (its own, the
 * one it shares with --net=container:X, or the host's for --net=host). */
int container_netns_open(struct berth_ctx *ctx, const struct ctr_rec *c, struct berth_error *err);

/* Is the recorded process still the one we started? */
bool ctr_alive(const struct ctr_rec *c);
bool monitor_alive(const struct ctr_rec *c);

/* monitor.c: run the prepared container in the foreground (attach) or
 * under a detached monitor process. */
int monitor_run_attached(struct berth_ctx *ctx, const char *id, struct launch *l,
			 int *exit_status, bool *exec_failed, struct berth_error *err);
int monitor_start_detached(struct berth_ctx *ctx, const char *id, struct launch *l,
			   bool *exec_failed, struct berth_error *err);
