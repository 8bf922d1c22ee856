/* SPDX-License-Identifier: GPL-2.0-or-later */
/* berth network create | ls | inspect | rm | prune | connect | disconnect, berth reload */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
	"Usage:  berth network COMMAND\n"
	"\n"
	"Commands:\n"
	"  create [--driver bridge] [--subnet CIDR] [--gateway IP] [--ip-range CIDR]\n"
	"         [--ipv6 --subnet V6CIDR] [--internal] [-o KEY=VALUE] NAME\n"
	"         options: com.docker.network.bridge.name=NAME,\n"
	"                  com.docker.network.bridge.enable_icc=false,\n"
	"                  com.docker.network.driver.mtu=N,\n"
	"                  com.docker.network.bridge.enable_ip_masquerade=false,\n"
	"                  com.berth.network.anti_spoofing=false\n"
	"  ls [-q] [--format TEMPLATE|json]   List networks\n"
	"  inspect [-f FORMAT] NETWORK...  Display detailed information on networks\n"
	"  rm NETWORK...                 Remove networks (refused while containers are attached)\n"
	"  prune                         Remove all networks without containers\n"
	"  connect [--ip IP] [--alias NAME] NETWORK CONTAINER\n"
	"  disconnect NETWORK CONTAINER\n";

static int by_name(const void *x, const void *y)
{
	return strcmp(json_string_value(json_object_get(*(json_t *const *)x, "Name")),
		      json_string_value(json_object_get(*(json_t *const *)y, "Name")));
}

static int network_ls(json_t *nets, int argc, char **argv)
{
	static const char *const heads[][2] = {
		{"ID", "NETWORK ID"}, {"Name", "NAME"}, {"Driver", "DRIVER"}, {"Scope", "SCOPE"},
		{"IPv6", "IPV6"}, {"Internal", "INTERNAL"},
	};
	const char *format = NULL;
	bool quiet = false;
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "-q") || !strcmp(argv[i], "--quiet"))
			quiet = true;
		else if (!strcmp(argv[i], "--format") && i + 1 < argc)
			format = argv[++i];
		else if (!strncmp(argv[i], "--format=", 9))
			format = argv[i] + 9;
		else
			return cli_usage_error("network ls", "unknown flag: %s", argv[i]);
	}
	size_t i, n = json_array_size(nets);
	json_t *v;
	json_t **sorted = calloc(n + 2, sizeof(*sorted));
	if (!sorted)
		return 1;
	json_array_foreach(nets, i, v) {
		char id[13];
		snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(v, "Id")));
		sorted[i] = json_pack("{s:s, s:s, s:s, s:s, s:b, s:b}", "ID", id,
			"Name", json_string_value(json_object_get(v, "Name")),
			"Driver", json_string_value(json_object_get(v, "Driver")),
			"Scope", json_string_value(json_object_get(v, "Scope")),
			"IPv6", json_is_true(json_object_get(v, "EnableIPv6")),
			"Internal", json_is_true(json_object_get(v, "Internal")));
	}
	/* Docker lists the host and none pseudo-networks too. */
	sorted[n++] = json_pack("{s:s, s:s, s:s, s:s, s:b, s:b}", "ID", "host", "Name", "host",
				"Driver", "host", "Scope", "local", "IPv6", 0, "Internal", 0);
	sorted[n++] = json_pack("{s:s, s:s, s:s, s:s, s:b, s:b}", "ID", "none", "Name", "none",
				"Driver", "null", "Scope", "local", "IPv6", 0, "Internal", 0);
	qsort(sorted, n, sizeof(*sorted), by_name);
	json_t *rows = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(rows, sorted[i]);
	free(sorted);
	int rc = 0;
	if (quiet)
		json_array_foreach(rows, i, v)
			printf("%s\n", json_string_value(json_object_get(v, "ID")));
	else
		rc = cli_print_rows(format ? format : "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}",
				    rows, heads, sizeof(heads) / sizeof(heads[0]));
	json_decref(rows);
	return rc;
}

static int network_inspect(json_t *nets, int argc, char **argv)
{
	json_t *out = json_array();
	const char *format = NULL;
	int rc = 0, a = 0;
	if (argc >= 2 && (!strcmp(argv[0], "-f") || !strcmp(argv[0], "--format"))) {
		format = argv[1];
		a = 2;
	} else if (argc >= 1 && !strncmp(argv[0], "--format=", 9)) {
		format = argv[0] + 9;
		a = 1;
	}
	if (a == argc) {
		json_decref(out);
		return cli_usage_error("network inspect", "\"berth network inspect\" requires at least 1 argument.");
	}
	for (; a < argc; a++) {
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
		if (format) {
			if (cli_print_template(format, found) < 0)
				rc = 1;
			continue;
		}
		json_array_append(out, found);
	}
	if (!format) {
		char *s = json_dumps(out, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
		printf("%s\n", s);
		free(s);
	}
	json_decref(out);
	return rc;
}

enum { OPT_SUBNET = 256, OPT_GATEWAY, OPT_RANGE, OPT_IPV6, OPT_INTERNAL, OPT_DRIVER, OPT_IP, OPT_ALIAS };

static int network_create(struct berth_ctx *ctx, int argc, char **argv)
{
	static const struct option o[] = {
		{"driver", required_argument, NULL, 'd'}, {"subnet", required_argument, NULL, OPT_SUBNET},
		{"gateway", required_argument, NULL, OPT_GATEWAY},
		{"ip-range", required_argument, NULL, OPT_RANGE}, {"ipv6", no_argument, NULL, OPT_IPV6},
		{"internal", no_argument, NULL, OPT_INTERNAL}, {"opt", required_argument, NULL, 'o'},
		{0}};
	struct berth_network_opts no = {0};
	struct berth_error err = {0};
	const char *subnets[2] = {NULL, NULL};
	char **opts = calloc((size_t)argc + 1, sizeof(char *));
	size_t n_opts = 0, n_sub = 0;
	int c, rc = 0;
	optind = 1;
	opterr = 0;
	while (rc == 0 && (c = getopt_long(argc, argv, "+:d:o:", o, NULL)) != -1) {
		switch (c) {
		case 'd':
			no.driver = optarg;
			break;
		case OPT_SUBNET:
			if (n_sub < 2)
				subnets[n_sub++] = optarg;
			break;
		case OPT_GATEWAY:
			no.gateway = optarg;
			break;
		case OPT_RANGE:
			no.ip_range = optarg;
			break;
		case OPT_IPV6:
			no.ipv6 = true;
			break;
		case OPT_INTERNAL:
			no.internal = true;
			break;
		case 'o':
			opts[n_opts++] = optarg;
			break;
		default:
			rc = cli_usage_error("network create", "unknown flag: %s", argv[optind - 1]);
		}
	}
	if (rc == 0 && argc - optind != 1)
		rc = cli_usage_error("network create", "\"berth network create\" requires exactly 1 argument.");
	if (rc) {
		free(opts);
		return rc;
	}
	/* --subnet may be given twice: one IPv4, one IPv6. */
	for (size_t i = 0; i < n_sub; i++) {
		if (strchr(subnets[i], ':'))
			no.subnet6 = subnets[i];
		else
			no.subnet = subnets[i];
	}
	no.name = argv[optind];
	no.options = opts;
	char id[65];
	if (berth_network_create(ctx, &no, id, &err) < 0) {
		cli_error("Error response", &err);
		rc = 1;
	} else {
		printf("%s\n", id);
	}
	free(opts);
	return rc;
}

static int network_connect(struct berth_ctx *ctx, int argc, char **argv)
{
	static const struct option o[] = {
		{"ip", required_argument, NULL, OPT_IP}, {"alias", required_argument, NULL, OPT_ALIAS}, {0}};
	struct berth_error err = {0};
	const char *ip = NULL;
	char **aliases = calloc((size_t)argc + 1, sizeof(char *));
	size_t n_aliases = 0;
	int c, rc = 0;
	optind = 1;
	opterr = 0;
	while (rc == 0 && (c = getopt_long(argc, argv, "+:", o, NULL)) != -1) {
		if (c == OPT_IP)
			ip = optarg;
		else if (c == OPT_ALIAS)
			aliases[n_aliases++] = optarg;
		else
			rc = cli_usage_error("network connect", "unknown flag: %s", argv[optind - 1]);
	}
	if (rc == 0 && argc - optind != 2)
		rc = cli_usage_error("network connect", "\"berth network connect\" requires exactly 2 arguments.");
	if (rc == 0 && berth_network_connect(ctx, argv[optind], argv[optind + 1], ip, aliases, &err) < 0) {
		cli_error("Error response", &err);
		rc = 1;
	}
	free(aliases);
	return rc;
}

int cmd_network(struct cli *cli, int argc, char **argv)
{
	struct berth_ctx *ctx;
	struct berth_error err = {0};
	static const char *const subs[] = {"create", "ls", "inspect", "rm", "prune", "connect", "disconnect"};
	if (argc < 2 || !strcmp(argv[1], "--help")) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? 125 : 0;
	}
	const char *sub = argv[1];
	bool known = false;
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		known |= !strcmp(sub, subs[i]);
	if (!known)
		return cli_usage_error("network", "unknown network command: %s", sub);
	if (argc >= 3 && !strcmp(argv[2], "--help")) {
		fputs(usage, stdout);
		return 0;
	}
	if (cli_ctx(cli, &ctx) < 0)
		return 1;
	if (!strcmp(sub, "create"))
		return network_create(ctx, argc - 1, argv + 1);
	if (!strcmp(sub, "connect"))
		return network_connect(ctx, argc - 1, argv + 1);
	int rc = 0;
	if (!strcmp(sub, "disconnect")) {
		int a = argc >= 3 && (!strcmp(argv[2], "-f") || !strcmp(argv[2], "--force")) ? 3 : 2;
		if (argc - a != 2)
			return cli_usage_error("network disconnect", "\"berth network disconnect\" requires exactly 2 arguments.");
		if (berth_network_disconnect(ctx, argv[a], argv[a + 1], &err) < 0) {
			cli_error("Error response", &err);
			return 1;
		}
		return 0;
	}
	if (!strcmp(sub, "rm")) {
		if (argc < 3)
			return cli_usage_error("network rm", "\"berth network rm\" requires at least 1 argument.");
		for (int i = 2; i < argc; i++) {
			if (berth_network_remove(ctx, argv[i], &err) < 0) {
				cli_error("Error response", &err);
				rc = 1;
			} else {
				printf("%s\n", argv[i]);
			}
		}
		return rc;
	}
	if (!strcmp(sub, "prune")) {
		json_t *removed = json_array();
		rc = berth_network_prune(ctx, removed, &err) < 0;
		if (json_array_size(removed)) {
			size_t i;
			json_t *n;
			puts("Deleted Networks:");
			json_array_foreach(removed, i, n)
				puts(json_string_value(n));
		}
		json_decref(removed);
		if (rc)
			cli_error("Error response", &err);
		return rc;
	}
	json_t *nets;
	if (berth_network_list(ctx, &nets, &err) < 0) {
		cli_error("Error", &err);
		return 1;
	}
	if (!strcmp(sub, "ls"))
		rc = network_ls(nets, argc, argv);
	else if (argc < 3)
		rc = cli_usage_error("network inspect", "\"berth network inspect\" requires at least 1 argument.");
	else
		rc = network_inspect(nets, argc - 2, argv + 2);
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
		puts("Usage:  berth reload\n\nRe-read daemon.json; repair what a killed command, a dead monitor or a reboot\n"
		     "left (containers, addresses, veths, namespaces, cgroups, CNI attachments);\n"
		     "restore bridges, firewall rules and DNS; apply restart policies");
		return 0;
	}
	if (cli_ctx(cli, &ctx) < 0)
		return 1;
	if (berth_reconcile(ctx, &err) < 0) {
		cli_error("Error", &err);
		return 1;
	}
	return 0;
}
