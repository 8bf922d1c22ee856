/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The container lifecycle: create records the container; start makes its
 * namespace, network and files, then hands it to a monitor; stop, kill and
 * rm end it. The store changes first in one transaction; the kernel follows.
 */
#include "container.h"
#include "restart.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "firewall.h"
#include "strbuf.h"
#include "cgroup.h"
#include "conntrack.h"
#include "dns.h"
#include "links.h"
#include "p2p.h"
#include "publish.h"
#include "relay.h"
#include "netns.h"
#include "network.h"
#include "util.h"

/* ---- create ---- */

static bool valid_name(const char *s)
{
	/* Docker: [a-zA-Z0-9][a-zA-Z0-9_.-]+ */
	size_t n = strlen(s);
	if (n < 2 || n > 127 || !strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", s[0]))
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

static void random_name(char out[64])
{
	static const char *const adj[] = {
		"brave", "calm", "eager", "fervent", "gallant", "happy", "jolly", "keen",
		"lucid", "nifty", "quirky", "serene", "sharp", "stoic", "tender", "vivid",
	};
	static const char *const noun[] = {
		"albatross", "beacon", "capstan", "dinghy", "ferry", "galley", "harbor",
		"jetty", "keel", "lantern", "mooring", "pier", "quay", "rudder", "schooner", "tug",
	};
	uint8_t v[3] = {0}; /* 24 bits: the words and four hex digits apart */
	(void)!getrandom(v, sizeof(v), 0);
	snprintf(out, 64, "%s_%s_%02x%02x", adj[v[0] & 15], noun[v[0] >> 4], v[1], v[2]);
}

static json_t *strv_json(char *const *v)
{
	json_t *a = json_array();
	for (; v && *v; v++)
		json_array_append_new(a, json_string(*v));
	return a;
}

/* A fixed address (--ip) may lie anywhere in the network's subnet, as with
 * Docker's, but not on its gateway, network or broadcast address. */
static int check_fixed_ip(const struct net_rec *n, uint32_t ip, struct berth_error *err)
{
	struct ipam_pool whole = {.subnet = n->subnet, .range = n->subnet, .gateway = n->gateway};
	return ipam_check(&whole, ip, err);
}

static int check_network_opts(struct berth_ctx *ctx, const struct berth_run_opts *o,
			      json_t *cfg, struct berth_error *err)
{
	struct net_rec n;
	const char *net = o->network && *o->network ? o->network : "bridge";
	if (!strcmp(net, "default"))
		net = "bridge";
	if (!strncmp(net, "container:", 10)) {
		struct store *st;
		struct ctr_rec other;
		int r = ctx_store(ctx, &st, err);
		if (r < 0)
			return r;
		r = store_container_get(st, net + 10, &other);
		if (r < 0)
			return berth_errmsg(err, -ENOENT, "No such container: %s", net + 10);
		json_object_set_new(cfg, "network_container", json_string(other.id));
		ctr_rec_clear(&other);
		if (o->hostname)
			return berth_errmsg(err, -EINVAL,
					    "conflicting options: hostname and the network mode");
	} else if (strcmp(net, "bridge") && strcmp(net, "none") && strcmp(net, "host")) {
		struct store *st;
		int r = ctx_store(ctx, &st, err);
		if (r < 0)
			return r;
		if (store_network_get(st, net, &n) < 0)
			return berth_errmsg(err, -ENOENT,
					    "network %s not found (want bridge, none, host, container:NAME or a network from `berth network ls`)",
					    net);
		json_object_set_new(cfg, "network_id", json_string(n.id));
		json_object_set_new(cfg, "network_name", json_string(n.name));
		net = json_string_value(json_object_get(cfg, "network_name"));
	}
	bool user = json_object_get(cfg, "network_id") != NULL;
	bool bridge = !strcmp(net, "bridge") || user;
	if (o->aliases && o->aliases[0] && !user)
		return berth_errmsg(err, -EINVAL,
				    "network-scoped alias is supported only for containers in user defined networks");
	if (o->ip) {
		uint32_t ip;
		if (!bridge)
			return berth_errmsg(err, -EINVAL,
					    "conflicting options: ip address and the network mode \"%s\"", net);
		int r = ipam_parse_ip4(o->ip, &ip, err);
		if (r < 0)
			return r;
		/* As Docker's (since 25.0): refused by create, not by start (which
		 * checks again: daemon.json may change the default bridge). */
		bool known = user || network_default_wanted(ctx, &n, NULL) == 0;
		if (known && check_fixed_ip(&n, ip, err) < 0)
			return berth_err_wrap(err, -EINVAL, "network %s", n.name);
	}
	if (o->mac) {
		uint8_t mac[6];
		if (!bridge)
			return berth_errmsg(err, -EINVAL,
					    "conflicting options: mac-address and the network mode \"%s\"", net);
		int r = ipam_parse_mac(o->mac, mac, err);
		if (r < 0)
			return r;
	}
	json_object_set_new(cfg, "network", json_string(net));
	return 0;
}

static int create_links(struct berth_ctx *ctx, const struct berth_run_opts *o, json_t *cfg,
			struct berth_error *err)
{
	json_t *expose = json_array(), *links = json_array(), *publish = json_array();
	struct store *st;
	int r = 0;
	json_object_set_new(cfg, "expose", expose);
	json_object_set_new(cfg, "links", links);
	json_object_set_new(cfg, "publish", publish);
	json_object_set_new(cfg, "publish_all", json_boolean(o->publish_all));
	for (char *const *e = o->expose; r >= 0 && e && *e; e++)
		r = expose_parse(*e, expose, err);
	for (char *const *e = o->publish; r >= 0 && e && *e; e++)
		json_array_append_new(publish, json_string(*e));
	if (r >= 0)
		r = publish_check(publish, expose, err);
	const char *net = json_string_value(json_object_get(cfg, "network"));
	if (r >= 0 && (json_array_size(publish) || o->publish_all) && strcmp(net, "bridge") &&
	    !json_object_get(cfg, "network_id"))
		return berth_errmsg(err, -EINVAL,
				    "conflicting options: port publishing and the network mode \"%s\"", net);
	if (r < 0 || !o->links || !o->links[0])
		return r;
	if (strcmp(net, "bridge"))
		return berth_errmsg(err, -EINVAL,
				    "conflicting options: links can only be used on the default bridge network, not \"%s\"",
				    net);
	r = ctx_store(ctx, &st, err);
	for (char *const *l = o->links; r >= 0 && *l; l++)
		r = link_parse(st, *l, links, err);
	return r;
}

static int ns_mode(const char *v, const char *flag, struct berth_error *err)
{
	if (!v || !*v || !strcmp(v, "private"))
		return 0;
	if (!strcmp(v, "host"))
		return 1;
	return berth_errmsg(err, -EINVAL, "invalid %s \"%s\": want host (or private)", flag, v);
}

/* Capabilities, seccomp, cgroup limits, mounts and shared namespaces. */
static int create_isolation(const struct berth_run_opts *o, json_t *cfg, struct berth_error *err)
{
	int r = 0;
	json_t *add = strv_json(o->cap_add), *drop = strv_json(o->cap_drop);
	json_t *secopt = strv_json(o->security_opt);
	json_object_set_new(cfg, "privileged", json_boolean(o->privileged));
	json_object_set_new(cfg, "cap_add", add);
	json_object_set_new(cfg, "cap_drop", drop);
	json_object_set_new(cfg, "security_opt", secopt);
	r = sec_check(add, drop, secopt, err);
	int64_t mem = 0, swap = 0;
	if (r >= 0 && o->memory)
		r = cg_parse_bytes(o->memory, "--memory", &mem, err);
	if (r >= 0 && o->memory && mem < 6 * 1024 * 1024)
		r = berth_errmsg(err, -EINVAL, "Minimum memory limit allowed is 6MB");
	if (r >= 0 && o->memory_swap) {
		if (!strcmp(o->memory_swap, "-1"))
			swap = -1;
		else
			r = cg_parse_bytes(o->memory_swap, "--memory-swap", &swap, err);
		if (r >= 0 && !mem)
			r = berth_errmsg(err, -EINVAL, "You should always set the Memory limit when using Memoryswap limit");
		if (r >= 0 && swap > 0 && swap < mem)
			r = berth_errmsg(err, -EINVAL, "Minimum memoryswap limit should be larger than memory limit");
	}
	if (r >= 0 && mem && !o->memory_swap)
		swap = 2 * mem; /* Docker: as much swap as memory by default */
	double cpus = 0;
	if (r >= 0 && o->cpus) {
		char *end;
		cpus = strtod(o->cpus, &end);
		if (!*o->cpus || *end || cpus <= 0 || cpus > 1024)
			r = berth_errmsg(err, -EINVAL, "invalid argument \"%s\" for \"--cpus\": want a positive number like 1.5",
					 o->cpus);
	}
	if (r >= 0 && (o->cpu_shares < 0 || o->cpu_shares == 1 || o->cpu_shares > 262144))
		r = berth_errmsg(err, -EINVAL, "invalid --cpu-shares %ld: want 2-262144", o->cpu_shares);
	for (char *const *v = o->volumes; r >= 0 && v && *v; v++)
		r = mount_spec_check(*v, NULL, err);
	for (char *const *t = o->tmpfs; r >= 0 && t && *t; t++)
		r = mount_spec_check(NULL, *t, err);
	int pid_host = r >= 0 ? ns_mode(o->pid_mode, "--pid", err) : 0;
	int ipc_host = pid_host >= 0 && r >= 0 ? ns_mode(o->ipc_mode, "--ipc", err) : 0;
	int uts_host = ipc_host >= 0 && pid_host >= 0 && r >= 0 ? ns_mode(o->uts_mode, "--uts", err) : 0;
	if (pid_host < 0 || ipc_host < 0 || uts_host < 0)
		return err ? err->code : -EINVAL;
	if (r >= 0 && uts_host && o->hostname)
		r = berth_errmsg(err, -EINVAL, "conflicting options: hostname and the UTS mode");
	if (r < 0)
		return r;
	unsigned long uid = 0, count = 65536;
	if (o->userns && strcmp(o->userns, "host")) {
		char *end;
		uid = strtoul(o->userns, &end, 10);
		if (*end == ':')
			count = strtoul(end + 1, &end, 10);
		if (!*o->userns || *end || uid == 0 || uid > 4000000000ul || count == 0 ||
		    uid + count > 4294967295ul)
			return berth_errmsg(err, -EINVAL,
					    "invalid --userns \"%s\": want HOSTUID[:COUNT] (e.g. 100000:65536) or host",
					    o->userns);
		if (o->privileged)
			return berth_errmsg(err, -EINVAL, "conflicting options: --privileged and --userns");
	}
	json_object_set_new(cfg, "userns_uid", json_integer((json_int_t)uid));
	json_object_set_new(cfg, "userns_count", json_integer((json_int_t)count));
	json_object_set_new(cfg, "memory", json_integer(mem));
	json_object_set_new(cfg, "memory_swap", json_integer(swap));
	json_object_set_new(cfg, "cpus", json_real(cpus));
	json_object_set_new(cfg, "cpu_shares", json_integer(o->cpu_shares));
	json_object_set_new(cfg, "pids_limit", json_integer(o->pids_limit > 0 ? o->pids_limit : 0));
	json_object_set_new(cfg, "volumes", strv_json(o->volumes));
	json_object_set_new(cfg, "tmpfs", strv_json(o->tmpfs));
	json_object_set_new(cfg, "read_only", json_boolean(o->read_only));
	json_object_set_new(cfg, "pid_host", json_boolean(pid_host));
	json_object_set_new(cfg, "ipc_host", json_boolean(ipc_host));
	json_object_set_new(cfg, "uts_host", json_boolean(uts_host));
	return 0;
}

int berth_container_create(struct berth_ctx *ctx, const struct berth_run_opts *o,
			   char id[65], struct berth_error *err)
{
	struct store *st;
	char name[64];
	int r;

	if (!o->argv || !o->argv[0] || !o->argv[0][0])
		return berth_errmsg(err, -EINVAL, "no command specified");
	if (o->name && !valid_name(o->name))
		return berth_errmsg(err, -EINVAL,
				    "Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed",
				    o->name);
	if (o->hostname && (strlen(o->hostname) > 63 || !*o->hostname))
		return berth_errmsg(err, -EINVAL, "invalid hostname \"%s\": want 1-63 characters",
				    o->hostname);
	for (char *const *e = o->env; e && *e; e++)
		if (!strchr(*e, '=') || **e == '=')
			return berth_errmsg(err, -EINVAL, "invalid environment variable \"%s\": want KEY=VALUE", *e);
	if (o->rootfs) {
		struct stat sb;
		if (stat(o->rootfs, &sb) < 0 || !S_ISDIR(sb.st_mode))
			return berth_errmsg(err, -ENOENT, "--rootfs %s: not a directory", o->rootfs);
	}
	json_t *cfg = json_object();
	r = check_network_opts(ctx, o, cfg, err);
	if (r < 0) {
		json_decref(cfg);
		return r;
	}
	r = create_links(ctx, o, cfg, err);
	if (r < 0) {
		json_decref(cfg);
		return r;
	}
	json_object_set_new(cfg, "argv", strv_json(o->argv));
	json_object_set_new(cfg, "env", strv_json(o->env));
	if (o->hostname)
		json_object_set_new(cfg, "hostname", json_string(o->hostname));
	if (o->ip)
		json_object_set_new(cfg, "ip", json_string(o->ip));
	if (o->mac)
		json_object_set_new(cfg, "mac", json_string(o->mac));
	if (o->rootfs) {
		char *abs = realpath(o->rootfs, NULL);
		json_object_set_new(cfg, "rootfs", json_string(abs ? abs : o->rootfs));
		free(abs);
	}
	json_object_set_new(cfg, "dns", strv_json(o->dns));
	json_object_set_new(cfg, "dns_search", strv_json(o->dns_search));
	json_object_set_new(cfg, "dns_options", strv_json(o->dns_options));
	for (char *const *h = o->add_hosts; h && *h; h++) {
		const char *colon = strrchr(*h, ':');
		uint32_t ip;
		struct in6_addr ip6;
		if (!colon || colon == *h ||
		    (ipam_parse_ip4(colon + 1, &ip, NULL) < 0 && ipam_parse_ip6(colon + 1, &ip6, NULL) < 0)) {
			json_decref(cfg);
			return berth_errmsg(err, -EINVAL, "invalid argument \"%s\" for \"--add-host\": want HOST:IP", *h);
		}
	}
	json_object_set_new(cfg, "add_hosts", strv_json(o->add_hosts));
	for (char *const *d = o->dns; d && *d; d++) {
		uint32_t ip;
		struct in6_addr ip6;
		if (ipam_parse_ip4(*d, &ip, NULL) < 0 && ipam_parse_ip6(*d, &ip6, NULL) < 0) {
			json_decref(cfg);
			return berth_errmsg(err, -EINVAL, "invalid argument \"%s\" for \"--dns\": want an IP address", *d);
		}
	}
	r = create_isolation(o, cfg, err);
	if (r < 0) {
		json_decref(cfg);
		return r;
	}
	json_object_set_new(cfg, "tty", json_boolean(o->tty));
	json_object_set_new(cfg, "interactive", json_boolean(o->interactive));
	json_object_set_new(cfg, "auto_remove", json_boolean(o->auto_remove));
	if (o->restart) {
		json_t *policy;
		r = restart_policy_parse(o->restart, &policy, err);
		if (r >= 0 && o->auto_remove && strcmp(json_string_value(json_object_get(policy, "Name")), "no")) {
			json_decref(policy);
			r = berth_errmsg(err, -EINVAL, "Conflicting options: --restart and --rm");
		}
		if (r < 0) {
			json_decref(cfg);
			return r;
		}
		json_object_set_new(cfg, "restart", policy);
	}

	struct ctr_rec c = {.config = cfg, .state = CTR_CREATED};
	r = random_hex(c.id, 64);
	if (r < 0) {
		json_decref(cfg);
		return berth_err(err, r, "container id");
	}
	now_rfc3339(c.created);
	/* A generated name that is taken is drawn again, as Docker does. */
	for (int tries = 0; tries < 8; tries++) {
		if (!o->name)
			random_name(name);
		snprintf(c.name, sizeof(c.name), "%s", o->name ? o->name : name);
		r = ctx_store(ctx, &st, err);
		if (r >= 0)
			r = store_begin(st, err);
		if (r < 0)
			break;
		r = store_container_insert(st, &c, err);
		const char *nid = json_string_value(json_object_get(cfg, "network_id"));
		if (r >= 0 && nid) {
			/* A user network: the membership is recorded with the container. */
			struct ep_rec ep = {0};
			snprintf(ep.container_id, sizeof(ep.container_id), "%s", c.id);
			snprintf(ep.network_id, sizeof(ep.network_id), "%s", nid);
			snprintf(ep.ifname, sizeof(ep.ifname), "eth0");
			network_veth_name(c.id, nid, ep.veth);
			snprintf(ep.req_ip, sizeof(ep.req_ip), "%s", o->ip ? o->ip : "");
			snprintf(ep.req_mac, sizeof(ep.req_mac), "%s", o->mac ? o->mac : "");
			for (size_t len = 0, i = 0; o->aliases && o->aliases[i]; i++)
				len += (size_t)snprintf(ep.aliases + len, sizeof(ep.aliases) - len, "%s%s",
							len ? "," : "", o->aliases[i]);
			r = store_endpoint_put(st, &ep, err);
		}
		if (r >= 0)
			r = store_commit(st, err);
		else
			store_rollback(st);
		if (r != -EEXIST || o->name)
			break;
	}
	json_decref(cfg);
	if (r == -EEXIST)
		return berth_errmsg(err, r,
				    "Conflict. The container name \"/%s\" is already in use by another container. "
				    "You have to remove (or rename) that container to be able to reuse that name.",
				    c.name);
	if (r < 0)
		return r;
	memcpy(id, c.id, 65);
	return 0;
}

/* ---- helpers ---- */

enum net_mode container_net_mode(const struct ctr_rec *c, const char **other_id)
{
	const char *n = json_string_value(json_object_get(c->config, "network"));
	if (!n || !strcmp(n, "bridge") || json_object_get(c->config, "network_id"))
		return NET_BRIDGE; /* the default bridge or a user-defined network */
	if (!strcmp(n, "none"))
		return NET_NONE;
	if (!strcmp(n, "host"))
		return NET_HOST;
	if (other_id)
		*other_id = json_string_value(json_object_get(c->config, "network_container"));
	return NET_CONTAINER;
}

bool ctr_alive(const struct ctr_rec *c)
{
	return c->pid > 0 && c->pid_start && proc_starttime(c->pid) == c->pid_start;
}

bool monitor_alive(const struct ctr_rec *c)
{
	return c->monitor_pid > 0 && c->monitor_start &&
	       proc_starttime(c->monitor_pid) == c->monitor_start;
}

int container_get(struct berth_ctx *ctx, const char *ref, struct ctr_rec *c,
		  struct berth_error *err)
{
	struct store *st;
	int r = ctx_store(ctx, &st, err);
	if (r < 0)
		return r;
	r = store_container_get(st, ref, c);
	if (r == -ENOENT)
		return berth_errmsg(err, r, "No such container: %s", ref);
	if (r == -ENOTUNIQ)
		return berth_errmsg(err, r, "multiple containers match \"%s\": use more of the id", ref);
	return r;
}

static char **strv_from_json(json_t *a, size_t extra)
{
	size_t n = json_array_size(a);
	char **v = calloc(n + extra + 1, sizeof(char *));
	if (!v)
		return NULL;
	for (size_t i = 0; i < n; i++)
		v[i] = strdup(json_string_value(json_array_get(a, i)) ?: "");
	return v;
}

static bool env_has(char **env, const char *key)
{
	size_t k = strlen(key);
	for (; env && *env; env++)
		if (!strncmp(*env, key, k) && (*env)[k] == '=')
			return true;
	return false;
}

static bool env_has_key(char **env, const char *kv)
{
	char key[256];
	snprintf(key, sizeof(key), "%.*s", (int)strcspn(kv, "="), kv);
	return env_has(env, key);
}

char **container_env(json_t *cfg, const char *hostname, bool tty, char *const *extra)
{
	json_t *user = json_object_get(cfg, "env");
	size_t ne = 0;
	while (extra && extra[ne])
		ne++;
	char **env = calloc(json_array_size(user) + ne + 5, sizeof(char *));
	if (!env)
		return NULL;
	size_t n = 0;
	/* The first of a name is the one a process sees: extra before -e. */
	for (size_t i = 0; i < ne; i++)
		env[n++] = strdup(extra[i]);
	for (size_t i = 0; i < json_array_size(user); i++) {
		const char *kv = json_string_value(json_array_get(user, i));
		if (!env_has_key(env, kv))
			env[n++] = strdup(kv);
	}
	if (!env_has(env, "PATH"))
		env[n++] = strdup("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	if (hostname && !env_has(env, "HOSTNAME") && asprintf(&env[n], "HOSTNAME=%s", hostname) >= 0)
		n++;
	if (tty && !env_has(env, "TERM"))
		env[n++] = strdup("TERM=xterm");
	if (!env_has(env, "HOME"))
		env[n++] = strdup("HOME=/root");
	return env;
}

/* ---- files: hostname, hosts, resolv.conf ---- */

/* resolv.conf: --dns servers, else the network's DNS server (user networks:
 * its gateway, where berth's dnsmasq answers), else the host's resolvers
 * without loopback ones (unreachable from the container), or daemon.json
 * "dns", or Docker's fallback. --dns-search / --dns-option replace the
 * host's search and options lines. */
static void resolv_conf(struct berth_ctx *ctx, json_t *cfg, uint32_t dns_server, struct strbuf *t)
{
	json_t *dns = json_object_get(cfg, "dns"), *search = json_object_get(cfg, "dns_search");
	json_t *opts = json_object_get(cfg, "dns_options"), *v;
	char line[512], a[16];
	size_t i;
	unsigned ns = 0;
	if (dns_server) {
		strbuf_printf(t, "nameserver %s\n", ip4_str(dns_server, a));
		ns++;
	}
	json_array_foreach(dns, i, v) {
		strbuf_printf(t, "nameserver %s\n", json_string_value(v));
		ns++;
	}
	_cleanup_fclose_ FILE *f = fopen("/etc/resolv.conf", "re");
	while (f && fgets(line, sizeof(line), f)) {
		char addr[64];
		if (sscanf(line, " nameserver %63s", addr) == 1) {
			if (ns || ctx->cfg.n_dns || !strncmp(addr, "127.", 4) || !strcmp(addr, "::1"))
				continue;
		} else if ((!strncmp(line, "search", 6) && json_array_size(search)) ||
			   (!strncmp(line, "options", 7) && json_array_size(opts))) {
			continue;
		}
		strbuf_printf(t, "%s", line);
	}
	if (!ns && !dns_server)
		for (unsigned k = 0; k < ctx->cfg.n_dns; k++, ns++)
			strbuf_printf(t, "nameserver %s\n", ctx->cfg.dns[k]);
	if (!ns && !strstr(t->p ? t->p : "", "nameserver"))
		strbuf_printf(t, "\nnameserver 8.8.8.8\nnameserver 8.8.4.4\n");
	if (json_array_size(search)) {
		strbuf_printf(t, "search");
		json_array_foreach(search, i, v)
			strbuf_printf(t, " %s", json_string_value(v));
		strbuf_printf(t, "\n");
	}
	if (json_array_size(opts)) {
		strbuf_printf(t, "options");
		json_array_foreach(opts, i, v)
			strbuf_printf(t, " %s", json_string_value(v));
		strbuf_printf(t, "\n");
	}
}

static int write_files(struct berth_ctx *ctx, const char *dir, const char *hostname,
		       json_t *cfg, uint32_t ip, uint32_t dns_server, enum net_mode mode,
		       const char *link_hosts, struct berth_error *err)
{
	char path[4096], a[16];
	int r;
	struct strbuf hn = {0}, hosts = {0}, resolv = {0};

	strbuf_printf(&hn, "%s\n", hostname);
	snprintf(path, sizeof(path), "%s/hostname", dir);
	r = hn.p ? write_file(path, hn.p, hn.len, 0644) : -ENOMEM;
	free(hn.p);
	if (r < 0)
		return berth_err(err, r, "write %s", path);
	if (mode == NET_HOST)
		return 0; /* --net=host sees the host's own files */

	strbuf_printf(&hosts, "127.0.0.1\tlocalhost\n"
		       "::1\tlocalhost ip6-localhost ip6-loopback\n"
		       "fe00::0\tip6-localnet\n"
		       "ff00::0\tip6-mcastprefix\n"
		       "ff02::1\tip6-allnodes\n"
		       "ff02::2\tip6-allrouters\n");
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(cfg, "add_hosts"), i, v) {
		const char *h = json_string_value(v), *colon = strrchr(h, ':');
		strbuf_printf(&hosts, "%s\t%.*s\n", colon + 1, (int)(colon - h), h);
	}
	if (link_hosts)
		strbuf_printf(&hosts, "%s", link_hosts);
	if (ip)
		strbuf_printf(&hosts, "%s\t%s\n", ip4_str(ip, a), hostname);
	snprintf(path, sizeof(path), "%s/hosts", dir);
	r = hosts.p ? write_file(path, hosts.p, hosts.len, 0644) : -ENOMEM;
	free(hosts.p);
	if (r < 0)
		return berth_err(err, r, "write %s", path);

	resolv_conf(ctx, cfg, dns_server, &resolv);
	snprintf(path, sizeof(path), "%s/resolv.conf", dir);
	r = resolv.p ? write_file(path, resolv.p, resolv.len, 0644) : -ENOMEM;
	free(resolv.p);
	if (r < 0)
		return berth_err(err, r, "write %s", path);
	return 0;
}

/* ---- network setup and teardown ---- */

static int lo_up(struct nl *cnl, struct berth_error *err)
{
	struct nl_link lo;
	int r = nl_link_get(cnl, "lo", &lo, err);
	if (r < 0)
		return r;
	return nl_link_set(cnl, lo.ifindex, &(struct nl_link_change){.master = -1, .up = 1}, err);
}

/* Give a membership its addresses (and, for the primary one, the published
 * ports) in one transaction. */
static int allocate_endpoint(struct berth_ctx *ctx, const struct ctr_rec *c,
			     const struct net_rec *n, struct ep_rec *ep, bool primary,
			     struct berth_error *err)
{
	struct store *st;
	int r = ctx_store(ctx, &st, err);
	if (r < 0)
		return r;
	struct ipam_pool pool = {.subnet = n->subnet, .range = n->range, .gateway = n->gateway};
	r = store_begin(st, err);
	if (r < 0)
		return r;
	_cleanup_free_ uint32_t *used = NULL;
	size_t n_used = 0;
	r = store_network_ips(st, n->id, &used, &n_used);
	if (r < 0) {
		berth_err(err, r, "list addresses");
		goto fail;
	}
	if (ep->req_ip[0]) {
		r = ipam_parse_ip4(ep->req_ip, &ep->ip, err);
		if (r >= 0)
			r = check_fixed_ip(n, ep->ip, err);
		for (size_t i = 0; r >= 0 && i < n_used; i++)
			if (used[i] == ep->ip)
				r = berth_errmsg(err, -EADDRINUSE, "address %s is already in use", ep->req_ip);
	} else {
		r = ipam_next_free(&pool, used, n_used, &ep->ip, err);
	}
	if (r < 0)
		goto fail;
	if (ep->req_mac[0])
		r = ipam_parse_mac(ep->req_mac, ep->mac, err);
	else
		ipam_mac_from_ip4(ep->ip, ep->mac);
	ep->has_ip6 = false;
	if (r >= 0 && n->has_v6) {
		ep->has_ip6 = true;
		r = ipam_ip6_from_mac(&n->subnet6, ep->mac, &ep->ip6);
		if (r < 0)
			berth_errmsg(err, r, "IPv6 prefix of network %s is too long", n->name);
	}
	if (r >= 0)
		r = store_endpoint_put(st, ep, err);
	if (r >= 0 && primary) { /* published ports change with the addresses, or not at all */
		r = publish_allocate(ctx, st, c, ep->has_ip6, err);
		if (r < 0) {
			store_rollback(st);
			return r;
		}
	}
	if (r >= 0)
		r = store_commit(st, err);
	if (r >= 0)
		return 0;
fail:
	store_rollback(st);
	return berth_err_wrap(err, r, "network %s", n->name);
}

/* A container on the default bridge gets its membership on first start
 * (the network itself is made on first use). */
static int default_membership(struct berth_ctx *ctx, const struct ctr_rec *c,
			      struct berth_error *err)
{
	struct net_rec n;
	struct store *st;
	_cleanup_free_ struct ep_rec *eps = NULL;
	size_t ne = 0;
	int r = network_default_ensure(ctx, &n, err);
	if (r >= 0)
		r = ctx_store(ctx, &st, err);
	if (r < 0)
		return r;
	if (store_endpoint_list(st, c->id, n.id, &eps, &ne) == 0 && ne)
		return 0;
	struct ep_rec ep = {0};
	const char *req_ip = json_string_value(json_object_get(c->config, "ip"));
	const char *req_mac = json_string_value(json_object_get(c->config, "mac"));
	snprintf(ep.container_id, sizeof(ep.container_id), "%s", c->id);
	snprintf(ep.network_id, sizeof(ep.network_id), "%s", n.id);
	snprintf(ep.ifname, sizeof(ep.ifname), "eth0");
	network_veth_name(c->id, n.id, ep.veth);
	snprintf(ep.req_ip, sizeof(ep.req_ip), "%s", req_ip ? req_ip : "");
	snprintf(ep.req_mac, sizeof(ep.req_mac), "%s", req_mac ? req_mac : "");
	return store_endpoint_put(st, &ep, err);
}

static int endpoint_network(struct berth_ctx *ctx, const struct ep_rec *ep, struct net_rec *n,
			    struct berth_error *err)
{
	struct store *st;
	int r = ctx_store(ctx, &st, err);
	if (r < 0)
		return r;
	if (store_network_get(st, ep->network_id, n) < 0)
		return berth_errmsg(err, -ENOENT, "network %s not found", ep->network_id);
	return 0;
}

/* The store side of a membership: its network's bridge, its addresses. */
static int endpoint_allocate(struct berth_ctx *ctx, const struct ctr_rec *c, struct ep_rec *ep,
			     struct berth_error *err)
{
	struct net_rec n;
	int r = endpoint_network(ctx, ep, &n, err);
	if (r < 0)
		return r;
	if (!n.builtin) {
		r = network_bridge_ensure(ctx, &n, err);
		if (r < 0)
			return r;
	}
	r = allocate_endpoint(ctx, c, &n, ep, !strcmp(ep->ifname, "eth0"), err);
	fault_point("attach:allocated");
	return r;
}

/* The kernel side: the veth into the namespace, addresses, routes. */
static int endpoint_plug(struct berth_ctx *ctx, const struct ep_rec *ep, int netns_fd,
			 struct nl *cnl, struct berth_error *err)
{
	struct net_rec n;
	int r = endpoint_network(ctx, ep, &n, err);
	if (r >= 0)
		r = network_attach(ctx, &n, ep, netns_fd, cnl, err);
	fault_point("attach:plugged");
	return r;
}

int container_attach_endpoint(struct berth_ctx *ctx, const struct ctr_rec *c, struct ep_rec *ep,
			      int netns_fd, struct nl *cnl, struct berth_error *err)
{
	int r = endpoint_allocate(ctx, c, ep, err);
	return r < 0 ? r : endpoint_plug(ctx, ep, netns_fd, cnl, err);
}

/* Addresses (and eth0's published ports) on every network the container
 * belongs to, before its process starts: the files in its /etc need them. */
static int allocate_endpoints(struct berth_ctx *ctx, const struct ctr_rec *c, uint32_t *ip,
			      struct berth_error *err)
{
	struct store *st;
	int r = 0;
	const char *net = json_string_value(json_object_get(c->config, "network"));
	if (!net || !strcmp(net, "bridge"))
		r = default_membership(ctx, c, err);
	if (r >= 0)
		r = ctx_store(ctx, &st, err);
	if (r < 0)
		return r;
	_cleanup_free_ struct ep_rec *eps = NULL;
	size_t n = 0;
	r = store_endpoint_list(st, c->id, NULL, &eps, &n);
	for (size_t i = 0; r >= 0 && i < n; i++) {
		r = endpoint_allocate(ctx, c, &eps[i], err);
		if (r >= 0 && !strcmp(eps[i].ifname, "eth0"))
			*ip = eps[i].ip;
	}
	return r; /* on failure the caller's teardown releases the allocations */
}

/* Plug every network the container belongs to, eth0 first, and open the
 * rules for it: the kernel side of the start, done by the monitor while the
 * container process sets itself up (its mounts), through spawn_spec.overlap. */
static int plug_endpoints(void *arg, struct berth_error *err)
{
	struct launch *l = arg;
	struct berth_ctx *ctx = l->ctx;
	struct store *st;
	_cleanup_(nl_closep) struct nl *cnl = NULL;
	int r = ctx_store(ctx, &st, err);
	if (r >= 0)
		r = nl_open(&cnl, l->netns_fd, err);
	if (r < 0)
		return r;
	_cleanup_free_ struct ep_rec *eps = NULL;
	size_t n = 0;
	r = store_endpoint_list(st, l->id, NULL, &eps, &n);
	for (size_t i = 0; r >= 0 && i < n; i++)
		r = endpoint_plug(ctx, &eps[i], l->netns_fd, cnl, err);
	if (r < 0)
		return r; /* the caller's teardown unplugs */
	/* This container's elements; everything, if the ruleset is not the one
	 * berth left (a flushed ruleset heals on the next run). */
	r = firewall_container(ctx, l->id, err);
	fault_point("start:rules");
	for (size_t i = 0; r >= 0 && i < n; i++)
		r = dns_update(ctx, eps[i].network_id, err);
	return r;
}

bool container_owns_netns(const struct ctr_rec *c)
{
	enum net_mode mode = container_net_mode(c, NULL);
	return mode == NET_BRIDGE || mode == NET_NONE;
}

int container_netns_open(struct berth_ctx *ctx, const struct ctr_rec *c, struct berth_error *err)
{
	const char *other = NULL;
	enum net_mode mode = container_net_mode(c, &other);
	if (mode == NET_HOST)
		return netns_open("/proc/self/ns/net", err);
	if (mode == NET_CONTAINER) {
		struct store *st;
		struct ctr_rec o;
		int r = ctx_store(ctx, &st, err);
		if (r < 0)
			return r;
		if (!other || store_container_get(st, other, &o) < 0)
			return berth_errmsg(err, -ENOENT, "network container of %s is gone", c->name);
		r = container_netns_open(ctx, &o, err);
		ctr_rec_clear(&o);
		return r;
	}
	/* Its own: held by its process, nothing pinned. */
	if (!ctr_alive(c))
		return berth_errmsg(err, -ESRCH, "Container %s is not running", c->name);
	char path[NETNS_PROC_MAX];
	netns_proc_path(path, c->pid);
	return netns_open(path, err);
}

struct release_arg {
	struct store *st;
	const char *id;
	struct ep_rec *eps;
	size_t n;
	bool flows; /* it had published ports */
};

/* A container's published ports and its endpoints' addresses are free.
 * Flows DNATed to these addresses (published ports) must not outlive them:
 * the next container with the address would get them. (Walking the conntrack
 * table costs ~10-20 ms, so only when there were ports; other flows of the
 * address match nothing a new owner could not.) */
static int release_endpoints(void *arg, struct berth_error *err)
{
	struct release_arg *a = arg;
	for (size_t i = 0; a->flows && i < a->n; i++)
		if (a->eps[i].ip)
			(void)conntrack_forget(a->eps[i].ip);
	int r = store_begin(a->st, err);
	if (r < 0)
		return r;
	(void)store_port_del(a->st, a->id, NULL);
	for (size_t i = 0; i < a->n; i++) {
		a->eps[i].ip = 0;
		a->eps[i].has_ip6 = false;
		(void)store_endpoint_put(a->st, &a->eps[i], NULL);
	}
	return store_commit(a->st, NULL);
}

int container_teardown(struct berth_ctx *ctx, const char *id, struct berth_error *err)
{
	struct store *st;
	struct ctr_rec c;
	int rc = 0;
	int r = ctx_store(ctx, &st, err);
	if (r < 0)
		return r;
	r = store_container_get(st, id, &c);
	if (r < 0)
		return 0;
	_cleanup_free_ struct ep_rec *eps = NULL;
	size_t n = 0;
	struct fw_delta *fwd = NULL;
	if (store_endpoint_list(st, c.id, NULL, &eps, &n) == 0) {
		/* What goes from the rules, read before the addresses are released
		 * (nothing, for a second teardown: rm after the monitor's). */
		for (size_t i = 0; i < n && !fwd; i++)
			if (eps[i].ip)
				fwd = fw_delta_of(ctx, c.id);
		for (size_t i = 0; i < n; i++) {
			r = network_detach(ctx, &eps[i], err);
			if (r < 0 && !rc)
				rc = r;
		}
	}
	/* Our own namespace only: --net=container:X does not own X's. It goes
	 * with the container's last process; its point-to-point links go now
	 * (p2p_down cuts them at their other ends), and its name. */
	if (container_owns_netns(&c)) {
		p2p_down(ctx, c.id);
		netns_name_del(ctx->netns_dir, c.name, NULL);
		/* (a pin of an older berth's, from before an upgrade) */
		_cleanup_free_ char *pin = ctx_run_path(ctx, c.id, "netns");
		if (pin)
			(void)netns_remove(pin, NULL);
	}
	bool released = false;
	for (size_t i = 0; i < n; i++)
		released |= eps[i].ip != 0;
	/* The store lets go of the ports and addresses; links, icc ports,
	 * published ports and names of these endpoints go from the rules in
	 * the same step (a second teardown, e.g. rm after the monitor's, has
	 * nothing to do). */
	struct release_arg ra = {st, c.id, eps, n, store_port_any(st, c.id) > 0};
	if (released)
		(void)firewall_release(ctx, fwd, release_endpoints, &ra, NULL);
	else
		(void)release_endpoints(&ra, NULL);
	fw_delta_free(fwd);
	for (size_t i = 0; released && i < n; i++)
		(void)dns_update(ctx, eps[i].network_id, NULL);
	ctr_rec_clear(&c);
	return rc;
}

void container_abandon(struct berth_ctx *ctx, const char *id)
{
	(void)container_teardown(ctx, id, NULL);
	cgroup_remove(id);
}

void launch_free(struct launch *l)
{
	free(l->run_dir);
	free(l->log_path);
	if (l->netns_fd >= 0)
		close(l->netns_fd);
	strv_free(l->envp);
	free(l->hostname);
	free(l->upper);
	free(l->work);
	free(l->merged);
	free(l->rootfs_dir);
	free(l->cgroup_id);
	strv_free(l->binds);
	strv_free(l->tmpfs);
	memset(l, 0, sizeof(*l));
	l->netns_fd = -1;
}

static int prepare_dirs(struct berth_ctx *ctx, const struct ctr_rec *c, struct launch *l,
			struct berth_error *err)
{
	_cleanup_free_ char *state = ctx_state_path(ctx, c->id, NULL);
	l->run_dir = ctx_run_path(ctx, c->id, NULL);
	l->log_path = ctx_state_path(ctx, c->id, "container.log");
	l->upper = ctx_state_path(ctx, c->id, "upper");
	l->work = ctx_state_path(ctx, c->id, "work");
	l->merged = ctx_run_path(ctx, c->id, "rootfs");
	if (!state || !l->run_dir || !l->log_path || !l->upper || !l->work || !l->merged)
		return berth_err(err, -ENOMEM, "paths");
	const char *dirs[] = {state, l->run_dir, l->upper, l->work, l->merged};
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
		if (mkdir_p(dirs[i], 0700) < 0)
			return berth_err(err, negerrno(), "create %s", dirs[i]);
	(void)chmod(l->merged, 0755);
	return 0;
}

static int prepare_network(struct berth_ctx *ctx, const struct ctr_rec *c, struct launch *l,
			   uint32_t *ip, struct berth_error *err)
{
	const char *other = NULL;
	enum net_mode mode = container_net_mode(c, &other);
	int r;

	if (mode == NET_HOST)
		return 0;
	if (mode == NET_CONTAINER) {
		struct store *st;
		struct ctr_rec o;
		r = ctx_store(ctx, &st, err);
		if (r < 0)
			return r;
		if (!other || store_container_get(st, other, &o) < 0)
			return berth_errmsg(err, -ENOENT, "network container %s no longer exists", other ?: "?");
		bool alive = o.state == CTR_RUNNING && ctr_alive(&o);
		r = 0;
		if (!alive)
			r = berth_errmsg(err, -ESRCH,
					 "cannot join network of a non running container: %s", o.name);
		else if (container_net_mode(&o, NULL) != NET_HOST) { /* (host's: stay in it) */
			l->netns_fd = container_netns_open(ctx, &o, err);
			r = l->netns_fd;
		}
		ctr_rec_clear(&o);
		return r < 0 ? r : 0;
	}

	l->netns_fd = netns_new(err);
	if (l->netns_fd < 0)
		return l->netns_fd;
	_cleanup_(nl_closep) struct nl *cnl = NULL;
	r = nl_open(&cnl, l->netns_fd, err);
	if (r >= 0)
		r = lo_up(cnl, err);
	if (r >= 0 && mode == NET_BRIDGE)
		r = allocate_endpoints(ctx, c, ip, err);
	return r;
}

int container_prepare(struct berth_ctx *ctx, struct ctr_rec *c, struct launch *l,
		      struct berth_error *err)
{
	struct link_peer *peers = NULL;
	size_t n_peers = 0;
	uint32_t ip = 0;
	int r;

	memset(l, 0, sizeof(*l));
	l->netns_fd = -1;
	l->ctx = ctx;
	memcpy(l->id, c->id, sizeof(l->id));
	l->tty = json_is_true(json_object_get(c->config, "tty"));
	l->interactive = json_is_true(json_object_get(c->config, "interactive"));
	l->auto_remove = json_is_true(json_object_get(c->config, "auto_remove"));
	const char *hn = json_string_value(json_object_get(c->config, "hostname"));
	enum net_mode mode = container_net_mode(c, NULL);
	char host_hn[65] = "";
	if (mode == NET_HOST && !hn && gethostname(host_hn, sizeof(host_hn) - 1) == 0)
		hn = host_hn;
	l->hostname = hn ? strdup(hn) : strndup(c->id, 12);
	r = links_resolve(ctx, c->config, c->name, &peers, &n_peers, err);
	if (r < 0)
		goto fail;
	r = prepare_dirs(ctx, c, l, err);
	if (r < 0)
		goto fail;
	r = prepare_network(ctx, c, l, &ip, err);
	if (r < 0)
		goto fail;
	if (mode == NET_CONTAINER) {
		/* Share the other container's hosts and resolv.conf. */
		const char *other = NULL;
		(void)container_net_mode(c, &other);
		_cleanup_free_ char *odir = ctx_run_path(ctx, other, NULL);
		char src[4096], dst[4096];
		const char *files[] = {"hosts", "resolv.conf"};
		for (size_t i = 0; odir && i < ARRAY_SIZE(files); i++) {
			snprintf(src, sizeof(src), "%s/%s", odir, files[i]);
			snprintf(dst, sizeof(dst), "%s/%s", l->run_dir, files[i]);
			_cleanup_free_ char *data = NULL;
			size_t len = 0;
			_cleanup_fclose_ FILE *f = fopen(src, "re");
			if (f && getdelim(&data, &len, '\0', f) >= 0)
				(void)write_file(dst, data, strlen(data), 0644);
		}
		snprintf(dst, sizeof(dst), "%s/hostname", l->run_dir);
		_cleanup_free_ char *hnl = NULL;
		if (asprintf(&hnl, "%s\n", l->hostname) >= 0)
			(void)write_file(dst, hnl, strlen(hnl), 0644);
	} else {
		_cleanup_free_ char *link_hosts = NULL;
		if (links_hosts(peers, n_peers, &link_hosts) < 0) {
			r = berth_err(err, -ENOMEM, "links");
			goto fail;
		}
		/* On a user network, names are answered by its DNS server. */
		uint32_t dns_server = 0;
		const char *nid = json_string_value(json_object_get(c->config, "network_id"));
		struct store *st;
		struct net_rec n;
		if (nid && ctx_store(ctx, &st, NULL) == 0 && store_network_get(st, nid, &n) == 0)
			dns_server = n.gateway;
		r = write_files(ctx, l->run_dir, l->hostname, c->config, ip, dns_server, mode,
				link_hosts, err);
		if (r < 0)
			goto fail;
	}
	l->envp = container_env(c->config, l->hostname, l->tty, NULL);
	if (!l->envp || links_env(peers, n_peers, c->name, &l->envp) < 0) {
		r = berth_err(err, -ENOMEM, "environment");
		goto fail;
	}
	link_peers_free(peers, n_peers);
	peers = NULL;
	n_peers = 0;
	const char *rootfs = json_string_value(json_object_get(c->config, "rootfs"));
	if (rootfs && !(l->rootfs_dir = strdup(rootfs))) {
		r = berth_err(err, -ENOMEM, "rootfs");
		goto fail;
	}
	r = sec_from_config(c->config, &l->sec, err);
	if (r < 0)
		goto fail;
	struct cg_limits lim;
	cg_limits_from_config(c->config, &lim);
	/* Always a cgroup of its own (usage, OOM), limits when asked for. */
	r = cgroup_create(c->id, &lim, err);
	if (r < 0)
		goto fail;
	l->cgroup_id = strdup(c->id);
	l->binds = strv_from_json(json_object_get(c->config, "volumes"), 0);
	l->tmpfs = strv_from_json(json_object_get(c->config, "tmpfs"), 0);
	bool privileged = json_is_true(json_object_get(c->config, "privileged"));
	l->rootfs = (struct rootfs_spec){
		.rootfs = l->rootfs_dir, .upper = l->upper, .work = l->work,
		.merged = l->merged, .files_dir = l->run_dir, .sysfs_ro = !privileged,
		.binds = l->binds, .tmpfs = l->tmpfs,
		.read_only = json_is_true(json_object_get(c->config, "read_only")),
	};
	unsigned long flags = CLONE_NEWNS;
	if (!json_is_true(json_object_get(c->config, "pid_host")))
		flags |= CLONE_NEWPID;
	if (!json_is_true(json_object_get(c->config, "ipc_host")))
		flags |= CLONE_NEWIPC;
	bool uts_host = json_is_true(json_object_get(c->config, "uts_host"));
	if (!uts_host)
		flags |= CLONE_NEWUTS;
	l->spawn = (struct spawn_spec){
		.envp = l->envp,
		.clone_flags = flags,
		.rootfs = &l->rootfs,
		.hostname = uts_host ? NULL : l->hostname,
		.fds = {-1, -1, -1},
		.sec = &l->sec,
		.cgroup_id = l->cgroup_id,
		.cgroupns = true,
		.userns_uid = (uint32_t)json_integer_value(json_object_get(c->config, "userns_uid")),
		.userns_count = (uint32_t)json_integer_value(json_object_get(c->config, "userns_count")),
		.overlap = mode == NET_BRIDGE ? plug_endpoints : NULL,
		.overlap_arg = l,
	};
	if (l->spawn.userns_uid) {
		/* Files the container's root creates belong to its host uid. */
		(void)chown(l->upper, l->spawn.userns_uid, l->spawn.userns_uid);
		(void)chown(l->work, l->spawn.userns_uid, l->spawn.userns_uid);
	}
	if (l->netns_fd >= 0)
		l->spawn.join_fds[l->spawn.n_join++] = l->netns_fd;
	return 0;
fail:
	link_peers_free(peers, n_peers);
	container_abandon(ctx, c->id);
	launch_free(l);
	return r;
}

int container_netns_name(struct berth_ctx *ctx, const struct ctr_rec *c, pid_t pid,
			 struct berth_error *err)
{
	char ns[NETNS_PROC_MAX];
	if (!container_owns_netns(c))
		return 0;
	netns_proc_path(ns, pid);
	return netns_name_add(ctx->netns_dir, c->name, ns, err);
}

int container_mark_running(struct berth_ctx *ctx, const char *id, pid_t pid, pid_t monitor,
			   struct berth_error *err)
{
	struct store *st;
	struct ctr_rec c;
	int r = ctx_store(ctx, &st, err);
	if (r < 0)
		return r;
	r = store_begin(st, err);
	if (r < 0)
		return r;
	r = store_container_get(st, id, &c);
	if (r < 0) {
		store_rollback(st);
		return berth_err(err, r, "container %s", id);
	}
	r = container_netns_name(ctx, &c, pid, err);
	if (r < 0) {
		ctr_rec_clear(&c);
		store_rollback(st);
		return r;
	}
	c.state = CTR_RUNNING;
	c.pid = pid;
	c.pid_start = proc_starttime(pid);
	c.monitor_pid = monitor;
	c.monitor_start = proc_starttime(monitor);
	c.exit_code = 0;
	c.error[0] = '\0';
	now_rfc3339(c.started_at);
	snprintf(c.finished_at, sizeof(c.finished_at), "0001-01-01T00:00:00Z");
	r = store_container_update(st, &c, err);
	ctr_rec_clear(&c);
	if (r >= 0)
		r = store_commit(st, err);
	else
		store_rollback(st);
	return r;
}

int container_remove_files(struct berth_ctx *ctx, const char *id)
{
	_cleanup_free_ char *run = ctx_run_path(ctx, id, NULL);
	_cleanup_free_ char *state = ctx_state_path(ctx, id, NULL);
	if (run)
		(void)remove_tree(run);
	if (state)
		(void)remove_tree(state);
	return 0;
}

static void record_exit(struct berth_ctx *ctx, const char *id, int code, bool oom)
{
	struct store *st;
	struct ctr_rec c;
	if (ctx_store(ctx, &st, NULL) < 0 || store_begin(st, NULL) < 0)
		return;
	if (store_container_get(st, id, &c) == 0) {
		if (c.state == CTR_RUNNING) {
			c.state = CTR_EXITED;
			c.exit_code = code;
			c.oom_killed = oom;
			c.pid = 0;
			c.pid_start = 0;
			c.monitor_pid = 0;
			c.monitor_start = 0;
			now_rfc3339(c.finished_at);
			(void)store_container_update(st, &c, NULL);
		}
		ctr_rec_clear(&c);
	}
	(void)store_commit(st, NULL);
}

void container_finished(struct berth_ctx *ctx, const char *id, int wstatus)
{
	struct store *st;
	struct ctr_rec c;
	/* No monitor listens for attach any more (the next start's makes the
	 * socket again): its file goes, not to be found by a client. */
	_cleanup_free_ char *sock = ctx_run_path(ctx, id, "attach");
	if (sock)
		(void)unlink(sock);
	(void)container_teardown(ctx, id, NULL);
	bool oom = cgroup_oom_killed(id);
	cgroup_remove(id);
	record_exit(ctx, id, wait_status_code(wstatus), oom);
	if (ctx_store(ctx, &st, NULL) < 0 || store_container_get(st, id, &c) < 0)
		return;
	bool rm = json_is_true(json_object_get(c.config, "auto_remove"));
	ctr_rec_clear(&c);
	if (rm && store_container_del(st, id, NULL) == 0)
		container_remove_files(ctx, id);
}

/* ---- start, stop, kill, rm ---- */

/* A start failed, and left nothing running. As Docker: the container keeps
 * its state (created or exited) with the error in State.Error and an exit
 * code (127 or 126 when the command could not be executed, else 128 unless
 * an earlier run left one), and a --rm container is removed. */
static void start_failed(struct berth_ctx *ctx, const char *id, bool exec_failed,
			 const struct berth_error *why)
{
	struct store *st;
	struct ctr_rec c;
	bool rm = false;
	if (ctx_store(ctx, &st, NULL) < 0 || store_begin(st, NULL) < 0)
		return;
	if (store_container_get(st, id, &c) == 0) {
		if (exec_failed)
			c.exit_code = why->code == -ENOENT ? 127 : 126;
		else if (c.exit_code == 0)
			c.exit_code = 128;
		snprintf(c.error, sizeof(c.error), "%s", why->msg[0] ? why->msg : strerror(-why->code));
		(void)store_container_update(st, &c, NULL);
		rm = json_is_true(json_object_get(c.config, "auto_remove"));
		ctr_rec_clear(&c);
	}
	(void)store_commit(st, NULL);
	if (rm)
		(void)berth_container_remove(ctx, id, true, NULL);
}

/* Set or clear "stopped by the user" (which turns restart policies off). */
static void set_manual_stop(struct berth_ctx *ctx, const char *id, bool on)
{
	struct store *st;
	struct ctr_rec c;
	if (ctx_store(ctx, &st, NULL) < 0 || store_begin(st, NULL) < 0)
		return;
	if (store_container_get(st, id, &c) == 0) {
		if (c.manual_stop != on) {
			c.manual_stop = on;
			(void)store_container_update(st, &c, NULL);
		}
		ctr_rec_clear(&c);
	}
	(void)store_commit(st, NULL);
}

int berth_container_start(struct berth_ctx *ctx, const char *ref, struct berth_start *st,
			  struct berth_error *err)
{
	struct ctr_rec c;
	int r = container_get(ctx, ref, &c, err);
	if (r < 0)
		return r;
	set_manual_stop(ctx, c.id, false);
	ctr_rec_clear(&c);
	return container_start(ctx, ref, st, err);
}

int container_start(struct berth_ctx *ctx, const char *ref, struct berth_start *st,
		    struct berth_error *err)
{
	struct ctr_rec c;
	struct launch l;
	int r = container_get(ctx, ref, &c, err);
	if (r < 0)
		return r;
	if (c.state == CTR_RUNNING && ctr_alive(&c)) {
		ctr_rec_clear(&c);
		if (!st->attach)
			return 0; /* Docker: starting a running container is a no-op */
		struct berth_attach a = {.in = st->stdin_too ? 0 : -1, .out = 1, .err = 2,
					 .sig_proxy = true};
		struct berth_attached at;
		r = berth_container_attach(ctx, ref, &a, &at, err);
		st->exit_status = at.exit_status;
		st->detached = at.detached;
		return r;
	}
	if (c.state == CTR_RUNNING) /* died without its monitor: clean up first */
		container_finished(ctx, c.id, W_EXITCODE(137, 0));
	char id[65];
	memcpy(id, c.id, sizeof(id));
	struct berth_error local;
	if (!err)
		err = &local;
	berth_err_clear(err);
	st->exec_failed = false;
	l.netns_fd = -1;
	r = container_prepare(ctx, &c, &l, err);
	if (r < 0) {
		ctr_rec_clear(&c);
		start_failed(ctx, id, false, err);
		return r;
	}
	char **av = strv_from_json(json_object_get(c.config, "argv"), 0);
	ctr_rec_clear(&c);
	if (!av) {
		container_abandon(ctx, id);
		launch_free(&l);
		r = berth_err(err, -ENOMEM, "start");
		start_failed(ctx, id, false, err);
		return r;
	}
	l.spawn.argv = av;
	if (st->attach)
		r = monitor_run_attached(ctx, id, &l, &st->exit_status, &st->exec_failed, err);
	else
		r = monitor_start_detached(ctx, id, &l, &st->exec_failed, err);
	strv_free(av);
	launch_free(&l);
	if (r < 0)
		start_failed(ctx, id, st->exec_failed, err);
	return r;
}

/* Wait for a process (not our child) to end, up to timeout_ms (-1: forever).
 * Returns 1 if it ended, 0 on timeout. */
static int wait_gone(int pid, uint64_t start, int timeout_ms)
{
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0)
		return 1;
	if (proc_starttime(pid) != start) {
		close(fd);
		return 1;
	}
	struct pollfd pf = {.fd = fd, .events = POLLIN};
	int n;
	do
		n = poll(&pf, 1, timeout_ms);
	while (n < 0 && errno == EINTR);
	close(fd);
	return n != 0;
}

/* Signal the container and wait until its monitor has cleaned up. */
static int end_container(struct berth_ctx *ctx, struct ctr_rec *c, int timeout_s,
			 struct berth_error *err)
{
	if (ctr_alive(c)) {
		if (timeout_s > 0) {
			(void)kill(c->pid, SIGTERM);
			(void)wait_gone(c->pid, c->pid_start, timeout_s * 1000);
		}
		if (ctr_alive(c))
			(void)kill(c->pid, SIGKILL);
		(void)wait_gone(c->pid, c->pid_start, -1);
	}
	/* The monitor records the exit and releases the network; wait for it.
	 * With no monitor (it died, or a foreground berth was killed), do it here. */
	if (monitor_alive(c) && c->monitor_pid != getpid())
		(void)wait_gone(c->monitor_pid, c->monitor_start, 10000);
	if (!monitor_alive(c) || c->monitor_pid == getpid()) {
		struct ctr_rec now;
		if (container_get(ctx, c->id, &now, NULL) == 0) {
			if (now.state == CTR_RUNNING)
				container_finished(ctx, c->id, W_EXITCODE(137, 0));
			ctr_rec_clear(&now);
		}
	}
	return 0;
}

int berth_container_stop(struct berth_ctx *ctx, const char *ref, int timeout,
			 struct berth_error *err)
{
	struct ctr_rec c;
	int r = container_get(ctx, ref, &c, err);
	if (r < 0)
		return r;
	set_manual_stop(ctx, c.id, true);
	if (c.state == CTR_RUNNING)
		r = end_container(ctx, &c, timeout < 0 ? 10 : timeout, err);
	ctr_rec_clear(&c);
	return r;
}

int berth_container_kill(struct berth_ctx *ctx, const char *ref, int sig,
			 struct berth_error *err)
{
	struct ctr_rec c;
	int r = container_get(ctx, ref, &c, err);
	if (r < 0)
		return r;
	if (c.state != CTR_RUNNING || !ctr_alive(&c))
		r = berth_errmsg(err, -ESRCH, "Cannot kill container: %s: container %s is not running",
				 ref, c.id);
	else if ((set_manual_stop(ctx, c.id, true), kill(c.pid, sig) < 0))
		r = berth_err(err, negerrno(), "kill container %s", ref);
	ctr_rec_clear(&c);
	return r;
}

int berth_container_remove(struct berth_ctx *ctx, const char *ref, bool force,
			   struct berth_error *err)
{
	struct ctr_rec c;
	struct store *st;
	int r = container_get(ctx, ref, &c, err);
	if (r < 0)
		return r;
	if (c.state == CTR_RUNNING && ctr_alive(&c) && !force) {
		r = berth_errmsg(err, -EBUSY,
				 "cannot remove container \"/%s\": container is running: stop the container before removing or force remove",
				 c.name);
		ctr_rec_clear(&c);
		return r;
	}
	if (c.state == CTR_RUNNING) {
		set_manual_stop(ctx, c.id, true); /* no restart policy brings it back */
		(void)end_container(ctx, &c, 0, NULL);
	}
	p2p_forget(ctx, c.id);
	fault_point("rm:stopped");
	(void)container_teardown(ctx, c.id, NULL);
	fault_point("rm:released");
	r = ctx_store(ctx, &st, err);
	if (r >= 0)
		r = store_container_del(st, c.id, err);
	fault_point("rm:deleted");
	if (r >= 0)
		container_remove_files(ctx, c.id);
	ctr_rec_clear(&c);
	return r;
}

int berth_container_logs(struct berth_ctx *ctx, const char *ref, int out_fd, int err_fd,
			 struct berth_error *err)
{
	struct ctr_rec c;
	int r = container_get(ctx, ref, &c, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *path = ctx_state_path(ctx, c.id, "container.log");
	ctr_rec_clear(&c);
	_cleanup_close_ int fd = path ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	if (fd < 0 && errno == ENOENT)
		return 0; /* never started: no output */
	if (fd < 0)
		return berth_err(err, negerrno(), "open log of %s", ref);
	r = relay_log_demux(fd, out_fd, err_fd);
	return r < 0 ? berth_err(err, r, "read log of %s", ref) : 0;
}

int berth_reload(struct berth_ctx *ctx, struct berth_error *err)
{
	struct net_rec n;
	struct store *st;
	int r = ctx_store(ctx, &st, err);
	if (r < 0)
		return r;
	if (store_network_get(st, "bridge", &n) == 0) {
		r = network_default_ensure(ctx, &n, err);
		if (r < 0)
			return r;
	}
	return firewall_sync(ctx, err);
}
