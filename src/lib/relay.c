/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "relay.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "util.h"

int write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;
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

int attach_send(int fd, uint8_t type, const void *buf, size_t n)
{
	struct iovec iov[2] = {{.iov_base = &type, .iov_len = 1},
			       {.iov_base = (void *)buf, .iov_len = n}};
	struct msghdr m = {.msg_iov = iov, .msg_iovlen = 2};
	ssize_t w;
	do
		w = sendmsg(fd, &m, MSG_NOSIGNAL);
	while (w < 0 && errno == EINTR);
	return w < 0 ? negerrno() : 0;
}

/* Send one message to every attached client; one that cannot take it
 * (gone, or not reading for ATTACH_SEND_TIMEOUT) is closed. */
static void broadcast(int *cl, uint8_t type, const void *buf, size_t n)
{
	for (int i = 0; cl && i < ATTACH_MAX_CLIENTS; i++)
		if (cl[i] >= 0 && attach_send(cl[i], type, buf, n) < 0) {
			close(cl[i]);
			cl[i] = -1;
		}
}

/* Copy what is readable now (to the clients too, cl may be NULL). Returns
 * 0 while open, 1 at EOF. */
static int pump(int from, int to, int log_fd, int stream, int *cl)
{
	char buf[ATTACH_MSG_MAX - 1];
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
		broadcast(cl, (uint8_t)stream, buf, (size_t)n);
	}
}

/* A new client, if it is root or runs as we do, and there is room. */
static void attach_accept(int lfd, int *cl, bool room)
{
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	struct ucred uc;
	socklen_t len = sizeof(uc);
	struct timeval tv = {.tv_sec = ATTACH_SEND_TIMEOUT};
	if (room && getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) == 0 &&
	    (uc.uid == 0 || uc.uid == geteuid()) &&
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == 0)
		for (int i = 0; i < ATTACH_MAX_CLIENTS; i++)
			if (cl[i] < 0) {
				cl[i] = fd;
				return;
			}
	close(fd);
}

/* Stdin a client sent that the container has not taken yet. */
struct stdin_backlog {
	size_t off, len;
	char buf[ATTACH_MSG_MAX];
};

static void backlog_flush(int to, struct stdin_backlog *b)
{
	while (b->off < b->len) {
		ssize_t w = write(to, b->buf + b->off, b->len - b->off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN)
			return;
		if (w < 0)
			break; /* (its stdin is closed: the bytes go nowhere) */
		b->off += (size_t)w;
	}
	b->off = b->len = 0;
}

/* One message from client i. Stdin goes out as far as the container takes
 * it now; the rest waits in b, and no client is read until it is gone. */
static void attach_input(const struct relay *r, int *cl, int i, struct stdin_backlog *b)
{
	ssize_t n = recv(cl[i], b->buf, sizeof(b->buf), MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		close(cl[i]);
		cl[i] = -1;
		return;
	}
	int v;
	struct winsize ws;
	switch (b->buf[0]) {
	case ATTACH_STDIN:
		if (r->attach_in >= 0) {
			b->off = 1;
			b->len = (size_t)n;
			backlog_flush(r->attach_in, b);
		}
		break;
	case ATTACH_RESIZE:
		if (r->attach_tty >= 0 && n == 1 + (ssize_t)sizeof(ws)) {
			memcpy(&ws, b->buf + 1, sizeof(ws));
			(void)ioctl(r->attach_tty, TIOCSWINSZ, &ws);
		}
		break;
	case ATTACH_SIGNAL:
		if (n == 1 + (ssize_t)sizeof(v)) {
			memcpy(&v, b->buf + 1, sizeof(v));
			if (v > 0 && v < _NSIG)
				(void)kill(r->pid, v);
		}
		break;
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
	int fds[] = {in_from, out_from, err_from, r->attach_in};
	for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
		if (fds[i] >= 0)
			(void)fcntl(fds[i], F_SETFL, fcntl(fds[i], F_GETFL) | O_NONBLOCK);
	int cl[ATTACH_MAX_CLIENTS];
	int *clients = r->attach_fd >= 0 ? cl : NULL;
	for (size_t i = 0; i < ARRAY_SIZE(cl); i++)
		cl[i] = -1;
	/* (allocated for the first client: in an idle monitor, its pages
	 * would be memory a thousand monitors each keep) */
	struct stdin_backlog *backlog = NULL;

	bool exited = false;
	while (!exited || out_from >= 0 || err_from >= 0) {
		bool waiting = backlog && backlog->off < backlog->len;
		struct pollfd pf[7 + ATTACH_MAX_CLIENTS] = {
			{.fd = sfd, .events = POLLIN},
			{.fd = exited ? -1 : r->pidfd, .events = POLLIN},
			{.fd = exited ? -1 : in_from, .events = POLLIN},
			{.fd = out_from, .events = POLLIN},
			{.fd = err_from, .events = POLLIN},
			{.fd = r->attach_fd, .events = POLLIN},
			{.fd = waiting ? r->attach_in : -1, .events = POLLOUT},
		};
		for (size_t i = 0; i < ATTACH_MAX_CLIENTS; i++)
			pf[7 + i] = (struct pollfd){.fd = waiting ? -1 : cl[i], .events = POLLIN};
		if (poll(pf, ARRAY_SIZE(pf), exited ? 0 : -1) < 0 && errno != EINTR)
			break;
		struct signalfd_siginfo si;
		while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
			if (si.ssi_signo == SIGWINCH)
				copy_winsize(r->raw_tty, r->winch_to);
			else if (si.ssi_signo != SIGCHLD)
				(void)kill(r->pid, (int)si.ssi_signo);
		}
		if (pf[2].revents && pump(in_from, r->in_to, -1, 0, NULL)) {
			in_from = -1; /* stdin closed: pass EOF on where we can */
			if (r->in_to != r->winch_to && r->in_to >= 0)
				close(r->in_to);
		}
		/* After exit, drain what is left and stop at EOF/EAGAIN. */
		if ((exited || pf[3].revents) && out_from >= 0 &&
		    (pump(out_from, r->out_to, r->log_fd, 1, clients) || exited))
			out_from = -1;
		if ((exited || pf[4].revents) && err_from >= 0 &&
		    (pump(err_from, r->err_to, r->log_fd, 2, clients) || exited))
			err_from = -1;
		if (pf[5].revents) {
			if (!backlog)
				backlog = calloc(1, sizeof(*backlog));
			attach_accept(r->attach_fd, cl, backlog != NULL);
		}
		if (pf[6].revents)
			backlog_flush(r->attach_in, backlog);
		for (size_t i = 0; i < ATTACH_MAX_CLIENTS; i++)
			if (pf[7 + i].revents && cl[i] >= 0 && backlog->off == backlog->len)
				attach_input(r, cl, (int)i, backlog);
		if (pf[1].revents)
			exited = true;
	}
	int rc = relay_wait(r->pidfd, wstatus);
	if (rc < 0)
		berth_err(err, rc, "wait for pid %d", r->pid);
	else
		broadcast(clients, ATTACH_EXIT, wstatus, sizeof(*wstatus));
	for (size_t i = 0; clients && i < ATTACH_MAX_CLIENTS; i++)
		if (cl[i] >= 0)
			close(cl[i]);
	free(backlog);
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
