/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libberth: the public API the front ends (berth, berth-cni) call.
 * Every function returns >= 0 on success or -errno, and fills the optional
 * struct berth_error with a message for a human. Nothing here prints or exits.
 */
#pragma once

#include <stdbool.h>
#include <jansson.h>

#include "error.h"

struct berth_ctx;

struct berth_ctx_opts {
	const char *root;        /* persistent state; default /var/lib/berth, env BERTH_ROOT */
	const char *run_root;    /* runtime state; default /run/berth, env BERTH_RUN_ROOT */
	const char *config_path; /* default /etc/berth/daemon.json, env BERTH_CONFIG */
	const char *netns_dir;   /* where `ip netns` looks; default /run/netns, env BERTH_NETNS_DIR */
};

int berth_ctx_new(struct berth_ctx **out, const struct berth_ctx_opts *opts,
		  struct berth_error *err);
struct berth_ctx *berth_ctx_free(struct berth_ctx *ctx);
/* Whether the state root holds a store (false before anything was made). */
bool berth_ctx_has_state(const struct berth_ctx *ctx);

struct berth_run_opts {
	const char *name;            /* NULL: a generated name */
	const char *hostname;        /* NULL: the first 12 characters of the id */
	char *const *argv;           /* NULL-terminated, at least one entry */
	char *const *env;            /* NULL-terminated KEY=VALUE list, may be NULL */
	const char *network;         /* "bridge" (NULL), "none", "host", "container:NAME" */
	const char *ip;              /* --ip */
	const char *mac;             /* --mac-address */
	const char *rootfs;          /* --rootfs DIR; NULL: overlay over the host root */
	char *const *links;          /* --link NAME[:ALIAS], NULL-terminated, may be NULL */
	char *const *expose;         /* --expose PORT[/PROTO] or RANGE, may be NULL */
	char *const *publish;        /* -p specs, may be NULL */
	char *const *aliases;        /* --network-alias (user networks) */
	char *const *dns;            /* --dns */
	char *const *dns_search;     /* --dns-search */
	char *const *dns_options;    /* --dns-option */
	char *const *add_hosts;      /* --add-host NAME:IP */
	/* isolation */
	bool privileged;             /* --privileged */
	char *const *cap_add;        /* --cap-add */
	char *const *cap_drop;       /* --cap-drop */
	char *const *security_opt;   /* --security-opt seccomp=unconfined | no-new-privileges[:B] */
	const char *memory;          /* --memory 512m */
	const char *memory_swap;     /* --memory-swap 1g | -1 */
	const char *cpus;            /* --cpus 1.5 */
	long cpu_shares;             /* --cpu-shares */
	long pids_limit;             /* --pids-limit (0: none) */
	char *const *volumes;        /* -v HOST:CTR[:ro] */
	char *const *tmpfs;          /* --tmpfs /path[:opts] */
	bool read_only;              /* --read-only */
	const char *pid_mode;        /* --pid host */
	const char *ipc_mode;        /* --ipc host */
	const char *uts_mode;        /* --uts host */
	const char *userns;          /* --userns HOSTUID[:COUNT]: root inside is HOSTUID outside */
	bool publish_all;            /* -P */
	bool tty;                    /* -t */
	bool interactive;            /* -i */
	bool auto_remove;            /* --rm */
	const char *restart;         /* --restart no|on-failure[:N]|always|unless-stopped */
};

/* Record a new container (state "created"). id receives the 64-hex id. */
int berth_container_create(struct berth_ctx *ctx, const struct berth_run_opts *o,
			   char id[65], struct berth_error *err);

struct berth_start {
	bool attach;      /* in: run in the foreground, relaying stdio, until exit;
			   * a running container: berth_container_attach to it */
	bool stdin_too;   /* in: with attach to a running container, our stdin to it */
	int exit_status;  /* out (attach): the container's exit status */
	bool exec_failed; /* out: the command could not be executed (err says why) */
	bool detached;    /* out: attached to a running one, and detached (the keys) */
};
/* A start that fails leaves nothing running and records why (State.Error,
 * an exit code); a container created with auto_remove is then removed. */
int berth_container_start(struct berth_ctx *ctx, const char *ref, struct berth_start *st,
			  struct berth_error *err);

/* SIGTERM, then SIGKILL after timeout seconds; returns once the container
 * has exited and its network is released. Stopping a stopped one is a no-op. */
int berth_container_stop(struct berth_ctx *ctx, const char *ref, int timeout,
			 struct berth_error *err);
/* Attach to a running container: its output from now on to out and err,
 * with -i in to its stdin, and signals to it, until it exits (the exit
 * recorded) or the detach keys are typed (with a tty and stdin). */
struct berth_attach {
	int in;                  /* -1: not stdin (--no-stdin) */
	int out, err;
	bool sig_proxy;          /* SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1/2 we
				  * get go to it (not with a tty) */
	const char *detach_keys; /* NULL: ctrl-p,ctrl-q */
};
struct berth_attached {
	int exit_status;
	bool detached;
};
int berth_container_attach(struct berth_ctx *ctx, const char *ref, const struct berth_attach *a,
			   struct berth_attached *out, struct berth_error *err);
int berth_container_kill(struct berth_ctx *ctx, const char *ref, int sig,
			 struct berth_error *err);
/* Remove a container; force kills it first if running (else -EBUSY). */
int berth_container_remove(struct berth_ctx *ctx, const char *ref, bool force,
			   struct berth_error *err);

struct berth_exec_opts {
	char *const *argv;
	char *const *env;
	bool tty;
	bool interactive;
	int exit_status;  /* out */
	bool exec_failed; /* out */
};
int berth_container_exec(struct berth_ctx *ctx, const char *ref, struct berth_exec_opts *o,
			 struct berth_error *err);

/* Resource usage now: {"cpu_percent", "memory": {"usage", "limit"}, "pids": {"current", "limit"}}. */
int berth_container_stats(struct berth_ctx *ctx, const char *ref, json_t **out,
			  struct berth_error *err);

/* Docker-shaped inspect document (new reference in *out). */
int berth_container_inspect(struct berth_ctx *ctx, const char *ref, json_t **out,
			    struct berth_error *err);
/* An array of inspect documents, newest first; all=false: running only. */
int berth_container_list(struct berth_ctx *ctx, bool all, json_t **out,
			 struct berth_error *err);
/* Copy the container's output so far to out_fd and err_fd, each stream
 * where it came from (with -t, everything is stdout). */
int berth_container_logs(struct berth_ctx *ctx, const char *ref, int out_fd, int err_fd,
			 struct berth_error *err);

/* Re-read daemon.json and make the kernel match the store (bridges, rules). */
int berth_reload(struct berth_ctx *ctx, struct berth_error *err);

/* For berth-monitor, once the container ID it watched ended with wait
 * status WSTATUS: record the exit, release the container's network, apply
 * its restart policy (a new monitor), and end this process. Nothing is done
 * unless this process is the container's recorded monitor. */
__attribute__((noreturn)) void berth_monitor_exited(struct berth_ctx *ctx, const char *id,
						    int wstatus);

/* Repair what a killed command, a dead monitor or a reboot left: containers
 * recorded as running whose monitor is gone are ended and recorded as
 * exited; containers that do not run hold no address, port, namespace or
 * cgroup; run directories, veths on berth's bridges, `ip netns` names and
 * cgroups that no record owns are removed, and CNI attachments whose
 * namespace is gone released; bridges, rules and DNS are rebuilt; then the
 * restart policies are applied. */
int berth_reconcile(struct berth_ctx *ctx, struct berth_error *err);
/* The same, but only when the host restarted since berth last ran here
 * (the run directory has no or another boot id). Cheap otherwise. */
int berth_reconcile_after_boot(struct berth_ctx *ctx, struct berth_error *err);

/* `system prune`: remove stopped containers and unused user networks;
 * their names are appended to containers / networks. */
int berth_system_prune(struct berth_ctx *ctx, json_t *containers, json_t *networks,
		       struct berth_error *err);
/* `system reset`: remove everything berth made — every container (running
 * ones killed), every network with its bridge (CNI attachments too), all
 * rules, DNS servers, and the store. */
int berth_system_reset(struct berth_ctx *ctx, struct berth_error *err);

/* A container's published ports as Docker's `port` prints them:
 * an array of {"ContainerPort": "80/tcp", "HostIp": "0.0.0.0", "HostPort": "8080"}. */
int berth_container_ports(struct berth_ctx *ctx, const char *ref, json_t **out,
			  struct berth_error *err);

/* Point-to-point links: a veth pair between two running containers (or a
 * container and "host"), a /32 address on each end and a route to the peer. */
struct berth_p2p_opts {
	const char *name;           /* NULL: generated */
	const char *a, *a_addr;     /* a container, and its end's IPv4 address */
	const char *b, *b_addr;     /* a container or "host", and its address */
	unsigned mtu;               /* 0: default */
};
int berth_p2p_create(struct berth_ctx *ctx, const struct berth_p2p_opts *o, char name[64],
		     struct berth_error *err);
int berth_p2p_remove(struct berth_ctx *ctx, const char *name, struct berth_error *err);
/* [{"Name", "Created", "Mtu", "Up", "Ends": [{"Container", "ContainerID",
 * "Interface", "Address"} x2]}] */
int berth_p2p_list(struct berth_ctx *ctx, json_t **out, struct berth_error *err);

/* User-defined bridge networks (`berth network create` and friends). */
struct berth_network_opts {
	const char *name;
	const char *driver;      /* NULL or "bridge" */
	const char *subnet;      /* NULL: a free private subnet is chosen */
	const char *gateway;     /* NULL: the first address */
	const char *ip_range;    /* NULL: the whole subnet */
	bool ipv6;
	const char *subnet6;     /* with ipv6 */
	bool internal;           /* no traffic in or out but between its containers */
	char *const *options;    /* -o KEY=VALUE: com.docker.network.bridge.name,
				  * .bridge.enable_icc, .driver.mtu, .bridge.enable_ip_masquerade */
};
int berth_network_create(struct berth_ctx *ctx, const struct berth_network_opts *o, char id[65],
			 struct berth_error *err);
/* Refused while containers are attached, and for the default "bridge". */
int berth_network_remove(struct berth_ctx *ctx, const char *ref, struct berth_error *err);
/* Remove every user network without containers; names appended to *removed. */
int berth_network_prune(struct berth_ctx *ctx, json_t *removed, struct berth_error *err);
/* Join a container (running or not) to a network as eth1, eth2, ... */
int berth_network_connect(struct berth_ctx *ctx, const char *net, const char *ctr,
			  const char *ip, char *const *aliases, struct berth_error *err);
int berth_network_disconnect(struct berth_ctx *ctx, const char *net, const char *ctr,
			     struct berth_error *err);

/* Docker-shaped network inspect documents. */
int berth_network_list(struct berth_ctx *ctx, json_t **out, struct berth_error *err);

/* berth-cni: the CNI operations on a parsed configuration (cniconf.h). */
struct cni_conf;
struct berth_cni_args {
	const char *container_id; /* CNI_CONTAINERID */
	const char *netns;        /* CNI_NETNS (DEL: may be gone) */
	const char *ifname;       /* CNI_IFNAME */
};
/* Attach; *result is the spec's result JSON for c's cniVersion. */
int berth_cni_add(struct berth_ctx *ctx, const struct cni_conf *c, const struct berth_cni_args *a,
		  json_t **result, struct berth_error *err);
/* Detach; nothing to do is success. */
int berth_cni_del(struct berth_ctx *ctx, const struct cni_conf *c, const struct berth_cni_args *a,
		  struct berth_error *err);
/* -ENOENT when berth has no such attachment, -EIO when the kernel differs. */
int berth_cni_check(struct berth_ctx *ctx, const struct cni_conf *c, const struct berth_cni_args *a,
		    struct berth_error *err);
/* Release every attachment of the network not in c's valid-attachments. */
int berth_cni_gc(struct berth_ctx *ctx, const struct cni_conf *c, struct berth_error *err);
/* -EHOSTDOWN when ADD could not succeed now. */
int berth_cni_status(struct berth_ctx *ctx, const struct cni_conf *c, struct berth_error *err);
