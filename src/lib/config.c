/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Host-wide settings from a daemon.json-style file, with Docker's key names.
 * Strict: unknown keys, duplicate keys, wrong types and bad values are
 * errors naming the key and the value.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

/* A daemon.json is a few hundred bytes; refuse to slurp anything huge. */
#define CONFIG_MAX_SIZE (1024 * 1024)

/* Longest JSON value echoed back in a message. */
#define REPR_MAX 80

/* The value v as compact JSON for a message ("abc" keeps its quotes, so
 * "got \"abc\"" vs "got 1" tells the type), truncated to REPR_MAX bytes. */
static const char *repr(const json_t *v, char buf[REPR_MAX + 4])
{
	_cleanup_free_ char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
	size_t n;

	if (!s)
		return "(?)";
	n = strlen(s);
	if (n <= REPR_MAX) {
		memcpy(buf, s, n + 1);
		return buf;
	}
	n = REPR_MAX;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--; /* do not cut a UTF-8 sequence */
	memcpy(buf, s, n);
	memcpy(buf + n, "...", 4);
	return buf;
}

/* A key for a message, JSON-quoted so control characters stay escaped. */
static const char *repr_key(const char *key, char buf[REPR_MAX + 4])
{
	json_t *k = json_string(key);
	const char *r;

	if (!k)
		return "(?)";
	r = repr(k, buf);
	json_decref(k);
	return r;
}

struct parse {
	const char *label; /* "daemon.json" or the file's path */
	const char *key;
	const json_t *v;
	struct berth_error *err;
};

static int type_error(const struct parse *p, const char *want)
{
	char r[REPR_MAX + 4];

	return berth_errmsg(p->err, -EINVAL, "%s: \"%s\" must be %s, got %s",
			    p->label, p->key, want, repr(p->v, r));
}

/* Prefix the message a parser left in err with the file and the key. */
static int value_error(const struct parse *p, int r)
{
	return berth_err_wrap(p->err, r, "%s: \"%s\"", p->label, p->key);
}

static int get_string(const struct parse *p, const char **out)
{
	if (!json_is_string(p->v))
		return type_error(p, "a string");
	*out = json_string_value(p->v);
	return 0;
}

static int get_bool(const struct parse *p, bool *out)
{
	if (!json_is_boolean(p->v))
		return type_error(p, "true or false");
	*out = json_is_true(p->v);
	return 0;
}

/* Linux dev_valid_name(): 1-15 bytes, not "." or "..", no '/', ':' or
 * whitespace. */
static bool valid_ifname(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 15 || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (const char *c = s; *c; c++)
		if (*c == '/' || *c == ':' || *c == ' ' || (*c >= '\t' && *c <= '\r') ||
		    (unsigned char)*c < 0x20 || *c == 0x7f)
			return false;
	return true;
}

static int set_bridge(const struct parse *p, struct berth_config *c)
{
	char r[REPR_MAX + 4];
	const char *s;
	int ret = get_string(p, &s);

	if (ret < 0)
		return ret;
	if (!*s) { /* Docker's default: berth makes its own bridge */
		c->bridge[0] = '\0';
		return 0;
	}
	if (!valid_ifname(s))
		return berth_errmsg(p->err, -EINVAL,
				    "%s: invalid \"bridge\" %s: want an interface name of 1-15 characters without \"/\", \":\" or whitespace",
				    p->label, repr(p->v, r));
	snprintf(c->bridge, sizeof(c->bridge), "%s", s);
	return 0;
}

static int set_bip(const struct parse *p, struct berth_config *c)
{
	char r[REPR_MAX + 4], ip[16], sample[19];
	struct cidr4 b;
	const char *s, *what = NULL;
	int ret = get_string(p, &s);

	if (ret < 0)
		return ret;
	ret = ipam_parse_cidr4(s, &b, p->err);
	if (ret < 0)
		return value_error(p, ret);
	/* The bridge's own address: not the network or broadcast address
	 * (a /31 or /32 has neither). */
	if (b.len <= 30 && b.addr == cidr4_network(b))
		what = "network";
	else if (b.len <= 30 && b.addr == cidr4_broadcast(b))
		what = "broadcast";
	if (what) {
		struct cidr4 ex = { .addr = cidr4_network(b) + 1, .len = b.len };

		snprintf(sample, sizeof(sample), "%s/%u", ip4_str(ex.addr, ip),
			 (unsigned)b.len);
		return berth_errmsg(p->err, -EINVAL,
				    "%s: invalid \"bip\" %s: %s is the %s address; give the bridge's own address with the prefix length, like %s",
				    p->label, repr(p->v, r), ip4_str(b.addr, ip), what,
				    sample);
	}
	c->has_bip = true;
	c->bip = b;
	return 0;
}

static int set_fixed_cidr(const struct parse *p, struct berth_config *c)
{
	struct cidr4 f;
	const char *s;
	int ret = get_string(p, &s);

	if (ret < 0)
		return ret;
	ret = ipam_parse_cidr4(s, &f, p->err);
	if (ret < 0)
		return value_error(p, ret);
	f.addr = cidr4_network(f); /* like Go's net.ParseCIDR */
	c->has_fixed_cidr = true;
	c->fixed_cidr = f;
	return 0;
}

static int set_fixed_cidr_v6(const struct parse *p, struct berth_config *c)
{
	struct cidr6 f = {0};
	const char *s;
	int ret = get_string(p, &s);

	if (ret < 0)
		return ret;
	ret = ipam_parse_cidr6(s, &f, p->err);
	if (ret < 0)
		return value_error(p, ret);
	/* Keep only the network part, like Go's net.ParseCIDR. */
	for (unsigned i = 0; i < 16; i++) {
		unsigned bits = f.len > i * 8 ? f.len - i * 8 : 0;

		if (bits < 8)
			f.addr.s6_addr[i] &= (uint8_t)(0xff00u >> bits);
	}
	c->has_fixed_cidr_v6 = true;
	c->fixed_cidr_v6 = f;
	return 0;
}

static int set_ipv6(const struct parse *p, struct berth_config *c)
{
	return get_bool(p, &c->ipv6);
}

static int set_mtu(const struct parse *p, struct berth_config *c)
{
	json_int_t v;

	if (!json_is_integer(p->v))
		return type_error(p, "an integer");
	v = json_integer_value(p->v);
	if (v < 68 || v > 65535)
		return berth_errmsg(p->err, -EINVAL,
				    "%s: invalid \"mtu\" %lld: must be 68-65535",
				    p->label, (long long)v);
	c->mtu = (unsigned)v;
	return 0;
}

static int set_icc(const struct parse *p, struct berth_config *c)
{
	return get_bool(p, &c->icc);
}

static int set_iptables(const struct parse *p, struct berth_config *c)
{
	return get_bool(p, &c->iptables);
}

static int set_ip_forward(const struct parse *p, struct berth_config *c)
{
	return get_bool(p, &c->ip_forward);
}

static int set_ip_masq(const struct parse *p, struct berth_config *c)
{
	return get_bool(p, &c->ip_masq);
}

static int set_anti_spoofing(const struct parse *p, struct berth_config *c)
{
	return get_bool(p, &c->anti_spoofing);
}

static int set_userland_proxy(const struct parse *p, struct berth_config *c)
{
	return get_bool(p, &c->userland_proxy);
}

static int set_dns(const struct parse *p, struct berth_config *c)
{
	char r[REPR_MAX + 4];
	size_t i, n;
	json_t *e;

	if (!json_is_array(p->v))
		return type_error(p, "an array of IP addresses");
	n = json_array_size(p->v);
	if (n > BERTH_MAX_DNS)
		return berth_errmsg(p->err, -EINVAL,
				    "%s: \"dns\" has %zu entries, at most %d are allowed",
				    p->label, n, BERTH_MAX_DNS);
	c->n_dns = 0;
	json_array_foreach(p->v, i, e) {
		unsigned char a[sizeof(struct in6_addr)];
		const char *s = json_string_value(e);
		int af;

		if (!s)
			return berth_errmsg(p->err, -EINVAL,
					    "%s: \"dns\" entries must be strings, got %s",
					    p->label, repr(e, r));
		if (inet_pton(AF_INET, s, a) == 1)
			af = AF_INET;
		else if (inet_pton(AF_INET6, s, a) == 1)
			af = AF_INET6;
		else
			return berth_errmsg(p->err, -EINVAL,
					    "%s: invalid \"dns\" entry %s: want an IPv4 or IPv6 address like 8.8.8.8 or 2001:4860:4860::8888",
					    p->label, repr(e, r));
		/* Store the canonical text form (fits: INET6_ADDRSTRLEN == 46). */
		if (!inet_ntop(af, a, c->dns[c->n_dns], sizeof(c->dns[0])))
			return berth_err(p->err, negerrno(), "%s: \"dns\"", p->label);
		c->n_dns++;
	}
	return 0;
}

static int set_ip(const struct parse *p, struct berth_config *c)
{
	const char *s;
	int ret = get_string(p, &s);

	if (ret < 0)
		return ret;
	ret = ipam_parse_ip4(s, &c->host_binding_ipv4, p->err);
	if (ret < 0)
		return value_error(p, ret);
	c->has_host_binding_ipv4 = true;
	return 0;
}

static int set_firewall_backend(const struct parse *p, struct berth_config *c)
{
	static const struct {
		const char *name;
		enum berth_fw_backend value;
	} names[] = {
		{ "nftables", BERTH_FW_NFTABLES },
		{ "iptables", BERTH_FW_IPTABLES },
		{ "none", BERTH_FW_NONE },
	};
	char r[REPR_MAX + 4];
	const char *s;
	int ret = get_string(p, &s);

	if (ret < 0)
		return ret;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(s, names[i].name)) {
			c->firewall_backend = names[i].value;
			return 0;
		}
	return berth_errmsg(p->err, -EINVAL,
			    "%s: invalid \"firewall-backend\" %s: want \"nftables\", \"iptables\" or \"none\"",
			    p->label, repr(p->v, r));
}

static const struct {
	const char *key;
	int (*set)(const struct parse *p, struct berth_config *c);
} keys[] = {
	{ "bridge", set_bridge },
	{ "bip", set_bip },
	{ "fixed-cidr", set_fixed_cidr },
	{ "fixed-cidr-v6", set_fixed_cidr_v6 },
	{ "ipv6", set_ipv6 },
	{ "mtu", set_mtu },
	{ "icc", set_icc },
	{ "iptables", set_iptables },
	{ "ip-forward", set_ip_forward },
	{ "ip-masq", set_ip_masq },
	{ "userland-proxy", set_userland_proxy },
	{ "dns", set_dns },
	{ "ip", set_ip },
	{ "firewall-backend", set_firewall_backend },
	{ "anti-spoofing", set_anti_spoofing },
};

/* Checks that involve more than one key, after all keys are read. */
static int cross_check(const char *label, const struct berth_config *c,
		       struct berth_error *err)
{
	char a[19], b[19], ip[16];

	if (c->bridge[0] && c->has_bip)
		return berth_errmsg(err, -EINVAL,
				    "%s: \"bridge\" and \"bip\" are mutually exclusive: \"bip\" configures the bridge berth creates, \"bridge\" names an existing one",
				    label);
	if (c->has_fixed_cidr && c->has_bip &&
	    (c->fixed_cidr.len < c->bip.len ||
	     !cidr4_contains(c->bip, c->fixed_cidr.addr)))
		return berth_errmsg(err, -EINVAL,
				    "%s: \"fixed-cidr\" %s is not inside \"bip\" %s/%u (subnet %s)",
				    label, cidr4_str(c->fixed_cidr, a),
				    ip4_str(c->bip.addr, ip), (unsigned)c->bip.len,
				    cidr4_str(c->bip, b));
	if (c->has_fixed_cidr_v6 && !c->ipv6)
		return berth_errmsg(err, -EINVAL,
				    "%s: \"fixed-cidr-v6\" requires \"ipv6\": true", label);
	if (c->has_fixed_cidr_v6 && c->fixed_cidr_v6.len > 80) {
		char s[INET6_ADDRSTRLEN];

		inet_ntop(AF_INET6, &c->fixed_cidr_v6.addr, s, sizeof(s));
		return berth_errmsg(err, -EINVAL,
				    "%s: \"fixed-cidr-v6\" %s/%u is too small: the prefix must be /80 or shorter to hold container MAC addresses",
				    label, s, (unsigned)c->fixed_cidr_v6.len);
	}
	return 0;
}

static bool blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strchr(" \t\r\n", s[i]) || !s[i])
			return false;
	return true;
}

static int parse_buf(const char *label, const char *buf, size_t len,
		     struct berth_config *out, struct berth_error *err)
{
	struct berth_config c;
	json_error_t jerr;
	const char *key;
	json_t *root, *v;
	int r = 0;

	berth_config_defaults(&c);
	/* Like dockerd: a UTF-8 byte order mark is skipped and an empty file
	 * means all defaults. */
	if (len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3)) {
		buf += 3;
		len -= 3;
	}
	if (blank(buf, len)) {
		*out = c;
		return 0;
	}

	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return berth_errmsg(err, -EINVAL, "%s: line %d, column %d: %s",
				    label, jerr.line, jerr.column, jerr.text);
	if (!json_is_object(root)) {
		char rb[REPR_MAX + 4];

		r = berth_errmsg(err, -EINVAL, "%s: must be a JSON object, got %s",
				 label, repr(root, rb));
		goto out;
	}

	json_object_foreach(root, key, v) {
		struct parse p = { .label = label, .key = key, .v = v, .err = err };
		size_t i;

		for (i = 0; i < ARRAY_SIZE(keys); i++)
			if (!strcmp(key, keys[i].key))
				break;
		if (i == ARRAY_SIZE(keys)) {
			char kb[REPR_MAX + 4];

			r = berth_errmsg(err, -EINVAL, "%s: unknown key %s", label,
					 repr_key(key, kb));
			goto out;
		}
		r = keys[i].set(&p, &c);
		if (r < 0)
			goto out;
	}
	r = cross_check(label, &c, err);
	if (r == 0)
		*out = c;
out:
	json_decref(root);
	return r;
}

void berth_config_defaults(struct berth_config *c)
{
	*c = (struct berth_config){
		.icc = true,
		.iptables = true,
		.ip_forward = true,
		.ip_masq = true,
		.userland_proxy = true,
		.firewall_backend = BERTH_FW_NFTABLES,
		.anti_spoofing = true,
	};
}

int berth_config_parse(const char *json, struct berth_config *c,
		       struct berth_error *err)
{
	if (!json)
		return berth_errmsg(err, -EINVAL, "daemon.json: no text");
	return parse_buf("daemon.json", json, strlen(json), c, err);
}

int berth_config_load(const char *path, struct berth_config *c,
		      struct berth_error *err)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 4096;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		if (errno == ENOENT) {
			berth_config_defaults(c);
			return 0;
		}
		return berth_err(err, negerrno(), "%s", path);
	}

	buf = malloc(cap);
	if (!buf)
		return berth_err(err, -ENOMEM, "%s", path);
	for (;;) {
		ssize_t n;

		if (len == cap) {
			char *nb;

			if (cap >= CONFIG_MAX_SIZE)
				return berth_errmsg(err, -EFBIG,
						    "%s: larger than %d bytes, not a daemon.json",
						    path, CONFIG_MAX_SIZE);
			nb = realloc(buf, cap * 2);
			if (!nb)
				return berth_err(err, -ENOMEM, "%s", path);
			buf = nb;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return berth_err(err, negerrno(), "%s", path);
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	return parse_buf(path, buf, len, c, err);
}
