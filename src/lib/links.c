/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "links.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "container.h"
#include "util.h"

static int parse_port(const char *s, size_t n, unsigned *out)
{
	unsigned v = 0;
	if (n == 0 || n > 5)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -EINVAL;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v < 1 || v > 65535)
		return -EINVAL;
	*out = v;
	return 0;
}

int expose_parse(const char *spec, json_t *arr, struct berth_error *err)
{
	const char *slash = strchr(spec, '/');
	const char *proto = slash ? slash + 1 : "tcp";
	size_t len = slash ? (size_t)(slash - spec) : strlen(spec);
	const char *dash = memchr(spec, '-', len);
	unsigned lo, hi;
	if (strcmp(proto, "tcp") && strcmp(proto, "udp") && strcmp(proto, "sctp"))
		return berth_errmsg(err, -EINVAL, "invalid proto: %s (want tcp, udp or sctp)", proto);
	int r = parse_port(spec, dash ? (size_t)(dash - spec) : len, &lo);
	hi = lo;
	if (r >= 0 && dash)
		r = parse_port(dash + 1, len - (size_t)(dash - spec) - 1, &hi);
	if (r < 0 || hi < lo)
		return berth_errmsg(err, -EINVAL, "invalid port \"%s\": want PORT[/PROTO] or START-END[/PROTO], ports 1-65535",
				    spec);
	for (unsigned p = lo; p <= hi; p++) {
		char buf[16];
		snprintf(buf, sizeof(buf), "%u/%s", p, proto);
		json_array_append_new(arr, json_string(buf));
	}
	return 0;
}

int link_parse(struct store *st, const char *spec, json_t *arr, struct berth_error *err)
{
	char name[256];
	const char *colon = strchr(spec, ':');
	snprintf(name, sizeof(name), "%.*s", colon ? (int)(colon - spec) : (int)strlen(spec), spec);
	const char *alias = colon ? colon + 1 : name;
	if (!*name || !*alias || strchr(alias, ':') || strchr(alias, '/'))
		return berth_errmsg(err, -EINVAL, "invalid link \"%s\": want NAME[:ALIAS]", spec);
	struct ctr_rec c;
	if (store_container_get(st, name, &c) < 0)
		return berth_errmsg(err, -ENOENT, "could not get container for %s", name);
	json_array_append_new(arr, json_pack("{s:s, s:s, s:s}", "id", c.id, "name", c.name,
					     "alias", alias));
	ctr_rec_clear(&c);
	return 0;
}

void link_peers_free(struct link_peer *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		json_decref(v[i].expose);
		json_decref(v[i].env);
	}
	free(v);
}

int links_resolve(struct berth_ctx *ctx, json_t *cfg, const char *client_name,
		  struct link_peer **out, size_t *n, struct berth_error *err)
{
	json_t *links = json_object_get(cfg, "links");
	struct store *st;
	size_t cnt = json_array_size(links), i;
	json_t *l;
	*out = NULL;
	*n = 0;
	if (!cnt)
		return 0;
	int r = ctx_store(ctx, &st, err);
	if (r < 0)
		return r;
	struct link_peer *v = calloc(cnt, sizeof(*v));
	if (!v)
		return berth_err(err, -ENOMEM, "links");
	json_array_foreach(links, i, l) {
		struct ctr_rec s;
		const char *alias = json_string_value(json_object_get(l, "alias"));
		const char *id = json_string_value(json_object_get(l, "id"));
		if (!id || store_container_get(st, id, &s) < 0) {
			link_peers_free(v, i);
			return berth_errmsg(err, -ENOENT, "linked container %s no longer exists",
					    json_string_value(json_object_get(l, "name")) ?: "?");
		}
		_cleanup_free_ struct ep_rec *eps = NULL;
		size_t ne = 0;
		struct net_rec net;
		if (store_network_get(st, "bridge", &net) == 0)
			(void)store_endpoint_list(st, s.id, net.id, &eps, &ne);
		if (s.state != CTR_RUNNING || !ctr_alive(&s) || !ne || !eps[0].ip) {
			r = berth_errmsg(err, -ESRCH,
					 "Cannot link to a non running container: /%s AS /%s/%s",
					 s.name, client_name, alias ? alias : s.name);
			ctr_rec_clear(&s);
			link_peers_free(v, i);
			return r;
		}
		snprintf(v[i].alias, sizeof(v[i].alias), "%s", alias ? alias : s.name);
		snprintf(v[i].name, sizeof(v[i].name), "%s", s.name);
		memcpy(v[i].id, s.id, sizeof(v[i].id));
		v[i].ip = eps[0].ip;
		v[i].expose = json_incref(json_object_get(s.config, "expose"));
		v[i].env = json_incref(json_object_get(s.config, "env"));
		ctr_rec_clear(&s);
	}
	*out = v;
	*n = cnt;
	return 0;
}

static int push(char ***envp, char *s)
{
	size_t n = 0;
	if (!s)
		return -ENOMEM;
	while (*envp && (*envp)[n])
		n++;
	char **nv = realloc(*envp, (n + 2) * sizeof(char *));
	if (!nv) {
		free(s);
		return -ENOMEM;
	}
	nv[n] = s;
	nv[n + 1] = NULL;
	*envp = nv;
	return 0;
}

static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...)
{
	char *s = NULL;
	va_list ap;
	va_start(ap, f);
	if (vasprintf(&s, f, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

static int port_cmp(const void *a, const void *b)
{
	const char *x = json_string_value(*(json_t *const *)a);
	const char *y = json_string_value(*(json_t *const *)b);
	long d = strtol(x, NULL, 10) - strtol(y, NULL, 10);
	return d ? (d < 0 ? -1 : 1) : strcmp(x, y);
}

int links_env(const struct link_peer *v, size_t n, const char *client_name, char ***envp)
{
	int r = 0;
	for (size_t i = 0; i < n && r >= 0; i++) {
		char prefix[160], ip[16], up[16];
		size_t k;
		for (k = 0; v[i].alias[k] && k < sizeof(prefix) - 1; k++)
			prefix[k] = isalnum((unsigned char)v[i].alias[k])
					    ? (char)toupper((unsigned char)v[i].alias[k]) : '_';
		prefix[k] = '\0';
		ip4_str(v[i].ip, ip);
		r = push(envp, fmt("%s_NAME=/%s/%s", prefix, client_name, v[i].alias));
		size_t np = json_array_size(v[i].expose);
		json_t **ports = calloc(np ? np : 1, sizeof(*ports));
		if (!ports)
			return -ENOMEM;
		for (size_t p = 0; p < np; p++)
			ports[p] = json_array_get(v[i].expose, p);
		qsort(ports, np, sizeof(*ports), port_cmp);
		for (size_t p = 0; p < np && r >= 0; p++) {
			unsigned num = 0;
			char proto[8] = "tcp";
			if (sscanf(json_string_value(ports[p]), "%u/%7s", &num, proto) < 1)
				continue;
			for (k = 0; proto[k] && k < sizeof(up) - 1; k++)
				up[k] = (char)toupper((unsigned char)proto[k]);
			up[k] = '\0';
			if (p == 0)
				r = push(envp, fmt("%s_PORT=%s://%s:%u", prefix, proto, ip, num));
			if (r >= 0)
				r = push(envp, fmt("%s_PORT_%u_%s=%s://%s:%u", prefix, num, up, proto, ip, num));
			if (r >= 0)
				r = push(envp, fmt("%s_PORT_%u_%s_ADDR=%s", prefix, num, up, ip));
			if (r >= 0)
				r = push(envp, fmt("%s_PORT_%u_%s_PORT=%u", prefix, num, up, num));
			if (r >= 0)
				r = push(envp, fmt("%s_PORT_%u_%s_PROTO=%s", prefix, num, up, proto));
		}
		free(ports);
		json_t *e;
		json_array_foreach(v[i].env, k, e) {
			const char *kv = json_string_value(e);
			if (r >= 0 && kv && strncmp(kv, "HOME=", 5) && strncmp(kv, "PATH=", 5) &&
			    strncmp(kv, "HOSTNAME=", 9))
				r = push(envp, fmt("%s_ENV_%s", prefix, kv));
		}
	}
	return r;
}

int links_hosts(const struct link_peer *v, size_t n, char **text)
{
	for (size_t i = 0; i < n; i++) {
		char ip[16], *t = NULL;
		bool same = !strcmp(v[i].alias, v[i].name);
		if (asprintf(&t, "%s%s\t%s %.12s%s%s\n", *text ? *text : "", ip4_str(v[i].ip, ip),
			     v[i].alias, v[i].id, same ? "" : " ", same ? "" : v[i].name) < 0)
			return -ENOMEM;
		free(*text);
		*text = t;
	}
	return 0;
}
