/* SPDX-License-Identifier: GPL-2.0-or-later */
/* berth p2p connect | ls | inspect | rm */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
	"Usage:  berth p2p COMMAND\n"
	"\n"
	"Point-to-point links: a private veth wire between two containers, or a container\n"
	"and the host, with a /32 address on each end and a route to the peer. No bridge.\n"
	"\n"
	"Commands:\n"
	"  connect [--name NAME] [--mtu N] CONTAINER:ADDR CONTAINER|host:ADDR\n"
	"  ls [--format TEMPLATE|json]\n"
	"  inspect LINK [LINK...]\n"
	"  rm LINK [LINK...]\n"
	"\n"
	"Example:  berth p2p connect --name wire c1:10.1.1.1 c2:10.1.1.2\n"
	"Links go down when a container stops and come back when it starts; `rm` of a\n"
	"container removes its links.\n";

/* "name:addr" -> name, addr (split at the last ':'). */
static int split_end(char *s, const char **ctr, const char **addr)
{
	char *c = strrchr(s, ':');
	if (!c || c == s || !c[1])
		return -1;
	*c = '\0';
	*ctr = s;
	*addr = c + 1;
	return 0;
}

static int p2p_connect(struct berth_ctx *ctx, int argc, char **argv)
{
	static const struct option o[] = {
		{"name", required_argument, NULL, 'n'}, {"mtu", required_argument, NULL, 'm'}, {0}};
	struct berth_p2p_opts po = {0};
	struct berth_error err = {0};
	char name[64];
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:", o, NULL)) != -1) {
		char *end;
		if (c == 'n') {
			po.name = optarg;
		} else if (c == 'm') {
			unsigned long m = strtoul(optarg, &end, 10);
			if (!*optarg || *end || m < 68 || m > 65535)
				return cli_usage_error("p2p connect", "invalid argument \"%s\" for \"--mtu\": want 68-65535",
						       optarg);
			po.mtu = (unsigned)m;
		} else
			return cli_usage_error("p2p connect", "unknown flag: %s", argv[optind - 1]);
	}
	if (argc - optind != 2 || split_end(argv[optind], &po.a, &po.a_addr) < 0 ||
	    split_end(argv[optind + 1], &po.b, &po.b_addr) < 0)
		return cli_usage_error("p2p connect",
				       "\"berth p2p connect\" wants CONTAINER:ADDR CONTAINER|host:ADDR");
	if (berth_p2p_create(ctx, &po, name, &err) < 0) {
		cli_error("Error", &err);
		return 1;
	}
	printf("%s\n", name);
	return 0;
}

static json_t *find(json_t *links, const char *name)
{
	size_t i;
	json_t *l;
	json_array_foreach(links, i, l)
		if (!strcmp(json_string_value(json_object_get(l, "Name")), name))
			return l;
	return NULL;
}

int cmd_p2p(struct cli *cli, int argc, char **argv)
{
	struct berth_ctx *ctx;
	struct berth_error err = {0};
	if (argc < 2 || !strcmp(argv[1], "--help")) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? 125 : 0;
	}
	const char *sub = argv[1];
	if (strcmp(sub, "connect") && strcmp(sub, "ls") && strcmp(sub, "inspect") && strcmp(sub, "rm"))
		return cli_usage_error("p2p", "unknown p2p command: %s", sub);
	if (cli_ctx(cli, &ctx) < 0)
		return 1;
	if (!strcmp(sub, "connect"))
		return p2p_connect(ctx, argc - 1, argv + 1);
	int rc = 0;
	if (!strcmp(sub, "rm")) {
		if (argc < 3)
			return cli_usage_error("p2p rm", "\"berth p2p rm\" requires at least 1 argument.");
		for (int i = 2; i < argc; i++) {
			if (berth_p2p_remove(ctx, argv[i], &err) < 0) {
				cli_error("Error", &err);
				rc = 1;
			} else {
				printf("%s\n", argv[i]);
			}
		}
		return rc;
	}
	json_t *links;
	if (berth_p2p_list(ctx, &links, &err) < 0) {
		cli_error("Error", &err);
		return 1;
	}
	if (!strcmp(sub, "inspect")) {
		json_t *out = json_array();
		if (argc < 3)
			rc = cli_usage_error("p2p inspect", "\"berth p2p inspect\" requires at least 1 argument.");
		for (int i = 2; i < argc; i++) {
			json_t *l = find(links, argv[i]);
			if (l) {
				json_array_append(out, l);
			} else {
				fprintf(stderr, "Error: No such link: %s\n", argv[i]);
				rc = 1;
			}
		}
		if (argc >= 3) {
			char *s = json_dumps(out, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
			printf("%s\n", s);
			free(s);
		}
		json_decref(out);
	} else {
		static const char *const heads[][2] = {
			{"Name", "NAME"}, {"EndA", "END A"}, {"EndB", "END B"}, {"State", "STATE"}, {"Mtu", "MTU"}};
		const char *format = NULL;
		for (int i = 2; i < argc && !rc; i++) {
			if (!strcmp(argv[i], "--format") && i + 1 < argc)
				format = argv[++i];
			else if (!strncmp(argv[i], "--format=", 9))
				format = argv[i] + 9;
			else
				rc = cli_usage_error("p2p ls", "unknown flag: %s", argv[i]);
		}
		size_t i;
		json_t *l, *rows = json_array();
		json_array_foreach(links, i, l) {
			json_t *e = json_object_get(l, "Ends"), *row = json_deep_copy(l);
			char ends[2][160];
			for (int k = 0; k < 2; k++)
				snprintf(ends[k], sizeof(ends[k]), "%s %s/%s",
					 json_string_value(json_object_get(json_array_get(e, k), "Container")),
					 json_string_value(json_object_get(json_array_get(e, k), "Interface")),
					 json_string_value(json_object_get(json_array_get(e, k), "Address")));
			json_object_set_new(row, "EndA", json_string(ends[0]));
			json_object_set_new(row, "EndB", json_string(ends[1]));
			json_object_set_new(row, "State",
					    json_string(json_is_true(json_object_get(l, "Up")) ? "up" : "down"));
			json_array_append_new(rows, row);
		}
		if (!rc && format && !strcmp(format, "json"))
			rc = cli_print_rows(format, links, heads, 0);
		else if (!rc)
			rc = cli_print_rows(format ? format : "table {{.Name}}\t{{.EndA}}\t{{.EndB}}\t{{.State}}",
					    rows, heads, sizeof(heads) / sizeof(heads[0]));
		json_decref(rows);
	}
	json_decref(links);
	return rc;
}
