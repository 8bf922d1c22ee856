/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

static const char *cg_root(void)
{
	const char *r = secure_getenv("BERTH_CGROUP_ROOT");
	return r && *r ? r : "/sys/fs/cgroup";
}

static bool is_v2(void)
{
	char p[4096];
	snprintf(p, sizeof(p), "%s/cgroup.controllers", cg_root());
	return access(p, F_OK) == 0;
}

/* v1 controllers berth uses; each is its own hierarchy here. */
static const char *const v1_ctrls[] = {"memory", "cpu", "cpuacct", "pids"};

static void path_of(char *buf, size_t n, const char *ctrl, const char *id, const char *file)
{
	if (ctrl)
		snprintf(buf, n, "%s/%s/berth/%s%s%s", cg_root(), ctrl, id, file ? "/" : "", file ? file : "");
	else
		snprintf(buf, n, "%s/berth/%s%s%s", cg_root(), id, file ? "/" : "", file ? file : "");
}

static int write_str(const char *path, const char *v)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return negerrno();
	if (write(fd, v, strlen(v)) < 0)
		return negerrno();
	return 0;
}

static int64_t read_i64(const char *path)
{
	char buf[64] = "";
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || read(fd, buf, sizeof(buf) - 1) <= 0)
		return -1;
	if (!strncmp(buf, "max", 3))
		return -1;
	return strtoll(buf, NULL, 10);
}

int cg_parse_bytes(const char *s, const char *flag, int64_t *out, struct berth_error *err)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	int64_t mult = 1;
	if (end != s && *end) {
		switch (*end | 0x20) {
		case 'b': mult = 1; break;
		case 'k': mult = 1024; break;
		case 'm': mult = 1024 * 1024; break;
		case 'g': mult = 1024 * 1024 * 1024; break;
		default: end = (char *)s;
		}
		if (end != s && end[1] && !((end[1] | 0x20) == 'b' && !end[2]))
			end = (char *)s;
		else if (end != s)
			end += strlen(end);
	}
	if (end == s || *end || errno || v < 0 || v * (double)mult > 9e18)
		return berth_errmsg(err, -EINVAL, "invalid size \"%s\" for %s: want a number with an optional unit b, k, m or g",
				    s, flag);
	*out = (int64_t)(v * (double)mult);
	return 0;
}

void cg_limits_from_config(json_t *cfg, struct cg_limits *l)
{
	memset(l, 0, sizeof(*l));
	l->memory = json_integer_value(json_object_get(cfg, "memory"));
	l->memory_swap = json_integer_value(json_object_get(cfg, "memory_swap"));
	double cpus = json_number_value(json_object_get(cfg, "cpus"));
	l->cpu_quota = (int64_t)(cpus * 100000.0);
	l->cpu_shares = (unsigned)json_integer_value(json_object_get(cfg, "cpu_shares"));
	l->pids = json_integer_value(json_object_get(cfg, "pids_limit"));
}

bool cg_limits_any(const struct cg_limits *l)
{
	return l->memory || l->cpu_quota || l->cpu_shares || l->pids > 0;
}

static int setv(const char *ctrl, const char *id, const char *file, const char *v,
		struct berth_error *err)
{
	char p[4200];
	path_of(p, sizeof(p), ctrl, id, file);
	int r = write_str(p, v);
	return r < 0 ? berth_err(err, r, "cgroup: write %s to %s", v, p) : 0;
}

int cgroup_create(const char *id, const struct cg_limits *l, struct berth_error *err)
{
	char p[4200], v[64];
	int r = 0;
	if (is_v2()) {
		snprintf(p, sizeof(p), "%s/berth", cg_root());
		if (access(cg_root(), W_OK) < 0 && cg_limits_any(l))
			return berth_err(err, negerrno(), "cgroup: %s", cg_root());
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			return berth_err(err, negerrno(), "cgroup: create %s", p);
		snprintf(p, sizeof(p), "%s/berth/cgroup.subtree_control", cg_root());
		(void)write_str(p, "+memory +cpu +pids");
		path_of(p, sizeof(p), NULL, id, NULL);
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			return berth_err(err, negerrno(), "cgroup: create %s", p);
		if (l->memory) {
			snprintf(v, sizeof(v), "%lld", (long long)l->memory);
			r = setv(NULL, id, "memory.max", v, err);
			if (r >= 0 && l->memory_swap) {
				if (l->memory_swap < 0)
					snprintf(v, sizeof(v), "max");
				else
					snprintf(v, sizeof(v), "%lld", (long long)(l->memory_swap - l->memory));
				r = setv(NULL, id, "memory.swap.max", v, err);
			}
		}
		if (r >= 0 && l->cpu_quota) {
			snprintf(v, sizeof(v), "%lld 100000", (long long)l->cpu_quota);
			r = setv(NULL, id, "cpu.max", v, err);
		}
		if (r >= 0 && l->cpu_shares) {
			/* Docker's conversion of shares (2-262144) to weight (1-10000). */
			unsigned w = 1 + ((l->cpu_shares - 2) * 9999) / 262142;
			snprintf(v, sizeof(v), "%u", w);
			r = setv(NULL, id, "cpu.weight", v, err);
		}
		if (r >= 0 && l->pids > 0) {
			snprintf(v, sizeof(v), "%lld", (long long)l->pids);
			r = setv(NULL, id, "pids.max", v, err);
		}
		return r;
	}
	bool wanted[] = {l->memory != 0, l->cpu_quota || l->cpu_shares, false, l->pids > 0};
	for (size_t i = 0; i < ARRAY_SIZE(v1_ctrls); i++) {
		snprintf(p, sizeof(p), "%s/%s", cg_root(), v1_ctrls[i]);
		if (access(p, F_OK) < 0) {
			if (wanted[i])
				return berth_errmsg(err, -EOPNOTSUPP,
						    "this limit needs the %s cgroup controller, which is not mounted at %s",
						    v1_ctrls[i], p);
			continue; /* not mounted: usage is not accounted there */
		}
		snprintf(p, sizeof(p), "%s/%s/berth", cg_root(), v1_ctrls[i]);
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			return berth_err(err, negerrno(), "cgroup: create %s", p);
		path_of(p, sizeof(p), v1_ctrls[i], id, NULL);
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			return berth_err(err, negerrno(), "cgroup: create %s", p);
	}
	if (l->memory) {
		snprintf(v, sizeof(v), "%lld", (long long)l->memory);
		r = setv("memory", id, "memory.limit_in_bytes", v, err);
		if (r >= 0 && l->memory_swap) {
			snprintf(v, sizeof(v), "%lld", (long long)l->memory_swap);
			/* without swap accounting the file is absent: the memory limit stands */
			path_of(p, sizeof(p), "memory", id, "memory.memsw.limit_in_bytes");
			if (access(p, F_OK) == 0)
				r = setv("memory", id, "memory.memsw.limit_in_bytes", v, err);
		}
	}
	if (r >= 0 && l->cpu_quota) {
		r = setv("cpu", id, "cpu.cfs_period_us", "100000", err);
		snprintf(v, sizeof(v), "%lld", (long long)l->cpu_quota);
		if (r >= 0)
			r = setv("cpu", id, "cpu.cfs_quota_us", v, err);
	}
	if (r >= 0 && l->cpu_shares) {
		snprintf(v, sizeof(v), "%u", l->cpu_shares);
		r = setv("cpu", id, "cpu.shares", v, err);
	}
	if (r >= 0 && l->pids > 0) {
		snprintf(v, sizeof(v), "%lld", (long long)l->pids);
		r = setv("pids", id, "pids.max", v, err);
	}
	return r;
}

int cgroup_enter(const char *id, struct berth_error *err)
{
	char p[4200];
	if (is_v2())
		return setv(NULL, id, "cgroup.procs", "0", err);
	/* v1: "tasks", which moves the calling thread (the whole process: it
	 * has one thread). cgroup.procs would move its thread group, which
	 * takes the kernel's global threadgroup lock for writing: an RCU grace
	 * period, 7 to 20 ms here, on every container start. */
	for (size_t i = 0; i < ARRAY_SIZE(v1_ctrls); i++) {
		path_of(p, sizeof(p), v1_ctrls[i], id, NULL);
		if (access(p, F_OK) < 0)
			continue;
		int r = setv(v1_ctrls[i], id, "tasks", "0", err);
		if (r < 0)
			return r;
	}
	return 0;
}

int cgroup_dir_v2(const char *id)
{
	char p[4200];
	if (!is_v2())
		return -1;
	path_of(p, sizeof(p), NULL, id, NULL);
	return open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

bool cgroup_oom_killed(const char *id)
{
	char p[4200], line[128];
	path_of(p, sizeof(p), is_v2() ? NULL : "memory", id, is_v2() ? "memory.events" : "memory.oom_control");
	_cleanup_fclose_ FILE *f = fopen(p, "re");
	while (f && fgets(line, sizeof(line), f)) {
		long n;
		if (sscanf(line, "oom_kill %ld", &n) == 1)
			return n > 0;
	}
	return false;
}

void cgroup_remove(const char *id)
{
	char p[4200];
	if (is_v2()) {
		path_of(p, sizeof(p), NULL, id, NULL);
		(void)rmdir(p);
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(v1_ctrls); i++) {
		path_of(p, sizeof(p), v1_ctrls[i], id, NULL);
		(void)rmdir(p);
	}
}

json_t *cgroup_stats(const char *id)
{
	char p[4200];
	bool v2 = is_v2();
	int64_t usage, limit, pids, pids_max, cpu = -1;
	path_of(p, sizeof(p), v2 ? NULL : "memory", id, v2 ? "memory.current" : "memory.usage_in_bytes");
	usage = read_i64(p);
	path_of(p, sizeof(p), v2 ? NULL : "memory", id, v2 ? "memory.max" : "memory.limit_in_bytes");
	limit = read_i64(p);
	path_of(p, sizeof(p), v2 ? NULL : "pids", id, "pids.current");
	pids = read_i64(p);
	path_of(p, sizeof(p), v2 ? NULL : "pids", id, "pids.max");
	pids_max = read_i64(p);
	if (v2) {
		char line[128];
		path_of(p, sizeof(p), NULL, id, "cpu.stat");
		_cleanup_fclose_ FILE *f = fopen(p, "re");
		while (f && fgets(line, sizeof(line), f)) {
			long long us;
			if (sscanf(line, "usage_usec %lld", &us) == 1)
				cpu = us * 1000;
		}
	} else {
		path_of(p, sizeof(p), "cpuacct", id, "cpuacct.usage");
		cpu = read_i64(p);
	}
	return json_pack("{s:{s:I, s:I}, s:{s:I, s:I}, s:I}", "memory", "usage", (json_int_t)usage,
			 "limit", (json_int_t)limit, "pids", "current", (json_int_t)pids, "limit",
			 (json_int_t)pids_max, "cpu_usage_ns", (json_int_t)cpu);
}

static void closedirp(DIR **d)
{
	if (*d)
		(void)closedir(*d);
}

void cgroup_sweep(bool (*known)(const char *id, void *data), void *data)
{
	char p[4200];
	bool v2 = is_v2();
	for (size_t i = 0; i < (v2 ? 1 : ARRAY_SIZE(v1_ctrls)); i++) {
		path_of(p, sizeof(p), v2 ? NULL : v1_ctrls[i], "", NULL);
		_cleanup_(closedirp) DIR *d = opendir(p);
		struct dirent *e;
		while (d && (e = readdir(d))) {
			if (e->d_type != DT_DIR || strlen(e->d_name) != 64 ||
			    strspn(e->d_name, "0123456789abcdef") != 64 || known(e->d_name, data))
				continue;
			path_of(p, sizeof(p), v2 ? NULL : v1_ctrls[i], e->d_name, NULL);
			(void)rmdir(p); /* fails while a process is in it: then it is not ours to end */
		}
	}
}
