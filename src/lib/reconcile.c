/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reconcile: make the host and the store agree again after something was
 * cut short — a berth command killed half-way, a monitor that died, a
 * reboot. The store is the truth for what should exist; the kernel side is
 * rebuilt from it and whatever berth made that the store does not know is
 * removed. Restart policies are applied last.
 */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "berth.h"
#include "cgroup.h"
#include "cni.h"
#include "container.h"
#include "dns.h"
#include "firewall.h"
#include "netns.h"
#include "network.h"
#include "restart.h"
#include "util.h"

/* The kernel's id for this boot, kept in the run directory: when it is
 * missing or different, the host restarted since berth last ran. */
static bool booted_since(struct berth_ctx *ctx, bool mark)
{
	char now[64] = "", was[64] = "";
	_cleanup_free_ char *path = NULL;
	if (asprintf(&path, "%s/boot_id", ctx->run_root) < 0)
		return false;
	_cleanup_fclose_ FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");
	if (f && !fgets(now, sizeof(now), f))
		now[0] = '\0';
	_cleanup_fclose_ FILE *g = fopen(path, "re");
	if (g && !fgets(was, sizeof(was), g))
		was[0] = '\0';
	bool booted = strcmp(now, was) != 0;
	if (booted && mark && mkdir_p(ctx->run_root, 0711) >= 0)
		(void)write_file(path, now, strlen(now), 0644);
	return booted;
}

/* Read c again from the store (it may have changed under us). */
static void reread(struct berth_ctx *ctx, struct ctr_rec *c)
{
	struct store *st;
	char id[65];
	memcpy(id, c->id, sizeof(id));
	ctr_rec_clear(c);
	if (ctx_store(ctx, &st, NULL) < 0 || store_container_get(st, id, c) < 0)
		c->state = CTR_EXITED;
}

/* A container recorded as running needs its monitor. A live monitor whose
 * container has ended is recording the exit: it is given the time to (so
 * that no dead container is left recorded as running when reconcile ends).
 * A process whose monitor died is ended (nobody would release its network
 * when it exits); then the exit is recorded here. */
static void check_running(struct berth_ctx *ctx, struct ctr_rec *c)
{
	for (int i = 0; i < 500 && c->state == CTR_RUNNING && monitor_alive(c) && !ctr_alive(c); i++) {
		(void)usleep(10000);
		reread(ctx, c);
	}
	if (c->state != CTR_RUNNING || monitor_alive(c))
		return;
	if (ctr_alive(c)) {
		(void)kill(c->pid, SIGKILL);
		for (int i = 0; i < 500 && ctr_alive(c); i++)
			(void)usleep(10000);
	}
	container_finished(ctx, c->id, W_EXITCODE(137, 0));
	reread(ctx, c);
}

/* A running container's memberships with an address are plugged (a
 * `network connect` killed between allocating and plugging); if that
 * cannot be done, the address goes back to the pool. */
static void replug(struct berth_ctx *ctx, struct store *st, const struct ctr_rec *c)
{
	struct nl *nl;
	_cleanup_free_ struct ep_rec *eps = NULL;
	size_t n = 0;
	if (c->state != CTR_RUNNING || ctx_nl(ctx, &nl, NULL) < 0 ||
	    store_endpoint_list(st, c->id, NULL, &eps, &n) < 0)
		return;
	for (size_t i = 0; i < n; i++) {
		struct net_rec net;
		if (!eps[i].ip || nl_link_get(nl, eps[i].veth, NULL, NULL) >= 0)
			continue;
		_cleanup_close_ int fd = container_netns_open(ctx, c, NULL);
		_cleanup_(nl_closep) struct nl *cnl = NULL;
		if (fd >= 0 && nl_open(&cnl, fd, NULL) == 0 &&
		    store_network_get(st, eps[i].network_id, &net) == 0 &&
		    network_bridge_ensure(ctx, &net, NULL) == 0 &&
		    network_attach(ctx, &net, &eps[i], fd, cnl, NULL) == 0)
			continue;
		eps[i].ip = 0;
		eps[i].has_ip6 = false;
		(void)store_endpoint_put(st, &eps[i], NULL);
	}
}

/* A container that is not running holds no address, port or namespace. */
static bool holds_resources(struct berth_ctx *ctx, struct store *st, const struct ctr_rec *c)
{
	_cleanup_free_ struct ep_rec *eps = NULL;
	_cleanup_free_ struct port_rec *ports = NULL;
	_cleanup_free_ char *ns = ctx_run_path(ctx, c->id, "netns");
	size_t ne = 0, np = 0;
	struct stat sb;
	(void)store_endpoint_list(st, c->id, NULL, &eps, &ne);
	for (size_t i = 0; i < ne; i++)
		if (eps[i].ip)
			return true;
	(void)store_port_list(st, c->id, &ports, &np);
	return np || (ns && stat(ns, &sb) == 0);
}

static bool known_container(const char *id, void *data)
{
	struct store *st = data;
	struct ctr_rec c = {0};
	if (store_container_get(st, id, &c) < 0 || strcmp(c.id, id)) {
		if (c.config)
			ctr_rec_clear(&c);
		return false;
	}
	bool running = c.state == CTR_RUNNING;
	ctr_rec_clear(&c);
	return running;
}

/* Run and state directories of containers the store does not have (an
 * `rm` killed after it deleted the record leaves them; a container's
 * directories are only made once its record exists). */
static void sweep_dirs(struct berth_ctx *ctx, struct store *st, const char *root)
{
	_cleanup_free_ char *dir = NULL;
	if (asprintf(&dir, "%s/containers", root) < 0)
		return;
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		struct ctr_rec c = {0};
		if (e->d_name[0] == '.' || strlen(e->d_name) != 64)
			continue;
		if (store_container_get(st, e->d_name, &c) == 0 && !strcmp(c.id, e->d_name)) {
			ctr_rec_clear(&c);
			continue;
		}
		if (c.config)
			ctr_rec_clear(&c);
		_cleanup_free_ char *ns = ctx_run_path(ctx, e->d_name, "netns");
		if (ns)
			(void)netns_remove(ns, NULL);
		(void)container_remove_files(ctx, e->d_name);
	}
	if (d)
		closedir(d);
}

/* Is NAME -> /proc/PID/ns/net a name berth gave, that no longer names its
 * container's namespace (gone, or a reused pid)? */
static bool stale_proc_name(struct store *st, const char *name, const char *link)
{
	struct ctr_rec c;
	struct stat sb;
	int pid = netns_proc_pid(link);
	if (pid < 0)
		return false;
	if (stat(link, &sb) < 0)
		return true; /* nothing there: of use to nobody */
	if (!st || store_container_get(st, name, &c) < 0)
		return false; /* not one of ours */
	bool stale = strcmp(c.name, name) || c.state != CTR_RUNNING || c.pid != pid || !ctr_alive(&c);
	ctr_rec_clear(&c);
	return stale;
}

/* `ip netns` names pointing at nothing: into our run directory (an older
 * berth's pins), or at a container's process that is gone. */
static void sweep_netns_names(struct berth_ctx *ctx)
{
	struct store *st = NULL;
	DIR *d = opendir(ctx->netns_dir);
	struct dirent *e;
	size_t rl = strlen(ctx->run_root);
	if (ctx_store(ctx, &st, NULL) < 0)
		st = NULL;
	while (d && (e = readdir(d))) {
		char link[4096], path[4096];
		struct stat sb;
		snprintf(path, sizeof(path), "%s/%s", ctx->netns_dir, e->d_name);
		ssize_t n = readlink(path, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		if ((!strncmp(link, ctx->run_root, rl) && link[rl] == '/' && stat(link, &sb) < 0) ||
		    stale_proc_name(st, e->d_name, link))
			(void)unlink(path);
	}
	if (d)
		closedir(d);
}

static bool veth_known(const char *name, const struct ep_rec *eps, size_t ne,
		       const struct cni_rec *cv, size_t nc)
{
	for (size_t i = 0; i < ne; i++)
		if (!strcmp(eps[i].veth, name))
			return eps[i].ip != 0;
	for (size_t i = 0; i < nc; i++)
		if (!strcmp(cv[i].veth, name))
			return true;
	return false;
}

/* Ports of berth's bridges named like berth's veths that no running
 * endpoint or CNI attachment owns. */
static void sweep_veths(struct berth_ctx *ctx, struct store *st)
{
	struct nl *nl;
	_cleanup_free_ struct net_rec *nets = NULL;
	_cleanup_free_ struct ep_rec *eps = NULL;
	struct cni_rec *cv = NULL;
	size_t n = 0, ne = 0, nc = 0;
	if (ctx_nl(ctx, &nl, NULL) < 0 || store_network_list(st, &nets, &n) < 0)
		return;
	(void)store_endpoint_list(st, NULL, NULL, &eps, &ne);
	(void)store_cni_list(st, NULL, NULL, NULL, &cv, &nc);
	for (size_t i = 0; i < n; i++) {
		struct nl_link br;
		_cleanup_free_ struct nl_port *ports = NULL;
		if (nets[i].user_bridge || nl_link_get(nl, nets[i].bridge, &br, NULL) < 0)
			continue;
		int np = nl_bridge_ports(nl, br.ifindex, &ports, NULL);
		for (int k = 0; k < np; k++)
			if (strlen(ports[k].name) == 15 && !strncmp(ports[k].name, "veth", 4) &&
			    !veth_known(ports[k].name, eps, ne, cv, nc))
				(void)nl_link_del(nl, ports[k].name, NULL);
	}
	cni_recs_free(cv, nc);
}

/* CNI attachments whose namespace is gone (the pod is gone; after a
 * reboot, all of them). */
static void sweep_cni(struct berth_ctx *ctx, struct store *st)
{
	struct cni_rec *cv = NULL;
	size_t nc = 0;
	(void)store_cni_list(st, NULL, NULL, NULL, &cv, &nc);
	for (size_t i = 0; i < nc; i++) {
		struct stat sb;
		if (stat(cv[i].netns, &sb) < 0) /* (rules: rebuilt at the end) */
			(void)cni_release(ctx, &cv[i], false, NULL);
	}
	cni_recs_free(cv, nc);
}

static int reconcile(struct berth_ctx *ctx, bool boot, struct berth_error *err)
{
	struct store *st;
	struct ctr_rec *v = NULL;
	size_t n = 0;
	int r = ctx_store(ctx, &st, err);
	if (r >= 0)
		r = store_container_list(st, &v, &n);
	if (r < 0)
		return berth_err_wrap(err, r, "reconcile");
	for (size_t i = 0; i < n; i++) {
		check_running(ctx, &v[i]);
		replug(ctx, st, &v[i]);
		if (v[i].state != CTR_RUNNING && holds_resources(ctx, st, &v[i]))
			(void)container_teardown(ctx, v[i].id, NULL);
		if (v[i].state != CTR_RUNNING)
			cgroup_remove(v[i].id);
	}
	sweep_dirs(ctx, st, ctx->run_root);
	sweep_dirs(ctx, st, ctx->root);
	sweep_netns_names(ctx);
	for (size_t i = 0; i < n; i++) /* (what the sweep took from them) */
		if (v[i].state == CTR_RUNNING && ctr_alive(&v[i]))
			(void)container_netns_name(ctx, &v[i], v[i].pid, NULL);
	sweep_cni(ctx, st);
	sweep_veths(ctx, st);
	cgroup_sweep(known_container, st);
	/* Bridges, rules and names as the store says (after a boot with no
	 * network recorded there is nothing to restore: no empty table is
	 * made on a host that never ran anything). */
	_cleanup_free_ struct net_rec *nets = NULL;
	size_t nn = 0;
	(void)store_network_list(st, &nets, &nn);
	if (!boot || nn)
		r = berth_reload(ctx, err);
	for (size_t i = 0; r >= 0 && i < nn; i++)
		if (!nets[i].builtin && strcmp(nets[i].driver, "cni"))
			(void)dns_update(ctx, nets[i].id, NULL);
	/* Restart policies, now that everything is released. */
	for (size_t i = 0; r >= 0 && i < n; i++) {
		struct ctr_rec c;
		if (container_get(ctx, v[i].id, &c, NULL) < 0)
			continue;
		if (restart_wanted(&c, boot)) {
			struct berth_start s = {0};
			(void)container_start(ctx, c.id, &s, NULL);
		}
		ctr_rec_clear(&c);
	}
	ctr_recs_free(v, n);
	return r;
}

int berth_reconcile(struct berth_ctx *ctx, struct berth_error *err)
{
	return reconcile(ctx, booted_since(ctx, true), err);
}

int berth_reconcile_after_boot(struct berth_ctx *ctx, struct berth_error *err)
{
	if (!booted_since(ctx, true))
		return 0;
	return reconcile(ctx, true, err);
}
