/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Relaying a foreground process's stdio (pipes or a pty master) to the
 * caller's fds and a log, forwarding signals, until the process exits.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

struct relay {
	pid_t pid;            /* a child of the caller */
	int pidfd;
	int in_from, in_to;   /* stdin -> process (-1: none) */
	int out_from, out_to; /* process stdout (or pty master) -> out_to and log */
	int err_from, err_to; /* process stderr -> err_to and log */
	int log_fd;           /* -1: no log; else records in Docker's stream format:
			       * 8-byte header {stream (1 out, 2 err), 0, 0, 0,
			       * length big-endian u32}, then the bytes */
	bool forward_signals; /* SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1/2 -> pid */
	int raw_tty;          /* our terminal to put in raw mode, -1: none */
	int winch_to;         /* pty master to copy our window size to, -1: none */
	/* berth attach (-1: none): a listening socket whose clients get the
	 * output too, and may send stdin to attach_in (non-blocking from here
	 * on), a window size for attach_tty and signals for pid */
	int attach_fd, attach_in, attach_tty;
};

/* The attach protocol: a SOCK_SEQPACKET socket, each message a type byte
 * and its payload. A client gets the output from when it connects, and as
 * the last message the wait status; a client that stops reading for
 * ATTACH_SEND_TIMEOUT seconds, or one more than ATTACH_MAX_CLIENTS, is
 * closed without it. */
enum {
	ATTACH_STDOUT = 1, /* monitor -> client: output, as in the log */
	ATTACH_STDERR = 2,
	ATTACH_EXIT = 3,   /* monitor -> client: int, the wait status */
	ATTACH_STDIN = 4,  /* client -> monitor: bytes for the container's stdin */
	ATTACH_RESIZE = 5, /* client -> monitor: struct winsize, for its tty */
	ATTACH_SIGNAL = 6, /* client -> monitor: int, a signal for the container */
};
#define ATTACH_MSG_MAX (1 + 16384)

/* Send one message of the attach protocol: type, then n bytes of buf. */
int attach_send(int fd, uint8_t type, const void *buf, size_t n);
#define ATTACH_MAX_CLIENTS 8
#define ATTACH_SEND_TIMEOUT 5

/* Relay a pty master: its output to out_to (and the log), and with
 * interactive our stdin to it (our terminal in raw mode when it is one). */
void relay_use_pty(struct relay *r, int master, bool interactive);

/* Returns once the process exited and its output is drained; *wstatus is
 * its wait status. */
int relay_run(const struct relay *r, int *wstatus, struct berth_error *err);

/* Wait for the child behind pidfd to end: *wstatus is its wait status. */
int relay_wait(int pidfd, int *wstatus);

/* Write all of buf to fd (waiting for room when fd is non-blocking). */
int write_all(int fd, const void *buf, size_t n);

/* Copy a log written by relay_run to out_fd / err_fd, stream by stream. */
int relay_log_demux(int log_fd, int out_fd, int err_fd);
