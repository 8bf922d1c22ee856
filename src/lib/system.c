/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `system prune` and `system reset`: removing what berth made, in bulk. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "berth.h"
#include "cni.h"
#include "container.h"
#include "dns.h"
#include "firewall.h"
#include "network.h"
#include "util.h"

int berth_system_prune(struct berth_ctx *ctx, json_t *containers, json_t *networks,
		       struct berth_error *err)
{
	struct store *st;
	struct ctr_rec *v = NULL;
	size_t n = 0;
	int r = ctx_store(ctx, &st, err);
	if (r >= 0)
		r = store_container_list(st, &v, &n);
	for (size_t i = 0; r >= 0 && i < n; i++) {
		if (v[i].state == CTR_RUNNING && ctr_alive(&v[i]))
			continue;
		r = berth_container_remove(ctx, v[i].id, false, err);
		if (r >= 0)
			json_array_append_new(containers, json_string(v[i].id));
	}
	ctr_recs_free(v, n);
	return r < 0 ? r : berth_network_prune(ctx, networks, err);
}

int berth_system_reset(struct berth_ctx *ctx, struct berth_error *err)
{
	struct store *st;
	struct ctr_rec *v = NULL;
	struct cni_rec *cv = NULL;
	_cleanup_free_ struct net_rec *nets = NULL;
	size_t n = 0, nc = 0, nn = 0;
	int r = ctx_store(ctx, &st, err);
	if (r >= 0)
		r = store_container_list(st, &v, &n);
	if (r < 0)
		return r;
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		r = berth_container_remove(ctx, v[i].id, true, rc ? NULL : err);
		if (r < 0 && !rc)
			rc = r;
	}
	ctr_recs_free(v, n);
	(void)store_cni_list(st, NULL, NULL, NULL, &cv, &nc);
	for (size_t i = 0; i < nc; i++)
		(void)cni_release(ctx, &cv[i], false, NULL);
	cni_recs_free(cv, nc);
	(void)store_network_list(st, &nets, &nn);
	for (size_t i = 0; i < nn; i++) {
		dns_stop(ctx, nets[i].id);
		(void)network_bridge_remove(ctx, &nets[i], NULL);
		r = store_network_del(st, nets[i].id, rc ? NULL : err);
		if (r < 0 && !rc)
			rc = r;
	}
	/* No network left: the backend removes its rules (the user chain,
	 * which holds the administrator's own rules, stays). */
	r = firewall_sync(ctx, rc ? NULL : err);
	if (r < 0 && !rc)
		rc = r;
	if (rc < 0)
		return rc;
	ctx_release_handles(ctx);
	static const char *const files[] = {"berth.db", "berth.db-wal", "berth.db-shm"};
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		_cleanup_free_ char *p = NULL;
		if (asprintf(&p, "%s/%s", ctx->root, files[i]) >= 0)
			(void)unlink(p);
	}
	return 0;
}
