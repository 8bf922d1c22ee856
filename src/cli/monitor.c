/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * berth-monitor: what a detached container's monitor is while the container
 * runs. berth forks the monitor, which starts the container and then execs
 * this program, which maps libc alone: no SQLite, nftables or jansson in a
 * thousand idle processes. It relays the container's output to its log
 * until the container ends, then execs berth to record the exit, release
 * the network and apply the restart policy (berth_monitor_exited).
 *
 *   berth-monitor BERTH ID PID PIDFD LOG OUT ERR HOLD
 *
 * BERTH is berth's binary; PIDFD refers to PID, the container (our child);
 * LOG is its log, OUT and ERR the read ends of its stdout and stderr (OUT a
 * pty master with -t; -1: none), HOLD the write end of its stdin with -di,
 * closed at the exit.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "relay.h"

static int number(const char *s)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	return errno || *end || end == s || v < -1 || v > 1 << 30 ? -2 : (int)v;
}

int main(int argc, char **argv)
{
	int v[6];
	for (int i = 0; argc == 9 && i < 6; i++)
		v[i] = number(argv[3 + i]);
	if (argc != 9 || v[0] <= 0 || v[1] < 0 || v[2] < -1 || v[3] < -1 || v[4] < -1 || v[5] < -1) {
		fprintf(stderr, "berth-monitor: berth runs this for a container it starts, not by hand\n");
		return 2;
	}
	struct relay rl = {
		.pid = v[0], .pidfd = v[1], .log_fd = v[2], .out_from = v[3], .err_from = v[4],
		.in_from = -1, .in_to = -1, .out_to = -1, .err_to = -1, .raw_tty = -1, .winch_to = -1,
	};
	int wstatus = 0;
	if (relay_run(&rl, &wstatus, NULL) < 0 && relay_wait(rl.pidfd, &wstatus) < 0)
		return 1; /* (no child to wait for: nothing to record) */
	if (v[5] >= 0)
		close(v[5]);
	char ws[16];
	snprintf(ws, sizeof(ws), "%d", wstatus);
	(void)close_range(3, ~0u, 0); /* the pidfd, log and pipes: not berth's */
	execl(argv[1], "berth", "_monitor-exit", argv[2], ws, (char *)NULL);
	return 1;
}
