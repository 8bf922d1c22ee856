/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A growable string for building rule sets and files. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct strbuf {
	char *p;     /* NUL-terminated once anything was added; owned */
	size_t len, cap;
	bool oom;    /* an allocation failed: the content is incomplete */
};

void strbuf_printf(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
