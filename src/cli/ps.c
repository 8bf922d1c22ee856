/* SPDX-License-Identifier: GPL-2.0-or-later */
/* berth ps */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

enum { OPT_HELP = 256, OPT_FORMAT };

static time_t parse_time(const char *s)
{
	struct tm tm = {0};
	if (!s || !strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) || tm.tm_year < 2)
		return 0;
	return timegm(&tm);
}

/* Docker's units.HumanDuration. */
static void human_duration(time_t secs, char *buf, size_t n)
{
	if (secs < 1)
		snprintf(buf, n, "Less than a second");
	else if (secs == 1)
		snprintf(buf, n, "1 second");
	else if (secs < 60)
		snprintf(buf, n, "%ld seconds", (long)secs);
	else if (secs / 60 == 1)
		snprintf(buf, n, "About a minute");
	else if (secs < 3600)
		snprintf(buf, n, "%ld minutes", (long)secs / 60);
	else if (secs / 3600 == 1)
		snprintf(buf, n, "About an hour");
	else if (secs < 48 * 3600)
		snprintf(buf, n, "%ld hours", (long)secs / 3600);
	else
		snprintf(buf, n, "%ld days", (long)secs / 86400);
}

static void status_text(json_t *state, char *buf, size_t n)
{
	const char *st = json_string_value(json_object_get(state, "Status"));
	char d[64];
	time_t now = time(NULL);
	if (st && !strcmp(st, "running")) {
		human_duration(now - parse_time(json_string_value(json_object_get(state, "StartedAt"))), d, sizeof(d));
		snprintf(buf, n, "Up %s", d);
	} else if (st && !strcmp(st, "exited")) {
		human_duration(now - parse_time(json_string_value(json_object_get(state, "FinishedAt"))), d, sizeof(d));
		snprintf(buf, n, "Exited (%lld) %s ago",
			 (long long)json_integer_value(json_object_get(state, "ExitCode")), d);
	} else {
		snprintf(buf, n, "Created");
	}
}

static void command_text(json_t *c, char *buf, size_t n)
{
	json_t *cmd = json_object_get(json_object_get(c, "Config"), "Cmd");
	char full[512] = "";
	size_t len = 0;
	for (size_t i = 0; i < json_array_size(cmd) && len < sizeof(full); i++)
		len += (size_t)snprintf(full + len, sizeof(full) - len, "%s%s", i ? " " : "",
					json_string_value(json_array_get(cmd, i)));
	if (strlen(full) > 20)
		snprintf(buf, n, "\"%.19s…\"", full);
	else
		snprintf(buf, n, "\"%s\"", full);
}

/* Docker's PORTS column: "0.0.0.0:8080->80/tcp, 443/tcp". */
static void ports_text(json_t *c, char *buf, size_t n)
{
	json_t *ports = json_object_get(json_object_get(c, "NetworkSettings"), "Ports");
	const char *key;
	json_t *v;
	size_t len = 0;
	buf[0] = '\0';
	json_object_foreach(ports, key, v) {
		size_t i;
		json_t *b;
		if (!json_array_size(v) && len < n)
			len += (size_t)snprintf(buf + len, n - len, "%s%s", len ? ", " : "", key);
		json_array_foreach(v, i, b) {
			const char *ip = json_string_value(json_object_get(b, "HostIp"));
			if (len < n)
				len += (size_t)snprintf(buf + len, n - len, strchr(ip, ':') ? "%s[%s]:%s->%s" : "%s%s:%s->%s",
							len ? ", " : "", ip,
							json_string_value(json_object_get(b, "HostPort")), key);
		}
	}
}

/* The flat fields `ps --format` offers, as Docker names them. */
static json_t *ps_row(json_t *c)
{
	char status[96], cmd[64], created[96], d[64], ports[512];
	ports_text(c, ports, sizeof(ports));
	status_text(json_object_get(c, "State"), status, sizeof(status));
	command_text(c, cmd, sizeof(cmd));
	human_duration(time(NULL) - parse_time(json_string_value(json_object_get(c, "Created"))), d, sizeof(d));
	snprintf(created, sizeof(created), "%s ago", d);
	const char *id = json_string_value(json_object_get(c, "Id"));
	const char *name = json_string_value(json_object_get(c, "Name"));
	const char *image = json_string_value(json_object_get(json_object_get(c, "Config"), "Image"));
	char short_id[13];
	snprintf(short_id, sizeof(short_id), "%s", id);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
			 "ID", short_id, "Image", image && *image ? image : "(host)", "Command", cmd,
			 "CreatedAt", json_string_value(json_object_get(c, "Created")),
			 "RunningFor", created, "Status", status, "State",
			 json_string_value(json_object_get(json_object_get(c, "State"), "Status")),
			 "Ports", ports, "Names", name && *name == '/' ? name + 1 : "");
}

int cmd_ps(struct cli *cli, int argc, char **argv)
{
	static const struct option o[] = {
		{"all", no_argument, NULL, 'a'}, {"quiet", no_argument, NULL, 'q'},
		{"no-trunc", no_argument, NULL, 'n'}, {"format", required_argument, NULL, OPT_FORMAT},
		{"help", no_argument, NULL, OPT_HELP}, {0}};
	bool all = false, quiet = false, no_trunc = false;
	const char *format = NULL;
	struct berth_ctx *ctx;
	struct berth_error err = {0};
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:aq", o, NULL)) != -1) {
		switch (c) {
		case 'a':
			all = true;
			break;
		case 'q':
			quiet = true;
			break;
		case 'n':
			no_trunc = true;
			break;
		case OPT_FORMAT:
			format = optarg;
			break;
		case OPT_HELP:
			puts("Usage:  berth ps [-a] [-q] [--no-trunc] [--format TEMPLATE|json]\n\nList containers");
			return 0;
		default:
			return cli_usage_error("ps", "unknown flag: %s", argv[optind - 1]);
		}
	}
	if (cli_ctx(cli, &ctx) < 0)
		return 1;
	json_t *list;
	if (berth_container_list(ctx, all, &list, &err) < 0) {
		cli_error("Error", &err);
		return 1;
	}
	static const char *const heads[][2] = {
		{"ID", "CONTAINER ID"}, {"Image", "IMAGE"}, {"Command", "COMMAND"},
		{"RunningFor", "CREATED"}, {"Status", "STATUS"}, {"Ports", "PORTS"}, {"Names", "NAMES"},
		{"CreatedAt", "CREATED AT"}, {"State", "STATE"},
	};
	size_t i;
	json_t *ctr, *rows = json_array();
	int rc = 0;
	json_array_foreach(list, i, ctr) {
		json_t *row = ps_row(ctr);
		if (no_trunc)
			json_object_set(row, "ID", json_object_get(ctr, "Id"));
		json_array_append_new(rows, row);
	}
	if (quiet)
		json_array_foreach(rows, i, ctr)
			printf("%s\n", json_string_value(json_object_get(ctr, "ID")));
	else
		rc = cli_print_rows(format ? format
					   : "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}",
				    rows, heads, sizeof(heads) / sizeof(heads[0]));
	json_decref(rows);
	json_decref(list);
	return rc;
}
