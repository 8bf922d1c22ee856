/* SPDX-License-Identifier: GPL-2.0-or-later */
/* berth network ls | inspect, berth reload */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int network_ls(struct berth_ctx *ctx, json_t *nets, const char *format)
{
	size_t i;
	json_t *n;
	int rc = 0;
	if (format) {
		json_array_foreach(nets, i, n) {
			char id[13];
			snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(n, "Id")));
			json_t *row = json_pack("{s:s, s:s, s:s, s:s, s:b, s:b}", "ID", id,
				"Name", json_string_value(json_object_get(n, "Name")),
				"Driver", json_string_value(json_object_get(n, "Driver")),
				"Scope", json_string_value(json_object_get(n, "Scope")),
				"IPv6", json_is_true(json_object_get(n, "EnableIPv6")),
				"Internal", json_is_true(json_object_get(n, "Internal")));
			if (!strcmp(format, "json")) {
				char *s = json_dumps(row, JSON_COMPACT | JSON_PRESERVE_ORDER);
				printf("%s\n", s);
				free(s);
			} else {
				rc |= cli_print_template(format, row);
			}
			json_decref(row);
		}
		return rc;
	}
	printf("%-14s %-16s %-8s %s\n", "NETWORK ID", "NAME", "DRIVER", "SCOPE");
	json_array_foreach(nets, i, n) {
		printf("%-14.12s %-16s %-8s %s\n", json_string_value(json_object_get(n, "Id")),
		       json_string_value(json_object_get(n, "Name")),
		       json_string_value(json_object_get(n, "Driver")),
		       json_string_value(json_object_get(n, "Scope")));
	}
	/* Docker always lists the host and none pseudo-networks too. */
	printf("%-14s %-16s %-8s %s\n", "-", "host", "host", "local");
	printf("%-14s %-16s %-8s %s\n", "-", "none", "null", "local");
	return 0;
}

static int network_inspect(json_t *nets, int argc, char **argv)
{
	json_t *out = json_array();
	int rc = 0;
	for (int a = 0; a < argc; a++) {
		size_t i;
		json_t *n, *found = NULL;
		json_array_foreach(nets, i, n) {
			const char *id = json_string_value(json_object_get(n, "Id"));
			if (!strcmp(json_string_value(json_object_get(n, "Name")), argv[a]) ||
			    (strlen(argv[a]) >= 3 && !strncmp(id, argv[a], strlen(argv[a]))))
				found = n;
		}
		if (!found) {
			fprintf(stderr, "Error: No such network: %s\n", argv[a]);
			rc = 1;
			continue;
		}
		json_array_append(out, found);
	}
	char *s = json_dumps(out, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
	printf("%s\n", s);
	free(s);
	json_decref(out);
	return rc;
}

int cmd_network(struct cli *cli, int argc, char **argv)
{
	struct berth_ctx *ctx;
	struct berth_error err = {0};
	if (argc < 2 || !strcmp(argv[1], "--help")) {
		puts("Usage:  berth network COMMAND\n\nCommands:\n"
		     "  ls [--format TEMPLATE|json]   List networks\n"
		     "  inspect NETWORK...            Display detailed information on networks");
		return argc < 2 ? 125 : 0;
	}
	if (strcmp(argv[1], "ls") && strcmp(argv[1], "inspect"))
		return cli_usage_error("network", "unknown network command: %s", argv[1]);
	if (cli_ctx(cli, &ctx) < 0)
		return 1;
	json_t *nets;
	if (berth_network_list(ctx, &nets, &err) < 0) {
		cli_error("Error", &err);
		return 1;
	}
	const char *format = argc >= 4 && !strcmp(argv[2], "--format") ? argv[3] : NULL;
	int rc = !strcmp(argv[1], "ls") ? network_ls(ctx, nets, format)
		 : argc < 3 ? cli_usage_error("network inspect", "\"berth network inspect\" requires at least 1 argument.")
			    : network_inspect(nets, argc - 2, argv + 2);
	json_decref(nets);
	return rc;
}

int cmd_reload(struct cli *cli, int argc, char **argv)
{
	struct berth_ctx *ctx;
	struct berth_error err = {0};
	if (argc >= 2) {
		if (strcmp(argv[1], "--help"))
			return cli_usage_error("reload", "\"berth reload\" accepts no arguments.");
		puts("Usage:  berth reload\n\nRe-read daemon.json, restore the default bridge and the firewall rules");
		return 0;
	}
	if (cli_ctx(cli, &ctx) < 0)
		return 1;
	if (berth_reload(ctx, &err) < 0) {
		cli_error("Error", &err);
		return 1;
	}
	return 0;
}
