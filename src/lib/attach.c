/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * berth attach. A running container's monitor (berth-monitor, or berth in
 * the foreground) serves the container's stdio on the socket "attach" in
 * its run directory; relay.c is that end and relay.h the protocol. This is
 * the socket and the client.
 */
#include "attach.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "berth.h"
#include "container.h"
#include "relay.h"
#include "util.h"

#define ATTACH_MAX_KEYS 16

/* The socket's address: its path, or where that is too long for sun_path
 * (a long --run-root), the path through an fd of its directory. */
static void socket_addr(struct sockaddr_un *a, const char *run_dir, int dir)
{
	*a = (struct sockaddr_un){.sun_family = AF_UNIX};
	int n = snprintf(a->sun_path, sizeof(a->sun_path), "%s/attach", run_dir);
	if (n < 0 || (size_t)n >= sizeof(a->sun_path))
		snprintf(a->sun_path, sizeof(a->sun_path), "/proc/self/fd/%d/attach", dir);
}

int attach_listen(const char *run_dir, struct berth_error *err)
{
	_cleanup_close_ int dir = open(run_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return berth_err(err, negerrno(), "open %s", run_dir);
	struct sockaddr_un a;
	socket_addr(&a, run_dir, dir);
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return berth_err(err, negerrno(), "attach socket");
	(void)unlinkat(dir, "attach", 0); /* a previous monitor's, after a restart */
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    fchmodat(dir, "attach", 0600, 0) < 0 || listen(fd, ATTACH_MAX_CLIENTS) < 0) {
		int r = berth_err(err, negerrno(), "attach socket in %s", run_dir);
		close(fd);
		return r;
	}
	return fd;
}

/* Docker's --detach-keys: comma-separated, each one character or ctrl-C
 * with C one of a-z @ [ \ ] ^ _. */
static int parse_keys(const char *s, char *keys, size_t *n, struct berth_error *err)
{
	static const char ctrl[] = "@abcdefghijklmnopqrstuvwxyz[\\]^_";
	const char *p = s, *hit;
	bool ok = *p != '\0';
	*n = 0;
	while (ok && *p) {
		size_t len = strcspn(p, ",");
		if (*n == ATTACH_MAX_KEYS)
			ok = false;
		else if (len == 1)
			keys[(*n)++] = *p;
		else if (len == 6 && !strncmp(p, "ctrl-", 5) && (hit = strchr(ctrl, p[5])))
			keys[(*n)++] = (char)(hit - ctrl);
		else
			ok = false;
		p += len;
		if (*p == ',' && !*++p)
			ok = false; /* a trailing comma */
	}
	if (ok)
		return 0;
	return berth_errmsg(err, -EINVAL,
			    "invalid detach keys \"%s\": a comma-separated list of at most %d keys, each a character or ctrl-<value> with <value> one of a-z, @, [, \\, ], ^ or _ (e.g. ctrl-p,ctrl-q)",
			    s, ATTACH_MAX_KEYS);
}

static void send_winsize(int sock, int tty)
{
	struct winsize ws;
	if (ioctl(tty, TIOCGWINSZ, &ws) == 0)
		(void)attach_send(sock, ATTACH_RESIZE, &ws, sizeof(ws));
}

/* What the session ended with. */
enum end { END_LOST, END_EXIT, END_DETACH };

struct session {
	const struct berth_attach *a;
	int sock, sfd;
	bool tty, send_in;
	char keys[ATTACH_MAX_KEYS];
	size_t n_keys, matched; /* detach keys: how many typed so far */
	int wstatus;
};

/* Our stdin to the container, watching for the detach keys: a prefix of
 * them is held back until it is known whether the rest follows. */
static enum end forward_input(struct session *s, const char *in, size_t n, bool *eof)
{
	char out[ATTACH_MSG_MAX - 1];
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (s->n_keys && in[i] == s->keys[s->matched]) {
			if (++s->matched == s->n_keys)
				return END_DETACH;
			continue;
		}
		memcpy(out + k, s->keys, s->matched); /* not the keys after all */
		k += s->matched;
		s->matched = 0;
		if (s->n_keys && in[i] == s->keys[0])
			s->matched = 1;
		else
			out[k++] = in[i];
	}
	if (k && attach_send(s->sock, ATTACH_STDIN, out, k) < 0)
		*eof = true; /* the monitor is gone: its end tells the rest */
	return END_LOST;
}

static enum end session_run(struct session *s)
{
	bool in_eof = !s->send_in;
	for (;;) {
		struct pollfd pf[3] = {
			{.fd = s->sock, .events = POLLIN},
			{.fd = in_eof ? -1 : s->a->in, .events = POLLIN},
			{.fd = s->sfd, .events = POLLIN},
		};
		if (poll(pf, ARRAY_SIZE(pf), -1) < 0 && errno != EINTR)
			return END_LOST;
		struct signalfd_siginfo si;
		while (read(s->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
			int sig = (int)si.ssi_signo;
			if (sig == SIGWINCH)
				send_winsize(s->sock, s->a->out);
			else
				(void)attach_send(s->sock, ATTACH_SIGNAL, &sig, sizeof(sig));
		}
		if (pf[0].revents) {
			char buf[ATTACH_MSG_MAX];
			ssize_t n = recv(s->sock, buf, sizeof(buf), 0);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return END_LOST; /* closed without the exit status */
			if (buf[0] == ATTACH_EXIT && n == 1 + (ssize_t)sizeof(int)) {
				memcpy(&s->wstatus, buf + 1, sizeof(int));
				return END_EXIT;
			}
			if (buf[0] == ATTACH_STDOUT || buf[0] == ATTACH_STDERR)
				(void)write_all(buf[0] == ATTACH_STDOUT ? s->a->out : s->a->err, buf + 1,
						(size_t)n - 1);
		}
		if (pf[1].revents) {
			char buf[4096];
			ssize_t n = read(s->a->in, buf, sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			/* (at our EOF the container's stdin stays open, as with
			 * Docker for a container started with -d) */
			if (n <= 0)
				in_eof = true;
			else if (forward_input(s, buf, (size_t)n, &in_eof) == END_DETACH)
				return END_DETACH;
		}
	}
}

/* The exit is recorded by the monitor after it told us: wait for that, so
 * that what the caller does next sees the container stopped (or restarted:
 * another pid). */
static void wait_recorded(struct berth_ctx *ctx, const char *id, pid_t pid)
{
	for (int i = 0; i < 2000; i++) {
		struct ctr_rec c;
		if (container_get(ctx, id, &c, NULL) < 0)
			return;
		bool done = c.state != CTR_RUNNING || c.pid != pid;
		ctr_rec_clear(&c);
		if (done)
			return;
		(void)nanosleep(&(struct timespec){.tv_nsec = 5000000}, NULL);
	}
}

#define STOPPED "cannot attach to a stopped container, start it first"

static bool still_running(struct berth_ctx *ctx, const char *id)
{
	struct ctr_rec c;
	if (container_get(ctx, id, &c, NULL) < 0)
		return false;
	bool running = c.state == CTR_RUNNING && ctr_alive(&c);
	ctr_rec_clear(&c);
	return running;
}

int berth_container_attach(struct berth_ctx *ctx, const char *ref, const struct berth_attach *a,
			   struct berth_attached *out, struct berth_error *err)
{
	struct ctr_rec c;
	int r = container_get(ctx, ref, &c, err);
	if (r < 0)
		return r;
	struct session s = {.a = a, .sock = -1, .sfd = -1};
	s.tty = json_is_true(json_object_get(c.config, "tty"));
	s.send_in = a->in >= 0 && json_is_true(json_object_get(c.config, "interactive"));
	bool running = c.state == CTR_RUNNING && ctr_alive(&c);
	char id[sizeof(c.id)];
	pid_t pid = c.pid;
	memcpy(id, c.id, sizeof(id));
	ctr_rec_clear(&c);
	*out = (struct berth_attached){0};
	if (!running)
		return berth_errmsg(err, -EINVAL, STOPPED);
	if (a->in >= 0 && s.tty && !isatty(a->in))
		return berth_errmsg(err, -ENOTTY, "the input device is not a TTY");
	r = parse_keys(a->detach_keys ? a->detach_keys : "ctrl-p,ctrl-q", s.keys, &s.n_keys, err);
	if (r < 0)
		return r;
	if (!s.tty || !s.send_in)
		s.n_keys = 0; /* (as Docker's client: with a tty, when stdin goes) */

	static const int fwd[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
	sigset_t mask, old;
	sigemptyset(&mask);
	if (s.tty)
		sigaddset(&mask, SIGWINCH);
	else if (a->sig_proxy)
		for (size_t i = 0; i < ARRAY_SIZE(fwd); i++)
			sigaddset(&mask, fwd[i]);
	/* (before we connect: from then on a signal is the container's) */
	sigprocmask(SIG_BLOCK, &mask, &old);
	_cleanup_close_ int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	s.sfd = sfd;
	_cleanup_free_ char *run_dir = ctx_run_path(ctx, id, NULL);
	_cleanup_close_ int dir = run_dir ? open(run_dir, O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
	_cleanup_close_ int sock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	struct sockaddr_un addr;
	if (dir >= 0)
		socket_addr(&addr, run_dir, dir);
	if (dir < 0 || sock < 0 || connect(sock, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		int e = errno;
		sigprocmask(SIG_SETMASK, &old, NULL);
		/* It may have ended since we looked: its monitor stops listening
		 * once the container is gone, before its record says so. */
		if (!still_running(ctx, id))
			return berth_errmsg(err, -EINVAL, STOPPED);
		return berth_errmsg(err, e == ENOENT ? -ESRCH : -e,
				    "cannot attach to container %s: its monitor does not listen (%s)", ref,
				    strerror(e));
	}
	s.sock = sock;

	struct termios saved;
	bool raw = false;
	if (s.tty && s.send_in && tcgetattr(a->in, &saved) == 0) {
		struct termios t = saved;
		cfmakeraw(&t);
		raw = tcsetattr(a->in, TCSANOW, &t) == 0;
	}
	if (s.tty)
		send_winsize(sock, a->out);

	enum end end = sfd < 0 ? END_LOST : session_run(&s);

	if (raw)
		(void)tcsetattr(a->in, TCSANOW, &saved);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (end == END_DETACH) {
		out->detached = true;
		return 0;
	}
	if (end == END_LOST)
		return berth_errmsg(err, -EPIPE,
				    "attach to %s: the monitor closed the connection before the container's exit (it serves %d clients at most, and drops one that reads nothing for %d s)",
				    ref, ATTACH_MAX_CLIENTS, ATTACH_SEND_TIMEOUT);
	wait_recorded(ctx, id, pid);
	out->exit_status = wait_status_code(s.wstatus);
	return 0;
}
