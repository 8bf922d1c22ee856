/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Docker-shaped inspect documents for containers and networks. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>
#include <sys/wait.h>

#include "container.h"
#include "firewall.h"
#include "netns.h"
#include "ports.h"
#include "security.h"
#include "cgroup.h"
#include "util.h"

static json_t *ep_json(const struct net_rec *n, const struct ep_rec *e)
{
	char a[INET6_ADDRSTRLEN], m[18], gw[16];
	bool up = e && e->ip;
	json_t *o = json_object();
	json_t *ipam = json_null();
	if (e && e->req_ip[0])
		ipam = json_pack("{s:s}", "IPv4Address", e->req_ip);
	json_object_set_new(o, "IPAMConfig", ipam);
	json_object_set_new(o, "Links", json_null());
	json_t *aliases = json_null();
	if (e && e->aliases[0]) {
		aliases = json_array();
		for (const char *p = e->aliases, *end; *p; p = *end ? end + 1 : end) {
			end = strchrnul(p, ',');
			json_array_append_new(aliases, json_stringn(p, (size_t)(end - p)));
		}
	}
	json_object_set_new(o, "Aliases", aliases);
	json_object_set_new(o, "MacAddress", json_string(up ? mac_str(e->mac, m) : ""));
	json_object_set_new(o, "NetworkID", json_string(n ? n->id : ""));
	json_object_set_new(o, "EndpointID", json_string(up ? e->veth : ""));
	json_object_set_new(o, "Gateway", json_string(up ? ip4_str(n->gateway, gw) : ""));
	json_object_set_new(o, "IPAddress", json_string(up ? ip4_str(e->ip, a) : ""));
	json_object_set_new(o, "IPPrefixLen", json_integer(up ? n->subnet.len : 0));
	bool v6 = up && e->has_ip6;
	json_object_set_new(o, "IPv6Gateway",
			    json_string(v6 ? inet_ntop(AF_INET6, &n->gateway6, a, sizeof(a)) : ""));
	json_object_set_new(o, "GlobalIPv6Address",
			    json_string(v6 ? inet_ntop(AF_INET6, &e->ip6, a, sizeof(a)) : ""));
	json_object_set_new(o, "GlobalIPv6PrefixLen", json_integer(v6 ? n->subnet6.len : 0));
	json_object_set_new(o, "DriverOpts", json_null());
	return o;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Docker's .NetworkSettings.Ports: every exposed port, null when not
 * published, else its host bindings. */
static json_t *ports_json(struct store *st, const struct ctr_rec *c)
{
	json_t *ports = json_object();
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(c->config, "expose"), i, e)
		json_object_set_new(ports, json_string_value(e), json_null());
	_cleanup_free_ struct port_rec *pv = NULL;
	size_t n = 0;
	(void)store_port_list(st, c->id, &pv, &n);
	for (i = 0; i < n; i++) {
		char key[16], hp[8];
		snprintf(key, sizeof(key), "%u/%s", pv[i].ctr_port, port_proto_name(pv[i].proto));
		snprintf(hp, sizeof(hp), "%u", pv[i].host_port);
		json_t *list = json_object_get(ports, key);
		if (!json_is_array(list)) {
			list = json_array();
			json_object_set_new(ports, key, list);
		}
		json_array_append_new(list, json_pack("{s:s, s:s}", "HostIp", pv[i].host_ip,
						      "HostPort", hp));
	}
	/* Sorted keys, as Go's encoding of a map. */
	const char **keys = calloc(json_object_size(ports) + 1, sizeof(*keys));
	size_t nk = 0;
	const char *k;
	json_t *val;
	json_object_foreach(ports, k, val)
		if (keys)
			keys[nk++] = k;
	if (!keys)
		return ports;
	qsort(keys, nk, sizeof(*keys), cmp_str);
	json_t *sorted = json_object();
	for (i = 0; i < nk; i++)
		json_object_set(sorted, keys[i], json_object_get(ports, keys[i]));
	free(keys);
	json_decref(ports);
	return sorted;
}

int berth_container_ports(struct berth_ctx *ctx, const char *ref, json_t **out,
			  struct berth_error *err)
{
	struct store *st;
	struct ctr_rec c;
	int r = ctx_store(ctx, &st, err);
	if (r < 0)
		return r;
	if ((r = container_get(ctx, ref, &c, err)) < 0)
		return r;
	_cleanup_free_ struct port_rec *pv = NULL;
	size_t n = 0;
	(void)store_port_list(st, c.id, &pv, &n);
	ctr_rec_clear(&c);
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++) {
		char key[16], hp[8];
		snprintf(key, sizeof(key), "%u/%s", pv[i].ctr_port, port_proto_name(pv[i].proto));
		snprintf(hp, sizeof(hp), "%u", pv[i].host_port);
		json_array_append_new(a, json_pack("{s:s, s:s, s:s}", "ContainerPort", key,
						   "HostIp", pv[i].host_ip, "HostPort", hp));
	}
	*out = a;
	return 0;
}

static json_t *network_settings(struct berth_ctx *ctx, struct store *st, const struct ctr_rec *c,
				bool running)
{
	const char *other = NULL;
	enum net_mode mode = container_net_mode(c, &other);
	json_t *ns = json_object();
	json_t *nets = json_object();
	char key[NETNS_PROC_MAX] = "";
	if (running && container_owns_netns(c))
		netns_proc_path(key, c->pid);
	json_object_set_new(ns, "Bridge", json_string(""));
	json_object_set_new(ns, "SandboxID", json_string(running && mode != NET_HOST ? c->id : ""));
	json_object_set_new(ns, "SandboxKey", json_string(key));
	json_object_set_new(ns, "Ports", ports_json(st, c));

	json_t *top = NULL;
	if (mode == NET_BRIDGE) {
		/* Every network the container belongs to; the top-level fields
		 * mirror the default bridge, as Docker's do. */
		_cleanup_free_ struct ep_rec *eps = NULL;
		size_t cnt = 0;
		(void)store_endpoint_list(st, c->id, NULL, &eps, &cnt);
		for (size_t i = 0; i < cnt; i++) {
			struct net_rec n;
			if (store_network_get(st, eps[i].network_id, &n) < 0)
				continue;
			json_t *e = ep_json(&n, &eps[i]);
			if (n.builtin)
				top = json_incref(e);
			json_object_set_new(nets, n.name, e);
		}
		const char *net = json_string_value(json_object_get(c->config, "network"));
		if (!top && (!net || !strcmp(net, "bridge"))) {
			top = ep_json(NULL, NULL);
			json_object_set(nets, "bridge", top);
		}
	} else if (mode == NET_NONE || mode == NET_HOST) {
		json_object_set_new(nets, mode == NET_NONE ? "none" : "host", ep_json(NULL, NULL));
	}
	static const char *const copy[] = {"EndpointID", "Gateway", "GlobalIPv6Address",
		"GlobalIPv6PrefixLen", "IPAddress", "IPPrefixLen", "IPv6Gateway", "MacAddress"};
	for (size_t i = 0; i < ARRAY_SIZE(copy); i++) {
		json_t *v = top ? json_object_get(top, copy[i]) : NULL;
		json_object_set_new(ns, copy[i], v ? json_incref(v)
					: (!strcmp(copy[i], "IPPrefixLen") || !strcmp(copy[i], "GlobalIPv6PrefixLen"))
						? json_integer(0) : json_string(""));
	}
	json_decref(top);
	json_object_set_new(ns, "Networks", nets);
	return ns;
}

/* HostConfig's isolation fields, with Docker's names. */
static void host_isolation(json_t *host, json_t *cfg)
{
	struct sec_spec sec;
	double cpus = json_number_value(json_object_get(cfg, "cpus"));
	json_object_set_new(host, "Privileged", json_boolean(json_is_true(json_object_get(cfg, "privileged"))));
	json_object_set(host, "CapAdd", json_object_get(cfg, "cap_add") ?: json_null());
	json_object_set(host, "CapDrop", json_object_get(cfg, "cap_drop") ?: json_null());
	json_object_set(host, "SecurityOpt", json_object_get(cfg, "security_opt") ?: json_null());
	json_object_set_new(host, "Memory", json_integer(json_integer_value(json_object_get(cfg, "memory"))));
	json_object_set_new(host, "MemorySwap", json_integer(json_integer_value(json_object_get(cfg, "memory_swap"))));
	json_object_set_new(host, "NanoCpus", json_integer((json_int_t)(cpus * 1e9)));
	json_object_set_new(host, "CpuShares", json_integer(json_integer_value(json_object_get(cfg, "cpu_shares"))));
	json_int_t pids = json_integer_value(json_object_get(cfg, "pids_limit"));
	json_object_set_new(host, "PidsLimit", pids ? json_integer(pids) : json_null());
	json_object_set(host, "Binds", json_object_get(cfg, "volumes") ?: json_null());
	json_t *tmpfs = json_object_get(cfg, "tmpfs"), *t;
	size_t i;
	if (json_array_size(tmpfs)) {
		/* Docker's shape: {"/path": "options"} */
		json_t *map = json_object();
		json_array_foreach(tmpfs, i, t) {
			const char *v = json_string_value(t), *colon = strchr(v, ':');
			char path[4096];
			snprintf(path, sizeof(path), "%.*s", colon ? (int)(colon - v) : (int)strlen(v), v);
			json_object_set_new(map, path, json_string(colon ? colon + 1 : ""));
		}
		json_object_set_new(host, "Tmpfs", map);
	} else {
		json_object_set_new(host, "Tmpfs", json_null());
	}
	json_object_set_new(host, "ReadonlyRootfs", json_boolean(json_is_true(json_object_get(cfg, "read_only"))));
	json_object_set_new(host, "PidMode", json_string(json_is_true(json_object_get(cfg, "pid_host")) ? "host" : ""));
	json_object_set_new(host, "IpcMode", json_string(json_is_true(json_object_get(cfg, "ipc_host")) ? "host" : "private"));
	json_object_set_new(host, "UTSMode", json_string(json_is_true(json_object_get(cfg, "uts_host")) ? "host" : ""));
	/* berth's own: the capabilities the container process really has. */
	if (sec_from_config(cfg, &sec, NULL) == 0)
		json_object_set_new(host, "EffectiveCaps", sec_caps_json(sec.caps));
}

static json_t *container_json(struct berth_ctx *ctx, struct store *st, const struct ctr_rec *c)
{
	bool running = c->state == CTR_RUNNING;
	json_t *argv = json_object_get(c->config, "argv");
	json_t *args = json_array();
	for (size_t i = 1; i < json_array_size(argv); i++)
		json_array_append(args, json_array_get(argv, i));
	const char *other = NULL;
	enum net_mode mode = container_net_mode(c, &other);
	char nm[128];
	const char *netname = json_string_value(json_object_get(c->config, "network_name"));
	snprintf(nm, sizeof(nm), "%s%s",
		 mode == NET_BRIDGE ? (netname ? netname : "bridge") : mode == NET_NONE ? "none" : mode == NET_HOST ? "host" : "container:",
		 mode == NET_CONTAINER && other ? other : "");
	const char *hn = json_string_value(json_object_get(c->config, "hostname"));
	char short_id[13];
	snprintf(short_id, sizeof(short_id), "%s", c->id);
	_cleanup_free_ char *rd = ctx_run_path(ctx, c->id, NULL);
	_cleanup_free_ char *log = ctx_state_path(ctx, c->id, "container.log");
	char p1[4200], p2[4200], p3[4200], name[130];
	snprintf(p1, sizeof(p1), "%s/resolv.conf", rd ? rd : "");
	snprintf(p2, sizeof(p2), "%s/hostname", rd ? rd : "");
	snprintf(p3, sizeof(p3), "%s/hosts", rd ? rd : "");
	snprintf(name, sizeof(name), "/%s", c->name);
	const char *rootfs = json_string_value(json_object_get(c->config, "rootfs"));
	json_t *state = json_pack("{s:s, s:b, s:b, s:b, s:b, s:b, s:i, s:i, s:s, s:s, s:s}",
		"Status", ctr_state_str(c->state), "Running", running, "Paused", 0,
		"Restarting", 0, "OOMKilled", c->oom_killed, "Dead", 0, "Pid", running ? c->pid : 0,
		"ExitCode", c->exit_code, "Error", c->error,
		"StartedAt", c->started_at[0] ? c->started_at : "0001-01-01T00:00:00Z",
		"FinishedAt", c->finished_at[0] ? c->finished_at : "0001-01-01T00:00:00Z");
	json_t *config = json_pack("{s:s, s:b, s:b, s:O, s:O, s:s, s:s}",
		"Hostname", hn ? hn : short_id,
		"Tty", json_is_true(json_object_get(c->config, "tty")),
		"OpenStdin", json_is_true(json_object_get(c->config, "interactive")),
		"Env", json_object_get(c->config, "env"), "Cmd", argv,
		"Image", rootfs ? rootfs : "", "Rootfs", rootfs ? rootfs : "(host root overlay)");
	json_t *host = json_pack("{s:s, s:b}", "NetworkMode", nm,
		"AutoRemove", json_is_true(json_object_get(c->config, "auto_remove")));
	host_isolation(host, c->config);
	json_t *policy = json_object_get(c->config, "restart");
	json_object_set_new(host, "RestartPolicy",
			    policy ? json_deep_copy(policy)
				   : json_pack("{s:s, s:i}", "Name", "no", "MaximumRetryCount", 0));
	json_t *doc = json_pack("{s:s, s:s, s:O, s:o, s:o, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:o, s:o}",
		"Id", c->id, "Created", c->created, "Path", json_array_get(argv, 0),
		"Args", args, "State", state, "Image", "", "ResolvConfPath", p1,
		"HostnamePath", p2, "HostsPath", p3, "LogPath", log ? log : "", "Name", name,
		"RestartCount", c->restart_count, "Driver", rootfs ? "rootfs" : "overlay",
		"HostConfig", host, "Config", config);
	if (doc)
		json_object_set_new(doc, "NetworkSettings", network_settings(ctx, st, c, running));
	return doc;
}

/* A container recorded as running whose process and monitor are both gone
 * (crash, reboot): record it as exited and release its network. */
static void repair_stale(struct berth_ctx *ctx, struct store *st, struct ctr_rec *c)
{
	if (c->state != CTR_RUNNING || ctr_alive(c) || monitor_alive(c))
		return;
	char id[65];
	memcpy(id, c->id, sizeof(id));
	container_finished(ctx, id, W_EXITCODE(137, 0));
	ctr_rec_clear(c);
	if (store_container_get(st, id, c) < 0)
		memset(c, 0, sizeof(*c));
}

int berth_container_inspect(struct berth_ctx *ctx, const char *ref, json_t **out,
			    struct berth_error *err)
{
	struct store *st;
	struct ctr_rec c;
	int r = ctx_store(ctx, &st, err);
	if (r < 0)
		return r;
	r = container_get(ctx, ref, &c, err);
	if (r < 0)
		return r;
	repair_stale(ctx, st, &c);
	if (!c.id[0])
		return berth_errmsg(err, -ENOENT, "No such container: %s", ref);
	*out = container_json(ctx, st, &c);
	ctr_rec_clear(&c);
	return *out ? 0 : berth_err(err, -ENOMEM, "inspect");
}

int berth_container_list(struct berth_ctx *ctx, bool all, json_t **out, struct berth_error *err)
{
	struct store *st;
	struct ctr_rec *v = NULL;
	size_t n = 0;
	int r = ctx_store(ctx, &st, err);
	if (r < 0)
		return r;
	r = store_container_list(st, &v, &n);
	if (r < 0)
		return berth_err(err, r, "list containers");
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++) {
		repair_stale(ctx, st, &v[i]);
		if (!v[i].id[0] || (!all && v[i].state != CTR_RUNNING))
			continue;
		json_array_append_new(a, container_json(ctx, st, &v[i]));
	}
	ctr_recs_free(v, n);
	*out = a;
	return 0;
}

int berth_network_list(struct berth_ctx *ctx, json_t **out, struct berth_error *err)
{
	struct store *st;
	struct net_rec *nets = NULL;
	size_t n = 0;
	int r = ctx_store(ctx, &st, err);
	if (r < 0)
		return r;
	r = store_network_list(st, &nets, &n);
	if (r < 0)
		return berth_err(err, r, "list networks");
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++) {
		char sub[20], gw[16], rng[20];
		json_t *cfg = json_pack("{s:s, s:s}", "Subnet", cidr4_str(nets[i].subnet, sub),
					"Gateway", ip4_str(nets[i].gateway, gw));
		if (nets[i].range.len != nets[i].subnet.len)
			json_object_set_new(cfg, "IPRange", json_string(cidr4_str(nets[i].range, rng)));
		json_t *ipam_cfg = json_array();
		json_array_append_new(ipam_cfg, cfg);
		if (nets[i].has_v6) {
			char a6[INET6_ADDRSTRLEN], g6[INET6_ADDRSTRLEN], sub6[INET6_ADDRSTRLEN + 4];
			inet_ntop(AF_INET6, &nets[i].subnet6.addr, a6, sizeof(a6));
			inet_ntop(AF_INET6, &nets[i].gateway6, g6, sizeof(g6));
			snprintf(sub6, sizeof(sub6), "%s/%u", a6, nets[i].subnet6.len);
			json_array_append_new(ipam_cfg, json_pack("{s:s, s:s}", "Subnet", sub6, "Gateway", g6));
		}
		json_t *ctrs = json_object();
		_cleanup_free_ struct ep_rec *eps = NULL;
		size_t ne = 0;
		(void)store_endpoint_list(st, NULL, nets[i].id, &eps, &ne);
		for (size_t j = 0; j < ne; j++) {
			struct ctr_rec c;
			char a4[16], m[18], cidr[24];
			if (!eps[j].ip || store_container_get(st, eps[j].container_id, &c) < 0)
				continue;
			snprintf(cidr, sizeof(cidr), "%s/%u", ip4_str(eps[j].ip, a4), nets[i].subnet.len);
			json_object_set_new(ctrs, c.id, json_pack("{s:s, s:s, s:s, s:s, s:s}",
				"Name", c.name, "EndpointID", eps[j].veth, "MacAddress", mac_str(eps[j].mac, m),
				"IPv4Address", cidr, "IPv6Address", ""));
			ctr_rec_clear(&c);
		}
		/* berth-cni attachments: keyed "CONTAINERID/IFNAME" (one container may
		 * have several), named after the runtime's namespace. */
		struct cni_rec *cv = NULL;
		size_t nc = 0;
		(void)store_cni_list(st, nets[i].id, NULL, NULL, &cv, &nc);
		for (size_t j = 0; j < nc; j++) {
			char a4[16], m[18], cidr[24], key[300], a6[INET6_ADDRSTRLEN + 4] = "";
			snprintf(cidr, sizeof(cidr), "%s/%u", ip4_str(cv[j].ip, a4), nets[i].subnet.len);
			snprintf(key, sizeof(key), "%s/%s", cv[j].container_id, cv[j].ifname);
			if (cv[j].has_ip6) {
				inet_ntop(AF_INET6, &cv[j].ip6, a6, INET6_ADDRSTRLEN);
				snprintf(a6 + strlen(a6), 5, "/%u", nets[i].subnet6.len);
			}
			json_t *pm = json_array(), *p;
			size_t k;
			json_array_foreach(cv[j].ports, k, p) /* the runtime's portMappings shape */
				json_array_append_new(pm, json_pack("{s:O, s:O, s:s, s:O}",
					"hostPort", json_object_get(p, "hostPort"),
					"containerPort", json_object_get(p, "containerPort"),
					"protocol", fw_proto_name((uint8_t)json_integer_value(json_object_get(p, "proto"))),
					"hostIP", json_object_get(p, "hostIP")));
			json_object_set_new(ctrs, key, json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}",
				"Name", cv[j].netns, "EndpointID", cv[j].veth, "MacAddress", mac_str(cv[j].mac, m),
				"IPv4Address", cidr, "IPv6Address", a6, "PortMappings", pm));
		}
		cni_recs_free(cv, nc);
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:{s:s, s:n, s:o}, s:b, s:o, s:{s:s}}",
			"Name", nets[i].name, "Id", nets[i].id, "Created", nets[i].created,
			"Scope", "local", "Driver", nets[i].driver, "EnableIPv6", nets[i].has_v6,
			"IPAM", "Driver", "default", "Options", "Config", ipam_cfg,
			"Internal", nets[i].internal, "Containers", ctrs,
			"Options", "com.docker.network.bridge.name", nets[i].bridge));
	}
	free(nets);
	*out = a;
	return 0;
}

int berth_container_stats(struct berth_ctx *ctx, const char *ref, json_t **out,
			  struct berth_error *err)
{
	struct store *st;
	struct ctr_rec c;
	int r = ctx_store(ctx, &st, err);
	if (r < 0)
		return r;
	if ((r = container_get(ctx, ref, &c, err)) < 0)
		return r;
	bool running = c.state == CTR_RUNNING && ctr_alive(&c);
	json_t *s1 = running ? cgroup_stats(c.id) : NULL;
	double pct = 0;
	if (s1) {
		/* CPU: two samples 100 ms apart, as a share of one CPU (x100). */
		json_int_t a = json_integer_value(json_object_get(s1, "cpu_usage_ns"));
		struct timespec ts = {.tv_nsec = 100 * 1000 * 1000};
		nanosleep(&ts, NULL);
		json_t *s2 = cgroup_stats(c.id);
		json_int_t b = json_integer_value(json_object_get(s2, "cpu_usage_ns"));
		if (a >= 0 && b >= a)
			pct = (double)(b - a) / 1e8 * 100.0;
		json_decref(s1);
		s1 = s2;
	}
	*out = json_pack("{s:s, s:s, s:b, s:f, s:o, s:o}", "Id", c.id, "Name", c.name, "Running", running,
			 "cpu_percent", pct,
			 "memory", s1 ? json_incref(json_object_get(s1, "memory")) : json_null(),
			 "pids", s1 ? json_incref(json_object_get(s1, "pids")) : json_null());
	json_decref(s1);
	ctr_rec_clear(&c);
	return 0;
}
