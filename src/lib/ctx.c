/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ctx.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

static char *pick(const char *opt, const char *env, const char *def)
{
	const char *v = opt ? opt : secure_getenv(env);
	return strdup(v && *v ? v : def);
}

int berth_ctx_new(struct berth_ctx **out, const struct berth_ctx_opts *opts,
		  struct berth_error *err)
{
	static const struct berth_ctx_opts none = {0};
	if (!opts)
		opts = &none;
	struct berth_ctx *ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return berth_err(err, -ENOMEM, "context");
	ctx->nf_linger = -1;
	ctx->root = pick(opts->root, "BERTH_ROOT", "/var/lib/berth");
	ctx->run_root = pick(opts->run_root, "BERTH_RUN_ROOT", "/run/berth");
	ctx->config_path = pick(opts->config_path, "BERTH_CONFIG", "/etc/berth/daemon.json");
	ctx->netns_dir = pick(opts->netns_dir, "BERTH_NETNS_DIR", "/run/netns");
	if (!ctx->root || !ctx->run_root || !ctx->config_path || !ctx->netns_dir) {
		berth_ctx_free(ctx);
		return berth_err(err, -ENOMEM, "context");
	}
	int r = berth_config_load(ctx->config_path, &ctx->cfg, err);
	if (r < 0) {
		berth_ctx_free(ctx);
		return r;
	}
	*out = ctx;
	return 0;
}

struct berth_ctx *berth_ctx_free(struct berth_ctx *ctx)
{
	if (!ctx)
		return NULL;
	ctx->store = store_close(ctx->store);
	ctx->nl = nl_close(ctx->nl);
	ctx_linger(ctx, -1);
	free(ctx->root);
	free(ctx->run_root);
	free(ctx->config_path);
	free(ctx->netns_dir);
	free(ctx);
	return NULL;
}

bool berth_ctx_has_state(const struct berth_ctx *ctx)
{
	_cleanup_free_ char *db = NULL;
	return asprintf(&db, "%s/berth.db", ctx->root) >= 0 && access(db, F_OK) == 0;
}

void ctx_release_handles(struct berth_ctx *ctx)
{
	ctx->store = store_close(ctx->store);
	ctx->nl = nl_close(ctx->nl);
	ctx_linger(ctx, -1);
}

void ctx_linger(struct berth_ctx *ctx, int fd)
{
	if (ctx->nf_linger >= 0)
		close(ctx->nf_linger);
	ctx->nf_linger = fd;
}

void ctx_linger_exit(struct berth_ctx *ctx, int status)
{
	int fd = ctx->nf_linger;
	if (fd > 0 && fork() == 0) {
		/* Only the socket: nothing else of ours outlives us here. */
		(void)prctl(PR_SET_NAME, "berth-linger");
		(void)close_range(0, (unsigned)fd - 1, 0);
		(void)close_range((unsigned)fd + 1, ~0u, 0);
		close(fd);
		_exit(0);
	}
	_exit(status);
}

int ctx_store(struct berth_ctx *ctx, struct store **out, struct berth_error *err)
{
	if (!ctx->store) {
		if (mkdir_p(ctx->root, 0700) < 0)
			return berth_err(err, negerrno(), "create %s", ctx->root);
		_cleanup_free_ char *db = NULL;
		if (asprintf(&db, "%s/berth.db", ctx->root) < 0)
			return berth_err(err, -ENOMEM, "store");
		int r = store_open(&ctx->store, db, err);
		if (r < 0)
			return r;
	}
	*out = ctx->store;
	return 0;
}

int ctx_nl(struct berth_ctx *ctx, struct nl **out, struct berth_error *err)
{
	if (!ctx->nl) {
		int r = nl_open(&ctx->nl, -1, err);
		if (r < 0)
			return r;
	}
	*out = ctx->nl;
	return 0;
}

static char *join_path(const char *base, const char *id, const char *leaf)
{
	char *p = NULL;
	if (asprintf(&p, "%s/containers/%s%s%s", base, id, leaf ? "/" : "", leaf ? leaf : "") < 0)
		return NULL;
	return p;
}

char *ctx_run_path(struct berth_ctx *ctx, const char *id, const char *leaf)
{
	return join_path(ctx->run_root, id, leaf);
}

char *ctx_state_path(struct berth_ctx *ctx, const char *id, const char *leaf)
{
	return join_path(ctx->root, id, leaf);
}

int mkdir_p(const char *path, mode_t mode)
{
	char buf[4096];
	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

void now_rfc3339(char buf[40])
{
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	size_t n = strftime(buf, 40, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, 40 - n, ".%09ldZ", ts.tv_nsec);
}

int random_hex(char *buf, size_t n)
{
	uint8_t raw[32];
	if (n > 64)
		return -EINVAL;
	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
		return negerrno();
	for (size_t i = 0; i < n; i++)
		buf[i] = "0123456789abcdef"[(raw[i / 2] >> (i % 2 ? 0 : 4)) & 0xf];
	buf[n] = '\0';
	return 0;
}

uint64_t proc_starttime(int pid)
{
	char path[64], buf[1024];
	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* comm may hold spaces and parens: fields restart after the last ')'. */
	char *p = strrchr(buf, ')');
	if (!p)
		return 0;
	/* p+2 is field 3 (state); starttime is field 22. A zombie has
	 * ended (its parent has not reaped it yet). */
	p += 2;
	if (*p == 'Z' || *p == 'X')
		return 0;
	for (int field = 3; field < 22 && p; field++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	return p ? strtoull(p, NULL, 10) : 0;
}

int write_file(const char *path, const char *data, size_t len, mode_t mode)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return negerrno();
	while (len > 0) {
		ssize_t n = write(fd, data, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return negerrno();
		}
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

void strv_free(char **v)
{
	for (char **p = v; p && *p; p++)
		free(*p);
	free(v);
}

int ctx_lock(struct berth_ctx *ctx)
{
	char path[4096];
	if (mkdir_p(ctx->run_root, 0711) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/sync.lock", ctx->run_root);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			close(fd);
			return -1;
		}
	}
	return fd;
}

void ctx_unlock(int fd)
{
	if (fd >= 0)
		close(fd); /* releases the flock */
}

void fault_point(const char *name)
{
	const char *f = secure_getenv("BERTH_FAULT");
	if (f && !strcmp(f, name))
		(void)raise(SIGKILL);
}
