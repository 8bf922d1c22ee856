/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "dns.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "util.h"

extern char **environ;

static char *net_path(struct berth_ctx *ctx, const char *id, const char *leaf)
{
	char *p = NULL;
	if (asprintf(&p, "%s/networks/%s%s%s", ctx->run_root, id, leaf ? "/" : "",
		     leaf ? leaf : "") < 0)
		return NULL;
	return p;
}

/* The running server's pid, or 0. */
static pid_t server_pid(struct berth_ctx *ctx, const char *id)
{
	_cleanup_free_ char *pidfile = net_path(ctx, id, "dnsmasq.pid");
	char comm[32] = "", path[64];
	long pid = 0;
	_cleanup_fclose_ FILE *f = pidfile ? fopen(pidfile, "re") : NULL;
	if (!f || fscanf(f, "%ld", &pid) != 1 || pid <= 0)
		return 0;
	char state = 0;
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	_cleanup_fclose_ FILE *c = fopen(path, "re");
	/* "PID (comm) S ...": gone, a zombie, or the pid reused: not ours. */
	if (!c || fscanf(c, "%*d (%31[^)]) %c", comm, &state) != 2 || strcmp(comm, "dnsmasq") ||
	    state == 'Z')
		return 0;
	return (pid_t)pid;
}

/* hosts: "IP name shortid aliases" per address (IPv4 and IPv6); servers:
 * "server=/name/" per name, so dnsmasq answers every query type for them
 * itself (AAAA of an IPv4-only container: no data) and never sends the
 * network's names upstream. */
static int write_hosts(struct store *st, const struct net_rec *n, const char *path,
		       const char *servers, struct berth_error *err)
{
	_cleanup_free_ struct ep_rec *eps = NULL;
	size_t ne = 0;
	char tmp[4200];
	int r = store_endpoint_list(st, NULL, n->id, &eps, &ne);
	if (r < 0)
		return berth_err(err, r, "list endpoints");
	/* A container on this network that is also on others asks this
	 * network's server (its first) for their names too: answer the names
	 * of those networks as well, with their addresses there. */
	for (size_t i = 0, base = ne; i < base; i++) {
		_cleanup_free_ struct ep_rec *mine = NULL;
		size_t nm = 0;
		if (!eps[i].ip || store_endpoint_list(st, eps[i].container_id, NULL, &mine, &nm) < 0)
			continue;
		for (size_t j = 0; j < nm; j++) {
			_cleanup_free_ struct ep_rec *other = NULL;
			size_t no = 0;
			bool seen = !strcmp(mine[j].network_id, n->id);
			for (size_t k = base; k < ne && !seen; k++)
				seen = !strcmp(eps[k].network_id, mine[j].network_id);
			if (seen || store_endpoint_list(st, NULL, mine[j].network_id, &other, &no) < 0)
				continue;
			struct ep_rec *grown = realloc(eps, (ne + no) * sizeof(*eps));
			if (!grown)
				break;
			eps = grown;
			for (size_t k = 0; k < no; k++) {
				bool dup = false;
				for (size_t q = 0; q < ne && !dup; q++)
					dup = !strcmp(eps[q].container_id, other[k].container_id);
				if (!dup)
					eps[ne++] = other[k];
			}
		}
	}
	char stmp[4200];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	snprintf(stmp, sizeof(stmp), "%s.tmp", servers);
	_cleanup_fclose_ FILE *f = fopen(tmp, "we");
	_cleanup_fclose_ FILE *sf = fopen(stmp, "we");
	if (!f || !sf)
		return berth_err(err, negerrno(), "write %s", tmp);
	for (size_t i = 0; i < ne; i++) {
		struct ctr_rec c;
		char ip[INET6_ADDRSTRLEN], names[512];
		if (!eps[i].ip || store_container_get(st, eps[i].container_id, &c) < 0)
			continue;
		size_t len = (size_t)snprintf(names, sizeof(names), "%s %.12s", c.name, c.id);
		fprintf(sf, "server=/%s/\nserver=/%.12s/\n", c.name, c.id);
		for (char *a = eps[i].aliases, *e; *a; a = *e ? e + 1 : e) {
			e = strchrnul(a, ',');
			if (len < sizeof(names))
				len += (size_t)snprintf(names + len, sizeof(names) - len, " %.*s", (int)(e - a), a);
			fprintf(sf, "server=/%.*s/\n", (int)(e - a), a);
		}
		fprintf(f, "%s\t%s\n", ip4_str(eps[i].ip, ip), names);
		if (eps[i].has_ip6)
			fprintf(f, "%s\t%s\n", inet_ntop(AF_INET6, &eps[i].ip6, ip, sizeof(ip)), names);
		ctr_rec_clear(&c);
	}
	if (fflush(f) != 0 || fflush(sf) != 0 || rename(tmp, path) < 0 || rename(stmp, servers) < 0)
		return berth_err(err, negerrno(), "write %s", path);
	(void)chmod(servers, 0644);
	return 0;
}

static int server_start(struct berth_ctx *ctx, const struct net_rec *n, const char *dir,
			struct berth_error *err)
{
	char gw[16], listen[64], pidfile[4200], hosts[4200], servers[4200];
	snprintf(listen, sizeof(listen), "--listen-address=%s", ip4_str(n->gateway, gw));
	snprintf(pidfile, sizeof(pidfile), "--pid-file=%s/dnsmasq.pid", dir);
	snprintf(hosts, sizeof(hosts), "--addn-hosts=%s/hosts", dir);
	snprintf(servers, sizeof(servers), "--servers-file=%s/servers", dir);
	/* An internal network reaches nothing outside, its names included. */
	char *argv[] = {"dnsmasq", "--conf-file=/dev/null", pidfile, listen, "--bind-interfaces",
			"--no-hosts", hosts, servers, "--no-negcache", "--port=53",
			n->internal ? "--no-resolv" : NULL, NULL};
	pid_t pid;
	int rc = posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ);
	if (rc != 0)
		return berth_err(err, -rc, "start dnsmasq for network %s (install dnsmasq-base)", n->name);
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return berth_errmsg(err, -EIO, "dnsmasq for network %s failed to start (exit %d)",
				    n->name, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	return 0;
}

static int dns_update_locked(struct berth_ctx *ctx, const char *network_id,
			     struct berth_error *err);

int dns_update(struct berth_ctx *ctx, const char *network_id, struct berth_error *err)
{
	int lock = ctx_lock(ctx);
	int r = dns_update_locked(ctx, network_id, err);
	ctx_unlock(lock);
	return r;
}

static int dns_update_locked(struct berth_ctx *ctx, const char *network_id,
			     struct berth_error *err)
{
	struct store *st;
	struct net_rec n;
	int r = ctx_store(ctx, &st, err);
	if (r < 0)
		return r;
	if (store_network_get(st, network_id, &n) < 0 || n.builtin)
		return 0;
	_cleanup_free_ char *dir = net_path(ctx, n.id, NULL);
	_cleanup_free_ char *hosts = net_path(ctx, n.id, "hosts");
	_cleanup_free_ char *servers = net_path(ctx, n.id, "servers");
	if (!dir || !hosts || !servers)
		return berth_err(err, -ENOMEM, "dns");
	/* dnsmasq re-reads the file as an unprivileged user after SIGHUP. */
	if (mkdir_p(dir, 0755) < 0)
		return berth_err(err, negerrno(), "create %s", dir);
	(void)chmod(ctx->run_root, 0711);
	r = write_hosts(st, &n, hosts, servers, err);
	if (r < 0)
		return r;
	(void)chmod(hosts, 0644);
	pid_t pid = server_pid(ctx, n.id);
	if (pid > 0)
		return kill(pid, SIGHUP) < 0 ? berth_err(err, negerrno(), "reload dnsmasq") : 0;
	return server_start(ctx, &n, dir, err);
}

void dns_stop(struct berth_ctx *ctx, const char *network_id)
{
	pid_t pid = server_pid(ctx, network_id);
	if (pid > 0) {
		(void)kill(pid, SIGTERM);
		for (int i = 0; i < 200 && server_pid(ctx, network_id) == pid; i++)
			usleep(5000);
	}
	_cleanup_free_ char *dir = net_path(ctx, network_id, NULL);
	if (dir) {
		char p[4200];
		const char *leaves[] = {"hosts", "hosts.tmp", "servers", "servers.tmp", "dnsmasq.pid"};
		for (size_t i = 0; i < ARRAY_SIZE(leaves); i++) {
			snprintf(p, sizeof(p), "%s/%s", dir, leaves[i]);
			(void)unlink(p);
		}
		(void)rmdir(dir);
	}
}
