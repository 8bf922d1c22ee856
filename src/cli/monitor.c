/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * berth-monitor: what a detached container's monitor is while the container
 * runs. berth forks the monitor, which starts the container and then execs
 * this program, which maps libc alone: no SQLite, nftables or jansson in a
 * thousand idle processes. It relays the container's output to its log
 * until the container ends, then execs berth to record the exit, release
 * the network and apply the restart policy (berth_monitor_exited).
 *
 *   berth-monitor BERTH ID PID PIDFD LOG OUT ERR IN ATTACH TTY
 *
 * BERTH is berth's binary; PIDFD refers to PID, the container (our child);
 * LOG is its log, OUT and ERR the read ends of its stdout and stderr (OUT a
 * pty master with -t; -1: none). ATTACH is the socket berth attach
 * connects to, IN where what its clients type goes (the write end of the
 * container's stdin with -di, the pty master with -ti), TTY the pty master
 * they resize (-1: none).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "relay.h"
#include "util.h"

static int number(const char *s)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	return errno || *end || end == s || v < -1 || v > 1 << 30 ? -2 : (int)v;
}

int main(int argc, char **argv)
{
	static const int least[] = {1, 0, -1, -1, -1, -1, -1, -1}; /* PID, PIDFD, the rest */
	int v[ARRAY_SIZE(least)];
	bool ok = argc == 3 + (int)ARRAY_SIZE(least);
	for (size_t i = 0; ok && i < ARRAY_SIZE(least); i++)
		ok = (v[i] = number(argv[3 + i])) >= least[i];
	if (!ok) {
		fprintf(stderr, "berth-monitor: berth runs this for a container it starts, not by hand\n");
		return 2;
	}
	struct relay rl = {
		.pid = v[0], .pidfd = v[1], .log_fd = v[2], .out_from = v[3], .err_from = v[4],
		.attach_in = v[5], .attach_fd = v[6], .attach_tty = v[7],
		.in_from = -1, .in_to = -1, .out_to = -1, .err_to = -1, .raw_tty = -1, .winch_to = -1,
	};
	int wstatus = 0;
	if (relay_run(&rl, &wstatus, NULL) < 0 && relay_wait(rl.pidfd, &wstatus) < 0)
		return 1; /* (no child to wait for: nothing to record) */
	char ws[16];
	snprintf(ws, sizeof(ws), "%d", wstatus);
	(void)close_range(3, ~0u, 0); /* the pidfd, log, pipes and socket: not berth's */
	execl(argv[1], "berth", "_monitor-exit", argv[2], ws, (char *)NULL);
	return 1;
}
