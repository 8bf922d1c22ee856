/* SPDX-License-Identifier: GPL-2.0-or-later */
/* berth inspect */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

enum { OPT_HELP = 256 };

int cmd_inspect(struct cli *cli, int argc, char **argv)
{
	static const struct option o[] = {
		{"format", required_argument, NULL, 'f'}, {"help", no_argument, NULL, OPT_HELP}, {0}};
	const char *format = NULL;
	struct berth_ctx *ctx;
	int c, rc = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:f:", o, NULL)) != -1) {
		if (c == 'f')
			format = optarg;
		else if (c == OPT_HELP) {
			puts("Usage:  berth inspect [-f TEMPLATE] CONTAINER [CONTAINER...]\n\n"
			     "Docker-shaped JSON for containers; -f renders a Go template, e.g. '{{.State.Pid}}'");
			return 0;
		} else if (c == ':')
			return cli_usage_error("inspect", "flag needs an argument: %s", argv[optind - 1]);
		else
			return cli_usage_error("inspect", "unknown flag: %s", argv[optind - 1]);
	}
	if (optind >= argc)
		return cli_usage_error("inspect", "\"berth inspect\" requires at least 1 argument.");
	if (cli_ctx(cli, &ctx) < 0)
		return 1;
	json_t *all = json_array();
	for (int i = optind; i < argc; i++) {
		struct berth_error err = {0};
		json_t *doc;
		if (berth_container_inspect(ctx, argv[i], &doc, &err) < 0) {
			fprintf(stderr, "Error: No such object: %s\n", argv[i]);
			rc = 1;
			continue;
		}
		if (format)
			rc |= cli_print_template(format, doc);
		json_array_append_new(all, doc);
	}
	if (!format) {
		char *s = json_dumps(all, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
		printf("%s\n", s);
		free(s);
	}
	json_decref(all);
	return rc;
}
