/* SPDX-License-Identifier: GPL-2.0-or-later */
/* berth system prune | reset */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
	"Usage:  berth system COMMAND\n"
	"\n"
	"Manage berth\n"
	"\n"
	"Commands:\n"
	"  prune [-f]   Remove all stopped containers and all networks not used by at least one container\n"
	"  reset [-f]   Remove everything berth made: all containers (running ones are killed), all\n"
	"               networks and their bridges, berth-cni attachments, firewall rules (but the\n"
	"               user chain), DNS servers, and the store\n"
	"\n"
	"Options:\n"
	"  -f, --force  Do not prompt for confirmation\n";

static bool confirm(const char *what)
{
	char line[16] = "";
	printf("WARNING! This will remove:\n%s\nAre you sure you want to continue? [y/N] ", what);
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return false;
	return line[0] == 'y' || line[0] == 'Y';
}

static void print_list(const char *title, json_t *a)
{
	size_t i;
	json_t *v;
	if (!json_array_size(a))
		return;
	printf("%s:\n", title);
	json_array_foreach(a, i, v)
		puts(json_string_value(v));
	putchar('\n');
}

int cmd_system(struct cli *cli, int argc, char **argv)
{
	struct berth_ctx *ctx;
	struct berth_error err = {0};
	bool force = false;
	if (argc < 2 || !strcmp(argv[1], "--help")) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? 1 : 0;
	}
	const char *sub = argv[1];
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "-f") || !strcmp(argv[i], "--force"))
			force = true;
		else if (!strcmp(argv[i], "--help")) {
			fputs(usage, stdout);
			return 0;
		} else
			return cli_usage_error("system", "unknown flag: %s", argv[i]);
	}
	if (strcmp(sub, "prune") && strcmp(sub, "reset"))
		return cli_usage_error("system", "berth system: unknown command \"%s\"", sub);
	bool prune = !strcmp(sub, "prune");
	if (!force && !confirm(prune ? "  - all stopped containers\n  - all networks not used by at least one container\n"
				     : "  - all containers, running or not\n  - all networks, their bridges and berth-cni attachments\n"
				       "  - all of berth's firewall rules (the user chain stays) and DNS servers\n  - berth's store\n"))
		return 0;
	if (cli_ctx(cli, &ctx) < 0)
		return 1;
	if (!prune) {
		if (berth_system_reset(ctx, &err) < 0) {
			cli_error("Error", &err);
			return 1;
		}
		return 0;
	}
	json_t *ctrs = json_array(), *nets = json_array();
	int r = berth_system_prune(ctx, ctrs, nets, &err);
	print_list("Deleted Containers", ctrs);
	print_list("Deleted Networks", nets);
	puts("Total reclaimed space: 0B");
	json_decref(ctrs);
	json_decref(nets);
	if (r < 0) {
		cli_error("Error response", &err);
		return 1;
	}
	return 0;
}
