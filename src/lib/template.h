/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A subset of Go's text/template, as Docker's `inspect -f` / `--format` use
 * it, evaluated over a jansson value.
 */
#pragma once

#include <jansson.h>

#include "error.h"

/* Render tmpl against data. *out is malloc'ed (NUL-terminated) on success.
 * Errors (-EINVAL) name the bad field or construct in err. */
int berth_template_render(const char *tmpl, json_t *data, char **out,
			  struct berth_error *err);
