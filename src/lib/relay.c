/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "relay.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "util.h"

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				struct pollfd pf = {.fd = fd, .events = POLLOUT};
				(void)poll(&pf, 1, -1);
				continue;
			}
			return negerrno();
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void log_record(int log_fd, int stream, const char *buf, size_t n)
{
	uint8_t h[8] = {(uint8_t)stream, 0, 0, 0, (uint8_t)(n >> 24), (uint8_t)(n >> 16),
			(uint8_t)(n >> 8), (uint8_t)n};
	struct iovec iov[2] = {{.iov_base = h, .iov_len = 8}, {.iov_base = (void *)buf, .iov_len = n}};
	/* O_APPEND: one writev lands as one piece. */
	(void)!writev(log_fd, iov, 2);
}

/* Copy what is readable now. Returns 0 while open, 1 at EOF. */
static int pump(int from, int to, int log_fd, int stream)
{
	char buf[16384];
	for (;;) {
		ssize_t n = read(from, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n <= 0)
			return 1; /* EOF, or EIO on a pty whose slave is closed */
		if (to >= 0)
			(void)write_all(to, buf, (size_t)n);
		if (log_fd >= 0)
			log_record(log_fd, stream, buf, (size_t)n);
	}
}

static void copy_winsize(int from, int to)
{
	struct winsize ws;
	if (from >= 0 && to >= 0 && ioctl(from, TIOCGWINSZ, &ws) == 0)
		(void)ioctl(to, TIOCSWINSZ, &ws);
}

void relay_use_pty(struct relay *r, int master, bool interactive)
{
	if (master < 0)
		return;
	r->out_from = master;
	r->winch_to = master;
	if (interactive) {
		r->in_from = 0;
		r->in_to = master;
		r->raw_tty = isatty(0) ? 0 : -1;
	}
}

int relay_wait(int pidfd, int *wstatus)
{
	siginfo_t info = {0};
	int r;
	do
		r = waitid(P_PIDFD, (id_t)pidfd, &info, WEXITED);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return negerrno();
	if (info.si_code == CLD_EXITED)
		*wstatus = W_EXITCODE(info.si_status, 0);
	else
		*wstatus = info.si_status & 0x7f; /* killed by a signal */
	return 0;
}

int relay_run(const struct relay *r, int *wstatus, struct berth_error *err)
{
	static const int fwd[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
	sigset_t mask, old;
	struct termios saved;
	bool raw = false;

	sigemptyset(&mask);
	sigaddset(&mask, SIGWINCH);
	sigaddset(&mask, SIGCHLD);
	if (r->forward_signals)
		for (size_t i = 0; i < ARRAY_SIZE(fwd); i++)
			sigaddset(&mask, fwd[i]);
	sigprocmask(SIG_BLOCK, &mask, &old);
	_cleanup_close_ int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		return berth_err(err, negerrno(), "signalfd");
	}
	if (r->raw_tty >= 0 && tcgetattr(r->raw_tty, &saved) == 0) {
		struct termios t = saved;
		cfmakeraw(&t);
		raw = tcsetattr(r->raw_tty, TCSANOW, &t) == 0;
	}
	copy_winsize(r->raw_tty, r->winch_to);

	int in_from = r->in_from, out_from = r->out_from, err_from = r->err_from;
	int fds[] = {in_from, out_from, err_from};
	for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
		if (fds[i] >= 0)
			(void)fcntl(fds[i], F_SETFL, fcntl(fds[i], F_GETFL) | O_NONBLOCK);

	bool exited = false;
	while (!exited || out_from >= 0 || err_from >= 0) {
		struct pollfd pf[5] = {
			{.fd = sfd, .events = POLLIN},
			{.fd = exited ? -1 : r->pidfd, .events = POLLIN},
			{.fd = exited ? -1 : in_from, .events = POLLIN},
			{.fd = out_from, .events = POLLIN},
			{.fd = err_from, .events = POLLIN},
		};
		if (poll(pf, ARRAY_SIZE(pf), exited ? 0 : -1) < 0 && errno != EINTR)
			break;
		struct signalfd_siginfo si;
		while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
			if (si.ssi_signo == SIGWINCH)
				copy_winsize(r->raw_tty, r->winch_to);
			else if (si.ssi_signo != SIGCHLD)
				(void)kill(r->pid, (int)si.ssi_signo);
		}
		if (pf[2].revents && pump(in_from, r->in_to, -1, 0)) {
			in_from = -1; /* stdin closed: pass EOF on where we can */
			if (r->in_to != r->winch_to && r->in_to >= 0)
				close(r->in_to);
		}
		/* After exit, drain what is left and stop at EOF/EAGAIN. */
		if ((exited || pf[3].revents) && out_from >= 0 &&
		    (pump(out_from, r->out_to, r->log_fd, 1) || exited))
			out_from = -1;
		if ((exited || pf[4].revents) && err_from >= 0 &&
		    (pump(err_from, r->err_to, r->log_fd, 2) || exited))
			err_from = -1;
		if (pf[1].revents)
			exited = true;
	}
	int rc = relay_wait(r->pidfd, wstatus);
	if (rc < 0)
		berth_err(err, rc, "wait for pid %d", r->pid);
	if (raw)
		(void)tcsetattr(r->raw_tty, TCSANOW, &saved);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return rc;
}

static bool read_full(int fd, void *buf, size_t n)
{
	char *p = buf;
	while (n > 0) {
		ssize_t r = read(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		p += r;
		n -= (size_t)r;
	}
	return true;
}

int relay_log_demux(int log_fd, int out_fd, int err_fd)
{
	uint8_t h[8];
	char buf[16384];
	while (read_full(log_fd, h, sizeof(h))) {
		size_t n = (size_t)h[4] << 24 | (size_t)h[5] << 16 | (size_t)h[6] << 8 | h[7];
		int to = h[0] == 2 ? err_fd : out_fd;
		while (n > 0) {
			size_t k = n < sizeof(buf) ? n : sizeof(buf);
			if (!read_full(log_fd, buf, k))
				return -EIO;
			if (write_all(to, buf, k) < 0)
				return negerrno();
			n -= k;
		}
	}
	return 0;
}
