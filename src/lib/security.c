/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "security.h"

#include <cap-ng.h>
#include <ctype.h>
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>

/* Docker's default set. */
static const char *const default_caps[] = {
	"chown", "dac_override", "fsetid", "fowner", "mknod", "net_raw", "setgid",
	"setuid", "setfcap", "setpcap", "net_bind_service", "sys_chroot", "kill",
	"audit_write",
};

/* Syscalls Docker's default profile refuses, and the capability that lets
 * them through (-1: none does). */
static const struct {
	const char *name;
	int cap;
} blocked[] = {
	{"acct", CAP_SYS_PACCT}, {"add_key", -1}, {"bpf", CAP_SYS_ADMIN},
	{"clock_adjtime", CAP_SYS_TIME}, {"clock_settime", CAP_SYS_TIME},
	{"create_module", CAP_SYS_MODULE}, {"delete_module", CAP_SYS_MODULE},
	{"finit_module", CAP_SYS_MODULE}, {"get_kernel_syms", -1},
	{"get_mempolicy", CAP_SYS_NICE}, {"init_module", CAP_SYS_MODULE},
	{"ioperm", CAP_SYS_RAWIO}, {"iopl", CAP_SYS_RAWIO}, {"kcmp", CAP_SYS_PTRACE},
	{"kexec_file_load", CAP_SYS_BOOT}, {"kexec_load", CAP_SYS_BOOT}, {"keyctl", -1},
	{"lookup_dcookie", CAP_SYS_ADMIN}, {"mbind", CAP_SYS_NICE},
	{"mount", CAP_SYS_ADMIN}, {"move_pages", CAP_SYS_NICE},
	{"name_to_handle_at", CAP_SYS_ADMIN}, {"nfsservctl", -1},
	{"open_by_handle_at", CAP_DAC_READ_SEARCH}, {"perf_event_open", CAP_SYS_ADMIN},
	{"pivot_root", CAP_SYS_ADMIN}, {"process_vm_readv", CAP_SYS_PTRACE},
	{"process_vm_writev", CAP_SYS_PTRACE}, {"ptrace", CAP_SYS_PTRACE},
	{"query_module", -1}, {"quotactl", CAP_SYS_ADMIN}, {"reboot", CAP_SYS_BOOT},
	{"request_key", -1}, {"set_mempolicy", CAP_SYS_NICE}, {"setns", CAP_SYS_ADMIN},
	{"settimeofday", CAP_SYS_TIME}, {"stime", CAP_SYS_TIME}, {"swapon", CAP_SYS_ADMIN},
	{"swapoff", CAP_SYS_ADMIN}, {"sysfs", -1}, {"_sysctl", -1},
	{"umount", CAP_SYS_ADMIN}, {"umount2", CAP_SYS_ADMIN}, {"unshare", CAP_SYS_ADMIN},
	{"uselib", -1}, {"userfaultfd", -1}, {"ustat", -1}, {"vm86", -1}, {"vm86old", -1},
	{"fsopen", CAP_SYS_ADMIN}, {"fsmount", CAP_SYS_ADMIN}, {"fsconfig", CAP_SYS_ADMIN},
	{"move_mount", CAP_SYS_ADMIN}, {"open_tree", CAP_SYS_ADMIN},
};

/* "NET_ADMIN", "CAP_NET_ADMIN", "net_admin" -> number; "ALL" -> 64. */
static int cap_parse(const char *s)
{
	char name[64];
	size_t i = 0;
	if (!strncasecmp(s, "CAP_", 4))
		s += 4;
	if (!strcasecmp(s, "ALL"))
		return 64;
	for (; s[i] && i < sizeof(name) - 1; i++)
		name[i] = (char)tolower((unsigned char)s[i]);
	name[i] = '\0';
	return capng_name_to_capability(name);
}

static int apply_list(json_t *list, uint64_t *caps, bool add, const char *flag,
		      struct berth_error *err)
{
	size_t i;
	json_t *v;
	json_array_foreach(list, i, v) {
		const char *s = json_string_value(v);
		int c = s ? cap_parse(s) : -1;
		if (c < 0)
			return berth_errmsg(err, -EINVAL, "invalid capability \"%s\" for %s: want a name like NET_ADMIN or ALL",
					    s ? s : "?", flag);
		uint64_t bits = c == 64 ? ~0ull : 1ull << c;
		*caps = add ? *caps | bits : *caps & ~bits;
	}
	return 0;
}

static int parse_opts(json_t *opts, bool *seccomp, bool *nnp, struct berth_error *err)
{
	size_t i;
	json_t *v;
	json_array_foreach(opts, i, v) {
		const char *s = json_string_value(v);
		if (!s)
			continue;
		if (!strcmp(s, "seccomp=unconfined") || !strcmp(s, "seccomp:unconfined"))
			*seccomp = false;
		else if (!strcmp(s, "no-new-privileges") || !strcmp(s, "no-new-privileges:true") ||
			 !strcmp(s, "no-new-privileges=true"))
			*nnp = true;
		else if (!strcmp(s, "no-new-privileges:false") || !strcmp(s, "no-new-privileges=false"))
			*nnp = false;
		else
			return berth_errmsg(err, -EINVAL,
					    "invalid --security-opt \"%s\": want seccomp=unconfined or no-new-privileges[:true|false]",
					    s);
	}
	return 0;
}

int sec_check(json_t *cap_add, json_t *cap_drop, json_t *security_opt, struct berth_error *err)
{
	uint64_t caps = 0;
	bool a, b;
	int r = apply_list(cap_add, &caps, true, "--cap-add", err);
	if (r >= 0)
		r = apply_list(cap_drop, &caps, false, "--cap-drop", err);
	if (r >= 0)
		r = parse_opts(security_opt, &a, &b, err);
	return r;
}

int sec_from_config(json_t *cfg, struct sec_spec *out, struct berth_error *err)
{
	bool privileged = json_is_true(json_object_get(cfg, "privileged"));
	struct sec_spec s = {.seccomp = !privileged, .no_new_privs = !privileged};
	if (privileged) {
		s.caps = ~0ull;
	} else {
		for (size_t i = 0; i < sizeof(default_caps) / sizeof(default_caps[0]); i++)
			s.caps |= 1ull << capng_name_to_capability(default_caps[i]);
	}
	/* Docker: drops first, then adds ("--cap-drop ALL --cap-add NET_RAW"). */
	int r = apply_list(json_object_get(cfg, "cap_drop"), &s.caps, false, "--cap-drop", err);
	if (r >= 0)
		r = apply_list(json_object_get(cfg, "cap_add"), &s.caps, true, "--cap-add", err);
	if (r >= 0)
		r = parse_opts(json_object_get(cfg, "security_opt"), &s.seccomp, &s.no_new_privs, err);
	if (r < 0)
		return r;
	*out = s;
	return 0;
}

static int load_seccomp(uint64_t caps, bool nnp, struct berth_error *err)
{
	scmp_filter_ctx f = seccomp_init(SCMP_ACT_ALLOW);
	if (!f)
		return berth_errmsg(err, -ENOMEM, "seccomp: init failed");
	/* libseccomp would set no_new_privs itself; we may load without it
	 * (still holding CAP_SYS_ADMIN), so no-new-privileges:false holds. */
	int r = seccomp_attr_set(f, SCMP_FLTATR_CTL_NNP, nnp ? 1 : 0);
	for (size_t i = 0; i < sizeof(blocked) / sizeof(blocked[0]) && r >= 0; i++) {
		if (blocked[i].cap >= 0 && (caps & (1ull << blocked[i].cap)))
			continue; /* the capability was given: so is the call */
		int nr = seccomp_syscall_resolve_name(blocked[i].name);
		if (nr == __NR_SCMP_ERROR)
			continue; /* not on this architecture */
		r = seccomp_rule_add(f, SCMP_ACT_ERRNO(EPERM), nr, 0);
	}
	if (r >= 0)
		r = seccomp_load(f);
	seccomp_release(f);
	return r < 0 ? berth_err(err, r, "seccomp") : 0;
}

int sec_apply(const struct sec_spec *s, struct berth_error *err)
{
	if (s->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return berth_err(err, -errno, "no_new_privs");
	if (s->seccomp) {
		int r = load_seccomp(s->caps, s->no_new_privs, err);
		if (r < 0)
			return r;
	}
	if (s->caps == ~0ull)
		return 0; /* --privileged: keep everything */
	capng_clear(CAPNG_SELECT_BOTH);
	for (int c = 0; c <= CAP_LAST_CAP; c++)
		if (s->caps & (1ull << c))
			capng_update(CAPNG_ADD,
				     /* no inheritable set, as Docker since CVE-2022-24769 */
				     CAPNG_EFFECTIVE | CAPNG_PERMITTED | CAPNG_BOUNDING_SET,
				     (unsigned)c);
	if (capng_apply(CAPNG_SELECT_BOTH) < 0)
		return berth_errmsg(err, -EPERM, "apply capabilities failed");
	return 0;
}

json_t *sec_caps_json(uint64_t caps)
{
	json_t *a = json_array();
	for (int c = 0; c <= CAP_LAST_CAP; c++) {
		if (!(caps & (1ull << c)))
			continue;
		const char *n = capng_capability_to_name((unsigned)c);
		char buf[64];
		size_t i;
		for (i = 0; n && n[i] && i < sizeof(buf) - 1; i++)
			buf[i] = (char)toupper((unsigned char)n[i]);
		buf[i] = '\0';
		char full[80];
		snprintf(full, sizeof(full), "CAP_%s", buf);
		json_array_append_new(a, json_string(full));
	}
	return a;
}
