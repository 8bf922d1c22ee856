/* SPDX-License-Identifier: GPL-2.0-or-later */
/* berth run | create | start | attach */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char run_usage[] =
	"Usage:  berth %s [OPTIONS] [--] COMMAND [ARG...]\n"
	"\n"
	"%s\n"
	"\n"
	"Options:\n"
	"  -d, --detach               Run in the background and print the container ID\n"
	"      --rm                   Remove the container when it exits\n"
	"      --restart POLICY       Restart policy when the container exits: no, on-failure[:N],\n"
	"                             always, unless-stopped\n"
	"  -i, --interactive          Keep STDIN open\n"
	"  -t, --tty                  Allocate a pseudo-TTY\n"
	"      --name NAME            Assign a name to the container\n"
	"  -h, --hostname NAME        Container host name\n"
	"  -e, --env KEY=VALUE        Set an environment variable (repeatable)\n"
	"      --network, --net MODE  bridge (default), none, host, container:NAME, or a\n"
	"                             network made with `berth network create`\n"
	"      --ip ADDR              IPv4 address on the bridge (e.g. 172.17.0.10)\n"
	"      --mac-address MAC      MAC address (e.g. 02:42:ac:11:00:0a)\n"
	"      --rootfs DIR           Run from DIR instead of an overlay over the host root\n"
	"      --link NAME[:ALIAS]    Add a link to another container (repeatable)\n"
	"      --expose PORT[/PROTO]  Expose a port or a range of ports (repeatable)\n"
	"  -p, --publish SPEC         Publish a port: [IP:][HOSTPORT:]PORT[/PROTO], ranges\n"
	"                             8000-8099:8000-8099 or 8000-8099:80, [::]:8080:80\n"
	"  -P, --publish-all          Publish every exposed port on a random host port\n"
	"      --network-alias NAME   Another name on a user-defined network (repeatable)\n"
	"      --dns IP               A nameserver for the container (repeatable)\n"
	"      --dns-search DOMAIN    A DNS search domain (repeatable)\n"
	"      --dns-option OPT       A resolv.conf option (repeatable)\n"
	"      --add-host NAME:IP     A line in the container's /etc/hosts (repeatable)\n"
	"      --privileged           All capabilities, no seccomp filter\n"
	"      --cap-add CAP          Add a capability (NET_ADMIN, ALL, ...; repeatable)\n"
	"      --cap-drop CAP         Drop a capability (repeatable)\n"
	"      --security-opt OPT     seccomp=unconfined, no-new-privileges[:true|false]\n"
	"  -m, --memory BYTES         Memory limit (e.g. 512m)\n"
	"      --memory-swap BYTES    Memory + swap limit (-1: unlimited swap)\n"
	"      --cpus N               CPU limit (e.g. 1.5)\n"
	"  -c, --cpu-shares N         CPU shares (relative weight)\n"
	"      --pids-limit N         Maximum number of processes\n"
	"  -v, --volume HOST:CTR[:ro] Bind-mount a host path (repeatable)\n"
	"      --tmpfs PATH[:OPTS]    Mount a tmpfs (repeatable)\n"
	"      --read-only            Mount the container's root read-only\n"
	"      --pid host|--ipc host|--uts host   Share the host's namespace\n"
	"      --userns UID[:COUNT]   Root inside is UID outside (a user namespace mapping\n"
	"                             COUNT ids from UID; default count 65536)\n"
	"      --help                 Print usage\n";

enum {
	OPT_RM = 256, OPT_NAME, OPT_NET, OPT_IP, OPT_MAC, OPT_ROOTFS, OPT_HELP, OPT_LINK,
	OPT_EXPOSE, OPT_ALIAS, OPT_DNS, OPT_DNS_SEARCH, OPT_DNS_OPTION, OPT_ADD_HOST,
	OPT_PRIV, OPT_CAP_ADD, OPT_CAP_DROP, OPT_SECOPT, OPT_SWAP, OPT_CPUS, OPT_PIDS,
	OPT_TMPFS, OPT_RO, OPT_PID, OPT_IPC, OPT_UTS, OPT_USERNS, OPT_RESTART,
};

/* The repeatable flags, collected into NULL-terminated lists. */
struct lists {
	char **env, **links, **expose, **publish, **owned;
	size_t n_env, n_links, n_expose, n_publish, n_owned;
	char **aliases, **dns, **dns_search, **dns_options, **add_hosts;
	size_t n_aliases, n_dns, n_dns_search, n_dns_options, n_add_hosts;
	char **cap_add, **cap_drop, **secopt, **volumes, **tmpfs;
	size_t n_cap_add, n_cap_drop, n_secopt, n_volumes, n_tmpfs;
};

static void lists_free(struct lists *l)
{
	free(l->env);
	free(l->links);
	free(l->expose);
	free(l->publish);
	for (size_t i = 0; i < l->n_owned; i++)
		free(l->owned[i]);
	free(l->owned);
	free(l->aliases);
	free(l->dns);
	free(l->dns_search);
	free(l->dns_options);
	free(l->add_hosts);
	free(l->cap_add);
	free(l->cap_drop);
	free(l->secopt);
	free(l->volumes);
	free(l->tmpfs);
}

static int parse_run(const char *verb, int argc, char **argv, struct berth_run_opts *o,
		     bool *detach, struct lists *ls)
{
	static const struct option opts[] = {
		{"detach", no_argument, NULL, 'd'},
		{"rm", no_argument, NULL, OPT_RM},
		{"interactive", no_argument, NULL, 'i'},
		{"tty", no_argument, NULL, 't'},
		{"name", required_argument, NULL, OPT_NAME},
		{"hostname", required_argument, NULL, 'h'},
		{"env", required_argument, NULL, 'e'},
		{"network", required_argument, NULL, OPT_NET},
		{"net", required_argument, NULL, OPT_NET},
		{"ip", required_argument, NULL, OPT_IP},
		{"mac-address", required_argument, NULL, OPT_MAC},
		{"rootfs", required_argument, NULL, OPT_ROOTFS},
		{"link", required_argument, NULL, OPT_LINK},
		{"expose", required_argument, NULL, OPT_EXPOSE},
		{"publish", required_argument, NULL, 'p'},
		{"publish-all", no_argument, NULL, 'P'},
		{"network-alias", required_argument, NULL, OPT_ALIAS},
		{"dns", required_argument, NULL, OPT_DNS},
		{"dns-search", required_argument, NULL, OPT_DNS_SEARCH},
		{"dns-option", required_argument, NULL, OPT_DNS_OPTION},
		{"add-host", required_argument, NULL, OPT_ADD_HOST},
		{"privileged", no_argument, NULL, OPT_PRIV},
		{"cap-add", required_argument, NULL, OPT_CAP_ADD},
		{"cap-drop", required_argument, NULL, OPT_CAP_DROP},
		{"security-opt", required_argument, NULL, OPT_SECOPT},
		{"memory", required_argument, NULL, 'm'},
		{"memory-swap", required_argument, NULL, OPT_SWAP},
		{"cpus", required_argument, NULL, OPT_CPUS},
		{"cpu-shares", required_argument, NULL, 'c'},
		{"pids-limit", required_argument, NULL, OPT_PIDS},
		{"volume", required_argument, NULL, 'v'},
		{"tmpfs", required_argument, NULL, OPT_TMPFS},
		{"read-only", no_argument, NULL, OPT_RO},
		{"pid", required_argument, NULL, OPT_PID},
		{"ipc", required_argument, NULL, OPT_IPC},
		{"uts", required_argument, NULL, OPT_UTS},
		{"userns", required_argument, NULL, OPT_USERNS},
		{"restart", required_argument, NULL, OPT_RESTART},
		{"help", no_argument, NULL, OPT_HELP},
		{0},
	};
	int c;
	opterr = 0;
	ls->env = calloc((size_t)argc + 1, sizeof(char *));
	ls->links = calloc((size_t)argc + 1, sizeof(char *));
	ls->expose = calloc((size_t)argc + 1, sizeof(char *));
	ls->publish = calloc((size_t)argc + 1, sizeof(char *));
	ls->owned = calloc((size_t)argc + 1, sizeof(char *));
	ls->aliases = calloc((size_t)argc + 1, sizeof(char *));
	ls->dns = calloc((size_t)argc + 1, sizeof(char *));
	ls->dns_search = calloc((size_t)argc + 1, sizeof(char *));
	ls->dns_options = calloc((size_t)argc + 1, sizeof(char *));
	ls->add_hosts = calloc((size_t)argc + 1, sizeof(char *));
	ls->cap_add = calloc((size_t)argc + 1, sizeof(char *));
	ls->cap_drop = calloc((size_t)argc + 1, sizeof(char *));
	ls->secopt = calloc((size_t)argc + 1, sizeof(char *));
	ls->volumes = calloc((size_t)argc + 1, sizeof(char *));
	ls->tmpfs = calloc((size_t)argc + 1, sizeof(char *));
	while ((c = getopt_long(argc, argv, "+:dith:e:p:Pm:c:v:", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			*detach = true;
			break;
		case OPT_RM:
			o->auto_remove = true;
			break;
		case OPT_RESTART:
			o->restart = optarg;
			break;
		case 'i':
			o->interactive = true;
			break;
		case 't':
			o->tty = true;
			break;
		case OPT_NAME:
			o->name = optarg;
			break;
		case 'h':
			o->hostname = optarg;
			break;
		case 'e':
			/* Docker: "-e KEY" passes the caller's KEY on, if set. */
			if (strchr(optarg, '=')) {
				ls->env[ls->n_env++] = optarg;
			} else if (getenv(optarg)) {
				char *kv = NULL;
				if (asprintf(&kv, "%s=%s", optarg, getenv(optarg)) >= 0)
					ls->env[ls->n_env++] = ls->owned[ls->n_owned++] = kv;
			}
			break;
		case OPT_LINK:
			ls->links[ls->n_links++] = optarg;
			break;
		case OPT_EXPOSE:
			ls->expose[ls->n_expose++] = optarg;
			break;
		case 'p':
			ls->publish[ls->n_publish++] = optarg;
			break;
		case 'P':
			o->publish_all = true;
			break;
		case OPT_ALIAS:
			ls->aliases[ls->n_aliases++] = optarg;
			break;
		case OPT_DNS:
			ls->dns[ls->n_dns++] = optarg;
			break;
		case OPT_DNS_SEARCH:
			ls->dns_search[ls->n_dns_search++] = optarg;
			break;
		case OPT_DNS_OPTION:
			ls->dns_options[ls->n_dns_options++] = optarg;
			break;
		case OPT_ADD_HOST:
			ls->add_hosts[ls->n_add_hosts++] = optarg;
			break;
		case OPT_PRIV:
			o->privileged = true;
			break;
		case OPT_CAP_ADD:
			ls->cap_add[ls->n_cap_add++] = optarg;
			break;
		case OPT_CAP_DROP:
			ls->cap_drop[ls->n_cap_drop++] = optarg;
			break;
		case OPT_SECOPT:
			ls->secopt[ls->n_secopt++] = optarg;
			break;
		case 'm':
			o->memory = optarg;
			break;
		case OPT_SWAP:
			o->memory_swap = optarg;
			break;
		case OPT_CPUS:
			o->cpus = optarg;
			break;
		case 'c':
		case OPT_PIDS: {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (!*optarg || *end)
				return cli_usage_error(verb, "invalid argument \"%s\" for \"%s\" flag: want an integer",
						       optarg, c == 'c' ? "--cpu-shares" : "--pids-limit");
			if (c == 'c')
				o->cpu_shares = v;
			else
				o->pids_limit = v;
			break;
		}
		case 'v':
			ls->volumes[ls->n_volumes++] = optarg;
			break;
		case OPT_TMPFS:
			ls->tmpfs[ls->n_tmpfs++] = optarg;
			break;
		case OPT_RO:
			o->read_only = true;
			break;
		case OPT_PID:
			o->pid_mode = optarg;
			break;
		case OPT_IPC:
			o->ipc_mode = optarg;
			break;
		case OPT_UTS:
			o->uts_mode = optarg;
			break;
		case OPT_USERNS:
			o->userns = optarg;
			break;
		case OPT_NET:
			o->network = optarg;
			break;
		case OPT_IP:
			o->ip = optarg;
			break;
		case OPT_MAC:
			o->mac = optarg;
			break;
		case OPT_ROOTFS:
			o->rootfs = optarg;
			break;
		case OPT_HELP:
			printf(run_usage, verb,
			       !strcmp(verb, "run") ? "Create and run a new container"
						    : "Create a new container");
			return 0;
		case ':':
			return cli_usage_error(verb, "flag needs an argument: %s", argv[optind - 1]);
		default:
			if (optopt)
				return cli_usage_error(verb, "unknown shorthand flag: '%c' in -%c", optopt, optopt);
			return cli_usage_error(verb, "unknown flag: %s", argv[optind - 1]);
		}
	}
	if (optind < argc && !strcmp(argv[optind], "--"))
		optind++;
	if (optind >= argc)
		return cli_usage_error(verb, "\"berth %s\" requires a command to run", verb);
	/* (only where our stdin goes to it: not with -d, nor for create) */
	if (o->tty && o->interactive && !*detach && !strcmp(verb, "run") && !isatty(0)) {
		fputs("the input device is not a TTY\n", stderr);
		return 1;
	}
	o->argv = argv + optind;
	o->env = ls->env;
	o->links = ls->links;
	o->expose = ls->expose;
	o->publish = ls->publish;
	o->aliases = ls->aliases;
	o->dns = ls->dns;
	o->dns_search = ls->dns_search;
	o->dns_options = ls->dns_options;
	o->add_hosts = ls->add_hosts;
	o->cap_add = ls->cap_add;
	o->cap_drop = ls->cap_drop;
	o->security_opt = ls->secopt;
	o->volumes = ls->volumes;
	o->tmpfs = ls->tmpfs;
	return -1; /* parsed: go on */
}

static int create(struct cli *cli, const char *verb, int argc, char **argv, bool *detach,
		  struct berth_run_opts *o, char id[65])
{
	struct berth_ctx *ctx;
	struct berth_error err = {0};
	struct lists ls = {0};
	int rc = parse_run(verb, argc, argv, o, detach, &ls);
	if (rc >= 0) {
		lists_free(&ls);
		return rc;
	}
	if (cli_ctx(cli, &ctx) < 0) {
		lists_free(&ls);
		return 125;
	}
	int r = berth_container_create(ctx, o, id, &err);
	lists_free(&ls);
	if (r < 0) {
		cli_error("berth", &err);
		return 125;
	}
	return -1;
}

int cmd_create(struct cli *cli, int argc, char **argv)
{
	struct berth_run_opts o = {0};
	bool detach = false;
	char id[65];
	int rc = create(cli, "create", argc, argv, &detach, &o, id);
	if (rc >= 0)
		return rc;
	printf("%s\n", id);
	return 0;
}

int cmd_run(struct cli *cli, int argc, char **argv)
{
	struct berth_run_opts o = {0};
	struct berth_error err = {0};
	bool detach = false;
	char id[65];
	int rc = create(cli, "run", argc, argv, &detach, &o, id);
	if (rc >= 0)
		return rc;
	struct berth_start st = {.attach = !detach};
	int r = berth_container_start(cli->ctx, id, &st, &err);
	if (r < 0) {
		/* As Docker's: the container stays, created, unless --rm. */
		cli_error("berth", &err);
		if (st.exec_failed)
			return err.code == -ENOENT ? 127 : 126;
		return 125;
	}
	if (detach) {
		printf("%s\n", id);
		return 0;
	}
	return st.exit_status;
}

/* The detach keys were typed: Docker's client says so, and exits 1. */
static int detached(void)
{
	fputs("read escape sequence\n", stderr);
	return 1;
}

int cmd_start(struct cli *cli, int argc, char **argv)
{
	static const struct option lo[] = {
		{"attach", no_argument, NULL, 'a'}, {"interactive", no_argument, NULL, 'i'},
		{"help", no_argument, NULL, OPT_HELP}, {0}};
	struct berth_ctx *ctx;
	bool attach = false, stdin_too = false;
	int c, rc = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+ai", lo, NULL)) != -1) {
		switch (c) {
		case 'i': /* (stdin is relayed when the container was created with -i) */
			stdin_too = true;
			/* fall through */
		case 'a':
			attach = true;
			break;
		case OPT_HELP:
			puts("Usage:  berth start [-a] [-i] CONTAINER [CONTAINER...]\n\n"
			     "Start one or more stopped containers\n\n"
			     "Options:\n"
			     "  -a, --attach        Attach STDOUT/STDERR and forward signals; exit with the\n"
			     "                      container's status (a running one: as berth attach)\n"
			     "  -i, --interactive   Attach container's STDIN (as -a; stdin is relayed when\n"
			     "                      the container was created with -i)");
			return 0;
		default:
			return cli_usage_error("start", "unknown flag: %s", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cli_usage_error("start", "\"berth start\" requires at least 1 argument.");
	if (attach && argc - optind > 1) {
		fputs("Error: you cannot start and attach multiple containers at once\n", stderr);
		return 1;
	}
	if (cli_ctx(cli, &ctx) < 0)
		return 1;
	for (int i = optind; i < argc; i++) {
		struct berth_error err = {0};
		struct berth_start st = {.attach = attach, .stdin_too = stdin_too};
		if (berth_container_start(ctx, argv[i], &st, &err) < 0) {
			cli_error("Error", &err);
			rc = 1;
			continue;
		}
		if (st.detached)
			return detached();
		if (attach)
			return st.exit_status;
		printf("%s\n", argv[i]);
	}
	return rc;
}

int cmd_attach(struct cli *cli, int argc, char **argv)
{
	enum { OPT_NO_STDIN = 256, OPT_SIG_PROXY, OPT_DETACH_KEYS, OPT_HELP_A };
	static const struct option lo[] = {
		{"no-stdin", no_argument, NULL, OPT_NO_STDIN},
		{"sig-proxy", optional_argument, NULL, OPT_SIG_PROXY},
		{"detach-keys", required_argument, NULL, OPT_DETACH_KEYS},
		{"help", no_argument, NULL, OPT_HELP_A}, {0}};
	struct berth_attach a = {.in = 0, .out = 1, .err = 2, .sig_proxy = true};
	struct berth_ctx *ctx;
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+", lo, NULL)) != -1) {
		switch (c) {
		case OPT_NO_STDIN:
			a.in = -1;
			break;
		case OPT_SIG_PROXY:
			if (optarg && strcmp(optarg, "true") && strcmp(optarg, "false"))
				return cli_usage_error("attach",
						       "invalid argument \"%s\" for \"--sig-proxy\" flag: want true or false",
						       optarg);
			a.sig_proxy = !optarg || !strcmp(optarg, "true");
			break;
		case OPT_DETACH_KEYS:
			a.detach_keys = optarg;
			break;
		case OPT_HELP_A:
			puts("Usage:  berth attach [OPTIONS] CONTAINER\n\n"
			     "Attach local standard input, output, and error streams to a running container\n\n"
			     "Options:\n"
			     "      --detach-keys string   Override the key sequence for detaching a container\n"
			     "                             (default ctrl-p,ctrl-q; with a tty and stdin)\n"
			     "      --no-stdin             Do not attach STDIN (it is attached only to a\n"
			     "                             container created with -i)\n"
			     "      --sig-proxy            Proxy all received signals to the process (default\n"
			     "                             true; not with a tty)\n\n"
			     "Output is the container's from now on (berth logs has the rest). Exits with\n"
			     "the container's status, or 1 after the detach keys.");
			return 0;
		default:
			return cli_usage_error("attach", "unknown flag: %s", argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		return cli_usage_error("attach", "\"berth attach\" requires exactly 1 argument.");
	if (cli_ctx(cli, &ctx) < 0)
		return 1;
	struct berth_error err = {0};
	struct berth_attached at;
	if (berth_container_attach(ctx, argv[optind], &a, &at, &err) < 0) {
		cli_error("Error", &err);
		return 1;
	}
	return at.detached ? detached() : at.exit_status;
}
