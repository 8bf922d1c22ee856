/* SPDX-License-Identifier: GPL-2.0-or-later */
/* berth logs */
#include <stdio.h>
#include <string.h>

#include "cli.h"

int cmd_logs(struct cli *cli, int argc, char **argv)
{
	struct berth_ctx *ctx;
	struct berth_error err = {0};
	if (argc == 2 && !strcmp(argv[1], "--help")) {
		puts("Usage:  berth logs CONTAINER\n\nPrint the output of a container (stdout and stderr apart)");
		return 0;
	}
	if (argc != 2)
		return cli_usage_error("logs", "\"berth logs\" requires exactly 1 argument.");
	if (cli_ctx(cli, &ctx) < 0)
		return 1;
	fflush(stdout);
	if (berth_container_logs(ctx, argv[1], 1, 2, &err) < 0) {
		cli_error("Error", &err);
		return 1;
	}
	return 0;
}
