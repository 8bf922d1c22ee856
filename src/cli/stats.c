/* SPDX-License-Identifier: GPL-2.0-or-later */
/* berth stats (one snapshot, like docker stats --no-stream) */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void human(double b, char *buf, size_t n)
{
	static const char *const u[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	int i = 0;
	while (b >= 1024 && i < 4) {
		b /= 1024;
		i++;
	}
	snprintf(buf, n, "%.4g%s", b, u[i]);
}

int cmd_stats(struct cli *cli, int argc, char **argv)
{
	struct berth_ctx *ctx;
	int rc = 0, first = 1;
	if (argc >= 2 && !strcmp(argv[1], "--help")) {
		puts("Usage:  berth stats [--no-stream] CONTAINER [CONTAINER...]\n\n"
		     "Resource usage of containers (one snapshot)");
		return 0;
	}
	if (argc >= 2 && !strcmp(argv[1], "--no-stream"))
		first = 2;
	if (argc <= first)
		return cli_usage_error("stats", "\"berth stats\" requires at least 1 argument.");
	if (cli_ctx(cli, &ctx) < 0)
		return 1;
	printf("%-14s %-20s %-8s %-24s %-8s %s\n", "CONTAINER ID", "NAME", "CPU %", "MEM USAGE / LIMIT",
	       "MEM %", "PIDS");
	for (int i = first; i < argc; i++) {
		struct berth_error err = {0};
		json_t *s;
		if (berth_container_stats(ctx, argv[i], &s, &err) < 0) {
			cli_error("Error", &err);
			rc = 1;
			continue;
		}
		json_t *mem = json_object_get(s, "memory"), *pids = json_object_get(s, "pids");
		json_int_t use = json_integer_value(json_object_get(mem, "usage"));
		json_int_t lim = json_integer_value(json_object_get(mem, "limit"));
		char u[32] = "--", l[32] = "--", usage[64], pct[16] = "--", np[16] = "--";
		if (use >= 0 && mem)
			human((double)use, u, sizeof(u));
		if (lim > 0 && lim < (json_int_t)1 << 62) {
			human((double)lim, l, sizeof(l));
			snprintf(pct, sizeof(pct), "%.2f%%", 100.0 * (double)use / (double)lim);
		}
		snprintf(usage, sizeof(usage), "%s / %s", u, l);
		if (pids && json_integer_value(json_object_get(pids, "current")) >= 0)
			snprintf(np, sizeof(np), "%lld", (long long)json_integer_value(json_object_get(pids, "current")));
		printf("%-14.12s %-20s %-8.2f %-24s %-8s %s\n", json_string_value(json_object_get(s, "Id")),
		       json_string_value(json_object_get(s, "Name")),
		       json_real_value(json_object_get(s, "cpu_percent")), usage, pct, np);
		json_decref(s);
	}
	return rc;
}
