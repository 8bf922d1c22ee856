/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * iptables backend: Docker's chain layout under berth's names, so that
 * `iptables -L` / `iptables-save` read like Docker's.
 *
 *   filter  FORWARD -> BERTH-FORWARD (one jump, inserted first)
 *           BERTH-FORWARD: -j BERTH-USER, -j BERTH-ISOLATION-STAGE-1, then per
 *             bridge: conntrack RELATED,ESTABLISHED accept, -o br -j BERTH,
 *             -i br ! -o br accept, -i br -o br accept (DROP with icc=false)
 *           BERTH: --link flows (dport client->server, sport back)
 *           BERTH-ISOLATION-STAGE-1/2: traffic between berth bridges dropped
 *           BERTH-USER: created once with a RETURN, never flushed
 *   nat     PREROUTING  -m addrtype --dst-type LOCAL -j BERTH
 *           OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j BERTH
 *           OUTPUT -d 127.0.0.0/8 -j BERTH (published ports on localhost,
 *             with no proxy: route_localnet on the bridge + MASQUERADE)
 *           POSTROUTING -s subnet ! -o br -j MASQUERADE (comment "berth"),
 *             and MASQUERADE for localhost and hairpin (DNAT back into the bridge)
 *           BERTH: one DNAT rule per published port
 * (IPv4 only: this backend does not publish on IPv6 addresses.)
 *
 * Everything is applied with one `iptables-restore --noflush` per change:
 * berth's own chains are declared (hence flushed) and refilled; in the
 * built-in chains, berth's rules are found in iptables-save's output and
 * only the missing ones added or the stale ones deleted. Rules of other
 * programs are never touched. icc=false needs bridged traffic to reach
 * iptables: berth sets net.bridge.bridge-nf-call-iptables=1 then, as Docker does.
 */
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "firewall.h"
#include "strbuf.h"
#include "util.h"

extern char **environ;

/* Run argv with input on stdin; collect stdout (and stderr) into *out. */
static int run(char *const argv[], const char *input, char **out, struct berth_error *err)
{
	int in[2], o[2];
	if (pipe2(in, O_CLOEXEC) < 0)
		return berth_err(err, negerrno(), "pipe");
	if (pipe2(o, O_CLOEXEC) < 0) {
		close(in[0]);
		close(in[1]);
		return berth_err(err, negerrno(), "pipe");
	}
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	posix_spawn_file_actions_adddup2(&fa, o[1], 1);
	posix_spawn_file_actions_adddup2(&fa, o[1], 2);
	pid_t pid;
	int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(in[0]);
	close(o[1]);
	if (rc != 0) {
		close(in[1]);
		close(o[0]);
		return berth_err(err, -rc, "run %s", argv[0]);
	}
	size_t left = input ? strlen(input) : 0;
	struct strbuf b = {0};
	strbuf_printf(&b, "%s", "");
	(void)fcntl(in[1], F_SETFL, O_NONBLOCK);
	while (o[0] >= 0) {
		struct pollfd pf[2] = {{.fd = left ? in[1] : -1, .events = POLLOUT},
				       {.fd = o[0], .events = POLLIN}};
		if (!left && in[1] >= 0) {
			close(in[1]);
			in[1] = -1;
		}
		if (poll(pf, 2, -1) < 0 && errno != EINTR)
			break;
		if (pf[0].revents && left) {
			ssize_t n = write(in[1], input, left);
			if (n > 0) {
				input += n;
				left -= (size_t)n;
			} else if (n < 0 && errno != EAGAIN) {
				left = 0;
			}
		}
		if (pf[1].revents) {
			char tmp[8192];
			ssize_t n = read(o[0], tmp, sizeof(tmp));
			if (n <= 0) {
				close(o[0]);
				o[0] = -1;
			} else {
				strbuf_printf(&b, "%.*s", (int)n, tmp);
			}
		}
	}
	if (in[1] >= 0)
		close(in[1]);
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		size_t l = b.len;
		while (l && b.p[l - 1] == '\n')
			b.p[--l] = '\0';
		int r = berth_errmsg(err, -EIO, "%s failed: %s", argv[0], b.p ? b.p : "");
		free(b.p);
		return r;
	}
	if (out)
		*out = b.p;
	else
		free(b.p);
	return 0;
}

/* Is this exact rule line ("-A CHAIN ...") in the iptables-save output? */
static bool has_line(const char *save, const char *line)
{
	size_t n = strlen(line);
	for (const char *p = save; (p = strstr(p, line)); p += n)
		if ((p == save || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0'))
			return true;
	return false;
}

static bool has_chain(const char *save, const char *chain)
{
	char decl[64];
	snprintf(decl, sizeof(decl), ":%s ", chain);
	return strstr(save, decl) != NULL;
}

/* Add `rule` to a built-in chain unless present (insert: at the top). */
static void ensure(struct strbuf *b, const char *save, const char *rule, bool want, bool insert)
{
	char line[512];
	snprintf(line, sizeof(line), "-A %s", rule);
	bool have = has_line(save, line);
	if (want && !have)
		strbuf_printf(b, "%s %s\n", insert ? "-I" : "-A", rule);
	else if (!want && have)
		strbuf_printf(b, "-D %s\n", rule);
}

static void filter_table(struct strbuf *b, const char *save, const struct fw_model *m)
{
	char s[16], d[16];
	bool any = m->n_nets > 0;
	strbuf_printf(b, "*filter\n");
	if (!has_chain(save, "BERTH-USER"))
		strbuf_printf(b, ":BERTH-USER - [0:0]\n-A BERTH-USER -j RETURN\n");
	if (!any) {
		ensure(b, save, "FORWARD -j BERTH-FORWARD", false, false);
		static const char *const chains[] = {"BERTH-FORWARD", "BERTH",
			"BERTH-ISOLATION-STAGE-1", "BERTH-ISOLATION-STAGE-2"};
		for (size_t i = 0; i < ARRAY_SIZE(chains); i++)
			if (has_chain(save, chains[i]))
				strbuf_printf(b, "-F %s\n", chains[i]);
		for (size_t i = 0; i < ARRAY_SIZE(chains); i++)
			if (has_chain(save, chains[i]))
				strbuf_printf(b, "-X %s\n", chains[i]);
		strbuf_printf(b, "COMMIT\n");
		return;
	}
	strbuf_printf(b, ":BERTH-FORWARD - [0:0]\n:BERTH - [0:0]\n"
		     ":BERTH-ISOLATION-STAGE-1 - [0:0]\n:BERTH-ISOLATION-STAGE-2 - [0:0]\n");
	ensure(b, save, "FORWARD -j BERTH-FORWARD", true, true);
	strbuf_printf(b, "-A BERTH-FORWARD -j BERTH-USER\n-A BERTH-FORWARD -j BERTH-ISOLATION-STAGE-1\n");
	for (size_t i = 0; i < m->n_nets; i++) {
		const struct fw_net *n = &m->nets[i];
		const char *br = n->bridge;
		strbuf_printf(b,
			  "-A BERTH-FORWARD -o %s -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n"
			  "-A BERTH-FORWARD -o %s -j BERTH\n",
			  br, br);
		if (!n->internal)
			strbuf_printf(b, "-A BERTH-FORWARD -i %s ! -o %s -j ACCEPT\n", br, br);
		else
			strbuf_printf(b, "-A BERTH-FORWARD -i %s ! -o %s -j DROP\n"
				     "-A BERTH-FORWARD -o %s ! -i %s -j DROP\n", br, br, br, br);
		strbuf_printf(b, "-A BERTH-FORWARD -i %s -o %s -j %s\n", br, br, n->icc ? "ACCEPT" : "DROP");
		/* nothing else gets in: unpublished ports are not reachable by routing */
		/* (berth-cni networks are routed: pods on other nodes reach pods) */
		strbuf_printf(b, "-A BERTH-FORWARD -o %s -j %s\n", br, n->routed ? "ACCEPT" : "DROP");
		strbuf_printf(b, "-A BERTH-ISOLATION-STAGE-1 -i %s ! -o %s -j BERTH-ISOLATION-STAGE-2\n"
			     "-A BERTH-ISOLATION-STAGE-2 -o %s -j DROP\n", br, br, br);
	}
	for (size_t i = 0; i < m->n_dnats; i++) {
		const struct fw_dnat *dn = &m->dnats[i];
		const char *p = fw_proto_name(dn->proto);
		if (dn->family != AF_INET)
			continue;
		strbuf_printf(b, "-A BERTH -d %s/32 -o %s -p %s -m %s --dport %u -m conntrack --ctstate DNAT -j ACCEPT\n",
			  dn->ctr, dn->bridge, p, p, dn->ctr_port);
	}
	for (size_t i = 0; i < m->n_links; i++) {
		const struct fw_link *l = &m->links[i];
		const char *p = fw_proto_name(l->proto);
		ip4_str(l->client, s);
		ip4_str(l->server, d);
		strbuf_printf(b, "-A BERTH -s %s/32 -d %s/32 -i %s -o %s -p %s -m %s --dport %u -j ACCEPT\n"
			     "-A BERTH -s %s/32 -d %s/32 -i %s -o %s -p %s -m %s --sport %u -j ACCEPT\n",
			  s, d, l->bridge, l->bridge, p, p, l->port, d, s, l->bridge, l->bridge, p, p, l->port);
	}
	strbuf_printf(b, "-A BERTH-ISOLATION-STAGE-1 -j RETURN\n-A BERTH-ISOLATION-STAGE-2 -j RETURN\nCOMMIT\n");
}

static void nat_table(struct strbuf *b, const char *save, const struct fw_model *m)
{
	char c[20], rule[256];
	bool any = m->n_nets > 0;
	strbuf_printf(b, "*nat\n");
	if (any)
		strbuf_printf(b, ":BERTH - [0:0]\n");
	ensure(b, save, "PREROUTING -m addrtype --dst-type LOCAL -j BERTH", any, false);
	ensure(b, save, "OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j BERTH", any, false);
	ensure(b, save, "OUTPUT -d 127.0.0.0/8 -j BERTH", any, false);
	/* MASQUERADE rules: keep the wanted, delete berth's stale ones. */
	struct strbuf want = {0};
	strbuf_printf(&want, "%s", "");
	for (size_t i = 0; i < m->n_nets; i++) {
		const char *br = m->nets[i].bridge;
		cidr4_str(m->nets[i].subnet, c);
		for (int k = 0; k < 3; k++) {
			if (k == 0 && !m->nets[i].masquerade)
				continue;
			if (k == 0 && m->nets[i].has_no_masq)
				snprintf(rule, sizeof(rule),
					 "-A POSTROUTING -s %s ! -d %s ! -o %s -m comment --comment berth -j MASQUERADE", c,
					 cidr4_str(m->nets[i].no_masq, (char[19]){0}), br);
			else if (k == 0)
				snprintf(rule, sizeof(rule),
					 "-A POSTROUTING -s %s ! -o %s -m comment --comment berth -j MASQUERADE", c, br);
			else if (k == 1)
				snprintf(rule, sizeof(rule),
					 "-A POSTROUTING -s 127.0.0.0/8 -o %s -m comment --comment berth -j MASQUERADE", br);
			else
				snprintf(rule, sizeof(rule),
					 "-A POSTROUTING -s %s -o %s -m conntrack --ctstate DNAT -m comment --comment berth -j MASQUERADE",
					 c, br);
			strbuf_printf(&want, "%s\n", rule);
			if (!has_line(save, rule))
				strbuf_printf(b, "%s\n", rule);
		}
	}
	for (const char *p = save; p && *p;) {
		const char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) : strlen(p);
		if (n < sizeof(rule) && !strncmp(p, "-A POSTROUTING ", 15) &&
		    strstr(p, "--comment berth ") && strstr(p, "--comment berth ") < p + n) {
			memcpy(rule, p, n);
			rule[n] = '\0';
			if (!want.p || !has_line(want.p, rule))
				strbuf_printf(b, "-D%s\n", rule + 2);
		}
		p = eol ? eol + 1 : NULL;
	}
	free(want.p);
	for (size_t i = 0; i < m->n_dnats; i++) {
		const struct fw_dnat *dn = &m->dnats[i];
		const char *p = fw_proto_name(dn->proto);
		if (dn->family != AF_INET)
			continue;
		strbuf_printf(b, "-A BERTH%s%s%s -p %s -m %s --dport %u -j DNAT --to-destination %s:%u\n",
			  dn->any ? "" : " -d ", dn->any ? "" : dn->host, dn->any ? "" : "/32", p, p,
			  dn->host_port, dn->ctr, dn->ctr_port);
	}
	if (!any && has_chain(save, "BERTH"))
		strbuf_printf(b, "-F BERTH\n-X BERTH\n");
	strbuf_printf(b, "COMMIT\n");
}

static int ipt_apply(const struct fw_model *m, struct berth_error *err)
{
	char *save_filter = NULL, *save_nat = NULL;
	char *sf[] = {"iptables-save", "-t", "filter", NULL};
	char *sn[] = {"iptables-save", "-t", "nat", NULL};
	char *restore[] = {"iptables-restore", "--noflush", "-w", NULL};
	int r = run(sf, NULL, &save_filter, err);
	if (r >= 0)
		r = run(sn, NULL, &save_nat, err);
	if (r >= 0) {
		struct strbuf b = {0};
		filter_table(&b, save_filter, m);
		nat_table(&b, save_nat, m);
		r = b.oom ? berth_err(err, -ENOMEM, "iptables rules") : run(restore, b.p, NULL, err);
		free(b.p);
	}
	free(save_filter);
	free(save_nat);
	if (r < 0)
		return r;
	for (size_t i = 0; i < m->n_nets; i++) {
		if (m->nets[i].icc)
			continue;
		int fd = open("/proc/sys/net/bridge/bridge-nf-call-iptables", O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			return berth_errmsg(err, -ENOENT,
					    "icc=false with the iptables backend needs the br_netfilter module (modprobe br_netfilter)");
		(void)!write(fd, "1", 1);
		close(fd);
		break;
	}
	return 0;
}

const struct fw_backend fw_backend_iptables = {
	.name = "iptables",
	.apply = ipt_apply,
};
