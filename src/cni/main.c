/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * berth-cni: a CNI plugin (spec 0.3.0 to 1.1.0) over libberth. The CNI
 * protocol only: the command and arguments from CNI_* variables, the
 * network configuration on stdin, the result or the spec's error object on
 * stdout. Bridge, IPAM and port mapping are one plugin and one process.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "berth.h"
#include "cniconf.h"
#include "util.h"

static const char usage[] =
	"Usage: CNI_COMMAND=ADD|DEL|CHECK|GC|STATUS|VERSION CNI_CONTAINERID=ID CNI_NETNS=PATH\n"
	"       CNI_IFNAME=NAME [CNI_ARGS=K=V;...] berth-cni < network-config.json\n"
	"\n"
	"berth's CNI plugin: a bridge, its addresses (host-local style IPAM) and port mappings\n"
	"in one plugin. Runtimes (containerd, CRI-O, Podman) call it; see docs/cni.md.\n"
	"State lives in berth's store (BERTH_ROOT, default /var/lib/berth); the networks it\n"
	"makes show in `berth network ls` as cni:NAME.\n";

/* The spec's well-known error codes. */
enum {
	CNI_ERR_VERSION = 1,      /* incompatible CNI version */
	CNI_ERR_UNSUPPORTED = 2,  /* unsupported field in network configuration */
	CNI_ERR_UNKNOWN_CTR = 3,  /* container unknown or does not exist */
	CNI_ERR_ENV = 4,          /* invalid necessary environment variables */
	CNI_ERR_IO = 5,           /* I/O failure */
	CNI_ERR_DECODE = 6,       /* failed to decode content */
	CNI_ERR_CONFIG = 7,       /* invalid network config */
	CNI_ERR_TRY_AGAIN = 11,   /* try again later */
	CNI_ERR_NOT_AVAILABLE = 50, /* STATUS: cannot service ADD */
	CNI_ERR_INTERNAL = 999,
};

static int cni_code(int r)
{
	switch (r) {
	case -EPROTONOSUPPORT:
		return CNI_ERR_VERSION;
	case -EOPNOTSUPP:
		return CNI_ERR_UNSUPPORTED;
	case -ENOENT:
		return CNI_ERR_UNKNOWN_CTR;
	case -ENXIO:
		return CNI_ERR_ENV;
	case -EIO:
		return CNI_ERR_IO;
	case -EBADMSG:
		return CNI_ERR_DECODE;
	case -EINVAL:
		return CNI_ERR_CONFIG;
	case -EAGAIN:
	case -EBUSY:
		return CNI_ERR_TRY_AGAIN;
	case -EHOSTDOWN:
		return CNI_ERR_NOT_AVAILABLE;
	default:
		return CNI_ERR_INTERNAL;
	}
}

static const char *version_or_latest(const char *v)
{
	return v && cni_version_index(v, NULL) >= 0 ? v : "1.1.0";
}

/* The spec's error object on stdout; exit status 1. */
static int fail(const char *version, int r, const struct berth_error *err)
{
	json_t *o = json_pack("{s:s, s:i, s:s}", "cniVersion", version_or_latest(version), "code",
			      cni_code(r), "msg", err->msg[0] ? err->msg : strerror(-r));
	if (o) {
		json_dumpf(o, stdout, JSON_INDENT(4));
		fputc('\n', stdout);
		json_decref(o);
	}
	return 1;
}

static int print_json(json_t *o)
{
	int r = o ? json_dumpf(o, stdout, JSON_INDENT(4)) : -1;
	fputc('\n', stdout);
	json_decref(o);
	return r < 0 || fflush(stdout) ? 1 : 0;
}

static char *read_stdin(size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	while (buf) {
		ssize_t got = read(STDIN_FILENO, buf + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		n += (size_t)got;
		if (n == cap) {
			if (cap >= (1u << 24)) /* 16 MiB: no configuration is that large */
				break;
			char *nb = realloc(buf, cap *= 2);
			if (!nb)
				free(buf);
			buf = nb;
		}
	}
	*len = n;
	return buf;
}

static const char *env(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? v : NULL;
}

int main(int argc, char **argv)
{
	struct berth_error err = {0};
	const char *cmd = env("CNI_COMMAND");
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(usage, stdout);
		return 0;
	}
	if (argc > 1 && (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-v"))) {
		printf("berth-cni version %s, CNI spec 0.3.0 - 1.1.0\n", BERTH_VERSION);
		return 0;
	}
	if (!cmd) {
		fputs(usage, stderr);
		berth_errmsg(&err, -ENXIO, "required env variable [CNI_COMMAND] missing");
		return fail(NULL, -ENXIO, &err);
	}
	size_t len = 0;
	_cleanup_free_ char *in = read_stdin(&len);
	if (!in)
		return fail(NULL, berth_err(&err, -ENOMEM, "read stdin"), &err);

	if (!strcmp(cmd, "VERSION")) {
		json_t *sv = json_array();
		for (int i = 0; cni_versions[i]; i++)
			json_array_append_new(sv, json_string(cni_versions[i]));
		return print_json(json_pack("{s:s, s:o}", "cniVersion", "1.1.0", "supportedVersions", sv));
	}

	struct berth_cni_args a = {env("CNI_CONTAINERID"), env("CNI_NETNS"), env("CNI_IFNAME")};
	bool add = !strcmp(cmd, "ADD"), del = !strcmp(cmd, "DEL"), check = !strcmp(cmd, "CHECK"),
	     gc = !strcmp(cmd, "GC"), status = !strcmp(cmd, "STATUS");
	if (!add && !del && !check && !gc && !status) {
		berth_errmsg(&err, -ENXIO, "CNI_COMMAND \"%s\": want ADD, DEL, CHECK, GC, STATUS or VERSION", cmd);
		return fail(NULL, -ENXIO, &err);
	}
	char missing[64] = "";
	if ((add || del || check) && !a.container_id)
		strcat(missing, " CNI_CONTAINERID");
	if ((add || check) && !a.netns)
		strcat(missing, " CNI_NETNS");
	if ((add || del || check) && !a.ifname)
		strcat(missing, " CNI_IFNAME");
	if (missing[0]) {
		berth_errmsg(&err, -ENXIO, "required env variables [%s] missing", missing + 1);
		return fail(NULL, -ENXIO, &err);
	}

	struct cni_conf c;
	int r = cni_conf_parse(in, len, env("CNI_ARGS"), true, &c, &err);
	/* DEL must work with whatever configuration it is given: a network
	 * name is enough to find what to release. */
	if (r < 0 && del && r != -EBADMSG && r != -EPROTONOSUPPORT) {
		berth_err_clear(&err);
		r = cni_conf_parse(in, len, NULL, false, &c, &err);
	}
	if (r < 0) {
		/* (the version the runtime asked for, if it can be read at all) */
		json_t *doc = json_loadb(in, len, 0, NULL);
		int rc = fail(json_string_value(json_object_get(doc, "cniVersion")), r, &err);
		json_decref(doc);
		return rc;
	}
	if ((check && c.version < CNI_V040) || ((gc || status) && c.version < CNI_V110)) {
		r = berth_errmsg(&err, -EPROTONOSUPPORT, "%s needs cniVersion %s or later (config has %s)", cmd,
				 check ? "0.4.0" : "1.1.0", c.version_str);
		goto out;
	}

	struct berth_ctx *ctx = NULL;
	r = berth_ctx_new(&ctx, &(struct berth_ctx_opts){.root = c.data_dir, .run_root = c.run_dir}, &err);
	/* DEL where berth never kept state: nothing to release, and nothing
	 * is made (a wrong dataDir must not leave an empty store behind). */
	bool nothing = r >= 0 && del && !berth_ctx_has_state(ctx);
	/* After a reboot, every recorded attachment's namespace is gone. */
	if (r >= 0 && !nothing)
		(void)berth_reconcile_after_boot(ctx, NULL);
	json_t *result = NULL;
	if (r >= 0 && !nothing) {
		if (add)
			r = berth_cni_add(ctx, &c, &a, &result, &err);
		else if (del)
			r = berth_cni_del(ctx, &c, &a, &err);
		else if (check)
			r = berth_cni_check(ctx, &c, &a, &err);
		else if (gc)
			r = berth_cni_gc(ctx, &c, &err);
		else
			r = berth_cni_status(ctx, &c, &err);
	}
	berth_ctx_free(ctx);
	if (r >= 0 && add)
		r = print_json(result) ? -EIO : 0;
out:;
	int rc = r < 0 ? fail(c.version_str, r, &err) : 0;
	cni_conf_free(&c);
	return rc;
}
