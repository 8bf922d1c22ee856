/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Host-wide settings, read from a daemon.json-style file with Docker's key
 * names on every command. A missing file means all defaults.
 */
#pragma once

#include <stdbool.h>

#include "error.h"
#include "ipam.h"

enum berth_fw_backend {
	BERTH_FW_NFTABLES,
	BERTH_FW_IPTABLES,
	BERTH_FW_NONE,
};

#define BERTH_MAX_DNS 3

struct berth_config {
	char bridge[16];        /* "bridge": existing bridge to use; "" = berth0 made by berth */
	bool has_bip;           /* "bip": bridge address and subnet, e.g. 172.17.0.1/16 */
	struct cidr4 bip;
	bool has_fixed_cidr;    /* "fixed-cidr": allocate only from this range */
	struct cidr4 fixed_cidr;
	bool ipv6;              /* "ipv6" */
	bool has_fixed_cidr_v6; /* "fixed-cidr-v6" */
	struct cidr6 fixed_cidr_v6;
	unsigned mtu;           /* "mtu": 0 = default (1500) */
	bool icc;               /* "icc", default true */
	bool iptables;          /* "iptables", default true: false = no firewall rules */
	bool ip_forward;        /* "ip-forward", default true */
	bool ip_masq;           /* "ip-masq", default true */
	bool userland_proxy;    /* "userland-proxy": accepted; berth never uses a proxy */
	unsigned n_dns;         /* "dns": default nameservers for containers */
	char dns[BERTH_MAX_DNS][46];
	bool has_host_binding_ipv4; /* "ip": default host address for -p */
	uint32_t host_binding_ipv4;
	enum berth_fw_backend firewall_backend; /* "firewall-backend" */
	bool anti_spoofing;     /* "anti-spoofing" (berth's own), default true */
};

void berth_config_defaults(struct berth_config *c);

/* Parse JSON text (a daemon.json object). Unknown keys, wrong types and bad
 * values are -EINVAL with a message naming the key and the value. */
int berth_config_parse(const char *json, struct berth_config *c,
		       struct berth_error *err);

/* Read and parse path; a missing file gives the defaults. */
int berth_config_load(const char *path, struct berth_config *c,
		      struct berth_error *err);
