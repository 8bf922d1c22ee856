/* SPDX-License-Identifier: GPL-2.0-or-later */
/* berth port */
#include <stdio.h>
#include <string.h>

#include "cli.h"

int cmd_port(struct cli *cli, int argc, char **argv)
{
	struct berth_ctx *ctx;
	struct berth_error err = {0};
	if (argc >= 2 && !strcmp(argv[1], "--help")) {
		puts("Usage:  berth port CONTAINER [PRIVATE_PORT[/PROTO]]\n\n"
		     "List port mappings or a specific mapping for the container");
		return 0;
	}
	if (argc < 2 || argc > 3)
		return cli_usage_error("port", "\"berth port\" requires 1 or 2 arguments.");
	if (cli_ctx(cli, &ctx) < 0)
		return 1;
	json_t *ports;
	if (berth_container_ports(ctx, argv[1], &ports, &err) < 0) {
		cli_error("Error", &err);
		return 1;
	}
	char want[32] = "";
	if (argc == 3)
		snprintf(want, sizeof(want), "%s%s", argv[2], strchr(argv[2], '/') ? "" : "/tcp");
	size_t i;
	json_t *p;
	int found = 0;
	json_array_foreach(ports, i, p) {
		const char *cp = json_string_value(json_object_get(p, "ContainerPort"));
		const char *ip = json_string_value(json_object_get(p, "HostIp"));
		const char *hp = json_string_value(json_object_get(p, "HostPort"));
		if (*want && strcmp(cp, want))
			continue;
		found++;
		if (*want)
			printf(strchr(ip, ':') ? "[%s]:%s\n" : "%s:%s\n", ip, hp);
		else
			printf(strchr(ip, ':') ? "%s -> [%s]:%s\n" : "%s -> %s:%s\n", cp, ip, hp);
	}
	json_decref(ports);
	if (*want && !found) {
		fprintf(stderr, "Error: No public port '%s' published for %s\n", want, argv[1]);
		return 1;
	}
	return 0;
}
