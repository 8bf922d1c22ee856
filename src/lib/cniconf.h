/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * berth-cni's network configuration: the JSON a runtime sends on stdin (in
 * the style of the reference bridge plugin, with host-local IPAM and the
 * portMappings / ips / mac capabilities) and CNI_ARGS. Pure: no kernel, no
 * store. Errors are -errno that the front end maps to the spec's codes:
 * -EBADMSG (cannot decode), -EPROTONOSUPPORT (cniVersion), -EOPNOTSUPP (a
 * field berth-cni does not do), -EINVAL (a bad value), -ENXIO (CNI_ARGS).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "error.h"
#include "ipam.h"

/* The spec versions berth-cni speaks, oldest first. */
extern const char *const cni_versions[];
/* Index in cni_versions, or -EPROTONOSUPPORT (err names the supported ones). */
int cni_version_index(const char *v, struct berth_error *err);
#define CNI_V040 2 /* first with CHECK */
#define CNI_V100 3 /* results lose the per-IP "version" */
#define CNI_V110 4 /* GC and STATUS */

struct cni_route {
	int family;
	struct in6_addr dst; /* AF_INET: the first 4 bytes */
	uint8_t len;
	bool has_gw;
	struct in6_addr gw;
};

struct cni_port {
	uint8_t proto; /* IPPROTO_TCP, UDP, SCTP */
	int family;    /* AF_INET or AF_INET6 */
	char host_ip[46]; /* "0.0.0.0" / "::" when none given */
	uint16_t host_port, ctr_port;
};

struct cni_attachment {
	const char *container_id; /* borrowed from the document */
	const char *ifname;
};

struct cni_conf {
	json_t *doc;                 /* the whole document (owned) */
	int version;                 /* index in cni_versions */
	const char *version_str;
	const char *name;            /* the network's name */
	const char *type;
	const char *data_dir;        /* "dataDir": berth's state (default BERTH_ROOT or /var/lib/berth) */
	const char *run_dir;         /* "runDir": berth's runtime state (BERTH_RUN_ROOT, /run/berth) */
	char bridge[16];             /* default "cni0" */
	bool is_gateway;             /* the bridge holds the gateway address */
	bool is_default_gw;          /* and containers route through it by default */
	bool ip_masq;
	bool has_no_masq;            /* nonMasqueradeCIDR (berth's): pods keep */
	struct cidr4 no_masq;        /* their address towards it (the cluster) */
	bool hairpin;
	unsigned mtu;                /* 0: the kernel's default */
	/* ipam (host-local semantics) */
	struct cidr4 subnet;
	uint32_t range_start, range_end, gateway; /* host order; 0 = default */
	bool has_v6;
	struct cidr6 subnet6;
	struct in6_addr gateway6;
	struct cni_route *routes;
	size_t n_routes;
	json_t *dns;                 /* passed through to the result (borrowed) */
	/* runtime */
	struct cni_port *ports;
	size_t n_ports;
	uint32_t req_ip;             /* runtimeConfig.ips / args / CNI_ARGS IP= */
	bool has_req_ip6;
	struct in6_addr req_ip6;
	bool has_req_mac;
	uint8_t req_mac[6];
	json_t *prev_result;         /* borrowed, may be NULL */
	struct cni_attachment *valid; /* GC: cni.dev/valid-attachments */
	size_t n_valid;
	bool has_valid;
};

/* Parse stdin (buf, len) and CNI_ARGS (may be NULL). full=false parses only
 * cniVersion (what VERSION and a DEL of a forgotten network need). */
int cni_conf_parse(const char *buf, size_t len, const char *cni_args, bool full,
		   struct cni_conf *out, struct berth_error *err);
void cni_conf_free(struct cni_conf *c);
