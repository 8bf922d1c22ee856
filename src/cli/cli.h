/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The berth command: one file per verb group; each parses, calls libberth, prints. */
#pragma once

#include <stdbool.h>

#include "berth.h"

struct cli {
	struct berth_ctx_opts opts;
	struct berth_ctx *ctx;
};

/* Open the library context (once); prints the error and returns < 0. */
int cli_ctx(struct cli *cli, struct berth_ctx **out);
/* Print "Error: msg" (or "berth: msg" for run) to stderr. */
void cli_error(const char *prefix, const struct berth_error *err);
/* Usage error in Docker's shape; returns the exit status (125). */
int cli_usage_error(const char *verb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

int cmd_run(struct cli *cli, int argc, char **argv);
int cmd_create(struct cli *cli, int argc, char **argv);
int cmd_start(struct cli *cli, int argc, char **argv);
int cmd_attach(struct cli *cli, int argc, char **argv);
int cmd_stop(struct cli *cli, int argc, char **argv);
int cmd_kill(struct cli *cli, int argc, char **argv);
int cmd_rm(struct cli *cli, int argc, char **argv);
int cmd_ps(struct cli *cli, int argc, char **argv);
int cmd_inspect(struct cli *cli, int argc, char **argv);
int cmd_exec(struct cli *cli, int argc, char **argv);
int cmd_logs(struct cli *cli, int argc, char **argv);
int cmd_network(struct cli *cli, int argc, char **argv);
int cmd_reload(struct cli *cli, int argc, char **argv);
int cmd_port(struct cli *cli, int argc, char **argv);
int cmd_p2p(struct cli *cli, int argc, char **argv);
int cmd_stats(struct cli *cli, int argc, char **argv);
int cmd_system(struct cli *cli, int argc, char **argv);
int cmd_monitor_exit(struct cli *cli, int argc, char **argv);

/* Render a Go template over a JSON value and print it with a newline. */
int cli_print_template(const char *tmpl, json_t *v);

/* Print rows (an array of flat objects) with Docker's --format: "json" (one
 * object a line), a Go template (\t and \n are tabs and newlines), or
 * "table TEMPLATE" (a header from headers[][2] = {field, HEADER}, then
 * the rows, columns aligned). */
int cli_print_rows(const char *format, json_t *rows, const char *const headers[][2], size_t n_headers);
