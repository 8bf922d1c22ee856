/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: the -p / --expose spec parser (ports.h). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ports.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct berth_error err = { 0 };
	struct port_spec spec;
	char *s;
	int proto;

	if (size > 4096)
		return -1; /* bounded work; libFuzzer drops the input */
	if (!(s = malloc(size + 1)))
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	if (port_spec_parse(s, &spec, &err) == 0) {
		/* What the callers rely on. */
		if (spec.ctr_lo < 1 || spec.ctr_hi < spec.ctr_lo || spec.host_hi < spec.host_lo)
			abort();
		if (spec.host_hi - spec.host_lo != 0 && spec.ctr_hi - spec.ctr_lo != 0 &&
		    spec.host_hi - spec.host_lo != spec.ctr_hi - spec.ctr_lo)
			abort();
		if (strcmp(port_proto_name(spec.proto), "tcp") != 0 &&
		    port_proto_parse(port_proto_name(spec.proto)) != spec.proto)
			abort();
	} else if (err.code >= 0 || !err.msg[0]) {
		abort(); /* a failure always says why */
	}
	proto = port_proto_parse(s);
	if (proto >= 0 && strcmp(port_proto_name((uint8_t)proto), s) != 0)
		abort();
	free(s);
	return 0;
}
