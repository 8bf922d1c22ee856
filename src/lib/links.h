/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Docker's legacy links (--link NAME[:ALIAS]) and exposed ports (--expose):
 * parsing at create, and at start the linked container's address as
 * /etc/hosts lines and Docker's environment variables (ALIAS_PORT_80_TCP...).
 * The firewall opens the flows themselves (firewall.c).
 */
#pragma once

#include <jansson.h>
#include <stdint.h>

#include "ctx.h"

/* "80", "80/tcp", "53/udp", "8000-8002/sctp" -> appended to arr as
 * "PORT/PROTO" strings. -EINVAL naming spec when malformed. */
int expose_parse(const char *spec, json_t *arr, struct berth_error *err);

/* "NAME[:ALIAS]" -> {"id", "name", "alias"} appended to arr; the container
 * must exist. */
int link_parse(struct store *st, const char *spec, json_t *arr, struct berth_error *err);

struct link_peer {
	char alias[128];
	char name[128];
	char id[65];
	uint32_t ip;
	json_t *expose; /* owned reference */
	json_t *env;    /* owned reference */
};
void link_peers_free(struct link_peer *v, size_t n);

/* The linked containers of a container about to start: each must be
 * running with an address on the default bridge. */
int links_resolve(struct berth_ctx *ctx, json_t *cfg, const char *client_name,
		  struct link_peer **out, size_t *n, struct berth_error *err);

/* Docker's link variables, appended to the NULL-terminated *envp. */
int links_env(const struct link_peer *v, size_t n, const char *client_name, char ***envp);
/* "IP\tALIAS ID12 NAME\n" lines, appended to a malloc'ed string. */
int links_hosts(const struct link_peer *v, size_t n, char **text);
