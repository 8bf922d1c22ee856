/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for cgroup.c: sizes, and what it writes where, on a cgroup v2 and a
 * v1 layout. The hierarchy is a directory tree made here (BERTH_CGROUP_ROOT), with
 * the control files a real cgroupfs would have: these machines' cgroup2 mount has
 * no controllers (all are bound to v1), so the v2 limits cannot be checked on a
 * real one here.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"
#include "util.h"

#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define ID2 "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"

static char root[64];

static void rm_tree(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
}

static int setup(void **state)
{
	snprintf(root, sizeof(root), "/tmp/berth-test-cgroup.XXXXXX");
	if (!mkdtemp(root))
		return -1;
	return setenv("BERTH_CGROUP_ROOT", root, 1);
}

static int teardown(void **state)
{
	rm_tree();
	return unsetenv("BERTH_CGROUP_ROOT");
}

/* put(rel, text): a file under the root, with its directories. */
static void put(const char *rel, const char *text)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	for (char *s = strchr(p + strlen(root) + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		(void)mkdir(p, 0755);
		*s = '/';
	}
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void assert_file(const char *rel, const char *want)
{
	char p[512], got[128] = "";
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	FILE *f = fopen(p, "r");
	if (!f) {
		print_error("%s: %s\n", rel, strerror(errno));
		fail();
	}
	size_t n = fread(got, 1, sizeof(got) - 1, f);
	fclose(f);
	got[n] = '\0';
	if (strcmp(got, want)) {
		print_error("%s: want \"%s\", got \"%s\"\n", rel, want, got);
		fail();
	}
}

static bool is_dir(const char *rel)
{
	char p[512];
	struct stat st;
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The v2 layout: cgroup.controllers at the root; berth/ID with its files. */
static void v2_layout(void)
{
	put("cgroup.controllers", "cpuset cpu io memory pids\n");
	put("berth/cgroup.subtree_control", "");
	static const char *const files[] = {"memory.max", "memory.swap.max", "cpu.max",
					    "cpu.weight", "pids.max"};
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		char rel[160];
		snprintf(rel, sizeof(rel), "berth/" ID "/%s", files[i]);
		put(rel, "");
	}
}

static void v1_layout(bool memsw)
{
	static const char *const files[] = {
		"memory/berth/" ID "/memory.limit_in_bytes", "cpu/berth/" ID "/cpu.cfs_period_us",
		"cpu/berth/" ID "/cpu.cfs_quota_us", "cpu/berth/" ID "/cpu.shares",
		"cpuacct/berth/" ID "/cpuacct.usage", "pids/berth/" ID "/pids.max"};
	for (size_t i = 0; i < ARRAY_SIZE(files); i++)
		put(files[i], "");
	if (memsw)
		put("memory/berth/" ID "/memory.memsw.limit_in_bytes", "");
}

static void test_parse_bytes(void **state)
{
	static const struct {
		const char *in;
		int64_t want;
	} good[] = {
		{"1048576", 1048576}, {"100k", 100 * 1024}, {"100K", 100 * 1024},
		{"512m", 512LL << 20}, {"512mb", 512LL << 20}, {"1g", 1LL << 30},
		{"1.5g", 3LL << 29}, {"7b", 7}, {"0", 0},
	};
	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		struct berth_error err = {0};
		int64_t v = -1;
		assert_int_equal(cg_parse_bytes(good[i].in, "--memory", &v, &err), 0);
		if (v != good[i].want) {
			print_error("%s: want %lld, got %lld\n", good[i].in, (long long)good[i].want,
				    (long long)v);
			fail();
		}
	}
	static const char *const bad[] = {"", "m", "10x", "10mm", "10kbb", "-1", "1e30g", "12 m"};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct berth_error err = {0};
		int64_t v = 42;
		assert_int_equal(cg_parse_bytes(bad[i], "--memory-swap", &v, &err), -EINVAL);
		assert_int_equal(v, 42);
		char want[64];
		snprintf(want, sizeof(want), "invalid size \"%s\" for --memory-swap", bad[i]);
		if (!strstr(err.msg, want)) {
			print_error("message \"%s\" lacks \"%s\"\n", err.msg, want);
			fail();
		}
	}
}

static void test_v2_limits(void **state)
{
	v2_layout();
	struct cg_limits l = {.memory = 512LL << 20, .memory_swap = 1LL << 30, .cpu_quota = 150000,
			      .cpu_shares = 512, .pids = 100};
	struct berth_error err = {0};
	assert_int_equal(cgroup_create(ID, &l, &err), 0);
	assert_file("berth/cgroup.subtree_control", "+memory +cpu +pids");
	assert_file("berth/" ID "/memory.max", "536870912");
	/* v2 counts swap alone: --memory-swap is memory plus swap */
	assert_file("berth/" ID "/memory.swap.max", "536870912");
	assert_file("berth/" ID "/cpu.max", "150000 100000");
	/* Docker's (runc's) shares -> weight: 512 -> 20 */
	assert_file("berth/" ID "/cpu.weight", "20");
	assert_file("berth/" ID "/pids.max", "100");
	rm_tree();
	assert_int_equal(mkdir(root, 0700), 0);

	/* --memory-swap -1: unlimited swap; shares 1024 (Docker's default) -> 39 */
	v2_layout();
	l = (struct cg_limits){.memory = 64LL << 20, .memory_swap = -1, .cpu_shares = 1024};
	assert_int_equal(cgroup_create(ID, &l, &err), 0);
	assert_file("berth/" ID "/memory.max", "67108864");
	assert_file("berth/" ID "/memory.swap.max", "max");
	assert_file("berth/" ID "/cpu.weight", "39");
	assert_file("berth/" ID "/cpu.max", ""); /* no --cpus: untouched */
	assert_file("berth/" ID "/pids.max", ""); /* no --pids-limit: untouched */
	int fd = cgroup_dir_v2(ID);
	assert_true(fd >= 0);
	close(fd);
}

static void test_v2_no_limits_new_cgroup(void **state)
{
	put("cgroup.controllers", "");
	struct cg_limits none = {0};
	struct berth_error err = {0};
	assert_false(cg_limits_any(&none));
	assert_int_equal(cgroup_create(ID, &none, &err), 0);
	assert_true(is_dir("berth/" ID));
	cgroup_remove(ID);
	assert_false(is_dir("berth/" ID));
	assert_true(is_dir("berth"));
}

static void test_v2_write_error_names_file(void **state)
{
	put("cgroup.controllers", "");
	/* no memory.max in the cgroup: as with the memory controller not enabled */
	struct cg_limits l = {.memory = 8LL << 20};
	struct berth_error err = {0};
	assert_int_equal(cgroup_create(ID, &l, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "cgroup: write 8388608 to "));
	assert_non_null(strstr(err.msg, "/berth/" ID "/memory.max"));
}

static void test_v2_stats_and_oom(void **state)
{
	v2_layout();
	put("berth/" ID "/memory.current", "1234567\n");
	put("berth/" ID "/memory.max", "max\n");
	put("berth/" ID "/pids.current", "3\n");
	put("berth/" ID "/pids.max", "100\n");
	put("berth/" ID "/cpu.stat", "usage_usec 2500\nuser_usec 2000\nsystem_usec 500\n");
	json_t *s = cgroup_stats(ID);
	assert_non_null(s);
	json_t *mem = json_object_get(s, "memory"), *pids = json_object_get(s, "pids");
	assert_int_equal(json_integer_value(json_object_get(mem, "usage")), 1234567);
	assert_int_equal(json_integer_value(json_object_get(mem, "limit")), -1); /* "max" */
	assert_int_equal(json_integer_value(json_object_get(pids, "current")), 3);
	assert_int_equal(json_integer_value(json_object_get(pids, "limit")), 100);
	assert_int_equal(json_integer_value(json_object_get(s, "cpu_usage_ns")), 2500000);
	json_decref(s);

	put("berth/" ID "/memory.events", "low 0\nhigh 0\nmax 4\noom 1\noom_kill 0\n");
	assert_false(cgroup_oom_killed(ID));
	put("berth/" ID "/memory.events", "low 0\nhigh 0\nmax 9\noom 2\noom_kill 1\n");
	assert_true(cgroup_oom_killed(ID));
}

static void test_v1_limits(void **state)
{
	v1_layout(true);
	struct cg_limits l = {.memory = 512LL << 20, .memory_swap = 1LL << 30, .cpu_quota = 50000,
			      .cpu_shares = 256, .pids = 64};
	struct berth_error err = {0};
	assert_int_equal(cgroup_create(ID, &l, &err), 0);
	assert_file("memory/berth/" ID "/memory.limit_in_bytes", "536870912");
	/* v1 counts memory and swap together, as --memory-swap does */
	assert_file("memory/berth/" ID "/memory.memsw.limit_in_bytes", "1073741824");
	assert_file("cpu/berth/" ID "/cpu.cfs_period_us", "100000");
	assert_file("cpu/berth/" ID "/cpu.cfs_quota_us", "50000");
	assert_file("cpu/berth/" ID "/cpu.shares", "256");
	assert_file("pids/berth/" ID "/pids.max", "64");
	assert_true(is_dir("cpuacct/berth/" ID)); /* accounted, not limited */
	assert_int_equal(cgroup_dir_v2(ID), -1);

	put("cpuacct/berth/" ID "/cpuacct.usage", "777\n");
	put("memory/berth/" ID "/memory.usage_in_bytes", "4096\n");
	json_t *s = cgroup_stats(ID);
	assert_int_equal(json_integer_value(json_object_get(s, "cpu_usage_ns")), 777);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(s, "memory"), "usage")), 4096);
	json_decref(s);
}

static void test_v1_without_swap_accounting(void **state)
{
	v1_layout(false);
	struct cg_limits l = {.memory = 32LL << 20, .memory_swap = 64LL << 20};
	struct berth_error err = {0};
	assert_int_equal(cgroup_create(ID, &l, &err), 0);
	assert_file("memory/berth/" ID "/memory.limit_in_bytes", "33554432");
	char p[512];
	snprintf(p, sizeof(p), "%s/memory/berth/" ID "/memory.memsw.limit_in_bytes", root);
	assert_int_equal(access(p, F_OK), -1);
}

static void test_v1_missing_controller(void **state)
{
	/* memory and cpu mounted, pids not: --pids-limit cannot be honoured */
	put("memory/.mounted", "");
	put("cpu/.mounted", "");
	struct cg_limits l = {.pids = 10};
	struct berth_error err = {0};
	assert_int_equal(cgroup_create(ID, &l, &err), -EOPNOTSUPP);
	assert_non_null(strstr(err.msg, "needs the pids cgroup controller, which is not mounted at"));
	/* without that limit the missing controller is only not accounted */
	l.pids = 0;
	assert_int_equal(cgroup_create(ID2, &l, &err), 0);
	assert_true(is_dir("memory/berth/" ID2));
	assert_true(is_dir("cpu/berth/" ID2));
	assert_false(is_dir("pids/berth"));
}

static bool known_id(const char *id, void *data)
{
	return !strcmp(id, (const char *)data);
}

static void test_sweep(void **state)
{
	put("memory/berth/" ID "/x", ""); /* not empty: rmdir fails, as with a live process */
	put("memory/berth/" ID2 "/.keep", "");
	char p[512];
	snprintf(p, sizeof(p), "%s/memory/berth/" ID2 "/.keep", root);
	assert_int_equal(unlink(p), 0); /* ID2 empty, unknown: swept */
	put("memory/berth/not-an-id/.keep", "");
	snprintf(p, sizeof(p), "%s/memory/berth/not-an-id/.keep", root);
	assert_int_equal(unlink(p), 0); /* empty, but not a container's: kept */
	put("cpu/berth/" ID "/.keep", "");
	snprintf(p, sizeof(p), "%s/cpu/berth/" ID "/.keep", root);
	assert_int_equal(unlink(p), 0); /* empty and known: kept */
	cgroup_sweep(known_id, (void *)ID);
	assert_true(is_dir("memory/berth/" ID));
	assert_false(is_dir("memory/berth/" ID2));
	assert_true(is_dir("memory/berth/not-an-id"));
	assert_true(is_dir("cpu/berth/" ID));
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_bytes),
		T(test_v2_limits),
		T(test_v2_no_limits_new_cgroup),
		T(test_v2_write_error_names_file),
		T(test_v2_stats_and_oom),
		T(test_v1_limits),
		T(test_v1_without_swap_accounting),
		T(test_v1_missing_controller),
		T(test_sweep),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
