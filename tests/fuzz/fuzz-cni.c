/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: berth-cni's stdin configuration and CNI_ARGS (cniconf.h).
 * Input: CNI_ARGS up to the first newline, the JSON configuration after it. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cniconf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct berth_error err = {0};
	struct cni_conf c;
	if (size > 8192)
		return -1;
	const uint8_t *nl = memchr(data, '\n', size);
	size_t alen = nl ? (size_t)(nl - data) : 0;
	char *args = malloc(alen + 1);
	if (!args)
		return 0;
	memcpy(args, data, alen);
	args[alen] = '\0';
	const char *json = (const char *)data + (nl ? alen + 1 : 0);
	size_t jlen = size - (nl ? alen + 1 : 0);
	for (int full = 0; full < 2; full++) {
		if (cni_conf_parse(json, jlen, args, full, &c, &err) == 0) {
			/* What berth-cni relies on. */
			if (c.version < 0 || !c.version_str)
				abort();
			if (full && (!c.name || !c.bridge[0] || c.subnet.len > 30 || !c.gateway ||
				     !cidr4_contains(c.subnet, c.gateway) ||
				     (c.range_start && c.range_end && c.range_start > c.range_end) ||
				     (c.has_v6 && c.subnet6.len > 80)))
				abort();
			for (size_t i = 0; full && i < c.n_ports; i++)
				if (!c.ports[i].host_port || !c.ports[i].ctr_port)
					abort();
			cni_conf_free(&c);
		} else if (err.code >= 0 || !err.msg[0]) {
			abort(); /* a failure always says why */
		}
		err = (struct berth_error){0};
	}
	free(args);
	return 0;
}
