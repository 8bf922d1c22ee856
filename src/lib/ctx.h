/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The library context: paths, settings, and handles opened once per command. */
#pragma once

#include "berth.h"
#include "config.h"
#include "netlink.h"
#include "store.h"

struct berth_ctx {
	char *root;
	char *run_root;
	char *config_path;
	char *netns_dir;
	struct berth_config cfg;
	struct store *store; /* lazily opened: ctx_store() */
	struct nl *nl;       /* host namespace rtnetlink: ctx_nl() */
	int nf_linger;       /* a netfilter socket left open: ctx_linger() */
};

int ctx_store(struct berth_ctx *ctx, struct store **out, struct berth_error *err);
int ctx_nl(struct berth_ctx *ctx, struct nl **out, struct berth_error *err);
/* Drop the handles that must not cross a fork (SQLite, netlink, a lingering
 * netfilter socket). */
void ctx_release_handles(struct berth_ctx *ctx);

/* Keep fd, a netfilter socket that a commit deleting something went over,
 * open until the context goes (or ctx_linger_exit): closing it within an RCU
 * grace period of that commit waits for the kernel to free what was deleted
 * (10-20 ms here), and nothing needs that wait. A socket kept before is
 * closed now. */
void ctx_linger(struct berth_ctx *ctx, int fd);
/* _exit(status), leaving the close of a lingering socket, and its wait, to
 * a child of ours that the caller does not wait for: whoever waits for this
 * process (rm -f waits for the container's monitor) is not held up. */
__attribute__((noreturn)) void ctx_linger_exit(struct berth_ctx *ctx, int status);

/* Paths: "<run_root>/containers/<id>[/<leaf>]" and "<root>/containers/<id>[/<leaf>]". */
char *ctx_run_path(struct berth_ctx *ctx, const char *id, const char *leaf);
char *ctx_state_path(struct berth_ctx *ctx, const char *id, const char *leaf);

/* Serialise "read the store, make the kernel match it" steps (firewall,
 * DNS) between concurrent berth commands, so an older view never lands
 * after a newer one. Returns an fd to pass to ctx_unlock (-1 if locking is
 * unavailable: then unserialised). */
int ctx_lock(struct berth_ctx *ctx);
void ctx_unlock(int fd);

/* Test hook: with BERTH_FAULT=NAME in the environment the process kills
 * itself (SIGKILL) on reaching point NAME; tests/e2e/t-faults.sh cuts
 * commands short this way and checks that the next command repairs. */
void fault_point(const char *name);

/* mkdir -p with mode. */
int mkdir_p(const char *path, mode_t mode);
/* Current UTC time in Docker's RFC 3339 form with nanoseconds. */
void now_rfc3339(char buf[40]);
/* Random lowercase hex string of n chars (n <= 64). */
int random_hex(char *buf, size_t n);
/* Start time of a process (field 22 of /proc/PID/stat), 0 if gone (or a
 * zombie). */
uint64_t proc_starttime(int pid);
/* Write a whole file atomically-enough (create/truncate). */
int write_file(const char *path, const char *data, size_t len, mode_t mode);
/* Free a NULL-terminated string vector. */
void strv_free(char **v);
