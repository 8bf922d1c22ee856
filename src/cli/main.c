/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "template.h"
#include <stdbool.h>

static const char usage[] =
	"Usage:  berth [OPTIONS] COMMAND\n"
	"\n"
	"Container networking without a daemon: Docker's bridge networking, in the kernel.\n"
	"\n"
	"Options:\n"
	"      --root DIR       persistent state (default /var/lib/berth, env BERTH_ROOT)\n"
	"      --run-root DIR   runtime state (default /run/berth, env BERTH_RUN_ROOT)\n"
	"      --config FILE    daemon.json settings (default /etc/berth/daemon.json, env BERTH_CONFIG)\n"
	"  -h, --help           print this help\n"
	"  -v, --version        print the version\n"
	"\n"
	"Commands:\n"
	"  run       Create and start a container:  berth run [OPTIONS] [--] CMD [ARG...]\n"
	"  create    Create a container without starting it\n"
	"  start     Start one or more stopped containers\n"
	"  attach    Attach to a running container's input and output\n"
	"  stop      Stop one or more running containers\n"
	"  kill      Kill one or more running containers\n"
	"  rm        Remove one or more containers\n"
	"  ps        List containers\n"
	"  inspect   Low-level information on containers (Docker's JSON, -f TEMPLATE)\n"
	"  exec      Run a command in a running container\n"
	"  logs      Print the logs of a container\n"
	"  port      List a container's published ports\n"
	"  stats     Resource usage of containers (CPU, memory, processes)\n"
	"  network   Manage networks (create, ls, inspect, rm, prune, connect, disconnect)\n"
	"  p2p       Point-to-point links between containers, or a container and the host\n"
	"  reload    Re-read daemon.json; repair what a killed command, a dead monitor or a\n"
	"            reboot left; restore bridges, rules and DNS; apply restart policies\n"
	"  system    prune (stopped containers, unused networks) or reset (everything)\n"
	"\n"
	"Run 'berth COMMAND --help' for more information on a command.\n";

static const struct {
	const char *name;
	int (*fn)(struct cli *, int, char **);
} verbs[] = {
	{"run", cmd_run},	  {"create", cmd_create}, {"start", cmd_start},
	{"stop", cmd_stop},	  {"kill", cmd_kill},	  {"rm", cmd_rm},
	{"ps", cmd_ps},		  {"inspect", cmd_inspect}, {"exec", cmd_exec},
	{"logs", cmd_logs},	  {"network", cmd_network}, {"reload", cmd_reload},
	{"port", cmd_port},	  {"p2p", cmd_p2p},	  {"stats", cmd_stats},
	{"system", cmd_system},	  {"attach", cmd_attach},
	{"_monitor-exit", cmd_monitor_exit}, /* berth-monitor's */
};

int cli_ctx(struct cli *cli, struct berth_ctx **out)
{
	if (!cli->ctx) {
		struct berth_error err = {0};
		if (berth_ctx_new(&cli->ctx, &cli->opts, &err) < 0) {
			cli_error("Error", &err);
			return -1;
		}
		/* After a reboot the first command repairs (containers with a
		 * restart policy come back). */
		if (berth_reconcile_after_boot(cli->ctx, &err) < 0)
			cli_error("Warning", &err);
	}
	*out = cli->ctx;
	return 0;
}

void cli_error(const char *prefix, const struct berth_error *err)
{
	fprintf(stderr, "%s: %s\n", prefix, err->msg[0] ? err->msg : "failed");
}

int cli_usage_error(const char *verb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nSee 'berth %s --help'.\n", verb);
	return 125;
}

int cli_print_template(const char *tmpl, json_t *v)
{
	struct berth_error err = {0};
	char *out = NULL;
	if (berth_template_render(tmpl, v, &out, &err) < 0) {
		cli_error("Error", &err);
		return 1;
	}
	printf("%s\n", out);
	free(out);
	return 0;
}

/* Docker's --format unescapes \t and \n. */
static char *unescape(const char *f)
{
	char *out = malloc(strlen(f) + 1), *o = out;
	if (!out)
		return NULL;
	for (; *f; f++) {
		if (f[0] == '\\' && (f[1] == 't' || f[1] == 'n')) {
			*o++ = f[1] == 't' ? '\t' : '\n';
			f++;
		} else {
			*o++ = *f;
		}
	}
	*o = '\0';
	return out;
}

static char *render(const char *tmpl, json_t *v, int *rc)
{
	struct berth_error err = {0};
	char *out = NULL;
	if (berth_template_render(tmpl, v, &out, &err) < 0) {
		cli_error("Error", &err);
		*rc = 1;
		return NULL;
	}
	return out;
}

/* Print tab-separated lines as aligned columns (3 spaces apart). */
static void print_table(char **lines, size_t n)
{
	size_t width[32] = {0};
	for (size_t i = 0; i < n; i++) {
		size_t col = 0, w = 0;
		for (const char *p = lines[i]; *p && col < 32; p++) {
			if (*p == '\t') {
				width[col] = w > width[col] ? w : width[col];
				col++;
				w = 0;
			} else if ((*p & 0xc0) != 0x80) {
				w++; /* count characters, not UTF-8 bytes */
			}
		}
	}
	for (size_t i = 0; i < n; i++) {
		size_t col = 0, w = 0;
		for (const char *p = lines[i]; *p; p++) {
			if (*p == '\t' && col < 32) {
				printf("%*s", (int)(width[col] - w + 3), "");
				col++;
				w = 0;
			} else {
				putchar(*p);
				w += (*p & 0xc0) != 0x80;
			}
		}
		putchar('\n');
	}
}

int cli_print_rows(const char *format, json_t *rows, const char *const headers[][2], size_t n_headers)
{
	size_t i;
	json_t *row;
	int rc = 0;
	if (!strcmp(format, "json")) {
		json_array_foreach(rows, i, row) {
			char *s = json_dumps(row, JSON_COMPACT | JSON_PRESERVE_ORDER);
			printf("%s\n", s);
			free(s);
		}
		return 0;
	}
	bool table = !strncmp(format, "table", 5) && (!format[5] || format[5] == ' ');
	char *tmpl = unescape(table ? format + 5 + (format[5] == ' ') : format);
	if (!tmpl)
		return 1;
	size_t n = json_array_size(rows) + 1, k = 0;
	char **lines = calloc(n, sizeof(char *));
	if (table && lines) {
		json_t *h = json_object();
		for (size_t j = 0; j < n_headers; j++)
			json_object_set_new(h, headers[j][0], json_string(headers[j][1]));
		lines[k] = render(tmpl, h, &rc);
		k += lines[k] != NULL;
		json_decref(h);
	}
	json_array_foreach(rows, i, row) {
		char *s = lines ? render(tmpl, row, &rc) : NULL;
		if (!s)
			break;
		lines[k++] = s;
	}
	if (table)
		print_table(lines, k);
	else
		for (size_t j = 0; j < k; j++)
			printf("%s\n", lines[j]);
	for (size_t j = 0; j < k; j++)
		free(lines[j]);
	free(lines);
	free(tmpl);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"root", required_argument, NULL, 'R'},
		{"run-root", required_argument, NULL, 'U'},
		{"config", required_argument, NULL, 'C'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'v'},
		{0},
	};
	struct cli cli = {0};
	int c;

	/* A closed pipe on our stdout is the reader's business, not a crash. */
	signal(SIGPIPE, SIG_IGN);
	while ((c = getopt_long(argc, argv, "+hv", opts, NULL)) != -1) {
		switch (c) {
		case 'R':
			cli.opts.root = optarg;
			break;
		case 'U':
			cli.opts.run_root = optarg;
			break;
		case 'C':
			cli.opts.config_path = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		case 'v':
			printf("berth version %s\n", BERTH_VERSION);
			return 0;
		default:
			fputs("See 'berth --help'.\n", stderr);
			return 125;
		}
	}
	if (optind >= argc) {
		fputs(usage, stderr);
		return 125;
	}
	const char *verb = argv[optind];
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
		if (strcmp(verb, verbs[i].name))
			continue;
		int sub_argc = argc - optind;
		char **sub_argv = argv + optind;
		optind = 0; /* reset getopt for the verb */
		int rc = verbs[i].fn(&cli, sub_argc, sub_argv);
		fflush(stdout);
		cli.ctx = berth_ctx_free(cli.ctx);
		return rc;
	}
	fprintf(stderr, "berth: '%s' is not a berth command.\nSee 'berth --help'\n", verb);
	return 125;
}
