/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The firewall: the desired rule set is computed from the store (a model)
 * and handed to one backend, chosen by daemon.json ("firewall-backend",
 * "iptables": false) or BERTH_FIREWALL_BACKEND, which applies it in one
 * transaction. A backend can be dropped without touching the rest.
 *
 * What every backend enforces, as Docker does:
 *  - containers reach the outside (forwarding accepted for berth's bridges,
 *    whatever the host's FORWARD policy), MASQUERADE for masqueraded subnets;
 *  - with icc off, no traffic between containers of one bridge except the
 *    flows that --link opened (client -> server port, and its replies);
 *  - traffic between two berth bridges is dropped (isolation); an internal
 *    bridge talks to nothing but itself;
 *  - a user chain, created once and never flushed, runs before berth's rules.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "ipam.h"
#include <netinet/in.h>

struct berth_ctx;

struct fw_net {
	char bridge[16];
	struct cidr4 subnet;
	uint32_t gateway;     /* the host's address on the bridge (0: none) */
	bool masquerade;
	bool icc;
	bool internal;
	bool anti_spoofing;   /* its containers' ports are guarded (fw_guard) */
	bool has_no_masq;     /* masquerade, but not towards no_masq */
	struct cidr4 no_masq;
	bool routed;  /* reachable by routing from anywhere (berth-cni networks:
		       * pods on other nodes talk to pods directly, without NAT) */
};

/* One flow a --link opens: client -> server:port/proto on a bridge. */
struct fw_link {
	char bridge[16];
	uint32_t client;
	uint32_t server;
	uint8_t proto; /* IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP */
	uint16_t port;
};

/* A published port: host address:port -> container address:port. */
struct fw_dnat {
	int family;      /* AF_INET or AF_INET6 */
	bool any;        /* every local address (0.0.0.0 / ::) */
	char host[46];   /* the host address, when !any */
	char ctr[46];    /* the container's address */
	uint8_t proto;
	uint16_t host_port;
	uint16_t ctr_port;
	char bridge[16];
};

/* The host-side veth of a running endpoint on an icc=false network. */
struct fw_port {
	char ifname[16];
};

/* A port whose container may send only with its own MAC and addresses. */
struct fw_guard {
	char ifname[16];
	uint8_t mac[6];
	uint32_t ip;
	bool has_ip6;
	struct in6_addr ip6;
};

struct fw_model {
	const struct fw_net *nets;
	size_t n_nets;
	const struct fw_link *links;
	size_t n_links;
	const struct fw_port *icc_off_ports;
	size_t n_icc_off_ports;
	const struct fw_dnat *dnats;
	size_t n_dnats;
	const struct fw_guard *guards;
	size_t n_guards;
};

struct fw_backend {
	const char *name;
	/* Make the kernel's rules match the model (an empty model removes
	 * everything the backend added, but the user chain). */
	int (*apply)(const struct fw_model *m, struct berth_error *err);
	/* Add (up) or delete the elements of m (ports, dnats, guards of one
	 * container) and touch nothing else; fails if any is not as expected.
	 * NULL: not supported (the full apply is used). keep (may be NULL)
	 * receives the batch's socket (or -1) for the caller to close later:
	 * closing a netfilter socket within an RCU grace period of a commit
	 * that deleted something waits for the kernel to free what it deleted
	 * (10-20 ms here). */
	int (*apply_delta)(const struct fw_model *m, bool up, int *keep, struct berth_error *err);
};

/* The nftables ruleset generation (bumped by every commit, anyone's), asked
 * on netfilter socket via if it is not -1 (see fw_backend.apply_delta). */
int nft_generation(int via, uint32_t *out);

/* Anti-spoofing lives in its own nftables bridge table whatever the backend
 * (the kernel's bridge filtering is nftables either way). */
int nft_apply_guard(const struct fw_model *m, struct berth_error *err);

extern const struct fw_backend fw_backend_nft;
extern const struct fw_backend fw_backend_iptables;
extern const struct fw_backend fw_backend_none;

const char *fw_proto_name(uint8_t proto);
/* A port's IPv6 link-local address, derived from its MAC (EUI-64), as the
 * kernel makes it: the target its neighbour advertisements may carry. */
void fw_link_local(const uint8_t mac[6], uint8_t out[16]);

/* Compute the model from the store and apply it with the chosen backend. */
int firewall_sync(struct berth_ctx *ctx, struct berth_error *err);

/* One container's rules (published ports, icc=false port, anti-spoofing)
 * came: as a small delta when the kernel's rules are the ones berth last
 * applied, else as firewall_sync. */
int firewall_container(struct berth_ctx *ctx, const char *id, struct berth_error *err);
/* A berth-cni attachment's port mappings came, the same way. */
struct cni_rec;
int firewall_cni(struct berth_ctx *ctx, const struct cni_rec *rec, const char *bridge,
		 struct berth_error *err);
/* Going down takes two steps: the delta is read from the store before
 * anything is released; then firewall_release runs release() (which frees
 * the ports and addresses in the store) and deletes the delta's elements,
 * holding the firewall lock across both. So no other berth process adds a
 * freed host port's new element in between (the deletion, by key, would
 * take it too) or rebuilds the rules from a store that still holds them. */
struct fw_delta;
struct fw_delta *fw_delta_of(struct berth_ctx *ctx, const char *id);
struct fw_delta *fw_delta_of_cni(const struct cni_rec *rec, const char *bridge);
typedef int fw_release_fn(void *arg, struct berth_error *err);
int firewall_release(struct berth_ctx *ctx, const struct fw_delta *d, fw_release_fn *release,
		     void *arg, struct berth_error *err);
void fw_delta_free(struct fw_delta *d);
