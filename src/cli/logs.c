/* SPDX-License-Identifier: GPL-2.0-or-later */
/* berth logs */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

int cmd_logs(struct cli *cli, int argc, char **argv)
{
	struct berth_ctx *ctx;
	struct berth_error err = {0};
	if (argc == 2 && !strcmp(argv[1], "--help")) {
		puts("Usage:  berth logs CONTAINER\n\nPrint the output of a container");
		return 0;
	}
	if (argc != 2)
		return cli_usage_error("logs", "\"berth logs\" requires exactly 1 argument.");
	if (cli_ctx(cli, &ctx) < 0)
		return 1;
	int fd = berth_container_log_open(ctx, argv[1], &err);
	if (fd < 0) {
		cli_error("Error", &err);
		return 1;
	}
	char buf[65536];
	ssize_t n;
	fflush(stdout);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (write(1, buf, (size_t)n) != n)
			break;
	close(fd);
	return 0;
}
