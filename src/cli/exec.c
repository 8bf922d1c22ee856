/* SPDX-License-Identifier: GPL-2.0-or-later */
/* berth exec */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

enum { OPT_HELP = 256 };

int cmd_exec(struct cli *cli, int argc, char **argv)
{
	static const struct option o[] = {
		{"interactive", no_argument, NULL, 'i'}, {"tty", no_argument, NULL, 't'},
		{"env", required_argument, NULL, 'e'}, {"help", no_argument, NULL, OPT_HELP}, {0}};
	struct berth_exec_opts eo = {0};
	struct berth_ctx *ctx;
	struct berth_error err = {0};
	char **env = calloc((size_t)argc + 1, sizeof(char *));
	size_t n_env = 0;
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:ite:", o, NULL)) != -1) {
		switch (c) {
		case 'i':
			eo.interactive = true;
			break;
		case 't':
			eo.tty = true;
			break;
		case 'e':
			env[n_env++] = optarg;
			break;
		case OPT_HELP:
			puts("Usage:  berth exec [-i] [-t] [-e KEY=VALUE] CONTAINER COMMAND [ARG...]\n\n"
			     "Run a command in a running container");
			free(env);
			return 0;
		default:
			free(env);
			return cli_usage_error("exec", "unknown flag: %s", argv[optind - 1]);
		}
	}
	if (eo.tty && eo.interactive && !isatty(0)) {
		free(env);
		fputs("the input device is not a TTY\n", stderr);
		return 1;
	}
	if (argc - optind < 2) {
		free(env);
		return cli_usage_error("exec", "\"berth exec\" requires at least 2 arguments.");
	}
	if (cli_ctx(cli, &ctx) < 0) {
		free(env);
		return 1;
	}
	const char *ref = argv[optind];
	eo.argv = argv + optind + 1;
	eo.env = env;
	int r = berth_container_exec(ctx, ref, &eo, &err);
	free(env);
	if (r < 0) {
		cli_error("Error", &err);
		if (eo.exec_failed)
			return err.code == -ENOENT ? 127 : 126;
		return 126;
	}
	return eo.exit_status;
}
