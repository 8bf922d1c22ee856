/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: the daemon.json parser (config.h), from its string entry. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct berth_error err = { 0 };
	struct berth_config c;
	char *s;

	if (size > 4096)
		return -1;
	if (!(s = malloc(size + 1)))
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	if (berth_config_parse(s, &c, &err) == 0) {
		if (c.n_dns > BERTH_MAX_DNS || !memchr(c.bridge, '\0', sizeof(c.bridge)))
			abort();
		for (unsigned i = 0; i < c.n_dns; i++)
			if (!memchr(c.dns[i], '\0', sizeof(c.dns[i])))
				abort();
		if ((c.has_bip && c.bip.len > 32) ||
		    (c.has_fixed_cidr && c.fixed_cidr.len > 32) ||
		    (c.has_fixed_cidr_v6 && c.fixed_cidr_v6.len > 128))
			abort();
	} else if (err.code >= 0 || !err.msg[0] || !memchr(err.msg, '\0', sizeof(err.msg))) {
		abort(); /* a failure always says why */
	}
	free(s);
	return 0;
}
