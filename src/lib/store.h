/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The persistent state: networks, containers and their endpoints (with the
 * addresses allocated to them), in one SQLite database. Writers take
 * BEGIN IMMEDIATE, so concurrent berth commands serialise; a unique index on
 * (network, address) makes a double allocation impossible.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

#include "error.h"
#include "ipam.h"

struct store;

int store_open(struct store **out, const char *path, struct berth_error *err);
struct store *store_close(struct store *s);
static inline void store_closep(struct store **p) { *p = store_close(*p); }

int store_begin(struct store *s, struct berth_error *err); /* BEGIN IMMEDIATE */
int store_commit(struct store *s, struct berth_error *err);
void store_rollback(struct store *s);

struct net_rec {
	char id[65];
	char name[128];
	char driver[16];
	char bridge[16];
	struct cidr4 subnet;  /* network address + len */
	struct cidr4 range;   /* allocation range (== subnet if none given) */
	uint32_t gateway;
	unsigned mtu;         /* 0 = default */
	bool has_v6;
	struct cidr6 subnet6;
	struct in6_addr gateway6;
	bool user_bridge;     /* the bridge belongs to the user: never created/deleted */
	bool internal;
	bool masquerade;
	bool icc;
	bool builtin;         /* the default "bridge" network */
	bool anti_spoofing;   /* containers may send only with their own IP and MAC */
	bool has_no_masq;     /* traffic to no_masq keeps its source (berth-cni's */
	struct cidr4 no_masq; /* nonMasqueradeCIDR: the cluster's pod range) */
	char created[40];
};

int store_network_get(struct store *s, const char *ref, struct net_rec *out);
int store_network_put(struct store *s, const struct net_rec *n, struct berth_error *err);
int store_network_del(struct store *s, const char *id, struct berth_error *err);
int store_network_list(struct store *s, struct net_rec **out, size_t *n);

enum ctr_state {
	CTR_CREATED,
	CTR_RUNNING,
	CTR_EXITED,
};
const char *ctr_state_str(enum ctr_state st);

struct ctr_rec {
	char id[65];
	char name[128];
	char created[40];
	json_t *config;       /* owned: argv, env, hostname, network, ... */
	enum ctr_state state;
	int pid;
	uint64_t pid_start;   /* /proc/PID/stat starttime, guards against pid reuse */
	int monitor_pid;
	uint64_t monitor_start;
	int exit_code;
	bool oom_killed;
	bool manual_stop;     /* stopped or killed by the user: no restart */
	int restart_count;    /* restarts by the --restart policy */
	char started_at[40];
	char finished_at[40];
	char error[256];
};
void ctr_rec_clear(struct ctr_rec *c); /* frees config */
void ctr_recs_free(struct ctr_rec *v, size_t n);

/* ref: full id, name, or unique id prefix. -ENOENT, or -ENOTUNIQ for an
 * ambiguous prefix. */
int store_container_get(struct store *s, const char *ref, struct ctr_rec *out);
/* -EEXIST when the name is taken. */
int store_container_insert(struct store *s, const struct ctr_rec *c, struct berth_error *err);
/* Writes the runtime fields (state, pids, exit code, times, error). */
int store_container_update(struct store *s, const struct ctr_rec *c, struct berth_error *err);
int store_container_del(struct store *s, const char *id, struct berth_error *err);
int store_container_list(struct store *s, struct ctr_rec **out, size_t *n);
/* Does another container's configuration name this one (a --link)? */
bool store_container_linked(struct store *s, const char *id);

struct ep_rec {
	char container_id[65];
	char network_id[65];
	char ifname[16];      /* inside the container: eth0 */
	char veth[16];        /* host side */
	uint32_t ip;          /* 0 = not allocated (container not running) */
	uint8_t mac[6];
	bool has_ip6;
	struct in6_addr ip6;
	char req_ip[16];      /* --ip, "" = any */
	char req_mac[18];     /* --mac-address, "" = derived */
	char aliases[256];    /* --network-alias / --alias, comma-separated */
};

int store_endpoint_put(struct store *s, const struct ep_rec *e, struct berth_error *err);
int store_endpoint_list(struct store *s, const char *container_id, const char *network_id,
			struct ep_rec **out, size_t *n);
/* network_id NULL: every endpoint of the container. */
int store_endpoint_del(struct store *s, const char *container_id, const char *network_id,
		       struct berth_error *err);
/* How many container memberships and berth-cni attachments a network has. */
int store_network_users(struct store *s, const char *network_id);
/* Every allocated IPv4 address in a network (for IPAM). */
int store_network_ips(struct store *s, const char *network_id, uint32_t **out, size_t *n);

/* A published port while its container runs: host side -> container port. */
struct port_rec {
	char container_id[65];
	uint8_t proto;        /* IPPROTO_TCP / UDP / SCTP */
	int family;           /* AF_INET or AF_INET6 */
	char host_ip[46];     /* "0.0.0.0" / "::" for any address */
	uint16_t host_port;
	uint16_t ctr_port;
};

/* -EEXIST when that exact (proto, family, address, port) is taken. */
int store_port_add(struct store *s, const struct port_rec *p, struct berth_error *err);
int store_port_list(struct store *s, const char *container_id, struct port_rec **out, size_t *n);
/* 1 if (proto, family, host_port) is published on host_ip, or either
 * address is the any address, with owner the container's id; 0 if free. */
int store_port_owner(struct store *s, uint8_t proto, int family, const char *host_ip,
		     uint16_t host_port, char owner[65]);
/* 1 if the container has a published port, 0 if not. */
int store_port_any(struct store *s, const char *container_id);
int store_port_del(struct store *s, const char *container_id, struct berth_error *err);

/* A point-to-point link between two containers (or a container and the host). */
struct p2p_rec {
	char name[64];
	char a_id[65];        /* container */
	char a_if[16];
	uint32_t a_ip;
	char b_id[65];        /* container, or "" for the host */
	char b_if[16];
	uint32_t b_ip;
	unsigned mtu;
	char created[40];
};

/* -EEXIST when the name is taken. */
int store_p2p_add(struct store *s, const struct p2p_rec *p, struct berth_error *err);
int store_p2p_get(struct store *s, const char *name, struct p2p_rec *out);
/* Links with container_id at either end (NULL: all). */
int store_p2p_list(struct store *s, const char *container_id, struct p2p_rec **out, size_t *n);
int store_p2p_del(struct store *s, const char *name, struct berth_error *err);

/* A berth-cni attachment: (network, CNI container id, interface) -> the
 * namespace it lives in, the host-side veth, its addresses and the
 * portMappings it was given (a JSON array, owned). */
struct cni_rec {
	char network_id[65];
	char container_id[256];
	char ifname[16];
	char netns[256];
	char veth[16];
	uint32_t ip;
	uint8_t mac[6];
	bool has_ip6;
	struct in6_addr ip6;
	json_t *ports;
	char created[40];
};
void cni_rec_clear(struct cni_rec *c);
void cni_recs_free(struct cni_rec *v, size_t n);

/* Insert or replace; -EEXIST when the address is taken. */
int store_cni_put(struct store *s, const struct cni_rec *c, struct berth_error *err);
/* Filters may be NULL (any). */
int store_cni_list(struct store *s, const char *network_id, const char *container_id,
		   const char *ifname, struct cni_rec **out, size_t *n);
int store_cni_del(struct store *s, const char *network_id, const char *container_id,
		  const char *ifname, struct berth_error *err);
