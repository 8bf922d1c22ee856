/* SPDX-License-Identifier: GPL-2.0-or-later */
/* berth stop | kill | rm */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum { OPT_HELP = 256 };

static int parse_signal(const char *s)
{
	static const struct {
		const char *name;
		int sig;
	} sigs[] = {
		{"KILL", SIGKILL}, {"TERM", SIGTERM}, {"INT", SIGINT}, {"HUP", SIGHUP},
		{"QUIT", SIGQUIT}, {"USR1", SIGUSR1}, {"USR2", SIGUSR2}, {"STOP", SIGSTOP},
		{"CONT", SIGCONT}, {"ALRM", SIGALRM}, {"WINCH", SIGWINCH},
	};
	char *end;
	long n = strtol(s, &end, 10);
	if (*s && !*end)
		return n > 0 && n < 65 ? (int)n : -1;
	if (!strncasecmp(s, "SIG", 3))
		s += 3;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (!strcasecmp(s, sigs[i].name))
			return sigs[i].sig;
	return -1;
}

/* Shared shape of stop/kill/rm: options, then one or more containers. */
static int each(struct cli *cli, const char *verb, int argc, char **argv, const char *shortopts,
		const struct option *longopts, const char *help,
		int (*opt)(int c, const char *arg, void *data),
		int (*act)(struct berth_ctx *, const char *, void *, struct berth_error *), void *data)
{
	struct berth_ctx *ctx;
	int c, rc = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		if (c == OPT_HELP) {
			fputs(help, stdout);
			return 0;
		}
		if (c == ':')
			return cli_usage_error(verb, "flag needs an argument: %s", argv[optind - 1]);
		if (c == '?')
			return cli_usage_error(verb, "unknown flag: %s", argv[optind - 1]);
		int r = opt(c, optarg, data);
		if (r >= 0)
			return r;
	}
	if (optind >= argc)
		return cli_usage_error(verb, "\"berth %s\" requires at least 1 argument.", verb);
	if (cli_ctx(cli, &ctx) < 0)
		return 1;
	for (int i = optind; i < argc; i++) {
		struct berth_error err = {0};
		if (act(ctx, argv[i], data, &err) < 0) {
			cli_error("Error response", &err);
			rc = 1;
			continue;
		}
		printf("%s\n", argv[i]);
	}
	return rc;
}

static int stop_opt(int c, const char *arg, void *data)
{
	char *end;
	long t = strtol(arg, &end, 10);
	if (!*arg || *end || t < -1 || t > 86400)
		return cli_usage_error("stop", "invalid argument \"%s\" for \"-t, --time\" flag: want seconds", arg);
	*(int *)data = (int)t;
	return -1;
}

static int stop_act(struct berth_ctx *ctx, const char *ref, void *data, struct berth_error *err)
{
	return berth_container_stop(ctx, ref, *(int *)data, err);
}

int cmd_stop(struct cli *cli, int argc, char **argv)
{
	static const struct option o[] = {
		{"time", required_argument, NULL, 't'}, {"help", no_argument, NULL, OPT_HELP}, {0}};
	int timeout = 10;
	return each(cli, "stop", argc, argv, "+:t:", o,
		    "Usage:  berth stop [-t SECONDS] CONTAINER [CONTAINER...]\n\n"
		    "Stop one or more running containers (SIGTERM, then SIGKILL after -t seconds, default 10)\n",
		    stop_opt, stop_act, &timeout);
}

static int kill_opt(int c, const char *arg, void *data)
{
	int sig = parse_signal(arg);
	if (sig < 0)
		return cli_usage_error("kill", "invalid signal: %s", arg);
	*(int *)data = sig;
	return -1;
}

static int kill_act(struct berth_ctx *ctx, const char *ref, void *data, struct berth_error *err)
{
	return berth_container_kill(ctx, ref, *(int *)data, err);
}

int cmd_kill(struct cli *cli, int argc, char **argv)
{
	static const struct option o[] = {
		{"signal", required_argument, NULL, 's'}, {"help", no_argument, NULL, OPT_HELP}, {0}};
	int sig = SIGKILL;
	return each(cli, "kill", argc, argv, "+:s:", o,
		    "Usage:  berth kill [-s SIGNAL] CONTAINER [CONTAINER...]\n\n"
		    "Kill one or more running containers (default signal KILL)\n",
		    kill_opt, kill_act, &sig);
}

static int rm_opt(int c, const char *arg, void *data)
{
	*(bool *)data = true;
	return -1;
}

static int rm_act(struct berth_ctx *ctx, const char *ref, void *data, struct berth_error *err)
{
	return berth_container_remove(ctx, ref, *(bool *)data, err);
}

int cmd_rm(struct cli *cli, int argc, char **argv)
{
	static const struct option o[] = {
		{"force", no_argument, NULL, 'f'}, {"help", no_argument, NULL, OPT_HELP}, {0}};
	bool force = false;
	return each(cli, "rm", argc, argv, "+:f", o,
		    "Usage:  berth rm [-f] CONTAINER [CONTAINER...]\n\n"
		    "Remove one or more containers (-f: kill a running one first)\n",
		    rm_opt, rm_act, &force);
}

/* berth _monitor-exit ID WSTATUS: what berth-monitor execs once the container
 * it watched has ended (not a user's command: not in --help). */
int cmd_monitor_exit(struct cli *cli, int argc, char **argv)
{
	struct berth_ctx *ctx;
	char *end = NULL;
	long ws = argc == 3 ? strtol(argv[2], &end, 10) : -1;
	if (argc != 3 || *end || ws < 0 || ws > 0xffff) {
		fprintf(stderr, "\"berth _monitor-exit\" is berth-monitor's, with a container's ID and wait status\n");
		return 125;
	}
	if (cli_ctx(cli, &ctx) < 0)
		return 1;
	berth_monitor_exited(ctx, argv[1], (int)ws);
}
