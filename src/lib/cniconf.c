/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cniconf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const cni_versions[] = {"0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0", NULL};

int cni_version_index(const char *v, struct berth_error *err)
{
	for (int i = 0; cni_versions[i]; i++)
		if (v && !strcmp(v, cni_versions[i]))
			return i;
	return berth_errmsg(err, -EPROTONOSUPPORT,
			    "incompatible CNI versions: config is \"%s\", berth-cni supports 0.3.0, 0.3.1, 0.4.0, 1.0.0, 1.1.0",
			    v ? v : "(none)");
}

void cni_conf_free(struct cni_conf *c)
{
	json_decref(c->doc);
	free(c->routes);
	free(c->ports);
	free(c->valid);
	memset(c, 0, sizeof(*c));
}

/* A field that must be a string if present. */
static int get_str(json_t *o, const char *key, const char *where, const char **out,
		   struct berth_error *err)
{
	json_t *v = json_object_get(o, key);
	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return berth_errmsg(err, -EINVAL, "%s%s: want a string", where, key);
	*out = json_string_value(v);
	return 0;
}

static int get_bool(json_t *o, const char *key, bool *out, struct berth_error *err)
{
	json_t *v = json_object_get(o, key);
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_boolean(v))
		return berth_errmsg(err, -EINVAL, "%s: want true or false", key);
	*out = json_is_true(v);
	return 0;
}

static int parse_ip(const char *s, int *family, struct in6_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, s, out) == 1) {
		*family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, out) == 1) {
		*family = AF_INET6;
		return 0;
	}
	return -EINVAL;
}

static uint32_t v4_host(const struct in6_addr *a)
{
	uint32_t v;
	memcpy(&v, a, 4);
	return ntohl(v);
}

/* "a.b.c.d/len" or "x::y/len" (host bits allowed). */
static int parse_prefix(const char *s, int *family, struct in6_addr *addr, uint8_t *len)
{
	char buf[64];
	const char *slash = s ? strchr(s, '/') : NULL;
	if (!slash || (size_t)(slash - s) >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, (size_t)(slash - s));
	buf[slash - s] = '\0';
	if (parse_ip(buf, family, addr) < 0)
		return -EINVAL;
	char *end;
	long l = strtol(slash + 1, &end, 10);
	if (!slash[1] || *end || l < 0 || l > (*family == AF_INET ? 32 : 128))
		return -EINVAL;
	*len = (uint8_t)l;
	return 0;
}

/* One address of the given family, or -EINVAL naming it. */
static int want_ip(const char *s, int family, const char *what, struct in6_addr *out,
		   struct berth_error *err)
{
	int f;
	if (parse_ip(s, &f, out) < 0 || f != family)
		return berth_errmsg(err, -EINVAL, "%s \"%s\": want an IPv%d address", what, s,
				    family == AF_INET ? 4 : 6);
	return 0;
}

/* A range object {subnet, rangeStart, rangeEnd, gateway}: the first IPv4
 * one fills the pool, the first IPv6 one the v6 prefix. */
static int parse_range(struct cni_conf *c, json_t *r, const char *where, struct berth_error *err)
{
	const char *subnet, *start, *end, *gw;
	int rc = get_str(r, "subnet", where, &subnet, err);
	if (rc >= 0)
		rc = get_str(r, "rangeStart", where, &start, err);
	if (rc >= 0)
		rc = get_str(r, "rangeEnd", where, &end, err);
	if (rc >= 0)
		rc = get_str(r, "gateway", where, &gw, err);
	if (rc < 0)
		return rc;
	int family;
	struct in6_addr a, tmp;
	uint8_t len;
	if (!subnet)
		return berth_errmsg(err, -EINVAL, "%ssubnet: missing", where);
	if (parse_prefix(subnet, &family, &a, &len) < 0)
		return berth_errmsg(err, -EINVAL, "%ssubnet \"%s\": want an address/prefix like 10.22.0.0/16",
				    where, subnet);
	if (family == AF_INET) {
		if (c->subnet.len)
			return berth_errmsg(err, -EOPNOTSUPP, "%s: berth-cni takes one IPv4 range", where);
		if (len > 30)
			return berth_errmsg(err, -EINVAL, "%ssubnet \"%s\": too small for a network (want /30 or larger)",
					    where, subnet);
		c->subnet = (struct cidr4){.addr = v4_host(&a) & cidr4_mask(len), .len = len};
		struct {
			const char *s, *name;
			uint32_t *out;
		} f[] = {{start, "rangeStart", &c->range_start},
			 {end, "rangeEnd", &c->range_end},
			 {gw, "gateway", &c->gateway}};
		for (size_t i = 0; i < 3; i++) {
			if (!f[i].s)
				continue;
			if (want_ip(f[i].s, AF_INET, f[i].name, &tmp, err) < 0)
				return -EINVAL;
			*f[i].out = v4_host(&tmp);
			if (!cidr4_contains(c->subnet, *f[i].out))
				return berth_errmsg(err, -EINVAL, "%s%s %s is not in subnet %s", where,
						    f[i].name, f[i].s, subnet);
		}
		if (!c->gateway)
			c->gateway = c->subnet.addr + 1;
		if (c->range_start && c->range_end && c->range_start > c->range_end)
			return berth_errmsg(err, -EINVAL, "%srangeStart %s is after rangeEnd %s", where, start, end);
		return 0;
	}
	if (c->has_v6)
		return berth_errmsg(err, -EOPNOTSUPP, "%s: berth-cni takes one IPv6 range", where);
	if (len > 80)
		return berth_errmsg(err, -EINVAL,
				    "%ssubnet \"%s\": berth derives IPv6 addresses from the MAC, want a prefix of /80 or shorter",
				    where, subnet);
	if (start || end)
		return berth_errmsg(err, -EOPNOTSUPP, "%s: rangeStart/rangeEnd are IPv4 only in berth-cni", where);
	c->has_v6 = true;
	c->subnet6.len = len;
	for (int i = 0; i < 16; i++) {
		int bits = len - i * 8;
		uint8_t m = bits >= 8 ? 0xff : bits <= 0 ? 0 : (uint8_t)(0xff << (8 - bits));
		c->subnet6.addr.s6_addr[i] = a.s6_addr[i] & m;
	}
	if (gw) {
		if (want_ip(gw, AF_INET6, "gateway", &c->gateway6, err) < 0)
			return -EINVAL;
		if (!cidr6_contains(c->subnet6, &c->gateway6))
			return berth_errmsg(err, -EINVAL, "%sgateway %s is not in subnet %s", where, gw, subnet);
	} else {
		c->gateway6 = c->subnet6.addr;
		c->gateway6.s6_addr[15] |= 1;
	}
	return 0;
}

static int parse_routes(struct cni_conf *c, json_t *routes, struct berth_error *err)
{
	size_t i;
	json_t *r;
	if (!routes)
		return 0;
	if (!json_is_array(routes))
		return berth_errmsg(err, -EINVAL, "ipam.routes: want an array");
	c->routes = calloc(json_array_size(routes) + 1, sizeof(*c->routes));
	if (!c->routes)
		return -ENOMEM;
	json_array_foreach(routes, i, r) {
		struct cni_route *rt = &c->routes[c->n_routes];
		const char *dst, *gw;
		char where[32];
		snprintf(where, sizeof(where), "ipam.routes[%zu].", i);
		if (get_str(r, "dst", where, &dst, err) < 0 || get_str(r, "gw", where, &gw, err) < 0)
			return -EINVAL;
		if (!dst || parse_prefix(dst, &rt->family, &rt->dst, &rt->len) < 0)
			return berth_errmsg(err, -EINVAL, "%sdst \"%s\": want an address/prefix like 0.0.0.0/0",
					    where, dst ? dst : "");
		if (gw) {
			if (want_ip(gw, rt->family, "gw", &rt->gw, err) < 0)
				return -EINVAL;
			rt->has_gw = true;
		}
		c->n_routes++;
	}
	return 0;
}

static int parse_ipam(struct cni_conf *c, json_t *ipam, struct berth_error *err)
{
	const char *type;
	if (!ipam)
		return berth_errmsg(err, -EINVAL, "ipam: missing (berth-cni needs a subnet, e.g. \"ipam\": {\"type\": \"host-local\", \"subnet\": \"10.22.0.0/16\"})");
	if (!json_is_object(ipam))
		return berth_errmsg(err, -EINVAL, "ipam: want an object");
	if (get_str(ipam, "type", "ipam.", &type, err) < 0)
		return -EINVAL;
	if (type && strcmp(type, "host-local") && strcmp(type, "berth"))
		return berth_errmsg(err, -EOPNOTSUPP,
				    "ipam.type \"%s\": berth-cni does its own address management, want \"host-local\" or \"berth\"",
				    type);
	json_t *ranges = json_object_get(ipam, "ranges");
	int r = 0;
	if (json_object_get(ipam, "subnet")) {
		r = parse_range(c, ipam, "ipam.", err);
	} else if (json_is_array(ranges)) {
		size_t i;
		json_t *set;
		json_array_foreach(ranges, i, set) {
			char where[32];
			snprintf(where, sizeof(where), "ipam.ranges[%zu]", i);
			if (!json_is_array(set) || json_array_size(set) != 1)
				return berth_errmsg(err, json_is_array(set) ? -EOPNOTSUPP : -EINVAL,
						    "%s: want a list of exactly one range", where);
			strcat(where, "[0].");
			r = parse_range(c, json_array_get(set, 0), where, err);
			if (r < 0)
				return r;
		}
	}
	if (r < 0)
		return r;
	if (!c->subnet.len)
		return berth_errmsg(err, -EINVAL, "ipam: no IPv4 subnet (want \"subnet\" or \"ranges\")");
	return parse_routes(c, json_object_get(ipam, "routes"), err);
}

static int parse_ports(struct cni_conf *c, json_t *pm, struct berth_error *err)
{
	size_t i;
	json_t *p;
	if (!pm || json_is_null(pm))
		return 0;
	if (!json_is_array(pm))
		return berth_errmsg(err, -EINVAL, "runtimeConfig.portMappings: want an array");
	c->ports = calloc(json_array_size(pm) + 1, sizeof(*c->ports));
	if (!c->ports)
		return -ENOMEM;
	json_array_foreach(pm, i, p) {
		struct cni_port *cp = &c->ports[c->n_ports];
		json_t *hp = json_object_get(p, "hostPort"), *cpn = json_object_get(p, "containerPort");
		const char *proto = "tcp", *hip = NULL;
		char where[48];
		snprintf(where, sizeof(where), "portMappings[%zu].", i);
		if (get_str(p, "protocol", where, &proto, err) < 0 || get_str(p, "hostIP", where, &hip, err) < 0)
			return -EINVAL;
		if (!proto || !*proto)
			proto = "tcp";
		if (!json_is_integer(hp) || json_integer_value(hp) < 1 || json_integer_value(hp) > 65535 ||
		    !json_is_integer(cpn) || json_integer_value(cpn) < 1 || json_integer_value(cpn) > 65535)
			return berth_errmsg(err, -EINVAL, "%shostPort/containerPort: want numbers 1-65535", where);
		cp->host_port = (uint16_t)json_integer_value(hp);
		cp->ctr_port = (uint16_t)json_integer_value(cpn);
		if (!strcasecmp(proto, "tcp"))
			cp->proto = IPPROTO_TCP;
		else if (!strcasecmp(proto, "udp"))
			cp->proto = IPPROTO_UDP;
		else if (!strcasecmp(proto, "sctp"))
			cp->proto = IPPROTO_SCTP;
		else
			return berth_errmsg(err, -EINVAL, "%sprotocol \"%s\": want tcp, udp or sctp", where, proto);
		cp->family = AF_INET;
		snprintf(cp->host_ip, sizeof(cp->host_ip), "0.0.0.0");
		if (hip && *hip) {
			struct in6_addr a;
			if (parse_ip(hip, &cp->family, &a) < 0)
				return berth_errmsg(err, -EINVAL, "%shostIP \"%s\": want an address", where, hip);
			inet_ntop(cp->family, &a, cp->host_ip, sizeof(cp->host_ip));
		}
		c->n_ports++;
	}
	return 0;
}

/* A requested address ("10.1.0.5" or "10.1.0.5/24"), of either family. */
static int want_req_ip(struct cni_conf *c, const char *s, const char *what, struct berth_error *err)
{
	char buf[64];
	int family;
	struct in6_addr a;
	snprintf(buf, sizeof(buf), "%s", s);
	char *slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	if (parse_ip(buf, &family, &a) < 0)
		return berth_errmsg(err, -EINVAL, "%s \"%s\": want an IP address", what, s);
	if (family == AF_INET)
		c->req_ip = v4_host(&a);
	else {
		c->has_req_ip6 = true;
		c->req_ip6 = a;
	}
	return 0;
}

static int want_req_ips(struct cni_conf *c, json_t *ips, const char *what, struct berth_error *err)
{
	size_t i;
	json_t *v;
	if (!ips)
		return 0;
	if (!json_is_array(ips))
		return berth_errmsg(err, -EINVAL, "%s: want an array of addresses", what);
	json_array_foreach(ips, i, v) {
		if (!json_is_string(v))
			return berth_errmsg(err, -EINVAL, "%s: want an array of addresses", what);
		if (want_req_ip(c, json_string_value(v), what, err) < 0)
			return -EINVAL;
	}
	return 0;
}

static int want_req_mac(struct cni_conf *c, const char *s, const char *what, struct berth_error *err)
{
	if (ipam_parse_mac(s, c->req_mac, NULL) < 0)
		return berth_errmsg(err, -EINVAL, "%s \"%s\": want a unicast MAC like 02:42:0a:16:00:05", what, s);
	c->has_req_mac = true;
	return 0;
}

/* CNI_ARGS: "K=V;K=V". IP and MAC are ours; anything else needs IgnoreUnknown. */
static int parse_cni_args(struct cni_conf *c, const char *args, struct berth_error *err)
{
	if (!args || !*args)
		return 0;
	char *copy = strdup(args), *save = NULL;
	if (!copy)
		return -ENOMEM;
	bool ignore_unknown = false;
	char unknown[64] = "";
	int r = 0;
	for (char *kv = strtok_r(copy, ";", &save); kv && r >= 0; kv = strtok_r(NULL, ";", &save)) {
		char *eq = strchr(kv, '=');
		if (!eq) {
			r = berth_errmsg(err, -ENXIO, "CNI_ARGS: \"%s\" is not KEY=VALUE", kv);
			break;
		}
		*eq = '\0';
		const char *v = eq + 1;
		if (!strcmp(kv, "IgnoreUnknown"))
			ignore_unknown = !strcmp(v, "1") || !strcasecmp(v, "true");
		else if (!strcmp(kv, "IP")) {
			char *s2 = NULL, *ipl = strdup(v);
			if (!ipl) {
				r = -ENOMEM;
				break;
			}
			for (char *ip = strtok_r(ipl, ",", &s2); ip && r >= 0; ip = strtok_r(NULL, ",", &s2))
				if (want_req_ip(c, ip, "CNI_ARGS IP", err) < 0)
					r = -ENXIO;
			free(ipl);
		} else if (!strcmp(kv, "MAC")) {
			if (want_req_mac(c, v, "CNI_ARGS MAC", err) < 0)
				r = -ENXIO;
		} else if (!unknown[0]) {
			snprintf(unknown, sizeof(unknown), "%s", kv);
		}
	}
	free(copy);
	if (r >= 0 && unknown[0] && !ignore_unknown)
		r = berth_errmsg(err, -ENXIO, "CNI_ARGS: unknown key \"%s\" (known: IP, MAC, IgnoreUnknown)", unknown);
	return r;
}

static int parse_valid_attachments(struct cni_conf *c, json_t *va, struct berth_error *err)
{
	size_t i;
	json_t *a;
	if (!va)
		return 0;
	if (!json_is_array(va))
		return berth_errmsg(err, -EINVAL, "cni.dev/valid-attachments: want an array");
	c->has_valid = true;
	c->valid = calloc(json_array_size(va) + 1, sizeof(*c->valid));
	if (!c->valid)
		return -ENOMEM;
	json_array_foreach(va, i, a) {
		const char *id = json_string_value(json_object_get(a, "containerID"));
		const char *ifn = json_string_value(json_object_get(a, "ifname"));
		if (!id || !ifn)
			return berth_errmsg(err, -EINVAL,
					    "cni.dev/valid-attachments[%zu]: want {\"containerID\", \"ifname\"}", i);
		c->valid[c->n_valid++] = (struct cni_attachment){id, ifn};
	}
	return 0;
}

static int parse_plugin(struct cni_conf *c, struct berth_error *err)
{
	json_t *d = c->doc;
	const char *bridge;
	json_t *mtu = json_object_get(d, "mtu");
	int r = get_str(d, "type", "", &c->type, err);
	if (r >= 0)
		r = get_str(d, "bridge", "", &bridge, err);
	if (r < 0)
		return r;
	if (!bridge || !*bridge)
		bridge = "cni0";
	if (strlen(bridge) > 15 || strpbrk(bridge, "/ \t\n:"))
		return berth_errmsg(err, -EINVAL, "bridge \"%s\": want an interface name of 1-15 characters", bridge);
	snprintf(c->bridge, sizeof(c->bridge), "%s", bridge);
	if (get_bool(d, "isGateway", &c->is_gateway, err) < 0 ||
	    get_bool(d, "isDefaultGateway", &c->is_default_gw, err) < 0 ||
	    get_bool(d, "ipMasq", &c->ip_masq, err) < 0 ||
	    get_bool(d, "hairpinMode", &c->hairpin, err) < 0)
		return -EINVAL;
	if (c->is_default_gw)
		c->is_gateway = true;
	const char *nm;
	if (get_str(d, "nonMasqueradeCIDR", "", &nm, err) < 0)
		return -EINVAL;
	if (nm) {
		if (ipam_parse_cidr4(nm, &c->no_masq, NULL) < 0)
			return berth_errmsg(err, -EINVAL, "nonMasqueradeCIDR \"%s\": want an IPv4 prefix like 10.244.0.0/16", nm);
		c->no_masq.addr = cidr4_network(c->no_masq);
		c->has_no_masq = true;
	}
	if (mtu && !json_is_null(mtu)) {
		if (!json_is_integer(mtu) || json_integer_value(mtu) < 68 || json_integer_value(mtu) > 65535)
			return berth_errmsg(err, -EINVAL, "mtu: want a number 68-65535");
		c->mtu = (unsigned)json_integer_value(mtu);
	}
	/* Fields of the reference bridge plugin that berth-cni does not do:
	 * refused rather than silently ignored. */
	static const char *const unsupported[] = {"vlan", "vlanTrunk", "promiscMode", "macspoofchk",
						  "enabledad", "preserveDefaultVlan", NULL};
	for (int i = 0; unsupported[i]; i++) {
		json_t *v = json_object_get(d, unsupported[i]);
		if (v && !json_is_null(v) && !json_is_false(v) && !(json_is_integer(v) && !json_integer_value(v)))
			return berth_errmsg(err, -EOPNOTSUPP, "%s: not supported by berth-cni", unsupported[i]);
	}
	r = parse_ipam(c, json_object_get(d, "ipam"), err);
	if (r < 0)
		return r;
	json_t *dns = json_object_get(d, "dns");
	if (json_is_object(dns) && json_object_size(dns))
		c->dns = dns;
	json_t *rc = json_object_get(d, "runtimeConfig");
	if (rc && !json_is_object(rc))
		return berth_errmsg(err, -EINVAL, "runtimeConfig: want an object");
	r = parse_ports(c, json_object_get(rc, "portMappings"), err);
	if (r >= 0)
		r = want_req_ips(c, json_object_get(rc, "ips"), "runtimeConfig.ips", err);
	json_t *args_cni = json_object_get(json_object_get(d, "args"), "cni");
	if (r >= 0)
		r = want_req_ips(c, json_object_get(args_cni, "ips"), "args.cni.ips", err);
	const char *mac = json_string_value(json_object_get(rc, "mac"));
	if (!mac)
		mac = json_string_value(json_object_get(args_cni, "mac"));
	if (r >= 0 && mac)
		r = want_req_mac(c, mac, "mac", err);
	if (r < 0)
		return r;
	json_t *prev = json_object_get(d, "prevResult");
	if (prev && !json_is_null(prev)) {
		if (!json_is_object(prev))
			return berth_errmsg(err, -EINVAL, "prevResult: want an object");
		c->prev_result = prev;
	}
	return parse_valid_attachments(c, json_object_get(d, "cni.dev/valid-attachments"), err);
}

int cni_conf_parse(const char *buf, size_t len, const char *cni_args, bool full,
		   struct cni_conf *out, struct berth_error *err)
{
	json_error_t je;
	memset(out, 0, sizeof(*out));
	out->doc = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	if (!out->doc || !json_is_object(out->doc)) {
		int r = out->doc ? berth_errmsg(err, -EBADMSG, "network configuration: want a JSON object")
				 : berth_errmsg(err, -EBADMSG, "network configuration: %s (line %d)", je.text,
						je.line);
		cni_conf_free(out);
		return r;
	}
	int r = get_str(out->doc, "cniVersion", "", &out->version_str, err);
	if (r >= 0)
		r = out->version = cni_version_index(out->version_str, err);
	if (r >= 0)
		r = get_str(out->doc, "name", "", &out->name, err);
	/* Where berth keeps its state: read for DEL too, as runtimes do not
	 * always pass their environment on (Podman's cleanup does not). */
	if (r >= 0)
		r = get_str(out->doc, "dataDir", "", &out->data_dir, err);
	if (r >= 0)
		r = get_str(out->doc, "runDir", "", &out->run_dir, err);
	if (r >= 0 && out->data_dir && *out->data_dir != '/')
		r = berth_errmsg(err, -EINVAL, "dataDir \"%s\": want an absolute path", out->data_dir);
	if (r >= 0 && out->run_dir && *out->run_dir != '/')
		r = berth_errmsg(err, -EINVAL, "runDir \"%s\": want an absolute path", out->run_dir);
	if (r >= 0 && full) {
		if (!out->name || !*out->name || strlen(out->name) > 100 || strpbrk(out->name, "/ \t\n"))
			r = berth_errmsg(err, -EINVAL, "name \"%s\": want a network name of 1-100 characters, no spaces or '/'",
					 out->name ? out->name : "");
		if (r >= 0)
			r = parse_plugin(out, err);
		if (r >= 0)
			r = parse_cni_args(out, cni_args, err);
	}
	if (r < 0) {
		cni_conf_free(out);
		return r;
	}
	return 0;
}
